"""The change programme around "Nye Moss": training, system inventories and the roadmap.

Three writers give the other Veikart modules their data, as files a municipality could hand over:

* :func:`write_training` — courses, sessions and enrolments with attendance (``out/training/``),
  consistent with the behaviour stage: everyone whose ``Panel.trained_on`` is set attended exactly
  one session of the basic course :data:`BASIC_COURSE` on that day;
* :func:`write_systems` — the system inventories of the former municipalities Moss and Rygge and
  the harmonisation decisions of the merged municipality (``out/systems/``);
* :func:`write_roadmap` — initiatives, measurable targets and the agreed way of working
  ("hvilket verktøy til hva") (``out/roadmap/``).

Every file is UTF-8 with BOM, ``;``-separated, CRLF line ends (what Norwegian Excel writes); dates
are ISO (``2019-09-03``), times ISO 8601 with the Europe/Oslo offset
(``2019-09-03T09:00:00+02:00``); lists inside a cell are separated by ``|``. The same seed gives
byte-identical files (numpy ``default_rng(config.seed + offset)``, a fixed offset per writer).

Training import format (``out/training/``; the training module will read these)
--------------------------------------------------------------------------------

``kurs.csv`` — one row per course:

=================  ==============================================================================
kode               course code, unique (``TEAMS-GK``)
tittel             title in bokmål
beskrivelse        one or two sentences
format             ``klasserom`` | ``teams`` | ``e-læring`` (the usual form; a session's ``sted``
                   says where it was actually held — classroom courses moved to Teams from the
                   lockdown on)
varighet_minutter  length of one session, minutes
forutsetning       code of the course one must have attended first, or empty
målgruppe          who the course is for, in words
=================  ==============================================================================

``kursokter.csv`` — one row per session:

=================  ==============================================================================
id                 session id, unique (``OKT-00001``), numbered in order of start time
kurskode           ``kurs.kode``
start, slutt       ISO 8601 with offset, Europe/Oslo local time, on working days in working hours;
                   an e-learning "session" is an enrolment window (a half-year) instead
sted               room (``Moss rådhus, møterom Jeløy``), ``Teams`` or ``Læringsportalen``
kursholder         ``ansattnummer`` of the instructor (IT staff or a digital champion), empty for
                   e-learning
kapasitet          seats, empty when unlimited (e-learning)
=================  ==============================================================================

``pameldinger.csv`` — one row per enrolment (a person at most once per session):

=================  ==============================================================================
okt_id             ``kursokter.id``
ansattnummer       employee number from the HR export
påmeldt            date of enrolment (on or before the session's start)
status             ``møtt`` (attended; for e-learning: completed) | ``ikke møtt`` (no-show; for
                   e-learning: not completed) | ``avmeldt`` (cancelled) | ``venteliste`` (on the
                   waiting list, did not get a seat)
=================  ==============================================================================

Seats taken = ``møtt`` + ``ikke møtt``; they never exceed ``kapasitet``.

Systems (``out/systems/``)
--------------------------

``systemer.csv``: tidligere_organisasjon (``moss`` | ``rygge``), navn, leverandør, kategori,
brukere, eier, kontrakt_utløper (ISO date or empty), årlig_kostnad_nok, databehandleravtale
(``ja`` | ``nei`` | ``under arbeid``), integrasjoner (``|``-separated). A product both
municipalities ran has the same ``navn`` in both. ``beslutninger.csv``: system (a ``navn`` of
systemer.csv; every system has exactly one decision), kategori, beslutning (``behold`` |
``erstatt med X`` | ``avvikle`` | ``slå sammen``), begrunnelse, ansvarlig, beslutningsdato,
status (``gjennomført`` | ``pågår`` | ``planlagt``, as of ``config.end``), migreringsmilepæl
(``YYYY-MM-DD: text``).

Roadmap (``out/roadmap/``)
--------------------------

``veikart.csv``: id, tiltak, mål, eier, målgrupper (``|``), start, slutt, status (``fullført`` |
``pågår`` | ``planlagt`` as of ``config.end``), milepæler (``|``-separated ``YYYY-MM-DD: text``),
avhenger_av_systemer (``|``-separated ``beslutninger.system``), avhenger_av_kurs (``|``-separated
``kurs.kode``). ``mål.csv``: id, tiltak (``veikart.id``), nøkkel (see :data:`TARGET_METRICS`),
beskrivelse, terskel, retning (``minst`` | ``høyst``), dato, populasjon (in words), enhetstype
(the HR export's enhetstype word, empty = every type), rolle (``leder`` | ``superbruker`` |
empty). ``arbeidsavtale.csv``: nr, behov, verktøy, eksempel, ikke_bruk, gjelder_fra.

System and roadmap dates are those of the reference case (merger 2020-01-01, lockdown
2020-03-12), moved by as many days as ``config.merger_date`` (or, for the pandemic items,
``config.lockdown_date``) differs from it. No Django imports.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from veikart.demo.simulator.behaviour import DEFAULT_PARAMS as DEFAULT_BEHAVIOUR
from veikart.demo.simulator.behaviour import BehaviourParams, day_factor
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import FORMER_ORGS, UNIT_TYPES, Panel, Population
from veikart.demo.simulator.organisation import DEFAULT_PARAMS as DEFAULT_ORGANISATION
from veikart.demo.simulator.organisation import managers_before

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

OSLO = ZoneInfo("Europe/Oslo")
TRAINING_SEED_OFFSET = 7301  # default_rng(config.seed + offset): each writer its own stream
SYSTEMS_SEED_OFFSET = 7302
REFERENCE_MERGER = dt.date(2020, 1, 1)  # the dates of the system and roadmap tables are for ...
REFERENCE_LOCKDOWN = dt.date(2020, 3, 12)  # ... these and move with config's dates
REFERENCE_EMPLOYEES = 3500  # costs in the inventory are for this size and scale with it

_EPOCH = dt.date(1970, 1, 1)
_NEVER = 10**9  # "never" as a day number (not trained, still employed)

TRAINING_FILES = ("kurs.csv", "kursokter.csv", "pameldinger.csv")
SYSTEM_FILES = ("systemer.csv", "beslutninger.csv")
ROADMAP_FILES = ("veikart.csv", "mål.csv", "arbeidsavtale.csv")

COURSE_HEADER = (
    "kode",
    "tittel",
    "beskrivelse",
    "format",
    "varighet_minutter",
    "forutsetning",
    "målgruppe",
)
SESSION_HEADER = ("id", "kurskode", "start", "slutt", "sted", "kursholder", "kapasitet")
ENROLMENT_HEADER = ("okt_id", "ansattnummer", "påmeldt", "status")
SYSTEM_HEADER = (
    "tidligere_organisasjon",
    "navn",
    "leverandør",
    "kategori",
    "brukere",
    "eier",
    "kontrakt_utløper",
    "årlig_kostnad_nok",
    "databehandleravtale",
    "integrasjoner",
)
DECISION_HEADER = (
    "system",
    "kategori",
    "beslutning",
    "begrunnelse",
    "ansvarlig",
    "beslutningsdato",
    "status",
    "migreringsmilepæl",
)
ROADMAP_HEADER = (
    "id",
    "tiltak",
    "mål",
    "eier",
    "målgrupper",
    "start",
    "slutt",
    "status",
    "milepæler",
    "avhenger_av_systemer",
    "avhenger_av_kurs",
)
TARGET_HEADER = (
    "id",
    "tiltak",
    "nøkkel",
    "beskrivelse",
    "terskel",
    "retning",
    "dato",
    "populasjon",
    "enhetstype",
    "rolle",
)
AGREEMENT_HEADER = ("nr", "behov", "verktøy", "eksempel", "ikke_bruk", "gjelder_fra")

STATUSES = ("møtt", "ikke møtt", "avmeldt", "venteliste")
SEAT_STATUSES = ("møtt", "ikke møtt")  # the statuses that take a seat

# The metrics mål.csv sets targets for (per licensed user and week unless said otherwise).
TARGET_METRICS: dict[str, str] = {
    "teams_active_share": "andel lisensierte med aktivitet i Teams (melding, samtale eller møte) "
    "i uka",
    "teams_messages_per_user": "Teams-meldinger (chat og kanal) per lisensiert bruker per uke",
    "teams_meetings_per_user": "Teams-møter deltatt per lisensiert bruker per uke",
    "email_sent_per_user": "sendte e-poster per lisensiert bruker per uke",
    "onedrive_active_share": "andel lisensierte som har åpnet eller endret filer i OneDrive i uka",
    "course_share": "andel av de ansatte i populasjonen som har møtt på kurset (nøkkel:kurskode)",
}

# The HR export's enhetstype words (organisation.UNIT_TYPE_WORDS), in UNIT_TYPES order.
_TYPE_WORDS = ("kontor", "skole", "barnehage", "helse_omsorg", "teknisk", "kultur", "nav")


# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------


def _num(day: dt.date) -> int:
    return (day - _EPOCH).days


def _date(number: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(number))


def _day_numbers(values: npt.NDArray[np.datetime64], missing: int) -> Int64Array:
    """datetime64 values as day numbers; NaT becomes ``missing``."""
    days = values.astype("datetime64[D]")
    return np.where(np.isnat(days), missing, days.astype(np.int64)).astype(np.int64)


def _stamp(day: dt.date, minute_of_day: int) -> str:
    """ISO 8601 local time in Europe/Oslo with its UTC offset."""
    hour, minute = divmod(minute_of_day, 60)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO).isoformat()


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """UTF-8 with BOM, `;`-separated, CRLF: what Norwegian Excel writes."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _shifter(delta: dt.timedelta) -> Callable[[str], str]:
    """Moves an ISO date (or every ``YYYY-MM-DD: text`` item of a ``|`` list) by ``delta``."""

    def move(value: str) -> str:
        if not value:
            return value
        items = []
        for item in value.split("|"):
            day, colon, text = item.partition(":")
            moved = (dt.date.fromisoformat(day.strip()) + delta).isoformat()
            items.append(f"{moved}{colon}{text}")
        return "|".join(items)

    return move


def _course_day(day: dt.date, params: BehaviourParams) -> bool:
    """A normal working day (no weekend, holiday, Christmas, Easter or common July holiday)."""
    return day.weekday() < 5 and day_factor(day, params) >= 0.7


def _working_day(day: dt.date, params: BehaviourParams) -> bool:
    """A weekday that is not a public holiday (July and school breaks count)."""
    return day.weekday() < 5 and day_factor(day, params) >= 0.25


# ------------------------------------------------------------------------------------------------
# Training: the course catalogue
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    description: str
    form: str  # klasserom | teams | e-læring
    minutes: int
    prerequisite: str
    audience: str
    capacity: int = 0  # seats per session; 0 = the basic course's (BehaviourParams), or unlimited


BASIC_COURSE = "TEAMS-GK"

COURSES: tuple[Course, ...] = (
    Course(
        "EL-M365",
        "E-læring: Kom i gang med Microsoft 365",
        "Pålogging, Office på nett, Outlook, Teams og OneDrive i korte videoer og oppgaver. "
        "Anbefales før Teams grunnkurs.",
        "e-læring",
        20,
        "",
        "Alle ansatte",
    ),
    Course(
        BASIC_COURSE,
        "Teams grunnkurs",
        "Chat, team og kanaler, varsler og status, og hvordan Teams brukes sammen med e-post i "
        "Moss kommune. Med egen PC og øvingsoppgaver.",
        "klasserom",
        120,
        "",
        "Alle ansatte, ledere og superbrukere først",
    ),
    Course(
        "TEAMS-FIL",
        "Filer i Teams og OneDrive",
        "Flytt filene fra hjemmeområdet (H:) til OneDrive og fra fellesområdet til teamet, del "
        "med kolleger og samskriv i samme dokument. Hva som ikke skal lagres der.",
        "klasserom",
        90,
        BASIC_COURSE,
        "Ansatte med filer på filserverne",
        20,
    ),
    Course(
        "TEAMS-MOTE",
        "Møter i Teams",
        "Planlegge, holde og delta i Teams-møter: deling av skjerm, lobby, opptak, chat i møtet "
        "og gode vaner for digitale møter.",
        "teams",
        60,
        BASIC_COURSE,
        "Alle som holder eller deltar i digitale møter",
        60,
    ),
    Course(
        "TEAMS-KANAL",
        "Samarbeid i team og kanaler",
        "Opprette og eie et team, kanaler, faner, Planner og OneNote. Hvordan et prosjekt eller "
        "en enhet flytter samarbeidet fra e-post til teamet.",
        "teams",
        60,
        BASIC_COURSE,
        "Teameiere, prosjektledere og merkantilt ansatte",
        40,
    ),
    Course(
        "TEAMS-TURNUS",
        "Teams på mobil for ansatte i turnus",
        "Teams på jobbmobilen og egen telefon: vaktrapport, beskjeder til hele avdelingen og "
        "personalmøter for dem som ikke sitter ved PC.",
        "teams",
        45,
        BASIC_COURSE,
        "Helse og omsorg, barnehager",
        40,
    ),
    Course(
        "LEDER-DIG",
        "Leder som rollemodell i digital samhandling",
        "Hvordan lederen går foran: ledermøter og informasjon i Teams, avtaler om verktøybruk i "
        "egen enhet og oppfølging av opplæringen.",
        "klasserom",
        180,
        BASIC_COURSE,
        "Ledere på alle nivåer",
        20,
    ),
    Course(
        "SUPERBRUKER",
        "Superbrukerkurs",
        "Dagskurs for digitale superbrukere: Teams og OneDrive i dybden, veiledning av kolleger, "
        "å holde korte kurs i egen enhet og å melde saker til IKT.",
        "klasserom",
        360,
        BASIC_COURSE,
        "Digitale superbrukere",
        16,
    ),
    Course(
        "EL-SIKKERHET",
        "E-læring: Informasjonssikkerhet og personvern i Microsoft 365",
        "Taushetsbelagte opplysninger hører hjemme i fagsystemet, ikke i chat eller OneDrive; "
        "deling med eksterne, phishing og tofaktorpålogging.",
        "e-læring",
        30,
        "",
        "Alle ansatte",
    ),
    Course(
        "EL-VERKTOY",
        "E-læring: Hvilket verktøy til hva?",
        "Samhandlingsavtalen i Moss kommune: chat, kanal, møte, e-post, OneDrive, Teams og "
        "sak/arkiv — hva brukes til hva.",
        "e-læring",
        15,
        "",
        "Alle ansatte",
    ),
    Course(
        "EL-ONEDRIVE",
        "E-læring: Flytt filene dine til OneDrive",
        "Steg for steg: synkroniser OneDrive, flytt filer fra H:, rydd før flytting.",
        "e-læring",
        15,
        "",
        "Ansatte med hjemmeområde på filserver",
    ),
)
_COURSE_BY_CODE = {course.code: course for course in COURSES}

