"""Adoption figures in the API: the metric registry and the stored figures, as the user may see
them (the same selectors as the dashboards). A hidden figure comes back with ``suppressed`` true
and neither value nor group size."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from veikart.adoption import selectors
from veikart.adoption.engine import REGISTRY

router = Router(tags=["adoption"])


def breakdown_names() -> list[str]:
    from veikart.adoption.engine.privacy import BREAKDOWNS

    return ["+".join(b) for b in BREAKDOWNS]


class MetricOut(Schema):
    key: str
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str
    unit: str
    reports: list[str]


class FigureOut(Schema):
    period: dt.date
    breakdown: str
    unit_id: int | None
    attribute: str
    value: float | None
    n: int | None
    suppressed: bool


class FigureQuery(Schema):
    metric: str
    grain: Literal["week", "month"] = "week"
    breakdown: str = ""
    unit: list[int] | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class FigurePages(PageNumberPagination):
    page_size = 1000


@router.get("/metrics", response=list[MetricOut], summary="The adoption metrics")
def metrics(request: HttpRequest) -> list[MetricOut]:
    if not selectors.sees_adoption(request.user):
        raise HttpError(403, "You may not see adoption figures.")
    return [
        MetricOut(
            key=m.key,
            name_nb=m.name_nb,
            name_en=m.name_en,
            description_nb=m.description_nb,
            description_en=m.description_en,
            unit=m.unit,
            reports=list(m.reports),
        )
        for m in REGISTRY.values()
    ]


@router.get(
    "/figures",
    response=list[FigureOut],
    summary="One metric's figures by period for a breakdown",
    description=(
        "`breakdown` is empty (the whole organisation), `former_org`, `is_leader`, "
        "`training_status`, `unit_type`, `unit_subtree`, or `unit_subtree+` one of the three "
        "before it. Unit breakdowns give each unit's whole subtree; a unit manager gets their own "
        "subtree's units and the whole organisation only. Figures over fewer people than the "
        "group threshold, or that would let one be worked out from the others, come back with "
        "`suppressed` true and no value or n."
    ),
)
@paginate(FigurePages)
def figures(request: HttpRequest, query: Query[FigureQuery]) -> list[FigureOut]:
    if query.metric not in REGISTRY:
        raise HttpError(
            400, f"Unknown metric {query.metric!r}; see /api/v1/adoption/metrics for the keys."
        )
    names = breakdown_names()
    if query.breakdown not in names:
        raise HttpError(
            400,
            f"Unknown breakdown {query.breakdown!r}; use one of: "
            + ", ".join(repr(name) for name in names),
        )
    try:
        cells = selectors.series(
            request.user,
            metric=query.metric,
            grain=query.grain,
            breakdown=query.breakdown,
            unit_ids=query.unit,
            since=query.since,
            until=query.until,
        )
    except selectors.NotAllowed:
        raise HttpError(403, "You may not see adoption figures.") from None
    return [FigureOut(**cell.__dict__) for cell in cells]
