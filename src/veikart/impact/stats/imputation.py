"""Borusyak, Jaravel & Spiess (2024) imputation estimator for staggered adoption panels.

Units ``i`` are first treated in period ``E_i`` (their cohort; 0 or NaN: never treated) and stay
treated. Untreated observations ``Ω₀`` are the never-treated and not-yet-treated ones
(``t < E_i``); treated observations ``Ω₁`` are those with ``t ≥ E_i``. The model of the untreated
outcome has unit and period fixed effects, or unit and group × period effects when each unit
belongs to a group ``g(i)`` (e.g. its unit type, ``fe_group``):

    Y_it(0) = α_i + λ_{g(i),t} + ε_it

1. Fit ``α̂, λ̂`` by least squares on ``Ω₀`` only.
2. Impute ``Ŷ_it(0) = α̂_i + λ̂_{g(i),t}`` for ``it ∈ Ω₁`` and take ``τ̂_it = Y_it − Ŷ_it(0)``.
3. Average with estimand weights ``w`` on ``Ω₁``: ``τ̂_w = Σ_{Ω₁} w_it τ̂_it`` (``Σ w = 1`` for an
   average) — overall, by event time ``e = t − E_i``, by cohort, or any user-given weights.

The point estimates equal Gardner's two-stage ``did2s``. The estimator is linear in ``Y``:
``τ̂_w = Σ_it v_it Y_it`` with ``v_it = w_it`` on ``Ω₁`` and the *imputation weights*
``v_{Ω₀} = −X₀ (X₀'X₀)⁻ X₁' w`` on ``Ω₀`` (``X`` the fixed-effect dummies). Standard errors are
BJS's conservative, cluster-robust variance (their Theorem 3):

    V̂_w = Σ_c ( Σ_{it ∈ c} v_it ε̃_it )²

with ``ε̃_it = Y_it − α̂_i − λ̂_{g(i),t}`` on ``Ω₀`` and ``ε̃_it = τ̂_it − τ̃_it`` on ``Ω₁``, where
``τ̃`` averages ``τ̂`` within cohort × period cells ``G`` (equivalently cohort × event time) with
BJS's "smart" weights (Section 4.3, as their ``did_imputation`` computes them):

    τ̃_G = Σ_{j∈G} W_{c(j),G} w_j τ̂_j / Σ_{j∈G} W_{c(j),G} w_j,     W_{c,G} = Σ_{j ∈ c∩G} w_j

(with one observation per cluster in a cell the weights are ``w²``). Clusters ``c`` are units by
default; no leave-out correction and no small-sample factor. The variance is conservative when
effects vary within the cells (it then includes their spread).

Computation, without dummies: the normal equations are solved by eliminating ``α``. With
``n_i`` fitted rows per unit, ``B`` the unit × cell incidence of the fitted rows (cells ``k`` =
group × period, ``K`` of them) and right-hand sides ``a`` (per unit) and ``l`` (per cell),

    S λ = l − B' D⁻¹ a,     S = diag(n_k) − B' D⁻¹ B,     α = D⁻¹ (a − B λ),   D = diag(n_i)

``S`` is a ``K × K`` weighted graph Laplacian of the cells (small: weeks × groups); its null space
is spanned by the indicators of connected components of cells, so ``S + c·ΣZZ'`` (``Z`` the
normalised indicators) is positive definite and one Cholesky factor solves every right-hand side:
the outcome, the imputation weights of all estimands at once, and dummy regressors. Unit × period
matrices are held dense (``N × T``), so the cost is ``O(N T² + K³)`` plus linear passes over rows.

A treated observation can be imputed only if its unit has an untreated observation and its
group × period cell has one in the same connected component; the others (e.g. weeks when every
unit of a group is treated, units treated from their first period) are left out of every
estimate and counted in ``n_not_imputed`` (BJS's ``autosample``).

:class:`FixedEffects`, :func:`read_panel` and :func:`dummy_regression` are shared with
:mod:`veikart.impact.stats.twfe`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import linalg, sparse, stats  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse import csgraph  # type: ignore[import-untyped, unused-ignore]

from veikart.impact.stats._panel import (
    _code_columns,
    _codes,
    _numeric,
    _one_per_unit,
    _sorted_codes,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

EffectsBy = Literal["cohort_period", "cohort", "event_time", "period", "all"]
WeightSpec = str | Sequence[float] | npt.NDArray[Any] | pd.Series

Z_95 = float(stats.norm.ppf(0.975))
# τ̃ groups in which a unit has at most one row (so that W_{c,G} = w when clustering by unit).
_ONE_ROW_PER_UNIT: tuple[str, ...] = ("cohort_period", "event_time", "period")


def _sums(codes: npt.NDArray[np.integer[Any]], weights: FloatArray, length: int) -> FloatArray:
    """Sums of ``weights`` by ``codes`` in ``0..length−1`` (a typed ``np.bincount``)."""
    return np.asarray(np.bincount(codes, weights=weights, minlength=length), dtype=np.float64)


# --- the panel as coded rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class PanelRows:
    """The kept rows of a long panel, coded for a dense unit × period layout.

    Units are numbered ``0..N−1`` sorted by their fixed-effect group; periods ``0..T−1`` in
    ascending order of ``periods``. ``position`` maps each kept row to its row in the input frame.
    ``unit_cluster`` is ``None`` when clustering by unit.
    """

    position: IntArray
    y: FloatArray
    unit: IntArray
    period: IntArray
    cohort: FloatArray  # per row, 0 = never treated
    periods: FloatArray
    unit_ids: npt.NDArray[np.object_]
    unit_group: IntArray  # per unit, ascending
    groups: npt.NDArray[np.object_]
    unit_cluster: IntArray | None
    notes: tuple[str, ...]

    @property
    def n_units(self) -> int:
        return int(self.unit_ids.size)

    @property
    def n_periods(self) -> int:
        return int(self.periods.size)

    @property
    def n_clusters(self) -> int:
        if self.unit_cluster is None:
            return self.n_units
        return int(self.unit_cluster.max()) + 1 if self.unit_cluster.size else 0

    @cached_property
    def time(self) -> FloatArray:
        return self.periods[self.period]

    @cached_property
    def cell(self) -> IntArray:
        """Each row's group × period cell ``g(i)·T + t``."""
        return self.unit_group[self.unit] * self.n_periods + self.period

    @cached_property
    def treated(self) -> BoolArray:
        return (self.cohort > 0) & (self.time >= self.cohort)

    def dense(self, values: FloatArray, where: BoolArray) -> FloatArray:
        """An ``N × T`` matrix with ``values`` at the rows ``where`` and 0 elsewhere."""
        out = np.zeros(self.n_units * self.n_periods)
        out[self.unit[where] * self.n_periods + self.period[where]] = values
        return out.reshape(self.n_units, self.n_periods)

    def by_cluster(self, per_unit: FloatArray) -> FloatArray:
        """Sum an ``N × F`` matrix over the units of each cluster."""
        if self.unit_cluster is None:
            return per_unit
        indicator = sparse.csr_matrix(
            (np.ones(self.n_units), (self.unit_cluster, np.arange(self.n_units))),
            shape=(self.n_clusters, self.n_units),
        )
        return np.asarray(indicator @ per_unit)


