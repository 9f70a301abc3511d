"""Acknowledgement counts: hand-computed, suppressed below k = 5 with complementary suppression,
and scoped to what each persona may see. Never a name.

People (26): Jeløy skole (110) Ola, Bjørn + 4 = 6, its Småtrinnet (111) Ørjan + 2 = 3,
Åsgård barnehage (120) Åse + 2 = 3 — so Oppvekst (100) has 12; Glenne sykehjem (210) Nils,
Fatima + 6 from Rygge = 8; Stab (300) Kari + 5 = 6.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.agreements.conftest import signed_in, unit
from tests.competence.conftest import add_people, employee_pk
from tests.conftest import Org
from veikart.agreements import selectors, services
from veikart.agreements.models import Acknowledgement, AgreementVersion
from veikart.core.models import AuditEvent


@pytest.fixture
def people(org: Org) -> dict[str, list[int]]:
    return {
        "110": [employee_pk("1002"), employee_pk("1007"), *add_people(org, "110", 4)],
        "111": [employee_pk("1003"), *add_people(org, "111", 2)],
        "120": [employee_pk("1004"), *add_people(org, "120", 2)],
        "210": [employee_pk("1005"), employee_pk("1006"), *add_people(org, "210", 6, "rygge")],
        "300": [employee_pk("1001"), *add_people(org, "300", 5)],
    }


CONFIRMED = {"110": 3, "111": 2, "120": 1, "210": 4, "300": 5}


@pytest.fixture
def confirmed(published: AgreementVersion, people: dict[str, list[int]]) -> AgreementVersion:
    from django.utils import timezone

    Acknowledgement.objects.bulk_create(
        Acknowledgement(employee_id=pk, version=published, acknowledged_at=timezone.now())
        for code, pks in people.items()
        for pk in pks[: CONFIRMED[code]]
    )
    return published


def by_cell(result: selectors.AckResults) -> dict[tuple[str, int | str], selectors.AckGroup]:
    return {g.cell: g for g in result.groups}


def unit_cell(code: str) -> tuple[str, int]:
    return ("unit", unit(code).pk)


def test_the_programme_lead_sees_hand_computed_counts(
    org: Org, confirmed: AgreementVersion
) -> None:
    result = selectors.acknowledgement_results(org.kari, confirmed.agreement)
    groups = by_cell(result)
    total = groups[("total", "")]
    assert (total.plan.n, total.acknowledged) == (26, 15)
    nursing = groups[unit_cell("210")]
    assert (nursing.plan.n, nursing.acknowledged) == (8, 4) and nursing.share == 0.5
    staff = groups[unit_cell("300")]
    assert (staff.plan.n, staff.acknowledged) == (6, 5)
    assert result.version == confirmed and result.baseline == confirmed
    assert result.min_group_size == 5


def test_small_units_are_hidden_and_cannot_be_worked_out_by_subtraction(
    org: Org, confirmed: AgreementVersion
) -> None:
    groups = by_cell(selectors.acknowledgement_results(org.kari, confirmed.agreement))
    for code in ("111", "120"):
        hidden = groups[unit_cell(code)]
        assert hidden.plan.reason == "small" and hidden.acknowledged is None
    # Oppvekst (12) minus Jeløy skole (9) would be Åsgård barnehage's 3: one of them is hidden.
    school, sector = groups[unit_cell("110")], groups[unit_cell("100")]
    assert not (school.plan.visible and sector.plan.visible)
    assert "complement" in {school.plan.reason, sector.plan.reason}
    assert school.acknowledged is None or sector.acknowledged is None
    # In general: no visible group minus its visible parts leaves between 1 and k − 1 people.
    from veikart.organisations.models import Unit

    for cell, group in groups.items():
        if cell[0] != "unit" or not group.plan.visible:
            continue
        children = Unit.objects.filter(parent_id=int(cell[1])).values_list("pk", flat=True)
        shown = [groups[("unit", c)] for c in children if ("unit", c) in groups]
        rest = group.plan.n - sum(c.plan.n for c in shown if c.plan.visible)
        assert rest == 0 or rest >= 5, (cell, rest)


def test_a_unit_manager_sees_the_units_of_their_subtree_only(
    org: Org, confirmed: AgreementVersion
) -> None:
    result = selectors.acknowledgement_results(org.ola, confirmed.agreement)
    assert {g.cell for g in result.groups} <= {unit_cell("110"), unit_cell("111")}
    assert result.groups, "Ola sees his units, even if hidden"
    # The same plan as the programme lead's: a subset, never a different cut.
    lead = by_cell(selectors.acknowledgement_results(org.kari, confirmed.agreement))
    for group in result.groups:
        assert group == lead[group.cell]


@pytest.mark.parametrize("persona", ["nils", "ida", "per", "dina"])
def test_others_see_no_figures(org: Org, confirmed: AgreementVersion, persona: str) -> None:
    user = getattr(org, persona)
    with pytest.raises(PermissionDenied):
        selectors.acknowledgement_results(user, confirmed.agreement)
    url = reverse("agreements:acknowledgements", args=[confirmed.agreement_id])
    assert signed_in(user).get(url).status_code == 403


def test_the_page_shows_counts_never_names_and_is_audited(
    org: Org, confirmed: AgreementVersion
) -> None:
    url = reverse("agreements:acknowledgements", args=[confirmed.agreement_id])
    response = signed_in(org.kari).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Glenne sykehjem" in html and "50&nbsp;%" in html
    for name in ("Nils", "Fatima", "Ørjan", "Berg", "Ahmed"):
        assert name not in html
    assert html.count('class="vk-ag-hidden"') >= 2  # the small units, without figures
    assert AuditEvent.objects.filter(
        action="agreements.acknowledgements.view", actor_id=org.kari.pk
    ).exists()


def test_a_minor_change_keeps_the_counts_and_a_material_one_starts_again(
    org: Org, confirmed: AgreementVersion
) -> None:
    from tests.agreements.conftest import new_version

    new_version(org, confirmed.agreement, tool="Chat i Teams, også på mobil", material=False)
    total = by_cell(selectors.acknowledgement_results(org.kari, confirmed.agreement))
    assert total[("total", "")].acknowledged == 15
    new_version(org, confirmed.agreement, tool="Chat i Teams, ikke SMS")
    total = by_cell(selectors.acknowledgement_results(org.kari, confirmed.agreement))
    assert total[("total", "")].acknowledged == 0


def test_the_figures_of_a_unit_addition_cover_its_subtree(
    org: Org, confirmed: AgreementVersion, people: dict[str, list[int]]
) -> None:
    from veikart.agreements.services import RuleData

    draft = services.create_unit_addition(org.kari, unit("100"))
    services.add_rule(org.kari, draft, RuleData("Foreldremøter", "Teams-møte"))
    services.publish(org.kari, draft, change_note="", requires_acknowledgement=True)
    result = selectors.acknowledgement_results(org.kari, draft.agreement)
    groups = by_cell(result)
    assert ("total", "") not in groups and unit_cell("210") not in groups
    assert groups[unit_cell("100")].plan.n == 12
    assert groups[unit_cell("100")].acknowledged == 0
