"""Kari in a real browser on the impact page: the sentence, the event-study chart drawn, the
tables, and axe (WCAG 2.1 A/AA). The stored result is a real evaluation of the demo organisation
(tests/browser/data/impact_result.json, saved from `veikart demo`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser
RESULT = Path(__file__).parent / "data" / "impact_result.json"


def test_kari_reads_the_impact_page(page: Page, live_org: Org, live_server: Any) -> None:
    from veikart.impact.models import ImpactResult

    stored = json.loads(RESULT.read_text(encoding="utf-8"))
    ImpactResult.objects.create(
        created_at=timezone.now(),
        parameters=stored["parameters"],
        payload=stored["payload"],
        seconds=stored["seconds"],
    )
    sign_in(page, live_server.url, "kari")
    page.goto(f"{live_server.url}/effekt/")
    expect(page.locator("#impact-headline")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("kursene")
    charts = page.locator("[data-vk-chart]")
    expect(charts.first).to_have_attribute("data-vk-rendered", "done")
    expect(charts.first.locator("svg, canvas").first).to_be_visible()
    check_accessibility(page)


def test_ola_may_not_open_the_impact_page(page: Page, live_org: Org, live_server: Any) -> None:
    sign_in(page, live_server.url, "ola")
    response = page.goto(f"{live_server.url}/effekt/")
    assert response is not None and response.status == 403
