"""Compare imported rows with the stored organisation: every problem, and every change.

:func:`build_plan` reads nothing but the given tables and the database, and writes nothing; the
same plan is shown as the preview and, rebuilt inside the transaction, applied by
:func:`veikart.organisations.services.apply_import`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from veikart.core.pseudonyms import normalise_upn
from veikart.organisations.constants import UNIT_TYPE_WORDS, UnitType
from veikart.organisations.importing.columns import (
    COLUMNS,
    TableKind,
    match_headers,
    normalise_header,
)
from veikart.organisations.importing.readers import EntraExport, Table, UploadContent
from veikart.organisations.models import (
    Assignment,
    Employee,
    EmployeeIdentity,
    FormerOrganisation,
    Organisation,
    Unit,
    UnitSuccession,
)

_TRUE = frozenset({"ja", "j", "yes", "y", "true", "sann", "1", "x"})
_FALSE = frozenset({"nei", "n", "no", "false", "usann", "0", ""})
_EMAIL = EmailValidator()


@dataclass(frozen=True)
class Problem:
    """A reason the import cannot be applied, located in a file (and a line when there is one)."""

    source: str
    message: str
    line: int | None = None
    line_word: str = "line"

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.message}"
        word = _("row") if self.line_word == "row" else _("line")
        return f"{self.source}, {word} {self.line}: {self.message}"


@dataclass
class UnitRecord:
    source: str
    line: int
    code: str
    name: str
    parent_code: str
    unit_type: UnitType
    former_organisation_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_code: str


@dataclass
class EmployeeRecord:
    source: str
    line: int
    number: str
    given_name: str
    family_name: str
    upn: str
    email: str
    title: str
    unit_code: str
    is_manager: bool
    manager_number: str
    former_organisation_id: int | None
    employment_start: dt.date | None
    employment_end: dt.date | None
    previous_upns: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    action: str  # "created", "changed", "ended"
    entity: str  # "unit", "employee"
    key: str
    label: str
    unit_code: str
    fields: tuple[str, ...] = ()
    # (field, stored value, imported value) for each changed field
    values: tuple[tuple[str, str, str], ...] = ()


@dataclass
class ImportPlan:
    organisation_id: int
    as_of: dt.date
    full: bool
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    units: list[UnitRecord] = field(default_factory=list)
    employees: list[EmployeeRecord] = field(default_factory=list)
    has_unit_table: bool = False
    has_employee_table: bool = False
    unit_names: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fingerprint(self) -> str:
        """Identifies the change set, so an apply can refuse if it differs from the preview."""
        digest = hashlib.sha256()
        for change in sorted(self.changes, key=lambda c: (c.entity, c.key, c.action)):
            digest.update(repr(change).encode("utf-8"))
        return digest.hexdigest()

    def count(self, action: str, entity: str) -> int:
        return sum(1 for c in self.changes if c.action == action and c.entity == entity)

    def per_unit(self) -> list[dict[str, Any]]:
        """Employee changes grouped by unit, for the preview table."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for change in self.changes:
            if change.entity == "employee":
                counts[change.unit_code][change.action] += 1
        rows = [
            {
                "unit_code": code,
                "unit_name": self.unit_names.get(code, code),
                "created": counter["created"],
                "changed": counter["changed"],
                "ended": counter["ended"],
            }
            for code, counter in counts.items()
        ]
        from veikart.core.collation import sort_key

        return sorted(rows, key=lambda r: sort_key(str(r["unit_name"])))


