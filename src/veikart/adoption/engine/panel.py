"""One registry metric per person and ISO week: the outcome panel of the impact evaluation.

:func:`compute` sums a metric's numerator and denominator over the people of a group; this module
stops one step earlier and returns them per person and week — the engine's stage 1 (see README.md
beside this module) evaluated over one person-week, with the same report snapshots, the same
``people`` table and the same coverage rule. Nothing is re-declared: the numerator and
denominator are the registry's SQL, the report and coverage CTEs are the engine's own.

``value`` is what the metric is for one person in one week:

    percent      100 × numerator ÷ denominator   (0 or 100 for a share of people)
    per_person   numerator ÷ denominator         (the denominator is the person's one week)
    ratio        numerator ÷ denominator         (null where the denominator is 0)
    count        numerator

so for ``percent`` and ``per_person`` metrics the mean of ``value`` over the people of a week is
the organisation's figure that :func:`compute` gives for that week. For ``ratio`` metrics the
organisation's figure is a ratio of sums, not the mean of the persons' ratios.

Weeks the lake does not cover for every report the metric reads (and, for metrics that look at
the week before, the week before too) are absent, never zero. The panel is person-level data: it
feeds the estimators and must never be shown or exported as it is. No Django imports.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from veikart.adoption.engine.engine import (
    _INDENT,
    _PEOPLE_CTES,
    _check_people,
    _coverage_cte,
    _joins,
    _lines,
    _people_table,
    _previous_cte,
    _q,
    _report_cte,
    connect,
    reports_of,
    weekly_snapshots,
)
from veikart.adoption.engine.registry import PREVIOUS, REGISTRY, Metric

PANEL_SCHEMA = pa.schema(
    [
        pa.field("employee_id", pa.int64(), nullable=False),
        pa.field("week_start", pa.date32(), nullable=False),
        pa.field("unit_id", pa.int64()),
        pa.field("unit_type", pa.string()),
        pa.field("former_org", pa.string()),
        pa.field("is_leader", pa.bool_()),
        pa.field("training_status", pa.string()),
        pa.field("numerator", pa.float64()),
        pa.field("denominator", pa.float64()),
        pa.field("value", pa.float64()),
    ]
)

# Carried from the person-week table unchanged (a person has one row per week there).
_CARRIED = ("unit_id", "unit_type", "former_org", "is_leader", "training_status")


def person_week_panel(lake_root: Path, people: pa.Table, metric: str | Metric) -> pa.Table:
    """The metric per person and covered week (columns of :data:`PANEL_SCHEMA`).

    ``people`` is the engine's person-week table (:data:`PEOPLE_SCHEMA`); ``employee_id`` is its
    ``employee_id`` where given, else a number standing for the pseudonym. Sorted by employee
    and week. See the module docstring for ``value`` and coverage.
    """
    chosen = REGISTRY[metric] if isinstance(metric, str) else metric
    table = _people_table(people)
    reports = reports_of([chosen])
    snapshots = {report: weekly_snapshots(lake_root, report) for report in reports}
    present = {report for report, weeks in snapshots.items() if weeks}
    parameters: dict[str, object] = {}
    for report, weeks in snapshots.items():
        parameters[f"weeks_{report}"] = list(weeks)
        if weeks:
            parameters[f"files_{report}"] = [str(path) for path in weeks.values()]
    connection = connect()
    try:
        connection.register("people_input", table)
        _check_people(connection)
        result = connection.execute(build_panel_sql(chosen, present=present), parameters)
        arrow = result.to_arrow_table()
    finally:
        connection.close()
    return arrow.cast(PANEL_SCHEMA)


def build_panel_sql(metric: Metric, *, present: set[str]) -> str:
    """The query :func:`person_week_panel` runs (parameters: ``$files_<report>`` and
    ``$weeks_<report>`` as for :func:`veikart.adoption.engine.build_sql`)."""
    reports = reports_of([metric])
    with_previous = metric.previous_sql is not None
    ctes = [_PEOPLE_CTES]
    ctes += [_report_cte(report, [metric], report in present) for report in reports]
    ctes.append(_coverage_cte(reports, "week"))
    if with_previous:
        ctes.append(_previous_cte([metric], "week"))
    ctes.append(_person_weeks_cte(metric, reports, with_previous))
    return "WITH\n" + ",\n".join(ctes) + "\n" + _select(metric, with_previous)


def _person_weeks_cte(metric: Metric, reports: list[str], with_previous: bool) -> str:
    """Stage 1 of the engine at the grain of one person and week, keeping the person."""
    columns = [
        '"people"."employee" AS "employee_id"',
        '"people"."week_start" AS "week_start"',
        *(f'"people".{_q(c)} AS {_q(c)}' for c in _CARRIED),
        f'CAST({metric.numerator_sql} AS DOUBLE) AS "numerator"',
    ]
    if metric.denominator_sql is not None:
        columns.append(f'CAST({metric.denominator_sql} AS DOUBLE) AS "denominator"')
    else:
        columns.append('CAST(NULL AS DOUBLE) AS "denominator"')
    sources = _joins(reports)
    if with_previous:
        sources.append(
            f"LEFT JOIN {_q(PREVIOUS)}\n"
            f'{_INDENT * 2}ON {_q(PREVIOUS)}."employee" = "people"."employee"\n'
            f'{_INDENT * 2}AND {_q(PREVIOUS)}."period" = "people"."week_start"'
        )
    joins = "".join(f"\n{_INDENT}{source}" for source in sources)
    keys = [
        '"people"."employee"',
        '"people"."week_start"',
        *(f'"people".{_q(c)}' for c in _CARRIED),
    ]
    return (
        '"person_weeks" AS MATERIALIZED (\n'
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f'{_INDENT}FROM "people"{joins}\n'
        f"{_INDENT}GROUP BY {', '.join(keys)}\n"
        ")"
    )


def _select(metric: Metric, with_previous: bool) -> str:
    p = '"person_weeks"'
    numerator, denominator = f'{p}."numerator"', f'NULLIF({p}."denominator", 0)'
    if metric.unit == "percent":
        value = f"100 * {numerator} / {denominator}"
    elif metric.unit == "count":
        value = numerator
    else:
        value = f"{numerator} / {denominator}"
    covered = [f'"coverage".{_q(r)}' for r in metric.reports]
    joins = [f'JOIN "coverage" ON "coverage"."period" = {p}."week_start"']
    if with_previous:
        joins.append(
            'LEFT JOIN "coverage" AS "covered_before"\n'
            f'{_INDENT}ON "covered_before"."period" = {p}."week_start" - 7'
        )
        covered += [f'COALESCE("covered_before".{_q(r)}, false)' for r in metric.reports]
    columns = [
        f"{p}.{_q(c)} AS {_q(c)}"
        for c in ("employee_id", "week_start", *_CARRIED, "numerator", "denominator")
    ]
    columns.append(f'{value} AS "value"')
    condition = f"\n{_INDENT}AND ".join(covered)
    return (
        f"SELECT\n{_lines(columns, 1)}\nFROM {p}\n"
        + "\n".join(joins)
        + f"\nWHERE {condition}\n"
        + f'ORDER BY {p}."employee_id", {p}."week_start"\n'
    )
