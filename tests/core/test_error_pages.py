"""The error pages speak bokmål and say what to do; the 500 page needs no database."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from tests.conftest import Org


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_unknown_address_gets_a_norwegian_page_with_the_way_back(org: Org) -> None:
    response = signed_in(org.nils).get("/finnes-ikke/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Fant ikke siden" in page and 'href="/"' in page
    assert 'lang="nb"' in page


def test_a_page_the_role_does_not_allow_says_whom_to_ask(org: Org) -> None:
    response = signed_in(org.nils).get("/personvern/logg/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Ingen tilgang" in page and "programleder" in page


def test_a_request_django_refuses_gets_a_norwegian_400(org: Org) -> None:
    response = Client().get("/", HTTP_HOST="not allowed here")

    assert response.status_code == 400
    assert "Forespørselen kan ikke brukes" in response.content.decode()


def test_the_500_page_renders_without_the_database() -> None:
    # No django_db mark: any query here raises, as when PostgreSQL is down.
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/bruk/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Noe gikk galt" in page and "IT-avdelingen" in page


@pytest.mark.django_db
def test_english_is_available_on_the_error_pages(org: Org) -> None:
    client = signed_in(org.nils)
    client.cookies["django_language"] = "en"

    assert "Page not found" in client.get("/finnes-ikke/").content.decode()
