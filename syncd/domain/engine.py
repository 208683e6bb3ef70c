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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from syncd.domain.calendar import BusinessCalendar, business_time_between
from syncd.domain.hygiene import duplicate_emails as _duplicate_emails
from syncd.domain.hygiene import email_flags, standard_lead_source
from syncd.domain.lifecycle import (
    PRE_QUALIFIED,
    QUALIFIED,
    Actor,
    can_move,
    enter,
    time_in_stage,
)
from syncd.domain.model import (
    Activity,
    CampaignResponse,
    Decision,
    Lead,
    LeadState,
    LedgerEntry,
    LedgerKind,
    Stage,
    TaskToCreate,
    User,
)
from syncd.domain.outputs import Output
from syncd.domain.policy import Policy
from syncd.domain.recycle import recycle_reason, requalify_reason
from syncd.domain.routing import Assignment, RoutingState, assign, next_eligible
from syncd.domain.scoring import Score, is_material
from syncd.domain.sla import first_response_due, owner_touches, sla_status

__all__ = [
    "EvaluationContext",
    "duplicate_emails",
    "evaluate",
    "evaluate_all",
    "group_by_lead",
]


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """What the engine needs beyond the lead itself.

    `duplicate_emails`: emails (normal form) that more than one lead has, see
    `duplicate_emails()`; `org_calendar`: the org's default BusinessHours with holidays,
    used when the policy says `calendar: org`.
    """

    duplicate_emails: frozenset[str] = frozenset()
    org_calendar: BusinessCalendar | None = None


def _whole_seconds(value: datetime | None) -> datetime | None:
    # Salesforce stores datetimes to the second: compare in that form or we rewrite forever.
    return None if value is None else value.replace(microsecond=0)


def _fmt_age(duration: timedelta) -> str:
    days, seconds = divmod(int(duration.total_seconds()), 86400)
    return f"{days}d {seconds // 3600}h {seconds % 3600 // 60:02d}m"


