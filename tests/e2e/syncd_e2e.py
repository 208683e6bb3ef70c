"""Helpers for the end-to-end tests: settings that point syncd at a simulator, one cycle,
and a session on the mirror for assertions (tests may read the tables directly)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from syncd.mirror import models as m
from syncd.mirror import outbox
from syncd.mirror.db import make_engine, session_factory
from syncd.mirror.outbox import OutboxState
from syncd.salesforce.formats import same_stored as same_value
from syncd.settings import Secret, SessionLogin, Settings
from syncd.simulator.server import SimulatorHandle
from syncd.sync.cycle import CycleSummary
from syncd.sync.runtime import sync_once

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
    summary = sync_once(settings, dry_run=False, now=handle.org.clock, **kwargs)  # type: ignore[arg-type]
    assert summary.status == "ok", summary.error
    return summary


@contextmanager
def open_mirror(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the mirror a test's cycles wrote (for reading its tables)."""
    engine = make_engine(settings.database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def mappings_routing_to_seeded_reps(handle: SimulatorHandle, tmp_path: Path) -> Path:
    """The default mappings, with routing to the org's active reps (so handoffs make Tasks)."""
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, folder)
    policy = yaml.safe_load((folder / "policy.yaml").read_text())
    reps = sorted(
        u["Username"]
        for u in handle.org.records("User")
        if u.get("IsActive") and u.get("Department") == "Sales" and u.get("ManagerId")
    )
    policy["routing"] = {
        "fallback_queue": "Unassigned_Queue",
        "pools": {"everyone": {"members": [{"user": r} for r in reps]}},
        "rules": [{"name": "Everyone", "to": {"pool": "everyone"}}],
    }
    (folder / "policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    return folder


def org_matches_every_recorded_write(handle: SimulatorHandle, settings: Settings) -> None:
    with open_mirror(settings) as sessions, sessions() as session:
        open_entries = session.scalars(
            select(m.OutboxEntry).where(m.OutboxEntry.state.in_([s.value for s in outbox.OPEN]))
        ).all()
        assert open_entries == []
        latest: dict[tuple[str, str], Any] = {}
        for entry in session.scalars(
            select(m.OutboxEntry)
            .where(m.OutboxEntry.state == OutboxState.DONE, m.OutboxEntry.operation == "update")
            .order_by(m.OutboxEntry.id)
        ):
            latest[(str(entry.record_id), str(entry.field))] = entry.value["v"]
    assert latest
    for (lead_id, field), value in latest.items():
        org_value = handle.org.get("Lead", lead_id)[field]
        assert same_value(org_value, value), (lead_id, field, org_value, value)
