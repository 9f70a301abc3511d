"""Benchmark: the weekly ``veikart compute`` after a new week of usage, at scale, through the real
Django pipeline — against recomputing everything on the same data.

The data is the demo simulator's organisation ("Nye Moss": Moss + Rygge, merged 2020-01-01) at
``--employees`` people, with ``--weeks`` weeks of the five Microsoft 365 user-detail reports and
the organisation-level series (130 weeks: 2019-01-01 … 2021-06-30; fewer weeks are placed around
the merger, which the simulation must span). The state before the last week is built once and
kept in ``--dir``:

  1. the simulator writes its files (HR export snapshots, usage reports, training records);
  2. the HR snapshots go through the HR import (``apply_import``, as ``veikart demo`` does), the
     training records through the training import;
  3. every usage file except the last week's is ingested (``ingest_paths``, ``compute=False``);
  4. one full ``compute_figures``.

Each run starts from a copy of that state (the SQLite file copied, or a PostgreSQL database made
from it as a template; the lake hard-linked) and times, each method in its own process, one after
the other on that copy:

  incremental  ingest the last week's files (``compute=False``), then ``compute_figures()``: it
               recomputes that week, the next and their month, building the people of just the
               weeks it needs when HR and training are unchanged; then ``compute_figures()``
               once more, which finds nothing to do;
  full         ``compute_figures(full=True)`` on the same data (with ``--only full``, the last
               week is ingested first, untimed): every week and month again.

Step times come from the compute service's progress messages (the time from each message to the
next). Peak memory is each process's maximum resident set size.

    .venv/bin/python bench/adoption_incremental.py --employees 50000 --dir /tmp/bench-incr
    .venv/bin/python bench/adoption_incremental.py --employees 50000 --dir /tmp/bench-incr \
        --postgres postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

METHODS = ("incremental", "full")
SECRET = "bench-secret-key-not-for-production-" + "x" * 40
PSEUDONYM_KEY = "bench-pseudonym-key-not-for-production"
MERGER = dt.date(2020, 1, 1)
FULL_START = dt.date(2019, 1, 1)
_DATED = re.compile(r"_(\d{4}-\d{2}-\d{2})\.csv$")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simulation_config(employees: int, weeks: int) -> Any:
    """The simulator's configuration: 130 weeks from 2019-01-01 (the demo's span), or fewer
    weeks around the merger."""
    from veikart.demo.simulator.config import SimulationConfig

    start = FULL_START if weeks >= 130 else MERGER - dt.timedelta(weeks=weeks // 2)
    end = start + dt.timedelta(days=7 * weeks - 1)
    return SimulationConfig(employees=employees, start=start, end=end)


def usage_files(sim: Path) -> tuple[list[Path], list[Path]]:
    """The simulator's usage files: (all but the last week's, the last week's)."""
    files = sorted(p for p in (sim / "usage").rglob("*.csv"))
    days = {p: _DATED.search(p.name) for p in files}
    last = max(m.group(1) for m in days.values() if m)
    return (
        [p for p in files if not (days[p] and days[p].group(1) == last)],  # type: ignore[union-attr]
        [p for p in files if days[p] and days[p].group(1) == last],  # type: ignore[union-attr]
    )


# --- in a child process, with Django ------------------------------------------------------------


