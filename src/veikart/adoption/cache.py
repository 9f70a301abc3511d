"""Dashboard pages built once and reused while the figures they show stay the same.

On a Monday morning the whole leadership group opens the same few pages; each page reads its
figures and lays them out (tens of milliseconds at 50,000 employees, most of it Python), and
the figures only change when ``veikart compute`` stores new ones. So a page is kept in Django's
cache (by default each server process's own memory) under a key made of:

- the page and the choices on it (metric, week or month, unit, sorting …),
- who it was built for — the whole organisation, or exactly the unit subtrees a unit manager
  may see: two people share a page only when they may see the same figures,
- the language, and the group threshold,
- the moment the figures were last computed (``ComputeState.computed_at``): a new compute
  makes every kept page obsolete at once.

Things a page shows besides the figures — a unit's name after an HR import, a training
session's marker — are at most :data:`TIMEOUT` seconds old. What is cached is the page's
content as built by :mod:`veikart.adoption.dashboards`, below the access checks of the views and
API: a page for one scope is never served to another. Audit-logging happens in the views, for
every request, cached or not.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from veikart.adoption.models import ComputeState
from veikart.core.access import Access

if TYPE_CHECKING:
    from veikart.adoption.dashboards import Params

TIMEOUT = 120  # seconds
Page = TypeVar("Page")


def cached_page(build: Callable[[Access, Params], Page]) -> Callable[[Access, Params], Page]:
    """Wrap a page builder of :mod:`veikart.adoption.dashboards`: the same page for the same
    scope, choices, language and figures is built once (see the module docstring)."""

    @functools.wraps(build)
    def page(who: Access, params: Params) -> Page:
        key = page_key(build.__name__, who, params)
        if key is None:
            return build(who, params)
        found: Page | None = cache.get(key)
        if found is not None:
            return found
        built = build(who, params)
        cache.set(key, built, TIMEOUT)
        return built

    return page


def page_key(name: str, who: Access, params: Params) -> str | None:
    """The cache key of a page, or None when there are no computed figures yet."""
    computed = ComputeState.objects.order_by("pk").values_list("computed_at", flat=True).first()
    if computed is None:
        return None
    scope = "*" if who.organisation_wide else "|".join(sorted(who.unit_paths))
    parts = (
        name,
        computed.isoformat(),
        scope,
        get_language() or settings.LANGUAGE_CODE,
        str(settings.MIN_GROUP_SIZE),
        repr(params),
    )
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"veikart:adoption:page:{digest}"
