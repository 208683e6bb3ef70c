"""The daemon's weekly report: kept per week, alerts in the log, on the status page, and as
one Task per alert for the owner the policy names (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from report_mirror import REPS, Shape, build
from structlog.testing import capture_logs

from syncd.config import Config, load_config
from syncd.daemon.board import JobBoard
from syncd.daemon.config_watch import ConfigWatcher
from syncd.daemon.jobs import JobContext, job_specs, run_job
from syncd.daemon.status import StatusSource
from syncd.domain.reporting.figures import week_of
from syncd.mirror import Mirror
from syncd.ops.status_page import render
from syncd.settings import Settings

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
OPS_LEAD = REPS[0][0]
# Tuesday 10:00 UTC, a week after the seeded drop (the window's last complete week).
NOW = week_of(datetime(2026, 11, 10, tzinfo=UTC)) + timedelta(days=1, hours=10)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    policy = mappings / "policy.yaml"
    policy.write_text(
        policy.read_text().replace(
            "  # alert_task: {user: marketing.ops@example.com}",
            f"  alert_task: {{user: {OPS_LEAD}}}",
        )
    )
    return load_config(mappings)


@pytest.fixture
def mirror(database_url: str) -> Mirror:
    opened = Mirror.open(database_url)
    start = week_of(NOW) - timedelta(weeks=8)
    build(opened.engine, Shape(start=start, weeks=8, leads=2400, sal_by_week={7: 0.2}))
    return opened


def _ctx(mirror: Mirror, settings: Settings) -> JobContext:
    client: Any = None  # the report job never talks to the org
    return JobContext(
        settings=settings,
        mirror=mirror,
        client=client,
        budget_left=lambda: None,
        stop=lambda: False,
        now=lambda: NOW,
    )


def test_the_weekly_job_keeps_the_report_and_queues_one_task_per_alert_once(
    mirror: Mirror, config: Config, tmp_path: Path
) -> None:
    settings = Settings(database_url=mirror.url, report_dir=tmp_path / "reports")
    with capture_logs() as logs:
        assert run_job("report", _ctx(mirror, settings), config) is None
        run_job("report", _ctx(mirror, settings), config)  # a rerun the same week
    kept = tmp_path / "reports" / f"{NOW:%G-W%V}"
    assert (kept / "report.html").is_file()
    warnings = [e for e in logs if e["event"] == "conversion alert"]
    assert warnings
    assert {w["pair"] for w in warnings} == {"mql->sal"}
    tasks = [w for w in mirror.due_writes(NOW) if w.operation == "create"]
    assert len(tasks) == len(warnings) // 2  # the rerun queued nothing new
    assert {t.payload["OwnerId"] for t in tasks} == {OPS_LEAD}
    assert all("WhoId" not in t.payload for t in tasks)
    assert all(t.payload["Subject"].startswith("Report alert: mql->sal") for t in tasks)
    mirror.close()


def test_the_status_page_lists_the_latest_reports_alerts(
    mirror: Mirror, config: Config, tmp_path: Path
) -> None:
    settings = Settings(database_url=mirror.url, report_dir=tmp_path / "reports")
    run_job("report", _ctx(mirror, settings), config)
    source = StatusSource(
        database_url=mirror.url,
        board=JobBoard(),
        watcher=ConfigWatcher(config.directory, config, now=lambda: NOW),
        role=lambda: "leader",
        holder=lambda: None,
        budget_left=lambda: None,
        started_at=NOW,
        now=lambda: NOW,
        daily_hours={},
        report_dir=settings.report_dir,
    )
    page = render(source.view())
    source.close()
    mirror.close()
    assert "Latest report&#x27;s alerts" in page or "Latest report's alerts" in page
    assert "mql-&gt;sal conversion for the week of" in page


def test_the_report_runs_weekly_on_the_configured_day_and_hour() -> None:
    spec = next(
        s for s in job_specs(Settings(report_weekday=4, report_hour_utc=7)) if s.name == "report"
    )
    assert (spec.weekday, spec.at_hour_utc, spec.interval) == (4, 7, timedelta(days=7))
