from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from veikart.core.access import get_access

AREAS = (
    ("decide", _("Decide"), _("Which systems the merged organisation keeps, replaces or retires.")),
    (
        "plan",
        _("Plan"),
        _("The digital roadmap: initiatives, milestones, targets, way of working."),
    ),
    ("train", _("Train"), _("Courses, sessions, enrolment, attendance and self-assessment.")),
    ("measure", _("Measure"), _("Adoption of Teams, OneDrive and Microsoft 365 per unit.")),
    (
        "evaluate",
        _("Evaluate"),
        _("What the training did, separated from shocks that hit everyone."),
    ),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    access = get_access(getattr(request, "user", None))
    return {"veikart_access": access, "veikart_areas": AREAS}
