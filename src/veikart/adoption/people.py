"""The person-week table: who belonged where, each ISO week — the engine's denominator.

Built from the organisation (employments, unit assignments, sign-in names) and training records,
in one DuckDB query over small tables read from the database. One row per employee and ISO week
in which they were employed and assigned on the week's **Thursday** (the day ISO 8601 uses to
place a week in a month or year, and the engine's month rule): a person who starts on a Friday
counts from the next week; a move mid-week counts from the week whose Thursday is in the new unit.
When two assignments overlap on a Thursday, the one that started last wins (then the lower unit
id), so a person is in exactly one unit each week.

Columns (see :data:`veikart.adoption.engine.PEOPLE_SCHEMA`):

- ``person`` — the pseudonym the usage lake knows the person by that week. Someone who has had
  several sign-in names (Rygge staff got new ones at the merger) is looked up under the name the
  lake saw them by that week; in weeks where the lake saw none of their names, the name last seen
  in the 52 weeks before (or, when none was seen, their current one).
- ``former_org`` — the former organisation's code, null for people without one.
- ``is_leader`` — the HR manager flag (not dated: HR exports say who leads now).
- ``training_status`` — ``trained`` from the week of the first attended session of the chosen
  courses (the week holding that day); ``not_yet`` before that week for people who attended
  later, and for people enrolled (or waitlisted) in a session they have not attended yet;
  ``never`` for the rest.
- ``unit_type`` — the type of the unit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from veikart.adoption.engine import PEOPLE_SCHEMA, REGISTRY, weekly_snapshots
from veikart.adoption.engine.engine import connect, reports_of
from veikart.organisations.models import (
    Assignment,
    Employee,
    EmployeeIdentity,
    Organisation,
    Unit,
)
from veikart.trainings.constants import EnrolmentStatus
from veikart.trainings.models import Enrolment
from veikart.trainings.selectors import training_dates

TRAINED = "trained"
NOT_YET = "not_yet"
NEVER = "never"
TRAINING_STATUSES = (TRAINED, NOT_YET, NEVER)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def lake_weeks(
    lake_root: Path, reports: Iterable[str] | None = None
) -> dict[str, dict[dt.date, Path]]:
    """Per report the registry reads: its weekly snapshot file of each ISO week (by Monday)."""
    chosen = sorted(reports) if reports is not None else reports_of(list(REGISTRY.values()))
    return {report: weekly_snapshots(lake_root, report) for report in chosen}


@dataclass(frozen=True)
class PeopleInputs:
    """What the person-week table is built from, besides the lake: employees, assignments, units,
    training and sign-in names, read once. ``key`` fingerprints all of it, so that a compute run
    can tell that nothing but the lake changed without building every week's people."""

    tables: dict[str, pa.Table]
    key: str


def people_inputs(
    organisation: Organisation, *, course_codes: set[str] | None = None
) -> PeopleInputs:
    """Read the organisation's employees, assignments, units, training and sign-in names."""
    employee_rows = list(
        Employee.objects.filter(organisation=organisation)
        .order_by("pk")
        .values_list(
            "pk",
            "employment_start",
            "employment_end",
            "former_organisation__code",
            "is_manager",
            "pseudonym",
        )
    )
    assignment_rows = list(
        Assignment.objects.filter(employee__organisation=organisation)
        .order_by("pk")
        .values_list("employee_id", "unit_id", "valid_from", "valid_to")
    )
    unit_rows = list(
        Unit.objects.filter(organisation=organisation)
        .order_by("pk")
        .values_list("pk", "path", "unit_type")
    )
    trained = training_dates(course_codes)
    enrolled = set(
        Enrolment.objects.filter(
            employee__organisation=organisation,
            status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
        )
        .filter(**({"session__course__code__in": sorted(course_codes)} if course_codes else {}))
        .values_list("employee_id", flat=True)
    )
    identities = sorted(
        EmployeeIdentity.objects.filter(employee__organisation=organisation).values_list(
            "employee_id", "pseudonym", "employee__pseudonym"
        )
    )
    digest = hashlib.sha256()
    for part in (
        employee_rows,
        assignment_rows,
        unit_rows,
        sorted(trained.items()),
        sorted(enrolled),
        identities,
    ):
        digest.update(repr(part).encode())
    tables = {
        "employees": pa.table(
            {
                "employee_id": pa.array([r[0] for r in employee_rows], pa.int64()),
                "employment_start": pa.array([r[1] for r in employee_rows], pa.date32()),
                "employment_end": pa.array([r[2] for r in employee_rows], pa.date32()),
                "former_org": pa.array([r[3] for r in employee_rows], pa.string()),
                "is_leader": pa.array([r[4] for r in employee_rows], pa.bool_()),
                "current_person": pa.array([r[5] for r in employee_rows], pa.string()),
                "trained_on": pa.array([trained.get(r[0]) for r in employee_rows], pa.date32()),
                "enrolled": pa.array([r[0] in enrolled for r in employee_rows], pa.bool_()),
            }
        ),
        "assignments": pa.table(
            {
                "employee_id": pa.array([r[0] for r in assignment_rows], pa.int64()),
                "unit_id": pa.array([r[1] for r in assignment_rows], pa.int64()),
                "valid_from": pa.array([r[2] for r in assignment_rows], pa.date32()),
                "valid_to": pa.array([r[3] for r in assignment_rows], pa.date32()),
            }
        ),
        "units": pa.table(
            {
                "unit_id": pa.array([r[0] for r in unit_rows], pa.int64()),
                "unit_path": pa.array([r[1] for r in unit_rows], pa.string()),
                "unit_type": pa.array([r[2] for r in unit_rows], pa.string()),
            }
        ),
        "identities": pa.table(
            {
                "employee_id": pa.array([r[0] for r in identities], pa.int64()),
                "person": pa.array([r[1] for r in identities], pa.string()),
                "is_current": pa.array([r[1] == r[2] for r in identities], pa.bool_()),
            }
        ),
    }
    return PeopleInputs(tables=tables, key=digest.hexdigest()[:32])


