"""On the simulator with active reps, over several cycles: what reps and admins see on their
leads is true. No lead a person moved to a qualified stage is recycled or re-owned by syncd
before its no_touch_days; no LeadSource outside the standard list stays on an open lead; every
hygiene flag is visible on its lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from syncd_e2e import cycle, mappings_routing_to_seeded_reps, settings_for

from syncd.config import load_config
from syncd.domain.model import Stage
from syncd.mirror import Mirror
from syncd.simulator.reps import RepBehaviour
from syncd.simulator.server import SimulatorHandle, start_simulator

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # a Monday
CLOSED = {"Closed - Converted", "Closed - Not Converted", "Disqualified"}


@pytest.fixture
def busy_org(monkeypatch: pytest.MonkeyPatch) -> SimulatorHandle:
    with start_simulator(leads=400, seed=23, now=START) as handle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.ca_bundle)
        yield handle  # type: ignore[misc]


def test_reps_moves_sources_and_flags_hold_over_several_cycles(
    busy_org: SimulatorHandle, tmp_path: Path
) -> None:
    org = busy_org
    mappings = mappings_routing_to_seeded_reps(org, tmp_path)
    policy = load_config(mappings).policy
    settings = settings_for(org, f"sqlite:///{tmp_path / 'mirror.db'}", mappings_dir=mappings)
    reps = RepBehaviour(org.org, seed=5)
    me = org.org.integration_user_id
    sal_sql = set(policy.lifecycle.statuses.statuses_of(frozenset({Stage.SAL, Stage.SQL})))
    for _ in range(9):  # 18 days: past no_touch_days for leads nobody touches again
        cycle(settings, org)
        reps.tick(org.org.now())
        org.admin.advance_clock(timedelta(days=2))
    cycle(settings, org)

    person_moved: dict[str, datetime] = {}
    for write in org.admin.writes(sobject="Lead", op="update"):
        status = str(write.fields.get("Status") or "").strip().casefold()
        if write.by != me and "Status" in write.changed and status in sal_sql:
            person_moved.setdefault(write.id, write.at)
    assert person_moved, "no rep moved a lead to a qualified stage"
    # A person's touch: any edit of theirs to the lead, or a Task of theirs on it.
    touches: dict[str, list[datetime]] = {}
    for write in org.admin.writes():
        if write.by == me:
            continue
        lead_id = write.id if write.sobject == "Lead" else str(write.fields.get("WhoId") or "")
        touches.setdefault(lead_id, []).append(write.at)
    no_touch = timedelta(days=policy.recycle.no_touch_days or 14)
    overridden = [
        (w.id, dict(w.fields))
        for w in org.admin.writes(sobject="Lead", op="update", by=me)
        if w.id in person_moved
        and w.at > person_moved[w.id]
        and ({"Status", "OwnerId"} & set(w.changed))
        and w.at - max(t for t in touches[w.id] if t <= w.at) < no_touch
    ]
    assert overridden == []

    standard = set(policy.hygiene.standard_sources)
    outside = [
        (lead["Id"], lead["LeadSource"])
        for lead in org.org.records("Lead")
        if not lead.get("IsDeleted")
        and not lead.get("IsConverted")
        and lead.get("Status") not in CLOSED
        and lead.get("LeadSource") is not None
        and lead["LeadSource"] not in standard
    ]
    assert outside == []

    mirror = Mirror.open(settings.database_url)
    try:
        flagged = mirror.hygiene_flagged()
    finally:
        mirror.close()
    assert flagged, "the seed has invalid and duplicate emails"
    unseen = [
        lead_id
        for lead_id, _ in flagged
        if not (org.org.get("Lead", lead_id) or {}).get("Data_Quality__c")
    ]
    assert unseen == []
