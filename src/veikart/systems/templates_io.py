"""The downloadable import templates (mal-systemer.csv, mal-beslutninger.csv)."""

from __future__ import annotations

from django.http import Http404

from veikart.systems.importing import DECISION_COLUMNS, INVENTORY_COLUMNS

_SYSTEM_EXAMPLE = [
    "moss",
    "ePhorte",
    "Evry",
    "sak/arkiv",
    "600",
    "Dokumentsenteret",
    "2020-06-30",
    "850000",
    "ja",
    "KS SvarUt|eInnsyn",
    "nei",
]
_DECISION_EXAMPLE = [
    "ePhorte",
    "sak/arkiv",
    "erstatt med Elements",
    "Ett felles Noark 5-system for den nye kommunen.",
    "Arkivleder",
    "2018-11-20",
    "pågår",
    "2020-01-02: Elements i drift",
]
TEMPLATES = ("mal-systemer.csv", "mal-beslutninger.csv")


def template_file(name: str) -> tuple[bytes, str]:
    """The template ``name`` as UTF-8 CSV with BOM, ``;``-separated, with one example line."""
    if name == "mal-systemer.csv":
        return _csv([c.header for c in INVENTORY_COLUMNS], _SYSTEM_EXAMPLE), _CSV
    if name == "mal-beslutninger.csv":
        return _csv([c.header for c in DECISION_COLUMNS], _DECISION_EXAMPLE), _CSV
    raise Http404("No such template")


_CSV = "text/csv; charset=utf-8"


def _csv(headers: list[str], example: list[str]) -> bytes:
    lines = [";".join(headers), ";".join(example)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
