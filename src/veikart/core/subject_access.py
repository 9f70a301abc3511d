"""Subject access (*innsyn*, GDPR art. 15): everything Veikart stores about one person.

:func:`subject_access_report` gathers, for an employee or a user account, the HR record, unit
history and sign-in names (with their keyed pseudonyms), the account and its roles, training
records, self-assessment answers, working-agreement acknowledgements, the audit events the person
caused or that name them, and a count of every other row in the database that refers to them
(found by following every foreign key to the employee or the user, so records added by later
apps are not missed).

Usage data is the exception, by design: the lake holds it under keyed pseudonyms and Veikart
never shows one person's usage — not even to themselves. The report says how many lake rows
carry the person's current pseudonyms, and over which days, counted with DuckDB over the lake's
Parquet files; never a value from those rows.

The report renders as HTML, JSON and PDF from the same :class:`Section` objects, and every report
made is written to the audit log (:func:`record_subject_access`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from veikart.core.access import Access, AnyUser, get_access
from veikart.core.audit import AUDIT_LOG_ROLES, SUBJECT_ACCESS_ACTION, family_of
from veikart.core.constants import Role
from veikart.core.models import ApiToken, AuditEvent, LoginFailure, RoleGrant
from veikart.core.services import record_audit_event
from veikart.organisations.models import Assignment, Employee, EmployeeIdentity

Subject = Employee | User

# The HTML page and the PDF list at most this many rows of a section; the JSON file has all.
DISPLAY_LIMIT = 500


# --- the report's shape ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise


@dataclass(frozen=True)
class Section:
    """One kind of record: rows of plain values under named columns.

    ``facts`` sections hold one row, shown as a list of "label: value" pairs.
    """

    key: str
    title: str | Promise
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    note: str | Promise = ""
    facts: bool = False

    @property
    def shown_rows(self) -> list[list[str]]:
        return [
            [display(row.get(c.key)) for c in self.columns] for row in self.rows[:DISPLAY_LIMIT]
        ]

    @property
    def hidden_count(self) -> int:
        return max(0, len(self.rows) - DISPLAY_LIMIT)

    @property
    def fact_pairs(self) -> list[tuple[str, str]]:
        if not self.rows:
            return []
        return [(str(c.label), display(self.rows[0].get(c.key))) for c in self.columns]

    def as_json(self) -> dict[str, Any] | list[dict[str, Any]]:
        if self.facts:
            return dict(self.rows[0]) if self.rows else {}
        return [dict(row) for row in self.rows]


def display(value: Any) -> str:
    """A value as the page shows it: Norwegian dates and times, yes/no, a dash for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class LakeCount:
    """How much of the usage lake carries the person's pseudonyms: counts and days, no values."""

    pseudonyms: int
    rows: int = 0
    snapshots: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    by_report: tuple[tuple[str, int], ...] = ()
    unavailable: str = ""  # why the lake could not be counted, if it could not

    def as_json(self) -> dict[str, Any]:
        return {
            "pseudonyms": self.pseudonyms,
            "rows": self.rows,
            "snapshots": self.snapshots,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "rows_by_report": dict(self.by_report),
            "unavailable": self.unavailable,
        }