# Rooms for the basic course, by former organisation (two sessions a day per room: morning and
# after lunch); after the merger all of them are used.
MOSS_ROOMS = (
    "Moss rådhus, møterom Jeløy",
    "Moss rådhus, møterom Værlebukta",
    "Moss rådhus, kurssal 1. etasje",
    "Moss bibliotek, møterom Verket",
)
RYGGE_ROOMS = (
    "Rygge rådhus, kommunestyresalen",
    "Rygge rådhus, møterom Larkollen",
)
TEAMS_PLACE = "Teams"
E_LEARNING_PLACE = "Læringsportalen"
BASIC_SLOTS = (9 * 60, 12 * 60 + 30)  # 09:00 and 12:30


@dataclass(frozen=True)
class FollowUp:
    """A follow-up course: trained people of a group take it some weeks after the basic course.

    Sessions are held on a fixed calendar (every ``every_weeks`` weeks on ``weekday`` from the
    anchor + ``offset_days``), ``max(1, ceil(employees / 3500))`` in parallel; each participant
    gets the first session on or after the wished date with a free seat.
    """

    code: str
    who: str  # all | leaders | champions | shift (care and kindergarten units)
    share: float  # chance a trained person of the group takes it (× unit-type factor for "all")
    delay_weeks: tuple[float, float]  # after the basic course (uniform)
    anchor: str  # first_wave | merger | lockdown: where the calendar starts
    offset_days: int
    weekday: int  # Monday = 0
    every_weeks: int
    start_minute: int
    rooms: tuple[str, ...]  # empty = always in Teams


FOLLOW_UPS: tuple[FollowUp, ...] = (
    FollowUp(
        "SUPERBRUKER",
        "champions",
        0.95,
        (1.0, 5.0),
        "first_wave",
        14,
        0,
        3,
        8 * 60 + 30,
        ("Moss bibliotek, læringsverkstedet",),
    ),
    FollowUp(
        "LEDER-DIG",
        "leaders",
        0.85,
        (1.0, 8.0),
        "first_wave",
        21,
        4,
        4,
        9 * 60,
        ("Moss rådhus, formannskapssalen",),
    ),
    FollowUp(
        "TEAMS-FIL",
        "all",
        0.3,
        (2.0, 16.0),
        "merger",
        -56,
        0,
        2,
        13 * 60,
        ("Moss rådhus, datarommet", "Rygge rådhus, datarommet"),
    ),
    FollowUp("TEAMS-MOTE", "all", 0.3, (1.0, 8.0), "lockdown", 6, 3, 1, 10 * 60, ()),
    FollowUp("TEAMS-KANAL", "all", 0.15, (4.0, 20.0), "merger", 28, 1, 2, 14 * 60, ()),
    FollowUp("TEAMS-TURNUS", "shift", 0.3, (1.0, 12.0), "lockdown", 180, 0, 2, 13 * 60, ()),
)


@dataclass(frozen=True)
class ELearning:
    """An e-learning module, open in half-year enrolment windows from ``anchor + offset``."""

    code: str
    share: float  # chance per window that a not yet enrolled employee enrols (× type factor)
    anchor: str  # teams_launch | merger
    offset_days: int
    open_days: int  # the module is withdrawn after this many days (0 = stays open)


E_LEARNING: tuple[ELearning, ...] = (
    ELearning("EL-M365", 0.15, "teams_launch", 0, 0),
    ELearning("EL-SIKKERHET", 0.25, "merger", -56, 0),
    ELearning("EL-VERKTOY", 0.2, "merger", 0, 0),
    ELearning("EL-ONEDRIVE", 0.35, "merger", -28, 392),
)

NO_SHOW_RATE = 0.06  # extra enrolments per attendee of a basic session who did not come
CANCEL_RATE = 0.10  # ... who cancelled
RESCHEDULED_SHARE = 0.6  # of those, the share who attended a later basic session
FOLLOW_UP_NO_SHOW = 0.06  # share of follow-up enrolments that are no-shows
FOLLOW_UP_CANCEL = 0.08  # ... and cancellations
FOLLOW_UP_WAITLIST = 0.5  # chance to stay on the waiting list of a full session
E_LEARNING_COMPLETION = 0.8


@dataclass
class _Session:
    course: str
    day: dt.date
    minute: int  # start, minutes after midnight (the last day's end for e-learning windows)
    minutes: int
    place: str
    capacity: int | None
    trainer: int = -1
    last_day: dt.date | None = None  # e-learning windows
    enrolments: list[tuple[int, int, str]] = field(default_factory=list)  # person, day, status


class _People:
    """The population as day numbers and roles, for quick masks."""

    def __init__(self, population: Population, panel: Panel, config: SimulationConfig) -> None:
        if panel.trained_on is None:
            raise ValueError("the panel has no training days (Panel.trained_on is None)")
        self.n = len(population)
        self.start = _day_numbers(population.start, -_NEVER)
        self.end = _day_numbers(population.end, _NEVER)
        self.trained = _day_numbers(panel.trained_on, _NEVER)
        self.org = population.former_org.astype(np.int64)
        self.type_index = population.unit_type.astype(np.int64)
        self.merger = _num(config.merger_date)
        self.leader = np.asarray(population.is_manager | managers_before(population), np.bool_)
        self.champion = np.asarray(population.is_champion, dtype=np.bool_)
        self.it = _it_staff(population)
        ub = population.unit_before.astype(np.int64)
        ua = population.unit_after.astype(np.int64)
        self.unit_before = np.where(ub >= 0, ub, ua)
        self.unit_after = np.where(ua >= 0, ua, ub)

    def employed(self, day: int) -> BoolArray:
        return np.asarray((self.start <= day) & (self.end >= day), dtype=np.bool_)

    def unit_on(self, day: int) -> Int64Array:
        return self.unit_before if day < self.merger else self.unit_after


def _it_staff(population: Population) -> BoolArray:
    """People in the IT unit ("IKT") or one of its sub-units, before or after the merger."""
    units = population.units
    parent = {row.code: row.parent_code for row in units}
    it_codes = {row.code for row in units if row.name == "IKT"}

    def under_it(code: str) -> bool:
        seen = 0
        while code and seen < 50:
            if code in it_codes:
                return True
            code, seen = parent.get(code, ""), seen + 1
        return False

    flags = np.array([under_it(row.code) for row in units] + [False], dtype=np.bool_)
    last = len(units)
    before = np.where(population.unit_before >= 0, population.unit_before, last)
    after = np.where(population.unit_after >= 0, population.unit_after, last)
    return np.asarray(flags[before] | flags[after], dtype=np.bool_)


# ------------------------------------------------------------------------------------------------
# Training: sessions and enrolments
# ------------------------------------------------------------------------------------------------


