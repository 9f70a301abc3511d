"""Acceptance in a real browser: Kari creates an initiative with a target and sees its live status
and forecast chart on the adoption figures; the timeline draws; every page passes axe."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.roadmaps.conftest import plant

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("VEIKART_SCREENSHOTS", "")


def expect_drawn(page: Page, chart_id: str) -> None:
    chart = page.locator(f"#{chart_id}")
    expect(chart).to_have_attribute("data-vk-rendered", "done")
    expect(chart.locator("svg, canvas").first).to_be_visible()


def test_kari_creates_an_initiative_with_a_target_and_sees_its_status_and_forecast(
    page: Page, live_org: Org, live_server: Any
) -> None:
    from veikart.roadmaps.models import Target

    # 24 weeks of a rising adoption curve from January 2020, with some week-to-week noise: about
    # 60 % in the last week.
    noise = [1.2, -0.8, 0.5, -1.5, 0.9, -0.3]
    plant(
        live_org,
        [round(5 + 90 / (1 + math.exp(-0.25 * (i - 21))) + noise[i % 6], 2) for i in range(24)],
    )
    base = live_server.url
    sign_in(page, base, "kari")

    page.goto(f"{base}/veikart/")
    check_accessibility(page)
    page.click("a[href$='/veikart/tiltak/nytt/']")
    page.fill("input[name=code]", "T1")
    page.fill("input[name=title]", "Teams som hovedkanal for intern kommunikasjon")
    page.fill("textarea[name=goal]", "Intern dialog skjer i Teams, ikke i intern e-post.")
    page.fill("input[name=owner]", "Rådmann")
    page.fill("input[name=start]", "02.09.2019")
    page.fill("input[name=end]", "31.12.2020")
    check_accessibility(page)
    with page.expect_navigation():
        page.click("#initiative-form button[type=submit]")
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()

    # A milestone, added in place (HTMX).
    page.fill("#milestone-form input[name=date]", "01.01.2020")
    page.fill("#milestone-form input[name=text]", "Alle enheter har eget team")
    page.click("#milestone-form button[type=submit]")
    expect(page.locator("#milestones table")).to_contain_text("Alle enheter har eget team")

    page.click("a[href$='/mal/nytt/']")
    page.fill("input[name=name]", "Aktive i Teams hver uke")
    page.select_option("select[name=metric]", "active_teams")
    page.fill("input[name=threshold]", "80")
    page.fill("input[name=due_date]", "31.12.2020")
    check_accessibility(page)
    with page.expect_navigation():
        page.click("#target-form button[type=submit]")
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()

    target = Target.objects.get()
    expect(page.locator("#target-status .ds-tag")).to_have_text("I rute")
    expect(page.locator("#target-sentence")).to_contain_text("Aktive i Teams")
    expect_drawn(page, f"target-{target.pk}")
    page.locator(f"#target-{target.pk} ~ details > summary").click()
    expect(page.locator(f"#target-{target.pk}-table tbody tr").first).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/roadmap-target.png", full_page=True)
    check_accessibility(page)

    page.goto(f"{base}/veikart/")
    expect_drawn(page, "timeline")
    expect(page.locator(".vk-initiatives")).to_contain_text("I rute")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/roadmap.png", full_page=True)
    check_accessibility(page)
    page.goto(f"{base}/veikart/tiltak/{target.initiative_id}/")
    check_accessibility(page)