@dataclass(frozen=True)
class SubjectAccessReport:
    name: str
    employee: Employee | None
    user: User | None
    generated_at: dt.datetime
    sections: tuple[Section, ...]
    lake: LakeCount
    retention_days: int
    min_group_size: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        """How the audit log names the person."""
        if self.employee is not None:
            return f"employee:{self.employee.pk}"
        assert self.user is not None
        return f"user:{self.user.pk}"

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": "veikart-subject-access/1",
            "name": self.name,
            "generated_at": self.generated_at,
            "sections": {s.key: s.as_json() for s in self.sections},
            "usage_lake": {
                **self.lake.as_json(),
                "statement": lake_statement(self),
                "retention_days": self.retention_days,
                "min_group_size": self.min_group_size,
            },
        }

    def as_json(self) -> bytes:
        text = json.dumps(self.as_dict(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        return text.encode("utf-8")


def lake_statement(report: SubjectAccessReport) -> str:
    return gettext(
        "Veikart stores Microsoft 365 usage reports (activity counts per person and day or week, "
        "such as Teams messages sent or files opened) with the user name replaced by a keyed "
        "pseudonym. Usage is never shown, exported or reported for one person — not in this "
        "report either: it is only used in figures over groups of at least %(k)s people, and "
        "the raw rows are deleted after %(days)s days."
    ) % {"k": report.min_group_size, "days": report.retention_days}


# --- access ---------------------------------------------------------------------------------


def can_report_on_anyone(who: AnyUser | Access | None) -> bool:
    """The data-protection officer and administrators make reports about anyone."""
    access = who if isinstance(who, Access) else get_access(who)
    return bool(access.roles & AUDIT_LOG_ROLES)


def get_subject_for_user(
    who: AnyUser | None, *, employee_pk: int | None = None, user_pk: int | None = None
) -> Subject:
    """The person a report is asked for, if ``who`` may have it: their own, or anyone's for the
    DPO and administrators. Others get PermissionDenied (or "not found" for nobody)."""
    if not can_report_on_anyone(who):
        raise PermissionDenied
    if employee_pk is not None:
        employee = Employee.objects.filter(pk=employee_pk).select_related("user").first()
        if employee is None:
            raise Http404("No such employee")
        return employee
    user = User.objects.filter(pk=user_pk).first() if user_pk is not None else None
    if user is None:
        raise Http404("No such user")
    return user


def own_subject(who: AnyUser) -> Subject:
    """The signed-in person themselves: their employee record, or their account without one."""
    if not isinstance(who, User):
        raise PermissionDenied
    employee = Employee.objects.filter(user=who).first()
    return employee if employee is not None else who


def find_subjects(query: str, limit: int = 50) -> tuple[list[Employee], list[User]]:
    """Employees (by name, employee number, sign-in name) and accounts without an employee record
    (by user name) matching ``query``, for the DPO's search."""
    words = query.split()
    if not words:
        return [], []
    employees = Employee.objects.all()
    users = User.objects.filter(employee__isnull=True)
    for word in words:
        employees = employees.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(employee_number=word)
            | Q(upn__icontains=word)
            | Q(identities__upn__icontains=word)
        )
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return list(employees.distinct()[:limit]), list(users.order_by("username")[:limit])


# --- the report -----------------------------------------------------------------------------


def subject_access_report(
    person: Subject, *, lake_root: Path | None = None, now: dt.datetime | None = None
) -> SubjectAccessReport:
    """Everything Veikart stores about ``person`` (an employee, or a user account)."""
    if isinstance(person, Employee):
        employee: Employee | None = person
        user: User | None = person.user
    else:
        user = person
        employee = Employee.objects.filter(user=person).first()
    sections: list[Section] = []
    if employee is not None:
        sections += [_employee(employee), _assignments(employee), _identities(employee)]
    if user is not None:
        sections += [_account(user), _roles(user, employee), _api_tokens(user)]
    if employee is not None:
        sections += [_enrolments(employee), _sessions_run(employee), _self_assessment(employee)]
        acknowledgements = _acknowledgements(employee)
        if acknowledgements is not None:
            sections.append(acknowledgements)
    sections += [_audit_by(user), _audit_about(employee, user), _other_records(employee, user)]
    pseudonyms = _pseudonyms(employee)
    lake = count_lake_rows(lake_root or Path(settings.LAKE_DIR), pseudonyms)
    name = employee.full_name if employee is not None else _user_name(user)
    return SubjectAccessReport(
        name=name,
        employee=employee,
        user=user,
        generated_at=now or timezone.now(),
        sections=tuple(sections),
        lake=lake,
        retention_days=int(settings.RETENTION_DAYS),
        min_group_size=int(settings.MIN_GROUP_SIZE),
    )


def record_subject_access(
    actor: User | AnonymousUser | None, report: SubjectAccessReport, fmt: str
) -> AuditEvent:
    """Write the report to the audit log: who made it, about whom, in which format."""
    own = actor is not None and report.user is not None and actor.pk == report.user.pk
    return record_audit_event(
        actor,
        SUBJECT_ACCESS_ACTION,
        target=report.target,
        detail={"format": fmt, "own": own},
    )


def _user_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _employee(employee: Employee) -> Section:
    manager = employee.manager
    former = employee.former_organisation
    row = {
        "organisation": employee.organisation.name,
        "employee_number": employee.employee_number,
        "given_name": employee.given_name,
        "family_name": employee.family_name,
        "upn": employee.upn,
        "email": employee.email,
        "title": employee.title,
        "is_manager": employee.is_manager,
        "manager": f"{manager.full_name} ({manager.employee_number})" if manager else "",
        "former_organisation": former.name if former else "",
        "employment_start": employee.employment_start,
        "employment_end": employee.employment_end,
        "pseudonym": employee.pseudonym,
    }
    return Section(
        "employee",
        _("Employee record (from the HR import)"),
        (
            Column("organisation", _("Organisation")),
            Column("employee_number", _("Employee number")),
            Column("given_name", _("Given name")),
            Column("family_name", _("Family name")),
            Column("upn", _("User principal name")),
            Column("email", _("E-mail")),
            Column("title", _("Title")),
            Column("is_manager", _("Manager")),
            Column("manager", _("Your manager")),
            Column("former_organisation", _("Former organisation")),
            Column("employment_start", _("Employment start")),
            Column("employment_end", _("Employment end")),
            Column("pseudonym", _("Pseudonym of the current user principal name")),
        ),
        [row],
        note=_(
            "The pseudonym is a keyed hash (HMAC-SHA-256) of the user principal name; usage data "
            "is stored under it instead of the name."
        ),
        facts=True,
    )


def _assignments(employee: Employee) -> Section:
    rows = [
        {
            "unit": a.unit.name,
            "unit_code": a.unit.code,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
        }
        for a in Assignment.objects.filter(employee=employee)
        .select_related("unit")
        .order_by("valid_from", "pk")
    ]
    return Section(
        "assignments",
        _("Units you have worked in"),
        (
            Column("unit", _("Unit")),
            Column("unit_code", _("Unit code")),
            Column("valid_from", _("From")),
            Column("valid_to", _("To")),
        ),
        rows,
    )


def _identities(employee: Employee) -> Section:
    rows = [
        {"upn": i.upn, "pseudonym": i.pseudonym}
        for i in EmployeeIdentity.objects.filter(employee=employee).order_by("upn")
    ]
    return Section(
        "identities",
        _("Sign-in names and their pseudonyms"),
        (Column("upn", _("User principal name")), Column("pseudonym", _("Pseudonym"))),
        rows,
        note=_(
            "Every sign-in name you have had (for instance before and after the merger), so that "
            "usage from before and after a change of name counts as the same person's."
        ),
    )


def _account(user: User) -> Section:
    # Failed sign-ins are kept briefly, for throttling, under a digest of the user name.
    from veikart.core.throttling import _digest

    failures = LoginFailure.objects.filter(username_digest=_digest(user.get_username())).count()
    row = {
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "failed_sign_ins": failures,
    }
    return Section(
        "account",
        _("User account"),
        (
            Column("username", _("User name")),
            Column("first_name", _("First name")),
            Column("last_name", _("Last name")),
            Column("email", _("E-mail")),
            Column("is_active", _("Active")),
            Column("is_superuser", _("Administrator (superuser)")),
            Column("date_joined", _("Created")),
            Column("last_login", _("Last sign-in")),
            Column("failed_sign_ins", _("Recent failed sign-ins (kept for throttling)")),
        ),
        [row],
        facts=True,
    )


def _roles(user: User, employee: Employee | None) -> Section:
    rows: list[dict[str, Any]] = [
        {
            "role": str(Role(g.role).label),
            "unit": g.unit.name if g.unit else "",
            "source": gettext("Granted"),
            "granted_at": g.granted_at,
        }
        for g in RoleGrant.objects.filter(user=user).select_related("unit").order_by("granted_at")
    ]
    access = get_access(user)
    granted = {Role(g.role) for g in RoleGrant.objects.filter(user=user)}
    if user.is_superuser and Role.ADMIN not in granted:
        rows.append(
            {
                "role": str(Role.ADMIN.label),
                "unit": "",
                "source": gettext("Superuser account"),
                "granted_at": None,
            }
        )
    for role in (Role.EMPLOYEE, Role.UNIT_MANAGER):
        if access.has(role) and role not in granted:
            rows.append(
                {
                    "role": str(role.label),
                    "unit": "",
                    "source": gettext("From the HR data"),
                    "granted_at": None,
                }
            )
    return Section(
        "roles",
        _("Roles in Veikart"),
        (
            Column("role", _("Role")),
            Column("unit", _("Unit")),
            Column("source", _("Source")),
            Column("granted_at", _("Granted")),
        ),
        rows,
    )


def _api_tokens(user: User) -> Section:
    rows = [
        {
            "name": t.name,
            "prefix": t.prefix,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "revoked_at": t.revoked_at,
        }
        for t in ApiToken.objects.filter(user=user).order_by("created_at")
    ]
    return Section(
        "api_tokens",
        _("API tokens"),
        (
            Column("name", _("Name")),
            Column("prefix", _("Starts with")),
            Column("created_at", _("Created")),
            Column("last_used_at", _("Last used")),
            Column("revoked_at", _("Revoked")),
        ),
        rows,
        note=_("Only a digest of each token is stored, never the token."),
    )


def _enrolments(employee: Employee) -> Section:
    from veikart.trainings.models import Enrolment

    rows = [
        {
            "course_code": e.session.course.code,
            "course": e.session.course.title,
            "session": e.session.code,
            "starts_at": e.session.starts_at,
            "status": e.get_status_display(),
            "enrolled_on": e.enrolled_on,
            "waiting_position": e.position,
        }
        for e in Enrolment.objects.filter(employee=employee)
        .select_related("session__course")
        .order_by("session__starts_at", "pk")
    ]
    return Section(
        "enrolments",
        _("Courses: enrolments and attendance"),
        (
            Column("course_code", _("Course code")),
            Column("course", _("Course")),
            Column("session", _("Session")),
            Column("starts_at", _("Starts")),
            Column("status", _("Status")),
            Column("enrolled_on", _("Enrolled on")),
            Column("waiting_position", _("Waiting-list position")),
        ),
        rows,
    )


def _sessions_run(employee: Employee) -> Section:
    from veikart.trainings.models import Session

    rows = [
        {
            "session": s.code,
            "course": s.course.title,
            "starts_at": s.starts_at,
            "cancelled_at": s.cancelled_at,
        }
        for s in Session.objects.filter(trainer=employee)
        .select_related("course")
        .order_by("starts_at", "pk")
    ]
    return Section(
        "sessions_run",
        _("Sessions you run as a trainer"),
        (
            Column("session", _("Session")),
            Column("course", _("Course")),
            Column("starts_at", _("Starts")),
            Column("cancelled_at", pgettext_lazy("session", "Cancelled")),
        ),
        rows,
    )


def _self_assessment(employee: Employee) -> Section:
    from veikart.competence.models import Answer

    rows = [
        {
            "survey": a.response.wave.survey.title,
            "round": a.response.wave.name,
            "submitted_at": a.response.submitted_at,
            "statement": a.question.text,
            "level": a.level,
        }
        for a in Answer.objects.filter(response__employee=employee)
        .select_related("response__wave__survey", "question")
        .order_by("response__submitted_at", "response_id", "question__position")
    ]
    return Section(
        "self_assessment",
        _("Self-assessment answers"),
        (
            Column("survey", _("Survey")),
            Column("round", _("Round")),
            Column("submitted_at", _("Submitted")),
            Column("statement", _("Statement")),
            Column("level", _("Level")),
        ),
        rows,
        note=_("Only you see your own answers; others see only groups of respondents."),
    )


def _acknowledgements(employee: Employee) -> Section | None:
    """Working-agreement acknowledgements, when the agreements app is installed."""
    if not apps.is_installed("veikart.agreements"):
        return None
    try:
        model = apps.get_model("agreements", "Acknowledgement")
    except LookupError:
        return None
    rows = [
        {
            "agreement": a.version.title,
            "version": a.version.number,
            "acknowledged_at": a.acknowledged_at,
        }
        for a in model.objects.filter(employee=employee)
        .select_related("version")
        .order_by("acknowledged_at", "pk")
    ]
    return Section(
        "acknowledgements",
        _("Working agreements you have confirmed"),
        (
            Column("agreement", _("Agreement")),
            Column("version", _("Version")),
            Column("acknowledged_at", _("Confirmed")),
        ),
        rows,
    )


def _event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "action": event.action,
        "kind": str(family_of(event.action).label),
        "actor": event.actor.get_username() if event.actor is not None else "",
        "target": event.target,
        "detail": event.detail or {},
    }


