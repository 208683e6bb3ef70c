"""Report figures on hand-built rows: business-hour follow-up, cohort attribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncd.domain.calendar import BusinessCalendar, OpeningHours
from syncd.domain.reporting import LeadFacts, ReportRows, StageEntry, Weeks
from syncd.domain.reporting.figures import funnel_weeks, nearest_rank, speed_weeks

# Mon-Fri 09:00-17:00 in Berlin; 2026-10-05 is a Monday.
CAL = BusinessCalendar("Europe/Berlin", (OpeningHours(9 * 60, 17 * 60),) * 5 + (None, None))
MONDAY = datetime(2026, 10, 5, tzinfo=UTC)
NOW = MONDAY + timedelta(weeks=2, days=1)
WEEKS = Weeks.ending(NOW, 3)


def lead(
    lead_id: str, handoff: datetime, touch: datetime | None, due_hours: float = 4
) -> LeadFacts:
    return LeadFacts(
        lead_id=lead_id,
        owner_id="005A",
        source="Web",
        segments={"country": "DE"},
        stage="mql",
        grade="A",
        score=70.0,
        handoff_at=handoff,
        sla_due=handoff + timedelta(hours=due_hours),
        first_touch_at=touch,
    )


def test_follow_up_over_a_weekend_counts_business_hours_only() -> None:
    friday_4pm = datetime(2026, 10, 9, 14, 0, tzinfo=UTC)  # 16:00 in Berlin
    monday_10am = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
    rows = ReportRows(entries=(), leads=[lead("00Q1", friday_4pm, monday_10am, due_hours=72)])
    week = speed_weeks(rows, WEEKS, CAL, NOW)[0]
    assert (week.handoffs, week.touched, week.met) == (1, 1, 1)
    assert week.median_hours == 2.0  # one hour on Friday, one on Monday


def test_an_untouched_lead_past_due_is_breached_and_one_not_yet_due_is_pending() -> None:
    handed = NOW - timedelta(hours=1)
    rows = ReportRows(
        entries=(),
        leads=[lead("00Q1", MONDAY + timedelta(weeks=2), None), lead("00Q2", handed, None)],
    )
    week = speed_weeks(rows, WEEKS, CAL, NOW)[2]
    assert (week.met, week.breached, week.pending) == (0, 1, 1)
    assert week.attainment == 0.0


def test_a_late_acceptance_counts_for_the_week_of_the_mql() -> None:
    mql = MONDAY + timedelta(days=4)
    rows = ReportRows(
        entries=[
            StageEntry("00Q1", "mql", mql),
            StageEntry("00Q1", "sal", mql + timedelta(days=6)),  # accepted the next week
        ],
        leads=[lead("00Q1", mql, None)],
    )
    first, second, _ = funnel_weeks(rows, WEEKS)
    assert (first.entered["mql"], first.converted["mql->sal"], first.rates["mql->sal"]) == (
        1,
        1,
        1.0,
    )
    assert (second.entered["sal"], second.rates["mql->sal"]) == (1, None)


def test_nearest_rank_percentiles() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert (nearest_rank(values, 0.5), nearest_rank(values, 0.9)) == (5.0, 9.0)
    assert nearest_rank([], 0.5) is None
