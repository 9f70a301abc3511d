from __future__ import annotations

import hashlib
import hmac

from veikart.core.pseudonyms import pseudonym


def test_the_pseudonym_is_hmac_sha256_of_the_normalised_upn() -> None:
    expected = hmac.new(b"k" * 32, b"kari.nordmann@moss.kommune.no", hashlib.sha256).hexdigest()
    assert pseudonym("  Kari.Nordmann@Moss.Kommune.no ", key="k" * 32) == expected


def test_a_different_key_gives_an_unrelated_pseudonym() -> None:
    assert pseudonym("a@b.no", key="1" * 32) != pseudonym("a@b.no", key="2" * 32)


def test_the_same_person_gets_the_same_pseudonym_across_spellings() -> None:
    decomposed = "a\u030asa@moss.kommune.no"  # å written as a + combining ring
    assert pseudonym(decomposed, key="k" * 32) == pseudonym("Åsa@moss.kommune.no", key="k" * 32)
