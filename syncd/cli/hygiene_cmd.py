"""`syncd hygiene [--json]`: list the leads with data-quality flags."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from syncd.cli.common import handles_errors, settings_or_exit

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("hygiene")
    @handles_errors
    def hygiene_command(
        as_json: Annotated[bool, typer.Option("--json", help="JSON for tools.")] = False,
    ) -> None:
        """Leads with an invalid or duplicate email, as their Data Quality field shows them."""
        from syncd.sync.hygiene import flagged_leads
        from syncd.sync.runtime import open_mirror

        settings = settings_or_exit()
        with open_mirror(settings) as mirror:
            found = flagged_leads(mirror)
        if as_json:
            typer.echo(json.dumps([asdict(f) for f in found], indent=1))
            return
        if not found:
            typer.echo("No lead has a data-quality flag.")
            return
        table = Table(title=f"{len(found)} leads with data-quality flags")
        for column in ("lead", "name", "owner", "Data Quality"):
            table.add_column(column)
        for f in found:
            table.add_row(f.lead_id, f.name, f.owner, f.shown)
        Console().print(table)
