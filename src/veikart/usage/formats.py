"""The Microsoft 365 usage reports Veikart reads: detection by header set, canonical schemas.

A report is recognised from the *set* of its header names — never from the file name or the
column positions (see the shared reference on Microsoft 365 usage reports): real files order
columns differently from the documentation, Microsoft appends new columns at the end over the
years, older files lack the newer columns, and the admin-centre export may add some of its own.
Header names are normalised before matching (byte-order mark stripped, runs of whitespace
collapsed to one space, compared case-insensitively), so ``Used  Chrome OS`` is ``Used Chrome OS``.

Every report has a *canonical schema*: the columns of its snapshots in the usage lake, the same
for every header version. A column the file lacks (an older header version) is all null; a column
Veikart does not know is reported in ``unknown_columns`` and ignored. Column types: counts and
seconds are ``int64``, booleans ``bool``, dates ``date32``, text ``string``; ``report_period`` is
``int32``. Empty cells are null. Names of people are never stored: ``Display Name`` is not read
into the output, nor the Teams ``User Id`` (it identifies a person as much as the UPN does);
``upn`` is still in clear text here and replaced by a pseudonym before anything is written.

Durations come in two spellings in Teams reports: ISO-8601 (``PT1H2M3S``) and integer
``… In Seconds`` columns. The canonical ``…_duration_seconds`` column takes the ``In Seconds``
column when the file has it and parses the ISO-8601 text otherwise.

User-detail reports (form ``period`` for D7/D30/D90/D180 files, ``date`` for one-day files) all
start with ``report_refresh_date`` (date, the same on every row), ``report_period`` (int32: 7, 30,
90, 180 in period form, 1 in date form, null where the report has no such column) and
``report_date`` (date: the day of a date-form file, null in period form), then ``upn`` (string).
The rest, per report (key — Graph function):

``teams_user_detail`` — getTeamsUserActivityUserDetail
    tenant_display_name (string), last_activity_date (date), is_deleted (bool),
    deleted_date (date), assigned_products (string, ``+``-joined), team_chat_message_count,
    private_chat_message_count, call_count, meeting_count, post_messages, reply_messages,
    urgent_messages, meetings_organized_count, meetings_attended_count,
    ad_hoc_meetings_organized_count, ad_hoc_meetings_attended_count,
    scheduled_one_time_meetings_organized_count, scheduled_one_time_meetings_attended_count,
    scheduled_recurring_meetings_organized_count, scheduled_recurring_meetings_attended_count
    (int64 counts), audio_duration_seconds, video_duration_seconds,
    screen_share_duration_seconds (int64), has_other_action (bool), is_licensed (bool)

``email_user_detail`` — getEmailActivityUserDetail
    is_deleted (bool), deleted_date (date), last_activity_date (date), send_count,
    receive_count, read_count, meeting_created_count, meeting_interacted_count (int64),
    assigned_products (string)

``onedrive_user_detail`` — getOneDriveActivityUserDetail
    is_deleted (bool), deleted_date (date), last_activity_date (date),
    viewed_or_edited_file_count, synced_file_count, shared_internally_file_count,
    shared_externally_file_count (int64), assigned_products (string)

``sharepoint_user_detail`` — getSharePointActivityUserDetail
    as OneDrive, plus visited_page_count (int64) before assigned_products

``m365_active_user_detail`` — getOffice365ActiveUserDetail (no Report Period: always null)
    is_deleted (bool), deleted_date (date), has_exchange_license, has_onedrive_license,
    has_sharepoint_license, has_skype_for_business_license, has_yammer_license,
    has_teams_license (bool), exchange_last_activity_date, onedrive_last_activity_date,
    sharepoint_last_activity_date, skype_for_business_last_activity_date,
    yammer_last_activity_date, teams_last_activity_date, exchange_license_assign_date,
    onedrive_license_assign_date, sharepoint_license_assign_date,
    skype_for_business_license_assign_date, yammer_license_assign_date,
    teams_license_assign_date (date), assigned_products (string)

``yammer_user_detail`` — getYammerActivityUserDetail (Viva Engage)
    user_state (string), state_change_date (date), last_activity_date (date), posted_count,
    read_count, liked_count (int64), assigned_products (string)

``teams_device_user_detail`` — getTeamsDeviceUsageUserDetail
    last_activity_date (date), is_deleted (bool), deleted_date (date), used_web,
    used_windows_phone, used_ios, used_mac, used_android_phone, used_windows, used_chrome_os,
    used_linux, is_licensed (bool)

Organisation-level daily series (form ``series``, one row per day, rows may come newest first)
start with ``report_refresh_date`` (date), ``report_period`` (int32) and ``report_date`` (date,
the day of the row, never null); their counts are int64 and may be null (empty cells):

``teams_activity_counts`` — getTeamsUserActivityCounts
    team_chat_messages, post_messages, reply_messages, private_chat_messages, calls, meetings,
    audio_duration_seconds, video_duration_seconds, screen_share_duration_seconds (parsed from
    ISO-8601), meetings_organized, meetings_attended (``Meetings Organized`` or
    ``Meetings Organized Count``; likewise attended)

``teams_user_counts`` — getTeamsUserActivityUserCounts
    team_chat_messages, private_chat_messages, calls, meetings, other_actions (users per activity)

``email_activity_counts`` — getEmailActivityCounts
    send, receive, read, meeting_created, meeting_interacted

``onedrive_user_counts`` — getOneDriveActivityUserCounts
    viewed_or_edited, synced, shared_internally, shared_externally

``m365_active_user_counts`` — getOffice365ActiveUserCounts
    office_365, exchange, onedrive, sharepoint, skype_for_business, yammer, teams

No Django imports: the reader, the lake and the benchmarks use this module alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

from veikart.usage.contract import Form, ReportError

# How a cell's text is read. "seconds" is an integer ``… In Seconds`` column, "duration" an
# ISO-8601 duration; both become int64 seconds. "period" is the Report Period (int32).
Kind = Literal["string", "count", "bool", "date", "seconds", "duration", "period"]

ARROW_TYPES: dict[Kind, pa.DataType] = {
    "string": pa.string(),
    "count": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "seconds": pa.int64(),
    "duration": pa.int64(),
    "period": pa.int32(),
}

# Columns with a role the reader checks file-wide (present in every canonical schema, or in
# every user-detail schema).
REFRESH_DATE = "report_refresh_date"
REPORT_PERIOD = "report_period"
REPORT_DATE = "report_date"
UPN = "upn"

_WHITESPACE = re.compile(r"\s+")
_HEX32 = re.compile(r"[0-9A-Fa-f]{32}")


def normalise_header(name: str) -> str:
    """A header name as matched and shown: no BOM, single spaces, no outer whitespace."""
    return _WHITESPACE.sub(" ", name.replace("\ufeff", "")).strip()


def header_key(name: str) -> str:
    """The case-insensitive key a header name is matched by."""
    return normalise_header(name).casefold()


def snake(name: str) -> str:
    """``Scheduled One-time Meetings Organized Count`` → ``scheduled_one_time_meetings_…``."""
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


@dataclass(frozen=True)
class Source:
    """One header Microsoft writes, and how its text is read."""

    header: str
    kind: Kind


@dataclass(frozen=True)
class Field:
    """One column of a canonical schema, and the headers it is read from (first present wins)."""

    name: str
    kind: Kind  # the canonical kind; its Arrow type is ARROW_TYPES[kind]
    sources: tuple[Source, ...]  # empty: derived by the reader (report_date of user detail)

    @property
    def type(self) -> pa.DataType:
        return ARROW_TYPES[self.kind]


@dataclass(frozen=True)
class ReportFormat:
    """One Microsoft 365 usage report: how to recognise it and what it becomes in the lake."""

    key: str  # canonical key, e.g. "teams_user_detail"
    graph_name: str  # e.g. "getTeamsUserActivityUserDetail"
    title: str  # for messages: "the Teams user activity report"
    forms: tuple[Form, ...]
    fields: tuple[Field, ...]
    required: tuple[str, ...]  # header names that identify the report (a minimal subset)
    needed: tuple[str, ...]  # header names without which a file cannot be read
    ignored: tuple[str, ...]  # known header names that are never stored
    versions: tuple[tuple[str, tuple[str, ...]], ...]  # (header version, headers it added)
    _sources: dict[str, tuple[Field, Source]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sources = {
            header_key(source.header): (f, source) for f in self.fields for source in f.sources
        }
        object.__setattr__(self, "_sources", sources)

    @property
    def is_user_detail(self) -> bool:
        return self.forms != ("series",)

    @property
    def schema(self) -> pa.Schema:
        """The canonical schema: the columns of this report's snapshots in the lake."""
        return pa.schema([pa.field(f.name, f.type) for f in self.fields])

    @property
    def known_keys(self) -> frozenset[str]:
        return frozenset(self._sources) | {header_key(h) for h in self.ignored}

    @property
    def required_keys(self) -> frozenset[str]:
        return frozenset(header_key(h) for h in self.required)

    def source_for(self, header: str) -> tuple[Field, Source] | None:
        """The canonical column a header is read into, or None (ignored or unknown)."""
        return self._sources.get(header_key(header))

    def header_version(self, headers: Iterable[str]) -> str:
        """The newest header version any of whose added columns the file has."""
        keys = {header_key(h) for h in headers}
        version = self.versions[0][0]
        for name, added in self.versions[1:]:
            if any(header_key(h) in keys for h in added):
                version = name
        return version

    def example(self) -> str:
        """``the Teams user activity report (User Principal Name, Team Chat …, …)``."""
        return f"{self.title} ({', '.join(self.required)}, …)"


