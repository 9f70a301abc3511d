"""The impact report as a file, from the command line and the page: PDF and HTML."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, Org
from tests.impact.conftest import BASIC, K, Simulated, load
from veikart.impact.models import ImpactResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(simulated: Simulated, settings: Any) -> ImpactResult:
    settings.MIN_GROUP_SIZE = K
    return ImpactResult.objects.create(
        created_at=timezone.now(), parameters={}, payload=simulated.evaluation.to_json()
    )


def test_veikart_report_impact_writes_a_pdf_with_pages(
    stored: ImpactResult, tmp_path: Path
) -> None:
    target = tmp_path / "effekt.pdf"
    out = io.StringIO()
    call_command("report", "impact", "--format", "pdf", "--output", str(target), stdout=out)

    content = target.read_bytes()
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type /Page\b", content)
    assert len(pages) >= 3
    assert "Wrote" in out.getvalue()


def test_veikart_report_impact_writes_a_self_contained_html_page(
    stored: ImpactResult, tmp_path: Path
) -> None:
    target = tmp_path / "effekt.html"
    call_command("report", "impact", "--format", "html", "--output", str(target))

    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count("<svg") == 2
    assert "kursene; resten kom alle" in page
    assert "<script" not in page and "http" not in page.split("</head>")[0]


def test_there_is_no_report_before_an_evaluation(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="veikart evaluate"):
        call_command("report", "impact", "--output", str(tmp_path / "x.pdf"))


def test_veikart_evaluate_stores_a_result(simulated: Simulated, settings: Any) -> None:
    settings.MIN_GROUP_SIZE = K
    settings.LAKE_DIR = simulated.lake
    load(simulated.folder)
    out = io.StringIO()

    call_command("evaluate", "--course", BASIC, stdout=out)

    result = ImpactResult.objects.get()
    assert result.payload == simulated.evaluation.to_json()
    assert "Evaluated teams_messages_per_person" in out.getvalue()


def test_the_programme_lead_downloads_the_pdf_from_the_page(org: Org, stored: ImpactResult) -> None:
    client = Client()
    assert client.login(username="kari", password=PASSWORD)

    response = client.get("/effekt/rapport.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert client.get("/effekt/rapport.docx").status_code == 404
