"""Benchmark: the core of ``veikart compute`` at scale — the privacy plan and every metric for
every breakdown, per week and per month — against running the engine once per breakdown.

The data is ``bench/adoption_engine.py``'s generated lake and people table (by default 50,000
people × 130 weeks, five reports, 2,000 units in four levels). Each method runs in its own
process so its peak memory is its own:

  together   what the compute service does: ``plan_suppression`` over the person-weeks in a
             process of its own (``plan_beside``) while ``compute_periods`` computes every
             breakdown (stage 1 in DuckDB, stage 2 with numpy; months summed from the weeks,
             ADR 0004);
  separate   the obvious alternative: ``compute`` once per breakdown and grain (18 queries).

Not timed here: building the person-week table from the database and storing the figures
(measured on the demo organisation, see bench/README.md). The two methods' figures are compared
cell by cell.

    .venv/bin/python bench/adoption_compute.py --people 50000 --weeks 130 --dir /tmp/bench130
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from adoption_engine import generate

from veikart.adoption.engine import REGISTRY, compute
from veikart.adoption.engine.engine import DUCKDB_CONFIG, _long, compute_periods
from veikart.adoption.engine.privacy import BREAKDOWNS, plan_beside

METHODS = ("together", "separate")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(method: str, out: Path, memory_mb: int) -> None:
    DUCKDB_CONFIG["memory_limit"] = f"{memory_mb}MB"
    DUCKDB_CONFIG["temp_directory"] = str(out / "duckdb-tmp")
    people = pq.read_table(out / "people.parquet")
    lake = out / "lake"
    metrics = list(REGISTRY)
    timings: dict[str, float] = {}
    results = []
    started = time.perf_counter()
    if method == "together":
        # As the compute service: the plan in a process of its own beside the engine.
        with plan_beside(people, 10, out / "tmp") as planned:
            periods = compute_periods(
                lake, people, metrics=metrics, breakdowns=BREAKDOWNS, wide=True
            )
            timings["weeks and months: all breakdowns"] = time.perf_counter() - started
            plans = planned()
            timings["privacy plan (beside), waited for"] = (
                time.perf_counter() - started - timings["weeks and months: all breakdowns"]
            )
        hidden = sum(
            int(pa.compute.sum(pa.compute.invert(t["visible"])).as_py()) for t in plans.values()
        )
        timings["hidden cells"] = hidden
        # One row per metric for the comparison, as the separate queries give (not timed).
        results += [_long(periods["week"], metrics), _long(periods["month"], metrics)]
    else:
        for grain in ("week", "month"):
            mark = time.perf_counter()
            for groups in BREAKDOWNS:
                table = compute(lake, people, metrics=metrics, grain=grain, groups=list(groups))
                results.append(_as_many(table, groups))
            timings[f"{grain}: 9 queries"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    combined = pa.concat_tables(results)
    pq.write_table(combined, out / f"compute-{method}.parquet")
    print(json.dumps({"timings": timings, "peak_mib": _peak_mib(), "rows": combined.num_rows}))


def _as_many(table: pa.Table, groups: tuple[str, ...]) -> pa.Table:
    other = next((g for g in groups if g != "unit_subtree"), None)
    rows = table.num_rows
    if other is None:
        attribute = pa.nulls(rows, pa.string())
    else:
        values = table.column(other).to_pylist()
        attribute = pa.array(
            [
                None if v is None else ("true" if v is True else "false" if v is False else str(v))
                for v in values
            ],
            pa.string(),
        )
    return pa.table(
        {
            "period": table.column("period"),
            "breakdown": pa.array(["+".join(groups)] * rows, pa.string()),
            "unit_subtree": table.column("unit_subtree")
            if "unit_subtree" in groups
            else pa.nulls(rows, pa.int64()),
            "attribute": attribute,
            "metric": table.column("metric"),
            "value": table.column("value"),
            "n": table.column("n"),
        }
    )


def compare(out: Path) -> float:
    """Largest difference between the two methods' values, cell by cell. A Monday that is the
    first of a month is a week and a month period: the week rows come first in both files, so
    the order within a key tells the grain apart."""
    key = ["period", "breakdown", "unit_subtree", "attribute", "metric"]
    frames = []
    for method in METHODS:
        frame = pq.read_table(out / f"compute-{method}.parquet").to_pandas()
        frame = frame.fillna({"attribute": "", "unit_subtree": -1})
        frame["grain"] = frame.groupby(key).cumcount()
        frames.append(frame)
    a, b = frames
    merged = a.merge(b, on=[*key, "grain"], suffixes=("_a", "_b"), how="outer")
    assert len(merged) == len(a) == len(b), (len(merged), len(a), len(b))
    assert (merged["n_a"] == merged["n_b"]).all()
    return float((merged["value_a"] - merged["value_b"]).abs().max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=130)
    parser.add_argument("--dir", type=Path, help="reuse or keep the data here")
    parser.add_argument("--memory-mb", type=int, default=4096, help="DuckDB's memory limit")
    parser.add_argument("--only", choices=METHODS, help="run one method")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dir, args.memory_mb)
        return
    with tempfile.TemporaryDirectory(prefix="veikart-bench-") as scratch:
        out = args.dir or Path(scratch)
        if not (out / "people.parquet").exists():
            started = time.perf_counter()
            generate(out, args.people, args.weeks)
            print(f"generated the lake in {time.perf_counter() - started:.1f} s")
        print(
            f"{args.people:,} people × {args.weeks} weeks; "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        print(f"DuckDB memory limit {args.memory_mb} MiB")
        for method in [args.only] if args.only else METHODS:
            done = subprocess.run(  # noqa: S603 - this script, with our own arguments
                [
                    sys.executable,
                    __file__,
                    *("--child", method, "--dir", str(out)),
                    *("--memory-mb", str(args.memory_mb)),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            steps = ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items())
            print(
                f"{method:9} peak {result['peak_mib']:6.0f} MiB  {result['rows']:,} rows  {steps}"
            )
        if not args.only:
            print(f"max |together − separate| over all cells: {compare(out):.3g}")


if __name__ == "__main__":
    main()
