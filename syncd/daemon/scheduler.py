"""APScheduler wiring, nothing else: one worker thread (jobs never overlap, since they all
write one mirror), each job coalesced with at most one instance, intervals from `JobSpec`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from syncd.daemon.jobs import JobSpec

__all__ = ["build_scheduler"]


def build_scheduler(
    specs: Sequence[JobSpec], run: Callable[[str], None], now: datetime
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )
    for spec in specs:
        trigger = (
            CronTrigger(
                day_of_week="*" if spec.weekday is None else spec.weekday,
                hour=spec.at_hour_utc,
                minute=0,
                timezone=UTC,
            )
            if spec.at_hour_utc is not None
            else IntervalTrigger(seconds=spec.interval.total_seconds(), timezone=UTC)
        )
        scheduler.add_job(
            run,
            trigger,
            args=[spec.name],
            id=spec.name,
            name=spec.name,
            **({"next_run_time": now} if spec.first_run_now else {}),
        )
    return scheduler