_EVENT_COLUMNS = (
    Column("at", _("Time")),
    Column("kind", _("Kind")),
    Column("action", _("Event")),
    Column("target", pgettext_lazy("audit", "Target")),
    Column("detail", _("Details")),
)


def _audit_by(user: User | None) -> Section:
    events = (
        AuditEvent.objects.filter(actor=user).order_by("at", "pk")
        if user is not None
        else AuditEvent.objects.none()
    )
    return Section(
        "audit_actor",
        _("Audit log: what you did"),
        _EVENT_COLUMNS,
        [_event_row(e) for e in events.select_related("actor")],
        note=_(
            "Veikart records imports, exports, changes, sign-ins and views of small groups, "
            "with who did them."
        ),
    )


def about_condition(employee: Employee | None, user: User | None) -> Q:
    """Audit events that name the person as their target or in their details."""
    condition = Q(pk__in=[])
    if user is not None:
        condition |= Q(target=f"user:{user.pk}")
    if employee is not None:
        upns = [employee.upn, *employee.identities.values_list("upn", flat=True)]
        condition |= (
            Q(target=f"employee:{employee.pk}")
            | Q(target__in=sorted({u for u in upns if u}))
            | Q(detail__employee=employee.employee_number)
        )
    return condition


def _audit_about(employee: Employee | None, user: User | None) -> Section:
    events = AuditEvent.objects.filter(about_condition(employee, user)).order_by("at", "pk")
    return Section(
        "audit_about",
        _("Audit log: events about you"),
        (
            Column("at", _("Time")),
            Column("kind", _("Kind")),
            Column("action", _("Event")),
            Column("actor", _("By")),
            Column("target", pgettext_lazy("audit", "Target")),
            Column("detail", _("Details")),
        ),
        [_event_row(e) for e in events.select_related("actor")],
        note=_(
            "For instance roles given to you, sign-ins refused for your name, and earlier "
            "reports like this one."
        ),
    )


