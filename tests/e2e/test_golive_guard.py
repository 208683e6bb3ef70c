"""The production guard and shadow mode on the simulator, on both mirror backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from syncd_e2e import MAPPINGS, cycle, open_mirror, settings_for

from syncd.mirror import models as m
from syncd.simulator.server import SimulatorHandle

pytestmark = pytest.mark.e2e


def org_writes(handle: SimulatorHandle) -> int:
    calls = handle.admin.stats()["api_calls"]["by_endpoint"]
    return sum(n for endpoint, n in calls.items() if not endpoint.startswith("GET"))


def sync_once_cli(
    org: SimulatorHandle, tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    base |= {
        "SYNCD_SF_INSTANCE_URL": org.instance_url,
        "SYNCD_SF_ACCESS_TOKEN": org.access_token,
        "SYNCD_MAPPINGS_DIR": str(MAPPINGS),
        "REQUESTS_CA_BUNDLE": org.ca_bundle,
        "SYNCD_DATABASE_URL": f"sqlite:///{tmp_path / 'mirror.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "syncd", "sync", "--once"],
        env=base,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_sync_once_on_production_without_writeback_refuses_in_one_line(
    org: SimulatorHandle, tmp_path: Path
) -> None:
    org.admin.set_production()
    result = sync_once_cli(org, tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("syncd: refusing to write to production: set SYNCD_WRITEBACK_ENABLED=true")
    )
    assert org_writes(org) == 0


def test_production_is_written_once_writeback_is_enabled(
    org: SimulatorHandle, database_url: str
) -> None:
    org.admin.set_production()
    summary = cycle(settings_for(org, database_url, writeback_enabled=True), org)
    assert summary.writeback.records_written > 0
    assert org_writes(org) > 0


def test_shadow_mode_records_every_decision_and_writes_nothing(
    org: SimulatorHandle, database_url: str
) -> None:
    org.admin.set_production()
    settings = settings_for(org, database_url, shadow=True)
    summary = cycle(settings, org)
    assert org_writes(org) == 0
    assert summary.shadow
    assert (
        summary.shadowed_writes
        == summary.evaluation.fields_queued + summary.evaluation.tasks_queued
    )
    with open_mirror(settings) as sessions, sessions() as session:
        decisions = session.scalar(select(func.count()).select_from(m.LedgerEntry))
        pending = session.scalar(
            select(func.count()).select_from(m.OutboxEntry).where(m.OutboxEntry.state == "pending")
        )
    assert decisions == summary.evaluation.ledger_entries > 0
    assert pending == 0
