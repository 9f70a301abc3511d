"""Stage 1 of the simulator: the organisation of "Nye Moss" and everyone who worked there.

Moss kommune (about two thirds of the staff) and Rygge kommune merged into the new Moss kommune on
``config.merger_date``. :func:`generate_population` builds the two pre-merger unit trees (sectors,
units named after places, sub-units), the tree of the merged municipality with the unit every old
unit became part of, and a :class:`~veikart.demo.simulator.model.Population`: the
``config.employees`` people employed on ``config.start`` plus everyone hired during the span, with
leavers, managers, digital champions and sign-in names before and after the merger.
:func:`write_hr_export` writes it as the HR export snapshots ``veikart import-org`` reads.

Everything is drawn from ``numpy.random.default_rng(config.seed)`` in a fixed order (never from
hash or set order), so a seed always gives the same organisation and byte-identical files. The
number of schools, kindergartens, nursing homes, home-care zones and so on grows with the size: a
municipality of 50,000 employees gets hundreds of them, named after Norwegian places.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import (
    FORMER_ORGS,
    UNIT_TYPES,
    BoolArray,
    DateArray,
    IntArray,
    Population,
    UnitRow,
)

Rng = np.random.Generator
FloatArray = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]

MOSS, RYGGE, MERGED = 0, 1, -1
MIN_EMPLOYEES = 200  # fewer do not fill the smallest unit tree
NAT = np.datetime64("NaT", "D")
ONE_DAY = np.timedelta64(1, "D")


# ------------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationParams:
    """Every parameter of the organisation (sizes, shares, rates). Defaults fit Moss and Rygge."""

    moss_share: float = 0.65  # share of the staff on config.start employed by Moss (rest: Rygge)
    annual_turnover: float = 0.08  # yearly rate at which employees leave (managers stay)
    replacement_share: float = 1.0  # share of leavers whose position is filled again
    vacancy_days: tuple[int, int] = (14, 120)  # from a leaver's last day to the successor's first
    annual_growth: float = 0.01  # new positions per year, as a share of the staff on config.start
    champion_share: float = 0.03  # digital champions among the staff on the merger date
    merger_movers: float = 0.02  # share of staff moved to another unit of the same kind at merger
    moss_keeps_manager: float = 0.7  # chance a merged unit is led by its Moss manager
    mean_tenure_years: float = 9.0  # mean years of service of the staff on config.start
    manager_extra_tenure_years: tuple[float, float] = (2.0, 10.0)  # managers have served longer
    first_hire: dt.date = dt.date(1985, 1, 1)  # nobody started earlier
    # Names common among immigrants to Norway, among recent hires (each origin only after the year
    # such names became plausible in Moss and Rygge): about 15 % of everyone.
    immigrant_name_share: float = 0.18
    double_surname_share: float = 0.03  # Norwegians with two surnames ("Løken Aasen")
    sector_staff_share: float = 0.002  # advisers in each sector's own unit, per employee of org
    # Relative share of the staff per kind of unit (normalised over the kinds an org has).
    staff_shares: tuple[tuple[str, float], ...] = (
        ("finance", 0.012),
        ("hr", 0.010),
        ("it", 0.008),
        ("service", 0.010),
        ("politics", 0.003),
        ("school", 0.240),
        ("kindergarten", 0.120),
        ("ppt", 0.006),
        ("child_welfare", 0.015),
        ("nursing", 0.160),
        ("homecare", 0.110),
        ("residence", 0.050),
        ("mental_health", 0.025),
        ("healthstation", 0.015),
        ("allocation", 0.006),
        ("nav", 0.020),
        ("property", 0.050),
        ("roads", 0.030),
        ("plan", 0.012),
        ("library", 0.008),
        ("culture_school", 0.012),
        ("youth", 0.008),
    )
    # People per unit, manager included: (kind, smallest, largest). "school" and "nursing" are
    # whole schools and nursing homes (split into departments when large); "section" is one
    # department, zone or team; "leadership" a sector's own unit; "office" the leadership group of
    # a unit with departments.
    unit_sizes: tuple[tuple[str, int, int], ...] = (
        ("school", 20, 80),
        ("kindergarten", 8, 28),
        ("nursing", 30, 110),
        ("residence", 8, 24),
        ("section", 8, 24),
        ("leadership", 1, 3),
        ("office", 2, 4),
    )

    def share(self, kind: str) -> float:
        return dict(self.staff_shares).get(kind, 0.0)

    def size(self, kind: str) -> tuple[int, int]:
        for key, low, high in self.unit_sizes:
            if key == kind:
                return low, high
        raise KeyError(f"no unit size for {kind!r}")


DEFAULT_PARAMS = OrganisationParams()


# ------------------------------------------------------------------------------------------------
# Units: what kinds there are, and their names
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    key: str
    sector: tuple[str, str]  # the sector (a kind key) it sits under in Moss and Rygge; "" = top
    names: tuple[str, str, str]  # in Moss, Rygge and the merged municipality; "" = had none
    unit_type: str  # one of UNIT_TYPES
    profile: str  # key of STAFF_TITLES: who works in its (leaf) units
    office: str = ""  # profile of the leadership unit when it has sub-units
    sections: tuple[str, ...] = ()  # names of sub-units, when it is large enough
    more: str = ""  # pattern for further sub-units: "Avdeling {n}", "Sone {place}"
    placed: bool = False  # many units named after places ("{place} skole")
    split_at: int = 30  # split into sub-units when it has more people than this


SECTOR_KEYS = ("stab", "oppvekst", "helse", "teknisk", "kultur")
_STAB = ("stab", "stab")
_OPPVEKST = ("oppvekst", "oppvekst")
_HELSE = ("helse", "helse")
_TEKNISK = ("teknisk", "teknisk")
_KULTUR = ("kultur", "kultur")

# In display order; a sector's units follow in this order too.
KINDS: tuple[_Kind, ...] = (
    _Kind(
        "stab",
        ("", ""),
        ("Stab og administrasjon", "Sentraladministrasjonen", "Stab og administrasjon"),
        "office",
        "stab",
    ),
    _Kind(
        "finance",
        _STAB,
        ("Økonomi", "Økonomi", "Økonomi"),
        "office",
        "finance",
        "finance",
        ("Regnskap", "Budsjett og analyse", "Innkjøp", "Fakturamottak", "Skatt og innfordring"),
    ),
    _Kind(
        "hr",
        _STAB,
        ("HR og organisasjon", "Personal og organisasjon", "HR og organisasjon"),
        "office",
        "hr",
        "hr",
        ("Lønn", "Rekruttering og kompetanse", "HMS og arbeidsmiljø", "Organisasjonsutvikling"),
    ),
    _Kind(
        "it",
        _STAB,
        ("IKT", "", "IKT"),
        "office",
        "it",
        "it",
        ("Brukerstøtte", "Drift og infrastruktur", "Digitalisering", "Fagsystemer"),
    ),
    _Kind(
        "service",
        _STAB,
        ("Servicetorget", "Servicetorget", "Servicetorget"),
        "office",
        "service",
        "service",
        ("Publikumsmottak", "Dokumentsenter", "Sentralbord"),
    ),
    _Kind(
        "politics",
        _STAB,
        ("Politisk sekretariat", "", "Politisk sekretariat"),
        "office",
        "politics",
    ),
    _Kind("oppvekst", ("", ""), ("Oppvekst", "Oppvekst", "Oppvekst"), "office", "sector"),
    _Kind("school", _OPPVEKST, ("", "", ""), "school", "school", "school_office", placed=True),
    _Kind("kindergarten", _OPPVEKST, ("", "", ""), "kindergarten", "kindergarten", placed=True),
    _Kind("ppt", _OPPVEKST, ("PP-tjenesten", "PP-tjenesten", "PP-tjenesten"), "office", "ppt"),
    _Kind(
        "child_welfare",
        _OPPVEKST,
        ("Barneverntjenesten", "Barnevernet", "Barneverntjenesten"),
        "office",
        "child_welfare",
        "child_welfare",
        ("Mottak og undersøkelse", "Tiltak", "Omsorg og oppfølging"),
    ),
    _Kind(
        "helse",
        ("", ""),
        ("Helse og omsorg", "Helse og velferd", "Helse og omsorg"),
        "office",
        "sector",
    ),
    _Kind(
        "nursing",
        _HELSE,
        ("", "", ""),
        "care",
        "nursing",
        "nursing_office",
        more="Avdeling {n}",
        placed=True,
        split_at=40,
    ),
    _Kind(
        "homecare",
        _HELSE,
        ("Hjemmetjenesten", "Hjemmetjenesten", "Hjemmetjenesten"),
        "care",
        "homecare",
        "homecare_office",
        more="Sone {place}",
        split_at=24,
    ),
    _Kind("residence", _HELSE, ("", "", ""), "care", "residence", placed=True),
    _Kind(
        "mental_health",
        _HELSE,
        ("Psykisk helse og rus", "Psykisk helse og rus", "Psykisk helse og rus"),
        "care",
        "mental_health",
        "mental_health",
        ("Psykisk helse", "Rustjenesten", "Oppfølgingstjenesten"),
    ),
    _Kind(
        "healthstation",
        _HELSE,
        ("Helsestasjonen", "Helsestasjonen", "Helsestasjonen"),
        "care",
        "healthstation",
        "healthstation",
        (
            "Helsestasjon 0–5 år",
            "Skolehelsetjenesten",
            "Helsestasjon for ungdom",
            "Jordmortjenesten",
        ),
    ),
    _Kind(
        "allocation",
        _HELSE,
        ("Tildelingskontoret", "Tildelingskontoret", "Tildelingskontoret"),
        "office",
        "allocation",
    ),
    _Kind(
        "teknisk",
        ("", ""),
        ("Teknikk og miljø", "Tekniske tjenester", "Teknikk og miljø"),
        "office",
        "sector",
    ),
    _Kind(
        "property",
        _TEKNISK,
        ("Bygg og eiendom", "Bygg og eiendom", "Bygg og eiendom"),
        "technical",
        "property",
        "property",
        ("Eiendomsforvaltning", "Drift og vedlikehold", "Renhold", "Prosjekt"),
    ),
    _Kind(
        "roads",
        _TEKNISK,
        ("Vei, vann og avløp", "Vei, vann og avløp", "Vei, vann og avløp"),
        "technical",
        "roads",
        "roads",
        ("Vei og park", "Vann og avløp", "Drift og beredskap"),
    ),
    _Kind(
        "plan",
        _TEKNISK,
        ("Plan og byggesak", "Plan, bygg og geodata", "Plan og byggesak"),
        "office",
        "plan",
        "plan",
        ("Byggesak", "Arealplan", "Geodata og oppmåling"),
    ),
    _Kind("kultur", ("", ""), ("Kultur", "Kultur og fritid", "Kultur"), "office", "sector"),
    _Kind("library", _KULTUR, ("Bibliotek", "Bibliotek", "Bibliotek"), "culture", "library"),
    _Kind(
        "culture_school",
        _KULTUR,
        ("Kulturskolen", "Kulturskolen", "Kulturskolen"),
        "culture",
        "culture_school",
    ),
    _Kind(
        "youth",
        _KULTUR,
        ("Ungdom og fritid", "Ungdom og fritid", "Ungdom og fritid"),
        "culture",
        "youth",
    ),
    # Moss's NAV office is a sector of its own; Rygge's sat under Helse og velferd.
    _Kind(
        "nav",
        ("", "helse"),
        ("NAV Moss", "NAV Rygge", "NAV Moss"),
        "nav",
        "nav",
        "nav",
        ("Mottak og veiledning", "Oppfølging", "Marked og arbeid", "Sosiale tjenester"),
    ),
)
_KIND_BY_KEY = {kind.key: kind for kind in KINDS}
_KIND_RANK = {kind.key: rank for rank, kind in enumerate(KINDS)}

# Names of placed units: patterns with weights, per org; the first names are used first.
_PLACED_PATTERNS: dict[tuple[str, int], tuple[tuple[str, float], ...]] = {
    ("school", MOSS): (("{} skole", 0.78), ("{} ungdomsskole", 0.22)),
    ("school", RYGGE): (("{} skole", 0.78), ("{} ungdomsskole", 0.22)),
    ("kindergarten", MOSS): (("{} barnehage", 1.0),),
    ("kindergarten", RYGGE): (("{} barnehage", 1.0),),
    ("nursing", MOSS): (
        ("{} sykehjem", 0.6),
        ("{} bo- og behandlingssenter", 0.2),
        ("{} helse- og omsorgssenter", 0.2),
    ),
    ("nursing", RYGGE): (("{} omsorgssenter", 0.6), ("{} sykehjem", 0.4)),
    ("residence", MOSS): (("{} bofellesskap", 0.7), ("{} omsorgsboliger", 0.3)),
    ("residence", RYGGE): (("{} bofellesskap", 0.7), ("{} omsorgsboliger", 0.3)),
}
_FIRST_NAMES: dict[tuple[str, int], tuple[str, ...]] = {
    ("school", MOSS): ("Hoppern skole", "Krapfoss skole", "Bytårnet skole", "Ramberg skole"),
    ("school", RYGGE): ("Ekholt skole", "Halmstad skole", "Larkollen skole", "Rygge ungdomsskole"),
    ("kindergarten", MOSS): ("Kambo barnehage", "Tusenfryd barnehage", "Skoggata barnehage"),
    ("kindergarten", RYGGE): ("Larkollen barnehage",),
    ("nursing", MOSS): ("Orkerød sykehjem",),
    ("nursing", RYGGE): ("Rygge omsorgssenter",),
    ("homecare", RYGGE): ("Sone Rygge", "Sone Larkollen"),
}
_SCHOOL_SECTIONS = ("Småtrinnet", "Mellomtrinnet", "SFO")
_LOWER_SECONDARY_SECTIONS = ("8. trinn", "9. trinn", "10. trinn")

# fmt: off
LOCAL_PLACES: tuple[tuple[str, ...], tuple[str, ...]] = (
    (  # Moss
        "Hoppern", "Krapfoss", "Bytårnet", "Ramberg", "Kambo", "Skoggata", "Orkerød", "Jeløy",
        "Refsnes", "Melløs", "Nøkkeland", "Reier", "Verket", "Høyden", "Kransen", "Mosseskogen",
        "Tronvik", "Sandbukta", "Grindvold", "Helgerød", "Trolldalen", "Malakoff", "Bellevue",
        "Kallum", "Gullhaug", "Vestre Jeløy", "Noreløkka", "Skarmyra",
    ),
    (  # Rygge
        "Ekholt", "Halmstad", "Larkollen", "Rygge", "Dilling", "Øreåsen", "Sildebauen",
        "Kirkeparken", "Fuglevik", "Tasken", "Hurrød", "Rosnes", "Kirkebygden", "Ødegården",
        "Værne", "Sunnhaugen",
    ),
)

# Common Norwegian place and farm names; split between Moss and Rygge for larger organisations.
_PLACE_STEMS = (
    "Bjørke", "Gran", "Furu", "Eike", "Sol", "Linde", "Ospe", "Rogne", "Hassel", "Selje", "Alm",
    "Rose", "Hegge", "Lønne",
)
_PLACE_ENDINGS = (
    "lia", "heim", "haugen", "bakken", "dalen", "vika", "tangen", "moen", "lund", "hagen", "åsen",
)
_REAL_PLACES = (
    "Bakkeli", "Bekkeli", "Bergheim", "Bjerke", "Blakstad", "Bleiker", "Borgen", "Brattås",
    "Brekke", "Bryn", "Bøler", "Dal", "Eik", "Eikeli", "Ekeberg", "Ellingsrud", "Elvebakken",
    "Engelsrud", "Enger", "Fagerli", "Fagerstrand", "Fjell", "Fjellstad", "Flaten", "Fossum",
    "Furulund", "Furuset", "Granli", "Grefsen", "Grorud", "Haga", "Hammer", "Haugerud",
    "Hauketo", "Hellerud", "Hov", "Hovseter", "Hvam", "Høybråten", "Holmen", "Hovin", "Kjelsås",
    "Kirkerud", "Kjenn", "Knatten", "Korsvoll", "Kringsjå", "Kroer", "Kvernhus", "Langhus",
    "Lia", "Lien", "Lindeberg", "Linderud", "Lisleby", "Lunde", "Lysaker", "Løkka", "Maridal",
    "Marienlyst", "Mo", "Myrvoll", "Nordby", "Nordstrand", "Nylund", "Nyborg", "Nygård",
    "Opsahl", "Prestegården", "Prinsdal", "Ravnsborg", "Refstad", "Ris", "Rommen", "Romsås",
    "Rud", "Ruseløkka", "Rustad", "Ryen", "Rødtvet", "Sagene", "Sandaker", "Sandbakken",
    "Sjøskogen", "Skjønnhaug", "Skogli", "Skogbrynet", "Skovheim", "Skøyen", "Slemdal",
    "Smestad", "Solberg", "Solbakken", "Solheim", "Sollerud", "Sofienberg", "Stovner",
    "Strand", "Strømmen", "Svartskog", "Sørli", "Tokerud", "Tonsen", "Torshov", "Trosterud",
    "Tveita", "Ullern", "Ulsrud", "Uranienborg", "Vahl", "Vettre", "Vestli", "Vinderen",
    "Voksen", "Øraker", "Østensjø", "Åsheim", "Åsly", "Ekeli", "Fjellhamar", "Bogstad",
    "Tåsen", "Berg", "Bekkestua", "Haslum", "Hosle", "Jar", "Stabekk", "Eiksmarka", "Grav",
    "Hundsund", "Kolsås", "Rykkinn", "Tanum", "Vøyenenga", "Berger", "Bjørnemyr", "Dyrløkke",
    "Fjellsrud", "Flateby", "Hallagerbakken", "Holmlia", "Kirkelandet", "Lindeman", "Løvås",
    "Meheia", "Mortensrud", "Møllergata", "Nordseter", "Ormerud", "Rosenholm", "Rugtvedt",
    "Seljeneset", "Skullerud", "Stensrud", "Sæter", "Teisen", "Tåsenløkka", "Vålerenga",
    "Veitvet", "Vestre Aker", "Årvoll", "Åsland", "Nyjordet", "Bjørndal", "Greverud",
    "Kråkstad", "Ljan", "Mastemyr", "Nøstvedt", "Oppegård", "Sofiemyr", "Tårnåsen", "Vevelstad",
    "Hebekk", "Kjærnes", "Rustadgrenda", "Snipetorp", "Tveten", "Åsenhagen", "Brannfjell",
    "Klemetsrud", "Lambertseter", "Manglerud", "Høyenhall", "Abildsø", "Bjølsen", "Disen",
    "Engebråten", "Lilleborg", "Marcus Thrane", "Nydalen", "Storo", "Apalløkka", "Bakås",
    "Fjeldset", "Hoff", "Lindtveit", "Rødberg", "Skjelsvik", "Tollef", "Vardåsen",
)
_KINDERGARTEN_NAMES = (
    "Tusenfryd", "Solsikken", "Blåbærtua", "Marihøna", "Trollskogen", "Eventyrhagen",
    "Smørblomsten", "Humla", "Kløverenga", "Maurtua", "Regnbuen", "Rosenhagen", "Blåklokka",
    "Prestekragen", "Furutoppen", "Solstrålen", "Askeladden", "Lillebo", "Bamsebo", "Tyrihans",
    "Eikenøtta", "Tittentei", "Kongle", "Bjørnebo", "Fiolen", "Løvetann",
)
# fmt: on
_PREFIXES = ("Øvre", "Nedre", "Nordre", "Søndre", "Vestre", "Østre")
HR_SYSTEM_START = (dt.date(2004, 1, 1), dt.date(2008, 1, 1))  # oldest gyldig_fra, Moss/Rygge
LATER_REORGANISATIONS = (dt.date(2012, 1, 1), dt.date(2016, 8, 1))


def _org_share(index: int, org: int) -> bool:
    """Whether the generic place name number ``index`` belongs to ``org`` (13 of 20 to Moss)."""
    return (index % 20 < 13) == (org == MOSS)


def _generic_places() -> tuple[str, ...]:
    composed = tuple(stem + ending for ending in _PLACE_ENDINGS for stem in _PLACE_STEMS)
    seen: set[str] = set()
    result: list[str] = []
    for name in (*_REAL_PLACES, *composed):
        if name not in seen:
            seen.add(name)
            result.append(name)
    return tuple(result)


GENERIC_PLACES = _generic_places()


class _Namer:
    """Hands out unit names that are unique per kind across both organisations."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.used: dict[str, set[str]] = {}

    def _places(self, org: int, extra: Sequence[str] = ()) -> Iterator[str]:
        local = [LOCAL_PLACES[org][i] for i in self.rng.permutation(len(LOCAL_PLACES[org]))]
        generic = [p for i, p in enumerate(GENERIC_PLACES) if _org_share(i, org)]
        generic += [p for i, p in enumerate(extra) if _org_share(i, org)]
        generic = [generic[i] for i in self.rng.permutation(len(generic))]
        yield from local
        yield from generic
        for prefix in _PREFIXES:
            for place in (*local, *generic):
                if " " not in place:
                    yield f"{prefix} {place}"
        number = 2
        while True:
            for place in (*local, *generic):
                yield f"{place} {number}"
            number += 1

    def placed(self, kind: str, org: int) -> Iterator[str]:
        """Names of ``kind`` units in ``org``: the well-known ones first, then place names."""
        used = self.used.setdefault(kind, set())
        places = self.used.setdefault(f"{kind} places", set())  # one school per place, and so on
        patterns = _PLACED_PATTERNS.get((kind, org), (("Sone {}", 1.0),))
        for name in _FIRST_NAMES.get((kind, org), ()):
            if name not in used:
                used.add(name)
                for pattern, _weight in patterns:
                    before, _, after = pattern.partition("{}")
                    if name.startswith(before) and name.endswith(after):
                        places.add(name[len(before) : len(name) - len(after)])
                yield name
        weights = np.array([w for _p, w in patterns])
        extra = _KINDERGARTEN_NAMES if kind == "kindergarten" else ()
        for place in self._places(org, extra):
            pattern = patterns[int(self.rng.choice(len(patterns), p=weights / weights.sum()))][0]
            name = pattern.format(place)
            if name not in used and place not in places:
                used.add(name)
                places.add(place)
                yield name


