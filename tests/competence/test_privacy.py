"""The suppression rule on its own (no Django): threshold, residuals, and the exact span test."""

from __future__ import annotations

import numpy as np

from veikart.competence.privacy import TOTAL, plan_cells

# 1 ─┬─ 2 ── 4
#    └─ 3
PARENTS: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 2}


def visible(plan: dict, cell: tuple) -> bool:  # type: ignore[type-arg]
    return bool(plan[cell].visible)


def test_it_hides_a_group_below_the_threshold() -> None:
    plan = plan_cells({(1, "a"): 6, (2, "a"): 6, (3, "a"): 3, (4, "a"): 6}, PARENTS, 5)
    assert plan[("unit", 3)].reason == "small"
    assert visible(plan, ("unit", 2)) and visible(plan, ("unit", 4))


def test_it_hides_a_sibling_so_the_small_unit_cannot_be_subtracted_out() -> None:
    # Unit 1 has no own members: 1 − 2 would give unit 3's three people.
    plan = plan_cells({(2, "a"): 6, (3, "a"): 3, (4, "a"): 6}, PARENTS, 5)
    assert plan[("unit", 3)].reason == "small"
    assert plan[("unit", 2)].reason == "complement"
    assert visible(plan, ("unit", 1)) and visible(plan, ("unit", 4))


def test_it_hides_a_child_when_the_parents_own_members_are_too_few() -> None:
    # Unit 2 has 2 own members and child 4 with 8: showing both would reveal those 2.
    plan = plan_cells({(2, "a"): 2, (4, "a"): 8, (3, "a"): 9}, PARENTS, 5)
    assert not (visible(plan, ("unit", 2)) and visible(plan, ("unit", 4)))


def test_no_hidden_group_lies_in_the_span_of_the_visible_ones() -> None:
    rng = np.random.default_rng(7)
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 7: None}
    for _ in range(30):
        atoms = {(u, f): int(rng.integers(0, 9)) for u in [*parents, None] for f in ("a", "b", "")}
        plan = plan_cells(atoms, parents, 5)
        members = [a for a, c in atoms.items() if c]
        counts = {a: atoms[a] for a in members}

        def vector(cell: tuple, members: list = members) -> np.ndarray:  # type: ignore[type-arg]
            def inside(atom: tuple) -> bool:  # type: ignore[type-arg]
                unit, former = atom
                if cell == TOTAL:
                    return True
                if cell[0] == "former":
                    return former == cell[1]
                while unit is not None:
                    if unit == cell[1]:
                        return True
                    unit = parents[unit]
                return False

            return np.array([1.0 if inside(a) else 0.0 for a in members])

        shown = [vector(c) for c, p in plan.items() if p.visible]
        hidden = [vector(c) for c, p in plan.items() if p.reason in ("small", "complement")]
        small_atoms = [np.eye(len(members))[i] for i, a in enumerate(members) if counts[a] < 5]
        base = np.linalg.matrix_rank(np.array(shown)) if shown else 0
        for v in [*hidden, *small_atoms]:
            with_v = np.linalg.matrix_rank(np.array([*shown, v]))
            assert with_v == base + 1, "a hidden group follows from the visible ones"
        assert all(p.reason != "shown" or p.n >= 5 for p in plan.values())
