"""Several imputation estimands with their joint covariance (``imputation_estimands``).

The reference is BJS's Theorem 3 computed densely with dummy matrices, column by column (imputation
weights ``v₀ = −X₀(X₀'X₀)⁺X₁'w``, smart averages ``τ̃`` within cells), giving per-cluster scores
``S`` and the covariance ``S'S`` — written here independently of the package's sparse solver.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from tests.impact.test_imputation import dummies, staggered_panel, treated_mask
from veikart.impact.stats import EstimandSet, imputation, imputation_estimands

FloatArray = npt.NDArray[np.float64]
COLUMNS: dict[str, Any] = {"y": "y", "unit": "id", "time": "t", "cohort": "g"}


def dense_scores(
    data: pd.DataFrame,
    weights: FloatArray,
    *,
    fe_group: str | None = None,
    cluster: str = "id",
    cells_by: tuple[str, ...] = ("g", "t"),
) -> tuple[FloatArray, FloatArray]:
    """Estimates ``W'τ̂`` and cluster scores (clusters × F) for the weight columns ``weights``
    (treated rows × F), with ``τ̃`` averaged within cells of the columns ``cells_by``."""
    x = dummies(data, fe_group)
    treated = treated_mask(data)
    x0, x1 = x[~treated], x[treated]
    y = data["y"].to_numpy()
    beta = np.linalg.lstsq(x0, y[~treated], rcond=None)[0]
    tau = y[treated] - x1 @ beta
    resid0 = y[~treated] - x0 @ beta
    v0 = -x0 @ np.linalg.pinv(x0.T @ x0) @ x1.T @ weights
    cells = data.loc[treated, list(cells_by)].astype(str).agg("/".join, axis=1).to_numpy()
    clusters = data[cluster].to_numpy()
    columns = []
    for f in range(weights.shape[1]):
        w = weights[:, f]
        per_cluster = pd.Series(w).groupby([clusters[treated], cells]).transform("sum").to_numpy()
        smart = per_cluster * w
        num = pd.Series(smart * tau).groupby(cells).transform("sum").to_numpy()
        den = pd.Series(smart).groupby(cells).transform("sum").to_numpy()
        tilde = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
        scores = pd.concat(
            [
                pd.Series(w * (tau - tilde), index=clusters[treated]),
                pd.Series(v0[:, f] * resid0, index=clusters[~treated]),
            ]
        )
        columns.append(scores.groupby(level=0).sum())
    return weights.T @ tau, pd.concat(columns, axis=1).fillna(0.0).to_numpy()


def event_time_weights(data: pd.DataFrame, horizons: list[int]) -> FloatArray:
    sub = data[treated_mask(data)]
    e = (sub["t"] - sub["g"]).to_numpy()
    return np.column_stack([(e == h) / np.sum(e == h) for h in horizons])


@pytest.mark.parametrize(("fe_group", "cluster"), [(None, "id"), ("kind", "id"), ("kind", "team")])
def test_the_covariance_of_event_time_estimands_equals_dense_bjs_scores(
    fe_group: str | None, cluster: str
) -> None:
    data = staggered_panel(groups=3, drop=0.1, seed=21)
    e = (data["t"] - data["g"]).where(data["g"] > 0)
    late = np.where(data["t"] >= 8, 1.0, -1.0)  # after minus before period 8
    result = imputation_estimands(
        data, **COLUMNS, means_by=e, estimands={"late_minus_early": late}, fe_group=fe_group,
        cluster=None if cluster == "id" else cluster,
    )  # fmt: skip
    horizons = [int(h) for h in result.table["name"].iloc[:-1]]
    assert horizons == list(range(7))
    sub = data[treated_mask(data)]
    contrast = np.where(sub["t"] >= 8, 1 / np.sum(sub["t"] >= 8), -1 / np.sum(sub["t"] < 8))
    weights = np.column_stack([event_time_weights(data, horizons), contrast])
    att, scores = dense_scores(data, weights, fe_group=fe_group, cluster=cluster)
    np.testing.assert_allclose(result.table["att"], att, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.covariance, scores.T @ scores, rtol=1e-7, atol=1e-12)
    assert result.n_clusters == data[cluster].nunique()


def test_its_estimates_and_standard_errors_equal_the_imputation_estimators() -> None:
    data = staggered_panel(groups=3, seed=22)
    e = (data["t"] - data["g"]).where(data["g"] > 0)
    ours = imputation_estimands(data, **COLUMNS, means_by=e, fe_group="kind")
    reference = imputation(data, **COLUMNS, fe_group="kind").event_time
    np.testing.assert_allclose(ours.table["att"], reference["att"], atol=1e-12)
    np.testing.assert_allclose(ours.table["se"], reference["se"], rtol=1e-10)
    assert ours.table["n_obs"].tolist() == reference["n_obs"].tolist()


def test_unnormalised_weights_give_the_weighted_sum_of_imputed_effects() -> None:
    data = staggered_panel(seed=23)
    weights = np.where(data["t"] == 9, 0.01, 0.0) - np.where(data["t"] == 6, 0.02, 0.0)
    ours = imputation_estimands(data, **COLUMNS, estimands={"w": weights}, normalise=False)
    tau = imputation(data, **COLUMNS).effects
    assert ours.table["att"].iloc[0] == pytest.approx(float(weights[tau.index] @ tau), abs=1e-12)
    sub = treated_mask(data)
    _, scores = dense_scores(data, weights[sub][:, None])
    assert ours.table["se"].iloc[0] == pytest.approx(float(np.sqrt(scores.T @ scores)[0, 0]))


def test_cells_refined_by_a_column_equal_dense_bjs_with_those_cells() -> None:
    data = staggered_panel(seed=24)
    data["leader"] = np.repeat(np.random.default_rng(99).random(80) < 0.3, 10)
    data["y"] += 2.0 * (treated_mask(data) & data["leader"])  # leaders gain 2 more
    everyone = np.ones(len(data))
    result = imputation_estimands(
        data, **COLUMNS, means_by="leader", estimands={"all": everyone}, effects_within="leader"
    )
    assert result.table["name"].tolist() == [False, True, "all"]
    leader = data.loc[treated_mask(data), "leader"].to_numpy()
    weights = np.column_stack([leader == k for k in (False, True, True)]).astype(float)
    weights[:, 2] = 1.0
    weights /= weights.sum(axis=0)
    att, scores = dense_scores(data, weights, cells_by=("g", "t", "leader"))
    np.testing.assert_allclose(result.table["att"], att, atol=1e-9)
    np.testing.assert_allclose(result.covariance, scores.T @ scores, rtol=1e-7)
    assert abs(result.covariance[0, 1]) > 1e-4  # the groups share the fixed effects
    # A group's own mean averages τ̂ within the group anyway; the overall mean does not.
    _, coarse = dense_scores(data, weights)
    coarse_cov = coarse.T @ coarse
    np.testing.assert_allclose(result.covariance[:2, :2], coarse_cov[:2, :2], rtol=1e-7)
    assert result.covariance[2, 2] < 0.9 * coarse_cov[2, 2]


def test_linear_combinations_and_the_equality_test_use_the_covariance() -> None:
    data = staggered_panel(units=400, groups=3, seed=25)
    result = imputation_estimands(data, **COLUMNS, means_by="kind", fe_group="kind")
    att, cov = result.table["att"].to_numpy(), result.covariance
    diff = result.combine({"school": 1.0, "care": -1.0})
    assert diff.estimate == pytest.approx(att[2] - att[0])
    assert diff.se == pytest.approx(np.sqrt(cov[0, 0] + cov[2, 2] - 2 * cov[0, 2]))
    assert diff.upper - diff.estimate == pytest.approx(1.959964 * diff.se, rel=1e-6)
    test = result.equality_test(["care", "office", "school"])
    contrasts = np.array([[-1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    value = contrasts @ att
    expected = value @ np.linalg.solve(contrasts @ cov @ contrasts.T, value)
    assert test.statistic == pytest.approx(expected)
    assert test.df == 2


def test_it_reports_estimands_whose_treated_rows_cannot_be_imputed() -> None:
    data = staggered_panel(never_share=0.0, cohorts=(4, 7), periods=10, seed=7)
    last_week = np.where(data["t"] == 10, 1.0, 0.0)
    result: EstimandSet = imputation_estimands(data, **COLUMNS, estimands={"last": last_week})
    assert result.table["n_obs"].iloc[0] == 0
    assert np.isnan(result.table["att"].iloc[0])
    assert any("left out of those estimands" in note for note in result.notes)


def test_it_rejects_a_call_without_estimands() -> None:
    with pytest.raises(ValueError, match="give estimands, means_by or both"):
        imputation_estimands(staggered_panel(), **COLUMNS)
