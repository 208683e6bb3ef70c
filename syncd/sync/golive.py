"""Go-live wiring: read the org's kind once per connection, ask the domain's gate.

`write_gate` is what `sync --once`, `apply` and the daemon call right after connecting;
`shelve_for_shadow` is what a shadow cycle does instead of writing back.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from syncd.domain.golive import WriteGate, decide_write_mode
from syncd.mirror import Mirror, OutboxState
from syncd.ports import OrgReader
from syncd.salesforce.organization import read_organization

log = structlog.get_logger("syncd.golive")

__all__ = ["SHADOW_NOTE", "shelve_for_shadow", "write_gate"]

SHADOW_NOTE = "shadow mode: recorded, not written"


def write_gate(client: OrgReader, *, writeback_enabled: bool, shadow: bool) -> WriteGate:
    """One Organization query, then the one rule (:func:`decide_write_mode`)."""
    org = read_organization(client)
    gate = decide_write_mode(
        is_sandbox=org.is_sandbox, writeback_enabled=writeback_enabled, shadow=shadow
    )
    log.info("write gate", mode=gate.mode.value, org=org.id, sandbox=org.is_sandbox)
    return gate


def shelve_for_shadow(mirror: Mirror, now: datetime) -> int:
    """Close every due write without sending it: the decisions stay in the ledger.

    Superseded rather than left pending, so going live later does not flush a week of stale
    shadow writes at once: the first live cycle decides afresh from the org's values.
    """
    ids = [e.id for e in mirror.due_writes(now)]
    with mirror.unit():
        mirror.move(ids, OutboxState.SUPERSEDED, now, last_error=SHADOW_NOTE)
    return len(ids)
