"""The nightly jobs: the reconcile's full Id comparison catches what the incremental pull
cannot see (a delete purged before it was read, rows the mirror lost or holds stale), and
records what it found; housekeeping prunes old run events and blanks the personal fields of
leads deleted in Salesforce longer ago than the retention. Both mirror backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from syncd_e2e import cycle, settings_for

from syncd.config import load_config
from syncd.daemon.jobs import JobContext, housekeeping, run_job
from syncd.mirror import Mirror
from syncd.mirror import models as m
from syncd.settings import Settings
from syncd.simulator.server import SimulatorHandle
from syncd.sync.cycle import CycleSummary
from syncd.sync.runtime import connect

pytestmark = pytest.mark.e2e


@contextmanager
def job_context(settings: Settings, handle: SimulatorHandle) -> Iterator[JobContext]:
    mirror = Mirror.open(settings.database_url)
    client, budget = connect(settings, mirror)
    try:
        yield JobContext(
            settings=settings,
            mirror=mirror,
            client=client,
            budget_left=budget.allowance,
            stop=lambda: False,
            now=handle.org.clock,
        )
    finally:
        client.close()
        mirror.close()


def nightly_reconcile(settings: Settings, handle: SimulatorHandle) -> CycleSummary:
    with job_context(settings, handle) as ctx:
        summary = run_job("reconcile", ctx, load_config(settings.mappings_dir))
    assert summary is not None
    assert summary.status == "ok", summary.error
    return summary


def mirrored_lead(settings: Settings, lead_id: str) -> m.Lead | None:
    mirror = Mirror.open(settings.database_url)
    try:
        with mirror.engine.connect() as c:
            row = c.execute(select(m.Lead.__table__).where(m.Lead.__table__.c.id == lead_id))
            return row.first()  # type: ignore[return-value]
    finally:
        mirror.close()


def test_a_delete_purged_before_the_pull_read_it_is_found_by_the_reconcile(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    lead_id = org.admin.open_lead_ids(1)[0]
    org.org.delete("Lead", lead_id)
    assert org.admin.empty_recycle_bin("Lead") == 1
    cycle(settings, org)
    row = mirrored_lead(settings, lead_id)
    assert row is not None
    assert row.is_deleted is False  # queryAll no longer returns it: the pull cannot know

    summary = nightly_reconcile(settings, org)

    row = mirrored_lead(settings, lead_id)
    assert row is not None
    assert row.is_deleted is True
    assert summary.reconciled["Lead"]["missed_deletes"] == 1


def test_rows_the_mirror_lost_or_holds_stale_are_read_again(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    org.admin.advance_clock(timedelta(hours=1))
    cycle(settings, org)  # the pull's watermark is past every lead now
    lost, stale = org.admin.open_lead_ids(2)
    mirror = Mirror.open(database_url)
    leads = m.Lead.__table__
    with mirror.engine.begin() as c:
        c.execute(delete(leads).where(leads.c.id == lost))
        old = c.execute(select(leads.c.system_modstamp).where(leads.c.id == stale)).scalar_one()
        c.execute(
            update(leads)
            .where(leads.c.id == stale)
            .values(status="Disqualified", system_modstamp=old - timedelta(days=3))
        )
    mirror.close()

    summary = nightly_reconcile(settings, org)

    assert summary.reconciled["Lead"]["missing"] == 1
    assert summary.reconciled["Lead"]["stale"] == 1
    assert mirrored_lead(settings, lost) is not None
    restored = mirrored_lead(settings, stale)
    assert restored is not None
    assert restored.status == org.org.get("Lead", stale)["Status"]


def test_the_reconcile_records_what_it_found_per_object(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    summary = nightly_reconcile(settings, org)
    mirror = Mirror.open(database_url)
    events = [e for e in mirror.run_events(summary.run_id) if e.kind == "reconcile"]
    mirror.close()
    by_object = {e.message.split(":")[0]: e for e in events}
    assert set(by_object) == set(load_config(settings.mappings_dir).mappings.objects)
    assert "the mirror agrees" in by_object["Lead"].message
    assert by_object["Lead"].details["in_org"] == org.org.count("Lead")


def test_housekeeping_blanks_personal_fields_of_leads_deleted_past_the_retention(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url, deleted_retention_days=30)
    cycle(settings, org)
    old, recent = org.admin.open_lead_ids(2)
    org.org.delete("Lead", old)
    org.admin.advance_clock(timedelta(days=31))
    org.org.delete("Lead", recent)
    cycle(settings, org)

    with job_context(settings, org) as ctx:
        done = housekeeping(ctx)

    purged, kept = mirrored_lead(settings, old), mirrored_lead(settings, recent)
    assert purged is not None
    assert kept is not None
    assert done["deleted_leads_purged"] == 1
    assert purged.email is None
    assert not any(purged.fields.get(k) for k in ("first_name", "last_name", "phone", "title"))
    assert purged.fields["company"] == org.org.get("Lead", old)["Company"]  # not personal
    assert kept.email == org.org.get("Lead", recent)["Email"]


def test_housekeeping_prunes_run_events_older_than_their_retention(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url, events_retention_days=90)
    first = cycle(settings, org)
    mirror = Mirror.open(database_url)
    events = m.RunEvent.__table__
    with mirror.engine.begin() as c:
        c.execute(
            events.insert(),
            [
                {"run_id": first.run_id, "at": org.org.now() - timedelta(days=91),
                 "level": "warning", "kind": "transient", "message": "old", "details": {}},
                {"run_id": first.run_id, "at": org.org.now() - timedelta(days=10),
                 "level": "warning", "kind": "transient", "message": "recent", "details": {}},
            ],
        )  # fmt: skip
    mirror.close()

    with job_context(settings, org) as ctx:
        done = housekeeping(ctx)

    mirror = Mirror.open(database_url)
    left = {e.message for e in mirror.run_events(first.run_id)}
    mirror.close()
    assert done["run_events_pruned"] == 1
    assert "recent" in left
    assert "old" not in left
