"""Evaluate the training: what the courses did to a metric, separated from what hit everyone.

:func:`evaluate` builds the panel (:mod:`veikart.impact.panel`), runs the estimators of
:mod:`veikart.impact.stats` and returns an :class:`Evaluation` holding aggregates only — every
group it publishes (cohorts, event-time bins, heterogeneity groups, the two sides of the lockdown)
covers at least ``settings.MIN_GROUP_SIZE`` people; smaller groups are merged or left out, and the
result says so in ``notices``. :func:`store_evaluation` keeps it as an :class:`ImpactResult`.

The choices, in short (docs/user/impact.md has them for readers):

- **Headline**: the imputation estimator (Borusyak, Jaravel & Spiess) with unit-type × week
  effects (``by_unit_type``): parallel trends are assumed within unit types, because the lockdown
  hit offices harder than care units and offices were trained first.
- **Cross-check**: Callaway & Sant'Anna (not-yet-trained comparison), estimated within each unit
  type and combined with weights by treated person-weeks — the same assumption as the headline.
  They *disagree* when ``|imputation − CS| > 1.96 · √(se_imp² + se_CS²)``: the estimates share
  their data, so the difference's true standard error is smaller and this rule flags clear
  disagreements only.
- **Naive comparison**: static two-way fixed effects, flagged when it disagrees
  (:func:`veikart.impact.stats.compare_twfe`); never the answer.
- **Event study**: imputation effects by weeks since training in 4-week bins; the pre-periods are
  *placebo* estimates — the same estimator on the untrained person-weeks only, with training moved
  ``PRE_WEEKS`` weeks earlier — so under parallel trends the pre-period bins are zero.
- **Pre-trend test**: the joint Wald test that the pre-period bins are zero (fails at 5 %). Its
  **power** is reported against a linear pre-trend that, continued, would account for half of
  the estimated effect; below 80 % a pass is called weak evidence.
- **Decomposition** over a window (default August 2019 → October 2020, clipped to the data):
  :func:`veikart.impact.stats.decompose`.
- **Before vs after the lockdown**: :func:`veikart.impact.stats.effect_before_after`.
- **Heterogeneity** by former organisation, unit type and leaders:
  :func:`veikart.impact.stats.effects_by_group`.
- **Sensitivity**: Rambachan & Roth relative magnitudes on the combined CS event study (universal
  base, weekly), target the mean effect over the first ``SENSITIVITY_WEEKS`` weeks after training.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import types
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.conf import settings
from django.utils import timezone
from scipy import stats as scipy_stats  # type: ignore[import-untyped, unused-ignore]

from veikart.impact import stats
from veikart.impact.models import ImpactResult
from veikart.impact.panel import EstimationPanel, NoData, build_panel, week_number, week_start
from veikart.impact.stats.estimands import wald_test

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]

DEFAULT_METRIC = "teams_messages_per_person"
DEFAULT_WINDOW = (dt.date(2019, 8, 1), dt.date(2020, 10, 31))
LOCKDOWN = dt.date(2020, 3, 12)
BIN_WEEKS = 4
PRE_WEEKS = 8  # placebo pre-periods: the 8 weeks before training, two 4-week bins
SENSITIVITY_WEEKS = 12
MBAR_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
ALPHA = 0.05
POWER_SHARE = 0.5  # power against a pre-trend that would explain half the effect
WEAK_POWER = 0.8
STEPS = (
    "panel", "imputation", "event study", "cross-check", "naive comparison", "cohorts",
    "decomposition", "lockdown", "heterogeneity", "sensitivity", "diagnostics",
)  # fmt: skip
OTHER = "_other"  # the merged group of small groups


class TooFew(NoData):
    """Fewer trained people than the group threshold: nothing can be published."""


# --- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """An effect with its standard error and 95 % interval."""

    estimate: float
    se: float
    lower: float
    upper: float

    @classmethod
    def of(cls, estimate: float, se: float) -> Estimate:
        z = float(scipy_stats.norm.ppf(1 - ALPHA / 2))
        return cls(float(estimate), float(se), estimate - z * se, estimate + z * se)

    @classmethod
    def from_interval(cls, interval: stats.Interval) -> Estimate:
        return cls(interval.estimate, interval.se, interval.lower, interval.upper)

    @property
    def significant(self) -> bool:
        return not (self.lower <= 0.0 <= self.upper)


@dataclass(frozen=True)
class Notice:
    """Something the reader must know — a warning, or what was merged or left out. ``code``
    says what (the presentation layer words it), ``data`` holds the numbers behind it."""

    code: str
    severity: str  # "warning" | "info"
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Bin:
    """Weeks ``first..last`` since training (negative: before it, placebo estimates)."""

    first: int
    last: int
    people: int
    observations: int
    effect: Estimate


@dataclass(frozen=True)
class PreTrend:
    statistic: float
    df: int
    p_value: float
    fails: bool
    power: float | None  # against a trend explaining POWER_SHARE of the effect
    weak: bool
    leads_p_value: float | None  # BJS's weekly lead test, for reference


@dataclass(frozen=True)
class CrossCheck:
    callaway_santanna: Estimate | None
    difference: float | None
    disagrees: bool
    groups_used: int
    groups_skipped: int


@dataclass(frozen=True)
class Naive:
    twfe: Estimate
    disagrees: bool


@dataclass(frozen=True)
class Cohort:
    first_week: dt.date
    last_week: dt.date
    training_weeks: int
    people: int
    effect: Estimate


@dataclass(frozen=True)
class PathPoint:
    week: dt.date
    actual: float
    without_training: float | None  # None where fewer than k people were trained
    lower: float | None
    upper: float | None
    last_year: float | None


@dataclass(frozen=True)
class Decomposition:
    start: dt.date
    end: dt.date
    requested_start: dt.date
    requested_end: dt.date
    mean_start: float
    mean_end: float
    total: float
    training: Estimate
    common: Estimate
    share_trained_start: float
    share_trained_end: float
    effect_trained_end: Estimate | None
    path: tuple[PathPoint, ...]
    baseline_available: bool


@dataclass(frozen=True)
class BeforeAfter:
    split: dt.date
    before: Estimate
    after: Estimate
    difference: Estimate
    same_event_time: Estimate | None
    people_before: int
    people_after: int
    mean_weeks_before: float
    mean_weeks_after: float
    overlap_share: float


@dataclass(frozen=True)
class Group:
    key: str
    people: int
    observations: int
    effect: Estimate


@dataclass(frozen=True)
class Breakdown:
    by: str  # former_org | unit_type | is_leader
    groups: tuple[Group, ...]
    p_value: float | None  # equality of the group effects
    merged: bool
    withheld: bool


@dataclass(frozen=True)
class SensitivityRow:
    m: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Sensitivity:
    weeks: int
    original: Estimate
    rows: tuple[SensitivityRow, ...]
    breakdown: float | None  # None: no M̄ up to 10⁶ makes the interval contain 0
    people: int


@dataclass(frozen=True)
class WeekShares:
    week: dt.date
    trained: float
    not_yet: float
    never: float


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` found — aggregates over groups of at least ``min_group_size``."""

    metric: str
    unit: str
    courses: tuple[str, ...]
    by_unit_type: bool
    min_group_size: int
    first_week: dt.date
    last_week: dt.date
    weeks: int
    people: int
    trained: int
    never_share: float
    headline: Estimate
    headline_people: int
    headline_observations: int
    cross_check: CrossCheck
    naive: Naive
    event_study: tuple[Bin, ...]
    pretrend: PreTrend | None
    cohorts: tuple[Cohort, ...]
    decomposition: Decomposition | None
    before_after: BeforeAfter | None
    heterogeneity: tuple[Breakdown, ...]
    sensitivity: Sensitivity | None
    shares: tuple[WeekShares, ...]
    notices: tuple[Notice, ...]

    def notice(self, code: str) -> Notice | None:
        return next((n for n in self.notices if n.code == code), None)

    def to_json(self) -> dict[str, Any]:
        return typing.cast(dict[str, Any], _jsonable(asdict(self)))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evaluation:
        return typing.cast(Evaluation, _load(cls, data))


