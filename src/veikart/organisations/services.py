"""Writes to the organisation: set-up, HR import, linking sign-ins to employees.

Every write that touches more than one row runs in one transaction: it happens completely or not at
all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from veikart.core.collation import sort_key
from veikart.core.pseudonyms import normalise_upn, pseudonym
from veikart.core.services import record_audit_event
from veikart.organisations.constants import ImportSource
from veikart.organisations.importing.plan import ImportPlan, build_plan
from veikart.organisations.importing.readers import UnreadableFile, UploadContent, read_upload
from veikart.organisations.models import (
    Assignment,
    Employee,
    EmployeeIdentity,
    FormerOrganisation,
    ImportRun,
    Organisation,
    Unit,
    UnitSuccession,
)


class ImportRefused(Exception):
    """The import cannot be applied; ``problems`` says why, for the person importing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def set_up_organisation(
    *,
    name: str,
    merger_date: dt.date | None = None,
    former: list[tuple[str, str, str]] | None = None,
    org_number: str = "",
    is_demo: bool = False,
) -> Organisation:
    """Create the organisation (or update its name and merger date) with its former organisations.

    ``former`` holds (code, name, e-mail domain). Veikart serves one organisation per installation.
    """
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().first()
        if organisation is None:
            organisation = Organisation.objects.create(
                name=name, merger_date=merger_date, org_number=org_number, is_demo=is_demo
            )
        else:
            organisation.name = name
            organisation.merger_date = merger_date
            organisation.org_number = org_number or organisation.org_number
            organisation.save()
        for code, former_name, domain in former or []:
            FormerOrganisation.objects.update_or_create(
                organisation=organisation,
                code=code,
                defaults={"name": former_name, "email_domain": domain},
            )
    return organisation


def read_files(files: list[UploadedFile]) -> list[UploadContent]:
    """Read every file; raise :class:`ImportRefused` listing each file that cannot be read."""
    contents: list[UploadContent] = []
    problems: list[str] = []
    for file in files:
        try:
            contents.extend(read_upload(file.name, file.data))
        except UnreadableFile as exc:
            problems.append(str(exc))
    if problems:
        raise ImportRefused(problems)
    return contents


def preview_import(
    organisation: Organisation, files: list[UploadedFile], *, as_of: dt.date, full: bool = True
) -> ImportPlan:
    """What importing ``files`` would do. Writes nothing."""
    return build_plan(organisation, read_files(files), as_of=as_of, full=full)


def apply_import(
    organisation: Organisation,
    files: list[UploadedFile],
    *,
    as_of: dt.date,
    full: bool = True,
    actor: User | None = None,
    source: ImportSource = ImportSource.CLI,
    expected_fingerprint: str | None = None,
) -> ImportPlan:
    """Apply the import atomically; refuse if any row is invalid or the preview is out of date."""
    contents = read_files(files)
    with transaction.atomic():
        # One import at a time: lock the organisation row before reading its state.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        plan = build_plan(organisation, contents, as_of=as_of, full=full)
        if not plan.ok:
            raise ImportRefused([str(p) for p in plan.problems])
        if expected_fingerprint is not None and plan.fingerprint() != expected_fingerprint:
            raise ImportRefused(
                [
                    _(
                        "The organisation has changed since the preview was made. Make a new "
                        "preview and check it before applying."
                    )
                ]
            )
        if plan.changes:
            _apply_units(organisation, plan)
            _apply_employees(organisation, plan)
        summary = {
            f"{entity}_{action}": plan.count(action, entity)
            for entity in ("unit", "employee")
            for action in ("created", "changed", "ended")
        }
        run = ImportRun.objects.create(
            organisation=organisation,
            created_by=actor,
            source=source,
            as_of=as_of,
            full=full,
            files=[{"name": f.name, "sha256": f.sha256, "bytes": len(f.data)} for f in files],
            summary=summary,
        )
        record_audit_event(
            actor, "organisation.import", target=f"import-run:{run.pk}", detail=summary
        )
    return plan


def _apply_units(organisation: Organisation, plan: ImportPlan) -> None:
    units = {u.code: u for u in Unit.objects.filter(organisation=organisation)}
    for record in plan.units:
        unit = units.get(record.code) or Unit(organisation=organisation, code=record.code)
        unit.name = record.name
        unit.unit_type = record.unit_type
        unit.former_organisation_id = record.former_organisation_id
        unit.valid_from = record.valid_from
        unit.valid_to = record.valid_to
        unit.sort_key = sort_key(record.name)
        unit.save()
        units[record.code] = unit
    for record in plan.units:
        unit = units[record.code]
        parent = units.get(record.parent_code) if record.parent_code else None
        if unit.parent_id != (parent.pk if parent else None):
            unit.parent = parent
            unit.save(update_fields=["parent"])
        if record.successor_code:
            UnitSuccession.objects.get_or_create(
                predecessor=unit,
                successor=units[record.successor_code],
                defaults={
                    "date": (record.valid_to + dt.timedelta(days=1))
                    if record.valid_to
                    else plan.as_of
                },
            )
    day_before = plan.as_of - dt.timedelta(days=1)
    for change in plan.changes:
        if change.entity == "unit" and change.action == "ended":
            Unit.objects.filter(organisation=organisation, code=change.key).update(
                valid_to=day_before
            )
    rebuild_unit_paths(organisation)


