"""The organisation: former organisations, a dated unit tree, employees and their unit history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from veikart.organisations.constants import ImportSource, UnitType


class Organisation(models.Model):
    """The (merged) organisation Veikart serves, e.g. Moss kommune."""

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=9, blank=True)
    merger_date = models.DateField(_("merger date"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class FormerOrganisation(models.Model):
    """An organisation that merged into :class:`Organisation` (e.g. Rygge kommune)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="former_organisations"
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    email_domain = models.CharField(_("e-mail domain"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("former organisation")
        verbose_name_plural = _("former organisations")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="former_org_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(models.QuerySet["Unit"]):
    def valid_on(self, day: dt.date) -> UnitQuerySet:
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def in_subtrees(self, paths: frozenset[str]) -> UnitQuerySet:
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Unit(models.Model):
    """A unit (sector, unit, sub-unit) that exists from ``valid_from`` to ``valid_to`` inclusive.

    The pre-merger trees of the former organisations and the post-merger tree all live here, each
    unit with its own validity; :class:`UnitSuccession` says which old unit became part of which new
    one. ``path`` is the materialised path of primary keys (``/3/17/42/``) for subtree queries.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    former_organisation = models.ForeignKey(
        FormerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("former organisation"),
    )
    code = models.CharField(_("unit code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(
        _("unit type"), max_length=20, choices=UnitType.choices, default=UnitType.OFFICE
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_key", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="unit_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )


class UnitSuccession(models.Model):
    """Unit ``predecessor`` became (part of) unit ``successor`` on ``date``."""

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessions")
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="unit_succession_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date})"


class Employee(models.Model):
    """A person employed by the organisation (or one of its former organisations)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="employees"
    )
    employee_number = models.CharField(_("employee number"), max_length=64)
    given_name = models.CharField(_("given name"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=150)
    upn = models.CharField(_("user principal name"), max_length=254)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    is_manager = models.BooleanField(_("manager"), default=False)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
    )
    former_organisation = models.ForeignKey(
        FormerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("former organisation"),
    )
    employment_start = models.DateField(_("employment start"), null=True, blank=True)
    employment_end = models.DateField(_("employment end"), null=True, blank=True)
    pseudonym = models.CharField(max_length=64, db_index=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("user account"),
    )
    sort_key = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["sort_key", "employee_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "employee_number"], name="employee_number_unique"
            ),
            models.UniqueConstraint(fields=["organisation", "upn"], name="employee_upn_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def is_employed_on(self, day: dt.date) -> bool:
        return (self.employment_start is None or self.employment_start <= day) and (
            self.employment_end is None or self.employment_end >= day
        )


class EmployeeIdentity(models.Model):
    """Every user principal name a person has had, with its pseudonym (usage data joins here)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="identities")
    upn = models.CharField(_("user principal name"), max_length=254)
    pseudonym = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("sign-in name")
        verbose_name_plural = _("sign-in names")
        constraints = [
            models.UniqueConstraint(fields=["employee", "upn"], name="identity_unique"),
        ]

    def __str__(self) -> str:
        return self.upn


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def valid_on(self, day: dt.date) -> AssignmentQuerySet:
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Assignment(models.Model):
    """Employee worked in unit from ``valid_from`` to ``valid_to`` (inclusive; open = still)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit assignment")
        verbose_name_plural = _("unit assignments")
        ordering = ["valid_from"]
        indexes = [models.Index(fields=["unit", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.employee} – {self.unit} ({self.valid_from}–{self.valid_to or ''})"


class ImportRun(models.Model):
    """One applied HR import: which files, by whom, what it changed."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="import_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    as_of = models.DateField()
    full = models.BooleanField()
    files = models.JSONField(default=list)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.as_of})"
