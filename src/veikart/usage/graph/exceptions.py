"""What can go wrong when pulling usage reports from Microsoft Graph.

Every message is written for the operator who reads it in a log or on the terminal: it says what
happened and what to check. No message ever contains an access token, a client secret or a
pre-authenticated download address.
"""

from __future__ import annotations

import datetime as dt

from veikart.conf.env import ConfigError


class GraphError(Exception):
    """Base class of everything this package raises."""


class GraphConfigError(GraphError, ConfigError):
    """The Graph settings are missing or invalid; the message names the variable.

    Also a :class:`~veikart.conf.env.ConfigError`, so the ``veikart`` command reports it as a
    configuration error (exit code 2).
    """


class GraphAuthError(GraphError):
    """Microsoft Entra ID gave no token, or Graph refused a fresh one (HTTP 401)."""

    def __init__(self, message: str, *, error: str | None = None) -> None:
        self.error = error  # the OAuth error code, e.g. "invalid_client"
        super().__init__(message)


class GraphPermissionError(GraphError):
    """Graph answered 403: the app lacks ``Reports.Read.All`` or its admin consent."""


class GraphRequestError(GraphError):
    """Graph refused a request with a 4xx status that retrying cannot fix."""

    def __init__(self, message: str, *, status: int, code: str = "", detail: str = "") -> None:
        self.status = status
        self.code = code  # Graph's error code, e.g. "InvalidArgument"
        self.detail = detail  # Graph's error message
        super().__init__(message)


class GraphDateUnavailableError(GraphRequestError):
    """Graph has no one-day report for this date (HTTP 400).

    Graph serves date-form reports for the past 28 days only, and never for today or later.
    """

    def __init__(self, report: str, date: dt.date, *, code: str = "", detail: str = "") -> None:
        self.report = report
        self.date = date
        message = f"{report}: Graph has no report for {date.isoformat()}"
        if detail:
            message += f" ({detail})"
        super().__init__(message, status=400, code=code, detail=detail)


class GraphUnsupportedError(GraphRequestError):
    """Graph does not offer this report in this form (HTTP 404, "function cannot be found").

    Organisation-level count reports, for example, exist in period form (``D7`` …) only.
    """


class GraphThrottledError(GraphError):
    """Graph kept answering 429, or asked for a longer pause than we are willing to wait."""


class GraphUnavailableError(GraphError):
    """Graph or the download host kept failing (5xx, time-outs, refused connections)."""
