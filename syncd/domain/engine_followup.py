"""The steps after hand-over: following the owner's touches, recycling a lead sales let go
stale back to nurture, and escalating an SLA that fell due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from syncd.domain.calendar import BusinessCalendar, business_time_between
from syncd.domain.engine_handoff import placeholders, reassign
from syncd.domain.engine_run import Run, fmt_business
from syncd.domain.lifecycle import OPEN_STAGES, Actor
from syncd.domain.model import (
    Activity,
    LedgerKind,
    Stage,
    TaskToCreate,
)
from syncd.domain.recycle import found_in_stage, no_touch_deadline, recycle_reason
from syncd.domain.sla import owner_touches, sla_status


def _touches(run: Run, activities: Sequence[Activity]) -> tuple[list[datetime], datetime | None]:
    """The owner's touches since the handoff, and the last touch that counts for recycling."""
    policy = run.policy
    state = run.state
    handoff_at = state.handoff_at or state.stage_entered_at or run.now
    touches = owner_touches(activities, run.owner_id, handoff_at, run.now, policy.sla.touches)
    last_touch = touches[-1] if touches else None
    if found_in_stage(state):
        # The go-live backlog: the owner's touches before syncd first saw the lead count.
        history = owner_touches(
            activities, run.owner_id, run.lead.created_at, run.now, policy.sla.touches
        )
        last_touch = history[-1] if history else None
    return list(touches), last_touch


def recheck_at(run: Run, activities: Sequence[Activity]) -> datetime | None:
    """The next moment a clock could change this lead's decision with nothing else moving:
    the no-touch deadline, the end of the MQL's working window, its SLA falling due."""
    if run.stage not in OPEN_STAGES:
        return None
    state, policy = run.state, run.policy
    _, last_touch = _touches(run, activities)
    moments = [no_touch_deadline(run.stage, state, last_touch, policy.recycle)]
    if run.stage is Stage.MQL and state.handoff_at is not None:
        if policy.recycle.after_working_window:
            # Until the window's end is computed, the earliest it can be: business time
            # never runs faster than the clock.
            moments.append(state.window_end or state.handoff_at + policy.sla.touches.window)
        if state.first_touch_at is None and state.sla_breached_handoff < state.handoff_count:
            moments.append(state.sla_due)
    future = [m for m in moments if m is not None and m > run.now]
    return min(future) if future else None


def follow_up(run: Run, activities: Sequence[Activity]) -> None:
    """Measure the first touch, then recycle, else escalate a missed first response."""
    policy = run.policy
    state = run.state
    handoff_at = state.handoff_at or state.stage_entered_at or run.now
    calendar = run.cal()
    touches, last_touch = _touches(run, activities)
    if state.first_touch_at is None and touches:
        first = touches[0]
        took = business_time_between(handoff_at, first, calendar)
        met = "met" if state.sla_due is None or first <= state.sla_due else "missed"
        run.state = replace(
            run.state, first_touch_at=first, follow_up_seconds=int(took.total_seconds())
        )
        run.record(
            LedgerKind.SLA,
            None,
            first,
            f"first follow-up by {run.who(run.owner_id)} after {fmt_business(took)} "
            f"business time (SLA {met})",
        )
    status = sla_status(
        handoff_at,
        state.sla_due,
        run.owner_id,
        activities,
        policy.sla,
        calendar,
        run.now,
        touches=touches,
        window_end=state.window_end if state.handoff_at else None,
    )
    # Cache the window end per handoff (a lead never handed off counts from stage entry,
    # which moves, so it is not cached).
    if status.window_end is not None and run.state.window_end is None and state.handoff_at:
        run.state = replace(run.state, window_end=status.window_end)
    why = recycle_reason(
        run.stage,
        run.state,
        last_touch,
        status.window_missed,
        run.now,
        policy.recycle,
    )
    if why is not None:
        recycle(run, why)
        return
    if (
        run.stage is Stage.MQL
        and status.breached
        and status.first_touch_at is None
        and run.state.sla_breached_handoff < run.state.handoff_count
    ):
        escalate(run, calendar)


def recycle(run: Run, why: str) -> None:
    recycle = run.policy.recycle
    count = run.recycle_count
    if count >= recycle.max_recycles:
        reason = f"{why}; already recycled {count} times (max {recycle.max_recycles})"
        run.record(LedgerKind.RECYCLE, count, count, reason, "disqualified instead")
        run.move(Stage.DISQUALIFIED, reason, Actor.DAEMON)
        return
    lapsed = run.state.lapsed_owner_ids
    if run.is_user(run.owner_id) and run.owner_id not in lapsed:
        lapsed = (*lapsed, run.owner_id or "")[-10:]
    run.record(LedgerKind.RECYCLE, count, count + 1, why)
    run.move(Stage.RECYCLED, why, Actor.DAEMON)
    run.state = replace(
        run.state,
        recycled_at=run.now,
        lapsed_owner_ids=lapsed,
        sla_due=None,
        handoff_at=None,
        first_touch_at=None,
        window_end=None,
    )
    run.recycle_count = count + 1
    if run.owner_id != recycle.nurture_owner:
        run.record(
            LedgerKind.ASSIGNMENT,
            run.owner_id,
            recycle.nurture_owner,
            f"recycled: to nurture owner {run.who(recycle.nurture_owner)}",
        )
        run.owner_id = recycle.nurture_owner
    if run.sla_due is not None:
        run.record(LedgerKind.SLA, run.sla_due, None, "recycled: SLA cleared")
        run.sla_due = None


def escalate(run: Run, calendar: BusinessCalendar) -> None:
    escalation = run.policy.sla.escalation
    state = run.state
    due = state.sla_due
    assert due is not None
    owner = run.owner_id
    run.state = replace(state, sla_breached_handoff=state.handoff_count)
    late = fmt_business(business_time_between(due, run.now, calendar))
    if escalation.flag:
        run.record(
            LedgerKind.SLA,
            due,
            "breached",
            f"SLA breached: no follow-up by {run.who(owner)} by {due.isoformat()} "
            f"({late} business time late)",
        )
    if escalation.manager_task:
        user = run.users.get(owner or "")
        manager = None if user is None else user.manager_id
        if manager is not None:
            values = placeholders(run, due, calendar, owner)
            run.tasks.append(
                TaskToCreate(
                    owner_id=manager,
                    who_id=run.lead.id,
                    subject=run.policy.alerts.breach_subject.format(**values),
                    description=run.policy.alerts.breach_description.format(**values),
                    due=None,
                    idempotency_key=f"{run.lead.id}:sla-breach:{state.handoff_count}",
                )
            )
        else:
            run.reasons.append(f"no manager Task: {run.who(owner)} has no manager")
    if escalation.reassign:
        if run.state.sla_reassignments < escalation.max_reassignments:
            run.state = replace(run.state, sla_reassignments=run.state.sla_reassignments + 1)
            reassign(run, "SLA breached", "SLA breached")
        else:
            run.reasons.append(
                f"not reassigned: already reassigned {run.state.sla_reassignments} time(s) "
                f"(max {escalation.max_reassignments})"
            )
