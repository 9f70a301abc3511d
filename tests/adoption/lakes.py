"""Small usage lakes written by hand, through the real lake writer, in the canonical schemas."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from veikart.adoption.engine import PEOPLE_SCHEMA
from veikart.usage.contract import Form, ReportInfo
from veikart.usage.formats import NO_PERIOD_COLUMN, REPORTS, UPN
from veikart.usage.lake import write_snapshot

Rows = Mapping[str, Sequence[object]]


def canonical(report: str, rows: Rows) -> pa.Table:
    """A lake table of ``report``: every canonical column (``person`` for ``upn``), the given
    ones filled, the others null — as an older header version leaves them."""
    fields = [("person" if f.name == UPN else f.name, f.type) for f in REPORTS[report].fields]
    unknown = set(rows) - {name for name, _ in fields}
    assert not unknown, f"not columns of {report}: {unknown}"
    length = len(rows["person"])
    return pa.table(
        {
            name: pa.array(rows[name], kind) if name in rows else pa.nulls(length, kind)
            for name, kind in fields
        }
    )


def write_report(
    root: Path,
    report: str,
    refresh: dt.date,
    rows: Rows,
    *,
    period_days: int | None = 7,
    report_date: dt.date | None = None,
) -> Path:
    """Store one snapshot as ingest would: weekly by default, one-day with ``report_date``."""
    length = len(rows["person"])
    form: Form = "date" if report_date is not None else "period"
    days = 1 if report_date is not None else period_days
    if report in NO_PERIOD_COLUMN:
        days = None if report_date is None else 1
    table = canonical(
        report,
        {
            "report_refresh_date": [refresh] * length,
            "report_period": [days] * length,
            "report_date": [report_date] * length,
            **rows,
        },
    )
    info = ReportInfo(
        report=report,
        graph_name=REPORTS[report].graph_name,
        form=form,
        refresh_date=refresh,
        period_days=days,
        report_date=report_date,
        concealed=False,
        header_version="test",
        unknown_columns=(),
    )
    sha = hashlib.sha256(repr((report, refresh, days, report_date, rows)).encode()).hexdigest()
    outcome = write_snapshot(root, info, table.to_batches(), sha256=sha, transform=lambda b: b)
    assert outcome.path is not None
    return outcome.path


def people_table(rows: Sequence[tuple[object, ...]]) -> pa.Table:
    """Rows of (person, week_start, unit_id, unit_path, former_org, is_leader, training_status,
    unit_type), optionally followed by employee_id."""
    width = len(rows[0]) if rows else len(PEOPLE_SCHEMA) - 1
    fields = list(PEOPLE_SCHEMA)[:width]
    columns: list[Sequence[object]] = list(zip(*rows, strict=True)) if rows else [()] * width
    return pa.table(
        {f.name: pa.array(list(c), f.type) for f, c in zip(fields, columns, strict=True)}
    )
