"""`syncd plan` and `syncd apply`: render a plan's summary and an apply's refusals."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from syncd.cli.common import fail, handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.cli.progress import RichProgress
from syncd.config import load_config
from syncd.domain.plan import KIND_ORDER, Plan

__all__ = ["DEFAULT_PLAN_DIR", "register", "render_plan_summary", "save_and_summarise"]

DEFAULT_PLAN_DIR = Path("syncd-plan")


def render_plan_summary(plan: Plan, where: Path, console: Console) -> None:
    kinds = Counter(c.kind for c in plan.changes)
    console.print(
        f"plan: {plan.counts.get('leads_with_changes', 0)} leads with "
        f"{len(plan.changes)} field changes, {len(plan.tasks)} tasks to create, "
        f"{len(plan.recycled())} recycles; writing it costs {plan.api_calls} API calls"
    )
    console.print(
        "  by kind: "
        + (", ".join(f"{k.value} {kinds[k]}" for k in KIND_ORDER if kinds[k]) or "nothing")
    )
    if plan.loads:
        table = Table(title="owner load (open leads)")
        for col in ("owner", "now", "after"):
            table.add_column(col, justify="left" if col == "owner" else "right")
        for load in plan.loads[:10]:
            table.add_row(load.name, str(load.before), str(load.after))
        console.print(table)
    console.print(f"full plan: {where / 'plan.html'} (and plan.json, changes.csv, tasks.csv)")
    console.print(f"write exactly this plan: syncd apply {where}")


def save_and_summarise(plan: Plan, out: Path, console: Console) -> None:
    from syncd.ops.plan_files import write_plan

    write_plan(plan, out)
    render_plan_summary(plan, out, console)


def register(app: typer.Typer) -> None:
    """Add `plan` and `apply` to the main application."""

    @app.command("plan")
    @handles_errors
    def plan_command(
        out: Annotated[
            Path, typer.Option("--out", help="Folder for plan.json, CSV files and plan.html.")
        ] = DEFAULT_PLAN_DIR,
    ) -> None:
        """A full cycle that writes nothing: save every change it would make, with reasons."""
        from syncd.sync.plan import make_plan

        settings = settings_or_exit()
        config = load_config(settings.mappings_dir)
        if sys.stderr.isatty():
            with RichProgress() as progress:
                plan, summary = make_plan(settings, config=config, progress=progress)
        else:
            plan, summary = make_plan(settings, config=config)
        if plan is None:
            fail(summary.error or f"the cycle ended {summary.status}", Exit.FAILURE)
        save_and_summarise(plan, out, Console())

    @app.command("apply")
    @handles_errors
    def apply_command(
        plan_path: Annotated[
            Path, typer.Argument(metavar="PLAN", help="A plan folder or its plan.json.")
        ],
    ) -> None:
        """Write exactly a saved plan; leads changed in the org since are refused."""
        from syncd.ops.plan_files import read_plan
        from syncd.sync.apply import apply_plan

        settings = settings_or_exit()
        try:
            plan = read_plan(plan_path)
        except (OSError, ValueError, KeyError) as exc:
            fail(f"cannot read the plan {plan_path}: {exc}", Exit.CONFIG)
        result = apply_plan(settings, plan)
        wb = result.writeback
        console = Console()
        for refusal in result.refused:
            console.print(f"refused {refusal.lead_id} {refusal.lead_name}: {refusal.why}")
        console.print(
            f"applied plan: {wb.records_written} records / {wb.fields_written} fields written, "
            f"{wb.tasks_created} tasks created, {len(result.refused)} leads refused, "
            f"{wb.failed} failed, {wb.conflicts} conflicts (person kept); "
            f"{result.api_calls} API calls"
        )
        if wb.failed:
            raise typer.Exit(Exit.FAILURE)
