"""`syncd check`: are the field mappings and the policy's statuses valid for this org?

Two stages. First the files alone (``syncd.fieldmap.load_mappings``); when they are
invalid every problem is reported and the org is not contacted. Then each mapped object's
describe, as the running user sees it (describe hides fields that user may not read and
marks the ones they may not edit as not ``updateable``): pulled fields exist, written
fields are editable and can hold what syncd writes, and every picklist value syncd writes
(the policy's Lead Statuses, the value maps' targets) is an active value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncd.config import POLICY_FILE, TASK_KEY_FIELD, Config, Problem, read_config
from syncd.config.fields import FieldMappings
from syncd.config.metadata import deploy_hint, field_file
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


from syncd.sync.check_fit import check_against_org, summary


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
