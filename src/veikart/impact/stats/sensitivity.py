"""How robust is an event-study conclusion to violations of parallel trends? (Rambachan & Roth 2023)

**Setup** (their notation). Event-study coefficients ``β̂ = (β̂_pre, β̂_post)`` for pre-periods
``−T̲ … −1`` and post-periods ``1 … T̄``, relative to a reference period 0 that is normalised to 0
and left out, with covariance ``Σ``. They estimate ``β = τ + δ``: the effects ``τ`` (0 before
treatment) plus a violation of parallel trends ``δ``, so that ``δ_pre = β_pre``. The target is
``θ = l'τ_post`` (``l_vec``; default ``l = e₁``, the first post-period). In this package's event
time ``e = t − cohort`` with reference ``e = −1`` (Callaway & Sant'Anna with a universal base),
their period ``k`` is ``e = k − 1``: the first post-period is ``e = 0``.

Assumptions on ``δ`` — the post-period violation is limited by what the pre-periods show:

- **Relative magnitudes** ``Δ^RM(M̄)``: ``|δ_{t+1} − δ_t| ≤ M̄ · max_{s<0} |δ_{s+1} − δ_s|``
  for all ``t ≥ 0`` (with ``δ_0 = 0``; the pre-period maximum includes the step into period 0).
- **Smoothness** ``Δ^SD(M)``: ``|(δ_{t+1} − δ_t) − (δ_t − δ_{t−1})| ≤ M`` for all ``t``: the
  slope of the violation changes by at most ``M`` per period; ``M = 0`` allows exactly linear
  trends, which are then extrapolated.

**Identified sets** (what ``θ`` could be if ``β`` were known; here at ``β = β̂``):

- ``Δ^RM``: ``l'β_post ± M̄ · m · K``, with ``m = max_s |Δβ_s|`` the largest pre-period step and
  ``K = Σ_{s=1..T̄} |Σ_{t≥s} l_t|`` (``δ_t`` is a sum of ``t`` steps, each at most ``M̄m``).
- ``Δ^SD``: ``l'β_post + β_{−1} Σ_t t l_t ± M · Σ_{r=0..T̄−1} |Σ_{t>r} (t − r) l_t|`` — the last
  pre-period slope extrapolated linearly, plus what second differences up to ``M`` can add. (The
  pre-period second differences of ``β̂`` themselves are not checked against ``M``.)

**Robust confidence intervals** — what is implemented, and how it differs from HonestDiD:

- ``Δ^SD``: the **optimal fixed-length confidence interval** (FLCI, Armstrong & Kolesár 2018;
  RR Section 4.1), as HonestDiD's ``method="FLCI"``: among affine estimators ``θ̂ = v'β̂`` with
  ``v = (v_pre, l)`` whose bias is bounded on ``Δ^SD(M)`` (``v`` orthogonal to linear trends
  through period 0), take the one minimising the half-length ``σ_v · cv_α(b̄_v/σ_v)``, where
  ``σ_v² = v'Σv``, ``b̄_v = M ‖y‖₁`` is the worst-case bias with ``y`` solving ``A'y = v``
  (``A`` the second-difference operator), and ``cv_α(b)`` the ``1 − α`` quantile of ``|N(b, 1)|``.
  HonestDiD solves the same problem by a grid/bisection over ``σ_v`` with a conic solver and a
  simulated folded-normal quantile (10⁶ draws); here it is solved directly (SLSQP on the convex
  epigraph form, from two starting points) with the exact quantile, so results agree to about
  ``10⁻³`` and ours can be marginally shorter. HonestDiD's default for ``Δ^SD`` is this FLCI.
- ``Δ^RM``: a **conservative union of per-piece bounds**, not HonestDiD's default conditional /
  hybrid test inversion ("C-LF", Andrews, Roth & Pakes). ``Δ^RM`` is the union over pre-periods
  ``s`` and signs ``σ`` of the polyhedra on which the pre-period maximum is ``σ Δδ_s``; on such a
  piece ``θ ∈ [a'β, b'β]`` with ``a, b = (0, l) ∓ M̄ K σ d_s`` (``d_s'β = Δβ_s``), so
  ``[a'β̂ − z_{1−α/2} σ_a, b'β̂ + z_{1−α/2} σ_b]`` covers ``θ`` with probability ``≥ 1 − α`` on
  the true piece, and the hull of these intervals over all pieces is a valid ``1 − α`` interval.
  It ignores the inequalities that define each piece (HonestDiD's conditional tests use them),
  so it is wider than HonestDiD's C-LF interval; on R&R's Benzarti–Carloni example it contains
  it. At ``M̄ = 0`` it is the conventional interval.

**Breakdown value**: the smallest ``M̄`` (or ``M``) at which the robust interval contains 0, by
bisection to a relative ``10⁻⁷`` (for ``Δ^RM`` the interval's lower end is concave and the upper
convex in ``M̄``, so bisection finds it; for the FLCI it assumes, as in practice, that an interval
containing 0 at some ``M`` still does at larger ``M``). It is 0 when the conventional interval
already contains 0.

Not implemented: ``Δ^SDRM``, sign and monotonicity restrictions, the conditional and hybrid
confidence sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import linalg, optimize, special, stats  # type: ignore[import-untyped, unused-ignore]

from veikart.impact.stats.estimands import Interval, z_value
from veikart.impact.stats.event_study import EventStudy

FloatArray = npt.NDArray[np.float64]

Restriction = Literal["relative_magnitudes", "smoothness"]
DEFAULT_MBAR = (0.0, 0.5, 1.0, 1.5, 2.0)  # HonestDiD's default grid of M̄
_BREAKDOWN_LIMIT = 1e6


@dataclass(frozen=True)
class Sensitivity:
    """Robust intervals for ``θ = l'τ_post`` over a grid of ``M̄`` (relative magnitudes) or
    ``M`` (smoothness).

    ``table``: ``m`` (the grid), ``id_lower, id_upper`` (identified set at ``β̂``) and
    ``lower, upper`` (robust ``1 − alpha`` interval). ``original`` is the conventional interval
    for ``l'β̂_post``; ``breakdown`` the smallest ``m`` at which the robust interval contains 0
    (``inf`` if none up to 10⁶). ``method`` names the construction (module docstring).
    """

    restriction: Restriction
    l_vec: tuple[float, ...]
    original: Interval
    table: pd.DataFrame
    breakdown: float
    method: str
    alpha: float
    notes: tuple[str, ...] = field(default=())


# --- inputs ---------------------------------------------------------------------------------------


def _check(
    betahat: FloatArray, sigma: FloatArray, num_pre: int, l_vec: Sequence[float] | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    beta = np.asarray(betahat, dtype=np.float64)
    cov = np.asarray(sigma, dtype=np.float64)
    n = beta.size
    if cov.shape != (n, n) or not (np.all(np.isfinite(beta)) and np.all(np.isfinite(cov))):
        raise ValueError("betahat and sigma must be finite and fit together")
    if not 1 <= num_pre < n:
        raise ValueError("need at least one pre-period and one post-period coefficient")
    n_post = n - num_pre
    weights = np.eye(n_post)[0] if l_vec is None else np.asarray(l_vec, dtype=np.float64)
    if weights.shape != (n_post,):
        raise ValueError(f"l_vec must have one weight per post-period ({n_post})")
    return beta, (cov + cov.T) / 2, weights


def honest_inputs(study: EventStudy) -> tuple[FloatArray, FloatArray, int]:
    """``(betahat, sigma, num_pre)`` from an event study with a reference period (e.g.
    :func:`veikart.impact.stats.event_study.cs_event_study` with a universal base), checking
    that the event times are consecutive integers around the left-out reference."""
    if study.reference is None:
        raise ValueError(
            "the event study needs a reference period normalised to 0 (Callaway & Sant'Anna "
            "with base_period='universal'); pre-period placebo changes cannot be used"
        )
    e = study.e
    expected = np.concatenate(
        [np.arange(e.min(), study.reference), np.arange(study.reference + 1, e.max() + 1)]
    )
    if expected.shape != e.shape or not np.allclose(expected, e):
        raise ValueError("event times must be consecutive around the reference period")
    num_pre = int(np.sum(e < study.reference))
    return study.att, study.covariance, num_pre


# --- relative magnitudes --------------------------------------------------------------------------


def _post_weight_sums(l_vec: FloatArray) -> FloatArray:
    """``L_s = Σ_{t≥s} l_t`` for ``s = 1..T̄``."""
    return np.cumsum(l_vec[::-1])[::-1]


def _step_vectors(num_pre: int, n: int) -> FloatArray:
    """Rows ``d_s`` with ``d_s'β = β_{s+1} − β_s`` over the pre-periods and the step into the
    reference period (``β_0 = 0``)."""
    d = np.zeros((num_pre, n))
    for s in range(num_pre):
        d[s, s] = -1.0
        if s + 1 < num_pre:
            d[s, s + 1] = 1.0
    return d


class _RmPieces:
    """The per-piece intervals of ``Δ^RM`` (module docstring) for any ``M̄``: with
    ``c = M̄ K σ`` the piece's bounds are ``a = lp − c d_s`` and ``b = lp + c d_s``, whose
    variances are quadratic in ``c``."""

    def __init__(self, beta: FloatArray, cov: FloatArray, num_pre: int, l_vec: FloatArray) -> None:
        lp = np.concatenate([np.zeros(num_pre), l_vec])
        d = _step_vectors(num_pre, beta.size)
        self.k = float(np.abs(_post_weight_sums(l_vec)).sum())
        self.centre, self.steps = float(lp @ beta), d @ beta
        self.var_l, self.cov_ld = float(lp @ cov @ lp), d @ cov @ lp
        self.var_d = np.einsum("ij,jk,ik->i", d, cov, d)

    def interval(self, mbar: float, z: float) -> tuple[float, float]:
        c = mbar * self.k * np.array([[1.0], [-1.0]])  # signs σ = ±1 by pre-period step s
        spread = c * self.steps
        var_a = self.var_l - 2 * c * self.cov_ld + c**2 * self.var_d
        var_b = self.var_l + 2 * c * self.cov_ld + c**2 * self.var_d
        low = self.centre - spread - z * np.sqrt(np.maximum(var_a, 0.0))
        high = self.centre + spread + z * np.sqrt(np.maximum(var_b, 0.0))
        nonempty = low <= high
        return float(low[nonempty].min()), float(high[nonempty].max())


def relative_magnitudes(
    betahat: FloatArray,
    sigma: FloatArray,
    num_pre: int,
    *,
    mbar: Sequence[float] = DEFAULT_MBAR,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> Sensitivity:
    """Identified sets and conservative robust intervals under ``Δ^RM(M̄)`` for each ``M̄`` in
    ``mbar``, and the breakdown value (module docstring). ``betahat`` holds ``num_pre``
    pre-period coefficients, then the post-period ones (reference period left out)."""
    beta, cov, weights = _check(betahat, sigma, num_pre, l_vec)
    if any(m < 0 for m in mbar):
        raise ValueError("M̄ must be ≥ 0")
    z = z_value(alpha)
    post = beta[num_pre:]
    steps = _step_vectors(num_pre, beta.size) @ beta
    half = float(np.abs(steps).max() * np.abs(_post_weight_sums(weights)).sum())
    centre = float(weights @ post)
    pieces = _RmPieces(beta, cov, num_pre, weights)
    rows = []
    for m in mbar:
        low, high = pieces.interval(m, z)
        rows.append((m, centre - m * half, centre + m * half, low, high))
    table = pd.DataFrame(rows, columns=["m", "id_lower", "id_upper", "lower", "upper"])

    def contains_zero(m: float) -> bool:
        low, high = pieces.interval(m, z)
        return low <= 0.0 <= high

    return Sensitivity(
        restriction="relative_magnitudes",
        l_vec=tuple(float(x) for x in weights),
        original=_original(beta, cov, num_pre, weights, alpha),
        table=table,
        breakdown=_breakdown(contains_zero),
        method="union of per-piece bounds (conservative; not HonestDiD's C-LF)",
        alpha=alpha,
    )


def _original(
    beta: FloatArray, cov: FloatArray, num_pre: int, l_vec: FloatArray, alpha: float
) -> Interval:
    post = slice(num_pre, beta.size)
    sd = math.sqrt(float(l_vec @ cov[post, post] @ l_vec))
    return Interval.normal(float(l_vec @ beta[post]), sd, alpha)


def _breakdown(contains_zero: object) -> float:
    """Smallest ``m ≥ 0`` with ``contains_zero(m)``, by doubling then bisection."""
    assert callable(contains_zero)
    if contains_zero(0.0):
        return 0.0
    high = 1.0
    while not contains_zero(high):
        high *= 2
        if high > _BREAKDOWN_LIMIT:
            return math.inf
    low = 0.0 if high == 1.0 else high / 2
    for _ in range(60):
        mid = (low + high) / 2
        if contains_zero(mid):
            high = mid
        else:
            low = mid
        if high - low <= 1e-7 * max(high, 1e-12):
            break
    return high


# --- smoothness -----------------------------------------------------------------------------------


def _second_differences(num_pre: int, n: int) -> FloatArray:
    """``A`` with ``(Aδ)_j`` the second difference at each interior period of
    ``(δ_{−T̲}, …, δ_{−1}, 0, δ_1, …, δ_T̄)`` (the reference column dropped)."""
    full = np.zeros((n - 1, n + 1))
    for j in range(n - 1):
        full[j, j : j + 3] = (1.0, -2.0, 1.0)
    return np.delete(full, num_pre, axis=1)


def _periods(num_pre: int, n: int) -> FloatArray:
    """RR's period index of each coefficient: ``−T̲ … −1, 1 … T̄``."""
    return np.concatenate([np.arange(-num_pre, 0), np.arange(1, n - num_pre + 1)]).astype(
        np.float64
    )


