from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from veikart.competence import digcomp, selectors, services
from veikart.competence.forms import AnswerForm, CustomQuestionForm, WaveForm
from veikart.competence.survey_templates import M365_COLLABORATION
from veikart.core.access import get_access
from veikart.core.services import record_audit_event
from veikart.organisations.selectors import get_organisation


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {"organisation": get_organisation(), **context}, status=status)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    today = timezone.localdate()
    waves = list(selectors.open_waves(today=today))
    answered = {w.pk for w in waves if selectors.own_response(access, w) is not None}
    return _page(
        request,
        "competence/index.html",
        {
            "waves": [(w, w.pk in answered) for w in waves],
            "is_employee": access.employee_id is not None,
            "can_manage": selectors.can_manage_surveys(access),
            "surveys": selectors.surveys_to_manage(access),
            "result_waves": selectors.waves_with_results(access),
            "template": M365_COLLABORATION,
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "competence/mine.html",
        {"responses": selectors.my_responses(request.user), "levels": digcomp.LEVELS},
    )


@login_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    wave = selectors.get_wave(pk)
    questions = selectors.questions(wave.survey)
    status = 200
    if request.method == "POST":
        form = AnswerForm(questions, request.POST)
        if form.is_valid():
            try:
                services.submit_response(_user(request), wave, form.levels())
            except ValidationError as error:
                form.add_error(None, error)
                status = 409 if error.code == "closed" else 400
            else:
                messages.success(request, _("Thank you! Your answers are saved."))
                return redirect("competence:mine")
        else:
            status = 400
    else:
        initial = {f"q{q}": str(v) for q, v in selectors.own_levels(request.user, wave).items()}
        form = AnswerForm(questions, initial=initial)
    fields = [(q, form[f"q{q.pk}"], _competence(q.competence)) for q in questions]
    return _page(
        request,
        "competence/answer.html",
        {
            "wave": wave,
            "form": form,
            "fields": fields,
            "levels": digcomp.LEVELS,
            "is_open": wave.is_open_on(timezone.localdate()),
        },
        status=status,
    )


def _competence(code: str) -> digcomp.Competence | None:
    return digcomp.competence(code) if code else None


@login_required
@require_POST
def survey_create(request: HttpRequest) -> HttpResponse:
    title = request.POST.get("title", "").strip()[:200]
    survey = services.create_survey_from_template(
        _user(request), M365_COLLABORATION.key, title=title
    )
    messages.success(request, _("The survey was created from the template."))
    return redirect("competence:survey", survey.pk)


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _survey_page(request, pk, CustomQuestionForm(), WaveForm())


def _survey_page(
    request: HttpRequest, pk: int, question_form: Any, wave_form: Any, status: int = 200
) -> HttpResponse:
    survey = selectors.get_survey_to_manage(request.user, pk)
    questions = [(q, _competence(q.competence)) for q in selectors.questions(survey)]
    return _page(
        request,
        "competence/survey.html",
        {
            "survey": survey,
            "questions": questions,
            "waves": survey.waves.select_related("course"),
            "question_form": question_form,
            "wave_form": wave_form,
        },
        status=status,
    )


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_to_manage(request.user, pk)
    form = CustomQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.add_custom_question(_user(request), survey, form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The question was added."))
            return redirect("competence:survey", survey.pk)
    return _survey_page(request, pk, form, WaveForm(), status=400)


@login_required
@require_POST
def wave_create(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_to_manage(request.user, pk)
    form = WaveForm(request.POST)
    if form.is_valid():
        try:
            services.create_wave(_user(request), survey, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The survey round was created."))
            return redirect("competence:survey", survey.pk)
    return _survey_page(request, pk, CustomQuestionForm(), form, status=400)


@login_required
@require_POST
def survey_open(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.get_survey_to_manage(request.user, pk)
    services.set_survey_open(_user(request), survey, request.POST.get("open") == "1")
    return redirect("competence:survey", survey.pk)


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    wave = selectors.get_wave_for_results(request.user, pk)
    result = selectors.wave_results(request.user, wave)
    record_audit_event(request.user, "competence.results.view", target=f"wave:{wave.pk}")
    return _page(
        request,
        "competence/results.html",
        {"result": result, "levels": digcomp.LEVELS, "areas": _area_titles()},
    )


@login_required
def change(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.can_see_results(request.user):
        raise PermissionDenied
    waves = {w.pk: w for w in selectors.waves_with_results(request.user).filter(survey_id=pk)}
    try:
        before = waves[int(request.GET.get("before", ""))]
        after = waves[int(request.GET.get("after", ""))]
    except (KeyError, ValueError):
        raise Http404("Choose two waves of the survey") from None
    result = selectors.change_results(request.user, before, after)
    record_audit_event(
        request.user, "competence.change.view", target=f"wave:{before.pk}-{after.pk}"
    )
    return _page(request, "competence/change.html", {"result": result, "areas": _area_titles()})


def _area_titles() -> dict[int | None, str]:
    titles: dict[int | None, str] = {a.number: a.title for a in digcomp.AREAS}
    titles[None] = _("Custom questions")
    return titles
