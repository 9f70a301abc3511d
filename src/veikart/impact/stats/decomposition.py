"""Training versus the common shock: what moved the organisation's average, and when.

**Decomposition over a window** ``[t₀, t₁]`` (periods of ``time``). With ``Ȳ_t`` the average
outcome of everyone observed in period ``t``, ``s_t`` the share of them trained by ``t`` and
``ATT_t`` the average effect of training among them (the imputation estimator's mean ``τ̂`` over
the trained observed in ``t``):

    Ȳ_t1 − Ȳ_t0 = [s_t1·ATT_t1 − s_t0·ATT_t0]  +  [rest]
       total          due to training           common to trained and untrained

because ``Ȳ_t = s_t·ATT_t + (average untreated outcome Y(0) of everyone in t)``. The training part
is ``Σ_{trained in t1} τ̂ / n_t1 − Σ_{trained in t0} τ̂ / n_t0``; when nobody is trained at
``t₀`` it is simply *effect among the trained at t₁ × share trained at t₁*. The averages and
shares are the organisation's own (everyone is observed), so the only uncertainty is in the
effects: ``Var = s_t1² V₁₁ + s_t0² V₀₀ − 2 s_t1 s_t0 V₁₀`` from the estimands' joint covariance
(:mod:`veikart.impact.stats.estimands`), and the rest, ``total − training``, has the same
standard error. The rest holds the common shock (lockdown, seasons, new tools — everything that
hit trained and untrained alike), plus any change in who is observed (joiners and leavers).
In a balanced panel with period effects only, it equals the change of the fitted week effects,
``λ̂_t1 − λ̂_t0``, exactly (the untreated residuals sum to zero in every period).

**Week-effect path**: ``λ̂_t − λ̂_t0`` over the window, what happened to everyone's untreated
outcome, against the same weeks a year earlier (``λ̂_{t−L} − λ̂_t0``, ``L`` periods a season)
when the data reaches back that far. This is description: a shock that hits everyone has no
untouched comparison group, so its size is not identified as a causal effect of anything.

**Before versus after a date** (e.g. the lockdown): mean ``τ̂`` over trained observations before
and from the date, and the difference with its interval. Caveat: event time (weeks since
training) and calendar time overlap — when all cohorts are trained in one autumn, observations
after the date are also observations long after training, so effects that grow with time since
training look like a change at the date. The result records the mean event time on each side,
and a *same-event-time* difference that compares the two sides only at event times seen on both,
with the before side reweighted to the after side's mix: ``Σ_{e∈S} p_e (ATT_after,e −
ATT_before,e)``, ``p_e ∝ n_after,e``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from veikart.impact.stats._panel import _sorted_codes
from veikart.impact.stats.estimands import (
    EstimandSet,
    Interval,
    _estimate,
    _prepare,
    _Prepared,
)
from veikart.impact.stats.imputation import EffectsBy

FloatArray = npt.NDArray[np.float64]

WEEKS_PER_SEASON = 52


# --- the week-effect path -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekEffectPath:
    """The fitted week effects over ``[start, end]`` (per ``group`` with group × week effects).

    ``table``: ``time, effect`` (``λ̂_t − λ̂_start``), ``same_week_last_year``
    (``λ̂_{t−L} − λ̂_start``, NaN when ``t − L`` is not in the data) and ``versus_last_year``
    (``λ̂_t − λ̂_{t−L}``). ``baseline_available``: a previous year exists for some week.
    """

    table: pd.DataFrame
    start: float
    end: float
    season_length: float
    baseline_available: bool
    notes: tuple[str, ...] = field(default=())


def week_effect_path(
    time_effects: pd.DataFrame,
    *,
    start: float,
    end: float,
    season_length: float = WEEKS_PER_SEASON,
) -> WeekEffectPath:
    """The path of the week effects (``ImputationResult.time_effects`` or
    ``EstimandSet.time_effects``) over ``[start, end]`` against the same weeks a season earlier
    (module docstring). ``season_length`` is in periods of ``time`` (52 for weeks)."""
    if not start < end:
        raise ValueError("start must be before end")
    grouped = "group" in time_effects.columns
    frame = time_effects if grouped else time_effects.assign(group="all")
    parts = []
    for group, lam in frame.groupby("group", sort=False):
        by_time = pd.Series(lam["effect"].to_numpy(), index=lam["time"].to_numpy())
        if start not in by_time.index or not np.isfinite(by_time[start]):
            raise ValueError(f"no week effect at start period {start:g}")
        window = by_time[(by_time.index >= start) & (by_time.index <= end)]
        times = window.index.to_numpy(dtype=np.float64)
        last_year = by_time.reindex(times - season_length).to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "group": group,
                    "time": times,
                    "effect": window.to_numpy() - by_time[start],
                    "same_week_last_year": last_year - by_time[start],
                    "versus_last_year": window.to_numpy() - last_year,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    if not grouped:
        table = table.drop(columns="group")
    has_baseline = (
        table.assign(ok=np.isfinite(table["versus_last_year"])).groupby("time")["ok"].any()
    ).to_numpy()
    notes = [
        "The week effects are fitted on untrained person-weeks: they describe what happened to "
        "everyone's outcome without training (under parallel trends). A shock that hits everyone "
        "has no unexposed comparison, so its size is description, not a causal estimate."
    ]
    if not has_baseline.any():
        notes.append(
            f"No seasonal baseline is available: the data does not reach {season_length:g} "
            "periods (a year) before the window."
        )
    elif not has_baseline.all():
        notes.append(
            f"A seasonal baseline exists for {int(has_baseline.sum())} of {has_baseline.size} "
            "periods of the window only."
        )
    return WeekEffectPath(
        table, float(start), float(end), float(season_length), bool(has_baseline.any()),
        tuple(notes),
    )  # fmt: skip


# --- the decomposition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decomposition:
    """The change of the organisation's average over ``[start, end]`` split into the part due to
    training and the rest (module docstring).

    ``training`` and ``common`` are intervals at level ``1 − alpha`` (``common = total −
    training``, same standard error). ``effect_trained_start`` is ``None`` when nobody is trained
    at ``start``. ``week_effect_change`` is ``λ̂_end − λ̂_start`` (``None`` with group × week
    effects); ``week_effects`` the path over the window.
    """

    start: float
    end: float
    mean_start: float
    mean_end: float
    total_change: float
    n_start: int
    n_end: int
    n_both: int
    share_trained_start: float
    share_trained_end: float
    effect_trained_start: Interval | None
    effect_trained_end: Interval
    training: Interval
    common: Interval
    week_effect_change: float | None
    week_effects: WeekEffectPath
    notes: tuple[str, ...] = field(default=())


def _at(prepared: _Prepared, period: float) -> npt.NDArray[np.bool_]:
    found: npt.NDArray[np.bool_] = np.asarray(prepared.rows.time == period)
    if not found.any():
        raise ValueError(f"no observations in period {period:g}")
    return found


def decompose(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    start: float,
    end: float,
    fe_group: str | None = None,
    cluster: str | None = None,
    effects_by: EffectsBy = "cohort_period",
    season_length: float = WEEKS_PER_SEASON,
    alpha: float = 0.05,
) -> Decomposition:
    """Split ``Ȳ_end − Ȳ_start`` into training and the rest (module docstring), with the
    imputation estimator's effects. Arguments as for :func:`veikart.impact.stats.imputation`;
    ``start`` and ``end`` are periods of ``time``."""
    if not start < end:
        raise ValueError("start must be before end")
    prepared = _prepare(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster,
        weights=None,
    )  # fmt: skip
    rows = prepared.rows
    at_start, at_end = _at(prepared, start), _at(prepared, end)
    share_start = float(rows.treated[at_start].mean())
    share_end = float(rows.treated[at_end].mean())
    if share_end == 0:
        raise ValueError(f"nobody is trained in period {end:g}")
    key = np.full(len(data), np.nan)
    key[rows.position[at_start | at_end]] = rows.time[at_start | at_end]
    estimates = _estimate(prepared, means_by=key, effects_by=effects_by)
    names = set(estimates.table["name"])
    if end not in names:
        raise ValueError(f"no trained observation in period {end:g} could be imputed")
    weights = {end: share_end}
    if share_start > 0:
        if start not in names:
            raise ValueError(f"no trained observation in period {start:g} could be imputed")
        weights[start] = -share_start
    training = estimates.combine(weights, alpha)
    mean_start, mean_end = float(rows.y[at_start].mean()), float(rows.y[at_end].mean())
    total = mean_end - mean_start
    common = Interval(
        total - training.estimate, training.se, total - training.upper,
        total - training.lower, alpha,
    )  # fmt: skip
    units_start, units_end = set(rows.unit[at_start]), set(rows.unit[at_end])
    path = week_effect_path(
        estimates.time_effects, start=start, end=end, season_length=season_length
    )
    return Decomposition(
        start=float(start),
        end=float(end),
        mean_start=mean_start,
        mean_end=mean_end,
        total_change=total,
        n_start=int(at_start.sum()),
        n_end=int(at_end.sum()),
        n_both=len(units_start & units_end),
        share_trained_start=share_start,
        share_trained_end=share_end,
        effect_trained_start=estimates.combine({start: 1.0}, alpha) if share_start > 0 else None,
        effect_trained_end=estimates.combine({end: 1.0}, alpha),
        training=training,
        common=common,
        week_effect_change=_week_effect_change(estimates, start, end, fe_group is None),
        week_effects=path,
        notes=tuple(_decomposition_notes(prepared, estimates, at_start, at_end, units_start,
                                         units_end)),
    )  # fmt: skip


def _week_effect_change(
    estimates: EstimandSet, start: float, end: float, single: bool
) -> float | None:
    if not single:
        return None
    lam = estimates.time_effects.set_index("time")["effect"]
    return float(lam[end] - lam[start])


def _decomposition_notes(
    prepared: _Prepared,
    estimates: EstimandSet,
    at_start: npt.NDArray[np.bool_],
    at_end: npt.NDArray[np.bool_],
    units_start: set[int],
    units_end: set[int],
) -> list[str]:
    notes = list(estimates.notes)
    joined, left = len(units_end - units_start), len(units_start - units_end)
    if joined or left:
        notes.append(
            f"{joined} people are observed at the end but not at the start and {left} the other "
            "way round: the change in who is observed is part of the rest, not of training."
        )
    rows, tr = prepared.rows, prepared.fit.tr
    imputed = np.zeros(rows.y.size, dtype=bool)
    imputed[tr] = True
    lost = int((rows.treated & ~imputed & (at_start | at_end)).sum())
    if lost:
        notes.append(
            f"{lost} trained observations at the start or end could not be imputed: the effect "
            "among the trained is their mean over the others, scaled by the full share trained."
        )
    notes.append(
        "The averages and shares trained are the organisation's own (everyone is observed); the "
        "intervals reflect the estimation uncertainty of the training effects only."
    )
    return notes


# --- before versus after a date ------------------------------------------------------------------


@dataclass(frozen=True)
class BeforeAfter:
    """The training effect before and from ``split`` and the difference (module docstring).

    ``before``/``after``: mean ``τ̂`` over trained observations with ``time < split`` /
    ``≥ split`` (``n_before``/``n_after`` of them); ``difference = after − before``.
    ``same_event_time``: the difference at the event times seen on both sides, the before side
    reweighted to the after side's mix (``None`` without common event times);
    ``overlap_share``: the share of after-observations at such event times.
    ``caveat`` says in words how far event time and calendar time overlap.
    """

    split: float
    before: Interval
    after: Interval
    difference: Interval
    same_event_time: Interval | None
    n_before: int
    n_after: int
    mean_event_time_before: float
    mean_event_time_after: float
    overlap_share: float
    caveat: str
    notes: tuple[str, ...] = field(default=())


def effect_before_after(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    cohort: str,
    split: float,
    fe_group: str | None = None,
    cluster: str | None = None,
    effects_by: EffectsBy = "cohort_period",
    alpha: float = 0.05,
) -> BeforeAfter:
    """The imputation effect before vs from ``split`` (a period of ``time``, e.g. the week of the
    lockdown), the difference with its interval, and the event-time caveat (module docstring).
    Arguments as for :func:`veikart.impact.stats.imputation`."""
    prepared = _prepare(
        data, y=y, unit=unit, time=time, cohort=cohort, fe_group=fe_group, cluster=cluster,
        weights=None,
    )  # fmt: skip
    rows = prepared.rows
    # One estimand per side × event time; every other average is a combination of them.
    e_code, e_values = _sorted_codes(rows.time - rows.cohort)
    key = np.full(len(data), np.nan)
    key[rows.position] = 2 * e_code + (rows.time >= split)
    estimates = _estimate(prepared, means_by=key, effects_by=effects_by)
    code = estimates.table["name"].to_numpy(dtype=np.intp)
    cells = estimates.table.assign(
        side=np.where(code % 2 == 1, "after", "before"), e=e_values[code // 2]
    )
    n_side = cells.groupby("side")["n_obs"].sum()
    if n_side.get("before", 0) == 0 or n_side.get("after", 0) == 0:
        raise ValueError(f"trained observations are needed both before and from {split:g}")

    def mean_of(which: str) -> dict[object, float]:
        part = cells[cells["side"] == which]
        return dict(zip(part["name"], part["n_obs"] / part["n_obs"].sum(), strict=True))

    before, after = mean_of("before"), mean_of("after")
    difference = {**after, **{k: -v for k, v in before.items()}}
    common_e = set(cells.loc[cells["side"] == "before", "e"]) & set(
        cells.loc[cells["side"] == "after", "e"]
    )
    same = _same_event_time(cells, common_e)
    n_after = int(n_side["after"])
    overlap = float(cells[(cells["side"] == "after") & cells["e"].isin(common_e)]["n_obs"].sum())
    mean_e = {
        s: float(np.average(cells.loc[cells.side == s, "e"], weights=cells.loc[cells.side == s,
                                                                                 "n_obs"]))
        for s in ("before", "after")
    }  # fmt: skip
    overlap_share = overlap / n_after
    caveat = (
        f"Event time and calendar time overlap: trained observations before {split:g} are on "
        f"average {mean_e['before']:.1f} periods after training, those from {split:g} on "
        f"{mean_e['after']:.1f}. Effects that change with time since training show up as a "
        f"difference at {split:g}. Only {overlap_share:.0%} of the observations from {split:g} "
        "are at event times also seen before; the same-event-time difference compares those "
        "alone. Read the difference as descriptive unless the cohorts are spread out in time."
    )
    return BeforeAfter(
        split=float(split),
        before=estimates.combine(before, alpha),
        after=estimates.combine(after, alpha),
        difference=estimates.combine(difference, alpha),
        same_event_time=None if same is None else estimates.combine(same, alpha),
        n_before=int(n_side["before"]),
        n_after=n_after,
        mean_event_time_before=mean_e["before"],
        mean_event_time_after=mean_e["after"],
        overlap_share=overlap_share,
        caveat=caveat,
        notes=estimates.notes,
    )


def _same_event_time(cells: pd.DataFrame, common_e: set[float]) -> dict[object, float] | None:
    """Weights of ``Σ_{e∈S} p_e (ATT_after,e − ATT_before,e)`` with ``p_e ∝ n_after,e``."""
    if not common_e:
        return None
    after = cells[(cells["side"] == "after") & cells["e"].isin(common_e)].set_index("e")
    before = cells[(cells["side"] == "before") & cells["e"].isin(common_e)].set_index("e")
    p = after["n_obs"] / after["n_obs"].sum()
    weights: dict[object, float] = {}
    for name_after, name_before, share in zip(
        after["name"], before.loc[after.index, "name"], p, strict=True
    ):
        weights[name_after] = float(share)
        weights[name_before] = -float(share)
    if math.isclose(sum(abs(v) for v in weights.values()), 0.0):
        return None
    return weights
