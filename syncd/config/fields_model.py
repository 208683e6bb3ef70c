"""The typed field mappings (what `fields.yaml` means once validated) and the constants that
say which objects, attributes and outputs syncd knows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from syncd.domain.outputs import Output

FIELDS_FILE: Final = "fields.yaml"
SUPPORTED_VERSION: Final = 1

#: Every object the pull reads, in the order a cycle pulls them.
SYNCED_OBJECTS: Final[tuple[str, ...]] = (
    "Lead",
    "Task",
    "Event",
    "User",
    "Group",
    "Campaign",
    "CampaignMember",
    "Opportunity",
    "BusinessHours",
    "Holiday",
)

# Tasks and Events share one mirror table, so they need the same columns.
ACTIVITY_ATTRIBUTES: Final = frozenset(
    {
        "id",
        "who_id",
        "owner_id",
        "subject",
        "type",
        "activity_date",
        "created_date",
        "is_deleted",
        "system_modstamp",
    }
)

#: Mirror attributes each object must pull: the mirror's typed columns and what the policy needs.
REQUIRED_ATTRIBUTES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "Lead": frozenset(
            {
                "id",
                "system_modstamp",
                "is_deleted",
                "is_converted",
                "master_record_id",
                "owner_id",
                "status",
                "email",
                "lead_source",
                "created_date",
                "last_modified_date",
                "last_modified_by_id",
            }
        ),
        "Task": ACTIVITY_ATTRIBUTES,
        "Event": ACTIVITY_ATTRIBUTES,
        "User": frozenset({"id", "is_active", "system_modstamp"}),
        "Group": frozenset({"id", "developer_name", "type", "system_modstamp"}),
        "Campaign": frozenset({"id", "system_modstamp"}),
        "CampaignMember": frozenset(
            {"id", "campaign_id", "lead_id", "status", "has_responded", "system_modstamp"}
        ),
        "Opportunity": frozenset(
            {"id", "amount", "is_won", "is_closed", "stage_name", "system_modstamp"}
        ),
        "BusinessHours": frozenset({"id", "system_modstamp"}),
        "Holiday": frozenset({"id", "system_modstamp"}),
    }
)

#: The only object syncd writes fields back to.
WRITEBACK_OBJECT: Final = "Lead"
#: Logical outputs the engine produces; each must name the Lead field it is written to.
WRITEBACK_OUTPUTS: Final[tuple[str, ...]] = tuple(output.value for output in Output)
#: Outputs that may be left out: without a field for it, the standard LeadSource is not written.
OPTIONAL_OUTPUTS: Final = frozenset(
    {Output.LEAD_SOURCE.value, Output.LEAD_SOURCE_DETAIL.value, Output.DATA_QUALITY.value}
)

OBJECT_KEYS: Final = ("pull", "writeback", "daemon_owned", "value_maps", "where")
VALUE_MAP_KEYS: Final = ("map", "default")
# Salesforce API names: a letter first, then letters, digits and single or double underscores
# (custom fields end in __c, namespaced ones look like ns__Field__c), never a trailing _.
SF_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


# --- the typed result ----------------------------------------------------------------


def normalise_key(raw: str) -> str:
    # Raw picklist spellings arrive with stray spaces and any letter case.
    return " ".join(raw.split()).casefold()


@dataclass(frozen=True)
class ValueMap:
    """Normalises raw spellings of one attribute (e.g. LeadSource) to a standard list.

    Keys match case-insensitively and ignoring repeated or surrounding spaces. A value
    that already spells one of the targets maps to that target. Anything else becomes
    ``default`` when one is set, and is kept as it came otherwise. Blank stays ``None``.
    """

    attribute: str
    entries: Mapping[str, str]
    default: str | None = None
    _lookup: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {normalise_key(k): v for k, v in self.entries.items()}
        for target in self.targets:
            lookup.setdefault(normalise_key(target), target)
        object.__setattr__(self, "_lookup", MappingProxyType(lookup))

    @property
    def targets(self) -> frozenset[str]:
        """Every value this map can produce (the map's targets and the default)."""
        found = set(self.entries.values())
        if self.default is not None:
            found.add(self.default)
        return frozenset(found)

    def apply(self, raw: str | None) -> str | None:
        """The standard spelling of ``raw``."""
        if raw is None or not raw.strip():
            return None
        hit = self._lookup.get(normalise_key(raw))
        if hit is not None:
            return hit
        return self.default if self.default is not None else raw


@dataclass(frozen=True)
class ObjectMapping:
    """How one sObject is read into the mirror (and, for Lead, written back)."""

    sobject: str
    pull: Mapping[str, str]
    writeback: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    daemon_owned: frozenset[str] = frozenset()
    value_maps: Mapping[str, ValueMap] = field(default_factory=lambda: MappingProxyType({}))
    where: str | None = None

    def soql_fields(self) -> tuple[str, ...]:
        """The fields to SELECT, in file order (every written field is pulled too)."""
        return tuple(self.pull)

    def attribute_of(self, sf_field: str) -> str | None:
        """The mirror attribute ``sf_field`` is pulled into (field name in any case)."""
        wanted = sf_field.casefold()
        for name, attribute in self.pull.items():
            if name.casefold() == wanted:
                return attribute
        return None

    def field_of(self, attribute: str) -> str | None:
        """The Salesforce field pulled into ``attribute``."""
        for name, attr in self.pull.items():
            if attr == attribute:
                return name
        return None

    def field_for(self, output: str) -> str:
        """The Salesforce field ``output`` (an `Output`) is written to."""
        return self.writeback[output]

    def writeback_attribute(self, output: str) -> str:
        """The mirror attribute holding the org's current value of ``output``'s field.

        Comparing against it keeps unchanged values from being written and shows when a
        person changed the field after our last read.
        """
        attribute = self.attribute_of(self.writeback[output])
        if attribute is None:  # load_mappings guarantees every written field is pulled
            raise KeyError(output)
        return attribute

    def is_daemon_owned(self, output: str) -> bool:
        """True when the daemon overwrites ``output`` even after a person changed it."""
        return output in self.daemon_owned

    def to_attributes(self, record: Mapping[str, object]) -> dict[str, object]:
        """A Salesforce record (as the REST API returns it) as mirror attributes.

        Fields absent from the record become ``None``; value maps are applied to text.
        Types are left as Salesforce sent them: parsing dates is the pull's job.
        """
        out: dict[str, object] = {}
        for sf_field, attribute in self.pull.items():
            value = record.get(sf_field)
            value_map = self.value_maps.get(attribute)
            if value_map is not None and (value is None or isinstance(value, str)):
                value = value_map.apply(value)
            out[attribute] = value
        return out


@dataclass(frozen=True)
class FieldMappings:
    """Every synced object's mapping, plus where each path sits in its file."""

    objects: Mapping[str, ObjectMapping]
    file: str = FIELDS_FILE
    lines: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    def __getitem__(self, sobject: str) -> ObjectMapping:
        return self.objects[sobject]

    @property
    def lead(self) -> ObjectMapping:
        return self.objects[WRITEBACK_OBJECT]

    def line_of(self, path: str) -> int | None:
        """The line in ``file`` where ``path`` (e.g. ``objects.Lead.pull.Email``) is written."""
        return self.lines.get(path)
