"""Reference data of the European Digital Competence Framework for Citizens, DigComp 2.2.

Source: Vuorikari, R., Kluzer, S. and Punie, Y., *DigComp 2.2: The Digital Competence Framework
for Citizens*, Publications Office of the European Union, 2022 (JRC128415). The framework has five
competence areas, 21 competences numbered 1.1 to 5.4, and eight proficiency levels in four bands.

The English titles are the framework's own. **The bokmål titles are Veikart's translation**, not
an official one; change them here (and only here) if the organisation prefers other wording.
Plain data; Django is used only to pick the title in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language


def _bokmal() -> bool:
    return (get_language() or "nb").startswith(("nb", "no"))


@dataclass(frozen=True)
class Area:
    number: int
    title_en: str
    title_nb: str

    @property
    def title(self) -> str:
        """The title in the active language (bokmål unless English is chosen)."""
        return self.title_nb if _bokmal() else self.title_en


@dataclass(frozen=True)
class Competence:
    code: str  # "2.4"
    title_en: str
    title_nb: str

    @property
    def area(self) -> int:
        return int(self.code.split(".")[0])

    @property
    def title(self) -> str:
        return self.title_nb if _bokmal() else self.title_en


@dataclass(frozen=True)
class Level:
    """A proficiency level (1–8) and its band; the description follows DigComp's level table
    (complexity of the task, autonomy, cognitive domain)."""

    number: int
    band_en: str
    band_nb: str
    description_en: str
    description_nb: str

    @property
    def band(self) -> str:
        return self.band_nb if _bokmal() else self.band_en

    @property
    def description(self) -> str:
        return self.description_nb if _bokmal() else self.description_en


AREAS: tuple[Area, ...] = (
    Area(1, "Information and data literacy", "Informasjons- og datakompetanse"),
    Area(2, "Communication and collaboration", "Kommunikasjon og samarbeid"),
    Area(3, "Digital content creation", "Digital innholdsproduksjon"),
    Area(4, "Safety", "Sikkerhet"),
    Area(5, "Problem solving", "Problemløsning"),
)

COMPETENCES: tuple[Competence, ...] = (
    Competence(
        "1.1",
        "Browsing, searching and filtering data, information and digital content",
        "Søke etter, bla gjennom og filtrere data, informasjon og digitalt innhold",
    ),
    Competence(
        "1.2",
        "Evaluating data, information and digital content",
        "Vurdere data, informasjon og digitalt innhold",
    ),
    Competence(
        "1.3",
        "Managing data, information and digital content",
        "Håndtere data, informasjon og digitalt innhold",
    ),
    Competence(
        "2.1",
        "Interacting through digital technologies",
        "Samhandle ved hjelp av digital teknologi",
    ),
    Competence(
        "2.2", "Sharing through digital technologies", "Dele ved hjelp av digital teknologi"
    ),
    Competence(
        "2.3",
        "Engaging in citizenship through digital technologies",
        "Delta i samfunnet ved hjelp av digital teknologi",
    ),
    Competence(
        "2.4",
        "Collaborating through digital technologies",
        "Samarbeide ved hjelp av digital teknologi",
    ),
    Competence("2.5", "Netiquette", "Nettvett"),
    Competence("2.6", "Managing digital identity", "Håndtere digital identitet"),
    Competence("3.1", "Developing digital content", "Utvikle digitalt innhold"),
    Competence(
        "3.2",
        "Integrating and re-elaborating digital content",
        "Integrere og bearbeide digitalt innhold",
    ),
    Competence("3.3", "Copyright and licences", "Opphavsrett og lisenser"),
    Competence("3.4", "Programming", "Programmering"),
    Competence("4.1", "Protecting devices", "Beskytte enheter"),
    Competence(
        "4.2", "Protecting personal data and privacy", "Beskytte personopplysninger og personvern"
    ),
    Competence("4.3", "Protecting health and well-being", "Beskytte helse og trivsel"),
    Competence("4.4", "Protecting the environment", "Beskytte miljøet"),
    Competence("5.1", "Solving technical problems", "Løse tekniske problemer"),
    Competence(
        "5.2",
        "Identifying needs and technological responses",
        "Identifisere behov og teknologiske løsninger",
    ),
    Competence(
        "5.3", "Creatively using digital technologies", "Bruke digital teknologi på kreative måter"
    ),
    Competence(
        "5.4",
        "Identifying digital competence gaps",
        "Identifisere mangler i egen digital kompetanse",
    ),
)

_FOUNDATION = ("Foundation", "Grunnleggende")
_INTERMEDIATE = ("Intermediate", "Middels")
_ADVANCED = ("Advanced", "Avansert")
_SPECIALISED = ("Highly specialised", "Høyt spesialisert")

LEVELS: tuple[Level, ...] = (
    Level(1, *_FOUNDATION, "Simple tasks, with guidance", "Enkle oppgaver, med veiledning"),
    Level(
        2,
        *_FOUNDATION,
        "Simple tasks, on my own and with guidance where needed",
        "Enkle oppgaver, på egen hånd og med veiledning ved behov",
    ),
    Level(
        3,
        *_INTERMEDIATE,
        "Well-defined, routine tasks, on my own",
        "Veldefinerte rutineoppgaver, på egen hånd",
    ),
    Level(
        4,
        *_INTERMEDIATE,
        "Well-defined tasks and non-routine problems, independently",
        "Veldefinerte oppgaver og problemer utenom rutinen, selvstendig",
    ),
    Level(
        5,
        *_ADVANCED,
        "Different tasks and problems, and I guide others",
        "Ulike oppgaver og problemer, og jeg veileder andre",
    ),
    Level(
        6,
        *_ADVANCED,
        "I choose the most suitable approach and help others in complex situations",
        "Jeg velger den beste framgangsmåten og hjelper andre i sammensatte situasjoner",
    ),
    Level(
        7,
        *_SPECIALISED,
        "I solve complex problems with few solutions and improve our professional practice",
        "Jeg løser komplekse problemer med få løsninger og forbedrer praksis i fagmiljøet",
    ),
    Level(
        8,
        *_SPECIALISED,
        "I solve complex problems with many factors and propose new ideas to the field",
        "Jeg løser komplekse problemer med mange faktorer og foreslår nye ideer for fagfeltet",
    ),
)

LEVEL_NUMBERS: tuple[int, ...] = tuple(level.number for level in LEVELS)
MIN_LEVEL, MAX_LEVEL = LEVEL_NUMBERS[0], LEVEL_NUMBERS[-1]

_BY_CODE = {c.code: c for c in COMPETENCES}
_AREA_BY_NUMBER = {a.number: a for a in AREAS}


def competence(code: str) -> Competence:
    """The competence numbered ``code`` ("2.4"); KeyError for a number DigComp does not have."""
    return _BY_CODE[code]


def area(number: int) -> Area:
    return _AREA_BY_NUMBER[number]


def competence_choices() -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} {c.title}") for c in COMPETENCES]
