"""A person's Status move is a fact syncd records, never a request it may refuse.

syncd reasons from the stage the person set (with a warning when the move skipped the
policy's path), and a lead a person or the marketing tool puts in MQL is handed off like
one syncd qualified itself: owner, SLA due, handoff Task.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from domain_builders import (
    ANA,
    NURTURE_Q,
    TOKYO,
    UNASSIGNED_Q,
    demo_request,
    make_lead,
    make_policy,
    ny,
    team,
)

from syncd.domain.engine import evaluate
from syncd.domain.model import Decision, Lead, LeadState, LedgerKind, Stage
from syncd.domain.routing_state import RoutingState

POLICY = make_policy()
USERS = team()
STATUS = POLICY.lifecycle.statuses.status_for


def run(lead: Lead, at: datetime, activities: list[Any] | None = None) -> Decision:
    return evaluate(lead, activities or [], [], USERS, RoutingState(), POLICY, at.astimezone(TOKYO))


def mql_handed_to_ana() -> Lead:
    state = LeadState(
        stage=Stage.MQL,
        stage_entered_at=ny(2, 9),
        handoff_count=1,
        handoff_at=ny(2, 9),
        sla_due=ny(2, 10),
        peak_score=95,
        stage_history=(("mql", ny(2, 9).isoformat()),),
    )
    return make_lead(
        status=STATUS(Stage.MQL), owner_id=ANA, state=state, sla_due=state.sla_due, score=95.0
    )


def test_a_rep_moving_an_mql_straight_to_qualified_is_recorded_with_a_warning() -> None:
    lead = replace(mql_handed_to_ana(), status=STATUS(Stage.SQL))
    decision = run(lead, ny(3, 10))
    assert decision.state.stage is Stage.SQL
    moves = [e for e in decision.ledger if e.kind is LedgerKind.TRANSITION]
    assert [(e.before, e.after) for e in moves] == [("mql", "sql")]
    assert "skips the policy's path" in moves[0].reasons[0]
    assert not [e for e in decision.ledger if e.kind is LedgerKind.CONFLICT]


def test_a_rep_qualified_lead_is_not_recycled_after_no_touch_days() -> None:
    moved = run(replace(mql_handed_to_ana(), status=STATUS(Stage.SQL)), ny(3, 10))
    later = replace(mql_handed_to_ana(), status=STATUS(Stage.SQL), state=moved.state)
    decision = run(later, ny(20, 10))  # 17 days without a touch
    assert decision.state.stage is Stage.SQL
    assert "status" not in decision.field_changes
    assert "owner" not in decision.field_changes


def test_a_person_moving_a_new_lead_to_sal_starts_the_no_touch_clock_at_the_move() -> None:
    state = LeadState(stage=Stage.NEW, stage_entered_at=ny(1, 9))
    lead = make_lead(status=STATUS(Stage.SAL), owner_id=ANA, state=state)
    moved = run(lead, ny(3, 10))
    assert moved.state.stage is Stage.SAL
    ten_days_on = run(replace(lead, state=moved.state), ny(13, 10))
    assert ten_days_on.state.stage is Stage.SAL


def test_a_lead_the_marketing_tool_set_to_mql_is_routed_with_sla_and_task() -> None:
    state = LeadState(stage=Stage.NURTURE, stage_entered_at=ny(1, 9))
    lead = make_lead(status=STATUS(Stage.MQL), owner_id=NURTURE_Q, state=state, score=40.0)
    decision = run(lead, ny(3, 10))
    assert decision.state.stage is Stage.MQL
    assert decision.field_changes["owner"] not in (NURTURE_Q, UNASSIGNED_Q)
    assert "sla_due" in decision.field_changes
    assert len(decision.tasks_to_create) == 1
    assert decision.tasks_to_create[0].owner_id == decision.field_changes["owner"]
    assert decision.tasks_to_create[0].subject.startswith("New MQL")


def test_a_rep_who_sets_their_own_lead_to_mql_keeps_it_and_gets_the_sla() -> None:
    state = LeadState(stage=Stage.NEW, stage_entered_at=ny(1, 9))
    lead = make_lead(status=STATUS(Stage.MQL), owner_id=ANA, state=state)
    decision = run(lead, ny(3, 10))
    assert "owner" not in decision.field_changes
    assert decision.state.handoff_count == 1
    assert [t.owner_id for t in decision.tasks_to_create] == [ANA]
    owners = [e for e in decision.ledger if e.kind is LedgerKind.ASSIGNMENT]
    assert "kept as owner" in owners[0].reasons[0]


def test_a_handoff_task_is_created_once_for_a_person_set_mql() -> None:
    state = LeadState(stage=Stage.NURTURE, stage_entered_at=ny(1, 9))
    lead = make_lead(status=STATUS(Stage.MQL), owner_id=NURTURE_Q, state=state)
    first = run(lead, ny(3, 10))
    owner = str(first.field_changes["owner"])
    again = run(replace(lead, owner_id=owner, state=first.state), ny(3, 10, 30))
    assert again.tasks_to_create == ()


def test_an_mql_owned_by_a_rep_at_go_live_is_adopted_without_a_new_task() -> None:
    lead = make_lead(status=STATUS(Stage.MQL), owner_id=ANA, state=LeadState())
    decision = run(lead, ny(3, 10), [demo_request(ny(3, 9))])
    assert decision.tasks_to_create == ()
    assert "owner" not in decision.field_changes


def test_a_reassignment_task_says_why_it_was_reassigned() -> None:
    users = team()
    users[ANA] = replace(users[ANA], active=False)
    lead = mql_handed_to_ana()
    decision = evaluate(lead, [], [], users, RoutingState(), POLICY, ny(2, 9, 30).astimezone(TOKYO))
    assert [t.subject.split(" — ")[0] for t in decision.tasks_to_create] == [
        "Reassigned: previous owner inactive"
    ]
