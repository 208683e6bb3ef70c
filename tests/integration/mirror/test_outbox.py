"""The outbox's state machine and its one supersede rule, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from syncd.mirror import outbox
from syncd.mirror.outbox import ALLOWED, OutboxState, Settled

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LEAD = "00Q5g00000AbCdEAAA"


def queue(engine: Engine, field: str = "Lead_Score__c", value: object = 60) -> int:
    with engine.begin() as conn:
        outbox.enqueue_updates(
            conn,
            [
                outbox.update_row(
                    sobject="Lead",
                    record_id=LEAD,
                    field=field,
                    output="score",
                    value=value,
                    base=40,
                    reason="score 60",
                    priority=1,
                    run_id=None,
                    now=NOW,
                )
            ],
            NOW,
        )
        return max(i.id for i in outbox.open_updates(conn, [LEAD]))


def state(engine: Engine, entry_id: int) -> OutboxState:
    with engine.begin() as conn:
        (item,) = outbox.items(conn, [entry_id])
        return item.state


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in OutboxState for t in OutboxState if t in ALLOWED[s]],
    ids=lambda v: str(v),
)
def test_every_allowed_transition_is_taken(
    mirror_engine: Engine, source: OutboxState, target: OutboxState
) -> None:
    entry = queue(mirror_engine)
    with mirror_engine.begin() as conn:
        conn.execute(outbox.TABLE.update().values(state=source.value))
        assert outbox.move(conn, [entry], target, NOW) == 1
    assert state(mirror_engine, entry) is target


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in OutboxState for t in OutboxState if t not in ALLOWED[s] and s is not t],
    ids=lambda v: str(v),
)
def test_a_transition_the_machine_forbids_changes_nothing(
    mirror_engine: Engine, source: OutboxState, target: OutboxState
) -> None:
    entry = queue(mirror_engine)
    with mirror_engine.begin() as conn:
        conn.execute(outbox.TABLE.update().values(state=source.value))
        assert outbox.move(conn, [entry], target, NOW) == 0
    assert state(mirror_engine, entry) is source


def test_a_newer_write_of_a_field_supersedes_the_older_pending_one(mirror_engine: Engine) -> None:
    older = queue(mirror_engine, value=55)
    newer = queue(mirror_engine, value=60)
    assert state(mirror_engine, older) is OutboxState.SUPERSEDED
    assert state(mirror_engine, newer) is OutboxState.PENDING


def test_a_write_of_another_field_supersedes_nothing(mirror_engine: Engine) -> None:
    score = queue(mirror_engine, field="Lead_Score__c")
    grade = queue(mirror_engine, field="Lead_Grade__c", value="A")
    assert {state(mirror_engine, score), state(mirror_engine, grade)} == {OutboxState.PENDING}


def test_an_entry_in_doubt_is_never_superseded_until_it_is_resolved(mirror_engine: Engine) -> None:
    sent = queue(mirror_engine, value=55)
    with mirror_engine.begin() as conn:
        outbox.mark_sending(conn, [sent], NOW)
    newer = queue(mirror_engine, value=60)
    assert state(mirror_engine, sent) is OutboxState.SENDING
    with mirror_engine.begin() as conn:
        outbox.move(conn, [sent], OutboxState.PENDING, NOW)
        # After recovery the same rule keeps only the newest open write.
        assert outbox.supersede_all_but_newest(conn, [(LEAD, "Lead_Score__c")], NOW) == 1
    assert state(mirror_engine, sent) is OutboxState.SUPERSEDED
    assert state(mirror_engine, newer) is OutboxState.PENDING


def test_settling_records_each_answer_on_its_entry(mirror_engine: Engine) -> None:
    ok, locked = queue(mirror_engine, field="Lead_Score__c"), queue(mirror_engine, field="Status")
    with mirror_engine.begin() as conn:
        outbox.mark_sending(conn, [ok, locked], NOW)
        outbox.settle(
            conn,
            [
                Settled(ok, OutboxState.DONE),
                Settled(locked, OutboxState.RETRY, "UNABLE_TO_LOCK_ROW", "locked", NOW),
            ],
            NOW,
        )
        items = {i.id: i for i in outbox.items(conn, [ok, locked])}
    assert items[ok].state is OutboxState.DONE
    assert (items[locked].state, items[locked].error_code) == (
        OutboxState.RETRY,
        "UNABLE_TO_LOCK_ROW",
    )
    assert items[locked].attempts == 1
