from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def _link_employee_on_login(sender: Any, user: Any, **kwargs: Any) -> None:
    from veikart.core.access import forget_access
    from veikart.organisations.services import link_user_to_employee

    link_user_to_employee(user)
    forget_access(user)
