"""Reads of the self-assessment, always for a user.

An employee's own answers (:func:`my_responses`) are the only person-level read. Everything else
is aggregates over groups planned by :mod:`veikart.competence.privacy`: one plan over the whole
organisation per wave (or pair of waves), of which each viewer sees the part in their scope —
the programme lead everything, a unit manager the units of their subtree, employees nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from veikart.competence import digcomp, privacy, stats
from veikart.competence.constants import SURVEY_MANAGER_ROLES
from veikart.competence.models import Answer, Question, Response, Survey, Wave
from veikart.core.access import SYSTEM, Access, AnyUser, get_access
from veikart.organisations.selectors import (
    current_units,
    get_employees_for_user,
    get_units_for_user,
)


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def can_manage_surveys(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles & SURVEY_MANAGER_ROLES)


def can_see_results(who: AnyUser | Access | None) -> bool:
    access = _access(who)
    return can_manage_surveys(access) or bool(access.unit_paths)


def get_survey_to_manage(who: AnyUser | Access | None, pk: int) -> Survey:
    if not can_manage_surveys(who):
        raise PermissionDenied
    try:
        return Survey.objects.get(pk=pk)
    except Survey.DoesNotExist:
        raise Http404("No such survey") from None


def surveys_to_manage(who: AnyUser | Access | None) -> QuerySet[Survey]:
    return Survey.objects.all() if can_manage_surveys(who) else Survey.objects.none()


def get_wave(pk: int) -> Wave:
    try:
        return Wave.objects.select_related("survey", "course").get(pk=pk)
    except Wave.DoesNotExist:
        raise Http404("No such wave") from None


def get_wave_for_results(who: AnyUser | Access | None, pk: int) -> Wave:
    if not can_see_results(who):
        raise PermissionDenied
    return get_wave(pk)


def waves_with_results(who: AnyUser | Access | None) -> QuerySet[Wave]:
    if not can_see_results(who):
        return Wave.objects.none()
    return Wave.objects.select_related("survey").order_by("survey", "opens_on", "pk")


def open_waves(*, today: dt.date) -> QuerySet[Wave]:
    return Wave.objects.select_related("survey").filter(
        survey__is_open=True, opens_on__lte=today, closes_on__gte=today
    )


def questions(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position"))


def own_response(who: AnyUser | Access | None, wave: Wave) -> Response | None:
    access = _access(who)
    if access.employee_id is None:
        return None
    return Response.objects.filter(wave=wave, employee_id=access.employee_id).first()


def own_levels(who: AnyUser | Access | None, wave: Wave) -> dict[int, int]:
    response = own_response(who, wave)
    if response is None:
        return {}
    return dict(response.answers.values_list("question_id", "level"))


@dataclass(frozen=True)
class MyResponse:
    response: Response
    answers: list[Answer]


def my_responses(who: AnyUser | Access | None) -> list[MyResponse]:
    """The signed-in employee's own answers, newest wave first — visible to them alone."""
    access = _access(who)
    if access.employee_id is None:
        return []
    responses = (
        Response.objects.filter(employee_id=access.employee_id)
        .select_related("wave__survey")
        .prefetch_related("answers__question")
        .order_by("-wave__opens_on", "-pk")
    )
    return [
        MyResponse(r, sorted(r.answers.all(), key=lambda a: a.question.position)) for r in responses
    ]


# --- Aggregates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    atom: privacy.Atom
    cells: tuple[privacy.Cell, ...]


@dataclass
class Population:
    """Who answered, where they worked on the reference day, and the cell labels."""

    people: dict[int, Person]
    parents: dict[int, int | None]
    labels: dict[privacy.Cell, str]
    depth: dict[privacy.Cell, int]
    order: list[privacy.Cell]

    def plan(self, employee_ids: Iterable[int]) -> dict[privacy.Cell, privacy.CellPlan]:
        atoms: dict[privacy.Atom, int] = defaultdict(int)
        for pk in employee_ids:
            atoms[self.people[pk].atom] += 1
        return privacy.plan_cells(atoms, self.parents, int(settings.MIN_GROUP_SIZE))


