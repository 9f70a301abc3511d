"""Reads of the adoption figures, as a given user may see them — used by the web, API and CLI.

Who sees what: roles that see the whole organisation (programme lead, executive, IT, the
data-protection officer, trainers, administrators) see every figure; a unit manager sees the
figures of the units in their subtrees (and the breakdowns inside them) and the whole
organisation's total, to compare with; anyone else sees none. Hidden figures come back as
suppressed, with neither value nor group size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from veikart.adoption.models import Figure, Grain
from veikart.core.access import Access, AnyUser, get_access
from veikart.organisations.models import Organisation, Unit


class NotAllowed(Exception):
    """The user may not see these figures."""


@dataclass(frozen=True)
class Cell:
    """One shown (or suppressed) figure of one metric."""

    period: dt.date
    breakdown: str
    unit_id: int | None
    attribute: str
    value: float | None  # None: suppressed, or the lake does not cover the period
    n: int | None  # None when suppressed
    suppressed: bool


def _organisation_id() -> int | None:
    """The organisation the figures belong to (an installation has one)."""
    return Organisation.objects.order_by("pk").values_list("pk", flat=True).first()


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def sees_adoption(who: AnyUser | Access | None) -> bool:
    access = _access(who)
    return access.organisation_wide or bool(access.unit_paths)


def figures_for_user(who: AnyUser | Access | None) -> QuerySet[Figure]:
    """Every stored figure ``who`` may see (hidden ones included, to say they are hidden)."""
    access = _access(who)
    # The organisation is always named: it leads the index every dashboard query uses (without
    # it SQLite scans millions of figures at a large municipality's scale).
    organisation = _organisation_id()
    if organisation is None:
        return Figure.objects.none()
    figures = Figure.objects.filter(organisation_id=organisation)
    if access.organisation_wide:
        return figures
    if not access.unit_paths:
        return figures.none()
    in_subtree = Q()
    for path in access.unit_paths:
        in_subtree |= Q(unit__path__startswith=path)
    return figures.filter(in_subtree | Q(breakdown="", unit__isnull=True))


def units_for_user(who: AnyUser | Access | None) -> QuerySet[Unit]:
    """Units whose figures ``who`` may see."""
    access = _access(who)
    units = Unit.objects.all()
    if access.organisation_wide:
        return units
    condition = Q(pk__in=[])
    for path in access.unit_paths:
        condition |= Q(path__startswith=path)
    return units.filter(condition)


def series(
    who: AnyUser | Access | None,
    *,
    metric: str,
    grain: str = Grain.WEEK,
    breakdown: str = "",
    unit_ids: Sequence[int] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Cell]:
    """One metric's figures for a breakdown, in period order, as ``who`` may see them."""
    if not sees_adoption(who):
        raise NotAllowed
    figures = figures_for_user(who).filter(grain=grain, breakdown=breakdown)
    if unit_ids is not None:
        figures = figures.filter(unit_id__in=list(unit_ids))
    if since is not None:
        figures = figures.filter(period__gte=since)
    if until is not None:
        figures = figures.filter(period__lte=until)
    rows = figures.order_by("period", "unit_id", "attribute").values_list(
        "period", "breakdown", "unit_id", "attribute", "visible", "n", "values"
    )
    return [
        Cell(
            period=period,
            breakdown=name,
            unit_id=unit_id,
            attribute=attribute,
            value=values.get(metric) if visible else None,
            n=n if visible else None,
            suppressed=not visible,
        )
        for period, name, unit_id, attribute, visible, n, values in rows
    ]


def latest_period(grain: str = Grain.WEEK) -> dt.date | None:
    """The last period with figures."""
    organisation = _organisation_id()
    if organisation is None:
        return None
    return (
        Figure.objects.filter(organisation_id=organisation, grain=grain, breakdown="")
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