def read_panel(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    fe_group: str | None = None,
    cluster: str | None = None,
) -> PanelRows:
    """Code a long panel (one row per unit and period; unbalanced is fine).

    Rows with a missing or non-finite outcome or period, or a missing unit, group or cluster, are
    dropped (with a note). ``cohort`` (0/NaN: never treated), ``fe_group`` and ``cluster`` must be
    constant within a unit.
    """
    extra = [c for c in (fe_group, cluster) if c is not None]
    coded = _code_columns(data, y=y, unit=unit, time=time, cohort=cohort, extra=extra)
    outcome, period, first = coded.outcome, coded.period, coded.first_treated
    unit_code, unit_ids, keep = coded.unit_code, coded.unit_ids, coded.keep
    group_code: IntArray | None = None
    groups = np.array(["all"], dtype=object)
    if fe_group is not None:
        group_code, groups = _codes(data[fe_group])
        keep &= group_code >= 0
    cluster_code: IntArray | None = None
    if cluster is not None and cluster != unit:
        cluster_code, _ = _codes(data[cluster])
        keep &= cluster_code >= 0
    if not keep.any():
        raise ValueError("no rows with a finite outcome and period")
    notes: list[str] = []
    position = np.flatnonzero(keep).astype(np.intp)
    if position.size < keep.size:
        notes.append(
            f"Dropped {keep.size - position.size} rows with a missing outcome, period, id, group "
            "or cluster."
        )
    outcome, period, first = outcome[position], period[position], first[position]
    unit_code = unit_code[position]
    present = np.bincount(unit_code, minlength=unit_ids.size) > 0
    if not present.all():
        unit_code = (np.cumsum(present) - 1)[unit_code].astype(np.intp)
        unit_ids = unit_ids[present]
    n_units = unit_ids.size
    time_code, periods = _sorted_codes(period)
    if np.bincount(unit_code * periods.size + time_code).max() > 1:
        raise ValueError(f"each unit may appear once per period ({unit!r} × {time!r})")
    _one_per_unit(unit_code, first, n_units, f"column {cohort!r}")  # rows keep their values
    unit_group = np.zeros(n_units, dtype=np.intp)
    if group_code is not None:
        per_unit = _one_per_unit(unit_code, group_code[position], n_units, f"column {fe_group!r}")
        unit_group = per_unit.astype(np.intp)
    unit_cluster: IntArray | None = None
    if cluster_code is not None:
        per_unit = _one_per_unit(unit_code, cluster_code[position], n_units, f"column {cluster!r}")
        unit_cluster = np.unique(per_unit.astype(np.intp), return_inverse=True)[1].astype(np.intp)
    # Units sorted by group, so that each group's units are one slice of the dense layout.
    order = np.argsort(unit_group, kind="stable")
    rank = np.empty(n_units, dtype=np.intp)
    rank[order] = np.arange(n_units)
    return PanelRows(
        position=position,
        y=outcome,
        unit=rank[unit_code],
        period=time_code,
        cohort=first,
        periods=periods,
        unit_ids=unit_ids[order],
        unit_group=unit_group[order],
        groups=groups,
        unit_cluster=None if unit_cluster is None else unit_cluster[order],
        notes=tuple(notes),
    )


