"""`syncd run`: check the files, then hand over to the daemon (which logs JSON lines)."""

from __future__ import annotations

import typer

from syncd.cli.common import fail, handles_errors, settings_or_exit
from syncd.cli.errors import Exit
from syncd.cli.sync_cmds import format_problems
from syncd.config import read_config

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("run")
    @handles_errors
    def run_command() -> None:
        """The daemon: scheduled sync jobs on one leader, ops HTTP (status page, /metrics)."""
        from syncd.daemon.service import Daemon
        from syncd.ops.http import is_loopback

        settings = settings_or_exit(json_logs=True)
        if not is_loopback(settings.http_host) and settings.http_token is None:
            fail(
                f"SYNCD_HTTP_HOST={settings.http_host} is not a loopback address: set "
                "SYNCD_HTTP_TOKEN (the status page and /metrics then need it)",
                Exit.CONFIG,
            )
        # The same validation as `syncd check --offline`, before anything starts.
        config, problems = read_config(settings.mappings_dir)
        if config is None:
            typer.echo(format_problems(problems, contacted_org=False), err=True)
            raise typer.Exit(Exit.CONFIG)
        raise typer.Exit(Daemon(settings, config).run())
