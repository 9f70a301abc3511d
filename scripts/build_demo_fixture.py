#!/usr/bin/env python3
"""Generate the "Nye Moss" demo fixture: HR import files before and after the 2020 merger.

Moss kommune and Rygge kommune merged into the new Moss kommune on 2020-01-01. This script writes
the organisation as two snapshots in the HR import format of docs/user/hr-import.md:

    2019-01-01/enheter.csv  Moss (codes 1xxx) and Rygge (codes 2xxx) before the merger
    2019-01-01/ansatte.csv  their employees (numbers 1xxxx and 2xxxx)
    2020-01-01/enheter.csv  the merged Moss kommune (codes 3xxx), plus every old unit with the
                            unit it became part of (ble_del_av)
    2020-01-01/ansatte.csv  the employees after the merger: everyone on moss.kommune.no, Rygge's
                            old sign-in names in tidligere_brukernavn; some left, some joined

Everything is drawn from random.Random(seed), so a seed always gives byte-identical files. The
result is validated before anything is written.

Usage: python scripts/build_demo_fixture.py [--seed 2019] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

DEFAULT_SEED = 2019
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/veikart/demo/fixtures/nye-moss"

BEFORE = date(2019, 1, 1)  # the first snapshot
MERGER = date(2020, 1, 1)  # the second snapshot, the day the new municipality started
OLD_UNITS_END = MERGER - timedelta(days=1)
HR_SYSTEM_START = {"moss": date(2004, 1, 1), "rygge": date(2008, 1, 1)}  # oldest gyldig_fra

DOMAIN = {"moss": "moss.kommune.no", "rygge": "rygge.kommune.no"}
NEW_DOMAIN = "moss.kommune.no"
STAFF_TARGET = {"moss": 274, "rygge": 148}  # employees on 2019-01-01 (Moss about 65 %)
NUMBER_BASE = {"moss": 10000, "rygge": 20000}
NEW_NUMBER_BASE = 30000  # people who start in the new municipality
JOINERS_2019 = {"moss": 6, "rygge": 4}  # start during 2019, still in a former municipality
JOINERS_2020 = 5  # start on 2020-01-01 in the new municipality
LEAVERS = 8  # employed on 2019-01-01, gone by 2020-01-01
MOVERS = 5  # move to another unit at the merger

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

Row = dict[str, str]


# --------------------------------------------------------------------------------------------
# The organisation
# --------------------------------------------------------------------------------------------


class OldUnit(NamedTuple):
    """A unit of Moss or Rygge before the merger."""

    code: str
    name: str
    parent: str
    unit_type: str
    profile: str  # key of STAFF_TITLES: what kind of people work here
    min_staff: int  # people working directly in the unit, manager included
    max_staff: int
    manager_title: str
    successor: str  # the post-merger unit it became part of


class NewUnit(NamedTuple):
    """A unit of the merged Moss kommune."""

    code: str
    name: str
    parent: str
    unit_type: str
    manager_title: str


# fmt: off
OLD_UNITS: dict[str, tuple[OldUnit, ...]] = {
    "moss": (
        OldUnit("1000", "Stab og administrasjon", "", "kontor", "stab", 3, 4, "Rådmann", "3000"),
        OldUnit("1010", "Økonomi", "1000", "kontor", "finance", 7, 12, "Økonomisjef", "3010"),
        OldUnit("1020", "HR og organisasjon", "1000", "kontor", "hr", 5, 9, "HR-sjef", "3020"),
        OldUnit("1030", "IKT", "1000", "kontor", "it", 6, 10, "IKT-sjef", "3030"),
        OldUnit("1040", "Servicetorget", "1000", "kontor", "service", 5, 8, "Enhetsleder", "3040"),
        OldUnit(
            "1050", "Politisk sekretariat", "1000", "kontor", "politics", 3, 5,
            "Sekretariatsleder", "3050",
        ),
        OldUnit("1100", "Oppvekst", "", "kontor", "sector", 2, 3, "Kommunalsjef", "3100"),
        OldUnit("1110", "Hoppern skole", "1100", "skole", "school_office", 3, 4, "Rektor", "3110"),
        OldUnit("1111", "Småtrinnet", "1110", "skole", "school", 8, 13, "Avdelingsleder", "3111"),
        OldUnit(
            "1112", "Mellomtrinnet", "1110", "skole", "school", 7, 12, "Avdelingsleder", "3112"
        ),
        OldUnit("1120", "Krapfoss skole", "1100", "skole", "school", 16, 28, "Rektor", "3120"),
        OldUnit("1130", "Bytårnet skole", "1100", "skole", "school", 18, 32, "Rektor", "3130"),
        OldUnit("1140", "Ramberg skole", "1100", "skole", "school", 15, 25, "Rektor", "3140"),
        OldUnit(
            "1150", "Kambo barnehage", "1100", "barnehage", "kindergarten", 8, 14, "Styrer", "3191"
        ),
        OldUnit(
            "1160", "Tusenfryd barnehage", "1100", "barnehage", "kindergarten", 8, 13, "Styrer",
            "3192",
        ),
        OldUnit(
            "1170", "Skoggata barnehage", "1100", "barnehage", "kindergarten", 8, 12, "Styrer",
            "3193",
        ),
        OldUnit("1180", "PP-tjenesten", "1100", "kontor", "ppt", 4, 7, "Enhetsleder", "3195"),
        OldUnit("1200", "Helse og omsorg", "", "kontor", "sector", 2, 3, "Kommunalsjef", "3200"),
        OldUnit(
            "1210", "Orkerød sykehjem", "1200", "helse_omsorg", "nursing_office", 3, 5,
            "Enhetsleder", "3210",
        ),
        OldUnit(
            "1211", "Avdeling 1", "1210", "helse_omsorg", "nursing", 11, 20, "Avdelingsleder",
            "3211",
        ),
        OldUnit(
            "1212", "Avdeling 2", "1210", "helse_omsorg", "nursing", 10, 18, "Avdelingsleder",
            "3212",
        ),
        OldUnit("1213", "Kjøkken", "1210", "helse_omsorg", "kitchen", 3, 5, "Kjøkkensjef", "3213"),
        OldUnit(
            "1220", "Hjemmetjenesten", "1200", "helse_omsorg", "homecare_office", 1, 2,
            "Enhetsleder", "3230",
        ),
        OldUnit(
            "1221", "Sone nord", "1220", "helse_omsorg", "homecare", 8, 14, "Avdelingsleder",
            "3231",
        ),
        OldUnit(
            "1222", "Sone sør", "1220", "helse_omsorg", "homecare", 8, 14, "Avdelingsleder", "3232"
        ),
        OldUnit(
            "1230", "Helsestasjonen", "1200", "helse_omsorg", "healthstation", 5, 8,
            "Enhetsleder", "3240",
        ),
        OldUnit(
            "1240", "Tildelingskontoret", "1200", "kontor", "allocation", 3, 5, "Enhetsleder",
            "3250",
        ),
        OldUnit("1300", "Teknikk og miljø", "", "kontor", "sector", 2, 3, "Kommunalsjef", "3300"),
        OldUnit(
            "1310", "Bygg og eiendom", "1300", "teknisk", "property", 6, 12, "Enhetsleder", "3310"
        ),
        OldUnit(
            "1320", "Vei, vann og avløp", "1300", "teknisk", "roads", 8, 14, "Enhetsleder", "3320"
        ),
        OldUnit("1330", "Plan og byggesak", "1300", "kontor", "plan", 5, 9, "Enhetsleder", "3330"),
        OldUnit("1400", "Kultur", "", "kontor", "sector", 1, 2, "Kommunalsjef", "3400"),
        OldUnit("1410", "Bibliotek", "1400", "kultur", "library", 5, 9, "Biblioteksjef", "3410"),
        OldUnit(
            "1420", "Kulturskolen", "1400", "kultur", "culture_school", 6, 11,
            "Kulturskolerektor", "3420",
        ),
        OldUnit("1500", "NAV Moss", "", "nav", "nav", 7, 12, "NAV-leder", "3500"),
    ),
    "rygge": (
        OldUnit("2000", "Sentraladministrasjonen", "", "kontor", "stab", 1, 2, "Rådmann", "3000"),
        OldUnit("2010", "Økonomi", "2000", "kontor", "finance", 5, 8, "Økonomisjef", "3010"),
        OldUnit(
            "2020", "Personal og organisasjon", "2000", "kontor", "hr", 3, 5, "Personalsjef",
            "3020",
        ),
        OldUnit("2030", "Servicetorget", "2000", "kontor", "service", 3, 5, "Enhetsleder", "3040"),
        OldUnit("2100", "Oppvekst", "", "kontor", "sector", 1, 2, "Kommunalsjef", "3100"),
        OldUnit("2110", "Ekholt skole", "2100", "skole", "school", 15, 24, "Rektor", "3150"),
        OldUnit("2120", "Halmstad skole", "2100", "skole", "school", 15, 22, "Rektor", "3160"),
        OldUnit("2130", "Larkollen skole", "2100", "skole", "school", 15, 20, "Rektor", "3170"),
        OldUnit("2140", "Rygge ungdomsskole", "2100", "skole", "school", 11, 20, "Rektor", "3180"),
        OldUnit(
            "2141", "Forsterket avdeling", "2140", "skole", "special_ed", 4, 6, "Avdelingsleder",
            "3181",
        ),
        OldUnit(
            "2150", "Larkollen barnehage", "2100", "barnehage", "kindergarten", 8, 12, "Styrer",
            "3194",
        ),
        OldUnit("2200", "Helse og velferd", "", "kontor", "sector", 1, 2, "Kommunalsjef", "3200"),
        OldUnit(
            "2210", "Rygge omsorgssenter", "2200", "helse_omsorg", "nursing_office", 3, 4,
            "Enhetsleder", "3220",
        ),
        OldUnit(
            "2211", "Avdeling 1", "2210", "helse_omsorg", "nursing", 11, 16, "Avdelingsleder",
            "3221",
        ),
        OldUnit(
            "2212", "Avdeling 2", "2210", "helse_omsorg", "nursing", 11, 15, "Avdelingsleder",
            "3222",
        ),
        OldUnit(
            "2220", "Hjemmetjenesten", "2200", "helse_omsorg", "homecare", 7, 12, "Enhetsleder",
            "3233",
        ),
        OldUnit("2230", "NAV Rygge", "2200", "nav", "nav", 5, 8, "NAV-leder", "3500"),
        OldUnit(
            "2300", "Tekniske tjenester", "", "kontor", "sector", 1, 2, "Kommunalsjef", "3300"
        ),
        OldUnit(
            "2310", "Bygg og eiendom", "2300", "teknisk", "property", 5, 8, "Enhetsleder", "3310"
        ),
        OldUnit(
            "2320", "Vei, vann og avløp", "2300", "teknisk", "roads", 5, 9, "Enhetsleder", "3320"
        ),
        OldUnit("2400", "Kultur og fritid", "", "kontor", "sector", 1, 2, "Kommunalsjef", "3400"),
        OldUnit("2410", "Bibliotek", "2400", "kultur", "library", 3, 5, "Biblioteksjef", "3411"),
        OldUnit(
            "2420", "Kulturskolen", "2400", "kultur", "culture_school", 4, 7,
            "Kulturskolerektor", "3420",
        ),
    ),
}
# fmt: on

NEW_UNITS: tuple[NewUnit, ...] = (
    NewUnit("3000", "Stab og administrasjon", "", "kontor", "Kommunedirektør"),
    NewUnit("3010", "Økonomi", "3000", "kontor", "Økonomisjef"),
    NewUnit("3020", "HR og organisasjon", "3000", "kontor", "HR-sjef"),
    NewUnit("3030", "IKT", "3000", "kontor", "IKT-sjef"),
    NewUnit("3040", "Servicetorget", "3000", "kontor", "Enhetsleder"),
    NewUnit("3050", "Politisk sekretariat", "3000", "kontor", "Sekretariatsleder"),
    NewUnit("3100", "Oppvekst", "", "kontor", "Kommunalsjef"),
    NewUnit("3110", "Hoppern skole", "3100", "skole", "Rektor"),
    NewUnit("3111", "Småtrinnet", "3110", "skole", "Avdelingsleder"),
    NewUnit("3112", "Mellomtrinnet", "3110", "skole", "Avdelingsleder"),
    NewUnit("3120", "Krapfoss skole", "3100", "skole", "Rektor"),
    NewUnit("3130", "Bytårnet skole", "3100", "skole", "Rektor"),
    NewUnit("3140", "Ramberg skole", "3100", "skole", "Rektor"),
    NewUnit("3150", "Ekholt skole", "3100", "skole", "Rektor"),
    NewUnit("3160", "Halmstad skole", "3100", "skole", "Rektor"),
    NewUnit("3170", "Larkollen skole", "3100", "skole", "Rektor"),
    NewUnit("3180", "Rygge ungdomsskole", "3100", "skole", "Rektor"),
    NewUnit("3181", "Forsterket avdeling", "3180", "skole", "Avdelingsleder"),
    NewUnit("3191", "Kambo barnehage", "3100", "barnehage", "Styrer"),
    NewUnit("3192", "Tusenfryd barnehage", "3100", "barnehage", "Styrer"),
    NewUnit("3193", "Skoggata barnehage", "3100", "barnehage", "Styrer"),
    NewUnit("3194", "Larkollen barnehage", "3100", "barnehage", "Styrer"),
    NewUnit("3195", "PP-tjenesten", "3100", "kontor", "Enhetsleder"),
    NewUnit("3200", "Helse og omsorg", "", "kontor", "Kommunalsjef"),
    NewUnit("3210", "Orkerød sykehjem", "3200", "helse_omsorg", "Enhetsleder"),
    NewUnit("3211", "Avdeling 1", "3210", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3212", "Avdeling 2", "3210", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3213", "Kjøkken", "3210", "helse_omsorg", "Kjøkkensjef"),
    NewUnit("3220", "Rygge omsorgssenter", "3200", "helse_omsorg", "Enhetsleder"),
    NewUnit("3221", "Avdeling 1", "3220", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3222", "Avdeling 2", "3220", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3230", "Hjemmetjenesten", "3200", "helse_omsorg", "Enhetsleder"),
    NewUnit("3231", "Sone nord", "3230", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3232", "Sone sør", "3230", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3233", "Sone øst", "3230", "helse_omsorg", "Avdelingsleder"),
    NewUnit("3240", "Helsestasjonen", "3200", "helse_omsorg", "Enhetsleder"),
    NewUnit("3250", "Tildelingskontoret", "3200", "kontor", "Enhetsleder"),
    NewUnit("3300", "Teknikk og miljø", "", "kontor", "Kommunalsjef"),
    NewUnit("3310", "Bygg og eiendom", "3300", "teknisk", "Enhetsleder"),
    NewUnit("3320", "Vei, vann og avløp", "3300", "teknisk", "Enhetsleder"),
    NewUnit("3330", "Plan og byggesak", "3300", "kontor", "Enhetsleder"),
    NewUnit("3400", "Kultur", "", "kontor", "Kommunalsjef"),
    NewUnit("3410", "Bibliotek", "3400", "kultur", "Biblioteksjef"),
    NewUnit("3411", "Rygge bibliotek", "3410", "kultur", "Avdelingsleder"),
    NewUnit("3420", "Kulturskolen", "3400", "kultur", "Kulturskolerektor"),
    NewUnit("3500", "NAV Moss", "", "nav", "NAV-leder"),
)

CHIEF_UNIT = {"moss": "1000", "rygge": "2000", "": "3000"}  # where the chief executive sits
CHIEF_TITLE_AFTER = "Kommunedirektør"
DEPUTY_TITLE_AFTER = "Assisterende kommunedirektør"  # the other chief executive, after the merger

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
    "plan": (
        ("Byggesaksbehandler", 3),
        ("Arealplanlegger", 2),
        ("Ingeniør", 1),
        ("Oppmålingsingeniør", 1),
    ),
    "school_office": (("Undervisningsinspektør", 1), ("Konsulent", 1), ("SFO-leder", 1)),
    "school": (
        ("Lærer", 12),
        ("Lektor", 3),
        ("Adjunkt", 3),
        ("Spesialpedagog", 1),
        ("Barne- og ungdomsarbeider", 2),
        ("Assistent", 2),
        ("Miljøterapeut", 1),
    ),
    "special_ed": (("Spesialpedagog", 2), ("Miljøterapeut", 1), ("Assistent", 1)),
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
    "nav": (("Veileder", 4), ("Saksbehandler", 2), ("Rådgiver", 1)),
}

# Share of women among the people of a unit (Norwegian municipalities are about 75 % women).
FEMALE_SHARE: dict[str, float] = {
    "school": 0.75,
    "school_office": 0.75,
    "special_ed": 0.75,
    "kindergarten": 0.9,
    "nursing": 0.85,
    "nursing_office": 0.85,
    "kitchen": 0.7,
    "homecare": 0.85,
    "homecare_office": 0.85,
    "healthstation": 0.95,
    "property": 0.35,
    "roads": 0.1,
    "it": 0.3,
    "plan": 0.5,
}
DEFAULT_FEMALE_SHARE = 0.65
SCHOOL_YEAR_PROFILES = frozenset({"school", "school_office", "special_ed", "kindergarten"})


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


class Origin(NamedTuple):
    weight: float
    since: int  # first year such names are plausible among new hires in Moss and Rygge
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male form, female form)


def _same(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in names)


# fmt: off
NORWEGIAN = Origin(
    85.0,
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
DOUBLE_SURNAME_SHARE = 0.03  # Norwegians with two surnames, e.g. "Løken Aasen"


def _popular_first(rng: random.Random, count: int) -> int:
    """An index into a list ordered by popularity: the first names are somewhat more common."""
    return rng.choices(range(count), weights=[1.0 / (rank + 30) for rank in range(count)])[0]


def draw_name(rng: random.Random, female_share: float) -> tuple[str, str, int]:
    """(given name, family name, earliest plausible start year).

    About 15 % of the names are common among immigrants to Norway.
    """
    origins = (NORWEGIAN, *IMMIGRANT_ORIGINS)
    origin = rng.choices(origins, weights=[o.weight for o in origins])[0]
    female = rng.random() < female_share
    given_names = origin.female if female else origin.male
    if origin is NORWEGIAN:
        given = given_names[_popular_first(rng, len(given_names))]
        male_form, female_form = origin.surnames[_popular_first(rng, len(origin.surnames))]
    else:
        given = rng.choice(given_names)
        male_form, female_form = rng.choice(origin.surnames)
    family = female_form if female else male_form
    if origin is NORWEGIAN and rng.random() < DOUBLE_SURNAME_SHARE:
        first = origin.surnames[_popular_first(rng, len(origin.surnames))][0]
        if first != family:
            family = f"{first} {family}"
    return given, family, origin.since


_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "ł": "l", "đ": "d", "ß": "ss"})


def upn_part(name: str) -> str:
    """`Kjærsti` → `kjaersti`, `Wiśniewska` → `wisniewska`, `Dela Cruz` → `dela.cruz`."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLITERATION))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", ".", text.strip())
    return re.sub(r"[^a-z0-9.-]", "", text)


