"""Salesforce records into mirror rows: field names to attributes, values decoded once.

The decoder is built once per object per cycle from the mapping (which Salesforce field
fills which attribute) and the mirror's column kinds; a value that cannot be decoded makes
the record a `BadRecord`, which the pull quarantines instead of stopping the cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from syncd.ports import FieldKind
from syncd.salesforce.calendar import CALENDAR_DECODERS
from syncd.salesforce.formats import decoder_for, parse_datetime

__all__ = ["BadRecord", "RecordDecoder"]


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
        for sf_field, attribute in pull.items():
            decode = special.get(sf_field)
            if decode is None:
                kind = kinds.get(attribute)
                decode = decoder_for(kind) if kind is not None else _untyped
            value_map = maps.get(attribute)
            if value_map is not None:
                decode = _mapped(decode, value_map)
            self._plan.append((sf_field, attribute, decode))

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sf_field, attribute, decode in self._plan:
            value = record.get(sf_field)
            try:
                out[attribute] = None if value is None else decode(value)
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise BadRecord(
                    self.sobject, str(record.get("Id") or "?"), sf_field, str(exc)
                ) from None
        return out


def _mapped(
    decode: Callable[[object], object], value_map: Callable[[str | None], str | None]
) -> Callable[[object], object]:
    def apply(value: object) -> object:
        decoded = decode(value)
        return value_map(decoded) if decoded is None or isinstance(decoded, str) else decoded

    return apply
