"""Relationship fields in SELECT, one level deep, resolved as Salesforce resolves them.

``Owner.Name`` on a lead follows ``OwnerId``; a polymorphic lookup (Lead.Owner: User or
Queue, Task.Who: Lead or Contact, Task.What) goes through Salesforce's ``Name`` object,
so only its fields (Name, Type, Email, IsActive, Username...) can be selected and the
nested record's ``attributes.type`` is ``Name``. REST answers nest the related record
under the relationship name (null when the lookup is empty); Bulk CSV flattens it into an
``Owner.Name`` column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.schema import FieldDef, FieldType, ObjectDef, relationship_name
from syncd.simulator.values import to_json

Record = dict[str, Any]
Find = Callable[[str], tuple[str, Record] | None]

#: The fields of the polymorphic ``Name`` object that this org's users, queues, leads,
#: contacts and accounts can fill (any other field of Name answers null).
NAME_OBJECT_FIELDS: tuple[str, ...] = (
    "Id", "Name", "Type", "Alias", "Email", "FirstName", "LastName", "IsActive", "Phone",
    "Title", "Username",
)  # fmt: skip
_NAME_BY_LOWER = {name.lower(): name for name in NAME_OBJECT_FIELDS}


@dataclass(frozen=True)
class Path:
    """One selected relationship field: ``relationship.field`` through ``reference``."""

    relationship: str
    reference: FieldDef
    field: str
    polymorphic: bool

    @property
    def text(self) -> str:
        return f"{self.relationship}.{self.field}"


def is_path(name: str) -> bool:
    return "." in name


def resolve(objdef: ObjectDef, schema: Any, text: str) -> Path:
    """The path ``text`` (``owner.name``) in canonical spelling, or Salesforce's INVALID_FIELD."""
    relationship, _, name = text.partition(".")
    reference = next(
        (
            f
            for f in objdef.fields
            if f.type is FieldType.REFERENCE
            and (relationship_name(f) or "").lower() == relationship.lower()
        ),
        None,
    )
    if reference is None:
        raise SalesforceApiError(
            400,
            "INVALID_FIELD",
            f"Didn't understand relationship '{relationship}' in field path. If you are "
            "attempting to use a custom relationship, be sure to append the '__r' after the "
            "custom relationship name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
        )
    canonical_rel = relationship_name(reference) or relationship
    polymorphic = len(reference.reference_to) > 1
    if polymorphic:
        field = _NAME_BY_LOWER.get(name.lower())
        entity = "Name"
    else:
        target = schema[reference.reference_to[0]]
        found = target.field(name)
        field = found.name if found is not None else None
        entity = target.name
    if field is None:
        raise SalesforceApiError(
            400,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{entity}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
        )
    return Path(canonical_rel, reference, field, polymorphic)


def _related_value(sobject: str, related: Record, path: Path) -> Any:
    if path.polymorphic and path.field == "Type":
        # Name.Type is the record's object; a queue owner's is "Queue", not "Group".
        if sobject == "Group":
            return "Queue" if related.get("Type") == "Queue" else "Group"
        return sobject
    return to_json(related.get(path.field))


def flat_getter(path: Path, find: Find) -> Callable[[Record], Any]:
    """The value of ``path`` for a record (None when the lookup is empty): Bulk's CSV column."""

    def get(record: Record) -> Any:
        target = record.get(path.reference.name)
        found = find(target) if target else None
        if found is None:
            return None
        return _related_value(found[0], found[1], path)

    return get


def with_relationships(
    serialize: Callable[[Record], dict[str, Any]],
    select: Sequence[str],
    paths: Sequence[Path],
    base: str,
    find: Find,
) -> Callable[[Record], dict[str, Any]]:
    """Wrap a plain-field serializer so relationship fields nest in select order."""
    by_relationship: dict[str, list[Path]] = {}
    for path in paths:
        by_relationship.setdefault(path.relationship, []).append(path)
    order: list[str] = []
    for name in select:
        key = name.partition(".")[0] if is_path(name) else name
        if key not in order:
            order.append(key)

    def nested(record: Record, group: list[Path]) -> dict[str, Any] | None:
        target = record.get(group[0].reference.name)
        found = find(target) if target else None
        if found is None:
            return None
        sobject, related = found
        kind = "Name" if group[0].polymorphic else sobject
        out: dict[str, Any] = {
            "attributes": {"type": kind, "url": f"{base}/sobjects/{sobject}/{related['Id']}"}
        }
        for path in group:
            out[path.field] = _related_value(sobject, related, path)
        return out

    def serialize_all(record: Record) -> dict[str, Any]:
        plain = serialize(record)
        out: dict[str, Any] = {"attributes": plain["attributes"]}
        for key in order:
            group = by_relationship.get(key)
            out[key] = nested(record, group) if group is not None else plain[key]
        return out

    return serialize_all
