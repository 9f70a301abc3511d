"""The status report as words and tables, and as a PDF (:mod:`veikart.core.pdf`) and a workbook.

:func:`summary` and :func:`sections` turn a :class:`~veikart.roadmaps.status_report.StatusReport`
into plain tables (:class:`Grid`) once; the HTML preview, the PDF and the workbook all render
those, so the three say the same. Each cell carries its text as the pages write it (bokmål: 71,5 %,
16.03.2020, 1 234) and, for the workbook, the number or date itself with an Excel number format
— the format codes are locale-neutral, so Norwegian Excel shows a decimal comma, a space between
thousands and dd.mm.yyyy.

A hidden figure is written as words ("skjult (færre enn 10)", "for få til å vises"), never as a
number or an empty cell that could be read as zero.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from veikart.adoption import dashboards
from veikart.adoption.engine.registry import REGISTRY
from veikart.core import pdf
from veikart.core.workbook import TOP, header_row
from veikart.roadmaps.constants import Status
from veikart.roadmaps.selectors import short_date
from veikart.roadmaps.status_report import (
    INITIATIVE_ORDER,
    AdoptionLine,
    StatusReport,
    TrainingLine,
)
from veikart.systems.constants import DecisionStatus
from veikart.trainings.constants import TargetKind as TrainingKind
from veikart.trainings.constants import TargetStatus

PDF_CONTENT_TYPE = "application/pdf"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("pdf", "xlsx")

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "dd.mm.yyyy"
COUNT_FORMAT = "#,##0"


# --- Tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str  # as the pages write it
    value: str | int | float | dt.date | None = None  # for the workbook; None: the text
    number_format: str = ""
    suppressed: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # characters, in the workbook
    mm: float  # in the PDF (the page is 174 mm wide)
    numeric: bool = False
    in_pdf: bool = True  # False: in the workbook and on the page only (the PDF is narrow)


@dataclass(frozen=True)
class Grid:
    key: str  # the HTML id
    sheet: str  # the workbook's sheet name ("" for the summary's tables)
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str = ""  # said instead of the table when it has no rows

    @property
    def lines(self) -> list[list[tuple[Cell, bool]]]:
        """The rows with whether each cell is in a numeric column (for the HTML page)."""
        return [
            [(cell, column.numeric) for column, cell in zip(self.columns, row, strict=True)]
            for row in self.rows
        ]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    grids: tuple[Grid, ...]


def hidden_text() -> str:
    return _("hidden (fewer than %(k)d)") % {"k": int(settings.MIN_GROUP_SIZE)}


def too_few_text() -> str:
    return _("too few to show")


def _text(text: str) -> Cell:
    return Cell(text)


def _hidden(text: str | None = None) -> Cell:
    return Cell(text or hidden_text(), suppressed=True)


def _count(value: int) -> Cell:
    return Cell(dashboards.number(value, 0), value, COUNT_FORMAT)


def _day(day: dt.date | None) -> Cell:
    if day is None:
        return Cell("")
    return Cell(short_date(day), day, DATE_FORMAT)


def _decimals_format(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def _whole(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _share(percent: float | None, *, small: bool = False) -> Cell:
    """A share in whole per cent (as the training plan shows it)."""
    if small:
        return _hidden(too_few_text())
    if percent is None:
        return Cell("–")
    return Cell(dashboards.whole_percent(_whole(percent)), percent / 100, "0%")


def _measure(value: Decimal | None, text: str, unit: str, decimals: int) -> Cell:
    """A metric's value as shown (shares in per cent); a share is stored as a fraction."""
    if value is None:
        return Cell(text or "–")
    number_format = COUNT_FORMAT if unit == "count" else _decimals_format(decimals)
    if unit == "percent":
        return Cell(text, float(value) / 100, _decimals_format(decimals) + "%")
    return Cell(text, float(value), number_format)