class _RowReader:
    """Typed access to one row's cells, collecting problems instead of raising."""

    def __init__(self, plan: ImportPlan, table: Table, positions: dict[str, int], row: Any) -> None:
        self.plan = plan
        self.table = table
        self.positions = positions
        self.row = row
        self.failed = False

    def problem(self, message: str) -> None:
        self.failed = True
        self.plan.problems.append(
            Problem(self.table.source, message, self.row.line, self.table.line_word)
        )

    def text(self, key: str) -> str:
        index = self.positions.get(key)
        if index is None or index >= len(self.row.values):
            return ""
        return str(self.row.values[index]).strip()

    def header(self, key: str) -> str:
        return next(c.header for c in COLUMNS[self.table.kind or TableKind.UNITS] if c.key == key)

    def required(self, key: str) -> str:
        value = self.text(key)
        if not value:
            self.problem(_("%(column)s is empty; it is required.") % {"column": self.header(key)})
        return value

    def fits(self, model: type[Unit] | type[Employee], values: dict[str, str]) -> None:
        """A problem for each value longer than the field of ``model`` it is stored in (the
        keys are the column keys, which are the field names)."""
        for message in _length_problems(
            model, {self.header(key): (key, value) for key, value in values.items()}
        ):
            self.problem(message)

    def date(self, key: str) -> dt.date | None:
        value = self.text(key)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.problem(
                _("%(value)r is not a date; write 2019-08-01 or 01.08.2019.") % {"value": value}
            )
        return parsed

    def boolean(self, key: str) -> bool:
        value = self.text(key).casefold()
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.problem(_("%(value)r is not yes or no; write ja or nei.") % {"value": value})
        return False


def _length_problems(
    model: type[Unit] | type[Employee] | type[EmployeeIdentity],
    values: dict[str, tuple[str, str]],
) -> list[str]:
    """A message for each value longer than the field of ``model`` it is stored in (PostgreSQL
    would refuse it). ``values``: column or property as the file names it -> (field, value)."""
    found = []
    for column, (field_name, value) in values.items():
        limit = getattr(model._meta.get_field(field_name), "max_length", None)
        if limit is not None and len(value) > limit:
            found.append(
                _(
                    "%(column)s is %(length)d characters long, more than the %(max)d that fit. "
                    "Shorten it."
                )
                % {"column": column, "length": len(value), "max": limit}
            )
    return found


def parse_date(value: str) -> dt.date | None:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None


def _valid_upn(value: str) -> bool:
    try:
        _EMAIL(value)
    except ValidationError:
        return False
    return True


def build_plan(
    organisation: Organisation, contents: list[UploadContent], *, as_of: dt.date, full: bool
) -> ImportPlan:
    plan = ImportPlan(organisation.pk, as_of, full)
    former = _former_lookup(organisation)
    stored_units = {
        u.code: u
        for u in Unit.objects.filter(organisation=organisation)
        .select_related("parent")
        # A join, not a second prefetch: Django prefetches a foreign key as "id = 1 OR id = 2 …",
        # which SQLite refuses past 1,000 units ("Expression tree is too large").
        .prefetch_related(
            Prefetch("successions", queryset=UnitSuccession.objects.select_related("successor"))
        )
    }
    plan.unit_names = {code: unit.name for code, unit in stored_units.items()}

    for content in contents:
        if isinstance(content, EntraExport):
            plan.has_employee_table = True
            _read_entra(plan, content, stored_units, former)
            continue
        assert content.kind is not None
        match = match_headers(content.headers, content.kind)
        if match.unknown:
            plan.notices.append(
                _("%(file)s: columns not used by Veikart were ignored: %(columns)s.")
                % {"file": content.source, "columns": ", ".join(match.unknown)}
            )
        if match.duplicated:
            plan.problems.append(
                Problem(
                    content.source,
                    _("the column %(columns)s appears more than once; keep one.")
                    % {"columns": ", ".join(match.duplicated)},
                )
            )
        if match.missing:
            plan.problems.append(
                Problem(
                    content.source,
                    _("required columns are missing: %(columns)s. See the import template.")
                    % {"columns": ", ".join(match.missing)},
                )
            )
            continue
        if content.kind == TableKind.UNITS:
            plan.has_unit_table = True
            _read_units(plan, content, match.positions, former)
        else:
            plan.has_employee_table = True
            _read_employees(plan, content, match.positions, former)

    for unit in plan.units:
        plan.unit_names[unit.code] = unit.name
    if plan.has_employee_table and full and not plan.employees and not plan.problems:
        plan.problems.append(
            Problem(
                ", ".join(c.source for c in contents),
                _(
                    "the import has no employee rows; as a full import it would end every "
                    "employment. Check the file, or import it as a partial import."
                ),
            )
        )
    _check_units(plan, stored_units)
    stored_employees = _stored_employees(organisation, as_of)
    _check_employees(plan, stored_units, stored_employees)
    if plan.ok:
        _diff_units(plan, stored_units)
        _diff_employees(plan, stored_employees)
    return plan


