"""Training versus the common shock: the decomposition, the week-effect path and before/after.

Evidence: exact identities on small panels (the training part is share × mean imputed effect with
BJS's dense standard error; in a balanced panel the rest equals the change of the fitted week
effects; a noise-free seasonal shock is read off the path exactly), recovery of planted effects,
and the Nye Moss simulator's realised effects and planted lockdown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from tests.impact.test_imputation import bjs_dense, nye_moss, treated_mask
from veikart.demo.simulator.model import UNIT_TYPES
from veikart.impact.stats import decompose, effect_before_after, imputation, week_effect_path

FloatArray = npt.NDArray[np.float64]
COLUMNS: dict[str, Any] = {"y": "y", "unit": "id", "time": "t", "cohort": "g"}
SEASON = 13  # periods per "year" in the small panels


def shock_panel(
    *,
    units: int = 400,
    periods: int = 40,
    cohorts: tuple[int, ...] = (8, 12, 16),
    never_share: float = 0.3,
    shock_at: int = 20,
    shock: float = 3.0,
    effect: Any = 2.0,
    noise: float = 1.0,
    seed: int = 51,
) -> pd.DataFrame:
    """Person effects, a season that repeats every ``SEASON`` periods, a common shock from
    ``shock_at`` on, and a training effect: a number, or a function of (event time, period).
    ``y0`` is the untreated outcome."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(units) < never_share, 0, rng.choice(cohorts, units))
    t = np.arange(1, periods + 1)
    e = t[None, :] - g[:, None]
    treated = (g[:, None] > 0) & (e >= 0)
    size = effect(e, t[None, :]) if callable(effect) else np.full(e.shape, float(effect))
    common = np.sin(2 * np.pi * t / SEASON) + shock * (t >= shock_at)
    y0 = rng.normal(0, 1, units)[:, None] + common[None, :] + noise * rng.normal(0, 1, e.shape)
    y = y0 + np.where(treated, size, 0.0)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(units), periods),
            "t": np.tile(t, units),
            "y": y.ravel(),
            "y0": y0.ravel(),
            "g": np.repeat(g, periods),
            "kind": np.repeat(np.array(["office", "school"])[rng.integers(0, 2, units)], periods),
        }
    )


def mean_at(data: pd.DataFrame, column: str, t: int) -> float:
    return float(data.loc[data["t"] == t, column].mean())


# --- the decomposition ---------------------------------------------------------------------------


def test_the_training_part_is_share_times_effect_with_bjs_standard_error() -> None:
    data = shock_panel(units=100, periods=26, seed=52)
    result = decompose(data, **COLUMNS, start=5, end=24)
    at_end = treated_mask(data) & (data["t"] == 24).to_numpy()
    share = at_end.sum() / (data["t"] == 24).sum()
    tau = imputation(data, **COLUMNS).effects
    effect = float(tau[data.index[at_end]].mean())
    assert result.share_trained_start == 0 and result.effect_trained_start is None
    assert result.share_trained_end == pytest.approx(share)
    assert result.total_change == pytest.approx(mean_at(data, "y", 24) - mean_at(data, "y", 5))
    assert result.training.estimate == pytest.approx(share * effect, abs=1e-10)
    w = at_end[treated_mask(data)] / at_end.sum()
    _, se = bjs_dense(data, w.astype(np.float64))
    assert result.training.se == pytest.approx(share * se, rel=1e-8)
    assert result.effect_trained_end.se == pytest.approx(se, rel=1e-8)
    assert result.common.estimate == pytest.approx(result.total_change - result.training.estimate)
    assert result.common.se == result.training.se
    assert result.common.lower == pytest.approx(result.total_change - result.training.upper)


def test_when_some_are_trained_at_the_start_their_effect_is_netted_out() -> None:
    data = shock_panel(units=100, periods=26, seed=53)
    result = decompose(data, **COLUMNS, start=10, end=24)
    treated = treated_mask(data)
    at = {t: treated & (data["t"] == t).to_numpy() for t in (10, 24)}
    n = {t: int((data["t"] == t).sum()) for t in (10, 24)}
    tau = imputation(data, **COLUMNS).effects
    expected = tau[data.index[at[24]]].sum() / n[24] - tau[data.index[at[10]]].sum() / n[10]
    assert result.share_trained_start > 0
    assert result.training.estimate == pytest.approx(expected, abs=1e-10)
    w = (at[24] / n[24] - at[10] / n[10])[treated]
    _, se = bjs_dense(data, w.astype(np.float64))
    assert result.training.se == pytest.approx(se, rel=1e-8)


