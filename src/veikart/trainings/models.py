"""Training: courses, their sessions and who enrolled in (and attended) them."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from veikart.organisations.models import Employee, FormerOrganisation, Unit
from veikart.trainings.constants import (
    CourseFormat,
    EnrolmentStatus,
    Population,
    TargetKind,
)


class Course(models.Model):
    """A course as the programme offers it, e.g. "Teams grunnkurs" (``TEAMS-GK``)."""

    code = models.CharField(_("course code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    format = models.CharField(
        _("format"), max_length=20, choices=CourseFormat.choices, default=CourseFormat.CLASSROOM
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    prerequisite = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("prerequisite"),
    )
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    # The target groups, as data: the course is recommended to the people working in these units
    # (and the units below them), to leaders, and to people whose job title contains one of the
    # comma-separated ``target_titles``. None of them: a course for everyone, recommended to no
    # one in particular.
    target_units = models.ManyToManyField(
        Unit, blank=True, related_name="target_courses", verbose_name=_("target units")
    )
    for_leaders = models.BooleanField(_("for leaders"), default=False)
    target_titles = models.CharField(_("target job titles"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title_words(self) -> list[str]:
        """The target job titles, trimmed and in lower case."""
        return [t.strip().casefold() for t in self.target_titles.split(",") if t.strip()]


class LearningPath(models.Model):
    """Courses meant to be taken in order, e.g. Teams basics → Files in Teams and OneDrive →
    Meetings in Teams. A guide for the participant; a course's ``prerequisite`` is the rule."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    courses: models.ManyToManyField[Course, LearningPathStep] = models.ManyToManyField(
        Course, through="LearningPathStep", related_name="learning_paths", verbose_name=_("courses")
    )

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LearningPathStep(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="path_steps")
    position = models.PositiveSmallIntegerField(_("step"))

    class Meta:
        verbose_name = _("learning path step")
        verbose_name_plural = _("learning path steps")
        ordering = ["path", "position"]
        constraints = [
            models.UniqueConstraint(fields=["path", "position"], name="learning_path_step_unique"),
            models.UniqueConstraint(fields=["path", "course"], name="learning_path_course_once"),
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.position}: {self.course}"


class Session(models.Model):
    """One run of a course (for e-learning: an enrolment window). ``capacity`` None = unlimited."""

    code = models.CharField(_("session id"), max_length=50, unique=True)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    trainer = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions_run",
        verbose_name=_("trainer"),
    )
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    # A cancelled session stays, with why, so that participants and the trainer can see it; no
    # one enrols in it and no attendance is registered for it.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The SEQUENCE of the last calendar message (.ics) sent to a trainer of this session. One
    # counter for all its trainers, so that it only grows for each of their UIDs.
    trainer_calendar_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="session_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.course.code} {self.day:%Y-%m-%d}"

    @property
    def day(self) -> dt.date:
        """The local (Europe/Oslo) day the session starts."""
        return timezone.localtime(self.starts_at).date()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Enrolment(models.Model):
    """A person's place in a session: a seat, a place on the waiting list, or the outcome."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("session")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("employee")
    )
    enrolled_on = models.DateField(_("enrolled on"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    # Place on the waiting list (1 = next to get a seat); None for everyone not waiting.
    position = models.PositiveIntegerField(_("waiting-list position"), null=True, blank=True)
    # The SEQUENCE of the last calendar message (.ics) sent for this enrolment; None = none yet.
    # Each new message (invitation, update, cancellation) takes the next number, so that calendar
    # programs apply them in order (RFC 5545, 3.8.7.4).
    calendar_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # When the reminder e-mail was sent: ``veikart send-reminders`` never sends a second one.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "position", "enrolled_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "employee"], name="enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.employee} – {self.session} ({self.status})"


class TrainingTarget(models.Model):
    """A goal of the training plan, e.g. "all leaders by 2019-10-31" or "400 by 2019-12-15".

    Someone counts as trained from the first session of one of ``courses`` they attended (any
    course when ``courses`` is empty). The population is everyone employed, the people working in
    ``unit`` and below it, the leaders (``Employee.is_manager``) or the employees from
    ``former_organisation``; ``value`` is a percentage of it (``kind`` share) or a number of
    people. :mod:`veikart.trainings.plan` computes the progress.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    courses = models.ManyToManyField(
        Course, blank=True, related_name="targets", verbose_name=_("courses that count")
    )
    population = models.CharField(
        _("population"), max_length=30, choices=Population.choices, default=Population.EVERYONE
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_targets",
        verbose_name=_("unit"),
    )
    former_organisation = models.ForeignKey(
        FormerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_targets",
        verbose_name=_("former organisation"),
    )
    kind = models.CharField(
        _("target type"), max_length=10, choices=TargetKind.choices, default=TargetKind.SHARE
    )
    value = models.PositiveIntegerField(_("target"))
    due_date = models.DateField(_("due date"))

    class Meta:
        verbose_name = _("training target")
        verbose_name_plural = _("training targets")
        ordering = ["due_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True) | models.Q(population=Population.UNIT),
                name="training_target_unit_only_for_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(former_organisation__isnull=True)
                | models.Q(population=Population.FORMER_ORGANISATION),
                name="training_target_former_org_only_for_former_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name
