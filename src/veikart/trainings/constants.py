"""Course formats, enrolment statuses, the cancellation deadline and the import file words."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from veikart.core.constants import Role


class CourseFormat(models.TextChoices):
    CLASSROOM = "classroom", _("Classroom")
    TEAMS = "teams", _("Teams")
    ELEARNING = "elearning", _("E-learning")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not attend")


# Statuses that hold one of a session's seats (the simulator's "seats taken = møtt + ikke møtt").
SEAT_STATUSES = frozenset(
    {EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED, EnrolmentStatus.NO_SHOW}
)

# A seat can be given up until this long before the session starts; later, the participant must
# ask the trainer (the seat is most likely wasted, and the trainer needs to know).
CANCELLATION_DEADLINE = dt.timedelta(hours=24)

# Roles that see every session. Trainers see the sessions they run, unit managers the sessions
# with participants from their subtree, everyone the sessions they are enrolled in.
SESSION_WIDE_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})

# Roles that create and edit courses. A trainer edits the sessions they run; the programme lead
# and administrators every session (SESSION_WIDE_ROLES), and they may enrol anyone.
COURSE_EDITOR_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.TRAINER})

# Roles that import historical training records (courses, sessions, who attended) from files.
# IT imports the HR data, but does not by that see or write who took which course.
IMPORT_TRAINING_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})

# How many days before a session ``veikart send-reminders`` reminds its participants.
REMINDER_DAYS = 2

# The words of the import files (see docs/user/training-import.md); English values accepted too.
FORMAT_WORDS: dict[str, CourseFormat] = {
    "klasserom": CourseFormat.CLASSROOM,
    "teams": CourseFormat.TEAMS,
    "e-læring": CourseFormat.ELEARNING,
    "elæring": CourseFormat.ELEARNING,
    **{f.value: f for f in CourseFormat},
}
STATUS_WORDS: dict[str, EnrolmentStatus] = {
    "påmeldt": EnrolmentStatus.ENROLLED,
    "venteliste": EnrolmentStatus.WAITLISTED,
    "avmeldt": EnrolmentStatus.CANCELLED,
    "møtt": EnrolmentStatus.ATTENDED,
    "ikke møtt": EnrolmentStatus.NO_SHOW,
    **{s.value: s for s in EnrolmentStatus},
}

COURSE_COLUMNS = ("kode", "tittel", "beskrivelse", "format", "varighet_minutter", "forutsetning")
SESSION_COLUMNS = ("id", "kurskode", "start", "slutt", "sted", "kursholder", "kapasitet")
ENROLMENT_COLUMNS = ("okt_id", "ansattnummer", "påmeldt", "status")


class Population(models.TextChoices):
    """Whom a training target counts (see :class:`veikart.trainings.models.TrainingTarget`)."""

    EVERYONE = "everyone", _("Everyone in the organisation")
    UNIT = "unit", _("A unit and the units below it")
    LEADERS = "leaders", _("Leaders only")
    FORMER_ORGANISATION = "former_organisation", _("Employees from a former organisation")


class TargetKind(models.TextChoices):
    SHARE = "share", _("A share of the population, in per cent")
    PEOPLE = "people", _("A number of people")


class TargetStatus(models.TextChoices):
    MET = "met", _("Met")
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")


# Who sees the whole training plan and edits its targets; a unit manager sees the plan for their
# own subtree (progress and who is still missing), everyone else nothing of it.
PLAN_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})
