"""Drafts, publishing, immutability of what was published, and the history's differences."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.agreements.conftest import new_version
from tests.conftest import Org
from veikart.agreements import selectors, services
from veikart.agreements.models import AgreementVersion, PublishedVersionError, Rule
from veikart.agreements.services import RuleData
from veikart.agreements.template import BOKMAL


def test_the_template_fills_the_first_draft_with_the_bokmal_agreement(
    org: Org, draft: AgreementVersion
) -> None:
    rules = selectors.rules_of(draft)
    assert draft.number == 1 and not draft.is_published
    assert draft.title == BOKMAL.title and "ulikt fra kollegene" in draft.intro
    assert [r.need for r in rules] == [r.need for r in BOKMAL.rules]
    assert [r.key for r in rules] == list(range(1, len(BOKMAL.rules) + 1))
    sensitive = next(r for r in rules if r.need.startswith("Personopplysninger"))
    assert sensitive.binding and "Fagsystemet" in sensitive.tool
    assert "Teams-chat" in sensitive.not_for and "e-post" in sensitive.not_for
    # Employees see nothing until it is published.
    assert selectors.current_version(draft.agreement) is None


def test_it_refuses_a_second_organisation_agreement(org: Org, draft: AgreementVersion) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_organisation_agreement(org.kari)
    assert error.value.code == "exists"


def test_only_the_programme_lead_and_admin_write_the_organisation_agreement(org: Org) -> None:
    for user in (org.ola, org.nils, org.ida, org.per, org.dina):
        with pytest.raises(PermissionDenied):
            services.create_organisation_agreement(user)


def test_publishing_puts_the_draft_in_force_and_freezes_it(
    org: Org, published: AgreementVersion
) -> None:
    assert published.is_published and published.published_by == org.kari
    assert published.requires_acknowledgement
    assert selectors.current_version(published.agreement) == published
    assert published.effective_from is not None
    rule = selectors.rules_of(published)[0]
    # Through the services …
    with pytest.raises(ValidationError) as error:
        services.update_rule(org.kari, rule, RuleData("Ny", "Ny"))
    assert error.value.code == "published"
    with pytest.raises(ValidationError):
        services.add_rule(org.kari, published, RuleData("Ny", "Ny"))
    with pytest.raises(ValidationError):
        services.publish(org.kari, published, change_note="x", requires_acknowledgement=True)
    # … and under them: the models refuse too.
    rule.tool = "Faks"
    with pytest.raises(PublishedVersionError):
        rule.save()
    with pytest.raises(PublishedVersionError):
        rule.delete()
    published.title = "Noe annet"
    with pytest.raises(PublishedVersionError):
        published.save()
    with pytest.raises(PublishedVersionError):
        published.delete()
    stored = Rule.objects.get(pk=rule.pk)
    assert stored.tool != "Faks"


def test_editing_a_published_agreement_starts_a_draft_with_a_copy_of_its_rules(
    org: Org, published: AgreementVersion
) -> None:
    draft = services.start_draft(org.kari, published.agreement)
    assert draft.number == 2 and not draft.is_published
    copied = [(r.key, r.position, r.need, r.tool) for r in selectors.rules_of(draft)]
    original = [(r.key, r.position, r.need, r.tool) for r in selectors.rules_of(published)]
    assert copied == original
    # One draft at a time: starting again returns the same draft.
    assert services.start_draft(org.kari, published.agreement) == draft
    services.update_rule(org.kari, selectors.rules_of(draft)[0], RuleData("Chat", "Teams"))
    assert selectors.rules_of(published)[0].need != "Chat"
    assert selectors.current_version(published.agreement) == published


def test_publishing_a_new_version_supersedes_the_old_one(
    org: Org, published: AgreementVersion
) -> None:
    second = new_version(org, published.agreement, tool="Chat i Teams (også på mobil)")
    assert isinstance(second, AgreementVersion)
    assert selectors.current_version(published.agreement) == second
    assert [v.number for v in selectors.published_versions(published.agreement)] == [1, 2]
    assert selectors.draft_of(published.agreement) is None


def test_a_new_version_needs_a_change_note_and_a_change(
    org: Org, published: AgreementVersion
) -> None:
    draft = services.start_draft(org.kari, published.agreement)
    with pytest.raises(ValidationError) as error:
        services.publish(
            org.kari, draft, change_note="Ingen endring", requires_acknowledgement=True
        )
    assert error.value.code == "unchanged"
    services.add_rule(org.kari, draft, RuleData("Vaktbytte", "Kanalen «Vakter»"))
    with pytest.raises(ValidationError) as error:
        services.publish(org.kari, draft, change_note="  ", requires_acknowledgement=True)
    assert error.value.code == "note"
    assert not AgreementVersion.objects.get(pk=draft.pk).is_published


def test_the_first_version_always_asks_for_acknowledgement(
    org: Org, draft: AgreementVersion
) -> None:
    version = services.publish(org.kari, draft, change_note="", requires_acknowledgement=False)
    assert version.requires_acknowledgement


def test_an_empty_draft_cannot_be_published(org: Org) -> None:
    from tests.agreements.conftest import unit

    addition = services.create_unit_addition(org.ola, unit("110"))
    with pytest.raises(ValidationError) as error:
        services.publish(org.ola, addition, change_note="", requires_acknowledgement=True)
    assert error.value.code == "empty"


def test_the_diff_tells_added_changed_and_removed_rules_apart(
    org: Org, published: AgreementVersion
) -> None:
    draft = services.start_draft(org.kari, published.agreement)
    first, second, third = selectors.rules_of(draft)[:3]
    services.update_rule(
        org.kari,
        first,
        RuleData(first.need, "Chat i Teams", first.example, "Intern e-post, SMS, Messenger"),
    )
    services.delete_rule(org.kari, second)
    added = services.add_rule(org.kari, draft, RuleData("Vaktbytte", "Kanalen «Vakter»"))
    services.move_rule(org.kari, third, -1)  # moved, not changed
    diff = selectors.version_diff(published, draft)
    assert [r.need for r in diff.added] == ["Vaktbytte"]
    assert [r.key for r in diff.removed] == [second.key]
    assert [(c.after.key, c.fields) for c in diff.changed] == [(first.key, ("not_for",))]
    assert not diff.title_changed and not diff.intro_changed
    # A new rule gets a key no version has used, so it is never taken for the removed one.
    assert added.key == max(r.key for r in selectors.rules_of(published)) + 1
    services.update_version(
        org.kari, draft, title=draft.title, intro="Ny innledning.", effective_from=None
    )
    assert selectors.version_diff(
        published, AgreementVersion.objects.get(pk=draft.pk)
    ).intro_changed


def test_moving_a_rule_changes_only_the_order(org: Org, published: AgreementVersion) -> None:
    draft = services.start_draft(org.kari, published.agreement)
    rules = selectors.rules_of(draft)
    services.move_rule(org.kari, rules[2], -2)
    services.move_rule(org.kari, rules[-1], 1)  # the last one stays last
    order = [r.key for r in selectors.rules_of(draft)]
    assert order[:3] == [rules[2].key, rules[0].key, rules[1].key]
    assert order[-1] == rules[-1].key
    assert selectors.version_diff(published, draft).is_empty


def test_discarding_the_draft_of_a_new_agreement_removes_the_agreement(
    org: Org, draft: AgreementVersion
) -> None:
    agreement = draft.agreement
    services.discard_draft(org.kari, draft)
    assert not type(agreement).objects.filter(pk=agreement.pk).exists()
    # … while a published agreement keeps its versions.
    version = services.create_organisation_agreement(org.kari)
    services.publish(org.kari, version, change_note="", requires_acknowledgement=True)
    second = services.start_draft(org.kari, version.agreement)
    services.discard_draft(org.kari, second)
    assert [v.number for v in version.agreement.versions.all()] == [1]
