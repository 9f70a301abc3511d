"""Heterogeneity: the training effect by group (former organisation, unit type, leader or not).

For groups ``g`` given by a column (its value on each treated observation; it may change over
time), the imputation estimator's group effect is the mean imputed effect over the group's
trained observations,

    ATT_g = Σ_{it∈Ω₁, g(it)=g} w_it τ̂_it / Σ_{it∈Ω₁, g(it)=g} w_it,

with the joint covariance ``V̂`` of all groups from the same cluster scores
(:mod:`veikart.impact.stats.estimands`). Equality across the ``G`` groups is tested with the
Wald statistic of the ``G − 1`` contrasts ``ATT_g − ATT_1``,

    W = (Rθ̂)' (R V̂ R')⁺ (Rθ̂) ~ χ²(rank(R V̂ R')).

The fixed effects are fitted on everyone (the groups share the week effects, or the group × week
effects of ``fe_group``), so the group effects are correlated; the test uses their covariance.
Each group's ``τ̃`` (the smart cell averages of the variance) is formed over the group's own rows,
i.e. within cohort × period × group cells, so a real difference between the groups is not
counted as noise in their standard errors.

The groups also differ in when they were trained: with effects that grow with time since
training, a group trained earlier has a larger average effect at the same calendar date. Compare
groups at equal exposure by restricting ``max_event_time`` (e.g. the first 12 weeks), or read the
differences as descriptive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from veikart.impact.stats.estimands import WaldTest, _estimate, _prepare, z_value
from veikart.impact.stats.imputation import EffectsBy

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Heterogeneity:
    """Effects by the groups of column ``by``: ``table`` has ``group, att, se, lower, upper``
    (level ``1 − alpha``), ``n_obs`` (trained observations) and ``n_units`` (trained people);
    ``equality`` is the Wald test that all group effects are equal; ``covariance`` their
    joint covariance. Groups without imputed trained observations do not appear."""

    by: str
    table: pd.DataFrame
    equality: WaldTest
    covariance: FloatArray
    alpha: float
    notes: tuple[str, ...] = field(default=())


def effects_by_group(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    by: str,
    fe_group: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    max_event_time: float | None = None,
    effects_by: EffectsBy = "cohort_period",
    alpha: float = 0.05,
) -> Heterogeneity:
    """The imputation effect for each group of column ``by`` and the test of equality (module
    docstring). ``max_event_time`` keeps only trained observations at most that many periods
    after training. Other arguments as for :func:`veikart.impact.stats.imputation`."""
    if by not in data.columns:
        raise ValueError(f"column {by!r} not in the data")
    prepared = _prepare(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster,
        weights=weights,
    )  # fmt: skip
    key = data[by].astype(object).where(data[by].notna(), None).to_numpy(copy=True)
    if max_event_time is not None:
        first = data[cohort].to_numpy(dtype=np.float64, na_value=np.nan)
        late = data[time].to_numpy(dtype=np.float64) - first > max_event_time
        key[late] = None
    estimates = _estimate(prepared, means_by=key, effects_by=effects_by)
    table = estimates.table.rename(columns={"name": "group"})
    z = z_value(alpha)
    table["lower"] = table["att"] - z * table["se"]
    table["upper"] = table["att"] + z * table["se"]
    positions = prepared.positions
    people = pd.DataFrame(
        {"group": pd.Series(key[positions], dtype=object), "unit": data[unit].to_numpy()[positions]}
    ).dropna()
    n_units = people.groupby("group")["unit"].nunique()
    table["n_units"] = table["group"].map(n_units).fillna(0).astype(int)
    equality = estimates.equality_test(table["group"].tolist())
    return Heterogeneity(by, table, equality, estimates.covariance, alpha, estimates.notes)
