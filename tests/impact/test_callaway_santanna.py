"""Callaway & Sant'Anna (2021) through the public API of ``veikart.impact.stats``.

Three kinds of evidence: equality with csdid 0.4.3 (a test-only port validated against R's did) on
simulated staggered panels, R's own output on the did package's ``mpdta`` data, and recovery of
effects planted in simulated data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from veikart.impact.stats import AggregationKind, AttGtResult, ControlGroup, att_gt

DATA = Path(__file__).parent / "data"
CONTROLS: dict[ControlGroup, str] = {"never": "nevertreated", "notyet": "notyettreated"}
KINDS: tuple[AggregationKind, ...] = ("simple", "group", "dynamic", "calendar")
DESIGNS = [(c, b) for c in CONTROLS for b in ("varying", "universal")]


def staggered_panel(
    *,
    units: int = 300,
    periods: int = 12,
    cohorts: tuple[int, ...] = (4, 6, 9),
    never_share: float = 0.3,
    pretrend: float = 0.0,
    seed: int = 1,
) -> pd.DataFrame:
    """Unit and period effects, cohorts that differ in level, and effects that grow with exposure
    and differ by cohort: ``1 + 0.5 e + 0.1 g`` in event time ``e ≥ 0``. ``pretrend`` adds a
    trend to the eventually treated (a violation of parallel trends)."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(units) < never_share, 0, rng.choice(cohorts, units))
    t = np.arange(1, periods + 1)
    e = t[None, :] - g[:, None]
    effect = np.where((g[:, None] > 0) & (e >= 0), 1.0 + 0.5 * e + 0.1 * g[:, None], 0.0)
    trend = pretrend * (g[:, None] > 0) * t[None, :]
    level = rng.normal(0, 1, units)[:, None] + 0.3 * (g[:, None] > 0)
    y = level + np.cumsum(rng.normal(0, 0.5, periods)) + effect + trend
    y = y + rng.normal(0, 1, (units, periods))
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(1, units + 1), periods),
            "t": np.tile(t, units),
            "y": y.ravel(),
            "g": np.repeat(g, periods),
            "team": np.repeat(np.arange(units) // 10, periods),
        }
    )


def estimate(data: pd.DataFrame, **kwargs: Any) -> AttGtResult:
    return att_gt(data, y="y", unit="id", time="t", cohort="g", **kwargs)


def csdid(data: pd.DataFrame, control: ControlGroup, base: str, cluster: str | None = None) -> Any:
    """csdid's ATTgt with analytic standard errors (it prints and warns a lot: silenced)."""
    from csdid.att_gt import ATTgt  # type: ignore[import-untyped]

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return ATTgt(
            yname="y", tname="t", idname="id", gname="g", data=data,
            control_group=CONTROLS[control], clustervar=cluster,
        ).fit(est_method="dr", base_period=base, bstrap=False)  # fmt: skip


def csdid_aggte(reference: Any, kind: str) -> dict[str, Any]:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return dict(reference.aggte(typec=kind).atte)


@cache
def simulated() -> pd.DataFrame:
    return staggered_panel()


@cache
def pair(control: ControlGroup, base: str, cluster: str | None = None) -> tuple[AttGtResult, Any]:
    data = simulated()
    return estimate(data, control_group=control, base_period=base, cluster=cluster), csdid(
        data, control, base, cluster
    )


