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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from syncd.domain.conditions import Condition, describe, matches
from syncd.domain.geo import canonical_country, canonical_id, canonical_postal, canonical_state
from syncd.domain.model import User
from syncd.domain.routing_state import Assignment, RoutingState

__all__ = [
    "Pool",
    "PoolMember",
    "RoutingPolicy",
    "RoutingRule",
    "Target",
    "Territory",
    "TerritoryEntry",
    "ToPool",
    "ToQueue",
    "ToUser",
    "assign",
    "canonical_country",
    "next_eligible",
    "sales_user_ids",
]


# --- ids, countries and states ---------------------------------------------------------


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
    states = {canonical_state(country, raw_state), canonical_state(None, raw_state)} - {None}
    postal = canonical_postal(fields.get(territory.postal_code_field))
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


def sales_user_ids(policy: RoutingPolicy) -> frozenset[str]:
    """The users routing hands leads to (pool members, user targets), as canonical ids: the
    reps whose own lead, set to MQL by themselves, keeps its owner."""

    def of(target: Target) -> set[str]:
        if isinstance(target, ToUser):
            return {target.user_id}
        if isinstance(target, ToPool):
            pool = policy.pools.get(target.pool)
            return set() if pool is None else {m.user_id for m in pool.members}
        if isinstance(target, Territory):
            return set().union(*(of(e.target) for e in target.entries))
        return set()

    ids = set().union(*(of(rule.target) for rule in policy.rules))
    ids |= {m.user_id for pool in policy.pools.values() for m in pool.members}
    return frozenset(canonical_id(i) for i in ids)


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
