"""The upgrade path: a database of the previous release (0.1.0) is migrated with ``veikart
migrate`` and everything in it survives, readable by today's code.

"The previous release's schema" is the migration state recorded in data/schema-0.1.0.json
(written by schema_snapshot.py from commit 1ecb2fa, the last commit before the first migration
that came after 0.1.0). The test migrates an empty database to exactly that state, fills it
through the historical models of that state with one of everything (as 0.1.0 wrote it: the same
token digest and pseudonym scheme, written out here rather than imported), runs the real
``veikart migrate``, and reads it back with today's models, pages and API. On SQLite, and on
PostgreSQL when the test run uses it (``DATABASE_URL=postgres://…``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import (
    PYTHON,
    ROOT,
    Database,
    Installation,
    postgres_server,
)

SNAPSHOT = Path(__file__).with_name("data") / "schema-0.1.0.json"
TOKEN = "vk_" + "upgrade-token-from-0.1.0".ljust(43, "x")

# In the old state: migrate to it, prove that is exactly where the database is, and write one of
# everything through the historical models.
AT_THE_OLD_RELEASE = """
import datetime as dt, hashlib, hmac, json, os, sys

import django

django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

snapshot = json.loads(open(sys.argv[1], encoding="utf-8").read())
token = sys.argv[2]
targets = sorted(snapshot["migrations"].items())
executor = MigrationExecutor(connection)
executor.migrate(targets)
executor.loader.build_graph()
applied = sorted(f"{app}.{name}" for app, name in executor.loader.applied_migrations)
apps = executor.loader.project_state(targets, at_end=True).apps
M = apps.get_model
now = timezone.now()
key = os.environ["VEIKART_PSEUDONYM_KEY"].encode()


def pseudonym(upn):  # 0.1.0: HMAC-SHA-256 of the NFC, trimmed, lower-case name
    return hmac.new(key, upn.strip().lower().encode(), hashlib.sha256).hexdigest()


User = M("auth", "User")
kari = User.objects.create(username="kari", password="!", is_active=True)
ola = User.objects.create(username="ola", password="!", is_active=True)
org = M("organisations", "Organisation").objects.create(
    name="Moss kommune", org_number="921221967", merger_date=dt.date(2020, 1, 1)
)
moss = M("organisations", "FormerOrganisation").objects.create(
    organisation=org, code="moss", name="Moss kommune (til 2020)", email_domain="moss.kommune.no"
)
Unit = M("organisations", "Unit")
top = Unit.objects.create(organisation=org, code="MK", name="Moss kommune", sort_key="moss")
top.path = f"/{top.pk}/"
top.save()
school = Unit.objects.create(
    organisation=org, code="JS", name="Jeløy skole", unit_type="school", parent=top,
    former_organisation=moss, sort_key="jeloy skole",
)
school.path = f"{top.path}{school.pk}/"
school.save()
Employee = M("organisations", "Employee")
people = []
for number, (given, family, user) in enumerate(
    [("Ola", "Nordmann", ola), ("Åse", "Ødegård", None), ("Kari", "Berg", kari)], start=1001
):
    upn = f"{given.lower()}.{family.lower()}@moss.kommune.no"
    person = Employee.objects.create(
        organisation=org, employee_number=str(number), given_name=given, family_name=family,
        upn=upn, pseudonym=pseudonym(upn), is_manager=given == "Ola", user=user,
        former_organisation=moss, employment_start=dt.date(2015, 8, 1), sort_key=family.lower(),
    )
    M("organisations", "EmployeeIdentity").objects.create(
        employee=person, upn=upn, pseudonym=pseudonym(upn)
    )
    M("organisations", "Assignment").objects.create(
        employee=person, unit=school, valid_from=dt.date(2019, 1, 1)
    )
    people.append(person)
