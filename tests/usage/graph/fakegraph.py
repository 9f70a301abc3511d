"""A loopback stand-in for Microsoft Entra ID and Microsoft Graph's usage reports.

A real HTTPS server on 127.0.0.1 that behaves like the real services where Veikart depends on it:

- Entra ID: tenant discovery (``/{tenant}/v2.0/.well-known/openid-configuration``) and the token
  endpoint (client-credentials grant with a client secret or a certificate-signed assertion),
  refusing wrong credentials with Entra's error JSON (``invalid_client``, ``AADSTS7000215`` …).
- Graph: ``/v1.0/reports/<fn>(date=YYYY-MM-DD)`` and ``(period='D7')`` answering ``302 Found``
  to a short-lived download address (``/download/<id>`` on this server stands in for the
  download host); 401 for a missing, unknown or expired token; 403 without the permission;
  429 with ``Retry-After`` beyond ``limit`` requests per report in ``window`` seconds; 400
  (``InvalidArgument``) for a day older than 28 days, today or later; 404 "The requested function
  cannot be found." for a report without one-day files; seeded random 503s.
- The download host answers 400 to any request carrying an ``Authorization`` header: a client
  that leaks the bearer token cannot pass.

Time is a :class:`FakeClock` shared with the client under test, so pacing and ``Retry-After``
pauses cost no real time. Everything the server saw is recorded for the tests to inspect.
Error bodies follow real ones (see the shared reference and the Graph issues quoted there); the
403 body and the token-endpoint details beyond ``error``/``error_codes`` are approximations.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import math
import random
import re
import ssl
import threading
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DATE_DAYS = 28  # Graph serves one-day reports for the past 28 days
DOWNLOAD_LIFETIME = 300.0  # seconds a download address stays valid

_REPORT_PATH = re.compile(
    r"^/v1\.0/reports/(?P<fn>get[A-Za-z0-9]+)"
    r"\((?:date=(?P<date>\d{4}-\d{2}-\d{2})|period='(?P<period>D\d+)')\)$"
)
_FILE_NAME = re.compile(
    r"^(?P<fn>get[A-Za-z0-9]+)_(?:(?P<period>D\d+)_)?(?P<date>\d{4}-\d{2}-\d{2})$"
)


class FakeClock:
    """Monotonic seconds that move only when someone sleeps; shared by client and server."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)
            self.slept += max(0.0, seconds)


# --- TLS -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    ca_file: Path  # trust anchor for clients (GraphSettings.ca_bundle)
    cert_file: Path
    key_file: Path


def make_tls(directory: Path) -> Tls:
    """A throw-away CA and a server certificate for 127.0.0.1 (EC keys: fast to make)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Veikart test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    tls = Tls(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    tls.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    tls.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tls


def make_client_certificate(path: Path, *, days: int = 365) -> x509.Certificate:
    """An RSA key and self-signed certificate in one PEM file, as an app credential."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "veikart-graph-pull")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return cert


# --- report files ----------------------------------------------------------------------------


@dataclass
class ReportFiles:
    """Simulator output indexed the way the fake serves it."""

    dates: dict[tuple[str, dt.date], Path] = field(default_factory=dict)
    periods: dict[tuple[str, str], list[tuple[dt.date, Path]]] = field(default_factory=dict)

    @classmethod
    def scan(cls, usage_dir: Path) -> ReportFiles:
        files = cls()
        for path in sorted(usage_dir.glob("*/*.csv")):
            match = _FILE_NAME.match(path.stem)
            if match is None:
                continue
            day = dt.date.fromisoformat(match["date"])
            if match["period"]:
                files.periods.setdefault((match["fn"], match["period"]), []).append((day, path))
            else:
                files.dates[(match["fn"], day)] = path
        for versions in files.periods.values():
            versions.sort()
        return files

    def has_date_form(self, report: str) -> bool:
        return any(fn == report for fn, _ in self.dates)

    def latest_period(self, report: str, period: str, before: dt.date) -> Path | None:
        versions = [p for day, p in self.periods.get((report, period), []) if day < before]
        return versions[-1] if versions else None


# --- the server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRequest:
    at: float
    report: str
    date: dt.date | None
    period: str | None
    status: int


@dataclass(frozen=True)
class DownloadRequest:
    at: float
    report: str
    date: dt.date | None
    period: str | None
    authorization: str | None
    status: int


@dataclass
class _Download:
    report: str
    date: dt.date | None
    period: str | None
    path: Path
    expires: float


