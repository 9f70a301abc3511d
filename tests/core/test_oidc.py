"""Sign-in with Microsoft Entra ID, against a loopback fake of Entra's v2.0 endpoints.

The browser is played by Django's test client (Veikart's side) and httpx (Microsoft's side):
each redirect is followed by hand from one to the other, so the whole round trip — discovery,
authorize, code exchange with PKCE, the signed ID token, the signing keys — runs over real HTTP.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, Org
from tests.core.fake_entra import FakeEntra, new_key
from veikart.conf.env import ConfigError
from veikart.core.access import get_access
from veikart.core.constants import Role
from veikart.core.models import AuditEvent
from veikart.core.oidc.config import OidcConfig, read_config
from veikart.core.oidc.provider import forget_providers
from veikart.organisations.models import Employee

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

TENANT = "5f0c2a9e-7d3b-4c1a-9e8f-1b2c3d4e5f60"
CLIENT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SECRET = "Zx8Q~fake.client-secret_for.tests"
CALLBACK = "http://testserver/logg-inn/microsoft/tilbake/"
FATIMA = "fatima.ahmed@moss.kommune.no"  # employee 1006, in the HR data, no account yet


@pytest.fixture
def entra(settings: object) -> Iterator[FakeEntra]:
    fake = FakeEntra(
        tenant_id=TENANT, client_id=CLIENT, client_secret=SECRET, redirect_uri=CALLBACK
    ).start()
    settings.OIDC = OidcConfig(TENANT, CLIENT, SECRET, authority=fake.authority)  # type: ignore[attr-defined]
    settings.LOGOUT_REDIRECT_URL = "oidc:signed-out"  # type: ignore[attr-defined]
    yield fake
    fake.stop()
    forget_providers()


def to_microsoft(client: Client, next_url: str = "") -> str:
    """Press "Sign in with Microsoft"; the address Microsoft's sign-in page is at."""
    response = client.get("/logg-inn/microsoft/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def back_from_microsoft(authorize_url: str) -> str:
    """Complete Microsoft's sign-in page; the path Microsoft sends the browser back to."""
    answer = httpx.get(authorize_url, follow_redirects=False, trust_env=False)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def sign_in(client: Client, next_url: str = "") -> _MonkeyPatchedWSGIResponse:
    return client.get(back_from_microsoft(to_microsoft(client, next_url)))


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return None if user_id is None else User.objects.get(pk=user_id)


def refusals() -> list[str]:
    return [e.detail["reason"] for e in AuditEvent.objects.filter(action="signin.oidc.refused")]


# --- The round trip ----------------------------------------------------------------------------


def test_it_signs_in_a_new_employee_and_creates_their_account(org: Org, entra: FakeEntra) -> None:
    entra.sign_in_as("Fatima.Ahmed@Moss.Kommune.no", name="Fatima Ahmed")
    client = Client()
    authorize_url = to_microsoft(client, next_url="/opplaering/")
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(f"{entra.authority}/{TENANT}/oauth2/v2.0/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
    key_before = client.session.session_key

    response = client.get(back_from_microsoft(authorize_url))

    assert response.status_code == 302 and response["Location"] == "/opplaering/"
    user = signed_in_user(client)
    assert user is not None and user.username == FATIMA
    assert not user.has_usable_password()  # Microsoft only, until an administrator sets one
    assert Employee.objects.get(employee_number="1006").user == user
    assert client.session.session_key != key_before  # a planted session id is worthless
    assert "Fatima Ahmed" in client.get("/organisasjon/meg/").content.decode()
    event = AuditEvent.objects.get(action="signin.oidc")
    assert event.actor == user and event.detail["created"] is True
    assert entra.count("/oauth2/v2.0/token") == 1 and entra.count("/keys") == 1


def test_it_signs_an_employee_into_their_existing_account_with_its_roles(
    org: Org, entra: FakeEntra
) -> None:
    entra.sign_in_as("KARI.NORDMANN@moss.kommune.no")
    client = Client()
    users_before = User.objects.count()

    assert sign_in(client).status_code == 302

    assert signed_in_user(client) == org.kari
    assert User.objects.count() == users_before
    assert get_access(org.kari).has(Role.PROGRAMME_LEAD)


def test_roles_and_groups_in_the_token_give_no_rights(org: Org, entra: FakeEntra) -> None:
    entra.sign_in_as(
        "nils.berg@moss.kommune.no",
        roles=["admin", "programme_lead"],
        groups=["62e90394-69f5-4237-9190-012177145e10"],
        wids=["62e90394-69f5-4237-9190-012177145e10"],  # Global Administrator
    )
    client = Client()
    sign_in(client)
    user = signed_in_user(client)
    assert user == org.nils
    access = get_access(User.objects.get(pk=user.pk))
    assert access.roles == frozenset({Role.EMPLOYEE}) and not access.organisation_wide


def test_it_follows_only_a_next_address_on_this_site(org: Org, entra: FakeEntra) -> None:
    entra.sign_in_as(FATIMA)
    response = sign_in(Client(), next_url="https://evil.example/steal")
    assert response["Location"] == "/"


def test_signing_out_offers_to_sign_out_of_microsoft_too(org: Org, entra: FakeEntra) -> None:
    entra.sign_in_as(FATIMA)
    client = Client()
    sign_in(client)

    response = client.post("/logg-ut/", follow=True)

    assert signed_in_user(client) is None
    page = response.content.decode()
    logout = f"{entra.authority}/{TENANT}/oauth2/v2.0/logout?post_logout_redirect_uri="
    assert logout in page and "http%3A%2F%2Ftestserver%2Flogg-inn%2F" in page


# --- ID tokens that do not validate ------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "11111111-2222-4333-8444-555555555555"}, "audience"),
        ({"tid": "72f988bf-86f1-41af-91ab-2d7cd011db47"}, "tenant"),
        ({"iss": "https://login.microsoftonline.com/common/v2.0"}, "issuer"),
        ({"nonce": "a-nonce-from-another-sign-in"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"iat": 1_600_000_000, "nbf": 1_600_000_000, "exp": 1_600_003_600}, "expired"),
        ({"exp": None}, "malformed"),
    ],
)
def test_it_refuses_an_id_token_that_does_not_validate(
    org: Org, entra: FakeEntra, changes: dict[str, object], reason: str
) -> None:
    entra.sign_in_as(FATIMA)
    entra.token_changes = changes
    client = Client()

    response = sign_in(client)

    assert response.status_code == 400
    assert signed_in_user(client) is None
    assert not User.objects.filter(username=FATIMA).exists()
    assert refusals() == [reason]


