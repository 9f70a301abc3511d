"""Several imputation estimands at once, with their joint covariance (Borusyak, Jaravel & Spiess).

Every estimand of the imputation estimator is a weighted sum of the imputed effects,
``τ̂_w = Σ_{Ω₁} w_it τ̂_it`` (see :mod:`veikart.impact.stats.imputation`). Its conservative,
cluster-robust variance is ``V̂_w = Σ_c S_cw²`` with the cluster scores

    S_cw = Σ_{it∈c} v_it ε̃_it

(``v`` the implied weights on all observations, ``ε̃`` the residuals of the untreated fit and the
treated effects' deviations from their smart cell averages ``τ̃``). For ``F`` estimands the same
scores give the covariance matrix ``V̂ = S'S`` (F × F), so that a linear combination ``c'τ̂``
has ``V̂ = c'S'Sc`` and a Wald test of ``Rτ = 0`` is ``W = (Rτ̂)'(R V̂ R')⁺(Rτ̂) ~ χ²(rank)``.

Each estimand averages ``τ̂`` within its own rows when it forms ``τ̃`` (cells ``G`` of
``effects_by``, intersected with the rows the estimand weights). For a combination ``c'τ̂`` the
variance ``c'V̂c`` is therefore BJS's variance with ``τ̃`` cells refined by the estimands'
supports: the same when the supports do not split a cell (event times and calendar periods do
not split cohort × period cells), otherwise finer cells — still valid, and for a contrast between
groups what one wants: the difference between the groups is not counted as noise.

``effects_within`` refines the ``τ̃`` cells of every estimand by a column, for estimands that
span groups whose effects differ (e.g. the overall mean): averaging ``τ̂`` across the groups would
put their difference into ``ε̃`` and inflate the standard error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from veikart.impact.stats._panel import _codes
from veikart.impact.stats.imputation import (
    _ONE_ROW_PER_UNIT,
    EffectsBy,
    PanelRows,
    WeightSpec,
    _cluster_scores,
    _column_or_array,
    _effect_groups,
    _Estimands,
    _Fit,
    _fit,
    _mean_weights,
    _signed_normalised,
    _time_effects,
    read_panel,
    wald,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def z_value(alpha: float) -> float:
    """The two-sided normal critical value ``z_{1−α/2}``."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    return float(stats.norm.ppf(1 - alpha / 2))


@dataclass(frozen=True)
class Interval:
    """An estimate with its standard error and the normal ``1 − alpha`` interval
    ``estimate ± z_{1−α/2} · se``."""

    estimate: float
    se: float
    lower: float
    upper: float
    alpha: float = 0.05

    @classmethod
    def normal(cls, estimate: float, se: float, alpha: float = 0.05) -> Interval:
        z = z_value(alpha)
        return cls(float(estimate), float(se), estimate - z * se, estimate + z * se, alpha)

    @property
    def covers_zero(self) -> bool:
        return self.lower <= 0.0 <= self.upper


@dataclass(frozen=True)
class WaldTest:
    """``W = (Rθ̂)'(R V̂ R')⁺ (Rθ̂) ~ χ²(df)`` with ``df`` the rank of ``R V̂ R'``."""

    statistic: float
    df: int
    p_value: float


def wald_test(estimates: FloatArray, covariance: FloatArray, restrictions: FloatArray) -> WaldTest:
    """Wald test of ``R θ = 0`` (``restrictions`` is ``R``, one row per restriction)."""
    r = np.atleast_2d(np.asarray(restrictions, dtype=np.float64))
    if r.shape[0] == 0:
        return WaldTest(math.nan, 0, math.nan)
    cov = r @ covariance @ r.T
    return WaldTest(*wald(r @ estimates, (cov + cov.T) / 2))


