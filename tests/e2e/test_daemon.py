"""`syncd run` against the simulator: hot-reloaded mappings and the SLA sweep.

The daemon runs in a thread of the test, on the org's clock, so a test can move time on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from daemon_harness import daemon_thread, get, wait_for
from syncd_e2e import mappings_routing_to_seeded_reps, settings_for

from syncd.settings import Settings
from syncd.simulator.server import SimulatorHandle
from syncd.sync.runtime import open_mirror

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def settings(org: SimulatorHandle, tmp_path: Path) -> Settings:
    return settings_for(
        org,
        f"sqlite:///{tmp_path / 'mirror.db'}",
        mappings_dir=mappings_routing_to_seeded_reps(org, tmp_path),
    )


def _runs(settings: Settings, job: str) -> list[dict[str, object]]:
    with open_mirror(settings) as mirror:
        return [
            {"status": r.status, "api_calls": r.api_calls, "policy": r.policy_version, **r.counts}
            for r in mirror.recent_runs(200)
            if r.counts.get("job") == job
        ]


def test_a_broken_mapping_keeps_the_last_good_version_and_the_next_valid_edit_applies(
    org: SimulatorHandle, settings: Settings
) -> None:
    policy = settings.mappings_dir / "policy.yaml"
    good = yaml.safe_load(policy.read_text())
    with daemon_thread(settings, org, fast_interval_seconds=1) as (daemon, url):
        wait_for("a first fast sync", lambda: daemon.board.get("fast").last_status == "ok")  # type: ignore[union-attr]
        version_before = daemon.watcher.config.version
        broken = {**good, "routing": {**good["routing"], "fallback_queue": {"not": "a name"}}}
        policy.write_text(yaml.safe_dump(broken, sort_keys=False))
        wait_for("the edit to be rejected", lambda: daemon.watcher.rejected is not None)
        runs_before = len(_runs(settings, "fast"))
        wait_for(
            "fast syncs on the last good version",
            lambda: len(_runs(settings, "fast")) >= runs_before + 2,
        )
        assert {r["policy"] for r in _runs(settings, "fast")} == {version_before}
        assert get(url + "/healthz").status_code == 200
        page = get(url + "/").text
        assert "Rejected mappings edit" in page
        assert "fallback_queue" in page
        fixed = {**good, "version": "2026.12-spring"}
        policy.write_text(yaml.safe_dump(fixed, sort_keys=False))
        wait_for(
            "the valid edit to be applied",
            lambda: daemon.watcher.config.version.startswith("2026.12-spring"),
        )
        wait_for(
            "a fast sync on the new version",
            lambda: any(
                str(r["policy"]).startswith("2026.12-spring") for r in _runs(settings, "fast")
            ),
        )
        assert daemon.watcher.rejected is None
        assert "Rejected mappings edit" not in get(url + "/").text


def test_an_sla_falling_due_is_escalated_by_the_sweep_without_a_pull(
    org: SimulatorHandle, settings: Settings
) -> None:
    with daemon_thread(settings, org, sla_sweep_seconds=1) as (daemon, _url):
        wait_for("a first fast sync", lambda: daemon.board.get("fast").last_status == "ok")  # type: ignore[union-attr]
        with open_mirror(settings) as mirror:
            assert mirror.sla_due_before(org.org.clock() + timedelta(days=7)), "open SLAs exist"
        # A week passes with no change in the org: every first-response SLA falls due.
        org.admin.advance_clock(timedelta(days=7))
        wait_for(
            "an SLA sweep that escalated",
            lambda: any(r.get("ledger_by_kind", {}).get("sla") for r in _runs(settings, "sla")),
        )  # type: ignore[union-attr]
    sweep = next(r for r in _runs(settings, "sla") if r.get("ledger_by_kind", {}).get("sla"))  # type: ignore[union-attr]
    assert sweep["status"] == "ok"
    assert sweep["pulled"] == {}, "the sweep pulls nothing"
    assert sweep["api_calls"] == sweep["collection_calls"], "its only calls are the writes"
    assert sweep["tasks_created"], "managers got their breach Tasks"
    assert len(_runs(settings, "fast")) == 1, "no fast sync ran in between"


def test_the_daemon_refuses_to_write_to_production_unless_writeback_is_enabled(
    org: SimulatorHandle, settings: Settings
) -> None:
    org.admin.set_production()
    with daemon_thread(settings, org, fast_interval_seconds=1) as (daemon, _url):
        fast = lambda: daemon.board.get("fast")  # noqa: E731
        wait_for("a first fast sync", lambda: fast() is not None and fast().last_status is not None)  # type: ignore[union-attr]
        wait_for("two fast syncs", lambda: len(_runs(settings, "fast")) >= 2)
    assert {r["status"] for r in _runs(settings, "fast")} == {"refused"}
    assert org.admin.writes() == []
