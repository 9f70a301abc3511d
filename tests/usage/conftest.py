"""Fixtures of the usage tests: a fake Entra ID + Graph on 127.0.0.1 serving simulator files,
and clients pointed at it (used by tests/usage/graph and by the ``veikart pull`` tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.usage.graph.fakegraph import FakeClock, FakeGraph, ReportFiles, Tls, make_tls
from tests.usage.graph.support import CLIENT_ID, SECRET, TENANT_ID, TODAY, settings_for
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.usage.graph.client import GraphReportsClient, Pacer

MakeFake = Callable[..., FakeGraph]
MakeClient = Callable[..., GraphReportsClient]


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def report_files(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    out = tmp_path_factory.mktemp("simulated")
    config = SimulationConfig(
        employees=250,
        start=dt.date(2019, 12, 16),
        end=dt.date(2020, 3, 15),
        granularity="daily",
    )
    generate(config, out)
    return ReportFiles.scan(out / "usage")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_fake(report_files: ReportFiles, tls: Tls, clock: FakeClock) -> Iterator[MakeFake]:
    started: list[FakeGraph] = []

    def make(**overrides: Any) -> FakeGraph:
        options: dict[str, Any] = {
            "files": report_files,
            "today": TODAY,
            "clock": clock,
            "tls": tls,
            "tenant_id": TENANT_ID,
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            **overrides,
        }
        fake = FakeGraph(**options).__enter__()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.__exit__(None, None, None)


@pytest.fixture
def fake(make_fake: MakeFake) -> FakeGraph:
    """Graph as it behaves on a good day: throttling at 14 per 10 minutes, no failures."""
    return make_fake()


@pytest.fixture
def make_client(tls: Tls, clock: FakeClock) -> Iterator[MakeClient]:
    """A real client (real MSAL, real httpx) pointed at a fake, sleeping on the fake clock."""
    clients: list[GraphReportsClient] = []

    def make(fake: FakeGraph, **overrides: Any) -> GraphReportsClient:
        client_options = {
            key: overrides.pop(key)
            for key in ("max_attempts", "max_throttled", "max_retry_after")
            if key in overrides
        }
        client = GraphReportsClient(
            settings_for(fake, tls, **overrides),
            clock=clock,
            pacer=Pacer(clock=clock),
            **client_options,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