# --- fixed effects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FixedEffects:
    """Least squares with unit and group × period fixed effects on a set of fitted rows.

    ``mask[i, t]`` is 1 where unit ``i`` is fitted in period ``t``. Right-hand sides are ``a``
    (``N × F``, sums over each unit's fitted rows) and ``l`` (``K × F``, sums over each cell's);
    :meth:`solve` returns ``α`` (``N × F``) and ``λ`` (``K × F``) of the normal equations via the
    Schur complement in the module docstring. Each connected component's ``λ`` sums to zero;
    cells without fitted rows get ``λ = 0``, units without them ``α = 0``.
    """

    mask: FloatArray
    group_slices: tuple[slice, ...]
    n_unit: FloatArray
    n_cell: FloatArray
    unit_component: IntArray  # -1: no fitted row
    cell_component: IntArray
    solver: FloatArray  # lower Cholesky factor of S + c·ΣZZ' (or its pseudo-inverse)
    cholesky: bool

    @classmethod
    def build(cls, rows: PanelRows, fitted: BoolArray) -> FixedEffects:
        n_periods, n_groups = rows.n_periods, int(rows.groups.size)
        mask = rows.dense(np.ones(int(fitted.sum())), fitted)
        bounds = np.searchsorted(rows.unit_group, np.arange(n_groups + 1))
        slices = tuple(slice(int(bounds[g]), int(bounds[g + 1])) for g in range(n_groups))
        n_unit = mask.sum(axis=1)
        inv_n = np.divide(1.0, n_unit, out=np.zeros_like(n_unit), where=n_unit > 0)
        k = n_groups * n_periods
        n_cell = np.zeros(k)
        laplacian = np.zeros((k, k))
        for g, units in enumerate(slices):
            cells = slice(g * n_periods, (g + 1) * n_periods)
            m = mask[units]
            n_cell[cells] = m.sum(axis=0)
            laplacian[cells, cells] = np.diag(n_cell[cells]) - m.T @ (m * inv_n[units, None])
        n_comp, component = csgraph.connected_components(
            sparse.csr_matrix(laplacian != 0), directed=False
        )
        cell_component = np.asarray(component, dtype=np.intp)
        first = np.argmax(mask, axis=1)
        unit_component = np.where(
            n_unit > 0, cell_component[rows.unit_group * n_periods + first], -1
        ).astype(np.intp)
        # S + c·Σ_Q 1_Q 1_Q'/|Q| is positive definite: S is a Laplacian, null space = components.
        size = np.bincount(cell_component, minlength=n_comp).astype(np.float64)
        diag = np.diag(laplacian)
        scale = float(diag[diag > 0].mean()) if np.any(diag > 0) else 1.0
        indicator = np.zeros((k, n_comp))
        indicator[np.arange(k), cell_component] = 1.0 / np.sqrt(size[cell_component])
        regularised = laplacian + scale * (indicator @ indicator.T)
        try:
            solver, cholesky = linalg.cho_factor(regularised, lower=True)[0], True
        except np.linalg.LinAlgError:  # pragma: no cover - numerically degenerate designs only
            solver, cholesky = np.linalg.pinv(regularised, hermitian=True), False
        return cls(
            mask=mask,
            group_slices=slices,
            n_unit=n_unit,
            n_cell=n_cell,
            unit_component=unit_component,
            cell_component=cell_component,
            solver=np.asarray(solver, dtype=np.float64),
            cholesky=cholesky,
        )

    def _blocks(self) -> list[tuple[slice, slice]]:
        t = self.mask.shape[1]
        return [(units, slice(g * t, (g + 1) * t)) for g, units in enumerate(self.group_slices)]

    def cross(self, per_unit: FloatArray) -> FloatArray:
        """``B' X``: sums of a per-unit ``N × F`` matrix over each cell's fitted units."""
        out = np.zeros((self.n_cell.size, per_unit.shape[1]))
        for units, cells in self._blocks():
            out[cells] = self.mask[units].T @ per_unit[units]
        return out

    def spread(self, per_cell: FloatArray) -> FloatArray:
        """``B Λ``: sums of a per-cell ``K × F`` matrix over each unit's fitted cells."""
        out = np.zeros((self.mask.shape[0], per_cell.shape[1]))
        for units, cells in self._blocks():
            out[units] = self.mask[units] @ per_cell[cells]
        return out

    def solve(self, a: FloatArray, l: FloatArray) -> tuple[FloatArray, FloatArray]:  # noqa: E741
        """``α, λ`` with ``D α + B λ = a`` and ``B'α + diag(n_k) λ = l`` (consistent sides)."""
        inv_n = np.divide(1.0, self.n_unit, out=np.zeros_like(self.n_unit), where=self.n_unit > 0)
        rhs = l - self.cross(a * inv_n[:, None])
        if self.cholesky:
            lam: FloatArray = linalg.cho_solve((self.solver, True), rhs, check_finite=False)
        else:  # pragma: no cover
            lam = self.solver @ rhs
        alpha = (a - self.spread(lam)) * inv_n[:, None]
        return alpha, lam

    def fit(self, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Fixed effects of a dense ``N × T`` matrix of values (0 outside the fitted rows)."""
        l = np.zeros((self.n_cell.size, 1))  # noqa: E741
        for units, cells in self._blocks():
            l[cells, 0] = values[units].sum(axis=0)
        return self.solve(values.sum(axis=1)[:, None], l)

    def residual_products(
        self, residuals: FloatArray, alpha: FloatArray, lam: FloatArray
    ) -> FloatArray:
        """Per unit ``Σ_t ε_it (α_i + λ_{g(i),t})`` for a dense ``N × T`` matrix ``ε`` (0 outside
        the fitted rows) and each of the ``F`` columns of ``α, λ``."""
        out: FloatArray = residuals.sum(axis=1)[:, None] * alpha
        for units, cells in self._blocks():
            out[units] += residuals[units] @ lam[cells]
        return out

    def estimable(self, unit: IntArray, cell: IntArray) -> BoolArray:
        """Whether ``α_i + λ_k`` is identified for rows ``(unit, cell)``."""
        comp = self.unit_component[unit]
        ok: BoolArray = (comp >= 0) & (self.n_cell[cell] > 0) & (self.cell_component[cell] == comp)
        return ok


# --- regression on dummies with fixed effects (pre-trend test, TWFE) -----------------------------


@dataclass(frozen=True)
class DummyFit:
    """OLS coefficients on dummy columns with fixed effects, and their cluster-robust covariance
    ``(X̃'X̃)⁻¹ (Σ_c s_c s_c') (X̃'X̃)⁻¹`` with scores ``s_c = Σ_{it∈c} x̃_it ε_it`` (no small-sample
    factor). Columns without observations are NaN; ``collinear`` says whether ``X̃'X̃`` was
    singular (a pseudo-inverse was used), ``exact`` whether the residuals are all ~0."""

    coef: FloatArray
    cov: FloatArray
    n_obs: IntArray
    collinear: bool
    exact: bool  # the model fits y exactly (no residual variation to test with)


def dummy_regression(
    rows: PanelRows, fe: FixedEffects, fitted: BoolArray, column: IntArray, n_columns: int
) -> DummyFit:
    """Regress ``y`` on the fixed effects and dummies on the ``fitted`` rows (Frisch–Waugh–Lovell).

    ``column[r] = j`` puts row ``r`` in dummy ``j`` (at most one per row; −1 = none). With ``D``
    the dummies, ``X̃ = D − X(X'X)⁻X'D`` is never formed: ``X̃'X̃ = diag(n_j) − A'α_D − L'λ_D``
    where ``α_D, λ_D`` are the fixed effects of ``D`` (one solve for all columns) and ``A, L``
    its counts per unit and per cell; the scores use :meth:`FixedEffects.residual_products`.
    """
    n_units, k = rows.n_units, fe.n_cell.size
    row = np.flatnonzero(fitted & (column >= 0))
    n_obs = np.bincount(column[row], minlength=n_columns)
    used = np.flatnonzero(n_obs > 0)
    renumber = np.full(n_columns, -1, dtype=np.intp)
    renumber[used] = np.arange(used.size)
    j = renumber[column[row]]
    f = used.size
    cell = rows.cell
    alpha_y, lam_y = fe.fit(rows.dense(rows.y[fitted], fitted))
    y_tilde = rows.y - alpha_y[rows.unit, 0] - lam_y[cell, 0]
    unit_key = rows.unit[row] * f + j
    count_unit = np.bincount(unit_key, minlength=n_units * f).reshape(n_units, f).astype(float)
    count_cell = np.bincount(cell[row] * f + j, minlength=k * f).reshape(k, f).astype(float)
    alpha_d, lam_d = fe.solve(count_unit, count_cell)
    xtx = np.diag(n_obs[used].astype(np.float64)) - count_unit.T @ alpha_d - count_cell.T @ lam_d
    xtx = (xtx + xtx.T) / 2
    xty = _sums(j, y_tilde[row], f)
    collinear = f > 0 and int(np.linalg.matrix_rank(xtx, hermitian=True)) < f
    bread = np.linalg.pinv(xtx, hermitian=True)
    beta = bread @ xty
    # ε = ỹ − X̃β with X̃β = Dβ − (α_D β)_i − (λ_D β)_k.
    eps = y_tilde + (alpha_d @ beta)[rows.unit] + (lam_d @ beta)[cell]
    eps[row] -= beta[j]
    direct = _sums(unit_key, eps[row], n_units * f).reshape(n_units, f)
    eps_dense = rows.dense(eps[fitted], fitted)
    scores = rows.by_cluster(direct - fe.residual_products(eps_dense, alpha_d, lam_d))
    coef = np.full(n_columns, np.nan)
    coef[used] = beta
    cov = np.full((n_columns, n_columns), np.nan)
    cov[np.ix_(used, used)] = bread @ (scores.T @ scores) @ bread
    scale = float(np.abs(rows.y[fitted]).max(initial=0.0))
    exact = bool(np.abs(eps[fitted]).max(initial=0.0) <= 1e-9 * max(scale, 1e-300))
    return DummyFit(coef, cov, n_obs.astype(np.intp), collinear, exact)


def wald(coef: FloatArray, cov: FloatArray) -> tuple[float, int, float]:
    """``W = β' V⁻¹ β ~ χ²(df)`` over the finite coefficients (``df`` = rank of ``V``; a
    pseudo-inverse when singular). NaN when it cannot be computed."""
    ok = np.isfinite(coef)
    if not ok.any():
        return math.nan, 0, math.nan
    b, v = coef[ok], cov[np.ix_(ok, ok)]
    rank = int(np.linalg.matrix_rank(v, hermitian=True))
    if rank == 0:
        return math.nan, 0, math.nan
    statistic = float(b @ np.linalg.pinv(v, hermitian=True) @ b)
    return statistic, rank, float(stats.chi2.sf(statistic, rank))


# --- the estimator -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImputationResult:
    """Imputation estimates (BJS 2024) with conservative cluster-robust standard errors.

    ``att``/``se``: the overall effect, the ``weights``-weighted mean of ``τ̂_it`` over the
    imputed treated observations (equal weights by default); ``lower``/``upper`` its 95 % normal
    interval. Tables, each with ``att, se, lower, upper`` and ``n_obs`` (treated observations
    averaged):

    - ``event_time``: by ``e = t − cohort`` (column ``e``), for the requested horizons;
    - ``by_cohort``: by cohort (column ``cohort``);
    - ``estimands``: the user's weight vectors (column ``name``).

    ``effects`` holds ``τ̂_it`` per imputed treated row (indexed like the input frame);
    ``time_effects`` the fitted ``λ̂`` per group and period (mean zero within each connected
    group: only differences over time are meaningful). ``n_not_imputed`` treated observations
    could not be imputed and are left out (see the module docstring); ``notes`` says why rows
    were dropped.
    """

    att: float
    se: float
    event_time: pd.DataFrame
    by_cohort: pd.DataFrame
    estimands: pd.DataFrame
    effects: pd.Series
    time_effects: pd.DataFrame
    n_obs: int
    n_treated: int
    n_untreated: int
    n_not_imputed: int
    n_units: int
    n_clusters: int
    effects_by: EffectsBy
    notes: tuple[str, ...] = field(default=())

    @property
    def lower(self) -> float:
        return self.att - Z_95 * self.se

    @property
    def upper(self) -> float:
        return self.att + Z_95 * self.se


@dataclass(frozen=True)
class _Estimands:
    """Estimand weights as sparse triplets over the imputed treated rows: ``W[row, col] = val``."""

    row: IntArray
    col: IntArray
    val: FloatArray
    n: int

    @classmethod
    def concat(cls, parts: list[tuple[IntArray, IntArray, FloatArray]], n: int) -> _Estimands:
        row = np.concatenate([p[0] for p in parts]).astype(np.intp)
        col = np.concatenate([p[1] for p in parts]).astype(np.intp)
        val = np.concatenate([p[2] for p in parts])
        return cls(row, col, val, n)


def _mean_weights(
    base: FloatArray, members: IntArray, group: IntArray, n_groups: int, offset: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Weights ``base_r / Σ_{r' in r's group} base_r'`` for ``members`` in ``n_groups`` groups."""
    total = _sums(group, base[members], n_groups)
    val = np.divide(base[members], total[group], out=np.zeros(members.size), where=total[group] > 0)
    return members, (group + offset).astype(np.intp), val


def _signed_normalised(values: FloatArray) -> FloatArray:
    """Positive weights rescaled to sum to 1 and negative ones to −1 (a difference of means)."""
    out = np.zeros_like(values)
    for sign in (1.0, -1.0):
        part = values * sign > 0
        total = float(np.abs(values[part]).sum())
        if total > 0:
            out[part] = values[part] / total
    return out


def _column_or_array(data: pd.DataFrame, spec: WeightSpec, what: str) -> FloatArray:
    if isinstance(spec, str):
        if spec not in data.columns:
            raise ValueError(f"{what}: column {spec!r} not in the data")
        return _numeric(data, spec)
    values = np.asarray(spec, dtype=np.float64)
    if values.shape != (len(data),):
        raise ValueError(f"{what}: expected one weight per row of the data ({len(data)})")
    return values


def _horizon_codes(
    requested: int | Sequence[float] | None, event_time: FloatArray
) -> tuple[FloatArray, IntArray, BoolArray]:
    """The horizons to report, each row's horizon index and whether it is one of them."""
    codes, observed = _sorted_codes(event_time)
    if requested is None:
        return observed, codes, np.ones(codes.size, dtype=bool)
    if isinstance(requested, int | np.integer):
        if requested < 0:
            raise ValueError("horizons must be ≥ 0")
        values = np.arange(int(requested) + 1, dtype=np.float64)
    else:
        values = np.unique(np.asarray(requested, dtype=np.float64))
        if np.any(values < 0):
            raise ValueError("horizons are event times t − cohort ≥ 0")
    position = np.minimum(np.searchsorted(values, observed), values.size - 1)
    known = values[position] == observed
    return values, position[codes].astype(np.intp), known[codes]


def _effect_groups(
    by: EffectsBy, cohort: FloatArray, period: IntArray, event_time: FloatArray
) -> IntArray:
    """Codes of the groups ``G`` within which ``τ̃`` averages ``τ̂`` (default cohort × period)."""
    if by == "cohort_period":
        cohort_code = pd.factorize(cohort)[0].astype(np.intp)
        return cohort_code * (int(period.max()) + 1) + period
    keys: dict[str, npt.NDArray[Any]] = {
        "cohort": cohort,
        "event_time": event_time,
        "period": period,
        "all": np.zeros(cohort.size),
    }
    if by not in keys:
        raise ValueError("effects_by must be cohort_period, cohort, event_time, period or all")
    return pd.factorize(keys[by])[0].astype(np.intp)


def _tilde_residuals(
    tau: FloatArray, est: _Estimands, group: IntArray, row_cluster: IntArray | None
) -> FloatArray:
    """``τ̂ − τ̃`` for every weight triplet, with BJS's smart averages within ``group``.

    ``row_cluster`` is each row's cluster, or ``None`` when no cluster has two rows in a group
    (then ``W_{c,G} = w``)."""
    n_groups = int(group.max()) + 1
    f = est.n
    g = group[est.row]
    if row_cluster is None:
        cluster_total = est.val
    else:
        key = (row_cluster[est.row].astype(np.int64) * n_groups + g) * f + est.col
        codes, uniques = pd.factorize(key)
        cluster_total = _sums(codes, est.val, len(uniques))[codes]
    smart = cluster_total * est.val
    cell = g * f + est.col
    tau_row = tau[est.row]
    num = _sums(cell, smart * tau_row, n_groups * f)
    den = _sums(cell, smart, n_groups * f)
    tilde = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    residual: FloatArray = tau_row - tilde[cell]
    return residual


def _variances(
    rows: PanelRows,
    fe: FixedEffects,
    residuals: FloatArray,
    tr: IntArray,
    tau: FloatArray,
    est: _Estimands,
    effects_by: EffectsBy,
) -> FloatArray:
    """``V̂_f = Σ_c (Σ_{it∈c} v_it ε̃_it)²`` for every estimand column ``f`` (module docstring)."""
    event_time = rows.time[tr] - rows.cohort[tr]
    group = _effect_groups(effects_by, rows.cohort[tr], rows.period[tr], event_time)
    one_row = effects_by in _ONE_ROW_PER_UNIT
    sums = _cluster_scores(rows, fe, residuals, tr, tau, est, group, one_row)
    variance: FloatArray = (sums**2).sum(axis=0)
    return variance


def _cluster_scores(
    rows: PanelRows,
    fe: FixedEffects,
    residuals: FloatArray,
    tr: IntArray,
    tau: FloatArray,
    est: _Estimands,
    group: IntArray,
    one_row_per_unit: bool,
) -> FloatArray:
    """``S[c, f] = Σ_{it∈c} v_it ε̃_it`` (clusters × estimands), so that ``V̂ = S'S``.

    ``group`` holds the ``τ̃`` cell of each imputed treated row; ``one_row_per_unit`` says that no
    unit has two rows in one cell (then ``W_{c,G} = w`` when clustering by unit)."""
    n_units, k, f = rows.n_units, fe.n_cell.size, est.n
    unit, cell = rows.unit[tr], rows.cell[tr]
    unit_key = unit[est.row] * f + est.col
    a = _sums(unit_key, est.val, n_units * f).reshape(n_units, f)
    l = _sums(cell[est.row] * f + est.col, est.val, k * f)  # noqa: E741
    alpha_w, lam_w = fe.solve(a, l.reshape(k, f))
    # Untreated rows: v = −(α_w,i + λ_w,k), so their cluster sums are −Σ ε̂ (α_w + λ_w).
    untreated = -fe.residual_products(residuals, alpha_w, lam_w)
    row_cluster: IntArray | None = None
    if rows.unit_cluster is not None:
        row_cluster = rows.unit_cluster[unit]
    elif not one_row_per_unit:
        row_cluster = unit
    resid = _tilde_residuals(tau, est, group, row_cluster)
    treated = _sums(unit_key, est.val * resid, n_units * f)
    return rows.by_cluster(treated.reshape(n_units, f) + untreated)


def _table(key: str, keys: Any, att: FloatArray, se: FloatArray, n_obs: IntArray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            key: keys,
            "att": att,
            "se": se,
            "lower": att - Z_95 * se,
            "upper": att + Z_95 * se,
            "n_obs": n_obs,
        }
    )