# --- building blocks ------------------------------------------------------------------------


def _f(header: str, kind: Kind, name: str | None = None) -> Field:
    """A column read from one header of the same meaning."""
    return Field(name or snake(header), kind, (Source(header, kind),))


def _duration(label: str, *, in_seconds: bool) -> Field:
    """``Audio Duration In Seconds`` (preferred when present), else ISO-8601 ``Audio Duration``."""
    iso = Source(f"{label} Duration", "duration")
    sources = (Source(f"{label} Duration In Seconds", "seconds"), iso) if in_seconds else (iso,)
    return Field(f"{snake(label)}_duration_seconds", "duration", sources)


def _aliases(name: str, *headers: str) -> Field:
    """A count Microsoft has spelled in more than one way."""
    return Field(name, "count", tuple(Source(h, "count") for h in headers))


def _counts(*headers: str) -> tuple[Field, ...]:
    return tuple(_f(h, "count") for h in headers)


_USER_DETAIL_HEAD: tuple[Field, ...] = (
    _f("Report Refresh Date", "date"),
    _f("Report Period", "period"),
    Field(REPORT_DATE, "date", ()),
    _f("User Principal Name", "string", UPN),
)
_DELETED: tuple[Field, ...] = (_f("Is Deleted", "bool"), _f("Deleted Date", "date"))
_LAST_ACTIVITY = _f("Last Activity Date", "date")
_PRODUCTS = _f("Assigned Products", "string")
_SERIES_HEAD: tuple[Field, ...] = (
    _f("Report Refresh Date", "date"),
    _f("Report Period", "period"),
    _f("Report Date", "date"),
)
_USER_NEEDED = ("Report Refresh Date", "User Principal Name")
_SERIES_NEEDED = ("Report Refresh Date", "Report Date")
_SERVICES = ("Exchange", "OneDrive", "SharePoint", "Skype For Business", "Yammer", "Teams")
_DEVICES = ("Web", "Windows Phone", "iOS", "Mac", "Android Phone", "Windows", "Chrome OS", "Linux")

