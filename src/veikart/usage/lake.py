"""The usage lake: Parquet files under ``<data dir>/lake``, one file per report snapshot.

Layout (hive-style, so DuckDB, pandas, Polars or Power BI read it as it is)::

    lake/<report>/form=period/day=<refresh date>/d<period days>.parquet
    lake/<report>/form=date/day=<report date>/data.parquet
    lake/<report>/form=series/day=<refresh date>/d<period days>.parquet

The path *is* the snapshot key, so one snapshot can never be stored twice: re-ingesting a file
finds its content hash in the existing file's metadata and changes nothing; a newer pull of the
same day (Microsoft revises the last days) replaces the older one; an older pull never replaces a
newer one. Period files and daily files live under different ``form`` partitions and are never
summed together.

Every write goes to a temporary file in the target directory, is flushed to disk, and is renamed
into place with :func:`os.replace` — a crash leaves either the old file or the new one, never half
a file. No Django imports.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from veikart.usage.contract import ReportInfo

Status = Literal["written", "replaced", "unchanged", "older", "empty"]
Transform = Callable[[pa.RecordBatch], pa.RecordBatch]

META_SHA256 = b"veikart.sha256"
META_REFRESH = b"veikart.refresh_date"


@dataclass(frozen=True)
class WriteOutcome:
    status: Status
    rows: int
    path: Path | None  # None only for an "empty" file without a refresh date (no snapshot key)


def snapshot_path(root: Path, info: ReportInfo) -> Path:
    """Where the snapshot a file holds lives in the lake (the snapshot key as a path)."""
    base = root / info.report / f"form={info.form}"
    if info.form == "date":
        if info.report_date is None:
            raise ValueError("a date-form report needs its report date")
        return base / f"day={info.report_date.isoformat()}" / "data.parquet"
    if info.refresh_date is None:
        raise ValueError(f"a {info.form}-form report needs its refresh date")
    return base / f"day={info.refresh_date.isoformat()}" / f"d{info.period_days or 0}.parquet"


def stored_metadata(path: Path) -> dict[bytes, bytes]:
    if not path.exists():
        return {}
    return dict(pq.read_metadata(path).metadata or {})


def write_snapshot(
    root: Path,
    info: ReportInfo,
    batches: Iterable[pa.RecordBatch],
    *,
    sha256: str,
    transform: Transform,
) -> WriteOutcome:
    """Store one file's rows as its snapshot, atomically; see the module docstring for the rules.

    ``transform`` is applied to every batch before it is written (the ingest service uses it to
    replace user principal names with pseudonyms). If reading or transforming fails part-way, the
    temporary file is removed and the lake is exactly as it was.
    """
    if info.refresh_date is None:
        # Only a header-only file names no refresh date: there is nothing to store.
        if any(True for _ in batches):
            raise ValueError("a report with rows needs its refresh date")
        return WriteOutcome("empty", 0, None)
    path = snapshot_path(root, info)
    existing = stored_metadata(path)
    if existing.get(META_SHA256) == sha256.encode():
        return WriteOutcome("unchanged", 0, path)
    stored_refresh = existing.get(META_REFRESH, b"").decode()
    if stored_refresh and stored_refresh > info.refresh_date.isoformat():
        return WriteOutcome("older", 0, path)

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for batch in batches:
            out = transform(batch)
            if writer is None:
                schema = out.schema.with_metadata(
                    {
                        META_SHA256: sha256.encode(),
                        META_REFRESH: info.refresh_date.isoformat().encode(),
                        b"veikart.report": info.report.encode(),
                        b"veikart.form": info.form.encode(),
                        b"veikart.concealed": b"true" if info.concealed else b"false",
                        b"veikart.header_version": info.header_version.encode(),
                    }
                )
                writer = pq.ParquetWriter(temporary, schema, compression="zstd")
            writer.write_batch(out)
            rows += out.num_rows
        if writer is None:
            return WriteOutcome("empty", 0, path)
        writer.close()
        writer = None
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        status: Status = "replaced" if path.exists() else "written"
        os.replace(temporary, path)
        _fsync_directory(path.parent)
        return WriteOutcome(status, rows, path)
    finally:
        if writer is not None:
            writer.close()
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temporaries(root: Path) -> int:
    """Delete temporary files a killed writer left behind (never read: they start with a dot)."""
    removed = 0
    for stale in root.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)
        removed += 1
    return removed


def snapshots_before(root: Path, cutoff: str) -> list[Path]:
    """Snapshot folders (``day=…``) of every report and form whose day is before ``cutoff``."""
    return sorted(
        folder
        for folder in root.glob("*/form=*/day=*")
        if folder.is_dir() and folder.name.removeprefix("day=") < cutoff
    )


def remove_snapshot(folder: Path) -> None:
    """Remove one snapshot folder: its files first, then the folder (a crash leaves less, not
    half a file — each file disappears atomically)."""
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()


def report_glob(root: Path, report: str, form: str) -> str:
    """The glob DuckDB reads for one report and form (``read_parquet(..., union_by_name=true)``)."""
    return str(root / report / f"form={form}" / "day=*" / "*.parquet")
