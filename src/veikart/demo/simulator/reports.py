"""Write a simulated :class:`Panel` as Microsoft 365 usage-report CSV files.

The files look exactly like what a real tenant gives (see the shared reference on Microsoft 365
usage reports): UTF-8 with a byte-order mark, CRLF line ends, minimal RFC 4180 quoting, headers by
era with newer columns appended at the end, ``True``/``False`` and ``Yes``/``No`` booleans as each
report spells them, ISO-8601 durations next to ``… In Seconds`` integers, and, when
``config.conceal_names`` is set, MD5 names and the zero GUID.

Layout under ``out``::

    usage/<report>/<report>_D7_<refresh date>.csv   period form (weekly panels; org series)
    usage/<report>/<report>_<report date>.csv       date form (daily panels, user detail only)

Everything is deterministic: the same panel, population and config give identical bytes. Random
choices (which days of a week someone was active, how meetings split into ad hoc / scheduled, the
order of assigned products) come from generators seeded with ``config.seed`` and the date.

Work is vectorised per period: columns are built with numpy over all people at once and the rows
are written by ``csv.writer.writerows`` over the zipped column lists.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import FORMER_ORGS, UNIT_TYPES, BoolArray, Panel, Population

ObjArray = npt.NDArray[np.object_]
I64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Column = Iterable[Any]

# --- report names ---------------------------------------------------------------------------

TEAMS_USER_DETAIL = "getTeamsUserActivityUserDetail"
EMAIL_USER_DETAIL = "getEmailActivityUserDetail"
ONEDRIVE_USER_DETAIL = "getOneDriveActivityUserDetail"
SHAREPOINT_USER_DETAIL = "getSharePointActivityUserDetail"
ACTIVE_USER_DETAIL = "getOffice365ActiveUserDetail"
TEAMS_COUNTS = "getTeamsUserActivityCounts"
EMAIL_COUNTS = "getEmailActivityCounts"
ONEDRIVE_USER_COUNTS = "getOneDriveActivityUserCounts"
ACTIVE_USER_COUNTS = "getOffice365ActiveUserCounts"

USER_DETAIL_REPORTS: tuple[str, ...] = (
    TEAMS_USER_DETAIL,
    EMAIL_USER_DETAIL,
    ONEDRIVE_USER_DETAIL,
    SHAREPOINT_USER_DETAIL,
    ACTIVE_USER_DETAIL,
)
ORG_SERIES_REPORTS: tuple[str, ...] = (
    TEAMS_COUNTS,
    EMAIL_COUNTS,
    ONEDRIVE_USER_COUNTS,
    ACTIVE_USER_COUNTS,
)

# --- header eras ------------------------------------------------------------------------------
# The refresh dates from which files carry newer columns. They are APPROXIMATE: Microsoft rolled
# columns out gradually and published no dates; these put each change in roughly the right
# season. A file refreshed on or after a date has the columns, appended at the end after all
# older ones (the real-file style; the documentation lists them elsewhere).
# A real Teams file refreshed 2020-07-05 still had the 12 columns of 2019
# (microsoftgraph/microsoft-graph-docs#9021); the admin-centre docs had the meeting breakdown and
# "Is licensed" by February 2021.
TEAMS_MEETING_COLUMNS_FROM = dt.date(2020, 10, 1)  # meeting breakdown, durations, Is Licensed
# The Graph beta docs added Meeting Created / Interacted in April 2020 (microsoft-graph-docs#7730).
EMAIL_MEETING_COLUMNS_FROM = dt.date(2020, 5, 1)
TEAMS_USER_ID_FROM = dt.date(2021, 7, 1)  # no source found: a guess between the two above/below
# Users saw "Urgent Messages,Post Messages,Reply Messages" appear on 2022-03-10
# (microsoft-graph-docs-contrib#2390) and the two tenant columns in the week before 2022-04-18
# (microsoft-graph-docs#16549).
TEAMS_MESSAGE_TYPES_FROM = dt.date(2022, 3, 10)
TEAMS_TENANT_COLUMNS_FROM = dt.date(2022, 4, 11)

_Era = tuple[dt.date | None, tuple[str, ...]]

_TEAMS_DETAIL_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "User Principal Name",
            "Last Activity Date",
            "Is Deleted",
            "Deleted Date",
            "Assigned Products",
            "Team Chat Message Count",
            "Private Chat Message Count",
            "Call Count",
            "Meeting Count",
            "Has Other Action",
            "Report Period",
        ),
    ),
    (
        TEAMS_MEETING_COLUMNS_FROM,
        (
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
        ),
    ),
    (TEAMS_USER_ID_FROM, ("User Id",)),
    (TEAMS_MESSAGE_TYPES_FROM, ("Urgent Messages", "Post Messages", "Reply Messages")),
    (TEAMS_TENANT_COLUMNS_FROM, ("Tenant Display Name", "Shared Channel Tenant Display Names")),
)

_EMAIL_DETAIL_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "User Principal Name",
            "Display Name",
            "Is Deleted",
            "Deleted Date",
            "Last Activity Date",
            "Send Count",
            "Receive Count",
            "Read Count",
            "Assigned Products",
            "Report Period",
        ),
    ),
    (EMAIL_MEETING_COLUMNS_FROM, ("Meeting Created Count", "Meeting Interacted Count")),
)

_ONEDRIVE_DETAIL_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "User Principal Name",
            "Is Deleted",
            "Deleted Date",
            "Last Activity Date",
            "Viewed Or Edited File Count",
            "Synced File Count",
            "Shared Internally File Count",
            "Shared Externally File Count",
            "Assigned Products",
            "Report Period",
        ),
    ),
)

_SHAREPOINT_DETAIL_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "User Principal Name",
            "Is Deleted",
            "Deleted Date",
            "Last Activity Date",
            "Viewed Or Edited File Count",
            "Synced File Count",
            "Shared Internally File Count",
            "Shared Externally File Count",
            "Visited Page Count",
            "Assigned Products",
            "Report Period",
        ),
    ),
)

# The services of the Office 365 active-user report, in its column order.
_SERVICES: tuple[str, ...] = (
    "Exchange",
    "OneDrive",
    "SharePoint",
    "Skype For Business",
    "Yammer",
    "Teams",
)

_ACTIVE_DETAIL_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "User Principal Name",
            "Display Name",
            "Is Deleted",
            "Deleted Date",
            *(f"Has {s} License" for s in _SERVICES),
            *(f"{s} Last Activity Date" for s in _SERVICES),
            *(f"{s} License Assign Date" for s in _SERVICES),
            "Assigned Products",
        ),
    ),
)

_TEAMS_COUNTS_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "Report Date",
            "Team Chat Messages",
            "Private Chat Messages",
            "Calls",
            "Meetings",
            "Report Period",
        ),
    ),
    (
        TEAMS_MEETING_COLUMNS_FROM,
        (
            "Audio Duration",
            "Video Duration",
            "Screen Share Duration",
            "Meetings Organized",
            "Meetings Attended",
        ),
    ),
    (TEAMS_MESSAGE_TYPES_FROM, ("Post Messages", "Reply Messages")),
)

_EMAIL_COUNTS_ERAS: tuple[_Era, ...] = (
    (None, ("Report Refresh Date", "Send", "Receive", "Read", "Report Date", "Report Period")),
    (EMAIL_MEETING_COLUMNS_FROM, ("Meeting Created", "Meeting Interacted")),
)

_ONEDRIVE_COUNTS_ERAS: tuple[_Era, ...] = (
    (
        None,
        (
            "Report Refresh Date",
            "Viewed Or Edited",
            "Synced",
            "Shared Internally",
            "Shared Externally",
            "Report Date",
            "Report Period",
        ),
    ),
)

_ACTIVE_COUNTS_ERAS: tuple[_Era, ...] = (
    (
        None,
        ("Report Refresh Date", "Office 365", *_SERVICES, "Report Date", "Report Period"),
    ),
)

_ERAS: dict[str, tuple[_Era, ...]] = {
    TEAMS_USER_DETAIL: _TEAMS_DETAIL_ERAS,
    EMAIL_USER_DETAIL: _EMAIL_DETAIL_ERAS,
    ONEDRIVE_USER_DETAIL: _ONEDRIVE_DETAIL_ERAS,
    SHAREPOINT_USER_DETAIL: _SHAREPOINT_DETAIL_ERAS,
    ACTIVE_USER_DETAIL: _ACTIVE_DETAIL_ERAS,
    TEAMS_COUNTS: _TEAMS_COUNTS_ERAS,
    EMAIL_COUNTS: _EMAIL_COUNTS_ERAS,
    ONEDRIVE_USER_COUNTS: _ONEDRIVE_COUNTS_ERAS,
    ACTIVE_USER_COUNTS: _ACTIVE_COUNTS_ERAS,
}


def header(report: str, as_of: dt.date) -> tuple[str, ...]:
    """The columns of ``report`` in a file refreshed on ``as_of``, in real-file order."""
    try:
        eras = _ERAS[report]
    except KeyError:
        raise ValueError(f"unknown report {report!r}") from None
    columns: list[str] = []
    for since, added in eras:
        if since is None or as_of >= since:
            columns.extend(added)
    return tuple(columns)


# --- value spellings --------------------------------------------------------------------------

CONCEALED_USER_ID = "00000000-0000-0000-0000-000000000000"
_TRUE_FALSE: ObjArray = np.array(["False", "True"], dtype=object)
_YES_NO: ObjArray = np.array(["No", "Yes"], dtype=object)
_MINUTES: ObjArray = np.array(["", *(f"{m}M" for m in range(1, 60))], dtype=object)
_SECONDS: ObjArray = np.array(["", *(f"{s}S" for s in range(1, 60))], dtype=object)
_EPOCH = dt.date(1970, 1, 1)
_NEVER = np.int64(-(2**40))  # "no date" in day-number arrays (far before anything real)
_DELETED_WINDOW_DAYS = 30  # Microsoft keeps a deleted user's rows this long

# Salts that keep the random streams of different choices apart.
_SALT_PRODUCTS = 1
_SALT_DAYS = 2
_SALT_SPLIT = 3
_SALT_SPREAD = 4

# Relative chance of being active on Monday … Sunday (weekends are quiet in a municipality).
_WEEKDAY_WEIGHT: FloatArray = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.06, 0.04])

# The services whose activity the panel carries, and the metrics that make a user active in one
# (Exchange: read or sent mail; receiving alone is not user activity).
_ACTIVITY: dict[str, tuple[str, ...]] = {
    "Teams": (
        "teams_private_chat",
        "teams_channel",
        "teams_calls",
        "teams_meetings_attended",
        "teams_meetings_organized",
    ),
    "Exchange": ("email_sent", "email_read"),
    "OneDrive": ("onedrive_viewed_edited", "onedrive_synced", "onedrive_shared_internally"),
    "SharePoint": ("sharepoint_viewed_edited", "sharepoint_visited_pages"),
}
_REPORT_SERVICE: dict[str, str] = {
    TEAMS_USER_DETAIL: "Teams",
    EMAIL_USER_DETAIL: "Exchange",
    ONEDRIVE_USER_DETAIL: "OneDrive",
    SHAREPOINT_USER_DETAIL: "SharePoint",
}

# Licences. Frontline staff (care, technical/outdoor) get F3; kindergartens and schools E1 unless
# they manage; everyone else E3. Before the merger Rygge bought Office 365 E3, not Microsoft 365
# E3 (an invented but typical difference that makes Assigned Products change at the merger).
_M365_E3 = "MICROSOFT 365 E3"
_O365_E3 = "OFFICE 365 E3"
_O365_E1 = "OFFICE 365 E1"
_M365_F3 = "MICROSOFT 365 F3"
_BASE_PRODUCTS: tuple[str, ...] = (_M365_E3, _O365_E3, _O365_E1, _M365_F3)
# Add-on products: name, chance for frontline staff, for others, for managers.
_ADDONS: tuple[tuple[str, float, float, float], ...] = (
    ("MICROSOFT POWER AUTOMATE FREE", 0.05, 0.25, 0.35),
    ("POWER BI (FREE)", 0.02, 0.18, 0.2),
    ("POWER BI PRO", 0.0, 0.03, 0.4),
    ("MICROSOFT 365 AUDIO CONFERENCING", 0.0, 0.04, 0.25),
    ("VISIO PLAN 2", 0.0, 0.02, 0.03),
    ("PROJECT PLAN 3", 0.0, 0.01, 0.05),
)
_FRONTLINE = frozenset({"care", "technical"})
_BASIC = frozenset({"kindergarten", "school"})
# When each former tenant first licensed its staff (invented; earlier hires show this date).
_LICENSED_SINCE: dict[str, dt.date] = {
    "moss": dt.date(2016, 9, 1),
    "rygge": dt.date(2017, 11, 1),
}


# --- per-person constants ---------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    """What the files show about each person, before (index 0) and after (1) the merger."""

    upn: tuple[ObjArray, ObjArray]  # as shown (the MD5 hash when concealed)
    name: tuple[ObjArray, ObjArray]  # Display Name as shown
    products: tuple[ObjArray, ObjArray]
    assigned: tuple[ObjArray, ObjArray]  # licence assign date
    tenant: tuple[ObjArray, ObjArray]
    user_id: ObjArray
    end_day: I64Array  # last day employed, _NEVER when still employed
    end_text: ObjArray
    moved: BoolArray  # UPN (and tenant) changes at the merger: a new account, no history


def _people(population: Population, config: SimulationConfig) -> _People:
    n = len(population)
    before = np.array(population.upn_before, dtype=object)
    after = np.array(population.upn_after, dtype=object)
    real_before = np.where(before == "", after, before)
    real_after = np.where(after == "", before, after)
    given = np.array(population.given_name, dtype=object)
    family = np.array(population.family_name, dtype=object)
    full_name: ObjArray = given + " " + family
    if config.conceal_names:
        upn = (_md5(real_before), _md5(real_after))
        name = upn
        user_id: ObjArray = np.full(n, CONCEALED_USER_ID, dtype=object)
    else:
        upn = (real_before, real_after)
        name = (full_name, full_name)
        user_id = np.array(population.user_id, dtype=object)

    former = population.former_org.astype(np.intp)
    tenant_names = np.array(
        [*(f"{org.capitalize()} kommune" for org in FORMER_ORGS), config.tenant_name],
        dtype=object,
    )
    tenant_before: ObjArray = tenant_names[np.where(former >= 0, former, len(FORMER_ORGS))]
    tenant_after: ObjArray = np.full(n, config.tenant_name, dtype=object)

    end_missing = np.isnat(population.end)
    end_day = np.where(end_missing, _NEVER, population.end.astype("datetime64[D]").astype(np.int64))
    end_text = _date_text(end_day)
    moved = (before != "") & (after != "") & (before != after)
    return _People(
        upn=upn,
        name=name,
        products=_assigned_products(population, config),
        assigned=_assign_dates(population, config),
        tenant=(tenant_before, tenant_after),
        user_id=user_id,
        end_day=end_day.astype(np.int64),
        end_text=end_text,
        moved=np.asarray(moved, dtype=np.bool_),
    )


def _md5(upns: ObjArray) -> ObjArray:
    """Microsoft's concealed names: the upper-case MD5 hex of the UPN (one hash per person)."""
    return np.array(
        [hashlib.md5(u.encode("utf-8"), usedforsecurity=False).hexdigest().upper() for u in upns],
        dtype=object,
    )


