"""docs/user/hr-import.md documents exactly the columns the importer knows."""

from __future__ import annotations

import re
from pathlib import Path

from veikart.organisations.importing.columns import EMPLOYEE_COLUMNS, UNIT_COLUMNS, Column

DOC = Path(__file__).resolve().parents[2] / "docs" / "user" / "hr-import.md"


def documented(section: str) -> dict[str, tuple[set[str], bool]]:
    text = DOC.read_text(encoding="utf-8").split(f"### {section}")[1].split("###")[0]
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\| `([^`]+)` \| ([^|]*) \| (yes|no) \|", line)
        if match:
            rows[match[1]] = (set(re.findall(r"`([^`]+)`", match[2])), match[3] == "yes")
    return rows


def expected(columns: tuple[Column, ...]) -> dict[str, tuple[set[str], bool]]:
    return {c.header: (set(c.aliases), c.required) for c in columns}


def test_the_unit_columns_are_documented() -> None:
    assert documented("Units") == expected(UNIT_COLUMNS)


def test_the_employee_columns_are_documented() -> None:
    assert documented("Employees") == expected(EMPLOYEE_COLUMNS)
