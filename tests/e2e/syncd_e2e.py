"""Helpers for the end-to-end tests: settings that point syncd at a simulator, one cycle."""

from __future__ import annotations

from pathlib import Path

from syncd.settings import Secret, SessionLogin, Settings
from syncd.simulator.server import SimulatorHandle
from syncd.sync.commands import sync_once
from syncd.sync.cycle import CycleSummary

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def settings_for(handle: SimulatorHandle, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "mappings_dir": MAPPINGS,
        "salesforce": SessionLogin(handle.instance_url, Secret(handle.access_token)),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def cycle(settings: Settings, handle: SimulatorHandle, **kwargs: object) -> CycleSummary:
    """One `syncd sync --once` on the org's own clock."""
    summary = sync_once(
        settings, dry_run=False, show_progress=False, now=handle.org.clock, **kwargs
    )  # type: ignore[arg-type]
    assert summary.status == "ok", summary.error
    return summary
