"""An :class:`~veikart.impact.services.Evaluation` in words, tables and charts — what the impact
page, the HTML report and the PDF report all show (in the active language; bokmål by default).

Everything here formats numbers that the evaluation already holds; nothing is computed over
people, so nothing can reveal a group smaller than the threshold the evaluation kept to.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from veikart.adoption.dashboards import DECIMALS, MINUS, metric_name, number
from veikart.adoption.engine import REGISTRY, Metric
from veikart.impact import charts
from veikart.impact.panel import NO_FORMER_ORG
from veikart.impact.services import (
    OTHER,
    Bin,
    Breakdown,
    Estimate,
    Evaluation,
    Notice,
)
from veikart.organisations.constants import UnitType
from veikart.organisations.models import FormerOrganisation


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class SimpleTable:
    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite chart for the page (``adoption/_chart.html`` draws it) and its figures."""

    key: str
    title: str
    description: str
    spec: dict[str, object]
    table: None = None  # the figures are in a SimpleTable beside the chart

    @property
    def spec_id(self) -> str:
        return f"{self.key}-spec"


@dataclass(frozen=True)
class Message:
    text: str
    severity: str  # "danger" | "warning" | "info"


@dataclass
class Presentation:
    """The words, tables and charts of one evaluation."""

    evaluation: Evaluation
    created_at: dt.datetime | None = None
    former_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, evaluation: Evaluation, created_at: dt.datetime | None = None) -> Presentation:
        names = dict(FormerOrganisation.objects.values_list("code", "name"))
        return cls(evaluation, created_at, names)

    # -- words and numbers --

    @property
    def metric(self) -> Metric:
        return REGISTRY[self.evaluation.metric]

    @property
    def metric_name(self) -> str:
        return metric_name(self.metric)

    @property
    def decimals(self) -> int:
        return DECIMALS[self.metric.unit]

    def value(self, x: float, *, signed: bool = False, decimals: int | None = None) -> str:
        if x is None or not math.isfinite(x):
            return "–"
        places = self.decimals if decimals is None else decimals
        rounded = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places))
        text = number(rounded, places)
        return f"+{text}" if signed and rounded > 0 else text

    def effect(self, x: float) -> str:
        """A signed effect with its unit (percentage points for a share of people)."""
        text = self.value(x, signed=True)
        if self.metric.unit == "percent":
            return _("%(value)s percentage points") % {"value": text}
        return text

    def interval(self, estimate: Estimate) -> str:
        return f"{self.value(estimate.lower)}–{self.value(estimate.upper)}"

    def share(self, x: float) -> str:
        return _("%(value)s%%") % {"value": number(Decimal(round(100 * x)), 0)}

    def p_value(self, p: float) -> str:
        if not math.isfinite(p):
            return "–"
        if p < 0.001:
            return "< 0,001" if not _english() else "< 0.001"
        return number(Decimal(repr(p)).quantize(Decimal("0.001")), 3)

    def week(self, day: dt.date) -> str:
        year, week, _day = day.isocalendar()
        return _("week %(week)d %(year)d") % {"week": week, "year": year}

    def date(self, day: dt.date) -> str:
        return formats.date_format(day, "DATE_FORMAT")

    @property
    def courses(self) -> str:
        return ", ".join(self.evaluation.courses) if self.evaluation.courses else _("all courses")

    # -- the headline --

    @property
    def decomposition_sentence(self) -> str | None:
        d = self.evaluation.decomposition
        if d is None:
            return None
        start, end = self.week(d.start), self.week(d.end)
        if d.total > 0:
            share = d.training.estimate / d.total
            return _(
                "Of the rise in “%(metric)s” from %(start)s to %(end)s, %(share)s (95%% CI "
                "%(lower)s–%(upper)s) is due to the courses; the rest came to everyone, trained or "
                "not (the pandemic and other common causes)."
            ) % {
                "metric": self.metric_name,
                "start": start,
                "end": end,
                "share": self.share(share),
                "lower": number(Decimal(round(100 * d.training.lower / d.total)), 0),
                "upper": self.share(d.training.upper / d.total),
            }
        return _(
            "From %(start)s to %(end)s “%(metric)s” did not rise but changed by %(change)s. The "
            "courses account for %(training)s of it (95%% CI %(lower)s–%(upper)s); the rest came "
            "to everyone, trained or not (the pandemic and other common causes)."
        ) % {
            "metric": self.metric_name,
            "start": start,
            "end": end,
            "change": self.effect(d.total),
            "training": self.effect(d.training.estimate),
            "lower": self.value(d.training.lower),
            "upper": self.value(d.training.upper),
        }

    @property
    def decomposition_details(self) -> str | None:
        d = self.evaluation.decomposition
        if d is None:
            return None
        return _(
            "The organisation's weekly average went from %(before)s to %(after)s (%(change)s). "
            "Of that, the courses account for %(training)s (95%% CI %(interval)s): "
            "%(trained)s of the employees were trained by %(end)s. The rest, %(common)s, "
            "came to trained and untrained alike."
        ) % {
            "before": self.value(d.mean_start),
            "after": self.value(d.mean_end),
            "change": self.effect(d.total),
            "training": self.effect(d.training.estimate),
            "interval": self.interval(d.training),
            "trained": self.share(d.share_trained_end),
            "end": self.week(d.end),
            "common": self.effect(d.common.estimate),
        }

    @property
    def effect_sentence(self) -> str:
        e = self.evaluation
        return _(
            "Among the %(people)s trained employees the evaluation could use, the courses changed "
            "“%(metric)s” by %(effect)s per person and week after their course (95%% CI "
            "%(interval)s)."
        ) % {
            "people": e.headline_people,
            "metric": self.metric_name,
            "effect": self.effect(e.headline.estimate),
            "interval": self.interval(e.headline),
        }

    @property
    def cross_check_sentence(self) -> str | None:
        c = self.evaluation.cross_check
        if c.callaway_santanna is None:
            return None
        text = _(
            "Cross-check with a second method (Callaway & Sant'Anna): %(effect)s (95%% CI "
            "%(interval)s)."
        ) % {
            "effect": self.effect(c.callaway_santanna.estimate),
            "interval": self.interval(c.callaway_santanna),
        }
        if not c.disagrees:
            text += " " + _("The two methods agree within their uncertainty.")
        return text

    @property
    def naive_sentence(self) -> str:
        n = self.evaluation.naive
        text = _(
            "For comparison only: a plain two-way fixed-effects regression — the common method, "
            "which is biased when people are trained at different times — gives %(effect)s "
            "(95%% CI %(interval)s)."
        ) % {"effect": self.effect(n.twfe.estimate), "interval": self.interval(n.twfe)}
        if n.disagrees:
            text += " " + _(
                "It differs clearly from the estimate above; the estimate above is the one to use."
            )
        return text

    @property
    def pretrend_message(self) -> Message | None:
        p = self.evaluation.pretrend
        if p is None:
            return None
        values = {"p": self.p_value(p.p_value), "power": self.share(p.power or 0.0)}
        if p.fails:
            return Message(
                _(
                    "Warning: before their course, the trained people's use already developed "
                    "differently from the others' (test of the 8 weeks before the course: "
                    "p = %(p)s). Parallel trends — the assumption behind every effect on this "
                    "page — is in doubt, and the effect of the courses may be over- or "
                    "understated. Read the sensitivity analysis below before you act on it."
                )
                % values,
                "danger",
            )
        if p.weak:
            return Message(
                _(
                    "The test of the 8 weeks before the course found no difference between the "
                    "trained and the others (p = %(p)s), but that is weak evidence: the test "
                    "would catch a trend big enough to explain half of the effect only %(power)s "
                    "of the time."
                )
                % values,
                "info",
            )
        return Message(
            _(
                "The test of the 8 weeks before the course found no difference between the "
                "trained and the others (p = %(p)s); it would catch a trend big enough to explain "
                "half of the effect %(power)s of the time."
            )
            % values,
            "info",
        )

    @property
    def messages(self) -> list[Message]:
        """Warnings and notes, the most serious first."""
        found = [self._notice(n) for n in self.evaluation.notices]
        shown = [m for m in found if m is not None]
        order = {"danger": 0, "warning": 1, "info": 2}
        return sorted(shown, key=lambda m: order[m.severity])

    def _notice(self, notice: Notice) -> Message | None:
        d, k = notice.data, self.evaluation.min_group_size
        code = notice.code
        if code in ("pretrend_fails", "pretrend_weak"):
            return None  # worded by pretrend_message
        if code == "estimators_disagree":
            return Message(
                _(
                    "The two methods disagree by more than their uncertainty allows (difference "
                    "%(difference)s): treat the result with caution and check the warnings about "
                    "the "
                    "design."
                )
                % {"difference": self.effect(float(d["difference"]))},
                "warning",
            )
        if code == "no_controls":
            return Message(
                _(
                    "In %(weeks)s weeks (%(first)s to %(last)s) everyone was already trained: the "
                    "effect in those weeks cannot be estimated."
                )
                % self._weeks(d),
                "warning",
            )
        if code == "few_controls":
            return Message(
                _(
                    "In %(weeks)s weeks (%(first)s to %(last)s) few people were still untrained: "
                    "effects in those weeks are uncertain."
                )
                % self._weeks(d),
                "warning",
            )
        if code == "never_treated_only":
            return Message(_(
                "From %(first)s every course group has been trained, so for %(weeks)s weeks the "
                "effect rests on the never-trained alone (at least %(share)s of the employees). If "
                "they differ from the others in ways that change over time, later effects are "
                "affected."
            ) % {"first": self.week(_day(d["first"])), "weeks": d["weeks"],
                 "share": self.share(float(d["share"]))},
                "warning" if notice.severity == "warning" else "info")  # fmt: skip
        if code == "no_never_treated":
            return Message(_(
                "Nobody remained untrained: once the last group was trained there is nothing to "
                "compare with."
            ), "warning")  # fmt: skip
        if code == "treated_before_data":
            return Message(_(
                "Some people were trained in their first week in the data (new employees, or "
                "training before the usage data begins); without a week before their course they "
                "cannot be used."
            ), "info")  # fmt: skip
        if code == "cohorts_merged":
            return Message(
                _(
                    "Course weeks with fewer than %(k)s participants are merged with the weeks "
                    "next to "
                    "them in the table of course groups (%(weeks)s course weeks, %(groups)s "
                    "groups)."
                )
                % {"k": k, "weeks": d["weeks"], "groups": d["groups"]},
                "info",
            )
        if code == "bins_hidden":
            return Message(
                _(
                    "%(bins)s periods of the event study cover fewer than %(k)s people and are not "
                    "shown."
                )
                % {"bins": d["bins"], "k": k},
                "info",
            )
        if code == "breakdown_withheld":
            return Message(
                _(
                    "The effect by %(by)s is not shown: a group would cover fewer than %(k)s "
                    "people "
                    "even after merging the small ones."
                )
                % {"by": self.breakdown_title(str(d["by"])).lower(), "k": k},
                "info",
            )
        if code == "window_clipped":
            return Message(
                _(
                    "The usage data does not cover the whole chosen period; the comparison runs "
                    "from "
                    "%(start)s to %(end)s."
                )
                % {"start": self.week(_day(d["start"])), "end": self.week(_day(d["end"]))},
                "info",
            )
        if code == "no_decomposition":
            return Message(_(
                "The change over the period cannot be split into training and common causes: the "
                "data does not cover the period, or too few people were trained by its end."
            ), "warning")  # fmt: skip
        if code == "no_before_after":
            return Message(_(
                "The effect before and after the lockdown cannot be compared: too few trained "
                "people on one side of it."
            ), "info")  # fmt: skip
        if code == "no_sensitivity":
            return Message(_("The sensitivity analysis could not be computed for this data."),
                           "info")  # fmt: skip
        if code == "no_pretest":
            return Message(_(
                "The weeks before the course could not be tested: too few weeks of data before "
                "the courses."
            ), "warning")  # fmt: skip
        if code == "no_cross_check":
            return Message(_("The cross-check with a second method could not be computed."),
                           "warning")  # fmt: skip
        if code == "cross_check_groups_skipped":
            return Message(
                _(
                    "The cross-check leaves out %(groups)s unit types without a usable comparison "
                    "group."
                )
                % {"groups": d["skipped"]},
                "info",
            )
        if code == "not_imputed":
            return Message(
                _(
                    "%(observations)s person-weeks of trained people have no comparable untrained "
                    "person-weeks and are left out."
                )
                % {"observations": d["observations"]},
                "info",
            )
        return None

    def _weeks(self, d: Any) -> dict[str, object]:
        return {"weeks": d["weeks"], "first": self.week(_day(d["first"])),
                "last": self.week(_day(d["last"]))}  # fmt: skip

    # -- tables --

    def bin_label(self, b: Bin) -> str:
        if b.last < 0:
            return _("%(first)s to %(last)s weeks before") % {"first": -b.first, "last": -b.last}
        return _("weeks %(first)s–%(last)s after") % {"first": b.first, "last": b.last}

    @property
    def event_table(self) -> SimpleTable:
        rows = tuple(
            (
                self.bin_label(b),
                self.effect(b.effect.estimate),
                self.interval(b.effect),
                str(b.people),
            )
            for b in self.evaluation.event_study
        )
        return SimpleTable(
            "event",
            _("Effect by time since the course (4-week periods)"),
            (Column(_("Time since the course")), Column(_("Effect"), True),
             Column(_("95% CI"), True), Column(_("People"), True)),
            rows,
        )  # fmt: skip

    @property
    def cohort_table(self) -> SimpleTable:
        rows = []
        for c in self.evaluation.cohorts:
            weeks = self.week(c.first_week)
            if c.last_week != c.first_week:
                weeks = f"{weeks} – {self.week(c.last_week)}"
            rows.append((weeks, str(c.people), self.effect(c.effect.estimate),
                         self.interval(c.effect)))  # fmt: skip
        return SimpleTable(
            "cohorts",
            _("Course groups: people trained in the same weeks"),
            (Column(_("Course weeks")), Column(_("People"), True), Column(_("Effect"), True),
             Column(_("95% CI"), True)),
            tuple(rows),
        )  # fmt: skip

    def breakdown_title(self, by: str) -> str:
        return {
            "former_org": _("Former organisation"),
            "unit_type": _("Unit type"),
            "is_leader": _("Leaders"),
        }.get(by, by)

    def group_label(self, by: str, key: str) -> str:
        if key == OTHER:
            return _("Other groups (merged)")
        if by == "former_org":
            if key == NO_FORMER_ORG:
                return _("Hired after the merger")
            return self.former_names.get(key, key)
        if by == "unit_type":
            return str(UnitType(key).label) if key in UnitType.values else key
        if by == "is_leader":
            return _("Leaders") if key == "true" else _("Other employees")
        return key

    @property
    def breakdown_tables(self) -> list[tuple[Breakdown, SimpleTable, str]]:
        out = []
        for b in self.evaluation.heterogeneity:
            if b.withheld or not b.groups:
                continue
            rows = tuple(
                (self.group_label(b.by, g.key), str(g.people), self.effect(g.effect.estimate),
                 self.interval(g.effect))
                for g in b.groups
            )  # fmt: skip
            table = SimpleTable(
                f"by-{b.by}",
                _("Effect by %(group)s") % {"group": self.breakdown_title(b.by).lower()},
                (Column(self.breakdown_title(b.by)), Column(_("People"), True),
                 Column(_("Effect"), True), Column(_("95% CI"), True)),
                rows,
            )  # fmt: skip
            if b.p_value is None:
                test = ""
            elif b.p_value < 0.05:
                test = _("The groups differ more than chance explains (p = %(p)s).") % {
                    "p": self.p_value(b.p_value)
                }
            else:
                test = _("The differences between the groups may be chance (p = %(p)s).") % {
                    "p": self.p_value(b.p_value)
                }
            out.append((b, table, test))
        return out

    @property
    def decomposition_table(self) -> SimpleTable | None:
        d = self.evaluation.decomposition
        if d is None:
            return None
        rows = (
            (_("Change in the weekly average"), self.effect(d.total), ""),
            (_("Due to the courses"), self.effect(d.training.estimate), self.interval(d.training)),
            (_("Common to everyone"), self.effect(d.common.estimate), self.interval(d.common)),
        )
        return SimpleTable(
            "decomposition",
            _("From %(start)s to %(end)s") % {"start": self.week(d.start), "end": self.week(d.end)},
            (Column(""), Column(_("Change"), True), Column(_("95% CI"), True)),
            rows,
        )

    @property
    def path_table(self) -> SimpleTable | None:
        d = self.evaluation.decomposition
        if d is None:
            return None
        rows = tuple(
            (self.week(p.week), self.value(p.actual),
             self.value(p.without_training) if p.without_training is not None else "–",
             self.value(p.last_year) if p.last_year is not None else "–")
            for p in d.path
        )  # fmt: skip
        return SimpleTable(
            "path",
            _("The organisation's weekly average, with and without the courses"),
            (Column(_("Week")), Column(_("Actual"), True),
             Column(_("Without the courses (estimated)"), True),
             Column(_("Same week a year earlier"), True)),
            rows,
        )  # fmt: skip

    @property
    def lockdown_sentences(self) -> list[str]:
        b = self.evaluation.before_after
        if b is None:
            return []
        first = _(
            "Effect of the courses before the lockdown (%(date)s): %(before)s (95%% CI "
            "%(before_ci)s); from the lockdown on: %(after)s (95%% CI %(after_ci)s). Difference: "
            "%(difference)s (95%% CI %(difference_ci)s)."
        ) % {
            "date": self.date(b.split),
            "before": self.effect(b.before.estimate),
            "before_ci": self.interval(b.before),
            "after": self.effect(b.after.estimate),
            "after_ci": self.interval(b.after),
            "difference": self.effect(b.difference.estimate),
            "difference_ci": self.interval(b.difference),
        }
        caveat = _(
            "Caution: most people were trained in the autumn before, so the weeks after the "
            "lockdown are also weeks long after the course (on average %(after)s weeks, against "
            "%(before)s before it). A difference can come from the time since the course rather "
            "than from the lockdown: read it as a description, not as the lockdown's effect on "
            "the courses."
        ) % {
            "after": self.value(b.mean_weeks_after, decimals=0),
            "before": self.value(b.mean_weeks_before, decimals=0),
        }
        return [first, caveat]

    @property
    def sensitivity_table(self) -> SimpleTable | None:
        s = self.evaluation.sensitivity
        if s is None:
            return None
        rows = tuple(
            (self.value(r.m, decimals=2), self.value(r.lower), self.value(r.upper)) for r in s.rows
        )
        return SimpleTable(
            "sensitivity",
            _("Mean effect over the first %(weeks)s weeks if trends may differ") % {
                "weeks": s.weeks
            },
            (Column(_("M̄ (times the largest change before the course)"), True),
             Column(_("Lowest"), True), Column(_("Highest"), True)),
            rows,
        )  # fmt: skip

    @property
    def sensitivity_sentence(self) -> str | None:
        s = self.evaluation.sensitivity
        if s is None:
            return None
        if s.breakdown is None:
            return _(
                "The interval stays away from zero for every M̄ tried: the conclusion does not "
                "depend on parallel trends holding exactly."
            )
        if s.breakdown == 0:
            return _(
                "Even if trends were exactly parallel, the interval for the first %(weeks)s "
                "weeks includes zero, so the sensitivity analysis cannot add certainty."
            ) % {"weeks": s.weeks}
        return _(
            "The effect over the first %(weeks)s weeks stays clear of zero as long as trends after "
            "the course differ by less than %(m)s times the largest week-to-week difference seen "
            "before it (the breakdown value)."
        ) % {"weeks": s.weeks, "m": self.value(s.breakdown, decimals=2)}

    @property
    def summary_line(self) -> str:
        e = self.evaluation
        return _(
            "%(metric)s · courses: %(courses)s · %(first)s to %(last)s (%(weeks)s weeks) · "
            "%(people)s employees, %(trained)s of them trained · never trained: %(never)s"
        ) % {
            "metric": self.metric_name,
            "courses": self.courses,
            "first": self.week(e.first_week),
            "last": self.week(e.last_week),
            "weeks": e.weeks,
            "people": e.people,
            "trained": e.trained,
            "never": self.share(e.never_share),
        }

    # -- charts (Vega-Lite for the page) --

    @property
    def event_chart(self) -> Chart:
        points = [
            {
                "e": (b.first + b.last) / 2,
                "label": self.bin_label(b),
                "estimate": b.effect.estimate,
                "lower": b.effect.lower,
                "upper": b.effect.upper,
                "text": f"{self.effect(b.effect.estimate)} ({self.interval(b.effect)})",
                "series": _("Before the course (placebo)") if b.last < 0 else _("After the course"),
            }
            for b in self.evaluation.event_study
        ]
        spec = charts.event_study(
            points,
            x_title=_("Weeks since the course"),
            y_title=_("Effect on %(metric)s") % {"metric": self.metric_name},
            titles={"period": _("Period"), "value": _("Effect (95% CI)")},
        )
        return Chart(
            "impact-event",
            _("Effect by time since the course"),
            _(
                "Chart of the effect of the courses in 4-week periods before and after the "
                "course, with 95%% confidence intervals. The figures are in the table below the "
                "chart."
            )
            % {},
            spec,
        )

    @property
    def path_chart(self) -> Chart | None:
        d = self.evaluation.decomposition
        if d is None:
            return None
        actual, without, last = (
            _("Actual"),
            _("Without the courses (estimated)"),
            _("Same week a year earlier"),
        )
        points: list[dict[str, object]] = []
        bands: list[dict[str, object]] = []
        for p in d.path:
            day = p.week.isoformat()
            label = self.week(p.week)
            points.append({"period": day, "label": label, "series": actual, "value": p.actual,
                           "text": self.value(p.actual)})  # fmt: skip
            if p.without_training is not None:
                points.append({"period": day, "label": label, "series": without,
                               "value": p.without_training,
                               "text": self.value(p.without_training)})  # fmt: skip
                if p.lower is not None and p.upper is not None:
                    bands.append({"period": day, "lower": p.lower, "upper": p.upper})
            if p.last_year is not None:
                points.append({"period": day, "label": label, "series": last,
                               "value": p.last_year, "text": self.value(p.last_year)})  # fmt: skip
        series = [s for s in (actual, without, last) if any(p["series"] == s for p in points)]
        spec = charts.path(
            points,
            bands,
            series=series,
            y_title=self.metric_name,
            titles={"period": _("Week"), "series": _("Series"), "value": _("Value")},
        )
        return Chart(
            "impact-path",
            _("The organisation's weekly average, with and without the courses"),
            _(
                "Line chart of the organisation's weekly average of %(metric)s: as it was, and "
                "as it would have been without the courses (estimated, with its 95 %% interval). "
                "The gap is what the courses added; the rise of the lower line came to everyone. "
                "The figures are in the table below the chart."
            )
            % {"metric": self.metric_name},
            spec,
        )


def _english() -> bool:
    from veikart.adoption.dashboards import _english as english

    return english()


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


__all__ = ["MINUS", "Chart", "Column", "Message", "Presentation", "SimpleTable"]