def _change(line: AdoptionLine) -> Cell:
    if line.change is None:
        return Cell(line.change_text or "–")
    plain = _decimals_format(dashboards.DECIMALS[line.unit])
    return Cell(line.change_text, float(line.change), f"+{plain};-{plain};{plain}")


def _status(status: Status | None, *, shown: bool = True) -> Cell:
    if not shown:
        return Cell(_("Not shown to you"))
    if status is None:
        return Cell("–")
    return Cell(str(status.label), suppressed=status == Status.HIDDEN)


def _plan_status(status: TargetStatus | None, *, small: bool) -> Cell:
    if status is None:
        return _hidden(too_few_text()) if small else Cell("–")
    return Cell(str(status.label))


def _of(part: int, whole: int) -> Cell:
    """ "1 of 3": the workbook keeps the part as the number."""
    text = _("%(done)s of %(count)s") % {
        "done": dashboards.number(part, 0),
        "count": dashboards.number(whole, 0),
    }
    return Cell(text, part, COUNT_FORMAT)


def _yes(flag: bool) -> Cell:
    return Cell(_("Yes") if flag else _("No"))


# --- The summary ---------------------------------------------------------------------------------


def not_shown_text() -> str:
    return _("You do not see this part on the pages, so it is left out.")


def _summary_grid(
    key: str,
    caption: str,
    rows: Sequence[tuple[Cell, Cell, Cell]],
    *,
    columns: tuple[str, str, str] | None = None,
) -> Grid:
    what, figure, status = columns or (_("What"), _("Figure"), _("Status"))
    return Grid(
        key,
        "",
        caption,
        (Column(what, 44, 58), Column(figure, 60, 70), Column(status, 36, 46)),
        tuple(rows),
    )


def _left_out(key: str, caption: str) -> Grid:
    return _summary_grid(key, caption, [(_text(not_shown_text()), Cell(""), Cell(""))])


BLANK = Cell("")


def summary(report: StatusReport) -> tuple[Grid, ...]:
    """The one-page summary: a small table per part of the programme."""
    return (
        _decision_summary(report),
        _roadmap_summary(report),
        _training_summary(report),
        _adoption_summary(report),
        _impact_summary(report),
        _agreement_summary(report),
    )


def _counted(pairs: Sequence[tuple[str, int]]) -> str:
    """ "Nådd: 2 · I rute: 1" — a list of labels with their counts."""
    return " · ".join(
        _("%(label)s: %(count)s") % {"label": label, "count": dashboards.number(count, 0)}
        for label, count in pairs
    )


def _decision_summary(report: StatusReport) -> Grid:
    d, caption = report.decisions, _("System decisions")
    if not d.shown:
        return _left_out("summary-decisions", caption)
    progress = _("%(done)s carried out, %(progress)s in progress, %(planned)s planned") % {
        "done": dashboards.number(d.count(DecisionStatus.DONE), 0),
        "progress": dashboards.number(d.count(DecisionStatus.IN_PROGRESS), 0),
        "planned": dashboards.number(d.count(DecisionStatus.PLANNED), 0),
    }
    rows = [
        (_text(_("Decisions made")), _count(d.made), _text(progress)),
        (_text(_("Systems without a decision")), _count(len(d.undecided_systems)), BLANK),
        (
            _text(_("Categories that need a decision")),
            _count(len(d.pending)),
            _text(", ".join(p.category for p in d.pending)),
        ),
    ]
    return _summary_grid("summary-decisions", caption, rows, columns=_details())


def _details() -> tuple[str, str, str]:
    return (_("What"), _("Number"), _("Details"))


