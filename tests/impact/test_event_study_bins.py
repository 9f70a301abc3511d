"""Event studies with their covariance, and event times in 4-week bins.

Evidence: the Callaway & Sant'Anna covariance equals the one from csdid's per-unit influence
functions (validated against R's did); a bin of imputation estimates equals BJS's estimator with
the bin's own weights, computed densely; planted dynamic effects lie in the bins' intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from tests.impact.test_callaway_santanna import csdid_aggte, pair, planted, simulated
from tests.impact.test_callaway_santanna import estimate as cs_estimate
from tests.impact.test_imputation import bjs_dense, staggered_panel, treated_mask
from veikart.impact.stats import (
    ControlGroup,
    EventStudy,
    bin_event_study,
    cs_event_study,
    imputation_event_study,
)

FloatArray = npt.NDArray[np.float64]
COLUMNS: dict[str, Any] = {"y": "y", "unit": "id", "time": "t", "cohort": "g"}


def csdid_dynamic(control: ControlGroup) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Event times, estimates and per-unit influence functions (n × E) of csdid's dynamic
    aggregation with a universal base period."""
    _, reference = pair(control, "universal")
    dynamic = csdid_aggte(reference, "dynamic")
    influence = np.asarray(dynamic["inf_function"]["dynamic_inf_func_e"], dtype=np.float64)
    return np.asarray(dynamic["egt"], dtype=np.float64), np.asarray(dynamic["att_egt"]), influence


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_the_cs_event_study_covariance_equals_csdids_influence_functions(
    control: ControlGroup,
) -> None:
    ours = cs_event_study(pair(control, "universal")[0])
    e, att, influence = csdid_dynamic(control)
    keep = e != -1  # the reference period, 0 by construction
    n = influence.shape[0]
    expected = (influence.T @ influence / n**2)[np.ix_(keep, keep)]
    np.testing.assert_array_equal(ours.e, e[keep])
    np.testing.assert_allclose(ours.att, att[keep], atol=1e-10)
    np.testing.assert_allclose(ours.covariance, expected, rtol=1e-9, atol=1e-15)
    assert ours.reference == -1


def test_the_cs_covariance_clustered_by_team_sums_csdids_influence_functions_by_team() -> None:
    ours, reference = pair("notyet", "varying", "team")
    dynamic = csdid_aggte(reference, "dynamic")
    influence = np.asarray(dynamic["inf_function"]["dynamic_inf_func_e"], dtype=np.float64)
    teams = simulated().drop_duplicates("id").sort_values("id")["team"].to_numpy()
    scores = pd.DataFrame(influence).groupby(teams).sum().to_numpy()  # 30 teams
    expected = scores.T @ scores / influence.shape[0] ** 2
    np.testing.assert_allclose(cs_event_study(ours).covariance, expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_cs_bins_average_the_event_times_with_variance_from_their_influence_functions(
    control: ControlGroup,
) -> None:
    binned = bin_event_study(cs_event_study(pair(control, "universal")[0]), width=4)
    e, att, influence = csdid_dynamic(control)
    n = influence.shape[0]
    table = binned.table.set_index("bin")
    assert table.index.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]  # e = −8 … 8
    for b, row in table.iterrows():
        members = (np.floor(e / 4) == b) & (e != -1)
        psi = influence[:, members].mean(axis=1)  # the bin's influence function
        assert row["att"] == pytest.approx(att[members].mean(), abs=1e-10)
        assert row["se"] == pytest.approx(np.sqrt(psi @ psi) / n, rel=1e-9)
        assert row["n_event_times"] == members.sum()
    # −4, −3, −2: the reference is left out.
    assert binned.table.set_index("bin")["n_event_times"].to_dict()[-1.0] == 3
    assert any("reference period e = -1" in note for note in binned.notes)


@pytest.mark.parametrize("weighting", ["observations", "equal"])
def test_an_imputation_bin_equals_bjs_with_the_bins_own_weights(weighting: Any) -> None:
    data = staggered_panel(units=80, periods=12, cohorts=(3, 5, 8), drop=0.05, seed=31)
    study = imputation_event_study(data, **COLUMNS)
    binned = bin_event_study(study, width=4, weighting=weighting).table
    treated = data[treated_mask(data)]
    e = (treated["t"] - treated["g"]).to_numpy()
    for b in (0.0, 1.0, 2.0):
        members = np.floor(e / 4) == b
        counts = pd.Series(e[members]).value_counts()
        if weighting == "observations":
            w = members / members.sum()
        else:  # each event time of the bin equally
            w = np.where(members, 1.0 / (counts.size * pd.Series(e).map(counts).fillna(1)), 0.0)
        att, se = bjs_dense(data, np.asarray(w, dtype=np.float64))
        row = binned[binned["bin"] == b].iloc[0]
        assert row["att"] == pytest.approx(att, abs=1e-9)
        assert row["se"] == pytest.approx(se, rel=1e-8)
        assert row["n_obs"] == members.sum()


def truth_by_bin(e: FloatArray, width: int) -> dict[float, float]:
    """The planted effect ``1.5 + 0.5 e`` (0 before treatment), averaged equally over the event
    times of each bin."""
    effect = np.where(e >= 0, 1.5 + 0.5 * e, 0.0)
    bins = np.floor(e / width)
    return {b: float(effect[bins == b].mean()) for b in np.unique(bins)}


@pytest.mark.parametrize("estimator", ["callaway_santanna", "imputation"])
def test_planted_dynamic_effects_lie_in_the_bins_intervals(estimator: str) -> None:
    data = planted()
    if estimator == "callaway_santanna":
        study = cs_event_study(cs_estimate(data, base_period="universal"))
    else:
        study = imputation_event_study(data, **COLUMNS)
    table = bin_event_study(study, width=4).table
    truth = table["bin"].map(truth_by_bin(study.e, 4))
    assert ((table["lower"] <= truth) & (truth <= table["upper"])).all()
    post = table[table["bin"] >= 0]
    assert post["att"].tolist() == pytest.approx([2.25, 4.0], abs=0.15)  # e 0-3, 4-6


def test_bins_are_tighter_than_the_event_times_they_average() -> None:
    study = imputation_event_study(planted(), **COLUMNS)
    binned = bin_event_study(study, width=4).table
    first = study.table().query("0 <= e <= 3")
    assert binned["se"].iloc[0] < first["se"].min()


def test_it_rejects_a_width_below_one_and_unknown_weightings() -> None:
    study = EventStudy("x", np.array([0.0, 1.0]), np.ones(2), np.eye(2), np.ones(2), None)
    with pytest.raises(ValueError, match="width"):
        bin_event_study(study, width=0)
    with pytest.raises(ValueError, match="weighting"):
        bin_event_study(study, weighting="cells")  # type: ignore[arg-type]


def test_a_varying_base_event_study_says_its_pre_periods_are_placebo_changes() -> None:
    study = cs_event_study(cs_estimate(planted()))
    assert study.reference is None
    assert "placebo" in study.notes[0]
