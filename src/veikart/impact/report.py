"""The impact report as a file: HTML (one self-contained page, charts as inline SVG) or PDF.

Both read a stored :class:`~veikart.impact.models.ImpactResult` through
:class:`~veikart.impact.presentation.Presentation`, so they say what the impact page says. The
charts are ReportLab drawings, rendered into the PDF and as SVG into the HTML
(:mod:`veikart.core.pdf`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import (  # type: ignore[import-untyped]
    Circle,
    Drawing,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors  # type: ignore[import-untyped]

from veikart.core import pdf
from veikart.impact.models import ImpactResult
from veikart.impact.presentation import Presentation, SimpleTable
from veikart.impact.services import Evaluation

FORMATS = ("html", "pdf")
WIDTH, HEIGHT = 480.0, 220.0
LEFT, BOTTOM, RIGHT, TOP = 48.0, 30.0, 12.0, 12.0
BLUE = colors.HexColor("#0062BA")
ORANGE = colors.HexColor("#B3440E")
GREEN = colors.HexColor("#1A7F37")
GREY = colors.HexColor("#4D4D4D")
GRID = colors.HexColor("#D5D9DE")
BAND = colors.Color(0.70, 0.27, 0.05, alpha=0.18)


def presentation_of(result: ImpactResult) -> Presentation:
    return Presentation.of(Evaluation.from_json(result.payload), result.created_at)


def render_report(result: ImpactResult, fmt: str) -> bytes:
    """The report of ``result`` as ``fmt`` ("html" or "pdf")."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    view = presentation_of(result)
    if fmt == "pdf":
        return pdf.render(pdf_document(view))
    context = {
        "view": view,
        "event_svg": pdf.svg(event_study_drawing(view)),
        "path_svg": pdf.svg(path_drawing(view)) if view.evaluation.decomposition else "",
        "created": _created(view),
        "methods": methods(view.evaluation.min_group_size),
    }
    return render_to_string("impact/report.html", context).encode("utf-8")


def _created(view: Presentation) -> str:
    when = view.created_at or timezone.now()
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")


def _table(table: SimpleTable) -> pdf.Table:
    numeric = [j for j, c in enumerate(table.columns) if c.numeric]
    return pdf.Table([c.label for c in table.columns], table.rows, table.caption, numeric)


def pdf_document(view: Presentation) -> pdf.Document:
    e = view.evaluation
    blocks: list[pdf.Block] = [
        pdf.Heading(_("What the training did")),
        pdf.Paragraph(view.summary_line, "note"),
    ]
    if view.decomposition_sentence:
        blocks.append(pdf.Paragraph(view.decomposition_sentence, "lead"))
    blocks.append(pdf.Paragraph(view.effect_sentence))
    if view.cross_check_sentence:
        blocks.append(pdf.Paragraph(view.cross_check_sentence))
    pretrend = view.pretrend_message
    if pretrend is not None:
        blocks.append(pdf.Paragraph(pretrend.text, "warning" if pretrend.severity == "danger"
                                    else "body"))  # fmt: skip
    for message in view.messages:
        blocks.append(pdf.Paragraph(message.text, "warning" if message.severity != "info"
                                    else "note"))  # fmt: skip
    blocks += [
        pdf.Heading(_("Effect by time since the course"), 2),
        pdf.Figure(event_study_drawing(view), _("Effect by time since the course")),
        _table(view.event_table),
    ]
    if e.decomposition is not None and view.decomposition_table and view.path_table:
        blocks += [
            pdf.Heading(_("Training versus what hit everyone"), 2),
            pdf.Paragraph(view.decomposition_details or ""),
            _table(view.decomposition_table),
            pdf.Figure(path_drawing(view), view.path_table.caption),
        ]
    if view.lockdown_sentences:
        blocks.append(pdf.Heading(_("Before and after the lockdown"), 2))
        blocks += [pdf.Paragraph(text) for text in view.lockdown_sentences]
    blocks += [pdf.Heading(_("Course groups"), 2), _table(view.cohort_table)]
    breakdowns = view.breakdown_tables
    if breakdowns:
        blocks.append(pdf.Heading(_("For whom did the courses work?"), 2))
        for _breakdown, table, test in breakdowns:
            blocks.append(_table(table))
            if test:
                blocks.append(pdf.Paragraph(test, "note"))
    if view.sensitivity_table is not None:
        blocks += [
            pdf.Heading(_("How robust is the result?"), 2),
            pdf.Paragraph(view.sensitivity_sentence or ""),
            _table(view.sensitivity_table),
        ]
    blocks += [pdf.Heading(_("Comparison with the usual method"), 2),
               pdf.Paragraph(view.naive_sentence)]  # fmt: skip
    blocks.append(pdf.Heading(_("How the figures were made"), 2))
    blocks += [pdf.Paragraph(text) for text in methods(e.min_group_size)]
    return pdf.Document(
        title=_("What the training did"),
        blocks=blocks,
        subject=view.metric_name,
        footer=_("Veikart · impact report · %(created)s · groups of at least %(k)s people")
        % {"created": _created(view), "k": e.min_group_size},
    )


