"""Report periods (week, month, quarter) and every headline figure against the previous one.

The period judged is the newest complete one by `now` (last week, last calendar month, last
calendar quarter, in UTC); it is compared with the period before it. A figure belongs to the
period in which the lead entered the stage that opens it, as in the weekly tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from syncd.domain.calendar import BusinessCalendar, business_time_between
from syncd.domain.model import Stage
from syncd.domain.reporting.figures import (
    WEEK,
    FunnelWeek,
    Window,
    funnel_over,
    nearest_rank,
    rate,
    sla_outcome,
    week_of,
)
from syncd.domain.reporting.rows import ReportRows


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True, slots=True)
class Span:
    """[first, end): one period."""

    first: datetime
    end: datetime

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.first <= at < self.end


def _month_start(at: datetime, months_back: int = 0) -> datetime:
    index = at.year * 12 + at.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def period_start(period: Period, at: datetime) -> datetime:
    """The start of the period holding `at` (weeks open on Monday 00:00 UTC)."""
    at = at.astimezone(UTC)
    if period is Period.WEEK:
        return week_of(at)
    if period is Period.MONTH:
        return _month_start(at)
    return _month_start(at, (at.month - 1) % 3)


def _before(period: Period, start: datetime) -> datetime:
    if period is Period.WEEK:
        return start - WEEK
    return _month_start(start, 1 if period is Period.MONTH else 3)


def period_spans(period: Period, now: datetime) -> tuple[Span, Span]:
    """(previous, current): the newest period complete by `now`, and the one before it."""
    end = period_start(period, now)
    first = _before(period, end)
    return Span(_before(period, first), first), Span(first, end)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """The headline figures of one period."""

    span: Span
    funnel: FunnelWeek
    opportunities: int  # of the period's MQLs, how many became an opportunity (any state)
    won: int  # ...and how many of those were won
    won_revenue: Decimal  # won opportunities of the period's MQLs
    pipeline: Decimal  # open opportunities of the period's MQLs
    recycled: int
    disqualified: int
    handoffs: int
    median_hours: float | None  # business hours from handoff to first touch
    p90_hours: float | None
    met: int
    breached: int


def period_figures(
    rows: ReportRows, span: Span, calendar: BusinessCalendar, now: datetime
) -> PeriodFigures:
    """Every headline figure of `span`, by the period the lead entered the opening stage."""
    times = rows.stage_times
    won = pipeline = Decimal(0)
    opportunities = wins = 0
    for lead in rows.leads:
        mql = times.get(lead.lead_id, {}).get(Stage.MQL.value)
        if not span.holds(mql) or not lead.opportunity:
            continue
        opportunities += 1
        wins += lead.won
        amount = lead.amount or Decimal(0)
        if lead.won:
            won += amount
        elif not lead.closed:
            pipeline += amount
    exits = Counter(e.stage for e in rows.exits if span.holds(e.at))
    handed = [lead for lead in rows.leads if span.holds(lead.handoff_at)]
    outcomes = Counter(sla_outcome(lead, now) for lead in handed)
    hours = [
        business_time_between(lead.handoff_at, lead.first_touch_at, calendar).total_seconds() / 3600
        for lead in handed
        if lead.first_touch_at is not None and lead.handoff_at is not None
    ]
    return PeriodFigures(
        span,
        funnel_over(rows, span),
        opportunities,
        wins,
        won,
        pipeline,
        exits[Stage.RECYCLED.value],
        exits[Stage.DISQUALIFIED.value],
        len(handed),
        nearest_rank(hours, 0.5),
        nearest_rank(hours, 0.9),
        outcomes["met"],
        outcomes["breached"],
    )


Number = int | float | Decimal | None


@dataclass(frozen=True, slots=True)
class Comparison:
    figure: str
    current: Number
    previous: Number

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (None when there is nothing to compare)."""
        if self.current is None or self.previous is None or not self.previous:
            return None
        return float(self.current) / float(self.previous) - 1


def compare(current: PeriodFigures, previous: PeriodFigures) -> list[Comparison]:
    """Each headline figure of the period beside the previous period's."""

    def pick(f: PeriodFigures) -> list[tuple[str, Number]]:
        values: list[tuple[str, Number]] = [(stage, n) for stage, n in f.funnel.entered.items()]
        values += [(f"{pair} rate", r) for pair, r in f.funnel.rates.items()]
        values += [
            ("opportunities from MQLs", f.opportunities),
            ("won from MQLs", f.won),
            ("won revenue", f.won_revenue),
            ("pipeline", f.pipeline),
            ("recycled", f.recycled),
            ("disqualified", f.disqualified),
            ("handoffs", f.handoffs),
            ("median h to first touch", f.median_hours),
            ("p90 h to first touch", f.p90_hours),
            ("sla attainment rate", rate(f.met, f.met + f.breached)),
        ]
        return values

    return [
        Comparison(name, now, before)
        for (name, now), (_, before) in zip(pick(current), pick(previous), strict=True)
    ]


def exit_reasons(rows: ReportRows, span: Window) -> list[tuple[str, str, int]]:
    """(stage, reason, moves) for recycles and disqualifications in `span`, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    for e in rows.exits:
        if span.holds(e.at):
            for reason in e.reasons or ("(no reason recorded)",):
                counts[(e.stage, reason)] += 1
    return [(s, r, n) for (s, r), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def period_alert_rows(previous: PeriodFigures, current: PeriodFigures) -> Sequence[FunnelWeek]:
    """The two periods as the alert rule's input (oldest first)."""
    return [previous.funnel, current.funnel]
