"""The simulator's organisation as the engine's ``people`` table, and its panel as a lake.

The Django side will build ``people`` from unit assignments; here it comes from the simulator's
:class:`Population` the same way: one row per person and ISO week they were employed, in the unit
they belonged to that week (before the merger the old municipality's unit, from it the new one —
the week's Sunday decides, as it does for the report files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from tests.adoption.lakes import people_table, write_report
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import FORMER_ORGS, Panel, Population, UnitRow

TEAMS_COUNTS = ("teams_private_chat", "teams_channel", "teams_calls", "teams_meetings_attended")

# Person key of person i in the era before (False) or from (True) the merger.
PersonKey = Callable[[int, bool], str]


def by_index(i: int, merged: bool) -> str:
    return f"p{i}"


def unit_paths(units: list[UnitRow]) -> list[str]:
    """Each unit's path of ids (index + 1) from the top: "/1/4/9/"."""
    index = {unit.code: i for i, unit in enumerate(units)}

    def path(i: int) -> str:
        parent = units[i].parent_code
        return (path(index[parent]) if parent else "/") + f"{i + 1}/"

    return [path(i) for i in range(len(units))]


def sundays(panel: Panel) -> list[dt.date]:
    return [dt.date.fromisoformat(str(day)) for day in panel.period_end.astype("datetime64[D]")]


def people_of(
    population: Population, panel: Panel, config: SimulationConfig, key: PersonKey = by_index
) -> pa.Table:
    paths = unit_paths(population.units)
    start = population.start.astype("datetime64[D]")
    end = population.end.astype("datetime64[D]")
    trained = (
        panel.trained_on.astype("datetime64[D]")
        if panel.trained_on is not None
        else np.full(len(population), np.datetime64("NaT"), "datetime64[D]")
    )
    rows = []
    for sunday in sundays(panel):
        monday = sunday - dt.timedelta(days=6)
        merged = sunday >= config.merger_date
        units = population.unit_after if merged else population.unit_before
        employed = (start <= np.datetime64(sunday)) & (
            np.isnat(end) | (end >= np.datetime64(monday))
        )
        for i in np.flatnonzero(employed & (units >= 0)).tolist():
            unit = int(units[i])
            former = int(population.former_org[i])
            if np.isnat(trained[i]):
                status = "never"
            elif trained[i] <= np.datetime64(sunday):
                status = "trained"
            else:
                status = "not_yet"
            rows.append(
                (
                    key(i, merged),
                    monday,
                    unit + 1,
                    paths[unit],
                    FORMER_ORGS[former] if former >= 0 else None,
                    bool(population.is_manager[i]),
                    status,
                    population.units[unit].unit_type,
                    i,  # employee_id: the same human before and after the merger
                )
            )
    return people_table(rows)


def write_panel_lake(
    root: Path, population: Population, panel: Panel, config: SimulationConfig
) -> None:
    """The panel's weekly counts as D7 snapshots of the five user-detail reports, written
    straight from the arrays (no CSV, no ingest); people are keyed by :func:`by_index`."""
    for t, sunday in enumerate(sundays(panel)):
        rows = np.flatnonzero(panel.licensed[:, t])
        people = [by_index(int(i), False) for i in rows]

        def count(metric: str, rows: np.ndarray = rows, t: int = t) -> list[int]:
            return [int(v) for v in panel.metrics[metric][rows, t]]

        def last(
            *metrics: str, rows: np.ndarray = rows, t: int = t, day: dt.date = sunday
        ) -> list[dt.date | None]:
            used = sum(panel.metrics[m][rows, t] for m in metrics) > 0
            return [day if u else None for u in used]

        teams = (*TEAMS_COUNTS, "teams_meetings_organized")  # as the report files count it
        write_report(
            root,
            "teams_user_detail",
            sunday,
            {
                "person": people,
                "private_chat_message_count": count("teams_private_chat"),
                "team_chat_message_count": count("teams_channel"),
                "call_count": count("teams_calls"),
                "meeting_count": count("teams_meetings_attended"),
                "meetings_attended_count": count("teams_meetings_attended"),
                "last_activity_date": last(*teams),
            },
        )
        write_report(
            root, "email_user_detail", sunday, {"person": people, "send_count": count("email_sent")}
        )
        write_report(
            root,
            "onedrive_user_detail",
            sunday,
            {
                "person": people,
                "viewed_or_edited_file_count": count("onedrive_viewed_edited"),
                "synced_file_count": count("onedrive_synced"),
                "shared_internally_file_count": count("onedrive_shared_internally"),
            },
        )
        write_report(
            root,
            "sharepoint_user_detail",
            sunday,
            {
                "person": people,
                "viewed_or_edited_file_count": count("sharepoint_viewed_edited"),
                "visited_page_count": count("sharepoint_visited_pages"),
            },
        )
        write_report(
            root,
            "m365_active_user_detail",
            sunday,
            {
                "person": people,
                "exchange_last_activity_date": last("email_sent", "email_read"),
                "teams_last_activity_date": last(*teams),
                "onedrive_last_activity_date": last(
                    "onedrive_viewed_edited", "onedrive_synced", "onedrive_shared_internally"
                ),
                "sharepoint_last_activity_date": last(
                    "sharepoint_viewed_edited", "sharepoint_visited_pages"
                ),
            },
        )
