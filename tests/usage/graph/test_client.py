"""The Graph client against the fake: sign-in, the 302 dance, pacing, Graph's refusals."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import httpx
import pytest

from tests.usage.graph.conftest import MakeClient, MakeFake
from tests.usage.graph.fakegraph import FakeClock, FakeGraph, Tls, make_client_certificate
from tests.usage.graph.support import CLIENT_ID, SECRET, TENANT_ID, TODAY, settings_for, window
from veikart.demo.simulator.reports import EMAIL_USER_DETAIL, TEAMS_COUNTS, TEAMS_USER_DETAIL
from veikart.usage.graph.client import ENV_VARIABLES, GraphReportsClient, GraphSettings, Pacer
from veikart.usage.graph.exceptions import (
    GraphAuthError,
    GraphConfigError,
    GraphDateUnavailableError,
    GraphPermissionError,
    GraphThrottledError,
    GraphUnavailableError,
    GraphUnsupportedError,
)
from veikart.usage.graph.pull import run_pull

YESTERDAY = TODAY - dt.timedelta(days=1)

# --- signing in -------------------------------------------------------------------------------


def test_it_signs_in_with_msal_and_downloads_a_report(
    fake: FakeGraph, make_client: MakeClient
) -> None:
    body = make_client(fake).download(TEAMS_USER_DETAIL, date=YESTERDAY)

    assert body.startswith(b"\xef\xbb\xbfReport Refresh Date,")
    assert fake.token_requests == [("secret", 200)]
    assert [(r.date, r.status) for r in fake.report_requests] == [(YESTERDAY, 302)]


def test_it_refuses_a_wrong_secret_with_a_clear_error(
    fake: FakeGraph, make_client: MakeClient
) -> None:
    client = make_client(fake, client_secret="the-secret-id-not-its-value")

    with pytest.raises(GraphAuthError) as caught:
        client.download(TEAMS_USER_DETAIL, date=YESTERDAY)

    message = str(caught.value)
    assert message.startswith(
        "Microsoft Entra ID refused to issue a token (invalid_client: AADSTS7000215: Invalid "
        "client secret provided."
    )
    assert message.endswith(
        "; the client secret is wrong: VEIKART_GRAPH_CLIENT_SECRET must hold the secret's "
        "Value, not its Secret ID"
    )
    assert "the-secret-id-not-its-value" not in message
    assert caught.value.error == "invalid_client"
    assert fake.token_requests == [("secret", 401)]
    assert fake.report_requests == []


def test_it_refuses_an_unknown_tenant_with_a_clear_error(
    fake: FakeGraph, make_client: MakeClient
) -> None:
    client = make_client(fake, tenant_id="contoso.onmicrosoft.com")

    with pytest.raises(GraphAuthError, match=r"does not know the tenant 'contoso\.onmicrosoft"):
        client.download(TEAMS_USER_DETAIL, date=YESTERDAY)
    assert fake.report_requests == []


def test_it_refuses_an_unknown_client_id_with_a_clear_error(
    fake: FakeGraph, make_client: MakeClient
) -> None:
    client = make_client(fake, client_id="11111111-2222-3333-4444-555555555555")

    with pytest.raises(GraphAuthError, match=r"AADSTS700016.*check VEIKART_GRAPH_CLIENT_ID"):
        client.download(TEAMS_USER_DETAIL, date=YESTERDAY)


def test_it_signs_in_with_a_certificate(
    make_fake: MakeFake, tls: Tls, clock: FakeClock, tmp_path: Path
) -> None:
    pem = tmp_path / "graph.pem"
    fake = make_fake(client_secret=None, client_certificate=make_client_certificate(pem))
    settings = settings_for(fake, tls, client_secret=None, certificate_path=pem)

    with GraphReportsClient(settings, clock=clock) as client:
        body = client.download(TEAMS_USER_DETAIL, date=YESTERDAY)

    assert body.startswith(b"\xef\xbb\xbf")
    assert fake.token_requests == [("assertion", 200)]


def test_it_refuses_a_certificate_that_was_not_uploaded(
    make_fake: MakeFake, tls: Tls, clock: FakeClock, tmp_path: Path
) -> None:
    uploaded, other = tmp_path / "uploaded.pem", tmp_path / "other.pem"
    fake = make_fake(client_secret=None, client_certificate=make_client_certificate(uploaded))
    make_client_certificate(other)
    settings = settings_for(fake, tls, client_secret=None, certificate_path=other)

    with (
        GraphReportsClient(settings, clock=clock) as client,
        pytest.raises(GraphAuthError, match=r"AADSTS700027.*upload its public part"),
    ):
        client.download(TEAMS_USER_DETAIL, date=YESTERDAY)


def test_an_expired_token_is_replaced_once(fake: FakeGraph, make_client: MakeClient) -> None:
    client = make_client(fake)
    client.download(TEAMS_USER_DETAIL, date=YESTERDAY)
    fake.expire_tokens()  # MSAL still believes in its cached token

    client.download(EMAIL_USER_DETAIL, date=YESTERDAY)

    assert fake.tokens_issued == 2
    assert [r.status for r in fake.report_requests] == [302, 401, 302]


def test_it_gives_up_when_graph_refuses_even_a_fresh_token(
    make_fake: MakeFake, make_client: MakeClient
) -> None:
    fake = make_fake(token_lifetime=-1)  # every token is dead on arrival

    with pytest.raises(GraphAuthError, match="refused a freshly issued token"):
        make_client(fake).download(TEAMS_USER_DETAIL, date=YESTERDAY)
    assert [r.status for r in fake.report_requests] == [401, 401]


def test_it_says_which_permission_is_missing(make_fake: MakeFake, make_client: MakeClient) -> None:
    fake = make_fake(granted=False)

    with pytest.raises(GraphPermissionError, match=r"Reports\.Read\.All with admin consent"):
        make_client(fake).download(TEAMS_USER_DETAIL, date=YESTERDAY)


# --- the download host ------------------------------------------------------------------------


def test_the_download_goes_without_the_token_which_the_host_would_refuse(
    fake: FakeGraph, make_client: MakeClient, tls: Tls
) -> None:
    make_client(fake).download(TEAMS_USER_DETAIL, date=YESTERDAY)
    (download,) = fake.download_requests
    assert download.authorization is None and download.status == 200
    # The control: the same kind of request with the token is refused by the fake download host,
    # so the assertion above cannot pass because the fake fails to notice a leaked token.
    token = fake_token(fake, tls)
    with httpx.Client(verify=settings_for(fake, tls).ssl_context()) as http:
        redirect = http.get(
            f"{fake.graph_base}/reports/{TEAMS_USER_DETAIL}(date={YESTERDAY})",
            headers={"Authorization": f"Bearer {token}"},
        )
        leaked = http.get(
            redirect.headers["Location"], headers={"Authorization": f"Bearer {token}"}
        )

    assert redirect.status_code == 302
    assert leaked.status_code == 400


def test_download_addresses_stay_out_of_the_log(
    fake: FakeGraph, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        make_client(fake).download(TEAMS_USER_DETAIL, date=YESTERDAY)

    assert len(fake.download_requests) == 1
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/download/" not in text
    assert "(download address hidden)" in text


def test_a_failed_download_asks_graph_for_a_new_address(
    make_fake: MakeFake, make_client: MakeClient
) -> None:
    fake = make_fake(download_failure_rate=0.5, seed=3)
    client = make_client(fake)

    for day in window()[-5:]:
        client.download(TEAMS_USER_DETAIL, date=day)

    failed = [d for d in fake.download_requests if d.status != 200]
    assert failed  # the seed makes some downloads fail…
    # …and every retry asked Graph for a new address: one report request per download attempt.
    assert len(fake.report_requests) == len(fake.download_requests)


# --- Graph's refusals -------------------------------------------------------------------------


@pytest.mark.parametrize("days_ago", [0, -1, 29])
def test_a_day_outside_graphs_window_raises_date_unavailable(
    fake: FakeGraph, make_client: MakeClient, days_ago: int
) -> None:
    day = TODAY - dt.timedelta(days=days_ago)

    with pytest.raises(GraphDateUnavailableError) as caught:
        make_client(fake).download(TEAMS_USER_DETAIL, date=day)

    assert caught.value.date == day
    assert caught.value.code == "InvalidArgument"
    assert "Only support data for the past 28 days" in str(caught.value)


def test_a_report_without_a_one_day_form_raises_unsupported(
    fake: FakeGraph, make_client: MakeClient
) -> None:
    with pytest.raises(GraphUnsupportedError, match="The requested function cannot be found"):
        make_client(fake).download(TEAMS_COUNTS, date=YESTERDAY)


def test_it_retries_transient_failures_with_bounded_back_off(
    make_fake: MakeFake, make_client: MakeClient, clock: FakeClock
) -> None:
    fake = make_fake(failure_rate=1.0)

    with pytest.raises(GraphUnavailableError, match="failed 6 times in a row"):
        make_client(fake).download(TEAMS_USER_DETAIL, date=YESTERDAY)

    assert len(fake.report_requests) == 6
    assert clock.slept == 2 + 4 + 8 + 16 + 32


def test_it_waits_as_long_as_retry_after_asks(
    make_fake: MakeFake, make_client: MakeClient, clock: FakeClock
) -> None:
    fake = make_fake(limit=3)  # other apps used most of this report's budget
    client = make_client(fake)
    for day in window()[:3]:
        client.download(TEAMS_USER_DETAIL, date=day)
    start = clock.monotonic()

    client.download(TEAMS_USER_DETAIL, date=window()[3])

    assert [r.status for r in fake.report_requests[3:]] == [429, 302]
    assert clock.monotonic() - start == 600
    assert fake.retry_after_violations == []


def test_it_gives_up_when_graph_asks_for_too_long_a_pause(
    make_fake: MakeFake, make_client: MakeClient
) -> None:
    fake = make_fake(limit=1, window=3600)
    client = make_client(fake, max_retry_after=900)
    client.download(TEAMS_USER_DETAIL, date=YESTERDAY)

    with pytest.raises(GraphThrottledError, match="last Retry-After 3600 s"):
        client.download(TEAMS_USER_DETAIL, date=YESTERDAY - dt.timedelta(days=1))
    # Each report has its own budget.
    assert client.download(EMAIL_USER_DETAIL, date=YESTERDAY)


# --- pacing -----------------------------------------------------------------------------------


def test_pacing_never_exceeds_14_requests_per_10_minutes_per_report(
    fake: FakeGraph, make_client: MakeClient, clock: FakeClock, tmp_path: Path
) -> None:
    reports = [TEAMS_USER_DETAIL, EMAIL_USER_DETAIL]

    run_pull(make_client(fake), reports, TODAY, lambda *_: None, tmp_path / "state.json")

    assert len(fake.report_requests) == 2 * 27
    assert 429 not in fake.statuses()
    assert clock.slept >= 600  # 27 requests per report do not fit in one window
    for report in reports:
        times = [r.at for r in fake.report_requests if r.report == report]
        busiest = max(sum(1 for t in times if start <= t < start + 600) for start in times)
        assert busiest == 14


def test_the_pacer_lets_14_through_then_waits_for_the_oldest_to_leave_the_window() -> None:
    clock = FakeClock(start=0.0)
    pacer = Pacer(clock=clock)

    waits = [pacer.acquire("getA") for _ in range(14)]
    clock.sleep(100)
    other = pacer.acquire("getB")
    fifteenth = pacer.acquire("getA")

    assert waits == [0.0] * 14
    assert other == 0.0
    assert fifteenth == 501.0  # until the first request is 600 s old, plus a second's margin
    assert clock.monotonic() == 601.0


# --- settings ---------------------------------------------------------------------------------


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    secret_file = tmp_path / "graph_secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    return {
        "VEIKART_GRAPH_TENANT_ID": TENANT_ID,
        "VEIKART_GRAPH_CLIENT_ID": CLIENT_ID,
        "VEIKART_GRAPH_CLIENT_SECRET_FILE": str(secret_file),
        **extra,
    }


def test_settings_come_from_the_environment_with_the_secret_from_a_file(tmp_path: Path) -> None:
    settings = GraphSettings.from_env(environment(tmp_path))

    assert settings.client_secret == SECRET
    assert settings.authority == f"https://login.microsoftonline.com/{TENANT_ID}"
    assert settings.graph_base == "https://graph.microsoft.com/v1.0"
    assert SECRET not in repr(settings)


def test_settings_read_a_certificate_and_check_its_thumbprint(tmp_path: Path) -> None:
    pem = tmp_path / "graph.pem"
    make_client_certificate(pem)
    env = environment(tmp_path, VEIKART_GRAPH_CERTIFICATE_FILE=str(pem))
    del env["VEIKART_GRAPH_CLIENT_SECRET_FILE"]

    assert GraphSettings.from_env(env).certificate_path == pem
    with pytest.raises(GraphConfigError, match="does not match the certificate"):
        GraphSettings.from_env({**env, "VEIKART_GRAPH_CERTIFICATE_THUMBPRINT": "AB" * 20})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"VEIKART_GRAPH_TENANT_ID": ""}, "VEIKART_GRAPH_TENANT_ID is required"),
        ({"VEIKART_GRAPH_CLIENT_ID": "veikart"}, "VEIKART_GRAPH_CLIENT_ID='veikart' is not a GUID"),
        (
            {"VEIKART_GRAPH_CLIENT_SECRET": "x"},
            "both VEIKART_GRAPH_CLIENT_SECRET and VEIKART_GRAPH_CLIENT_SECRET_FILE are set",
        ),
        (
            {"VEIKART_GRAPH_CLIENT_SECRET_FILE": "/nonexistent/secret"},
            "VEIKART_GRAPH_CLIENT_SECRET_FILE='/nonexistent/secret' cannot be read",
        ),
        (
            {"VEIKART_GRAPH_CLIENT_SECRET_FILE": "", "VEIKART_GRAPH_CERTIFICATE_FILE": ""},
            "no credential for Microsoft Graph",
        ),
        (
            {"VEIKART_GRAPH_BASE_URL": "http://graph.example/v1.0"},
            "VEIKART_GRAPH_BASE_URL='http://graph.example/v1.0' is not an https:// address",
        ),
    ],
)
def test_settings_refuse_bad_values_naming_the_variable(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    with pytest.raises(GraphConfigError, match=re.escape(message)):
        GraphSettings.from_env({**environment(tmp_path), **change})


def test_every_variable_is_documented_for_operators() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "operator" / "graph.md").read_text(encoding="utf-8")

    for name in ENV_VARIABLES:
        assert f"`{name}`" in doc, name


# --- helpers ----------------------------------------------------------------------------------


def fake_token(fake: FakeGraph, tls: Tls) -> str:
    """A valid token from the fake's token endpoint, fetched by hand."""
    with httpx.Client(verify=settings_for(fake, tls).ssl_context()) as http:
        response = http.post(
            f"{fake.origin}/{TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "scope": "https://graph.microsoft.com/.default",
            },
        )
    return str(response.json()["access_token"])
