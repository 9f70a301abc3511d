"""Reads of the organisation, always for a user: the unit-subtree scope is applied here.

Views, the API and the CLI call these functions and nothing below them, so a unit manager sees only
their subtree, and an employee only themselves, whichever door they use.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from veikart.core.access import Access, AnyUser, get_access
from veikart.organisations.models import Assignment, Employee, Organisation, Unit, UnitQuerySet


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def get_organisation() -> Organisation | None:
    return Organisation.objects.first()


def get_units_for_user(who: AnyUser | Access | None, *, on: dt.date | None = None) -> UnitQuerySet:
    """Units the user may see (valid on ``on`` when given)."""
    access = _access(who)
    units = Unit.objects.select_related("parent", "former_organisation")
    if access.organisation_wide:
        pass
    elif access.unit_paths:
        units = units.in_subtrees(access.unit_paths)
    else:
        units = units.none()
    return units.valid_on(on) if on is not None else units


def get_unit_for_user(who: AnyUser | Access | None, pk: int) -> Unit:
    try:
        return get_units_for_user(who).get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404("No such unit") from None


def get_employees_for_user(
    who: AnyUser | Access | None, *, on: dt.date | None = None
) -> QuerySet[Employee]:
    """Employees the user may see; with ``on``, those employed on that day.

    Organisation-wide list roles see everyone; a unit manager sees the people working in their
    subtree on ``on`` (today if not given); anyone else sees only themselves.
    """
    access = _access(who)
    employees = Employee.objects.select_related("former_organisation", "manager")
    if access.lists_all_employees:
        pass
    elif access.unit_paths:
        day = on or timezone.localdate()
        in_scope = Assignment.objects.valid_on(day).filter(
            employee=OuterRef("pk"), unit__in=Unit.objects.in_subtrees(access.unit_paths)
        )
        employees = employees.filter(Q(Exists(in_scope)) | Q(pk=access.employee_id or 0))
    elif access.employee_id is not None:
        employees = employees.filter(pk=access.employee_id)
    else:
        return employees.none()
    if on is not None:
        employees = employees.filter(
            Q(employment_start__isnull=True) | Q(employment_start__lte=on),
            Q(employment_end__isnull=True) | Q(employment_end__gte=on),
        )
    return employees


def get_employee_for_user(who: AnyUser | Access | None, pk: int) -> Employee:
    try:
        return get_employees_for_user(who).get(pk=pk)
    except Employee.DoesNotExist:
        raise Http404("No such employee") from None


def current_units(employees: list[Employee], on: dt.date) -> dict[int, Unit]:
    """The unit each of ``employees`` works in on ``on`` (one query)."""
    return {
        a.employee_id: a.unit
        for a in Assignment.objects.valid_on(on)
        .filter(employee__in=employees)
        .select_related("unit")
    }


@dataclass(frozen=True)
class TreeNode:
    unit: Unit
    depth: int
    headcount: int  # people assigned directly to the unit
    total: int  # people in the unit and everything below it
    has_children: bool


def unit_tree_for_user(who: AnyUser | Access | None, *, on: dt.date) -> list[TreeNode]:
    """The unit tree valid on ``on`` that the user may see, depth-first in Norwegian order."""
    units = list(get_units_for_user(who, on=on))
    visible = {u.pk for u in units}
    counts = Counter(
        Assignment.objects.valid_on(on)
        .filter(unit_id__in=visible)
        .filter(Q(employee__employment_end__isnull=True) | Q(employee__employment_end__gte=on))
        .values_list("unit_id", flat=True)
    )
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in visible else None
        children.setdefault(parent, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.sort_key, u.code))

    totals: dict[int, int] = {}

    def total(unit: Unit) -> int:
        if unit.pk not in totals:
            totals[unit.pk] = counts[unit.pk] + sum(total(c) for c in children.get(unit.pk, []))
        return totals[unit.pk]

    nodes: list[TreeNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            nodes.append(
                TreeNode(unit, depth, counts[unit.pk], total(unit), bool(children.get(unit.pk)))
            )
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return nodes
