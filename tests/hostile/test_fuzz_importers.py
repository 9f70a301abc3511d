"""Every file importer, fed hostile files: it imports, or refuses with its own message, and a
refusal leaves the database and the usage lake exactly as they were (tests/hostile/fuzzing.py).

A few hundred cases per importer here; bench/fuzz_importers.py runs tens of thousands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import fuzzing

# openpyxl warns about the damaged workbooks it is given; that is the point here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CASES = 200
FUZZ = settings(
    max_examples=CASES,
    derandomize=True,  # the same cases every run; bench/fuzz_importers.py explores at random
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HR = fuzzing.hr_seeds()
TRAINING = fuzzing.training_seeds()
SYSTEMS = fuzzing.systems_seeds()
USAGE = fuzzing.usage_seeds()


@FUZZ
@given(files=fuzzing.upload_sets(HR))
def test_the_hr_import_refuses_or_imports_and_never_half_imports(
    org: Any, files: list[tuple[str, bytes]]
) -> None:
    fuzzing.guarded(fuzzing.check_hr, org.organisation, files)


@FUZZ
@given(files=fuzzing.upload_sets(TRAINING))
def test_the_training_import_refuses_or_imports_and_never_half_imports(
    org: Any, files: list[tuple[str, bytes]]
) -> None:
    fuzzing.guarded(fuzzing.check_training, files)


@FUZZ
@given(files=fuzzing.upload_sets(SYSTEMS))
def test_the_systems_import_refuses_or_imports_and_never_half_imports(
    org: Any, files: list[tuple[str, bytes]]
) -> None:
    fuzzing.guarded(fuzzing.check_systems, org.organisation, files)


@FUZZ
@given(file=fuzzing.files_for(USAGE, xlsx=False))
def test_the_usage_report_reader_reads_or_refuses_with_a_report_error(
    tmp_path: Path, file: tuple[str, bytes]
) -> None:
    name, data = file
    path = tmp_path / "in" / (Path(name).name or "upload.csv")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    fuzzing.guarded(fuzzing.check_usage_reader, path)


@FUZZ
@given(file=st.one_of(fuzzing.files_for(USAGE), fuzzing.report_archive(USAGE)))
def test_the_usage_ingest_stores_or_refuses_and_leaves_the_lake_as_it_was(
    org: Any, own_lake: Path, pristine_lake: Path, file: tuple[str, bytes]
) -> None:
    fuzzing.guarded(fuzzing.check_usage_ingest, own_lake, pristine_lake, [file])


@pytest.fixture
def pristine_lake(org: Any, own_lake: Path, tmp_path: Path) -> Path:
    """A lake that already holds one snapshot of every seed report, kept aside as a copy."""
    import shutil

    from veikart.usage.services import ingest_paths

    folder = tmp_path / "seeds"
    folder.mkdir()
    for seed in USAGE:
        (folder / seed.name).write_bytes(seed.data)
    summary = ingest_paths([folder], today=fuzzing.TODAY, compute=False)
    assert summary.ok and summary.stored == len(USAGE), summary.failed
    copy = tmp_path / "pristine"
    shutil.copytree(own_lake, copy)
    return copy


# --- the bugs the fuzzing found, fixed: one regression test each (see fuzzing.KNOWN_BUGS) -------


def _workbook_with(member: str, content: bytes) -> bytes:
    """A valid one-sheet workbook (a unit list) whose ``member`` is replaced by ``content``."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["enhetskode", "enhetsnavn"])
    sheet.append(["100", "Oppvekst"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, content if name == member else source.read(name))
    return out.getvalue()


NOT_XML = b"<?xml version='1.0'?><unclosed"
BOM_THEN_CP1252 = b"\xef\xbb\xbfenhetskode;enhetsnavn\r\n100;Sm\xe5trinnet\r\n"


@pytest.mark.parametrize("importer", ["hr", "systems"])
def test_a_csv_with_a_utf8_bom_but_windows_1252_letters_is_refused(org: Any, importer: str) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.organisations.services import preview_import as hr_preview
    from veikart.systems.services import preview_import as systems_preview

    name = "enheter.csv" if importer == "hr" else "systemer.csv"
    data = BOM_THEN_CP1252 if importer == "hr" else BOM_THEN_CP1252.replace(b"enhetskode", b"navn")
    with pytest.raises(ImportRefused):
        if importer == "hr":
            hr_preview(org.organisation, [UploadedFile(name, data)], as_of=fuzzing.AS_OF)
        else:
            systems_preview(org.organisation, [UploadedFile(name, data)])


@pytest.mark.parametrize(
    "member, content",
    [("xl/worksheets/sheet1.xml", NOT_XML), ("xl/workbook.xml", NOT_XML)],
)
def test_a_damaged_hr_workbook_is_refused_with_a_message(
    org: Any, member: str, content: bytes
) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile, preview_import

    data = _workbook_with(member, content)
    with pytest.raises(ImportRefused):
        preview_import(org.organisation, [UploadedFile("hr.xlsx", data)], as_of=fuzzing.AS_OF)


def test_a_damaged_systems_workbook_is_refused_with_a_message(org: Any) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.systems.services import preview_import

    data = _workbook_with("xl/worksheets/sheet1.xml", NOT_XML)
    with pytest.raises(ImportRefused):
        preview_import(org.organisation, [UploadedFile("systemer.xlsx", data)])


def test_an_hr_value_longer_than_its_column_is_refused(org: Any) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile, apply_import

    data = f"enhetskode;enhetsnavn\n400;{'x' * 201}\n".encode()
    with pytest.raises(ImportRefused):
        apply_import(
            org.organisation, [UploadedFile("enheter.csv", data)], as_of=fuzzing.AS_OF, full=False
        )


def test_a_course_title_longer_than_its_column_is_refused(org: Any) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.trainings.services import import_training

    data = (
        "kode;tittel;beskrivelse;format;varighet_minutter;forutsetning;målgruppe\n"
        f"LANG;{'x' * 201};;klasserom;60;;\n"
    ).encode()
    with pytest.raises(ImportRefused):
        import_training([UploadedFile("kurs.csv", data)], apply=True)


def test_a_report_with_old_mac_line_ends_is_refused_with_a_report_error(tmp_path: Path) -> None:
    from veikart.usage.contract import ReportError
    from veikart.usage.reader import read_report

    seed = next(s for s in USAGE if s.name.startswith("getTeamsUserActivityCounts"))
    path = tmp_path / seed.name
    path.write_bytes(seed.data.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    with pytest.raises(ReportError):
        read_report(path, today=fuzzing.TODAY)


def test_a_zip_archive_with_a_damaged_member_is_refused_not_a_crash(
    org: Any, tmp_path: Path
) -> None:
    import io
    import zipfile

    from veikart.usage.models import IngestRun
    from veikart.usage.services import ingest_paths

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(USAGE[0].name, USAGE[0].data)
    data = bytearray(out.getvalue())
    data[40 + len(USAGE[0].name)] ^= 0xFF  # a byte of the member: its CRC no longer matches
    path = tmp_path / "rapporter.zip"
    path.write_bytes(bytes(data))
    summary = ingest_paths([path], today=fuzzing.TODAY, compute=False)
    assert summary.failed and not summary.stored
    assert "cannot be unpacked" in summary.failed[0][1]
    assert IngestRun.objects.get(pk=summary.run_id).finished_at is not None


def _course(minutes: str) -> bytes:
    return (
        "kode;tittel;beskrivelse;format;varighet_minutter;forutsetning;målgruppe\n"
        f"X;Teams;;klasserom;{minutes};;\n"
    ).encode()


def _system(users: str) -> bytes:
    return (
        f"tidligere_organisasjon;navn;kategori;brukere\nmoss;ePhorte;sak/arkiv;{users}\n".encode()
    )


@pytest.mark.parametrize("value", ["²", "9" * 5000])
@pytest.mark.parametrize("importer", ["training", "systems"])
def test_a_number_python_cannot_read_is_refused_not_a_crash(
    org: Any, importer: str, value: str
) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.systems.services import preview_import
    from veikart.trainings.services import import_training

    if importer == "training":
        result = import_training([UploadedFile("kurs.csv", _course(value))], apply=False)
        assert not result.ok
    else:
        try:
            plan = preview_import(org.organisation, [UploadedFile("systemer.csv", _system(value))])
        except ImportRefused:
            return
        assert not plan.ok


@pytest.mark.parametrize("value", ["99999999999", "9" * 30])
@pytest.mark.parametrize("importer", ["training", "systems"])
def test_a_number_too_large_for_the_database_is_refused(
    org: Any, importer: str, value: str
) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.systems.services import apply_import
    from veikart.trainings.services import import_training

    with pytest.raises(ImportRefused):
        if importer == "training":
            import_training([UploadedFile("kurs.csv", _course(value))], apply=True)
        else:
            apply_import(org.organisation, [UploadedFile("systemer.csv", _system(value))])


ON_POSTGRESQL = __import__("django.db").db.connection.vendor == "postgresql"


def test_a_nul_byte_after_the_first_4_kib_is_refused_not_stored(org: Any) -> None:
    from veikart.organisations.services import ImportRefused, UploadedFile, apply_import

    rows = "".join(f"{500 + i};Enhet {i}\n" for i in range(400))
    data = f"enhetskode;enhetsnavn\n{rows}999;a\x00b\n".encode()
    with pytest.raises(ImportRefused):
        apply_import(
            org.organisation, [UploadedFile("enheter.csv", data)], as_of=fuzzing.AS_OF, full=False
        )
