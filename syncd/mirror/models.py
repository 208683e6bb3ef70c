"""The mirror's tables.

Org objects (leads, activities, users, ...) keep typed columns for what the rules, the sweeps
and the indexes use, and a JSON ``fields`` column for every other mapped attribute, so an admin
can pull a new field by editing ``mappings/fields.yaml`` without a migration.

syncd's own state (lead lifecycle state, outbox, decision ledger, runs, watermarks, routing
state) lives in tables the org never sees.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from syncd.mirror.types import UTCDateTime, json_type

SFID = String(18)

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: json_type(),
        list[Any]: json_type(),
    }


class _OrgRecord:
    """Columns every mirrored Salesforce record has."""

    id: Mapped[str] = mapped_column(SFID, primary_key=True)
    system_modstamp: Mapped[datetime]
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mirrored_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------------
# Mirror of the org
# ---------------------------------------------------------------------------------------------


class Lead(_OrgRecord, Base):
    __tablename__ = "leads"

    owner_id: Mapped[str | None] = mapped_column(SFID, index=True)
    status: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    lead_source: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str | None] = mapped_column(String(80))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    is_converted: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_date: Mapped[date | None] = mapped_column(Date)
    converted_opportunity_id: Mapped[str | None] = mapped_column(SFID)
    master_record_id: Mapped[str | None] = mapped_column(SFID)
    created_date: Mapped[datetime | None]
    last_modified_date: Mapped[datetime | None]
    last_modified_by_id: Mapped[str | None] = mapped_column(SFID)

    __table_args__ = (Index(None, "system_modstamp"),)


class Activity(_OrgRecord, Base):
    """Tasks and Events, told apart by ``kind``."""

    __tablename__ = "activities"

    kind: Mapped[str] = mapped_column(String(8))  # "Task" or "Event"
    who_id: Mapped[str | None] = mapped_column(SFID)
    what_id: Mapped[str | None] = mapped_column(SFID)
    owner_id: Mapped[str | None] = mapped_column(SFID)
    type: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(255))
    activity_date: Mapped[date | None] = mapped_column(Date)
    created_date: Mapped[datetime | None]

    # Activities are always read per lead, newest first.
    __table_args__ = (Index(None, "who_id", "created_date"),)


class User(_OrgRecord, Base):
    __tablename__ = "users"

    username: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    role_id: Mapped[str | None] = mapped_column(SFID)
    manager_id: Mapped[str | None] = mapped_column(SFID)


class Queue(_OrgRecord, Base):
    """Salesforce Groups of type Queue (lead owners that are not people)."""

    __tablename__ = "queues"

    developer_name: Mapped[str | None] = mapped_column(String(80), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(40))


class Campaign(_OrgRecord, Base):
    __tablename__ = "campaigns"

    name: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    start_date: Mapped[date | None] = mapped_column(Date)


class CampaignMember(_OrgRecord, Base):
    __tablename__ = "campaign_members"

    campaign_id: Mapped[str | None] = mapped_column(SFID)
    lead_id: Mapped[str | None] = mapped_column(SFID, index=True)
    contact_id: Mapped[str | None] = mapped_column(SFID)
    status: Mapped[str | None] = mapped_column(String(255))
    has_responded: Mapped[bool] = mapped_column(Boolean, default=False)
    first_responded_date: Mapped[date | None] = mapped_column(Date)
    created_date: Mapped[datetime | None]


class Opportunity(_OrgRecord, Base):
    """Opportunities, so revenue can be traced back to the lead that was converted."""

    __tablename__ = "opportunities"

    name: Mapped[str | None] = mapped_column(String(255))
    stage_name: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    close_date: Mapped[date | None] = mapped_column(Date)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_won: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[str | None] = mapped_column(SFID)
    created_date: Mapped[datetime | None]


class BusinessHours(_OrgRecord, Base):
    """Weekday start/end times live in ``fields`` under their Salesforce names."""

    __tablename__ = "business_hours"

    name: Mapped[str | None] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    time_zone_sid_key: Mapped[str | None] = mapped_column(String(40))


class Holiday(_OrgRecord, Base):
    __tablename__ = "holidays"

    name: Mapped[str | None] = mapped_column(String(80))
    activity_date: Mapped[date | None] = mapped_column(Date)
    is_all_day: Mapped[bool] = mapped_column(Boolean, default=True)
    start_time_in_minutes: Mapped[int | None] = mapped_column(Integer)
    end_time_in_minutes: Mapped[int | None] = mapped_column(Integer)
    is_recurrence: Mapped[bool] = mapped_column(Boolean, default=False)


# ---------------------------------------------------------------------------------------------
# syncd's own state
# ---------------------------------------------------------------------------------------------


class LeadState(Base):
    """What syncd knows about a lead beyond the org's fields: stage, handoff, SLA, history."""

    __tablename__ = "lead_state"

    lead_id: Mapped[str] = mapped_column(SFID, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    stage_entered_at: Mapped[datetime]
    # Seconds spent in each stage so far (aging), keyed by stage name.
    stage_seconds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fit_score: Mapped[float] = mapped_column(Float, default=0.0)
    engagement_score: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    peak_score: Mapped[float] = mapped_column(Float, default=0.0)
    grade: Mapped[str | None] = mapped_column(String(2))
    handoff_at: Mapped[datetime | None]
    handoff_count: Mapped[int] = mapped_column(Integer, default=0)
    sla_due: Mapped[datetime | None]
    sla_state: Mapped[str | None] = mapped_column(String(20))
    first_touch_at: Mapped[datetime | None]
    last_owner_touch_at: Mapped[datetime | None]
    last_engagement_at: Mapped[datetime | None]
    recycle_count: Mapped[int] = mapped_column(Integer, default=0)
    previous_owner_ids: Mapped[list[Any]] = mapped_column(default=list)
    # The values syncd last wrote, per logical field, with when: how a person's edit is spotted.
    written: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Everything else the engine carries between evaluations (plain JSON from the domain).
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_version: Mapped[str | None] = mapped_column(String(64))
    evaluated_at: Mapped[datetime | None]
    # The next moment a clock could change the decision (the engine's LeadState.recheck_at).
    recheck_at: Mapped[datetime | None]

    __table_args__ = (
        # The SLA sweep reads only what is due: open SLAs by due time.
        Index(None, "sla_state", "sla_due"),
        # Rechecks read only the leads whose next deadline has come.
        Index(None, "recheck_at"),
        # The recycle sweep reads qualified stages by last owner touch.
        Index(None, "stage", "last_owner_touch_at"),
    )


class Watermark(Base):
    """Per-object high-water mark on SystemModstamp, saved with the rows it covers."""

    __tablename__ = "watermarks"

    sobject: Mapped[str] = mapped_column(String(40), primary_key=True)
    watermark: Mapped[datetime]
    run_id: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime]
    full_pull_done: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxEntry(Base):
    """A pending write to the org: one field of one record, or one record to create."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    sobject: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(10))  # "update" or "create"
    record_id: Mapped[str | None] = mapped_column(SFID)  # the lead, for updates
    field: Mapped[str | None] = mapped_column(String(80))  # Salesforce field, for updates
    logical_field: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"v": value} keeps nulls
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # whole record, for creates
    # Creates are made exactly once: this key is written to the record and checked on recovery.
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=1)  # 0 first: owner, status, SLA
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(80))
    batch_id: Mapped[str | None] = mapped_column(String(36))
    created_record_id: Mapped[str | None] = mapped_column(SFID)
    run_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        # The sender reads only what is due to send, by priority.
        Index(None, "state", "next_attempt_at", "priority"),
        Index(None, "record_id", "field", "state"),
        # A pull tells the Tasks syncd created (their echo) by the id Salesforce gave them.
        Index(None, "created_record_id"),
    )


class LedgerEntry(Base):
    """Every decision with its reasons and the policy version that made it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    lead_id: Mapped[str] = mapped_column(SFID)
    run_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))  # score, transition, assignment, sla, ...
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    policy_version: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index(None, "lead_id", "at"), Index(None, "kind", "at"))


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12))  # running, ok, failed, stopped
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    api_budget_left: Mapped[int | None] = mapped_column(Integer)
    policy_version: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "started_at"),)


