"""Benchmark: the adoption metrics engine against a plain pandas groupby of the same result.

Generates a usage lake for a large municipality — by default 50,000 people × 52 weeks — as weekly
(D7) user-detail snapshots written with the real lake writer, straight from Arrow tables (no CSV):
Teams, e-mail and OneDrive, plus SharePoint and the Microsoft 365 active-user report, so that every
metric in the registry has its data. Units form a four-level tree (municipality, 8 sectors, 200
areas, 2,000 units) and 1 % of the people move to another unit during the year.

Then times, each in its own process so that its peak memory is its own:

  engine   veikart.adoption.engine.compute: every metric of the registry, by unit subtree, per
           ISO week (DuckDB in memory over the Parquet files);
  pandas   the obvious alternative: read the same snapshots with pyarrow, merge them onto the
           person-weeks, explode the unit paths, one groupby, the same formulas by hand.

Both start from the people table already in memory (the caller's input) and read the lake
themselves; the time covers reading, joining and aggregating. The results are compared cell by
cell. Peak memory is the process's maximum resident set size.

    .venv/bin/python bench/adoption_engine.py --people 50000 --weeks 52
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from veikart.adoption.engine import REGISTRY, compute, weekly_snapshots
from veikart.usage.contract import ReportInfo
from veikart.usage.formats import REPORTS, UPN
from veikart.usage.lake import write_snapshot

FIRST_MONDAY = dt.date(2020, 1, 6)
METHODS = ("engine", "pandas")
SERVICES = ("exchange", "onedrive", "sharepoint", "skype_for_business", "yammer", "teams")
NEVER = dt.date(2019, 1, 1)  # a last-activity date long before any window


# --- data --------------------------------------------------------------------------------------


def generate(out: Path, people: int, weeks: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    lake = out / "lake"
    units = _leaf_paths()
    unit = rng.integers(0, len(units), people)
    mover = rng.random(people) < 0.01
    move_week = rng.integers(1, max(weeks, 2), people)
    new_unit = rng.integers(0, len(units), people)
    leader = rng.random(people) < 0.06
    trained_week = np.where(rng.random(people) < 0.4, rng.integers(0, weeks, people), -1)
    frontline = rng.random(people) < 0.5
    # per-person activity levels
    level = rng.gamma(2.0, 0.5, people)
    adopt_week = np.where(
        frontline, rng.integers(10, 3 * weeks, people), rng.integers(-10, weeks, people)
    )
    # Real pseudonyms: HMAC-SHA-256 as 64 hex digits (too long for DuckDB's inlined strings).
    names = np.array(
        [hashlib.sha256(f"person-{i}".encode()).hexdigest() for i in range(people)], dtype=object
    )

    rows = []
    for t in range(weeks):
        monday = FIRST_MONDAY + dt.timedelta(weeks=t)
        where = np.where(mover & (t >= move_week), new_unit, unit)
        status = np.where(
            trained_week < 0, "never", np.where(trained_week <= t, "trained", "not_yet")
        )
        rows.append(
            pa.table(
                {
                    "person": pa.array(names, pa.string()),
                    "week_start": pa.array([monday] * people, pa.date32()),
                    "unit_id": pa.array(units_id(units)[where], pa.int64()),
                    "unit_path": pa.array(np.array(units, dtype=object)[where], pa.string()),
                    "former_org": pa.array(np.where(unit % 3 == 0, "rygge", "moss"), pa.string()),
                    "is_leader": pa.array(leader, pa.bool_()),
                    "training_status": pa.array(status, pa.string()),
                    "unit_type": pa.array(np.where(frontline, "care", "office"), pa.string()),
                }
            )
        )
        sunday = monday + dt.timedelta(days=6)
        adopted = t >= adopt_week
        present = rng.random(people) < 0.97  # licensed users listed in the file
        counts = _counts(rng, level, adopted, frontline, people)
        idx = np.flatnonzero(present)
        for report, columns in _report_columns(rng, counts, sunday, people).items():
            _write(lake, report, sunday, names[idx], {k: v[idx] for k, v in columns.items()})
        print(f"  week {t + 1}/{weeks}", end="\r", file=sys.stderr)
    pq.write_table(pa.concat_tables(rows), out / "people.parquet")
    print(file=sys.stderr)


def _leaf_paths() -> list[str]:
    paths = []
    next_id = 2
    for _sector in range(8):
        sector = next_id
        next_id += 1
        for _area in range(25):
            area = next_id
            next_id += 1
            for _unit in range(10):
                paths.append(f"/1/{sector}/{area}/{next_id}/")
                next_id += 1
    return paths


def units_id(paths: list[str]) -> np.ndarray:
    return np.array([int(p.strip("/").split("/")[-1]) for p in paths], dtype=np.int64)


def _counts(
    rng: np.random.Generator,
    level: np.ndarray,
    adopted: np.ndarray,
    frontline: np.ndarray,
    people: int,
) -> dict[str, np.ndarray]:
    desk = np.where(frontline, 0.3, 1.0) * level
    teams = np.where(adopted, desk, 0.0)
    return {
        "private": rng.poisson(12 * teams),
        "channel": rng.poisson(3 * teams),
        "calls": rng.poisson(1 * teams),
        "meetings": rng.poisson(2 * teams),
        "sent": rng.poisson(15 * desk),
        "read": rng.poisson(40 * desk),
        "od_files": rng.poisson(5 * desk * np.where(adopted, 1.0, 0.3)),
        "od_synced": rng.poisson(1 * desk),
        "sp_files": rng.poisson(3 * desk),
        "sp_pages": rng.poisson(6 * level),
        "yammer": (rng.random(people) < 0.05).astype(np.int64),
    }


def _report_columns(
    rng: np.random.Generator, c: dict[str, np.ndarray], sunday: dt.date, people: int
) -> dict[str, dict[str, np.ndarray]]:
    day = np.datetime64(sunday, "D")
    never = np.datetime64(NEVER, "D")

    def last(active: np.ndarray) -> np.ndarray:
        return np.where(active, day - rng.integers(0, 7, people), never)

    teams_active = (c["private"] + c["channel"] + c["calls"] + c["meetings"]) > 0
    mail_active = (c["sent"] + c["read"]) > 0
    od_active = (c["od_files"] + c["od_synced"]) > 0
    sp_active = (c["sp_files"] + c["sp_pages"]) > 0
    return {
        "teams_user_detail": {
            "private_chat_message_count": c["private"],
            "team_chat_message_count": c["channel"],
            "call_count": c["calls"],
            "meeting_count": c["meetings"],
            "meetings_attended_count": c["meetings"],
            "last_activity_date": last(teams_active),
        },
        "email_user_detail": {
            "send_count": c["sent"],
            "read_count": c["read"],
            "receive_count": c["read"] + 5,
            "last_activity_date": last(mail_active),
        },
        "onedrive_user_detail": {
            "viewed_or_edited_file_count": c["od_files"],
            "synced_file_count": c["od_synced"],
            "shared_internally_file_count": np.zeros(people, np.int64),
            "shared_externally_file_count": np.zeros(people, np.int64),
            "last_activity_date": last(od_active),
        },
        "sharepoint_user_detail": {
            "viewed_or_edited_file_count": c["sp_files"],
            "synced_file_count": np.zeros(people, np.int64),
            "shared_internally_file_count": np.zeros(people, np.int64),
            "shared_externally_file_count": np.zeros(people, np.int64),
            "visited_page_count": c["sp_pages"],
            "last_activity_date": last(sp_active),
        },
        "m365_active_user_detail": {
            "exchange_last_activity_date": last(mail_active),
            "onedrive_last_activity_date": last(od_active),
            "sharepoint_last_activity_date": last(sp_active),
            "teams_last_activity_date": last(teams_active),
            "yammer_last_activity_date": last(c["yammer"] > 0),
        },
    }


def _write(
    lake: Path, report: str, sunday: dt.date, names: np.ndarray, columns: dict[str, np.ndarray]
) -> None:
    fmt = REPORTS[report]
    n = len(names)
    period = None if report == "m365_active_user_detail" else 7
    given: dict[str, pa.Array] = {
        "person": pa.array(names, pa.string()),
        "report_refresh_date": pa.array([sunday] * n, pa.date32()),
        "report_period": pa.array([period] * n, pa.int32()),
        **{name: pa.array(values) for name, values in columns.items()},
    }
    arrays = {}
    for f in fmt.fields:
        name = "person" if f.name == UPN else f.name
        arrays[name] = given[name].cast(f.type) if name in given else pa.nulls(n, f.type)
    info = ReportInfo(
        report=report,
        graph_name=fmt.graph_name,
        form="period",
        refresh_date=sunday,
        period_days=period,
        report_date=None,
        concealed=False,
        header_version="bench",
        unknown_columns=(),
    )
    table = pa.table(arrays)
    write_snapshot(
        lake,
        info,
        table.to_batches(max_chunksize=1 << 20),
        sha256=f"{report}-{sunday}",
        transform=lambda b: b,
    )


# --- the two methods ---------------------------------------------------------------------------


def run_engine(lake: Path, people: pa.Table) -> pd.DataFrame:
    table = compute(lake, people, metrics=list(REGISTRY), grain="week", groups=["unit_subtree"])
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _read(lake: Path, report: str, columns: list[str]) -> pd.DataFrame:
    files = list(weekly_snapshots(lake, report).values())
    table = pa.concat_tables(
        pq.read_table(f, columns=["person", "report_refresh_date", *columns]) for f in files
    )
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    refresh = frame.pop("report_refresh_date").astype("datetime64[ns]")
    frame["week_start"] = refresh - pd.to_timedelta(refresh.dt.weekday, unit="D")
    frame["refresh"] = refresh
    return frame


def run_pandas(lake: Path, people_table: pa.Table) -> pd.DataFrame:
    people = people_table.select(["person", "week_start", "unit_path"]).to_pandas(
        date_as_object=False
    )
    people["week_start"] = people["week_start"].astype("datetime64[ns]")
    key = ["person", "week_start"]

    def recent(frame: pd.DataFrame, column: str) -> pd.Series:
        return frame[column] > frame["refresh"] - pd.Timedelta(days=7)

    teams = _read(
        lake,
        "teams_user_detail",
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
    teams["t_meetings"] = teams["meetings_attended_count"].fillna(teams["meeting_count"]).fillna(0)
    teams["t_active"] = recent(teams, "last_activity_date") | (
        teams["t_messages"] + teams["call_count"].fillna(0) + teams["meeting_count"].fillna(0) > 0
    )
    email = _read(lake, "email_user_detail", ["send_count"])
    email["e_sent"] = email["send_count"].fillna(0)
    file_columns = [
        "viewed_or_edited_file_count",
        "synced_file_count",
        "shared_internally_file_count",
        "shared_externally_file_count",
    ]
    onedrive = _read(lake, "onedrive_user_detail", file_columns)
    sharepoint = _read(lake, "sharepoint_user_detail", file_columns)
    for frame, prefix in ((onedrive, "od"), (sharepoint, "sp")):
        frame[f"{prefix}_activity"] = frame[file_columns].fillna(0).sum(axis=1)
        frame[f"{prefix}_files"] = frame["viewed_or_edited_file_count"].fillna(0)
    m365 = _read(lake, "m365_active_user_detail", [f"{s}_last_activity_date" for s in SERVICES])
    flags = {s: recent(m365, f"{s}_last_activity_date") for s in SERVICES}
    m365["m_active"] = pd.concat(flags.values(), axis=1).any(axis=1)
    m365["m_breadth"] = sum(
        flags[s].astype(int) for s in ("exchange", "teams", "onedrive", "sharepoint", "yammer")
    )

    pw = people
    for frame, columns in (
        (teams, ["t_messages", "t_meetings", "t_active"]),
        (email, ["e_sent"]),
        (onedrive, ["od_activity", "od_files"]),
        (sharepoint, ["sp_activity", "sp_files"]),
        (m365, ["m_active", "m_breadth"]),
    ):
        pw = pw.merge(frame[key + columns], on=key, how="left")
    previous = m365[[*key, "m_active"]].rename(columns={"m_active": "m_previous"})
    previous["week_start"] = previous["week_start"] + pd.Timedelta(days=7)
    pw = pw.merge(previous, on=key, how="left")
    for column in ("t_messages", "t_meetings", "e_sent", "od_activity", "od_files"):
        pw[column] = pw[column].fillna(0)
    for column in ("sp_activity", "sp_files", "m_breadth"):
        pw[column] = pw[column].fillna(0)
    for column in ("t_active", "m_active", "m_previous"):
        pw[column] = pw[column].astype("boolean").fillna(False).astype(bool)
    pw["files_active"] = (pw["od_activity"] + pw["sp_activity"]) > 0
    pw["files"] = pw["od_files"] + pw["sp_files"]
    pw["returning"] = pw["m_active"] & pw["m_previous"]
    pw["t_plus_e"] = pw["t_messages"] + pw["e_sent"]

    paths = pd.DataFrame({"unit_path": pw["unit_path"].unique()})
    paths["unit_subtree"] = paths["unit_path"].str.strip("/").str.split("/")
    paths = paths.explode("unit_subtree")
    paths["unit_subtree"] = paths["unit_subtree"].astype("int64")
    exploded = pw.drop(columns=["person"]).merge(paths, on="unit_path")
    sums = exploded.groupby(["week_start", "unit_subtree"]).agg(
        n=("unit_path", "size"),
        active_teams=("t_active", "sum"),
        active_m365=("m_active", "sum"),
        files_active=("files_active", "sum"),
        returning=("returning", "sum"),
        messages=("t_messages", "sum"),
        meetings=("t_meetings", "sum"),
        sent=("e_sent", "sum"),
        files=("files", "sum"),
        breadth=("m_breadth", "sum"),
        t_plus_e=("t_plus_e", "sum"),
    )
    first_week = sums.index.get_level_values("week_start").min()
    values = pd.DataFrame(
        {
            "active_m365": 100 * sums["active_m365"] / sums["n"],
            "active_teams": 100 * sums["active_teams"] / sums["n"],
            "digital_breadth": sums["breadth"] / sums["n"],
            "email_to_teams_shift": sums["messages"] / sums["t_plus_e"].replace(0, np.nan),
            "emails_sent_per_person": sums["sent"] / sums["n"],
            "files_active": 100 * sums["files_active"] / sums["n"],
            "files_per_person": sums["files"] / sums["n"],
            "meetings_attended_per_person": sums["meetings"] / sums["n"],
            "returning_users": (100 * sums["returning"] / sums["n"]).where(
                sums.index.get_level_values("week_start") != first_week
            ),
            "teams_messages_per_person": sums["messages"] / sums["n"],
        }
    )
    long = values.reset_index().melt(
        id_vars=["week_start", "unit_subtree"], var_name="metric", value_name="value"
    )
    long = long.merge(sums["n"].reset_index(), on=["week_start", "unit_subtree"])
    long = long.rename(columns={"week_start": "period"})
    return long.sort_values(["period", "unit_subtree", "metric"]).reset_index(drop=True)


def child(method: str, out: Path) -> None:
    people = pq.read_table(out / "people.parquet")
    before = _peak_mib()
    started = time.perf_counter()
    result = (
        run_engine(out / "lake", people) if method == "engine" else run_pandas(out / "lake", people)
    )
    seconds = time.perf_counter() - started
    result.to_parquet(out / f"result-{method}.parquet")
    print(
        json.dumps(
            {"seconds": seconds, "peak_mib": _peak_mib(), "before_mib": before, "rows": len(result)}
        )
    )


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def compare(out: Path) -> float:
    engine = pd.read_parquet(out / "result-engine.parquet")
    other = pd.read_parquet(out / "result-pandas.parquet")
    engine["period"] = pd.to_datetime(engine["period"])
    other["period"] = pd.to_datetime(other["period"])
    key = ["period", "unit_subtree", "metric"]
    merged = engine.merge(other, on=key, suffixes=("_engine", "_pandas"), how="outer")
    assert len(merged) == len(engine) == len(other), (len(merged), len(engine), len(other))
    assert (merged["n_engine"] == merged["n_pandas"]).all()
    both_null = merged["value_engine"].isna() & merged["value_pandas"].isna()
    assert (both_null | (merged["value_engine"].notna() & merged["value_pandas"].notna())).all()
    return float((merged["value_engine"] - merged["value_pandas"]).abs().max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--runs", type=int, default=1, help="runs of each method, interleaved")
    parser.add_argument("--dir", type=Path, help="reuse or keep the data here")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dir)
        return
    with tempfile.TemporaryDirectory(prefix="veikart-bench-") as scratch:
        out = args.dir or Path(scratch)
        if not (out / "people.parquet").exists():
            started = time.perf_counter()
            generate(out, args.people, args.weeks)
            print(f"generated the lake in {time.perf_counter() - started:.1f} s")
        size = sum(p.stat().st_size for p in (out / "lake").rglob("*.parquet"))
        print(
            f"{args.people:,} people × {args.weeks} weeks, 5 reports, "
            f"{size / 2**20:.0f} MiB of Parquet; "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        for run in range(args.runs):
            for method in METHODS:
                done = subprocess.run(  # noqa: S603 - this script, with our own arguments
                    [sys.executable, __file__, "--child", method, "--dir", str(out)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(done.stdout.strip().splitlines()[-1])
                print(
                    f"run {run + 1} {method:7} {result['seconds']:6.2f} s  "
                    f"peak {result['peak_mib']:6.0f} MiB "
                    f"(people loaded: {result['before_mib']:.0f} MiB)  {result['rows']:,} rows"
                )
        print(f"max |engine − pandas| over all cells: {compare(out):.3g}")


if __name__ == "__main__":
    main()
