"""Benchmark: adoption dashboard pages' server time at scale — stored figures (Veikart) against
computing the same numbers with pandas over the same Parquet lake on request.

Data: ``bench/adoption_engine.py``'s generated lake and person-week table (by default 50,000
people × 130 weeks, five reports, 2,209 units in four levels: municipality /1/, 8 sectors, 200
areas, 2,000 units). The database gets an organisation with those units (the same primary keys and
paths) and the figures ``veikart compute`` stores for that data: the real
:func:`veikart.adoption.services.compute_figures` (privacy plan, every metric and breakdown, weeks
and months, the same rows and the same INSERTs), with the generator's person-week table given in
place of the one built from HR data (there are no employees in this database). The built database
is kept in ``--dir`` (or the PostgreSQL database named below) and reused.

Then, each method in its own process:

  veikart  the real pages through the whole Django stack with the test Client, in-process
           (middleware, session, access, the queries, templates; the API's tables with a token):
           overview, a unit page, the comparison (top level and all 2,000 leaf units), former
           organisations, leaders, where help is needed, and the API tables — as a programme lead
           (sees everything) and as a unit manager of one sector (a subtree of 276 units);
           ``--warmups`` requests, then ``--requests`` timed ones per page: median and p95.
  pandas   the obvious alternative: on each request, read the report columns the page needs for
           the weeks it shows from the same Parquet files, join the person-week table (already
           built, read from Parquet: cheaper than building it from HR data), group and apply the
           metric formulas, with plain n < k suppression (no complementary suppression, no
           rendering) — as the programme lead.

The numbers of both are compared: the overview's latest week (every metric) and every unit
Veikart shows that week (where help is needed, all levels).

    .venv/bin/python bench/adoption_dashboards.py --people 50000 --weeks 130 --dir /tmp/bench-dash
    .venv/bin/python bench/adoption_dashboards.py --people 50000 --weeks 130 --dir /tmp/bench-dash \
        --postgres postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from adoption_engine import _leaf_paths, generate

METHODS = ("veikart", "pandas")
K = 10  # the default group threshold (VEIKART_MIN_GROUP_SIZE)
SECTOR = 2  # the first sector, /1/2/: the unit page, and the unit manager's subtree
LEAF_LEVEL = 4
SECRET = "bench-secret-key-not-for-production-" + "x" * 40
PSEUDONYM_KEY = "bench-pseudonym-key-not-for-production"

# (key, label, path): the pages both roles request.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "overview", "/bruk/"),
    ("overview-month", "overview, months", "/bruk/?periode=maned"),
    ("unit", "unit page (a sector)", f"/bruk/enheter/{SECTOR}/"),
    ("compare", "comparison (default: top level)", "/bruk/sammenlign/"),
    ("compare-leaves", "comparison, every leaf unit", f"/bruk/sammenlign/?niva={LEAF_LEVEL}"),
    ("former", "former organisations", "/bruk/tidligere-kommuner/"),
    ("leaders", "leaders", "/bruk/ledere/"),
    ("help", "where help is needed", "/bruk/hvor-trengs-hjelp/"),
    ("api-oversikt", "API table oversikt", "/api/v1/adoption/tables/oversikt"),
    (
        "api-enhet",
        "API table enhet-utvikling",
        f"/api/v1/adoption/tables/enhet-utvikling?enhet={SECTOR}",
    ),
    (
        "api-sammenligning",
        "API table sammenligning, leaf units",
        f"/api/v1/adoption/tables/sammenligning?niva={LEAF_LEVEL}",
    ),
    ("api-former", "API table tidligere-kommuner", "/api/v1/adoption/tables/tidligere-kommuner"),
    ("api-ledere", "API table ledere-enheter", "/api/v1/adoption/tables/ledere-enheter"),
    ("api-hjelp", "API table hjelp-lavest", "/api/v1/adoption/tables/hjelp-lavest"),
)
# Pages the pandas alternative computes (as the programme lead).
PANDAS_PAGES = ("overview", "unit", "compare", "compare-leaves", "former", "leaders", "help")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _organisation_name(people: int, weeks: int) -> str:
    return f"Bench kommune {people}x{weeks}"


# --- the database ------------------------------------------------------------------------------


def _django(out: Path, database_url: str, memory_mb: int | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "veikart.conf.settings"
    os.environ["VEIKART_DATA_DIR"] = str(out)
    os.environ["DATABASE_URL"] = database_url
    os.environ["VEIKART_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["VEIKART_LOG_LEVEL"] = "WARNING"  # no log line per request on stderr
    os.environ["SECRET_KEY"] = SECRET
    os.environ["VEIKART_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    if memory_mb is not None:
        os.environ["VEIKART_ANALYTICS_MEMORY_MB"] = str(memory_mb)
    import django

    django.setup()


def _units() -> list[tuple[int, int | None, str, int]]:
    """(pk, parent pk, path, depth) of every unit of the generator's tree, parents first."""
    seen: dict[int, tuple[int, int | None, str, int]] = {}
    for leaf in _leaf_paths():
        ids = [int(part) for part in leaf.strip("/").split("/")]
        for depth, pk in enumerate(ids, start=1):
            if pk not in seen:
                path = "/" + "/".join(str(i) for i in ids[:depth]) + "/"
                seen[pk] = (pk, ids[depth - 2] if depth > 1 else None, path, depth)
    return sorted(seen.values(), key=lambda row: (row[3], row[0]))


