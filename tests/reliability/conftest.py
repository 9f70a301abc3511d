"""The reliability tests: kill -9, PostgreSQL restarts, upgrades from the previous release.

Tests marked ``reliability`` disturb more than their own files (they start and restart a
PostgreSQL server of their own, run gunicorn) or take minutes; they run only with
``VEIKART_RELIABILITY=1``::

    VEIKART_RELIABILITY=1 .venv/bin/pytest -q tests/reliability -p no:cacheprovider
"""

from __future__ import annotations

import os

import pytest

ENABLED = os.environ.get("VEIKART_RELIABILITY") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "reliability: restarts servers or runs for minutes; only with VEIKART_RELIABILITY=1",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="a reliability test: set VEIKART_RELIABILITY=1 to run it")
    for item in items:
        if item.get_closest_marker("reliability") is not None:
            item.add_marker(skip)
