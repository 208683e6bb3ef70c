"""Each report figure as a pure function of `ReportRows` and the report's weeks.

Time is attributed by the week (Monday 00:00 UTC) in which the lead entered the stage that
opens the figure: a conversion MQL->SAL belongs to the week of the MQL, however late the SAL.
docs/REPORT.md defines every figure; the tests recount each one with SQL.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Protocol

from syncd.domain.calendar import BusinessCalendar, business_time_between
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.model import Stage
from syncd.domain.reporting.rows import OPPORTUNITY, WON, LeadFacts, ReportRows

# The funnel's steps; opportunity is a lead converted into one, won one whose opportunity won.
FUNNEL_STAGES: tuple[str, ...] = (
    Stage.MQL.value,
    Stage.SAL.value,
    Stage.SQL.value,
    OPPORTUNITY,
    WON,
)
PAIRS: tuple[tuple[str, str], ...] = tuple(pairwise(FUNNEL_STAGES))
WEEK = timedelta(days=7)


def week_of(at: datetime) -> datetime:
    """The Monday 00:00 UTC that opens the week holding `at`."""
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


class Window(Protocol):
    """A stretch of time figures are counted over: the report's weeks, or one period."""

    @property
    def first(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    def holds(self, at: datetime | None) -> bool: ...


@dataclass(frozen=True)
class Weeks:
    """The report's window: whole weeks from `first` up to the week holding `now`."""

    first: datetime
    count: int

    @classmethod
    def ending(cls, now: datetime, count: int) -> Weeks:
        return cls(week_of(now) - WEEK * (count - 1), count)

    @classmethod
    def since(cls, start: datetime, now: datetime) -> Weeks:
        first = week_of(start)
        return cls(first, (week_of(now) - first) // WEEK + 1)

    @property
    def starts(self) -> tuple[datetime, ...]:
        return tuple(self.first + WEEK * i for i in range(self.count))

    @cached_property  # holds() asks for it once per stage entry: ~1M times on a big mirror
    def end(self) -> datetime:
        return self.first + WEEK * self.count

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.first <= at < self.end


def rate(part: int, whole: int) -> float | None:
    """A share, or None when there is nothing to divide (shown as a dash, never as 0 %)."""
    return part / whole if whole else None


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (the smallest value with at least q of the sample <= it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stage_times(rows: ReportRows) -> Mapping[str, Mapping[str, datetime]]:
    """lead -> funnel stage -> when it first entered it (won: when it was converted)."""
    return rows.stage_times


def _reached(times: Mapping[str, datetime], start: str, target: str) -> bool:
    """Whether the lead entered `target` at or after it entered `start`."""
    at = times.get(target)
    return at is not None and at >= times[start]


@dataclass(frozen=True, slots=True)
class FunnelWeek:
    week: datetime
    entered: Mapping[str, int]  # stage -> leads that first entered it this week
    converted: Mapping[str, int]  # "mql->sal" -> of this week's MQLs, how many reached SAL
    rates: Mapping[str, float | None]


def _pair(a: str, b: str) -> str:
    return f"{a}->{b}"


def funnel_weeks(rows: ReportRows, weeks: Weeks) -> list[FunnelWeek]:
    """Per week: leads entering each stage, and each stage cohort's conversion to the next."""
    times = stage_times(rows)
    entered: dict[datetime, Counter[str]] = defaultdict(Counter)
    converted: dict[datetime, Counter[str]] = defaultdict(Counter)
    for lead_times in times.values():
        for stage, at in lead_times.items():
            if weeks.holds(at):
                entered[week_of(at)][stage] += 1
        for a, b in PAIRS:
            opened = lead_times.get(a)
            if opened is not None and weeks.holds(opened) and _reached(lead_times, a, b):
                converted[week_of(opened)][_pair(a, b)] += 1
    return [_funnel_row(week, entered[week], converted[week]) for week in weeks.starts]


def funnel_over(rows: ReportRows, window: Window) -> FunnelWeek:
    """The funnel of one window (a period), counted like one week of `funnel_weeks`."""
    entered: Counter[str] = Counter()
    converted: Counter[str] = Counter()
    for lead_times in stage_times(rows).values():
        for stage, at in lead_times.items():
            entered[stage] += window.holds(at)
        for a, b in PAIRS:
            if window.holds(lead_times.get(a)) and _reached(lead_times, a, b):
                converted[_pair(a, b)] += 1
    return _funnel_row(window.first, entered, converted)


def _funnel_row(week: datetime, e: Counter[str], c: Counter[str]) -> FunnelWeek:
    return FunnelWeek(
        week,
        {s: e[s] for s in FUNNEL_STAGES},
        {_pair(a, b): c[_pair(a, b)] for a, b in PAIRS},
        {_pair(a, b): rate(c[_pair(a, b)], e[a]) for a, b in PAIRS},
    )


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: str
    entered: Mapping[str, int]
    converted: Mapping[str, int]
    rates: Mapping[str, float | None]


UNKNOWN = "(none)"


def funnel_by(
    rows: ReportRows, weeks: Window, key: Callable[[LeadFacts], str | None]
) -> list[GroupRow]:
    """The window's funnel split by a lead attribute (source, segment, grade), largest first."""
    times = stage_times(rows)
    groups = {lead.lead_id: key(lead) or UNKNOWN for lead in rows.leads}
    entered: dict[str, Counter[str]] = defaultdict(Counter)
    converted: dict[str, Counter[str]] = defaultdict(Counter)
    for lead_id, lead_times in times.items():
        group = groups.get(lead_id, UNKNOWN)
        for stage, at in lead_times.items():
            if weeks.holds(at):
                entered[group][stage] += 1
        for a, b in PAIRS:
            if weeks.holds(lead_times.get(a)) and _reached(lead_times, a, b):
                converted[group][_pair(a, b)] += 1
    ordered = sorted(entered, key=lambda g: (-entered[g][FUNNEL_STAGES[0]], g))
    return [
        GroupRow(
            g,
            {s: entered[g][s] for s in FUNNEL_STAGES},
            {_pair(a, b): converted[g][_pair(a, b)] for a, b in PAIRS},
            {_pair(a, b): rate(converted[g][_pair(a, b)], entered[g][a]) for a, b in PAIRS},
        )
        for g in ordered
    ]


@dataclass(frozen=True, slots=True)
class SpeedWeek:
    """Handoffs of one week: follow-up time in business hours and SLA attainment."""

    week: datetime
    handoffs: int
    touched: int
    median_hours: float | None
    p90_hours: float | None
    met: int
    breached: int
    pending: int

    @property
    def attainment(self) -> float | None:
        return rate(self.met, self.met + self.breached)


def sla_outcome(lead: LeadFacts, now: datetime) -> str:
    """met (first touch by the due time), breached (late, or untouched past due), or pending."""
    due, touch = lead.sla_due, lead.first_touch_at
    if touch is not None and (due is None or touch <= due):
        return "met"
    if touch is not None or (due is not None and due <= now):
        return "breached"
    return "pending"


def speed_weeks(
    rows: ReportRows, weeks: Weeks, calendar: BusinessCalendar, now: datetime
) -> list[SpeedWeek]:
    """Per handoff week: handoff -> first owner touch in business hours (median, p90), SLA."""
    hours: dict[datetime, list[float]] = defaultdict(list)
    counts: dict[datetime, Counter[str]] = defaultdict(Counter)
    for lead in rows.leads:
        if not weeks.holds(lead.handoff_at):
            continue
        assert lead.handoff_at is not None  # holds() said so
        week = week_of(lead.handoff_at)
        counts[week]["handoffs"] += 1
        counts[week][sla_outcome(lead, now)] += 1
        if lead.first_touch_at is not None:
            elapsed = business_time_between(lead.handoff_at, lead.first_touch_at, calendar)
            hours[week].append(elapsed.total_seconds() / 3600)
    return [
        SpeedWeek(
            week,
            counts[week]["handoffs"],
            len(hours[week]),
            nearest_rank(hours[week], 0.5),
            nearest_rank(hours[week], 0.9),
            counts[week]["met"],
            counts[week]["breached"],
            counts[week]["pending"],
        )
        for week in weeks.starts
    ]


def recycle_weeks(recycles: Iterable[datetime], weeks: Weeks) -> dict[datetime, int]:
    """Moves into recycled per week (a lead recycled twice counts twice)."""
    counts = Counter(week_of(at) for at in recycles if weeks.holds(at))
    return {week: counts[week] for week in weeks.starts}


@dataclass(frozen=True, slots=True)
class RepRow:
    """One owner: the window's handoffs, how many they accepted, SLA, and today's open load."""

    owner_id: str
    name: str
    handoffs: int
    accepted: int
    met: int
    breached: int
    open_leads: int

    @property
    def acceptance(self) -> float | None:
        return rate(self.accepted, self.handoffs)

    @property
    def attainment(self) -> float | None:
        return rate(self.met, self.met + self.breached)


_OPEN = frozenset(s.value for s in OPEN_STAGES)


def rep_load(rows: ReportRows, weeks: Window, now: datetime) -> list[RepRow]:
    """Per current owner, busiest first. Accepted: the lead reached SAL at or after handoff."""
    times = stage_times(rows)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for lead in rows.leads:
        if lead.owner_id is None:
            continue
        c = counts[lead.owner_id]
        if lead.stage in _OPEN:
            c["open"] += 1
        if not weeks.holds(lead.handoff_at):
            continue
        assert lead.handoff_at is not None
        c["handoffs"] += 1
        sal = times.get(lead.lead_id, {}).get(Stage.SAL.value)
        c["accepted"] += sal is not None and sal >= lead.handoff_at
        c[sla_outcome(lead, now)] += 1
    reps = [
        RepRow(
            owner,
            rows.owner_names.get(owner, owner),
            c["handoffs"],
            c["accepted"],
            c["met"],
            c["breached"],
            c["open"],
        )
        for owner, c in counts.items()
        if c["handoffs"] or owner in rows.owner_names
    ]
    return sorted(reps, key=lambda r: (-r.handoffs, -r.open_leads, r.name))


@dataclass(frozen=True, slots=True)
class BandRow:
    band: str
    mqls: int
    sals: int
    wins: int

    @property
    def to_sal(self) -> float | None:
        return rate(self.sals, self.mqls)

    @property
    def to_won(self) -> float | None:
        return rate(self.wins, self.mqls)


def band_conversion(rows: ReportRows, weeks: Window) -> list[BandRow]:
    """The window's MQLs by current grade: how many reached SAL, how many were won."""
    groups = funnel_by(rows, weeks, lambda lead: lead.grade)
    times = stage_times(rows)
    grades = {lead.lead_id: lead.grade or UNKNOWN for lead in rows.leads}
    wins: Counter[str] = Counter()
    for lead_id, lead_times in times.items():
        mql = lead_times.get(Stage.MQL.value)
        if weeks.holds(mql) and _reached(lead_times, Stage.MQL.value, WON):
            wins[grades.get(lead_id, UNKNOWN)] += 1
    return sorted(
        (
            BandRow(g.group, g.entered[Stage.MQL.value], g.converted["mql->sal"], wins[g.group])
            for g in groups
        ),
        key=lambda b: b.band,
    )
