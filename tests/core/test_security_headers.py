"""Security headers, the Content-Security-Policy, request ids and the request log."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import Org
from veikart.core.logging import JsonFormatter, RequestIdFilter
from veikart.core.middleware import content_security_policy

SRC = Path(__file__).resolve().parents[2] / "src" / "veikart"
EXPECTED_CSP = content_security_policy(settings.CONTENT_SECURITY_POLICY)


def page_families() -> list[str]:
    """The first page of every top-level part of the site (every app), plus a few more."""
    paths = ["/", "/api/v1/docs", "/finnes-ikke/"]
    for entry in get_resolver().url_patterns:
        assert isinstance(entry, URLPattern | URLResolver)
        prefix = str(entry.pattern)
        if "<" not in prefix and prefix:
            paths.append("/" + prefix)
    return sorted(set(paths))


def test_the_policy_allows_only_this_site_and_no_inline_script() -> None:
    directives = dict(item.split(" ", 1) for item in EXPECTED_CSP.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-eval" not in EXPECTED_CSP


@pytest.mark.django_db
def test_every_page_family_carries_the_security_headers(client: Client, org: Org) -> None:
    client.force_login(org.kari)
    answered = 0
    for path in page_families():
        response = client.get(path)
        assert response.status_code < 500, path
        assert response["Content-Security-Policy"] == EXPECTED_CSP, path
        assert response["Permissions-Policy"].startswith("accelerometer=()"), path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
        answered += response.status_code == 200
    assert answered >= 8  # most families really rendered, not just redirected


@pytest.mark.django_db
def test_hsts_is_sent_on_https_when_configured_as_in_production(
    client: Client, settings: Any
) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/logg-inn/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/logg-inn/")  # never over plain HTTP


def template_files() -> list[Path]:
    return sorted(SRC.glob("*/templates/**/*.html"))


# Documents rendered for download (opened from disk, where no policy applies), not pages.
STANDALONE_DOCUMENTS = {"impact/templates/impact/report.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


@pytest.mark.parametrize(
    "template", template_files(), ids=lambda p: str(p.relative_to(SRC)).replace("/templates", "")
)
def test_templates_have_no_inline_script_event_handler_or_style_element(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static .js file"
    assert not EVENT_HANDLER.search(text), "on…= handler: attach it from a static .js file"
    assert "javascript:" not in text.lower()
    assert "hx-on" not in text, "hx-on needs eval; attach the handler from a static .js file"
    if str(template.relative_to(SRC)) not in STANDALONE_DOCUMENTS:
        assert not STYLE_ELEMENT.search(text), "<style>: move the rules to a static .css file"


def test_debug_error_pages_go_without_a_policy(settings: Any) -> None:
    """Django's debug pages (VEIKART_DEBUG only) need their inline scripts and styles."""
    from django.http import HttpResponse

    from veikart.core.middleware import SecurityHeadersMiddleware

    def failing(request: object) -> HttpResponse:
        return HttpResponse("debug page", status=500)

    settings.DEBUG = True
    response = SecurityHeadersMiddleware(failing)(object())  # type: ignore[arg-type]
    assert "Content-Security-Policy" not in response
    settings.DEBUG = False
    assert "Content-Security-Policy" in SecurityHeadersMiddleware(failing)(object())  # type: ignore[arg-type]


# --- request id and request log


@pytest.mark.django_db
def test_it_keeps_a_well_formed_request_id_from_the_proxy(client: Client) -> None:
    nginx_id = "3f1c2a9be04d4c5fa1b2c3d4e5f60718"
    response = client.get("/logg-inn/", HTTP_X_REQUEST_ID=nginx_id)
    assert response["X-Request-ID"] == nginx_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    [
        "",
        "short",
        "has spaces in it",
        "x" * 200,
        "abc123456\nforged log line",
        "<script>abc</script>",
    ],
)
def test_it_replaces_a_missing_or_malformed_request_id(client: Client, given: str) -> None:
    response = client.get("/logg-inn/", HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_every_request_gets_its_own_id(client: Client) -> None:
    ids = {client.get("/logg-inn/")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.django_db
def test_each_request_is_logged_once_with_user_id_but_no_name_or_query(
    client: Client, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(org.kari)
    caplog.set_level(logging.INFO, logger="veikart.request")
    response = client.get("/organisasjon/?q=Kari+Nordmann")
    lines = [r for r in caplog.records if r.name == "veikart.request"]
    assert len(lines) == 1
    record: Any = lines[0]
    assert record.path == "/organisasjon/"
    assert record.status == response.status_code
    assert record.user_id == org.kari.pk
    assert record.duration_ms >= 0
    assert record.method == "GET"
    text = JsonFormatter().format(record)
    assert "kari" not in text.lower() and "Nordmann" not in text


@pytest.mark.django_db
def test_lines_written_during_a_request_carry_its_id(
    client: Client, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    response = client.get("/finnes-ikke/", HTTP_X_REQUEST_ID="req-0001-abcd")
    assert response.status_code == 404
    django_line = next(r for r in caplog.records if r.name == "django.request")
    assert django_line.request_id == "req-0001-abcd"  # type: ignore[attr-defined]
    outside = logging.LogRecord("veikart", logging.INFO, __file__, 1, "after", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_probes_are_logged_only_at_debug_unless_they_fail(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="veikart.request")
    client.get("/helse/live")
    assert not [r for r in caplog.records if r.name == "veikart.request"]


def test_the_json_formatter_writes_one_object_per_line_with_the_fields() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "veikart.request", logging.ERROR, __file__, 1, "GET %s", ("/bruk/",), sys.exc_info()
        )
    record.request_id = "abcdef12"
    record.status = 500
    record.duration_ms = 12.5
    record.user_id = 7
    line = JsonFormatter().format(record)
    assert "\n" not in line.replace("\\n", "")
    entry = json.loads(line)
    assert entry["message"] == "GET /bruk/"
    assert entry["level"] == "ERROR" and entry["logger"] == "veikart.request"
    assert entry["request_id"] == "abcdef12"
    assert entry["status"] == 500 and entry["duration_ms"] == 12.5 and entry["user_id"] == 7
    assert entry["time"].endswith("+00:00")
    assert "ValueError: boom" in entry["exception"]
    assert "path" not in entry  # only the fields a record has
