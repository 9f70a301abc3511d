"""Hostile files for every importer, and the property each importer must keep.

Shared by the fast property tests (tests/hostile/test_fuzz_importers.py, a few hundred cases per
importer) and the long run (bench/fuzz_importers.py, tens of thousands).

The property, for every file: the importer either succeeds or refuses with its documented
exception (:class:`ImportRefused` for the HR, training and systems imports; a failed file in the
ingest summary, from :class:`ReportError`, for usage reports) — never another exception — and after
a refusal the database and the usage lake are exactly as they were. After a success, every stored
text fits its column and every number fits PostgreSQL's integer types (SQLite stores anything, so
a value PostgreSQL would refuse with a 500 is caught here on SQLite too).

Files come from three sources: random bytes; mutations of real, valid files (the test data and
the simulator's exports: byte flips, truncation, other encodings and byte-order marks, other
delimiters, stray quotes, hostile cells, duplicated or missing columns, huge fields, NUL bytes);
and Excel workbooks built with openpyxl from the same tables with hostile cells, whole or with a
broken zip container.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

TESTS_DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = dt.date(2020, 1, 1)
TODAY = dt.date(2020, 2, 1)  # "today" for the usage reader: the simulated reports are older

PG_INT = (-(2**31), 2**31 - 1)
PG_BIGINT = (-(2**63), 2**63 - 1)
PG_SMALLINT = (-(2**15), 2**15 - 1)

# Cells an attacker, a careless export or a spreadsheet program puts where a value belongs.
HOSTILE_CELLS: tuple[str, ...] = (
    "",
    " ",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1",
    "-0",
    "0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "1.5",
    "1,5",
    "0x10",
    "99999999999999999999999",
    "9" * 5000,
    "2147483648",
    "9223372036854775808",
    "²",
    "٣",
    "１２",
    "2019-02-30",
    "30.02.2019",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "2019-13-01",
    "2019-09-03T09:00:00",
    "2019-09-03T25:00:00+02:00",
    "2019-09-03T09:00:00+99:00",
    "PT99999999999999999999H",
    "P1D",
    "ø",
    "Ã¸",
    "\x00",
    "a\x00b",
    "\u202eevil",
    "\ufeff",
    "🙂",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "../../etc/passwd",
    '"',
    '""',
    "a;b",
    "a,b",
    "line\nbreak",
    "\r",
    "ja",
    "kanskje",
    "True",
    "yes",
    "møtt",
    "x" * 300,
    "x" * 70_000,
    "@",
    "a@b",
    "kari.nordmann@moss.kommune.no",
    "A" * 32,
    "0123456789ABCDEF0123456789ABCDEF",
    "00000000-0000-0000-0000-000000000000",
    "1001",
    "110",
    "moss",
    "OKT-1",
    "TEAMS-GK",
)


# --- seeds: small, valid files ----------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes


def _bom(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-8")


def _head(data: bytes, lines: int) -> bytes:
    """The first ``lines`` lines of a CSV file (quoted cells never span lines in our seeds)."""
    return b"".join(data.splitlines(keepends=True)[:lines])


@cache
def simulated() -> Path:
    """The simulator's files for 200 people over eight weeks (about half a second), once."""
    from veikart.demo.simulator.config import SimulationConfig
    from veikart.demo.simulator.generate import generate

    out = Path(tempfile.mkdtemp(prefix="veikart-hostile-sim-"))
    generate(
        SimulationConfig(employees=200, start=dt.date(2019, 12, 2), end=dt.date(2020, 1, 26)), out
    )
    return out


