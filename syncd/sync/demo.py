"""`syncd demo`: the whole handover against a seeded simulator org, in a few minutes.

Starts the simulator over HTTPS in a folder with a SQLite mirror beside it and runs the daemon
itself (its jobs on short intervals, its status page on a free port) while simulated reps work
their leads: after each fast run the org clock moves a day, so SLAs come due and the SLA sweep
acts on them. The org's clock starts on Monday of last week, so the days the demo plays make
a complete week for `syncd report`. Returns what happened for the face to show.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.config import load_config
from syncd.domain.queue_reasons import why_queued
from syncd.mirror import Mirror
from syncd.settings import Secret, SessionLogin, Settings
from syncd.sync.cycle import CycleSummary
from syncd.sync.runtime import open_mirror

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
    status_url: str = ""
    # Every job run the daemon recorded (fast, sla, recycle, ...), in order.
    runs: list[CycleSummary] = field(default_factory=list)
    sla: dict[str, int] = field(default_factory=dict)  # SLA state -> leads
    queue_reasons: dict[str, int] = field(default_factory=dict)  # why -> leads sent to a queue
    example_lead: str | None = None  # a lead handed to a rep, for `syncd explain`
    timed_out: bool = False


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

    started: Callable[[str, str, str], None] = lambda instance, mirror, status: None
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
    """The daemon itself (`syncd run`, short intervals) against a seeded simulator: after each
    fast run the org's clock moves a day and the simulated reps work their leads."""
    # Loaded when the demo runs: every other command would carry the daemon's scheduler and
    # HTTP server only because the CLI registers `demo`.
    from syncd.daemon.service import Daemon
    from syncd.simulator.server import start_simulator

    say = events or DemoEvents()
    result = DemoResult(workdir=workdir)
    handle = start_simulator(
        leads=leads,
        seed=seed,
        workdir=workdir,
        connection_file=workdir / "sim-connection.json",
        now=demo_start(datetime.now(UTC)),
    )
    try:
        demo_settings = _demo_settings(settings, handle, workdir)
        result.instance_url, result.database_url = handle.instance_url, demo_settings.database_url
        reps = _rep_behaviour(handle, seed)
        finished = threading.Event()

        def on_run(job: str, summary: CycleSummary) -> None:
            # Called on the daemon's job thread, between jobs: the clock moves while no job
            # runs, so no run straddles a simulated day.
            result.runs.append(summary)
            if job != "fast" or finished.is_set():
                return
            result.cycles.append(summary)
            say.cycle_done(summary)
            if len(result.cycles) >= cycles:
                finished.set()
                return
            handle.admin.advance_clock(CLOCK_STEP)
            if reps is not None:
                tick = reps.tick(handle.org.clock())
                actions = getattr(tick, "counts", None) or getattr(tick, "__dict__", {})
                worked = {k: v for k, v in dict(actions).items() if isinstance(v, int)}
                result.rep_actions.update(worked)
                say.reps_worked(CLOCK_STEP, worked)
            say.cycle_starting(len(result.cycles) + 1, cycles, handle.org.clock())

        with _ca_bundle(handle.ca_bundle):
            daemon = Daemon(
                demo_settings,
                load_config(demo_settings.mappings_dir),
                now=handle.org.clock,
                on_run=on_run,
            )
            runner = threading.Thread(target=daemon.run, name="syncd-demo-daemon", daemon=True)
            status_url = daemon.http.url + "/" if daemon.http is not None else ""
            result.status_url = status_url
            say.started(handle.instance_url, demo_settings.database_url, status_url)
            say.cycle_starting(1, cycles, handle.org.clock())
            runner.start()
            try:
                if not finished.wait(timeout=FAST_RUN_TIMEOUT * cycles):
                    result.timed_out = True
            finally:
                daemon.request_stop()
                runner.join(timeout=60)
        result.sim_api_calls = int(handle.admin.api_calls)
        with open_mirror(demo_settings) as mirror:
            _read_outcome(mirror, result)
    finally:
        handle.stop()
    return result


# The demo's daemon ticks fast so a few simulated days pass in a minute or two.
DEMO_FAST_SECONDS = 2
FAST_RUN_TIMEOUT = 600.0


def demo_start(now: datetime) -> datetime:
    """Monday of last week, 09:00 UTC: the demo's days fall in a complete week, so
    `syncd report` afterwards has the handovers it just made to show."""
    monday = (now - timedelta(days=now.weekday() + 7)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return monday


def _demo_settings(settings: Settings, handle: Any, workdir: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{workdir / 'syncd.db'}",
        mappings_dir=default_mappings_dir(settings),
        salesforce=SessionLogin(handle.instance_url, Secret(handle.access_token)),
        api_version=settings.api_version,
        api_budget_share=settings.api_budget_share,
        bulk_query_threshold=settings.bulk_query_threshold,
        bulk_write_threshold=settings.bulk_write_threshold,
        lookback_seconds=settings.lookback_seconds,
        http_host="127.0.0.1",
        http_port=0,  # any free port: the status page's address is printed
        fast_interval_seconds=DEMO_FAST_SECONDS,
        sla_sweep_seconds=DEMO_FAST_SECONDS,
        recycle_interval_seconds=DEMO_FAST_SECONDS * 5,
        report_dir=workdir / "reports",
    )


def _read_outcome(mirror: Mirror, result: DemoResult) -> None:
    """What the mirror says after the demo: every job's decisions, SLA outcomes, queue
    reasons and a lead worth explaining."""
    from syncd.mirror.models import LeadState

    result.leads_scored = mirror.count(LeadState)
    found = mirror.outcome()
    result.decisions_by_kind = found.decisions_by_kind
    result.sla = found.sla_states
    groups = (why_queued(r) for r in found.queue_reasons)
    result.queue_reasons = dict(Counter(g for g in groups if g is not None))
    result.example_lead = found.example_lead
    # Every job's handoffs, not only the fast runs' (the SLA sweep reassigns breaches).
    result.handoffs_by_owner, result.recycled_to = {}, {}
    for summary in result.runs:
        for owner, n in summary.evaluation.handoffs_by_owner.items():
            result.handoffs_by_owner[owner] = result.handoffs_by_owner.get(owner, 0) + n
        for owner, n in summary.evaluation.recycled_to.items():
            result.recycled_to[owner] = result.recycled_to.get(owner, 0) + n
