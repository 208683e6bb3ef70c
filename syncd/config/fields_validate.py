"""Validation of `fields.yaml`: every problem at once, each with its path and line, with
suggestions for misspelt keys and fields."""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from syncd.config.fields_model import (
    OBJECT_KEYS,
    OPTIONAL_OUTPUTS,
    REQUIRED_ATTRIBUTES,
    SF_NAME,
    SNAKE_CASE,
    SUPPORTED_VERSION,
    SYNCED_OBJECTS,
    VALUE_MAP_KEYS,
    WRITEBACK_OBJECT,
    WRITEBACK_OUTPUTS,
    ObjectMapping,
    ValueMap,
    normalise_key,
)
from syncd.config.soql_where import where_problem
from syncd.config.yamlfile import YamlDocument, join_path, type_name

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
    if not SF_NAME.fullmatch(name):
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
        if not SNAKE_CASE.fullmatch(value) or keyword.iskeyword(value):
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
    _check_unknown_keys(c, data, path, VALUE_MAP_KEYS)
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
        normal = normalise_key(text)
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
    _check_unknown_keys(c, data, path, OBJECT_KEYS)
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
    elif isinstance(where, str) and (problem := where_problem(where)) is not None:
        c.add(join_path(path, "where"), problem)
    return ObjectMapping(
        sobject=sobject,
        pull=MappingProxyType(pull),
        writeback=MappingProxyType(writeback),
        daemon_owned=owned,
        value_maps=MappingProxyType(value_maps),
        where=where.strip() if isinstance(where, str) else None,
    )


def validate_document(c: YamlDocument, data: object) -> dict[str, ObjectMapping]:
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
