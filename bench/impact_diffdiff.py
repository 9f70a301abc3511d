"""Benchmark: veikart's impact estimators against diff-diff (Rust core) and csdid (not a test).

Run from the repository root after ``.venv/bin/pip install -e '.[test,bench]'``:
``.venv/bin/python bench/impact_diffdiff.py`` (``--units 5000`` for a quick check,
``--skip dd_imputation`` to leave out diff-diff's slow ImputationDiD, ``--only dd_imputation
--units 10000`` to run it alone on a smaller panel).

The panel is ``simulate(...)`` of ``bench/impact_imputation.py`` (50,000 units × 130 weeks,
20 weekly cohorts, 10 % never treated), reduced to unit, week, y, cohort. Each method runs in its
own process (so its peak resident set size is its own), on the same data, in one run:

- Callaway & Sant'Anna with diff-diff's defaults: never-treated controls, varying base period,
  no covariates (``dr`` is then plain DiD), analytic influence-function SEs, no bootstrap;
  veikart ``att_gt(control_group="never")`` + four aggregations, diff-diff
  ``CallawaySantAnna().fit`` + its three (it has no calendar aggregation), csdid
  ``ATTgt(control_group="nevertreated").fit(est_method="dr", bstrap=False)`` + four ``aggte``;
- imputation (BJS) with unit and week effects only, SEs clustered by unit, auxiliary cells
  cohort × period (= cohort × horizon): veikart ``imputation`` (overall, event times and cohorts
  in one call), diff-diff ``ImputationDiD().fit`` + event-study and group aggregations.

Time is from the in-memory frame to all results; memory is the child's peak RSS (tracemalloc
cannot see the Rust allocations) and that peak minus the RSS just before estimating.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from impact_imputation import simulate  # bench/ is sys.path[0] when run as a script

METHODS = ("veikart_cs", "dd_cs", "csdid_cs", "veikart_imputation", "dd_imputation")
SLOW = ("csdid_cs", "dd_imputation")  # timed once


def panel(units: int, periods: int, cohorts: int) -> pd.DataFrame:
    data = simulate(units, periods, cohorts)[["unit", "week", "y", "cohort"]]
    return data.astype({"week": "int64", "cohort": "int64"})


def rss_now() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def table(frame: pd.DataFrame, key: str, att: str = "att", se: str = "se") -> pd.DataFrame:
    out = frame[[key, att, se]].set_axis(["key", "att", "se"], axis=1)
    return out.astype({"key": float}).set_index("key")


def run_veikart_cs(data: pd.DataFrame) -> dict[str, Any]:
    from veikart.impact.stats import att_gt

    result = att_gt(data, y="y", unit="unit", time="week", cohort="cohort", control_group="never")
    agg = {kind: result.aggregate(kind) for kind in ("simple", "group", "dynamic", "calendar")}
    cells = result.table.set_index(["cohort", "time"])[["att", "se"]]
    cells.index = cells.index.set_levels([lvl.astype(float) for lvl in cells.index.levels])
    return {
        "overall": {k: (a.overall_att, a.overall_se) for k, a in agg.items()},
        "cells": cells,
        "event": table(agg["dynamic"].table, "e"),
        "group": table(agg["group"].table, "cohort"),
    }


def run_dd_cs(data: pd.DataFrame) -> dict[str, Any]:
    from diff_diff import CallawaySantAnna

    result = CallawaySantAnna().fit(
        data, outcome="y", unit="unit", time="week", first_treat="cohort"
    )
    simple = result.aggregate("simple")
    event = result.aggregate("event_study").to_dataframe()
    group = result.aggregate("group").to_dataframe()
    cells = pd.DataFrame(
        [
            (float(g), float(t), v["effect"], v["se"])
            for (g, t), v in result.group_time_effects.items()
        ],
        columns=["cohort", "time", "att", "se"],
    ).set_index(["cohort", "time"])
    return {
        "overall": {"simple": (float(simple.att[0]), float(simple.se[0]))},
        "cells": cells,
        "event": table(event[~event.is_reference], "event_time"),
        "group": table(group, "label"),
    }


def run_csdid_cs(data: pd.DataFrame) -> dict[str, Any]:
    from csdid.att_gt import ATTgt  # type: ignore[import-untyped]

    with contextlib.redirect_stdout(io.StringIO()):
        ref = ATTgt(
            yname="y", tname="week", idname="unit", gname="cohort", data=data,
            control_group="nevertreated",
        ).fit(est_method="dr", bstrap=False)  # fmt: skip
        overall = {}
        for kind in ("simple", "group", "dynamic", "calendar"):
            atte = ref.aggte(typec=kind).atte
            overall[kind] = (float(atte["overall_att"]), float(atte["overall_se"]))
    res = ref.results
    cells = pd.DataFrame(
        {
            "cohort": np.asarray(res["group"], float),
            "time": np.asarray(res["year"], float),
            "att": np.asarray(res["att"], float),
            "se": np.asarray(res["se"], float),
        }
    ).set_index(["cohort", "time"])
    return {"overall": overall, "cells": cells}


def run_veikart_imputation(data: pd.DataFrame) -> dict[str, Any]:
    from veikart.impact.stats import imputation

    result = imputation(data, y="y", unit="unit", time="week", cohort="cohort")
    return {
        "overall": {"simple": (result.att, result.se)},
        "event": table(result.event_time, "e"),
        "group": table(result.by_cohort, "cohort"),
    }


def run_dd_imputation(data: pd.DataFrame) -> dict[str, Any]:
    from diff_diff import ImputationDiD

    result = ImputationDiD().fit(data, outcome="y", unit="unit", time="week", first_treat="cohort")
    event = result.aggregate("event_study").to_dataframe()
    group = result.aggregate("group").to_dataframe()
    return {
        "overall": {"simple": (float(result.overall_att), float(result.overall_se))},
        "event": table(event[~event.is_reference], "event_time"),
        "group": table(group, "label"),
    }


RUNNERS = {
    "veikart_cs": run_veikart_cs,
    "dd_cs": run_dd_cs,
    "csdid_cs": run_csdid_cs,
    "veikart_imputation": run_veikart_imputation,
    "dd_imputation": run_dd_imputation,
}


def child(method: str, args: argparse.Namespace, out: Path) -> None:
    warnings.simplefilter("ignore")
    data = panel(args.units, args.periods, args.cohorts)
    before = rss_now()
    repeat = 1 if method in SLOW else args.repeat
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = RUNNERS[method](data)
        times.append(time.perf_counter() - start)
    result.update(times=times, before=before, peak=peak_rss())
    out.write_bytes(pickle.dumps(result))


def largest(a: pd.DataFrame, b: pd.DataFrame) -> tuple[int, int, float, float, float]:
    """Common rows, rows only in one, max |Δatt|, max |Δse|, max |Δse| / se."""
    both = a.add_suffix("_a").join(b.add_suffix("_b"), how="inner").dropna()
    only = len(a.index.symmetric_difference(b.index))
    d_att = (both.att_a - both.att_b).abs().max()
    d_se = (both.se_a - both.se_b).abs()
    return len(both), only, d_att, d_se.max(), (d_se / both.se_a).max()


def compare(name: str, a: dict[str, Any], b: dict[str, Any]) -> None:
    print(f"{name}:")
    for kind, (att, se) in a["overall"].items():
        if kind in b["overall"]:
            att_b, se_b = b["overall"][kind]
            print(
                f"  overall {kind:<9} ATT {att:.6f} vs {att_b:.6f} (Δ {att - att_b:+.1e}); "
                f"SE {se:.6f} vs {se_b:.6f} (ratio {se / se_b:.4f})"
            )
    for part in ("cells", "event", "group"):
        if part in a and part in b:
            n, only, d_att, d_se, rel = largest(a[part], b[part])
            print(
                f"  {part:<6} {n} common ({only} in one only): max |ΔATT| {d_att:.1e}, "
                f"max |ΔSE| {d_se:.1e} (relative {rel:.1e})"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--periods", type=int, default=130)
    parser.add_argument("--cohorts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of the fast methods")
    parser.add_argument("--only", nargs="*", choices=METHODS, default=list(METHODS))
    parser.add_argument("--skip", nargs="*", choices=METHODS, default=[])
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args, args.out)
        return
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{args.units:,} units × {args.periods} periods, {args.cohorts} cohorts; "
        f"load average {load}"
    )
    print(f"{'method':<20} {'best':>8} {'median':>8} {'peak RSS':>10} {'+ over input':>13}")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for method in [m for m in args.only if m not in args.skip]:
            out = Path(tmp) / f"{method}.pkl"
            command = [sys.executable, __file__, "--child", method, "--out", str(out)]
            command += ["--units", str(args.units), "--periods", str(args.periods)]
            command += ["--cohorts", str(args.cohorts), "--repeat", str(args.repeat)]
            subprocess.run(command, check=True)  # noqa: S603
            r = results[method] = pickle.loads(out.read_bytes())  # noqa: S301
            print(
                f"{method:<20} {min(r['times']):7.2f}s {statistics.median(r['times']):7.2f}s "
                f"{r['peak']:7,.0f} MiB {r['peak'] - r['before']:9,.0f} MiB",
                flush=True,
            )
    for a, b in (("veikart_cs", "dd_cs"), ("veikart_cs", "csdid_cs"), ("dd_cs", "csdid_cs")):
        if a in results and b in results:
            compare(f"{a} vs {b}", results[a], results[b])
    if "veikart_imputation" in results and "dd_imputation" in results:
        compare("veikart_imputation vs dd_imputation", results["veikart_imputation"],
                results["dd_imputation"])  # fmt: skip
    for method, r in results.items():
        att, se = r["overall"]["simple"]
        print(f"{method:<20} overall ATT {att:.4f} (se {se:.4f})")


if __name__ == "__main__":
    main()