class UpnRegistry:
    """Hands out `fornavn.etternavn@domain`, numbering the second `kari.hansen` `kari.hansen2`."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def reserve(self, upn: str) -> None:
        if upn in self._taken:
            raise ValueError(f"{upn} is already taken")
        self._taken.add(upn)

    def allocate(self, given: str, family: str, domain: str) -> str:
        local = f"{upn_part(given)}.{upn_part(family)}"
        upn = f"{local}@{domain}"
        number = 1
        while upn in self._taken:
            number += 1
            upn = f"{local}{number}@{domain}"
        self._taken.add(upn)
        return upn


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


@dataclass
class Person:
    org: str  # "moss" or "rygge"; "" for someone who started in the new municipality
    given: str
    family: str
    start: date
    profile: str
    unit: str  # unit before the merger ("" if started after it)
    title: str
    is_manager: bool
    number: int = 0
    upn: str = ""  # sign-in name in the former municipality
    leaves: bool = False  # gone before the merger
    new_unit: str = ""
    new_title: str = ""
    new_is_manager: bool = False
    new_upn: str = ""


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def start_date(rng: random.Random, first: date, last: date, profile: str) -> date:
    """A first day of employment: schools start in August, most others on the 1st."""
    day = random_day(rng, first, last)
    roll = rng.random()
    august = date(day.year, 8, 1) if day.month >= 8 else date(day.year - 1, 8, 1)
    if profile in SCHOOL_YEAR_PROFILES and roll < 0.6 and august >= first:
        return august
    if roll < 0.85 and day.replace(day=1) >= first:
        return day.replace(day=1)
    return day


def pick_title(rng: random.Random, profile: str) -> str:
    titles = STAFF_TITLES[profile]
    return rng.choices([t for t, _ in titles], weights=[w for _, w in titles])[0]


def fit_sizes(rng: random.Random, specs: Sequence[OldUnit], target: int) -> dict[str, int]:
    """A head count per unit within its range, summing to target.

    Every unit starts at the same relative point of its range (with some noise), so that large
    units stay large; then random units are nudged up or down until the total is right.
    """
    low = sum(s.min_staff for s in specs)
    high = sum(s.max_staff for s in specs)
    if not low <= target <= high:
        raise ValueError(f"target {target} is outside what the units allow ({low}-{high})")
    share = (target - low) / (high - low) if high > low else 0.0
    sizes = {
        s.code: min(
            s.max_staff,
            s.min_staff + round((s.max_staff - s.min_staff) * share * rng.uniform(0.5, 1.5)),
        )
        for s in specs
    }
    total = sum(sizes.values())
    while total != target:
        step = -1 if total > target else 1
        candidates = [
            s
            for s in specs
            if (sizes[s.code] > s.min_staff if step < 0 else sizes[s.code] < s.max_staff)
        ]
        sizes[rng.choice(candidates).code] += step
        total += step
    return sizes


def new_person(
    rng: random.Random,
    org: str,
    unit: str,
    profile: str,
    title: str,
    hired: tuple[date, date],
    *,
    manager: bool,
) -> Person:
    """Someone hired between hired[0] and hired[1] (not before people with their name came)."""
    while True:
        given, family, since = draw_name(rng, FEMALE_SHARE.get(profile, DEFAULT_FEMALE_SHARE))
        first = max(hired[0], date(since, 1, 1))
        if first <= hired[1]:
            break
    start = start_date(rng, first, hired[1], profile)
    return Person(org, given, family, start, profile, unit, title, manager)


def build_staff_2019(rng: random.Random) -> list[Person]:
    """Everyone employed on 2019-01-01, plus the people who join Moss or Rygge during 2019."""
    people: list[Person] = []
    for org, specs in OLD_UNITS.items():
        sizes = fit_sizes(rng, specs, STAFF_TARGET[org])
        staff: list[Person] = []
        for spec in specs:
            top = spec.parent == ""
            for index in range(sizes[spec.code]):
                manager = index == 0
                if manager:
                    latest = date(2008, 12, 1) if top else date(2014, 12, 1)
                    title = spec.manager_title
                else:
                    latest = date(2018, 12, 1)
                    title = pick_title(rng, spec.profile)
                hired = (date(1985, 1, 1), latest)
                staff.append(
                    new_person(rng, org, spec.code, spec.profile, title, hired, manager=manager)
                )
        joiners: list[Person] = []
        for _ in range(JOINERS_2019[org]):
            like = rng.choice([p for p in staff if not p.is_manager])
            title = pick_title(rng, like.profile)
            hired = (date(2019, 2, 1), date(2019, 12, 1))
            joiners.append(
                new_person(rng, org, like.unit, like.profile, title, hired, manager=False)
            )
        # Employee numbers follow the order people were hired, with gaps for those who left.
        number = NUMBER_BASE[org] + rng.randint(10, 60)
        for group in (staff, joiners):
            for person in sorted(group, key=lambda p: (p.start, p.family, p.given)):
                person.number = number
                number += rng.randint(1, 9)
        people.extend(staff)
        people.extend(joiners)
    return people


def assign_old_upns(people: Sequence[Person], registry: UpnRegistry) -> None:
    for person in sorted(people, key=lambda p: p.number):
        person.upn = registry.allocate(person.given, person.family, DOMAIN[person.org])


def successor_of() -> dict[str, str]:
    return {spec.code: spec.successor for specs in OLD_UNITS.values() for spec in specs}


def build_staff_2020(
    rng: random.Random, people: list[Person], registry: UpnRegistry
) -> list[Person]:
    """Decide who left, who moved and who leads what after the merger; add the new starters."""
    successors = successor_of()
    new_specs = {u.code: u for u in NEW_UNITS}
    old_specs = {s.code: s for specs in OLD_UNITS.values() for s in specs}

    original = [p for p in people if p.start <= BEFORE]
    for person in rng.sample([p for p in original if not p.is_manager], LEAVERS):
        person.leaves = True
    staying = [p for p in people if not p.leaves]
    for person in staying:
        person.new_unit = successors[person.unit]
        person.new_title = person.title
        person.new_is_manager = person.is_manager

    # Where two managers land in one unit, one leads it and the other becomes a specialist.
    for unit in NEW_UNITS:
        managers = sorted(
            (p for p in staying if p.new_is_manager and p.new_unit == unit.code),
            key=lambda p: p.number,
        )
        if not managers:
            raise ValueError(f"no manager for {unit.code} {unit.name}")
        moss = [p for p in managers if p.org == "moss"]
        if unit.code == CHIEF_UNIT[""] or (moss and rng.random() < 0.7):
            winner = moss[0]
        else:
            winner = rng.choice(managers)
        winner.new_title = unit.manager_title
        for other in managers:
            if other is winner:
                continue
            other.new_is_manager = False
            if unit.code == CHIEF_UNIT[""]:
                other.new_title = DEPUTY_TITLE_AFTER
            elif old_specs[other.unit].parent == "":
                other.new_title = "Fagsjef"  # headed a sector before the merger
            else:
                other.new_title = "Fagleder"

    # A handful of people move to another unit of the same kind.
    units_by_profile: dict[str, list[str]] = {}
    for spec in old_specs.values():
        codes = units_by_profile.setdefault(spec.profile, [])
        if spec.successor not in codes:
            codes.append(spec.successor)
    movable = [p for p in staying if not p.new_is_manager and len(units_by_profile[p.profile]) > 1]
    for person in rng.sample(movable, MOVERS):
        person.new_unit = rng.choice(
            [c for c in units_by_profile[person.profile] if c != person.new_unit]
        )

    # New sign-in names: Moss keeps its addresses, Rygge moves to moss.kommune.no.
    for person in sorted(staying, key=lambda p: p.number):
        if person.org == "rygge":
            person.new_upn = registry.allocate(person.given, person.family, NEW_DOMAIN)
        else:
            person.new_upn = person.upn

    # New starters on the first day of the new municipality.
    templates = [p for p in staying if not p.new_is_manager]
    number = NEW_NUMBER_BASE
    for _ in range(JOINERS_2020):
        number += rng.randint(1, 3)
        like = rng.choice(templates)
        title = pick_title(rng, like.profile)
        person = new_person(rng, "", "", like.profile, title, (MERGER, MERGER), manager=False)
        person.number = number
        person.new_unit = like.new_unit
        person.new_title = title
        person.new_upn = registry.allocate(person.given, person.family, NEW_DOMAIN)
        staying.append(person)
    for person in staying:
        if person.new_unit not in new_specs:
            raise ValueError(f"unknown post-merger unit {person.new_unit}")
    return staying


def managers_of(
    staff: Sequence[tuple[int, str, bool]], parents: dict[str, str], chief_unit: dict[str, str]
) -> dict[int, int | None]:
    """Whom each person reports to.

    Staff report to their unit's manager, a manager to the manager of the nearest unit above, the
    head of a top-level unit to the chief executive (chief_unit maps each top-level unit to the
    unit the chief executive leads), and the chief executive to no one.
    """
    heads: dict[str, int] = {}
    for number, unit, is_manager in staff:
        if is_manager:
            if unit in heads:
                raise ValueError(f"unit {unit} has two managers: {heads[unit]} and {number}")
            heads[unit] = number
    result: dict[int, int | None] = {}
    for number, unit, is_manager in staff:
        if not is_manager:
            result[number] = heads[unit]
            continue
        boss: int | None = None
        above = parents[unit]
        top = unit
        while above:
            if above in heads:
                boss = heads[above]
                break
            top = above
            above = parents[above]
        if boss is None and above == "":
            chief = heads[chief_unit[top]]
            boss = None if chief == number else chief
        result[number] = boss
    return result


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def old_unit_rows(rng: random.Random) -> list[Row]:
    """The units before the merger; all of them end on 2019-12-31."""
    rows: list[Row] = []
    starts: dict[str, date | None] = {}
    for org, specs in OLD_UNITS.items():
        tops = {spec.code for spec in specs if spec.parent == ""}
        for spec in specs:
            parent_start = starts.get(spec.parent)
            if spec.parent == "" or spec.parent in tops:
                # Sectors and units: as old as the HR system, or older (empty).
                start = rng.choice([None, None, HR_SYSTEM_START[org]])
            else:
                # Departments of a unit: some were set up in later reorganisations.
                start = rng.choice([HR_SYSTEM_START[org], date(2012, 1, 1), date(2016, 8, 1)])
            if start and parent_start and start < parent_start:
                start = parent_start
            starts[spec.code] = start
            rows.append(
                {
                    "enhetskode": spec.code,
                    "enhetsnavn": spec.name,
                    "overordnet_enhetskode": spec.parent,
                    "enhetstype": spec.unit_type,
                    "tidligere_organisasjon": org,
                    "gyldig_fra": iso(start),
                    "gyldig_til": iso(OLD_UNITS_END),
                    "ble_del_av": "",
                }
            )
    return rows


def new_unit_rows(old_rows: Sequence[Row]) -> list[Row]:
    """The units of the merged municipality, then the old units with their successors."""
    successors = successor_of()
    rows: list[Row] = [
        {
            "enhetskode": unit.code,
            "enhetsnavn": unit.name,
            "overordnet_enhetskode": unit.parent,
            "enhetstype": unit.unit_type,
            "tidligere_organisasjon": "",
            "gyldig_fra": iso(MERGER),
            "gyldig_til": "",
            "ble_del_av": "",
        }
        for unit in NEW_UNITS
    ]
    rows.extend({**row, "ble_del_av": successors[row["enhetskode"]]} for row in old_rows)
    return rows


def employee_rows_2019(people: Sequence[Person]) -> list[Row]:
    staff = sorted((p for p in people if p.start <= BEFORE), key=lambda p: p.number)
    parents = {s.code: s.parent for specs in OLD_UNITS.values() for s in specs}
    tops = {s.code: CHIEF_UNIT[org] for org, specs in OLD_UNITS.items() for s in specs}
    bosses = managers_of([(p.number, p.unit, p.is_manager) for p in staff], parents, tops)
    return [
        {
            "ansattnummer": str(p.number),
            "fornavn": p.given,
            "etternavn": p.family,
            "brukernavn": p.upn,
            "epost": p.upn,
            "stilling": p.title,
            "enhetskode": p.unit,
            "leder": "ja" if p.is_manager else "nei",
            "leders_ansattnummer": str(bosses[p.number] or ""),
            "tidligere_organisasjon": p.org,
            "startdato": iso(p.start),
            "sluttdato": "",
            "tidligere_brukernavn": "",
        }
        for p in staff
    ]


def employee_rows_2020(people: Sequence[Person]) -> list[Row]:
    staff = sorted(people, key=lambda p: p.number)
    parents = {u.code: u.parent for u in NEW_UNITS}
    tops = {u.code: CHIEF_UNIT[""] for u in NEW_UNITS}
    bosses = managers_of([(p.number, p.new_unit, p.new_is_manager) for p in staff], parents, tops)
    return [
        {
            "ansattnummer": str(p.number),
            "fornavn": p.given,
            "etternavn": p.family,
            "brukernavn": p.new_upn,
            "epost": p.new_upn,
            "stilling": p.new_title,
            "enhetskode": p.new_unit,
            "leder": "ja" if p.new_is_manager else "nei",
            "leders_ansattnummer": str(bosses[p.number] or ""),
            "tidligere_organisasjon": p.org,
            "startdato": iso(p.start),
            "sluttdato": "",
            "tidligere_brukernavn": p.upn if p.upn and p.upn != p.new_upn else "",
        }
        for p in staff
    ]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

UPN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]*@[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _valid_on(row: Row, day: date) -> bool:
    start, end = row["gyldig_fra"], row["gyldig_til"]
    return (not start or date.fromisoformat(start) <= day) and (
        not end or day <= date.fromisoformat(end)
    )


def check_units(label: str, rows: Sequence[Row], as_of: date) -> list[str]:
    problems: list[str] = []
    codes = [r["enhetskode"] for r in rows]
    units = {r["enhetskode"]: r for r in rows}
    for code, count in Counter(codes).items():
        if count > 1:
            problems.append(f"{label}: unit {code} appears {count} times")
    seen: set[str] = set()
    for row in rows:
        code, parent, successor = row["enhetskode"], row["overordnet_enhetskode"], row["ble_del_av"]
        if not code.isdigit():
            problems.append(f"{label}: unit code {code!r} is not numeric")
        if parent and parent not in seen:
            problems.append(f"{label}: parent {parent} of {code} is missing or listed after it")
        if (
            parent
            and parent in units
            and units[parent]["tidligere_organisasjon"] != row["tidligere_organisasjon"]
        ):
            problems.append(f"{label}: unit {code} and its parent belong to different orgs")
        seen.add(code)
        chain = [code]
        while units.get(chain[-1], {}).get("overordnet_enhetskode"):
            chain.append(units[chain[-1]]["overordnet_enhetskode"])
            if chain[-1] in chain[:-1]:
                problems.append(f"{label}: cycle {' → '.join(chain)}")
                break
        ended = bool(row["gyldig_til"]) and date.fromisoformat(row["gyldig_til"]) < as_of
        if ended and not successor:
            problems.append(f"{label}: unit {code} has ended but has no ble_del_av")
        if successor:
            target = units.get(successor)
            if target is None:
                problems.append(f"{label}: ble_del_av {successor} of {code} does not exist")
            else:
                day_after = date.fromisoformat(row["gyldig_til"]) + timedelta(days=1)
                if not _valid_on(target, day_after):
                    problems.append(f"{label}: {code} became part of {successor}, not valid then")
                if parent == "" and target["overordnet_enhetskode"]:
                    problems.append(f"{label}: sector {code} became part of unit {successor}")
    return problems


def check_employees(
    label: str, rows: Sequence[Row], units: Sequence[Row], as_of: date, chiefs: int
) -> list[str]:
    problems: list[str] = []
    unit_rows = {u["enhetskode"]: u for u in units}
    people = {r["ansattnummer"]: r for r in rows}
    for key in ("ansattnummer", "brukernavn"):
        for value, count in Counter(r[key].casefold() for r in rows).items():
            if count > 1:
                problems.append(f"{label}: {key} {value} appears {count} times")
    current_upns = {r["brukernavn"] for r in rows}
    previous = [r["tidligere_brukernavn"] for r in rows if r["tidligere_brukernavn"]]
    if len(previous) != len(set(previous)) or current_upns & set(previous):
        problems.append(f"{label}: tidligere_brukernavn clash with each other or brukernavn")
    managers: dict[str, str] = {}
    for row in rows:
        number, unit = row["ansattnummer"], row["enhetskode"]
        prefix = {"moss": "1", "rygge": "2", "": "3"}[row["tidligere_organisasjon"]]
        if not (number.isdigit() and len(number) == 5 and number.startswith(prefix)):
            problems.append(f"{label}: employee number {number} does not fit its organisation")
        for key in ("brukernavn", "epost", "tidligere_brukernavn"):
            if row[key] and not UPN_PATTERN.match(row[key]):
                problems.append(f"{label}: {number} has an invalid {key} {row[key]!r}")
        if row["epost"] != row["brukernavn"]:
            problems.append(f"{label}: {number} has an e-mail different from the sign-in name")
        if unit not in unit_rows or not _valid_on(unit_rows[unit], as_of):
            problems.append(f"{label}: {number} works in unknown or ended unit {unit}")
        if date.fromisoformat(row["startdato"]) > as_of or row["sluttdato"]:
            problems.append(f"{label}: {number} is not employed on {as_of}")
        if row["leder"] == "ja":
            if unit in managers:
                problems.append(f"{label}: unit {unit} has two managers")
            managers[unit] = number
        elif row["leder"] != "nei":
            problems.append(f"{label}: {number} has leder {row['leder']!r}")
    for unit in sorted({r["enhetskode"] for r in rows} - set(managers)):
        problems.append(f"{label}: unit {unit} has staff but no manager")
    without_boss = 0
    for row in rows:
        number, boss = row["ansattnummer"], row["leders_ansattnummer"]
        if not boss:
            without_boss += 1
            if row["leder"] != "ja" or unit_rows[row["enhetskode"]]["overordnet_enhetskode"]:
                problems.append(f"{label}: {number} has no manager but is no chief executive")
            continue
        if boss not in people:
            problems.append(f"{label}: {number} reports to unknown employee {boss}")
            continue
        if row["leder"] == "nei" and boss != managers.get(row["enhetskode"]):
            problems.append(f"{label}: {number} does not report to their unit's manager")
        if people[boss]["leder"] != "ja":
            problems.append(f"{label}: {number} reports to {boss}, who is no manager")
        chain = [number]
        while people.get(chain[-1], {}).get("leders_ansattnummer"):
            chain.append(people[chain[-1]]["leders_ansattnummer"])
            if chain[-1] in chain[:-1]:
                problems.append(f"{label}: reporting cycle {' → '.join(chain)}")
                break
    if without_boss != chiefs:
        problems.append(f"{label}: {without_boss} people without a manager, expected {chiefs}")
    return problems


def check_merger(
    units_before: Sequence[Row],
    units_after: Sequence[Row],
    staff_before: Sequence[Row],
    staff_after: Sequence[Row],
) -> list[str]:
    problems: list[str] = []
    after = {u["enhetskode"]: u for u in units_after}
    for row in units_before:
        if row["gyldig_til"] != iso(OLD_UNITS_END) or row["ble_del_av"]:
            problems.append(f"2019 enheter: {row['enhetskode']} should end on {OLD_UNITS_END}")
        again = after.get(row["enhetskode"])
        if again is None or {**again, "ble_del_av": ""} != row:
            problems.append(f"2020 enheter: {row['enhetskode']} differs from the 2019 file")
    before = {r["ansattnummer"]: r for r in staff_before}
    now = {r["ansattnummer"]: r for r in staff_after}
    left = set(before) - set(now)
    joined = set(now) - set(before)
    if len(left) != LEAVERS or len(joined) != sum(JOINERS_2019.values()) + JOINERS_2020:
        problems.append(f"{len(left)} leavers and {len(joined)} joiners")
    for number in sorted(joined):
        start = now[number]["startdato"]
        if not (BEFORE.isoformat() < start <= MERGER.isoformat()):
            problems.append(f"2020 ansatte: joiner {number} started on {start}")
        if (start == MERGER.isoformat()) != (now[number]["tidligere_organisasjon"] == ""):
            problems.append(f"2020 ansatte: joiner {number} has the wrong former organisation")
    for number in sorted(set(before) & set(now)):
        old, new = before[number], now[number]
        for key in ("fornavn", "etternavn", "startdato", "tidligere_organisasjon"):
            if old[key] != new[key]:
                problems.append(f"2020 ansatte: {number} changed {key}")
        expected = old["brukernavn"] if old["tidligere_organisasjon"] == "rygge" else ""
        if new["tidligere_brukernavn"] != expected or not new["brukernavn"].endswith(NEW_DOMAIN):
            problems.append(f"2020 ansatte: {number} has wrong sign-in names")
        if old["tidligere_organisasjon"] == "moss" and new["brukernavn"] != old["brukernavn"]:
            problems.append(f"2020 ansatte: {number} lost their Moss address")
    return problems


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Row]) -> None:
    """UTF-8 with BOM, `;`-separated, CRLF: what Norwegian Excel writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([row[key] for key in header] for row in rows)