# ------------------------------------------------------------------------------------------------
# People: titles and names
# ------------------------------------------------------------------------------------------------

# Job titles of the people in a unit (besides its manager), with weights.
STAFF_TITLES: dict[str, tuple[tuple[str, int], ...]] = {
    "stab": (("Spesialrådgiver", 2), ("Kommuneadvokat", 1), ("Rådgiver", 2)),
    "sector": (("Rådgiver", 3), ("Spesialrådgiver", 1), ("Controller", 1)),
    "finance": (
        ("Regnskapskonsulent", 4),
        ("Controller", 2),
        ("Fakturakonsulent", 2),
        ("Innkjøpsrådgiver", 1),
        ("Rådgiver", 2),
    ),
    "hr": (("HR-rådgiver", 4), ("Lønnskonsulent", 3), ("Seniorrådgiver", 1)),
    "it": (("IKT-konsulent", 3), ("Systemansvarlig", 2), ("Nettverksingeniør", 1), ("Rådgiver", 1)),
    "service": (("Servicekonsulent", 4), ("Arkivar", 2), ("Konsulent", 2)),
    "politics": (("Politisk sekretær", 2), ("Rådgiver", 1), ("Konsulent", 1)),
    "ppt": (("PP-rådgiver", 4), ("Logoped", 1)),
    "child_welfare": (
        ("Barnevernspedagog", 4),
        ("Sosionom", 2),
        ("Saksbehandler", 1),
        ("Familieterapeut", 1),
    ),
    "plan": (
        ("Byggesaksbehandler", 3),
        ("Arealplanlegger", 2),
        ("Ingeniør", 1),
        ("Oppmålingsingeniør", 1),
    ),
    "school_office": (("Undervisningsinspektør", 1), ("Konsulent", 1), ("Rådgiver", 1)),
    "school": (
        ("Lærer", 12),
        ("Lektor", 3),
        ("Adjunkt", 3),
        ("Spesialpedagog", 1),
        ("Barne- og ungdomsarbeider", 2),
        ("Assistent", 2),
        ("Miljøterapeut", 1),
    ),
    "sfo": (
        ("SFO-assistent", 4),
        ("Barne- og ungdomsarbeider", 3),
        ("Fagarbeider", 1),
        ("Assistent", 2),
    ),
    "kindergarten": (
        ("Barnehagelærer", 4),
        ("Pedagogisk leder", 3),
        ("Fagarbeider", 4),
        ("Barne- og ungdomsarbeider", 2),
        ("Assistent", 3),
    ),
    "nursing_office": (
        ("Fagutviklingssykepleier", 1),
        ("Konsulent", 1),
        ("Ergoterapeut", 1),
        ("Fysioterapeut", 1),
    ),
    "nursing": (
        ("Sykepleier", 5),
        ("Helsefagarbeider", 6),
        ("Assistent", 3),
        ("Spesialsykepleier", 1),
    ),
    "kitchen": (("Kokk", 2), ("Kjøkkenassistent", 2)),
    "homecare_office": (("Koordinator", 1), ("Konsulent", 1)),
    "homecare": (("Sykepleier", 4), ("Helsefagarbeider", 5), ("Vernepleier", 1), ("Assistent", 2)),
    "residence": (
        ("Vernepleier", 3),
        ("Miljøterapeut", 2),
        ("Helsefagarbeider", 3),
        ("Assistent", 3),
    ),
    "mental_health": (
        ("Psykiatrisk sykepleier", 3),
        ("Miljøterapeut", 2),
        ("Sosionom", 1),
        ("Erfaringskonsulent", 1),
        ("Vernepleier", 1),
    ),
    "healthstation": (("Helsesykepleier", 4), ("Jordmor", 1), ("Fysioterapeut", 1)),
    "allocation": (("Saksbehandler", 2), ("Rådgiver", 1)),
    "property": (
        ("Vaktmester", 3),
        ("Renholder", 3),
        ("Ingeniør", 1),
        ("Prosjektleder", 1),
        ("Driftstekniker", 1),
    ),
    "roads": (("Fagarbeider", 3), ("Driftsoperatør", 2), ("Ingeniør", 2), ("Maskinfører", 1)),
    "library": (("Bibliotekar", 3), ("Biblioteksassistent", 1)),
    "culture_school": (("Kulturskolelærer", 4), ("Musikkpedagog", 1)),
    "youth": (("Miljøarbeider", 3), ("Fritidsleder", 1), ("Ungdomsarbeider", 2)),
    "nav": (("Veileder", 4), ("Saksbehandler", 2), ("Rådgiver", 1)),
}
PROFILES: tuple[str, ...] = tuple(STAFF_TITLES)
_PROFILE_INDEX = {profile: i for i, profile in enumerate(PROFILES)}

