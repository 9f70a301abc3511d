"""The working agreement as new users meet it: Kari the programme lead creates it from the
template, edits a rule and publishes it; Nils reads it and confirms. Every page passes the
accessibility check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, new_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser


@pytest.fixture
def open_as(browser: Browser, live_server: Any) -> Iterator[Callable[[str], Page]]:
    """Sign someone in in a browser of their own; closed at the end, before the live server."""
    contexts: list[BrowserContext] = []

    def open_page(username: str) -> Page:
        context = new_context(browser)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_the_agreement_from_template_to_confirmation(
    open_as: Callable[[str], Page], live_org: Org, live_server: Any
) -> None:
    from veikart.agreements.models import Acknowledgement, AgreementVersion

    base = live_server.url
    kari = open_as("kari")
    kari.goto(f"{base}/arbeidsavtale/administrer/")
    check_accessibility(kari)
    with kari.expect_navigation():
        kari.click("#create-from-template")
    expect(kari.locator("#rules tbody tr").first).to_contain_text("Korte beskjeder")
    check_accessibility(kari)

    # Kari edits the first rule: chat also on the phone.
    with kari.expect_navigation():
        kari.locator("#rules tbody tr").first.locator("a").first.click()
    check_accessibility(kari)
    kari.fill("input[name=tool]", "Chat i Teams, også på mobilen")
    with kari.expect_navigation():
        kari.click("#rule-edit-form button[type=submit]")
    expect(kari.locator("#rules tbody tr").first).to_contain_text("også på mobilen")

    # … reviews and publishes.
    with kari.expect_navigation():
        kari.click("#publish-link")
    check_accessibility(kari)
    with kari.expect_navigation():
        kari.click("#publish")
    expect(kari.locator(".ds-alert[data-color=success]")).to_be_visible()
    expect(kari.locator("#start-draft")).to_be_visible()
    version = AgreementVersion.objects.get()
    assert version.is_published

    # Nils reads it and confirms that he has read and understood it.
    nils = open_as("nils")
    nils.goto(f"{base}/arbeidsavtale/")
    expect(nils.locator("#rules")).to_contain_text("også på mobilen")
    check_accessibility(nils)
    with nils.expect_navigation():
        nils.click("#acknowledge")
    expect(nils.locator("#acknowledged")).to_be_visible()
    expect(nils.locator("#acknowledge")).to_have_count(0)
    check_accessibility(nils)
    assert Acknowledgement.objects.filter(employee__employee_number="1005").count() == 1

    # Kari sees counts, never names.
    kari.goto(f"{base}/arbeidsavtale/{version.agreement_id}/oppslutning/")
    expect(kari.locator("#by-unit")).to_be_visible()
    expect(kari.locator("body")).not_to_contain_text("Nils")
    check_accessibility(kari)
    kari.goto(f"{base}/arbeidsavtale/{version.agreement_id}/historikk/")
    check_accessibility(kari)
