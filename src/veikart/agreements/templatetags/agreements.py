from __future__ import annotations

from django import template

from veikart.agreements.selectors import AckGroup

register = template.Library()


@register.filter
def cells(groups: list[AckGroup], kind: str) -> list[AckGroup]:
    """The groups of one kind: ``total``, ``unit`` or ``former``."""
    return [g for g in groups if g.kind == kind]
