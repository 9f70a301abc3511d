from django import template

from veikart.core.access import Access
from veikart.impact.selectors import sees_impact as _sees_impact

register = template.Library()


@register.filter
def sees_impact(access: Access) -> bool:
    """``{% if veikart_access|sees_impact %}``: may this user see the impact page?"""
    return isinstance(access, Access) and _sees_impact(access)