def rebuild_unit_paths(organisation: Organisation) -> None:
    """Recompute every unit's materialised path (``/root/…/self/``) from the parent links."""
    rows = list(
        Unit.objects.filter(organisation=organisation).values_list("pk", "parent_id", "path")
    )
    parent = {pk: parent_id for pk, parent_id, _path in rows}
    cache: dict[int, str] = {}

    def path_of(pk: int) -> str:
        if pk not in cache:
            up = parent[pk]
            cache[pk] = (path_of(up) if up is not None else "/") + f"{pk}/"
        return cache[pk]

    for pk, _parent, old in rows:
        new = path_of(pk)
        if new != old:
            Unit.objects.filter(pk=pk).update(path=new)


_EMPLOYEE_FIELDS = [
    "given_name",
    "family_name",
    "upn",
    "email",
    "title",
    "is_manager",
    "former_organisation",
    "employment_start",
    "employment_end",
    "pseudonym",
    "sort_key",
]
_BATCH = 1000


def _apply_employees(organisation: Organisation, plan: ImportPlan) -> None:
    """Write the employee changes in bulk: a first import of 50,000 people is a few queries."""
    units = dict(Unit.objects.filter(organisation=organisation).values_list("code", "pk"))
    employees = {e.employee_number: e for e in Employee.objects.filter(organisation=organisation)}
    changed = {c.key for c in plan.changes if c.entity == "employee" and c.action != "ended"}
    records = [r for r in plan.employees if r.number in changed]
    day_before = plan.as_of - dt.timedelta(days=1)

    created: list[Employee] = []
    updated: list[Employee] = []
    for record in records:
        employee = employees.get(record.number)
        if employee is None:
            employee = Employee(organisation=organisation, employee_number=record.number)
            created.append(employee)
        else:
            updated.append(employee)
        employee.given_name = record.given_name
        employee.family_name = record.family_name
        employee.upn = record.upn
        employee.email = record.email
        employee.title = record.title
        employee.is_manager = record.is_manager
        employee.former_organisation_id = record.former_organisation_id
        employee.employment_start = record.employment_start or employee.employment_start
        employee.employment_end = record.employment_end
        employee.pseudonym = pseudonym(record.upn)
        employee.sort_key = sort_key(f"{record.family_name} {record.given_name}", name=True)
        employees[record.number] = employee
    Employee.objects.bulk_update(updated, _EMPLOYEE_FIELDS, batch_size=_BATCH)
    Employee.objects.bulk_create(created, batch_size=_BATCH)
    new_numbers = {e.employee_number for e in created}

    known: dict[int, set[str]] = defaultdict(set)
    for employee_id, upn in EmployeeIdentity.objects.filter(
        employee__organisation=organisation
    ).values_list("employee_id", "upn"):
        known[employee_id].add(upn)
    current = {
        a.employee_id: a
        for a in Assignment.objects.valid_on(plan.as_of).filter(employee__organisation=organisation)
    }
    new_identities: list[EmployeeIdentity] = []
    new_assignments: list[Assignment] = []
    changed_assignments: list[Assignment] = []
    for record in records:
        employee = employees[record.number]
        for upn in sorted({record.upn, *record.previous_upns} - known[employee.pk]):
            new_identities.append(
                EmployeeIdentity(
                    employee=employee, upn=normalise_upn(upn), pseudonym=pseudonym(upn)
                )
            )
        unit_id = units[record.unit_code]
        assignment = current.get(employee.pk)
        if assignment is None:
            is_new = record.number in new_numbers
            start = record.employment_start if is_new and record.employment_start else plan.as_of
            new_assignments.append(
                Assignment(
                    employee=employee,
                    unit_id=unit_id,
                    valid_from=start,
                    valid_to=record.employment_end,
                )
            )
        elif assignment.unit_id != unit_id and assignment.valid_from >= plan.as_of:
            assignment.unit_id = unit_id
            changed_assignments.append(assignment)
        elif assignment.unit_id != unit_id:
            assignment.valid_to = day_before
            changed_assignments.append(assignment)
            new_assignments.append(
                Assignment(
                    employee=employee,
                    unit_id=unit_id,
                    valid_from=plan.as_of,
                    valid_to=record.employment_end,
                )
            )
        elif assignment.valid_to != record.employment_end:
            assignment.valid_to = record.employment_end
            changed_assignments.append(assignment)
    EmployeeIdentity.objects.bulk_create(new_identities, batch_size=_BATCH)
    Assignment.objects.bulk_update(changed_assignments, ["unit", "valid_to"], batch_size=_BATCH)
    Assignment.objects.bulk_create(new_assignments, batch_size=_BATCH)

    with_new_manager: list[Employee] = []
    for record in records:
        employee = employees[record.number]
        manager = employees.get(record.manager_number) if record.manager_number else None
        if employee.manager_id != (manager.pk if manager else None):
            employee.manager = manager
            with_new_manager.append(employee)
    Employee.objects.bulk_update(with_new_manager, ["manager"], batch_size=_BATCH)

    ended: list[Employee] = []
    for change in plan.changes:
        if change.entity == "employee" and change.action == "ended":
            employee = employees[change.key]
            employee.employment_end = max(day_before, employee.employment_start or day_before)
            ended.append(employee)
    Employee.objects.bulk_update(ended, ["employment_end"], batch_size=_BATCH)
    by_employee = {e.pk: e.employment_end for e in ended}
    ids = list(by_employee)
    for first in range(0, len(ids), _BATCH):  # IN lists stay below SQLite's variable limit
        closing = list(
            Assignment.objects.filter(
                employee_id__in=ids[first : first + _BATCH], valid_to__isnull=True
            )
        )
        for assignment in closing:
            assignment.valid_to = by_employee[assignment.employee_id]
        Assignment.objects.bulk_update(closing, ["valid_to"], batch_size=_BATCH)


