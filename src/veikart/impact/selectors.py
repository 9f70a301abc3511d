"""Reads of impact results, and who may see them."""

from __future__ import annotations

from veikart.core.access import Access, AnyUser, get_access
from veikart.impact.constants import EVALUATE_ROLES, IMPACT_ROLES
from veikart.impact.models import ImpactResult


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def sees_impact(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles & IMPACT_ROLES)


def may_evaluate(who: AnyUser | Access | None) -> bool:
    return bool(_access(who).roles & EVALUATE_ROLES)


def latest_result() -> ImpactResult | None:
    """The evaluation stored last (the page and the reports show it)."""
    return ImpactResult.objects.order_by("-created_at", "-pk").first()
