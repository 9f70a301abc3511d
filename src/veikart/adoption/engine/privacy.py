"""Complementary suppression: which of the engine's figures may be published.

:func:`plan_suppression` takes the engine's ``people`` table and says, for every cell the engine
can compute — every breakdown of :data:`BREAKDOWNS`, every ISO week and every month — how many
people it covers (``n``, the same number :func:`~veikart.adoption.engine.compute` reports) and
whether its figures may be shown (``visible``). It reads no usage data: which cells are safe
depends only on who is in them. No Django imports.

Threat model. The reader knows exactly who is in every cell (every person's unit, attributes and
weeks) and sees, for every visible cell, ``n`` and sums over the cell's person-weeks; the usage
values are the secret. A cell is the indicator vector of its person-weeks: a week cell covers its
members' rows of that week, a month cell its members' rows in the weeks of that month, so a month
cell is the sum of the same group's week cells.

Guarantees (checked with exact linear algebra in tests/adoption/test_privacy.py):

1. every cell with ``0 < n < k`` is hidden;
2. no hidden cell's vector lies in the linear span of the visible cells' vectors (over all
   breakdowns, weeks and months together): no hidden figure follows from visible ones by any
   combination of sums and differences;
3. no single person-week lies in that span;
4. no small group (``0 < n < k``) of the following kinds lies in the span either: the direct
   members of a unit (those whose own unit it is, not a unit below), alone or with one value of an
   attribute the units are broken down by; and the *residual* of a visible figure — a visible cell
   minus its visible parts in one additive relation (a unit minus its visible sub-units; a total
   minus its visible attribute cells) — has ``n = 0`` or ``n >= k``.

Months. A month cell is visible exactly when every week cell of the same group in that month
(every one that has people) is visible. A visible month cell is then the sum of visible week
cells and adds nothing to the span; and a hidden month cell has a hidden week part, which is not
in the span of its week, and the weeks' spans are independent (disjoint person-weeks) — so
everything above holds for months once it holds for each week. ``n`` of a month counts people once
even if they moved or changed attributes within the month, as the engine does; visibility never
rests on the month's ``n`` alone.

Weeks: the algorithm. Within a week every cell is a set of *types* — people with the same unit
and the same values of the attributes in use. Let a *mass* be a vector over the coordinates
"everyone" and (attribute, value); a person's mass vector μ has a 1 for everyone and for each of
their values. A witness (a vector over person-weeks orthogonal to every visible cell) is described
by, for every unit u, the total mass m_u of its subtree: m_u = d_u + Σ m_c (d_u from u's direct
members, any vector in the span G_u of their μ; c the children) and a visible cell of u is a
coordinate that must be 0 in m_u (for the organisation level, in the total of the top units).
A hidden cell is safe exactly when some witness gives its coordinate a non-zero mass. The
witnesses' masses form subspaces that can be computed exactly along the tree:

    K_u   = (G_u + Σ_c K_c) ∩ {m: m_i = 0 for u's visible coordinates i}     (bottom-up)
    Out_c = (Out_u ∩ {u's visible coordinates 0}) + G_u + Σ_{s ≠ c} K_s       (top-down)

and the masses of u's subtree over all witnesses are K_u ∩ Out_u. With at most a few dozen
coordinates this is small exact integer linear algebra per unit, memoised across units and weeks.

The plan starts from plain suppression (n < k hidden) and then repeats two steps until both
find nothing:

* the relations — a unit's cell of a group = its sub-units' cells of that group + its direct
  members in the group; a total = its cells of one attribute; the organisation's cell of a value
  of an attribute units are not broken down by = the visible subtrees made only of that value +
  the rest. Where a visible cell's hidden part is a single hidden cell or fewer than k people,
  or a hidden cell is exactly its visible parts, the cheapest candidate is hidden (see
  ``_WEIGHTS``: parts before totals, unit × attribute cells before unit totals before
  organisation-level cells; then the smallest n);
* the exact test above for every hidden cell, every person-week whose type has one person, and
  every small group of direct members. Whatever it finds recoverable gets more hidden: hiding
  every visible cell would make it safe, and hiding more never makes anything recoverable, so
  the shortest cost-ordered prefix of the visible cells whose hiding fixes it is found by
  bisection, and its last cell hidden.

Cells that are the same set of people (a unit whose only members sit in its one sub-unit, a unit
where everybody has the same value) share one visibility: they are one figure shown twice.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import functools
import math
import multiprocessing
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# The engine's GROUPS that a plan covers: the unit subtree and the person attributes.
UNIT = "unit_subtree"
ATTRIBUTES: tuple[str, ...] = ("former_org", "is_leader", "training_status", "unit_type")

BREAKDOWNS: tuple[tuple[str, ...], ...] = (
    (),  # the whole organisation
    ("former_org",),
    ("is_leader",),
    ("training_status",),
    ("unit_type",),
    ("unit_subtree",),
    ("unit_subtree", "is_leader"),
    ("unit_subtree", "former_org"),
    ("unit_subtree", "training_status"),
)

PLAN_SCHEMA = pa.schema(
    [
        pa.field("period", pa.date32()),
        pa.field("breakdown", pa.string()),
        pa.field("unit_subtree", pa.int64()),
        pa.field("attribute", pa.string()),
        pa.field("n", pa.int64()),
        pa.field("visible", pa.bool_()),
    ]
)

_REQUIRED = ("person", "week_start", "unit_id", "unit_path", *ATTRIBUTES)
_TYPES: dict[str, pa.DataType] = {
    "person": pa.string(),
    "week_start": pa.date32(),
    "unit_id": pa.int64(),
    "unit_path": pa.string(),
    "former_org": pa.string(),
    "is_leader": pa.bool_(),
    "training_status": pa.string(),
    "unit_type": pa.string(),
    "employee_id": pa.int64(),
}
_ROOT = -1  # the node above the top units: the whole organisation


def attribute_text(value: object) -> str:
    """An attribute value as the ``attribute`` column shows it.

    Booleans are ``"true"`` / ``"false"``, text is itself and a missing value (null, e.g. the
    former organisation of someone hired after the merger) is the empty string ``""`` — a
    category like any other. An empty string is not a valid value (it would read as null).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if not value:
            raise ValueError("an attribute value cannot be the empty string (it reads as null)")
        return value
    raise TypeError(f"attribute values are text or booleans, not {type(value).__name__}")