def build_people(
    organisation: Organisation,
    lake_root: Path,
    weeks: Iterable[dt.date],
    *,
    course_codes: set[str] | None = None,
    inputs: PeopleInputs | None = None,
) -> pa.Table:
    """The person-week table of ``organisation`` for the given ISO weeks (their Mondays).

    A week's rows depend only on the inputs and on the lake's snapshots of that week and the
    :data:`NAME_MEMORY` before it, so building a few weeks gives the same rows for them as
    building all."""
    week_list = sorted({monday(w) for w in weeks})
    if not week_list:
        return PEOPLE_SCHEMA.empty_table()
    if inputs is None:
        inputs = people_inputs(organisation, course_codes=course_codes)
    tables = {
        **{name: table for name, table in inputs.tables.items() if name != "identities"},
        "weeks": pa.table({"week_start": pa.array(week_list, pa.date32())}),
        "names": _names_by_week(_employed(inputs, week_list), lake_root, week_list),
    }
    connection = connect()
    try:
        for name, table in tables.items():
            connection.register(f"{name}_input", table)
        result = connection.execute(_PEOPLE_SQL, {"memory_days": NAME_MEMORY.days}).to_arrow_table()
    finally:
        connection.close()
    return result.cast(PEOPLE_SCHEMA)


def _employed(inputs: PeopleInputs, weeks: list[dt.date]) -> pa.Table:
    """The sign-in names of those employed at some time in the weeks (nobody else has rows)."""
    employees = inputs.tables["employees"]
    first, last = weeks[0], weeks[-1] + dt.timedelta(days=6)
    start, end = employees["employment_start"], employees["employment_end"]
    employed = pc.and_kleene(
        pc.or_kleene(pc.is_null(start), pc.less_equal(start, pa.scalar(last, pa.date32()))),
        pc.or_kleene(pc.is_null(end), pc.greater_equal(end, pa.scalar(first, pa.date32()))),
    )
    ids = employees["employee_id"].filter(employed)
    identities = inputs.tables["identities"]
    return identities.filter(pc.is_in(identities["employee_id"], value_set=ids.combine_chunks()))


# How long a sign-in name the lake saw is remembered for the weeks after it in which the lake saw
# none of the person's names.
NAME_MEMORY = dt.timedelta(weeks=52)


