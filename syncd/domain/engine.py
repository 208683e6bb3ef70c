"""The engine: one lead in, one explained Decision out.

`evaluate` composes scoring, lifecycle, routing, SLA, recycle and hygiene in this order:

1. observe what people did in Salesforce (Status moves, conversion), applying valid moves
   and reporting invalid ones;
2. score; keep the peak score while qualified;
3. hygiene (LeadSource map, email flags);
4. reassign a lead whose owner is inactive;
5. the daemon's own moves: handoff to MQL (assign, SLA due, alert Task), first-touch
   measurement, recycle / disqualify, SLA-breach escalation;
6. field changes: only values that differ from the org's, and score/grade/reason only when
   the change is material.

Converted leads are read-only in Salesforce, and disqualified leads are closed: for both
the engine records what it saw and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from syncd.domain.calendar import BusinessCalendar
from syncd.domain.engine_followup import follow_up, recheck_at
from syncd.domain.engine_handoff import (
    inactive_owner,
    maybe_qualify,
    take_mql,
)
from syncd.domain.engine_run import EvaluationContext, Run, whole_seconds
from syncd.domain.hygiene import data_quality_text, email_flags, lead_source_fix
from syncd.domain.hygiene import duplicate_emails as _duplicate_emails
from syncd.domain.lifecycle import (
    PRE_QUALIFIED,
    QUALIFIED,
    Actor,
    can_move,
    enter,
)
from syncd.domain.model import (
    Activity,
    CampaignResponse,
    Decision,
    Lead,
    LedgerKind,
    Stage,
    TaskToCreate,
    User,
)
from syncd.domain.outputs import Output
from syncd.domain.policy import Policy
from syncd.domain.routing_state import RoutingState
from syncd.domain.scoring import is_material

__all__ = [
    "EvaluationContext",
    "duplicate_emails",
    "evaluate",
    "evaluate_all",
    "group_by_lead",
]


def evaluate(
    lead: Lead,
    activities: Sequence[Activity],
    campaign_responses: Sequence[CampaignResponse],
    users: Mapping[str, User],
    routing_state: RoutingState,
    policy: Policy,
    now: datetime,
    *,
    context: EvaluationContext | None = None,
) -> Decision:
    """Decide everything about one lead at `now`; pure and deterministic.

    Pass the returned `routing_state` to the next lead's evaluation so round-robin
    fairness and caps carry over.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ctx = context or EvaluationContext()
    score = policy.scorer.score(lead.fields, activities, campaign_responses, now)
    run = Run(
        lead=lead,
        policy=policy,
        now=now,
        users=users,
        routing_state=routing_state,
        calendar=policy.sla.calendar or ctx.org_calendar,
        score=score,
        state=lead.state,
        owner_id=lead.owner_id,
        status=lead.status,
        recycle_count=lead.recycle_count,
        sla_due=lead.sla_due,
    )
    _observe(run)
    if run.stage in QUALIFIED and (run.state.peak_score or 0) < score.total:
        run.state = replace(run.state, peak_score=score.total)
    if run.stage in (Stage.CONVERTED, Stage.DISQUALIFIED):
        run.state = replace(run.state, recheck_at=None)  # final: no clock runs any more
        return _decision(run, writable=False)
    _hygiene(run, ctx)
    inactive_owner(run)
    if run.stage in PRE_QUALIFIED:
        maybe_qualify(run)
    elif run.set_to_mql is not None and run.stage is Stage.MQL:
        take_mql(run, run.set_to_mql, first_seen=run.first_sight)
    elif run.stage in QUALIFIED:
        follow_up(run, activities)
    run.state = replace(run.state, recheck_at=recheck_at(run, activities))
    return _decision(run, writable=True)


# --- steps ------------------------------------------------------------------------------