def as_float(values: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(values, dtype=np.float64).ravel()


# --- equality with csdid ------------------------------------------------------------------------


@pytest.mark.parametrize(("control", "base"), DESIGNS)
def test_every_group_time_effect_and_standard_error_equals_csdid(
    control: ControlGroup, base: str
) -> None:
    ours, ref = pair(control, base)
    table = ours.table
    assert list(table.columns) == ["cohort", "time", "att", "se"]
    np.testing.assert_array_equal(table.cohort, as_float(ref.results["group"]))
    np.testing.assert_array_equal(table.time, as_float(ref.results["year"]))
    np.testing.assert_allclose(table.att, as_float(ref.results["att"]), rtol=0, atol=1e-10)
    # Universal base cells (t = g - 1) have no standard error in both.
    np.testing.assert_allclose(table.se, as_float(ref.results["se"]), rtol=0, atol=1e-10)


@pytest.mark.parametrize(("control", "base"), DESIGNS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_aggregation_equals_csdid(
    control: ControlGroup, base: str, kind: AggregationKind
) -> None:
    ours, ref = pair(control, base)
    expected = csdid_aggte(ref, kind)
    result = ours.aggregate(kind)
    assert result.overall_att == pytest.approx(expected["overall_att"], abs=1e-10)
    assert result.overall_se == pytest.approx(expected["overall_se"], abs=1e-10)
    if kind != "simple":
        key = {"group": "cohort", "dynamic": "e", "calendar": "time"}[kind]
        assert list(result.table.columns) == [key, "att", "se"]
        np.testing.assert_allclose(result.table[key], as_float(expected["egt"]))
        np.testing.assert_allclose(result.table.att, as_float(expected["att_egt"]), atol=1e-10)
        np.testing.assert_allclose(result.table.se, as_float(expected["se_egt"]), atol=1e-10)


@pytest.mark.parametrize(("control", "base"), DESIGNS)
def test_the_pretest_equals_csdids_wald_statistic(control: ControlGroup, base: str) -> None:
    ours, ref = pair(control, base)
    pretest = ours.pretest()
    assert pretest.statistic == pytest.approx(ref.MP["W"], rel=1e-9)
    assert pretest.p_value == pytest.approx(ref.MP["Wpval"], abs=5e-6)  # R rounds to 5 digits
    pre = ours.table[(ours.table.time < ours.table.cohort) & ours.table.se.notna()]
    assert pretest.df == len(pre)


@pytest.mark.parametrize("control", CONTROLS)
def test_standard_errors_clustered_on_a_coarser_column_equal_csdid(control: ControlGroup) -> None:
    ours, ref = pair(control, "varying", "team")
    assert ours.n_clusters == 30
    np.testing.assert_allclose(ours.table.se, as_float(ref.results["se"]), atol=1e-10)
    assert ours.pretest().statistic == pytest.approx(ref.MP["W"], rel=1e-9)
    for kind in KINDS:
        expected = csdid_aggte(ref, kind)
        assert ours.aggregate(kind).overall_se == pytest.approx(expected["overall_se"], abs=1e-10)


def _unbalanced() -> pd.DataFrame:
    data = staggered_panel(seed=4)
    return data[np.random.default_rng(4).random(len(data)) > 0.01]


def _gaps_between_periods() -> pd.DataFrame:
    data = staggered_panel(seed=7, cohorts=(4, 7, 9))
    return data[data.t % 2 == 0]  # cohorts 7 and 9 start between two observed periods


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(_unbalanced, id="leavers-and-joiners"),
        pytest.param(lambda: staggered_panel(seed=5, never_share=0.0), id="no-never-treated"),
        pytest.param(lambda: staggered_panel(seed=6, cohorts=(1, 4, 7, 15)), id="treated-first"),
        pytest.param(_gaps_between_periods, id="gaps-between-periods"),
    ],
)
@pytest.mark.parametrize(("control", "base"), DESIGNS)
def test_the_sample_rules_match_csdid(make: Any, control: ControlGroup, base: str) -> None:
    data = make()
    ours, ref = estimate(data, control_group=control, base_period=base), csdid(data, control, base)
    np.testing.assert_array_equal(ours.table.cohort, as_float(ref.results["group"]))
    np.testing.assert_array_equal(ours.table.time, as_float(ref.results["year"]))
    np.testing.assert_allclose(ours.table.att, as_float(ref.results["att"]), atol=1e-10)
    np.testing.assert_allclose(ours.table.se, as_float(ref.results["se"]), atol=1e-10)
    simple = csdid_aggte(ref, "simple")
    assert ours.aggregate("simple").overall_se == pytest.approx(simple["overall_se"], abs=1e-10)


# --- R's did on mpdta ---------------------------------------------------------------------------


@cache
def mpdta() -> pd.DataFrame:
    wide = pd.read_csv(DATA / "mpdta_wide.csv")
    long = wide.melt(id_vars=["countyreal", "first.treat"], var_name="year", value_name="lemp")
    return long.assign(year=long.year.str.removeprefix("lemp").astype(int))


@cache
def mpdta_result(control: ControlGroup) -> AttGtResult:
    return att_gt(
        mpdta(), y="lemp", unit="countyreal", time="year", cohort="first.treat",
        control_group=control, base_period="varying",
    )  # fmt: skip


SCENARIO = {"never": "mpdta_nev_dr", "notyet": "mpdta_nyt_dr"}


