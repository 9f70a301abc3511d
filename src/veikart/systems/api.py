"""The systems part of /api/v1/: the inventory and the harmonisation decisions, read only."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from veikart.systems import selectors
from veikart.systems.models import Decision, System

router = Router(tags=["systems"])


class SystemOut(Schema):
    id: int
    former_organisation: str | None
    name: str
    vendor: str
    category: str
    category_label: str
    users: int | None
    owner: str
    contract_end: dt.date | None
    yearly_cost_nok: Decimal | None
    dpa_status: str
    integrations: list[str]
    is_m365_workload: bool
    decision_id: int | None

    @staticmethod
    def resolve_former_organisation(system: System) -> str | None:
        return system.former_organisation.code if system.former_organisation else None

    @staticmethod
    def resolve_category_label(system: System) -> str:
        return str(system.get_category_display())


class DecisionOut(Schema):
    id: int
    system_name: str
    system_ids: list[int]
    kind: str
    replacement: str
    replacement_system_ids: list[int]
    rationale: str
    owner: str
    decided_on: dt.date | None
    status: str
    milestone_date: dt.date | None
    milestone_text: str

    @staticmethod
    def resolve_system_ids(decision: Decision) -> list[int]:
        return sorted(s.pk for s in decision.systems.all())

    @staticmethod
    def resolve_replacement_system_ids(decision: Decision) -> list[int]:
        return sorted(s.pk for s in decision.replacement_systems.all())


@router.get("/systems", response=list[SystemOut], summary="The system inventory")
def systems(
    request: HttpRequest, former_organisation: str = "", category: str = ""
) -> list[System]:
    """Every system of the former organisations (`former_organisation` is its code, e.g. `moss`;
    `felles` = the merged organisation's own systems) and of the merged organisation, filtered
    by `category` key (e.g. `sak_arkiv`). For IT / system owners, the programme lead,
    administrators and executives."""
    try:
        return selectors.inventory_for_user(
            request.user, former=former_organisation, category=category
        )
    except PermissionDenied:
        raise HttpError(403, "You may not read the system inventory") from None


@router.get("/decisions", response=list[DecisionOut], summary="The harmonisation decisions")
def decisions(request: HttpRequest, status: str = "") -> list[Decision]:
    """One decision per system name (covering that product in every former organisation):
    `kind` is keep, replace, retire or merge; `status` planned, in_progress or done."""
    try:
        found = selectors.get_decisions_for_user(request.user)
    except PermissionDenied:
        raise HttpError(403, "You may not read the decisions") from None
    if status:
        found = found.filter(status=status)
    return list(found)
