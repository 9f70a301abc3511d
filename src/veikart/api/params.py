"""Parameter types and error answers shared by the /api/v1 routers.

- :data:`Id`: a database id, 1 to 2**63 - 1 (a BIGINT): a larger number is refused with 422
  before it reaches the database (SQLite raises OverflowError on integers beyond 64 bits).
- :data:`IsoDate`: a date written ``YYYY-MM-DD`` and nothing else: pydantic on its own also reads
  a number as a Unix time (``?date=0`` would be 1970-01-01) and ``20200101`` as a date.
- :class:`ErrorOut` and :class:`ValidationErrorOut`: the bodies of the error answers, which
  :class:`veikart.api.api.VeikartAPI` documents on every operation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field

BIGINT_MAX = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("write the date as YYYY-MM-DD, e.g. 2020-01-31")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class ErrorOut(Schema):
    """400, 401, 403, 404: what is wrong, in a sentence."""

    detail: str


class ValidationIssue(Schema):
    """One parameter that was refused: where (``["query", "date"]``), why, and pydantic's kind."""

    model_config = ConfigDict(extra="allow")  # pydantic adds ctx for some kinds

    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    """422: every parameter that was refused."""

    detail: list[ValidationIssue]
