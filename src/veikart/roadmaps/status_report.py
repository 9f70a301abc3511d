"""The status report for the leadership group (styringsgruppen): the programme on one day.

It gathers, through each app's own selectors and with the reader's own access, what the pages
show: the system decisions, the roadmap (initiatives, milestones, targets with their status),
the training plan, the adoption headline, the impact headline and the working agreement. Nothing
is computed here that an app computes itself, and nothing is read past an app's access rules:
a section the reader may not see on the pages is left out (``shown`` False), and a figure the
pages hide stays hidden (``suppressed`` / ``small``).

Who gets the report: the programme lead, the executive and administrators
(:data:`REPORT_ROLES`); anyone else is refused.

One rule is the report's own, because no page shows it: an initiative's *status* is the worst
status among its targets' shown statuses (off track, then at risk, then on track; *met* only
when every measured target is met). An initiative with no measured target has none.

The ``day`` is the day the training plan, the course targets, the milestones and the working
agreement are read on. The adoption figures (and the metric targets judged on them) are the last
stored week, as on the pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from veikart.adoption import dashboards
from veikart.adoption import selectors as adoption
from veikart.adoption.engine.registry import REGISTRY
from veikart.agreements import selectors as agreements
from veikart.core.access import Access, AnyUser, get_access
from veikart.core.constants import Role
from veikart.impact import selectors as impact
from veikart.impact.report import presentation_of
from veikart.organisations.selectors import get_organisation
from veikart.roadmaps import selectors as roadmap
from veikart.roadmaps.constants import Status, TargetKind
from veikart.roadmaps.selectors import TargetState
from veikart.systems import selectors as systems
from veikart.systems.constants import Category, DecisionStatus
from veikart.systems.workbook import decision_words
from veikart.trainings import plan as training_plan
from veikart.trainings.constants import TargetKind as TrainingKind
from veikart.trainings.constants import TargetStatus

REPORT_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.EXECUTIVE})

# Worst first: the status an initiative takes from its targets.
INITIATIVE_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.MET)

Who = AnyUser | Access | None


def _access(who: Who) -> Access:
    return who if isinstance(who, Access) else get_access(who)


def can_see_status_report(who: Who) -> bool:
    return bool(_access(who).roles & REPORT_ROLES)


# --- System decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionLine:
    system: str
    category: str  # the category's label; "" when no system of the inventory carries it
    decision: str  # "Behold", "Erstatt med Microsoft Teams", …
    status: DecisionStatus
    owner: str
    decided_on: dt.date | None
    milestone_date: dt.date | None
    milestone: str


@dataclass(frozen=True)
class PendingCategory:
    """A category two former organisations overlap in, with systems still without a decision."""

    category: str
    undecided: tuple[str, ...]


@dataclass(frozen=True)
class Decisions:
    shown: bool
    lines: tuple[DecisionLine, ...] = ()
    undecided_systems: tuple[str, ...] = ()
    overlapping: int = 0
    pending: tuple[PendingCategory, ...] = ()

    @property
    def made(self) -> int:
        return len(self.lines)

    def count(self, status: DecisionStatus) -> int:
        return sum(1 for line in self.lines if line.status == status)


def _decisions(access: Access) -> Decisions:
    if not systems.can_read_systems(access):
        return Decisions(shown=False)
    lines = []
    for decision in systems.get_decisions_for_user(access).order_by("sort_key", "system_name"):
        linked = list(decision.systems.all())
        lines.append(
            DecisionLine(
                system=decision.system_name,
                category=str(Category(linked[0].category).label) if linked else "",
                decision=decision_words(decision),
                status=DecisionStatus(decision.status),
                owner=decision.owner,
                decided_on=decision.decided_on,
                milestone_date=decision.milestone_date,
                milestone=decision.milestone_text,
            )
        )
    overlaps = systems.overlaps_for_user(access)
    return Decisions(
        shown=True,
        lines=tuple(lines),
        undecided_systems=overlaps.undecided_systems,
        overlapping=overlaps.overlapping,
        pending=tuple(
            PendingCategory(c.label, c.undecided) for c in overlaps.categories if c.decision_needed
        ),
    )


# --- The roadmap ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeLine:
    code: str
    title: str
    owner: str
    start: dt.date
    end: dt.date
    progress: str  # planned / in progress / done, as the programme sets it
    status: Status | None  # from the targets (see the module docstring)
    targets: int
    milestones: int
    milestones_done: int
    milestones_overdue: int


@dataclass(frozen=True)
class MilestoneLine:
    initiative: str  # the initiative's code
    date: dt.date
    text: str
    done: bool
    overdue: bool  # not done, and its date is before the report's day


@dataclass(frozen=True)
class TargetLine:
    initiative: str  # the initiative's code
    name: str
    measure: str
    population: str
    goal: str
    due_date: dt.date
    shown: bool  # False: the reader may not see this target's figures
    status: Status | None
    value: Decimal | None  # as shown: rounded; per cent for shares
    value_text: str
    unit: str  # the metric's unit ("percent", "per_person", "ratio", "count")
    period_text: str
    sentence: str


@dataclass(frozen=True)
class Roadmap:
    shown: bool
    latest: dt.date | None = None  # the week of the latest adoption figures
    initiatives: tuple[InitiativeLine, ...] = ()
    milestones: tuple[MilestoneLine, ...] = ()
    targets: tuple[TargetLine, ...] = ()
    target_counts: tuple[tuple[Status, int], ...] = ()  # shown statuses, in Status order

    def initiatives_with(self, status: Status | None) -> int:
        return sum(1 for line in self.initiatives if line.status == status)


def initiative_status(states: tuple[TargetState, ...]) -> Status | None:
    """The worst shown status of an initiative's targets; None when none is measured."""
    found = {s.status for s in states if s.shown and s.status in INITIATIVE_ORDER}
    return next((status for status in INITIATIVE_ORDER if status in found), None)


