"""Field History Tracking: the LeadHistory rows Salesforce writes when a tracked field changes.

The org calls :func:`change_rows` on every accepted update and :func:`event_row` on
create and convert; this module only decides which rows a change produces and how they
look (``Field``, ``DataType``, ``OldValue``, ``NewValue``), as the real history object
shows them. A standard lookup such as OwnerId is recorded twice, as Salesforce does:
once with the ids (DataType ``EntityId``) and once with the names (DataType ``Text``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from syncd.simulator.schema import (
    HISTORY_DATA_TYPES,
    FieldDef,
    FieldType,
    ObjectDef,
    history_field_name,
)

#: The history object of each tracked object, and the field on it naming the parent record.
HISTORY_OBJECTS: Mapping[str, tuple[str, str]] = {"Lead": ("LeadHistory", "LeadId")}
# anyType values are stored as text up to this length, as the 255-character history columns.
_VALUE_LENGTH = 255

HistoryRow = dict[str, Any]
NameOf = Callable[[str], str | None]


def tracked_fields(objdef: ObjectDef, tracked: frozenset[str]) -> list[FieldDef]:
    """The fields of ``objdef`` whose history is tracked (``tracked`` holds their names)."""
    return [f for f in objdef.fields if f.name in tracked]


def default_tracked(objdef: ObjectDef) -> frozenset[str]:
    """The fields the schema marks as tracked: the org's setup when it starts."""
    return frozenset(f.name for f in objdef.fields if f.history_tracked)


def _stored(value: Any) -> Any:
    # Long text is cut to what the history column holds; other values keep their type.
    if isinstance(value, str) and len(value) > _VALUE_LENGTH:
        return value[:_VALUE_LENGTH]
    return value


def change_rows(
    objdef: ObjectDef,
    record_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    fields: list[FieldDef],
    *,
    by_user: str,
    now: datetime,
    name_of: NameOf,
) -> list[HistoryRow]:
    """The history rows for one update: one per tracked field whose value changed."""
    _, parent_field = HISTORY_OBJECTS[objdef.name]
    rows: list[HistoryRow] = []
    for field in fields:
        old, new = before.get(field.name), after.get(field.name)
        if old == new:
            continue
        name = history_field_name(field)
        rows.append(
            _row(
                parent_field,
                record_id,
                name,
                HISTORY_DATA_TYPES[field.type],
                old,
                new,
                by_user,
                now,
            )
        )
        if field.type is FieldType.REFERENCE:
            # The second row of a lookup change carries the names a person reads.
            old_name = name_of(old) if old else None
            new_name = name_of(new) if new else None
            rows.append(
                _row(parent_field, record_id, name, "Text", old_name, new_name, by_user, now)
            )
    return rows


def event_row(
    objdef: ObjectDef, record_id: str, event: str, *, by_user: str, now: datetime
) -> HistoryRow:
    """A lifecycle row (``created``, ``leadConverted``, ``leadMerged``) with no values."""
    _, parent_field = HISTORY_OBJECTS[objdef.name]
    return _row(parent_field, record_id, event, "Text", None, None, by_user, now)


def _row(
    parent_field: str,
    record_id: str,
    field: str,
    data_type: str,
    old: Any,
    new: Any,
    by_user: str,
    now: datetime,
) -> HistoryRow:
    return {
        parent_field: record_id,
        "Field": field,
        "DataType": data_type,
        "OldValue": _stored(old),
        "NewValue": _stored(new),
        "CreatedById": by_user,
        "CreatedDate": now,
        "IsDeleted": False,
    }
