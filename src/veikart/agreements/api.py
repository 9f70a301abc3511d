"""The agreements part of /api/v1/: the agreement in force, and acknowledgement counts.

The agreement is readable by every user (it is a document for all employees). Acknowledgements
come back as counts per group, with the same suppression as the web page: a hidden group has
``suppressed`` true and neither its size nor its count. No endpoint says who has acknowledged.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from veikart.agreements import selectors
from veikart.agreements.models import AgreementVersion
from veikart.api.params import Id
from veikart.core.services import record_audit_event
from veikart.organisations.selectors import get_unit_for_user

router = Router(tags=["agreements"])


class RuleOut(Schema):
    key: int
    position: int
    need: str
    tool: str
    example: str
    not_for: str
    binding: bool
    replaces: int | None


class VersionOut(Schema):
    id: int
    agreement_id: int
    unit_id: int | None
    unit_name: str | None
    number: int
    title: str
    intro: str
    effective_from: dt.date | None
    published_at: dt.datetime | None
    change_note: str
    requires_acknowledgement: bool
    rules: list[RuleOut]


class CurrentOut(Schema):
    organisation: VersionOut | None
    additions: list[VersionOut]
    acknowledged: bool | None


class AckGroupOut(Schema):
    kind: str
    unit_id: int | None
    former_organisation: str | None
    label: str
    depth: int
    n: int | None
    acknowledged: int | None
    share: float | None
    suppressed: bool


class AcknowledgementsOut(Schema):
    agreement_id: int
    unit_id: int | None
    version: int | None
    baseline: int | None
    day: dt.date
    min_group_size: int
    groups: list[AckGroupOut]


def _version(version: AgreementVersion) -> VersionOut:
    unit = version.agreement.unit
    return VersionOut(
        id=version.pk,
        agreement_id=version.agreement_id,
        unit_id=unit.pk if unit is not None else None,
        unit_name=unit.name if unit is not None else None,
        number=version.number,
        title=version.title,
        intro=version.intro,
        effective_from=version.effective_from,
        published_at=version.published_at,
        change_note=version.change_note,
        requires_acknowledgement=version.requires_acknowledgement,
        rules=[
            RuleOut(
                key=r.key,
                position=r.position,
                need=r.need,
                tool=r.tool,
                example=r.example,
                not_for=r.not_for,
                binding=r.binding,
                replaces=r.replaces,
            )
            for r in selectors.rules_of(version)
        ],
    )


@router.get("/current", response=CurrentOut, summary="The working agreement in force")
def current(request: HttpRequest, unit: Id | None = None) -> CurrentOut:
    """The organisation's agreement in force and the additions of the units that apply: to
    someone working in `unit` when given (a unit you may see), otherwise to you. `acknowledged`
    is your own status (null when you are not an employee, or with `unit`)."""
    if unit is not None:
        composed = selectors.composed_for_unit(get_unit_for_user(request.user, unit))
        acknowledged = None
    else:
        mine = selectors.my_agreement(request.user)
        composed = mine.composed
        acknowledged = mine.acknowledged if mine.is_employee else None
    return CurrentOut(
        organisation=_version(composed.organisation) if composed.organisation else None,
        additions=[_version(a.version) for a in composed.additions],
        acknowledged=acknowledged,
    )


@router.get(
    "/acknowledgements",
    response=AcknowledgementsOut,
    summary="How many have acknowledged, per group",
)
def acknowledgements(request: HttpRequest, agreement: Id | None = None) -> AcknowledgementsOut:
    """Counts of people who have acknowledged the agreement in force (the organisation's, or
    the unit addition `agreement`), per unit subtree and former organisation that you may see.
    Groups smaller than `min_group_size`, and some others so that they cannot be subtracted
    out, are `suppressed`."""
    if not selectors.can_see_acknowledgements(request.user):
        raise HttpError(403, "You may not see acknowledgement figures.")
    if agreement is None:
        found = selectors.organisation_agreement()
        if found is None:
            raise HttpError(404, "There is no working agreement yet.")
    else:
        found = selectors.get_agreement_for_user(request.user, agreement)
    result = selectors.acknowledgement_results(request.user, found)
    record_audit_event(
        request.user, "agreements.acknowledgements.api", target=f"agreement:{found.pk}"
    )
    return AcknowledgementsOut(
        agreement_id=found.pk,
        unit_id=found.unit_id,
        version=result.version.number if result.version else None,
        baseline=result.baseline.number if result.baseline else None,
        day=result.day,
        min_group_size=result.min_group_size,
        groups=[
            AckGroupOut(
                kind=g.kind,
                unit_id=int(g.cell[1]) if g.kind == "unit" else None,
                former_organisation=str(g.cell[1]) if g.kind == "former" else None,
                label=g.label,
                depth=g.depth,
                n=g.plan.n if g.plan.visible else None,
                acknowledged=g.acknowledged,
                share=g.share,
                suppressed=not g.plan.visible,
            )
            for g in result.groups
        ],
    )
