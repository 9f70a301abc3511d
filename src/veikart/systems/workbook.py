"""The steering group's workbook: the harmonisation matrix, the inventory and the decisions.

The second and third sheets use headers the import accepts (in bokmål or English), so the workbook
can be edited in Excel and imported again; the first sheet (the matrix) is skipped by the import.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from veikart.core.workbook import TOP, header_row
from veikart.systems.constants import DecisionKind, DpaStatus
from veikart.systems.importing import DECISION_COLUMNS, INVENTORY_COLUMNS
from veikart.systems.models import Decision, System
from veikart.systems.selectors import Matrix

WARNING_FILL = PatternFill("solid", fgColor="FCE8B2")


def decision_words(decision: Decision | None) -> str:
    """ "Erstatt med Microsoft Teams", "Behold", … — what the import reads back."""
    if decision is None:
        return ""
    if decision.kind == DecisionKind.REPLACE:
        return _("Replace with %(system)s") % {"system": decision.replacement}
    return str(decision.get_kind_display())


def _system_line(system: System) -> str:
    decision = system.decision
    if decision is None:
        return _("%(system)s — no decision") % {"system": system.name}
    return _("%(system)s — %(decision)s (%(status)s)") % {
        "system": system.name,
        "decision": decision_words(decision),
        "status": decision.get_status_display(),
    }


def matrix_workbook(
    matrix: Matrix, systems: Sequence[System], decisions: Sequence[Decision]
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Matrix")[:31]
    _matrix_sheet(sheet, matrix)
    _inventory_sheet(workbook.create_sheet(_("Systems")[:31]), matrix, systems)
    _decision_sheet(workbook.create_sheet(_("Decisions")[:31]), decisions)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _matrix_sheet(sheet: Worksheet, matrix: Matrix) -> None:
    organisation = matrix.organisation.name if matrix.organisation else _("Merged organisation")
    headers = [
        str(_("Category")),
        *[f.name for f in matrix.formers],
        str(_("%(organisation)s (merged)") % {"organisation": organisation}),
        str(_("Decision needed")),
    ]
    header_row(sheet, headers, [30, *[48 for _f in matrix.formers], 48, 40])
    for row in matrix.rows:
        merged = []
        for entry in row.merged:
            text = entry.name
            if entry.replaces:
                text = _("%(system)s (replaces %(systems)s)") % {
                    "system": entry.name,
                    "systems": ", ".join(entry.replaces),
                }
            if entry.status_label:
                text = f"{text} — {entry.status_label}"
            merged.append(text)
        needed = row.undecided if row.overlap and row.overlap.decision_needed else []
        sheet.append(
            [
                row.label,
                *["\n".join(_system_line(s) for s in cell) for cell in row.cells],
                "\n".join(merged),
                ", ".join(needed),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = TOP
        if needed:
            sheet.cell(row=sheet.max_row, column=len(headers)).fill = WARNING_FILL


def _inventory_sheet(sheet: Worksheet, matrix: Matrix, systems: Sequence[System]) -> None:
    headers = [str(c.label) for c in INVENTORY_COLUMNS]
    header_row(sheet, headers, [26, 40, 22, 26, 10, 26, 14, 16, 16, 60, 12])
    merged = matrix.organisation.name if matrix.organisation else ""
    for system in systems:
        sheet.append(
            [
                system.former_organisation.name if system.former_organisation else merged,
                system.name,
                system.vendor,
                system.get_category_display(),
                system.users,
                system.owner,
                system.contract_end,
                system.yearly_cost_nok,
                str(DpaStatus(system.dpa_status).label),
                " | ".join(system.integrations),
                str(_("yes") if system.is_m365_workload else _("no")),
            ]
        )
        sheet.cell(row=sheet.max_row, column=7).number_format = "DD.MM.YYYY"
        sheet.cell(row=sheet.max_row, column=8).number_format = "# ##0"


def _decision_sheet(sheet: Worksheet, decisions: Sequence[Decision]) -> None:
    headers = [str(c.label) for c in DECISION_COLUMNS]
    header_row(sheet, headers, [40, 26, 40, 70, 26, 14, 14, 60])
    for decision in decisions:
        system = decision.systems.all()[0] if decision.systems.all() else None
        milestone = decision.milestone_text
        if decision.milestone_date:
            milestone = f"{decision.milestone_date.isoformat()}: {milestone}".rstrip(": ")
        sheet.append(
            [
                decision.system_name,
                system.get_category_display() if system else "",
                decision_words(decision),
                decision.rationale,
                decision.owner,
                decision.decided_on,
                decision.get_status_display(),
                milestone,
            ]
        )
        row = sheet[sheet.max_row]
        row[3].alignment = TOP
        if isinstance(decision.decided_on, dt.date):
            row[5].number_format = "DD.MM.YYYY"
