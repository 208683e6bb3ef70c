"""Field mappings: which Salesforce fields syncd reads and writes, loaded from ``mappings/``.

``fields.yaml`` says, per synced object, which Salesforce field lands in which mirror
attribute (``pull``), which Salesforce field each logical output is written to
(``writeback``, Lead only), which outputs the daemon owns outright (``daemon_owned``), how
raw values are normalised (``value_maps``) and an optional extra SOQL filter (``where``).
The format is documented for admins in ``mappings/README.md``.

`read_mappings` validates the whole file and returns every problem at once, each a `Problem`
naming the file, the path inside it and what is wrong. Nothing here talks to Salesforce;
`syncd check` compares the result with the org's describe.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

from syncd.config.problem import ConfigurationError, Problem
from syncd.config.yamlfile import YamlDocument, join_path, read_yaml, type_name
from syncd.domain.outputs import Output

__all__ = [
    "FIELDS_FILE",
    "REQUIRED_ATTRIBUTES",
    "SYNCED_OBJECTS",
    "WRITEBACK_OBJECT",
    "WRITEBACK_OUTPUTS",
    "FieldMappings",
    "ObjectMapping",
    "ValueMap",
    "load_mappings",
    "read_mappings",
]

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
_ACTIVITY_ATTRIBUTES: Final = frozenset(
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
        "Task": _ACTIVITY_ATTRIBUTES,
        "Event": _ACTIVITY_ATTRIBUTES,
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

_OBJECT_KEYS: Final = ("pull", "writeback", "daemon_owned", "value_maps", "where")
_VALUE_MAP_KEYS: Final = ("map", "default")
# Salesforce API names: a letter first, then letters, digits and single or double underscores
# (custom fields end in __c, namespaced ones look like ns__Field__c), never a trailing _.
_SF_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


# --- the typed result ----------------------------------------------------------------


def _normalise_key(raw: str) -> str:
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
        lookup = {_normalise_key(k): v for k, v in self.entries.items()}
        for target in self.targets:
            lookup.setdefault(_normalise_key(target), target)
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
        hit = self._lookup.get(_normalise_key(raw))
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


# --- validation ---------------------------------------------------------------------


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    by_fold = {c.casefold(): c for c in candidates}
    close = difflib.get_close_matches(word.casefold(), list(by_fold), n=1, cutoff=0.6)
    return by_fold[close[0]] if close else None


def _report_unknown(
    c: YamlDocument,
    path: str,
    key: object,
    known: Sequence[str],
    what: str,
    listing: str,
    misspelt: set[str],
) -> None:
    """Report ``key`` as not one of ``known``, with the closest name or the whole list.

    The closest name goes into ``misspelt`` so its own "missing" error is not reported too.
    """
    close = _closest(str(key), known)
    if close is not None:
        misspelt.add(close)
    hint = f" (did you mean {close}?)" if close else f" ({listing}: {', '.join(known)})"
    c.add(path, f"unknown {what}{hint}")


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = _closest(word, candidates)
    return f" (did you mean {close}?)" if close else ""


def _mapping(c: YamlDocument, value: object, path: str, what: str) -> dict[str, object] | None:
    if isinstance(value, dict):
        return value
    c.add(path, f"must be a mapping of {what}, not {type_name(value)}")
    return None


def _check_unknown_keys(
    c: YamlDocument, data: Mapping[str, object], path: str, allowed: Iterable[str]
) -> None:
    known = tuple(allowed)
    for key in data:
        if key not in known:
            hint = _suggest(str(key), known) or f" (expected one of: {', '.join(known)})"
            c.add(join_path(path, key), f"unknown key{hint}")


def _sf_name_problem(name: str) -> str | None:
    if "." in name:
        return "relationship fields (Owner.Name) are not supported; pull the Id and the object"
    if not _SF_NAME.fullmatch(name):
        return "not a Salesforce field API name (letters, digits and _, starting with a letter)"
    return None


def _validate_pull(c: YamlDocument, sobject: str, raw: object, path: str) -> dict[str, str]:
    data = _mapping(c, raw, path, "Salesforce field -> mirror attribute")
    if data is None:
        return {}
    pull: dict[str, str] = {}
    seen_fields: dict[str, str] = {}
    seen_attrs: dict[str, str] = {}
    for key, value in data.items():
        key_path = join_path(path, key)
        name = str(key)
        problem = _sf_name_problem(name)
        if problem is not None:
            c.add(key_path, problem)
            continue
        if name.casefold() in seen_fields:
            c.add(key_path, f"{seen_fields[name.casefold()]} is already pulled (names ignore case)")
            continue
        if not isinstance(value, str):
            c.add(key_path, f"must name a mirror attribute, not {type_name(value)}")
            continue
        if not _SNAKE.fullmatch(value) or keyword.iskeyword(value):
            c.add(key_path, f"mirror attribute {value!r} is not a snake_case identifier")
            continue
        if value in seen_attrs:
            c.add(key_path, f"attribute {value!r} is already filled from {seen_attrs[value]}")
            continue
        seen_fields[name.casefold()] = name
        seen_attrs[value] = name
        pull[name] = value
    if data:
        for attribute in sorted(REQUIRED_ATTRIBUTES[sobject] - set(seen_attrs)):
            c.add(path, f"required attribute {attribute!r} is not pulled from any field")
    else:
        c.add(path, "must pull at least the required attributes")
    return pull


def _validate_writeback(
    c: YamlDocument, raw: object, path: str, pull: Mapping[str, str]
) -> dict[str, str]:
    data = _mapping(c, raw, path, "logical output -> Salesforce field")
    if data is None:
        return {}
    writeback: dict[str, str] = {}
    written_by: dict[str, str] = {}
    pulled = {name.casefold() for name in pull}
    misspelt: set[str] = set()
    for key, value in data.items():
        key_path = join_path(path, key)
        if key not in WRITEBACK_OUTPUTS:
            _report_unknown(
                c, key_path, key, WRITEBACK_OUTPUTS, "output", "the outputs are", misspelt
            )
            continue
        output = str(key)
        if not isinstance(value, str):
            c.add(key_path, f"must name a Salesforce field, not {type_name(value)}")
            continue
        problem = _sf_name_problem(value)
        if problem is not None:
            c.add(key_path, problem)
            continue
        if value.casefold() in written_by:
            c.add(key_path, f"{value} is already written by {written_by[value.casefold()]!r}")
            continue
        written_by[value.casefold()] = output
        if value.casefold() not in pulled:
            # Conflict detection compares with the org's value, so it has to be read.
            c.add(key_path, f"{value} is written but not pulled; add it under pull as well")
        writeback[output] = value
    for output in WRITEBACK_OUTPUTS:
        # A misspelt output is one mistake, already reported; "missing" would be noise.
        if output not in data and output not in misspelt and output not in OPTIONAL_OUTPUTS:
            c.add(path, f"missing output {output!r}: every output needs a Lead field")
    return writeback


def _validate_daemon_owned(c: YamlDocument, raw: object, path: str) -> frozenset[str]:
    if not isinstance(raw, list):
        c.add(path, f"must be a list of outputs (e.g. [score, grade]), not {type_name(raw)}")
        return frozenset()
    owned: set[str] = set()
    for i, item in enumerate(raw):
        item_path = f"{path}[{i}]"
        if item not in WRITEBACK_OUTPUTS:
            hint = _suggest(str(item), WRITEBACK_OUTPUTS)
            c.add(item_path, f"{item!r} is not a writeback output{hint}")
        elif item in owned:
            c.add(item_path, f"{item!r} is listed twice")
        else:
            owned.add(str(item))
    return frozenset(owned)


def _validate_value_map(c: YamlDocument, attribute: str, raw: object, path: str) -> ValueMap | None:
    data = _mapping(c, raw, path, "map (and optional default)")
    if data is None:
        return None
    _check_unknown_keys(c, data, path, _VALUE_MAP_KEYS)
    default = data.get("default")
    ok = True
    if "default" in data and not (isinstance(default, str) and default.strip()):
        c.add(join_path(path, "default"), f"must be a text value, not {type_name(default)}")
        ok = False
    map_path = join_path(path, "map")
    if "map" not in data:
        c.add(path, "missing 'map' (raw spelling -> standard value)")
        return None
    entries_raw = _mapping(c, data["map"], map_path, "raw spelling -> standard value")
    if entries_raw is None:
        return None
    entries: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, value in entries_raw.items():
        key_path = join_path(map_path, key)
        text = str(key)
        if not text.strip():
            c.add(key_path, "an empty spelling never matches; remove it")
            ok = False
            continue
        if not isinstance(value, str) or not value.strip():
            c.add(key_path, f"must map to a text value, not {type_name(value)}")
            ok = False
            continue
        normal = _normalise_key(text)
        if normal in seen and entries[seen[normal]] != value:
            c.add(
                key_path,
                f"{text!r} is {seen[normal]!r} in another case, mapped to "
                f"{entries[seen[normal]]!r}; keys ignore case",
            )
            ok = False
            continue
        seen.setdefault(normal, text)
        entries[text] = value
    if not ok:
        return None
    return ValueMap(
        attribute, MappingProxyType(entries), default if isinstance(default, str) else None
    )


def _validate_value_maps(
    c: YamlDocument,
    raw: object,
    path: str,
    pull: Mapping[str, str],
    written: Mapping[str, str] | None = None,
) -> dict[str, ValueMap]:
    data = _mapping(c, raw, path, "mirror attribute -> value map")
    if data is None:
        return {}
    attributes = set(pull.values())
    written_attributes = {pull[f] for f in (written or {}).values() if f in pull}
    maps: dict[str, ValueMap] = {}
    for key, value in data.items():
        key_path = join_path(path, key)
        if not isinstance(key, str) or key not in attributes:
            hint = _suggest(str(key), attributes)
            c.add(key_path, f"{key!r} is not an attribute pulled on this object{hint}")
            continue
        if key in written_attributes:
            # A mirror-only map hides the org's value from the writeback: the org would keep
            # its variants forever. syncd's one lead-source map is in the policy.
            where = "policy.yaml hygiene.lead_source_map" if key == "lead_source" else "the policy"
            c.add(
                key_path,
                f"'{key}' is written back, so its values are standardised by {where} "
                "(which also writes the standard value to the org), not here",
            )
            continue
        value_map = _validate_value_map(c, key, value, key_path)
        if value_map is not None:
            maps[key] = value_map
    return maps


def _validate_object(c: YamlDocument, sobject: str, raw: object, path: str) -> ObjectMapping | None:
    data = _mapping(c, raw, path, "pull / writeback / value_maps / where")
    if data is None:
        return None
    _check_unknown_keys(c, data, path, _OBJECT_KEYS)
    if "pull" not in data:
        c.add(path, "missing 'pull' (Salesforce field -> mirror attribute)")
        pull: dict[str, str] = {}
    else:
        pull = _validate_pull(c, sobject, data["pull"], join_path(path, "pull"))

    writeback: dict[str, str] = {}
    owned: frozenset[str] = frozenset()
    if sobject == WRITEBACK_OBJECT:
        if "writeback" in data:
            writeback = _validate_writeback(
                c, data["writeback"], join_path(path, "writeback"), pull
            )
        else:
            c.add(path, "missing 'writeback' (output -> Lead field)")
        if "daemon_owned" in data:
            owned = _validate_daemon_owned(c, data["daemon_owned"], join_path(path, "daemon_owned"))
        else:
            c.add(path, "missing 'daemon_owned' (write [] if a person always wins)")
    else:
        for key in ("writeback", "daemon_owned"):
            if key in data:
                c.add(join_path(path, key), f"only {WRITEBACK_OBJECT} is written back")

    value_maps: dict[str, ValueMap] = {}
    if "value_maps" in data:
        value_maps = _validate_value_maps(
            c, data["value_maps"], join_path(path, "value_maps"), pull, writeback
        )

    where = data.get("where")
    if "where" in data and not (isinstance(where, str) and where.strip()):
        c.add(join_path(path, "where"), f"must be a SOQL condition as text, not {type_name(where)}")
        where = None
    return ObjectMapping(
        sobject=sobject,
        pull=MappingProxyType(pull),
        writeback=MappingProxyType(writeback),
        daemon_owned=owned,
        value_maps=MappingProxyType(value_maps),
        where=where.strip() if isinstance(where, str) else None,
    )


def _validate(c: YamlDocument, data: object) -> dict[str, ObjectMapping]:
    root = _mapping(c, data, "", "version and objects")
    if root is None:
        return {}
    _check_unknown_keys(c, root, "", ("version", "objects"))
    version = root.get("version")
    if "version" not in root:
        c.add("", f"missing 'version' (write version: {SUPPORTED_VERSION})")
    elif version != SUPPORTED_VERSION or isinstance(version, bool):
        c.add("version", f"unsupported version {version!r}; this syncd reads version 1")
    if "objects" not in root:
        c.add("", "missing 'objects'")
        return {}
    objects_raw = _mapping(c, root["objects"], "objects", "Salesforce object -> mapping")
    if objects_raw is None:
        return {}
    objects: dict[str, ObjectMapping] = {}
    misspelt: set[str] = set()
    for key, value in objects_raw.items():
        path = join_path("objects", key)
        if key not in SYNCED_OBJECTS:
            _report_unknown(c, path, key, SYNCED_OBJECTS, "object", "syncd reads", misspelt)
            continue
        mapping = _validate_object(c, str(key), value, path)
        if mapping is not None:
            objects[str(key)] = mapping
    for sobject in SYNCED_OBJECTS:
        if sobject not in objects_raw and sobject not in misspelt:
            c.add("objects", f"missing object {sobject}: syncd pulls it every cycle")
    return objects


def read_mappings(directory: Path) -> tuple[FieldMappings | None, list[Problem]]:
    """Read and validate ``directory/fields.yaml``: the mappings, or None and every problem."""
    doc = read_yaml(directory, FIELDS_FILE)
    objects = _validate(doc, doc.data) if doc.data is not None else {}
    if doc.problems:
        return None, doc.problems
    ordered = {name: objects[name] for name in SYNCED_OBJECTS}
    return (
        FieldMappings(MappingProxyType(ordered), FIELDS_FILE, MappingProxyType(dict(doc.lines))),
        [],
    )


def load_mappings(directory: Path) -> FieldMappings:
    """Read and validate ``directory/fields.yaml``.

    Raises :class:`ConfigurationError` listing every problem (file, path, what is wrong, line).
    """
    mappings, problems = read_mappings(directory)
    if mappings is None:
        raise ConfigurationError(problems)
    return mappings
