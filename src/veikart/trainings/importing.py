"""Read and check the training files (kurs.csv, kursokter.csv, pameldinger.csv). Writes nothing.

The files are those the programme's course system (or the demo simulator) exports: UTF-8 (with
or without BOM) or Windows-1252, ``;`` or ``,`` separated, one header line. Which file is which
is decided by its columns, not its name. Every problem names the file and line and says what to
do; :func:`build_plan` collects them all instead of stopping at the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from veikart.organisations.importing import readers
from veikart.organisations.importing.plan import parse_date
from veikart.organisations.importing.readers import cell_text
from veikart.organisations.models import Employee, Organisation
from veikart.trainings.constants import (
    COURSE_COLUMNS,
    ENROLMENT_COLUMNS,
    FORMAT_WORDS,
    SEAT_STATUSES,
    SESSION_COLUMNS,
    STATUS_WORDS,
    CourseFormat,
    EnrolmentStatus,
)
from veikart.trainings.models import Course, Enrolment, Session

OSLO = ZoneInfo("Europe/Oslo")  # Excel times carry no zone: they are local times

Kind = Literal["courses", "sessions", "enrolments"]
_REQUIRED: dict[Kind, tuple[str, ...]] = {
    "courses": COURSE_COLUMNS,
    "sessions": SESSION_COLUMNS,
    "enrolments": ENROLMENT_COLUMNS,
}
# The columns that tell the files apart.
_SIGNATURE: tuple[tuple[Kind, frozenset[str]], ...] = (
    ("enrolments", frozenset({"okt_id", "ansattnummer"})),
    ("sessions", frozenset({"kurskode", "start"})),
    ("courses", frozenset({"kode", "tittel"})),
)


@dataclass(frozen=True)
class Problem:
    """One problem in the files: where (file or workbook sheet, line or row, column) and what."""

    source: str
    message: str
    line: int | None = None
    column: str = ""
    sheet: bool = False  # a workbook sheet: its lines are called rows

    @property
    def line_label(self) -> str:
        return _("row") if self.sheet else _("line")

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", {self.line_label} {self.line}"
        if self.column:
            where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class CsvTable:
    source: str
    kind: Kind
    rows: list[tuple[int, dict[str, str]]]
    sheet: bool = False


@dataclass
class _RowProblems:
    """The problems of one row, each with its column."""

    table: CsvTable
    line: int
    found: list[Problem] = field(default_factory=list)

    def add(self, column: str, message: str) -> None:
        self.found.append(
            Problem(self.table.source, message, self.line, column, sheet=self.table.sheet)
        )

    def __bool__(self) -> bool:
        return bool(self.found)


@dataclass(frozen=True)
class CourseRecord:
    code: str
    title: str
    description: str
    format: CourseFormat
    duration_minutes: int
    prerequisite_code: str
    audience: str


@dataclass(frozen=True)
class SessionRecord:
    code: str
    course_code: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    trainer_number: str
    capacity: int | None


@dataclass(frozen=True)
class EnrolmentRecord:
    session_code: str
    employee_number: str
    enrolled_on: dt.date
    status: EnrolmentStatus


@dataclass
class TrainingPlan:
    """What the files say, checked against each other and against what Veikart holds."""

    courses: list[CourseRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    enrolments: list[EnrolmentRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    employees: dict[str, int] = field(default_factory=dict)  # employee number -> id
    # Every code in the files, valid row or not, so that one bad row is reported once, not again
    # by each row that refers to it.
    course_codes: set[str] = field(default_factory=set)
    session_codes: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_table(name: str, data: bytes) -> CsvTable:
    """One CSV file as rows of column -> value; raises ValueError with a message for the user."""
    text = _decode(name, data)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if headers is None:
                headers = [cell.strip().casefold() for cell in record]
                continue
            cells = [cell.strip() for cell in record]
            rows.append((reader.line_num, dict(zip(headers, cells, strict=False))))
    except csv.Error as exc:
        raise ValueError(
            _("%(file)s, line %(line)d: the CSV cannot be read (%(error)s).")
            % {"file": name, "line": reader.line_num, "error": exc}
        ) from None
    return _classify(name, headers or [], rows)


def _decode(name: str, data: bytes) -> str:
    """The text of a CSV file, decoded as the HR import decodes it (UTF-8 with or without BOM,
    else Windows-1252); a binary or mis-encoded file is refused with a message for the user."""
    not_text = _(
        "%(file)s is not a CSV file (it contains binary data or is not valid text). "
        "Save the training records from Excel as CSV (semicolon separated) or as an "
        ".xlsx workbook, and upload that file."
    ) % {"file": name}
    if b"\x00" in data[:4096]:
        raise ValueError(not_text)
    try:
        return readers._decode(name, data)
    except readers.UnreadableFile as exc:
        if b"\x00" in data:  # a NUL further down: the reader's message names its line
            raise ValueError(str(exc)) from None
        raise ValueError(not_text) from None


def _classify(
    name: str, headers: list[str], rows: list[tuple[int, dict[str, str]]], *, sheet: bool = False
) -> CsvTable:
    """Which training file a table is, from its columns; ValueError with a message if none."""
    columns = set(headers)
    kind = next((k for k, signature in _SIGNATURE if signature <= columns), None)
    if kind is None:
        raise ValueError(
            _(
                "%(file)s is not a training file: its first line must hold the columns of "
                "kurs.csv, kursokter.csv or pameldinger.csv (see the training import guide)."
            )
            % {"file": name}
        )
    missing = [c for c in _REQUIRED[kind] if c not in columns]
    if missing:
        raise ValueError(
            _("%(file)s lacks the column(s) %(columns)s. Add them to the first line.")
            % {"file": name, "columns": ", ".join(missing)}
        )
    return CsvTable(name, kind, rows, sheet)


def read_tables(name: str, data: bytes) -> list[CsvTable]:
    """The training tables of one uploaded file: a CSV file is one table; an Excel workbook
    (.xlsx) holds one table per sheet, each sheet laid out like the CSV file of its kind.
    Empty sheets are skipped. Raises ValueError with a message for the user."""
    if not data.replace(b"\xef\xbb\xbf", b"").strip():
        raise ValueError(
            _("%(file)s is empty. Export the training records again and upload that file.")
            % {"file": name}
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(
            _(
                "%(file)s is an old Excel workbook (.xls). Save it as .xlsx (Excel workbook) "
                "or as CSV and import it again."
            )
            % {"file": name}
        )
    if not data.startswith(b"PK"):
        return [read_table(name, data)]
    return _read_workbook(name, data)


# Columns that hold a time of day; elsewhere an Excel date-time is a day (Excel has no dates
# without a time: a day typed in a cell comes back as that day at midnight).
_TIME_COLUMNS = frozenset({"start", "slutt"})


def _cell_text(value: object, column: str = "") -> str:
    """An Excel cell as the CSV files write it: a time in a time column with the Oslo offset,
    anything else as the HR import reads it (:func:`cell_text`)."""
    if isinstance(value, dt.datetime) and column in _TIME_COLUMNS:
        if value.tzinfo is None:
            value = value.replace(tzinfo=OSLO)
        return value.isoformat(timespec="minutes")
    if isinstance(value, bool):
        return "ja" if value else "nei"
    return cell_text(value)


def _read_workbook(name: str, data: bytes) -> list[CsvTable]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise ValueError(_unreadable_workbook(name, exc)) from None
    sheets: list[tuple[str, list[str] | None, list[tuple[int, dict[str, str]]]]] = []
    try:
        for sheet in workbook.worksheets:
            headers: list[str] | None = None
            rows: list[tuple[int, dict[str, str]]] = []
            for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
                if headers is None:
                    cells = [_cell_text(value) for value in record]
                    if any(cells):
                        headers = [cell.casefold() for cell in cells]
                    continue
                cells = [
                    _cell_text(value, headers[i] if i < len(headers) else "")
                    for i, value in enumerate(record)
                ]
                if not any(cells):
                    continue
                rows.append((number, dict(zip(headers, cells, strict=False))))
            sheets.append((sheet.title, headers, rows))
    except readers.DAMAGED_WORKBOOK as exc:  # a damaged sheet: broken XML or zip member
        raise ValueError(_unreadable_workbook(name, exc)) from None
    finally:
        workbook.close()
    tables = [
        _classify(f"{name} [{title}]", headers, rows, sheet=True)
        for title, headers, rows in sheets
        if headers is not None
    ]
    if not tables:
        raise ValueError(_("%(file)s has no sheets with data.") % {"file": name})
    return tables


def _unreadable_workbook(name: str, exc: BaseException) -> str:
    return _(
        "%(file)s cannot be read as an Excel workbook (%(error)s). Open it in Excel and "
        "save it again as .xlsx, or export the sheets as CSV."
    ) % {"file": name, "error": type(exc).__name__}


def build_plan(organisation: Organisation, tables: list[CsvTable]) -> TrainingPlan:
    """Check the tables; references may point into the files or to what Veikart already holds."""
    plan = TrainingPlan()
    by_kind: dict[Kind, CsvTable] = {}
    for table in tables:
        if table.kind in by_kind:
            plan.problems.append(
                Problem(
                    table.source,
                    _("holds the same kind of data as %(other)s. Import one of them.")
                    % {"other": by_kind[table.kind].source},
                )
            )
        else:
            by_kind[table.kind] = table
    plan.employees = dict(
        Employee.objects.filter(organisation=organisation).values_list("employee_number", "pk")
    )
    if "courses" in by_kind:
        _check_courses(plan, by_kind["courses"])
    if "sessions" in by_kind:
        _check_sessions(plan, by_kind["sessions"])
    if "enrolments" in by_kind:
        _check_enrolments(plan, by_kind["enrolments"])
    return plan


def _check_courses(plan: TrainingPlan, table: CsvTable) -> None:
    plan.course_codes.update(values.get("kode", "") for _line, values in table.rows)
    known = set(Course.objects.values_list("code", flat=True)) | plan.course_codes
    seen: dict[str, int] = {}
    for line, values in table.rows:
        problems = _RowProblems(table, line)
        add = problems.add
        code = values.get("kode", "")
        form = FORMAT_WORDS.get(values.get("format", "").casefold())
        minutes = values.get("varighet_minutter", "")
        prerequisite = values.get("forutsetning", "")
        if not code:
            add("kode", _("the course code (kode) is empty. Give every course a code."))
        elif code in seen:
            add(
                "kode",
                _("course %(code)s is also on line %(other)d. Keep one of the lines.")
                % {"code": code, "other": seen[code]},
            )
        if not values.get("tittel", ""):
            add("tittel", _("the title (tittel) is empty."))
        if form is None:
            add(
                "format",
                _("unknown format %(value)r. Use klasserom, teams or e-læring.")
                % {"value": values.get("format", "")},
            )
        _check_lengths(add, values, Course, _COURSE_TEXT)
        duration = _whole_number(minutes)
        if duration is None or duration <= 0:
            add(
                "varighet_minutter",
                _("varighet_minutter must be a whole number of minutes above 0 (got %(value)r).")
                % {"value": _clipped(minutes)},
            )
        elif duration > MAX_MINUTES:
            add(
                "varighet_minutter",
                _(
                    "varighet_minutter is %(value)s minutes, more than a course can last "
                    "(at most %(max)d). Correct the duration."
                )
                % {"value": _clipped(minutes), "max": MAX_MINUTES},
            )
        if prerequisite and (prerequisite not in known or prerequisite == code):
            add(
                "forutsetning",
                _(
                    "the prerequisite %(code)r is not a course in kurs.csv or in Veikart. "
                    "Correct the code or leave forutsetning empty."
                )
                % {"code": prerequisite},
            )
        plan.problems.extend(problems.found)
        seen.setdefault(code, line)
        if problems or form is None:
            continue
        plan.courses.append(
            CourseRecord(
                code=code,
                title=values["tittel"],
                description=values.get("beskrivelse", ""),
                format=form,
                duration_minutes=duration or 0,
                prerequisite_code=prerequisite,
                audience=values.get("målgruppe", ""),
            )
        )


# Realistic upper bounds (both far below PostgreSQL's integer limit): a larger number is a typo.
MAX_MINUTES = 100_000  # about a year of working hours
MAX_SEATS = 10_000  # more than any room or call holds; no limit is an empty kapasitet

# The text columns of each file that are stored in a column of limited length: file column ->
# model field (its max_length is the limit).
_COURSE_TEXT = {"kode": "code", "tittel": "title", "målgruppe": "audience"}
_SESSION_TEXT = {"id": "code", "sted": "location"}


def _whole_number(text: str) -> int | None:
    """``text`` as a whole number of ASCII digits (not "²", "٣" or "１２"); None if it is not
    one. Only the first few digits are read: enough to tell any bound apart."""
    if not (text.isascii() and text.isdecimal()):
        return None
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= 12 else 10**12


def _clipped(value: str, limit: int = 30) -> str:
    """``value`` for a message: a cell of thousands of characters is cut short."""
    return value if len(value) <= limit else value[:limit] + "…"


def _check_lengths(
    add: Callable[[str, str], None],
    values: dict[str, str],
    model: type[Course] | type[Session],
    columns: dict[str, str],
) -> None:
    for column, field_name in columns.items():
        limit = getattr(model._meta.get_field(field_name), "max_length", None)
        length = len(values.get(column, ""))
        if limit is not None and length > limit:
            add(
                column,
                _(
                    "%(column)s is %(length)d characters long, more than the %(max)d that fit. "
                    "Shorten it."
                )
                % {"column": column, "length": length, "max": limit},
            )


def _aware(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def _check_sessions(plan: TrainingPlan, table: CsvTable) -> None:
    courses = set(Course.objects.values_list("code", flat=True)) | plan.course_codes
    plan.session_codes.update(values.get("id", "") for _line, values in table.rows)
    seen: dict[str, int] = {}
    for line, values in table.rows:
        problems = _RowProblems(table, line)
        add = problems.add
        code = values.get("id", "")
        course = values.get("kurskode", "")
        starts_at, ends_at = _aware(values.get("start", "")), _aware(values.get("slutt", ""))
        trainer = values.get("kursholder", "")
        capacity = values.get("kapasitet", "")
        if not code:
            add("id", _("the session id (id) is empty. Give every session an id."))
        elif code in seen:
            add(
                "id",
                _("session %(code)s is also on line %(other)d. Keep one of the lines.")
                % {"code": code, "other": seen[code]},
            )
        if course not in courses:
            add(
                "kurskode",
                _("unknown course code %(code)r. Add the course to kurs.csv or correct the code.")
                % {"code": course},
            )
        for column, parsed in (("start", starts_at), ("slutt", ends_at)):
            if parsed is None:
                add(
                    column,
                    _(
                        "%(column)s must be a time with its UTC offset, such as "
                        "2019-09-03T09:00:00+02:00 (got %(value)r)."
                    )
                    % {"column": column, "value": values.get(column, "")},
                )
        if starts_at and ends_at and ends_at < starts_at:
            add("slutt", _("the session ends (slutt) before it starts (start)."))
        if trainer and trainer not in plan.employees:
            add(
                "kursholder",
                _(
                    "the trainer's employee number %(number)r is not in the HR data. Import "
                    "the HR export first, or correct the number."
                )
                % {"number": trainer},
            )
        _check_lengths(add, values, Session, _SESSION_TEXT)
        seats = _whole_number(capacity) if capacity else None
        if capacity and (seats is None or seats <= 0):
            add(
                "kapasitet",
                _(
                    "kapasitet must be a whole number of seats above 0, or empty for unlimited "
                    "(got %(value)r)."
                )
                % {"value": _clipped(capacity)},
            )
        elif seats is not None and seats > MAX_SEATS:
            add(
                "kapasitet",
                _(
                    "kapasitet is %(value)s seats, more than Veikart accepts (at most %(max)d). "
                    "Correct the number, or leave kapasitet empty for unlimited seats."
                )
                % {"value": _clipped(capacity), "max": MAX_SEATS},
            )
        plan.problems.extend(problems.found)
        seen.setdefault(code, line)
        if problems or starts_at is None or ends_at is None:
            continue
        plan.sessions.append(
            SessionRecord(
                code=code,
                course_code=course,
                starts_at=starts_at,
                ends_at=ends_at,
                location=values.get("sted", ""),
                trainer_number=trainer,
                capacity=seats,
            )
        )


def _check_enrolments(plan: TrainingPlan, table: CsvTable) -> None:
    capacity: dict[str, int | None] = dict(Session.objects.values_list("code", "capacity"))
    capacity.update({s.code: s.capacity for s in plan.sessions})
    seen: dict[tuple[str, str], int] = {}
    seats: dict[str, set[str]] = defaultdict(set)  # session code -> employee numbers with a seat
    first_line: dict[str, int] = {}
    for line, values in table.rows:
        problems = _RowProblems(table, line)
        add = problems.add
        session = values.get("okt_id", "")
        number = values.get("ansattnummer", "")
        enrolled_on = parse_date(values.get("påmeldt", ""))
        status = STATUS_WORDS.get(values.get("status", "").casefold())
        if session not in capacity and session not in plan.session_codes:
            add(
                "okt_id",
                _("unknown session %(code)r. Add it to kursokter.csv or correct okt_id.")
                % {"code": session},
            )
        if number not in plan.employees:
            add(
                "ansattnummer",
                _(
                    "employee number %(number)r is not in the HR data. Import the HR export "
                    "first, or correct the number."
                )
                % {"number": number},
            )
        if (session, number) in seen:
            add(
                "ansattnummer",
                _(
                    "%(number)s is enrolled in %(session)s also on line %(other)d. A person "
                    "can be in a session once: keep one of the lines."
                )
                % {"number": number, "session": session, "other": seen[(session, number)]},
            )
        if enrolled_on is None:
            add(
                "påmeldt",
                _("påmeldt must be a date such as 2019-09-03 (got %(value)r).")
                % {"value": values.get("påmeldt", "")},
            )
        if status is None:
            add(
                "status",
                _("unknown status %(value)r. Use møtt, ikke møtt, påmeldt, avmeldt or venteliste.")
                % {"value": values.get("status", "")},
            )
        plan.problems.extend(problems.found)
        seen.setdefault((session, number), line)
        if problems or enrolled_on is None or status is None:
            continue
        if status in SEAT_STATUSES:
            seats[session].add(number)
            first_line.setdefault(session, line)
        plan.enrolments.append(EnrolmentRecord(session, number, enrolled_on, status))
    _check_capacity(plan, table.source, capacity, seats, first_line)


def _check_capacity(
    plan: TrainingPlan,
    source: str,
    capacity: dict[str, int | None],
    seats: dict[str, set[str]],
    first_line: dict[str, int],
) -> None:
    """Seats after the import (the file's rows over what Veikart holds) must fit each session."""
    in_file = {(e.session_code, e.employee_number) for e in plan.enrolments}
    held = Enrolment.objects.filter(
        session__code__in=list(seats), status__in=list(SEAT_STATUSES)
    ).values_list("session__code", "employee__employee_number")
    for session, number in held:
        if (session, number) not in in_file:
            seats[session].add(number)
    for session, people in sorted(seats.items()):
        limit = capacity.get(session)
        if limit is not None and len(people) > limit:
            plan.problems.append(
                Problem(
                    source,
                    _(
                        "session %(session)s has %(taken)d people with a seat (møtt, ikke møtt "
                        "or påmeldt) but only %(capacity)d seats. Put the rest on the waiting "
                        "list (venteliste) or raise kapasitet in kursokter.csv."
                    )
                    % {"session": session, "taken": len(people), "capacity": limit},
                    first_line[session],
                )
            )
