"""Event studies with their joint covariance, and event times grouped in bins (e.g. 4 weeks).

An :class:`EventStudy` holds event-time estimates ``θ̂_e`` (``e = t − cohort``) and their
covariance ``V̂``, from either estimator:

- Callaway & Sant'Anna: the dynamic aggregation ``θ̂_e = Σ_g P(G=g|e) ATT(g, g+e)`` (R's
  ``aggte(type="dynamic")``) with ``V̂ = Σ_k ψ_k ψ'_k / n²`` from the influence functions of the
  aggregation (R's ``wif`` term for the estimated cohort shares included). With
  ``base_period="universal"`` the reference ``e = −1`` is 0 by construction and is left out
  (``reference = −1``); with ``"varying"`` the pre-period estimates are one-period placebo
  changes, not levels.
- Imputation (BJS): ``θ̂_e`` the mean of ``τ̂_it`` over imputed treated observations with
  ``t − E_i = e`` (post-periods only), ``V̂ = S'S`` from the cluster scores (see
  :mod:`veikart.impact.stats.estimands`).

Weekly coefficients are noisy, so for display they are grouped in bins of ``width`` event times,
``b(e) = ⌊e / width⌋`` (with 4: ``0…3``, ``4…7``, …, and ``−4…−1``, ``−8…−5`` before). A bin's
estimate is a weighted average of its event-time estimates, ``θ̂_b = Σ_{e∈b} ω_be θ̂_e`` with
``Σ_e ω_be = 1`` — equal weights (default) or weights proportional to the observations behind
each ``θ̂_e`` — so with ``Ω = (ω_be)`` the bins are ``Ω θ̂`` with covariance ``Ω V̂ Ω'``: the
bin's influence function is ``Σ_e ω_be ψ_e``. The weights are fixed numbers (for the
"observations" weighting with Callaway & Sant'Anna, the cohort sizes behind them are treated as
known; the equal weighting is exact).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from veikart.impact.stats._influence import Functionals
from veikart.impact.stats.callaway_santanna import AttGtResult
from veikart.impact.stats.estimands import imputation_estimands, z_value
from veikart.impact.stats.imputation import EffectsBy

FloatArray = npt.NDArray[np.float64]

BinWeighting = Literal["equal", "observations"]


def _table(
    key: dict[str, FloatArray], att: FloatArray, se: FloatArray, n_obs: FloatArray, alpha: float
) -> pd.DataFrame:
    z = z_value(alpha)
    return pd.DataFrame(
        {**key, "att": att, "se": se, "lower": att - z * se, "upper": att + z * se, "n_obs": n_obs}
    )


@dataclass(frozen=True)
class EventStudy:
    """Event-time estimates ``att`` at event times ``e`` with covariance ``covariance``.

    ``n_obs``: observations behind each estimate (imputed treated person-periods for
    imputation; treated units of the cohorts observed at ``e`` for Callaway & Sant'Anna).
    ``reference``: the event time normalised to 0 and left out (``None`` if none).
    """

    estimator: str
    e: FloatArray
    att: FloatArray
    covariance: FloatArray
    n_obs: FloatArray
    reference: float | None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        k = self.e.size
        if self.att.shape != (k,) or self.covariance.shape != (k, k) or self.n_obs.shape != (k,):
            raise ValueError("e, att, covariance and n_obs do not fit together")
        if np.any(np.diff(self.e) <= 0):
            raise ValueError("event times must be strictly increasing")

    @property
    def se(self) -> FloatArray:
        return np.sqrt(np.diag(self.covariance))

    def table(self, alpha: float = 0.05) -> pd.DataFrame:
        """``e, att, se, lower, upper, n_obs`` with ``1 − alpha`` pointwise intervals."""
        return _table({"e": self.e}, self.att, self.se, self.n_obs, alpha)


def cs_event_study(
    result: AttGtResult, *, min_e: float = -math.inf, max_e: float = math.inf
) -> EventStudy:
    """The dynamic aggregation of a Callaway & Sant'Anna result with its full covariance.

    Estimates and standard errors equal ``result.aggregate("dynamic", min_e=…, max_e=…)``; the
    covariance comes from the same influence functions. Universal base: ``e = −1`` is left out."""
    aggregation, functionals = result._aggregate("dynamic", min_e, max_e)
    elements = Functionals(functionals.beta[:, :, :-1], functionals.m[:, :-1])
    covariance = result._basis.cross_products(elements) / result.n_units**2
    e = aggregation.table["e"].to_numpy(dtype=np.float64)
    att = aggregation.table["att"].to_numpy(dtype=np.float64)
    cells = result._cells
    counts = result._basis.cohort_counts[cells.cohort_index]
    window = (cells.event_time >= min_e) & (cells.event_time <= max_e) & np.isfinite(cells.att)
    n_obs = np.array([counts[window & (cells.event_time == k)].sum() for k in e])
    reference: float | None = None
    notes: list[str] = []
    if result.base_period == "universal":
        keep = e != -1
        e, att, n_obs = e[keep], att[keep], n_obs[keep]
        covariance = covariance[np.ix_(keep, keep)]
        reference = -1.0
    elif np.any(e < 0):
        notes.append(
            "Varying base period: the estimates before treatment are one-period placebo changes "
            "(short differences), not levels relative to e = −1."
        )
    return EventStudy("callaway_santanna", e, att, covariance, n_obs, reference, tuple(notes))


def imputation_event_study(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    horizons: int | Sequence[float] | None = None,
    fe_group: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    effects_by: EffectsBy = "cohort_period",
) -> EventStudy:
    """Imputation event-time estimates ``e ≥ 0`` (as ``imputation(...).event_time``) with their
    joint covariance. ``horizons``: ``H`` for ``0…H``, a list, or ``None`` for all. Other
    arguments as for :func:`veikart.impact.stats.imputation`."""
    first = data[cohort].to_numpy(dtype=np.float64, na_value=np.nan)
    event_time = np.where(first > 0, data[time].to_numpy(dtype=np.float64) - first, np.nan)
    if horizons is not None:
        wanted = (
            np.arange(int(horizons) + 1, dtype=np.float64)
            if isinstance(horizons, int | np.integer)
            else np.asarray(horizons, dtype=np.float64)
        )
        event_time = np.where(np.isin(event_time, wanted), event_time, np.nan)
    estimates = imputation_estimands(
        data, y=y, unit=unit, time=time, cohort=cohort, means_by=event_time, fe_group=fe_group,
        cluster=cluster, weights=weights, effects_by=effects_by,
    )  # fmt: skip
    table = estimates.table
    return EventStudy(
        estimator="imputation",
        e=table["name"].to_numpy(dtype=np.float64),
        att=table["att"].to_numpy(dtype=np.float64),
        covariance=estimates.covariance,
        n_obs=table["n_obs"].to_numpy(dtype=np.float64),
        reference=None,
        notes=estimates.notes,
    )


@dataclass(frozen=True)
class BinnedEventStudy:
    """Event times grouped in bins of ``width``: ``table`` has ``bin`` (``⌊e/width⌋``),
    ``e_first, e_last`` (the bin's nominal range), ``n_event_times`` (estimates averaged),
    ``att, se, lower, upper`` and ``n_obs`` (summed). ``weights`` is ``Ω`` (bins × event times
    ``event_times``), ``covariance`` is ``Ω V̂ Ω'``."""

    estimator: str
    width: int
    weighting: BinWeighting
    table: pd.DataFrame
    covariance: FloatArray
    weights: FloatArray
    event_times: FloatArray
    notes: tuple[str, ...] = field(default=())


def bin_event_study(
    study: EventStudy,
    *,
    width: int = 4,
    weighting: BinWeighting = "equal",
    alpha: float = 0.05,
) -> BinnedEventStudy:
    """Average event-time estimates in bins of ``width`` event times (module docstring)."""
    if width < 1:
        raise ValueError("width must be at least 1")
    if weighting not in ("equal", "observations"):
        raise ValueError("weighting must be 'equal' or 'observations'")
    if study.e.size == 0:
        raise ValueError("the event study has no estimates")
    if not np.all(np.isfinite(study.att)):
        raise ValueError("an event-time estimate is missing")
    bins = np.floor(study.e / width)
    labels = np.unique(bins)
    base = np.ones(study.e.size) if weighting == "equal" else study.n_obs
    if not np.all(np.isfinite(base) & (base >= 0)):
        raise ValueError("observation counts are not available for this event study")
    omega = np.zeros((labels.size, study.e.size))
    for j, b in enumerate(labels):
        members = bins == b
        if base[members].sum() <= 0:
            raise ValueError(f"bin {b:g} has no observations to weight")
        omega[j, members] = base[members] / base[members].sum()
    att = omega @ study.att
    covariance = omega @ study.covariance @ omega.T
    se = np.sqrt(np.diag(covariance))
    n_obs = np.array([study.n_obs[bins == b].sum() for b in labels])
    table = _table(
        {
            "bin": labels,
            "e_first": labels * width,
            "e_last": labels * width + width - 1,
            "n_event_times": np.array([(bins == b).sum() for b in labels], dtype=np.float64),
        },
        att,
        se,
        n_obs,
        alpha,
    )
    notes = list(study.notes)
    if study.reference is not None and np.any(labels == math.floor(study.reference / width)):
        notes.append(
            f"The reference period e = {study.reference:g} (0 by construction) is left out of "
            "its bin."
        )
    return BinnedEventStudy(
        study.estimator, width, weighting, table, covariance, omega, study.e, tuple(notes)
    )
