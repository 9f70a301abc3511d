"""Writes of the working agreement: drafts from the template, rules, publishing, acknowledging.

The workflow: an agreement starts as draft version 1 (the organisation's from the shipped
template, a unit's addition empty). Publishing fixes the draft for good and puts it in force in
place of the version before it. To change a published agreement, :func:`start_draft` copies the
version in force into a new draft; the publisher decides whether the change is material enough
that everyone has to acknowledge it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from veikart.agreements import selectors
from veikart.agreements.models import Acknowledgement, Agreement, AgreementVersion, Rule
from veikart.agreements.template import BOKMAL, TEMPLATES
from veikart.core.access import get_access
from veikart.core.services import record_audit_event
from veikart.organisations.importing import readers
from veikart.organisations.models import Assignment, Employee, Unit
from veikart.organisations.selectors import get_organisation


@dataclass(frozen=True)
class RuleData:
    need: str
    tool: str
    example: str = ""
    not_for: str = ""
    binding: bool = False  # organisation rules only
    replaces: int | None = None  # unit additions only: key of the organisation rule


def _require_editor(user: User, agreement: Agreement) -> None:
    if not selectors.can_edit(user, agreement):
        raise PermissionDenied


def _lock(agreement: Agreement) -> Agreement:
    """The agreement's row, locked until the end of the transaction (one writer at a time)."""
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _fresh_draft(version: AgreementVersion) -> AgreementVersion:
    """``version`` as stored now, refused if it has been published meanwhile."""
    stored = AgreementVersion.objects.select_related("agreement__unit").get(pk=version.pk)
    if stored.is_published:
        raise ValidationError(
            _("This version has been published and can no longer change. Start a new draft."),
            code="published",
        )
    return stored


# --- Creating agreements and drafts -------------------------------------------------------------


@transaction.atomic
def create_organisation_agreement(user: User, *, template: str = BOKMAL.key) -> AgreementVersion:
    """The organisation's agreement, as draft version 1 filled from the shipped template."""
    if not selectors.can_edit_organisation_agreement(user):
        raise PermissionDenied
    organisation = get_organisation()
    if organisation is None:
        raise ValidationError(
            _("Set up the organisation (import the HR data) before writing its agreement."),
            code="no_organisation",
        )
    if selectors.organisation_agreement() is not None:
        raise ValidationError(
            _("The organisation already has a working agreement; edit that one instead."),
            code="exists",
        )
    chosen = TEMPLATES[template]
    agreement = Agreement.objects.create(organisation=organisation, created_by=user)
    version = AgreementVersion.objects.create(
        agreement=agreement, number=1, title=chosen.title, intro=chosen.intro, created_by=user
    )
    Rule.objects.bulk_create(
        Rule(
            version=version,
            key=position,
            position=position,
            need=rule.need,
            tool=rule.tool,
            example=rule.example,
            not_for=rule.not_for,
            binding=rule.binding,
        )
        for position, rule in enumerate(chosen.rules, start=1)
    )
    record_audit_event(user, "agreements.create", target=f"agreement:{agreement.pk}")
    return version


@transaction.atomic
def create_unit_addition(user: User, unit: Unit) -> AgreementVersion:
    """A unit's addition to the organisation's agreement, as an empty draft version 1."""
    if not selectors.can_edit_unit(user, unit):
        raise PermissionDenied
    if not unit.is_valid_on(timezone.localdate()):
        raise ValidationError(
            _("%(unit)s no longer exists; choose a unit of today's organisation.")
            % {"unit": unit.name},
            code="old_unit",
        )
    if Agreement.objects.filter(unit=unit).exists():
        raise ValidationError(
            _("%(unit)s already has an addition; edit that one instead.") % {"unit": unit.name},
            code="exists",
        )
    agreement = Agreement.objects.create(
        organisation_id=unit.organisation_id, unit=unit, created_by=user
    )
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=1,
        title=_("Addition for %(unit)s") % {"unit": unit.name},
        created_by=user,
    )
    record_audit_event(user, "agreements.create", target=f"agreement:{agreement.pk}")
    return version


