"""Training, systems and roadmap data: consistent with the panel, realistic, deterministic."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from veikart.demo.simulator.behaviour import DEFAULT_PARAMS, simulate
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import Panel, Population
from veikart.demo.simulator.organisation import generate_population
from veikart.demo.simulator.programme import (
    AGREEMENT_HEADER,
    BASIC_COURSE,
    COURSE_HEADER,
    DECISION_HEADER,
    ENROLMENT_HEADER,
    ROADMAP_HEADER,
    SESSION_HEADER,
    STATUSES,
    SYSTEM_HEADER,
    TARGET_HEADER,
    TARGET_METRICS,
    write_roadmap,
    write_systems,
    write_training,
)

CONFIG = SimulationConfig(employees=300)
Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def world() -> tuple[Population, Panel]:
    population = generate_population(CONFIG)
    panel, _truth = simulate(population, CONFIG)
    return population, panel


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, world: tuple[Population, Panel]) -> list[Path]:
    out = tmp_path_factory.mktemp("programme")
    population, panel = world
    return (
        write_training(population, panel, CONFIG, out)
        + write_systems(CONFIG, out)
        + write_roadmap(CONFIG, out)
    )


def read(files: list[Path], name: str) -> Rows:
    (path,) = [p for p in files if p.name == name]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def digests(paths: list[Path], root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_every_file_is_written_with_bom_semicolons_and_its_header(files: list[Path]) -> None:
    headers = {
        "training/kurs.csv": COURSE_HEADER,
        "training/kursokter.csv": SESSION_HEADER,
        "training/pameldinger.csv": ENROLMENT_HEADER,
        "systems/systemer.csv": SYSTEM_HEADER,
        "systems/beslutninger.csv": DECISION_HEADER,
        "roadmap/veikart.csv": ROADMAP_HEADER,
        "roadmap/mål.csv": TARGET_HEADER,
        "roadmap/arbeidsavtale.csv": AGREEMENT_HEADER,
    }
    written = {f"{p.parent.name}/{p.name}": p for p in files}
    assert set(written) == set(headers)
    for name, header in headers.items():
        raw = written[name].read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        first = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
        assert first == ";".join(header), name
        assert len(read(files, written[name].name)) > 0, name


def test_the_same_seed_writes_identical_bytes(
    tmp_path: Path, world: tuple[Population, Panel]
) -> None:
    population, panel = world

    def run(out: Path, config: SimulationConfig) -> dict[str, str]:
        paths = (
            write_training(population, panel, config, out)
            + write_systems(config, out)
            + write_roadmap(config, out)
        )
        return digests(paths, out)

    first = run(tmp_path / "a", CONFIG)
    assert run(tmp_path / "b", CONFIG) == first
    other = run(tmp_path / "c", SimulationConfig(employees=300, seed=8))
    assert other["training/pameldinger.csv"] != first["training/pameldinger.csv"]


def test_every_trained_person_attended_one_basic_session_on_the_training_day(
    files: list[Path], world: tuple[Population, Panel]
) -> None:
    population, panel = world
    assert panel.trained_on is not None
    sessions = {row["id"]: row for row in read(files, "kursokter.csv")}
    attended: dict[str, list[str]] = defaultdict(list)
    for row in read(files, "pameldinger.csv"):
        if row["status"] == "møtt" and sessions[row["okt_id"]]["kurskode"] == BASIC_COURSE:
            attended[row["ansattnummer"]].append(sessions[row["okt_id"]]["start"][:10])
    expected = {
        population.employee_number[i]: str(panel.trained_on[i])
        for i in range(len(population))
        if not np.isnat(panel.trained_on[i])
    }
    assert len(expected) > 20
    assert set(attended) == set(expected)
    for number, days in attended.items():
        assert days == [expected[number]], number


def test_no_session_exceeds_its_capacity_and_basic_sessions_use_the_behaviour_seats(
    files: list[Path],
) -> None:
    sessions = read(files, "kursokter.csv")
    seats = Counter(
        row["okt_id"]
        for row in read(files, "pameldinger.csv")
        if row["status"] in ("møtt", "ikke møtt")
    )
    for session in sessions:
        if session["kurskode"] == BASIC_COURSE:
            assert session["kapasitet"] == str(DEFAULT_PARAMS.seats_per_session)
        if session["kapasitet"]:
            assert seats[session["id"]] <= int(session["kapasitet"]), session
        else:
            assert session["sted"] == "Læringsportalen"


def test_enrolments_name_real_people_and_sessions_once_each(
    files: list[Path], world: tuple[Population, Panel]
) -> None:
    population, _panel = world
    numbers = set(population.employee_number)
    start = dict(zip(population.employee_number, population.start.astype(str), strict=True))
    sessions = {row["id"]: row for row in read(files, "kursokter.csv")}
    courses = {row["kode"]: row for row in read(files, "kurs.csv")}
    enrolments = read(files, "pameldinger.csv")
    assert {row["status"] for row in enrolments} <= set(STATUSES)
    assert Counter(row["status"] for row in enrolments).keys() >= {"møtt", "ikke møtt", "avmeldt"}
    pairs = Counter((row["okt_id"], row["ansattnummer"]) for row in enrolments)
    assert max(pairs.values()) == 1
    for row in enrolments:
        assert row["ansattnummer"] in numbers
        session = sessions[row["okt_id"]]
        open_window = courses[session["kurskode"]]["format"] == "e-læring"
        latest = session["slutt" if open_window else "start"][:10]
        assert start[row["ansattnummer"]] <= row["påmeldt"] <= latest
    for session in sessions.values():
        assert session["kurskode"] in courses
        if session["kursholder"]:
            assert session["kursholder"] in numbers
            assert (session["id"], session["kursholder"]) not in pairs
        else:
            assert courses[session["kurskode"]]["format"] == "e-læring"
    for course in courses.values():
        assert course["format"] in ("klasserom", "teams", "e-læring")
        assert course["forutsetning"] in ("", *courses)


def test_sessions_are_on_working_days_in_working_hours(files: list[Path]) -> None:
    for session in read(files, "kursokter.csv"):
        start = dt.datetime.fromisoformat(session["start"])
        end = dt.datetime.fromisoformat(session["slutt"])
        assert start.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
        assert start < end and start.weekday() < 5 and end.weekday() < 5
        assert dt.time(8, 0) <= start.time() and end.time() <= dt.time(16, 0), session


def test_follow_up_courses_come_after_the_basic_course(
    files: list[Path], world: tuple[Population, Panel]
) -> None:
    population, panel = world
    assert panel.trained_on is not None
    trained = {
        population.employee_number[i]: str(panel.trained_on[i])
        for i in range(len(population))
        if not np.isnat(panel.trained_on[i])
    }
    sessions = {row["id"]: row for row in read(files, "kursokter.csv")}
    prerequisite = {row["kode"]: row["forutsetning"] for row in read(files, "kurs.csv")}
    follow_ups = 0
    for row in read(files, "pameldinger.csv"):
        session = sessions[row["okt_id"]]
        if prerequisite[session["kurskode"]] == BASIC_COURSE and row["status"] == "møtt":
            follow_ups += 1
            assert trained[row["ansattnummer"]] < session["start"][:10]
    assert follow_ups > 10


def test_moss_and_rygge_inventories_overlap_in_many_categories(files: list[Path]) -> None:
    systems = read(files, "systemer.csv")
    by_org = Counter(row["tidligere_organisasjon"] for row in systems)
    assert set(by_org) == {"moss", "rygge"}
    assert 40 <= by_org["moss"] <= 70 and 40 <= by_org["rygge"] <= 70
    categories = {
        org: {row["kategori"] for row in systems if row["tidligere_organisasjon"] == org}
        for org in by_org
    }
    shared = categories["moss"] & categories["rygge"]
    assert {"sak/arkiv", "økonomi", "HR/lønn", "pleie og omsorg", "oppvekst"} <= shared
    assert len(shared) >= 8
    names = {
        org: {r["navn"] for r in systems if r["tidligere_organisasjon"] == org} for org in by_org
    }
    assert len(names["moss"] & names["rygge"]) >= 5  # the same product in both
    for row in systems:
        assert int(row["brukere"]) >= 1 and int(row["årlig_kostnad_nok"]) >= 0
        assert row["databehandleravtale"] in ("ja", "nei", "under arbeid")
        if row["kontrakt_utløper"]:
            dt.date.fromisoformat(row["kontrakt_utløper"])


def test_every_system_has_one_decision_and_decisions_name_inventory_systems(
    files: list[Path],
) -> None:
    systems = read(files, "systemer.csv")
    decisions = read(files, "beslutninger.csv")
    names = {row["navn"] for row in systems}
    decided = Counter(row["system"] for row in decisions)
    assert set(decided) == names and max(decided.values()) == 1
    category = {row["navn"]: row["kategori"] for row in systems}
    for row in decisions:
        assert row["kategori"] == category[row["system"]]
        kind = row["beslutning"]
        assert kind in ("behold", "avvikle", "slå sammen") or kind.startswith("erstatt med ")
        assert "2018-01-01" <= row["beslutningsdato"] <= "2019-12-31"
        assert row["status"] in ("gjennomført", "pågår", "planlagt")
        dt.date.fromisoformat(row["migreringsmilepæl"][:10])
    by_system = {row["system"]: row["beslutning"] for row in decisions}
    assert by_system["Microsoft Exchange Server 2013 (lokalt)"] == "erstatt med Exchange Online"
    assert by_system["Filservere (Windows Server 2012 R2)"].startswith("erstatt med OneDrive")
    assert "Teams" in by_system["Filservere (Windows Server 2008 R2)"]
    assert by_system["Skype for Business Server 2015"] == "erstatt med Microsoft Teams"


def test_the_roadmap_refers_to_decided_systems_known_courses_and_metrics(
    files: list[Path],
) -> None:
    decided = {row["system"] for row in read(files, "beslutninger.csv")}
    courses = {row["kode"] for row in read(files, "kurs.csv")}
    initiatives = read(files, "veikart.csv")
    assert any(
        row["tiltak"] == "Teams som hovedkanal for intern kommunikasjon" for row in initiatives
    )
    for row in initiatives:
        assert "2018-01-01" <= row["start"] <= row["slutt"] <= "2021-12-31"
        for name in filter(None, row["avhenger_av_systemer"].split("|")):
            assert name in decided
        for code in filter(None, row["avhenger_av_kurs"].split("|")):
            assert code in courses
        for milestone in row["milepæler"].split("|"):
            dt.date.fromisoformat(milestone[:10])
    ids = {row["id"] for row in initiatives}
    for target in read(files, "mål.csv"):
        assert target["tiltak"] in ids
        key, _, course = target["nøkkel"].partition(":")
        assert key in TARGET_METRICS and (not course or course in courses)
        assert target["retning"] in ("minst", "høyst")
        float(target["terskel"])
    tools = {row["verktøy"] for row in read(files, "arbeidsavtale.csv")}
    assert {"Teams-chat", "OneDrive", "E-post (Outlook)"} <= tools
