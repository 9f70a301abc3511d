"""Dashboard tables as Excel and CSV: the page's numbers, the same scoping, an audit event."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.adoption.factories import dashboard_figures
from tests.conftest import Org
from veikart.adoption.views import EXPORTS
from veikart.core.models import AuditEvent
from veikart.organisations.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def figures(org: Org) -> Org:
    dashboard_figures(org.organisation)
    return org


def client_for(user: object, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def pk(code: str) -> int:
    return Unit.objects.get(code=code).pk


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def exports(user: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="adoption.export", actor_id=user.pk))  # type: ignore[attr-defined]


def test_the_comparison_exports_to_excel_with_the_pages_numbers(figures: Org) -> None:
    response = client_for(figures.kari).get("/bruk/eksport/sammenligning.xlsx?niva=0")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith(
        'attachment; filename="veikart-sammenligning-'
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Unit", "People", "Active in Teams (%)"]
    by_unit = {row[0]: row[1:] for row in rows[1:]}
    assert by_unit["Jeløy skole"] == [20, 83.3, 3.3, 53.3]
    assert by_unit["Helse og omsorg"] == [20, 52.5, 0.5, 7.5]
    assert by_unit["Småtrinnet"] == ["hidden", "hidden", None, None]
    assert sheet["C2"].number_format == "0.0"
    assert [row[0] for row in rows[1:]][-1] == "Småtrinnet"  # the page's order, hidden last


def test_the_comparison_exports_to_norwegian_excel_csv(figures: Org) -> None:
    response = client_for(figures.kari, "nb").get("/bruk/eksport/sammenligning.csv?niva=0")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.content)
    by_unit = {row[0]: row[1:] for row in rows[1:]}
    assert by_unit["Jeløy skole"] == ["20", "83,3", "3,3", "53,3"]
    assert by_unit["Helse og omsorg"] == ["20", "52,5", "0,5", "7,5"]
    assert by_unit["Småtrinnet"][0] not in ("", "7") and by_unit["Småtrinnet"][2:] == ["", ""]
    assert b"\r\n" in response.content


def test_a_series_exports_its_periods_as_labels_and_dates(figures: Org) -> None:
    url = f"/bruk/eksport/enhet-utvikling.csv?enhet={pk('100')}"
    rows = csv_rows(client_for(figures.kari).get(url).content)
    assert rows[0] == ["Week", "First day", "Oppvekst", "People", "Moss kommune", "People"]
    assert rows[-1] == ["Week 12 2020", "16.03.2020", "80,0", "30", "71,5", "60"]


def test_every_export_is_written_to_the_audit_log_without_figures(figures: Org) -> None:
    client_for(figures.kari).get("/bruk/eksport/oversikt.xlsx?maal=files_active")
    (event,) = exports(figures.kari)
    assert event.target == "adoption:oversikt"
    assert event.detail == {"format": "xlsx", "choices": {"metric": "files_active"}, "rows": 10}


def test_a_unit_manager_exports_his_subtree_only(figures: Org) -> None:
    ola = client_for(figures.ola)
    rows = csv_rows(ola.get("/bruk/eksport/sammenligning.csv?niva=0").content)
    assert {row[0] for row in rows[1:]} == {"Jeløy skole", "Småtrinnet"}
    other = ola.get(f"/bruk/eksport/enhet-utvikling.xlsx?enhet={pk('210')}")
    assert other.status_code == 404
    assert len(exports(figures.ola)) == 1  # the refused one is not an export


def test_an_employee_without_rights_cannot_export(figures: Org) -> None:
    response = client_for(figures.nils).get("/bruk/eksport/sammenligning.csv")
    assert response.status_code == 403
    assert exports(figures.nils) == []


def test_it_refuses_unknown_tables_and_formats(figures: Org) -> None:
    kari = client_for(figures.kari)
    assert kari.get("/bruk/eksport/personer.csv").status_code == 404
    assert kari.get("/bruk/eksport/sammenligning.json").status_code == 404
    assert exports(figures.kari) == []


def test_a_unit_name_is_never_run_as_a_formula(figures: Org) -> None:
    Unit.objects.filter(code="300").update(name='=HYPERLINK("http://x","y")')
    kari = client_for(figures.kari)
    rows = csv_rows(kari.get("/bruk/eksport/sammenligning.csv").content)
    assert '\'=HYPERLINK("http://x","y")' in [row[0] for row in rows]
    sheet = load_workbook(io.BytesIO(kari.get("/bruk/eksport/sammenligning.xlsx").content)).active
    assert sheet is not None
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    formula = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"


def test_every_table_on_every_page_links_to_working_exports(figures: Org) -> None:
    kari = client_for(figures.kari)
    pages = [
        "/bruk/",
        f"/bruk/enheter/{pk('100')}/",
        "/bruk/sammenlign/?niva=0",
        "/bruk/tidligere-kommuner/",
        "/bruk/ledere/?niva=0",
        "/bruk/hvor-trengs-hjelp/?vindu=52",
    ]
    links: set[str] = set()
    for page in pages:
        content = kari.get(page).content.decode()
        tables = content.count("<table")
        found = re.findall(r'href="(/bruk/eksport/[^"]+)"', content)
        assert len(found) == 2 * tables, page  # Excel and CSV under every table
        links.update(html.unescape(link) for link in found)
    assert {link.split("/")[3].split(".")[0] for link in links} == set(EXPORTS)
    for link in sorted(links):
        response = kari.get(link)
        assert response.status_code == 200, link
        if ".xlsx" in link:
            assert load_workbook(io.BytesIO(response.content)).worksheets[0].max_row > 1, link
        else:
            assert len(csv_rows(response.content)) > 1, link