def hr_seeds() -> list[Seed]:
    entra = {
        "value": [
            {
                "userPrincipalName": "kari.nordmann@moss.kommune.no",
                "employeeId": "1001",
                "givenName": "Kari",
                "surname": "Nordmann",
                "department": "Stab og administrasjon",
                "accountEnabled": True,
            },
            {
                "userPrincipalName": "ny.person@moss.kommune.no",
                "employeeId": "2001",
                "displayName": "Ny Person",
                "department": "Jeløy skole",
                "manager": {"employeeId": "1002"},
                "companyName": "moss",
            },
        ]
    }
    hr_xlsx = next(simulated().glob("hr/*/hr.xlsx"))
    return [
        Seed("enheter.csv", (TESTS_DATA / "enheter.csv").read_bytes()),
        Seed("ansatte.csv", (TESTS_DATA / "ansatte.csv").read_bytes()),
        Seed("entra.json", json.dumps(entra, ensure_ascii=False).encode("utf-8")),
        Seed("hr.xlsx", hr_xlsx.read_bytes()),
    ]


def training_seeds() -> list[Seed]:
    """Training files that fit the personas' organisation (tests/data): employees 1001–1008."""
    courses = (simulated() / "training" / "kurs.csv").read_bytes()
    return [
        Seed("kurs.csv", _head(courses, 4)),
        Seed(
            "kursokter.csv",
            _bom(
                "id;kurskode;start;slutt;sted;kursholder;kapasitet\n"
                "OKT-1;TEAMS-GK;2019-09-03T09:00:00+02:00;2019-09-03T11:00:00+02:00;"
                "Moss rådhus;1001;3\n"
                "OKT-2;EL-M365;2019-09-10T09:00:00+02:00;2019-09-10T11:00:00+02:00;;;\n"
            ),
        ),
        Seed(
            "pameldinger.csv",
            _bom(
                "okt_id;ansattnummer;påmeldt;status\n"
                "OKT-1;1005;2019-08-26;møtt\n"
                "OKT-1;1003;2019-08-27;påmeldt\n"
                "OKT-2;1006;2019-08-28;ikke møtt\n"
            ),
        ),
    ]


def systems_seeds() -> list[Seed]:
    folder = simulated() / "systems"
    return [
        Seed("systemer.csv", _head((folder / "systemer.csv").read_bytes(), 12)),
        Seed("beslutninger.csv", _head((folder / "beslutninger.csv").read_bytes(), 8)),
    ]


def usage_seeds() -> list[Seed]:
    """The first rows of one file of every report the simulator writes."""
    seeds = []
    for folder in sorted((simulated() / "usage").iterdir()):
        first = sorted(folder.glob("*.csv"))[0]
        seeds.append(Seed(first.name, _head(first.read_bytes(), 16)))
    return seeds


# --- mutations --------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=first.count)


def _rows(data: bytes) -> tuple[list[list[str]], str]:
    text = _decode(data)
    delimiter = _delimiter(text)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), delimiter


def _write(rows: list[list[str]], delimiter: str, *, bom: bool = True) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


@st.composite
def _byte_flips(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not out:
            break
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


@st.composite
def _truncated(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, max(0, len(data) - 1)))]


