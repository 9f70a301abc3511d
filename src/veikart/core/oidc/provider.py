"""The identity provider as Veikart sees it: discovery, code exchange, ID-token validation.

Plain httpx and PyJWT, no Django: the provider's answers are validated here, and anything
wrong raises :class:`OidcError` with a short ``reason`` code that goes to the audit log.

Validation follows OpenID Connect Core §3.1.3.7 for Microsoft Entra ID's v2.0 endpoints: RS256
signature with a key from the tenant's JWKS (an unknown ``kid`` refetches the key set once, as
Entra rotates its signing keys), ``iss`` equal to the discovery document's issuer, ``aud`` equal
to the client id, ``exp``/``nbf``/``iat`` within a small clock skew, ``nonce`` equal to the one
sent, and ``tid`` equal to the configured tenant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt

from veikart.core.oidc.config import OidcConfig

TIMEOUT_SECONDS = 10.0
METADATA_MAX_AGE_SECONDS = 24 * 60 * 60
CLOCK_SKEW_SECONDS = 120
SCOPES = "openid profile email"
_MAX_RESPONSE_BYTES = 1024 * 1024


class OidcError(Exception):
    """The provider could not be used or its answer was not valid; ``reason`` is a short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the browser is sent to, and what must be kept (in the session) to check the answer."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """One tenant's endpoints and signing keys, cached for the life of the process."""

    def __init__(self, config: OidcConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._transport = transport
        self._lock = threading.Lock()
        self._metadata: Metadata | None = None
        self._metadata_at = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}

    # --- Requests ----------------------------------------------------------------------------

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        """A new authorization request with fresh state, nonce and PKCE verifier (S256)."""
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
            .rstrip(b"=")
            .decode("ascii")
        )
        query = urlencode(
            {
                "client_id": self.config.client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "response_mode": "query",
                "scope": SCOPES,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        url = f"{self.metadata().authorization_endpoint}?{query}"
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def redeem(
        self, code: str, *, redirect_uri: str, code_verifier: str, nonce: str
    ) -> dict[str, Any]:
        """Exchange an authorization code for tokens; return the validated ID token's claims."""
        answer = self._json(
            "POST",
            self.metadata().token_endpoint,
            data={
                "grant_type": "authorization_code",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "scope": SCOPES,
            },
        )
        id_token = answer.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcError("no_id_token", "the token endpoint's answer has no id_token")
        return self.validate_id_token(id_token, nonce=nonce)

    def end_session_url(self, post_logout_redirect_uri: str) -> str:
        """Where to send a browser to sign out of Microsoft too ('' if the provider has none).

        Without a cached discovery document this uses Entra's fixed v2.0 logout path rather than
        fetching one: the signed-out page should not wait for the network.
        """
        with self._lock:
            metadata = self._metadata
        endpoint = (
            metadata.end_session_endpoint
            if metadata is not None
            else f"{self.config.authority}/{self.config.tenant_id}/oauth2/v2.0/logout"
        )
        if not endpoint:
            return ""
        query = urlencode({"post_logout_redirect_uri": post_logout_redirect_uri})
        return f"{endpoint}?{query}"

    # --- Validation ---------------------------------------------------------------------------

    def validate_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OidcError("malformed", str(exc)) from None
        if header.get("alg") != "RS256":
            raise OidcError("algorithm", f"alg={header.get('alg')!r}, expected RS256")
        key = self._signing_key(str(header.get("kid") or ""))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=["RS256"],
                audience=self.config.client_id,
                issuer=self.metadata().issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidSignatureError:
            raise OidcError("signature", "the signature does not verify") from None
        except jwt.ExpiredSignatureError:
            raise OidcError("expired", "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise OidcError("not_yet_valid", "the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise OidcError("audience", "the token is not for this client id") from None
        except jwt.InvalidIssuerError:
            raise OidcError("issuer", "the token is from another issuer") from None
        except jwt.PyJWTError as exc:
            raise OidcError("malformed", str(exc)) from None
        sent = str(claims.get("nonce") or "")
        if not hmac.compare_digest(sent.encode("utf-8"), nonce.encode("utf-8")):
            raise OidcError("nonce", "the nonce does not match the one sent")
        if str(claims.get("tid") or "").lower() != self.config.tenant_id:
            raise OidcError("tenant", f"tid={claims.get('tid')!r} is not the configured tenant")
        return claims

    def _signing_key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            key = self._keys.get(kid)
        if key is not None:
            return key
        # Unknown key id: Entra has rotated its keys (or we have none yet). Refetch once.
        keys = self._fetch_keys()
        with self._lock:
            self._keys = keys
        if kid not in keys:
            raise OidcError("unknown_key", f"no signing key with kid={kid!r}")
        return keys[kid]

    def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
        document = self._json("GET", self.metadata().jwks_uri)
        keys: dict[str, jwt.PyJWK] = {}
        entries = document.get("keys")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not entry.get("kid"):
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWTError:
                continue  # a key we cannot use is skipped, not fatal
        return keys

    # --- Discovery ----------------------------------------------------------------------------

    def metadata(self) -> Metadata:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata_at < METADATA_MAX_AGE_SECONDS:
                return self._metadata
        document = self._json("GET", self.config.metadata_url)
        endpoints = {}
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(name)
            if not isinstance(value, str) or not self._acceptable_url(value):
                raise OidcError("discovery", f"{name} is missing or not an https:// address")
            endpoints[name] = value
        end_session = document.get("end_session_endpoint")
        metadata = Metadata(
            **endpoints,
            end_session_endpoint=(
                end_session
                if isinstance(end_session, str) and self._acceptable_url(end_session)
                else ""
            ),
        )
        with self._lock:
            self._metadata, self._metadata_at = metadata, time.monotonic()
        return metadata

    def _acceptable_url(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        return scheme == "https" or (scheme == "http" and self.config.allows_plain_http)

    def _json(self, method: str, url: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            with httpx.Client(
                timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=self._transport
            ) as client:
                response = client.request(
                    method, url, data=data, headers={"Accept": "application/json"}
                )
        except httpx.HTTPError as exc:
            raise OidcError("unreachable", f"{urlsplit(url).netloc}: {exc}") from None
        if len(response.content) > _MAX_RESPONSE_BYTES:
            raise OidcError("bad_answer", f"{url} answered with too much data")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            codes = body.get("error_codes") if isinstance(body, dict) else None
            raise OidcError(
                "provider_error",
                f"{url} answered {response.status_code} {error or ''} {codes or ''}".strip(),
            )
        if not isinstance(body, dict):
            raise OidcError("bad_answer", f"{url} did not answer with a JSON object")
        return body


_providers: dict[OidcConfig, Provider] = {}
_providers_lock = threading.Lock()


def get_provider(config: OidcConfig) -> Provider:
    """The process-wide provider for ``config`` (its discovery document and keys are cached)."""
    with _providers_lock:
        provider = _providers.get(config)
        if provider is None:
            provider = _providers[config] = Provider(config)
        return provider


def forget_providers() -> None:
    """Drop cached discovery documents and keys (tests; a changed configuration)."""
    with _providers_lock:
        _providers.clear()
