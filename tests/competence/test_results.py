"""Results through the pages: hand-computed aggregates, suppression, and who sees what.

Respondents (k = 5): Jeløy skole (110) Ola + 5 more, its sub-unit Småtrinnet (111) Ørjan + 2
more (3: hidden), Glenne sykehjem (210) Nils + 5 more, Stab (300) Kari + 4 more.
Everyone answers every statement with one level, so a group's mean is the mean of its people.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from django.test import Client
from django.urls import reverse

from tests.competence.conftest import add_people, employee_pk, make_wave, respond
from tests.competence.test_answering import signed_in
from tests.conftest import Org


def employee_unit(org: Org, number: str) -> int:
    from veikart.organisations.models import Assignment

    return Assignment.objects.get(employee__employee_number=number).unit_id


@pytest.fixture
def people(org: Org) -> dict[str, list[int]]:
    return {
        "110": [employee_pk("1002"), *add_people(org, "110", 5)],
        "111": [employee_pk("1003"), *add_people(org, "111", 2)],
        "210": [employee_pk("1005"), *add_people(org, "210", 5, former="rygge")],
        "300": [employee_pk("1001"), *add_people(org, "300", 4)],
    }


LEVELS = {"110": [2, 3, 4, 4, 5, 6], "111": [1, 1, 2], "210": [3, 3, 3, 4, 4, 7],
          "300": [5, 5, 6, 6, 8]}  # fmt: skip


@pytest.fixture
def wave(survey: object, people: dict[str, list[int]]) -> object:
    wave = make_wave(survey, "Høst")
    for unit, pks in people.items():
        for pk, level in zip(pks, LEVELS[unit], strict=True):
            respond(wave, pk, level)
    return wave


def cells(client: Client, wave: object) -> str:
    response = client.get(reverse("competence:results", args=[wave.pk]))  # type: ignore[attr-defined]
    assert response.status_code == 200
    return response.content.decode()


def test_the_programme_lead_sees_hand_computed_means_and_distributions(
    org: Org, wave: object
) -> None:
    from veikart.competence.selectors import wave_results

    result = wave_results(org.kari, wave)  # type: ignore[arg-type]
    groups = {g.cell: g for g in result.groups}
    everyone = [level for unit in LEVELS.values() for level in unit]
    total = groups[("total", "")]
    assert total.plan.n == 20
    assert total.overall is not None
    assert total.overall.mean == pytest.approx(sum(everyone) / 20)
    question = result.questions[0].pk
    assert total.questions[question].counts == (2, 2, 4, 4, 3, 3, 1, 1)
    jeloy = next(g for g in result.groups if g.label == "Jeløy skole")
    assert jeloy.plan.n == 9
    assert jeloy.questions[question].mean == pytest.approx((24 + 4) / 9)
    # Rygge is Ola plus everyone in Glenne sykehjem (210): rygge − 210 would be Ola's own
    # answers. The planner keeps the organisation-level figures (the former organisations) and
    # hides the units instead: Glenne and Helse og omsorg above it as complements, and Stab,
    # which would otherwise be the total minus Oppvekst and Helse og omsorg.
    assert groups[("former", "rygge")].plan.visible
    assert groups[("former", "moss")].plan.visible
    glenne = next(g for g in result.groups if g.label == "Glenne sykehjem")
    assert glenne.plan.reason == "complement"
    assert next(g for g in result.groups if g.label == "Helse og omsorg").plan.reason == (
        "complement"
    )


def test_a_group_below_the_threshold_is_hidden_with_the_reason(org: Org, wave: object) -> None:
    html = cells(signed_in(org.kari), wave)
    small = html.split('data-cell="unit:', 1)[1]
    assert "Småtrinnet" in html
    assert "hidden (fewer than 5 answers)" in html or "skjult (færre enn 5 svar)" in html
    assert "Småtrinnet" in small


def test_the_unit_manager_sees_only_his_subtree(org: Org, wave: object) -> None:
    from veikart.competence.selectors import wave_results

    result = wave_results(org.ola, wave)  # type: ignore[arg-type]
    assert [g.label for g in result.groups] == ["Jeløy skole", "Småtrinnet"]
    assert [g.plan.visible for g in result.groups] == [True, False]
    html = cells(signed_in(org.ola), wave)
    assert "Glenne sykehjem" not in html and "Stab og administrasjon" not in html


def test_an_employee_gets_no_results(org: Org, wave: object) -> None:
    nils = signed_in(org.nils)
    url = reverse("competence:results", args=[wave.pk])  # type: ignore[attr-defined]
    assert nils.get(url).status_code == 403
    assert signed_in(org.kari).get(url).status_code == 200


def test_no_hidden_unit_can_be_recovered_by_subtraction(org: Org, wave: object) -> None:
    """Three answers in Åsgård (120): Oppvekst (100) − Jeløy skole (110) would give them, so
    one of the two is hidden as well."""
    from veikart.competence.selectors import wave_results

    for pk in add_people(org, "120", 3):
        respond(wave, pk, 4)
    groups = {g.label: g.plan for g in wave_results(org.kari, wave).groups}  # type: ignore[arg-type]
    assert groups["Åsgård barnehage"].reason == "small"
    assert not (groups["Oppvekst"].visible and groups["Jeløy skole"].visible)
    assert "complement" in {groups["Oppvekst"].reason, groups["Jeløy skole"].reason}


def test_the_change_uses_a_paired_interval_that_agrees_with_scipy(
    org: Org, survey: object, people: dict[str, list[int]]
) -> None:
    from veikart.competence.selectors import change_results

    before, after = make_wave(survey, "Før"), make_wave(survey, "Etter")
    everyone = [pk for pks in people.values() for pk in pks]
    b = [1 + i % 4 for i in range(20)]
    a = [min(8, level + (i % 3)) for i, level in enumerate(b)]
    for pk, lb, la in zip(everyone, b, a, strict=True):
        respond(before, pk, lb)
        respond(after, pk, la)
    result = change_results(org.kari, before, after)  # type: ignore[arg-type]
    total = result.groups[0]
    assert total.cell == ("total", "") and total.overall is not None
    d = np.array(a, dtype=float) - np.array(b)
    low, high = scipy.stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=scipy.stats.sem(d))
    assert total.overall.method == "paired" and total.overall.n == 20
    assert (total.overall.low, total.overall.high) == pytest.approx((low, high))
    page = signed_in(org.kari).get(
        reverse("competence:change", args=[survey.pk]),  # type: ignore[attr-defined]
        {"before": before.pk, "after": after.pk},  # type: ignore[attr-defined]
    )
    assert page.status_code == 200 and 'id="method"' in page.content.decode()
    assert (
        signed_in(org.nils)
        .get(
            reverse("competence:change", args=[survey.pk])  # type: ignore[attr-defined]
        )
        .status_code
        == 403
    )
