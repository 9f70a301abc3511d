"""Writes of the roadmap: initiatives, milestones and targets, and the demo roadmap.

Every change is written to the audit log. A course target is linked to a target of the training
plan with the same course, population, share and due date — an existing one when there is one,
else a new one — so that the training plan computes its progress and the two never disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from veikart.core.services import record_audit_event
from veikart.organisations.constants import UNIT_TYPE_WORDS
from veikart.organisations.models import Organisation, Unit
from veikart.roadmaps.constants import (
    COURSE_SHARE_PREFIX,
    DIRECTION_WORDS,
    SIMULATOR_METRICS,
    STATUS_WORDS,
    Population,
    TargetKind,
)
from veikart.roadmaps.models import Initiative, Milestone, Target
from veikart.trainings import services as training_services
from veikart.trainings.constants import Population as TrainingPopulation
from veikart.trainings.constants import TargetKind as TrainingTargetKind
from veikart.trainings.models import Course, TrainingTarget

Actor = User | None


def _audit(actor: Actor, action: str, target: str, detail: dict[str, object] | None = None) -> None:
    record_audit_event(actor, action, target=target, detail=detail)


# --- Initiatives ---------------------------------------------------------------------------------


def save_initiative(
    initiative: Initiative,
    *,
    units: Iterable[Unit] = (),
    decisions: Iterable[object] = (),
    courses: Iterable[Course] = (),
    actor: Actor,
) -> Initiative:
    """Create or change an initiative (already checked by its form) and its links."""
    created = initiative.pk is None
    with transaction.atomic():
        initiative.save()
        initiative.units.set(list(units))
        initiative.depends_on_decisions.set(list(decisions))  # type: ignore[arg-type]
        initiative.depends_on_courses.set(list(courses))
        _audit(
            actor,
            "roadmap.initiative.create" if created else "roadmap.initiative.change",
            f"initiative:{initiative.pk}",
            {"code": initiative.code},
        )
    return initiative


def delete_initiative(initiative: Initiative, *, actor: Actor) -> None:
    """Delete an initiative with its milestones and targets (the training plan keeps its own)."""
    with transaction.atomic():
        _audit(
            actor,
            "roadmap.initiative.delete",
            f"initiative:{initiative.pk}",
            {"code": initiative.code, "title": initiative.title},
        )
        initiative.delete()


# --- Milestones ----------------------------------------------------------------------------------


def save_milestone(milestone: Milestone, *, actor: Actor) -> Milestone:
    created = milestone.pk is None
    with transaction.atomic():
        milestone.save()
        _audit(
            actor,
            "roadmap.milestone.create" if created else "roadmap.milestone.change",
            f"milestone:{milestone.pk}",
            {"initiative": milestone.initiative_id},
        )
    return milestone


def set_milestone_done(milestone: Milestone, done: bool, *, actor: Actor) -> Milestone:
    milestone.done = done
    with transaction.atomic():
        milestone.save(update_fields=["done"])
        _audit(actor, "roadmap.milestone.change", f"milestone:{milestone.pk}", {"done": done})
    return milestone


def delete_milestone(milestone: Milestone, *, actor: Actor) -> None:
    with transaction.atomic():
        _audit(
            actor,
            "roadmap.milestone.delete",
            f"milestone:{milestone.pk}",
            {"initiative": milestone.initiative_id, "text": milestone.text},
        )
        milestone.delete()


# --- Targets -------------------------------------------------------------------------------------


def save_target(target: Target, *, actor: Actor) -> Target:
    """Create or change a target (already checked by ``full_clean`` or its form).

    Fields that do not belong to the chosen kind and population are cleared; a course target is
    linked to its training plan target (see the module docstring).
    """
    created = target.pk is None
    _clear_unused(target)
    with transaction.atomic():
        if target.kind == TargetKind.COURSE_SHARE:
            target.training_target = link_training_target(target, actor=actor)
        else:
            target.training_target = None
        target.save()
        _audit(
            actor,
            "roadmap.target.create" if created else "roadmap.target.change",
            f"target:{target.pk}",
            {"initiative": target.initiative_id},
        )
    return target


def delete_target(target: Target, *, actor: Actor) -> None:
    with transaction.atomic():
        _audit(
            actor,
            "roadmap.target.delete",
            f"target:{target.pk}",
            {"initiative": target.initiative_id, "name": target.name},
        )
        target.delete()


def _clear_unused(target: Target) -> None:
    if target.population != Population.UNIT:
        target.unit = None
    if target.population != Population.UNIT_TYPE:
        target.unit_type = ""
    if target.population != Population.FORMER_ORGANISATION:
        target.former_organisation = None
    if target.kind == TargetKind.COURSE_SHARE:
        target.metric = ""
    else:
        target.course = None


def _training_population(target: Target) -> str:
    if target.population == Population.UNIT:
        return TrainingPopulation.UNIT
    if target.population == Population.FORMER_ORGANISATION:
        return TrainingPopulation.FORMER_ORGANISATION
    if target.leaders_only:
        return TrainingPopulation.LEADERS
    return TrainingPopulation.EVERYONE


def link_training_target(target: Target, *, actor: Actor) -> TrainingTarget:
    """The training plan target that counts exactly what ``target`` does: found, or created."""
    assert target.course is not None
    population = _training_population(target)
    value = int(target.threshold.to_integral_value())
    candidates = TrainingTarget.objects.filter(
        population=population,
        unit=target.unit if population == TrainingPopulation.UNIT else None,
        former_organisation=(
            target.former_organisation
            if population == TrainingPopulation.FORMER_ORGANISATION
            else None
        ),
        kind=TrainingTargetKind.SHARE,
        value=value,
        due_date=target.due_date,
    ).prefetch_related("courses")
    for candidate in candidates.order_by("pk"):
        if [c.pk for c in candidate.courses.all()] == [target.course.pk]:
            return candidate
    return training_services.save_target(
        TrainingTarget(
            name=_free_training_target_name(f"{target.initiative.code}: {target.name}"),
            population=population,
            unit=target.unit,
            former_organisation=target.former_organisation,
            kind=TrainingTargetKind.SHARE,
            value=value,
            due_date=target.due_date,
        ),
        [target.course],
        actor=actor,
    )


def _free_training_target_name(name: str) -> str:
    name = name[:190]
    taken = set(TrainingTarget.objects.filter(name__startswith=name).values_list("name", flat=True))
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


# --- The demo roadmap ----------------------------------------------------------------------------


class DemoRoadmapError(Exception):
    """The simulator's roadmap files cannot be read (a developer error: the files are ours)."""


