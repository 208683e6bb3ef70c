"""Salesforce's value formats, translated once at the border.

Datetimes come as ``2026-11-20T10:15:30.000+0000``, dates as ``2026-11-20``, numbers and
booleans as JSON, times of day as ``09:00:00.000Z`` (a wall-clock time, the Z is nominal).
Salesforce stores datetimes to the second, numbers at their field's scale and ``""`` as
null: `stored_form` is that normal form, used to decide whether a write changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from syncd.ports import FieldKind

__all__ = [
    "decode",
    "decoder_for",
    "parse_datetime",
    "stored_form",
    "task_record",
]

_OFFSET: Final = re.compile(r"[+-]\d{4}$")


def parse_datetime(value: object) -> datetime | None:
    """A Salesforce datetime (``...+0000`` or ``...Z``) as an aware datetime; "" is None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"Salesforce datetime without an offset: {value!r}")
        return value
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif _OFFSET.search(text):
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"Salesforce datetime without an offset: {value!r}")
    return parsed


def _date(value: object) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _boolean(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _decimal(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _integer(value: object) -> int | None:
    return None if value in (None, "") else int(float(str(value)))


def _float(value: object) -> float | None:
    return None if value in (None, "") else float(str(value))


def _text(value: object) -> object:
    return value


_DECODERS: Final[Mapping[FieldKind, Callable[[object], object]]] = {
    FieldKind.DATETIME: parse_datetime,
    FieldKind.DATE: _date,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.DECIMAL: _decimal,
    FieldKind.INTEGER: _integer,
    FieldKind.FLOAT: _float,
    FieldKind.TEXT: _text,
}


def decode(value: object, kind: FieldKind) -> object:
    """One Salesforce value as the Python value of ``kind``."""
    return _DECODERS[kind](value)


def decoder_for(kind: FieldKind) -> Callable[[object], object]:
    return _DECODERS[kind]


def stored_form(value: Any) -> Any:
    """The form Salesforce stores: "" is null, datetimes whole seconds UTC, numbers as floats."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 6)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            parsed = parse_datetime(value)
        except ValueError:
            return value
        return None if parsed is None else stored_form(parsed)
    return value


def same_stored(a: Any, b: Any) -> bool:
    """Whether Salesforce would store ``a`` and ``b`` as the same value."""
    return bool(stored_form(a) == stored_form(b))


def task_record(
    *,
    owner_id: str,
    who_id: str | None,
    subject: str,
    description: str,
    due: datetime | None,
    key_field: str,
    key: str,
) -> dict[str, Any]:
    """The Task syncd creates for a handoff, a breach or a report alert (no WhoId: about no
    one lead), as Salesforce's fields."""
    record: dict[str, Any] = {
        "OwnerId": owner_id,
        # Quirk: Task.Subject is a 255-character combobox; longer values are refused.
        "Subject": subject[:255],
        "Description": description,
        "Status": "Not Started",
        "Priority": "High",
        key_field: key,
    }
    if who_id is not None:
        record["WhoId"] = who_id
    if due is not None:
        record["ActivityDate"] = due.date().isoformat()
    return record
