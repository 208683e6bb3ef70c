"""Salesforce records into mirror rows: field names to attributes, values decoded once.

The decoder is built once per object per cycle from the mapping (which Salesforce field
fills which attribute) and the mirror's column kinds; a value that cannot be decoded makes
the record a `BadRecord`, which the pull quarantines instead of stopping the cycle.

U+0000 is stripped from every text value: the API can hand it over (a record written by
another integration), PostgreSQL text and jsonb cannot store it, and it carries nothing a
person could see; quarantining the record would keep it out of every cycle until someone
found an invisible character. Values of the wrong type (a mapping where text belongs, a
number too large for its column, an infinite amount, "perhaps" for a checkbox) quarantine
the record, naming the field and never the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from syncd.ports import FieldKind
from syncd.salesforce.calendar import CALENDAR_DECODERS
from syncd.salesforce.formats import decoder_for, parse_datetime

__all__ = ["BadRecord", "RecordDecoder", "without_nul"]

_ID: Final = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_SHOWN: Final = re.compile(r"[A-Za-z0-9]{1,18}")
# The widest integer the mirror's columns hold (PostgreSQL integer); Salesforce numbers of
# NumberOfEmployees' kind are far below it.
_INT_LIMIT: Final = 2**31


def without_nul(value: object) -> object:
    """``value`` with U+0000 removed from every string in it (mappings and lists too)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, Mapping):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


class _Unreadable(ValueError):
    """A value of the wrong type or range; the message names what was expected, no value."""


def _kind_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _boolean_like(value: object) -> bool:
    # REST answers true/false; Bulk API CSV answers "true"/"false" (or "" for null).
    return isinstance(value, bool) or (
        isinstance(value, str) and value.strip().lower() in ("true", "false", "")
    )


def _strict(kind: FieldKind, decode: Callable[[object], object]) -> Callable[[object], object]:
    """The decoder of ``kind``, refusing values of another type instead of guessing."""

    def text(value: object) -> object:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | Decimal) and math.isfinite(value):
            return str(value)  # a number field mapped to a text attribute: its text
        raise _Unreadable(f"expected text, got {_kind_name(value)}")

    def scalar(value: object) -> object:
        if isinstance(value, Mapping | list):
            raise _Unreadable(f"expected {kind.value}, got {_kind_name(value)}")
        if kind is FieldKind.BOOLEAN and not _boolean_like(value):
            raise _Unreadable(f"expected true or false, got {_kind_name(value)}")
        if kind in (FieldKind.DATETIME, FieldKind.DATE) and not isinstance(value, str | date):
            raise _Unreadable(f"expected a {kind.value} as text, got {_kind_name(value)}")
        decoded = decode(value)
        if isinstance(decoded, float | Decimal) and not math.isfinite(decoded):
            raise _Unreadable("not a finite number")
        if (
            isinstance(decoded, int)
            and not isinstance(decoded, bool)
            and abs(decoded) >= _INT_LIMIT
        ):
            raise _Unreadable("number too large for its column")
        return decoded

    return text if kind is FieldKind.TEXT else scalar


class BadRecord(ValueError):
    """A record with a value syncd cannot store; ``field`` names it (never its value)."""

    def __init__(self, sobject: str, record_id: str, field: str, why: str) -> None:
        super().__init__(f"{sobject} {record_id}: {field}: {why}")
        self.sobject = sobject
        self.record_id = record_id
        self.field = field
        self.why = why


def _untyped(value: object) -> object:
    # Untyped attributes land in the mirror's JSON column; Salesforce datetimes among them
    # are recognised by their exact shape so rules compare instants, not strings.
    if isinstance(value, str) and len(value) == 28 and value[10] == "T" and value[19] == ".":
        try:
            return parse_datetime(value)
        except ValueError:
            return value
    if isinstance(value, float) and not math.isfinite(value):
        raise _Unreadable("not a finite number")  # JSON (and jsonb) has no NaN or Infinity
    return value


class RecordDecoder:
    """Decodes REST-shaped records of one object into mirror attribute dicts."""

    def __init__(
        self,
        sobject: str,
        pull: Mapping[str, str],
        kinds: Mapping[str, FieldKind],
        value_maps: Mapping[str, Callable[[str | None], str | None]] | None = None,
    ) -> None:
        special = CALENDAR_DECODERS.get(sobject, {})
        maps = value_maps or {}
        self.sobject = sobject
        self._plan: list[tuple[str, str, Callable[[object], object]]] = []
        # A checkbox is never null in Salesforce: a null one (a malformed record) is false.
        self._checkboxes = {a for a, k in kinds.items() if k is FieldKind.BOOLEAN}
        self._kinds = dict(kinds)
        self._keyed = "Id" in pull
        for sf_field, attribute in pull.items():
            decode = special.get(sf_field)
            if decode is None:
                kind = kinds.get(attribute)
                decode = _strict(kind, decoder_for(kind)) if kind is not None else _untyped
            value_map = maps.get(attribute)
            if value_map is not None:
                decode = _mapped(decode, value_map)
            self._plan.append((sf_field, attribute, decode))

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        record_id = record.get("Id")
        if not (isinstance(record_id, str) and _ID.fullmatch(record_id)):
            shown = record_id if isinstance(record_id, str) and _SHOWN.fullmatch(record_id) else "?"
            if self._keyed:
                # Not storable by Id (the mirror's key); the reason shows no value.
                raise BadRecord(self.sobject, shown, "Id", "not a Salesforce id")
            record_id = shown
        out: dict[str, Any] = {}
        for sf_field, attribute, decode in self._plan:
            value = without_nul(record.get(sf_field))
            try:
                if value is None:
                    out[attribute] = False if attribute in self._checkboxes else None
                else:
                    out[attribute] = decode(value)
            except _Unreadable as exc:
                raise BadRecord(self.sobject, record_id, sf_field, str(exc)) from None
            except (ValueError, TypeError, ArithmeticError):
                # The parsers' own messages quote the value, which may be personal data.
                what = self._kinds.get(attribute)
                why = f"not a valid {what.value}" if what is not None else "cannot be read"
                raise BadRecord(self.sobject, record_id, sf_field, why) from None
        return out


def _mapped(
    decode: Callable[[object], object], value_map: Callable[[str | None], str | None]
) -> Callable[[object], object]:
    def apply(value: object) -> object:
        decoded = decode(value)
        return value_map(decoded) if decoded is None or isinstance(decoded, str) else decoded

    return apply
