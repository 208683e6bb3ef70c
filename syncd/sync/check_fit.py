"""`syncd check`'s second stage: do the mappings and the policy fit the org as described
(fields exist and are readable, written fields editable and big enough, every picklist
value syncd writes active)? Each problem names where to fix it, and what to deploy."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from syncd.config import POLICY_FILE, Problem
from syncd.config.fields import REQUIRED_ATTRIBUTES, WRITEBACK_OBJECT, FieldMappings, ObjectMapping
from syncd.config.metadata import PERMISSION_SET, deploy_hint, field_file, value_set_file
from syncd.config.yamlfile import join_path
from syncd.sync.check_describe import (
    ATTRIBUTE_TYPES,
    NUMBER_TYPES,
    TEXT_TYPES,
    DescribedField,
    DescribedObject,
    did_you_mean,
    find_describe,
    kind_of,
)

# --- the checks ---------------------------------------------------------------------------


class _Checker:
    def __init__(self, mappings: FieldMappings) -> None:
        self.mappings = mappings
        self.problems: list[Problem] = []

    def add(self, sobject: str | None, path: str, message: str) -> None:
        line = self.mappings.line_of(path)
        self.problems.append(Problem(self.mappings.file, path, message, line, sobject))

    def add_policy(self, path: str, message: str) -> None:
        self.problems.append(Problem(POLICY_FILE, path, message, None, WRITEBACK_OBJECT))

    def pull(self, mapping: ObjectMapping, org: DescribedObject) -> None:
        base = f"objects.{mapping.sobject}.pull"
        required = REQUIRED_ATTRIBUTES.get(mapping.sobject, frozenset())
        # A written field's type is judged once, by the stricter writeback check.
        written = {name.casefold() for name in mapping.writeback.values()}
        for name, attribute in mapping.pull.items():
            path = f"{base}.{name}"
            found = org.field(name)
            if found is None:
                hint = did_you_mean(name, (f.name for f in org.fields))
                provided = field_file(mapping.sobject, name)
                if provided is not None and not hint:
                    hint = deploy_hint(provided)
                self.add(
                    mapping.sobject,
                    path,
                    f"{mapping.sobject} has no field {name}, or the running user cannot "
                    f"read it{hint}",
                )
                continue
            if found.name != name:
                # SOQL accepts any case, but records come back keyed by describe's spelling.
                self.add(
                    mapping.sobject,
                    path,
                    f"write it as {found.name}: Salesforce returns the field in that spelling",
                )
            allowed = ATTRIBUTE_TYPES.get(attribute)
            if (
                attribute in required
                and name.casefold() not in written
                and allowed is not None
                and found.type not in allowed
            ):
                self.add(
                    mapping.sobject,
                    path,
                    f"{found.name} is {kind_of(found)}; {attribute!r} needs "
                    f"{' or '.join(sorted(allowed))}",
                )

    def writeback(self, mapping: ObjectMapping, org: DescribedObject, sizes: _Sizes) -> None:
        base = f"objects.{mapping.sobject}.writeback"
        for output, name in mapping.writeback.items():
            found = org.field(name)
            if found is None:  # reported once, under pull, where the same field is read
                continue
            path = f"{base}.{output}"
            if not found.updateable:
                self.add(
                    mapping.sobject,
                    path,
                    f"{found.name} is not editable by the running user (a system or formula "
                    "field, or field-level security makes it read-only)"
                    + deploy_hint(PERMISSION_SET)
                    + " and assign it to the integration user",
                )
            wrong = _incompatible(output, found, sizes)
            if wrong is not None:
                self.add(mapping.sobject, path, wrong)

    def statuses(
        self, mapping: ObjectMapping, org: DescribedObject, statuses_written: Collection[str]
    ) -> None:
        name = mapping.writeback.get("status")
        found = org.field(name) if name else None
        if found is None or found.type != "picklist":
            return  # a missing or mistyped status field is reported by the other checks
        where: Mapping[str, str] = statuses_written if isinstance(statuses_written, Mapping) else {}
        for status in sorted(statuses_written):
            problem = _picklist_problem(status, found, mapping.sobject)
            if problem is not None:
                path = where.get(status) or "lifecycle.statuses"
                self.add_policy(
                    path,
                    f"the policy writes Status {problem}{_deploy_values(problem, 'Status')}",
                )

    def lead_sources(
        self, mapping: ObjectMapping, org: DescribedObject, sources: Iterable[str]
    ) -> None:
        """Every standard value the policy's lead-source map writes is a LeadSource value."""
        name = mapping.writeback.get("lead_source")
        found = org.field(name) if name else None
        if found is None or found.type != "picklist":
            return
        for source in sources:
            problem = _picklist_problem(source, found, mapping.sobject)
            if problem is not None:
                self.add_policy(
                    f"hygiene.lead_source_map.{source}",
                    f"the policy writes LeadSource {problem}"
                    + _deploy_values(problem, "LeadSource"),
                )

    def value_maps(self, mapping: ObjectMapping, org: DescribedObject) -> None:
        for attribute, value_map in mapping.value_maps.items():
            name = mapping.field_of(attribute)
            found = org.field(name) if name else None
            if found is None or found.type != "picklist":
                continue  # only picklists have a fixed list of values to check against
            base = f"objects.{mapping.sobject}.value_maps.{attribute}"
            reported: set[str] = set()
            for raw, target in value_map.entries.items():
                if target in reported:
                    continue
                problem = _picklist_problem(target, found, mapping.sobject)
                if problem is not None:
                    reported.add(target)
                    self.add(mapping.sobject, join_path(f"{base}.map", raw), f"maps to {problem}")
            default = value_map.default
            if default is not None and default not in reported:
                problem = _picklist_problem(default, found, mapping.sobject)
                if problem is not None:
                    self.add(mapping.sobject, f"{base}.default", f"is {problem}")


