"""Command-line commands for the integration: sync, check, runs, logs, demo.

Thin: each command loads settings and configuration, builds the adapters and calls one
function; printing is the only thing done here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from syncd.domain.policy import Policy, PolicyError, load_policy
from syncd.fieldmap import FieldMappings, MappingsError, load_mappings
from syncd.mirror import store
from syncd.mirror.db import make_engine, session_factory
from syncd.mirror.migrate import current_revision, head_revision
from syncd.salesforce.budget import ApiBudget
from syncd.salesforce.client import SalesforceClient
from syncd.settings import Settings
from syncd.sync.cycle import CycleSummary, is_config_failure, run_cycle

POLICY_FILE = "policy.yaml"
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


class ConfigurationError(Exception):
    """Invalid files in the mappings directory; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Config:
    mappings: FieldMappings
    policy: Policy


def load_config(mappings_dir: Path) -> Config:
    """Load fields.yaml and policy.yaml, reporting the problems of both together."""
    problems: list[str] = []
    mappings: FieldMappings | None = None
    policy: Policy | None = None
    try:
        mappings = load_mappings(mappings_dir)
    except MappingsError as exc:
        problems += [p.render() for p in exc.problems]
    policy_path = mappings_dir / POLICY_FILE
    try:
        policy = load_policy(policy_path.read_text(encoding="utf-8"), POLICY_FILE)
    except FileNotFoundError:
        problems.append(f"{POLICY_FILE}: not found in {mappings_dir}")
    except PolicyError as exc:
        problems += list(exc.messages)
    if problems or mappings is None or policy is None:
        raise ConfigurationError(problems)
    return Config(mappings, policy)


