"""Stored adoption figures for dashboard tests, made directly (no lake, no compute run).

:func:`figure` stores one figure; :func:`dashboard_figures` a small, known set over the test
organisation (tests/data): three weeks and a week a year before, the units of Oppvekst and Helse
og omsorg, former organisations, leaders and training status — with a few groups hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from veikart.adoption.engine.registry import REGISTRY
from veikart.adoption.models import Figure
from veikart.organisations.models import Organisation, Unit

LATEST = dt.date(2020, 3, 16)  # ISO week 12 2020
PREVIOUS = dt.date(2020, 3, 9)  # week 11
EARLIER = dt.date(2020, 3, 2)  # week 10
YEAR_BEFORE = dt.date(2019, 3, 18)  # week 12 2019
WEEKS = (YEAR_BEFORE, EARLIER, PREVIOUS, LATEST)
MONTH = dt.date(2020, 3, 1)


def values(active_teams: float, **others: float | None) -> dict[str, float | None]:
    """Every registry metric: ``active_teams`` as given, the others derived from it."""
    derived: dict[str, float | None] = {
        "active_m365": min(100.0, active_teams + 15),
        "active_teams": active_teams,
        "teams_messages_per_person": active_teams / 10,
        "meetings_attended_per_person": active_teams / 40,
        "files_active": active_teams - 10,
        "files_per_person": active_teams / 5,
        "emails_sent_per_person": 30 - active_teams / 10,
        "email_to_teams_shift": active_teams / 200,
        "returning_users": active_teams - 5,
        "digital_breadth": 2.5,
    }
    derived.update(others)
    assert set(derived) == set(REGISTRY)
    return derived


def figure(
    organisation: object,
    *,
    period: dt.date = LATEST,
    grain: str = "week",
    breakdown: str = "",
    unit: str | Unit | None = None,
    attribute: str = "",
    n: int = 50,
    active_teams: float | None = 60.0,
    metrics: Mapping[str, float | None] | None = None,
) -> Figure:
    """One figure; ``active_teams=None`` stores it hidden (no values, as the planner does)."""
    assert isinstance(organisation, Organisation)
    if isinstance(unit, str):
        unit = Unit.objects.get(code=unit)
    visible = active_teams is not None
    return Figure.objects.create(
        organisation=organisation,
        grain=grain,
        period=period,
        breakdown=breakdown,
        unit=unit,
        attribute=attribute,
        n=n,
        visible=visible,
        values=(dict(metrics) if metrics is not None else values(active_teams)) if visible else {},
    )


# Active in Teams (%) by week (year before, week 10, 11, 12) — None: hidden.
ORGANISATION = (40.0, 60.0, 67.3, 71.5)
UNITS: dict[str, tuple[int, tuple[float | None, ...]]] = {
    "100": (30, (35.0, 70.0, 76.0, 80.0)),  # Oppvekst
    "110": (20, (30.0, 72.0, 80.0, 83.25)),  # Jeløy skole
    "111": (7, (None, None, None, None)),  # Småtrinnet: too few, always hidden
    "120": (10, (40.0, 50.0, 55.0, 61.0)),  # Åsgård barnehage
    "200": (20, (45.0, 50.0, 52.0, 52.5)),  # Helse og omsorg
    "210": (20, (45.0, 50.0, 52.0, 52.5)),  # Glenne sykehjem
    "300": (10, (50.0, 60.0, 66.0, 70.0)),  # Stab og administrasjon
}


def dashboard_figures(organisation: object) -> None:
    """The known set the dashboard tests read (see the module docstring)."""
    rows: list[dict[str, object]] = []

    def add(
        period: dt.date,
        breakdown: str,
        unit: str | None,
        attribute: str,
        n: int,
        value: float | None,
    ) -> None:
        rows.append(
            {
                "period": period,
                "breakdown": breakdown,
                "unit": unit,
                "attribute": attribute,
                "n": n,
                "active_teams": value,
            }
        )

    for week, value in zip(WEEKS, ORGANISATION, strict=True):
        add(week, "", None, "", 60, value)
        add(week, "former_org", None, "moss", 35, value + 5)
        add(week, "former_org", None, "rygge", 25, value - 7)
        add(week, "is_leader", None, "true", 12, min(100.0, value + 20))
        add(week, "is_leader", None, "false", 48, value - 4)
        add(week, "training_status", None, "trained", 30, value + 10)
        add(week, "training_status", None, "never", 30, value - 10)
    for code, (n, weekly) in UNITS.items():
        for week, value in zip(WEEKS, weekly, strict=True):
            add(week, "unit_subtree", code, "", n, value)
    for week, value in zip(WEEKS, UNITS["100"][1], strict=True):
        assert value is not None
        add(week, "unit_subtree+is_leader", "100", "true", 10, min(100.0, value + 15))
        add(week, "unit_subtree+is_leader", "100", "false", 20, value - 5)
        add(week, "unit_subtree+training_status", "100", "trained", 18, value + 6)
        add(week, "unit_subtree+training_status", "100", "never", 12, None)
        add(week, "unit_subtree+former_org", "100", "moss", 18, value + 2)
        add(week, "unit_subtree+former_org", "100", "rygge", 12, value - 3)
    for week, value in zip(WEEKS, UNITS["110"][1], strict=True):
        # Jeløy skole: three leaders — never shown beside the others.
        add(week, "unit_subtree+is_leader", "110", "true", 3, None)
        add(week, "unit_subtree+is_leader", "110", "false", 17, value)
    units = {u.code: u for u in Unit.objects.filter(code__in=list(UNITS))}
    assert isinstance(organisation, Organisation)
    Figure.objects.bulk_create(
        Figure(
            organisation=organisation,
            grain="week",
            period=row["period"],
            breakdown=row["breakdown"],
            unit=units[str(row["unit"])] if row["unit"] else None,
            attribute=row["attribute"],
            n=row["n"],
            visible=row["active_teams"] is not None,
            values=values(float(row["active_teams"])) if row["active_teams"] is not None else {},  # type: ignore[arg-type]
        )
        for row in rows
    )
    figure(organisation, period=MONTH, grain="month", n=60, active_teams=70.0)