def _estimand_weights(
    data: pd.DataFrame,
    rows: PanelRows,
    tr: IntArray,
    weights: str | None,
    horizons: int | Sequence[float] | None,
    estimands: Mapping[str, WeightSpec],
) -> tuple[_Estimands, FloatArray, FloatArray]:
    """Columns: overall, one per horizon, one per cohort, one per user estimand."""
    base = np.ones(tr.size)
    if weights is not None:
        base = _column_or_array(data, weights, "weights")[rows.position[tr]]
        if not np.all(np.isfinite(base) & (base >= 0)):
            raise ValueError(f"weights in column {weights!r} must be finite and ≥ 0")
    horizon_values, h_index, in_h = _horizon_codes(horizons, rows.time[tr] - rows.cohort[tr])
    cohort_code, cohort_values = _sorted_codes(rows.cohort[tr])
    everyone = np.arange(tr.size, dtype=np.intp)
    parts = [_mean_weights(base, everyone, np.zeros(tr.size, dtype=np.intp), 1, 0)]
    parts.append(_mean_weights(base, everyone[in_h], h_index[in_h], horizon_values.size, 1))
    offset = 1 + horizon_values.size
    parts.append(_mean_weights(base, everyone, cohort_code, cohort_values.size, offset))
    offset += cohort_values.size
    for m, (name, spec) in enumerate(estimands.items()):
        values = _column_or_array(data, spec, f"estimand {name!r}")[rows.position[tr]] * base
        if not np.all(np.isfinite(values)):
            raise ValueError(f"estimand {name!r} has missing weights on treated rows")
        values = _signed_normalised(values)
        nz = np.flatnonzero(values)
        parts.append((nz, np.full(nz.size, offset + m, dtype=np.intp), values[nz]))
    return _Estimands.concat(parts, offset + len(estimands)), horizon_values, cohort_values