def _former_lookup(organisation: Organisation) -> dict[str, FormerOrganisation]:
    lookup: dict[str, FormerOrganisation] = {}
    for former in FormerOrganisation.objects.filter(organisation=organisation):
        lookup[former.code.casefold()] = former
        lookup[former.name.casefold()] = former
    return lookup


def _former_id(reader: _RowReader, former: dict[str, FormerOrganisation], value: str) -> int | None:
    if not value:
        return None
    match = former.get(value.casefold())
    if match is None:
        known = sorted({f.code for f in former.values()})
        reader.problem(
            _("unknown former organisation %(value)r; use one of: %(known)s.")
            % {"value": value, "known": ", ".join(known) or _("(none set up)")}
        )
        return None
    return match.pk


def _read_units(
    plan: ImportPlan, table: Table, positions: dict[str, int], former: dict[str, FormerOrganisation]
) -> None:
    for row in table.rows:
        r = _RowReader(plan, table, positions, row)
        code = r.required("code")
        name = r.required("name")
        type_word = normalise_header(r.text("unit_type"))
        unit_type = UNIT_TYPE_WORDS.get(type_word) if type_word else UnitType.OFFICE
        if unit_type is None:
            r.problem(
                _("unknown unit type %(value)r; use one of: %(known)s.")
                % {
                    "value": r.text("unit_type"),
                    "known": "kontor, skole, barnehage, helse_omsorg, teknisk, kultur, nav, annet",
                }
            )
        former_id = _former_id(r, former, r.text("former_organisation"))
        valid_from, valid_to = r.date("valid_from"), r.date("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            r.problem(
                _("gyldig_til %(end)s is before gyldig_fra %(start)s.")
                % {"end": valid_to.isoformat(), "start": valid_from.isoformat()}
            )
        r.fits(Unit, {"code": code, "name": name})
        if r.failed:
            continue
        plan.units.append(
            UnitRecord(
                table.source,
                row.line,
                code,
                name,
                r.text("parent_code"),
                unit_type or UnitType.OFFICE,
                former_id,
                valid_from,
                valid_to,
                r.text("successor_code"),
            )
        )


def _read_employees(
    plan: ImportPlan, table: Table, positions: dict[str, int], former: dict[str, FormerOrganisation]
) -> None:
    for row in table.rows:
        r = _RowReader(plan, table, positions, row)
        number = r.required("employee_number")
        given, family = r.required("given_name"), r.required("family_name")
        upn = normalise_upn(r.required("upn"))
        if upn and not _valid_upn(upn):
            r.problem(
                _("%(value)r is not a valid user principal name (name@domain).") % {"value": upn}
            )
        email = r.text("email").strip().lower() or upn
        if email != upn and not _valid_upn(email):
            r.problem(_("%(value)r is not a valid e-mail address.") % {"value": email})
        previous = tuple(
            normalise_upn(p) for p in re.split(r"[\s,;|]+", r.text("previous_upns")) if p
        )
        for old in previous:
            if not _valid_upn(old):
                r.problem(
                    _("%(value)r in tidligere_brukernavn is not a valid user principal name.")
                    % {"value": old}
                )
        unit_code = r.required("unit_code")
        is_manager = r.boolean("is_manager")
        former_id = _former_id(r, former, r.text("former_organisation"))
        start, end = r.date("employment_start"), r.date("employment_end")
        if start and end and end < start:
            r.problem(
                _("end date %(end)s is before start date %(start)s.")
                % {"end": end.isoformat(), "start": start.isoformat()}
            )
        r.fits(
            Employee,
            {
                "employee_number": number,
                "given_name": given,
                "family_name": family,
                "upn": upn,
                "email": "" if email == upn else email,  # an empty epost is the upn: said once
                "title": r.text("title"),
            },
        )
        for old in previous:
            for message in _length_problems(
                EmployeeIdentity, {r.header("previous_upns"): ("upn", old)}
            ):
                r.problem(message)
        if r.failed:
            continue
        plan.employees.append(
            EmployeeRecord(
                table.source,
                row.line,
                number,
                given,
                family,
                upn,
                email,
                r.text("title"),
                unit_code,
                is_manager,
                r.text("manager_number"),
                former_id,
                start,
                end,
                tuple(p for p in previous if p != upn),
            )
        )


