"""Writes of the self-assessment: surveys from templates, custom questions, waves, answers."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from veikart.competence import selectors
from veikart.competence.constants import WaveKind
from veikart.competence.digcomp import LEVEL_NUMBERS
from veikart.competence.models import Answer, Question, Response, Survey, Wave
from veikart.competence.survey_templates import TEMPLATES
from veikart.core.access import get_access
from veikart.core.services import record_audit_event
from veikart.trainings.models import Course


def _require_manager(user: User) -> None:
    if not selectors.can_manage_surveys(user):
        raise PermissionDenied


@transaction.atomic
def create_survey_from_template(user: User, key: str, *, title: str = "") -> Survey:
    _require_manager(user)
    template = TEMPLATES[key]
    survey = Survey.objects.create(
        title=title or template.title,
        description=template.description,
        template=template.key,
        created_by=user,
    )
    Question.objects.bulk_create(
        Question(survey=survey, position=i, competence=q.competence, text=q.text)
        for i, q in enumerate(template.questions, start=1)
    )
    record_audit_event(user, "competence.survey.create", target=f"survey:{survey.pk}")
    return survey


@transaction.atomic
def add_custom_question(user: User, survey: Survey, text: str) -> Question:
    """A question of the programme lead's own, on the same 1–8 scale; only before anyone answers,
    so that every response has the same questions."""
    _require_manager(user)
    if Response.objects.filter(wave__survey=survey).exists():
        raise ValidationError(
            _("Questions cannot be added once someone has answered the survey."), code="answered"
        )
    last = survey.questions.aggregate(last=Max("position"))["last"] or 0
    return Question.objects.create(survey=survey, position=last + 1, text=text.strip())


def set_survey_open(user: User, survey: Survey, is_open: bool) -> None:
    _require_manager(user)
    survey.is_open = is_open
    survey.save(update_fields=["is_open"])


def create_wave(
    user: User,
    survey: Survey,
    *,
    name: str,
    kind: WaveKind,
    opens_on: dt.date,
    closes_on: dt.date,
    course: Course | None = None,
) -> Wave:
    _require_manager(user)
    if closes_on < opens_on:
        raise ValidationError(_("A wave cannot close before it opens."), code="dates")
    return Wave.objects.create(
        survey=survey, name=name, kind=kind, opens_on=opens_on, closes_on=closes_on, course=course
    )


@transaction.atomic
def submit_response(
    user: User, wave: Wave, levels: dict[int, int], *, now: dt.datetime | None = None
) -> Response:
    """Save the signed-in employee's answers to ``wave``, replacing earlier ones in that wave.

    Refused with a message when the wave is not open (before it opens, after it closes, or when
    the survey is closed), when the user is not an employee, or when a question is unanswered.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    access = get_access(user)
    if access.employee_id is None:
        raise ValidationError(
            _("Your sign-in is not linked to an employee, so you cannot answer."),
            code="not_employee",
        )
    if not wave.is_open_on(today):
        if today > wave.closes_on:
            message = _("This survey round closed on %(date)s; answers can no longer be changed.")
            raise ValidationError(
                message % {"date": date_format(wave.closes_on, "DATE_FORMAT")}, code="closed"
            )
        raise ValidationError(_("This survey round is not open for answers."), code="not_open")
    questions = selectors.questions(wave.survey)
    missing = [q for q in questions if levels.get(q.pk) not in LEVEL_NUMBERS]
    if missing:
        raise ValidationError(_("Choose a level for every statement."), code="incomplete")
    response, _created = Response.objects.update_or_create(
        wave=wave, employee_id=access.employee_id, defaults={"submitted_at": now}
    )
    response.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(response=response, question=q, level=levels[q.pk]) for q in questions
    )
    return response
