"""Issue 7 as a new user tries it: Per the trainer creates a course with two sessions, Nils takes
the only seat, Fatima lands on the waiting list, Nils cancels and Fatima gets the seat and the
.ics file, Per registers attendance on a phone-sized screen, Ola enrols someone from his school
and sees his unit's progress in the training plan. Kari imports the training history on the web,
lays out a learning path and cancels a session. Every page passes the accessibility check.

The pages' Content-Security-Policy allows no inline script; the browser contexts here bypass it
so that the accessibility checker can be injected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, new_context, sign_in
from tests.trainings.conftest import OSLO, link_per_as_trainer, sign_in_as

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def wider(page: Page) -> str:
    """The elements that reach past the viewport's right edge, for the failure message."""
    found = page.evaluate(
        """() => [...document.querySelectorAll('*')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5
                || e.scrollWidth > e.clientWidth + 0.5 && e.clientWidth > 0)
            .slice(0, 12)
            .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} `
                + `right=${Math.round(e.getBoundingClientRect().right)} `
                + `scroll=${e.scrollWidth} client=${e.clientWidth}`)"""
    )
    return "wider than the screen: " + "; ".join(found)


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
        context = new_context(browser, **options)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_course_from_creation_to_attendance(
    open_as: Callable[..., Page], live_org: Org, live_server: Any
) -> None:
    from veikart.organisations.models import Employee
    from veikart.trainings.models import Enrolment, Session, TrainingTarget

    link_per_as_trainer(live_org)
    sign_in_as(live_org, "1006", "fatima")
    base = live_server.url
    day = timezone.now().astimezone(OSLO).date() + dt.timedelta(days=7)

    # Per creates the course and two sessions.
    page = open_as("per")
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
    # Fatima's calendar file, from My courses.
    href = fatima.locator("#coming a[href$='/kalender.ics']").get_attribute("href")
    ics = fatima.request.get(f"{base}{href}")
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    assert "METHOD:REQUEST" in ics.text() and "SUMMARY:Teams grunnkurs" in ics.text()

    # Per registers attendance on his phone: big buttons, no sideways scrolling, one tap each.
    phone = open_as("per", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{session_url}oppmote/")
    fatima_id = Employee.objects.get(employee_number="1006").pk
    row = phone.locator(f"#deltaker-{fatima_id}")
    attended = row.locator("button[value=attended]")
    expect(attended).to_have_attribute("aria-pressed", "false")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wider(phone)
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
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wider(phone)
    check_accessibility(phone)

    # Ola enrols Bjørn from his school in the second session; the training plan shows Ola how
    # far his unit has come (a small group: a count, no percentage). Ørjan, of his school too,
    # attended an earlier run of the course.
    second = Session.objects.order_by("starts_at").last()
    assert second is not None and second.pk != first.pk
    ola = open_as("ola")
    ola.goto(f"{base}/opplaering/okter/{second.pk}/")
    bjorn_id = Employee.objects.get(employee_number="1007").pk
    ola.select_option("select[name=employee]", str(bjorn_id))
    check_accessibility(ola)
    with ola.expect_navigation():
        ola.click("section[aria-labelledby=enrol-others] button[type=submit]")
    expect(ola.locator("#participant-list")).to_contain_text("Bjørn Ødegård")
    check_accessibility(ola)
    earlier = timezone.now() - dt.timedelta(days=30)
    past = Session.objects.create(
        code="OKT-VAR",
        course=first.course,
        starts_at=earlier,
        ends_at=earlier + dt.timedelta(hours=2),
        location="Rygge rådhus",
    )
    Enrolment.objects.create(
        session=past,
        employee=Employee.objects.get(employee_number="1003"),
        enrolled_on=earlier.date(),
        status="attended",
    )
    target = TrainingTarget.objects.create(
        name="Alle gjennom grunnkurset", value=100, due_date=day + dt.timedelta(days=60)
    )
    ola.goto(f"{base}/opplaering/plan/")
    row = ola.locator("#targets tbody tr", has_text=target.name)
    expect(row.locator("td").nth(3)).to_have_text("1")  # Ørjan; Fatima is not in his unit
    check_accessibility(ola)


def upload_files(tmp: Any) -> list[str]:
    from tests.trainings.test_import import files

    paths = []
    for file in files():
        path = tmp / file.name
        path.write_bytes(file.data)
        paths.append(str(path))
    return paths


def test_the_programme_lead_imports_history_lays_out_a_path_and_cancels_a_session(
    open_as: Callable[..., Page], live_org: Org, live_server: Any, tmp_path: Any
) -> None:
    from veikart.core.models import AuditEvent
    from veikart.trainings.models import Course, Enrolment, LearningPath, Session

    base = live_server.url
    kari = open_as("kari")

    # The history of 2020 from the course system: preview, then apply.
    kari.goto(f"{base}/opplaering/")
    with kari.expect_navigation():
        kari.click("#import-link")
    check_accessibility(kari)
    kari.set_input_files("input[name=files]", upload_files(tmp_path))
    with kari.expect_navigation():
        kari.click("#import-form button[type=submit]")
    expect(kari.locator("#summary")).to_be_visible()
    check_accessibility(kari)
    with kari.expect_navigation():
        kari.click("#apply-form button[type=submit]")
    expect(kari.locator(".ds-alert[data-color=success]")).to_be_visible()
    assert Enrolment.objects.count() == 5
    assert AuditEvent.objects.filter(action="training.import").count() == 1

    # A learning path from the two imported courses.
    kari.goto(f"{base}/opplaering/laeringslop/ny/")
    check_accessibility(kari)
    kari.fill("input[name=name]", "Teams fra start")
    kari.select_option("select[name=step_1]", str(Course.objects.get(code="TEAMS-GK").pk))
    kari.select_option("select[name=step_2]", str(Course.objects.get(code="TEAMS-FIL").pk))
    with kari.expect_navigation():
        kari.click("#path-form button[type=submit]")
    expect(kari.locator("#laeringslop")).to_contain_text("Teams fra start")
    check_accessibility(kari)
    assert LearningPath.objects.get().steps.count() == 2

    # A session to come, with Nils in it, is cancelled: a reason is required.
    start = timezone.now().astimezone(OSLO).replace(microsecond=0) + dt.timedelta(days=5)
    session = Session.objects.create(
        code="OKT-NY",
        course=Course.objects.get(code="TEAMS-GK"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="Moss rådhus",
        capacity=10,
    )
    Enrolment.objects.create(session=session, employee_id=live_org.nils.employee.pk,
                             enrolled_on=start.date() - dt.timedelta(days=10))  # fmt: skip
    mail.outbox.clear()
    kari.goto(f"{base}/opplaering/okter/{session.pk}/")
    with kari.expect_navigation():
        kari.click("#cancel-session-link")
    check_accessibility(kari)
    with kari.expect_navigation():
        kari.click("#cancel-session-form button[type=submit]")
    expect(kari.locator("#form-errors")).to_be_visible()
    check_accessibility(kari)
    kari.fill("textarea[name=reason]", "Kursholderen er syk.")
    with kari.expect_navigation():
        kari.click("#cancel-session-form button[type=submit]")
    expect(kari.locator("#cancelled")).to_contain_text("Kursholderen er syk.")
    check_accessibility(kari)
    assert Enrolment.objects.get(session=session).status == "cancelled"
    assert [m.to for m in mail.outbox] == [["nils.berg@moss.kommune.no"]]
