"""A crash between "Salesforce accepted the batch" and "the outbox recorded it", then a restart:
the org ends with exactly the intended values, each record re-sent at most once, and no handoff
Task is created twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from syncd_e2e import (
    mappings_routing_to_seeded_reps,
    open_mirror,
    org_matches_every_recorded_write,
    settings_for,
)

from syncd.mirror import models as m
from syncd.mirror.outbox import OutboxState
from syncd.salesforce.client import SalesforceClient, SaveResult
from syncd.settings import Settings
from syncd.simulator.server import SimulatorHandle
from syncd.sync.runtime import sync_once

pytestmark = pytest.mark.e2e


class SimulatedCrash(BaseException):
    """The process dies: nothing after this line of the writeback runs."""


class CrashingClient(SalesforceClient):
    """Sends the batch for real, then 'dies' before syncd can record Salesforce's answer."""

    def __init__(self, *args: Any, crash_on: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crash_on = crash_on
        self.sent: list[dict[str, Any]] = []

    def update_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]:
        if self.crash_on == "before update":
            self.sent = [dict(r) for r in records]
            raise SimulatedCrash
        results = super().update_records(sobject, records, retry_locked=retry_locked)
        self.sent = [dict(r) for r in records]
        if self.crash_on == "update":
            raise SimulatedCrash
        return results

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]:
        results = super().create_records(sobject, records, retry_locked=retry_locked)
        if self.crash_on == "create":
            raise SimulatedCrash
        return results


def crash_then_restart(
    handle: SimulatorHandle,
    settings: Settings,
    crash_on: str,
    between: Callable[[list[dict[str, Any]]], None] = lambda sent: None,
) -> None:
    client = CrashingClient(
        settings.require_salesforce(), api_version=settings.api_version, crash_on=crash_on
    )
    with pytest.raises(SimulatedCrash):
        sync_once(settings, dry_run=False, client=client, now=handle.org.clock)
    client.close()
    between(client.sent)
    restarted = sync_once(settings, dry_run=False, now=handle.org.clock)
    assert restarted.status == "ok", restarted.error
    assert restarted.writeback.recovered > 0


@pytest.fixture
def settings(org: SimulatorHandle, tmp_path: Path) -> Settings:
    return settings_for(
        org,
        f"sqlite:///{tmp_path / 'mirror.db'}",
        mappings_dir=mappings_routing_to_seeded_reps(org, tmp_path),
    )


def test_a_crash_after_an_accepted_update_batch_loses_nothing_and_resends_once(
    org: SimulatorHandle, settings: Settings
) -> None:
    crash_then_restart(org, settings, "update")
    org_matches_every_recorded_write(org, settings)
    per_record = org.admin.stats()["writes_per_record"]
    lead_writes = {k: v for k, v in per_record.items() if k.startswith("00Q")}
    assert lead_writes
    assert max(lead_writes.values()) <= 2


def test_a_crash_after_tasks_were_created_creates_no_task_twice(
    org: SimulatorHandle, settings: Settings
) -> None:
    crash_then_restart(org, settings, "create")
    keys = Counter(t["Syncd_Key__c"] for t in org.org.records("Task") if t.get("Syncd_Key__c"))
    assert keys
    assert max(keys.values()) == 1
    with open_mirror(settings) as sessions, sessions() as session:
        creates = session.scalars(
            select(m.OutboxEntry).where(m.OutboxEntry.operation == "create")
        ).all()
    assert {e.state for e in creates} == {OutboxState.DONE}
    assert {e.idempotency_key for e in creates} == set(keys)


@pytest.mark.parametrize("crash_on", ["update", "before update"])
def test_a_persons_edit_made_before_the_restart_survives_the_resend(
    org: SimulatorHandle, settings: Settings, crash_on: str
) -> None:
    rep = next(u["Id"] for u in org.org.records("User") if u.get("IsActive"))
    edited: dict[str, dict[str, Any]] = {}

    def person_edits(sent: list[dict[str, Any]]) -> None:
        for record in [r for r in sent if "Status" in r or "OwnerId" in r][:5]:
            edited[record["Id"]] = {"Status": "Sales Qualified", "OwnerId": rep}
            org.admin.edit_lead(record["Id"], by=rep, **edited[record["Id"]])

    crash_then_restart(org, settings, crash_on, between=person_edits)
    assert edited, "the crashed batch held no Status or owner write"
    for lead_id, values in edited.items():
        lead = org.org.get("Lead", lead_id)
        assert {k: lead[k] for k in values} == values, lead_id
