"""The adoption metrics: each one declared once, here; everything else reads this registry.

A metric is a pair of SQL aggregate expressions — a numerator and a denominator — over the
*person-week table*: one row per person and ISO week they were employed (the caller's ``people``
table), with each usage report's snapshot of that week joined to it. The engine evaluates both
expressions over each person's weeks in a period (grouped by person, period and the requested
groups), and the figure of a group is the sum over its people::

    percent      100 × Σ numerator ÷ Σ denominator
    per_person   Σ numerator ÷ Σ denominator   (denominator: the person's weeks: "per person-week")
    ratio        Σ numerator ÷ Σ denominator
    count        Σ numerator                   (no denominator)

So a share of people is declared as "was it true in any of the person's weeks" (``MAX`` of 0/1)
over ``1`` (the person), and the same declaration serves weeks and months: a month's "active"
share is the share active in at least one of its weeks, and a per-person figure is per person
*per week* in both grains, so months of four and five weeks compare.

Inside the expressions a report's columns are written ``"<report key>"."<canonical column>"``
(the column names of :mod:`veikart.usage.formats`, with ``person`` for the pseudonym); a person
without a row in a report that week reads as null there, so counts are wrapped in
``COALESCE(…, 0)``. Besides the report columns an expression may use ``"people"."person"`` and
``"people"."week_start"``, and a metric with ``previous_sql`` may use ``"previous"."<its key>"``:
whether ``previous_sql`` held for the person in any week of the period before.

"Active in a week" is read from the snapshot's own seven-day window: a last-activity date later
than the refresh date minus 7, or any activity counted in it. No Django imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from veikart.usage.formats import REPORTS, UPN

Unit = Literal["percent", "per_person", "ratio", "count"]
UNITS: tuple[Unit, ...] = ("percent", "per_person", "ratio", "count")

# Columns of the person-week table that are not report columns (see the module docstring).
PEOPLE_COLUMNS: frozenset[str] = frozenset({"person", "week_start"})
PREVIOUS = "previous"

_REFERENCE = re.compile(r'"([^"]+)"\."([^"]+)"')
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_WINDOW_DAYS = 7  # a weekly (D7) snapshot covers the refresh date and the six days before it


def report_columns(report: str) -> frozenset[str]:
    """The columns a report's snapshots have in the lake (``upn`` is stored as ``person``)."""
    names = {f.name for f in REPORTS[report].fields}
    return frozenset(("person" if name == UPN else name) for name in names)


def references(sql: str) -> set[tuple[str, str]]:
    """Every ``"table"."column"`` an expression uses."""
    return {(m.group(1), m.group(2)) for m in _REFERENCE.finditer(sql)}


