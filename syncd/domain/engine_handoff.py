"""The hand-over steps: qualifying a lead to MQL, routing it to an owner (and away from an
inactive one), and the handoff Task and SLA clock that come with a new owner.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from syncd.domain.calendar import BusinessCalendar
from syncd.domain.engine_run import Run
from syncd.domain.geo import canonical_id
from syncd.domain.lifecycle import (
    QUALIFIED,
    Actor,
)
from syncd.domain.model import (
    LedgerKind,
    Stage,
    TaskToCreate,
)
from syncd.domain.recycle import requalify_reason
from syncd.domain.routing import assign, next_eligible, sales_user_ids
from syncd.domain.routing_state import Assignment
from syncd.domain.sla import first_response_due


def inactive_owner(run: Run) -> None:
    """Leads owned by an inactive user get a working owner (routing when sales owns it)."""
    owner = run.users.get(run.owner_id or "")
    if owner is None or owner.active or owner.is_queue:
        return
    why = f"owner {run.who(owner.id)} is inactive"
    if run.stage in QUALIFIED:
        reassign(run, why, "previous owner inactive")
    else:
        nurture = run.policy.recycle.nurture_owner
        run.record(LedgerKind.ASSIGNMENT, run.owner_id, nurture, f"{why}: to nurture owner")
        run.owner_id = nurture


def maybe_qualify(run: Run) -> None:
    mql = run.policy.lifecycle.mql
    score = run.score
    if score.total < mql.min_score or score.fit < mql.min_fit:
        return
    why = f"score {score.total} >= {mql.min_score:g} and fit {score.fit} >= {mql.min_fit:g}"
    # Hysteresis for leads sales already had: recycled ones, and ones a rep sent back to
    # nurture ("not now"), which must not bounce straight back on an unchanged score.
    stage = run.stage
    if stage is Stage.RECYCLED or (stage is Stage.NURTURE and run.state.handoff_count > 0):
        since = run.state.recycled_at if stage is Stage.RECYCLED else run.state.stage_entered_at
        again = requalify_reason(
            run.state, score.total, score.last_engagement_at, run.policy.recycle, since=since
        )
        if again is None:
            left = "the recycle" if stage is Stage.RECYCLED else "it went back to nurture"
            run.reasons.append(
                f"over the MQL line but held in {stage.value}: score {score.total} not above "
                f"peak {run.state.peak_score} and no engagement since {left}"
            )
            return
        why = f"{why}; {again}"
    run.move(Stage.MQL, why, Actor.DAEMON)
    chosen = _route(run)
    run.state = replace(run.state, peak_score=score.total, sla_reassignments=0)
    hand_to(run, chosen, "handoff")


def _route(run: Run) -> Assignment:
    """A new MQL's owner by the routing rules (reps who let it lapse before come last)."""
    return assign(
        run.lead.fields,
        run.policy.routing,
        run.users,
        run.routing_state,
        run.now,
        exclude_owner_ids=frozenset(run.state.lapsed_owner_ids),
    )


def take_mql(run: Run, set_by: str, *, first_seen: bool = False) -> None:
    """A lead a person (or the marketing tool) set to the MQL status: a handoff like syncd's
    own. A rep the routing hands leads to keeps a lead they qualified themselves; any other
    owner (a queue, the nurture owner, marketing) gives way to routing."""
    run.state = replace(run.state, peak_score=run.score.total, sla_reassignments=0)
    owner = canonical_id(run.owner_id) if run.owner_id else None
    user = run.users.get(owner or "")
    keeps = (
        owner is not None
        and user is not None
        and user.active
        and not user.is_queue
        and owner in sales_user_ids(run.policy.routing)
    )
    if keeps and first_seen:
        return  # found in a rep's hands at go-live: adopted as it is, no new handoff
    if keeps and owner is not None:
        kept = Assignment(
            owner, None, (f"{run.who(owner)} keeps the lead: {set_by}",), run.routing_state, False
        )
        hand_to(run, kept, f"handoff ({set_by})")
        return
    hand_to(run, _route(run), f"handoff ({set_by})")


def reassign(run: Run, why: str, what: str) -> None:
    current = run.owner_id or ""
    chosen = next_eligible(
        run.lead.fields,
        run.policy.routing,
        run.users,
        run.routing_state,
        run.now,
        current_owner_id=current,
        exclude_owner_ids=frozenset(run.state.lapsed_owner_ids),
    )
    if chosen.owner_id == current:
        run.record(LedgerKind.ASSIGNMENT, current, current, f"{why}; no one else is eligible")
        return
    if run.is_user(current):
        run.state = replace(
            run.state, lapsed_owner_ids=(*run.state.lapsed_owner_ids, current)[-10:]
        )
    hand_to(run, chosen, why, what)


def hand_to(run: Run, chosen: Assignment, why: str, what: str = "new MQL") -> None:
    """Give the lead to `chosen`: new handoff number, SLA due, alert Task for a user.

    ``what`` is what happened, in the Task's subject: "new MQL" or why it was reassigned.
    """
    policy = run.policy
    previous = run.owner_id
    # No rule and no fallback: the owner was kept, not routed (see take_mql).
    kept = chosen.rule_name is None and not chosen.fallback
    how = "kept as owner" if kept else f"by rule '{chosen.rule_name or 'fallback'}'"
    run.routing_state = chosen.state
    run.owner_id = chosen.owner_id
    run.record(
        LedgerKind.ASSIGNMENT,
        previous,
        chosen.owner_id,
        f"{why}: {run.who(chosen.owner_id)} {how}",
        *chosen.reasons,
    )
    calendar = run.cal()
    due, due_why = first_response_due(
        run.now, run.score.grade, run.lead.fields, policy.sla, calendar
    )
    number = run.state.handoff_count + 1
    run.state = replace(
        run.state,
        handoff_count=number,
        handoff_at=run.now,
        sla_due=due,
        first_touch_at=None,
        follow_up_seconds=None,
        window_end=None,
    )
    run.record(
        LedgerKind.SLA, run.sla_due, due, f"first follow-up due {due.isoformat()} ({due_why})"
    )
    run.sla_due = due
    if not run.is_user(chosen.owner_id):
        run.reasons.append(f"owner {run.who(chosen.owner_id)} is a queue: no alert Task")
        return
    values = placeholders(run, due, calendar, chosen.owner_id, why=what)
    subject = (
        policy.alerts.handoff_subject if what == "new MQL" else policy.alerts.reassigned_subject
    )
    run.tasks.append(
        TaskToCreate(
            owner_id=chosen.owner_id,
            who_id=run.lead.id,
            subject=subject.format(**values),
            description=policy.alerts.handoff_description.format(**values),
            due=due,
            idempotency_key=f"{run.lead.id}:handoff:{number}",
        )
    )


def placeholders(
    run: Run, due: datetime, calendar: BusinessCalendar, owner_id: str | None, why: str = ""
) -> dict[str, object]:
    fields = run.lead.fields
    name = " ".join(
        str(v) for v in (fields.get("first_name"), fields.get("last_name")) if v
    ) or str(fields.get("company") or run.lead.id)
    return {
        "due": due.astimezone(calendar.tz).strftime(run.policy.alerts.due_format),
        "reasons": run.score.reason,
        "score": run.score.total,
        "grade": run.score.grade,
        "lead_id": run.lead.id,
        "name": name,
        "company": fields.get("company") or "",
        "owner": run.who(owner_id),
        "why": why,
    }
