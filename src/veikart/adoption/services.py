"""Compute and store the adoption figures: ``veikart compute``, also run after every ingest.

The run, step by step:

1. Find the ISO weeks the lake covers (every week from the first to the last weekly snapshot of
   any report the registry reads) and build the person-week table for them
   (:mod:`veikart.adoption.people`).
2. Fingerprint each week's inputs: its snapshot files (path, size, modification time) and its
   person-week rows. Weeks whose fingerprint differs from the stored watermark have changed —
   new usage data, a late HR import, attendance registered for an old session. So has everything
   when the registry, the group threshold or the breakdowns changed.
3. Recompute the changed weeks, the weeks after them (returning users look one week back) and
   the months holding any of those; the engine runs over just the weeks of those months and the
   week before each (a month's figures are sums over its person-weeks, see ADR 0004).
4. Decide what may be shown (:func:`veikart.adoption.engine.privacy.plan_suppression`) and store
   the figures of those periods in one transaction, replacing the old ones. Hidden figures are
   stored without values.

Weeks the lake no longer holds (raw usage purged after the retention period) keep their figures
and their watermark: aggregates outlive the raw data. Recomputing the same inputs gives the same
figures, row for row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from veikart.adoption.engine import REGISTRY, Grain
from veikart.adoption.engine.engine import compute_periods, connect
from veikart.adoption.engine.privacy import BREAKDOWNS, plan_beside
from veikart.adoption.models import ComputeRun, ComputeState, Figure
from veikart.adoption.people import build_people, lake_weeks, monday, people_inputs
from veikart.core.services import record_audit_event
from veikart.organisations.models import Organisation
from veikart.usage.services import lake_root

Progress = Callable[[str], None]
# Bump when the way figures are computed changes without the registry or breakdowns changing.
COMPUTE_VERSION = "2"  # 2: a month is the sum of its person-weeks (ADR 0004)


@dataclass(frozen=True)
class ComputeSummary:
    run_id: int | None
    full: bool
    weeks: int  # week periods recomputed
    months: int  # month periods recomputed
    figures: int  # figures stored
    hidden: int  # of which hidden
    seconds: float

    @property
    def up_to_date(self) -> bool:
        return self.weeks == 0 and self.months == 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def month_of(week: dt.date) -> dt.date:
    """The month a week belongs to: the month of its Thursday (as in the engine)."""
    thursday = week + dt.timedelta(days=3)
    return thursday.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def settings_key() -> str:
    """What applies to every week: the registry's declarations, the threshold, the breakdowns."""
    metrics = [
        [m.key, m.unit, list(m.reports), m.numerator_sql, m.denominator_sql, m.previous_sql]
        for m in REGISTRY.values()
    ]
    payload = {
        "version": COMPUTE_VERSION,
        "k": settings.MIN_GROUP_SIZE,
        "breakdowns": [list(b) for b in BREAKDOWNS],
        "metrics": metrics,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def compute_figures(
    organisation: Organisation | None = None,
    *,
    full: bool = False,
    actor: User | None = None,
    trigger: str = "cli",
    progress: Progress | None = None,
) -> ComputeSummary:
    """Bring the stored figures up to date with the lake, the organisation and training."""
    started = time.perf_counter()
    organisation = organisation or Organisation.objects.first()
    if organisation is None:
        return ComputeSummary(None, full, 0, 0, 0, 0, 0.0)
    root = lake_root()
    snapshots = lake_weeks(root)
    covered = sorted({week for weeks in snapshots.values() for week in weeks})
    if not covered:
        return ComputeSummary(None, full, 0, 0, 0, 0, time.perf_counter() - started)
    all_weeks = _week_range(covered[0], covered[-1])
    # People for every week of the months the lake touches, so that a month is measured only
    # when all of its weeks are in the lake (the engine's coverage rule).
    calendar = _week_range(
        monday(month_of(all_weeks[0])), monday(next_month(month_of(all_weeks[-1])))
    )
    calendar = [w for w in calendar if month_of(w) in {month_of(x) for x in all_weeks}]
    inputs = people_inputs(organisation)
    files = _file_fingerprints(root, snapshots, all_weeks)
    key = settings_key()
    state = ComputeState.objects.filter(organisation=organisation).first()
    everything = full or state is None or state.settings_key != key
    stored = {} if everything or state is None else _stored_weeks(state)
    people: pa.Table | None = None
    changed: set[dt.date] = set()
    fast = False
    if state is not None and not everything and state.inputs_key == inputs.key:
        # Nothing but the lake changed. When the changed weeks all come after the stored ones
        # (the weekly ingest), the other weeks' people are as they were: build only the weeks
        # needed. A late file for an older week can change which sign-in name the weeks after
        # it are looked up by, so it takes the full check below.
        changed = {w for w in all_weeks if stored.get(w, {}).get("files") != files[w]}
        last = max(stored, default=None)
        fast = last is None or all(w > last for w in changed)
    if not fast:
        _say(progress, f"person-weeks for {len(calendar)} weeks")
        people = build_people(organisation, root, calendar, inputs=inputs)
        prints = _people_fingerprints(people)
        changed = {
            w
            for w in all_weeks
            if everything
            or stored.get(w, {}).get("files") != files[w]
            or stored.get(w, {}).get("people") != prints.get(w, _NO_PEOPLE)
        }
    if not changed:
        return ComputeSummary(None, False, 0, 0, 0, 0, time.perf_counter() - started)

    in_range = set(all_weeks)
    store_weeks = set(changed) | {w + dt.timedelta(days=7) for w in changed}
    store_weeks &= in_range
    store_months = {month_of(w) for w in store_weeks}
    # A month is summed from all of its weeks; returning users look one week back.
    needed = {w for w in calendar if month_of(w) in store_months}
    read_weeks = sorted(needed | {w - dt.timedelta(days=7) for w in needed})
    if people is None:
        _say(progress, f"person-weeks for {len(read_weeks)} weeks")
        subset = build_people(organisation, root, read_weeks, inputs=inputs)
        prints = {w: v["people"] for w, v in stored.items()} | _people_fingerprints(subset)
    else:
        subset = people.filter(
            pc.is_in(people["week_start"], value_set=pa.array(read_weeks, pa.date32()))
        )

    run = ComputeRun.objects.create(
        organisation=organisation, actor=actor, trigger=trigger, full=everything
    )
    k = settings.MIN_GROUP_SIZE
    with plan_beside(subset, k, Path(settings.DATA_DIR) / "tmp") as planned:
        _say(progress, "weeks and months: every metric and breakdown")
        results = compute_periods(
            root, subset, metrics=list(REGISTRY), breakdowns=BREAKDOWNS, wide=True
        )
        _say(progress, "privacy plan")
        plans = planned()
    figures: list[FigureColumns] = []
    periods: dict[Grain, list[dt.date]] = {
        "week": sorted(store_weeks),
        "month": sorted(store_months),
    }
    for grain, wanted in periods.items():
        _say(progress, f"{grain}: {results[grain].num_rows} values to figures")
        figures.append(_figures(results[grain], plans[grain], grain, set(wanted)))
    count = sum(len(f) for f in figures)
    _say(progress, f"storing {count} figures")
    hidden = sum(f.hidden for f in figures)
    with transaction.atomic(), _bulk_writes(count >= BULK_FIGURES):
        for grain, wanted in periods.items():
            old = Figure.objects.filter(organisation=organisation, grain=grain, period__in=wanted)
            if not everything:
                # The breakdowns are those of the stored figures (else everything is computed):
                # naming them lets the delete use the figure index instead of reading every
                # figure of the grain (0.4 s of a weekly update at 50,000 employees).
                old = old.filter(breakdown__in=["+".join(groups) for groups in BREAKDOWNS])
            old.delete()
        for grain_figures in figures:
            _store(organisation, grain_figures)
        # Purged weeks keep their watermark (their figures stay); a week's people fingerprint is
        # the one the figures were computed from.
        weeks_state = {
            w: v
            for w, v in (state.weeks if state is not None else {}).items()
            if dt.date.fromisoformat(w) not in in_range
        }
        weeks_state.update(
            {
                w.isoformat(): {"files": files[w], "people": prints.get(w, _NO_PEOPLE)}
                for w in all_weeks
            }
        )
        ComputeState.objects.update_or_create(
            organisation=organisation,
            defaults={
                "settings_key": key,
                "inputs_key": inputs.key,
                "weeks": weeks_state,
                "computed_at": timezone.now(),
            },
        )
        summary = ComputeSummary(
            run.pk,
            everything,
            len(store_weeks),
            len(store_months),
            count,
            hidden,
            round(time.perf_counter() - started, 3),
        )
        run.finished_at = timezone.now()
        run.summary = summary.as_dict()
        run.save(update_fields=["finished_at", "summary"])
    _refresh_statistics(full=everything)
    record_audit_event(
        actor, "adoption.compute", target=f"compute-run:{run.pk}", detail=run.summary
    )
    return summary


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _week_range(first: dt.date, last: dt.date) -> list[dt.date]:
    weeks = []
    week = monday(first)
    while week <= last:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


_NO_PEOPLE = "0:0"


def _stored_weeks(state: ComputeState) -> dict[dt.date, dict[str, str]]:
    """The watermark per week; an entry of an older format reads as changed."""
    return {dt.date.fromisoformat(w): v for w, v in state.weeks.items() if isinstance(v, dict)}


def _file_fingerprints(
    root: Path, snapshots: dict[str, dict[dt.date, Path]], weeks: Iterable[dt.date]
) -> dict[dt.date, str]:
    """Per week: its snapshot files' paths, sizes and modification times."""
    result = {}
    for week in weeks:
        parts = []
        for report in sorted(snapshots):
            path = snapshots[report].get(week)
            if path is not None:
                stat = path.stat()
                parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
        result[week] = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return result


def _people_fingerprints(people: pa.Table) -> dict[dt.date, str]:
    """Per week: the number of person-week rows and an order-free hash of them."""
    connection = connect()
    try:
        connection.register("people", people)
        rows = connection.execute(
            """
            SELECT week_start, count(*), bit_xor(hash(
                person, unit_id, unit_path, former_org, is_leader, training_status, unit_type,
                employee_id
            ))
            FROM people GROUP BY week_start
            """
        ).fetchall()
    finally:
        connection.close()
    return {row[0]: f"{row[1]}:{row[2]}" for row in rows}


_FIGURE_COLUMNS = (
    "organisation_id",
    "grain",
    "period",
    "breakdown",
    "unit_id",
    "attribute",
    "n",
    "visible",
    "values",
)
_KEY_COLUMNS = ("period", "breakdown", "unit_subtree", "attribute")


@dataclass(frozen=True)
class FigureColumns:
    """The figures of one grain, column by column, sorted by period, breakdown, unit and
    attribute: what :func:`_store` writes (one row per group)."""

    grain: str
    period: pa.Array  # date32
    breakdown: list[str]
    unit: list[int | None]
    attribute: list[str]
    n: list[int]
    visible: list[bool]
    values: list[str]  # JSON text, "{}" for a hidden figure

    def __len__(self) -> int:
        return len(self.n)

    @property
    def hidden(self) -> int:
        return self.visible.count(False)


def _figures(result: pa.Table, plan: pa.Table, grain: str, wanted: set[dt.date]) -> FigureColumns:
    """Figures of the wanted periods: the engine's values (one row per group, a column per
    metric) where the plan shows the group, matched to the plan by a hash join rather than row
    by row (2.4 million groups at 50,000 employees)."""
    periods = pa.array(sorted(wanted), pa.date32())
    result = _keyed(result.filter(pc.is_in(result["period"], value_set=periods)))
    plan = _keyed(plan.filter(pc.is_in(plan["period"], value_set=periods)))
    keys = ["period", "breakdown", "unit_key", "attribute_key"]
    plan = plan.select([*keys, "n", "visible"]).rename_columns([*keys, "plan_n", "visible"])
    joined = result.join(plan, keys=keys, join_type="left outer", use_threads=False)
    planned_n = joined["plan_n"]
    disagree = pc.or_kleene(pc.is_null(planned_n), pc.not_equal(planned_n, joined["n"]))
    if pc.any(disagree).as_py():
        first = joined.filter(disagree).slice(0, 1).to_pylist()[0]
        raise RuntimeError(
            "the privacy plan and the engine disagree about the group "
            f"{tuple(first[k] for k in _KEY_COLUMNS)} (engine n={first['n']}, "
            f"plan n={first['plan_n']}); nothing was stored"
        )
    sort_keys = ("period", "breakdown", "unit_key", "attribute_key")
    order = pc.sort_indices(joined, sort_keys=[(k, "ascending") for k in sort_keys])
    joined = joined.take(order)
    visible = joined["visible"]
    # The JSON text of every visible figure, written column by column: each number in its
    # shortest form that reads back as the same double (Arrow's, as repr: 71.5, 0.1, 1e-7 — a
    # whole number without ".0", which JSON reads back equal), a missing value null.
    parts: list[object] = []
    for index, key in enumerate(sorted(REGISTRY)):
        column = joined[key]
        number = pc.cast(pc.fill_null(column, 0.0), pa.string())
        parts.append(pa.scalar(("{" if index == 0 else ", ") + json.dumps(key) + ": "))
        parts.append(pc.if_else(pc.is_null(column), pa.scalar("null"), number))
    parts.append(pa.scalar("}"))
    text = pc.binary_join_element_wise(*parts, "")
    values = pc.if_else(visible, text, pa.scalar("{}")).to_pylist()
    return FigureColumns(
        grain=grain,
        period=joined["period"].combine_chunks(),
        breakdown=joined["breakdown"].to_pylist(),
        unit=joined["unit_subtree"].to_pylist(),
        attribute=joined["attribute_key"].to_pylist(),
        n=joined["n"].to_pylist(),
        visible=visible.to_pylist(),
        values=values,
    )


def _keyed(table: pa.Table) -> pa.Table:
    """``unit_key`` and ``attribute_key``: the unit and attribute with nulls as -1 and "" (a
    null never matches in a join; the figure table stores no attribute as "")."""
    unit = pc.fill_null(table["unit_subtree"], -1)
    attribute = pc.fill_null(table["attribute"], "")
    return table.append_column("unit_key", unit).append_column("attribute_key", attribute)


def _store(organisation: Organisation, figures: FigureColumns) -> None:
    """Insert the figures: PostgreSQL's COPY, or plain INSERTs on SQLite (Django model
    instances cost more than the rows)."""
    table = connection.ops.quote_name(Figure._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _FIGURE_COLUMNS)
    size = len(figures)
    if connection.vendor == "postgresql":
        periods: list[object] = figures.period.to_pylist()
    else:  # SQLite stores dates as ISO text (what Django's adapter gives)
        periods = figures.period.cast(pa.string()).to_pylist()
    rows = zip(
        [organisation.pk] * size,
        [figures.grain] * size,
        periods,
        figures.breakdown,
        figures.unit,
        figures.attribute,
        figures.n,
        figures.visible,
        figures.values,
        strict=True,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(_FIGURE_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names only)
        while batch := list(itertools.islice(rows, 5000)):
            cursor.executemany(sql, batch)


# From this many figures a store drops the figure table's indexes and builds them again after
# writing (inside the same transaction): building an index from all rows at once is faster than
# keeping it up to date row by row (2.4 million figures: 35 s → see bench/README.md).
BULK_FIGURES = 200_000


@contextlib.contextmanager
def _bulk_writes(bulk: bool) -> Iterator[None]:
    """Within a transaction: without ``bulk`` nothing; with it, the figure table's indexes are
    dropped for the writes and built again at the end (if the writes fail, the transaction's
    rollback brings them back), and SQLite gets a larger page cache meanwhile."""
    if not bulk:
        yield
        return
    editor = connection.schema_editor(atomic=False)  # only to write the statements
    editor.deferred_sql = []  # (set when an editor is entered; this one is not)
    indexes = Figure._meta.indexes
    with connection.cursor() as cursor:
        previous_cache = None
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            previous_cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB, taken only as needed
        for index in indexes:
            cursor.execute(str(index.remove_sql(Figure, editor)))
        try:
            yield
            if connection.vendor == "postgresql":
                # The rows' foreign keys are checked at commit; PostgreSQL builds no index over
                # rows with checks pending, so check them now (then defer again, as before).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for index in indexes:
                cursor.execute(str(index.create_sql(Figure, editor)))
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            if previous_cache is not None:
                cursor.execute(f"PRAGMA cache_size = {int(previous_cache)}")


def _refresh_statistics(*, full: bool) -> None:
    """Let the database's query planner know the figure table as it now is.

    Without statistics SQLite picks between the figure table's two indexes by their shape alone
    and reads a whole breakdown of every unit where one unit's rows were asked for (a unit page
    took 0.5 s instead of 0.14 s at 50,000 employees). SQLite samples a few hundred rows per
    index (milliseconds); PostgreSQL samples on its own schedule (autovacuum), so it is asked
    only after a full recompute has replaced the table.
    """
    table = connection.ops.quote_name(Figure._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 400")
            cursor.execute(f"ANALYZE {table}")
        elif full and connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
