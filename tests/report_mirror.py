"""A synthetic mirror for the report: realistic handover histories, written with bulk Core.

Used by the report's integration tests (small) and bench/bench_report.py (100k leads, 1M
activities). Each lead gets a source, a country, a grade and an owner, becomes an MQL on a
weekday of the window, and moves on (SAL, SQL, converted and won, or recycled) with
probabilities that can be changed per week, so a test can seed a drop in MQL->SAL.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Connection, Engine, Numeric, Table

from syncd.mirror import models as m
from syncd.mirror.types import UTCDateTime

SOURCES = ("Web", "Webinar", "Trade Show", "Partner Referral", "Paid Search")
COUNTRIES = ("US", "DE", "GB", "FR", "CA")
INDUSTRIES = ("Technology", "Healthcare", "Financial Services", "Retail")
GRADES = ("A", "B", "C", "D")
REPS = (
    ("005000000000001AAA", "Ava Patel"),
    ("005000000000002AAA", "Ben Okafor"),
    ("005000000000003AAA", "Chloé Martin"),
    ("005000000000004AAA", "Dev Raman"),
)
RECYCLE_REASONS = (
    "no owner touch for 14 days",
    "working window ended with 1 of 3 touches",
    "marked Could Not Reach",
)
CHUNK = 5_000


def table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


@dataclass
class Shape:
    """Conversion odds of the synthetic funnel; `sal_by_week` overrides MQL->SAL per week."""

    start: datetime
    weeks: int = 8
    leads: int = 400
    activities: int = 0
    to_sal: float = 0.6
    to_sql: float = 0.5
    to_won: float = 0.4
    to_recycle: float = 0.5  # of those not accepted
    touched: float = 0.85
    sal_by_week: Mapping[int, float] = field(default_factory=dict)
    seed: int = 7


def lead_id(i: int) -> str:
    return f"00Q{i:015d}"


def _sqlite_text(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")


def _converter(column: Column[Any], sqlite: bool) -> Callable[[Any], Any] | None:
    """How a value of this column goes to the driver, as the mirror's column type sends it."""
    kind = column.type
    if isinstance(kind, JSON):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(kind, UTCDateTime) and sqlite:
        return lambda v: (
            None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        )
    if isinstance(kind, Numeric) and sqlite:
        return lambda v: None if v is None else str(v)
    return None


