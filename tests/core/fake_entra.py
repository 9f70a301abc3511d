"""A loopback stand-in for Microsoft Entra ID's v2.0 sign-in endpoints (OpenID Connect).

A real HTTP server on 127.0.0.1, in a thread, with the paths and answers of
login.microsoftonline.com for one tenant:

- ``/{tenant}/v2.0/.well-known/openid-configuration`` — discovery; another tenant gets 400
  ``invalid_tenant`` (AADSTS90002).
- ``/{tenant}/oauth2/v2.0/authorize`` — the person in :attr:`FakeEntra.person` "signs in" and the
  browser is sent back to the registered redirect URI with ``code`` and ``state`` (and
  ``session_state``); nobody there means the person cancelled: ``error=access_denied``. An
  unknown client id or an unregistered redirect URI is refused with 400, as Entra's error page.
- ``/{tenant}/oauth2/v2.0/token`` — the authorization-code grant with a client secret and PKCE
  (S256): wrong secret 401 ``invalid_client`` (AADSTS7000215); a used code 400 ``invalid_grant``
  (AADSTS54005); a wrong verifier 400 ``invalid_grant`` (AADSTS501481). The ID token is RS256,
  signed with a key this server generated, with Entra's v2.0 claims (aud, iss, iat, nbf, exp,
  name, nonce, oid, preferred_username, sub, tid, ver …).
- ``/{tenant}/discovery/v2.0/keys`` — the JWKS; :meth:`FakeEntra.rotate_keys` adds a new key
  and signs with it from then on, as Entra does when it rolls its keys over.
- ``/{tenant}/oauth2/v2.0/logout`` — the end-session endpoint (listed; not exercised).

Tests bend the ID token with :attr:`FakeEntra.token_changes` (a value ``None`` removes a claim)
and :attr:`FakeEntra.sign_with`. Every request is recorded in :attr:`FakeEntra.requests`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    person: dict[str, Any]
    used: bool = False


class FakeEntra:
    def __init__(self, *, tenant_id: str, client_id: str, client_secret: str, redirect_uri: str):
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = {redirect_uri}
        self.person: dict[str, Any] | None = None
        self.token_changes: dict[str, Any] = {}
        self.sign_with: rsa.RSAPrivateKey | None = None
        self.signing_kid = ""
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.rotate_keys()
        self.grants: dict[str, Grant] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- Set-up ----------------------------------------------------------------------------

    @property
    def authority(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{self.tenant_id}/v2.0"

    def start(self) -> FakeEntra:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def sign_in_as(self, upn: str, **claims: Any) -> None:
        """The person who completes Microsoft's sign-in page next."""
        self.person = {
            "preferred_username": upn,
            "name": claims.pop("name", upn.split("@")[0]),
            "oid": claims.pop("oid", str(uuid.uuid4())),
            **claims,
        }

    def rotate_keys(self) -> str:
        """Publish a new signing key beside the old ones and sign with it from now on."""
        kid = base64.urlsafe_b64encode(secrets.token_bytes(20)).rstrip(b"=").decode()
        self.keys[kid] = new_key()
        self.signing_kid = kid
        return kid

    def count(self, path_end: str) -> int:
        return sum(1 for _, path in self.requests if path.endswith(path_end))

    # --- Entra's answers -------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        base = f"{self.authority}/{self.tenant_id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": self.issuer,
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "issuer": self.issuer})
        return {"keys": keys}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        person = dict(grant.person)
        claims: dict[str, Any] = {
            "aud": grant.client_id,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "nonce": grant.nonce,
            "rh": "0.AAAA" + secrets.token_urlsafe(12),
            "sub": hashlib.sha256(f"{person['oid']}{grant.client_id}".encode()).hexdigest()[:43],
            "tid": self.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "2.0",
            **person,
        }
        for name, value in self.token_changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.sign_with or self.keys[self.signing_kid]
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.signing_kid})

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if query.get("client_id") != self.client_id:
            return 400, {}, {"error": "unauthorized_client", "error_codes": [700016]}
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return 400, {}, {"error": "invalid_request", "error_codes": [50011]}
        state = query.get("state", "")
        if (
            query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
        ):
            error = {"error": "invalid_request", "state": state}
            return 302, {"Location": f"{redirect_uri}?{urlencode(error)}"}, None
        if self.person is None:
            answer = {
                "error": "access_denied",
                "error_description": "AADSTS65004: User declined to consent.",
                "state": state,
            }
            return 302, {"Location": f"{redirect_uri}?{urlencode(answer)}"}, None
        code = "1.AAAA" + secrets.token_urlsafe(48)
        with self._lock:
            self.grants[code] = Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                challenge=query["code_challenge"],
                nonce=query.get("nonce", ""),
                person=dict(self.person),
            )
        answer = {"code": code, "state": state, "session_state": str(uuid.uuid4())}
        return 302, {"Location": f"{redirect_uri}?{urlencode(answer)}"}, None

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if form.get("client_id") != self.client_id:
            return 400, {}, {"error": "unauthorized_client", "error_codes": [700016]}
        if form.get("client_secret") != self.client_secret:
            return 401, {}, {"error": "invalid_client", "error_codes": [7000215]}
        if form.get("grant_type") != "authorization_code":
            return 400, {}, {"error": "unsupported_grant_type", "error_codes": [70003]}
        with self._lock:
            grant = self.grants.get(form.get("code", ""))
            if grant is None or grant.used:
                return 400, {}, {"error": "invalid_grant", "error_codes": [54005]}
            grant.used = True
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {}, {"error": "invalid_grant", "error_codes": [500112]}
        verifier = form.get("code_verifier", "").encode("ascii")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode("ascii") != grant.challenge:
            return 400, {}, {"error": "invalid_grant", "error_codes": [501481]}
        return (
            200,
            {},
            {
                "token_type": "Bearer",
                "scope": "email openid profile",
                "expires_in": 4999,
                "ext_expires_in": 4999,
                "access_token": "eyJ0eXAiOiJKV1Qi.fake.access-token",
                "id_token": self.id_token(grant),
            },
        )

    # --- HTTP ------------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, params: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        tenant, _, rest = path.lstrip("/").partition("/")
        if tenant != self.tenant_id:
            return 400, {}, {"error": "invalid_tenant", "error_codes": [90002]}
        if method == "GET" and rest == "v2.0/.well-known/openid-configuration":
            return 200, {}, self.discovery()
        if method == "GET" and rest == "discovery/v2.0/keys":
            return 200, {}, self.jwks()
        if method == "GET" and rest == "oauth2/v2.0/authorize":
            return self.authorize(params)
        if method == "POST" and rest == "oauth2/v2.0/token":
            return self.token(params)
        return 404, {}, {"error": "not_found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, method: str, params: dict[str, str]) -> None:
                path = urlsplit(self.path).path
                fake.requests.append((method, path))
                status, headers, body = fake._route(method, path, params)
                data = b"" if body is None else json.dumps(body).encode("utf-8")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                self._answer("GET", {k: v[0] for k, v in query.items()})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                self._answer("POST", {k: v[0] for k, v in form.items()})

        return Handler
