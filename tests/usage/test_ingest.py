"""Ingest as an IT person runs it: the simulator's real-format files into the pseudonymised lake."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.conftest import Org
from veikart.core.models import AuditEvent
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.organisations.models import EmployeeIdentity
from veikart.usage.models import IngestedFile
from veikart.usage.services import ingest_paths

CONFIG = SimulationConfig(employees=250, start=dt.date(2019, 12, 1), end=dt.date(2020, 2, 29))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    generate(CONFIG, out)
    return out


@pytest.fixture(scope="module")
def concealed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim-concealed")
    generate(
        SimulationConfig(
            employees=250, start=dt.date(2019, 12, 1), end=dt.date(2020, 1, 31), conceal_names=True
        ),
        out,
    )
    return out


def lake_digest() -> dict[str, str]:
    root: Path = settings.LAKE_DIR
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def teams_files(simulated: Path) -> list[Path]:
    return sorted((simulated / "usage" / "getTeamsUserActivityUserDetail").iterdir())


@pytest.fixture(autouse=True)
def _own_lake(tmp_path: Path, settings: object) -> None:
    settings.LAKE_DIR = tmp_path / "lake"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_every_simulated_report_ingests_and_a_second_run_changes_nothing(simulated: Path) -> None:
    first = ingest_paths([simulated / "usage"])
    assert first.ok, first.failed
    assert first.stored == first.files > 100
    assert "teams_user_detail" in first.reports and first.rows > 0
    before = lake_digest()
    second = ingest_paths([simulated / "usage"])
    assert second.stored == 0 and second.unchanged == second.files
    assert lake_digest() == before
    assert IngestedFile.objects.filter(status="unchanged").count() == second.files


def _open_files_under(folder: Path) -> list[str]:
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc to list the open files")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(str(fd.readlink()))
        except OSError:  # closed since the listing
            continue
    return [t for t in targets if t.startswith(str(folder))]


@pytest.mark.django_db
def test_every_report_file_is_closed_after_ingest_also_an_unchanged_one(simulated: Path) -> None:
    # Found on a real server: a thousand files in one run ran out of file descriptors, because
    # Arrow closes a file it opened itself only when garbage-collected. Without the collector the
    # test sees what a long run sees.
    gc.disable()
    try:
        ingest_paths([simulated / "usage"], compute=False)
        assert _open_files_under(simulated) == []
        again = ingest_paths([simulated / "usage"], compute=False)  # all unchanged: none read
        assert again.unchanged == again.files
        assert _open_files_under(simulated) == []
    finally:
        gc.enable()


def test_people_in_the_hr_data_are_mapped_and_no_name_reaches_the_lake(
    simulated: Path, db: None
) -> None:
    from veikart.demo.services import import_simulated_organisation

    import_simulated_organisation(simulated, CONFIG)
    # Before and after the merger: Rygge people change user principal name and still map.
    summary = ingest_paths([teams_files(simulated)[0], teams_files(simulated)[-1]])
    assert summary.ok and summary.rows > 400
    assert summary.unmapped_people == 0
    upns = set(EmployeeIdentity.objects.values_list("upn", flat=True))
    for parquet in Path(settings.LAKE_DIR).rglob("*.parquet"):
        table = pq.read_table(parquet)
        assert "upn" not in table.column_names and "display_name" not in table.column_names
        for column in table.columns:
            if pa.types.is_string(column.type):
                values = set(column.drop_null().to_pylist())
                assert not values & upns and not any("@" in v for v in values)


def test_people_missing_from_the_hr_data_are_counted(org: Org, simulated: Path) -> None:
    summary = ingest_paths(teams_files(simulated)[-1:])
    assert summary.ok and summary.unmapped_people > 200  # the test organisation is another one


def test_a_bad_file_is_refused_the_others_are_stored_and_the_command_fails(
    simulated: Path, tmp_path: Path, db: None
) -> None:
    good = teams_files(simulated)[:3]
    truncated = tmp_path / "avkortet.csv"
    text = good[0].read_bytes()
    truncated.write_bytes(text[: len(text) // 2].rsplit(b",", 3)[0])
    junk = tmp_path / "rapport.csv"
    junk.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 of 5 files were refused"):
        call_command("ingest", *map(str, [*good, truncated, junk]), stdout=out, stderr=err)
    assert "avkortet.csv" in err.getvalue() and "rapport.csv" in err.getvalue()
    assert "3 stored" in out.getvalue()
    assert IngestedFile.objects.filter(status="failed").count() == 2


def test_a_failing_file_leaves_the_lake_byte_for_byte_unchanged(
    simulated: Path, tmp_path: Path, db: None
) -> None:
    ingest_paths(teams_files(simulated))
    before = lake_digest()
    last = teams_files(simulated)[-1]
    lines = last.read_bytes().split(b"\r\n")
    lines[5] = lines[5].replace(b",0,", b",-3,", 1)  # a negative count, as from a broken tool
    edited = tmp_path / last.name
    edited.write_bytes(b"\r\n".join(lines))
    summary = ingest_paths([edited])
    assert not summary.ok and "line 6" in summary.failed[0][1]
    assert lake_digest() == before


def test_concealed_files_are_stored_and_reported_as_such(concealed: Path, db: None) -> None:
    out = io.StringIO()
    call_command("ingest", str(concealed / "usage" / "getTeamsUserActivityUserDetail"), stdout=out)
    assert "concealed user names" in out.getvalue()
    assert IngestedFile.objects.filter(concealed=True).exists()


def test_a_zip_archive_is_ingested_member_by_member(
    simulated: Path, tmp_path: Path, db: None
) -> None:
    archive = tmp_path / "rapporter.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in teams_files(simulated)[:4]:
            bundle.write(path, f"../../{path.name}")  # a hostile member name is harmless
    summary = ingest_paths([archive])
    assert summary.stored == 4
    assert not (tmp_path.parent / teams_files(simulated)[0].name).exists()


def test_ingest_is_audited_without_names(simulated: Path, db: None) -> None:
    ingest_paths(teams_files(simulated)[:1])
    event = AuditEvent.objects.get(action="usage.ingest")
    assert event.detail["files"] == 1 and "@" not in str(event.detail)


def test_the_upload_page_ingests_for_import_roles_only(org: Org, simulated: Path) -> None:
    path = teams_files(simulated)[0]
    client = Client()
    client.force_login(org.ida)
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    response = client.post("/bruksdata/import/", {"files": [upload]})
    assert response.status_code == 200 and 'id="summary"' in response.content.decode()
    assert IngestedFile.objects.filter(status="written").count() == 1
    client.force_login(org.ola)
    assert client.get("/bruksdata/import/").status_code == 403


def test_purge_removes_only_snapshots_past_retention_and_is_audited(
    simulated: Path, settings: object, db: None
) -> None:
    ingest_paths(teams_files(simulated))
    days = sorted(
        p.name for p in (Path(settings.LAKE_DIR) / "teams_user_detail" / "form=period").iterdir()
    )  # type: ignore[attr-defined]
    settings.RETENTION_DAYS = 30  # type: ignore[attr-defined]
    today = dt.date.fromisoformat(days[-1].removeprefix("day=")) + dt.timedelta(days=30)
    out = io.StringIO()
    from veikart.usage.services import purge_raw_usage

    dry = purge_raw_usage(today=today, dry_run=True)
    assert dry.snapshots > 0 and len(lake_digest()) > dry.snapshots
    result = purge_raw_usage(today=today)
    left = sorted(
        p.name for p in (Path(settings.LAKE_DIR) / "teams_user_detail" / "form=period").iterdir()
    )  # type: ignore[attr-defined]
    assert left and all(day.removeprefix("day=") >= result.cutoff.isoformat() for day in left)
    assert AuditEvent.objects.filter(action="usage.purge").exists()
    call_command("purge", "--dry-run", stdout=out)
    assert "Would remove" in out.getvalue()
