"""The simulated organisation: Moss and Rygge before the merger, the new Moss kommune after it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import FORMER_ORGS, Population
from veikart.demo.simulator.organisation import (
    EMPLOYEE_HEADER,
    UNIT_HEADER,
    OrganisationParams,
    generate_population,
    managers_before,
    snapshot_dates,
    write_hr_export,
)

SMALL = SimulationConfig(employees=600, seed=7)
UPN = re.compile(r"^[a-z0-9][a-z0-9.-]*@[a-z0-9-]+(\.[a-z0-9-]+)+$")


@pytest.fixture(scope="module")
def population() -> Population:
    return generate_population(SimulationConfig(employees=3500))


@pytest.fixture(scope="module")
def small() -> Population:
    return generate_population(SMALL)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory, small: Population) -> list[Path]:
    return write_hr_export(small, SMALL, tmp_path_factory.mktemp("export"))


def employed_on(population: Population, day: dt.date) -> np.ndarray:
    d = np.datetime64(day, "D")
    return (population.start <= d) & (np.isnat(population.end) | (population.end >= d))


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_same_seed_writes_byte_identical_csv_and_xlsx_files(
    tmp_path: Path, export: list[Path]
) -> None:
    again = write_hr_export(generate_population(SMALL), SMALL, tmp_path)
    assert [p.relative_to(tmp_path) for p in again] == [
        p.relative_to(export[0].parents[2]) for p in export
    ]
    for first, second in zip(export, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_another_seed_gives_another_organisation(tmp_path: Path, export: list[Path]) -> None:
    other = SimulationConfig(employees=600, seed=8)
    files = write_hr_export(generate_population(other), other, tmp_path)
    assert files[1].read_bytes() != export[1].read_bytes()  # the first ansatte.csv


def test_the_staff_on_the_start_date_is_the_configured_size_two_thirds_in_moss(
    population: Population,
) -> None:
    staff = employed_on(population, dt.date(2019, 1, 1))
    assert staff.sum() == 3500
    moss = (population.former_org[staff] == FORMER_ORGS.index("moss")).mean()
    assert 0.6 <= moss <= 0.7
    assert 3300 <= employed_on(population, dt.date(2021, 6, 30)).sum() <= 3800


def test_people_leave_and_join_at_the_turnover_rate(population: Population) -> None:
    staff = employed_on(population, dt.date(2019, 1, 1))
    left = (~np.isnat(population.end) & staff).sum() / staff.sum()
    assert 0.10 <= left <= 0.25  # about 8 % a year over 2.5 years; managers stay
    joined = population.start > np.datetime64("2019-01-01")
    assert 0.12 <= joined.sum() / staff.sum() <= 0.3
    assert (population.start >= np.datetime64("1985-01-01")).all()
    ended = ~np.isnat(population.end)
    assert (population.end[ended] >= population.start[ended]).all()


def test_people_who_start_after_the_merger_belong_to_no_former_municipality(
    population: Population,
) -> None:
    new = population.start >= np.datetime64("2020-01-01")
    assert new.any()
    assert (population.former_org[new] == -1).all() and (population.unit_before[new] == -1).all()
    assert all(population.upn_before[i] == "" for i in np.flatnonzero(new))
    gone = ~employed_on(population, dt.date(2020, 1, 1)) & ~new
    assert (population.unit_after[gone] == -1).all()
    assert all(population.upn_after[i] == "" for i in np.flatnonzero(gone))


def test_every_pre_merger_unit_became_part_of_a_post_merger_unit(population: Population) -> None:
    units = {u.code: u for u in population.units}
    old = [u for u in population.units if u.former_org]
    new = [u for u in population.units if not u.former_org]
    assert {u.code[0] for u in old} == {"1", "2"} and {u.code[0] for u in new} == {"3"}
    assert len(units) == len(population.units)
    for unit in old:
        successor = units[unit.successor_code]
        assert not successor.former_org and unit.valid_to == "2019-12-31"
        if not unit.parent_code:  # a sector became part of a sector
            assert not successor.parent_code, unit.name
    assert all(u.valid_from == "2020-01-01" and not u.successor_code for u in new)
    assert {u.successor_code for u in old} == {u.code for u in new}


def test_the_organisation_grows_with_more_schools_and_kindergartens_named_after_places() -> None:
    small = generate_population(SimulationConfig(employees=600))
    large = generate_population(SimulationConfig(employees=12000))

    def schools(population: Population) -> list[str]:
        return [u.name for u in population.units if u.former_org and u.unit_type == "school"]

    names = [n for n in schools(large) if n.endswith(("skole", "ungdomsskole"))]
    assert len(names) > 4 * len([n for n in schools(small) if n.endswith("skole")])
    assert len(names) == len(set(names))
    assert "Hoppern skole" in names and "Rygge ungdomsskole" in names


def test_every_staffed_unit_has_exactly_one_manager_before_and_after_the_merger(
    population: Population,
) -> None:
    before, after = managers_before(population), population.is_manager
    for unit_of, leads, who in (
        (population.unit_before, before, population.unit_before >= 0),
        (population.unit_after, after & (population.unit_after >= 0), population.unit_after >= 0),
    ):
        managed = Counter(unit_of[leads].tolist())
        assert set(managed.values()) == {1}
        assert set(unit_of[who].tolist()) == set(managed)
    # Staff report to their unit's manager; one chief executive per organisation has none.
    for i in np.flatnonzero(population.unit_after >= 0)[:500]:
        boss = population.manager_after[i]
        if not population.is_manager[i]:
            assert population.unit_after[boss] == population.unit_after[i]
    assert (population.manager_after[population.unit_after >= 0] == -1).sum() == 1
    assert (population.manager_before[population.unit_before >= 0] == -1).sum() == 2


def test_about_three_percent_are_digital_champions_spread_over_many_units(
    population: Population,
) -> None:
    staff = employed_on(population, dt.date(2020, 1, 1))
    share = population.is_champion.sum() / staff.sum()
    assert 0.025 <= share <= 0.035
    units = set(population.unit_after[population.is_champion].tolist())
    assert len(units) >= 0.9 * population.is_champion.sum()
    assert not (population.is_champion & population.is_manager).any()


def test_sign_in_names_are_unique_and_moss_keeps_its_addresses(population: Population) -> None:
    upns = [u for u in population.upn_before + population.upn_after if u]
    assert all(UPN.match(u) for u in upns)
    moss = FORMER_ORGS.index("moss")
    distinct: set[str] = set()
    for i in range(len(population)):
        names = {population.upn_before[i], population.upn_after[i]} - {""}
        assert not names & distinct
        distinct |= names
        if population.former_org[i] == moss and population.upn_after[i]:
            assert population.upn_after[i] == population.upn_before[i]
    assert all(u.endswith("@moss.kommune.no") for u in population.upn_after if u)
    assert len(set(population.employee_number)) == len(population)
    assert len(set(population.user_id)) == len(population)
    assert any(re.search(r"[a-z]2@", u) for u in upns)  # a numbered kari.hansen2


def test_names_are_mostly_norwegian_with_some_common_among_immigrants(
    population: Population,
) -> None:
    norwegian = {"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen"}
    common = sum(f.split(" ")[-1] in norwegian for f in population.family_name)
    assert 0.1 < common / len(population) < 0.4
    assert any("ø" in n or "å" in n or "æ" in n for n in population.given_name)
    assert any(t == "Rektor" for t in population.title)
    assert any(t == "Kommunedirektør" for t in population.title)


def test_the_export_has_a_snapshot_per_stage_of_the_merger(export: list[Path]) -> None:
    folders = sorted({p.parent.name for p in export})
    assert folders == [d.isoformat() for d in snapshot_dates(SMALL)]
    assert folders == ["2019-01-01", "2019-12-31", "2020-01-01", "2021-06-30"]
    first = read_csv(export[0].parent / "ansatte.csv")
    assert list(first[0]) == list(EMPLOYEE_HEADER)
    assert len(first) == 600
    merger_units = read_csv(export[0].parents[1] / "2020-01-01" / "enheter.csv")
    assert list(merger_units[0]) == list(UNIT_HEADER)
    assert all(r["ble_del_av"] for r in merger_units if r["tidligere_organisasjon"])
    after = read_csv(export[0].parents[1] / "2020-01-01" / "ansatte.csv")
    rygge = [r for r in after if r["tidligere_organisasjon"] == "rygge"]
    assert rygge and all(r["tidligere_brukernavn"].endswith("@rygge.kommune.no") for r in rygge)
    assert {r["leder"] for r in after} == {"ja", "nei"}


def test_each_workbook_holds_the_same_two_tables_as_the_csv_files(export: list[Path]) -> None:
    from openpyxl import load_workbook

    folder = export[0].parents[1] / "2020-01-01"
    workbook = load_workbook(folder / "hr.xlsx", read_only=True)
    assert workbook.sheetnames == ["Enheter", "Ansatte"]
    for sheet, name in (("Enheter", "enheter.csv"), ("Ansatte", "ansatte.csv")):
        width = len(UNIT_HEADER if sheet == "Enheter" else EMPLOYEE_HEADER)
        cells = [
            [("" if v is None else str(v)) for v in row] + [""] * (width - len(row))
            for row in workbook[sheet].iter_rows(values_only=True)
        ]
        with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
            assert cells == list(csv.reader(handle, delimiter=";"))
    workbook.close()


def test_an_organisation_too_small_for_its_units_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_population(SimulationConfig(employees=150))
    with pytest.raises(ValueError, match="before the merger"):
        generate_population(SimulationConfig(start=dt.date(2020, 2, 1)))


def test_parameters_change_the_organisation() -> None:
    config = SimulationConfig(employees=1000)
    rygge_heavy = generate_population(config, OrganisationParams(moss_share=0.5))
    staff = employed_on(rygge_heavy, config.start)
    assert (rygge_heavy.former_org[staff] == 0).sum() == 500
    steady = generate_population(config, OrganisationParams(annual_turnover=0.001))
    assert (~np.isnat(steady.end)).sum() < 20


@pytest.mark.django_db
def test_the_snapshots_import_through_the_real_hr_import(
    export: list[Path], small: Population
) -> None:
    from veikart.organisations.models import Assignment, Employee
    from veikart.organisations.services import UploadedFile, apply_import, set_up_organisation

    domains = dict(SMALL.former_domains)
    organisation = set_up_organisation(
        name=SMALL.tenant_name,
        merger_date=SMALL.merger_date,
        former=[
            (code, f"{code.title()} kommune (til 2020)", domains[code]) for code in FORMER_ORGS
        ],
    )
    for folder in sorted({p.parent for p in export}):
        files = [UploadedFile(p.name, p.read_bytes()) for p in sorted(folder.glob("*.csv"))]
        plan = apply_import(organisation, files, as_of=dt.date.fromisoformat(folder.name))
        assert plan.ok and not plan.problems

    end = SMALL.end
    expected = int(employed_on(small, end).sum())
    employed = Employee.objects.filter(employment_start__lte=end).exclude(employment_end__lt=end)
    assert employed.count() == expected
    assert Assignment.objects.valid_on(end).count() == expected
    # Every leaver's last day is the one simulated, not the day before some later snapshot.
    stored = dict(Employee.objects.values_list("employee_number", "employment_end"))
    assert len(stored) == len(small)
    for i, number in enumerate(small.employee_number):
        day = small.end[i]
        assert stored[number] == (None if np.isnat(day) else day.astype(dt.date)), number
    before = Assignment.objects.valid_on(dt.date(2019, 6, 1))
    assert before.filter(unit__former_organisation__isnull=True).count() == 0
