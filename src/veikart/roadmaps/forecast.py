"""When will a roadmap target be met? A diffusion-curve forecast with an uncertainty band.

Pure numpy/scipy, no Django: :func:`forecast` takes a weekly series of one metric for one
population and returns a frozen :class:`Forecast`.

Method
------
Weeks are counted from the first observed week (``t`` in weeks). Three models are fitted by
bounded nonlinear least squares (``scipy.optimize.least_squares``, several starting points each):

* a four-parameter **logistic** ``y = base + (K - base) / (1 + exp(-r (t - t0)))``;
* a **Bass** diffusion curve ``y = base + m F(t)``,
  ``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))`` (adoption begins at the first
  observed week);
* a straight **line**, the fallback.

Both curves have a free start and end level, so they rise *or fall*: an "at most" target (say
e-mails per person at most 20 a week) is a falling curve fitted directly – no mirroring needed;
only the comparison with the threshold flips. Levels (``base``, ``K``, ``base + m``) are bounded
to the metric's range: [0, 1] for shares, [0, 5 × the largest value] for levels (not capped at
1). Shares are fitted by weighted least squares with binomial-like noise,
``sd ∝ √max(μ(1-μ), 0.01)`` (μ a 5-week moving mean), levels unweighted. The model with the
smallest AICc, ``n log(RSS/n) + 2k + 2k(k+1)/(n-k-1)``, wins; Bass must beat the logistic by
more than 2 (on data that cannot tell them apart they are the same curve).

Uncertainty: the parameters' posterior – flat prior inside the bounds, Gaussian noise with
``s² = RSS/(n-k)`` inflated by ``(1+ρ)/(1-ρ)`` for the lag-1 autocorrelation ``ρ ≥ 0`` of the
residuals (weekly adoption wobbles are not independent) – is sampled by an affine-invariant
ensemble MCMC (Goodman & Weare's stretch move, 100 walkers started from the Laplace
approximation, vectorised). Unlike a Gaussian approximation it follows the long curved ridge an
early adoption curve leaves (before the midpoint the ceiling is barely identified). 400 curves
give the pointwise band and the probabilities; a fixed ``seed`` gives the same result every
time. The straight line's posterior is Gaussian and is sampled directly.

Measured on planted curves (binomial noise, population 300; tests/roadmaps/test_forecast.py): the
80 % band covers the true curve in about 75–80 % of weeks when the data pass the midpoint, and in
about 65–70 % when they stop before it (``reason="early_phase"``) or a quarter of the weeks are
missing; the median crossing week is within 2 weeks of the true one.

Suggested status cut-offs for the roadmap (the roadmap app owns the judgement):

* **met** – the latest visible value already meets the threshold;
* **on track** – ``probability_by_due >= 0.7``;
* **at risk** – ``0.3 <= probability_by_due < 0.7``;
* **off track** – ``probability_by_due < 0.3``;
* **unknown** – ``fit is None`` (``reason`` says why).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares
from scipy.special import expit

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Model = Literal["logistic", "bass", "linear"]
Kind = Literal["share", "level"]
Direction = Literal["at_least", "at_most"]
# Why there is no fit, or a caveat about it – stable codes, so the roadmap app can translate them.
Reason = Literal["too_few_points", "no_variation", "linear_trend", "early_phase"]

MIN_POINTS = 8  # fewer weeks with data than this: no forecast
BAND_LEVEL = 0.8  # the band runs from the 10th to the 90th percentile of simulated curves

_N_DRAWS = 400  # simulated curves
_N_WALKERS = 100
_BURN_IN = 150  # ensemble steps before the first kept snapshot
_THIN = 10  # steps between kept snapshots (_N_DRAWS / _N_WALKERS of them)
_STRETCH = 2.0  # the stretch-move scale ``a`` of Goodman & Weare
_LEVEL_CAP = 5.0  # level metrics: curve levels bounded to [0, 5 × the largest value]
_QUANTILES = ((1 - BAND_LEVEL) / 2, 0.5, (1 + BAND_LEVEL) / 2)


@dataclass(frozen=True)
class Fit:
    """A curve fitted to the observed weeks.

    ``params`` by model (``t`` in weeks since the first observed week):

    * ``logistic``: ``y = base + (K - base) / (1 + exp(-r (t - t0)))`` – keys ``K`` (the level
      the curve tends to), ``base`` (the level it comes from), ``r`` (rate per week, > 0),
      ``t0`` (midpoint, weeks since the first observed week). Falls when ``K < base``.
    * ``bass``: ``y = base + m F(t)``,
      ``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))`` – keys ``m`` (total change,
      negative for a falling curve), ``p`` (innovation), ``q`` (imitation), ``base`` (level at
      the first observed week).
    * ``linear``: ``y = intercept + slope t`` – the fallback when no curve beats a straight line
      (or the values do not vary).
    """

    model: Model
    params: dict[str, float]
    rmse: float
    n_points: int
    aic: float


@dataclass(frozen=True)
class Forecast:
    """The forecast of one metric against one target.

    ``weeks`` runs weekly from the first observed week to ``max(horizon, due, last observed
    week)``; ``median``, ``lower`` and ``upper`` are the pointwise median and 10th/90th
    percentiles (an 80 % band, :data:`BAND_LEVEL`) of simulated *trend* curves (not of single
    noisy weeks). All three are empty when ``fit`` is None.

    ``reached_on`` is the first week from which the median curve meets the threshold (a past
    week when it already does); ``reached_lower`` the earliest plausible week (the optimistic
    edge of the band meets it), ``reached_upper`` the latest plausible week (the pessimistic edge
    meets it). None means "not within the weeks covered". ``probability_by_due`` is the share of
    simulated curves whose value on the due date meets the threshold.

    ``reason``: ``"too_few_points"`` (fewer than :data:`MIN_POINTS` weeks with data; ``fit`` is
    None), ``"no_variation"`` (all values equal; a flat line is assumed, band of zero width),
    ``"linear_trend"`` (no S-curve fitted better than a straight line, which is extended and
    kept within the metric's range), ``"early_phase"`` (the data end before the curve's steepest
    point, so where it levels off – and so the band – is uncertain), else None.
    """

    fit: Fit | None
    weeks: tuple[date, ...]
    median: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    reached_on: date | None
    reached_lower: date | None
    reached_upper: date | None
    probability_by_due: float | None
    reason: Reason | None
    band_level: float = BAND_LEVEL


def forecast(
    weeks: Sequence[date],
    values: Sequence[float | None],
    *,
    threshold: float,
    direction: Direction,
    due: date,
    horizon: date,
    kind: Kind,
    seed: int = 0,
) -> Forecast:
    """Forecast when ``values`` will meet ``threshold`` (``>=`` for at_least, ``<=`` at_most).

    ``weeks`` and ``values`` pair up; a None or NaN value (a week hidden by privacy suppression
    or without data) is left out, as is an omitted week. ``kind="share"`` values and threshold
    lie in [0, 1] (pass 0.8, not 80); ``kind="level"`` values are >= 0 and not capped.
    Raises ValueError on developer errors (lengths differ, duplicate weeks, values or threshold
    out of range). The same inputs and ``seed`` always give the same result.
    """
    observed, y = _observed(weeks, values, kind)
    _check_target(threshold, direction, kind)
    if y.size < MIN_POINTS:
        return Forecast(None, (), (), (), (), None, None, None, None, "too_few_points")
    first = observed[0]
    t = np.array([(week - first).days / 7 for week in observed])
    end = max(horizon, due, observed[-1])
    grid_weeks = tuple(first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1))
    grid = np.arange(len(grid_weeks), dtype=np.float64)
    lo_level, hi_level = (0.0, 1.0) if kind == "share" else (0.0, _LEVEL_CAP * float(y.max()))

    if float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        chosen = _Candidate(_MODELS["linear"], np.array([float(y[0]), 0.0]), 0.0, None, None)
    else:
        sd = _relative_noise(y) if kind == "share" else np.ones_like(y)
        fits = [_fit(m, t, y, sd, lo_level, hi_level) for m in _MODELS.values()]
        chosen = _choose(fits, y.size)
    draws = _draw(chosen, t, y, np.random.default_rng(seed))
    fitted = chosen.model.predict(chosen.u[None, :], t)[0]

    curves = np.clip(chosen.model.predict(draws, grid), lo_level, hi_level)
    lower, median, upper = np.quantile(curves, _QUANTILES, axis=0)
    t_due = max((due - first).days / 7, 0.0)
    at_due = np.clip(chosen.model.predict(draws, np.array([t_due]))[:, 0], lo_level, hi_level)

    def meets(v: FloatArray) -> BoolArray:
        return v >= threshold if direction == "at_least" else v <= threshold

    optimistic, pessimistic = (upper, lower) if direction == "at_least" else (lower, upper)
    return Forecast(
        fit=Fit(
            model=chosen.model.name,
            params=chosen.model.params(chosen.u),
            rmse=math.sqrt(float(np.mean((y - fitted) ** 2))),
            n_points=int(y.size),
            aic=_aicc(chosen, y.size),
        ),
        weeks=grid_weeks,
        median=tuple(median.tolist()),
        lower=tuple(lower.tolist()),
        upper=tuple(upper.tolist()),
        reached_on=_week_from(meets(median), grid_weeks),
        reached_lower=_week_from(meets(optimistic), grid_weeks),
        reached_upper=_week_from(meets(pessimistic), grid_weeks),
        probability_by_due=float(np.mean(meets(at_due))),
        reason=_caveat(chosen, float(t[-1])),
    )


# --- input ---------------------------------------------------------------------------------


def _observed(
    weeks: Sequence[date], values: Sequence[float | None], kind: Kind
) -> tuple[list[date], FloatArray]:
    """The weeks that have a value, in order, and their values."""
    if len(weeks) != len(values):
        raise ValueError(f"weeks and values differ in length ({len(weeks)} != {len(values)})")
    if len(set(weeks)) != len(weeks):
        raise ValueError("weeks contain duplicates; give one value per week")
    if kind not in ("share", "level"):
        raise ValueError(f"kind must be 'share' or 'level', not {kind!r}")
    pairs = sorted(
        (week, float(v))
        for week, v in zip(weeks, values, strict=True)
        if v is not None and math.isfinite(v)
    )
    y = np.array([v for _, v in pairs], dtype=np.float64)
    if kind == "share" and y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError("share values must lie in [0, 1] (pass 0.8, not 80)")
    if kind == "level" and y.size and y.min() < 0:
        raise ValueError("level values must be >= 0")
    return [week for week, _ in pairs], y


def _check_target(threshold: float, direction: Direction, kind: Kind) -> None:
    if direction not in ("at_least", "at_most"):
        raise ValueError(f"direction must be 'at_least' or 'at_most', not {direction!r}")
    if not math.isfinite(threshold):
        raise ValueError("threshold must be a finite number")
    if kind == "share" and not 0 <= threshold <= 1:
        raise ValueError("a share threshold must lie in [0, 1] (pass 0.8, not 80)")


def _week_from(ok: BoolArray, grid_weeks: tuple[date, ...]) -> date | None:
    """The first week from which ``ok`` holds to the end of the grid, or None."""
    stays = np.logical_and.accumulate(ok[::-1])[::-1]
    return grid_weeks[int(np.argmax(stays))] if stays.any() else None


# --- models --------------------------------------------------------------------------------
# Each model maps an (D, k) array of internal parameters and (T,) weeks to (D, T) values.
# Rates are fitted on the log scale, so that they stay positive and their uncertainty is skewed.


def _logistic(u: FloatArray, t: FloatArray) -> FloatArray:
    base, ceiling, log_r, t0 = (u[:, i : i + 1] for i in range(4))
    out: FloatArray = base + (ceiling - base) * expit(np.exp(log_r) * (t - t0))
    return out


def _bass(u: FloatArray, t: FloatArray) -> FloatArray:
    base, end, log_p, log_q = (u[:, i : i + 1] for i in range(4))
    p, q = np.exp(log_p), np.exp(log_q)
    decay = np.exp(-(p + q) * np.maximum(t, 0.0))
    out: FloatArray = base + (end - base) * (1 - decay) / (1 + (q / p) * decay)
    return out


def _line(u: FloatArray, t: FloatArray) -> FloatArray:
    out: FloatArray = u[:, 0:1] + u[:, 1:2] * t
    return out


def _logistic_params(u: FloatArray) -> dict[str, float]:
    return {"K": float(u[1]), "r": math.exp(u[2]), "t0": float(u[3]), "base": float(u[0])}


def _bass_params(u: FloatArray) -> dict[str, float]:
    m = float(u[1] - u[0])
    return {"m": m, "p": math.exp(u[2]), "q": math.exp(u[3]), "base": float(u[0])}


def _line_params(u: FloatArray) -> dict[str, float]:
    return {"intercept": float(u[0]), "slope": float(u[1])}


@dataclass(frozen=True)
class _Model:
    name: Model
    predict: Callable[[FloatArray, FloatArray], FloatArray]
    params: Callable[[FloatArray], dict[str, float]]


_MODELS: dict[Model, _Model] = {
    "logistic": _Model("logistic", _logistic, _logistic_params),
    "bass": _Model("bass", _bass, _bass_params),
    "linear": _Model("linear", _line, _line_params),
}


def _bounds(name: Model, lo: float, hi: float, span: float) -> tuple[FloatArray, FloatArray]:
    if name == "logistic":
        lower = [lo, lo, math.log(0.005), -(span + 52)]
        upper = [hi, hi, math.log(3.0), 2 * span + 156]
    elif name == "bass":
        lower = [lo, lo, math.log(1e-4), math.log(1e-4)]
        upper = [hi, hi, math.log(1.0), math.log(3.0)]
    else:
        lower, upper = [-math.inf, -math.inf], [math.inf, math.inf]
    return np.array(lower), np.array(upper)


def _starts(name: Model, t: FloatArray, y: FloatArray, lo: float, hi: float) -> list[FloatArray]:
    span = max(float(t[-1]), 1.0)
    edge = max(3, y.size // 10)
    start, finish = float(y[:edge].mean()), float(y[-edge:].mean())
    ends = np.clip(finish + (finish - start) * np.array([0.0, 0.5, 2.0]), lo, hi)
    if name == "logistic":
        shapes = [(8 / span, span / 2), (4 / span, span), (3 / span, 1.5 * span)]
        return [
            np.array([start, end, math.log(r), t0])
            for end, (r, t0) in zip(ends, shapes, strict=True)
        ]
    if name == "bass":
        shapes = [(0.3 / span, 6 / span), (2 / span, 1 / span), (0.05 / span, 10 / span)]
        return [
            np.array([float(y[0]), end, math.log(p), math.log(q)])
            for end, (p, q) in zip(ends, shapes, strict=True)
        ]
    slope = (finish - start) / span
    return [np.array([start, slope])]


@dataclass(frozen=True)
class _Candidate:
    model: _Model
    u: FloatArray
    rss: float
    jac: FloatArray | None  # None: no uncertainty (a flat series)
    bounds: tuple[FloatArray, FloatArray] | None
    sd: FloatArray | None = None  # relative noise per week (weighted least squares)


def _relative_noise(y: FloatArray) -> FloatArray:
    """Relative noise of shares: binomial-like, ``sd ∝ √(μ(1-μ))`` with μ a 5-week mean.

    The floor (μ(1-μ) of 1 %) keeps weeks near 0 or 1 from dominating the fit: real weekly
    shares wobble with holidays and reorganisations, not only with sampling.
    """
    smooth = np.convolve(np.pad(y, 2, mode="edge"), np.full(5, 0.2), mode="valid")
    v = np.maximum(smooth * (1 - smooth), 0.01)
    out: FloatArray = np.sqrt(v / v.mean())
    return out


def _fit(
    model: _Model, t: FloatArray, y: FloatArray, sd: FloatArray, lo: float, hi: float
) -> _Candidate:
    bounds = _bounds(model.name, lo, hi, float(t[-1]))

    def residuals(u: FloatArray) -> FloatArray:
        out: FloatArray = (model.predict(u[None, :], t)[0] - y) / sd
        return out

    best = None
    for x0 in _starts(model.name, t, y, lo, hi):
        x0 = np.clip(x0, *bounds)
        result = least_squares(residuals, x0, bounds=bounds, x_scale="jac", max_nfev=300)
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    u = np.asarray(best.x, dtype=np.float64)
    rss = float(np.sum(residuals(u) ** 2))
    return _Candidate(model, u, rss, np.asarray(best.jac, dtype=np.float64), bounds, sd)


def _aicc(candidate: _Candidate, n: int) -> float:
    k = candidate.u.size
    rss = max(candidate.rss, n * 1e-24)  # a perfect fit must not give log(0)
    penalty = 2 * k * (k + 1) / (n - k - 1) if n > k + 1 else math.inf
    return n * math.log(rss / n) + 2 * k + penalty


def _choose(candidates: list[_Candidate], n: int) -> _Candidate:
    """The smallest AICc; Bass must beat the logistic by more than 2 to be chosen.

    Both have four parameters and a Bass curve with small ``p`` is a logistic, so on data that
    cannot tell them apart the tie goes to the logistic, whose parameters read more easily.
    """
    score = {c.model.name: _aicc(c, n) for c in candidates}
    score["bass"] += 2.0
    best = min(score, key=score.__getitem__)
    return next(c for c in candidates if c.model.name == best)


def _caveat(chosen: _Candidate, last_t: float) -> Reason | None:
    if chosen.jac is None:
        return "no_variation"
    params = chosen.model.params(chosen.u)
    if chosen.model.name == "linear":
        return "linear_trend"
    if chosen.model.name == "logistic":
        steepest = params["t0"]
    else:  # Bass: F'' = 0 at ln(q/p)/(p+q), or at the start when p >= q
        p, q = params["p"], params["q"]
        steepest = max(math.log(q / p), 0.0) / (p + q)
    return "early_phase" if steepest > last_t else None


# --- uncertainty ---------------------------------------------------------------------------


def _draw(c: _Candidate, t: FloatArray, y: FloatArray, rng: np.random.Generator) -> FloatArray:
    """``_N_DRAWS`` parameter vectors from the approximate posterior of the fit.

    Walkers start from the Laplace approximation and then take ``_BURN_IN`` (and more) stretch moves
    of an affine-invariant ensemble sampler (Goodman & Weare 2010), so that they spread along
    the long, curved ridges an early adoption curve leaves (the ceiling is barely identified
    before the midpoint) instead of staying in the Gaussian's ellipse.
    """
    n, k = y.size, c.u.size
    if c.jac is None or c.bounds is None or c.sd is None or c.rss <= 0:
        return np.repeat(c.u[None, :], _N_DRAWS, axis=0)
    sd = c.sd
    residuals = (y - c.model.predict(c.u[None], t)[0]) / sd
    s2 = c.rss / max(n - k, 1) * _autocorrelation_inflation(residuals, t)
    lower, upper = c.bounds

    def log_posterior(u: FloatArray) -> FloatArray:
        # flat prior inside the bounds, Gaussian noise of variance s2
        inside = np.all((u >= lower) & (u <= upper), axis=1)
        out = np.full(u.shape[0], -np.inf)
        if inside.any():
            z = (c.model.predict(u[inside], t) - y) / sd
            out[inside] = -np.sum(z**2, axis=1) / (2 * s2)
        return out

    eigval, eigvec = np.linalg.eigh(c.jac.T @ c.jac)
    eigval = np.maximum(eigval, eigval.max() * 1e-10)
    root = eigvec / np.sqrt(eigval) * math.sqrt(s2)  # cov = root rootᵀ
    if c.model.name == "linear":  # the posterior is exactly this Gaussian
        exact: FloatArray = c.u + rng.standard_normal((_N_DRAWS, k)) @ root.T
        return exact
    walkers = np.clip(c.u + rng.standard_normal((_N_WALKERS, k)) @ root.T, lower, upper)
    log_p = log_posterior(walkers)
    half = _N_WALKERS // 2
    kept: list[FloatArray] = []
    n_snapshots = _N_DRAWS // _N_WALKERS
    for step in range(1, _BURN_IN + _THIN * (n_snapshots - 1) + 1):
        for moving, other in (
            (slice(0, half), slice(half, None)),
            (slice(half, None), slice(0, half)),
        ):
            current, partners = walkers[moving], walkers[other]
            m = current.shape[0]
            z = ((_STRETCH - 1) * rng.random(m) + 1) ** 2 / _STRETCH  # g(z) ∝ 1/√z on [1/a, a]
            anchor = partners[rng.integers(0, partners.shape[0], m)]
            proposal = anchor + z[:, None] * (current - anchor)
            log_q = log_posterior(proposal)
            accept = np.log(rng.random(m)) < (k - 1) * np.log(z) + log_q - log_p[moving]
            current[accept] = proposal[accept]
            log_p[moving] = np.where(accept, log_q, log_p[moving])
        if step >= _BURN_IN and (step - _BURN_IN) % _THIN == 0:
            kept.append(walkers.copy())
    return np.concatenate(kept)


def _autocorrelation_inflation(residuals: FloatArray, t: FloatArray) -> float:
    """``(1+ρ)/(1-ρ)`` for the lag-1 autocorrelation ``ρ`` of residuals in adjacent weeks."""
    adjacent = np.isclose(np.diff(t), 1.0)
    if adjacent.sum() < 5:
        return 1.0
    e = residuals - residuals.mean()
    denom = float(np.sum(e**2))
    if denom <= 0:
        return 1.0
    rho = float(np.sum(e[:-1][adjacent] * e[1:][adjacent])) / denom
    rho = min(max(rho, 0.0), 0.9)
    return (1 + rho) / (1 - rho)