@dataclass(frozen=True)
class _Fit:
    """Steps 1-2 of the estimator: fixed effects fitted on ``Ω₀`` and the imputed effects.

    ``residuals`` is the dense ``N × T`` matrix of ``ε̂`` (0 outside ``Ω₀``); ``tr`` the rows of
    the imputed treated observations and ``tau`` their ``τ̂``; ``lam`` the fitted ``λ̂`` (K × 1).
    """

    fe: FixedEffects
    lam: FloatArray
    residuals: FloatArray
    tr: IntArray
    tau: FloatArray
    n_not_imputed: int
    notes: tuple[str, ...]


def _fit(rows: PanelRows) -> _Fit:
    """Fit ``α, λ`` on the untreated rows and impute ``τ̂`` where it is identified."""
    notes = list(rows.notes)
    treated = rows.treated
    fitted = ~treated
    if not fitted.any():
        raise ValueError("no untreated observations (t < cohort, or never treated)")
    if not treated.any():
        raise ValueError("no treated observations (t ≥ cohort)")
    fe = FixedEffects.build(rows, fitted)
    y_dense = rows.dense(rows.y[fitted], fitted)
    alpha, lam = fe.fit(y_dense)
    lam_grid = lam[:, 0].reshape(-1, rows.n_periods)
    residuals = (y_dense - alpha - lam_grid[rows.unit_group]) * fe.mask

    cell = rows.cell
    candidates = np.flatnonzero(treated)
    tr = candidates[fe.estimable(rows.unit[candidates], cell[candidates])]
    n_not_imputed = int(candidates.size - tr.size)
    if n_not_imputed:
        notes.append(
            f"{n_not_imputed} treated observations could not be imputed (their unit has no "
            "untreated observation, or no unit of their group is untreated in that period) and "
            "are left out of every estimate."
        )
    if tr.size == 0:
        raise ValueError("no treated observation can be imputed")
    tau = rows.y[tr] - alpha[rows.unit[tr], 0] - lam[cell[tr], 0]
    return _Fit(fe, lam, residuals, tr, tau, n_not_imputed, tuple(notes))


