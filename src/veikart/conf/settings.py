"""Django settings, read from the environment through :mod:`veikart.conf.env`.

Nothing here has a silent default for a secret in production; see docs/operator/configuration.md.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext

from veikart.conf.env import (
    ConfigError,
    get_bool,
    get_int,
    get_list,
    get_optional_secret,
    get_path,
    get_secret,
    get_str,
)
from veikart.core.logging import logging_config

# Lets ModelAdmin[...] and QuerySet[...] be subscripted at run time, as the type checker wants.
django_stubs_ext.monkeypatch()

PRODUCTION = get_bool("VEIKART_PRODUCTION", False)
DEBUG = get_bool("VEIKART_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigError("VEIKART_DEBUG=true is refused when VEIKART_PRODUCTION=true")

DATA_DIR: Path = get_path("VEIKART_DATA_DIR", "./var")
SECRET_KEY = get_secret(
    "SECRET_KEY", data_dir=DATA_DIR, production=PRODUCTION, min_length=50, file_name="secret_key"
)
PSEUDONYM_KEY = get_secret(
    "VEIKART_PSEUDONYM_KEY",
    data_dir=DATA_DIR,
    production=PRODUCTION,
    min_length=32,
    file_name="pseudonym_key",
)
MIN_GROUP_SIZE = get_int("VEIKART_MIN_GROUP_SIZE", 10, minimum=5)
ANALYTICS_MEMORY_MB = get_int("VEIKART_ANALYTICS_MEMORY_MB", 4096, minimum=256)
RETENTION_DAYS = get_int("VEIKART_RETENTION_DAYS", 1095, minimum=28)

ALLOWED_HOSTS = get_list("VEIKART_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
if not ALLOWED_HOSTS:
    raise ConfigError("VEIKART_ALLOWED_HOSTS is empty; list the host names Veikart answers to")
CSRF_TRUSTED_ORIGINS = get_list("VEIKART_CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ConfigError(
            f"VEIKART_CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with https:// or http://"
        )


def _database(url: str) -> dict[str, object]:
    if not url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ConfigError(
            f"DATABASE_URL must start with sqlite:// or postgres:// (got {url.split(':', 1)[0]!r})"
        )
    try:
        # Health checks: a reused connection is pinged once per request, so a worker that was
        # idle while PostgreSQL restarted reconnects instead of answering 500.
        parsed = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        config: dict[str, object] = dict(parsed)
    except Exception as exc:  # dj-database-url raises several types for malformed URLs
        raise ConfigError(f"DATABASE_URL cannot be read: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {
    "default": _database(
        get_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'veikart.sqlite3'}"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Dashboard pages and forecasts are kept on disk under the data directory, shared by every
# server process (veikart/adoption/cache.py): a page built by one worker is served by all. The
# files hold what the pages show (aggregates only) and are rebuilt at will; backups skip them.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 3000},
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "veikart.core",
    "veikart.organisations",
    "veikart.trainings",
    "veikart.usage",
    "veikart.adoption",
    "veikart.impact",
    "veikart.competence",
    "veikart.systems",
    "veikart.roadmaps",
    "veikart.agreements",
    "veikart.demo",
]

MIDDLEWARE = [
    "veikart.core.middleware.RequestIdMiddleware",  # first: its id and log line cover everything
    "django.middleware.security.SecurityMiddleware",
    "veikart.core.middleware.SecurityHeadersMiddleware",
    "veikart.core.middleware.HealthCheckMiddleware",  # answers /helse/ for any Host header
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "veikart.core.request_guard.NulByteMiddleware",  # 400 for a NUL, before any query
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "veikart.conf.urls"
WSGI_APPLICATION = "veikart.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "veikart.core.context_processors.navigation",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Norwegian first: bokmål by default, English available.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Oslo"
USE_TZ = True
FORMAT_MODULE_PATH = ["veikart.conf.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from finders meanwhile

UPLOAD_DIR = DATA_DIR / "uploads"
LAKE_DIR = DATA_DIR / "lake"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Login throttling: this many failed attempts for one user name or one address within the window
# lock further attempts until the window has passed.
LOGIN_MAX_FAILURES = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SECURE_REDIRECT_EXEMPT = [r"^helse/"]  # probes on the machine itself speak plain HTTP
if get_bool("VEIKART_SECURE_PROXY_SSL_HEADER", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HSTS preload is a decision for the operator's domain, not for us.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Server mode: logging, security headers, static files ---
# Static files: STORAGES above keeps them hashed and compressed in production, and WhiteNoise
# serves hashed names with a far-future Cache-Control; `veikart collectstatic` is part of every
# install and upgrade (docs/operator/deploy.md), and `veikart serve` refuses to start without it.
LOG_LEVEL = get_str(
    "VEIKART_LOG_LEVEL", "INFO", choices=frozenset({"DEBUG", "INFO", "WARNING", "ERROR"})
)
LOG_FORMAT = get_str(
    "VEIKART_LOG_FORMAT", "json" if PRODUCTION else "text", choices=frozenset({"json", "text"})
)
LOGGING = logging_config(structured=LOG_FORMAT == "json", level=LOG_LEVEL)

# Set by Django's SecurityMiddleware (with HSTS, nosniff and Referrer-Policy above).
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Set by veikart.core.middleware.SecurityHeadersMiddleware. No inline script anywhere: page data
# travels as <script type="application/json">, and the charts run vega-embed's expression
# interpreter (no eval). Style attributes are allowed (the organisation tree indents rows with
# style="--depth: 2"), <style> elements are not.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
# --- end of server mode ---

# E-mail: invitations, updates, cancellations and reminders of courses. In development the
# messages are printed to the log; nothing leaves the machine.
EMAIL_BACKEND = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}[
    get_str(
        "VEIKART_EMAIL_BACKEND",
        "smtp" if PRODUCTION else "console",
        choices=frozenset({"smtp", "console"}),
    )
]
EMAIL_HOST = get_str("VEIKART_EMAIL_HOST", "localhost")
EMAIL_PORT = get_int("VEIKART_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = get_str("VEIKART_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = get_optional_secret("VEIKART_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = get_bool("VEIKART_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = get_bool("VEIKART_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("set only one of VEIKART_EMAIL_USE_TLS and VEIKART_EMAIL_USE_SSL")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = get_str("VEIKART_DEFAULT_FROM_EMAIL", "veikart@localhost")
if "@" not in DEFAULT_FROM_EMAIL:
    raise ConfigError(
        "VEIKART_DEFAULT_FROM_EMAIL must be an e-mail address, e.g. veikart@moss.kommune.no"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL

NINJA_PAGINATION_PER_PAGE = 100

# --- Sign-in with Microsoft Entra ID (OIDC) ---
# OIDC is None unless VEIKART_OIDC_TENANT_ID, _CLIENT_ID and _CLIENT_SECRET are all set (some of
# them alone stop start-up). See docs/operator/sign-in.md and veikart.core.oidc.
from veikart.core.oidc.config import read_config as _read_oidc_config  # noqa: E402

OIDC = _read_oidc_config(production=PRODUCTION)
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "veikart.core.oidc.views.sign_in_options"  # offers "Sign in with Microsoft" when configured
)
if OIDC is not None:
    LOGOUT_REDIRECT_URL = "oidc:signed-out"  # offers Microsoft's sign-out too
# --- end of sign-in with Microsoft Entra ID ---
