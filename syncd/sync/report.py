"""The handover report as one plain call: read the mirror, compute, write the files, log alerts.

`write_report` is what `syncd report` runs and what the daemon schedules weekly (it keeps
each report in its own dated directory under the daemon's report directory).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog

from syncd.config import TASK_KEY_FIELD, Config
from syncd.domain.reporting import (
    AlertThresholds,
    Period,
    Report,
    Weeks,
    build_report,
    period_spans,
    report_window,
)
from syncd.mirror import Mirror
from syncd.ops.report_files import ReportFiles, write_report_files
from syncd.salesforce.formats import task_record
from syncd.settings import Settings

__all__ = [
    "NoCalendarError",
    "ReportResult",
    "alert_tasks",
    "thresholds_from",
    "weekly_dir",
    "write_report",
]

log = structlog.get_logger("syncd.report")


@dataclass(frozen=True, slots=True)
class ReportResult:
    report: Report
    files: ReportFiles
    tasks_queued: int = 0


def weekly_dir(base: Path, now: datetime) -> Path:
    """Where the daemon keeps the report of the ISO week holding `now` (e.g. base/2026-W49)."""
    return base / f"{now:%G-W%V}"


def thresholds_from(settings: Settings) -> AlertThresholds:
    return AlertThresholds(
        relative_drop=settings.report_alert_drop,
        min_count=settings.report_alert_min_count,
        baseline_weeks=settings.report_baseline_weeks,
    )


class NoCalendarError(ValueError):
    """The policy's SLA uses the org calendar and the mirror holds no BusinessHours yet."""


def write_report(
    mirror: Mirror,
    config: Config,
    out: Path,
    *,
    now: datetime,
    period: Period = Period.WEEK,
    weeks: int | None = None,
    since: datetime | None = None,
    thresholds: AlertThresholds | None = None,
    queue_alert_tasks: bool = False,
) -> ReportResult:
    """The report of the newest complete `period` against the one before, with weekly trends
    over `weeks` weeks up to `now` (or from `since`; by default back to the previous period),
    written under `out`."""
    window = Weeks.since(since, now) if since is not None else report_window(period, now, weeks)
    calendar = config.policy.sla.calendar or mirror.org_calendar()
    if calendar is None:
        raise NoCalendarError(
            "the SLA calendar is the org's (calendar: org) and the mirror has no default "
            "BusinessHours yet: run `syncd sync --once` first"
        )
    policy = config.policy
    report = build_report(
        mirror.report_rows(
            # The previous period is read whole even when the weekly window starts later.
            min(window.first, period_spans(period, now)[0].first),
            policy.report.segments,
            policy.sla.touches,
        ),
        window,
        calendar,
        now,
        thresholds or AlertThresholds(),
        period=period,
        policy=policy.report,
        touch=policy.sla.touches,
    )
    for alert in report.alerts:
        log.warning(
            "conversion alert",
            pair=alert.pair,
            change=round(alert.change, 3),
            message=alert.message(),
        )
    files = write_report_files(report, out)
    queued = 0
    owner = policy.report.alert_owner
    if queue_alert_tasks and owner is not None and report.alerts:
        queued = mirror.queue_tasks(alert_tasks(report, owner, files.html), now)
    log.info(
        "report written",
        out=str(out),
        weeks=window.count,
        alerts=len(report.alerts),
        alert_tasks_queued=queued,
    )
    return ReportResult(report, files, queued)


def alert_tasks(report: Report, owner_id: str, page: Path) -> list[dict[str, Any]]:
    """One Task per alert for the policy's alert owner, queued like every other Task."""
    return [
        {
            "sobject": "Task",
            "payload": task_record(
                owner_id=owner_id,
                who_id=None,
                subject=f"Report alert: {alert.pair} conversion down {-alert.change:.0%}",
                description=f"{alert.message()}\nReport: {page}",
                due=report.generated_at,
                key_field=TASK_KEY_FIELD,
                key=alert.task_key[:80],
            ),
            "idempotency_key": alert.task_key[:80],
            "reason": alert.message()[:2000],
            "priority": 1,
            "run_id": None,
        }
        for alert in report.alerts
    ]