def _django(data: Path, database_url: str, memory_mb: int | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "veikart.conf.settings"
    os.environ["VEIKART_DATA_DIR"] = str(data)
    os.environ["DATABASE_URL"] = database_url
    os.environ["VEIKART_LOG_LEVEL"] = "WARNING"
    # Fixed keys: the base state and its copies must pseudonymise alike.
    os.environ["SECRET_KEY"] = SECRET
    os.environ["VEIKART_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    if memory_mb is not None:
        os.environ["VEIKART_ANALYTICS_MEMORY_MB"] = str(memory_mb)
    import django

    django.setup()


def _timed(timings: dict[str, float], name: str, call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = call()
    timings[name] = time.perf_counter() - started
    print(f"  {name}: {timings[name]:.1f} s", file=sys.stderr)
    return result


def _compute(full: bool) -> dict[str, Any]:
    """``compute_figures`` with the time of each step (message to message)."""
    from veikart.adoption.services import compute_figures

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    summary = compute_figures(full=full, progress=lambda m: marks.append((m, time.perf_counter())))
    ended = time.perf_counter()
    points = [("inputs, watermark, fingerprints", started), *marks, ("", ended)]
    steps = {message: points[i + 1][1] - at for i, (message, at) in enumerate(points[:-1])}
    return {"seconds": ended - started, "steps": steps, "summary": summary.as_dict()}


def build_base(sim: Path, employees: int, weeks: int) -> dict[str, Any]:
    from django.core.management import call_command

    from veikart.adoption.models import Figure
    from veikart.demo.services import import_simulated_organisation, import_simulated_training
    from veikart.organisations.models import Employee
    from veikart.usage.services import ingest_paths

    timings: dict[str, float] = {}
    _timed(timings, "migrate", lambda: call_command("migrate", verbosity=0))
    config = simulation_config(employees, weeks)
    _timed(
        timings,
        "HR import (every snapshot, apply_import)",
        lambda: import_simulated_organisation(sim, config),
    )
    _timed(timings, "training import", lambda: import_simulated_training(sim))
    before, _last = usage_files(sim)
    ingested = _timed(
        timings,
        f"ingest {len(before)} usage files (all but the last week)",
        lambda: ingest_paths(before, compute=False),
    )
    if ingested.failed:
        raise SystemExit(f"ingest refused files: {ingested.failed[:3]}")
    compute = _timed(timings, "first full compute", lambda: _compute(full=True))
    return {
        "timings": timings,
        "compute": compute,
        "employees": Employee.objects.count(),
        "figures": Figure.objects.count(),
        "peak_mib": _peak_mib(),
    }


def run_incremental(sim: Path, profile: Path | None) -> dict[str, Any]:
    from django.core.management import call_command

    from veikart.usage.services import ingest_paths

    timings: dict[str, float] = {}
    call_command("migrate", verbosity=0)
    _before, last = usage_files(sim)
    ingested = _timed(
        timings,
        f"ingest the last week's {len(last)} files",
        lambda: ingest_paths(last, compute=False),
    )
    if ingested.failed or not ingested.stored:
        raise SystemExit(f"the last week was not stored: {ingested.as_dict()}")
    if profile is not None:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        incremental = _timed(
            timings, "incremental compute", lambda: profiler.runcall(_compute, full=False)
        )
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(50)
        stats.sort_stats("tottime").print_stats(25)
        profile.write_text(text.getvalue(), encoding="utf-8")
    else:
        incremental = _timed(timings, "incremental compute", lambda: _compute(full=False))
    again = _timed(timings, "compute again (nothing changed)", lambda: _compute(full=False))
    return {
        "timings": timings,
        "rows": ingested.rows,
        "compute": incremental,
        "again": again,
        "peak_mib": _peak_mib(),
    }


def run_full(sim: Path) -> dict[str, Any]:
    from django.core.management import call_command

    from veikart.usage.services import ingest_paths

    call_command("migrate", verbosity=0)
    # The same data as the incremental run: the last week is in the lake (a no-op after it).
    ingest_paths(usage_files(sim)[1], compute=False)
    timings: dict[str, float] = {}
    full = _timed(timings, "full recompute", lambda: _compute(full=True))
    return {"timings": timings, "compute": full, "peak_mib": _peak_mib()}


def _database_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


# --- the run ----------------------------------------------------------------------------------


class Store:
    """Where the base state and the working copy live: files under ``--dir``, and the SQLite
    files there or two PostgreSQL databases (``…_base`` and ``…_run``)."""

    def __init__(self, out: Path, employees: int, weeks: int, postgres: str | None) -> None:
        self.out = out
        self.postgres = postgres.rstrip("/") if postgres else None
        backend = "postgres" if postgres else "sqlite"
        self.base = out / f"base-{backend}"
        self.run = out / f"run-{backend}"
        self.name = f"veikart_bench_incr_{employees}x{weeks}"

    def url(self, which: str) -> str:
        if self.postgres:
            return f"{self.postgres}/{self.name}_{which}"
        folder = self.base if which == "base" else self.run
        return f"sqlite:///{folder / 'data' / 'veikart.sqlite3'}"

    def ready(self) -> bool:
        if not (self.base / "READY.json").exists():
            return False
        if self.postgres:
            import psycopg

            with psycopg.connect(f"{self.postgres}/postgres", autocommit=True) as connection:
                found = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [f"{self.name}_base"]
                ).fetchone()
            return found is not None
        return True

    def fresh_base(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)
        (self.base / "data").mkdir(parents=True)
        if self.postgres:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}_base"')
            self._sql(f'CREATE DATABASE "{self.name}_base"')

    def fresh_run(self) -> None:
        """A working copy of the base: the lake hard-linked (snapshots are replaced by rename,
        never written in place), the database copied."""
        shutil.rmtree(self.run, ignore_errors=True)
        (self.run / "data").mkdir(parents=True)
        shutil.copytree(
            self.base / "data" / "lake", self.run / "data" / "lake", copy_function=os.link
        )
        if self.postgres:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}_run"')
            self._sql(f'CREATE DATABASE "{self.name}_run" TEMPLATE "{self.name}_base"')
        else:
            for suffix in ("", "-wal", "-shm"):
                source = self.base / "data" / f"veikart.sqlite3{suffix}"
                if source.exists():
                    shutil.copy2(source, self.run / "data" / source.name)

    def drop(self) -> None:
        if self.postgres:
            for which in ("base", "run"):
                self._sql(f'DROP DATABASE IF EXISTS "{self.name}_{which}"')
            (self.base / "READY.json").unlink(missing_ok=True)

    def _sql(self, statement: str) -> None:
        import psycopg

        assert self.postgres is not None
        with psycopg.connect(f"{self.postgres}/postgres", autocommit=True) as connection:
            connection.execute(statement)


