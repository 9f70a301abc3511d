"""/api/v1/: published OpenAPI, token auth, the same scoping as the UI."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client

from tests.conftest import Org


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_openapi_schema_is_published_and_documents_every_endpoint() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Veikart API"
    assert {"/api/v1/units", "/api/v1/employees", "/api/v1/organisation", "/api/v1/me"} <= set(
        schema["paths"]
    )
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert operation.get("summary"), path
    assert Client().get("/api/v1/docs").status_code == 200


def test_a_token_made_on_the_command_line_reads_the_api_as_its_user(org: Org) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api-token", "create", "--user", "kari", "--name", "Power BI", stdout=out, stderr=err
    )
    token = out.getvalue().strip()
    assert token.startswith("vk_") and "only a digest" in err.getvalue()
    client = Client()
    me = client.get("/api/v1/me", **bearer(token)).json()
    assert me["username"] == "kari" and "programme_lead" in me["roles"]
    org_body = client.get("/api/v1/organisation", **bearer(token)).json()
    assert [f["code"] for f in org_body["former_organisations"]] == ["moss", "rygge"]
    employees = client.get("/api/v1/employees?date=2021-01-01", **bearer(token)).json()
    assert employees["count"] == 7


def test_a_revoked_token_is_refused(org: Org) -> None:
    out = io.StringIO()
    call_command(
        "api-token", "create", "--user", "kari", "--name", "x", stdout=out, stderr=io.StringIO()
    )
    token = out.getvalue().strip()
    call_command("api-token", "revoke", token[:10], stdout=io.StringIO())
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def test_units_can_be_read_as_of_a_date_before_the_merger(org: Org) -> None:
    client = Client()
    client.force_login(org.kari)
    before = client.get("/api/v1/units?date=2019-06-01").json()
    assert [u["code"] for u in before["items"]] == ["900"]
    assert before["items"][0]["former_organisation"] == "rygge"
