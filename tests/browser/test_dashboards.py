"""Kari in a real browser on the adoption dashboards: the charts draw, the tables are there, and
the pages pass axe (WCAG 2.1 A/AA)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.adoption.factories import dashboard_figures
from tests.browser.conftest import check_accessibility, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("VEIKART_SCREENSHOTS", "")


def expect_drawn(page: Page, chart_id: str) -> None:
    chart = page.locator(f"#{chart_id}")
    expect(chart).to_have_attribute("data-vk-rendered", "done")
    expect(chart.locator("svg, canvas").first).to_be_visible()


def test_kari_sees_the_overview_and_a_unit_with_charts_and_tables(
    page: Page, live_org: Org, live_server: Any
) -> None:
    from veikart.organisations.models import Unit

    dashboard_figures(live_org.organisation)
    sign_in(page, live_server.url, "kari")

    page.goto(f"{live_server.url}/bruk/")
    expect_drawn(page, "trend")
    expect_drawn(page, "spark-active_teams")
    trend_table = page.locator("#trend ~ details table")
    expect(trend_table.locator("caption")).to_be_visible(visible=False)
    page.locator("#trend ~ details > summary").click()
    expect(trend_table).to_be_visible()
    expect(trend_table.locator("tbody tr")).to_have_count(4)
    expect(page.locator("[data-vk-actions=trend] button")).to_have_count(2)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/overview.png", full_page=True)
    check_accessibility(page)

    oppvekst = Unit.objects.get(code="100").pk
    page.goto(f"{live_server.url}/bruk/enheter/{oppvekst}/")
    expect_drawn(page, "unit-chart")
    expect_drawn(page, "unit-is-leader")
    expect(page.locator("#unit-chart ~ details table tbody tr")).to_have_count(4)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/unit.png", full_page=True)
    check_accessibility(page)


def test_the_comparison_table_passes_axe(page: Page, live_org: Org, live_server: Any) -> None:
    dashboard_figures(live_org.organisation)
    sign_in(page, live_server.url, "kari")
    page.goto(f"{live_server.url}/bruk/sammenlign/?niva=0")
    expect(page.locator("table.vk-data tbody tr")).to_have_count(7)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/compare.png", full_page=True)
    check_accessibility(page)
