"""Rows the pull upserts are stored in the same form SQLAlchemy binds a query's values in,
so an equality or range test on a stored time finds them (SQLite keeps times as text)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from syncd.mirror import records

STAMP = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def test_an_upserted_time_is_found_by_an_equality_query(mirror_engine: Engine) -> None:
    row = records.split_attributes(
        "Lead", {"id": "00Q5g00000Form1AAA", "system_modstamp": STAMP, "is_deleted": False}
    )
    table = records.table_of("Lead")
    with mirror_engine.begin() as c:
        records.upsert_records(c, "Lead", [row], datetime.now(UTC))
        found = c.scalars(select(table.c.id).where(table.c.system_modstamp == STAMP)).all()
    assert found == ["00Q5g00000Form1AAA"]
