"""Load the demo organisation "Nye Moss" (Moss + Rygge, merged 2020-01-01) and its sign-ins.

The demo goes through the same HR import a real organisation uses: the committed fixture holds the
HR export as of 2019-01-01 (before the merger) and as of 2020-01-01 (after it).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from veikart.core.constants import Role
from veikart.core.services import grant_role
from veikart.organisations.constants import ImportSource
from veikart.organisations.models import Assignment, Employee, Organisation
from veikart.organisations.services import UploadedFile, apply_import, set_up_organisation

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nye-moss"
SNAPSHOTS = (dt.date(2019, 1, 1), dt.date(2020, 1, 1))
DEMO_USERS = ("demo", "demo-leder", "demo-ansatt")


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoResult:
    created: bool
    password: str | None  # only when the sign-ins were created now
    organisation: Organisation


def load_demo() -> DemoResult:
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
        organisation = set_up_organisation(
            name="Moss kommune",
            merger_date=dt.date(2020, 1, 1),
            former=[
                ("moss", "Moss kommune (til 2020)", "moss.kommune.no"),
                ("rygge", "Rygge kommune (til 2020)", "rygge.kommune.no"),
            ],
            is_demo=True,
        )
        for day in SNAPSHOTS:
            folder = FIXTURE / day.isoformat()
            files = [UploadedFile(p.name, p.read_bytes()) for p in sorted(folder.glob("*.csv"))]
            apply_import(organisation, files, as_of=day, full=True, source=ImportSource.DEMO)
        password = _create_users()
    return DemoResult(True, password, organisation)


def _create_users() -> str:
    """Three sign-ins sharing one random password: programme lead, a unit manager, an employee."""
    users = get_user_model()
    password = secrets.token_urlsafe(9)
    today = max(dt.date.today(), SNAPSHOTS[-1])  # noqa: DTZ011 (a calendar day is enough)
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
