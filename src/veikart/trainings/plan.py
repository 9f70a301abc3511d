"""Reads of the training plan: how far each target has come, per unit and former organisation,
and who is still missing.

Rules, in one place:

- **Population.** The people of the target's population (everyone, a unit subtree, the leaders,
  or the employees from a former organisation) employed on the *reference day*: today, or the due
  date once it has passed, so that people who leave later still count for a target that was due
  while they worked here, and people who left before do not count at all. A unit manager sees
  only the part of it working in their subtree (through ``get_employees_for_user``).
- **Trained.** Someone is trained from the local day of the first session of a counting course
  they attended (:func:`veikart.trainings.selectors.training_dates`); any course when the target
  names none.
- **Required.** A share target needs ``ceil(value % of the population)`` people, a number target
  ``value`` people.
- **Status** (:func:`target_status`): *met* when the people trained by the due date reach the
  required number; after the due date anything else is *behind*; before it, *on track* when the
  people trained by today reach the linear pace from the first session of the counting courses
  (day 0, nobody expected) to the due date (everyone required), else *behind*.
- **Small groups.** A share over fewer than ``settings.MIN_GROUP_SIZE`` people is never given as a
  percentage (nor as a status, which is a share in disguise): only the count of trained people.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from veikart.core.access import Access, AnyUser, get_access
from veikart.organisations.models import Assignment, Employee, FormerOrganisation, Unit
from veikart.organisations.selectors import (
    current_units,
    get_employees_for_user,
    get_unit_for_user,
    get_units_for_user,
)
from veikart.trainings.constants import PLAN_ROLES, Population, TargetKind, TargetStatus
from veikart.trainings.models import Session, TrainingTarget
from veikart.trainings.selectors import training_dates

# --- Pure rules ----------------------------------------------------------------------------------


def required_people(kind: str, value: int, population: int) -> int:
    """How many people the target needs: ``ceil(value% × population)`` or ``value``."""
    if kind == TargetKind.SHARE:
        return math.ceil(value * population / 100)
    return value


def expected_by(required: int, *, start: dt.date | None, due: dt.date, on: dt.date) -> int:
    """The linear pace: ``ceil(required × (on − start) / (due − start))``, 0 before ``start``
    (or when no session of the counting courses exists), ``required`` from ``due`` on."""
    if start is None or on <= start:
        return 0
    if on >= due:
        return required
    return math.ceil(required * (on - start).days / (due - start).days)


def target_status(
    *,
    trained_now: int,
    trained_by_due: int,
    required: int,
    start: dt.date | None,
    due: dt.date,
    today: dt.date,
) -> TargetStatus:
    """Met / on track / behind, as the module docstring defines them."""
    if trained_by_due >= required:
        return TargetStatus.MET
    if today > due:
        return TargetStatus.BEHIND
    if trained_now >= expected_by(required, start=start, due=due, on=today):
        return TargetStatus.ON_TRACK
    return TargetStatus.BEHIND


def is_small(population: int) -> bool:
    return population < int(settings.MIN_GROUP_SIZE)


# --- Who sees the plan ---------------------------------------------------------------------------


def can_see_plan(who: AnyUser | Access | None) -> bool:
    """The programme lead and administrators see the whole plan, a unit manager their subtree."""
    access = _access(who)
    return bool(access.roles & PLAN_ROLES) or bool(access.unit_paths)


def can_edit_plan(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles & PLAN_ROLES)


def get_plan_scope_for_user(who: AnyUser | Access | None) -> Access:
    """The access the plan's numbers are computed with; PermissionDenied for anyone without.

    Organisation-wide roles other than the plan roles (IT, the DPO, trainers) do not by those see
    who is missing a course: for a unit manager only the unit scope counts.
    """
    access = _access(who)
    if access.roles & PLAN_ROLES:
        return access
    if access.unit_paths:
        return Access(unit_paths=access.unit_paths, unit_ids=access.unit_ids)
    raise PermissionDenied


def get_targets() -> QuerySet[TrainingTarget]:
    return TrainingTarget.objects.select_related("unit", "former_organisation").prefetch_related(
        "courses"
    )


def get_target(pk: int) -> TrainingTarget:
    """A target: their names and definitions are open to everyone who sees the plan."""
    try:
        return get_targets().get(pk=pk)
    except TrainingTarget.DoesNotExist:
        raise Http404("No such target") from None


# --- Progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Trained people in one group of the population (a unit subtree, a former organisation)."""

    label: str
    population: int
    trained: int  # by today
    small: bool  # fewer than MIN_GROUP_SIZE: no share, no status
    share: float | None  # percent trained by today; None when small or empty
    status: TargetStatus | None  # share targets only, and not for small groups
    unit: Unit | None = None
    has_children: bool = False


