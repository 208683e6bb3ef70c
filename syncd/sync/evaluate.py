"""Evaluate leads: mirror rows in, the pure engine's decisions out to outbox, ledger and state.

Nothing here decides: it translates mirror rows into domain values, calls
``syncd.domain.engine.evaluate`` and records what comes back. The one rule that lives at this
boundary is the conflict rule, because it is about *when* we read: a write still waiting in the
outbox was computed from the org value we read then; if a person has changed that field since,
the person wins unless the field is daemon-owned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syncd.domain import engine
from syncd.domain.calendar import BusinessCalendar, calendar_from_org
from syncd.domain.model import (
    Activity,
    ActivityKind,
    CampaignResponse,
    Decision,
    Lead,
    LeadState,
    Stage,
    User,
)
from syncd.domain.policy import Policy, WritebackNames, resolve_owners
from syncd.domain.routing import RoutingState
from syncd.fieldmap import FieldMappings, ObjectMapping
from syncd.mirror import models as m
from syncd.mirror import store
from syncd.sync.pull import parse_sf_datetime

# Writes that change who owns the lead and by when they must act go first when the API budget
# is short; score-only refreshes can wait for the next cycle.
URGENT_LOGICAL = frozenset({"owner", "status", "sla_due", "recycle_count"})
OPEN_STAGES = (Stage.MQL.value, Stage.SAL.value, Stage.SQL.value)
# Mirror-only marker for leads gone from the org (deleted, or merge losers); not a domain stage.
DELETED_STAGE = "deleted"


@dataclass
class EvaluationResult:
    evaluated: int = 0
    decisions_with_changes: int = 0
    fields_queued: int = 0
    tasks_queued: int = 0
    ledger_entries: int = 0
    conflicts: int = 0
    handoffs_by_owner: dict[str, int] = field(default_factory=dict)
    planned: list[dict[str, Any]] = field(default_factory=list)


def policy_for_org(policy: Policy, mapping: ObjectMapping, session: Session) -> Policy:
    """The policy with the mappings' field names and the org's owner ids filled in."""
    wb = mapping.writeback
    names = WritebackNames(
        owner=wb.get("owner", "OwnerId"),
        status=wb.get("status", "Status"),
        score=wb.get("score", "Lead_Score__c"),
        grade=wb.get("grade", "Lead_Grade__c"),
        reason=wb.get("score_reason", "Score_Reason__c"),
        sla_due=wb.get("sla_due", "SLA_Due__c"),
        recycle_count=wb.get("recycle_count", "Recycle_Count__c"),
        lead_source=wb.get("lead_source", policy.writeback.lead_source),
    )
    ids: dict[str, str] = {}
    for user in session.scalars(select(m.User)):
        for ref in (user.username, user.email):
            if ref:
                ids.setdefault(ref, user.id)
    for queue in session.scalars(select(m.Queue)):
        if queue.developer_name:
            ids[queue.developer_name] = queue.id
    return resolve_owners(replace(policy, writeback=names), ids)


def logical_names(policy: Policy) -> dict[str, str]:
    """Salesforce field -> logical output name, for priorities, conflicts and `written`."""
    wb = policy.writeback
    return {
        wb.owner: "owner",
        wb.status: "status",
        wb.score: "score",
        wb.grade: "grade",
        wb.reason: "score_reason",
        wb.sla_due: "sla_due",
        wb.recycle_count: "recycle_count",
        wb.lead_source: "lead_source",
    }


# --- comparing values the way Salesforce stores them ------------------------------------------


def normalise(value: Any) -> Any:
    """The form Salesforce stores: "" is null, datetimes whole seconds UTC, numbers as floats."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 6)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            parsed = parse_sf_datetime(value)
        except ValueError:
            return value
        return None if parsed is None else normalise(parsed)
    return value


def same_value(a: Any, b: Any) -> bool:
    return bool(normalise(a) == normalise(b))