def _sd_half_width(l_vec: FloatArray) -> float:
    """``Σ_{r=0..T̄−1} |Σ_{t>r} (t − r) l_t|``: the identified set's half-width per unit ``M``."""
    t = np.arange(1, l_vec.size + 1, dtype=np.float64)
    return float(sum(abs(np.sum((t[t > r] - r) * l_vec[t > r])) for r in range(l_vec.size)))


def smoothness_upper_bound(
    betahat: FloatArray, sigma: FloatArray, num_pre: int, alpha: float = 0.05
) -> float:
    """HonestDiD's ``DeltaSD_upperBound_Mpre``: ``max_j |Δ²β̂_j| + z_{1−α} se(Δ²β̂_j)`` over the
    second differences of ``(β̂_pre, 0)``, an upper bound on the pre-period non-linearity (the
    default grid of ``M`` runs from 0 to it)."""
    beta, cov, _ = _check(betahat, sigma, num_pre, None)
    if num_pre < 2:
        raise ValueError("a second difference needs two pre-periods")
    # Second differences of (β_pre, 0): the rows of A that involve pre-periods only.
    a = _second_differences(num_pre, num_pre + 1)[: num_pre - 1, :num_pre]
    diffs = a @ beta[:num_pre]
    se = np.sqrt(np.diag(a @ cov[:num_pre, :num_pre] @ a.T))
    return float(np.max(np.abs(diffs) + stats.norm.ppf(1 - alpha) * se))


