"""The health endpoints: /helse/live (the process answers) and /helse/klar (ready to serve)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from veikart.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_live_answers_without_signing_in_and_without_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/helse/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_ready_answers_200_when_every_check_passes(client: Client, own_lake: Path) -> None:
    response = client.get("/helse/klar")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "lake": "ok", "duckdb": "ok"},
    }
    assert own_lake.is_dir()
    assert list(own_lake.iterdir()) == []  # the write probe leaves nothing behind


def test_ready_answers_503_when_a_migration_is_not_applied(client: Client) -> None:
    MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first().delete()  # type: ignore[union-attr]
    response = client.get("/helse/klar")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["migrations"] == "failed"
    assert response.json()["checks"]["database"] == "ok"


def test_ready_answers_503_when_the_database_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/helse/klar")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "failed" and checks["migrations"] == "failed"
    assert checks["lake"] == "ok"


def test_ready_answers_503_when_the_lake_cannot_be_written(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    blocked = tmp_path / "secret-lake-location"
    blocked.write_text("a file where the lake directory should be")
    settings.LAKE_DIR = blocked
    response = client.get("/helse/klar")
    assert response.status_code == 503
    assert response.json()["checks"]["lake"] == "failed"
    assert b"secret-lake-location" not in response.content  # no paths or error text


def test_ready_answers_503_when_duckdb_cannot_be_imported(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # makes `import duckdb` fail
    response = client.get("/helse/klar")
    assert response.status_code == 503
    assert response.json()["checks"]["duckdb"] == "failed"


def test_a_failed_check_is_logged_with_its_reason(
    client: Client, settings: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "lake-is-a-file"
    blocked.write_text("")
    settings.LAKE_DIR = blocked
    client.get("/helse/klar")
    assert any(
        r.name == "veikart.health"
        and "lake" in r.getMessage()
        and "lake-is-a-file" in r.getMessage()
        for r in caplog.records
    )


def test_health_answers_any_host_name_so_local_probes_work(client: Client, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["veikart.moss.kommune.no"]
    assert client.get("/helse/live", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/helse/klar", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/logg-inn/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_health_is_not_redirected_to_https(client: Client, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^helse/"]
    assert client.get("/helse/live").status_code == 200
    assert client.get("/logg-inn/").status_code == 301


def test_health_writes_no_audit_event_and_takes_no_posts(client: Client) -> None:
    before = AuditEvent.objects.count()
    client.get("/helse/live")
    client.get("/helse/klar")
    assert AuditEvent.objects.count() == before
    assert client.post("/helse/klar").status_code == 405
    assert client.head("/helse/live").status_code == 200
