"""Backup and restore: the database and the usage lake in one file, verified before it is used.

A backup is one uncompressed tar file::

    database.jsonl.gz   every row of every table (users and the audit log too), one JSON object a
                        line, primary keys kept; readable by SQLite and PostgreSQL installations
    lake/…              every file of the usage lake, byte for byte
    manifest.json       last: format, Veikart version, organisation, database vendor and schema
                        (the migrations applied), rows per table, the fingerprint of the
                        pseudonymisation key, and every member's size and SHA-256 (lake files
                        with their modification time); it carries its own checksum too

Not in it: the pseudonymisation key and Django's signing key (secrets, kept apart from the data
they protect), sign-in sessions, uploads awaiting confirmation, Graph downloads not yet ingested,
the demo's source files and scratch space. See docs/operator/backup.md.

**Consistency.** The rows are read in one read-only transaction (REPEATABLE READ on PostgreSQL, a
read transaction on SQLite), so they are one instant's state, and writers are not blocked. The
lake changes only by whole files renamed into place or deleted, so the backup notes every file
(inode, size, modification time) before reading the database, and checks that none changed, came
or went until all are copied. If one did (an ingest ran meanwhile), it starts again. The lake in
the backup is thus the lake at the instant the rows were read: the pair is the state a crash at
that instant would have left, which Veikart recovers from by design.

**Atomicity.** The file is written under a hidden ``.partial`` name, flushed to disk and renamed
into place; the manifest is written last. A killed backup never leaves a file under the final
name, and its partial file — even if renamed — has no manifest and is refused by restore. The next
backup into the same folder removes it.

**Restore** checks everything before it changes anything: the manifest and its checksum, the
format, the database schema, the organisation, the key fingerprint, and every member's checksum
while extracting it to a hidden folder beside the lake. Then it replaces all rows in one
transaction and the lake by renaming the extracted folder into place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import stat
import tarfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, TextIO

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.management.color import no_style
from django.core.serializers import base as serializer_base
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JsonlSerializer
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import veikart
from veikart.core.services import record_audit_event

FORMAT = "veikart-backup"
FORMAT_VERSION = 1
DATABASE_MEMBER = "database.jsonl.gz"
MANIFEST_MEMBER = "manifest.json"
LAKE_PREFIX = "lake/"
# Rebuilt by `migrate` (referred to by natural key instead), or not worth keeping (sessions: a
# restore signs everyone out, so that no old session can point at another user's row).
EXCLUDED_MODELS = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})
NATURAL_KEY_MODELS = frozenset({"contenttypes.contenttype", "auth.permission"})
KEY_CHECK = b"veikart backup: pseudonymisation key check"
ATTEMPTS = 3  # times the backup starts again when the lake changes under it
BATCH = 2000
CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20
INCOMPLETE = (
    "it is not a complete Veikart backup (a backup that was interrupted, or a file cut short "
    "in copying)."
)
_PARTIAL = re.compile(r"^\..+\.\d+\.(database\.)?partial$")

# phase ("database", "lake", "verify"), units done, units in all (rows or bytes; 0: unknown)
Progress = Callable[[str, int, int], None]


class BackupError(Exception):
    """A backup cannot be made or restored. The message says what is wrong and what to do."""


@dataclass(frozen=True)
class OrganisationInfo:
    id: int
    name: str
    org_number: str
    created_at: dt.datetime


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, read from its manifest."""

    path: Path
    created_at: dt.datetime
    veikart_version: str
    organisation: OrganisationInfo | None
    vendor: str
    migrations: frozenset[tuple[str, str]]
    rows: dict[str, int]
    key_fingerprint: str
    files: dict[str, dict[str, Any]]  # member name -> {"size", "sha256"[, "mtime_ns"]}
    manifest_sha256: str

    @property
    def lake_files(self) -> int:
        return sum(1 for name in self.files if name.startswith(LAKE_PREFIX))

    @property
    def lake_bytes(self) -> int:
        return sum(f["size"] for name, f in self.files.items() if name.startswith(LAKE_PREFIX))

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    rows: int
    lake_files: int
    lake_bytes: int
    attempts: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    info: BackupInfo
    rows: int
    lake_files: int
    seconds: float


# --- What is backed up -------------------------------------------------------------------------


