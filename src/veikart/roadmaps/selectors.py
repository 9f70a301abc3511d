"""Reads of the roadmap, for a user: initiatives, targets and each target's live status.

Who sees what:

- Anyone signed in with a role in Veikart (every employee) sees the initiatives, their
  milestones and dependencies, and the targets' definitions.
- The programme lead, administrators, the executive and IT (:data:`ROADMAP_ROLES`) see every
  target's figures: value, status and forecast.
- A unit manager sees the figures of the targets whose population they may see adoption figures
  for: the whole organisation (not its leaders), and a unit inside their own subtrees. Any other
  target shows its definition only. The figures come through
  :func:`veikart.adoption.selectors.series` with the user, so the adoption scoping holds here too.
- Editing is for the programme lead and administrators (:data:`EDITOR_ROLES`).

A target's status is computed when it is read, from the stored adoption figures (metric targets)
or the training plan (course targets), so it follows every ingest and every attendance list with
no step of its own. The rules are in :func:`metric_state` and :func:`course_state`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from veikart.adoption import dashboards
from veikart.adoption import selectors as adoption
from veikart.adoption.engine.registry import REGISTRY, Metric
from veikart.adoption.models import Grain
from veikart.core.access import SYSTEM, Access, AnyUser, get_access
from veikart.organisations.constants import UnitType
from veikart.roadmaps import forecast as forecasting
from veikart.roadmaps.constants import (
    EDITOR_ROLES,
    FORECAST_HISTORY_WEEKS,
    FORECAST_MIN_WEEKS,
    FORECAST_WEEKS_AFTER_DUE,
    OFF_TRACK_PROBABILITY,
    ON_TRACK_PROBABILITY,
    ROADMAP_ROLES,
    Direction,
    Population,
    Status,
    TargetKind,
)
from veikart.roadmaps.models import Initiative, Milestone, Target
from veikart.trainings import plan as training_plan
from veikart.trainings.constants import TargetStatus

FORECAST_CACHE_SECONDS = 24 * 3600

# --- Who sees what -------------------------------------------------------------------------------


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def sees_roadmap(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles)


def can_edit(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles & EDITOR_ROLES)


def sees_all_figures(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles & ROADMAP_ROLES)


def sees_figures_of(who: AnyUser | Access | None, target: Target) -> bool:
    """May ``who`` see ``target``'s value, status and forecast?"""
    access = _access(who)
    if access.roles & ROADMAP_ROLES:
        return True
    if not access.unit_paths:
        return False
    if target.population == Population.EVERYONE and not target.leaders_only:
        # The adoption dashboards show a unit manager the whole organisation's figures to compare
        # with; the training plan shows them their own subtree only.
        return target.kind == TargetKind.METRIC
    if target.population == Population.UNIT and target.unit is not None:
        return any(target.unit.path.startswith(path) for path in access.unit_paths)
    return False


def get_initiatives_for_user(who: AnyUser | Access | None) -> QuerySet[Initiative]:
    if not sees_roadmap(who):
        raise PermissionDenied
    return Initiative.objects.prefetch_related(
        "units",
        "depends_on_courses",
        "depends_on_decisions",
        Prefetch("milestones", queryset=Milestone.objects.order_by("date", "pk")),
        Prefetch("targets", queryset=get_targets()),
    )


def get_initiative_for_user(who: AnyUser | Access | None, pk: int) -> Initiative:
    try:
        return get_initiatives_for_user(who).get(pk=pk)
    except Initiative.DoesNotExist:
        raise Http404("No such initiative") from None


def get_targets() -> QuerySet[Target]:
    return Target.objects.select_related(
        "initiative", "unit", "former_organisation", "course", "training_target"
    )


def get_targets_for_user(who: AnyUser | Access | None) -> QuerySet[Target]:
    if not sees_roadmap(who):
        raise PermissionDenied
    return get_targets().order_by("initiative__start", "initiative__code", "due_date", "code", "pk")


