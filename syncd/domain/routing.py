"""Assignment routing: who owns a lead at handoff.

Ordered rules, first match wins. A rule's target is a user, a queue, a named weighted
round-robin pool, or a territory map whose entries point at a user, queue or pool. Never an
inactive or away user; capped reps are skipped; when nobody is eligible the lead goes to the
rule's fallback queue (else the policy's), with a reason saying why.

Policy YAML shape (`parse_routing`)::

    timezone: America/New_York      # whose midnight resets daily caps; default UTC
    fallback_queue: 00G5e000000AbCd # required: where a lead goes when no one is eligible
    pools:
      inbound:
        daily_cap: 25               # optional: leads per rep per local day (any route)
        open_cap: 60                # optional: open leads per rep (counts from the mirror)
        members:
          - {user: 0055e000001AaaA, weight: 2}
          - {user: 0055e000001BbbB, weight: 1, daily_cap: 10}   # per-rep override
    rules:
      - name: Named accounts
        when: {field: company, in: [Acme, Globex]}   # the shared condition language
        to: {user: 0055e000001CccC}                   # caps allowed here too
      - name: Partners
        when: {field: lead_source, equals: Partner}
        to: {queue: 00G5e000000PartQ}
      - name: Territories
        to:
          territory:
            fields: {country: country, state: state, postal_code: postal_code}  # optional
            entries:
              - {country: US, state: [CA, Oregon, WA], pool: inbound}
              - {country: US, postal_prefix: ["100", "101"], user: 0055e000001DddD}
              - {country: [Germany, AT, CH], queue: 00G5e000000DachQ}
        fallback_queue: 00G5e000000TerrQ  # optional, per rule
      - name: Everyone else        # no `when`: matches every lead
        to: {pool: inbound}

Territory entries: an entry matches when every criterion it has matches (country and state
compare codes and names case-insensitively, e.g. "United States" = "usa" = "US"; postal
prefixes ignore spaces and dashes; a state listed without a country is compared as written,
so prefer codes there). The most specific matching entry wins: the longest
postal prefix, then a state match, then a country match, then the first listed. An entry
without criteria matches every lead. A territory with no entry for the lead does not match,
and the next rule is tried.

Ids may be written with 15 or 18 characters (Salesforce URLs show 15); they are compared
as 18.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from syncd.domain.conditions import Condition, ConfigError, describe, matches, parse_condition
from syncd.domain.model import User

__all__ = [
    "Assignment",
    "Pool",
    "PoolMember",
    "RoutingPolicy",
    "RoutingRule",
    "RoutingState",
    "Target",
    "Territory",
    "TerritoryEntry",
    "ToPool",
    "ToQueue",
    "ToUser",
    "assign",
    "canonical_country",
    "canonical_id",
    "next_eligible",
    "parse_routing",
]


# --- ids, countries and states ---------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_ID_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def canonical_id(value: str) -> str:
    """The 18-character form of a Salesforce id (15-character ids get their checksum).

    Salesforce's UI shows case-sensitive 15-character ids while the API returns 18; the
    suffix encodes, per block of five, which characters are upper case.
    """
    if len(value) != 15:
        return value
    suffix = ""
    for block in range(3):
        chunk = value[block * 5 : block * 5 + 5]
        flags = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _ID_SUFFIX_ALPHABET[flags]
    return value + suffix


def _fold(value: str) -> str:
    return " ".join(value.replace(".", "").replace("_", " ").split()).casefold()


@lru_cache(maxsize=1)
def _country_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {
        "united states of america": "US",
        "great britain": "GB",
    }
    try:
        from holidays.registry import COUNTRIES  # a table of names and ISO codes
    except ImportError:  # pragma: no cover - an older holidays; codes still work
        return aliases
    for module_name, names in COUNTRIES.items():
        code = str(names[1]).upper()
        aliases[_fold(str(module_name))] = code
        for alias in names[1:]:
            if not str(alias).startswith("Holidays"):
                aliases[_fold(str(alias))] = code
    return aliases


def canonical_country(value: object) -> str | None:
    """ISO alpha-2 code for a country code or English name; other text folded; None if blank."""
    if not isinstance(value, str) or not value.strip():
        return None
    folded = _fold(value)
    return _country_aliases().get(folded, folded.upper())


@lru_cache(maxsize=512)
def _subdivision_aliases(country: str) -> dict[str, str]:
    entity = getattr(holidays_lib, country, None) if country.isalpha() else None
    if entity is None:
        return {}
    aliases = {_fold(str(code)): str(code).upper() for code in getattr(entity, "subdivisions", ())}
    for name, code in dict(getattr(entity, "subdivisions_aliases", {})).items():
        aliases[_fold(str(name))] = str(code).upper()
    return aliases


def _canonical_state(country: str | None, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    folded = _fold(value)
    if country is not None:
        return _subdivision_aliases(country).get(folded, folded.upper())
    return folded.upper()


def _canonical_postal(value: object) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s-]", "", str(value)).upper()
    return text or None


# --- the policy -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolMember:
    user_id: str
    weight: int = 1
    daily_cap: int | None = None
    open_cap: int | None = None


@dataclass(frozen=True, slots=True)
class Pool:
    """A weighted round-robin pool; member caps override the pool's."""

    name: str
    members: tuple[PoolMember, ...]
    daily_cap: int | None = None
    open_cap: int | None = None


