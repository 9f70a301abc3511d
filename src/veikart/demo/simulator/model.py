"""The data the simulator's stages hand to each other (plain numpy, no Django).

organisation.py builds a :class:`Population` (everyone employed at any time in the span) and its
:class:`UnitRow` list; behaviour.py turns a population into a :class:`Panel` of activity per person
and period; reports.py writes a panel as Microsoft 365 report files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

# Unit types, in the order used by Population.unit_type (values of veikart UnitType).
UNIT_TYPES: tuple[str, ...] = (
    "office",
    "school",
    "kindergarten",
    "care",
    "technical",
    "culture",
    "nav",
)
FORMER_ORGS: tuple[str, ...] = ("moss", "rygge")  # Population.former_org indexes this; -1 = none

# The activity metrics a Panel carries, per person and period (integer counts / seconds).
METRICS: tuple[str, ...] = (
    "teams_private_chat",  # Private Chat Message Count (1:1 and group chat)
    "teams_channel",  # Team Chat Message Count (channel posts and replies)
    "teams_calls",  # Call Count
    "teams_meetings_attended",  # Meetings Attended Count (also Meeting Count)
    "teams_meetings_organized",  # Meetings Organized Count
    "teams_audio_seconds",  # Audio Duration In Seconds
    "teams_video_seconds",  # Video Duration In Seconds
    "email_sent",  # Send Count
    "email_received",  # Receive Count
    "email_read",  # Read Count
    "onedrive_viewed_edited",  # OneDrive Viewed Or Edited File Count
    "onedrive_synced",  # OneDrive Synced File Count
    "onedrive_shared_internally",  # OneDrive Shared Internally File Count
    "sharepoint_viewed_edited",  # SharePoint Viewed Or Edited File Count
    "sharepoint_visited_pages",  # SharePoint Visited Page Count
)

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class UnitRow:
    """One unit as the HR import's Enheter table has it (codes are strings)."""

    code: str
    name: str
    parent_code: str  # "" for a top-level unit
    unit_type: str  # one of UNIT_TYPES
    former_org: str  # "moss", "rygge" or "" (the merged organisation)
    valid_from: str  # ISO date or ""
    valid_to: str  # ISO date or ""
    successor_code: str  # ble_del_av: the post-merger unit an old unit became part of, or ""


@dataclass(frozen=True)
class Population:
    """Everyone employed at some time between config.start and config.end; person i is row i.

    Dates are numpy datetime64[D]; ``end`` is NaT for people still employed at config.end.
    Unit indexes point into ``units``. A person who joins after the merger has former_org -1,
    unit_before -1 and upn_before ""; a person who leaves before it has unit_after -1, upn_after "".
    """

    units: list[UnitRow]
    employee_number: list[str]
    given_name: list[str]
    family_name: list[str]
    title: list[str]
    upn_before: list[str]
    upn_after: list[str]
    user_id: list[str]  # Entra object id (GUID, lower case), stable across the merger
    former_org: npt.NDArray[np.int8]
    unit_type: npt.NDArray[np.int8]  # index into UNIT_TYPES (of the person's current unit)
    unit_before: IntArray
    unit_after: IntArray
    is_manager: BoolArray
    manager_before: IntArray  # person index of the manager before the merger, -1 = none
    manager_after: IntArray
    is_champion: BoolArray  # digital champion (superbruker)
    start: DateArray
    end: DateArray

    def __len__(self) -> int:
        return len(self.employee_number)


@dataclass(frozen=True)
class Panel:
    """Activity per person and period. ``period_end[t]`` is the last day of period t (a report's
    refresh date for D7 files, the report date for daily files); periods are 7 or 1 days long.

    ``licensed[i, t]`` says whether person i is a known, licensed user in period t (employed and
    in the tenant); report files list exactly those users (plus recently deleted ones).
    ``metrics[name][i, t]`` are the observed counts; ``counterfactual`` the same without training
    (Y(0)), kept for the ground truth.
    """

    period_end: DateArray
    period_days: int
    licensed: BoolArray
    metrics: dict[str, IntArray]
    counterfactual: dict[str, IntArray] = field(default_factory=dict)
    trained_on: DateArray | None = None  # per person: first day of training, NaT = never
