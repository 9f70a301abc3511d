from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a signed-in person may do. A person can hold several roles."""

    ADMIN = "admin", _("Administrator")
    PROGRAMME_LEAD = "programme_lead", _("Programme lead")
    IT = "it", _("IT / system owner")
    EXECUTIVE = "executive", _("Executive")
    DPO = "dpo", _("Data-protection officer")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    TRAINER = "trainer", _("Trainer")
    EMPLOYEE = "employee", _("Employee")


# Roles that see the whole organisation's structure (unit tree and headcounts).
ORGANISATION_WIDE_ROLES = frozenset(
    {Role.ADMIN, Role.PROGRAMME_LEAD, Role.IT, Role.EXECUTIVE, Role.DPO, Role.TRAINER}
)
# Roles that may list employees of the whole organisation. Unit managers see their subtree.
EMPLOYEE_LIST_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.IT, Role.DPO})
# Roles that may import the organisation (HR data).
IMPORT_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.IT})