@pytest.mark.parametrize("control", CONTROLS)
def test_group_time_effects_on_mpdta_equal_r_did(control: ControlGroup) -> None:
    expected = pd.read_csv(DATA / "r_did_mpdta_attgt.csv").query("scenario == @SCENARIO[@control]")
    table = mpdta_result(control).table
    np.testing.assert_array_equal(table.cohort, expected.group)
    np.testing.assert_array_equal(table.time, expected.t)
    np.testing.assert_allclose(table.att, expected.att, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table.se, expected.se, rtol=0, atol=1e-12)


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("kind", KINDS)
def test_aggregations_on_mpdta_equal_r_did(control: ControlGroup, kind: AggregationKind) -> None:
    expected = pd.read_csv(DATA / "r_did_mpdta_aggte.csv").query(
        "scenario == @SCENARIO[@control] and type == @kind"
    )
    result = mpdta_result(control).aggregate(kind)
    assert result.overall_att == pytest.approx(expected.overall_att.iloc[0], abs=1e-12)
    assert result.overall_se == pytest.approx(expected.overall_se.iloc[0], abs=1e-12)
    if kind != "simple":
        np.testing.assert_allclose(result.table.iloc[:, 0], expected.egt)
        np.testing.assert_allclose(result.table.att, expected.att_egt, rtol=0, atol=1e-12)
        np.testing.assert_allclose(result.table.se, expected.se_egt, rtol=0, atol=1e-12)


@pytest.mark.parametrize("control", CONTROLS)
def test_the_pretest_on_mpdta_equals_r_did(control: ControlGroup) -> None:
    expected = pd.read_csv(DATA / "r_did_mpdta_pretest.csv").set_index("scenario")
    pretest = mpdta_result(control).pretest()
    assert pretest.statistic == pytest.approx(expected.W[SCENARIO[control]], rel=1e-10)
    assert round(pretest.p_value, 5) == expected.Wpval[SCENARIO[control]]
    assert pretest.df == 5


def test_it_reproduces_the_published_mpdta_example() -> None:
    # R's summary(att_gt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
    # xformla=~1, data=mpdta, est_method="reg")) as published at
    # https://rstudio-pubs-static.s3.amazonaws.com/736765_c47909c746704c79922fdc03ab352edf.html
    # (point estimates only: its standard errors are bootstrapped). Without covariates "reg" and
    # "dr" coincide.
    published = [
        -0.0105, -0.0704, -0.1373, -0.1008, 0.0065, -0.0028,
        -0.0046, -0.0412, 0.0305, -0.0027, -0.0311, -0.0261,
    ]  # fmt: skip
    result = mpdta_result("never")
    np.testing.assert_array_equal(result.table.att.round(4), published)
    assert round(result.pretest().p_value, 5) == 0.16812


# --- recovering planted effects -----------------------------------------------------------------

TRUE_EFFECT_BY_EVENT_TIME = {e: 1.5 + 0.5 * e for e in range(8)}  # cohort-homogeneous


def planted(*, pretrend: float = 0.0, seed: int = 11) -> pd.DataFrame:
    """2,000 units, 10 periods, cohorts 4/6/8 and 20 % never treated; effect 1.5 + 0.5 e."""
    data = staggered_panel(
        units=2000, periods=10, cohorts=(4, 6, 8), never_share=0.2, seed=seed, pretrend=pretrend
    )
    e = data.t - data.g
    # Replace the cohort-specific effect by a homogeneous one, so every aggregate has one truth.
    heterogeneous = np.where((data.g > 0) & (e >= 0), 1.0 + 0.5 * e + 0.1 * data.g, 0.0)
    homogeneous = np.where((data.g > 0) & (e >= 0), 1.5 + 0.5 * e, 0.0)
    return data.assign(y=data.y - heterogeneous + homogeneous)


@pytest.mark.parametrize("control", CONTROLS)
def test_a_planted_dynamic_effect_lies_in_the_uniform_band(control: ControlGroup) -> None:
    band = estimate(planted(), control_group=control).uniform_band("dynamic", seed=3)
    truth = band.table.e.map(lambda e: TRUE_EFFECT_BY_EVENT_TIME.get(int(e), 0.0))
    assert ((band.table.lower <= truth) & (truth <= band.table.upper)).all()
    assert band.critical_value > 1.96


@pytest.mark.parametrize("control", CONTROLS)
def test_a_planted_constant_effect_lies_in_the_95_percent_interval(control: ControlGroup) -> None:
    data = planted()
    e = data.t - data.g
    data = data.assign(y=data.y - np.where((data.g > 0) & (e >= 0), 0.5 * e - 1.0, 0.0))  # 2.5
    result = estimate(data, control_group=control)
    for kind in KINDS:
        aggregate = result.aggregate(kind)
        assert abs(aggregate.overall_att - 2.5) <= 1.96 * aggregate.overall_se, kind


