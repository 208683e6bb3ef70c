"""The handover report's figures, alerts and score calibration: pure functions of typed rows.

The mirror reads the rows (`syncd.mirror.report_reads`); everything here is arithmetic over
them with `now` passed in. Definitions and attribution rules are in docs/REPORT.md.
"""

from __future__ import annotations

from syncd.domain.reporting.alerts import AlertThresholds, RateAlert, rate_alerts
from syncd.domain.reporting.figures import (
    FUNNEL_STAGES,
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
from syncd.domain.reporting.periods import Period, Span, period_spans
from syncd.domain.reporting.report import Report, build_report, report_window
from syncd.domain.reporting.rows import LeadFacts, ReportRows, StageEntry

__all__ = [
    "FUNNEL_STAGES",
    "AlertThresholds",
    "BandRow",
    "FunnelWeek",
    "GroupRow",
    "LeadFacts",
    "Period",
    "RateAlert",
    "RepRow",
    "Report",
    "ReportRows",
    "Span",
    "SpeedWeek",
    "StageEntry",
    "Weeks",
    "band_conversion",
    "build_report",
    "funnel_by",
    "funnel_weeks",
    "period_spans",
    "rate_alerts",
    "recycle_weeks",
    "rep_load",
    "report_window",
    "speed_weeks",
]
