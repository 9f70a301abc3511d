"""Keyed pseudonyms for people: what usage data is joined on instead of names."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from django.conf import settings


def normalise_upn(upn: str) -> str:
    """The form of a user principal name that is hashed: NFC, trimmed, lower-case."""
    return unicodedata.normalize("NFC", upn).strip().lower()


def pseudonym(upn: str, key: str | None = None) -> str:
    """HMAC-SHA-256(key, normalised UPN) as 64 lower-case hex digits.

    The key is ``VEIKART_PSEUDONYM_KEY``; without it the value cannot be recomputed from a UPN, so a
    lake that leaks does not reveal who is who.
    """
    secret = (key if key is not None else settings.PSEUDONYM_KEY).encode("utf-8")
    return hmac.new(secret, normalise_upn(upn).encode("utf-8"), hashlib.sha256).hexdigest()