_TEAMS_2020 = (
    "Meetings Organized Count",
    "Meetings Attended Count",
    "Ad Hoc Meetings Organized Count",
    "Ad Hoc Meetings Attended Count",
    "Scheduled One-time Meetings Organized Count",
    "Scheduled One-time Meetings Attended Count",
    "Scheduled Recurring Meetings Organized Count",
    "Scheduled Recurring Meetings Attended Count",
    "Audio Duration",
    "Video Duration",
    "Screen Share Duration",
    "Audio Duration In Seconds",
    "Video Duration In Seconds",
    "Screen Share Duration In Seconds",
    "Is Licensed",
)

_REPORTS: tuple[ReportFormat, ...] = (
    ReportFormat(
        key="teams_user_detail",
        graph_name="getTeamsUserActivityUserDetail",
        title="the Teams user activity report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            _f("Tenant Display Name", "string"),
            _LAST_ACTIVITY,
            *_DELETED,
            _PRODUCTS,
            *_counts(
                "Team Chat Message Count",
                "Private Chat Message Count",
                "Call Count",
                "Meeting Count",
                "Post Messages",
                "Reply Messages",
                "Urgent Messages",
                *(h for h in _TEAMS_2020 if h.endswith(" Count")),
            ),
            _duration("Audio", in_seconds=True),
            _duration("Video", in_seconds=True),
            _duration("Screen Share", in_seconds=True),
            _f("Has Other Action", "bool"),
            _f("Is Licensed", "bool"),
        ),
        required=("User Principal Name", "Team Chat Message Count", "Private Chat Message Count"),
        needed=_USER_NEEDED,
        ignored=("Display Name", "User Id", "Shared Channel Tenant Display Names"),
        versions=(
            ("teams-2019", ()),
            ("teams-2020", _TEAMS_2020),
            ("teams-2021", ("User Id",)),
            (
                "teams-2022",
                (
                    "Post Messages",
                    "Reply Messages",
                    "Urgent Messages",
                    "Tenant Display Name",
                    "Shared Channel Tenant Display Names",
                ),
            ),
        ),
    ),
    ReportFormat(
        key="email_user_detail",
        graph_name="getEmailActivityUserDetail",
        title="the email activity user detail report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            *_DELETED,
            _LAST_ACTIVITY,
            *_counts(
                "Send Count",
                "Receive Count",
                "Read Count",
                "Meeting Created Count",
                "Meeting Interacted Count",
            ),
            _PRODUCTS,
        ),
        required=("User Principal Name", "Send Count", "Receive Count", "Read Count"),
        needed=_USER_NEEDED,
        ignored=("Display Name",),
        versions=(
            ("email-2019", ()),
            ("email-2020", ("Meeting Created Count", "Meeting Interacted Count")),
        ),
    ),
    ReportFormat(
        key="onedrive_user_detail",
        graph_name="getOneDriveActivityUserDetail",
        title="the OneDrive activity user detail report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            *_DELETED,
            _LAST_ACTIVITY,
            *_counts(
                "Viewed Or Edited File Count",
                "Synced File Count",
                "Shared Internally File Count",
                "Shared Externally File Count",
            ),
            _PRODUCTS,
        ),
        required=("User Principal Name", "Viewed Or Edited File Count", "Synced File Count"),
        needed=_USER_NEEDED,
        ignored=("Display Name",),
        versions=(("onedrive-2019", ()),),
    ),
    ReportFormat(
        key="sharepoint_user_detail",
        graph_name="getSharePointActivityUserDetail",
        title="the SharePoint activity user detail report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            *_DELETED,
            _LAST_ACTIVITY,
            *_counts(
                "Viewed Or Edited File Count",
                "Synced File Count",
                "Shared Internally File Count",
                "Shared Externally File Count",
                "Visited Page Count",
            ),
            _PRODUCTS,
        ),
        # A superset of OneDrive's: detection prefers the larger identifying set.
        required=(
            "User Principal Name",
            "Viewed Or Edited File Count",
            "Synced File Count",
            "Visited Page Count",
        ),
        needed=_USER_NEEDED,
        ignored=("Display Name",),
        versions=(("sharepoint-2019", ()),),
    ),
    ReportFormat(
        key="m365_active_user_detail",
        graph_name="getOffice365ActiveUserDetail",
        title="the Microsoft 365 active users report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            *_DELETED,
            *(_f(f"Has {s} License", "bool") for s in _SERVICES),
            *(_f(f"{s} Last Activity Date", "date") for s in _SERVICES),
            *(_f(f"{s} License Assign Date", "date") for s in _SERVICES),
            _PRODUCTS,
        ),
        required=("User Principal Name", "Has Exchange License", "Exchange Last Activity Date"),
        needed=_USER_NEEDED,
        ignored=("Display Name",),
        versions=(("m365-active-2019", ()),),
    ),
    ReportFormat(
        key="yammer_user_detail",
        graph_name="getYammerActivityUserDetail",
        title="the Viva Engage (Yammer) activity user detail report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            _f("User State", "string"),
            _f("State Change Date", "date"),
            _LAST_ACTIVITY,
            *_counts("Posted Count", "Read Count", "Liked Count"),
            _PRODUCTS,
        ),
        required=("User Principal Name", "Posted Count", "Liked Count"),
        needed=_USER_NEEDED,
        ignored=("Display Name",),
        versions=(("yammer-2019", ()),),
    ),
    ReportFormat(
        key="teams_device_user_detail",
        graph_name="getTeamsDeviceUsageUserDetail",
        title="the Teams device usage user detail report",
        forms=("period", "date"),
        fields=(
            *_USER_DETAIL_HEAD,
            _LAST_ACTIVITY,
            *_DELETED,
            *(_f(f"Used {d}", "bool") for d in _DEVICES),
            _f("Is Licensed", "bool"),
        ),
        required=("User Principal Name", "Used Web", "Used Windows", "Used iOS"),
        needed=_USER_NEEDED,
        ignored=("Display Name", "User Id"),
        versions=(("teams-device-2019", ()),),
    ),
    ReportFormat(
        key="teams_activity_counts",
        graph_name="getTeamsUserActivityCounts",
        title="the Teams activity counts report",
        forms=("series",),
        fields=(
            *_SERIES_HEAD,
            *_counts(
                "Team Chat Messages",
                "Post Messages",
                "Reply Messages",
                "Private Chat Messages",
                "Calls",
                "Meetings",
            ),
            _duration("Audio", in_seconds=False),
            _duration("Video", in_seconds=False),
            _duration("Screen Share", in_seconds=False),
            # Real files have been seen with either spelling.
            _aliases("meetings_organized", "Meetings Organized", "Meetings Organized Count"),
            _aliases("meetings_attended", "Meetings Attended", "Meetings Attended Count"),
        ),
        required=("Report Date", "Team Chat Messages", "Private Chat Messages", "Calls"),
        needed=_SERIES_NEEDED,
        ignored=(),
        versions=(
            ("teams-counts-2019", ()),
            (
                "teams-counts-2020",
                (
                    "Audio Duration",
                    "Video Duration",
                    "Screen Share Duration",
                    "Meetings Organized",
                    "Meetings Attended",
                    "Meetings Organized Count",
                    "Meetings Attended Count",
                ),
            ),
            ("teams-counts-2022", ("Post Messages", "Reply Messages")),
        ),
    ),
    ReportFormat(
        key="teams_user_counts",
        graph_name="getTeamsUserActivityUserCounts",
        title="the Teams active users by activity report",
        forms=("series",),
        fields=(
            *_SERIES_HEAD,
            *_counts(
                "Team Chat Messages", "Private Chat Messages", "Calls", "Meetings", "Other Actions"
            ),
        ),
        # The activity counts' identifying set plus Other Actions: a 2019 activity-counts file
        # has the same headers but this one.
        required=(
            "Report Date",
            "Team Chat Messages",
            "Private Chat Messages",
            "Calls",
            "Other Actions",
        ),
        needed=_SERIES_NEEDED,
        ignored=(),
        versions=(("teams-user-counts-2019", ()),),
    ),
    ReportFormat(
        key="email_activity_counts",
        graph_name="getEmailActivityCounts",
        title="the email activity counts report",
        forms=("series",),
        fields=(
            *_SERIES_HEAD,
            *_counts("Send", "Receive", "Read", "Meeting Created", "Meeting Interacted"),
        ),
        required=("Report Date", "Send", "Receive", "Read"),
        needed=_SERIES_NEEDED,
        ignored=(),
        versions=(
            ("email-counts-2019", ()),
            ("email-counts-2020", ("Meeting Created", "Meeting Interacted")),
        ),
    ),
    ReportFormat(
        key="onedrive_user_counts",
        graph_name="getOneDriveActivityUserCounts",
        title="the OneDrive active users by activity report",
        forms=("series",),
        fields=(
            *_SERIES_HEAD,
            *_counts("Viewed Or Edited", "Synced", "Shared Internally", "Shared Externally"),
        ),
        required=("Report Date", "Viewed Or Edited", "Synced", "Shared Internally"),
        needed=_SERIES_NEEDED,
        ignored=(),
        versions=(("onedrive-counts-2019", ()),),
    ),
    ReportFormat(
        key="m365_active_user_counts",
        graph_name="getOffice365ActiveUserCounts",
        title="the Microsoft 365 active users by service report",
        forms=("series",),
        fields=(*_SERIES_HEAD, *_counts("Office 365", *_SERVICES)),
        required=("Report Date", "Office 365", "Exchange", "Teams"),
        needed=_SERIES_NEEDED,
        ignored=(),
        versions=(("m365-active-counts-2019", ()),),
    ),
)

