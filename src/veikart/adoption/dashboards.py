"""The adoption dashboards' reads: pages as plain data, on top of :mod:`veikart.adoption.selectors`.

Every figure comes through :func:`selectors.figures_for_user` (or :func:`selectors.units_for_user`
for units), so a unit manager's subtree limit and the suppression of hidden figures hold for the
pages and their exports alike: both are built here, and an export writes the very table the page
shows. A hidden figure keeps neither value nor group size on its way out of :func:`shown`.

Numbers are rounded once, here (:func:`rounded`), to the decimals the page shows, and the same
rounded numbers go into the Excel and CSV exports.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from veikart.adoption import charts, selectors
from veikart.adoption.cache import cached_page
from veikart.adoption.engine.registry import REGISTRY, Metric
from veikart.adoption.models import Grain
from veikart.adoption.people import NEVER, NOT_YET, TRAINED
from veikart.core.access import Access
from veikart.organisations.constants import UnitType
from veikart.organisations.models import Organisation, Unit
from veikart.organisations.selectors import get_organisation
from veikart.trainings.constants import EnrolmentStatus
from veikart.trainings.models import Enrolment, Session

# Norway's national lockdown began on 12 March 2020 ("de sterkeste og mest inngripende tiltakene
# vi har hatt i Norge i fredstid"): the shock that hit every unit at once, so every time chart
# marks it next to the merger and the unit's own training sessions.
LOCKDOWN = dt.date(2020, 3, 12)

# The overview's headline metrics, in the order the programme asks about them: are people in
# Teams, are they moving from e-mail to Teams, and do they work with files in the cloud?
HEADLINE = (
    "active_teams",
    "email_to_teams_shift",
    "teams_messages_per_person",
    "files_active",
    "files_per_person",
    "active_m365",
)
DEFAULT_METRIC = "active_teams"
DECIMALS = {"percent": 1, "per_person": 1, "ratio": 2, "count": 0}
SPARKLINE_PERIODS = {Grain.WEEK: 26, Grain.MONTH: 12}
WINDOWS = {Grain.WEEK: (4, 8, 13, 26, 52), Grain.MONTH: (3, 6, 12)}
DEFAULT_WINDOW = {Grain.WEEK: 8, Grain.MONTH: 3}
HELP_ROWS = 10  # units listed on "where help is needed"
HEAT_STEPS = 5
MINUS = "\u2212"  # the minus sign, not a hyphen, in shown numbers

ALL_LEVELS = 0

Direction = Literal["up", "down", "same"]
Comparison = Literal["previous", "year"]


# --- What the page was asked for --------------------------------------------------------------

_QUERY_NAMES = {
    "metric": "maal",
    "grain": "periode",
    "unit": "enhet",
    "under": "under",
    "level": "niva",
    "window": "vindu",
    "sort": "sorter",
    "descending": "rekkefolge",
    "threshold": "terskel",
}
_GRAIN_WORDS = {Grain.WEEK: "uke", Grain.MONTH: "maned"}
_SORT_WORDS = {"name": "navn", "value": "verdi", "change": "endring", "year": "fjor", "n": "antall"}


@dataclass(frozen=True)
class Params:
    """The choices on a dashboard page (metric, week or month, unit, …), from its query string."""

    metric: str = DEFAULT_METRIC
    grain: str = Grain.WEEK
    unit: int | None = None
    under: int | None = None
    level: int | None = None  # ALL_LEVELS: every level; None: the page's default
    window: int | None = None
    sort: str = "value"
    descending: bool = True
    threshold: int = 50

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Params:
        """Read the query string; anything unknown or malformed falls back to the default."""
        metric = query.get("maal", DEFAULT_METRIC)
        grain_word = query.get("periode", "uke")
        grains = {word: grain for grain, word in _GRAIN_WORDS.items()}
        sorts = {word: key for key, word in _SORT_WORDS.items()}
        threshold = _int(query.get("terskel"))
        return cls(
            metric=metric if metric in REGISTRY else DEFAULT_METRIC,
            grain=grains.get(grain_word, Grain.WEEK),
            unit=_int(query.get("enhet")),
            under=_int(query.get("under")),
            level=_int(query.get("niva")),
            window=_int(query.get("vindu")),
            sort=sorts.get(query.get("sorter", ""), "value"),
            descending=query.get("rekkefolge", "synkende") != "stigende",
            threshold=threshold if threshold is not None and 0 < threshold < 100 else 50,
        )

    def query(self, **changes: Any) -> str:
        """The query string of these choices (with ``changes``), leaving out the defaults."""
        chosen = replace(self, **changes) if changes else self
        default = Params()
        pairs: list[tuple[str, str]] = []
        for name, key in _QUERY_NAMES.items():
            value = getattr(chosen, name)
            if value == getattr(default, name) or value is None:
                continue
            if name == "grain":
                value = _GRAIN_WORDS[value]
            elif name == "sort":
                value = _SORT_WORDS[value]
            elif name == "descending":
                value = "synkende" if value else "stigende"
            pairs.append((key, str(value)))
        return urlencode(pairs)

    @property
    def metric_def(self) -> Metric:
        return REGISTRY[self.metric]

    def as_detail(self) -> dict[str, object]:
        """For the audit log: what was asked for (no figures)."""
        return {
            name: getattr(self, name)
            for name in _QUERY_NAMES
            if getattr(self, name) != getattr(Params(), name)
        }


def _int(text: str | None) -> int | None:
    """A whole number from a query parameter, or None when there is none that a database
    column could hold (ids beyond 64 bits, '²', thousands of digits are ignored, not a 500)."""
    if not text or len(text) > 19 or not (text.isascii() and text.lstrip("-").isdecimal()):
        return None
    value = int(text)
    return value if -(2**63) < value < 2**63 else None


# --- Words and numbers ------------------------------------------------------------------------


def metric_name(metric: Metric) -> str:
    return metric.name_en if _english() else metric.name_nb


def metric_description(metric: Metric) -> str:
    return metric.description_en if _english() else metric.description_nb


def lower_first(text: str) -> str:
    """Lower-case the first letter only, to continue a sentence: "aktive i Teams"."""
    return text[:1].lower() + text[1:]


def _english() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("en")


def rounded(metric: Metric, value: float) -> Decimal:
    """``value`` rounded to the decimals the dashboards show for the metric's unit."""
    step = Decimal(1).scaleb(-DECIMALS[metric.unit])
    return Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP)


def number(value: Decimal | int, decimals: int) -> str:
    """A number in the current language's format (bokmål: decimal comma, space between groups).

    Rounded half up to ``decimals``; the separators are the language's format settings. Written
    out rather than through ``formats.number_format``, which looks the language and its settings
    up again for every number (a table of 2,000 units shows 8,000 of them).
    """
    decimal_separator, thousand_separator = _separators()
    step = Decimal(1).scaleb(-decimals)
    plain = f"{Decimal(value).copy_abs().quantize(step, rounding=ROUND_HALF_UP):,f}"
    text = plain.replace(",", "\0").replace(".", decimal_separator)
    text = text.replace("\0", thousand_separator)
    return f"{MINUS}{text}" if value < 0 else text


def _separators() -> tuple[str, str]:
    language = get_language() or settings.LANGUAGE_CODE
    found = _SEPARATORS.get(language)
    if found is None:
        found = (
            str(formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True)),
            str(formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True)),
        )
        _SEPARATORS[language] = found
    return found


_SEPARATORS: dict[str, tuple[str, str]] = {}


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "–"
    text = number(rounded(metric, value), DECIMALS[metric.unit])
    if metric.unit == "percent":
        return _("%(value)s%%") % {"value": text}
    return text


def whole_percent(value: Decimal | int) -> str:
    return _("%(value)s%%") % {"value": number(value, 0)}


def format_change(metric: Metric, change: Decimal | None) -> str:
    """A signed change: +4,2 / −1,3 / 0,0."""
    if change is None:
        return "–"
    text = number(change, DECIMALS[metric.unit])
    return f"+{text}" if change > 0 else text


def change_between(metric: Metric, now: float | None, before: float | None) -> Decimal | None:
    if now is None or before is None:
        return None
    return rounded(metric, now - before)


def format_difference(metric: Metric, difference: Decimal) -> str:
    """An unsigned difference with its unit, for sentences (percent: percentage points)."""
    text = number(abs(difference), DECIMALS[metric.unit])
    if metric.unit == "percent":
        return _("%(value)s percentage points") % {"value": text}
    return text


