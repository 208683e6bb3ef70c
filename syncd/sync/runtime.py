"""Wiring: settings into a mirror, an org client and its budget, then one cycle.

The composition root of a run. The face (`syncd.cli`) and the daemon call these; the
cycle itself only sees the ports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from syncd.config import Config, load_config
from syncd.domain.golive import WriteGate
from syncd.mirror import Mirror
from syncd.ports import Progress
from syncd.salesforce.budget import ApiBudget
from syncd.salesforce.client import SalesforceClient
from syncd.settings import Settings
from syncd.sync.cycle import CycleSummary, run_cycle
from syncd.sync.golive import write_gate

__all__ = ["connect", "open_mirror", "sync_once"]


@contextmanager
def open_mirror(settings: Settings) -> Iterator[Mirror]:
    """The mirror (migrated to the code's schema first); closed on exit."""
    mirror = Mirror.open(settings.database_url)
    try:
        yield mirror
    finally:
        mirror.close()


def connect(settings: Settings, mirror: Mirror) -> tuple[SalesforceClient, ApiBudget]:
    """A client whose budget knows what syncd already spent in the last 24 hours."""
    login = settings.require_salesforce()
    spent = mirror.api_calls_since(datetime.now(UTC) - timedelta(hours=24))
    budget = ApiBudget(settings.api_budget_share, used_by_us_24h=spent)
    client = SalesforceClient(login, api_version=settings.api_version, budget=budget)
    return client, budget


def sync_once(
    settings: Settings,
    *,
    dry_run: bool,
    config: Config | None = None,
    progress: Progress | None = None,
    client: SalesforceClient | None = None,
    budget: ApiBudget | None = None,
    now: Callable[[], datetime] | None = None,
    gate: WriteGate | None = None,
) -> CycleSummary:
    """One cycle against the org in ``settings``; the config is validated before any call.

    The write gate is read from the org unless given (the daemon reads it once per
    connection); a refused gate ends the run as ``refused`` before anything is pulled.
    """
    config = config or load_config(settings.mappings_dir)
    with open_mirror(settings) as mirror:
        own_client = client is None
        if client is None:
            client, budget = connect(settings, mirror)
        the_budget = budget
        try:
            the_client = client

            def read_gate() -> WriteGate:
                return write_gate(
                    the_client,
                    writeback_enabled=settings.writeback_enabled,
                    shadow=settings.shadow,
                )

            return run_cycle(
                client=client,
                mirror=mirror,
                config=config,
                lookback=timedelta(seconds=settings.lookback_seconds),
                bulk_query_threshold=settings.bulk_query_threshold,
                bulk_write_threshold=settings.bulk_write_threshold,
                dry_run=dry_run,
                progress=progress,
                budget_left=lambda: the_budget.allowance() if the_budget else None,
                gate=gate or read_gate,
                **({"now": now} if now else {}),
            )
        finally:
            if own_client:
                client.close()
