"""The policy's `routing` section (rules, territories, pools, caps) parsed into a
`RoutingPolicy`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncd.domain.geo import canonical_country, canonical_id, canonical_postal, canonical_state
from syncd.domain.policy.conditions import parse_condition
from syncd.domain.policy.errors import ConfigError
from syncd.domain.routing import (
    Pool,
    PoolMember,
    RoutingPolicy,
    RoutingRule,
    Target,
    Territory,
    TerritoryEntry,
    ToPool,
    ToQueue,
    ToUser,
)

_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


_POLICY_KEYS = frozenset({"timezone", "fallback_queue", "pools", "rules"})


_POOL_KEYS = frozenset({"members", "daily_cap", "open_cap"})


_MEMBER_KEYS = frozenset({"user", "weight", "daily_cap", "open_cap"})


_RULE_KEYS = frozenset({"name", "when", "to", "fallback_queue"})


_ENTRY_CRITERIA = ("country", "state", "postal_prefix")


_ENTRY_TARGETS = ("user", "queue", "pool")


_FIELD_KEYS = frozenset({"country", "state", "postal_code"})


def _unknown(
    raw: Mapping[object, object], allowed: frozenset[str], path: str
) -> ConfigError | None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if not unknown:
        return None
    return ConfigError(path, f"unknown key(s) {unknown}; expected {sorted(allowed)}")


def _parse_id(raw: object, path: str, errors: list[ConfigError], what: str) -> str | None:
    if isinstance(raw, str) and _ID.match(raw.strip()):
        return canonical_id(raw.strip())
    errors.append(ConfigError(path, f"must be a 15- or 18-character Salesforce {what} id"))
    return None


def _parse_cap(
    raw: Mapping[object, object], key: str, path: str, errors: list[ConfigError]
) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(ConfigError(f"{path}.{key}", "must be a whole number >= 0"))
        return None
    return value


def _parse_pool(name: str, raw: object, path: str, errors: list[ConfigError]) -> Pool | None:
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping with members (and optional caps)"))
        return None
    before = len(errors)
    if (problem := _unknown(raw, _POOL_KEYS, path)) is not None:
        errors.append(problem)
    daily_cap = _parse_cap(raw, "daily_cap", path, errors)
    open_cap = _parse_cap(raw, "open_cap", path, errors)
    raw_members = raw.get("members")
    members: list[PoolMember] = []
    if not isinstance(raw_members, Sequence) or isinstance(raw_members, str) or not raw_members:
        errors.append(ConfigError(f"{path}.members", "must be a non-empty list of {user: id}"))
    else:
        seen: set[str] = set()
        for i, item in enumerate(raw_members):
            member_path = f"{path}.members[{i}]"
            member = _parse_member(item, member_path, errors)
            if member is None:
                continue
            if member.user_id in seen:
                errors.append(ConfigError(f"{member_path}.user", "is listed twice in this pool"))
            seen.add(member.user_id)
            members.append(member)
    if len(errors) != before:
        return None
    return Pool(name, tuple(members), daily_cap, open_cap)


def _parse_member(raw: object, path: str, errors: list[ConfigError]) -> PoolMember | None:
    if isinstance(raw, str):
        user = _parse_id(raw, path, errors, "user")
        return None if user is None else PoolMember(user)
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a user id or {user: id, weight: n}"))
        return None
    before = len(errors)
    if (problem := _unknown(raw, _MEMBER_KEYS, path)) is not None:
        errors.append(problem)
    user = _parse_id(raw.get("user"), f"{path}.user", errors, "user")
    weight = raw.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
        errors.append(ConfigError(f"{path}.weight", "must be a whole number >= 1"))
    daily_cap = _parse_cap(raw, "daily_cap", path, errors)
    open_cap = _parse_cap(raw, "open_cap", path, errors)
    if len(errors) != before or user is None or not isinstance(weight, int):
        return None
    return PoolMember(user, weight, daily_cap, open_cap)


def _parse_simple_target(
    raw: Mapping[object, object],
    path: str,
    errors: list[ConfigError],
    pools: Mapping[str, Pool] | None,
    extra_keys: frozenset[str],
) -> ToUser | ToQueue | ToPool | None:
    """A user, queue or pool target; `extra_keys` are the caller's other keys (criteria)."""
    kinds = [k for k in _ENTRY_TARGETS if k in raw]
    if len(kinds) != 1:
        errors.append(ConfigError(path, f"needs exactly one of {list(_ENTRY_TARGETS)}"))
        return None
    kind = kinds[0]
    caps = frozenset({"daily_cap", "open_cap"}) if kind == "user" else frozenset()
    if (problem := _unknown(raw, frozenset({kind}) | caps | extra_keys, path)) is not None:
        errors.append(problem)
        return None
    value = raw[kind]
    if kind == "queue":
        queue = _parse_id(value, f"{path}.queue", errors, "queue")
        return None if queue is None else ToQueue(queue)
    if kind == "user":
        before = len(errors)
        user = _parse_id(value, f"{path}.user", errors, "user")
        daily_cap = _parse_cap(raw, "daily_cap", path, errors)
        open_cap = _parse_cap(raw, "open_cap", path, errors)
        if user is None or len(errors) != before:
            return None
        return ToUser(user, daily_cap, open_cap)
    if not isinstance(value, str) or not value.strip():
        errors.append(ConfigError(f"{path}.pool", "must name a pool defined under pools"))
        return None
    if pools is not None and value.strip() not in pools:
        errors.append(
            ConfigError(f"{path}.pool", f"unknown pool {value!r}; defined: {sorted(pools)}")
        )
        return None
    return ToPool(value.strip())


