"""Building a `Policy` from the policy file's parsed content, with every error at once.

The config adapter reads the file; `load_policy` takes the parsed mapping plus the file
name for messages such as `policy.yaml: scoring.fit[3].points: must be a number`.

Owners in the policy (routing users/queues/fallbacks, the nurture owner) may be readable
references (a username or email, a queue DeveloperName) or Salesforce ids; the integration
resolves them with `owner_refs` + `resolve_owners` before the engine runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import cast

from syncd.domain.geo import canonical_id
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.document import Alerts, Policy
from syncd.domain.policy.errors import ConfigError, PolicyError
from syncd.domain.policy.hygiene import parse_hygiene
from syncd.domain.policy.lifecycle import parse_lifecycle
from syncd.domain.policy.recycle import parse_recycle
from syncd.domain.policy.report import parse_report
from syncd.domain.policy.routing import parse_routing
from syncd.domain.policy.scoring import parse_scoring
from syncd.domain.policy.sla import parse_sla
from syncd.domain.routing import Territory, ToPool, ToQueue, ToUser

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
        "report",
    }
)


def _content_hash(data: Mapping[str, object]) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
        "why": "",
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
    report = parse_report(_with_placeholders(data.get("report"), placeholders), "report", errors)
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
        report=report,
        unresolved_owners=placeholders,
    )


def validate_policy(source: object) -> tuple[Policy | None, tuple[ConfigError, ...]]:
    """The policy and no errors, or None and every problem (path and message).

    `source` is the file's parsed content (the config adapter reads the YAML)."""
    errors: list[ConfigError] = []
    data = cfg.as_mapping(source, "", errors)
    policy = None if data is None else _build(data, errors)
    if policy is None and not errors:  # defensive: a parser returned None without saying why
        errors.append(ConfigError("", "invalid policy"))
    return policy, tuple(errors)


def load_policy(source: object, file_name: str = "policy.yaml") -> Policy:
    """Validate a parsed policy; raises `PolicyError` listing every problem."""
    errors: list[ConfigError] = []
    data = cfg.as_mapping(source, "", errors)
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
        report=replace(
            policy.report,
            alert_owner=None
            if policy.report.alert_owner is None
            else to_id(policy.report.alert_owner),
        ),
        unresolved_owners={p: ref for p, ref in policy.unresolved_owners.items() if p not in swap},
    )