def plan_suppression(
    people: pa.Table, *, k: int, breakdowns: Sequence[tuple[str, ...]] = BREAKDOWNS
) -> dict[str, pa.Table]:
    """Which figures may be published, for grain ``"week"`` and ``"month"`` (keys of the dict).

    ``people`` is the engine's people table (:data:`~veikart.adoption.engine.PEOPLE_SCHEMA`).
    Each returned table has the columns of :data:`PLAN_SCHEMA`, one row per cell with people in
    it: ``period`` (the week's Monday, or the first of the month; a week belongs to the month of
    its Thursday), ``breakdown`` (the group names joined by ``"+"``, ``""`` for the whole
    organisation), ``unit_subtree`` (null unless the breakdown has it), ``attribute`` (the value
    as :func:`attribute_text` renders it; null unless the breakdown has an attribute), ``n``
    (people in the cell, as the engine counts them) and ``visible``. Rows are sorted by
    breakdown (in the order given), period, unit and attribute. The module docstring states the
    guarantees and the algorithm.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    specs = _breakdowns(breakdowns)
    data = _Input(_people_table(people), specs)
    weeks = _plan_weeks(data, specs, k)
    months = _months(data, specs, weeks)
    return {"week": _table(data, specs, weeks), "month": _table(data, specs, months)}


# --- breakdowns and input ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    key: str  # the group names joined by "+"
    order: int
    unit: bool
    attribute: str | None


def _breakdowns(breakdowns: Sequence[tuple[str, ...]]) -> list[_Spec]:
    specs: list[_Spec] = []
    seen: set[frozenset[str]] = set()
    for order, groups in enumerate(breakdowns):
        groups = tuple(groups)
        unknown = [g for g in groups if g != UNIT and g not in ATTRIBUTES]
        if unknown:
            raise ValueError(
                f"unknown groups {unknown} in {groups}; known: {', '.join((UNIT, *ATTRIBUTES))}"
            )
        attributes = [g for g in groups if g in ATTRIBUTES]
        if len(set(groups)) != len(groups) or len(attributes) > 1:
            raise ValueError(
                f"a breakdown has at most the unit subtree and one attribute, not {groups}"
            )
        if frozenset(groups) in seen:
            raise ValueError(f"the breakdown {groups} is given twice")
        seen.add(frozenset(groups))
        specs.append(
            _Spec("+".join(groups), order, UNIT in groups, attributes[0] if attributes else None)
        )
    return specs


def _people_table(people: pa.Table) -> pa.Table:
    missing = [name for name in _REQUIRED if name not in people.column_names]
    if missing:
        raise ValueError(f"people lacks the columns {', '.join(missing)}")
    if "employee_id" not in people.column_names:
        people = people.append_column("employee_id", pa.nulls(people.num_rows, pa.int64()))
    try:
        table = people.select(list(_TYPES)).cast(
            pa.schema([pa.field(name, kind) for name, kind in _TYPES.items()])
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"people does not fit the expected columns and types: {exc}") from exc
    empty = sum(table[name].null_count for name in ("person", "week_start", "unit_id", "unit_path"))
    if empty:
        raise ValueError(
            f"people: {empty} missing values in person, week_start, unit_id, unit_path"
        )
    return table


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[object]]:
    """Small integers for a column's values (-1 for null) and the values they stand for."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return indices.astype(np.int64), encoded.dictionary.to_pylist()


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by sorting (numpy's hashing unique is slow on big arrays)."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def _distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values and how often each occurs."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(keep)
    return ordered[starts], np.diff(np.append(starts, ordered.size))


def _ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values and each value's position among them."""
    if not values.size:
        return values, values
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span <= max(4 * values.size, 1 << 16):  # a small range: count instead of sorting
        present = np.bincount(values - low, minlength=span) > 0
        return np.flatnonzero(present) + low, (np.cumsum(present) - 1)[values - low]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.ones(ordered.size, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    rank = np.empty(values.size, dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return ordered[new], rank


@dataclass
class _Layout:
    """Coordinate 0 is "everyone"; then one per (attribute, value) of the attributes in use.

    A profile is one combination of attribute values; ``masks[p]`` has the bits of the
    coordinates a person of profile p counts in, ``vectors[p]`` is that as a 0/1 vector (μ).
    """

    attributes: tuple[str, ...]
    coordinates: list[tuple[str, object]]  # index → (attribute, value); index 0 is ("", None)
    top: int  # bits of the coordinates with a cell at the organisation level
    units: int  # bits of the coordinates with a cell at unit level
    masks: list[int] = field(default_factory=list)
    vectors: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.coordinates)


class _Input:
    """The people table as integer arrays, checked as the engine checks it (and a little more).

    Rows are person-weeks; ``week`` indexes ``mondays``, ``path`` indexes ``paths`` (the unit ids
    from the top), ``profile`` indexes the layout's profiles, ``coordinate[a]`` is the row's
    coordinate for attribute a, ``who`` the person as the engine counts them in a month (the
    employee_id, or the pseudonym when there is none).
    """

    def __init__(self, table: pa.Table, specs: list[_Spec]) -> None:
        rows = table.num_rows
        days = table["week_start"].combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False)
        self.mondays, self.week = _ranks(days.astype(np.int64))
        if np.any((self.mondays.astype(np.int64) + 3) % 7):  # 1970-01-01 was a Thursday
            bad = int(np.count_nonzero((days.astype(np.int64) + 3) % 7))
            raise ValueError(f"people: {bad} rows have a week_start that is not a Monday")
        self.path, texts = _codes(table["unit_path"])
        self.paths = [_parse_path(str(text)) for text in texts]
        last = np.array([ids[-1] for ids in self.paths], dtype=np.int64)
        unit_id = table["unit_id"].to_numpy()
        if rows and np.any(last[self.path] != unit_id):
            bad = int(np.count_nonzero(last[self.path] != unit_id))
            raise ValueError(f"people: {bad} rows have a unit_path that does not end with unit_id")
        person, _ = _codes(table["person"])
        if rows and _distinct(self.week * (person.max() + 1) + person).size != rows:
            raise ValueError("people: rows repeat a person and week_start")
        employee = table["employee_id"]
        if employee.null_count not in (0, rows):
            raise ValueError("people: employee_id must be given for every row or for none")
        self.who = person
        if rows and employee.null_count == 0:
            self.who, _ = _codes(employee)
            if _distinct(self.week * (self.who.max() + 1) + self.who).size != rows:
                raise ValueError("people: rows repeat an employee_id and week_start")
        self.attributes = tuple(a for a in ATTRIBUTES if any(s.attribute == a for s in specs))
        coordinates: list[tuple[str, object]] = [("", None)]
        self.coordinate: dict[str, np.ndarray] = {}
        for attribute in self.attributes:
            codes, values = _codes(table[attribute])
            if "" in values:
                raise ValueError(f"people: {attribute} has the empty string as a value")
            present = sorted(
                {values[c] if c >= 0 else None for c in _distinct(codes).tolist()},
                key=_value_order,
            )
            where = {value: len(coordinates) + j for j, value in enumerate(present)}
            coordinates.extend((attribute, value) for value in present)
            lookup = np.array([where.get(v, -1) for v in [*values, None]], dtype=np.int64)
            self.coordinate[attribute] = lookup[codes]  # code -1 takes the last entry: None
        top = int(any(not s.unit and s.attribute is None for s in specs))
        units = int(any(s.unit and s.attribute is None for s in specs))
        for spec in specs:
            if spec.attribute is None:
                continue
            bits = sum(1 << i for i, (a, _) in enumerate(coordinates) if a == spec.attribute)
            if spec.unit:
                units |= bits
            else:
                top |= bits
        self.layout = _Layout(self.attributes, coordinates, top, units)
        combined = np.zeros(rows, dtype=np.int64)
        for attribute in self.attributes:
            combined = combined * len(coordinates) + self.coordinate[attribute]
        combos, self.profile = _ranks(combined)
        # per attribute, each profile's coordinate
        self.profile_coordinate = {
            a: np.zeros(combos.size, dtype=np.int64) for a in self.attributes
        }
        for j, combo in enumerate(combos.tolist()):
            coords = [0]
            for attribute in reversed(self.attributes):
                combo, coordinate = divmod(combo, len(coordinates))
                coords.append(coordinate)
                self.profile_coordinate[attribute][j] = coordinate
            self.layout.masks.append(sum(1 << i for i in coords))
            self.layout.vectors.append(
                tuple(1 if i in coords else 0 for i in range(len(coordinates)))
            )

    def weeks(self) -> Iterator[_Week]:
        """The types of each week: unit path, profile and how many people."""
        profiles = max(len(self.layout.masks), 1)
        key = (self.week * len(self.paths) + self.path) * profiles + self.profile
        keys, counts = _distinct_counts(key)
        rest, profile = np.divmod(keys, profiles)
        week, path = np.divmod(rest, max(len(self.paths), 1))
        bounds = np.flatnonzero(np.diff(week)) + 1
        for part in np.split(np.arange(keys.size), bounds):
            if part.size:
                w = int(week[part[0]])
                monday = _EPOCH + dt.timedelta(days=int(self.mondays[w]))
                yield _Week(
                    w,
                    monday,
                    [self.paths[i] for i in path[part].tolist()],
                    profile[part].tolist(),
                    counts[part].tolist(),
                )


_EPOCH = dt.date(1970, 1, 1)


def _parse_path(text: str) -> tuple[int, ...]:
    parts = text.split("/")
    if (
        len(parts) < 3
        or parts[0]
        or parts[-1]
        or not all(p.isascii() and p.isdigit() for p in parts[1:-1])
    ):
        raise ValueError(f"people: the unit path {text!r} is not like /3/17/42/")
    ids = tuple(int(p) for p in parts[1:-1])
    if len(set(ids)) != len(ids):
        raise ValueError(f"people: the unit path {text} names a unit twice")
    return ids


@dataclass
class _Week:
    index: int
    monday: dt.date
    paths: list[tuple[int, ...]]
    profiles: list[int]
    counts: list[int]


def _value_order(value: object) -> tuple[int, str]:
    return (0, "") if value is None else (1, attribute_text(value))


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# --- exact subspaces ---------------------------------------------------------------------------

_Basis = tuple[tuple[int, ...], ...]


def _echelon(rows: Iterable[Sequence[int]], width: int) -> _Basis:
    """The reduced row echelon form of the rows' span over the rationals, each row scaled to
    coprime integers with a positive pivot — a canonical form of the subspace."""
    return _echelon_of(tuple(tuple(r) for r in rows), width)


@functools.lru_cache(maxsize=1 << 16)  # shared by calls and threads; pure, so safe to share
def _echelon_of(rows: _Basis, width: int) -> _Basis:
    work = [list(r) for r in rows if any(r)]
    done: list[list[int]] = []
    for column in range(width):
        at = next((j for j, r in enumerate(work) if r[column]), None)
        if at is None:
            continue
        pivot = work.pop(at)
        p = pivot[column]
        for rows_ in (work, done):
            for j, r in enumerate(rows_):
                c = r[column]
                if c:
                    rows_[j] = _primitive([p * x - c * y for x, y in zip(r, pivot, strict=True)])
        done.append(_primitive(pivot))
        work = [r for r in work if any(r)]
        if not work:
            break
    return tuple(tuple(r) for r in done)


def _primitive(row: list[int]) -> list[int]:
    """The row divided by the gcd of its entries, its first non-zero entry positive."""
    lead = next((x for x in row if x), 0)
    g = math.gcd(*row) if lead > 0 else -math.gcd(*row)
    return [x // g for x in row] if g not in (0, 1) else row


class _Spaces:
    """Subspaces of Q^width, interned as small integers, with memoised sum and intersection."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.bases: list[_Basis] = []
        self.supports: list[int] = []
        self._ids: dict[_Basis, int] = {}
        self._add: dict[tuple[int, int], int] = {}
        self._meet: dict[tuple[int, int], int] = {}
        self._spans: dict[frozenset[int], int] = {}
        self._planes: dict[int, int] = {}
        self.zero = self.intern(())
        self.full = self.intern(
            tuple(tuple(int(i == j) for j in range(width)) for i in range(width))
        )

    def intern(self, basis: _Basis) -> int:
        found = self._ids.get(basis)
        if found is None:
            found = len(self.bases)
            self._ids[basis] = found
            self.bases.append(basis)
            support = 0
            for row in basis:
                support |= sum(1 << i for i, x in enumerate(row) if x)
            self.supports.append(support)
        return found

    def span(self, key: frozenset[int], vectors: list[tuple[int, ...]]) -> int:
        """The span of ``vectors[p]`` for p in ``key`` (profiles)."""
        found = self._spans.get(key)
        if found is None:
            found = self.intern(_echelon((vectors[p] for p in key), self.width))
            self._spans[key] = found
        return found

    def add(self, a: int, b: int) -> int:
        if a == b or b == self.zero or a == self.full:
            return a
        if a == self.zero or b == self.full:
            return b
        key = (a, b) if a < b else (b, a)
        found = self._add.get(key)
        if found is None:
            found = self.intern(_echelon(self.bases[a] + self.bases[b], self.width))
            self._add[key] = found
        return found

    def meet(self, a: int, b: int) -> int:
        """The intersection (Zassenhaus: reduce [a | a] and [b | 0]; rows [0 | x] span it)."""
        if a == b or b == self.full or a == self.zero:
            return a
        if a == self.zero or b == self.zero:
            return self.zero
        if a == self.full:
            return b
        key = (a, b) if a < b else (b, a)
        found = self._meet.get(key)
        if found is None:
            zeros = (0,) * self.width
            rows = [r + r for r in self.bases[a]] + [r + zeros for r in self.bases[b]]
            reduced = _echelon(rows, 2 * self.width)
            found = self.intern(
                _echelon((r[self.width :] for r in reduced if not any(r[: self.width])), self.width)
            )
            self._meet[key] = found
        return found

    def vanish(self, a: int, mask: int) -> int:
        """The vectors of ``a`` that are 0 at the coordinates in ``mask``."""
        if not self.supports[a] & mask:
            return a
        plane = self._planes.get(mask)
        if plane is None:
            plane = self.intern(
                tuple(
                    tuple(int(i == j) for j in range(self.width))
                    for i in range(self.width)
                    if not mask >> i & 1
                )
            )
            self._planes[mask] = plane
        return self.meet(a, plane)

    def within(self, a: int, b: int) -> bool:
        return self.add(a, b) == b


# --- one week ----------------------------------------------------------------------------------

# Something the exact test found recoverable: ("cell", cell, 0) a hidden cell; ("person", unit,
# profile) the person-week of a type with one person; ("direct", unit, coordinate) a small group
# of a unit's direct members.
_Problem = tuple[str, int, int]


class _Tree:
    """The units of a week, parents before children (breadth first), with the organisation
    (``_ROOT``) as row 0; the same for every week with the same unit paths."""

    def __init__(self, paths: Iterable[tuple[int, ...]], monday: dt.date) -> None:
        parent: dict[int, int] = {}
        for ids in paths:
            above = _ROOT
            for unit in ids:
                known = parent.setdefault(unit, above)
                if known != above:
                    raise ValueError(
                        f"people: in the week of {monday} unit {unit} sits under both "
                        f"{_name(known)} and {_name(above)}"
                    )
                above = unit
        children: dict[int, list[int]] = {_ROOT: []}
        for unit in sorted(parent):
            children.setdefault(unit, [])
            children.setdefault(parent[unit], []).append(unit)
        order = [_ROOT]
        for node in order:
            order.extend(children[node])
        self.parent = parent
        self.children = children
        self.order = order
        self.row = {node: j for j, node in enumerate(order)}
        self.up = np.array([0, *(self.row[parent[u]] for u in order[1:])], dtype=np.int64)
        depth = [0] * len(order)
        for j in range(1, len(order)):
            depth[j] = depth[int(self.up[j])] + 1
        self.depth = dict(zip(order, depth, strict=True))
        self.depths = np.asarray(depth, dtype=np.int64)
        self.levels = [np.flatnonzero(self.depths == d) for d in range(max(depth) + 1)]

    def path(self, node: int) -> list[int]:
        """The node and its ancestors up to the organisation."""
        found = [node]
        while found[-1] != _ROOT:
            found.append(self.parent[found[-1]])
        return found


class _WeekPlan:
    """The cells of one week and which of them are visible (see the module docstring)."""

    def __init__(self, layout: _Layout, spaces: _Spaces, tree: _Tree, week: _Week, k: int) -> None:
        self.layout = layout
        self.spaces = spaces
        self.k = k
        self.dirty: set[int] = set()
        self.masks: dict[int, int] = {}  # filled by _prepare, for the exact test
        self.tree = tree
        self.parent = tree.parent
        self.children = tree.children
        self.order = tree.order
        self.depth = tree.depth
        self._counts(week)
        self._cells()
        self._relations()

    # structure

    def _counts(self, week: _Week) -> None:
        """n and signature of every node and coordinate: the direct members', summed up."""
        tree, layout = self.tree, self.layout
        direct: dict[int, dict[int, int]] = {}
        for ids, profile, count in zip(week.paths, week.profiles, week.counts, strict=True):
            members = direct.setdefault(ids[-1], {})
            members[profile] = members.get(profile, 0) + count
        units = np.asarray([ids[-1] for ids in week.paths], dtype=np.int64)
        row = np.asarray([tree.row[u] for u in units.tolist()], dtype=np.int64)
        profiles = np.asarray(week.profiles, dtype=np.int64)
        vectors = np.asarray(layout.vectors, dtype=np.int64)[profiles]
        own = np.zeros((len(tree.order), layout.width), dtype=np.int64)
        np.add.at(own, row, vectors * np.asarray(week.counts, dtype=np.int64)[:, None])
        marks = np.zeros((len(tree.order), layout.width), dtype=np.uint64)
        np.add.at(marks, row, vectors.astype(np.uint64) * _marks(units, profiles)[:, None])
        total = own.copy()
        for at in reversed(tree.levels[1:]):
            np.add.at(total, tree.up[at], total[at])
            np.add.at(marks, tree.up[at], marks[at])
        self.direct = direct
        self.own = own
        self.total = total
        self.marks = marks

    def _cells(self) -> None:
        """Every cell with people, its n, and the groups of cells that are the same set of
        people (same n and same signature: the sum of their types' pseudo-random marks)."""
        layout = self.layout
        allowed = np.array(
            [
                [bool(mask >> i & 1) for i in range(layout.width)]
                for mask in (layout.top, layout.units)
            ]
        )
        present = (self.total > 0) & allowed[np.minimum(np.arange(len(self.order)), 1)]
        row, coordinate = np.nonzero(present)
        n = self.total[row, coordinate]
        signature = self.marks[row, coordinate]
        self.cell_row = row
        self.cell_node: list[int] = np.asarray(self.order, dtype=np.int64)[row].tolist()
        self.cell_coord: list[int] = coordinate.tolist()
        self.cell_n: list[int] = n.tolist()
        self.cell_at = {
            key: c for c, key in enumerate(zip(self.cell_node, self.cell_coord, strict=True))
        }
        by_set = np.lexsort((n, signature))
        new = np.ones(by_set.size, dtype=bool)
        new[1:] = (signature[by_set][1:] != signature[by_set][:-1]) | (
            n[by_set][1:] != n[by_set][:-1]
        )
        group = np.empty(by_set.size, dtype=np.int64)
        group[by_set] = np.cumsum(new) - 1
        groups = int(new.sum())
        self.groups = groups
        self.group_of: list[int] = group.tolist()
        self._members: list[int] = by_set.tolist()
        self._member_start: list[int] = [*np.flatnonzero(new).tolist(), by_set.size]
        self.visible: list[bool] = (n[by_set][new] >= self.k).tolist()
        # the cost of hiding a group (see _WEIGHTS): weight, n, deeper first, first cell
        weight = np.asarray(_WEIGHTS)[(row == 0) * 2 + (coordinate == 0)]
        deepest = np.zeros(groups, dtype=np.int64)
        np.maximum.at(deepest, group, self.tree.depths[row])
        self.cost: list[tuple[int, int, int, int]] = list(
            zip(
                np.bincount(group, weights=weight, minlength=groups).astype(np.int64).tolist(),
                n[by_set][new].tolist(),
                (-deepest).tolist(),
                by_set[new].tolist(),
                strict=True,
            )
        )

    def members(self, group: int) -> list[int]:
        return self._members[self._member_start[group] : self._member_start[group + 1]]

    def _relations(self) -> None:
        """The additive relations, as flat arrays: relation r has the total cell
        ``rel_total[r]``, the part cells ``rel_parts[rel_start[r]:rel_start[r + 1]]`` and
        ``rel_residual[r]`` people in no part (-1: the parts are nested subtrees, of which only
        the outermost visible ones count). ``involved(g)`` are the relations of group g."""
        layout = self.layout
        row = self.cell_row
        coordinate = np.asarray(self.cell_coord, dtype=np.int64)
        cells = row.size
        grid = np.full((len(self.order), layout.width), -1, dtype=np.int64)
        grid[row, coordinate] = np.arange(cells)
        by_unit = np.array([bool(layout.units >> i & 1) for i in range(layout.width)])
        # a unit's cell of a group = its sub-units' cells of the group + its direct members
        vertical = np.flatnonzero(by_unit[coordinate])
        totals = [vertical]
        residual = [np.where(row[vertical] == 0, 0, self.own[row[vertical], coordinate[vertical]])]
        relation_of = np.full(cells, -1, dtype=np.int64)
        relation_of[vertical] = np.arange(vertical.size)
        below = np.flatnonzero(row > 0)
        above = grid[self.tree.up[row[below]], coordinate[below]]
        keep = above >= 0
        keep[keep] = relation_of[above[keep]] >= 0
        owners = [relation_of[above[keep]]]
        parts = [below[keep]]
        count = vertical.size
        # a total (a unit's or the organisation's) = its cells of one attribute
        attributes = max(len(layout.attributes), 1)
        attribute = np.asarray(
            [layout.attributes.index(a) if a else -1 for a, _ in layout.coordinates],
            dtype=np.int64,
        )
        split = np.flatnonzero((coordinate > 0) & (grid[row, 0] >= 0))
        keys, owner = _ranks(grid[row[split], 0] * attributes + attribute[coordinate[split]])
        totals.append(keys // attributes)
        residual.append(np.zeros(keys.size, dtype=np.int64))
        owners.append(owner + count)
        parts.append(split)
        count += keys.size
        # An organisation-level value of an attribute that units are not broken down by (unit
        # type, by default) still adds up over the subtrees made only of that value: those
        # subtrees' visible totals are its visible parts (the rows are breadth first).
        if layout.units & 1:
            for i in _bits(layout.top & ~layout.units & ~1):
                pure = np.flatnonzero((self.total[:, i] == self.total[:, 0]) & (grid[:, 0] >= 0))
                pure = pure[pure > 0]
                if grid[0, i] >= 0 and pure.size:
                    totals.append(np.array([grid[0, i]]))
                    residual.append(np.array([-1]))
                    owners.append(np.full(pure.size, count))
                    parts.append(grid[pure, 0])
                    count += 1
        owner_all = np.concatenate(owners)
        part_all = np.concatenate(parts)
        sort = np.argsort(owner_all, kind="stable")
        self.rel_total: list[int] = np.concatenate(totals).tolist()
        self.rel_residual: list[int] = np.concatenate(residual).tolist()
        self.rel_parts: list[int] = part_all[sort].tolist()
        self.rel_start: list[int] = np.searchsorted(owner_all[sort], np.arange(count + 1)).tolist()
        # which relations each group takes part in, as total or as part
        group = np.asarray(self.group_of, dtype=np.int64)
        member = np.concatenate(
            [group[np.asarray(self.rel_total, dtype=np.int64)], group[part_all]]
        )
        relation = np.concatenate([np.arange(count), owner_all])
        sort = np.argsort(member, kind="stable")
        self._involved: list[int] = relation[sort].tolist()
        self._involved_start: list[int] = np.searchsorted(
            member[sort], np.arange(self.groups + 1)
        ).tolist()
        # per cell: the ordinary relations it is a part of
        plain = np.asarray(self.rel_residual, dtype=np.int64)[owner_all] >= 0
        self._owner = owner_all
        self._part = part_all
        sort = np.argsort(part_all[plain], kind="stable")
        self._part_of: list[int] = owner_all[plain][sort].tolist()
        self._part_of_start: list[int] = np.searchsorted(
            part_all[plain][sort], np.arange(cells + 1)
        ).tolist()

    def relation(self, r: int) -> tuple[int, list[int], int]:
        return (
            self.rel_total[r],
            self.rel_parts[self.rel_start[r] : self.rel_start[r + 1]],
            self.rel_residual[r],
        )

    def involved(self, group: int) -> list[int]:
        return self._involved[self._involved_start[group] : self._involved_start[group + 1]]

    # the relations

    def _recount(self) -> None:
        """Per ordinary relation: its hidden parts and the people in them (kept up to date by
        :meth:`_show` from here on)."""
        count = len(self.rel_total)
        group = np.asarray(self.group_of, dtype=np.int64)
        plain = np.asarray(self.rel_residual, dtype=np.int64)[self._owner] >= 0
        dark = ~np.asarray(self.visible, dtype=bool)[group[self._part]] & plain
        n = np.asarray(self.cell_n, dtype=np.int64)[self._part]
        self.rel_dark: list[int] = (
            np.bincount(self._owner, weights=dark, minlength=count).astype(np.int64).tolist()
        )
        self.rel_dark_n: list[int] = (
            np.bincount(self._owner, weights=dark * n, minlength=count).astype(np.int64).tolist()
        )

    def settle_in_rounds(self) -> None:
        """The ordinary relations in rounds of array operations: every relation that
        :meth:`_complement` would act on hides its cheapest candidate, all at once, until none
        is left. Mostly the relations are far apart (each team's own), so this hides about
        what one at a time would, much faster; :meth:`settle_relations` finishes the rest."""
        count = len(self.rel_total)
        if not count:
            self._recount()
            return
        rank = np.empty(self.groups, dtype=np.int64)
        rank[sorted(range(self.groups), key=lambda g: self.cost[g])] = np.arange(self.groups)
        group = np.asarray(self.group_of, dtype=np.int64)
        n = np.asarray(self.cell_n, dtype=np.int64)
        total = group[np.asarray(self.rel_total, dtype=np.int64)]
        residual = np.asarray(self.rel_residual, dtype=np.int64)
        sizes = np.diff(np.asarray(self.rel_start, dtype=np.int64))
        plain = residual >= 0
        owner = self._owner[plain[self._owner]]
        part = group[self._part[plain[self._owner]]]
        people_in = n[self._part[plain[self._owner]]]
        visible = np.asarray(self.visible, dtype=bool)
        none = np.iinfo(np.int64).max
        by_rank = np.argsort(rank)
        while True:
            hidden = ~visible[part]
            dark = np.bincount(owner, weights=hidden, minlength=count)
            people = np.bincount(owner, weights=people_in * hidden, minlength=count) + residual
            shown = visible[total]
            unsafe = shown & (people > 0) & ((people < self.k) | ((dark < 2) & (residual == 0)))
            uncovered = ~shown & (residual == 0) & (sizes > 0) & (dark == 0)
            acting = (unsafe | uncovered) & plain
            if not acting.any():
                break
            best = np.where(acting & shown, rank[total], none)
            candidate = acting[owner] & ~hidden & (part != total[owner])
            np.minimum.at(best, owner[candidate], rank[part[candidate]])
            chosen = best[acting]
            chosen = chosen[chosen != none]
            if not chosen.size:
                break
            visible[by_rank[chosen]] = False
        self.visible = visible.tolist()
        self._recount()

    def settle_relations(self, pending: Iterable[int] | None = None) -> None:
        """Hide complements until no visible figure's hidden part is one cell or under k.

        Relations over nested subtrees are long, so they wait until the others are settled.
        """
        queues: tuple[list[int], list[int]] = ([], [])
        queued: set[int] = set()

        def push(relations: Iterable[int]) -> None:
            for r in relations:
                if r not in queued:
                    queued.add(r)
                    queues[self.rel_residual[r] < 0].append(r)

        push(self._violated() if pending is None else pending)
        while queues[0] or queues[1]:
            r = (queues[0] or queues[1]).pop()
            queued.discard(r)
            hide = self._complement(r)
            if hide is not None:
                push(self.hide(hide))

    def _violated(self) -> list[int]:
        """The relations :meth:`_complement` would act on, found with array operations (all
        nested ones included); the others need a look only once a cell of theirs changes."""
        count = len(self.rel_total)
        if not count:
            return []
        visible = np.asarray(self.visible, dtype=bool)[np.asarray(self.group_of, dtype=np.int64)]
        n = np.asarray(self.cell_n, dtype=np.int64)
        total = np.asarray(self.rel_total, dtype=np.int64)
        residual = np.asarray(self.rel_residual, dtype=np.int64)
        sizes = np.diff(np.asarray(self.rel_start, dtype=np.int64)).astype(np.int64)
        owner = np.repeat(np.arange(count), sizes)
        part = np.asarray(self.rel_parts, dtype=np.int64)
        hidden = ~visible[part]
        dark = np.bincount(owner, weights=hidden, minlength=count)
        people = np.bincount(owner, weights=n[part] * hidden, minlength=count) + residual
        shown = visible[total]
        unsafe = shown & (people > 0) & ((people < self.k) | ((dark < 2) & (residual == 0)))
        uncovered = ~shown & (residual == 0) & (sizes > 0) & (dark == 0)
        return np.flatnonzero(unsafe | uncovered | (residual < 0)).tolist()

    def _complement(self, r: int) -> int | None:
        """The group to hide for relation r, or None when it is safe: for a visible total,
        its hidden part must be no people, or at least k people not all in one hidden cell;
        a hidden total must not be covered by visible parts alone."""
        total, residual = self.rel_total[r], self.rel_residual[r]
        group = self.group_of[total]
        if residual < 0:
            if not self.visible[group]:
                return None
            return self._nested_complement(group, total, self.relation(r)[1])
        dark, people = self.rel_dark[r], self.rel_dark_n[r] + residual
        if not self.visible[group]:
            if residual or dark or self.rel_start[r] == self.rel_start[r + 1]:
                return None
        elif people == 0 or (people >= self.k and (dark > 1 or residual)):
            return None
        candidates = {
            self.group_of[c] for c in self.relation(r)[1] if self.visible[self.group_of[c]]
        }
        candidates.discard(group)
        if self.visible[group]:
            candidates.add(group)
        return min(candidates, key=lambda g: self.cost[g]) if candidates else None

    def _nested_complement(self, group: int, total: int, parts: list[int]) -> int | None:
        """Like :meth:`_complement` for parts that are nested subtrees (in breadth-first
        order): the outermost visible ones are the visible parts; the outermost subtrees with
        none visible above them are the hidden parts, less their visible subtrees."""
        inside: set[int] = set()  # within a visible part
        top: dict[int, int] = {}  # the outermost part above each part
        left: dict[int, int] = {}  # people of an outermost part in no visible part
        candidates = []
        for c in parts:
            unit = self.cell_node[c]
            above = self.parent[unit]
            top[unit] = top.get(above, unit)
            if above in inside:
                inside.add(unit)
                continue
            left.setdefault(top[unit], self.cell_n[self.cell_at[(top[unit], 0)]])
            if self.visible[self.group_of[c]]:
                inside.add(unit)
                left[top[unit]] -= self.cell_n[c]
                if self.group_of[c] != group:
                    candidates.append(self.group_of[c])
        outermost = sum(self.cell_n[self.cell_at[(unit, 0)]] for unit in left)
        residual = self.cell_n[total] - outermost  # people in no part at all
        hidden = [n for n in left.values() if n]
        people = residual + sum(hidden)
        if people == 0 or (people >= self.k and (len(hidden) > 1 or residual)):
            return None
        return min([*candidates, group], key=lambda g: self.cost[g])

    def hide(self, group: int) -> list[int]:
        """Hide a group; the relations to look at again."""
        self._show(group, False)
        return self.involved(group)

    def _show(self, group: int, shown: bool) -> None:
        if self.visible[group] == shown:
            return
        self.visible[group] = shown
        step = -1 if shown else 1
        for c in self.members(group):
            node = self.cell_node[c]
            self.dirty.add(node)
            if self.masks:
                self.masks[node] ^= 1 << self.cell_coord[c]
            n = step * self.cell_n[c]
            for r in self._part_of[self._part_of_start[c] : self._part_of_start[c + 1]]:
                self.rel_dark[r] += step
                self.rel_dark_n[r] += n

    # the exact test

    def _prepare(self) -> None:
        """What the exact test needs that does not depend on visibility: each node's cells,
        the span G of its direct members' μ, its small direct groups (coordinates with
        0 < n < k) and its lone people (types of one person, with the span G without them)."""
        s = self.spaces
        vectors = self.layout.vectors
        self.at_node: dict[int, list[int]] = {node: [] for node in self.order}
        for c, node in enumerate(self.cell_node):
            self.at_node[node].append(c)
        self.own_span = {
            node: s.span(frozenset(self.direct.get(node, {})), vectors) for node in self.order
        }
        wanted = np.array(
            [bool((self.layout.units | 1) >> i & 1) for i in range(self.layout.width)]
        )
        rows, coordinates = np.nonzero((self.own > 0) & (self.own < self.k) & wanted)
        small: dict[int, list[int]] = {node: [] for node in self.order}
        for row, i in zip(rows.tolist(), coordinates.tolist(), strict=True):
            small[self.order[row]].append(i)
        lonely: dict[int, list[tuple[int, int]]] = {}
        for node, members in self.direct.items():
            lonely[node] = [
                (p, s.span(frozenset(members).difference((p,)), vectors))
                for p, count in sorted(members.items())
                if count == 1
            ]
        self.small = small
        self.lonely = lonely
        self.masks = dict.fromkeys(self.order, 0)
        for c, (node, i) in enumerate(zip(self.cell_node, self.cell_coord, strict=True)):
            if self.visible[self.group_of[c]]:
                self.masks[node] |= 1 << i
        self.inside: dict[int, int] = {}
        self.below: dict[int, int] = {}
        self.dirty = set(self.order)

    def _mask(self, node: int) -> int:
        """The coordinates of the node's visible cells: 0 in every witness's mass there."""
        return self.masks[node]

    def _refresh(self) -> None:
        """K (``inside``) of the nodes whose visible cells changed, and of their ancestors."""
        s = self.spaces
        levels: dict[int, set[int]] = {}
        for node in self.dirty:
            levels.setdefault(self.depth[node], set()).add(node)
        self.dirty.clear()
        for depth in range(max(levels, default=-1), -1, -1):
            for node in levels.get(depth, ()):
                summed = s.zero
                for child in self.children[node]:
                    summed = s.add(summed, self.inside[child])
                self.below[node] = summed
                new = s.vanish(s.add(self.own_span[node], summed), self._mask(node))
                if self.inside.get(node) != new:
                    self.inside[node] = new
                    if node != _ROOT:
                        levels.setdefault(depth - 1, set()).add(self.parent[node])

    def _step_out(self, outside: int, node: int, child: int) -> int:
        """Out of ``child`` from Out of its parent ``node`` (one child: no prefix sums)."""
        s = self.spaces
        base = s.add(s.vanish(outside, self._mask(node)), self.own_span[node])
        for sibling in self.children[node]:
            if sibling != child:
                base = s.add(base, self.inside[sibling])
        return base

    def _outside(self) -> dict[int, int]:
        """Out of every node, top-down (prefix and suffix sums over the children)."""
        s = self.spaces
        outside = {_ROOT: s.full}
        for node in self.order:
            base = s.add(s.vanish(outside[node], self._mask(node)), self.own_span[node])
            kids = self.children[node]
            suffix = [s.zero] * (len(kids) + 1)
            for j in range(len(kids) - 1, -1, -1):
                suffix[j] = s.add(suffix[j + 1], self.inside[kids[j]])
            prefix = s.zero
            for j, child in enumerate(kids):
                outside[child] = s.add(base, s.add(prefix, suffix[j + 1]))
                prefix = s.add(prefix, self.inside[child])
        return outside

    def _direct_mass(self, node: int, outside: int) -> int:
        """E: the direct members' mass over all witnesses."""
        s = self.spaces
        reachable = s.add(s.vanish(outside, self._mask(node)), self.below[node])
        return s.meet(self.own_span[node], reachable)

    def problems(self) -> list[_Problem]:
        """Every hidden cell, lone person-week and small direct group that the visible cells
        determine (see the module docstring for the subspaces)."""
        s = self.spaces
        self._refresh()
        outside = self._outside()
        found: list[_Problem] = []
        for node in self.order:
            hidden = [c for c in self.at_node[node] if not self.visible[self.group_of[c]]]
            if hidden:
                support = s.supports[s.meet(self.inside[node], outside[node])]
                found.extend(
                    ("cell", c, 0) for c in hidden if not support >> self.cell_coord[c] & 1
                )
            if node == _ROOT or not (self.small[node] or self.lonely.get(node)):
                continue
            mass = self._direct_mass(node, outside[node])
            support = s.supports[mass]
            found.extend(("direct", node, i) for i in self.small[node] if not support >> i & 1)
            found.extend(
                ("person", node, p)
                for p, others in self.lonely[node]
                if others != self.own_span[node] and s.within(mass, others)
            )
        return found

    def _holds(self, problem: _Problem) -> bool:
        """Whether one problem is still there (Out computed along its path only)."""
        s = self.spaces
        self._refresh()
        kind, a, b = problem
        node = self.cell_node[a] if kind == "cell" else a
        path = self.tree.path(node)
        outside = s.full
        for above, below in zip(path[:0:-1], path[-2::-1], strict=True):
            outside = self._step_out(outside, above, below)
        if kind == "cell":
            if self.visible[self.group_of[a]]:
                return False
            mass = s.meet(self.inside[node], outside)
            return not s.supports[mass] >> self.cell_coord[a] & 1
        mass = self._direct_mass(node, outside)
        if kind == "direct":
            return not s.supports[mass] >> b & 1
        others = dict(self.lonely[node])[b]
        return others != self.own_span[node] and s.within(mass, others)

    def repair(self, problem: _Problem) -> None:
        """Hide what makes one recoverable thing safe.

        Hiding every visible cell certainly does, and hiding more never makes anything
        recoverable; so over the visible cells in order of cost the shortest prefix whose
        hiding fixes it is found by bisection, and its last cell is hidden (with the
        complements the relations then need). If that is not enough on its own, the search
        repeats over the cheaper cells until the problem is gone. The search is over the
        cells near the problem (its unit's, its ancestors', children's and siblings') when
        hiding those is enough, which is the usual case and much quicker.
        """
        near = sorted(self._near(problem), key=lambda g: self.cost[g])
        if self._fixed_by(problem, near):
            candidates = near
        else:
            candidates = sorted(
                (g for g, shown in enumerate(self.visible) if shown), key=lambda g: self.cost[g]
            )
        while candidates:
            low, high = 0, len(candidates)  # hiding the first `high` fixes it
            while high - low > 1:
                middle = (low + high) // 2
                if self._fixed_by(problem, candidates[:middle]):
                    high = middle
                else:
                    low = middle
            last = candidates[high - 1]
            self.settle_relations(self.hide(last))
            if not self._holds(problem):
                return
            candidates = [g for g in candidates[: high - 1] if self.visible[g]]
        raise RuntimeError(f"cannot make {problem} safe")  # cannot happen: see the docstring

    def _near(self, problem: _Problem) -> set[int]:
        """The visible groups of the cells of the problem's unit, its ancestors, children and
        siblings."""
        kind, a, _ = problem
        node = self.cell_node[a] if kind == "cell" else a
        nodes = [*self.children[node], node]
        if node != _ROOT:
            nodes += self.children[self.parent[node]]
            above = self.parent[node]
            while above != _ROOT:
                nodes.append(above)
                above = self.parent[above]
            nodes.append(_ROOT)
        return {
            self.group_of[c]
            for unit in nodes
            for c in self.at_node[unit]
            if self.visible[self.group_of[c]]
        }

    def _fixed_by(self, problem: _Problem, groups: list[int]) -> bool:
        shown = [g for g in groups if self.visible[g]]
        for g in shown:
            self._show(g, False)
        fixed = not self._holds(problem)
        for g in shown:
            self._show(g, True)
        return fixed

    def settle(self) -> None:
        """Plain suppression, then complements until the relations and the exact test agree."""
        self.settle_in_rounds()
        self.settle_relations()
        self._prepare()
        while True:
            problems = self.problems()
            if not problems:
                return
            for problem in problems:
                if self._holds(problem):
                    self.repair(problem)


_WEIGHTS = (1, 8, 64, 512)  # unit × attribute, unit total, organisation × attribute, organisation


def _marks(units: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random 64-bit number per type (unit, profile), splitmix64; a cell's
    signature is the sum over its types (mod 2**64), equal for cells with the same people."""
    with np.errstate(over="ignore"):
        x = units.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x += profiles.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(1)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _name(node: int) -> str:
    return "the top" if node == _ROOT else f"unit {node}"


# --- all weeks, and months ---------------------------------------------------------------------


@dataclass
class _Cells:
    """Cells as parallel arrays: period (days since 1970), breakdown (its position), unit (-1
    when the breakdown has none), coordinate (0 when it has no attribute), n and visible."""

    period: np.ndarray
    order: np.ndarray
    unit: np.ndarray
    coordinate: np.ndarray
    n: np.ndarray
    visible: np.ndarray


def _plan_weeks(data: _Input, specs: list[_Spec], k: int) -> _Cells:
    layout = data.layout
    spaces = _Spaces(layout.width)
    attributes = [a for a, _ in layout.coordinates]
    # breakdown position by (has a unit, coordinate): the coordinate says the attribute
    order_of = np.full((2, layout.width), -1, dtype=np.int64)
    for spec in specs:
        for i, attribute in enumerate(attributes):
            if (attribute or None) == spec.attribute:
                order_of[int(spec.unit), i] = spec.order
    parts: list[list[np.ndarray]] = [[], [], [], [], [], []]
    tree: _Tree | None = None
    paths: set[tuple[int, ...]] = set()
    for week in data.weeks():
        if tree is None or set(week.paths) != paths:  # the tree changes rarely
            paths = set(week.paths)
            tree = _Tree(paths, week.monday)
        plan = _WeekPlan(layout, spaces, tree, week, k)
        plan.settle()
        node = np.asarray(plan.cell_node, dtype=np.int64)
        coordinate = np.asarray(plan.cell_coord, dtype=np.int64)
        visible = np.asarray(plan.visible, dtype=bool)[np.asarray(plan.group_of, dtype=np.int64)]
        day = np.full(node.size, data.mondays[week.index], dtype=np.int64)
        columns = (day, order_of[(node != _ROOT).astype(np.int64), coordinate], node, coordinate)
        for part, column in zip(parts, (*columns, np.asarray(plan.cell_n), visible), strict=True):
            part.append(column)
    period, order, unit, coordinate, n, visible = (
        np.concatenate(part) if part else np.zeros(0, dtype=np.int64) for part in parts
    )
    return _Cells(period, order, unit, coordinate, n, visible.astype(bool))


def _month_days(days: np.ndarray) -> np.ndarray:
    """The first of the month of each week's Thursday, as days since 1970."""
    thursday = (days.astype(np.int64) + 3).astype("datetime64[D]")
    return thursday.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


class _Codec:
    """One int64 per month cell: (month, breakdown, unit, coordinate)."""

    def __init__(self, orders: int, units: np.ndarray, width: int) -> None:
        self.orders, self.units, self.width = orders, units, width

    def encode(
        self,
        month: np.ndarray,
        order: np.ndarray | int,
        unit: np.ndarray | int,
        coordinate: np.ndarray,
    ) -> np.ndarray:
        unit_index = np.searchsorted(self.units, unit)
        cell = (month * self.orders + order) * len(self.units) + unit_index
        return np.asarray(cell * self.width + coordinate, dtype=np.int64)


def _months(data: _Input, specs: list[_Spec], weeks: _Cells) -> _Cells:
    """Month cells: visible when every week cell of the same group in the month is; n counts
    each person once, as the engine does (someone who moved counts once in a unit above both)."""
    months, month_of_week = _ranks(_month_days(data.mondays))
    units = np.union1d(weeks.unit, [-1])
    codec = _Codec(len(specs), units, data.layout.width)
    month = month_of_week[np.searchsorted(data.mondays, weeks.period)]
    key = codec.encode(month, weeks.order, weeks.unit, weeks.coordinate)
    keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    shown = np.ones(keys.size, dtype=bool)
    shown[inverse.reshape(-1)[~weeks.visible]] = False
    n = np.zeros(keys.size, dtype=np.int64)
    rows = _MonthRows(data, month_of_week)
    for spec in specs:
        cells, counts = rows.count(spec, codec)
        at = np.searchsorted(keys, cells)
        if cells.size and (at.max() >= keys.size or np.any(keys[at] != cells)):
            raise RuntimeError("a month cell has people but no week cell")  # cannot happen
        n[at] = counts
    return _Cells(
        period=months[month[first]],
        order=weeks.order[first],
        unit=weeks.unit[first],
        coordinate=weeks.coordinate[first],
        n=n,
        visible=shown,
    )


class _MonthRows:
    """The person-weeks reduced to one row per month, person, unit path and profile."""

    def __init__(self, data: _Input, month_of_week: np.ndarray) -> None:
        self.data = data
        self.people = int(data.who.max()) + 1 if data.who.size else 1
        paths = max(len(data.paths), 1)
        profiles = max(len(data.layout.masks), 1)
        key = (month_of_week[data.week] * self.people + data.who) * paths + data.path
        rest, self.profile = np.divmod(_distinct(key * profiles + data.profile), profiles)
        rest, self.path = np.divmod(rest, paths)
        self.month, self.who = np.divmod(rest, self.people)
        lengths = np.array([len(ids) for ids in data.paths], dtype=np.int64)
        flat = np.array([u for ids in data.paths for u in ids], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        # the rows again, once for each unit on their path
        self.repeat = np.repeat(np.arange(self.path.size), lengths[self.path])
        first = np.repeat(starts[self.path], lengths[self.path])
        offset = np.arange(self.repeat.size) - np.repeat(
            np.cumsum(lengths[self.path]) - lengths[self.path], lengths[self.path]
        )
        self.unit = flat[first + offset]

    def count(self, spec: _Spec, codec: _Codec) -> tuple[np.ndarray, np.ndarray]:
        """The keys of one breakdown's month cells and the distinct people in each."""
        coordinate = (
            self.data.profile_coordinate[spec.attribute][self.profile]
            if spec.attribute is not None
            else np.zeros(self.profile.size, dtype=np.int64)
        )
        if spec.unit:
            cell = codec.encode(
                self.month[self.repeat], spec.order, self.unit, coordinate[self.repeat]
            )
            who = self.who[self.repeat]
        else:
            cell = codec.encode(self.month, spec.order, -1, coordinate)
            who = self.who
        return _distinct_counts(_distinct(cell * self.people + who) // self.people)


def _table(data: _Input, specs: list[_Spec], cells: _Cells) -> pa.Table:
    """The cells as a table of :data:`PLAN_SCHEMA`, sorted by breakdown, period, unit and
    attribute (coordinates of an attribute are numbered in the order of their text)."""
    sort = np.lexsort((cells.coordinate, cells.unit, cells.period, cells.order))
    texts = np.array(
        [None, *(attribute_text(value) for _, value in data.layout.coordinates[1:])],
        dtype=object,
    )
    keys = np.array([spec.key for spec in specs], dtype=object)
    unit = cells.unit[sort]
    return pa.table(
        {
            "period": pa.array(cells.period[sort].astype("datetime64[D]"), pa.date32()),
            "breakdown": pa.array(keys[cells.order[sort]], pa.string()),
            "unit_subtree": pa.array(unit, pa.int64(), mask=unit == _ROOT),
            "attribute": pa.array(texts[cells.coordinate[sort]], pa.string()),
            "n": pa.array(cells.n[sort], pa.int64()),
            "visible": pa.array(cells.visible[sort], pa.bool_()),
        },
        schema=PLAN_SCHEMA,
    )


# --- beside the engine, in another process ------------------------------------------------------

# From this many person-weeks the plan runs in a process of its own while the engine computes
# (the plan is one core of Python and numpy; the machine has more): at 50,000 employees × 130
# weeks the two took 26 s + 33 s one after the other (bench/README.md).
PLAN_BESIDE_ROWS = 200_000


@contextlib.contextmanager
def plan_beside(
    people: pa.Table, k: int, work_dir: Path
) -> Iterator[Callable[[], dict[str, pa.Table]]]:
    """:func:`plan_suppression` of ``people``, started here and handed over by the callable
    this yields, so that the caller can compute meanwhile.

    Small inputs are planned in this process when asked for. Large ones are planned in another
    process started at once: the people go to it as an Arrow file (memory-mapped, not copied)
    in a temporary directory under ``work_dir``, and the plan comes back the same way; the files
    go when the block ends, and the process too if the block fails first.
    """
    if people.num_rows < PLAN_BESIDE_ROWS:
        yield lambda: plan_suppression(people, k=k)
        return
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="plan-", dir=work_dir) as work:
        people_file = str(Path(work) / "people.arrow")
        with pa.OSFile(people_file, "wb") as sink, pa.ipc.new_file(sink, people.schema) as writer:
            writer.write_table(people)
        context = multiprocessing.get_context("spawn")  # no fork: DuckDB and Arrow run threads
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            future = pool.submit(plan_in_process, people_file, k, work)

            def planned() -> dict[str, pa.Table]:
                plans = {}
                for grain, path in future.result().items():
                    with pa.OSFile(path) as source:  # read into memory: the file goes
                        plans[grain] = pa.ipc.open_file(source).read_all()
                return plans

            try:
                yield planned
            finally:
                future.cancel()


def plan_in_process(people_file: str, k: int, out_dir: str) -> dict[str, str]:
    """:func:`plan_suppression` for the people stored in ``people_file`` (an Arrow IPC file),
    its tables written as Arrow IPC files into ``out_dir``; returns their paths by grain (run
    by :func:`plan_beside` in another process)."""
    with pa.memory_map(people_file) as source:  # open while the plan reads it
        plans = plan_suppression(pa.ipc.open_file(source).read_all(), k=k)
    paths = {}
    for grain, table in plans.items():
        path = f"{out_dir}/plan-{grain}.arrow"
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        paths[grain] = path
    return paths