def test_never_and_not_yet_treated_controls_agree_under_parallel_trends() -> None:
    data = planted()
    never = estimate(data, control_group="never").aggregate("dynamic")
    notyet = estimate(data, control_group="notyet").aggregate("dynamic")
    assert abs(never.overall_att - notyet.overall_att) < never.overall_se
    post = never.table.e >= 0
    gap = (never.table.att - notyet.table.att)[post].abs()
    assert (gap < 2 * never.table.se[post]).all()


def test_the_pretest_does_not_reject_parallel_trends() -> None:
    pretest = estimate(planted()).pretest()
    assert pretest.df == 12  # cohorts 4, 6, 8: 2 + 4 + 6 short differences before treatment
    assert pretest.p_value > 0.05


def test_the_pretest_rejects_a_planted_pretrend() -> None:
    pretest = estimate(planted(pretrend=0.2)).pretest()
    assert pretest.p_value < 1e-6


# --- behaviour of the API -----------------------------------------------------------------------


def test_it_drops_units_missing_a_period_and_says_so() -> None:
    data = simulated()
    leaver = data[~((data.id == 5) & (data.t > 8))]
    result = estimate(leaver)
    assert result.n_units == 299
    assert any("Dropped 1 units not observed in all 12 periods" in note for note in result.notes)


def test_nan_and_zero_both_mean_never_treated() -> None:
    data = simulated()
    with_nan = data.assign(g=data.g.where(data.g > 0))
    pd.testing.assert_frame_equal(estimate(with_nan).table, estimate(data).table)


def test_universal_base_cells_are_zero_without_a_standard_error() -> None:
    result = estimate(simulated(), base_period="universal")
    base = result.table[result.table.time == result.table.cohort - 1]
    assert len(base) == 3
    assert (base.att == 0).all()
    assert base.se.isna().all()
    dynamic = result.aggregate("dynamic").table.set_index("e")
    assert dynamic.att[-1] == 0 and np.isnan(dynamic.se[-1])


def test_min_e_and_max_e_restrict_the_event_study() -> None:
    result = estimate(simulated())
    window = result.aggregate("dynamic", min_e=-2, max_e=3)
    assert list(window.table.e) == [-2, -1, 0, 1, 2, 3]
    full = result.aggregate("dynamic").table.set_index("e")
    np.testing.assert_allclose(window.table.att, full.att.loc[-2:3])
    assert window.overall_att == pytest.approx(full.att.loc[0:3].mean())


def test_the_uniform_band_is_reproducible_and_wider_than_pointwise() -> None:
    result = estimate(simulated())
    first = result.uniform_band("dynamic", seed=42)
    again = result.uniform_band("dynamic", seed=42)
    mammen = result.uniform_band("dynamic", seed=42, weights="mammen")
    assert first.critical_value == again.critical_value
    assert 1.96 < first.critical_value < 4.0
    assert 1.96 < mammen.critical_value < 4.0
    ratio = first.table.se_bootstrap / first.table.se
    assert ratio.between(0.85, 1.15).all()
    cells = result.uniform_band("attgt", seed=1, draws=499)
    assert cells.critical_value > first.critical_value * 0.9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(g=np.where(d.t == 3, 5, d.g)), "same in every period"),
        (lambda d: pd.concat([d, d.head(1)]), "once per period"),
        (lambda d: d.drop(columns="y"), "columns not in the data"),
        (lambda d: d.assign(g=-1), "never treated"),
        (lambda d: d.assign(team=np.where(d.t == 3, -1, d.team)), "same in every period"),
    ],
)
def test_it_rejects_data_it_cannot_estimate(change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate(change(simulated()), cluster="team")


def test_it_refuses_too_few_never_treated_units_as_the_comparison_group() -> None:
    data = staggered_panel(never_share=0.005, seed=2)
    with pytest.raises(ValueError, match="never-treated units"):
        estimate(data, control_group="never")
    assert estimate(data, control_group="notyet").n_units == 300


def test_results_are_frozen() -> None:
    result = estimate(simulated())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_units = 1  # type: ignore[misc]


def test_the_engine_imports_no_django() -> None:
    code = "import sys, veikart.impact.stats; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