# --- evaluate ------------------------------------------------------------------------------------


def evaluate(
    metric: str = DEFAULT_METRIC,
    courses: Collection[str] = (),
    window: tuple[dt.date, dt.date] = DEFAULT_WINDOW,
    *,
    lockdown: dt.date = LOCKDOWN,
    by_unit_type: bool = True,
    progress: Progress | None = None,
) -> Evaluation:
    """Evaluate the training from ``courses`` (all when empty) on ``metric`` (module docstring).

    Raises :class:`NoData` when the organisation, usage or training data are missing, and
    :class:`TooFew` when fewer than ``MIN_GROUP_SIZE`` trained people can be evaluated."""
    say = progress or (lambda _step: None)
    say("panel")
    panel = build_panel(metric, courses)
    return _Evaluator(panel, window, lockdown, by_unit_type, say).run()


def store_evaluation(
    evaluation: Evaluation, *, user: Any = None, seconds: float = 0.0
) -> ImpactResult:
    parameters = {
        "metric": evaluation.metric,
        "courses": list(evaluation.courses),
        "by_unit_type": evaluation.by_unit_type,
        "min_group_size": evaluation.min_group_size,
    }
    return ImpactResult.objects.create(
        created_at=timezone.now(),
        created_by=user if getattr(user, "pk", None) else None,
        parameters=parameters,
        payload=evaluation.to_json(),
        seconds=seconds,
    )