REPORTS: dict[str, ReportFormat] = {f.key: f for f in _REPORTS}
BY_GRAPH_NAME: dict[str, ReportFormat] = {f.graph_name: f for f in _REPORTS}

# Active-user detail has no Report Period column; its form is told apart by other means.
NO_PERIOD_COLUMN = frozenset({"m365_active_user_detail"})


def detect(headers: Sequence[str], *, file: str = "header") -> tuple[ReportFormat, tuple[str, ...]]:
    """The report a header line belongs to, and its columns Veikart does not know.

    A report matches when the file has all its identifying columns; when several match, the one
    with the larger identifying set wins (SharePoint over OneDrive, Teams user counts over Teams
    activity counts), then the one that knows more of the file's columns. Raises
    :class:`ReportError` (line 1) for an unknown header set, a repeated column, or a known report
    that lacks a column it cannot be read without.
    """
    names = [normalise_header(h) for h in headers]
    keys = [n.casefold() for n in names]
    present = set(keys)
    candidates = [f for f in _REPORTS if f.required_keys <= present]
    if not candidates:
        raise ReportError(_unknown_message(names), file=file, line=1)
    best = max(candidates, key=lambda f: (len(f.required_keys), len(present & f.known_keys)))
    _check_duplicates(best, names, file)
    missing = [h for h in best.needed if header_key(h) not in present]
    if missing:
        raise ReportError(
            f"this looks like {best.title} but has no {_quoted(missing)} column; "
            "download the report again from the Microsoft 365 admin centre without editing it",
            file=file,
            line=1,
        )
    unknown = tuple(n for n, k in zip(names, keys, strict=True) if n and k not in best.known_keys)
    return best, unknown


