"""Importing inventories and decisions: the simulator's files, every bad file, idempotence."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook

from tests.conftest import DATA, Org
from tests.systems.conftest import csv_file, read_file, rows_of
from veikart.core.models import AuditEvent
from veikart.organisations.services import ImportRefused, UploadedFile
from veikart.systems import services
from veikart.systems.constants import Category, DecisionKind, DecisionStatus, DpaStatus
from veikart.systems.models import Decision, System

HEADER = [
    "tidligere_organisasjon",
    "navn",
    "leverandør",
    "kategori",
    "brukere",
    "eier",
    "kontrakt_utløper",
    "årlig_kostnad_nok",
    "databehandleravtale",
    "integrasjoner",
]
GOOD = {
    "tidligere_organisasjon": "moss",
    "navn": "ePhorte",
    "leverandør": "Evry",
    "kategori": "sak/arkiv",
    "brukere": "630",
    "eier": "Dokumentsenteret",
    "kontrakt_utløper": "2020-06-30",
    "årlig_kostnad_nok": "850000",
    "databehandleravtale": "ja",
    "integrasjoner": "KS SvarUt|eInnsyn",
}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English here; bokmål is the translators' business."""
    with translation.override("en"):
        yield


def state() -> tuple[list[Any], list[Any], list[Any]]:
    """Everything stored, to compare before and after a refused import."""
    systems = list(System.objects.order_by("pk").values_list())
    decisions = list(Decision.objects.order_by("pk").values_list())
    links = list(Decision.replacement_systems.through.objects.order_by("pk").values_list())
    return systems, decisions, links


def inventory(*rows: dict[str, str], name: str = "systemer.csv") -> UploadedFile:
    return UploadedFile(name, csv_file(name, HEADER, [{**GOOD, **r} for r in rows]))


def refused(org: Org, files: list[UploadedFile]) -> list[str]:
    """The problems of a preview (or of reading the files), after checking applying changes
    nothing."""
    before = state()
    try:
        plan = services.preview_import(org.organisation, files)  # type: ignore[arg-type]
        problems = [str(p) for p in plan.problems]
    except ImportRefused as exc:
        problems = exc.problems
    with pytest.raises(ImportRefused):
        services.apply_import(org.organisation, files)  # type: ignore[arg-type]
    assert state() == before
    return problems


def test_it_imports_both_simulated_inventories_and_shows_the_overlaps_first(
    org: Org, inventories: list[UploadedFile], simulated_systems: Path
) -> None:
    source_rows = rows_of(read_file(simulated_systems, "systemer.csv"))
    plan = services.preview_import(org.organisation, inventories)  # type: ignore[arg-type]
    assert plan.ok and System.objects.count() == 0
    assert plan.count("created", "system") == len(source_rows)
    assert plan.overlaps is not None
    both = {
        r["kategori"]
        for r in source_rows
        if {x["tidligere_organisasjon"] for x in source_rows if x["kategori"] == r["kategori"]}
        == {"moss", "rygge"}
    }
    # Every category both ran is an overlap unless the two ran exactly the same products.
    assert len(plan.overlaps.categories) == len(both)
    nav = plan.overlaps.get(Category.WELFARE)
    assert nav is not None and not nav.overlap and nav.shared == ("Socio",)
    archive = plan.overlaps.get(Category.CASE_ARCHIVE)
    assert archive is not None and archive.decision_needed
    assert "ePhorte" in archive.undecided and "Public 360" in archive.undecided
    assert plan.overlaps.needing_decision == plan.overlaps.overlapping == len(both) - 1

    services.apply_import(org.organisation, inventories)  # type: ignore[arg-type]
    assert System.objects.count() == len(source_rows)
    ephorte = System.objects.get(name="ePhorte")
    assert ephorte.former_organisation.code == "moss"  # type: ignore[union-attr]
    assert ephorte.category == Category.CASE_ARCHIVE
    assert ephorte.dpa_status == DpaStatus.YES
    row = next(r for r in source_rows if r["navn"] == "ePhorte")
    assert ephorte.yearly_cost_nok == Decimal(row["årlig_kostnad_nok"])
    assert ephorte.users == int(row["brukere"])
    assert ephorte.contract_end == dt.date.fromisoformat(row["kontrakt_utløper"])
    assert ephorte.integrations == row["integrasjoner"].split("|")
    notus = System.objects.get(name="Notus turnus")
    assert notus.dpa_status == DpaStatus.IN_PROGRESS
    assert AuditEvent.objects.filter(action="systems.import").count() == 1


