"""Benchmark: the whole simulation at the largest municipality's scale.

50,000 employees × 130 weeks (2019-01-01 … 2021-06-30) × 5 user-detail reports plus the org-level
series, HR export (CSV + XLSX) and truth.json — stage by stage, with peak memory (ru_maxrss).
For comparison in the same run: one week's Teams user-detail file written with pandas'
DataFrame.to_csv from the same columns, against the simulator's writer.

    .venv/bin/python bench/simulator.py --employees 50000 --out /tmp/veikart-sim
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import time
from dataclasses import asdict
from pathlib import Path


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/veikart-sim"))
    args = parser.parse_args()

    from veikart.demo.simulator.behaviour import simulate
    from veikart.demo.simulator.config import SimulationConfig
    from veikart.demo.simulator.organisation import generate_population, write_hr_export
    from veikart.demo.simulator.reports import write_org_counts, write_period_reports

    shutil.rmtree(args.out, ignore_errors=True)
    config = SimulationConfig(employees=args.employees)
    times: dict[str, float] = {}

    def stage(name: str, started: float) -> float:
        times[name] = time.perf_counter() - started
        print(f"{name:<28} {times[name]:7.1f} s   peak {peak_gb():.2f} GB", flush=True)
        return time.perf_counter()

    t = time.perf_counter()
    total = t
    population = generate_population(config)
    t = stage("organisation", t)
    write_hr_export(population, config, args.out)
    t = stage("HR export (CSV + XLSX)", t)
    panel, truth = simulate(population, config)
    t = stage("behaviour (Y0 and Y1)", t)
    files = write_period_reports(panel, population, config, args.out)
    t = stage("user-detail reports", t)
    files += write_org_counts(panel, population, config, args.out)
    t = stage("org-level series", t)
    (args.out / "truth.json").write_text(json.dumps(truth, default=str), encoding="utf-8")
    stage("truth.json", t)
    elapsed = time.perf_counter() - total
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(
        f"total {elapsed:.1f} s, peak {peak_gb():.2f} GB, {len(population)} people, "
        f"{len(panel.period_end)} periods, {len(files)} report files, {size / 1e9:.2f} GB on disk"
    )

    # The obvious alternative for the writing: pandas.to_csv of the same rows.
    import csv
    import io

    import pandas as pd

    teams = sorted((args.out / "usage" / "getTeamsUserActivityUserDetail").iterdir())[-1]
    text = teams.read_text(encoding="utf-8-sig")
    frame = pd.DataFrame(list(csv.reader(io.StringIO(text)))[1:], dtype=str)
    started = time.perf_counter()
    frame.to_csv(io.StringIO(), index=False, lineterminator="\r\n")
    pandas_seconds = time.perf_counter() - started
    rows = len(frame)
    print(f"one week's Teams file, {rows} rows: pandas.to_csv {pandas_seconds:.2f} s")
    print(f"Python {platform.python_version()}, {platform.machine()}")
    print(json.dumps({k: round(v, 2) for k, v in times.items()} | {"config": str(asdict(config))}))


if __name__ == "__main__":
    main()
