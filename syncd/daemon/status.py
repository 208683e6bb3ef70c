"""The daemon's answers for the ops server: the status page's view, health and readiness.

Reads the mirror through a `Mirror` of its own (never the jobs' one: a job's transaction
must not be shared with HTTP threads), and survives a mirror it cannot read yet.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from syncd.daemon.board import JobBoard, health
from syncd.daemon.config_watch import ConfigWatcher
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.mirror import Mirror, OutboxState
from syncd.ops.report_files import latest_report
from syncd.ops.status_page import FailedWrite, JobLine, OwnerLine, RejectedLine, RunLine, StatusView

__all__ = ["StatusSource"]

log = structlog.get_logger("syncd.status")


def _every(interval: timedelta, at_hour: int | None) -> str:
    if at_hour is not None:
        return f"{'weekly' if interval >= timedelta(days=7) else 'daily'} at {at_hour:02d}:00 UTC"
    seconds = int(interval.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 and seconds >= 120 else f"{seconds} s"


class StatusSource:
    def __init__(
        self,
        *,
        database_url: str,
        board: JobBoard,
        watcher: ConfigWatcher,
        role: Callable[[], str],
        holder: Callable[[], str | None],
        budget_left: Callable[[], int | None],
        started_at: datetime,
        now: Callable[[], datetime],
        daily_hours: dict[str, int],
        report_dir: Path | None = None,
    ) -> None:
        self._url = database_url
        self._mirror: Mirror | None = None
        self.board, self.watcher = board, watcher
        self._role, self._holder, self._budget_left = role, holder, budget_left
        self.started_at, self._now = started_at, now
        self._daily = daily_hours
        self._report_dir = report_dir

    def mirror(self) -> Mirror:
        if self._mirror is None:
            self._mirror = Mirror.open(self._url, migrate=False)
        return self._mirror

    def close(self) -> None:
        if self._mirror is not None:
            self._mirror.close()

    def health(self) -> tuple[bool, str]:
        if self._role() == "standby":
            return True, "standby: another syncd writes the mirror; ready to take over"
        return health(self.board.get("fast"), self.started_at, self._now())

    def ready(self) -> tuple[bool, str]:
        if self._role() == "standby":
            return True, "standby"
        fast = self.board.get("fast")
        if fast is None or fast.last_finished is None:
            return False, "leader: first fast sync not finished yet"
        return True, "leader: serving"

    def act(self, entry_id: int, action: str) -> str:
        """Retry (back to pending) or ignore one failed writeback."""
        target = OutboxState.PENDING if action == "retry" else OutboxState.IGNORED
        moved = self.mirror().move([entry_id], target, self._now())
        said = f"outbox entry {entry_id}: {'moved to ' + target.value if moved else 'not failed'}"
        log.info("failed writeback action", entry=entry_id, action=action, moved=bool(moved))
        return said

    def view(self) -> StatusView:
        now = self._now()
        ok, why = self.health()
        config = self.watcher.config
        rejected = self.watcher.rejected
        errors: list[str] = []
        runs: list[RunLine] = []
        outbox: dict[str, int] = {}
        failed: list[FailedWrite] = []
        owners: list[OwnerLine] = []
        calls_24h = 0
        report: str | None = None
        report_alerts: list[str] = []
        try:
            latest = latest_report(self._report_dir) if self._report_dir is not None else None
            if latest is not None:
                report, report_alerts = f"kept in {latest[0]}", latest[1]
        except (OSError, ValueError, KeyError) as exc:
            errors.append(f"cannot read the latest report: {exc}".splitlines()[0])
        try:
            mirror = self.mirror()
            for r in mirror.recent_runs(15):
                runs.append(
                    RunLine(
                        r.id,
                        str(r.counts.get("job", "sync")),
                        r.started_at,
                        r.seconds,
                        r.status,
                        r.api_calls,
                        int(r.counts.get("records_written", 0) or 0),
                        int(r.counts.get("tasks_created", 0) or 0),
                        r.error,
                    )
                )
            outbox = mirror.outbox_counts()
            failed = [
                FailedWrite(
                    w.id, w.sobject, w.record_id, w.field, w.error_code, w.last_error, w.updated_at
                )
                for w in mirror.failed_writes(25)
            ]
            owners = [OwnerLine(n, o, b) for n, o, b in mirror.owner_board(OPEN_STAGES)]
            calls_24h = mirror.api_calls_since(now - timedelta(hours=24))
        except Exception as exc:  # noqa: BLE001 - the page must render even without a mirror
            errors.append(f"cannot read the mirror: {type(exc).__name__}: {exc}".splitlines()[0])
        jobs = [
            JobLine(
                j.name,
                _every(j.interval, self._daily.get(j.name)),
                j.last_status,
                j.last_finished,
                j.next_run,
                j.failures_in_a_row,
                j.last_error,
            )
            for j in self.board.all()
        ]
        errors += [f"job {j.name} failing: {j.last_error}" for j in jobs if j.failures_in_a_row]
        return StatusView(
            role=self._role(),
            pid=os.getpid(),
            generated_at=now,
            healthy=ok,
            health_reason=why,
            config_version=config.version,
            config_fingerprint=self.watcher.applied_fingerprint,
            holder=self._holder(),
            rejected=None
            if rejected is None
            else RejectedLine(rejected.seen_at, rejected.fingerprint, rejected.problems),
            jobs=jobs,
            runs=runs,
            outbox=outbox,
            failed_writes=failed,
            owners=owners,
            api_calls_24h=calls_24h,
            api_budget_left=self._budget_left(),
            errors=errors,
            report=report,
            report_alerts=report_alerts,
        )