def _time_effects(
    rows: PanelRows, fe: FixedEffects, lam: FloatArray, *, grouped: bool
) -> pd.DataFrame:
    """The fitted ``λ̂`` per (group and) period; NaN where no untreated row was fitted."""
    table = pd.DataFrame(
        {
            "group": np.repeat(rows.groups, rows.n_periods),
            "time": np.tile(rows.periods, rows.groups.size),
            "effect": np.where(fe.n_cell > 0, lam[:, 0], np.nan),
        }
    )
    return table if grouped else table.drop(columns="group")


def imputation(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    fe_group: str | None = None,
    cluster: str | None = None,
    horizons: int | Sequence[float] | None = None,
    weights: str | None = None,
    estimands: Mapping[str, WeightSpec] | None = None,
    effects_by: EffectsBy = "cohort_period",
) -> ImputationResult:
    """Estimate treatment effects by imputation (Borusyak, Jaravel & Spiess 2024).

    ``data`` is long form, one row per unit and period (an unbalanced panel is fine); ``cohort``
    is the unit's first treated period on the scale of ``time`` (0 or NaN: never treated).
    ``fe_group`` names a column constant within units (e.g. unit type): the model then has
    group × period effects ``λ_{g(i),t}`` instead of ``λ_t``. ``cluster`` names a column
    constant within units to cluster on (default: the unit).

    ``horizons``: event times ``e = t − cohort`` for the event-time table — ``H`` for
    ``0..H``, a list, or ``None`` for every event time observed. ``weights``: a column of
    non-negative per-observation weights for every average (default: equal weights over treated
    observations). ``estimands``: named extra weight vectors over the rows (column names or
    arrays aligned with ``data``), multiplied by ``weights``; positive weights are rescaled to sum
    to 1 and negative ones to −1, so a 0/1 vector gives the mean over its rows and ``+1``/``−1``
    the difference of two means (e.g. after minus before a date). Weights on untreated rows are
    ignored. ``effects_by`` sets the cells within which ``τ̃`` averages effects for the standard
    errors (default cohort × period, BJS's recommendation; coarser cells are more conservative
    and avoid overfitting very small cohorts).
    """
    if effects_by not in get_args(EffectsBy):
        raise ValueError(f"effects_by must be one of {', '.join(get_args(EffectsBy))}")
    rows = read_panel(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster
    )
    fit = _fit(rows)
    fe, residuals, tr, tau, lam = fit.fe, fit.residuals, fit.tr, fit.tau, fit.lam
    treated, n_not_imputed, notes = rows.treated, fit.n_not_imputed, list(fit.notes)
    fitted = ~treated

    est, horizon_values, cohort_values = _estimand_weights(
        data, rows, tr, weights, horizons, dict(estimands or {})
    )
    att = _sums(est.col, est.val * tau[est.row], est.n)
    n_obs = np.bincount(est.col[est.val != 0], minlength=est.n).astype(np.intp)
    se = np.sqrt(_variances(rows, fe, residuals, tr, tau, est, effects_by))
    att = np.where(n_obs > 0, att, np.nan)
    se = np.where(n_obs > 0, se, np.nan)

    h = slice(1, 1 + horizon_values.size)
    c = slice(h.stop, h.stop + cohort_values.size)
    u = slice(c.stop, est.n)
    time_effects = _time_effects(rows, fe, lam, grouped=fe_group is not None)
    return ImputationResult(
        att=float(att[0]),
        se=float(se[0]),
        event_time=_table("e", horizon_values, att[h], se[h], n_obs[h]),
        by_cohort=_table("cohort", cohort_values, att[c], se[c], n_obs[c]),
        estimands=_table("name", list(estimands or {}), att[u], se[u], n_obs[u]),
        effects=pd.Series(tau, index=data.index[rows.position[tr]], name="tau"),
        time_effects=time_effects,
        n_obs=int(rows.y.size),
        n_treated=int(treated.sum()),
        n_untreated=int(fitted.sum()),
        n_not_imputed=n_not_imputed,
        n_units=rows.n_units,
        n_clusters=rows.n_clusters,
        effects_by=effects_by,
        notes=tuple(notes),
    )