@dataclass(frozen=True, slots=True)
class ToUser:
    user_id: str
    daily_cap: int | None = None
    open_cap: int | None = None


@dataclass(frozen=True, slots=True)
class ToQueue:
    queue_id: str


@dataclass(frozen=True, slots=True)
class ToPool:
    pool: str


@dataclass(frozen=True, slots=True)
class TerritoryEntry:
    """Criteria (canonical codes; empty means "any") and where matching leads go."""

    target: ToUser | ToQueue | ToPool
    countries: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    postal_prefixes: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True, slots=True)
class Territory:
    entries: tuple[TerritoryEntry, ...]
    country_field: str = "country"
    state_field: str = "state"
    postal_code_field: str = "postal_code"


Target = ToUser | ToQueue | ToPool | Territory


@dataclass(frozen=True, slots=True)
class RoutingRule:
    name: str
    target: Target
    condition: Condition | None = None
    fallback_queue: str | None = None


@dataclass(frozen=True)
class RoutingPolicy:
    rules: tuple[RoutingRule, ...]
    fallback_queue: str
    pools: Mapping[str, Pool] = field(default_factory=dict)
    timezone: str = "UTC"


# --- state ----------------------------------------------------------------------------


def _counts(raw: object, what: str) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise TypeError(f"routing state: {what} must be a mapping")
    result: dict[str, int] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"routing state: {what}[{key!r}] must be an integer")
        result[str(key)] = value
    return result


