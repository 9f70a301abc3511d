"""Load the demo organisation "Nye Moss" (Moss + Rygge, merged 2020-01-01) and its sign-ins.

The simulator writes the organisation as HR export snapshots (before the merger, at it, at the end
of the simulated span) into the data directory, and the demo applies them through the same HR
import a real organisation uses.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from veikart.agreements.services import load_demo_agreement
from veikart.core.constants import Role
from veikart.core.services import grant_role
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.demo.simulator.organisation import (
    generate_population,
    snapshot_dates,
    write_hr_export,
)
from veikart.organisations.constants import ImportSource
from veikart.organisations.models import Assignment, Employee, Organisation
from veikart.organisations.services import UploadedFile, apply_import, set_up_organisation
from veikart.roadmaps.services import load_demo_roadmap
from veikart.systems.services import load_demo_systems
from veikart.usage.services import IngestSummary, ingest_paths

DEFAULT_EMPLOYEES = 3500
DEMO_USERS = ("demo", "demo-leder", "demo-ansatt")


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoResult:
    created: bool
    password: str | None  # only when the sign-ins were created now
    organisation: Organisation
    ingested: IngestSummary | None = None
    # Why the impact evaluation could not run (too few people, …); None when it ran or was not
    # attempted (no usage data).
    evaluation_problem: str | None = None


def load_demo(
    *, employees: int = DEFAULT_EMPLOYEES, seed: int = 2019, usage: bool = True
) -> DemoResult:
    """Build the demo organisation once; running again reuses it and changes nothing."""
    if settings.PRODUCTION:
        raise DemoRefused("The demo organisation cannot be loaded in production mode.")
    existing = Organisation.objects.first()
    if existing is not None:
        if not existing.is_demo:
            raise DemoRefused(
                f"This installation already holds a real organisation ({existing.name}); "
                "the demo is only for an empty installation."
            )
        return DemoResult(False, None, existing)
    with transaction.atomic():
        config = SimulationConfig(employees=employees, seed=seed)
        folder = Path(settings.DATA_DIR) / "demo"
        if usage:
            generate(config, folder)  # HR export, usage reports, training data, truth.json
        else:
            write_hr_export(generate_population(config), config, folder, xlsx=False)
        organisation = import_simulated_organisation(folder, config)
        if usage:
            import_simulated_training(folder)
            set_up_simulated_learning_path()
            load_simulated_training_targets(folder)
            load_demo_systems(folder)
            load_demo_roadmap(folder)
            load_demo_agreement(folder)
        password = _create_users()
    ingested = ingest_paths([folder / "usage"], source="demo") if usage else None
    evaluated = _evaluate_training() if usage else None
    return DemoResult(True, password, organisation, ingested, evaluated)


def _evaluate_training() -> str | None:
    """The impact report of the basic Teams course, so that /effekt/ has a result at once.

    Only the classroom course: e-learning sessions carry the day their window opened, not the
    day someone completed them. Returns why it could not run, or None when it did.
    """
    from veikart.demo.simulator.programme import BASIC_COURSE
    from veikart.impact.panel import NoData
    from veikart.impact.services import evaluate_and_store

    try:
        evaluate_and_store(courses=[BASIC_COURSE])
    except NoData as exc:
        return str(exc)
    return None


def set_up_simulated_learning_path() -> None:
    """The Teams path of the reference case (basics → files → meetings), and the leader course
    recommended to leaders."""
    from veikart.trainings.models import Course, LearningPath
    from veikart.trainings.services import save_learning_path

    codes = ("TEAMS-GK", "TEAMS-FIL", "TEAMS-MOTE")
    courses = {c.code: c for c in Course.objects.filter(code__in=codes)}
    if len(courses) == len(codes) and not LearningPath.objects.exists():
        save_learning_path(
            LearningPath(
                name="Teams fra start",
                description="Grunnkurs, deretter filer i Teams og OneDrive, så møter i Teams.",
            ),
            [courses[code] for code in codes],
            actor=None,
        )
    Course.objects.filter(code="LEDER-DIG").update(for_leaders=True)


def import_simulated_training(folder: Path) -> None:
    """Apply the simulator's course records under ``folder/training`` through the real
    training import (courses, sessions, enrolments and attendance)."""
    from veikart.trainings.services import import_training

    files = [
        UploadedFile(name, (folder / "training" / name).read_bytes())
        for name in ("kurs.csv", "kursokter.csv", "pameldinger.csv")
    ]
    import_training(files, apply=True)


def load_simulated_training_targets(folder: Path) -> int:
    """The roadmap's course targets (``roadmap/mål.csv`` rows keyed ``course_share:<code>``)
    as training plan targets, plus the reference case's "400 employees trained by 15 December
    2019". Populations Veikart's plan has no equivalent for (digital champions) are skipped.
    Returns the number of targets created."""
    import csv

    from veikart.trainings.constants import Population, TargetKind
    from veikart.trainings.models import Course, TrainingTarget
    from veikart.trainings.services import save_target

    populations = {"": Population.EVERYONE, "leder": Population.LEADERS}
    created = 0
    with (folder / "roadmap" / "mål.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    for row in rows:
        key = row["nøkkel"]
        if not key.startswith("course_share:") or row["rolle"] not in populations:
            continue
        course = Course.objects.filter(code=key.removeprefix("course_share:")).first()
        if course is None:
            continue
        target = TrainingTarget(
            name=row["beskrivelse"],
            population=populations[row["rolle"]],
            kind=TargetKind.SHARE,
            value=round(float(row["terskel"]) * 100),
            due_date=dt.date.fromisoformat(row["dato"]),
        )
        save_target(target, [course], actor=None)
        created += 1
    basic = Course.objects.filter(code="TEAMS-GK").first()
    if basic is not None:
        save_target(
            TrainingTarget(
                name="400 ansatte på Teams grunnkurs innen 15. desember 2019",
                population=Population.EVERYONE,
                kind=TargetKind.PEOPLE,
                value=400,
                due_date=dt.date(2019, 12, 15),
            ),
            [basic],
            actor=None,
        )
        created += 1
    return created


def import_simulated_organisation(folder: Path, config: SimulationConfig) -> Organisation:
    """Set up Moss kommune and apply the simulator's HR snapshots under ``folder/hr`` in date
    order, through the same HR import a real organisation uses."""
    organisation = set_up_organisation(
        name=config.tenant_name,
        merger_date=config.merger_date,
        former=[
            (code, f"{code.capitalize()} kommune (til {config.merger_date.year})", domain)
            for code, domain in config.former_domains
        ],
        is_demo=True,
    )
    for day in snapshot_dates(config):
        snapshot = folder / "hr" / day.isoformat()
        files = [UploadedFile(p.name, p.read_bytes()) for p in sorted(snapshot.glob("*.csv"))]
        apply_import(organisation, files, as_of=day, full=True, source=ImportSource.DEMO)
    return organisation


def _create_users() -> str:
    """Three sign-ins sharing one random password: programme lead, a unit manager, an employee."""
    users = get_user_model()
    password = secrets.token_urlsafe(9)
    today = dt.date.today()  # noqa: DTZ011 (a calendar day is enough)
    current = Assignment.objects.valid_on(today).select_related("unit", "employee")
    manager = (
        current.filter(employee__is_manager=True, unit__unit_type="school")
        .order_by("employee__employee_number")
        .first()
    )
    staff = (
        current.filter(employee__is_manager=False)
        .exclude(unit=manager.unit if manager else None)
        .order_by("employee__employee_number")
        .first()
    )
    lead = users.objects.create_user("demo", password=password, first_name="Kari")
    grant_role(lead, Role.PROGRAMME_LEAD)
    grant_role(lead, Role.IT)
    for username, assignment in (("demo-leder", manager), ("demo-ansatt", staff)):
        user = users.objects.create_user(username, password=password)
        if assignment is not None:
            Employee.objects.filter(pk=assignment.employee_id).update(user=user)
    return password