def reference_day(wave: Wave) -> dt.date:
    """The day whose unit tree places a respondent: the close of the wave, or today if earlier."""
    return min(wave.closes_on, timezone.localdate())


def _population(employee_ids: set[int], day: dt.date) -> Population:
    units = list(get_units_for_user(SYSTEM, on=day))
    parents = {u.pk: u.parent_id for u in units}
    employees = list(get_employees_for_user(SYSTEM).filter(pk__in=employee_ids))
    unit_of = current_units(employees, day)
    people: dict[int, Person] = {}
    formers: dict[str, str] = {}
    for e in employees:
        unit = unit_of.get(e.pk)
        former = e.former_organisation.code if e.former_organisation else ""
        if e.former_organisation:
            formers[former] = e.former_organisation.name
        atom: privacy.Atom = (unit.pk if unit and unit.pk in parents else None, former)
        people[e.pk] = Person(atom, tuple(privacy.cells_of(atom, parents)))
    labels: dict[privacy.Cell, str] = {privacy.TOTAL: ""}
    depth: dict[privacy.Cell, int] = {privacy.TOTAL: 0}
    order: list[privacy.Cell] = [privacy.TOTAL]
    for u in sorted(units, key=lambda u: (u.sort_key, u.code)):
        cell: privacy.Cell = ("unit", u.pk)
        labels[cell] = u.name
        depth[cell] = len(privacy.ancestors(u.pk, parents)) - 1
        order.append(cell)
    for code in [*sorted(formers), ""]:
        labels[("former", code)] = formers.get(code, "")
        depth[("former", code)] = 0
        order.append(("former", code))
    return Population(people, parents, labels, depth, order)


def _visible_cells(
    who: AnyUser | Access | None, population: Population, day: dt.date
) -> set[privacy.Cell]:
    access = _access(who)
    if can_manage_surveys(access):
        return set(population.order)
    if access.unit_paths:
        mine = set(get_units_for_user(access, on=day).values_list("pk", flat=True))
        return {c for c in population.order if c[0] == "unit" and c[1] in mine}
    raise PermissionDenied


@dataclass(frozen=True)
class GroupResult:
    cell: privacy.Cell
    label: str
    depth: int
    plan: privacy.CellPlan
    overall: stats.Distribution | None = None
    areas: dict[int | None, stats.Distribution] = field(default_factory=dict)
    questions: dict[int, stats.Distribution] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.cell[0]


@dataclass(frozen=True)
class WaveResults:
    wave: Wave
    questions: list[Question]
    groups: list[GroupResult]
    min_group_size: int


def _area_of(question: Question) -> int | None:
    return digcomp.competence(question.competence).area if question.competence else None


def wave_results(who: AnyUser | Access | None, wave: Wave) -> WaveResults:
    """Distributions and means per group the viewer may see; hidden groups carry no figures."""
    answers = list(
        Answer.objects.filter(response__wave=wave).values_list(
            "response__employee_id", "question_id", "level"
        )
    )
    respondents = {e for e, _, _ in answers}
    day = reference_day(wave)
    population = _population(respondents, day)
    visible = _visible_cells(who, population, day)
    plan = population.plan(population.people)
    qs = questions(wave.survey)
    area = {q.pk: _area_of(q) for q in qs}
    by_cell: dict[privacy.Cell, list[tuple[int, int]]] = defaultdict(list)
    for employee, question, level in answers:
        if employee in population.people:
            for cell in population.people[employee].cells:
                by_cell[cell].append((question, level))
    groups = []
    for cell in population.order:
        if cell not in visible or cell not in plan:
            continue
        if not plan[cell].visible:
            groups.append(
                GroupResult(cell, population.labels[cell], population.depth[cell], plan[cell])
            )
            continue
        rows = by_cell[cell]
        per_q: dict[int, list[int]] = defaultdict(list)
        per_area: dict[int | None, list[int]] = defaultdict(list)
        for question, level in rows:
            per_q[question].append(level)
            per_area[area.get(question)].append(level)
        groups.append(
            GroupResult(
                cell,
                population.labels[cell],
                population.depth[cell],
                plan[cell],
                overall=stats.distribution([level for _, level in rows]),
                areas={a: stats.distribution(v) for a, v in sorted(per_area.items(), key=_key)},
                questions={q.pk: stats.distribution(per_q[q.pk]) for q in qs if per_q[q.pk]},
            )
        )
    return WaveResults(wave, qs, groups, int(settings.MIN_GROUP_SIZE))