class FakeGraph:
    def __init__(
        self,
        *,
        files: ReportFiles,
        today: dt.date,
        clock: FakeClock,
        tls: Tls,
        tenant_id: str,
        client_id: str,
        client_secret: str | None = None,
        client_certificate: x509.Certificate | None = None,
        granted: bool = True,
        limit: int = 14,
        window: float = 600.0,
        failure_rate: float = 0.0,
        download_failure_rate: float = 0.0,
        token_lifetime: float = 3599.0,
        date_days: int = DATE_DAYS,
        seed: int = 20200316,
    ) -> None:
        self.files = files
        self.today = today
        self.clock = clock
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_certificate = client_certificate
        self.granted = granted
        self.limit = limit
        self.window = window
        self.failure_rate = failure_rate
        self.download_failure_rate = download_failure_rate
        self.token_lifetime = token_lifetime
        self.date_days = date_days
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> issued at (fake clock)
        self._accepted: dict[str, deque[float]] = defaultdict(deque)  # per report, in window
        self._not_before: dict[str, float] = {}  # per report, from the last Retry-After
        self._downloads: dict[str, _Download] = {}
        # What the server saw.
        self.report_requests: list[ReportRequest] = []
        self.download_requests: list[DownloadRequest] = []
        self.token_requests: list[tuple[str, int]] = []  # (grant method, status)
        self.retry_after_violations: list[str] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.cert_file, tls.key_file)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- life cycle

    def __enter__(self) -> FakeGraph:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def authority_host(self) -> str:
        return self.origin

    @property
    def graph_base(self) -> str:
        return f"{self.origin}/v1.0"

    # --- test controls and observations

    def expire_tokens(self) -> None:
        """Make every token issued so far expire now (as if issued long ago)."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = -math.inf

    @property
    def tokens_issued(self) -> int:
        return sum(1 for _, status in self.token_requests if status == 200)

    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = defaultdict(int)
        for request in self.report_requests:
            counts[request.status] += 1
        return dict(counts)

    def downloads_of(self, report: str, day: dt.date) -> int:
        return sum(
            1
            for d in self.download_requests
            if d.report == report and d.date == day and d.status == 200
        )

    # --- Entra ID

    def discovery(self, tenant: str) -> tuple[int, dict[str, Any]]:
        if tenant != self.tenant_id:
            return 400, _entra_error(
                "invalid_tenant",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud.",
            )
        base = f"{self.origin}/{tenant}"
        return 200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"{self.origin}/{tenant}/v2.0",
            "jwks_uri": f"{self.origin}/{tenant}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "EU",
        }

    def token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        method = "assertion" if "client_assertion" in form else "secret"
        status, body = self._token(tenant, form)
        with self._lock:
            self.token_requests.append((method, status))
        return status, body

    def _token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if tenant != self.tenant_id:
            return 400, _entra_error("invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return 400, _entra_error(
                "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        if set(form.get("scope", "").split()) != {GRAPH_SCOPE}:
            return 400, _entra_error(
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope')} "
                "is not valid. Client credential flows must have a scope value with /.default.",
            )
        client_id = form.get("client_id", "")
        if client_id != self.client_id:
            return 400, _entra_error(
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'.",
            )
        if "client_secret" in form:
            if self.client_secret is None or form["client_secret"] != self.client_secret:
                return 401, _entra_error(
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request "
                    "is the client secret value, not the client secret ID, for a secret added to "
                    f"app '{self.client_id}'.",
                )
        elif "client_assertion" in form:
            problem = self._assertion_problem(tenant, form)
            if problem:
                return 401, _entra_error("invalid_client", 700027, problem)
        else:
            return 401, _entra_error(
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the "
                "'client_credentials' grant type.",
            )
        token = base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode("ascii").rstrip("=")
        with self._lock:
            self._tokens[token] = self.clock.monotonic()
        # The real token is a JWT; the client never looks inside, so an opaque one will do.
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }

    def _assertion_problem(self, tenant: str, form: dict[str, str]) -> str | None:
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return "Client assertion type is not supported."
        if self.client_certificate is None:
            return (
                "Client assertion contains an invalid signature. [Reason - The key was not found.]"
            )
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return "Client assertion is not a valid JWT."
        expected = {
            "x5t": _b64(self.client_certificate.fingerprint(hashes.SHA1())),  # noqa: S303
            "x5t#S256": _b64(self.client_certificate.fingerprint(hashes.SHA256())),
        }
        if not any(
            str(header.get(name, "")).rstrip("=") == value for name, value in expected.items()
        ):
            return (
                "Client assertion contains an invalid signature. [Reason - The key was not "
                f"found., Thumbprint of key used by client: '{header.get('x5t')}']"
            )
        try:
            claims = jwt.decode(
                assertion,
                self.client_certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=f"{self.origin}/{tenant}/oauth2/v2.0/token",
                issuer=self.client_id,
            )
        except jwt.PyJWTError as exc:
            return f"Client assertion failed validation ({exc})."
        if claims.get("sub") != self.client_id:
            return "Client assertion subject does not match the client id."
        return None

    # --- Graph

    def report(
        self, path: str, authorization: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        match = _REPORT_PATH.match(path)
        if match is None:
            return 404, {}, _not_a_function()
        report = match["fn"]
        day = dt.date.fromisoformat(match["date"]) if match["date"] else None
        period = match["period"]
        with self._lock:
            status, headers, body = self._report(report, day, period, authorization)
            self.report_requests.append(
                ReportRequest(self.clock.monotonic(), report, day, period, status)
            )
        return status, headers, body

    def _report(
        self, report: str, day: dt.date | None, period: str | None, authorization: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        now = self.clock.monotonic()
        problem = self._token_problem(authorization, now)
        if problem:
            return (
                401,
                {"WWW-Authenticate": 'Bearer realm=""'},
                _graph_error("InvalidAuthenticationToken", problem),
            )
        if not self.granted:
            return (
                403,
                {},
                _graph_error(
                    "UnknownError",
                    '{"error":{"code":"S2SUnauthorized","message":"Invalid permission."}}',
                ),
            )
        if now < self._not_before.get(report, -math.inf):
            self.retry_after_violations.append(
                f"{report} at {now}, asked to wait until {self._not_before[report]}"
            )
        accepted = self._accepted[report]
        while accepted and accepted[0] <= now - self.window:
            accepted.popleft()
        if len(accepted) >= self.limit:
            wait = max(1, math.ceil(accepted[0] + self.window - now))
            self._not_before[report] = now + wait
            return (
                429,
                {"Retry-After": str(wait)},
                _graph_error("TooManyRequests", "Too many requests."),
            )
        accepted.append(now)
        if self._random.random() < self.failure_rate:
            return 503, {}, _graph_error("ServiceUnavailable", "Service is unavailable.")
        if day is not None:
            if not self.files.has_date_form(report):
                return 404, {}, _not_a_function()
            if day >= self.today or day < self.today - dt.timedelta(days=self.date_days):
                return (
                    400,
                    {},
                    _graph_error(
                        "InvalidArgument",
                        f"Invalid date value specified: {day.isoformat()}. "
                        f"Only support data for the past {self.date_days} days.",
                    ),
                )
            path = self.files.dates.get((report, day))
        else:
            assert period is not None
            if period not in {"D7", "D30", "D90", "D180"}:
                return 400, {}, _graph_error("InvalidArgument", f"Invalid period {period}.")
            path = self.files.latest_period(report, period, self.today)
        if path is None:
            return 500, {}, _graph_error("UnknownError", "The fake has no file for this.")
        download_id = uuid.uuid4().hex
        self._downloads[download_id] = _Download(report, day, period, path, now + DOWNLOAD_LIFETIME)
        return 302, {"Location": f"{self.origin}/download/{download_id}"}, None

    def _token_problem(self, authorization: str | None, now: float) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return "Access token is empty."
        issued = self._tokens.get(authorization.removeprefix("Bearer "))
        if issued is None:
            return "IDX14100: JWT is not well formed, there are no dots (.)."
        if now - issued > self.token_lifetime:
            return "Lifetime validation failed, the token is expired."
        return None

    def download(
        self, download_id: str, authorization: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            now = self.clock.monotonic()
            entry = self._downloads.get(download_id)
            if authorization is not None:
                status, body = 400, b"Authorization header not allowed on a pre-authenticated URL"
            elif entry is None:
                status, body = 404, b"Not found"
            elif now > entry.expires:
                status, body = 403, b"AuthenticationFailed: signed expiry time has passed"
            elif self._random.random() < self.download_failure_rate:
                status, body = 503, b"Service unavailable"
            else:
                status, body = 200, entry.path.read_bytes()
            if entry is not None:
                self.download_requests.append(
                    DownloadRequest(
                        now, entry.report, entry.date, entry.period, authorization, status
                    )
                )
        content_type = "application/octet-stream" if status == 200 else "text/plain"
        return status, {"Content-Type": content_type}, body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGraph/1.0"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    @property
    def fake(self) -> FakeGraph:
        return self.server.fake  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        parts = path.strip("/").split("/")
        if path.startswith("/v1.0/reports/"):
            status, headers, body = self.fake.report(path, self.headers.get("Authorization"))
            self._json(status, body, headers)
        elif len(parts) == 2 and parts[0] == "download":
            status, headers, raw = self.fake.download(parts[1], self.headers.get("Authorization"))
            self._send(status, raw, headers)
        elif len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            status, document = self.fake.discovery(parts[0])
            self._json(status, document)
        else:
            self._json(404, _not_a_function())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            status, document = self.fake.token(parts[0], form)
            self._json(status, document)
        else:
            self._json(404, {"error": "not_found"})

    def _json(
        self, status: int, document: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> None:
        body = b"" if document is None else json.dumps(document).encode("utf-8")
        merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        self._send(status, body, merged)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _entra_error(error: str, code: int, description: str) -> dict[str, Any]:
    trace = uuid.uuid4()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\n"
            f"Correlation ID: {uuid.uuid4()}\r\nTimestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": str(trace),
        "correlation_id": str(uuid.uuid4()),
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


def _graph_error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


def _not_a_function() -> dict[str, Any]:
    inner = (
        '{"error":{"code":"InvalidArgument","message":"The requested function cannot be found."}}'
    )
    return _graph_error("UnknownError", inner)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
