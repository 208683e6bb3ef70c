"""Field values in and out of the org: JSON/CSV parsing, Salesforce normalisation, formatting.

Stored values are Python natives: ``str``, ``int``, ``float``, ``bool``, ``date``,
aware UTC ``datetime`` truncated to whole seconds, ``time``, or ``None``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, FieldType


def _parser_error(field: FieldDef, value: Any, json_kind: str) -> SalesforceApiError:
    # Salesforce's JSON deserialiser answers a type mismatch for the whole request.
    target = {
        FieldType.INT: "int",
        FieldType.DOUBLE: "double",
        FieldType.CURRENCY: "double",
        FieldType.PERCENT: "double",
        FieldType.BOOLEAN: "boolean",
        FieldType.DATE: "date",
        FieldType.DATETIME: "datetime",
        FieldType.TIME: "time",
    }.get(field.type, "string")
    return SalesforceApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {target} from {json_kind} value {value} "
        "or request may be missing a required field",
        [field.name],
    )


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, list):
        return "START_ARRAY"
    return "START_OBJECT"


def parse_datetime(text: str) -> datetime:
    """A Salesforce datetime string (``...Z``, ``+0000``, ``+00:00`` or none = UTC), in UTC."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def parse_time(text: str) -> time:
    """A Salesforce time string such as ``09:00:00.000Z``."""
    return time.fromisoformat(text.removesuffix("Z")).replace(microsecond=0, tzinfo=None)


def _round_number(field: FieldDef, number: float | int | Decimal) -> int | float:
    # Salesforce stores numbers rounded half-up to the field's scale.
    if field.type is FieldType.INT:
        return int(Decimal(str(number)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    quantum = Decimal(1).scaleb(-field.scale)
    return float(Decimal(str(number)).quantize(quantum, rounding=ROUND_HALF_UP))


def out_of_range(field: FieldDef, value: float) -> bool:
    """True when ``value`` has more integer digits than the field's precision allows."""
    integer_digits = field.precision - field.scale
    return bool(field.precision) and abs(value) >= 10**integer_digits


def normalize(field: FieldDef, value: Any) -> Any:
    """Coerce a JSON-decoded ``value`` for ``field`` to its stored form.

    Raises JSON_PARSER_ERROR for a value of the wrong JSON type, as Salesforce does.
    """
    if value is None:
        return None
    ftype = field.type
    if ftype in TEXT_TYPES:
        if isinstance(value, bool | list | dict):
            raise _parser_error(field, value, _json_kind(value))
        text = value if isinstance(value, str) else str(value)
        # Salesforce stores an empty string as null.
        return text or None
    if ftype in NUMBER_TYPES:
        if isinstance(value, bool | list | dict):
            raise _parser_error(field, value, _json_kind(value))
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                number: Decimal | int | float = Decimal(value.strip())
            except InvalidOperation:
                raise _parser_error(field, value, "VALUE_STRING") from None
        else:
            number = value
        return _round_number(field, number)
    if ftype is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(field, value, _json_kind(value))
    if not isinstance(value, str):
        raise _parser_error(field, value, _json_kind(value))
    if not value:
        return None
    try:
        if ftype is FieldType.DATETIME:
            return parse_datetime(value)
        if ftype is FieldType.DATE:
            return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
        return parse_time(value)
    except ValueError:
        raise _parser_error(field, value, "VALUE_STRING") from None


def normalize_native(field: FieldDef, value: Any) -> Any:
    """Normalise a Python value handed in by seed code or reps (already the right type)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{field.name}: naive datetime {value!r}")
        return value.astimezone(UTC).replace(microsecond=0)
    if isinstance(value, date | time):
        return value
    if field.type in NUMBER_TYPES and not isinstance(value, bool):
        return _round_number(field, value)
    return normalize(field, value)


def format_datetime(value: datetime) -> str:
    """``2026-11-20T10:15:30.000+0000``, the REST API's datetime form."""
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.000+0000"
    )


def format_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.000Z"


def to_json(value: Any) -> Any:
    """A stored value as the REST API renders it."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    return value


def to_csv(value: Any) -> str:
    """A stored value as Bulk API 2.0 CSV renders it (null is the empty string)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value).replace(".000+0000", ".000Z")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(to_json(value))


def from_csv(field: FieldDef, text: str) -> Any:
    """A Bulk API 2.0 CSV cell for ``field`` (``#N/A`` is null).

    A bad value is a per-record INVALID_TYPE_ON_FIELD_IN_RECORD, not a request error.
    """
    if text == "#N/A":
        return None
    try:
        return normalize(field, text)
    except SalesforceApiError as exc:
        if exc.error_code != "JSON_PARSER_ERROR":
            raise
        raise SalesforceApiError(
            400,
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            f"{field.label}: value not of required type: {text}",
            [field.name],
        ) from None
