"""Wiring: settings into a mirror, an org client and its budget, then one cycle.

The composition root of a run. The face (`syncd.cli`) and the daemon call these; the
cycle itself only sees the ports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

from syncd.config import Config, load_config
from syncd.domain.golive import WriteGate
from syncd.mirror import Mirror
from syncd.mirror.lock import WriterLock, writer_lock
from syncd.ports import Progress
from syncd.salesforce.budget import ApiBudget
from syncd.salesforce.client import SalesforceClient
from syncd.settings import Settings
from syncd.sync.budget import budget_for, remember_limit
from syncd.sync.cycle import CycleSummary, run_cycle
from syncd.sync.golive import write_gate

log = structlog.get_logger("syncd.runtime")

__all__ = ["connect", "open_mirror", "open_mirror_as_writer", "sync_once", "take_over"]


@contextmanager
def open_mirror(settings: Settings) -> Iterator[Mirror]:
    """The mirror (migrated to the code's schema first); closed on exit."""
    mirror = Mirror.open(settings.database_url)
    try:
        yield mirror
    finally:
        mirror.close()


def take_over(mirror: Mirror, now: datetime) -> int:
    """What the new writer does first: runs a dead writer left 'running' become 'killed'."""
    closed = mirror.close_abandoned_runs(now=now)
    if closed:
        log.warning("runs left running by a dead process closed as killed", runs=closed)
    return closed


@contextmanager
def open_mirror_as_writer(
    settings: Settings, *, now: Callable[[], datetime] | None = None
) -> Iterator[Mirror]:
    """The mirror with this process as its one writer, or MirrorBusy naming the holder.

    The lock comes before the migration, so two first runs never race on the schema.
    """
    lock: WriterLock = writer_lock(settings.database_url)
    lock.acquire()
    try:
        with open_mirror(settings) as mirror:
            take_over(mirror, (now or _utcnow)())
            yield mirror
    finally:
        lock.release()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def mirror_exists(url: str) -> bool:
    """Whether there is a mirror to record in (a SQLite file is never created by a reader)."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///")).exists()
    return True


@contextmanager
def recorded_client(settings: Settings, *, job: str) -> Iterator[Callable[[], SalesforceClient]]:
    """A client, connected on first use, for a command outside a cycle (`syncd check`).

    Its calls spend syncd's share like a cycle's (a spent share makes none) and are recorded
    as a run of ``job`` in the mirror when one exists, so the next budget counts them.
    """
    mirror = Mirror.open(settings.database_url) if mirror_exists(settings.database_url) else None
    started = _utcnow()
    made: list[SalesforceClient] = []

    def client() -> SalesforceClient:
        if not made:
            made.append(
                SalesforceClient(
                    settings.require_salesforce(),
                    api_version=settings.api_version,
                    budget=budget_for(settings, mirror),
                )
            )
        return made[0]

    status = "failed"
    try:
        yield client
        status = "ok"
    finally:
        for one in made:
            one.close()
        if mirror is not None:
            try:
                if made and made[0].calls_made:
                    _record_calls(mirror, made[0], job=job, status=status, started=started)
            finally:
                mirror.close()


def _record_calls(
    mirror: Mirror, client: SalesforceClient, *, job: str, status: str, started: datetime
) -> None:
    ended = _utcnow()
    with mirror.unit():
        run_id = mirror.start_run(now=started, dry_run=True)
        remember_limit(mirror, client, ended)
        mirror.finish_run(
            run_id,
            now=ended,
            status=status,
            counts={"job": job, "api_calls_by_kind": dict(client.calls_by_kind)},
            api_calls=client.calls_made,
            api_budget_left=None,
        )


def connect(settings: Settings, mirror: Mirror) -> tuple[SalesforceClient, ApiBudget]:
    """A client whose budget knows what syncd already spent in the last 24 hours."""
    login = settings.require_salesforce()
    budget = budget_for(settings, mirror)
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
    stop: Callable[[], bool] | None = None,
    gate: WriteGate | None = None,
) -> CycleSummary:
    """One cycle against the org in ``settings``, as the mirror's only writer (MirrorBusy
    otherwise); the config is validated before any call.

    The write gate is read from the org unless given (the daemon reads it once per
    connection); a refused gate ends the run as ``refused`` before anything is pulled.
    """
    config = config or load_config(settings.mappings_dir)
    with open_mirror_as_writer(settings, now=now) as mirror:
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
                stop=stop or (lambda: False),
                now=now or _utcnow,
                gate=gate or read_gate,
            )
        finally:
            if own_client:
                client.close()
