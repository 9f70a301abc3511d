"""The imputation estimator (Borusyak, Jaravel & Spiess 2024) through ``veikart.impact.stats``.

Three kinds of evidence: exact algebra on small panels (a noise-free effect is recovered exactly;
the point estimates equal Gardner's two-stage did2s; standard errors and the pre-trend test equal
a dense computation of the published formulas with dummy matrices), recovery of the effects
planted in the Nye Moss simulator, and a comparison with Callaway & Sant'Anna on the same data.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from veikart.demo.simulator.behaviour import DEFAULT_PARAMS, BehaviourParams, simulate
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.organisation import generate_population
from veikart.impact.stats import ImputationResult, att_gt, imputation, imputation_pretest

FloatArray = npt.NDArray[np.float64]


def staggered_panel(
    *,
    units: int = 80,
    periods: int = 10,
    cohorts: tuple[int, ...] = (4, 6, 8),
    never_share: float = 0.3,
    groups: int = 1,
    noise: float = 1.0,
    homogeneous: float | None = None,
    pretrend: float = 0.0,
    drop: float = 0.0,
    seed: int = 1,
) -> pd.DataFrame:
    """Unit effects, period effects per group, and effects ``1 + 0.5 e + 0.1 g`` that grow with
    exposure and differ by cohort (or a constant ``homogeneous`` effect). ``pretrend`` adds a
    trend to the eventually treated; ``drop`` removes a share of rows (an unbalanced panel)."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(units) < never_share, 0, rng.choice(cohorts, units))
    group = rng.integers(0, groups, units)
    t = np.arange(1, periods + 1)
    e = t[None, :] - g[:, None]
    treated = (g[:, None] > 0) & (e >= 0)
    size = 1.0 + 0.5 * e + 0.1 * g[:, None] if homogeneous is None else homogeneous
    effect = np.where(treated, size, 0.0)
    trend = pretrend * (g[:, None] > 0) * t[None, :]
    period_effect = rng.normal(0, 1, (groups, periods))[group]
    y = rng.normal(0, 1, units)[:, None] + period_effect + effect + trend
    y = y + noise * rng.normal(0, 1, (units, periods))
    data = pd.DataFrame(
        {
            "id": np.repeat(np.arange(units), periods),
            "t": np.tile(t, units),
            "y": y.ravel(),
            "g": np.repeat(g, periods),
            "kind": np.repeat(np.array(["office", "school", "care"])[group % 3], periods),
            "team": np.repeat(np.arange(units) // 8, periods),
        }
    )
    if drop:
        data = data[rng.random(len(data)) >= drop].reset_index(drop=True)
    return data


def estimate(data: pd.DataFrame, **kwargs: Any) -> ImputationResult:
    return imputation(data, y="y", unit="id", time="t", cohort="g", **kwargs)


# --- dense reference computations ------------------------------------------------------------


def dummies(data: pd.DataFrame, fe_group: str | None) -> FloatArray:
    """Unit dummies and period (or group × period) dummies, as a dense matrix."""
    period = data["t"].astype(str)
    if fe_group is not None:
        period = data[fe_group].astype(str) + "×" + period
    parts = [pd.get_dummies(data["id"].astype(str)), pd.get_dummies(period)]
    return pd.concat(parts, axis=1).to_numpy(dtype=np.float64)


def treated_mask(data: pd.DataFrame) -> npt.NDArray[np.bool_]:
    return np.asarray((data["g"] > 0) & (data["t"] >= data["g"]))


def did2s(data: pd.DataFrame, regressors: FloatArray, fe_group: str | None = None) -> FloatArray:
    """Gardner's two-stage DiD: fixed effects fitted on untreated rows, the outcome residualised
    on all rows, then OLS of the residual on the treatment regressors (all rows)."""
    x = dummies(data, fe_group)
    untreated = ~treated_mask(data)
    y = data["y"].to_numpy()
    first = np.linalg.lstsq(x[untreated], y[untreated], rcond=None)[0]
    residual = y - x @ first
    return np.asarray(np.linalg.lstsq(regressors, residual, rcond=None)[0])


def bjs_dense(
    data: pd.DataFrame, w: FloatArray, *, fe_group: str | None = None, cluster: str = "id"
) -> tuple[float, float]:
    """BJS Theorem 3 with dense matrices: estimate ``Σ w τ̂`` and the conservative clustered SE
    with imputation weights ``v₀ = −X₀(X₀'X₀)⁺X₁'w`` and smart averages within cohort × period."""
    x = dummies(data, fe_group)
    treated = treated_mask(data)
    x0, x1 = x[~treated], x[treated]
    y = data["y"].to_numpy()
    beta = np.linalg.lstsq(x0, y[~treated], rcond=None)[0]
    tau = y[treated] - x1 @ beta
    v0 = -x0 @ np.linalg.pinv(x0.T @ x0) @ x1.T @ w
    resid0 = y[~treated] - x0 @ beta
    cells = (data["g"].astype(str) + "/" + data["t"].astype(str))[treated].to_numpy()
    clusters = data[cluster].to_numpy()
    per_cluster = pd.Series(w).groupby([clusters[treated], cells]).transform("sum").to_numpy()
    smart = per_cluster * w
    num = pd.Series(smart * tau).groupby(cells).transform("sum").to_numpy()
    den = pd.Series(smart).groupby(cells).transform("sum").to_numpy()
    tilde = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
    scores = pd.concat(
        [
            pd.Series(w * (tau - tilde), index=clusters[treated]),
            pd.Series(v0 * resid0, index=clusters[~treated]),
        ]
    )
    return float(w @ tau), float(np.sqrt((scores.groupby(level=0).sum() ** 2).sum()))


def clustered_ols(
    x: FloatArray, y: FloatArray, clusters: npt.NDArray[Any], keep: slice | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """OLS with the CR0 cluster-robust covariance, reported for the columns ``keep``."""
    bread = np.linalg.pinv(x.T @ x)
    beta = bread @ x.T @ y
    scores = pd.DataFrame(x * (y - x @ beta)[:, None]).groupby(clusters).sum().to_numpy()
    cov = bread @ scores.T @ scores @ bread
    return beta[keep], cov[keep][:, keep]


# --- exact algebra ---------------------------------------------------------------------------


def test_it_recovers_a_homogeneous_effect_exactly_without_noise() -> None:
    data = staggered_panel(noise=0.0, homogeneous=2.5, groups=3)
    result = estimate(data, fe_group="kind")
    assert result.att == pytest.approx(2.5, abs=1e-10)
    assert np.allclose(result.event_time.att, 2.5, atol=1e-10)
    assert np.allclose(result.by_cohort.att, 2.5, atol=1e-10)
    assert result.se < 1e-8
    assert np.allclose(result.effects, 2.5, atol=1e-10)


@pytest.mark.parametrize("fe_group", [None, "kind"])
def test_its_point_estimates_equal_gardners_did2s(fe_group: str | None) -> None:
    data = staggered_panel(groups=3, drop=0.1, seed=4)
    result = estimate(data, fe_group=fe_group)
    assert result.n_not_imputed == 0
    treated = treated_mask(data)
    event_time = (data["t"] - data["g"]).to_numpy()
    assert did2s(data, treated[:, None].astype(float), fe_group)[0] == pytest.approx(
        result.att, abs=1e-8
    )
    horizons = result.event_time.e.to_numpy()
    by_e = (treated[:, None] & (event_time[:, None] == horizons[None, :])).astype(float)
    assert np.allclose(did2s(data, by_e, fe_group), result.event_time.att, atol=1e-8, rtol=0)


@pytest.mark.parametrize(("fe_group", "cluster"), [(None, "id"), ("kind", "id"), ("kind", "team")])
def test_its_standard_errors_equal_bjs_theorem_3_with_dense_matrices(
    fe_group: str | None, cluster: str
) -> None:
    data = staggered_panel(groups=3, drop=0.1, seed=5)
    treated = treated_mask(data)
    sub = data[treated]
    after = np.where(sub["t"] >= 8, 1.0, -1.0)  # after minus before period 8
    result = estimate(
        data,
        fe_group=fe_group,
        cluster=None if cluster == "id" else cluster,
        horizons=[0, 2],
        estimands={"after_minus_before": np.where(data["t"] >= 8, 1.0, -1.0)},
    )
    assert result.n_not_imputed == 0
    overall = np.full(len(sub), 1.0 / len(sub))
    e = (sub["t"] - sub["g"]).to_numpy()
    horizon_2 = (e == 2) / np.sum(e == 2)
    contrast = np.where(after > 0, 1 / np.sum(after > 0), -1 / np.sum(after < 0))
    got = [
        (result.att, result.se),
        tuple(result.event_time.loc[result.event_time.e == 2, ["att", "se"]].iloc[0]),
        tuple(result.estimands.loc[0, ["att", "se"]]),
    ]
    for w, (att, se) in zip([overall, horizon_2, contrast], got, strict=True):
        ref_att, ref_se = bjs_dense(data, w, fe_group=fe_group, cluster=cluster)
        assert att == pytest.approx(ref_att, abs=1e-9)
        assert se == pytest.approx(ref_se, rel=1e-8)


def test_estimands_average_the_imputed_effects_with_the_given_weights() -> None:
    data = staggered_panel(seed=6)
    data["hours"] = np.random.default_rng(0).uniform(0.5, 2.0, len(data))
    late = (data["t"] >= 8).astype(float)
    result = estimate(
        data, weights="hours", estimands={"late": late, "late_vs_early": 2 * late - 1}
    )
    tau = result.effects
    hours = data.loc[tau.index, "hours"]
    is_late = data.loc[tau.index, "t"] >= 8
    assert result.att == pytest.approx(np.average(tau, weights=hours), abs=1e-12)
    late_mean = np.average(tau[is_late], weights=hours[is_late])
    early_mean = np.average(tau[~is_late], weights=hours[~is_late])
    assert result.estimands.att.tolist() == pytest.approx([late_mean, late_mean - early_mean])
    assert result.estimands.n_obs.tolist() == [int(is_late.sum()), len(tau)]


def test_it_leaves_out_treated_observations_that_cannot_be_imputed() -> None:
    # Nobody is never treated: once the last cohort is treated, no untreated unit is left.
    data = staggered_panel(never_share=0.0, cohorts=(4, 7), periods=10, seed=7)
    result = estimate(data)
    not_imputable = int(((data["t"] >= 7) & (data["g"] > 0)).sum())
    assert result.n_not_imputed == not_imputable
    assert result.n_treated == int(treated_mask(data).sum())
    assert result.event_time.e.max() == 2  # cohort 4 in periods 4-6 only
    assert "could not be imputed" in result.notes[0]


def test_it_rejects_a_cohort_that_changes_within_a_unit() -> None:
    data = staggered_panel()
    data.loc[0, "g"] = 3
    with pytest.raises(ValueError, match="same in every period"):
        estimate(data)


def test_it_rejects_two_rows_for_a_unit_in_one_period() -> None:
    data = staggered_panel()
    with pytest.raises(ValueError, match="once per period"):
        estimate(pd.concat([data, data.iloc[:1]]))


def test_it_rejects_missing_columns() -> None:
    with pytest.raises(ValueError, match="not in the data: division"):
        estimate(staggered_panel(), fe_group="division")


# --- the pre-trend test ----------------------------------------------------------------------


@pytest.mark.parametrize("fe_group", [None, "kind"])
def test_the_pretest_equals_a_dense_regression_on_untreated_rows(fe_group: str | None) -> None:
    data = staggered_panel(groups=3, drop=0.1, seed=8)
    result = imputation_pretest(
        data, y="y", unit="id", time="t", cohort="g", leads=3, fe_group=fe_group
    )
    untreated = data[~treated_mask(data)]
    e = (untreated["t"] - untreated["g"]).to_numpy()
    leads = np.column_stack([(untreated["g"] > 0) & (e == k) for k in (-3, -2, -1)])
    x = np.column_stack([leads.astype(float), dummies(untreated, fe_group)])
    coef, cov = clustered_ols(x, untreated["y"].to_numpy(), untreated["id"].to_numpy(), slice(3))
    assert np.allclose(result.table.coef, coef, atol=1e-9)
    assert np.allclose(result.table.se, np.sqrt(np.diag(cov)), rtol=1e-7)
    assert result.statistic == pytest.approx(float(coef @ np.linalg.solve(cov, coef)), rel=1e-7)
    assert result.df == 3


def test_the_pretest_rejects_diverging_trends_and_accepts_parallel_ones() -> None:
    parallel = staggered_panel(units=400, periods=12, seed=9)
    diverging = staggered_panel(units=400, periods=12, pretrend=0.3, seed=9)
    kwargs: dict[str, Any] = {"y": "y", "unit": "id", "time": "t", "cohort": "g", "leads": 3}
    assert imputation_pretest(parallel, **kwargs).p_value > 0.05
    assert imputation_pretest(diverging, **kwargs).p_value < 1e-6


# --- recovery on the simulator -----------------------------------------------------------------


@cache
def nye_moss(
    employees: int, seed: int, params: BehaviourParams = DEFAULT_PARAMS
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Weekly Teams messages (private chat + channel) of everyone licensed in a week, with the
    week index (1 = first week) of their training as cohort, their unit type and Y(0)."""
    config = SimulationConfig(employees=employees, seed=seed)
    population = generate_population(config)
    panel, truth = simulate(population, config, params)
    chat, channel = panel.metrics["teams_private_chat"], panel.metrics["teams_channel"]
    messages = chat.astype(np.float64) + channel
    y0 = panel.counterfactual["teams_private_chat"].astype(np.float64)
    y0 += panel.counterfactual["teams_channel"]
    assert panel.trained_on is not None
    trained = ~np.isnat(panel.trained_on)
    cohort = np.zeros(len(population))
    training_day = panel.trained_on[trained].astype("datetime64[D]")
    cohort[trained] = np.searchsorted(panel.period_end, training_day) + 1
    person, week = np.nonzero(panel.licensed)
    data = pd.DataFrame(
        {
            "person": person,
            "week": week + 1,
            "messages": messages[person, week],
            "y0": y0[person, week],
            "cohort": cohort[person],
            "unit_type": population.unit_type[person],
            "whole_span": panel.licensed.all(axis=1)[person],
        }
    )
    return data, truth


def simulated(data: pd.DataFrame, **kwargs: Any) -> ImputationResult:
    return imputation(data, y="messages", unit="person", time="week", cohort="cohort", **kwargs)


def test_it_recovers_the_realised_effect_in_the_simulator() -> None:
    data, truth = nye_moss(1500, 13)
    result = simulated(data, fe_group="unit_type", horizons=52)
    effects = truth["effects"]
    realised = effects["overall"]["teams_messages"]["att"]
    # The sample of imputed treated person-weeks is (nearly) the truth's cells.
    assert result.n_not_imputed < 0.02 * result.n_treated
    sample_att = (data["messages"] - data["y0"])[result.effects.index].mean()
    assert sample_att == pytest.approx(realised, rel=0.01)
    assert result.lower < realised < result.upper
    by_e = {row["event_time"]: row["teams_messages"]["att"] for row in effects["by_event_time"]}
    table = result.event_time
    covered = (table.lower <= table.e.map(by_e)) & (table.e.map(by_e) <= table.upper)
    assert covered.mean() >= 0.9
    # Unit type × week effects matter: with week effects only the estimate is off.
    plain = simulated(data, horizons=0)
    assert abs(plain.att - realised) > 2 * abs(result.att - realised)


def test_the_pretest_rejects_when_people_with_rising_use_are_trained_first() -> None:
    # selection="trends" trains people whose own Y(0) rises first. With the simulator's default
    # trend spread (0.2 a year) the violation is too small to be seen reliably at this size (it
    # was rejected at 5 % in 5 of 12 runs); with 0.5 a year every one of 12 runs had p ≤ 0.001.
    # Under the default selection on levels it rejected in 0 of 20 runs.
    params = BehaviourParams(selection="trends", person_trend_sd=0.5)
    data, _ = nye_moss(3500, 5, params)
    kwargs: dict[str, Any] = {
        "y": "messages", "unit": "person", "time": "week", "cohort": "cohort",
        "fe_group": "unit_type",
    }  # fmt: skip
    test = imputation_pretest(data, **kwargs)
    assert test.p_value < 0.01
    assert (test.table.coef > 0).all()  # the last weeks before training are high
    parallel, _ = nye_moss(3500, 5)
    assert imputation_pretest(parallel, **kwargs).p_value > 0.05


def test_it_is_more_precise_than_callaway_santanna_on_the_same_panel() -> None:
    """On the simulator's balanced panel (Callaway & Sant'Anna needs one) with the same week
    effects. The gain is modest here — Teams use is strongly persistent within a person, which
    suits CS's short differences: over 20 seeds the overall SE ratio averaged 0.97 (0.89-1.09)
    and the event-time ratios had a median of 0.93, clearest in the first weeks after training.
    """
    data, _ = nye_moss(1500, 13)
    balanced = data[data["whole_span"]]
    result = simulated(balanced, horizons=52)
    cs = att_gt(balanced, y="messages", unit="person", time="week", cohort="cohort")
    assert result.se / cs.aggregate("simple").overall_se < 1
    dynamic = cs.aggregate("dynamic", min_e=0, max_e=52).table
    assert dynamic.e.tolist() == result.event_time.e.tolist()
    ratio = result.event_time.se.to_numpy() / dynamic.se.to_numpy()
    assert np.median(ratio) < 0.97
    assert (ratio < 1).mean() >= 0.85
    assert ratio[:4].max() < 0.9


def test_the_pretest_declines_when_the_model_fits_exactly() -> None:
    data = staggered_panel(noise=0.0, homogeneous=1.0)
    result = imputation_pretest(data, y="y", unit="id", time="t", cohort="g", leads=2)
    assert np.isnan(result.p_value)
    assert np.allclose(result.table.coef, 0.0, atol=1e-9)
    assert "exactly" in result.notes[-1]
