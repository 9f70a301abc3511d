from django.db import models
from django.utils.translation import gettext_lazy as _

from veikart.core.constants import Role


class WaveKind(models.TextChoices):
    BEFORE = "before", _("Before a course")
    AFTER = "after", _("After a course")
    PERIODIC = "periodic", _("Periodic")


# Roles that create surveys, open waves and see results for the whole organisation.
SURVEY_MANAGER_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})