def build(seed: int) -> dict[str, list[Row]]:
    """All four files, keyed by their path under the fixture folder."""
    rng = random.Random(seed)
    units_before = old_unit_rows(rng)
    units_after = new_unit_rows(units_before)
    people = build_staff_2019(rng)
    old_registries = {org: UpnRegistry() for org in DOMAIN}
    for org, registry in old_registries.items():
        assign_old_upns([p for p in people if p.org == org], registry)
    # The new municipality uses Moss's domain: every Moss address stays taken, even of leavers.
    new_registry = UpnRegistry()
    for person in sorted(people, key=lambda p: p.number):
        if person.org == "moss":
            new_registry.reserve(person.upn)
    staff_after = build_staff_2020(rng, people, new_registry)
    return {
        "2019-01-01/enheter.csv": units_before,
        "2019-01-01/ansatte.csv": employee_rows_2019(people),
        "2020-01-01/enheter.csv": units_after,
        "2020-01-01/ansatte.csv": employee_rows_2020(staff_after),
    }


def validate(files: dict[str, list[Row]]) -> None:
    units_before = files["2019-01-01/enheter.csv"]
    units_after = files["2020-01-01/enheter.csv"]
    staff_before = files["2019-01-01/ansatte.csv"]
    staff_after = files["2020-01-01/ansatte.csv"]
    problems = [
        *check_units("2019 enheter", units_before, BEFORE),
        *check_units("2020 enheter", units_after, MERGER),
        *check_employees("2019 ansatte", staff_before, units_before, BEFORE, chiefs=2),
        *check_employees("2020 ansatte", staff_after, units_after, MERGER, chiefs=1),
        *check_merger(units_before, units_after, staff_before, staff_after),
    ]
    if problems:
        raise SystemExit("The generated fixture is inconsistent:\n  " + "\n  ".join(problems))