@dataclass(frozen=True)
class EstimandSet:
    """Imputation estimands with their joint covariance.

    ``table`` has one row per estimand: ``name, att, se, lower, upper`` (95 %) and ``n_obs``
    (imputed treated observations with a non-zero weight); ``covariance`` is ``V̂ = S'S`` in the
    same order (NaN rows for estimands without observations). ``time_effects`` are the fitted
    ``λ̂`` of the untreated model (as :attr:`ImputationResult.time_effects`).
    ``n_not_imputed`` counts the treated observations that could not be imputed (left out of
    every estimate, see ``notes``).
    """

    table: pd.DataFrame
    covariance: FloatArray
    time_effects: pd.DataFrame
    n_units: int
    n_clusters: int
    n_not_imputed: int
    effects_by: EffectsBy
    notes: tuple[str, ...] = field(default=())

    def _index(self, name: Any) -> int:
        hits = np.flatnonzero(self.table["name"].to_numpy() == name)
        if hits.size != 1:
            raise KeyError(f"no estimand named {name!r}")
        return int(hits[0])

    def combine(self, weights: Mapping[Any, float], alpha: float = 0.05) -> Interval:
        """The linear combination ``Σ weights[name] · τ̂_name`` with its standard error."""
        c = np.zeros(len(self.table))
        for name, value in weights.items():
            c[self._index(name)] += value
        used = c != 0
        att = self.table["att"].to_numpy()[used]
        cov = self.covariance[np.ix_(used, used)]
        estimate = float(c[used] @ att)
        se = float(np.sqrt(max(float(c[used] @ cov @ c[used]), 0.0)))
        return Interval.normal(estimate, se, alpha)

    def equality_test(self, names: Sequence[Any]) -> WaldTest:
        """Wald test that the named estimands are all equal (``len(names) − 1`` contrasts)."""
        idx = [self._index(name) for name in names]
        if len(idx) < 2:
            return WaldTest(math.nan, 0, math.nan)
        r = np.zeros((len(idx) - 1, len(self.table)))
        r[:, idx[0]] = -1.0
        r[np.arange(len(idx) - 1), idx[1:]] = 1.0
        return wald_test(self.table["att"].to_numpy(), self.covariance, r)


@dataclass(frozen=True)
class _Prepared:
    """A fitted panel: coded rows, the untreated fit and the observation weights of ``Ω₁``."""

    data: pd.DataFrame
    rows: PanelRows
    fit: _Fit
    base: FloatArray  # observation weight of each imputed treated row
    grouped: bool

    @property
    def positions(self) -> IntArray:
        """The input-frame row of each imputed treated observation."""
        return self.rows.position[self.fit.tr]


def _prepare(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    fe_group: str | None,
    cluster: str | None,
    weights: str | None,
) -> _Prepared:
    rows = read_panel(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster
    )
    fit = _fit(rows)
    base = np.ones(fit.tr.size)
    if weights is not None:
        base = _column_or_array(data, weights, "weights")[rows.position[fit.tr]]
        if not np.all(np.isfinite(base) & (base >= 0)):
            raise ValueError(f"weights in column {weights!r} must be finite and ≥ 0")
    return _Prepared(data, rows, fit, base, fe_group is not None)


def _means_by(
    prepared: _Prepared, key: npt.NDArray[Any]
) -> tuple[list[Any], tuple[IntArray, IntArray, FloatArray]]:
    """One mean estimand per distinct value of ``key`` (aligned with the data) over the imputed
    treated rows; rows with a missing key belong to none."""
    values = pd.Series(np.asarray(key)[prepared.positions])
    present = values.notna().to_numpy()
    codes, uniques = pd.factorize(values[present], sort=True)
    members = np.flatnonzero(present).astype(np.intp)
    parts = _mean_weights(prepared.base, members, codes.astype(np.intp), len(uniques), 0)
    return list(uniques), parts


def _weight_vectors(
    prepared: _Prepared, specs: Mapping[str, WeightSpec], normalise: bool, offset: int
) -> tuple[list[tuple[IntArray, IntArray, FloatArray]], int]:
    """User weight vectors (columns or arrays aligned with the data) on the imputed treated rows,
    and how many treated rows with a non-zero weight could not be imputed."""
    parts = []
    rows = prepared.rows
    treated = np.flatnonzero(rows.treated)
    lost = np.setdiff1d(treated, prepared.fit.tr, assume_unique=True)
    dropped = 0
    for m, (name, spec) in enumerate(specs.items()):
        column = _column_or_array(prepared.data, spec, f"estimand {name!r}")
        values = column[prepared.positions] * prepared.base
        if not np.all(np.isfinite(values)):
            raise ValueError(f"estimand {name!r} has missing weights on treated rows")
        lost_values = column[rows.position[lost]]
        dropped += int(np.count_nonzero(np.nan_to_num(lost_values)))
        if normalise:
            values = _signed_normalised(values)
        nz = np.flatnonzero(values).astype(np.intp)
        parts.append((nz, np.full(nz.size, offset + m, dtype=np.intp), values[nz]))
    return parts, dropped


def _tilde_groups(
    prepared: _Prepared, effects_by: EffectsBy, effects_within: str | None
) -> IntArray:
    rows, tr = prepared.rows, prepared.fit.tr
    event_time = rows.time[tr] - rows.cohort[tr]
    group = _effect_groups(effects_by, rows.cohort[tr], rows.period[tr], event_time)
    if effects_within is None:
        return group
    if effects_within not in prepared.data.columns:
        raise ValueError(f"column {effects_within!r} not in the data")
    within, _ = _codes(prepared.data[effects_within])
    combined = group.astype(np.int64) * (int(within.max()) + 2) + within[prepared.positions] + 1
    return pd.factorize(combined)[0].astype(np.intp)