@transaction.atomic
def start_draft(user: User, agreement: Agreement) -> AgreementVersion:
    """The agreement's draft: the one there is, or a new one copied from the version in force."""
    _require_editor(user, agreement)
    agreement = _lock(agreement)
    draft = selectors.draft_of(agreement)
    if draft is not None:
        return draft
    current = selectors.current_version(agreement)
    if current is None:  # cannot happen: a new agreement has its draft until it is published
        raise ValidationError(_("This agreement has no version to start from."), code="empty")
    draft = AgreementVersion.objects.create(
        agreement=agreement,
        number=current.number + 1,
        title=current.title,
        intro=current.intro,
        created_by=user,
    )
    Rule.objects.bulk_create(
        Rule(
            version=draft,
            key=r.key,
            position=r.position,
            need=r.need,
            tool=r.tool,
            example=r.example,
            not_for=r.not_for,
            binding=r.binding,
            replaces=r.replaces,
        )
        for r in selectors.rules_of(current)
    )
    return draft


def update_version(
    user: User,
    version: AgreementVersion,
    *,
    title: str,
    intro: str,
    effective_from: dt.date | None,
) -> AgreementVersion:
    _require_editor(user, version.agreement)
    with transaction.atomic():
        version = _fresh_draft(version)
        version.title = title.strip()
        version.intro = intro.strip()
        version.effective_from = effective_from
        version.save(update_fields=["title", "intro", "effective_from"])
    return version


@transaction.atomic
def discard_draft(user: User, version: AgreementVersion) -> None:
    """Throw a draft away; a new agreement that was never published goes with it."""
    _require_editor(user, version.agreement)
    version = _fresh_draft(version)
    agreement = version.agreement
    version.delete()
    if not agreement.versions.exists():
        agreement.delete()
    record_audit_event(user, "agreements.discard", target=f"agreement:{agreement.pk}")


# --- Rules of a draft ---------------------------------------------------------------------------


def _clean(version: AgreementVersion, data: RuleData, rule: Rule | None = None) -> RuleData:
    need, tool = data.need.strip(), data.tool.strip()
    if not need or not tool:
        raise ValidationError(_("A rule needs both the need and the tool."), code="required")
    if version.agreement.unit is None:
        return RuleData(need, tool, data.example.strip(), data.not_for.strip(), data.binding)
    if data.replaces is not None:
        if data.replaces not in selectors.replaceable_rules():
            raise ValidationError(
                _(
                    "The organisation rule this rule should replace does not exist or applies "
                    "to everyone. Choose another rule, or add this one as an addition."
                ),
                code="replaces",
            )
        others = version.rules.filter(replaces=data.replaces)
        if rule is not None:
            others = others.exclude(pk=rule.pk)
        if others.exists():
            raise ValidationError(
                _("Another rule of this addition already replaces that organisation rule."),
                code="replaces_twice",
            )
    return RuleData(need, tool, data.example.strip(), data.not_for.strip(), False, data.replaces)


def add_rule(user: User, version: AgreementVersion, data: RuleData) -> Rule:
    _require_editor(user, version.agreement)
    with transaction.atomic():
        _lock(version.agreement)
        version = _fresh_draft(version)
        clean = _clean(version, data)
        # A new key, never used by any version of the agreement: the history must not take
        # the new rule for one removed earlier.
        key = Rule.objects.filter(version__agreement=version.agreement).aggregate(k=Max("key"))
        position = version.rules.aggregate(last=Max("position"))["last"] or 0
        return Rule.objects.create(
            version=version,
            key=(key["k"] or 0) + 1,
            position=position + 1,
            need=clean.need,
            tool=clean.tool,
            example=clean.example,
            not_for=clean.not_for,
            binding=clean.binding,
            replaces=clean.replaces,
        )


def update_rule(user: User, rule: Rule, data: RuleData) -> Rule:
    _require_editor(user, rule.version.agreement)
    with transaction.atomic():
        _fresh_draft(rule.version)
        clean = _clean(rule.version, data, rule)
        rule.need, rule.tool = clean.need, clean.tool
        rule.example, rule.not_for = clean.example, clean.not_for
        rule.binding, rule.replaces = clean.binding, clean.replaces
        rule.save()
    return rule


def delete_rule(user: User, rule: Rule) -> None:
    _require_editor(user, rule.version.agreement)
    with transaction.atomic():
        _fresh_draft(rule.version)
        rule.delete()


