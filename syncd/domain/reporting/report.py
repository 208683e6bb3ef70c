"""One report: every figure over one window, plus the alerts on its newest complete week."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from syncd.domain.calendar import BusinessCalendar
from syncd.domain.reporting.alerts import (
    DEFAULT_THRESHOLDS,
    AlertThresholds,
    RateAlert,
    rate_alerts,
)
from syncd.domain.reporting.figures import (
    WEEK,
    BandRow,
    FunnelWeek,
    GroupRow,
    RepRow,
    SpeedWeek,
    Weeks,
    band_conversion,
    funnel_by,
    funnel_weeks,
    recycle_weeks,
    rep_load,
    speed_weeks,
)
from syncd.domain.reporting.rows import ReportRows


@dataclass(frozen=True, slots=True)
class Report:
    generated_at: datetime
    weeks: Weeks
    funnel: list[FunnelWeek]
    by_source: list[GroupRow]
    by_segment: list[GroupRow]
    speed: list[SpeedWeek]
    recycled: Mapping[datetime, int]
    reps: list[RepRow]
    bands: list[BandRow]
    alerts: list[RateAlert]


def build_report(
    rows: ReportRows,
    weeks: Weeks,
    calendar: BusinessCalendar,
    now: datetime,
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
) -> Report:
    """Every figure of the window; alerts judge the newest week that has ended by `now`."""
    funnel = funnel_weeks(rows, weeks)
    complete = [w for w in funnel if w.week + WEEK <= now]
    return Report(
        generated_at=now,
        weeks=weeks,
        funnel=funnel,
        by_source=funnel_by(rows, weeks, lambda lead: lead.source),
        by_segment=funnel_by(rows, weeks, lambda lead: lead.segment),
        speed=speed_weeks(rows, weeks, calendar, now),
        recycled=recycle_weeks(rows.recycles, weeks),
        reps=rep_load(rows, weeks, now),
        bands=band_conversion(rows, weeks),
        alerts=rate_alerts(complete, thresholds),
    )
