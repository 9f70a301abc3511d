"""Health endpoints for the process supervisor, the reverse proxy and monitoring.

- ``/helse/live``: the process answers. Touches nothing else, so a database outage does not get
  healthy web workers restarted.
- ``/helse/klar``: ready to serve: the database answers a trivial query, every migration is
  applied, the usage lake can be read and written, and DuckDB can be imported.

Both answer JSON without signing in, with 200 or 503 and ``Cache-Control: no-store``. They say
which check failed and nothing more (no versions, paths or error text): the details go to the log.
No audit event is written; the request log writes their lines at DEBUG unless they fail.
"""

from __future__ import annotations

import importlib
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("veikart.health")

OK = "ok"
FAILED = "failed"


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def check_migrations() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied; run `veikart migrate`")


def check_lake() -> None:
    root = Path(settings.LAKE_DIR)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".ready-", suffix=".tmp") as probe:
        probe.write(b"ok")
        probe.flush()
        probe.seek(0)
        if probe.read() != b"ok":
            raise RuntimeError(f"{root}: what was written could not be read back")
    next(root.iterdir(), None)  # the directory itself can be listed


def check_duckdb() -> None:
    importlib.import_module("duckdb")


READY_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "lake": check_lake,
    "duckdb": check_duckdb,
}


@require_safe
@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK})


@require_safe
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in READY_CHECKS.items():
        if name == "migrations" and results.get("database") == FAILED:
            results[name] = FAILED  # cannot be known without the database
            continue
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the log says which and why
            logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = FAILED
        else:
            results[name] = OK
    healthy = all(result == OK for result in results.values())
    return JsonResponse(
        {"status": OK if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


app_name = "health"
urlpatterns = [
    path("live", live, name="live"),
    path("klar", ready, name="ready"),
]
