"""initial mirror schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 16:31:54.032382
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import syncd.mirror.types

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('activities',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('who_id', sa.String(length=18), nullable=True),
    sa.Column('what_id', sa.String(length=18), nullable=True),
    sa.Column('owner_id', sa.String(length=18), nullable=True),
    sa.Column('type', sa.String(length=255), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('activity_date', sa.Date(), nullable=True),
    sa.Column('created_date', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_who_id_created_date'), ['who_id', 'created_date'], unique=False)

    op.create_table('business_hours',
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('time_zone_sid_key', sa.String(length=40), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_hours'))
    )
    op.create_table('campaign_members',
    sa.Column('campaign_id', sa.String(length=18), nullable=True),
    sa.Column('lead_id', sa.String(length=18), nullable=True),
    sa.Column('contact_id', sa.String(length=18), nullable=True),
    sa.Column('status', sa.String(length=255), nullable=True),
    sa.Column('has_responded', sa.Boolean(), nullable=False),
    sa.Column('first_responded_date', sa.Date(), nullable=True),
    sa.Column('created_date', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_members'))
    )
    with op.batch_alter_table('campaign_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_members_lead_id'), ['lead_id'], unique=False)

    op.create_table('campaigns',
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('type', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=18), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('policy_version', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_kind_at'), ['kind', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_lead_id_at'), ['lead_id', 'at'], unique=False)

    op.create_table('holidays',
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('activity_date', sa.Date(), nullable=True),
    sa.Column('is_all_day', sa.Boolean(), nullable=False),
    sa.Column('start_time_in_minutes', sa.Integer(), nullable=True),
    sa.Column('end_time_in_minutes', sa.Integer(), nullable=True),
    sa.Column('is_recurrence', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holidays'))
    )
    op.create_table('lead_state',
    sa.Column('lead_id', sa.String(length=18), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stage_entered_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stage_seconds', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fit_score', sa.Float(), nullable=False),
    sa.Column('engagement_score', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('peak_score', sa.Float(), nullable=False),
    sa.Column('grade', sa.String(length=2), nullable=True),
    sa.Column('handoff_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handoff_count', sa.Integer(), nullable=False),
    sa.Column('sla_due', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sla_state', sa.String(length=20), nullable=True),
    sa.Column('first_touch_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_owner_touch_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_engagement_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recycle_count', sa.Integer(), nullable=False),
    sa.Column('previous_owner_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('written', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('policy_version', sa.String(length=64), nullable=True),
    sa.Column('evaluated_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('lead_id', name=op.f('pk_lead_state'))
    )
    with op.batch_alter_table('lead_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_state_sla_state_sla_due'), ['sla_state', 'sla_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_state_stage_last_owner_touch_at'), ['stage', 'last_owner_touch_at'], unique=False)

    op.create_table('leads',
    sa.Column('owner_id', sa.String(length=18), nullable=True),
    sa.Column('status', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('lead_source', sa.String(length=255), nullable=True),
    sa.Column('country', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=80), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('is_converted', sa.Boolean(), nullable=False),
    sa.Column('converted_date', sa.Date(), nullable=True),
    sa.Column('converted_opportunity_id', sa.String(length=18), nullable=True),
    sa.Column('master_record_id', sa.String(length=18), nullable=True),
    sa.Column('created_date', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_modified_date', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_modified_by_id', sa.String(length=18), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_system_modstamp'), ['system_modstamp'], unique=False)

    op.create_table('meta',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('opportunities',
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('stage_name', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('is_closed', sa.Boolean(), nullable=False),
    sa.Column('is_won', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.String(length=18), nullable=True),
    sa.Column('created_date', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('sobject', sa.String(length=40), nullable=False),
    sa.Column('operation', sa.String(length=10), nullable=False),
    sa.Column('record_id', sa.String(length=18), nullable=True),
    sa.Column('field', sa.String(length=80), nullable=True),
    sa.Column('logical_field', sa.String(length=40), nullable=True),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('error_code', sa.String(length=80), nullable=True),
    sa.Column('batch_id', sa.String(length=36), nullable=True),
    sa.Column('created_record_id', sa.String(length=18), nullable=True),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_idempotency_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_record_id_field_state'), ['record_id', 'field', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_state_next_attempt_at_priority'), ['state', 'next_attempt_at', 'priority'], unique=False)

    op.create_table('queues',
    sa.Column('developer_name', sa.String(length=80), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('type', sa.String(length=40), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queues'))
    )
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queues_developer_name'), ['developer_name'], unique=False)

    op.create_table('routing_state',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('state', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_routing_state'))
    )
    op.create_table('sync_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('started_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('api_calls', sa.Integer(), nullable=False),
    sa.Column('api_budget_left', sa.Integer(), nullable=True),
    sa.Column('policy_version', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_started_at'), ['started_at'], unique=False)

    op.create_table('users',
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('department', sa.String(length=255), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('role_id', sa.String(length=18), nullable=True),
    sa.Column('manager_id', sa.String(length=18), nullable=True),
    sa.Column('id', sa.String(length=18), nullable=False),
    sa.Column('system_modstamp', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mirrored_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_table('watermarks',
    sa.Column('sobject', sa.String(length=40), nullable=False),
    sa.Column('watermark', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('updated_at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('full_pull_done', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('sobject', name=op.f('pk_watermarks'))
    )
    op.create_table('run_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('at', syncd.mirror.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=18), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['sync_runs.id'], name=op.f('fk_run_events_run_id_sync_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_events'))
    )
    with op.batch_alter_table('run_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_events_run_id_at'), ['run_id', 'at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('run_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_events_run_id_at'))

    op.drop_table('run_events')
    op.drop_table('watermarks')
    op.drop_table('users')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_runs_started_at'))

    op.drop_table('sync_runs')
    op.drop_table('routing_state')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queues_developer_name'))

    op.drop_table('queues')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_state_next_attempt_at_priority'))
        batch_op.drop_index(batch_op.f('ix_outbox_record_id_field_state'))

    op.drop_table('outbox')
    op.drop_table('opportunities')
    op.drop_table('meta')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_system_modstamp'))
        batch_op.drop_index(batch_op.f('ix_leads_owner_id'))
        batch_op.drop_index(batch_op.f('ix_leads_email'))

    op.drop_table('leads')
    with op.batch_alter_table('lead_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_state_stage_last_owner_touch_at'))
        batch_op.drop_index(batch_op.f('ix_lead_state_sla_state_sla_due'))

    op.drop_table('lead_state')
    op.drop_table('holidays')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_lead_id_at'))
        batch_op.drop_index(batch_op.f('ix_decisions_kind_at'))

    op.drop_table('decisions')
    op.drop_table('campaigns')
    with op.batch_alter_table('campaign_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_members_lead_id'))

    op.drop_table('campaign_members')
    op.drop_table('business_hours')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_who_id_created_date'))

    op.drop_table('activities')

