"""The mirror store's contract, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from syncd.mirror import store
from syncd.mirror.models import Activity, Lead, LeadState, OutboxEntry

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 10, 15, 30, tzinfo=BERLIN)


def lead_attrs(lead_id: str = "00Q5g00000AbCdEFGH", **overrides: object) -> dict[str, object]:
    attrs: dict[str, object] = {
        "id": lead_id,
        "system_modstamp": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        "is_deleted": False,
        "is_converted": False,
        "owner_id": "0055g00000RepAAAAA",
        "status": "Open - Not Contacted",
        "email": "dana.whitfield@northwind-logistics.com",
        "lead_source": "Web",
        "country": "US",
        "title": "VP of Sales Operations",
        "number_of_employees": 420,
        "lead_score": 35.0,
    }
    attrs.update(overrides)
    return attrs


def test_upsert_inserts_then_updates_by_id(session: Session) -> None:
    store.upsert_records(session, "Lead", [lead_attrs(status="Open - Not Contacted")], NOW)
    store.upsert_records(session, "Lead", [lead_attrs(status="Working - Contacted")], NOW)
    session.commit()
    rows = session.scalars(select(Lead)).all()
    assert [(r.id, r.status) for r in rows] == [("00Q5g00000AbCdEFGH", "Working - Contacted")]


def test_unmapped_attributes_are_kept_in_json_and_read_back(session: Session) -> None:
    store.upsert_records(session, "Lead", [lead_attrs()], NOW)
    session.commit()
    attrs = store.attributes_of(session.get(Lead, "00Q5g00000AbCdEFGH"))
    assert attrs["title"] == "VP of Sales Operations"
    assert attrs["number_of_employees"] == 420
    assert attrs["country"] == "US"


def test_datetimes_come_back_aware_in_utc_whatever_zone_they_were_given_in(
    session: Session,
) -> None:
    stamp = datetime(2026, 11, 20, 11, 0, tzinfo=BERLIN)
    store.upsert_records(session, "Lead", [lead_attrs(system_modstamp=stamp)], NOW)
    session.commit()
    session.expire_all()
    got = session.get(Lead, "00Q5g00000AbCdEFGH")
    assert got is not None
    assert got.system_modstamp == stamp
    assert got.system_modstamp.utcoffset() == timedelta(0)


def test_a_naive_datetime_is_refused(session: Session) -> None:
    naive = datetime(2026, 11, 20, 11, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        store.upsert_records(session, "Lead", [lead_attrs(system_modstamp=naive)], NOW)


def test_tasks_and_events_share_the_activities_table_told_apart_by_kind(session: Session) -> None:
    base = {
        "system_modstamp": NOW,
        "is_deleted": False,
        "who_id": "00Q5g00000AbCdEFGH",
        "subject": "Visited /pricing",
    }
    store.upsert_records(session, "Task", [{"id": "00T5g00000TaskAAAA", **base}], NOW)
    store.upsert_records(session, "Event", [{"id": "00U5g00000EvntAAAA", **base}], NOW)
    session.commit()
    kinds = dict(session.execute(select(Activity.id, Activity.kind)).all())
    assert kinds == {"00T5g00000TaskAAAA": "Task", "00U5g00000EvntAAAA": "Event"}


def test_watermark_never_moves_backwards(session: Session) -> None:
    later = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    store.save_watermark(session, "Lead", later, run_id="r1", now=NOW)
    store.save_watermark(session, "Lead", later - timedelta(hours=1), run_id="r2", now=NOW)
    session.commit()
    mark = store.get_watermark(session, "Lead")
    assert mark is not None
    assert mark.watermark == later


def test_watermark_and_its_rows_commit_or_roll_back_together(session: Session) -> None:
    store.upsert_records(session, "Lead", [lead_attrs()], NOW)
    store.save_watermark(session, "Lead", NOW, run_id="r1", now=NOW)
    session.rollback()
    assert store.get_watermark(session, "Lead") is None
    assert session.get(Lead, "00Q5g00000AbCdEFGH") is None


def _enqueue(session: Session, field: str, value: object, priority: int = 1) -> OutboxEntry:
    return store.enqueue_update(
        session,
        sobject="Lead",
        record_id="00Q5g00000AbCdEFGH",
        field=field,
        logical_field=None,
        value=value,
        reason="test",
        priority=priority,
        run_id="r1",
        now=NOW,
    )


def test_a_newer_write_of_the_same_field_supersedes_the_pending_one(session: Session) -> None:
    _enqueue(session, "Lead_Score__c", 40)
    _enqueue(session, "Lead_Score__c", 55)
    session.commit()
    due = store.due_entries(session, NOW)
    assert [e.value["v"] for e in due] == [55]


def test_due_entries_come_highest_priority_first(session: Session) -> None:
    _enqueue(session, "Lead_Score__c", 40, priority=1)
    _enqueue(session, "OwnerId", "0055g00000RepBBBBB", priority=0)
    session.commit()
    assert [e.field for e in store.due_entries(session, NOW)] == ["OwnerId", "Lead_Score__c"]


def test_a_retry_is_not_due_before_its_backoff_ends(session: Session) -> None:
    entry = _enqueue(session, "Status", "MQL")
    session.flush()
    store.mark_retry(
        entry, NOW, error_code="UNABLE_TO_LOCK_ROW", message="locked", delay=timedelta(minutes=2)
    )
    session.commit()
    assert store.due_entries(session, NOW + timedelta(minutes=1)) == []
    assert len(store.due_entries(session, NOW + timedelta(minutes=2))) == 1


def test_a_record_to_create_is_queued_once_per_idempotency_key(session: Session) -> None:
    args = {
        "sobject": "Task",
        "payload": {"Subject": "New MQL — follow up by 2026-11-20 15:00"},
        "idempotency_key": "handoff:00Q5g00000AbCdEFGH:1",
        "reason": "handoff",
        "priority": 0,
        "run_id": "r1",
        "now": NOW,
    }
    assert store.enqueue_create(session, **args) is True  # type: ignore[arg-type]
    assert store.enqueue_create(session, **args) is False  # type: ignore[arg-type]
    session.commit()
    assert store.outbox_counts(session) == {"pending": 1}


def test_sending_entries_are_found_again_after_a_crash(session: Session) -> None:
    entry = _enqueue(session, "OwnerId", "0055g00000RepBBBBB")
    session.flush()
    store.mark_sending(session, [entry], NOW)
    session.commit()
    assert [e.id for e in store.in_doubt_entries(session)] == [entry.id]
    assert store.due_entries(session, NOW) == []


def test_ledger_reads_back_a_leads_history_in_order(session: Session) -> None:
    for minutes, kind in [(0, "score"), (5, "transition"), (6, "assignment")]:
        store.append_ledger(
            session,
            lead_id="00Q5g00000AbCdEFGH",
            kind=kind,
            at=NOW + timedelta(minutes=minutes),
            before={},
            after={"k": kind},
            reasons=[f"because {kind}"],
            policy_version="v1",
            run_id="r1",
        )
    session.commit()
    history = store.lead_history(session, "00Q5g00000AbCdEFGH")
    assert [e.kind for e in history] == ["score", "transition", "assignment"]
    assert history[0].reasons == ["because score"]


def test_api_calls_are_summed_over_the_rolling_window(session: Session) -> None:
    old = store.start_run(session, now=NOW - timedelta(days=2), dry_run=False)
    store.finish_run(old, now=NOW, status="ok", counts={}, api_calls=500, api_budget_left=None)
    recent = store.start_run(session, now=NOW - timedelta(hours=3), dry_run=False)
    store.finish_run(recent, now=NOW, status="ok", counts={}, api_calls=12, api_budget_left=None)
    session.commit()
    assert store.api_calls_since(session, NOW - timedelta(hours=24)) == 12


def test_routing_state_survives_a_round_trip(session: Session) -> None:
    state = {"pools": {"west": {"credits": {"0055g00000RepAAAAA": 2}}}}
    store.save_routing_state(session, state, NOW)
    session.commit()
    assert store.load_routing_state(session) == state


def test_sla_sweep_reads_only_open_slas_that_are_due(session: Session) -> None:
    def state(lead_id: str, due: datetime, sla_state: str) -> LeadState:
        return LeadState(
            lead_id=lead_id, stage="mql", stage_entered_at=NOW, sla_due=due, sla_state=sla_state
        )

    session.add_all(
        [
            state("00Q5g00000DueAAAAA", NOW - timedelta(minutes=1), "open"),
            state("00Q5g00000LaterAAA", NOW + timedelta(hours=1), "open"),
            state("00Q5g00000MetAAAAA", NOW - timedelta(hours=1), "met"),
        ]
    )
    session.commit()
    assert store.sla_due_before(session, NOW) == ["00Q5g00000DueAAAAA"]
