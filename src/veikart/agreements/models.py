"""The working agreement: an agreement per organisation or unit, its versions, rules and the
employees' acknowledgements.

A version is a draft until it is published; from then on it never changes (the model refuses a
save or delete of a published version or its rules), so what an employee acknowledged is what
they read. Editing a published agreement starts a new draft with a copy of its rules; a rule
keeps its ``key`` from version to version, which is how the history tells a changed rule from a
removed one and a new one.

An acknowledgement belongs to its employee: it is shown to that person alone; everyone else sees
counts over groups of at least ``MIN_GROUP_SIZE`` people (see ``selectors``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from veikart.agreements.constants import EXAMPLE_LENGTH, NEED_LENGTH, NOT_FOR_LENGTH, TOOL_LENGTH
from veikart.organisations.models import Employee, Organisation, Unit


class PublishedVersionError(Exception):
    """A published version (or one of its rules) was about to be changed or deleted."""


class Agreement(models.Model):
    """The organisation's agreement (``unit`` empty), or a unit's addition to it, which applies
    to everyone working in the unit's subtree."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="agreements"
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("unit"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("working agreement")
        verbose_name_plural = _("working agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(unit__isnull=True),
                name="agreement_one_per_organisation",
            ),
            models.UniqueConstraint(fields=["unit"], name="agreement_one_per_unit"),
        ]

    def __str__(self) -> str:
        return str(self.unit) if self.unit is not None else str(self.organisation)

    @property
    def is_organisation_wide(self) -> bool:
        return self.unit_id is None


class AgreementVersion(models.Model):
    """One version of an agreement: a draft while ``published_at`` is empty, then fixed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("agreement title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    change_note = models.TextField(_("what changed"), blank=True)
    requires_acknowledgement = models.BooleanField(_("requires new acknowledgement"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_unique"
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(published_at__isnull=True),
                name="agreement_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_as_published():
            raise PublishedVersionError(f"version {self.pk} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_as_published():
            raise PublishedVersionError(f"version {self.pk} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def _stored_as_published(self) -> bool:
        return (
            self.pk is not None
            and AgreementVersion.objects.filter(pk=self.pk, published_at__isnull=False).exists()
        )


class Rule(models.Model):
    """One row of the agreement's table: for this need, use this tool (not that one).

    ``key`` identifies the rule across the versions of one agreement. In a unit's addition,
    ``replaces`` is the key of the organisation rule it replaces for the unit's subtree (empty:
    the rule comes in addition). A ``binding`` organisation rule cannot be replaced.
    """

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="rules")
    key = models.PositiveIntegerField()
    position = models.PositiveIntegerField(_("order"))
    need = models.CharField(_("need"), max_length=NEED_LENGTH)
    tool = models.CharField(_("tool"), max_length=TOOL_LENGTH)
    example = models.CharField(_("example"), max_length=EXAMPLE_LENGTH, blank=True)
    not_for = models.CharField(_("do not use"), max_length=NOT_FOR_LENGTH, blank=True)
    binding = models.BooleanField(_("applies to everyone"), default=False)
    replaces = models.PositiveIntegerField(_("replaces rule"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["version", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="rule_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.need}: {self.tool}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._in_published_version():
            raise PublishedVersionError(f"rule of published version {self.version_id}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._in_published_version():
            raise PublishedVersionError(f"rule of published version {self.version_id}")
        return super().delete(*args, **kwargs)

    def _in_published_version(self) -> bool:
        return AgreementVersion.objects.filter(
            pk=self.version_id, published_at__isnull=False
        ).exists()

    def content(self) -> tuple[str, str, str, str, bool, int | None]:
        """What the history compares between two versions of the rule."""
        return (self.need, self.tool, self.example, self.not_for, self.binding, self.replaces)


class Acknowledgement(models.Model):
    """An employee has read and understood one version ("Jeg har lest og forstått")."""

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="agreement_acknowledgements"
    )
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"))

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "version"], name="acknowledgement_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version_id} #{self.pk}"
