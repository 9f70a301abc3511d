"""Each door — web UI, API, CLI — gives the same answer to "who may see whom"."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import Org
from veikart.core.services import create_api_token
from veikart.organisations.models import Employee, Unit

JELOY_SUBTREE = {"Jeløy skole", "Småtrinnet"}
JELOY_PEOPLE = {"Hansen", "Sæther", "Ødegård"}


def web(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def api(user: object, path: str) -> tuple[int, object]:
    _record, token = create_api_token(user, "test")  # type: ignore[arg-type]
    response = Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code, response.json()


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- the unit manager (Ola, rector of Jeløy skole) ------------------------------------------


def test_a_unit_manager_sees_only_their_subtree_in_the_web_ui(org: Org) -> None:
    page = web(org.ola).get("/organisasjon/?dato=2021-01-01").content.decode()
    for name in JELOY_SUBTREE:
        assert name in page
    for outside in ("Glenne sykehjem", "Åsgård barnehage", "Stab og administrasjon"):
        assert outside not in page


def test_a_unit_manager_cannot_open_a_unit_outside_the_subtree(org: Org) -> None:
    client = web(org.ola)
    inside = Unit.objects.get(code="111")
    outside = Unit.objects.get(code="210")
    assert client.get(f"/organisasjon/enheter/{inside.pk}/").status_code == 200
    assert client.get(f"/organisasjon/enheter/{outside.pk}/").status_code == 404


def test_a_unit_manager_lists_only_people_in_the_subtree(org: Org) -> None:
    client = web(org.ola)
    page = client.get("/organisasjon/ansatte/").content.decode()
    for name in JELOY_PEOPLE:
        assert name in page
    assert "Berg" not in page and "Ahmed" not in page
    nils = Employee.objects.get(employee_number="1005")
    assert client.get(f"/organisasjon/ansatte/{nils.pk}/").status_code == 404


def test_a_unit_manager_sees_only_the_subtree_through_the_api(org: Org) -> None:
    status, body = api(org.ola, "/units")
    assert status == 200
    assert {u["name"] for u in body["items"]} == JELOY_SUBTREE  # type: ignore[index]
    status, body = api(org.ola, "/employees")
    assert {e["family_name"] for e in body["items"]} == JELOY_PEOPLE  # type: ignore[index]
    outside = Unit.objects.get(code="210")
    assert api(org.ola, f"/units/{outside.pk}")[0] == 404
    nils = Employee.objects.get(employee_number="1005")
    assert api(org.ola, f"/employees/{nils.pk}")[0] == 404


def test_a_unit_manager_sees_only_the_subtree_on_the_command_line(org: Org) -> None:
    units = cli("list-units", "--user", "ola")
    assert "Jeløy skole" in units and "Småtrinnet" in units
    assert "Glenne" not in units
    people = cli("list-employees", "--user", "ola")
    assert all(name in people for name in JELOY_PEOPLE)
    assert "Berg" not in people and "3 employees" in people


# --- an employee without rights (Nils) -------------------------------------------------------


def test_an_employee_without_rights_sees_no_one_else_in_the_web_ui(org: Org) -> None:
    client = web(org.nils)
    assert client.get("/organisasjon/").status_code == 403
    assert client.get("/organisasjon/ansatte/").status_code == 403
    kari = Employee.objects.get(employee_number="1001")
    assert client.get(f"/organisasjon/ansatte/{kari.pk}/").status_code == 404
    unit = Unit.objects.get(code="210")
    assert client.get(f"/organisasjon/enheter/{unit.pk}/").status_code == 404
    own = client.get("/organisasjon/meg/").content.decode()
    assert "Nils Berg" in own and "nils.berg@rygge.kommune.no" in own


def test_an_employee_without_rights_sees_only_themselves_through_the_api(org: Org) -> None:
    status, body = api(org.nils, "/employees")
    assert status == 200
    assert [e["family_name"] for e in body["items"]] == ["Berg"]  # type: ignore[index]
    assert api(org.nils, "/units")[1]["items"] == []  # type: ignore[index]
    assert api(org.nils, "/organisation")[0] == 404


def test_an_employee_without_rights_sees_only_themselves_on_the_command_line(org: Org) -> None:
    assert "Glenne" not in cli("list-units", "--user", "nils")
    people = cli("list-employees", "--user", "nils")
    assert "Berg" in people and "1 employees" in people


def test_a_trainer_sees_the_unit_tree_but_no_employee_list(org: Org) -> None:
    client = web(org.per)
    assert "Glenne sykehjem" in client.get("/organisasjon/").content.decode()
    assert client.get("/organisasjon/ansatte/").status_code == 403
    assert api(org.per, "/employees")[1]["items"] == []  # type: ignore[index]


@pytest.mark.parametrize("persona", ["kari", "ida", "dina"])
def test_organisation_wide_roles_see_everyone(org: Org, persona: str) -> None:
    user = getattr(org, persona)
    page = web(user).get("/organisasjon/ansatte/").content.decode()
    assert "Berg" in page and "Hansen" in page
    assert len(api(user, "/employees")[1]["items"]) == 7  # type: ignore[index]


def test_only_import_roles_may_import(org: Org) -> None:
    for user, allowed in ((org.kari, True), (org.ida, True), (org.dina, False), (org.ola, False)):
        status = web(user).get("/organisasjon/import/").status_code
        assert status == (200 if allowed else 403), user


def test_the_api_refuses_requests_without_a_valid_token(org: Org) -> None:
    assert Client().get("/api/v1/employees").status_code == 401
    response = Client().get("/api/v1/employees", HTTP_AUTHORIZATION="Bearer vk_not-a-token")
    assert response.status_code == 401


def test_the_web_ui_requires_sign_in(org: Org) -> None:
    response = Client().get("/organisasjon/ansatte/")
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]
