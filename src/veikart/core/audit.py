"""Reads of the audit log, for the data-protection officer: families of events, filters, CSV.

The log itself is written by :func:`veikart.core.services.record_audit_event` from every app, with
free-form action names (``adoption.export``, ``usage.purge``, ``signin.oidc.refused`` …). The DPO
asks other questions — *who exported what*, *who looked at small groups*, *when was raw data
purged* — so the actions are grouped here into :data:`FAMILIES` by their names' shape (suffix or
prefix), which also covers actions that apps add later. The first family that matches wins, in
Python (:func:`family_of`) and in SQL (:func:`family_condition`) alike; a test holds the two
together.

Only administrators and the data-protection officer read the log (:func:`can_read_audit_log`).
The log is append-only: nothing here (nor in the admin) changes or deletes an event.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from veikart.core.access import Access, AnyUser, get_access
from veikart.core.constants import Role
from veikart.core.models import AuditEvent

# Roles that read the audit log and the privacy pages. Not the programme lead: the log records
# what the programme lead does, and its reader should be someone else.
AUDIT_LOG_ROLES = frozenset({Role.ADMIN, Role.DPO})

# The action names Veikart's own privacy pages write.
SUBJECT_ACCESS_ACTION = "privacy.subject_access"
LOG_EXPORT_ACTION = "privacy.audit_log.export"
PURGE_ACTION = "usage.purge"


@dataclass(frozen=True)
class Family:
    """A kind of event: an action belongs to it when its name matches one of the patterns."""

    key: str
    label: str | Promise
    description: str | Promise
    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    def matches(self, action: str) -> bool:
        return (
            action in self.exact
            or action.startswith(self.prefixes)
            or action.endswith(self.suffixes)
        )

    def condition(self) -> Q:
        condition = Q(pk__in=[])  # matches nothing; a family without patterns stays empty
        if self.exact:
            condition |= Q(action__in=sorted(self.exact))
        for prefix in self.prefixes:
            condition |= Q(action__startswith=prefix)
        for suffix in self.suffixes:
            condition |= Q(action__endswith=suffix)
        return condition


OTHER = "changes"

FAMILIES: tuple[Family, ...] = (
    Family(
        "purges",
        _("Purges"),
        _("Raw usage data removed after the retention period."),
        suffixes=(".purge",),
    ),
    Family(
        "imports",
        _("Imports"),
        _("HR data, usage reports, training records and system lists read in; restores."),
        exact=frozenset({"core.restore"}),
        suffixes=(".import", ".ingest"),
    ),
    Family(
        "exports",
        _("Exports"),
        _("Files taken out of Veikart: tables, reports, backups, this log."),
        exact=frozenset({"impact.report", "core.backup"}),
        suffixes=(".export", ".download"),
    ),
    Family(
        "views",
        _("Views of small-group breakdowns"),
        _("Pages and API calls that break figures down into smaller groups."),
        exact=frozenset({"adoption.api-table", "agreements.acknowledgements.api"}),
        suffixes=(".view",),
    ),
    Family(
        "signins",
        _("Sign-ins and refusals"),
        _("Sign-ins with Microsoft, and sign-ins that were refused."),
        prefixes=("signin.", "login."),
    ),
    Family(
        "settings",
        _("Roles and settings"),
        _("Roles granted, changed or taken away; API tokens; user accounts' rights."),
        prefixes=("role.", "api_token.", "user.", "settings."),
    ),
    Family(
        "compute",
        _("Compute runs"),
        _("Adoption figures computed and impact evaluations run."),
        suffixes=(".compute", ".evaluate"),
    ),
    Family(
        "subject_access",
        _("Subject access"),
        _("Reports of what Veikart stores about one person (GDPR art. 15)."),
        prefixes=(SUBJECT_ACCESS_ACTION,),
    ),
    Family(
        OTHER,
        _("Other changes"),
        _("Courses, sessions, the roadmap, systems, agreements and surveys created or changed."),
    ),
)
FAMILY_BY_KEY = {family.key: family for family in FAMILIES}


def family_of(action: str) -> Family:
    """The family of an action name: the first that matches, else "other changes"."""
    for family in FAMILIES:
        if family.key != OTHER and family.matches(action):
            return family
    return FAMILY_BY_KEY[OTHER]


def family_condition(key: str) -> Q:
    """The events of one family, as a database condition with the same first-match rule."""
    earlier = Q(pk__in=[])
    for family in FAMILIES:
        if family.key == key:
            if key == OTHER:
                return ~earlier
            return family.condition() & ~earlier
        earlier |= family.condition()
    raise KeyError(key)


# --- access ---------------------------------------------------------------------------------


def can_read_audit_log(who: AnyUser | Access | None) -> bool:
    access = who if isinstance(who, Access) else get_access(who)
    return bool(access.roles & AUDIT_LOG_ROLES)


def get_audit_log_for_user(who: AnyUser | Access | None) -> QuerySet[AuditEvent]:
    """Every event, newest first, for a reader of the log; PermissionDenied for anyone else."""
    if not can_read_audit_log(who):
        raise PermissionDenied
    return AuditEvent.objects.select_related("actor").order_by("-at", "-pk")


# --- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    """What the DPO narrowed the log to. Days are local (Europe/Oslo) and inclusive."""

    start: dt.date | None = None
    end: dt.date | None = None
    actor: str = ""  # part of a user name; "-" = events without a person (the system)
    family: str = ""
    action: str = ""
    target: str = ""  # part of the target

    def as_detail(self) -> dict[str, str]:
        """The filter as the audit log records it (only what was set)."""
        values = {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "actor": self.actor,
            "family": self.family,
            "action": self.action,
            "target": self.target,
        }
        return {key: value for key, value in values.items() if value}


SYSTEM_ACTOR = "-"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_log(events: QuerySet[AuditEvent], chosen: LogFilter) -> QuerySet[AuditEvent]:
    if chosen.start is not None:
        events = events.filter(at__gte=_start_of(chosen.start))
    if chosen.end is not None:
        events = events.filter(at__lt=_start_of(chosen.end + dt.timedelta(days=1)))
    if chosen.actor == SYSTEM_ACTOR:
        events = events.filter(actor__isnull=True)
    elif chosen.actor:
        events = events.filter(actor__username__icontains=chosen.actor)
    if chosen.family:
        events = events.filter(family_condition(chosen.family))
    if chosen.action:
        events = events.filter(action=chosen.action)
    if chosen.target:
        events = events.filter(target__icontains=chosen.target)
    return events


def known_actions() -> list[str]:
    """Every action name in the log, sorted (for the filter's choices)."""
    return sorted(set(AuditEvent.objects.values_list("action", flat=True).distinct()))


def target_names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """Who ``user:N`` and ``employee:N`` targets are, for the events of one page."""
    from veikart.organisations.models import Employee

    ids: dict[str, set[int]] = {"user": set(), "employee": set()}
    for event in events:
        kind, _sep, number = event.target.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    names = {
        f"user:{pk}": username
        for pk, username in User.objects.filter(pk__in=ids["user"]).values_list("pk", "username")
    }
    for employee in Employee.objects.filter(pk__in=ids["employee"]):
        names[f"employee:{employee.pk}"] = employee.full_name
    return names


# --- retention: what the purges did --------------------------------------------------------------


@dataclass(frozen=True)
class Purge:
    at: dt.datetime
    actor: User | None
    snapshots: int | None
    before: dt.date | None


def purges(limit: int = 10) -> list[Purge]:
    """The latest purges of raw usage data, newest first, as the audit log recorded them."""
    found = []
    events = AuditEvent.objects.filter(action=PURGE_ACTION).select_related("actor")
    for event in events.order_by("-at", "-pk")[:limit]:
        detail = event.detail if isinstance(event.detail, dict) else {}
        snapshots = detail.get("purged_snapshots")
        try:
            before = dt.date.fromisoformat(str(detail.get("before")))
        except ValueError:
            before = None
        found.append(
            Purge(
                at=event.at,
                actor=event.actor,
                snapshots=snapshots if isinstance(snapshots, int) else None,
                before=before,
            )
        )
    return found


# --- CSV ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvColumns:
    at: str
    actor: str
    family: str
    action: str
    target: str
    detail: str
    system: str = ""


def detail_text(detail: object) -> str:
    """An event's details as one line of JSON (empty when there are none)."""
    if not detail:
        return ""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


def _safe(text: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def log_csv(events: Iterable[AuditEvent], columns: CsvColumns) -> bytes:
    """The events as Norwegian-Excel CSV: UTF-8 with BOM, ``;``, local times as 31.12.2020 23:59:59.

    ``columns`` holds the (translated) header texts, and the word for events without a person.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(
        [columns.at, columns.actor, columns.family, columns.action, columns.target, columns.detail]
    )
    for event in events:
        actor = event.actor.get_username() if event.actor is not None else columns.system
        writer.writerow(
            [
                f"{timezone.localtime(event.at):%d.%m.%Y %H:%M:%S}",
                _safe(actor),
                str(family_of(event.action).label),
                _safe(event.action),
                _safe(event.target),
                _safe(detail_text(event.detail)),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