@dataclass(frozen=True)
class Progress:
    target: TrainingTarget
    reference_day: dt.date
    today: dt.date
    start: dt.date | None  # the first session of the counting courses
    scoped: bool  # computed over a unit manager's subtree only
    population: int
    trained_now: int
    trained_by_due: int
    required: int
    expected_now: int
    share: float | None  # percent trained by today; None when small or empty
    status: TargetStatus | None  # None for a number target seen over a subtree only
    small: bool

    @property
    def due_passed(self) -> bool:
        return self.today > self.target.due_date


@dataclass(frozen=True)
class _Person:
    pk: int
    unit_path: str | None
    former_organisation_id: int | None
    trained_on: dt.date | None


def _counting_codes(target: TrainingTarget) -> set[str] | None:
    codes = {course.code for course in target.courses.all()}
    return codes or None


def _first_session(target: TrainingTarget) -> dt.date | None:
    sessions = Session.objects.all()
    codes = _counting_codes(target)
    if codes is not None:
        sessions = sessions.filter(course__code__in=sorted(codes))
    first = sessions.aggregate(first=Min("starts_at"))["first"]
    return timezone.localtime(first).date() if first is not None else None


def population(scope: Access, target: TrainingTarget, *, on: dt.date) -> QuerySet[Employee]:
    """The people of ``target``'s population employed on ``on`` that ``scope`` may see."""
    people = get_employees_for_user(scope, on=on)
    if target.population == Population.UNIT:
        unit_path = target.unit.path if target.unit is not None else "-"
        there = Assignment.objects.valid_on(on).filter(
            employee=OuterRef("pk"), unit__path__startswith=unit_path
        )
        people = people.filter(Exists(there))
    elif target.population == Population.LEADERS:
        people = people.filter(is_manager=True)
    elif target.population == Population.FORMER_ORGANISATION:
        people = people.filter(former_organisation_id=target.former_organisation_id or 0)
    return people


def _people(scope: Access, target: TrainingTarget, on: dt.date) -> list[_Person]:
    employees = list(population(scope, target, on=on).order_by("sort_key", "employee_number"))
    units = current_units(employees, on)
    dates = training_dates(_counting_codes(target))
    return [
        _Person(
            e.pk,
            units[e.pk].path if e.pk in units else None,
            e.former_organisation_id,
            dates.get(e.pk),
        )
        for e in employees
    ]


def _trained(people: list[_Person], by: dt.date) -> int:
    return sum(1 for p in people if p.trained_on is not None and p.trained_on <= by)


def _share(trained: int, population: int) -> float | None:
    if population == 0 or is_small(population):
        return None
    return 100 * trained / population


def progress(who: AnyUser | Access | None, target: TrainingTarget, *, today: dt.date) -> Progress:
    """How far ``target`` has come on ``today``, over what the user may see."""
    scope = get_plan_scope_for_user(who)
    return _progress(scope, target, today, _people(scope, target, _reference(target, today)))


def _reference(target: TrainingTarget, today: dt.date) -> dt.date:
    return min(today, target.due_date)


def _progress(
    scope: Access, target: TrainingTarget, today: dt.date, people: list[_Person]
) -> Progress:
    scoped = not scope.roles & PLAN_ROLES
    count = len(people)
    now, by_due = _trained(people, today), _trained(people, target.due_date)
    required = required_people(target.kind, target.value, count)
    start = _first_session(target)
    status: TargetStatus | None = target_status(
        trained_now=now,
        trained_by_due=by_due,
        required=required,
        start=start,
        due=target.due_date,
        today=today,
    )
    if (scoped and target.kind == TargetKind.PEOPLE) or (
        target.kind == TargetKind.SHARE and is_small(count)
    ):
        status = None
    return Progress(
        target=target,
        reference_day=_reference(target, today),
        today=today,
        start=start,
        scoped=scoped,
        population=count,
        trained_now=now,
        trained_by_due=by_due,
        required=required,
        expected_now=expected_by(required, start=start, due=target.due_date, on=today),
        share=_share(now, count),
        status=status,
        small=is_small(count),
    )