def _assigned_products(
    population: Population, config: SimulationConfig
) -> tuple[ObjArray, ObjArray]:
    n = len(population)
    rng = np.random.default_rng([_seed(config), _SALT_PRODUCTS])
    unit_type = np.array(UNIT_TYPES, dtype=object)[population.unit_type.astype(np.intp)]
    frontline = np.isin(unit_type, list(_FRONTLINE)) & ~population.is_manager
    basic = np.isin(unit_type, list(_BASIC)) & ~population.is_manager
    rygge = population.former_org == FORMER_ORGS.index("rygge")
    base_after = np.where(frontline, 3, np.where(basic, 2, 0))
    base_before = np.where((base_after == 0) & rygge, 1, base_after)

    slots = np.full((n, 1 + len(_ADDONS)), -1, dtype=np.int64)
    for j, (_name, p_frontline, p_other, p_manager) in enumerate(_ADDONS):
        chance = np.where(
            population.is_manager, p_manager, np.where(frontline, p_frontline, p_other)
        )
        slots[:, 1 + j] = np.where(rng.random(n) < chance, len(_BASE_PRODUCTS) + j, -1)
    pro = [a[0] for a in _ADDONS].index("POWER BI PRO")
    free = [a[0] for a in _ADDONS].index("POWER BI (FREE)")
    slots[slots[:, 1 + pro] >= 0, 1 + free] = -1  # Pro replaces the free licence
    keys = rng.random(slots.shape)  # the per-person order of the products, fixed over time
    names = (*_BASE_PRODUCTS, *(a[0] for a in _ADDONS))

    def joined(base: npt.NDArray[np.int64]) -> ObjArray:
        filled = slots.copy()
        filled[:, 0] = base
        order = np.argsort(np.where(filled >= 0, keys, 2.0), axis=1, kind="stable")
        ordered = np.take_along_axis(filled, order, axis=1)
        combos, inverse = np.unique(ordered, axis=0, return_inverse=True)
        texts = np.array(
            ["+".join(names[k] for k in row if k >= 0) for row in combos.tolist()], dtype=object
        )
        return np.asarray(texts[inverse.reshape(-1)], dtype=object)

    return joined(base_before.astype(np.int64)), joined(base_after.astype(np.int64))


