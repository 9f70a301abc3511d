"""Adoption figures in the API: the metric registry and the stored figures, as the user may see
them (the same selectors as the dashboards). A hidden figure comes back with ``suppressed`` true
and neither value nor group size."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import JsonValue

from veikart.adoption import selectors
from veikart.adoption.engine import BREAKDOWNS, REGISTRY
from veikart.api.params import Id, IsoDate
from veikart.core.access import get_access
from veikart.core.services import record_audit_event

router = Router(tags=["adoption"])


def breakdown_names() -> list[str]:
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


METRIC_KEYS: list[JsonValue] = [*sorted(REGISTRY)]
BREAKDOWN_NAMES: list[JsonValue] = [*breakdown_names()]


class FigureQuery(Schema):
    # The choices are published as enums; an unknown one is refused by the view with a 400 that
    # says where to find the keys (pydantic's 422 would not).
    metric: str = Field(json_schema_extra={"enum": METRIC_KEYS})
    grain: Literal["week", "month"] = "week"
    breakdown: str = Field("", json_schema_extra={"enum": BREAKDOWN_NAMES})
    unit: list[Id] | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None


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


class ColumnOut(Schema):
    label: str
    numeric: bool


class EntryOut(Schema):
    value: float | int | str | None  # dates as ISO 8601
    text: str  # as the page shows it, in the request's language
    suppressed: bool


class TableOut(Schema):
    key: str
    caption: str
    columns: list[ColumnOut]
    rows: list[list[EntryOut]]


def _entry(entry: Any) -> EntryOut:
    raw = entry.raw
    if entry.suppressed:
        value: float | int | str | None = None
    elif isinstance(raw, Decimal):
        value = float(raw)
    elif isinstance(raw, dt.date):
        value = raw.isoformat()
    else:
        value = raw
    return EntryOut(value=value, text=entry.text, suppressed=entry.suppressed)


@router.get(
    "/tables/{table}",
    response=TableOut,
    summary="One dashboard table, as the page shows it",
    description=(
        "Every table of the dashboards by the name its export uses (`oversikt`, "
        "`enhet-utvikling`, `sammenligning`, `tidligere-kommuner`, `ledere`, `hjelp-lavest`, "
        "…), with the page's query parameters (`maal`, `enhet`, …). The same scoping and "
        "suppression as the page: hidden figures have `suppressed` true and no value."
    ),
)
def table(request: HttpRequest, table: str) -> TableOut:
    from veikart.adoption.dashboards import Params
    from veikart.adoption.views import EXPORTS

    access = get_access(request.user)
    if not selectors.sees_adoption(access):
        raise HttpError(403, "You may not see adoption figures.")
    if table not in EXPORTS:
        raise HttpError(404, f"No table {table!r}; known: {', '.join(sorted(EXPORTS))}.")
    params = Params.from_query(request.GET)
    try:
        found = EXPORTS[table](access, params).tables.get(table)
    except selectors.NotAllowed:
        raise HttpError(403, "You may not see adoption figures.") from None
    if found is None:
        raise HttpError(404, "This table is empty for these choices.")
    record_audit_event(
        request.user,
        "adoption.api-table",
        target=table,
        detail={"query": dict(request.GET.items())},
    )
    return TableOut(
        key=found.key,
        caption=found.caption,
        columns=[ColumnOut(label=c.label, numeric=c.numeric) for c in found.columns],
        rows=[[_entry(e) for e in row] for row in found.rows],
    )
