"""One report: every figure over one window, the period against the previous one, and the
alerts on the newest complete period."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from syncd.domain.calendar import BusinessCalendar
from syncd.domain.reporting.alerts import (
    DEFAULT_THRESHOLDS,
    AlertThresholds,
    RateAlert,
    rate_alerts,
)
from syncd.domain.reporting.compliance import (
    RepCompliance,
    StageAging,
    rep_compliance,
    stage_aging,
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
from syncd.domain.reporting.periods import (
    Comparison,
    Period,
    PeriodFigures,
    compare,
    exit_reasons,
    period_figures,
    period_spans,
)
from syncd.domain.reporting.rows import LeadFacts, ReportRows
from syncd.domain.reporting.segments import ReportPolicy
from syncd.domain.sla import TouchRule


@dataclass(frozen=True, slots=True)
class Report:
    generated_at: datetime
    weeks: Weeks
    funnel: list[FunnelWeek]
    by_source: list[GroupRow]
    # One split per segment attribute the policy names, in the policy's order.
    by_segment: Mapping[str, list[GroupRow]]
    speed: list[SpeedWeek]
    recycled: Mapping[datetime, int]
    reps: list[RepRow]
    bands: list[BandRow]
    alerts: list[RateAlert]
    period: Period
    current: PeriodFigures
    previous: PeriodFigures
    comparisons: list[Comparison]
    compliance: list[RepCompliance]
    aging: list[StageAging]
    exit_reasons: Sequence[tuple[str, str, int]]


def _segment_of(attribute: str) -> Callable[[LeadFacts], str | None]:
    return lambda lead: lead.segments.get(attribute)


def report_window(period: Period, now: datetime, weeks: int | None = None) -> Weeks:
    """The weeks a report shows: `weeks` up to now, or enough to hold the previous period."""
    if weeks is not None:
        return Weeks.ending(now, weeks)
    previous, _ = period_spans(period, now)
    return Weeks.since(previous.first, now)


def build_report(
    rows: ReportRows,
    weeks: Weeks,
    calendar: BusinessCalendar,
    now: datetime,
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
    *,
    period: Period = Period.WEEK,
    policy: ReportPolicy | None = None,
    touch: TouchRule | None = None,
) -> Report:
    """Every figure of the window; alerts judge the newest period that has ended by `now`."""
    policy = policy or ReportPolicy()
    touch = touch or TouchRule()
    funnel = funnel_weeks(rows, weeks)
    previous_span, current_span = period_spans(period, now)
    previous = period_figures(rows, previous_span, calendar, now)
    current = period_figures(rows, current_span, calendar, now)
    if period is Period.WEEK:
        complete = [w for w in funnel if w.week + WEEK <= now]
        alerts = rate_alerts(complete, thresholds)
    else:
        alerts = rate_alerts([previous.funnel, current.funnel], thresholds, period.value)
    return Report(
        generated_at=now,
        weeks=weeks,
        funnel=funnel,
        by_source=funnel_by(rows, weeks, lambda lead: lead.source),
        by_segment={
            s.attribute: funnel_by(rows, weeks, _segment_of(s.attribute)) for s in policy.segments
        },
        speed=speed_weeks(rows, weeks, calendar, now),
        recycled=recycle_weeks(rows.recycles, weeks),
        reps=rep_load(rows, weeks, now),
        bands=band_conversion(rows, weeks),
        alerts=alerts,
        period=period,
        current=current,
        previous=previous,
        comparisons=compare(current, previous),
        compliance=rep_compliance(rows, weeks, touch, calendar, now),
        aging=stage_aging(rows, weeks, now, policy.stuck_after),
        exit_reasons=exit_reasons(rows, weeks),
    )


__all__ = ["Report", "build_report"]
