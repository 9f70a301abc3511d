"""The former organisations' system inventories and the harmonisation decisions.

A *system* is one product as one former organisation ran it ("ePhorte" in Moss); a product both ran
is two rows with the same name. A system without a former organisation belongs to the merged
organisation itself — typically the product a decision chose to replace others with (Microsoft
Teams, Exchange Online).

A *decision* is taken per product name for the merged organisation: "KS SvarUt: merge" covers the
Moss and the Rygge row alike. Every system points to the decision of its name (kept in step by
:mod:`veikart.systems.services`), so "systems without a decision" is one query.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from veikart.organisations.models import FormerOrganisation, Organisation
from veikart.systems.constants import Category, DecisionKind, DecisionStatus, DpaStatus


class Decision(models.Model):
    """What the merged organisation does with one product: keep, replace with X, retire, merge."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="system_decisions"
    )
    system_name = models.CharField(_("system"), max_length=200)
    sort_key = models.CharField(max_length=600, editable=False, default="")
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    # The words of the decision ("Microsoft Teams", "OneDrive og Microsoft Teams"); the systems they
    # name are ``replacement_systems``.
    replacement = models.CharField(_("replace with"), max_length=300, blank=True)
    replacement_systems: models.ManyToManyField[System, Any] = models.ManyToManyField(
        "System",
        blank=True,
        related_name="replacing_decisions",
        verbose_name=_("replacement systems"),
    )
    rationale = models.TextField(_("rationale"), blank=True)
    owner = models.CharField(_("responsible"), max_length=200, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PLANNED
    )
    milestone_date = models.DateField(_("migration milestone date"), null=True, blank=True)
    milestone_text = models.CharField(_("migration milestone"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["sort_key", "system_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system_name"], name="systems_decision_one_per_name"
            ),
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.REPLACE) | ~Q(replacement=""),
                name="systems_decision_replace_names_replacement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system_name}: {self.get_kind_display()}"


class System(models.Model):
    """One system of a former organisation (or, without one, of the merged organisation)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="systems")
    former_organisation = models.ForeignKey(
        FormerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems",
        verbose_name=_("former organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    sort_key = models.CharField(max_length=600, editable=False, default="")
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    users = models.PositiveIntegerField(_("users"), null=True, blank=True)
    owner = models.CharField(_("system owner"), max_length=200, blank=True)
    contract_end = models.DateField(_("contract ends"), null=True, blank=True)
    yearly_cost_nok = models.DecimalField(
        _("yearly cost (NOK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    dpa_status = models.CharField(
        _("data-processing agreement"),
        max_length=20,
        choices=DpaStatus.choices,
        default=DpaStatus.UNKNOWN,
    )
    integrations = models.JSONField(_("integrations"), default=list, blank=True)
    is_m365_workload = models.BooleanField(_("Microsoft 365 workload"), default=False)
    decision = models.ForeignKey(
        Decision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="systems",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("system")
        verbose_name_plural = _("systems")
        ordering = ["sort_key", "name", "former_organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "former_organisation", "name"],
                name="systems_system_unique_name",
            ),
            # NULL is never equal to NULL in a unique index: the merged organisation's own systems
            # need a constraint of their own.
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=Q(former_organisation__isnull=True),
                name="systems_system_unique_name_merged",
            ),
            models.CheckConstraint(
                condition=Q(yearly_cost_nok__isnull=True) | Q(yearly_cost_nok__gte=0),
                name="systems_system_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        if self.former_organisation_id is None:
            return self.name
        return f"{self.name} ({self.former_organisation})"
