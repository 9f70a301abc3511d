"""The behaviour model: who uses Microsoft 365 how much, week by week, and what training changes.

:func:`simulate` turns a :class:`~veikart.demo.simulator.model.Population` into a
:class:`~veikart.demo.simulator.model.Panel` and returns, beside it, the ground truth the impact
estimators are tested against (``truth.json``). Every person-period is simulated twice, without
training (Y(0)) and with it (Y(1)), from the same random draws, so the individual effect
Y(1) − Y(0) is known exactly and carries as little noise as possible.

The model in brief (docs/developer/simulator.md, "Behaviour model", has the formulas):

* activity = base rate per working day × unit type's PC time × person level × calendar (weekends,
  holidays) × shocks (merger, lockdown) × the person's own trend, with gamma-Poisson noise;
* Teams is used only after a person adopts it; adoption is an individual hazard (Bass diffusion
  among colleagues in the same unit, faster when one's manager has adopted, pushed by the merger
  and by the lockdown);
* training multiplies Teams and OneDrive activity (building up over weeks, larger for managers
  and digital champions), makes most trained non-users adopt Teams, and lowers e-mail sent
  (substitution);
* who is trained when is drawn before any activity: capacity-limited weekly sessions in waves,
  leaders and champions first. By default it depends on the unit type, roles and a unit's
  eagerness for courses, not on anything that shapes a person's Y(0) within a unit type, so
  parallel trends hold (in levels, in expectation) within unit types. ``selection="trends"`` picks
  people whose Y(0) is rising.

Y(0) does not depend on the training schedule or on the training effect parameters: the
person traits, the schedule, Y(0) and the extra draws for Y(1) come from separate random streams.
Training has no spillovers (colleagues' adoption is driven by Y(0) states).

No Django imports: numpy only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields, is_dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import METRICS, UNIT_TYPES, Panel, Population

Selection = Literal["levels", "trends"]
FloatArray = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Metrics training changes; Panel.counterfactual holds Y(0) for exactly these.
AFFECTED_METRICS: tuple[str, ...] = (
    "teams_private_chat",
    "teams_channel",
    "teams_calls",
    "teams_meetings_attended",
    "teams_meetings_organized",
    "teams_audio_seconds",
    "teams_video_seconds",
    "email_sent",
    "onedrive_viewed_edited",
    "onedrive_synced",
    "onedrive_shared_internally",
)
TEAMS_COUNT_METRICS: tuple[str, ...] = (
    "teams_private_chat",
    "teams_channel",
    "teams_calls",
    "teams_meetings_attended",
)
ONEDRIVE_METRICS: tuple[str, ...] = (
    "onedrive_viewed_edited",
    "onedrive_synced",
    "onedrive_shared_internally",
)
SHAREPOINT_METRICS: tuple[str, ...] = ("sharepoint_viewed_edited", "sharepoint_visited_pages")

# The event-time window the truth reports (weeks since training; -1 = the week before).
EVENT_TIME_MIN = -8
EVENT_TIME_MAX = 52
LOCKDOWN_WINDOW_DAYS = 56  # the lockdown truth compares 8 weeks after with 8 weeks before
NORMAL_WEEK = 5.0  # a week of five full working days; weekends add weekend_factor each

_NO_DAY = np.iinfo(np.int64).max // 4  # "never" as a day number (never trained / adopted / left)
_STREAM = 0xBE4A  # mixed into the seed so the behaviour stage has its own random streams
_INT32_MAX = float(np.iinfo(np.int32).max)


@dataclass(frozen=True)
class TrainingWave:
    """A course wave: weekly sessions between two dates until ``people`` are trained.

    ``people`` is the wave's size for an organisation of ``BehaviourParams.reference_employees``
    and scales with ``SimulationConfig.employees``. Weeks whose working time is below
    ``BehaviourParams.min_session_week`` of a normal week (holidays) have no sessions.
    """

    name: str
    first_day: dt.date
    last_day: dt.date
    people: int
    sessions_per_week: int
    leaders_first: bool = False


@dataclass(frozen=True)
class BehaviourParams:
    """Every parameter of the behaviour model, with its default (see docs/developer/simulator.md).

    Tables keyed by unit type or metric are tuples of (key, value) pairs; each table keyed by
    unit type must name every type in ``UNIT_TYPES``. Rates are per working day for a person
    with PC time 1 and an average level, at full Teams maturity, outside holidays and shocks.
    """

    # --- Unit types -----------------------------------------------------------------------------
    # Share of the working day at a PC: scales every activity rate (baseline propensity).
    pc_time: tuple[tuple[str, float], ...] = (
        ("office", 1.0),
        ("school", 0.55),
        ("kindergarten", 0.2),
        ("care", 0.15),
        ("technical", 0.25),
        ("culture", 0.5),
        ("nav", 0.9),
    )
    # Multiplies the Teams adoption hazard.
    adoption_propensity: tuple[tuple[str, float], ...] = (
        ("office", 1.0),
        ("school", 0.8),
        ("kindergarten", 0.45),
        ("care", 0.35),
        ("technical", 0.5),
        ("culture", 0.7),
        ("nav", 1.0),
    )
    # Lockdown: Teams activity is multiplied by 1 + intensity × profile(t) (profile 1 at the peak).
    lockdown_intensity: tuple[tuple[str, float], ...] = (
        ("office", 1.2),
        ("school", 0.9),
        ("kindergarten", 0.25),
        ("care", 0.1),
        ("technical", 0.35),
        ("culture", 0.6),
        ("nav", 1.0),
    )

    # --- Activity rates -------------------------------------------------------------------------
    base_per_workday: tuple[tuple[str, float], ...] = (
        ("teams_private_chat", 8.0),
        ("teams_channel", 0.8),
        ("teams_calls", 0.5),
        ("teams_meetings_attended", 1.0),
        ("email_sent", 7.0),
        ("email_received", 25.0),
        ("onedrive_viewed_edited", 3.0),
        ("onedrive_synced", 5.0),
        ("onedrive_shared_internally", 0.15),
        ("sharepoint_viewed_edited", 1.5),
        ("sharepoint_visited_pages", 2.0),
    )
    organizer_share_staff: float = 0.12  # meetings organised = Binomial(attended, share)
    organizer_share_manager: float = 0.45
    meeting_minutes: float = 40.0  # mean audio length of a meeting (gamma distributed)
    meeting_minutes_shape: float = 2.0
    call_minutes: float = 6.0
    call_minutes_shape: float = 1.5
    video_share_mean: float = 0.4  # per person: video seconds = audio seconds × share (Beta)
    video_share_concentration: float = 5.0
    email_read_mean: float = 0.8  # per person: read = Binomial(received, rate) (Beta)
    email_read_concentration: float = 10.0

    # --- Person heterogeneity and noise ---------------------------------------------------------
    person_sd: float = 0.6  # log-sd of a person's overall activity level (mean 1)
    product_sd: float = 0.35  # log-sd of the per-product deviation (Teams, e-mail, files)
    nb_shape: float = 1.5  # gamma shape of the person-period noise (variance μ + μ²/shape)
    person_trend_sd: float = 0.2  # sd of a person's own log-growth per year, all activity

    # --- Teams adoption (Bass diffusion, individual hazards) ------------------------------------
    teams_launch: dt.date = dt.date(2019, 3, 4)
    bass_innovation: float = 0.004  # p: hazard per week without peers
    bass_imitation: float = 0.12  # q: added hazard per week × share of peers who have adopted
    peer_unit_weight: float = 0.7  # peers: this share own unit, the rest the whole organisation
    adoption_sd: float = 0.7  # log-sd of a person's adoption propensity (mean 1)
    manager_adoption_boost: float = 1.5  # hazard × (1 + boost) once one's manager has adopted
    maturity_gap: float = 0.6  # Teams use right after adoption is (1 - gap) of the mature use
    maturity_weeks: float = 10.0  # ... and closes the gap with this time constant
    merger_adoption_boost: float = 1.0  # hazard × (1 + boost) for the first weeks of the merger
    merger_push_weeks: float = 8.0
    lockdown_adoption_boost: float = 3.0  # hazard × (1 + boost × intensity × profile(t))
    hire_adoption_weight: float = 1.0  # a new hire already uses Teams w.p. weight × unit share

    # --- Merger (date from SimulationConfig.merger_date) ----------------------------------------
    merger_channel_boost: float = 1.5  # channel messages × boost after the merger (new teams)
    onedrive_pre_merger_level: float = 0.5  # OneDrive use before the merger (home drives) ...
    onedrive_migration_weeks: float = 26.0  # ... rising linearly to 1 over these weeks after it
    intranet_boost: float = 2.0  # SharePoint visited pages × boost after the merger (intranet)

    # --- Lockdown (date from SimulationConfig.lockdown_date) ------------------------------------
    lockdown_peak_weeks: float = 8.0  # profile 1 for these weeks ...
    lockdown_half_life_weeks: float = 12.0  # ... then decays with this half-life ...
    lockdown_persistence: float = 0.5  # ... towards this lasting level ("new normal")
    lockdown_email_share: float = 0.2  # e-mail × (1 + share × intensity × profile)
    lockdown_files_share: float = 0.5  # OneDrive/SharePoint × (1 + share × intensity × profile)

    # --- E-mail substitution --------------------------------------------------------------------
    email_substitution: float = 0.2  # e-mail sent × exp(-s × own Teams index)
    email_received_substitution: float = 0.15  # e-mail received × exp(-s × mean Teams index)

    # --- Calendar (Norwegian) -------------------------------------------------------------------
    weekend_factor: float = 0.05
    public_holiday_factor: float = 0.05
    christmas_factor: float = 0.3  # 22 December to 1 January
    easter_week_factor: float = 0.5  # Monday to Wednesday before Easter
    fellesferie_weeks: tuple[int, ...] = (28, 29, 30)  # ISO weeks of the common July holiday
    fellesferie_factor: float = 0.3
    july_factor: float = 0.75  # the rest of July
    winter_break_week: int = 9
    winter_break_factor: float = 0.85
    autumn_break_week: int = 40
    autumn_break_factor: float = 0.9

    # --- Training schedule and selection --------------------------------------------------------
    waves: tuple[TrainingWave, ...] = (
        TrainingWave("autumn-2019", dt.date(2019, 9, 2), dt.date(2019, 12, 13), 400, 2, True),
        TrainingWave("spring-2020", dt.date(2020, 1, 13), dt.date(2020, 3, 6), 120, 1),
        TrainingWave("autumn-2020", dt.date(2020, 9, 7), dt.date(2020, 11, 27), 150, 1),
        TrainingWave("spring-2021", dt.date(2021, 1, 11), dt.date(2021, 4, 30), 100, 1),
    )
    reference_employees: int = 3500  # wave sizes are for this many employees
    seats_per_session: int = 20
    session_weekdays: tuple[int, ...] = (1, 2, 3)  # Tuesday, Wednesday, Thursday (Monday = 0)
    min_session_week: float = 0.8  # no sessions in weeks with less working time than this
    never_trained_share: float = 0.25  # non-leaders who never take a course
    selection: Selection = "levels"
    selection_leader_bonus: float = 10.0  # in leaders-first waves: managers and champions first
    selection_type_weight: float = 2.0  # priority + weight × pc_time (eager unit types first)
    selection_unit_sd: float = 0.5  # a unit's eagerness for courses (independent of usage)
    selection_person_weight: float = 0.0  # priority + weight × person level (z); see the docs
    selection_trend_weight: float = 2.5  # with selection="trends": priority + weight × trend (z)

    # --- Training effect ------------------------------------------------------------------------
    # Relative effect at full build-up for a staff member (multiplies the rate by 1 + size).
    effect_size: tuple[tuple[str, float], ...] = (
        ("teams_private_chat", 0.35),
        ("teams_channel", 0.8),
        ("teams_calls", 0.15),
        ("teams_meetings_attended", 0.2),
        ("onedrive_viewed_edited", 0.25),
        ("onedrive_synced", 0.15),
        ("onedrive_shared_internally", 0.6),
    )
    effect_buildup_weeks: float = 6.0  # ramp 1 - exp(-days since training / (7 × weeks))
    effect_manager: float = 1.5  # effect × this for managers
    effect_champion: float = 2.0  # effect × this for champions (the larger applies to both)
    effect_person_sd: float = 0.3  # log-sd of a person's effect multiplier (mean 1)
    training_adoption_prob: float = 0.8  # a trained non-user adopts Teams on the training day

    def __post_init__(self) -> None:
        for name in ("pc_time", "adoption_propensity", "lockdown_intensity"):
            keys = {key for key, _ in getattr(self, name)}
            if keys != set(UNIT_TYPES):
                raise ValueError(f"{name} must name every unit type exactly: {UNIT_TYPES}")
        for name in ("base_per_workday", "effect_size"):
            unknown = {key for key, _ in getattr(self, name)} - set(METRICS)
            if unknown:
                raise ValueError(f"{name} names unknown metrics: {sorted(unknown)}")
        not_affected = {key for key, _ in self.effect_size} - set(AFFECTED_METRICS)
        if not_affected:
            raise ValueError(f"effect_size for metrics training cannot change: {not_affected}")
        if self.selection not in ("levels", "trends"):
            raise ValueError('selection must be "levels" or "trends"')
        if self.nb_shape <= 0 or self.seats_per_session <= 0 or self.reference_employees <= 0:
            raise ValueError("nb_shape, seats_per_session and reference_employees must be > 0")
        if not self.session_weekdays or not all(0 <= d <= 6 for d in self.session_weekdays):
            raise ValueError("session_weekdays must be weekday numbers 0-6")

    def by_type(self, table: tuple[tuple[str, float], ...]) -> FloatArray:
        """A unit-type table as an array in ``UNIT_TYPES`` order."""
        values = dict(table)
        return np.array([values[t] for t in UNIT_TYPES], dtype=np.float64)

    def base(self, metric: str) -> float:
        return dict(self.base_per_workday).get(metric, 0.0)

    def effect(self, metric: str) -> float:
        return dict(self.effect_size).get(metric, 0.0)


DEFAULT_PARAMS = BehaviourParams()


# --- Calendar ----------------------------------------------------------------------------------


def _easter(year: int) -> dt.date:
    """Easter Sunday (Gregorian; anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def _public_holidays(year: int) -> set[dt.date]:
    easter = _easter(year)
    moving = (-3, -2, 0, 1, 39, 49, 50)  # Maundy Thu, Good Fri, Easter, Easter Mon, Asc., Whit
    fixed = ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))
    days = {easter + dt.timedelta(days=k) for k in moving}
    return days | {dt.date(year, month, day) for month, day in fixed}


