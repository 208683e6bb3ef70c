"""`syncd demo`: the whole handover against a seeded simulator org, in a few minutes.

Starts the simulator over HTTPS in a folder with a SQLite mirror beside it, runs a few sync
cycles while simulated reps work their leads (the org clock moves a day between cycles so
SLAs come due), and returns what happened for the face to show.
"""

from __future__ import annotations

import importlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.settings import Secret, SessionLogin, Settings
from syncd.sync.cycle import CycleSummary
from syncd.sync.runtime import open_mirror, sync_once

__all__ = ["CLOCK_STEP", "DEFAULT_CYCLES", "DEFAULT_LEADS", "DemoResult", "run_demo"]

DEFAULT_LEADS = 2_000
DEFAULT_CYCLES = 4
# A day between cycles: SLAs fall due, reps act or neglect, stale leads age toward recycle.
CLOCK_STEP = timedelta(days=1)


@dataclass
class DemoResult:
    cycles: list[CycleSummary] = field(default_factory=list)
    leads_scored: int = 0
    handoffs_by_owner: dict[str, int] = field(default_factory=dict)
    recycled_to: dict[str, int] = field(default_factory=dict)
    decisions_by_kind: dict[str, int] = field(default_factory=dict)
    sim_api_calls: int = 0
    rep_actions: Counter[str] = field(default_factory=Counter)
    workdir: Path | None = None
    instance_url: str = ""
    database_url: str = ""


def default_mappings_dir(settings: Settings) -> Path:
    """./mappings when it exists, else the mappings shipped beside the package."""
    if (settings.mappings_dir / "fields.yaml").is_file():
        return settings.mappings_dir
    return Path(__file__).resolve().parents[2] / "mappings"


@contextmanager
def _ca_bundle(path: str) -> Iterator[None]:
    # The simulator's throwaway CA must be trusted for this run only (TLS stays verified).
    old = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = path
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = old


def _rep_behaviour(handle: Any, seed: int) -> Any:
    try:
        reps = importlib.import_module("syncd.simulator.reps")
    except ModuleNotFoundError:
        return None
    return reps.RepBehaviour(handle.org, seed=seed)


@dataclass(frozen=True)
class DemoEvents:
    """What the face is told while the demo runs."""

    started: Callable[[str, str], None] = lambda instance, mirror: None
    cycle_starting: Callable[[int, int, datetime], None] = lambda n, total, clock: None
    cycle_done: Callable[[CycleSummary], None] = lambda summary: None
    reps_worked: Callable[[timedelta, dict[str, int]], None] = lambda step, actions: None


def run_demo(
    settings: Settings,
    *,
    leads: int,
    cycles: int,
    seed: int,
    workdir: Path,
    events: DemoEvents | None = None,
) -> DemoResult:
    from syncd.simulator.server import start_simulator

    say = events or DemoEvents()
    result = DemoResult(workdir=workdir)
    handle = start_simulator(
        leads=leads, seed=seed, workdir=workdir, connection_file=workdir / "sim-connection.json"
    )
    try:
        demo_settings = Settings(
            database_url=f"sqlite:///{workdir / 'syncd.db'}",
            mappings_dir=default_mappings_dir(settings),
            salesforce=SessionLogin(handle.instance_url, Secret(handle.access_token)),
            api_version=settings.api_version,
            api_budget_share=settings.api_budget_share,
            bulk_query_threshold=settings.bulk_query_threshold,
            bulk_write_threshold=settings.bulk_write_threshold,
            lookback_seconds=settings.lookback_seconds,
        )
        result.instance_url, result.database_url = handle.instance_url, demo_settings.database_url
        say.started(handle.instance_url, demo_settings.database_url)
        reps = _rep_behaviour(handle, seed)
        with _ca_bundle(handle.ca_bundle):
            for number in range(1, cycles + 1):
                say.cycle_starting(number, cycles, handle.org.clock())
                summary = sync_once(demo_settings, dry_run=False, now=handle.org.clock)
                result.cycles.append(summary)
                for owner, n in summary.evaluation.handoffs_by_owner.items():
                    result.handoffs_by_owner[owner] = result.handoffs_by_owner.get(owner, 0) + n
                for owner, n in summary.evaluation.recycled_to.items():
                    result.recycled_to[owner] = result.recycled_to.get(owner, 0) + n
                for kind, n in summary.evaluation.ledger_by_kind.items():
                    result.decisions_by_kind[kind] = result.decisions_by_kind.get(kind, 0) + n
                say.cycle_done(summary)
                if summary.status != "ok" or number == cycles:
                    continue
                handle.admin.advance_clock(CLOCK_STEP)
                if reps is not None:
                    tick = reps.tick(handle.org.clock())
                    actions = getattr(tick, "counts", None) or getattr(tick, "__dict__", {})
                    worked = {k: v for k, v in dict(actions).items() if isinstance(v, int)}
                    result.rep_actions.update(worked)
                    say.reps_worked(CLOCK_STEP, worked)
        result.sim_api_calls = int(handle.admin.api_calls)
        with open_mirror(demo_settings) as mirror:
            from syncd.mirror.models import LeadState

            result.leads_scored = mirror.count(LeadState)
    finally:
        handle.stop()
    return result