def load_demo_roadmap(folder: Path) -> int:
    """The simulator's roadmap (``folder/roadmap/veikart.csv`` and ``mål.csv``) as initiatives,
    milestones and targets of the organisation; returns the number of initiatives and targets
    created. Running it again creates nothing new.

    Targets on the simulator's metrics become metric targets (:data:`SIMULATOR_METRICS`; shares
    given as fractions become per cent); ``course_share:<code>`` targets become course targets,
    linked to the training plan target the demo made of the same row (or a new one). Course
    targets for digital champions (``rolle`` ``superbruker``) are left out: neither the adoption
    figures nor the training plan know who is one. Dependencies on system decisions and courses
    are linked where those exist (load systems and training first).
    """
    organisation = Organisation.objects.first()
    if organisation is None:
        raise DemoRoadmapError("Load the organisation before the roadmap.")
    roadmap = folder / "roadmap"
    initiatives = _read(roadmap / "veikart.csv")
    targets = _read(roadmap / "mål.csv")
    created = 0
    with transaction.atomic():
        by_code: dict[str, Initiative] = {}
        for line, row in initiatives:
            initiative, new = _demo_initiative(organisation, row, roadmap / "veikart.csv", line)
            by_code[initiative.code] = initiative
            created += new
        for line, row in targets:
            created += _demo_target(row, by_code, roadmap / "mål.csv", line)
    return created


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return [(reader.line_num, {k: (v or "").strip() for k, v in row.items()}) for row in reader]


