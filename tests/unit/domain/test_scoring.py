"""Scoring: every rule kind, the reasons text, grades, materiality, and its properties."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from domain_builders import TOKYO, activity, campaign_response, demo_request, ny, pricing_visit
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.domain.model import Activity, ActivityKind
from syncd.domain.policy.errors import ConfigError
from syncd.domain.policy.scoring import parse_scoring
from syncd.domain.scoring import (
    Contribution,
    Score,
    ScoringPolicy,
    is_material,
    render_reasons,
    score_lead,
)

NOW = ny(20, 12).astimezone(TOKYO)
VP = {"title": "VP Sales", "industry": "Software", "number_of_employees": 800}


def scoring(**section: Any) -> ScoringPolicy:
    raw: dict[str, Any] = {"fit": [], "engagement": []}
    raw.update(section)
    errors: list[ConfigError] = []
    policy = parse_scoring(raw, "scoring", errors)
    assert errors == []
    assert policy is not None
    return policy


def engagement(**rule: Any) -> ScoringPolicy:
    base: dict[str, Any] = {"name": "rule", "points": 10}
    base.update(rule)
    return scoring(engagement=[base])


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# --- engagement rule kinds ----------------------------------------------------------------

ENGAGEMENT_CASES: list[tuple[str, dict[str, Any], list[Activity], int]] = [
    (
        "activity type, points per occurrence",
        {"match": {"type": "Web Visit"}, "points": 5},
        [activity(days_ago(1)), activity(days_ago(2))],
        10,
    ),
    (
        "type compares case-insensitively",
        {"match": {"type": ["web visit"]}, "points": 5},
        [activity(days_ago(1))],
        5,
    ),
    (
        "subject regex",
        {"match": {"subject": "(?i)demo"}, "points": 30},
        [demo_request(days_ago(1)), activity(days_ago(1), subject="Newsletter")],
        30,
    ),
    (
        "URL pattern",
        {"match": {"url": "/pricing"}, "points": 10},
        [pricing_visit(days_ago(1)), activity(days_ago(1), url="https://x.example/blog/a")],
        10,
    ),
    (
        "Task or Event kind",
        {"match": {"kind": "Event"}, "points": 7},
        [activity(days_ago(1), kind=ActivityKind.EVENT), activity(days_ago(1))],
        7,
    ),
    (
        "cap per rule",
        {"match": {"type": "Web Visit"}, "points": 10, "cap": 25},
        [activity(days_ago(d)) for d in (1, 2, 3, 4)],
        25,
    ),
    (
        "negative points",
        {"match": {"subject": "(?i)unsubscribe"}, "points": -25},
        [activity(days_ago(1), type="Email", subject="Unsubscribed")],
        -25,
    ),
    (
        "negative cap limits the penalty",
        {"match": {"type": "Web Visit"}, "points": -10, "cap": 15},
        [activity(days_ago(1)), activity(days_ago(2))],
        -15,
    ),
    (
        "look-back window drops old activity",
        {"match": {"type": "Web Visit"}, "points": 10, "lookback_days": 30},
        [activity(days_ago(10)), activity(days_ago(31))],
        10,
    ),
    (
        "frequency rule met: 3 visits within 7 days",
        {
            "match": {"type": "Web Visit"},
            "points": 10,
            "frequency": {"at_least": 3, "within_days": 7},
        },
        [activity(days_ago(d)) for d in (1, 4, 7.5)],
        10,
    ),
    (
        "frequency rule not met: visits spread out",
        {
            "match": {"type": "Web Visit"},
            "points": 10,
            "frequency": {"at_least": 3, "within_days": 7},
        },
        [activity(days_ago(d)) for d in (1, 5, 12)],
        0,
    ),
    (
        "half-life decay halves points after one half-life",
        {"match": {"type": "Web Visit"}, "points": 20, "decay": {"half_life_days": 10}},
        [activity(days_ago(10))],
        10,
    ),
    (
        "expiry decay drops points after the expiry",
        {"match": {"type": "Web Visit"}, "points": 20, "decay": {"expire_after_days": 5}},
        [activity(days_ago(4)), activity(days_ago(6))],
        20,
    ),
    (
        "negative points do not decay",
        {"match": {"type": "Web Visit"}, "points": -20, "decay": {"half_life_days": 1}},
        [activity(days_ago(10))],
        -20,
    ),
    (
        "deleted activities do not count",
        {"match": {"type": "Web Visit"}, "points": 10},
        [activity(days_ago(1), is_deleted=True)],
        0,
    ),
    (
        "future-dated activities do not count yet",
        {"match": {"type": "Web Visit"}, "points": 10},
        [activity(NOW + timedelta(hours=2))],
        0,
    ),
]


@pytest.mark.parametrize(
    ("rule", "activities", "expected"),
    [(r, a, e) for _, r, a, e in ENGAGEMENT_CASES],
    ids=[i for i, _, _, _ in ENGAGEMENT_CASES],
)
def test_engagement_rule_kind(
    rule: dict[str, Any], activities: list[Activity], expected: int
) -> None:
    score = score_lead({}, activities, [], engagement(**rule), NOW)
    assert score.engagement == expected


CAMPAIGN_CASES = [
    ("member status matches", {"member_status": ["Attended"]}, "Attended", 15),
    ("other member status does not", {"member_status": ["Attended"]}, "Registered", 0),
    ("campaign type matches", {"campaign_type": "Webinar"}, "Attended", 15),
]


@pytest.mark.parametrize(
    ("match", "status", "expected"),
    [(m, s, e) for _, m, s, e in CAMPAIGN_CASES],
    ids=[i for i, _, _, _ in CAMPAIGN_CASES],
)
def test_campaign_member_status_rules(match: dict[str, Any], status: str, expected: int) -> None:
    policy = engagement(match={"source": "campaign", **match}, points=15)
    response = campaign_response(days_ago(2), status=status)
    assert score_lead({}, [], [response], policy, NOW).engagement == expected


# --- fit, totals, grades, reasons ---------------------------------------------------------

FIT = [
    {"name": "VP title", "when": {"field": "title", "regex": r"(?i)\bvp\b"}, "points": 20},
    {"name": "software", "when": {"field": "industry", "equals": "software"}, "points": 15},
    {"name": "students", "when": {"field": "title", "contains": "student"}, "points": -20},
]


def test_fit_adds_the_points_of_every_matching_rule() -> None:
    score = score_lead(VP, [], [], scoring(fit=FIT), NOW)
    assert (score.fit, score.engagement, score.total) == (35, 0, 35)


def test_fit_is_never_below_zero() -> None:
    score = score_lead({"title": "Student"}, [], [], scoring(fit=FIT), NOW)
    assert score.fit == 0
    assert score.reason == "+20 score limit, -20 students"


GRADES = [(75, "A"), (60, "A"), (59, "B"), (40, "B"), (20, "C"), (19, "D"), (0, "D")]


@pytest.mark.parametrize(("fit", "grade"), GRADES, ids=[f"fit {f} is {g}" for f, g in GRADES])
def test_grade_comes_from_fit(fit: int, grade: str) -> None:
    policy = scoring(
        grades={"A": 60, "B": 40, "C": 20, "D": 0},
        fit=[{"name": "fit", "when": {"field": "x", "blank": True}, "points": fit or 1}],
    )
    score = score_lead({} if fit else {"x": "set"}, [], [], policy, NOW)
    assert score.grade == grade


def test_reasons_list_top_contributions_with_counts_and_decay() -> None:
    policy = scoring(
        fit=[FIT[0]],
        engagement=[
            {
                "name": "pricing page",
                "match": {"url": "/pricing"},
                "points": 10,
                "decay": {"half_life_days": 10},
            },
            {"name": "competitor customer", "match": {"subject": "competitor"}, "points": -30},
        ],
    )
    activities = [
        pricing_visit(days_ago(10)),
        pricing_visit(days_ago(10)),
        activity(days_ago(3), type="Note", subject="competitor customer"),
    ]
    score = score_lead({"title": "VP Ops"}, activities, [], policy, NOW)
    assert score.reason == "-30 competitor customer, +20 VP title, +20 pricing page x2, -10 decay"
    assert score.total == 0
    assert sum(c.points for c in score.contributions) == score.total


def test_reasons_are_cut_to_whole_items_within_the_field_length() -> None:
    contributions = [Contribution(f"signal number {i}", 10 - i) for i in range(10)]
    text = render_reasons(contributions, 60)
    assert text == "+10 signal number 0, +9 signal number 1, +8 signal number 2"
    assert len(text) <= 60


def test_a_lead_without_signals_says_so() -> None:
    assert score_lead({}, [], [], scoring(), NOW).reason == "no scoring signals"


def test_last_engagement_is_the_latest_positive_activity() -> None:
    policy = scoring(
        engagement=[
            {"name": "visit", "match": {"type": "Web Visit"}, "points": 5},
            {"name": "unsub", "match": {"type": "Email"}, "points": -5},
        ]
    )
    activities = [activity(days_ago(3)), activity(days_ago(1), type="Email")]
    assert score_lead({}, activities, [], policy, NOW).last_engagement_at == days_ago(3)


# --- materiality --------------------------------------------------------------------------

POLICY = scoring(
    grades={"A": 60, "B": 40, "C": 20, "D": 0}, materiality={"min_delta": 5, "thresholds": [50]}
)


def _score(total: int, grade: str) -> Score:
    return Score(fit=0, engagement=0, total=total, grade=grade, reason="")


MATERIALITY = [
    ("first score is always written", None, None, 40, "B", "first score"),
    ("grade change", 41, "B", 39, "C", "grade B -> C"),
    ("change of min_delta", 30, "C", 35, "C", "changed by +5"),
    ("small drift is immaterial", 30, "C", 33, "C", None),
    ("small change crossing a threshold", 48, "C", 51, "C", "crossed 50"),
    ("small change crossing the MQL line", 78, "C", 80, "C", "crossed 80"),
    ("small drop crossing a threshold", 51, "C", 49, "C", "crossed 50"),
]


@pytest.mark.parametrize(
    ("old", "old_grade", "new", "new_grade", "why"),
    [c[1:] for c in MATERIALITY],
    ids=[c[0] for c in MATERIALITY],
)
def test_materiality(
    old: float | None, old_grade: str | None, new: int, new_grade: str, why: str | None
) -> None:
    assert is_material(old, old_grade, _score(new, new_grade), POLICY, (80,)) == why


# --- parsing -----------------------------------------------------------------------------


def test_every_scoring_error_is_reported_with_its_path() -> None:
    errors: list[ConfigError] = []
    raw = {
        "fit": [
            {"name": "ok", "when": {"field": "title", "contains": "vp"}, "points": 10},
            {"name": "bad points", "when": {"field": "title", "contains": "vp"}, "points": "ten"},
            {"name": "no when", "points": 5},
        ],
        "engagement": [
            {"name": "bad url", "match": {"url": "(pricing"}, "points": 5},
            {
                "name": "campaign key on activity",
                "match": {"member_status": "Attended"},
                "points": 5,
            },
            {
                "name": "freq + cap",
                "match": {"type": "Web Visit"},
                "points": 5,
                "cap": 5,
                "frequency": {"at_least": 3, "within_days": 7},
            },
            {"name": "zero", "match": {"type": "Web Visit"}, "points": 0},
        ],
        "decay": {"half_life_days": -1},
        "grades": {"A": "high"},
    }
    assert parse_scoring(raw, "scoring", errors) is None
    assert [e.render("policy.yaml") for e in errors] == [
        "policy.yaml: scoring.grades.A: must be the grade's minimum fit score",
        "policy.yaml: scoring.decay.half_life_days: must be greater than 0",
        "policy.yaml: scoring.fit[1].points: must be a number",
        "policy.yaml: scoring.fit[2].when: is required",
        "policy.yaml: scoring.engagement[0].match.url: invalid regular expression: "
        "missing ), unterminated subpattern at position 0",
        "policy.yaml: scoring.engagement[1].match: ['member_status'] need source: campaign",
        "policy.yaml: scoring.engagement[2].cap: a frequency rule scores once; drop the cap",
        "policy.yaml: scoring.engagement[3].points: must not be 0",
    ]


# --- properties ----------------------------------------------------------------------------

RULES = [
    {"name": "visit", "match": {"type": "Web Visit"}, "points": 4, "cap": 40, "lookback_days": 90},
    {"name": "pricing", "match": {"url": "/pricing"}, "points": 12, "cap": 24},
    {"name": "demo", "match": {"type": "Form Fill"}, "points": 30},
    {
        "name": "burst",
        "match": {"type": "Web Visit"},
        "points": 10,
        "frequency": {"at_least": 3, "within_days": 7},
    },
    {"name": "unsub", "match": {"type": "Email"}, "points": -25, "cap": 25},
]
POSITIVE_RULES = [r for r in RULES if r["points"] > 0]
FIT_RULES = [
    {"name": "vp", "when": {"field": "title", "contains": "vp"}, "points": 60},
    {"name": "big", "when": {"field": "number_of_employees", "min": 1000}, "points": 50},
    {"name": "student", "when": {"field": "title", "contains": "student"}, "points": -30},
]
WITH_DECAY = scoring(fit=FIT_RULES, engagement=RULES, decay={"half_life_days": 14})
WITHOUT_DECAY = scoring(fit=FIT_RULES, engagement=RULES)
POSITIVE_WITH_DECAY = scoring(
    fit=FIT_RULES, engagement=POSITIVE_RULES, decay={"half_life_days": 14}
)

activity_strategy = st.builds(
    lambda age, kind, pricing: activity(
        NOW - timedelta(hours=age),
        type=kind,
        url="https://x.example/pricing" if pricing else None,
    ),
    st.floats(min_value=0, max_value=24 * 200, allow_nan=False),
    st.sampled_from(["Web Visit", "Form Fill", "Email", "Call"]),
    st.booleans(),
)
fields_strategy = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["VP Sales", "Student", "Engineer", "", None]),
        "number_of_employees": st.one_of(st.none(), st.integers(0, 100_000)),
    }
)


@settings(max_examples=150, deadline=None)
@given(fields=fields_strategy, activities=st.lists(activity_strategy, max_size=40))
def test_scores_are_deterministic_and_within_bounds(
    fields: dict[str, Any], activities: list[Activity]
) -> None:
    first = score_lead(fields, activities, [], WITH_DECAY, NOW)
    again = score_lead(fields, list(reversed(activities)), [], WITH_DECAY, NOW)
    assert first == again
    assert 0 <= first.fit <= WITH_DECAY.max_fit
    assert -WITH_DECAY.max_fit <= first.engagement <= WITH_DECAY.max_engagement
    assert 0 <= first.total <= WITH_DECAY.max_total
    assert sum(c.points for c in first.contributions) == first.total
    assert len(first.reason) <= WITH_DECAY.reason_max_length


@settings(max_examples=150, deadline=None)
@given(fields=fields_strategy, activities=st.lists(activity_strategy, max_size=40))
def test_decay_never_raises_a_score(fields: dict[str, Any], activities: list[Activity]) -> None:
    decayed = score_lead(fields, activities, [], WITH_DECAY, NOW)
    undecayed = score_lead(fields, activities, [], WITHOUT_DECAY, NOW)
    assert decayed.total <= undecayed.total
    assert all(c.points <= 0 for c in decayed.contributions if c.name == "decay")


@settings(max_examples=100, deadline=None)
@given(
    fields=fields_strategy,
    activities=st.lists(activity_strategy, max_size=30),
    later=st.floats(min_value=0, max_value=24 * 100, allow_nan=False),
)
def test_without_new_activity_positive_scores_only_fall_as_time_passes(
    fields: dict[str, Any], activities: list[Activity], later: float
) -> None:
    now_score = score_lead(fields, activities, [], POSITIVE_WITH_DECAY, NOW)
    later_score = score_lead(
        fields, activities, [], POSITIVE_WITH_DECAY, NOW + timedelta(hours=later)
    )
    assert later_score.total <= now_score.total