def evaluate_and_store(
    metric: str = DEFAULT_METRIC,
    courses: Collection[str] = (),
    *,
    user: Any = None,
    progress: Progress | None = None,
) -> ImpactResult:
    started = time.perf_counter()
    evaluation = evaluate(metric, courses, progress=progress)
    return store_evaluation(evaluation, user=user, seconds=time.perf_counter() - started)


class _Evaluator:
    """One evaluation: the steps share the panel, the headline fit and the threshold."""

    def __init__(
        self,
        panel: EstimationPanel,
        window: tuple[dt.date, dt.date],
        lockdown: dt.date,
        by_unit_type: bool,
        say: Progress,
    ) -> None:
        self.panel = panel
        self.data = panel.data
        self.window = window
        self.lockdown = lockdown
        self.by_unit_type = by_unit_type
        self.say = say
        self.k = int(settings.MIN_GROUP_SIZE)
        self.fe = "unit_type" if by_unit_type else None
        self.kw: dict[str, Any] = {
            "y": "y", "unit": "person", "time": "week", "cohort": "cohort", "fe_group": self.fe,
        }  # fmt: skip
        self.notices: list[Notice] = []
        self.eb: dict[str, Any] = {"effects_by": "cohort_period"}

    def note(self, code: str, severity: str = "info", **data: Any) -> None:
        self.notices.append(Notice(code, severity, _jsonable(data)))

    # -- the steps --

    def run(self) -> Evaluation:
        data = self.data
        self.say("imputation")
        self.result = stats.imputation(data, **self.kw, **self.eb)
        imputed = self.result.effects.index
        self.imputed_rows = data.loc[imputed]
        people = int(self.imputed_rows["person"].nunique())
        if people < self.k:
            raise TooFew(f"{people} trained people can be evaluated; at least {self.k} are needed")
        headline = Estimate.of(self.result.att, self.result.se)
        self.say("event study")
        event_study, pretrend = self._event_study()
        self.say("cross-check")
        cross_check, cs_study = self._cross_check(headline)
        self.say("naive comparison")
        naive = self._naive()
        self.say("cohorts")
        cohorts = self._cohorts()
        self.say("decomposition")
        decomposition = self._decomposition()
        self.say("lockdown")
        before_after = self._before_after()
        self.say("heterogeneity")
        heterogeneity = tuple(
            self._breakdown(by) for by in ("former_org", "unit_type", "is_leader")
        )
        self.say("sensitivity")
        sensitivity = self._sensitivity(cs_study)
        self.say("diagnostics")
        shares, never_share = self._diagnostics()
        if self.result.n_not_imputed:
            self.note("not_imputed", observations=int(self.result.n_not_imputed))
        trained = int(data.loc[data["cohort"] > 0, "person"].nunique())
        weeks = self.panel.weeks
        return Evaluation(
            metric=self.panel.metric.key,
            unit=self.panel.metric.unit,
            courses=self.panel.courses,
            by_unit_type=self.by_unit_type,
            min_group_size=self.k,
            first_week=weeks[0],
            last_week=weeks[-1],
            weeks=len(weeks),
            people=self.panel.people,
            trained=trained,
            never_share=never_share,
            headline=headline,
            headline_people=people,
            headline_observations=len(imputed),
            cross_check=cross_check,
            naive=naive,
            event_study=event_study,
            pretrend=pretrend,
            cohorts=cohorts,
            decomposition=decomposition,
            before_after=before_after,
            heterogeneity=heterogeneity,
            sensitivity=sensitivity,
            shares=shares,
            notices=tuple(self.notices),
        )

    # -- event study and the pre-trend test --

    def _event_study(self) -> tuple[tuple[Bin, ...], PreTrend | None]:
        data = self.data
        post = stats.imputation_event_study(data, **self.kw, **self.eb)
        post_people = self._people_by_bin(self.imputed_rows)
        bins = self._bins(stats.bin_event_study(post, width=BIN_WEEKS, weighting="observations"),
                          post_people)  # fmt: skip
        untreated = data[(data["cohort"] == 0) | (data["week"] < data["cohort"])].copy()
        untreated["placebo"] = np.where(
            untreated["cohort"] > 0, untreated["cohort"] - PRE_WEEKS, 0.0
        )
        placebo_kw = {**self.kw, "cohort": "placebo"}
        try:
            placebo_fit = stats.imputation(
                untreated, horizons=PRE_WEEKS - 1, **placebo_kw, **self.eb
            )
            placebo = stats.imputation_event_study(
                untreated, horizons=PRE_WEEKS - 1, **placebo_kw, **self.eb
            )
        except ValueError:
            self.note("no_pretest", "warning")
            return tuple(bins), None
        shifted = replace(placebo, e=placebo.e - PRE_WEEKS)
        pre_binned = stats.bin_event_study(shifted, width=BIN_WEEKS, weighting="observations")
        pre_rows = untreated.loc[placebo_fit.effects.index]
        pre_bins = self._bins(pre_binned, self._people_by_bin(pre_rows, "cohort"))
        table = pre_binned.table
        test = wald_test(
            table["att"].to_numpy(), pre_binned.covariance, np.eye(len(table), dtype=np.float64)
        )
        leads: float | None
        try:
            leads = float(stats.imputation_pretest(data, leads=PRE_WEEKS, **self.kw).p_value)
        except ValueError:
            leads = None
        power = self._power(pre_binned, pre_rows, untreated)
        fails = bool(np.isfinite(test.p_value) and test.p_value < ALPHA)
        pretrend = PreTrend(
            statistic=float(test.statistic),
            df=int(test.df),
            p_value=float(test.p_value),
            fails=fails,
            power=power,
            weak=power is None or power < WEAK_POWER,
            leads_p_value=leads if leads is not None and math.isfinite(leads) else None,
        )
        if fails:
            self.note("pretrend_fails", "warning", p_value=float(test.p_value))
        elif pretrend.weak:
            self.note("pretrend_weak", "warning", power=power)
        return (*pre_bins, *bins), pretrend

    def _people_by_bin(self, rows: pd.DataFrame, cohort: str = "cohort") -> dict[int, int]:
        """Distinct people behind each 4-week bin of event time (``week − cohort``)."""
        e = (rows["week"] - rows[cohort]).to_numpy()
        frame = pd.DataFrame({"bin": np.floor(e / BIN_WEEKS).astype(int), "person": rows["person"]})
        counts = frame.groupby("bin")["person"].nunique()
        return dict(
            zip(counts.index.astype(int).tolist(), counts.astype(int).tolist(), strict=True)
        )

    def _bins(self, binned: stats.BinnedEventStudy, people: Mapping[int, int]) -> list[Bin]:
        bins, hidden = [], 0
        for row in _records(binned.table):
            count = people.get(int(row["bin"]), 0)
            if count < self.k:
                hidden += 1
                continue
            bins.append(Bin(
                first=int(row["e_first"]), last=int(row["e_last"]), people=count,
                observations=int(row["n_obs"]), effect=Estimate.of(row["att"], row["se"]),
            ))  # fmt: skip
        if hidden:
            self.note("bins_hidden", bins=hidden)
        return bins

    def _power(
        self, pre: stats.BinnedEventStudy, pre_rows: pd.DataFrame, untreated: pd.DataFrame
    ) -> float | None:
        """Power of the pre-period test against a linear trend in the trained people's untreated
        outcome that, continued after training, would account for POWER_SHARE of the effect.

        Under a trend of ``s`` per week the imputation estimate is off by ``s (ē_post −
        ē_ref)`` (ē: mean weeks since training of the treated rows and of the trained people's
        untreated rows the unit effects are fitted on); a pre-period bin by ``s (ē_bin −
        ē_ref,pre)``. Non-central χ² power of the Wald test at that ``s``."""
        trained = untreated[untreated["cohort"] > 0]
        e_all = (trained["week"] - trained["cohort"]).to_numpy()
        e_post = (self.imputed_rows["week"] - self.imputed_rows["cohort"]).to_numpy()
        e_ref_pre = e_all[e_all < -PRE_WEEKS]
        if e_all.size == 0 or e_ref_pre.size == 0 or e_post.size == 0:
            return None
        lever = float(e_post.mean() - e_all.mean())
        if lever <= 0 or not math.isfinite(self.result.att):
            return None
        slope = POWER_SHARE * abs(self.result.att) / lever
        e_pre = (pre_rows["week"] - pre_rows["cohort"]).to_numpy()
        bins = np.floor(e_pre / BIN_WEEKS)
        centre = np.array([e_pre[bins == b].mean() for b in pre.table["bin"]])
        shift = slope * (centre - e_ref_pre.mean())
        lam = float(shift @ np.linalg.pinv(pre.covariance) @ shift)
        df = len(shift)
        critical = float(scipy_stats.chi2.ppf(1 - ALPHA, df))
        return float(scipy_stats.ncx2.sf(critical, df, lam))

    # -- Callaway & Sant'Anna within unit types, and the naive comparison --

    def _cross_check(self, headline: Estimate) -> tuple[CrossCheck, stats.EventStudy | None]:
        groups = self.data.groupby("unit_type") if self.by_unit_type else [("all", self.data)]
        parts: list[tuple[float, float, float, stats.EventStudy]] = []
        skipped = 0
        for _key, part in groups:
            if not (part["cohort"] > 0).any():
                continue
            try:
                result = stats.att_gt(
                    part, y="y", unit="person", time="week", cohort="cohort",
                    control_group="notyet", base_period="universal",
                )  # fmt: skip
                simple = result.aggregate("simple")
                study = stats.cs_event_study(result)
            except ValueError:
                skipped += 1
                continue
            weight = float(study.n_obs[study.e >= 0].sum())
            if (
                weight > 0
                and math.isfinite(simple.overall_att)
                and math.isfinite(simple.overall_se)
            ):
                parts.append((simple.overall_att, simple.overall_se, weight, study))
            else:
                skipped += 1
        if not parts:
            self.note("no_cross_check", "warning")
            return CrossCheck(None, None, False, 0, skipped), None
        weights = np.array([p[2] for p in parts])
        weights = weights / weights.sum()
        att = float(weights @ np.array([p[0] for p in parts]))
        se = float(np.sqrt((weights**2) @ np.array([p[1] for p in parts]) ** 2))
        cs = Estimate.of(att, se)
        difference = headline.estimate - cs.estimate
        threshold = float(scipy_stats.norm.ppf(1 - ALPHA / 2)) * math.hypot(headline.se, cs.se)
        disagrees = abs(difference) > threshold
        if disagrees:
            self.note("estimators_disagree", "warning", difference=difference)
        if skipped:
            self.note("cross_check_groups_skipped", skipped=skipped)
        return (
            CrossCheck(cs, difference, disagrees, len(parts), skipped),
            _combine_studies([p[3] for p in parts]),
        )

    def _naive(self) -> Naive:
        twfe = stats.twfe_static(self.data, **self.kw)
        comparison = stats.compare_twfe(twfe, self.result)
        return Naive(Estimate.of(twfe.coef, twfe.se), comparison.disagrees)

    # -- cohorts --

    def _cohorts(self) -> tuple[Cohort, ...]:
        rows = self.imputed_rows
        per_cohort = rows.groupby("cohort")["person"].nunique().sort_index()
        groups: list[list[float]] = []
        size = 0
        for cohort, count in per_cohort.items():
            if not groups or size >= self.k:
                groups.append([])
                size = 0
            groups[-1].append(float(typing.cast(float, cohort)))
            size += int(count)
        if len(groups) > 1 and size < self.k:  # the last group is too small: join the one before
            tail = groups.pop()
            groups[-1].extend(tail)
        label = {c: j for j, members in enumerate(groups) for c in members}
        if any(len(g) > 1 for g in groups):
            self.note("cohorts_merged", weeks=int(per_cohort.size), groups=len(groups))
        key = self.data["cohort"].map(label)
        key = key.where(self.data["cohort"] > 0)
        estimates = stats.imputation_estimands(
            self.data, means_by=key.to_numpy(), **self.kw, **self.eb
        )
        by_group = {int(r["name"]): r for r in _records(estimates.table)}
        cohorts = []
        for j, members in enumerate(groups):
            people = int(per_cohort.loc[members].sum())
            if people < self.k or j not in by_group:
                continue
            row = by_group[j]
            cohorts.append(Cohort(
                first_week=week_start(min(members)), last_week=week_start(max(members)),
                training_weeks=len(members), people=people,
                effect=Estimate.of(float(row["att"]), float(row["se"])),
            ))  # fmt: skip
        return tuple(cohorts)

    # -- decomposition --

    def _decomposition(self) -> Decomposition | None:
        data = self.data
        weeks = np.sort(data["week"].unique())
        # The first week that starts in the window, and the last week that starts in it.
        first_day, last_day = self.window
        wanted_start = week_number(first_day) + (1 if first_day.weekday() else 0)
        wanted_end = week_number(last_day)
        start_candidates = weeks[weeks >= wanted_start]
        end_candidates = weeks[weeks <= wanted_end]
        if start_candidates.size == 0 or end_candidates.size == 0:
            self.note("no_decomposition", "warning")
            return None
        start, end = float(start_candidates[0]), float(end_candidates[-1])
        if start >= end:
            self.note("no_decomposition", "warning")
            return None
        at_end = data[data["week"] == end]
        trained_end = int(((at_end["cohort"] > 0) & (at_end["cohort"] <= end)).sum())
        at_start = data[data["week"] == start]
        trained_start = int(((at_start["cohort"] > 0) & (at_start["cohort"] <= start)).sum())
        if trained_end < self.k:
            self.note("no_decomposition", "warning")
            return None
        try:
            result = stats.decompose(data, start=start, end=end, **self.kw, **self.eb)
        except ValueError:
            self.note("no_decomposition", "warning")
            return None
        if start != wanted_start or end != wanted_end:
            self.note("window_clipped", start=week_start(start), end=week_start(end))
        show_sides = trained_start == 0 or trained_start >= self.k
        return Decomposition(
            start=week_start(start),
            end=week_start(end),
            requested_start=self.window[0],
            requested_end=self.window[1],
            mean_start=result.mean_start,
            mean_end=result.mean_end,
            total=result.total_change,
            training=Estimate.from_interval(result.training),
            common=Estimate.from_interval(result.common),
            share_trained_start=result.share_trained_start,
            share_trained_end=result.share_trained_end,
            effect_trained_end=(
                Estimate.from_interval(result.effect_trained_end) if show_sides else None
            ),
            path=self._path(start, end),
            baseline_available=result.week_effects.baseline_available,
        )

    def _path(self, start: float, end: float) -> tuple[PathPoint, ...]:
        """The organisation's weekly mean over the window, and the same without the estimated
        contribution of training (shown only in weeks with at least k trained people)."""
        data = self.data
        means = data.groupby("week")["y"].mean()
        counts = data.groupby("week").size()
        window = data["week"].between(start, end)
        treated = (data["cohort"] > 0) & (data["week"] >= data["cohort"])
        key = data["week"].where(window & treated)
        estimates = stats.imputation_estimands(data, means_by=key.to_numpy(), **self.kw, **self.eb)
        names = [float(n) for n in estimates.table["name"]]
        att_by_week = dict(zip(names, estimates.table["att"].astype(float), strict=True))
        se_by_week = dict(zip(names, estimates.table["se"].astype(float), strict=True))
        trained_people = data[window & treated].groupby("week")["person"].nunique()
        share = (data[treated].groupby("week").size() / counts).fillna(0.0)
        points = []
        for week in sorted(w for w in means.index if start <= w <= end):
            actual = float(means[week])
            without = lower = upper = None
            if trained_people.get(week, 0) >= self.k and week in att_by_week:
                s = float(share.get(week, 0.0))
                effect = Estimate.of(s * att_by_week[week], s * se_by_week[week])
                without = actual - effect.estimate
                lower, upper = actual - effect.upper, actual - effect.lower
            elif trained_people.get(week, 0) == 0:
                without = lower = upper = actual
            last = week - 52
            points.append(PathPoint(
                week=week_start(week), actual=actual, without_training=without,
                lower=lower, upper=upper,
                last_year=float(means[last]) if last in means.index else None,
            ))  # fmt: skip
        return tuple(points)

    # -- before vs after the lockdown --

    def _before_after(self) -> BeforeAfter | None:
        split = float(week_number(self.lockdown))
        rows = self.imputed_rows
        before = int(rows.loc[rows["week"] < split, "person"].nunique())
        after = int(rows.loc[rows["week"] >= split, "person"].nunique())
        if before < self.k or after < self.k:
            self.note("no_before_after", split=self.lockdown)
            return None
        try:
            result = stats.effect_before_after(self.data, split=split, **self.kw, **self.eb)
        except ValueError:
            self.note("no_before_after", split=self.lockdown)
            return None
        return BeforeAfter(
            split=week_start(split),
            before=Estimate.from_interval(result.before),
            after=Estimate.from_interval(result.after),
            difference=Estimate.from_interval(result.difference),
            same_event_time=(
                Estimate.from_interval(result.same_event_time)
                if result.same_event_time is not None
                else None
            ),
            people_before=before,
            people_after=after,
            mean_weeks_before=result.mean_event_time_before,
            mean_weeks_after=result.mean_event_time_after,
            overlap_share=result.overlap_share,
        )

    # -- heterogeneity --

    def _breakdown(self, by: str) -> Breakdown:
        values = self.data[by].map(
            lambda v: str(v).lower() if isinstance(v, bool | np.bool_) else str(v)
        )
        rows = self.imputed_rows
        people = rows.groupby(values.loc[rows.index])["person"].nunique()
        small = [g for g, n in people.items() if n < self.k]
        merged = False
        if small:
            merged = True
            values = values.where(~values.isin(small), OTHER)
            people = rows.groupby(values.loc[rows.index])["person"].nunique()
            if people.get(OTHER, 0) < self.k or len(people) < 2:
                self.note("breakdown_withheld", by=by)
                return Breakdown(by, (), None, merged, True)
        if len(people) < 2:
            return Breakdown(by, (), None, merged, False)
        frame = self.data.assign(_group=values)
        # τ̃ cells by weeks since training (× group): cohort × week × group cells would often
        # hold a single person, whose τ̃ is then their own effect and whose noise would vanish.
        result = stats.effects_by_group(frame, by="_group", effects_by="event_time", **self.kw)
        size = {str(g): int(n) for g, n in people.items()}
        groups = tuple(
            Group(str(r["group"]), size[str(r["group"])], int(r["n_obs"]),
                  Estimate.of(r["att"], r["se"]))
            for r in _records(result.table)
            if size.get(str(r["group"]), 0) >= self.k
        )  # fmt: skip
        p_value = result.equality.p_value
        return Breakdown(by, groups, p_value if math.isfinite(p_value) else None, merged, False)

    # -- sensitivity --

    def _sensitivity(self, study: stats.EventStudy | None) -> Sensitivity | None:
        if study is None:
            return None
        keep = (study.e >= -PRE_WEEKS) & (study.e < SENSITIVITY_WEEKS)
        window = stats.EventStudy(
            study.estimator, study.e[keep], study.att[keep],
            study.covariance[np.ix_(keep, keep)], study.n_obs[keep], study.reference,
        )  # fmt: skip
        people = int(window.n_obs[window.e == 0].sum()) if np.any(window.e == 0) else 0
        if people < self.k:
            self.note("no_sensitivity")
            return None
        weeks = int(np.sum(window.e >= 0))
        try:
            result = stats.sensitivity(
                window, "relative_magnitudes", grid=MBAR_GRID, l_vec=[1.0 / weeks] * weeks
            )
        except ValueError:
            self.note("no_sensitivity")
            return None
        rows = tuple(
            SensitivityRow(float(r["m"]), float(r["lower"]), float(r["upper"]))
            for r in _records(result.table)
        )
        return Sensitivity(
            weeks=weeks,
            original=Estimate.from_interval(result.original),
            rows=rows,
            breakdown=result.breakdown if math.isfinite(result.breakdown) else None,
            people=people,
        )

    # -- design diagnostics --

    def _diagnostics(self) -> tuple[tuple[WeekShares, ...], float]:
        result = stats.design_diagnostics(
            self.data, unit="person", time="week", cohort="cohort", y="y",
            min_controls=max(30, self.k), min_cohort_size=self.k,
        )  # fmt: skip
        shares = tuple(
            WeekShares(week_start(r["time"]), round(float(r["share_treated"]), 4),
                       round(float(r["share_not_yet"]), 4), round(float(r["share_never"]), 4))
            for r in _records(result.periods)
        )  # fmt: skip
        for warning in result.warnings:
            data = warning.data
            if warning.code in ("no_controls", "few_controls"):
                periods = [week_start(p) for p in data.get("periods", ())]
                self.note(warning.code, "warning", weeks=len(periods), first=min(periods),
                          last=max(periods))  # fmt: skip
            elif warning.code == "never_treated_only":
                self.note(warning.code, warning.severity,
                          first=week_start(data["first_period"]), weeks=int(data["n_periods"]),
                          share=float(data["min_never_share"]))  # fmt: skip
            elif warning.code == "no_never_treated":
                self.note(warning.code, "warning")
            elif warning.code == "treated_before_data":
                count = int(data["n_units"])
                self.note(warning.code, at_least=self.k if count >= self.k else None)
            # small_cohorts: weekly cohorts below k are merged (notice "cohorts_merged").
        never_share = result.n_never / result.n_units if result.n_units else 0.0
        return shares, float(never_share)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return typing.cast(list[dict[str, Any]], table.to_dict("records"))


