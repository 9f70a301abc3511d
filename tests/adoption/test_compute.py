"""``veikart compute``: figures stored from the lake, the organisation and training — checked
against sums written out by hand, recomputed identically, incrementally and after purges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.adoption.lakes import write_report
from tests.adoption.test_people import assign, employee, unit
from veikart.adoption import people, services
from veikart.adoption.engine import privacy
from veikart.adoption.models import ComputeRun, Figure
from veikart.adoption.services import compute_figures
from veikart.organisations.models import Employee, Organisation
from veikart.organisations.services import set_up_organisation

WEEKS = [dt.date(2020, 1, 6) + dt.timedelta(weeks=i) for i in range(6)]


def sunday(week: dt.date) -> dt.date:
    return week + dt.timedelta(days=6)


def messages(index: int, week_number: int) -> tuple[int, int]:
    """Chat and channel messages of the index-th person in the week_number-th week."""
    return (index * 3 + week_number) % 11, (index + 2 * week_number) % 4


class Setup:
    def __init__(self, organisation: Organisation, people: list[Employee], units: dict[str, int]):
        self.organisation = organisation
        self.people = people
        self.units = units

    def write_week(self, number: int) -> None:
        chats = [messages(i, number) for i in range(len(self.people))]
        write_report(
            settings.LAKE_DIR,
            "teams_user_detail",
            sunday(WEEKS[number]),
            {
                "person": [p.pseudonym for p in self.people],
                "private_chat_message_count": [c for c, _ in chats],
                "team_chat_message_count": [t for _, t in chats],
            },
        )

    def expected_per_person(self, number: int, members: list[int]) -> float:
        total = sum(sum(messages(i, number)) for i in members)
        return total / len(members)


@pytest.fixture
def setup(db: None) -> Setup:
    organisation = set_up_organisation(
        name="Moss kommune",
        merger_date=dt.date(2020, 1, 1),
        former=[("moss", "Moss", "moss.kommune.no"), ("rygge", "Rygge", "rygge.kommune.no")],
    )
    top = unit(organisation, "TOP")
    a = unit(organisation, "A", top, "school")
    b = unit(organisation, "B", top, "care")
    people = []
    for i in range(13):
        person = employee(
            organisation,
            str(100 + i),
            former="rygge" if i >= 10 else "moss",
            manager=i in (0, 7),
        )
        assign(person, a if i < 7 else b, dt.date(2019, 1, 1))
        people.append(person)
    return Setup(organisation, people, {"TOP": top.pk, "A": a.pk, "B": b.pk})


def stored() -> list[tuple[object, ...]]:
    return sorted(
        Figure.objects.values_list(
            "grain", "period", "breakdown", "unit_id", "attribute", "n", "visible", "values"
        ),
        key=repr,
    )


def figure(grain: str, period: dt.date, breakdown: str, unit: int | None = None) -> Figure:
    where = {"unit_id": unit} if unit is not None else {"unit__isnull": True}
    return Figure.objects.get(grain=grain, period=period, breakdown=breakdown, **where)


@override_settings(MIN_GROUP_SIZE=5)
def test_figures_equal_the_sums_written_out_by_hand(setup: Setup) -> None:
    for number in range(3):
        setup.write_week(number)
    summary = compute_figures()
    assert summary.full and summary.weeks == 3 and summary.months == 1

    for number, week in enumerate(WEEKS[:3]):
        whole = figure("week", week, "")
        assert whole.n == 13 and whole.visible
        assert whole.values["teams_messages_per_person"] == pytest.approx(
            setup.expected_per_person(number, list(range(13)))
        )
        school = figure("week", week, "unit_subtree", setup.units["A"])
        assert school.n == 7 and school.visible
        assert school.values["teams_messages_per_person"] == pytest.approx(
            setup.expected_per_person(number, list(range(7)))
        )
        # No e-mail report in the lake: the e-mail metric is unknown, not zero.
        assert whole.values["emails_sent_per_person"] is None
    month = figure("month", dt.date(2020, 1, 1), "")
    total = sum(sum(messages(i, w)) for i in range(13) for w in range(3))
    assert month.values["teams_messages_per_person"] is None  # January is not fully covered
    assert month.n == 13 and total > 0


@override_settings(MIN_GROUP_SIZE=5)
def test_groups_below_the_threshold_are_stored_hidden_without_values(setup: Setup) -> None:
    setup.write_week(0)
    compute_figures()
    leaders = Figure.objects.filter(breakdown="is_leader", attribute="true", grain="week")
    assert leaders.count() == 1
    leader = leaders.get()
    assert leader.n == 2 and not leader.visible and leader.values == {}
    # The others' figure would give the leaders' away (the whole minus the others): hidden too.
    others = Figure.objects.get(breakdown="is_leader", attribute="false", grain="week")
    assert not others.visible and others.values == {}
    assert not Figure.objects.filter(visible=False).exclude(values={}).exists()
    assert not Figure.objects.filter(visible=True, n__lt=5).exists()


@override_settings(MIN_GROUP_SIZE=5)
def test_recomputing_gives_identical_figures_and_an_unchanged_lake_is_up_to_date(
    setup: Setup,
) -> None:
    for number in range(3):
        setup.write_week(number)
    compute_figures()
    first = stored()
    assert compute_figures().up_to_date
    full = compute_figures(full=True)
    assert full.full and full.weeks == 3
    assert stored() == first


@override_settings(MIN_GROUP_SIZE=5)
def test_a_new_week_is_computed_incrementally_and_equals_a_full_recompute(setup: Setup) -> None:
    setup.write_week(0)
    setup.write_week(1)
    compute_figures()
    setup.write_week(2)
    summary = compute_figures()
    assert not summary.full
    assert summary.weeks == 1  # the new week (the week after it is not in the lake yet)
    incremental = stored()
    Figure.objects.all().delete()
    compute_figures(full=True)
    assert stored() == incremental


@override_settings(MIN_GROUP_SIZE=5)
def test_a_new_week_builds_the_people_of_only_the_weeks_it_computes(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weekly ingest at scale: with HR and training unchanged, the run does not rebuild
    every week's people to find out what changed — and stores what a full recompute stores."""
    for number in range(5):
        setup.write_week(number)
    compute_figures()
    built: list[int] = []
    real = people.build_people

    def spy(*args: Any, **kwargs: Any) -> Any:
        built.append(len(list(args[2])))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "build_people", spy)  # as the service imported it
    setup.write_week(5)  # 10 February: February is the month recomputed
    summary = compute_figures()
    assert summary.weeks == 1 and summary.months == 1
    assert built == [5]  # February's four weeks and the week before them, not all nine
    incremental = stored()
    Figure.objects.all().delete()
    compute_figures(full=True)
    assert stored() == incremental


