"""The face: the typer application. Commands load settings, call one function of
`syncd.sync` (or the mirror), and render its result; nothing else in syncd imports typer or
rich for people's screens.
"""

from __future__ import annotations

from typing import Annotated

import typer

from syncd import __version__
from syncd.cli import (
    daemon_cmd,
    demo,
    explain_cmds,
    golive_cmds,
    hygiene_cmd,
    report_cmd,
    sync_cmds,
    whatif_cmds,
)
from syncd.cli.common import handles_errors, settings_or_exit

__all__ = ["app", "main"]

app = typer.Typer(
    name="syncd",
    help="Marketing-to-sales lead handover inside Salesforce: pull, score, route, SLA, "
    "write back, recycle.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the local SQL mirror.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"syncd {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Marketing-to-sales lead handover inside Salesforce."""


@db_app.command("upgrade")
@handles_errors
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the mirror's schema (safe to run again: it changes nothing then)."""
    from syncd.mirror.db import make_engine
    from syncd.mirror.migrate import upgrade

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    before, after = upgrade(engine, revision)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        typer.echo(f"mirror schema at {after} already ({where}); nothing to do")
    else:
        typer.echo(f"mirror schema upgraded {before or 'empty'} -> {after} ({where})")


def _register() -> None:
    from syncd.simulator.cli import sim_app

    sync_cmds.register(app)
    daemon_cmd.register(app)
    report_cmd.register(app)
    golive_cmds.register(app)
    explain_cmds.register(app)
    hygiene_cmd.register(app)
    whatif_cmds.register(app)
    demo.register(app)
    app.add_typer(sim_app, name="sim")


_register()


def main() -> None:
    app()