# --- mirror rows -> domain values ------------------------------------------------------------


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(12, 0), tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            return parse_sf_datetime(value)
        except ValueError:
            return None
    return None


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def domain_users(session: Session) -> dict[str, User]:
    users: dict[str, User] = {}
    for row in session.scalars(select(m.User).where(m.User.is_deleted.is_(False))):
        extra = row.fields or {}
        users[row.id] = User(
            id=row.id,
            name=row.name or row.username or row.id,
            active=bool(row.is_active),
            away=bool(extra.get("away") or extra.get("is_away")),
            role=row.title,
            team=row.department,
            manager_id=row.manager_id,
        )
    for queue in session.scalars(select(m.Queue).where(m.Queue.is_deleted.is_(False))):
        users[queue.id] = User(
            id=queue.id, name=queue.name or queue.developer_name or "", is_queue=True
        )
    return users


def org_calendar(session: Session, mappings: FieldMappings) -> BusinessCalendar | None:
    """The org's default BusinessHours with its holidays, when the mirror has them."""
    row = session.scalars(
        select(m.BusinessHours).where(
            m.BusinessHours.is_default.is_(True), m.BusinessHours.is_deleted.is_(False)
        )
    ).first()
    if row is None or "BusinessHours" not in mappings.objects:
        return None
    bh = _as_salesforce(mappings["BusinessHours"], store.attributes_of(row))
    holidays = []
    if "Holiday" in mappings.objects:
        for h in session.scalars(select(m.Holiday).where(m.Holiday.is_deleted.is_(False))):
            holidays.append(_as_salesforce(mappings["Holiday"], store.attributes_of(h)))
    return calendar_from_org(bh, holidays)


def _as_salesforce(mapping: ObjectMapping, attrs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sf_field, attr in mapping.pull.items():
        value = attrs.get(attr)
        out[sf_field] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def _lead(row: m.Lead, state_row: m.LeadState | None, mapping: ObjectMapping) -> Lead:
    attrs = store.attributes_of(row)

    def org_value(logical: str) -> Any:
        sf_field = mapping.writeback.get(logical)
        attr = mapping.attribute_of(sf_field) if sf_field else None
        return attrs.get(attr) if attr else None

    state = LeadState.from_dict(state_row.extra) if state_row and state_row.extra else LeadState()
    reason = org_value("score_reason")
    grade = org_value("grade")
    return Lead(
        id=row.id,
        fields=attrs,
        status=row.status,
        owner_id=row.owner_id,
        is_converted=bool(row.is_converted),
        created_at=row.created_date or row.system_modstamp,
        score=_number(org_value("score")),
        grade=None if grade in (None, "") else str(grade),
        score_reason=None if reason in (None, "") else str(reason),
        sla_due=_aware(org_value("sla_due")),
        recycle_count=int(_number(org_value("recycle_count")) or 0),
        state=state,
    )


def _activity(row: Any) -> Activity | None:
    """An activity from a mirror row (ORM entity or Core row: same attribute names)."""
    when = row.created_date or _aware(row.activity_date) or row.system_modstamp
    if row.who_id is None:
        return None
    extra = row.fields or {}
    url = extra.get("url") or extra.get("description")
    return Activity(
        id=row.id,
        who_id=row.who_id,
        kind=ActivityKind.EVENT if row.kind == "Event" else ActivityKind.TASK,
        activity_date=when,
        owner_id=row.owner_id,
        type=row.type,
        subject=row.subject,
        url=str(url) if url else None,
        created_at=row.created_date,
        is_deleted=bool(row.is_deleted),
    )


def open_lead_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(m.Lead.owner_id, func.count())
        .join(m.LeadState, m.LeadState.lead_id == m.Lead.id)
        .where(m.LeadState.stage.in_(OPEN_STAGES), m.Lead.is_deleted.is_(False))
        .group_by(m.Lead.owner_id)
    ).all()
    return {str(owner): int(n) for owner, n in rows if owner}


def duplicate_email_set(session: Session) -> frozenset[str]:
    rows = session.execute(
        select(func.lower(func.trim(m.Lead.email)))
        .where(m.Lead.email.is_not(None), m.Lead.is_deleted.is_(False))
        .group_by(func.lower(func.trim(m.Lead.email)))
        .having(func.count() > 1)
    ).all()
    return frozenset(str(r[0]) for r in rows if r[0])


# --- the step --------------------------------------------------------------------------------