# Foreign keys to the employee or the user that the sections above already list in full.
_LISTED: frozenset[tuple[str, str]] = frozenset(
    {
        ("organisations.employee", "user"),
        ("organisations.assignment", "employee"),
        ("organisations.employeeidentity", "employee"),
        ("trainings.enrolment", "employee"),
        ("trainings.session", "trainer"),
        ("competence.response", "employee"),
        ("agreements.acknowledgement", "employee"),
        ("core.rolegrant", "user"),
        ("core.apitoken", "user"),
        ("core.auditevent", "actor"),
    }
)


def _references(target_model: type[models.Model]) -> Iterable[tuple[type[models.Model], str]]:
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if (
                model_field.is_relation
                and (model_field.many_to_one or model_field.one_to_one)
                and getattr(model_field, "concrete", False)
                and model_field.related_model is target_model
                and (model._meta.label_lower, model_field.name) not in _LISTED
            ):
                yield model, model_field.name


def _other_records(employee: Employee | None, user: User | None) -> Section:
    rows: list[dict[str, Any]] = []
    for target, value in ((Employee, employee), (User, user)):
        if value is None:
            continue
        for model, name in _references(target):
            count = model._default_manager.filter(**{name: value}).count()
            if count:
                verbose = getattr(model._meta.get_field(name), "verbose_name", name)
                rows.append(
                    {
                        "model": model._meta.label,
                        "kind": str(model._meta.verbose_name_plural),
                        "field": str(verbose),
                        "count": count,
                    }
                )
    rows.sort(key=lambda row: (row["kind"], row["field"]))
    return Section(
        "other_records",
        _("Other records that refer to you"),
        (
            Column("kind", _("Kind of record")),
            Column("field", _("As")),
            Column("count", _("Number")),
        ),
        rows,
        note=_(
            "Records you created or changed (imports, decisions, surveys …) or that name you "
            "(for instance as someone's manager). Counted, not listed: the rest of each record "
            "is about the organisation or other people."
        ),
    )


