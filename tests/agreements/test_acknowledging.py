"""What applies to whom (the organisation's agreement plus their units' additions), and each
employee's own acknowledgement.

Units: Oppvekst (100) ⊃ Jeløy skole (110, Ola manages it) ⊃ Småtrinnet (111, Ørjan 1003);
Glenne sykehjem (210: Nils 1005, Fatima 1006); Stab (300: Kari 1001).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.agreements.conftest import link, new_version, unit
from tests.conftest import Org
from veikart.agreements import selectors, services
from veikart.agreements.models import Acknowledgement, AgreementVersion
from veikart.agreements.services import RuleData


def ids(mine: selectors.MyAgreement) -> list[int]:
    return [v.pk for v in mine.pending]


def test_an_employee_acknowledges_once_however_often_they_press(
    org: Org, published: AgreementVersion
) -> None:
    mine = selectors.my_agreement(org.nils)
    assert mine.is_employee and not mine.acknowledged and ids(mine) == [published.pk]
    first = services.acknowledge(org.nils, ids(mine))
    again = services.acknowledge(org.nils, [published.pk])
    assert first == again
    assert Acknowledgement.objects.count() == 1
    mine = selectors.my_agreement(org.nils)
    assert mine.acknowledged and mine.acknowledged_at == first[0].acknowledged_at
    # Kari has not: one person's acknowledgement is theirs alone.
    assert not selectors.my_agreement(org.kari).acknowledged


def test_it_refuses_a_version_that_changed_while_the_employee_read_it(
    org: Org, published: AgreementVersion
) -> None:
    shown = ids(selectors.my_agreement(org.nils))
    new_version(org, published.agreement, tool="Chat i Teams, også på mobil")
    with pytest.raises(ValidationError) as error:
        services.acknowledge(org.nils, shown)
    assert error.value.code == "stale"
    assert not Acknowledgement.objects.exists()


def test_a_material_change_asks_everyone_again_and_a_minor_one_does_not(
    org: Org, published: AgreementVersion
) -> None:
    services.acknowledge(org.nils, [published.pk])
    minor = new_version(
        org, published.agreement, tool="Chat i Teams, også på mobil", material=False
    )
    mine = selectors.my_agreement(org.nils)
    assert mine.acknowledged, "a correction does not ask for a new acknowledgement"
    assert [v.pk for v in mine.composed.versions] == [minor.pk]
    material = new_version(org, published.agreement, tool="Chat i Teams, ikke SMS")
    mine = selectors.my_agreement(org.nils)
    assert not mine.acknowledged and ids(mine) == [material.pk]
    services.acknowledge(org.nils, ids(mine))
    assert selectors.my_agreement(org.nils).acknowledged


def test_a_sign_in_without_an_employee_reads_but_cannot_acknowledge(
    org: Org, published: AgreementVersion
) -> None:
    mine = selectors.my_agreement(org.ida)
    assert not mine.is_employee and mine.composed.organisation == published
    with pytest.raises(ValidationError) as error:
        services.acknowledge(org.ida, [published.pk])
    assert error.value.code == "not_employee"


def addition(org: Org, code: str, *rules: RuleData) -> AgreementVersion:
    """Ola writes and publishes the addition of ``code`` (a unit of his school)."""
    version = services.create_unit_addition(org.ola, unit(code))
    for rule in rules:
        services.add_rule(org.ola, version, rule)
    return services.publish(org.ola, version, change_note="", requires_acknowledgement=True)


def test_a_unit_addition_applies_to_its_subtree_only(org: Org, published: AgreementVersion) -> None:
    school = addition(org, "110", RuleData("Ukeplaner", "Teamet «Ukeplaner» i Teams"))
    orjan = link(org, "1003", "orjan")
    mine = selectors.my_agreement(orjan)
    assert [a.unit.code for a in mine.composed.additions] == ["110"]
    assert [r.rule.need for r in mine.composed.additions[0].rows] == ["Ukeplaner"]
    assert ids(mine) == [published.pk, school.pk]
    # Acknowledging the organisation's agreement alone is not enough for Ørjan …
    services.acknowledge(orjan, [published.pk])
    assert ids(selectors.my_agreement(orjan)) == [school.pk]
    services.acknowledge(orjan, [school.pk])
    assert selectors.my_agreement(orjan).acknowledged
    # … and Nils, in a nursing home, neither sees the school's rule nor may acknowledge it.
    nils = selectors.my_agreement(org.nils)
    assert nils.composed.additions == [] and ids(nils) == [published.pk]
    with pytest.raises(ValidationError):
        services.acknowledge(org.nils, [school.pk])


def test_a_unit_rule_replaces_an_organisation_rule_for_that_unit_only(
    org: Org, published: AgreementVersion
) -> None:
    chat = selectors.rules_of(published)[0]
    addition(org, "110", RuleData("Beskjeder til kolleger", "Chat i Teams, og oppslag på tavla",
                                  replaces=chat.key))  # fmt: skip
    orjan = selectors.my_agreement(link(org, "1003", "orjan"))
    first = orjan.composed.rows[0]
    assert first.rule.tool == "Chat i Teams, og oppslag på tavla"
    assert first.replaced == chat and first.unit is not None and first.unit.code == "110"
    assert orjan.composed.additions[0].rows == []  # the replacement is not shown twice
    assert selectors.my_agreement(org.nils).composed.rows[0].rule == chat


def test_where_two_units_replace_the_same_rule_the_nearest_one_wins(
    org: Org, published: AgreementVersion
) -> None:
    chat = selectors.rules_of(published)[0].key
    addition(org, "110", RuleData("Beskjeder", "Skolens chat", replaces=chat))
    addition(org, "111", RuleData("Beskjeder", "Småtrinnets chat", replaces=chat))
    orjan = selectors.my_agreement(link(org, "1003", "orjan"))  # in 111
    bjorn = selectors.my_agreement(link(org, "1007", "bjorn"))  # in 110
    assert orjan.composed.rows[0].rule.tool == "Småtrinnets chat"
    assert bjorn.composed.rows[0].rule.tool == "Skolens chat"
    assert [a.rows for a in orjan.composed.additions] == [[], []]


def test_a_rule_that_applies_to_everyone_cannot_be_replaced(
    org: Org, published: AgreementVersion
) -> None:
    rules = selectors.rules_of(published)
    binding = next(r for r in rules if r.binding)
    draft = services.create_unit_addition(org.ola, unit("110"))
    with pytest.raises(ValidationError) as error:
        services.add_rule(org.ola, draft, RuleData("Elevsaker", "Teams", replaces=binding.key))
    assert error.value.code == "replaces"
    # A replacement written before the organisation made the rule binding: it is shown as an
    # addition, the binding rule stays, and a new version of the addition cannot be published.
    chat = rules[0]
    services.add_rule(org.ola, draft, RuleData("Beskjeder", "Skolens chat", replaces=chat.key))
    services.publish(org.ola, draft, change_note="", requires_acknowledgement=True)
    lead_draft = services.start_draft(org.kari, published.agreement)
    first = selectors.rules_of(lead_draft)[0]
    services.update_rule(org.kari, first, RuleData(first.need, first.tool, binding=True))
    services.publish(org.kari, lead_draft, change_note="Bindende", requires_acknowledgement=False)
    orjan = selectors.my_agreement(link(org, "1003", "orjan"))
    assert orjan.composed.rows[0].rule.binding and orjan.composed.rows[0].unit is None
    assert [r.rule.tool for r in orjan.composed.additions[0].rows] == ["Skolens chat"]
    next_draft = services.start_draft(org.ola, draft.agreement)
    services.add_rule(org.ola, next_draft, RuleData("Ukeplaner", "Teamet «Ukeplaner»"))
    with pytest.raises(ValidationError) as error:
        services.publish(org.ola, next_draft, change_note="Ny regel", requires_acknowledgement=True)
    assert error.value.code == "replaces"


def test_a_unit_manager_writes_additions_inside_their_own_subtree_only(org: Org) -> None:
    codes = {u.code for u in selectors.units_for_new_addition(org.ola)}
    assert codes == {"110", "111"}
    with pytest.raises(PermissionDenied):
        services.create_unit_addition(org.ola, unit("210"))
    version = services.create_unit_addition(org.ola, unit("111"))
    assert selectors.can_edit(org.ola, version.agreement)
    assert not selectors.can_edit(org.nils, version.agreement)
    assert {u.code for u in selectors.units_for_new_addition(org.ola)} == {"110"}
    for user in (org.nils, org.ida, org.per, org.dina):
        assert not selectors.units_for_new_addition(user).exists()
    # The programme lead may write any unit's addition, and edit Ola's.
    assert selectors.can_edit(org.kari, version.agreement)
    assert "210" in {u.code for u in selectors.units_for_new_addition(org.kari)}