def _string_list(raw: object, path: str, errors: list[ConfigError]) -> list[str] | None:
    items = [raw] if isinstance(raw, (str, int)) and not isinstance(raw, bool) else raw
    if (
        not isinstance(items, Sequence)
        or isinstance(items, str)
        or not items
        or not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in items)
    ):
        errors.append(ConfigError(path, "must be a value or a non-empty list of values"))
        return None
    texts = [str(i).strip() for i in items]
    if not all(texts):
        errors.append(ConfigError(path, "must not contain blank values"))
        return None
    return texts


def _parse_entry(
    raw: object, path: str, errors: list[ConfigError], pools: Mapping[str, Pool] | None
) -> TerritoryEntry | None:
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping such as {country: US, pool: west}"))
        return None
    before = len(errors)
    target = _parse_simple_target(raw, path, errors, pools, frozenset(_ENTRY_CRITERIA))
    countries: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    labels: list[str] = []
    if "country" in raw:
        names = _string_list(raw["country"], f"{path}.country", errors)
        if names is not None:
            countries = frozenset(c for c in (canonical_country(n) for n in names) if c)
            labels.append("/".join(sorted(countries)))
    if "state" in raw:
        names = _string_list(raw["state"], f"{path}.state", errors)
        if names is not None:
            # A state name needs its country to find its code ("Bayern" -> BY in DE).
            scopes: list[str | None] = list(countries) if countries else [None]
            states = frozenset(
                s for n in names for c in scopes if (s := canonical_state(c, n)) is not None
            )
            labels.append("state " + "/".join(sorted(states)))
    if "postal_prefix" in raw:
        values = _string_list(raw["postal_prefix"], f"{path}.postal_prefix", errors)
        if values is not None:
            prefixes = tuple(p for p in (canonical_postal(v) for v in values) if p)
            labels.append("postal " + "/".join(prefixes))
    if target is None or len(errors) != before:
        return None
    return TerritoryEntry(target, countries, states, prefixes, " ".join(labels) or "(any)")


def _parse_territory(
    raw: object, path: str, errors: list[ConfigError], pools: Mapping[str, Pool] | None
) -> Territory | None:
    fields: Mapping[object, object] = {}
    entries_raw: object = raw
    entries_path = path
    if isinstance(raw, Mapping):
        if (problem := _unknown(raw, frozenset({"fields", "entries"}), path)) is not None:
            errors.append(problem)
            return None
        raw_fields = raw.get("fields", {})
        if (
            not isinstance(raw_fields, Mapping)
            or _unknown(raw_fields, _FIELD_KEYS, "")
            or not all(isinstance(v, str) and v.strip() for v in raw_fields.values())
        ):
            errors.append(
                ConfigError(
                    f"{path}.fields", "must map country/state/postal_code to lead field names"
                )
            )
            return None
        fields = raw_fields
        entries_raw, entries_path = raw.get("entries"), f"{path}.entries"
    if not isinstance(entries_raw, Sequence) or isinstance(entries_raw, str) or not entries_raw:
        errors.append(ConfigError(entries_path, "must be a non-empty list of territory entries"))
        return None
    parsed = [
        _parse_entry(item, f"{entries_path}[{i}]", errors, pools)
        for i, item in enumerate(entries_raw)
    ]
    entries = tuple(e for e in parsed if e is not None)
    if len(entries) != len(parsed):
        return None
    return Territory(
        entries,
        str(fields.get("country", "country")).strip(),
        str(fields.get("state", "state")).strip(),
        str(fields.get("postal_code", "postal_code")).strip(),
    )


