"""Where the former organisations overlap: categories in which each ran its own product.

Plain data in, plain data out, so that the import preview can show the overlaps the files *would*
give before anything is saved, with the same rule the matrix uses for what *is* saved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from veikart.core.collation import sort_key
from veikart.systems.constants import Category


@dataclass(frozen=True)
class SystemFact:
    former_id: int | None  # None: a system of the merged organisation
    name: str
    category: str
    decided: bool


@dataclass(frozen=True)
class CategoryOverlap:
    category: str
    names: dict[int, tuple[str, ...]]  # former organisation id → its systems in the category
    shared: tuple[str, ...]  # the products every one of them ran
    undecided: tuple[str, ...]  # names in the category without a decision

    @property
    def label(self) -> str:
        return str(Category(self.category).label)

    @property
    def overlap(self) -> bool:
        """Two or more former organisations ran systems here, and not all the same products."""
        if len(self.names) < 2:
            return False
        return any(set(names) != set(self.shared) for names in self.names.values())

    @property
    def decision_needed(self) -> bool:
        return self.overlap and bool(self.undecided)


@dataclass(frozen=True)
class OverlapSummary:
    categories: tuple[CategoryOverlap, ...]  # those where two or more former organisations ran
    undecided_systems: tuple[str, ...]  # every former organisation's system without a decision

    @property
    def overlapping(self) -> int:
        return sum(1 for c in self.categories if c.overlap)

    @property
    def needing_decision(self) -> int:
        return sum(1 for c in self.categories if c.decision_needed)

    def get(self, category: str) -> CategoryOverlap | None:
        return next((c for c in self.categories if c.category == category), None)


def find_overlaps(facts: Iterable[SystemFact]) -> OverlapSummary:
    """The categories two or more former organisations have systems in, Norwegian-sorted."""
    by_category: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    undecided_by_category: dict[str, set[str]] = defaultdict(set)
    undecided: set[str] = set()
    for fact in facts:
        if fact.former_id is None:
            continue
        by_category[fact.category][fact.former_id].add(fact.name)
        if not fact.decided:
            undecided_by_category[fact.category].add(fact.name)
            undecided.add(fact.name)
    categories = []
    for category, per_former in by_category.items():
        if len(per_former) < 2:
            continue
        shared = set.intersection(*per_former.values())
        categories.append(
            CategoryOverlap(
                category=category,
                names={f: _sorted(names) for f, names in sorted(per_former.items())},
                shared=_sorted(shared),
                undecided=_sorted(undecided_by_category[category]),
            )
        )
    categories.sort(key=lambda c: sort_key(c.label))
    return OverlapSummary(tuple(categories), _sorted(undecided))


def _sorted(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda n: (sort_key(n), n)))
