"""Sensitivity to violations of parallel trends (Rambachan & Roth 2023).

Evidence: R's HonestDiD on the paper's Benzarti–Carloni event study (FLCI to 10⁻³, the pre-period
bound on M exactly, our conservative relative-magnitudes interval containing HonestDiD's C-LF
interval), an independent brute-force FLCI (linear programming for the worst-case bias, scipy's
folded normal), exact coverage at the worst-case violation, Monte Carlo coverage, constructed
cases with known answers, and a planted linear pre-trend in a Callaway & Sant'Anna event study.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy import optimize, stats

from tests.impact.test_callaway_santanna import estimate as cs_estimate
from tests.impact.test_callaway_santanna import planted
from veikart.impact.stats import (
    cs_event_study,
    flci,
    honest_inputs,
    relative_magnitudes,
    sensitivity,
    smoothness,
    smoothness_upper_bound,
)

FloatArray = npt.NDArray[np.float64]

# R HonestDiD's BCdata_EventStudy: Benzarti & Carloni (2019), restaurant profits after the French
# VAT cut, the example of Rambachan & Roth (2023, Section 6.1) and of the package's vignette; 4
# pre-periods (2004-2007, reference 2008), 4 post-periods (2009-2012). Values as extracted from the
# R package in eohne/HonestDiD.jl test/reference.jl (MIT); R's output on them from the same file
# and from anzonyquispe/honestdid tests/r_test_results.json (MIT).
BC_BETA = np.array([
    0.006696351804, 0.02934503369, -0.006472972222, 0.0730149895,
    0.1959611177, 0.3120639026, 0.2395415455, 0.1260425001,
])  # fmt: skip
BC_SIGMA = np.array([
    [8.428358124e-4, 4.768686777e-4, 2.618051076e-4, 2.354220342e-4,
     1.676371467e-4, 1.128707663e-4, 1.992816215e-5, -1.368265366e-4],
    [4.768686777e-4, 6.425420288e-4, 3.987425007e-4, 2.435515198e-4,
     2.201960306e-4, 1.804591157e-4, 3.84376508e-5, -2.960421989e-5],
    [2.618051076e-4, 3.987425007e-4, 5.229949602e-4, 2.11768609e-4,
     1.840722252e-4, 1.45852784e-4, 7.005197403e-5, 5.952994979e-5],
    [2.354220342e-4, 2.435515198e-4, 2.11768609e-4, 3.089595411e-4,
     1.197866077e-4, 1.334081317e-4, 1.016335009e-4, 1.079051726e-4],
    [1.676371467e-4, 2.201960306e-4, 1.840722252e-4, 1.197866077e-4,
     3.59970436e-4, 2.478818642e-4, 1.749579242e-4, 1.654256921e-4],
    [1.128707663e-4, 1.804591157e-4, 1.45852784e-4, 1.334081317e-4,
     2.478818642e-4, 4.263949813e-4, 2.171437809e-4, 2.892747871e-4],
    [1.992816215e-5, 3.84376508e-5, 7.005197403e-5, 1.016335009e-4,
     1.749579242e-4, 2.171437809e-4, 4.886697861e-4, 3.805322049e-4],
    [-1.368265366e-4, -2.960421989e-5, 5.952994979e-5, 1.079051726e-4,
     1.654256921e-4, 2.892747871e-4, 3.805322049e-4, 7.61739444e-4],
])  # fmt: skip
R_ORIGINAL = (0.15877494280765, 0.233147292681241)
R_FLCI = {  # createSensitivityResults(method="FLCI"), l = first post-period
    0.0: (0.13141131596381356, 0.216169648209591),
    0.01: (0.1549652670807741, 0.2703845303265206),
    0.02: (0.17730108790014376, 0.31595646819476952),
    0.03: (0.18940446443439926, 0.34854775003919292),
    0.1: (0.1194440001, 0.4185082143),
    0.2: (0.01944400015, 0.5185082143),
}
R_RM_CLF = {  # createSensitivityResults_relativeMagnitudes(method="C-LF")
    0.5: (0.11812948578177346, 0.27158386602562062),
    1.0: (0.06723125075039843, 0.31868372530838568),
    1.5: (0.013294315120135292, 0.36958196033976071),
    2.0: (-0.042161970809571847, 0.3794577372861469),
}
R_M_UPPER_BOUND = 0.202169869297069  # DeltaSD_upperBound_Mpre


# --- R's HonestDiD on the Benzarti-Carloni example ----------------------------------------------


def test_the_smoothness_flci_equals_honestdid_on_the_papers_example() -> None:
    result = smoothness(BC_BETA, BC_SIGMA, 4, m=list(R_FLCI))
    # HonestDiD searches a grid of standard deviations with a simulated folded-normal quantile
    # (10⁶ draws); its own ports are checked against it to 10⁻³.
    for _, row in result.table.iterrows():
        lower, upper = R_FLCI[row["m"]]
        assert row["lower"] == pytest.approx(lower, abs=1e-3)
        assert row["upper"] == pytest.approx(upper, abs=1e-3)
    assert (result.original.lower, result.original.upper) == pytest.approx(R_ORIGINAL, abs=1e-9)
    # R's optimal weights at M = 0.1: the last pre-period plus the first post-period.
    v = flci(BC_SIGMA, 4, m=0.1).v
    np.testing.assert_allclose(v, [0, 0, 0, 1, 1, 0, 0, 0], atol=1e-3)


def test_the_default_grid_of_m_ends_at_honestdids_pre_period_bound() -> None:
    assert smoothness_upper_bound(BC_BETA, BC_SIGMA, 4) == pytest.approx(R_M_UPPER_BOUND, rel=1e-9)
    grid = smoothness(BC_BETA, BC_SIGMA, 4).table["m"]
    assert grid.iloc[-1] == pytest.approx(R_M_UPPER_BOUND) and len(grid) == 10


def test_the_relative_magnitudes_interval_contains_honestdids_and_is_little_wider() -> None:
    result = relative_magnitudes(BC_BETA, BC_SIGMA, 4, mbar=list(R_RM_CLF))
    for _, row in result.table.iterrows():
        lower, upper = R_RM_CLF[row["m"]]
        assert row["lower"] <= lower and upper <= row["upper"]
        assert row["upper"] - row["lower"] <= 1.2 * (upper - lower)
    # R's C-LF interval first contains 0 between M̄ = 1.5 and 2; ours, being wider, earlier.
    assert 1.0 < result.breakdown < 2.0


def test_the_relative_magnitudes_identified_set_scales_the_largest_pre_period_step() -> None:
    result = relative_magnitudes(BC_BETA, BC_SIGMA, 4, mbar=[0.0, 1.0, 2.0])
    steps = np.diff(np.append(BC_BETA[:4], 0.0))
    largest = np.abs(steps).max()  # 2006 → 2007
    assert largest == pytest.approx(0.0730149895 + 0.006472972222)
    np.testing.assert_allclose(result.table["id_lower"], BC_BETA[4] - np.array([0, 1, 2]) * largest)
    np.testing.assert_allclose(result.table["id_upper"], BC_BETA[4] + np.array([0, 1, 2]) * largest)
    zero = result.table.iloc[0]
    assert (zero["lower"], zero["upper"]) == pytest.approx(R_ORIGINAL, abs=1e-9)


# --- the FLCI against an independent brute force ----------------------------------------------


def second_differences(num_pre: int, n: int) -> FloatArray:
    """Second differences over all n + 1 periods including the reference (column num_pre)."""
    d = np.zeros((n - 1, n + 1))
    for j in range(n - 1):
        d[j, j], d[j, j + 1], d[j, j + 2] = 1.0, -2.0, 1.0
    return d


def worst_case_bias(v: FloatArray, num_pre: int, m: float) -> tuple[float, FloatArray]:
    """``max v'δ`` over ``|second differences of (δ_pre, 0, δ_post)| ≤ m`` by linear programming;
    also the maximising δ (without the reference period)."""
    n = v.size
    d = second_differences(num_pre, n)
    c = -np.insert(v, num_pre, 0.0)
    equal = np.eye(n + 1)[[num_pre]]
    result = optimize.linprog(
        c, A_ub=np.vstack([d, -d]), b_ub=np.full(2 * (n - 1), m), A_eq=equal, b_eq=[0.0],
        bounds=[(None, None)] * (n + 1), method="highs",
    )  # fmt: skip
    assert result.status == 0
    return -float(result.fun), np.delete(result.x, num_pre)


def brute_force_half_length(
    sigma: FloatArray, num_pre: int, l_vec: FloatArray, m: float, alpha: float = 0.05
) -> float:
    """Minimise ``sd · q_{1−α}(|N(bias/sd, 1)|)`` over pre-period weights orthogonal to linear
    trends (the last weight solves the constraint), by Nelder-Mead from two starts."""
    t_pre = np.arange(-num_pre, 0, dtype=np.float64)
    t_post = np.arange(1, l_vec.size + 1, dtype=np.float64)

    def half_length(free: FloatArray) -> float:
        last = (-(t_post @ l_vec) - t_pre[:-1] @ free) / t_pre[-1]
        v = np.concatenate([free, [last], l_vec])
        sd = float(np.sqrt(v @ sigma @ v))
        bias, _ = worst_case_bias(v, num_pre, m)
        return sd * float(stats.foldnorm.ppf(1 - alpha, bias / sd))

    starts = [np.zeros(num_pre - 1), np.full(num_pre - 1, 0.5)]
    return min(
        float(optimize.minimize(half_length, s, method="Nelder-Mead",
                                options={"xatol": 1e-7, "fatol": 1e-11}).fun)
        for s in starts
    )  # fmt: skip


def random_covariance(n: int, seed: int) -> FloatArray:
    x = np.random.default_rng(seed).normal(size=(3 * n, n))
    return x.T @ x / (3 * n) * 0.01 + 0.002 * np.eye(n)


@pytest.mark.parametrize(
    ("l_vec", "m"), [((1.0, 0.0, 0.0), 0.02), ((0.2, 0.3, 0.5), 0.05)]
)
def test_the_flci_is_as_short_as_a_brute_force_search_finds(
    l_vec: tuple[float, ...], m: float
) -> None:
    sigma = random_covariance(6, seed=81)
    weights = np.array(l_vec)
    ours = flci(sigma, 3, m=m, l_vec=l_vec)
    brute_force = brute_force_half_length(sigma, 3, weights, m)
    assert ours.half_length == pytest.approx(brute_force, rel=1e-6)
    bias, _ = worst_case_bias(ours.v, 3, m)
    assert ours.max_bias == pytest.approx(bias, rel=1e-7, abs=1e-12)
    assert ours.sd == pytest.approx(np.sqrt(ours.v @ sigma @ ours.v))


@pytest.mark.parametrize("m", [0.0, 0.01, 0.05])
def test_the_flci_covers_exactly_95_percent_at_the_worst_case_violation(m: float) -> None:
    sigma = random_covariance(7, seed=82)
    result = flci(sigma, 3, m=m, l_vec=(0.5, 0.25, 0.25, 0.0))
    bias, _ = worst_case_bias(result.v, 3, m)
    # v'β̂ ~ N(θ + bias, sd²): the probability that θ lies within half_length of it.
    h, sd = result.half_length, result.sd
    coverage = stats.norm.cdf((h - bias) / sd) - stats.norm.cdf((-h - bias) / sd)
    assert coverage == pytest.approx(0.95, abs=1e-9)


def test_the_relative_magnitudes_interval_covers_at_least_95_percent_at_its_boundary() -> None:
    rng = np.random.default_rng(83)
    mbar, tau = 1.0, 0.1
    beta_pre = BC_BETA[:4]
    largest = np.abs(np.diff(np.append(beta_pre, 0.0))).max()
    delta_post = mbar * largest * np.arange(1, 5)  # every post step as large as allowed
    truth = np.concatenate([beta_pre, tau + delta_post])
    draws = rng.multivariate_normal(truth, BC_SIGMA, size=500)
    covered = []
    for beta in draws:
        row = relative_magnitudes(beta, BC_SIGMA, 4, mbar=[mbar]).table.iloc[0]
        covered.append(row["lower"] <= tau <= row["upper"])
    # ≥ 95 % up to Monte Carlo error (se ≈ 0.01); it is conservative: 99.1 % in 5,000 draws.
    assert np.mean(covered) >= 0.93


# --- constructed cases ---------------------------------------------------------------------------


def test_without_pre_trends_the_identified_sets_are_the_point_estimate() -> None:
    beta = np.array([0.0, 0.0, 0.0, 0.5, 0.7])
    sigma = random_covariance(5, seed=84)
    rm = relative_magnitudes(beta, sigma, 3, mbar=[0.0, 1.0, 2.0])
    assert (rm.table["id_lower"] == 0.5).all() and (rm.table["id_upper"] == 0.5).all()
    first = rm.table.iloc[0]
    assert (first["lower"], first["upper"]) == pytest.approx(
        (rm.original.lower, rm.original.upper), abs=1e-12
    )
    sd = smoothness(beta, sigma, 3, m=[0.0]).table.iloc[0]
    assert sd["id_lower"] == sd["id_upper"] == 0.5
    assert sd["lower"] <= 0.5 <= sd["upper"]


@pytest.mark.parametrize("l_vec", [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (1 / 3, 1 / 3, 1 / 3)])
def test_with_m_zero_the_smoothness_bound_extrapolates_a_linear_pre_trend(
    l_vec: tuple[float, ...],
) -> None:
    slope, tau = 0.1, np.array([1.0, 1.5, 2.0])
    periods = np.array([-3, -2, -1, 1, 2, 3], dtype=np.float64)  # reference 0 left out
    beta = slope * periods + np.concatenate([np.zeros(3), tau])
    sigma = random_covariance(6, seed=85)
    weights = np.array(l_vec)
    result = smoothness(beta, sigma, 3, m=[0.0], l_vec=l_vec)
    row = result.table.iloc[0]
    assert row["id_lower"] == pytest.approx(weights @ tau) == row["id_upper"]
    assert (row["lower"] + row["upper"]) / 2 == pytest.approx(weights @ tau, abs=1e-10)
    rm = relative_magnitudes(beta, sigma, 3, mbar=[1.0], l_vec=l_vec).table.iloc[0]
    k = np.abs(np.cumsum(weights[::-1])[::-1]).sum()
    assert rm["id_upper"] - rm["id_lower"] == pytest.approx(2 * slope * k)


def test_the_breakdown_value_is_where_the_interval_reaches_zero() -> None:
    rm = relative_magnitudes(BC_BETA, BC_SIGMA, 4)
    at = relative_magnitudes(BC_BETA, BC_SIGMA, 4, mbar=[rm.breakdown, 0.99 * rm.breakdown])
    assert at.table["lower"].iloc[0] == pytest.approx(0.0, abs=1e-8)
    assert at.table["lower"].iloc[1] > 0
    sd = smoothness(BC_BETA, BC_SIGMA, 4, m=[0.1])
    assert sd.breakdown == pytest.approx(0.219, abs=0.005)  # R's FLCI: 0.119 at 0.1, 0.019 at 0.2
    below = smoothness(BC_BETA, BC_SIGMA, 4, m=[0.99 * sd.breakdown]).table["lower"].iloc[0]
    assert below > 0


def test_an_insignificant_estimate_breaks_down_at_zero() -> None:
    beta = np.array([0.01, -0.02, 0.01, 0.02])
    sigma = np.eye(4) * 0.01
    assert relative_magnitudes(beta, sigma, 2).breakdown == 0.0
    assert smoothness(beta, sigma, 2, m=[0.0]).breakdown == 0.0


# --- on an event study of Callaway & Sant'Anna ------------------------------------------------


def test_a_linear_pre_trend_in_a_cs_event_study_is_extrapolated_away() -> None:
    # Parallel trends fail linearly: the trained drift up by 0.2 a period, before and after.
    data = planted(pretrend=0.2)
    result = cs_estimate(data, control_group="never", base_period="universal")
    study = cs_event_study(result, min_e=-4, max_e=2)
    naive = sensitivity(study, "smoothness", grid=[0.0])
    assert not naive.original.lower <= 1.5 <= naive.original.upper  # 1.5 + a drift of 0.2
    row = naive.table.iloc[0]
    assert row["lower"] <= 1.5 <= row["upper"]
    average = sensitivity(study, "smoothness", grid=[0.0], l_vec=(1 / 3, 1 / 3, 1 / 3))
    assert average.table["lower"].iloc[0] <= 2.0 <= average.table["upper"].iloc[0]
    # Steps of 0.2 before; post-period steps of the same size are M̄ = 1.
    rm = sensitivity(study, "relative_magnitudes", grid=[1.0]).table.iloc[0]
    assert rm["lower"] <= 1.5 <= rm["upper"]


def test_it_needs_an_event_study_with_a_reference_period() -> None:
    varying = cs_event_study(cs_estimate(planted()))
    with pytest.raises(ValueError, match="reference period"):
        honest_inputs(varying)
    universal = cs_event_study(cs_estimate(planted(), base_period="universal"))
    beta, sigma, num_pre = honest_inputs(universal)
    assert num_pre == int((universal.e < -1).sum()) and beta.size == universal.e.size
    assert sigma.shape == (beta.size, beta.size)


def test_it_rejects_weights_that_do_not_fit_the_post_periods() -> None:
    with pytest.raises(ValueError, match="one weight per post-period"):
        smoothness(BC_BETA, BC_SIGMA, 4, l_vec=(1.0, 0.0))
