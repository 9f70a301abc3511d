"""``veikart backup`` and ``veikart restore``: a simulated municipality (HR import, training,
ingested usage reports, computed figures) is backed up, destroyed and restored, and every row and
every lake file must come back identical; damaged, cut-short, foreign and incompatible backups
are refused with nothing changed; a backup killed half-way leaves nothing that passes for one."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings

from veikart.adoption.models import Figure
from veikart.adoption.services import compute_figures
from veikart.core.backup import (
    BackupError,
    create_backup,
    dump_database,
    read_manifest,
    restore_backup,
    verify_backup,
)
from veikart.core.constants import Role
from veikart.core.services import create_api_token, grant_role
from veikart.demo.services import (
    import_simulated_organisation,
    import_simulated_training,
    load_simulated_training_targets,
)
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.organisations.models import Organisation
from veikart.trainings.models import TrainingTarget
from veikart.usage.services import ingest_paths

CONFIG = SimulationConfig(employees=200, start=dt.date(2019, 11, 4), end=dt.date(2020, 1, 19))
K = 5


@dataclass(frozen=True)
class Reference:
    """A backup of the simulated municipality, with what the municipality held when it was made."""

    backup: Path
    rows: list[str]
    lake: dict[str, tuple[str, int]]


@pytest.fixture(scope="module")
def reference(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Reference:
    """Built once through the real imports, ingest and compute (which take seconds), backed
    up, and rolled back; each test starts from a restore of it."""
    folder = tmp_path_factory.mktemp("backup-reference")
    generate(CONFIG, folder / "simulated")
    with (
        django_db_blocker.unblock(),
        override_settings(LAKE_DIR=folder / "lake", MIN_GROUP_SIZE=K),
        transaction.atomic(),
    ):
        build(folder / "simulated")
        made = Reference(create_backup(folder).path, database_lines(), lake_files(folder / "lake"))
        transaction.set_rollback(True)
    return made


def build(simulated: Path) -> None:
    """A small municipality with everything a backup must carry: organisation, training with
    targets (a many-to-many), usage and figures, users with roles, a token, a permission group
    (rows referred to by natural key)."""
    import_simulated_organisation(simulated, CONFIG)
    import_simulated_training(simulated)
    load_simulated_training_targets(simulated)
    summary = ingest_paths([simulated / "usage"], source="demo")
    assert summary.ok and summary.stored and summary.computed
    kari = User.objects.create_user("kari", password="correct horse battery staple")
    grant_role(kari, Role.PROGRAMME_LEAD)
    create_api_token(kari, "reports")
    auditors = Group.objects.create(name="auditors")
    auditors.permissions.add(Permission.objects.get(codename="view_figure"))
    kari.groups.add(auditors)
    assert Figure.objects.filter(visible=True).exists()
    assert Figure.objects.filter(visible=False).exists()
    assert TrainingTarget.objects.filter(courses__isnull=False).exists()


@pytest.fixture
def installation(db: None, reference: Reference, settings: Any) -> Path:
    """This test's installation: the reference restored into its empty database and its own
    lake. Returns the lake."""
    settings.MIN_GROUP_SIZE = K
    restore_backup(reference.backup)
    return Path(settings.LAKE_DIR)


def database_lines() -> list[str]:
    """Every row of every table, as the backup writes them — less the audit log's record of
    backups and restores themselves."""
    text = io.StringIO()
    dump_database(text)
    return [line for line in text.getvalue().splitlines() if not _is_backup_event(line)]


def _is_backup_event(line: str) -> bool:
    row = json.loads(line)
    return row["model"] == "core.auditevent" and row["fields"]["action"] in (
        "core.backup",
        "core.restore",
    )


def lake_files(lake: Path) -> dict[str, tuple[str, int]]:
    return {
        path.relative_to(lake).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(lake.rglob("*"))
        if path.is_file()
    }


def figures() -> list[Any]:
    return list(Figure.objects.order_by("pk").values())


State = tuple[list[str], dict[str, tuple[str, int]]]


def state(lake: Path) -> State:
    return database_lines(), lake_files(lake)


def destroy(lake: Path) -> None:
    """Lose everything: every table emptied (as a new, migrated database), the lake deleted."""
    connection.check_constraints()  # PostgreSQL: no TRUNCATE while checks are pending
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(lake)


# --- The round trip ----------------------------------------------------------------------------


def test_a_restored_backup_gives_back_every_row_and_every_lake_file(
    installation: Path, reference: Reference, tmp_path: Path
) -> None:
    lake = installation
    before = state(lake)
    # The installation is the reference restored: equal to what was backed up, row for row.
    assert before == (reference.rows, reference.lake)
    figures_before = figures()
    assert len(figures_before) > 100 and len(before[1]) > 20

    result = create_backup(tmp_path / "backups")
    assert result.path.parent == tmp_path / "backups" and result.path.suffix == ".tar"
    assert result.lake_files == len(before[1]) and result.attempts == 1
    destroy(lake)
    assert not Figure.objects.exists() and not lake.exists()

    restored = restore_backup(result.path)

    assert restored.lake_files == len(before[1])
    assert figures() == figures_before
    assert state(lake) == before
    # The figures' watermark matches the restored lake (paths, sizes, modification times):
    # nothing needs computing again.
    assert compute_figures().up_to_date


def test_it_replaces_data_changed_after_the_backup_only_when_told_to(
    installation: Path, tmp_path: Path
) -> None:
    lake = installation
    before = state(lake)
    backup = create_backup(tmp_path).path
    Figure.objects.filter(grain="month").delete()
    User.objects.create_user("nils")
    (lake / "teams_user_detail" / "form=period" / "extra.parquet").write_bytes(b"new data")
    changed = state(lake)

    with pytest.raises(BackupError, match="--replace") as refused:
        restore_backup(backup)
    assert "Nothing was changed" in str(refused.value)
    assert state(lake) == changed

    restore_backup(backup, replace=True)
    assert state(lake) == before
    assert not User.objects.filter(username="nils").exists()


def test_restore_signs_everyone_out_and_is_recorded_in_the_audit_log(
    installation: Path, tmp_path: Path
) -> None:
    from django.contrib.sessions.models import Session
    from django.test import Client

    backup = create_backup(tmp_path).path
    Client().force_login(User.objects.get(username="kari"))
    assert Session.objects.exists()

    restore_backup(backup, replace=True)

    assert not Session.objects.exists()
    from veikart.core.models import AuditEvent

    event = AuditEvent.objects.filter(action="core.restore").latest("pk")
    assert event.target == backup.name and event.detail["lake_files"] > 0


# --- What is refused ---------------------------------------------------------------------------


def flip_byte(backup: Path, member: Callable[[str], bool]) -> str:
    """Change one byte in the middle of the first member whose name ``member`` accepts."""
    with tarfile.open(backup) as tar:
        chosen = next(m for m in tar.getmembers() if member(m.name))
    with open(backup, "r+b") as handle:
        handle.seek(chosen.offset_data + chosen.size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0x01]))
    return chosen.name


@pytest.mark.parametrize(
    ("member", "named"),
    [
        (lambda name: name.startswith("lake/"), True),
        (lambda name: name == "database.jsonl.gz", True),
        (lambda name: name == "manifest.json", False),
    ],
    ids=["lake file", "database", "manifest"],
)
def test_it_refuses_a_backup_with_one_byte_changed_and_names_what_is_damaged(
    installation: Path, tmp_path: Path, member: Callable[[str], bool], named: bool
) -> None:
    lake = installation
    backup = create_backup(tmp_path).path
    damaged = flip_byte(backup, member)
    Figure.objects.filter(grain="month").delete()  # so that a restore would show
    before = state(lake)

    with pytest.raises(BackupError) as refused:
        restore_backup(backup, replace=True)

    message = str(refused.value)
    assert (damaged if named else "manifest") in message
    assert "damaged" in message and "Nothing was changed" in message
    assert state(lake) == before
    with pytest.raises(BackupError, match="damaged"):
        verify_backup(backup)
    # Nothing of the attempt is left beside the lake.
    assert not list(lake.parent.glob(".veikart-restore-*"))


@pytest.mark.parametrize("cut", ["in a lake file", "before the manifest", "in the header"])
def test_it_refuses_a_backup_that_is_cut_short(
    installation: Path, tmp_path: Path, cut: str
) -> None:
    lake = installation
    backup = create_backup(tmp_path).path
    with tarfile.open(backup) as tar:
        members = {m.name: m for m in tar.getmembers()}
    lake_member = next(m for name, m in members.items() if name.startswith("lake/"))
    length = {
        "in a lake file": lake_member.offset_data + lake_member.size // 2,
        "before the manifest": members["manifest.json"].offset,
        "in the header": 300,
    }[cut]
    with open(backup, "r+b") as handle:
        handle.truncate(length)
    before = state(lake)

    with pytest.raises(BackupError) as refused:
        restore_backup(backup, replace=True)

    assert backup.name in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert state(lake) == before


def test_it_refuses_a_backup_of_another_organisation_unless_forced(
    installation: Path, tmp_path: Path
) -> None:
    lake = installation
    backup = create_backup(tmp_path).path
    # This installation now holds another organisation (created at another time).
    Organisation.objects.update(created_at=dt.datetime(2021, 5, 1, tzinfo=dt.UTC))
    before = state(lake)

    with pytest.raises(BackupError, match="--force-other-organisation") as refused:
        restore_backup(backup, replace=True)
    assert "another's" in str(refused.value)
    assert state(lake) == before

    restore_backup(backup, replace=True, other_organisation=True)
    assert Organisation.objects.get().created_at != dt.datetime(2021, 5, 1, tzinfo=dt.UTC)


def test_organisations_with_organisation_numbers_are_told_apart_by_them(
    installation: Path, tmp_path: Path
) -> None:
    Organisation.objects.update(org_number="972417807")
    backup = create_backup(tmp_path).path
    Organisation.objects.update(org_number="964947082")
    with pytest.raises(BackupError, match=r"org\. no\. 972417807"):
        restore_backup(backup, replace=True)
    Organisation.objects.update(org_number="972417807", created_at=dt.datetime.now(dt.UTC))
    restore_backup(backup, replace=True)


def test_it_refuses_a_backup_made_with_another_pseudonymisation_key(
    installation: Path, tmp_path: Path, settings: Any
) -> None:
    lake = installation
    backup = create_backup(tmp_path).path
    settings.PSEUDONYM_KEY = "another key, another installation " * 2
    before = state(lake)

    with pytest.raises(BackupError, match="VEIKART_PSEUDONYM_KEY") as refused:
        restore_backup(backup, replace=True)
    assert read_manifest(backup).key_fingerprint in str(refused.value)
    assert state(lake) == before

    restore_backup(backup, replace=True, other_key=True)


def rewrite_manifest(backup: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit the manifest as someone who knows the format would, checksum and all."""
    with tarfile.open(backup) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    body = json.loads(members[-1][1])
    change(body)
    content = {key: value for key, value in body.items() if key != "manifest_sha256"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    body["manifest_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    members[-1] = (members[-1][0], json.dumps(body).encode())
    with tarfile.open(backup, "w") as tar:
        for member, data in members:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda body: body["database"]["migrations"].append(["core", "9999_future"]), "newer"),
        (lambda body: body["database"]["migrations"].pop(), "older"),
        (lambda body: body.update(format_version=2), "format 2"),
        (lambda body: body.update(format="something-else"), "not a Veikart backup"),
        (lambda body: body["files"][0].update(name="../outside"), "incomplete"),
    ],
    ids=["newer schema", "older schema", "newer format", "foreign format", "unsafe name"],
)
def test_it_refuses_a_backup_it_cannot_restore_faithfully(
    installation: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    lake = installation
    backup = create_backup(tmp_path).path
    rewrite_manifest(backup, change)
    before = state(lake)
    with pytest.raises(BackupError, match=expected):
        restore_backup(backup, replace=True)
    assert state(lake) == before


def test_a_manifest_edited_without_its_checksum_is_refused(
    installation: Path, tmp_path: Path
) -> None:
    backup = create_backup(tmp_path).path
    rewrite_manifest(backup, lambda body: None)  # a valid manifest, rewritten …
    with tarfile.open(backup) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    body = json.loads(members[-1][1])
    body["organisation"]["name"] = "Rygge kommune"  # … then edited by hand
    data = json.dumps(body).encode()
    members[-1][0].size = len(data)
    with tarfile.open(backup, "w") as tar:
        for member, content in [*members[:-1], (members[-1][0], data)]:
            tar.addfile(member, io.BytesIO(content))
    with pytest.raises(BackupError, match="checksum does not match"):
        read_manifest(backup)


def test_a_file_that_is_not_a_backup_is_refused(db: None, tmp_path: Path) -> None:
    stray = tmp_path / "notes.tar"
    stray.write_text("not a tar file")
    with pytest.raises(BackupError, match="cannot be read as a backup"):
        restore_backup(stray)
    with pytest.raises(BackupError, match="no such file"):
        restore_backup(tmp_path / "missing.tar")


# --- The backup itself -------------------------------------------------------------------------


def test_the_backup_holds_no_secret(installation: Path, tmp_path: Path) -> None:
    backup = create_backup(tmp_path).path
    raw = backup.read_bytes()
    with tarfile.open(backup) as tar:
        dump = gzip.decompress(tar.extractfile("database.jsonl.gz").read())  # type: ignore[union-attr]
        names = tar.getnames()
    for secret in (settings.PSEUDONYM_KEY, settings.SECRET_KEY):
        assert secret.encode() not in raw and secret.encode() not in dump
    assert not [name for name in names if "key" in name]
    assert oct(backup.stat().st_mode & 0o777) == "0o600"


def test_a_backup_never_replaces_an_existing_file(installation: Path, tmp_path: Path) -> None:
    target = tmp_path / "nightly.tar"
    target.write_bytes(b"yesterday")
    with pytest.raises(BackupError, match="already exists"):
        create_backup(target)
    assert target.read_bytes() == b"yesterday"
    with pytest.raises(BackupError, match=r"ending in \.tar"):
        create_backup(tmp_path / "nightly.zip")


def test_a_lake_that_changes_during_the_backup_makes_it_start_again(
    installation: Path, tmp_path: Path
) -> None:
    lake = installation
    written: list[Path] = []

    def ingest_meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "lake" and not written:
            late = lake / "teams_user_detail" / "form=period" / "day=2020-02-02" / "d7.parquet"
            late.parent.mkdir(parents=True)
            late.write_bytes(b"a snapshot renamed into place meanwhile")
            written.append(late)

    result = create_backup(tmp_path, progress=ingest_meanwhile)

    assert result.attempts == 2
    held = read_manifest(result.path).files
    assert "lake/teams_user_detail/form=period/day=2020-02-02/d7.parquet" in held
    assert result.lake_files == len(lake_files(lake))


def test_a_lake_that_never_holds_still_gives_no_backup(installation: Path, tmp_path: Path) -> None:
    lake = installation
    changes = iter(range(1000))

    def ingest_all_the_time(phase: str, done: int, total: int) -> None:
        if phase == "lake":
            (lake / f"late-{next(changes)}.parquet").write_bytes(b"x")

    folder = tmp_path / "backups"
    folder.mkdir()
    with pytest.raises(BackupError, match="Run the backup again"):
        create_backup(folder / "out.tar", progress=ingest_all_the_time)
    assert sorted(p.name for p in folder.iterdir()) == [".veikart-backup.lock"]


# --- One instant -------------------------------------------------------------------------------

SNAPSHOT = """
import sqlite3, sys
from pathlib import Path

import django

django.setup()
from django.conf import settings
from django.core.management import call_command

from veikart.core.backup import create_backup, read_manifest
from veikart.organisations.services import set_up_organisation
from veikart.usage.models import IngestRun

call_command("migrate", verbosity=0)
set_up_organisation(name="Moss kommune")

def ingest_meanwhile(phase, done, total):
    if phase == "database" and done == 0:
        # Another process writes (and commits) while the backup reads.
        other = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=2)
        other.execute(
            "INSERT INTO usage_ingestrun (started_at, source, summary) "
            "VALUES ('2020-01-01 00:00:00', 'cli', '{}')"
        )
        other.commit()
        other.close()

result = create_backup(Path(sys.argv[1]), progress=ingest_meanwhile)
print(read_manifest(result.path).rows["usage.ingestrun"], IngestRun.objects.count())
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's read transaction")
def test_on_sqlite_the_backup_reads_one_instant_and_lets_writers_write(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "veikart.conf.settings",
        "VEIKART_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'veikart.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, "-c", SNAPSHOT, str(tmp_path / "backups")],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    in_backup, in_database = run.stdout.split()
    assert (in_backup, in_database) == ("0", "1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's REPEATABLE READ")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_backup_reads_one_instant_and_lets_writers_write(
    tmp_path: Path,
) -> None:
    import threading

    from veikart.organisations.services import set_up_organisation
    from veikart.usage.models import IngestRun

    set_up_organisation(name="Moss kommune")

    def write() -> None:
        IngestRun.objects.create(source="cli")
        connection.close()

    def ingest_meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "database" and done == 0:
            writer = threading.Thread(target=write)
            writer.start()
            writer.join(timeout=10)
            assert not writer.is_alive()

    result = create_backup(tmp_path, progress=ingest_meanwhile)

    assert read_manifest(result.path).rows["usage.ingestrun"] == 0
    assert IngestRun.objects.count() == 1


# --- Killed half-way ---------------------------------------------------------------------------

KILLABLE = """
import sys, time
from pathlib import Path

import django

django.setup()
from django.conf import settings
from django.core.management import call_command

from veikart.core.backup import create_backup
from veikart.organisations.models import Organisation
from veikart.organisations.services import set_up_organisation

call_command("migrate", verbosity=0)
if not Organisation.objects.exists():
    set_up_organisation(name="Moss kommune")
    for day in range(1, 6):
        snapshot = Path(settings.LAKE_DIR) / "r" / "form=date" / f"day=2020-01-0{day}"
        snapshot.mkdir(parents=True)
        (snapshot / "data.parquet").write_bytes(bytes([day]) * 3_000_000)
pause = sys.argv[2] == "pause"

def progress(phase, done, total):
    if pause and phase == "lake" and done > total // 2:
        print("MIDWAY", flush=True)
        time.sleep(600)

result = create_backup(Path(sys.argv[1]), progress=progress)
print("DONE", result.path, flush=True)
"""


def test_a_backup_killed_half_way_leaves_nothing_that_passes_for_a_backup(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "veikart.conf.settings",
        "VEIKART_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'veikart.sqlite3'}",
    }
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "nightly.tar"
    command = [sys.executable, "-c", KILLABLE, str(target)]
    process = subprocess.Popen(
        [*command, "pause"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "MIDWAY", process.stderr.read() if process.stderr else ""
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    assert not target.exists()
    (partial,) = (
        p
        for p in folder.iterdir()
        if p.name.endswith(".partial") and not p.name.endswith(".database.partial")
    )
    assert partial.name.startswith(".")  # hidden, and never under the final name
    # Even renamed, a partial backup is refused: it has no manifest.
    renamed = tmp_path / "renamed.tar"
    shutil.copy(partial, renamed)
    with pytest.raises(BackupError, match="not a complete Veikart backup"):
        read_manifest(renamed)

    again = subprocess.run(
        [*command, "go"], env=environment, capture_output=True, text=True, check=False
    )
    assert again.returncode == 0, again.stderr
    assert f"DONE {target}" in again.stdout
    info = verify_backup(target)
    assert info.lake_files == 5 and info.organisation is not None
    # The killed run's leftovers are gone.
    assert sorted(p.name for p in folder.iterdir()) == [".veikart-backup.lock", "nightly.tar"]


# --- The commands ------------------------------------------------------------------------------


def test_the_commands_back_up_verify_and_refuse_with_a_clear_message(
    installation: Path, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path), stdout=out)
    assert "Backup written" in out.getvalue() and "fingerprint" in out.getvalue()
    (backup,) = tmp_path.glob("veikart-backup-*.tar")

    out = io.StringIO()
    call_command("restore", str(backup), "--verify-only", stdout=out)
    assert "Backup of Moss kommune" in out.getvalue()
    assert "complete and undamaged" in out.getvalue()

    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(backup), stdout=io.StringIO())

    User.objects.filter(username="kari").update(username="kari.nordmann")
    User.objects.create_user("kari")  # not the row the backup holds under that name
    out = io.StringIO()
    call_command("restore", str(backup), "--replace", "--user", "kari", stdout=out)
    assert "Restored" in out.getvalue() and "sign in again" in out.getvalue()
    from veikart.core.models import AuditEvent

    restored = AuditEvent.objects.filter(action="core.restore").latest("pk")
    assert restored.actor == User.objects.get(username="kari")
