"""Logging: one JSON object per line in production, readable lines in development.

Every record carries the id of the request it was written during (``request_id``, or ``-``
outside a request), so one request's lines can be found together. The request middleware
(:mod:`veikart.core.middleware`) writes one line per request to the ``veikart.request`` logger
with the path, status, duration and user id — never the user name or the query string, which
may hold personal data.

This module is imported by the settings, so it imports nothing from Django.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from typing import Any

#: The id of the request being handled in this thread or task, or None outside a request.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "veikart_request_id", default=None
)

#: Record attributes written as JSON fields when a log call sets them (``extra={...}``).
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current request's id, or ``-``) to every record.

    Django logs a 4xx/5xx response (logger ``django.request``) after the middleware has
    finished, with the request in the record, so the id is taken from there too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            request = getattr(record, "request", None)
            record.request_id = (
                getattr(request, "request_id", None) or current_request_id.get() or "-"
            )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the request
    fields (method, path, status, duration_ms, user_id) when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        status_code = getattr(record, "status_code", None)
        if "status" not in entry and isinstance(status_code, int):
            entry["status"] = status_code  # Django's own lines about a response
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a stray object in a message argument never loses the line.
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    given = getattr(record, "request_id", None)
    if given and given != "-":
        return str(given)
    return current_request_id.get()


def logging_config(*, structured: bool, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: everything to standard error, which systemd's journal keeps.

    Not standard output: commands write their results there (a CSV export piped to a file), and
    a log line must never end up in them.

    Gunicorn's own loggers are included, so that ``veikart serve`` hands this same configuration
    to gunicorn and its messages (worker start, worker timeout) come out in the same form.
    Gunicorn's access log is switched off: the request middleware writes a richer line.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "veikart.core.logging.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "veikart.core.logging.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json" if structured else "text",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # The request middleware logs every request; Django's runserver line would repeat it.
            "django.server": {"level": "WARNING"},
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