# --- the usage lake -------------------------------------------------------------------------


def _pseudonyms(employee: Employee | None) -> list[str]:
    if employee is None:
        return []
    keys = {employee.pseudonym, *employee.identities.values_list("pseudonym", flat=True)}
    return sorted(k for k in keys if k)


def _lake_files(root: Path) -> list[Path]:
    """The lake's snapshot files that hold a person column (concealed or organisation-level
    reports may not)."""
    files = []
    for path in sorted(root.glob("*/form=*/day=*/*.parquet")):
        try:
            if "person" in pq.read_schema(path).names:
                files.append(path)
        except (OSError, pa.ArrowInvalid):
            continue  # removed by a purge meanwhile, or not a Parquet file: nothing of anyone
    return files


def count_lake_rows(
    root: Path,
    pseudonyms: Collection[str],
    *,
    connect: Callable[[], Any] | None = None,
) -> LakeCount:
    """How many rows of the lake's snapshots carry one of ``pseudonyms``, in how many snapshots,
    per report and over which days. Only counts leave DuckDB: no usage value is read out."""
    if not pseudonyms or not root.is_dir():
        return LakeCount(pseudonyms=len(pseudonyms))
    files = _lake_files(root)
    if not files:
        return LakeCount(pseudonyms=len(pseudonyms))
    import duckdb

    from veikart.adoption.engine.engine import connect as engine_connect

    connection = (connect or engine_connect)()
    try:
        connection.register("wanted", pa.table({"person": pa.array(sorted(pseudonyms))}))
        found = connection.execute(
            """
            SELECT "filename", count(*) AS "rows"
            FROM read_parquet($files, union_by_name = true, filename = true,
                              hive_partitioning = false) AS "lake"
            WHERE "lake"."person" IN (SELECT "person" FROM "wanted")
            GROUP BY "filename"
            """,
            {"files": [str(f) for f in files]},
        ).fetchall()
    except duckdb.Error as exc:
        return LakeCount(pseudonyms=len(pseudonyms), unavailable=str(exc).splitlines()[0])
    finally:
        connection.close()
    return _summarise(root, found, len(pseudonyms))