# Share of women among the people of a unit (Norwegian municipalities are about 75 % women).
FEMALE_SHARE: dict[str, float] = {
    "school": 0.75,
    "school_office": 0.75,
    "sfo": 0.8,
    "kindergarten": 0.9,
    "nursing": 0.85,
    "nursing_office": 0.85,
    "kitchen": 0.7,
    "homecare": 0.85,
    "homecare_office": 0.85,
    "residence": 0.75,
    "mental_health": 0.75,
    "healthstation": 0.95,
    "child_welfare": 0.85,
    "property": 0.35,
    "roads": 0.1,
    "it": 0.3,
    "plan": 0.5,
}
DEFAULT_FEMALE_SHARE = 0.65
SCHOOL_YEAR_PROFILES = frozenset({"school", "school_office", "sfo", "kindergarten"})


class Origin(NamedTuple):
    weight: float  # relative, among the immigrant origins
    since: int  # first year such names are plausible among new hires in Moss and Rygge
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male form, female form)


def _same(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in names)


# fmt: off
NORWEGIAN = Origin(
    1.0,
    1900,
    female=(
        "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Hilde", "Berit", "Astrid",
        "Bjørg", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Kristin", "Tone", "Heidi",
        "Silje", "Camilla", "Hanne", "Ragnhild", "Elisabeth", "Ingeborg", "Grete", "Mette",
        "Line", "Tove", "Åse", "Sigrid", "Guro", "Marte", "Kristine", "Ellen", "Torill", "Unni",
        "Wenche", "Siri", "Julie", "Maria", "Thea", "Ingvild", "Synnøve", "Gunn", "Britt",
        "Signe", "Hege", "Trine", "Bente", "Lene", "Stine", "Anette", "Vigdis", "Sølvi",
        "Torunn", "Kjærsti", "Frøydis", "Åshild", "Målfrid", "Gøril", "Karoline", "Tuva",
        "Hanna", "Emilie", "Nora", "Sara", "Monica", "Cecilie", "Kjersti", "Margrethe", "Lise",
        "Reidun", "Jorunn", "Gro", "Irene", "Rita", "Laila", "Merete", "Helene", "Janne",
        "Anne-Lise", "Ann-Kristin", "Anne Marie", "Céline",
    ),
    male=(
        "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas", "Hans",
        "Geir", "Tor", "Morten", "Terje", "Erik", "Martin", "Andreas", "Rune", "Trond", "Jon",
        "Anders", "Espen", "Tore", "Harald", "Stian", "Øyvind", "Håkon", "Magnus", "Eirik",
        "Jørgen", "Frode", "Steinar", "Kåre", "Nils", "Øystein", "Pål", "Ivar", "Einar",
        "Vidar", "Kristian", "Henrik", "Jonas", "Fredrik", "Gunnar", "Ørjan", "Håvard",
        "Sindre", "Torbjørn", "Ståle", "Jørn", "Asbjørn", "Sverre", "Roar", "Leif", "Helge",
        "Atle", "Audun", "Petter", "Even", "Vegard", "Kenneth", "Tommy", "Robert", "Daniel",
        "Christian", "Marius", "Joakim", "Ove", "Arild", "Bård", "Dag", "Odd", "Reidar", "Glenn",
        "Ronny", "Alexander", "Simen", "Øivind", "André", "Per Olav", "Jan Erik",
        "Hans Petter", "Tor Arne",
    ),
    surnames=_same(
        "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
        "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen",
        "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen",
        "Henriksen", "Lund", "Sørensen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
        "Svendsen", "Eide", "Knutsen", "Martinsen", "Bakken", "Kristoffersen", "Lie",
        "Amundsen", "Sæther", "Løken", "Ødegård", "Aasen", "Hågensen", "Bråten", "Grønli",
        "Røed", "Bøe", "Næss", "Østby", "Sørlie", "Kjær", "Skår", "Lærum", "Mørk",
        "Tønnesen", "Bjørnstad", "Dæhli", "Thorsen", "Ruud", "Nordby", "Engebretsen", "Myhre",
        "Holm", "Wang", "Vik", "Brekke", "Tangen", "Nygård", "Aas", "Sundby", "Kolstad",
        "Rustad", "Skaug", "Fossum", "Hauge", "Ekeberg", "Rød", "Høiby", "Sætre", "Åsheim",
        "Mathisen", "Paulsen", "Jakobsen", "Sandberg", "Nordahl", "Rygh", "Kristensen",
        "Evensen", "Andresen", "Bakke", "Nyhus", "Lien", "Sandvik", "Haug", "Berntsen",
        "Gulbrandsen", "Abrahamsen", "Antonsen", "Edvardsen", "Hellerud", "Tveit", "Stene",
        "Sørum", "Grøndahl", "Huseby", "Bøhler", "Eliassen", "Torp", "Mikkelsen", "Simonsen",
        "Ellingsen", "Christiansen", "Nielsen", "Fjeld", "Ødegaard", "Kvamme",
    ),
)