def _key(item: tuple[int | None, object]) -> int:
    return item[0] if item[0] is not None else 99


@dataclass(frozen=True)
class GroupChange:
    cell: privacy.Cell
    label: str
    depth: int
    plan: privacy.CellPlan  # of the pairs
    overall: stats.Change | None
    areas: dict[int | None, stats.Change | None]


@dataclass(frozen=True)
class ChangeResults:
    before: Wave
    after: Wave
    groups: list[GroupChange]
    areas: list[int | None]
    min_group_size: int


def _scores(wave: Wave) -> dict[int, dict[int | None, float]]:
    """Each respondent's mean level per area (and ``-1`` = all questions)."""
    levels: dict[int, dict[int | None, list[int]]] = defaultdict(lambda: defaultdict(list))
    area = {q.pk: _area_of(q) for q in wave.survey.questions.all()}
    rows = Answer.objects.filter(response__wave=wave).values_list(
        "response__employee_id", "question_id", "level"
    )
    for employee, question, level in rows:
        levels[employee][area[question]].append(level)
        levels[employee][-1].append(level)
    return {e: {a: sum(v) / len(v) for a, v in by.items()} for e, by in levels.items()}


def change_results(who: AnyUser | Access | None, before: Wave, after: Wave) -> ChangeResults:
    """Change after − before per group. Paired t interval over the people who answered both
    waves when the group's pairs may be shown; otherwise the Welch interval over everyone in the
    group in each wave when both waves' groups may be shown; otherwise hidden."""
    if before.survey_id != after.survey_id:
        raise ValueError("both waves must belong to the same survey")
    if not can_see_results(who):
        raise PermissionDenied
    s_before, s_after = _scores(before), _scores(after)
    pairs = set(s_before) & set(s_after)
    day = reference_day(after)
    population = _population(set(s_before) | set(s_after), day)
    visible = _visible_cells(who, population, day)
    pair_plan = population.plan(pairs)
    before_plan = _population(set(s_before), reference_day(before)).plan(s_before)
    after_plan = population.plan(s_after)
    areas = sorted({a for by in (*s_before.values(), *s_after.values()) for a in by}, key=_k2)

    def members(ids: Iterable[int], cell: privacy.Cell) -> list[int]:
        return sorted(pk for pk in ids if cell in population.people[pk].cells)

    def interval(cell: privacy.Cell, a: int | None) -> stats.Change | None:
        paired = [pk for pk in members(pairs, cell) if a in s_before[pk] and a in s_after[pk]]
        if pair_plan[cell].visible and len(paired) >= 2:
            return stats.paired_change(
                [s_before[pk][a] for pk in paired], [s_after[pk][a] for pk in paired]
            )
        b_plan, a_plan = before_plan.get(cell), after_plan.get(cell)
        if b_plan and a_plan and b_plan.visible and a_plan.visible:
            b = [s_before[pk][a] for pk in members(s_before, cell) if a in s_before[pk]]
            f = [s_after[pk][a] for pk in members(s_after, cell) if a in s_after[pk]]
            if len(b) >= 2 and len(f) >= 2:
                return stats.welch_change(b, f)
        return None

    groups = [
        GroupChange(
            cell,
            population.labels[cell],
            population.depth[cell],
            pair_plan[cell],
            interval(cell, -1),
            {a: interval(cell, a) for a in areas if a != -1},
        )
        for cell in population.order
        if cell in visible and cell in pair_plan
    ]
    return ChangeResults(
        before, after, groups, [a for a in areas if a != -1], int(settings.MIN_GROUP_SIZE)
    )


def _k2(a: int | None) -> int:
    return a if a is not None else 99
