"""`syncd plan` writes nothing; `syncd apply` writes exactly the plan, and refuses a lead
a person edited in between. On the simulator, on both mirror backends."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from syncd_e2e import settings_for

from syncd.ops.plan_files import read_plan, write_plan
from syncd.salesforce.formats import same_stored
from syncd.simulator.server import SimulatorHandle
from syncd.sync.apply import apply_plan
from syncd.sync.plan import make_plan

pytestmark = pytest.mark.e2e


def org_writes(handle: SimulatorHandle) -> int:
    calls = handle.admin.stats()["api_calls"]["by_endpoint"]
    return sum(n for endpoint, n in calls.items() if not endpoint.startswith("GET"))


def test_plan_makes_no_write_call_and_saves_every_change_with_its_reason(
    org: SimulatorHandle, database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(org, database_url)
    plan, summary = make_plan(settings, now=org.org.clock)
    assert plan is not None, summary.error
    paths = write_plan(plan, tmp_path / "plan")

    assert org_writes(org) == 0
    assert len(plan.changes) == summary.evaluation.fields_queued > 0
    assert all(c.reason for c in plan.changes)
    assert {p.name for p in paths.values()} == {
        "plan.json",
        "changes.csv",
        "tasks.csv",
        "plan.html",
    }
    assert read_plan(tmp_path / "plan") == plan
    saved = json.loads(paths["json"].read_text())
    longest = max(plan.changes, key=lambda c: len(c.reason))
    assert longest.reason in {c["reason"] for c in saved["changes"]}  # never cut short


def test_apply_writes_exactly_the_plan_and_refuses_a_lead_edited_since(
    org: SimulatorHandle, database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(org, database_url)
    plan, _ = make_plan(settings, now=org.org.clock)
    assert plan is not None
    write_plan(plan, tmp_path / "plan")
    edited = plan.changes[0].lead_id
    org.org.update("Lead", edited, {"Title": "Chief Revenue Officer"})
    org.admin.reset()

    result = apply_plan(settings, read_plan(tmp_path / "plan"), now=org.org.clock)

    assert [r.lead_id for r in result.refused] == [edited]
    kept = [c for c in plan.changes if c.lead_id != edited]
    tasks = [t for t in plan.tasks if t.lead_id != edited]
    stats = org.admin.stats()
    written = {k: v for k, v in stats["fields_written"].items() if k.startswith("Lead.")}
    assert written == dict(Counter(f"Lead.{c.field}" for c in kept))
    assert stats["records_written"]["by_object"] == {
        "Lead": len({c.lead_id for c in kept}),
        **({"Task": len(tasks)} if tasks else {}),
    }
    for change in kept:
        record = org.org.get("Lead", change.lead_id)
        assert record is not None
        assert same_stored(record[change.field], change.new), change
    assert edited not in stats["writes_per_record"]
    assert result.writeback.failed == 0


def test_apply_on_production_without_writeback_refuses_before_any_write(
    org: SimulatorHandle, database_url: str
) -> None:
    from syncd.domain.golive import WritesRefused

    settings = settings_for(org, database_url)
    plan, _ = make_plan(settings, now=org.org.clock)
    assert plan is not None
    org.admin.set_production()
    with pytest.raises(WritesRefused, match="refusing to write to production"):
        apply_plan(settings, plan, now=org.org.clock)
    assert org_writes(org) == 0