@dataclass(frozen=True)
class Breakdown:
    progress: Progress  # the whole target, over what the user sees
    unit: Unit | None  # the unit drilled into; None = the top of what the user sees
    total: Tally | None  # the unit drilled into, as a whole
    units: list[Tally]
    former_organisations: list[Tally]  # within the unit drilled into, if any


def breakdown(
    who: AnyUser | Access | None,
    target: TrainingTarget,
    *,
    today: dt.date,
    unit_pk: int | None = None,
) -> Breakdown:
    """Progress of ``target`` with a row per unit (the top units the user sees, or the units
    right below ``unit_pk``) and per former organisation. 404 for a unit the user may not see."""
    scope = get_plan_scope_for_user(who)
    on = _reference(target, today)
    people = _people(scope, target, on)
    overall = _progress(scope, target, today, people)
    units = list(get_units_for_user(scope, on=on))
    visible = {u.pk for u in units}
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        children[u.parent_id if u.parent_id in visible else None].append(u)
    parent: Unit | None = None
    total: Tally | None = None
    if unit_pk is not None:
        parent = get_unit_for_user(scope, unit_pk)
        people = _within(people, parent.path)
        total = _tally(target, parent.name, people, overall, parent, True)
    rows = [
        _tally(target, u.name, _within(people, u.path), overall, u, bool(children.get(u.pk)))
        for u in sorted(children.get(parent.pk if parent else None, []), key=_unit_order)
    ]
    if parent is not None:
        direct = [p for p in people if p.unit_path == parent.path]
        if direct and rows:
            rows.insert(0, _tally(target, "", direct, overall, None, False))  # "directly in"
    return Breakdown(
        progress=overall,
        unit=parent,
        total=total,
        units=rows,
        former_organisations=_by_former_organisation(target, people, overall),
    )


def _unit_order(unit: Unit) -> tuple[str, str]:
    return unit.sort_key, unit.code


def _within(people: list[_Person], path: str) -> list[_Person]:
    return [p for p in people if p.unit_path is not None and p.unit_path.startswith(path)]


def _tally(
    target: TrainingTarget,
    label: str,
    people: list[_Person],
    overall: Progress,
    unit: Unit | None,
    has_children: bool,
) -> Tally:
    count, trained = len(people), _trained(people, overall.today)
    status = None
    if target.kind == TargetKind.SHARE and not is_small(count):
        status = target_status(
            trained_now=trained,
            trained_by_due=_trained(people, target.due_date),
            required=required_people(target.kind, target.value, count),
            start=overall.start,
            due=target.due_date,
            today=overall.today,
        )
    return Tally(
        label=label,
        population=count,
        trained=trained,
        small=is_small(count),
        share=_share(trained, count),
        status=status,
        unit=unit,
        has_children=has_children,
    )


def _by_former_organisation(
    target: TrainingTarget, people: list[_Person], overall: Progress
) -> list[Tally]:
    groups: dict[int | None, list[_Person]] = defaultdict(list)
    for p in people:
        groups[p.former_organisation_id].append(p)
    names = dict(
        FormerOrganisation.objects.filter(pk__in=[k for k in groups if k]).values_list("pk", "name")
    )
    rows = sorted((names[k], k) for k in groups if k is not None)
    tallies = [_tally(target, name, groups[k], overall, None, False) for name, k in rows]
    if None in groups:
        # The label is left empty: the page names the group ("no former organisation").
        tallies.append(_tally(target, "", groups[None], overall, None, False))
    return tallies


# --- Who is still missing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    employee: Employee
    unit: Unit | None


def still_missing(
    who: AnyUser | Access | None, target: TrainingTarget, unit_pk: int, *, today: dt.date
) -> tuple[Unit, list[Missing]]:
    """The people of ``target``'s population working in the unit's subtree today who have not
    attended a counting course. A person-level training record: the programme lead and
    administrators, and the unit's managers (their subtree; 404 for any other unit) only."""
    scope = get_plan_scope_for_user(who)
    unit = get_unit_for_user(scope, unit_pk)
    trained = training_dates(_counting_codes(target))
    people = [
        e
        for e in population(scope, target, on=today).order_by("sort_key", "employee_number")
        if e.pk not in trained or trained[e.pk] > today
    ]
    units = current_units(people, today)
    return unit, [
        Missing(e, units.get(e.pk))
        for e in people
        if e.pk in units and units[e.pk].path.startswith(unit.path)
    ]


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)