def _roadmap_summary(report: StatusReport) -> Grid:
    r, caption = report.roadmap, _("Digital roadmap")
    if not r.shown:
        return _left_out("summary-roadmap", caption)
    initiatives = [(str(s.label), r.initiatives_with(s)) for s in reversed(INITIATIVE_ORDER)]
    initiatives.append((_("without a measured target"), r.initiatives_with(None)))
    targets = [(str(status.label), count) for status, count in r.target_counts]
    not_shown = sum(1 for t in r.targets if not t.shown)
    if not_shown:
        targets.append((_("Not shown to you"), not_shown))
    steps = sum(i.milestones for i in r.initiatives)
    done = sum(i.milestones_done for i in r.initiatives)
    overdue = sum(i.milestones_overdue for i in r.initiatives)
    milestones = [(_("done"), done), (_("overdue"), overdue)]
    rows = [
        (
            _text(_("Initiatives by status")),
            _count(len(r.initiatives)),
            _text(_counted(initiatives)),
        ),
        (_text(_("Targets by status")), _count(len(r.targets)), _text(_counted(targets))),
        (_text(_("Milestones")), _count(steps), _text(_counted(milestones))),
    ]
    return _summary_grid("summary-roadmap", caption, rows, columns=_details())


def training_figure(line: TrainingLine) -> Cell:
    """How far a training target has come, against the plan, in one phrase."""
    due = short_date(line.due_date)
    expected = dashboards.number(line.expected, 0)
    if line.kind == TrainingKind.PEOPLE:
        text = _(
            "%(trained)s of %(required)s people trained; %(expected)s by now at an even pace; "
            "due %(due)s"
        ) % {
            "trained": dashboards.number(line.trained, 0),
            "required": dashboards.number(line.required, 0),
            "expected": expected,
            "due": due,
        }
        return Cell(text, line.trained, COUNT_FORMAT)
    if line.small or line.share is None:
        return _hidden(too_few_text()) if line.small else Cell("–")
    text = _(
        "%(share)s trained; %(expected)s by now at an even pace; target %(target)s by %(due)s"
    ) % {
        "share": dashboards.whole_percent(_whole(line.share)),
        "expected": dashboards.whole_percent(_whole(line.expected_share or 0.0)),
        "target": dashboards.whole_percent(line.value),
        "due": due,
    }
    return Cell(text, line.share / 100, "0%")


def _training_summary(report: StatusReport) -> Grid:
    t, caption = report.training, _("Training plan")
    if not t.shown:
        return _left_out("summary-training", caption)
    rows = [
        (_text(line.name), training_figure(line), _plan_status(line.status, small=line.small))
        for line in t.lines
    ]
    if not rows:
        rows.append((_text(_("The training plan has no targets yet.")), BLANK, BLANK))
    return _summary_grid("summary-training", caption, rows)


def _adoption_change(line: AdoptionLine) -> Cell:
    cell = _change(line)
    if line.change is not None and line.unit == "percent":
        text = _("%(change)s percentage points") % {"change": line.change_text}
        return Cell(text, cell.value, cell.number_format)
    return cell


def _adoption_value(line: AdoptionLine) -> Cell:
    if line.suppressed:
        return _hidden()
    return _measure(line.value, line.value_text, line.unit, dashboards.DECIMALS[line.unit])


def _adoption_summary(report: StatusReport) -> Grid:
    a = report.adoption
    if not a.shown:
        return _left_out("summary-adoption", _("Adoption"))
    if a.period is None:
        rows = [(_text(_("There are no adoption figures yet.")), BLANK, BLANK)]
        return _summary_grid("summary-adoption", _("Adoption"), rows)
    caption = _("Adoption, whole organisation, %(period)s") % {"period": a.period_label}
    rows = [(_text(line.name), _adoption_value(line), _adoption_change(line)) for line in a.lines]
    columns = (_("Metric"), _("Value"), _("Change since the previous week"))
    return _summary_grid("summary-adoption", caption, rows, columns=columns)


