"""Benchmark: complementary suppression for a large municipality, against plain n < k suppression.

The organisation is the simulator's "Nye Moss" at full scale (``generate_population``: Moss and
Rygge merging on 2020-01-01, a realistic unit tree with sectors, departments and teams, one
manager per unit, turnover and movers), 50,000 employees by default, as the engine's ``people``
table over 130 ISO weeks: one row per person and week employed, in the unit of that week (the
old municipality's before the merger, the new one from it), a new pseudonym at the merger with the
same ``employee_id``, and a training status from random course dates (40 % of people, autumn 2019
to spring 2021).

Then times, each in its own process (so that its peak memory is its own), on the table
already in memory:

  plan     veikart.adoption.engine.privacy.plan_suppression: every breakdown of BREAKDOWNS, weeks
           and months, k = 10, complementary suppression;
  plain    the naive alternative: the same cells and n, hidden only where n < k (a DuckDB
           group-by per breakdown and grain) — what complementary suppression adds on top.

and reports how many cells each hides, and what complementary suppression keeps of the cells
with n ≥ k per breakdown.

    .venv/bin/python bench/adoption_privacy.py --employees 50000 --weeks 130
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from veikart.adoption.engine.privacy import BREAKDOWNS, plan_suppression
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import FORMER_ORGS, Population
from veikart.demo.simulator.organisation import generate_population

FIRST_MONDAY = dt.date(2018, 12, 31)  # the ISO week of 2019-01-01


def people_table(population: Population, config: SimulationConfig, weeks: int) -> pa.Table:
    """The engine's people table for the population, built with numpy (no row loops)."""
    rng = np.random.default_rng(config.seed)
    size = len(population)
    index = {row.code: i for i, row in enumerate(population.units)}
    paths: list[str] = []
    for i, row in enumerate(population.units):
        chain = [i + 1]
        parent = row.parent_code
        while parent:
            chain.append(index[parent] + 1)
            parent = population.units[index[parent]].parent_code
        paths.append("/" + "/".join(str(u) for u in reversed(chain)) + "/")
    unit_paths = np.array(paths, dtype=object)
    unit_types = np.array([row.unit_type for row in population.units], dtype=object)
    former = np.array([*FORMER_ORGS, None], dtype=object)[population.former_org]
    course = np.datetime64("2019-09-01") + rng.integers(0, 550, size).astype("timedelta64[D]")
    trained_on = np.where(rng.random(size) < 0.4, course, np.datetime64("NaT"))
    start = population.start.astype("datetime64[D]")
    end = population.end.astype("datetime64[D]")
    before = np.array([f"old-{i}" for i in range(size)], dtype=object)
    after = np.array([f"new-{i}" for i in range(size)], dtype=object)
    tables = []
    for t in range(weeks):
        monday = FIRST_MONDAY + dt.timedelta(weeks=t)
        sunday = np.datetime64(monday + dt.timedelta(days=6))
        merged = sunday >= np.datetime64(config.merger_date)
        units = population.unit_after if merged else population.unit_before
        employed = (start <= sunday) & (np.isnat(end) | (end >= np.datetime64(monday)))
        who = np.flatnonzero(employed & (units >= 0))
        unit = units[who].astype(np.int64)
        status = np.where(
            np.isnat(trained_on[who]),
            "never",
            np.where(trained_on[who] <= sunday, "trained", "not_yet"),
        )
        tables.append(
            pa.table(
                {
                    "person": pa.array((after if merged else before)[who], pa.string()),
                    "week_start": pa.array(np.full(who.size, np.datetime64(monday)), pa.date32()),
                    "unit_id": pa.array(unit + 1, pa.int64()),
                    "unit_path": pa.array(unit_paths[unit], pa.string()),
                    "former_org": pa.array(former[who], pa.string()),
                    "is_leader": pa.array(population.is_manager[who], pa.bool_()),
                    "training_status": pa.array(status, pa.string()),
                    "unit_type": pa.array(unit_types[unit], pa.string()),
                    "employee_id": pa.array(who.astype(np.int64), pa.int64()),
                }
            )
        )
    return pa.concat_tables(tables)