def _observe(run: Run) -> None:
    """Record what people did in Salesforce as facts, warning where a move skipped the
    policy's path; syncd reasons from the stage the person set from then on."""
    lead = run.lead
    statuses = run.policy.lifecycle.statuses
    observed = Stage.CONVERTED if lead.is_converted else statuses.stage_for(lead.status)
    if run.state.stage is None:
        first = observed or Stage.NEW
        run.state = enter(run.state, first, lead.created_at if first is Stage.NEW else run.now)
        run.record(
            LedgerKind.TRANSITION,
            None,
            first.value,
            f"first seen with Status '{lead.status}'",
            "first stage",
        )
        run.first_sight = True
        if first is Stage.MQL:
            run.set_to_mql = f"first seen with Status '{lead.status}'"
        return
    if observed is None:
        if lead.status is not None and lead.status != run.state.rejected_status:
            run.state = replace(run.state, rejected_status=lead.status)
            run.record(
                LedgerKind.CONFLICT,
                run.stage.value,
                lead.status,
                f"Status '{lead.status}' is not in the policy's status map; ignored",
            )
        return
    if observed is run.stage:
        if run.state.rejected_status is not None:  # the Status is back in line
            run.state = replace(run.state, rejected_status=None)
        return
    if observed is Stage.CONVERTED:
        # Conversion is a fact in Salesforce (the lead is read-only now): record it from any
        # stage, even one our state machine calls final.
        run.move(observed, "converted", Actor.PERSON)
        return
    source = run.stage
    by = _changed_by(run)
    why = f"Status set to '{lead.status}'{by}"
    if not can_move(source, observed, Actor.PERSON):
        why += (
            f" (warning: {source.value} -> {observed.value} skips the policy's path; "
            "recorded as the person's move)"
        )
    run.state = replace(run.state, rejected_status=None)
    run.move(observed, why, Actor.PERSON)
    if observed is Stage.MQL:
        run.set_to_mql = why


def _changed_by(run: Run) -> str:
    who = run.lead.fields.get("last_modified_by_id")
    return f" by {run.who(str(who))}" if who else ""


def _hygiene(run: Run, ctx: EvaluationContext) -> None:
    hygiene = run.policy.hygiene
    fields = run.lead.fields
    raw = fields.get("lead_source")
    fix = lead_source_fix(raw, hygiene)
    if fix is not None and fix.standard != raw:
        run.lead_source = fix.standard
        sub = f" (sub-source '{fix.detail}')" if fix.detail else ""
        run.record(
            LedgerKind.HYGIENE, raw, fix.standard, f"LeadSource '{raw}' standardised to "
            f"'{fix.standard}'{sub}",
        )  # fmt: skip
        if fix.detail is not None and fix.detail != fields.get("lead_source_detail"):
            run.lead_source_detail = fix.detail
    email = fields.get("email")
    flags = email_flags(email, ctx.duplicate_emails, hygiene)
    run.data_quality = data_quality_text(flags, email)
    if flags != run.state.hygiene_flags:
        reasons = [f"{flag}: {email}" for flag in flags] or ["email flags cleared"]
        run.record(LedgerKind.HYGIENE, list(run.state.hygiene_flags), list(flags), *reasons)
        run.state = replace(run.state, hygiene_flags=flags)
        if flags and hygiene.notify == "task" and run.is_user(run.owner_id):
            run.tasks.append(
                TaskToCreate(
                    owner_id=str(run.owner_id),
                    who_id=run.lead.id,
                    subject=f"Data quality: {run.data_quality}"[:255],
                    description="syncd found this on the lead; fix it in Salesforce and the "
                    "Data Quality field clears at the next cycle.",
                    due=None,
                    idempotency_key=f"{run.lead.id}:data-quality:{'+'.join(flags)}"[:80],
                )
            )


# --- the decision ---------------------------------------------------------------------


