"""Compute adoption metrics from the usage lake with DuckDB, per period and group.

:func:`compute` opens an in-memory DuckDB connection (no database file: see the architecture),
reads the weekly snapshots of the reports the metrics need straight from the lake's Parquet
files, joins them to the caller's ``people`` table and evaluates every metric of the registry in
one query. The query is built by :func:`build_sql`; README.md beside this module walks through it.

Weeks. A person-week is measured by the report's *weekly* (D7, ``form=period``) snapshot whose
refresh date falls in that ISO week; when the lake holds several (daily pulls give a D7 file every
day), the latest refresh date of the week wins, as it covers the most of the week. One-day
(``form=date``) files are not read for weekly figures: they list only the people active that day
(so a missing day looks like a quiet one), their days and the D7 windows overlap, Microsoft's
daily and weekly counts do not reconcile exactly, and the lake keeps the two forms apart so they
are never summed together. D30/D90/D180 files are not read either. A snapshot is taken to list
each person once, as Microsoft's reports do; a file that listed someone twice would count them
twice (refusing such a file belongs to the reader, at ingest).

Months. A week belongs to the month that holds its Thursday (the rule ISO 8601 uses for years),
so every week is in exactly one month. A month's figure is a sum over its person-weeks: the weekly
sums of each group added up (ADR 0004), with ``n`` counting each person once. Dates are calendar
days as Microsoft reports them; no timestamps are involved, so nothing is converted to
Europe/Oslo here — whoever builds ``people`` from timestamps (assignments) must take the day in
Europe/Oslo.

Coverage. A metric has a value for a period only when every week of the period (every week that
occurs in ``people``) has a snapshot of every report the metric reads — a week without a Teams
file is unknown, not a week without Teams. Otherwise its value is null; ``n`` is still given.

Privacy. Every figure carries ``n``, the number of people in its group and period. ``min_n`` is
plain suppression: the value is nulled where ``n < min_n``. It does not stop a hidden cell from
being recovered by subtraction (a parent minus its visible children); complementary suppression
belongs to the privacy layer that reads these results, not to this engine.

No Django imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veikart.adoption.engine import groups as sums
from veikart.adoption.engine.registry import PREVIOUS, REGISTRY, Metric, references
from veikart.usage.formats import NO_PERIOD_COLUMN, REPORTS

Grain = Literal["week", "month"]
GRAINS: tuple[Grain, ...] = ("week", "month")

# What the caller says about each person and ISO week they were employed: where they belonged
# that week. ``person`` is the pseudonym the lake knows them by that week. ``employee_id``
# (optional: absent or all null) is the human behind it, stable when the account changes — at a
# merger a Rygge employee gets a new sign-in name, hence a new pseudonym, and without it would be
# two people in a month that spans the change and would not "return" in the first week after
# it. ``unit_path`` lists the unit's ancestors from the top, the unit last: "/3/17/42/".
# ``training_status`` is "trained", "not_yet" or "never" (not checked here).
PEOPLE_SCHEMA = pa.schema(
    [
        pa.field("person", pa.string(), nullable=False),
        pa.field("week_start", pa.date32(), nullable=False),  # the Monday of the ISO week
        pa.field("unit_id", pa.int64(), nullable=False),
        pa.field("unit_path", pa.string(), nullable=False),
        pa.field("former_org", pa.string()),
        pa.field("is_leader", pa.bool_()),
        pa.field("training_status", pa.string()),
        pa.field("unit_type", pa.string()),
        pa.field("employee_id", pa.int64()),
    ]
)
OPTIONAL_PEOPLE_COLUMNS = frozenset({"employee_id"})


# Settings of every in-memory DuckDB connection the engine opens (see :func:`connect`): the
# Django side sets ``temp_directory`` (under the data directory) and ``memory_limit``.
# ``asof_loop_join_threshold`` 0: DuckDB estimates registered Arrow tables at about one row and
# would run an ASOF join as a nested loop (minutes at 50,000 people; see adoption/people.py).
DUCKDB_CONFIG: dict[str, str] = {"asof_loop_join_threshold": "0"}


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with :data:`DUCKDB_CONFIG`: past the memory limit, large
    joins and aggregations spill to the temporary directory instead of failing."""
    spill = DUCKDB_CONFIG.get("temp_directory")
    if spill:
        # DuckDB creates the spill directory itself only when its parent exists.
        Path(spill).mkdir(parents=True, exist_ok=True)
    return duckdb.connect(":memory:", config=dict(DUCKDB_CONFIG))


@dataclass(frozen=True)
class Group:
    """A column figures can be broken down by: its SQL over the person-week and its type."""

    sql: str
    type: pa.DataType


# "unit_id" is the unit itself; "unit_subtree" is every unit above it too, so that a unit's figure
# covers everyone in its subtree (the person-week is counted once for each ancestor).
GROUPS: dict[str, Group] = {
    "unit_id": Group('"people"."unit_id"', pa.int64()),
    "unit_subtree": Group('"subtree"."unit_subtree"', pa.int64()),
    "former_org": Group('"people"."former_org"', pa.string()),
    "is_leader": Group('"people"."is_leader"', pa.bool_()),
    "training_status": Group('"people"."training_status"', pa.string()),
    "unit_type": Group('"people"."unit_type"', pa.string()),
}

_SQL_TYPES = {
    "count": "BIGINT",
    "seconds": "BIGINT",
    "duration": "BIGINT",
    "date": "DATE",
    "bool": "BOOLEAN",
    "string": "VARCHAR",
    "period": "INTEGER",
}
_INDENT = "    "