def test_it_imports_the_decisions_and_adds_the_microsoft_365_workloads_they_choose(
    org: Org, inventories: list[UploadedFile], decisions_file: UploadedFile
) -> None:
    services.apply_import(org.organisation, inventories)  # type: ignore[arg-type]
    plan = services.apply_import(org.organisation, [decisions_file])  # type: ignore[arg-type]
    decided = rows_of(decisions_file)
    assert Decision.objects.count() == len(decided)
    assert not System.objects.filter(former_organisation__isnull=False, decision=None).exists()
    assert plan.overlaps is not None and plan.overlaps.needing_decision == 0

    files = Decision.objects.get(system_name="Filservere (Windows Server 2012 R2)")
    assert files.kind == DecisionKind.REPLACE
    assert files.replacement == "OneDrive og Microsoft Teams"
    assert sorted(s.name for s in files.replacement_systems.all()) == [
        "Microsoft Teams",
        "OneDrive",
    ]
    assert files.milestone_date is not None and files.milestone_text
    merged = System.objects.filter(former_organisation=None)
    for workload in ("Microsoft Teams", "OneDrive", "Exchange Online", "SharePoint Online"):
        system = merged.get(name=workload)
        assert system.is_m365_workload and system.category == Category.COLLABORATION
    for legacy in (
        "Filservere (Windows Server 2012 R2)",
        "Microsoft Exchange Server 2010 (lokalt)",
    ):
        assert System.objects.get(name=legacy).is_m365_workload
    svarut = Decision.objects.get(system_name="KS SvarUt")
    assert svarut.kind == DecisionKind.MERGE and svarut.systems.count() == 2
    assert {d.status for d in Decision.objects.all()} <= set(DecisionStatus.values)


def test_inventories_and_decisions_can_be_imported_in_one_upload_and_again_without_change(
    org: Org, simulated_systems: Path, decisions_file: UploadedFile
) -> None:
    files = [decisions_file, read_file(simulated_systems, "systemer.csv")]  # any order
    first = services.apply_import(org.organisation, files)  # type: ignore[arg-type]
    assert first.count("created", "decision") == len(rows_of(decisions_file))
    before = state()
    again = services.preview_import(org.organisation, files)  # type: ignore[arg-type]
    assert again.ok and again.changes == []
    services.apply_import(org.organisation, files)  # type: ignore[arg-type]
    assert state() == before


def test_a_changed_value_is_shown_as_a_change_from_the_stored_value(org: Org) -> None:
    services.apply_import(org.organisation, [inventory({})])  # type: ignore[arg-type]
    plan = services.preview_import(
        org.organisation,  # type: ignore[arg-type]
        [inventory({"årlig_kostnad_nok": "900 000", "kategori": "Sak og arkiv"})],
    )
    assert [(c.action, c.label) for c in plan.changes] == [
        ("changed", "ePhorte (Moss kommune (til 2020))")
    ]
    assert plan.changes[0].values == (("yearly cost (NOK)", "850000", "900000"),)


def test_it_accepts_a_cp1252_file_as_norwegian_excel_saves_it(org: Org) -> None:
    text = (
        ";".join(HEADER) + "\r\n" + "rygge;Økonomisystem Å;Visma;økonomi;12;Økonomi;;1 200;nei;\r\n"
    )
    file = UploadedFile("systemer.csv", text.encode("cp1252"))
    services.apply_import(org.organisation, [file])  # type: ignore[arg-type]
    system = System.objects.get()
    assert system.name == "Økonomisystem Å" and system.owner == "Økonomi"
    assert system.yearly_cost_nok == Decimal("1200") and system.dpa_status == DpaStatus.NO


def test_it_reads_the_same_columns_from_an_xlsx_sheet(org: Org) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Systemer"
    sheet.append(HEADER)
    sheet.append(["moss", "ePhorte", "Evry", "sak/arkiv", 630, "Dokumentsenteret",
                  dt.date(2020, 6, 30), 850000, "ja", "KS SvarUt|eInnsyn"])  # fmt: skip
    notes = workbook.create_sheet("Notater")
    notes.append(["Hvem", "Hva"])
    notes.append(["Ida", "Sjekket mot fakturaer"])
    out = io.BytesIO()
    workbook.save(out)
    services.apply_import(
        org.organisation,  # type: ignore[arg-type]
        [UploadedFile("systemer.xlsx", out.getvalue())],
    )
    system = System.objects.get()
    assert system.contract_end == dt.date(2020, 6, 30) and system.users == 630
    assert system.integrations == ["KS SvarUt", "eInnsyn"]


