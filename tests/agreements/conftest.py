"""The working agreement on top of the shared personas (tests/conftest.py).

``MIN_GROUP_SIZE`` is 5 here (the lowest the settings allow) so that the groups stay small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from tests.conftest import PASSWORD, Org

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from veikart.agreements.models import Agreement, AgreementVersion
    from veikart.organisations.models import Unit


@pytest.fixture(autouse=True)
def k5(settings: object) -> None:
    settings.MIN_GROUP_SIZE = 5  # type: ignore[attr-defined]


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def link(org: Org, number: str, username: str) -> User:
    """A sign-in for the employee ``number`` of the HR data (e.g. 1003 Ørjan in Småtrinnet)."""
    from django.contrib.auth.models import User

    from veikart.organisations.models import Employee

    user = User.objects.create_user(username, password=PASSWORD)
    Employee.objects.filter(employee_number=number).update(user=user)
    return user


def unit(code: str) -> Unit:
    from veikart.organisations.models import Unit

    return Unit.objects.get(code=code)


@pytest.fixture
def draft(org: Org) -> AgreementVersion:
    """The organisation's agreement as Kari creates it from the template (draft version 1)."""
    from veikart.agreements.services import create_organisation_agreement

    return create_organisation_agreement(org.kari)


@pytest.fixture
def published(org: Org, draft: AgreementVersion) -> AgreementVersion:
    """Version 1 of the organisation's agreement, published by Kari."""
    from veikart.agreements.services import publish

    return publish(org.kari, draft, change_note="", requires_acknowledgement=True)


def new_version(
    org: Org, agreement: Agreement, *, tool: str, material: bool = True, note: str = "Ny versjon"
) -> AgreementVersion:
    """A published next version of ``agreement`` in which the first rule's tool is ``tool``."""
    from veikart.agreements.selectors import rules_of
    from veikart.agreements.services import RuleData, publish, start_draft, update_rule

    draft = start_draft(org.kari, agreement)
    first = rules_of(draft)[0]
    update_rule(
        org.kari,
        first,
        RuleData(first.need, tool, first.example, first.not_for, first.binding, first.replaces),
    )
    return publish(org.kari, draft, change_note=note, requires_acknowledgement=material)