def move_rule(user: User, rule: Rule, offset: int) -> None:
    """Move a rule ``offset`` places up (negative) or down in its draft's table."""
    _require_editor(user, rule.version.agreement)
    with transaction.atomic():
        version = _fresh_draft(rule.version)
        rules = selectors.rules_of(version)
        index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        target = min(max(index + offset, 0), len(rules) - 1)
        rules.insert(target, rules.pop(index))
        for position, r in enumerate(rules, start=1):
            if r.position != position:
                r.position = position
                r.save(update_fields=["position"])


# --- Publishing ---------------------------------------------------------------------------------


def _check_replacements(version: AgreementVersion) -> None:
    """Every replacement of a unit's addition still points at a replaceable organisation rule
    (the organisation's agreement may have changed since the draft was written)."""
    if version.agreement.unit is None:
        return
    replaceable = selectors.replaceable_rules()
    for rule in version.rules.filter(replaces__isnull=False).order_by("position"):
        if rule.replaces not in replaceable:
            raise ValidationError(
                _(
                    "The rule “%(need)s” replaces an organisation rule that no longer exists or "
                    "now applies to everyone. Edit the rule before publishing."
                )
                % {"need": rule.need},
                code="replaces",
            )


@transaction.atomic
def publish(
    user: User | None,
    version: AgreementVersion,
    *,
    change_note: str,
    requires_acknowledgement: bool,
    now: dt.datetime | None = None,
) -> AgreementVersion:
    """Put a draft in force. The first version always asks for acknowledgement; a later one
    needs a note of what changed, and must differ from the version in force."""
    if user is not None:
        _require_editor(user, version.agreement)
    now = now or timezone.now()
    agreement = _lock(version.agreement)
    version = _fresh_draft(version)
    if not version.rules.exists():
        raise ValidationError(_("Add at least one rule before publishing."), code="empty")
    previous = selectors.current_version(agreement)
    if previous is None:
        requires_acknowledgement = True
    else:
        if selectors.version_diff(previous, version).is_empty:
            raise ValidationError(
                _("This draft is the same as the version in force: there is nothing to publish."),
                code="unchanged",
            )
        if not change_note.strip():
            raise ValidationError(
                _("Describe what changed, so that employees can see it in the history."),
                code="note",
            )
    _check_replacements(version)
    version.change_note = change_note.strip()
    version.requires_acknowledgement = requires_acknowledgement
    version.effective_from = version.effective_from or timezone.localdate(now)
    version.published_at = now
    version.published_by = user
    version.save()
    record_audit_event(
        user,
        "agreements.publish",
        target=f"agreement-version:{version.pk}",
        detail={
            "agreement": agreement.pk,
            "number": version.number,
            "requires_acknowledgement": requires_acknowledgement,
        },
    )
    return version


# --- Acknowledging ------------------------------------------------------------------------------


@transaction.atomic
def acknowledge(
    user: User, version_ids: Collection[int], *, now: dt.datetime | None = None
) -> list[Acknowledgement]:
    """The signed-in employee has read and understood the versions they were shown. Pressing
    again changes nothing. Refused when a version is no longer the one in force for them (it
    changed while they read), so nobody acknowledges a text they have not seen."""
    now = now or timezone.now()
    access = get_access(user)
    mine = selectors.my_agreement(access, today=timezone.localdate(now))
    if not mine.is_employee or access.employee_id is None:
        raise ValidationError(
            _("Your sign-in is not linked to an employee, so there is nothing to acknowledge."),
            code="not_employee",
        )
    current = {v.pk for v in mine.composed.versions}
    wanted = set(version_ids)
    if not wanted:
        raise ValidationError(_("There is no agreement to acknowledge."), code="nothing")
    if wanted - current:
        raise ValidationError(
            _("The agreement changed while you were reading it. Read it again and confirm."),
            code="stale",
        )
    return [
        Acknowledgement.objects.get_or_create(
            employee_id=access.employee_id, version_id=pk, defaults={"acknowledged_at": now}
        )[0]
        for pk in sorted(wanted)
    ]


# --- Demo ---------------------------------------------------------------------------------------

