from django import template

from veikart.core.access import Access
from veikart.core.audit import can_read_audit_log

register = template.Library()


@register.filter
def reads_audit_log(access: Access) -> bool:
    """``{% if veikart_access|reads_audit_log %}``: the DPO's privacy pages (log, retention)?"""
    return isinstance(access, Access) and can_read_audit_log(access)