def period_label(period: dt.date, grain: str) -> str:
    if grain == Grain.WEEK:
        year, week, _day = period.isocalendar()
        return _("Week %(week)d %(year)d") % {"week": week, "year": year}
    return formats.date_format(period, "YEAR_MONTH_FORMAT").capitalize()


def period_text(period: dt.date, grain: str) -> str:
    """The period inside a sentence or caption: "uke 12 2020", "mars 2020"."""
    return lower_first(period_label(period, grain))


def period_span(period: dt.date, grain: str) -> str:
    """The days a period covers, e.g. 16.03.2020–22.03.2020."""
    last = next_period(period, grain) - dt.timedelta(days=1)
    first_text = formats.date_format(period, "SHORT_DATE_FORMAT")
    return f"{first_text}–{formats.date_format(last, 'SHORT_DATE_FORMAT')}"


def previous_period(period: dt.date, grain: str) -> dt.date:
    return shift(period, grain, -1)


def next_period(period: dt.date, grain: str) -> dt.date:
    return shift(period, grain, 1)


def shift(period: dt.date, grain: str, steps: int) -> dt.date:
    if grain == Grain.WEEK:
        return period + dt.timedelta(weeks=steps)
    months = period.year * 12 + period.month - 1 + steps
    return dt.date(months // 12, months % 12 + 1, 1)


def year_before(period: dt.date, grain: str) -> dt.date | None:
    """The same ISO week (or month) a year earlier; None for week 53 of a year without one."""
    if grain == Grain.MONTH:
        return period.replace(year=period.year - 1)
    year, week, _day = period.isocalendar()
    try:
        return dt.date.fromisocalendar(year - 1, week, 1)
    except ValueError:
        return None


def periods_apart(first: dt.date, last: dt.date, grain: str) -> int:
    if grain == Grain.WEEK:
        return (last - first).days // 7
    return (last.year - first.year) * 12 + last.month - first.month


# Sentences of change: one whole sentence per case, so that each translates as a whole.
_CHANGE_SENTENCES: dict[tuple[bool, Direction, Comparison, str], Promise] = {
    (True, "up", "previous", Grain.WEEK): gettext_lazy(
        "The share %(metric)s rose by %(change)s percentage points since the previous week."
    ),
    (True, "down", "previous", Grain.WEEK): gettext_lazy(
        "The share %(metric)s fell by %(change)s percentage points since the previous week."
    ),
    (True, "same", "previous", Grain.WEEK): gettext_lazy(
        "The share %(metric)s is unchanged since the previous week."
    ),
    (True, "up", "previous", Grain.MONTH): gettext_lazy(
        "The share %(metric)s rose by %(change)s percentage points since the previous month."
    ),
    (True, "down", "previous", Grain.MONTH): gettext_lazy(
        "The share %(metric)s fell by %(change)s percentage points since the previous month."
    ),
    (True, "same", "previous", Grain.MONTH): gettext_lazy(
        "The share %(metric)s is unchanged since the previous month."
    ),
    (True, "up", "year", Grain.WEEK): gettext_lazy(
        "The share %(metric)s rose by %(change)s percentage points since the same week last year."
    ),
    (True, "down", "year", Grain.WEEK): gettext_lazy(
        "The share %(metric)s fell by %(change)s percentage points since the same week last year."
    ),
    (True, "same", "year", Grain.WEEK): gettext_lazy(
        "The share %(metric)s is unchanged since the same week last year."
    ),
    (True, "up", "year", Grain.MONTH): gettext_lazy(
        "The share %(metric)s rose by %(change)s percentage points since the same month last year."
    ),
    (True, "down", "year", Grain.MONTH): gettext_lazy(
        "The share %(metric)s fell by %(change)s percentage points since the same month last year."
    ),
    (True, "same", "year", Grain.MONTH): gettext_lazy(
        "The share %(metric)s is unchanged since the same month last year."
    ),
    (False, "up", "previous", Grain.WEEK): gettext_lazy(
        "%(metric)s rose by %(change)s since the previous week."
    ),
    (False, "down", "previous", Grain.WEEK): gettext_lazy(
        "%(metric)s fell by %(change)s since the previous week."
    ),
    (False, "same", "previous", Grain.WEEK): gettext_lazy(
        "%(metric)s is unchanged since the previous week."
    ),
    (False, "up", "previous", Grain.MONTH): gettext_lazy(
        "%(metric)s rose by %(change)s since the previous month."
    ),
    (False, "down", "previous", Grain.MONTH): gettext_lazy(
        "%(metric)s fell by %(change)s since the previous month."
    ),
    (False, "same", "previous", Grain.MONTH): gettext_lazy(
        "%(metric)s is unchanged since the previous month."
    ),
    (False, "up", "year", Grain.WEEK): gettext_lazy(
        "%(metric)s rose by %(change)s since the same week last year."
    ),
    (False, "down", "year", Grain.WEEK): gettext_lazy(
        "%(metric)s fell by %(change)s since the same week last year."
    ),
    (False, "same", "year", Grain.WEEK): gettext_lazy(
        "%(metric)s is unchanged since the same week last year."
    ),
    (False, "up", "year", Grain.MONTH): gettext_lazy(
        "%(metric)s rose by %(change)s since the same month last year."
    ),
    (False, "down", "year", Grain.MONTH): gettext_lazy(
        "%(metric)s fell by %(change)s since the same month last year."
    ),
    (False, "same", "year", Grain.MONTH): gettext_lazy(
        "%(metric)s is unchanged since the same month last year."
    ),
}


def change_sentence(metric: Metric, change: Decimal, comparison: Comparison, grain: str) -> str:
    """E.g. "Andelen aktive i Teams økte med 4,2 prosentpoeng siden forrige uke"."""
    direction: Direction = "up" if change > 0 else "down" if change < 0 else "same"
    share = metric.unit == "percent"
    name = metric_name(metric)
    if share:  # "Andelen aktive i Teams": the name continues the sentence
        name = lower_first(name)
    template = _CHANGE_SENTENCES[(share, direction, comparison, grain)]
    return str(template) % {
        "metric": name,
        "change": number(abs(change), DECIMALS[metric.unit]),
    }


def change_heading(metric: Metric, comparison: Comparison, grain: str) -> str:
    share = metric.unit == "percent"
    headings: dict[tuple[bool, str, str], str] = {
        (False, "previous", Grain.WEEK): _("Change since the previous week"),
        (False, "previous", Grain.MONTH): _("Change since the previous month"),
        (False, "year", Grain.WEEK): _("Change since the same week last year"),
        (False, "year", Grain.MONTH): _("Change since the same month last year"),
        (True, "previous", Grain.WEEK): _("Change since the previous week (percentage points)"),
        (True, "previous", Grain.MONTH): _("Change since the previous month (percentage points)"),
        (True, "year", Grain.WEEK): _("Change since the same week last year (percentage points)"),
        (True, "year", Grain.MONTH): _("Change since the same month last year (percentage points)"),
    }
    return headings[(share, comparison, grain)]


def value_heading(metric: Metric) -> str:
    if metric.unit == "percent":
        return _("%(metric)s (%%)") % {"metric": metric_name(metric)}
    return metric_name(metric)


def group_label(group: str, attribute: str, former_names: Mapping[str, str]) -> str:
    """The name of a non-unit group: "Ledere", "Kurset", "Rygge kommune (til 2020)", …"""
    if group == "is_leader":
        return {"true": _("Leaders"), "false": _("Other employees")}.get(attribute, _("Unknown"))
    if group == "training_status":
        labels = {
            TRAINED: _("Trained"),
            NOT_YET: _("Not trained yet"),
            NEVER: _("Not enrolled"),
        }
        return labels.get(attribute, _("Unknown"))
    if group == "former_org":
        if not attribute:
            return _("No former organisation")
        return former_names.get(attribute, attribute)
    if group == "unit_type":
        try:
            return str(UnitType(attribute).label)
        except ValueError:
            return _("Unknown")
    return attribute


_GROUP_ORDER = {
    "is_leader": ("true", "false", ""),
    "training_status": (TRAINED, NOT_YET, NEVER, ""),
}


# --- Figures, as the user may see them ---------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One stored figure with every metric, as the user may see it: a hidden one keeps nothing."""

    period: dt.date
    unit_id: int | None
    attribute: str
    n: int | None  # None when hidden
    values: Mapping[str, float | None]  # empty when hidden
    suppressed: bool

    def value(self, metric: str) -> float | None:
        if self.suppressed:
            return None
        value = self.values.get(metric)
        return None if value is None else float(value)


def shown(
    who: Access,
    *,
    grain: str,
    breakdown: str,
    unit_ids: Sequence[int] | None = None,
    periods: Iterable[dt.date] | None = None,
    since: dt.date | None = None,
) -> list[Shown]:
    """The figures of one breakdown that ``who`` may see, every metric at once, in period order.

    Like :func:`selectors.series` (and through the same :func:`selectors.figures_for_user`),
    for every metric in one query rather than one query per metric.
    """
    if not selectors.sees_adoption(who):
        raise selectors.NotAllowed
    figures = selectors.figures_for_user(who).filter(grain=grain, breakdown=breakdown)
    organisation = get_organisation()
    if organisation is not None:
        figures = figures.filter(organisation=organisation)
    if unit_ids is not None:
        figures = figures.filter(unit_id__in=list(unit_ids))
    if periods is not None:
        figures = figures.filter(period__in=sorted(set(periods)))
    if since is not None:
        figures = figures.filter(period__gte=since)
    rows = figures.order_by("period", "unit_id", "attribute").values_list(
        "period", "unit_id", "attribute", "visible", "n", "values"
    )
    return [
        Shown(
            period=period,
            unit_id=unit_id,
            attribute=attribute,
            n=n if visible else None,
            values=dict(values) if visible else {},
            suppressed=not visible,
        )
        for period, unit_id, attribute, visible, n, values in rows
    ]


def latest(grain: str) -> dt.date | None:
    return selectors.latest_period(grain)


def units_with_figures(
    who: Access, grain: str, period: dt.date, *, parent: Unit | None = None
) -> list[Unit]:
    """Units ``who`` may see that have a figure (shown or hidden) in ``period``, in tree order;
    with ``parent``, only its children."""
    ids = (
        selectors.figures_for_user(who)
        .filter(grain=grain, breakdown="unit_subtree", period=period, unit__isnull=False)
        .values_list("unit_id", flat=True)
    )
    units = selectors.units_for_user(who).filter(pk__in=ids)
    if parent is not None:
        units = units.filter(parent=parent)
    return tree_order(list(units))


def tree_order(units: list[Unit]) -> list[Unit]:
    """Depth first, siblings in Norwegian alphabetical order (the units' sort keys)."""
    keys = {u.pk: (u.sort_key, u.code) for u in units}

    def key(unit: Unit) -> list[tuple[str, str]]:
        return [keys[int(pk)] for pk in unit.path.strip("/").split("/") if int(pk) in keys]

    return sorted(units, key=key)


def depth(unit: Unit) -> int:
    return len([pk for pk in unit.path.strip("/").split("/") if pk])


def get_unit_for_user(who: Access, pk: int) -> Unit:
    """A unit whose figures ``who`` may see; 404 for any other (as on the organisation pages)."""
    try:
        return selectors.units_for_user(who).get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404("No such unit") from None


def root_units(units: list[Unit]) -> list[Unit]:
    """Those of ``units`` whose parent is not among them."""
    ids = {u.pk for u in units}
    return [u for u in units if u.parent_id not in ids]


# --- Tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False
    decimals: int = 0
    export_only: bool = False  # e.g. the first day of a period, for spreadsheets
    sort_query: str = ""  # the query string that sorts by this column (sortable tables)
    aria_sort: str = ""  # "ascending" / "descending" on the column the table is sorted by


@dataclass(frozen=True)
class Entry:
    """One table cell: the number (or text, or date) and how it is shown."""

    raw: str | Decimal | int | dt.date | None
    text: str
    suppressed: bool = False
    heat: int | None = None  # 0 (lowest) … HEAT_STEPS - 1 (highest) on heat-coloured tables
    href: str = ""


@dataclass(frozen=True)
class Table:
    key: str  # the name in the export URL
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Entry, ...], ...]
    query: str = ""  # the page's query string, so that the export has the same choices
    heat: bool = False

    @property
    def shown_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.export_only]

    @property
    def shown_rows(self) -> list[list[tuple[Column, Entry]]]:
        return [
            [(c, e) for c, e in zip(self.columns, row, strict=True) if not c.export_only]
            for row in self.rows
        ]

    @property
    def body_html(self) -> SafeString:
        """The rows as HTML (the ``<tr>`` elements of the table's body): the first cell heads
        its row; hidden figures link to the page that explains them. Built here rather than in
        the template, whose per-cell lookups made a table of 2,000 units take half a second."""
        hidden = escape(reverse("adoption:hidden"))
        lines = []
        for row in self.shown_rows:
            cells = []
            for index, (column, entry) in enumerate(row):
                text = escape(entry.text)
                if entry.suppressed:
                    content = f'<a class="ds-link" href="{hidden}">{text}</a>'
                elif entry.href:
                    content = f'<a class="ds-link" href="{escape(entry.href)}">{text}</a>'
                else:
                    content = text
                if index == 0:
                    cells.append(f'<th scope="row">{content}</th>')
                    continue
                classes = "vk-num" if column.numeric else ""
                if entry.heat is not None:
                    classes += f" vk-heat-{entry.heat}"
                if entry.suppressed:
                    classes += " vk-hidden"
                cells.append(f'<td class="{classes}">{content}</td>')
            lines.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe("\n".join(lines))  # noqa: S308 (every text above is escaped)


