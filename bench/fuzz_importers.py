"""The long fuzzing run: tens of thousands of hostile files through every importer.

The same strategies and the same property as tests/hostile/test_fuzz_importers.py (see
tests/hostile/fuzzing.py): an importer imports or refuses with its own message, and a refusal
leaves the database and the usage lake exactly as they were. Where the test stops at the first
failure, this run goes on and counts every distinct failure (by exception type and the Veikart
function that raised it), keeping the smallest file that shows each — known bugs (those with an
xfail repro test) are counted apart from new ones.

It runs against a fresh SQLite database in a temporary data directory (or ``DATABASE_URL``, an
empty PostgreSQL database), with the personas' organisation of the test suite (tests/data).

    .venv/bin/python bench/fuzz_importers.py --minutes 8
    .venv/bin/python bench/fuzz_importers.py --minutes 2 --only hr training --out /tmp/fuzz.json

Prints a Markdown table for docs/operator/reliability.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

IMPORTERS = ("hr", "training", "systems", "usage-reader", "usage-ingest")


@dataclass
class Failure:
    signature: str
    known: str | None
    count: int = 0
    message: str = ""
    example: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(data) for _name, data in self.example)


@dataclass
class Run:
    importer: str
    seconds: float = 0.0
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)


def _set_up_django(data_dir: Path) -> None:
    os.environ["VEIKART_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _organisation() -> Any:
    """The personas' organisation of tests/conftest.py, imported from tests/data."""
    from tests.conftest import AS_OF, data_file

    from veikart.organisations.services import apply_import, set_up_organisation

    organisation = set_up_organisation(
        name="Moss kommune",
        merger_date=AS_OF,
        former=[
            ("moss", "Moss kommune (til 2020)", "moss.kommune.no"),
            ("rygge", "Rygge kommune (til 2020)", "rygge.kommune.no"),
        ],
    )
    apply_import(organisation, [data_file("enheter.csv"), data_file("ansatte.csv")], as_of=AS_OF)
    return organisation


def _pristine_lake(work: Path) -> tuple[Path, Path]:
    """(the lake, a copy of it holding one snapshot of every seed report)."""
    import shutil

    from django.conf import settings
    from tests.hostile import fuzzing

    from veikart.usage.services import ingest_paths

    lake = work / "lake"
    settings.LAKE_DIR = lake
    seeds = work / "seeds"
    seeds.mkdir()
    for seed in fuzzing.usage_seeds():
        (seeds / seed.name).write_bytes(seed.data)
    summary = ingest_paths([seeds], today=fuzzing.TODAY, compute=False)
    assert summary.ok, summary.failed
    pristine = work / "pristine"
    shutil.copytree(lake, pristine)
    return lake, pristine


def _cases(importer: str, work: Path, organisation: Any) -> tuple[Any, Callable[[Any], str]]:
    """(the strategy, the check of one drawn case) for ``importer``."""
    from hypothesis import strategies as st
    from tests.hostile import fuzzing

    if importer == "hr":
        return fuzzing.upload_sets(fuzzing.hr_seeds()), lambda f: fuzzing.check_hr(organisation, f)
    if importer == "training":
        return fuzzing.upload_sets(fuzzing.training_seeds()), fuzzing.check_training
    if importer == "systems":
        return fuzzing.upload_sets(fuzzing.systems_seeds()), lambda f: fuzzing.check_systems(
            organisation, f
        )
    usage = fuzzing.usage_seeds()
    if importer == "usage-reader":
        folder = work / "reader"
        folder.mkdir(exist_ok=True)

        def read(files: list[tuple[str, bytes]]) -> str:
            path = folder / (Path(files[0][0]).name or "upload.csv")
            path.write_bytes(files[0][1])
            try:
                return fuzzing.check_usage_reader(path)
            finally:
                path.unlink()

        return fuzzing.files_for(usage, xlsx=False).map(lambda f: [f]), read
    lake, pristine = _pristine_lake(work)
    strategy = st.one_of(fuzzing.files_for(usage), fuzzing.report_archive(usage)).map(lambda f: [f])
    return strategy, lambda f: fuzzing.check_usage_ingest(lake, pristine, f)