def day_factor(day: dt.date, params: BehaviourParams) -> float:
    """Working time on ``day`` as a share of a normal working day (weekends, holidays)."""
    factor = 1.0
    if day.weekday() >= 5:
        factor *= params.weekend_factor
    if day in _public_holidays(day.year):
        factor *= params.public_holiday_factor
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day == 1):
        factor *= params.christmas_factor
    easter = _easter(day.year)
    if -6 <= (day - easter).days <= -4:
        factor *= params.easter_week_factor
    week = day.isocalendar()[1]
    if day.month == 7:
        in_fellesferie = week in params.fellesferie_weeks
        factor *= params.fellesferie_factor if in_fellesferie else params.july_factor
    if week == params.winter_break_week:
        factor *= params.winter_break_factor
    if week == params.autumn_break_week:
        factor *= params.autumn_break_factor
    return factor


def _day_number(day: dt.date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def _date(day_number: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day_number))


def _days(values: npt.NDArray[np.datetime64]) -> Int64Array:
    """datetime64[D] as day numbers; NaT becomes _NO_DAY."""
    days = values.astype("datetime64[D]")
    out = days.astype(np.int64)
    return np.where(np.isnat(days), _NO_DAY, out).astype(np.int64)


def period_ends(config: SimulationConfig) -> npt.NDArray[np.datetime64]:
    """Last day of every period: each Sunday (weekly) or each day (daily) in [start, end]."""
    first = np.datetime64(config.start, "D")
    last = np.datetime64(config.end, "D")
    if config.granularity == "daily":
        return np.arange(first, last + 1, dtype="datetime64[D]")
    to_sunday = (6 - config.start.weekday()) % 7
    return np.arange(first + to_sunday, last + 1, 7, dtype="datetime64[D]")


