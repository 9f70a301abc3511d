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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

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
    """Visibility of every cell, given the number of people in each atom. See the module text."""
    atom_list = [a for a, count in atoms.items() if count > 0]
    counts = np.array([atoms[a] for a in atom_list], dtype=float)
    cells: list[Cell] = [TOTAL, *(("unit", u) for u in parents)]
    cells += sorted({("former", a[1]) for a in atom_list}, key=str)
    index = {c: i for i, c in enumerate(cells)}
    matrix = np.zeros((len(cells), len(atom_list)))
    for j, atom in enumerate(atom_list):
        for cell in cells_of(atom, parents):
            matrix[index[cell], j] = 1
    n = (matrix @ counts).astype(int) if atom_list else np.zeros(len(cells), dtype=int)
    reason: dict[Cell, Reason] = {
        c: "empty" if n[i] == 0 else ("small" if n[i] < k else "shown") for c, i in index.items()
    }

    children: dict[int | None, list[int]] = {}
    for unit, parent in parents.items():
        children.setdefault(parent if parent in parents else None, []).append(unit)
    partitions: list[tuple[Cell, list[Cell]]] = [
        (("unit", u), [("unit", c) for c in children.get(u, [])]) for u in parents
    ]
    partitions.append((TOTAL, [("unit", u) for u in children.get(None, [])]))
    partitions.append((TOTAL, [c for c in cells if c[0] == "former"]))

    def count(cell: Cell) -> int:
        return int(n[index[cell]])

    def cost(cell: Cell) -> tuple[int, int, str]:
        kind = {"former": 0, "unit": 1, "total": 2}[cell[0]]
        return (kind, count(cell), str(cell[1]))

    def residual_fix() -> Cell | None:
        for whole, parts in partitions:
            if reason[whole] != "shown":
                continue
            shown = [p for p in parts if reason[p] == "shown"]
            rest = count(whole) - sum(count(p) for p in shown)
            if 0 < rest < k:
                return min(shown, key=cost) if shown else whole
        return None

    # Small groups that must never follow from the visible cells.
    protected = [np.eye(len(atom_list))[j] for j, a in enumerate(atom_list) if atoms[a] < k]
    for unit in parents:
        direct = np.array([1.0 if a[0] == unit else 0.0 for a in atom_list])
        if 0 < direct @ counts < k:
            protected.append(direct)

    def rank(rows: list[np.ndarray]) -> int:
        return int(np.linalg.matrix_rank(np.array(rows))) if rows else 0

    def leaks(vector: np.ndarray, visible: list[Cell]) -> bool:
        rows = [matrix[index[c]] for c in visible]
        return rank([*rows, vector]) == rank(rows)

    def span_fix() -> Cell | None:
        visible = sorted((c for c in cells if reason[c] == "shown"), key=cost)
        hidden = [matrix[index[c]] for c in cells if reason[c] in ("small", "complement")]
        for vector in [*hidden, *protected]:
            if not leaks(vector, visible):
                continue
            for m in range(1, len(visible) + 1):
                if not leaks(vector, visible[m:]):
                    return visible[m - 1]
        return None

    while True:
        fix = residual_fix() or span_fix()
        if fix is None:
            break
        reason[fix] = "complement"
    return {c: CellPlan(count(c), reason[c]) for c in cells}
