"""What the report reader hands to the lake writer (no Django; shared by reader, lake, services).

The reader detects a report from its header set, validates and normalises every row, and yields
Arrow record batches in the report's canonical schema. The user principal name is still in clear
text in those batches (column ``upn``); the ingest service replaces it with the pseudonym before
anything is written — no UPN ever reaches the lake or a log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

Form = Literal["period", "date", "series"]


class ReportError(Exception):
    """A file cannot be ingested. The message names the file (and line) and says what to do."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ReportInfo:
    """What a file is, decided from its header set and its first rows."""

    report: str  # canonical key, e.g. "teams_user_detail" (see formats.REPORTS)
    graph_name: str  # e.g. "getTeamsUserActivityUserDetail"
    form: Form  # "period" (D7/D30/...), "date" (one day), "series" (org-level daily counts)
    refresh_date: dt.date | None  # None for a header-only file only: it names none
    period_days: int | None  # 7, 30, 90, 180 for period form; 1 for date form; None if absent
    report_date: dt.date | None  # the day of a date-form file
    concealed: bool  # user names concealed (32-hex UPNs or zero GUIDs)
    header_version: str  # e.g. "teams-2019", "teams-2021"; for the manifest
    unknown_columns: tuple[str, ...]  # extra columns, accepted and ignored


@dataclass(frozen=True)
class ReadResult:
    info: ReportInfo
    batches: Iterator[pa.RecordBatch]  # canonical schema; iterate once; raises ReportError
    # Releases the open file; call it when done, also when the batches were not all read.
    close: Callable[[], None] = lambda: None
