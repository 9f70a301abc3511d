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

__all__ = [
    "Aggregation",
    "AggregationKind",
    "AttGtResult",
    "BandKind",
    "BasePeriod",
    "ControlGroup",
    "PreTest",
    "UniformBand",
    "att_gt",
]