# Thursday = week_start + 3. Everything is plain dates: no time zone is involved.
_PEOPLE_SQL = """
WITH placed AS (
    SELECT
        e.employee_id,
        w.week_start,
        a.unit_id,
        e.former_org,
        e.is_leader,
        e.current_person,
        e.trained_on,
        e.enrolled
    FROM weeks_input AS w
    JOIN assignments_input AS a
        ON a.valid_from <= w.week_start + 3
        AND (a.valid_to IS NULL OR a.valid_to >= w.week_start + 3)
    JOIN employees_input AS e
        ON e.employee_id = a.employee_id
        AND (e.employment_start IS NULL OR e.employment_start <= w.week_start + 3)
        AND (e.employment_end IS NULL OR e.employment_end >= w.week_start + 3)
    QUALIFY row_number() OVER (
        PARTITION BY e.employee_id, w.week_start ORDER BY a.valid_from DESC, a.unit_id
    ) = 1
),
named AS (
    SELECT
        p.*,
        CASE WHEN n.week_start >= p.week_start - CAST($memory_days AS INTEGER) THEN n.person END
            AS seen_person
    FROM placed AS p
    ASOF LEFT JOIN names_input AS n
        ON n.employee_id = p.employee_id AND n.week_start <= p.week_start
)
SELECT
    COALESCE(named.seen_person, named.current_person) AS person,
    named.week_start,
    named.unit_id,
    u.unit_path,
    named.former_org,
    named.is_leader,
    CASE
        WHEN named.trained_on IS NOT NULL
            AND date_trunc('week', named.trained_on) <= named.week_start THEN 'trained'
        WHEN named.trained_on IS NOT NULL OR named.enrolled THEN 'not_yet'
        ELSE 'never'
    END AS training_status,
    u.unit_type,
    named.employee_id
FROM named
JOIN units_input AS u ON u.unit_id = named.unit_id
ORDER BY named.week_start, named.employee_id
"""


def _names_by_week(identities: pa.Table, lake_root: Path, weeks: list[dt.date]) -> pa.Table:
    """For people with several sign-in names: which name the lake saw them by, week by week, in
    the given weeks and the :data:`NAME_MEMORY` before the first.

    Reads only the pseudonym column of the weekly snapshots, restricted to those people. A week
    in which the lake saw two of a person's names (the week of a change) keeps the current one
    if it is among them, else the greatest.
    """
    ids = identities.column("employee_id").to_pylist()
    count: dict[int, int] = {}
    for employee_id in ids:
        count[employee_id] = count.get(employee_id, 0) + 1
    several = [i for i, employee_id in enumerate(ids) if count[employee_id] > 1]
    if not several:
        return _SIGHTINGS.empty_table()
    aliases = identities.take(pa.array(several, pa.int64()))
    by_week: dict[dt.date, list[str]] = {}
    for report_weeks in lake_weeks(lake_root).values():
        for week, path in report_weeks.items():
            by_week.setdefault(week, []).append(str(path))
    # The weeks asked for first. Someone seen in the first of them needs nothing earlier (that
    # sighting is the latest before every later week); for the others the weeks before are read
    # back a few at a time, until each is seen or the memory runs out. The result is what
    # reading every week of the memory at once gives, from far fewer files on a weekly update.
    found = [_sightings(aliases, [f for w in weeks for f in by_week.get(w, [])])]
    seen_first = pc.filter(found[0]["employee_id"], pc.equal(found[0]["week_start"], weeks[0]))
    missing = aliases.filter(
        pc.invert(pc.is_in(aliases["employee_id"], value_set=seen_first.unique()))
    )
    back = weeks[0]
    earliest = weeks[0] - NAME_MEMORY
    while missing.num_rows and back > earliest:
        start = max(back - _LOOK_BACK, earliest)
        files = [f for w, paths in by_week.items() if start <= w < back for f in paths]
        back = start
        if not files:
            continue
        found.append(_sightings(missing, files))
        seen = found[-1]["employee_id"].unique()
        missing = missing.filter(pc.invert(pc.is_in(missing["employee_id"], value_set=seen)))
    return pa.concat_tables(found)


_SIGHTINGS = pa.schema(
    [("employee_id", pa.int64()), ("week_start", pa.date32()), ("person", pa.string())]
)
# Weeks read at a time when looking back for a sign-in name.
_LOOK_BACK = dt.timedelta(weeks=8)


def _sightings(aliases: pa.Table, files: list[str]) -> pa.Table:
    """Which of their names the lake's ``files`` saw the ``aliases`` by, week by week: one per
    employee and week (the current name if it is among them, else the greatest)."""
    if not files:
        return _SIGHTINGS.empty_table()
    connection = connect()
    try:
        connection.register("aliases", aliases)
        return connection.execute(
            """
            SELECT employee_id, week_start, person FROM (
                SELECT DISTINCT
                    a.employee_id,
                    CAST(date_trunc('week', s.report_refresh_date) AS DATE) AS week_start,
                    a.person,
                    a.is_current
                FROM read_parquet($files, union_by_name = true) AS s
                JOIN aliases AS a ON a.person = s.person
            )
            QUALIFY row_number() OVER (
                PARTITION BY employee_id, week_start ORDER BY is_current DESC, person DESC
            ) = 1
            """,
            {"files": files},
        ).to_arrow_table()
    finally:
        connection.close()