def test_it_refuses_an_id_token_with_a_bad_signature(org: Org, entra: FakeEntra) -> None:
    entra.sign_in_as(FATIMA)
    entra.sign_with = new_key()  # the right key id, the wrong key
    client = Client()

    response = sign_in(client)

    assert response.status_code == 400
    assert signed_in_user(client) is None and refusals() == ["signature"]


def test_it_refetches_the_keys_once_when_microsoft_rolls_them_over(
    org: Org, entra: FakeEntra
) -> None:
    entra.sign_in_as(FATIMA)
    assert signed_in_user(_signed_in(Client())) is not None
    assert entra.count("/keys") == 1

    entra.rotate_keys()
    assert signed_in_user(_signed_in(Client())) is not None
    assert entra.count("/keys") == 2

    assert signed_in_user(_signed_in(Client())) is not None
    assert entra.count("/keys") == 2  # the new key is cached


def test_it_refuses_a_key_id_that_is_not_published_even_after_refetching(
    org: Org, entra: FakeEntra
) -> None:
    entra.sign_in_as(FATIMA)
    entra.sign_with = new_key()
    entra.signing_kid = "not-published"
    client = Client()

    assert sign_in(client).status_code == 400

    assert signed_in_user(client) is None and refusals() == ["unknown_key"]
    assert entra.count("/keys") == 1  # fetched once, not in a loop


def _signed_in(client: Client) -> Client:
    assert sign_in(client).status_code == 302
    return client


