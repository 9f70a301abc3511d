"""Reads of the working agreement, always for a user.

- A published version is readable by everyone signed in: it is a document for all employees.
  A draft only by those who may edit its agreement.
- An employee's own acknowledgement is shown to them alone (:func:`my_agreement`).
- Everyone else sees acknowledgement *counts* over groups (:func:`acknowledgement_results`),
  planned with the suppression planner of the adoption figures
  (:func:`veikart.adoption.engine.plan_suppression`: at least ``MIN_GROUP_SIZE`` people, with
  complementary suppression along the unit tree and across the former organisations, checked
  exactly). There is no read that says who has or has not acknowledged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from veikart.adoption.engine import PEOPLE_SCHEMA, plan_suppression
from veikart.agreements.constants import ACKNOWLEDGEMENT_ROLES, EDITOR_ROLES
from veikart.agreements.models import Acknowledgement, Agreement, AgreementVersion, Rule
from veikart.core.access import SYSTEM, Access, AnyUser, get_access
from veikart.core.constants import Role
from veikart.organisations.models import Assignment, Unit
from veikart.organisations.selectors import get_organisation, get_units_for_user

Who = AnyUser | Access | None


def _access(who: Who) -> Access:
    return who if isinstance(who, Access) else get_access(who)


# --- Who may do what ----------------------------------------------------------------------------


def can_edit_organisation_agreement(who: Who) -> bool:
    return bool(_access(who).roles & EDITOR_ROLES)


def can_edit_unit(who: Who, unit: Unit) -> bool:
    """Whether ``who`` may write the addition of ``unit``: an editor, or the unit's manager (the
    unit lies in the subtree they manage)."""
    access = _access(who)
    if access.roles & EDITOR_ROLES:
        return True
    return any(unit.path.startswith(path) for path in access.unit_paths)


def can_edit(who: Who, agreement: Agreement) -> bool:
    if agreement.unit is None:
        return can_edit_organisation_agreement(who)
    return can_edit_unit(who, agreement.unit)


def can_see_acknowledgements(who: Who) -> bool:
    access = _access(who)
    return bool(access.roles & ACKNOWLEDGEMENT_ROLES) or bool(access.unit_paths)


def can_manage(who: Who) -> bool:
    """Whether the management page has anything for ``who``."""
    return can_edit_organisation_agreement(who) or can_see_acknowledgements(who)


# --- Agreements and versions --------------------------------------------------------------------


def organisation_agreement() -> Agreement | None:
    organisation = get_organisation()
    if organisation is None:
        return None
    return Agreement.objects.filter(organisation=organisation, unit__isnull=True).first()


def current_version(agreement: Agreement) -> AgreementVersion | None:
    """The version in force: the last published one."""
    return (
        agreement.versions.filter(published_at__isnull=False)
        .select_related("published_by")
        .order_by("-number")
        .first()
    )


def draft_of(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.filter(published_at__isnull=True).first()


def published_versions(agreement: Agreement) -> list[AgreementVersion]:
    return list(
        agreement.versions.filter(published_at__isnull=False)
        .select_related("published_by")
        .prefetch_related("rules")
        .order_by("number")
    )


def baseline(agreement: Agreement) -> AgreementVersion | None:
    """The last published version that asked everyone to acknowledge it again: acknowledging
    it, or any later version, counts as having acknowledged the agreement in force."""
    return (
        agreement.versions.filter(published_at__isnull=False, requires_acknowledgement=True)
        .order_by("-number")
        .first()
    )


def rules_of(version: AgreementVersion) -> list[Rule]:
    return list(version.rules.order_by("position", "key"))


def replaceable_rules() -> dict[int, Rule]:
    """The organisation's rules in force that a unit's addition may replace, by key."""
    agreement = organisation_agreement()
    current = current_version(agreement) if agreement is not None else None
    if current is None:
        return {}
    return {r.key: r for r in rules_of(current) if not r.binding}


def get_agreement_for_user(who: Who, pk: int, *, edit: bool = False) -> Agreement:
    """An agreement to read (everyone signed in) or, with ``edit``, to change."""
    try:
        agreement = Agreement.objects.select_related("unit").get(pk=pk)
    except Agreement.DoesNotExist:
        raise Http404("No such agreement") from None
    if edit and not can_edit(who, agreement):
        raise PermissionDenied
    return agreement


def get_version_for_user(who: Who, pk: int, *, edit: bool = False) -> AgreementVersion:
    """A version: published ones for everyone signed in, drafts for their editors only (a
    draft does not exist for anyone else). With ``edit``, only a draft the user may change."""
    try:
        version = AgreementVersion.objects.select_related(
            "agreement__unit", "published_by", "created_by"
        ).get(pk=pk)
    except AgreementVersion.DoesNotExist:
        raise Http404("No such version") from None
    editor = can_edit(who, version.agreement)
    if not version.is_published and not editor:
        raise Http404("No such version")
    if edit and not editor:
        raise PermissionDenied
    return version


def get_draft_for_user(who: Who, pk: int) -> AgreementVersion:
    version = get_version_for_user(who, pk, edit=True)
    if version.is_published:
        raise Http404("This version is published; start a new draft to change it")
    return version


def get_rule_for_user(who: Who, pk: int) -> Rule:
    """A rule of a draft the user may change."""
    try:
        rule = Rule.objects.select_related("version__agreement__unit").get(pk=pk)
    except Rule.DoesNotExist:
        raise Http404("No such rule") from None
    get_draft_for_user(who, rule.version_id)
    return rule


def unit_additions_for_user(who: Who) -> list[Agreement]:
    """The units' additions the user may edit or see the figures of, in tree order."""
    access = _access(who)
    additions = Agreement.objects.filter(unit__isnull=False).select_related("unit")
    if not access.roles & (EDITOR_ROLES | ACKNOWLEDGEMENT_ROLES):
        if not access.unit_paths:
            return []
        additions = additions.filter(unit__in=Unit.objects.in_subtrees(access.unit_paths))
    return sorted(additions, key=lambda a: a.unit.path if a.unit else "")