class RunEvent(Base):
    """Warnings and per-record errors of a run, for ops to read back."""

    __tablename__ = "run_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    run_id: Mapped[str] = mapped_column(String(36), ForeignKey("sync_runs.id"))
    at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(SFID)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # Housekeeping prunes by age.
    __table_args__ = (Index(None, "run_id", "at"), Index(None, "at"))


class ReconcileSeen(Base):
    """The Ids (and SystemModstamps) the org holds now, per object, while the nightly
    reconcile compares them with the mirror in SQL (a million Ids never sit in memory)."""

    __tablename__ = "reconcile_seen"

    sobject: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(SFID, primary_key=True)
    system_modstamp: Mapped[datetime | None]


class RoutingStateRow(Base):
    """Round-robin fairness and caps survive restarts: the domain's state as plain JSON."""

    __tablename__ = "routing_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class Meta(Base):
    """Small named facts about the mirror itself (e.g. when the last full rescore ran)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


# Org object name -> mirror model, for the pull.
ORG_MODELS: dict[str, type[_OrgRecord]] = {
    "Lead": Lead,
    "Task": Activity,
    "Event": Activity,
    "User": User,
    "Group": Queue,
    "Campaign": Campaign,
    "CampaignMember": CampaignMember,
    "Opportunity": Opportunity,
    "BusinessHours": BusinessHours,
    "Holiday": Holiday,
}