class _Planner:
    def __init__(
        self,
        population: Population,
        panel: Panel,
        config: SimulationConfig,
        params: BehaviourParams,
    ) -> None:
        self.people = _People(population, panel, config)
        self.config, self.params = config, params
        self.rng = np.random.default_rng(config.seed + TRAINING_SEED_OFFSET)
        self.parallel = max(1, math.ceil(config.employees / params.reference_employees))
        pc = params.by_type(params.pc_time)
        self.type_factor = (0.4 + pc)[self.people.type_index]  # PC workers take more courses
        self.sessions: list[_Session] = []

    def plan(self) -> list[_Session]:
        self._basic()
        for follow_up in FOLLOW_UPS:
            self._follow_up(follow_up)
        for module in E_LEARNING:
            self._e_learning(module)
        sessions = sorted(self.sessions, key=lambda s: (s.day, s.minute, s.course, s.place))
        self._assign_trainers(sessions)
        return sessions

    # -- the basic course: one session group per training day of the panel --

    def _basic(self) -> None:
        """Each training day's trained people, in as few sessions as the seats allow: before the
        merger Moss and Rygge separately, each in its own town hall; from the lockdown in Teams."""
        p, seats = self.people, self.params.seats_per_session
        lockdown = _num(self.config.lockdown_date)
        trained = np.flatnonzero(p.trained != _NEVER)
        for day in np.unique(p.trained[trained]).tolist():
            members = trained[p.trained[trained] == day]
            unit = p.unit_on(day)[members]
            members = members[np.lexsort((members, unit))]
            parts: list[tuple[Int64Array, tuple[str, ...]]]
            if day >= lockdown:
                parts = [(members, ())]
            elif day >= p.merger:
                parts = [(members, MOSS_ROOMS + RYGGE_ROOMS)]
            else:
                rygge = p.org[members] == 1
                parts = [(members[~rygge], MOSS_ROOMS), (members[rygge], RYGGE_ROOMS)]
            for part, rooms in parts:
                if not len(part):
                    continue
                for j, group in enumerate(np.array_split(part, math.ceil(len(part) / seats))):
                    minute = BASIC_SLOTS[j % len(BASIC_SLOTS)]
                    room = j // len(BASIC_SLOTS)
                    place = rooms[room] if room < len(rooms) else TEAMS_PLACE
                    self._basic_session(day, minute, place, group)

    def _basic_session(self, day: int, minute: int, place: str, group: Int64Array) -> None:
        course = _COURSE_BY_CODE[BASIC_COURSE]
        seats = self.params.seats_per_session
        session = _Session(course.code, _date(day), minute, course.minutes, place, seats)
        for person in group.tolist():
            session.enrolments.append((person, self._enrolled(person, day), "møtt"))
        self._extras(session, group)
        self.sessions.append(session)

    def _enrolled(
        self, person: int, day: int, low: int = 3, high: int = 43, earliest: int | None = None
    ) -> int:
        """An enrolment date ``low``–``high`` days before ``day`` (a weekend date becomes the
        Friday before), not before ``earliest`` (default: the day the person started)."""
        first = int(self.people.start[person]) if earliest is None else earliest
        enrolled = day - int(self.rng.integers(low, high))
        enrolled -= max(0, (enrolled + 3) % 7 - 4)  # day 0 (1970-01-01) was a Thursday
        return min(day, max(enrolled, first))

    def _extras(self, session: _Session, attendees: Int64Array) -> None:
        """No-shows, cancellations and (for full sessions) waiting-list entries of a basic session:
        people who attended a later basic session (rescheduled) or never took it."""
        p, rng = self.people, self.rng
        day = _num(session.day)
        capacity = session.capacity or 0
        m = len(attendees)
        no_shows = min(capacity - m, int(rng.binomial(m, NO_SHOW_RATE)))
        cancels = int(rng.binomial(m, CANCEL_RATE))
        full = m + no_shows >= capacity
        waiting = int(rng.integers(1, 6)) if full else 0
        employed = p.employed(day)
        later = np.flatnonzero(employed & (p.trained > day) & (p.trained <= day + 120))
        never = np.flatnonzero(employed & (p.trained == _NEVER))
        pools = [rng.permutation(later).tolist(), rng.permutation(never).tolist()]
        taken = set(attendees.tolist())
        for status, count in (
            ("ikke møtt", no_shows),
            ("avmeldt", cancels),
            ("venteliste", waiting),
        ):
            for _ in range(count):
                first = 0 if rng.random() < RESCHEDULED_SHARE else 1
                person = -1
                for pool in (pools[first], pools[1 - first]):
                    while pool and person < 0:
                        candidate = pool.pop()
                        if candidate not in taken:
                            person = candidate
                    if person >= 0:
                        break
                if person < 0:
                    continue
                taken.add(person)
                low, high = (1, 15) if status == "venteliste" else (3, 43)
                session.enrolments.append((person, self._enrolled(person, day, low, high), status))

    def _assign_trainers(self, sessions: list[_Session]) -> None:
        """An instructor for every scheduled session: someone employed that day who is neither
        attending nor teaching another session at the same time — IT staff, or (except for the
        courses for leaders and champions) a digital champion trained before that day."""
        p = self.people
        busy: dict[int, list[tuple[int, int, int]]] = {}  # day → (from, to, person)
        for s in sessions:
            if s.last_day is None:
                entries = busy.setdefault(_num(s.day), [])
                for person, _day, status in s.enrolments:
                    if status in SEAT_STATUSES:
                        entries.append((s.minute, s.minute + s.minutes, person))
        for s in sessions:
            if s.last_day is not None:
                continue
            day, begin, end = _num(s.day), s.minute, s.minute + s.minutes
            entries = busy.setdefault(day, [])
            occupied = {person for a, b, person in entries if a < end and begin < b}
            occupied |= {person for person, _day, _status in s.enrolments}
            employed = p.employed(day)
            first = p.it & employed
            if s.course not in ("SUPERBRUKER", "LEDER-DIG"):
                first = first | (p.champion & employed & (p.trained < day))
            for pool in (first, p.champion & employed, p.leader & employed, employed):
                candidates = [i for i in np.flatnonzero(pool).tolist() if i not in occupied]
                if candidates:
                    s.trainer = candidates[int(self.rng.integers(len(candidates)))]
                    entries.append((begin, end, s.trainer))
                    break

    # -- follow-up courses --

    def _anchor(self, anchor: str) -> dt.date:
        if anchor == "first_wave":
            waves = self.params.waves
            return waves[0].first_day if waves else self.config.merger_date
        if anchor == "lockdown":
            return self.config.lockdown_date
        if anchor == "teams_launch":
            return self.params.teams_launch
        return self.config.merger_date

    def _calendar(self, follow_up: FollowUp) -> list[int]:
        day = self._anchor(follow_up.anchor) + dt.timedelta(days=follow_up.offset_days)
        day += dt.timedelta(days=(follow_up.weekday - day.weekday()) % 7)
        days: list[int] = []
        while day <= self.config.end:
            if day >= self.config.start and _course_day(day, self.params):
                days.append(_num(day))
            day += dt.timedelta(weeks=follow_up.every_weeks)
        return days

    def _follow_up(self, follow_up: FollowUp) -> None:
        p, rng = self.people, self.rng
        course = _COURSE_BY_CODE[follow_up.code]
        capacity = course.capacity
        days = self._calendar(follow_up)
        draw = rng.random(p.n)
        lo, hi = follow_up.delay_weeks
        delay = np.rint(7.0 * rng.uniform(lo, hi, p.n)).astype(np.int64)
        share = np.full(p.n, follow_up.share)
        if follow_up.who == "leaders":
            in_group = p.leader
        elif follow_up.who == "champions":
            in_group = p.champion
        elif follow_up.who == "shift":
            shift_types = [UNIT_TYPES.index("care"), UNIT_TYPES.index("kindergarten")]
            in_group = np.isin(p.type_index, shift_types)
        else:
            in_group = np.ones(p.n, dtype=np.bool_)
            share = share * self.type_factor
        chosen = np.flatnonzero((p.trained != _NEVER) & in_group & (draw < share))
        if not days or not len(chosen):
            return
        wished = np.maximum(p.trained[chosen] + np.maximum(delay[chosen], 7), days[0])
        order = np.lexsort((chosen, wished))
        seats = capacity * self.parallel
        booked: list[list[int]] = [[] for _ in days]
        waiting: list[list[int]] = [[] for _ in days]
        for k in order.tolist():
            person, wish = int(chosen[k]), int(wished[k])
            first_full = True
            for d in range(bisect.bisect_left(days, wish), len(days)):
                if p.end[person] < days[d]:
                    break
                if len(booked[d]) < seats:
                    booked[d].append(person)
                    break
                if first_full and rng.random() < FOLLOW_UP_WAITLIST:
                    waiting[d].append(person)
                first_full = False
        for d, booked_people in enumerate(booked):
            if not booked_people:
                continue
            day = days[d]
            groups = np.array_split(
                np.array(booked_people, dtype=np.int64), math.ceil(len(booked_people) / capacity)
            )
            for j, group in enumerate(groups):
                if j < len(follow_up.rooms) and day < _num(self.config.lockdown_date):
                    place = follow_up.rooms[j]
                else:
                    place = TEAMS_PLACE
                session = _Session(
                    course.code, _date(day), follow_up.start_minute, course.minutes, place, capacity
                )
                for person in group.tolist():
                    u = rng.random()
                    status = (
                        "ikke møtt"
                        if u < FOLLOW_UP_NO_SHOW
                        else "avmeldt"
                        if u < FOLLOW_UP_NO_SHOW + FOLLOW_UP_CANCEL
                        else "møtt"
                    )
                    since = max(int(p.trained[person]) + 1, int(p.start[person]))
                    enrolled = self._enrolled(person, day, 5, 29, earliest=since)
                    session.enrolments.append((person, enrolled, status))
                if j == len(groups) - 1:
                    for person in waiting[d]:
                        session.enrolments.append(
                            (person, self._enrolled(person, day, 1, 15), "venteliste")
                        )
                self.sessions.append(session)

    # -- e-learning --

    def _e_learning(self, module: ELearning) -> None:
        p, rng, config = self.people, self.rng, self.config
        course = _COURSE_BY_CODE[module.code]
        first = self._anchor(module.anchor) + dt.timedelta(days=module.offset_days)
        last = config.end
        if module.open_days:
            last = min(last, first + dt.timedelta(days=module.open_days))
        first = max(first, config.start)
        taken = np.zeros(p.n, dtype=np.bool_)
        for window_start, window_end in _half_years(first, last):
            open_day = window_start
            while open_day <= window_end and not _working_day(open_day, self.params):
                open_day += dt.timedelta(days=1)
            close_day = window_end
            while close_day >= open_day and not _working_day(close_day, self.params):
                close_day -= dt.timedelta(days=1)
            if close_day < open_day:
                continue
            a, b = _num(open_day), _num(close_day)
            draw = rng.random(p.n)
            pick = np.flatnonzero(
                (p.start <= b) & (p.end >= a) & ~taken & (draw < module.share * self.type_factor)
            )
            taken[pick] = True
            if not len(pick):
                continue
            low = np.maximum(p.start[pick], a)
            high = np.minimum(p.end[pick], b)
            days = low + np.floor(rng.random(len(pick)) * (high - low + 1)).astype(np.int64)
            done = rng.random(len(pick)) < E_LEARNING_COMPLETION
            session = _Session(
                course.code,
                open_day,
                8 * 60,
                course.minutes,
                E_LEARNING_PLACE,
                None,
                last_day=close_day,
            )
            for person, day, completed in zip(
                pick.tolist(), days.tolist(), done.tolist(), strict=True
            ):
                session.enrolments.append((person, int(day), "møtt" if completed else "ikke møtt"))
            self.sessions.append(session)