def _check_duplicates(report: ReportFormat, names: Sequence[str], file: str) -> None:
    """Refuse two columns read into the same place (a repeated header, or both spellings)."""
    seen: dict[tuple[str, Kind], str] = {}
    for name in names:
        found = report.source_for(name)
        if found is None:
            continue
        slot = (found[0].name, found[1].kind)  # ISO text and In Seconds may both be there
        if slot in seen:
            raise ReportError(
                f"the columns {_quoted([seen[slot], name])} hold the same thing; the file was "
                "edited or put together by hand — download the report again",
                file=file,
                line=1,
            )
        seen[slot] = name


def _unknown_message(names: Sequence[str]) -> str:
    # A file without a header starts with a data row: show nothing that could name a person.
    safe = [n if len(n) <= 40 and "@" not in n and not _HEX32.match(n) else "…" for n in names]
    shown = ", ".join(n for n in safe[:6] if n) + (", …" if len(names) > 6 else "")
    hint = ""
    near = _nearest(names)
    if near is not None:
        report, missing = near
        hint = f"; it looks like {report.title} but lacks {_quoted(missing)}"
    return (
        "this is not a Microsoft 365 usage report Veikart knows "
        f"(columns: {shown or 'none'}){hint}; "
        f"expected e.g. {REPORTS['teams_user_detail'].example()}. Export a usage report as CSV "
        "from the Microsoft 365 admin centre (Reports → Usage) or let Veikart pull it from "
        "Microsoft Graph"
    )


def _nearest(names: Sequence[str]) -> tuple[ReportFormat, list[str]] | None:
    """The known report the headers come closest to (at least two identifying columns)."""
    present = {n.casefold() for n in names}
    best: tuple[int, ReportFormat] | None = None
    for report in _REPORTS:
        hits = len(report.required_keys & present)
        if hits >= 2 and (best is None or hits > best[0]):
            best = (hits, report)
    if best is None:
        return None
    report = best[1]
    return report, [h for h in report.required if header_key(h) not in present]


def _quoted(headers: Sequence[str]) -> str:
    return " and ".join(f"“{h}”" for h in headers)
