"""Each evaluation says when a clock could next change the lead's decision by itself
(`LeadState.recheck_at`): the sweeps look again then, found by an index, instead of re-reading
every open lead on a timer. Nothing due before it; the rule fires once it has come."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain_builders import ANA, activity, make_lead, ny
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine import HOT, in_stage, run

from syncd.domain.model import Activity, LedgerKind, Stage


def owner_call(when: datetime) -> Activity:
    return activity(
        when, type="Call", subject="Discovery call", owner_id=ANA, id="00T0000000CALLAAA"
    )


def test_a_fresh_handoff_is_rechecked_when_its_sla_falls_due() -> None:
    decision = run(make_lead(), HOT)
    assert decision.state.stage is Stage.MQL
    assert decision.state.recheck_at == decision.state.sla_due


def test_an_accepted_lead_is_rechecked_at_its_no_touch_deadline() -> None:
    touched = ny(6, 10)
    decision = run(in_stage(Stage.SAL), [owner_call(touched)], at=ny(7, 10))
    assert decision.state.recheck_at == touched + timedelta(days=14)


def test_a_lead_out_of_sales_hands_has_no_clock_running() -> None:
    assert run(in_stage(Stage.NURTURE), at=ny(7, 10)).state.recheck_at is None
    converted = in_stage(Stage.SQL, status="Closed - Converted", is_converted=True)
    assert run(converted, at=ny(7, 10)).state.recheck_at is None


@settings(max_examples=40, deadline=None)
@given(
    touch_day=st.integers(min_value=4, max_value=12), hour=st.integers(min_value=9, max_value=16)
)
def test_nothing_recycles_before_the_recheck_and_the_recycle_comes_at_it(
    touch_day: int, hour: int
) -> None:
    touches = [owner_call(ny(touch_day, hour))]
    first = run(in_stage(Stage.SAL), touches, at=ny(touch_day, hour) + timedelta(hours=1))
    due = first.state.recheck_at
    assert due is not None
    lead = replace(in_stage(Stage.SAL), state=first.state)
    before = run(lead, touches, at=due - timedelta(minutes=1))
    at_due = run(lead, touches, at=due + timedelta(seconds=1))
    assert LedgerKind.RECYCLE not in [e.kind for e in before.ledger]
    assert LedgerKind.RECYCLE in [e.kind for e in at_due.ledger]
