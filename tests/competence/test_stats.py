from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from veikart.competence import stats


def test_the_distribution_counts_each_level_and_the_mean() -> None:
    d = stats.distribution([1, 3, 3, 8, 5])
    assert d.counts == (1, 0, 2, 0, 1, 0, 0, 1)
    assert d.n == 5 and d.mean == pytest.approx(4.0)


def test_it_rejects_a_level_outside_the_scale() -> None:
    with pytest.raises(ValueError):
        stats.distribution([0, 3])


def test_the_paired_interval_agrees_with_scipy() -> None:
    before = [2, 3, 3, 4, 2, 5, 3, 1, 4, 2]
    after = [3, 5, 3, 5, 4, 5, 4, 3, 4, 3]
    d = np.array(after) - np.array(before)
    low, high = scipy.stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=scipy.stats.sem(d))
    change = stats.paired_change(before, after)
    assert change.method == "paired" and change.n == 10
    assert change.difference == pytest.approx(1.0)
    assert (change.low, change.high) == pytest.approx((low, high))


def test_the_welch_interval_agrees_with_scipy() -> None:
    before, after = [2, 3, 3, 4, 2, 5], [3, 5, 3, 5, 4, 5, 4, 6]
    result = scipy.stats.ttest_ind(after, before, equal_var=False)
    low, high = result.confidence_interval(0.95)
    change = stats.welch_change(before, after)
    assert change.method == "welch"
    assert (change.low, change.high) == pytest.approx((low, high))
