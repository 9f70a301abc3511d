"""Bytes in, tables out: CSV (UTF-8 or Windows-1252, ``;`` or ``,``), XLSX, Entra ID JSON.

A reader never guesses silently: a file it cannot read raises :class:`UnreadableFile` with one
message that says what the file looks like and what Veikart expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _

from veikart.organisations.importing.columns import SHEET_NAMES, TableKind, detect_kind


class UnreadableFile(Exception):
    """The file as a whole cannot be used; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Row:
    line: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    source: str  # file name, with the sheet for workbooks: "ansatte.xlsx › Ansatte"
    headers: list[str]
    rows: list[Row]
    kind: TableKind | None
    line_word: str = "line"


@dataclass(frozen=True)
class EntraUser:
    index: int
    data: dict[str, Any]


@dataclass(frozen=True)
class EntraExport:
    source: str
    users: list[EntraUser] = field(default_factory=list)


UploadContent = Table | EntraExport

_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_upload(name: str, data: bytes) -> list[UploadContent]:
    """Read one uploaded file into the tables (or the Entra export) it holds."""
    if not data.replace(b"\xef\xbb\xbf", b"").strip():
        raise UnreadableFile(_("%(file)s is empty.") % {"file": name})
    if data.startswith(b"PK\x03\x04"):
        return list(_read_xlsx(name, data))
    if data.startswith(_XLS_MAGIC):
        raise UnreadableFile(
            _(
                "%(file)s is an old Excel 97–2003 workbook (.xls). Open it in Excel and save it "
                "as .xlsx or as CSV, then import that file."
            )
            % {"file": name}
        )
    text = _decode(name, data)
    if text.lstrip().startswith(("{", "[")):
        return [_read_entra_json(name, text)]
    return [_read_csv(name, text)]


def _decode(name: str, data: bytes) -> str:
    """The text of a CSV or JSON file: UTF-8 (with or without BOM), else Windows-1252.

    A NUL byte anywhere is refused (PostgreSQL cannot store it in text), and so is a file marked
    as UTF-8 by its BOM that is not UTF-8 (mixed encodings would store garbled letters)."""
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            _(
                "%(file)s is not a text file (it contains binary data). Export the HR data as "
                "CSV or Excel (.xlsx)."
            )
            % {"file": name}
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(
            _(
                "%(file)s, line %(line)d: contains a NUL character (binary data), which Veikart "
                "cannot store. Remove it, or export the file again, and import it again."
            )
            % {"file": name, "line": _line_of(data, nul)}
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                _(
                    "%(file)s, line %(line)d: the file is marked as UTF-8 but is not UTF-8 "
                    "there (it mixes two encodings). Save it again as “CSV UTF-8” and import "
                    "that file."
                )
                % {"file": name, "line": _line_of(data, 3 + exc.start)}
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Norwegian Excel saves "CSV (semikolondelt)" in Windows-1252.
        return data.decode("cp1252", errors="replace")


def _line_of(data: bytes, offset: int) -> int:
    """The line (from 1) of the byte at ``offset``; a CR alone ends a line too."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _read_csv(name: str, text: str) -> Table:
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=header_line.count)
    if header_line.count(delimiter) == 0:
        raise UnreadableFile(_not_hr_export(name))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[Row] = []
    try:
        for record in reader:
            line = reader.line_num
            if headers is None:
                if not any(cell.strip() for cell in record):
                    continue
                headers = record
                continue
            if not any(cell.strip() for cell in record):
                continue
            rows.append(Row(line, tuple(cell.strip() for cell in record)))
    except csv.Error as exc:
        raise UnreadableFile(
            _("%(file)s, line %(line)d: the CSV cannot be read (%(error)s).")
            % {"file": name, "line": reader.line_num, "error": exc}
        ) from None
    assert headers is not None
    kind = detect_kind(headers)
    if kind is None:
        raise UnreadableFile(_not_hr_export(name))
    return Table(name, headers, rows, kind)


def cell_text(value: object) -> str:
    """An Excel cell as a CSV export writes it: a date-time as its day, whole numbers without
    ".0", text trimmed. Shared by every workbook import."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# What openpyxl raises for a damaged workbook: a broken zip container or member (BadZipFile,
# zlib.error, EOFError), malformed or unexpected XML (ParseError, and KeyError, ValueError,
# TypeError, AttributeError or IndexError from the parts it expected but did not find).
DAMAGED_WORKBOOK: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    NotImplementedError,
)


def unreadable_workbook(name: str, exc: BaseException) -> UnreadableFile:
    """The refusal of a workbook openpyxl cannot open or read (``exc``: what it raised)."""
    return UnreadableFile(
        _("%(file)s is not a readable Excel workbook (%(error)s). Save it again as .xlsx.")
        % {"file": name, "error": str(exc) or type(exc).__name__}
    )


def _read_xlsx(name: str, data: bytes) -> list[UploadContent]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DAMAGED_WORKBOOK as exc:
        raise unreadable_workbook(name, exc) from None
    sheets: list[tuple[str, list[str] | None, list[Row]]] = []
    try:
        for sheet in workbook.worksheets:
            headers: list[str] | None = None
            rows: list[Row] = []
            for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in record]
                if not any(cells):
                    continue
                if headers is None:
                    headers = cells
                    continue
                rows.append(Row(number, tuple(cells)))
            sheets.append((sheet.title, headers, rows))
    except DAMAGED_WORKBOOK as exc:
        raise unreadable_workbook(name, exc) from None
    finally:
        workbook.close()
    tables: list[UploadContent] = []
    for title, headers, rows in sheets:
        if headers is None:
            continue
        kind = detect_kind(headers) or SHEET_NAMES.get(title.strip().casefold())
        if kind is None:
            if len(sheets) == 1:
                raise UnreadableFile(_not_hr_export(name))
            continue  # other sheets (notes, pivot tables) are not ours
        tables.append(Table(f"{name} › {title}", headers, rows, kind, "row"))
    if not tables:
        raise UnreadableFile(_not_hr_export(name))
    return tables


def _read_entra_json(name: str, text: str) -> EntraExport:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            _("%(file)s is not valid JSON (line %(line)d: %(error)s).")
            % {"file": name, "line": exc.lineno, "error": exc.msg}
        ) from None
    except RecursionError:
        raise UnreadableFile(_not_entra_export(name)) from None
    if "\\u0000" in text and _holds_nul(payload):
        raise UnreadableFile(
            _(
                "%(file)s contains a NUL character (\\u0000), which Veikart cannot store. "
                "Export the users again and import that file."
            )
            % {"file": name}
        )
    users = payload.get("value") if isinstance(payload, dict) else payload
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        raise UnreadableFile(_not_entra_export(name))
    if users and not any("userPrincipalName" in u for u in users):
        raise UnreadableFile(_not_entra_export(name))
    return EntraExport(name, [EntraUser(i, u) for i, u in enumerate(users, start=1)])


def _holds_nul(payload: object) -> bool:
    """Whether a string (or key) anywhere in the JSON ``payload`` holds a NUL character."""
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _not_hr_export(name: str) -> str:
    return _(
        "%(file)s is not an HR export Veikart can read: no employee columns (ansattnummer, "
        "fornavn, etternavn, brukernavn, enhetskode) or unit columns (enhetskode, enhetsnavn) "
        "were found in its first line. Use the import template, or see the HR import guide."
    ) % {"file": name}


def _not_entra_export(name: str) -> str:
    return _(
        "%(file)s is JSON, but not a Microsoft Entra ID user export: expected a list of users "
        "with userPrincipalName (the answer of Graph /v1.0/users)."
    ) % {"file": name}
