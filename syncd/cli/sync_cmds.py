"""`syncd sync`, `check`, `runs` and `logs`: call the orchestration, render its results."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syncd.cli.common import handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.cli.golive_cmds import DEFAULT_PLAN_DIR, save_and_summarise
from syncd.cli.progress import RichProgress
from syncd.config import Problem, load_config
from syncd.sync.cycle import CycleSummary

__all__ = ["format_problems", "register", "render_summary"]


def format_problems(problems: Sequence[Problem], *, contacted_org: bool = True) -> str:
    """A readable report: a count, then the problems grouped by file and object."""
    count = len(problems)
    lines = [f"syncd check: {count} problem{'s' if count != 1 else ''} found"]
    files: dict[str, dict[str | None, list[Problem]]] = {}
    for problem in problems:
        files.setdefault(problem.file, {}).setdefault(problem.sobject, []).append(problem)
    for file, by_object in files.items():
        lines += ["", file]
        # Problems about no one object (the file as a whole, the policy) come first.
        for sobject in sorted(by_object, key=lambda name: name is not None):
            indent = "  "
            if sobject is not None:
                lines.append(f"  {sobject}")
                indent = "    "
            # Top to bottom as the file reads; problems without a line keep their order, last.
            for p in sorted(by_object[sobject], key=lambda p: (p.line is None, p.line or 0)):
                where = f"{p.path}: " if p.path else ""
                at = f" (line {p.line})" if p.line is not None else ""
                lines.append(f"{indent}{where}{p.message}{at}")
    lines += ["", "Fix these in the files named above, then run `syncd check` again."]
    if not contacted_org:
        lines.append("(The org was not contacted: fix the files first.)")
    return "\n".join(lines)


def render_summary(summary: CycleSummary, console: Console) -> None:
    table = Table(
        title=f"sync run {summary.run_id[:8]} — {summary.status}"
        + (" (dry run: nothing written)" if summary.dry_run else "")
    )
    table.add_column("object")
    table.add_column("pulled", justify="right")
    table.add_column("changed", justify="right")
    table.add_column("of which echo of syncd's writes", justify="right")
    for sobject, n in summary.pulled.items():
        bulk = " (bulk)" if sobject in summary.used_bulk else ""
        echo = summary.echoes.get(sobject)
        table.add_row(
            sobject + bulk,
            str(n),
            str(summary.changed.get(sobject, 0)),
            "" if echo is None else str(echo),
        )
    console.print(table)
    ev, wb = summary.evaluation, summary.writeback
    console.print(
        f"decisions: {ev.evaluated} leads evaluated"
        + (" (full rescore)" if summary.full_rescore else "")
        + f", {ev.decisions_with_changes} with changes, {ev.fields_queued} field writes and "
        f"{ev.tasks_queued} handoff tasks queued, {ev.ledger_entries} ledger entries"
    )
    if summary.shadow:
        console.print(
            f"shadow mode: {summary.shadowed_writes} writes recorded in the mirror, none sent"
        )
    elif summary.dry_run:
        console.print(f"would write: {len(ev.planned)} changes (the plan below says which)")
    else:
        console.print(
            f"writes: {wb.records_written} records / {wb.fields_written} fields in "
            f"{wb.collection_calls} collection calls and {wb.bulk_jobs} bulk jobs, "
            f"{wb.tasks_created} tasks created, {wb.failed} failed, {wb.retried} to retry, "
            f"{wb.skipped_converted} converted leads skipped, {wb.already_there} already in "
            "the org"
        )
    unmapped = ev.ledger_by_kind.get("conflict", 0)
    if wb.conflicts or unmapped:
        # Both are "conflict" entries in the ledger: the two counts add up to them.
        console.print(
            f"conflicts: {wb.conflicts + unmapped} ({wb.conflicts} writes not sent because a "
            f"person changed the field after syncd read it, {unmapped} Status values outside "
            "the policy's status map, ignored)"
        )
    if summary.transients:
        healed = "; ".join(f"{n} {what}" for what, n in sorted(summary.transients.items()))
        console.print(f"transient trouble, handled: {healed} (see `syncd logs`)")
    if summary.quarantined:
        console.print(f"quarantined: {summary.quarantined} records (see `syncd logs`)")
    left = "unknown" if summary.budget_left is None else str(summary.budget_left)
    console.print(
        f"API calls used: {summary.api_calls}; budget left for syncd: {left}; "
        f"{summary.seconds:.1f} s"
    )
    _owner_table(console, "handoffs by owner", ev.handoffs_by_owner)
    _owner_table(console, "recycled to nurture", ev.recycled_to)
    if summary.error:
        console.print(f"[bold]stopped:[/bold] {summary.error}")


def _owner_table(console: Console, title: str, counts: dict[str, int]) -> None:
    if not counts:
        return
    table = Table(title=title)
    table.add_column("owner")
    table.add_column("leads", justify="right")
    for owner, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(owner, str(n))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the integration's commands to the main application."""

    @app.command("sync")
    @handles_errors
    def sync_command(
        once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Pull and decide, but write nothing back.")
        ] = False,
    ) -> None:
        """One sync cycle: pull -> evaluate -> write back, with a summary."""
        from syncd.sync.plan import make_plan
        from syncd.sync.runtime import sync_once

        if not once:
            typer.echo("syncd: use `syncd sync --once` for one cycle", err=True)
            raise typer.Exit(Exit.CONFIG)
        settings = settings_or_exit()
        # The files are checked before any call to the org.
        config = load_config(settings.mappings_dir)
        plan = None
        with RichProgress() if sys.stderr.isatty() else nullcontext() as progress:
            if dry_run:
                # A dry run is a plan: saved in full, summarised here.
                plan, summary = make_plan(settings, config=config, progress=progress)
            else:
                summary = sync_once(settings, dry_run=False, config=config, progress=progress)
        if summary.status == "refused":
            # The go-live guard: one line, nothing was pulled or written.
            typer.echo(f"syncd: {summary.error}", err=True)
            raise typer.Exit(Exit.CONFIG)
        console = Console()
        render_summary(summary, console)
        if plan is not None:
            save_and_summarise(plan, DEFAULT_PLAN_DIR, console)
        if summary.status == "ok":
            return
        raise typer.Exit(Exit.CONFIG if summary.is_config_failure else Exit.FAILURE)

    @app.command("check")
    @handles_errors
    def check_command(
        offline: Annotated[
            bool, typer.Option("--offline", help="Validate the files only; no login.")
        ] = False,
    ) -> None:
        """Validate mappings/ and check them against the org's describe."""
        from syncd.domain.owners import OwnerDirectory
        from syncd.sync.check import check_directory, check_files
        from syncd.sync.owners_org import org_directory
        from syncd.sync.runtime import recorded_client

        settings = settings_or_exit()
        if offline:
            _, result = check_files(settings.mappings_dir)
        else:
            # Its calls count against syncd's share and are recorded as a "check" run.
            with recorded_client(settings, job="check") as client:

                def describe(sobject: str) -> dict[str, Any] | None:
                    return client().describe(sobject)

                def directory() -> OwnerDirectory:
                    return org_directory(client())

                result = check_directory(settings.mappings_dir, describe, directory=directory)
        if result.ok:
            typer.echo(result.summary)
            return
        typer.echo(format_problems(result.problems, contacted_org=result.contacted_org))
        raise typer.Exit(Exit.CONFIG)

    @app.command("runs")
    @handles_errors
    def runs_command(
        limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    ) -> None:
        """Recent sync runs: when, how long, status, API calls, what moved."""
        from syncd.sync.runtime import open_mirror

        settings = settings_or_exit()
        _require_existing_mirror(settings.database_url)
        with open_mirror(settings) as mirror:
            runs = mirror.recent_runs(limit)
        if not runs:
            typer.echo("no runs yet: `syncd sync --once` records one")
            return
        table = Table(title="sync runs")
        for col in (
            "run",
            "job",
            "started (UTC)",
            "seconds",
            "status",
            "API calls",
            "evaluated",
            "written",
            "error",
        ):
            table.add_column(col)
        for run in runs:
            table.add_row(
                run.id[:8],
                str(run.counts.get("job", "sync")),
                run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "-" if run.seconds is None else f"{run.seconds:.1f}",
                run.status + (" (dry)" if run.dry_run else ""),
                str(run.api_calls),
                str(run.counts.get("evaluated", "")),
                str(run.counts.get("records_written", "")),
                (run.error or "")[:60],
            )
        Console().print(table)

    @app.command("logs")
    @handles_errors
    def logs_command(
        run: Annotated[str | None, typer.Option(help="Only this run (id or prefix).")] = None,
        limit: Annotated[int, typer.Option(help="How many events to show.")] = 50,
    ) -> None:
        """Warnings and per-record errors recorded by sync runs, newest first."""
        from syncd.sync.runtime import open_mirror

        settings = settings_or_exit()
        _require_existing_mirror(settings.database_url)
        with open_mirror(settings) as mirror:
            run_id = None
            if run:
                run_id = mirror.find_run(run)
                if run_id is None:
                    typer.echo(f"syncd: no run {run!r}", err=True)
                    raise typer.Exit(Exit.CONFIG)
            events = mirror.run_events(run_id, limit)
        if not events:
            typer.echo("no warnings or errors recorded" + (f" for run {run}" if run else ""))
            return
        for event in events:
            typer.echo(
                json.dumps(
                    {
                        "at": event.at.isoformat(),
                        "run": event.run_id[:8],
                        "level": event.level,
                        "kind": event.kind,
                        "record": event.record_id,
                        "message": event.message,
                        **({"details": dict(event.details)} if event.details else {}),
                    },
                    default=str,
                )
            )


def _require_existing_mirror(url: str) -> None:
    """Reading commands never create a mirror: a missing SQLite file is said as such."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.parent.is_dir():
            typer.echo(
                f"syncd: the mirror's folder {path.parent} does not exist (SYNCD_DATABASE_URL "
                f"{url}); create it or point the URL elsewhere",
                err=True,
            )
            raise typer.Exit(Exit.FAILURE)
        if not path.exists():
            typer.echo(
                f"syncd: no mirror at {path} (SYNCD_DATABASE_URL); run `syncd sync --once` first",
                err=True,
            )
            raise typer.Exit(Exit.FAILURE)