def _target_line(state: TargetState) -> TargetLine:
    target = state.target
    metric = REGISTRY.get(target.metric)
    unit = "percent" if target.kind == TargetKind.COURSE_SHARE or metric is None else metric.unit
    value: Decimal | None = None
    if state.shown and state.value is not None:
        value = (
            dashboards.rounded(metric, state.value)
            if target.kind == TargetKind.METRIC and metric is not None
            else Decimal(round(state.value))
        )
    return TargetLine(
        initiative=target.initiative.code,
        name=f"{target.code} {target.name}".strip(),
        measure=state.measure,
        population=state.population,
        goal=state.goal,
        due_date=target.due_date,
        shown=state.shown,
        status=state.status if state.shown else None,
        value=value,
        value_text=state.value_text if value is not None else "",
        unit=unit,
        period_text=state.period_text if state.shown else "",
        sentence=state.sentence,
    )


def _roadmap(access: Access, day: dt.date) -> Roadmap:
    if not roadmap.sees_roadmap(access):
        return Roadmap(shown=False)
    data = roadmap.overview(access, today=day)
    initiatives, milestones, targets = [], [], []
    for row in data.rows:
        i = row.initiative
        steps = list(i.milestones.all())
        overdue = [m for m in steps if not m.done and m.date < day]
        initiatives.append(
            InitiativeLine(
                code=i.code,
                title=i.title,
                owner=i.owner,
                start=i.start,
                end=i.end,
                progress=str(i.get_status_display()),
                status=initiative_status(row.states),
                targets=len(row.states),
                milestones=len(steps),
                milestones_done=sum(1 for m in steps if m.done),
                milestones_overdue=len(overdue),
            )
        )
        milestones += [
            MilestoneLine(i.code, m.date, m.text, m.done, not m.done and m.date < day)
            for m in steps
        ]
        targets += [_target_line(state) for state in row.states]
    return Roadmap(
        shown=True,
        latest=data.latest,
        initiatives=tuple(initiatives),
        milestones=tuple(milestones),
        targets=tuple(targets),
        target_counts=data.counts,
    )


# --- The training plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyLine:
    """One group of a training target's population: a top unit or a former organisation."""

    group: str  # "unit" or "former_organisation"
    label: str  # "" for the people without a former organisation
    population: int
    trained: int
    share: float | None  # None when the group is too small to show a share
    small: bool
    status: TargetStatus | None


@dataclass(frozen=True)
class TrainingLine:
    name: str
    kind: TrainingKind
    value: int  # per cent (share) or people (number)
    due_date: dt.date
    population: int
    trained: int  # by the report's day
    required: int
    expected: int  # by the report's day, at an even pace to the due date
    share: float | None  # per cent trained; None when small or empty
    small: bool
    status: TargetStatus | None
    groups: tuple[TallyLine, ...]

    @property
    def expected_share(self) -> float | None:
        if self.share is None or not self.population:
            return None
        return 100 * self.expected / self.population


@dataclass(frozen=True)
class Training:
    shown: bool
    lines: tuple[TrainingLine, ...] = ()


def _tallies(group: str, tallies: list[training_plan.Tally]) -> list[TallyLine]:
    return [
        TallyLine(group, t.label, t.population, t.trained, t.share, t.small, t.status)
        for t in tallies
    ]


def _training(access: Access, day: dt.date) -> Training:
    if not training_plan.can_see_plan(access):
        return Training(shown=False)
    scope = training_plan.get_plan_scope_for_user(access)
    lines = []
    for target in training_plan.get_targets():
        result = training_plan.breakdown(scope, target, today=day)
        p = result.progress
        lines.append(
            TrainingLine(
                name=target.name,
                kind=TrainingKind(target.kind),
                value=target.value,
                due_date=target.due_date,
                population=p.population,
                trained=p.trained_now,
                required=p.required,
                expected=p.expected_now,
                share=p.share,
                small=p.small,
                status=p.status,
                groups=tuple(
                    _tallies("unit", result.units)
                    + _tallies("former_organisation", result.former_organisations)
                ),
            )
        )
    return Training(shown=True, lines=tuple(lines))


