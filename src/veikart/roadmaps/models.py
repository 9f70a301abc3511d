"""The digital roadmap: initiatives, their milestones and their measurable targets.

An :class:`Initiative` is one thing the programme does ("Teams som hovedkanal for intern
kommunikasjon"), with a goal, an owner, target groups, a start and an end, milestones, and the
system decisions and courses it depends on. A :class:`Target` makes it measurable: a metric of the
adoption registry (or the share of a population who attended a course), a threshold, a direction,
a due date and a population. A target's status is never stored — it is computed from the stored
adoption figures (or the training plan) when it is read, so it follows every ingest by itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from veikart.adoption.engine.registry import REGISTRY
from veikart.organisations.constants import UnitType
from veikart.organisations.models import FormerOrganisation, Organisation, Unit
from veikart.roadmaps.constants import (
    Direction,
    InitiativeStatus,
    Population,
    TargetKind,
)
from veikart.trainings.models import Course, TrainingTarget


class Initiative(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="initiatives"
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"))
    # A role or a name, as the programme writes it ("IKT-sjef", "Rådmann").
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    target_groups = models.CharField(_("target groups"), max_length=300, blank=True)
    units = models.ManyToManyField(
        Unit, blank=True, related_name="initiatives", verbose_name=_("units")
    )
    for_leaders = models.BooleanField(_("for leaders in particular"), default=False)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InitiativeStatus.choices,
        default=InitiativeStatus.PLANNED,
    )
    depends_on_decisions = models.ManyToManyField(
        "systems.Decision",
        blank=True,
        related_name="initiatives",
        verbose_name=_("depends on system decisions"),
    )
    depends_on_courses = models.ManyToManyField(
        Course, blank=True, related_name="initiatives", verbose_name=_("depends on courses")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["start", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="roadmaps_initiative_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="roadmaps_initiative_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError({"end": _("The end cannot be before the start.")})


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("date"))
    text = models.CharField(_("milestone"), max_length=300)
    done = models.BooleanField(pgettext_lazy("milestone", "done"), default=False)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.text}"


class Target(models.Model):
    """A measurable target of an initiative.

    ``kind`` metric: ``metric`` (a registry key) ``direction`` ``threshold`` (in the metric's unit:
    per cent for shares, 0–1 for ratios) by ``due_date``, for the population. ``kind`` course
    share: at least ``threshold`` per cent of the population attended ``course`` by the due date;
    the training plan's :class:`~veikart.trainings.models.TrainingTarget` it is linked to
    (``training_target``) computes the progress.

    The population is the whole organisation, a unit's subtree, every unit of a type, or the
    employees from a former organisation; ``leaders_only`` narrows it to the leaders, where the
    figures are stored that way (the whole organisation or a unit's subtree).
    """

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="targets", verbose_name=_("initiative")
    )
    code = models.CharField(_("code"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("type of target"), max_length=20, choices=TargetKind.choices, default=TargetKind.METRIC
    )
    metric = models.CharField(_("metric"), max_length=60, blank=True)
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_targets",
        verbose_name=_("course"),
    )
    training_target = models.ForeignKey(
        TrainingTarget,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roadmap_targets",
        editable=False,
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST
    )
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=2)
    due_date = models.DateField(_("due date"))
    population = models.CharField(
        _("population"), max_length=30, choices=Population.choices, default=Population.EVERYONE
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_targets",
        verbose_name=_("unit"),
    )
    unit_type = models.CharField(
        _("unit type"), max_length=20, choices=UnitType.choices, blank=True
    )
    former_organisation = models.ForeignKey(
        FormerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_targets",
        verbose_name=_("former organisation"),
    )
    leaders_only = models.BooleanField(_("leaders only"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["due_date", "code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(population=Population.UNIT),
                name="roadmaps_target_unit_only_for_unit",
            ),
            models.CheckConstraint(
                condition=Q(unit_type="") | Q(population=Population.UNIT_TYPE),
                name="roadmaps_target_unit_type_only_for_unit_type",
            ),
            models.CheckConstraint(
                condition=Q(former_organisation__isnull=True)
                | Q(population=Population.FORMER_ORGANISATION),
                name="roadmaps_target_former_org_only_for_former_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}

        def problem(field: str, message: str) -> None:
            errors.setdefault(field, []).append(ValidationError(message))

        for field, message in _population_problems(self):
            problem(field, message)
        if self.kind == TargetKind.METRIC:
            for field, message in _metric_problems(self):
                problem(field, message)
        elif self.kind == TargetKind.COURSE_SHARE:
            for field, message in _course_share_problems(self):
                problem(field, message)
        if errors:
            raise ValidationError(errors)


def _population_problems(target: Target) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if target.population == Population.UNIT and target.unit_id is None:
        problems.append(("unit", str(_("Choose the unit the target is for."))))
    if target.population == Population.UNIT_TYPE and not target.unit_type:
        problems.append(("unit_type", str(_("Choose the unit type the target is for."))))
    if (
        target.population == Population.FORMER_ORGANISATION
        and target.former_organisation_id is None
    ):
        problems.append(
            (
                "former_organisation",
                str(_("Choose the former organisation the target is for.")),
            )
        )
    if target.leaders_only and target.population in (
        Population.UNIT_TYPE,
        Population.FORMER_ORGANISATION,
    ):
        problems.append(
            (
                "leaders_only",
                str(
                    _(
                        "Figures for leaders are kept for the whole organisation and for a unit "
                        "with the units below it only. Choose one of those populations, or "
                        "untick “leaders only”."
                    )
                ),
            )
        )
    return problems


def _metric_problems(target: Target) -> list[tuple[str, str]]:
    metric = REGISTRY.get(target.metric)
    if metric is None:
        return [("metric", str(_("Choose a metric from the list.")))]
    threshold = target.threshold
    if threshold is None:
        return []
    if threshold < 0:
        return [("threshold", str(_("The threshold cannot be negative.")))]
    if metric.unit == "percent" and threshold > 100:
        return [
            (
                "threshold",
                str(_("This metric is a share: write a percentage from 0 to 100, e.g. 80.")),
            )
        ]
    if metric.unit == "ratio" and threshold > 1:
        return [
            (
                "threshold",
                str(_("This metric is a ratio from 0 to 1: write e.g. 0.6, not 60.")),
            )
        ]
    return []


def _course_share_problems(target: Target) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if target.course_id is None:
        problems.append(("course", str(_("Choose the course that counts."))))
    threshold = target.threshold
    if threshold is not None and (
        threshold < 1 or threshold > 100 or threshold != threshold.to_integral_value()
    ):
        problems.append(
            ("threshold", str(_("Write the share as a whole percentage from 1 to 100, e.g. 90.")))
        )
    if target.direction != Direction.AT_LEAST:
        problems.append(
            ("direction", str(_("A course target is always “at least” a share of the people.")))
        )
    if target.population == Population.UNIT_TYPE:
        problems.append(
            (
                "population",
                str(
                    _(
                        "The training plan counts the whole organisation, a unit, the leaders or "
                        "a former organisation, not a unit type. Choose one of those."
                    )
                ),
            )
        )
    if target.leaders_only and target.population == Population.UNIT:
        problems.append(
            (
                "leaders_only",
                str(
                    _(
                        "The training plan counts the leaders of the whole organisation only: "
                        "choose “the whole organisation” with leaders only."
                    )
                ),
            )
        )
    return problems
