"""A lead merged away in Salesforce: syncd records why, stops watching it, writes nothing to it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from syncd_e2e import cycle, open_mirror, settings_for

from syncd.mirror import ledger, outbox
from syncd.mirror import models as m
from syncd.simulator.server import SimulatorHandle

pytestmark = pytest.mark.e2e


def test_a_merged_away_lead_is_retired_with_its_reason_and_gets_no_writes(
    org: SimulatorHandle, tmp_path: Path
) -> None:
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}")
    cycle(settings, org)
    cycle(settings, org)
    master, loser = org.admin.open_lead_ids(2)
    with open_mirror(settings) as sessions, sessions() as session:
        row = outbox.update_row(
            sobject="Lead",
            record_id=loser,
            field="Lead_Score__c",
            output="score",
            value=55,
            base=None,
            reason="decided before the merge",
            priority=1,
            run_id=None,
            now=datetime.now(UTC),
        )
        outbox.enqueue_updates(session.connection(), [row], datetime.now(UTC))
        session.commit()
    org.org.merge_leads(master, [loser])

    summary = cycle(settings, org)

    assert summary.writeback.failed == 0
    with open_mirror(settings) as sessions, sessions() as session:
        state = session.get(m.LeadState, loser)
        last = ledger.history(session.connection(), loser)[-1]
        pending = session.scalars(
            select(m.OutboxEntry).where(
                m.OutboxEntry.record_id == loser,
                m.OutboxEntry.state.in_([s.value for s in outbox.OPEN]),
            )
        ).all()
    assert state is not None
    assert (state.stage, state.sla_state) == ("deleted", None)
    assert last.kind == "transition"
    assert f"merged into {master}" in last.reasons[0]
    assert pending == []
