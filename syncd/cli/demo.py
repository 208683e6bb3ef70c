"""`syncd demo`: run the handover against the built-in simulator and tell a sales-ops person
what happened."""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
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
    def started(instance: str, mirror: str, status: str) -> None:
        console.print(f"simulator at {instance}; mirror at {mirror}")
        console.print(
            f"the daemon is running: its status page is at [bold]{status}[/bold] while the demo "
            "runs (metrics at /metrics, health at /healthz)"
        )

    def cycle_starting(number: int, total: int, clock: datetime) -> None:
        console.rule(f"day {number} of {total}: fast sync at org time {clock:%a %d %b %H:%M} UTC")

    def cycle_done(summary: CycleSummary) -> None:
        render_summary(summary, console)

    def reps_worked(step: timedelta, actions: dict[str, int]) -> None:
        done = ", ".join(f"{k} {v}" for k, v in actions.items() if v)
        console.print(f"reps worked their leads for {step}: {done or 'nothing'}")

    return DemoEvents(started, cycle_starting, cycle_done, reps_worked)


def _table(console: Console, title: str, counts: dict[str, int], column: str) -> None:
    if not counts:
        return
    table = Table(title=title, min_width=len(title) + 4)
    table.add_column("owner")
    table.add_column(column, justify="right")
    for owner, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(owner, str(n))
    console.print(table)


def failed_runs(result: DemoResult) -> list[CycleSummary]:
    """Runs that went wrong; one the demo's own stop interrupted at the end is not one."""
    return [c for c in result.runs if c.status not in ("ok", "interrupted")]


# open: waiting for the first touch; met: touched in time; breached: not.
SLA_ORDER = ("open", "met", "breached")


def render_result(result: DemoResult, console: Console) -> None:
    console.rule("[bold]what happened")
    writes = sum(c.writeback.records_written for c in result.runs)
    fields = sum(c.writeback.fields_written for c in result.runs)
    tasks = sum(c.writeback.tasks_created for c in result.runs)
    calls = sum(c.api_calls for c in result.runs)
    jobs = Counter(c.job for c in result.runs)
    failed = len(failed_runs(result))
    console.print(
        f"{len(result.runs)} daemon runs ("
        + ", ".join(f"{n} {job}" for job, n in sorted(jobs.items()))
        + f"), {'all ok' if not failed else f'{failed} failed (see `syncd logs`)'}; "
        f"{result.leads_scored:,} leads scored; {writes:,} lead updates ({fields:,} "
        f"fields) and {tasks} Tasks written; {calls} API calls by syncd "
        f"({result.sim_api_calls} seen by the org)"
    )
    _table(console, "MQLs handed off, by owner", result.handoffs_by_owner, "handoffs")
    _table(console, "recycled back to nurture (not handoffs)", result.recycled_to, "leads")
    if result.sla:
        table = Table(title="follow-up SLA, by state", min_width=28)
        table.add_column("state")
        table.add_column("leads", justify="right")
        for state in SLA_ORDER:
            if state in result.sla:
                table.add_row(state, str(result.sla[state]))
        for state, n in sorted(result.sla.items()):
            if state not in SLA_ORDER:
                table.add_row(state, str(n))
        console.print(table)
    if result.queue_reasons:
        table = Table(title="why leads went to a queue instead of a rep")
        table.add_column("why")
        table.add_column("leads", justify="right")
        for why, n in sorted(result.queue_reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(why, str(n))
        console.print(table)
    if result.decisions_by_kind:
        console.print(
            "decisions recorded (each with its reasons): "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(result.decisions_by_kind.items()))
        )
    per_run = ", ".join(str(c.api_calls) for c in result.cycles)
    console.print(
        f"API calls per fast run: {per_run} (the first pulls the whole org; after that about "
        "one query per object, plus the writes)"
    )
    explain = (
        f"  syncd explain {result.example_lead}   # why this lead got its score, owner and SLA\n"
        if result.example_lead
        else ""
    )
    console.print(
        "\n[bold]try next[/bold]\n"
        f"  export SYNCD_DATABASE_URL=sqlite:///{result.workdir}/syncd.db\n"
        + explain
        + "  syncd runs                      # every run the daemon recorded\n"
        "  syncd logs                      # warnings and per-record errors\n"
        "  syncd report --out report       # the handover report (report/report.html)\n"
        "  syncd sim serve --leads 5000 > sim.log &   # a simulated org of your own, then:\n"
        '  eval "$(syncd sim env)" && syncd check && syncd run   # the daemon, page on :8765\n'
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
        # The demo's 2 s ticks outrun a first pull by design; "skipped: already running" is
        # how the daemon coalesces, not news for someone watching the demo.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
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
        if result.timed_out or not result.cycles or failed_runs(result):
            raise typer.Exit(Exit.FAILURE)
