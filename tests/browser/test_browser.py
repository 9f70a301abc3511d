"""Kari, Ola and the others in a real browser: sign-in, the unit tree, the HR import, language.

Elements are found by name, id and role rather than by visible text wherever possible, so the
tests hold whether or not the Norwegian translations exist yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

TREE = "/organisasjon/"

EMPLOYEE_HEADER = (
    "ansattnummer;fornavn;etternavn;brukernavn;epost;stilling;enhetskode;leder;"
    "leders_ansattnummer;tidligere_organisasjon;startdato;sluttdato;tidligere_brukernavn"
)
# tests/data/ansatte.csv, with Ørjan Sæther (1003) now "Lektor" and Åsmund Kjærbøl (1008) new in
# Åsgård barnehage (120). All seven existing people are kept, so a full import ends nobody.
EMPLOYEE_ROWS = [
    "1001;Kari;Nordmann;kari.nordmann@moss.kommune.no;;Prosjektleder;300;nei;;moss;2012-03-01;;",
    "1002;Ola;Hansen;ola.hansen@moss.kommune.no;;Rektor;110;ja;;rygge;2005-08-01;;"
    "ola.hansen@rygge.kommune.no",
    "1003;Ørjan;Sæther;orjan.saether@moss.kommune.no;;Lektor;111;nei;1002;moss;2015-08-01;;",
    "1004;Åse;Aasen;ase.aasen@moss.kommune.no;;Styrer;120;ja;;moss;2001-01-01;;",
    "1005;Nils;Berg;nils.berg@moss.kommune.no;;Helsefagarbeider;210;nei;;rygge;2018-02-01;;"
    "nils.berg@rygge.kommune.no",
    "1006;Fatima;Ahmed;fatima.ahmed@moss.kommune.no;;Sykepleier;210;nei;;moss;2019-09-01;;",
    "1007;Bjørn;Ødegård;bjorn.odegard@moss.kommune.no;;Lærer;110;nei;1002;moss;2010-08-01;;",
    "1008;Åsmund;Kjærbøl;asmund.kjaerbol@moss.kommune.no;;Barnehagelærer;120;nei;1004;moss;"
    "2020-01-01;;",
]


def tree_row(page: Page, unit_name: str) -> Locator:
    return page.locator("table.vk-tree tbody tr").filter(
        has=page.get_by_role("link", name=unit_name, exact=True)
    )


def test_kari_signs_in_and_sees_the_unit_tree(page: Page, live_org: Org, live_server: Any) -> None:
    page.goto(f"{live_server.url}/logg-inn/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    check_accessibility(page)

    sign_in(page, live_server.url, "kari")
    page.goto(f"{live_server.url}{TREE}")

    tree = page.locator("table.vk-tree")
    expect(tree.get_by_role("link", name="Jeløy skole", exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name="Glenne sykehjem", exact=True)).to_be_visible()
    check_accessibility(page)


def test_kari_imports_an_excel_csv_and_sees_the_changes(
    page: Page, live_org: Org, live_server: Any, tmp_path: Path
) -> None:
    from veikart.organisations.models import Employee

    upload = tmp_path / "ansatte.csv"
    # Norwegian Excel's "CSV (semikolondelt)": Windows-1252, no BOM, CRLF line ends.
    upload.write_bytes("\r\n".join([EMPLOYEE_HEADER, *EMPLOYEE_ROWS, ""]).encode("cp1252"))

    sign_in(page, live_server.url, "kari")
    page.goto(f"{live_server.url}{TREE}import/")
    page.set_input_files("input[name=files]", upload)
    page.fill("input[name=as_of]", "2020-01-01")
    page.check("input[name=full]")
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")

    summary = page.locator("#summary")
    expect(summary).to_be_visible()
    # Rows: units, then employees; columns: created, changed, ended.
    expect(summary.locator("tbody tr").nth(1).locator("td")).to_have_text(["1", "1", "0"])
    check_accessibility(page)

    with page.expect_navigation():
        page.click('form[action$="/import/bruk/"] button[type=submit]')
    assert page.url == f"{live_server.url}{TREE}"
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()

    newcomer = Employee.objects.get(employee_number="1008")
    assert (newcomer.given_name, newcomer.family_name) == ("Åsmund", "Kjærbøl")
    assert Employee.objects.get(employee_number="1003").title == "Lektor"
    assert not Employee.objects.filter(employment_end__isnull=False).exists()

    # The fourth column is the unit's own headcount: Åse Aasen and the newcomer.
    expect(tree_row(page, "Åsgård barnehage").locator("td").nth(3)).to_have_text("2")


def test_the_import_form_passes_the_accessibility_check(
    page: Page, live_org: Org, live_server: Any
) -> None:
    sign_in(page, live_server.url, "kari")
    page.goto(f"{live_server.url}{TREE}import/")
    expect(page.locator("input[name=files]")).to_be_visible()
    check_accessibility(page)


def test_ida_uploads_a_usage_report_and_the_page_passes_the_accessibility_check(
    page: Page, live_org: Org, live_server: Any, tmp_path: Any, settings: Any
) -> None:
    settings.LAKE_DIR = tmp_path / "lake"
    report = tmp_path / "teams.csv"
    report.write_bytes(
        "\ufeffReport Refresh Date,User Principal Name,Last Activity Date,Is Deleted,"
        "Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,"
        "Call Count,Meeting Count,Has Other Action,Report Period\r\n"
        "2019-11-10,kari.nordmann@moss.kommune.no,2019-11-08,False,,OFFICE 365 E3,"
        "1,4,0,2,No,7\r\n".encode()
    )
    sign_in(page, live_server.url, "ida")
    page.goto(f"{live_server.url}/omrade/measure/")
    page.click("a[href$='/bruksdata/import/']")
    check_accessibility(page)
    page.set_input_files("input[name=files]", str(report))
    page.click("main form button[type=submit]")
    expect(page.locator("#summary")).to_be_visible()
    check_accessibility(page)


def test_ola_sees_only_his_own_school(page: Page, live_org: Org, live_server: Any) -> None:
    sign_in(page, live_server.url, "ola")
    page.goto(f"{live_server.url}{TREE}")

    tree = page.locator("table.vk-tree")
    expect(tree.get_by_role("link", name="Jeløy skole", exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name="Småtrinnet", exact=True)).to_be_visible()
    expect(page.get_by_text("Glenne sykehjem")).to_have_count(0)

    page.goto(f"{live_server.url}{TREE}ansatte/")
    people = page.locator("main table")
    expect(people).to_contain_text("Sæther, Ørjan")
    expect(people).not_to_contain_text("Berg, Nils")
    check_accessibility(page)


def test_the_language_button_switches_to_english(
    page: Page, live_org: Org, live_server: Any
) -> None:
    sign_in(page, live_server.url, "kari")
    page.goto(f"{live_server.url}{TREE}")
    expect(page.locator("html")).to_have_attribute("lang", "nb")

    with page.expect_navigation():
        page.click('form[action$="/sprak/"] button[name=language][value=en]')

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{live_server.url}{TREE}"
    # And back: the header now offers bokmål.
    expect(page.locator('form[action$="/sprak/"] button[name=language]')).to_have_attribute(
        "value", "nb"
    )