def _child(method: str, data: Path, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        *("--child", method, "--dir", str(args.dir_), "--data", str(data)),
        *("--database-url", database_url),
        *("--employees", str(args.employees), "--weeks", str(args.weeks)),
        *(["--memory-mb", str(args.memory_mb)] if args.memory_mb else []),
        *(["--profile"] if args.profile else []),
    ]
    done = subprocess.run(  # noqa: S603 - this script, with our own arguments
        command, stdout=subprocess.PIPE, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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


def _print_compute(name: str, compute: dict[str, Any]) -> None:
    summary = compute["summary"]
    print(
        f"| **{name}** | **{compute['seconds']:.1f} s** | {summary['weeks']} weeks, "
        f"{summary['months']} months, {summary['figures']:,} figures "
        f"({summary['hidden']:,} hidden) |"
    )
    for step, seconds in compute["steps"].items():
        print(f"| &nbsp;&nbsp;{step} | {seconds:.2f} s | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=130)
    parser.add_argument(
        "--dir", dest="dir_", metavar="DIR", type=Path, help="keep the data here for reruns"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432: the databases "
        "veikart_bench_incr_<employees>x<weeks>_base and …_run are created there",
    )
    parser.add_argument("--drop", action="store_true", help="drop those databases at the end")
    parser.add_argument("--rebuild", action="store_true", help="build the base state again")
    parser.add_argument("--memory-mb", type=int, help="DuckDB's memory limit (default: Veikart's)")
    parser.add_argument("--only", choices=METHODS, help="run one method")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the incremental compute (to --dir)"
    )
    parser.add_argument("--child", choices=(*METHODS, "base"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django(args.data, args.database_url, args.memory_mb)
        sim = args.dir_ / "sim"
        if args.child == "base":
            result = build_base(sim, args.employees, args.weeks)
        elif args.child == "incremental":
            result = run_incremental(
                sim, args.dir_ / "profile-incremental.txt" if args.profile else None
            )
        else:
            result = run_full(sim)
        result["database"] = _database_label()
        print(json.dumps(result, default=str))
        return

    with tempfile.TemporaryDirectory(prefix="veikart-bench-") as scratch:
        args.dir_ = args.dir_ or Path(scratch)
        out: Path = args.dir_
        out.mkdir(parents=True, exist_ok=True)
        scale = {"employees": args.employees, "weeks": args.weeks}
        scale_file = out / "scale.json"
        if scale_file.exists() and json.loads(scale_file.read_text()) != scale:
            raise SystemExit(f"{out} holds data of another scale: {scale_file.read_text()}")
        print(
            f"{args.employees:,} employees × {args.weeks} weeks; {_machine()}; "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
        sim = out / "sim"
        if not (sim / "truth.json").exists():
            from veikart.demo.simulator.generate import generate

            started = time.perf_counter()
            shutil.rmtree(sim, ignore_errors=True)
            simulated = generate(simulation_config(args.employees, args.weeks), sim)
            scale_file.write_text(json.dumps(scale))
            print(
                f"simulated {simulated.people:,} people, {simulated.periods} weeks, "
                f"{len(simulated.usage_files)} usage files in {time.perf_counter() - started:.1f} s"
            )
        store = Store(out, args.employees, args.weeks, args.postgres)
        if args.rebuild or not store.ready():
            print("building the state before the last week …", file=sys.stderr)
            store.fresh_base()
            base = _child("base", store.base / "data", store.url("base"), args)
            (store.base / "READY.json").write_text(json.dumps(base))
        base = json.loads((store.base / "READY.json").read_text())
        print(
            f"{base['database']}; {base['employees']:,} employees imported, "
            f"{base['figures']:,} figures before the last week "
            f"(base state built with peak {base['peak_mib']:.0f} MiB):"
        )
        for name, seconds in base["timings"].items():
            print(f"  {name}: {seconds:.1f} s")
        results: dict[str, dict[str, Any]] = {}
        store.fresh_run()  # the full recompute runs on the data the incremental run left
        for method in [args.only] if args.only else METHODS:
            print(f"{method} …", file=sys.stderr)
            results[method] = _child(method, store.run / "data", store.url("run"), args)

        print()
        print("| step | time | what |")
        print("|---|---:|---|")
        if "incremental" in results:
            incremental = results["incremental"]
            ingest_name, ingest_seconds = next(iter(incremental["timings"].items()))
            print(f"| {ingest_name} ({incremental['rows']:,} rows) | {ingest_seconds:.1f} s | |")
            _print_compute("incremental compute", incremental["compute"])
            print(f"| compute again, nothing changed | {incremental['again']['seconds']:.2f} s | |")
        if "full" in results:
            _print_compute("full recompute, same data", results["full"]["compute"])
        print()
        for method, result in results.items():
            print(f"{method}: peak {result['peak_mib']:.0f} MiB")
        print("load average after: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        if args.profile:
            print(f"profile: {out / 'profile-incremental.txt'}")
        if args.drop:
            store.drop()


if __name__ == "__main__":
    main()