def folded_normal_quantile(bias: float, alpha: float) -> float:
    """``cv_α(b)``: the ``1 − α`` quantile of ``|N(b, 1)|``, i.e. ``c`` with
    ``Φ(c − b) − Φ(−c − b) = 1 − α`` (it lies in ``[b + z_{1−α}, b + z_{1−α/2}]``)."""
    b = abs(bias)
    low, high = b + special.ndtri(1 - alpha), b + special.ndtri(1 - alpha / 2)
    if b > 40:
        return float(low)

    def gap(c: float) -> float:
        return float(special.ndtr(c - b) - special.ndtr(-c - b) - (1 - alpha))

    return float(optimize.brentq(gap, low - 1e-9, high + 1e-9, xtol=1e-14))


def _cv_slope(bias: float, c: float) -> float:
    """``d cv_α / d b`` by implicit differentiation of the defining equation."""
    # φ(c − b) / φ(c + b) = exp(2bc): the ratio of the two normal densities.
    ratio = math.exp(-2.0 * bias * c) if bias * c < 350 else 0.0
    return float((1.0 - ratio) / (1.0 + ratio))


@dataclass(frozen=True)
class Flci:
    """The optimal FLCI at one ``M``: ``v'β̂ ± half_length`` with ``v = (v_pre, l)``;
    ``sd = √(v'Σv)`` and ``max_bias`` the worst-case bias over ``Δ^SD(M)``."""

    m: float
    v: FloatArray
    half_length: float
    sd: float
    max_bias: float

    def interval(self, betahat: FloatArray) -> tuple[float, float]:
        centre = float(self.v @ betahat)
        return centre - self.half_length, centre + self.half_length