# --- The state of one sign-in ------------------------------------------------------------------


def test_it_refuses_a_replayed_answer_from_microsoft(org: Org, entra: FakeEntra) -> None:
    entra.sign_in_as(FATIMA)
    client = Client()
    answer = back_from_microsoft(to_microsoft(client))
    assert client.get(answer).status_code == 302
    client.logout()

    again = client.get(answer)
    elsewhere = Client().get(answer)  # someone else's browser, with the stolen address

    assert again.status_code == 400 and elsewhere.status_code == 400
    assert signed_in_user(client) is None
    assert entra.count("/oauth2/v2.0/token") == 1  # the code was not offered again
    assert refusals() == ["state", "state"]


def test_it_refuses_an_answer_to_a_sign_in_started_in_another_browser(
    org: Org, entra: FakeEntra
) -> None:
    entra.sign_in_as(FATIMA)
    attacker = Client()
    answer = back_from_microsoft(to_microsoft(attacker))
    victim = Client()
    victim.get("/logg-inn/")

    assert victim.get(answer).status_code == 400
    assert signed_in_user(victim) is None


def test_it_says_so_when_the_person_cancels_at_microsoft(org: Org, entra: FakeEntra) -> None:
    entra.person = None
    client = Client(headers={"accept-language": "en"})
    response = sign_in(client)
    assert response.status_code == 400
    assert "was cancelled" in response.content.decode()
    assert refusals() == ["provider_error"]


# --- Who may sign in ---------------------------------------------------------------------------


def test_it_refuses_a_person_not_in_the_hr_data_and_creates_no_account(
    org: Org, entra: FakeEntra
) -> None:
    entra.sign_in_as("vikar.ukjent@moss.kommune.no")
    client = Client(headers={"accept-language": "en"})
    users_before = User.objects.count()

    response = sign_in(client)

    page = response.content.decode()
    assert response.status_code == 403
    assert "You are not in the HR data of Moss kommune." in page
    assert "vikar.ukjent@moss.kommune.no" in page and "Contact" in page
    assert User.objects.count() == users_before and signed_in_user(client) is None
    event = AuditEvent.objects.get(action="signin.oidc.refused")
    assert event.target == "vikar.ukjent@moss.kommune.no"
    assert event.detail["reason"] == "unknown_employee"


def test_it_refuses_an_employee_whose_employment_has_ended(org: Org, entra: FakeEntra) -> None:
    Employee.objects.filter(employee_number="1006").update(
        employment_end=timezone.localdate() - dt.timedelta(days=1)
    )
    entra.sign_in_as(FATIMA)
    client = Client()

    assert sign_in(client).status_code == 403

    assert signed_in_user(client) is None
    assert not User.objects.filter(username=FATIMA).exists()
    assert refusals() == ["not_employed"]


def test_it_refuses_a_disabled_account(org: Org, entra: FakeEntra) -> None:
    User.objects.filter(pk=org.nils.pk).update(is_active=False)
    entra.sign_in_as("nils.berg@moss.kommune.no")
    client = Client()

    assert sign_in(client).status_code == 403

    assert signed_in_user(client) is None and refusals() == ["account_disabled"]


# --- Local accounts and configuration ----------------------------------------------------------


def test_local_sign_in_keeps_working_beside_microsoft(org: Org, entra: FakeEntra) -> None:
    client = Client()
    page = client.get("/logg-inn/?next=/opplaering/").content.decode()
    assert 'href="/logg-inn/microsoft/?next=/opplaering/"' in page

    response = client.post("/logg-inn/", {"username": "ola", "password": PASSWORD})

    assert response.status_code == 302 and signed_in_user(client) == org.ola


def test_without_configuration_there_is_no_microsoft_sign_in(org: Org) -> None:
    client = Client()
    assert "/logg-inn/microsoft/" not in client.get("/logg-inn/").content.decode()
    assert client.get("/logg-inn/microsoft/").status_code == 404
    assert client.get("/logg-inn/microsoft/tilbake/?code=x&state=y").status_code == 404


