"""The training import: the simulator's files, bad rows, re-import, and the command."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import Org
from tests.trainings.conftest import simulation_config, training_files
from veikart.demo.simulator.behaviour import BehaviourParams, simulate
from veikart.demo.simulator.organisation import generate_population
from veikart.demo.simulator.programme import BASIC_COURSE
from veikart.organisations.models import Employee
from veikart.organisations.services import ImportRefused, UploadedFile
from veikart.trainings.models import Course, Enrolment, Session
from veikart.trainings.selectors import training_dates
from veikart.trainings.services import import_training

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


KURS = "kode;tittel;beskrivelse;format;varighet_minutter;forutsetning;målgruppe\r\n"
KURS += "TEAMS-GK;Teams grunnkurs;Chat og møter;klasserom;120;;Alle\r\n"
KURS += "TEAMS-FIL;Filer i Teams;OneDrive;teams;90;TEAMS-GK;Alle\r\n"
OKTER = "id;kurskode;start;slutt;sted;kursholder;kapasitet\r\n"
OKTER += "OKT-1;TEAMS-GK;2020-03-10T09:00:00+01:00;2020-03-10T11:00:00+01:00;Rådhuset;1001;2\r\n"
OKTER += "OKT-2;TEAMS-FIL;2020-03-11T09:00:00+01:00;2020-03-11T10:30:00+01:00;Teams;;\r\n"
PAMELDINGER = "okt_id;ansattnummer;påmeldt;status\r\n"
PAMELDINGER += "OKT-1;1003;2020-02-01;møtt\r\n"
PAMELDINGER += "OKT-1;1005;2020-02-02;ikke møtt\r\n"
PAMELDINGER += "OKT-1;1006;2020-02-03;venteliste\r\n"
PAMELDINGER += "OKT-1;1007;2020-02-04;venteliste\r\n"
PAMELDINGER += "OKT-2;1003;2020-03-01;møtt\r\n"


def files(
    pameldinger: str = PAMELDINGER, kurs: str = KURS, okter: str = OKTER
) -> list[UploadedFile]:
    return [
        UploadedFile("kurs.csv", ("\ufeff" + kurs).encode()),
        UploadedFile("kursokter.csv", okter.encode("cp1252")),  # Excel's Windows-1252 works too
        UploadedFile("pameldinger.csv", pameldinger.encode("utf-8")),
    ]


def snapshot() -> list[tuple[object, ...]]:
    return [
        *Course.objects.values_list(),
        *Session.objects.values_list(),
        *Enrolment.objects.order_by("pk").values_list(),
    ]


def test_the_simulators_training_files_import_without_problems(simulated_org: Path) -> None:
    preview = import_training(training_files(simulated_org), apply=False)
    assert preview.ok, preview.problems
    result = import_training(training_files(simulated_org), apply=True)
    with (simulated_org / "training" / "pameldinger.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert Enrolment.objects.count() == len(rows) == result.counts["enrolment_created"]
    assert result.counts == preview.counts


def test_training_dates_are_the_simulators_trained_on(simulated_org: Path) -> None:
    config = simulation_config()
    population = generate_population(config)
    panel, _truth = simulate(population, config, BehaviourParams())
    assert panel.trained_on is not None
    expected = {
        population.employee_number[i]: day.astype("datetime64[D]").item()
        for i, day in enumerate(panel.trained_on)
        if not np.isnat(day)
    }
    import_training(training_files(simulated_org), apply=True)
    numbers = dict(Employee.objects.values_list("pk", "employee_number"))
    dates = {numbers[pk]: day for pk, day in training_dates({BASIC_COURSE}).items()}
    assert expected and dates == expected


def test_re_importing_the_same_files_changes_nothing(org: Org) -> None:
    import_training(files(), apply=True)
    before = snapshot()
    again = import_training(files(), apply=True)
    assert again.changes == 0
    assert snapshot() == before


def test_it_imports_courses_sessions_and_the_waiting_list(org: Org) -> None:
    import_training(files(), apply=True)
    follow_up = Course.objects.get(code="TEAMS-FIL")
    assert follow_up.prerequisite is not None and follow_up.prerequisite.code == "TEAMS-GK"
    assert follow_up.format == "teams"
    session = Session.objects.get(code="OKT-1")
    assert session.trainer is not None and session.trainer.employee_number == "1001"
    assert Session.objects.get(code="OKT-2").capacity is None
    waiting = Enrolment.objects.filter(status="waitlisted").order_by("position")
    assert [(e.employee.employee_number, e.position) for e in waiting] == [
        ("1006", 1),
        ("1007", 2),
    ]


def test_a_changed_row_is_updated_on_re_import(org: Org) -> None:
    import_training(files(), apply=True)
    result = import_training(
        files(PAMELDINGER.replace("1005;2020-02-02;ikke møtt", "1005;2020-02-02;møtt")),
        apply=True,
    )
    assert result.counts["enrolment_changed"] == 1 and result.changes == 1
    assert Enrolment.objects.get(employee__employee_number="1005").status == "attended"


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            "OKT-1;9999;2020-02-05;venteliste",
            "pameldinger.csv, line 7, column ansattnummer: employee number '9999'",
        ),
        (
            "OKT-9;1004;2020-02-05;møtt",
            "pameldinger.csv, line 7, column okt_id: unknown session 'OKT-9'",
        ),
        ("OKT-1;1004;2020-02-05;påmeldt", "session OKT-1 has 3 people with a seat"),
        ("OKT-1;1003;2020-02-05;møtt", "1003 is enrolled in OKT-1 also on line 2"),
        ("OKT-1;1004;5. februar;møtt", "påmeldt must be a date"),
        ("OKT-1;1004;2020-02-05;kanskje", "unknown status 'kanskje'"),
    ],
)
def test_a_bad_row_refuses_the_whole_import(org: Org, bad_row: str, message: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_training(files(PAMELDINGER + bad_row + "\r\n"), apply=True)
    assert any(message in problem for problem in refused.value.problems), refused.value.problems
    assert snapshot() == []
    # The same files without the bad row import: the refusal was for that row alone.
    assert import_training(files(), apply=True).counts["enrolment_created"] == 5


def test_the_preview_lists_every_problem_with_file_line_and_column(org: Org) -> None:
    kurs = KURS.replace(
        "TEAMS-FIL;Filer i Teams;OneDrive;teams", "TEAMS-FIL;Filer;OneDrive;fjernkurs"
    )
    okter = OKTER.replace("OKT-1;TEAMS-GK", "OKT-1;TEAMS-XYZ")
    preview = import_training(files(kurs=kurs, okter=okter), apply=False)
    assert [str(p) for p in preview.problems] == [
        "kurs.csv, line 3, column format: unknown format 'fjernkurs'. Use klasserom, teams or "
        "e-læring.",
        "kursokter.csv, line 2, column kurskode: unknown course code 'TEAMS-XYZ'. Add the course "
        "to kurs.csv or correct the code.",
    ]
    assert snapshot() == []


@pytest.mark.parametrize(
    ("kurs", "okter", "message"),
    [
        (KURS.replace("Teams grunnkurs", "x" * 201), OKTER, "tittel is 201 characters long"),
        (KURS.replace(";Alle\r\n", f";{'x' * 301}\r\n", 1), OKTER, "målgruppe is 301"),
        (KURS, OKTER.replace("Rådhuset", "x" * 201), "column sted: sted is 201 characters"),
        (KURS.replace(";120;", ";²;"), OKTER, "varighet_minutter must be a whole number"),
        (KURS.replace(";120;", ";100001;"), OKTER, "more than a course can last"),
        (KURS, OKTER.replace(";1001;2\r\n", ";1001;³\r\n"), "kapasitet must be a whole number"),
        (KURS, OKTER.replace(";1001;2\r\n", ";1001;10001\r\n"), "more than Veikart accepts"),
    ],
)
def test_a_value_the_database_cannot_hold_is_refused(
    org: Org, kurs: str, okter: str, message: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_training(files(kurs=kurs, okter=okter), apply=True)
    assert any(message in problem for problem in refused.value.problems), refused.value.problems
    assert snapshot() == []


def test_a_nul_byte_further_down_a_file_is_refused_with_its_line(org: Org) -> None:
    kurs = (
        KURS
        + "".join(f"K{i};Kurs {i};;teams;60;;\r\n" for i in range(200))
        + "X;a\x00b;;teams;60;;"
    )
    with pytest.raises(ImportRefused) as refused:
        import_training([UploadedFile("kurs.csv", kurs.encode())], apply=True)
    assert refused.value.problems == [
        "kurs.csv, line 204: contains a NUL character (binary data), which Veikart cannot "
        "store. Remove it, or export the file again, and import it again."
    ]


def test_it_refuses_a_file_that_is_not_a_training_file(org: Org) -> None:
    with pytest.raises(ImportRefused, match="is not a training file"):
        import_training(
            [UploadedFile("ansatte.csv", b"ansattnummer;fornavn\r\n1;Kari\r\n")], apply=True
        )


def test_the_command_imports_and_its_dry_run_writes_nothing(org: Org, tmp_path: Path) -> None:
    paths = []
    for file in files():
        (tmp_path / file.name).write_bytes(file.data)
        paths.append(str(tmp_path / file.name))
    out = io.StringIO()
    call_command("import-training", *paths, "--dry-run", stdout=out)
    assert "Enrolments: 5 created, 0 changed" in out.getvalue()
    assert snapshot() == []
    call_command("import-training", *paths, stdout=out)
    assert Enrolment.objects.count() == 5


def test_the_command_refuses_bad_files_and_changes_nothing(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "pameldinger.csv"
    path.write_text(PAMELDINGER + "OKT-1;9999;2020-02-05;møtt\r\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("import-training", str(path), stderr=err, stdout=io.StringIO())
    assert "employee number '9999'" in err.getvalue()
    assert snapshot() == []
