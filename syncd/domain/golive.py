"""The go-live rule: may a cycle write to this org, only record, or must it refuse?

One function decides, for `sync --once`, `apply` and the daemon alike. A production org is
never written unless writeback was enabled on purpose; shadow mode records every decision
and writes nothing, whatever the org, so a team can watch syncd before it goes live.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["WriteGate", "WriteMode", "WritesRefused", "decide_write_mode"]


class WriteMode(StrEnum):
    WRITE = "write"  # decide, record, write back
    SHADOW = "shadow"  # decide and record; write nothing
    REFUSED = "refused"  # production without writeback enabled: do not start


@dataclass(frozen=True, slots=True)
class WriteGate:
    mode: WriteMode
    reason: str

    @property
    def writes(self) -> bool:
        return self.mode is WriteMode.WRITE


class WritesRefused(Exception):
    """The gate said REFUSED: nothing was pulled, decided or written."""

    def __init__(self, gate: WriteGate) -> None:
        super().__init__(gate.reason)
        self.gate = gate


def decide_write_mode(
    *, is_sandbox: bool | None, writeback_enabled: bool, shadow: bool
) -> WriteGate:
    """The mode for an org (``is_sandbox`` None: unknown, treated as production)."""
    org = (
        "a sandbox"
        if is_sandbox
        else "production"
        if is_sandbox is False
        else "an org of unknown kind"
    )
    if shadow:
        return WriteGate(
            WriteMode.SHADOW, f"shadow mode on {org}: decisions are recorded, nothing is written"
        )
    if is_sandbox or writeback_enabled:
        return WriteGate(WriteMode.WRITE, f"writing to {org}")
    return WriteGate(
        WriteMode.REFUSED,
        f"refusing to write to {org}: set SYNCD_WRITEBACK_ENABLED=true to go live "
        "(or SYNCD_SHADOW=true to record decisions without writing)",
    )
