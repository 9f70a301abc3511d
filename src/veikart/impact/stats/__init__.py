"""Impact statistics: pure numpy/scipy/pandas engines (no Django), returning frozen dataclasses."""

from veikart.impact.stats.callaway_santanna import (
    Aggregation,
    AggregationKind,
    AttGtResult,
    BandKind,
    BasePeriod,
    ControlGroup,
    PreTest,
    UniformBand,
    att_gt,
)
from veikart.impact.stats.imputation import (
    EffectsBy,
    ImputationPreTest,
    ImputationResult,
    imputation,
)
from veikart.impact.stats.imputation import pretest as imputation_pretest
from veikart.impact.stats.twfe import (
    TwfeComparison,
    TwfeEventStudy,
    TwfeStatic,
    compare_twfe,
    twfe_event_study,
    twfe_static,
)

__all__ = [
    "Aggregation",
    "AggregationKind",
    "AttGtResult",
    "BandKind",
    "BasePeriod",
    "ControlGroup",
    "EffectsBy",
    "ImputationPreTest",
    "ImputationResult",
    "PreTest",
    "TwfeComparison",
    "TwfeEventStudy",
    "TwfeStatic",
    "UniformBand",
    "att_gt",
    "compare_twfe",
    "imputation",
    "imputation_pretest",
    "twfe_event_study",
    "twfe_static",
]
