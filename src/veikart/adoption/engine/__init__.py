"""The adoption metrics engine: the metric registry and DuckDB SQL over the usage lake.

No Django imports, so it can be tested and benchmarked alone; the Django side builds the
``people`` table from assignments and stores what :func:`compute` returns.
"""

from veikart.adoption.engine.engine import (
    GRAINS,
    GROUPS,
    PEOPLE_SCHEMA,
    Grain,
    build_sql,
    compute,
    compute_breakdowns,
    compute_periods,
    result_schema,
    weekly_snapshots,
)
from veikart.adoption.engine.privacy import (
    BREAKDOWNS,
    PLAN_SCHEMA,
    attribute_text,
    plan_suppression,
)
from veikart.adoption.engine.registry import REGISTRY, UNITS, Metric, Unit

__all__ = [
    "BREAKDOWNS",
    "GRAINS",
    "GROUPS",
    "PEOPLE_SCHEMA",
    "PLAN_SCHEMA",
    "REGISTRY",
    "UNITS",
    "Grain",
    "Metric",
    "Unit",
    "attribute_text",
    "build_sql",
    "compute",
    "compute_breakdowns",
    "compute_periods",
    "plan_suppression",
    "result_schema",
    "weekly_snapshots",
]
