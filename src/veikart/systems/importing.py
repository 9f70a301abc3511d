"""Read and check system inventories (``systemer.csv``) and decisions (``beslutninger.csv``).

Nothing here writes. :func:`read_tables` turns an uploaded file into tables — a CSV file (UTF-8
with or without BOM, or Windows-1252; ``;``, ``,`` or tab separated) is one table, an Excel workbook
one per sheet — and says which kind each is from its columns, not its name. :func:`build_plan`
checks every row against the others and against what Veikart holds, and lists each problem with
file, line and column, and each change the import would make; the same plan, rebuilt inside the
transaction, is what :func:`veikart.systems.services.apply_import` applies.

A column that is missing from a file leaves that field as it is (a new system gets the default),
so an inventory with fewer columns can update the ones it has. Systems and decisions missing from
a file are left alone: the import adds and updates, it never deletes.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from veikart.organisations.importing.columns import detect_kind as detect_hr_kind
from veikart.organisations.importing.plan import parse_date
from veikart.organisations.importing.readers import (
    DAMAGED_WORKBOOK,
    UnreadableFile,
    _decode,
    cell_text,
    unreadable_workbook,
)
from veikart.organisations.models import FormerOrganisation, Organisation
from veikart.systems.constants import (
    CATEGORY_WORDS,
    DPA_WORDS,
    KIND_WORDS,
    REPLACE_PREFIXES,
    STATUS_WORDS,
    Category,
    DecisionKind,
    DecisionStatus,
    DpaStatus,
    category_lookup,
    normalise_word,
)
from veikart.systems.models import Decision, System
from veikart.systems.overlap import OverlapSummary, SystemFact, find_overlaps
from veikart.systems.validation import decision_errors

TableKind = Literal["inventory", "decisions"]
StrOrPromise = str | Promise
MAX_TEXT = 200
MAX_USERS = 10_000_000  # more than live in Norway: a larger number is a mistake


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool = False
    label: StrOrPromise = ""  # the header of Veikart's Excel export, in the user's language


# The first header is the one the simulator and the templates write; the aliases include the
# headers of Veikart's own Excel export in bokmål and English, so that an exported workbook can be
# edited and imported again.
INVENTORY_COLUMNS: tuple[Column, ...] = (
    Column(
        "former_organisation",
        "tidligere_organisasjon",
        ("tidligere organisasjon", "former_organisation", "former organisation", "kommune"),
        label=gettext_lazy("Former organisation"),
    ),
    Column("name", "navn", ("name", "systemnavn", "system_name"), True, gettext_lazy("Name")),
    Column(
        "vendor", "leverandør", ("leverandor", "vendor", "supplier"), label=gettext_lazy("Vendor")
    ),
    Column("category", "kategori", ("category", "fagområde"), True, gettext_lazy("Category")),
    Column("users", "brukere", ("users", "antall_brukere"), label=gettext_lazy("Users")),
    Column("owner", "eier", ("owner", "systemeier"), label=gettext_lazy("System owner")),
    Column(
        "contract_end",
        "kontrakt_utløper",
        ("kontrakt_utloper", "kontraktsslutt", "contract_end"),
        label=gettext_lazy("Contract ends"),
    ),
    Column(
        "yearly_cost_nok",
        "årlig_kostnad_nok",
        ("arlig_kostnad_nok", "årlig_kostnad", "yearly_cost_nok", "yearly_cost", "kostnad"),
        label=gettext_lazy("Yearly cost (NOK)"),
    ),
    Column(
        "dpa_status",
        "databehandleravtale",
        ("dpa", "dpa_status"),
        label=gettext_lazy("Data-processing agreement"),
    ),
    Column("integrations", "integrasjoner", ("integrations",), label=gettext_lazy("Integrations")),
    Column(
        "is_m365_workload",
        "microsoft_365",
        ("m365", "is_m365_workload", "microsoft_365_workload"),
        label=gettext_lazy("Microsoft 365"),
    ),
)
DECISION_COLUMNS: tuple[Column, ...] = (
    Column("system", "system", ("systemnavn", "system_name"), True, gettext_lazy("System")),
    Column("category", "kategori", ("category",), label=gettext_lazy("Category")),
    Column("kind", "beslutning", ("decision", "kind"), True, gettext_lazy("Decision")),
    Column("rationale", "begrunnelse", ("rationale", "reason"), label=gettext_lazy("Rationale")),
    Column("owner", "ansvarlig", ("owner",), label=gettext_lazy("Responsible")),
    Column("decided_on", "beslutningsdato", ("decided_on",), True, gettext_lazy("Decision date")),
    Column("status", "status", (), label=gettext_lazy("Status")),
    Column(
        "milestone",
        "migreringsmilepæl",
        ("migreringsmilepael", "milepæl", "milestone"),
        label=gettext_lazy("Migration milestone"),
    ),
)
COLUMNS: dict[TableKind, tuple[Column, ...]] = {
    "inventory": INVENTORY_COLUMNS,
    "decisions": DECISION_COLUMNS,
}
# Words for "a system of the merged organisation itself" in the tidligere_organisasjon column.
MERGED_WORDS = frozenset({"felles", "ny", "ny kommune", "nye", "sammenslått", "merged"})
_TRUE = frozenset({"ja", "j", "yes", "y", "true", "sann", "1", "x"})
_FALSE = frozenset({"nei", "n", "no", "false", "usann", "0", ""})


def normalise_header(header: str) -> str:
    """``" Årlig kostnad (NOK) "`` → ``"årlig_kostnad_nok"``: case and punctuation do not matter."""
    text = header.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[^\w]+", "_", text).strip("_")


def _lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            table[normalise_header(name)] = column.key
        # The export's headers in every language Veikart speaks.
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                table.setdefault(normalise_header(str(column.label)), column.key)
    table.pop("", None)
    return table


@functools.cache
def _lookups() -> dict[TableKind, dict[str, str]]:
    return {kind: _lookup(columns) for kind, columns in COLUMNS.items()}


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]  # column key → cell text


@dataclass(frozen=True)
class Table:
    source: str  # file name, with the sheet for workbooks: "systemer.xlsx › Systemer"
    kind: TableKind
    rows: list[Row]
    columns: frozenset[str]  # the column keys present
    unknown_columns: tuple[str, ...] = ()
    line_word: str = "line"


def read_tables(name: str, data: bytes) -> list[Table]:
    """The inventory and decision tables of one uploaded file; UnreadableFile if it has none."""
    if not data.replace(b"\xef\xbb\xbf", b"").strip():
        raise UnreadableFile(_("%(file)s is empty.") % {"file": name})
    if data.startswith(b"PK\x03\x04"):
        return _read_workbook(name, data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            _(
                "%(file)s is an old Excel 97–2003 workbook (.xls). Open it in Excel and save it "
                "as .xlsx or as CSV, then import that file."
            )
            % {"file": name}
        )
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            _(
                "%(file)s is not a text file (it contains binary data). Save the inventory as "
                "CSV or Excel (.xlsx)."
            )
            % {"file": name}
        )
    return [_read_csv(name, _decode(name, data))]


def _read_csv(name: str, text: str) -> Table:
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if headers is None:
                headers = record
                continue
            rows.append((reader.line_num, [cell.strip() for cell in record]))
    except csv.Error as exc:
        raise UnreadableFile(
            _("%(file)s, line %(line)d: the CSV cannot be read (%(error)s).")
            % {"file": name, "line": reader.line_num, "error": exc}
        ) from None
    table = _classify(name, headers or [], rows, "line")
    if table is None:
        raise UnreadableFile(_not_a_systems_file(name, headers or []))
    return table


def _read_workbook(name: str, data: bytes) -> list[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DAMAGED_WORKBOOK as exc:
        raise unreadable_workbook(name, exc) from None
    sheets: list[tuple[str, list[str] | None, list[tuple[int, list[str]]]]] = []
    try:
        for sheet in workbook.worksheets:
            headers: list[str] | None = None
            rows: list[tuple[int, list[str]]] = []
            for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in record]
                if not any(cells):
                    continue
                if headers is None:
                    headers = cells
                    continue
                rows.append((number, cells))
            sheets.append((sheet.title, headers, rows))
    except DAMAGED_WORKBOOK as exc:
        raise unreadable_workbook(name, exc) from None
    finally:
        workbook.close()
    tables: list[Table] = []
    first_headers: list[str] = []
    for title, headers, rows in sheets:
        if headers is None:
            continue
        first_headers = first_headers or headers
        # Other sheets (the matrix of Veikart's own export, notes) are not ours: skipped.
        table = _classify(f"{name} › {title}", headers, rows, "row")
        if table is not None:
            tables.append(table)
    if not tables:
        raise UnreadableFile(_not_a_systems_file(name, first_headers))
    return tables


def _classify(
    source: str, headers: list[str], raw_rows: list[tuple[int, list[str]]], line_word: str
) -> Table | None:
    normalised = [normalise_header(h) for h in headers]
    kind: TableKind
    if {"system", "kind"} <= {_lookups()["decisions"].get(h) for h in normalised}:
        kind = "decisions"
    elif "name" in {_lookups()["inventory"].get(h) for h in normalised}:
        kind = "inventory"
    else:
        return None
    lookup = _lookups()[kind]
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, header in enumerate(normalised):
        key = lookup.get(header)
        if key is None:
            if header:
                unknown.append(headers[index].strip())
        elif key in positions:
            raise UnreadableFile(
                _(
                    "%(file)s has the column %(column)s twice. Remove one of them and import "
                    "the file again."
                )
                % {"file": source, "column": headers[index].strip()}
            )
        else:
            positions[key] = index
    missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in positions]
    if missing:
        message = (
            _(
                "%(file)s looks like a system inventory but lacks the column(s) %(missing)s. "
                "Its first line must hold: %(expected)s."
            )
            if kind == "inventory"
            else _(
                "%(file)s looks like a list of decisions but lacks the column(s) %(missing)s. "
                "Its first line must hold: %(expected)s."
            )
        )
        raise UnreadableFile(
            message
            % {
                "file": source,
                "missing": ", ".join(missing),
                "expected": ";".join(c.header for c in COLUMNS[kind]),
            }
        )
    rows = [
        Row(
            line,
            {key: cells[i].strip() if i < len(cells) else "" for key, i in positions.items()},
        )
        for line, cells in raw_rows
    ]
    return Table(source, kind, rows, frozenset(positions), tuple(unknown), line_word)


def _not_a_systems_file(name: str, headers: list[str]) -> str:
    expected = {
        "inventory": ";".join(c.header for c in INVENTORY_COLUMNS),
        "decisions": ";".join(c.header for c in DECISION_COLUMNS),
    }
    if headers and detect_hr_kind(headers) is not None:
        return _(
            "%(file)s is an HR export (employees or units), not a system inventory. Import it "
            "under Organisation → Import HR data. Here, upload systemer.csv (%(inventory)s) or "
            "beslutninger.csv (%(decisions)s)."
        ) % {"file": name, **expected}
    return _(
        "%(file)s is not a system inventory or a list of decisions: its first line must hold "
        "the columns of systemer.csv (%(inventory)s) or of beslutninger.csv (%(decisions)s)."
    ) % {"file": name, **expected}


# --- Checking and comparing --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why the import cannot be applied: file, line (or Excel row) and column when there are."""

    source: str
    message: str
    line: int | None = None
    column: str = ""
    line_word: str = "line"

    def __str__(self) -> str:
        values = {
            "file": self.source,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
        if self.line is None:
            return _("%(file)s: %(message)s") % values
        if self.line_word == "row":
            if self.column:
                return _("%(file)s, row %(line)d, column %(column)s: %(message)s") % values
            return _("%(file)s, row %(line)d: %(message)s") % values
        if self.column:
            return _("%(file)s, line %(line)d, column %(column)s: %(message)s") % values
        return _("%(file)s, line %(line)d: %(message)s") % values


@dataclass(frozen=True)
class Change:
    action: str  # "created" | "changed"
    entity: str  # "system" | "decision"
    key: str
    label: str
    # (field label, stored value, imported value) of each changed field, as text
    values: tuple[tuple[str, str, str], ...] = ()


@dataclass
class SystemRecord:
    source: str
    line: int
    former_id: int | None
    name: str
    values: dict[str, object]  # field → value, for the columns the file has


@dataclass
class DecisionRecord:
    source: str
    line: int
    system_name: str
    values: dict[str, object]
    replacement_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewSystem:
    """A replacing system Veikart does not hold yet: created for the merged organisation."""

    name: str
    category: str
    for_system: str


@dataclass
class ImportPlan:
    organisation_id: int
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    systems: list[SystemRecord] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    new_systems: list[NewSystem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    overlaps: OverlapSummary | None = None
    kinds: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str, entity: str) -> int:
        return sum(1 for c in self.changes if c.action == action and c.entity == entity)

    def fingerprint(self) -> str:
        """Changes as text: applying refuses when the stored state moved since the preview."""
        text = repr([(c.action, c.entity, c.key, c.values) for c in self.changes])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _collapse(value: str) -> str:
    return " ".join(value.split())


class _Checker:
    """Builds one plan; each ``_row_*`` method adds problems rather than stopping at the first."""

    def __init__(
        self,
        organisation: Organisation,
        default_former: FormerOrganisation | None,
        today: dt.date,
    ) -> None:
        self.organisation = organisation
        self.default_former = default_former
        self.today = today
        self.plan = ImportPlan(organisation.pk)
        formers = list(FormerOrganisation.objects.filter(organisation=organisation))
        self.formers = {f.pk: f for f in formers}
        self.former_lookup: dict[str, FormerOrganisation] = {}
        for former in formers:
            self.former_lookup[normalise_word(former.code)] = former
            self.former_lookup.setdefault(normalise_word(former.name), former)
        self.merged_words = MERGED_WORDS | {normalise_word(organisation.name)}
        self.categories = _category_lookup()
        self.stored = {
            (s.former_organisation_id, s.name.casefold()): s
            for s in System.objects.filter(organisation=organisation)
        }
        self.stored_decisions = {
            d.system_name.casefold(): d
            for d in Decision.objects.filter(organisation=organisation).prefetch_related(
                "replacement_systems"
            )
        }

    # -- problems

    def problem(self, table: Table, row: Row | None, column: str, message: str) -> None:
        header = next((c.header for c in COLUMNS[table.kind] if c.key == column), column)
        self.plan.problems.append(
            Problem(table.source, message, row.line if row else None, header, table.line_word)
        )

    # -- the inventory

    def inventory(self, table: Table) -> None:
        if "former_organisation" not in table.columns and self.default_former is None:
            self.problem(
                table,
                None,
                "",
                _(
                    "the column tidligere_organisasjon is missing. Add it (%(codes)s on each "
                    "line), or choose the former organisation in the import form."
                )
                % {"codes": self._former_codes()},
            )
            return
        seen: dict[tuple[int | None, str], str] = {
            (r.former_id, r.name.casefold()): f"{r.source}:{r.line}" for r in self.plan.systems
        }
        for row in table.rows:
            record = self._system_row(table, row)
            if record is None:
                continue
            key = (record.former_id, record.name.casefold())
            if key in seen:
                self.problem(
                    table,
                    row,
                    "name",
                    _(
                        "%(name)s appears twice for the same former organisation (first at "
                        "%(first)s). Keep one line per system and former organisation."
                    )
                    % {"name": record.name, "first": seen[key]},
                )
                continue
            seen[key] = f"{table.source}:{row.line}"
            self.plan.systems.append(record)

    def _former_codes(self) -> str:
        return ", ".join(
            f"{f.code} ({f.name})" for f in sorted(self.formers.values(), key=lambda f: f.code)
        )

    def _system_row(self, table: Table, row: Row) -> SystemRecord | None:
        v = row.values
        before = len(self.plan.problems)
        former_id: int | None
        if "former_organisation" in table.columns and v["former_organisation"]:
            word = normalise_word(v["former_organisation"])
            if word in self.former_lookup:
                former_id = self.former_lookup[word].pk
            elif word in self.merged_words:
                former_id = None
            else:
                former_id = None
                self.problem(
                    table,
                    row,
                    "former_organisation",
                    _(
                        "unknown former organisation “%(value)s”. Veikart knows %(codes)s; "
                        "write “felles” for a system of the merged organisation."
                    )
                    % {"value": v["former_organisation"], "codes": self._former_codes()},
                )
        elif self.default_former is not None:
            former_id = self.default_former.pk
        else:
            former_id = None
            self.problem(
                table,
                row,
                "former_organisation",
                _("empty. Write %(codes)s, or “felles” for a system of the merged organisation.")
                % {"codes": self._former_codes()},
            )
        name = _collapse(v["name"])
        if not name:
            self.problem(table, row, "name", _("the system has no name. Fill in the name."))
        elif len(name) > MAX_TEXT:
            self.problem(
                table, row, "name", _("longer than %(max)d characters.") % {"max": MAX_TEXT}
            )
        values: dict[str, object] = {}
        if "vendor" in table.columns:
            values["vendor"] = self._text(table, row, "vendor")
        category = self._category(table, row, v["category"])
        if category is not None:
            values["category"] = category
        if "users" in table.columns:
            values["users"] = self._users(table, row)
        if "owner" in table.columns:
            values["owner"] = self._text(table, row, "owner")
        if "contract_end" in table.columns:
            values["contract_end"] = self._date(table, row, "contract_end", required=False)
        if "yearly_cost_nok" in table.columns:
            values["yearly_cost_nok"] = self._cost(table, row)
        if "dpa_status" in table.columns:
            values["dpa_status"] = self._choice(
                table, row, "dpa_status", DPA_WORDS, ("ja", "nei", "under arbeid", "ukjent")
            )
        if "integrations" in table.columns:
            values["integrations"] = _split_list(v["integrations"])
        if "is_m365_workload" in table.columns:
            values["is_m365_workload"] = self._flag(table, row, "is_m365_workload")
        if len(self.plan.problems) > before:
            return None
        return SystemRecord(table.source, row.line, former_id, name, values)

    def _text(self, table: Table, row: Row, column: str) -> str:
        value = _collapse(row.values[column])
        if len(value) > MAX_TEXT:
            self.problem(
                table, row, column, _("longer than %(max)d characters.") % {"max": MAX_TEXT}
            )
        return value

    def _category(self, table: Table, row: Row, value: str) -> str | None:
        category = self.categories.get(normalise_word(value))
        if category is None:
            self.problem(
                table,
                row,
                "category",
                (
                    _("empty.")
                    if not value.strip()
                    else _("unknown category “%(value)s”.") % {"value": value}
                )
                + " "
                + _("Use one of: %(accepted)s.") % {"accepted": accepted_categories()},
            )
            return None
        return category.value

    def _users(self, table: Table, row: Row) -> int | None:
        text = re.sub(r"[\s\u00a0]", "", row.values["users"])
        if not text:
            return None
        # isdecimal, not isdigit: "²" is a digit int() cannot read; ASCII: no "٣" or "１２".
        if not (text.isascii() and text.isdecimal()):
            self.problem(
                table,
                row,
                "users",
                _("“%(value)s” is not a whole number of users (0 or more).")
                % {"value": _clipped(row.values["users"])},
            )
            return None
        if len(text) > len(str(MAX_USERS)) or int(text) > MAX_USERS:
            self.problem(
                table,
                row,
                "users",
                _(
                    "%(value)s users is more than Veikart accepts (at most %(max)d). Check the "
                    "number, or leave the cell empty if it is not known."
                )
                % {"value": _clipped(text), "max": MAX_USERS},
            )
            return None
        return int(text)

    def _cost(self, table: Table, row: Row) -> Decimal | None:
        raw = row.values["yearly_cost_nok"]
        text = re.sub(r"[\s\u00a0]|kr\.?|nok", "", raw, flags=re.IGNORECASE)
        if not text:
            return None
        if "," in text and "." in text:
            text = text.replace(".", "")  # 1.400.000,50
        text = text.replace(",", ".").rstrip(".-")
        try:
            cost = Decimal(text)
        except InvalidOperation:
            cost = None
        if cost is None or not cost.is_finite() or cost >= Decimal("1e12"):
            self.problem(
                table,
                row,
                "yearly_cost_nok",
                _("“%(value)s” is not an amount in kroner. Write it as 850000 or 850 000.")
                % {"value": raw},
            )
            return None
        if cost < 0:
            self.problem(
                table,
                row,
                "yearly_cost_nok",
                _("the yearly cost %(value)s is negative. Write the cost as 0 or more.")
                % {"value": raw},
            )
            return None
        return cost.quantize(Decimal("0.01"))

    def _date(self, table: Table, row: Row, column: str, *, required: bool) -> dt.date | None:
        raw = row.values[column]
        if not raw:
            if required:
                self.problem(
                    table, row, column, _("empty. Write the date as 2019-11-29 or 29.11.2019.")
                )
            return None
        day = parse_date(raw)
        if day is None:
            self.problem(
                table,
                row,
                column,
                _("“%(value)s” is not a date. Write it as 2019-11-29 or 29.11.2019.")
                % {"value": raw},
            )
        return day

    def _choice(
        self,
        table: Table,
        row: Row,
        column: str,
        words: dict[str, DpaStatus] | dict[str, DecisionStatus],
        shown: tuple[str, ...],
    ) -> str | None:
        raw = row.values[column]
        choice = words.get(normalise_word(raw))
        if choice is None:
            self.problem(
                table,
                row,
                column,
                _("“%(value)s” is not one of %(accepted)s.")
                % {"value": raw, "accepted": ", ".join(shown)},
            )
            return None
        return choice.value

    def _flag(self, table: Table, row: Row, column: str) -> bool:
        word = normalise_word(row.values[column])
        if word in _TRUE:
            return True
        if word not in _FALSE:
            self.problem(
                table,
                row,
                column,
                _("“%(value)s” is neither ja nor nei.") % {"value": row.values[column]},
            )
        return False

    # -- the decisions

    def decisions(self, table: Table) -> None:
        seen = {r.system_name.casefold(): f"{r.source}:{r.line}" for r in self.plan.decisions}
        for row in table.rows:
            record = self._decision_row(table, row)
            if record is None:
                continue
            key = record.system_name.casefold()
            if key in seen:
                self.problem(
                    table,
                    row,
                    "system",
                    _(
                        "a second decision for %(name)s (first at %(first)s). A system has one "
                        "decision; keep one line per system."
                    )
                    % {"name": record.system_name, "first": seen[key]},
                )
                continue
            seen[key] = f"{table.source}:{row.line}"
            self.plan.decisions.append(record)

    def _decision_row(self, table: Table, row: Row) -> DecisionRecord | None:
        v = row.values
        before = len(self.plan.problems)
        name = _collapse(v["system"])
        known = self._known_names()
        if not name:
            self.problem(table, row, "system", _("empty. Write the name of the system."))
        elif name.casefold() not in known:
            self.problem(
                table,
                row,
                "system",
                _(
                    "no system named “%(name)s” in the inventory. Import the inventory first "
                    "(or in the same upload), or correct the name."
                )
                % {"name": name},
            )
        else:
            name = known[name.casefold()]
        values: dict[str, object] = {}
        if "category" in table.columns and v["category"]:
            category = self._category(table, row, v["category"])
            stored = self._category_of(name)
            if category is not None and stored is not None and category != stored:
                self.plan.notices.append(
                    _(
                        "%(file)s, line %(line)d: the decision gives %(name)s the category "
                        "“%(given)s”, the inventory “%(stored)s”; the inventory's category is used."
                    )
                    % {
                        "file": table.source,
                        "line": row.line,
                        "name": name,
                        "given": Category(category).label,
                        "stored": Category(stored).label,
                    }
                )
        kind, replacement = self._kind(table, row)
        values["kind"] = kind
        values["replacement"] = replacement
        if "rationale" in table.columns:
            values["rationale"] = " ".join(v["rationale"].split())
        if "owner" in table.columns:
            values["owner"] = self._text(table, row, "owner")
        decided_on = self._date(table, row, "decided_on", required=True)
        values["decided_on"] = decided_on
        if "status" in table.columns:
            status = (
                self._choice(
                    table,
                    row,
                    "status",
                    STATUS_WORDS,
                    ("planlagt", "pågår", "gjennomført"),
                )
                if v["status"]
                else DecisionStatus.PLANNED.value
            )
            values["status"] = status
        milestone_date: dt.date | None = None
        if "milestone" in table.columns:
            milestone_date, milestone_text = self._milestone(table, row)
            values["milestone_date"] = milestone_date
            values["milestone_text"] = milestone_text
        if kind is not None and len(self.plan.problems) == before:
            errors = decision_errors(
                system_name=name,
                kind=kind,
                replacement=replacement,
                decided_on=decided_on,
                milestone_date=milestone_date,
                today=self.today,
            )
            column = {"replacement": "kind", "decided_on": "decided_on"}
            for key, message in errors.items():
                self.problem(table, row, column.get(key, "milestone"), message)
        if len(self.plan.problems) > before:
            return None
        names = _split_replacement(replacement, known) if replacement else ()
        return DecisionRecord(table.source, row.line, name, values, names)

    def _kind(self, table: Table, row: Row) -> tuple[str | None, str]:
        raw = _collapse(row.values["kind"])
        word = raw.casefold()
        for prefix in REPLACE_PREFIXES:
            if word.startswith(prefix):
                return DecisionKind.REPLACE.value, raw[len(prefix) :].strip()
        kind = KIND_WORDS.get(normalise_word(raw))
        if kind is None or kind == DecisionKind.REPLACE:
            message = (
                _("“%(value)s” does not say what replaces the system. Write “erstatt med X”.")
                if kind == DecisionKind.REPLACE
                else _(
                    "“%(value)s” is not a decision. Write behold, erstatt med X, avvikle or "
                    "slå sammen."
                )
            )
            self.problem(table, row, "kind", message % {"value": raw})
            return None, ""
        return kind.value, ""

    def _milestone(self, table: Table, row: Row) -> tuple[dt.date | None, str]:
        """``2020-06-30: Skype for Business slått av`` → (date, text); a date alone or a text
        alone is fine too."""
        raw = _collapse(row.values["milestone"])
        match = re.match(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{2,4})\s*(?::|–|-)?\s*", raw)
        if match is None:
            if re.match(r"^\d{4}-\d\d\d?-|^\d{1,2}\.\d{1,2}\.\d", raw):
                self.problem(
                    table,
                    row,
                    "milestone",
                    _(
                        "“%(value)s” does not start with a valid date. Write “2020-06-30: what "
                        "is done by then”."
                    )
                    % {"value": raw},
                )
            return None, raw[:300]
        day = parse_date(match.group(1))
        if day is None:
            self.problem(
                table,
                row,
                "milestone",
                _("“%(value)s” is not a date. Write “2020-06-30: what is done by then”.")
                % {"value": match.group(1)},
            )
        return day, raw[match.end() :][:300]

    # -- what the files name, stored or in the upload

    def _known_names(self) -> dict[str, str]:
        known = {name: s.name for (_former, name), s in self.stored.items()}
        known.update({r.name.casefold(): r.name for r in self.plan.systems})
        return known

    def _category_of(self, name: str) -> str | None:
        key = name.casefold()
        for record in self.plan.systems:
            if record.name.casefold() == key and "category" in record.values:
                return str(record.values["category"])
        for (_former, stored_name), system in self.stored.items():
            if stored_name == key:
                return system.category
        return None

    # -- changes

    def compare(self) -> None:
        for record in self.plan.systems:
            stored = self.stored.get((record.former_id, record.name.casefold()))
            label = self._system_label(record.former_id, record.name)
            key = f"{record.former_id or '-'}:{record.name}"
            if stored is None:
                self.plan.changes.append(Change("created", "system", key, label))
                continue
            diffs = []
            if stored.name != record.name:
                diffs.append((str(_("name")), stored.name, record.name))
            for name, new in record.values.items():
                old = getattr(stored, name)
                if _same(old, new):
                    continue
                diffs.append(_diff(System, name, old, new))
            if diffs:
                self.plan.changes.append(Change("changed", "system", key, label, tuple(diffs)))
        known = self._known_names()
        planned: dict[str, NewSystem] = {}
        for decision in self.plan.decisions:
            for name in decision.replacement_names:
                if name.casefold() in known or name.casefold() in planned:
                    continue
                planned[name.casefold()] = NewSystem(
                    name, self._category_of(decision.system_name) or "annet", decision.system_name
                )
        self.plan.new_systems = list(planned.values())
        for new in self.plan.new_systems:
            self.plan.changes.append(
                Change(
                    "created",
                    "system",
                    f"-:{new.name}",
                    _("%(name)s (%(organisation)s, replaces %(system)s)")
                    % {
                        "name": new.name,
                        "organisation": self.organisation.name,
                        "system": new.for_system,
                    },
                )
            )
        for decision in self.plan.decisions:
            stored_decision = self.stored_decisions.get(decision.system_name.casefold())
            if stored_decision is None:
                self.plan.changes.append(
                    Change("created", "decision", decision.system_name, decision.system_name)
                )
                continue
            diffs = []
            for name, new in decision.values.items():
                old = getattr(stored_decision, name)
                if not _same(old, new):
                    diffs.append(_diff(Decision, name, old, new))
            if diffs:
                self.plan.changes.append(
                    Change(
                        "changed",
                        "decision",
                        decision.system_name,
                        decision.system_name,
                        tuple(diffs),
                    )
                )

    def _system_label(self, former_id: int | None, name: str) -> str:
        former = self.formers.get(former_id) if former_id is not None else None
        return f"{name} ({former.name if former else self.organisation.name})"

    def project_overlaps(self) -> None:
        """The overlaps as they will be once the import is applied."""
        facts: dict[tuple[int | None, str], tuple[str, str]] = {
            key: (s.name, s.category) for key, s in self.stored.items()
        }
        for record in self.plan.systems:
            key = (record.former_id, record.name.casefold())
            category = record.values.get("category")
            stored = facts.get(key)
            facts[key] = (record.name, str(category) if category else (stored or ("", ""))[1])
        for new in self.plan.new_systems:
            facts[(None, new.name.casefold())] = (new.name, new.category)
        decided = set(self.stored_decisions) | {
            d.system_name.casefold() for d in self.plan.decisions
        }
        self.plan.overlaps = find_overlaps(
            SystemFact(key[0], name, category, key[1] in decided)
            for key, (name, category) in facts.items()
        )


def build_plan(
    organisation: Organisation,
    tables: list[Table],
    *,
    default_former: FormerOrganisation | None = None,
    today: dt.date | None = None,
) -> ImportPlan:
    """Check ``tables`` against each other and against what Veikart holds. Writes nothing."""
    checker = _Checker(organisation, default_former, today or timezone.localdate())
    plan = checker.plan
    for table in tables:
        plan.kinds.add(table.kind)
        for column in table.unknown_columns:
            plan.notices.append(
                _("%(file)s: the column “%(column)s” is not used and was ignored.")
                % {"file": table.source, "column": column}
            )
    # Inventories first: a decision may name a system that the same upload adds.
    for table in sorted(tables, key=lambda t: t.kind != "inventory"):
        if table.kind == "inventory":
            checker.inventory(table)
        else:
            checker.decisions(table)
    if plan.ok:
        checker.compare()
    checker.project_overlaps()
    return plan


# --- Helpers ----------------------------------------------------------------------------------


def accepted_categories() -> str:
    return ", ".join(words[0] for words in CATEGORY_WORDS.values())


def _category_lookup() -> dict[str, Category]:
    """The file words plus the labels in both languages (the export writes labels)."""
    lookup = category_lookup()
    for language in ("nb", "en"):
        with translation.override(language):
            for category in Category:
                lookup.setdefault(normalise_word(str(category.label)), category)
    return lookup


def _split_list(value: str) -> list[str]:
    """``"KS SvarUt|eInnsyn | "`` → ``["KS SvarUt", "eInnsyn"]`` (order kept, no repeats)."""
    items: list[str] = []
    for part in re.split(r"[|\n]", value):
        item = _collapse(part)
        if item and item not in items:
            items.append(item)
    return items


def _split_replacement(text: str, known: dict[str, str]) -> tuple[str, ...]:
    """The systems a replacement names: ``"OneDrive og Microsoft Teams"`` → both, but a name
    Veikart knows (or with the *og* inside brackets) stays whole."""
    text = _collapse(text)
    if text.casefold() in known:
        return (known[text.casefold()],)
    parts: list[str] = []
    depth, start, index = 0, 0, 0
    separators = re.compile(r"\s+(?:og|and)\s+|\s*[,+&]\s*", re.IGNORECASE)
    while index < len(text):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            match = separators.match(text, index)
            if match and match.end() > index:
                parts.append(text[start:index])
                start = index = match.end()
                continue
        index += 1
    parts.append(text[start:])
    names = [known.get(p.strip().casefold(), p.strip()) for p in parts if p.strip()]
    return tuple(dict.fromkeys(names))


def _same(old: object, new: object) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is new
        return Decimal(str(old)) == Decimal(str(new))
    if isinstance(old, list) or isinstance(new, list):
        return bool(list(old or []) == list(new or []))  # type: ignore[call-overload]
    return bool(old == new)


def _diff(
    model: type[System] | type[Decision], name: str, old: object, new: object
) -> tuple[str, str, str]:
    field_object = model._meta.get_field(name)
    label = str(getattr(field_object, "verbose_name", name))
    return (label, _shown(field_object, old), _shown(field_object, new))


def _shown(field_object: object, value: object) -> str:
    if value is None or value == "" or value == []:
        return ""
    choices = dict(getattr(field_object, "choices", None) or [])
    if value in choices:
        return str(choices[value])
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}".removesuffix(".00")
    return str(value)


def _clipped(value: str, limit: int = 30) -> str:
    """``value`` for a message: a cell of thousands of characters is cut short."""
    return value if len(value) <= limit else value[:limit] + "…"