def _unit_name(depth: int, number: str) -> str:
    return {1: "Bench kommune", 2: "Sektor", 3: "Område", 4: "Enhet"}[depth] + (
        f" {number}" if depth > 1 else ""
    )


def build(out: Path, people_count: int, weeks: int) -> dict[str, Any]:
    """The organisation, its units and the stored figures; nothing when they are there."""
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection

    import veikart.adoption.services as services
    from veikart.adoption.engine import PEOPLE_SCHEMA
    from veikart.adoption.models import ComputeState, Figure
    from veikart.adoption.people import PeopleInputs
    from veikart.core.collation import sort_key
    from veikart.organisations.models import Organisation, Unit
    from veikart.organisations.services import set_up_organisation

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings: dict[str, float] = {"migrate": time.perf_counter() - started}
    name = _organisation_name(people_count, weeks)
    organisation = Organisation.objects.first()
    if organisation is not None and organisation.name != name:
        raise SystemExit(
            f"the database holds another organisation ({organisation.name}); use another"
        )
    if organisation is not None and ComputeState.objects.filter(organisation=organisation).exists():
        return {"cached": True, "figures": Figure.objects.count()}

    mark = time.perf_counter()
    organisation = set_up_organisation(
        name=name,
        merger_date=dt.date(2020, 1, 1),
        former=[
            ("moss", "Moss kommune (til 2020)", "moss.kommune.no"),
            ("rygge", "Rygge kommune (til 2020)", "rygge.kommune.no"),
        ],
    )
    if not Unit.objects.filter(organisation=organisation).exists():
        numbers: dict[int, str] = {}
        children: dict[int | None, int] = {}
        rows = []
        types = ("school", "kindergarten", "care", "office", "technical")
        for pk, parent, path, depth in _units():
            children[parent] = children.get(parent, 0) + 1
            prefix = numbers.get(parent, "") if parent is not None else ""
            number = f"{prefix}.{children[parent]}" if prefix else str(children[parent])
            numbers[pk] = number if depth > 1 else ""
            unit_name = _unit_name(depth, numbers[pk])
            rows.append(
                Unit(
                    pk=pk,
                    organisation=organisation,
                    code=f"B{pk}",
                    name=unit_name,
                    unit_type=types[pk % len(types)] if depth == LEAF_LEVEL else "office",
                    parent_id=parent,
                    path=path,
                    sort_key=sort_key(unit_name),
                )
            )
        Unit.objects.bulk_create(rows, batch_size=1000)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Unit]):
                cursor.execute(sql)
    timings["organisation and units"] = time.perf_counter() - mark

    # The generator's person-week table stands in for the one built from HR data; everything
    # after it (plan, engine, figures, storing, watermark) is compute_figures itself.
    mark = time.perf_counter()
    people = pq.read_table(out / "people.parquet")
    employee = pc.dictionary_encode(people["person"]).combine_chunks().indices
    people = people.append_column("employee_id", pc.cast(employee, pa.int64()))
    people = people.select(PEOPLE_SCHEMA.names).cast(PEOPLE_SCHEMA)
    timings["read the person-week table"] = time.perf_counter() - mark

    def people_inputs(_organisation: object, **_kwargs: object) -> PeopleInputs:
        return PeopleInputs(tables={}, key=f"bench-{people_count}x{weeks}")

    def build_people(_organisation: object, _root: object, weeks_: object, **_: object) -> pa.Table:
        wanted = pa.array(sorted(set(weeks_)), pa.date32())  # type: ignore[call-overload]
        return people.filter(pc.is_in(people["week_start"], value_set=wanted))

    services.__dict__["people_inputs"] = people_inputs
    services.__dict__["build_people"] = build_people
    steps: list[tuple[str, float]] = []
    mark = time.perf_counter()
    summary = services.compute_figures(
        organisation, full=True, progress=lambda m: steps.append((m, time.perf_counter()))
    )
    timings["compute_figures (full)"] = time.perf_counter() - mark
    step_times = _steps(steps, mark, time.perf_counter())
    return {
        "cached": False,
        "timings": timings,
        "compute steps": step_times,
        "summary": summary.as_dict(),
        "peak_mib": _peak_mib(),
    }


