"""What every command shares: settings and logging set up once, errors turned into one
clear line and the contract's exit code."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import NoReturn, ParamSpec, TypeVar

import typer

from syncd.cli.errors import Exit, classify_for_exit
from syncd.ops.logging import configure_logging, remember_secrets
from syncd.settings import Settings, SettingsError, load_settings

__all__ = ["fail", "handles_errors", "settings_or_exit"]

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = Exit.FAILURE) -> NoReturn:
    typer.echo(f"syncd: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(*, json_logs: bool | None = None) -> Settings:
    """Load settings (every problem at once), configure logging, register secrets."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"syncd: configuration error: {problem}", err=True)
        raise typer.Exit(Exit.CONFIG) from None
    if json_logs is None:
        json_logs = settings.log_format == "json" or (
            settings.log_format == "auto" and not sys.stderr.isatty()
        )
    configure_logging(json=json_logs, level=logging.INFO)
    remember_secrets(settings.secrets())
    return settings


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors an operator can fix into clear lines and the contract's exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as exc:
            verdict = classify_for_exit(exc)
            if verdict is None:
                raise
            lines, code = verdict
            for line in lines:
                typer.echo(f"syncd: {line}", err=True)
            raise typer.Exit(code) from None

    return wrapper