def _assign_dates(population: Population, config: SimulationConfig) -> tuple[ObjArray, ObjArray]:
    start = population.start.astype("datetime64[D]").astype(np.int64)
    since = np.array([_day(_LICENSED_SINCE.get(org, config.start)) for org in FORMER_ORGS])
    former = population.former_org.astype(np.intp)
    tenant_since = np.where(former >= 0, since[np.maximum(former, 0)], start)
    before = np.maximum(start, tenant_since)
    rygge = former == FORMER_ORGS.index("rygge")
    after = np.where(rygge, np.maximum(start, _day(config.merger_date)), before)
    return _date_text(before.astype(np.int64)), _date_text(after.astype(np.int64))


# --- per-period activity ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    """One period of the panel, everything over all n people (zero where not present)."""

    t: int
    first_day: int  # day number of the window's first day
    last_day: int  # day number of the window's last day (panel.period_end[t])
    refresh: dt.date  # Report Refresh Date of its user-detail file
    era: int  # 0 before the merger, 1 from it
    present: BoolArray  # licensed and not deleted
    deleted: BoolArray  # account deleted in the 30 days before the refresh date
    counts: dict[str, I64Array]  # panel metrics, zero where not present
    active_days: dict[str, BoolArray]  # per service: (n, days) which days someone was active
    split: dict[str, I64Array]  # derived Teams columns (meeting kinds, posts/replies)