def units_for_new_addition(who: Who, *, on: dt.date | None = None) -> QuerySet[Unit]:
    """Units existing on ``on`` (today) the user may write an addition for, without one yet."""
    day = on or timezone.localdate()
    access = _access(who)
    if access.roles & EDITOR_ROLES:
        units = Unit.objects.valid_on(day)
    elif access.unit_paths:
        units = Unit.objects.valid_on(day).in_subtrees(access.unit_paths)
    else:
        return Unit.objects.none()
    return units.exclude(agreements__isnull=False).order_by("sort_key", "code")


# --- Differences between versions ---------------------------------------------------------------

RULE_FIELDS = ("need", "tool", "example", "not_for", "binding", "replaces")


@dataclass(frozen=True)
class RuleChange:
    before: Rule
    after: Rule
    fields: tuple[str, ...]  # of RULE_FIELDS, in that order


@dataclass(frozen=True)
class VersionDiff:
    before: AgreementVersion | None
    after: AgreementVersion
    added: list[Rule]
    removed: list[Rule]
    changed: list[RuleChange]
    title_changed: bool
    intro_changed: bool

    @property
    def is_empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.title_changed or self.intro_changed
        )


def version_diff(before: AgreementVersion | None, after: AgreementVersion) -> VersionDiff:
    """What ``after`` adds, changes and removes compared with ``before`` (rules matched by their
    key; moving a rule is not a change of its content). ``before`` None: everything is new."""
    new = rules_of(after)
    if before is None:
        return VersionDiff(None, after, new, [], [], False, False)
    old = {r.key: r for r in rules_of(before)}
    current = {r.key for r in new}
    changed = []
    for rule in new:
        earlier = old.get(rule.key)
        if earlier is not None and earlier.content() != rule.content():
            fields = tuple(
                name
                for name, a, b in zip(RULE_FIELDS, earlier.content(), rule.content(), strict=True)
                if a != b
            )
            changed.append(RuleChange(earlier, rule, fields))
    return VersionDiff(
        before=before,
        after=after,
        added=[r for r in new if r.key not in old],
        removed=[r for k, r in old.items() if k not in current],
        changed=changed,
        title_changed=before.title != after.title,
        intro_changed=before.intro.strip() != after.intro.strip(),
    )