def methods(k: int) -> list[str]:
    """The methods in plain words (the page shows the same paragraphs)."""
    return [
        _(
            "We compare each trained person's use after the course with what it would have been "
            "without it. That is estimated from the people who were not (yet) trained in the "
            "same weeks and from the person's own weeks before the course: each person keeps "
            "their own level, and each week gets the change that everyone saw that week, "
            "separately for each type of unit (a school, a care unit, an office). The "
            "difference is the effect of the course (the imputation method of Borusyak, "
            "Jaravel and Spiess)."
        ),
        _(
            "Something that hit everyone in the same week — like the lockdown in March 2020 — "
            "moves the trained and the untrained alike, so it is not counted as an effect of the "
            "courses. How much of the organisation's rise came from the courses is the effect "
            "among the trained times the share who were trained; the rest came to everyone."
        ),
        _(
            "A second, independent method (Callaway and Sant'Anna) checks the result. The plain "
            "regression most reports use is shown only for comparison: when people are trained "
            "at different times it gives wrong answers."
        ),
        _(
            "Everything rests on one assumption: without the courses, the trained people's use "
            "would have developed like the others'. We test it on the 8 weeks before each "
            "course, where the courses cannot have had an effect yet. Passing that test is weak "
            "evidence when few people were trained, so the report says how likely the test was "
            "to catch a problem, and shows how the result changes if the assumption holds only "
            "approximately (Rambachan and Roth)."
        ),
        _(
            "The 95%% confidence interval (CI) is the range the true effect lies in with 95%% "
            "certainty, given the data. Every figure covers a group of at least %(k)s people; "
            "smaller groups are merged or left out. No individual's use is shown."
        )
        % {"k": k},
    ]


# --- drawings -------------------------------------------------------------------------------


def _scale(low: float, high: float, size: float, offset: float) -> Callable[[float], float]:
    span = high - low if high > low else 1.0
    return lambda v: offset + (v - low) / span * size


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw),
               default=magnitude * 10)  # fmt: skip
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def _axes(
    drawing: Drawing,
    x: Callable[[float], float],
    y: Callable[[float], float],
    xticks: Sequence[tuple[float, str]],
    yticks: Sequence[float],
    y_label: Callable[[float], str],
) -> None:
    for value in yticks:
        drawing.add(Line(LEFT, y(value), WIDTH - RIGHT, y(value), strokeColor=GRID,
                         strokeWidth=0.5))  # fmt: skip
        drawing.add(String(LEFT - 4, y(value) - 3, pdf.printable(y_label(value)), fontSize=7,
                           textAnchor="end", fillColor=GREY))  # fmt: skip
    drawing.add(Line(LEFT, BOTTOM, WIDTH - RIGHT, BOTTOM, strokeColor=GREY, strokeWidth=0.8))
    for value, label in xticks:
        drawing.add(Line(x(value), BOTTOM, x(value), BOTTOM - 3, strokeColor=GREY))
        drawing.add(String(x(value), BOTTOM - 12, pdf.printable(label), fontSize=7,
                           textAnchor="middle", fillColor=GREY))  # fmt: skip


def _legend(drawing: Drawing, entries: Sequence[tuple[str, Any]]) -> None:
    x0 = LEFT
    for text, colour in entries:
        drawing.add(Rect(x0, HEIGHT - 9, 8, 8, fillColor=colour, strokeColor=None))
        label = pdf.printable(text)
        drawing.add(String(x0 + 11, HEIGHT - 8, label, fontSize=7.5, fillColor=GREY))
        x0 += 20 + 4.2 * len(label)