def _period(
    panel: Panel, people: _People, config: SimulationConfig, t: int, daily: bool
) -> _Period:
    days = panel.period_days
    last_day = int(panel.period_end[t].astype("datetime64[D]").astype(np.int64))
    first_day = last_day - days + 1
    # Date-form files (daily panels): their Report Refresh Date is unverified; we assume the data
    # of a day is refreshed two days later (Microsoft's usual 24-48 hours). Their Report Period,
    # also unverified, is written as 1. Period-form files are refreshed on the period's last day.
    refresh_day = last_day + 2 if daily else last_day
    # Deleted: employment ended in the 30 days before the (period-form) refresh date. Date-form
    # files list only active users, so there it only stops activity after the last day.
    deleted = (people.end_day >= last_day - _DELETED_WINDOW_DAYS) & (people.end_day < last_day)
    present = panel.licensed[:, t] & ~deleted
    counts = {
        name: np.where(present, values[:, t], 0).astype(np.int64)
        for name, values in panel.metrics.items()
    }
    weekday = (np.arange(first_day, last_day + 1) + 3) % 7  # 1970-01-01 was a Thursday
    weights = _WEEKDAY_WEIGHT[weekday]
    active_days = {}
    for k, (service, metrics) in enumerate(_ACTIVITY.items()):
        volume = sum((counts.get(m, _zeros(counts)) for m in metrics), _zeros(counts))
        rng = np.random.default_rng([_seed(config), _SALT_DAYS, k, last_day + 2**32])
        active_days[service] = _spread_days(volume, weights, rng)
    return _Period(
        t=t,
        first_day=first_day,
        last_day=last_day,
        refresh=_date(refresh_day),
        era=int(last_day >= _day(config.merger_date)),
        present=np.asarray(present, dtype=np.bool_),
        deleted=np.asarray(deleted, dtype=np.bool_),
        counts=counts,
        active_days=active_days,
        split=_teams_split(counts, config, last_day),
    )


