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
    result_schema,
    weekly_snapshots,
)
from veikart.adoption.engine.registry import REGISTRY, UNITS, Metric, Unit

__all__ = [
    "GRAINS",
    "GROUPS",
    "PEOPLE_SCHEMA",
    "REGISTRY",
    "UNITS",
    "Grain",
    "Metric",
    "Unit",
    "build_sql",
    "compute",
    "result_schema",
    "weekly_snapshots",
]
