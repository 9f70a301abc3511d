"""Categories, decision kinds and statuses, who may edit, and the words of the import files."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from veikart.core.constants import Role


class Category(models.TextChoices):
    """The Norwegian municipal system taxonomy ("fagområde") the harmonisation is organised by."""

    CASE_ARCHIVE = "sak_arkiv", _("Case management and archive")
    FINANCE = "okonomi", _("Finance")
    HR_PAYROLL = "hr_lonn", _("HR and payroll")
    QUALITY_HSE = "kvalitet_hms", _("Quality and HSE")
    CARE = "pleie_omsorg", _("Nursing and care")
    HEALTH = "helse", _("Health")
    EDUCATION = "oppvekst", _("Childhood and education")
    TECHNICAL = "teknisk", _("Technical services")
    MAPS_PLANNING = "kart_plan", _("Maps and planning")
    CULTURE = "kultur", _("Culture")
    WELFARE = "nav_sosial", _("NAV and social services")
    COLLABORATION = "samhandling", _("Collaboration and communication")
    INFRASTRUCTURE = "infrastruktur", _("Infrastructure")
    OTHER = "annet", _("Other")


class DpaStatus(models.TextChoices):
    """Is there a data-processing agreement (databehandleravtale) with the vendor?"""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    IN_PROGRESS = "in_progress", _("In progress")
    UNKNOWN = "unknown", _("Unknown")


class DecisionKind(models.TextChoices):
    KEEP = "keep", _("Keep")
    REPLACE = "replace", _("Replace")
    RETIRE = "retire", _("Retire")
    MERGE = "merge", _("Merge")


class DecisionStatus(models.TextChoices):
    """How far carrying out the decision has come."""

    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


# Roles that edit the inventory and the decisions and import files; the executive reads.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.IT})
READER_ROLES = EDITOR_ROLES | {Role.EXECUTIVE}


def normalise_word(value: str) -> str:
    """Lower case, one space, no spaces around ``/`` — "HR / Lønn" and "hr/lønn" are one word."""
    text = " ".join(value.replace("\u00a0", " ").split()).casefold()
    return re.sub(r"\s*/\s*", "/", text)


# The words of the import files (see docs/user/systems.md). The first word of each category is
# the one shown in messages and written in exports; English keys and labels are accepted too.
CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.CASE_ARCHIVE: (
        "sak/arkiv",
        "sak og arkiv",
        "sak-arkiv",
        "arkiv",
        "saksbehandling",
        "dokumentforvaltning",
    ),
    Category.FINANCE: ("økonomi", "okonomi", "økonomi/innkjøp", "innkjøp", "regnskap"),
    Category.HR_PAYROLL: ("HR/lønn", "hr og lønn", "lønn/personal", "personal", "lønn", "hr"),
    Category.QUALITY_HSE: ("kvalitet/HMS", "kvalitet og hms", "hms", "kvalitet", "kvalitetssystem"),
    Category.CARE: ("pleie og omsorg", "pleie/omsorg", "omsorg", "helse og omsorg"),
    Category.HEALTH: ("helse", "helsetjenester", "legetjenester"),
    Category.EDUCATION: ("oppvekst", "skole", "barnehage", "oppvekst og utdanning", "utdanning"),
    Category.TECHNICAL: ("teknisk", "tekniske tjenester", "eiendom", "bygg og eiendom"),
    Category.MAPS_PLANNING: ("kart/plan", "kart og plan", "kart", "plan", "geodata", "gis"),
    Category.CULTURE: ("kultur", "bibliotek", "kultur og fritid"),
    Category.WELFARE: ("NAV/sosial", "nav", "sosial", "sosialtjenester", "nav og sosial"),
    Category.COLLABORATION: (
        "samhandling",
        "kommunikasjon",
        "samarbeid",
        "kontorstøtte",
        "e-post",
    ),
    Category.INFRASTRUCTURE: ("infrastruktur", "drift", "it-drift", "ikt-infrastruktur"),
    Category.OTHER: ("annet", "andre", "øvrige"),
}


def category_lookup() -> dict[str, Category]:
    lookup: dict[str, Category] = {}
    for category, words in CATEGORY_WORDS.items():
        for word in (*words, category.value, str(category.label), category.name):
            lookup[normalise_word(word)] = category
    return lookup


def category_word(category: str) -> str:
    """The import file's word for a category key ("sak_arkiv" → "sak/arkiv")."""
    return CATEGORY_WORDS[Category(category)][0]


