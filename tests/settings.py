"""Settings for the test run: Veikart's own, with a throw-away data directory."""

import os
import tempfile

os.environ.setdefault("VEIKART_DATA_DIR", tempfile.mkdtemp(prefix="veikart-test-"))

from veikart.conf.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, for tests only

# Each test process its own cache in memory (tests/conftest.py empties it for every test).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