def summary(files: dict[str, list[Row]]) -> str:
    units_before = files["2019-01-01/enheter.csv"]
    staff_before = files["2019-01-01/ansatte.csv"]
    units_after = files["2020-01-01/enheter.csv"]
    staff_after = files["2020-01-01/ansatte.csv"]
    lines = [f"{name}: {len(rows)} rows" for name, rows in files.items()]
    for org in (*DOMAIN, ""):
        units = sum(
            r["tidligere_organisasjon"] == org for r in (units_before if org else units_after)
        )
        before = sum(r["tidligere_organisasjon"] == org for r in staff_before)
        after = sum(r["tidligere_organisasjon"] == org for r in staff_after)
        lines.append(
            f"{org or 'new Moss kommune'}: {units} units; employees {before} on {BEFORE}, "
            f"{after} on {MERGER}"
        )
    numbers_before = {r["ansattnummer"] for r in staff_before}
    numbers_after = {r["ansattnummer"] for r in staff_after}
    left, joined = numbers_before - numbers_after, numbers_after - numbers_before
    numbered = sum(bool(re.search(r"\d@", r["brukernavn"])) for r in staff_after)
    lines.append(
        f"left: {len(left)}, joined: {len(joined)}, "
        f"sign-in names with a number suffix after the merger: {numbered}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (2019)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder ({DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    files = build(args.seed)
    validate(files)
    for name, rows in files.items():
        header = UNIT_HEADER if name.endswith("enheter.csv") else EMPLOYEE_HEADER
        write_csv(args.out / name, header, rows)
    print(summary(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