DPA_WORDS: dict[str, DpaStatus] = {
    "ja": DpaStatus.YES,
    "j": DpaStatus.YES,
    "nei": DpaStatus.NO,
    "n": DpaStatus.NO,
    "under arbeid": DpaStatus.IN_PROGRESS,
    "pågår": DpaStatus.IN_PROGRESS,
    "ukjent": DpaStatus.UNKNOWN,
    "vet ikke": DpaStatus.UNKNOWN,
    "": DpaStatus.UNKNOWN,
    "in progress": DpaStatus.IN_PROGRESS,
    **{s.value: s for s in DpaStatus},
}
DPA_FILE_WORDS: dict[DpaStatus, str] = {
    DpaStatus.YES: "ja",
    DpaStatus.NO: "nei",
    DpaStatus.IN_PROGRESS: "under arbeid",
    DpaStatus.UNKNOWN: "ukjent",
}

KIND_WORDS: dict[str, DecisionKind] = {
    "behold": DecisionKind.KEEP,
    "beholde": DecisionKind.KEEP,
    "videreføre": DecisionKind.KEEP,
    "videreført": DecisionKind.KEEP,
    "erstatt": DecisionKind.REPLACE,
    "erstatte": DecisionKind.REPLACE,
    "avvikle": DecisionKind.RETIRE,
    "avvikles": DecisionKind.RETIRE,
    "slå sammen": DecisionKind.MERGE,
    "slås sammen": DecisionKind.MERGE,
    "sammenslåing": DecisionKind.MERGE,
    **{k.value: k for k in DecisionKind},
}
# "erstatt med X", "erstattes av X", "replace with X"
REPLACE_PREFIXES = ("erstatt med ", "erstattes med ", "erstattes av ", "replace with ")
KIND_FILE_WORDS: dict[DecisionKind, str] = {
    DecisionKind.KEEP: "behold",
    DecisionKind.REPLACE: "erstatt med",
    DecisionKind.RETIRE: "avvikle",
    DecisionKind.MERGE: "slå sammen",
}

STATUS_WORDS: dict[str, DecisionStatus] = {
    "planlagt": DecisionStatus.PLANNED,
    "ikke startet": DecisionStatus.PLANNED,
    "pågår": DecisionStatus.IN_PROGRESS,
    "i gang": DecisionStatus.IN_PROGRESS,
    "under arbeid": DecisionStatus.IN_PROGRESS,
    "gjennomført": DecisionStatus.DONE,
    "fullført": DecisionStatus.DONE,
    "ferdig": DecisionStatus.DONE,
    "in progress": DecisionStatus.IN_PROGRESS,
    **{s.value: s for s in DecisionStatus},
}
STATUS_FILE_WORDS: dict[DecisionStatus, str] = {
    DecisionStatus.PLANNED: "planlagt",
    DecisionStatus.IN_PROGRESS: "pågår",
    DecisionStatus.DONE: "gjennomført",
}

# Names that make a system a Microsoft 365 workload, or the on-premises service a workload takes
# over (file servers, Exchange Server, Skype for Business): the move to the cloud is decided
# in the same matrix as every other system.
M365_PATTERN = re.compile(
    r"\b(teams|onedrive|sharepoint|exchange|skype for business|lync|office 365|microsoft 365|"
    r"microsoft office|m365|o365|filserver(e)?|file servers?|intune|endpoint manager|"
    r"microsoft forms|planner|viva|yammer)\b",
    re.IGNORECASE,
)


def looks_like_m365(name: str) -> bool:
    return bool(M365_PATTERN.search(name))
