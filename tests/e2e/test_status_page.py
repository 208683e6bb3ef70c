"""The status page in a real browser (headless Chromium): what an on-call engineer sees
while the daemon leads, with a rejected mappings edit waiting. Keeps docs/status-page.png."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from browser import DOCS, rendered_dom, screenshot
from daemon_harness import daemon_thread, wait_for
from syncd_e2e import mappings_routing_to_seeded_reps, settings_for

from syncd.simulator.server import SimulatorHandle

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]


def test_the_status_page_shows_leader_runs_outbox_owners_and_the_rejected_edit(
    org: SimulatorHandle, tmp_path: Path
) -> None:
    settings = settings_for(
        org,
        f"sqlite:///{tmp_path / 'mirror.db'}",
        mappings_dir=mappings_routing_to_seeded_reps(org, tmp_path),
    )
    with daemon_thread(settings, org, fast_interval_seconds=2, sla_sweep_seconds=1) as (
        daemon,
        url,
    ):
        wait_for("a first fast sync", lambda: daemon.board.get("fast").last_status == "ok")  # type: ignore[union-attr]
        org.admin.advance_clock(timedelta(days=7))  # first-response SLAs fall due
        wait_for("an SLA sweep", lambda: daemon.board.get("sla").last_finished is not None)  # type: ignore[union-attr]
        policy = settings.mappings_dir / "policy.yaml"
        data = yaml.safe_load(policy.read_text())
        data["routing"]["pools"]["everyone"]["members"].append({"user": "ava.patell@example.com"})
        policy.write_text(yaml.safe_dump(data, sort_keys=False))
        wait_for(
            "the edit to be rejected",
            lambda: (
                daemon.watcher.rejected is not None
                or daemon.board.get("fast").last_status == "failed"
            ),
            20,
        )  # type: ignore[union-attr]
        wait_for("a fast sync on the org's new day", lambda: daemon.status.health()[0], 20)
        dom = rendered_dom(url + "/")
        screenshot(url + "/", DOCS / "status-page.png", height=1400)
    assert 'id="role">leader<' in dom
    assert 'id="health">healthy<' in dom
    assert "ava.patell@example.com" in dom, "the rejected edit names the unknown rep"
    assert "Last runs" in dom
    assert "SLA breaches and open MQLs by owner" in dom
    assert "policy version in force" in dom
