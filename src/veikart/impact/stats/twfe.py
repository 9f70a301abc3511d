"""Naive two-way fixed-effects (TWFE) regressions — for comparison only, never as the estimate.

With staggered adoption and effects that differ by cohort or grow with exposure, TWFE averages
all 2×2 comparisons, including ones where already-treated units are the controls for later
cohorts; some weights are negative and the coefficient can even have the wrong sign
(Goodman-Bacon 2021; de Chaisemartin & D'Haultfœuille 2020; Borusyak, Jaravel & Spiess 2024). The
event study also leaks effects across leads and lags and shows pre-trends that are not there (Sun
& Abraham 2021). Use :func:`veikart.impact.stats.imputation` for estimates; these functions show
what the naive regression would have said, and :func:`compare_twfe` flags when it disagrees.

Static:       y_it = α_i + λ_{g(i),t} + β D_it + ε_it,            D_it = 1[t ≥ E_i]
Event study:  y_it = α_i + λ_{g(i),t} + Σ_{e ≠ −1} β_e 1[b(t − E_i) = e] + ε_it

on every observation, with ``b`` binning event times below ``−leads`` into ``−leads`` and above
``lags`` into ``lags`` (never-treated units have no dummies; ``e = −1`` is the reference).
Estimated by Frisch–Waugh–Lovell with the sparse fixed-effect solver of
:mod:`veikart.impact.stats.imputation` (no dummy matrices); cluster-robust covariance
``(X̃'X̃)⁻¹ Σ_c s_c s_c' (X̃'X̃)⁻¹`` with ``s_c = Σ_{it∈c} x̃_it ε̂_it``, clustered by unit unless
``cluster`` is given, no small-sample factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from veikart.impact.stats.imputation import (
    Z_95,
    FixedEffects,
    ImputationResult,
    dummy_regression,
    read_panel,
    wald,
)


@dataclass(frozen=True)
class TwfeEventStudy:
    """Naive TWFE event-study coefficients — biased under staggered timing; comparison only.

    ``table``: ``e, coef, se, n_obs, binned`` per event time from ``−leads`` to ``lags`` (the
    reference ``e = −1`` has coefficient 0 and no standard error; ``binned`` marks the end
    points, which pool all earlier / later event times). ``pretrend_*``: Wald test that the lead
    coefficients (``e ≤ −2``) are zero — with staggered timing and dynamic effects it can reject
    although trends are parallel.
    """

    table: pd.DataFrame
    pretrend_statistic: float
    pretrend_df: int
    pretrend_p_value: float
    n_obs: int
    n_clusters: int
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TwfeStatic:
    """Naive static TWFE coefficient on ``D_it`` — biased under staggered timing with
    heterogeneous effects; comparison only. ``table`` has one row (``term, coef, se``)."""

    coef: float
    se: float
    table: pd.DataFrame
    n_obs: int
    n_clusters: int
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TwfeComparison:
    """Naive TWFE next to the imputation estimate. ``disagrees`` when the difference exceeds
    ``z_threshold · √(se_twfe² + se_imputation²)`` (a rough yardstick: the two estimates share
    data, so this ignores their covariance) and ``min_relative`` of the imputation estimate."""

    twfe: float
    imputation: float
    difference: float
    z: float
    disagrees: bool
    message: str


def twfe_static(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    fe_group: str | None = None,
    cluster: str | None = None,
) -> TwfeStatic:
    """The naive static TWFE regression of ``y`` on ``D_it = 1[t ≥ cohort]`` with unit and
    period (or ``fe_group`` × period) fixed effects, for comparison only. Arguments as for
    :func:`veikart.impact.stats.imputation`."""
    rows = read_panel(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster
    )
    everything = np.ones(rows.y.size, dtype=bool)
    fe = FixedEffects.build(rows, everything)
    column = np.where(rows.treated, 0, -1).astype(np.intp)
    fit = dummy_regression(rows, fe, everything, column, 1)
    coef, se = float(fit.coef[0]), float(np.sqrt(fit.cov[0, 0]))
    notes = list(rows.notes)
    if fit.collinear or not math.isfinite(coef):
        notes.append("The treatment dummy is collinear with the fixed effects.")
    table = pd.DataFrame({"term": ["treated"], "coef": [coef], "se": [se]})
    return TwfeStatic(coef, se, table, int(rows.y.size), rows.n_clusters, tuple(notes))


def twfe_event_study(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    leads: int = 8,
    lags: int = 52,
    fe_group: str | None = None,
    cluster: str | None = None,
) -> TwfeEventStudy:
    """The naive dynamic TWFE regression (relative-time dummies, ``e = −1`` omitted, end points
    binned at ``−leads`` and ``lags``), for comparison only. Event times are ``t − cohort`` in
    units of ``time``. Arguments otherwise as for :func:`veikart.impact.stats.imputation`."""
    if leads < 2 or lags < 0:
        raise ValueError("leads must be at least 2 (−1 is the reference) and lags at least 0")
    rows = read_panel(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster
    )
    everything = np.ones(rows.y.size, dtype=bool)
    fe = FixedEffects.build(rows, everything)
    event_values = np.arange(-leads, lags + 1, dtype=np.float64)
    event_time = np.clip(rows.time - rows.cohort, -leads, lags)
    position = np.minimum(np.searchsorted(event_values, event_time), event_values.size - 1)
    hit = (rows.cohort > 0) & (event_values[position] == event_time) & (event_time != -1)
    column = np.where(hit, position, -1).astype(np.intp)
    fit = dummy_regression(rows, fe, everything, column, event_values.size)
    reference = event_values == -1
    coef = np.where(reference, 0.0, fit.coef)
    se = np.where(reference, np.nan, np.sqrt(np.diag(fit.cov)))
    lead = np.flatnonzero(event_values <= -2)
    statistic, df, p_value = wald(fit.coef[lead], fit.cov[np.ix_(lead, lead)])
    notes = list(rows.notes)
    if fit.exact:
        statistic, p_value = math.nan, math.nan
        notes.append("The regression fits the outcomes exactly: no pre-trend test.")
    if fit.collinear:
        notes.append(
            "The relative-time dummies are collinear with the fixed effects (e.g. no "
            "never-treated units); the coefficients are a minimum-norm solution."
        )
    table = pd.DataFrame(
        {
            "e": event_values,
            "coef": coef,
            "se": se,
            "n_obs": fit.n_obs,
            "binned": (event_values == -leads) | (event_values == lags),
        }
    )
    return TwfeEventStudy(
        table=table,
        pretrend_statistic=statistic,
        pretrend_df=df,
        pretrend_p_value=p_value,
        n_obs=int(rows.y.size),
        n_clusters=rows.n_clusters,
        notes=tuple(notes),
    )


def compare_twfe(
    twfe: TwfeStatic,
    result: ImputationResult,
    *,
    z_threshold: float = Z_95,
    min_relative: float = 0.1,
) -> TwfeComparison:
    """Flag when the naive TWFE coefficient disagrees with the imputation estimate (see
    :class:`TwfeComparison`); the message says which to believe."""
    difference = twfe.coef - result.att
    scale = math.sqrt(twfe.se**2 + result.se**2)
    z = difference / scale if scale > 0 else math.inf * np.sign(difference)
    disagrees = bool(abs(z) > z_threshold and abs(difference) > min_relative * abs(result.att))
    if disagrees:
        message = (
            f"The naive two-way fixed-effects estimate ({twfe.coef:.3g}) differs from the "
            f"imputation estimate ({result.att:.3g}) by {difference:+.3g}: with staggered "
            "training and effects that change over time the naive regression is biased. "
            "Report the imputation estimate."
        )
    else:
        message = (
            f"The naive two-way fixed-effects estimate ({twfe.coef:.3g}) is close to the "
            f"imputation estimate ({result.att:.3g})."
        )
    return TwfeComparison(twfe.coef, result.att, difference, float(z), disagrees, message)
