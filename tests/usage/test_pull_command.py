"""`veikart pull` as an operator runs it, against the loopback fake Graph server."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


def test_pull_without_configuration_names_the_missing_variable(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("VEIKART_GRAPH_TENANT_ID", "VEIKART_GRAPH_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(Exception, match="VEIKART_GRAPH_TENANT_ID"):
        call_command("pull", stdout=io.StringIO(), stderr=io.StringIO())
