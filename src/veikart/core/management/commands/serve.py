"""``veikart serve``: the web application under gunicorn, for server mode.

Defaults come from the environment (VEIKART_BIND, VEIKART_WORKERS, VEIKART_TIMEOUT; see
docs/operator/configuration.md), and the options below override them. Before it binds a port the
command checks that it can serve: in production mode (VEIKART_PRODUCTION=true) it refuses to
start when the deployment check warns, when the host names are still the development ones,
when static files have not been collected, or when the database, its migrations or the usage
lake are not ready. Outside production those problems are printed and it starts anyway.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core import checks
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from veikart.conf.env import ConfigError, get_int, get_str
from veikart.core.health import READY_CHECKS

DEFAULT_BIND = "127.0.0.1:8000"
MAX_DEFAULT_WORKERS = 8
DEFAULT_TIMEOUT = 120
DEVELOPMENT_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})")


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # the cores this process may use (cgroups, taskset)
    return os.cpu_count() or 1  # pragma: no cover - not Linux


def default_workers() -> int:
    """Gunicorn's rule of thumb, 2 × cores + 1, at most 8: each worker may run an analysis."""
    return min(2 * cores() + 1, MAX_DEFAULT_WORKERS)


def parse_bind(value: str, name: str = "VEIKART_BIND") -> str:
    """``HOST:PORT``, ``[IPv6]:PORT`` or ``unix:/path``; a ConfigError naming ``name`` if not."""
    value = value.strip()
    if value.startswith("unix:") and len(value) > len("unix:"):
        return value
    match = _HOST_PORT.fullmatch(value)
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise ConfigError(
            f"{name}={value!r} is not an address to listen on; use HOST:PORT "
            "(127.0.0.1:8000) or unix:/run/veikart/veikart.sock"
        )
    return value


def server_options(
    *, bind: str | None = None, workers: int | None = None, timeout: int | None = None
) -> dict[str, Any]:
    """Gunicorn's settings: the arguments given, else the environment, else the defaults."""
    if bind is not None:
        bind = parse_bind(bind, "--bind")
    else:
        bind = parse_bind(get_str("VEIKART_BIND", DEFAULT_BIND))
    if workers is None:
        workers = get_int("VEIKART_WORKERS", default_workers(), minimum=1)
    if timeout is None:
        timeout = get_int("VEIKART_TIMEOUT", DEFAULT_TIMEOUT, minimum=10)
    options: dict[str, Any] = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        # A fresh worker now and then returns memory that large analyses left behind.
        "max_requests": 1000,
        "max_requests_jitter": 100,
        "proc_name": "veikart",
        # The request middleware writes the access log (with request id and user id);
        # gunicorn's own messages go through the same logging configuration as Django's.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.LOG_LEVEL.lower(),
        "logconfig_dict": settings.LOGGING,
        # gunicorn ≥ 25 opens a control socket under $HOME by default; Veikart needs none.
        "control_socket_disable": True,
    }
    if Path("/dev/shm").is_dir():  # noqa: S108 - gunicorn's heartbeat files, not data
        options["worker_tmp_dir"] = "/dev/shm"  # noqa: S108
    return options


def static_files_problem() -> str | None:
    """Why the collected static files cannot be served as they are, or None."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None  # development: served from the apps' folders
    if not storage.manifest_storage.exists(storage.manifest_name):
        return (
            f"static files have not been collected into {settings.STATIC_ROOT}; "
            "run `veikart collectstatic --no-input`"
        )
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    found = {
        found_path.replace(os.sep, "/")
        for finder in finders.get_finders()
        for found_path, _storage in finder.list(ignore)
    }
    missing = sorted(found - set(storage.hashed_files))
    if missing:
        return (
            f"{len(missing)} static file(s) are missing from {settings.STATIC_ROOT} "
            f"(e.g. {missing[0]}): run `veikart collectstatic --no-input` after every upgrade"
        )
    return None


def host_problem() -> str | None:
    if set(settings.ALLOWED_HOSTS) <= DEVELOPMENT_HOSTS:
        return (
            "VEIKART_ALLOWED_HOSTS names only this machine; set it to the host name people "
            "use (veikart.example.kommune.no)"
        )
    return None


def readiness_problems() -> list[str]:
    problems = []
    for name, check in READY_CHECKS.items():
        try:
            check()
        except Exception as exc:  # reported, with the reason, to the operator starting it
            problems.append(f"{name}: {exc}")
            if name == "database":
                break  # the migrations cannot be checked either
    return problems


class Command(BaseCommand):
    help = (
        "Serve Veikart with gunicorn (server mode). Listens on VEIKART_BIND (default "
        "127.0.0.1:8000) with VEIKART_WORKERS worker processes; in production mode it refuses "
        "to start until the deployment check, static files, database and migrations are in order."
    )
    requires_system_checks: list[str] = []  # run below, with the deployment checks in production

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            metavar="ADDRESS",
            help="Address to listen on, HOST:PORT or unix:PATH (default: VEIKART_BIND or "
            "127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            metavar="N",
            help="Number of worker processes (default: VEIKART_WORKERS or 2 × cores + 1, at "
            "most 8).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            metavar="SECONDS",
            help="Restart a worker that has not answered for this long (default: "
            "VEIKART_TIMEOUT or 120).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that Veikart can be served and show the settings; do not start.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["timeout"] is not None and options["timeout"] < 10:
            raise CommandError("--timeout must be at least 10 seconds.")
        server = server_options(
            bind=options["bind"], workers=options["workers"], timeout=options["timeout"]
        )
        production: bool = settings.PRODUCTION
        # In production any warning of the deployment check stops the start (SystemCheckError).
        self.check(
            include_deployment_checks=production,
            fail_level=checks.WARNING if production else checks.ERROR,
        )
        problems = [static_files_problem(), *readiness_problems()]
        if production:
            problems.insert(0, host_problem())
        connections.close_all()  # no connection may be shared by the forked workers
        found = [problem for problem in problems if problem]
        if found and production:
            raise CommandError(
                "Veikart does not start in production mode until this is fixed:\n- "
                + "\n- ".join(found)
            )
        for problem in found:
            self.stderr.write(self.style.WARNING(f"Warning: {problem}"))
        mode = "production" if production else "development"
        self.stdout.write(
            f"Veikart ({mode} mode) listens on {server['bind'][0]} with {server['workers']} "
            f"worker(s), timeout {server['timeout']} s."
        )
        if options["check"]:
            self.stdout.write("Ready to serve.")
            return
        self.stdout.flush()
        _run_gunicorn(server)


def _run_gunicorn(server: dict[str, Any]) -> None:
    try:
        from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
    except ImportError:
        raise CommandError(
            "gunicorn is not installed; install Veikart with its dependencies "
            "(pip install veikart) or run `pip install gunicorn` in its environment."
        ) from None

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            known = self.cfg.settings
            for key, value in server.items():
                if key in known:  # settings of newer gunicorn versions are skipped by older ones
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from django.core.wsgi import get_wsgi_application

            return get_wsgi_application()

    Server().run()