def _half_years(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The half-years (January–June, July–December) overlapping [first, last], clipped to it."""
    windows: list[tuple[dt.date, dt.date]] = []
    start = dt.date(first.year, 1 if first.month <= 6 else 7, 1)
    while start <= last:
        end = dt.date(start.year, 6, 30) if start.month == 1 else dt.date(start.year, 12, 31)
        windows.append((max(start, first), min(end, last)))
        start = end + dt.timedelta(days=1)
    return windows


def write_training(
    population: Population,
    panel: Panel,
    config: SimulationConfig,
    out: Path,
    *,
    params: BehaviourParams = DEFAULT_BEHAVIOUR,
) -> list[Path]:
    """Write ``kurs.csv``, ``kursokter.csv`` and ``pameldinger.csv`` under ``out/training/``.

    Everyone with a training day in ``panel.trained_on`` attended (``møtt``) exactly one session
    of :data:`BASIC_COURSE` on that day; a day's trained are split into as few sessions as
    ``params.seats_per_session`` (the behaviour stage's capacity) allows. Beside them: no-shows,
    cancellations and waiting lists, follow-up courses for some of the trained (leaders,
    champions, files, meetings, channels, shift workers) and e-learning. ``params`` must be the
    BehaviourParams the panel was simulated with. Deterministic for ``config.seed``.
    """
    sessions = _Planner(population, panel, config, params).plan()
    numbers = population.employee_number
    folder = out / "training"
    folder.mkdir(parents=True, exist_ok=True)
    courses = [
        [
            c.code,
            c.title,
            c.description,
            c.form,
            str(c.minutes),
            c.prerequisite,
            c.audience,
        ]
        for c in COURSES
    ]
    session_rows: list[list[str]] = []
    enrolment_rows: list[list[str]] = []
    for k, session in enumerate(sessions, start=1):
        ident = f"OKT-{k:05d}"
        if session.last_day is not None:  # an e-learning window: 08:00 first day – 16:00 last
            start, end = _stamp(session.day, 8 * 60), _stamp(session.last_day, 16 * 60)
        else:
            start = _stamp(session.day, session.minute)
            end = _stamp(session.day, session.minute + session.minutes)
        session_rows.append(
            [
                ident,
                session.course,
                start,
                end,
                session.place,
                numbers[session.trainer] if session.trainer >= 0 else "",
                str(session.capacity) if session.capacity else "",
            ]
        )
        for person, day, status in sorted(session.enrolments, key=lambda e: numbers[e[0]]):
            enrolment_rows.append([ident, numbers[person], _date(day).isoformat(), status])
    return [
        _write_csv(folder / "kurs.csv", COURSE_HEADER, courses),
        _write_csv(folder / "kursokter.csv", SESSION_HEADER, session_rows),
        _write_csv(folder / "pameldinger.csv", ENROLMENT_HEADER, enrolment_rows),
    ]


# ------------------------------------------------------------------------------------------------
# Systems: the inventories of Moss and Rygge and the harmonisation decisions
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class System:
    """One system of a former municipality (user share of its staff; cost for 3,500 employees)."""

    org: str  # moss | rygge
    name: str
    vendor: str
    category: str
    user_share: float
    owner: str
    contract_end: str  # ISO date in the reference case, "" = no contract of its own
    cost_knok: int  # thousand NOK a year
    dpa: str  # ja | nei | under arbeid
    integrations: str  # "|"-separated


# Plausible inventories in the style of Norwegian municipal ones (real product names of 2018–2019);
# not the real inventories of Moss and Rygge.
_M, _R = "moss", "rygge"
_AD_MOSS, _AD_RYGGE = "Active Directory (moss.local)", "Active Directory (rygge.local)"
_DSF = "Folkeregisteret (DSF)"
_NHN = "Norsk Helsenett"
# fmt: off
SYSTEMS: tuple[System, ...] = (
    # --- sak/arkiv
    System(_M, "ePhorte", "Evry", "sak/arkiv", 0.18, "Dokumentsenteret", "2020-06-30", 850, "ja",
           f"KS SvarUt|eInnsyn|{_DSF}|{_AD_MOSS}|Visma Enterprise Økonomi|FirstAgenda Prepare"),
    System(_R, "Public 360", "Tieto", "sak/arkiv", 0.2, "Servicetorget", "2019-12-31", 520, "ja",
           f"KS SvarUt|eInnsyn|{_DSF}|{_AD_RYGGE}|Unit4 ERP (Agresso)"),
    System(_M, "eInnsyn", "Digitaliseringsdirektoratet", "sak/arkiv", 0.01, "Dokumentsenteret",
           "", 0, "ja", "ePhorte"),
    System(_R, "eInnsyn", "Digitaliseringsdirektoratet", "sak/arkiv", 0.01, "Servicetorget", "",
           0, "ja", "Public 360"),
    System(_M, "KS SvarUt", "KS", "sak/arkiv", 0.18, "Dokumentsenteret", "2021-12-31", 60, "ja",
           "ePhorte|Altinn|Digipost"),
    System(_R, "KS SvarUt", "KS", "sak/arkiv", 0.2, "Servicetorget", "2021-12-31", 35, "ja",
           "Public 360|Altinn|Digipost"),
    System(_M, "FirstAgenda Prepare", "FirstAgenda", "sak/arkiv", 0.02, "Politisk sekretariat",
           "2020-12-31", 120, "ja", "ePhorte"),
    System(_M, "Posten signering", "Posten Norge", "sak/arkiv", 0.05, "Dokumentsenteret",
           "2020-12-31", 40, "ja", "ePhorte|ID-porten"),
    # --- økonomi
    System(_M, "Visma Enterprise Økonomi", "Visma", "økonomi", 0.05, "Økonomi", "2022-12-31",
           1400, "ja", "Visma Enterprise HRM|Visma AutoInvoice|Framsikt|Visma eHandel|ePhorte"),
    System(_R, "Unit4 ERP (Agresso)", "Unit4", "økonomi", 0.06, "Økonomi", "2020-12-31", 760, "ja",
           "Unit4 ERP Lønn og personal|Public 360|Komtek Gebyr"),
    System(_M, "Visma AutoInvoice", "Visma", "økonomi", 0.01, "Økonomi", "2022-12-31", 45, "ja",
           "Visma Enterprise Økonomi|ELMA (EHF)"),
    System(_M, "Framsikt", "Framsikt", "økonomi", 0.02, "Økonomi", "2021-06-30", 380, "ja",
           "Visma Enterprise Økonomi"),
    System(_R, "Budsjettmodell (Excel, egenutviklet)", "Egenutviklet", "økonomi", 0.01, "Økonomi",
           "", 0, "nei", ""),
    System(_M, "Mercell", "Mercell", "økonomi", 0.005, "Innkjøp", "2020-12-31", 90, "ja",
           "Doffin"),
    System(_R, "Visma TendSign", "Visma", "økonomi", 0.005, "Økonomi", "2020-06-30", 55, "ja",
           "Doffin"),
    System(_M, "Visma eHandel", "Visma", "økonomi", 0.04, "Innkjøp", "2022-12-31", 110, "ja",
           "Visma Enterprise Økonomi"),
    System(_M, "Komtek Eiendomsskatt", "Norkart", "økonomi", 0.003, "Skatt og innfordring",
           "2021-12-31", 140, "ja", "Matrikkelen|Visma Enterprise Økonomi"),
    System(_R, "Komtek Eiendomsskatt", "Norkart", "økonomi", 0.004, "Økonomi", "2021-12-31", 90,
           "ja", "Matrikkelen|Unit4 ERP (Agresso)"),
    System(_M, "Komtek Gebyr", "Norkart", "økonomi", 0.004, "Skatt og innfordring", "2021-12-31",
           120, "ja", "Matrikkelen|Visma Enterprise Økonomi|Gemini VA"),
    System(_R, "Komtek Gebyr", "Norkart", "økonomi", 0.005, "Økonomi", "2021-12-31", 80, "ja",
           "Matrikkelen|Unit4 ERP (Agresso)|Gemini VA"),
    # --- HR/lønn
    System(_M, "Visma Enterprise HRM", "Visma", "HR/lønn", 0.03, "HR og organisasjon",
           "2022-12-31", 900, "ja",
           f"Visma Enterprise Økonomi|Visma Ressursstyring (Gat)|{_AD_MOSS}|Webcruiter"),
    System(_R, "Unit4 ERP Lønn og personal", "Unit4", "HR/lønn", 0.04, "Personal og organisasjon",
           "2020-12-31", 420, "ja", f"Unit4 ERP (Agresso)|Notus turnus|{_AD_RYGGE}"),
    System(_M, "Visma Enterprise Selvbetjening", "Visma", "HR/lønn", 0.95, "HR og organisasjon",
           "2022-12-31", 260, "ja", "Visma Enterprise HRM"),
    System(_M, "Visma Ressursstyring (Gat)", "Visma", "HR/lønn", 0.4, "Helse og omsorg",
           "2021-12-31", 640, "ja", "Visma Enterprise HRM|Gerica"),
    System(_R, "Notus turnus", "Notus", "HR/lønn", 0.45, "Helse og velferd", "2020-06-30", 210,
           "under arbeid", "Unit4 ERP Lønn og personal"),
    System(_M, "Webcruiter", "Visma", "HR/lønn", 0.05, "HR og organisasjon", "2020-12-31", 150,
           "ja", "Visma Enterprise HRM"),
    System(_R, "Jobbnorge", "Jobbnorge", "HR/lønn", 0.05, "Personal og organisasjon",
           "2019-12-31", 70, "ja", ""),
    System(_M, "KS Læring", "KS", "HR/lønn", 0.6, "HR og organisasjon", "2021-12-31", 80, "ja",
           f"{_AD_MOSS}|Visma Enterprise HRM"),
    System(_R, "KS Læring", "KS", "HR/lønn", 0.55, "Personal og organisasjon", "2021-12-31", 45,
           "ja", _AD_RYGGE),
    System(_M, "KF Infoserie", "Kommuneforlaget", "HR/lønn", 0.3, "HR og organisasjon",
           "2020-12-31", 95, "ja", ""),
    System(_R, "KF Infoserie", "Kommuneforlaget", "HR/lønn", 0.3, "Personal og organisasjon",
           "2020-12-31", 60, "ja", ""),
    # --- kvalitet/HMS
    System(_M, "Compilo", "Compilo", "kvalitet/HMS", 0.9, "HMS og arbeidsmiljø", "2021-06-30", 330,
           "ja", f"{_AD_MOSS}|Visma Enterprise HRM"),
    System(_R, "Landax", "Landax", "kvalitet/HMS", 0.9, "Personal og organisasjon", "2020-06-30",
           180, "ja", _AD_RYGGE),
    # --- pleie og omsorg
    System(_M, "Gerica", "Tieto", "pleie og omsorg", 0.3, "Helse og omsorg", "2022-06-30", 1250,
           "ja",
           f"{_NHN}|{_DSF}|Visma Enterprise Økonomi|Visma Ressursstyring (Gat)|Kjernejournal"),
    System(_R, "Profil", "CGI", "pleie og omsorg", 0.32, "Helse og velferd", "2020-03-31", 610,
           "ja", f"{_NHN}|{_DSF}|Unit4 ERP (Agresso)|Kjernejournal"),
    System(_M, "Sensio trygghetsalarm", "Sensio", "pleie og omsorg", 0.05, "Hjemmetjenesten",
           "2021-12-31", 480, "ja", "Gerica"),
    System(_R, "Tunstall trygghetsalarm", "Tunstall", "pleie og omsorg", 0.05, "Hjemmetjenesten",
           "2020-12-31", 260, "under arbeid", "Profil"),
    System(_M, "Evondos medisinrobot", "Evondos", "pleie og omsorg", 0.02, "Hjemmetjenesten",
           "2020-12-31", 150, "ja", "Gerica"),
    # --- helse
    System(_M, "Infodoc Plenario", "Infodoc", "helse", 0.03, "Moss interkommunale legevakt",
           "2021-12-31", 290, "ja", f"{_NHN}|Kjernejournal|Reseptformidleren"),
    System(_R, "CGM Allmenn", "CompuGroup Medical", "helse", 0.02, "Rygge legesenter",
           "2021-06-30", 140, "ja", f"{_NHN}|Kjernejournal|Reseptformidleren"),
    System(_M, "Infodoc Helsestasjon", "Infodoc", "helse", 0.02, "Helsestasjonen", "2021-12-31",
           130, "ja", f"{_NHN}|SYSVAK|{_DSF}"),
    System(_R, "Infodoc Helsestasjon", "Infodoc", "helse", 0.02, "Helsestasjonen", "2021-12-31",
           75, "ja", f"{_NHN}|SYSVAK|{_DSF}"),
    System(_M, _NHN, "Norsk Helsenett SF", "helse", 0.35, "IKT", "", 180, "ja",
           "Gerica|Infodoc Plenario|Infodoc Helsestasjon"),
    System(_R, _NHN, "Norsk Helsenett SF", "helse", 0.35, "Helse og velferd", "", 110, "ja",
           "Profil|CGM Allmenn|Infodoc Helsestasjon"),
    # --- oppvekst
    System(_M, "Visma Flyt Skole", "Visma", "oppvekst", 0.24, "Oppvekst", "2021-07-31", 650, "ja",
           f"Feide|{_DSF}|Vigilo|itslearning"),
    System(_R, "IST Extens", "IST", "oppvekst", 0.25, "Oppvekst", "2020-07-31", 340, "ja",
           f"Feide|{_DSF}|Transponder"),
    System(_M, "Vigilo", "Vigilo", "oppvekst", 0.24, "Oppvekst", "2020-07-31", 220, "ja",
           "Visma Flyt Skole|Feide"),
    System(_R, "Transponder", "IST", "oppvekst", 0.25, "Oppvekst", "2020-07-31", 90, "ja",
           "IST Extens"),
    System(_M, "itslearning", "itslearning", "oppvekst", 0.24, "Oppvekst", "2021-07-31", 480,
           "ja", "Feide|Visma Flyt Skole"),
    System(_R, "Showbie", "Showbie", "oppvekst", 0.15, "Oppvekst", "2020-07-31", 60,
           "under arbeid", "Feide"),
    System(_R, "G Suite for Education", "Google", "oppvekst", 0.2, "Oppvekst", "", 0,
           "under arbeid", "Feide"),
    System(_M, "Visma Flyt Barnehage", "Visma", "oppvekst", 0.12, "Oppvekst", "2021-07-31", 260,
           "ja", f"{_DSF}|Visma Enterprise Økonomi"),
    System(_R, "Visma Flyt Barnehage", "Visma", "oppvekst", 0.14, "Oppvekst", "2021-07-31", 150,
           "ja", f"{_DSF}|Unit4 ERP (Agresso)"),
    System(_M, "Familia", "Visma", "oppvekst", 0.015, "Barneverntjenesten", "2021-12-31", 310,
           "ja", f"{_DSF}|Visma Enterprise Økonomi"),
    System(_R, "Familia", "Visma", "oppvekst", 0.015, "Barnevernet", "2021-12-31", 170, "ja",
           f"{_DSF}|Unit4 ERP (Agresso)"),
    System(_M, "Visma Flyt PPT", "Visma", "oppvekst", 0.006, "PP-tjenesten", "2021-07-31", 85,
           "ja", _DSF),
    System(_R, "Visma Flyt PPT", "Visma", "oppvekst", 0.006, "PP-tjenesten", "2021-07-31", 50,
           "ja", _DSF),
    System(_M, "Jamf School", "Jamf", "oppvekst", 0.24, "IKT", "2021-07-31", 140, "ja",
           "Feide|Apple School Manager"),
    System(_R, "Zuludesk", "Zuludesk", "oppvekst", 0.25, "Oppvekst", "2020-07-31", 70, "ja",
           "Apple School Manager"),
    System(_M, "Conexus Engage", "Conexus", "oppvekst", 0.03, "Oppvekst", "2020-12-31", 120, "ja",
           "Visma Flyt Skole"),
    # --- teknisk
    System(_M, "ISY ProAdm", "Norconsult", "teknisk", 0.012, "Plan og byggesak", "2021-12-31", 230,
           "ja", "ePhorte|Gisline|Matrikkelen|Fellestjenester BYGG"),
    System(_R, "ISY ProAdm", "Norconsult", "teknisk", 0.012, "Plan, bygg og geodata",
           "2021-12-31", 140, "ja", "Public 360|ISY WinMap|Matrikkelen|Fellestjenester BYGG"),
    System(_M, "Gemini VA", "Powel", "teknisk", 0.02, "Vei, vann og avløp", "2021-12-31", 190,
           "ja", "Gisline|Komtek Gebyr"),
    System(_R, "Gemini VA", "Powel", "teknisk", 0.02, "Vei, vann og avløp", "2021-12-31", 110,
           "ja", "ISY WinMap|Komtek Gebyr"),
    System(_M, "Plania", "Plania", "teknisk", 0.04, "Bygg og eiendom", "2022-12-31", 260, "ja",
           "Visma Enterprise Økonomi|ARX adgangskontroll"),
    System(_R, "Facilit FDV", "Facilit", "teknisk", 0.04, "Bygg og eiendom", "2020-12-31", 120,
           "ja", "Unit4 ERP (Agresso)"),
    System(_M, "ARX adgangskontroll", "ASSA ABLOY", "teknisk", 0.02, "Bygg og eiendom",
           "2023-12-31", 90, "ja", f"{_AD_MOSS}|Plania"),
    System(_R, "Salto adgangskontroll", "Salto Systems", "teknisk", 0.02, "Bygg og eiendom",
           "2022-12-31", 45, "nei", ""),
    # --- kart/plan
    System(_M, "Gisline", "Norkart", "kart/plan", 0.03, "Geodata og oppmåling", "2022-12-31", 420,
           "ja", "Matrikkelen|ISY ProAdm|Gemini VA|Kommunekart"),
    System(_R, "ISY WinMap", "Norconsult", "kart/plan", 0.03, "Plan, bygg og geodata",
           "2020-12-31", 160, "ja", "Matrikkelen|ISY ProAdm|Gemini VA"),
    System(_M, "Kommunekart", "Norkart", "kart/plan", 0.1, "Geodata og oppmåling", "2021-12-31",
           75, "ja", "Gisline"),
    System(_R, "Kommunekart", "Norkart", "kart/plan", 0.1, "Plan, bygg og geodata", "2021-12-31",
           45, "ja", "ISY WinMap"),
    System(_M, "Arealplaner.no", "Norkart", "kart/plan", 0.02, "Arealplan", "2021-12-31", 60,
           "ja", "Gisline"),
    System(_R, "Arealplaner.no", "Norkart", "kart/plan", 0.02, "Plan, bygg og geodata",
           "2021-12-31", 35, "ja", "ISY WinMap"),
    # --- samhandling
    System(_M, "Microsoft Exchange Server 2013 (lokalt)", "Microsoft", "samhandling", 1.0, "IKT",
           "", 320, "nei", f"{_AD_MOSS}|ePhorte|Skype for Business Server 2015"),
    System(_R, "Microsoft Exchange Server 2010 (lokalt)", "Microsoft", "samhandling", 1.0,
           "Servicetorget", "", 180, "nei", f"{_AD_RYGGE}|Public 360|Microsoft Lync Server 2013"),
    System(_M, "Skype for Business Server 2015", "Microsoft", "samhandling", 0.55, "IKT", "", 140,
           "nei", f"{_AD_MOSS}|Microsoft Exchange Server 2013 (lokalt)"),
    System(_R, "Microsoft Lync Server 2013", "Microsoft", "samhandling", 0.4, "Servicetorget", "",
           70, "nei", f"{_AD_RYGGE}|Microsoft Exchange Server 2010 (lokalt)"),
    System(_M, "Filservere (Windows Server 2012 R2)", "Microsoft", "samhandling", 1.0, "IKT", "",
           260, "nei", _AD_MOSS),
    System(_R, "Filservere (Windows Server 2008 R2)", "Microsoft", "samhandling", 1.0,
           "Servicetorget", "", 140, "nei", _AD_RYGGE),
    System(_M, "Microsoft Office 2013 (volumlisens)", "Microsoft", "samhandling", 0.8, "IKT",
           "2019-12-31", 1900, "nei", "ePhorte"),
    System(_R, "Microsoft Office 2010 (volumlisens)", "Microsoft", "samhandling", 0.8,
           "Servicetorget", "2019-12-31", 850, "nei", "Public 360"),
    System(_M, "Office 365 Education (skole)", "Microsoft", "samhandling", 0.24, "Oppvekst",
           "2021-07-31", 0, "ja", "Feide|itslearning"),
    System(_M, "Intranett (SharePoint Server 2013)", "Microsoft", "samhandling", 0.7,
           "Kommunikasjon", "", 120, "nei", _AD_MOSS),
    System(_R, "Intranett (Episerver)", "Episerver", "samhandling", 0.6, "Servicetorget",
           "2019-12-31", 90, "ja", ""),
    System(_M, "Nettsted moss.kommune.no (Enonic XP)", "Enonic", "samhandling", 0.05,
           "Kommunikasjon", "2021-12-31", 280, "ja", "ePhorte|Kommunekart"),
    System(_R, "Nettsted rygge.kommune.no (ACOS CMS)", "Acos", "samhandling", 0.03,
           "Servicetorget", "2019-12-31", 110, "ja", "Public 360"),
    System(_M, "Cisco videokonferanse (møterom)", "Cisco", "samhandling", 0.05, "IKT",
           "2020-12-31", 210, "nei", "Skype for Business Server 2015"),
    System(_M, "Questback", "Questback", "samhandling", 0.04, "HR og organisasjon", "2020-06-30",
           95, "ja", ""),
    System(_R, "SurveyXact", "Rambøll", "samhandling", 0.03, "Personal og organisasjon",
           "2019-12-31", 40, "ja", ""),
    System(_M, "LINK Mobility SMS", "LINK Mobility", "samhandling", 0.1, "Servicetorget",
           "2021-06-30", 160, "ja", "Gerica|Visma Flyt Skole"),
    System(_M, "UMS varsling", "UMS", "samhandling", 0.01, "Beredskap", "2021-12-31", 70, "ja",
           _DSF),
    System(_R, "UMS varsling", "UMS", "samhandling", 0.01, "Beredskap", "2021-12-31", 40, "ja",
           _DSF),
    System(_M, "Telia Touchpoint Plus", "Telia", "samhandling", 1.0, "Servicetorget",
           "2020-12-31", 1350, "ja", _AD_MOSS),
    System(_R, "Telenor Mobilt bedriftsnett", "Telenor", "samhandling", 1.0, "Servicetorget",
           "2019-12-31", 620, "ja", ""),
    # --- infrastruktur
    System(_M, _AD_MOSS, "Microsoft", "infrastruktur", 1.0, "IKT", "", 0, "nei",
           "Microsoft Identity Manager|Visma Enterprise HRM"),
    System(_R, _AD_RYGGE, "Microsoft", "infrastruktur", 1.0, "Servicetorget", "", 0, "nei",
           "Unit4 ERP Lønn og personal"),
    System(_M, "Microsoft Identity Manager", "Microsoft", "infrastruktur", 1.0, "IKT", "", 60,
           "nei", f"{_AD_MOSS}|Visma Enterprise HRM|Feide"),
    System(_M, "Citrix XenApp 7.15", "Citrix", "infrastruktur", 0.5, "IKT", "2020-12-31", 780,
           "ja", _AD_MOSS),
    System(_R, "Microsoft RDS (terminalserver)", "Microsoft", "infrastruktur", 0.5,
           "Servicetorget", "", 90, "nei", _AD_RYGGE),
    System(_M, "VMware vSphere", "VMware", "infrastruktur", 1.0, "IKT", "2021-03-31", 520, "nei",
           ""),
    System(_R, "VMware vSphere", "VMware", "infrastruktur", 1.0, "Servicetorget", "2020-03-31",
           210, "nei", ""),
    System(_M, "Veeam Backup & Replication", "Veeam", "infrastruktur", 1.0, "IKT", "2021-03-31",
           180, "nei", "VMware vSphere"),
    System(_R, "Veeam Backup & Replication", "Veeam", "infrastruktur", 1.0, "Servicetorget",
           "2020-03-31", 70, "nei", "VMware vSphere"),
    System(_M, "Microsoft SCCM", "Microsoft", "infrastruktur", 0.8, "IKT", "", 150, "nei",
           _AD_MOSS),
    System(_R, "Ivanti Endpoint Manager", "Ivanti", "infrastruktur", 0.8, "Servicetorget",
           "2020-06-30", 95, "ja", _AD_RYGGE),
    System(_M, "MobileIron", "MobileIron", "infrastruktur", 0.45, "IKT", "2020-06-30", 240, "ja",
           f"{_AD_MOSS}|Microsoft Exchange Server 2013 (lokalt)"),
    System(_R, "VMware AirWatch", "VMware", "infrastruktur", 0.4, "Servicetorget", "2020-03-31",
           110, "ja", "Microsoft Exchange Server 2010 (lokalt)"),
    System(_M, "McAfee Endpoint Security", "McAfee", "infrastruktur", 1.0, "IKT", "2020-03-31",
           260, "ja", ""),
    System(_R, "Symantec Endpoint Protection", "Symantec", "infrastruktur", 1.0, "Servicetorget",
           "2019-12-31", 120, "ja", ""),
    System(_M, "TOPdesk", "TOPdesk", "infrastruktur", 0.04, "IKT", "2022-06-30", 210, "ja",
           _AD_MOSS),
    System(_R, "Easit", "Easit", "infrastruktur", 0.03, "Servicetorget", "2019-12-31", 75, "ja",
           _AD_RYGGE),
    System(_M, "SafeCom utskrift", "Kofax", "infrastruktur", 0.9, "IKT", "2021-12-31", 170, "ja",
           _AD_MOSS),
    System(_R, "PaperCut", "PaperCut", "infrastruktur", 0.9, "Servicetorget", "2020-06-30", 60,
           "ja", _AD_RYGGE),
    System(_M, "Palo Alto brannmur", "Palo Alto Networks", "infrastruktur", 1.0, "IKT",
           "2022-12-31", 340, "ja", ""),
    System(_R, "Fortinet FortiGate", "Fortinet", "infrastruktur", 1.0, "Servicetorget",
           "2020-09-30", 90, "ja", ""),
    System(_M, "Feide", "Uninett", "infrastruktur", 0.3, "IKT", "", 0, "ja",
           f"{_AD_MOSS}|Microsoft Identity Manager|itslearning"),
    System(_R, "Feide", "Uninett", "infrastruktur", 0.3, "Oppvekst", "", 0, "ja",
           f"{_AD_RYGGE}|G Suite for Education"),
    # --- kultur
    System(_M, "Bibliofil", "Bibliotek-Systemer", "kultur", 0.01, "Bibliotek", "2021-12-31", 95,
           "ja", ""),
    System(_R, "Mikromarc", "Bibliotekenes IT-senter", "kultur", 0.01, "Bibliotek", "2020-06-30",
           40, "ja", ""),
    System(_M, "Speedadmin", "Speedadmin", "kultur", 0.012, "Kulturskolen", "2021-07-31", 70,
           "ja", "Visma Enterprise Økonomi"),
    System(_R, "Speedadmin", "Speedadmin", "kultur", 0.012, "Kulturskolen", "2021-07-31", 35,
           "ja", "Unit4 ERP (Agresso)"),
    # --- NAV
    System(_M, "Socio", "Visma", "NAV/sosial", 0.02, "NAV Moss", "2021-12-31", 210, "ja",
           f"{_DSF}|Visma Enterprise Økonomi"),
    System(_R, "Socio", "Visma", "NAV/sosial", 0.02, "NAV Rygge", "2021-12-31", 110, "ja",
           f"{_DSF}|Unit4 ERP (Agresso)"),
)
# fmt: on


@dataclass(frozen=True)
class Decision:
    """One harmonisation decision; applies to each of ``systems`` (names in SYSTEMS)."""

    systems: tuple[str, ...]
    decision: str  # behold | erstatt med X | avvikle | slå sammen
    reason: str
    owner: str
    decided: str  # ISO date, reference case
    milestone: str  # "YYYY-MM-DD: text", reference case


_EXO = "erstatt med Exchange Online"
_MERGE = "slå sammen"
_KEEP = "behold"
DECISIONS: tuple[Decision, ...] = (
    # sak/arkiv
    Decision(
        ("ePhorte", "Public 360"),
        "erstatt med Elements",
        "Fellesnemnda valgte ett nytt Noark 5-system etter konkurranse i stedet for å konvertere "
        "det ene til det andre; Elements har integrasjon mot SvarUt og Visma. De gamle basene "
        "avsluttes og deponeres hos IKA Østfold.",
        "Arkivleder",
        "2018-11-20",
        "2020-01-02: Elements i drift; ePhorte og Public 360 stengt for nye saker",
    ),
    Decision(
        ("eInnsyn", "KS SvarUt"),
        _MERGE,
        "Samme nasjonale tjeneste i begge kommunene; ny avtale og nytt organisasjonsnummer for "
        "Moss kommune.",
        "Arkivleder",
        "2019-03-12",
        "2020-01-01: Ny avsender og offentlig journal for Moss kommune",
    ),
    Decision(
        ("FirstAgenda Prepare",),
        _KEEP,
        "Fellesnemnda brukte allerede FirstAgenda; videreføres for det nye kommunestyret og "
        "kobles mot Elements.",
        "Leder politisk sekretariat",
        "2019-02-05",
        "2019-10-17: Nytt kommunestyre konstituert med møtedokumenter i FirstAgenda",
    ),
    Decision(
        ("Posten signering",),
        _KEEP,
        "Elektronisk signering av arbeidsavtaler og kontrakter utvides til hele kommunen.",
        "Arkivleder",
        "2019-05-14",
        "2020-02-03: Alle arbeidsavtaler signeres elektronisk",
    ),
    # økonomi
    Decision(
        ("Visma Enterprise Økonomi", "Visma Enterprise HRM", "Visma Enterprise Selvbetjening"),
        _KEEP,
        "Moss har størst volum og har økonomi, lønn og selvbetjening i samme løsning; én "
        "leverandør for økonomi og lønn i den nye kommunen.",
        "Økonomisjef",
        "2018-10-16",
        "2020-01-20: Første felles lønnskjøring og første bilag i Moss kommune",
    ),
    Decision(
        ("Unit4 ERP (Agresso)",),
        "erstatt med Visma Enterprise Økonomi",
        "Åpne poster og anleggsregister konverteres; historikken er tilgjengelig i lesemodus ut "
        "2023.",
        "Økonomisjef",
        "2018-10-16",
        "2020-02-28: Årsoppgjør 2019 for Rygge levert; Unit4 i lesemodus",
    ),
    Decision(
        ("Unit4 ERP Lønn og personal",),
        "erstatt med Visma Enterprise HRM",
        "Felles lønnssystem er en forutsetning for én arbeidsgiver fra 1. januar; personaldata "
        "fra Rygge konverteres i desember.",
        "HR-sjef",
        "2018-10-16",
        "2020-01-20: Første felles lønnskjøring for alle ansatte",
    ),
    Decision(
        ("Visma AutoInvoice", "Visma eHandel"),
        _KEEP,
        "EHF-mottak og e-handel følger økonomisystemet.",
        "Innkjøpssjef",
        "2019-01-22",
        "2020-01-01: Ny EHF-adresse for Moss kommune",
    ),
    Decision(
        ("Framsikt",),
        _KEEP,
        "Budsjett 2020 for den nye kommunen lages i Framsikt.",
        "Økonomisjef",
        "2019-01-22",
        "2019-12-12: Budsjett 2020 vedtatt i Framsikt",
    ),
    Decision(
        ("Budsjettmodell (Excel, egenutviklet)",),
        "erstatt med Framsikt",
        "Regnearkmodellen er personavhengig og kan ikke brukes for en kommune av den nye "
        "størrelsen.",
        "Økonomisjef",
        "2019-01-22",
        "2019-12-12: Budsjett 2020 vedtatt i Framsikt",
    ),
    Decision(
        ("Mercell",),
        _KEEP,
        "Innkjøpsavdelingen i Moss gjennomfører alle konkurranser for den nye kommunen.",
        "Innkjøpssjef",
        "2019-03-12",
        "2019-09-02: Alle nye konkurranser i Mercell",
    ),
    Decision(
        ("Visma TendSign",),
        "erstatt med Mercell",
        "Én konkurransegjennomføringsløsning; pågående konkurranser fullføres i TendSign.",
        "Innkjøpssjef",
        "2019-03-12",
        "2020-06-30: Avtalen med TendSign avsluttet",
    ),
    Decision(
        ("Komtek Eiendomsskatt", "Komtek Gebyr"),
        _MERGE,
        "Samme produkt i begge kommunene; basene slås sammen før første felles "
        "eiendomsskatteliste og gebyrfakturering.",
        "Leder skatt og innfordring",
        "2019-04-09",
        "2020-03-01: Første felles eiendomsskatteliste og gebyrfaktura",
    ),
    # HR/lønn
    Decision(
        ("Visma Ressursstyring (Gat)",),
        _KEEP,
        "Integrert med Visma Enterprise HRM; turnusene i Rygge bygges opp på nytt.",
        "Kommunalsjef helse og omsorg",
        "2019-02-19",
        "2020-01-06: Alle turnuser i Visma Ressursstyring",
    ),
    Decision(
        ("Notus turnus",),
        "erstatt med Visma Ressursstyring (Gat)",
        "Turnus og lønn må henge sammen etter overgangen til felles lønnssystem.",
        "Kommunalsjef helse og omsorg",
        "2019-02-19",
        "2020-01-06: Alle turnuser i Visma Ressursstyring",
    ),
    Decision(
        ("Webcruiter",),
        _KEEP,
        "Integrert med Visma Enterprise HRM.",
        "HR-sjef",
        "2019-04-09",
        "2019-10-01: Alle utlysninger for Moss kommune i Webcruiter",
    ),
    Decision(
        ("Jobbnorge",),
        "erstatt med Webcruiter",
        "Én rekrutteringsløsning for den nye kommunen.",
        "HR-sjef",
        "2019-04-09",
        "2019-10-01: Alle utlysninger for Moss kommune i Webcruiter",
    ),
    Decision(
        ("KS Læring", "KF Infoserie"),
        _MERGE,
        "Samme tjeneste i begge kommunene; kursene og personalhåndboken samles i én portal.",
        "HR-sjef",
        "2019-04-09",
        "2020-01-01: Felles KS Læring og personalhåndbok for Moss kommune",
    ),
    Decision(
        ("Compilo",),
        _KEEP,
        "Moss har flest brukere og ferdige maler for avvik og HMS.",
        "HR-sjef",
        "2019-05-14",
        "2020-01-01: Avvik meldes i Compilo i hele kommunen",
    ),
    Decision(
        ("Landax",),
        "erstatt med Compilo",
        "Ett kvalitets- og avvikssystem; prosedyrer fra Rygge overføres manuelt.",
        "HR-sjef",
        "2019-05-14",
        "2020-01-01: Avvik meldes i Compilo i hele kommunen",
    ),
    # pleie og omsorg, helse
    Decision(
        ("Gerica",),
        _KEEP,
        "Flest brukere og integrert med turnus og økonomi; journalene fra Rygge konverteres.",
        "Kommunalsjef helse og omsorg",
        "2018-12-11",
        "2019-12-02: Journaler fra Profil konvertert til Gerica",
    ),
    Decision(
        ("Profil",),
        "erstatt med Gerica",
        "Ett pasientjournalsystem for pleie og omsorg; Profil beholdes i lesemodus for innsyn.",
        "Kommunalsjef helse og omsorg",
        "2018-12-11",
        "2019-12-02: Journaler fra Profil konvertert til Gerica",
    ),
    Decision(
        ("Sensio trygghetsalarm",),
        _KEEP,
        "Ett responssenter for hele kommunen.",
        "Leder hjemmetjenesten",
        "2019-06-11",
        "2020-10-30: Alle trygghetsalarmer koblet til Sensio",
    ),
    Decision(
        ("Tunstall trygghetsalarm",),
        "erstatt med Sensio trygghetsalarm",
        "Alarmene i Rygge byttes gradvis ved utskifting.",
        "Leder hjemmetjenesten",
        "2019-06-11",
        "2020-10-30: Alle trygghetsalarmer koblet til Sensio",
    ),
    Decision(
        ("Evondos medisinrobot",),
        _KEEP,
        "Utvides til hjemmetjenesten i hele kommunen.",
        "Leder hjemmetjenesten",
        "2019-06-11",
        "2020-06-30: Medisinroboter tatt i bruk i tidligere Rygge",
    ),
    Decision(
        ("Infodoc Plenario",),
        _KEEP,
        "Legevakten er interkommunal og driftes videre av Moss.",
        "Kommuneoverlege",
        "2019-02-19",
        "2020-01-01: Uendret drift",
    ),
    Decision(
        ("CGM Allmenn",),
        _KEEP,
        "Brukes av det kommunale legesenteret; vurderes ved neste anskaffelse.",
        "Kommuneoverlege",
        "2019-02-19",
        "2022-06-30: Ny vurdering ved utløp av avtalen",
    ),
    Decision(
        ("Infodoc Helsestasjon", _NHN),
        _MERGE,
        "Samme produkt og samme helsenett; databasene og adresseregisteret slås sammen.",
        "Kommunalsjef helse og omsorg",
        "2019-02-19",
        "2020-01-01: Én helsestasjonsjournal og én adresse i helsenettet",
    ),
    # oppvekst
    Decision(
        ("Visma Flyt Skole", "Vigilo", "itslearning"),
        _KEEP,
        "Moss har flest elever og ferdige integrasjoner; skolene i Rygge går over ved skolestart.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-08-17: Alle skoler i Visma Flyt Skole, Vigilo og itslearning",
    ),
    Decision(
        ("IST Extens",),
        "erstatt med Visma Flyt Skole",
        "Ett skoleadministrativt system; byttet skjer ved skolestart for å unngå brudd i "
        "skoleåret.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-08-17: Alle skoler i Visma Flyt Skole, Vigilo og itslearning",
    ),
    Decision(
        ("Transponder",),
        "erstatt med Vigilo",
        "Én kanal mellom skole og hjem.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-08-17: Alle skoler i Visma Flyt Skole, Vigilo og itslearning",
    ),
    Decision(
        ("Showbie",),
        "erstatt med itslearning",
        "Én læringsplattform for alle skolene.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-08-17: Alle skoler i Visma Flyt Skole, Vigilo og itslearning",
    ),
    Decision(
        ("G Suite for Education",),
        "erstatt med Office 365 Education (skole)",
        "Elevene får Office 365 via Feide som i Moss; databehandleravtalen for Google ble aldri "
        "ferdig.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-08-17: Google-kontoene for elever i Rygge slettet",
    ),
    Decision(
        ("Office 365 Education (skole)",),
        _KEEP,
        "Skolenes leietaker beholdes og får elevene fra Rygge.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-08-17: Alle elever i Office 365 Education",
    ),
    Decision(
        ("Visma Flyt Barnehage", "Familia", "Visma Flyt PPT"),
        _MERGE,
        "Samme produkt i begge kommunene; basene slås sammen ved sammenslåingen.",
        "Kommunalsjef oppvekst",
        "2019-03-12",
        "2020-01-01: Én base for Moss kommune",
    ),
    Decision(
        ("Jamf School",),
        _KEEP,
        "Felles styring av elevenes iPader.",
        "IKT-sjef",
        "2019-05-14",
        "2020-08-17: Alle elev-iPader i Jamf School",
    ),
    Decision(
        ("Zuludesk",),
        "erstatt med Jamf School",
        "Samme produkt etter navnebytte; iPadene i Rygge flyttes til Moss' instans.",
        "IKT-sjef",
        "2019-05-14",
        "2020-08-17: Alle elev-iPader i Jamf School",
    ),
    Decision(
        ("Conexus Engage",),
        _KEEP,
        "Kvalitetsoppfølging av skolene videreføres for hele kommunen.",
        "Kommunalsjef oppvekst",
        "2019-05-14",
        "2020-09-01: Data fra alle skoler i Conexus Engage",
    ),
    # teknisk, kart/plan
    Decision(
        ("ISY ProAdm", "Gemini VA", "Kommunekart", "Arealplaner.no"),
        _MERGE,
        "Samme produkt i begge kommunene; basene slås sammen med nye kommunenummer.",
        "Kommunalsjef teknikk og miljø",
        "2019-04-09",
        "2020-01-01: Én base for kommunenummer 3002",
    ),
    Decision(
        ("Gisline",),
        _KEEP,
        "Felles kartløsning for den nye kommunen; ISY ProAdm og Gemini VA kobles mot Gisline.",
        "Kommunalsjef teknikk og miljø",
        "2019-04-09",
        "2020-01-01: Kartdata for Rygge i Gisline",
    ),
    Decision(
        ("ISY WinMap",),
        "erstatt med Gisline",
        "Én kartløsning; kartdata for Rygge konverteres.",
        "Kommunalsjef teknikk og miljø",
        "2019-04-09",
        "2020-01-01: Kartdata for Rygge i Gisline",
    ),
    Decision(
        ("Plania",),
        _KEEP,
        "Moss har flest bygg registrert; FDV-dokumentasjonen for Rygge flyttes inn.",
        "Leder bygg og eiendom",
        "2019-05-14",
        "2020-06-30: Alle bygg i Plania",
    ),
    Decision(
        ("Facilit FDV",),
        "erstatt med Plania",
        "Ett FDV-system for alle kommunale bygg.",
        "Leder bygg og eiendom",
        "2019-05-14",
        "2020-06-30: Alle bygg i Plania",
    ),
    Decision(
        ("ARX adgangskontroll", "Salto adgangskontroll"),
        _KEEP,
        "Låsene byttes ikke før de er utslitt; to systemer driftes side om side.",
        "Leder bygg og eiendom",
        "2019-05-14",
        "2023-12-31: Ny vurdering ved utløp av avtalene",
    ),
    # samhandling
    Decision(
        ("Microsoft Exchange Server 2013 (lokalt)", "Microsoft Exchange Server 2010 (lokalt)"),
        _EXO,
        "Felles e-postdomene fra 1. januar; Exchange 2010 går ut av støtte i 2020, og to lokale "
        "miljøer kan ikke slås sammen uten ny maskinvare. Exchange Online i den felles "
        "Microsoft 365-leietakeren etter ROS-analyse og DPIA.",
        "IKT-sjef",
        "2019-02-19",
        "2019-11-29: Alle postbokser flyttet til Exchange Online",
    ),
    Decision(
        ("Skype for Business Server 2015", "Microsoft Lync Server 2013"),
        "erstatt med Microsoft Teams",
        "Chat, samtaler og møter flyttes til Teams; Skype for Business Online fases ut av "
        "Microsoft.",
        "IKT-sjef",
        "2019-02-19",
        "2020-06-30: Skype for Business og Lync slått av",
    ),
    Decision(
        ("Filservere (Windows Server 2012 R2)", "Filservere (Windows Server 2008 R2)"),
        "erstatt med OneDrive og Microsoft Teams",
        "Hjemmeområder (H:) flyttes til OneDrive og fellesområder (F:) til Teams per enhet; filer "
        "med sensitive personopplysninger flyttes til fagsystem eller sak/arkiv. Serverne settes "
        "i lesemodus etter flytting og slettes etter et år.",
        "IKT-sjef",
        "2019-04-09",
        "2020-09-30: Alle fellesområder flyttet; filserverne i lesemodus",
    ),
    Decision(
        ("Microsoft Office 2013 (volumlisens)", "Microsoft Office 2010 (volumlisens)"),
        "erstatt med Microsoft 365 Apps",
        "Lisensene følger Microsoft 365-avtalen; alltid oppdatert Office for samskriving.",
        "IKT-sjef",
        "2019-02-19",
        "2019-12-13: Microsoft 365 Apps på alle klienter",
    ),
    Decision(
        ("Intranett (SharePoint Server 2013)", "Intranett (Episerver)"),
        "erstatt med SharePoint Online",
        "Nytt felles intranett «Innsiden» i SharePoint Online, koblet til Teams.",
        "Kommunikasjonssjef",
        "2019-05-14",
        "2020-01-02: Innsiden lansert",
    ),
    Decision(
        ("Nettsted moss.kommune.no (Enonic XP)",),
        _KEEP,
        "Nettstedet for den nye kommunen bygges videre på Moss' løsning.",
        "Kommunikasjonssjef",
        "2019-05-14",
        "2020-01-01: Nytt moss.kommune.no",
    ),
    Decision(
        ("Nettsted rygge.kommune.no (ACOS CMS)",),
        "avvikle",
        "Innholdet flyttes til moss.kommune.no; rygge.kommune.no videresendes.",
        "Kommunikasjonssjef",
        "2019-05-14",
        "2020-01-01: rygge.kommune.no videresendt",
    ),
    Decision(
        ("Cisco videokonferanse (møterom)",),
        "erstatt med Microsoft Teams",
        "Møterommene får Teams-utstyr når Cisco-avtalen går ut.",
        "IKT-sjef",
        "2019-09-10",
        "2020-12-31: Alle videorom med Teams",
    ),
    Decision(
        ("Questback",),
        _KEEP,
        "Brukes til medarbeiderundersøkelser; enkle skjemaer lages i Microsoft Forms.",
        "HR-sjef",
        "2019-05-14",
        "2020-01-01: Én avtale for Moss kommune",
    ),
    Decision(
        ("SurveyXact",),
        "erstatt med Questback",
        "Én løsning for spørreundersøkelser.",
        "HR-sjef",
        "2019-05-14",
        "2020-01-01: Én avtale for Moss kommune",
    ),
    Decision(
        ("LINK Mobility SMS",),
        _KEEP,
        "SMS-tjenesten videreføres for hele kommunen; skolene bruker Vigilo.",
        "Leder servicetorget",
        "2019-05-14",
        "2020-01-01: Én SMS-avsender for Moss kommune",
    ),
    Decision(
        ("UMS varsling",),
        _MERGE,
        "Samme tjeneste i begge kommunene; varslingsområdene slås sammen.",
        "Beredskapskoordinator",
        "2019-05-14",
        "2020-01-01: Varslingsregisteret omfatter hele kommunen",
    ),
    Decision(
        ("Telia Touchpoint Plus",),
        _KEEP,
        "Ny felles telefoniavtale; sentralbordet samles i Servicetorget.",
        "Leder servicetorget",
        "2019-06-11",
        "2020-01-01: Felles sentralbord og nye nummer",
    ),
    Decision(
        ("Telenor Mobilt bedriftsnett",),
        "erstatt med Telia Touchpoint Plus",
        "Ett mobilabonnement og ett sentralbord for alle ansatte.",
        "Leder servicetorget",
        "2019-06-11",
        "2020-01-01: Felles sentralbord og nye nummer",
    ),
    # infrastruktur
    Decision(
        (_AD_MOSS, _AD_RYGGE),
        _MERGE,
        "Ett nytt domene for Moss kommune, synkronisert til Azure AD; ansatte fra Rygge får nytt "
        "brukernavn og ny e-postadresse.",
        "IKT-sjef",
        "2019-02-19",
        "2020-01-01: Alle logger på med @moss.kommune.no",
    ),
    Decision(
        ("Microsoft Identity Manager",),
        _KEEP,
        "Brukere opprettes og avsluttes automatisk fra lønnssystemet.",
        "IKT-sjef",
        "2019-02-19",
        "2020-01-01: Brukere styres fra Visma Enterprise HRM",
    ),
    Decision(
        ("Citrix XenApp 7.15",),
        _KEEP,
        "Fagsystemer uten nettversjon leveres via Citrix; vurderes når de er på nett.",
        "IKT-sjef",
        "2019-04-09",
        "2022-03-31: Ny vurdering av Citrix",
    ),
    Decision(
        ("Microsoft RDS (terminalserver)",),
        "erstatt med Citrix XenApp 7.15",
        "Ett driftsmiljø for fagsystemene.",
        "IKT-sjef",
        "2019-04-09",
        "2020-03-31: Terminalserverne i Rygge slått av",
    ),
    Decision(
        ("VMware vSphere", "Veeam Backup & Replication"),
        _MERGE,
        "Ett driftssenter i Moss; servere fra Rygge flyttes eller avvikles.",
        "IKT-sjef",
        "2019-02-19",
        "2020-03-31: Datarommet i Rygge tømt",
    ),
    Decision(
        ("Microsoft SCCM", "Ivanti Endpoint Manager"),
        "erstatt med Microsoft Endpoint Manager (SCCM og Intune)",
        "Klientene styres fra ett sted og fra skyen når de er på hjemmekontor.",
        "IKT-sjef",
        "2019-04-09",
        "2020-06-30: Alle PC-er i Microsoft Endpoint Manager",
    ),
    Decision(
        ("MobileIron", "VMware AirWatch"),
        "erstatt med Microsoft Intune",
        "Mobilene trenger e-post og Teams med betinget tilgang; Intune følger Microsoft 365.",
        "IKT-sjef",
        "2019-09-10",
        "2020-04-30: Alle jobbmobiler i Intune",
    ),
    Decision(
        ("McAfee Endpoint Security", "Symantec Endpoint Protection"),
        "erstatt med Microsoft Defender",
        "Inngår i lisensen og gir felles overvåking av klienter og Microsoft 365.",
        "IKT-sjef",
        "2019-09-10",
        "2020-03-31: Defender på alle klienter",
    ),
    Decision(
        ("TOPdesk",),
        _KEEP,
        "Felles brukerstøtte for hele kommunen.",
        "IKT-sjef",
        "2019-04-09",
        "2019-11-01: Ansatte i Rygge melder saker i TOPdesk",
    ),
    Decision(
        ("Easit",),
        "erstatt med TOPdesk",
        "Én brukerstøtte og én kunnskapsbase.",
        "IKT-sjef",
        "2019-04-09",
        "2019-11-01: Ansatte i Rygge melder saker i TOPdesk",
    ),
    Decision(
        ("SafeCom utskrift",),
        _KEEP,
        "Følg meg-utskrift på alle skrivere.",
        "IKT-sjef",
        "2019-06-11",
        "2020-06-30: Alle skrivere i SafeCom",
    ),
    Decision(
        ("PaperCut",),
        "erstatt med SafeCom utskrift",
        "Én utskriftsløsning.",
        "IKT-sjef",
        "2019-06-11",
        "2020-06-30: Alle skrivere i SafeCom",
    ),
    Decision(
        ("Palo Alto brannmur",),
        _KEEP,
        "Felles nett og én brannmur for hele kommunen.",
        "IKT-sjef",
        "2019-04-09",
        "2020-01-01: Rygge koblet til det felles nettet",
    ),
    Decision(
        ("Fortinet FortiGate",),
        "avvikle",
        "Overflødig når Rygge er koblet til det felles nettet.",
        "IKT-sjef",
        "2019-04-09",
        "2020-09-30: Brannmurene i Rygge slått av",
    ),
    Decision(
        ("Feide",),
        _MERGE,
        "Én Feide-organisasjon for Moss kommune.",
        "IKT-sjef",
        "2019-05-14",
        "2020-08-17: Elevene fra Rygge logger på med Feide for Moss kommune",
    ),
    # kultur, NAV
    Decision(
        ("Bibliofil",),
        _KEEP,
        "Felles bibliotekkatalog og lånekort.",
        "Kultursjef",
        "2019-06-11",
        "2020-06-30: Samlingen i Rygge i Bibliofil",
    ),
    Decision(
        ("Mikromarc",),
        "erstatt med Bibliofil",
        "Én katalog og ett lånekort for hele kommunen.",
        "Kultursjef",
        "2019-06-11",
        "2020-06-30: Samlingen i Rygge i Bibliofil",
    ),
    Decision(
        ("Speedadmin",),
        _MERGE,
        "Samme produkt; kulturskolene slås sammen.",
        "Kultursjef",
        "2019-06-11",
        "2020-08-17: Én kulturskole i Speedadmin",
    ),
    Decision(
        ("Socio",),
        _MERGE,
        "Samme produkt; NAV-kontorene slås sammen.",
        "NAV-leder",
        "2019-03-12",
        "2020-01-01: Én base for NAV Moss",
    ),
)


def _shift_merger(config: SimulationConfig) -> Callable[[str], str]:
    return _shifter(config.merger_date - REFERENCE_MERGER)


def write_systems(config: SimulationConfig, out: Path) -> list[Path]:
    """Write ``systemer.csv`` and ``beslutninger.csv`` under ``out/systems/``.

    The inventories of Moss and Rygge (:data:`SYSTEMS`; user counts from the size of each former
    municipality, costs scaled to ``config.employees`` with a little noise) and one decision per
    system name (:data:`DECISIONS`), with its status as of ``config.end``.
    """
    rng = np.random.default_rng(config.seed + SYSTEMS_SEED_OFFSET)
    move = _shift_merger(config)
    moss_staff = round(config.employees * DEFAULT_ORGANISATION.moss_share)
    staff = {FORMER_ORGS[0]: moss_staff, FORMER_ORGS[1]: config.employees - moss_staff}
    scale = (config.employees / REFERENCE_EMPLOYEES) ** 0.7
    category: dict[str, str] = {}
    systems: list[list[str]] = []
    for system in SYSTEMS:
        category.setdefault(system.name, system.category)
        noise_users, noise_cost = rng.uniform(0.85, 1.15), rng.uniform(0.9, 1.1)
        if system.user_share >= 1.0:
            users = staff[system.org]
        else:
            users = max(1, round(system.user_share * staff[system.org] * noise_users))
        cost = round(system.cost_knok * 1000 * scale * noise_cost, -3)
        systems.append(
            [
                system.org,
                system.name,
                system.vendor,
                system.category,
                str(users),
                system.owner,
                move(system.contract_end),
                str(int(cost)),
                system.dpa,
                system.integrations,
            ]
        )
    decisions: list[list[str]] = []
    decided_names: list[str] = []
    for decision in DECISIONS:
        milestone = move(decision.milestone)
        decided = move(decision.decided)
        for name in decision.systems:
            if name not in category:
                raise ValueError(f"decision for a system not in the inventory: {name}")
            decided_names.append(name)
            decisions.append(
                [
                    name,
                    category[name],
                    decision.decision,
                    decision.reason,
                    decision.owner,
                    decided,
                    _status(milestone[:10], decided, config, ("gjennomført", "pågår", "planlagt")),
                    milestone,
                ]
            )
    missing = sorted(set(category) - set(decided_names))
    twice = sorted({name for name in decided_names if decided_names.count(name) > 1})
    if missing or twice:
        raise ValueError(f"systems without exactly one decision: {missing + twice}")
    folder = out / "systems"
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(folder / "systemer.csv", SYSTEM_HEADER, systems),
        _write_csv(folder / "beslutninger.csv", DECISION_HEADER, decisions),
    ]


def _status(
    done_by: str, started: str, config: SimulationConfig, words: tuple[str, str, str]
) -> str:
    """``words`` = (done, under way, planned) as of config.end."""
    end = config.end.isoformat()
    if done_by <= end:
        return words[0]
    return words[1] if started <= end else words[2]


# ------------------------------------------------------------------------------------------------
# Roadmap: initiatives, targets and the agreed way of working
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Initiative:
    ident: str
    title: str
    goal: str
    owner: str
    groups: str  # "|"-separated
    start: str  # ISO, reference case
    end: str
    milestones: str  # "|"-separated "YYYY-MM-DD: text"
    systems: tuple[str, ...]  # names of DECISIONS' systems
    courses: tuple[str, ...]  # course codes
    pandemic: bool = False  # dates move with config.lockdown_date instead of the merger


WAVES_MILESTONES = "{waves}"  # replaced by the course waves of BehaviourParams

INITIATIVES: tuple[Initiative, ...] = (
    Initiative(
        "V01",
        "Felles Microsoft 365 og identiteter for Nye Moss",
        "Alle ansatte i Moss og Rygge har én konto i den nye kommunens Microsoft 365 fra dag én.",
        "IKT-sjef",
        "Alle ansatte",
        "2019-02-01",
        "2020-01-31",
        "2019-03-04: Teams åpnet for pilotgrupper|2019-11-01: Synkronisering fra nytt domene"
        "|2020-01-01: Alle logger på med @moss.kommune.no",
        (_AD_MOSS, _AD_RYGGE, "Microsoft Identity Manager"),
        ("EL-M365",),
    ),
    Initiative(
        "V02",
        "E-post til Exchange Online",
        "Én e-postløsning og én adresseliste før sammenslåingen.",
        "IKT-sjef",
        "Alle ansatte",
        "2019-03-01",
        "2019-12-20",
        "2019-06-14: Pilot i IKT og økonomi|2019-10-11: Moss ferdig flyttet"
        "|2019-11-29: Rygge ferdig flyttet",
        ("Microsoft Exchange Server 2013 (lokalt)", "Microsoft Exchange Server 2010 (lokalt)"),
        (),
    ),
    Initiative(
        "V03",
        "Teams som hovedkanal for intern kommunikasjon",
        "Intern dialog skjer i Teams-chat, kanaler og møter, ikke i intern e-post; halvparten av "
        "de ansatte er aktive i Teams hver uke innen sommeren 2020.",
        "Rådmann",
        "Alle ansatte",
        "2019-09-02",
        "2020-12-31",
        "2019-09-02: Første kursbølge for ledere og superbrukere|2020-01-01: Alle enheter har "
        "eget team|2020-06-30: Skype for Business slått av",
        ("Skype for Business Server 2015", "Microsoft Lync Server 2013"),
        (BASIC_COURSE, "TEAMS-KANAL", "EL-VERKTOY"),
    ),
    Initiative(
        "V04",
        "Fra filserver til OneDrive og Teams",
        "Ingen arbeidsfiler igjen på filserverne; egne filer i OneDrive, felles filer i enhetens "
        "team.",
        "IKT-sjef",
        "Alle ansatte med PC",
        "2019-11-01",
        "2020-09-30",
        "2020-01-31: Hjemmeområdene åpnet i OneDrive|2020-06-30: Hjemmeområdene lukket"
        "|2020-09-30: Fellesområdene flyttet; filserverne i lesemodus",
        ("Filservere (Windows Server 2012 R2)", "Filservere (Windows Server 2008 R2)"),
        ("TEAMS-FIL", "EL-ONEDRIVE"),
    ),
    Initiative(
        "V05",
        "Opplæring i digital samhandling for alle ansatte",
        "Alle ansatte har tatt Teams grunnkurs eller fått tilsvarende opplæring av en superbruker.",
        "HR-sjef",
        "Alle ansatte|Ledere|Superbrukere",
        "2019-08-15",
        "2021-06-30",
        WAVES_MILESTONES,
        (),
        (BASIC_COURSE, "TEAMS-FIL", "TEAMS-MOTE", "EL-M365"),
    ),
    Initiative(
        "V06",
        "Nettverk av digitale superbrukere",
        "Minst én superbruker i hver enhet som hjelper kolleger og holder korte kurs.",
        "Prosjektleder digitalisering",
        "Superbrukere",
        "2019-08-15",
        "2021-06-30",
        "2019-09-16: Første superbrukerkurs|2020-01-15: Superbrukersamling for Nye Moss"
        "|2021-01-20: Superbrukerne får egen kanal for spørsmål",
        (),
        ("SUPERBRUKER",),
    ),
    Initiative(
        "V07",
        "Ledere som rollemodeller i digital samhandling",
        "Alle ledere holder ledermøter og gir informasjon i Teams og har avtalt verktøybruk med "
        "sine ansatte.",
        "Rådmann",
        "Ledere",
        "2019-09-23",
        "2020-06-30",
        "2019-09-23: Første ledersamling|2020-01-01: Ledermøtene i Teams"
        "|2020-06-30: Alle enheter har gjennomgått arbeidsavtalen",
        (),
        ("LEDER-DIG",),
    ),
    Initiative(
        "V08",
        "Nytt intranett i SharePoint Online",
        "Ett intranett for Nye Moss fra dag én, knyttet til Teams.",
        "Kommunikasjonssjef",
        "Alle ansatte",
        "2019-06-01",
        "2020-01-31",
        "2019-10-01: Innholdet fra de to intranettene gjennomgått|2020-01-02: Innsiden lansert",
        ("Intranett (SharePoint Server 2013)", "Intranett (Episerver)"),
        (),
    ),
    Initiative(
        "V09",
        "Digitale møter og hjemmekontor under pandemien",
        "Møter og samarbeid fortsetter i Teams når de ansatte ikke kan møtes.",
        "Kommunedirektør",
        "Alle ansatte",
        "2020-03-12",
        "2020-09-30",
        "2020-03-12: Møter flyttes til Teams|2020-03-18: Daglige webinarer «Møter i Teams»"
        "|2020-05-11: Gradvis tilbake på kontoret",
        ("Cisco videokonferanse (møterom)",),
        ("TEAMS-MOTE",),
        pandemic=True,
    ),
    Initiative(
        "V10",
        "Teams for ansatte i turnus",
        "Ansatte i helse og omsorg og barnehager får beskjeder og personalmøter i Teams på "
        "mobilen.",
        "Kommunalsjef helse og omsorg",
        "Helse og omsorg|Barnehager",
        "2020-09-01",
        "2021-06-30",
        "2020-09-14: Pilot på to sykehjem|2021-01-11: Alle avdelinger har eget team"
        "|2021-06-30: Evaluering",
        ("MobileIron", "VMware AirWatch"),
        ("TEAMS-TURNUS",),
    ),
    Initiative(
        "V11",
        "Personvern og informasjonssikkerhet i Microsoft 365",
        "Ansatte vet hva som kan ligge i Teams og OneDrive og hva som hører hjemme i fagsystem og "
        "sak/arkiv.",
        "Personvernombud",
        "Alle ansatte",
        "2019-03-01",
        "2020-06-30",
        "2019-05-28: DPIA for Microsoft 365 drøftet med tillitsvalgte og behandlet i AMU"
        "|2019-10-01: Retningslinjer for taushetsbelagte opplysninger i Teams",
        ("McAfee Endpoint Security", "Symantec Endpoint Protection"),
        ("EL-SIKKERHET",),
    ),
    Initiative(
        "V12",
        "Harmonisering av fagsystemer",
        "Ett system per fagområde der det gir gevinst, i prioritert rekkefølge: infrastruktur, "
        "økonomi og lønn, helse og omsorg, oppvekst.",
        "Prosjektleder IKT-harmonisering",
        "Fagsystemeiere",
        "2018-09-01",
        "2021-12-31",
        "2020-01-01: Felles økonomi, lønn og sak/arkiv|2020-08-17: Felles skolesystemer"
        "|2021-12-31: Siste gamle systemer avsluttet",
        ("ePhorte", "Public 360", "Unit4 ERP (Agresso)", "Profil", "IST Extens"),
        (),
    ),
    Initiative(
        "V13",
        "Aggregert måling av bruk og effekt",
        "Følge bruken av Teams, e-post og OneDrive per enhet og enhetstype — aldri per person — og "
        "måle effekten av opplæringen.",
        "Digitaliseringsrådgiver",
        "Ledere|Prosjektgruppen",
        "2020-01-01",
        "2021-06-30",
        "2020-02-01: Første rapport per enhetstype|2021-06-30: Evaluering av opplæringen",
        (),
        (BASIC_COURSE,),
    ),
)


@dataclass(frozen=True)
class Target:
    ident: str
    initiative: str
    key: str  # TARGET_METRICS key; course_share:<course code>
    description: str
    threshold: float
    direction: str  # minst | høyst
    day: str
    population: str
    unit_type: str  # UNIT_TYPES key, "" = all
    role: str = ""  # leder | superbruker | ""


TARGETS: tuple[Target, ...] = (
    Target("M01", "V03", "teams_active_share", "Aktive i Teams hver uke", 0.5, "minst",
           "2020-06-30", "Alle ansatte", ""),
    Target("M02", "V03", "teams_active_share", "Aktive i Teams hver uke", 0.8, "minst",
           "2020-12-31", "Stab og administrasjon", "office"),
    Target("M03", "V03", "teams_active_share", "Aktive i Teams hver uke", 0.6, "minst",
           "2020-12-31", "Skoler", "school"),
    Target("M04", "V10", "teams_active_share", "Aktive i Teams hver uke", 0.3, "minst",
           "2021-06-30", "Helse og omsorg", "care"),
    Target("M05", "V10", "teams_active_share", "Aktive i Teams hver uke", 0.3, "minst",
           "2021-06-30", "Barnehager", "kindergarten"),
    Target("M06", "V03", "teams_messages_per_user", "Teams-meldinger per bruker og uke", 20.0,
           "minst", "2020-12-31", "Stab og administrasjon", "office"),
    Target("M07", "V03", "email_sent_per_user", "Sendte e-poster per bruker og uke", 30.0, "høyst",
           "2020-12-31", "Stab og administrasjon", "office"),
    Target("M08", "V09", "teams_meetings_per_user", "Teams-møter per bruker og uke", 3.0, "minst",
           "2020-04-30", "Stab og administrasjon", "office"),
    Target("M09", "V04", "onedrive_active_share", "Aktive i OneDrive hver uke", 0.7, "minst",
           "2020-09-30", "Stab og administrasjon", "office"),
    Target("M10", "V04", "onedrive_active_share", "Aktive i OneDrive hver uke", 0.5, "minst",
           "2020-09-30", "Skoler", "school"),
    Target("M11", "V05", f"course_share:{BASIC_COURSE}", "Andel som har tatt Teams grunnkurs",
           0.25, "minst", "2021-06-30", "Alle ansatte", ""),
    Target("M12", "V07", "course_share:LEDER-DIG", "Andel ledere som har tatt lederkurset", 0.9,
           "minst", "2020-06-30", "Ledere", "", "leder"),
    Target("M13", "V06", "course_share:SUPERBRUKER", "Andel superbrukere med superbrukerkurs",
           0.9, "minst", "2020-03-31", "Superbrukere", "", "superbruker"),
    # Set after the pandemic year, due after the simulated span: still open, so the roadmap shows
    # a forecast for them.
    Target("M14", "V10", "teams_active_share", "Aktive i Teams hver uke", 0.9, "minst",
           "2021-12-31", "Helse og omsorg", "care"),
    Target("M15", "V03", "teams_messages_per_user", "Teams-meldinger per bruker og uke", 30.0,
           "minst", "2021-12-31", "Alle ansatte", ""),
)  # fmt: skip

# The agreed way of working ("hvilket verktøy til hva"): (need, tool, example, not to use).
AGREEMENT: tuple[tuple[str, str, str, str], ...] = (
    (
        "Korte beskjeder og spørsmål til kolleger",
        "Teams-chat",
        "«Har du tid til en prat om budsjettet i dag?»",
        "Intern e-post, SMS",
    ),
    (
        "Dialog i enheten, et prosjekt eller en arbeidsgruppe",
        "Teams-kanal i teamet",
        "Spørsmål og beslutninger i prosjektet, synlige for alle i teamet",
        "E-post med mange mottakere",
    ),
    (
        "Interne møter, også digitale",
        "Teams-møte fra Outlook-kalenderen",
        "Avdelingsmøtet med kolleger på hjemmekontor",
        "Skype for Business, telefonmøte",
    ),
    (
        "Egne arbeidsfiler",
        "OneDrive",
        "Utkast du ikke har delt ennå",
        "Hjemmeområdet (H:), lokal disk, minnepinne",
    ),
    (
        "Felles filer i enheten eller prosjektet",
        "Filer-fanen i teamet (SharePoint)",
        "Turnusplaner, maler, prosjektdokumenter",
        "Fellesområdet (F:), vedlegg i e-post",
    ),
    (
        "Kommunikasjon med innbyggere, leverandører og andre virksomheter",
        "E-post (Outlook)",
        "Svar til en leverandør, møteinnkalling til eksterne",
        "Teams-chat med eksterne uten avtale",
    ),
    (
        "Saksbehandling og dokumenter som skal arkiveres",
        "Sak/arkiv (Elements)",
        "Vedtak, innkommende brev, avtaler",
        "Teams og OneDrive som arkiv",
    ),
    (
        "Personopplysninger og helseopplysninger om brukere, elever og pasienter",
        "Fagsystemet (Gerica, Visma Flyt Skole, Familia …)",
        "Rapport om en pasient, bekymring for et barn",
        "Teams-chat, kanal, OneDrive, e-post",
    ),
    (
        "Sikker post til innbyggere",
        "SvarUt fra sak/arkiv",
        "Vedtaksbrev",
        "Vanlig e-post",
    ),
    (
        "Informasjon til alle ansatte",
        "Intranettet Innsiden",
        "Nyheter, rutiner, personalhåndbok",
        "E-post til alle",
    ),
    (
        "Deling av filer med eksterne",
        "Deling fra OneDrive eller teamet med pålogging",
        "Utkast til en samarbeidspartner",
        "Dropbox, WeTransfer, private kontoer",
    ),
    (
        "Oppgaver og oppfølging i teamet",
        "Planner i Teams",
        "Hvem gjør hva til neste møte",
        "Oppgavelister i e-post",
    ),
    (
        "Spørreundersøkelser og påmeldinger",
        "Microsoft Forms (anonyme medarbeiderundersøkelser: Questback)",
        "Påmelding til julebord, evaluering av et kurs",
        "Skjema på papir",
    ),
)
AGREEMENT_DATE = "2020-01-01"  # in force from (reference case); agreed in AMU in November 2019


def _unit_type_word(unit_type: str) -> str:
    return _TYPE_WORDS[UNIT_TYPES.index(unit_type)] if unit_type else ""


def _number(value: float) -> str:
    """A threshold as plain decimal text with a point (0.5, 20)."""
    return f"{value:g}"


def write_roadmap(
    config: SimulationConfig,
    out: Path,
    *,
    params: BehaviourParams = DEFAULT_BEHAVIOUR,
) -> list[Path]:
    """Write ``veikart.csv``, ``mål.csv`` and ``arbeidsavtale.csv`` under ``out/roadmap/``.

    The training initiative's milestones are the course waves of ``params``; statuses are as of
    ``config.end``.
    """
    by_merger = _shift_merger(config)
    by_lockdown = _shifter(config.lockdown_date - REFERENCE_LOCKDOWN)
    decided = {name for decision in DECISIONS for name in decision.systems}
    waves = "|".join(
        f"{wave.first_day.isoformat()}: Kursbølge {wave.name} ({wave.people} plasser)"
        for wave in params.waves
    )
    initiatives: list[list[str]] = []
    for item in INITIATIVES:
        move = by_lockdown if item.pandemic else by_merger
        unknown = [name for name in item.systems if name not in decided] + [
            code for code in item.courses if code not in _COURSE_BY_CODE
        ]
        if unknown:
            raise ValueError(f"{item.ident} depends on unknown systems or courses: {unknown}")
        milestones = waves if item.milestones == WAVES_MILESTONES else move(item.milestones)
        start, end = move(item.start), move(item.end)
        initiatives.append(
            [
                item.ident,
                item.title,
                item.goal,
                item.owner,
                item.groups,
                start,
                end,
                _status(end, start, config, ("fullført", "pågår", "planlagt")),
                milestones,
                "|".join(item.systems),
                "|".join(item.courses),
            ]
        )
    pandemic = {item.ident for item in INITIATIVES if item.pandemic}
    targets = [
        [
            t.ident,
            t.initiative,
            t.key,
            t.description,
            _number(t.threshold),
            t.direction,
            (by_lockdown if t.initiative in pandemic else by_merger)(t.day),
            t.population,
            _unit_type_word(t.unit_type),
            t.role,
        ]
        for t in TARGETS
    ]
    agreement = [
        [str(k), need, tool, example, avoid, by_merger(AGREEMENT_DATE)]
        for k, (need, tool, example, avoid) in enumerate(AGREEMENT, start=1)
    ]
    folder = out / "roadmap"
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(folder / "veikart.csv", ROADMAP_HEADER, initiatives),
        _write_csv(folder / "mål.csv", TARGET_HEADER, targets),
        _write_csv(folder / "arbeidsavtale.csv", AGREEMENT_HEADER, agreement),
    ]
