"""The rules a decision must meet, shared by the decision form and the import."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from veikart.systems.constants import DecisionKind


def decision_errors(
    *,
    system_name: str,
    kind: str,
    replacement: str,
    decided_on: dt.date | None,
    milestone_date: dt.date | None,
    today: dt.date,
) -> dict[str, str]:
    """Field name → what is wrong and what to do; empty when the decision may be saved.

    A decision is recorded when it is taken, so its date is today or earlier; what is still to
    happen goes in the migration milestone, which cannot come before the decision.
    """
    errors: dict[str, str] = {}
    replacement = replacement.strip()
    if kind == DecisionKind.REPLACE and not replacement:
        errors["replacement"] = _(
            "A replacement decision must name the system that replaces it (for example "
            "“Microsoft Teams”)."
        )
    elif kind != DecisionKind.REPLACE and replacement:
        errors["replacement"] = _(
            "Only a replacement decision names a replacing system. Clear the field, or choose "
            "“Replace”."
        )
    elif replacement and replacement.casefold() == system_name.strip().casefold():
        errors["replacement"] = _("A system cannot be replaced by itself. Name another system.")
    if decided_on is None:
        errors["decided_on"] = _("Enter the date the decision was taken.")
    elif decided_on > today:
        errors["decided_on"] = _(
            "The decision date %(date)s is in the future. Record a decision when it has been "
            "taken; put the date the change is planned for in the migration milestone."
        ) % {"date": date_format(decided_on, "SHORT_DATE_FORMAT")}
    if decided_on is not None and milestone_date is not None and milestone_date < decided_on:
        errors["milestone_date"] = _(
            "The migration milestone (%(milestone)s) is before the decision date (%(decided)s). "
            "Check both dates."
        ) % {
            "milestone": date_format(milestone_date, "SHORT_DATE_FORMAT"),
            "decided": date_format(decided_on, "SHORT_DATE_FORMAT"),
        }
    return errors
