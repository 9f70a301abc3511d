"""The published agreement as PDF, for printing and the intranet."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.agreements.conftest import signed_in
from tests.conftest import Org
from tests.trainings.test_documents import pdf_text
from veikart.agreements import selectors
from veikart.agreements.models import AgreementVersion


def test_the_pdf_holds_the_title_and_every_rule(org: Org, published: AgreementVersion) -> None:
    response = signed_in(org.nils).get(reverse("agreements:pdf", args=[published.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "arbeidsavtale-" in response["Content-Disposition"]
    # Norwegian letters come as octal escapes of Windows-1252 (\\370 = ø).
    text = re.sub(r"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]).decode("cp1252"),
                  pdf_text(response.content))  # fmt: skip
    assert "Arbeidsavtale" in text and "Moss kommune" in text
    for rule in selectors.rules_of(published):
        first_word = rule.need.split()[0]
        assert first_word in text, rule.need
    assert "Planner i Teams" in text and "OneDrive" in text and "SvarUt" in text
    assert "Fagsystemet" in text


def test_a_draft_is_not_printed(org: Org, draft: AgreementVersion) -> None:
    url = reverse("agreements:pdf", args=[draft.pk])
    assert signed_in(org.kari).get(url).status_code == 404
    assert signed_in(org.nils).get(url).status_code == 404
