"""`syncd check`: are the field mappings and the policy's statuses valid for this org?

Two stages. First the files alone (``syncd.fieldmap.load_mappings``); when they are
invalid every problem is reported and the org is not contacted. Then each mapped object's
describe, as the running user sees it (describe hides fields that user may not read and
marks the ones they may not edit as not ``updateable``): pulled fields exist, written
fields are editable and can hold what syncd writes, and every picklist value syncd writes
(the policy's Lead Statuses, the value maps' targets) is an active value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from syncd.config import POLICY_FILE, TASK_KEY_FIELD, Config, Problem, read_config
from syncd.config.fields import REQUIRED_ATTRIBUTES, WRITEBACK_OBJECT, FieldMappings, ObjectMapping
from syncd.config.metadata import PERMISSION_SET, deploy_hint, field_file, value_set_file
from syncd.config.yamlfile import join_path
from syncd.domain.owners import OwnerDirectory, owner_refs, resolve_owners
from syncd.domain.policy import Policy
from syncd.salesforce.errors import SalesforceError

__all__ = [
    "CheckResult",
    "check_against_org",
    "check_directory",
    "check_files",
    "check_owner_refs",
    "check_task_key",
    "policy_statuses",
    "run_check",
    "summary",
]


_NUMBER: Final = frozenset({"double", "int", "percent", "currency"})
_TEXT: Final = frozenset({"string", "textarea"})
_REFERENCE: Final = frozenset({"reference", "id"})
_PICKLIST_TEXT: Final = frozenset({"picklist", "combobox", "string"})

# The describe types each required mirror column can be filled from.
_ATTRIBUTE_TYPES: Final[Mapping[str, frozenset[str]]] = {
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
    "master_record_id": _REFERENCE,
    "owner_id": _REFERENCE,
    "last_modified_by_id": _REFERENCE,
    "who_id": _REFERENCE,
    "campaign_id": _REFERENCE,
    "lead_id": _REFERENCE,
    "status": _PICKLIST_TEXT,
    "lead_source": _PICKLIST_TEXT,
    "type": _PICKLIST_TEXT,
    "stage_name": _PICKLIST_TEXT,
    "email": frozenset({"email", "string"}),
    "subject": frozenset({"string", "combobox", "textarea"}),
    "activity_date": frozenset({"date"}),
    "developer_name": frozenset({"string"}),
    "amount": _NUMBER,
}


# --- describe, read defensively ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    type: str
    updateable: bool
    length: int
    integer_digits: int
    reference_to: tuple[str, ...]
    active_values: tuple[str, ...]
    inactive_values: tuple[str, ...]

    @classmethod
    def from_describe(cls, raw: Mapping[str, Any]) -> _Field:
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


class _Object:
    """One describe result with case-insensitive field lookup, as SOQL resolves names."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.fields = [_Field.from_describe(f) for f in raw.get("fields") or ()]
        self._by_fold = {f.name.casefold(): f for f in self.fields}

    def field(self, name: str) -> _Field | None:
        return self._by_fold.get(name.casefold())

    def flag(self, name: str) -> bool:
        return bool(self.raw.get(name, True))


def _find_describe(describes: Mapping[str, Mapping[str, Any]], sobject: str) -> _Object | None:
    if sobject in describes:
        return _Object(describes[sobject])
    for name, raw in describes.items():
        if name.casefold() == sobject.casefold():
            return _Object(raw)
    return None


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    by_fold = {c.casefold(): c for c in candidates}
    folded = word.casefold()
    # A value holding the word whole ("Sales Qualified" for "Qualified") beats a near
    # spelling ("Disqualified").
    pattern = re.compile(rf"\b{re.escape(folded)}\b")
    whole = [c for c in by_fold if pattern.search(c)]
    close = whole or difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    return f" (did you mean {by_fold[close[0]]}?)" if close else ""


