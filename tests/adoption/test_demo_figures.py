"""The simulated municipality end to end — HR import, training import, ingest of the real report
files, the automatic compute — against figures worked out independently from the raw files with
the csv module: the HR snapshot says who worked where, the report files what they did."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from django.test import override_settings

from veikart.adoption.models import Figure
from veikart.demo.services import import_simulated_organisation, import_simulated_training
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.organisations.models import Unit
from veikart.usage.services import ingest_paths

CONFIG = SimulationConfig(employees=250, start=dt.date(2019, 11, 1), end=dt.date(2020, 2, 29))
WEEK = dt.date(2020, 1, 6)  # the first whole week after the merger (HR snapshot of 1 January)
K = 5


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-figures")
    generate(CONFIG, out)
    return out


def read(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def independent(folder: Path) -> dict[str, tuple[int, float, float]]:
    """Unit code ("" for the organisation) -> (n, Teams messages per person, e-mail→Teams
    shift), for WEEK, from the HR snapshot and the two report files alone."""
    thursday = WEEK + dt.timedelta(days=3)
    units = read(folder / "hr" / "2020-01-01" / "enheter.csv", ";")
    parent = {u["enhetskode"]: u["overordnet_enhetskode"] for u in units}

    def ancestors(code: str) -> list[str]:
        chain = [""]
        while code:
            chain.append(code)
            code = parent[code]
        return chain

    # Where people worked: the snapshot of 1 January. When they left: the latest snapshot that
    # lists them (a later export knows of departures the earlier one could not).
    ending = {}
    for snapshot in sorted((folder / "hr").iterdir()):
        for person in read(snapshot / "ansatte.csv", ";"):
            ending[person["ansattnummer"]] = person["sluttdato"]
    members: dict[str, list[str]] = defaultdict(list)
    for person in read(folder / "hr" / "2020-01-01" / "ansatte.csv", ";"):
        start, end = person["startdato"], ending[person["ansattnummer"]]
        if start and dt.date.fromisoformat(start) > thursday:
            continue
        if end and dt.date.fromisoformat(end) < thursday:
            continue
        for code in ancestors(person["enhetskode"]):
            members[code].append(person["brukernavn"].lower())
    refresh = WEEK + dt.timedelta(days=6)
    usage = folder / "usage"
    teams_file = (
        usage
        / "getTeamsUserActivityUserDetail"
        / (f"getTeamsUserActivityUserDetail_D7_{refresh}.csv")
    )
    email_file = (
        usage / "getEmailActivityUserDetail" / (f"getEmailActivityUserDetail_D7_{refresh}.csv")
    )
    messages = {
        r["User Principal Name"].lower(): int(r["Team Chat Message Count"])
        + int(r["Private Chat Message Count"])
        for r in read(teams_file)
    }
    sent = {r["User Principal Name"].lower(): int(r["Send Count"]) for r in read(email_file)}
    result = {}
    for code, upns in members.items():
        teams = sum(messages.get(upn, 0) for upn in upns)
        mail = sum(sent.get(upn, 0) for upn in upns)
        result[code] = (len(upns), teams / len(upns), teams / (teams + mail))
    return result


@override_settings(MIN_GROUP_SIZE=K)
def test_stored_figures_equal_an_independent_computation_from_the_raw_files(
    db: None, simulated: Path
) -> None:
    import_simulated_organisation(simulated, CONFIG)
    import_simulated_training(simulated)
    summary = ingest_paths([simulated / "usage"], source="demo")
    assert summary.ok and summary.computed is not None and summary.computed["full"]

    expected = independent(simulated)
    stored = {
        (f.unit.code if f.unit else ""): f
        for f in Figure.objects.filter(grain="week", period=WEEK)
        .filter(breakdown__in=["", "unit_subtree"])
        .select_related("unit")
    }
    assert set(stored) == set(expected)
    shown = 0
    for code, (n, per_person, shift) in expected.items():
        figure = stored[code]
        assert figure.n == n, code
        if n < K:
            assert not figure.visible
        if figure.visible:
            shown += 1
            assert figure.values["teams_messages_per_person"] == pytest.approx(per_person), code
            assert figure.values["email_to_teams_shift"] == pytest.approx(shift), code
        else:
            assert figure.values == {}
    assert stored[""].visible and shown >= len(expected) // 2
    assert Unit.objects.filter(code__in=list(expected)[1:]).count() == len(expected) - 1
    # Training came in through the real import: some people are already trained.
    trained = Figure.objects.get(
        grain="week", period=WEEK, breakdown="training_status", attribute="trained"
    )
    assert trained.n > 0