@dataclass(frozen=True)
class Metric:
    """One adoption metric; see the module docstring for what the SQL may refer to."""

    key: str
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str
    unit: Unit
    reports: tuple[str, ...]  # report keys (formats.REPORTS) the expressions read
    numerator_sql: str  # an SQL aggregate over one person's weeks in a period
    denominator_sql: str | None  # likewise (or a constant); None exactly when unit == "count"
    previous_sql: str | None = None  # a per-person-week condition, seen as "previous"."<key>"

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError(f"metric {self.key!r}: " + "; ".join(problems))

    @property
    def expressions(self) -> tuple[str, ...]:
        return tuple(
            sql
            for sql in (self.numerator_sql, self.denominator_sql, self.previous_sql)
            if sql is not None
        )

    def columns(self) -> set[tuple[str, str]]:
        """Every ``(table, column)`` the metric's SQL refers to."""
        found: set[tuple[str, str]] = set()
        for sql in self.expressions:
            found |= references(sql)
        return found

    def report_columns(self, report: str) -> set[str]:
        """The columns of ``report`` the metric reads."""
        return {column for table, column in self.columns() if table == report}

    def problems(self) -> list[str]:
        """What is wrong with the declaration (empty when it is sound)."""
        problems: list[str] = []
        if not _KEY.fullmatch(self.key):
            problems.append("the key must be lower-case letters, digits and underscores")
        texts = (self.name_nb, self.name_en, self.description_nb, self.description_en)
        if not all(text.strip() for text in texts):
            problems.append("it needs a name and a description in bokmål and English")
        if self.unit not in UNITS:
            problems.append(f"unknown unit {self.unit!r}")
        if (self.denominator_sql is None) != (self.unit == "count"):
            problems.append("a count has no denominator; every other unit has one")
        if not self.reports:
            problems.append("it reads no report")
        unknown = [r for r in self.reports if r not in REPORTS or not REPORTS[r].is_user_detail]
        if unknown:
            problems.append(f"not user-detail reports: {', '.join(unknown)}")
            return problems
        if any(";" in sql for sql in self.expressions):
            problems.append("an expression may not contain ';'")
        # A report's own person column is not read: the person is "people"."person".
        allowed = {(r, c) for r in self.reports for c in report_columns(r) - {"person"}}
        allowed |= {("people", c) for c in PEOPLE_COLUMNS}
        if self.previous_sql is not None:
            allowed.add((PREVIOUS, self.key))
            if (PREVIOUS, self.key) in references(self.previous_sql):
                problems.append("previous_sql cannot refer to the previous period itself")
        for table, column in sorted(self.columns() - allowed):
            problems.append(f'"{table}"."{column}" is not a column it may read')
        unused = [r for r in self.reports if not self.report_columns(r)]
        if unused:
            problems.append(f"declares reports it does not read: {', '.join(unused)}")
        return problems


# --- building blocks of the expressions -------------------------------------------------------

TEAMS = "teams_user_detail"
EMAIL = "email_user_detail"
ONEDRIVE = "onedrive_user_detail"
SHAREPOINT = "sharepoint_user_detail"
M365 = "m365_active_user_detail"

ONE_PERSON = "1"  # the denominator of a share of people
PERSON_WEEKS = "COUNT(*)"  # the person's weeks in the period


def _col(report: str, column: str) -> str:
    return f'"{report}"."{column}"'


def _sum_of_counts(report: str, *columns: str) -> str:
    return " + ".join(f"COALESCE({_col(report, c)}, 0)" for c in columns)


def _in_window(report: str, date_sql: str) -> str:
    """The date falls in the seven days the snapshot covers (its refresh date and the 6 before)."""
    return f"{date_sql} > {_col(report, 'report_refresh_date')} - {_WINDOW_DAYS}"


def _any_week(condition: str) -> str:
    """1 if the condition held in the person's week, else 0 (the engine evaluates numerators
    per person and week; a month sums its weeks)."""
    return f"MAX({_one_if(condition)})"


