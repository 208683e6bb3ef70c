"""syncd's share of the org's API limit is a hard ceiling: once it is spent, no cycle makes a
call (not even the first one that would learn today's usage) until the rolling window frees
some; and `syncd check`'s calls count like a cycle's."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from syncd_e2e import MAPPINGS, cycle, settings_for

from syncd.mirror import Mirror
from syncd.simulator.server import SimulatorHandle
from syncd.sync.runtime import sync_once

pytestmark = pytest.mark.e2e


def spend_the_share(settings_url: str, calls: int, hours_ago: float) -> None:
    """Record an earlier run that spent ``calls`` (as the run records say) ``hours_ago``."""
    mirror = Mirror.open(settings_url)
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    with mirror.unit():
        run_id = mirror.start_run(now=at, dry_run=False)
        mirror.finish_run(
            run_id, now=at, status="ok", counts={"job": "fast"}, api_calls=calls,
            api_budget_left=0,
        )  # fmt: skip
    mirror.close()


def test_a_spent_share_makes_no_call_at_all(org: SimulatorHandle, database_url: str) -> None:
    settings = settings_for(org, database_url, api_budget_share=0.5)
    cycle(settings, org)  # learns the org's limit
    spend_the_share(database_url, int(org.sim.usage.daily_budget * 0.5), hours_ago=1)
    before = org.admin.api_calls

    summary = sync_once(settings, dry_run=False, now=org.org.clock)

    assert summary.status == "stopped"
    assert summary.error is not None
    assert "is spent" in summary.error
    assert org.admin.api_calls == before


def test_calls_spent_more_than_a_day_ago_free_the_share_again(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url, api_budget_share=0.5)
    cycle(settings, org)
    spend_the_share(database_url, org.sim.usage.daily_budget, hours_ago=25)

    assert cycle(settings, org).api_calls > 0


def test_the_checks_calls_are_recorded_and_counted(org: SimulatorHandle, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    cycle(settings_for(org, url), org)  # a mirror exists: check records into it
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env |= {
        "SYNCD_SF_INSTANCE_URL": org.instance_url,
        "SYNCD_SF_ACCESS_TOKEN": org.access_token,
        "SYNCD_MAPPINGS_DIR": str(MAPPINGS),
        "REQUESTS_CA_BUNDLE": org.ca_bundle,
        "SYNCD_DATABASE_URL": url,
    }
    before = org.admin.api_calls
    result = subprocess.run([sys.executable, "-m", "syncd", "check"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    spent = org.admin.api_calls - before

    assert result.returncode == 0, result.stdout + result.stderr
    mirror = Mirror.open(url)
    newest = mirror.recent_runs(1)[0]
    mirror.close()
    assert newest.counts["job"] == "check"
    assert newest.api_calls == spent > 0
