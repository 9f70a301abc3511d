"""``{% load roadmaps_status %}``: whether to offer the status report (the link on the roadmap)."""

from __future__ import annotations

from django import template

from veikart.core.access import Access
from veikart.roadmaps.status_report import can_see_status_report

register = template.Library()


@register.filter
def sees_status_report(access: Access | None) -> bool:
    return access is not None and can_see_status_report(access)
