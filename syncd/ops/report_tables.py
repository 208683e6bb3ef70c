"""The report as named tables of plain values: one shape for the CSV files, the JSON and the
HTML page, so the three never disagree about a figure or its column name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from syncd.domain.reporting import FUNNEL_STAGES, Report
from syncd.domain.reporting.figures import PAIRS, FunnelWeek, GroupRow

Cell = str | int | float | None

_PAIRS = [f"{a}->{b}" for a, b in PAIRS]


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def _day(at: datetime) -> str:
    return at.date().isoformat()


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _funnel_row(week: FunnelWeek) -> list[Cell]:
    row: list[Cell] = [_day(week.week)]
    row += [week.entered[s] for s in FUNNEL_STAGES]
    row += [_r(week.rates[p]) for p in _PAIRS]
    return row


def _groups(name: str, title: str, key: str, groups: Sequence[GroupRow]) -> Table:
    return Table(
        name,
        title,
        [key, *FUNNEL_STAGES, *(f"{p} rate" for p in _PAIRS)],
        [
            [g.group, *(g.entered[s] for s in FUNNEL_STAGES), *(_r(g.rates[p]) for p in _PAIRS)]
            for g in groups
        ],
    )


def report_tables(report: Report) -> list[Table]:
    """Every table of the report, in the order the page shows them."""
    return [
        Table(
            "funnel_weekly",
            "Funnel by week (leads entering each stage; conversion of that week's cohort)",
            ["week", *FUNNEL_STAGES, *(f"{p} rate" for p in _PAIRS)],
            [_funnel_row(w) for w in report.funnel],
        ),
        _groups("by_source", "Funnel by lead source", "source", report.by_source),
        _groups("by_segment", "Funnel by segment (country)", "country", report.by_segment),
        Table(
            "speed_to_lead",
            "Speed to lead by handoff week (business hours) and SLA attainment",
            [
                *("week", "handoffs", "touched", "median h", "p90 h"),
                *("met", "breached", "pending", "attainment"),
            ],
            [
                [
                    _day(s.week),
                    s.handoffs,
                    s.touched,
                    _r(s.median_hours),
                    _r(s.p90_hours),
                    s.met,
                    s.breached,
                    s.pending,
                    _r(s.attainment),
                ]
                for s in report.speed
            ],
        ),
        Table(
            "recycled",
            "Recycle volume (moves back to marketing per week)",
            ["week", "recycled"],
            [[_day(week), count] for week, count in report.recycled.items()],
        ),
        Table(
            "reps",
            "Per rep: handoffs in the window, acceptance, SLA, open leads today",
            [
                *("rep", "handoffs", "accepted", "acceptance"),
                *("met", "breached", "attainment", "open leads"),
            ],
            [
                [
                    r.name,
                    r.handoffs,
                    r.accepted,
                    _r(r.acceptance),
                    r.met,
                    r.breached,
                    _r(r.attainment),
                    r.open_leads,
                ]
                for r in report.reps
            ],
        ),
        Table(
            "score_bands",
            "Conversion by grade (MQLs of the window)",
            ["grade", "mqls", "sal", "won", "mql->sal rate", "mql->won rate"],
            [[b.band, b.mqls, b.sals, b.wins, _r(b.to_sal), _r(b.to_won)] for b in report.bands],
        ),
        Table(
            "alerts",
            "Alerts (newest complete week)",
            ["pair", "week", "rate", "baseline", "against", "leads", "baseline leads", "message"],
            [
                [
                    a.pair,
                    _day(a.week),
                    _r(a.rate),
                    _r(a.baseline),
                    a.against,
                    a.cohort,
                    a.baseline_cohort,
                    a.message(),
                ]
                for a in report.alerts
            ],
        ),
    ]
