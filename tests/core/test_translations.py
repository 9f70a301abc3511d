"""Bokmål is the default language: every user-facing string has a translation."""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "veikart"
PO = SRC / "locale" / "nb" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def parse_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgid, plural, msgstr (list), flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, ""
        elif line.startswith("#,"):
            entry["flags"] = line[2:].replace(" ", "").split(",")
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key.startswith("msgstr"):
                strs = entry["msgstr"]
                assert isinstance(strs, list)
                strs[-1] += value
            else:
                entry[key] = str(entry[key]) + value
        else:
            word, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if word.startswith("msgstr"):
                key = "msgstr"
                entry.setdefault("msgstr", [])
                strs = entry["msgstr"]
                assert isinstance(strs, list)
                strs.append(value)
            else:
                key = word
                entry[key] = value
    return [e for e in entries if e["msgid"]]


def test_every_string_is_translated_and_none_is_fuzzy() -> None:
    entries = parse_po(PO)
    assert len(entries) > 150
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]  # type: ignore[arg-type]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", [])]  # type: ignore[operator]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in parse_po(PO):
        msgid, strs = str(entry["msgid"]), entry["msgstr"]
        assert isinstance(strs, list)
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            plural = str(entry["msgid_plural"])
            if context is not None:
                assert catalogue.npgettext(str(context), msgid, plural, 1) == strs[0]
            else:
                assert catalogue.ngettext(msgid, plural, 1) == strs[0]
        elif context is not None:
            assert catalogue.pgettext(str(context), msgid) == strs[0], f"make messages ({msgid!r})"
        else:
            assert catalogue.gettext(msgid) == strs[0], f"run make messages ({msgid!r})"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "veikart"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    veikart = Path(sys.executable).with_name("veikart")
    subprocess.run(
        [str(veikart), "makemessages", "-l", "nb", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "VEIKART_DATA_DIR": str(tmp_path / "data")},
    )
    fresh = {e["msgid"] for e in parse_po(copy / "locale" / "nb" / "LC_MESSAGES" / "django.po")}
    committed = {e["msgid"] for e in parse_po(PO)}
    assert fresh - committed == set(), "new strings: run make messages and translate them"