@st.composite
def _inserted(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    chunk = draw(
        st.one_of(
            st.binary(min_size=1, max_size=32),
            st.sampled_from(
                [b"\x00", b'"', b"\r", b"\n", b";", b",", b"\t", b"\xef\xbb\xbf", b"\xff\xfe"]
            ),
        )
    )
    return data[:at] + chunk + data[at:]


@st.composite
def _reencoded(draw: st.DrawFn, data: bytes) -> bytes:
    text = _decode(data)
    encoding = draw(
        st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"])
    )
    body = text.encode(encoding, errors="replace")
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
    return prefix + body


@st.composite
def _boms(draw: st.DrawFn, data: bytes) -> bytes:
    body = data.removeprefix(b"\xef\xbb\xbf")
    prefix = draw(
        st.sampled_from(
            [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xef\xbb", b"\xff\xfe", b"\x00"]
        )
    )
    # A UTF-8 BOM before bytes that are not UTF-8 (a cp1252 "ø" after the BOM).
    if draw(st.booleans()):
        body = body.replace("ø".encode(), b"\xf8", 1).replace("å".encode(), b"\xe5", 1)
    return prefix + body


@st.composite
def _line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    end = draw(st.sampled_from([b"\r", b"\n", b"\r\n", b"\r\r\n", b"\n\n"]))
    return data.replace(b"\r\n", b"\n").replace(b"\n", end)


@st.composite
def _delimiters(draw: st.DrawFn, data: bytes) -> bytes:
    rows, _old = _rows(data)
    new = draw(st.sampled_from([",", ";", "\t", "|", " ", ":"]))
    return _write(rows, new, bom=draw(st.booleans()))


@st.composite
def _quotes(draw: st.DrawFn, data: bytes) -> bytes:
    text = _decode(data)
    at = draw(st.integers(0, len(text)))
    quote = draw(st.sampled_from(['"', '""', '"a"b"', "'", '"\n', '\\"']))
    return (text[:at] + quote + text[at:]).encode("utf-8")


@st.composite
def _hostile_cells(draw: st.DrawFn, data: bytes) -> bytes:
    rows, delimiter = _rows(data)
    if not rows:
        return data
    if draw(st.booleans()) and rows[0]:
        # One column, every data row: a number column full of "²" or 5,000 digits.
        column = draw(st.integers(0, len(rows[0]) - 1))
        value = draw(st.sampled_from(HOSTILE_CELLS) | st.text(max_size=40))
        for cells in rows[1:]:
            if column < len(cells):
                cells[column] = value
        return _write(rows, delimiter)
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, len(rows) - 1))
        if not rows[row]:
            continue
        column = draw(st.integers(0, len(rows[row]) - 1))
        rows[row][column] = draw(st.sampled_from(HOSTILE_CELLS) | st.text(max_size=40))
    return _write(rows, delimiter)


@st.composite
def _columns(draw: st.DrawFn, data: bytes) -> bytes:
    """Duplicate, drop, add or reorder a column (header and cells alike), or ragged rows."""
    rows, delimiter = _rows(data)
    if not rows or not rows[0]:
        return data
    width = len(rows[0])
    column = draw(st.integers(0, width - 1))
    action = draw(st.sampled_from(["duplicate", "drop", "add", "swap", "ragged", "header"]))
    for index, row in enumerate(rows):
        if column >= len(row):
            continue
        if action == "duplicate":
            row.insert(column, row[column])
        elif action == "drop":
            del row[column]
        elif action == "add":
            row.append("extra" if index == 0 else draw(st.sampled_from(HOSTILE_CELLS)))
        elif action == "swap" and len(row) > 1:
            row[0], row[column] = row[column], row[0]
        elif action == "ragged" and index and draw(st.booleans()):
            del row[column:]
        elif action == "header" and index == 0:
            row[column] = draw(st.sampled_from([row[column].upper(), f" {row[column]} ", ""]))
    return _write(rows, delimiter)


@st.composite
def _rows_changed(draw: st.DrawFn, data: bytes) -> bytes:
    rows, delimiter = _rows(data)
    if len(rows) < 2:
        return data
    action = draw(st.sampled_from(["duplicate", "drop", "many", "blank", "header-only"]))
    row = draw(st.integers(1, len(rows) - 1))
    if action == "duplicate":
        rows.insert(row, list(rows[row]))
    elif action == "drop":
        del rows[row]
    elif action == "many":
        rows.extend([list(rows[row]) for _ in range(draw(st.integers(2, 300)))])
    elif action == "blank":
        rows.insert(row, [])
    else:
        rows = rows[:1]
    return _write(rows, delimiter)


def _csv_mutation(data: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _byte_flips(data),
        _truncated(data),
        _inserted(data),
        _reencoded(data),
        _boms(data),
        _line_ends(data),
        _delimiters(data),
        _quotes(data),
        _hostile_cells(data),
        _columns(data),
        _rows_changed(data),
    )


