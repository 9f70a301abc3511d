"""Heterogeneity of the training effect by group (unit type, former organisation, leaders).

Evidence: group effects, their covariance and the Wald test equal a dense BJS computation; planted
group differences are recovered and detected, equal effects are not rejected; with effects that
grow with time since training, comparing at equal exposure removes a spurious difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.impact.test_estimands import dense_scores
from tests.impact.test_imputation import staggered_panel, treated_mask
from veikart.impact.stats import effects_by_group

COLUMNS: dict[str, Any] = {"y": "y", "unit": "id", "time": "t", "cohort": "g"}


def with_groups(data: pd.DataFrame, *, extra: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """A per-person column ``unit`` (three former organisations) not tied to the week effects,
    and ``extra`` added to the training effect of organisation "B"."""
    people = data["id"].nunique()
    org = np.random.default_rng(seed).choice(np.array(["A", "B", "C"]), people)
    data = data.assign(org=org[data["id"].to_numpy()])
    return data.assign(y=data["y"] + extra * (treated_mask(data) & (data["org"] == "B")))


def intervals(table: pd.DataFrame) -> dict[str, tuple[float, float]]:
    return {
        str(g): (float(lo), float(hi))
        for g, lo, hi in zip(table["group"], table["lower"], table["upper"], strict=True)
    }


def test_group_effects_covariance_and_test_equal_dense_bjs() -> None:
    data = with_groups(staggered_panel(units=120, drop=0.05, seed=71), extra=0.5, seed=71)
    result = effects_by_group(data, **COLUMNS, by="org")
    assert result.table["group"].tolist() == ["A", "B", "C"]
    org = data.loc[treated_mask(data), "org"].to_numpy()
    weights = np.column_stack([org == k for k in "ABC"]).astype(np.float64)
    weights /= weights.sum(axis=0)
    att, scores = dense_scores(data, weights)
    cov = scores.T @ scores
    np.testing.assert_allclose(result.table["att"], att, atol=1e-9)
    np.testing.assert_allclose(result.covariance, cov, rtol=1e-7)
    np.testing.assert_allclose(result.table["se"], np.sqrt(np.diag(cov)), rtol=1e-7)
    r = np.array([[-1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    wald = (r @ att) @ np.linalg.solve(r @ cov @ r.T, r @ att)
    assert result.equality.statistic == pytest.approx(wald, rel=1e-7)
    assert result.equality.df == 2
    treated_people = data[treated_mask(data)].groupby("org")["id"].nunique()
    assert result.table["n_units"].tolist() == treated_people.tolist()


def test_it_recovers_a_planted_difference_between_groups_and_rejects_equality() -> None:
    data = with_groups(staggered_panel(units=600, homogeneous=2.0, seed=72), extra=1.0, seed=72)
    result = effects_by_group(data, **COLUMNS, by="org")
    bounds = intervals(result.table)
    for group, effect in {"A": 2.0, "B": 3.0, "C": 2.0}.items():
        assert bounds[group][0] <= effect <= bounds[group][1], group
    assert result.equality.p_value < 1e-6


def test_it_does_not_reject_equal_effects() -> None:
    data = with_groups(staggered_panel(units=600, homogeneous=2.0, seed=73), seed=73)
    assert effects_by_group(data, **COLUMNS, by="org").equality.p_value > 0.05


def test_with_unit_type_by_week_effects_it_compares_the_unit_types() -> None:
    # The kinds have their own week effects: without fe_group the comparison would be biased.
    data = staggered_panel(units=600, groups=3, homogeneous=2.0, seed=10)
    data["y"] += 1.0 * (treated_mask(data) & (data["kind"] == "school"))
    result = effects_by_group(data, **COLUMNS, by="kind", fe_group="kind")
    bounds = intervals(result.table)
    for group, effect in {"care": 2.0, "office": 2.0, "school": 3.0}.items():
        assert bounds[group][0] <= effect <= bounds[group][1], group
    assert result.equality.p_value < 1e-6


def test_comparing_at_equal_exposure_removes_a_difference_due_to_timing() -> None:
    # Organisation "early" is trained in period 3, "late" in period 8; the same effect 1 + 0.4 e.
    data = staggered_panel(units=600, periods=12, cohorts=(3, 8), homogeneous=0.0, seed=74)
    e = data["t"] - data["g"]
    data["y"] += np.where(treated_mask(data), 1.0 + 0.4 * e, 0.0)
    data["org"] = np.where(data["g"] == 3, "early", np.where(data["g"] == 8, "late", "never"))
    everything = effects_by_group(data, **COLUMNS, by="org")
    assert everything.equality.p_value < 1e-6  # "early" has had longer to gain
    first_weeks = effects_by_group(data, **COLUMNS, by="org", max_event_time=3)
    assert first_weeks.equality.p_value > 0.05
    assert first_weeks.table["n_obs"].sum() < everything.table["n_obs"].sum()


def test_it_rejects_an_unknown_grouping_column() -> None:
    with pytest.raises(ValueError, match="column 'division' not in the data"):
        effects_by_group(staggered_panel(), **COLUMNS, by="division")
