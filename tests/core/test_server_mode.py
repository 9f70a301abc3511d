"""Server mode: `veikart serve`, production settings, static files, and the shipped unit files."""

from __future__ import annotations

import configparser
import io
import json
import os
import runpy
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.test import override_settings

from veikart.conf.env import ConfigError
from veikart.core.management.commands.serve import (
    MAX_DEFAULT_WORKERS,
    default_workers,
    parse_bind,
    server_options,
)

ROOT = Path(__file__).resolve().parents[2]
VEIKART = str(Path(sys.executable).with_name("veikart"))
SYSTEMD = ROOT / "deploy" / "systemd"
HOST = "veikart.moss.kommune.no"


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEIKART_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    env.update(
        {
            "VEIKART_DATA_DIR": str(data_dir),
            "VEIKART_PRODUCTION": "true",
            "SECRET_KEY": "k3y-" + "ab9Xq" * 12,
            "VEIKART_PSEUDONYM_KEY": "p" * 40,
            "VEIKART_ALLOWED_HOSTS": HOST,
            "VEIKART_WORKERS": "1",
        }
    )
    env.update(extra)
    return env


def veikart(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VEIKART, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


# --- gunicorn's settings


def test_server_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEIKART_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("VEIKART_WORKERS", "3")
    monkeypatch.setenv("VEIKART_TIMEOUT", "300")
    options = server_options()
    assert options["bind"] == ["0.0.0.0:9000"]
    assert options["workers"] == 3 and options["timeout"] == 300
    socket_path = "unix:/run/veikart/veikart.sock"
    assert server_options(bind=socket_path, workers=2, timeout=60)["bind"] == [socket_path]


def test_the_defaults_listen_on_localhost_with_a_capped_number_of_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("VEIKART_BIND", "VEIKART_WORKERS", "VEIKART_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    options = server_options()
    assert options["bind"] == ["127.0.0.1:8000"]
    assert options["workers"] == default_workers() <= MAX_DEFAULT_WORKERS
    assert options["timeout"] == 120
    assert options["accesslog"] is None  # the request middleware writes the access log
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert default_workers() == MAX_DEFAULT_WORKERS
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert default_workers() == 3


@pytest.mark.parametrize("value", ["8000", "localhost", "127.0.0.1:99999", "http://x:80", ""])
def test_it_rejects_an_address_it_cannot_listen_on(value: str) -> None:
    with pytest.raises(ConfigError, match="VEIKART_BIND"):
        parse_bind(value)


def test_gunicorn_accepts_every_setting_it_is_given() -> None:
    gunicorn_config = pytest.importorskip("gunicorn.config")
    config = gunicorn_config.Config()
    for key, value in server_options(bind="127.0.0.1:8000", workers=2, timeout=30).items():
        if key == "control_socket_disable" and key not in config.settings:
            continue  # gunicorn < 25 has no control socket
        config.set(key, value)
    assert config.workers == 2 and config.timeout == 30


# --- refusing to start


def test_it_refuses_a_bad_setting_naming_the_variable(tmp_path: Path) -> None:
    result = veikart(production_env(tmp_path, VEIKART_BIND="everywhere"), "serve", "--check")
    assert result.returncode == 2, result.stderr
    assert "VEIKART_BIND" in result.stderr and "Traceback" not in result.stderr
    result = veikart(production_env(tmp_path, VEIKART_WORKERS="0"), "serve", "--check")
    assert result.returncode == 2 and "VEIKART_WORKERS" in result.stderr


def test_it_refuses_to_start_in_production_without_the_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = veikart(env, "serve", "--check")
    assert result.returncode == 2
    assert "SECRET_KEY is required in production" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_it_refuses_to_start_in_production_until_the_server_is_set_up(tmp_path: Path) -> None:
    env = production_env(tmp_path, VEIKART_ALLOWED_HOSTS="127.0.0.1,localhost")
    result = veikart(env, "serve", "--check")
    assert result.returncode == 1
    assert "does not start in production mode" in result.stderr
    assert "VEIKART_ALLOWED_HOSTS" in result.stderr
    assert "veikart collectstatic" in result.stderr
    assert "veikart migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deployment_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in production_env(tmp_path).items():
        if name.startswith(("VEIKART_", "SECRET_")):
            monkeypatch.setenv(name, value)
    # The browser tests set it for Playwright's event loop in this process; a server never has it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    import veikart.conf.settings as development

    production = runpy.run_path(development.__file__)
    assert production["PRODUCTION"] is True
    assert production["LOG_FORMAT"] == "json"
    assert "CompressedManifest" in production["STORAGES"]["staticfiles"]["BACKEND"]
    kept = {"DATABASES", "INSTALLED_APPS", "LOGGING", "TEMPLATES", "DATA_DIR", "LAKE_DIR"}
    overrides = {k: v for k, v in production.items() if k.isupper() and k not in kept}
    out = io.StringIO()
    with override_settings(**overrides):
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
    assert "no issues" in out.getvalue()


# --- serving for real


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`veikart serve` in production mode after migrate and collectstatic, as deploy.md says."""
    data_dir = tmp_path_factory.mktemp("veikart-production")
    port = free_port()
    env = production_env(data_dir, VEIKART_BIND=f"127.0.0.1:{port}")
    for step in (["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
        done = veikart(env, *step)
        assert done.returncode == 0, done.stderr
    out, err = data_dir / "serve.out", data_dir / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen([VEIKART, "serve"], env=env, stdout=stdout, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, err.read_text()
            try:
                with urllib.request.urlopen(f"{base}/helse/live", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "veikart serve did not answer within 60 s"
            time.sleep(0.3)
        yield {"base": base, "data_dir": data_dir, "out": out, "err": err}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            assert server.wait(timeout=30) == 0  # a clean, graceful stop
        finally:
            if server.poll() is None:  # pragma: no cover - a hung server
                server.kill()
                server.wait()


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_serve_in_production_is_ready_and_serves_hashed_static_files_for_a_year(
    production_server: dict[str, Any],
) -> None:
    base = production_server["base"]
    status, _headers, body = get(f"{base}/helse/klar")
    assert status == 200 and json.loads(body)["status"] == "ok"

    manifest = json.loads(
        (production_server["data_dir"] / "static" / "staticfiles.json").read_text()
    )
    hashed = manifest["paths"]["veikart/veikart.css"]
    assert hashed != "veikart/veikart.css"
    behind_proxy = {"Host": HOST, "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    status, headers, _body = get(f"{base}/static/{hashed}", **behind_proxy)
    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Encoding"] == "gzip"  # compressed at collectstatic
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

    status, headers, body = get(f"{base}/logg-inn/", **behind_proxy)
    assert status == 200 and b"<form" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert f"/static/{hashed}".encode() in body  # pages link the hashed names


def test_serve_in_production_redirects_plain_http_and_logs_json_lines(
    production_server: dict[str, Any],
) -> None:
    base = production_server["base"]
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"{base}/logg-inn/", headers={"Host": HOST})  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"] == f"https://{HOST}/logg-inn/"

    request_id = "nginx-" + "0123456789abcdef" * 2
    status, headers, _body = get(
        f"{base}/logg-inn/", Host=HOST, **{"X-Forwarded-Proto": "https", "X-Request-ID": request_id}
    )
    assert status == 200 and headers["X-Request-ID"] == request_id

    assert "{" not in production_server["out"].read_text()  # standard output is for results
    err = production_server["err"].read_text()
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    mine = [e for e in entries if e.get("request_id") == request_id]
    assert len(mine) == 1
    assert mine[0]["logger"] == "veikart.request"
    assert mine[0]["path"] == "/logg-inn/" and mine[0]["status"] == 200
    assert mine[0]["duration_ms"] >= 0 and "user_id" not in mine[0]  # nobody signed in
    assert any(e["logger"] == "gunicorn.error" for e in entries)  # gunicorn's lines too


# --- the shipped systemd units


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


SERVICES = sorted(SYSTEMD.glob("*.service"))


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_every_unit_runs_a_real_veikart_command_as_the_veikart_user(path: Path) -> None:
    service = unit(path)["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0] == "/opt/veikart/venv/bin/veikart"
    assert command[1] in get_commands(), f"{path.name}: `veikart {command[1]}` does not exist"
    assert service["User"] == "veikart"
    assert service["EnvironmentFile"] == "/etc/veikart/veikart.env"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "veikart"  # the only writable place: /var/lib/veikart


def test_the_web_service_runs_serve_and_restarts_on_failure() -> None:
    service = unit(SYSTEMD / "veikart.service")
    assert shlex.split(service["Service"]["ExecStart"])[1:] == ["serve"]
    assert service["Service"]["Type"] == "notify"  # gunicorn tells systemd when it listens
    assert service["Service"]["Restart"] == "on-failure"
    assert service["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("path", sorted(SYSTEMD.glob("*.timer")), ids=lambda p: p.name)
def test_every_timer_starts_a_shipped_oneshot_service(path: Path) -> None:
    timer = unit(path)
    service = SYSTEMD / timer["Timer"].get("Unit", path.with_suffix(".service").name)
    assert service.exists()
    assert unit(service)["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_scheduled_jobs_include_the_daily_pull_and_compute() -> None:
    commands = {
        shlex.split(unit(path)["Service"]["ExecStart"])[1]
        for path in SERVICES
        if (path.with_suffix(".timer")).exists()
    }
    assert {"pull", "compute"} <= commands


def test_the_example_settings_file_names_only_real_variables() -> None:
    from veikart.conf.env import VARIABLES

    known = {v.name for v in VARIABLES} | {f"{v.name}_FILE" for v in VARIABLES}
    text = (ROOT / "deploy" / "veikart.env.example").read_text(encoding="utf-8")
    named = {
        line.lstrip("#").split("=", 1)[0]
        for line in text.splitlines()
        if "=" in line and line.lstrip("#").split("=", 1)[0].isupper()
    }
    assert {"VEIKART_PRODUCTION", "SECRET_KEY_FILE", "DATABASE_URL"} <= named
    assert named <= known, named - known


def test_the_manage_wrapper_is_valid_shell() -> None:
    wrapper = ROOT / "deploy" / "veikart-manage"
    assert os.access(wrapper, os.X_OK)
    assert subprocess.run(["sh", "-n", str(wrapper)], check=False).returncode == 0
