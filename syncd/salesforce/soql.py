"""Building SOQL safely: every value goes through a literal function, never string formatting."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final
from urllib.parse import quote as url_quote

# SOQL string escapes (SOQL and SOSL reference, "Quoted String Escape Sequences").
_ESCAPES: Final = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_ESCAPE_RE: Final = re.compile("|".join(re.escape(c) for c in _ESCAPES))
_IDENTIFIER: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
# Salesforce answers with a URL limit of about 16,000 characters; keep IN lists well inside it
# so the rest of the query (select list, other filters) still fits.
DEFAULT_IN_LIST_URL_CHARS: Final = 12_000


def quote(value: str) -> str:
    """A SOQL string literal: ``O'Brien`` -> ``'O\\'Brien'``."""
    return "'" + _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], value) + "'"


def datetime_literal(value: datetime) -> str:
    """A SOQL datetime literal in UTC, unquoted: ``2026-11-20T10:15:30Z``.

    Fractions of a second are dropped (Salesforce stores whole seconds); with ``>=`` and a
    lookback this only re-reads rows, which upsert-by-Id makes harmless.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("SOQL datetimes must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_literal(value: date) -> str:
    """A SOQL date literal, unquoted: ``2026-11-20``."""
    if isinstance(value, datetime):
        raise TypeError("date_literal takes a date; use datetime_literal for a datetime")
    return value.isoformat()


def literal(value: object) -> str:
    """Any Python value as a SOQL literal (strings quoted, datetimes in UTC, None as null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        # SOQL has no exponent notation (repr gives 1e+16) and no NaN or Infinity.
        if not math.isfinite(value):
            raise ValueError(f"no SOQL literal for {value!r}")
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return datetime_literal(value)
    if isinstance(value, date):
        return date_literal(value)
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"no SOQL literal for {type(value).__name__}")


def identifier(name: str) -> str:
    """A field or object name, checked: names cannot be quoted in SOQL, so refuse anything odd."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a SOQL field or object name: {name!r}")
    return name


def select(
    fields: Iterable[str],
    sobject: str,
    *,
    where: str | Sequence[str] | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
) -> str:
    """``SELECT f1, f2 FROM Obj WHERE a AND b ORDER BY x LIMIT n``; conditions are ANDed."""
    names = [identifier(f) for f in dict.fromkeys(fields)]
    if not names:
        raise ValueError("select needs at least one field")
    soql = f"SELECT {', '.join(names)} FROM {identifier(sobject)}"
    conditions = [where] if isinstance(where, str) else list(where or [])
    if conditions:
        soql += " WHERE " + " AND ".join(f"({c})" if len(conditions) > 1 else c for c in conditions)
    if order_by:
        soql += " ORDER BY " + (order_by if isinstance(order_by, str) else ", ".join(order_by))
    if limit is not None:
        soql += f" LIMIT {int(limit)}"
    return soql


def in_list(
    field: str, values: Iterable[object], *, max_url_chars: int = DEFAULT_IN_LIST_URL_CHARS
) -> list[str]:
    """``Field IN (...)`` clauses, as many as needed so each stays under ``max_url_chars``
    once URL-encoded. No values gives no clauses (an empty IN list is a SOQL syntax error)."""
    head = f"{identifier(field)} IN ("
    head_len = len(url_quote(head, safe=""))
    clauses: list[str] = []
    chunk: list[str] = []
    size = head_len + len(url_quote(")", safe=""))
    for value in dict.fromkeys(values):
        item = literal(value)
        item_len = len(url_quote(item, safe="")) + (len(url_quote(",", safe="")) if chunk else 0)
        if chunk and size + item_len > max_url_chars:
            clauses.append(head + ",".join(chunk) + ")")
            chunk, size = [], head_len + len(url_quote(")", safe=""))
            item_len = len(url_quote(item, safe=""))
        chunk.append(item)
        size += item_len
    if chunk:
        clauses.append(head + ",".join(chunk) + ")")
    return clauses


def parse_datetime(value: str) -> datetime:
    """A Salesforce datetime (``2026-11-20T10:15:30.000+0000`` or ``...Z``) as an aware datetime."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"Salesforce datetime without an offset: {value!r}")
    return parsed
