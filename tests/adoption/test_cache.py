"""Dashboard pages kept between requests (veikart/adoption/cache.py): built once per figures,
scope, choices and language — and never handed to someone who may see other figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.adoption.factories import dashboard_figures
from tests.adoption.test_dashboards import client_for, page_text, pk, table_rows
from tests.conftest import Org
from veikart.adoption.models import ComputeState, Figure
from veikart.core.constants import Role
from veikart.core.services import grant_role
from veikart.organisations.models import Unit


@pytest.fixture
def computed(org: Org) -> Org:
    """The dashboards' figures, as stored by a compute (which records when it ran)."""
    dashboard_figures(org.organisation)
    ComputeState.objects.create(
        organisation=org.organisation, settings_key="test", weeks={}, computed_at=timezone.now()
    )
    return org


def figure_queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return sum('"adoption_figure"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/bruk/",
        "/bruk/enheter/{unit}/",
        "/bruk/sammenlign/",
        "/bruk/tidligere-kommuner/",
        "/bruk/ledere/",
        "/bruk/hvor-trengs-hjelp/",
        "/api/v1/adoption/tables/sammenligning",
    ],
)
def test_a_page_asked_for_again_is_not_built_again(computed: Org, url: str) -> None:
    kari = client_for(computed.kari)
    url = url.format(unit=pk("110"))
    first = kari.get(url).content
    assert figure_queries(kari, url) == 0
    if url.startswith("/api/"):  # (an HTML page differs by its CSP nonce)
        assert kari.get(url).content == first


def test_another_choice_is_another_page(computed: Org) -> None:
    kari = client_for(computed.kari)
    kari.get("/bruk/sammenlign/")
    assert figure_queries(kari, "/bruk/sammenlign/?maal=active_m365") > 0


def test_managers_of_different_subtrees_never_share_a_page(computed: Org) -> None:
    helse = User.objects.create_user("helse")
    grant_role(helse, Role.UNIT_MANAGER, unit=Unit.objects.get(code="200"))
    ola = client_for(computed.ola)
    assert set(table_rows(ola, "/bruk/sammenlign/?niva=0")) - {"Enhet"} == {
        "Jeløy skole",
        "Småtrinnet",
    }
    other = client_for(helse)
    rows = set(table_rows(other, "/bruk/sammenlign/?niva=0")) - {"Enhet"}
    assert rows and not rows & {"Jeløy skole", "Småtrinnet"}
    # And the programme lead's page is not a manager's either.
    everything = set(table_rows(client_for(computed.kari), "/bruk/sammenlign/?niva=0"))
    assert {"Jeløy skole", "Glenne sykehjem"} <= everything


def test_each_language_has_its_own_page(computed: Org) -> None:
    assert "Aktive i Teams" in page_text(client_for(computed.kari), "/bruk/")
    assert "Active in Teams" in page_text(client_for(computed.kari, "en"), "/bruk/")


def test_new_figures_replace_the_kept_pages_at_once(computed: Org) -> None:
    kari = client_for(computed.kari)
    assert "71,5" in page_text(kari, "/bruk/")
    latest = Figure.objects.filter(breakdown="", grain="week").order_by("-period").first()
    assert latest is not None
    latest.values = {**latest.values, "active_teams": 12.25}
    latest.save()
    # Until a compute says the figures changed, the kept page is served…
    assert "71,5" in page_text(kari, "/bruk/")
    ComputeState.objects.update(computed_at=timezone.now() + dt.timedelta(seconds=1))
    # …and then every page is built from the new figures.
    text = page_text(kari, "/bruk/")
    assert "12,3" in text and "71,5" not in text


def test_without_a_compute_nothing_is_kept(org: Org) -> None:
    dashboard_figures(org.organisation)  # stored by hand: no compute has run
    kari = client_for(org.kari)
    kari.get("/bruk/")
    assert figure_queries(kari, "/bruk/") > 0
