"""Which failures an operator can fix, and how the command line reports them.

Errors are classified where they arise (settings, mirror, mappings, Salesforce adapter); this
module only maps those classes onto one readable line and the exit-code contract.
"""

from __future__ import annotations

from syncd.mirror.db import DatabaseError
from syncd.settings import SettingsError

EXIT_FAILURE = 1
EXIT_CONFIG = 2


def classify_for_exit(exc: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit code) for known failures; None lets a real bug show itself."""
    if isinstance(exc, SettingsError):
        return "configuration error: " + "; ".join(exc.problems), EXIT_CONFIG
    if isinstance(exc, DatabaseError):
        return str(exc), EXIT_CONFIG
    try:
        from syncd.fieldmap import MappingsError
    except ImportError:
        pass
    else:
        if isinstance(exc, MappingsError):
            return f"invalid mappings: {exc}", EXIT_CONFIG
    try:
        from syncd.salesforce.errors import ErrorKind, SalesforceError
    except ImportError:
        pass
    else:
        if isinstance(exc, SalesforceError):
            code = EXIT_CONFIG if exc.kind is ErrorKind.CONFIG else EXIT_FAILURE
            return f"Salesforce: {exc}", code
    return None