def _zeros(counts: dict[str, I64Array]) -> I64Array:
    n = len(next(iter(counts.values()))) if counts else 0
    return np.zeros(n, dtype=np.int64)


def _spread_days(volume: I64Array, weights: FloatArray, rng: np.random.Generator) -> BoolArray:
    """Which days of the window each person was active: more activity, more days; quiet
    weekends; everyone with any activity at least one day."""
    active = volume > 0
    days = len(weights)
    if days == 1:
        return active[:, None]
    chance = 1.0 - np.exp(-volume[:, None] * weights[None, :] / 10.0)
    hit = (rng.random((len(volume), days)) < chance) & active[:, None]
    lonely = np.flatnonzero(active & ~hit.any(axis=1))
    cumulative = np.cumsum(weights) / weights.sum()
    pick = np.searchsorted(cumulative, rng.random(len(lonely)), side="right")
    hit[lonely, np.minimum(pick, days - 1)] = True
    return hit


def _teams_split(
    counts: dict[str, I64Array], config: SimulationConfig, last_day: int
) -> dict[str, I64Array]:
    """Split Teams totals into the finer columns: meeting kinds and channel posts/replies."""
    rng = np.random.default_rng([_seed(config), _SALT_SPLIT, last_day + 2**32])
    zero = _zeros(counts)
    split: dict[str, I64Array] = {}
    for kind, metric in (
        ("Organized", "teams_meetings_organized"),
        ("Attended", "teams_meetings_attended"),
    ):
        total = counts.get(metric, zero)
        recurring = rng.binomial(total, 0.45)
        ad_hoc = rng.binomial(total - recurring, 0.35)
        split[f"Scheduled Recurring Meetings {kind} Count"] = recurring.astype(np.int64)
        split[f"Ad Hoc Meetings {kind} Count"] = ad_hoc.astype(np.int64)
        split[f"Scheduled One-time Meetings {kind} Count"] = (total - recurring - ad_hoc).astype(
            np.int64
        )
    channel = counts.get("teams_channel", zero)
    posts = rng.binomial(channel, 0.35).astype(np.int64)
    split["Post Messages"] = posts
    split["Reply Messages"] = channel - posts
    return split