def _day(value: str, path: Path, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DemoRoadmapError(f"{path.name}, line {line}: {value!r} is not a date") from None


def _demo_initiative(
    organisation: Organisation, row: dict[str, str], path: Path, line: int
) -> tuple[Initiative, bool]:
    existing = Initiative.objects.filter(organisation=organisation, code=row["id"]).first()
    if existing is not None:
        return existing, False
    groups = [g.strip() for g in row["målgrupper"].split("|") if g.strip()]
    initiative = Initiative(
        organisation=organisation,
        code=row["id"],
        title=row["tiltak"],
        goal=row["mål"],
        owner=row["eier"],
        target_groups=", ".join(groups),
        for_leaders="Ledere" in groups,
        start=_day(row["start"], path, line),
        end=_day(row["slutt"], path, line),
        status=STATUS_WORDS.get(row["status"].casefold(), STATUS_WORDS["planlagt"]),
    )
    initiative.full_clean(exclude=["organisation"])
    decisions = _decisions(organisation, row["avhenger_av_systemer"])
    courses = Course.objects.filter(code__in=[c for c in row["avhenger_av_kurs"].split("|") if c])
    save_initiative(initiative, decisions=decisions, courses=courses, actor=None)
    for item in (m for m in row["milepæler"].split("|") if m.strip()):
        day, _sep, text = item.partition(":")
        Milestone.objects.create(
            initiative=initiative,
            date=_day(day.strip(), path, line),
            text=text.strip(),
            done=initiative.status == STATUS_WORDS["fullført"],
        )
    return initiative, True


def _decisions(organisation: Organisation, names: str) -> list[object]:
    from veikart.systems.models import Decision

    wanted = [n for n in names.split("|") if n]
    return list(Decision.objects.filter(organisation=organisation, system_name__in=wanted))


def _demo_target(
    row: dict[str, str], initiatives: dict[str, Initiative], path: Path, line: int
) -> int:
    initiative = initiatives.get(row["tiltak"])
    if initiative is None:
        raise DemoRoadmapError(f"{path.name}, line {line}: no initiative {row['tiltak']!r}")
    if initiative.targets.filter(code=row["id"]).exists():
        return 0
    key, role = row["nøkkel"], row["rolle"]
    try:
        threshold = Decimal(row["terskel"])
    except InvalidOperation:
        raise DemoRoadmapError(f"{path.name}, line {line}: bad threshold") from None
    target = Target(
        initiative=initiative,
        code=row["id"],
        name=row["beskrivelse"],
        direction=DIRECTION_WORDS[row["retning"]],
        due_date=_day(row["dato"], path, line),
        leaders_only=role == "leder",
    )
    unit_type = UNIT_TYPE_WORDS.get(row["enhetstype"].casefold()) if row["enhetstype"] else None
    if unit_type is not None:
        target.population, target.unit_type = Population.UNIT_TYPE, unit_type
    if key.startswith(COURSE_SHARE_PREFIX):
        if role not in ("", "leder"):
            return 0  # digital champions: see the docstring
        course = Course.objects.filter(code=key.removeprefix(COURSE_SHARE_PREFIX)).first()
        if course is None:
            return 0
        target.kind, target.course = TargetKind.COURSE_SHARE, course
        target.threshold = (threshold * 100).quantize(Decimal(1))
    else:
        metric = SIMULATOR_METRICS.get(key)
        if metric is None:
            raise DemoRoadmapError(f"{path.name}, line {line}: unknown target key {key!r}")
        target.kind, target.metric = TargetKind.METRIC, metric
        # The simulator writes shares as fractions (0.8); the registry's shares are per cent.
        share = key.endswith("_share")
        target.threshold = (threshold * 100 if share else threshold).quantize(Decimal("0.01"))
    if target.leaders_only and target.population != Population.EVERYONE:
        return 0
    target.full_clean(exclude=["initiative"])
    save_target(target, actor=None)
    return 1
