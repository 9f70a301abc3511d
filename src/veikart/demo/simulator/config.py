"""Every parameter of the simulation in one place (see docs/developer/simulator.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Granularity = Literal["weekly", "daily"]


@dataclass(frozen=True)
class SimulationConfig:
    """The top-level run parameters; each stage adds its own parameter block."""

    employees: int = 3500  # people employed on ``start`` (turnover adds more over the span)
    seed: int = 2019
    start: dt.date = dt.date(2019, 1, 1)
    end: dt.date = dt.date(2021, 6, 30)
    granularity: Granularity = "weekly"
    conceal_names: bool = False
    merger_date: dt.date = dt.date(2020, 1, 1)
    lockdown_date: dt.date = dt.date(2020, 3, 12)
    tenant_name: str = "Moss kommune"
    new_domain: str = "moss.kommune.no"
    former_domains: tuple[tuple[str, str], ...] = (
        ("moss", "moss.kommune.no"),
        ("rygge", "rygge.kommune.no"),
    )
