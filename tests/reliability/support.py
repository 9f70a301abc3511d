"""Installations for the reliability tests: a data directory and a database of their own, run
through the real ``veikart`` command in subprocesses.

The database is a SQLite file, or — when the test run itself uses PostgreSQL (``DATABASE_URL=
postgres://…``) — a database created on that server for the test and dropped afterwards. Cloning
copies the file, or creates the database from the other as its template.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
VEIKART = str(Path(sys.executable).with_name("veikart"))
CRASHPOINT = str(Path(__file__).with_name("crashpoint.py"))

SECRET_KEY = "reliability-" + "kX3v9" * 12
PSEUDONYM_KEY = "reliability-pseudonym-" + "q" * 20


def postgres_server() -> str | None:
    """The PostgreSQL server of this test run (its ``DATABASE_URL`` without a database name), or
    None when the tests run on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def admin_connection(server: str) -> Any:
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


@dataclass
class Database:
    """A database of one test installation: ``url`` is its ``DATABASE_URL``."""

    url: str

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgres")

    @property
    def _sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    @property
    def _name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    @property
    def _server(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))

    @classmethod
    def create(cls, folder: Path, server: str | None) -> Database:
        """An empty database: a new SQLite file in ``folder``, or a new database on ``server``."""
        if server is None:
            folder.mkdir(parents=True, exist_ok=True)
            return cls(f"sqlite:///{folder / 'veikart.sqlite3'}")
        name = f"veikart_reliability_{uuid.uuid4().hex[:12]}"
        with admin_connection(server) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return cls(f"{server}/{name}")

    def clone(self, folder: Path) -> Database:
        if not self.is_postgres:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / "veikart.sqlite3"
            for suffix in ("", "-wal"):  # a finished process leaves no WAL, but be safe
                source = Path(f"{self._sqlite_path}{suffix}")
                if source.exists():
                    shutil.copyfile(source, f"{target}{suffix}")
            return Database(f"sqlite:///{target}")
        name = f"veikart_reliability_{uuid.uuid4().hex[:12]}"
        with admin_connection(self._server) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._name}"')
        return Database(f"{self._server}/{name}")

    def drop(self) -> None:
        if not self.is_postgres:
            return
        with admin_connection(self._server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        if self.is_postgres:
            import psycopg

            with psycopg.connect(self.url) as connection:
                return list(connection.execute(sql.replace("?", "%s"), params).fetchall())
        import sqlite3

        lite = sqlite3.connect(self._sqlite_path)
        try:
            return list(lite.execute(sql, params).fetchall())
        finally:
            lite.close()

    def json(self, value: Any) -> Any:
        """A JSON column's value as Python (SQLite returns text, PostgreSQL the decoded value)."""
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class Installation:
    """A data directory and a database, and the ``veikart`` command run against them."""

    data: Path
    database: Database
    extra_env: dict[str, str]

    @property
    def lake(self) -> Path:
        return self.data / "lake"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("VEIKART_", "DJANGO_")) and k not in ("DATABASE_URL", "SECRET_KEY")
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "veikart.conf.settings",
                "VEIKART_DATA_DIR": str(self.data),
                "DATABASE_URL": self.database.url,
                "SECRET_KEY": SECRET_KEY,
                "VEIKART_PSEUDONYM_KEY": PSEUDONYM_KEY,
                "VEIKART_LOG_LEVEL": "WARNING",
                **self.extra_env,
            }
        )
        return env

    def veikart(
        self, *args: str, crash: str = "none", nth: int = 1, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``veikart ARGS``; with ``crash``, SIGKILLed at that point (see crashpoint.py)."""
        command = (
            [VEIKART, *args] if crash == "none" else [PYTHON, CRASHPOINT, crash, str(nth), *args]
        )
        return subprocess.run(
            command,
            env=self.env(),
            cwd=self.data,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def python(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a Python script in this installation's environment (Django not yet set up)."""
        return subprocess.run(
            [PYTHON, "-c", script, *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def clone(self, folder: Path) -> Installation:
        """A copy: the database cloned, the data directory (lake, keys) copied."""
        data = folder / "data"
        if self.data.exists():
            shutil.copytree(self.data, data, symlinks=True)
        else:
            data.mkdir(parents=True)
        return Installation(data, self.database.clone(folder), dict(self.extra_env))
