"""Benchmark: the impact product-layer statistics at 50,000 people × 130 weeks.

Run from the repository root: ``.venv/bin/python bench/impact_product.py``.
Uses the panel of ``bench/impact_imputation.py`` (seven unit types, 20 cohorts, 10 % never
treated, a type-specific shock in week 62).
"""

from __future__ import annotations

import resource
import sys

sys.path.insert(0, "bench")

from impact_imputation import measured, simulate

from veikart.impact.stats import (
    att_gt,
    bin_event_study,
    cs_event_study,
    decompose,
    design_diagnostics,
    effect_before_after,
    effects_by_group,
    honest_inputs,
    imputation,
    imputation_event_study,
    relative_magnitudes,
    smoothness,
)

COLUMNS = {"y": "y", "unit": "unit", "time": "week", "cohort": "cohort"}


def main() -> None:
    data = simulate(50_000, 130, 20)
    print(f"{len(data):,} rows")
    repeat = 2
    measured(
        "design diagnostics",
        lambda: design_diagnostics(data, unit="unit", time="week", cohort="cohort"),
        repeat,
    )
    measured(
        "imputation (reference: overall + event time + cohort)",
        lambda: imputation(data, **COLUMNS, fe_group="unit_type"),
        repeat,
    )
    study = measured(
        "imputation event study with covariance (all e)",
        lambda: imputation_event_study(data, **COLUMNS, fe_group="unit_type"),
        repeat,
    )
    measured("  + 4-week bins", lambda: bin_event_study(study, width=4), repeat)
    result = att_gt(data, **COLUMNS, control_group="notyet", base_period="universal")
    cs = measured("CS dynamic event study with covariance", lambda: cs_event_study(result), repeat)
    measured("  + 4-week bins", lambda: bin_event_study(cs, width=4), repeat)
    measured(
        "decomposition (weeks 20 → 100) + week-effect path",
        lambda: decompose(data, **COLUMNS, start=20, end=100, fe_group="unit_type"),
        repeat,
    )
    measured(
        "before/after week 62, same-event-time difference",
        lambda: effect_before_after(data, **COLUMNS, split=62, fe_group="unit_type"),
        repeat,
    )
    measured(
        "heterogeneity by 100 departments + Wald test",
        lambda: effects_by_group(data, **COLUMNS, by="dept", fe_group="unit_type"),
        repeat,
    )
    window = cs_event_study(result, min_e=-8, max_e=12)
    beta, sigma, num_pre = honest_inputs(window)
    measured(
        "relative magnitudes, 5 M̄ + breakdown (e −8…12)",
        lambda: relative_magnitudes(beta, sigma, num_pre),
        repeat,
    )
    measured(
        "smoothness FLCI, 10 M + breakdown (e −8…12)",
        lambda: smoothness(beta, sigma, num_pre),
        repeat,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"process peak resident set size {peak:.2f} GB")


if __name__ == "__main__":
    main()
