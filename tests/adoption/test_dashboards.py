"""The adoption dashboards under /bruk/, through HTTP: what Kari, Ola and Nils see.

The figures are stored directly (tests/adoption/factories.py), so these tests read exactly the
numbers the privacy planner would have left visible. Words are checked in English (the msgids, so
the tests hold before and after the bokmål catalogue is updated); number formats in bokmål.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.adoption.factories import dashboard_figures
from tests.conftest import Org
from veikart.core.collation import sort_key
from veikart.organisations.models import Employee, Unit
from veikart.trainings.models import Course, Enrolment, Session

PAGES = [
    "/bruk/",
    "/bruk/enheter/{oppvekst}/",
    "/bruk/sammenlign/",
    "/bruk/tidligere-kommuner/",
    "/bruk/ledere/",
    "/bruk/hvor-trengs-hjelp/",
    "/bruk/skjulte-tall/",
]


@pytest.fixture
def figures(org: Org) -> Org:
    dashboard_figures(org.organisation)
    return org


def client_for(user: object, language: str = "nb") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def pk(code: str) -> int:
    return Unit.objects.get(code=code).pk


def page_text(client: Client, url: str) -> str:
    """The visible text of a page's main part, tags and scripts stripped, spaces collapsed."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    content = response.content.decode()
    main = content[content.index("<main") :]
    main = re.sub(r"<script[^>]*>.*?</script>", " ", main, flags=re.S)
    main = re.sub(r"<select.*?</select>", " ", main, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def table_rows(client: Client, url: str, caption: str = "") -> dict[str, list[str]]:
    """Rows of the data tables (those whose caption has ``caption``) by their first cell."""
    content = client.get(url).content.decode()
    tables = [
        table
        for table in re.findall(r"<table.*?</table>", content, flags=re.S)
        if caption in re.sub(r"<[^>]+>", "", table.split("</caption>")[0])
    ]
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", "".join(tables), flags=re.S):
        cells = [
            re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", cell))).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        if cells:
            rows.setdefault(cells[0], cells[1:])
    return rows


def chart_specs(client: Client, url: str) -> dict[str, object]:
    content = client.get(url).content.decode()
    found = re.findall(
        r'<script id="([^"]+)-spec" type="application/json">(.*?)</script>', content, flags=re.S
    )
    return {key: json.loads(spec) for key, spec in found}


# --- Every page, and who may open it ------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_for_the_programme_lead(figures: Org, url: str) -> None:
    response = client_for(figures.kari).get(url.format(oppvekst=pk("100")))
    assert response.status_code == 200
    assert b"vendor/vega/vega-embed.min.js" in response.content
    assert b"veikart/charts.js" in response.content


@pytest.mark.parametrize("url", PAGES)
def test_an_employee_without_rights_is_refused_every_page(figures: Org, url: str) -> None:
    response = client_for(figures.nils).get(url.format(oppvekst=pk("100")))
    assert response.status_code == 403


def test_it_requires_signing_in(figures: Org) -> None:
    response = Client().get("/bruk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/logg-inn/")


def test_the_pages_say_so_when_nothing_is_computed_yet(org: Org) -> None:
    kari = client_for(org.kari, "en")
    for url in ("/bruk/", "/bruk/sammenlign/", "/bruk/hvor-trengs-hjelp/"):
        assert "No adoption figures have been computed yet" in page_text(kari, url)


def test_the_menu_and_the_home_page_lead_to_the_dashboards_for_those_who_may_see_them(
    figures: Org,
) -> None:
    assert b'href="/bruk/"' in client_for(figures.kari).get("/").content
    assert b'href="/bruk/"' in client_for(figures.ola).get("/").content
    assert b'href="/bruk/"' not in client_for(figures.nils).get("/").content


# --- The overview -------------------------------------------------------------------------------


def test_the_overview_shows_the_latest_week_in_norwegian_number_format(figures: Org) -> None:
    text = page_text(client_for(figures.kari), "/bruk/")
    assert "16.03.2020–22.03.2020" in text
    assert "71,5" in text  # active in Teams
    assert "86,5" in text  # active in Microsoft 365
    assert "0,36" in text  # the e-mail to Teams shift, a ratio with two decimals
    rows = table_rows(client_for(figures.kari), "/bruk/")
    # Value, previous week, change, a year before, change since then.
    assert rows["Aktive i Teams"][:5] == ["71,5 %", "67,3 %", "+4,2", "40,0 %", "+31,5"]
    assert rows["E-poster sendt per person"][:5] == ["22,9", "23,3", "−0,4", "26,0", "−3,1"]


def test_the_overview_says_in_words_how_much_each_headline_changed(figures: Org) -> None:
    text = page_text(client_for(figures.kari, "en"), "/bruk/")
    assert (
        "The share active in Teams rose by 4.2 percentage points since the previous week." in text
    )
    assert "rose by 31.5 percentage points since the same week last year." in text
    assert "Teams messages per person rose by 0.4 since the previous week." in text


def test_the_overview_by_month_has_no_change_without_a_previous_month(figures: Org) -> None:
    text = page_text(client_for(figures.kari, "en"), "/bruk/?periode=maned")
    assert "70.0%" in text
    assert "since the previous month" not in text


def test_the_overview_charts_carry_the_merger_and_the_lockdown(figures: Org) -> None:
    specs = chart_specs(client_for(figures.kari, "en"), "/bruk/")
    trend = json.dumps(specs["trend"])
    assert '"day": "2020-01-01"' in trend and '"day": "2020-03-12"' in trend
    assert "spark-active_teams" in specs


# --- The unit page ------------------------------------------------------------------------------


def test_the_unit_page_compares_the_unit_with_the_whole_organisation(figures: Org) -> None:
    kari = client_for(figures.kari)
    url = f"/bruk/enheter/{pk('100')}/"
    text = page_text(kari, url)
    assert "80,0 %" in text and "71,5 %" in text
    rows = table_rows(kari, url)
    assert rows["Jeløy skole"] == ["20", "83,3 %", "+3,3"]  # 83.25 rounds half up
    assert rows["Åsgård barnehage"] == ["10", "61,0 %", "+6,0"]


def test_the_unit_page_marks_training_days_of_the_units_people_and_never_their_names(
    figures: Org,
) -> None:
    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=90)
    oslo = timezone.get_current_timezone()

    def session(code: str, day: dt.date, employee_number: str) -> None:
        start = dt.datetime(day.year, day.month, day.day, 9, tzinfo=oslo)
        held = Session.objects.create(
            code=code, course=course, starts_at=start, ends_at=start + dt.timedelta(hours=2)
        )
        Enrolment.objects.create(
            session=held,
            employee=Employee.objects.get(employee_number=employee_number),
            enrolled_on=day - dt.timedelta(days=20),
            status="attended",
        )

    session("S1", dt.date(2019, 10, 15), "1003")  # Ørjan Sæther, Småtrinnet (under Oppvekst)
    session("S2", dt.date(2019, 11, 5), "1005")  # Nils Berg, Glenne sykehjem (elsewhere)
    content = client_for(figures.kari).get(f"/bruk/enheter/{pk('100')}/").content.decode()
    spec = json.dumps(chart_specs(client_for(figures.kari), f"/bruk/enheter/{pk('100')}/"))
    assert '"day": "2019-10-15"' in spec
    assert "2019-11-05" not in spec
    for name in ("Ørjan", "Sæther", "Nils", "Berg"):
        assert name not in content


def test_the_unit_page_shows_groups_only_where_they_may_be_shown(figures: Org) -> None:
    kari = client_for(figures.kari, "en")
    rows = table_rows(kari, f"/bruk/enheter/{pk('100')}/", "by training status")
    # Oppvekst by training status: the trained are shown, the never-enrolled (12) are hidden.
    trained_and_never = rows["Week 12 2020"]
    assert "86.0%" in trained_and_never and "hidden" in trained_and_never
    # Jeløy skole has three leaders: neither leaders nor the others are shown beside each other.
    content = kari.get(f"/bruk/enheter/{pk('110')}/").content.decode()
    assert 'id="unit-is-leader"' not in content
    assert "in this unit they never are" in content
    assert 'id="unit-training-status"' not in content


def test_a_hidden_unit_shows_neither_value_nor_group_size(figures: Org) -> None:
    kari = client_for(figures.kari, "en")
    text = page_text(kari, f"/bruk/enheter/{pk('111')}/")
    figures_part = text[text.index("Småtrinnet, week 12 2020") :][:120]
    assert "hidden" in figures_part
    assert " 7 " not in f" {figures_part} "
    specs = json.dumps(chart_specs(kari, f"/bruk/enheter/{pk('111')}/"))
    assert '"value": null' in specs and '"text": "hidden"' in specs


# --- Unit comparison ----------------------------------------------------------------------------


def test_the_comparison_lists_the_top_units_by_value_with_heat_and_hidden_cells(
    figures: Org,
) -> None:
    kari = client_for(figures.kari, "en")
    rows = table_rows(kari, "/bruk/sammenlign/")
    assert list(rows)[1:] == ["Oppvekst", "Stab og administrasjon", "Helse og omsorg"]
    assert rows["Oppvekst"] == ["30", "80.0%", "+4.0", "+45.0"]

    all_levels = table_rows(kari, "/bruk/sammenlign/?niva=0")
    assert list(all_levels)[-1] == "Småtrinnet"  # hidden: last, whatever the order
    assert all_levels["Småtrinnet"] == ["hidden", "hidden", "–", "–"]
    content = kari.get("/bruk/sammenlign/?niva=0").content.decode()
    assert re.search(r'class="vk-num vk-heat-4">\s*83.3%', content)  # Jeløy skole, the highest
    assert re.search(r'class="vk-num vk-heat-0">\s*52.5%', content)  # Helse og omsorg, lowest


def test_the_comparison_sorts_unit_names_in_norwegian_order(figures: Org) -> None:
    Unit.objects.filter(code="300").update(name="Ørje stab", sort_key=sort_key("Ørje stab"))
    rows = table_rows(
        client_for(figures.kari), "/bruk/sammenlign/?niva=0&sorter=navn&rekkefolge=stigende"
    )
    assert list(rows)[1:] == [
        "Glenne sykehjem",
        "Helse og omsorg",
        "Jeløy skole",
        "Oppvekst",
        "Småtrinnet",
        "Ørje stab",
        "Åsgård barnehage",
    ]


def test_the_comparison_headers_sort_and_say_how(figures: Org) -> None:
    content = client_for(figures.kari).get("/bruk/sammenlign/?sorter=endring").content.decode()
    assert 'aria-sort="descending"' in content
    assert "?sorter=endring&amp;rekkefolge=stigende" in content


def test_the_comparison_can_be_limited_to_a_subtree(figures: Org) -> None:
    rows = table_rows(client_for(figures.kari), f"/bruk/sammenlign/?under={pk('100')}")
    assert list(rows)[1:] == ["Jeløy skole", "Åsgård barnehage"]


# --- Former organisations, leaders, where help is needed ---------------------------------------


def test_the_former_organisations_are_side_by_side_with_their_difference(figures: Org) -> None:
    kari = client_for(figures.kari, "en")
    text = page_text(kari, "/bruk/tidligere-kommuner/")
    assert (
        "The difference between Moss kommune (til 2020) and Rygge kommune (til 2020) was 12.0 "
        "percentage points in week 10 2020 and is 12.0 percentage points in week 12 2020." in text
    )
    rows = table_rows(kari, "/bruk/tidligere-kommuner/")
    assert rows["Week 12 2020"] == ["76.5%", "64.5%", "71.5%", "+12.0"]
    unit_rows = table_rows(kari, f"/bruk/tidligere-kommuner/?enhet={pk('100')}")
    assert unit_rows["Week 12 2020"] == ["82.0%", "77.0%", "80.0%", "+5.0"]


def test_leaders_are_compared_with_their_units_only_where_both_groups_are_shown(
    figures: Org,
) -> None:
    kari = client_for(figures.kari, "en")
    text = page_text(kari, "/bruk/ledere/?niva=0")
    # Leaders were at 60 % in the first week with figures: when they passed 50 % is not known.
    assert "Leaders reached 50% in week 12 2019 or earlier, the others in week 10 2020." in text
    assert "followed" not in text
    rows = table_rows(kari, "/bruk/ledere/?niva=0&terskel=70")
    assert rows["Oppvekst"] == [
        "Week 10 2020",
        "Week 11 2020",
        "1",
        "Week 12 2020",
        "95.0%",
        "75.0%",
    ]
    assert "Jeløy skole" not in rows  # three leaders: never shown beside the others
    text = page_text(kari, "/bruk/ledere/?terskel=70")
    assert "Leaders reached 70% in week 10 2020; the others have not yet." in text


def test_leaders_follow_in_words_when_both_reach_the_threshold(figures: Org) -> None:
    text = page_text(client_for(figures.kari, "en"), "/bruk/ledere/?terskel=62")
    assert "Leaders reached 62% in week 10 2020, the others in week 11 2020." in text
    assert "The others followed 1 week later." in text


def test_where_help_is_needed_ranks_the_lowest_and_the_slowest(figures: Org) -> None:
    kari = client_for(figures.kari, "en")
    rows = table_rows(kari, "/bruk/hvor-trengs-hjelp/?vindu=52")
    assert list(rows)[1:4] == ["Glenne sykehjem", "Helse og omsorg", "Åsgård barnehage"]
    # Growth over 52 weeks: Helse og omsorg and Glenne +7.5, Åsgård +21, Stab +20, …
    assert rows["Glenne sykehjem"] == ["20", "52.5%"]  # the lowest table comes first
    content = kari.get("/bruk/hvor-trengs-hjelp/?vindu=52").content.decode()
    slowest = content[content.index("The units with the slowest growth") :]
    order = re.findall(r'<th scope="row"><a class="ds-link" href="[^"]+">([^<]+)</a>', slowest)
    assert order[:4] == [
        "Glenne sykehjem",
        "Helse og omsorg",
        "Stab og administrasjon",
        "Åsgård barnehage",
    ]


# --- A unit manager sees his subtree ------------------------------------------------------------


def test_a_unit_manager_sees_his_subtree_and_the_organisation_total_only(figures: Org) -> None:
    ola = client_for(figures.ola)
    assert ola.get("/bruk/").status_code == 200
    assert ola.get(f"/bruk/enheter/{pk('110')}/").status_code == 200
    assert ola.get(f"/bruk/enheter/{pk('111')}/").status_code == 200
    for other in ("100", "210", "300"):
        assert ola.get(f"/bruk/enheter/{pk(other)}/").status_code == 404
    rows = table_rows(ola, "/bruk/sammenlign/?niva=0")
    assert set(rows) - {"Enhet", "Unit"} == {"Jeløy skole", "Småtrinnet"}
    assert ola.get(f"/bruk/tidligere-kommuner/?enhet={pk('210')}").status_code == 404


def test_a_unit_manager_gets_no_organisation_wide_breakdowns(figures: Org) -> None:
    ola = client_for(figures.ola, "en")
    former = ola.get("/bruk/tidligere-kommuner/").content.decode()
    assert "Rygge kommune (til 2020)" not in former  # only Oppvekst has them, not his school
    leaders = page_text(ola, "/bruk/ledere/")
    assert "Leaders reached" not in leaders
    overview = page_text(ola, "/bruk/")
    assert "Jeløy skole" in overview and "Oppvekst" not in overview


def test_views_of_breakdowns_into_smaller_groups_are_audited_without_figures(
    figures: Org,
) -> None:
    from veikart.core.models import AuditEvent

    kari = client_for(figures.kari)
    kari.get(f"/bruk/enheter/{pk('110')}/", {"metric": "active_teams"})
    kari.get("/bruk/ledere/")
    kari.get("/bruk/")  # the overview is organisation-wide only: not recorded
    events = list(AuditEvent.objects.filter(action="adoption.view").order_by("pk"))
    assert [e.target for e in events] == ["unit", "leaders"]
    assert events[0].detail == {"unit": pk("110"), "query": {"metric": "active_teams"}}
    assert all(e.actor_id == figures.kari.pk for e in events)