def _kind(f: _Field) -> str:
    if f.type == "textarea" and f.length > 255:
        return "a long text area"
    return f"{'an' if f.type[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {f.type}"


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

    def pull(self, mapping: ObjectMapping, org: _Object) -> None:
        base = f"objects.{mapping.sobject}.pull"
        required = REQUIRED_ATTRIBUTES.get(mapping.sobject, frozenset())
        # A written field's type is judged once, by the stricter writeback check.
        written = {name.casefold() for name in mapping.writeback.values()}
        for name, attribute in mapping.pull.items():
            path = f"{base}.{name}"
            found = org.field(name)
            if found is None:
                hint = _did_you_mean(name, (f.name for f in org.fields))
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
            allowed = _ATTRIBUTE_TYPES.get(attribute)
            if (
                attribute in required
                and name.casefold() not in written
                and allowed is not None
                and found.type not in allowed
            ):
                self.add(
                    mapping.sobject,
                    path,
                    f"{found.name} is {_kind(found)}; {attribute!r} needs "
                    f"{' or '.join(sorted(allowed))}",
                )

    def writeback(self, mapping: ObjectMapping, org: _Object, sizes: _Sizes) -> None:
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
        self, mapping: ObjectMapping, org: _Object, statuses_written: Collection[str]
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

    def lead_sources(self, mapping: ObjectMapping, org: _Object, sources: Iterable[str]) -> None:
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

    def value_maps(self, mapping: ObjectMapping, org: _Object) -> None:
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


def _picklist_problem(value: str, found: _Field, sobject: str) -> str | None:
    if value in found.active_values:
        return None
    label = f"{value!r}, which is "
    if value in found.inactive_values:
        return f"{label}an inactive value of {sobject}.{found.name}; activate it in Setup"
    same = [v for v in found.active_values if v.casefold() == value.casefold()]
    if same:
        return f"{label}not a value of {sobject}.{found.name} (the value is spelt {same[0]!r})"
    hint = _did_you_mean(value, found.active_values)
    return f"{label}not a value of {sobject}.{found.name}{hint}"


@dataclass(frozen=True, slots=True)
class _Sizes:
    score_digits: int
    recycle_count_digits: int
    grade_length: int
    score_reason_length: int


def _incompatible(output: str, f: _Field, sizes: _Sizes) -> str | None:
    """Why ``f`` cannot hold what syncd writes for ``output``, or None when it can."""
    if output == "owner":
        if f.type != "reference" or "User" not in f.reference_to:
            return f"{f.name} is {_kind(f)}; the owner needs a lookup to User and Group"
        if "Group" not in f.reference_to:
            return f"{f.name} cannot hold a queue (it looks up {', '.join(f.reference_to)})"
        return None
    if output == "status":
        return None if f.type == "picklist" else f"{f.name} is {_kind(f)}; status needs a picklist"
    if output == "lead_source":
        if f.type in ("picklist", "string"):
            return None
        return f"{f.name} is {_kind(f)}; lead_source needs a picklist or text field"
    if output == "sla_due":
        return None if f.type == "datetime" else f"{f.name} is {_kind(f)}; sla_due needs a datetime"
    if output in ("score", "recycle_count"):
        digits = sizes.score_digits if output == "score" else sizes.recycle_count_digits
        if f.type not in _NUMBER:
            return f"{f.name} is {_kind(f)}; {output} needs a number field"
        if f.integer_digits < digits:
            return (
                f"{f.name} holds {f.integer_digits} digit(s) before the decimal point; "
                f"{output} needs at least {digits}"
            )
        return None
    length = sizes.grade_length if output == "grade" else sizes.score_reason_length
    if f.type not in _TEXT:
        return f"{f.name} is {_kind(f)}; {output} needs a text field (string or textarea)"
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
        org = _find_describe(describes, sobject)
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
    objects = [name for name in mappings.objects if _find_describe(describes, name) is not None]
    pulled = sum(len(mappings[name].pull) for name in objects)
    written = sum(len(mappings[name].writeback) for name in objects)
    return (
        f"OK: {len(objects)} objects, {pulled} pulled fields and {written} writeback fields "
        "match the org"
    )


def _describe_all(
    mappings: FieldMappings, describe: Callable[[str], Mapping[str, Any] | None]
) -> dict[str, Mapping[str, Any]]:
    describes: dict[str, Mapping[str, Any]] = {}
    for sobject in mappings.objects:
        try:
            payload = describe(sobject)
        except SalesforceError as exc:
            # Describing an object the org lacks, or hides from this user, answers 404 NOT_FOUND.
            if exc.status != 404:
                raise
            payload = None
        if payload is not None:
            describes[sobject] = payload
    return describes


def policy_statuses(policy: Policy) -> dict[str, str]:
    """Each Lead Status ``policy`` writes, with where policy.yaml sets it."""
    return {
        status: f"lifecycle.statuses.{stage.value}"
        for stage, status in policy.lifecycle.statuses.statuses
    }


