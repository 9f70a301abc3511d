from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.competence.conftest import make_wave
from tests.conftest import PASSWORD, Org


def signed_in(user: object) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return client


def answers(survey: object, level: int) -> dict[str, str]:
    return {f"q{q.pk}": str(level) for q in survey.questions.all()}  # type: ignore[attr-defined]


@pytest.fixture
def nils(org: Org) -> Client:
    return signed_in(org.nils)


def test_the_form_groups_each_statement_in_a_fieldset_with_eight_levels(
    org: Org, survey: object, nils: Client
) -> None:
    wave = make_wave(survey, "Høst")
    page = nils.get(reverse("competence:answer", args=[wave.pk]))  # type: ignore[attr-defined]
    html = page.content.decode()
    count = survey.questions.count()  # type: ignore[attr-defined]
    assert html.count("<fieldset") == count and html.count("<legend") == count
    assert html.count('type="radio"') == 8 * count
    assert "Jeg kan dele en fil i Teams" in html


def test_an_employee_answers_and_sees_only_their_own_answers(
    org: Org, survey: object, nils: Client
) -> None:
    wave = make_wave(survey, "Høst")
    url = reverse("competence:answer", args=[wave.pk])  # type: ignore[attr-defined]
    response = nils.post(url, answers(survey, 3))
    assert response.status_code == 302
    mine = nils.get(reverse("competence:mine")).content.decode()
    assert "Høst" in mine
    other = signed_in(org.ola).get(reverse("competence:mine")).content.decode()
    assert "Høst" not in other


def test_an_employee_can_change_the_answers_before_the_wave_closes(
    org: Org, survey: object, nils: Client
) -> None:
    from veikart.competence.models import Answer, Response

    wave = make_wave(survey, "Høst")
    url = reverse("competence:answer", args=[wave.pk])  # type: ignore[attr-defined]
    nils.post(url, answers(survey, 3))
    nils.post(url, answers(survey, 6))
    assert Response.objects.filter(wave=wave).count() == 1
    assert set(Answer.objects.filter(response__wave=wave).values_list("level", flat=True)) == {6}
    assert 'value="6" id' in nils.get(url).content.decode().replace(" checked", "")


def test_it_refuses_answers_after_the_wave_closed_with_a_clear_message(
    org: Org, survey: object, nils: Client
) -> None:
    from veikart.competence.models import Response

    wave = make_wave(survey, "Vår", open_days=(-10, -1))
    url = reverse("competence:answer", args=[wave.pk])  # type: ignore[attr-defined]
    nils.cookies["django_language"] = "en"  # the message's bokmål is merged by the lead
    response = nils.post(url, answers(survey, 3))
    assert response.status_code == 409
    assert "closed on" in response.content.decode()
    assert "answers can no longer be changed" in response.content.decode()
    assert not Response.objects.filter(wave=wave).exists()


def test_it_requires_a_level_for_every_statement(org: Org, survey: object, nils: Client) -> None:
    wave = make_wave(survey, "Høst")
    url = reverse("competence:answer", args=[wave.pk])  # type: ignore[attr-defined]
    partial = dict(list(answers(survey, 3).items())[:-1])
    assert nils.post(url, partial).status_code == 400


def test_the_programme_lead_creates_a_survey_adds_a_question_and_opens_a_wave(org: Org) -> None:
    from veikart.competence.models import Survey

    kari = signed_in(org.kari)
    response = kari.post(reverse("competence:survey-create"), {"title": "Høsten 2019"})
    survey = Survey.objects.get(title="Høsten 2019")
    assert response.status_code == 302
    kari.post(
        reverse("competence:question-add", args=[survey.pk]),
        {"text": "Jeg kan bruke fagsystemet fra Teams."},
    )
    assert survey.questions.filter(competence="").count() == 1
    kari.post(
        reverse("competence:wave-create", args=[survey.pk]),
        {"name": "Før kurs", "kind": "before", "opens_on": "2019-09-01", "closes_on": "2019-09-30"},
    )
    assert survey.waves.get().name == "Før kurs"
    assert signed_in(org.nils).post(reverse("competence:survey-create")).status_code == 403