def lockdown_profile(days_since: FloatArray, params: BehaviourParams) -> FloatArray:
    """The lockdown's strength by days since the lockdown date: 0 before, 1 at the peak."""
    after_peak = days_since - 7.0 * params.lockdown_peak_weeks
    decay = 0.5 ** (np.maximum(after_peak, 0.0) / (7.0 * params.lockdown_half_life_weeks))
    tail = params.lockdown_persistence + (1.0 - params.lockdown_persistence) * decay
    return np.where(days_since < 0, 0.0, np.where(after_peak < 0, 1.0, tail))


def effect_ramp(days_since: FloatArray, params: BehaviourParams) -> FloatArray:
    """Share of the full training effect reached ``days_since`` the training day (0 before)."""
    tau = 7.0 * params.effect_buildup_weeks
    return np.where(days_since < 0, 0.0, 1.0 - np.exp(-(np.maximum(days_since, 0.0) + 1) / tau))


# --- People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    """Fixed traits of every person (drawn once, from their own stream)."""

    type_index: Int64Array
    pc: FloatArray
    adoption_type: FloatArray
    lockdown: FloatArray
    z_level: FloatArray
    theta_teams: FloatArray
    theta_mail: FloatArray
    theta_files: FloatArray
    eta: FloatArray
    z_trend: FloatArray
    trend: FloatArray
    effect_het: FloatArray
    organizer_share: FloatArray
    video_share: FloatArray
    read_rate: FloatArray
    u_train_adopt: FloatArray
    leader: BoolArray


def _lognormal(rng: np.random.Generator, sd: float, n: int) -> FloatArray:
    """Log-normal with mean 1."""
    return np.exp(sd * rng.standard_normal(n) - sd * sd / 2.0)


def _beta(rng: np.random.Generator, mean: float, concentration: float, n: int) -> FloatArray:
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, n)


def _draw_people(
    population: Population, params: BehaviourParams, seed: np.random.SeedSequence
) -> _People:
    rng = np.random.default_rng(seed)
    n = len(population)
    type_index = population.unit_type.astype(np.int64)
    z_level = rng.standard_normal(n)
    sd = params.person_sd
    theta = np.exp(sd * z_level - sd * sd / 2.0)
    theta_teams = theta * _lognormal(rng, params.product_sd, n)
    theta_mail = theta * _lognormal(rng, params.product_sd, n)
    theta_files = theta * _lognormal(rng, params.product_sd, n)
    eta = _lognormal(rng, params.adoption_sd, n)
    z_trend = rng.standard_normal(n)
    role = np.where(population.is_manager, params.effect_manager, 1.0)
    role = np.where(population.is_champion, np.maximum(role, params.effect_champion), role)
    effect_het = role * _lognormal(rng, params.effect_person_sd, n)
    organizer = np.where(
        population.is_manager, params.organizer_share_manager, params.organizer_share_staff
    )
    return _People(
        type_index=type_index,
        pc=params.by_type(params.pc_time)[type_index],
        adoption_type=params.by_type(params.adoption_propensity)[type_index],
        lockdown=params.by_type(params.lockdown_intensity)[type_index],
        z_level=z_level,
        theta_teams=theta_teams,
        theta_mail=theta_mail,
        theta_files=theta_files,
        eta=eta,
        z_trend=z_trend,
        trend=params.person_trend_sd * z_trend,
        effect_het=effect_het,
        organizer_share=organizer.astype(np.float64),
        video_share=_beta(rng, params.video_share_mean, params.video_share_concentration, n),
        read_rate=_beta(rng, params.email_read_mean, params.email_read_concentration, n),
        u_train_adopt=rng.random(n),
        leader=np.asarray(population.is_manager | population.is_champion, dtype=np.bool_),
    )


# --- Training schedule -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Schedule:
    trained_day: Int64Array  # day number of the training session, _NO_DAY = never
    wave: Int64Array  # index into params.waves, -1 = never
    waves: list[dict[str, object]]