def test_it_says_so_when_microsoft_cannot_be_reached(org: Org, settings: object) -> None:
    settings.OIDC = OidcConfig(TENANT, CLIENT, SECRET, authority="http://127.0.0.1:9")  # type: ignore[attr-defined]
    try:
        response = Client().get("/logg-inn/microsoft/")
    finally:
        forget_providers()
    assert response.status_code == 502
    assert refusals() == ["unreachable"]


def test_the_signed_out_page_does_not_wait_for_microsoft(org: Org, settings: object) -> None:
    settings.OIDC = OidcConfig(TENANT, CLIENT, SECRET, authority="http://127.0.0.1:9")  # type: ignore[attr-defined]
    try:
        page = Client().get("/logg-inn/microsoft/logget-ut/").content.decode()
    finally:
        forget_providers()
    assert f"http://127.0.0.1:9/{TENANT}/oauth2/v2.0/logout?post_logout_redirect_uri=" in page


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("VEIKART_OIDC_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_it_is_off_unless_configured(environment: pytest.MonkeyPatch) -> None:
    assert read_config(production=True) is None


def test_it_reads_a_whole_configuration(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "oidc-secret"
    secret_file.write_text(SECRET + "\n")
    environment.setenv("VEIKART_OIDC_TENANT_ID", TENANT.upper())
    environment.setenv("VEIKART_OIDC_CLIENT_ID", CLIENT)
    environment.setenv("VEIKART_OIDC_CLIENT_SECRET_FILE", str(secret_file))
    config = read_config(production=True)
    assert config == OidcConfig(TENANT, CLIENT, SECRET)
    assert SECRET not in repr(config)
    assert config.metadata_url == (
        f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration"
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VEIKART_OIDC_TENANT_ID": TENANT}, "CLIENT_ID and VEIKART_OIDC_CLIENT_SECRET are not"),
        ({"VEIKART_OIDC_TENANT_ID": TENANT, "VEIKART_OIDC_CLIENT_ID": CLIENT}, "SECRET is not"),
        ({"VEIKART_OIDC_CLIENT_SECRET": SECRET}, "VEIKART_OIDC_TENANT_ID and"),
        ({"VEIKART_OIDC_AUTHORITY": "https://login.microsoftonline.us"}, "or unset VEIKART_OIDC"),
    ],
)
def test_it_refuses_a_half_configuration(
    environment: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        environment.setenv(name, value)
    with pytest.raises(ConfigError, match=named):
        read_config(production=False)


@pytest.mark.parametrize(
    ("name", "value", "production"),
    [
        ("VEIKART_OIDC_TENANT_ID", "moss.kommune.no", False),
        ("VEIKART_OIDC_CLIENT_ID", "veikart", False),
        ("VEIKART_OIDC_AUTHORITY", "http://login.example.net", False),
        ("VEIKART_OIDC_AUTHORITY", "http://127.0.0.1:8080", True),
        ("VEIKART_OIDC_AUTHORITY", "https://login.microsoftonline.com/common", False),
        ("VEIKART_OIDC_CLIENT_SECRET_FILE", "/nonexistent/oidc-secret", False),
    ],
)
def test_it_refuses_a_bad_value(
    environment: pytest.MonkeyPatch, name: str, value: str, production: bool
) -> None:
    environment.setenv("VEIKART_OIDC_TENANT_ID", TENANT)
    environment.setenv("VEIKART_OIDC_CLIENT_ID", CLIENT)
    if name != "VEIKART_OIDC_CLIENT_SECRET_FILE":
        environment.setenv("VEIKART_OIDC_CLIENT_SECRET", SECRET)
    environment.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        read_config(production=production)


def test_a_half_configured_server_does_not_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEIKART_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {"VEIKART_DATA_DIR": str(tmp_path), "VEIKART_OIDC_TENANT_ID": TENANT}
    veikart = str(Path(sys.executable).with_name("veikart"))
    result = subprocess.run(
        [veikart, "check"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "configuration error" in result.stderr and "VEIKART_OIDC_CLIENT_ID" in result.stderr