# --- user-detail files ------------------------------------------------------------------------


def write_period_reports(
    panel: Panel, population: Population, config: SimulationConfig, out: Path
) -> list[Path]:
    """Write the user-detail reports for every period of ``panel``; return the files written.

    Weekly panels (``period_days`` 7) give period-form files, one per report and period, that list
    every licensed user (inactive ones with zero counts) plus users deleted in the last 30 days.
    Daily panels (``period_days`` 1) give date-form files listing the users active that day.
    Periods are taken in order of ``panel.period_end`` (ascending), which carries each person's
    last activity date forward to later files.
    """
    daily = panel.period_days == 1
    people = _people(population, config)
    n = len(population)
    last_seen = {service: np.full(n, _NEVER, dtype=np.int64) for service in _ACTIVITY}
    merged = False
    written: list[Path] = []
    for t in range(len(panel.period_end)):
        period = _period(panel, people, config, t, daily)
        if period.era == 1 and not merged:
            for seen in last_seen.values():  # Rygge people start over with new accounts
                seen[people.moved] = _NEVER
            merged = True
        for service, hit in period.active_days.items():
            any_day = hit.any(axis=1)
            latest = period.last_day - np.argmax(hit[:, ::-1], axis=1)
            last_seen[service] = np.where(any_day, latest, last_seen[service])
        report_date = _date(period.last_day).isoformat()
        for report in USER_DETAIL_REPORTS:
            if daily:
                if report == ACTIVE_USER_DETAIL:
                    shown = np.any([a[:, 0] for a in period.active_days.values()], axis=0)
                else:
                    shown = period.active_days[_REPORT_SERVICE[report]][:, 0]
                name = f"{report}_{report_date}.csv"
            else:
                shown = period.present | period.deleted
                name = f"{report}_D{panel.period_days}_{report_date}.csv"
            rows = np.flatnonzero(shown)
            columns = _detail_columns(report, period, people, last_seen, rows, panel.period_days)
            head = header(report, period.refresh)
            path = out / "usage" / report / name
            _write_csv(path, head, [columns[h] for h in head])
            written.append(path)
    return written


