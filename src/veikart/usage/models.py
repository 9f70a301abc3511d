"""The ingest manifest: every file offered to ingest, what it was and what happened to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IngestStatus(models.TextChoices):
    WRITTEN = "written", _("Stored")
    REPLACED = "replaced", _("Replaced an older pull")
    UNCHANGED = "unchanged", _("Already stored")
    OLDER = "older", _("Older than the stored pull")
    EMPTY = "empty", _("No rows")
    FAILED = "failed", _("Refused")


class IngestRun(models.Model):
    """One call of ingest (a command, an upload, a pull), with its summary."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    source = models.CharField(max_length=10)  # cli, web, graph
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.source}"


class IngestedFile(models.Model):
    """One file of a run. Holds no user names: only counts and the snapshot it went to."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=IngestStatus.choices)
    report = models.CharField(max_length=50, blank=True)
    form = models.CharField(max_length=10, blank=True)
    refresh_date = models.DateField(null=True, blank=True)
    report_date = models.DateField(null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(null=True, blank=True)
    snapshot = models.CharField(max_length=300, blank=True)  # the lake path, relative
    rows = models.PositiveIntegerField(default=0)
    unmapped_people = models.PositiveIntegerField(default=0)
    concealed = models.BooleanField(default=False)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
