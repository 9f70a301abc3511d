"""The pages, persona by persona: who reads, who edits, who sees figures — and the whole
workflow through HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from tests.agreements.conftest import link, signed_in, unit
from tests.conftest import Org
from veikart.agreements import selectors, services
from veikart.agreements.models import Acknowledgement, AgreementVersion
from veikart.agreements.services import RuleData


def url(name: str, *args: object) -> str:
    return reverse(f"agreements:{name}", args=args)


def test_the_programme_lead_creates_edits_and_publishes_through_the_pages(org: Org) -> None:
    kari = signed_in(org.kari)
    page = kari.get(url("manage"))
    assert page.status_code == 200 and "create-from-template" in page.content.decode()
    response = kari.post(url("create"))
    draft = AgreementVersion.objects.get()
    assert response.status_code == 302 and response["Location"] == url("version", draft.pk)
    html = kari.get(url("version", draft.pk)).content.decode()
    assert "Korte beskjeder og spørsmål" in html and "publish-link" in html
    first = selectors.rules_of(draft)[0]
    # An empty tool is refused with a message, and nothing changes.
    bad = kari.post(url("rule-edit", first.pk), {"need": first.need, "tool": ""})
    assert bad.status_code == 400 and "Ingenting ble lagret" in bad.content.decode()
    data = {"need": first.need, "tool": "Chat i Teams (også på mobil)", "example": "",
            "not_for": "Intern e-post, SMS"}  # fmt: skip
    assert kari.post(url("rule-edit", first.pk), data).status_code == 302
    assert selectors.rules_of(draft)[0].tool == "Chat i Teams (også på mobil)"
    added = kari.post(url("rule-add", draft.pk), {"need": "Vaktbytte", "tool": "Kanalen Vakter"})
    assert added.status_code == 302
    assert kari.get(url("publish", draft.pk)).status_code == 200
    assert kari.post(url("publish", draft.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == org.kari
    html = kari.get(url("version", draft.pk)).content.decode()
    assert "Vaktbytte" in html and "start-draft" in html

    # A change: a new draft, a changed rule, published as a minor change with a note.
    assert kari.post(url("draft-start", draft.agreement_id)).status_code == 302
    second = selectors.draft_of(draft.agreement)
    assert second is not None and second.number == 2
    rule = selectors.rules_of(second)[-1]
    kari.post(url("rule-edit", rule.pk), {"need": "Vaktbytte", "tool": "Kanalen «Vakter»"})
    refused = kari.post(url("publish", second.pk), {"change_note": ""})
    note = _("Describe what changed, so that employees can see it in the history.")
    assert refused.status_code == 400 and note in refused.content.decode()
    kari.post(url("publish", second.pk), {"change_note": "Rettet navnet på kanalen"})
    history = kari.get(url("history", draft.agreement_id)).content.decode()
    assert "Rettet navnet på kanalen" in history and "Kanalen «Vakter»" in history
    assert 'id="version-2"' in history and 'id="version-1"' in history


def test_an_employee_reads_the_agreement_and_confirms_it(
    org: Org, published: AgreementVersion
) -> None:
    nils = signed_in(org.nils)
    html = nils.get(url("index")).content.decode()
    assert _("Our working agreement") in html and _("I have read and understood it") in html
    assert "Fagsystemet" in html and _("Applies to everyone") in html
    assert "manage-link" not in html
    response = nils.post(url("acknowledge"), {"version": [published.pk]})
    assert response.status_code == 302
    html = nils.get(url("index")).content.decode()
    assert 'id="acknowledged"' in html and 'id="acknowledge"' not in html
    # A stale form (the version is no longer in force) is refused with a message.
    fatima = signed_in(link(org, "1006", "fatima"))
    from tests.agreements.conftest import new_version

    new_version(org, published.agreement, tool="Chat i Teams, ikke SMS")
    page = fatima.post(url("acknowledge"), {"version": [published.pk]}, follow=True)
    stale = _("The agreement changed while you were reading it. Read it again and confirm.")
    assert stale in page.content.decode()
    assert not Acknowledgement.objects.filter(employee__employee_number="1006").exists()


def test_an_employee_sees_only_their_own_acknowledgement(
    org: Org, published: AgreementVersion
) -> None:
    services.acknowledge(org.nils, [published.pk])
    fatima = signed_in(link(org, "1006", "fatima"))  # Nils's colleague in the same unit
    html = fatima.get(url("index")).content.decode()
    assert 'id="acknowledge"' in html and "Nils" not in html
    assert fatima.get(url("manage")).status_code == 403
    assert fatima.get(url("acknowledgements", published.agreement_id)).status_code == 403


@pytest.mark.parametrize("persona", ["nils", "ida", "per", "dina"])
def test_people_without_an_editing_role_cannot_write(
    org: Org, draft: AgreementVersion, persona: str
) -> None:
    client = signed_in(getattr(org, persona))
    assert client.get(url("manage")).status_code == 403
    assert client.post(url("create")).status_code == 403
    # A draft does not exist for them, nor its rules.
    assert client.get(url("version", draft.pk)).status_code == 404
    rule = selectors.rules_of(draft)[0]
    assert client.post(url("rule-edit", rule.pk), {"need": "x", "tool": "y"}).status_code == 404
    assert client.post(url("publish", draft.pk)).status_code == 404
    assert client.get(url("index")).status_code == 200


def test_published_versions_are_for_everyone_signed_in(
    org: Org, published: AgreementVersion
) -> None:
    for user in (org.nils, org.ida, org.per, org.dina, org.ola):
        client = signed_in(user)
        assert client.get(url("version", published.pk)).status_code == 200
        assert client.get(url("history", published.agreement_id)).status_code == 200
        assert client.post(url("draft-start", published.agreement_id)).status_code == 403
    assert signed_in(org.kari).post(url("draft-start", published.agreement_id)).status_code == 302
    anonymous = signed_in(org.nils)
    anonymous.logout()
    assert anonymous.get(url("index")).status_code == 302


def test_ola_writes_and_publishes_the_addition_of_his_school(
    org: Org, published: AgreementVersion
) -> None:
    ola = signed_in(org.ola)
    page = ola.get(url("manage")).content.decode()
    assert "create-from-template" not in page and url("unit-create") in page
    form = ola.get(url("unit-create")).content.decode()
    assert "Jeløy skole" in form and "Glenne sykehjem" not in form
    refused = ola.post(url("unit-create"), {"unit": unit("210").pk})
    assert refused.status_code == 400
    response = ola.post(url("unit-create"), {"unit": unit("110").pk})
    draft = AgreementVersion.objects.get(agreement__unit__code="110")
    assert response["Location"] == url("version", draft.pk)
    chat = selectors.rules_of(published)[0]
    sensitive = next(r for r in selectors.rules_of(published) if r.binding)
    form = ola.get(url("version", draft.pk)).content.decode()
    assert f'value="{chat.key}"' in form and f'value="{sensitive.key}"' not in form
    ola.post(url("rule-add", draft.pk), {"need": "Beskjeder", "tool": "Skolens chat",
                                         "replaces": chat.key})  # fmt: skip
    assert ola.post(url("publish", draft.pk)).status_code == 302
    # Ørjan in Småtrinnet sees the school's rule instead of the organisation's.
    orjan = signed_in(link(org, "1003", "orjan")).get(url("index")).content.decode()
    assert "Skolens chat" in orjan and "Jeløy skole" in orjan
    assert "Skolens chat" not in signed_in(org.nils).get(url("index")).content.decode()
    # Ola cannot touch the organisation's agreement.
    assert ola.post(url("draft-start", published.agreement_id)).status_code == 403


def test_an_addition_rule_form_error_is_explained(org: Org, published: AgreementVersion) -> None:
    draft = services.create_unit_addition(org.ola, unit("110"))
    services.add_rule(org.ola, draft, RuleData("Beskjeder", "Skolens chat", replaces=1))
    response = signed_in(org.ola).post(
        url("rule-add", draft.pk), {"need": "Beskjeder igjen", "tool": "Chat", "replaces": 1}
    )
    assert response.status_code == 400
    twice = _("Another rule of this addition already replaces that organisation rule.")
    assert twice in response.content.decode()
    assert draft.rules.count() == 1


def test_the_acknowledgement_page_is_linked_for_those_who_may_see_it(
    org: Org, published: AgreementVersion
) -> None:
    for user, visible in ((org.kari, True), (org.ola, True)):
        html = signed_in(user).get(url("manage")).content.decode()
        assert (url("acknowledgements", published.agreement_id) in html) is visible
    assert (
        signed_in(org.ola).get(url("acknowledgements", published.agreement_id)).status_code == 200
    )
