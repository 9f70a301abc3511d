"""The training import from an Excel workbook: one sheet per file kind, Excel's own dates and
numbers, the same result as the CSV files; an old .xls or a damaged workbook is refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from tests.trainings.conftest import training_files
from veikart.organisations.services import ImportRefused, UploadedFile
from veikart.trainings.models import Course, Enrolment, Session
from veikart.trainings.services import import_training


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def excel_value(column: str, text: str) -> object:
    """What Excel holds after someone pasted the CSV: times as naive local date-times, days as
    dates, counts as numbers."""
    if not text:
        return None
    if column in ("start", "slutt"):
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    if column == "påmeldt":
        return dt.date.fromisoformat(text)
    if column in ("varighet_minutter", "kapasitet", "ansattnummer"):
        return int(text)
    return text


def workbook_of(folder: Path) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    for sheet, name in (
        ("Kurs", "kurs.csv"),
        ("Økter", "kursokter.csv"),
        ("Påmeldinger", "pameldinger.csv"),
    ):
        with (folder / "training" / name).open(encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        target = book.create_sheet(sheet)
        target.append(rows[0])
        for row in rows[1:]:
            target.append([excel_value(c, v) for c, v in zip(rows[0], row, strict=True)])
    book.create_sheet("Tom")  # an empty sheet is skipped
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def everything() -> list[tuple[object, ...]]:
    return [
        *Course.objects.order_by("code").values_list("code", "title", "duration_minutes"),
        *Session.objects.order_by("code").values_list("code", "starts_at", "ends_at", "capacity"),
        *Enrolment.objects.order_by("session__code", "employee__employee_number").values_list(
            "session__code", "employee__employee_number", "enrolled_on", "status"
        ),
    ]


def test_a_workbook_imports_like_the_three_csv_files(simulated_org: Path) -> None:
    workbook = UploadedFile("opplaering.xlsx", workbook_of(simulated_org))
    preview = import_training([workbook], apply=False)
    assert preview.ok, preview.problems
    import_training([workbook], apply=True)
    from_excel = everything()
    assert len(from_excel) > 100
    Enrolment.objects.all().delete()
    Session.objects.all().delete()
    Course.objects.update(prerequisite=None)
    Course.objects.all().delete()
    import_training(training_files(simulated_org), apply=True)
    assert everything() == from_excel


def test_an_old_xls_or_a_damaged_workbook_is_refused_with_what_to_do(organisation: object) -> None:
    with pytest.raises(ImportRefused, match=r"old Excel workbook \(\.xls\)"):
        import_training([UploadedFile("gammel.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)], apply=True)
    with pytest.raises(ImportRefused, match="cannot be read as an Excel workbook"):
        import_training([UploadedFile("skadet.xlsx", b"PK\x03\x04 not really")], apply=True)
    # The zip opens, but a sheet inside is not XML: refused the same way, not a crash.
    buffer = io.BytesIO()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kode", "tittel", "format", "varighet_minutter"])
    book.save(buffer)
    damaged = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(damaged, "w") as target:
        for member in source.namelist():
            broken = member == "xl/worksheets/sheet1.xml"
            target.writestr(member, b"<unclosed" if broken else source.read(member))
    with pytest.raises(ImportRefused, match="cannot be read as an Excel workbook"):
        import_training([UploadedFile("kurs.xlsx", damaged.getvalue())], apply=True)
    assert not Course.objects.exists()


def test_a_sheet_that_is_not_a_training_table_is_named(simulated_org: Path) -> None:
    book = Workbook()
    notes = book.worksheets[0]
    notes.title = "Notater"
    notes.append(["hva", "hvem"])
    notes.append(["kurs", "alle"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportRefused, match=r"plan\.xlsx \[Notater\] is not a training file"):
        import_training([UploadedFile("plan.xlsx", buffer.getvalue())], apply=True)