M("organisations", "ImportRun").objects.create(
    organisation=org, source="csv", as_of=dt.date(2020, 1, 1), full=True,
    files=["ansatte.csv"], summary={"created": 3},
)
M("core", "RoleGrant").objects.create(user=kari, role="programme_lead")
M("core", "RoleGrant").objects.create(user=ola, role="unit_manager", unit=school)
M("core", "ApiToken").objects.create(
    user=kari, name="reports", prefix=token[:10],
    digest=hashlib.sha256(token.encode()).hexdigest(),  # 0.1.0's digest
)
M("core", "AuditEvent").objects.create(action="usage.ingest", target="ingest-run:1", detail={})
course = M("trainings", "Course").objects.create(
    code="TEAMS-1", title="Teams for alle", format="teams", duration_minutes=90
)
session = M("trainings", "Session").objects.create(
    course=course, code="TEAMS-1-01", starts_at=now - dt.timedelta(days=30),
    ends_at=now - dt.timedelta(days=30, hours=-2), location="Rådhuset", capacity=20,
)
M("trainings", "Enrolment").objects.create(
    session=session, employee=people[1], enrolled_on=dt.date(2019, 10, 1), status="attended",
    calendar_sequence=2,
)
M("trainings", "TrainingTarget").objects.create(
    name="Alle har tatt Teams-kurset", population="everyone", kind="share", value=80,
    due_date=dt.date(2020, 12, 31),
)
survey = M("competence", "Survey").objects.create(title="Samarbeid i Microsoft 365")
question = M("competence", "Question").objects.create(
    survey=survey, position=1, competence="2.1", text="Jeg deler filer i Teams."
)
wave = M("competence", "Wave").objects.create(
    survey=survey, name="Høst 2019", kind="before", opens_on=dt.date(2019, 9, 1),
    closes_on=dt.date(2019, 9, 30),
)
response = M("competence", "Response").objects.create(
    wave=wave, employee=people[1], submitted_at=now
)
M("competence", "Answer").objects.create(response=response, question=question, level=3)
run = M("usage", "IngestRun").objects.create(
    source="cli", finished_at=now, summary={"files": 1, "stored": 1}
)
M("usage", "IngestedFile").objects.create(
    run=run, name="TeamsUserActivityUserDetail.csv", sha256="a" * 64, status="written",
    report="teams_user_detail", form="period", refresh_date=dt.date(2020, 1, 12),
    period_days=7, snapshot="teams_user_detail/form=period/day=2020-01-12/d7.parquet", rows=3,
)
Figure = M("adoption", "Figure")
Figure.objects.create(
    organisation=org, grain="week", period=dt.date(2020, 1, 6), breakdown="", n=240,
    visible=True, values={"active_teams": 61.5, "teams_messages_per_person": 12.25},
)
Figure.objects.create(
    organisation=org, grain="week", period=dt.date(2020, 1, 6), breakdown="unit_subtree",
    unit=school, n=12, visible=True, values={"active_teams": 75.0},
)
Figure.objects.create(
    organisation=org, grain="week", period=dt.date(2020, 1, 6), breakdown="unit_subtree+is_leader",
    unit=school, attribute="true", n=1, visible=False, values={},
)
M("adoption", "ComputeState").objects.create(
    organisation=org, settings_key="0" * 64, computed_at=now,
    weeks={"2020-01-06": {"files": "f" * 32, "people": "240:7"}},
)
M("adoption", "ComputeRun").objects.create(
    organisation=org, trigger="ingest", full=True, finished_at=now, summary={"figures": 3}
)
M("impact", "ImpactResult").objects.create(
    created_at=now, parameters={"course": "TEAMS-1"}, payload={"headline": 1.5}, seconds=2.5
)
print(json.dumps({"applied": applied, "school": school.pk, "top": top.pk}))
"""

# After ``veikart migrate``: read everything back with today's code.
READ_BACK = """
import json, sys

import django

django.setup()
from django.apps import apps
from django.db import connection
from django.test import Client
from django.contrib.auth.models import User

from veikart.adoption.models import ComputeRun, ComputeState, Figure
from veikart.competence.models import Answer
from veikart.core.access import get_access
from veikart.core.models import ApiToken, AuditEvent
from veikart.impact.models import ImpactResult
from veikart.organisations.models import Employee, Unit
from veikart.trainings.models import Enrolment, Session, TrainingTarget
from veikart.usage.models import IngestedFile