def _one_if(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


_M365_SERVICES = ("exchange", "onedrive", "sharepoint", "skype_for_business", "yammer", "teams")
# Workloads for digital breadth: Skype for Business is left out — it was being replaced by Teams
# in these years, and counting both would reward the very double use the programme ends.
_BREADTH_SERVICES = ("exchange", "teams", "onedrive", "sharepoint", "yammer")

TEAMS_MESSAGES = _sum_of_counts(TEAMS, "private_chat_message_count", "team_chat_message_count")
TEAMS_ACTIVE = (
    f"({_in_window(TEAMS, _col(TEAMS, 'last_activity_date'))} OR "
    f"{_sum_of_counts(TEAMS, 'private_chat_message_count', 'team_chat_message_count')} + "
    f"{_sum_of_counts(TEAMS, 'call_count', 'meeting_count')} > 0)"
)
# Meetings Attended Count came with the 2020 header; older files have only Meeting Count (the
# meetings a person took part in), which is the nearest thing before that.
MEETINGS_ATTENDED = (
    f"COALESCE({_col(TEAMS, 'meetings_attended_count')}, {_col(TEAMS, 'meeting_count')}, 0)"
)
EMAILS_SENT = _sum_of_counts(EMAIL, "send_count")
_FILE_ACTIVITY = (
    "viewed_or_edited_file_count",
    "synced_file_count",
    "shared_internally_file_count",
    "shared_externally_file_count",
)
# File activity only: a SharePoint page visit (the intranet) is not working with files.
FILES_ACTIVE = (
    f"({_sum_of_counts(ONEDRIVE, *_FILE_ACTIVITY)} + "
    f"{_sum_of_counts(SHAREPOINT, *_FILE_ACTIVITY)} > 0)"
)
FILES_VIEWED_OR_EDITED = (
    f"{_sum_of_counts(ONEDRIVE, 'viewed_or_edited_file_count')} + "
    f"{_sum_of_counts(SHAREPOINT, 'viewed_or_edited_file_count')}"
)
M365_ACTIVE = _in_window(
    M365,
    "GREATEST(" + ", ".join(_col(M365, f"{s}_last_activity_date") for s in _M365_SERVICES) + ")",
)
WORKLOADS_USED = " + ".join(
    _one_if(_in_window(M365, _col(M365, f"{s}_last_activity_date"))) for s in _BREADTH_SERVICES
)

_PER_WEEK_NB = "Per person per uke; for en måned er tallet gjennomsnittet av ukene i måneden."
_PER_WEEK_EN = "Per person per week; for a month, the average of its weeks."
# A month's share is the share of its person-weeks (ADR 0004), not "active at least once".
_SHARE_NB = "For en måned er tallet gjennomsnittet av ukene i måneden."
_SHARE_EN = "For a month, the average of its weeks."

_METRICS: tuple[Metric, ...] = (
    Metric(
        key="active_m365",
        name_nb="Aktive i Microsoft 365",
        name_en="Active in Microsoft 365",
        description_nb=(
            "Andel av de ansatte som brukte minst én Microsoft 365-tjeneste (e-post, Teams, "
            "OneDrive, SharePoint, Skype for Business eller Viva Engage) i uka. " + _SHARE_NB
        ),
        description_en=(
            "Share of the employees who used at least one Microsoft 365 service (e-mail, Teams, "
            "OneDrive, SharePoint, Skype for Business or Viva Engage) in the week. " + _SHARE_EN
        ),
        unit="percent",
        reports=(M365,),
        numerator_sql=_any_week(M365_ACTIVE),
        denominator_sql=ONE_PERSON,
    ),
    Metric(
        key="active_teams",
        name_nb="Aktive i Teams",
        name_en="Active in Teams",
        description_nb="Andel av de ansatte som brukte Teams i uka. " + _SHARE_NB,
        description_en="Share of the employees who used Teams in the week. " + _SHARE_EN,
        unit="percent",
        reports=(TEAMS,),
        numerator_sql=_any_week(TEAMS_ACTIVE),
        denominator_sql=ONE_PERSON,
    ),
    Metric(
        key="teams_messages_per_person",
        name_nb="Teams-meldinger per person",
        name_en="Teams messages per person",
        description_nb=(
            "Meldinger i chat og i kanaler i Teams, delt på antall ansatte. " + _PER_WEEK_NB
        ),
        description_en=(
            "Teams messages in chats and in channels, divided by the number of employees. "
            + _PER_WEEK_EN
        ),
        unit="per_person",
        reports=(TEAMS,),
        numerator_sql=f"SUM({TEAMS_MESSAGES})",
        denominator_sql=PERSON_WEEKS,
    ),
    Metric(
        key="meetings_attended_per_person",
        name_nb="Teams-møter deltatt i per person",
        name_en="Teams meetings attended per person",
        description_nb=("Teams-møter de ansatte deltok i, delt på antall ansatte. " + _PER_WEEK_NB),
        description_en=(
            "Teams meetings the employees attended, divided by the number of employees. "
            + _PER_WEEK_EN
        ),
        unit="per_person",
        reports=(TEAMS,),
        numerator_sql=f"SUM({MEETINGS_ATTENDED})",
        denominator_sql=PERSON_WEEKS,
    ),
    Metric(
        key="files_active",
        name_nb="Aktive med filer i OneDrive/SharePoint",
        name_en="Active with files in OneDrive/SharePoint",
        description_nb=(
            "Andel av de ansatte som viste, redigerte, synkroniserte eller delte filer i "
            "OneDrive eller SharePoint i uka (sidebesøk på intranettet teller ikke). " + _SHARE_NB
        ),
        description_en=(
            "Share of the employees who viewed, edited, synced or shared files in OneDrive or "
            "SharePoint in the week (visiting intranet pages does not count). " + _SHARE_EN
        ),
        unit="percent",
        reports=(ONEDRIVE, SHAREPOINT),
        numerator_sql=_any_week(FILES_ACTIVE),
        denominator_sql=ONE_PERSON,
    ),
    Metric(
        key="files_per_person",
        name_nb="Filer vist eller redigert per person",
        name_en="Files viewed or edited per person",
        description_nb=(
            "Filer vist eller redigert i OneDrive og SharePoint, delt på antall ansatte. "
            + _PER_WEEK_NB
        ),
        description_en=(
            "Files viewed or edited in OneDrive and SharePoint, divided by the number of "
            "employees. " + _PER_WEEK_EN
        ),
        unit="per_person",
        reports=(ONEDRIVE, SHAREPOINT),
        numerator_sql=f"SUM({FILES_VIEWED_OR_EDITED})",
        denominator_sql=PERSON_WEEKS,
    ),
    Metric(
        key="emails_sent_per_person",
        name_nb="E-poster sendt per person",
        name_en="E-mails sent per person",
        description_nb="E-poster sendt, delt på antall ansatte. " + _PER_WEEK_NB,
        description_en="E-mails sent, divided by the number of employees. " + _PER_WEEK_EN,
        unit="per_person",
        reports=(EMAIL,),
        numerator_sql=f"SUM({EMAILS_SENT})",
        denominator_sql=PERSON_WEEKS,
    ),
    Metric(
        key="email_to_teams_shift",
        name_nb="Skifte fra e-post til Teams",
        name_en="Shift from e-mail to Teams",
        description_nb=(
            "Teams-meldinger delt på Teams-meldinger og sendte e-poster til sammen: 0 når all "
            "kommunikasjon går på e-post, 1 når alt går i Teams."
        ),
        description_en=(
            "Teams messages divided by Teams messages and e-mails sent together: 0 when all "
            "communication is e-mail, 1 when it is all Teams."
        ),
        unit="ratio",
        reports=(TEAMS, EMAIL),
        numerator_sql=f"SUM({TEAMS_MESSAGES})",
        denominator_sql=f"SUM({TEAMS_MESSAGES} + {EMAILS_SENT})",
    ),
    Metric(
        key="returning_users",
        name_nb="Tilbakevendende brukere",
        name_en="Returning users",
        description_nb=(
            "Andel av de ansatte som var aktive i Microsoft 365 både denne og forrige uke. "
            + _SHARE_NB
        ),
        description_en=(
            "Share of the employees who were active in Microsoft 365 both this week and the "
            "week before. " + _SHARE_EN
        ),
        unit="percent",
        reports=(M365,),
        numerator_sql=_any_week(f'{M365_ACTIVE} AND "{PREVIOUS}"."returning_users"'),
        denominator_sql=ONE_PERSON,
        previous_sql=M365_ACTIVE,
    ),
    Metric(
        key="digital_breadth",
        name_nb="Digital bredde",
        name_en="Digital breadth",
        description_nb=(
            "Antall arbeidsverktøy (e-post, Teams, OneDrive, SharePoint, Viva Engage) hver "
            "ansatt brukte, i gjennomsnitt. " + _PER_WEEK_NB
        ),
        description_en=(
            "Number of workloads (e-mail, Teams, OneDrive, SharePoint, Viva Engage) each "
            "employee used, on average. " + _PER_WEEK_EN
        ),
        unit="per_person",
        reports=(M365,),
        numerator_sql=f"SUM({WORKLOADS_USED})",
        denominator_sql=PERSON_WEEKS,
    ),
)

REGISTRY: dict[str, Metric] = {m.key: m for m in _METRICS}
