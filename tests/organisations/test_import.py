"""HR import: what a programme lead or IT person experiences with real-world files."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils import translation
from openpyxl import Workbook

from tests.conftest import AS_OF, Org, data_file
from veikart.core.pseudonyms import pseudonym
from veikart.organisations.models import (
    Assignment,
    Employee,
    EmployeeIdentity,
    ImportRun,
    Unit,
    UnitSuccession,
)
from veikart.organisations.services import (
    ImportRefused,
    UploadedFile,
    apply_import,
    preview_import,
)


@pytest.fixture(autouse=True)
def _english() -> object:
    """Messages are asserted in English here; the bokmål default is tested below and in the UI."""
    with translation.override("en"):
        yield


EMPLOYEE_HEADER = (
    "Ansattnr;Fornavn;Etternavn;Brukernavn;E-post;Stilling;Enhetskode;Leder;Leders ansattnummer;"
    "Tidligere organisasjon;Startdato;Sluttdato"
)


def excel_csv(*rows: str, header: str = EMPLOYEE_HEADER) -> UploadedFile:
    """What Norwegian Excel writes for «CSV (semikolondelt)»: Windows-1252, CRLF, no BOM."""
    text = "\r\n".join([header, *rows]) + "\r\n"
    return UploadedFile("ansatte fra Visma.csv", text.encode("cp1252"))


def snapshot() -> list[tuple[object, ...]]:
    """Everything an import can write, to prove a refused import wrote nothing."""
    return [
        tuple(Unit.objects.order_by("code").values_list("code", "name", "parent_id", "valid_to")),
        tuple(
            Employee.objects.order_by("employee_number").values_list(
                "employee_number", "given_name", "upn", "title", "manager_id", "employment_end"
            )
        ),
        tuple(Assignment.objects.order_by("pk").values_list("employee_id", "unit_id", "valid_to")),
        tuple(EmployeeIdentity.objects.order_by("pk").values_list("upn")),
        (ImportRun.objects.count(),),
    ]


GOOD_ROWS = (
    "1001;Kari;Nordmann;kari.nordmann@moss.kommune.no;;Prosjektleder;300;nei;;moss;01.03.2012;",
    "1002;Ola;Hansen;ola.hansen@moss.kommune.no;;Rektor;110;ja;;rygge;01.08.2005;",
    "1003;Ørjan;Sæther;orjan.saether@moss.kommune.no;;Lærer;111;nei;1002;moss;01.08.2015;",
    "1004;Åse;Aasen;ase.aasen@moss.kommune.no;;Styrer;120;ja;;moss;01.01.2001;",
    "1005;Nils;Berg;nils.berg@moss.kommune.no;;Helsefagarbeider;210;nei;;rygge;01.02.2018;",
    "1006;Fatima;Ahmed;fatima.ahmed@moss.kommune.no;;Sykepleier;210;nei;;moss;01.09.2019;",
    "1007;Bjørn;Ødegård;bjorn.odegard@moss.kommune.no;;Lærer;110;nei;1002;moss;01.08.2010;",
)


@pytest.fixture
def units_only(organisation: object) -> object:
    apply_import(organisation, [data_file("enheter.csv")], as_of=AS_OF)  # type: ignore[arg-type]
    return organisation


def test_it_imports_a_windows_1252_semicolon_csv_from_excel(units_only: object) -> None:
    file = excel_csv(*GOOD_ROWS)
    plan = preview_import(units_only, [file], as_of=AS_OF)  # type: ignore[arg-type]
    assert plan.ok, plan.problems
    assert plan.count("created", "employee") == 7
    assert Employee.objects.count() == 0  # the preview wrote nothing

    apply_import(units_only, [file], as_of=AS_OF)  # type: ignore[arg-type]
    orjan = Employee.objects.get(employee_number="1003")
    assert (orjan.given_name, orjan.family_name, orjan.title) == ("Ørjan", "Sæther", "Lærer")
    assert orjan.manager is not None and orjan.manager.employee_number == "1002"
    assert orjan.employment_start == dt.date(2015, 8, 1)
    assert orjan.assignments.get().unit.name == "Småtrinnet"
    assert orjan.pseudonym == pseudonym("orjan.saether@moss.kommune.no")


def test_it_reports_unknown_columns_and_ignores_them(units_only: object) -> None:
    file = excel_csv(
        "1001;Kari;Nordmann;kari.nordmann@moss.kommune.no;;Rådgiver;300;nei;;;;;Blå",
        header=EMPLOYEE_HEADER + ";Favorittfarge",
    )
    plan = preview_import(units_only, [file], as_of=AS_OF)  # type: ignore[arg-type]
    assert plan.ok
    assert any("Favorittfarge" in n for n in plan.notices)


def test_reimporting_the_same_file_changes_nothing(org: Org) -> None:
    files = [data_file("enheter.csv"), data_file("ansatte.csv")]
    before = snapshot()
    plan = apply_import(org.organisation, files, as_of=AS_OF)  # type: ignore[arg-type]
    assert plan.changes == []
    after = snapshot()
    assert before[:4] == after[:4]
    # A later import date with the same content changes nothing either.
    plan = preview_import(org.organisation, files, as_of=dt.date(2021, 6, 1))  # type: ignore[arg-type]
    assert plan.changes == []


def test_the_preview_counts_changes_per_unit(org: Org) -> None:
    rows = [r for r in GOOD_ROWS if not r.startswith("1006")]  # Fatima left
    rows[2] = rows[2].replace(";111;", ";120;")  # Ørjan moved to the kindergarten
    rows.append("1008;Mohammad;Rahimi;mohammad.rahimi@moss.kommune.no;;Lærer;110;nei;1002;;;")
    plan = preview_import(
        org.organisation,
        [excel_csv(*rows)],
        as_of=dt.date(2021, 1, 1),  # type: ignore[arg-type]
    )
    assert plan.ok, plan.problems
    by_unit = {r["unit_name"]: r for r in plan.per_unit()}
    assert by_unit["Jeløy skole"]["created"] == 1
    assert by_unit["Åsgård barnehage"]["changed"] == 1
    assert by_unit["Glenne sykehjem"]["ended"] == 1


def test_a_move_keeps_the_unit_history(org: Org) -> None:
    rows = list(GOOD_ROWS)
    rows[2] = rows[2].replace(";111;", ";120;")
    moved_on = dt.date(2021, 1, 1)
    apply_import(org.organisation, [excel_csv(*rows)], as_of=moved_on)  # type: ignore[arg-type]
    history = list(
        Assignment.objects.filter(employee__employee_number="1003")
        .order_by("valid_from")
        .values_list("unit__code", "valid_from", "valid_to")
    )
    assert history == [
        ("111", dt.date(2015, 8, 1), dt.date(2020, 12, 31)),
        ("120", moved_on, None),
    ]


def test_an_employee_missing_from_a_full_import_is_ended_not_deleted(org: Org) -> None:
    rows = [r for r in GOOD_ROWS if not r.startswith("1006")]
    apply_import(org.organisation, [excel_csv(*rows)], as_of=dt.date(2021, 1, 1))  # type: ignore[arg-type]
    fatima = Employee.objects.get(employee_number="1006")
    assert fatima.employment_end == dt.date(2020, 12, 31)
    assert fatima.assignments.get().valid_to == dt.date(2020, 12, 31)


def test_a_partial_import_ends_nobody(org: Org) -> None:
    rows = [GOOD_ROWS[0].replace("Prosjektleder", "Programleder")]
    plan = apply_import(
        org.organisation,
        [excel_csv(*rows)],
        as_of=dt.date(2021, 1, 1),
        full=False,  # type: ignore[arg-type]
    )
    assert plan.count("ended", "employee") == 0
    assert plan.count("changed", "employee") == 1
    assert Employee.objects.filter(employment_end__isnull=True).count() == 7


def test_a_full_import_without_rows_is_refused(org: Org) -> None:
    before = snapshot()
    with pytest.raises(ImportRefused, match="would end every"):
        apply_import(org.organisation, [excel_csv()], as_of=AS_OF)  # type: ignore[arg-type]
    assert snapshot() == before


def test_previous_upns_join_usage_from_before_the_merger(org: Org) -> None:
    ola = Employee.objects.get(employee_number="1002")
    pseudonyms = set(ola.identities.values_list("pseudonym", flat=True))
    assert pseudonyms == {
        pseudonym("ola.hansen@moss.kommune.no"),
        pseudonym("ola.hansen@rygge.kommune.no"),
    }


def test_it_records_the_merger_mapping_of_units(org: Org) -> None:
    succession = UnitSuccession.objects.get(predecessor__code="900")
    assert succession.successor.code == "110"
    assert succession.date == dt.date(2020, 1, 1)
    assert Unit.objects.get(code="900").former_organisation.code == "rygge"  # type: ignore[union-attr]


BAD_ROWS = [
    (
        "1001;Kari;Nordmann;kari2@moss.kommune.no;;;300;nei;;;;",
        "employee number 1001 appears twice",
    ),
    ("1009;Per;Lund;per.lund@moss.kommune.no;;;300;nei;99999;;;", "unknown manager"),
    ("1009;Per;Lund;per.lund(at)moss.kommune.no;;;300;nei;;;;", "not a valid user principal"),
    (
        "1009;Per;Lund;per.lund@moss.kommune.no;;;300;nei;;;01.08.2019;31.05.2019",
        "before start date",
    ),
    ("1009;Per;Lund;per.lund@moss.kommune.no;;;4711;nei;;;;", "unknown unit code 4711"),
    ("1009;Per;Lund;per.lund@moss.kommune.no;;;300;kanskje;;;;", "not yes or no"),
    ("1009;Per;Lund;per.lund@moss.kommune.no;;;300;nei;;;32.13.2019;", "not a date"),
    ("1009;Per;Lund;per.lund@moss.kommune.no;;;300;nei;;vestby;;", "unknown former organisation"),
    ("1009;;Lund;per.lund@moss.kommune.no;;;300;nei;;;;", "fornavn is empty"),
    # Longer than its column: PostgreSQL would refuse the value (SQLite stores it).
    (f"1009;{'P' * 151};Lund;per.lund@moss.kommune.no;;;300;nei;;;;", "fornavn is 151 characters"),
    (f"1009;Per;Lund;{'p' * 250}@moss.kommune.no;;;300;nei;;;;", "brukernavn is 266 characters"),
    (f"1009;Per;Lund;per.lund@moss.kommune.no;;{'x' * 201};300;nei;;;;", "stilling is 201"),
]


@pytest.mark.parametrize(("bad_row", "message"), BAD_ROWS)
def test_one_bad_row_refuses_the_whole_file_and_says_where(
    org: Org, bad_row: str, message: str
) -> None:
    rows = [*GOOD_ROWS, bad_row]
    rows[1] = rows[1].replace("Rektor", "Rektor og skoleleder")  # a valid change, not applied
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        apply_import(org.organisation, [excel_csv(*rows)], as_of=AS_OF)  # type: ignore[arg-type]
    problems = refused.value.problems
    assert len(problems) == 1, problems
    assert message in problems[0]
    assert problems[0].startswith("ansatte fra Visma.csv, line 9:")
    assert snapshot() == before


def test_a_unit_that_would_become_its_own_ancestor_is_refused(org: Org) -> None:
    # Oppvekst under Småtrinnet, which is under Jeløy skole, which is under Oppvekst.
    units = "enhetskode;enhetsnavn;overordnet_enhetskode\r\n100;Oppvekst;111\r\n"
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        apply_import(
            org.organisation,
            [UploadedFile("enheter.csv", units.encode())],
            as_of=AS_OF,  # type: ignore[arg-type]
            full=False,
        )
    assert (
        "unit 100 would become its own ancestor (100 → 111 → 110 → 100)"
        in (refused.value.problems[0])
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tom.csv", b"", "is empty"),
        ("bilde.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        ("gammel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97"),
        (
            "rapport.csv",
            b"Report Refresh Date,User Principal Name\r\n2020-01-01,a@b.no\r\n",
            "not an HR export",
        ),
        ("ansatte.csv", b"ansattnummer;fornavn\r\n1;Kari\r\n", "required columns are missing"),
        ("brukere.json", b'{"value": [{"id": 1}]}', "not a Microsoft Entra ID user export"),
        ("ødelagt.xlsx", b"PK\x03\x04garbage", "not a readable Excel workbook"),
        (
            "enheter.csv",
            b"enhetskode;enhetsnavn\r\n"
            + b"".join(b"%d;Enhet %d\r\n" % (500 + i, i) for i in range(400))
            + b"999;a\x00b\r\n",
            "line 402: contains a NUL character",
        ),
        ("enheter.csv", b"\xef\xbb\xbfenhetskode;enhetsnavn\r\n100;Sm\xe5\r\n", "marked as UTF-8"),
        (
            "brukere.json",
            b'{"value": [{"userPrincipalName": "a@b.no", "jobTitle": "x\\u0000"}]}',
            "NUL character",
        ),
    ],
)
def test_a_file_that_is_not_an_hr_export_gets_one_clear_message(
    org: Org, name: str, data: bytes, message: str
) -> None:
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        preview_import(org.organisation, [UploadedFile(name, data)], as_of=AS_OF)  # type: ignore[arg-type]
        apply_import(org.organisation, [UploadedFile(name, data)], as_of=AS_OF)  # type: ignore[arg-type]
    problems = getattr(refused.value, "problems", [])
    assert len(problems) == 1 and message in problems[0] and name in problems[0], problems
    assert snapshot() == before


def test_it_reads_an_excel_workbook_with_both_sheets(organisation: object) -> None:
    workbook = Workbook()
    units = workbook.active
    assert units is not None
    units.title = "Enheter"
    units.append(["Enhetskode", "Enhetsnavn", "Overordnet enhetskode", "Enhetstype"])
    units.append([10, "Kultur", None, "kultur"])
    units.append([11, "Moss bibliotek", 10, "kultur"])
    people = workbook.create_sheet("Ansatte")
    people.append(["Ansattnummer", "Fornavn", "Etternavn", "Brukernavn", "Enhetskode", "Startdato"])
    people.append(
        [501, "Åsmund", "Kråkenes", "asmund.krakenes@moss.kommune.no", 11, dt.datetime(2019, 8, 1)]  # noqa: DTZ001 (Excel has no zones)
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    apply_import(
        organisation,
        [UploadedFile("hr.xlsx", buffer.getvalue())],
        as_of=AS_OF,  # type: ignore[arg-type]
    )
    person = Employee.objects.get(employee_number="501")
    assert person.employment_start == dt.date(2019, 8, 1)
    assert person.assignments.get().unit.parent.name == "Kultur"  # type: ignore[union-attr]


def test_it_imports_an_entra_id_users_export(units_only: object) -> None:
    users = {
        "value": [
            {
                "displayName": "Kari Nordmann",
                "givenName": "Kari",
                "surname": "Nordmann",
                "userPrincipalName": "Kari.Nordmann@moss.kommune.no",
                "department": "Jeløy skole",
                "jobTitle": "Rektor",
                "employeeId": "1001",
                "companyName": "Moss",
                "manager": None,
            },
            {
                "displayName": "Ørjan Sæther",
                "userPrincipalName": "orjan.saether@moss.kommune.no",
                "department": "jeløy skole",
                "jobTitle": "Lærer",
                "employeeId": "1003",
                "manager": {"userPrincipalName": "kari.nordmann@moss.kommune.no"},
            },
            {"displayName": "Møterom Jeløy", "userPrincipalName": "rom@moss.kommune.no"},
        ]
    }
    data = json.dumps(users, ensure_ascii=False).encode()
    plan = apply_import(units_only, [UploadedFile("users.json", data)], as_of=AS_OF)  # type: ignore[arg-type]
    assert any("1 account without employeeId" in n for n in plan.notices)
    orjan = Employee.objects.get(employee_number="1003")
    assert (orjan.given_name, orjan.family_name) == ("Ørjan", "Sæther")
    assert orjan.manager is not None and orjan.manager.upn == "kari.nordmann@moss.kommune.no"
    assert Employee.objects.get(employee_number="1001").is_manager


def test_an_entra_id_value_longer_than_its_column_is_refused(units_only: object) -> None:
    user = {
        "givenName": "Kari",
        "surname": "Nordmann",
        "userPrincipalName": "kari.nordmann@moss.kommune.no",
        "department": "Jeløy skole",
        "jobTitle": "x" * 201,
        "employeeId": "1001",
    }
    data = json.dumps({"value": [user]}).encode()
    with pytest.raises(ImportRefused) as refused:
        apply_import(units_only, [UploadedFile("users.json", data)], as_of=AS_OF)  # type: ignore[arg-type]
    [problem] = refused.value.problems
    assert "jobTitle is 201 characters long, more than the 200 that fit. Shorten it." in problem
    assert not Employee.objects.exists()


def test_an_apply_refuses_when_the_organisation_changed_since_the_preview(org: Org) -> None:
    rows = [GOOD_ROWS[0].replace("Prosjektleder", "Programleder")]
    stale = preview_import(
        org.organisation,
        [excel_csv(*rows)],
        as_of=AS_OF,
        full=False,  # type: ignore[arg-type]
    ).fingerprint()
    Employee.objects.filter(employee_number="1001").update(title="Rådgiver")
    with pytest.raises(ImportRefused, match="changed since the preview"):
        apply_import(
            org.organisation,
            [excel_csv(*rows)],
            as_of=AS_OF,
            full=False,  # type: ignore[arg-type]
            expected_fingerprint=stale,
        )
    assert Employee.objects.get(employee_number="1001").title == "Rådgiver"


def test_problems_are_reported_in_bokmal_by_default(org: Org) -> None:
    rows = [*GOOD_ROWS, "1009;Per;Lund;per.lund@moss.kommune.no;;;4711;nei;;;;"]
    with translation.override("nb"), pytest.raises(ImportRefused) as refused:
        apply_import(org.organisation, [excel_csv(*rows)], as_of=AS_OF)  # type: ignore[arg-type]
    assert refused.value.problems == [
        "ansatte fra Visma.csv, linje 9: ukjent enhetskode 4711. Importer enhetslisten først, "
        "eller legg til enheten i arket Enheter."
    ]


def test_an_organisation_with_thousands_of_merged_units_can_be_imported_again(
    organisation: object,
) -> None:
    """A large municipality's merger: 1,200 old units succeeded by 1,200 new ones. Reading the
    stored units for the next import must not build a query SQLite refuses."""
    from veikart.organisations.importing.plan import build_plan
    from veikart.organisations.models import Unit, UnitSuccession

    old = Unit.objects.bulk_create(
        Unit(organisation=organisation, code=f"G{i}", name=f"Gammel {i}", path="")
        for i in range(1200)
    )
    new = Unit.objects.bulk_create(
        Unit(organisation=organisation, code=f"N{i}", name=f"Ny {i}", path="") for i in range(1200)
    )
    UnitSuccession.objects.bulk_create(
        UnitSuccession(predecessor=a, successor=b, date=AS_OF)
        for a, b in zip(old, new, strict=True)
    )

    plan = build_plan(organisation, [], as_of=AS_OF, full=False)  # type: ignore[arg-type]

    assert len(plan.unit_names) == 2400
