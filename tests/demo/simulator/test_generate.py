"""`veikart demo generate`: the whole simulation, as a user runs it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ARGS = ["--employees", "250", "--start", "2019-09-01", "--end", "2020-04-30"]


def generate(out: Path, *extra: str) -> str:
    buffer = io.StringIO()
    call_command("demo", "generate", *ARGS, *extra, "--out", str(out), stdout=buffer)
    return buffer.getvalue()


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a")
    generate(tmp_path / "b")
    first, second = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert first == second
    assert "truth.json" in first
    assert any(name.startswith("hr/") and name.endswith(".xlsx") for name in first)
    generate(tmp_path / "c", "--seed", "7")
    assert digests(tmp_path / "c") != first


def test_it_writes_every_report_and_the_truth(tmp_path: Path) -> None:
    output = generate(tmp_path)
    assert "truth.json" in output
    reports = {p.name for p in (tmp_path / "usage").iterdir()}
    assert {
        "getTeamsUserActivityUserDetail",
        "getEmailActivityUserDetail",
        "getOneDriveActivityUserDetail",
        "getSharePointActivityUserDetail",
        "getOffice365ActiveUserDetail",
        "getTeamsUserActivityCounts",
    } <= reports
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["config"]["employees"] == 250 and "effects" in truth and "training" in truth


def test_concealed_names_hide_every_user_principal_name(tmp_path: Path) -> None:
    generate(tmp_path, "--conceal-names")
    teams = sorted((tmp_path / "usage" / "getTeamsUserActivityUserDetail").iterdir())[-1]
    rows = list(csv.DictReader(io.StringIO(teams.read_text(encoding="utf-8-sig"))))
    assert rows and all(len(r["User Principal Name"]) == 32 for r in rows)
    assert not any("@" in r["User Principal Name"] for r in rows)


def test_it_refuses_an_end_before_the_start(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--end must be after --start"):
        call_command(
            "demo",
            "generate",
            "--start",
            "2020-01-01",
            "--end",
            "2019-01-01",
            "--out",
            str(tmp_path),
        )
