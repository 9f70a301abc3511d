"""The behaviour model: planted effects, potential outcomes and the ground truth it reports.

The tests build their own small population with numpy (a few units of every type, managers,
champions, hires and leavers), so they do not depend on organisation.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import numpy.typing as npt
import pytest

from veikart.demo.simulator.behaviour import (
    AFFECTED_METRICS,
    EVENT_TIME_MIN,
    TRUTH_OUTCOMES,
    BehaviourParams,
    simulate,
)
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import (
    FORMER_ORGS,
    METRICS,
    UNIT_TYPES,
    Panel,
    Population,
    UnitRow,
)

PEOPLE = 2000
TYPE_WEIGHTS = np.array([0.15, 0.2, 0.12, 0.3, 0.08, 0.05, 0.1])  # in UNIT_TYPES order
MERGER = np.datetime64("2020-01-01")


def make_population(n: int = PEOPLE, seed: int = 7, units_per_type: int = 3) -> Population:
    """A small population: per unit type ``units_per_type`` units in each former organisation
    before the merger and as many merged units after it; the first member of a unit manages it
    (and reports to nobody); about 3% champions, 12% hired during the span, 12% leaving."""
    rng = np.random.default_rng(seed)
    units: list[UnitRow] = []
    before: dict[tuple[int, int], list[int]] = {}
    after: dict[int, list[int]] = {}
    for k, kind in enumerate(UNIT_TYPES):
        for o, org_name in enumerate(FORMER_ORGS):
            for j in range(units_per_type):
                before.setdefault((k, o), []).append(len(units))
                units.append(
                    UnitRow(
                        f"{org_name[0]}{k}{j}",
                        f"{org_name} {kind} {j}",
                        "",
                        kind,
                        org_name,
                        "",
                        "2019-12-31",
                        f"n{k}{j}",
                    )
                )
        for j in range(units_per_type):
            after.setdefault(k, []).append(len(units))
            units.append(UnitRow(f"n{k}{j}", f"{kind} {j}", "", kind, "", "2020-01-01", "", ""))
    unit_type = rng.choice(len(UNIT_TYPES), size=n, p=TYPE_WEIGHTS / TYPE_WEIGHTS.sum())
    org = rng.integers(0, 2, n)
    slot = rng.integers(0, units_per_type, n)
    unit_before = np.array(
        [before[(int(t), int(o))][int(s)] for t, o, s in zip(unit_type, org, slot, strict=True)]
    )
    unit_after = np.array([after[int(t)][int(s)] for t, s in zip(unit_type, slot, strict=True)])

    span_start = np.datetime64("2019-01-01")
    hired = rng.random(n) < 0.12
    start = np.where(
        hired,
        span_start + rng.integers(0, 900, n),
        np.datetime64("2010-01-01") + rng.integers(0, 3000, n),
    ).astype("datetime64[D]")
    leaves = rng.random(n) < 0.12
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    end[leaves] = np.maximum(start[leaves], span_start) + rng.integers(30, 900, int(leaves.sum()))
    joins_after = start >= MERGER
    leaves_before = ~np.isnat(end) & (end < MERGER)
    unit_before = np.where(joins_after, -1, unit_before).astype(np.int32)
    unit_after = np.where(leaves_before, -1, unit_after).astype(np.int32)

    is_manager = np.zeros(n, dtype=bool)
    manager_before = np.full(n, -1, dtype=np.int32)
    manager_after = np.full(n, -1, dtype=np.int32)
    for unit_of, manager_of in ((unit_before, manager_before), (unit_after, manager_after)):
        for u in np.unique(unit_of[unit_of >= 0]):
            members = np.flatnonzero(unit_of == u)
            is_manager[members[0]] = True
            manager_of[members[1:]] = members[0]
    is_champion = ~is_manager & (rng.random(n) < 0.03)
    names = [f"p{i}" for i in range(n)]
    return Population(
        units=units,
        employee_number=[str(100000 + i) for i in range(n)],
        given_name=names,
        family_name=names,
        title=["Rådgiver"] * n,
        upn_before=[f"{name}@moss.kommune.no" for name in names],
        upn_after=[f"{name}@moss.kommune.no" for name in names],
        user_id=[f"{i:032x}" for i in range(n)],
        former_org=np.where(joins_after, -1, org).astype(np.int8),
        unit_type=unit_type.astype(np.int8),
        unit_before=unit_before,
        unit_after=unit_after,
        is_manager=is_manager,
        manager_before=manager_before,
        manager_after=manager_after,
        is_champion=is_champion,
        start=start,
        end=end,
    )


Run = tuple[Panel, dict[str, object]]


@pytest.fixture(scope="module")
def population() -> Population:
    return make_population()


@pytest.fixture(scope="module")
def config() -> SimulationConfig:
    return SimulationConfig(employees=PEOPLE)


@pytest.fixture(scope="module")
def run(population: Population, config: SimulationConfig) -> Run:
    return simulate(population, config)


def section(truth: dict[str, object], *keys: str | int) -> object:
    value: object = truth
    for key in keys:
        value = value[key]  # type: ignore[index]
    return value


def messages(metrics: dict[str, npt.NDArray[np.int32]]) -> npt.NDArray[np.int64]:
    return metrics["teams_private_chat"].astype(np.int64) + metrics["teams_channel"]


def columns(panel: Panel, first: str, last: str) -> npt.NDArray[np.int64]:
    pe = panel.period_end
    return np.flatnonzero((pe >= np.datetime64(first)) & (pe <= np.datetime64(last)))


def per_licensed(
    panel: Panel, values: npt.NDArray[np.generic], cols: npt.NDArray[np.int64]
) -> float:
    lic = panel.licensed[:, cols]
    return float((values[:, cols] * lic).sum() / lic.sum())


# --- The panel ---------------------------------------------------------------------------------


def test_same_seed_same_panel_and_truth(
    population: Population, config: SimulationConfig, run: Run
) -> None:
    panel, truth = run
    again, truth_again = simulate(population, config)
    for name in METRICS:
        assert np.array_equal(panel.metrics[name], again.metrics[name])
    for name in AFFECTED_METRICS:
        assert np.array_equal(panel.counterfactual[name], again.counterfactual[name])
    assert panel.trained_on is not None and again.trained_on is not None
    assert np.array_equal(panel.trained_on, again.trained_on, equal_nan=True)
    assert json.dumps(truth, sort_keys=True) == json.dumps(truth_again, sort_keys=True)

    other, _ = simulate(population, dataclasses.replace(config, seed=config.seed + 1))
    assert not np.array_equal(panel.metrics["email_sent"], other.metrics["email_sent"])


def test_panel_covers_the_span_weekly(population: Population, run: Run) -> None:
    panel, _ = run
    assert panel.period_days == 7
    assert len(panel.period_end) == 130
    assert str(panel.period_end[0]) == "2019-01-06" and str(panel.period_end[-1]) == "2021-06-27"
    assert set((panel.period_end.astype(np.int64) + 3) % 7) == {6}  # all Sundays
    assert set(panel.metrics) == set(METRICS)
    assert set(panel.counterfactual) == set(AFFECTED_METRICS)
    for values in [*panel.metrics.values(), *panel.counterfactual.values()]:
        assert values.dtype == np.int32 and values.shape == (len(population), 130)
        assert values.min() >= 0

    period_start = panel.period_end - np.timedelta64(6, "D")
    employed = (population.start[:, None] <= panel.period_end[None, :]) & (
        np.isnat(population.end)[:, None] | (population.end[:, None] >= period_start[None, :])
    )
    assert np.array_equal(panel.licensed, employed)


def test_no_activity_where_not_licensed(run: Run) -> None:
    panel, _ = run
    assert (~panel.licensed).sum() > 0
    for values in [*panel.metrics.values(), *panel.counterfactual.values()]:
        assert not values[~panel.licensed].any()


def test_observed_is_y0_except_after_training(run: Run) -> None:
    panel, _ = run
    assert panel.trained_on is not None
    treated = panel.period_end[None, :] >= panel.trained_on[:, None]  # NaT compares False
    for name in AFFECTED_METRICS:
        observed, y0 = panel.metrics[name], panel.counterfactual[name]
        assert np.array_equal(observed[~treated], y0[~treated])
    assert (messages(panel.metrics)[treated] > messages(panel.counterfactual)[treated]).mean() > 0.3


def test_meetings_calls_and_durations_agree(run: Run) -> None:
    panel, _ = run
    m, p = panel.metrics, BehaviourParams()
    assert (m["teams_meetings_organized"] <= m["teams_meetings_attended"]).all()
    assert (m["teams_video_seconds"] <= m["teams_audio_seconds"]).all()
    typical = (
        m["teams_meetings_attended"].sum() * p.meeting_minutes * 60
        + m["teams_calls"].sum() * p.call_minutes * 60
    )
    assert m["teams_audio_seconds"].sum(dtype=np.int64) / typical == pytest.approx(1.0, abs=0.03)
    no_meetings = (m["teams_meetings_attended"] == 0) & (m["teams_calls"] == 0)
    assert not m["teams_audio_seconds"][no_meetings].any()


def test_daily_periods(population: Population) -> None:
    config = SimulationConfig(
        employees=PEOPLE, granularity="daily", start=dt.date(2020, 2, 1), end=dt.date(2020, 4, 30)
    )
    panel, truth = simulate(population, config)
    assert panel.period_days == 1 and len(panel.period_end) == 90
    weekday = (panel.period_end.astype(np.int64) + 3) % 7
    sent = panel.metrics["email_sent"]
    assert sent[:, weekday >= 5].mean() < 0.2 * sent[:, weekday < 5].mean()
    json.dumps(truth, allow_nan=False)


# --- Training schedule -------------------------------------------------------------------------


def test_autumn_2019_training(population: Population, run: Run) -> None:
    panel, truth = run
    assert panel.trained_on is not None
    trained_on = panel.trained_on
    autumn = (trained_on >= np.datetime64("2019-09-01")) & (
        trained_on <= np.datetime64("2019-12-31")
    )
    expected = round(400 * PEOPLE / 3500)
    assert autumn.sum() == pytest.approx(expected, rel=0.05)
    wave = section(truth, "training", "waves", 0)
    assert wave["name"] == "autumn-2019" and wave["trained"] == autumn.sum()  # type: ignore[index]

    # Sessions on Tuesday to Thursday, at most 20 seats each and 40 per week.
    days, seats = np.unique(trained_on[autumn], return_counts=True)
    assert seats.max() <= 20
    assert set((days.astype(np.int64) + 3) % 7) <= {1, 2, 3}
    weeks = (days.astype(np.int64) + 3) // 7
    per_week = np.bincount(weeks - weeks.min(), weights=seats)
    assert per_week.max() <= 40

    # Leaders and champions first.
    leaders = population.is_manager | population.is_champion
    order = np.argsort(trained_on[autumn].astype(np.int64), kind="stable")
    first = leaders[autumn][order][:50]
    assert first.mean() >= 0.9
    employed_in_autumn = (population.start <= np.datetime64("2019-09-03")) & (
        np.isnat(population.end) | (population.end >= np.datetime64("2019-12-31"))
    )
    assert autumn[leaders & employed_in_autumn].all()


def test_later_waves_and_never_trained(run: Run) -> None:
    panel, truth = run
    assert panel.trained_on is not None
    trained = ~np.isnat(panel.trained_on)
    later = trained & (panel.trained_on >= np.datetime64("2020-01-01"))
    assert 0 < later.sum() < (trained & ~later).sum()
    assert (~trained).mean() > 0.5
    cohorts = section(truth, "training", "cohorts")
    assert isinstance(cohorts, dict)
    assert sum(cohorts.values()) == trained.sum()
    for monday in cohorts:
        assert dt.date.fromisoformat(monday).weekday() == 0


# --- The ground truth --------------------------------------------------------------------------


def test_truth_is_plain_json(run: Run) -> None:
    _, truth = run
    text = json.dumps(truth, allow_nan=False)
    assert json.loads(text) == truth
    params = section(truth, "params")
    assert isinstance(params, dict)
    assert {f.name for f in dataclasses.fields(BehaviourParams)} == set(params)
    assert section(truth, "params", "pc_time", "office") == 1.0


def test_event_time_truth_follows_the_planted_curve(run: Run) -> None:
    _, truth = run
    rows = section(truth, "effects", "by_event_time")
    assert isinstance(rows, list)
    by_e = {row["event_time"]: row for row in rows}
    for e in range(EVENT_TIME_MIN, 0):  # before training Y(1) = Y(0): exactly no effect
        assert by_e[e]["cells"] > 0
        for outcome in TRUTH_OUTCOMES:
            assert by_e[e][outcome]["att"] == 0.0

    att = {e: by_e[e]["teams_messages"]["att"] for e in range(53)}
    early = np.mean([att[e] for e in (0, 1)])
    middle = np.mean([att[e] for e in range(4, 8)])
    late = np.mean([att[e] for e in range(12, 30)])
    assert 0 < early < middle < late

    # Among people who already used Teams, the realised relative effect is the planted one.
    intensive = [by_e[e]["teams_messages_intensive"] for e in range(53)]
    ramp = [row["mean_ramp"] for row in intensive]
    assert ramp == sorted(ramp) and ramp[0] < 0.2 and ramp[20] > 0.95
    planted = np.array([row["planted_relative"] for row in intensive])
    realised = np.array([row["relative"] for row in intensive])
    assert np.abs(realised - planted).max() < 0.12
    assert realised[12:40].mean() == pytest.approx(planted[12:40].mean(), abs=0.03)
    assert realised[:2].mean() < 0.5 * realised[12:40].mean()

    # ... and the realised effects match their expected values.
    overall = section(truth, "effects", "overall")
    assert isinstance(overall, dict)
    for outcome in ("teams_messages", "teams_meetings_attended", "email_sent"):
        entry = overall[outcome]
        assert entry["att"] == pytest.approx(entry["att_expected"], rel=0.05)
    assert overall["teams_messages"]["att"] > 0 and overall["teams_active"]["att"] > 0
    assert overall["email_sent"]["att"] < 0


def test_plateau_effect_matches_the_parameters(population: Population, run: Run) -> None:
    """Independent of the truth: private chat of people who chatted before their training is
    multiplied by 1 + size × role multiplier once the effect has built up."""
    panel, _ = run
    params = BehaviourParams()
    assert panel.trained_on is not None
    trained = np.flatnonzero(~np.isnat(panel.trained_on))
    chat1 = panel.metrics["teams_private_chat"]
    chat0 = panel.counterfactual["teams_private_chat"]
    weeks = (panel.period_end[None, :] - panel.trained_on[trained, None]).astype(np.int64) // 7
    chatted = np.any((weeks >= -4) & (weeks < 0) & (chat0[trained] > 0), axis=1)
    plateau = (weeks >= 20) & (weeks <= 40) & chatted[:, None]
    y0 = np.where(plateau, chat0[trained], 0).sum(axis=1)
    y1 = np.where(plateau, chat1[trained], 0).sum(axis=1)
    role = np.where(population.is_manager[trained], params.effect_manager, 1.0)
    role = np.where(population.is_champion[trained], params.effect_champion, role)
    expected = dict(params.effect_size)["teams_private_chat"] * (y0 * role).sum() / y0.sum()
    assert y1.sum() / y0.sum() - 1 == pytest.approx(expected, rel=0.2)


def test_effects_by_cohort_and_lockdown_split(run: Run) -> None:
    _, truth = run
    by_cohort = section(truth, "effects", "by_cohort")
    assert isinstance(by_cohort, list)
    assert sum(row["people"] for row in by_cohort) == section(truth, "training", "trained")
    overall = section(truth, "effects", "overall")
    before = section(truth, "effects", "before_lockdown")
    after = section(truth, "effects", "after_lockdown")
    assert isinstance(overall, dict) and isinstance(before, dict) and isinstance(after, dict)
    assert before["cells"] + after["cells"] == overall["cells"]
    pooled = (
        before["cells"] * before["teams_messages"]["att"]
        + after["cells"] * after["teams_messages"]["att"]
    ) / overall["cells"]
    assert pooled == pytest.approx(overall["teams_messages"]["att"])
    cells = sum(row["cells"] for row in by_cohort)
    assert cells == overall["cells"]


# --- Shocks and the calendar -------------------------------------------------------------------


def test_lockdown_hits_office_hardest_and_care_least(population: Population, run: Run) -> None:
    panel, truth = run
    by_type = section(truth, "lockdown", "by_unit_type")
    assert isinstance(by_type, dict)
    effect = {t: by_type[t]["teams_messages"]["effect"] for t in UNIT_TYPES}
    assert max(effect, key=effect.__getitem__) == "office"
    assert min(effect, key=effect.__getitem__) == "care"
    planted = {t: by_type[t]["planted_teams_multiplier"] for t in UNIT_TYPES}
    assert planted["office"] == max(planted.values()) and planted["care"] == min(planted.values())

    # The same in the observed panel, as the ratio of 8 weeks after to 8 weeks before.
    before = columns(panel, "2020-01-19", "2020-03-08")
    after = columns(panel, "2020-03-15", "2020-05-03")
    y = messages(panel.metrics)
    ratio = {}
    for k, unit_type in enumerate(UNIT_TYPES):
        rows = population.unit_type == k
        lic = panel.licensed[rows]
        mean_after = (y[rows][:, after] * lic[:, after]).sum() / lic[:, after].sum()
        mean_before = (y[rows][:, before] * lic[:, before]).sum() / lic[:, before].sum()
        ratio[unit_type] = mean_after / mean_before
    assert ratio["office"] > 1.8
    assert ratio["office"] > ratio["care"] + 0.5


def test_email_sent_declines_as_teams_rises(run: Run) -> None:
    panel, _ = run
    spring_2019 = columns(panel, "2019-02-10", "2019-04-07")
    spring_2021 = columns(panel, "2021-02-07", "2021-04-04")
    teams = messages(panel.metrics)
    assert per_licensed(panel, teams, spring_2021) > 5 * per_licensed(panel, teams, spring_2019)
    sent = panel.metrics["email_sent"]
    assert per_licensed(panel, sent, spring_2021) < 0.92 * per_licensed(panel, sent, spring_2019)


def test_holiday_weeks_are_lower(run: Run) -> None:
    panel, _ = run
    activity = panel.metrics["email_sent"].astype(np.int64) + messages(panel.metrics)
    for year in (2019, 2020):
        june = per_licensed(panel, activity, columns(panel, f"{year}-06-02", f"{year}-06-16"))
        fellesferie = per_licensed(
            panel, activity, columns(panel, f"{year}-07-14", f"{year}-07-28")
        )
        assert fellesferie < 0.5 * june
        december = per_licensed(panel, activity, columns(panel, f"{year}-12-01", f"{year}-12-15"))
        christmas = per_licensed(panel, activity, columns(panel, f"{year}-12-23", f"{year}-12-29"))
        assert christmas < 0.5 * december


# --- Selection ---------------------------------------------------------------------------------


def pre_trend(population: Population, panel: Panel) -> tuple[float, float]:
    """Difference in the 2019 slope (per year) of Y(0) e-mail sent, within unit type, between
    the people trained in autumn 2019 and the never trained; and its t statistic."""
    cols = columns(panel, "2019-01-06", "2019-08-25")
    y = panel.counterfactual["email_sent"][:, cols].astype(np.float64)
    full = panel.licensed[:, cols].all(axis=1)
    kind = population.unit_type
    resid = np.zeros_like(y)
    for k in np.unique(kind):
        resid[kind == k] = y[kind == k] - y[(kind == k) & full].mean(axis=0)
    x = np.arange(len(cols)) / 52.0
    x -= x.mean()
    slope = resid @ x / (x @ x)
    assert panel.trained_on is not None
    autumn = full & (panel.trained_on < np.datetime64("2020-01-01"))
    never = full & np.isnat(panel.trained_on)
    diff = slope[autumn].mean() - slope[never].mean()
    se = np.sqrt(slope[autumn].var() / autumn.sum() + slope[never].var() / never.sum())
    return float(diff), float(diff / se)


def test_selection_on_trends_makes_pre_trends(
    population: Population, config: SimulationConfig
) -> None:
    params = BehaviourParams(person_trend_sd=0.5)
    levels, _ = simulate(population, config, params)
    trends, truth = simulate(population, config, dataclasses.replace(params, selection="trends"))
    assert section(truth, "training", "selection") == "trends"
    # Y(0) does not depend on who is trained: only the groups differ.
    for name in AFFECTED_METRICS:
        assert np.array_equal(levels.counterfactual[name], trends.counterfactual[name])
    diff_levels, t_levels = pre_trend(population, levels)
    diff_trends, t_trends = pre_trend(population, trends)
    assert abs(t_levels) < 3
    assert t_trends > 2.5
    assert t_trends - t_levels > 2
    assert diff_trends > diff_levels


def test_params_are_checked() -> None:
    with pytest.raises(ValueError, match="unit type"):
        BehaviourParams(pc_time=(("office", 1.0),))
    with pytest.raises(ValueError, match="selection"):
        BehaviourParams(selection="random")  # type: ignore[arg-type]
