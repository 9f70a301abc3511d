"""Read one Microsoft 365 usage report (CSV) into Arrow record batches in its canonical schema.

:func:`read_report` checks what the file is before parsing anything (an Excel workbook or ZIP
archive renamed to ``.csv``, UTF-16 text, binary data, a file re-saved as Windows-1252), reads the
header line itself, recognises the report from its header set (:mod:`veikart.usage.formats`) and
then streams the body with :func:`pyarrow.csv.open_csv` in blocks of about a megabyte, so memory
stays flat however large the file is. Arrow's C++ parser converts the cells directly to their
canonical types (RFC 4180 quoting, CRLF or LF, empty cell = null, ``True``/``False`` and
``Yes``/``No`` in any letter case, ``YYYY-MM-DD`` dates, integers); the checks that follow are
vectorised :mod:`pyarrow.compute` kernels over whole batches, never a Python loop over rows:

- every count and ``… In Seconds`` value is non-negative;
- no date lies after ``today`` (default: today in UTC, the time zone of the reports);
- ``Report Refresh Date`` (and ``Report Period``) are filled and the same on every row — a file
  that mixes them was edited or concatenated;
- every user-detail row has a user principal name, and either all of them are concealed
  (32-character upper-case hex, Microsoft's MD5) or none;
- ISO-8601 durations (``PT1H2M3S``, ``P1DT2H``) are parsed to seconds where a file has no
  ``… In Seconds`` column.

Letting the parser convert (rather than reading every cell as a string and casting with
:mod:`pyarrow.compute`) is what keeps the reader as fast as a plain DuckDB or pandas conversion
of the same file (bench/ingest_reader.py): string columns cost a third more. A cell the parser
cannot convert stops it with the row and column, which become our message.

Errors are :class:`~veikart.usage.contract.ReportError` with the file name, the line where one
applies (the header is line 1, the first data row line 2: the physical line unless a quoted cell
spans lines or blank lines come before it) and what to do. A message never quotes a user name.

The :class:`~veikart.usage.contract.ReportInfo` is complete when :func:`read_report` returns: the
first batch is read and checked eagerly (so a file that is wrong at the top fails right there).
Later batches are read and checked while the caller iterates, so **a problem further down raises
during iteration, and the caller must then discard every batch it already got from that file**
(the lake writer does: it writes to a temporary file and removes it). Batches have exactly
``batch_rows`` rows except the last; the batch iterator may be consumed once.

Form: the organisation-level series are ``series``. A user-detail file with ``Report Period`` 1 is
a date-form file (Microsoft's one-day ``(date=…)`` export), any other period a period-form file.
The active-user detail report has no ``Report Period``: it is taken as date form when every row
of the first batch has the same latest activity date (a one-day file lists only the users active
that day), else as period form. The day of a date-form file is not written in it; it is the
earliest last-activity date in the first batch (everyone listed was active that day), unless the
caller knows it (the Graph client asked for it) and passes ``report_date``.

A header-only file is valid and has no batches. It names no refresh date or period: its info
carries neither (there is nothing to store); a date-form one carries ``report_date`` when given.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from veikart.usage.contract import Form, ReadResult, ReportError, ReportInfo
from veikart.usage.formats import (
    NO_PERIOD_COLUMN,
    REFRESH_DATE,
    REPORT_DATE,
    REPORT_PERIOD,
    UPN,
    Field,
    Kind,
    ReportFormat,
    detect,
    header_key,
    normalise_header,
)

__all__ = ["read_report"]

_T = TypeVar("_T")

_SNIFF_BYTES = 1 << 16  # the header line must end within this many bytes
_BLOCK_BYTES = 1 << 20  # Arrow parses this much at a time (measured fastest; see bench/)
_CONCEALED = r"^[0-9A-F]{32}$"
_ZERO_GUID = "00000000-0000-0000-0000-000000000000"
# Text that was UTF-8, read as Windows-1252 and saved again as UTF-8: "ø" becomes "Ã¸".
_MOJIBAKE = (
    r"Ã[\x{80}-\x{BF}\x{152}\x{153}\x{160}\x{161}\x{178}\x{17D}\x{17E}\x{192}\x{2C6}\x{2DC}"
    r"\x{2013}-\x{203A}\x{20AC}\x{2122}]|Â[\x{A0}-\x{BF}]"
)
_ISO_DURATION = (
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)(?:[.,]\d+)?S)?)?$"
)
_DURATION_PARTS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_ARROW_ERROR = re.compile(
    r"In CSV column #(?P<column>\d+): Row #(?P<row>\d+): CSV conversion error to "
    r"(?P<type>[\w\[\]]+): (?P<what>invalid value '(?P<value>.*)'|invalid UTF8 data)",
    re.DOTALL,
)
_ARROW_ROW = re.compile(r"Row #(\d+)")


def _spellings(*words: str) -> list[str]:
    """Every letter case of ``words`` ("true", "True", "TRUE", "tRuE", …)."""
    return [
        "".join(letters)
        for word in words
        for letters in itertools.product(*((c.lower(), c.upper()) for c in word))
    ]


_TRUE_VALUES = _spellings("true", "yes")
_FALSE_VALUES = _spellings("false", "no")

# What the CSV parser turns a cell into, per source kind (durations stay text until parsed).
_PARSE_TYPES: dict[Kind, pa.DataType] = {
    "string": pa.string(),
    "count": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "seconds": pa.int64(),
    "duration": pa.string(),
    "period": pa.int64(),
}
_NON_NEGATIVE: frozenset[Kind] = frozenset({"count", "seconds", "period"})


def read_report(
    path: Path,
    *,
    name: str | None = None,
    today: dt.date | None = None,
    batch_rows: int = 250_000,
    report_date: dt.date | None = None,
) -> ReadResult:
    """Recognise, check and stream one report file; see the module docstring for the rules.

    ``name`` is how the file is called in messages (default: the file's name). ``report_date``
    is the day a date-form file holds, when the caller knows it (the Graph client asked for it).
    Raises :class:`ReportError` for a file that cannot be ingested; the returned batches raise
    it too, for a problem further down the file.
    """
    file = name or path.name
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    today = today or dt.datetime.now(dt.UTC).date()
    headers = _read_header(path, file)
    report, unknown = detect(headers, file=file)
    if report_date is not None and not report.is_user_detail:
        raise ReportError(
            f"{report.title} is an organisation-level series, not a one-day file",
            file=file,
        )
    reader = _Reader(path, file, report, headers, today, batch_rows)
    first = reader.first()
    try:
        info = reader.decide(first, unknown, report_date)
        first = None if first is None else reader.finish(first)
    except BaseException:
        reader.close()
        raise
    return ReadResult(info=info, batches=reader.batches(first), close=reader.close)


# --- before parsing ---------------------------------------------------------------------------


def _read_header(path: Path, file: str) -> list[str]:
    """The header names, after refusing what is not a UTF-8 CSV text file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise ReportError(f"cannot be opened ({exc.strerror or exc})", file=file) from None
    _refuse_non_text(head, file)
    end = head.find(b"\n")
    if end < 0 and len(head) == _SNIFF_BYTES:
        raise ReportError(
            "has no line end in its first 64 KiB, so it is not a CSV report; download the "
            "report again as CSV",
            file=file,
        )
    line = head if end < 0 else head[:end]
    try:
        text = line.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        raise ReportError(
            "the header line is not UTF-8 text; Microsoft 365 reports are UTF-8 CSV files — "
            "download the report again and do not open and save it in another program",
            file=file,
            line=1,
        ) from None
    if text.startswith("ï»¿"):
        raise ReportError(_WINDOWS_1252, file=file, line=1)
    if "\r" in text:
        raise ReportError(
            "the lines end in a carriage return alone (CR, as old Mac programs write them), "
            "not in CRLF or LF; Microsoft 365 reports use CRLF — download the report again and "
            "ingest it without opening and saving it in another program",
            file=file,
            line=1,
        )
    try:
        headers = next(csv.reader([text.removeprefix("\ufeff")]), [])
    except csv.Error as exc:
        raise ReportError(
            f"the header line cannot be read as CSV ({exc}); download the report again",
            file=file,
            line=1,
        ) from None
    if not any(normalise_header(h) for h in headers):
        raise ReportError(
            "the first line is empty; a report starts with its header line "
            "(Report Refresh Date, …) — download the report again",
            file=file,
            line=1,
        )
    return headers


_WINDOWS_1252 = (
    "the file was opened and saved again as Windows-1252 text (letters such as “ø” show as "
    "“Ã¸”); Microsoft 365 reports are UTF-8 — download the report again and ingest it "
    "without opening it in a spreadsheet"
)


def _refuse_non_text(head: bytes, file: str) -> None:
    if not head:
        raise ReportError(
            "is empty; a report has at least its header line — download it again", file=file
        )
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise ReportError(
            "this is an Excel workbook (or a ZIP archive) renamed to .csv; download the CSV from "
            "the admin centre again (Export → CSV), or ingest the .zip file as it is",
            file=file,
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReportError(
            "this is an old-style Excel workbook (.xls) renamed to .csv; download the CSV from "
            "the admin centre again",
            file=file,
        )
    if head.startswith(b"\x1f\x8b"):
        raise ReportError(
            "this is a gzip-compressed file; unpack it first (real reports are plain CSV)",
            file=file,
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(head):
        raise ReportError(
            "this file is UTF-16 text (Excel's “Unicode text” format); Microsoft 365 reports "
            "are UTF-8 CSV — download the report again and ingest it without saving it in Excel",
            file=file,
        )
    if b"\x00" in head or _control_share(head) > 0.05:
        raise ReportError(
            "this is binary data, not a CSV text file; download the report again as CSV",
            file=file,
        )


def _looks_utf16(head: bytes) -> bool:
    """ASCII text in UTF-16 without a byte-order mark: every other byte is NUL."""
    sample = head[:512]
    return len(sample) >= 8 and (
        sample[1::2].count(0) > 0.7 * len(sample[1::2])
        or sample[0::2].count(0) > 0.7 * len(sample[0::2])
    )


def _control_share(head: bytes) -> float:
    controls = sum(1 for b in head[:4096] if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    return controls / min(len(head), 4096)


# --- streaming --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One canonical column and where this file has it."""

    field: Field
    column: str | None  # the Arrow column read (None: not in this file, all null)
    kind: Kind | None  # how that source is read
    header: str  # the header name, for messages


class _Reader:
    """The state of reading one file: the Arrow stream and what the rows so far have fixed."""

    def __init__(
        self,
        path: Path,
        file: str,
        report: ReportFormat,
        headers: list[str],
        today: dt.date,
        batch_rows: int,
    ) -> None:
        self.path = path
        self.file = file
        self.report = report
        self.headers = [normalise_header(h) for h in headers]
        self.today = today
        self.batch_rows = batch_rows
        self.rows_before = 0  # data rows in the batches already handed out
        self.refresh: dt.date | None = None
        self.period: int | None = None
        self.hex_upns: bool | None = None
        self.report_date: dt.date | None = None
        self.bad_row: pacsv.InvalidRow | None = None
        names = [f"c{i}" for i in range(len(headers))]  # by position: names may repeat
        types: dict[str, pa.DataType] = {}
        self.extra: dict[str, str] = {}  # read for checks only: "display name", "user id"
        chosen: dict[str, tuple[int, int]] = {}  # field → (preference rank, header index)
        for index, header in enumerate(self.headers):
            found = report.source_for(header)
            if found is not None:
                f, source = found
                rank = f.sources.index(source)
                if f.name not in chosen or rank < chosen[f.name][0]:
                    chosen[f.name] = (rank, index)
            elif header_key(header) in ("display name", "user id"):
                self.extra[header_key(header)] = names[index]
                types[names[index]] = pa.string()
        self.columns: list[_Column] = []
        for f in report.fields:
            if f.name in chosen:
                rank, index = chosen[f.name]
                kind = f.sources[rank].kind
                types[names[index]] = _PARSE_TYPES[kind]
                self.columns.append(_Column(f, names[index], kind, self.headers[index]))
            else:
                self.columns.append(_Column(f, None, None, f.name))
        self.upn = next((c for c in self.columns if c.field.name == UPN), None)
        self._stream = self._open(names, types)
        self._raw = self._rebatch()

    # -- reading

    def _open(self, names: list[str], types: dict[str, pa.DataType]) -> pacsv.CSVStreamingReader:
        def remember(row: pacsv.InvalidRow) -> str:
            self.bad_row = row
            return "error"

        # The file is opened here and closed in close(): Arrow's reader does not close a file it
        # opened itself when closed, only when garbage-collected, and an ingest of a thousand
        # files then runs out of file descriptors.
        self._source: pa.NativeFile | None = None
        try:
            self._source = pa.OSFile(str(self.path))
            return pacsv.open_csv(
                self._source,
                read_options=pacsv.ReadOptions(
                    skip_rows=1,  # the header line, read above
                    column_names=names,
                    block_size=_BLOCK_BYTES,
                    use_threads=False,  # faster on small machines; Arrow then gives row numbers
                ),
                parse_options=pacsv.ParseOptions(invalid_row_handler=remember),
                convert_options=pacsv.ConvertOptions(
                    column_types=types,
                    include_columns=list(types),
                    null_values=[""],
                    strings_can_be_null=True,
                    true_values=_TRUE_VALUES,
                    false_values=_FALSE_VALUES,
                ),
            )
        except (pa.ArrowException, OSError) as exc:
            if self._source is not None:
                self._source.close()
            raise self._arrow_error(exc) from None

    def _blocks(self) -> Iterator[pa.RecordBatch]:
        while True:
            try:
                block = self._stream.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowException, OSError) as exc:
                raise self._arrow_error(exc) from None
            if block.num_rows:
                yield block

    def _rebatch(self) -> Iterator[pa.RecordBatch]:
        """Arrow's blocks (a megabyte each) joined into batches of exactly ``batch_rows``."""
        pending: list[pa.RecordBatch] = []
        rows = 0
        for block in self._blocks():
            pending.append(block)
            rows += block.num_rows
            while rows >= self.batch_rows:
                joined = pending[0] if len(pending) == 1 else pa.concat_batches(pending)
                yield joined.slice(0, self.batch_rows)
                rest = joined.slice(self.batch_rows)
                pending, rows = ([rest], rest.num_rows) if rest.num_rows else ([], 0)
        if rows:
            yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)

    def close(self) -> None:
        self._stream.close()
        if self._source is not None:
            self._source.close()

    # -- the three steps: first batch, info, the rest

    def first(self) -> pa.RecordBatch | None:
        """The first raw batch, checked (None for a header-only file)."""
        try:
            raw = next(self._raw, None)
            if raw is not None:
                self._check(raw)
                self._check_encoding(raw)
        except BaseException:
            self.close()
            raise
        return raw

    def decide(
        self, first: pa.RecordBatch | None, unknown: tuple[str, ...], hint: dt.date | None
    ) -> ReportInfo:
        """What the file is, from its header set and first rows."""
        report = self.report
        form: Form
        period_days = self.period
        if not report.is_user_detail:
            form = "series"
        elif hint is not None:
            if self.period not in (None, 1):
                raise ReportError(
                    f"this is a {self.period}-day report, not the one-day file for "
                    f"{hint.isoformat()} it was taken for",
                    file=self.file,
                )
            form, period_days, self.report_date = "date", 1, hint
        elif self.period == 1:
            form, self.report_date = "date", self._activity_day(first)
        elif self.period is None and report.key in NO_PERIOD_COLUMN and first is not None:
            self.report_date = self._single_activity_day(first)
            form = "period" if self.report_date is None else "date"
            period_days = None if self.report_date is None else 1
        else:
            form = "period"
        return ReportInfo(
            report=report.key,
            graph_name=report.graph_name,
            form=form,
            refresh_date=self.refresh,  # None for a header-only file: it names none
            period_days=period_days,
            report_date=self.report_date,
            concealed=bool(self.hex_upns) or self._zero_guids(first),
            header_version=report.header_version(self.headers),
            unknown_columns=unknown,
        )

    def batches(self, first: pa.RecordBatch | None) -> Iterator[pa.RecordBatch]:
        """``first`` (already in the canonical schema), then the rest, checked one by one."""
        try:
            if first is not None:
                yield first
            for raw in self._raw:
                self._check(raw)
                yield self.finish(raw)
        finally:
            self.close()

    def finish(self, raw: pa.RecordBatch) -> pa.RecordBatch:
        """The raw batch in the canonical schema."""
        n = raw.num_rows
        arrays: list[pa.Array] = []
        for col in self.columns:
            if col.column is None:
                if col.field.name == REPORT_DATE and self.report_date is not None:
                    arrays.append(pa.repeat(pa.scalar(self.report_date, pa.date32()), n))
                else:
                    arrays.append(pa.nulls(n, col.field.type))
                continue
            values = raw.column(col.column)
            if col.kind == "duration":
                values = self._seconds(values, col)
            elif col.kind == "period":
                values = values.cast(pa.int32())
            arrays.append(values)
        self.rows_before += n
        return pa.RecordBatch.from_arrays(arrays, schema=self.report.schema)

    # -- checks (vectorised over the batch)

    def _check(self, raw: pa.RecordBatch) -> None:
        for col in self.columns:
            if col.column is None:
                continue
            values = raw.column(col.column)
            name = col.field.name
            if name == REFRESH_DATE:
                self.refresh = self._same(values, col, self.refresh, _MIXED_REFRESH)
            elif name == REPORT_PERIOD:
                self.period = self._same(values, col, self.period, _MIXED_PERIOD)
                if self.period < 1:
                    raise self._error(f"“{col.header}” is {self.period}; it must be 1 or more", 0)
            elif name in (UPN, REPORT_DATE) and values.null_count:
                raise self._error(
                    f"“{col.header}” is empty; every row of {self.report.title} has one — "
                    "download the report again",
                    _first(pc.is_null(values)),
                )
            if col.kind in _NON_NEGATIVE:
                self._check_not_negative(values, col)
            elif col.kind == "date":
                self._check_not_future(values, col)
        if self.upn is not None and self.upn.column is not None:
            self._check_concealment(raw.column(self.upn.column))

    def _same(self, values: pa.Array, col: _Column, expected: _T | None, message: str) -> _T:
        """The one value every row has (and earlier batches had); else an error at the first
        row that differs."""
        if values.null_count:
            raise self._error(
                f"“{col.header}” is empty; Microsoft fills it on every row — the file was "
                "edited, download it again",
                _first(pc.is_null(values)),
            )
        value: _T = values[0].as_py() if expected is None else expected
        bounds = pc.min_max(values)
        if bounds["min"].as_py() != value or bounds["max"].as_py() != value:
            index = _first(pc.not_equal(values, pa.scalar(value, values.type)))
            found = values[index].as_py()
            raise self._error(message.format(header=col.header, found=found, first=value), index)
        return value

    def _check_not_negative(self, values: pa.Array, col: _Column) -> None:
        low = pc.min(values).as_py()
        if low is not None and low < 0:
            raise self._error(
                f"“{col.header}” is negative ({low}); counts cannot be below zero — the file was "
                "edited or damaged, download the report again",
                _first(pc.less(values, 0)),
            )

    def _check_not_future(self, values: pa.Array, col: _Column) -> None:
        high = pc.max(values).as_py()
        if high is not None and high > self.today:
            raise self._error(
                f"“{col.header}” is {high.isoformat()}, after today ({self.today.isoformat()}); "
                "a report cannot hold a date in the future — check the computer's clock and the "
                "file, and download the report again",
                _first(pc.greater(values, pa.scalar(self.today, pa.date32()))),
            )

    def _check_concealment(self, upns: pa.Array) -> None:
        """All user names concealed (32 hex characters) or none. The first batch decides, with
        the full pattern; later batches are screened by length, the pattern only where needed."""
        if self.hex_upns is None:
            hexes = pc.match_substring_regex(upns, _CONCEALED)
            mixed = pc.not_equal(hexes, hexes[0])
        elif self.hex_upns:
            mixed = pc.not_equal(pc.binary_length(upns), 32)
            if not pc.any(mixed).as_py():
                return
            mixed = pc.invert(pc.match_substring_regex(upns, _CONCEALED))
        else:
            candidates = pc.equal(pc.binary_length(upns), 32)
            if not pc.any(candidates).as_py():
                return
            mixed = pc.and_(candidates, pc.match_substring_regex(upns, _CONCEALED))
        if pc.any(mixed).as_py():
            raise self._error(
                "some user names are concealed (32-character codes) and others are not; this "
                "file was edited or concatenated from exports made with different report "
                "settings — ingest each downloaded report as it is",
                _first(mixed),
            )
        if self.hex_upns is None:
            self.hex_upns = bool(hexes[0].as_py())

    def _check_encoding(self, raw: pa.RecordBatch) -> None:
        """Text re-saved as Windows-1252 is still valid UTF-8; its tell-tale pairs give it away
        (the first batch is enough: a whole file is re-saved or not)."""
        names = [c.column for c in self.columns if c.kind == "string" and c.column is not None]
        if "display name" in self.extra:
            names.append(self.extra["display name"])
        for name in names:
            values = raw.column(name)
            if pc.all(pc.string_is_ascii(values)).as_py() is not False:
                continue  # the common case, and ten times faster than the pattern
            found = pc.match_substring_regex(values, _MOJIBAKE)
            if pc.any(found).as_py():
                raise self._error(_WINDOWS_1252, _first(found))

    def _seconds(self, text: pa.Array, col: _Column) -> pa.Array:
        """ISO-8601 durations (``PT1H2M3S``, ``P1DT2H``) to whole seconds, null for empty."""
        parts = pc.extract_regex(text, _ISO_DURATION)
        bad = pc.and_(pc.is_valid(text), pc.is_null(parts))
        if pc.any(bad).as_py():
            index = _first(bad)
            raise self._error(
                f"“{col.header}” is {_shown(text[index].as_py())}, not an ISO-8601 duration "
                "such as PT1H2M3S — download the report again",
                index,
            )
        total: pa.Array | None = None
        for part, scale in _DURATION_PARTS:
            digits = pc.binary_join_element_wise("0", pc.struct_field(parts, part), "")
            seconds = pc.multiply(pc.cast(digits, pa.int64()), scale)
            total = seconds if total is None else pc.add(total, seconds)
        return total

    def _activity_day(self, first: pa.RecordBatch | None) -> dt.date | None:
        """The day of a date-form file: the earliest last activity in its first batch."""
        if first is None:
            return None
        latest = self._latest_activity(first)
        day = None if latest is None else pc.min(latest).as_py()
        if day is None:
            raise ReportError(
                "this is a one-day report (Report Period 1) but no row has a last activity date, "
                "so its day is unknown; pull it again with Veikart's Microsoft Graph connection",
                file=self.file,
            )
        result: dt.date = day
        return result

    def _single_activity_day(self, first: pa.RecordBatch) -> dt.date | None:
        """The day every row was last active, if there is one (a one-day active-user file)."""
        latest = self._latest_activity(first)
        if latest is None or latest.null_count:
            return None
        bounds = pc.min_max(latest)
        low: dt.date = bounds["min"].as_py()
        return low if low == bounds["max"].as_py() else None

    def _latest_activity(self, raw: pa.RecordBatch) -> pa.Array | None:
        names = [
            c.column
            for c in self.columns
            if c.column is not None and c.field.name.endswith("last_activity_date")
        ]
        if not names:
            return None
        if len(names) == 1:
            return raw.column(names[0])
        return pc.max_element_wise(*(raw.column(n) for n in names), skip_nulls=True)

    def _zero_guids(self, first: pa.RecordBatch | None) -> bool:
        if first is None or "user id" not in self.extra:
            return False
        ids = first.column(self.extra["user id"])
        return bool(ids.null_count == 0 and pc.all(pc.equal(ids, _ZERO_GUID)).as_py())

    # -- errors

    def _error(self, message: str, index: int) -> ReportError:
        """An error at row ``index`` of the batch being checked (header = line 1)."""
        return ReportError(message, file=self.file, line=self.rows_before + index + 2)

    def _arrow_error(self, exc: Exception) -> ReportError:
        """Arrow's parse and conversion errors, said in our words (never quoting a row)."""
        row = self.bad_row
        if row is not None:
            cause = (
                "the file is cut short (an interrupted download) or was edited"
                if row.actual_columns < row.expected_columns
                else "a value with a comma is not quoted, or the file was edited"
            )
            return ReportError(
                f"this line has {row.actual_columns} values where the header has "
                f"{row.expected_columns}: {cause} — download the report again",
                file=self.file,
                line=row.number,
            )
        text = str(exc)
        match = _ARROW_ERROR.search(text)
        if match is not None:
            line = int(match["row"])
            header = self.headers[int(match["column"])]
            if match["value"] is None:
                return ReportError(
                    f"“{header}” is not UTF-8 text; Microsoft 365 reports are UTF-8 — the file "
                    "was probably saved as Windows-1252 by a spreadsheet program or is damaged; "
                    "download the report again and ingest it as it is",
                    file=self.file,
                    line=line,
                )
            expected = _EXPECTED.get(match["type"], f"a {match['type']} value")
            return ReportError(
                f"“{header}” is {_shown(match['value'])}, not {expected} — the file was edited "
                "or damaged; download the report again",
                file=self.file,
                line=line,
            )
        if isinstance(exc, OSError) and not isinstance(exc, pa.ArrowException):
            return ReportError(f"cannot be read ({exc})", file=self.file)
        found = _ARROW_ROW.search(text)
        return ReportError(
            "is not a well-formed CSV file — download the report again",
            file=self.file,
            line=int(found.group(1)) if found else None,
        )


_MIXED_REFRESH = (
    "mixed refresh dates: this file was edited or concatenated (“{header}” is {found} here but "
    "{first} above); ingest each downloaded report file as it is"
)
_MIXED_PERIOD = (
    "mixed report periods: this file was edited or concatenated (“{header}” is {found} here but "
    "{first} above); ingest each downloaded report file as it is"
)
_EXPECTED = {
    "int64": "a whole number",
    "bool": "True/False or Yes/No",
    "date32[day]": "a date written YYYY-MM-DD",
}


def _first(mask: pa.Array) -> int:
    """The index of the first true value of a boolean array (0 if none)."""
    index: int = pc.index(mask.fill_null(False), True).as_py()
    return max(index, 0)


def _shown(value: object) -> str:
    """A cell value fit for a message: never anything that could be a user name."""
    text = str(value)
    if "@" in text or len(text) > 40 or re.fullmatch(_CONCEALED, text):
        return "not valid"
    return f"“{text}”"