def _insert(conn: Connection, target: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Bulk load: one prepared INSERT per chunk on SQLite, COPY on PostgreSQL.

    The mirror's column defaults are filled in here: the statement bypasses Core's per-value
    bind processing, which cost ~10 s per 100k rows and made a 1M-row mirror slow to build.
    """
    sqlite = conn.dialect.name == "sqlite"
    plan: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
    for c in target.columns:
        if c.primary_key and c.autoincrement is True and c.type.python_type is int:
            continue  # the database numbers it
        convert = _converter(c, sqlite)
        default = None
        if c.default is not None:
            arg = c.default.arg  # type: ignore[attr-defined]
            default = arg(None) if callable(arg) else arg
            default = convert(default) if convert else default
        plan.append((c.name, convert, default))
    names = [name for name, _, _ in plan]
    raw = conn.connection.driver_connection
    assert raw is not None

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            (convert(row[n]) if convert else row[n]) if n in row else default
            for n, convert, default in plan
        )

    count = 0
    tuples = (values(row) for row in rows)
    if sqlite:
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {target.name} ({', '.join(names)}) VALUES ({marks})"
        cursor = raw.cursor()
        for batch in _chunks(tuples):
            cursor.executemany(sql, batch)
            count += len(batch)
        return count
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {target.name} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in tuples:
            copy.write_row(row)
            count += 1
    return count


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _activities(conn: Connection, shape: Shape) -> int:
    """The sales calls, generated inside the database: a million rows in a few seconds.

    Each Task k goes to lead (k * 7919) mod leads (a prime stride spreads them evenly), to
    the reps in turn; the report reads none of them, they are the mirror's bulk.
    """
    n, leads = shape.activities, max(shape.leads, 1)
    if n == 0:
        return 0
    reps = [uid for uid, _ in REPS]
    # mod() not %: psycopg reads a bare % in the statement as a placeholder.
    sqlite = conn.dialect.name == "sqlite"
    turn = "k % 4" if sqlite else "mod(k, 4)"
    owner = f"CASE {turn} " + " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(reps)) + " END"
    cols = (
        "id, system_modstamp, is_deleted, fields, mirrored_at, kind, who_id, owner_id, "
        "type, subject, created_date"
    )
    if sqlite:
        stamp = _sqlite_text(shape.start)
        sql = f"""
            WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k < {n - 1})
            INSERT INTO activities ({cols})
            SELECT printf('00T%015d', k), '{stamp}', 0, '{{}}', '{stamp}', 'Task',
                   printf('00Q%015d', (k * 7919) % {leads}), {owner}, 'Call', 'Call', '{stamp}'
            FROM seq"""
    else:
        stamp = shape.start.isoformat()
        sql = f"""
            INSERT INTO activities ({cols})
            SELECT '00T' || lpad(k::text, 15, '0'), '{stamp}', false, '{{}}'::jsonb, '{stamp}',
                   'Task', '00Q' || lpad(mod(k::bigint * 7919, {leads})::text, 15, '0'), {owner},
                   'Call', 'Call', '{stamp}'
            FROM generate_series(0, {n - 1}) AS k"""
    conn.exec_driver_sql(sql)
    return n


def build(engine: Engine, shape: Shape) -> dict[str, int]:
    """Fill an empty migrated mirror; returns row counts per table."""
    rnd = random.Random(shape.seed)
    stamp = shape.start
    leads: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    opps: list[dict[str, Any]] = []
    touches: list[dict[str, Any]] = []

    def call(lid: str, at: datetime, owner: str) -> None:
        touches.append(
            {
                "id": f"00T9{len(touches):014d}",
                "system_modstamp": stamp,
                "mirrored_at": stamp,
                "kind": "Task",
                "who_id": lid,
                "owner_id": owner,
                "type": rnd.choice(("Call", "Email", " call ")),
                "subject": "Follow-up",
                "created_date": at,
            }
        )

    def move(lid: str, at: datetime, before: str | None, after: str, why: str = "") -> None:
        ledger.append(
            {
                "lead_id": lid,
                "at": at,
                "kind": "transition",
                "before": {"value": before},
                "after": {"value": after},
                "reasons": [why or f"to {after}"],
                "policy_version": "bench",
            }
        )

    for i in range(shape.leads):
        lid = lead_id(i)
        week = rnd.randrange(shape.weeks)
        day = rnd.randrange(5)
        created = shape.start + timedelta(weeks=week, days=day, hours=rnd.uniform(8, 17))
        owner, _ = rnd.choice(REPS)
        mql_at = created + timedelta(minutes=rnd.uniform(5, 600))
        move(lid, created, None, "new")
        move(lid, mql_at, "new", "mql")
        stage, at = "mql", mql_at
        touch = (
            mql_at + timedelta(hours=rnd.expovariate(1 / 3))
            if rnd.random() < shape.touched
            else None
        )
        if touch is not None:
            call(lid, touch, owner)
            for _ in range(rnd.randrange(4)):  # later follow-ups, some past the window
                call(lid, touch + timedelta(days=rnd.uniform(0.5, 20)), owner)
        if rnd.random() < 0.2:  # a colleague's call is no touch by the owner
            call(lid, mql_at + timedelta(hours=2), rnd.choice(REPS)[0])
        seconds: dict[str, float] = {}
        opp_id = None
        if rnd.random() < shape.sal_by_week.get(week, shape.to_sal):
            left = at + timedelta(hours=rnd.uniform(1, 72))
            seconds[stage], at = (left - at).total_seconds(), left
            move(lid, at, stage, "sal")
            stage = "sal"
            if rnd.random() < shape.to_sql:
                left = at + timedelta(days=rnd.uniform(1, 10))
                seconds[stage], at = (left - at).total_seconds(), left
                move(lid, at, stage, "sql")
                stage = "sql"
                if rnd.random() < shape.to_won:
                    left = at + timedelta(days=rnd.uniform(5, 30))
                    seconds[stage], at = (left - at).total_seconds(), left
                    move(lid, at, stage, "converted")
                    stage = "converted"
                    opp_id = f"006{i:015d}"
                    outcome = rnd.random()
                    opps.append(
                        {
                            "id": opp_id,
                            "system_modstamp": stamp,
                            "mirrored_at": stamp,
                            "name": f"Deal {i}",
                            "stage_name": (
                                "Closed Won"
                                if outcome < 0.5
                                else "Closed Lost"
                                if outcome < 0.8
                                else "Proposal/Price Quote"
                            ),
                            "amount": Decimal(rnd.randrange(5, 200) * 1000),
                            "is_closed": outcome < 0.8,
                            "is_won": outcome < 0.5,
                            "created_date": at,
                        }
                    )
        elif rnd.random() < shape.to_recycle:
            left = at + timedelta(days=rnd.uniform(3, 14))
            seconds[stage], at = (left - at).total_seconds(), left
            move(lid, at, stage, "recycled", rnd.choice(RECYCLE_REASONS))
            stage = "recycled"
            if rnd.random() < 0.3:  # some come back, are recycled again
                move(lid, at + timedelta(days=2), "recycled", "mql")
                move(lid, at + timedelta(days=9), "mql", "recycled", RECYCLE_REASONS[0])
        elif rnd.random() < 0.2:
            left = at + timedelta(days=rnd.uniform(1, 5))
            seconds[stage], at = (left - at).total_seconds(), left
            move(lid, at, stage, "disqualified", "marked Disqualified by the owner")
            stage = "disqualified"
        leads.append(
            {
                "id": lid,
                "system_modstamp": stamp,
                "mirrored_at": stamp,
                "owner_id": owner,
                "status": stage,
                "email": f"lead{i}@example.com",
                "lead_source": rnd.choice(SOURCES),
                "country": rnd.choice(COUNTRIES),
                "fields": {
                    "industry": rnd.choice(INDUSTRIES),
                    "number_of_employees": rnd.choice((12, 80, 450, 2500, 12000)),
                },
                "is_converted": opp_id is not None,
                "converted_opportunity_id": opp_id,
                "created_date": created,
            }
        )
        states.append(
            {
                "lead_id": lid,
                "stage": stage,
                "stage_entered_at": at,
                "score": rnd.uniform(40, 100),
                "grade": rnd.choice(GRADES),
                "handoff_at": mql_at,
                "handoff_count": 1,
                "sla_due": mql_at + timedelta(hours=4),
                "sla_state": "met",
                "first_touch_at": touch,
                "stage_seconds": seconds,
            }
        )

    users = [
        {"id": uid, "system_modstamp": stamp, "mirrored_at": stamp, "name": name}
        for uid, name in REPS
    ]
    with engine.begin() as conn:
        return {
            "users": _insert(conn, table(m.User), users),
            "leads": _insert(conn, table(m.Lead), leads),
            "lead_state": _insert(conn, table(m.LeadState), states),
            "decisions": _insert(conn, table(m.LedgerEntry), ledger),
            "opportunities": _insert(conn, table(m.Opportunity), opps),
            "activities": _activities(conn, shape) + _insert(conn, table(m.Activity), touches),
        }


def build_scored(
    engine: Engine,
    outcomes: Sequence[Any],
    points: Mapping[str, float],
    start: datetime,
    stage: str = "sal",
) -> int:
    """The mirror's history of leads drawn by `seed_outcomes`: each scored once (the reasons
    naming the rules it matched, as the engine records them), and moved to `stage` a day
    later when it converted. Returns the ledger rows written."""
    rnd = random.Random(5)
    ledger: list[dict[str, Any]] = []
    for i, o in enumerate(outcomes):
        at = start + timedelta(hours=i % 2000, minutes=rnd.randrange(60))
        total = 20 + sum(points[r] for r in o.matched)
        parts = sorted(o.matched, key=lambda r: -abs(points[r]))
        ledger.append(
            {
                "lead_id": o.lead_id,
                "at": at,
                "kind": "score",
                "before": {"value": None},
                "after": {"value": total},
                "reasons": [f"score {total:g} (fit 20, engagement 0, grade B): new lead"]
                + [f"{points[r]:+.0f} {r}" for r in parts],
                "policy_version": "calibration",
            }
        )
        ledger.append(
            {
                "lead_id": o.lead_id,
                "at": at - timedelta(minutes=1),
                "kind": "transition",
                "before": {"value": None},
                "after": {"value": "new"},
                "reasons": ["new lead"],
                "policy_version": "calibration",
            }
        )
        if o.converted:
            ledger.append(
                {
                    "lead_id": o.lead_id,
                    "at": at + timedelta(days=1),
                    "kind": "transition",
                    "before": {"value": "mql"},
                    "after": {"value": stage},
                    "reasons": ["accepted by the owner"],
                    "policy_version": "calibration",
                }
            )
    with engine.begin() as conn:
        return _insert(conn, table(m.LedgerEntry), ledger)


def monday(year: int, month: int, day: int) -> datetime:
    start = datetime(year, month, day, tzinfo=UTC)
    assert start.weekday() == 0, "the synthetic window opens on a Monday"
    return start


__all__: Sequence[str] = ("Shape", "build", "build_scored", "lead_id", "monday")