@contextmanager
def open_mirror(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the mirror (migrated to the code's schema first); closed on exit."""
    engine = make_engine(settings.database_url)
    try:
        if current_revision(engine) != head_revision(engine):
            from syncd.mirror.migrate import upgrade

            upgrade(engine)
        yield session_factory(engine)
    finally:
        engine.dispose()


def connect(
    settings: Settings, sessions: sessionmaker[Session]
) -> tuple[SalesforceClient, ApiBudget]:
    """A client whose budget knows what syncd already spent in the last 24 hours."""
    login = settings.require_salesforce()
    with sessions() as session:
        spent = store.api_calls_since(session, datetime.now(UTC) - timedelta(hours=24))
    budget = ApiBudget(settings.api_budget_share, used_by_us_24h=spent)
    client = SalesforceClient(login, api_version=settings.api_version, budget=budget)
    return client, budget


@contextmanager
def pull_progress(enabled: bool) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A progress bar on long pulls, for people at a terminal only."""
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("pulling {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(sobject: str, done: int, total: int | None) -> None:
        if sobject not in tasks:
            tasks[sobject] = progress.add_task(sobject, total=total)
        progress.update(tasks[sobject], completed=done, total=total)

    with progress:
        yield update


def sync_once(
    settings: Settings,
    *,
    dry_run: bool,
    show_progress: bool,
    client: SalesforceClient | None = None,
    budget: ApiBudget | None = None,
    now: Callable[[], datetime] | None = None,
) -> CycleSummary:
    config = load_config(settings.mappings_dir)
    with open_mirror(settings) as sessions, ExitStack() as stack:
        if client is None:
            client, budget = connect(settings, sessions)
            stack.callback(client.close)
        return _cycle(settings, config, sessions, client, budget, dry_run, show_progress, now)


def _cycle(
    settings: Settings,
    config: Config,
    sessions: sessionmaker[Session],
    client: SalesforceClient,
    budget: ApiBudget | None,
    dry_run: bool,
    show_progress: bool,
    now: Callable[[], datetime] | None,
) -> CycleSummary:
    the_budget = budget
    with pull_progress(show_progress) as progress:
        return run_cycle(
            client=client,
            sessions=sessions,
            mappings=config.mappings,
            policy=config.policy,
            lookback=timedelta(seconds=settings.lookback_seconds),
            bulk_query_threshold=settings.bulk_query_threshold,
            bulk_write_threshold=settings.bulk_write_threshold,
            dry_run=dry_run,
            progress=progress,
            budget_left=lambda: the_budget.allowance() if the_budget else None,
            **({"now": now} if now else {}),
        )


def render_summary(summary: CycleSummary, console: Console) -> None:
    counts = summary.counts()
    table = Table(
        title=f"sync run {summary.run_id} — {summary.status}"
        + (" (dry run: nothing written)" if summary.dry_run else "")
    )
    table.add_column("object")
    table.add_column("pulled", justify="right")
    table.add_column("changed", justify="right")
    for sobject, n in summary.pulled.items():
        bulk = " (bulk)" if sobject in summary.used_bulk else ""
        table.add_row(sobject + bulk, str(n), str(summary.changed.get(sobject, 0)))
    console.print(table)
    ev, wb = summary.evaluation, summary.writeback
    console.print(
        f"decisions: {ev.evaluated} leads evaluated"
        + (" (full rescore)" if summary.full_rescore else "")
        + f", {ev.decisions_with_changes} with changes, {ev.fields_queued} field writes and "
        f"{ev.tasks_queued} handoff tasks queued, {ev.ledger_entries} ledger entries, "
        f"{ev.conflicts} conflicts (person kept)"
    )
    if summary.dry_run:
        console.print(f"would write: {len(ev.planned)} changes")
        for item in ev.planned[:20]:
            console.print(f"  {json.dumps(item, default=str)[:200]}")
    else:
        console.print(
            f"writes: {wb.records_written} records / {wb.fields_written} fields in "
            f"{wb.collection_calls} collection calls and {wb.bulk_jobs} bulk jobs, "
            f"{wb.tasks_created} tasks created, {wb.failed} failed, {wb.retried} to retry, "
            f"{wb.skipped_converted} converted leads skipped"
        )
    left = "unknown" if summary.budget_left is None else str(summary.budget_left)
    console.print(
        f"API calls used: {summary.api_calls}; budget left for syncd: {left}; "
        f"{summary.seconds:.1f} s"
    )
    if counts["handoffs_by_owner"]:
        console.print(f"handoffs by owner: {counts['handoffs_by_owner']}")
    if summary.error:
        console.print(f"[bold]stopped:[/bold] {summary.error}")


def register(app: typer.Typer) -> None:
    """Add the integration's commands to the main application."""
    from syncd.cli import handles_errors, settings_or_exit

    def config_or_exit(func: Callable[[], Any]) -> Any:
        try:
            return func()
        except ConfigurationError as exc:
            for problem in exc.problems:
                typer.echo(f"syncd: {problem}", err=True)
            raise typer.Exit(EXIT_CONFIG) from None

    @app.command("sync")
    @handles_errors
    def sync_command(
        once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Pull and decide, but write nothing back.")
        ] = False,
    ) -> None:
        """One sync cycle: pull -> evaluate -> write back, with a summary."""
        if not once:
            typer.echo("syncd: use `syncd sync --once` for one cycle", err=True)
            raise typer.Exit(EXIT_CONFIG)
        settings = settings_or_exit()
        summary = config_or_exit(
            lambda: sync_once(settings, dry_run=dry_run, show_progress=sys.stderr.isatty())
        )
        render_summary(summary, Console())
        if summary.status == "ok":
            return
        raise typer.Exit(EXIT_CONFIG if is_config_failure(summary) else EXIT_FAILURE)

    @app.command("check")
    @handles_errors
    def check_command() -> None:
        """Validate mappings/ and check them against the org's describe."""
        from syncd.sync.check import check_directory

        settings = settings_or_exit()
        holder: dict[str, SalesforceClient] = {}

        def describe(sobject: str) -> dict[str, Any] | None:
            if "client" not in holder:
                login = settings.require_salesforce()
                holder["client"] = SalesforceClient(login, api_version=settings.api_version)
            from syncd.salesforce.errors import SalesforceError

            try:
                return holder["client"].describe(sobject)
            except SalesforceError as exc:
                if exc.status == 404 or exc.error_code == "NOT_FOUND":
                    return None
                raise

        def org_owners() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            client = holder["client"]
            users = client.query("SELECT Id, Username, Email, IsActive FROM User")
            queues = client.query("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'")
            return users, queues

        try:
            report = check_directory(settings.mappings_dir, describe, org_owners=org_owners)
        finally:
            if "client" in holder:
                holder["client"].close()
        typer.echo(report.text)
        raise typer.Exit(report.exit_code)

    @app.command("runs")
    @handles_errors
    def runs_command(
        limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    ) -> None:
        """Recent sync runs: when, how long, status, API calls, what moved."""
        settings = settings_or_exit()
        table = Table(title="sync runs")
        for col in (
            "run",
            "started (UTC)",
            "seconds",
            "status",
            "API calls",
            "evaluated",
            "written",
            "error",
        ):
            table.add_column(col)
        with open_mirror(settings) as sessions, sessions() as session:
            for run in store.recent_runs(session, limit):
                seconds = (run.ended_at - run.started_at).total_seconds() if run.ended_at else None
                table.add_row(
                    run.id[:8],
                    run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "-" if seconds is None else f"{seconds:.1f}",
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
        settings = settings_or_exit()
        with open_mirror(settings) as sessions, sessions() as session:
            run_id = None
            if run:
                matches = [r.id for r in store.recent_runs(session, 500) if r.id.startswith(run)]
                if not matches:
                    typer.echo(f"syncd: no run {run!r}", err=True)
                    raise typer.Exit(EXIT_CONFIG)
                run_id = matches[0]
            for event in store.run_events(session, run_id, limit):
                typer.echo(
                    json.dumps(
                        {
                            "at": event.at.isoformat(),
                            "run": event.run_id[:8],
                            "level": event.level,
                            "kind": event.kind,
                            "record": event.record_id,
                            "message": event.message,
                            **({"details": event.details} if event.details else {}),
                        },
                        default=str,
                    )
                )

    from syncd.sync.demo import register_demo

    register_demo(app)
