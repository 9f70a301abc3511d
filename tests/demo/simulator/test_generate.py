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
    for folder in ("training", "systems", "roadmap"):
        assert any((tmp_path / folder).iterdir())
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


def test_daily_granularity_writes_date_form_files(tmp_path: Path) -> None:
    call_command(
        "demo",
        "generate",
        "--employees",
        "250",
        "--start",
        "2019-12-25",
        "--end",
        "2020-01-07",
        "--granularity",
        "daily",
        "--out",
        str(tmp_path),
        stdout=io.StringIO(),
    )
    names = sorted(
        p.name for p in (tmp_path / "usage" / "getTeamsUserActivityUserDetail").iterdir()
    )
    assert names[0] == "getTeamsUserActivityUserDetail_2019-12-25.csv" and len(names) == 14


def test_the_written_reports_carry_exactly_the_simulated_activity(tmp_path: Path) -> None:
    """File totals equal the panel: nothing is lost or invented between the model and the files."""
    import datetime as dt

    import numpy as np

    from veikart.demo.simulator.behaviour import simulate
    from veikart.demo.simulator.config import SimulationConfig
    from veikart.demo.simulator.organisation import generate_population
    from veikart.demo.simulator.reports import write_period_reports

    config = SimulationConfig(employees=250, start=dt.date(2019, 11, 1), end=dt.date(2020, 4, 30))
    population = generate_population(config)
    panel, _truth = simulate(population, config)
    write_period_reports(panel, population, config, tmp_path)
    folder = tmp_path / "usage" / "getTeamsUserActivityUserDetail"
    for t, end in enumerate(panel.period_end):
        day = str(np.datetime_as_string(end, unit="D"))
        rows = list(
            csv.DictReader(
                io.StringIO(
                    (folder / f"getTeamsUserActivityUserDetail_D7_{day}.csv").read_text(
                        encoding="utf-8-sig"
                    )
                )
            )
        )
        private = sum(int(r["Private Chat Message Count"]) for r in rows)
        deleted = {r["User Principal Name"] for r in rows if r["Is Deleted"] == "True"}
        assert len(rows) >= int(panel.licensed[:, t].sum()) - len(deleted)
        assert private == int(panel.metrics["teams_private_chat"][:, t].sum())


def test_a_span_that_misses_the_merger_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="before the merger"):
        call_command(
            "demo",
            "generate",
            "--start",
            "2020-02-01",
            "--end",
            "2020-04-30",
            "--out",
            str(tmp_path),
            stdout=io.StringIO(),
        )