def _steps(steps: list[tuple[str, float]], start: float, end: float) -> dict[str, float]:
    """Seconds per step of a progress-reporting call: from each message to the next."""
    marks = [("(before the first message)", start), *steps, ("(end)", end)]
    return {message: marks[i + 1][1] - at for i, (message, at) in enumerate(marks[:-1])}


# --- the Veikart pages -------------------------------------------------------------------------


def run_veikart(out: Path, args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from veikart.adoption.models import Figure
    from veikart.core.constants import Role
    from veikart.core.services import create_api_token, grant_role
    from veikart.organisations.models import Unit

    lead, _created = User.objects.get_or_create(username="bench-lead")
    grant_role(lead, Role.PROGRAMME_LEAD)
    manager, _created = User.objects.get_or_create(username="bench-manager")
    grant_role(manager, Role.UNIT_MANAGER, unit=Unit.objects.get(pk=SECTOR))
    subtree = Unit.objects.filter(path__startswith=f"/1/{SECTOR}/").count()

    results: dict[str, Any] = {
        "database": _database_version(connection),
        "figures": {
            grain: Figure.objects.filter(grain=grain).count() for grain in ("week", "month")
        },
        "manager_units": subtree,
        "pages": {},
    }
    # As veikart's WSGI entry point does after start-up (veikart/conf/wsgi.py): what is loaded
    # now lives as long as the process, and the garbage collector need not walk it again.
    gc.collect()
    gc.freeze()
    for role, user in (("lead", lead), ("manager", manager)):
        client = Client()
        client.force_login(user)
        _record, token = create_api_token(user, "bench")
        for key, _label, url in PAGES:
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            get = functools.partial(client.get, url, headers=headers)
            response = get()
            if response.status_code != 200:
                raise SystemExit(f"{role} {url}: HTTP {response.status_code}")
            size = len(response.content)
            for _ in range(args.warmups - 1):
                get()
            # Built: the cache emptied before each request, so the page is built from the
            # stored figures (the first person to open it after a compute). Kept: the page as
            # the cache hands it to the next person with the same scope and choices.
            times = []
            for _ in range(args.requests):
                cache.clear()
                started = time.perf_counter()
                get()
                times.append(time.perf_counter() - started)
            kept = []
            for _ in range(args.requests):
                started = time.perf_counter()
                get()
                kept.append(time.perf_counter() - started)
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                get()
            sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            results["pages"][f"{role}:{key}"] = {
                "ms": [t * 1000 for t in times],
                "ms_kept": [t * 1000 for t in kept],
                "bytes": size,
                "queries": len(queries.captured_queries),
                "sql_ms": sql_ms,
            }
            if args.profile:
                cache.clear()
                _profile(out / f"profile-{role}-{key}.txt", get)
            print(f"  {role} {key}: {statistics.median(times) * 1000:.0f} ms", file=sys.stderr)
    results["checks"] = _stored_checks()
    results["peak_mib"] = _peak_mib()
    return results


def _database_version(connection: Any) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _profile(path: Path, call: Callable[[], object]) -> None:
    profile = cProfile.Profile()
    profile.enable()
    call()
    profile.disable()
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    path.write_text(text.getvalue(), encoding="utf-8")


def _stored_checks() -> dict[str, Any]:
    """The stored figures the pandas alternative's numbers are compared with."""
    from veikart.adoption.models import Figure

    latest = Figure.objects.filter(grain="week", breakdown="").order_by("-period").first()
    if latest is None:
        return {}
    units = Figure.objects.filter(
        grain="week", breakdown="unit_subtree", period=latest.period, visible=True
    ).values_list("unit_id", "n", "values")
    return {
        "period": latest.period.isoformat(),
        "overview": {"n": latest.n, "values": latest.values if latest.visible else {}},
        "units": {str(unit): [n, values.get("active_teams")] for unit, n, values in units},
    }


# --- the pandas alternative --------------------------------------------------------------------

# Per metric: its kind, the person-week column summed as numerator, and the denominator's column
# (None: the person-weeks, n), as the registry declares them (see bench/adoption_engine.py).
FORMULAS: dict[str, tuple[str, str, str | None]] = {
    "active_m365": ("percent", "m_active", None),
    "active_teams": ("percent", "t_active", None),
    "digital_breadth": ("per", "m_breadth", None),
    "email_to_teams_shift": ("ratio", "t_messages", "t_plus_e"),
    "emails_sent_per_person": ("per", "e_sent", None),
    "files_active": ("percent", "files_active", None),
    "files_per_person": ("per", "files", None),
    "meetings_attended_per_person": ("per", "t_meetings", None),
    "returning_users": ("percent", "returning", None),
    "teams_messages_per_person": ("per", "t_messages", None),
}
REPORTS_OF = {
    "active_m365": {"m365"},
    "active_teams": {"teams"},
    "digital_breadth": {"m365"},
    "email_to_teams_shift": {"teams", "email"},
    "emails_sent_per_person": {"email"},
    "files_active": {"onedrive", "sharepoint"},
    "files_per_person": {"onedrive", "sharepoint"},
    "meetings_attended_per_person": {"teams"},
    "returning_users": {"m365"},
    "teams_messages_per_person": {"teams"},
}
REPORT_KEYS = {
    "teams": "teams_user_detail",
    "email": "email_user_detail",
    "onedrive": "onedrive_user_detail",
    "sharepoint": "sharepoint_user_detail",
    "m365": "m365_active_user_detail",
}
FILE_COLUMNS = [
    "viewed_or_edited_file_count",
    "synced_file_count",
    "shared_internally_file_count",
    "shared_externally_file_count",
]
SERVICES = ("exchange", "onedrive", "sharepoint", "skype_for_business", "yammer", "teams")


class Lake:
    def __init__(self, out: Path) -> None:
        from veikart.adoption.engine import weekly_snapshots

        self.people_path = out / "people.parquet"
        self.snapshots = {
            short: weekly_snapshots(out / "lake", report) for short, report in REPORT_KEYS.items()
        }
        self.weeks = sorted(self.snapshots["teams"])
        self.latest = self.weeks[-1]

    def read(self, short: str, weeks: list[dt.date], columns: list[str]) -> pd.DataFrame:
        files = [self.snapshots[short][w] for w in weeks if w in self.snapshots[short]]
        table = pa.concat_tables(
            pq.read_table(f, columns=["person", "report_refresh_date", *columns]) for f in files
        )
        frame: pd.DataFrame = table.to_pandas(date_as_object=False)
        refresh = frame.pop("report_refresh_date").astype("datetime64[ns]")
        frame["week_start"] = refresh - pd.to_timedelta(refresh.dt.day_of_week, unit="D")
        frame["refresh"] = refresh
        return frame


def person_weeks(
    lake: Lake, weeks: list[dt.date], metrics: list[str], columns: list[str]
) -> pd.DataFrame:
    """The person-weeks of ``weeks`` with the per-person-week columns the metrics need."""
    weeks = sorted(set(weeks) & set(lake.weeks))
    pw: pd.DataFrame = pq.read_table(
        lake.people_path,
        columns=["person", "week_start", *columns],
        filters=[("week_start", "in", weeks)],
    ).to_pandas(date_as_object=False)
    pw["week_start"] = pw["week_start"].astype("datetime64[ns]")
    key = ["person", "week_start"]
    reports = set().union(*(REPORTS_OF[m] for m in metrics))

    def recent(frame: pd.DataFrame, column: str) -> pd.Series:
        return frame[column] > frame["refresh"] - pd.Timedelta(days=7)

    if "teams" in reports:
        teams = lake.read(
            "teams",
            weeks,
            [
                "private_chat_message_count",
                "team_chat_message_count",
                "call_count",
                "meeting_count",
                "meetings_attended_count",
                "last_activity_date",
            ],
        )
        teams["t_messages"] = teams["private_chat_message_count"].fillna(0) + teams[
            "team_chat_message_count"
        ].fillna(0)
        teams["t_meetings"] = (
            teams["meetings_attended_count"].fillna(teams["meeting_count"]).fillna(0)
        )
        teams["t_active"] = recent(teams, "last_activity_date") | (
            teams["t_messages"] + teams["call_count"].fillna(0) + teams["meeting_count"].fillna(0)
            > 0
        )
        pw = pw.merge(teams[[*key, "t_messages", "t_meetings", "t_active"]], on=key, how="left")
    if "email" in reports:
        email = lake.read("email", weeks, ["send_count"])
        email["e_sent"] = email["send_count"].fillna(0)
        pw = pw.merge(email[[*key, "e_sent"]], on=key, how="left")
    if "onedrive" in reports:
        for short, prefix in (("onedrive", "od"), ("sharepoint", "sp")):
            frame = lake.read(short, weeks, FILE_COLUMNS)
            frame[f"{prefix}_activity"] = frame[FILE_COLUMNS].fillna(0).sum(axis=1)
            frame[f"{prefix}_files"] = frame["viewed_or_edited_file_count"].fillna(0)
            pw = pw.merge(
                frame[[*key, f"{prefix}_activity", f"{prefix}_files"]], on=key, how="left"
            )
        for column in ("od_activity", "od_files", "sp_activity", "sp_files"):
            pw[column] = pw[column].fillna(0)
        pw["files_active"] = (pw["od_activity"] + pw["sp_activity"]) > 0
        pw["files"] = pw["od_files"] + pw["sp_files"]
    if "m365" in reports:
        before = [w - dt.timedelta(days=7) for w in weeks]
        m365 = lake.read(
            "m365",
            sorted(set(weeks) | set(before)),
            [f"{s}_last_activity_date" for s in SERVICES],
        )
        flags = {s: recent(m365, f"{s}_last_activity_date") for s in SERVICES}
        m365["m_active"] = pd.concat(flags.values(), axis=1).any(axis=1)
        m365["m_breadth"] = sum(
            flags[s].astype(int) for s in ("exchange", "teams", "onedrive", "sharepoint", "yammer")
        )
        pw = pw.merge(m365[[*key, "m_active", "m_breadth"]], on=key, how="left")
        previous = m365[[*key, "m_active"]].rename(columns={"m_active": "m_previous"})
        previous["week_start"] = previous["week_start"] + pd.Timedelta(days=7)
        pw = pw.merge(previous, on=key, how="left")
        pw["m_breadth"] = pw["m_breadth"].fillna(0)
        for column in ("m_active", "m_previous"):
            pw[column] = pw[column].astype("boolean").fillna(False).astype(bool)
        pw["returning"] = pw["m_active"] & pw["m_previous"]
    for column in ("t_messages", "t_meetings", "e_sent"):
        if column in pw:
            pw[column] = pw[column].fillna(0)
    if "t_active" in pw:
        pw["t_active"] = pw["t_active"].astype("boolean").fillna(False).astype(bool)
    if "t_messages" in pw and "e_sent" in pw:
        pw["t_plus_e"] = pw["t_messages"] + pw["e_sent"]
    return pw


def aggregate(pw: pd.DataFrame, keys: list[str], metrics: list[str]) -> pd.DataFrame:
    """Every metric per group, hidden (NaN) where the group has fewer than k people."""
    sums: dict[str, tuple[str, str]] = {"n": ("person", "size")}
    for metric in metrics:
        _kind, numerator, denominator = FORMULAS[metric]
        sums[numerator] = (numerator, "sum")
        if denominator:
            sums[denominator] = (denominator, "sum")
    grouped = pw.groupby(keys, observed=True, dropna=False).agg(**sums)
    result = pd.DataFrame({"n": grouped["n"]})
    for metric in metrics:
        kind, numerator, denominator = FORMULAS[metric]
        if kind == "percent":
            value = 100 * grouped[numerator] / grouped["n"]
        elif kind == "per":
            value = grouped[numerator] / grouped["n"]
        else:
            assert denominator is not None
            value = grouped[numerator] / grouped[denominator].replace(0, np.nan)
        result[metric] = value.where(grouped["n"] >= K)
    return result


def _level(paths: pd.Series, level: int) -> pd.Series:
    """The unit at ``level`` above each path (None where the path is shallower)."""
    return paths.str.split("/").str[level].replace("", None)


def pandas_page(lake: Lake, kind: str, metric: str = "active_teams") -> dict[str, Any]:
    """The numbers one page shows, computed from the lake on request (as the programme lead)."""
    latest = lake.latest
    previous = latest - dt.timedelta(days=7)
    year = dt.date.fromisocalendar(latest.isocalendar()[0] - 1, latest.isocalendar()[1], 1)
    if kind == "overview":
        # Trend: the chosen metric, every week; the headline sparklines (26 weeks) and the
        # table of every metric now, a week and a year before.
        trend = aggregate(person_weeks(lake, lake.weeks, [metric], []), ["week_start"], [metric])
        recent = [*lake.weeks[-26:], year]
        every = sorted(FORMULAS)
        table = aggregate(person_weeks(lake, recent, every, []), ["week_start"], every)
        now = table.loc[pd.Timestamp(latest)]
        return {"rows": len(trend) + len(table), "latest": now.to_dict()}
    if kind == "unit":
        path = f"/1/{SECTOR}/"
        pw = person_weeks(lake, lake.weeks, [metric], ["unit_path", "training_status", "is_leader"])
        whole = aggregate(pw, ["week_start"], [metric])
        own = pw[pw["unit_path"].str.startswith(path)]
        parts = [
            aggregate(own, ["week_start"], [metric]),
            aggregate(own, ["week_start", "training_status"], [metric]),
            aggregate(own, ["week_start", "is_leader"], [metric]),
        ]
        last_two = own[own["week_start"].isin([pd.Timestamp(latest), pd.Timestamp(previous)])]
        last_two = last_two.assign(child=_level(last_two["unit_path"], 3))
        parts.append(
            aggregate(last_two.dropna(subset=["child"]), ["week_start", "child"], [metric])
        )
        return {"rows": len(whole) + sum(len(p) for p in parts)}
    if kind in ("compare", "compare-leaves"):
        level = 1 if kind == "compare" else LEAF_LEVEL
        pw = person_weeks(lake, [latest, previous, year], [metric], ["unit_path"])
        pw = pw.assign(unit=_level(pw["unit_path"], level)).dropna(subset=["unit"])
        table = aggregate(pw, ["week_start", "unit"], [metric])
        now = table.xs(pd.Timestamp(latest), level="week_start")
        return {
            "rows": len(table),
            "units": {str(u): [int(r["n"]), r[metric]] for u, r in now.iterrows()},
        }
    if kind == "help":
        start = latest - dt.timedelta(weeks=8)
        pw = person_weeks(lake, [latest, start], [metric], ["unit_path"])
        paths = pd.DataFrame({"unit_path": pw["unit_path"].unique()})
        paths["unit"] = paths["unit_path"].str.strip("/").str.split("/")
        exploded = pw.merge(paths.explode("unit"), on="unit_path")
        table = aggregate(exploded, ["week_start", "unit"], [metric])
        now = table.xs(pd.Timestamp(latest), level="week_start")
        return {
            "rows": len(table),
            "units": {str(u): [int(r["n"]), r[metric]] for u, r in now.iterrows()},
        }
    if kind == "former":
        pw = person_weeks(lake, lake.weeks, [metric], ["former_org"])
        parts = [aggregate(pw, ["week_start", "former_org"], [metric])]
        parts.append(aggregate(pw, ["week_start"], [metric]))
        return {"rows": sum(len(p) for p in parts)}
    if kind == "leaders":
        pw = person_weeks(lake, lake.weeks, [metric], ["is_leader"])
        return {"rows": len(aggregate(pw, ["week_start", "is_leader"], [metric]))}
    raise ValueError(kind)


def run_pandas(out: Path, args: argparse.Namespace) -> dict[str, Any]:
    lake = Lake(out)
    results: dict[str, Any] = {"pages": {}}
    checks: dict[str, Any] = {"period": lake.latest.isoformat()}
    for kind in PANDAS_PAGES:
        answer = pandas_page(lake, kind)  # warm-up: the files in the page cache
        times = []
        for _ in range(args.pandas_requests):
            started = time.perf_counter()
            answer = pandas_page(lake, kind)
            times.append(time.perf_counter() - started)
        if kind == "overview":
            checks["overview"] = answer["latest"]
        if kind == "help":
            checks["units"] = answer["units"]
        results["pages"][f"lead:{kind}"] = {"ms": [t * 1000 for t in times]}
        print(f"  pandas {kind}: {statistics.median(times) * 1000:.0f} ms", file=sys.stderr)
    results["checks"] = checks
    results["peak_mib"] = _peak_mib()
    return results


def compare_numbers(stored: dict[str, Any], computed: dict[str, Any]) -> str:
    """How the pandas numbers agree with the stored figures Veikart shows."""
    if not stored or stored.get("period") != computed.get("period"):
        return "not compared (no stored figures for the latest week)"
    differences = []
    overview = computed["overview"]
    for metric, value in stored["overview"]["values"].items():
        other = overview.get(metric)
        if value is not None and other is not None and not np.isnan(other):
            differences.append(abs(value - other))
    units = 0
    n_differ = 0
    for unit, (n, value) in stored["units"].items():
        found = computed["units"].get(unit)
        if found is None:
            n_differ += 1
            continue
        units += 1
        n_differ += int(found[0] != n)
        if value is not None and found[1] is not None and not np.isnan(found[1]):
            differences.append(abs(value - found[1]))
    return (
        f"overview ({len(stored['overview']['values'])} metrics) and the {units:,} units Veikart "
        f"shows (active in Teams): largest |difference| {max(differences, default=0):.3g}, "
        f"group sizes differing: {n_differ}"
    )


# --- the run -----------------------------------------------------------------------------------


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}"