def _summarise(root: Path, found: Sequence[tuple[str, int]], pseudonyms: int) -> LakeCount:
    by_report: dict[str, int] = {}
    days: list[dt.date] = []
    for filename, rows in found:
        parts = Path(filename).relative_to(root).parts  # report / form=… / day=… / file
        by_report[parts[0]] = by_report.get(parts[0], 0) + int(rows)
        with contextlib.suppress(ValueError):
            days.append(dt.date.fromisoformat(parts[2].removeprefix("day=")))
    return LakeCount(
        pseudonyms=pseudonyms,
        rows=sum(by_report.values()),
        snapshots=len(found),
        first_day=min(days) if days else None,
        last_day=max(days) if days else None,
        by_report=tuple(sorted(by_report.items())),
    )


# --- PDF ------------------------------------------------------------------------------------


def report_pdf(report: SubjectAccessReport) -> bytes:
    from veikart.core import pdf

    title = gettext("What Veikart stores about %(name)s") % {"name": report.name}
    blocks: list[pdf.Block] = [
        pdf.Heading(title),
        pdf.Paragraph(
            gettext("Made %(when)s under the GDPR, article 15 (right of access).")
            % {"when": display(report.generated_at)},
            "lead",
        ),
    ]
    for section in report.sections:
        blocks.append(pdf.Heading(str(section.title), 2))
        if section.note:
            blocks.append(pdf.Paragraph(str(section.note), "note"))
        if section.facts:
            blocks.append(pdf.Table((gettext("Field"), gettext("Value")), section.fact_pairs))
        elif section.rows:
            blocks.append(pdf.Table([str(c.label) for c in section.columns], section.shown_rows))
            if section.hidden_count:
                blocks.append(pdf.Paragraph(_more_in_json(section.hidden_count), "note"))
        else:
            blocks.append(pdf.Paragraph(gettext("Nothing stored."), "note"))
    blocks += [
        pdf.Heading(gettext("Usage data from Microsoft 365"), 2),
        pdf.Paragraph(lake_statement(report)),
        pdf.Table(
            (gettext("Field"), gettext("Value")),
            [(label, value) for label, value in lake_facts(report.lake)],
        ),
    ]
    return pdf.render(
        pdf.Document(
            title=title,
            blocks=blocks,
            subject=gettext("Subject access report"),
            footer=f"Veikart · {title} · {display(report.generated_at)}",
        )
    )


def _more_in_json(count: int) -> str:
    return ngettext(
        "%(counter)s more row is in the JSON file.",
        "%(counter)s more rows are in the JSON file.",
        count,
    ) % {"counter": count}


def lake_facts(lake: LakeCount) -> list[tuple[str, str]]:
    if lake.unavailable:
        return [(gettext("Could not be counted"), lake.unavailable)]
    facts = [
        (gettext("Your pseudonyms"), display(lake.pseudonyms)),
        (gettext("Rows carrying them"), display(lake.rows)),
        (gettext("Snapshots (report files) with such rows"), display(lake.snapshots)),
        (gettext("First day"), display(lake.first_day)),
        (gettext("Last day"), display(lake.last_day)),
    ]
    facts += [
        (gettext("Rows in report %(report)s") % {"report": report}, display(rows))
        for report, rows in lake.by_report
    ]
    return facts