def text_entry(text: str, href: str = "") -> Entry:
    return Entry(raw=text, text=text, href=href)


def value_entry(metric: Metric, figure: Shown | None, heat: int | None = None) -> Entry:
    if figure is None:
        return Entry(raw=None, text="–")
    if figure.suppressed:
        return Entry(raw=None, text=_("hidden"), suppressed=True)
    value = figure.value(metric.key)
    if value is None:
        return Entry(raw=None, text="–")
    return Entry(raw=rounded(metric, value), text=format_value(metric, value), heat=heat)


def n_entry(figure: Shown | None) -> Entry:
    if figure is None:
        return Entry(raw=None, text="–")
    if figure.suppressed or figure.n is None:
        return Entry(raw=None, text=_("hidden"), suppressed=True)
    return Entry(raw=figure.n, text=number(figure.n, 0))


def change_entry(metric: Metric, now: Shown | None, before: Shown | None) -> Entry:
    change = change_between(
        metric,
        now.value(metric.key) if now else None,
        before.value(metric.key) if before else None,
    )
    return Entry(raw=change, text=format_change(metric, change))


def difference_entry(metric: Metric, first: float | None, second: float | None) -> Entry:
    difference = change_between(metric, first, second)
    return Entry(raw=difference, text=format_change(metric, difference))


def period_entries(period: dt.date, grain: str) -> tuple[Entry, Entry]:
    """The period as shown ("Uke 12 2020") and its first day (exports only)."""
    return (
        Entry(raw=period_label(period, grain), text=period_label(period, grain)),
        Entry(raw=period, text=formats.date_format(period, "SHORT_DATE_FORMAT")),
    )


def period_columns(grain: str) -> tuple[Column, Column]:
    label = _("Week") if grain == Grain.WEEK else _("Month")
    return Column(label), Column(_("First day"), export_only=True)


def value_column(metric: Metric, label: str | None = None, **kwargs: Any) -> Column:
    return Column(
        label or value_heading(metric), numeric=True, decimals=DECIMALS[metric.unit], **kwargs
    )


def n_column(**kwargs: Any) -> Column:
    return Column(_("People"), numeric=True, **kwargs)


