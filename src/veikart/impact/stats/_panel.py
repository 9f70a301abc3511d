"""Long-form panel → dense balanced unit × period matrix, with the sample rules of R's ``did``.

R's ``att_gt`` (``panel=TRUE``, ``allow_unbalanced_panel=FALSE``, no anticipation) prepares the
sample in this order, and so does :func:`prepare_panel`:

1. Rows with a missing or non-finite outcome, period, unit or cluster are dropped.
2. A cohort after the last observed period counts as never treated (cohort 0).
3. Without never-treated units the last cohort becomes the comparison group: periods from its
   first treated period on are dropped; with never-treated controls it is recoded as never
   treated, with not-yet-treated controls it stays a comparison group without estimates.
4. Units treated in (or before) the first period are dropped: they have no pre-period.
5. Units not observed in every remaining period are dropped (a balanced panel).
6. With never-treated controls, fewer than five never-treated units is an error.

Cohort 0 and NaN both mean never treated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

MIN_NEVER_TREATED = 5  # R: "Never-treated group is too small" below 5 units


@dataclass(frozen=True)
class BalancedPanel:
    """A balanced panel as a dense matrix, units sorted by cohort (never treated first).

    ``outcomes[i, j]`` is unit ``i``'s outcome in ``periods[j]``; ``unit_cohort[i]`` its first
    treated period (0: never treated, or the last cohort kept only as a comparison group);
    ``cohorts`` the treated cohorts that get estimates (R's ``glist``).
    """

    outcomes: FloatArray
    periods: FloatArray
    unit_ids: npt.NDArray[np.object_]
    unit_cohort: FloatArray
    unit_cluster: IntArray | None
    cohorts: FloatArray
    notes: tuple[str, ...]

    def __post_init__(self) -> None:
        n, n_periods = self.outcomes.shape
        if n_periods != self.periods.size or self.unit_cohort.size != n:
            raise ValueError("outcomes, periods and unit_cohort do not fit together")
        if n_periods < 2 or self.cohorts.size == 0:
            raise ValueError("a panel needs two periods and at least one treated cohort")

    @property
    def n_units(self) -> int:
        return int(self.outcomes.shape[0])


def _numeric(data: pd.DataFrame, column: str) -> FloatArray:
    series = data[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise ValueError(f"column {column!r} must be numeric, got {series.dtype}")
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _codes(values: pd.Series) -> tuple[IntArray, npt.NDArray[np.object_]]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object)


def _sorted_codes(values: FloatArray) -> tuple[IntArray, FloatArray]:
    """Codes of ``values`` in ascending order of value (hash factorisation, then a small sort)."""
    raw, uniques = pd.factorize(values)
    uniq = np.asarray(uniques, dtype=np.float64)
    order = np.argsort(uniq)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[raw].astype(np.intp, copy=False), uniq[order]


def _one_per_unit(
    unit: IntArray, values: FloatArray | IntArray, n_units: int, what: str
) -> FloatArray:
    per_unit = np.zeros(n_units, dtype=np.float64)
    per_unit[unit] = values
    if np.any(per_unit[unit] != values):
        raise ValueError(f"{what} must be the same in every period of a unit")
    return per_unit


@dataclass
class _Sample:
    """The sample while the rules are applied (mutable working state, units × periods)."""

    outcomes: FloatArray
    periods: FloatArray
    unit_ids: npt.NDArray[np.object_]
    cohort: FloatArray
    cluster: IntArray | None
    notes: list[str]

    def keep_units(self, keep: BoolArray) -> None:
        self.outcomes = self.outcomes[keep]
        self.unit_ids = self.unit_ids[keep]
        self.cohort = self.cohort[keep]
        if self.cluster is not None:
            self.cluster = self.cluster[keep]

    def keep_periods(self, keep: BoolArray) -> None:
        self.outcomes = self.outcomes[:, keep]
        self.periods = self.periods[keep]
        if self.periods.size == 0:
            raise ValueError("no periods remain before the last cohort's first treated period")

    def without_never_treated(self, control_group: str) -> float:
        """R's rule when nobody is never treated: the last cohort becomes the comparison."""
        latest = float(self.cohort.max())
        self.keep_periods(self.periods < latest)
        if control_group == "never":
            self.cohort = np.where(self.cohort == latest, 0.0, self.cohort)
            self.notes.append(
                f"No never-treated units: cohort {latest:g} is used as never treated and "
                f"periods from {latest:g} on are dropped."
            )
        else:
            self.notes.append(
                f"No never-treated units: cohort {latest:g} serves only as a comparison group "
                f"and periods from {latest:g} on are dropped."
            )
        return latest


@dataclass(frozen=True)
class _Columns:
    """The columns every estimator reads, coded: the shared first step of reading a panel."""

    outcome: FloatArray
    period: FloatArray
    first_treated: FloatArray  # 0 = never treated
    unit_code: IntArray
    unit_ids: npt.NDArray[np.object_]
    keep: npt.NDArray[np.bool_]  # rows with a finite outcome and period and a unit


def _code_columns(
    data: pd.DataFrame, *, y: str, unit: str, time: str, cohort: str, extra: Sequence[str] = ()
) -> _Columns:
    missing = [c for c in [unit, time, y, cohort, *extra] if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in the data: {', '.join(missing)}")
    outcome = _numeric(data, y)
    period = _numeric(data, time)
    first_treated = _numeric(data, cohort)
    first_treated = np.where(np.isfinite(first_treated), first_treated, 0.0)
    if np.any(first_treated < 0):
        raise ValueError(f"column {cohort!r} must be 0/NaN (never treated) or a period")
    unit_code, unit_ids = _codes(data[unit])
    keep = np.isfinite(outcome) & np.isfinite(period) & (unit_code >= 0)
    return _Columns(outcome, period, first_treated, unit_code, unit_ids, keep)


def _read_long(
    data: pd.DataFrame, *, y: str, unit: str, time: str, cohort: str, cluster: str | None
) -> _Sample:
    coded = _code_columns(
        data, y=y, unit=unit, time=time, cohort=cohort, extra=[cluster] if cluster else []
    )
    outcome, period, first_treated = coded.outcome, coded.period, coded.first_treated
    unit_code, unit_ids, keep = coded.unit_code, coded.unit_ids, coded.keep
    cluster_code: IntArray | None = None
    if cluster is not None and cluster != unit:
        cluster_code, _ = _codes(data[cluster])
        keep &= cluster_code >= 0
    if not keep.any():
        raise ValueError("no rows with a finite outcome and period")
    notes = []
    if not keep.all():
        notes.append(f"Dropped {int((~keep).sum())} rows with a missing outcome, period or id.")
        outcome, period, first_treated = outcome[keep], period[keep], first_treated[keep]
        unit_code = unit_code[keep]
        if cluster_code is not None:
            cluster_code = cluster_code[keep]
    # Re-code units over the kept rows only (a unit may have lost all of its rows).
    present = np.bincount(unit_code, minlength=unit_ids.size) > 0
    if not present.all():
        unit_code = (np.cumsum(present) - 1)[unit_code]
        unit_ids = unit_ids[present]
    n_units = unit_ids.size
    time_code, periods = _sorted_codes(period)

    flat = unit_code * periods.size + time_code
    if np.bincount(flat, minlength=n_units * periods.size).max() > 1:
        raise ValueError(f"each unit may appear once per period ({unit!r} × {time!r})")
    unit_cohort = _one_per_unit(unit_code, first_treated, n_units, f"column {cohort!r}")
    unit_cluster: IntArray | None = None
    if cluster_code is not None:
        per_unit = _one_per_unit(unit_code, cluster_code, n_units, f"column {cluster!r}")
        _, unit_cluster = np.unique(per_unit.astype(np.intp), return_inverse=True)

    outcomes = np.full((n_units, periods.size), np.nan)
    outcomes[unit_code, time_code] = outcome
    return _Sample(outcomes, periods, unit_ids, unit_cohort, unit_cluster, notes)


def prepare_panel(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    control_group: str,
    cluster: str | None = None,
) -> BalancedPanel:
    """Apply R ``did``'s sample rules (see the module docstring) and pivot to a dense matrix."""
    s = _read_long(data, y=y, unit=unit, time=time, cohort=cohort, cluster=cluster)
    s.cohort = np.where(s.cohort > s.periods[-1], 0.0, s.cohort)

    latest: float | None = None
    if not np.any(s.cohort == 0):
        latest = s.without_never_treated(control_group)

    treated_first = (s.cohort > 0) & (s.cohort <= s.periods[0])
    if treated_first.any():
        s.notes.append(
            f"Dropped {int(treated_first.sum())} units treated in the first period "
            f"({s.periods[0]:g}); they have no pre-treatment period."
        )
        s.keep_units(~treated_first)
        s.keep_periods(np.asarray(np.isfinite(s.outcomes).any(axis=0)))

    balanced = np.asarray(np.isfinite(s.outcomes).all(axis=1))
    if not balanced.all():
        s.notes.append(
            f"Dropped {int((~balanced).sum())} units not observed in all {s.periods.size} "
            "periods (a balanced panel, as R's did with panel=TRUE)."
        )
        s.keep_units(balanced)
    if s.cohort.size == 0:
        raise ValueError("no unit is observed in every period")
    if not np.any(s.cohort == 0) and (latest is None or s.cohort.max() < latest):
        latest = s.without_never_treated(control_group)

    cohorts = np.unique(s.cohort[s.cohort > s.periods[0]])
    if control_group == "notyet" and latest is not None:
        cohorts = cohorts[cohorts < latest]
    if cohorts.size == 0:
        raise ValueError("no treated cohort with a pre-treatment period remains")
    if s.periods.size < 2:
        raise ValueError("fewer than two periods remain")
    n_never = int(np.sum(s.cohort == 0))
    if control_group == "never" and n_never < MIN_NEVER_TREATED:
        raise ValueError(
            f"only {n_never} never-treated units: too few as a comparison group, "
            "use control_group='notyet'"
        )

    order = np.argsort(s.cohort, kind="stable")
    return BalancedPanel(
        outcomes=np.ascontiguousarray(s.outcomes[order]),
        periods=s.periods,
        unit_ids=s.unit_ids[order],
        unit_cohort=s.cohort[order],
        unit_cluster=None if s.cluster is None else s.cluster[order],
        cohorts=cohorts,
        notes=tuple(s.notes),
    )