def plain(people: pa.Table, k: int) -> dict[str, pa.Table]:
    """Plain suppression: every cell's n, hidden where n < k (DuckDB, as the engine counts)."""
    connection = duckdb.connect(":memory:")
    connection.register("people", people)
    result = {}
    for grain in ("week", "month"):
        period = (
            '"week_start"'
            if grain == "week"
            else """CAST(date_trunc('month', "week_start" + 3) AS DATE)"""
        )
        selects = []
        for groups in BREAKDOWNS:
            attribute = next((g for g in groups if g != "unit_subtree"), None)
            unit = '"unit"' if "unit_subtree" in groups else "CAST(NULL AS BIGINT)"
            value = f'CAST("{attribute}" AS VARCHAR)' if attribute else "CAST(NULL AS VARCHAR)"
            explode = (
                """CROSS JOIN unnest(CAST(string_split(trim("unit_path", '/'), '/') AS BIGINT[]))
                AS "subtree"("unit")"""
                if "unit_subtree" in groups
                else ""
            )
            # Text from the fixed breakdown names only.
            selects.append(
                f"""SELECT {period} AS "period", '{"+".join(groups)}' AS "breakdown",
                {unit} AS "unit_subtree", {value} AS "attribute",
                count(DISTINCT "employee_id") AS "n"
                FROM "people" {explode} GROUP BY ALL"""  # noqa: S608
            )
        table = connection.execute(
            f'SELECT *, "n" >= {k} AS "visible" FROM ({" UNION ALL ".join(selects)})'  # noqa: S608
        ).to_arrow_table()
        result[grain] = table
    connection.close()
    return result


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def summary(plan: dict[str, pa.Table], k: int) -> None:
    for grain, table in plan.items():
        n = table["n"].to_numpy()
        visible = table["visible"].to_numpy(zero_copy_only=False)
        breakdown = np.array(table["breakdown"].to_pylist(), dtype=object)
        large = n >= k
        print(
            f"  {grain}: {len(n):,} cells, {int(large.sum()):,} with n >= {k}, "
            f"{int(visible.sum()):,} visible ({visible.sum() / max(large.sum(), 1):.1%} of n >= k)"
        )
        for key in dict.fromkeys(breakdown.tolist()):
            here = breakdown == key
            big = int((large & here).sum())
            shown = int((visible & here).sum())
            print(f"    {key or '(whole organisation)':<32} {shown:>9,} of {big:>9,} n >= k shown")


def run(method: str, employees: int, weeks: int, k: int, out: Path) -> None:
    """One method in this process: build the people table, time the method, store its plan."""
    config = SimulationConfig(employees=employees)
    people = people_table(generate_population(config), config, weeks)
    before = peak_gb()
    t = time.perf_counter()
    plan = plain(people, k) if method == "plain" else plan_suppression(people, k=k)
    seconds = time.perf_counter() - t
    for grain, table in plan.items():
        pq.write_table(table, out / f"{method}-{grain}.parquet")
    (out / f"{method}.json").write_text(
        json.dumps({"seconds": seconds, "peak_gb": peak_gb(), "before_gb": before}),
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=130)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:
        run(args.method, args.employees, args.weeks, args.k, args.out)
        return
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {dt.datetime.now(dt.UTC).date()}"
    )
    config = SimulationConfig(employees=args.employees)
    t = time.perf_counter()
    people = people_table(generate_population(config), config, args.weeks)
    units = len(set(people["unit_id"].to_pylist()))
    per_week = people.num_rows / args.weeks
    print(
        f"people: {people.num_rows:,} person-weeks ({per_week:,.0f} a week), {units:,} units "
        f"over the span; built in {time.perf_counter() - t:.1f} s"
    )
    del people
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory)
        found = {}
        for method in METHODS:  # each in its own process, so that its peak memory is its own
            subprocess.run(  # noqa: S603 - this script, with our own arguments
                [
                    sys.executable,
                    __file__,
                    *("--employees", str(args.employees), "--weeks", str(args.weeks)),
                    *("--k", str(args.k), "--method", method, "--out", directory),
                ],
                check=True,
            )
            found[method] = json.loads((out / f"{method}.json").read_text(encoding="utf-8"))
            print(
                f"{LABELS[method]:<36} {found[method]['seconds']:6.1f} s   process peak "
                f"{found[method]['peak_gb']:.2f} GB (people table built: "
                f"{found[method]['before_gb']:.2f} GB)"
            )
        plan = {g: pq.read_table(out / f"plan-{g}.parquet") for g in ("week", "month")}
        naive = {g: pq.read_table(out / f"plain-{g}.parquet") for g in ("week", "month")}
    for grain in ("week", "month"):
        rows = plan[grain].num_rows
        assert rows == naive[grain].num_rows, (grain, rows, naive[grain].num_rows)
        small = rows - int(np.sum(naive[grain]["visible"].to_numpy(zero_copy_only=False)))
        hidden = rows - int(np.sum(plan[grain]["visible"].to_numpy(zero_copy_only=False)))
        print(
            f"  {grain}: {rows:,} cells; plain hides {small:,}, complementary hides "
            f"{hidden - small:,} more ({(hidden - small) / rows:.1%} of all cells)"
        )
    summary(plan, args.k)


METHODS = ("plan", "plain")
LABELS = {
    "plan": "complementary suppression (plan)",
    "plain": "plain n < k suppression (DuckDB)",
}


if __name__ == "__main__":
    main()
