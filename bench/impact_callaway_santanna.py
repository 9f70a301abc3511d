"""Benchmark: Callaway & Sant'Anna at 50,000 units × 130 periods, ~20 cohorts (not a test).

Run from the repository root: ``.venv/bin/python bench/impact_callaway_santanna.py``
(``--csdid`` also times the csdid reference on the same data, which takes about a minute).
Prints wall-clock times and the peak memory traced during estimation (numpy allocations included).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import time
import tracemalloc
import warnings
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd

from veikart.impact.stats import AggregationKind, att_gt

T = TypeVar("T")


def simulate(units: int, periods: int, cohorts: int, seed: int = 7) -> pd.DataFrame:
    """A staggered panel: cohorts in the middle third, 10 % never treated, dynamic effects."""
    rng = np.random.default_rng(seed)
    first = periods // 3
    starts = np.linspace(first, first + periods // 3, cohorts).round()
    g = np.where(rng.random(units) < 0.1, 0.0, rng.choice(starts, units))
    t = np.arange(1, periods + 1, dtype=np.float64)
    e = t[None, :] - g[:, None]
    effect = np.where((g[:, None] > 0) & (e >= 0), 2.0 + 0.05 * e, 0.0)
    season = np.sin(t / 8.0)
    y = 20 + rng.normal(0, 3, units)[:, None] + season + effect + rng.normal(0, 2, (units, periods))
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(units), periods),
            "week": np.tile(t, units),
            "y": y.ravel(),
            "cohort": np.repeat(g, periods),
            "dept": np.repeat(np.arange(units) // 500, periods),
        }
    )


def timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    out = fn()
    print(f"{label:<48} {time.perf_counter() - start:7.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--periods", type=int, default=130)
    parser.add_argument("--cohorts", type=int, default=20)
    parser.add_argument("--csdid", action="store_true")
    args = parser.parse_args()
    data = simulate(args.units, args.periods, args.cohorts)
    print(f"{len(data):,} rows, {data.cohort.nunique() - 1} cohorts")

    tracemalloc.start()
    start = time.perf_counter()
    result = timed(
        "att_gt (not yet treated, varying base)",
        lambda: att_gt(data, y="y", unit="unit", time="week", cohort="cohort"),
    )
    kinds: tuple[AggregationKind, ...] = ("simple", "group", "dynamic", "calendar")
    for kind in kinds:
        timed(f"  aggregate({kind!r})", partial(result.aggregate, kind))
    total = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'total: all ATT(g,t), SEs and four aggregations':<48} {total:7.2f} s")
    print(f"{len(result.table)} ATT(g,t); peak traced memory {peak / 2**20:,.0f} MiB")
    timed("pretest()", result.pretest)
    timed("uniform_band('dynamic', draws=999)", lambda: result.uniform_band("dynamic", seed=1))
    timed(
        "att_gt clustered by department (100 clusters)",
        lambda: att_gt(
            data, y="y", unit="unit", time="week", cohort="cohort", cluster="dept"
        ).aggregate("dynamic"),
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"process peak RSS so far {rss:,.0f} MiB (includes the 6.5M-row input frame)")

    if args.csdid:
        from csdid.att_gt import ATTgt  # type: ignore[import-untyped]

        warnings.simplefilter("ignore")
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            ref = ATTgt(
                yname="y",
                tname="week",
                idname="unit",
                gname="cohort",
                data=data,
                control_group="notyettreated",
            ).fit(est_method="dr", bstrap=False)
            for kind in ("simple", "group", "dynamic", "calendar"):
                ref.aggte(typec=kind)
        print(f"{'csdid 0.4.3: ATTgt.fit + four aggte':<48} {time.perf_counter() - start:7.2f} s")
        diff = np.nanmax(np.abs(np.asarray(ref.results["att"], float) - result.table.att))
        print(f"max |ATT(g,t) csdid - ours| = {diff:.2e}")


if __name__ == "__main__":
    main()