def compute(
    lake_root: Path,
    people: pa.Table,
    *,
    metrics: Sequence[str],
    grain: Grain,
    groups: Sequence[str],
    min_n: int = 0,
    registry: Mapping[str, Metric] = REGISTRY,
) -> pa.Table:
    """Every metric in ``metrics`` for every period and combination of ``groups``.

    ``people`` has the columns of :data:`PEOPLE_SCHEMA`, one row per person and ISO week they were
    employed. ``groups`` are keys of :data:`GROUPS` (none: the whole organisation). Returns a
    table with the columns ``period`` (the Monday of the ISO week, or the first of the month),
    the group columns, ``metric`` (its key), ``value`` (float, null where the lake does not cover
    the period or ``n < min_n``) and ``n`` (people in the group and period), sorted by period,
    groups and metric. See the module docstring for weeks, months, coverage and suppression.
    """
    chosen = _chosen_metrics(metrics, registry)
    _check_arguments(grain, groups, min_n)
    table = _people_table(people)
    snapshots = {report: weekly_snapshots(lake_root, report) for report in reports_of(chosen)}
    present = {report for report, weeks in snapshots.items() if weeks}
    sql = build_sql(chosen, grain=grain, groups=groups, present=present)
    parameters: dict[str, object] = {"min_n": min_n}
    for index, metric in enumerate(chosen):
        parameters[f"metric_{index}"] = metric.key
    for report, weeks in snapshots.items():
        parameters[f"weeks_{report}"] = list(weeks)
        if weeks:
            parameters[f"files_{report}"] = [str(path) for path in weeks.values()]
    connection = connect()
    try:
        connection.register("people_input", table)
        _check_people(connection)
        result = connection.execute(sql, parameters).to_arrow_table()
    finally:
        connection.close()
    return result.cast(result_schema(groups))


def result_schema(groups: Sequence[str]) -> pa.Schema:
    """The columns :func:`compute` returns for ``groups``."""
    return pa.schema(
        [
            pa.field("period", pa.date32()),
            *(pa.field(name, GROUPS[name].type) for name in groups),
            pa.field("metric", pa.string()),
            pa.field("value", pa.float64()),
            pa.field("n", pa.int64()),
        ]
    )


def weekly_snapshots(lake_root: Path, report: str) -> dict[dt.date, Path]:
    """The file each ISO week (by its Monday) is measured by: the week's latest weekly snapshot.

    Paths follow :func:`veikart.usage.lake.snapshot_path`: ``form=period/day=<refresh date>/d7``,
    or ``d0`` for the active-user report, which has no report period.
    """
    name = "d0.parquet" if report in NO_PERIOD_COLUMN else "d7.parquet"
    chosen: dict[dt.date, tuple[dt.date, Path]] = {}
    for file in (lake_root / report / "form=period").glob(f"day=*/{name}"):
        try:
            day = dt.date.fromisoformat(file.parent.name.removeprefix("day="))
        except ValueError:
            continue
        week = day - dt.timedelta(days=day.weekday())
        if week not in chosen or day > chosen[week][0]:
            chosen[week] = (day, file)
    return {week: chosen[week][1] for week in sorted(chosen)}


def reports_of(metrics: Sequence[Metric]) -> list[str]:
    """The reports the metrics read, each once, in a fixed order."""
    return sorted({report for metric in metrics for report in metric.reports})


# --- the query -------------------------------------------------------------------------------


def build_sql(
    metrics: Sequence[Metric],
    *,
    grain: Grain,
    groups: Sequence[str],
    present: Collection[str],
) -> str:
    """The query :func:`compute` runs; ``present`` are the reports the lake has snapshots of.

    Parameters it binds: ``$files_<report>`` (the snapshot files, for a present report),
    ``$weeks_<report>`` (the Mondays of the weeks they cover), ``$metric_<i>`` (the keys) and
    ``$min_n``. Values are never written into the text.
    """
    reports = reports_of(metrics)
    previous = [m for m in metrics if m.previous_sql is not None]
    ctes = [_PEOPLE_CTES]
    ctes += [_report_cte(report, metrics, report in present) for report in reports]
    ctes.append(_coverage_cte(reports, grain))
    if previous:
        ctes.append(_previous_cte(previous, "week"))
    ctes.append(_person_periods_cte(metrics, "week", groups, with_previous=bool(previous)))
    if grain == "week":
        ctes.append(_aggregates_cte(metrics, "week", groups))
    else:
        ctes.append(_aggregates_cte(metrics, "week", groups, name="week_aggregates"))
        ctes.append(_MONTH_PEOPLE_CTE)
        ctes += _month_ctes(metrics, groups, name="aggregates", weekly="week_aggregates")
    selects = [_metric_select(index, metric, groups, grain) for index, metric in enumerate(metrics)]
    order = ", ".join(_q(name) for name in ("period", *groups, "metric"))
    return (
        "WITH\n" + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(selects) + f"\nORDER BY {order}\n"
    )