def heat_steps(values: Iterable[Decimal | None]) -> dict[Decimal, int]:
    """Each value's step from lowest to highest among ``values`` (for heat colouring)."""
    present = sorted({v for v in values if v is not None})
    if not present:
        return {}
    low, high = present[0], present[-1]
    if low == high:
        return {low: HEAT_STEPS // 2}
    return {v: min(HEAT_STEPS - 1, int((v - low) / (high - low) * HEAT_STEPS)) for v in present}


def unit_url(unit: Unit, params: Params) -> str:
    return unit_urls(params)(unit)


def unit_urls(params: Params) -> Callable[[Unit], str]:
    """The link to each unit's page with the page's choices (metric, week or month): the URL is
    resolved and the query built once for a table of many units."""
    query = params.query(unit=None, under=None, level=None, sort="value", descending=True)
    marker = 2_147_483_647
    url = reverse("adoption:unit", args=[marker])
    before, after = url.split(str(marker), 1)
    suffix = f"{after}?{query}" if query else after
    return lambda unit: f"{before}{unit.pk}{suffix}"


def _series_table(
    key: str,
    caption: str,
    metric: Metric,
    grain: str,
    series: Sequence[tuple[str, Mapping[dt.date, Shown]]],
    *,
    query: str,
    with_n: bool = False,
) -> Table:
    """Periods down, one column per series (and its group size with ``with_n``)."""
    periods = sorted({p for _label, figures in series for p in figures})
    columns: list[Column] = list(period_columns(grain))
    for label, _figures in series:
        columns.append(value_column(metric, label))
        if with_n:
            columns.append(n_column())
    rows = []
    for period in periods:
        row: list[Entry] = list(period_entries(period, grain))
        for _label, figures in series:
            row.append(value_entry(metric, figures.get(period)))
            if with_n:
                row.append(n_entry(figures.get(period)))
        rows.append(tuple(row))
    return Table(key, caption, tuple(columns), tuple(rows), query=query)


def _points(
    metric: Metric, grain: str, label: str, figures: Mapping[dt.date, Shown]
) -> list[dict[str, object]]:
    """Chart points of one series; periods without a figure in between become gaps (null)."""
    if not figures:
        return []
    periods, last = [min(figures)], max(figures)
    while periods[-1] < last:
        periods.append(next_period(periods[-1], grain))
    points: list[dict[str, object]] = []
    for period in periods:
        figure = figures.get(period)
        value = figure.value(metric.key) if figure is not None else None
        if figure is not None and figure.suppressed:
            text = _("hidden")
        else:
            text = format_value(metric, value)
        points.append(
            {
                "period": period.isoformat(),
                "label": period_label(period, grain),
                "series": label,
                "value": float(rounded(metric, value)) if value is not None else None,
                "text": text,
            }
        )
    return points


def _drawn(
    metric: Metric, series: Sequence[tuple[str, Mapping[dt.date, Shown]]]
) -> list[tuple[str, Mapping[dt.date, Shown]]]:
    """The series with at least one value to draw (the table still lists the others)."""
    return [
        (label, figures)
        for label, figures in series
        if any(f.value(metric.key) is not None for f in figures.values())
    ]


# --- Markers: the merger, the lockdown, training sessions ---------------------------------------


@dataclass(frozen=True)
class Marker:
    day: dt.date
    kind: Literal["merger", "lockdown", "training"]
    label: str
    sessions: int = 0


def common_markers(organisation: Organisation | None) -> list[Marker]:
    markers = []
    if organisation is not None and organisation.merger_date is not None:
        markers.append(Marker(organisation.merger_date, "merger", _("Merger")))
    markers.append(Marker(LOCKDOWN, "lockdown", _("Lockdown")))
    return markers


def training_markers(unit: Unit) -> list[Marker]:
    """The days of training sessions that people of ``unit``'s subtree took part in.

    Days and the number of sessions only — never who. People who have ever worked in the subtree
    count, so sessions before a reorganisation still show on the new unit's page.
    """
    taking_part = Enrolment.objects.filter(
        session=OuterRef("pk"),
        status__in=[EnrolmentStatus.ATTENDED, EnrolmentStatus.ENROLLED],
        employee__assignments__unit__path__startswith=unit.path,
    )
    starts = Session.objects.filter(Exists(taking_part)).values_list("starts_at", flat=True)
    days = Counter(timezone.localtime(start).date() for start in starts)
    return [
        Marker(day, "training", _("Training session"), sessions=count)
        for day, count in sorted(days.items())
    ]


def _within(markers: list[Marker], periods: Iterable[dt.date], grain: str) -> list[Marker]:
    dates = sorted(periods)
    if not dates:
        return []
    first, end = dates[0], next_period(dates[-1], grain)
    return [m for m in markers if first <= m.day < end]


# --- Charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    key: str  # the element id, and the name of the downloaded image
    title: str
    description: str  # the text alternative: what the chart shows, and where the numbers are
    spec: dict[str, object]
    table: Table | None = None

    @property
    def spec_id(self) -> str:
        return f"{self.key}-spec"


def _time_chart(
    key: str,
    title: str,
    metric: Metric,
    points: list[dict[str, object]],
    series: list[str],
    markers: list[Marker],
    table: Table,
) -> Chart:
    description = _(
        "Line chart of %(metric)s over time for %(series)s. The figures are in the table below "
        "the chart."
    ) % {"metric": metric_name(metric), "series": ", ".join(series)}
    spec = charts.time_chart(
        points,
        series=series,
        y_title=value_heading(metric),
        y_format=charts.axis_format(metric.unit),
        percent=metric.unit == "percent",
        markers=[
            {
                "day": m.day.isoformat(),
                "kind": m.label,
                "text": formats.date_format(m.day, "DATE_FORMAT"),
                "label": m.label if m.kind != "training" else "",
            }
            for m in markers
        ],
        marker_kinds=[_("Merger"), _("Lockdown"), _("Training session")],
        titles={
            "period": _("Period"),
            "series": _("Group"),
            "value": metric_name(metric),
            "marker": _("Marker"),
            "day": _("Date"),
        },
    )
    return Chart(key, title, description, spec, table)


def tables_of(*parts: Table | Chart | None) -> dict[str, Table]:
    """A page's tables by export name: its own, and those beside its charts."""
    found: dict[str, Table] = {}
    for part in parts:
        table = part.table if isinstance(part, Chart) else part
        if table is not None:
            found[table.key] = table
    return found


# --- The overview -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    metric: Metric
    name: str
    description: str
    value: str
    n: str
    suppressed: bool
    sentences: tuple[str, ...]
    spark: Chart


@dataclass(frozen=True)
class OverviewPage:
    period: dt.date | None
    period_label: str = ""
    period_span: str = ""
    n: str = ""
    headlines: tuple[Headline, ...] = ()
    spark_table: Table | None = None
    metrics_table: Table | None = None
    trend: Chart | None = None
    units: tuple[tuple[Unit, Entry], ...] = ()

    @property
    def tables(self) -> dict[str, Table]:
        return tables_of(self.metrics_table, self.spark_table, self.trend)


@cached_page
def overview(who: Access, params: Params) -> OverviewPage:
    grain, chosen = params.grain, params.metric_def
    period = latest(grain)
    if period is None:
        if not selectors.sees_adoption(who):
            raise selectors.NotAllowed
        return OverviewPage(period=None)
    figures = {f.period: f for f in shown(who, grain=grain, breakdown="")}
    now = figures.get(period)
    before = figures.get(previous_period(period, grain))
    year = year_before(period, grain)
    a_year_ago = figures.get(year) if year else None
    query = params.query()

    recent = sorted(figures)[-SPARKLINE_PERIODS[Grain(grain)] :]
    headlines = []
    for key in HEADLINE:
        metric = REGISTRY[key]
        spark_points = _points(metric, grain, metric_name(metric), {p: figures[p] for p in recent})
        headlines.append(
            Headline(
                metric=metric,
                name=metric_name(metric),
                description=metric_description(metric),
                value=value_entry(metric, now).text,
                n=n_entry(now).text,
                suppressed=bool(now and now.suppressed),
                sentences=tuple(_sentences(metric, grain, now, before, a_year_ago)),
                spark=Chart(
                    f"spark-{key}",
                    metric_name(metric),
                    "",
                    charts.sparkline(spark_points, percent=metric.unit == "percent"),
                ),
            )
        )
    org_name = _organisation_name()
    trend_figures = figures
    trend_table = _series_table(
        "oversikt-utvikling",
        _("%(metric)s, whole organisation, by %(grain)s")
        % {"metric": metric_name(chosen), "grain": _grain_word(grain)},
        chosen,
        grain,
        [(org_name, trend_figures)],
        query=query,
        with_n=True,
    )
    trend = _time_chart(
        "trend",
        _("%(metric)s over time") % {"metric": metric_name(chosen)},
        chosen,
        _points(chosen, grain, org_name, trend_figures),
        [org_name],
        _within(common_markers(get_organisation()), trend_figures, grain),
        trend_table,
    )
    return OverviewPage(
        period=period,
        period_label=period_text(period, grain),
        period_span=period_span(period, grain),
        n=n_entry(now).text,
        headlines=tuple(headlines),
        spark_table=_spark_table(grain, recent, figures, query),
        metrics_table=_metrics_table(grain, period, now, before, a_year_ago, query),
        trend=trend,
        units=tuple(_entry_units(who, grain, period, params)),
    )


def _organisation_name() -> str:
    organisation = get_organisation()
    return organisation.name if organisation is not None else _("Whole organisation")


def _grain_word(grain: str) -> str:
    return _("week") if grain == Grain.WEEK else _("month")


def _sentences(
    metric: Metric, grain: str, now: Shown | None, before: Shown | None, year: Shown | None
) -> list[str]:
    sentences = []
    for comparison, other in (("previous", before), ("year", year)):
        change = change_between(
            metric,
            now.value(metric.key) if now else None,
            other.value(metric.key) if other else None,
        )
        if change is not None:
            sentences.append(change_sentence(metric, change, comparison, grain))  # type: ignore[arg-type]
    return sentences


def _spark_table(
    grain: str, periods: list[dt.date], figures: Mapping[dt.date, Shown], query: str
) -> Table:
    metrics = [REGISTRY[k] for k in HEADLINE]
    columns = [*period_columns(grain), *(value_column(m) for m in metrics)]
    rows = [
        (*period_entries(p, grain), *(value_entry(m, figures.get(p)) for m in metrics))
        for p in periods
    ]
    caption = _("The headline figures, last %(count)d periods") % {"count": len(periods)}
    return Table("oversikt-siste", caption, tuple(columns), tuple(rows), query=query)


def _metrics_table(
    grain: str,
    period: dt.date,
    now: Shown | None,
    before: Shown | None,
    year: Shown | None,
    query: str,
) -> Table:
    columns = (
        Column(_("Metric")),
        Column(_("Value"), numeric=True, decimals=2),
        Column(_("Previous period"), numeric=True, decimals=2),
        Column(_("Change since the previous period"), numeric=True, decimals=2),
        Column(_("Same period last year"), numeric=True, decimals=2),
        Column(_("Change since the same period last year"), numeric=True, decimals=2),
        Column(_("Unit of measure")),
    )
    rows = []
    for metric in REGISTRY.values():
        rows.append(
            (
                text_entry(metric_name(metric)),
                value_entry(metric, now),
                value_entry(metric, before),
                change_entry(metric, now, before),
                value_entry(metric, year),
                change_entry(metric, now, year),
                text_entry(unit_word(metric)),
            )
        )
    caption = _("All metrics, whole organisation, %(period)s") % {
        "period": period_text(period, grain)
    }
    return Table("oversikt", caption, columns, tuple(rows), query=query)


def unit_word(metric: Metric) -> str:
    return {
        "percent": _("percent of the employees"),
        "per_person": _("per person per week"),
        "ratio": _("ratio from 0 to 1"),
        "count": _("number"),
    }[metric.unit]


def _entry_units(
    who: Access, grain: str, period: dt.date, params: Params
) -> list[tuple[Unit, Entry]]:
    """The top units the user may open, with their latest value of the chosen metric."""
    units = units_with_figures(who, grain, period)
    roots = root_units(units)
    figures = {
        f.unit_id: f
        for f in shown(
            who,
            grain=grain,
            breakdown="unit_subtree",
            unit_ids=[u.pk for u in roots],
            periods=[period],
        )
    }
    return [(u, value_entry(params.metric_def, figures.get(u.pk))) for u in roots]


# --- The unit page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSection:
    title: str
    chart: Chart | None
    note: str  # when nothing can be shown


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    ancestors: tuple[Unit, ...]
    period: dt.date | None
    period_label: str
    value: str
    n: str
    organisation_value: str
    organisation_name: str
    sentences: tuple[str, ...]
    chart: Chart | None
    markers: tuple[Marker, ...]
    groups: tuple[GroupSection, ...]
    children: Table | None

    @property
    def tables(self) -> dict[str, Table]:
        return tables_of(self.chart, *(g.chart for g in self.groups), self.children)


@cached_page
def unit_page(who: Access, params: Params) -> UnitPage:
    if params.unit is None:
        raise Http404("No unit chosen")
    if not selectors.sees_adoption(who):
        raise selectors.NotAllowed
    unit = get_unit_for_user(who, params.unit)
    metric, grain = params.metric_def, params.grain
    query = params.query()
    own = {
        f.period: f for f in shown(who, grain=grain, breakdown="unit_subtree", unit_ids=[unit.pk])
    }
    whole = {f.period: f for f in shown(who, grain=grain, breakdown="")}
    period = max(own) if own else latest(grain)
    now = own.get(period) if period else None
    before = own.get(previous_period(period, grain)) if period else None
    year = year_before(period, grain) if period else None
    org_name = _organisation_name()
    # The organisation over the unit's own periods, so both lines cover the same time.
    if own:
        first = min(own)
        whole = {p: f for p, f in whole.items() if first <= p <= max(own)}
    markers = _within(
        sorted([*common_markers(get_organisation()), *training_markers(unit)], key=lambda m: m.day),
        [*own, *whole],
        grain,
    )
    chart = None
    if own:
        table = _series_table(
            "enhet-utvikling",
            _("%(metric)s by %(grain)s: %(unit)s and %(organisation)s")
            % {
                "metric": metric_name(metric),
                "grain": _grain_word(grain),
                "unit": unit.name,
                "organisation": org_name,
            },
            metric,
            grain,
            [(unit.name, own), (org_name, whole)],
            query=query,
            with_n=True,
        )
        chart = _time_chart(
            "unit-chart",
            _("%(metric)s over time") % {"metric": metric_name(metric)},
            metric,
            [*_points(metric, grain, unit.name, own), *_points(metric, grain, org_name, whole)],
            [unit.name, org_name],
            markers,
            table,
        )
    return UnitPage(
        unit=unit,
        ancestors=tuple(_visible_ancestors(who, unit)),
        period=period,
        period_label=period_text(period, grain) if period else "",
        value=value_entry(metric, now).text if now else "–",
        n=n_entry(now).text if now else "–",
        organisation_value=value_entry(metric, whole.get(period)).text if period else "–",
        organisation_name=org_name,
        sentences=tuple(_sentences(metric, grain, now, before, own.get(year) if year else None)),
        chart=chart,
        markers=tuple(markers),
        groups=(
            _group_section(who, unit, params, "training_status", _("By training status")),
            _group_section(who, unit, params, "is_leader", _("Leaders and other employees")),
        ),
        children=_children_table(who, unit, params, period) if period else None,
    )


def _visible_ancestors(who: Access, unit: Unit) -> list[Unit]:
    ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk and int(pk) != unit.pk]
    found = {u.pk: u for u in selectors.units_for_user(who).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def group_series(
    figures: Iterable[Shown], group: str, former_names: Mapping[str, str]
) -> list[tuple[str, dict[dt.date, Shown]]]:
    """Figures by group value, in a fixed order, each labelled."""
    by_attribute: dict[str, dict[dt.date, Shown]] = defaultdict(dict)
    for figure in figures:
        by_attribute[figure.attribute][figure.period] = figure
    order = _GROUP_ORDER.get(group)
    if order is not None:
        attributes = [a for a in order if a in by_attribute]
        attributes += sorted(a for a in by_attribute if a not in order)
    else:
        attributes = sorted(
            by_attribute, key=lambda a: (a == "", group_label(group, a, former_names).casefold())
        )
    return [(group_label(group, a, former_names), by_attribute[a]) for a in attributes]


def both_visible(
    leaders: Mapping[dt.date, Shown], others: Mapping[dt.date, Shown]
) -> tuple[dict[dt.date, Shown], dict[dt.date, Shown]]:
    """Leaders and the others only in the periods where both groups may be shown."""
    periods = [
        p for p in leaders if p in others and not leaders[p].suppressed and not others[p].suppressed
    ]
    return {p: leaders[p] for p in periods}, {p: others[p] for p in periods}


def _group_section(who: Access, unit: Unit, params: Params, group: str, title: str) -> GroupSection:
    metric, grain = params.metric_def, params.grain
    figures = shown(who, grain=grain, breakdown=f"unit_subtree+{group}", unit_ids=[unit.pk])
    series = group_series(figures, group, {})
    if group == "is_leader":
        by_label = dict(series)
        leaders = by_label.get(group_label(group, "true", {}), {})
        others = by_label.get(group_label(group, "false", {}), {})
        leaders, others = both_visible(leaders, others)
        series = [
            (label, f)
            for label, f in ((_("Leaders"), leaders), (_("Other employees"), others))
            if f
        ]
    if not any(not f.suppressed for _label, fs in series for f in fs.values()):
        if group == "is_leader":
            note = _(
                "Leaders and the other employees are compared only where both groups are large "
                "enough to be shown; in this unit they never are."
            )
        else:
            note = _("The groups by training status are too small to be shown in this unit.")
        return GroupSection(title, None, note)
    key = "enhet-kursstatus" if group == "training_status" else "enhet-ledere"
    chart_title = _("%(metric)s: %(groups)s") % {
        "metric": metric_name(metric),
        "groups": lower_first(title),
    }
    table = _series_table(
        key,
        _("%(metric)s in %(unit)s: %(groups)s")
        % {"metric": metric_name(metric), "unit": unit.name, "groups": lower_first(title)},
        metric,
        grain,
        series,
        query=params.query(),
    )
    drawn = _drawn(metric, series)
    chart = _time_chart(
        f"unit-{group.replace('_', '-')}",
        chart_title,
        metric,
        [p for label, fs in drawn for p in _points(metric, grain, label, fs)],
        [label for label, _fs in drawn],
        _within(common_markers(get_organisation()), [p for _l, fs in series for p in fs], grain),
        table,
    )
    return GroupSection(title, chart, "")


def _children_table(who: Access, unit: Unit, params: Params, period: dt.date) -> Table | None:
    metric, grain = params.metric_def, params.grain
    children = units_with_figures(who, grain, period, parent=unit)
    if not children:
        return None
    before = previous_period(period, grain)
    figures = {
        (f.unit_id, f.period): f
        for f in shown(
            who,
            grain=grain,
            breakdown="unit_subtree",
            unit_ids=[u.pk for u in children],
            periods=[period, before],
        )
    }
    columns = (
        Column(_("Unit")),
        n_column(),
        value_column(metric),
        Column(
            change_heading(metric, "previous", grain), numeric=True, decimals=DECIMALS[metric.unit]
        ),
    )
    rows = tuple(
        (
            text_entry(child.name, unit_url(child, params)),
            n_entry(figures.get((child.pk, period))),
            value_entry(metric, figures.get((child.pk, period))),
            change_entry(metric, figures.get((child.pk, period)), figures.get((child.pk, before))),
        )
        for child in children
    )
    caption = _("Units below %(unit)s, %(period)s") % {
        "unit": unit.name,
        "period": period_text(period, grain),
    }
    return Table("enhet-underenheter", caption, columns, rows, query=params.query())


# --- Choosing units: a subtree and a level ------------------------------------------------------


@dataclass(frozen=True)
class UnitScope:
    options: tuple[tuple[int, str], ...]  # every unit that can be chosen, indented by depth
    levels: tuple[int, ...]
    under: Unit | None
    level: int
    units: tuple[Unit, ...]  # the units chosen


def unit_scope(
    who: Access, grain: str, period: dt.date, params: Params, *, default_level: int | None
) -> UnitScope:
    """The units of a comparison: those at ``level`` (all levels: ALL_LEVELS) under ``under``."""
    units = units_with_figures(who, grain, period)
    by_pk = {u.pk: u for u in units}
    under = by_pk.get(params.under) if params.under is not None else None
    levels = tuple(sorted({depth(u) for u in units}))
    level = params.level if params.level in (*levels, ALL_LEVELS) else None
    if level is None:
        if default_level is not None:
            level = default_level
        elif under is not None and depth(under) + 1 in levels:
            level = depth(under) + 1
        else:
            level = levels[0] if levels else ALL_LEVELS
    top = min(levels) if levels else 1
    chosen = tuple(
        u
        for u in units
        if (level == ALL_LEVELS or depth(u) == level)
        and (under is None or (u.path.startswith(under.path) and u.pk != under.pk))
    )
    options = tuple((u.pk, "\u2003" * (depth(u) - top) + u.name) for u in units)
    return UnitScope(options, levels, under, level, chosen)


# --- Unit comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparePage:
    period: dt.date | None
    period_label: str = ""
    scope: UnitScope | None = None
    table: Table | None = None

    @property
    def tables(self) -> dict[str, Table]:
        return tables_of(self.table)


@cached_page
def compare(who: Access, params: Params) -> ComparePage:
    if not selectors.sees_adoption(who):
        raise selectors.NotAllowed
    metric, grain = params.metric_def, params.grain
    period = latest(grain)
    if period is None:
        return ComparePage(None)
    scope = unit_scope(who, grain, period, params, default_level=None)
    before = previous_period(period, grain)
    year = year_before(period, grain)
    figures = {
        (f.unit_id, f.period): f
        for f in shown(
            who,
            grain=grain,
            breakdown="unit_subtree",
            unit_ids=[u.pk for u in scope.units],
            periods=[p for p in (period, before, year) if p is not None],
        )
    }

    def value_of(unit: Unit, when: dt.date | None) -> float | None:
        figure = figures.get((unit.pk, when)) if when else None
        return figure.value(metric.key) if figure else None

    steps = heat_steps(
        rounded(metric, v) for u in scope.units if (v := value_of(u, period)) is not None
    )
    rows: list[tuple[Entry, ...]] = []
    link = unit_urls(params)
    for unit in scope.units:
        now = figures.get((unit.pk, period))
        value = value_of(unit, period)
        heat = steps.get(rounded(metric, value)) if value is not None else None
        rows.append(
            (
                text_entry(unit.name, link(unit)),
                n_entry(now),
                value_entry(metric, now, heat=heat),
                change_entry(metric, now, figures.get((unit.pk, before))),
                change_entry(metric, now, figures.get((unit.pk, year)) if year else None),
            )
        )
    sort_index = {"name": 0, "n": 1, "value": 2, "change": 3, "year": 4}
    rows = sort_rows(rows, [u.sort_key for u in scope.units], sort_index[params.sort], params)
    headings = (
        (Column(_("Unit")), "name"),
        (n_column(), "n"),
        (value_column(metric), "value"),
        (
            Column(
                change_heading(metric, "previous", grain),
                numeric=True,
                decimals=DECIMALS[metric.unit],
            ),
            "change",
        ),
        (
            Column(
                change_heading(metric, "year", grain), numeric=True, decimals=DECIMALS[metric.unit]
            ),
            "year",
        ),
    )
    columns = tuple(_sortable(column, key, params) for column, key in headings)
    caption = _("%(metric)s by unit, %(period)s") % {
        "metric": metric_name(metric),
        "period": period_text(period, grain),
    }
    table = Table("sammenligning", caption, columns, tuple(rows), query=params.query(), heat=True)
    return ComparePage(period, period_text(period, grain), scope, table)


def sort_rows(
    rows: list[tuple[Entry, ...]], names: list[str], index: int, params: Params
) -> list[tuple[Entry, ...]]:
    """Sort by one column; hidden and missing numbers always last, names in Norwegian order."""
    keyed = list(zip(names, rows, strict=True))
    if index == 0:
        keyed.sort(key=lambda pair: pair[0], reverse=params.descending)
        return [row for _name, row in keyed]
    keyed.sort(key=lambda pair: pair[0])  # ties in alphabetical order
    present = [pair for pair in keyed if isinstance(pair[1][index].raw, (Decimal, int))]
    missing = [pair for pair in keyed if not isinstance(pair[1][index].raw, (Decimal, int))]
    present.sort(key=lambda pair: pair[1][index].raw, reverse=params.descending)  # type: ignore[arg-type, return-value]
    return [row for _name, row in (*present, *missing)]


def _sortable(column: Column, key: str, params: Params) -> Column:
    current = params.sort == key
    descending = not params.descending if current else key != "name"
    aria = ("descending" if params.descending else "ascending") if current else ""
    return replace(column, sort_query=params.query(sort=key, descending=descending), aria_sort=aria)


# --- Former organisations side by side ----------------------------------------------------------


@dataclass(frozen=True)
class FormerPage:
    unit: Unit | None
    scope_options: tuple[tuple[int, str], ...]
    chart: Chart | None
    sentence: str
    note: str

    @property
    def tables(self) -> dict[str, Table]:
        return tables_of(self.chart)


@cached_page
def former(who: Access, params: Params) -> FormerPage:
    if not selectors.sees_adoption(who):
        raise selectors.NotAllowed
    metric, grain = params.metric_def, params.grain
    organisation = get_organisation()
    names = (
        dict(organisation.former_organisations.values_list("code", "name")) if organisation else {}
    )
    period = latest(grain)
    units = units_with_figures(who, grain, period) if period else []
    options = tuple((u.pk, u.name) for u in units)
    unit = get_unit_for_user(who, params.unit) if params.unit is not None else None
    if unit is None and not who.organisation_wide:
        roots = root_units(units)
        unit = roots[0] if roots else None
    if unit is None:
        figures = shown(who, grain=grain, breakdown="former_org")
        whole = {f.period: f for f in shown(who, grain=grain, breakdown="")}
        place = _organisation_name()
    else:
        figures = shown(who, grain=grain, breakdown="unit_subtree+former_org", unit_ids=[unit.pk])
        whole = {
            f.period: f
            for f in shown(who, grain=grain, breakdown="unit_subtree", unit_ids=[unit.pk])
        }
        place = unit.name
    series = group_series(figures, "former_org", names)
    if not any(not f.suppressed for _label, fs in series for f in fs.values()):
        note = _(
            "There are no figures by former organisation to show here: the groups are too small, "
            "or the figures have not been computed."
        )
        return FormerPage(unit, options, None, "", note)
    named = [(label, fs) for label, fs in series if label != _("No former organisation")]
    everything = [*series, (_("All (%(place)s)") % {"place": place}, whole)]
    table = _series_table(
        "tidligere-kommuner",
        _("%(metric)s by former organisation, %(place)s")
        % {"metric": metric_name(metric), "place": place},
        metric,
        grain,
        everything,
        query=params.query(),
    )
    table = _with_difference(table, metric, named)
    drawn = _drawn(metric, everything)
    chart = _time_chart(
        "former-chart",
        _("%(metric)s by former organisation") % {"metric": metric_name(metric)},
        metric,
        [p for label, fs in drawn for p in _points(metric, grain, label, fs)],
        [label for label, _fs in drawn],
        _within(common_markers(organisation), [p for _l, fs in everything for p in fs], grain),
        table,
    )
    sentence = _convergence(metric, grain, named, organisation)
    return FormerPage(unit, options, chart, sentence, "")


def _with_difference(
    table: Table, metric: Metric, named: list[tuple[str, dict[dt.date, Shown]]]
) -> Table:
    """With exactly two former organisations, add the difference between them."""
    if len(named) != 2:
        return table
    (first, first_figures), (second, second_figures) = named
    column = Column(
        _("Difference (%(first)s − %(second)s)") % {"first": first, "second": second},
        numeric=True,
        decimals=DECIMALS[metric.unit],
    )
    rows = []
    for row in table.rows:
        period = row[1].raw
        assert isinstance(period, dt.date)
        a, b = first_figures.get(period), second_figures.get(period)
        rows.append(
            (
                *row,
                difference_entry(
                    metric, a.value(metric.key) if a else None, b.value(metric.key) if b else None
                ),
            )
        )
    return replace(table, columns=(*table.columns, column), rows=tuple(rows))


def _convergence(
    metric: Metric,
    grain: str,
    named: list[tuple[str, dict[dt.date, Shown]]],
    organisation: Organisation | None,
) -> str:
    """Did the two former organisations converge after the merger? One sentence."""
    if len(named) != 2:
        return ""
    (first, a), (second, b) = named
    both = sorted(
        p
        for p in a
        if p in b and a[p].value(metric.key) is not None and b[p].value(metric.key) is not None
    )
    merger = organisation.merger_date if organisation else None
    after = [p for p in both if merger is None or p >= merger]
    if len(after) < 2:
        return ""
    start, end = after[0], after[-1]

    def gap(period: dt.date) -> Decimal:
        change = change_between(metric, a[period].value(metric.key), b[period].value(metric.key))
        assert change is not None
        return change

    return _(
        "The difference between %(first)s and %(second)s was %(then)s in %(then_period)s and is "
        "%(now)s in %(now_period)s."
    ) % {
        "first": first,
        "second": second,
        "then": format_difference(metric, gap(start)),
        "then_period": period_text(start, grain),
        "now": format_difference(metric, gap(end)),
        "now_period": period_text(end, grain),
    }


# --- Leaders as role models -----------------------------------------------------------------------


@dataclass(frozen=True)
class LeadersPage:
    metrics: tuple[Metric, ...]  # the shares that can be chosen
    threshold: str
    chart: Chart | None
    sentences: tuple[str, ...]
    note: str
    scope: UnitScope | None
    table: Table | None
    left_out: int  # units where one of the groups is too small

    @property
    def tables(self) -> dict[str, Table]:
        return tables_of(self.chart, self.table)


def share_metrics() -> tuple[Metric, ...]:
    return tuple(m for m in REGISTRY.values() if m.unit == "percent")


def leaders_params(params: Params) -> Params:
    """The leaders page compares shares of people: another metric falls back to the default."""
    if params.metric_def.unit != "percent":
        return replace(params, metric=DEFAULT_METRIC)
    return params


@cached_page
def leaders(who: Access, params: Params) -> LeadersPage:
    if not selectors.sees_adoption(who):
        raise selectors.NotAllowed
    params = leaders_params(params)
    metric, grain = params.metric_def, params.grain
    threshold = Decimal(params.threshold)
    threshold_text = whole_percent(threshold)
    chart, sentences, note = None, [], ""
    leaders_fig, others_fig = _leader_split(shown(who, grain=grain, breakdown="is_leader"), None)
    if leaders_fig:
        series = [(_("Leaders"), leaders_fig), (_("Other employees"), others_fig)]
        table = _series_table(
            "ledere",
            _("%(metric)s, leaders and other employees, whole organisation")
            % {"metric": metric_name(metric)},
            metric,
            grain,
            series,
            query=params.query(),
        )
        table = _with_difference(table, metric, series)
        chart = _time_chart(
            "leaders-chart",
            _("%(metric)s: leaders and other employees") % {"metric": metric_name(metric)},
            metric,
            [p for label, fs in series for p in _points(metric, grain, label, fs)],
            [label for label, _fs in series],
            _within(common_markers(get_organisation()), leaders_fig, grain),
            table,
        )
        sentences = _adoption_sentences(metric, grain, threshold, leaders_fig, others_fig)
    elif who.organisation_wide:
        note = _(
            "Leaders and the other employees of the whole organisation are never both large "
            "enough to be shown, or the figures have not been computed."
        )
    period = latest(grain)
    scope = table_ = None
    left_out = 0
    if period is not None:
        scope = unit_scope(who, grain, period, params, default_level=None)
        table_, left_out = _leader_units(who, params, scope, threshold)
    return LeadersPage(
        share_metrics(), threshold_text, chart, tuple(sentences), note, scope, table_, left_out
    )


def _leader_split(
    figures: Iterable[Shown], unit_id: int | None
) -> tuple[dict[dt.date, Shown], dict[dt.date, Shown]]:
    leaders = {f.period: f for f in figures if f.attribute == "true" and f.unit_id == unit_id}
    others = {f.period: f for f in figures if f.attribute == "false" and f.unit_id == unit_id}
    return both_visible(leaders, others)


@dataclass(frozen=True)
class Reached:
    """When a group first reached the threshold; ``or_earlier``: at it from its first figure."""

    period: dt.date
    or_earlier: bool

    def label(self, grain: str) -> str:
        text = period_label(self.period, grain)
        return _("%(period)s or earlier") % {"period": text} if self.or_earlier else text


def first_reaching(
    metric: Metric, figures: Mapping[dt.date, Shown], threshold: Decimal
) -> Reached | None:
    periods = sorted(figures)
    for period in periods:
        value = figures[period].value(metric.key)
        if value is not None and rounded(metric, value) >= threshold:
            return Reached(period, or_earlier=period == periods[0])
    return None


def _lag(lead: Reached | None, rest: Reached | None, grain: str) -> int | None:
    """Periods from the leaders to the others; unknown when either was there from the start."""
    if lead is None or rest is None or lead.or_earlier or rest.or_earlier:
        return None
    return periods_apart(lead.period, rest.period, grain)


def _adoption_sentences(
    metric: Metric,
    grain: str,
    threshold: Decimal,
    leaders_fig: Mapping[dt.date, Shown],
    others_fig: Mapping[dt.date, Shown],
) -> list[str]:
    lead = first_reaching(metric, leaders_fig, threshold)
    rest = first_reaching(metric, others_fig, threshold)
    words = {
        "threshold": whole_percent(threshold),
        "leaders": lower_first(lead.label(grain)) if lead else "",
        "others": lower_first(rest.label(grain)) if rest else "",
    }
    if lead and rest:
        sentences = [
            _("Leaders reached %(threshold)s in %(leaders)s, the others in %(others)s.") % words
        ]
        lag = _lag(lead, rest, grain)
        if lag is None:
            pass
        elif lag == 0:
            sentences.append(_("Both groups got there in the same period."))
        elif grain == Grain.WEEK:
            sentences.append(
                (
                    ngettext(
                        "The others followed %(count)d week later.",
                        "The others followed %(count)d weeks later.",
                        lag,
                    )
                    if lag > 0
                    else ngettext(
                        "The others got there %(count)d week before the leaders.",
                        "The others got there %(count)d weeks before the leaders.",
                        -lag,
                    )
                )
                % {"count": abs(lag)}
            )
        else:
            sentences.append(
                (
                    ngettext(
                        "The others followed %(count)d month later.",
                        "The others followed %(count)d months later.",
                        lag,
                    )
                    if lag > 0
                    else ngettext(
                        "The others got there %(count)d month before the leaders.",
                        "The others got there %(count)d months before the leaders.",
                        -lag,
                    )
                )
                % {"count": abs(lag)}
            )
        return sentences
    if lead:
        return [_("Leaders reached %(threshold)s in %(leaders)s; the others have not yet.") % words]
    if rest:
        return [
            _("The others reached %(threshold)s in %(others)s; the leaders have not yet.") % words
        ]
    return [_("Neither group has reached %(threshold)s yet.") % words]


def _leader_units(
    who: Access, params: Params, scope: UnitScope, threshold: Decimal
) -> tuple[Table | None, int]:
    metric, grain = params.metric_def, params.grain
    figures = shown(
        who,
        grain=grain,
        breakdown="unit_subtree+is_leader",
        unit_ids=[u.pk for u in scope.units],
    )
    by_unit: dict[int | None, list[Shown]] = defaultdict(list)
    for figure in figures:
        by_unit[figure.unit_id].append(figure)
    rows, left_out = [], 0
    for unit in scope.units:
        leaders_fig, others_fig = _leader_split(by_unit.get(unit.pk, []), unit.pk)
        if not leaders_fig:
            left_out += 1 if by_unit.get(unit.pk) else 0
            continue
        lead = first_reaching(metric, leaders_fig, threshold)
        rest = first_reaching(metric, others_fig, threshold)
        last = max(leaders_fig)
        lag = _lag(lead, rest, grain)
        rows.append(
            (
                text_entry(unit.name, unit_url(unit, params)),
                _period_entry(lead, grain),
                _period_entry(rest, grain),
                Entry(raw=lag, text=number(lag, 0) if lag is not None else "–"),
                Entry(raw=period_label(last, grain), text=period_label(last, grain)),
                value_entry(metric, leaders_fig[last]),
                value_entry(metric, others_fig[last]),
            )
        )
    if not rows:
        return None, left_out
    lag_label = (
        _("Others later than leaders (weeks)")
        if grain == Grain.WEEK
        else _("Others later than leaders (months)")
    )
    words = {"threshold": whole_percent(threshold)}
    columns = (
        Column(_("Unit")),
        Column(_("Leaders reached %(threshold)s") % words),
        Column(_("Others reached %(threshold)s") % words),
        Column(lag_label, numeric=True),
        Column(_("Latest period with both groups")),
        value_column(metric, _("Leaders now")),
        value_column(metric, _("Others now")),
    )
    caption = _("When leaders and their units reached %(threshold)s, by unit") % words
    return Table("ledere-enheter", caption, columns, tuple(rows), query=params.query()), left_out


def _period_entry(reached: Reached | None, grain: str) -> Entry:
    if reached is None:
        return Entry(raw=None, text=_("not yet"))
    return Entry(raw=reached.label(grain), text=reached.label(grain))


# --- Where help is needed -----------------------------------------------------------------------


@dataclass(frozen=True)
class HelpPage:
    period: dt.date | None
    period_label: str = ""
    window: int = 0
    windows: tuple[int, ...] = ()
    start_label: str = ""
    scope: UnitScope | None = None
    lowest: Table | None = None
    slowest: Table | None = None
    chart: Chart | None = None
    hidden_units: int = 0

    @property
    def tables(self) -> dict[str, Table]:
        return tables_of(self.chart, self.slowest)


@cached_page
def where_help_is_needed(who: Access, params: Params) -> HelpPage:
    if not selectors.sees_adoption(who):
        raise selectors.NotAllowed
    metric, grain = params.metric_def, params.grain
    period = latest(grain)
    windows = WINDOWS[Grain(grain)]
    window = params.window if params.window in windows else DEFAULT_WINDOW[Grain(grain)]
    if period is None:
        return HelpPage(None, windows=windows, window=window)
    start = shift(period, grain, -window)
    scope = unit_scope(who, grain, period, params, default_level=ALL_LEVELS)
    figures = {
        (f.unit_id, f.period): f
        for f in shown(
            who,
            grain=grain,
            breakdown="unit_subtree",
            unit_ids=[u.pk for u in scope.units],
            periods=[period, start],
        )
    }
    now_values: list[tuple[Unit, Shown, Decimal]] = []
    growth: list[tuple[Unit, Shown, Shown, Decimal]] = []
    hidden = 0
    for unit in scope.units:
        now, then = figures.get((unit.pk, period)), figures.get((unit.pk, start))
        value = now.value(metric.key) if now else None
        if now is None or value is None:
            hidden += 1 if now is not None and now.suppressed else 0
            continue
        now_values.append((unit, now, rounded(metric, value)))
        earlier = then.value(metric.key) if then else None
        if then is not None and earlier is not None:
            growth.append((unit, now, then, rounded(metric, value - earlier)))
    now_values.sort(key=lambda t: (t[2], t[0].sort_key))
    growth.sort(key=lambda t: (t[3], t[0].sort_key))
    query = params.query()
    lowest = _help_table(
        "hjelp-lavest",
        _("The units lowest on “%(metric)s”, %(period)s")
        % {"metric": metric_name(metric), "period": period_text(period, grain)},
        metric,
        grain,
        [(u, now, None) for u, now, _v in now_values[:HELP_ROWS]],
        params,
        query,
    )
    slowest = _help_table(
        "hjelp-vekst",
        _("The units with the slowest growth on “%(metric)s” from %(start)s to %(end)s")
        % {
            "metric": metric_name(metric),
            "start": period_text(start, grain),
            "end": period_text(period, grain),
        },
        metric,
        grain,
        [(u, now, then) for u, now, then, _c in growth[:HELP_ROWS]],
        params,
        query,
    )
    chart = None
    if lowest is not None:
        bars = [
            {"unit": u.name, "value": float(v), "text": format_value(metric, float(v))}
            for u, _now, v in now_values[:HELP_ROWS]
        ]
        whole = {f.period: f for f in shown(who, grain=grain, breakdown="", periods=[period])}
        org_value = whole[period].value(metric.key) if period in whole else None
        chart = Chart(
            "help-chart",
            lowest.caption,
            _(
                "Bar chart of the units lowest on “%(metric)s”. The figures are in the table below "
                "the chart."
            )
            % {"metric": metric_name(metric)},
            charts.bar_chart(
                bars,
                x_title=value_heading(metric),
                x_format=charts.axis_format(metric.unit),
                reference=float(rounded(metric, org_value)) if org_value is not None else None,
                reference_label=_organisation_name(),
                titles={"unit": _("Unit"), "value": metric_name(metric)},
            ),
            lowest,
        )
    return HelpPage(
        period,
        period_text(period, grain),
        window,
        windows,
        period_text(start, grain),
        scope,
        lowest,
        slowest,
        chart,
        hidden,
    )


def _help_table(
    key: str,
    caption: str,
    metric: Metric,
    grain: str,
    rows: list[tuple[Unit, Shown, Shown | None]],
    params: Params,
    query: str,
) -> Table | None:
    if not rows:
        return None
    growth = any(then is not None for _u, _now, then in rows)
    columns: list[Column] = [Column(_("Unit")), n_column(), value_column(metric)]
    if growth:
        columns.insert(2, value_column(metric, _("At the start of the window")))
        columns.append(Column(_("Growth"), numeric=True, decimals=DECIMALS[metric.unit]))
    entries = []
    for unit, now, then in rows:
        row = [
            text_entry(unit.name, unit_url(unit, params)),
            n_entry(now),
            value_entry(metric, now),
        ]
        if growth:
            row.insert(2, value_entry(metric, then))
            row.append(change_entry(metric, now, then))
        entries.append(tuple(row))
    return Table(key, caption, tuple(columns), tuple(entries), query=query)


def metric_choices() -> list[tuple[str, str]]:
    return [(m.key, metric_name(m)) for m in REGISTRY.values()]
