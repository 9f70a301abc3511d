"""The privacy pages as the data-protection officer and an employee use them: Dina narrows the
audit log to exports, downloads it as CSV, checks the retention page and makes a subject-access
report about Nils; Nils reads his own on a phone-sized screen; Kari is turned away. Every page
passes the accessibility check.

The pages' Content-Security-Policy allows no inline script; the browser contexts here bypass it
so that the accessibility checker can be injected."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, new_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def open_as(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    contexts: list[BrowserContext] = []

    def open_page(username: str, **options: Any) -> Page:
        context = new_context(browser, accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_the_dpo_reads_the_log_checks_retention_and_answers_a_request(
    open_as: Callable[..., Page], live_org: Org, live_server: Any
) -> None:
    from veikart.core.models import AuditEvent
    from veikart.core.services import record_audit_event
    from veikart.organisations.models import Employee

    record_audit_event(live_org.kari, "adoption.export", target="adoption:units")
    record_audit_event(live_org.ola, "adoption.view", target="unit-110")
    record_audit_event(None, "usage.purge", detail={"purged_snapshots": 3, "before": "2017-01-01"})
    base = live_server.url
    nils = Employee.objects.get(employee_number="1005")

    page = open_as("dina")
    page.goto(f"{base}/personvern/logg/")
    expect(page.locator("h1")).to_be_visible()
    check_accessibility(page)
    page.select_option("#id_type", "exports")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    rows = page.locator("table.ds-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("adoption:units")
    expect(rows.first).to_contain_text("kari")
    with page.expect_download() as download:
        page.click("a[href*='eksport.csv']")
    content = download.value.path().read_bytes().decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert [row[4] for row in exported[1:]] == ["adoption:units"]
    assert AuditEvent.objects.filter(
        action="privacy.audit_log.export", actor=live_org.dina
    ).exists()

    page.click("nav.vk-subnav a[href$='/oppbevaring/']")
    expect(page.locator("code", has_text="VEIKART_RETENTION_DAYS").first).to_be_visible()
    expect(page.locator("table.ds-table").first).to_contain_text("3")
    check_accessibility(page)

    page.click("nav.vk-subnav a[href$='/innsyn/']")
    page.fill("#id_q", "Berg")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    check_accessibility(page)
    with page.expect_navigation():
        page.click(f"a[href$='/innsyn/ansatt/{nils.pk}/']")
    expect(page.locator("h1")).to_contain_text("Nils Berg")
    expect(page.locator("section[aria-labelledby=identities]")).to_contain_text(
        "nils.berg@rygge.kommune.no"
    )
    check_accessibility(page)
    with page.expect_download() as pdf:
        page.click("a[href='?format=pdf']")
    assert pdf.value.path().read_bytes().startswith(b"%PDF")
    made = AuditEvent.objects.filter(action="privacy.subject_access", actor=live_org.dina)
    assert {e.detail["format"] for e in made} == {"html", "pdf"}


def test_an_employee_reads_their_own_data_on_a_phone_and_the_programme_lead_is_turned_away(
    open_as: Callable[..., Page], live_org: Org, live_server: Any
) -> None:
    base = live_server.url
    page = open_as("nils", viewport=PHONE)
    page.goto(f"{base}/personvern/")
    assert page.url.endswith("/personvern/mine-data/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("body")).to_contain_text("nils.berg@moss.kommune.no")
    expect(page.locator("nav.vk-subnav")).to_have_count(0)  # no DPO pages for Nils
    check_accessibility(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways ({width} px)"

    kari = open_as("kari")
    response = kari.goto(f"{base}/personvern/logg/")
    assert response is not None and response.status == 403