@override_settings(MIN_GROUP_SIZE=5)
def test_a_late_file_for_an_older_week_is_checked_against_every_weeks_people(
    setup: Setup,
) -> None:
    setup.write_week(0)
    setup.write_week(2)
    compute_figures()
    setup.write_week(1)  # arrives late
    summary = compute_figures()
    assert summary.weeks == 2  # the late week and the week after it
    incremental = stored()
    Figure.objects.all().delete()
    compute_figures(full=True)
    assert stored() == incremental


@override_settings(MIN_GROUP_SIZE=5)
def test_an_hr_change_recomputes_the_weeks_it_touches(setup: Setup) -> None:
    for number in range(3):
        setup.write_week(number)
    compute_figures()
    mover = setup.people[0]
    mover.assignments.update(valid_to=dt.date(2020, 1, 14))
    assign(mover, Organisation.objects.get().units.get(code="B"), dt.date(2020, 1, 15))
    summary = compute_figures()
    assert not summary.full and summary.weeks == 2  # 13 January (Thursday 16th) and 20 January
    assert figure("week", WEEKS[0], "unit_subtree", setup.units["A"]).n == 7
    assert figure("week", WEEKS[1], "unit_subtree", setup.units["A"]).n == 6


@override_settings(MIN_GROUP_SIZE=5)
def test_figures_of_purged_weeks_stay(setup: Setup) -> None:
    for number in range(3):
        setup.write_week(number)
    compute_figures()
    before = figure("week", WEEKS[0], "").values
    for path in Path(settings.LAKE_DIR).rglob("day=2020-01-12"):
        for file in path.iterdir():
            file.unlink()
        path.rmdir()
    compute_figures()
    assert figure("week", WEEKS[0], "").values == before


@override_settings(MIN_GROUP_SIZE=5)
def test_the_command_reports_what_it_did(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.write_week(0)
    call_command("compute")
    assert "Recomputed 1 weeks and 1 months" in capsys.readouterr().out
    call_command("compute")
    assert "up to date" in capsys.readouterr().out
    assert ComputeRun.objects.count() == 1


def test_without_usage_data_nothing_is_computed(setup: Setup) -> None:
    assert compute_figures().up_to_date
    assert not Figure.objects.exists()


def figure_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Figure._meta.db_table)
    return {
        name for name, about in constraints.items() if about["index"] and not about["primary_key"]
    }


@override_settings(MIN_GROUP_SIZE=5)
def test_a_large_store_rebuilds_the_indexes_and_stores_the_same_figures(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        setup.write_week(number)
    compute_figures()
    row_by_row, indexes = stored(), figure_indexes()
    assert {index.name for index in Figure._meta.indexes} <= indexes
    monkeypatch.setattr(services, "BULK_FIGURES", 1)  # every store is a large one
    compute_figures(full=True)
    assert stored() == row_by_row
    assert figure_indexes() == indexes


@override_settings(MIN_GROUP_SIZE=5)
def test_a_large_store_that_fails_leaves_figures_and_indexes_as_they_were(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        setup.write_week(number)
    compute_figures()
    before, indexes = stored(), figure_indexes()
    monkeypatch.setattr(services, "BULK_FIGURES", 1)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(services, "_store", broken)
    with pytest.raises(OSError, match="disk full"):
        compute_figures(full=True)
    assert stored() == before
    assert figure_indexes() == indexes


@override_settings(MIN_GROUP_SIZE=5)
def test_the_plan_in_a_process_of_its_own_gives_the_same_figures(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        setup.write_week(number)
    compute_figures()
    in_process = stored()
    monkeypatch.setattr(privacy, "PLAN_BESIDE_ROWS", 1)  # every plan beside the engine
    compute_figures(full=True)
    assert stored() == in_process
    assert not list((Path(settings.DATA_DIR) / "tmp").glob("plan-*"))  # its files are gone
