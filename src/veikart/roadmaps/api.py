"""The roadmap in the API: initiatives and targets with their live status and forecast, scoped and
suppressed as on the web (the same selectors)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from veikart.api.params import Id
from veikart.roadmaps import selectors
from veikart.roadmaps.models import Initiative, Target
from veikart.roadmaps.selectors import TargetState

router = Router(tags=["roadmaps"])


class MilestoneOut(Schema):
    date: dt.date
    text: str
    done: bool


class InitiativeDecisionOut(Schema):
    """A system decision an initiative depends on (the full one: /api/v1/systems/decisions)."""

    id: int
    system: str
    decision: str
    status: str


class InitiativeCourseOut(Schema):
    """A course an initiative depends on (the full one: /api/v1/training/courses)."""

    id: int
    code: str
    title: str


class InitiativeOut(Schema):
    id: int
    code: str
    title: str
    goal: str
    owner: str
    target_groups: str
    unit_ids: list[int]
    for_leaders: bool
    start: dt.date
    end: dt.date
    status: str
    milestones: list[MilestoneOut]
    depends_on_decisions: list[InitiativeDecisionOut]
    depends_on_courses: list[InitiativeCourseOut]
    target_ids: list[int]


class PopulationOut(Schema):
    kind: str  # everyone, unit, unit_type, former_organisation
    unit_id: int | None
    unit_type: str
    former_organisation: str  # its code
    leaders_only: bool
    text: str


class ForecastOut(Schema):
    model: str | None
    reached_on: dt.date | None
    reached_earliest: dt.date | None
    reached_latest: dt.date | None
    probability_by_due: float | None
    reason: str | None
    band_level: float
    weeks: list[dt.date]
    median: list[float]
    lower: list[float]
    upper: list[float]


class TargetOut(Schema):
    id: int
    initiative_id: int
    code: str
    name: str
    kind: str  # metric or course_share
    metric: str
    course: str  # the course code, for a course target
    direction: str
    threshold: float
    due_date: dt.date
    population: PopulationOut
    figures_shown: bool  # False: the user may not see this target's figures
    status: str | None
    value: float | None
    period: dt.date | None
    n: int | None
    sentence: str
    forecast: ForecastOut | None


def _initiative(i: Initiative) -> InitiativeOut:
    return InitiativeOut(
        id=i.pk,
        code=i.code,
        title=i.title,
        goal=i.goal,
        owner=i.owner,
        target_groups=i.target_groups,
        unit_ids=[u.pk for u in i.units.all()],
        for_leaders=i.for_leaders,
        start=i.start,
        end=i.end,
        status=i.status,
        milestones=[
            MilestoneOut(date=m.date, text=m.text, done=m.done) for m in i.milestones.all()
        ],
        depends_on_decisions=[
            InitiativeDecisionOut(id=d.pk, system=d.system_name, decision=d.kind, status=d.status)
            for d in i.depends_on_decisions.all()
        ],
        depends_on_courses=[
            InitiativeCourseOut(id=c.pk, code=c.code, title=c.title)
            for c in i.depends_on_courses.all()
        ],
        target_ids=[t.pk for t in i.targets.all()],
    )


def _target(state: TargetState) -> TargetOut:
    t: Target = state.target
    outlook = state.outlook
    return TargetOut(
        id=t.pk,
        initiative_id=t.initiative_id,
        code=t.code,
        name=t.name,
        kind=t.kind,
        metric=t.metric,
        course=t.course.code if t.course is not None else "",
        direction=t.direction,
        threshold=float(t.threshold),
        due_date=t.due_date,
        population=PopulationOut(
            kind=t.population,
            unit_id=t.unit_id,
            unit_type=t.unit_type,
            former_organisation=t.former_organisation.code if t.former_organisation else "",
            leaders_only=t.leaders_only,
            text=state.population,
        ),
        figures_shown=state.shown,
        status=state.status.value if state.status is not None else None,
        value=state.value,
        period=state.period,
        n=state.n,
        sentence=state.sentence,
        forecast=(
            ForecastOut(
                model=outlook.model,
                reached_on=outlook.reached_on,
                reached_earliest=outlook.reached_lower,
                reached_latest=outlook.reached_upper,
                probability_by_due=outlook.probability_by_due,
                reason=outlook.reason,
                band_level=outlook.band_level,
                weeks=list(outlook.weeks),
                median=list(outlook.median),
                lower=list(outlook.lower),
                upper=list(outlook.upper),
            )
            if outlook is not None
            else None
        ),
    )


@router.get("/initiatives", response=list[InitiativeOut], summary="The roadmap's initiatives")
def initiatives(request: HttpRequest) -> list[InitiativeOut]:
    """Every initiative with its milestones, its dependencies on system decisions and courses,
    and the ids of its targets (see `/api/v1/roadmap/targets`). Open to everyone signed in."""
    if not selectors.sees_roadmap(request.user):
        raise HttpError(403, "You may not see the roadmap.")
    return [_initiative(i) for i in selectors.get_initiatives_for_user(request.user)]


@router.get("/targets", response=list[TargetOut], summary="The roadmap's targets, live")
def targets(request: HttpRequest, initiative: Id | None = None) -> list[TargetOut]:
    """Every target (or those of one `initiative`) with its status computed now from the
    adoption figures or the training plan: `met`, `on_track`, `at_risk`, `off_track`,
    `no_data`, or `hidden` (the figure it rests on covers too few people: no value is given).
    Values are in the metric's unit (per cent for shares). `figures_shown` is false, with no
    status, value or forecast, where the user may not see the population's figures (a unit
    manager and a population outside their units; employees). The forecast fits an adoption
    curve to the visible weeks; `median`, `lower` and `upper` follow `weeks`."""
    if not selectors.sees_roadmap(request.user):
        raise HttpError(403, "You may not see the roadmap.")
    found = selectors.get_targets_for_user(request.user)
    if initiative is not None:
        found = found.filter(initiative_id=initiative)
    return [_target(s) for s in selectors.target_states(request.user, found)]
