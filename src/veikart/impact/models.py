"""Stored impact evaluations: what ``evaluate`` found, as aggregates only, so the page loads fast.

``payload`` is :meth:`veikart.impact.services.Evaluation.to_json`: effects, intervals, tests and
group sizes, every group at or above the group threshold — never a person's value.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImpactResult(models.Model):
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What was asked: metric, courses, window, lockdown date, group threshold.
    parameters = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    seconds = models.FloatField(default=0.0)  # how long the evaluation took

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.parameters.get('metric', '')}"
