"""The training plan: targets, progress against hand-counted fixtures, the status rules, the
small-group rule, who sees what, and the target form.

The people (tests/data/ansatte.csv) and what they did, with MIN_GROUP_SIZE = 5:

=====  ========  ======  ====  ======  ============================================
 no.   name      former  unit  leader  training
=====  ========  ======  ====  ======  ============================================
 1001  Kari      moss    300   no      TEAMS-GK 10.02.2020
 1002  Ola       rygge   110   yes     TEAMS-GK 10.02.2020
 1003  Ørjan     moss    111   no      TEAMS-GK 15.04.2020 (after the 31.03 due date)
 1004  Åse       moss    120   yes     no-show TEAMS-GK; attended ANNET 12.02.2020
 1005  Nils      rygge   210   no      TEAMS-GK 10.02.2020
 1006  Fatima    moss    210   no      TEAMS-GK 10.02.2020, left 15.03.2020
 1007  Bjørn     moss    110   no      nothing
=====  ========  ======  ====  ======  ============================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Org
from tests.trainings.conftest import OSLO
from veikart.core.models import AuditEvent
from veikart.organisations.models import Employee, FormerOrganisation, Unit
from veikart.trainings import plan
from veikart.trainings.constants import Population, TargetKind, TargetStatus
from veikart.trainings.models import Course, Enrolment, Session, TrainingTarget

PLAN = "/opplaering/plan/"
DUE = dt.date(2020, 3, 31)
AFTER_DUE = dt.date(2020, 5, 1)
BEFORE_DUE = dt.date(2020, 3, 1)


@dataclass
class Plan:
    org: Org
    teams: Course
    everyone: TrainingTarget  # 50 % of everyone on TEAMS-GK by 31.03.2020


def person(number: str) -> Employee:
    return Employee.objects.get(employee_number=number)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _session(course: Course, code: str, day: dt.date) -> Session:
    start = dt.datetime(day.year, day.month, day.day, 9, tzinfo=OSLO)
    return Session.objects.create(
        code=code, course=course, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )


def _came(session: Session, number: str, status: str = "attended") -> None:
    Enrolment.objects.create(
        session=session, employee=person(number), enrolled_on=dt.date(2020, 1, 15), status=status
    )


def target(name: str, courses: list[Course], **values: Any) -> TrainingTarget:
    made = TrainingTarget.objects.create(name=name, **values)
    made.courses.set(courses)
    return made


@pytest.fixture
def world(org: Org, settings: Any) -> Plan:
    settings.MIN_GROUP_SIZE = 5
    teams = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=120)
    other = Course.objects.create(code="ANNET", title="Annet kurs", duration_minutes=60)
    first = _session(teams, "S1", dt.date(2020, 2, 10))
    later = _session(teams, "S2", dt.date(2020, 4, 15))
    elsewhere = _session(other, "S3", dt.date(2020, 2, 12))
    for number in ("1001", "1002", "1005", "1006"):
        _came(first, number)
    _came(first, "1004", "no_show")
    _came(later, "1003")
    _came(elsewhere, "1004")
    Employee.objects.filter(employee_number="1006").update(employment_end=dt.date(2020, 3, 15))
    everyone = target(
        "Halvparten innen 31. mars", [teams], kind=TargetKind.SHARE, value=50, due_date=DUE
    )
    return Plan(org, teams, everyone)


# --- The rules, without the database -------------------------------------------------------------


def test_required_people_rounds_a_share_up() -> None:
    assert plan.required_people(TargetKind.SHARE, 50, 7) == 4
    assert plan.required_people(TargetKind.SHARE, 100, 0) == 0
    assert plan.required_people(TargetKind.PEOPLE, 400, 7) == 400


def test_the_expected_pace_is_linear_from_the_first_session_to_the_due_date() -> None:
    start, due = dt.date(2020, 1, 1), dt.date(2020, 1, 11)
    assert plan.expected_by(10, start=start, due=due, on=dt.date(2019, 12, 1)) == 0
    assert plan.expected_by(10, start=start, due=due, on=dt.date(2020, 1, 4)) == 3
    assert plan.expected_by(10, start=start, due=due, on=dt.date(2020, 2, 1)) == 10
    assert plan.expected_by(10, start=None, due=due, on=dt.date(2020, 1, 4)) == 0


@pytest.mark.parametrize(
    ("now", "by_due", "today", "expected"),
    [
        (5, 5, dt.date(2020, 1, 4), TargetStatus.MET),
        (3, 3, dt.date(2020, 1, 4), TargetStatus.ON_TRACK),
        (1, 1, dt.date(2020, 1, 4), TargetStatus.BEHIND),  # pace: ceil(5 × 3/10) = 2
        (5, 4, dt.date(2020, 2, 1), TargetStatus.BEHIND),  # reached only after the due date
    ],
)
def test_status_rules(now: int, by_due: int, today: dt.date, expected: TargetStatus) -> None:
    status = plan.target_status(
        trained_now=now,
        trained_by_due=by_due,
        required=5,
        start=dt.date(2020, 1, 1),
        due=dt.date(2020, 1, 11),
        today=today,
    )
    assert status == expected


# --- Progress against the hand-counted table -----------------------------------------------------


def test_it_counts_those_employed_on_the_due_date_and_trained_by_it(world: Plan) -> None:
    result = plan.progress(world.org.kari, world.everyone, today=AFTER_DUE)
    # Fatima left before the due date: not in the population. Ørjan was trained after it.
    assert (result.population, result.trained_by_due, result.trained_now) == (6, 3, 4)
    assert result.required == 3
    assert result.status == TargetStatus.MET
    assert result.share == pytest.approx(100 * 4 / 6)


def test_a_target_reached_only_after_its_due_date_is_behind(world: Plan) -> None:
    world.everyone.value = 60  # needs 4 of 6; the 4th (Ørjan) came after the due date
    result = plan.progress(world.org.kari, world.everyone, today=AFTER_DUE)
    assert (result.required, result.status) == (4, TargetStatus.BEHIND)


def test_before_the_due_date_leavers_still_employed_count(world: Plan) -> None:
    result = plan.progress(world.org.kari, world.everyone, today=BEFORE_DUE)
    # On 01.03 Fatima still works here and is trained; Ørjan is not yet.
    assert (result.population, result.trained_now) == (7, 4)
    # 4 needed by 31.03; at an even pace from 10.02: ceil(4 × 20/50) = 2 by 01.03.
    assert (result.required, result.expected_now, result.status) == (4, 2, TargetStatus.MET)


def test_a_leaders_target_counts_only_leaders(world: Plan) -> None:
    leaders = target(
        "Alle ledere",
        [world.teams],
        population=Population.LEADERS,
        kind=TargetKind.PEOPLE,
        value=2,
        due_date=dt.date(2020, 6, 30),
    )
    result = plan.progress(world.org.kari, leaders, today=BEFORE_DUE)
    # Ola and Åse lead; only Ola attended TEAMS-GK (Åse did not come, and ANNET does not count).
    assert (result.population, result.trained_now, result.required) == (2, 1, 2)
    # Even pace from 10.02 to 30.06 (141 days): ceil(2 × 20/141) = 1 by 01.03.
    assert (result.expected_now, result.status) == (1, TargetStatus.ON_TRACK)
    assert result.small and result.share is None


def test_a_former_organisation_target_with_any_course(world: Plan) -> None:
    moss = FormerOrganisation.objects.get(code="moss")
    target_ = target(
        "Moss",
        [],
        population=Population.FORMER_ORGANISATION,
        former_organisation=moss,
        kind=TargetKind.PEOPLE,
        value=3,
        due_date=dt.date(2020, 6, 30),
    )
    result = plan.progress(world.org.kari, target_, today=BEFORE_DUE)
    # Kari, Ørjan, Åse, Fatima, Bjørn; trained in any course by 01.03: Kari, Åse, Fatima.
    assert (result.population, result.trained_now, result.status) == (5, 3, TargetStatus.MET)


def test_a_unit_target_counts_the_subtree(world: Plan) -> None:
    target_ = target(
        "Oppvekst",
        [world.teams],
        population=Population.UNIT,
        unit=unit("100"),
        kind=TargetKind.SHARE,
        value=100,
        due_date=DUE,
    )
    result = plan.progress(world.org.kari, target_, today=AFTER_DUE)
    assert (result.population, result.trained_by_due, result.trained_now) == (4, 1, 2)
    assert result.status is None  # a share over fewer than 5 people: no status either


def test_progress_per_unit_and_former_organisation(world: Plan) -> None:
    result = plan.breakdown(world.org.kari, world.everyone, today=AFTER_DUE)
    rows = {t.label: (t.population, t.trained, t.share) for t in result.units}
    assert rows == {
        "Oppvekst": (4, 2, None),  # fewer than 5: a count, never a share
        "Helse og omsorg": (1, 1, None),
        "Stab og administrasjon": (1, 1, None),
    }
    former = {t.label: (t.population, t.trained) for t in result.former_organisations}
    assert former == {"Moss kommune (til 2020)": (4, 2), "Rygge kommune (til 2020)": (2, 2)}


def test_drilling_down_shows_the_units_below(world: Plan) -> None:
    result = plan.breakdown(world.org.kari, world.everyone, today=AFTER_DUE, unit_pk=unit("100").pk)
    assert [(t.label, t.population, t.trained) for t in result.units] == [
        ("Jeløy skole", 3, 2),
        ("Åsgård barnehage", 1, 0),
    ]
    assert result.total is not None and result.total.population == 4


def test_a_unit_manager_sees_progress_in_his_subtree_only(world: Plan) -> None:
    result = plan.breakdown(world.org.ola, world.everyone, today=AFTER_DUE)
    assert result.progress.scoped
    assert (result.progress.population, result.progress.trained_now) == (3, 2)
    assert [t.label for t in result.units] == ["Jeløy skole"]


# --- The pages ------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_catalogue_links_to_the_plan_for_those_who_may_see_it(world: Plan) -> None:
    assert 'id="plan-link"' in _client(world.org.kari).get("/opplaering/").content.decode()
    assert 'id="plan-link"' in _client(world.org.ola).get("/opplaering/").content.decode()
    assert 'id="plan-link"' not in _client(world.org.nils).get("/opplaering/").content.decode()


def test_the_plan_pages_show_targets_and_the_small_group_rule(world: Plan) -> None:
    page = _client(world.org.kari).get(PLAN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Halvparten innen 31. mars" in text and "31.03.2020" in text
    assert "never a percentage" in text or "aldri" in text
    detail = _client(world.org.kari).get(f"{PLAN}mal/{world.everyone.pk}/")
    assert detail.status_code == 200
    assert "Oppvekst" in detail.content.decode()
    drill = _client(world.org.kari).get(f"{PLAN}mal/{world.everyone.pk}/enhet/{unit('100').pk}/")
    assert drill.status_code == 200 and "Jeløy skole" in drill.content.decode()
    confirm = _client(world.org.kari).get(f"{PLAN}mal/{world.everyone.pk}/slett/")
    assert confirm.status_code == 200


def test_an_employee_sees_nothing_of_the_plan(world: Plan) -> None:
    nils = _client(world.org.nils)
    pk, oppvekst = world.everyone.pk, unit("100").pk
    for url in (
        PLAN,
        f"{PLAN}mal/{pk}/",
        f"{PLAN}mal/{pk}/enhet/{oppvekst}/",
        f"{PLAN}mal/{pk}/enhet/{oppvekst}/mangler/",
        f"{PLAN}mal/nytt/",
    ):
        assert nils.get(url).status_code == 403, url


def _missing(user: Any, world: Plan, code: str) -> Any:
    return _client(user).get(f"{PLAN}mal/{world.everyone.pk}/enhet/{unit(code).pk}/mangler/")


def test_the_programme_lead_sees_who_is_missing_anywhere(world: Plan) -> None:
    page = _missing(world.org.kari, world, "100")
    assert page.status_code == 200
    names = [row.employee.given_name for row in page.context["missing"]]
    assert names == ["Bjørn", "Åse"]  # Ødegård before Aasen (Aa = Å) in Norwegian order


def test_a_unit_manager_sees_who_is_missing_in_his_subtree_only(world: Plan) -> None:
    page = _missing(world.org.ola, world, "110")
    assert page.status_code == 200
    assert [row.employee.given_name for row in page.context["missing"]] == ["Bjørn"]
    assert _missing(world.org.ola, world, "120").status_code == 404
    assert _missing(world.org.ola, world, "100").status_code == 404
    drill = _client(world.org.ola).get(f"{PLAN}mal/{world.everyone.pk}/enhet/{unit('210').pk}/")
    assert drill.status_code == 404


# --- The target form -----------------------------------------------------------------------------


def _form(world: Plan, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Alle ledere innen 31.10",
        "courses": [world.teams.pk],
        "population": Population.LEADERS,
        "kind": TargetKind.SHARE,
        "value": "100",
        "due_date": "31.10.2020",
    }
    return {**data, **changes}


def test_the_programme_lead_creates_edits_and_deletes_a_target(world: Plan) -> None:
    kari = _client(world.org.kari)
    created = kari.post(f"{PLAN}mal/nytt/", _form(world))
    made = TrainingTarget.objects.get(name="Alle ledere innen 31.10")
    assert created.status_code == 302
    assert made.due_date == dt.date(2020, 10, 31)
    assert list(made.courses.all()) == [world.teams]
    edited = kari.post(f"{PLAN}mal/{made.pk}/endre/", _form(world, value="90"))
    assert edited.status_code == 302
    made.refresh_from_db()
    assert made.value == 90
    assert kari.post(f"{PLAN}mal/{made.pk}/slett/").status_code == 302
    assert not TrainingTarget.objects.filter(pk=made.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"training.target.create", "training.target.change", "training.target.delete"} <= actions


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"population": Population.UNIT}, "unit"),
        ({"population": Population.FORMER_ORGANISATION}, "former_organisation"),
        ({"value": "101"}, "value"),
        ({"value": "0"}, "value"),
        ({"due_date": "31.13.2020"}, "due_date"),
        ({"name": "Halvparten innen 31. mars"}, "name"),
    ],
)
def test_the_form_rejects_bad_input(world: Plan, changes: dict[str, Any], field: str) -> None:
    response = _client(world.org.kari).post(f"{PLAN}mal/nytt/", _form(world, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert TrainingTarget.objects.count() == 1


def test_a_unit_manager_may_not_edit_targets(world: Plan) -> None:
    ola = _client(world.org.ola)
    assert ola.get(f"{PLAN}mal/nytt/").status_code == 403
    assert ola.post(f"{PLAN}mal/nytt/", _form(world)).status_code == 403
    assert ola.post(f"{PLAN}mal/{world.everyone.pk}/slett/").status_code == 403
    assert TrainingTarget.objects.count() == 1