def _schedule_training(
    population: Population,
    config: SimulationConfig,
    params: BehaviourParams,
    people: _People,
    seed: np.random.SeedSequence,
) -> _Schedule:
    """Fill capacity-limited weekly sessions, wave by wave, in order of priority."""
    rng = np.random.default_rng(seed)
    n = len(population)
    start = _days(population.start)
    end = _days(population.end)
    never = ~people.leader & (rng.random(n) < params.never_trained_share)
    unit = np.where(population.unit_before >= 0, population.unit_before, population.unit_after)
    unit_eagerness = rng.normal(0.0, params.selection_unit_sd, len(population.units) + 1)
    priority = (
        params.selection_type_weight * people.pc
        + unit_eagerness[np.where(unit >= 0, unit, len(population.units))]
        + params.selection_person_weight * people.z_level
        + rng.gumbel(size=n)
    )
    if params.selection == "trends":
        priority = priority + params.selection_trend_weight * people.z_trend
    trained_day = np.full(n, _NO_DAY, dtype=np.int64)
    wave_of = np.full(n, -1, dtype=np.int64)
    scale = config.employees / params.reference_employees
    seats = params.seats_per_session
    summaries: list[dict[str, object]] = []
    for w, wave in enumerate(params.waves):
        target = round(wave.people * scale)
        capacity = math.ceil(wave.sessions_per_week * max(scale, 1.0)) * seats
        monday = wave.first_day - dt.timedelta(days=wave.first_day.weekday())
        weeks: list[dt.date] = []
        while monday <= wave.last_day:
            work = sum(day_factor(monday + dt.timedelta(days=k), params) for k in range(5))
            if work >= params.min_session_week * NORMAL_WEEK:
                weeks.append(monday)
            monday += dt.timedelta(days=7)
        score = priority + (
            params.selection_leader_bonus * people.leader if wave.leaders_first else 0
        )
        trained_in_wave = 0
        for k, week in enumerate(weeks):
            quota = min(
                capacity,
                round(target * (k + 1) / len(weeks)) - round(target * k / len(weeks)),
            )
            first_session = _day_number(week) + min(params.session_weekdays)
            eligible = (
                (trained_day == _NO_DAY)
                & ~never
                & (start <= first_session)
                & (end >= first_session + 2)
            )
            candidates = np.flatnonzero(eligible)
            chosen = candidates[np.argsort(-score[candidates], kind="stable")[:quota]]
            for s in range(math.ceil(len(chosen) / seats)):
                weekday = params.session_weekdays[s % len(params.session_weekdays)]
                group = chosen[s * seats : (s + 1) * seats]
                trained_day[group] = _day_number(week) + weekday
            wave_of[chosen] = w
            trained_in_wave += len(chosen)
        in_wave = wave_of == w
        summaries.append(
            {
                "name": wave.name,
                "first_day": wave.first_day.isoformat(),
                "last_day": wave.last_day.isoformat(),
                "target": int(target),
                "session_weeks": len(weeks),
                "weekly_capacity": int(capacity),
                "trained": int(trained_in_wave),
                "managers": int((in_wave & population.is_manager).sum()),
                "champions": int((in_wave & population.is_champion).sum()),
            }
        )
    return _Schedule(trained_day=trained_day, wave=wave_of, waves=summaries)


# --- Calendar per period -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    """What the calendar and the common shocks are in each period."""

    period_end: Int64Array  # day numbers
    period_start: Int64Array
    mid: FloatArray
    work: FloatArray  # working days in the period (sum of the day factors)
    lockdown: FloatArray  # lockdown profile (activity-weighted mean over the period's days)
    merger_push: FloatArray  # share of the period inside the merger's push weeks
    onedrive: FloatArray  # OneDrive use level (migration after the merger)
    teams_days: FloatArray  # days of the period on or after the Teams launch
    after_merger: BoolArray  # period_end >= merger date: units and managers "after"


def _calendar(
    config: SimulationConfig, params: BehaviourParams, pe_dates: npt.NDArray[np.datetime64]
) -> _Calendar:
    period_days = 1 if config.granularity == "daily" else 7
    pe = pe_dates.astype(np.int64)
    ps = pe - (period_days - 1)
    first = int(ps[0])
    days = np.arange(first, int(pe[-1]) + 1, dtype=np.int64)
    factor = np.array([day_factor(_date(int(d)), params) for d in days])
    lockdown = lockdown_profile(
        (days - _day_number(config.lockdown_date)).astype(np.float64), params
    )
    since_merger = (days - _day_number(config.merger_date)).astype(np.float64)
    pre = params.onedrive_pre_merger_level
    ramp = np.clip(since_merger / (7.0 * params.onedrive_migration_weeks), 0.0, 1.0)
    onedrive = np.where(since_merger < 0, pre, pre + (1.0 - pre) * ramp)
    push = ((since_merger >= 0) & (since_merger < 7.0 * params.merger_push_weeks)).astype(float)
    launched = (days >= _day_number(params.teams_launch)).astype(np.float64)

    def per_period(values: FloatArray, weighted: bool = True) -> FloatArray:
        out = np.zeros(len(pe))
        for t in range(len(pe)):
            sl = slice(int(ps[t]) - first, int(pe[t]) - first + 1)
            w = factor[sl] if weighted else np.ones(sl.stop - sl.start)
            total = float(w.sum())
            out[t] = float((values[sl] * w).sum()) / total if total > 0 else values[sl].mean()
        return out

    return _Calendar(
        period_end=pe,
        period_start=ps,
        mid=(pe + ps) / 2.0,
        work=per_period(factor, weighted=False) * period_days,
        lockdown=per_period(lockdown),
        merger_push=per_period(push),
        onedrive=per_period(onedrive),
        teams_days=per_period(launched, weighted=False) * period_days,
        after_merger=pe >= _day_number(config.merger_date),
    )


# --- Truth accumulation ------------------------------------------------------------------------

# Outcomes the truth reports. Each has per-cell d = Y1 - Y0, y0, y1 and, for counts, exp
# (E[Y1 - Y0] given the planted intensities, without the noise).
TRUTH_OUTCOMES: tuple[str, ...] = (
    "teams_messages",
    "teams_active",
    "teams_meetings_attended",
    "email_sent",
    "onedrive_viewed_edited",
)


class _Sums:
    """Sums of per-cell statistics by group."""

    def __init__(self, groups: int) -> None:
        self.groups = groups
        self.sums: dict[str, FloatArray] = {}

    def add(self, codes: Int64Array, values: dict[str, FloatArray]) -> None:
        keep = (codes >= 0) & (codes < self.groups)
        if not keep.any():
            return
        c = codes[keep]
        for name, value in values.items():
            total = np.bincount(c, weights=value[keep], minlength=self.groups)
            self.sums[name] = self.get(name) + total

    def get(self, name: str) -> FloatArray:
        return self.sums.get(name, np.zeros(self.groups))

    def summary(self, group: int) -> dict[str, object]:
        """ATT, mean Y(0), mean Y(1) and relative effect of one group for every outcome."""
        cells = float(self.get("cells")[group])
        out: dict[str, object] = {"cells": int(cells)}
        for outcome in TRUTH_OUTCOMES:
            if cells == 0:
                out[outcome] = None
                continue
            y0 = float(self.get(f"{outcome}.y0")[group])
            y1 = float(self.get(f"{outcome}.y1")[group])
            entry: dict[str, object] = {
                "att": float(self.get(f"{outcome}.d")[group]) / cells,
                "mean_y0": y0 / cells,
                "mean_y1": y1 / cells,
                "relative": y1 / y0 - 1.0 if y0 > 0 else None,
            }
            if outcome != "teams_active":
                entry["att_expected"] = float(self.get(f"{outcome}.exp")[group]) / cells
            out[outcome] = entry
        return out