MANY_SCHEMA = pa.schema(
    [
        pa.field("period", pa.date32()),
        pa.field("breakdown", pa.string()),
        pa.field("unit_subtree", pa.int64()),
        pa.field("attribute", pa.string()),
        pa.field("metric", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("n", pa.int64()),
    ]
)


def compute_breakdowns(
    lake_root: Path,
    people: pa.Table,
    *,
    metrics: Sequence[str],
    grain: Grain,
    breakdowns: Sequence[Sequence[str]],
    min_n: int = 0,
    registry: Mapping[str, Metric] = REGISTRY,
) -> pa.Table:
    """:func:`compute` for several breakdowns at once, reading each report's snapshots once.

    Each breakdown is a list of groups with at most one besides ``unit_subtree``. Returns the
    columns of :data:`MANY_SCHEMA`: ``breakdown`` is the groups joined by "+" ("" for the whole
    organisation), ``unit_subtree`` the unit (null unless the breakdown has it), ``attribute``
    the other group's value as text (booleans "true"/"false"; null when the value is null or
    the breakdown has no other group). The figures are those :func:`compute` gives for each
    breakdown alone.
    """
    return compute_periods(
        lake_root,
        people,
        metrics=metrics,
        grains=(grain,),
        breakdowns=breakdowns,
        min_n=min_n,
        registry=registry,
    )[grain]


def compute_periods(
    lake_root: Path,
    people: pa.Table,
    *,
    metrics: Sequence[str],
    grains: Sequence[Grain] = GRAINS,
    breakdowns: Sequence[Sequence[str]],
    min_n: int = 0,
    wide: bool = False,
    registry: Mapping[str, Metric] = REGISTRY,
) -> dict[Grain, pa.Table]:
    """:func:`compute_breakdowns` for several grains at once (stage 1 in DuckDB a quarter at a
    time, stage 2 with numpy: :mod:`veikart.adoption.engine.groups`): a month's figures are sums
    of its weeks' sums, so weeks and months share everything up to the weekly sums. Returns a
    table of :data:`MANY_SCHEMA` per grain, or with ``wide`` one row per period and group:
    ``period``, ``breakdown``, ``unit_subtree``, ``attribute``, ``n`` and a column per metric
    named by its key (sorted by period, breakdown, unit and attribute; what the compute service
    stores, without the tenfold rows and their sort)."""
    chosen = _chosen_metrics(metrics, registry)
    if not grains or len(set(grains)) != len(grains):
        raise ValueError("name each grain once, at least one")
    for grain in grains:
        for groups in breakdowns:
            _check_arguments(grain, groups, min_n)
            if len([g for g in groups if g != "unit_subtree"]) > 1:
                raise ValueError(f"at most one group besides unit_subtree: {list(groups)}")
    for groups in breakdowns:
        if "unit_id" in groups:
            raise ValueError("unit_id is not a breakdown of compute_periods; use unit_subtree")
    table = _people_table(people)
    # Only the weeks the people cover and the week before each (returning users look back): an
    # incremental run over a few weeks opens a few files, not the whole lake.
    weeks_needed = set(pc.unique(table.column("week_start")).to_pylist())
    weeks_needed |= {week - dt.timedelta(days=7) for week in weeks_needed}
    snapshots = {
        report: {
            w: path for w, path in weekly_snapshots(lake_root, report).items() if w in weeks_needed
        }
        for report in reports_of(chosen)
    }
    rows = table.num_rows
    numbered = table.append_column("row_id", pa.array(np.arange(rows, dtype=np.int64)))
    connection = connect()
    try:
        connection.register("people_input", numbered)
        _check_people(connection)
        stage1 = _stage1(connection, chosen, numbered, snapshots)
    finally:
        connection.close()
    # Stage 2 with numpy (veikart.adoption.engine.groups).
    # The values stay in stage 1's row order; the people's codes are put in that order.
    sum_names = _sum_columns(chosen)
    order = stage1["row_id"].to_numpy()
    values = np.empty((len(sum_names), rows))
    nulls = any(stage1[name].null_count for name in sum_names)
    present_rows = np.empty((len(sum_names), rows), dtype=bool) if nulls else np.zeros((0, 0))
    for c, name in enumerate(sum_names):
        column = stage1[name]
        values[c] = pc.fill_null(column, 0).to_numpy().astype(np.float64)
        if nulls:
            present_rows[c] = pc.is_valid(column).to_numpy(zero_copy_only=False)
    del stage1
    coded = sums.encode(table).reordered(order)
    mondays = coded.mondays
    month_dates = sorted({sums.month_of(m) for m in mondays})
    month_of_week = np.array([month_dates.index(sums.month_of(m)) for m in mondays], dtype=np.int64)
    covered = _coverage(chosen, snapshots, mondays, month_of_week, len(month_dates))
    columns = {name: c for c, name in enumerate(sum_names)}
    parts: dict[Grain, list[pa.Table]] = {grain: [] for grain in grains}
    for groups in breakdowns:
        found = sums.breakdown_sums(
            coded, values, present_rows, groups, month_of_week, len(month_dates), grains
        )
        attribute = next((g for g in groups if g != "unit_subtree"), None)
        for grain in grains:
            group_sums = found[grain]
            dates = pa.array(mondays if grain == "week" else month_dates, pa.date32())
            size = group_sums.n.size
            if "unit_subtree" in groups:
                unit = pa.array(group_sums.unit, pa.int64())
            else:
                unit = pa.nulls(size, pa.int64())
            if attribute is None:
                attribute_column = pa.nulls(size, pa.string())
            else:
                texts = pa.array(coded.attributes[attribute][1], pa.string())
                attribute_column = texts.take(pa.array(group_sums.attribute))
            metric_values = sums.values_of(chosen, columns, group_sums, covered[grain], min_n)
            name = pa.array(["+".join(groups)], pa.string())
            parts[grain].append(
                pa.table(
                    [
                        dates.take(pa.array(group_sums.period)),
                        name.take(pa.array(np.zeros(size, dtype=np.int64))),
                        unit,
                        attribute_column,
                        pa.array(group_sums.n, pa.int64()),
                        *(pa.array(v, pa.float64(), from_pandas=True) for v in metric_values),
                    ],
                    schema=wide_schema([m.key for m in chosen]),
                )
            )
    schema = wide_schema([m.key for m in chosen])
    order_by = [(name, "ascending") for name in _CELL_COLUMNS]
    tables = {
        grain: (
            pa.concat_tables(parts[grain]).sort_by(order_by)
            if parts[grain]
            else schema.empty_table()
        )
        for grain in grains
    }
    if wide:
        return tables
    return {grain: _long(table, [m.key for m in chosen]) for grain, table in tables.items()}


def _coverage(
    metrics: Sequence[Metric],
    snapshots: Mapping[str, Mapping[dt.date, Path]],
    mondays: Sequence[dt.date],
    month_of_week: np.ndarray,
    months: int,
) -> dict[Grain, dict[str, np.ndarray]]:
    """Per grain, metric and period: does the lake cover it? Every week of the period (that
    someone was employed in) has a snapshot of each report the metric reads, and — for a metric
    that looks one week back — so has the week before each, which someone was employed in too
    (as the SQL engine's ``_coverage_cte``)."""
    weeks = set(mondays)
    result: dict[Grain, dict[str, np.ndarray]] = {"week": {}, "month": {}}
    for metric in metrics:
        ok = np.ones(len(mondays), dtype=bool)
        for report in metric.reports:
            have = snapshots.get(report, {})
            ok &= np.array([m in have for m in mondays], dtype=bool)
            if metric.previous_sql is not None:
                before = [m - dt.timedelta(days=7) for m in mondays]
                ok &= np.array([b in weeks and b in have for b in before], dtype=bool)
        result["week"][metric.key] = ok
        missing = np.bincount(month_of_week, weights=~ok, minlength=months)
        result["month"][metric.key] = missing == 0
    return result


# Stage 1 runs over this many weeks at a time: a quarter's person-weeks (650,000 at 50,000
# employees) join and aggregate in memory, where all 130 weeks at once spilled to disk under the
# default memory limit and took twice as long (bench/README.md).
STAGE1_WEEKS = 13


def _stage1(
    connection: duckdb.DuckDBPyConnection,
    metrics: Sequence[Metric],
    people: pa.Table,
    snapshots: Mapping[str, Mapping[dt.date, Path]],
) -> pa.Table:
    """Stage 1 for every row of ``people`` (which has ``row_id``), :data:`STAGE1_WEEKS` weeks at
    a time; each part also reads the week before its first (the metrics that look back)."""
    week_column = people["week_start"]
    weeks = sorted(set(pc.unique(week_column).to_pylist()))
    parts = []
    for start in range(0, len(weeks), STAGE1_WEEKS):
        chunk = set(weeks[start : start + STAGE1_WEEKS])
        before = {week - dt.timedelta(days=7) for week in chunk} - chunk
        measured = pc.is_in(week_column, value_set=pa.array(sorted(chunk), pa.date32()))
        read = pc.or_(
            measured, pc.is_in(week_column, value_set=pa.array(sorted(before), pa.date32()))
        )
        subset = people.append_column("measured", measured).filter(read)
        files = {
            report: [str(path) for week, path in found.items() if week in chunk | before]
            for report, found in snapshots.items()
        }
        sql = build_stage1_sql(metrics, present={r for r, paths in files.items() if paths})
        parameters = {f"files_{report}": paths for report, paths in files.items() if paths}
        connection.register("people_input", subset)
        parts.append(connection.execute(sql, parameters).to_arrow_table())
    if not parts:  # no people: the query over none, for the columns
        connection.register(
            "people_input", people.append_column("measured", pa.array([], pa.bool_()))
        )
        parts.append(connection.execute(build_stage1_sql(metrics, present=())).to_arrow_table())
    return pa.concat_tables(parts)


def build_stage1_sql(metrics: Sequence[Metric], *, present: Collection[str]) -> str:
    """Stage 1 of :func:`compute_periods`: every metric's numerator and denominator for each
    row of ``people`` that is ``measured`` (by its ``row_id``; the others are the week before,
    for the metrics that look back), from the report snapshots of its week joined to it
    (and, for the metrics that look back, the person's week before). Parameters it binds:
    ``$files_<report>`` for each present report."""
    reports = reports_of(metrics)
    previous = [m for m in metrics if m.previous_sql is not None]
    ctes = [_PEOPLE_CTES]
    for report in reports:
        cte = _report_cte(report, metrics, report in present)
        ctes.append(cte.replace(" AS (\n", " AS MATERIALIZED (\n", 1))
    if previous:
        ctes.append(_previous_cte(previous, "week"))
    # As doubles: a person-week's numbers are small whole numbers, which a double holds exactly
    # (DuckDB's SUM of integers is a 128-bit integer, which numpy reads only as Python objects).
    columns = ['"people"."row_id" AS "row_id"', *_metric_columns(metrics, cast="DOUBLE")]
    joins = _metric_joins(metrics, '"people"."week_start"', with_previous=bool(previous))
    return (
        "WITH\n"
        + ",\n".join(ctes)
        + f"\nSELECT\n{_lines(columns, 1)}\n"
        + f'FROM "people"{joins}\n'
        + 'WHERE "people"."measured"\n'
        + 'GROUP BY "people"."row_id"\n'
    )


_CELL_COLUMNS = ("period", "breakdown", "unit_subtree", "attribute")


def wide_schema(metric_keys: Sequence[str]) -> pa.Schema:
    """The columns of :func:`compute_periods` with ``wide``."""
    cells = [MANY_SCHEMA.field(name) for name in _CELL_COLUMNS]
    return pa.schema(
        [
            *cells,
            MANY_SCHEMA.field("n"),
            *(pa.field(key, pa.float64()) for key in metric_keys),
        ]
    )


def _long(table: pa.Table, metric_keys: Sequence[str]) -> pa.Table:
    """A wide result as :data:`MANY_SCHEMA`: one row per metric, sorted as the engine sorts."""
    parts = []
    for key in metric_keys:
        part = table.select([*_CELL_COLUMNS])
        part = part.append_column("metric", pa.array([key] * table.num_rows, pa.string()))
        part = part.append_column("value", table.column(key))
        parts.append(part.append_column("n", table.column("n")))
    if not parts:
        return MANY_SCHEMA.empty_table()
    long = pa.concat_tables(parts)
    order = [(name, "ascending") for name in (*_CELL_COLUMNS, "metric")]
    return long.sort_by(order).cast(MANY_SCHEMA)


# Each person once per month and combination of groups, for a month's n: a person who moved or
# changed status during the month is in each group they were in, once, and once in a unit above
# both units.
_MONTH_PEOPLE_CTE = """"month_people" AS MATERIALIZED (
    SELECT DISTINCT
        "people"."employee" AS "employee",
        CAST(date_trunc('month', "people"."week_start" + 3) AS DATE) AS "period",
        "people"."unit_id" AS "unit_id",
        "people"."unit_path" AS "unit_path",
        "people"."former_org" AS "former_org",
        "people"."is_leader" AS "is_leader",
        "people"."training_status" AS "training_status",
        "people"."unit_type" AS "unit_type"
    FROM "people"
)"""


def _month_ctes(
    metrics: Sequence[Metric], groups: Sequence[str], *, name: str, weekly: str
) -> list[str]:
    """A month's stage 2 from its weeks': the sums of the weekly sums of each group (a month
    figure is a sum over the group's person-weeks in the month, like a week's), and ``n``, the
    people in the group in any week of the month, each counted once."""
    sums = []
    for index, metric in enumerate(metrics):
        sums.append(f"numerator_{index}")
        if metric.denominator_sql is not None:
            sums.append(f"denominator_{index}")
    w = _q(weekly)
    month = f"CAST(date_trunc('month', {w}.\"period\" + 3) AS DATE)"
    sum_columns = [
        f'{month} AS "period"',
        *(f"{w}.{_q(g)} AS {_q(g)}" for g in groups),
        *(f"sum({w}.{_q(c)}) AS {_q(c)}" for c in sums),
    ]
    sums_cte = (
        f"{_q(name + '_sums')} AS (\n"
        f"{_INDENT}SELECT\n{_lines(sum_columns, 2)}\n"
        f"{_INDENT}FROM {w}\n"
        f"{_INDENT}GROUP BY {', '.join([month, *(f'{w}.{_q(g)}' for g in groups)])}\n"
        ")"
    )
    m = '"month_people"'
    expressions = {
        g: ('"subtree"."unit_subtree"' if g == "unit_subtree" else f"{m}.{_q(g)}") for g in groups
    }
    n_columns = [
        f'{m}."period" AS "period"',
        *(f"{sql} AS {_q(g)}" for g, sql in expressions.items()),
        f'count(DISTINCT {m}."employee") AS "n"',
    ]
    explode = ""
    if "unit_subtree" in groups:
        explode = f"\n{_INDENT}" + _subtree_join(f'{m}."unit_path"')
    n_keys = [f'{m}."period"', *expressions.values()]
    n_cte = (
        f"{_q(name + '_n')} AS (\n"
        f"{_INDENT}SELECT\n{_lines(n_columns, 2)}\n"
        f"{_INDENT}FROM {m}{explode}\n"
        f"{_INDENT}GROUP BY {', '.join(n_keys)}\n"
        ")"
    )
    s_, n_ = _q(name + "_sums"), _q(name + "_n")
    on = [f'{s_}."period" = {n_}."period"'] + [
        f"{s_}.{_q(g)} IS NOT DISTINCT FROM {n_}.{_q(g)}" for g in groups
    ]
    on_text = f"\n{_INDENT * 2}AND ".join(on)
    columns = [
        f'{s_}."period" AS "period"',
        *(f"{s_}.{_q(g)} AS {_q(g)}" for g in groups),
        f'{n_}."n" AS "n"',
        *(f"{s_}.{_q(c)} AS {_q(c)}" for c in sums),
    ]
    joined = (
        f"{_q(name)} AS MATERIALIZED (\n"
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f"{_INDENT}FROM {s_}\n"
        f"{_INDENT}JOIN {n_} ON {on_text}\n"
        ")"
    )
    return [sums_cte, n_cte, joined]


def _q(identifier: str) -> str:
    """A quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def _period(week_start: str, grain: Grain) -> str:
    if grain == "week":
        return week_start
    return f"CAST(date_trunc('month', {week_start} + 3) AS DATE)"  # the month of its Thursday


def _shift(period: str, grain: Grain, *, forward: bool) -> str:
    sign = "+" if forward else "-"
    if grain == "week":
        return f"{period} {sign} 7"
    return f"CAST({period} {sign} INTERVAL 1 MONTH AS DATE)"


def _week_table(report: str) -> str:
    return _q(f"week_{report}")


def _report_cte(report: str, metrics: Sequence[Metric], present: bool) -> str:
    """One row per person and week from the report's chosen weekly snapshots.

    Rows of people who are not in ``people`` (external accounts, unmapped pseudonyms) are
    dropped here, and the 64-character pseudonym gives way to a small integer for the joins.
    """
    fields = {f.name: f for f in REPORTS[report].fields}
    wanted = sorted({c for m in metrics for c in m.report_columns(report)})
    if not present:  # no snapshot at all: an empty table of the right shape
        columns = [
            'CAST(NULL AS INTEGER) AS "person_id"',
            'CAST(NULL AS DATE) AS "week_start"',
            *(f"CAST(NULL AS {_SQL_TYPES[fields[c].kind]}) AS {_q(c)}" for c in wanted),
        ]
        body = f"SELECT\n{_lines(columns, 2)}\n{_INDENT}WHERE false"
        return f"{_week_table(report)} AS (\n{_INDENT}{body}\n)"
    week = 'CAST(date_trunc(\'week\', "snapshots"."report_refresh_date") AS DATE)'
    columns = [
        '"person_ids"."person_id" AS "person_id"',
        f'{week} AS "week_start"',
        *(f'"snapshots".{_q(c)} AS {_q(c)}' for c in wanted),
    ]
    source = _lines([f"$files_{report}", "union_by_name = true", "hive_partitioning = true"], 2)
    return (
        f"{_week_table(report)} AS (\n"
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f'{_INDENT}FROM read_parquet(\n{source}\n{_INDENT}) AS "snapshots"\n'
        f'{_INDENT}JOIN "person_ids" ON "person_ids"."person" = "snapshots"."person"\n'
        ")"
    )


_PEOPLE_CTES = """"person_ids" AS MATERIALIZED (
    SELECT
        "distinct_people"."person" AS "person",
        CAST(row_number() OVER (ORDER BY "distinct_people"."person") AS INTEGER) AS "person_id"
    FROM (SELECT DISTINCT "person" FROM "people_input") AS "distinct_people"
),
"people" AS (
    SELECT
        "person_ids"."person_id" AS "person_id",
        COALESCE("people_input"."employee_id", "person_ids"."person_id") AS "employee",
        "people_input".*
    FROM "people_input"
    JOIN "person_ids" ON "person_ids"."person" = "people_input"."person"
)"""


def _coverage_cte(reports: Sequence[str], grain: Grain, *, name: str = "coverage") -> str:
    """Per period: does every week in it have a snapshot of each report (column ``<report>``),
    and so does the week before each of them (``<report>__previous``, for the metrics that look
    one week back)? Only weeks someone was employed in count."""
    period = _period('"weeks"."week_start"', grain)
    columns = [f'{period} AS "period"']
    for r in reports:
        columns += [
            f"bool_and(\n{_INDENT * 3}"
            f'list_contains(CAST($weeks_{r} AS DATE[]), "weeks"."week_start")\n'
            f"{_INDENT * 2}) AS {_q(r)}",
            f'bool_and(\n{_INDENT * 3}"before"."week_start" IS NOT NULL\n'
            f"{_INDENT * 3}AND list_contains(CAST($weeks_{r} AS DATE[]), "
            f'"weeks"."week_start" - 7)\n'
            f"{_INDENT * 2}) AS {_q(r + '__previous')}",
        ]
    # Text built from quoted identifiers and registry declarations; values are bound.
    weeks = '(SELECT DISTINCT "week_start" FROM "people")'
    return (
        f"{_q(name)} AS MATERIALIZED (\n"
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f'{_INDENT}FROM {weeks} AS "weeks"\n'
        f'{_INDENT}LEFT JOIN {weeks} AS "before"\n'
        f'{_INDENT * 2}ON "before"."week_start" = "weeks"."week_start" - 7\n'
        f"{_INDENT}GROUP BY {period}\n"
        ")"
    )


def _joins(reports: Sequence[str]) -> list[str]:
    return [
        f"LEFT JOIN {_week_table(r)} AS {_q(r)}\n"
        f'{_INDENT * 2}ON {_q(r)}."person_id" = "people"."person_id"\n'
        f'{_INDENT * 2}AND {_q(r)}."week_start" = "people"."week_start"'
        for r in reports
    ]


def _previous_cte(metrics: Sequence[Metric], grain: Grain) -> str:
    """Per person and period: did the metric's condition hold in any week of the period before?

    The row is keyed by the period *after* the one measured, ready to join to the current one.
    """
    following = _shift(_period('"people"."week_start"', grain), grain, forward=True)
    reports = sorted(
        {table for m in metrics for table, _ in references(m.previous_sql or "")} & set(REPORTS)
    )
    columns = [
        '"people"."employee" AS "employee"',
        f'{following} AS "period"',
        *(f"bool_or({m.previous_sql}) AS {_q(m.key)}" for m in metrics),
    ]
    joins = "".join(f"\n{_INDENT}{join}" for join in _joins(reports))
    return (
        f"{_q(PREVIOUS)} AS MATERIALIZED (\n"
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f'{_INDENT}FROM "people"{joins}\n'
        f'{_INDENT}GROUP BY "people"."employee", {following}\n'
        ")"
    )


def _person_periods_cte(
    metrics: Sequence[Metric],
    grain: Grain,
    groups: Sequence[str],
    *,
    with_previous: bool,
    name: str = "person_periods",
) -> str:
    """Stage 1: every metric's numerator and denominator for each person, period and group.

    The engine runs it per week only (months are summed from the weeks' stage 2). A unit
    subtree is not exploded here: in a week a person is in one unit, so the people are summed
    per unit path first and only those sums are exploded, in stage 2, over far fewer rows.
    """
    period = _period('"people"."week_start"', grain)
    carried: dict[str, str] = {}  # output column → SQL
    for g in groups:
        if g == "unit_subtree":
            carried["unit_path"] = '"people"."unit_path"'  # exploded in stage 2
        else:
            carried[g] = GROUPS[g].sql
    # A person has one row per week (checked in _check_people), so in a week the groups depend
    # on the person alone: group by person and week, and carry the groups along — hashing two
    # integers instead of every group column. In a longer period a person can move.
    by_person = grain == "week"
    columns = [
        f'{period} AS "period"',
        *(f"{f'any_value({sql})' if by_person else sql} AS {_q(g)}" for g, sql in carried.items()),
    ]
    columns += _metric_columns(metrics)
    joins = _metric_joins(metrics, period, with_previous=with_previous)
    keys = ['"people"."employee"', period, *([] if by_person else carried.values())]
    return (
        f"{_q(name)} AS MATERIALIZED (\n"
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f'{_INDENT}FROM "people"{joins}\n'
        f"{_INDENT}GROUP BY {', '.join(keys)}\n"
        ")"
    )


def _metric_columns(metrics: Sequence[Metric], *, cast: str | None = None) -> list[str]:
    """Stage 1's columns: each metric's numerator, and denominator if any (cast if asked)."""
    columns = []
    for index, metric in enumerate(metrics):
        expressions = [("numerator", metric.numerator_sql), ("denominator", metric.denominator_sql)]
        for name, sql in expressions:
            if sql is not None:
                value = f"CAST({sql} AS {cast})" if cast else sql
                columns.append(f'{value} AS "{name}_{index}"')
    return columns


def _metric_joins(metrics: Sequence[Metric], period: str, *, with_previous: bool) -> str:
    """Stage 1's joins to ``"people"``: each report's snapshot of the person's week and, for
    the metrics that look back, the person's period before (keyed by ``period``)."""
    sources = _joins(reports_of(metrics))
    if with_previous:
        sources.append(
            f"LEFT JOIN {_q(PREVIOUS)}\n"
            f'{_INDENT * 2}ON {_q(PREVIOUS)}."employee" = "people"."employee"\n'
            f'{_INDENT * 2}AND {_q(PREVIOUS)}."period" = {period}'
        )
    return "".join(f"\n{_INDENT}{source}" for source in sources)


def _sum_columns(metrics: Sequence[Metric]) -> list[str]:
    """The stage-1 columns stage 2 sums: each metric's numerator, and denominator if any."""
    sums = []
    for index, metric in enumerate(metrics):
        sums.append(f"numerator_{index}")
        if metric.denominator_sql is not None:
            sums.append(f"denominator_{index}")
    return sums


def _aggregates_cte(
    metrics: Sequence[Metric],
    grain: Grain,
    groups: Sequence[str],
    *,
    name: str = "aggregates",
) -> str:
    """Stage 2: the sums over the people of each period and group, and n.

    For weeks by unit subtree the people are first summed per unit path (and the other groups),
    and only those sums are exploded into the units above: sums add up, and a few thousand unit
    rows per week explode far faster than one row per person.
    """
    source = _q("person_periods")
    explode_later = "unit_subtree" in groups
    sums = _sum_columns(metrics)
    if not explode_later:
        expressions = {g: f"{source}.{_q(g)}" for g in groups}
        columns = [
            f'{source}."period" AS "period"',
            *(f"{sql} AS {_q(g)}" for g, sql in expressions.items()),
            'COUNT(*) AS "n"',
            *(f"sum({source}.{_q(column)}) AS {_q(column)}" for column in sums),
        ]
        keys = [f'{source}."period"', *expressions.values()]
        return (
            f"{_q(name)} AS MATERIALIZED (\n"
            f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
            f"{_INDENT}FROM {source}\n"
            f"{_INDENT}GROUP BY {', '.join(keys)}\n"
            ")"
        )
    others = [g for g in groups if g != "unit_subtree"]
    inner_keys = [
        f'{source}."period"',
        f'{source}."unit_path"',
        *(f"{source}.{_q(g)}" for g in others),
    ]
    inner_columns = [
        f'{source}."period" AS "period"',
        f'{source}."unit_path" AS "unit_path"',
        *(f"{source}.{_q(g)} AS {_q(g)}" for g in others),
        'COUNT(*) AS "n"',
        *(f"sum({source}.{_q(column)}) AS {_q(column)}" for column in sums),
    ]
    inner = (
        f"SELECT\n{_lines(inner_columns, 3)}\n"
        f"{_INDENT * 2}FROM {source}\n"
        f"{_INDENT * 2}GROUP BY {', '.join(inner_keys)}"
    )
    by_path = '"by_path"'
    expressions = {
        g: (GROUPS[g].sql if g == "unit_subtree" else f"{by_path}.{_q(g)}") for g in groups
    }
    columns = [
        f'{by_path}."period" AS "period"',
        *(f"{sql} AS {_q(g)}" for g, sql in expressions.items()),
        f'sum({by_path}."n") AS "n"',
        *(f"sum({by_path}.{_q(column)}) AS {_q(column)}" for column in sums),
    ]
    keys = [f'{by_path}."period"', *expressions.values()]
    explode = _subtree_join(by_path + '."unit_path"')
    return (
        f"{_q(name)} AS MATERIALIZED (\n"
        f"{_INDENT}SELECT\n{_lines(columns, 2)}\n"
        f"{_INDENT}FROM (\n{_INDENT * 2}{inner}\n{_INDENT}) AS {by_path}\n"
        f"{_INDENT}{explode}\n"
        f"{_INDENT}GROUP BY {', '.join(keys)}\n"
        ")"
    )


def _subtree_join(path: str) -> str:
    """Explode a unit path into its units: "/3/17/42/" gives rows for 3, 17 and 42, so grouping
    by ``"subtree"."unit_subtree"`` gives each unit a figure for its whole subtree."""
    units = f"CAST(string_split(trim({path}, '/'), '/') AS BIGINT[])"
    return f'CROSS JOIN unnest(\n{_INDENT * 2}{units}\n{_INDENT}) AS "subtree"("unit_subtree")'


def _value_sql(index: int, metric: Metric, aggregates: str, coverage: str) -> str:
    """A metric's value from an aggregates table joined to its coverage table: null where the
    lake does not cover the period or ``n < $min_n``."""
    a, c = _q(aggregates), _q(coverage)
    numerator = f'CAST({a}."numerator_{index}" AS DOUBLE)'
    denominator = f'NULLIF({a}."denominator_{index}", 0)'
    if metric.unit == "percent":
        value = f"100 * {numerator}\n{_INDENT * 3}/ {denominator}"
    elif metric.unit == "count":
        value = numerator
    else:
        value = f"{numerator}\n{_INDENT * 3}/ {denominator}"
    covered = [f"{c}.{_q(r)}" for r in metric.reports]
    if metric.previous_sql is not None:
        covered += [f"{c}.{_q(r + '__previous')}" for r in metric.reports]
    condition = f"\n{_INDENT * 3}AND ".join([*covered, f'{a}."n" >= $min_n'])
    return f"CASE\n{_INDENT * 2}WHEN {condition}\n{_INDENT * 2}THEN {value}\n{_INDENT}END"


def _metric_select(
    index: int,
    metric: Metric,
    groups: Sequence[str],
    grain: Grain,
    *,
    aggregates: str = "aggregates",
    coverage: str = "coverage",
) -> str:
    """One metric's figures from an aggregates table, one row per period and group."""
    a, c = _q(aggregates), _q(coverage)
    columns = [
        f'{a}."period" AS "period"',
        *(f"{a}.{_q(g)} AS {_q(g)}" for g in groups),
        f'$metric_{index} AS "metric"',
        f'{_value_sql(index, metric, aggregates, coverage)} AS "value"',
        f'{a}."n" AS "n"',
    ]
    return f"SELECT\n{_lines(columns, 1)}\nFROM {a}\n" + f'JOIN {c} ON {c}."period" = {a}."period"'


def _lines(columns: Sequence[str], depth: int) -> str:
    return ",\n".join(f"{_INDENT * depth}{column}" for column in columns)


# --- checking the input ------------------------------------------------------------------------


def _chosen_metrics(keys: Sequence[str], registry: Mapping[str, Metric]) -> list[Metric]:
    if not keys:
        raise ValueError("name at least one metric")
    unknown = [key for key in keys if key not in registry]
    if unknown:
        raise ValueError(f"unknown metrics: {', '.join(unknown)}; known: {', '.join(registry)}")
    if len(set(keys)) != len(keys):
        raise ValueError("a metric is named twice")
    return [registry[key] for key in keys]


def _check_arguments(grain: str, groups: Sequence[str], min_n: int) -> None:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown groups: {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    if len(set(groups)) != len(groups):
        raise ValueError("a group is named twice")
    if min_n < 0:
        raise ValueError("min_n cannot be negative")


def _people_table(people: pa.Table) -> pa.Table:
    for name in sorted(OPTIONAL_PEOPLE_COLUMNS - set(people.column_names)):
        kind = PEOPLE_SCHEMA.field(name).type
        people = people.append_column(name, pa.nulls(people.num_rows, kind))
    missing = [name for name in PEOPLE_SCHEMA.names if name not in people.column_names]
    if missing:
        raise ValueError(f"people lacks the columns {', '.join(missing)}")
    try:
        # Cast to nullable types: missing values are reported by _check_people, with a message.
        return people.select(PEOPLE_SCHEMA.names).cast(
            pa.schema([f.with_nullable(True) for f in PEOPLE_SCHEMA])
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"people does not fit the expected columns and types: {exc}") from exc


_PEOPLE_CHECKS = """
SELECT
    count(*) FILTER (
        WHERE "person" IS NULL OR "week_start" IS NULL OR "unit_id" IS NULL OR "unit_path" IS NULL
    ),
    count(*) FILTER (WHERE isodow("week_start") <> 1),
    count(*) FILTER (
        WHERE NOT regexp_full_match("unit_path", '/([0-9]+/)+')
        OR NOT ends_with("unit_path", '/' || CAST("unit_id" AS VARCHAR) || '/')
    ),
    count(*) - (
        SELECT count(*) FROM (SELECT DISTINCT "person", "week_start" FROM "people_input")
    ),
    count(*) FILTER (WHERE "employee_id" IS NOT NULL) - (
        SELECT count(*) FROM (
            SELECT DISTINCT "employee_id", "week_start" FROM "people_input"
            WHERE "employee_id" IS NOT NULL
        )
    ),
    count(*) FILTER (WHERE "employee_id" IS NULL) NOT IN (0, count(*))
FROM "people_input"
"""


def _check_people(connection: duckdb.DuckDBPyConnection) -> None:
    row = connection.execute(_PEOPLE_CHECKS).fetchone()
    if row is None:  # cannot happen: an aggregate without GROUP BY gives one row
        raise RuntimeError("the checks of people returned nothing")
    empty, not_monday, bad_path, repeated, repeated_employee, partial = row
    if empty:
        raise ValueError(f"people: {empty} rows lack a person, week_start, unit_id or unit_path")
    if not_monday:
        raise ValueError(f"people: {not_monday} rows have a week_start that is not a Monday")
    if bad_path:
        raise ValueError(
            f"people: {bad_path} rows have a unit_path that is not like /3/17/42/ ending with "
            "the row's unit_id"
        )
    if repeated:
        raise ValueError(f"people: {repeated} rows repeat a person and week_start")
    if partial:
        raise ValueError("people: employee_id must be given for every row or for none")
    if repeated_employee:
        raise ValueError(f"people: {repeated_employee} rows repeat an employee_id and week_start")