def get_target_for_user(who: AnyUser | Access | None, pk: int) -> Target:
    try:
        return get_targets_for_user(who).get(pk=pk)
    except Target.DoesNotExist:
        raise Http404("No such target") from None


def get_milestone_for_user(who: AnyUser | Access | None, pk: int) -> Milestone:
    if not sees_roadmap(who):
        raise PermissionDenied
    try:
        return Milestone.objects.select_related("initiative").get(pk=pk)
    except Milestone.DoesNotExist:
        raise Http404("No such milestone") from None


# --- Words ---------------------------------------------------------------------------------------


def population_text(target: Target) -> str:
    """The population as a noun phrase inside a sentence: "hele organisasjonen", "ledere i …"."""
    if target.population == Population.UNIT and target.unit is not None:
        if target.leaders_only:
            return _("leaders in %(unit)s") % {"unit": target.unit.name}
        return target.unit.name
    if target.population == Population.UNIT_TYPE:
        label = _unit_type_label(target.unit_type)
        return _("units of the type “%(type)s”") % {"type": label}
    if target.population == Population.FORMER_ORGANISATION and target.former_organisation:
        return _("employees from %(organisation)s") % {
            "organisation": target.former_organisation.name
        }
    if target.leaders_only:
        return _("leaders in the whole organisation")
    return _("the whole organisation")


def _unit_type_label(value: str) -> str:
    try:
        return str(UnitType(value).label)
    except ValueError:
        return value


def measure_name(target: Target) -> str:
    """What the target measures: the metric's name, or "Attended <course>"."""
    if target.kind == TargetKind.COURSE_SHARE:
        title = target.course.title if target.course is not None else "?"
        return _("Share who attended “%(course)s”") % {"course": title}
    metric = REGISTRY.get(target.metric)
    return dashboards.metric_name(metric) if metric is not None else target.metric


def threshold_text(target: Target) -> str:
    """The threshold in its unit: "80 %", "20", "0,6"."""
    value = target.threshold.normalize()
    decimals = max(0, -int(value.as_tuple().exponent))
    text = dashboards.number(value, decimals)
    metric = REGISTRY.get(target.metric)
    if target.kind == TargetKind.COURSE_SHARE or (metric is not None and metric.unit == "percent"):
        return _("%(value)s%%") % {"value": text}
    return text