def _parse_target(
    raw: object, path: str, errors: list[ConfigError], pools: Mapping[str, Pool] | None
) -> Target | None:
    if not isinstance(raw, Mapping):
        errors.append(
            ConfigError(
                path, "must be one of {user: id}, {queue: id}, {pool: name}, {territory: [...]}"
            )
        )
        return None
    if "territory" in raw:
        if len(raw) != 1:
            errors.append(ConfigError(path, "'territory' must be the only key"))
            return None
        return _parse_territory(raw["territory"], f"{path}.territory", errors, pools)
    return _parse_simple_target(raw, path, errors, pools, frozenset())


def _parse_rule(
    raw: object, path: str, errors: list[ConfigError], pools: Mapping[str, Pool] | None
) -> RoutingRule | None:
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping with name, when (optional) and to"))
        return None
    before = len(errors)
    if (problem := _unknown(raw, _RULE_KEYS, path)) is not None:
        errors.append(problem)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append(ConfigError(f"{path}.name", "must be a non-empty name"))
    condition = (
        parse_condition(raw["when"], f"{path}.when", errors)
        if raw.get("when") is not None
        else None
    )
    if "to" not in raw:
        errors.append(ConfigError(f"{path}.to", "is required: a user, queue, pool or territory"))
        target = None
    else:
        target = _parse_target(raw["to"], f"{path}.to", errors, pools)
    fallback = (
        _parse_id(raw["fallback_queue"], f"{path}.fallback_queue", errors, "queue")
        if raw.get("fallback_queue") is not None
        else None
    )
    if len(errors) != before or target is None or not isinstance(name, str):
        return None
    return RoutingRule(name.strip(), target, condition, fallback)


def parse_routing(raw: object, path: str, errors: list[ConfigError]) -> RoutingPolicy | None:
    """Parse the routing mapping documented at the top of this module.

    Every problem is appended to `errors` with its path; returns None if there was any.
    """
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping with fallback_queue, pools and rules"))
        return None
    before = len(errors)
    if (problem := _unknown(raw, _POLICY_KEYS, path)) is not None:
        errors.append(problem)
    timezone = raw.get("timezone", "UTC")
    if not isinstance(timezone, str) or not _valid_zone(timezone):
        errors.append(ConfigError(f"{path}.timezone", f"unknown time zone {timezone!r}"))
    fallback = _parse_id(raw.get("fallback_queue"), f"{path}.fallback_queue", errors, "queue")
    pools: dict[str, Pool] = {}
    raw_pools = raw.get("pools") or {}
    pools_ok = isinstance(raw_pools, Mapping)
    if not isinstance(raw_pools, Mapping):
        errors.append(ConfigError(f"{path}.pools", "must map pool names to pools"))
    else:
        for key, body in raw_pools.items():
            pool = _parse_pool(str(key), body, f"{path}.pools.{key}", errors)
            if pool is None:
                pools_ok = False
            else:
                pools[pool.name] = pool
    raw_rules = raw.get("rules")
    rules: list[RoutingRule] = []
    if not isinstance(raw_rules, Sequence) or isinstance(raw_rules, str) or not raw_rules:
        errors.append(ConfigError(f"{path}.rules", "must be a non-empty list of rules"))
    else:
        names: set[str] = set()
        for i, item in enumerate(raw_rules):
            # Pool references are only checked when every pool parsed, to avoid an echo.
            rule = _parse_rule(item, f"{path}.rules[{i}]", errors, pools if pools_ok else None)
            if rule is None:
                continue
            if rule.name in names:
                errors.append(
                    ConfigError(f"{path}.rules[{i}].name", f"duplicate rule name {rule.name!r}")
                )
            names.add(rule.name)
            rules.append(rule)
    if len(errors) != before or fallback is None or not isinstance(timezone, str):
        return None
    return RoutingPolicy(tuple(rules), fallback, pools, timezone)


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