def _combine_studies(studies: list[stats.EventStudy]) -> stats.EventStudy | None:
    """Event studies of disjoint groups of people combined: at each event time the average
    weighted by the treated people behind it, with covariance ``Σ_g W_g V_g W_g'`` (independent
    groups, fixed weights)."""
    if not studies:
        return None
    grid = np.unique(np.concatenate([s.e for s in studies]))
    n = np.zeros((len(studies), grid.size))
    for j, s in enumerate(studies):
        n[j, np.searchsorted(grid, s.e)] = s.n_obs
    total = n.sum(axis=0)
    att = np.zeros(grid.size)
    cov = np.zeros((grid.size, grid.size))
    for j, s in enumerate(studies):
        pos = np.searchsorted(grid, s.e)
        w = np.divide(n[j, pos], total[pos], out=np.zeros(pos.size), where=total[pos] > 0)
        weights = np.zeros((grid.size, s.e.size))
        weights[pos, np.arange(s.e.size)] = w
        att += weights @ s.att
        cov += weights @ s.covariance @ weights.T
    return stats.EventStudy("callaway_santanna", grid, att, cov, total, studies[0].reference)


# --- JSON in and out ----------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


T = TypeVar("T")


def _load(kind: Any, value: Any) -> Any:
    """``value`` (from :func:`_jsonable`) as an instance of the annotated type ``kind``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if value is None else _load(options[0], value)
    if origin is tuple:
        return tuple(_load(typing.get_args(kind)[0], v) for v in value)
    if origin is Mapping or origin is dict:
        return dict(value)
    if is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _load(hints[f.name], value[f.name]) for f in fields(kind)})
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is float:
        return math.nan if value is None else float(value)
    return value
