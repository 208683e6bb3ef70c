"""Every report figure, recounted with plain SQL on the same mirror (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from report_mirror import Shape, build, monday
from sqlalchemy import Engine, bindparam, text

from syncd.domain.calendar import BusinessCalendar, OpeningHours
from syncd.domain.reporting import Report, Weeks, build_report
from syncd.mirror.report_reads import report_rows
from syncd.mirror.types import UTCDateTime

START = monday(2026, 9, 7)
NOW = START + timedelta(weeks=8, days=2, hours=10)
# 24/7 would hide business-hour bugs; the figures here use the SLA calendar below.
CALENDAR = BusinessCalendar("Europe/Berlin", (OpeningHours(8 * 60, 18 * 60),) * 5 + (None, None))


@pytest.fixture
def mirror(mirror_engine: Engine) -> Engine:
    build(mirror_engine, Shape(start=START, weeks=8, leads=600))
    return mirror_engine


@pytest.fixture
def report(mirror: Engine) -> Report:
    weeks = Weeks.ending(NOW, 9)
    with mirror.connect() as conn:
        rows = report_rows(conn, weeks.first)
    return build_report(rows, weeks, CALENDAR, NOW)


def _stage(engine: Engine) -> str:
    if engine.dialect.name == "postgresql":
        return "after ->> 'value'"
    return "json_extract(after, '$.value')"


def sql_count(engine: Engine, sql: str, **params: datetime | str) -> int:
    stmt = text(sql.replace("STAGE", _stage(engine))).bindparams(
        *(
            bindparam(k, type_=UTCDateTime()) if isinstance(v, datetime) else bindparam(k)
            for k, v in params.items()
        )
    )
    with engine.connect() as conn:
        return int(conn.execute(stmt, params).scalar_one())


FIRST = """
    SELECT lead_id, min(at) AS at FROM decisions
    WHERE kind = 'transition' AND STAGE = :stage GROUP BY lead_id
"""


def test_stage_entries_per_week_are_first_entries_counted_in_their_week(
    mirror: Engine, report: Report
) -> None:
    for week in report.funnel:
        end = week.week + timedelta(weeks=1)
        for stage in ("mql", "sal", "sql"):
            expected = sql_count(
                mirror,
                f"SELECT count(*) FROM ({FIRST}) f WHERE f.at >= :a AND f.at < :b",
                stage=stage,
                a=week.week,
                b=end,
            )
            assert week.entered[stage] == expected, (week.week, stage)
        won = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
                JOIN opportunities o ON o.id = l.converted_opportunity_id
                WHERE o.is_won AND f.at >= :a AND f.at < :b""",
            stage="converted",
            a=week.week,
            b=end,
        )
        assert week.entered["won"] == won, week.week
    assert sum(w.entered["mql"] for w in report.funnel) > 500


def test_mql_to_sal_conversion_belongs_to_the_week_of_the_mql(
    mirror: Engine, report: Report
) -> None:
    for week in report.funnel:
        converted = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) q
                JOIN ({FIRST.replace(":stage", ":next")}) s ON s.lead_id = q.lead_id
                WHERE s.at >= q.at AND q.at >= :a AND q.at < :b""",
            stage="mql",
            next="sal",
            a=week.week,
            b=week.week + timedelta(weeks=1),
        )
        assert week.converted["mql->sal"] == converted, week.week
        if week.entered["mql"]:
            assert week.rates["mql->sal"] == converted / week.entered["mql"]


def test_funnel_by_source_adds_up_to_the_sql_count_per_source(
    mirror: Engine, report: Report
) -> None:
    for row in report.by_source:
        expected = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN leads l ON l.id = f.lead_id
                WHERE l.lead_source = :source AND f.at >= :a""",
            stage="mql",
            source=row.group,
            a=report.weeks.first,
        )
        assert row.entered["mql"] == expected, row.group
    assert {r.group for r in report.by_segment["country"]} == {"US", "DE", "GB", "FR", "CA"}


def test_sla_attainment_counts_met_and_breached_handoffs_per_week(
    mirror: Engine, report: Report
) -> None:
    for week in report.speed:
        span = {"a": week.week, "b": week.week + timedelta(weeks=1)}
        window = "handoff_at >= :a AND handoff_at < :b"
        base = "SELECT count(*) FROM lead_state WHERE " + window
        assert week.handoffs == sql_count(mirror, base, **span)
        assert week.met == sql_count(mirror, base + " AND first_touch_at <= sla_due", **span)
        assert week.touched == sql_count(mirror, base + " AND first_touch_at IS NOT NULL", **span)
        breached = base + (
            " AND (first_touch_at > sla_due OR (first_touch_at IS NULL AND sla_due <= :now))"
        )
        assert week.breached == sql_count(mirror, breached, now=NOW, **span)
        if week.touched:
            assert week.median_hours is not None
            assert week.p90_hours is not None
            assert 0 <= week.median_hours <= week.p90_hours


def test_recycle_volume_counts_every_move_into_recycled(mirror: Engine, report: Report) -> None:
    for week, count in report.recycled.items():
        expected = sql_count(
            mirror,
            """SELECT count(*) FROM decisions WHERE kind = 'transition'
               AND STAGE = 'recycled' AND at >= :a AND at < :b""",
            a=week,
            b=week + timedelta(weeks=1),
        )
        assert count == expected, week
    assert sum(report.recycled.values()) > 0


def test_rep_load_and_acceptance_match_sql_per_owner(mirror: Engine, report: Report) -> None:
    assert [r.name for r in report.reps][:1] != []
    for rep in report.reps:
        owned = "FROM lead_state s JOIN leads l ON l.id = s.lead_id WHERE l.owner_id = :owner"
        handed = owned + " AND s.handoff_at >= :a"
        assert rep.handoffs == sql_count(
            mirror, "SELECT count(*) " + handed, owner=rep.owner_id, a=report.weeks.first
        )
        accepted = sql_count(
            mirror,
            f"""SELECT count(*) {handed} AND EXISTS (SELECT 1 FROM ({FIRST}) f
                WHERE f.lead_id = s.lead_id AND f.at >= s.handoff_at)""",
            owner=rep.owner_id,
            a=report.weeks.first,
            stage="sal",
        )
        assert rep.accepted == accepted, rep.name
        open_now = sql_count(
            mirror,
            "SELECT count(*) " + owned + " AND s.stage IN ('mql', 'sal', 'sql', 'could_not_reach')",
            owner=rep.owner_id,
        )
        assert rep.open_leads == open_now, rep.name


def test_score_band_conversion_counts_mqls_and_wins_per_grade(
    mirror: Engine, report: Report
) -> None:
    for band in report.bands:
        mqls = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN lead_state s ON s.lead_id = f.lead_id
                WHERE s.grade = :grade AND f.at >= :a""",
            stage="mql",
            grade=band.band,
            a=report.weeks.first,
        )
        assert band.mqls == mqls, band.band
        wins = sql_count(
            mirror,
            f"""SELECT count(*) FROM ({FIRST}) f JOIN lead_state s ON s.lead_id = f.lead_id
                JOIN leads l ON l.id = f.lead_id
                JOIN opportunities o ON o.id = l.converted_opportunity_id
                WHERE s.grade = :grade AND f.at >= :a AND o.is_won""",
            stage="mql",
            grade=band.band,
            a=report.weeks.first,
        )
        assert band.wins == wins, band.band
