"""The pull's cursor discipline, with a fake org: what it asks for and where the mark lands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from syncd.config.fields import load_mappings
from syncd.mirror import Mirror
from syncd.sync.pull import pull_object

MAPPINGS = load_mappings(Path(__file__).resolve().parents[2] / "mappings")
RUN_STARTED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
LOOKBACK = timedelta(minutes=5)


class FakeOrg:
    """Answers every query with the given Users, in pages; records what it was asked."""

    def __init__(self, rows: list[dict[str, Any]], page: int = 2) -> None:
        self.rows, self.page, self.queries = rows, page, []  # type: list[str]

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        self.queries.append(soql)
        for i in range(0, len(self.rows), self.page):
            yield self.rows[i : i + self.page]

    def query_pages_sized(
        self, soql: str, *, include_deleted: bool = False
    ) -> tuple[int, Iterator[list[dict[str, Any]]]]:
        return len(self.rows), self.query_pages(soql, include_deleted=include_deleted)

    def bulk_query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        raise AssertionError("no bulk below the threshold")


def user(n: int, stamp: datetime) -> dict[str, Any]:
    return {
        "Id": f"0055g00000Rep{n:04d}A",
        "Username": f"rep{n}@acme-analytics.example.com",
        "IsActive": True,
        "SystemModstamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    }


def pull(engine: Engine, org: FakeOrg) -> None:
    pull_object(
        org,
        Mirror(engine),
        MAPPINGS["User"],
        run_id="r",
        run_started=RUN_STARTED,
        lookback=LOOKBACK,
        bulk_threshold=10_000,
        now=lambda: RUN_STARTED,
    )


def mark(engine: Engine) -> datetime:
    row = Mirror(engine).watermark("User")
    assert row is not None
    return row.watermark


def test_first_pull_reads_everything_and_marks_no_later_than_the_run_start(
    mirror_engine: Engine,
) -> None:
    later = RUN_STARTED + timedelta(minutes=1)  # changed while the run was going
    org = FakeOrg([user(1, RUN_STARTED - timedelta(days=3)), user(2, later)])
    pull(mirror_engine, org)
    assert "WHERE" not in org.queries[-1]
    assert mark(mirror_engine) == RUN_STARTED


def test_next_pull_asks_from_the_mark_minus_the_lookback_in_modstamp_order(
    mirror_engine: Engine,
) -> None:
    pull(mirror_engine, FakeOrg([user(1, RUN_STARTED - timedelta(days=3))]))
    org = FakeOrg([])
    pull(mirror_engine, org)
    # The first pull marked run start - lookback; this one reads a lookback below that.
    assert "SystemModstamp >= 2026-11-20T14:50:00Z" in org.queries[-1]
    assert org.queries[-1].endswith("ORDER BY SystemModstamp ASC")


def test_a_quiet_pull_moves_the_mark_to_run_start_minus_lookback_and_never_back(
    mirror_engine: Engine,
) -> None:
    burst = RUN_STARTED - timedelta(days=1)
    pull(mirror_engine, FakeOrg([user(n, burst) for n in range(5)]))
    pull(mirror_engine, FakeOrg([]))
    assert mark(mirror_engine) == RUN_STARTED - LOOKBACK


def test_an_edit_in_the_same_second_as_our_read_still_counts_as_a_change(
    mirror_engine: Engine,
) -> None:
    stamp = RUN_STARTED - timedelta(seconds=30)
    pull(mirror_engine, FakeOrg([user(1, stamp), user(2, stamp)]))
    edited = user(1, stamp) | {"IsActive": False}  # same whole-second SystemModstamp
    result = pull_object(
        FakeOrg([edited, user(2, stamp)]),
        Mirror(mirror_engine),
        MAPPINGS["User"],
        run_id="r2",
        run_started=RUN_STARTED,
        lookback=LOOKBACK,
        bulk_threshold=10_000,
        now=lambda: RUN_STARTED,
    )
    assert result.changed_ids == {edited["Id"]}
