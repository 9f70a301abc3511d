"""The downloadable import templates (mal.xlsx, mal-enheter.csv, mal-ansatte.csv)."""

from __future__ import annotations

import io

from django.http import Http404

from veikart.organisations.importing.columns import EMPLOYEE_COLUMNS, UNIT_COLUMNS

_UNIT_EXAMPLE = ["1000", "Oppvekst", "", "kontor", "", "2020-01-01", "", ""]
_EMPLOYEE_EXAMPLE = [
    "10001",
    "Kari",
    "Nordmann",
    "kari.nordmann@moss.kommune.no",
    "",
    "Enhetsleder",
    "1000",
    "ja",
    "",
    "",
    "2015-08-01",
    "",
    "",
]


def template_file(name: str) -> tuple[bytes, str]:
    if name == "mal-enheter.csv":
        return _csv([c.header for c in UNIT_COLUMNS], _UNIT_EXAMPLE), "text/csv; charset=utf-8"
    if name == "mal-ansatte.csv":
        return (
            _csv([c.header for c in EMPLOYEE_COLUMNS], _EMPLOYEE_EXAMPLE),
            "text/csv; charset=utf-8",
        )
    if name == "mal.xlsx":
        return (
            _xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404("No such template")


def _csv(headers: list[str], example: list[str]) -> bytes:
    lines = [";".join(headers), ";".join(example)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    units = workbook.active
    assert units is not None
    units.title = "Enheter"
    employees = workbook.create_sheet("Ansatte")
    for sheet, columns, example in (
        (units, UNIT_COLUMNS, _UNIT_EXAMPLE),
        (employees, EMPLOYEE_COLUMNS, _EMPLOYEE_EXAMPLE),
    ):
        sheet.append([c.header for c in columns])
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = len(column.header) + 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
