"""Issue 7 as a new user tries it: Per the trainer creates a course with two sessions, Nils takes
the only seat, Fatima lands on the waiting list, Nils cancels and Fatima gets the seat, and Per
registers attendance on a phone-sized screen. Every page passes the accessibility check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.trainings.conftest import OSLO, link_per_as_trainer, sign_in_as

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def local_input(day: dt.date, hour: int) -> str:
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def add_session(page: Page, day: dt.date, seats: str, *, check: bool = False) -> None:
    page.click("a[href$='/okter/ny/']")
    page.fill("input[name=starts_at]", local_input(day, 9))
    page.fill("input[name=ends_at]", local_input(day, 11))
    page.fill("input[name=location]", "Moss rådhus, møterom 1")
    page.fill("input[name=capacity]", seats)
    if check:
        check_accessibility(page)
    with page.expect_navigation():
        page.click("#session-form button[type=submit]")
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()


@pytest.fixture
def open_as(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Sign someone in in a browser of their own; closed at the end, before the live server."""
    contexts: list[BrowserContext] = []

    def open_page(username: str, **options: Any) -> Page:
        context = browser.new_context(locale="nb-NO", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_course_from_creation_to_attendance(
    page: Page, open_as: Callable[..., Page], live_org: Org, live_server: Any
) -> None:
    from veikart.organisations.models import Employee
    from veikart.trainings.models import Enrolment, Session

    link_per_as_trainer(live_org)
    sign_in_as(live_org, "1006", "fatima")
    base = live_server.url
    day = timezone.now().astimezone(OSLO).date() + dt.timedelta(days=7)

    # Per creates the course and two sessions.
    sign_in(page, base, "per")
    page.goto(f"{base}/opplaering/")
    page.click("a[href$='/opplaering/kurs/ny/']")
    page.fill("input[name=code]", "TEAMS-GK")
    page.fill("input[name=title]", "Teams grunnkurs")
    page.fill("textarea[name=description]", "Chat, kanaler og filer i Teams.")
    page.select_option("select[name=format]", "classroom")
    page.fill("input[name=duration_minutes]", "120")
    page.fill("input[name=audience]", "Alle ansatte")
    check_accessibility(page)
    with page.expect_navigation():
        page.click("#course-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Teams grunnkurs")
    course_url = page.url
    add_session(page, day, "1", check=True)
    page.goto(course_url)
    add_session(page, day + dt.timedelta(days=1), "5")
    page.goto(course_url)
    expect(page.locator("#sessions > li")).to_have_count(2)
    check_accessibility(page)
    first = Session.objects.order_by("starts_at").first()
    assert first is not None and first.trainer is not None
    assert first.trainer.employee_number == "1009" and first.capacity == 1
    session_url = f"{base}/opplaering/okter/{first.pk}/"

    # Nils takes the only seat.
    nils = open_as("nils")
    nils.goto(f"{base}/opplaering/")
    expect(nils.locator("#courses")).to_contain_text("Teams grunnkurs")
    check_accessibility(nils)
    nils.goto(session_url)
    with nils.expect_navigation():
        nils.click("#enrol-me")
    expect(nils.locator(".ds-alert[data-color=success]")).to_be_visible()
    expect(nils.locator("#cancel-mine")).to_be_visible()
    check_accessibility(nils)

    # The session is full: Fatima lands on the waiting list, as number 1.
    fatima = open_as("fatima")
    fatima.goto(session_url)
    with fatima.expect_navigation():
        fatima.click("#enrol-me")
    expect(fatima.locator("#my-status")).to_contain_text("1")
    mine = Enrolment.objects.get(employee__employee_number="1006")
    assert (mine.status, mine.position) == ("waitlisted", 1)
    check_accessibility(fatima)

    # Nils cancels; Fatima is promoted, sees the seat under My courses and gets the invitation.
    mail.outbox.clear()
    nils.goto(session_url)
    with nils.expect_navigation():
        nils.click("#cancel-mine")
    expect(nils.locator("#enrol-me")).to_be_visible()
    mine.refresh_from_db()
    assert (mine.status, mine.position) == ("enrolled", None)
    fatima.goto(f"{base}/opplaering/mine/")
    expect(fatima.locator("#coming")).to_contain_text("Teams grunnkurs")
    expect(fatima.locator("#waiting")).to_have_count(0)
    check_accessibility(fatima)
    assert {m.to[0] for m in mail.outbox} == {
        "nils.berg@moss.kommune.no",
        "fatima.ahmed@moss.kommune.no",
    }

    # Per registers attendance on his phone: big buttons, no sideways scrolling, one tap each.
    phone = open_as("per", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{session_url}oppmote/")
    fatima_id = Employee.objects.get(employee_number="1006").pk
    row = phone.locator(f"#deltaker-{fatima_id}")
    attended = row.locator("button[value=attended]")
    expect(attended).to_have_attribute("aria-pressed", "false")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in row.locator("button").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    check_accessibility(phone)
    attended.tap()
    expect(phone.locator(f"#deltaker-{fatima_id} button[value=attended]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(phone.locator("#attendance-summary")).to_contain_text("1")
    assert phone.url.endswith("/oppmote/")  # updated in place, no reload
    assert Enrolment.objects.get(employee_id=fatima_id).status == "attended"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(phone)
