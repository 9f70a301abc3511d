"""The estimation panel: one registry metric per employee and ISO week, with each employee's
training week — what the impact estimators read.

Outcome: the metric's person-level value (:func:`veikart.adoption.engine.panel.person_week_panel`)
in every week the usage lake covers, for everyone employed that week (a person missing from a
report that week did not use the tool). Treatment: the ISO week of the employee's first attended
session of the chosen courses (all courses when none are chosen); never attended = never
trained (cohort 0). Someone trained after the last covered week counts as not yet trained for
the whole panel.

Weeks are numbered on one scale, :func:`week_number` (weeks since Monday 3 January 2000), so
that ``week − cohort`` is the number of weeks since training.

This is person-level data. It stays inside :mod:`veikart.impact.services`, which publishes
aggregates over groups of at least ``MIN_GROUP_SIZE`` people only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings

from veikart.adoption.engine import REGISTRY, Metric
from veikart.adoption.engine.panel import person_week_panel
from veikart.adoption.people import build_people, lake_weeks, monday
from veikart.organisations.selectors import get_organisation
from veikart.trainings.selectors import training_dates

EPOCH = dt.date(2000, 1, 3)  # a Monday: week 0
# Metrics whose person-week value averages to the organisation's figure (see the engine panel).
EVALUABLE_UNITS = ("per_person", "percent")
NO_FORMER_ORG = "none"  # the former-organisation group of people hired after the merger


class NoData(Exception):
    """The organisation, the usage data or the training data needed are not there."""


def week_number(day: dt.date) -> int:
    """The ISO week holding ``day`` as a number of weeks since :data:`EPOCH`."""
    return (monday(day) - EPOCH).days // 7


def week_start(number: float) -> dt.date:
    """The Monday of week ``number`` (:func:`week_number`)."""
    return EPOCH + dt.timedelta(weeks=int(number))


def evaluable_metrics() -> list[Metric]:
    return [m for m in REGISTRY.values() if m.unit in EVALUABLE_UNITS]


@dataclass(frozen=True)
class EstimationPanel:
    """``data``: one row per employee and covered week — ``person`` (employee id), ``week``
    (:func:`week_number`), ``y`` (the metric), ``cohort`` (training week, 0 = never), and the
    employee's ``unit_type`` (the one they spent most weeks in; constant per person, as the
    estimators need), ``former_org`` (:data:`NO_FORMER_ORG` when none) and ``is_leader``.
    ``unit_type_week`` is the unit type of that very week."""

    data: pd.DataFrame
    metric: Metric
    courses: tuple[str, ...]  # empty: every course
    weeks: tuple[dt.date, ...]

    @property
    def people(self) -> int:
        return int(self.data["person"].nunique())


def build_panel(
    metric: str,
    courses: Collection[str] = (),
    *,
    lake_root: Path | None = None,
) -> EstimationPanel:
    """The panel of the organisation for ``metric`` with training from ``courses``."""
    if metric not in REGISTRY or REGISTRY[metric].unit not in EVALUABLE_UNITS:
        raise ValueError(f"{metric!r} is not a metric the evaluation can use")
    chosen = REGISTRY[metric]
    organisation = get_organisation()
    if organisation is None:
        raise NoData("no organisation")
    root = Path(settings.LAKE_DIR) if lake_root is None else lake_root
    weeks = sorted(
        {w for per_report in lake_weeks(root, chosen.reports).values() for w in per_report}
    )
    if not weeks:
        raise NoData("no usage data")
    codes = set(courses) or None
    people = build_people(organisation, root, weeks, course_codes=codes)
    table = person_week_panel(root, people, chosen).to_pandas()
    table = table[table["value"].notna()]
    if table.empty:
        raise NoData("no covered weeks")
    trained = training_dates(codes)
    frame = pd.DataFrame(
        {
            "person": table["employee_id"].to_numpy(dtype=np.int64),
            "week": [float(week_number(d)) for d in table["week_start"]],
            "y": table["value"].to_numpy(dtype=np.float64),
            "unit_type_week": table["unit_type"].fillna("").to_numpy(dtype=object),
            "former_org": table["former_org"].fillna(NO_FORMER_ORG).to_numpy(dtype=object),
            "is_leader": table["is_leader"].fillna(False).to_numpy(dtype=bool),
        }
    )
    first = {person: float(week_number(day)) for person, day in trained.items()}
    frame["cohort"] = frame["person"].map(first).fillna(0.0).astype(np.float64)
    frame["unit_type"] = frame["person"].map(_usual_unit_type(frame))
    frame = frame.sort_values(["person", "week"], ignore_index=True)
    covered = tuple(sorted({week_start(w) for w in frame["week"].unique()}))
    return EstimationPanel(frame, chosen, tuple(sorted(courses)), covered)


def _usual_unit_type(frame: pd.DataFrame) -> pd.Series:
    """Each person's unit type: the one of most of their weeks, the latest on a tie."""
    counted = (
        frame.groupby(["person", "unit_type_week"], sort=False)
        .agg(weeks=("week", "size"), last=("week", "max"))
        .reset_index()
        .sort_values(["person", "weeks", "last"])
    )
    return counted.groupby("person")["unit_type_week"].last()