class Evaluator:
    """Evaluates batches of leads in one session and records the results in it."""

    def __init__(
        self,
        session: Session,
        policy: Policy,
        mappings: FieldMappings,
        *,
        run_id: str,
        now: datetime,
        plan: bool = False,
    ) -> None:
        self.session = session
        self.mapping = mappings.lead
        self.policy = policy_for_org(policy, self.mapping, session)
        self.logical = logical_names(self.policy)
        self.run_id = run_id
        self.now = now
        self.plan = plan
        self.users = domain_users(session)
        self.context = engine.EvaluationContext(
            duplicate_email_set(session), org_calendar(session, mappings)
        )
        saved = store.load_routing_state(session)
        routing = RoutingState.from_dict(saved) if saved else RoutingState()
        self.routing = routing.with_open_leads(open_lead_counts(session))
        campaigns = session.scalars(select(m.Campaign)).all()
        self.campaigns = {c.id: c for c in campaigns}
        self.result = EvaluationResult()
        self._open: list[m.OutboxEntry] = []
        self._outbox_rows: list[dict[str, Any]] = []
        self._ledger_rows: list[dict[str, Any]] = []

    def evaluate(self, lead_ids: Iterable[str]) -> EvaluationResult:
        ids = sorted(set(lead_ids))
        for chunk in store.chunked(ids):
            self._evaluate_chunk(chunk)
        store.save_routing_state(self.session, self.routing.to_dict(), self.now)
        return self.result

    def _evaluate_chunk(self, ids: list[str]) -> None:
        session = self.session
        leads = {r.id: r for r in session.scalars(select(m.Lead).where(m.Lead.id.in_(ids)))}
        states = store.lead_states(session, ids)
        activities: dict[str, list[Activity]] = defaultdict(list)
        # Core rows, not ORM entities: a lead batch can carry tens of thousands of activities.
        activity_table = m.Activity.__table__
        for act_row in session.execute(
            select(activity_table).where(
                activity_table.c.who_id.in_(ids), activity_table.c.is_deleted.is_(False)
            )
        ):
            activity = _activity(act_row)
            if activity is not None:
                activities[activity.who_id].append(activity)
        responses: dict[str, list[CampaignResponse]] = defaultdict(list)
        for cm in session.scalars(
            select(m.CampaignMember).where(
                m.CampaignMember.lead_id.in_(ids), m.CampaignMember.is_deleted.is_(False)
            )
        ):
            campaign = self.campaigns.get(cm.campaign_id or "")
            responses[str(cm.lead_id)].append(
                CampaignResponse(
                    id=cm.id,
                    lead_id=str(cm.lead_id),
                    campaign_id=str(cm.campaign_id),
                    campaign_name=(campaign.name if campaign else None) or "",
                    campaign_type=campaign.type if campaign else None,
                    member_status=cm.status,
                    responded=bool(cm.has_responded),
                    created_at=cm.created_date or cm.system_modstamp,
                )
            )
        pending = self._open_writes(ids)
        for lead_id in ids:
            row = leads.get(lead_id)
            if row is None:
                continue
            if row.is_deleted:
                self._retire(row, states.get(lead_id), pending.get(lead_id, []))
                continue
            self._resolve_conflicts(row, pending.get(lead_id, []))
            self._open = pending.get(lead_id, [])
            lead = _lead(row, states.get(lead_id), self.mapping)
            decision = engine.evaluate(
                lead,
                activities.get(lead_id, []),
                responses.get(lead_id, []),
                self.users,
                self.routing,
                self.policy,
                self.now,
                context=self.context,
            )
            if isinstance(decision.routing_state, RoutingState):
                self.routing = decision.routing_state
            self._record(lead, decision, states.get(lead_id))
            self.result.evaluated += 1
        self.session.flush()
        store.insert_outbox_updates(self.session, self._outbox_rows)
        store.insert_ledger_rows(self.session, self._ledger_rows)
        self._outbox_rows, self._ledger_rows = [], []

    def _retire(self, row: m.Lead, state: m.LeadState | None, entries: list[m.OutboxEntry]) -> None:
        """A lead deleted or merged away in Salesforce: stop watching it, write nothing to it."""
        for entry in entries:
            entry.state = store.SUPERSEDED
            entry.updated_at = self.now
            entry.last_error = "the lead was deleted or merged in Salesforce"
        if state is None or state.stage == DELETED_STAGE:
            return
        why = (
            f"merged into {row.master_record_id}"
            if row.master_record_id
            else "deleted in Salesforce"
        )
        self._ledger_rows.append(
            store.ledger_row(
                lead_id=row.id,
                kind="transition",
                at=self.now,
                before={"value": state.stage},
                after={"value": DELETED_STAGE},
                reasons=[f"lead {why}; syncd stops tracking it"],
                policy_version=self.policy.version,
                run_id=self.run_id,
            )
        )
        state.stage = DELETED_STAGE
        state.sla_state = None
        state.evaluated_at = self.now

    def _open_writes(self, ids: list[str]) -> dict[str, list[m.OutboxEntry]]:
        out: dict[str, list[m.OutboxEntry]] = defaultdict(list)
        for entry in self.session.scalars(
            select(m.OutboxEntry).where(
                m.OutboxEntry.record_id.in_(ids),
                m.OutboxEntry.operation == "update",
                m.OutboxEntry.state.in_((store.PENDING, store.RETRY)),
            )
        ):
            out[str(entry.record_id)].append(entry)
        return out

    def _resolve_conflicts(self, row: m.Lead, entries: list[m.OutboxEntry]) -> None:
        """A person changed a field after the read our pending write was based on."""
        if not entries:
            return
        attrs = store.attributes_of(row)
        for entry in entries:
            logical = entry.logical_field or self.logical.get(str(entry.field), "")
            if self.mapping.is_daemon_owned(logical) or "base" not in entry.value:
                continue
            attr = self.mapping.attribute_of(str(entry.field))
            current = attrs.get(attr) if attr else None
            if same_value(current, entry.value.get("base")):
                continue
            entry.state = store.SUPERSEDED
            entry.updated_at = self.now
            entry.last_error = "a person changed this field after syncd read it; the person wins"
            self.result.conflicts += 1
            if not self.plan:
                store.append_ledger(
                    self.session,
                    lead_id=row.id,
                    kind="conflict",
                    at=self.now,
                    before={"field": entry.field, "org_value_read": entry.value.get("base")},
                    after={
                        "field": entry.field,
                        "kept": current,
                        "not_written": entry.value.get("v"),
                    },
                    reasons=[
                        f"{entry.field} was changed in Salesforce by "
                        f"{row.last_modified_by_id or 'someone'} after syncd's last read; "
                        f"their value is kept (the field is not daemon-owned)"
                    ],
                    policy_version=self.policy.version,
                    run_id=self.run_id,
                )

    def _record(self, lead: Lead, decision: Decision, state_row: m.LeadState | None) -> None:
        session = self.session
        reason_text = "; ".join(r for r in decision.reasons if r)[:2000]
        queued = 0
        row_attrs = lead.fields
        for sf_field, value in decision.field_changes.items():
            logical = self.logical.get(sf_field, sf_field)
            attr = self.mapping.attribute_of(sf_field)
            current = row_attrs.get(attr) if attr else None
            if same_value(current, value):
                continue
            queued += 1
            if self.plan:
                self.result.planned.append(
                    {
                        "lead": lead.id,
                        "field": sf_field,
                        "from": store.json_safe(current),
                        "to": store.json_safe(value),
                        "reason": reason_text,
                    }
                )
            for older in self._open:
                if older.field == sf_field and older.state in (store.PENDING, store.RETRY):
                    older.state = store.SUPERSEDED
                    older.updated_at = self.now
            self._outbox_rows.append(
                store.outbox_update_row(
                    sobject="Lead",
                    record_id=lead.id,
                    field=sf_field,
                    logical_field=logical,
                    value=value,
                    base=store.json_safe(current),
                    reason=reason_text,
                    priority=0 if logical in URGENT_LOGICAL else 1,
                    run_id=self.run_id,
                    now=self.now,
                )
            )
            if logical == "owner" and isinstance(value, str):
                owner = self.users.get(value)
                name = owner.name if owner is not None and owner.name else value
                self.result.handoffs_by_owner[name] = self.result.handoffs_by_owner.get(name, 0) + 1
        for task in decision.tasks_to_create:
            payload = {
                "OwnerId": task.owner_id,
                "WhoId": task.who_id,
                "Subject": task.subject[:255],
                "Description": task.description,
                "Status": "Not Started",
                "Priority": "High",
            }
            if task.due is not None:
                payload["ActivityDate"] = task.due.date().isoformat()
            if self.plan:
                self.result.planned.append({"lead": lead.id, "create": "Task", **payload})
            if store.enqueue_create(
                session,
                sobject="Task",
                payload=payload,
                idempotency_key=task.idempotency_key[:80],
                reason=task.subject,
                priority=0,
                run_id=self.run_id,
                now=self.now,
                record_id=lead.id,
            ):
                self.result.tasks_queued += 1
        for decided in decision.ledger:
            self._ledger_rows.append(
                store.ledger_row(
                    lead_id=lead.id,
                    kind=decided.kind.value,
                    at=decided.at,
                    before={"value": store.json_safe(decided.before)},
                    after={"value": store.json_safe(decided.after)},
                    reasons=list(decided.reasons),
                    policy_version=decided.policy_version,
                    run_id=self.run_id,
                )
            )
            self.result.ledger_entries += 1
        if queued:
            self.result.decisions_with_changes += 1
            self.result.fields_queued += queued
        self._save_state(lead, decision, state_row)

    def _save_state(self, lead: Lead, decision: Decision, row: m.LeadState | None) -> None:
        state = decision.state
        if row is None:
            row = m.LeadState(lead_id=lead.id, stage_entered_at=self.now, stage="new")
            self.session.add(row)
        stage = state.stage.value if state.stage is not None else "new"
        row.stage = stage
        row.stage_entered_at = state.stage_entered_at or row.stage_entered_at or self.now
        row.score = float(decision.score or 0)
        row.fit_score = float(decision.fit or 0)
        row.engagement_score = float(decision.engagement or 0)
        row.peak_score = float(state.peak_score or 0)
        row.grade = decision.grade
        row.handoff_at = state.handoff_at
        row.handoff_count = state.handoff_count
        row.sla_due = state.sla_due
        row.sla_state = _sla_state(state, stage)
        row.first_touch_at = state.first_touch_at
        row.recycle_count = lead.recycle_count
        row.previous_owner_ids = list(state.lapsed_owner_ids)
        row.extra = state.to_dict()
        row.policy_version = decision.policy_version
        row.evaluated_at = self.now
        row.stage_seconds = _aging(state)