def short_date(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def goal_text(target: Target) -> str:
    """The target in a few words: "at least 80 % by 30.06.2020"."""
    values = {"threshold": threshold_text(target), "due": short_date(target.due_date)}
    if target.direction == Direction.AT_MOST:
        return _("at most %(threshold)s by %(due)s") % values
    return _("at least %(threshold)s by %(due)s") % values


def value_text(target: Target, value: float | None) -> str:
    if value is None:
        return "–"
    metric = REGISTRY.get(target.metric)
    if target.kind == TargetKind.COURSE_SHARE or metric is None:
        return dashboards.whole_percent(Decimal(round(value)))
    return dashboards.format_value(metric, value)


# --- Status --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One week of the target's metric for its population (``value`` None where hidden)."""

    period: dt.date
    value: float | None  # in the metric's unit (per cent for shares)
    suppressed: bool


@dataclass(frozen=True)
class Outlook:
    """The forecast, in the metric's unit (per cent for shares), for the chart and the API."""

    weeks: tuple[dt.date, ...]
    median: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    reached_on: dt.date | None
    reached_lower: dt.date | None
    reached_upper: dt.date | None
    probability_by_due: float | None
    reason: str | None
    model: str | None
    band_level: float
    from_week: dt.date  # the last observed week: the forecast is drawn from it on


@dataclass(frozen=True)
class TargetState:
    target: Target
    shown: bool  # False: the user may not see this target's figures
    status: Status | None  # None when not shown
    value: float | None  # the value the status is judged on (metric unit; per cent for shares)
    period: dt.date | None  # the week (Monday) of ``value``; for a course target the day
    n: int | None
    points: tuple[Point, ...]
    outlook: Outlook | None
    sentences: tuple[str, ...]
    as_of: dt.date | None  # the last day the figures cover

    @property
    def sentence(self) -> str:
        return " ".join(self.sentences)

    @property
    def value_text(self) -> str:
        return value_text(self.target, self.value)

    @property
    def measure(self) -> str:
        return measure_name(self.target)

    @property
    def population(self) -> str:
        return population_text(self.target)

    @property
    def goal(self) -> str:
        return goal_text(self.target)

    @property
    def period_text(self) -> str:
        if self.period is None:
            return ""
        if self.target.kind == TargetKind.COURSE_SHARE:
            return short_date(self.period)
        return dashboards.period_label(self.period, Grain.WEEK)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def figure_group(target: Target) -> tuple[str, int | None, str]:
    """The stored breakdown, unit and attribute of the target's population."""
    if target.population == Population.UNIT:
        if target.leaders_only:
            return "unit_subtree+is_leader", target.unit_id, "true"
        return "unit_subtree", target.unit_id, ""
    if target.population == Population.UNIT_TYPE:
        return "unit_type", None, target.unit_type
    if target.population == Population.FORMER_ORGANISATION:
        code = target.former_organisation.code if target.former_organisation else ""
        return "former_org", None, code
    if target.leaders_only:
        return "is_leader", None, "true"
    return "", None, ""


def meets(target: Target, value: float) -> bool:
    """Does ``value`` (rounded as shown) meet the threshold?"""
    metric = REGISTRY.get(target.metric)
    shown = dashboards.rounded(metric, value) if metric is not None else Decimal(repr(value))
    if target.direction == Direction.AT_MOST:
        return shown <= target.threshold
    return shown >= target.threshold


def latest_week() -> dt.date | None:
    """The Monday of the last week with stored figures: the roadmap's "now" for metrics."""
    return adoption.latest_period(Grain.WEEK)


def target_state(
    who: AnyUser | Access | None,
    target: Target,
    *,
    today: dt.date | None = None,
    latest: dt.date | None = None,
) -> TargetState:
    """The live status of ``target`` as ``who`` may see it."""
    access = _access(who)
    if not sees_figures_of(access, target):
        return _not_shown(target, access)
    if target.kind == TargetKind.COURSE_SHARE:
        return course_state(access, target, today=today or timezone.localdate())
    return metric_state(access, target, latest=latest if latest is not None else latest_week())


def target_states(
    who: AnyUser | Access | None, targets: Iterable[Target], *, today: dt.date | None = None
) -> list[TargetState]:
    latest = latest_week()
    return [target_state(who, t, today=today, latest=latest) for t in targets]


def _not_shown(target: Target, access: Access) -> TargetState:
    if access.unit_paths:
        why = _(
            "This target's figures cover people outside your units, so they are not shown to you."
        )
    else:
        why = _("The programme lead, leaders and IT see the targets' figures.")
    return TargetState(target, False, None, None, None, None, (), None, (why,), None)


def _state(
    target: Target,
    status: Status,
    sentences: Sequence[str],
    *,
    value: float | None = None,
    period: dt.date | None = None,
    n: int | None = None,
    points: Sequence[Point] = (),
    outlook: Outlook | None = None,
    as_of: dt.date | None = None,
) -> TargetState:
    return TargetState(
        target, True, status, value, period, n, tuple(points), outlook, tuple(sentences), as_of
    )


def metric_state(access: Access, target: Target, *, latest: dt.date | None) -> TargetState:
    """Status of a metric target from the stored weekly figures of its population.

    The figures' "now" is the last week with stored figures (``latest``). When that week reaches
    the due date's week, the target is decided on the last figure on or before the due date:
    *met* or *off track* (missed). Before, the target is *met* when its latest figure meets the
    threshold; otherwise the forecast's probability of meeting it by the due date decides: *on
    track* from :data:`ON_TRACK_PROBABILITY`, *off track* below :data:`OFF_TRACK_PROBABILITY`,
    *at risk* between. Hidden weeks (too few people) are gaps: when the figure the status would
    rest on is hidden, the status is *not enough people to show*, with no number and no forecast.
    """
    metric = REGISTRY.get(target.metric)
    name, population = measure_name(target), population_text(target)
    if metric is None or latest is None:
        return _state(
            target,
            Status.NO_DATA,
            [_("There are no adoption figures yet.")],
        )
    points = _points(access, target, metric)
    as_of = latest + dt.timedelta(days=6)
    decided = monday(target.due_date) <= latest
    candidates = [p for p in points if not decided or p.period <= monday(target.due_date)]
    if not candidates:
        return _state(
            target,
            Status.NO_DATA,
            [
                _("There are no figures of %(metric)s for %(population)s yet.")
                % {"metric": dashboards.lower_first(name), "population": population}
            ],
            points=points,
            as_of=as_of,
        )
    current = candidates[-1]
    period = dashboards.period_text(current.period, Grain.WEEK)
    if current.suppressed:
        return _state(
            target,
            Status.HIDDEN,
            [
                _("%(metric)s for %(population)s: not enough people to show in %(period)s.")
                % {"metric": name, "population": population, "period": period},
                _(
                    "Veikart never shows a figure over fewer than %(k)d people, or one that "
                    "would reveal such a group."
                )
                % {"k": int(settings.MIN_GROUP_SIZE)},
            ],
            period=current.period,
            points=points,
            as_of=as_of,
        )
    if current.value is None:
        return _state(
            target,
            Status.NO_DATA,
            [
                _("The usage reports %(metric)s is computed from are missing for %(period)s.")
                % {"metric": dashboards.lower_first(name), "period": period}
            ],
            period=current.period,
            points=points,
            as_of=as_of,
        )
    first = _value_sentence(target, name, population, current.value, period)
    n = _n_of(access, target, current.period)

    def judged(status: Status, sentences: list[str], outlook: Outlook | None = None) -> TargetState:
        return _state(
            target,
            status,
            sentences,
            value=current.value,
            period=current.period,
            n=n,
            points=points,
            outlook=outlook,
            as_of=as_of,
        )

    if decided:
        if meets(target, current.value):
            return judged(Status.MET, [first, _("The target was met by the due date.")])
        return judged(Status.OFF_TRACK, [first, _("The target was not met by the due date.")])
    if meets(target, current.value):
        return judged(Status.MET, [first, _("The target is met.")])
    outlook = _outlook(target, metric, points, latest)
    status, forecast_sentences = _judge(target, outlook)
    return judged(status, [first, *forecast_sentences], outlook)


def _value_sentence(target: Target, name: str, population: str, value: float, period: str) -> str:
    values = {
        "metric": name,
        "population": population,
        "value": value_text(target, value),
        "period": period,
        "threshold": threshold_text(target),
        "due": short_date(target.due_date),
    }
    if target.direction == Direction.AT_MOST:
        return (
            _(
                "%(metric)s for %(population)s: %(value)s in %(period)s (target: at most "
                "%(threshold)s by %(due)s)."
            )
            % values
        )
    return (
        _(
            "%(metric)s for %(population)s: %(value)s in %(period)s (target: at least "
            "%(threshold)s by %(due)s)."
        )
        % values
    )


def _points(access: Access, target: Target, metric: Metric) -> list[Point]:
    breakdown, unit_id, attribute = figure_group(target)
    cells = adoption.series(
        access,
        metric=metric.key,
        grain=Grain.WEEK,
        breakdown=breakdown,
        unit_ids=[unit_id] if unit_id is not None else None,
    )
    return [
        Point(c.period, c.value, c.suppressed)
        for c in cells
        if c.attribute == attribute and (unit_id is not None or c.unit_id is None)
    ]


def _n_of(access: Access, target: Target, period: dt.date) -> int | None:
    breakdown, unit_id, attribute = figure_group(target)
    figures = adoption.figures_for_user(access).filter(
        grain=Grain.WEEK, breakdown=breakdown, period=period, attribute=attribute, visible=True
    )
    figures = figures.filter(unit_id=unit_id) if unit_id is not None else figures
    return figures.values_list("n", flat=True).first()


def _scale(metric: Metric) -> float:
    """Values in the forecast's terms: shares as 0–1."""
    return 100.0 if metric.unit == "percent" else 1.0


def _outlook(target: Target, metric: Metric, points: Sequence[Point], latest: dt.date) -> Outlook:
    scale = _scale(metric)
    since = latest - dt.timedelta(weeks=FORECAST_HISTORY_WEEKS)
    history = [p for p in points if p.period > since]
    weeks = [p.period for p in history]
    values = [None if p.value is None else p.value / scale for p in history]
    horizon = max(
        target.due_date + dt.timedelta(weeks=FORECAST_WEEKS_AFTER_DUE),
        latest + dt.timedelta(weeks=FORECAST_MIN_WEEKS),
    )
    kind: forecasting.Kind = "share" if metric.unit in ("percent", "ratio") else "level"
    result = cached_forecast(
        weeks,
        values,
        threshold=float(target.threshold) / scale,
        direction="at_most" if target.direction == Direction.AT_MOST else "at_least",
        due=target.due_date,
        horizon=horizon,
        kind=kind,
    )
    return Outlook(
        weeks=result.weeks,
        median=tuple(v * scale for v in result.median),
        lower=tuple(v * scale for v in result.lower),
        upper=tuple(v * scale for v in result.upper),
        reached_on=result.reached_on,
        reached_lower=result.reached_lower,
        reached_upper=result.reached_upper,
        probability_by_due=result.probability_by_due,
        reason=result.reason,
        model=result.fit.model if result.fit is not None else None,
        band_level=result.band_level,
        from_week=history[-1].period if history else latest,
    )


def cached_forecast(
    weeks: Sequence[dt.date],
    values: Sequence[float | None],
    *,
    threshold: float,
    direction: forecasting.Direction,
    due: dt.date,
    horizon: dt.date,
    kind: forecasting.Kind,
) -> forecasting.Forecast:
    """:func:`forecasting.forecast`, remembered by its inputs: new figures are new inputs, so a
    cached forecast never outlives the figures it was made from."""
    inputs = repr((list(weeks), list(values), threshold, direction, due, horizon, kind))
    key = "roadmaps:forecast:" + hashlib.sha256(inputs.encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, forecasting.Forecast):
        return found
    result = forecasting.forecast(
        weeks,
        values,
        threshold=threshold,
        direction=direction,
        due=due,
        horizon=horizon,
        kind=kind,
        seed=0,
    )
    cache.set(key, result, FORECAST_CACHE_SECONDS)
    return result


def _judge(target: Target, outlook: Outlook) -> tuple[Status, list[str]]:
    """Status and forecast sentences for a target not met yet, before its due date."""
    if outlook.probability_by_due is None or outlook.model is None:
        return Status.NO_DATA, [
            _("No forecast yet: it needs at least %(weeks)d weeks with figures.")
            % {"weeks": forecasting.MIN_POINTS}
        ]
    probability = outlook.probability_by_due
    if probability >= ON_TRACK_PROBABILITY:
        status = Status.ON_TRACK
    elif probability < OFF_TRACK_PROBABILITY:
        status = Status.OFF_TRACK
    else:
        status = Status.AT_RISK
    sentences = [_forecast_sentence(target, outlook)]
    sentences.append(
        _("The chance of meeting the target by the due date is about %(probability)s.")
        % {"probability": dashboards.whole_percent(Decimal(round(100 * probability)))}
    )
    if outlook.reason == "linear_trend":
        sentences.append(
            _(
                "No adoption curve fits the figures better than a straight line, so the "
                "forecast extends the line."
            )
        )
    elif outlook.reason == "no_variation":
        sentences.append(_("The figures have not changed, so the forecast is a flat line."))
    return status, sentences


def _forecast_sentence(target: Target, outlook: Outlook) -> str:
    reached = outlook.reached_on
    if reached is None:
        last = outlook.weeks[-1] if outlook.weeks else target.due_date
        return _("Forecast: not reached by %(period)s.") % {
            "period": dashboards.period_text(monday(last), Grain.WEEK)
        }
    period = dashboards.period_text(monday(reached), Grain.WEEK)
    if reached <= target.due_date:
        return _("Forecast: reached around %(period)s, probably in time.") % {"period": period}
    return _("Forecast: reached around %(period)s, probably too late.") % {"period": period}


def course_state(access: Access, target: Target, *, today: dt.date) -> TargetState:
    """Status of a course target from the training plan's progress of its linked target.

    The plan's *met* and *on track* are kept; its *behind* is *off track* once the due date has
    passed and *at risk* before. A population under the group threshold gets no share and no
    status (*not enough people to show*), as in the plan.
    """
    training_target = target.training_target
    name, population = measure_name(target), population_text(target)
    if training_target is None:
        return _state(
            target,
            Status.NO_DATA,
            [
                _(
                    "The training plan target this target was linked to has been deleted. "
                    "Save the target again to link it to the training plan."
                )
            ],
        )
    # Roadmap readers see the plan's aggregate progress, not who is missing (that stays with
    # the plan's own roles); a unit manager's progress is over their subtree.
    scope = SYSTEM if access.roles & ROADMAP_ROLES else access
    progress = training_plan.progress(scope, training_target, today=today)
    day = min(today, target.due_date)
    if progress.status is None or progress.share is None:
        return _state(
            target,
            Status.HIDDEN,
            [
                _("%(metric)s for %(population)s: not enough people to show on %(day)s.")
                % {"metric": name, "population": population, "day": short_date(day)},
                _(
                    "Veikart never shows a figure over fewer than %(k)d people, or one that "
                    "would reveal such a group."
                )
                % {"k": int(settings.MIN_GROUP_SIZE)},
            ],
            period=day,
        )
    share = 100 * progress.trained_by_due / progress.population if progress.due_passed else None
    value = share if share is not None else progress.share
    first = _(
        "%(metric)s for %(population)s: %(value)s on %(day)s (target: at least %(threshold)s by "
        "%(due)s)."
    ) % {
        "metric": name,
        "population": population,
        "value": value_text(target, value),
        "day": short_date(day),
        "threshold": threshold_text(target),
        "due": short_date(target.due_date),
    }
    if progress.status == TargetStatus.MET:
        status, second = (
            Status.MET,
            _("The target was met by the due date.")
            if progress.due_passed
            else _("The target is met."),
        )
    elif progress.status == TargetStatus.ON_TRACK:
        status, second = (
            Status.ON_TRACK,
            _("At least as many have attended as an even pace to the due date would give."),
        )
    elif progress.due_passed:
        status, second = Status.OFF_TRACK, _("The target was not met by the due date.")
    else:
        status, second = (
            Status.AT_RISK,
            _("Fewer have attended than an even pace to the due date would give."),
        )
    return _state(
        target,
        status,
        [first, second],
        value=value,
        period=day,
        n=progress.population,
        as_of=today,
    )


# --- The roadmap as a whole ----------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeRow:
    initiative: Initiative
    states: tuple[TargetState, ...]


@dataclass(frozen=True)
class Overview:
    rows: tuple[InitiativeRow, ...]
    latest: dt.date | None
    counts: tuple[tuple[Status, int], ...]  # shown statuses, in Status order


def overview(who: AnyUser | Access | None, *, today: dt.date | None = None) -> Overview:
    access = _access(who)
    initiatives = list(get_initiatives_for_user(access))
    latest = latest_week()
    rows = tuple(
        InitiativeRow(
            i,
            tuple(target_state(access, t, today=today, latest=latest) for t in i.targets.all()),
        )
        for i in initiatives
    )
    found = [s.status for row in rows for s in row.states if s.status is not None]
    counts = tuple((status, found.count(status)) for status in Status if status in found)
    return Overview(rows, latest, counts)
