import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from veikart.api.params import Id, IsoDate
from veikart.core.access import get_access
from veikart.organisations import selectors
from veikart.organisations.models import Employee, Unit

router = Router(tags=["organisation"])


class FormerOrganisationOut(Schema):
    code: str
    name: str
    email_domain: str


class OrganisationOut(Schema):
    name: str
    merger_date: dt.date | None
    former_organisations: list[FormerOrganisationOut]


class UnitOut(Schema):
    id: int
    code: str
    name: str
    unit_type: str
    parent_id: int | None
    former_organisation: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_former_organisation(unit: Unit) -> str | None:
        return unit.former_organisation.code if unit.former_organisation else None


class EmployeeOut(Schema):
    id: int
    employee_number: str
    given_name: str
    family_name: str
    upn: str
    title: str
    is_manager: bool
    manager_id: int | None
    former_organisation: str | None
    employment_start: dt.date | None
    employment_end: dt.date | None

    @staticmethod
    def resolve_former_organisation(employee: Employee) -> str | None:
        return employee.former_organisation.code if employee.former_organisation else None


class MeOut(Schema):
    username: str
    roles: list[str]
    employee_id: int | None


@router.get("/me", response=MeOut, summary="Who the token belongs to, and its roles")
def me(request: HttpRequest) -> MeOut:
    access = get_access(request.user)
    return MeOut(
        username=request.user.get_username(),
        roles=sorted(r.value for r in access.roles),
        employee_id=access.employee_id,
    )


@router.get("/organisation", response=OrganisationOut, summary="The organisation")
def organisation(request: HttpRequest) -> OrganisationOut:
    org = selectors.get_organisation()
    if org is None or not get_access(request.user).sees_units:
        raise HttpError(404, "No organisation visible to you")
    return OrganisationOut(
        name=org.name,
        merger_date=org.merger_date,
        former_organisations=[
            FormerOrganisationOut(code=f.code, name=f.name, email_domain=f.email_domain)
            for f in org.former_organisations.order_by("code")
        ],
    )


@router.get("/units", response=list[UnitOut], summary="Units you may see")
@paginate(PageNumberPagination, page_size=500)
def units(request: HttpRequest, date: IsoDate | None = None) -> list[Unit]:
    """Units visible to you; with `date`, only those that existed that day."""
    return list(selectors.get_units_for_user(request.user, on=date))


@router.get("/units/{unit_id}", response=UnitOut, summary="One unit")
def unit(request: HttpRequest, unit_id: Id) -> Unit:
    return selectors.get_unit_for_user(request.user, unit_id)


@router.get("/employees", response=list[EmployeeOut], summary="Employees you may see")
@paginate(PageNumberPagination, page_size=100)
def employees(request: HttpRequest, date: IsoDate | None = None) -> list[Employee]:
    """Employees employed on `date` (default today) that you may see."""
    day = date or timezone.localdate()
    return list(selectors.get_employees_for_user(request.user, on=day))


@router.get("/employees/{employee_id}", response=EmployeeOut, summary="One employee")
def employee(request: HttpRequest, employee_id: Id) -> Employee:
    return selectors.get_employee_for_user(request.user, employee_id)
