"""The engine's decisions one behaviour at a time (the whole journey is in tests/scenario)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from domain_builders import (
    ANA,
    BEN,
    CLEO,
    MAYA,
    NURTURE_Q,
    TOKYO,
    UNASSIGNED_Q,
    demo_request,
    make_lead,
    make_policy,
    ny,
    policy_data,
    pricing_visit,
    team,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.domain.engine import (
    EvaluationContext,
    duplicate_emails,
    evaluate,
    evaluate_all,
    group_by_lead,
)
from syncd.domain.model import Activity, Decision, Lead, LeadState, LedgerKind, Stage, User
from syncd.domain.policy.calendar import parse_calendar
from syncd.domain.policy.errors import ConfigError
from syncd.domain.routing_state import RoutingState

POLICY = make_policy()
USERS = team()
HOT = [demo_request(ny(3, 9, 30))]  # fit 65 + demo 30 = 95: over the MQL line of 80


def run(
    lead: Lead,
    activities: list[Activity] | None = None,
    *,
    at: datetime | None = None,
    users: dict[str, User] | None = None,
    context: EvaluationContext | None = None,
    policy: Any = POLICY,
) -> Decision:
    when = (at or ny(3, 10)).astimezone(TOKYO)
    return evaluate(
        lead,
        activities or [],
        [],
        users or USERS,
        RoutingState(),
        policy,
        when,
        context=context,
    )


def in_stage(stage: Stage, **overrides: Any) -> Lead:
    """A lead syncd has seen before, now in `stage` (status and owner to match)."""
    status = POLICY.lifecycle.statuses.status_for(stage)
    state = LeadState(stage=stage, stage_entered_at=ny(2, 9))
    if stage in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.COULD_NOT_REACH):
        state = replace(
            state, handoff_count=1, handoff_at=ny(3, 10), sla_due=ny(3, 11), peak_score=95
        )
    defaults: dict[str, Any] = {
        "status": status,
        "state": state,
        "score": 95.0,
        "grade": "A",
        "score_reason": "+30 VP title, +30 demo request, +20 software industry, "
        "+15 200-5000 employees",
        "owner_id": ANA if stage in (Stage.MQL, Stage.SAL, Stage.SQL) else NURTURE_Q,
        "sla_due": state.sla_due,
    }
    defaults.update(overrides)
    return make_lead(**defaults)


def kinds(decision: Decision) -> list[LedgerKind]:
    return [e.kind for e in decision.ledger]


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(make_lead(), [], [], USERS, RoutingState(), POLICY, datetime(2026, 11, 3, 10))


def test_a_hot_new_lead_is_handed_off_with_one_alert() -> None:
    decision = run(make_lead(), HOT)
    assert decision.field_changes["owner"] == ANA
    assert decision.field_changes["status"] == "MQL"
    assert [t.idempotency_key for t in decision.tasks_to_create] == [f"{make_lead().id}:handoff:1"]
    assert decision.state.handoff_count == 1


def test_the_alert_is_not_created_again_on_the_next_cycle() -> None:
    first = run(make_lead(), HOT)
    lead = replace(
        make_lead(),
        owner_id=ANA,
        status="MQL",
        score=95.0,
        grade="A",
        score_reason=first.field_changes["score_reason"],  # type: ignore[arg-type]
        sla_due=first.state.sla_due,
        state=first.state,
    )
    again = run(lead, HOT, at=ny(3, 10, 5))
    assert again.tasks_to_create == ()
    assert again.field_changes == {}


def test_when_every_rep_is_away_the_lead_goes_to_the_fallback_queue_without_a_task() -> None:
    users = team(**{rep: User(rep, "away rep", away=True) for rep in (ANA, BEN, CLEO)})
    decision = run(make_lead(), HOT, users=users)
    assert decision.field_changes["owner"] == UNASSIGNED_Q
    assert decision.tasks_to_create == ()
    assert "owner Unassigned is a queue: no alert Task" in decision.reasons


def test_an_unknown_status_is_reported_once() -> None:
    lead = in_stage(Stage.NEW, status="Open - Hot", score=65.0)
    first = run(lead)
    assert first.ledger[0].reasons == (
        "Status 'Open - Hot' is not in the policy's status map; ignored",
    )
    assert run(replace(lead, state=first.state)).ledger == ()


def test_could_not_reach_is_recycled_to_nurture_in_the_same_cycle() -> None:
    lead = in_stage(Stage.SAL, status="Could Not Reach")
    decision = run(lead, HOT, at=ny(5, 10))
    assert decision.field_changes == {
        "owner": NURTURE_Q,
        "status": "Recycled",
        "sla_due": None,
        "recycle_count": 1,
    }
    assert kinds(decision) == [
        LedgerKind.TRANSITION,
        LedgerKind.RECYCLE,
        LedgerKind.TRANSITION,
        LedgerKind.ASSIGNMENT,
        LedgerKind.SLA,
    ]
    assert decision.state.lapsed_owner_ids == (ANA,)


def test_after_max_recycles_a_stale_lead_is_disqualified_instead() -> None:
    lead = in_stage(Stage.SAL, recycle_count=2)  # policy max_recycles is 2
    decision = run(lead, HOT, at=ny(20, 10))
    assert decision.field_changes == {"status": "Disqualified"}
    assert decision.state.stage is Stage.DISQUALIFIED
    assert decision.ledger[0].reasons == (
        "no owner touch for 17 days (since handoff); already recycled 2 times (max 2)",
        "disqualified instead",
    )


def test_a_recycled_lead_above_its_peak_requalifies_to_a_different_rep() -> None:
    state = LeadState(
        stage=Stage.RECYCLED,
        stage_entered_at=ny(2, 9),
        peak_score=90,
        recycled_at=ny(5, 9),
        lapsed_owner_ids=(ANA,),
        handoff_count=1,
    )
    lead = in_stage(Stage.RECYCLED, state=state, recycle_count=1)
    decision = run(lead, [demo_request(ny(4, 9))], at=ny(6, 10))
    assert decision.field_changes["owner"] == BEN
    assert decision.ledger[0].reasons[0] == (
        "daemon: score 95 >= 80 and fit 65 >= 40; score 95 above previous peak 90"
    )
    assert decision.tasks_to_create[0].idempotency_key.endswith(":handoff:2")


def test_an_owner_a_person_set_after_acceptance_is_kept() -> None:
    lead = in_stage(Stage.SAL, owner_id=CLEO)  # routing gave it to Ana; the team moved it
    touched = [*HOT, replace(pricing_visit(ny(3, 12)), owner_id=CLEO, type="Call")]
    decision = run(lead, touched, at=ny(4, 10))
    assert "owner" not in decision.field_changes


def test_a_qualified_lead_owned_by_an_inactive_rep_is_reassigned() -> None:
    users = team(**{ANA: User(ANA, "Ana Silva", active=False, manager_id=MAYA)})
    lead = in_stage(Stage.SAL)
    decision = run(lead, HOT, at=ny(3, 10, 30), users=users)
    assert decision.field_changes["owner"] == BEN
    assert (
        decision.ledger[0].reasons[0] == "owner Ana Silva is inactive: Ben Okafor by rule 'Inbound'"
    )
    assert decision.tasks_to_create[0].owner_id == BEN


def test_a_new_lead_owned_by_an_inactive_user_goes_to_the_nurture_owner() -> None:
    users = team(**{BEN: User(BEN, "Ben Okafor", active=False)})
    decision = run(in_stage(Stage.NEW, owner_id=BEN, score=65.0), users=users)
    assert decision.field_changes["owner"] == NURTURE_Q


def test_an_immaterial_score_change_is_not_written() -> None:
    lead = in_stage(Stage.NEW, score=62.0, grade="A", score_reason="old")
    decision = run(lead)  # fit 65, no engagement: 3 points up, no threshold crossed
    assert decision.field_changes == {}
    assert "score 65 not written: change from 62 is immaterial" in decision.reasons


def test_a_converted_lead_is_recorded_but_never_written() -> None:
    lead = in_stage(Stage.SQL, is_converted=True, status="Closed - Converted", score=10.0)
    decision = run(lead, HOT)
    assert decision.field_changes == {}
    assert decision.ledger[0].reasons == ("person: converted", "after 1d 1h 00m in sql")


def test_lead_source_is_standardised_and_written() -> None:
    lead = in_stage(Stage.NEW, fields={"lead_source": "website"}, score=65.0)
    decision = run(lead)
    assert decision.field_changes == {"lead_source": "Web"}
    assert decision.ledger[0].reasons == ("LeadSource 'website' standardised to 'Web'",)


def test_a_duplicate_email_is_flagged_once_on_the_lead_and_never_merged() -> None:
    context = EvaluationContext(duplicate_emails=frozenset({"dana.reyes@northwind.example"}))
    lead = in_stage(Stage.NEW, score=65.0)
    first = run(lead, context=context)
    assert [(e.kind, e.after) for e in first.ledger] == [(LedgerKind.HYGIENE, ["duplicate email"])]
    assert first.field_changes == {
        "data_quality": "duplicate email: another lead has the same address"
    }
    assert run(replace(lead, state=first.state), context=context).ledger == ()


def test_the_org_calendar_is_used_when_the_policy_says_so() -> None:
    data = policy_data()
    data["sla"]["calendar"] = "org"
    policy = make_policy(data)
    with pytest.raises(ValueError, match="org calendar"):
        run(make_lead(), HOT, policy=policy)
    errors: list[ConfigError] = []
    org = parse_calendar(
        {"timezone": "America/New_York", "hours": {"tuesday": "10:30-18:30"}}, "org", errors
    )
    decision = run(make_lead(), HOT, policy=policy, context=EvaluationContext(org_calendar=org))
    assert decision.field_changes["sla_due"] == ny(3, 11, 30)


def test_full_rescore_threads_round_robin_and_finds_duplicates() -> None:
    leads = [
        replace(
            make_lead(), id=f"00Q00000000000{i}AAA", fields={**make_lead().fields, "email": email}
        )
        for i, email in enumerate(["a@x.example", "b@x.example", "A@x.example "])
    ]
    activities = [replace(a, who_id=lead.id) for lead in leads for a in HOT]
    grouped = group_by_lead(activities)
    assert duplicate_emails(leads) == {"a@x.example"}
    decisions, state = evaluate_all(
        leads, grouped, {}, USERS, RoutingState(), POLICY, ny(3, 10).astimezone(TOKYO)
    )
    assert [d.field_changes["owner"] for d in decisions] == [ANA, BEN, CLEO]
    assert state.assigned_today == {ANA: 1, BEN: 1, CLEO: 1}
    flagged = [d.lead_id for d in decisions if "duplicate email" in d.state.hygiene_flags]
    assert flagged == [leads[0].id, leads[2].id]


@settings(max_examples=60, deadline=None)
@given(
    flags=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=3, max_size=3),
    leads=st.integers(min_value=1, max_value=6),
)
def test_an_inactive_or_away_rep_is_never_handed_a_lead(
    flags: list[tuple[bool, bool]], leads: int
) -> None:
    reps = (ANA, BEN, CLEO)
    users = team(
        **{
            rep: User(rep, rep, active=active, away=away, manager_id=MAYA)
            for rep, (active, away) in zip(reps, flags, strict=True)
        }
    )
    state = RoutingState()
    for i in range(leads):
        lead = replace(make_lead(), id=f"00Q0000000000{i:02d}AAA")
        decision = evaluate(lead, HOT, [], users, state, POLICY, ny(3, 10).astimezone(TOKYO))
        state = decision.routing_state
        owner = users[str(decision.field_changes["owner"])]
        assert owner.is_queue or (owner.active and not owner.away)


def test_a_lead_a_rep_sent_back_to_nurture_does_not_bounce_straight_back() -> None:
    lead = in_stage(Stage.MQL, status="Nurture")  # "not now", score unchanged at 95
    decision = run(lead, HOT, at=ny(3, 12))
    assert decision.state.stage is Stage.NURTURE
    assert "status" not in decision.field_changes
    assert (
        "over the MQL line but held in nurture: score 95 not above peak 95 "
        "and no engagement since it went back to nurture"
    ) in decision.reasons


def test_a_nurtured_lead_that_engages_again_is_handed_off_again() -> None:
    state = LeadState(
        stage=Stage.NURTURE, stage_entered_at=ny(3, 12), handoff_count=1, peak_score=95
    )
    lead = in_stage(Stage.NURTURE, state=state, score=95.0)
    decision = run(lead, [*HOT, pricing_visit(ny(4, 9))], at=ny(4, 10))
    assert decision.field_changes["status"] == "MQL"
    assert decision.ledger[0].reasons[0].endswith("score 105 above previous peak 95")


def test_conversion_is_recorded_even_from_a_stage_called_final() -> None:
    lead = in_stage(Stage.DISQUALIFIED, is_converted=True, status="Closed - Converted")
    decision = run(lead)
    assert [(e.kind, e.before, e.after) for e in decision.ledger] == [
        (LedgerKind.TRANSITION, "disqualified", "converted")
    ]
    assert decision.field_changes == {}


def test_a_rejected_status_is_forgotten_once_the_status_is_back_in_line() -> None:
    rejected = run(in_stage(Stage.SQL, status="Open - Hot"), HOT, at=ny(4, 10))
    assert rejected.state.rejected_status == "Open - Hot"
    back = run(in_stage(Stage.SQL, state=rejected.state), HOT, at=ny(4, 11))
    assert back.state.rejected_status is None