def previous_published(version: AgreementVersion) -> AgreementVersion | None:
    """The published version before ``version`` (for a draft: the one in force)."""
    return (
        AgreementVersion.objects.filter(
            agreement_id=version.agreement_id,
            published_at__isnull=False,
            number__lt=version.number,
        )
        .order_by("-number")
        .first()
    )


# --- The agreement that applies to me -----------------------------------------------------------


@dataclass(frozen=True)
class AppliedRule:
    rule: Rule
    replaced: Rule | None = None  # the organisation rule it replaces
    unit: Unit | None = None  # whose addition the rule comes from (None: the organisation's)


@dataclass(frozen=True)
class Addition:
    unit: Unit
    version: AgreementVersion
    rows: list[AppliedRule]  # the rules that come in addition (replacements are in the main table)


def rows_of(version: AgreementVersion) -> list[AppliedRule]:
    """The version's rules as table rows; in a unit's addition with the organisation rule each
    replaces (when that rule is still in force and replaceable)."""
    replaced = replaceable_rules() if version.agreement.unit_id is not None else {}
    return [
        AppliedRule(r, replaced.get(r.replaces) if r.replaces is not None else None)
        for r in rules_of(version)
    ]


@dataclass(frozen=True)
class Composed:
    """The organisation's rules with the replacements of the units' additions, then the rest
    of the additions, nearest the top of the tree first."""

    organisation: AgreementVersion | None
    rows: list[AppliedRule]
    additions: list[Addition]

    @property
    def versions(self) -> list[AgreementVersion]:
        found = [self.organisation] if self.organisation is not None else []
        return found + [a.version for a in self.additions]


def _additions_for_paths(paths: set[str]) -> list[tuple[Unit, AgreementVersion]]:
    """The current versions of the additions of every unit on the way to the units ``paths``."""
    found = []
    agreements = Agreement.objects.filter(unit__isnull=False).select_related("unit")
    for agreement in agreements:
        unit = agreement.unit
        assert unit is not None
        if any(path.startswith(unit.path) for path in paths):
            version = current_version(agreement)
            if version is not None:
                found.append((unit, version))
    found.sort(key=lambda pair: (pair[0].path.count("/"), pair[0].sort_key, pair[0].code))
    return found


def compose(unit_paths: set[str]) -> Composed:
    """The agreement for someone working in the units with ``unit_paths``.

    A unit rule that replaces an organisation rule takes its place in the table; where several
    units on the way replace the same rule, the one nearest the person wins. A replacement of a
    rule that is gone or binding comes in addition instead, so that a binding rule always shows.
    """
    agreement = organisation_agreement()
    organisation = current_version(agreement) if agreement is not None else None
    base = rules_of(organisation) if organisation is not None else []
    replaceable = {r.key for r in base if not r.binding}
    winners: dict[int, tuple[Rule, Unit]] = {}
    additions: list[tuple[Unit, AgreementVersion, list[Rule]]] = []
    for unit, version in _additions_for_paths(unit_paths):
        rules = rules_of(version)
        for rule in rules:
            if rule.replaces in replaceable:
                winners[rule.replaces] = (rule, unit)  # deeper units come later and win
        additions.append((unit, version, rules))
    rows = [
        AppliedRule(winners[r.key][0], r, winners[r.key][1]) if r.key in winners else AppliedRule(r)
        for r in base
    ]
    return Composed(
        organisation,
        rows,
        [
            Addition(
                unit, version, [AppliedRule(r) for r in rules if r.replaces not in replaceable]
            )
            for unit, version, rules in additions
        ],
    )


@dataclass(frozen=True)
class MyAgreement:
    composed: Composed
    is_employee: bool
    pending: list[AgreementVersion]  # current versions the employee has still to acknowledge
    acknowledged_at: dt.datetime | None  # their latest acknowledgement of what applies now

    @property
    def acknowledged(self) -> bool:
        return self.is_employee and bool(self.composed.versions) and not self.pending


def _current_unit_paths(employee_id: int, day: dt.date) -> set[str]:
    return set(
        Assignment.objects.valid_on(day)
        .filter(employee_id=employee_id)
        .values_list("unit__path", flat=True)
    )


