"""The typed policy (`mappings/policy.yaml`), loaded and validated with every error at once.

The adapter reads the file; `load_policy` takes its text (or an already-parsed mapping)
plus the file name for messages such as
`policy.yaml: scoring.fit[3].points: must be a number`.

`Policy.version` is the declared `version` plus a hash of the parsed content, so two
different policies never share a version even if an admin forgets to bump it, while
comment-only edits keep the version.

Owners in the policy (routing users/queues/fallbacks, the nurture owner) may be readable
references (a username or email, a queue DeveloperName) or Salesforce ids; the integration
resolves them with `owner_refs` + `resolve_owners` before the engine runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import cast

import yaml

from syncd.domain import _config as cfg
from syncd.domain.conditions import ConfigError
from syncd.domain.hygiene import HygienePolicy, parse_hygiene
from syncd.domain.lifecycle import LifecyclePolicy, parse_lifecycle
from syncd.domain.recycle import RecyclePolicy, parse_recycle
from syncd.domain.routing import (
    RoutingPolicy,
    Territory,
    ToPool,
    ToQueue,
    ToUser,
    canonical_id,
    parse_routing,
)
from syncd.domain.scoring import Scorer, ScoringPolicy, parse_scoring
from syncd.domain.sla import SlaPolicy, parse_sla

__all__ = [
    "Alerts",
    "Policy",
    "PolicyError",
    "load_policy",
    "owner_refs",
    "resolve_owners",
    "validate_policy",
]


@dataclass(frozen=True, slots=True)
class Alerts:
    """Task texts. Placeholders: {due} {reasons} {score} {grade} {lead_id} {name} {company}
    {owner}."""

    handoff_subject: str = "New MQL — follow up by {due}"
    handoff_description: str = "Score {score} (grade {grade}): {reasons}"
    breach_subject: str = "SLA breached: follow-up on {name} was due {due}"
    breach_description: str = "Owner {owner} has not followed up. Score {score}: {reasons}"
    due_format: str = "%a %d %b %Y %H:%M %Z"


@dataclass(frozen=True)
class Policy:
    declared_version: str
    content_hash: str
    scoring: ScoringPolicy
    lifecycle: LifecyclePolicy
    routing: RoutingPolicy
    sla: SlaPolicy
    recycle: RecyclePolicy
    hygiene: HygienePolicy
    alerts: Alerts
    # placeholder id -> readable owner reference still to be resolved against the org
    unresolved_owners: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def scorer(self) -> Scorer:
        """The scoring rules compiled once, when the policy is first used."""
        return Scorer(self.scoring)

    @property
    def version(self) -> str:
        """`<declared>+<content hash>`, recorded with every decision."""
        return f"{self.declared_version}+{self.content_hash[:12]}"


class PolicyError(ValueError):
    """The policy is invalid; `messages` lists every problem with file and path."""

    def __init__(self, file_name: str, errors: list[ConfigError]) -> None:
        self.file_name = file_name
        self.errors = tuple(errors)
        self.messages = tuple(e.render(file_name) for e in errors)
        super().__init__(f"{len(errors)} problem(s) in {file_name}:\n" + "\n".join(self.messages))


_SECTIONS = frozenset(
    {
        "version",
        "writeback",  # moved to fields.yaml; reported with where it went
        "scoring",
        "lifecycle",
        "routing",
        "sla",
        "recycle",
        "hygiene",
        "alerts",
    }
)


def _content_hash(data: Mapping[str, object]) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _parse_text(text: str, errors: list[ConfigError]) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        errors.append(ConfigError(where, f"not valid YAML: {problem}"))
        return None


def _moved_writeback(raw: object, path: str, errors: list[ConfigError]) -> None:
    if raw is not None:
        errors.append(
            ConfigError(
                path,
                "moved: the Lead fields syncd writes are named in fields.yaml "
                "objects.Lead.writeback (remove this section)",
            )
        )


def _parse_alerts(raw: object, path: str, errors: list[ConfigError]) -> Alerts:
    if raw is None:
        return Alerts()
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return Alerts()
    names = Alerts.__dataclass_fields__
    cfg.check_keys(data, path, errors, allowed=set(names))
    values = {k: cfg.text(data, k, path, errors, default=None) for k in names if k in data}
    alerts = replace(Alerts(), **{k: v for k, v in values.items() if v is not None})
    sample = {
        "due": "",
        "reasons": "",
        "score": 0,
        "grade": "",
        "lead_id": "",
        "name": "",
        "company": "",
        "owner": "",
    }
    for key in names:
        if key == "due_format":
            continue
        try:
            getattr(alerts, key).format(**sample)
        except (KeyError, IndexError, ValueError) as exc:
            errors.append(ConfigError(f"{path}.{key}", f"unknown placeholder or bad braces: {exc}"))
    return alerts


_SF_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_OWNER_KEYS = {"user": "005", "queue": "00G", "fallback_queue": "00G"}


def _placeholder(ref: str, prefix: str) -> str:
    digest = hashlib.sha256(ref.encode()).hexdigest()[:9].upper()
    return canonical_id(f"{prefix}REF{digest}")


def _with_placeholders(raw: object, table: dict[str, str], key: str | None = None) -> object:
    """A copy of `raw` where readable owner refs under user/queue keys are placeholder ids.

    Routing validates Salesforce ids; the default policy names owners readably (usernames,
    queue DeveloperNames), which only the integration can resolve against the org.
    """
    if isinstance(raw, Mapping):
        return {k: _with_placeholders(v, table, str(k)) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_with_placeholders(v, table, key) for v in raw]
    if key in _OWNER_KEYS and isinstance(raw, str) and raw.strip() and not _SF_ID.match(raw):
        ref = raw.strip()
        placeholder = _placeholder(ref, _OWNER_KEYS[key])
        table[placeholder] = ref
        return placeholder
    return raw


def _build(data: Mapping[str, object], errors: list[ConfigError]) -> Policy | None:
    cfg.check_keys(
        data,
        "",
        errors,
        allowed=_SECTIONS,
        required={"version", "scoring", "lifecycle", "routing", "sla", "recycle"},
    )
    version = cfg.text(data, "version", "", errors, default=None)
    scoring = parse_scoring(data["scoring"], "scoring", errors) if "scoring" in data else None
    lifecycle = (
        parse_lifecycle(data["lifecycle"], "lifecycle", errors) if "lifecycle" in data else None
    )
    placeholders: dict[str, str] = {}
    routing = (
        parse_routing(_with_placeholders(data["routing"], placeholders), "routing", errors)
        if "routing" in data
        else None
    )
    sla = parse_sla(data["sla"], "sla", errors) if "sla" in data else None
    recycle = parse_recycle(data["recycle"], "recycle", errors) if "recycle" in data else None
    if recycle is not None and not _SF_ID.match(recycle.nurture_owner):
        owner = recycle.nurture_owner
        prefix = "005" if "@" in owner else "00G"
        recycle = replace(recycle, nurture_owner=_placeholder(owner, prefix))
        placeholders[recycle.nurture_owner] = owner
    hygiene = parse_hygiene(data.get("hygiene", {}), "hygiene", errors)
    _moved_writeback(data.get("writeback"), "writeback", errors)
    alerts = _parse_alerts(data.get("alerts"), "alerts", errors)
    if scoring is not None and sla is not None:
        grades = {g for g, _ in scoring.grades}
        for grade, _ in sla.by_grade:
            if grade not in grades:
                errors.append(
                    ConfigError(
                        f"sla.first_response.by_grade.{grade}",
                        f"unknown grade; scoring.grades defines {sorted(grades)}",
                    )
                )
    if (
        errors
        or version is None
        or scoring is None
        or lifecycle is None
        or routing is None
        or sla is None
        or recycle is None
        or hygiene is None
    ):
        return None
    return Policy(
        declared_version=version,
        content_hash=_content_hash(data),
        scoring=scoring,
        lifecycle=lifecycle,
        routing=routing,
        sla=sla,
        recycle=recycle,
        hygiene=hygiene,
        alerts=alerts,
        unresolved_owners=placeholders,
    )


def validate_policy(
    source: str | Mapping[str, object],
) -> tuple[Policy | None, tuple[ConfigError, ...]]:
    """The policy and no errors, or None and every problem (path and message)."""
    errors: list[ConfigError] = []
    raw = _parse_text(source, errors) if isinstance(source, str) else source
    if errors:
        return None, tuple(errors)
    data = cfg.as_mapping(raw, "", errors)
    policy = None if data is None else _build(data, errors)
    if policy is None and not errors:  # defensive: a parser returned None without saying why
        errors.append(ConfigError("", "invalid policy"))
    return policy, tuple(errors)


def load_policy(source: str | Mapping[str, object], file_name: str = "policy.yaml") -> Policy:
    """Parse and validate a policy; raises `PolicyError` listing every problem."""
    errors: list[ConfigError] = []
    raw = _parse_text(source, errors) if isinstance(source, str) else source
    data = None if errors else cfg.as_mapping(raw, "", errors)
    policy = None if data is None else _build(data, errors)
    if policy is None:
        raise PolicyError(file_name, errors or [ConfigError("", "invalid policy")])
    return policy


# --- owner references -------------------------------------------------------------------


def owner_refs(policy: Policy) -> frozenset[str]:
    """The readable owner references (usernames, emails, queue DeveloperNames) to resolve."""
    return frozenset(policy.unresolved_owners.values())


def resolve_owners(policy: Policy, ids: Mapping[str, str]) -> Policy:
    """The policy with readable owner references replaced by the org's Salesforce ids.

    `ids` maps a reference (as written in the policy) to its id; references it lacks stay
    unresolved (see `owner_refs`). The version is unchanged: the policy means the same.
    """
    swap = {
        placeholder: canonical_id(ids[ref])
        for placeholder, ref in policy.unresolved_owners.items()
        if ref in ids
    }

    def to_id(value: str) -> str:
        return swap.get(value, value)

    def target(t: ToUser | ToQueue | ToPool | Territory) -> ToUser | ToQueue | ToPool | Territory:
        if isinstance(t, ToUser):
            return replace(t, user_id=to_id(t.user_id))
        if isinstance(t, ToQueue):
            return replace(t, queue_id=to_id(t.queue_id))
        if isinstance(t, Territory):
            entries = tuple(
                replace(e, target=cast(ToUser | ToQueue | ToPool, target(e.target)))
                for e in t.entries
            )
            return replace(t, entries=entries)
        return t

    routing = policy.routing
    rules = tuple(
        replace(
            r,
            target=target(r.target),
            fallback_queue=None if r.fallback_queue is None else to_id(r.fallback_queue),
        )
        for r in routing.rules
    )
    pools = {
        name: replace(p, members=tuple(replace(m, user_id=to_id(m.user_id)) for m in p.members))
        for name, p in routing.pools.items()
    }
    return replace(
        policy,
        routing=replace(
            routing, rules=rules, pools=pools, fallback_queue=to_id(routing.fallback_queue)
        ),
        recycle=replace(policy.recycle, nurture_owner=to_id(policy.recycle.nurture_owner)),
        unresolved_owners={p: ref for p, ref in policy.unresolved_owners.items() if p not in swap},
    )
