"""The closing-the-loop figures (periods, revenue, segments, SLA per rep, aging, exit reasons)
recounted with plain SQL on the same mirror (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from report_mirror import Shape, build, monday
from sqlalchemy import Engine
from test_report_figures import CALENDAR, FIRST, sql_count

from syncd.domain.reporting import Period, Report, build_report, period_spans, report_window
from syncd.domain.reporting.segments import ReportPolicy, Segment
from syncd.domain.sla import TouchRule
from syncd.mirror.report_reads import report_rows

START = monday(2026, 9, 7)
NOW = START + timedelta(weeks=8, days=2, hours=10)  # Wednesday 4 November 2026
POLICY = ReportPolicy(
    segments=(Segment("industry"), Segment("number_of_employees", (1, 50, 200, 1000, 5000))),
)
TOUCH = TouchRule(types=("call", "email"), required=3, window=timedelta(hours=80))


def _report(engine: Engine, period: Period) -> Report:
    weeks = report_window(period, NOW, 9)
    previous, _ = period_spans(period, NOW)
    with engine.connect() as conn:
        rows = report_rows(conn, min(weeks.first, previous.first), POLICY.segments, TOUCH)
    return build_report(rows, weeks, CALENDAR, NOW, period=period, policy=POLICY, touch=TOUCH)


@pytest.fixture
def mirror(mirror_engine: Engine) -> Engine:
    build(mirror_engine, Shape(start=START, weeks=8, leads=600))
    return mirror_engine


@pytest.fixture
def monthly(mirror: Engine) -> Report:
    return _report(mirror, Period.MONTH)


OPPS_OF_MQLS = f"""
    SELECT {{what}} FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
    JOIN opportunities o ON o.id = l.converted_opportunity_id
    WHERE f.at >= :a AND f.at < :b AND {{where}}
"""


def test_a_month_is_the_last_calendar_month_against_the_one_before(monthly: Report) -> None:
    assert monthly.current.span.first.date().isoformat() == "2026-10-01"
    assert monthly.current.span.end.date().isoformat() == "2026-11-01"
    assert monthly.previous.span.first.date().isoformat() == "2026-09-01"


@pytest.mark.parametrize("period", list(Period), ids=[p.value for p in Period])
def test_opportunities_and_revenue_from_the_periods_mqls_match_sql(
    mirror: Engine, period: Period
) -> None:
    report = _report(mirror, period)
    for figures in (report.current, report.previous):
        span = {"a": figures.span.first, "b": figures.span.end, "stage": "mql"}
        opps = sql_count(mirror, OPPS_OF_MQLS.format(what="count(*)", where="1 = 1"), **span)
        won = sql_count(mirror, OPPS_OF_MQLS.format(what="count(*)", where="o.is_won"), **span)
        revenue = sql_count(
            mirror, OPPS_OF_MQLS.format(what="coalesce(sum(o.amount), 0)", where="o.is_won"), **span
        )
        pipeline = sql_count(
            mirror,
            OPPS_OF_MQLS.format(what="coalesce(sum(o.amount), 0)", where="NOT o.is_closed"),
            **span,
        )
        assert int(figures.won_revenue) == revenue, figures.span
        assert int(figures.pipeline) == pipeline, figures.span
        assert figures.opportunities == opps, figures.span
        assert figures.won == won, figures.span
    assert report.current.won_revenue > 0
    assert report.current.pipeline > 0


def test_sql_to_opportunity_and_opportunity_to_won_match_sql_per_week(
    mirror: Engine, monthly: Report
) -> None:
    for week in monthly.funnel:
        span = {"a": week.week, "b": week.week + timedelta(weeks=1), "stage": "sql"}
        sqls_with_opp = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
                JOIN opportunities o ON o.id = l.converted_opportunity_id
                WHERE f.at >= :a AND f.at < :b""",
            **span,
        )
        assert week.converted["sql->opportunity"] == sqls_with_opp, week.week
        opened = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
                JOIN opportunities o ON o.id = l.converted_opportunity_id
                WHERE f.at >= :a AND f.at < :b""",
            **(span | {"stage": "converted"}),
        )
        assert week.entered["opportunity"] == opened, week.week
        won = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
                JOIN opportunities o ON o.id = l.converted_opportunity_id
                WHERE o.is_won AND f.at >= :a AND f.at < :b""",
            **(span | {"stage": "converted"}),
        )
        assert week.converted["opportunity->won"] == won, week.week