def test_a_file_without_the_former_organisation_column_uses_the_one_chosen(org: Org) -> None:
    header = [h for h in HEADER if h != "tidligere_organisasjon"]
    file = UploadedFile("rygge.csv", csv_file("rygge.csv", header, [GOOD]))
    problems = refused(org, [file])
    assert any("tidligere_organisasjon" in p and "choose" in p for p in problems)
    rygge = org.organisation.former_organisations.get(code="rygge")  # type: ignore[attr-defined]
    services.apply_import(org.organisation, [file], default_former=rygge)  # type: ignore[arg-type]
    assert System.objects.get().former_organisation == rygge


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"tidligere_organisasjon": "fredrikstad"}, "line 2, column tidligere_organisasjon: "
         "unknown former organisation “fredrikstad”. Veikart knows moss"),
        ({"kategori": "diverse"}, "line 2, column kategori: unknown category “diverse”. Use one "
         "of: sak/arkiv, økonomi, HR/lønn"),
        ({"kontrakt_utløper": "31.02.2020"}, "line 2, column kontrakt_utløper: “31.02.2020” is "
         "not a date"),
        ({"årlig_kostnad_nok": "-5000"}, "line 2, column årlig_kostnad_nok: the yearly cost "
         "-5000 is negative"),
        ({"årlig_kostnad_nok": "mye"}, "line 2, column årlig_kostnad_nok: “mye” is not an amount"),
        ({"brukere": "ca. 40"}, "line 2, column brukere: “ca. 40” is not a whole number"),
        ({"brukere": "²"}, "line 2, column brukere: “²” is not a whole number"),
        ({"brukere": "20000000"}, "line 2, column brukere: 20000000 users is more than Veikart "
         "accepts (at most 10000000)"),
        ({"databehandleravtale": "kanskje"}, "line 2, column databehandleravtale: “kanskje” is "
         "not one of ja, nei, under arbeid, ukjent"),
        ({"navn": ""}, "line 2, column navn: the system has no name"),
    ],
)  # fmt: skip
def test_a_bad_value_is_refused_with_file_line_and_column(
    org: Org, row: dict[str, str], expected: str
) -> None:
    services.apply_import(org.organisation, [inventory({"navn": "Kept"})])  # type: ignore[arg-type]
    problems = refused(org, [inventory(row)])
    assert len(problems) == 1 and problems[0].startswith(f"systemer.csv, {expected}"), problems


def test_every_problem_of_a_file_is_listed_not_just_the_first(org: Org) -> None:
    problems = refused(
        org,
        [
            inventory(
                {"kategori": "diverse"}, {"navn": "B", "brukere": "x", "kontrakt_utløper": "?"}
            )
        ],
    )
    assert [p.split(":")[0] for p in problems] == [
        "systemer.csv, line 2, column kategori",
        "systemer.csv, line 3, column brukere",
        "systemer.csv, line 3, column kontrakt_utløper",
    ]


def test_a_duplicate_row_is_refused_naming_the_first(org: Org) -> None:
    problems = refused(org, [inventory({}, {"navn": "EPHORTE"})])
    assert problems == [
        "systemer.csv, line 3, column navn: EPHORTE appears twice for the same former "
        "organisation (first at systemer.csv:2). Keep one line per system and former organisation."
    ]


def test_the_same_name_in_two_former_organisations_is_two_systems(org: Org) -> None:
    services.apply_import(
        org.organisation,  # type: ignore[arg-type]
        [inventory({}, {"tidligere_organisasjon": "Rygge"})],
    )
    assert System.objects.filter(name="ePhorte").count() == 2


def test_a_file_with_wrong_columns_is_refused_with_the_expected_columns(org: Org) -> None:
    file = UploadedFile("systemer.csv", "navn;leverandør\r\nePhorte;Evry\r\n".encode())
    problems = refused(org, [file])
    assert problems == [
        "systemer.csv looks like a system inventory but lacks the column(s) kategori. Its first "
        "line must hold: tidligere_organisasjon;navn;leverandør;kategori;brukere;eier;"
        "kontrakt_utløper;årlig_kostnad_nok;databehandleravtale;integrasjoner;microsoft_365."
    ]
    other = UploadedFile("liste.csv", b"a;b;c\r\n1;2;3\r\n")
    assert "is not a system inventory or a list of decisions" in refused(org, [other])[0]


def test_an_hr_file_uploaded_by_mistake_is_recognised(org: Org) -> None:
    hr = UploadedFile("ansatte.csv", (DATA / "ansatte.csv").read_bytes())
    (problem,) = refused(org, [hr])
    assert problem.startswith("ansatte.csv is an HR export (employees or units)")
    assert "Organisation → Import HR data" in problem


def test_empty_binary_and_old_excel_files_are_refused(org: Org) -> None:
    problems = refused(
        org,
        [
            UploadedFile("tom.csv", b"\xef\xbb\xbf\r\n"),
            UploadedFile("bilde.csv", b"\x89PNG\x00\x00\x00"),
            UploadedFile("gammel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"),
        ],
    )
    assert problems[0] == "tom.csv is empty."
    assert "not a text file" in problems[1]
    assert ".xls" in problems[2]