def _deploy_values(problem: str, field: str) -> str:
    """Where the missing value is defined, unless the problem is a misspelling."""
    if "did you mean" in problem or "spelt" in problem or "inactive" in problem:
        return ""
    return deploy_hint(value_set_file(field))


def _picklist_problem(value: str, found: DescribedField, sobject: str) -> str | None:
    if value in found.active_values:
        return None
    label = f"{value!r}, which is "
    if value in found.inactive_values:
        return f"{label}an inactive value of {sobject}.{found.name}; activate it in Setup"
    same = [v for v in found.active_values if v.casefold() == value.casefold()]
    if same:
        return f"{label}not a value of {sobject}.{found.name} (the value is spelt {same[0]!r})"
    hint = did_you_mean(value, found.active_values)
    return f"{label}not a value of {sobject}.{found.name}{hint}"


@dataclass(frozen=True, slots=True)
class _Sizes:
    score_digits: int
    recycle_count_digits: int
    grade_length: int
    score_reason_length: int


def _incompatible(output: str, f: DescribedField, sizes: _Sizes) -> str | None:
    """Why ``f`` cannot hold what syncd writes for ``output``, or None when it can."""
    if output == "owner":
        if f.type != "reference" or "User" not in f.reference_to:
            return f"{f.name} is {kind_of(f)}; the owner needs a lookup to User and Group"
        if "Group" not in f.reference_to:
            return f"{f.name} cannot hold a queue (it looks up {', '.join(f.reference_to)})"
        return None
    if output == "status":
        return (
            None if f.type == "picklist" else f"{f.name} is {kind_of(f)}; status needs a picklist"
        )
    if output == "lead_source":
        if f.type in ("picklist", "string"):
            return None
        return f"{f.name} is {kind_of(f)}; lead_source needs a picklist or text field"
    if output == "sla_due":
        return (
            None if f.type == "datetime" else f"{f.name} is {kind_of(f)}; sla_due needs a datetime"
        )
    if output in ("score", "recycle_count"):
        digits = sizes.score_digits if output == "score" else sizes.recycle_count_digits
        if f.type not in NUMBER_TYPES:
            return f"{f.name} is {kind_of(f)}; {output} needs a number field"
        if f.integer_digits < digits:
            return (
                f"{f.name} holds {f.integer_digits} digit(s) before the decimal point; "
                f"{output} needs at least {digits}"
            )
        return None
    length = sizes.grade_length if output == "grade" else sizes.score_reason_length
    if f.type not in TEXT_TYPES:
        return f"{f.name} is {kind_of(f)}; {output} needs a text field (string or textarea)"
    if f.length < length:
        return f"{f.name} holds {f.length} characters; {output} needs at least {length}"
    return None


def check_against_org(
    mappings: FieldMappings,
    describes: Mapping[str, Mapping[str, Any]],
    *,
    statuses_written: Collection[str],
    lead_sources_written: Iterable[str] = (),
    running_user_can_update: bool | None = None,
    score_digits: int = 3,
    recycle_count_digits: int = 2,
    grade_length: int = 2,
    score_reason_length: int = 255,
) -> list[Problem]:
    """Every way the mappings do not fit the org described by ``describes``.

    ``describes`` maps object names to Salesforce describe payloads (``GET
    /sobjects/{name}/describe``) fetched as the running user; an object absent from it is
    reported as missing. ``statuses_written`` are the Lead Status values the policy writes;
    when it is a mapping, its values are where each status is set in policy.yaml (e.g.
    ``lifecycle.statuses.mql``). ``running_user_can_update`` overrides the Lead describe's
    object-level ``updateable`` flag when the caller knows better. The sizes are what the
    written fields must hold: digits before the decimal point for score and recycle count,
    characters for grade and score reason.
    """
    checker = _Checker(mappings)
    sizes = _Sizes(score_digits, recycle_count_digits, grade_length, score_reason_length)
    for sobject, mapping in mappings.objects.items():
        org = find_describe(describes, sobject)
        if org is None:
            checker.add(
                sobject,
                f"objects.{sobject}",
                f"the org has no {sobject} object, or the running user cannot see it",
            )
            continue
        if not org.flag("queryable"):
            checker.add(sobject, f"objects.{sobject}", f"the running user cannot query {sobject}")
        checker.pull(mapping, org)
        if not mapping.writeback:
            continue
        can_update = (
            org.flag("updateable") if running_user_can_update is None else running_user_can_update
        )
        if not can_update:
            checker.add(
                sobject,
                f"objects.{sobject}.writeback",
                f"the running user cannot edit {sobject} records",
            )
        checker.writeback(mapping, org, sizes)
        checker.statuses(mapping, org, statuses_written)
        checker.lead_sources(mapping, org, lead_sources_written)
        checker.value_maps(mapping, org)
    # The mappings' problems first, then the policy's (a stable sort keeps each in order).
    return sorted(checker.problems, key=lambda p: p.file != mappings.file)


# --- reporting -----------------------------------------------------------------------------


def summary(mappings: FieldMappings, describes: Mapping[str, Mapping[str, Any]]) -> str:
    """The one-line "OK": how many objects, pulled fields and written fields were checked."""
    objects = [name for name in mappings.objects if find_describe(describes, name) is not None]
    pulled = sum(len(mappings[name].pull) for name in objects)
    written = sum(len(mappings[name].writeback) for name in objects)
    return (
        f"OK: {len(objects)} objects, {pulled} pulled fields and {written} writeback fields "
        "match the org"
    )