def flci(
    sigma: FloatArray,
    num_pre: int,
    *,
    m: float,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> Flci:
    """The optimal fixed-length confidence interval for ``l'τ_post`` under ``Δ^SD(m)`` (module
    docstring); it depends on the data only through ``Σ``."""
    cov = np.asarray(sigma, dtype=np.float64)
    _, cov, weights = _check(np.zeros(cov.shape[0]), cov, num_pre, l_vec)
    if m < 0:
        raise ValueError("M must be ≥ 0")
    return _Flci(cov, num_pre, weights, alpha).solve(float(m))


class _Flci:
    """The FLCI optimisation over ``v_pre = v₀ + N z`` (the affine set orthogonal to trends)."""

    def __init__(self, cov: FloatArray, num_pre: int, l_vec: FloatArray, alpha: float) -> None:
        n = cov.shape[0]
        self.num_pre, self.l_vec, self.alpha, self.cov = num_pre, l_vec, alpha, cov
        l = l_vec  # noqa: E741 - the paper's name, in the formulas below
        t = _periods(num_pre, n)
        a = _second_differences(num_pre, n)
        q = np.linalg.solve(a @ a.T, a)  # y = Q v solves A'y = v when v ⊥ trends
        t_pre, target = t[:num_pre], -float(t[num_pre:] @ l)
        self.v0 = t_pre * target / float(t_pre @ t_pre)
        self.null = linalg.null_space(t_pre[None, :])  # (num_pre, num_pre − 1)
        q_pre, q_post = q[:, :num_pre], q[:, num_pre:]
        g_mat, g_vec = q_pre @ self.null, q_pre @ self.v0 + q_post @ l
        # Only the second differences at pre-periods depend on v_pre; the others (at period 0
        # and after) are fixed by l and add a constant to ‖y‖₁ (HonestDiD's "constant").
        size = np.abs(g_mat).max(axis=1, initial=0.0)
        varies = size > 1e-10 * max(float(size.max(initial=0.0)), 1.0)
        self.g_mat, self.g_vec = g_mat[varies], g_vec[varies]
        self.bias_constant = float(np.abs(g_vec[~varies]).sum())
        pp, pq, qq = cov[:num_pre, :num_pre], cov[:num_pre, num_pre:], cov[num_pre:, num_pre:]
        self.h_mat = self.null.T @ pp @ self.null
        self.h_vec = self.null.T @ (pp @ self.v0 + pq @ l)
        self.c = float(self.v0 @ pp @ self.v0 + 2 * self.v0 @ pq @ l + l @ qq @ l)
        # Starting points: the minimum-variance estimator and the last-slope extrapolation.
        self.z_min_var = (
            -np.linalg.solve(self.h_mat, self.h_vec) if self.null.shape[1] else np.zeros(0)
        )
        last_slope = np.zeros(num_pre)
        last_slope[-1] = -target  # v_pre = (0, …, 0, Σ t l_t)
        self.z_last_slope = self.null.T @ (last_slope - self.v0)

    def v(self, z: FloatArray) -> FloatArray:
        return np.concatenate([self.v0 + self.null @ z, self.l_vec])

    def sd(self, z: FloatArray) -> float:
        return math.sqrt(max(float(z @ self.h_mat @ z + 2 * self.h_vec @ z + self.c), 1e-300))

    def bias(self, z: FloatArray) -> float:
        """``‖y‖₁``: the worst-case bias per unit ``M``."""
        return self.bias_constant + float(np.abs(self.g_mat @ z + self.g_vec).sum())

    def half_length(self, z: FloatArray, m: float) -> float:
        sd = self.sd(z)
        return sd * folded_normal_quantile(m * self.bias(z) / sd, self.alpha)

    def solve(self, m: float) -> Flci:
        k = self.null.shape[1]
        if m == 0 or k == 0:
            z = self.z_min_var
            return self._result(z, m)
        scale = self.sd(self.z_min_var)
        best = None
        for start in (self.z_min_var, self.z_last_slope):
            z = self._minimise(start, m, scale)
            if best is None or self.half_length(z, m) < self.half_length(best, m):
                best = z
        assert best is not None
        return self._result(best, m)

    def _minimise(self, start: FloatArray, m: float, scale: float) -> FloatArray:
        """SLSQP on ``min σ(z)·cv(M (b₀ + Σu) / σ(z))`` s.t. ``−u ≤ Gz + g ≤ u`` (scaled by
        ``scale``; ``b₀`` the constant part of the bias)."""
        k = self.null.shape[1]
        alpha = self.alpha

        def objective(x: FloatArray) -> tuple[float, FloatArray]:
            z, u = x[:k], x[k:]
            sd = self.sd(z)
            b = m * (self.bias_constant + float(u.sum())) / sd
            c = folded_normal_quantile(b, alpha)
            slope = _cv_slope(b, c)
            grad_z = (c - b * slope) * (self.h_mat @ z + self.h_vec) / sd
            grad_u = np.full(u.size, m * slope)
            return sd * c / scale, np.concatenate([grad_z, grad_u]) / scale

        eye = np.eye(self.g_mat.shape[0])
        jac = np.vstack([np.hstack([-self.g_mat, eye]), np.hstack([self.g_mat, eye])])
        constraints = {
            "type": "ineq",
            "fun": lambda x: np.concatenate(
                [x[k:] - (self.g_mat @ x[:k] + self.g_vec), x[k:] + self.g_mat @ x[:k] + self.g_vec]
            ),
            "jac": lambda x: jac,
        }
        u0 = np.abs(self.g_mat @ start + self.g_vec) + 1e-12
        result = optimize.minimize(
            objective, np.concatenate([start, u0]), jac=True, method="SLSQP",
            constraints=[constraints], options={"maxiter": 1000, "ftol": 1e-12},
        )  # fmt: skip
        z_opt: FloatArray = result.x[:k]
        return z_opt

    def _result(self, z: FloatArray, m: float) -> Flci:
        sd = self.sd(z)
        bias = m * self.bias(z)
        return Flci(m, self.v(z), sd * folded_normal_quantile(bias / sd, self.alpha), sd, bias)


def smoothness(
    betahat: FloatArray,
    sigma: FloatArray,
    num_pre: int,
    *,
    m: Sequence[float] | None = None,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> Sensitivity:
    """Identified sets and optimal FLCIs under ``Δ^SD(M)`` for each ``M`` in ``m`` (default:
    10 points from 0 to :func:`smoothness_upper_bound`, as HonestDiD), and the breakdown value
    (module docstring)."""
    beta, cov, weights = _check(betahat, sigma, num_pre, l_vec)
    grid = (
        tuple(np.linspace(0, smoothness_upper_bound(beta, cov, num_pre, alpha), 10))
        if m is None
        else tuple(m)
    )
    if any(x < 0 for x in grid):
        raise ValueError("M must be ≥ 0")
    problem = _Flci(cov, num_pre, weights, alpha)
    t_post = np.arange(1, weights.size + 1, dtype=np.float64)
    centre = float(weights @ beta[num_pre:] + beta[num_pre - 1] * (t_post @ weights))
    half = _sd_half_width(weights)
    rows = []
    for value in grid:
        low, high = problem.solve(value).interval(beta)
        rows.append((value, centre - value * half, centre + value * half, low, high))
    table = pd.DataFrame(rows, columns=["m", "id_lower", "id_upper", "lower", "upper"])

    def contains_zero(value: float) -> bool:
        low, high = problem.solve(value).interval(beta)
        return low <= 0.0 <= high

    notes = []
    if num_pre >= 2:
        bend = _second_differences(num_pre, num_pre + 1)[: num_pre - 1, :num_pre] @ beta[:num_pre]
        largest = float(np.abs(bend).max())
        if any(value < largest for value in grid):
            notes.append(
                f"The pre-period coefficients themselves bend by up to {largest:.3g} per period: "
                "the data speak against a smaller M. The identified set shown extrapolates the "
                "last pre-period slope regardless, and the FLCI, like HonestDiD's, does not check."
            )
    return Sensitivity(
        restriction="smoothness",
        l_vec=tuple(float(x) for x in weights),
        original=_original(beta, cov, num_pre, weights, alpha),
        table=table,
        breakdown=_breakdown(contains_zero),
        method="optimal FLCI (as HonestDiD's method='FLCI')",
        alpha=alpha,
        notes=tuple(notes),
    )


def sensitivity(
    study: EventStudy,
    restriction: Restriction = "relative_magnitudes",
    *,
    grid: Sequence[float] | None = None,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> Sensitivity:
    """:func:`relative_magnitudes` or :func:`smoothness` for an event study (see
    :func:`honest_inputs`); ``l_vec`` weights the post-periods ``e = 0, 1, …`` in order."""
    beta, cov, num_pre = honest_inputs(study)
    if restriction == "relative_magnitudes":
        mbar = DEFAULT_MBAR if grid is None else grid
        return relative_magnitudes(beta, cov, num_pre, mbar=mbar, l_vec=l_vec, alpha=alpha)
    if restriction == "smoothness":
        return smoothness(beta, cov, num_pre, m=grid, l_vec=l_vec, alpha=alpha)
    raise ValueError("restriction must be 'relative_magnitudes' or 'smoothness'")
