"""Ingest: files (or folders, or zip archives) of Microsoft 365 reports into the usage lake.

Each file is read and validated completely by :mod:`veikart.usage.reader`, its user principal names
are replaced by the keyed pseudonyms employees carry, and it is stored as one snapshot by
:mod:`veikart.usage.lake`. A file that fails leaves the lake as it was; the others go on. Every run
and every file is recorded in the manifest (:class:`IngestRun`, :class:`IngestedFile`) and the
audit log — without any user name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import lzma
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from veikart.core.pseudonyms import normalise_upn, pseudonym
from veikart.core.services import record_audit_event
from veikart.organisations.models import EmployeeIdentity
from veikart.usage.contract import ReportError
from veikart.usage.lake import (
    remove_snapshot,
    remove_stale_temporaries,
    snapshots_before,
    write_snapshot,
)
from veikart.usage.models import IngestedFile, IngestRun, IngestStatus
from veikart.usage.reader import read_report

Progress = Callable[[str], None]


@dataclass
class IngestSummary:
    files: int = 0
    stored: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    rows: int = 0
    reports: set[str] = field(default_factory=set)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    unmapped_people: int = 0
    concealed_files: int = 0
    run_id: int | None = None
    # What the automatic compute after ingest did (ComputeSummary.as_dict()), if it ran.
    computed: dict[str, object] | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "failed": len(self.failed),
            "rows": self.rows,
            "reports": sorted(self.reports),
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "unmapped_people": self.unmapped_people,
            "concealed_files": self.concealed_files,
            "computed": self.computed,
        }


def lake_root() -> Path:
    root: Path = settings.LAKE_DIR
    root.mkdir(parents=True, exist_ok=True)
    return root


class _Pseudonymiser:
    """Replaces the ``upn`` column by ``person`` (the keyed pseudonym), and notes who is unknown."""

    def __init__(self) -> None:
        self.known = set(EmployeeIdentity.objects.values_list("pseudonym", flat=True))
        self.unmapped: set[str] = set()
        self.count_unmapped = True  # off for concealed files: nobody in them can be mapped
        self._cache: dict[str, str] = {}

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if "upn" not in batch.schema.names:
            return batch
        index = batch.schema.get_field_index("upn")
        upns = batch.column(index)
        unique = pc.unique(upns).to_pylist()
        keys: list[str | None] = []
        for upn in unique:
            if upn is None:
                keys.append(None)
                continue
            key = self._cache.get(upn)
            if key is None:
                key = self._cache[upn] = pseudonym(normalise_upn(upn))
            keys.append(key)
            if self.count_unmapped and key not in self.known:
                self.unmapped.add(key)
        people = pc.take(pa.array(keys, pa.string()), pc.index_in(upns, pa.array(unique)))
        return batch.set_column(index, pa.field("person", pa.string()), people)


# What unpacking a damaged zip member raises: a bad CRC or header (BadZipFile), broken
# compressed data (zlib.error, EOFError, LZMAError; OSError from bz2), an unsupported compression
# method (NotImplementedError) or an encrypted member (RuntimeError).
_DAMAGED_MEMBER: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    lzma.LZMAError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def expand_inputs(paths: list[Path], scratch: Path) -> Iterator[tuple[str, Path | ReportError]]:
    """(display name, file) for every file, folder member and zip member, in a stable order.

    A zip archive or member that cannot be unpacked comes as (display name, the ReportError that
    refuses it) instead of a file, so that it is refused like any other file that cannot be read.
    """
    for path in paths:
        if path.is_dir():
            for member in sorted(p for p in path.rglob("*") if p.is_file()):
                yield str(member.relative_to(path.parent)), member
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            try:
                archive = zipfile.ZipFile(path)
            except _DAMAGED_MEMBER as exc:
                yield path.name, _damaged_zip(path.name, exc)
                continue
            with archive:
                for number, info in enumerate(archive.infolist()):
                    if info.is_dir():
                        continue
                    name = f"{path.name}/{info.filename}"
                    target = scratch / f"{number:06d}.csv"  # never a name from the archive
                    try:
                        with archive.open(info) as source, open(target, "wb") as sink:
                            shutil.copyfileobj(source, sink)
                    except _DAMAGED_MEMBER as exc:
                        target.unlink(missing_ok=True)
                        yield name, _damaged_zip(name, exc)
                        continue
                    yield name, target
        else:
            yield path.name, path


def _damaged_zip(name: str, exc: BaseException) -> ReportError:
    reason = str(exc) or type(exc).__name__
    return ReportError(
        f"cannot be unpacked from the zip archive ({reason}); the archive is damaged or uses a "
        "compression or encryption Veikart cannot read — download the reports again, or zip "
        "them again without a password, and ingest that",
        file=name,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_paths(
    paths: list[Path],
    *,
    actor: User | None = None,
    source: str = "cli",
    progress: Progress | None = None,
    today: dt.date | None = None,
    report_dates: Mapping[Path, dt.date] | None = None,
    compute: bool = True,
) -> IngestSummary:
    """Ingest every file under ``paths``; a failing file is refused and listed, others go on.

    ``report_dates`` gives the day of one-day files whose day the caller knows (the Graph pull
    asked for it), keyed by the file's path as given (or, inside a given folder, as found there);
    the reader then takes that day rather than inferring it from the rows.

    When ``compute`` is true and a file was stored or none was refused, the adoption figures are
    brought up to date afterwards (only the weeks that changed are recomputed; nothing when the
    figures already match the lake). Computing also after a run that stored nothing new makes a
    re-run finish the work of a run killed during its compute.
    """
    report_dates = report_dates or {}
    root = lake_root()
    remove_stale_temporaries(root)
    run = IngestRun.objects.create(actor=actor, source=source)
    summary = IngestSummary(run_id=run.pk)
    pseudonymiser = _Pseudonymiser()
    with tempfile.TemporaryDirectory(prefix="veikart-ingest-") as scratch:
        for name, path in expand_inputs(paths, Path(scratch)):
            summary.files += 1
            if progress is not None:
                progress(name)
            if isinstance(path, ReportError):
                record = IngestedFile(run=run, name=name[:500], sha256="")
                _refuse(record, name, path, summary)
                continue
            _ingest_one(
                run, name, path, root, pseudonymiser, summary, today, report_dates.get(path)
            )
    summary.unmapped_people = len(pseudonymiser.unmapped)
    if compute and (summary.stored or not summary.failed):
        from veikart.adoption.services import compute_figures  # adoption reads the lake

        summary.computed = compute_figures(actor=actor, trigger="ingest").as_dict()
    run.finished_at = timezone.now()
    run.summary = summary.as_dict()
    run.save(update_fields=["finished_at", "summary"])
    record_audit_event(actor, "usage.ingest", target=f"ingest-run:{run.pk}", detail=run.summary)
    return summary


def _ingest_one(
    run: IngestRun,
    name: str,
    path: Path,
    root: Path,
    pseudonymiser: _Pseudonymiser,
    summary: IngestSummary,
    today: dt.date | None,
    report_date: dt.date | None,
) -> None:
    sha = _sha256(path)
    record = IngestedFile(run=run, name=name[:500], sha256=sha)
    before = len(pseudonymiser.unmapped)
    try:
        result = read_report(path, name=name, today=today, report_date=report_date)
        try:
            info = result.info
            pseudonymiser.count_unmapped = not info.concealed
            outcome = write_snapshot(
                root, info, result.batches, sha256=sha, transform=pseudonymiser
            )
        finally:
            result.close()  # also when the snapshot was unchanged and nothing was read
    except ReportError as exc:
        _refuse(record, name, exc, summary)
        return
    record.status = outcome.status
    record.report = info.report
    record.form = info.form
    record.refresh_date = info.refresh_date
    record.report_date = info.report_date
    record.period_days = info.period_days
    record.snapshot = "" if outcome.path is None else str(outcome.path.relative_to(root))
    record.rows = outcome.rows
    record.concealed = info.concealed
    record.unmapped_people = len(pseudonymiser.unmapped) - before
    record.save()
    summary.reports.add(info.report)
    summary.rows += outcome.rows
    summary.concealed_files += int(info.concealed)
    if outcome.status in ("written", "replaced"):
        summary.stored += 1
    elif outcome.status == "unchanged":
        summary.unchanged += 1
    day = info.report_date or info.refresh_date  # neither, for a header-only period file
    if day is not None:
        summary.first_day = min(filter(None, [summary.first_day, day]))
        summary.last_day = max(filter(None, [summary.last_day, day]))


def _refuse(record: IngestedFile, name: str, exc: ReportError, summary: IngestSummary) -> None:
    record.status = IngestStatus.FAILED
    record.message = str(exc)
    record.save()
    summary.failed.append((name, str(exc)))


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.date
    snapshots: int
    run_id: int | None


def purge_raw_usage(
    *, actor: User | None = None, today: dt.date | None = None, dry_run: bool = False
) -> PurgeResult:
    """Remove lake snapshots older than the retention period (``VEIKART_RETENTION_DAYS``).

    Recorded in the ingest history and the audit log, so the data-protection officer can see
    that retention is enforced.
    """
    root = lake_root()
    cutoff = (today or timezone.localdate()) - dt.timedelta(days=settings.RETENTION_DAYS)
    old = snapshots_before(root, cutoff.isoformat())
    if dry_run:
        return PurgeResult(cutoff, len(old), None)
    for folder in old:
        remove_snapshot(folder)
    summary = {"purged_snapshots": len(old), "before": cutoff.isoformat()}
    run = IngestRun.objects.create(
        actor=actor, source="purge", summary=summary, finished_at=timezone.now()
    )
    record_audit_event(actor, "usage.purge", target=f"ingest-run:{run.pk}", detail=summary)
    return PurgeResult(cutoff, len(old), run.pk)