@st.composite
def mutated(draw: st.DrawFn, data: bytes, rounds: int = 3) -> bytes:
    """``data`` after one to ``rounds`` mutations."""
    for _ in range(draw(st.integers(1, rounds))):
        data = draw(_csv_mutation(data))
    return data


# --- Excel workbooks --------------------------------------------------------------------------

_XLSX_VALUES = st.one_of(
    st.sampled_from(HOSTILE_CELLS),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1)),  # noqa: DTZ001 (Excel has no time zones)
    st.times(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


def _cell_ok(value: object) -> bool:
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return not ILLEGAL_CHARACTERS_RE.search(value) and len(value) <= 32_767
    return True


@st.composite
def workbook(draw: st.DrawFn, seed: bytes) -> bytes:
    """An .xlsx built from the rows of the CSV ``seed``, with hostile cells and sheets."""
    from openpyxl import Workbook

    rows, _delimiter = _rows(seed)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = draw(st.sampled_from(["Ark1", "Enheter", "Ansatte", "kurs", "Systemer", "Ark 2"]))
    for row in rows:
        values: list[Any] = list(row)
        for _ in range(draw(st.integers(0, 2))):
            if values:
                value = draw(_XLSX_VALUES)
                if _cell_ok(value):
                    values[draw(st.integers(0, len(values) - 1))] = value
        sheet.append(values)
    if draw(st.booleans()):
        extra = book.create_sheet(draw(st.sampled_from(["Notater", "Ansatte", "Beslutninger"])))
        for _ in range(draw(st.integers(0, 3))):
            values = [v for v in draw(st.lists(_XLSX_VALUES, max_size=6)) if _cell_ok(v)]
            extra.append(values)
    if draw(st.booleans()):
        # Excel lets the used range begin anywhere: empty rows and columns before the header.
        sheet.insert_rows(1, draw(st.integers(1, 3)))
        sheet.insert_cols(1, draw(st.integers(0, 2)))
    out = io.BytesIO()
    book.save(out)
    return _stable(out.getvalue())


def _stable(xlsx: bytes) -> bytes:
    """The workbook with a fixed save time and fixed member dates: openpyxl writes the time of
    saving, which changes the compressed size and so the cases Hypothesis draws from it."""
    import re

    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "docProps/core.xml":
                content = re.sub(
                    rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", content
                )
            target.writestr(
                zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


@st.composite
def broken_zip(draw: st.DrawFn, data: bytes) -> bytes:
    """A zip container (an .xlsx) with a member removed, replaced or corrupted, or cut short."""
    action = draw(st.sampled_from(["drop", "garbage", "bomb-ish", "truncate", "flip", "not-xml"]))
    if action == "truncate":
        return data[: draw(st.integers(4, max(4, len(data) - 1)))]
    if action == "flip":
        return draw(_byte_flips(data))
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = draw(st.sampled_from(names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            if name == victim:
                if action == "drop":
                    continue
                if action == "garbage":
                    content = draw(st.binary(max_size=64))
                elif action == "bomb-ish":
                    content = b"<x>" + b"a" * 2_000_000 + b"</x>"
                else:
                    content = b"<?xml version='1.0'?><unclosed"
            target.writestr(
                zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def files_for(seeds: list[Seed], *, xlsx: bool = True) -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, content): random bytes, a mutated seed, or a (broken) workbook of a seed."""
    csv_seeds = [s for s in seeds if not s.data.startswith(b"PK")]
    zip_seeds = [s for s in seeds if s.data.startswith(b"PK")]

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, bytes]:
        seed = draw(st.sampled_from(seeds))
        kind = draw(
            st.sampled_from(
                ["random", "mutated", "mutated", "mutated", "seed"]
                + (["workbook", "broken-zip"] if xlsx else [])
            )
        )
        if kind == "random":
            prefix = draw(st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"{", b"\xd0\xcf"]))
            return seed.name, prefix + draw(st.binary(max_size=512))
        if kind == "seed":
            return seed.name, seed.data
        if kind in ("workbook", "broken-zip") and csv_seeds:
            source = draw(st.sampled_from(csv_seeds))
            book = draw(workbook(source.data))
            if kind == "broken-zip":
                book = draw(broken_zip(book))
            return source.name.rsplit(".", 1)[0] + ".xlsx", book
        if seed in zip_seeds:
            return seed.name, draw(broken_zip(seed.data))
        return seed.name, draw(mutated(seed.data))

    return build()


def upload_sets(seeds: list[Seed]) -> st.SearchStrategy[list[tuple[str, bytes]]]:
    """One hostile file, or a hostile file beside a valid one (a unit list with an employee
    list, courses with sessions), as people upload them together."""
    hostile = files_for(seeds)
    valid = st.sampled_from([(s.name, s.data) for s in seeds])
    return st.one_of(hostile.map(lambda f: [f]), st.tuples(valid, hostile).map(list))


# --- the state that must not change -----------------------------------------------------------


def database_state(exclude: Iterable[str] = ()) -> dict[str, str]:
    """Table name -> digest of its rows in primary-key order (every table of the database)."""
    from django.db import connection

    skip = set(exclude) | {"django_session"}
    state: dict[str, str] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in skip:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608 (table names)
            digest = hashlib.sha256()
            for row in cursor.fetchall():
                digest.update(repr(row).encode("utf-8", "surrogatepass"))
            state[table] = digest.hexdigest()
    return state


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def lake_state(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under the lake (temporary files included)."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def values_postgres_refuses(apps_labels: Iterable[str]) -> list[str]:
    """Stored values of these apps that PostgreSQL would refuse (too long, too large)."""
    from django.apps import apps
    from django.db import models
    from django.db.models.functions import Length

    found: list[str] = []
    for label in apps_labels:
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.concrete_fields:
                name = f"{model._meta.label}.{f.name}"
                if isinstance(f, models.CharField) and f.max_length:
                    too_long = model._default_manager.annotate(_n=Length(f.attname)).filter(
                        _n__gt=f.max_length
                    )
                    if too_long.exists():
                        found.append(f"{name} longer than {f.max_length} characters")
                elif isinstance(f, models.IntegerField) and not isinstance(f, models.AutoField):
                    low, high = (
                        PG_BIGINT
                        if isinstance(f, models.BigIntegerField)
                        else PG_SMALLINT
                        if isinstance(f, models.SmallIntegerField)
                        else PG_INT
                    )
                    outside = model._default_manager.filter(
                        models.Q(**{f"{f.attname}__gt": high})
                        | models.Q(**{f"{f.attname}__lt": low})
                    )
                    if outside.exists():
                        found.append(f"{name} outside PostgreSQL's range {low}..{high}")
    return found


# --- the importers under test -----------------------------------------------------------------


class Violation(AssertionError):
    """The importer broke the property; the message says how."""


def signature(exc: BaseException) -> str:
    """What kind of failure ``exc`` is: its type and the innermost Veikart frame that raised it
    (``Violation``: its message up to the first colon) — the same bug gives the same signature."""
    import traceback

    if isinstance(exc, Violation):
        return f"Violation: {str(exc).split(':')[0]}"
    where = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        if "/veikart/" in frame.filename and "/tests/" not in frame.filename:
            where = f"{frame.filename.split('/veikart/', 1)[1]}:{frame.name}"
    return f"{type(exc).__name__} at {where}"


# Bugs found by this fuzzing and not fixed yet: signature -> the repro test (test_fuzz_importers)
# that shows it. A key "at <where>" stands for any exception raised there. The property tests
# count these as known and go on looking for others; each has an xfail(strict=True) repro test.
# When a bug is fixed its repro test passes (and, as a strict xfail, fails): remove the marker
# and the entry here. (None now: the bugs found so far are fixed, and their repro tests in
# test_fuzz_importers.py stay as regression tests.)
KNOWN_BUGS: dict[str, str] = {}


def known_bug(exc: BaseException) -> str | None:
    sig = signature(exc)
    kind, _at, where = sig.partition(" at ")
    return KNOWN_BUGS.get(sig) or KNOWN_BUGS.get(f"at {where}") or KNOWN_BUGS.get(kind)


def guarded(check: Callable[..., str], *args: Any) -> str:
    """``check(*args)``, with a known bug (:data:`KNOWN_BUGS`) counted as its outcome instead of
    failing, so that the property tests go on finding new ones."""
    try:
        return check(*args)
    except Exception as exc:
        known = known_bug(exc)
        if known is None:
            raise
        return f"known bug: {known}"


def _rolled_back(check: Callable[[], str]) -> str:
    """Run ``check`` in a savepoint that is always rolled back, so every case starts alike."""
    from django.db import transaction

    with transaction.atomic():
        outcome = check()
        transaction.set_rollback(True)
    return outcome


def _refused_cleanly(before: dict[str, str], what: str, exclude: Iterable[str] = ()) -> None:
    changed = changed_tables(before, database_state(exclude))
    if changed:
        raise Violation(f"{what} refused the file but changed {', '.join(changed)}")


def check_hr(organisation: Any, files: list[tuple[str, bytes]]) -> str:
    """HR import: preview, then apply; ImportRefused or success, nothing written on refusal."""
    from veikart.organisations.services import (
        ImportRefused,
        UploadedFile,
        apply_import,
        preview_import,
    )

    uploads = [UploadedFile(name, data) for name, data in files]

    def run() -> str:
        before = database_state()
        try:
            plan = preview_import(organisation, uploads, as_of=AS_OF)
        except ImportRefused:
            _refused_cleanly(before, "the HR preview")
            preview_ok = False
        else:
            if changed_tables(before, database_state()):
                raise Violation("the HR preview wrote to the database") from None
            preview_ok = plan.ok
        try:
            apply_import(organisation, uploads, as_of=AS_OF)
        except ImportRefused:
            _refused_cleanly(before, "the HR import")
            if preview_ok:
                raise Violation("the preview had no problems, but applying refused") from None
            return "refused"
        if not preview_ok:
            raise Violation("the preview listed problems, but applying succeeded")
        _fits_postgres(["organisations"])
        return "applied"

    return _rolled_back(run)


def check_training(files: list[tuple[str, bytes]]) -> str:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.trainings.services import import_training

    uploads = [UploadedFile(name, data) for name, data in files]

    def run() -> str:
        before = database_state()
        try:
            preview = import_training(uploads, apply=False)
        except ImportRefused:
            _refused_cleanly(before, "the training preview")
            preview_ok = False
        else:
            if changed_tables(before, database_state()):
                raise Violation("the training preview wrote to the database") from None
            preview_ok = preview.ok
        try:
            import_training(uploads, apply=True)
        except ImportRefused:
            _refused_cleanly(before, "the training import")
            if preview_ok:
                raise Violation("the preview had no problems, but applying refused") from None
            return "refused"
        if not preview_ok:
            raise Violation("the preview listed problems, but applying succeeded")
        _fits_postgres(["trainings"])
        return "applied"

    return _rolled_back(run)


def check_systems(organisation: Any, files: list[tuple[str, bytes]]) -> str:
    from veikart.organisations.services import ImportRefused, UploadedFile
    from veikart.systems.services import apply_import, preview_import

    uploads = [UploadedFile(name, data) for name, data in files]

    def run() -> str:
        before = database_state()
        try:
            plan = preview_import(organisation, uploads)
        except ImportRefused:
            _refused_cleanly(before, "the systems preview")
            preview_ok = False
        else:
            if changed_tables(before, database_state()):
                raise Violation("the systems preview wrote to the database") from None
            preview_ok = plan.ok
        try:
            apply_import(organisation, uploads)
        except ImportRefused:
            _refused_cleanly(before, "the systems import")
            if preview_ok:
                raise Violation("the preview had no problems, but applying refused") from None
            return "refused"
        if not preview_ok:
            raise Violation("the preview listed problems, but applying succeeded")
        _fits_postgres(["systems"])
        return "applied"

    return _rolled_back(run)


# The ingest records every file, refused or not, in its manifest and the audit log: by design.
USAGE_MANIFEST_TABLES = ("usage_ingestrun", "usage_ingestedfile", "core_auditevent")


def check_usage_reader(path: Path) -> str:
    """The reader alone: ReportError (at once or while iterating), or batches."""
    from veikart.usage.contract import ReportError
    from veikart.usage.reader import read_report

    try:
        result = read_report(path, today=TODAY, batch_rows=7)
        rows = sum(batch.num_rows for batch in result.batches)
    except ReportError:
        return "refused"
    return "read" if rows else "empty"


def check_usage_ingest(lake: Path, pristine: Path, files: list[tuple[str, bytes]]) -> str:
    """Ingest one file (or one zip archive), as the web upload does. The lake starts as
    ``pristine`` (a lake that already holds snapshots); a refused file leaves it, and everything
    but the ingest manifest, exactly as it was."""
    import shutil

    from veikart.usage.services import ingest_paths

    def run() -> str:
        with tempfile.TemporaryDirectory(prefix="veikart-hostile-") as folder:
            paths = []
            for number, (name, data) in enumerate(files):
                target = Path(folder) / f"{number:04d}"
                target.mkdir()
                path = target / (Path(name).name or "upload.csv")
                path.write_bytes(data)
                paths.append(path)
            before_lake = lake_state(lake)
            before = database_state(USAGE_MANIFEST_TABLES)
            summary = ingest_paths(paths, today=TODAY, compute=False)
            after_lake = lake_state(lake)
            if any(Path(p).name.startswith(".") for p in after_lake):
                raise Violation("the ingest left a temporary file in the lake")
            if changed_tables(before, database_state(USAGE_MANIFEST_TABLES)):
                raise Violation("the ingest changed tables other than its manifest")
            if not summary.stored and after_lake != before_lake:
                raise Violation("no file was stored, but the lake changed")
            return "stored" if summary.stored else "refused" if summary.failed else "unchanged"

    if lake.exists():
        shutil.rmtree(lake)
    shutil.copytree(pristine, lake)
    return _rolled_back(run)


@st.composite
def report_archive(draw: st.DrawFn, seeds: list[Seed]) -> tuple[str, bytes]:
    """A zip of one to three (mutated) reports, sometimes with a damaged member."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(draw(st.integers(1, 3))):
            seed = draw(st.sampled_from(seeds))
            data = seed.data if draw(st.booleans()) else draw(mutated(seed.data, rounds=1))
            name = draw(st.sampled_from([seed.name, f"{number}/{seed.name}", "../x.csv"]))
            archive.writestr(
                zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    data = out.getvalue()
    damage = draw(st.sampled_from(["none", "none", "member", "truncate"]))
    if damage == "member":
        # A byte inside the first member's compressed data: the archive opens, the member fails.
        start = 30 + len(zipfile.ZipFile(io.BytesIO(data)).infolist()[0].filename.encode())
        at = draw(st.integers(start, start + 20))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    elif damage == "truncate":
        data = data[: draw(st.integers(22, len(data) - 1))]
    return "rapporter.zip", data


def _fits_postgres(labels: list[str]) -> None:
    refused = values_postgres_refuses(labels)
    if refused:
        raise Violation("stored values PostgreSQL would refuse: " + "; ".join(refused))


def machine() -> str:
    """A line about this machine for the results table."""
    import platform

    cpus = os.cpu_count() or 0
    return f"{platform.node() or 'unknown'}, {platform.machine()}, {cpus} CPU, Python " + (
        platform.python_version()
    )
