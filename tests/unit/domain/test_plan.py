"""Plan arithmetic: what a change means, owners' loads after it, what writing it costs."""

from __future__ import annotations

import pytest

from syncd.domain.plan import ChangeKind, change_kind, owner_loads, write_calls

NURTURE = "00G000000000NURAAA"
QUEUE = "00G000000000UNAAAA"
REP = "005000000000AVAAAA"


@pytest.mark.parametrize(
    ("output", "value", "kind"),
    [
        pytest.param("owner", REP, ChangeKind.HANDOFF, id="owner-to-a-rep-is-a-handoff"),
        pytest.param("owner", NURTURE, ChangeKind.RECYCLE, id="owner-to-nurture-is-a-recycle"),
        pytest.param("owner", QUEUE, ChangeKind.QUEUE, id="owner-to-another-queue"),
        pytest.param("recycle_count", 2, ChangeKind.RECYCLE, id="recycle-count"),
        pytest.param("score_reason", "+20 VP title", ChangeKind.SCORE, id="reason-is-score"),
        pytest.param("sla_due", "2026-12-03T09:00:00+00:00", ChangeKind.SLA, id="sla-due"),
    ],
)
def test_each_write_is_named_by_what_it_means_for_people(
    output: str, value: object, kind: ChangeKind
) -> None:
    assert change_kind(output, value, queues=frozenset({NURTURE, QUEUE}), nurture=NURTURE) is kind


def test_owner_loads_move_one_open_lead_per_owner_change() -> None:
    loads = owner_loads(
        {REP: 4, QUEUE: 10}, [(QUEUE, REP), (QUEUE, REP), (REP, NURTURE)], {REP: "Ava Patel"}
    )
    # Busiest first, as a reviewer scans them.
    assert [(x.name, x.before, x.after) for x in loads] == [
        (QUEUE, 10, 8),
        ("Ava Patel", 4, 5),
        (NURTURE, 0, 1),
    ]


@pytest.mark.parametrize(
    ("records", "tasks", "calls"),
    [(0, 0, 0), (1, 0, 1), (200, 0, 1), (201, 3, 3), (2001, 0, 5)],
    ids=["nothing", "one", "one-collection", "two-collections-and-tasks", "bulk-job"],
)
def test_write_cost_follows_the_writeback_batching(records: int, tasks: int, calls: int) -> None:
    assert write_calls(records, tasks, bulk_threshold=2000) == calls