def key_fingerprint(key: str | None = None) -> str:
    """A fingerprint of the pseudonymisation key: tells keys apart, reveals nothing of them."""
    secret = (key if key is not None else settings.PSEUDONYM_KEY).encode("utf-8")
    return hmac.new(secret, KEY_CHECK, hashlib.sha256).hexdigest()[:16]


def backup_models() -> list[type[models.Model]]:
    """Every table a backup holds, in a stable order (app, then model)."""
    chosen = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in EXCLUDED_MODELS
    ]
    return sorted(chosen, key=lambda model: model._meta.label_lower)


def applied_migrations() -> frozenset[tuple[str, str]]:
    return frozenset(MigrationRecorder(connection).applied_migrations())


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds (its own cuts times to milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JsonlSerializer):
    """JSON lines with primary keys, referring to content types and permissions by natural key
    (their ids differ between databases) and to every other row by its id."""

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = _natural(field.remote_field.model)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = _natural(field.remote_field.model)
        super().handle_m2m_field(obj, field)


def _natural(model: type[models.Model]) -> bool:
    return model._meta.label_lower in NATURAL_KEY_MODELS


def dump_database(stream: TextIO, progress: Progress | None = None) -> dict[str, int]:
    """Write every row of :func:`backup_models` to ``stream`` as JSON lines; rows per table.

    Ordered by table and primary key, so that the same data always gives the same text.
    """
    tables = backup_models()
    total = sum(model._base_manager.count() for model in tables) if progress else 0
    counts: dict[str, int] = {}
    done = 0
    if progress is not None:
        progress("database", 0, total)
    for model in tables:
        label = model._meta.label_lower
        counts[label] = 0

        def rows(model: type[models.Model] = model, label: str = label) -> Iterator[models.Model]:
            nonlocal done
            for row in model._base_manager.order_by("pk").iterator(chunk_size=BATCH):
                counts[label] += 1
                done += 1
                if progress is not None and done % BATCH == 0:
                    progress("database", done, total)
                yield row

        _Serializer().serialize(rows(), stream=stream, cls=_ExactEncoder)
    if progress is not None:
        progress("database", done, total)
    return counts


@contextlib.contextmanager
def _read_snapshot() -> Iterator[None]:
    """One read-only transaction: every query inside sees the same instant, writers go on."""
    if connection.in_atomic_block:
        # Inside a caller's transaction (tests): that transaction is the snapshot.
        yield
        return
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        # Veikart opens SQLite write transactions as IMMEDIATE; a backup only reads, so it takes
        # a DEFERRED one, which holds no write lock (WAL: readers and a writer at once).
        mode = getattr(connection, "transaction_mode", None)
        connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                connection.transaction_mode = mode  # type: ignore[attr-defined]
                yield
        finally:
            connection.transaction_mode = mode  # type: ignore[attr-defined]
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _organisation() -> OrganisationInfo | None:
    from veikart.organisations.models import Organisation

    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        return None
    return OrganisationInfo(
        organisation.pk, organisation.name, organisation.org_number, organisation.created_at
    )


# --- The lake ----------------------------------------------------------------------------------

Identity = tuple[int, int, int, int]  # device, inode, size, modification time (ns)


def _identity(status: os.stat_result) -> Identity:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _scan_lake(root: Path) -> dict[str, Identity]:
    """Every regular file of the lake (hidden ones — a writer's temporaries — left out)."""
    found: dict[str, Identity] = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        base = Path(folder)
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = base / name
            try:
                status = path.lstat()
            except FileNotFoundError:  # purged meanwhile: the final check sees the change
                continue
            if stat.S_ISREG(status.st_mode):
                found[path.relative_to(root).as_posix()] = _identity(status)
    return found


# --- Writing a backup --------------------------------------------------------------------------


class _HashingReader:
    """Reads a file for tarfile while hashing it (the only read of the file)."""

    def __init__(self, raw: IO[bytes], advance: Callable[[int], None] | None = None) -> None:
        self._raw = raw
        self._advance = advance
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.digest.update(data)
        if self._advance is not None:
            self._advance(len(data))
        return data