@dataclass(frozen=True)
class RoutingState:
    """Round-robin credits and cap counters, carried from one assignment to the next.

    `credits[pool][user]` is smooth weighted round robin's current weight (nginx's
    algorithm); `assigned_today` counts assignments per rep on local day `day`;
    `open_leads` starts from the mirror's open-lead counts (`with_open_leads`) and grows
    as leads are assigned. The mappings are never mutated: every change makes a new state.
    """

    credits: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    day: str | None = None
    assigned_today: Mapping[str, int] = field(default_factory=dict)
    open_leads: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe plain data for the mirror."""
        return {
            "version": 1,
            "credits": {pool: dict(c) for pool, c in self.credits.items()},
            "day": self.day,
            "assigned_today": dict(self.assigned_today),
            "open_leads": dict(self.open_leads),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RoutingState:
        """Inverse of `to_dict`; raises TypeError on malformed data."""
        raw_credits = data.get("credits") or {}
        if not isinstance(raw_credits, Mapping):
            raise TypeError("routing state: credits must be a mapping")
        day = data.get("day")
        if day is not None and not isinstance(day, str):
            raise TypeError("routing state: day must be an ISO date or null")
        return cls(
            credits={
                str(pool): _counts(c, f"credits[{pool!r}]") for pool, c in raw_credits.items()
            },
            day=day,
            assigned_today=_counts(data.get("assigned_today"), "assigned_today"),
            open_leads=_counts(data.get("open_leads"), "open_leads"),
        )

    def with_open_leads(self, counts: Mapping[str, int]) -> RoutingState:
        """The same state with open-lead counts per owner as the mirror sees them now."""
        return RoutingState(
            self.credits,
            self.day,
            self.assigned_today,
            {canonical_id(k): v for k, v in counts.items()},
        )

    def _on_day(self, day: str) -> RoutingState:
        if self.day == day:
            return self
        return RoutingState(self.credits, day, {}, self.open_leads)

    def _record(
        self, user_id: str, pool: str | None, credits: Mapping[str, int] | None
    ) -> RoutingState:
        new_credits = dict(self.credits)
        if pool is not None and credits is not None:
            new_credits[pool] = credits
        assigned = dict(self.assigned_today)
        assigned[user_id] = assigned.get(user_id, 0) + 1
        open_leads = dict(self.open_leads)
        open_leads[user_id] = open_leads.get(user_id, 0) + 1
        return RoutingState(new_credits, self.day, assigned, open_leads)

    def _release(self, user_id: str) -> RoutingState:
        if self.open_leads.get(user_id, 0) <= 0:
            return self
        open_leads = dict(self.open_leads)
        open_leads[user_id] -= 1
        return RoutingState(self.credits, self.day, self.assigned_today, open_leads)


@dataclass(frozen=True)
class Assignment:
    """Who owns the lead now and why. `fallback` is true when it went to a fallback queue
    because no one was eligible or no rule matched; `rule_name` is None when no rule
    matched. Pass `state` to the next assignment."""

    owner_id: str
    rule_name: str | None
    reasons: tuple[str, ...]
    state: RoutingState
    fallback: bool


# --- assignment -------------------------------------------------------------------------


def _who(user_id: str, users: Mapping[str, User]) -> str:
    user = users.get(user_id)
    return f"{user.name} ({user_id})" if user is not None and user.name else user_id


@dataclass(frozen=True, slots=True)
class _Candidate:
    user_id: str
    weight: int
    daily_cap: int | None
    open_cap: int | None


def _ineligible(
    candidate: _Candidate, users: Mapping[str, User], state: RoutingState
) -> str | None:
    user = users.get(candidate.user_id)
    if user is None:
        return "not a known user"
    if user.is_queue:
        return "is a queue, not a rep"
    if not user.active:
        return "inactive"
    if user.away:
        return "away"
    today = state.assigned_today.get(candidate.user_id, 0)
    if candidate.daily_cap is not None and today >= candidate.daily_cap:
        return f"daily cap reached ({today}/{candidate.daily_cap} today)"
    open_count = state.open_leads.get(candidate.user_id, 0)
    if candidate.open_cap is not None and open_count >= candidate.open_cap:
        return f"open-lead cap reached ({open_count}/{candidate.open_cap} open)"
    return None


@dataclass(frozen=True, slots=True)
class _Context:
    lead_fields: Mapping[str, object]
    policy: RoutingPolicy
    users: Mapping[str, User]
    avoid: frozenset[str]  # soft: lapsed owners, chosen only if no one else is eligible
    never: frozenset[str]  # hard: the current owner on SLA-breach reassignment


def _pick(
    candidates: Sequence[_Candidate],
    pool: str | None,
    ctx: _Context,
    state: RoutingState,
    reasons: list[str],
) -> tuple[str, RoutingState] | None:
    """Choose among candidates (smooth weighted round robin when `pool` is set)."""
    eligible: list[_Candidate] = []
    for candidate in candidates:
        if candidate.user_id in ctx.never:
            reasons.append(f"skipped {_who(candidate.user_id, ctx.users)}: current owner")
            continue
        why = _ineligible(candidate, ctx.users, state)
        if why is None:
            eligible.append(candidate)
        else:
            reasons.append(f"skipped {_who(candidate.user_id, ctx.users)}: {why}")
    preferred = [c for c in eligible if c.user_id not in ctx.avoid]
    if preferred:
        for c in eligible:
            if c.user_id in ctx.avoid:
                reasons.append(f"skipped {_who(c.user_id, ctx.users)}: let this lead lapse before")
        eligible = preferred
    elif eligible:
        reasons.append("only a rep who let this lead lapse before is eligible")
    if not eligible:
        return None
    if pool is None:
        chosen = eligible[0].user_id
        return chosen, state._record(chosen, None, None)
    # Smooth weighted round robin (nginx): every eligible member gains its weight, the
    # richest wins (first listed on a tie) and pays back the round's total weight.
    # Credits of reps no longer in the pool (a policy edit) are dropped, not carried forever.
    members = {c.user_id for c in candidates}
    credits = {u: v for u, v in state.credits.get(pool, {}).items() if u in members}
    total = 0
    best: _Candidate | None = None
    for c in eligible:
        credits[c.user_id] = credits.get(c.user_id, 0) + c.weight
        total += c.weight
        if best is None or credits[c.user_id] > credits[best.user_id]:
            best = c
    assert best is not None
    credits[best.user_id] -= total
    reasons.append(
        f"round robin in pool '{pool}': {_who(best.user_id, ctx.users)} "
        f"(weight {best.weight}, {len(eligible)} eligible)"
    )
    return best.user_id, state._record(best.user_id, pool, credits)


def _route_simple(
    target: ToUser | ToQueue | ToPool,
    ctx: _Context,
    state: RoutingState,
    reasons: list[str],
) -> tuple[str, RoutingState] | None:
    if isinstance(target, ToQueue):
        reasons.append(f"to queue {_who(target.queue_id, ctx.users)}")
        return target.queue_id, state
    if isinstance(target, ToUser):
        found = _pick(
            [_Candidate(target.user_id, 1, target.daily_cap, target.open_cap)],
            None,
            ctx,
            state,
            reasons,
        )
        if found is not None:
            reasons.append(f"to user {_who(found[0], ctx.users)}")
        return found
    pool = ctx.policy.pools[target.pool]
    members = [
        _Candidate(
            m.user_id,
            m.weight,
            m.daily_cap if m.daily_cap is not None else pool.daily_cap,
            m.open_cap if m.open_cap is not None else pool.open_cap,
        )
        for m in pool.members
    ]
    return _pick(members, pool.name, ctx, state, reasons)


def _territory_entry(territory: Territory, fields: Mapping[str, object]) -> TerritoryEntry | None:
    country = canonical_country(fields.get(territory.country_field))
    raw_state = fields.get(territory.state_field)
    # An entry without a country holds states as written; one with a country holds codes.
    states = {_canonical_state(country, raw_state), _canonical_state(None, raw_state)} - {None}
    postal = _canonical_postal(fields.get(territory.postal_code_field))
    best: TerritoryEntry | None = None
    best_key = (-1, -1, -1)
    for entry in territory.entries:
        if entry.countries and country not in entry.countries:
            continue
        if entry.states and entry.states.isdisjoint(states):
            continue
        prefix_len = 0
        if entry.postal_prefixes:
            lengths = [len(p) for p in entry.postal_prefixes if postal and postal.startswith(p)]
            if not lengths:
                continue
            prefix_len = max(lengths)
        key = (prefix_len, 1 if entry.states else 0, 1 if entry.countries else 0)
        if key > best_key:
            best, best_key = entry, key
    return best


def _route(
    ctx: _Context, state: RoutingState, reasons: list[str]
) -> tuple[str, RoutingState, RoutingRule | None, bool]:
    """The owner, the new state, the rule that decided and whether it is a fallback."""
    for rule in ctx.policy.rules:
        if rule.condition is not None and not matches(rule.condition, ctx.lead_fields):
            continue
        when = "" if rule.condition is None else f" ({describe(rule.condition)})"
        target = rule.target
        if isinstance(target, Territory):
            entry = _territory_entry(target, ctx.lead_fields)
            if entry is None:
                reasons.append(f"rule '{rule.name}': no territory for this lead's location")
                continue
            reasons.append(f"rule '{rule.name}'{when}: territory {entry.label}")
            simple: ToUser | ToQueue | ToPool = entry.target
        else:
            reasons.append(f"rule '{rule.name}'{when}")
            simple = target
        found = _route_simple(simple, ctx, state, reasons)
        if found is not None:
            return found[0], found[1], rule, False
        queue = rule.fallback_queue or ctx.policy.fallback_queue
        reasons.append(f"no eligible rep: fallback queue {_who(queue, ctx.users)}")
        return queue, state, rule, True
    queue = ctx.policy.fallback_queue
    reasons.append(f"no routing rule matched: fallback queue {_who(queue, ctx.users)}")
    return queue, state, None, True


def _local_day(now: datetime, timezone: str) -> str:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()


def assign(
    lead_fields: Mapping[str, object],
    policy: RoutingPolicy,
    users: Mapping[str, User],
    state: RoutingState,
    now: datetime,
    *,
    exclude_owner_ids: frozenset[str] = frozenset(),
) -> Assignment:
    """Choose the owner of a lead at handoff: the first matching rule's target.

    Inactive, away and capped reps are skipped. `exclude_owner_ids` (reps who let this
    lead lapse) are chosen only when no one else is eligible. When nobody is, the rule's
    fallback queue (else the policy's) owns the lead and `fallback` is true.
    """
    ctx = _Context(
        lead_fields,
        policy,
        users,
        frozenset(canonical_id(i) for i in exclude_owner_ids),
        frozenset(),
    )
    reasons: list[str] = []
    day = _local_day(now, policy.timezone)
    owner, new_state, rule, is_fallback = _route(ctx, state._on_day(day), reasons)
    return Assignment(owner, rule.name if rule else None, tuple(reasons), new_state, is_fallback)


def next_eligible(
    lead_fields: Mapping[str, object],
    policy: RoutingPolicy,
    users: Mapping[str, User],
    state: RoutingState,
    now: datetime,
    *,
    current_owner_id: str,
    exclude_owner_ids: frozenset[str] = frozenset(),
) -> Assignment:
    """Reassignment after an SLA breach: route again, never to `current_owner_id`.

    When someone else is chosen, the current owner's open-lead count drops by one.
    """
    current = canonical_id(current_owner_id)
    ctx = _Context(
        lead_fields,
        policy,
        users,
        frozenset(canonical_id(i) for i in exclude_owner_ids),
        frozenset({current}),
    )
    reasons: list[str] = []
    day = _local_day(now, policy.timezone)
    owner, new_state, rule, is_fallback = _route(ctx, state._on_day(day), reasons)
    if owner != current:
        new_state = new_state._release(current)
    return Assignment(owner, rule.name if rule else None, tuple(reasons), new_state, is_fallback)


# --- the policy YAML --------------------------------------------------------------------

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
                s for n in names for c in scopes if (s := _canonical_state(c, n)) is not None
            )
            labels.append("state " + "/".join(sorted(states)))
    if "postal_prefix" in raw:
        values = _string_list(raw["postal_prefix"], f"{path}.postal_prefix", errors)
        if values is not None:
            prefixes = tuple(p for p in (_canonical_postal(v) for v in values) if p)
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
