"""Settings come from the environment; bad values stop start-up with the variable's name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from veikart.conf.env import VARIABLES

ROOT = Path(__file__).resolve().parents[2]
VEIKART = str(Path(sys.executable).with_name("veikart"))
STRONG = "x" * 64


def run(env: dict[str, str], *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VEIKART_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("SECRET_KEY", None)
    clean["VEIKART_DATA_DIR"] = str(tmp_path)
    clean.update(env)
    return subprocess.run(
        [VEIKART, *args], env=clean, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VEIKART_MIN_GROUP_SIZE": "3"}, "VEIKART_MIN_GROUP_SIZE"),
        ({"VEIKART_MIN_GROUP_SIZE": "ti"}, "VEIKART_MIN_GROUP_SIZE"),
        ({"VEIKART_PRODUCTION": "kanskje"}, "VEIKART_PRODUCTION"),
        ({"DATABASE_URL": "mysql://root@localhost/veikart"}, "DATABASE_URL"),
        ({"VEIKART_PRODUCTION": "true"}, "SECRET_KEY"),
        ({"VEIKART_PRODUCTION": "true", "SECRET_KEY": STRONG}, "VEIKART_PSEUDONYM_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"VEIKART_PRODUCTION": "1", "VEIKART_DEBUG": "1"}, "VEIKART_DEBUG"),
        ({"VEIKART_LOG_LEVEL": "LOUD"}, "VEIKART_LOG_LEVEL"),
        ({"VEIKART_CSRF_TRUSTED_ORIGINS": "veikart.kommune.no"}, "VEIKART_CSRF_TRUSTED_ORIGINS"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE"),
        ({"VEIKART_EMAIL_BACKEND": "pigeon"}, "VEIKART_EMAIL_BACKEND"),
        ({"VEIKART_EMAIL_USE_TLS": "1", "VEIKART_EMAIL_USE_SSL": "1"}, "VEIKART_EMAIL_USE_SSL"),
        ({"VEIKART_DEFAULT_FROM_EMAIL": "veikart"}, "VEIKART_DEFAULT_FROM_EMAIL"),
        ({"VEIKART_EMAIL_HOST_PASSWORD_FILE": "/nonexistent/pw"}, "VEIKART_EMAIL_HOST_PASSWORD"),
    ],
)
def test_it_refuses_a_bad_value_at_start_up_naming_the_variable(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = run(env, "check", tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "configuration error" in result.stderr and named in result.stderr
    assert "Traceback" not in result.stderr


def test_it_starts_with_no_configuration_and_generates_its_keys_once(tmp_path: Path) -> None:
    assert run({}, "check", tmp_path=tmp_path).returncode == 0
    secret = (tmp_path / "secret_key").read_text()
    pseudonym_key = (tmp_path / "pseudonym_key").read_text()
    assert len(secret.strip()) >= 50 and len(pseudonym_key.strip()) >= 32
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert run({}, "check", tmp_path=tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == secret


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    key_file = tmp_path / "pseudonym"
    key_file.write_text("p" * 40)
    env = {
        "VEIKART_PRODUCTION": "true",
        "SECRET_KEY": "k3y-" + "ab9Xq" * 12,
        "VEIKART_PSEUDONYM_KEY_FILE": str(key_file),
        "VEIKART_ALLOWED_HOSTS": "veikart.moss.kommune.no",
    }
    result = run(env, "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert not (tmp_path / "secret_key").exists()  # production never generates secrets


def test_every_variable_is_documented_and_every_documented_one_exists() -> None:
    text = (ROOT / "docs" / "operator" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE))
    assert documented == {v.name for v in VARIABLES}


def test_the_code_reads_only_declared_environment_variables() -> None:
    declared = {v.name for v in VARIABLES} | {f"{v.name}_FILE" for v in VARIABLES}
    declared |= {"DJANGO_SETTINGS_MODULE"}
    readers = []
    for path in (ROOT / "src" / "veikart").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "environ" in source or "getenv" in source:
            readers.append(path.name)
            names = set(re.findall(r"\"((?:VEIKART|DATABASE|SECRET|DJANGO)_[A-Z_]+)\"", source))
            assert names <= declared, f"{path.name} reads undeclared {names - declared}"
    assert "env.py" in readers
