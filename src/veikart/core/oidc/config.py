"""Settings of sign-in with Microsoft Entra ID, read strictly from the environment.

Imported by ``veikart.conf.settings``, so it imports nothing from Django. Sign-in with Microsoft
is off unless the tenant, the client id and the client secret are all given; some of them without
the others stops start-up with a message naming what is missing.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from veikart.conf.env import ConfigError, get_str

ENV_TENANT_ID = "VEIKART_OIDC_TENANT_ID"
ENV_CLIENT_ID = "VEIKART_OIDC_CLIENT_ID"
ENV_CLIENT_SECRET = "VEIKART_OIDC_CLIENT_SECRET"  # noqa: S105 - a name; or …_SECRET_FILE
ENV_AUTHORITY = "VEIKART_OIDC_AUTHORITY"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"

_GUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class OidcConfig:
    """One Entra ID tenant and app registration that Veikart accepts sign-ins from."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    authority: str = DEFAULT_AUTHORITY

    @property
    def metadata_url(self) -> str:
        """The tenant's OpenID Connect discovery document (v2.0 endpoints)."""
        return f"{self.authority}/{self.tenant_id}/v2.0/.well-known/openid-configuration"

    @property
    def allows_plain_http(self) -> bool:
        """Only a loopback authority (a test's fake issuer) may be reached without TLS."""
        return urlsplit(self.authority).scheme == "http"


def read_config(*, production: bool) -> OidcConfig | None:
    """The configured tenant and app, or ``None`` when sign-in with Microsoft is not set up."""
    tenant_id = get_str(ENV_TENANT_ID, "").lower()
    client_id = get_str(ENV_CLIENT_ID, "").lower()
    client_secret = _secret(ENV_CLIENT_SECRET)
    authority = get_str(ENV_AUTHORITY, "")
    given = {
        ENV_TENANT_ID: tenant_id,
        ENV_CLIENT_ID: client_id,
        ENV_CLIENT_SECRET: client_secret,
    }
    if not any(given.values()):
        if authority:
            raise ConfigError(
                f"{ENV_AUTHORITY} is set but sign-in with Microsoft is not: also set "
                f"{ENV_TENANT_ID}, {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}, "
                f"or unset {ENV_AUTHORITY}"
            )
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        present = [name for name, value in given.items() if value]
        raise ConfigError(
            f"sign-in with Microsoft is half-configured: {', '.join(present)} "
            f"{'is' if len(present) == 1 else 'are'} set but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not; set all three, or none"
        )
    if not _GUID.match(tenant_id):
        raise ConfigError(
            f"{ENV_TENANT_ID}={tenant_id!r} is not a directory (tenant) ID; use the GUID shown "
            "under Overview in the Microsoft Entra admin center"
        )
    if not _GUID.match(client_id):
        raise ConfigError(
            f"{ENV_CLIENT_ID}={client_id!r} is not an application (client) ID; use the GUID "
            "shown on the app registration's Overview page"
        )
    return OidcConfig(
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret=client_secret,
        authority=_authority(authority or DEFAULT_AUTHORITY, production=production),
    )


def _secret(name: str) -> str:
    value = get_str(name, "")
    file_var = f"{name}_FILE"
    file_path = os.environ.get(file_var, "").strip()
    if value and file_path:
        raise ConfigError(f"both {name} and {file_var} are set; set only one")
    if file_path:
        try:
            value = Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{file_var}={file_path!r} cannot be read: {exc.strerror}") from None
        if not value:
            raise ConfigError(f"{file_var}={file_path!r} is empty")
    return value


def _authority(url: str, *, production: bool) -> str:
    parts = urlsplit(url)
    if not parts.hostname or parts.query or parts.fragment or parts.path.strip("/"):
        raise ConfigError(
            f"{ENV_AUTHORITY}={url!r} must be a sign-in host only, "
            "like https://login.microsoftonline.com"
        )
    if parts.scheme == "http" and _is_loopback(parts.hostname) and not production:
        return url.rstrip("/")
    if parts.scheme != "https":
        raise ConfigError(f"{ENV_AUTHORITY}={url!r} is not an https:// address")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