def default_backup_folder() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def _target(destination: Path | None, now: dt.datetime) -> Path:
    name = f"veikart-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"
    if destination is None:
        return default_backup_folder() / name
    if destination.is_dir():
        return destination / name
    if destination.suffix == ".tar":
        return destination
    if destination.exists() or destination.suffix:
        raise BackupError(
            f"{destination} is neither a folder nor a file name ending in .tar; "
            "give a folder to write the backup into, or the backup's file name."
        )
    return destination / name  # a folder, made now


@contextlib.contextmanager
def _exclusive(folder: Path, what: str) -> Iterator[None]:
    """One backup (or restore) at a time per folder; the lock goes with the process, even when
    it is killed."""
    lock = folder / f".veikart-{what}.lock"
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"Another {what} is running (it holds {lock}); wait until it has finished."
            ) from None
        yield


def _remove_partials(folder: Path) -> int:
    """Remove what killed backups left in ``folder`` (call only while holding its lock)."""
    removed = 0
    for path in folder.iterdir():
        if _PARTIAL.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def create_backup(
    destination: Path | None = None,
    *,
    actor: User | None = None,
    progress: Progress | None = None,
) -> BackupResult:
    """Write a backup of the database and the usage lake; see the module docstring.

    ``destination`` is a folder (the file is named after the time) or a ``.tar`` file name;
    by default the ``backups`` folder of the data directory. An existing file is never replaced.
    """
    started = time.perf_counter()
    _check_migrated("back up")
    target = _target(destination, timezone.now())
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} already exists; give another name, or move it away first.")
    with _exclusive(folder, "backup"):
        _remove_partials(folder)
        partial = folder / f".{target.name}.{os.getpid()}.partial"
        dump = folder / f".{target.name}.{os.getpid()}.database.partial"
        try:
            attempt = 0
            written = None
            while written is None:
                attempt += 1
                if attempt > ATTEMPTS:
                    raise BackupError(
                        f"The usage lake changed while each of {ATTEMPTS} attempts copied it (an "
                        "ingest or a purge was running). Run the backup again when it has "
                        "finished."
                    )
                written = _write_archive(partial, dump, progress)
            if target.exists():
                raise BackupError(f"{target} appeared while the backup was written; it is kept.")
            os.replace(partial, target)
            _fsync_directory(folder)
        finally:
            partial.unlink(missing_ok=True)
            dump.unlink(missing_ok=True)
    rows, lake_files, lake_bytes = written
    result = BackupResult(
        target,
        target.stat().st_size,
        rows,
        lake_files,
        lake_bytes,
        attempt,
        round(time.perf_counter() - started, 3),
    )
    record_audit_event(
        actor,
        "core.backup",
        target=target.name,
        detail={"rows": rows, "lake_files": lake_files, "bytes": result.size},
    )
    return result


