"""The demo organisation: loaded through the real HR import, once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from veikart.core.access import get_access
from veikart.organisations.models import Employee, Organisation, Unit, UnitSuccession
from veikart.organisations.selectors import get_employees_for_user, get_units_for_user


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", "--employees", "300", "--without-usage", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_builds_both_former_municipalities_and_the_merged_one() -> None:
    output = run_demo()
    assert "password:" in output
    organisation = Organisation.objects.get()
    assert organisation.is_demo and organisation.merger_date == dt.date(2020, 1, 1)
    before = Unit.objects.valid_on(dt.date(2019, 6, 1))
    assert set(before.values_list("former_organisation__code", flat=True)) == {"moss", "rygge"}
    after = Unit.objects.valid_on(dt.date(2020, 6, 1))
    assert set(after.values_list("former_organisation", flat=True)) == {None}
    # Every pre-merger unit says which new unit it became part of.
    assert UnitSuccession.objects.count() == before.count()
    on_start = Employee.objects.filter(
        assignments__valid_from__lte=dt.date(2019, 1, 1), employment_start__lte=dt.date(2019, 1, 1)
    ).distinct()
    assert on_start.count() == 300
    assert Employee.objects.filter(employment_end__isnull=True).count() > 250


@pytest.mark.django_db
def test_running_the_demo_again_reuses_the_data_and_prints_no_password() -> None:
    run_demo()
    counts = (Unit.objects.count(), Employee.objects.count(), User.objects.count())
    output = run_demo()
    assert "already loaded" in output and "password:" not in output
    assert (Unit.objects.count(), Employee.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
def test_the_demo_sign_ins_have_the_promised_scopes() -> None:
    password = run_demo().split("password: ")[1].split()[0]
    leader = User.objects.get(username="demo-leder")
    units = list(get_units_for_user(leader, on=dt.date(2021, 1, 1)))
    assert units and all(u.unit_type == "school" for u in units)
    assert len(units) < Unit.objects.valid_on(dt.date(2021, 1, 1)).count()
    employee = User.objects.get(username="demo-ansatt")
    assert get_employees_for_user(employee).count() == 1
    assert not get_access(employee).sees_units
    client = Client()
    assert client.login(username="demo", password=password)
    assert "Moss kommune" in client.get("/organisasjon/").content.decode()


@pytest.mark.django_db
def test_the_demo_refuses_an_installation_with_a_real_organisation() -> None:
    Organisation.objects.create(name="Vestby kommune")
    with pytest.raises(Exception, match="real organisation"):
        run_demo()


@pytest.mark.django_db
def test_the_demo_ingests_its_simulated_usage_into_the_lake(
    settings: object, tmp_path: object
) -> None:
    from veikart.usage.models import IngestedFile

    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    settings.LAKE_DIR = tmp_path / "lake"  # type: ignore[attr-defined, operator]
    out = io.StringIO()
    call_command("demo", "--employees", "250", stdout=out)
    assert "report files ingested" in out.getvalue()
    assert IngestedFile.objects.filter(status="written").count() > 1000
    assert not IngestedFile.objects.filter(status="failed").exists()
    assert sum(IngestedFile.objects.values_list("unmapped_people", flat=True)) == 0
    assert "Impact of the Teams course evaluated" in out.getvalue()
    from veikart.trainings.models import TrainingTarget

    assert sorted(TrainingTarget.objects.values_list("population", "kind", "value")) == [
        ("everyone", "people", 400),
        ("everyone", "share", 25),
        ("leaders", "share", 90),
    ]
    from django.contrib.auth.models import User
    from django.test import Client

    lead = Client()
    lead.force_login(User.objects.get(username="demo"))
    plan = lead.get("/opplaering/plan/")
    assert plan.status_code == 200
    assert "400 ansatte på Teams grunnkurs" in plan.content.decode()
    assert lead.get("/effekt/").status_code == 200
    assert lead.get("/bruk/").status_code == 200
