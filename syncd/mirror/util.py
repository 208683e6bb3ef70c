"""Small helpers every mirror module shares: chunks for IN lists, JSON-ready values, upserts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["chunked", "insert_for", "json_safe"]

T = TypeVar("T")


def chunked(items: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """``items`` in lists of ``size``: IN lists and statements stay within database limits."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def json_safe(value: Any) -> Any:
    """``value`` with datetimes as ISO text, Decimals as floats: ready for a JSON column."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def insert_for(conn: Connection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT on the mirror's two backends."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported mirror dialect {dialect!r}")
