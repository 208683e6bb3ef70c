"""The daemon: elect the writer, run the jobs while leader, serve ops HTTP, stop cleanly.

Leader election is the writer lock (`syncd.mirror.lock`): whoever holds it runs the jobs;
the others stay standby, serving their status page and trying again every few seconds, so
a standby takes over within one fast interval of the leader dying. SIGTERM/SIGINT ask the
running job to stop at its next safe point (between batches; the run is recorded as
'interrupted'), then the process exits 0.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from syncd.config import Config
from syncd.daemon.board import JobBoard, backoff
from syncd.daemon.config_watch import ConfigWatcher
from syncd.daemon.jobs import JobContext, JobSpec, job_specs, run_job
from syncd.daemon.scheduler import build_scheduler
from syncd.daemon.status import StatusSource
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.owners import resolve_owners
from syncd.mirror import Mirror
from syncd.mirror.lock import writer_lock
from syncd.ops.http import OpsApp, OpsServer, is_loopback
from syncd.ops.metrics import Metrics
from syncd.ports import OrgClient
from syncd.settings import Settings
from syncd.sync.cycle import CycleSummary
from syncd.sync.runtime import connect, open_mirror, take_over

__all__ = ["Daemon", "OrgConnector"]

log = structlog.get_logger("syncd.daemon")

#: (settings, mirror) -> (client, budget-left function, close); tests hand in their own.
OrgConnector = Callable[
    [Settings, Mirror], tuple[OrgClient, Callable[[], int | None], Callable[[], None]]
]
_RETRY_STATUSES = ("failed", "error")


def _connect_org(
    settings: Settings, mirror: Mirror
) -> tuple[OrgClient, Callable[[], int | None], Callable[[], None]]:
    client, budget = connect(settings, mirror)
    return client, budget.allowance, client.close


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Daemon:
    def __init__(
        self,
        settings: Settings,
        config: Config,
        *,
        now: Callable[[], datetime] = _utcnow,
        connect_org: OrgConnector = _connect_org,
        serve_http: bool = True,
        on_run: Callable[[str, CycleSummary], None] | None = None,
    ) -> None:
        self.settings, self.now, self._connect_org = settings, now, connect_org
        # Told of every recorded job run (the demo prints them as they happen).
        self._on_run = on_run
        self.stopping = threading.Event()
        self.specs: dict[str, JobSpec] = {s.name: s for s in job_specs(settings)}
        self.board = JobBoard()
        for spec in self.specs.values():
            self.board.add(spec.name, spec.interval)
        self.watcher = ConfigWatcher(settings.mappings_dir, config, now=now)
        self.metrics = Metrics()
        self.role = "standby"
        self.holder: str | None = None
        self._budget_left: Callable[[], int | None] = lambda: None
        self._lock = writer_lock(settings.database_url)
        self._scheduler: BackgroundScheduler | None = None
        # Guards _scheduler: APScheduler's shutdown(wait=True) holds its job-store lock while
        # waiting for the running job, so that job must not touch the scheduler by then.
        self._scheduler_lock = threading.Lock()
        self._ctx: JobContext | None = None
        # A standby polls this often: well inside one fast interval.
        self._poll = min(5.0, settings.fast_interval_seconds / 2)
        self.status = StatusSource(
            database_url=settings.database_url,
            board=self.board,
            watcher=self.watcher,
            role=lambda: self.role,
            holder=lambda: self.holder,
            budget_left=lambda: self._budget_left(),
            started_at=now(),
            now=now,
            daily_hours={
                s.name: s.at_hour_utc for s in self.specs.values() if s.at_hour_utc is not None
            },
            report_dir=settings.report_dir,
        )
        self.http: OpsServer | None = self._http() if serve_http else None

    def _http(self) -> OpsServer:
        token = self.settings.http_token
        needs_token = not is_loopback(self.settings.http_host)
        app = OpsApp(
            snapshot=self.status.view,
            health=self.status.health,
            ready=self.status.ready,
            metrics=self.metrics,
            act=self.status.act,
            token=token.reveal() if (needs_token and token is not None) else None,
        )
        return OpsServer(app, self.settings.http_host, self.settings.http_port)

    # --- lifecycle ---------------------------------------------------------------------------

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        name = signal.Signals(signum).name if signum else "request"
        log.info("stop requested; finishing the current batch", signal=name)
        self.stopping.set()

    def run(self) -> int:
        """Until a stop is requested; returns the exit code (0 after a clean stop)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
        if self.http is not None:
            self.http.start()
            log.info("ops server listening", status_page=self.http.url + "/")
        try:
            while not self.stopping.is_set():
                if self._lock.try_acquire():
                    self._lead()
                else:
                    self._stand_by()
        finally:
            if self.http is not None:
                self.http.stop()
            self.status.close()
            self._lock.release()
        log.info("daemon stopped")
        return 0

    def _stand_by(self) -> None:
        holder = self._lock.holder()
        described = holder.describe() if holder else None
        if self.role != "standby" or described != self.holder:
            log.info("standby: another syncd writes the mirror", holder=described)
        self.role, self.holder = "standby", described
        self.metrics.leader.set(0)
        self.stopping.wait(self._poll)

    def _lead(self) -> None:
        self.role, self.holder = "leader", None
        self.metrics.leader.set(1)
        log.info("leader: this daemon writes the mirror")
        with open_mirror(self.settings) as mirror:
            take_over(mirror, self.now())
            client, budget_left, close = self._connect_org(self.settings, mirror)
            self._budget_left = budget_left
            self._ctx = JobContext(
                self.settings, mirror, client, budget_left, self.stopping.is_set, self.now
            )
            self.watcher.validate = lambda config: self._owner_problems(config, mirror)
            scheduler = build_scheduler(list(self.specs.values()), self._run_job, _utcnow())
            self._scheduler = scheduler
            scheduler.start()
            self._note_schedule()
            try:
                while not self.stopping.wait(self._poll):
                    if not self._lock.try_acquire():
                        log.error("writer lock lost (mirror connection died); standing by")
                        break
            finally:
                started = time.monotonic()
                with self._scheduler_lock:
                    self._scheduler = None
                scheduler.shutdown(wait=True)  # the running job stops at its next batch
                close()
                log.info("jobs stopped", seconds=round(time.monotonic() - started, 2))
        self.role = "standby"
        self.metrics.leader.set(0)

    def _owner_problems(self, config: Config, mirror: Mirror) -> list[str]:
        """An edit naming owners the org does not have is rejected like a broken file
        (the same check the cycle makes, against the mirror's copy of users and queues)."""
        if self._ctx is None or not self._ctx.pulled_everything:
            return []  # no copy of the org's users yet: the cycle itself will check
        _, problems = resolve_owners(config.policy, mirror.owner_directory())
        return [f"policy.yaml: {p.path}: {p.message}" for p in problems]

    # --- one job -----------------------------------------------------------------------------

    def _run_job(self, name: str) -> None:
        ctx = self._ctx
        if ctx is None or self.stopping.is_set():
            return
        config = self.watcher.current()
        self.metrics.config_rejected.set(1 if self.watcher.rejected else 0)
        self.board.started(name, self.now())
        clock = time.monotonic()
        status: str
        error: str | None
        try:
            summary = run_job(name, ctx, config)
        except Exception as exc:
            log.exception("job failed", job=name)
            status, error = "error", f"{type(exc).__name__}: {exc}".splitlines()[0]
            self.metrics.observe_run(name, status=status, seconds=time.monotonic() - clock)
        else:
            if summary is None:  # an idle sweep: nothing due, nothing recorded
                self.board.finished(name, self.now(), "ok")
                self._note_schedule()
                return
            status, error = summary.status, summary.error
            ev, wb = summary.evaluation, summary.writeback
            self.metrics.observe_run(
                name,
                status=status,
                seconds=summary.seconds,
                pulled=sum(summary.pulled.values()),
                written=wb.records_written,
                failed=wb.failed,
                tasks=wb.tasks_created,
                handoffs=sum(ev.handoffs_by_owner.values()),
                api_calls=summary.api_calls,
                budget_left=summary.budget_left,
            )
            if self._on_run is not None:
                self._on_run(name, summary)
        record = self.board.finished(name, self.now(), status, error)
        if status in _RETRY_STATUSES:
            self._retry_later(name, record.failures_in_a_row)
        self._note_schedule()
        self._note_mirror(ctx.mirror)

    def _retry_later(self, name: str, failures: int) -> None:
        delay = backoff(failures, self.specs[name].interval)
        with self._scheduler_lock:
            scheduler = self._scheduler
            job = scheduler.get_job(name) if scheduler is not None else None
            if scheduler is None or job is None or job.next_run_time is None:
                return
            retry_at = _utcnow() + delay
            if retry_at < job.next_run_time:
                scheduler.modify_job(name, next_run_time=retry_at)
        log.warning(
            "job will be retried", job=name, in_seconds=delay.total_seconds(), failures=failures
        )

    def _note_schedule(self) -> None:
        with self._scheduler_lock:
            if self._scheduler is None:
                return
            for job in self._scheduler.get_jobs():
                self.board.scheduled(job.id, job.next_run_time)

    def _note_mirror(self, mirror: Mirror) -> None:
        try:
            breaches = sum(b for _, _, b in mirror.owner_board(OPEN_STAGES))
            self.metrics.observe_mirror(mirror.outbox_counts(), breaches)
        except Exception:  # metrics must never stop the daemon
            log.warning("could not read outbox and SLA figures for /metrics", exc_info=True)