token, school = sys.argv[1], int(sys.argv[2])
tables = set(connection.introspection.table_names())
models = {m._meta.db_table for m in apps.get_models() if m._meta.managed}
counts = {
    m._meta.label: m.objects.count()
    for m in (Employee, Unit, Enrolment, TrainingTarget, Answer, IngestedFile, Figure, ComputeRun,
              ImpactResult, ApiToken, AuditEvent)
}
state = ComputeState.objects.get()
session = Session.objects.get()
figure = Figure.objects.get(breakdown="", unit=None)
kari, ola = User.objects.get(username="kari"), User.objects.get(username="ola")
pages = {}
for user, path, text in [
    (kari, "/bruk/", "61,5"),
    (kari, "/opplaering/", "Teams for alle"),
    (ola, f"/bruk/enheter/{school}/", "Jeløy skole"),
    (kari, "/systemer/", ""),
    (kari, "/veikart/", ""),
    (kari, "/arbeidsavtale/", ""),
]:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    pages[f"{user.username} {path}"] = [response.status_code, text in response.content.decode()]
api = Client().get(
    "/api/v1/adoption/figures",
    {"metric": "active_teams"},
    headers={"authorization": f"Bearer {token}"},
)
ola_employee = Employee.objects.get(user=ola)
print(json.dumps({
    "missing_tables": sorted(models - tables),
    "counts": counts,
    "inputs_key": state.inputs_key,
    "weeks": state.weeks,
    "session": [
        session.cancelled_at, session.cancellation_reason, session.trainer_calendar_sequence
    ],
    "figure": [figure.n, figure.visible, figure.values],
    "kari_organisation_wide": get_access(kari).organisation_wide,
    "ola_units": sorted(get_access(ola).unit_paths),
    "ola_employee": ola_employee.pseudonym == ola_employee.identities.get().pseudonym,
    "pages": pages,
    "api": [api.status_code, api.json() if api.status_code == 200 else api.content.decode()[:500]],
}, default=str))
"""


@pytest.fixture
def old_installation(tmp_path: Path) -> Iterator[Installation]:
    database = Database.create(tmp_path, postgres_server())
    installation = Installation(
        tmp_path / "data", database, {"VEIKART_ALLOWED_HOSTS": "testserver,127.0.0.1"}
    )
    installation.data.mkdir()
    yield installation
    database.drop()


def snapshot() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return loaded


def test_released_migrations_are_never_edited() -> None:
    """A migration an installation has applied must stay as it was: edit a released one and the
    databases of that release no longer match the code. Add a new migration instead."""
    releases = sorted(SNAPSHOT.parent.glob("schema-*.json"))
    assert SNAPSHOT in releases
    for release in releases:
        recorded = json.loads(release.read_text(encoding="utf-8"))
        version = recorded["release"]
        for path, digest in recorded["files"].items():
            file = ROOT / path
            assert file.exists(), f"{path} was released in {version} and must not be removed"
            assert hashlib.sha256(file.read_bytes()).hexdigest() == digest, (
                f"{path} was released in {version} and must not change; add a new migration"
            )


def test_a_database_of_the_previous_release_upgrades_with_everything_in_it(
    old_installation: Installation,
) -> None:
    released = snapshot()
    made = old_installation.python(AT_THE_OLD_RELEASE, str(SNAPSHOT), TOKEN)
    assert made.returncode == 0, made.stderr
    old = json.loads(made.stdout.strip().splitlines()[-1])
    # Exactly the release's state: each app up to its recorded migration, nothing later.
    latest: dict[str, str] = {}
    for migration in old["applied"]:
        app, name = migration.split(".", 1)
        latest[app] = max(latest.get(app, ""), name)
    assert latest == released["migrations"]
    behind = old_installation.veikart("migrate", "--check")
    assert behind.returncode != 0  # the new release's migrations are not applied yet

    upgraded = old_installation.veikart("migrate", "--no-input")

    assert upgraded.returncode == 0, upgraded.stderr
    assert "Applying systems.0001_initial" in upgraded.stdout
    assert "Applying adoption.0002_compute_state_inputs_key" in upgraded.stdout
    assert old_installation.veikart("migrate", "--check").returncode == 0
    read = old_installation.python(READ_BACK, TOKEN, str(old["school"]))
    assert read.returncode == 0, read.stderr
    after = json.loads(read.stdout.strip().splitlines()[-1])
    assert after["missing_tables"] == []  # every table of today's models exists
    assert after["counts"] == {
        "organisations.Employee": 3,
        "organisations.Unit": 2,
        "trainings.Enrolment": 1,
        "trainings.TrainingTarget": 1,
        "competence.Answer": 1,
        "usage.IngestedFile": 1,
        "adoption.Figure": 3,
        "adoption.ComputeRun": 1,
        "impact.ImpactResult": 1,
        "core.ApiToken": 1,
        "core.AuditEvent": 1,
    }
    # New columns have their defaults; old values are untouched.
    assert after["inputs_key"] == ""  # the next compute rebuilds the people, as it should
    assert after["weeks"] == {"2020-01-06": {"files": "f" * 32, "people": "240:7"}}
    assert after["session"] == [None, "", None]
    assert after["figure"] == [
        240,
        True,
        {"active_teams": 61.5, "teams_messages_per_person": 12.25},
    ]
    # Access, sign-in tokens and pseudonyms of 0.1.0 still work.
    assert after["kari_organisation_wide"] is True
    assert after["ola_units"] and all(
        path.endswith(f"/{old['school']}/") for path in after["ola_units"]
    )
    assert after["ola_employee"] is True
    assert all(page == [200, True] for page in after["pages"].values()), after["pages"]
    status, body = after["api"]
    assert status == 200, body
    values = {(row["breakdown"], row["unit_id"]): row["value"] for row in body["items"]}
    assert values[("", None)] == 61.5


# --- The previous release's own code --------------------------------------------------------------

PAGES = """
import json

