"""Roadmap fixtures: an initiative over the personas' organisation, and weekly adoption figures
planted directly (the figures compute would store), so that every status can be set up by hand.

The organisation (tests/data): 100 Oppvekst › 110 Jeløy skole (Ola is its rector, a unit
manager) › 111 Småtrinnet, 120 Åsgård barnehage; 200 Helse og omsorg › 210 Glenne sykehjem;
300 Stab og administrasjon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client

from tests.conftest import Org
from veikart.adoption.models import Figure
from veikart.organisations.models import Organisation, Unit
from veikart.roadmaps import services
from veikart.roadmaps.models import Initiative, Target

FIRST_WEEK = dt.date(2020, 1, 6)  # ISO week 2 2020


def weeks(count: int, first: dt.date = FIRST_WEEK) -> list[dt.date]:
    return [first + dt.timedelta(weeks=i) for i in range(count)]


def plant(
    org: Org,
    values: Sequence[float | None],
    *,
    metric: str = "active_teams",
    breakdown: str = "",
    unit: str | None = None,
    attribute: str = "",
    first: dt.date = FIRST_WEEK,
    n: int = 40,
) -> list[dt.date]:
    """One figure a week from ``first``; None stores the week hidden (no value, as the privacy
    planner does). Returns the weeks."""
    periods = weeks(len(values), first)
    unit_row = Unit.objects.get(code=unit) if unit else None
    Figure.objects.bulk_create(
        Figure(
            organisation=cast(Organisation, org.organisation),
            grain="week",
            period=period,
            breakdown=breakdown,
            unit=unit_row,
            attribute=attribute,
            n=n,
            visible=value is not None,
            values={metric: value} if value is not None else {},
        )
        for period, value in zip(periods, values, strict=True)
    )
    return periods


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def initiative(org: Org) -> Initiative:
    return services.save_initiative(
        Initiative(
            organisation=cast(Organisation, org.organisation),
            code="T1",
            title="Teams som hovedkanal for intern kommunikasjon",
            goal="Intern dialog skjer i Teams.",
            owner="Rådmann",
            start=dt.date(2019, 9, 1),
            end=dt.date(2020, 12, 31),
        ),
        actor=None,
    )


def make_target(initiative: Initiative, **fields: Any) -> Target:
    """A target checked as the form checks it, then saved through the service."""
    values: dict[str, Any] = {
        "name": "Aktive i Teams",
        "metric": "active_teams",
        "threshold": Decimal(80),
        "due_date": dt.date(2020, 12, 31),
        **fields,
    }
    if isinstance(values.get("unit"), str):
        values["unit"] = Unit.objects.get(code=values["unit"])
    target = Target(initiative=initiative, **values)
    target.full_clean()
    return services.save_target(target, actor=None)