# --- Adoption ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptionLine:
    key: str
    name: str
    unit: str
    value: Decimal | None  # as shown (rounded); None when hidden or missing
    value_text: str
    change: Decimal | None  # since the previous week, as shown
    change_text: str
    suppressed: bool


@dataclass(frozen=True)
class Adoption:
    shown: bool
    period: dt.date | None = None
    period_label: str = ""
    period_span: str = ""
    people: str = ""  # the number of people the week covers, as the page shows it
    lines: tuple[AdoptionLine, ...] = ()


def _adoption(access: Access) -> Adoption:
    if not adoption.sees_adoption(access):
        return Adoption(shown=False)
    page = dashboards.overview(access, dashboards.Params())
    if page.period is None or page.metrics_table is None:
        return Adoption(shown=True)
    rows = {row[0].text: row for row in page.metrics_table.rows}
    lines = []
    for headline in page.headlines:
        # The row of the page's table of all metrics: value, previous, change, …
        row = rows[headline.name]
        value, change = row[1], row[3]
        lines.append(
            AdoptionLine(
                key=headline.metric.key,
                name=headline.name,
                unit=headline.metric.unit,
                value=value.raw if isinstance(value.raw, Decimal) else None,
                value_text=value.text,
                change=change.raw if isinstance(change.raw, Decimal) else None,
                change_text=change.text,
                suppressed=headline.suppressed or value.suppressed,
            )
        )
    return Adoption(
        shown=True,
        period=page.period,
        period_label=page.period_label,
        period_span=page.period_span,
        people=page.n,
        lines=tuple(lines),
    )


# --- Impact --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    shown: bool
    sentence: str = ""  # "" when nothing has been evaluated yet
    metric: str = ""
    evaluated_at: dt.datetime | None = None


def _impact(access: Access) -> Impact:
    if not impact.sees_impact(access):
        return Impact(shown=False)
    result = impact.latest_result()
    if result is None:
        return Impact(shown=True)
    view = presentation_of(result)
    sentence = view.decomposition_sentence or view.effect_sentence
    return Impact(True, sentence, view.metric_name, result.created_at)


# --- The working agreement -----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingAgreement:
    shown: bool  # False: no published version yet
    title: str = ""
    version: int | None = None
    published_on: dt.date | None = None
    effective_from: dt.date | None = None
    rules: int = 0
    acknowledgements_shown: bool = False  # the reader may see the acknowledgement figures
    people: int | None = None  # None when the whole organisation's figure is hidden
    acknowledged: int | None = None
    suppressed: bool = False

    @property
    def percent(self) -> float | None:
        if self.acknowledged is None or not self.people:
            return None
        return 100 * self.acknowledged / self.people


def _agreement(access: Access, day: dt.date) -> WorkingAgreement:
    agreement = agreements.organisation_agreement()
    version = agreements.current_version(agreement) if agreement is not None else None
    if agreement is None or version is None:
        return WorkingAgreement(shown=False)
    published = timezone.localdate(version.published_at) if version.published_at else None
    facts = WorkingAgreement(
        shown=True,
        title=version.title,
        version=version.number,
        published_on=published,
        effective_from=version.effective_from,
        rules=len(agreements.rules_of(version)),
    )
    if not agreements.can_see_acknowledgements(access):
        return facts
    results = agreements.acknowledgement_results(access, agreement, today=day)
    total = next((g for g in results.groups if g.cell == agreements.TOTAL), None)
    if total is None or not total.plan.visible:
        return replace(facts, acknowledgements_shown=True, suppressed=total is not None)
    return replace(
        facts, acknowledgements_shown=True, people=total.plan.n, acknowledged=total.acknowledged
    )


# --- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusReport:
    organisation: str
    day: dt.date
    made_at: dt.datetime
    made_by: str  # "" when made at the command line without --user
    decisions: Decisions
    roadmap: Roadmap
    training: Training
    adoption: Adoption
    impact: Impact
    agreement: WorkingAgreement


def get_status_report_for_user(
    who: Who, *, day: dt.date | None = None, now: dt.datetime | None = None
) -> StatusReport:
    """The report as ``who`` may see it on ``day`` (today when not given); PermissionDenied for
    anyone but the programme lead, the executive and administrators."""
    access = _access(who)
    if not can_see_status_report(access):
        raise PermissionDenied
    day = day or timezone.localdate()
    organisation = get_organisation()
    return StatusReport(
        organisation=organisation.name if organisation is not None else "",
        day=day,
        made_at=now or timezone.now(),
        made_by=_name(who),
        decisions=_decisions(access),
        roadmap=_roadmap(access, day),
        training=_training(access, day),
        adoption=_adoption(access),
        impact=_impact(access),
        agreement=_agreement(access, day),
    )


def _name(who: Who) -> str:
    if isinstance(who, AbstractBaseUser):
        full = getattr(who, "get_full_name", lambda: "")()
        return str(full or who.get_username())
    return ""