def _sla_state(state: LeadState, stage: str) -> str | None:
    if state.handoff_count == 0 or state.sla_due is None:
        return None
    if state.first_touch_at is not None:
        return "met"
    if state.sla_breached_handoff >= state.handoff_count:
        return "breached"
    return "open" if stage in OPEN_STAGES else None


def _aging(state: LeadState) -> dict[str, Any]:
    """Seconds spent in each stage, from the stage history the engine keeps."""
    spans: dict[str, float] = {}
    history = list(state.stage_history)
    for (stage, start), nxt in zip(history, [*history[1:], None], strict=True):
        begin = _aware(start)
        end = _aware(nxt[1]) if nxt else None
        if begin and end:
            spans[stage] = spans.get(stage, 0.0) + (end - begin).total_seconds()
    return spans


def leads_touched_by(
    session: Session, activity_ids: Iterable[str], member_ids: Iterable[str]
) -> set[str]:
    """Leads whose activities or campaign memberships changed in this pull."""
    out: set[str] = set()
    for chunk in store.chunked(list(activity_ids)):
        out.update(
            str(w)
            for w in session.scalars(select(m.Activity.who_id).where(m.Activity.id.in_(chunk)))
            if w
        )
    for chunk in store.chunked(list(member_ids)):
        out.update(
            str(w)
            for w in session.scalars(
                select(m.CampaignMember.lead_id).where(m.CampaignMember.id.in_(chunk))
            )
            if w
        )
    return {i for i in out if i.startswith("00Q")}