def test_in_a_balanced_panel_the_rest_is_the_change_of_the_week_effects() -> None:
    data = shock_panel(seed=54)
    result = decompose(data, **COLUMNS, start=6, end=33)
    lam = imputation(data, **COLUMNS).time_effects.set_index("time")["effect"]
    assert result.common.estimate == pytest.approx(lam[33] - lam[6], abs=1e-10)
    assert result.week_effect_change == pytest.approx(lam[33] - lam[6], abs=1e-10)
    assert result.n_both == result.n_start == result.n_end == 400


@pytest.mark.parametrize("seed", [55, 56])
def test_it_recovers_the_planted_training_part_and_common_change(seed: int) -> None:
    data = shock_panel(seed=seed, effect=lambda e, t: 1.0 + 0.1 * e)
    result = decompose(data, **COLUMNS, start=6, end=30)
    # The realised truth: the mean untreated outcome's change is common to everyone.
    common = mean_at(data, "y0", 30) - mean_at(data, "y0", 6)
    training = result.total_change - common
    assert result.training.lower <= training <= result.training.upper
    assert result.common.lower <= common <= result.common.upper
    assert common == pytest.approx(3.0 + np.sin(2 * np.pi * 30 / 13) - np.sin(2 * np.pi * 6 / 13),
                                   abs=0.25)  # fmt: skip


def test_joiners_and_leavers_are_counted_and_named_as_part_of_the_rest() -> None:
    data = shock_panel(seed=57)
    data = data[~((data["id"] < 20) & (data["t"] >= 25)) & ~((data["id"] >= 390) & (data["t"] < 8))]
    result = decompose(data, **COLUMNS, start=5, end=30)
    assert (result.n_start, result.n_end, result.n_both) == (390, 380, 370)
    assert any("10 people are observed at the end but not at the start" in n for n in result.notes)


def test_it_rejects_a_window_without_trained_people_at_its_end() -> None:
    with pytest.raises(ValueError, match="nobody is trained in period 6"):
        decompose(shock_panel(seed=58), **COLUMNS, start=2, end=6)
    with pytest.raises(ValueError, match="start must be before end"):
        decompose(shock_panel(seed=58), **COLUMNS, start=30, end=20)


# --- the week-effect path ------------------------------------------------------------------------


def test_the_week_effect_path_reads_a_shock_off_the_same_weeks_a_year_earlier() -> None:
    data = shock_panel(noise=0.0, seed=59)
    result = decompose(data, **COLUMNS, start=18, end=30, season_length=SEASON)
    path = result.week_effects.table.set_index("time")
    assert result.week_effects.baseline_available
    t = path.index.to_numpy()
    expected = np.where(t >= 20, 3.0, 0.0)  # the shock; the season cancels a year apart
    np.testing.assert_allclose(path["versus_last_year"], expected, atol=1e-9)
    common = np.sin(2 * np.pi * t / SEASON) + 3.0 * (t >= 20)
    np.testing.assert_allclose(path["effect"], common - common[0], atol=1e-9)
    np.testing.assert_allclose(
        path["effect"] - path["same_week_last_year"], path["versus_last_year"], atol=1e-12
    )


def test_without_a_previous_year_it_says_no_baseline_is_available() -> None:
    data = shock_panel(seed=60)
    path = decompose(data, **COLUMNS, start=18, end=30).week_effects  # a season of 52
    assert not path.baseline_available
    assert path.table["versus_last_year"].isna().all()
    assert any("No seasonal baseline is available" in note for note in path.notes)
    partial = week_effect_path(
        imputation(data, **COLUMNS).time_effects, start=5, end=30, season_length=SEASON
    )
    assert any("exists for 17 of 26 periods" in note for note in partial.notes)


def test_with_group_by_week_effects_the_path_is_per_group() -> None:
    data = shock_panel(seed=61)
    result = decompose(data, **COLUMNS, start=5, end=30, fe_group="kind")
    assert result.week_effect_change is None
    assert sorted(result.week_effects.table["group"].unique()) == ["office", "school"]


# --- before versus after a date -------------------------------------------------------------------