def _active(counts: dict[str, Int64Array]) -> BoolArray:
    """Any Teams activity (messages, calls or meetings) in the period."""
    total = counts["teams_private_chat"] + counts["teams_channel"] + counts["teams_calls"]
    return np.asarray(total + counts["teams_meetings_attended"] > 0, dtype=np.bool_)


def _cell_values(
    y0: dict[str, Int64Array],
    y1: dict[str, Int64Array],
    mu0: dict[str, FloatArray],
    mu1: dict[str, FloatArray],
    rows: Int64Array,
) -> dict[str, FloatArray]:
    """Per-cell truth statistics of ``rows``; ``mu1`` holds only those rows."""
    values: dict[str, FloatArray] = {"cells": np.ones(len(rows))}

    def put(name: str, a0: FloatArray, a1: FloatArray, expected: FloatArray | None) -> None:
        values[f"{name}.y0"] = a0
        values[f"{name}.y1"] = a1
        values[f"{name}.d"] = a1 - a0
        if expected is not None:
            values[f"{name}.exp"] = expected

    def pick(y: dict[str, Int64Array], *names: str) -> FloatArray:
        return np.asarray(sum(y[m][rows] for m in names), dtype=np.float64)

    def expected(*names: str) -> FloatArray:
        return np.asarray(sum(mu1[m] - mu0[m][rows] for m in names), dtype=np.float64)

    messages = ("teams_private_chat", "teams_channel")
    put("teams_messages", pick(y0, *messages), pick(y1, *messages), expected(*messages))
    put(
        "teams_active",
        _active(y0)[rows].astype(np.float64),
        _active(y1)[rows].astype(np.float64),
        None,
    )
    for metric in ("teams_meetings_attended", "email_sent", "onedrive_viewed_edited"):
        put(metric, pick(y0, metric), pick(y1, metric), expected(metric))
    return values


class _Truth:
    """Accumulates the realised effects while the periods are simulated."""

    n_event = EVENT_TIME_MAX - EVENT_TIME_MIN + 1

    def __init__(self, n_cohorts: int, n_periods: int) -> None:
        self.overall = _Sums(3)  # 0 = every post-training cell, 1 = before lockdown, 2 = from it
        self.by_cohort = _Sums(n_cohorts)
        self.by_event = _Sums(self.n_event)
        self.by_period = _Sums(n_periods)
        self.intensive = _Sums(self.n_event)  # people already using Teams in Y(0) when trained
        self.lockdown = _Sums(2 * len(UNIT_TYPES))  # unit type × (before, after)


# --- Simulation --------------------------------------------------------------------------------


def _poisson(rng: np.random.Generator, lam: FloatArray) -> Int64Array:
    return rng.poisson(np.clip(lam, 0.0, _INT32_MAX)).astype(np.int64)


def _seconds(
    rng: np.random.Generator, count: Int64Array, minutes: float, shape: float
) -> FloatArray:
    """Total length in seconds of ``count`` calls or meetings of gamma-distributed length."""
    return rng.gamma(count * shape, 60.0 * minutes / shape)


def _maturity(
    adopted_on: Int64Array, period_end: int, mid: float, params: BehaviourParams
) -> FloatArray:
    """Teams use relative to a mature user: 0 before adoption, rising from 1 - gap to 1."""
    weeks = np.maximum(mid - np.minimum(adopted_on, period_end), 0.0) / 7.0
    grown = 1.0 - params.maturity_gap * np.exp(-weeks / params.maturity_weeks)
    return np.where(adopted_on <= period_end, grown, 0.0)


@dataclass
class _Draw:
    """One period's outcomes in one potential world (rows as in the caller)."""

    counts: dict[str, Int64Array]  # Teams counts, organised meetings, e-mail sent, OneDrive
    audio: FloatArray  # seconds
    mu: dict[str, FloatArray]  # the intensities of the counts with a training effect