IMMIGRANT_ORIGINS: tuple[Origin, ...] = (
    Origin(  # Polish
        4.0,
        2005,
        female=("Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Anna", "Małgorzata", "Ewa"),
        male=("Piotr", "Tomasz", "Krzysztof", "Marek", "Paweł", "Łukasz", "Michał"),
        surnames=(
            ("Nowak", "Nowak"),
            ("Kowalski", "Kowalska"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Kamiński", "Kamińska"),
            ("Lewandowski", "Lewandowska"),
            ("Zieliński", "Zielińska"),
            ("Woźniak", "Woźniak"),
            ("Dąbrowski", "Dąbrowska"),
        ),
    ),
    Origin(  # Lithuanian
        2.0,
        2007,
        female=("Rūta", "Jurgita", "Aušra", "Inga", "Giedrė", "Jūratė"),
        male=("Tomas", "Darius", "Mindaugas", "Andrius", "Vytautas"),
        surnames=(
            ("Kazlauskas", "Kazlauskienė"),
            ("Petrauskas", "Petrauskienė"),
            ("Jankauskas", "Jankauskienė"),
            ("Stankevičius", "Stankevičienė"),
            ("Vasiliauskas", "Vasiliauskienė"),
        ),
    ),
    Origin(  # Somali
        2.0,
        1995,
        female=("Fatima", "Amina", "Hodan", "Fadumo", "Sahra", "Ayan", "Hibo"),
        male=("Mohamed", "Abdirahman", "Ahmed", "Abdullahi", "Hassan", "Yusuf", "Abdikadir"),
        surnames=_same("Ali", "Hassan", "Mohamed", "Abdi", "Farah", "Warsame", "Osman", "Ahmed"),
    ),
    Origin(  # Eritrean
        1.5,
        2008,
        female=("Helen", "Senait", "Selam", "Meron", "Rahel", "Luwam"),
        male=("Yonas", "Dawit", "Tesfay", "Samuel", "Filmon", "Robel"),
        surnames=_same(
            "Tesfamariam", "Haile", "Tekle", "Gebremedhin", "Berhane", "Ghebreyesus", "Kidane"
        ),
    ),
    Origin(  # Syrian
        2.0,
        2015,
        female=("Aisha", "Rania", "Lina", "Nour", "Hala", "Maryam", "Fatima"),
        male=("Mohammad", "Ahmad", "Omar", "Khaled", "Hussein", "Ali", "Rami"),
        surnames=_same(
            "Al-Hassan", "Alkhalil", "Haddad", "Hamdan", "Kassab", "Ibrahim", "Hussein", "Darwish"
        ),
    ),
    Origin(  # Vietnamese
        1.5,
        1985,
        female=("Thi Lan", "Thi Hoa", "Mai", "Linh", "Thu", "Huong"),
        male=("Minh", "Van Duc", "Tuan", "Hung", "Quang", "Thanh"),
        surnames=_same("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"),
    ),
    Origin(  # Filipino
        2.0,
        2000,
        female=("Maricel", "Jennifer", "Rowena", "Marites", "Joy", "Maria Cristina"),
        male=("Jose", "Mark Anthony", "Ramon", "Rodel", "Jerome"),
        surnames=_same("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Dela Cruz"),
    ),
)
# fmt: on
ORIGINS: tuple[Origin, ...] = (NORWEGIAN, *IMMIGRANT_ORIGINS)


def _popularity(count: int) -> FloatArray:
    """Weights for a list ordered by popularity: the first names are somewhat more common."""
    weights: FloatArray = 1.0 / (np.arange(count, dtype=np.float64) + 30.0)
    result: FloatArray = weights / weights.sum()
    return result


_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "ł": "l", "đ": "d", "ß": "ss"})


@cache
def upn_part(name: str) -> str:
    """`Kjærsti` → `kjaersti`, `Wiśniewska` → `wisniewska`, `Dela Cruz` → `dela.cruz`."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLITERATION))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", ".", text.strip())
    return re.sub(r"[^a-z0-9.-]", "", text).strip(".-")


class UpnRegistry:
    """Hands out `fornavn.etternavn@domain`, numbering the second `kari.hansen` `kari.hansen2`."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next: dict[str, int] = {}

    def reserve(self, upn: str) -> None:
        if upn in self._taken:
            raise ValueError(f"{upn} is already taken")
        self._taken.add(upn)

    def allocate(self, given: str, family: str, domain: str) -> str:
        local = f"{upn_part(given)}.{upn_part(family)}"
        upn = f"{local}@{domain}"
        if upn in self._taken:
            number = self._next.get(upn, 2)
            while f"{local}{number}@{domain}" in self._taken:
                number += 1
            self._next[upn] = number + 1
            upn = f"{local}{number}@{domain}"
        self._taken.add(upn)
        return upn


# ------------------------------------------------------------------------------------------------
# Building the unit trees
# ------------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    name: str
    parent: int  # index into the same list, -1 = top level
    unit_type: str
    profile: str
    org: int  # MOSS, RYGGE or MERGED
    key: str  # the same key before and after the merger means "became part of"
    rank: int  # sorts siblings: the order of KINDS
    merged_name: str = ""  # the name of the unit it becomes part of, when that is created here
    size: int = 0  # people in the unit on config.start (pre-merger units)
    code: str = ""
    successor: int = -1  # index into the merged units
    valid_from: str = ""


@dataclass
class _Entity:
    """A unit of some kind with its sub-units: a school, Økonomi, a sector's own unit."""

    kind: _Kind
    name: str
    total: int = 0


def _apportion(rng: Rng, weights: FloatArray, total: int, minimum: Int64Array) -> Int64Array:
    """Integers ≥ minimum summing to ``total``, the part above the minimum split by weight."""
    free = total - int(minimum.sum())
    if free < 0:
        raise ValueError(f"{total} people are too few for {len(minimum)} units")
    if len(weights) == 0:
        return minimum.copy()
    quota = weights / weights.sum() * free
    base = np.floor(quota).astype(np.int64)
    rest = free - int(base.sum())
    order = np.lexsort((rng.random(len(weights)), -(quota - base)))
    base[order[:rest]] += 1
    result: Int64Array = minimum + base
    return result


def _org_entities(rng: Rng, org: int, staff: int, params: OrganisationParams) -> list[_Entity]:
    """The sectors' own units and every unit of the organisation with its head count."""
    present = [kind for kind in KINDS if kind.placed or kind.names[org]]
    lead_low, lead_high = params.size("leadership")
    entities: list[_Entity] = []
    leadership = 0
    for kind in present:
        if kind.key in SECTOR_KEYS:
            size = int(rng.integers(lead_low, lead_high + 1))
            size += round(staff * params.sector_staff_share)
            entities.append(_Entity(kind, kind.names[org], size))
            leadership += size
    shares = np.array([params.share(kind.key) for kind in present if kind.key not in SECTOR_KEYS])
    targets = shares / shares.sum() * (staff - leadership)
    units = [kind for kind in present if kind.key not in SECTOR_KEYS]
    raw: list[float] = []
    others: list[_Entity] = []
    for kind, target in zip(units, targets, strict=True):
        if kind.placed:
            low, high = params.size(kind.key)
            count = max(1, round(target / ((low + high) / 2)))
            drawn = rng.uniform(low, high, count)
            raw.extend((drawn / drawn.sum() * target).tolist())
            others.extend(_Entity(kind, "") for _ in range(count))
        else:
            raw.append(float(target))
            others.append(_Entity(kind, kind.names[org]))
    totals = _apportion(
        rng, np.array(raw), staff - leadership, np.full(len(others), 2, dtype=np.int64)
    )
    for entity, total in zip(others, totals, strict=True):
        entity.total = int(total)
    return entities + others


