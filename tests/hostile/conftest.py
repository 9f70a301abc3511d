"""A small organisation with one of everything, and every persona signed in.

On top of the personas of tests/conftest.py (Kari programme lead, Ola unit manager of Jeløy
skole, Nils employee in Glenne sykehjem, Ida IT, Per trainer, Dina data-protection officer): Eva
the executive and Ada the administrator (a superuser); Per runs a session as employee 1009. Then
a course with a session Nils attended and one he has not, a learning path, a training target, a
self-assessment survey with an open wave, a system with a decision, an initiative with a milestone
and a target, and the working agreement (a published version and a draft with rules).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from tests.conftest import PASSWORD, Org

OSLO = ZoneInfo("Europe/Oslo")

# The personas as the access matrix names them, in the order of its table.
ROLES = ("anonymous", "nils", "ola", "per", "ida", "dina", "kari", "eva", "ada")


@dataclass
class World:
    org: Org
    eva: User
    ada: User
    users: dict[str, User | None]
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(org: Org) -> World:
    from django.utils import timezone

    from tests.trainings.conftest import link_per_as_trainer
    from veikart.agreements.services import create_organisation_agreement, publish, start_draft
    from veikart.competence.models import Wave
    from veikart.competence.services import create_survey_from_template
    from veikart.core.access import forget_access
    from veikart.core.constants import Role
    from veikart.core.services import grant_role
    from veikart.organisations.models import Employee, Organisation, Unit
    from veikart.roadmaps import services as roadmaps
    from veikart.roadmaps.models import Initiative, Milestone, Target
    from veikart.systems.models import Decision, System
    from veikart.trainings.models import (
        Course,
        Enrolment,
        LearningPath,
        LearningPathStep,
        Session,
        TrainingTarget,
    )

    eva = User.objects.create_user("eva", password=PASSWORD)
    grant_role(eva, Role.EXECUTIVE)
    ada = User.objects.create_superuser("ada", password=PASSWORD)
    link_per_as_trainer(org)
    for user in (org.kari, org.ola, org.nils, org.ida, org.per, org.dina, eva, ada):
        forget_access(user)

    organisation = cast(Organisation, org.organisation)
    unit = {u.code: u for u in Unit.objects.all()}
    employee = {e.employee_number: e for e in Employee.objects.all()}
    now = timezone.now()

    course = Course.objects.create(
        code="TEAMS-GK", title="Teams grunnkurs", format="classroom", duration_minutes=120
    )
    past = Session.objects.create(
        code="OKT-1",
        course=course,
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30, hours=-2),
        location="Moss rådhus",
        trainer=employee["1009"],
        capacity=10,
    )
    coming = Session.objects.create(
        code="OKT-2",
        course=course,
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        location="Rygge rådhus",
        capacity=10,
    )
    attended = Enrolment.objects.create(
        session=past, employee=employee["1005"], enrolled_on=dt.date(2019, 8, 1), status="attended"
    )
    enrolled = Enrolment.objects.create(
        session=coming, employee=employee["1005"], enrolled_on=dt.date(2019, 8, 2)
    )
    path = LearningPath.objects.create(name="Kom i gang")
    LearningPathStep.objects.create(path=path, course=course, position=1)
    training_target = TrainingTarget.objects.create(
        name="Alle på grunnkurs", value=80, due_date=dt.date(2020, 12, 31)
    )
    training_target.courses.set([course])

    survey = create_survey_from_template(org.kari, "m365-samarbeid")
    today = timezone.localdate()
    wave = Wave.objects.create(
        survey=survey,
        name="Høst",
        kind="periodic",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=7),
    )

    decision = Decision.objects.create(
        organisation=organisation,
        system_name="ePhorte",
        kind="retire",
        decided_on=dt.date(2019, 5, 1),
    )
    system = System.objects.create(
        organisation=organisation, name="ePhorte", category="sak_arkiv", decision=decision
    )

    initiative = roadmaps.save_initiative(
        Initiative(
            organisation=organisation,
            code="T1",
            title="Teams som hovedkanal",
            start=dt.date(2019, 9, 1),
            end=dt.date(2020, 12, 31),
        ),
        actor=None,
    )
    milestone = Milestone.objects.create(
        initiative=initiative, date=dt.date(2020, 3, 1), text="Alle har Teams"
    )
    target = Target.objects.create(
        initiative=initiative,
        name="Aktive i Teams",
        metric="active_teams",
        threshold=80,
        due_date=dt.date(2020, 12, 31),
    )

    published = publish(
        org.kari,
        create_organisation_agreement(org.kari),
        change_note="",
        requires_acknowledgement=True,
    )
    draft = start_draft(org.kari, published.agreement)
    rule = draft.rules.first()
    assert rule is not None

    users: dict[str, User | None] = {
        "anonymous": None,
        "nils": org.nils,
        "ola": org.ola,
        "per": org.per,
        "ida": org.ida,
        "dina": org.dina,
        "kari": org.kari,
        "eva": eva,
        "ada": ada,
    }
    ids: dict[str, Any] = {
        "unit": unit["110"].pk,  # Jeløy skole: Ola's
        "unit_other": unit["210"].pk,  # Glenne sykehjem: not Ola's
        "employee": employee["1003"].pk,  # Ørjan in Småtrinnet, under Ola
        "employee_other": employee["1005"].pk,  # Nils, not under Ola
        "course": course.pk,
        "session": past.pk,  # Per runs it, Nils attended it
        "session_coming": coming.pk,
        "enrolment": attended.pk,  # Nils's
        "enrolment_coming": enrolled.pk,  # Nils's
        "path": path.pk,
        "training_target": training_target.pk,
        "survey": survey.pk,
        "wave": wave.pk,
        "system": system.pk,
        "decision": decision.pk,
        "initiative": initiative.pk,
        "milestone": milestone.pk,
        "roadmap_target": target.pk,
        "agreement": published.agreement.pk,
        "version": published.pk,
        "draft": draft.pk,
        "rule": rule.pk,
        "user_nils": org.nils.pk,
        "user_dina": org.dina.pk,
    }
    return World(org, eva, ada, users, ids)