def acknowledgement_in_force(employee_id: int, agreement: Agreement) -> Acknowledgement | None:
    """The employee's acknowledgement that counts for the agreement in force, if any."""
    base = baseline(agreement)
    if base is None:
        return None
    return (
        Acknowledgement.objects.filter(
            employee_id=employee_id, version__agreement=agreement, version__number__gte=base.number
        )
        .order_by("-acknowledged_at")
        .first()
    )


def my_agreement(who: Who, *, today: dt.date | None = None) -> MyAgreement:
    """The agreement that applies to the signed-in person (the organisation's plus the additions
    of their units), and — to them alone — whether they have acknowledged it."""
    access = _access(who)
    day = today or timezone.localdate()
    if access.employee_id is None or not access.has(Role.EMPLOYEE):
        return MyAgreement(compose(set()), False, [], None)
    composed = compose(_current_unit_paths(access.employee_id, day))
    pending = []
    latest: dt.datetime | None = None
    for version in composed.versions:
        found = acknowledgement_in_force(access.employee_id, version.agreement)
        if found is None:
            pending.append(version)
        elif latest is None or found.acknowledged_at > latest:
            latest = found.acknowledged_at
    return MyAgreement(composed, True, pending, latest)


def composed_for_unit(unit: Unit) -> Composed:
    """The agreement for someone working in ``unit``."""
    return compose({unit.path})


# --- Acknowledgement figures --------------------------------------------------------------------

Cell = tuple[str, int | str]  # ("total", ""), ("unit", unit id) or ("former", code; "" = none)
TOTAL: Cell = ("total", "")
# The figures: the whole organisation, per former organisation, per unit subtree.
_BREAKDOWNS: tuple[tuple[str, ...], ...] = ((), ("former_org",), ("unit_subtree",))
_CELL_KIND = {"": "total", "former_org": "former", "unit_subtree": "unit"}


@dataclass(frozen=True)
class GroupPlan:
    n: int  # people in the group
    reason: Literal["shown", "small", "complement"]

    @property
    def visible(self) -> bool:
        return self.reason == "shown"


@dataclass(frozen=True)
class AckGroup:
    cell: Cell
    label: str
    depth: int
    plan: GroupPlan
    acknowledged: int | None = None  # None when hidden

    @property
    def kind(self) -> str:
        return self.cell[0]

    @property
    def share(self) -> float | None:
        if self.acknowledged is None or not self.plan.n:
            return None
        return self.acknowledged / self.plan.n

    @property
    def percent(self) -> float | None:
        share = self.share
        return None if share is None else 100 * share


@dataclass(frozen=True)
class AckResults:
    agreement: Agreement
    version: AgreementVersion | None
    baseline: AgreementVersion | None
    day: dt.date
    groups: list[AckGroup] = field(default_factory=list)
    min_group_size: int = 0


@dataclass
class _Population:
    people: dict[int, tuple[int, str, str]]  # employee → (unit id, unit path, former code)
    order: list[tuple[Cell, str, int]]  # the groups to show: cell, label, depth


def _population(agreement: Agreement, day: dt.date) -> _Population:
    """Who the agreement applies to on ``day`` — everyone employed and placed in a unit, or for
    a unit's addition everyone working in its subtree — and the groups to show, in tree order."""
    units = list(get_units_for_user(SYSTEM, on=day))
    root = agreement.unit
    if root is not None:
        units = [u for u in units if u.path.startswith(root.path)]
    ids = {u.pk for u in units}
    employed = Q(employee__employment_start__isnull=True) | Q(employee__employment_start__lte=day)
    still = Q(employee__employment_end__isnull=True) | Q(employee__employment_end__gte=day)
    assignments = (
        Assignment.objects.valid_on(day)
        .filter(employed, still)
        .order_by("valid_from", "pk")
        .values_list(
            "employee_id",
            "unit_id",
            "unit__path",
            "employee__former_organisation__code",
            "employee__former_organisation__name",
        )
    )
    people: dict[int, tuple[int, str, str]] = {}
    formers: dict[str, str] = {}
    for employee, unit, path, code, name in assignments:
        if unit in ids:  # someone in two units counts in the one they joined last
            people[employee] = (unit, path, code or "")
            formers[code or ""] = name or ""
    order: list[tuple[Cell, str, int]] = [(TOTAL, "", 0)] if root is None else []
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        children[u.parent_id if u.parent_id in ids else None].append(u)

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda u: (u.sort_key, u.code)):
            order.append((("unit", u.pk), u.name, depth))
            walk(u.pk, depth + 1)

    walk(None, 0)
    order += [(("former", code), formers[code], 0) for code in sorted(formers, key=_blank_last)]
    return _Population(people, order)


