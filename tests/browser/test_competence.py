"""The competence self-assessment as a new user tries it: Kari the programme lead creates a survey
from the DigComp template and opens a round; Nils answers it in his browser and sees his own
answers; Kari sees the results as group aggregates only, with the small group (and the groups
that would give it away by subtraction) hidden. Every page passes the accessibility check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, new_context, sign_in
from tests.competence.conftest import add_people, employee_pk, respond

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

# Everyone but Nils answers straight to the tables, every statement at one level (as in
# tests/competence/test_results.py); Småtrinnet has 3 answers, below k = 5.
OTHERS = {"110": 6, "111": 3, "210": 5, "300": 5}
NILS_LEVEL = "6"


@pytest.fixture
def open_as(browser: Browser, live_server: Any) -> Iterator[Callable[[str], Page]]:
    """Sign someone in in a browser of their own. The pages' Content-Security-Policy allows no
    inline script, so the contexts bypass it for the accessibility checker only."""
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


def test_an_employee_answers_and_the_programme_lead_sees_suppressed_aggregates(
    open_as: Callable[[str], Page], live_org: Org, live_server: Any, settings: Any
) -> None:
    from veikart.competence.models import Answer, Response, Wave
    from veikart.organisations.models import Unit

    settings.MIN_GROUP_SIZE = 5
    base = live_server.url
    today = timezone.localdate()

    # Kari creates the survey from the template and opens a round.
    page = open_as("kari")
    page.goto(f"{base}/kompetanse/")
    check_accessibility(page)
    with page.expect_navigation():
        page.click("form[action$='/undersokelser/ny/'] button[type=submit]")
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()
    check_accessibility(page)
    round_form = page.locator("form[action$='/runder/']")
    round_form.locator("input[name=name]").fill("Høst 2019")
    round_form.locator("select[name=kind]").select_option(index=0)
    round_form.locator("input[name=opens_on]").fill(f"{today:%Y-%m-%d}")
    round_form.locator("input[name=closes_on]").fill(f"{today + dt.timedelta(days=14):%Y-%m-%d}")
    with page.expect_navigation():
        round_form.locator("button[type=submit]").click()
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()
    wave = Wave.objects.get(name="Høst 2019")

    people = {
        "110": [employee_pk("1002"), *add_people(live_org, "110", OTHERS["110"] - 1)],
        "111": [employee_pk("1003"), *add_people(live_org, "111", OTHERS["111"] - 1)],
        "210": add_people(live_org, "210", OTHERS["210"]),
        "300": [employee_pk("1001"), *add_people(live_org, "300", OTHERS["300"] - 1)],
    }
    for number, pks in enumerate(people.values(), start=2):
        for pk in pks:
            respond(wave, pk, number)

    # Nils answers every statement in his browser.
    nils = open_as("nils")
    nils.goto(f"{base}/kompetanse/")
    expect(nils.locator("#open-waves")).to_contain_text("Høst 2019")
    check_accessibility(nils)
    with nils.expect_navigation():
        nils.click(f"#open-waves a[href$='/runder/{wave.pk}/svar/']")
    check_accessibility(nils)
    statements = nils.locator("fieldset")
    assert statements.count() == wave.survey.questions.count() > 0
    for index in range(statements.count()):
        statements.nth(index).locator(f"input[value='{NILS_LEVEL}']").check()
    with nils.expect_navigation():
        nils.click("main form.vk-form button[type=submit]")
    assert nils.url.endswith("/kompetanse/min/")
    expect(nils.locator(".ds-alert[data-color=success]")).to_be_visible()
    check_accessibility(nils)
    response = Response.objects.get(wave=wave, employee_id=employee_pk("1005"))
    assert set(Answer.objects.filter(response=response).values_list("level", flat=True)) == {
        int(NILS_LEVEL)
    }

    # Kari reads the results: aggregates only, the small group hidden.
    page.goto(f"{base}/kompetanse/runder/{wave.pk}/resultater/")
    check_accessibility(page)
    total = page.locator("section[data-cell='total:']")
    expect(total.locator("table")).to_have_count(1)
    expect(total).to_contain_text(str(sum(OTHERS.values()) + 1))
    small = Unit.objects.get(code="111")
    hidden = page.locator(f"section[data-cell='unit:{small.pk}']")
    expect(hidden.locator(".vk-hidden-group")).to_have_count(1)
    expect(hidden.locator("table")).to_have_count(0)
    # Every group shown covers at least k answers; no count of a hidden group is on the page.
    for section in page.locator("section.vk-group").all():
        if section.locator("table").count():
            answers = int(section.locator("p").first.inner_text().split()[0])
            assert answers >= settings.MIN_GROUP_SIZE
    # No one's name is on the results page.
    for name in ("Nils", "Berg", "Ørjan", "Sæther", "Ola Hansen"):
        assert name not in page.locator("main").inner_text()