def _split(
    rng: Rng, entity: _Entity, params: OrganisationParams, zones: Iterator[str]
) -> list[tuple[str, str, int]]:
    """(name, profile, size) of the entity's sub-units; [] when it is one unit."""
    kind, total = entity.kind, entity.total
    if kind.key == "school":
        if total <= 40:
            return []
        lower = entity.name.endswith("ungdomsskole")
        names = _LOWER_SECONDARY_SECTIONS if lower else _SCHOOL_SECTIONS
        office = int(rng.integers(*_closed(params.size("office")))) + round(total * 0.02)
        rest = total - office
        chosen = list(names if lower or total > 60 else names[:2])
        weights = np.array([0.6 if n == "SFO" else 1.0 for n in chosen])
        profiles = ["sfo" if n == "SFO" else "school" for n in chosen]
    else:
        if not (kind.sections or kind.more) or total <= kind.split_at:
            return []
        office = int(rng.integers(*_closed(params.size("office")))) + round(total * 0.02)
        rest = total - office
        low, high = params.size("section")
        count = max(2, round(rest / ((low + high) / 2)))
        if not kind.more:
            count = min(count, len(kind.sections))
        chosen = list(kind.sections[:count])
        for number in range(len(chosen) + 1, count + 1):
            if "{place}" in kind.more:
                chosen.append(next(zones))  # "Sone <place>", unique across both organisations
            else:
                chosen.append(kind.more.format(n=number))
        profiles = [kind.profile] * len(chosen)
        if kind.key == "nursing" and total >= 50:
            chosen.append("Kjøkken")
            profiles.append("kitchen")
        weights = np.array([0.3 if p == "kitchen" else 1.0 for p in profiles])
    if rest < 2 * len(chosen):
        return []
    weights = weights * rng.uniform(0.8, 1.2, len(chosen))
    sizes = _apportion(rng, weights, rest, np.full(len(chosen), 2, dtype=np.int64))
    office_profile = kind.office or kind.profile
    return [
        ("", office_profile, office),
        *((n, p, int(s)) for n, p, s in zip(chosen, profiles, sizes, strict=True)),
    ]


def _closed(bounds: tuple[int, int]) -> tuple[int, int]:
    return bounds[0], bounds[1] + 1


def _old_tree(
    rng: Rng, org: int, staff: int, params: OrganisationParams, namer: _Namer, start: dt.date
) -> list[_Unit]:
    """The units of Moss or Rygge before the merger, depth first, sized to ``staff`` people."""
    entities = _org_entities(rng, org, staff, params)
    names = {kind.key: namer.placed(kind.key, org) for kind in KINDS if kind.placed}
    zones = namer.placed("homecare", org)
    units: list[_Unit] = []
    hr_start = HR_SYSTEM_START[org]

    def from_date(parent: int, options: Sequence[dt.date | None]) -> str:
        day = options[int(rng.integers(len(options)))]
        if day is None or day > start:
            return ""
        above = units[parent].valid_from if parent >= 0 else ""
        return max(day.isoformat(), above) if above else day.isoformat()

    def add(entity: _Entity, parent: int) -> None:
        kind = entity.kind
        if kind.placed:
            entity.name = next(names[kind.key])
            key = f"{kind.key}/{entity.name}"
        else:
            key = kind.key
        parts = _split(rng, entity, params, zones)
        head = len(units)
        head_profile = parts[0][1] if parts else kind.profile
        units.append(
            _Unit(
                entity.name,
                parent,
                kind.unit_type,
                head_profile,
                org,
                key,
                _KIND_RANK[kind.key],
                merged_name=entity.name if kind.placed else kind.names[2],
                size=parts[0][2] if parts else entity.total,
            )
        )
        units[head].valid_from = from_date(parent, (None, None, hr_start))
        for name, profile, size in parts[1:]:
            units.append(
                _Unit(
                    name,
                    head,
                    kind.unit_type,
                    profile,
                    org,
                    f"{key}/{name}",
                    _KIND_RANK[kind.key],
                    merged_name=name,
                    size=size,
                )
            )
            units[-1].valid_from = from_date(head, (hr_start, *LATER_REORGANISATIONS))

    def grow(sector: str, parent: int) -> None:
        for entity in entities:
            if entity.kind.sector[org] == sector and entity.kind.key != sector:
                index = len(units)
                add(entity, parent)
                if entity.kind.key in SECTOR_KEYS:
                    grow(entity.kind.key, index)

    grow("", -1)
    return units


def _merged_tree(old: list[_Unit]) -> list[_Unit]:
    """The units of the merged municipality; sets ``successor`` on every old unit."""
    created: list[_Unit] = []
    by_key: dict[str, int] = {}
    for unit in old:
        if unit.key not in by_key:
            parent = by_key[old[unit.parent].key] if unit.parent >= 0 else -1
            by_key[unit.key] = len(created)
            created.append(
                _Unit(
                    unit.merged_name,
                    parent,
                    unit.unit_type,
                    unit.profile,
                    MERGED,
                    unit.key,
                    unit.rank,
                )
            )
    # Depth first, siblings in the order of KINDS (Moss's units before Rygge's of each kind).
    children: dict[int, list[int]] = {}
    for index, unit in enumerate(created):
        children.setdefault(unit.parent, []).append(index)
    order: list[int] = []

    def visit(index: int) -> None:
        order.append(index)
        for child in sorted(children.get(index, []), key=lambda c: (created[c].rank, c)):
            visit(child)

    for root in sorted(children.get(-1, []), key=lambda c: (created[c].rank, c)):
        visit(root)
    position = {old_index: new_index for new_index, old_index in enumerate(order)}
    merged = [created[i] for i in order]
    for unit in merged:
        unit.parent = position[unit.parent] if unit.parent >= 0 else -1
    for unit in old:
        unit.successor = position[by_key[unit.key]]
    return merged


