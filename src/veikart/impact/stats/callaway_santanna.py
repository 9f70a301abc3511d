"""Callaway & Sant'Anna (2021) group-time average treatment effects, as R's ``did`` computes them.

For a cohort ``g`` (units first treated in period ``g``) and a period ``t``, with base period ``b``
and comparison group ``C``:

    ATT(g,t) = E[Y_t − Y_b | G = g] − E[Y_t − Y_b | i ∈ C]

estimated by the difference of sample means (without covariates R's ``dr``, ``ipw`` and ``reg``
estimators all reduce to it). The base period is ``b = g − 1`` (the last period before ``g``) for
post-treatment cells; for pre-treatment cells it is ``t − 1`` (``base_period="varying"``, R's
default: short differences) or also ``g − 1`` (``"universal"``; the cell ``t = g − 1`` is then 0
with no standard error). The comparison group is the never treated (``control_group="never"``) or
the never treated plus the cohorts not yet treated by ``max(t, b)`` (``"notyet"``).

Inference follows R's analytic standard errors (``bstrap=FALSE``). Unit ``i``'s influence function
for a cell is

    ψ_i = n/n_g (ΔY_i − ΔȲ_g) 1{G_i = g} − n/n_C (ΔY_i − ΔȲ_C) 1{i ∈ C},   ΔY_i = Y_it − Y_ib

and ``se = sqrt(Σ_k (Σ_{i∈k} ψ_i)²) / n`` with ``k`` the units, or the clusters when ``cluster``
is given (R ``did`` ≥ 2.5, no small-sample correction). Aggregates (R's ``aggte``) are weighted
averages ``θ = Σ w_gt ATT(g,t)`` with ``w_gt ∝ P(G = g)`` over the cells they cover; their influence
functions add the term for the estimated weights ``P̂(G = g)`` (R's ``wif``).

Only balanced panels are estimated: as R does by default, units not observed in every period are
dropped (see :mod:`veikart.impact.stats._panel` for all sample rules). Not supported: covariates,
anticipation, sampling weights, repeated cross sections, ``balance_e``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from veikart.impact.stats._influence import (
    CellFunctionals,
    Functionals,
    InfluenceBasis,
    MultiplierWeights,
    combine,
)
from veikart.impact.stats._panel import BalancedPanel, prepare_panel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

ControlGroup = Literal["notyet", "never"]
BasePeriod = Literal["varying", "universal"]
AggregationKind = Literal["simple", "group", "dynamic", "calendar"]
BandKind = Literal["attgt", "group", "dynamic", "calendar"]

_KEY_COLUMN = {"simple": None, "group": "cohort", "dynamic": "e", "calendar": "time"}


@dataclass(frozen=True)
class Aggregation:
    """An aggregate of ATT(g,t) (R's ``aggte``): overall effect and, except for ``simple``, a
    table with one row per cohort (``group``), event time ``e = t − g`` (``dynamic``, including
    pre-periods ``e < 0``) or period (``calendar``), with columns ``<key>, att, se``."""

    kind: str
    overall_att: float
    overall_se: float
    table: pd.DataFrame


@dataclass(frozen=True)
class PreTest:
    """Wald test that all pre-treatment ATT(g,t) are zero (R's ``W``/``Wpval``).

    ``W = n · att' V⁻¹ att ~ χ²(df)`` with ``V`` their analytic covariance from the influence
    functions; ``statistic`` and ``p_value`` are NaN (with a ``note``) when it cannot be computed.
    """

    statistic: float
    df: int
    p_value: float
    note: str = ""


@dataclass(frozen=True)
class UniformBand:
    """A simultaneous (1 − alpha) band from the multiplier bootstrap (R's ``cband=TRUE``).

    ``lower/upper = att ∓ critical_value · se`` with the analytic ``se``; ``se_bootstrap`` is R's
    bootstrap standard error (interquartile range of the draws / 1.349).
    """

    kind: str
    alpha: float
    critical_value: float
    draws: int
    weights: str
    table: pd.DataFrame


@dataclass(frozen=True)
class _Cells:
    """All ATT(g,t) cells in R's order (cohort, then period) and their influence functions."""

    cohort: FloatArray
    time: FloatArray
    att: FloatArray
    se: FloatArray
    cohort_index: IntArray  # the treated cohort's index among all cohorts
    functionals: CellFunctionals

    @property
    def event_time(self) -> FloatArray:
        return self.time - self.cohort


@dataclass(frozen=True)
class _Spec:
    """An aggregation as linear functionals of the cells: ``ψ_f = Σ_k W[k,f] ψ_k + h[c(i), f]``."""

    keys: FloatArray
    weights: FloatArray  # (K, F) elements
    h: FloatArray  # (C, F)
    overall_weights: FloatArray  # (K,)
    overall_h: FloatArray  # (C,)


def _standard_error(sum_of_squares: FloatArray, n: int) -> FloatArray:
    se = np.sqrt(sum_of_squares) / n
    return np.where(np.isfinite(se) & (se > 0), se, np.nan)


@dataclass(frozen=True)
class AttGtResult:
    """Group-time effects (``table``: cohort, time, att, se) and what is needed to aggregate them.

    ``notes`` says which units or periods the sample rules dropped; ``n_units`` is the number of
    units estimated on and ``n_clusters`` the number of clusters (``None``: clustered by unit).
    """

    table: pd.DataFrame
    control_group: ControlGroup
    base_period: BasePeriod
    n_units: int
    n_clusters: int | None
    periods: tuple[float, ...]
    cohorts: tuple[float, ...]
    notes: tuple[str, ...]
    _cells: _Cells = field(repr=False)
    _basis: InfluenceBasis = field(repr=False)
    _cohort_values: FloatArray = field(repr=False)

    # --- aggregation (R's aggte) ----------------------------------------------------------------

    def aggregate(
        self, kind: AggregationKind = "group", *, min_e: float = -math.inf, max_e: float = math.inf
    ) -> Aggregation:
        """Aggregate the ATT(g,t) like R's ``aggte(type=kind)`` with analytic standard errors.

        - ``simple``: ``Σ P(G=g) ATT(g,t) / Σ P(G=g)`` over post-treatment cells (t ≥ g);
        - ``group``: per cohort the mean of its post-treatment cells; overall their
          ``P(G=g)``-weighted mean;
        - ``dynamic``: per event time ``e`` the ``P(G=g)``-weighted mean of cells with
          ``t − g = e`` (pre-periods included); overall the mean over ``e ≥ 0``;
        - ``calendar``: per period the ``P(G=g)``-weighted mean of cells treated by then; overall
          the mean over periods.

        ``min_e``/``max_e`` restrict event times (not for ``calendar``, as in R).
        """
        aggregation, _ = self._aggregate(kind, min_e, max_e)
        return aggregation

    def _aggregate(self, kind: str, min_e: float, max_e: float) -> tuple[Aggregation, Functionals]:
        """The aggregation and the influence functions of its elements and overall (last)."""
        spec = self._spec(kind, min_e, max_e)
        weights = np.column_stack([spec.weights, spec.overall_weights])
        functionals = self._functionals(weights, np.column_stack([spec.h, spec.overall_h]))
        att = self._cells.att @ weights
        se = _standard_error(self._basis.sums_of_squares(functionals), self.n_units)
        key = _KEY_COLUMN[kind]
        table = pd.DataFrame({"att": att[:-1], "se": se[:-1]})
        if key is not None:
            table.insert(0, key, spec.keys)
        return Aggregation(kind, float(att[-1]), float(se[-1]), table), functionals

    def _functionals(self, weights: FloatArray, h: FloatArray) -> Functionals:
        return combine(self._cells.functionals, len(self.periods), weights, h)

    def _spec(self, kind: str, min_e: float, max_e: float) -> _Spec:
        cells = self._cells
        e = cells.event_time
        window = (e >= min_e) & (e <= max_e)
        post = (cells.cohort <= cells.time) & window
        if kind == "simple":
            keepers = np.flatnonzero(post)
            w, h = self._weighted_mean(keepers)
            return _Spec(np.zeros(0), np.zeros((w.size, 0)), np.zeros((h.size, 0)), w, h)
        if kind == "group":
            return self._group_spec(post)
        if kind == "dynamic":
            keys = np.unique(e[window])
            members = [np.flatnonzero(window & (e == k)) for k in keys]
            return self._mean_spec(keys, members, keys >= 0)
        if kind == "calendar":
            post = cells.cohort <= cells.time
            keys = np.unique(cells.time[post])
            members = [np.flatnonzero(post & (cells.time == t)) for t in keys]
            return self._mean_spec(keys, members, np.ones(keys.size, dtype=bool))
        raise ValueError(f"kind must be simple, group, dynamic or calendar, not {kind!r}")

    def _weighted_mean(self, keepers: IntArray) -> tuple[FloatArray, FloatArray]:
        """Weights and weight-estimation term of ``Σ pg_k ATT_k / Σ pg_k`` over ``keepers``."""
        cells = self._cells
        if keepers.size == 0:
            raise ValueError("no ATT(g,t) falls in the requested aggregation window")
        if np.any(np.isnan(cells.att[keepers])):
            raise ValueError(
                "an ATT(g,t) to aggregate could not be estimated (no comparison units)"
            )
        pg = self._basis.cohort_counts[cells.cohort_index[keepers]] / self.n_units
        w = np.zeros(cells.att.size)
        w[keepers] = pg / pg.sum()
        return w, self._weight_term(cells.cohort_index[keepers], pg, cells.att[keepers])

    def _weight_term(self, cohort_index: IntArray, pg: FloatArray, att: FloatArray) -> FloatArray:
        """R's ``wif``: influence of estimating ``pg`` in ``Σ pg_k att_k / Σ pg_k``, per cohort.

        ``h_c = (u_c − A)/S − (n_c − S) A/S²`` with ``S = Σ pg_k``, ``A = Σ pg_k att_k``,
        ``u_c = Σ_{k: g_k = c} att_k`` and ``n_c = #{k: g_k = c}``.
        """
        n_cohorts = self._cohort_values.size
        s, a = pg.sum(), float(pg @ att)
        u = np.bincount(cohort_index, weights=att, minlength=n_cohorts)
        count = np.bincount(cohort_index, minlength=n_cohorts).astype(np.float64)
        return cast(FloatArray, (u - a) / s - (count - s) * a / s**2)

    def _mean_spec(self, keys: FloatArray, members: list[IntArray], overall: BoolArray) -> _Spec:
        """Elements are pg-weighted means of their cells; overall the plain mean of the
        ``overall`` elements (R: e ≥ 0 for dynamic, every period for calendar)."""
        parts = [self._weighted_mean(idx) for idx in members]
        weights = np.column_stack([w for w, _ in parts])
        h = np.column_stack([wif for _, wif in parts])
        if not overall.any():
            raise ValueError("no post-treatment event time in the requested window")
        return _Spec(keys, weights, h, weights[:, overall].mean(1), h[:, overall].mean(1))

    def _group_spec(self, post: BoolArray) -> _Spec:
        cells = self._cells
        groups = np.asarray(self.cohorts)
        weights = np.zeros((cells.att.size, groups.size))
        for j, g in enumerate(groups):
            idx = np.flatnonzero(post & (cells.cohort == g))
            if idx.size == 0:
                raise ValueError(f"cohort {g:g} has no post-treatment ATT(g,t) in the window")
            if np.any(np.isnan(cells.att[idx])):
                raise ValueError(f"an ATT(g,t) of cohort {g:g} could not be estimated")
            weights[idx, j] = 1.0 / idx.size
        att_g = cells.att @ weights
        cohort_index = np.searchsorted(self._cohort_values, groups)
        pg = self._basis.cohort_counts[cohort_index] / self.n_units
        h_overall = self._weight_term(cohort_index, pg, att_g)
        n_cohorts = self._cohort_values.size
        return _Spec(
            groups,
            weights,
            np.zeros((n_cohorts, groups.size)),
            weights @ (pg / pg.sum()),
            h_overall,
        )

    # --- pre-test -------------------------------------------------------------------------------

    def pretest(self) -> PreTest:
        """Wald pre-test of parallel trends over all pre-treatment ATT(g,t), as R reports it."""
        cells = self._cells
        pre = np.flatnonzero(
            (cells.time < cells.cohort) & np.isfinite(cells.se) & np.isfinite(cells.att)
        )
        if pre.size == 0:
            return PreTest(math.nan, 0, math.nan, "no pre-treatment ATT(g,t) to test")
        cross = self._basis.cell_cross_products(cells.functionals.take(pre))
        try:
            singular = bool(1.0 / np.linalg.cond(cross, 1) <= np.finfo(float).eps)
        except np.linalg.LinAlgError:
            singular = True
        if singular:
            return PreTest(math.nan, pre.size, math.nan, "singular covariance of pre-period ATTs")
        att = cells.att[pre]
        statistic = float(self.n_units**2 * att @ np.linalg.solve(cross, att))
        return PreTest(statistic, int(pre.size), float(stats.chi2.sf(statistic, pre.size)))

    # --- uniform bands --------------------------------------------------------------------------

    def uniform_band(
        self,
        kind: BandKind = "dynamic",
        *,
        alpha: float = 0.05,
        draws: int = 999,
        seed: int | None = None,
        weights: MultiplierWeights = "rademacher",
    ) -> UniformBand:
        """Simultaneous confidence band over the elements of an aggregation (or all ATT(g,t) for
        ``kind="attgt"``), by R's multiplier bootstrap: draw ``Σ_k v_k ψ_k`` with independent
        Rademacher (or Mammen) multipliers ``v_k`` per unit or cluster, scale each element by its
        bootstrap spread ``σ̂ = IQR/1.349``, and take the ``1 − alpha`` quantile of the maximum
        of ``|draw|/σ̂`` over elements as the critical value."""
        if not 0 < alpha < 1 or draws < 2:
            raise ValueError("alpha must be in (0, 1) and draws at least 2")
        rng = np.random.default_rng(seed)
        if kind == "attgt":
            cells = self._cells
            target: Functionals | CellFunctionals = cells.functionals
            table = pd.DataFrame(
                {"cohort": cells.cohort, "time": cells.time, "att": cells.att, "se": cells.se}
            )
        else:
            aggregation, functionals = self._aggregate(kind, -math.inf, math.inf)
            table = aggregation.table.copy()
            target = Functionals(functionals.beta[:, :, :-1], functionals.m[:, :-1])
        sums = self._basis.multiplier_sums(target, draws, rng, weights)
        crit, sigma = _critical_value(sums, alpha)
        table["se_bootstrap"] = sigma / self.n_units
        table["lower"] = table["att"] - crit * table["se"]
        table["upper"] = table["att"] + crit * table["se"]
        return UniformBand(kind, alpha, crit, draws, weights, table)


def _critical_value(sums: FloatArray, alpha: float) -> tuple[float, FloatArray]:
    """R's ``mboot``: critical value of ``max_f |draw_f| / σ̂_f`` and the spreads ``σ̂_f``."""
    q75 = np.quantile(sums, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(sums, 0.25, axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    usable = np.isfinite(sigma) & (sigma > 0)
    sigma = np.where(usable, sigma, np.nan)
    if not usable.any():
        return math.nan, sigma
    t_max = np.max(np.abs(sums[:, usable] / sigma[usable]), axis=1)
    return float(np.quantile(t_max, 1 - alpha, method="inverted_cdf")), sigma


# --- estimation ---------------------------------------------------------------------------------


def _cell_grid(
    periods: FloatArray, cohorts: FloatArray, base_period: BasePeriod
) -> tuple[FloatArray, IntArray, IntArray, BoolArray]:
    """Cohort, post-period index, base-period index and reference flag of every cell."""
    cohort, post, base, reference = [], [], [], []
    for g in cohorts:
        last_pre = int(np.searchsorted(periods, g, side="left")) - 1
        if base_period == "varying":
            p = np.arange(1, periods.size)
            q = np.where(periods[p] >= g, last_pre, p - 1)
        else:
            p = np.arange(periods.size)
            q = np.full(p.size, last_pre)
        cohort.append(np.full(p.size, g))
        post.append(p)
        base.append(q)
        reference.append((base_period == "universal") & (p == q))
    return (
        np.concatenate(cohort),
        np.concatenate(post).astype(np.intp),
        np.concatenate(base).astype(np.intp),
        np.concatenate(reference),
    )


def _comparison_mask(
    cohort_values: FloatArray, cell_cohort: FloatArray, threshold: FloatArray, control: ControlGroup
) -> BoolArray:
    """(C, K): which cohorts compare in each cell. Not yet treated: ``G > max(t, b)``, or never."""
    never = cohort_values[:, None] == 0
    if control == "never":
        return np.broadcast_to(never, (cohort_values.size, cell_cohort.size)).copy()
    later = (cohort_values[:, None] > threshold[None, :]) & (
        cohort_values[:, None] != cell_cohort[None, :]
    )
    mask: BoolArray = never | later
    return mask


def _cohort_means(panel: BalancedPanel) -> tuple[FloatArray, IntArray, FloatArray, FloatArray]:
    """Cohort values, each unit's cohort index, units per cohort and cohort × period means."""
    cohort_values, cohort_index = np.unique(panel.unit_cohort, return_inverse=True)
    counts = np.bincount(cohort_index).astype(np.float64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)
    # Units are sorted by cohort: one reduceat gives the cohort sums.
    means = np.add.reduceat(panel.outcomes, starts, axis=0) / counts[:, None]
    return cohort_values, cohort_index.astype(np.intp), counts, means


def _cell_effects(
    means: FloatArray, counts: FloatArray, treated: IntArray, control: BoolArray, n: int,
    post: IntArray, base: IntArray, reference: BoolArray,
) -> tuple[FloatArray, CellFunctionals]:  # fmt: skip
    """ATT(g,t) as differences of mean changes, and their influence functions (module docstring):
    ``a = n/n_g`` for the treated cohort, ``−n/n_C`` for comparison cohorts, and
    ``m_c = −n/n_C (ΔȲ_c − ΔȲ_C)`` for a comparison cohort's mean change off the pooled one.

    Universal base cells (``reference``) are 0 by construction; a cell without comparison units
    is NaN. Neither has an influence function."""
    k = np.arange(post.size)
    change = means[:, post] - means[:, base]  # ΔȲ_c for every cohort and cell
    n_control = counts @ control
    with np.errstate(invalid="ignore", divide="ignore"):
        change_control = (counts[:, None] * control * change).sum(0) / n_control
        att = change[treated, k] - change_control
        a = np.where(control, -n / n_control, 0.0)
        m = np.where(control, -n / n_control * (change - change_control), 0.0)
    a[treated, k] = n / counts[treated]
    no_control = n_control == 0
    att[reference] = 0.0
    att[no_control] = np.nan
    a[:, no_control | reference] = 0.0
    m[:, no_control | reference] = 0.0
    return att, CellFunctionals(a, m, post, base)


def _estimate(
    panel: BalancedPanel, control_group: ControlGroup, base_period: BasePeriod, cluster: bool
) -> tuple[_Cells, InfluenceBasis, FloatArray]:
    cohort_values, cohort_index, counts, means = _cohort_means(panel)
    g, p, q, reference = _cell_grid(panel.periods, panel.cohorts, base_period)
    threshold = np.maximum(panel.periods[p], panel.periods[q])
    control = _comparison_mask(cohort_values, g, threshold, control_group)
    treated = np.searchsorted(cohort_values, g).astype(np.intp)
    att, functionals = _cell_effects(
        means, counts, treated, control, panel.n_units, p, q, reference
    )
    basis = InfluenceBasis.build(
        panel.outcomes, cohort_index, means, panel.unit_cluster if cluster else None
    )
    se = _standard_error(basis.cell_sums_of_squares(functionals), panel.n_units)
    se[reference | np.isnan(att)] = np.nan
    return _Cells(g, panel.periods[p], att, se, treated, functionals), basis, cohort_values


def att_gt(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "varying",
    cluster: str | None = None,
) -> AttGtResult:
    """Estimate every ATT(g,t) of a staggered adoption panel (R's ``did::att_gt``, no covariates).

    ``data`` is long form, one row per unit and period; ``cohort`` is the unit's first treated
    period (0 or NaN: never treated), on the same scale as ``time``. ``cluster`` names a column
    constant within units to cluster standard errors on (default: the unit).
    Note: R's default comparison group is the never treated; here it is the not yet treated.
    """
    if control_group not in ("notyet", "never"):
        raise ValueError("control_group must be 'notyet' or 'never'")
    if base_period not in ("varying", "universal"):
        raise ValueError("base_period must be 'varying' or 'universal'")
    panel = prepare_panel(
        data,
        y=y,
        unit=unit,
        time=time,
        cohort=cohort,
        control_group=control_group,
        cluster=cluster,
    )
    clustered = panel.unit_cluster is not None
    cells, basis, cohort_values = _estimate(panel, control_group, base_period, clustered)
    table = pd.DataFrame(
        {"cohort": cells.cohort, "time": cells.time, "att": cells.att, "se": cells.se}
    )
    return AttGtResult(
        table=table,
        control_group=control_group,
        base_period=base_period,
        n_units=panel.n_units,
        n_clusters=basis.n_clusters if clustered else None,
        periods=tuple(float(t) for t in panel.periods),
        cohorts=tuple(float(g) for g in panel.cohorts),
        notes=panel.notes,
        _cells=cells,
        _basis=basis,
        _cohort_values=cohort_values,
    )