def run_importer(importer: str, seconds: float, work: Path, organisation: Any) -> Run:
    from hypothesis import HealthCheck, given, settings
    from tests.hostile import fuzzing

    strategy, check = _cases(importer, work, organisation)
    run = Run(importer)

    def one(files: list[tuple[str, bytes]]) -> None:
        run.cases += 1
        try:
            outcome = check(files)
        except Exception as exc:
            sig = fuzzing.signature(exc)
            failure = run.failures.setdefault(sig, Failure(sig, fuzzing.known_bug(exc)))
            failure.count += 1
            size = sum(len(data) for _name, data in files)
            if not failure.example or size < failure.size:
                failure.example = list(files)
                failure.message = str(exc)[:300]
            outcome = "known bug" if failure.known else "NEW FAILURE"
        run.outcomes[outcome] = run.outcomes.get(outcome, 0) + 1

    chunk = settings(
        max_examples=100,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    body = chunk(given(files=strategy)(one))
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        body()
    run.seconds = time.monotonic() - start
    return run


def _table(runs: list[Run]) -> str:
    lines = [
        "| importer | cases | time | cases/s | outcomes | failures (distinct) |",
        "|---|---:|---:|---:|---|---|",
    ]
    for run in runs:
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(run.outcomes.items()))
        failures = "; ".join(
            f"{'known' if f.known else 'NEW'}: {f.signature} ×{f.count:,}"
            for f in run.failures.values()
        )
        lines.append(
            f"| {run.importer} | {run.cases:,} | {run.seconds:.0f} s | "
            f"{run.cases / run.seconds:.0f} | {outcomes} | {failures or 'none'} |"
        )
    total = sum(r.cases for r in runs)
    lines.append(f"| **all** | **{total:,}** | {sum(r.seconds for r in runs):.0f} s | | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="total time, shared equally")
    parser.add_argument("--only", nargs="*", choices=IMPORTERS, default=list(IMPORTERS))
    parser.add_argument("--out", type=Path, help="write the failures (with examples) as JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="veikart-fuzz-"))
    _set_up_django(work / "data")
    from tests.hostile import fuzzing

    organisation = _organisation()
    seconds = args.minutes * 60 / len(args.only)
    runs = []
    for importer in args.only:
        print(f"{importer}: {seconds:.0f} s …", file=sys.stderr, flush=True)
        runs.append(run_importer(importer, seconds, work, organisation))
        print(f"  {runs[-1].cases:,} cases, {runs[-1].outcomes}", file=sys.stderr, flush=True)
    today = dt.datetime.now(dt.UTC).date()
    print(f"Machine: {fuzzing.machine()}; database: {_database()}; {today}.\n")
    print(_table(runs))
    for run in runs:
        for failure in run.failures.values():
            print(f"\n{run.importer} — {failure.signature} ({failure.known or 'new'})")
            print(f"  {failure.message}")
            for name, data in failure.example:
                print(f"  {name}: {data[:200]!r}{' …' if len(data) > 200 else ''}")
    if args.out:
        args.out.write_text(
            json.dumps(
                [
                    {
                        "importer": r.importer,
                        "cases": r.cases,
                        "seconds": r.seconds,
                        "outcomes": r.outcomes,
                        "failures": [
                            {
                                "signature": f.signature,
                                "known": f.known,
                                "count": f.count,
                                "message": f.message,
                                "example": [[n, d.hex()] for n, d in f.example],
                            }
                            for f in r.failures.values()
                        ],
                    }
                    for r in runs
                ],
                indent=2,
            )
        )


def _database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {getattr(connection, 'Database').sqlite_version}"  # noqa: B009
    return f"PostgreSQL {getattr(connection, 'pg_version', '')}"


if __name__ == "__main__":
    main()
