"""The lake keeps one snapshot per key, replaces only with newer pulls, and writes atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from veikart.usage.contract import ReportInfo
from veikart.usage.lake import remove_stale_temporaries, report_glob, write_snapshot


def info(day: str, refresh: str, form: str = "date") -> ReportInfo:
    return ReportInfo(
        report="teams_user_detail",
        graph_name="getTeamsUserActivityUserDetail",
        form=form,  # type: ignore[arg-type]
        refresh_date=dt.date.fromisoformat(refresh),
        period_days=1 if form == "date" else 7,
        report_date=dt.date.fromisoformat(day) if form == "date" else None,
        concealed=False,
        header_version="test",
        unknown_columns=(),
    )


def batches(messages: list[int]) -> Iterator[pa.RecordBatch]:
    yield pa.RecordBatch.from_pydict(
        {"person": [f"p{i}" for i in range(len(messages))], "messages": messages}
    )


def keep(batch: pa.RecordBatch) -> pa.RecordBatch:
    return batch


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def total(root: Path) -> int:
    glob = report_glob(root, "teams_user_detail", "date")
    row = duckdb.execute("SELECT sum(messages) FROM read_parquet(?)", [glob]).fetchone()
    return int(row[0])  # type: ignore[index]  # type: ignore[index]


def test_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    first = write_snapshot(
        tmp_path, info("2020-03-16", "2020-03-18"), batches([1, 2]), sha256=sha("a"), transform=keep
    )
    before = first.path.read_bytes()
    again = write_snapshot(
        tmp_path, info("2020-03-16", "2020-03-18"), batches([1, 2]), sha256=sha("a"), transform=keep
    )
    assert (first.status, again.status) == ("written", "unchanged")
    assert first.path.read_bytes() == before and total(tmp_path) == 3


def test_a_newer_pull_of_the_same_day_replaces_the_older_and_never_the_reverse(
    tmp_path: Path,
) -> None:
    write_snapshot(
        tmp_path,
        info("2020-03-16", "2020-03-18"),
        batches([1, 2]),
        sha256=sha("old"),
        transform=keep,
    )
    newer = write_snapshot(
        tmp_path,
        info("2020-03-16", "2020-03-19"),
        batches([5, 5]),
        sha256=sha("new"),
        transform=keep,
    )
    older = write_snapshot(
        tmp_path,
        info("2020-03-16", "2020-03-17"),
        batches([9, 9]),
        sha256=sha("older"),
        transform=keep,
    )
    assert (newer.status, older.status) == ("replaced", "older")
    assert total(tmp_path) == 10


def test_period_and_date_snapshots_are_kept_apart(tmp_path: Path) -> None:
    write_snapshot(
        tmp_path, info("2020-03-16", "2020-03-18"), batches([1]), sha256=sha("d"), transform=keep
    )
    period = write_snapshot(
        tmp_path,
        info("2020-03-16", "2020-03-18", form="period"),
        batches([100]),
        sha256=sha("p"),
        transform=keep,
    )
    assert "form=period" in str(period.path)
    assert total(tmp_path) == 1


def test_a_failure_part_way_leaves_the_lake_byte_for_byte_unchanged(tmp_path: Path) -> None:
    first = write_snapshot(
        tmp_path, info("2020-03-16", "2020-03-18"), batches([1, 2]), sha256=sha("a"), transform=keep
    )
    before = first.path.read_bytes()

    def broken() -> Iterator[pa.RecordBatch]:
        yield from batches([7, 7])
        raise ValueError("line 250001: truncated")

    with pytest.raises(ValueError, match="truncated"):
        write_snapshot(
            tmp_path, info("2020-03-16", "2020-03-19"), broken(), sha256=sha("b"), transform=keep
        )
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in first.path.parent.iterdir()) == ["data.parquet"]


def test_temporaries_left_by_a_killed_writer_are_never_read_and_can_be_removed(
    tmp_path: Path,
) -> None:
    write_snapshot(
        tmp_path, info("2020-03-16", "2020-03-18"), batches([1]), sha256=sha("a"), transform=keep
    )
    stale = tmp_path / "teams_user_detail" / "form=date" / "day=2020-03-17" / ".data.parquet.9.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"PAR1 half a file")
    assert total(tmp_path) == 1
    assert remove_stale_temporaries(tmp_path) == 1 and not stale.exists()
