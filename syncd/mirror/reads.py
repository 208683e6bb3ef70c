"""Mirror rows into the rules core's values: leads, activities, campaign responses, owners,
the org calendar. The one place that knows both the tables and the domain's types.

Batches, not rows: every read takes a list of lead ids and answers in a few statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from syncd.config.fields import ObjectMapping
from syncd.domain.calendar import (
    ALL_DAY,
    BusinessCalendar,
    Closure,
    DateHoliday,
    Holiday,
    Weekday,
    YearlyHoliday,
    YearlyNthHoliday,
    calendar_from_hours,
)
from syncd.domain.hygiene import duplicate_emails
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.model import Activity, ActivityKind, CampaignResponse, Lead, LeadState, User
from syncd.domain.outputs import Output
from syncd.domain.owners import DirectoryQueue, DirectoryUser, OwnerDirectory
from syncd.mirror import models as m
from syncd.mirror.util import chunked

__all__ = [
    "LeadInputs",
    "activities_for",
    "campaign_responses_for",
    "domain_users",
    "duplicate_email_set",
    "hygiene_flagged",
    "lead_inputs",
    "open_lead_counts",
    "org_calendar",
    "owner_directory",
]

LEADS: Table = m.Lead.__table__  # type: ignore[assignment]
STATES: Table = m.LeadState.__table__  # type: ignore[assignment]
ACTIVITIES: Table = m.Activity.__table__  # type: ignore[assignment]
MEMBERS: Table = m.CampaignMember.__table__  # type: ignore[assignment]
CAMPAIGNS: Table = m.Campaign.__table__  # type: ignore[assignment]
USERS: Table = m.User.__table__  # type: ignore[assignment]
QUEUES: Table = m.Queue.__table__  # type: ignore[assignment]
HOURS: Table = m.BusinessHours.__table__  # type: ignore[assignment]
HOLIDAYS: Table = m.Holiday.__table__  # type: ignore[assignment]
OPEN_STAGE_VALUES = tuple(s.value for s in OPEN_STAGES)


def attributes(row: Any) -> dict[str, Any]:
    """A mirror row as one attribute mapping (typed columns and ``fields`` merged)."""
    mapping = row._mapping
    out: dict[str, Any] = dict(mapping.get("fields") or {})
    for key, value in mapping.items():
        if key not in ("fields", "mirrored_at"):
            out[key] = value
    return out


def _aware(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


class LeadInputs:
    """One batch of leads with everything the engine needs about each."""

    def __init__(
        self,
        leads: dict[str, Lead],
        deleted: dict[str, str | None],
        states: Mapping[str, Mapping[str, Any]],
        activities: dict[str, list[Activity]],
        responses: dict[str, list[CampaignResponse]],
    ) -> None:
        self.leads = leads
        #: lead id -> the survivor's id for merge losers, None for plain deletes
        self.deleted = deleted
        #: lead id -> its lead_state row (stage, ...) as stored
        self.states = states
        self.activities = activities
        self.responses = responses


def lead_inputs(conn: Connection, ids: Sequence[str], mapping: ObjectMapping) -> LeadInputs:
    """Leads ``ids`` as domain values, with their state, activities and campaign responses."""
    rows = {
        r.id: r
        for chunk in chunked(list(ids))
        for r in conn.execute(select(LEADS).where(LEADS.c.id.in_(chunk)))
    }
    states = {
        r.lead_id: dict(r._mapping)
        for chunk in chunked(list(ids))
        for r in conn.execute(select(STATES).where(STATES.c.lead_id.in_(chunk)))
    }
    org_attr = {
        o: mapping.attribute_of(mapping.field_for(o)) for o in Output if o in mapping.writeback
    }
    leads: dict[str, Lead] = {}
    deleted: dict[str, str | None] = {}
    for lead_id, row in rows.items():
        if row.is_deleted:
            deleted[lead_id] = row.master_record_id
            continue
        attrs = attributes(row)
        state_row = states.get(lead_id)
        extra = state_row.get("extra") if state_row else None
        state = LeadState.from_dict(extra) if extra else LeadState()

        def org_value(output: Output, attrs: Mapping[str, Any] = attrs) -> Any:
            attr = org_attr.get(output)
            return attrs.get(attr) if attr else None

        grade = org_value(Output.GRADE)
        reason = org_value(Output.SCORE_REASON)
        leads[lead_id] = Lead(
            id=lead_id,
            fields=attrs,
            status=row.status,
            owner_id=row.owner_id,
            is_converted=bool(row.is_converted),
            created_at=row.created_date or row.system_modstamp,
            score=_number(org_value(Output.SCORE)),
            grade=None if grade in (None, "") else str(grade),
            score_reason=None if reason in (None, "") else str(reason),
            sla_due=_aware(org_value(Output.SLA_DUE)),
            recycle_count=int(_number(org_value(Output.RECYCLE_COUNT)) or 0),
            state=state,
        )
    live = list(leads)
    return LeadInputs(
        leads,
        deleted,
        states,
        activities_for(conn, live),
        campaign_responses_for(conn, live),
    )


def _activity(row: Any) -> Activity | None:
    if row.who_id is None:
        return None
    # An activity counts when it happened: created, else its due date, else its last change.
    when = row.created_date or _aware(row.activity_date) or row.system_modstamp
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


def activities_for(conn: Connection, lead_ids: Sequence[str]) -> dict[str, list[Activity]]:
    out: dict[str, list[Activity]] = defaultdict(list)
    for chunk in chunked(list(lead_ids)):
        stmt = select(ACTIVITIES).where(
            ACTIVITIES.c.who_id.in_(chunk), ACTIVITIES.c.is_deleted.is_(False)
        )
        for row in conn.execute(stmt):
            activity = _activity(row)
            if activity is not None:
                out[activity.who_id].append(activity)
    return out


def campaign_responses_for(
    conn: Connection, lead_ids: Sequence[str]
) -> dict[str, list[CampaignResponse]]:
    campaigns = {
        r.id: r for r in conn.execute(select(CAMPAIGNS.c.id, CAMPAIGNS.c.name, CAMPAIGNS.c.type))
    }
    out: dict[str, list[CampaignResponse]] = defaultdict(list)
    for chunk in chunked(list(lead_ids)):
        stmt = select(MEMBERS).where(MEMBERS.c.lead_id.in_(chunk), MEMBERS.c.is_deleted.is_(False))
        for cm in conn.execute(stmt):
            campaign = campaigns.get(cm.campaign_id or "")
            out[str(cm.lead_id)].append(
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
    return out


def domain_users(conn: Connection) -> dict[str, User]:
    """Every possible owner (users and queues) by id."""
    users: dict[str, User] = {}
    for row in conn.execute(select(USERS).where(USERS.c.is_deleted.is_(False))):
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
    for queue in conn.execute(select(QUEUES).where(QUEUES.c.is_deleted.is_(False))):
        users[queue.id] = User(
            id=queue.id, name=queue.name or queue.developer_name or "", is_queue=True
        )
    return users


def owner_directory(conn: Connection) -> OwnerDirectory:
    """The org's users and queues as the policy's owner references are resolved against."""
    users = tuple(
        DirectoryUser(r.id, r.username, r.email, bool(r.is_active), r.name or "")
        for r in conn.execute(select(USERS).where(USERS.c.is_deleted.is_(False)))
    )
    queues = tuple(
        DirectoryQueue(r.id, r.developer_name, r.name or "")
        for r in conn.execute(select(QUEUES).where(QUEUES.c.is_deleted.is_(False)))
    )
    return OwnerDirectory(users, queues)


def open_lead_counts(conn: Connection, open_statuses: Iterable[str] = ()) -> dict[str, int]:
    """Open leads (see `OPEN_STAGES`) per owner, as the org holds them: a rep's open cap
    counts every open lead they own, not only those syncd handed over. A lead syncd has not
    evaluated yet (the go-live backlog) counts by its Status (``open_statuses``, folded)."""
    folded = tuple(open_statuses)
    is_open: ColumnElement[bool] = STATES.c.stage.in_(OPEN_STAGE_VALUES)
    if folded:
        by_status = and_(
            STATES.c.stage.is_(None), func.lower(func.trim(LEADS.c.status)).in_(folded)
        )
        is_open = or_(is_open, by_status)
    stmt = (
        select(LEADS.c.owner_id, func.count())
        .select_from(LEADS.outerjoin(STATES, STATES.c.lead_id == LEADS.c.id))
        .where(is_open, LEADS.c.is_deleted.is_(False))
        .group_by(LEADS.c.owner_id)
    )
    return {str(owner): int(n) for owner, n in conn.execute(stmt) if owner}


def duplicate_email_set(conn: Connection) -> frozenset[str]:
    """Emails (the domain's normal form) that more than one live lead has."""
    stmt = select(LEADS.c.email).where(LEADS.c.email.is_not(None), LEADS.c.is_deleted.is_(False))
    return duplicate_emails(conn.scalars(stmt))


def org_calendar(conn: Connection) -> tuple[BusinessCalendar | None, list[str]]:
    """The org's default BusinessHours with its holidays, and why any part was not applied."""
    row = conn.execute(
        select(HOURS).where(HOURS.c.is_default.is_(True), HOURS.c.is_deleted.is_(False))
    ).first()
    if row is None:
        return None, []
    holidays = [
        attributes(h)
        for h in conn.execute(select(HOLIDAYS).where(HOLIDAYS.c.is_deleted.is_(False)))
    ]
    calendar = calendar_from_attributes(attributes(row), holidays)
    return calendar, list(calendar.ignored)


def calendar_from_attributes(
    hours: Mapping[str, Any], holidays: Sequence[Mapping[str, Any]]
) -> BusinessCalendar:
    """A calendar from a BusinessHours row and Holiday rows as the mirror stores them."""
    weekly: list[tuple[int, int] | None] = []
    for day in Weekday:
        name = day.name.lower()
        start, end = hours.get(f"{name}_start_time"), hours.get(f"{name}_end_time")
        weekly.append(None if start is None or end is None else (int(start), int(end)))
    ignored: list[str] = []
    parsed: list[Holiday] = []
    for h in holidays:
        holiday = _holiday(h)
        if isinstance(holiday, str):
            ignored.append(f"Holiday {h.get('name') or h.get('id')}: {holiday}; not applied")
        else:
            parsed.append(holiday)
    return calendar_from_hours(str(hours.get("time_zone_sid_key")), weekly, parsed, ignored)


def _holiday(a: Mapping[str, Any]) -> Holiday | str:
    name = str(a.get("name") or a.get("id") or "")
    try:
        closure = (
            ALL_DAY
            if a.get("is_all_day") is not False
            else Closure(int(a["start_time_in_minutes"]), int(a["end_time_in_minutes"]))
        )
    except (KeyError, TypeError, ValueError):
        return "a partial-day holiday without a valid start and end time"
    kind = a.get("recurrence_type")
    valid_from = _day(a.get("recurrence_start_date"))
    valid_until = _day(a.get("recurrence_end_date_only"))
    try:
        if not a.get("is_recurrence"):
            day = _day(a.get("activity_date"))
            if day is None:
                return "no date"
            return DateHoliday(day, name, closure)
        month = a.get("recurrence_month_of_year")
        if kind == "yearly":
            return YearlyHoliday(
                int(month or 0),
                int(a.get("recurrence_day_of_month") or 0),
                name,
                closure,
                valid_from,
                valid_until,
            )
        if kind == "yearly_nth":
            weekday = a.get("recurrence_day_of_week_mask")
            if weekday is None or int(weekday) < 0:
                return "a recurrence on several weekdays is not supported"
            return YearlyNthHoliday(
                int(month or 0),
                Weekday(int(weekday)),
                int(a.get("recurrence_instance") or 0),
                name,
                closure,
                valid_from,
                valid_until,
            )
    except (TypeError, ValueError) as exc:
        return f"not a date that recurs: {exc}"
    return f"recurrence {kind!r} is not supported (only once, yearly, yearly on the nth weekday)"


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def leads_touched_by(
    conn: Connection, activity_ids: Iterable[str], member_ids: Iterable[str]
) -> set[str]:
    """Leads whose activities or campaign memberships changed (only ids of mirrored leads)."""
    out: set[str] = set()
    for chunk in chunked(sorted(set(activity_ids))):
        stmt = (
            select(ACTIVITIES.c.who_id)
            .select_from(ACTIVITIES.join(LEADS, LEADS.c.id == ACTIVITIES.c.who_id))
            .where(ACTIVITIES.c.id.in_(chunk))
        )
        out.update(str(w) for w in conn.scalars(stmt))
    for chunk in chunked(sorted(set(member_ids))):
        stmt = select(MEMBERS.c.lead_id).where(
            MEMBERS.c.id.in_(chunk), MEMBERS.c.lead_id.is_not(None)
        )
        out.update(str(w) for w in conn.scalars(stmt))
    return out


def hygiene_flagged(conn: Connection) -> list[tuple[str, tuple[str, ...]]]:
    """Live leads with hygiene flags (invalid or duplicate email), by id: (id, flags)."""
    stmt = (
        select(STATES.c.lead_id, STATES.c.extra)
        .select_from(STATES.join(LEADS, LEADS.c.id == STATES.c.lead_id))
        .where(LEADS.c.is_deleted.is_(False))
        .order_by(STATES.c.lead_id)
    )
    found = []
    for lead_id, extra in conn.execute(stmt):
        flags = tuple(str(f) for f in (extra or {}).get("hygiene_flags") or ())
        if flags:
            found.append((str(lead_id), flags))
    return found