def _assign_codes(units: list[_Unit], prefix: int) -> None:
    """`<prefix><sector digit><number>`: a unit under a sector starts at a multiple of ten."""
    sequence: list[int] = []
    digits: list[int] = []
    roots = 0
    last = 0
    for unit in units:
        if unit.parent < 0:
            digits.append(roots)
            roots += 1
            last = 0
        else:
            digits.append(digits[unit.parent])
            if units[unit.parent].parent < 0:
                last = (last // 10 + 1) * 10
            else:
                last += 1
        sequence.append(last)
    width = max(4, len(str(max(sequence))))
    for unit, digit, number in zip(units, digits, sequence, strict=True):
        unit.code = f"{prefix}{digit}{number:0{width}d}"


def manager_title(unit: UnitRow, parent: UnitRow | None) -> str:
    """The title of the person who leads ``unit``."""
    if unit.unit_type == "nav":
        return "NAV-leder"
    if parent is None:
        if unit.name in ("Stab og administrasjon", "Sentraladministrasjonen"):
            return "Rådmann" if unit.former_org else "Kommunedirektør"
        return "Kommunalsjef"
    named = _MANAGER_TITLES.get(unit.name)
    if named:
        return named
    if unit.name.endswith("skole"):
        return "Rektor"
    if unit.name.endswith("barnehage"):
        return "Styrer"
    if not parent.parent_code:
        return "Enhetsleder"
    return "Avdelingsleder"


_MANAGER_TITLES = {
    "Økonomi": "Økonomisjef",
    "HR og organisasjon": "HR-sjef",
    "Personal og organisasjon": "Personalsjef",
    "IKT": "IKT-sjef",
    "Politisk sekretariat": "Sekretariatsleder",
    "Barneverntjenesten": "Barnevernleder",
    "Barnevernet": "Barnevernleder",
    "Bibliotek": "Biblioteksjef",
    "Kulturskolen": "Kulturskolerektor",
    "Kjøkken": "Kjøkkensjef",
    "SFO": "SFO-leder",
}


# ------------------------------------------------------------------------------------------------
# Dates
# ------------------------------------------------------------------------------------------------


def _day(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


def _month_start(days: DateArray) -> DateArray:
    return days.astype("datetime64[M]").astype("datetime64[D]")


def _next_month_start(days: DateArray) -> DateArray:
    first = _month_start(days)
    return np.where(first == days, days, (days.astype("datetime64[M]") + 1).astype("M8[D]"))


def _month_end(days: DateArray) -> DateArray:
    return cast(DateArray, (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - ONE_DAY)


def _august_first(days: DateArray, *, after: bool) -> DateArray:
    """1 August on or before (``after=False``) or on or after each day."""
    year = days.astype("datetime64[Y]")
    this = (year.astype("datetime64[M]") + 7).astype("datetime64[D]")
    if after:
        later = ((year + 1).astype("datetime64[M]") + 7).astype("datetime64[D]")
        return np.where(this >= days, this, later)
    earlier = ((year - 1).astype("datetime64[M]") + 7).astype("datetime64[D]")
    return np.where(this <= days, this, earlier)


def _snap_start(rng: Rng, days: DateArray, school: BoolArray, *, forward: bool) -> DateArray:
    """First days of employment: schools start in August, most others on the 1st of a month."""
    roll = rng.random(len(days))
    if forward:
        august = _august_first(days, after=True)
        month = _next_month_start(days)
        use_august = school & (roll < 0.5) & (august - days <= np.timedelta64(200, "D"))
    else:
        august = _august_first(days, after=False)
        month = _month_start(days)
        use_august = school & (roll < 0.6)
    return np.where(use_august, august, np.where(roll < 0.85, month, days))


def _exits(
    rng: Rng,
    start: DateArray,
    school: BoolArray,
    stays: BoolArray,
    config: SimulationConfig,
    params: OrganisationParams,
) -> DateArray:
    """Last days of employment (NaT = still employed at config.end) at the turnover rate."""
    count = len(start)
    begin = np.maximum(start, _day(config.start))
    years = rng.exponential(1.0 / params.annual_turnover, count)
    offset = np.minimum(years * 365.25, 365.25 * 200).astype(np.int64)
    end = begin + offset.astype("timedelta64[D]")
    roll = rng.random(count)
    july = _august_first(end, after=True) - ONE_DAY
    end = np.where(school & (roll < 0.4), july, np.where(roll < 0.6, _month_end(end), end))
    end = np.maximum(end, start)
    return np.where(stays | (end > _day(config.end)), NAT, end)


def _profiles_school(profile: npt.NDArray[np.int16]) -> BoolArray:
    school = np.array([p in SCHOOL_YEAR_PROFILES for p in PROFILES])
    result: BoolArray = school[profile]
    return result


# ------------------------------------------------------------------------------------------------
# Building the population
# ------------------------------------------------------------------------------------------------


@dataclass
class _People:
    """People as parallel arrays (unit indexes are into the old or the merged unit list)."""

    org: npt.NDArray[np.int8]
    unit_before: Int64Array
    unit_after: Int64Array
    profile: npt.NDArray[np.int16]
    start: DateArray
    end: DateArray
    boss: BoolArray  # leads their unit before the merger

    def __len__(self) -> int:
        return len(self.org)

    @staticmethod
    def join(parts: Sequence[_People]) -> _People:
        return _People(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("org", "unit_before", "unit_after", "profile", "start", "end", "boss")
            )
        )


def _check(config: SimulationConfig, params: OrganisationParams) -> None:
    if not config.start < config.merger_date <= config.end:
        raise ValueError("the simulation must start before the merger and end on or after it")
    if config.employees < MIN_EMPLOYEES:
        raise ValueError(
            f"the organisation needs at least {MIN_EMPLOYEES} employees (every unit of Moss and "
            "Rygge has at least two people)"
        )
    if params.first_hire >= config.start:
        raise ValueError("first_hire must be before config.start")
    known = dict(config.former_domains)
    missing = [code for code in FORMER_ORGS if code not in known]
    if missing:
        raise ValueError(f"config.former_domains lacks {', '.join(missing)}")


def generate_population(
    config: SimulationConfig, params: OrganisationParams = DEFAULT_PARAMS
) -> Population:
    """Everyone employed at some time between config.start and config.end, with their units."""
    _check(config, params)
    rng = np.random.default_rng(config.seed)
    namer = _Namer(rng)
    moss_staff = round(config.employees * params.moss_share)
    old: list[_Unit] = []
    for org, staff in ((MOSS, moss_staff), (RYGGE, config.employees - moss_staff)):
        tree = _old_tree(rng, org, staff, params, namer, config.start)
        _assign_codes(tree, org + 1)
        offset = len(old)
        for unit in tree:
            unit.parent = unit.parent + offset if unit.parent >= 0 else -1
        old.extend(tree)
    merged = _merged_tree(old)
    _assign_codes(merged, 3)
    rows = _unit_rows(old, merged, config)

    people, after_boss, lost = _simulate_people(rng, old, merged, config, params)
    return _finish(rng, people, after_boss, lost, old, merged, rows, config, params)


def _unit_rows(old: list[_Unit], merged: list[_Unit], config: SimulationConfig) -> list[UnitRow]:
    last_day = (config.merger_date - dt.timedelta(days=1)).isoformat()
    rows = [
        UnitRow(
            unit.code,
            unit.name,
            old[unit.parent].code if unit.parent >= 0 else "",
            unit.unit_type,
            FORMER_ORGS[unit.org],
            unit.valid_from,
            last_day,
            merged[unit.successor].code,
        )
        for unit in old
    ]
    rows += [
        UnitRow(
            unit.code,
            unit.name,
            merged[unit.parent].code if unit.parent >= 0 else "",
            unit.unit_type,
            "",
            config.merger_date.isoformat(),
            "",
            "",
        )
        for unit in merged
    ]
    return rows


def _hire(
    rng: Rng,
    org: npt.NDArray[np.int8],
    unit_before: Int64Array,
    unit_after: Int64Array,
    profile: npt.NDArray[np.int16],
    start: DateArray,
    config: SimulationConfig,
    params: OrganisationParams,
) -> _People:
    """New non-managers starting on ``start``, with the day each of them leaves."""
    school = _profiles_school(profile)
    stays = np.zeros(len(start), dtype=np.bool_)
    end = _exits(rng, start, school, stays, config, params)
    return _People(org, unit_before, unit_after, profile, start, end, stays)


def _successors(
    rng: Rng, leavers: _People, config: SimulationConfig, params: OrganisationParams
) -> tuple[BoolArray, DateArray]:
    """Which leavers' positions are filled again, and when the successor starts."""
    count = len(leavers)
    keep = rng.random(count) < params.replacement_share
    low, high = params.vacancy_days
    gap = rng.integers(low, high + 1, count).astype("timedelta64[D]")
    start = _snap_start(
        rng, leavers.end + ONE_DAY + gap, _profiles_school(leavers.profile), forward=True
    )
    keep &= start <= _day(config.end)
    return keep, start


def _simulate_people(
    rng: Rng,
    old: list[_Unit],
    merged: list[_Unit],
    config: SimulationConfig,
    params: OrganisationParams,
) -> tuple[_People, BoolArray, npt.NDArray[np.int8]]:
    """Staff on config.start, hires and leavers, the merger. Returns the people (in no particular
    order), who leads a merged unit, and who lost a manager position at the merger (1 = the other
    chief executive, 2 = a sector head, 3 = another manager; 0 = no)."""
    merger, first, last = _day(config.merger_date), _day(config.start), _day(config.end)
    old_profile = np.array([_PROFILE_INDEX[u.profile] for u in old], dtype=np.int16)
    new_profile = np.array([_PROFILE_INDEX[u.profile] for u in merged], dtype=np.int16)
    old_org = np.array([u.org for u in old], dtype=np.int8)
    successor = np.array([u.successor for u in old], dtype=np.int64)
    sizes = np.array([u.size for u in old], dtype=np.int64)

    # The staff on config.start: the first person of each unit leads it.
    unit = np.repeat(np.arange(len(old), dtype=np.int64), sizes)
    count = len(unit)
    boss = np.zeros(count, dtype=np.bool_)
    boss[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = True
    profile = old_profile[unit]
    school = _profiles_school(profile)
    span = (config.start - params.first_hire).days
    tenure = rng.exponential(params.mean_tenure_years * 365.25, count)
    low, high = params.manager_extra_tenure_years
    tenure[boss] += rng.uniform(low, high, int(boss.sum())) * 365.25
    too_long = tenure > span
    tenure[too_long] = rng.uniform(0, span, int(too_long.sum()))
    start = first - tenure.astype(np.int64).astype("timedelta64[D]")
    snapped = _snap_start(rng, start, school, forward=False)
    start = np.where(snapped >= _day(params.first_hire), snapped, start)
    end = _exits(rng, start, school, boss, config, params)
    initial = _People(
        old_org[unit], unit, np.full(count, -1, dtype=np.int64), profile, start, end, boss
    )

    # New positions, spread over the span, in the units of random employees.
    years = (config.end - config.start).days / 365.25
    growth = round(config.employees * params.annual_growth * years)
    template = rng.choice(np.flatnonzero(~boss), growth)
    offsets = rng.integers(1, (config.end - config.start).days + 1, growth)
    growth_start = _snap_start(
        rng, first + offsets.astype("timedelta64[D]"), school[template], forward=True
    )
    growth_start = np.minimum(growth_start, last)

    # Before the merger: fill positions in the old units until no successor starts before it.
    pending_start: list[DateArray] = [growth_start[growth_start >= merger]]
    pending_template: list[Int64Array] = [template[growth_start >= merger]]
    early = growth_start < merger
    t = template[early]
    current = _People.join(
        [
            initial,
            _hire(
                rng,
                initial.org[t],
                initial.unit_before[t],
                initial.unit_after[t],
                initial.profile[t],
                growth_start[early],
                config,
                params,
            ),
        ]
    )
    parts: list[_People] = []
    offset = 0
    while len(current):
        parts.append(current)
        index = np.arange(offset, offset + len(current))
        offset += len(current)
        left = ~np.isnat(current.end)
        leavers = _select(current, left)
        keep, starts = _successors(rng, leavers, config, params)
        before = keep & (starts < merger)
        after = keep & (starts >= merger)
        pending_start.append(starts[after])
        pending_template.append(index[left][after])
        chosen = _select(leavers, before)
        current = _hire(
            rng,
            chosen.org,
            chosen.unit_before,
            chosen.unit_after,
            chosen.profile,
            starts[before],
            config,
            params,
        )
    people = _People.join(parts)

    # The merger: everyone employed on the day goes to the unit their old unit became part of.
    on_merger = np.isnat(people.end) | (people.end >= merger)
    people.unit_after[on_merger] = successor[people.unit_before[on_merger]]
    _move_some(rng, people, on_merger, new_profile, params)
    after_boss, lost = _merger_managers(rng, people, old, merged, params)

    # After the merger: new hires in the merged municipality, and their successors.
    tmpl = np.concatenate(pending_template)
    target = np.where(
        people.unit_after[tmpl] >= 0, people.unit_after[tmpl], successor[people.unit_before[tmpl]]
    )
    hires = len(tmpl)
    current = _hire(
        rng,
        np.full(hires, MERGED, dtype=np.int8),
        np.full(hires, -1, dtype=np.int64),
        target,
        new_profile[target],
        np.concatenate(pending_start),
        config,
        params,
    )
    later: list[_People] = []
    while len(current):
        later.append(current)
        leavers = _select(current, ~np.isnat(current.end))
        keep, starts = _successors(rng, leavers, config, params)
        chosen = _select(leavers, keep)
        current = _hire(
            rng,
            chosen.org,
            chosen.unit_before,
            chosen.unit_after,
            chosen.profile,
            starts[keep],
            config,
            params,
        )
    everyone = _People.join([people, *later])
    extra = len(everyone) - len(people)
    after_boss = np.concatenate([after_boss, np.zeros(extra, dtype=np.bool_)])
    lost = np.concatenate([lost, np.zeros(extra, dtype=np.int8)])
    return everyone, after_boss, lost


def _select(people: _People, mask: npt.NDArray[Any]) -> _People:
    """The people where ``mask`` is true, or at the indexes it lists."""
    return _People(
        people.org[mask],
        people.unit_before[mask],
        people.unit_after[mask],
        people.profile[mask],
        people.start[mask],
        people.end[mask],
        people.boss[mask],
    )


def _move_some(
    rng: Rng,
    people: _People,
    on_merger: BoolArray,
    new_profile: npt.NDArray[np.int16],
    params: OrganisationParams,
) -> None:
    """A few employees move to another unit of the same kind at the merger."""
    candidates = np.flatnonzero(on_merger & ~people.boss)
    movers = candidates[rng.random(len(candidates)) < params.merger_movers]
    units_by_profile = {int(p): np.flatnonzero(new_profile == p) for p in np.unique(new_profile)}
    for person in movers.tolist():
        current = int(people.unit_after[person])
        options = units_by_profile[int(new_profile[current])]
        options = options[options != current]
        if len(options):
            people.unit_after[person] = int(options[int(rng.integers(len(options)))])


def _merger_managers(
    rng: Rng,
    people: _People,
    old: list[_Unit],
    merged: list[_Unit],
    params: OrganisationParams,
) -> tuple[BoolArray, npt.NDArray[np.int8]]:
    """Who leads each merged unit: one of the managers of the units that became part of it."""
    after_boss = np.zeros(len(people), dtype=np.bool_)
    lost = np.zeros(len(people), dtype=np.int8)
    bosses = np.flatnonzero(people.boss)
    order = bosses[np.argsort(people.unit_after[bosses], kind="stable")]
    groups = np.split(order, np.flatnonzero(np.diff(people.unit_after[order])) + 1)
    for group in groups:
        unit = int(people.unit_after[group[0]])
        moss = group[people.org[group] == MOSS]
        if merged[unit].parent < 0 and merged[unit].key == "stab" and len(moss):
            winner = int(moss[0])
        elif len(moss) and rng.random() < params.moss_keeps_manager:
            winner = int(moss[int(rng.integers(len(moss)))])
        else:
            winner = int(group[int(rng.integers(len(group)))])
        after_boss[winner] = True
        for other in group.tolist():
            if other != winner:
                old_unit = old[int(people.unit_before[other])]
                if old_unit.parent < 0 and old_unit.key == "stab":
                    lost[other] = 1
                elif old_unit.parent < 0:
                    lost[other] = 2
                else:
                    lost[other] = 3
    if len(groups) != len(merged):
        raise AssertionError("a merged unit has no manager")
    return after_boss, lost


_LOST_TITLES = ("", "Assisterende kommunedirektør", "Fagsjef", "Fagleder")


def _finish(
    rng: Rng,
    people: _People,
    after_boss: BoolArray,
    lost: npt.NDArray[np.int8],
    old: list[_Unit],
    merged: list[_Unit],
    rows: list[UnitRow],
    config: SimulationConfig,
    params: OrganisationParams,
) -> Population:
    """Order people by employee number and give them names, titles, sign-ins and managers."""
    count = len(people)
    group = np.where(people.org == MERGED, 2, people.org)
    order = np.lexsort((rng.random(count), people.start, group))
    p = _select(people, order)
    after_boss, lost = after_boss[order], lost[order]
    n_old = len(old)
    ub, ua = p.unit_before, p.unit_after

    # Employee numbers follow the order people were hired, with small gaps.
    numbers = np.empty(count, dtype=np.int64)
    sizes = [int((group[order] == g).sum()) for g in range(3)]
    width = max(4, len(str(3 * max(sizes) + 100)))
    begin = 0
    for g, size in enumerate(sizes):
        steps = rng.integers(1, 4, size)
        base = (g + 1) * 10**width + int(rng.integers(10, 60))
        numbers[begin : begin + size] = base + np.cumsum(steps)
        begin += size
    employee_number = [str(n) for n in numbers.tolist()]

    # Names.
    female_share = np.array([FEMALE_SHARE.get(x, DEFAULT_FEMALE_SHARE) for x in PROFILES])
    start_year = p.start.astype("datetime64[Y]").astype(np.int64) + 1970
    given, family = _draw_names(rng, female_share[p.profile], start_year, params)

    # Titles: managers by unit, everyone else by the kind of unit they were hired into.
    by_code = {row.code: row for row in rows}
    titles_by_unit = [manager_title(row, by_code.get(row.parent_code)) for row in rows]
    staff_title = _draw_titles(rng, p.profile)
    before_title = np.where(
        p.boss, np.array(titles_by_unit, dtype=object)[np.maximum(ub, 0)], staff_title
    )
    after_title = np.where(
        after_boss,
        np.array(titles_by_unit, dtype=object)[n_old + np.maximum(ua, 0)],
        np.where(lost > 0, np.array(_LOST_TITLES, dtype=object)[lost], staff_title),
    )
    title = np.where(ua >= 0, after_title, before_title)

    # Managers: the unit's manager; a manager reports to the nearest manager above, the head of
    # a top-level unit to the chief executive, who reports to no one.
    manager_before = _reporting(ub, p.boss, [u.parent for u in old], _chiefs(old))
    manager_after = _reporting(ua, after_boss, [u.parent for u in merged], _chiefs(merged))

    # Sign-in names: Moss keeps its addresses; Rygge and new hires get one on the new domain.
    domains = dict(config.former_domains)
    old_domain = [domains[code] for code in FORMER_ORGS]
    registries = {domain: UpnRegistry() for domain in (*old_domain, config.new_domain)}
    upn_before = [""] * count
    for i in np.flatnonzero(p.org >= 0).tolist():
        domain = old_domain[int(p.org[i])]
        upn_before[i] = registries[domain].allocate(given[i], family[i], domain)
    new_registry = UpnRegistry()
    for i in np.flatnonzero(p.org >= 0).tolist():
        if old_domain[int(p.org[i])] == config.new_domain:
            new_registry.reserve(upn_before[i])
    upn_after = [""] * count
    for i in np.flatnonzero(ua >= 0).tolist():
        if p.org[i] >= 0 and old_domain[int(p.org[i])] == config.new_domain:
            upn_after[i] = upn_before[i]
        else:
            upn_after[i] = new_registry.allocate(given[i], family[i], config.new_domain)

    raw = rng.bytes(16 * count)
    user_id = [str(uuid.UUID(bytes=raw[16 * i : 16 * i + 16], version=4)) for i in range(count)]

    unit_types = np.array([UNIT_TYPES.index(row.unit_type) for row in rows], dtype=np.int8)
    current_unit = np.where(ua >= 0, n_old + ua, ub)
    is_manager = np.where(ua >= 0, after_boss, p.boss)
    champion = _champions(rng, current_unit, is_manager, p, config, params)

    return Population(
        units=rows,
        employee_number=employee_number,
        given_name=given,
        family_name=family,
        title=[str(t) for t in title.tolist()],
        upn_before=upn_before,
        upn_after=upn_after,
        user_id=user_id,
        former_org=p.org.astype(np.int8),
        unit_type=unit_types[current_unit],
        unit_before=ub.astype(np.int32),
        unit_after=np.where(ua >= 0, ua + n_old, -1).astype(np.int32),
        is_manager=is_manager.astype(np.bool_),
        manager_before=manager_before,
        manager_after=manager_after,
        is_champion=champion,
        start=p.start.astype("datetime64[D]"),
        end=p.end.astype("datetime64[D]"),
    )


def _chiefs(units: list[_Unit]) -> dict[int, int]:
    """Top-level unit → the unit the chief executive of its organisation leads."""
    chief = {u.org: i for i, u in enumerate(units) if u.parent < 0 and u.key == "stab"}
    return {i: chief[u.org] for i, u in enumerate(units) if u.parent < 0}


def _reporting(
    unit: Int64Array, boss: BoolArray, parents: list[int], chiefs: dict[int, int]
) -> IntArray:
    """Person index of each person's manager (-1: none, or not in such a unit)."""
    head = np.full(len(parents), -1, dtype=np.int64)
    leaders = np.flatnonzero(boss & (unit >= 0))
    head[unit[leaders]] = leaders
    if np.any(head < 0):
        raise AssertionError("a unit has no manager")
    above = np.empty(len(parents), dtype=np.int64)
    for index, parent in enumerate(parents):
        if parent >= 0:
            above[index] = head[parent]
        else:
            chief = chiefs[index]
            above[index] = -1 if chief == index else head[chief]
    safe = np.maximum(unit, 0)
    result = np.where(boss, above[safe], head[safe])
    return np.where(unit >= 0, result, -1).astype(np.int32)


def _draw_titles(rng: Rng, profile: npt.NDArray[np.int16]) -> npt.NDArray[np.object_]:
    titles = np.empty(len(profile), dtype=object)
    for index, name in enumerate(PROFILES):
        mask = profile == index
        size = int(mask.sum())
        if not size:
            continue
        options = STAFF_TITLES[name]
        weights = np.array([w for _t, w in options], dtype=np.float64)
        picks = rng.choice(len(options), size, p=weights / weights.sum())
        titles[mask] = np.array([t for t, _w in options], dtype=object)[picks]
    return titles


def _draw_names(
    rng: Rng, female_share: FloatArray, start_year: Int64Array, params: OrganisationParams
) -> tuple[list[str], list[str]]:
    """(given names, family names); about ``immigrant_name_share`` common among immigrants."""
    count = len(female_share)
    weights = np.array([o.weight for o in IMMIGRANT_ORIGINS])
    chances = np.concatenate(
        [[1.0 - params.immigrant_name_share], params.immigrant_name_share * weights / weights.sum()]
    )
    since = np.array([o.since for o in ORIGINS])
    origin = rng.choice(len(ORIGINS), count, p=chances)
    for _attempt in range(2):  # names not yet plausible when the person was hired: draw again
        early = np.flatnonzero(since[origin] > start_year)
        origin[early] = rng.choice(len(ORIGINS), len(early), p=chances)
    origin[since[origin] > start_year] = 0
    female = rng.random(count) < female_share
    given = np.empty(count, dtype=object)
    family = np.empty(count, dtype=object)
    for index, source in enumerate(ORIGINS):
        for is_female in (False, True):
            mask = (origin == index) & (female == is_female)
            size = int(mask.sum())
            if not size:
                continue
            names = source.female if is_female else source.male
            forms = [pair[1] if is_female else pair[0] for pair in source.surnames]
            if index == 0:
                first_p, last_p = _popularity(len(names)), _popularity(len(forms))
            else:
                first_p = np.full(len(names), 1.0 / len(names))
                last_p = np.full(len(forms), 1.0 / len(forms))
            given[mask] = np.array(names, dtype=object)[rng.choice(len(names), size, p=first_p)]
            family[mask] = np.array(forms, dtype=object)[rng.choice(len(forms), size, p=last_p)]
    double = np.flatnonzero((origin == 0) & (rng.random(count) < params.double_surname_share))
    surnames = [pair[0] for pair in NORWEGIAN.surnames]
    extra = rng.choice(len(surnames), len(double), p=_popularity(len(surnames)))
    for i, pick in zip(double.tolist(), extra.tolist(), strict=True):
        if surnames[pick] != family[i]:
            family[i] = f"{surnames[pick]} {family[i]}"
    return [str(g) for g in given.tolist()], [str(f) for f in family.tolist()]


def _champions(
    rng: Rng,
    current_unit: npt.NDArray[Any],
    is_manager: BoolArray,
    people: _People,
    config: SimulationConfig,
    params: OrganisationParams,
) -> BoolArray:
    """Digital champions: every k-th non-manager employed on the merger date, unit by unit."""
    merger = _day(config.merger_date)
    employed = (people.start <= merger) & (np.isnat(people.end) | (people.end >= merger))
    eligible = np.flatnonzero(employed & ~is_manager)
    order = eligible[np.lexsort((rng.random(len(eligible)), current_unit[eligible]))]
    champion = np.zeros(len(people), dtype=np.bool_)
    if params.champion_share > 0 and len(order):
        step = 1.0 / params.champion_share
        picks = (rng.random() * step + np.arange(0, len(order), step)).astype(np.int64)
        champion[order[picks[picks < len(order)]]] = True
    return champion


def managers_before(population: Population) -> BoolArray:
    """Who led a unit before the merger (``is_manager`` is about the unit after it)."""
    result = np.zeros(len(population), dtype=np.bool_)
    pointed = population.manager_before[population.manager_before >= 0]
    result[pointed] = True
    return result


# ------------------------------------------------------------------------------------------------
# The HR export
# ------------------------------------------------------------------------------------------------

UNIT_HEADER = (
    "enhetskode",
    "enhetsnavn",
    "overordnet_enhetskode",
    "enhetstype",
    "tidligere_organisasjon",
    "gyldig_fra",
    "gyldig_til",
    "ble_del_av",
)
EMPLOYEE_HEADER = (
    "ansattnummer",
    "fornavn",
    "etternavn",
    "brukernavn",
    "epost",
    "stilling",
    "enhetskode",
    "leder",
    "leders_ansattnummer",
    "tidligere_organisasjon",
    "startdato",
    "sluttdato",
    "tidligere_brukernavn",
)
UNIT_TYPE_WORDS = {
    "office": "kontor",
    "school": "skole",
    "kindergarten": "barnehage",
    "care": "helse_omsorg",
    "technical": "teknisk",
    "culture": "kultur",
    "nav": "nav",
}
XLSX_TIMESTAMP = dt.datetime(2020, 1, 1, 0, 0, 0)  # noqa: DTZ001 (workbook metadata, naive)
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def snapshot_dates(config: SimulationConfig) -> list[dt.date]:
    """config.start, the last day before the merger, the merger date and config.end."""
    days = {
        config.start,
        config.merger_date - dt.timedelta(days=1),
        config.merger_date,
        config.end,
    }
    return sorted(days)


def write_hr_export(
    population: Population, config: SimulationConfig, out: Path, *, xlsx: bool = True
) -> list[Path]:
    """Write the organisation as HR export snapshots under ``out/hr/<date>/``.

    Each snapshot is a full import as of its date, to be applied in date order: ``enheter.csv``
    and ``ansatte.csv`` (UTF-8 with BOM, ``;``, CRLF) and the same two tables as ``hr.xlsx``
    (sheets Enheter and Ansatte). The first lists the staff employed on config.start; each later
    one everyone employed at some time since the previous snapshot, leavers with their sluttdato
    in the unit they left from. The pre-merger units still exist on the day before the merger,
    so people who leave a former municipality are recorded in a snapshot of that day.
    ``xlsx=False`` skips the workbooks (openpyxl needs about 25 s for 50,000 people).
    """
    end = np.datetime_as_string(population.end, unit="D")
    start = np.datetime_as_string(population.start, unit="D")
    before_boss = managers_before(population)
    rows = population.units
    by_code = {row.code: row for row in rows}
    unit_titles = [manager_title(row, by_code.get(row.parent_code)) for row in rows]
    written: list[Path] = []
    previous: str | None = None
    for day in snapshot_dates(config):
        as_of = day.isoformat()
        before = day < config.merger_date
        in_file = (start <= as_of) & (
            (end == "NaT") | ((end >= as_of) if previous is None else (end > previous))
        )
        people = np.flatnonzero(in_file).tolist()
        if before:
            units = [_unit_cells(row, with_successor=False) for row in rows if row.former_org]
        else:
            new = [_unit_cells(row, with_successor=False) for row in rows if not row.former_org]
            old = [_unit_cells(row, with_successor=True) for row in rows if row.former_org]
            units = new + old if day == config.merger_date else new
        staff = [
            _employee_cells(population, i, before, as_of, end, start, before_boss, unit_titles)
            for i in people
        ]
        folder = out / "hr" / as_of
        folder.mkdir(parents=True, exist_ok=True)
        written.append(_write_csv(folder / "enheter.csv", UNIT_HEADER, units))
        written.append(_write_csv(folder / "ansatte.csv", EMPLOYEE_HEADER, staff))
        if xlsx:
            written.append(_write_xlsx(folder / "hr.xlsx", units, staff))
        previous = as_of
    return written


def _unit_cells(row: UnitRow, *, with_successor: bool) -> list[str]:
    return [
        row.code,
        row.name,
        row.parent_code,
        UNIT_TYPE_WORDS[row.unit_type],
        row.former_org,
        row.valid_from,
        row.valid_to,
        row.successor_code if with_successor else "",
    ]


def _employee_cells(
    population: Population,
    i: int,
    before: bool,
    as_of: str,
    end: npt.NDArray[np.str_],
    start: npt.NDArray[np.str_],
    before_boss: BoolArray,
    unit_titles: list[str],
) -> list[str]:
    org = int(population.former_org[i])
    if before:
        unit = int(population.unit_before[i])
        manager = int(population.manager_before[i])
        leads = bool(before_boss[i])
        upn, previous = population.upn_before[i], ""
        title = unit_titles[unit] if leads else population.title[i]
    else:
        unit = int(population.unit_after[i])
        manager = int(population.manager_after[i])
        leads = bool(population.is_manager[i])
        upn = population.upn_after[i]
        old = population.upn_before[i]
        previous = old if old and old != upn else ""
        title = population.title[i]
    if unit < 0:
        raise AssertionError(f"person {i} has no unit on {as_of}")
    last = str(end[i])
    return [
        population.employee_number[i],
        population.given_name[i],
        population.family_name[i],
        upn,
        upn,
        title,
        population.units[unit].code,
        "ja" if leads else "nei",
        population.employee_number[manager] if manager >= 0 else "",
        FORMER_ORGS[org] if org >= 0 else "",
        str(start[i]),
        last if last != "NaT" and last <= as_of else "",
        previous,
    ]


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """UTF-8 with BOM, `;`-separated, CRLF: what Norwegian Excel writes."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_xlsx(path: Path, units: Sequence[Sequence[str]], staff: Sequence[Sequence[str]]) -> Path:
    """Sheets Enheter and Ansatte; byte-identical for the same rows (fixed zip and doc dates)."""
    workbook = Workbook(write_only=True)
    for title, header, rows in (
        ("Enheter", UNIT_HEADER, units),
        ("Ansatte", EMPLOYEE_HEADER, staff),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append([value or None for value in row])  # no cell at all for an empty value
    workbook.properties.creator = "Veikart"
    workbook.properties.created = XLSX_TIMESTAMP
    workbook.properties.modified = XLSX_TIMESTAMP
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook would stamp "modified" with the current time.
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(workbook, archive).save()
    path.write_bytes(_fixed_zip(buffer.getvalue()))
    return path


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01, so the bytes depend on content only."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
