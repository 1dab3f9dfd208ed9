"""Column types shared by the tables: UTC timestamps that behave the same on SQLite and PostgreSQL, and
StrEnums stored as their plain values.

Contract
- ``UTCDateTime`` accepts only timezone-aware datetimes and always returns aware UTC datetimes, on both
  databases (PostgreSQL ``timestamptz``; SQLite a naive UTC text value that still sorts and compares).
  Every "now" in models/ is injected by the caller; ``utcnow()`` is for the edges (CLI, worker loop).
- ``str_enum(E)`` is a non-native enum column (VARCHAR, no CHECK constraint): the value string is stored,
  the enum member is returned, and new members never need a schema change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum: type[StrEnum], length: int = 32) -> sa.Enum:
    return sa.Enum(
        enum, native_enum=False, create_constraint=False, length=length,
        values_callable=lambda e: [m.value for m in e], validate_strings=True,
    )
