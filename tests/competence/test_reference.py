from __future__ import annotations

from veikart.competence import digcomp
from veikart.competence.survey_templates import M365_COLLABORATION


def test_it_has_five_areas_and_twenty_one_competences_numbered_as_digcomp() -> None:
    assert [a.number for a in digcomp.AREAS] == [1, 2, 3, 4, 5]
    assert [c.code for c in digcomp.COMPETENCES] == [
        "1.1", "1.2", "1.3",
        "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
        "3.1", "3.2", "3.3", "3.4",
        "4.1", "4.2", "4.3", "4.4",
        "5.1", "5.2", "5.3", "5.4",
    ]  # fmt: skip
    assert digcomp.competence("2.4").title_en == "Collaborating through digital technologies"
    assert all(c.title_en and c.title_nb for c in digcomp.COMPETENCES)


def test_it_has_eight_levels_in_four_bands() -> None:
    assert digcomp.LEVEL_NUMBERS == (1, 2, 3, 4, 5, 6, 7, 8)
    bands = [level.band_en for level in digcomp.LEVELS]
    assert (
        bands
        == ["Foundation"] * 2 + ["Intermediate"] * 2 + ["Advanced"] * 2 + ["Highly specialised"] * 2
    )


def test_the_microsoft_365_template_covers_the_collaboration_competences() -> None:
    codes = {q.competence for q in M365_COLLABORATION.questions}
    assert {"1.3", "2.1", "2.2", "2.4", "3.1", "4.1", "4.2"} <= codes
    texts = [q.text for q in M365_COLLABORATION.questions]
    assert "Jeg kan dele en fil i Teams slik at kollegene redigerer samme versjon." in texts
