"""SLA: first-response due times by grade and priority, touches, breach, working window."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from domain_builders import ANA, BEN, TOKYO, activity, ny, policy_data
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.domain.calendar import is_business_time
from syncd.domain.model import ActivityKind
from syncd.domain.policy.errors import ConfigError
from syncd.domain.policy.sla import parse_sla
from syncd.domain.sla import SlaPolicy, first_response_due, owner_touches, sla_status


def sla(**changes: Any) -> SlaPolicy:
    raw = policy_data()["sla"]
    raw.update(changes)
    errors: list[ConfigError] = []
    parsed = parse_sla(raw, "sla", errors)
    assert errors == []
    assert parsed is not None
    return parsed


POLICY = sla(
    first_response={
        "by_grade": {"A": "1h", "B": "4h"},
        "default": "1d",
        "priority_field": "rating",
        "by_priority": {"Hot": "30m"},
    }
)
CAL = POLICY.calendar
assert CAL is not None

DUE = [
    ("grade A: 1 business hour", "A", {}, ny(3, 10), ny(3, 11), "grade A: 1h business time"),
    ("grade B: 4 business hours", "B", {}, ny(3, 10), ny(3, 14), "grade B: 4h business time"),
    ("other grades: 1 business day", "C", {}, ny(3, 10), ny(4, 10), "default: 8h business time"),
    (
        "hot priority beats grade",
        "C",
        {"rating": "hot"},
        ny(3, 10),
        ny(3, 10, 30),
        "rating hot: 30m business time",
    ),
    ("after hours starts next morning", "A", {}, ny(3, 19), ny(4, 10), "grade A: 1h business time"),
    ("Friday evening lands Monday", "B", {}, ny(6, 16), ny(9, 12), "grade B: 4h business time"),
    ("weekend handoff lands Monday", "A", {}, ny(7, 12), ny(9, 10), "grade A: 1h business time"),
]


@pytest.mark.parametrize(
    ("grade", "fields", "handoff", "due", "why"), [c[1:] for c in DUE], ids=[c[0] for c in DUE]
)
def test_first_response_due(
    grade: str, fields: dict[str, object], handoff: datetime, due: datetime, why: str
) -> None:
    assert first_response_due(handoff.astimezone(TOKYO), grade, fields, POLICY, CAL) == (due, why)


TOUCHES = [
    ("a call by the owner counts", activity(ny(3, 10), type="Call", owner_id=ANA), True),
    ("an email by the owner counts", activity(ny(3, 10), type="Email", owner_id=ANA), True),
    (
        "a meeting (Event) by the owner counts",
        activity(ny(3, 10), type="Meeting", owner_id=ANA, kind=ActivityKind.EVENT),
        True,
    ),
    ("someone else's call does not", activity(ny(3, 10), type="Call", owner_id=BEN), False),
    ("a web visit is no touch", activity(ny(3, 10), type="Web Visit", owner_id=ANA), False),
    ("a call before the handoff does not", activity(ny(3, 8), type="Call", owner_id=ANA), False),
    (
        "a deleted call does not",
        activity(ny(3, 10), type="Call", owner_id=ANA, is_deleted=True),
        False,
    ),
]


@pytest.mark.parametrize(("act", "counts"), [c[1:] for c in TOUCHES], ids=[c[0] for c in TOUCHES])
def test_what_counts_as_an_owner_touch(act: Any, counts: bool) -> None:
    found = owner_touches([act], ANA, ny(3, 9), ny(4, 9), POLICY.touches)
    assert found == ([act.activity_date] if counts else [])


def test_no_touch_by_the_due_time_is_a_breach() -> None:
    status = sla_status(ny(3, 10), ny(3, 11), ANA, [], POLICY, CAL, ny(3, 11, 1))
    assert status.breached is True
    assert status.first_touch_at is None


def test_a_touch_before_the_due_time_meets_the_sla() -> None:
    call = activity(ny(3, 10, 40), type="Call", owner_id=ANA)
    status = sla_status(ny(3, 10), ny(3, 11), ANA, [call], POLICY, CAL, ny(3, 12))
    assert status.breached is False
    assert status.first_touch_at == ny(3, 10, 40)


def test_a_late_touch_is_still_a_breach() -> None:
    call = activity(ny(3, 11, 30), type="Call", owner_id=ANA)
    status = sla_status(ny(3, 10), ny(3, 11), ANA, [call], POLICY, CAL, ny(3, 12))
    assert status.breached is True
    assert status.first_touch_at == ny(3, 11, 30)


def test_working_window_missed_when_it_ends_short_of_required_touches() -> None:
    policy = sla(touches={"types": ["Call"], "required": 2, "window": "2d"})
    call = activity(ny(3, 11), type="Call", owner_id=ANA)
    during = sla_status(ny(3, 10), None, ANA, [call], policy, CAL, ny(5, 9, 59))
    after = sla_status(ny(3, 10), None, ANA, [call], policy, CAL, ny(5, 10))
    assert during.window_missed is False
    assert after.window_missed is True
    assert after.window_end == ny(5, 10)


def test_working_window_met_with_enough_touches() -> None:
    policy = sla(touches={"types": ["Call"], "required": 2, "window": "2d"})
    calls = [activity(ny(3, h), type="Call", owner_id=ANA) for h in (11, 15)]
    assert sla_status(ny(3, 10), None, ANA, calls, policy, CAL, ny(9, 10)).window_missed is False


def test_sla_errors_are_reported_with_paths() -> None:
    raw = policy_data()["sla"]
    raw["first_response"] = {"by_grade": {"A": "soon"}, "by_priority": {"Hot": "1h"}}
    raw["touches"] = {"required": 0, "kinds": ["Meeting"]}
    raw["escalation"] = {"reassign": "yes"}
    errors: list[ConfigError] = []
    assert parse_sla(raw, "sla", errors) is None
    assert [f"{e.path}: {e.message}" for e in errors] == [
        "sla.first_response.default: is required",
        "sla.first_response.by_grade.A: must be a duration such as 30m, 4h or 1d",
        "sla.first_response.priority_field: is required with by_priority",
        "sla.touches.kinds[0]: must be Task or Event",
        "sla.touches.required: must be at least 1",
        "sla.escalation.reassign: must be true or false",
    ]


@settings(max_examples=200, deadline=None)
@given(
    handoff=st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2027, 12, 31),
        timezones=st.just(TOKYO),
    ),
    grade=st.sampled_from(["A", "B", "C", "D"]),
    hot=st.booleans(),
)
def test_sla_due_lies_in_business_hours_and_never_before_the_handoff(
    handoff: datetime, grade: str, hot: bool
) -> None:
    due, _ = first_response_due(handoff, grade, {"rating": "Hot" if hot else None}, POLICY, CAL)
    assert due > handoff
    # Due at a closing instant (17:00:00) is the last moment of business time.
    assert is_business_time(due, CAL) or is_business_time(due - timedelta(microseconds=1), CAL)


def test_a_known_window_end_is_used_as_is() -> None:
    policy = sla(touches={"types": ["Call"], "required": 1, "window": "2d"})
    status = sla_status(ny(3, 10), None, ANA, [], policy, CAL, ny(6, 10), window_end=ny(7, 10))
    assert status.window_end == ny(7, 10)
    assert status.window_missed is False