# --- pre-trend test --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImputationPreTest:
    """BJS's test of parallel trends and no anticipation, on untreated observations only.

    On ``Ω₀``: ``Y_it = α_i + λ_{g(i),t} + Σ_{k=1..K} γ_k 1[t − E_i = −k] + ε_it``, and the Wald
    statistic ``W = γ̂' V̂⁻¹ γ̂ ~ χ²(df)`` with ``V̂`` the cluster-robust covariance of ``γ̂``
    (no small-sample factor). ``table`` holds the lead coefficients (``e, coef, se, n_obs``).
    A pass is weak evidence: pre-tests have low power (Roth 2022).
    """

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame
    n_clusters: int
    notes: tuple[str, ...] = field(default=())


def pretest(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    leads: int = 8,
    fe_group: str | None = None,
    cluster: str | None = None,
) -> ImputationPreTest:
    """BJS's pre-trend test: lead dummies ``e = −leads … −1`` (periods of ``time`` before the
    cohort) with the estimator's fixed effects, fitted on untreated observations only; the
    coefficients are 0 under parallel trends and no anticipation. Untreated rows further before
    treatment are the reference. Arguments as for :func:`imputation`."""
    if leads < 1:
        raise ValueError("leads must be at least 1")
    rows = read_panel(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster
    )
    fitted = ~rows.treated
    fe = FixedEffects.build(rows, fitted)
    lead_values = -np.arange(leads, 0, -1, dtype=np.float64)  # −K … −1
    event_time = rows.time - rows.cohort
    position = np.minimum(np.searchsorted(lead_values, event_time), leads - 1)
    hit = (rows.cohort > 0) & fitted & (lead_values[position] == event_time)
    column = np.where(hit, position, -1).astype(np.intp)
    result = dummy_regression(rows, fe, fitted, column, leads)
    statistic, df, p_value = wald(result.coef, result.cov)
    notes = list(rows.notes)
    if result.exact:
        statistic, p_value = math.nan, math.nan
        notes.append("The fixed effects fit the untreated outcomes exactly: nothing to test.")
    if result.collinear or df < int(np.isfinite(result.coef).sum()):
        notes.append("The lead dummies are collinear with the fixed effects; the test uses the "
                     "rank of their covariance.")  # fmt: skip
    table = pd.DataFrame(
        {
            "e": lead_values,
            "coef": result.coef,
            "se": np.sqrt(np.diag(result.cov)),
            "n_obs": result.n_obs,
        }
    )
    return ImputationPreTest(statistic, df, p_value, table, rows.n_clusters, tuple(notes))
