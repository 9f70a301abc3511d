"""The person-week table built from the organisation and training records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from tests.adoption.lakes import write_report
from veikart.adoption.people import build_people
from veikart.core.pseudonyms import pseudonym
from veikart.organisations.models import (
    Assignment,
    Employee,
    EmployeeIdentity,
    FormerOrganisation,
    Organisation,
    Unit,
)
from veikart.organisations.services import rebuild_unit_paths, set_up_organisation
from veikart.trainings.constants import EnrolmentStatus
from veikart.trainings.models import Course, Enrolment, Session

W0 = dt.date(2019, 12, 30)  # Monday; its Thursday is 2020-01-02
W1 = dt.date(2020, 1, 6)
W2 = dt.date(2020, 1, 13)
WEEKS = [W0, W1, W2]


@pytest.fixture
def org(db: None) -> Organisation:
    return set_up_organisation(
        name="Moss kommune",
        merger_date=dt.date(2020, 1, 1),
        former=[("moss", "Moss", "moss.kommune.no"), ("rygge", "Rygge", "rygge.kommune.no")],
    )


def unit(org: Organisation, code: str, parent: Unit | None = None, kind: str = "office") -> Unit:
    created = Unit.objects.create(
        organisation=org, code=code, name=code, parent=parent, unit_type=kind
    )
    rebuild_unit_paths(org)
    created.refresh_from_db()
    return created


def employee(
    org: Organisation,
    number: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    former: str | None = "moss",
    manager: bool = False,
) -> Employee:
    upn = f"e{number}@moss.kommune.no"
    created = Employee.objects.create(
        organisation=org,
        employee_number=number,
        given_name="Ansatt",
        family_name=number,
        upn=upn,
        is_manager=manager,
        employment_start=start,
        employment_end=end,
        former_organisation=FormerOrganisation.objects.get(code=former) if former else None,
        pseudonym=pseudonym(upn),
    )
    EmployeeIdentity.objects.create(employee=created, upn=upn, pseudonym=pseudonym(upn))
    return created


def assign(person: Employee, place: Unit, start: dt.date, end: dt.date | None = None) -> None:
    Assignment.objects.create(employee=person, unit=place, valid_from=start, valid_to=end)


def session(code: str, day: dt.date) -> Session:
    course, _ = Course.objects.get_or_create(
        code="TEAMS", defaults={"title": "Teams", "duration_minutes": 60}
    )
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return Session.objects.create(
        code=code, course=course, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )


def rows(table: object) -> dict[tuple[int, dt.date], dict[str, object]]:
    return {(r["employee_id"], r["week_start"]): r for r in table.to_pylist()}  # type: ignore[attr-defined]


def test_the_thursday_of_a_week_decides_employment_unit_and_status(
    org: Organisation, tmp_path: Path
) -> None:
    top = unit(org, "TOP")
    school = unit(org, "SKOLE", top, "school")
    care = unit(org, "OMSORG", top, "care")
    # Starts on Wednesday 2020-01-01: in the week of 2019-12-30 (Thursday 2020-01-02).
    anna = employee(org, "1", start=dt.date(2020, 1, 1), manager=True)
    assign(anna, school, dt.date(2020, 1, 1))
    # Starts on Friday 2020-01-03: from the next week only.
    bo = employee(org, "2", start=dt.date(2020, 1, 3), former=None)
    assign(bo, school, dt.date(2020, 1, 3))
    # Moves from the school to care on Wednesday 2020-01-08: care from that week.
    cato = employee(org, "3", former="rygge")
    assign(cato, school, dt.date(2019, 1, 1), dt.date(2020, 1, 7))
    assign(cato, care, dt.date(2020, 1, 8))
    # Leaves on Wednesday 2020-01-15: not in that week (Thursday 2020-01-16).
    dag = employee(org, "4", end=dt.date(2020, 1, 15))
    assign(dag, care, dt.date(2019, 1, 1))
    # Anna attended a session on Wednesday 2020-01-08: trained from that week.
    Enrolment.objects.create(
        session=session("S1", dt.date(2020, 1, 8)),
        employee=anna,
        enrolled_on=dt.date(2019, 12, 1),
        status=EnrolmentStatus.ATTENDED,
    )
    # Bo is enrolled in a later session: not yet trained.
    Enrolment.objects.create(
        session=session("S2", dt.date(2020, 2, 5)), employee=bo, enrolled_on=dt.date(2020, 1, 5)
    )

    people = rows(build_people(org, tmp_path, WEEKS))

    assert sorted(people) == sorted(
        [
            *[(anna.pk, w) for w in WEEKS],
            *[(bo.pk, w) for w in (W1, W2)],
            *[(cato.pk, w) for w in WEEKS],
            *[(dag.pk, w) for w in (W0, W1)],
        ]
    )
    assert [people[(anna.pk, w)]["training_status"] for w in WEEKS] == [
        "not_yet",
        "trained",
        "trained",
    ]
    assert people[(bo.pk, W1)]["training_status"] == "not_yet"
    assert people[(cato.pk, W0)]["training_status"] == "never"
    assert [people[(cato.pk, w)]["unit_id"] for w in WEEKS] == [school.pk, care.pk, care.pk]
    assert people[(cato.pk, W1)]["unit_path"] == f"/{top.pk}/{care.pk}/"
    assert people[(cato.pk, W1)]["unit_type"] == "care"
    assert people[(cato.pk, W0)]["former_org"] == "rygge"
    assert people[(bo.pk, W1)]["former_org"] is None
    assert people[(anna.pk, W0)]["is_leader"] is True
    assert people[(dag.pk, W0)]["is_leader"] is False
    assert people[(anna.pk, W0)]["person"] == anna.pseudonym


def test_overlapping_assignments_give_one_row_the_latest_started_wins(
    org: Organisation, tmp_path: Path
) -> None:
    first, second = unit(org, "A"), unit(org, "B")
    eva = employee(org, "5")
    assign(eva, first, dt.date(2019, 1, 1))
    assign(eva, second, dt.date(2020, 1, 1))  # HR never ended the first one
    people = rows(build_people(org, tmp_path, WEEKS))
    assert [people[(eva.pk, w)]["unit_id"] for w in WEEKS] == [second.pk] * 3


def test_someone_with_two_sign_in_names_is_found_under_the_one_the_lake_saw_that_week(
    org: Organisation, tmp_path: Path
) -> None:
    place = unit(org, "A")
    finn = employee(org, "6", former="rygge")
    old = "finn@rygge.kommune.no"
    EmployeeIdentity.objects.create(employee=finn, upn=old, pseudonym=pseudonym(old))
    assign(finn, place, dt.date(2019, 1, 1))
    # The lake knows Finn by the old name in the first week and by the new one after.
    write_report(
        tmp_path, "teams_user_detail", W0 + dt.timedelta(days=6), {"person": [pseudonym(old)]}
    )
    write_report(
        tmp_path, "teams_user_detail", W1 + dt.timedelta(days=6), {"person": [finn.pseudonym]}
    )
    people = rows(build_people(org, tmp_path, WEEKS))
    assert [people[(finn.pk, w)]["person"] for w in WEEKS] == [
        pseudonym(old),
        finn.pseudonym,
        finn.pseudonym,  # not seen in the last week: the name last seen
    ]


def test_no_weeks_no_rows(org: Organisation, tmp_path: Path) -> None:
    assert build_people(org, tmp_path, []).num_rows == 0


def test_a_few_later_weeks_find_a_name_seen_long_before_as_building_every_week_does(
    org: Organisation, tmp_path: Path
) -> None:
    place = unit(org, "A")
    finn = employee(org, "6", former="rygge")
    kim = employee(org, "7", former="rygge")
    for person, name in ((finn, "finn@rygge.kommune.no"), (kim, "kim@rygge.kommune.no")):
        EmployeeIdentity.objects.create(employee=person, upn=name, pseudonym=pseudonym(name))
        assign(person, place, dt.date(2018, 1, 1))
    # Finn is seen by his old name 20 weeks before the weeks asked for (two look-backs of eight
    # weeks away), Kim 60 weeks before (past the 52 weeks a name is remembered); nobody since.
    later = [W0 + dt.timedelta(weeks=20), W0 + dt.timedelta(weeks=21)]
    write_report(
        tmp_path,
        "teams_user_detail",
        W0 + dt.timedelta(days=6),
        {"person": [pseudonym("finn@rygge.kommune.no")]},
    )
    write_report(
        tmp_path,
        "teams_user_detail",
        later[0] - dt.timedelta(weeks=60) + dt.timedelta(days=6),
        {"person": [pseudonym("kim@rygge.kommune.no")]},
    )
    every_week = [W0 + dt.timedelta(weeks=i) for i in range(22)]
    few = rows(build_people(org, tmp_path, later))
    assert [few[(finn.pk, w)]["person"] for w in later] == [pseudonym("finn@rygge.kommune.no")] * 2
    assert [few[(kim.pk, w)]["person"] for w in later] == [kim.pseudonym] * 2
    all_rows = rows(build_people(org, tmp_path, every_week))
    assert {key: few[key] for key in few} == {key: all_rows[key] for key in few}