def _evaluate(
    prepared: _Prepared,
    est: _Estimands,
    names: list[Any],
    effects_by: EffectsBy,
    effects_within: str | None,
    notes: list[str],
) -> EstimandSet:
    fit, rows = prepared.fit, prepared.rows
    group = _tilde_groups(prepared, effects_by, effects_within)
    one_row = effects_by in _ONE_ROW_PER_UNIT
    scores = _cluster_scores(rows, fit.fe, fit.residuals, fit.tr, fit.tau, est, group, one_row)
    covariance = scores.T @ scores
    att = np.bincount(est.col, weights=est.val * fit.tau[est.row], minlength=est.n)
    n_obs = np.bincount(est.col[est.val != 0], minlength=est.n).astype(np.intp)
    empty = n_obs == 0
    att = np.where(empty, np.nan, att)
    covariance[empty, :] = np.nan
    covariance[:, empty] = np.nan
    se = np.sqrt(np.diag(covariance))
    z = z_value(0.05)
    table = pd.DataFrame(
        {
            "name": pd.Series(names, dtype=object),
            "att": att,
            "se": se,
            "lower": att - z * se,
            "upper": att + z * se,
            "n_obs": n_obs,
        }
    )
    return EstimandSet(
        table=table,
        covariance=covariance,
        time_effects=_time_effects(rows, fit.fe, fit.lam, grouped=prepared.grouped),
        n_units=rows.n_units,
        n_clusters=rows.n_clusters,
        n_not_imputed=fit.n_not_imputed,
        effects_by=effects_by,
        notes=tuple(notes),
    )


def imputation_estimands(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    estimands: Mapping[str, WeightSpec] | None = None,
    means_by: str | Sequence[Any] | npt.NDArray[Any] | pd.Series | None = None,
    fe_group: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    normalise: bool = True,
    effects_by: EffectsBy = "cohort_period",
    effects_within: str | None = None,
) -> EstimandSet:
    """Estimate several imputation estimands and their joint covariance (module docstring).

    ``means_by`` (a column name, or values aligned with ``data``): one estimand per distinct value
    on the imputed treated rows, the ``weights``-weighted mean of ``τ̂`` over its rows, named by
    the value (in sorted order). ``estimands``: named weight vectors over the rows (column names
    or arrays aligned with ``data``), multiplied by ``weights``; with ``normalise`` (default) the
    positive weights are rescaled to sum to 1 and the negative ones to −1 (as
    :func:`veikart.impact.stats.imputation` does), without it they are used as given (the
    estimate is then ``Σ w τ̂`` over the imputed rows only). Other arguments as for
    :func:`veikart.impact.stats.imputation`; ``effects_within`` refines the ``τ̃`` cells by a
    column.
    """
    if effects_by not in get_args(EffectsBy):
        raise ValueError(f"effects_by must be one of {', '.join(get_args(EffectsBy))}")
    prepared = _prepare(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster,
        weights=weights,
    )  # fmt: skip
    return _estimate(
        prepared, estimands=estimands, means_by=means_by, normalise=normalise,
        effects_by=effects_by, effects_within=effects_within,
    )  # fmt: skip


def _estimate(
    prepared: _Prepared,
    *,
    estimands: Mapping[str, WeightSpec] | None = None,
    means_by: str | Sequence[Any] | npt.NDArray[Any] | pd.Series | None = None,
    normalise: bool = True,
    effects_by: EffectsBy = "cohort_period",
    effects_within: str | None = None,
) -> EstimandSet:
    """:func:`imputation_estimands` on an already fitted panel."""
    if effects_by not in get_args(EffectsBy):
        raise ValueError(f"effects_by must be one of {', '.join(get_args(EffectsBy))}")
    if not estimands and means_by is None:
        raise ValueError("give estimands, means_by or both")
    data = prepared.data
    names: list[Any] = []
    parts: list[tuple[IntArray, IntArray, FloatArray]] = []
    if means_by is not None:
        key = data[means_by].to_numpy() if isinstance(means_by, str) else np.asarray(means_by)
        if key.shape != (len(data),):
            raise ValueError("means_by: expected one value per row of the data")
        names, part = _means_by(prepared, key)
        parts.append(part)
    notes = list(prepared.fit.notes)
    user, dropped = _weight_vectors(prepared, dict(estimands or {}), normalise, len(names))
    parts.extend(user)
    names.extend(dict(estimands or {}))
    if dropped:
        notes.append(
            f"{dropped} treated observations with a non-zero estimand weight could not be "
            "imputed and are left out of those estimands."
        )
    est = _Estimands.concat(parts, len(names))
    return _evaluate(prepared, est, names, effects_by, effects_within, notes)