def _fmt_business(duration: timedelta) -> str:
    minutes = round(duration.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


@dataclass(slots=True)
class _Run:
    """Mutable scratchpad of one evaluation; frozen into a Decision at the end."""

    lead: Lead
    policy: Policy
    now: datetime
    users: Mapping[str, User]
    routing_state: RoutingState
    calendar: BusinessCalendar | None
    score: Score
    state: LeadState
    owner_id: str | None
    status: str | None
    recycle_count: int
    sla_due: datetime | None
    lead_source: str | None = None
    ledger: list[LedgerEntry] = field(default_factory=list)
    tasks: list[TaskToCreate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        assert self.state.stage is not None
        return self.state.stage

    def record(self, kind: LedgerKind, before: object, after: object, *reasons: str) -> None:
        self.ledger.append(
            LedgerEntry(kind, before, after, tuple(reasons), self.now, self.policy.version)
        )
        if reasons:  # the headline; details stay in the ledger entry
            self.reasons.append(reasons[0])

    def cal(self) -> BusinessCalendar:
        calendar = self.calendar
        if calendar is None:
            raise ValueError(
                "the policy's SLA uses the org calendar (calendar: org) but no org_calendar "
                "was given in the EvaluationContext"
            )
        return calendar

    def move(self, target: Stage, why: str, actor: Actor) -> None:
        before = self.state.stage
        aged = time_in_stage(self.state, self.now)
        self.state = enter(self.state, target, self.now)
        self.record(
            LedgerKind.TRANSITION,
            None if before is None else before.value,
            target.value,
            f"{actor.value}: {why}",
            # Aging, for stage-to-stage conversion times in reports.
            f"after {_fmt_age(aged)} in {before.value}" if before is not None else "first stage",
        )
        if actor is Actor.DAEMON:
            self.status = self.policy.lifecycle.statuses.status_for(target)

    def is_user(self, owner_id: str | None) -> bool:
        user = None if owner_id is None else self.users.get(owner_id)
        return user is not None and not user.is_queue

    def who(self, owner_id: str | None) -> str:
        user = None if owner_id is None else self.users.get(owner_id)
        if user is not None and user.name:
            return user.name
        return owner_id or "nobody"


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
    run = _Run(
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
        return _decision(run, writable=False)
    _hygiene(run, ctx)
    _inactive_owner(run)
    if run.stage in PRE_QUALIFIED:
        _maybe_qualify(run)
    elif run.stage in QUALIFIED:
        _follow_up(run, activities)
    return _decision(run, writable=True)


# --- steps ------------------------------------------------------------------------------


def _observe(run: _Run) -> None:
    """Apply what people did in Salesforce; report what the state machine forbids."""
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
    if can_move(run.stage, observed, Actor.PERSON):
        run.move(observed, f"Status set to '{lead.status}'", Actor.PERSON)
        return
    if lead.status != run.state.rejected_status:
        source = run.stage
        run.state = replace(run.state, rejected_status=lead.status)
        run.record(
            LedgerKind.CONFLICT,
            source.value,
            observed.value,
            f"invalid transition {source.value} -> {observed.value} "
            f"(Status '{lead.status}'); not applied",
        )


def _hygiene(run: _Run, ctx: EvaluationContext) -> None:
    hygiene = run.policy.hygiene
    fields = run.lead.fields
    run.lead_source = standard_lead_source(fields.get("lead_source"), hygiene)
    if run.lead_source is not None:
        run.record(
            LedgerKind.HYGIENE,
            fields.get("lead_source"),
            run.lead_source,
            f"LeadSource '{fields.get('lead_source')}' standardised to '{run.lead_source}'",
        )
    email = fields.get("email")
    flags = email_flags(email, ctx.duplicate_emails, hygiene)
    if flags != run.state.hygiene_flags:
        reasons = [f"{flag}: {email}" for flag in flags] or ["email flags cleared"]
        run.record(LedgerKind.HYGIENE, list(run.state.hygiene_flags), list(flags), *reasons)
        run.state = replace(run.state, hygiene_flags=flags)


def _inactive_owner(run: _Run) -> None:
    """Leads owned by an inactive user get a working owner (routing when sales owns it)."""
    owner = run.users.get(run.owner_id or "")
    if owner is None or owner.active or owner.is_queue:
        return
    why = f"owner {run.who(owner.id)} is inactive"
    if run.stage in QUALIFIED:
        _reassign(run, why)
    else:
        nurture = run.policy.recycle.nurture_owner
        run.record(LedgerKind.ASSIGNMENT, run.owner_id, nurture, f"{why}: to nurture owner")
        run.owner_id = nurture


def _maybe_qualify(run: _Run) -> None:
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
    exclude = frozenset(run.state.lapsed_owner_ids)
    chosen = assign(
        run.lead.fields,
        run.policy.routing,
        run.users,
        run.routing_state,
        run.now,
        exclude_owner_ids=exclude,
    )
    run.state = replace(run.state, peak_score=score.total, sla_reassignments=0)
    _hand_to(run, chosen, "handoff")


def _reassign(run: _Run, why: str) -> None:
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
    _hand_to(run, chosen, why)


def _hand_to(run: _Run, chosen: Assignment, why: str) -> None:
    """Give the lead to `chosen`: new handoff number, SLA due, alert Task for a user."""
    policy = run.policy
    previous = run.owner_id
    run.routing_state = chosen.state
    run.owner_id = chosen.owner_id
    run.record(
        LedgerKind.ASSIGNMENT,
        previous,
        chosen.owner_id,
        f"{why}: {run.who(chosen.owner_id)} by rule '{chosen.rule_name or 'fallback'}'",
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
    values = _placeholders(run, due, calendar, chosen.owner_id)
    run.tasks.append(
        TaskToCreate(
            owner_id=chosen.owner_id,
            who_id=run.lead.id,
            subject=policy.alerts.handoff_subject.format(**values),
            description=policy.alerts.handoff_description.format(**values),
            due=due,
            idempotency_key=f"{run.lead.id}:handoff:{number}",
        )
    )


def _placeholders(
    run: _Run, due: datetime, calendar: BusinessCalendar, owner_id: str | None
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
    }


def _follow_up(run: _Run, activities: Sequence[Activity]) -> None:
    """Measure the first touch, then recycle, else escalate a missed first response."""
    policy = run.policy
    state = run.state
    handoff_at = state.handoff_at or state.stage_entered_at or run.now
    calendar = run.cal()
    touches = owner_touches(activities, run.owner_id, handoff_at, run.now, policy.sla.touches)
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
            f"first follow-up by {run.who(run.owner_id)} after {_fmt_business(took)} "
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
        touches[-1] if touches else None,
        status.window_missed,
        run.now,
        policy.recycle,
    )
    if why is not None:
        _recycle(run, why)
        return
    if (
        run.stage is Stage.MQL
        and status.breached
        and status.first_touch_at is None
        and run.state.sla_breached_handoff < run.state.handoff_count
    ):
        _escalate(run, calendar)


def _recycle(run: _Run, why: str) -> None:
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


def _escalate(run: _Run, calendar: BusinessCalendar) -> None:
    escalation = run.policy.sla.escalation
    state = run.state
    due = state.sla_due
    assert due is not None
    owner = run.owner_id
    run.state = replace(state, sla_breached_handoff=state.handoff_count)
    late = _fmt_business(business_time_between(due, run.now, calendar))
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
            values = _placeholders(run, due, calendar, owner)
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
            _reassign(run, "SLA breached")
        else:
            run.reasons.append(
                f"not reassigned: already reassigned {run.state.sla_reassignments} time(s) "
                f"(max {escalation.max_reassignments})"
            )


# --- the decision ---------------------------------------------------------------------


def _decision(run: _Run, *, writable: bool) -> Decision:
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
        if _whole_seconds(run.sla_due) != _whole_seconds(lead.sla_due):
            changes[Output.SLA_DUE] = _whole_seconds(run.sla_due)
        if run.recycle_count != lead.recycle_count:
            changes[Output.RECYCLE_COUNT] = run.recycle_count
        if run.lead_source is not None:
            changes[Output.LEAD_SOURCE] = run.lead_source
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