def _impact_summary(report: StatusReport) -> Grid:
    i, caption = report.impact, _("Impact of the training")
    if not i.shown:
        return _left_out("summary-impact", caption)
    if not i.sentence:
        rows = [(_text(_("No evaluation has been run yet.")), BLANK, BLANK)]
    else:
        rows = [(_text(i.metric), _text(i.sentence), _day(_local_day(i.evaluated_at)))]
    columns = (_("Metric"), _("Result"), _("Evaluated"))
    return _summary_grid("summary-impact", caption, rows, columns=columns)


def _local_day(when: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(when) if when is not None else None


def acknowledged_cell(report: StatusReport) -> Cell:
    w = report.agreement
    if not w.acknowledgements_shown:
        return Cell(_("Not shown to you"))
    if w.suppressed or w.percent is None or w.acknowledged is None or w.people is None:
        return _hidden()
    text = _("%(share)s (%(count)s of %(people)s)") % {
        "share": dashboards.whole_percent(_whole(w.percent)),
        "count": dashboards.number(w.acknowledged, 0),
        "people": dashboards.number(w.people, 0),
    }
    return Cell(text, w.percent / 100, "0%")


def _agreement_summary(report: StatusReport) -> Grid:
    w, caption = report.agreement, _("Working agreement")
    if not w.shown:
        rows = [(_text(_("No version has been published yet.")), BLANK, BLANK)]
        return _summary_grid("summary-agreement", caption, rows)
    version = _("Version %(number)s, published %(day)s") % {
        "number": w.version,
        "day": short_date(w.published_on) if w.published_on else "–",
    }
    rows = [
        (_text(_("Version in force")), _text(version), BLANK),
        (_text(_("Acknowledged by")), acknowledged_cell(report), BLANK),
    ]
    return _summary_grid("summary-agreement", caption, rows)


# --- The sections --------------------------------------------------------------------------------


def sections(report: StatusReport) -> tuple[Section, ...]:
    return (
        _decision_section(report),
        _roadmap_section(report),
        _training_section(report),
        _adoption_section(report),
        _impact_section(report),
        _agreement_section(report),
    )


def _left_out_section(key: str, title: str) -> Section:
    return Section(key, title, (not_shown_text(),), ())


def _decision_section(report: StatusReport) -> Section:
    d, title = report.decisions, _("System decisions")
    if not d.shown:
        return _left_out_section("decisions", title)
    pending = Grid(
        "pending",
        _("Decisions needed"),
        _("Categories where the former organisations ran different systems, without a decision"),
        (Column(_("Category"), 34, 50), Column(_("Systems without a decision"), 80, 124)),
        tuple((_text(p.category), _text(", ".join(p.undecided))) for p in d.pending),
        empty=_("Every overlapping category has its decisions."),
    )
    decisions = Grid(
        "decisions",
        _("Decisions"),
        _("The decisions, system by system"),
        (
            Column(_("System"), 30, 28),
            Column(_("Category"), 26, 24),
            Column(_("Decision"), 34, 30),
            Column(_("Status"), 14, 22),
            Column(_("Responsible"), 22, 0, in_pdf=False),
            Column(pgettext("status report", "Decided"), 13, 21),
            Column(pgettext("status report", "Milestone date"), 13, 21),
            Column(_("Milestone"), 40, 28),
        ),
        tuple(
            (
                _text(line.system),
                _text(line.category),
                _text(line.decision),
                _text(str(line.status.label)),
                _text(line.owner),
                _day(line.decided_on),
                _day(line.milestone_date),
                _text(line.milestone),
            )
            for line in d.lines
        ),
        empty=_("No decisions yet."),
    )
    text = _(
        "The decisions on the systems of the former organisations: what the merged organisation "
        "keeps, replaces, merges or retires, and how far carrying them out has come."
    )
    return Section("decisions", title, (text,), (pending, decisions))


def _roadmap_section(report: StatusReport) -> Section:
    r, title = report.roadmap, _("Digital roadmap")
    if not r.shown:
        return _left_out_section("roadmap", title)
    initiatives = Grid(
        "initiatives",
        _("Initiatives"),
        _("The initiatives, with the status their targets give them"),
        (
            Column(_("Code"), 8, 12),
            Column(_("Initiative"), 40, 36),
            Column(_("Owner"), 20, 0, in_pdf=False),
            Column(_("Start"), 12, 21),
            Column(_("End"), 12, 21),
            Column(_("Progress"), 12, 20),
            Column(_("Status"), 14, 22),
            Column(_("Targets"), 9, 0, numeric=True, in_pdf=False),
            Column(_("Milestones"), 11, 0, numeric=True, in_pdf=False),
            Column(_("Milestones done"), 12, 22, numeric=True),
            Column(pgettext("status report", "Overdue"), 10, 20, numeric=True),
        ),
        tuple(
            (
                _text(i.code),
                _text(i.title),
                _text(i.owner),
                _day(i.start),
                _day(i.end),
                _text(i.progress),
                _status(i.status) if i.status else _text(_("No measured target")),
                _count(i.targets),
                _count(i.milestones),
                _of(i.milestones_done, i.milestones),
                _count(i.milestones_overdue),
            )
            for i in r.initiatives
        ),
        empty=_("The roadmap has no initiatives yet."),
    )
    targets = Grid(
        "targets",
        _("Targets"),
        _("The targets, with their latest value and status"),
        (
            Column(_("Initiative"), 9, 15),
            Column(pgettext("status report", "Target"), 30, 32),
            Column(_("Measures"), 30, 0, in_pdf=False),
            Column(_("Who"), 24, 0, in_pdf=False),
            Column(_("Threshold and due date"), 26, 0, in_pdf=False),
            Column(_("Value"), 10, 20, numeric=True),
            Column(_("Week or day"), 13, 0, in_pdf=False),
            Column(_("Status"), 16, 24),
            Column(_("Explanation"), 80, 83),
        ),
        tuple(
            (
                _text(t.initiative),
                _text(t.name),
                _text(t.measure),
                _text(t.population[:1].upper() + t.population[1:]),
                _text(t.goal),
                _target_value(t.status, t.value, t.value_text, t.unit, t.shown),
                _text(t.period_text),
                _status(t.status, shown=t.shown),
                _text(t.sentence),
            )
            for t in r.targets
        ),
        empty=_("The roadmap has no targets yet."),
    )
    milestones = Grid(
        "milestones",
        _("Milestones"),
        _("The milestones of the initiatives"),
        (
            Column(_("Initiative"), 9, 15),
            Column(_("Date"), 12, 21),
            Column(_("Milestone"), 60, 92),
            Column(_("Done"), 8, 23),
            Column(pgettext("status report", "Overdue"), 10, 23),
        ),
        tuple(
            (_text(m.initiative), _day(m.date), _text(m.text), _yes(m.done), _yes(m.overdue))
            for m in r.milestones
        ),
        empty=_("No milestones yet."),
    )
    texts = [
        _(
            "An initiative takes the worst status of its targets: off track, then at risk, then "
            "on track; it is met when every measured target is met."
        )
    ]
    if r.latest is not None:
        texts.insert(
            0,
            _(
                "Targets on adoption metrics are judged on the figures of %(period)s; targets on "
                "courses on the training plan on %(day)s."
            )
            % {
                "period": dashboards.period_text(r.latest, "week"),
                "day": short_date(report.day),
            },
        )
    return Section("roadmap", title, tuple(texts), (initiatives, targets, milestones))


def _target_value(
    status: Status | None, value: Decimal | None, text: str, unit: str, shown: bool
) -> Cell:
    if shown and status == Status.HIDDEN:
        return _hidden()
    decimals = 0 if value is None else max(0, -int(value.as_tuple().exponent))
    return _measure(value, text, unit, decimals)


def _training_section(report: StatusReport) -> Section:
    t, title = report.training, _("Training plan")
    if not t.shown:
        return _left_out_section("training", title)
    targets = Grid(
        "training",
        _("Training"),
        _("The targets of the training plan"),
        (
            Column(pgettext("status report", "Target"), 36, 36),
            Column(_("Due date"), 12, 21),
            Column(_("Population"), 11, 22, numeric=True),
            Column(_("People trained"), 11, 19, numeric=True),
            Column(_("Share trained"), 11, 19, numeric=True),
            Column(_("Expected by now"), 12, 20, numeric=True),
            Column(_("Needed"), 10, 16, numeric=True),
            Column(_("Status"), 16, 21),
        ),
        tuple(
            (
                _text(line.name),
                _day(line.due_date),
                _count(line.population),
                _count(line.trained),
                _share(line.share, small=line.small),
                _count(line.expected),
                _count(line.required),
                _plan_status(line.status, small=line.small),
            )
            for line in t.lines
        ),
        empty=_("The training plan has no targets yet."),
    )
    groups = Grid(
        "training-groups",
        _("Training by group"),
        _("Progress per top unit and per former organisation"),
        (
            Column(pgettext("status report", "Target"), 36, 36),
            Column(_("Group"), 20, 24),
            Column(_("Name"), 30, 36),
            Column(_("Population"), 11, 22, numeric=True),
            Column(_("People trained"), 11, 19, numeric=True),
            Column(_("Share"), 10, 16, numeric=True),
            Column(_("Status"), 16, 21),
        ),
        tuple(
            (
                _text(line.name),
                _text(_("Unit") if g.group == "unit" else _("Former organisation")),
                _text(g.label or _("No former organisation")),
                _count(g.population),
                _count(g.trained),
                _share(g.share, small=g.small),
                _plan_status(g.status, small=g.small) if line.kind == TrainingKind.SHARE else BLANK,
            )
            for line in t.lines
            for g in line.groups
        ),
    )
    text = _(
        "Someone counts as trained from the first session of a counting course they attended. "
        "“Expected by now” is the number an even pace from the first session to the due date "
        "would give on %(day)s. A share over fewer than %(k)d people is not shown."
    ) % {"day": short_date(report.day), "k": int(settings.MIN_GROUP_SIZE)}
    return Section("training", title, (text,), (targets, groups))


def _adoption_section(report: StatusReport) -> Section:
    a, title = report.adoption, _("Adoption")
    if not a.shown:
        return _left_out_section("adoption", title)
    if a.period is None:
        return Section("adoption", title, (_("There are no adoption figures yet."),), ())
    metrics = Grid(
        "adoption",
        _("Adoption"),
        _("The headline figures, whole organisation, %(period)s") % {"period": a.period_label},
        (
            Column(_("Metric"), 40, 60),
            Column(_("Value"), 12, 25, numeric=True),
            Column(_("Change since the previous week"), 20, 35, numeric=True),
            Column(_("Unit of measure"), 30, 54),
        ),
        tuple(
            (
                _text(line.name),
                _adoption_value(line),
                _adoption_change(line),
                _text(dashboards.unit_word(REGISTRY[line.key])),
            )
            for line in a.lines
        ),
    )
    text = _(
        "The headline figures of the adoption overview for %(period)s (%(span)s), over "
        "%(people)s people. Changes of shares are in percentage points."
    ) % {"period": a.period_label, "span": a.period_span, "people": a.people}
    return Section("adoption", title, (text,), (metrics,))


def _impact_section(report: StatusReport) -> Section:
    i, title = report.impact, _("Impact of the training")
    if not i.shown:
        return _left_out_section("impact", title)
    if not i.sentence:
        return Section("impact", title, (_("No evaluation has been run yet."),), ())
    grid = Grid(
        "impact",
        _("Impact"),
        _("The headline of the last evaluation"),
        (
            Column(_("Evaluated"), 14, 28),
            Column(_("Metric"), 30, 36),
            Column(_("Result"), 100, 110),
        ),
        ((_day(_local_day(i.evaluated_at)), _text(i.metric), _text(i.sentence)),),
    )
    return Section("impact", title, (i.sentence,), (grid,))


def _agreement_section(report: StatusReport) -> Section:
    w, title = report.agreement, _("Working agreement")
    if not w.shown:
        return Section("agreement", title, (_("No version has been published yet."),), ())
    if w.acknowledgements_shown and not w.suppressed and w.people is not None:
        people, acknowledged = _count(w.people), _count(w.acknowledged or 0)
    elif w.acknowledgements_shown:
        people, acknowledged = _hidden(), _hidden()
    else:
        people = acknowledged = Cell(_("Not shown to you"))
    grid = Grid(
        "agreement",
        _("Working agreement"),
        _("The version in force and how many have acknowledged it"),
        (
            Column(pgettext("status report", "Title"), 36, 36),
            Column(_("Version"), 9, 17, numeric=True),
            Column(_("Published"), 12, 21),
            Column(_("In force from"), 12, 21),
            Column(_("Rules"), 8, 15, numeric=True),
            Column(_("People"), 10, 20, numeric=True),
            Column(_("Acknowledged"), 12, 22, numeric=True),
            Column(_("Share acknowledged"), 12, 22, numeric=True),
        ),
        (
            (
                _text(w.title),
                _count(w.version or 0),
                _day(w.published_on),
                _day(w.effective_from),
                _count(w.rules),
                people,
                acknowledged,
                acknowledged_cell(report),
            ),
        ),
    )
    text = _(
        "The organisation's agreement on which tool to use for what. The share counts everyone "
        "it applies to on %(day)s who has acknowledged the version in force."
    ) % {"day": short_date(report.day)}
    return Section("agreement", title, (text,), (grid,))


# --- The cover -----------------------------------------------------------------------------------


def title() -> str:
    return _("Status report for the leadership group")


def cover(report: StatusReport) -> tuple[tuple[str, str], ...]:
    """The cover's facts: organisation, date, period, who made it and when, the privacy rule."""
    a = report.adoption
    if a.period is not None:
        period = _("Adoption figures for %(period)s (%(span)s)") % {
            "period": a.period_label,
            "span": a.period_span,
        }
    else:
        period = _("No adoption figures yet")
    made = formats.date_format(timezone.localtime(report.made_at), "DATETIME_FORMAT")
    k = int(settings.MIN_GROUP_SIZE)
    return (
        (_("Organisation"), report.organisation or "–"),
        (_("Date"), formats.date_format(report.day, "DATE_FORMAT")),
        (_("Period"), period),
        (_("Made by"), report.made_by or _("the server operator, at the command line")),
        (_("Made"), made),
        (
            _("Privacy"),
            _(
                "Every figure about people covers at least %(k)d people. A smaller group is "
                "shown as “%(hidden)s” or “%(few)s”, never as a number."
            )
            % {"k": k, "hidden": hidden_text(), "few": too_few_text()},
        ),
    )


def filename(report: StatusReport, fmt: str) -> str:
    return f"statusrapport-{report.day.isoformat()}.{fmt}"


# --- PDF -----------------------------------------------------------------------------------------


def _pdf_table(grid: Grid) -> list[pdf.Block]:
    keep = [j for j, c in enumerate(grid.columns) if c.in_pdf]
    columns = [grid.columns[j] for j in keep]
    if not grid.rows:
        if not grid.empty:
            return []
        return [pdf.Heading(grid.caption, 3), pdf.Paragraph(grid.empty, "note")]
    return [
        pdf.Table(
            [c.label for c in columns],
            [[row[j].text for j in keep] for row in grid.rows],
            caption=grid.caption,
            numeric=[n for n, c in enumerate(columns) if c.numeric],
            widths=[c.mm for c in columns],
        )
    ]


def pdf_document(report: StatusReport) -> pdf.Document:
    """Cover, a page of summary, then the sections one after another."""
    facts = cover(report)
    blocks: list[pdf.Block] = [
        pdf.Heading(title()),
        pdf.Paragraph(report.organisation or title(), "lead"),
        *(pdf.Paragraph(f"{label}: {text}") for label, text in facts[1:-1]),
        pdf.Paragraph(facts[-1][1], "note"),
        pdf.PageBreak(),
        pdf.Heading(_("Summary")),
    ]
    for grid in summary(report):
        blocks += _pdf_table(grid)
    blocks.append(pdf.PageBreak())
    for section in sections(report):
        blocks.append(pdf.Heading(section.title, 2))
        blocks += [pdf.Paragraph(text) for text in section.paragraphs]
        for grid in section.grids:
            blocks += _pdf_table(grid)
    return pdf.Document(
        title=title(),
        blocks=blocks,
        subject=report.organisation,
        footer=_("Veikart · status report · %(organisation)s · %(day)s")
        % {"organisation": report.organisation, "day": short_date(report.day)},
    )


def render_pdf(report: StatusReport) -> bytes:
    return pdf.render(pdf_document(report))


# --- XLSX ----------------------------------------------------------------------------------------


def _sheet_name(text: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub(" ", text)[:31] or "Ark"
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" {number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.casefold())
    return name


def _put(sheet: Worksheet, row: int, column: int, cell: Cell) -> None:
    target = sheet.cell(row=row, column=column)
    if cell.value is None or cell.suppressed:
        target.value = cell.text
        target.data_type = "s"  # never a formula, whatever the text starts with
        if cell.suppressed:
            target.font = Font(italic=True)
    elif isinstance(cell.value, str):
        target.value = cell.value
        target.data_type = "s"
    else:
        target.value = cell.value
        target.number_format = cell.number_format
    target.alignment = TOP


def _grid_sheet(sheet: Worksheet, grid: Grid) -> None:
    header_row(sheet, [c.label for c in grid.columns], [c.width for c in grid.columns])
    for r, row in enumerate(grid.rows, start=2):
        for c, cell in enumerate(row, start=1):
            _put(sheet, r, c, cell)
    if not grid.rows and grid.empty:
        _put(sheet, 2, 1, Cell(grid.empty))


def render_xlsx(report: StatusReport) -> bytes:
    """The report as a workbook: the cover, the summary, then a sheet per table."""
    workbook = Workbook()
    taken: set[str] = set()
    about = workbook.active
    assert about is not None
    about.title = _sheet_name(_("About the report"), taken)
    about.cell(row=1, column=1, value=title()).font = Font(bold=True, size=14)
    for r, (label, text) in enumerate(cover(report), start=3):
        about.cell(row=r, column=1, value=label).font = Font(bold=True)
        _put(about, r, 2, Cell(text))
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 100

    sheet = workbook.create_sheet(_sheet_name(_("Summary"), taken))
    header_row(
        sheet,
        [_("Part"), _("What"), _("Figure"), _("Status or change")],
        [30, 44, 60, 30],
    )
    r = 2
    for grid in summary(report):
        for row in grid.rows:
            _put(sheet, r, 1, Cell(grid.caption))
            for c, cell in enumerate(row, start=2):
                _put(sheet, r, c, cell)
            r += 1

    for section in sections(report):
        for grid in section.grids:
            _grid_sheet(workbook.create_sheet(_sheet_name(grid.sheet, taken)), grid)
        if not section.grids:
            lone = workbook.create_sheet(_sheet_name(section.title, taken))
            header_row(lone, [section.title], [100])
            for r, text in enumerate(section.paragraphs, start=2):
                _put(lone, r, 1, Cell(text))
    workbook.properties.title = title()
    workbook.properties.creator = "Veikart"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(report: StatusReport, fmt: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def content_type(fmt: str) -> str:
    return PDF_CONTENT_TYPE if fmt == "pdf" else XLSX_CONTENT_TYPE