import django

django.setup()
from django.contrib.auth.models import User
from django.test import Client

client = Client()
client.force_login(User.objects.get(username="demo"))
found = {}
for path, text in [("/bruk/", "<table"), ("/effekt/", 'id="impact-headline"'),
                   ("/opplaering/plan/", "<table"), ("/kompetanse/", "<h1")]:
    response = client.get(path)
    found[path] = [response.status_code, text in response.content.decode()]
print(json.dumps(found))
"""


def figures_by_unit_code(database: Database) -> list[tuple[Any, ...]]:
    """Every figure, with the unit's code for its key (primary keys differ between databases)."""
    rows = database.query(
        'SELECT f.grain, f.period, f.breakdown, u.code, f.attribute, f.n, f.visible, f."values" '
        "FROM adoption_figure f LEFT JOIN organisations_unit u ON u.id = f.unit_id"
    )
    return sorted(
        (g, str(p), b, code or "", a, n, bool(v), json.dumps(database.json(x), sort_keys=True))
        for g, p, b, code, a, n, v, x in rows
    )


def lake_digests(lake: Path) -> dict[str, str]:
    return {
        p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*.parquet"))
    }


@pytest.mark.reliability
def test_a_demo_made_by_the_previous_release_upgrades_and_computes_as_a_new_one(
    tmp_path: Path,
) -> None:
    """0.1.0's own code (``git archive`` of its commit) loads the demo organisation: HR import,
    training, the usage lake, figures and an impact result. Today's code migrates it, reads its
    lake, recomputes, and ends with the same lake and figures as a demo loaded by today's code —
    and serves the pages, the impact result of 0.1.0 included. Needs the git history; ~2 min."""
    commit = snapshot()["commit"]
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, capture_output=True
    )
    if archive.returncode != 0:
        pytest.skip(f"the git history does not hold {commit[:10]} (a shallow clone?)")
    old_code = tmp_path / "release"
    (tmp_path / "release.tar").write_bytes(archive.stdout)
    with tarfile.open(tmp_path / "release.tar") as tar:
        tar.extractall(old_code, filter="data")
    made: dict[str, Installation] = {}
    for name in ("old", "new"):
        database = Database.create(tmp_path / name, postgres_server())
        made[name] = Installation(
            tmp_path / name / "data",
            database,
            {"VEIKART_ALLOWED_HOSTS": "testserver", "VEIKART_MIN_GROUP_SIZE": "5"},
        )
        made[name].data.mkdir(parents=True)
    old, new = made["old"], made["new"]
    try:
        release = {**old.env(), "PYTHONPATH": str(old_code / "src")}
        for args in (["migrate", "-v", "0"], ["demo", "--employees", "200"]):
            done = subprocess.run(
                [PYTHON, "-m", "veikart", *args],
                env=release,
                cwd=old.data,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        assert old.database.query("SELECT count(*) FROM impact_impactresult")[0][0] == 1

        upgraded = old.veikart("migrate", "--no-input")

        assert upgraded.returncode == 0, upgraded.stderr
        again = old.veikart("ingest", str(old.data / "demo" / "usage"))
        assert again.returncode == 0, again.stderr
        assert "(0 stored," in again.stdout  # 0.1.0's lake holds every file already
        # The figures 0.1.0 computed are recomputed by the new release's rules (its compute
        # version differs), by the ingest itself, with no file new.
        assert "Figures: recomputed" in again.stdout, again.stdout
        assert "up to date" in old.veikart("compute").stdout
        pages = json.loads(old.python(PAGES).stdout.strip().splitlines()[-1])
        assert all(page == [200, True] for page in pages.values()), pages

        for args in (["migrate", "-v", "0"], ["demo", "--employees", "200"]):
            done = new.veikart(*args, timeout=600)
            assert done.returncode == 0, done.stderr
        assert lake_digests(old.lake) == lake_digests(new.lake)
        assert figures_by_unit_code(old.database) == figures_by_unit_code(new.database)
    finally:
        for installation in made.values():
            installation.database.drop()
