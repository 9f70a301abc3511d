"""Competence self-assessment: surveys of DigComp statements, waves, and employees' answers.

An answer belongs to its employee: it is shown to that person alone ("Min egenvurdering"); every
other reading goes through :mod:`veikart.competence.selectors`, which returns aggregates only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from veikart.competence.constants import WaveKind
from veikart.competence.digcomp import MAX_LEVEL, MIN_LEVEL
from veikart.organisations.models import Employee
from veikart.trainings.models import Course


class Survey(models.Model):
    """A questionnaire, usually created from a shipped template (``template`` is its key)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    template = models.CharField(_("template"), max_length=50, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A statement answered on the eight DigComp levels; ``competence`` blank = custom question."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    competence = models.CharField(_("DigComp competence"), max_length=5, blank=True)
    text = models.CharField(_("statement"), max_length=300)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_custom(self) -> bool:
        return not self.competence


class Wave(models.Model):
    """One round of answering, open from ``opens_on`` to ``closes_on`` inclusive (Oslo days)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="waves", verbose_name=_("survey")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=WaveKind.choices)
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="competence_waves",
        verbose_name=_("course"),
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["opens_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="wave_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.name}"

    def is_open_on(self, day: dt.date) -> bool:
        return self.survey.is_open and self.opens_on <= day <= self.closes_on


class Response(models.Model):
    """One employee's answers in one wave; they may change it until the wave closes."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="competence_responses"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["wave", "employee"], name="response_once_per_wave")
        ]

    def __str__(self) -> str:
        return f"{self.wave} #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    level = models.PositiveSmallIntegerField(_("level"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=MIN_LEVEL, level__lte=MAX_LEVEL),
                name="answer_level_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.level}"
