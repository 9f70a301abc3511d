"""The roadmap's charts and tables as plain data for the templates (on top of the selectors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import formats
from django.utils.translation import gettext as _

from veikart.adoption import charts as adoption_charts
from veikart.adoption import dashboards
from veikart.adoption.dashboards import Chart, Column, Entry, Table
from veikart.adoption.engine.registry import REGISTRY
from veikart.adoption.models import Grain
from veikart.roadmaps import charts
from veikart.roadmaps.constants import InitiativeStatus, TargetKind
from veikart.roadmaps.models import Initiative
from veikart.roadmaps.selectors import (
    TargetState,
    population_text,
    short_date,
    threshold_text,
    value_text,
)


def _text(text: str) -> Entry:
    return Entry(raw=text, text=text)


def _day(day: dt.date) -> Entry:
    return Entry(raw=day, text=short_date(day))


def timeline(initiatives: Sequence[Initiative], *, today: dt.date) -> Chart | None:
    """The Gantt-like overview: initiatives from start to end, milestones, today."""
    if not initiatives:
        return None
    statuses = [str(s.label) for s in InitiativeStatus]
    bars, milestones, rows = [], [], []
    for i in initiatives:
        label = f"{i.code} {i.title}"
        span = f"{short_date(i.start)}–{short_date(i.end)}"
        # The bar runs to the end of its last day.
        end = i.end + dt.timedelta(days=1)
        status = str(i.get_status_display())
        bars.append(
            {
                "label": label,
                "start": i.start.isoformat(),
                "end": end.isoformat(),
                "status": status,
                "span": span,
            }
        )
        steps = list(i.milestones.all())
        for m in steps:
            milestones.append(
                {
                    "label": label,
                    "day": m.date.isoformat(),
                    "date": short_date(m.date),
                    "text": m.text,
                }
            )
        done = sum(1 for m in steps if m.done)
        rows.append(
            (
                _text(label),
                _day(i.start),
                _day(i.end),
                _text(status),
                Entry(
                    raw=len(steps),
                    text=_("%(done)d of %(count)d done") % {"done": done, "count": len(steps)},
                ),
            )
        )
    table = Table(
        "timeline",
        _("The initiatives of the roadmap"),
        (
            Column(_("Initiative")),
            Column(_("Start")),
            Column(_("End")),
            Column(_("Status")),
            Column(_("Milestones")),
        ),
        tuple(rows),
    )
    # Today is drawn only near the roadmap: far after it, it would squeeze every bar to the left.
    first = min(i.start for i in initiatives) - dt.timedelta(days=90)
    last = max(i.end for i in initiatives) + dt.timedelta(days=180)
    spec = charts.timeline(
        bars,
        milestones,
        statuses=statuses,
        today=today.isoformat() if first <= today <= last else None,
        today_label=_("Today"),
        titles={
            "initiative": _("Initiative"),
            "span": _("Period"),
            "status": _("Status"),
            "day": _("Date"),
            "milestone": _("Milestone"),
        },
    )
    description = _(
        "Timeline of the %(count)d initiatives of the roadmap, each a bar from its start to its "
        "end, with its milestones as diamonds. The same is in the table below the chart."
    ) % {"count": len(initiatives)}
    return Chart("timeline", _("Timeline"), description, spec, table)


def target_chart(state: TargetState) -> Chart | None:
    """The target's metric week by week with the threshold, the due date and the forecast."""
    target = state.target
    metric = REGISTRY.get(target.metric)
    if not state.shown or target.kind != TargetKind.METRIC or metric is None or not state.points:
        return None
    measured, forecast_name = _("Measured"), _("Forecast (median)")
    observed, rows = [], []
    for p in state.points:
        label = dashboards.period_label(p.period, Grain.WEEK)
        text = _("hidden") if p.suppressed else value_text(target, p.value)
        observed.append(
            {
                "period": p.period.isoformat(),
                "label": label,
                "value": None if p.suppressed else p.value,
                "text": text,
                "series": measured,
            }
        )
        rows.append(
            (
                _text(label),
                Entry(
                    raw=None if p.value is None else dashboards.rounded(metric, p.value),
                    text=text,
                    suppressed=p.suppressed,
                ),
                _text("–"),
                _text("–"),
            )
        )
    ahead = []
    outlook = state.outlook
    if outlook is not None and outlook.median:
        for week, median, lower, upper in zip(
            outlook.weeks, outlook.median, outlook.lower, outlook.upper, strict=True
        ):
            if week < outlook.from_week:
                continue
            label = dashboards.period_label(week, Grain.WEEK)
            band = f"{value_text(target, lower)}–{value_text(target, upper)}"
            ahead.append(
                {
                    "period": week.isoformat(),
                    "label": label,
                    "median": median,
                    "lower": lower,
                    "upper": upper,
                    "text": value_text(target, median),
                    "band": band,
                    "series": forecast_name,
                }
            )
            if week > outlook.from_week:
                rows.append(
                    (
                        _text(label),
                        _text("–"),
                        _text(value_text(target, median)),
                        _text(band),
                    )
                )
    band_heading = _("Forecast, %(level)s%% interval") % {
        "level": formats.number_format(round(100 * (outlook.band_level if outlook else 0.8)))
    }
    table = Table(
        f"target-{target.pk}",
        _("%(metric)s week by week, with the forecast")
        % {"metric": dashboards.metric_name(metric)},
        (
            Column(_("Week")),
            Column(_("Measured"), numeric=True),
            Column(_("Forecast (median)"), numeric=True),
            Column(band_heading, numeric=True),
        ),
        tuple(rows),
    )
    threshold = float(target.threshold)
    spec = charts.target_chart(
        observed,
        ahead,
        threshold=threshold,
        threshold_label=_("Target %(threshold)s") % {"threshold": threshold_text(target)},
        due=target.due_date.isoformat(),
        due_label=_("Due %(date)s") % {"date": short_date(target.due_date)},
        y_title=dashboards.value_heading(metric),
        y_format=adoption_charts.axis_format(metric.unit),
        percent=metric.unit == "percent",
        series=[measured, forecast_name] if ahead else [measured],
        titles={
            "period": _("Week"),
            "value": dashboards.metric_name(metric),
            "forecast": forecast_name,
            "band": band_heading,
        },
    )
    if ahead:
        description = _(
            "Line chart of %(metric)s week by week, with a dashed forecast and a shaded band of "
            "likely values, the target as a horizontal line and the due date as a vertical "
            "line. The figures are in the table below the chart."
        ) % {"metric": dashboards.lower_first(dashboards.metric_name(metric))}
    else:
        description = _(
            "Line chart of %(metric)s week by week, with the target as a horizontal line and "
            "the due date as a vertical line. The figures are in the table below the chart."
        ) % {"metric": dashboards.lower_first(dashboards.metric_name(metric))}
    title = _("%(metric)s for %(population)s") % {
        "metric": dashboards.metric_name(metric),
        "population": population_text(target),
    }
    return Chart(f"target-{target.pk}", title, description, spec, table)