def event_study_drawing(view: Presentation) -> Drawing:
    """Effects by weeks since the course: points with 95 % intervals, placebo periods grey."""
    bins = view.evaluation.event_study
    drawing = Drawing(WIDTH, HEIGHT + 12)
    if not bins:
        return drawing
    centres = [(b.first + b.last) / 2 for b in bins]
    low = min(0.0, *(b.effect.lower for b in bins))
    high = max(0.0, *(b.effect.upper for b in bins))
    x = _scale(min(centres) - 2, max(centres) + 2, WIDTH - LEFT - RIGHT, LEFT)
    y = _scale(low, high, HEIGHT - BOTTOM - TOP - 12, BOTTOM)
    xticks = [(c, f"{b.first}") for c, b in zip(centres, bins, strict=True)]
    _axes(drawing, x, y, xticks[:: max(1, len(xticks) // 10)], _ticks(low, high),
          lambda v: view.value(v))  # fmt: skip
    drawing.add(Line(LEFT, y(0), WIDTH - RIGHT, y(0), strokeColor=GREY, strokeWidth=0.8))
    drawing.add(Line(x(-0.5), BOTTOM, x(-0.5), HEIGHT - TOP, strokeColor=GREY,
                     strokeDashArray=[4, 3]))  # fmt: skip
    for centre, b in zip(centres, bins, strict=True):
        colour = GREY if b.last < 0 else BLUE
        drawing.add(Line(x(centre), y(b.effect.lower), x(centre), y(b.effect.upper),
                         strokeColor=colour, strokeWidth=1.5))  # fmt: skip
        drawing.add(Circle(x(centre), y(b.effect.estimate), 2.8, fillColor=colour,
                           strokeColor=colour))  # fmt: skip
    _legend(drawing, [(_("Before the course (placebo)"), GREY), (_("After the course"), BLUE)])
    drawing.add(String(WIDTH - RIGHT, 2, pdf.printable(_("Weeks since the course")), fontSize=7,
                       textAnchor="end", fillColor=GREY))  # fmt: skip
    return drawing


def path_drawing(view: Presentation) -> Drawing:
    """The organisation's weekly average, with and without the courses (band: 95 %)."""
    d = view.evaluation.decomposition
    drawing = Drawing(WIDTH, HEIGHT + 12)
    if d is None or not d.path:
        return drawing
    points = d.path
    values = [p.actual for p in points]
    values += [v for p in points for v in (p.without_training, p.lower, p.upper, p.last_year)
               if v is not None]  # fmt: skip
    low, high = min(values), max(values)
    x = _scale(0, len(points) - 1, WIDTH - LEFT - RIGHT, LEFT)
    y = _scale(low, high, HEIGHT - BOTTOM - TOP - 12, BOTTOM)
    step = max(1, len(points) // 8)
    xticks = [(float(i), view.week(p.week)) for i, p in enumerate(points)][::step]
    _axes(drawing, x, y, xticks, _ticks(low, high), lambda v: view.value(v))
    band = [(i, p) for i, p in enumerate(points) if p.lower is not None and p.upper is not None]
    if len(band) > 1:
        outline = [c for i, p in band for c in (x(i), y(p.upper or 0))]
        outline += [c for i, p in reversed(band) for c in (x(i), y(p.lower or 0))]
        drawing.add(Polygon(outline, fillColor=BAND, strokeColor=None))

    def line(series: Sequence[tuple[int, float | None]], colour: Any, dash: Any = None) -> None:
        run: list[float] = []
        for i, v in [*series, (-1, None)]:
            if v is None:
                if len(run) >= 4:
                    drawing.add(PolyLine(run, strokeColor=colour, strokeWidth=1.6,
                                         strokeDashArray=dash))  # fmt: skip
                run = []
            else:
                run += [x(i), y(v)]

    line([(i, p.last_year) for i, p in enumerate(points)], GREEN, [1, 2])
    line([(i, p.without_training) for i, p in enumerate(points)], ORANGE, [4, 2])
    line([(i, p.actual) for i, p in enumerate(points)], BLUE)
    entries = [(_("Actual"), BLUE), (_("Without the courses (estimated)"), ORANGE)]
    if any(p.last_year is not None for p in points):
        entries.append((_("Same week a year earlier"), GREEN))
    _legend(drawing, entries)
    return drawing