AGREEMENT_COLUMNS = ("nr", "behov", "verktøy", "eksempel", "ikke_bruk", "gjelder_fra")
# The demo's rules that follow from law (archive, confidentiality, secure mail): binding.
_DEMO_BINDING = frozenset(
    {
        "Saksbehandling og dokumenter som skal arkiveres",
        "Personopplysninger og helseopplysninger om brukere, elever og pasienter",
        "Sikker post til innbyggere",
    }
)
# Share of each unit type's employees who acknowledge within the first weeks: offices and NAV
# read it at once; shift workers in health and care, and outdoor staff, far less.
_DEMO_SHARE = {
    "office": 0.92,
    "nav": 0.9,
    "culture": 0.8,
    "school": 0.74,
    "kindergarten": 0.68,
    "care": 0.55,
    "technical": 0.5,
    "other": 0.7,
}
_DEMO_MANAGER_SHARE = 0.97
_DEMO_WEEKS = 10


def _read_agreement_csv(path: Path) -> list[dict[str, str]]:
    text = readers._decode(path.name, path.read_bytes())
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    if not rows or set(AGREEMENT_COLUMNS) - set(rows[0]):
        raise ValueError(f"{path}: expected the columns {', '.join(AGREEMENT_COLUMNS)}")
    return sorted(rows, key=lambda row: int(row["nr"]))


def _fraction(*parts: str) -> float:
    """A fixed number in [0, 1) from ``parts`` (the same on every run and machine)."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def load_demo_agreement(folder: Path) -> None:
    """Create and publish the organisation's agreement from the simulator's
    ``folder/roadmap/arbeidsavtale.csv`` (intro from the shipped template), in force from its
    ``gjelder_fra``, and simulated acknowledgements: a fixed share per unit type, most in the
    first weeks. Does nothing when the organisation already has an agreement."""
    rows = _read_agreement_csv(folder / "roadmap" / "arbeidsavtale.csv")
    organisation = get_organisation()
    if organisation is None:
        raise ValueError("load the demo organisation before its agreement")
    if selectors.organisation_agreement() is not None:
        return
    effective = min(dt.date.fromisoformat(row["gjelder_fra"]) for row in rows)
    published = timezone.make_aware(dt.datetime.combine(effective, dt.time(8, 0)))
    with transaction.atomic():
        agreement = Agreement.objects.create(organisation=organisation)
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=1,
            title=BOKMAL.title,
            intro=BOKMAL.intro,
            effective_from=effective,
        )
        Rule.objects.bulk_create(
            Rule(
                version=version,
                key=position,
                position=position,
                need=row["behov"],
                tool=row["verktøy"],
                example=row["eksempel"],
                not_for=row["ikke_bruk"],
                binding=row["behov"] in _DEMO_BINDING,
            )
            for position, row in enumerate(rows, start=1)
        )
        publish(None, version, change_note="", requires_acknowledgement=True, now=published)
        _simulate_acknowledgements(version, effective)


def _simulate_acknowledgements(version: AgreementVersion, start: dt.date) -> int:
    """Acknowledgements by employees working on the (week)day they read it (deterministic):
    in the first weeks after ``start``, or after their own first day for those hired later."""
    unit_types: dict[int, list[tuple[dt.date, dt.date | None, str]]] = {}
    for employee_id, valid_from, valid_to, kind in Assignment.objects.values_list(
        "employee_id", "valid_from", "valid_to", "unit__unit_type"
    ):
        unit_types.setdefault(employee_id, []).append((valid_from, valid_to, kind))
    created = []
    today = timezone.localdate()
    for employee in Employee.objects.only(
        "pk", "employee_number", "is_manager", "employment_start", "employment_end"
    ):
        number = employee.employee_number
        # Those hired later read it in their first weeks, as part of starting.
        first = max(start, employee.employment_start or start)
        day = first + dt.timedelta(days=int(7 * _DEMO_WEEKS * _fraction("day", number) ** 2))
        day += dt.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)
        if day > today:
            continue
        unit_type = next(
            (
                kind
                for valid_from, valid_to, kind in unit_types.get(employee.pk, [])
                if valid_from <= day and (valid_to is None or day <= valid_to)
            ),
            None,
        )
        if unit_type is None or not employee.is_employed_on(day):
            continue
        share = _DEMO_MANAGER_SHARE if employee.is_manager else _DEMO_SHARE.get(unit_type, 0.7)
        if _fraction("reads", number) >= share:
            continue
        minute = int(8 * 60 * _fraction("time", number))
        at = dt.datetime.combine(day, dt.time(7 + minute // 60, minute % 60))
        created.append(
            Acknowledgement(
                employee=employee, version=version, acknowledged_at=timezone.make_aware(at)
            )
        )
    Acknowledgement.objects.bulk_create(created)
    return len(created)