def test_before_after_and_their_difference_equal_bjs_with_dense_matrices() -> None:
    data = shock_panel(units=100, periods=26, seed=62)
    result = effect_before_after(data, **COLUMNS, split=18)
    treated = data[treated_mask(data)]
    tau = imputation(data, **COLUMNS).effects
    after = (treated["t"] >= 18).to_numpy()
    assert result.before.estimate == pytest.approx(tau[~after].mean(), abs=1e-10)
    assert result.after.estimate == pytest.approx(tau[after].mean(), abs=1e-10)
    assert (result.n_before, result.n_after) == (int((~after).sum()), int(after.sum()))
    w = np.where(after, 1 / after.sum(), -1 / (~after).sum())
    att, se = bjs_dense(data, w)
    assert result.difference.estimate == pytest.approx(att, abs=1e-10)
    assert result.difference.se == pytest.approx(se, rel=1e-8)
    e = (treated["t"] - treated["g"]).to_numpy()
    assert result.mean_event_time_before == pytest.approx(e[~after].mean())
    assert result.mean_event_time_after == pytest.approx(e[after].mean())


def test_a_change_at_the_date_is_recovered_on_both_comparisons() -> None:
    data = shock_panel(seed=63, effect=lambda e, t: np.where(t >= 20, 2.5, 1.0))
    result = effect_before_after(data, **COLUMNS, split=20)
    assert result.difference.lower <= 1.5 <= result.difference.upper
    assert result.same_event_time is not None
    assert result.same_event_time.lower <= 1.5 <= result.same_event_time.upper


def test_effects_growing_with_time_since_training_are_not_taken_for_a_change_at_the_date() -> None:
    data = shock_panel(seed=64, effect=lambda e, t: 0.3 * (e + 1))
    result = effect_before_after(data, **COLUMNS, split=20)
    assert result.difference.lower > 2.0  # the naive comparison "finds" a change
    assert result.same_event_time is not None and result.same_event_time.covers_zero
    assert result.mean_event_time_after > result.mean_event_time_before + 8
    assert "Event time and calendar time overlap" in result.caveat
    assert 0 < result.overlap_share < 1


# --- the simulator --------------------------------------------------------------------------------

SIMULATED: dict[str, Any] = {
    "y": "messages", "unit": "person", "time": "week", "cohort": "cohort",
    "fe_group": "unit_type",
}  # fmt: skip


def week_of(truth: dict[str, Any], day: str) -> int:
    """The week index (1 = first week) of the week that contains ``day``."""
    first = np.datetime64(truth["first_period_end"])
    return int(np.ceil((np.datetime64(day) - first) / np.timedelta64(7, "D"))) + 1


def test_on_the_simulator_the_effects_before_and_after_the_lockdown_cover_the_realised() -> None:
    data, truth = nye_moss(1500, 13)
    lockdown = week_of(truth, truth["lockdown_date"])
    result = effect_before_after(data, **SIMULATED, split=lockdown)
    effects = truth["effects"]
    before = effects["before_lockdown"]["teams_messages"]["att"]
    after = effects["after_lockdown"]["teams_messages"]["att"]
    assert result.before.lower <= before <= result.before.upper
    assert result.after.lower <= after <= result.after.upper
    assert result.difference.lower <= after - before <= result.difference.upper
    assert result.overlap_share < 0.5  # all cohorts in one autumn: little common event time


def test_on_the_simulator_the_decomposition_and_the_planted_lockdown_are_recovered() -> None:
    data, truth = nye_moss(1500, 13)
    start, end = week_of(truth, "2019-08-01"), week_of(truth, "2020-10-01")
    result = decompose(data, **SIMULATED, start=start, end=end)
    realised = truth["effects"]["by_period"][end - 1]["teams_messages"]["att"]
    assert result.effect_trained_end.lower <= realised <= result.effect_trained_end.upper
    assert 0 < result.training.estimate < result.total_change
    # The lockdown jump per unit type, seasonally adjusted: the 8 weeks after minus the 8 before.
    lockdown = week_of(truth, truth["lockdown_date"])
    path = result.week_effects.table
    for code, name in enumerate(UNIT_TYPES):
        gap = path[path["group"] == code].set_index("time")["versus_last_year"]
        jump = gap.loc[lockdown : lockdown + 7].mean() - gap.loc[lockdown - 8 : lockdown - 1].mean()
        planted = truth["lockdown"]["by_unit_type"][name]["teams_messages"]["effect"]
        assert jump == pytest.approx(planted, rel=0.15, abs=0.3), name
