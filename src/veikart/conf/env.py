"""Strict, typed reading of the environment.

Every deployment value Veikart reads is declared once in :data:`VARIABLES`; settings read them only
through the helpers below, which refuse a bad value with a :class:`ConfigError` naming the variable.
docs/operator/configuration.md is checked against :data:`VARIABLES` by a test, so the
reference cannot drift from the code. A secret may also come from ``NAME_FILE`` (the path of a
file holding it).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigError(Exception):
    """A configuration value is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str  # "str", "bool", "int", "list", "path", "url", "secret"
    default: str
    description: str


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "VEIKART_DATA_DIR",
        "path",
        "./var",
        "Directory for everything Veikart stores on disk: the SQLite database (when no "
        "DATABASE_URL is set), the usage lake, uploads awaiting confirmation, generated keys.",
    ),
    Variable(
        "DATABASE_URL",
        "url",
        "sqlite:///$VEIKART_DATA_DIR/veikart.sqlite3",
        "Database as a URL, e.g. postgres://veikart@127.0.0.1:5432/veikart. SQLite and "
        "PostgreSQL are supported.",
    ),
    Variable(
        "SECRET_KEY",
        "secret",
        "generated into $VEIKART_DATA_DIR/secret_key (not in production)",
        "Django's signing key (sessions, CSRF, password reset). Required in production; "
        "at least 50 characters. May be given as SECRET_KEY_FILE.",
    ),
    Variable(
        "VEIKART_PSEUDONYM_KEY",
        "secret",
        "generated into $VEIKART_DATA_DIR/pseudonym_key (not in production)",
        "Key of the keyed hash (HMAC-SHA-256) that replaces user principal names in usage "
        "data. Required in production; at least 32 characters. Changing it breaks the link "
        "between stored usage data and employees. May be given as VEIKART_PSEUDONYM_KEY_FILE.",
    ),
    Variable(
        "VEIKART_MIN_GROUP_SIZE",
        "int",
        "10",
        "Smallest group of people a figure may describe; smaller groups are suppressed. "
        "Values below 5 are refused.",
    ),
    Variable(
        "VEIKART_ANALYTICS_MEMORY_MB",
        "int",
        "4096",
        "Memory the in-process analytics engine (DuckDB) may use per computation, in MiB; "
        "beyond it, large computations spill to the data directory. At least 256.",
    ),
    Variable(
        "VEIKART_RETENTION_DAYS",
        "int",
        "1095",
        "How long raw usage data (the lake's per-person rows) is kept, in days; `veikart purge` "
        "removes older snapshots. Aggregates are kept. At least 28.",
    ),
    Variable(
        "VEIKART_PRODUCTION",
        "bool",
        "false",
        "Production mode: secrets must be given, cookies are secure, HTTPS is assumed, "
        "demo data cannot be loaded.",
    ),
    Variable(
        "VEIKART_ALLOWED_HOSTS",
        "list",
        "127.0.0.1,localhost",
        "Comma-separated host names the web server answers to. Required in production.",
    ),
    Variable(
        "VEIKART_CSRF_TRUSTED_ORIGINS",
        "list",
        "",
        "Comma-separated origins (https://veikart.example.kommune.no) trusted for form posts "
        "when Veikart runs behind a reverse proxy.",
    ),
    Variable(
        "VEIKART_DEBUG",
        "bool",
        "false",
        "Show Django's debug pages. For development only; refused in production.",
    ),
    Variable(
        "VEIKART_SECURE_PROXY_SSL_HEADER",
        "bool",
        "true in production",
        "Trust the X-Forwarded-Proto header from the reverse proxy to tell HTTPS requests.",
    ),
    # --- Server mode (`veikart serve`, logging); read by veikart.core.management.commands.serve
    Variable(
        "VEIKART_BIND",
        "str",
        "127.0.0.1:8000",
        "Address `veikart serve` listens on: HOST:PORT, or unix:/run/veikart/veikart.sock. "
        "Keep it on 127.0.0.1 behind a reverse proxy on the same machine.",
    ),
    Variable(
        "VEIKART_WORKERS",
        "int",
        "2 × cores + 1, at most 8",
        "Worker processes of `veikart serve`. Each may run an analysis using up to "
        "VEIKART_ANALYTICS_MEMORY_MB of memory. At least 1.",
    ),
    Variable(
        "VEIKART_TIMEOUT",
        "int",
        "120",
        "Seconds a request may take before `veikart serve` restarts its worker. Keep the "
        "reverse proxy's read timeout a little longer. At least 10.",
    ),
    Variable(
        "VEIKART_LOG_FORMAT",
        "str",
        "json in production, text otherwise",
        "Log lines as JSON objects (json: one per line, for the journal and log collectors) "
        "or readable text (text).",
    ),
    Variable(
        "VEIKART_GRAPH_TENANT_ID",
        "str",
        "",
        "Entra ID tenant (GUID or domain) for `veikart pull`. See docs/operator/graph.md.",
    ),
    Variable(
        "VEIKART_GRAPH_CLIENT_ID",
        "str",
        "",
        "Application (client) id of the app registration with Reports.Read.All.",
    ),
    Variable(
        "VEIKART_GRAPH_CLIENT_SECRET",
        "secret",
        "",
        "Client secret of the app registration (or use a certificate). "
        "May be given as VEIKART_GRAPH_CLIENT_SECRET_FILE.",
    ),
    Variable(
        "VEIKART_GRAPH_CERTIFICATE_FILE",
        "path",
        "",
        "PEM file with the private key and certificate of the app registration (recommended).",
    ),
    Variable(
        "VEIKART_GRAPH_CERTIFICATE_THUMBPRINT",
        "str",
        "computed from the certificate",
        "SHA-1 thumbprint of the certificate, 40 hex digits.",
    ),
    Variable(
        "VEIKART_GRAPH_CA_BUNDLE",
        "path",
        "the system's certificate authorities",
        "CA bundle for Microsoft's endpoints, e.g. behind a TLS-inspecting proxy.",
    ),
    Variable(
        "VEIKART_GRAPH_AUTHORITY_HOST",
        "url",
        "https://login.microsoftonline.com",
        "Sign-in host for Graph tokens. Change only for tests.",
    ),
    Variable(
        "VEIKART_GRAPH_BASE_URL",
        "url",
        "https://graph.microsoft.com/v1.0",
        "Microsoft Graph base address. Change only for tests.",
    ),
    Variable(
        "VEIKART_LOG_LEVEL",
        "str",
        "INFO",
        "Log level: DEBUG, INFO, WARNING, ERROR.",
    ),
    # --- E-mail: course invitations (.ics), updates, cancellations and reminders ---
    Variable(
        "VEIKART_EMAIL_BACKEND",
        "str",
        "smtp in production, console otherwise",
        "smtp: send through VEIKART_EMAIL_HOST; console: print the messages to the log instead "
        "(development, trials).",
    ),
    Variable("VEIKART_EMAIL_HOST", "str", "localhost", "SMTP server for outgoing e-mail."),
    Variable("VEIKART_EMAIL_PORT", "int", "25", "Its port (587 with STARTTLS, 465 with TLS)."),
    Variable("VEIKART_EMAIL_HOST_USER", "str", "", "SMTP user name, if the server asks for one."),
    Variable(
        "VEIKART_EMAIL_HOST_PASSWORD",
        "secret",
        "",
        "SMTP password. May be given as VEIKART_EMAIL_HOST_PASSWORD_FILE.",
    ),
    Variable("VEIKART_EMAIL_USE_TLS", "bool", "false", "STARTTLS (usually port 587)."),
    Variable(
        "VEIKART_EMAIL_USE_SSL", "bool", "false", "TLS from the start (usually port 465)."
    ),
    Variable(
        "VEIKART_DEFAULT_FROM_EMAIL",
        "str",
        "veikart@localhost",
        "Sender of Veikart's e-mail, e.g. Veikart <veikart@moss.kommune.no>. Set it in "
        "production: replies and bounces go there.",
    ),
    # --- Sign-in with Microsoft Entra ID (OIDC); read by veikart.core.oidc.config ---
    Variable(
        "VEIKART_OIDC_TENANT_ID",
        "str",
        "",
        "Directory (tenant) ID, a GUID, whose users may sign in with Microsoft. Sign-in with "
        "Microsoft is on when this, VEIKART_OIDC_CLIENT_ID and VEIKART_OIDC_CLIENT_SECRET are "
        "set; some of them without the others is refused. See docs/operator/sign-in.md.",
    ),
    Variable(
        "VEIKART_OIDC_CLIENT_ID",
        "str",
        "",
        "Application (client) ID, a GUID, of the app registration for signing in.",
    ),
    Variable(
        "VEIKART_OIDC_CLIENT_SECRET",
        "secret",
        "",
        "Client secret of the sign-in app registration. "
        "May be given as VEIKART_OIDC_CLIENT_SECRET_FILE.",
    ),
    Variable(
        "VEIKART_OIDC_AUTHORITY",
        "url",
        "https://login.microsoftonline.com",
        "Sign-in host for a national cloud (e.g. https://login.microsoftonline.us); "
        "http:// only on a loopback address outside production, for tests.",
    ),
)