def _blank_last(code: str) -> tuple[bool, str]:
    return (code == "", code)


def _plan(population: _Population, day: dt.date, k: int) -> dict[Cell, GroupPlan]:
    """The suppression plan of the adoption figures (:func:`plan_suppression`), over one week
    of these people: the threshold, complements along the unit tree and across the former
    organisations, and the exact test that no hidden group follows from the visible ones."""
    monday = day - dt.timedelta(days=day.weekday())
    rows = list(population.people.items())
    count = len(rows)
    people = pa.table(
        {
            "person": pa.array([str(e) for e, _ in rows], pa.string()),
            "week_start": pa.array([monday] * count, pa.date32()),
            "unit_id": pa.array([p[0] for _, p in rows], pa.int64()),
            "unit_path": pa.array([p[1] for _, p in rows], pa.string()),
            "former_org": pa.array([p[2] or None for _, p in rows], pa.string()),
            "is_leader": pa.nulls(count, pa.bool_()),
            "training_status": pa.nulls(count, pa.string()),
            "unit_type": pa.nulls(count, pa.string()),
        },
        schema=PEOPLE_SCHEMA.remove(PEOPLE_SCHEMA.get_field_index("employee_id")),
    )
    plan: dict[Cell, GroupPlan] = {}
    for row in plan_suppression(people, k=k, breakdowns=_BREAKDOWNS)["week"].to_pylist():
        kind = _CELL_KIND[row["breakdown"]]
        key: int | str = row["unit_subtree"] if kind == "unit" else (row["attribute"] or "")
        n = int(row["n"])
        reason: Literal["shown", "small", "complement"] = (
            "shown" if row["visible"] else ("small" if n < k else "complement")
        )
        plan[(kind, key) if kind != "total" else TOTAL] = GroupPlan(n, reason)
    return plan


def _cells_of(person: tuple[int, str, str]) -> list[Cell]:
    _, path, former = person
    return [TOTAL, ("former", former), *(("unit", int(u)) for u in path.strip("/").split("/"))]


def _visible_cells(who: Who, population: _Population) -> set[Cell]:
    access = _access(who)
    if access.roles & ACKNOWLEDGEMENT_ROLES:
        return {cell for cell, _, _ in population.order}
    if access.unit_paths:
        mine = set(Unit.objects.in_subtrees(access.unit_paths).values_list("pk", flat=True))
        return {c for c, _, _ in population.order if c[0] == "unit" and c[1] in mine}
    raise PermissionDenied


def acknowledgement_results(
    who: Who, agreement: Agreement, *, today: dt.date | None = None
) -> AckResults:
    """How many of the people the agreement applies to have acknowledged the version in force
    (or a later one since the last that asked for a new acknowledgement), per group the viewer
    may see. One plan over everyone, so that every viewer sees a part of the same safe plan;
    hidden groups carry no figures."""
    day = today or timezone.localdate()
    population = _population(agreement, day)
    visible = _visible_cells(who, population)
    k = int(settings.MIN_GROUP_SIZE)
    version = current_version(agreement)
    base = baseline(agreement)
    acknowledged: set[int] = set()
    if base is not None:
        acknowledged = set(
            Acknowledgement.objects.filter(
                version__agreement=agreement, version__number__gte=base.number
            ).values_list("employee_id", flat=True)
        ) & set(population.people)
    plan = _plan(population, day, k) if population.people else {}
    counts: dict[Cell, int] = defaultdict(int)
    for employee in acknowledged:
        for cell in _cells_of(population.people[employee]):
            counts[cell] += 1
    groups = [
        AckGroup(cell, label, depth, plan[cell], counts[cell] if plan[cell].visible else None)
        for cell, label, depth in population.order
        if cell in visible and cell in plan
    ]
    return AckResults(agreement, version, base, day, groups, k)
