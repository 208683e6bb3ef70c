"""The command line: thin wiring over settings, the mirror, the adapters and the cycle.

Exit codes: 0 ok, 1 failure, 2 bad usage or invalid configuration.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, NoReturn, ParamSpec, TypeVar

import typer

from syncd.ops.logging import configure_logging, remember_secrets
from syncd.settings import Settings, SettingsError, load_settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

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

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"syncd: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(*, json_logs: bool | None = None) -> Settings:
    """Load settings (every problem at once), configure logging, register secrets."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"syncd: configuration error: {problem}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    if json_logs is None:
        json_logs = settings.log_format == "json" or (
            settings.log_format == "auto" and not sys.stderr.isatty()
        )
    configure_logging(json=json_logs, level=logging.INFO)
    remember_secrets(settings.secrets())
    return settings


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors an operator can fix into one clear line and the contract's exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from syncd.errors import classify_for_exit

        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as exc:
            verdict = classify_for_exit(exc)
            if verdict is None:
                raise
            message, code = verdict
            fail(message, code)

    return wrapper


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


def _register_commands() -> None:
    # Imported here, after the helpers above exist: the sub-commands use them.
    from syncd.simulator.cli import sim_app
    from syncd.sync.commands import register

    register(app)
    app.add_typer(sim_app, name="sim")


_register_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