def _detail_columns(
    report: str,
    period: _Period,
    people: _People,
    last_seen: dict[str, I64Array],
    rows: npt.NDArray[np.intp],
    period_days: int,
) -> dict[str, Column]:
    era = period.era
    deleted = period.deleted[rows]
    kept = ~deleted

    def count(values: I64Array) -> list[int]:
        return np.where(deleted, 0, values[rows]).tolist()  # type: ignore[no-any-return]

    def metric(name: str) -> list[int]:
        return count(period.counts.get(name, np.zeros(len(period.present), dtype=np.int64)))

    zero = itertools.repeat(0)
    columns: dict[str, Column] = {
        "Report Refresh Date": itertools.repeat(period.refresh.isoformat()),
        "Report Period": itertools.repeat(str(period_days)),
        "User Principal Name": people.upn[era][rows].tolist(),
        "Display Name": people.name[era][rows].tolist(),
        "Is Deleted": _TRUE_FALSE[deleted.astype(np.intp)].tolist(),
        "Deleted Date": np.where(deleted, people.end_text[rows], "").tolist(),
        "Assigned Products": np.where(deleted, "", people.products[era][rows]).tolist(),
    }
    service = _REPORT_SERVICE.get(report)
    if service is not None:
        columns["Last Activity Date"] = _date_text(last_seen[service][rows]).tolist()
    if report == TEAMS_USER_DETAIL:
        audio = metric("teams_audio_seconds")
        video = metric("teams_video_seconds")
        columns |= {
            "Team Chat Message Count": metric("teams_channel"),
            "Private Chat Message Count": metric("teams_private_chat"),
            "Call Count": metric("teams_calls"),
            "Meeting Count": metric("teams_meetings_attended"),
            "Has Other Action": itertools.repeat("No"),
            "Meetings Organized Count": metric("teams_meetings_organized"),
            "Meetings Attended Count": metric("teams_meetings_attended"),
            "Audio Duration": _iso_durations(np.array(audio, dtype=np.int64)),
            "Video Duration": _iso_durations(np.array(video, dtype=np.int64)),
            "Screen Share Duration": itertools.repeat("PT0S"),
            "Audio Duration In Seconds": audio,
            "Video Duration In Seconds": video,
            "Screen Share Duration In Seconds": zero,
            "Is Licensed": _YES_NO[kept.astype(np.intp)].tolist(),
            "User Id": people.user_id[rows].tolist(),
            "Urgent Messages": zero,
            "Tenant Display Name": people.tenant[era][rows].tolist(),
            "Shared Channel Tenant Display Names": itertools.repeat(""),
        }
        columns |= {name: count(values) for name, values in period.split.items()}
    elif report == EMAIL_USER_DETAIL:
        columns |= {
            "Send Count": metric("email_sent"),
            "Receive Count": metric("email_received"),
            "Read Count": metric("email_read"),
            "Meeting Created Count": zero,
            "Meeting Interacted Count": zero,
        }
    elif report == ONEDRIVE_USER_DETAIL:
        columns |= {
            "Viewed Or Edited File Count": metric("onedrive_viewed_edited"),
            "Synced File Count": metric("onedrive_synced"),
            "Shared Internally File Count": metric("onedrive_shared_internally"),
            "Shared Externally File Count": zero,
        }
    elif report == SHAREPOINT_USER_DETAIL:
        columns |= {
            "Viewed Or Edited File Count": metric("sharepoint_viewed_edited"),
            "Synced File Count": zero,
            "Shared Internally File Count": zero,
            "Shared Externally File Count": zero,
            "Visited Page Count": metric("sharepoint_visited_pages"),
        }
    elif report == ACTIVE_USER_DETAIL:
        licensed = _TRUE_FALSE[kept.astype(np.intp)].tolist()
        assigned = np.where(deleted, "", people.assigned[era][rows]).tolist()
        for s in _SERVICES:
            columns[f"Has {s} License"] = licensed
            columns[f"{s} License Assign Date"] = assigned
            seen = last_seen.get(s)
            columns[f"{s} Last Activity Date"] = (
                itertools.repeat("") if seen is None else _date_text(seen[rows]).tolist()
            )
    return columns


# --- organisation-level series ----------------------------------------------------------------


def write_org_counts(
    panel: Panel, population: Population, config: SimulationConfig, out: Path
) -> list[Path]:
    """Write the organisation-level daily series as D7 files; return the files written.

    Weekly panels give one file per report and period, its 7 rows (newest first) spreading the
    period's totals over its days. Daily panels give one file per report for every 7th day,
    counting back from the last one, each with that day and the 6 before it.
    """
    daily = panel.period_days == 1
    people = _people(population, config)
    periods = len(panel.period_end)
    if daily:
        blocks = [list(range(end - 6, end + 1)) for end in range(periods - 1, 5, -7)][::-1]
    else:
        blocks = [[t] for t in range(periods)]
    written: list[Path] = []
    for block in blocks:
        day_rows: list[dict[str, Any]] = []  # oldest first
        for t in block:
            day_rows.extend(_org_days(_period(panel, people, config, t, daily), config))
        refresh = day_rows[-1]["Report Date"]
        rows_newest_first = day_rows[::-1]
        for report in ORG_SERIES_REPORTS:
            head = header(report, dt.date.fromisoformat(refresh))
            fixed = {"Report Refresh Date": refresh, "Report Period": str(len(day_rows))}
            table = [
                [fixed[h] if h in fixed else row[h] for h in head] for row in rows_newest_first
            ]
            path = out / "usage" / report / f"{report}_D{len(day_rows)}_{refresh}.csv"
            _write_rows(path, head, table)
            written.append(path)
    return written


