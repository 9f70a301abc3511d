"""Which self-assessment groups may be shown: threshold plus complementary suppression (no Django).

Cells. ``("total", "")`` is everyone; ``("unit", id)`` everyone in a unit's subtree (the unit and
all units below it); ``("former", code)`` everyone from one former organisation (``""`` = none).
People are grouped into *atoms* — same own unit, same former organisation — which no cell can
tell apart, so a cell is a 0/1 vector over atoms and every published sum over a cell is that
vector times the atoms' sums.

The rule (:func:`plan_cells`), applied once over the whole organisation so every viewer sees a
subset of one safe plan (a unit manager sees the unit cells of their subtree, nothing else):

1. a cell with ``0 < n < k`` is hidden ("small");
2. *residuals*: for a visible cell and one of its partitions — a unit and its child units (its
   own direct members are the rest), the total and the top units, the total and the former
   organisations — the people not in a visible part must be 0 or at least ``k``. Otherwise the
   smallest visible part is hidden too ("complement"); with no visible part left, the cell itself;
3. *exact test*: no hidden cell, no atom with fewer than ``k`` people and no unit's direct members
   when fewer than ``k`` may lie in the linear span of the visible cells (checked with a matrix
   rank), so no sum or difference of shown figures gives them — also across the unit and the
   former-organisation breakdowns. If one does, visible cells are hidden in cost order (former
   organisations first, then units from the smallest, the total last) until it does not.

Steps 2–3 repeat until nothing changes; hiding more never makes anything recoverable, so it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from veikart.adoption.engine import plan_suppression

Cell = tuple[str, int | str]
Atom = tuple[int | None, str]  # (own unit id, former organisation code)
Reason = Literal["shown", "empty", "small", "complement"]
TOTAL: Cell = ("total", "")


@dataclass(frozen=True)
class CellPlan:
    n: int
    reason: Reason

    @property
    def visible(self) -> bool:
        return self.reason == "shown"


def ancestors(unit: int | None, parents: Mapping[int, int | None]) -> list[int]:
    """``unit`` and the units above it (those in ``parents``), nearest first."""
    chain: list[int] = []
    while unit is not None and unit in parents and unit not in chain:
        chain.append(unit)
        unit = parents[unit]
    return chain


def cells_of(atom: Atom, parents: Mapping[int, int | None]) -> list[Cell]:
    """Every cell a person of ``atom`` is counted in."""
    unit, former = atom
    return [TOTAL, ("former", former), *(("unit", u) for u in ancestors(unit, parents))]


def plan_cells(
    atoms: Mapping[Atom, int], parents: Mapping[int, int | None], k: int
) -> dict[Cell, CellPlan]:
    """Visibility of every cell, given the number of people in each atom.

    The adoption figures' planner decides (:func:`veikart.adoption.engine.plan_suppression`,
    over one "week" of these people by unit subtree and former organisation): it does steps 1–3
    of the module text with exact integer algebra, far faster than a rank test per candidate.
    People without a unit count in the total and their former organisation only: the planner
    sees them in a unit of their own above everything, whose cell is never published.
    """
    atom_list = [a for a, count in atoms.items() if count > 0]
    outside = max(parents, default=0) + 1
    person: list[str] = []
    unit_ids: list[int] = []
    paths: list[str] = []
    formers: list[str | None] = []
    for j, (unit, former) in enumerate(atom_list):
        chain = ancestors(unit, parents)
        unit_id = chain[0] if chain else outside
        path = "/" + "/".join(str(u) for u in reversed(chain or [outside])) + "/"
        for i in range(atoms[(unit, former)]):
            person.append(f"{j}:{i}")
            unit_ids.append(unit_id)
            paths.append(path)
            formers.append(former or None)
    count = len(person)
    people = pa.table(
        {
            "person": pa.array(person, pa.string()),
            "week_start": pa.array([_MONDAY] * count, pa.date32()),
            "unit_id": pa.array(unit_ids, pa.int64()),
            "unit_path": pa.array(paths, pa.string()),
            "former_org": pa.array(formers, pa.string()),
            "is_leader": pa.nulls(count, pa.bool_()),
            "training_status": pa.nulls(count, pa.string()),
            "unit_type": pa.nulls(count, pa.string()),
        }
    )
    planned: dict[Cell, tuple[int, bool]] = {}
    if count:
        week = plan_suppression(people, k=k, breakdowns=_BREAKDOWNS)["week"]
        for row in week.to_pylist():
            if row["breakdown"] == "":
                cell: Cell = TOTAL
            elif row["breakdown"] == "former_org":
                cell = ("former", row["attribute"] or "")
            elif row["unit_subtree"] == outside:
                continue
            else:
                cell = ("unit", int(row["unit_subtree"]))
            planned[cell] = (int(row["n"]), bool(row["visible"]))
    cells: list[Cell] = [TOTAL, *(("unit", u) for u in parents)]
    cells += sorted({("former", a[1]) for a in atom_list}, key=str)
    result: dict[Cell, CellPlan] = {}
    for cell in cells:
        n, visible = planned.get(cell, (0, False))
        reason: Reason = (
            "empty" if n == 0 else "shown" if visible else "small" if n < k else "complement"
        )
        result[cell] = CellPlan(n, reason)
    return result


_MONDAY = dt.date(2020, 1, 6)  # any Monday: the plan is of one group of people, not of a week
_BREAKDOWNS = ((), ("former_org",), ("unit_subtree",))
