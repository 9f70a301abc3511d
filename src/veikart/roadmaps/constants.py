"""Statuses, kinds, populations, who sees and edits the roadmap, and the words of the demo files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from veikart.core.constants import Role


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("initiative status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("initiative status", "In progress")
    DONE = "done", pgettext_lazy("initiative status", "Done")


class TargetKind(models.TextChoices):
    METRIC = "metric", _("An adoption metric")
    COURSE_SHARE = "course_share", _("Share of the population who attended a course")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class Population(models.TextChoices):
    """Whom a target measures. Each maps to a breakdown the adoption figures are stored by."""

    EVERYONE = "everyone", _("The whole organisation")
    UNIT = "unit", _("A unit and the units below it")
    UNIT_TYPE = "unit_type", _("Every unit of one type")
    FORMER_ORGANISATION = "former_organisation", _("Employees from a former organisation")


class Status(models.TextChoices):
    """A target's status, computed when it is read (see :mod:`veikart.roadmaps.status`)."""

    MET = "met", _("Met")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_DATA = "no_data", _("Not enough data")
    HIDDEN = "hidden", _("Not enough people to show")


# Cut-offs on the forecast's probability of meeting the target by its due date.
ON_TRACK_PROBABILITY = 0.7
OFF_TRACK_PROBABILITY = 0.3
# How far past the due date (and past the latest figures) the forecast is drawn, in weeks.
FORECAST_WEEKS_AFTER_DUE = 26
FORECAST_MIN_WEEKS = 13
# The forecast looks at no more than this many weeks of history: an adoption curve of two years
# ago says little about the next months.
FORECAST_HISTORY_WEEKS = 78

# Roles that see the whole roadmap with every target's figures; a unit manager sees the targets'
# figures for the populations inside their subtrees (and the whole organisation's); everyone
# else signed in sees the initiatives and the targets, without figures.
ROADMAP_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.EXECUTIVE, Role.IT})
EDITOR_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})

# The simulator's target keys (roadmap/mål.csv, ``nøkkel``) and the registry metric each means.
SIMULATOR_METRICS: dict[str, str] = {
    "teams_active_share": "active_teams",
    "teams_messages_per_user": "teams_messages_per_person",
    "teams_meetings_per_user": "meetings_attended_per_person",
    "email_sent_per_user": "emails_sent_per_person",
    "onedrive_active_share": "files_active",
}
COURSE_SHARE_PREFIX = "course_share:"
STATUS_WORDS: dict[str, InitiativeStatus] = {
    "planlagt": InitiativeStatus.PLANNED,
    "pågår": InitiativeStatus.IN_PROGRESS,
    "fullført": InitiativeStatus.DONE,
    **{s.value: s for s in InitiativeStatus},
}
DIRECTION_WORDS: dict[str, Direction] = {
    "minst": Direction.AT_LEAST,
    "høyst": Direction.AT_MOST,
    **{d.value: d for d in Direction},
}
