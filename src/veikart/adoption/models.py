"""Computed adoption figures: the aggregates every dashboard, API response and export reads.

A :class:`Figure` is one group in one period — the whole organisation, a unit's subtree, a former
organisation, leaders in a unit… — with its size ``n``, whether it may be shown (``visible``,
decided by the privacy planner: below the group threshold, or recoverable by subtraction from
what is shown), and the value of every registry metric. Hidden figures keep no values: what may
not be shown is not stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from veikart.organisations.models import Organisation, Unit


class Grain(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Figure(models.Model):
    # No single-column indexes on the two keys: the indexes below lead with them, and every
    # index costs time when a compute stores millions of figures.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period = models.DateField()  # the Monday of the ISO week, or the 1st of the month
    # The groups, joined by "+": "" (the whole organisation), "unit_subtree", "former_org",
    # "unit_subtree+is_leader", … (veikart.adoption.engine.privacy.BREAKDOWNS).
    breakdown = models.CharField(max_length=60)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    attribute = models.CharField(max_length=100, blank=True)  # the non-unit group's value
    n = models.PositiveIntegerField()
    visible = models.BooleanField()
    values = models.JSONField(default=dict)  # metric key -> value (null: not covered); {} if hidden

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "grain", "breakdown", "period"]),
            models.Index(fields=["unit", "grain", "breakdown", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.period} {self.breakdown} {self.unit_id} {self.attribute}"


class ComputeState(models.Model):
    """The watermark: what the stored figures were computed from, week by week.

    ``weeks`` maps each ISO week (its Monday, ISO text) to fingerprints of its inputs: ``files``,
    the lake snapshot files of that week (path, size, modification time), and ``people``, the
    week's person-week rows. ``settings_key`` fingerprints what applies to every week (metric
    registry, group threshold, breakdowns); when it changes, everything is recomputed.
    ``inputs_key`` fingerprints what the person-week table is built from besides the lake
    (employees, assignments, units, training, sign-in names): while it is unchanged, a run with
    only new weeks of usage builds the people of just the weeks it computes.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    settings_key = models.CharField(max_length=64)
    inputs_key = models.CharField(max_length=64, blank=True)
    weeks = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.computed_at:%Y-%m-%d %H:%M}"


class ComputeRun(models.Model):
    """One run of ``veikart compute`` (by hand, or after ingest), for the operator."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    trigger = models.CharField(max_length=10)  # cli, ingest, demo, web
    full = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.trigger}"
