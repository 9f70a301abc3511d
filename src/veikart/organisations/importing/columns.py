"""The HR import template: columns, their accepted header spellings, and how a table is recognised.

docs/user/hr-import.md documents these columns; a test keeps the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TableKind(StrEnum):
    UNITS = "units"
    EMPLOYEES = "employees"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool = False


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", "enhetskode", ("unit_code", "kode"), required=True),
    Column("name", "enhetsnavn", ("unit_name", "navn"), required=True),
    Column("parent_code", "overordnet_enhetskode", ("parent_code", "overordnet")),
    Column("unit_type", "enhetstype", ("unit_type", "type")),
    Column("former_organisation", "tidligere_organisasjon", ("former_organisation",)),
    Column("valid_from", "gyldig_fra", ("valid_from",)),
    Column("valid_to", "gyldig_til", ("valid_to",)),
    Column("successor_code", "ble_del_av", ("became_part_of", "successor_code")),
)

EMPLOYEE_COLUMNS: tuple[Column, ...] = (
    Column(
        "employee_number",
        "ansattnummer",
        ("ansattnr", "employee_number", "employee_id"),
        required=True,
    ),
    Column("given_name", "fornavn", ("given_name", "first_name"), required=True),
    Column("family_name", "etternavn", ("family_name", "last_name", "surname"), required=True),
    Column("upn", "brukernavn", ("upn", "user_principal_name"), required=True),
    Column("email", "epost", ("e_post", "email", "mail")),
    Column("title", "stilling", ("stillingstittel", "title", "job_title")),
    Column("unit_code", "enhetskode", ("unit_code",), required=True),
    Column("is_manager", "leder", ("is_manager", "manager")),
    Column(
        "manager_number",
        "leders_ansattnummer",
        ("manager_employee_number", "leder_ansattnr"),
    ),
    Column("former_organisation", "tidligere_organisasjon", ("former_organisation",)),
    Column("employment_start", "startdato", ("start_date", "employment_start")),
    Column("employment_end", "sluttdato", ("end_date", "employment_end")),
    Column("previous_upns", "tidligere_brukernavn", ("previous_upn", "previous_upns")),
)

COLUMNS: dict[TableKind, tuple[Column, ...]] = {
    TableKind.UNITS: UNIT_COLUMNS,
    TableKind.EMPLOYEES: EMPLOYEE_COLUMNS,
}
SHEET_NAMES: dict[str, TableKind] = {
    "enheter": TableKind.UNITS,
    "units": TableKind.UNITS,
    "ansatte": TableKind.EMPLOYEES,
    "employees": TableKind.EMPLOYEES,
}


def normalise_header(header: str) -> str:
    """``" E-post "`` → ``"e_post"``; case, spaces, hyphens and dots do not matter."""
    text = header.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-./]+", "_", text).strip("_")


def _lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            table[normalise_header(name)] = column.key
    return table


_LOOKUPS = {kind: _lookup(columns) for kind, columns in COLUMNS.items()}


@dataclass(frozen=True)
class HeaderMatch:
    kind: TableKind
    positions: dict[str, int]  # column key → index in the row
    unknown: tuple[str, ...]
    missing: tuple[str, ...]  # headers of required columns that are absent
    duplicated: tuple[str, ...]


def match_headers(headers: list[str], kind: TableKind) -> HeaderMatch:
    lookup = _LOOKUPS[kind]
    positions: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for index, raw in enumerate(headers):
        key = lookup.get(normalise_header(raw))
        if key is None:
            if raw.strip():
                unknown.append(raw.strip())
        elif key in positions:
            duplicated.append(raw.strip())
        else:
            positions[key] = index
    missing = tuple(c.header for c in COLUMNS[kind] if c.required and c.key not in positions)
    return HeaderMatch(kind, positions, tuple(unknown), missing, tuple(duplicated))


def detect_kind(headers: list[str]) -> TableKind | None:
    """Employees if the employee number column is there, units if unit code and name are."""
    normalised = {normalise_header(h) for h in headers}
    employee_lookup = _LOOKUPS[TableKind.EMPLOYEES]
    if any(employee_lookup.get(h) == "employee_number" for h in normalised):
        return TableKind.EMPLOYEES
    unit_lookup = _LOOKUPS[TableKind.UNITS]
    keys = {unit_lookup.get(h) for h in normalised}
    if {"code", "name"} <= keys:
        return TableKind.UNITS
    return None
