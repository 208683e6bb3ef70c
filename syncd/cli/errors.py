"""Exit codes and which failures an operator can fix, defined once for every command.

Errors are classified where they arise (settings, mirror, configuration, Salesforce adapter);
this maps them onto one readable line and the exit-code contract: 0 ok, 1 failure, 2 bad
usage or invalid configuration, 3 mirror busy (another syncd writes it).
"""

from __future__ import annotations

from enum import IntEnum

from syncd.config import ConfigurationError
from syncd.domain.golive import WritesRefused
from syncd.mirror.db import DatabaseError
from syncd.mirror.lock import MirrorBusy
from syncd.salesforce.errors import ErrorKind, SalesforceError
from syncd.settings import SettingsError

__all__ = ["Exit", "classify_for_exit"]


class Exit(IntEnum):
    OK = 0
    FAILURE = 1
    CONFIG = 2
    BUSY = 3  # another syncd writes the mirror: nothing was done, try again later


def classify_for_exit(exc: BaseException) -> tuple[list[str], Exit] | None:
    """(lines to print, exit code) for known failures; None lets a real bug show itself."""
    if isinstance(exc, SettingsError):
        return [f"configuration error: {p}" for p in exc.problems], Exit.CONFIG
    if isinstance(exc, MirrorBusy):
        return [str(exc)], Exit.BUSY
    if isinstance(exc, DatabaseError):
        return [str(exc)], Exit.CONFIG
    if isinstance(exc, ConfigurationError):
        return [p.render() for p in exc.problems], Exit.CONFIG
    if isinstance(exc, WritesRefused):
        # A go-live switch the operator has not turned: configuration, not a failure.
        return [str(exc)], Exit.CONFIG
    if isinstance(exc, SalesforceError):
        code = Exit.CONFIG if exc.kind is ErrorKind.CONFIG else Exit.FAILURE
        return [f"Salesforce: {exc}"], code
    return None
