"""What every Excel export of Veikart shares: the header row's look and the cell alignment."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1E4B7A")
TOP = Alignment(vertical="top", wrap_text=True)


def header_row(sheet: Worksheet, labels: Sequence[str], widths: Sequence[int]) -> None:
    """Row 1 as the header: the labels as text (never a formula), white on blue, the column
    widths, the first row and column frozen and a filter on the header."""
    for index, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=index, value=str(label))
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = TOP
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(labels))}1"
