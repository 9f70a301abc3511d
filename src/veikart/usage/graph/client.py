"""Microsoft Graph usage reports over HTTPS: app-only tokens from MSAL, the 302 dance, pacing.

How Graph hands out a report (see the shared reference on Microsoft 365 usage reports)::

    GET {graph}/reports/getTeamsUserActivityUserDetail(date=2020-03-16)   Authorization: Bearer …
    → 302 Found, Location: https://<download host>/…   (pre-authenticated, valid a few minutes)
    GET https://<download host>/…                        no Authorization header
    → 200, the CSV (UTF-8 with a byte-order mark)

The bearer token is sent to Graph only. The download goes through a second HTTP client that has
never seen the token, so it cannot leak to the download host, and an expired download address is
never replayed: the report is asked for again.

Graph allows 14 CSV requests per 10 minutes per app, tenant and report function, and answers
429 with ``Retry-After`` beyond that. :class:`Pacer` keeps us under the limit so that a 429 is the
exception (another app sharing the tenant's budget, or a previous run a few minutes ago) rather
than the rule; a 429 is honoured all the same.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import os
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx
import msal
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from msal.exceptions import MsalError

from veikart.usage.graph.exceptions import (
    GraphAuthError,
    GraphConfigError,
    GraphDateUnavailableError,
    GraphError,
    GraphPermissionError,
    GraphRequestError,
    GraphThrottledError,
    GraphUnavailableError,
    GraphUnsupportedError,
)

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_BASE = "https://graph.microsoft.com/v1.0"
PERIODS = frozenset({"D7", "D30", "D90", "D180"})
REQUESTS_PER_WINDOW = 14
WINDOW_SECONDS = 600.0

# The environment variables :meth:`GraphSettings.from_env` reads.
ENV_TENANT_ID = "VEIKART_GRAPH_TENANT_ID"
ENV_CLIENT_ID = "VEIKART_GRAPH_CLIENT_ID"
ENV_CLIENT_SECRET = "VEIKART_GRAPH_CLIENT_SECRET"  # noqa: S105 - a name; or …_SECRET_FILE
ENV_CERTIFICATE_FILE = "VEIKART_GRAPH_CERTIFICATE_FILE"
ENV_CERTIFICATE_THUMBPRINT = "VEIKART_GRAPH_CERTIFICATE_THUMBPRINT"
ENV_AUTHORITY_HOST = "VEIKART_GRAPH_AUTHORITY_HOST"
ENV_BASE_URL = "VEIKART_GRAPH_BASE_URL"
ENV_CA_BUNDLE = "VEIKART_GRAPH_CA_BUNDLE"
ENV_VARIABLES: tuple[str, ...] = (
    ENV_TENANT_ID,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    f"{ENV_CLIENT_SECRET}_FILE",
    ENV_CERTIFICATE_FILE,
    ENV_CERTIFICATE_THUMBPRINT,
    ENV_AUTHORITY_HOST,
    ENV_BASE_URL,
    ENV_CA_BUNDLE,
)

_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_REPORT = re.compile(r"^get[A-Za-z0-9]+$")
_THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----", re.DOTALL)
# Sign-in error codes of Microsoft Entra ID (AADSTS…) an operator is likely to meet, with the fix.
_AUTH_HINTS: Mapping[int, str] = {
    90002: f"the tenant does not exist: check {ENV_TENANT_ID}",
    700016: (
        f"no app with this client id in this tenant: check {ENV_CLIENT_ID} and {ENV_TENANT_ID}"
    ),
    7000215: (
        f"the client secret is wrong: {ENV_CLIENT_SECRET} must hold the secret's Value, "
        "not its Secret ID"
    ),
    7000222: f"the client secret has expired: create a new one and update {ENV_CLIENT_SECRET}",
    700027: (
        "the certificate was refused: upload its public part to the app registration "
        f"(Certificates & secrets) and check {ENV_CERTIFICATE_FILE}"
    ),
    700024: "the client assertion is outside its validity: check the server's clock",
}


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphSettings:
    """How to reach Microsoft Graph as the Veikart app (one tenant, app-only).

    Exactly one credential: ``client_secret``, or ``certificate_path`` (a PEM file with the
    unencrypted RSA private key and, normally, the certificate; ``certificate_thumbprint``, the
    SHA-1 thumbprint shown in Entra ID, is needed only when the file holds no certificate).
    ``ca_bundle`` is for networks with a TLS-inspecting proxy; ``authority_host`` and
    ``graph_base`` point the client at a local stand-in in tests (national clouds would need
    another token scope too, and are not supported).
    """

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority_host: str = DEFAULT_AUTHORITY_HOST
    graph_base: str = DEFAULT_GRAPH_BASE
    ca_bundle: Path | None = None
    timeout: float = 60.0

    def __post_init__(self) -> None:
        if not (_GUID.match(self.tenant_id) or _DOMAIN.match(self.tenant_id)):
            raise GraphConfigError(
                f"{ENV_TENANT_ID}={self.tenant_id!r} is neither a GUID nor a domain name "
                "(use the Directory (tenant) ID shown on the app's overview page)"
            )
        if not _GUID.match(self.client_id):
            raise GraphConfigError(
                f"{ENV_CLIENT_ID}={self.client_id!r} is not a GUID "
                "(use the Application (client) ID shown on the app's overview page)"
            )
        if self.client_secret and self.certificate_path:
            raise GraphConfigError(
                f"both {ENV_CLIENT_SECRET} and {ENV_CERTIFICATE_FILE} are set; set only one"
            )
        if not self.client_secret and not self.certificate_path:
            raise GraphConfigError(
                f"no credential for Microsoft Graph: set {ENV_CLIENT_SECRET} "
                f"(or {ENV_CLIENT_SECRET}_FILE) or {ENV_CERTIFICATE_FILE}"
            )
        thumbprint = self.certificate_thumbprint
        if thumbprint is not None and not _THUMBPRINT.match(thumbprint):
            raise GraphConfigError(
                f"{ENV_CERTIFICATE_THUMBPRINT}={thumbprint!r} is not 40 hexadecimal digits"
            )
        _check_https(ENV_AUTHORITY_HOST, self.authority_host, path_allowed=False)
        _check_https(ENV_BASE_URL, self.graph_base, path_allowed=True)
        if self.timeout <= 0:
            raise GraphConfigError(f"timeout must be positive, not {self.timeout}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GraphSettings:
        """Read the settings from ``VEIKART_GRAPH_*`` variables (``os.environ`` by default).

        The client secret may come from ``VEIKART_GRAPH_CLIENT_SECRET_FILE``. A missing or bad
        value raises :class:`GraphConfigError` naming the variable; a certificate file is read
        and checked here, so that a bad one stops start-up rather than the first pull.
        """
        env = os.environ if environ is None else environ
        settings = cls(
            tenant_id=_required(env, ENV_TENANT_ID),
            client_id=_required(env, ENV_CLIENT_ID),
            client_secret=_secret(env, ENV_CLIENT_SECRET),
            certificate_path=_path(env, ENV_CERTIFICATE_FILE),
            certificate_thumbprint=_optional(env, ENV_CERTIFICATE_THUMBPRINT),
            authority_host=_optional(env, ENV_AUTHORITY_HOST) or DEFAULT_AUTHORITY_HOST,
            graph_base=_optional(env, ENV_BASE_URL) or DEFAULT_GRAPH_BASE,
            ca_bundle=_path(env, ENV_CA_BUNDLE),
        )
        if settings.certificate_path is not None:
            load_certificate(settings.certificate_path, settings.certificate_thumbprint)
        if settings.ca_bundle is not None and not settings.ca_bundle.is_file():
            raise GraphConfigError(f"{ENV_CA_BUNDLE}={settings.ca_bundle}: no such file")
        return settings

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"

    def ssl_context(self) -> ssl.SSLContext:
        if self.ca_bundle is None:
            return ssl.create_default_context()
        return ssl.create_default_context(cafile=str(self.ca_bundle))


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _required(env: Mapping[str, str], name: str) -> str:
    value = _optional(env, name)
    if value is None:
        raise GraphConfigError(f"{name} is required for the Microsoft Graph pull")
    return value


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = _optional(env, name)
    return None if value is None else Path(value).expanduser()


def _secret(env: Mapping[str, str], name: str) -> str | None:
    value = _optional(env, name)
    file_var = f"{name}_FILE"
    file_path = _optional(env, file_var)
    if value and file_path:
        raise GraphConfigError(f"both {name} and {file_var} are set; set only one")
    if file_path:
        try:
            value = Path(file_path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise GraphConfigError(
                f"{file_var}={file_path!r} cannot be read: {exc.strerror}"
            ) from None
        if value is None:
            raise GraphConfigError(f"{file_var}={file_path!r} is empty")
    return value


def _check_https(name: str, url: str, *, path_allowed: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise GraphConfigError(f"{name}={url!r} is not an https:// address")
    if not path_allowed and parts.path.strip("/"):
        raise GraphConfigError(f"{name}={url!r} must be a host only, without a path")


# --- credentials and tokens ------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """A client certificate as MSAL wants it: the private key and the SHA-1 thumbprint."""

    private_key_pem: str = field(repr=False)
    thumbprint: str  # 40 upper-case hex digits, as Entra ID shows it
    not_after: dt.datetime | None  # None when the file holds only the key


def load_certificate(path: Path, thumbprint: str | None = None) -> Certificate:
    """Read a PEM file holding an RSA private key and (normally) its certificate.

    The thumbprint is computed from the certificate; a given ``thumbprint`` must match it.
    Refuses encrypted keys, keys that do not belong to the certificate, and expired certificates.
    """
    where = f"{ENV_CERTIFICATE_FILE}={str(path)!r}"
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a PEM text file"
        raise GraphConfigError(f"{where} cannot be read: {reason}") from None
    blocks = {m.group(1): m.group(0) for m in reversed(list(_PEM_BLOCK.finditer(text)))}
    if "ENCRYPTED PRIVATE KEY" in blocks:
        raise GraphConfigError(
            f"{where}: the private key is encrypted; store it unencrypted in a file only the "
            "veikart user can read (openssl pkey -in key.pem -out plain.pem)"
        )
    key_pem = blocks.get("PRIVATE KEY") or blocks.get("RSA PRIVATE KEY")
    if key_pem is None:
        raise GraphConfigError(f"{where}: no private key (-----BEGIN PRIVATE KEY-----) in the file")
    try:
        key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
    except (ValueError, TypeError) as exc:
        raise GraphConfigError(f"{where}: the private key cannot be read ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise GraphConfigError(f"{where}: the private key is not an RSA key")
    cert_pem = blocks.get("CERTIFICATE")
    if cert_pem is None:
        if thumbprint is None:
            raise GraphConfigError(
                f"{where} holds no certificate: add it to the file, or set "
                f"{ENV_CERTIFICATE_THUMBPRINT}"
            )
        return Certificate(key_pem, thumbprint.upper(), None)
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    except ValueError as exc:
        raise GraphConfigError(f"{where}: the certificate cannot be read ({exc})") from None
    public_key = cert.public_key()
    if (
        not isinstance(public_key, rsa.RSAPublicKey)
        or public_key.public_numbers() != key.public_key().public_numbers()
    ):
        raise GraphConfigError(f"{where}: the private key does not belong to the certificate")
    # SHA-1 here names the certificate (Entra ID's "thumbprint"); it protects nothing.
    computed = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303
    if thumbprint is not None and thumbprint.upper() != computed:
        raise GraphConfigError(
            f"{ENV_CERTIFICATE_THUMBPRINT}={thumbprint!r} does not match the certificate in "
            f"{ENV_CERTIFICATE_FILE} (its thumbprint is {computed})"
        )
    not_after = cert.not_valid_after_utc
    if not_after <= dt.datetime.now(dt.UTC):
        raise GraphConfigError(f"{where}: the certificate expired on {not_after:%Y-%m-%d}")
    return Certificate(key_pem, computed, not_after)


class TokenProvider(Protocol):
    """Gives a bearer token for Microsoft Graph; ``refresh`` bypasses any cached token."""

    def token(self, *, refresh: bool = False) -> str: ...


class MsalTokenProvider:
    """App-only tokens from Microsoft Entra ID with MSAL (client-credentials grant).

    MSAL caches the token in memory and asks Entra ID again shortly before it expires. The
    application object is built on first use, because building it already talks to Entra ID
    (tenant discovery); the credential is read and checked at once. MSAL's HTTP goes through
    httpx with the same TLS set-up as Graph (``requests``, MSAL's default, would let
    ``REQUESTS_CA_BUNDLE`` override the configured CA bundle).
    """

    def __init__(self, settings: GraphSettings) -> None:
        self._settings = settings
        self._credential: str | dict[str, str]
        if settings.certificate_path is not None:
            cert = load_certificate(settings.certificate_path, settings.certificate_thumbprint)
            self._credential = {"private_key": cert.private_key_pem, "thumbprint": cert.thumbprint}
            if cert.not_after and cert.not_after - dt.datetime.now(dt.UTC) < dt.timedelta(30):
                log.warning(
                    "graph: the client certificate expires on %s; upload a new one",
                    f"{cert.not_after:%Y-%m-%d}",
                )
        else:
            self._credential = settings.client_secret or ""
        self._app: Any = None
        self._http: _MsalHttp | None = None
        self._lock = threading.Lock()

    def token(self, *, refresh: bool = False) -> str:
        with self._lock:
            app = self._application()
            if refresh:
                app.remove_tokens_for_client()
            try:
                result: dict[str, Any] = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
            except (OSError, ValueError, MsalError) as exc:  # unreachable, 5xx, not JSON
                raise self._unavailable(exc) from None
        if result.get("access_token"):
            return str(result["access_token"])
        raise _auth_error(result)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def _application(self) -> Any:
        if self._app is not None:
            return self._app
        settings = self._settings
        default_host = settings.authority_host.rstrip("/") == DEFAULT_AUTHORITY_HOST
        self._http = self._http or _MsalHttp(
            httpx.Client(verify=settings.ssl_context(), timeout=settings.timeout)
        )
        try:
            self._app = msal.ConfidentialClientApplication(
                settings.client_id,
                client_credential=self._credential,
                authority=settings.authority,
                # Instance discovery asks login.microsoftonline.com about the authority host;
                # pointless for Microsoft's own host and impossible for a local stand-in.
                instance_discovery=None if default_host else False,
                http_client=self._http,
            )
        except ValueError as exc:  # tenant discovery answered 4xx
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise GraphAuthError(
                f"Microsoft Entra ID does not know the tenant {settings.tenant_id!r}: check "
                f"{ENV_TENANT_ID} ({first_line})",
                error="invalid_tenant",
            ) from None
        except (OSError, MsalError) as exc:
            raise self._unavailable(exc) from None
        return self._app

    def _unavailable(self, exc: Exception) -> GraphUnavailableError:
        return GraphUnavailableError(
            f"Microsoft Entra ID cannot be reached at {self._settings.authority_host} "
            f"({type(exc).__name__}: {exc})"
        )


class _MsalHttp:
    """MSAL's minimal HTTP client interface (``msal.oauth2cli.http``) on httpx."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self._send("GET", url, params=params, headers=headers)

    def post(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str | bytes] | str | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if isinstance(data, str):
            return self._send("POST", url, params=params, headers=headers, content=data)
        # MSAL passes the signed client assertion as bytes; httpx would send "b'…'" for those.
        form = {
            key: value.decode("utf-8") if isinstance(value, bytes) else value
            for key, value in (data or {}).items()
        }
        return self._send("POST", url, params=params, headers=headers, data=form)

    def close(self) -> None:
        self._client.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            # MSAL and our callers expect OSErrors for network trouble, as requests raises.
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc


