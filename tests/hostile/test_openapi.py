"""The API against its own OpenAPI schema, with schemathesis: generated requests to every
operation (valid and invalid parameters) as Kari (sees everything) and as Nils (sees almost
nothing): no 5xx, every answer conforms to the schema (status codes, content type, body), and
nothing answers without a token.

The schema is the one /api/v1/openapi.json publishes (django-ninja builds it from the routers);
requests go through the whole Django stack in-process (``veikart.conf.wsgi.application``), inside
the test's transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings

from tests.hostile.conftest import World
from veikart.api.api import api
from veikart.conf.wsgi import application

PREFIX = "/api/v1/"
RAW: dict[str, Any] = dict(api.get_openapi_schema(path_prefix=PREFIX))
SCHEMA = schemathesis.openapi.from_dict(RAW)
SCHEMA.app = application  # every call, the checks' own too, goes through the WSGI app

EXAMPLES = settings(
    # More with HOSTILE_API_EXAMPLES=200; derandomized so that the suite gives the same answer
    # every run (a new failure found by a longer random run gets its own test).
    max_examples=int(os.environ.get("HOSTILE_API_EXAMPLES", "15")),
    derandomize="HOSTILE_API_EXAMPLES" not in os.environ,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def keep_the_connection() -> Iterator[None]:
    """Calls into the WSGI app end with Django's request_finished, which closes the database
    connection — and with it the test's transaction on PostgreSQL. The test client does the same
    as this: it keeps the connection for the length of the test."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token(user: Any) -> str:
    from veikart.core.services import create_api_token

    _record, raw = create_api_token(user, "schemathesis")
    return raw


@pytest.fixture
def tokens(world: World) -> dict[str, str]:
    return {"kari": _token(world.org.kari), "nils": _token(world.org.nils)}


@SCHEMA.parametrize()
@EXAMPLES
def test_every_api_operation_answers_kari_within_its_schema(
    case: schemathesis.Case[Any], tokens: dict[str, str]
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens['kari']}"})


@SCHEMA.parametrize()
@EXAMPLES
def test_every_api_operation_answers_nils_within_its_schema(
    case: schemathesis.Case[Any], tokens: dict[str, str]
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens['nils']}"})


def _operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in RAW["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.mark.parametrize("method, path", _operations())
@pytest.mark.parametrize("authorization", [None, "Bearer vk_not-a-token", "Basic a2FyaTp4"])
def test_every_api_operation_refuses_a_request_without_a_valid_token(
    world: World, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = Client().generic(method, _with_ids(path, world), headers=headers)
    assert response.status_code == 401, (method, path, response.status_code)


def _with_ids(path: str, world: World) -> str:
    import re

    return re.sub(r"\{(\w+?)_id\}", lambda m: str(world.ids.get(m.group(1), 1)), path)


def test_every_response_schema_has_a_name_of_its_own() -> None:
    import importlib
    from collections import defaultdict

    from ninja import Schema

    names: dict[str, set[str]] = defaultdict(set)
    apps = ("organisations", "adoption", "systems", "trainings", "roadmaps", "agreements")
    for name in [*(f"veikart.{app}.api" for app in apps), "veikart.api.params"]:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                names[value.__name__].add(module.__name__)
    shared = {name: sorted(modules) for name, modules in names.items() if len(modules) > 1}
    assert not shared, shared


def test_the_schema_documents_the_error_answers() -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, item in RAW["paths"].items()
        for method, operation in item.items()
        if not {"400", "401", "403", "404", "422"}
        <= {str(status) for status in operation.get("responses", {})}
    ]
    assert not undocumented, undocumented


@pytest.mark.parametrize(
    "path", ["/api/v1/units?date=0", "/api/v1/employees?date=20200101", "/api/v1/units?date=1e9"]
)
def test_a_number_is_not_taken_for_a_date(world: World, path: str) -> None:
    client = Client()
    client.force_login(world.org.kari)
    response = client.get(path)
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.json()["detail"][0]["msg"]
    assert client.get("/api/v1/units?date=2020-01-31").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/systems/systems?former_organisation=%00",
        "/api/v1/systems/decisions?status=a%00b",
        "/api/v1/units?%00=1",
        "/api/v1/adoption/tables/%00",
    ],
)
def test_a_nul_byte_in_an_api_request_is_refused(world: World, path: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.org.kari)
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("field", [("title", "Teams\x00"), ("tit\x00le", "Teams")])
def test_a_nul_byte_in_a_form_or_page_address_is_refused(
    world: World, field: tuple[str, str]
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.org.kari)
    response = client.post(reverse("roadmaps:initiative-create"), dict([field]))
    assert response.status_code == 400 and b"NUL" in response.content
    response = client.get(reverse("systems:list") + "?kategori=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/training/sessions?course_id={2**70}",
        f"/api/v1/training/courses/{2**63}",
        f"/api/v1/roadmap/targets?initiative={2**70}",
        f"/api/v1/units/{2**70}",
        f"/api/v1/employees/{-(2**70)}",
        f"/api/v1/agreements/current?unit={2**64}",
        f"/api/v1/agreements/acknowledgements?agreement={2**64}",
        f"/api/v1/adoption/figures?metric=active_teams&unit={2**70}",
    ],
)
def test_an_id_beyond_64_bits_is_refused(world: World, path: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.org.kari)
    assert client.get(path).status_code == 422
