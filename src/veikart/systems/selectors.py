"""Reads of the inventory and the decisions, always for a user.

IT / system owners, the programme lead and administrators edit; the executive reads; everyone
else is refused (403). Views, the API and the export call these functions and nothing below them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from veikart.core.access import Access, AnyUser, get_access
from veikart.core.collation import sort_key
from veikart.organisations.models import FormerOrganisation, Organisation
from veikart.systems.constants import (
    EDITOR_ROLES,
    READER_ROLES,
    Category,
    DecisionKind,
    DecisionStatus,
)
from veikart.systems.models import Decision, System
from veikart.systems.overlap import CategoryOverlap, OverlapSummary, SystemFact, find_overlaps

Who = AnyUser | Access | None


def _access(who: Who) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def can_read_systems(who: Who) -> bool:
    return bool(_access(who).roles & READER_ROLES)


def can_edit_systems(who: Who) -> bool:
    """IT / system owner, programme lead and administrator edit, import and decide."""
    return bool(_access(who).roles & EDITOR_ROLES)


def require_editor(who: Who) -> None:
    if not can_edit_systems(who):
        raise PermissionDenied


def get_organisation() -> Organisation | None:
    return Organisation.objects.first()


def get_former_organisations() -> list[FormerOrganisation]:
    return list(FormerOrganisation.objects.order_by("code"))


def get_systems_for_user(who: Who) -> QuerySet[System]:
    """Every system, for those who may read the inventory; PermissionDenied for others."""
    if not can_read_systems(who):
        raise PermissionDenied
    return System.objects.select_related("former_organisation", "decision")


def get_system_for_user(who: Who, pk: int) -> System:
    try:
        return get_systems_for_user(who).get(pk=pk)
    except System.DoesNotExist:
        raise Http404("No such system") from None


def get_decisions_for_user(who: Who) -> QuerySet[Decision]:
    if not can_read_systems(who):
        raise PermissionDenied
    return Decision.objects.prefetch_related("systems__former_organisation", "replacement_systems")


def get_decision_for_user(who: Who, pk: int) -> Decision:
    try:
        return get_decisions_for_user(who).get(pk=pk)
    except Decision.DoesNotExist:
        raise Http404("No such decision") from None


# --- The inventory list --------------------------------------------------------------------------

SORTS = ("name", "category", "former", "vendor", "users", "cost", "contract", "decision")


def _former_key(system: System) -> str:
    # Former organisations first (by code), the merged organisation's own systems last.
    return system.former_organisation.code if system.former_organisation else "\uffff"


def _sort_value(system: System, sort: str) -> tuple[object, ...]:
    name = (system.sort_key, system.name)
    if sort == "category":
        return (sort_key(system.get_category_display()), *name, _former_key(system))
    if sort == "former":
        return (_former_key(system), *name)
    if sort == "vendor":
        return (sort_key(system.vendor) or "\uffff", *name)
    if sort == "users":
        return (-(system.users or -1), *name)
    if sort == "cost":
        return (-(system.yearly_cost_nok if system.yearly_cost_nok is not None else -1), *name)
    if sort == "contract":
        return (system.contract_end is None, system.contract_end or 0, *name)
    if sort == "decision":
        return (system.decision is not None, *name)
    return (*name, _former_key(system))


def inventory_for_user(
    who: Who, *, former: str = "", category: str = "", sort: str = "name", query: str = ""
) -> list[System]:
    """The inventory filtered by former organisation code ("felles" = the merged organisation's
    own systems) and category key, sorted in Norwegian order by ``sort`` (one of SORTS)."""
    systems = get_systems_for_user(who)
    if former == "felles":
        systems = systems.filter(former_organisation__isnull=True)
    elif former:
        systems = systems.filter(former_organisation__code=former)
    if category:
        systems = systems.filter(category=category)
    for word in query.split():
        systems = systems.filter(name__icontains=word) | systems.filter(vendor__icontains=word)
    return sorted(systems, key=lambda s: _sort_value(s, sort if sort in SORTS else "name"))


# --- Overlaps and the matrix -----------------------------------------------------------------


def overlaps_for_user(who: Who) -> OverlapSummary:
    systems = get_systems_for_user(who).values_list(
        "former_organisation_id", "name", "category", "decision_id"
    )
    return find_overlaps(
        SystemFact(former_id, name, category, decision_id is not None)
        for former_id, name, category, decision_id in systems
    )


_PROGRESS = {
    DecisionStatus.PLANNED.value: 0,
    DecisionStatus.IN_PROGRESS.value: 1,
    DecisionStatus.DONE.value: 2,
}


@dataclass
class MergedEntry:
    """One system the merged organisation will run in a category, and why."""

    name: str
    kind: str  # "keep", "merge", "replacement" (chosen to replace others) or "own"
    status: str  # the least advanced status of the decisions behind it; "" for "own"
    replaces: list[str] = field(default_factory=list)
    system: System | None = None

    @property
    def status_label(self) -> str:
        return str(DecisionStatus(self.status).label) if self.status else ""


@dataclass
class MatrixRow:
    category: str
    cells: list[list[System]]  # one list per former organisation, in column order
    merged: list[MergedEntry]
    overlap: CategoryOverlap | None

    @property
    def label(self) -> str:
        return str(Category(self.category).label)

    @property
    def undecided(self) -> list[str]:
        return sorted(
            {s.name for cell in self.cells for s in cell if s.decision is None},
            key=sort_key,
        )


@dataclass
class Matrix:
    organisation: Organisation | None
    formers: list[FormerOrganisation]
    rows: list[MatrixRow]
    overlaps: OverlapSummary
    status: str


MATRIX_STATUSES = ("", *_PROGRESS, "undecided")


def _matches(system: System, status: str) -> bool:
    if not status:
        return True
    if status == "undecided":
        return system.decision is None
    return system.decision is not None and system.decision.status == status


def matrix_for_user(who: Who, *, status: str = "") -> Matrix:
    """Rows = categories (Norwegian order), columns = each former organisation and the merged
    one. ``status`` ("planned", "in_progress", "done", "undecided") keeps only the systems whose
    decision has that status; rows left empty are dropped."""
    status = status if status in MATRIX_STATUSES else ""
    systems = list(get_systems_for_user(who).prefetch_related("decision__replacement_systems"))
    formers = get_former_organisations()
    column = {f.pk: i for i, f in enumerate(formers)}
    by_category: dict[str, list[System]] = defaultdict(list)
    for system in systems:
        by_category[system.category].append(system)
    overlaps = find_overlaps(
        SystemFact(s.former_organisation_id, s.name, s.category, s.decision is not None)
        for s in systems
    )
    rows = []
    for category, members in by_category.items():
        cells: list[list[System]] = [[] for _ in formers]
        for system in members:
            if system.former_organisation_id is not None and _matches(system, status):
                cells[column[system.former_organisation_id]].append(system)
        merged = [e for e in _merged_entries(members) if not status or e.status == status]
        if not any(cells) and not merged:
            continue
        rows.append(MatrixRow(category, cells, merged, overlaps.get(category)))
    rows.sort(key=lambda r: sort_key(r.label))
    return Matrix(get_organisation(), formers, rows, overlaps, status)


def _merged_entries(members: list[System]) -> list[MergedEntry]:
    entries: dict[str, MergedEntry] = {}

    def add(name: str, kind: str, status: str, system: System | None = None) -> MergedEntry:
        entry = entries.get(name.casefold())
        if entry is None:
            entry = entries[name.casefold()] = MergedEntry(name, kind, status, system=system)
        elif status and (not entry.status or _PROGRESS[status] < _PROGRESS[entry.status]):
            entry.status = status
        return entry

    for system in members:
        decision = system.decision
        if system.former_organisation_id is None:
            continue
        if decision is None or decision.kind == DecisionKind.RETIRE:
            continue
        if decision.kind in (DecisionKind.KEEP, DecisionKind.MERGE):
            add(system.name, decision.kind, decision.status)
            continue
        targets = [t.name for t in decision.replacement_systems.all()] or [decision.replacement]
        for target in targets:
            entry = add(target, "replacement", decision.status)
            if system.name not in entry.replaces:
                entry.replaces.append(system.name)
    for system in members:
        if system.former_organisation_id is None:
            existing = entries.get(system.name.casefold())
            if existing is None:
                add(system.name, "own", "", system)
            else:
                existing.system = system
    for entry in entries.values():
        entry.replaces.sort(key=sort_key)
    return sorted(entries.values(), key=lambda e: (sort_key(e.name), e.name))
