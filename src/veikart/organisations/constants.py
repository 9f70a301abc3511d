from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitType(models.TextChoices):
    OFFICE = "office", _("Office / administration")
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    CARE = "care", _("Health and care")
    TECHNICAL = "technical", _("Technical / outdoor")
    CULTURE = "culture", _("Culture")
    NAV = "nav", _("NAV office")
    OTHER = "other", _("Other")


# The words HR files use for unit types (bokmål first, English accepted).
UNIT_TYPE_WORDS: dict[str, UnitType] = {
    "kontor": UnitType.OFFICE,
    "administrasjon": UnitType.OFFICE,
    "skole": UnitType.SCHOOL,
    "barnehage": UnitType.KINDERGARTEN,
    "helse_omsorg": UnitType.CARE,
    "helse_og_omsorg": UnitType.CARE,
    "pleie_omsorg": UnitType.CARE,
    "teknisk": UnitType.TECHNICAL,
    "kultur": UnitType.CULTURE,
    "nav": UnitType.NAV,
    "annet": UnitType.OTHER,
    **{t.value: t for t in UnitType},
    "care_nursing": UnitType.CARE,
    "outdoor": UnitType.TECHNICAL,
}


class ImportSource(models.TextChoices):
    WEB = "web", _("Web upload")
    CLI = "cli", _("Command line")
    DEMO = "demo", _("Demo data")
