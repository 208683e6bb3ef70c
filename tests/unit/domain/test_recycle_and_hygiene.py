"""Recycle rules and hysteresis; LeadSource standardisation and email flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from domain_builders import NURTURE_Q, ny, policy_data

from syncd.domain.hygiene import (
    DUPLICATE_EMAIL,
    INVALID_EMAIL,
    HygienePolicy,
    email_flags,
    is_valid_email,
    standard_lead_source,
)
from syncd.domain.model import LeadState, Stage
from syncd.domain.policy.errors import ConfigError
from syncd.domain.policy.hygiene import parse_hygiene
from syncd.domain.policy.recycle import parse_recycle
from syncd.domain.recycle import RecyclePolicy, recycle_reason, requalify_reason


def recycle_policy(**changes: Any) -> RecyclePolicy:
    raw = policy_data()["recycle"]
    raw.update(changes)
    errors: list[ConfigError] = []
    parsed = parse_recycle(raw, "recycle", errors)
    assert errors == []
    assert parsed is not None
    return parsed


POLICY = recycle_policy()
HANDED_OFF = LeadState(stage=Stage.SAL, handoff_at=ny(2, 10))

RECYCLE = [
    (
        "no touch for 14 days since handoff",
        Stage.SAL,
        None,
        False,
        ny(16, 10),
        "no owner touch for 14 days (since handoff)",
    ),
    ("13 days is not yet stale", Stage.SAL, None, False, ny(15, 10), None),
    (
        "no touch for 14 days since the last touch",
        Stage.SAL,
        ny(4, 10),
        False,
        ny(18, 10),
        "no owner touch for 14 days (since last owner touch)",
    ),
    ("a recent touch keeps it", Stage.SAL, ny(10, 10), False, ny(18, 10), None),
    (
        "working window missed",
        Stage.MQL,
        ny(3, 10),
        True,
        ny(5, 10),
        "working window ended without the required touches",
    ),
    (
        "marked could not reach",
        Stage.COULD_NOT_REACH,
        ny(3, 10),
        False,
        ny(3, 11),
        "marked could not reach",
    ),
    ("SQL is not in applies_to", Stage.SQL, None, True, ny(30, 10), None),
]


@pytest.mark.parametrize(
    ("stage", "last_touch", "window_missed", "now", "why"),
    [c[1:] for c in RECYCLE],
    ids=[c[0] for c in RECYCLE],
)
def test_recycle_reason(
    stage: Stage, last_touch: datetime | None, window_missed: bool, now: datetime, why: str | None
) -> None:
    assert recycle_reason(stage, HANDED_OFF, last_touch, window_missed, now, POLICY) == why


RECYCLED = LeadState(stage=Stage.RECYCLED, peak_score=90, recycled_at=ny(10, 12))

REQUALIFY = [
    ("above its previous peak", 91, None, "score 91 above previous peak 90"),
    ("at its peak without new engagement is held", 90, ny(9, 12), None),
    (
        "new engagement since the recycle",
        85,
        ny(11, 9),
        "new engagement on 2026-11-11 since the recycle",
    ),
    ("engagement before the recycle is not new", 85, ny(10, 11), None),
]


@pytest.mark.parametrize(
    ("total", "last_engagement", "why"), [c[1:] for c in REQUALIFY], ids=[c[0] for c in REQUALIFY]
)
def test_requalify_hysteresis(
    total: int, last_engagement: datetime | None, why: str | None
) -> None:
    assert requalify_reason(RECYCLED, total, last_engagement, POLICY) == why


def test_a_lead_first_seen_in_sales_hands_goes_stale_from_its_stage_entry() -> None:
    adopted = LeadState(stage=Stage.SAL, stage_entered_at=ny(2, 10))
    why = recycle_reason(Stage.SAL, adopted, None, False, ny(16, 10), POLICY)
    assert why == "no owner touch for 14 days (since stage entry)"


def test_requalify_rules_can_be_switched_off() -> None:
    strict = recycle_policy(requalify={"above_peak": True, "new_engagement": False})
    assert requalify_reason(RECYCLED, 85, ny(11, 9), strict) is None


def test_recycle_errors_are_reported_with_paths() -> None:
    errors: list[ConfigError] = []
    raw = {"applies_to": ["new", "mql"], "max_recycles": -1, "requalify": {"peak": True}}
    assert parse_recycle(raw, "recycle", errors) is None
    assert [f"{e.path}: {e.message}" for e in errors] == [
        "recycle.nurture_owner: is required",
        "recycle.applies_to: only qualified stages (mql, sal, sql, could_not_reach) "
        "can be recycled",
        "recycle.max_recycles: must be at least 0",
        "recycle.requalify.peak: unknown key; expected one of ['above_peak', 'new_engagement']",
    ]


def test_nurture_owner_is_kept_as_written() -> None:
    assert POLICY.nurture_owner == NURTURE_Q


# --- hygiene ---------------------------------------------------------------------------------


def hygiene(**changes: Any) -> HygienePolicy:
    raw: dict[str, Any] = {
        "lead_source_map": {"Web": ["web", "website", "organic"], "Paid Search": ["google ads"]}
    }
    raw.update(changes)
    errors: list[ConfigError] = []
    parsed = parse_hygiene(raw, "hygiene", errors)
    assert errors == []
    assert parsed is not None
    return parsed


SOURCES = [
    ("variant maps to its standard value", "website", "Web"),
    ("matching ignores case and spaces", "  Google Ads ", "Paid Search"),
    ("the standard value in another case is corrected", "WEB", "Web"),
    ("an already standard value is left alone", "Web", None),
    ("an unknown value is left alone", "Carrier pigeon", None),
    ("a blank value is left alone", "", None),
    ("no value is left alone", None, None),
]


@pytest.mark.parametrize(
    ("value", "standard"), [c[1:] for c in SOURCES], ids=[c[0] for c in SOURCES]
)
def test_lead_source_is_standardised(value: str | None, standard: str | None) -> None:
    assert standard_lead_source(value, hygiene()) == standard


EMAILS = [
    ("ordinary address", "dana.reyes@northwind.example", True),
    ("plus addressing", "dana+leads@northwind.co.uk", True),
    ("missing @", "dana.northwind.example", False),
    ("two @", "dana@@northwind.example", False),
    ("no domain dot", "dana@localhost", False),
    ("space inside", "dana reyes@northwind.example", False),
    ("one-letter TLD", "dana@northwind.e", False),
]


@pytest.mark.parametrize(("email", "valid"), [c[1:] for c in EMAILS], ids=[c[0] for c in EMAILS])
def test_email_validity(email: str, valid: bool) -> None:
    assert is_valid_email(email) is valid


def test_invalid_and_duplicate_emails_are_flagged() -> None:
    others = frozenset({"dana@northwind.example"})
    assert email_flags(" Dana@Northwind.example ", others, hygiene()) == (DUPLICATE_EMAIL,)
    assert email_flags("dana@", others, hygiene()) == (INVALID_EMAIL,)
    assert email_flags("ok@acme.example", others, hygiene()) == ()
    assert email_flags(None, others, hygiene()) == ()


def test_flags_can_be_switched_off() -> None:
    quiet = hygiene(flag_invalid_email=False, flag_duplicate_email=False)
    assert email_flags("dana@", frozenset({"dana@"}), quiet) == ()


def test_a_variant_mapped_to_two_standards_is_an_error() -> None:
    errors: list[ConfigError] = []
    raw = {"lead_source_map": {"Web": ["online"], "Paid Search": ["online"]}}
    assert parse_hygiene(raw, "hygiene", errors) is None
    assert [f"{e.path}: {e.message}" for e in errors] == [
        "hygiene.lead_source_map.Paid Search: 'online' already maps to 'Web'"
    ]
