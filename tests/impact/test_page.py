"""The impact page: the stored evaluation in bokmål for those who may see it, 403 for the rest."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, Org
from tests.impact.conftest import BASIC, K, Simulated, load
from veikart.core.constants import Role
from veikart.core.services import grant_role
from veikart.impact.models import ImpactResult
from veikart.impact.services import Evaluation


def store(evaluation: Evaluation) -> ImpactResult:
    return ImpactResult.objects.create(
        created_at=timezone.now(), parameters={"metric": evaluation.metric},
        payload=evaluation.to_json(), seconds=2.0,
    )  # fmt: skip


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def stored(org: Org, simulated: Simulated, settings: Any) -> ImpactResult:
    settings.MIN_GROUP_SIZE = K
    return store(simulated.evaluation)


def test_the_programme_lead_reads_the_decomposition_as_one_sentence_in_bokmal(
    org: Org, stored: ImpactResult
) -> None:
    response = signed_in(org.kari).get("/effekt/")

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Av økningen i «Teams-meldinger per person» fra uke 32 2019 til uke 43 2020 skyldes" in page
    )
    assert (
        "kursene; resten kom alle, med eller uten kurs (pandemien og andre felles årsaker)." in page
    )
    assert 'data-vk-chart="impact-event-spec"' in page and 'id="impact-path-spec"' in page
    assert "Advarsel" not in page
    assert 'href="/effekt/"' in page  # the menu entry


@pytest.mark.parametrize("persona", ["ola", "nils"])
def test_unit_managers_and_employees_may_not_see_it(
    org: Org, stored: ImpactResult, persona: str
) -> None:
    client = signed_in(getattr(org, persona))

    assert client.get("/effekt/").status_code == 403
    assert client.get("/effekt/rapport.pdf").status_code == 403
    assert 'href="/effekt/"' not in client.get("/").content.decode()


def test_the_executive_reads_it_but_cannot_run_an_evaluation(
    org: Org, stored: ImpactResult
) -> None:
    grant_role(org.ida, Role.EXECUTIVE)
    client = signed_in(org.ida)

    assert client.get("/effekt/").status_code == 200
    assert client.post("/effekt/", {"metric": "active_teams"}).status_code == 403


def test_the_page_warns_when_the_trained_differed_before_their_course(
    org: Org, simulated_trends: Simulated, settings: Any
) -> None:
    settings.MIN_GROUP_SIZE = K
    store(simulated_trends.evaluation)

    page = signed_in(org.kari).get("/effekt/").content.decode()

    assert "Advarsel: Før kurset utviklet bruken til dem som fikk kurs seg allerede" in page


def test_the_form_runs_an_evaluation_and_the_page_shows_it(
    db: None, simulated: Simulated, settings: Any
) -> None:
    settings.MIN_GROUP_SIZE = K
    settings.LAKE_DIR = simulated.lake
    load(simulated.folder)
    lead = User.objects.create_user("lead", password=PASSWORD)
    grant_role(lead, Role.PROGRAMME_LEAD)
    client = signed_in(lead)

    response = client.post("/effekt/", {"metric": "teams_messages_per_person", "courses": [BASIC]})

    assert response.status_code == 302
    result = ImpactResult.objects.get()
    assert result.parameters["courses"] == [BASIC] and result.created_by == lead
    assert result.payload["headline"] == simulated.evaluation.to_json()["headline"]
    assert "skyldes" in client.get("/effekt/").content.decode()