def _read_entra(
    plan: ImportPlan,
    export: EntraExport,
    stored_units: dict[str, Unit],
    former: dict[str, FormerOrganisation],
) -> None:
    """Entra ID users → employee records: department names the unit, manager is expanded."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for unit in stored_units.values():
        if unit.is_valid_on(plan.as_of):
            by_name[unit.name.casefold()].append(unit.code)
    numbers_by_upn = {
        normalise_upn(str(u.data.get("userPrincipalName") or "")): str(
            u.data.get("employeeId") or ""
        )
        for u in export.users
    }
    managers: set[str] = set()
    for user in export.users:
        manager = user.data.get("manager") or {}
        if isinstance(manager, dict):
            number = str(manager.get("employeeId") or "") or numbers_by_upn.get(
                normalise_upn(str(manager.get("userPrincipalName") or "")), ""
            )
            if number:
                managers.add(number)
    skipped = 0
    for user in export.users:
        data = user.data
        number = str(data.get("employeeId") or "").strip()
        if not number or data.get("accountEnabled") is False:
            skipped += 1
            continue

        def problem(message: str, index: int = user.index) -> None:
            plan.problems.append(Problem(export.source, message, index, "user"))

        upn = normalise_upn(str(data.get("userPrincipalName") or ""))
        if not _valid_upn(upn):
            problem(
                _("%(value)r is not a valid user principal name (name@domain).") % {"value": upn}
            )
            continue
        given = str(data.get("givenName") or "").strip()
        family = str(data.get("surname") or "").strip()
        if not (given and family):
            display = str(data.get("displayName") or "").strip()
            given, _sep, family = display.rpartition(" ")
            given, family = (given, family) if given else (display, display)
        department = str(data.get("department") or "").strip()
        codes = stored_units.keys() & {department} or set(by_name.get(department.casefold(), []))
        if len(codes) != 1:
            problem(
                _(
                    "department %(value)r does not name exactly one unit in Veikart; import the "
                    "unit list first, or correct the department in Entra ID."
                )
                % {"value": department}
            )
            continue
        manager = data.get("manager") or {}
        manager_number = ""
        if isinstance(manager, dict):
            manager_number = str(manager.get("employeeId") or "") or numbers_by_upn.get(
                normalise_upn(str(manager.get("userPrincipalName") or "")), ""
            )
        company = str(data.get("companyName") or "").strip()
        former_match = former.get(company.casefold()) if company else None
        email = str(data.get("mail") or "").strip().lower() or upn
        title = str(data.get("jobTitle") or "").strip()
        too_long = _length_problems(
            Employee,
            {
                "employeeId": ("employee_number", number),
                "givenName": ("given_name", given),
                "surname": ("family_name", family),
                "userPrincipalName": ("upn", upn),
                "mail": ("email", "" if email == upn else email),
                "jobTitle": ("title", title),
            },
        )
        for message in too_long:
            problem(message)
        if too_long:
            continue
        plan.employees.append(
            EmployeeRecord(
                export.source,
                user.index,
                number,
                given,
                family,
                upn,
                email,
                title,
                next(iter(codes)),
                number in managers,
                manager_number,
                former_match.pk if former_match else None,
                None,
                None,
                (),
            )
        )
    if skipped:
        plan.notices.append(
            ngettext(
                "%(file)s: %(count)d account without employeeId, or disabled, was skipped "
                "(usually a service, shared or guest account).",
                "%(file)s: %(count)d accounts without employeeId, or disabled, were skipped "
                "(usually service, shared and guest accounts).",
                skipped,
            )
            % {"file": export.source, "count": skipped}
        )


def _check_units(plan: ImportPlan, stored: dict[str, Unit]) -> None:
    seen: dict[str, UnitRecord] = {}
    for record in plan.units:
        if record.code in seen:
            first = seen[record.code]
            plan.problems.append(
                Problem(
                    record.source,
                    _("unit code %(code)s appears twice (also on line %(line)d of %(file)s).")
                    % {"code": record.code, "line": first.line, "file": first.source},
                    record.line,
                )
            )
        else:
            seen[record.code] = record
    known = seen.keys() | stored.keys()
    parents = {
        code: (u.parent.code if u.parent_id and u.parent else "") for code, u in stored.items()
    }
    parents.update({code: r.parent_code for code, r in seen.items()})
    for record in seen.values():
        for ref, column in (
            (record.parent_code, "overordnet_enhetskode"),
            (record.successor_code, "ble_del_av"),
        ):
            if ref and ref not in known:
                plan.problems.append(
                    Problem(
                        record.source,
                        _(
                            "%(column)s %(code)s is not a known unit code; "
                            "add that unit to the file."
                        )
                        % {"column": column, "code": ref},
                        record.line,
                    )
                )
        chain = [record.code]
        current = record.parent_code
        while current and current in known and current not in chain:
            chain.append(current)
            current = parents.get(current, "")
        if current and current == record.code:
            path = " → ".join([*chain, record.code])
            plan.problems.append(
                Problem(
                    record.source,
                    _(
                        "unit %(code)s would become its own ancestor (%(path)s). "
                        "Correct overordnet_enhetskode."
                    )
                    % {"code": record.code, "path": path},
                    record.line,
                )
            )


@dataclass
class _Stored:
    employee: Employee
    unit_code: str
    identities: set[str]


def _stored_employees(organisation: Organisation, as_of: dt.date) -> dict[str, _Stored]:
    stored = {
        e.employee_number: _Stored(e, "", set())
        for e in Employee.objects.filter(organisation=organisation).select_related("manager")
    }
    by_pk = {s.employee.pk: s for s in stored.values()}
    for employee_id, code in (
        Assignment.objects.valid_on(as_of)
        .filter(employee__organisation=organisation)
        .values_list("employee_id", "unit__code")
    ):
        by_pk[employee_id].unit_code = code
    from veikart.organisations.models import EmployeeIdentity

    for employee_id, upn in EmployeeIdentity.objects.filter(
        employee__organisation=organisation
    ).values_list("employee_id", "upn"):
        by_pk[employee_id].identities.add(upn)
    return stored


def _check_employees(
    plan: ImportPlan, stored_units: dict[str, Unit], stored: dict[str, _Stored]
) -> None:
    file_units = {u.code: u for u in plan.units}
    numbers: dict[str, EmployeeRecord] = {}
    upns: dict[str, EmployeeRecord] = {}
    for record in plan.employees:
        if record.number in numbers:
            first = numbers[record.number]
            plan.problems.append(
                Problem(
                    record.source,
                    _(
                        "employee number %(number)s appears twice (also on line %(line)d of "
                        "%(file)s). Each employee must appear once."
                    )
                    % {"number": record.number, "line": first.line, "file": first.source},
                    record.line,
                )
            )
            continue
        numbers[record.number] = record
        if record.upn in upns:
            first = upns[record.upn]
            plan.problems.append(
                Problem(
                    record.source,
                    _("user principal name %(upn)s is also used on line %(line)d of %(file)s.")
                    % {"upn": record.upn, "line": first.line, "file": first.source},
                    record.line,
                )
            )
        upns[record.upn] = record
    in_file = set(numbers)
    for s in stored.values():
        other = upns.get(s.employee.upn)
        if (
            other is not None
            and other.number != s.employee.employee_number
            and (s.employee.employee_number not in in_file)
        ):
            plan.problems.append(
                Problem(
                    other.source,
                    _(
                        "user principal name %(upn)s belongs to employee %(number)s in Veikart. "
                        "Correct the user principal name or the employee number."
                    )
                    % {"upn": other.upn, "number": s.employee.employee_number},
                    other.line,
                )
            )
    for record in numbers.values():
        unit = file_units.get(record.unit_code)
        stored_unit = stored_units.get(record.unit_code)
        if unit is None and stored_unit is None:
            plan.problems.append(
                Problem(
                    record.source,
                    _(
                        "unknown unit code %(code)s. Import the unit list first, or add the unit "
                        "to the Enheter sheet."
                    )
                    % {"code": record.unit_code},
                    record.line,
                )
            )
        else:
            valid_from = unit.valid_from if unit else stored_unit.valid_from  # type: ignore[union-attr]
            valid_to = unit.valid_to if unit else stored_unit.valid_to  # type: ignore[union-attr]
            if (valid_from and valid_from > plan.as_of) or (valid_to and valid_to < plan.as_of):
                plan.problems.append(
                    Problem(
                        record.source,
                        _(
                            "unit %(code)s does not exist on the import date %(date)s; "
                            "use a unit that exists then, or import with another date."
                        )
                        % {"code": record.unit_code, "date": plan.as_of.isoformat()},
                        record.line,
                    )
                )
        if record.manager_number:
            if record.manager_number == record.number:
                plan.problems.append(
                    Problem(
                        record.source,
                        _(
                            "the employee is given as their own manager; "
                            "correct leders_ansattnummer."
                        ),
                        record.line,
                    )
                )
            elif record.manager_number not in numbers and record.manager_number not in stored:
                plan.problems.append(
                    Problem(
                        record.source,
                        _(
                            "unknown manager employee number %(number)s. Add that person to the "
                            "file or leave the column empty."
                        )
                        % {"number": record.manager_number},
                        record.line,
                    )
                )


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, set | frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _values(
    fields: tuple[str, ...], current: dict[str, Any], wanted: dict[str, Any]
) -> tuple[tuple[str, str, str], ...]:
    return tuple((f, _show(current[f]), _show(wanted[f])) for f in fields)


def _diff_units(plan: ImportPlan, stored: dict[str, Unit]) -> None:
    in_file = set()
    for record in plan.units:
        in_file.add(record.code)
        unit = stored.get(record.code)
        if unit is None:
            plan.changes.append(Change("created", "unit", record.code, record.name, record.code))
            continue
        current = {
            "name": unit.name,
            "parent": unit.parent.code if unit.parent else "",
            "unit_type": unit.unit_type,
            "former_organisation": unit.former_organisation_id,
            "valid_from": unit.valid_from,
            "valid_to": unit.valid_to,
            "successor": ",".join(sorted(s.successor.code for s in unit.successions.all())),
        }
        wanted = {
            "name": record.name,
            "parent": record.parent_code,
            "unit_type": record.unit_type.value,
            "former_organisation": record.former_organisation_id,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
            "successor": ",".join(
                sorted(
                    {s.successor.code for s in unit.successions.all()}
                    | ({record.successor_code} if record.successor_code else set())
                )
            ),
        }
        fields = tuple(k for k in current if current[k] != wanted[k])
        if fields:
            plan.changes.append(
                Change(
                    "changed",
                    "unit",
                    record.code,
                    record.name,
                    record.code,
                    fields,
                    _values(fields, current, wanted),
                )
            )
    if plan.full and plan.has_unit_table:
        for code, unit in stored.items():
            if code not in in_file and (unit.valid_to is None or unit.valid_to >= plan.as_of):
                plan.changes.append(Change("ended", "unit", code, unit.name, code))


def _diff_employees(plan: ImportPlan, stored: dict[str, _Stored]) -> None:
    in_file = set()
    for record in plan.employees:
        in_file.add(record.number)
        label = f"{record.given_name} {record.family_name}"
        existing = stored.get(record.number)
        if existing is None:
            plan.changes.append(
                Change("created", "employee", record.number, label, record.unit_code)
            )
            continue
        e = existing.employee
        current = {
            "given_name": e.given_name,
            "family_name": e.family_name,
            "upn": e.upn,
            "email": e.email,
            "title": e.title,
            "unit": existing.unit_code,
            "is_manager": e.is_manager,
            "manager": e.manager.employee_number if e.manager else "",
            "former_organisation": e.former_organisation_id,
            "employment_start": e.employment_start,
            "employment_end": e.employment_end,
            "previous_upns": existing.identities,
        }
        wanted = {
            "given_name": record.given_name,
            "family_name": record.family_name,
            "upn": record.upn,
            "email": record.email,
            "title": record.title,
            "unit": record.unit_code,
            "is_manager": record.is_manager,
            "manager": record.manager_number,
            "former_organisation": record.former_organisation_id,
            "employment_start": record.employment_start or e.employment_start,
            "employment_end": record.employment_end,
            "previous_upns": existing.identities | {record.upn, *record.previous_upns},
        }
        fields = tuple(k for k in current if current[k] != wanted[k])
        if fields:
            plan.changes.append(
                Change(
                    "changed",
                    "employee",
                    record.number,
                    label,
                    record.unit_code,
                    fields,
                    _values(fields, current, wanted),
                )
            )
    if plan.full and plan.has_employee_table:
        for number, s in stored.items():
            e = s.employee
            if number in in_file or not e.is_employed_on(plan.as_of):
                continue
            plan.changes.append(Change("ended", "employee", number, e.full_name, s.unit_code))