def _decision(run: Run, *, writable: bool) -> Decision:
    lead = run.lead
    policy = run.policy
    score = run.score
    changes: dict[Output, object] = {}
    if writable:
        material = is_material(
            lead.score, lead.grade, score, policy.scoring, (policy.lifecycle.mql.min_score,)
        )
        if material is not None:
            if lead.score is None or round(lead.score) != score.total:
                changes[Output.SCORE] = score.total
            if lead.grade != score.grade:
                changes[Output.GRADE] = score.grade
            if lead.score_reason != score.reason:
                changes[Output.SCORE_REASON] = score.reason
            if changes:
                run.record(
                    LedgerKind.SCORE,
                    lead.score,
                    score.total,
                    f"score {score.total} (fit {score.fit}, engagement {score.engagement}, "
                    f"grade {score.grade}): {material}",
                    *score.reasons,
                )
        elif lead.score is not None and round(lead.score) != score.total:
            run.reasons.append(
                f"score {score.total} not written: change from {lead.score:g} is immaterial"
            )
        if run.owner_id != lead.owner_id and run.owner_id is not None:
            changes[Output.OWNER] = run.owner_id
        if run.status != lead.status and run.status is not None:
            changes[Output.STATUS] = run.status
        if whole_seconds(run.sla_due) != whole_seconds(lead.sla_due):
            changes[Output.SLA_DUE] = whole_seconds(run.sla_due)
        if run.recycle_count != lead.recycle_count:
            changes[Output.RECYCLE_COUNT] = run.recycle_count
        if run.lead_source is not None:
            changes[Output.LEAD_SOURCE] = run.lead_source
        if run.lead_source_detail is not None:
            changes[Output.LEAD_SOURCE_DETAIL] = run.lead_source_detail
        if (run.data_quality or None) != (lead.fields.get("data_quality") or None):
            changes[Output.DATA_QUALITY] = run.data_quality
        if policy.hygiene.notify == "reason":
            shown = score.reason + (
                f"; data quality: {run.data_quality}" if run.data_quality else ""
            )
            if shown != lead.score_reason:
                changes[Output.SCORE_REASON] = shown
    return Decision(
        lead_id=lead.id,
        field_changes=changes,
        tasks_to_create=tuple(run.tasks),
        ledger=tuple(run.ledger),
        reasons=(score.reason, *run.reasons),
        policy_version=policy.version,
        state=run.state,
        routing_state=run.routing_state,
        score=score.total,
        fit=score.fit,
        engagement=score.engagement,
        grade=score.grade,
    )


# --- batch --------------------------------------------------------------------------------


def group_by_lead(activities: Iterable[Activity]) -> dict[str, list[Activity]]:
    """Activities grouped by WhoId, in one pass (so a full rescore stays linear)."""
    grouped: defaultdict[str, list[Activity]] = defaultdict(list)
    for activity in activities:
        grouped[activity.who_id].append(activity)
    return dict(grouped)


def duplicate_emails(leads: Iterable[Lead]) -> frozenset[str]:
    """Emails (normal form) held by more than one lead."""
    return _duplicate_emails(lead.fields.get("email") for lead in leads)


def evaluate_all(
    leads: Sequence[Lead],
    activities_by_lead: Mapping[str, Sequence[Activity]],
    responses_by_lead: Mapping[str, Sequence[CampaignResponse]],
    users: Mapping[str, User],
    routing_state: RoutingState,
    policy: Policy,
    now: datetime,
    *,
    org_calendar: BusinessCalendar | None = None,
) -> tuple[list[Decision], RoutingState]:
    """Full rescore: every lead in order, routing state threaded through; linear in input."""
    context = EvaluationContext(duplicate_emails(leads), org_calendar)
    decisions: list[Decision] = []
    state = routing_state
    empty: tuple[()] = ()
    for lead in leads:
        decision = evaluate(
            lead,
            activities_by_lead.get(lead.id, empty),
            responses_by_lead.get(lead.id, empty),
            users,
            state,
            policy,
            now,
            context=context,
        )
        state = decision.routing_state
        decisions.append(decision)
    return decisions, state