def _write_archive(
    partial: Path, dump: Path, progress: Progress | None
) -> tuple[int, int, int] | None:
    """Write the whole backup to ``partial``; None when the lake changed meanwhile."""
    root = Path(settings.LAKE_DIR)
    before = _scan_lake(root)
    with _read_snapshot():
        taken = timezone.now()
        organisation = _organisation()
        migrations = applied_migrations()
        raw = os.fdopen(os.open(dump, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
        with raw, gzip.GzipFile("", "wb", 6, raw, mtime=0) as packed:
            text = io.TextIOWrapper(packed, encoding="utf-8", newline="\n")
            rows = dump_database(text, progress)
            text.flush()
            text.detach()
    files: list[dict[str, Any]] = []
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as sink:
        with tarfile.open(fileobj=sink, mode="w", format=tarfile.PAX_FORMAT) as tar:
            with open(dump, "rb") as handle:
                files.append(_add(tar, DATABASE_MEMBER, handle, os.fstat(handle.fileno())))
            total = sum(identity[2] for identity in before.values())
            done = 0

            def advance(count: int) -> None:
                nonlocal done
                done += count
                if progress is not None and count:
                    progress("lake", done, total)

            for name, identity in before.items():
                try:
                    handle = open(root / name, "rb")  # noqa: SIM115 (closed below)
                except FileNotFoundError:
                    return None
                with handle:
                    status = os.fstat(handle.fileno())
                    if _identity(status) != identity:
                        return None
                    entry = _add(tar, LAKE_PREFIX + name, handle, status, advance)
                    entry["mtime_ns"] = status.st_mtime_ns
                    files.append(entry)
            if progress is not None:
                progress("lake", done, total)
            if _scan_lake(root) != before:
                return None
            manifest = _manifest(taken, organisation, migrations, rows, files)
            _add_bytes(tar, MANIFEST_MEMBER, manifest)
        sink.flush()
        os.fsync(sink.fileno())
    lake = [f for f in files if f["name"].startswith(LAKE_PREFIX)]
    return sum(rows.values()), len(lake), sum(f["size"] for f in lake)


def _add(
    tar: tarfile.TarFile,
    name: str,
    handle: IO[bytes],
    status: os.stat_result,
    advance: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size = status.st_size
    info.mtime = status.st_mtime_ns // 1_000_000_000
    info.mode = 0o600
    reader = _HashingReader(handle, advance)
    # tarfile only calls read(), which the hashing reader has.
    tar.addfile(info, reader)
    return {"name": name, "size": status.st_size, "sha256": reader.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _manifest(
    taken: dt.datetime,
    organisation: OrganisationInfo | None,
    migrations: frozenset[tuple[str, str]],
    rows: dict[str, int],
    files: list[dict[str, Any]],
) -> bytes:
    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "veikart_version": veikart.__version__,
        "created_at": taken.isoformat(),  # the instant the snapshot was taken
        "organisation": None
        if organisation is None
        else {
            "id": organisation.id,
            "name": organisation.name,
            "org_number": organisation.org_number,
            "created_at": organisation.created_at.isoformat(),
        },
        "database": {
            "vendor": connection.vendor,
            "migrations": sorted([app, name] for app, name in migrations),
            "rows": rows,
        },
        "pseudonym_key_fingerprint": key_fingerprint(),
        "files": files,
    }
    body["manifest_sha256"] = _manifest_digest(body)
    return json.dumps(body, indent=1, ensure_ascii=False).encode("utf-8")


def _manifest_digest(body: dict[str, Any]) -> str:
    content = {key: value for key, value in body.items() if key != "manifest_sha256"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Reading and verifying a backup ------------------------------------------------------------


def _damaged(path: Path, problem: str) -> BackupError:
    return BackupError(
        f"{path.name}: {problem} Nothing was changed. Use another backup, or copy this one "
        "again if it was damaged in copying."
    )


def read_manifest(path: Path) -> BackupInfo:
    """The backup's manifest, checked (its checksum, format and names); the data is not read."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    try:
        with tarfile.open(path, "r:") as tar:
            try:
                member = tar.getmember(MANIFEST_MEMBER)
            except KeyError:
                raise _damaged(path, f"it has no manifest: {INCOMPLETE}") from None
            if not member.isreg() or member.size > MAX_MANIFEST_BYTES:
                raise _damaged(path, "its manifest is not a file Veikart wrote.")
            extracted = tar.extractfile(member)
            assert extracted is not None
            data = extracted.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        if "unexpected end" in str(exc):
            raise _damaged(path, f"it ends too early: {INCOMPLETE}") from None
        raise _damaged(path, f"it cannot be read as a backup ({exc}).") from None
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _damaged(path, "its manifest is damaged (not valid JSON).") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BackupError(f"{path.name} is not a Veikart backup (its manifest says otherwise).")
    if body.get("manifest_sha256") != _manifest_digest(body):
        raise _damaged(path, "its manifest is damaged (its checksum does not match).")
    version = body.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"{path.name} has backup format {version}, made by Veikart "
            f"{body.get('veikart_version')}; this Veikart ({veikart.__version__}) reads format "
            f"{FORMAT_VERSION}. Restore it with that version of Veikart or a newer one."
        )
    try:
        return _info(path, body)
    except (KeyError, TypeError, ValueError) as exc:
        raise _damaged(path, f"its manifest is incomplete ({exc}).") from None


def _info(path: Path, body: dict[str, Any]) -> BackupInfo:
    files: dict[str, dict[str, Any]] = {}
    for entry in body["files"]:
        name = str(entry["name"])
        if name in files or not _valid_member_name(name):
            raise ValueError(f"the member name {name!r} is not one Veikart writes")
        files[name] = {
            "size": int(entry["size"]),
            "sha256": str(entry["sha256"]),
            **({"mtime_ns": int(entry["mtime_ns"])} if "mtime_ns" in entry else {}),
        }
    if DATABASE_MEMBER not in files:
        raise ValueError("no database")
    organisation = body["organisation"]
    database = body["database"]
    return BackupInfo(
        path=path,
        created_at=dt.datetime.fromisoformat(body["created_at"]),
        veikart_version=str(body["veikart_version"]),
        organisation=None
        if organisation is None
        else OrganisationInfo(
            int(organisation["id"]),
            str(organisation["name"]),
            str(organisation["org_number"]),
            dt.datetime.fromisoformat(organisation["created_at"]),
        ),
        vendor=str(database["vendor"]),
        migrations=frozenset((str(app), str(name)) for app, name in database["migrations"]),
        rows={str(label): int(count) for label, count in database["rows"].items()},
        key_fingerprint=str(body["pseudonym_key_fingerprint"]),
        files=files,
        manifest_sha256=str(body["manifest_sha256"]),
    )


def _valid_member_name(name: str) -> bool:
    if name == DATABASE_MEMBER:
        return True
    if not name.startswith(LAKE_PREFIX) or "\\" in name or "\0" in name:
        return False
    parts = PurePosixPath(name).parts
    return len(parts) > 1 and all(part not in ("", ".", "..") for part in parts)


def verify_backup(path: Path, progress: Progress | None = None) -> BackupInfo:
    """Check the manifest and every member's checksum; change nothing."""
    info = read_manifest(path)
    _read_members(info, None, progress)
    return info


def _read_members(info: BackupInfo, into: Path | None, progress: Progress | None) -> None:
    """Read every member, comparing it with the manifest; extract it under ``into`` if given."""
    path = info.path
    total = sum(entry["size"] for entry in info.files.values())
    done = 0
    seen: set[str] = set()
    try:
        with tarfile.open(path, "r:") as tar:
            for member in tar:
                if member.name == MANIFEST_MEMBER:
                    continue
                entry = info.files.get(member.name)
                if entry is None or member.name in seen or not member.isreg():
                    raise _damaged(
                        path,
                        f"it holds {member.name!r}, which its manifest does not list: "
                        "it is damaged or was changed after it was made.",
                    )
                seen.add(member.name)
                source = tar.extractfile(member)
                assert source is not None
                target = None if into is None else into / member.name
                digest, size = _copy_hashing(source, target, progress, done, total)
                done += size
                if size != entry["size"] or digest != entry["sha256"]:
                    raise _damaged(
                        path,
                        f"{member.name} inside it is damaged: its checksum does not match the "
                        "manifest.",
                    )
                if target is not None and "mtime_ns" in entry:
                    # Keep modification times: compute fingerprints lake files by them.
                    os.utime(target, ns=(entry["mtime_ns"], entry["mtime_ns"]))
    except (tarfile.TarError, EOFError) as exc:
        raise _damaged(path, f"it cannot be read to the end ({exc}): {INCOMPLETE}") from None
    except OSError as exc:
        where = "" if into is None else f" into {into}"
        raise BackupError(
            f"{path.name} could not be read{where}: {exc}. Nothing was changed."
        ) from None
    missing = sorted(set(info.files) - seen)
    if missing:
        raise _damaged(path, f"it lacks {len(missing)} files its manifest lists ({missing[0]}, …).")


def _copy_hashing(
    source: IO[bytes], target: Path | None, progress: Progress | None, done: int, total: int
) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    sink: BinaryIO | None = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        sink = open(target, "wb")  # noqa: SIM115 (closed below)
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if sink is not None:
                sink.write(chunk)
            if progress is not None:
                progress("verify", done + size, total)
        if sink is not None:
            sink.flush()
            os.fsync(sink.fileno())
    finally:
        if sink is not None:
            sink.close()
    return digest.hexdigest(), size


# --- Restoring ---------------------------------------------------------------------------------


def restore_backup(
    path: Path,
    *,
    replace: bool = False,
    other_organisation: bool = False,
    other_key: bool = False,
    actor: User | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Replace the database and the usage lake with the backup's; see the module docstring.

    Refused, with nothing changed, when the backup is damaged or incomplete, was made with
    another database schema, holds another organisation (unless ``other_organisation``), was made
    with another pseudonymisation key (unless ``other_key``), or when the database holds data
    (unless ``replace``).
    """
    started = time.perf_counter()
    info = read_manifest(path)
    _check_schema(info)
    _check_target(info, replace=replace, other_organisation=other_organisation)
    _check_key(info, other_key=other_key)
    lake = Path(settings.LAKE_DIR)
    parent = lake.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(parent, "restore"):
        for stale in parent.glob(".veikart-restore-*"):
            shutil.rmtree(stale, ignore_errors=True)
        staging = parent / f".veikart-restore-{os.getpid()}"
        staging.mkdir(mode=0o700)
        try:
            _read_members(info, staging, progress)
            (staging / "lake").mkdir(exist_ok=True)  # a backup of an empty lake
            rows = _restore_rows_and_lake(info, staging, lake, progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    cache.clear()  # pages and forecasts kept from the data that was replaced
    if actor is not None:
        # The rows were replaced: the user who restored is the restored row of that name, if any.
        actor = User.objects.filter(username=actor.username).first()
    record_audit_event(
        actor,
        "core.restore",
        target=path.name,
        detail={
            "backup_created_at": info.created_at.isoformat(),
            "veikart_version": info.veikart_version,
            "manifest_sha256": info.manifest_sha256,
            "rows": rows,
            "lake_files": info.lake_files,
        },
    )
    return RestoreResult(info, rows, info.lake_files, round(time.perf_counter() - started, 3))


def _check_schema(info: BackupInfo) -> None:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    unknown = sorted(info.migrations - set(loader.graph.nodes))
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"{info.path.name} was made by a newer Veikart ({info.veikart_version}): its "
            f"database has changes this version does not know ({app} {name}, …). Install "
            f"Veikart {info.veikart_version} or newer, then restore. Nothing was changed."
        )
    _check_migrated("restore")
    if info.migrations != applied_migrations():
        raise BackupError(
            f"{info.path.name} was made by an older Veikart ({info.veikart_version}) whose "
            "database was laid out differently. Restore it with Veikart "
            f"{info.veikart_version} into an empty database, then upgrade Veikart: the upgrade "
            "carries the data over. Nothing was changed."
        )


def _check_migrated(what: str) -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError(
            f"This database is not up to date with this Veikart: run `veikart migrate`, then "
            f"{what} again. Nothing was changed."
        )


def _check_target(info: BackupInfo, *, replace: bool, other_organisation: bool) -> None:
    current = _organisation()
    if any(model._base_manager.exists() for model in backup_models()) and not replace:
        holds = f" ({current.name})" if current is not None else ""
        raise BackupError(
            f"This installation already holds data{holds}. Restoring replaces all of it with "
            f"the backup of {timezone.localtime(info.created_at):%Y-%m-%d %H:%M}; to do that, "
            "run again with --replace. Nothing was changed."
        )
    wanted = info.organisation
    if current is None or wanted is None or other_organisation:
        return
    if current.org_number and wanted.org_number:
        same = current.org_number == wanted.org_number
    else:
        same = current.created_at == wanted.created_at
    if not same:
        raise BackupError(
            f"{info.path.name} is a backup of {_describe(wanted)}, but this installation holds "
            f"{_describe(current)}. Restoring would replace one organisation's data with "
            "another's; if that is what you want, add --force-other-organisation. Nothing was "
            "changed."
        )


def _describe(organisation: OrganisationInfo) -> str:
    number = f", org. no. {organisation.org_number}" if organisation.org_number else ""
    created = timezone.localtime(organisation.created_at)
    return f"{organisation.name} (created {created:%Y-%m-%d}{number})"


def _check_key(info: BackupInfo, *, other_key: bool) -> None:
    running = key_fingerprint()
    if info.key_fingerprint != running and not other_key:
        raise BackupError(
            f"{info.path.name} was made with another pseudonymisation key (fingerprint "
            f"{info.key_fingerprint}) than this installation has ({running}): usage data "
            "ingested after the restore would not match the restored data. Set "
            "VEIKART_PSEUDONYM_KEY (or VEIKART_PSEUDONYM_KEY_FILE) to the key the backup was "
            "made with, then restore. Only if that key is lost for good, add --accept-other-key "
            "(see docs/operator/backup.md). Nothing was changed."
        )


def _restore_rows_and_lake(
    info: BackupInfo, staging: Path, lake: Path, progress: Progress | None
) -> int:
    """Rows in one transaction; the lake renamed into place just before it commits (and back
    again if the commit fails)."""
    old = lake.parent / f".veikart-restore-{os.getpid()}-old-lake"
    swapped = False
    try:
        with transaction.atomic():
            rows = _replace_rows(info, staging / DATABASE_MEMBER, progress)
            try:
                if lake.exists():
                    os.rename(lake, old)
                os.rename(staging / "lake", lake)
            except OSError as exc:
                raise BackupError(
                    f"The usage lake could not be put in place ({exc}). The lake folder must be "
                    "an ordinary folder that can be renamed (mount the data directory, not the "
                    "lake). Nothing was changed."
                ) from None
            swapped = True
            _fsync_directory(lake.parent)
    except BaseException:
        if swapped:
            shutil.rmtree(lake, ignore_errors=True)
        if old.exists():
            os.rename(old, lake)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return rows


def _replace_rows(info: BackupInfo, dump: Path, progress: Progress | None) -> int:
    tables = backup_models()
    by_label = {model._meta.label_lower: model for model in tables}
    names = [model._meta.db_table for model in tables]
    names += [through._meta.db_table for through in _link_tables(tables)]
    names.append(apps.get_model("sessions", "Session")._meta.db_table)
    if connection.vendor == "postgresql":
        # TRUNCATE is refused while deferred foreign-key checks are pending (rows written
        # earlier in an enclosing transaction): run them now.
        connection.check_constraints()
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), names))
    # Natural keys are looked up through this cache; it must not hold ids of another database.
    ContentType.objects.clear_cache()
    pending: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    links: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    done = 0
    total = info.total_rows
    try:
        with gzip.open(dump, "rt", encoding="utf-8") as stream:
            for item in serializers.deserialize("jsonl", stream):
                model = type(item.object)
                if model._meta.label_lower not in by_label:
                    raise BackupError(
                        f"{info.path.name}: the database in it holds rows of "
                        f"{model._meta.label_lower}, which a backup never holds. Nothing was "
                        "changed."
                    )
                batch = pending[model]
                batch.append(item.object)
                for name, values in (item.m2m_data or {}).items():
                    field = model._meta.get_field(name)
                    links[field].extend((item.object.pk, value) for value in values)
                if len(batch) >= BATCH:
                    _insert(model, batch)
                    pending[model] = []
                done += 1
                if progress is not None and done % BATCH == 0:
                    progress("database", done, total)
    except serializer_base.DeserializationError as exc:
        raise BackupError(
            f"{info.path.name}: the database in it cannot be read into this installation "
            f"({exc}). Nothing was changed."
        ) from None
    for model, batch in pending.items():
        _insert(model, batch)
    for field, pairs in links.items():
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        through.objects.bulk_create(
            [through(**{f"{source}_id": a, f"{target}_id": b}) for a, b in pairs],
            batch_size=BATCH,
        )
    if progress is not None:
        progress("database", done, total)
    counts = {label: model._base_manager.count() for label, model in by_label.items()}
    expected = {label: info.rows.get(label, 0) for label in by_label}
    if counts != expected:
        wrong = sorted(label for label in by_label if counts[label] != expected[label])
        raise BackupError(
            f"{info.path.name}: after loading, {wrong[0]} holds {counts[wrong[0]]} rows where "
            f"the manifest says {expected[wrong[0]]}. Nothing was changed."
        )
    connection.check_constraints(table_names=names)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(statement)
    return done


def _link_tables(tables: list[type[models.Model]]) -> list[type[models.Model]]:
    """The tables Django made for many-to-many fields (their rows go with their owner's)."""
    found = []
    for model in tables:
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through is not None and through._meta.auto_created:
                found.append(through)
    return found


def _insert(model: type[models.Model], rows: list[models.Model]) -> None:
    """INSERT the rows as they are: a plain insert keeps primary keys and stored timestamps
    (saving through the model would stamp ``auto_now_add`` fields with the time of the restore).
    """
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy
    fields = list(model._meta.concrete_fields)
    table = db.ops.quote_name(model._meta.db_table)
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names only)
    values = [
        [field.get_db_prep_save(getattr(row, field.attname), db) for field in fields]
        for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, values)
