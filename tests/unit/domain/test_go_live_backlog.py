"""The go-live backlog: leads found already in sales' hands on the first cycle are judged
from their real history, not from the moment syncd first saw them."""

from __future__ import annotations

from datetime import datetime

from domain_builders import ANA, NURTURE_Q, TOKYO, activity, make_lead, make_policy, ny, team

from syncd.domain.engine import evaluate
from syncd.domain.model import Activity, Decision, LeadState, Stage
from syncd.domain.routing_state import RoutingState

POLICY = make_policy()  # no_touch_days: 14
SAL = POLICY.lifecycle.statuses.status_for(Stage.SAL)


def first_sight(at: datetime, activities: list[Activity]) -> Decision:
    lead = make_lead(status=SAL, owner_id=ANA, state=LeadState())
    return evaluate(lead, activities, [], team(), RoutingState(), POLICY, at.astimezone(TOKYO))


def ana_called(when: datetime) -> Activity:
    return activity(when, type="Call", owner_id=ANA)


def test_a_sales_accepted_lead_last_touched_20_days_ago_is_recycled_at_once() -> None:
    decision = first_sight(ny(25, 10), [ana_called(ny(5, 10))])
    assert decision.state.stage is Stage.RECYCLED
    assert decision.field_changes["owner"] == NURTURE_Q
    assert any("no owner touch for 20 days" in r for r in decision.reasons)


def test_a_backlog_lead_touched_3_days_ago_waits_until_14_days_after_that_touch() -> None:
    touched = [ana_called(ny(22, 10))]
    seen = first_sight(ny(25, 10), touched)
    assert seen.state.stage is Stage.SAL
    lead = make_lead(status=SAL, owner_id=ANA, state=seen.state)
    day_13 = evaluate(lead, touched, [], team(), RoutingState(), POLICY, ny(5, 9, month=12))
    day_14 = evaluate(lead, touched, [], team(), RoutingState(), POLICY, ny(6, 11, month=12))
    assert day_13.state.stage is Stage.SAL
    assert day_14.state.stage is Stage.RECYCLED


def test_a_backlog_lead_with_no_touch_in_its_history_is_given_no_touch_days_from_first_sight() -> (
    None
):
    seen = first_sight(ny(25, 10), [])
    assert seen.state.stage is Stage.SAL
    assert "owner" not in seen.field_changes


def test_a_lead_a_person_moved_to_sal_counts_from_the_move_not_from_older_touches() -> None:
    new = LeadState(stage=Stage.NEW, stage_entered_at=ny(2, 9), stage_history=(("new", "x"),))
    lead = make_lead(status=SAL, owner_id=ANA, state=new)
    touched = [ana_called(ny(3, 10))]  # while the lead was still new
    moved = evaluate(lead, touched, [], team(), RoutingState(), POLICY, ny(24, 10))
    assert moved.state.stage is Stage.SAL
    lead = make_lead(status=SAL, owner_id=ANA, state=moved.state)
    later = evaluate(lead, touched, [], team(), RoutingState(), POLICY, ny(26, 10))
    assert later.state.stage is Stage.SAL