def _org_days(period: _Period, config: SimulationConfig) -> list[dict[str, Any]]:
    """One dict per day of the period (oldest first) with every org-series column but the
    refresh date and period."""
    rng = np.random.default_rng([_seed(config), _SALT_SPREAD, period.last_day + 2**32])
    days = period.last_day - period.first_day + 1
    active = period.active_days
    users_per_day = {s: a.sum(axis=0).astype(np.int64) for s, a in active.items()}
    any_service = np.any(list(active.values()), axis=0)
    zero = _zeros(period.counts)

    def spread(values: I64Array, service: str) -> I64Array:
        total = int(values.sum())
        weights = users_per_day[service].astype(np.float64)
        if total == 0 or weights.sum() == 0:
            return np.zeros(days, dtype=np.int64)
        return np.asarray(rng.multinomial(total, weights / weights.sum()), dtype=np.int64)

    def metric(name: str, service: str) -> I64Array:
        return spread(period.counts.get(name, zero), service)

    def users(name: str, service: str) -> I64Array:
        doing = period.counts.get(name, zero) > 0
        return np.asarray((active[service] & doing[:, None]).sum(axis=0), dtype=np.int64)

    audio = metric("teams_audio_seconds", "Teams")
    video = metric("teams_video_seconds", "Teams")
    series: dict[str, Sequence[Any]] = {
        "Report Date": [_date(period.first_day + d).isoformat() for d in range(days)],
        # Teams activity
        "Team Chat Messages": metric("teams_channel", "Teams").tolist(),
        "Post Messages": spread(period.split["Post Messages"], "Teams").tolist(),
        "Reply Messages": spread(period.split["Reply Messages"], "Teams").tolist(),
        "Private Chat Messages": metric("teams_private_chat", "Teams").tolist(),
        "Calls": metric("teams_calls", "Teams").tolist(),
        "Meetings": metric("teams_meetings_attended", "Teams").tolist(),
        "Audio Duration": _iso_durations(audio),
        "Video Duration": _iso_durations(video),
        "Screen Share Duration": ["PT0S"] * days,
        "Meetings Organized": metric("teams_meetings_organized", "Teams").tolist(),
        "Meetings Attended": metric("teams_meetings_attended", "Teams").tolist(),
        # Email activity
        "Send": metric("email_sent", "Exchange").tolist(),
        "Receive": metric("email_received", "Exchange").tolist(),
        "Read": metric("email_read", "Exchange").tolist(),
        "Meeting Created": [0] * days,
        "Meeting Interacted": [0] * days,
        # OneDrive users by action
        "Viewed Or Edited": users("onedrive_viewed_edited", "OneDrive").tolist(),
        "Synced": users("onedrive_synced", "OneDrive").tolist(),
        "Shared Internally": users("onedrive_shared_internally", "OneDrive").tolist(),
        "Shared Externally": [0] * days,
        # active users by service
        "Office 365": any_service.sum(axis=0).tolist(),
        **{s: users_per_day[s].tolist() for s in _ACTIVITY},
        "Skype For Business": [0] * days,
        "Yammer": [0] * days,
    }
    return [{name: values[d] for name, values in series.items()} for d in range(days)]


# --- helpers ----------------------------------------------------------------------------------


def _write_csv(path: Path, head: Sequence[str], columns: Sequence[Column]) -> None:
    """Write one report file from whole columns (lists, or ``itertools.repeat`` constants)."""
    # Constant columns are endless itertools.repeat objects: the lists set the length.
    _write_rows(path, head, zip(*columns, strict=False))


def _write_rows(path: Path, head: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UTF-8 with a byte-order mark, CRLF, minimal quoting, a line end after the last row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The BOM is written by hand: the "utf-8-sig" codec encodes in Python, row by row (slow).
    with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as file:
        file.write("\ufeff")
        writer = csv.writer(file, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(head)
        writer.writerows(rows)


def _iso_durations(seconds: I64Array) -> list[str]:
    """ISO-8601 durations as Microsoft writes them: PT0S, PT45S, PT1H2M3S (hours not folded
    into days)."""
    s = np.maximum(seconds.astype(np.int64), 0)
    if s.size == 0:
        return []
    hours = s // 3600
    hour_text = np.array(["PT", *(f"PT{h}H" for h in range(1, int(hours.max()) + 1))], dtype=object)
    text: ObjArray = hour_text[hours] + _MINUTES[(s % 3600) // 60] + _SECONDS[s % 60]
    text[s == 0] = "PT0S"
    return text.tolist()  # type: ignore[no-any-return]


def _date_text(days: I64Array) -> ObjArray:
    """``YYYY-MM-DD`` for day numbers, "" for _NEVER (through a table of the dates in range)."""
    missing = days == _NEVER
    if missing.all():
        return np.full(days.shape, "", dtype=object)
    first = int(days[~missing].min())
    span = np.arange(first, int(days.max()) + 1).astype("datetime64[D]")
    table = np.append(np.datetime_as_string(span).astype(object), "")
    return np.asarray(table[np.where(missing, len(span), days - first)], dtype=object)


def _day(date: dt.date) -> int:
    return (date - _EPOCH).days


def _date(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=day)


def _seed(config: SimulationConfig) -> int:
    return config.seed % 2**63