def link_user_to_employee(user: User) -> Employee | None:
    """Link a signed-in user to the employee whose UPN or e-mail is the user's name or e-mail."""
    existing = Employee.objects.filter(user_id=user.pk).first()
    if existing is not None:
        return existing
    names = {
        normalise_upn(str(getattr(user, "username", "") or "")),
        normalise_upn(str(getattr(user, "email", "") or "")),
    } - {""}
    match = (
        Employee.objects.filter(user__isnull=True, upn__in=names).first()
        or Employee.objects.filter(user__isnull=True, email__in=names).first()
    )
    if match is not None:
        match.user_id = user.pk
        match.save(update_fields=["user"])
    return match


def require_organisation() -> Organisation:
    organisation = Organisation.objects.first()
    if organisation is None:
        raise ImportRefused(
            [
                _(
                    'No organisation is set up yet. Run: veikart org-setup "Moss kommune" '
                    "--merger-date 2020-01-01 --former moss=Moss --former rygge=Rygge"
                )
            ]
        )
    return organisation


# --- Uploads awaiting confirmation -------------------------------------------------------------
# The web import stores the uploaded files between preview and apply, so that what is applied is
# byte for byte what was previewed. Each upload lives in its own directory, readable only by the
# user who made it, and is removed when applied or after a day.

STAGING_MAX_AGE_SECONDS = 24 * 60 * 60


def _staging_root() -> Path:
    from django.conf import settings

    root: Path = settings.UPLOAD_DIR / "hr-import"
    root.mkdir(parents=True, exist_ok=True)
    return root


def stage_upload(files: list[UploadedFile], user: User) -> str:
    """Keep ``files`` for a later apply; returns the token that names them."""
    _remove_stale_uploads()
    token = secrets.token_urlsafe(16)
    final = _staging_root() / token
    temporary = _staging_root() / f".{token}.tmp"
    temporary.mkdir(mode=0o700)
    entries = []
    for index, file in enumerate(files):
        stored = f"{index:03d}.bin"
        (temporary / stored).write_bytes(file.data)
        entries.append({"name": file.name, "stored": stored})
    meta = {"user": user.pk, "files": entries}
    (temporary / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    os.replace(temporary, final)
    return token


def load_staged(token: str, user: User) -> list[UploadedFile]:
    """The files of an upload made by ``user``; ImportRefused if gone or someone else's."""
    gone = ImportRefused(
        [_("This upload has expired or was already applied. Upload the file again.")]
    )
    if not token.replace("-", "").replace("_", "").isalnum():
        raise gone
    directory = _staging_root() / token
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise gone from None
    if meta.get("user") != user.pk:
        raise gone
    return [
        UploadedFile(entry["name"], (directory / entry["stored"]).read_bytes())
        for entry in meta["files"]
    ]


def discard_staged(token: str) -> None:
    directory = _staging_root() / token
    if token and directory.is_dir():
        shutil.rmtree(directory, ignore_errors=True)


def _remove_stale_uploads() -> None:
    limit = time.time() - STAGING_MAX_AGE_SECONDS
    for directory in _staging_root().iterdir():
        if directory.is_dir() and directory.stat().st_mtime < limit:
            shutil.rmtree(directory, ignore_errors=True)
