"""``syncd demo``: the whole handover against a seeded simulator org, in a few minutes.

Starts the simulator over HTTPS in a temporary directory with a SQLite mirror beside it, runs a
few sync cycles while simulated reps work their leads (the org clock moves a few business hours
between cycles so SLAs come due), and ends with what happened and what to try next.
"""

from __future__ import annotations

import importlib
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from syncd.mirror import models as m
from syncd.ops.logging import configure_logging
from syncd.settings import Secret, SessionLogin, Settings
from syncd.sync.cycle import CycleSummary

DEFAULT_LEADS = 2_000
DEFAULT_CYCLES = 4
# A day between cycles: SLAs fall due, reps act or neglect, stale leads age toward recycle.
CLOCK_STEP = timedelta(days=1)


@dataclass
class DemoResult:
    cycles: list[CycleSummary] = field(default_factory=list)
    leads_scored: int = 0
    mqls_by_owner: dict[str, int] = field(default_factory=dict)
    decisions_by_kind: dict[str, int] = field(default_factory=dict)
    sim_api_calls: int = 0
    rep_actions: Counter[str] = field(default_factory=Counter)
    workdir: Path | None = None


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


def run_demo(
    settings: Settings,
    *,
    leads: int,
    cycles: int,
    seed: int,
    workdir: Path,
    console: Console,
) -> DemoResult:
    from syncd.simulator.server import start_simulator
    from syncd.sync.commands import open_mirror, render_summary, sync_once

    result = DemoResult(workdir=workdir)
    console.print(f"[bold]syncd demo[/bold]: seeding a simulated org with {leads:,} leads…")
    handle = start_simulator(
        leads=leads,
        seed=seed,
        workdir=workdir,
        connection_file=workdir / "sim-connection.json",
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
        console.print(f"simulator at {handle.instance_url}; mirror at {demo_settings.database_url}")
        reps = _rep_behaviour(handle, seed)
        with _ca_bundle(handle.ca_bundle):
            for number in range(1, cycles + 1):
                console.rule(
                    f"cycle {number} of {cycles} — org time {handle.org.clock():%a %d %b %H:%M} UTC"
                )
                summary = sync_once(
                    demo_settings, dry_run=False, show_progress=False, now=handle.org.clock
                )
                result.cycles.append(summary)
                render_summary(summary, console)
                if summary.status != "ok" or number == cycles:
                    continue
                handle.admin.advance_clock(CLOCK_STEP)
                if reps is not None:
                    tick = reps.tick(handle.org.clock())
                    actions = getattr(tick, "counts", None) or getattr(tick, "__dict__", {})
                    for key, value in dict(actions).items():
                        if isinstance(value, int):
                            result.rep_actions[key] += value
                    console.print(
                        f"reps worked their leads for {CLOCK_STEP}: "
                        + ", ".join(
                            f"{k} {v}" for k, v in dict(actions).items() if isinstance(v, int) and v
                        )
                    )
        result.sim_api_calls = int(handle.admin.api_calls)
        with open_mirror(demo_settings) as sessions, sessions() as session:
            result.leads_scored = int(
                session.scalar(select(func.count()).select_from(m.LeadState)) or 0
            )
            names = {u.id: u.name or u.username or u.id for u in session.scalars(select(m.User))}
            names |= {q.id: f"queue {q.developer_name}" for q in session.scalars(select(m.Queue))}
            counts: Counter[str] = Counter()
            for entry in session.scalars(
                select(m.LedgerEntry).where(m.LedgerEntry.kind == "assignment")
            ):
                owner = (entry.after or {}).get("value")
                if isinstance(owner, str):
                    counts[names.get(owner, owner)] += 1
            result.mqls_by_owner = dict(counts.most_common())
            kinds = session.execute(
                select(m.LedgerEntry.kind, func.count()).group_by(m.LedgerEntry.kind)
            ).all()
            result.decisions_by_kind = {str(k): int(n) for k, n in kinds}
    finally:
        handle.stop()
    return result


def render_result(result: DemoResult, console: Console) -> None:
    ok = [c for c in result.cycles if c.status == "ok"]
    console.rule("[bold]what happened")
    writes = sum(c.writeback.records_written for c in result.cycles)
    fields = sum(c.writeback.fields_written for c in result.cycles)
    tasks = sum(c.writeback.tasks_created for c in result.cycles)
    calls = sum(c.api_calls for c in result.cycles)
    console.print(
        f"{len(ok)} of {len(result.cycles)} cycles ok; {result.leads_scored:,} leads "
        f"scored; {writes:,} lead updates ({fields:,} fields) and {tasks} handoff "
        f"tasks written; {calls} API calls by syncd "
        f"({result.sim_api_calls} seen by the org)"
    )
    if result.decisions_by_kind:
        console.print(
            "decisions recorded (each with its reasons): "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(result.decisions_by_kind.items()))
        )
    if result.mqls_by_owner:
        table = Table(title="leads assigned at handoff, by owner")
        table.add_column("owner")
        table.add_column("assignments", justify="right")
        for owner, n in result.mqls_by_owner.items():
            table.add_row(owner, str(n))
        console.print(table)
    per_cycle = ", ".join(str(c.api_calls) for c in result.cycles)
    console.print(
        f"API calls per cycle: {per_cycle} (an idle cycle costs about one query per synced object)"
    )
    console.print(
        "\n[bold]try next[/bold]\n"
        f"  export SYNCD_DATABASE_URL=sqlite:///{result.workdir}/syncd.db\n"
        "  syncd runs                      # the runs you just watched\n"
        "  syncd logs                      # warnings and per-record errors\n"
        "  syncd sim serve --leads 5000    # a simulated org of your own, then:\n"
        "  export SYNCD_SF_INSTANCE_URL=... SYNCD_SF_ACCESS_TOKEN=...  REQUESTS_CA_BUNDLE=...\n"
        "  syncd check && syncd sync --once --dry-run\n"
        "  edit mappings/policy.yaml (scoring, routing, SLA) and run again\n"
        f"(the demo's files stay in {result.workdir}; delete the folder when done)"
    )


def register_demo(app: typer.Typer) -> None:
    from syncd.cli import handles_errors, settings_or_exit

    @app.command("demo")
    @handles_errors
    def demo_command(
        leads: Annotated[int, typer.Option(help="Leads in the simulated org.")] = DEFAULT_LEADS,
        cycles: Annotated[int, typer.Option(help="Sync cycles to run.")] = DEFAULT_CYCLES,
        seed: Annotated[int, typer.Option(help="Seed of the simulated org.")] = 42,
        keep: Annotated[
            Path | None, typer.Option(help="Keep the mirror and simulator files in this folder.")
        ] = None,
    ) -> None:
        """Run the whole handover against a built-in simulated org (a few minutes)."""
        if leads < 1 or cycles < 1:
            typer.echo("syncd: --leads and --cycles must be at least 1", err=True)
            raise typer.Exit(2)
        settings = settings_or_exit(json_logs=False)
        # The summary tables say what happened; per-cycle log lines would only repeat them.
        configure_logging(json=False, level=logging.WARNING)
        console = Console()
        # Kept after the demo so `syncd runs` / `syncd logs` can read the mirror it made.
        workdir = keep if keep is not None else Path(tempfile.mkdtemp(prefix="syncd-demo-"))
        workdir.mkdir(parents=True, exist_ok=True)
        result = run_demo(
            settings, leads=leads, cycles=cycles, seed=seed, workdir=workdir, console=console
        )
        render_result(result, console)
        if any(c.status != "ok" for c in result.cycles):
            raise typer.Exit(1)
