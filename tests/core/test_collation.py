from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from veikart.core.collation import sort_key


def test_it_sorts_ae_oe_aa_after_z() -> None:
    words = ["Åsgård", "Ørsnes", "Zakariassen", "Ærø", "Andersen", "Østby", "Berg"]
    assert sorted(words, key=sort_key) == [
        "Andersen",
        "Berg",
        "Zakariassen",
        "Ærø",
        "Ørsnes",
        "Østby",
        "Åsgård",
    ]


def test_it_sorts_foreign_letters_as_norwegian_dictionaries_do() -> None:
    assert sorted(["Özil", "Olsen", "Zorn"], key=sort_key) == ["Olsen", "Zorn", "Özil"]
    # ü sorts as y: Müller with the Myllers, after Mykland.
    assert sorted(["Müller", "Mykland", "Mathisen", "Myller"], key=sort_key)[:2] == [
        "Mathisen",
        "Mykland",
    ]
    assert sort_key("Édouard") == sort_key("edouard")


def test_double_a_in_names_sorts_as_aa() -> None:
    names = ["Aasen", "Øvrebø", "Andersen"]
    assert sorted(names, key=lambda n: sort_key(n, name=True)) == ["Andersen", "Øvrebø", "Aasen"]


def test_shorter_prefix_sorts_first() -> None:
    assert sorted(["Hansen", "Han", "Hans"], key=sort_key) == ["Han", "Hans", "Hansen"]


@given(st.text(alphabet="abcæøå ", max_size=8), st.text(alphabet="abcæøå ", max_size=8))
def test_keys_compare_like_the_norwegian_alphabet(a: str, b: str) -> None:
    alphabet = " abcæøå"

    def reference(word: str) -> list[int]:
        return [alphabet.index(ch) for ch in " ".join(word.split())]

    assert (sort_key(a) < sort_key(b)) == (reference(a) < reference(b))
    assert (sort_key(a) == sort_key(b)) == (reference(a) == reference(b))


def test_keys_are_digits_so_any_database_collation_agrees() -> None:
    assert sort_key("Ødegård, Bjørn").isdigit()
