"""A person's edit after syncd's read wins (unless the field is daemon-owned), and a spent API
budget ends the cycle cleanly with nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from syncd_e2e import cycle, open_mirror, settings_for

from syncd.cli.sync_cmds import render_summary
from syncd.mirror import ledger, outbox, runs
from syncd.mirror import models as m
from syncd.mirror.outbox import OutboxState
from syncd.settings import Settings
from syncd.simulator.server import SimulatorHandle
from syncd.sync.runtime import sync_once

pytestmark = pytest.mark.e2e


def writable_lead(handle: SimulatorHandle) -> str:
    return handle.admin.open_lead_ids(1)[0]


def queue_earlier_decision(
    settings: Settings, lead_id: str, field: str, logical: str, value: object, read: object
) -> None:
    """A write syncd decided on an earlier read (``read``) and has not sent yet."""
    with open_mirror(settings) as sessions, sessions() as session:
        row = outbox.update_row(
            sobject="Lead",
            record_id=lead_id,
            field=field,
            output=logical,
            value=value,
            base=read,
            reason="decided on an earlier read",
            priority=0,
            run_id=None,
            now=datetime.now(UTC),
        )
        outbox.enqueue_updates(session.connection(), [row], datetime.now(UTC))
        session.commit()


@pytest.fixture
def settled(org: SimulatorHandle, tmp_path: Path) -> Settings:
    """A mirror in step with the org: two cycles done, nothing left to write."""
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}")
    cycle(settings, org)
    cycle(settings, org)
    return settings


def test_a_persons_owner_change_after_our_read_wins_and_is_recorded(
    org: SimulatorHandle, settled: Settings
) -> None:
    lead_id = writable_lead(org)
    read_owner = org.org.get("Lead", lead_id)["OwnerId"]
    reps = [u["Id"] for u in org.org.records("User") if u.get("IsActive") and u["Id"] != read_owner]
    ours, theirs, manager = reps[0], reps[1], reps[2]
    queue_earlier_decision(settled, lead_id, "OwnerId", "owner", ours, read_owner)
    org.org.update("Lead", lead_id, {"OwnerId": theirs}, by_user=manager)

    cycle(settled, org)

    assert org.org.get("Lead", lead_id)["OwnerId"] == theirs
    with open_mirror(settled) as sessions, sessions() as session:
        kinds = [e.kind for e in ledger.history(session.connection(), lead_id)]
        ours_entry = session.scalars(
            select(m.OutboxEntry)
            .where(m.OutboxEntry.record_id == lead_id, m.OutboxEntry.field == "OwnerId")
            .order_by(m.OutboxEntry.id)
        ).first()
    assert "conflict" in kinds
    assert ours_entry is not None
    assert ours_entry.state == OutboxState.SUPERSEDED


def test_the_summarys_conflict_count_is_the_ledgers(
    org: SimulatorHandle, settled: Settings
) -> None:
    lead_id = writable_lead(org)
    read_owner = org.org.get("Lead", lead_id)["OwnerId"]
    reps = [u["Id"] for u in org.org.records("User") if u.get("IsActive") and u["Id"] != read_owner]
    queue_earlier_decision(settled, lead_id, "OwnerId", "owner", reps[0], read_owner)
    read_status = org.org.get("Lead", lead_id)["Status"]
    queue_earlier_decision(settled, lead_id, "Status", "status", "Nurture", read_status)
    org.org.update(
        "Lead", lead_id, {"OwnerId": reps[1], "Status": "Working - Contacted"}, by_user=reps[2]
    )

    summary = cycle(settled, org)
    console = Console(record=True, width=200)
    render_summary(summary, console)

    with open_mirror(settled) as sessions, sessions() as session:
        in_ledger = session.scalar(
            select(func.count())
            .select_from(m.LedgerEntry)
            .where(m.LedgerEntry.run_id == summary.run_id, m.LedgerEntry.kind == "conflict")
        )
    assert (in_ledger or 0) >= 2
    assert f"conflicts: {in_ledger} (" in console.export_text()


def test_a_daemon_owned_field_is_put_back_after_a_persons_edit(
    org: SimulatorHandle, settled: Settings
) -> None:
    lead_id = writable_lead(org)
    ours = org.org.get("Lead", lead_id)["Lead_Score__c"]
    org.org.update("Lead", lead_id, {"Lead_Score__c": 7})

    cycle(settled, org)

    assert org.org.get("Lead", lead_id)["Lead_Score__c"] == ours


def test_a_spent_budget_ends_the_cycle_cleanly_and_keeps_the_writes_for_later(
    org: SimulatorHandle, settled: Settings
) -> None:
    lead_id = writable_lead(org)
    org.org.update("Lead", lead_id, {"Lead_Score__c": 7})
    org.admin.exhaust_budget()

    summary = sync_once(settled, dry_run=False, now=org.org.clock)

    assert summary.status == "stopped"
    assert summary.error is not None
    assert "REQUEST_LIMIT_EXCEEDED" in summary.error
    with open_mirror(settled) as sessions, sessions() as session:
        assert runs.recent_runs(session.connection(), 1)[0].status == "stopped"


def test_a_run_stopped_by_the_budget_reports_what_it_had_written(
    org: SimulatorHandle, tmp_path: Path
) -> None:
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}")
    # syncd's share is 20 %: 13 calls, enough to pull (12, no COUNT() calls) and send one
    # collection of 200 of the 287 leads to write.
    org.admin.set_faults(daily_budget=65)

    summary = sync_once(settings, dry_run=False, now=org.org.clock)

    me = org.org.integration_user_id
    sent = {w.id for w in org.admin.writes(sobject="Lead", op="update", by=me)}
    assert summary.status == "stopped"
    assert sent
    assert summary.writeback.records_written == len(sent)
    with open_mirror(settings) as sessions, sessions() as session:
        run = runs.recent_runs(session.connection(), 1)[0]
    assert run.counts["records_written"] == len(sent)
