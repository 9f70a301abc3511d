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
from veikart.impact.stats.decomposition import (
    BeforeAfter,
    Decomposition,
    WeekEffectPath,
    decompose,
    effect_before_after,
    week_effect_path,
)
from veikart.impact.stats.diagnostics import DesignDiagnostics, DesignWarning, design_diagnostics
from veikart.impact.stats.estimands import EstimandSet, Interval, WaldTest, imputation_estimands
from veikart.impact.stats.event_study import (
    BinnedEventStudy,
    EventStudy,
    bin_event_study,
    cs_event_study,
    imputation_event_study,
)
from veikart.impact.stats.heterogeneity import Heterogeneity, effects_by_group
from veikart.impact.stats.imputation import (
    EffectsBy,
    ImputationPreTest,
    ImputationResult,
    imputation,
)
from veikart.impact.stats.imputation import pretest as imputation_pretest
from veikart.impact.stats.sensitivity import (
    Flci,
    Sensitivity,
    flci,
    honest_inputs,
    relative_magnitudes,
    sensitivity,
    smoothness,
    smoothness_upper_bound,
)
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
    "BeforeAfter",
    "BinnedEventStudy",
    "ControlGroup",
    "Decomposition",
    "DesignDiagnostics",
    "DesignWarning",
    "EffectsBy",
    "EstimandSet",
    "EventStudy",
    "Flci",
    "Heterogeneity",
    "ImputationPreTest",
    "ImputationResult",
    "Interval",
    "PreTest",
    "Sensitivity",
    "TwfeComparison",
    "TwfeEventStudy",
    "TwfeStatic",
    "UniformBand",
    "WaldTest",
    "WeekEffectPath",
    "att_gt",
    "bin_event_study",
    "compare_twfe",
    "cs_event_study",
    "decompose",
    "design_diagnostics",
    "effect_before_after",
    "effects_by_group",
    "flci",
    "honest_inputs",
    "imputation",
    "imputation_estimands",
    "imputation_event_study",
    "imputation_pretest",
    "relative_magnitudes",
    "sensitivity",
    "smoothness",
    "smoothness_upper_bound",
    "twfe_event_study",
    "twfe_static",
    "week_effect_path",
]