def test_segments_are_the_attributes_the_policy_names(mirror: Engine, monthly: Report) -> None:
    assert list(monthly.by_segment) == ["industry", "number_of_employees"]
    industry = "json_extract(l.fields, '$.industry')"
    employees = "CAST(json_extract(l.fields, '$.number_of_employees') AS INTEGER)"
    if mirror.dialect.name == "postgresql":
        industry = "l.fields ->> 'industry'"
        employees = "CAST(l.fields ->> 'number_of_employees' AS INTEGER)"
    for row in monthly.by_segment["industry"]:
        expected = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
                WHERE {industry} = :value AND f.at >= :a""",
            stage="mql",
            value=row.group,
            a=monthly.weeks.first,
        )
        assert row.entered["mql"] == expected, row.group
    bands = {row.group: row.entered["mql"] for row in monthly.by_segment["number_of_employees"]}
    assert set(bands) == {"1-49", "50-199", "200-999", "1000-4999", "5000+"}
    big = sql_count(
        mirror,
        f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
            WHERE {employees} >= 5000 AND f.at >= :a""",
        stage="mql",
        a=monthly.weeks.first,
    )
    assert bands["5000+"] == big


def test_sla_compliance_per_rep_matches_sql(mirror: Engine, monthly: Report) -> None:
    assert monthly.compliance
    handed = """FROM lead_state s JOIN leads l ON l.id = s.lead_id
                WHERE l.owner_id = :owner AND s.handoff_at >= :a"""
    for rep in monthly.compliance:
        args = {"owner": rep.owner_id, "a": monthly.weeks.first}
        assert rep.handoffs == sql_count(mirror, "SELECT count(*) " + handed, **args)
        assert rep.met == sql_count(
            mirror, "SELECT count(*) " + handed + " AND s.first_touch_at <= s.sla_due", **args
        )
        assert rep.touches_required == 3 * rep.handoffs
        # Touches by the owner (a colleague's call is none), at or after the handoff.
        touched_leads = sql_count(
            mirror,
            "SELECT count(*) "
            + handed
            + """ AND EXISTS (SELECT 1 FROM activities a
                WHERE a.who_id = s.lead_id AND a.owner_id = l.owner_id
                AND a.created_date >= s.handoff_at)""",
            **args,
        )
        assert touched_leads <= rep.touches_made <= 3 * touched_leads, rep.name
        assert 0 < rep.stale < rep.handoffs, rep.name


def test_aging_and_stuck_leads_match_sql(mirror: Engine, monthly: Report) -> None:
    for aging in monthly.aging:
        stuck = sql_count(
            mirror,
            "SELECT count(*) FROM lead_state WHERE stage = :stage AND stage_entered_at < :cut",
            stage=aging.stage,
            cut=NOW - aging.limit,
        )
        assert aging.stuck == stuck, aging.stage
        entered = sql_count(
            mirror,
            f"SELECT count(*) FROM ({FIRST}) f WHERE f.at >= :a AND f.at < :b",
            stage=aging.stage,
            a=monthly.weeks.first,
            b=monthly.weeks.end,
        )
        assert aging.leads == entered, aging.stage
        assert aging.median_days is not None
        assert aging.p90_days is not None
        assert 0 < aging.median_days <= aging.p90_days


def test_exit_reasons_count_every_recycle_and_disqualification(
    mirror: Engine, monthly: Report
) -> None:
    reasons = {(stage, reason): n for stage, reason, n in monthly.exit_reasons}
    for (stage, _), n in reasons.items():
        assert n > 0, stage
    for stage in ("recycled", "disqualified"):
        moves = sql_count(
            mirror,
            "SELECT count(*) FROM decisions WHERE kind = 'transition' AND STAGE = :stage "
            "AND at >= :a AND at < :b",
            stage=stage,
            a=monthly.weeks.first,
            b=monthly.weeks.end,
        )
        assert sum(n for (s, _), n in reasons.items() if s == stage) == moves, stage
    assert ("disqualified", "marked Disqualified by the owner") in reasons
