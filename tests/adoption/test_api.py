"""/api/v1/adoption: the registry and the stored figures, scoped and suppressed as on the web."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.test import Client

from tests.conftest import Org
from veikart.adoption.models import Figure
from veikart.organisations.models import Organisation, Unit

WEEK = dt.date(2020, 3, 16)


def store(
    org: Org, breakdown: str, code: str | None, n: int, value: float | None, *, attribute: str = ""
) -> None:
    visible = value is not None
    Figure.objects.create(
        organisation=cast(Organisation, org.organisation),
        grain="week",
        period=WEEK,
        breakdown=breakdown,
        unit=Unit.objects.get(code=code) if code else None,
        attribute=attribute,
        n=n,
        visible=visible,
        values={"active_teams": value, "emails_sent_per_person": None} if visible else {},
    )


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def figures(client: Client, **query: str) -> list[dict[str, object]]:
    response = client.get("/api/v1/adoption/figures", {"metric": "active_teams", **query})
    assert response.status_code == 200, response.content
    return response.json()["items"]  # type: ignore[no-any-return]


def test_the_programme_lead_reads_every_unit_and_hidden_figures_carry_nothing(org: Org) -> None:
    store(org, "", None, 60, 71.5)
    store(org, "unit_subtree", "110", 25, 80.0)
    store(org, "unit_subtree", "111", 3, None)
    store(org, "unit_subtree", "210", 30, 55.25)
    rows = figures(client_for(org.kari), breakdown="unit_subtree")
    by_unit = {Unit.objects.get(pk=cast(int, r["unit_id"])).code: r for r in rows}
    assert by_unit["110"] == {
        "period": "2020-03-16",
        "breakdown": "unit_subtree",
        "unit_id": Unit.objects.get(code="110").pk,
        "attribute": "",
        "value": 80.0,
        "n": 25,
        "suppressed": False,
    }
    assert by_unit["111"]["suppressed"] is True
    assert by_unit["111"]["value"] is None and by_unit["111"]["n"] is None
    assert by_unit["210"]["value"] == 55.25


def test_a_unit_manager_reads_his_subtree_and_the_whole_organisation_only(org: Org) -> None:
    store(org, "", None, 60, 71.5)
    store(org, "former_org", None, 40, 70.0, attribute="moss")
    store(org, "unit_subtree", "110", 25, 80.0)
    store(org, "unit_subtree", "210", 30, 55.25)
    ola = client_for(org.ola)
    assert [
        Unit.objects.get(pk=cast(int, r["unit_id"])).code
        for r in figures(ola, breakdown="unit_subtree")
    ] == ["110"]
    assert [r["value"] for r in figures(ola)] == [71.5]
    assert figures(ola, breakdown="former_org") == []
    # Asking for another unit by id gives nothing either.
    other = str(Unit.objects.get(code="210").pk)
    assert figures(ola, breakdown="unit_subtree", unit=other) == []


def test_an_employee_without_rights_is_refused(org: Org) -> None:
    store(org, "", None, 60, 71.5)
    nils = client_for(org.nils)
    assert nils.get("/api/v1/adoption/figures", {"metric": "active_teams"}).status_code == 403
    assert nils.get("/api/v1/adoption/metrics").status_code == 403


def test_unknown_metrics_and_breakdowns_are_explained(org: Org) -> None:
    kari = client_for(org.kari)
    response = kari.get("/api/v1/adoption/figures", {"metric": "likes"})
    assert response.status_code == 400 and "/api/v1/adoption/metrics" in response.json()["detail"]
    response = kari.get("/api/v1/adoption/figures", {"metric": "active_teams", "breakdown": "age"})
    assert response.status_code == 400 and "unit_subtree" in response.json()["detail"]


def test_the_registry_is_published(org: Org) -> None:
    metrics = client_for(org.kari).get("/api/v1/adoption/metrics").json()
    keys = [m["key"] for m in metrics]
    assert "email_to_teams_shift" in keys and len(keys) == len(set(keys)) >= 10
    shift = next(m for m in metrics if m["key"] == "email_to_teams_shift")
    assert shift["name_nb"] and shift["unit"] in ("percent", "ratio")


def test_every_dashboard_table_is_in_the_api_with_the_page_scoping(org: Org) -> None:
    from tests.adoption.factories import dashboard_figures
    from veikart.adoption.views import EXPORTS
    from veikart.core.models import AuditEvent

    dashboard_figures(org.organisation)
    kari = client_for(org.kari)
    school = str(Unit.objects.get(code="110").pk)
    for name in EXPORTS:
        response = kari.get(f"/api/v1/adoption/tables/{name}", {"enhet": school})
        assert response.status_code in (200, 404), (name, response.status_code)
    body = kari.get("/api/v1/adoption/tables/sammenligning").json()
    assert body["key"] == "sammenligning" and body["columns"][0]["label"]
    hidden = [e for row in body["rows"] for e in row if e["suppressed"]]
    assert all(e["value"] is None for e in hidden)
    numbers = [e["value"] for row in body["rows"] for e in row if isinstance(e["value"], float)]
    assert numbers
    assert AuditEvent.objects.filter(action="adoption.api-table").exists()
    # Ola: his school's page, not another unit's; Nils: nothing.
    ola = client_for(org.ola)
    other = str(Unit.objects.get(code="210").pk)
    assert ola.get("/api/v1/adoption/tables/enhet-utvikling", {"enhet": school}).status_code == 200
    assert ola.get("/api/v1/adoption/tables/enhet-utvikling", {"enhet": other}).status_code == 404
    nils = client_for(org.nils)
    assert nils.get("/api/v1/adoption/tables/oversikt").status_code == 403
    assert kari.get("/api/v1/adoption/tables/nope").status_code == 404


def test_numbers_no_database_can_hold_are_ignored_not_a_server_error(org: Org) -> None:
    from tests.adoption.factories import dashboard_figures

    dashboard_figures(org.organisation)
    kari = client_for(org.kari)
    for hostile in ("9" * 30, "²", "-" + "9" * 25, "1e9"):
        for parameter in ("enhet", "under", "niva", "vindu", "terskel"):
            response = kari.get("/api/v1/adoption/tables/sammenligning", {parameter: hostile})
            assert response.status_code == 200, (parameter, hostile, response.status_code)
            page = kari.get("/bruk/sammenlign/", {parameter: hostile})
            assert page.status_code == 200, (parameter, hostile, page.status_code)
