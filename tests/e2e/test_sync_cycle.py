"""`syncd sync --once` against the simulator over HTTPS: cost follows what changed, nothing
echoes, nothing is lost or doubled. Runs on both mirror backends."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import func, select
from syncd_e2e import cycle, open_mirror, settings_for

from syncd.mirror import Mirror
from syncd.mirror import models as m
from syncd.simulator.server import SimulatorHandle

pytestmark = pytest.mark.e2e

SYNCED = 10  # objects in the default mappings


def org_count(handle: SimulatorHandle, sobject: str, **where: Any) -> int:
    return sum(
        1 for r in handle.org.records(sobject) if all(r.get(k) == v for k, v in where.items())
    )


def writes(handle: SimulatorHandle) -> int:
    return int(handle.admin.calls("PATCH composite/sobjects"))


def test_first_cycle_mirrors_the_whole_org(org: SimulatorHandle, database_url: str) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    with open_mirror(settings) as sessions, sessions() as session:
        mirrored = {
            "Lead": session.scalar(select(func.count()).select_from(m.Lead)),
            "Task": session.scalar(
                select(func.count()).select_from(m.Activity).where(m.Activity.kind == "Task")
            ),
            "User": session.scalar(select(func.count()).select_from(m.User)),
            "Group": session.scalar(select(func.count()).select_from(m.Queue)),
            "CampaignMember": session.scalar(select(func.count()).select_from(m.CampaignMember)),
        }
    assert mirrored == {
        "Lead": org_count(org, "Lead"),
        # Handoff Tasks syncd created after reading Tasks are mirrored next cycle.
        "Task": org_count(org, "Task", Syncd_Key__c=None),
        "User": org_count(org, "User"),
        "Group": org_count(org, "Group", Type="Queue"),
        "CampaignMember": org_count(org, "CampaignMember"),
    }


def test_the_backfill_learns_each_objects_size_from_its_first_page(
    org: SimulatorHandle, database_url: str
) -> None:
    first = cycle(settings_for(org, database_url), org)
    assert "count" not in first.api_calls_by_kind  # no COUNT() query per object


def test_next_cycle_rereads_what_it_wrote_and_writes_nothing(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    first = cycle(settings, org)
    patches_after_first = writes(org)
    second = cycle(settings, org)
    assert first.writeback.records_written > 0
    assert second.changed["Lead"] >= first.writeback.records_written
    assert second.evaluation.fields_queued == 0
    assert writes(org) == patches_after_first


def test_the_echo_of_its_own_writes_is_counted_and_not_decided_again(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    first = cycle(settings, org)
    second = cycle(settings, org)
    assert first.writeback.records_written > 0
    # Every lead syncd wrote, and every handoff Task it created, comes back changed and is
    # recognised as its own echo: nothing is decided again.
    assert second.echoes["Lead"] == second.changed["Lead"] == first.writeback.records_written
    assert second.echoes["Task"] == second.changed["Task"] == first.writeback.tasks_created
    assert second.evaluation.evaluated == 0


def test_a_person_edit_after_syncds_write_is_not_taken_for_an_echo(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    written = next(
        r for r in org.org.records("Lead") if r.get("Lead_Score__c") is not None and r["Title"]
    )
    org.org.update("Lead", written["Id"], {"Title": "Chief Revenue Officer"})
    second = cycle(settings, org)
    assert second.echoes["Lead"] == second.changed["Lead"] - 1
    assert second.evaluation.evaluated >= 1


def test_a_cycles_healed_trouble_is_listed_in_its_warnings(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    org.admin.set_faults(error_503_rate=0.3, seed=3)
    summary = cycle(settings, org)
    mirror = Mirror.open(database_url)
    events = [e for e in mirror.run_events(summary.run_id) if e.kind == "transient"]
    mirror.close()
    assert summary.transients
    assert {e.message for e in events} == {f"{n} {what}" for what, n in summary.transients.items()}
    assert any("HTTP 503" in e.message for e in events)


def test_an_idle_cycle_costs_one_query_per_object_and_no_writes(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    cycle(settings, org)
    before = org.admin.stats()["api_calls"]["by_endpoint"]
    idle = cycle(settings, org)
    after = org.admin.stats()["api_calls"]["by_endpoint"]
    spent = {
        k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)
    }
    # Plus the Organization read (sandbox or production?) that each connection makes once.
    assert idle.api_calls <= SYNCED + 1
    assert set(spent) <= {"GET queryAll", "GET query"}
    assert spent.get("GET query", 0) <= 1
    assert idle.writeback.records_written == 0


def _disturb_scores(handle: SimulatorHandle, k: int) -> list[str]:
    """A person overwrites the (daemon-owned) score on k leads; syncd must put it right.

    Converted and disqualified leads are left alone: syncd never writes to those.
    """
    leads = handle.admin.open_lead_ids(k)
    assert len(leads) == k
    for lead_id in leads:
        handle.org.update("Lead", lead_id, {"Lead_Score__c": 999})
    return leads


@pytest.mark.parametrize(
    "k", [1, 200, 201, 260], ids=["one", "one-batch", "just-over", "two-batches"]
)
def test_k_changed_leads_are_written_in_ceil_k_over_200_collection_calls(
    org: SimulatorHandle, tmp_path: Any, k: int
) -> None:
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}")
    cycle(settings, org)
    cycle(settings, org)
    _disturb_scores(org, k)
    before = writes(org)
    summary = cycle(settings, org)
    assert summary.writeback.records_written == k
    assert writes(org) - before == math.ceil(k / 200)


def test_above_the_bulk_threshold_the_writeback_is_one_bulk_job(
    org: SimulatorHandle, tmp_path: Any
) -> None:
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}", bulk_write_threshold=100)
    cycle(settings, org)
    cycle(settings, org)
    _disturb_scores(org, 150)
    before_patch, before_jobs = writes(org), org.admin.calls("POST jobs/ingest")
    summary = cycle(settings, org)
    assert summary.writeback.bulk_jobs == 1
    assert org.admin.calls("POST jobs/ingest") - before_jobs == 1
    assert writes(org) == before_patch
    assert _ids_with_score(org, 999) == []


def _ids_with_score(handle: SimulatorHandle, score: float) -> list[str]:
    return [r["Id"] for r in handle.org.records("Lead") if r.get("Lead_Score__c") == score]