_BY_NAME = {v.name: v for v in VARIABLES}


def _raw(name: str) -> str | None:
    if name not in _BY_NAME:  # pragma: no cover - a programming error, caught by tests
        raise KeyError(f"{name} is not declared in veikart.conf.env.VARIABLES")
    return os.environ.get(name)


def get_str(name: str, default: str, *, choices: frozenset[str] | None = None) -> str:
    value = _raw(name)
    value = default if value is None or value.strip() == "" else value.strip()
    if choices is not None and value not in choices:
        raise ConfigError(f"{name}={value!r} is not one of {', '.join(sorted(choices))}")
    return value


def get_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value; use true or false")


def get_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is too small; the smallest allowed value is {minimum}")
    return number


def get_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def get_path(name: str, default: str) -> Path:
    return Path(get_str(name, default)).expanduser().resolve()


def get_secret(
    name: str, *, data_dir: Path, production: bool, min_length: int, file_name: str
) -> str:
    """Read a secret from NAME or NAME_FILE; outside production, generate it once into data_dir."""
    value = _raw(name)
    file_var = f"{name}_FILE"
    file_path = os.environ.get(file_var)
    if value and file_path:
        raise ConfigError(f"both {name} and {file_var} are set; set only one")
    if file_path:
        try:
            value = Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{file_var}={file_path!r} cannot be read: {exc.strerror}") from None
    if not value:
        if production:
            raise ConfigError(f"{name} is required in production (or {file_var})")
        value = _generated_secret(data_dir / file_name, name)
    if len(value) < min_length:
        raise ConfigError(f"{name} is too short; use at least {min_length} characters")
    return value


def get_optional_secret(name: str) -> str:
    """A secret that may be absent (empty): from NAME or NAME_FILE, never generated."""
    value = _raw(name)
    file_var = f"{name}_FILE"
    file_path = os.environ.get(file_var)
    if value and file_path:
        raise ConfigError(f"both {name} and {file_var} are set; set only one")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{file_var}={file_path!r} cannot be read: {exc.strerror}") from None
    return value or ""


def _generated_secret(path: Path, name: str) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        # Create exclusively so two processes starting at once agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"{name} is not set and cannot be generated into {path}: {exc.strerror}; "
            "set VEIKART_DATA_DIR to a writable directory"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
