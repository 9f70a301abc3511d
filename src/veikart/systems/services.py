"""Writes to the inventory and the decisions: import, edit, delete, and the demo data.

Every write that touches more than one row runs in one transaction. After each write every
system points to the decision of its name (:func:`link_decisions`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from veikart.core.collation import sort_key
from veikart.core.services import record_audit_event
from veikart.organisations.importing.readers import UnreadableFile
from veikart.organisations.models import FormerOrganisation, Organisation
from veikart.organisations.services import (
    ImportRefused,
    UploadedFile,
    discard_staged,
    load_staged,
    require_organisation,
    stage_upload,
)
from veikart.systems.constants import Category, looks_like_m365
from veikart.systems.importing import (
    ImportPlan,
    Table,
    _split_replacement,
    build_plan,
    read_tables,
)
from veikart.systems.models import Decision, System
from veikart.systems.validation import decision_errors

__all__ = [
    "ImportRefused",
    "UploadedFile",
    "apply_import",
    "delete_system",
    "discard_staged",
    "link_decisions",
    "load_demo_systems",
    "load_staged",
    "preview_import",
    "require_organisation",
    "save_decision",
    "save_system",
    "stage_upload",
]


def read_files(files: list[UploadedFile]) -> list[Table]:
    """Every table of every file; ImportRefused listing each file that cannot be read."""
    tables: list[Table] = []
    problems: list[str] = []
    for file in files:
        try:
            tables.extend(read_tables(file.name, file.data))
        except UnreadableFile as exc:
            problems.append(str(exc))
    if problems:
        raise ImportRefused(problems)
    return tables


def preview_import(
    organisation: Organisation,
    files: list[UploadedFile],
    *,
    default_former: FormerOrganisation | None = None,
) -> ImportPlan:
    """What importing ``files`` would do, with every problem. Writes nothing."""
    return build_plan(organisation, read_files(files), default_former=default_former)


def apply_import(
    organisation: Organisation,
    files: list[UploadedFile],
    *,
    default_former: FormerOrganisation | None = None,
    actor: User | None = None,
    expected_fingerprint: str | None = None,
) -> ImportPlan:
    """Apply the files completely or not at all; refuse on any problem, or when the stored
    inventory changed since the preview (``expected_fingerprint``)."""
    tables = read_files(files)
    with transaction.atomic():
        # One import at a time: lock the organisation row before reading the stored state.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        plan = build_plan(organisation, tables, default_former=default_former)
        if not plan.ok:
            raise ImportRefused([str(p) for p in plan.problems])
        if expected_fingerprint is not None and plan.fingerprint() != expected_fingerprint:
            raise ImportRefused(
                [
                    _(
                        "The inventory has changed since the preview was made. Make a new "
                        "preview and check it before applying."
                    )
                ]
            )
        _apply(organisation, plan)
        summary = {
            f"{entity}_{action}": plan.count(action, entity)
            for entity in ("system", "decision")
            for action in ("created", "changed")
        }
        record_audit_event(
            actor,
            "systems.import",
            target=f"organisation:{organisation.pk}",
            detail={**summary, "files": [{"name": f.name, "sha256": f.sha256} for f in files]},
        )
    return plan


def _apply(organisation: Organisation, plan: ImportPlan) -> None:
    touched = {c.key for c in plan.changes}
    stored = {
        (s.former_organisation_id, s.name.casefold()): s
        for s in System.objects.filter(organisation=organisation)
    }
    for record in plan.systems:
        key = (record.former_id, record.name.casefold())
        system = stored.get(key)
        if system is not None and f"{record.former_id or '-'}:{record.name}" not in touched:
            continue
        if system is None:
            system = System(
                organisation=organisation,
                former_organisation_id=record.former_id,
                is_m365_workload=looks_like_m365(record.name),
            )
        system.name = record.name
        for name, value in record.values.items():
            setattr(system, name, value)
        system.sort_key = sort_key(system.name)
        system.save()
        stored[key] = system
    for new in plan.new_systems:
        system = System.objects.create(
            organisation=organisation,
            name=new.name,
            sort_key=sort_key(new.name),
            category=new.category,
            is_m365_workload=looks_like_m365(new.name),
        )
        stored[(None, new.name.casefold())] = system
    by_name: dict[str, list[System]] = {}
    for system in stored.values():
        by_name.setdefault(system.name.casefold(), []).append(system)
    decisions = {
        d.system_name.casefold(): d for d in Decision.objects.filter(organisation=organisation)
    }
    for decided in plan.decisions:
        decision = decisions.get(decided.system_name.casefold())
        if decision is None or decided.system_name in touched:
            if decision is None:
                decision = Decision(organisation=organisation, system_name=decided.system_name)
            for name, value in decided.values.items():
                setattr(decision, name, value)
            decision.sort_key = sort_key(decision.system_name)
            decision.save()
        targets = [s for n in decided.replacement_names for s in by_name.get(n.casefold(), [])]
        decision.replacement_systems.set(targets)
    link_decisions(organisation)


def link_decisions(organisation: Organisation) -> None:
    """Point every system to the decision taken for its name (or to none)."""
    rows = Decision.objects.filter(organisation=organisation).values_list("system_name", "pk")
    decisions = {name.casefold(): pk for name, pk in rows}
    stale = []
    for system in System.objects.filter(organisation=organisation).only("name", "decision_id"):
        wanted = decisions.get(system.name.casefold())
        if system.decision_id != wanted:
            system.decision_id = wanted
            stale.append(system)
    System.objects.bulk_update(stale, ["decision"], batch_size=500)


# --- The forms ---------------------------------------------------------------------------------

SYSTEM_FIELDS = (
    "former_organisation",
    "name",
    "vendor",
    "category",
    "users",
    "owner",
    "contract_end",
    "yearly_cost_nok",
    "dpa_status",
    "integrations",
    "is_m365_workload",
)


def save_system(
    organisation: Organisation, system: System | None, data: dict[str, Any], *, actor: User | None
) -> System:
    """Create or update a system from cleaned form data (the form checks uniqueness)."""
    with transaction.atomic():
        created = system is None
        if system is None:
            system = System(organisation=organisation)
        # The stored name: a ModelForm has already copied the new one onto the instance.
        old_name = System.objects.filter(pk=system.pk).values_list("name", flat=True).first() or ""
        for name in SYSTEM_FIELDS:
            if name in data:
                setattr(system, name, data[name])
        system.sort_key = sort_key(system.name)
        system.save()
        if old_name and old_name.casefold() != system.name.casefold():
            _carry_decision(organisation, old_name, system.name)
        link_decisions(organisation)
        record_audit_event(
            actor,
            "systems.system.create" if created else "systems.system.change",
            target=f"system:{system.pk}",
            detail={"name": system.name},
        )
    return system


def _carry_decision(organisation: Organisation, old_name: str, new_name: str) -> None:
    """A renamed system keeps its decision, unless other systems still have the old name (the
    decision stays theirs) or the new name has a decision of its own (that one applies)."""
    systems = System.objects.filter(organisation=organisation)
    decisions = Decision.objects.filter(organisation=organisation)
    if systems.filter(name__iexact=old_name).exists():
        return
    if decisions.filter(system_name__iexact=new_name).exists():
        return
    decisions.filter(system_name__iexact=old_name).update(
        system_name=new_name, sort_key=sort_key(new_name)
    )


def delete_system(system: System, *, actor: User | None) -> None:
    """Delete a system; its decision goes too when no other system of that name remains."""
    with transaction.atomic():
        organisation = system.organisation
        name, pk = system.name, system.pk
        system.delete()
        others = System.objects.filter(organisation=organisation, name__iexact=name).exists()
        if not others:
            Decision.objects.filter(organisation=organisation, system_name__iexact=name).delete()
        record_audit_event(
            actor, "systems.system.delete", target=f"system:{pk}", detail={"name": name}
        )


@transaction.atomic
def save_decision(
    organisation: Organisation,
    system_name: str,
    data: dict[str, Any],
    *,
    actor: User | None,
    today: dt.date | None = None,
) -> tuple[Decision, list[System]]:
    """Record the decision for the product ``system_name``; returns it and the systems created
    for the merged organisation because the decision names a replacement Veikart did not hold.

    Raises ValueError with the field messages if the rules of
    :func:`veikart.systems.validation.decision_errors` are broken (the form checks them first).
    """
    errors = decision_errors(
        system_name=system_name,
        kind=data["kind"],
        replacement=data.get("replacement", ""),
        decided_on=data.get("decided_on"),
        milestone_date=data.get("milestone_date"),
        today=today or timezone.localdate(),
    )
    if errors:
        raise ValueError("; ".join(errors.values()))
    decision = Decision.objects.filter(
        organisation=organisation, system_name__iexact=system_name
    ).first() or Decision(organisation=organisation, system_name=system_name)
    for name in (
        "kind",
        "replacement",
        "rationale",
        "owner",
        "decided_on",
        "status",
        "milestone_date",
        "milestone_text",
    ):
        if name in data:
            value = data[name]
            if value is None and name not in ("decided_on", "milestone_date"):
                value = ""
            setattr(decision, name, value)
    decision.replacement = " ".join(decision.replacement.split())
    decision.sort_key = sort_key(decision.system_name)
    decision.updated_by = actor
    decision.save()
    created = _resolve_replacements(organisation, decision)
    link_decisions(organisation)
    record_audit_event(
        actor,
        "systems.decision.save",
        target=f"decision:{decision.pk}",
        detail={"system": decision.system_name, "kind": decision.kind},
    )
    return decision, created


def _resolve_replacements(organisation: Organisation, decision: Decision) -> list[System]:
    systems = list(System.objects.filter(organisation=organisation))
    known = {s.name.casefold(): s.name for s in systems}
    names = _split_replacement(decision.replacement, known) if decision.replacement else ()
    category = next(
        (s.category for s in systems if s.name.casefold() == decision.system_name.casefold()),
        Category.OTHER.value,
    )
    created = []
    for name in names:
        if name.casefold() not in known:
            system = System.objects.create(
                organisation=organisation,
                name=name,
                sort_key=sort_key(name),
                category=category,
                is_m365_workload=looks_like_m365(name),
            )
            systems.append(system)
            known[name.casefold()] = name
            created.append(system)
    wanted = {n.casefold() for n in names}
    decision.replacement_systems.set([s for s in systems if s.name.casefold() in wanted])
    return created


# --- Demo --------------------------------------------------------------------------------------


def load_demo_systems(folder: Path) -> int:
    """Apply the simulator's ``folder/systems/*.csv`` (systemer.csv before beslutninger.csv)
    through the real import. Returns how many systems and decisions were created or changed;
    running it again returns 0."""
    organisation = require_organisation()
    paths = sorted(
        (folder / "systems").glob("*.csv"), key=lambda p: (p.name != "systemer.csv", p.name)
    )
    files = [UploadedFile(p.name, p.read_bytes()) for p in paths]
    if not files:
        return 0
    plan = apply_import(organisation, files)
    return len(plan.changes)
