"""PostgreSQL restarted under load: ``veikart serve`` (gunicorn) answers every request during the
outage with a clean error page — never a traceback, never a dropped connection — says so on
``/helse/klar`` (503), and serves every request again once PostgreSQL is back, without being
restarted itself.

The test runs its own PostgreSQL server (``initdb`` in a temporary folder, a free port, trust
authentication on 127.0.0.1), so restarting it disturbs nobody; it needs PostgreSQL's server
programs (Debian: ``postgresql``) and, as root, the ``postgres`` system user. Marked
``reliability``: it takes about half a minute and starts servers. Run it with::

    VEIKART_RELIABILITY=1 .venv/bin/pytest -q tests/reliability/test_postgres_restart.py
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.reliability.support import VEIKART, Database, Installation

pytestmark = pytest.mark.reliability

WORKERS = 2
CLIENTS = 4
LEAKS = ("Traceback", "OperationalError", "psycopg", "could not connect", 'File "')

SETUP = """
import json

import django

django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from veikart.core.constants import Role
from veikart.core.services import create_api_token, grant_role
from veikart.organisations.services import set_up_organisation

call_command("migrate", verbosity=0)
set_up_organisation(name="Moss kommune")
kari = User.objects.create_user("kari", password="correct horse battery staple")
grant_role(kari, Role.PROGRAMME_LEAD)
client = Client()
client.force_login(kari)
_record, token = create_api_token(kari, "load")
print(json.dumps({"session": client.cookies["sessionid"].value, "token": token}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Cluster:
    """A PostgreSQL server of the test's own, in a temporary folder."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = found[-1] if found else shutil.which("initdb")
        if initdb is None:
            pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = Path(initdb).parent
        self.root = os.geteuid() == 0
        if self.root and shutil.which("runuser") is None:
            pytest.skip("as root, runuser is needed to run PostgreSQL as the postgres user")
        self.folder = Path(tempfile.mkdtemp(prefix="veikart-pg-"))
        if self.root:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=50"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        """``-m fast``: what ``systemctl restart postgresql`` does — every session is ended."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Server:
    cluster: Cluster
    base: str
    session: str
    token: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    cluster = Cluster()
    folder = tmp_path_factory.mktemp("restart")
    process: subprocess.Popen[bytes] | None = None
    try:
        cluster.init()
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE veikart")
        installation = Installation(
            folder / "data",
            Database(cluster.url("veikart")),
            {"VEIKART_ALLOWED_HOSTS": "127.0.0.1", "VEIKART_LOG_LEVEL": "ERROR"},
        )
        installation.data.mkdir()
        made = installation.python(SETUP)
        assert made.returncode == 0, made.stderr
        keys = json.loads(made.stdout.strip().splitlines()[-1])
        port = free_port()
        with open(folder / "serve.log", "wb") as log:
            process = subprocess.Popen(
                [VEIKART, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)],
                env=installation.env(),
                cwd=installation.data,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process)
        yield Server(cluster, base, keys["session"], keys["token"])
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        cluster.remove()


def wait_until_ready(base: str, process: subprocess.Popen[bytes] | None = None) -> float:
    """Seconds until /helse/klar answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < 60:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"veikart serve ended with {process.returncode}")
        try:
            if httpx.get(f"{base}/helse/klar", timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("/helse/klar did not answer 200 within 60 s")


@dataclass(frozen=True)
class Result:
    started: float
    ended: float
    path: str
    status: int | str  # the HTTP status, or the name of the transport error
    body: str


PATHS = ("/bruk/", "/opplaering/", "/api/v1/adoption/metrics", "/helse/klar", "/helse/live", "/")


class Load:
    """CLIENTS threads requesting PATHS in turn, signed in as Kari (session and API token)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.results: list[Result] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(CLIENTS)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _client(self, number: int) -> None:
        with client(self.server) as http:
            turn = number
            while not self._stop.is_set():
                path = PATHS[turn % len(PATHS)]
                turn += 1
                result = request(http, path)
                with self._lock:
                    self.results.append(result)
                time.sleep(0.02)


def client(server: Server) -> httpx.Client:
    return httpx.Client(
        base_url=server.base,
        cookies={"sessionid": server.session},
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=15,
    )


def request(http: httpx.Client, path: str) -> Result:
    started = time.monotonic()
    try:
        response = http.get(path)
    except httpx.HTTPError as exc:
        return Result(started, time.monotonic(), path, type(exc).__name__, "")
    return Result(started, time.monotonic(), path, response.status_code, response.text)


def leaks(results: list[Result]) -> list[tuple[str, int | str, str]]:
    return [(r.path, r.status, leak) for r in results for leak in LEAKS if leak in r.body]


def test_requests_fail_cleanly_while_postgresql_restarts_and_recover_without_a_restart(
    server: Server,
) -> None:
    with Load(server) as load:
        time.sleep(3)
        stopping = time.monotonic()
        server.cluster.stop()
        down = time.monotonic()
        time.sleep(5)
        starting = time.monotonic()
        server.cluster.start()
        up = time.monotonic()
        time.sleep(6)
    results = load.results

    before = [r for r in results if r.ended < stopping]
    during = [r for r in results if r.started > down and r.ended < starting]
    after = [r for r in results if r.started > up]
    assert before and all(r.status == 200 for r in before), {r.status for r in before}
    # During the outage: an answer to every request (gunicorn and its workers stay up), an error
    # status, no traceback or database error text; the probes tell the truth.
    assert len(during) > 20
    assert {r.status for r in during if not r.path.startswith("/helse/")} <= {500, 503}
    assert leaks(results) == []
    ready = [r for r in during if r.path == "/helse/klar"]
    assert ready and all(r.status == 503 for r in ready)
    assert all(json.loads(r.body)["checks"]["database"] == "failed" for r in ready)
    assert all(r.status == 200 for r in during if r.path == "/helse/live")
    # PostgreSQL is back: every request succeeds again, veikart serve never restarted.
    assert after and [r for r in after if r.status != 200] == []


def test_the_first_requests_after_a_quiet_restart_succeed(server: Server) -> None:
    with client(server) as http:
        warm = [request(http, "/bruk/") for _ in range(4 * WORKERS)]  # each worker connected
        assert all(r.status == 200 for r in warm)
        server.cluster.stop()
        server.cluster.start()
        results = [request(http, path) for path in PATHS[:3] * (2 * WORKERS)]
    assert leaks(results) == []
    assert [(r.path, r.status) for r in results if r.status != 200] == []