def _postgres_database(server: str, name: str, *, drop: bool = False) -> str:
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if drop:
            if exists:
                connection.execute(f'DROP DATABASE "{name}"')
        elif not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server.rstrip('/')}/{name}"


def _child(method: str, out: Path, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        *("--child", method, "--dir", str(out), "--database-url", database_url),
        *("--people", str(args.people), "--weeks", str(args.weeks)),
        *("--requests", str(args.requests), "--warmups", str(args.warmups)),
        *("--pandas-requests", str(args.pandas_requests)),
        *(["--memory-mb", str(args.memory_mb)] if args.memory_mb else []),
        *(["--profile"] if args.profile else []),
    ]
    done = subprocess.run(  # noqa: S603 - this script, with our own arguments
        command, stdout=subprocess.PIPE, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _summary(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered), p95


def report(veikart: dict[str, Any] | None, pandas_: dict[str, Any] | None) -> None:
    labels = {key: label for key, label, _url in PAGES}
    print()
    print(
        "| page | lead median | lead p95 | lead kept | manager median | manager p95 "
        "| manager kept | queries (lead) | HTML/JSON (lead) | pandas on request, median |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, _label, _url in PAGES:
        cells = [labels[key]]
        for role in ("lead", "manager"):
            page = (veikart or {}).get("pages", {}).get(f"{role}:{key}")
            if page:
                median, p95 = _summary(page["ms"])
                kept = _summary(page["ms_kept"])[0] if page.get("ms_kept") else None
                kept_text = f"{kept:.0f} ms" if kept is not None else ""
                cells += [f"{median:.0f} ms", f"{p95:.0f} ms", kept_text]
            else:
                cells += ["", "", ""]
        lead = (veikart or {}).get("pages", {}).get(f"lead:{key}")
        cells.append(f"{lead['queries']} ({lead['sql_ms']:.0f} ms)" if lead else "")
        cells.append(f"{lead['bytes'] / 1024:.0f} KiB" if lead else "")
        other = (pandas_ or {}).get("pages", {}).get(f"lead:{key}")
        cells.append(f"{_summary(other['ms'])[0]:.0f} ms" if other else "")
        print("| " + " | ".join(cells) + " |")
    print()


def prepare_data(out: Path, people: int, weeks: int, postgres: str | None) -> str:
    """Generate the lake into ``out`` unless it holds this scale already (refuse another scale);
    the URL of the database the figures go in (SQLite in ``out``, or one on ``postgres``)."""
    scale = {"people": people, "weeks": weeks}
    scale_file = out / "scale.json"
    if scale_file.exists() and json.loads(scale_file.read_text()) != scale:
        raise SystemExit(f"{out} holds data of another scale: {scale_file.read_text()}")
    if not (out / "people.parquet").exists():
        started = time.perf_counter()
        generate(out, people, weeks)
        scale_file.write_text(json.dumps(scale))
        print(f"generated the lake in {time.perf_counter() - started:.1f} s")
    if postgres:
        return _postgres_database(postgres, f"veikart_bench_dash_{people}x{weeks}")
    return f"sqlite:///{out / 'veikart.sqlite3'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=130)
    parser.add_argument("--dir", type=Path, help="reuse or keep the data and SQLite file here")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432: the database "
        "veikart_bench_dash_<people>x<weeks> is created there (and kept, for reuse)",
    )
    parser.add_argument("--drop", action="store_true", help="drop that database at the end")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmups", type=int, default=3, help="requests before timing")
    parser.add_argument("--pandas-requests", type=int, default=5, help="timed pandas runs")
    parser.add_argument("--memory-mb", type=int, help="DuckDB's memory limit for the build")
    parser.add_argument("--only", choices=METHODS, help="run one method")
    parser.add_argument("--profile", action="store_true", help="cProfile one request per page")
    parser.add_argument("--child", choices=(*METHODS, "build"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out: Path = args.dir
        if args.child == "pandas":
            result = run_pandas(out, args)
        else:
            _django(out, args.database_url, args.memory_mb)
            if args.child == "build":
                result = build(out, args.people, args.weeks)
            else:
                result = run_veikart(out, args)
        print(json.dumps(result, default=str))
        return

    with tempfile.TemporaryDirectory(prefix="veikart-bench-") as scratch:
        out = args.dir or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        database_url = prepare_data(out, args.people, args.weeks, args.postgres)
        print(
            f"{args.people:,} people × {args.weeks} weeks, {len(_units()):,} units; {_machine()}; "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
        started = time.perf_counter()
        built = _child("build", out, database_url, args)
        if built["cached"]:
            print(f"database reused: {built['figures']:,} figures")
        else:
            summary = built["summary"]
            print(
                f"database built in {time.perf_counter() - started:.1f} s: "
                f"{summary['figures']:,} figures ({summary['hidden']:,} hidden), "
                f"peak {built['peak_mib']:.0f} MiB"
            )
            for name, seconds in {**built["timings"], **built["compute steps"]}.items():
                print(f"  {name}: {seconds:.1f} s")
        results: dict[str, dict[str, Any] | None] = {"veikart": None, "pandas": None}
        for method in [args.only] if args.only else METHODS:
            print(f"{method} …", file=sys.stderr)
            results[method] = _child(method, out, database_url, args)
        veikart, pandas_ = results["veikart"], results["pandas"]
        if veikart:
            figures = veikart["figures"]
            print(
                f"{veikart['database']}: {figures['week']:,} week and {figures['month']:,} month "
                f"figures; unit manager of a sector of {veikart['manager_units']} units; "
                f"{args.requests} requests per page after {args.warmups} warm-ups "
                f"(peak {veikart['peak_mib']:.0f} MiB)"
            )
        if pandas_:
            print(
                f"pandas: {args.pandas_requests} runs per page after one warm-up "
                f"(peak {pandas_['peak_mib']:.0f} MiB)"
            )
        report(veikart, pandas_)
        if veikart and pandas_:
            print("numbers: " + compare_numbers(veikart["checks"], pandas_["checks"]))
        if args.profile:
            print(f"profiles: {out}/profile-<role>-<page>.txt")
        print(
            "load average after: " + " ".join(f"{x:.1f}" for x in os.getloadavg()),
        )
        if args.postgres and args.drop:
            _postgres_database(
                args.postgres, f"veikart_bench_dash_{args.people}x{args.weeks}", drop=True
            )


if __name__ == "__main__":
    main()
