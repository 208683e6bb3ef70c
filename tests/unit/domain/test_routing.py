"""Assignment routing: first matching rule wins, never an ineligible rep, fair round robin."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.domain.geo import canonical_country, canonical_id
from syncd.domain.model import User
from syncd.domain.policy.errors import ConfigError
from syncd.domain.policy.routing import parse_routing
from syncd.domain.routing import RoutingPolicy, assign, next_eligible
from syncd.domain.routing_state import Assignment, RoutingState

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=NEW_YORK)

ALICE = "0055e000004Q1aBAAS"
BOB = "0055e000004Q1aCAAS"
CAROL = "0055e000004Q1aDAAS"
DAN = "0055e000004Q1aEAAS"
ERIN = "0055e000004Q1aFAAS"
INBOUND_QUEUE = "00G5e000001XyZaEAK"
FALLBACK_QUEUE = "00G5e000001XyZbEAK"
PARTNER_QUEUE = "00G5e000001XyZcEAK"
DACH_QUEUE = "00G5e000001XyZdEAK"
WEST_QUEUE = "00G5e000001XyZeEAK"

TEAM = {
    ALICE: User(ALICE, "Alice Ng"),
    BOB: User(BOB, "Bob Ortiz"),
    CAROL: User(CAROL, "Carol Weiss"),
    DAN: User(DAN, "Dan Price"),
    ERIN: User(ERIN, "Erin Cole"),
    INBOUND_QUEUE: User(INBOUND_QUEUE, "Inbound Queue", is_queue=True),
}


def make_policy(**overrides: object) -> RoutingPolicy:
    """A typical B2B routing policy, built through the parser."""
    raw: dict[str, object] = {
        "timezone": "America/New_York",
        "fallback_queue": FALLBACK_QUEUE,
        "pools": {
            "inbound": {"members": [ALICE, BOB]},
            "west": {"members": [{"user": CAROL, "weight": 2}, {"user": DAN}]},
        },
        "rules": [
            {
                "name": "Named accounts",
                "when": {"field": "company", "in": ["Acme Corp", "Globex"]},
                "to": {"user": ERIN},
            },
            {
                "name": "Partners",
                "when": {"field": "lead_source", "equals": "Partner Referral"},
                "to": {"queue": PARTNER_QUEUE},
            },
            {
                "name": "Territories",
                "when": {"not": {"field": "country", "blank": True}},
                "to": {
                    "territory": [
                        {"country": "US", "state": ["California", "OR", "WA"], "pool": "west"},
                        {"country": "US", "postal_prefix": ["100", "1002"], "user": BOB},
                        {"country": ["Germany", "AT", "CH"], "queue": DACH_QUEUE},
                    ]
                },
                "fallback_queue": WEST_QUEUE,
            },
            {"name": "Everyone else", "to": {"pool": "inbound"}},
        ],
    }
    raw.update(overrides)
    errors: list[ConfigError] = []
    policy = parse_routing(raw, "routing", errors)
    assert errors == []
    assert policy is not None
    return policy


def pool_policy(members: list[object], **pool: object) -> RoutingPolicy:
    """One rule: everything goes round robin to one pool."""
    return make_policy(
        pools={"sdr": {"members": members, **pool}},
        rules=[{"name": "Round robin", "to": {"pool": "sdr"}, "fallback_queue": INBOUND_QUEUE}],
    )


def route(
    lead: Mapping[str, object],
    policy: RoutingPolicy | None = None,
    users: Mapping[str, User] = TEAM,
    state: RoutingState | None = None,
    **kwargs: frozenset[str],
) -> Assignment:
    return assign(lead, policy or make_policy(), users, state or RoutingState(), NOW, **kwargs)


# --- which rule and target ------------------------------------------------------------

TARGET_CASES = [
    ("a named account goes to its user", {"company": "acme corp"}, ERIN, "Named accounts"),
    (
        "a partner lead goes to the queue",
        {"lead_source": "Partner Referral"},
        PARTNER_QUEUE,
        "Partners",
    ),
    ("a californian goes to the west pool", {"country": "US", "state": "CA"}, CAROL, "Territories"),
    (
        "a german goes to the dach queue",
        {"country": "DE", "city": "Köln"},
        DACH_QUEUE,
        "Territories",
    ),
    ("the rest goes to the inbound pool", {"company": "Initech"}, ALICE, "Everyone else"),
]


@pytest.mark.parametrize(
    ("lead", "owner", "rule"),
    [case[1:] for case in TARGET_CASES],
    ids=[case[0] for case in TARGET_CASES],
)
def test_the_first_matching_rule_chooses_the_owner(
    lead: Mapping[str, object], owner: str, rule: str
) -> None:
    result = route(lead)

    assert (result.owner_id, result.rule_name, result.fallback) == (owner, rule, False)


def test_an_earlier_rule_wins_over_a_later_one() -> None:
    # A Californian named account matches both "Named accounts" and "Territories".
    result = route({"company": "Globex", "country": "US", "state": "CA"})

    assert result.rule_name == "Named accounts"


def test_the_reasons_name_the_rule_and_the_chosen_rep() -> None:
    result = route({"country": "US", "state": "CA"})

    assert result.reasons == (
        "rule 'Territories' (not country is blank): territory US state CA/OR/WA",
        f"round robin in pool 'west': Carol Weiss ({CAROL}) (weight 2, 2 eligible)",
    )


TERRITORY_CASES = [
    ("country and state codes", {"country": "US", "state": "OR"}, "west pool"),
    ("country and state names", {"country": "United States", "state": "oregon"}, "west pool"),
    ("three-letter country code", {"country": "usa", "state": "Washington"}, "west pool"),
    ("a non-english country name is not known", {"country": "Österreich"}, "no territory"),
    ("country code in a country list", {"country": "at"}, "dach queue"),
    ("postal prefix", {"country": "US", "state": "NY", "postal_code": "10018"}, "bob"),
    ("zip+4 code with a dash", {"country": "US", "postal_code": "10025-1234"}, "bob"),
    ("postal code outside every prefix", {"country": "US", "postal_code": "94105"}, "no territory"),
    (
        "postal prefix beats a state match",
        {"country": "US", "state": "CA", "postal_code": "10001"},
        "bob",
    ),
    ("no location at all", {"company": "Initech"}, "no territory"),
]
TERRITORY_OWNERS = {"west pool": CAROL, "dach queue": DACH_QUEUE, "bob": BOB, "no territory": ALICE}


@pytest.mark.parametrize(
    ("lead", "expected"),
    [case[1:] for case in TERRITORY_CASES],
    ids=[case[0] for case in TERRITORY_CASES],
)
def test_territory_entries_match_codes_names_and_postal_prefixes(
    lead: Mapping[str, object], expected: str
) -> None:
    # "no territory" falls through to the next rule, the inbound pool (Alice first).
    assert route(lead).owner_id == TERRITORY_OWNERS[expected]


def test_the_longest_postal_prefix_wins_over_a_shorter_one() -> None:
    policy = make_policy(
        rules=[
            {
                "name": "UK",
                "to": {
                    "territory": {
                        "fields": {"postal_code": "zip"},
                        "entries": [
                            {"country": "GB", "postal_prefix": "SW", "user": ALICE},
                            {"country": "GB", "postal_prefix": "SW1A", "user": BOB},
                            {"country": "GB", "user": CAROL},
                        ],
                    }
                },
            }
        ]
    )

    owners = [
        route({"country": "United Kingdom", "zip": z}, policy).owner_id
        for z in ("SW1A 1AA", "SW7 2AZ", "EC1A 1BB")
    ]

    assert owners == [BOB, ALICE, CAROL]


@pytest.mark.parametrize("state", ["Bayern", "BY", "by"], ids=["state name", "code", "lower case"])
def test_a_state_entry_beats_a_country_only_entry(state: str) -> None:
    policy = make_policy(
        rules=[
            {
                "name": "Germany",
                "to": {
                    "territory": [
                        {"country": "DE", "user": ALICE},
                        {"country": "DE", "state": "Bayern", "user": CAROL},
                    ]
                },
            }
        ]
    )

    assert route({"country": "Germany", "state": state}, policy).owner_id == CAROL


def test_a_state_code_listed_without_a_country_matches_a_leads_state_name() -> None:
    policy = make_policy(
        rules=[{"name": "Texas", "to": {"territory": [{"state": "TX", "user": DAN}]}}]
    )

    assert route({"country": "United States", "state": "Texas"}, policy).owner_id == DAN


def test_a_lead_no_rule_matches_goes_to_the_default_fallback_queue() -> None:
    policy = make_policy(
        rules=[
            {
                "name": "Partners",
                "when": {"field": "lead_source", "equals": "Partner"},
                "to": {"queue": PARTNER_QUEUE},
            }
        ]
    )

    result = route({"lead_source": "Web"}, policy)

    assert (result.owner_id, result.rule_name, result.fallback) == (FALLBACK_QUEUE, None, True)
    assert result.reasons[-1].startswith("no routing rule matched")


# --- who is skipped, and why ----------------------------------------------------------

SKIP_CASES = [
    ("inactive", {ALICE: User(ALICE, "Alice Ng", active=False)}, {}, "inactive"),
    ("away", {ALICE: User(ALICE, "Alice Ng", away=True)}, {}, "away"),
    ("not a known user", {ALICE: None}, {}, "not a known user"),
    (
        "a queue in a pool",
        {ALICE: User(ALICE, "Alice Ng", is_queue=True)},
        {},
        "is a queue, not a rep",
    ),
    ("daily cap reached", {}, {"assigned_today": {ALICE: 3}}, "daily cap reached (3/3 today)"),
    (
        "open-lead cap reached",
        {},
        {"open_leads": {ALICE: 40}},
        "open-lead cap reached (40/40 open)",
    ),
]


@pytest.mark.parametrize(
    ("user_changes", "state_data", "reason"),
    [case[1:] for case in SKIP_CASES],
    ids=[case[0] for case in SKIP_CASES],
)
def test_an_ineligible_rep_is_skipped_with_the_reason(
    user_changes: Mapping[str, User | None], state_data: Mapping[str, object], reason: str
) -> None:
    users = {k: v for k, v in {**TEAM, **user_changes}.items() if v is not None}
    state = RoutingState.from_dict({"day": "2026-11-23", **state_data})
    policy = pool_policy([ALICE, BOB], daily_cap=3, open_cap=40)

    result = route({"company": "Initech"}, policy, users, state)

    assert result.owner_id == BOB
    assert f"skipped {_name(users, ALICE)}: {reason}" in result.reasons


def _name(users: Mapping[str, User], user_id: str) -> str:
    user = users.get(user_id)
    return f"{user.name} ({user_id})" if user else user_id


def test_a_member_cap_overrides_the_pool_cap() -> None:
    policy = pool_policy([{"user": ALICE, "daily_cap": 1}, BOB], daily_cap=10)
    state = RoutingState.from_dict({"day": "2026-11-23", "assigned_today": {ALICE: 1}})

    assert route({}, policy, state=state).owner_id == BOB


def test_when_everyone_is_ineligible_the_rules_fallback_queue_owns_the_lead() -> None:
    users = {**TEAM, ALICE: User(ALICE, active=False), BOB: User(BOB, away=True)}

    result = route({}, pool_policy([ALICE, BOB]), users)

    assert (result.owner_id, result.rule_name, result.fallback) == (
        INBOUND_QUEUE,
        "Round robin",
        True,
    )
    assert result.reasons[-1] == f"no eligible rep: fallback queue Inbound Queue ({INBOUND_QUEUE})"


def test_an_away_named_user_falls_back_to_the_policy_queue_without_a_rule_queue() -> None:
    users = {**TEAM, ERIN: User(ERIN, "Erin Cole", away=True)}

    result = route({"company": "Acme Corp"}, users=users)

    assert (result.owner_id, result.fallback) == (FALLBACK_QUEUE, True)
    assert f"skipped Erin Cole ({ERIN}): away" in result.reasons


def test_the_rep_who_let_the_lead_lapse_is_skipped_when_someone_else_is_eligible() -> None:
    result = route({}, pool_policy([ALICE, BOB]), exclude_owner_ids=frozenset({ALICE}))

    assert result.owner_id == BOB
    assert f"skipped Alice Ng ({ALICE}): let this lead lapse before" in result.reasons


def test_the_rep_who_let_the_lead_lapse_gets_it_when_no_one_else_is_eligible() -> None:
    users = {**TEAM, BOB: User(BOB, "Bob Ortiz", away=True)}

    result = route({}, pool_policy([ALICE, BOB]), users, exclude_owner_ids=frozenset({ALICE}))

    assert (result.owner_id, result.fallback) == (ALICE, False)
    assert "only a rep who let this lead lapse before is eligible" in result.reasons


def test_an_excluded_owner_given_as_a_15_character_id_is_still_recognised() -> None:
    result = route({}, pool_policy([ALICE, BOB]), exclude_owner_ids=frozenset({ALICE[:15]}))

    assert result.owner_id == BOB


# --- state: caps, days, persistence ---------------------------------------------------


def test_assigning_counts_the_lead_against_the_reps_caps() -> None:
    state = RoutingState().with_open_leads({ALICE: 7})

    result = route({}, pool_policy([ALICE, BOB]), state=state)

    assert result.state.assigned_today == {ALICE: 1}
    assert result.state.open_leads == {ALICE: 8}
    assert result.state.day == "2026-11-23"


def test_daily_caps_reset_at_local_midnight_of_the_policy_time_zone() -> None:
    policy = pool_policy([ALICE], daily_cap=1)
    late = datetime(2026, 11, 23, 23, 30, tzinfo=NEW_YORK)
    first = assign({}, policy, TEAM, RoutingState(), late)

    same_day = assign({}, policy, TEAM, first.state, late + timedelta(minutes=20))
    next_day = assign({}, policy, TEAM, first.state, late + timedelta(minutes=40))

    assert (first.owner_id, same_day.owner_id, next_day.owner_id) == (
        ALICE,
        INBOUND_QUEUE,
        ALICE,
    )


def test_a_rep_removed_from_the_pool_loses_their_round_robin_credit() -> None:
    state = RoutingState.from_dict({"credits": {"sdr": {ALICE: 1, CAROL: 3}}})

    result = route({}, pool_policy([ALICE, BOB]), state=state)

    assert result.state.credits == {"sdr": {ALICE: 0, BOB: 1}}


def test_routing_state_survives_a_json_round_trip() -> None:
    state = RoutingState.from_dict(
        {
            "credits": {"sdr": {ALICE: -2, BOB: 2}},
            "day": "2026-11-23",
            "assigned_today": {ALICE: 4},
            "open_leads": {ALICE: 12, BOB: 9},
        }
    )

    assert RoutingState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@pytest.mark.parametrize(
    "data",
    [{"credits": [1, 2]}, {"open_leads": {ALICE: "many"}}, {"day": 20261123}],
    ids=["credits not a mapping", "count not a number", "day not text"],
)
def test_routing_state_refuses_malformed_data(data: Mapping[str, object]) -> None:
    with pytest.raises(TypeError, match="routing state"):
        RoutingState.from_dict(data)


def test_assign_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        assign({}, make_policy(), TEAM, RoutingState(), datetime(2026, 11, 23, 10, 30))


# --- reassignment after an SLA breach --------------------------------------------------


def test_next_eligible_moves_the_lead_to_another_rep_and_releases_the_old_owner() -> None:
    state = RoutingState().with_open_leads({ALICE: 5, BOB: 2})

    result = next_eligible({}, pool_policy([ALICE, BOB]), TEAM, state, NOW, current_owner_id=ALICE)

    assert result.owner_id == BOB
    assert result.state.open_leads == {ALICE: 4, BOB: 3}
    assert f"skipped Alice Ng ({ALICE}): current owner" in result.reasons


def test_next_eligible_never_returns_the_current_owner_even_if_alone() -> None:
    users = {**TEAM, BOB: User(BOB, "Bob Ortiz", active=False)}

    result = next_eligible(
        {}, pool_policy([ALICE, BOB]), users, RoutingState(), NOW, current_owner_id=ALICE
    )

    assert (result.owner_id, result.fallback) == (INBOUND_QUEUE, True)


# --- ids and countries ----------------------------------------------------------------


def test_a_15_character_id_gets_salesforces_checksum_suffix() -> None:
    assert canonical_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"


def test_a_policy_written_with_15_character_ids_matches_18_character_users() -> None:
    policy = make_policy(rules=[{"name": "Erin", "to": {"user": ERIN[:15]}}])

    assert route({}, policy).owner_id == ERIN


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("US", "US"),
        ("u.s.a.", "US"),
        ("United States of America", "US"),
        ("UK", "GB"),
        ("deutschland", "DEUTSCHLAND"),
        (" germany ", "DE"),
        ("", None),
    ],
    ids=[
        "code",
        "dotted three letters",
        "long name",
        "common alias",
        "unknown name is kept",
        "name with spaces",
        "blank",
    ],
)
def test_canonical_country(raw: str, code: str | None) -> None:
    assert canonical_country(raw) == code


# --- the policy YAML ------------------------------------------------------------------

PARSE_ERROR_CASES: list[tuple[str, Mapping[str, object], str, str]] = [
    ("missing fallback queue", {"fallback_queue": None}, "r.fallback_queue", "Salesforce queue id"),
    ("bad time zone", {"timezone": "Eastern"}, "r.timezone", "unknown time zone"),
    ("unknown key", {"round_robin": True}, "r", "unknown key"),
    ("no rules", {"rules": []}, "r.rules", "non-empty list"),
    (
        "pool without members",
        {"pools": {"sdr": {"members": []}}},
        "r.pools.sdr.members",
        "non-empty",
    ),
    (
        "zero weight",
        {"pools": {"sdr": {"members": [{"user": ALICE, "weight": 0}]}}},
        "r.pools.sdr.members[0].weight",
        ">= 1",
    ),
    (
        "negative cap",
        {"pools": {"sdr": {"members": [ALICE], "daily_cap": -1}}},
        "r.pools.sdr.daily_cap",
        ">= 0",
    ),
    (
        "member twice",
        {"pools": {"sdr": {"members": [ALICE, ALICE]}}},
        "r.pools.sdr.members[1].user",
        "twice",
    ),
    (
        "not an id",
        {"pools": {"sdr": {"members": [{"user": "alice@example.com"}]}}},
        "r.pools.sdr.members[0].user",
        "15- or 18-character",
    ),
    (
        "unknown pool",
        {"rules": [{"name": "x", "to": {"pool": "nobody"}}]},
        "r.rules[0].to.pool",
        "unknown pool",
    ),
    (
        "two targets",
        {"rules": [{"name": "x", "to": {"user": ALICE, "queue": DACH_QUEUE}}]},
        "r.rules[0].to",
        "exactly one",
    ),
    ("rule without a target", {"rules": [{"name": "x"}]}, "r.rules[0].to", "required"),
    ("rule without a name", {"rules": [{"to": {"user": ALICE}}]}, "r.rules[0].name", "non-empty"),
    (
        "bad condition",
        {"rules": [{"name": "x", "when": {"field": "title"}, "to": {"user": ALICE}}]},
        "r.rules[0].when",
        "needs one test",
    ),
    (
        "duplicate rule names",
        {"rules": [{"name": "x", "to": {"user": ALICE}}, {"name": "x", "to": {"user": BOB}}]},
        "r.rules[1].name",
        "duplicate",
    ),
    (
        "territory entry without target",
        {"rules": [{"name": "x", "to": {"territory": [{"country": "US"}]}}]},
        "r.rules[0].to.territory[0]",
        "exactly one",
    ),
    (
        "territory entry with a typo",
        {"rules": [{"name": "x", "to": {"territory": [{"contry": "US", "user": ALICE}]}}]},
        "r.rules[0].to.territory[0]",
        "unknown key",
    ),
    (
        "unknown territory field",
        {
            "rules": [
                {
                    "name": "x",
                    "to": {"territory": {"fields": {"zip": "zip"}, "entries": [{"user": ALICE}]}},
                }
            ]
        },
        "r.rules[0].to.territory.fields",
        "lead field names",
    ),
]


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [case[1:] for case in PARSE_ERROR_CASES],
    ids=[case[0] for case in PARSE_ERROR_CASES],
)
def test_parse_routing_reports_the_problem_at_its_path(
    override: Mapping[str, object], path: str, message: str
) -> None:
    raw: dict[str, object] = {
        "fallback_queue": FALLBACK_QUEUE,
        "pools": {"inbound": {"members": [ALICE, BOB]}},
        "rules": [{"name": "All", "to": {"pool": "inbound"}}],
    }
    raw.update(override)
    errors: list[ConfigError] = []

    assert parse_routing(raw, "r", errors) is None
    assert [e.path for e in errors] == [path]
    assert message in errors[0].message


def test_parse_routing_reports_every_error_at_once() -> None:
    errors: list[ConfigError] = []
    raw = {
        "fallback_queue": "none",
        "pools": {"sdr": {"members": [{"user": ALICE, "weight": "heavy"}]}},
        "rules": [{"name": "x", "to": {"queue": "support"}}, {"name": "y"}],
    }

    assert parse_routing(raw, "routing", errors) is None
    assert {e.path for e in errors} == {
        "routing.fallback_queue",
        "routing.pools.sdr.members[0].weight",
        "routing.rules[0].to.queue",
        "routing.rules[1].to",
    }


# --- properties -----------------------------------------------------------------------

REPS = [canonical_id(f"0055e000004R{n:03d}") for n in range(8)]
reps = st.integers(min_value=2, max_value=6).map(lambda n: REPS[:n])


def run(
    policy: RoutingPolicy, users: Mapping[str, User], leads: int, state: RoutingState | None = None
) -> tuple[list[str], RoutingState]:
    owners: list[str] = []
    state = state or RoutingState()
    for _ in range(leads):
        result = assign({}, policy, users, state, NOW)
        owners.append(result.owner_id)
        state = result.state
    return owners, state


@settings(max_examples=60, deadline=None)
@given(members=reps, leads=st.integers(min_value=1, max_value=60))
def test_equal_weight_round_robin_without_caps_differs_by_at_most_one(
    members: list[str], leads: int
) -> None:
    users = {r: User(r) for r in members}

    owners, _ = run(pool_policy(list(members)), users, leads)

    counts = [Counter(owners)[r] for r in members]
    assert max(counts) - min(counts) <= 1


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=1, max_value=5), min_size=2, max_size=5),
    cycles=st.integers(min_value=1, max_value=3),
)
def test_weights_are_respected_over_full_cycles(weights: list[int], cycles: int) -> None:
    members = REPS[: len(weights)]
    users = {r: User(r) for r in members}
    policy = pool_policy([{"user": r, "weight": w} for r, w in zip(members, weights, strict=True)])

    owners, _ = run(policy, users, sum(weights) * cycles)

    counts = Counter(owners)
    assert all(abs(counts[r] - w * cycles) <= 1 for r, w in zip(members, weights, strict=True))


@settings(max_examples=80, deadline=None)
@given(
    flags=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=6),
    leads=st.integers(min_value=1, max_value=20),
)
def test_an_inactive_or_away_rep_is_never_chosen(
    flags: list[tuple[bool, bool]], leads: int
) -> None:
    members = REPS[: len(flags)]
    users = {r: User(r, active=a, away=w) for r, (a, w) in zip(members, flags, strict=True)}
    unavailable = {r for r, u in users.items() if not u.active or u.away}

    owners, _ = run(pool_policy(list(members), daily_cap=5), users, leads)

    assert not unavailable.intersection(owners)
    if len(unavailable) == len(members):
        assert set(owners) == {INBOUND_QUEUE}


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=1, max_value=4), min_size=2, max_size=5),
    before=st.integers(min_value=0, max_value=12),
    after=st.integers(min_value=1, max_value=12),
)
def test_a_restart_with_the_saved_state_continues_the_same_sequence(
    weights: list[int], before: int, after: int
) -> None:
    members = REPS[: len(weights)]
    users = {r: User(r) for r in members}
    policy = pool_policy([{"user": r, "weight": w} for r, w in zip(members, weights, strict=True)])

    uninterrupted, _ = run(policy, users, before + after)
    first, saved = run(policy, users, before)
    restored = RoutingState.from_dict(json.loads(json.dumps(saved.to_dict())))
    second, _ = run(policy, users, after, restored)

    assert first + second == uninterrupted
