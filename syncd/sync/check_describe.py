"""What `syncd check` reads from an object's describe: its fields with type, size,
picklist values and the running user's rights, as plain values to check the mappings by."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

NUMBER_TYPES: Final = frozenset({"double", "int", "percent", "currency"})
TEXT_TYPES: Final = frozenset({"string", "textarea"})
REFERENCE_TYPES: Final = frozenset({"reference", "id"})
PICKLIST_TEXT_TYPES: Final = frozenset({"picklist", "combobox", "string"})

# The describe types each required mirror column can be filled from.
ATTRIBUTE_TYPES: Final[Mapping[str, frozenset[str]]] = {
    "id": frozenset({"id"}),
    "system_modstamp": frozenset({"datetime"}),
    "created_date": frozenset({"datetime"}),
    "last_modified_date": frozenset({"datetime"}),
    "is_deleted": frozenset({"boolean"}),
    "is_converted": frozenset({"boolean"}),
    "is_active": frozenset({"boolean"}),
    "has_responded": frozenset({"boolean"}),
    "is_won": frozenset({"boolean"}),
    "is_closed": frozenset({"boolean"}),
    "master_record_id": REFERENCE_TYPES,
    "owner_id": REFERENCE_TYPES,
    "last_modified_by_id": REFERENCE_TYPES,
    "who_id": REFERENCE_TYPES,
    "campaign_id": REFERENCE_TYPES,
    "lead_id": REFERENCE_TYPES,
    "status": PICKLIST_TEXT_TYPES,
    "lead_source": PICKLIST_TEXT_TYPES,
    "type": PICKLIST_TEXT_TYPES,
    "stage_name": PICKLIST_TEXT_TYPES,
    "email": frozenset({"email", "string"}),
    "subject": frozenset({"string", "combobox", "textarea"}),
    "activity_date": frozenset({"date"}),
    "developer_name": frozenset({"string"}),
    "amount": NUMBER_TYPES,
}


# --- describe, read defensively ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DescribedField:
    name: str
    type: str
    updateable: bool
    length: int
    integer_digits: int
    reference_to: tuple[str, ...]
    active_values: tuple[str, ...]
    inactive_values: tuple[str, ...]

    @classmethod
    def from_describe(cls, raw: Mapping[str, Any]) -> DescribedField:
        kind = str(raw.get("type", ""))
        if kind == "int":
            # Describe gives an int field's size in `digits`; precision and scale are 0.
            digits = int(raw.get("digits") or raw.get("precision") or 0)
        else:
            digits = int(raw.get("precision") or 0) - int(raw.get("scale") or 0)
        active: list[str] = []
        inactive: list[str] = []
        for entry in raw.get("picklistValues") or ():
            (active if entry.get("active", True) else inactive).append(str(entry.get("value")))
        return cls(
            name=str(raw.get("name", "")),
            type=kind,
            updateable=bool(raw.get("updateable", False)),
            length=int(raw.get("length") or 0),
            integer_digits=digits,
            reference_to=tuple(str(t) for t in raw.get("referenceTo") or ()),
            active_values=tuple(active),
            inactive_values=tuple(inactive),
        )


class DescribedObject:
    """One describe result with case-insensitive field lookup, as SOQL resolves names."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.fields = [DescribedField.from_describe(f) for f in raw.get("fields") or ()]
        self._by_fold = {f.name.casefold(): f for f in self.fields}

    def field(self, name: str) -> DescribedField | None:
        return self._by_fold.get(name.casefold())

    def flag(self, name: str) -> bool:
        return bool(self.raw.get(name, True))


def find_describe(
    describes: Mapping[str, Mapping[str, Any]], sobject: str
) -> DescribedObject | None:
    if sobject in describes:
        return DescribedObject(describes[sobject])
    for name, raw in describes.items():
        if name.casefold() == sobject.casefold():
            return DescribedObject(raw)
    return None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    by_fold = {c.casefold(): c for c in candidates}
    folded = word.casefold()
    # A value holding the word whole ("Sales Qualified" for "Qualified") beats a near
    # spelling ("Disqualified").
    pattern = re.compile(rf"\b{re.escape(folded)}\b")
    whole = [c for c in by_fold if pattern.search(c)]
    close = whole or difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    return f" (did you mean {by_fold[close[0]]}?)" if close else ""


def kind_of(f: DescribedField) -> str:
    if f.type == "textarea" and f.length > 255:
        return "a long text area"
    return f"{'an' if f.type[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {f.type}"