def check_owner_refs(policy: Policy, directory: OwnerDirectory) -> list[Problem]:
    """Every user and queue the policy names exists in the org and users are active: the
    same resolution the cycle uses, so check and cycle never disagree."""
    _, problems = resolve_owners(policy, directory)
    return [Problem(POLICY_FILE, p.path, p.message, None, "User") for p in problems]


def check_task_key(task_describe: Mapping[str, Any] | None) -> list[Problem]:
    """Handoff Tasks are created exactly once by their key: Task needs the key field."""
    fields = {str(f.get("name")): f for f in (task_describe or {}).get("fields", [])}
    found = fields.get(TASK_KEY_FIELD)
    if found is None:
        return [
            Problem(
                "fields.yaml",
                "objects.Task",
                f"Task has no field {TASK_KEY_FIELD}: create it (Text(80), External ID) "
                "so syncd can create each handoff Task exactly once, even across a crash"
                + deploy_hint(str(field_file("Task", TASK_KEY_FIELD))),
                None,
                "Task",
            )
        ]
    if not found.get("createable", False) or found.get("type") not in ("string", "textarea"):
        return [
            Problem(
                "fields.yaml",
                "objects.Task",
                f"Task.{TASK_KEY_FIELD} must be a text field this user can set on create",
                None,
                "Task",
            )
        ]
    return []


@dataclass(frozen=True)
class CheckResult:
    """What `syncd check` found: the problems (none means OK) and what was checked."""

    problems: tuple[Problem, ...]
    contacted_org: bool
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_files(mappings_dir: Path) -> tuple[Config | None, CheckResult]:
    """The files alone: every problem of both, without a login."""
    config, problems = read_config(mappings_dir)
    if config is None:
        return None, CheckResult(tuple(problems), contacted_org=False)
    objects = len(config.mappings.objects)
    pulled = sum(len(m.pull) for m in config.mappings.objects.values())
    return config, CheckResult(
        (),
        contacted_org=False,
        summary=f"OK: fields.yaml ({objects} objects, {pulled} pulled fields) and "
        f"{POLICY_FILE} are valid (the org was not contacted)",
    )


def check_directory(
    mappings_dir: Path,
    describe: Callable[[str], Mapping[str, Any] | None],
    *,
    running_user_can_update: bool | None = None,
    directory: Callable[[], OwnerDirectory] | None = None,
) -> CheckResult:
    """All of `syncd check`: both files, then the org's describe, owners and the Task key.

    The org is asked only when both files are valid.
    """
    config, files = check_files(mappings_dir)
    if config is None:
        return files
    result = _against_org(config, describe, policy_statuses(config.policy), running_user_can_update)
    if not result.ok or directory is None:
        return result
    owner_problems = check_owner_refs(config.policy, directory()) + check_task_key(describe("Task"))
    if owner_problems:
        return CheckResult(tuple(owner_problems), contacted_org=True)
    refs = len(set(owner_refs(config.policy)))
    return CheckResult(
        (),
        contacted_org=True,
        summary=f"{result.summary}\nOK: {refs} users and queues named in {POLICY_FILE} "
        "exist in the org (users active)",
    )


def run_check(
    mappings_dir: Path,
    describe: Callable[[str], Mapping[str, Any] | None],
    statuses_written: Collection[str],
    *,
    running_user_can_update: bool | None = None,
) -> CheckResult:
    """The files, then the org's describe, for the Lead Statuses given (owners not asked)."""
    config, files = check_files(mappings_dir)
    if config is None:
        return files
    return _against_org(config, describe, statuses_written, running_user_can_update)


def _against_org(
    config: Config,
    describe: Callable[[str], Mapping[str, Any] | None],
    statuses_written: Collection[str],
    running_user_can_update: bool | None,
) -> CheckResult:
    describes = _describe_all(config.mappings, describe)
    problems = check_against_org(
        config.mappings,
        describes,
        statuses_written=statuses_written,
        lead_sources_written=config.policy.hygiene.standard_sources,
        running_user_can_update=running_user_can_update,
    )
    if problems:
        return CheckResult(tuple(problems), contacted_org=True)
    return CheckResult((), contacted_org=True, summary=summary(config.mappings, describes))
