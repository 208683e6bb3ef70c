"""`syncd demo`: run the handover against the built-in simulator and tell a sales-ops person
what happened."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from syncd.cli.common import handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.cli.sync_cmds import render_summary
from syncd.ops.logging import configure_logging
from syncd.sync.cycle import CycleSummary
from syncd.sync.demo import DEFAULT_CYCLES, DEFAULT_LEADS, DemoEvents, DemoResult, run_demo

__all__ = ["register", "render_result"]


def _events(console: Console) -> DemoEvents:
    def started(instance: str, mirror: str) -> None:
        console.print(f"simulator at {instance}; mirror at {mirror}")

    def cycle_starting(number: int, total: int, clock: datetime) -> None:
        console.rule(f"cycle {number} of {total} — org time {clock:%a %d %b %H:%M} UTC")

    def cycle_done(summary: CycleSummary) -> None:
        render_summary(summary, console)

    def reps_worked(step: timedelta, actions: dict[str, int]) -> None:
        done = ", ".join(f"{k} {v}" for k, v in actions.items() if v)
        console.print(f"reps worked their leads for {step}: {done or 'nothing'}")

    return DemoEvents(started, cycle_starting, cycle_done, reps_worked)


def _table(console: Console, title: str, counts: dict[str, int], column: str) -> None:
    if not counts:
        return
    table = Table(title=title)
    table.add_column("owner")
    table.add_column(column, justify="right")
    for owner, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(owner, str(n))
    console.print(table)


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
        f"tasks written; {calls} API calls by syncd ({result.sim_api_calls} seen by the org)"
    )
    if result.decisions_by_kind:
        console.print(
            "decisions recorded (each with its reasons): "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(result.decisions_by_kind.items()))
        )
    _table(console, "MQLs handed off, by owner", result.handoffs_by_owner, "handoffs")
    _table(console, "recycled back to nurture", result.recycled_to, "leads")
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
        f"(the demo's files stay in {result.workdir}; delete the folder when done;\n"
        " if `syncd` is not found, run `. .venv/bin/activate` first)"
    )


def register(app: typer.Typer) -> None:
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
            raise typer.Exit(Exit.CONFIG)
        settings = settings_or_exit(json_logs=False)
        # The summary tables say what happened; per-cycle log lines would only repeat them.
        configure_logging(json=False, level=logging.WARNING)
        console = Console()
        console.print(f"[bold]syncd demo[/bold]: seeding a simulated org with {leads:,} leads…")
        # Kept after the demo so `syncd runs` / `syncd logs` can read the mirror it made.
        workdir = keep if keep is not None else Path(tempfile.mkdtemp(prefix="syncd-demo-"))
        workdir.mkdir(parents=True, exist_ok=True)
        result = run_demo(
            settings,
            leads=leads,
            cycles=cycles,
            seed=seed,
            workdir=workdir,
            events=_events(console),
        )
        render_result(result, console)
        if any(c.status != "ok" for c in result.cycles):
            raise typer.Exit(Exit.FAILURE)