def _auth_error(result: Mapping[str, Any]) -> GraphAuthError:
    error = str(result.get("error") or "unknown_error")
    description = str(result.get("error_description") or "").strip()
    first_line = description.splitlines()[0] if description else ""
    codes = result.get("error_codes") or []
    hints = [_AUTH_HINTS[c] for c in codes if isinstance(c, int) and c in _AUTH_HINTS]
    message = f"Microsoft Entra ID refused to issue a token ({error}"
    message += f": {first_line})" if first_line else ")"
    if hints:
        message += f"; {hints[0]}"
    return GraphAuthError(message, error=error)


# --- pacing ----------------------------------------------------------------------------------


class Clock(Protocol):
    """Monotonic time and sleeping; tests pass a fake one so that pauses take no time."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Pacer:
    """At most ``limit`` requests per key (report function) in any rolling ``window`` seconds.

    :meth:`acquire` blocks (through the clock) until one more request fits, then counts it.
    ``margin`` seconds are added to each wait, so that the server, which counts arrivals a little
    after we count departures, sees the same spacing.
    """

    def __init__(
        self,
        *,
        limit: int = REQUESTS_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        margin: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        if limit < 1 or window <= 0 or margin < 0:
            raise ValueError("limit must be at least 1, window positive, margin not negative")
        self._limit = limit
        self._window = window
        self._margin = margin
        self._clock = clock or SystemClock()
        self._sent: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> float:
        """Wait until a request for ``key`` is allowed and count it; return the seconds waited."""
        sent = self._sent.setdefault(key, deque())
        waited = 0.0
        while True:
            now = self._clock.monotonic()
            while sent and sent[0] <= now - self._window:
                sent.popleft()
            if len(sent) < self._limit:
                sent.append(now)
                return waited
            pause = sent[0] + self._window + self._margin - now
            log.info(
                "graph: pacing %s, %d requests in the window; waiting %.0f s", key, len(sent), pause
            )
            self._clock.sleep(pause)
            waited += pause


# --- the client ------------------------------------------------------------------------------


class _HideDownloadAddresses(logging.Filter):
    """Keep download addresses out of httpx's and httpcore's logs: each is a credential.

    httpx logs every request URL at INFO; the filter blanks the addresses registered while they
    are being fetched, so other httpx users keep their log lines as they are. httpcore logs
    response headers at DEBUG, where Graph's ``Location`` header carries the address.
    """

    def __init__(self) -> None:
        super().__init__()
        self._hidden: set[str] = set()
        self._lock = threading.Lock()

    def hide(self, url: str) -> None:
        with self._lock:
            self._hidden.add(url)

    def forget(self, url: str) -> None:
        with self._lock:
            self._hidden.discard(url)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("httpcore") and isinstance(record.msg, str):
            record.msg = _LOCATION_HEADER.sub(r"\1(hidden)\2", record.msg)
        elif self._hidden and isinstance(record.args, tuple):
            with self._lock:
                record.args = tuple(
                    _redacted(arg) if str(arg) in self._hidden else arg for arg in record.args
                )
        return True

    def install(self) -> None:
        # A logger's filters see only records logged on that very logger, not its children's.
        for name in ("httpx", "httpcore.http11", "httpcore.http2"):
            logging.getLogger(name).addFilter(self)  # addFilter ignores duplicates


_LOCATION_HEADER = re.compile(r"(\(b'Location', b')[^']*('\))", re.IGNORECASE)


def _redacted(url: object) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.hostname}/(download address hidden)"


_HIDE_DOWNLOADS = _HideDownloadAddresses()


class _DownloadFailed(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class GraphReportsClient:
    """Downloads Microsoft 365 usage reports as CSV bytes.

    Retries what retrying can fix: 429 after ``Retry-After``; 5xx, time-outs and lost
    connections with exponential back-off (``max_attempts`` in all); 401 once, with a fresh
    token. Everything else raises a :mod:`~veikart.usage.graph.exceptions` error at once.
    """

    def __init__(
        self,
        settings: GraphSettings,
        *,
        tokens: TokenProvider | None = None,
        clock: Clock | None = None,
        pacer: Pacer | None = None,
        max_attempts: int = 6,
        backoff: float = 2.0,
        max_backoff: float = 120.0,
        max_throttled: int = 20,
        max_retry_after: float = 900.0,
    ) -> None:
        self.settings = settings
        self._own_tokens: MsalTokenProvider | None = None
        if tokens is None:
            tokens = self._own_tokens = MsalTokenProvider(settings)
        self._tokens = tokens
        self._clock = clock or SystemClock()
        self._pacer = pacer or Pacer(clock=self._clock)
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_throttled = max_throttled
        self._max_retry_after = max_retry_after
        context = settings.ssl_context()
        headers = {"User-Agent": "Veikart (usage report pull)"}
        self._graph = httpx.Client(
            base_url=settings.graph_base.rstrip("/") + "/",
            verify=context,
            timeout=settings.timeout,
            follow_redirects=False,
            headers=headers,
        )
        # A separate client for the pre-authenticated download addresses: it never holds the
        # token, whatever the redirect points at.
        self._downloads = httpx.Client(
            verify=context, timeout=settings.timeout, follow_redirects=False, headers=headers
        )
        _HIDE_DOWNLOADS.install()

    def __enter__(self) -> GraphReportsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._graph.close()
        self._downloads.close()
        if self._own_tokens is not None:
            self._own_tokens.close()

    def download(
        self, report: str, *, period: str | None = None, date: dt.date | None = None
    ) -> bytes:
        """Return the CSV of ``report`` for a ``period`` (``"D7"`` …) or one ``date``.

        Raises :class:`GraphDateUnavailableError` when Graph has no one-day report for ``date``
        (older than about 28 days, today, or later), and :class:`GraphUnsupportedError` when the
        report does not exist in the asked-for form.
        """
        path = _report_path(report, period=period, date=date)
        failures = 0
        throttled = 0
        refreshed = False  # a 401 gets one fresh token, no more
        refresh = False
        while True:
            try:
                token = self._tokens.token(refresh=refresh)
            except GraphUnavailableError as exc:
                failures = self._pause_after_failure(report, failures, str(exc))
                continue
            refresh = False
            self._pacer.acquire(report)
            try:
                response = self._graph.get(path, headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                failures = self._pause_after_failure(report, failures, type(exc).__name__)
                continue
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                try:
                    return self._fetch(response)
                except _DownloadFailed as exc:
                    failures = self._pause_after_failure(report, failures, exc.reason)
                    continue
            if status == 200:  # some gateways answer with the file itself
                return response.content
            if status == 401 and not refreshed:
                log.info("graph: %s answered 401; asking for a fresh token", report)
                refreshed = refresh = True
                continue
            if status == 401:
                code, detail = _graph_error(response)
                raise GraphAuthError(
                    f"{report}: Graph refused a freshly issued token (401 {code}: {detail})",
                    error=code or None,
                )
            if status == 429:
                throttled += 1
                wait = _retry_after(response)
                if wait is None:
                    wait = self._backoff_delay(throttled)
                if throttled > self._max_throttled or wait > self._max_retry_after:
                    raise GraphThrottledError(
                        f"{report}: Graph keeps throttling (429 {throttled} times, last "
                        f"Retry-After {wait:.0f} s); the next run will continue"
                    )
                log.info("graph: %s throttled (429); waiting %.0f s as asked", report, wait)
                self._clock.sleep(wait)
                continue
            if status >= 500 or status == 408:
                failures = self._pause_after_failure(
                    report, failures, f"HTTP {status}", at_least=_retry_after(response) or 0.0
                )
                continue
            raise _request_error(report, response, period=period, date=date)

    def _fetch(self, response: httpx.Response) -> bytes:
        location = response.headers.get("Location")
        if not location:
            raise _DownloadFailed(f"HTTP {response.status_code} without a Location")
        url = urljoin(str(response.url), location)
        if urlsplit(url).scheme != "https":
            raise GraphRequestError(
                "Graph redirected to a download address that is not https; refused",
                status=response.status_code,
            )
        # Never log the address itself: it is a credential for a few minutes.
        log.debug("graph: downloading from %s", urlsplit(url).hostname)
        hidden = {url, str(httpx.URL(url))}
        for address in hidden:
            _HIDE_DOWNLOADS.hide(address)
        try:
            download = self._downloads.get(url)
        except httpx.TransportError as exc:
            raise _DownloadFailed(f"download: {type(exc).__name__}") from None
        finally:
            for address in hidden:
                _HIDE_DOWNLOADS.forget(address)
        if download.status_code != 200:
            raise _DownloadFailed(f"download host answered HTTP {download.status_code}")
        return download.content

    def _pause_after_failure(
        self, report: str, failures: int, reason: str, *, at_least: float = 0.0
    ) -> int:
        failures += 1
        if failures >= self._max_attempts:
            raise GraphUnavailableError(
                f"{report}: Graph failed {failures} times in a row (last: {reason}); "
                "the next run will continue"
            )
        # A 503 may carry Retry-After too; never wait longer than for a 429, though.
        wait = max(self._backoff_delay(failures), min(at_least, self._max_retry_after))
        log.info("graph: %s failed (%s); retrying in %.0f s", report, reason, wait)
        self._clock.sleep(wait)
        return failures

    def _backoff_delay(self, attempt: int) -> float:
        return float(min(self._max_backoff, self._backoff * 2 ** (attempt - 1)))


def _report_path(report: str, *, period: str | None, date: dt.date | None) -> str:
    if not _REPORT.match(report):
        raise ValueError(f"{report!r} is not a Graph report function name (getXxx)")
    if (period is None) == (date is None):
        raise ValueError("give exactly one of period and date")
    if period is not None:
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(sorted(PERIODS))}, not {period!r}")
        return f"reports/{report}(period='{period}')"
    assert date is not None
    return f"reports/{report}(date={date.isoformat()})"


def _retry_after(response: httpx.Response) -> float | None:
    value = str(response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _graph_error(response: httpx.Response) -> tuple[str, str]:
    """Graph's ``{"error": {"code", "message"}}``; the message is sometimes itself such JSON."""
    try:
        error = response.json().get("error") or {}
        code, message = str(error.get("code") or ""), str(error.get("message") or "")
    except (ValueError, AttributeError):
        return "", ""
    if message.startswith("{"):
        try:
            inner = json.loads(message).get("error") or {}
            code = str(inner.get("code") or code)
            message = str(inner.get("message") or message)
        except (ValueError, AttributeError):
            pass
    return code, message


def _request_error(
    report: str, response: httpx.Response, *, period: str | None, date: dt.date | None
) -> GraphError:
    status = response.status_code
    code, detail = _graph_error(response)
    form = f"period {period}" if period else f"date {date}"
    if status == 403:
        return GraphPermissionError(
            f"{report}: Graph refused access (403 {code}). The app needs the application "
            "permission Reports.Read.All with admin consent (see docs/operator/graph.md)"
        )
    if status == 400 and date is not None:
        return GraphDateUnavailableError(report, date, code=code, detail=detail)
    if status == 404:
        return GraphUnsupportedError(
            f"{report}: Graph does not offer this report for a {form.split()[0]} "
            f"({code or 'HTTP 404'}: {detail or 'not found'})",
            status=status,
            code=code,
            detail=detail,
        )
    return GraphRequestError(
        f"{report} ({form}): Graph answered HTTP {status} ({code}: {detail})",
        status=status,
        code=code,
        detail=detail,
    )
