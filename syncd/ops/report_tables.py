"""The report as named tables of plain values: one shape for the CSV files, the JSON and the
HTML page, so the three never disagree about a figure or its column name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

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


def _n(value: int | float | Decimal | None) -> Cell:
    """Money as a whole number (CSV and JSON take it), rates rounded, counts as they are."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


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
    current, previous = report.current, report.previous
    return [
        Table(
            "period",
            f"This {report.period.value} ({_day(current.span.first)} to "
            f"{_day(current.span.end)}) against the previous one ({_day(previous.span.first)})",
            ["figure", "current", "previous", "change rate"],
            [[c.figure, _n(c.current), _n(c.previous), _r(c.change)] for c in report.comparisons],
        ),
        Table(
            "funnel_weekly",
            "Funnel by week (leads entering each stage; conversion of that week's cohort)",
            ["week", *FUNNEL_STAGES, *(f"{p} rate" for p in _PAIRS)],
            [_funnel_row(w) for w in report.funnel],
        ),
        _groups("by_source", "Funnel by lead source", "source", report.by_source),
        *(
            _groups(f"by_{attribute}", f"Funnel by segment: {attribute}", attribute, groups)
            for attribute, groups in report.by_segment.items()
        ),
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
            "sla_compliance",
            "SLA compliance per rep (handoffs in the window)",
            [
                *("rep", "handoffs", "met", "breached", "attainment"),
                *("touches made", "touches required", "touch rate", "no status update"),
            ],
            [
                [
                    c.name,
                    c.handoffs,
                    c.met,
                    c.breached,
                    _r(c.attainment),
                    c.touches_made,
                    c.touches_required,
                    _r(c.touch_rate),
                    c.stale,
                ]
                for c in report.compliance
            ],
        ),
        Table(
            "aging",
            "Aging: days in each stage (leads that entered it in the window), stuck now",
            ["stage", "leads", "median days", "p90 days", "stuck", "stuck after days"],
            [
                [
                    a.stage,
                    a.leads,
                    _r(a.median_days),
                    _r(a.p90_days),
                    a.stuck,
                    _r(a.limit.total_seconds() / 86_400),
                ]
                for a in report.aging
            ],
        ),
        Table(
            "exit_reasons",
            "Recycled and disqualified in the window, by reason",
            ["stage", "reason", "moves"],
            [list(row) for row in report.exit_reasons],
        ),
        Table(
            "alerts",
            f"Alerts (newest complete {report.period.value})",
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
