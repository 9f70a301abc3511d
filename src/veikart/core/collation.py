"""Norwegian alphabetical order: ... X, Y, Z, Æ, Ø, Å.

:func:`sort_key` turns text into a string of digits that sorts in Norwegian order under *any*
database collation (SQLite's BINARY, PostgreSQL's C or nb_NO), so lists can be ordered and paged in
the database as well as in Python, with the same result on both engines.
"""

from __future__ import annotations

import unicodedata

_ALPHABET = " 0123456789abcdefghijklmnopqrstuvwxyzæøå"
_CODES = {ch: f"{i + 10:02d}" for i, ch in enumerate(_ALPHABET)}
# Letters Norwegian sorts as another letter (ä/ö with æ/ø, ü with y, ð with d, þ as th).
_EQUIVALENT = {"ä": "æ", "ö": "ø", "ü": "y", "ð": "d", "þ": "th", "ß": "ss", "œ": "ø", "ǿ": "ø"}


def _fold(ch: str) -> str:
    if ch in _CODES or ch in _EQUIVALENT:
        return _EQUIVALENT.get(ch, ch)
    # Strip accents (é → e, ñ → n) but keep æ, ø, å as letters of their own.
    base = unicodedata.normalize("NFD", ch)[0]
    return base if base in _CODES else ""


def sort_key(text: str, *, name: bool = False) -> str:
    """A digit string; comparing two keys compares the texts in Norwegian alphabetical order.

    With ``name=True`` a double *aa* counts as *å*, as in Norwegian names and place names
    (Aasen sorts after Øvrebø).
    """
    folded = unicodedata.normalize("NFC", text).casefold()
    if name:
        folded = folded.replace("aa", "å")
    letters = "".join(_fold(ch) if not ch.isspace() else " " for ch in folded)
    letters = " ".join(letters.split())
    return "".join(_CODES[ch] for ch in letters)
