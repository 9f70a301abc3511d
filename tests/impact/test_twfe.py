"""The naive two-way fixed-effects regressions (comparison only) through ``veikart.impact.stats``.

They must equal a dense OLS with dummy matrices, and they must show the known failure: with
staggered timing and effects that grow with exposure the static coefficient is biased and the
event study finds pre-trends where trends are parallel by construction — while the imputation
estimator gets both right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from veikart.impact.stats import (
    compare_twfe,
    imputation,
    imputation_pretest,
    twfe_event_study,
    twfe_static,
)

FloatArray = npt.NDArray[np.float64]
COLUMNS: dict[str, Any] = {"y": "y", "unit": "id", "time": "t", "cohort": "g"}


def growing_effects_panel(
    *,
    units: int = 600,
    periods: int = 20,
    cohorts: tuple[int, ...] = (5, 10, 15),
    never_share: float = 0.05,
    slope: float = 0.5,
    drop: float = 0.0,
    seed: int = 3,
) -> pd.DataFrame:
    """Parallel trends hold by construction; the effect ``slope · (e + 1)`` grows with exposure
    ``e``, the case where TWFE goes wrong. Units belong to one of three kinds."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(units) < never_share, 0, rng.choice(cohorts, units))
    t = np.arange(1, periods + 1)
    e = t[None, :] - g[:, None]
    effect = np.where((g[:, None] > 0) & (e >= 0), slope * (e + 1), 0.0)
    y = rng.normal(0, 1, units)[:, None] + np.sin(t / 3.0) + effect
    y = y + rng.normal(0, 1, (units, periods))
    data = pd.DataFrame(
        {
            "id": np.repeat(np.arange(units), periods),
            "t": np.tile(t, units),
            "y": y.ravel(),
            "g": np.repeat(g, periods),
            "effect": effect.ravel(),
            "kind": np.repeat(rng.integers(0, 3, units), periods),
            "team": np.repeat(np.arange(units) // 10, periods),
        }
    )
    if drop:
        data = data[rng.random(len(data)) >= drop].reset_index(drop=True)
    return data


def dense_ols(
    data: pd.DataFrame, regressors: FloatArray, fe_group: str | None, cluster: str
) -> tuple[FloatArray, FloatArray]:
    """OLS of y on the regressors and unit and (group ×) period dummies; CR0 clustered SEs."""
    period = data["t"].astype(str)
    if fe_group is not None:
        period = data[fe_group].astype(str) + "×" + period
    fe = pd.concat([pd.get_dummies(data["id"]), pd.get_dummies(period)], axis=1)
    x = np.column_stack([regressors, fe.to_numpy(dtype=np.float64)])
    y = data["y"].to_numpy()
    bread = np.linalg.pinv(x.T @ x)
    beta = bread @ x.T @ y
    scores = pd.DataFrame(x * (y - x @ beta)[:, None]).groupby(data[cluster].to_numpy()).sum()
    cov = bread @ scores.to_numpy().T @ scores.to_numpy() @ bread
    k = regressors.shape[1]
    return beta[:k], np.sqrt(np.diag(cov)[:k])


@pytest.mark.parametrize(("fe_group", "cluster"), [(None, "id"), ("kind", "team")])
def test_the_static_regression_equals_dense_ols(fe_group: str | None, cluster: str) -> None:
    data = growing_effects_panel(units=90, periods=12, cohorts=(4, 7, 9), drop=0.1)
    result = twfe_static(
        data, **COLUMNS, fe_group=fe_group, cluster=None if cluster == "id" else cluster
    )
    treated = ((data["g"] > 0) & (data["t"] >= data["g"])).to_numpy(dtype=np.float64)
    coef, se = dense_ols(data, treated[:, None], fe_group, cluster)
    assert result.coef == pytest.approx(coef[0], abs=1e-9)
    assert result.se == pytest.approx(se[0], rel=1e-7)


def test_the_event_study_equals_dense_ols_with_binned_end_points() -> None:
    data = growing_effects_panel(units=90, periods=12, cohorts=(4, 7, 9), drop=0.1)
    result = twfe_event_study(data, **COLUMNS, leads=3, lags=2)
    event_time = np.clip((data["t"] - data["g"]).to_numpy(), -3, 2)
    ever = (data["g"] > 0).to_numpy()
    keys = [-3, -2, 0, 1, 2]
    regressors = np.column_stack([ever & (event_time == k) for k in keys]).astype(np.float64)
    coef, se = dense_ols(data, regressors, None, "id")
    table = result.table.set_index("e")
    assert np.allclose(table.loc[keys, "coef"], coef, atol=1e-9)
    assert np.allclose(table.loc[keys, "se"], se, rtol=1e-7)
    assert table.loc[-1, "coef"] == 0 and np.isnan(table.loc[-1, "se"])
    assert table.binned.tolist() == [True, False, False, False, False, True]


def test_static_twfe_is_biased_with_staggered_timing_and_growing_effects() -> None:
    data = growing_effects_panel()
    truth = data.loc[(data["g"] > 0) & (data["t"] >= data["g"]), "effect"].mean()
    naive = twfe_static(data, **COLUMNS)
    result = imputation(data, **COLUMNS)
    assert result.lower < truth < result.upper
    assert abs(naive.coef - truth) > 10 * naive.se  # clearly off, not noise
    assert naive.coef < 0.75 * truth
    flagged = compare_twfe(naive, result)
    assert flagged.disagrees
    assert "biased" in flagged.message


def test_the_twfe_event_study_shows_pretrends_that_are_not_there() -> None:
    data = growing_effects_panel()
    naive = twfe_event_study(data, **COLUMNS, leads=4, lags=3)
    assert naive.pretrend_p_value < 1e-10
    assert imputation_pretest(data, **COLUMNS, leads=3).p_value > 0.01


def test_compare_does_not_flag_agreeing_estimates() -> None:
    data = growing_effects_panel(slope=0.0)
    data["y"] += np.where((data["g"] > 0) & (data["t"] >= data["g"]), 2.0, 0.0)
    comparison = compare_twfe(twfe_static(data, **COLUMNS), imputation(data, **COLUMNS))
    assert not comparison.disagrees
    assert comparison.imputation == pytest.approx(2.0, abs=0.2)
