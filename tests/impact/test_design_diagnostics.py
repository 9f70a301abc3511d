"""Design diagnostics: cohort sizes, who can serve as comparison in each period, and warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.impact.test_imputation import staggered_panel
from veikart.impact.stats import design_diagnostics


def test_it_counts_cohorts_and_comparison_groups_per_period() -> None:
    data = staggered_panel(units=200, periods=12, drop=0.1, seed=41)  # unbalanced
    result = design_diagnostics(data, unit="id", time="t", cohort="g")
    # An independent count, row by row.
    rows = []
    for t, week in data.groupby("t"):
        g = week["g"]
        rows.append((t, len(week), ((g > 0) & (g <= t)).sum(), (g > t).sum(), (g == 0).sum()))
    expected = pd.DataFrame(rows, columns=["time", "n", "n_treated", "n_not_yet", "n_never"])
    got = result.periods
    for column in expected.columns:
        np.testing.assert_array_equal(got[column], expected[column])
    np.testing.assert_allclose(got["share_never"], expected["n_never"] / expected["n"])
    np.testing.assert_allclose(
        got["share_controls"], (expected["n_not_yet"] + expected["n_never"]) / expected["n"]
    )
    people = data.drop_duplicates("id")
    sizes = people[people["g"] > 0].groupby("g").size()
    assert got["never_only"].tolist() == (got["time"] >= 8).tolist()  # the last cohort is 8
    assert result.cohorts["cohort"].tolist() == sizes.index.tolist()
    assert result.cohorts["n_units"].tolist() == sizes.tolist()
    assert result.cohorts["share"].sum() == pytest.approx(1 - result.n_never / result.n_units)
    assert result.n_units == people.shape[0]


def test_it_warns_when_the_never_trained_alone_are_too_few_to_compare_with() -> None:
    data = staggered_panel(units=300, periods=12, never_share=0.03, seed=3)
    result = design_diagnostics(data, unit="id", time="t", cohort="g")
    never = int((data.drop_duplicates("id")["g"] == 0).sum())
    only = result.warning("never_treated_only")
    assert only is not None and only.severity == "warning"
    assert only.data["first_period"] == 8.0
    assert only.data["periods"] == (8.0, 9.0, 10.0, 11.0, 12.0)
    assert only.data["min_never"] == never
    few = result.warning("few_controls")
    assert few is not None and few.data["periods"] == (8.0, 9.0, 10.0, 11.0, 12.0)
    assert few.data["min_controls"] == never
    assert not result.has("no_controls")


def test_it_only_informs_when_enough_never_trained_remain() -> None:
    data = staggered_panel(units=300, periods=12, never_share=0.3, seed=3)
    result = design_diagnostics(data, unit="id", time="t", cohort="g")
    assert [w.code for w in result.warnings] == ["never_treated_only"]
    assert result.warnings[0].severity == "info"


def test_it_flags_periods_without_anybody_to_compare_with() -> None:
    data = staggered_panel(units=100, periods=10, never_share=0.0, cohorts=(4, 7), seed=7)
    result = design_diagnostics(data, unit="id", time="t", cohort="g")
    assert result.has("no_never_treated")
    none = result.warning("no_controls")
    assert none is not None and none.data["periods"] == (7.0, 8.0, 9.0, 10.0)
    assert not result.has("never_treated_only")


def test_it_notes_small_cohorts_and_people_trained_before_the_data() -> None:
    data = staggered_panel(units=200, periods=10, cohorts=(1, 5, 8), seed=42)
    tiny = data["id"].isin(data.loc[data["g"] == 8, "id"].unique()[:3])
    data = data[~(data["g"] == 8) | tiny]  # three people left in cohort 8
    result = design_diagnostics(data, unit="id", time="t", cohort="g", min_cohort_size=5)
    small = result.warning("small_cohorts")
    assert small is not None and small.data["cohorts"] == (8.0,) and small.data["sizes"] == (3,)
    early = result.warning("treated_before_data")
    n_first = data.loc[data["g"] == 1, "id"].nunique()
    assert early is not None and early.data["n_units"] == n_first
    first = result.cohorts[result.cohorts["cohort"] == 1.0]
    assert first["n_with_untreated"].tolist() == [0]


def test_rows_without_an_outcome_do_not_count_when_y_is_given() -> None:
    data = staggered_panel(units=50, periods=6, seed=43)
    data.loc[data["t"] == 3, "y"] = np.nan
    with_y = design_diagnostics(data, unit="id", time="t", cohort="g", y="y")
    assert 3.0 not in with_y.periods["time"].tolist()
    assert 3.0 in design_diagnostics(data, unit="id", time="t", cohort="g").periods["time"].tolist()


def test_it_rejects_a_cohort_that_changes_within_a_person() -> None:
    data = staggered_panel(seed=44)
    data.loc[0, "g"] = 3
    with pytest.raises(ValueError, match="same in every period"):
        design_diagnostics(data, unit="id", time="t", cohort="g")
