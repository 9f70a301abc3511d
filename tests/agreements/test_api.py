"""/api/v1/agreements: the agreement in force for everyone, figures as on the page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from tests.agreements.conftest import unit
from tests.conftest import Org
from veikart.agreements import selectors, services
from veikart.agreements.models import AgreementVersion
from veikart.agreements.services import RuleData
from veikart.core.models import AuditEvent
from veikart.core.services import create_api_token


def get(user: User, path: str, **params: Any) -> Any:
    _, token = create_api_token(user, "test")
    return Client().get(f"/api/v1/agreements{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_agreement_in_force_with_its_rules(org: Org, published: AgreementVersion) -> None:
    response = get(org.nils, "/current")
    assert response.status_code == 200
    body = response.json()
    main = body["organisation"]
    assert main["number"] == 1 and main["unit_id"] is None
    assert [r["need"] for r in main["rules"]] == [r.need for r in selectors.rules_of(published)]
    assert body["additions"] == [] and body["acknowledged"] is False
    services.acknowledge(org.nils, [published.pk])
    assert get(org.nils, "/current").json()["acknowledged"] is True
    assert get(org.ida, "/current").json()["acknowledged"] is None  # not an employee


def test_the_agreement_for_a_unit_includes_its_addition(
    org: Org, published: AgreementVersion
) -> None:
    school = unit("110")
    draft = services.create_unit_addition(org.kari, school)
    services.add_rule(org.kari, draft, RuleData("Ukeplaner", "Teamet «Ukeplaner»"))
    services.publish(org.kari, draft, change_note="", requires_acknowledgement=True)
    body = get(org.kari, "/current", unit=unit("111").pk).json()
    assert [a["unit_id"] for a in body["additions"]] == [school.pk]
    assert body["additions"][0]["rules"][0]["tool"] == "Teamet «Ukeplaner»"
    assert body["acknowledged"] is None
    # Nils may not look up units.
    assert get(org.nils, "/current", unit=school.pk).status_code == 404


def test_the_figures_are_scoped_suppressed_and_audited(
    org: Org, published: AgreementVersion
) -> None:
    response = get(org.kari, "/acknowledgements")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1 and body["min_group_size"] == 5
    # Seven people in the test organisation: every group is below k = 5 or a complement.
    total = next(g for g in body["groups"] if g["kind"] == "total")
    assert total["suppressed"] is False and total["n"] == 7 and total["acknowledged"] == 0
    hidden = [g for g in body["groups"] if g["suppressed"]]
    assert hidden and all(g["n"] is None and g["acknowledged"] is None for g in hidden)
    assert AuditEvent.objects.filter(action="agreements.acknowledgements.api").exists()
    ola = get(org.ola, "/acknowledgements").json()
    assert {g["kind"] for g in ola["groups"]} <= {"unit"}
    for user in (org.nils, org.ida, org.per, org.dina):
        assert get(user, "/acknowledgements").status_code == 403