class _Simulator:
    """Runs the period loop; every step is vectorised over people."""

    def __init__(
        self, population: Population, config: SimulationConfig, params: BehaviourParams
    ) -> None:
        self.population, self.config, self.params = population, config, params
        self.n = n = len(population)
        self.pe_dates = period_ends(config)
        if len(self.pe_dates) == 0:
            raise ValueError("the simulation span holds no period")
        self.period_days = 1 if config.granularity == "daily" else 7
        self.cal = _calendar(config, params, self.pe_dates)
        seeds = np.random.SeedSequence([config.seed, _STREAM]).spawn(4)
        self.people = _draw_people(population, params, seeds[0])
        self.schedule = _schedule_training(population, config, params, self.people, seeds[1])
        self.rng0 = np.random.default_rng(seeds[2])  # Y(0): adoption and every Y(0) draw
        self.rng1 = np.random.default_rng(seeds[3])  # the extra draws of Y(1)

        self.start, self.end = _days(population.start), _days(population.end)
        self.trained_day = self.schedule.trained_day
        self.trained = self.trained_day != _NO_DAY
        self.induced = self.trained & (self.people.u_train_adopt < params.training_adoption_prob)
        self.n_units = len(population.units)
        ub, ua = population.unit_before.astype(np.int64), population.unit_after.astype(np.int64)
        self.unit_before = np.where(ub >= 0, ub, np.where(ua >= 0, ua, self.n_units))
        self.unit_after = np.where(ua >= 0, ua, np.where(ub >= 0, ub, self.n_units))
        self.mgr_before = population.manager_before.astype(np.int64)
        self.mgr_after = population.manager_after.astype(np.int64)
        self.base = {m: params.base(m) for m in METRICS}
        self.size = {m: params.effect(m) for m in METRICS}

        monday = self.trained_day - (self.trained_day + 3) % 7  # 1970-01-01 was a Thursday
        self.cohorts, codes = np.unique(monday[self.trained], return_inverse=True)
        self.cohort_of = np.full(n, -1, dtype=np.int64)
        self.cohort_of[self.trained] = codes
        self.truth = _Truth(len(self.cohorts), len(self.pe_dates))
        self.adoption_share = np.zeros((len(self.pe_dates), len(UNIT_TYPES)))

        shape = (n, len(self.pe_dates))
        self.metrics = {m: np.zeros(shape, dtype=np.int32) for m in METRICS}
        self.counterfactual = {m: np.zeros(shape, dtype=np.int32) for m in AFFECTED_METRICS}
        self.licensed = np.zeros(shape, dtype=np.bool_)
        self.adopted_on = np.full(n, _NO_DAY, dtype=np.int64)  # Teams adoption in Y(0)

    def run(self) -> tuple[Panel, dict[str, object]]:
        for t in range(len(self.pe_dates)):
            self._step(t)
        trained_on = self.trained_day.astype("datetime64[D]")
        trained_on[~self.trained] = np.datetime64("NaT")
        panel = Panel(
            period_end=self.pe_dates,
            period_days=self.period_days,
            licensed=self.licensed,
            metrics=self.metrics,
            counterfactual=self.counterfactual,
            trained_on=trained_on,
        )
        return panel, self._truth()

    # -- one period --

    def _step(self, t: int) -> None:
        p, cal, people = self.params, self.cal, self.people
        pe, ps, mid = int(cal.period_end[t]), int(cal.period_start[t]), float(cal.mid[t])
        lic = (self.start <= pe) & (self.end >= ps)
        self.licensed[:, t] = lic
        self._adopt(t, lic)
        adopted = lic & (self.adopted_on <= pe)
        types = len(UNIT_TYPES)
        users = np.bincount(people.type_index, weights=adopted.astype(float), minlength=types)
        staff = np.bincount(people.type_index, weights=lic.astype(float), minlength=types)
        self.adoption_share[t] = np.divide(users, staff, out=np.zeros(types), where=staff > 0)

        years = (mid - _day_number(self.config.start)) / 365.25
        sd = p.person_trend_sd * years
        trend = np.exp(people.trend * years - sd * sd / 2.0)  # mean 1 at every date
        shock = people.lockdown * float(cal.lockdown[t])
        common = lic * people.pc * float(cal.work[t]) * trend
        teams_level = common * people.theta_teams * (1.0 + shock)
        mail = common * people.theta_mail * (1.0 + p.lockdown_email_share * shock)
        files = common * people.theta_files * (1.0 + p.lockdown_files_share * shock)
        rng = self.rng0
        g_teams = rng.gamma(p.nb_shape, 1.0 / p.nb_shape, self.n)
        g_mail = rng.gamma(p.nb_shape, 1.0 / p.nb_shape, self.n)
        g_files = rng.gamma(p.nb_shape, 1.0 / p.nb_shape, self.n)
        channel = p.merger_channel_boost if cal.after_merger[t] else 1.0
        intranet = p.intranet_boost if cal.after_merger[t] else 1.0

        # Y(0) for everyone.
        maturity = _maturity(self.adopted_on, pe, mid, p) * lic
        mu: dict[str, FloatArray] = {}
        counts: dict[str, Int64Array] = {}
        for m in TEAMS_COUNT_METRICS:
            mu[m] = self.base[m] * (channel if m == "teams_channel" else 1.0) * teams_level
            mu[m] = mu[m] * maturity
            counts[m] = _poisson(rng, mu[m] * g_teams)
        attended, calls = counts["teams_meetings_attended"], counts["teams_calls"]
        counts["teams_meetings_organized"] = rng.binomial(attended, people.organizer_share)
        audio = _seconds(rng, attended, p.meeting_minutes, p.meeting_minutes_shape) + _seconds(
            rng, calls, p.call_minutes, p.call_minutes_shape
        )
        index = maturity * (1.0 + shock)  # Teams index: 1 = a mature user without lockdown
        mean_index = float(index[lic].mean()) if lic.any() else 0.0
        mu["email_sent"] = self.base["email_sent"] * mail * np.exp(-p.email_substitution * index)
        counts["email_sent"] = _poisson(rng, mu["email_sent"] * g_mail)
        received_mu = self.base["email_received"] * mail
        received_mu = received_mu * math.exp(-p.email_received_substitution * mean_index)
        received = _poisson(rng, received_mu * g_mail)
        read = rng.binomial(received, people.read_rate)
        for m in ONEDRIVE_METRICS:
            mu[m] = self.base[m] * files * float(cal.onedrive[t])
            counts[m] = _poisson(rng, mu[m] * g_files)
        sp_viewed = _poisson(rng, self.base["sharepoint_viewed_edited"] * files * g_files)
        sp_pages = _poisson(rng, self.base["sharepoint_visited_pages"] * intranet * files * g_files)
        y0 = _Draw(counts=counts, audio=audio, mu=mu)

        # Y(1): equal to Y(0) except for the trained from their training day on.
        treated = np.flatnonzero(lic & self.trained & (self.trained_day <= pe))
        y1 = self._treat(t, treated, y0, teams_level, mail, g_teams, g_files, shock)

        self._record(t, treated, y0, y1)
        if (
            -LOCKDOWN_WINDOW_DAYS
            <= pe - _day_number(self.config.lockdown_date)
            < LOCKDOWN_WINDOW_DAYS
        ):
            self._record_lockdown(pe, lic, y0)

        for m in AFFECTED_METRICS:
            if m == "teams_audio_seconds":
                values0, values1 = np.rint(y0.audio), np.rint(y1.audio)
            elif m == "teams_video_seconds":
                values0 = np.rint(y0.audio * people.video_share)
                values1 = np.rint(y1.audio * people.video_share)
            else:
                values0, values1 = y0.counts[m], y1.counts[m]
            self._store(self.counterfactual[m], t, values0)
            self._store(self.metrics[m], t, values1)
        self._store(self.metrics["email_received"], t, received)
        self._store(self.metrics["email_read"], t, read)
        self._store(self.metrics["sharepoint_viewed_edited"], t, sp_viewed)
        self._store(self.metrics["sharepoint_visited_pages"], t, sp_pages)

    def _adopt(self, t: int, lic: BoolArray) -> None:
        """Teams adoption in Y(0) during period t: Bass hazard with peers and one's manager."""
        p, cal = self.params, self.cal
        days = float(cal.teams_days[t])
        if days <= 0:
            return
        pe = int(cal.period_end[t])
        before = self.adopted_on <= pe - self.period_days  # states at the end of period t - 1
        after_merger = bool(cal.after_merger[t])
        unit = self.unit_after if after_merger else self.unit_before
        mgr = self.mgr_after if after_merger else self.mgr_before
        weights = lic.astype(np.float64)
        staff = np.bincount(unit, weights=weights, minlength=self.n_units + 1)
        users = np.bincount(unit, weights=weights * before, minlength=self.n_units + 1)
        unit_share = np.divide(users, staff, out=np.zeros_like(users), where=staff > 0)
        org_share = float(users.sum() / staff.sum()) if staff.sum() > 0 else 0.0
        peers = p.peer_unit_weight * unit_share[unit] + (1.0 - p.peer_unit_weight) * org_share
        manager_uses = (mgr >= 0) & before[np.maximum(mgr, 0)]
        rate = (
            self.people.adoption_type
            * self.people.eta
            * (p.bass_innovation + p.bass_imitation * peers)
            * (1.0 + p.manager_adoption_boost * manager_uses)
            * (1.0 + p.merger_adoption_boost * float(cal.merger_push[t]))
            * (1.0 + p.lockdown_adoption_boost * self.people.lockdown * float(cal.lockdown[t]))
        )
        hazard = 1.0 - np.exp(-rate * days / 7.0)
        new = lic & ~before & (self.rng0.random(self.n) < hazard)
        self.adopted_on[new] = math.floor(float(cal.mid[t]))
        # New hires already use Teams (from a previous job) as often as their new colleagues.
        hire_share = np.clip(p.hire_adoption_weight * unit_share[unit], 0.0, 1.0)
        joining = lic & (self.start >= int(cal.period_start[t])) & ~before
        onboarded = joining & (self.rng0.random(self.n) < hire_share)
        launch = _day_number(p.teams_launch)
        self.adopted_on[onboarded] = np.maximum(self.start[onboarded] - 364, launch)

    def _treat(
        self,
        t: int,
        rows: Int64Array,
        y0: _Draw,
        teams_level: FloatArray,
        mail: FloatArray,
        g_teams: FloatArray,
        g_files: FloatArray,
        shock: FloatArray,
    ) -> _Draw:
        """Y(1): Y(0) plus extra events (Poisson superposition) or fewer (binomial thinning) in
        ``rows``, so that Y(1) - Y(0) carries only the noise of the difference."""
        p, people, rng = self.params, self.people, self.rng1
        counts = {m: v.copy() for m, v in y0.counts.items()}
        audio = y0.audio.copy()
        mu: dict[str, FloatArray] = {}
        if len(rows) == 0:
            return _Draw(counts=counts, audio=audio, mu=mu)
        pe, mid = int(self.cal.period_end[t]), float(self.cal.mid[t])
        day = self.trained_day[rows]
        adopted_on = self.adopted_on[rows]
        adopted_on = np.where(self.induced[rows], np.minimum(adopted_on, day), adopted_on)
        maturity = _maturity(adopted_on, pe, mid, p)
        ramp = effect_ramp((pe - day).astype(np.float64), p) * people.effect_het[rows]
        channel = p.merger_channel_boost if self.cal.after_merger[t] else 1.0
        extra: dict[str, Int64Array] = {}
        for m in TEAMS_COUNT_METRICS:
            level = self.base[m] * (channel if m == "teams_channel" else 1.0) * teams_level[rows]
            mu[m] = level * maturity * (1.0 + self.size[m] * ramp)
            extra[m] = _poisson(rng, (mu[m] - y0.mu[m][rows]) * g_teams[rows])
            counts[m][rows] += extra[m]
        more_meetings = extra["teams_meetings_attended"]
        counts["teams_meetings_organized"][rows] += rng.binomial(
            more_meetings, people.organizer_share[rows]
        )
        audio[rows] += _seconds(rng, more_meetings, p.meeting_minutes, p.meeting_minutes_shape)
        audio[rows] += _seconds(rng, extra["teams_calls"], p.call_minutes, p.call_minutes_shape)
        index = maturity * (1.0 + shock[rows]) * (1.0 + self.size["teams_private_chat"] * ramp)
        mu["email_sent"] = (
            self.base["email_sent"] * mail[rows] * np.exp(-p.email_substitution * index)
        )
        mu0 = y0.mu["email_sent"][rows]
        keep = np.divide(mu["email_sent"], mu0, out=np.ones(len(rows)), where=mu0 > 0)
        counts["email_sent"][rows] = rng.binomial(
            y0.counts["email_sent"][rows], np.clip(keep, 0.0, 1.0)
        )
        for m in ONEDRIVE_METRICS:
            mu[m] = y0.mu[m][rows] * (1.0 + self.size[m] * ramp)
            counts[m][rows] += _poisson(rng, (mu[m] - y0.mu[m][rows]) * g_files[rows])
        return _Draw(counts=counts, audio=audio, mu=mu)

    # -- recording --

    @staticmethod
    def _store(target: npt.NDArray[np.int32], t: int, values: npt.NDArray[np.generic]) -> None:
        clipped = np.clip(np.asarray(values, dtype=np.float64), 0.0, _INT32_MAX)
        target[:, t] = clipped.astype(np.int32)

    def _record(self, t: int, rows: Int64Array, y0: _Draw, y1: _Draw) -> None:
        """Truth cells: every licensed period of a trained person within the event window
        before training (effect exactly 0), every licensed period from the training day on."""
        truth, pe = self.truth, int(self.cal.period_end[t])
        lic = self.licensed[:, t]
        pre = np.flatnonzero(lic & self.trained & (self.trained_day > pe))
        if len(pre):
            e = np.floor_divide(pe - self.trained_day[pre], 7)
            mu_pre = {m: v[pre] for m, v in y0.mu.items()}
            cells = _cell_values(y0.counts, y0.counts, y0.mu, mu_pre, pre)
            truth.by_event.add(np.where(e >= EVENT_TIME_MIN, e - EVENT_TIME_MIN, -1), cells)
        if len(rows) == 0:
            return
        cells = _cell_values(y0.counts, y1.counts, y0.mu, y1.mu, rows)
        e = np.floor_divide(pe - self.trained_day[rows], 7)
        zeros = np.zeros(len(rows), dtype=np.int64)
        truth.overall.add(zeros, cells)
        after_lockdown = pe >= _day_number(self.config.lockdown_date)
        truth.overall.add(zeros + (2 if after_lockdown else 1), cells)
        truth.by_cohort.add(self.cohort_of[rows], cells)
        truth.by_event.add(e - EVENT_TIME_MIN, cells)
        truth.by_period.add(zeros + t, cells)
        messages = ("teams_private_chat", "teams_channel")
        already = self.adopted_on[rows] <= self.trained_day[rows]
        days = (pe - self.trained_day[rows]).astype(np.float64)
        truth.intensive.add(
            np.where(already, e - EVENT_TIME_MIN, -1),
            {
                "cells": np.ones(len(rows)),
                "y0": cells["teams_messages.y0"],
                "y1": cells["teams_messages.y1"],
                "mu0": sum((y0.mu[m][rows] for m in messages), np.zeros(len(rows))),
                "mu1": sum((y1.mu[m] for m in messages), np.zeros(len(rows))),
                "ramp": effect_ramp(days, self.params),
            },
        )

    def _record_lockdown(self, pe: int, lic: BoolArray, y0: _Draw) -> None:
        """Y(0) of people not trained before the end of the lockdown window, by unit type."""
        lockdown = _day_number(self.config.lockdown_date)
        rows = np.flatnonzero(lic & (self.trained_day >= lockdown + LOCKDOWN_WINDOW_DAYS))
        counts = y0.counts
        messages = (counts["teams_private_chat"] + counts["teams_channel"])[rows]
        code = self.people.type_index[rows] * 2 + (1 if pe >= lockdown else 0)
        self.truth.lockdown.add(
            code,
            {
                "cells": np.ones(len(rows)),
                "messages": messages.astype(np.float64),
                "active": _active(counts)[rows].astype(np.float64),
            },
        )

    # -- the ground truth --

    def _truth(self) -> dict[str, object]:
        truth, params, config = self.truth, self.params, self.config
        by_event: list[dict[str, object]] = []
        for k, e in enumerate(range(EVENT_TIME_MIN, EVENT_TIME_MAX + 1)):
            row: dict[str, object] = {"event_time": e, **truth.by_event.summary(k)}
            cells = float(truth.intensive.get("cells")[k])
            y0 = float(truth.intensive.get("y0")[k])
            mu0 = float(truth.intensive.get("mu0")[k])
            row["teams_messages_intensive"] = (
                {
                    "cells": int(cells),
                    "relative": float(truth.intensive.get("y1")[k]) / y0 - 1.0 if y0 else None,
                    "planted_relative": float(truth.intensive.get("mu1")[k]) / mu0 - 1.0
                    if mu0
                    else None,
                    "mean_ramp": float(truth.intensive.get("ramp")[k]) / cells,
                }
                if cells
                else None
            )
            by_event.append(row)
        people_per_cohort = np.bincount(self.cohort_of[self.trained], minlength=len(self.cohorts))
        by_cohort = [
            {
                "cohort": _date(int(monday)).isoformat(),
                "people": int(people_per_cohort[k]),
                **truth.by_cohort.summary(k),
            }
            for k, monday in enumerate(self.cohorts)
        ]
        by_period = [
            {"period_end": str(day), **truth.by_period.summary(t)}
            for t, day in enumerate(self.pe_dates)
        ]
        intensity = params.by_type(params.lockdown_intensity)
        lockdown: dict[str, object] = {}
        for k, unit_type in enumerate(UNIT_TYPES):
            before, after = 2 * k, 2 * k + 1
            counted = truth.lockdown.get("cells")
            entry: dict[str, object] = {
                "planted_teams_multiplier": 1.0 + float(intensity[k]),
                "cells_before": int(counted[before]),
                "cells_after": int(counted[after]),
            }
            for stat, label in (("messages", "teams_messages"), ("active", "teams_active")):
                if counted[before] and counted[after]:
                    mean_before = float(truth.lockdown.get(stat)[before] / counted[before])
                    mean_after = float(truth.lockdown.get(stat)[after] / counted[after])
                    entry[label] = {
                        "mean_y0_before": mean_before,
                        "mean_y0_after": mean_after,
                        "effect": mean_after - mean_before,
                        "ratio": mean_after / mean_before if mean_before else None,
                    }
                else:
                    entry[label] = None
            lockdown[unit_type] = entry
        checkpoints = {
            "first_training": params.waves[0].first_day if params.waves else config.start,
            "merger": config.merger_date,
            "lockdown": config.lockdown_date,
            "end": config.end,
        }
        adoption: dict[str, object] = {}
        for label, day in checkpoints.items():
            t = int(np.searchsorted(self.pe_dates, np.datetime64(day, "D"), side="right")) - 1
            t = min(max(t, 0), len(self.pe_dates) - 1)
            adoption[label] = {
                "period_end": str(self.pe_dates[t]),
                "share_by_unit_type": {
                    unit_type: float(self.adoption_share[t, k])
                    for k, unit_type in enumerate(UNIT_TYPES)
                },
            }
        population = self.population
        leaders = population.is_manager | population.is_champion
        return {
            "seed": config.seed,
            "granularity": config.granularity,
            "period_days": self.period_days,
            "periods": len(self.pe_dates),
            "first_period_end": str(self.pe_dates[0]),
            "last_period_end": str(self.pe_dates[-1]),
            "people": self.n,
            "merger_date": config.merger_date.isoformat(),
            "lockdown_date": config.lockdown_date.isoformat(),
            "params": _jsonable(params),
            "definitions": {
                "teams_messages": "teams_private_chat + teams_channel in the period",
                "teams_active": "1 if any Teams message, call or meeting in the period, else 0",
                "cells": "licensed periods of trained people; from the period holding the "
                "training day on (event time >= 0), or before it (event time < 0, effect 0)",
                "att": "mean of Y(1) - Y(0) over the cells: the realised (sample) ATT",
                "att_expected": "mean of E[Y(1) - Y(0)] given the planted intensities",
                "relative": "sum Y(1) / sum Y(0) - 1 over the cells",
                "event_time": "floor((period_end - training day) / 7): weeks since training",
                "cohort": "Monday of the training week",
                "intensive": "cells of people who used Teams in Y(0) before their training; "
                "planted_relative = the planted multiplicative effect, weighted by Y(0) intensity",
                "lockdown": "mean Y(0) per person-period 8 weeks from the lockdown date minus "
                "the 8 weeks before, among people not trained before the window ends",
            },
            "training": {
                "selection": params.selection,
                "trained": int(self.trained.sum()),
                "never_trained": int((~self.trained).sum()),
                "leaders": int(leaders.sum()),
                "leaders_trained": int((self.trained & leaders).sum()),
                "waves": self.schedule.waves,
                "cohorts": {
                    _date(int(monday)).isoformat(): int(people_per_cohort[k])
                    for k, monday in enumerate(self.cohorts)
                },
            },
            "effects": {
                "overall": truth.overall.summary(0),
                "before_lockdown": truth.overall.summary(1),
                "after_lockdown": truth.overall.summary(2),
                "by_cohort": by_cohort,
                "by_event_time": by_event,
                "by_period": by_period,
            },
            "lockdown": {
                "date": config.lockdown_date.isoformat(),
                "window_weeks": LOCKDOWN_WINDOW_DAYS // 7,
                "by_unit_type": lockdown,
            },
            "teams_adoption_y0": adoption,
        }


def _jsonable(value: object) -> object:
    """Dataclasses, dates and (key, value) tables as JSON-ready dicts, lists and strings."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        items = list(value)
        if items and all(
            isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            for item in items
        ):
            return {str(k): _jsonable(v) for k, v in items}
        return [_jsonable(item) for item in items]
    if isinstance(value, np.generic):
        return value.item()
    return value


def simulate(
    population: Population,
    config: SimulationConfig,
    params: BehaviourParams = DEFAULT_PARAMS,
) -> tuple[Panel, dict[str, object]]:
    """Simulate everyone's activity per period with and without training.

    Returns the panel (observed = Y(1) for the trained from their training period on, Y(0)
    otherwise; ``counterfactual`` = Y(0) of ``AFFECTED_METRICS``) and the ground truth, a dict of
    plain JSON values for ``truth.json``. Deterministic for ``config.seed``.
    """
    return _Simulator(population, config, params).run()
