"""A dashboard table as an Excel workbook or a CSV file — the very numbers the page shows.

CSV is written the way Norwegian Excel reads it when the file is opened by double-click: UTF-8
with a byte-order mark, semicolons between fields, a decimal comma, dates as dd.mm.yyyy. A hidden
figure is written as the word the page shows ("skjult"), never as a number or an empty cell that
could be mistaken for zero.

Text that a spreadsheet would run as a formula (starting with =, +, - or @) is written as text:
unit names come from HR files, and an export must not carry a formula into someone's Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from veikart.adoption.dashboards import Entry, Table

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def _safe_text(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _csv_value(entry: Entry) -> str:
    raw = entry.raw
    if entry.suppressed or raw is None:
        return entry.text if entry.suppressed else ""
    if isinstance(raw, Decimal):
        return f"{raw:f}".replace(".", ",")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, dt.date):
        return raw.strftime("%d.%m.%Y")
    return _safe_text(str(raw))


def to_csv(table: Table) -> bytes:
    """The table as Norwegian-Excel CSV (UTF-8 with BOM, ``;``, decimal comma)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_safe_text(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(e) for e in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _number_format(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def _write(cell: Cell, entry: Entry, decimals: int) -> None:
    raw = entry.raw
    if entry.suppressed:
        cell.value = entry.text
        cell.font = Font(italic=True)
    elif raw is None:
        cell.value = None
    elif isinstance(raw, Decimal):
        cell.value = float(raw)
        exponent = raw.as_tuple().exponent
        cell.number_format = _number_format(-exponent if isinstance(exponent, int) else decimals)
    elif isinstance(raw, int):
        cell.value = raw
        cell.number_format = "0"
    elif isinstance(raw, dt.date):
        cell.value = raw
        cell.number_format = "dd.mm.yyyy"
    else:
        cell.value = str(raw)
        cell.data_type = "s"  # never a formula, whatever it starts with


def to_xlsx(table: Table) -> bytes:
    """The table as a workbook: the table on the first sheet, what it is on the second."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _SHEET_UNSAFE.sub(" ", _("Figures"))[:31]
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.value = column.label
        cell.data_type = "s"
        cell.font = Font(bold=True)
        width = max([len(column.label), *(len(r[index - 1].text) for r in table.rows)], default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    for row_index, row in enumerate(table.rows, start=2):
        for index, (column, entry) in enumerate(zip(table.columns, row, strict=True), start=1):
            cell = sheet.cell(row=row_index, column=index)
            assert isinstance(cell, Cell)
            _write(cell, entry, column.decimals)
    sheet.freeze_panes = "A2"

    about = workbook.create_sheet(_SHEET_UNSAFE.sub(" ", _("About"))[:31])
    lines = [
        (_("Table"), table.caption),
        (_("Exported"), timezone.localtime().strftime("%d.%m.%Y %H:%M")),
        (
            _("Hidden figures"),
            _(
                "Figures about fewer than %(k)d people, or that would let such a figure be worked "
                "out from the others, are hidden and written as “hidden”."
            )
            % {"k": settings.MIN_GROUP_SIZE},
        ),
        (_("Source"), "Veikart"),
    ]
    for row_index, (label, text) in enumerate(lines, start=1):
        about.cell(row=row_index, column=1, value=label).font = Font(bold=True)
        value = about.cell(row=row_index, column=2)
        value.value = text
        value.data_type = "s"
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 100

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
