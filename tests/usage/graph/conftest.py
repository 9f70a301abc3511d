"""The fake Graph fixtures live in tests/usage/conftest.py (the pull command's tests use them too).

The fixture types are re-exported here for the tests of this folder.
"""

from __future__ import annotations

from tests.usage.conftest import MakeClient, MakeFake

__all__ = ["MakeClient", "MakeFake"]