def test_a_nul_byte_further_down_the_file_is_refused_with_its_line(org: Org) -> None:
    rows = [{"navn": f"System {i}"} for i in range(100)]
    data = inventory(*rows).data + b"moss;a\x00b;sak/arkiv\r\n"
    assert len(data) > 4096
    [problem] = refused(org, [UploadedFile("systemer.csv", data)])
    assert problem.startswith("systemer.csv, line 102: contains a NUL character"), problem


def test_a_decision_for_an_unknown_system_or_with_a_bad_word_is_refused(org: Org) -> None:
    services.apply_import(org.organisation, [inventory({})])  # type: ignore[arg-type]
    header = ["system", "kategori", "beslutning", "begrunnelse", "ansvarlig", "beslutningsdato",
              "status", "migreringsmilepæl"]  # fmt: skip
    rows = [
        {"system": "Lotus Notes", "beslutning": "avvikle", "beslutningsdato": "2019-01-01"},
        {"system": "ePhorte", "beslutning": "erstatt", "beslutningsdato": "2019-01-01"},
        {"system": "ePhorte", "beslutning": "kast", "beslutningsdato": "2019-01-01"},
        {"system": "ePhorte", "beslutning": "behold", "beslutningsdato": "2999-01-01"},
        {"system": "ePhorte", "beslutning": "behold", "beslutningsdato": "2019-05-01",
         "migreringsmilepæl": "2019-01-01: for tidlig"},
        {"system": "ePhorte", "beslutning": "behold", "beslutningsdato": "2019-05-01",
         "status": "snart"},
    ]  # fmt: skip
    file = UploadedFile("beslutninger.csv", csv_file("beslutninger.csv", header, rows))
    problems = refused(org, [file])
    assert problems[0].startswith(
        "beslutninger.csv, line 2, column system: no system named “Lotus Notes” in the inventory"
    )
    assert problems[1].startswith("beslutninger.csv, line 3, column beslutning: “erstatt” does "
                                  "not say what replaces the system")  # fmt: skip
    assert problems[2].startswith("beslutninger.csv, line 4, column beslutning: “kast” is not a")
    assert problems[3].startswith("beslutninger.csv, line 5, column beslutningsdato: The "
                                  "decision date")  # fmt: skip
    assert "in the future" in problems[3]
    assert problems[4].startswith("beslutninger.csv, line 6, column migreringsmilepæl: The "
                                  "migration milestone")  # fmt: skip
    assert problems[5].startswith("beslutninger.csv, line 7, column status: “snart” is not one")
    assert len(problems) == 6


def test_a_second_decision_for_the_same_system_is_refused(org: Org) -> None:
    services.apply_import(org.organisation, [inventory({})])  # type: ignore[arg-type]
    header = ["system", "beslutning", "beslutningsdato"]
    rows = [
        {"system": "ePhorte", "beslutning": "behold", "beslutningsdato": "2019-01-01"},
        {"system": "ephorte", "beslutning": "avvikle", "beslutningsdato": "2019-01-01"},
    ]
    file = UploadedFile("beslutninger.csv", csv_file("beslutninger.csv", header, rows))
    (problem,) = refused(org, [file])
    assert problem.startswith("beslutninger.csv, line 3, column system: a second decision")


def test_the_demo_loader_applies_the_simulated_folder_once(
    org: Org, simulated_systems: Path
) -> None:
    changed = services.load_demo_systems(simulated_systems)
    assert changed == System.objects.count() + Decision.objects.count()
    assert services.load_demo_systems(simulated_systems) == 0


def test_the_command_line_previews_with_dry_run_and_then_applies(
    org: Org, simulated_systems: Path, tmp_path: Path
) -> None:
    from django.core.management import CommandError, call_command

    files = [str(simulated_systems / "systems" / n) for n in ("systemer.csv", "beslutninger.csv")]
    out = io.StringIO()
    call_command("import-systems", *files, "--dry-run", stdout=out)
    assert "Overlapping categories: 12, of which 0 need a decision" in out.getvalue()
    assert not System.objects.exists()
    call_command("import-systems", *files, "--user", "ida", stdout=io.StringIO())
    assert Decision.objects.count() == len(
        rows_of(read_file(simulated_systems, "beslutninger.csv"))
    )
    with pytest.raises(CommandError, match="No former organisation"):
        call_command("import-systems", *files, "--former", "halden", stdout=io.StringIO())
    bad = tmp_path / "bad.csv"
    bad.write_text("navn;kategori\nX;diverse\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("import-systems", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
