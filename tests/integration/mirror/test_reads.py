"""The mirror port's reads: stored rows come back as typed domain values, and the evaluate
step runs on a small mirror, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncd.config import load_config
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.model import ActivityKind, Stage
from syncd.domain.owners import resolve_owners
from syncd.mirror import Mirror
from syncd.sync.evaluate import evaluate_leads

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
REP = "0055g00000RepAAAAA"
QUEUE = "00G5g00000NurAAAAA"


@pytest.fixture
def mirror(database_url: str) -> Iterator[Mirror]:
    opened = Mirror.open(database_url)
    yield opened
    opened.close()


def lead(lead_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": lead_id,
        "system_modstamp": NOW - timedelta(days=1),
        "is_deleted": False,
        "first_name": "Priya",
        "last_name": "Natarajan",
        "company": "Contoso Pharma",
        "title": "VP Marketing",
        "email": f"{lead_id[-6:].lower()}@contoso.example",
        "status": "Open - Not Contacted",
        "owner_id": QUEUE,
        "is_converted": False,
        "created_date": NOW - timedelta(days=30),
        "number_of_employees": 1200,
        "industry": "Pharmaceuticals",
        "country": "United States",
        "lead_source": "Web",
    }
    row.update(values)
    return row


def store(mirror: Mirror, sobject: str, rows: list[dict[str, Any]]) -> None:
    mirror.store_page(sobject, rows, now=NOW, run_id="test", mark=None)


def test_a_stored_lead_comes_back_as_a_typed_domain_lead(mirror: Mirror) -> None:
    store(mirror, "Lead", [lead("00Q5g00000Lead1AAA", score=61.0, recycle_count=2)])
    config = load_config(MAPPINGS)
    inputs = mirror.lead_inputs(["00Q5g00000Lead1AAA"], config.mappings.lead)
    found = inputs.leads["00Q5g00000Lead1AAA"]
    assert found.status == "Open - Not Contacted"
    assert found.owner_id == QUEUE
    assert found.created_at == NOW - timedelta(days=30)
    assert found.created_at.tzinfo is not None
    assert found.fields["number_of_employees"] == 1200
    assert found.score == 61.0
    assert found.recycle_count == 2
    assert found.state.stage is None  # never evaluated


def test_activities_come_back_per_lead_with_their_kind_and_aware_dates(mirror: Mirror) -> None:
    store(mirror, "Lead", [lead("00Q5g00000Lead1AAA")])
    store(
        mirror,
        "Task",
        [
            {
                "id": "00T5g00000Task1AAA",
                "system_modstamp": NOW,
                "is_deleted": False,
                "who_id": "00Q5g00000Lead1AAA",
                "owner_id": REP,
                "type": "Call",
                "subject": "Intro call",
                "activity_date": (NOW - timedelta(days=2)).date(),
                "created_date": NOW - timedelta(days=2),
            }
        ],
    )
    config = load_config(MAPPINGS)
    inputs = mirror.lead_inputs(["00Q5g00000Lead1AAA"], config.mappings.lead)
    (call,) = inputs.activities["00Q5g00000Lead1AAA"]
    assert call.kind is ActivityKind.TASK
    assert call.owner_id == REP
    assert call.activity_date.tzinfo is not None


def test_users_and_queues_come_back_as_the_owner_directory(mirror: Mirror) -> None:
    store(
        mirror,
        "User",
        [
            {
                "id": REP,
                "system_modstamp": NOW,
                "is_deleted": False,
                "username": "Ava.Patel@acme.example",
                "name": "Ava Patel",
                "email": "ava.patel@acme.example",
                "is_active": True,
            }
        ],
    )
    context = mirror.org_context()
    assert context.users[REP].name == "Ava Patel"
    assert [u.username for u in context.directory.users] == ["Ava.Patel@acme.example"]


def test_open_caps_count_the_open_leads_a_rep_owns_before_syncd_evaluated_them(
    mirror: Mirror,
) -> None:
    store(
        mirror,
        "Lead",
        [
            lead("00Q5g00000Lead1AAA", owner_id=REP, status="Working - Contacted"),
            lead("00Q5g00000Lead2AAA", owner_id=REP, status="working - contacted "),
            lead("00Q5g00000Lead3AAA", owner_id=REP, status="Open - Not Contacted"),
        ],
    )
    statuses = load_config(MAPPINGS).policy.lifecycle.statuses
    context = mirror.org_context(statuses.statuses_of(OPEN_STAGES))
    assert context.open_lead_counts == {REP: 2}


def test_same_email_in_another_letter_case_is_a_duplicate(mirror: Mirror) -> None:
    store(
        mirror,
        "Lead",
        [
            lead("00Q5g00000Lead1AAA", email="Priya.N@Contoso.example"),
            lead("00Q5g00000Lead2AAA", email=" priya.n@contoso.example"),
        ],
    )
    assert mirror.org_context().duplicate_emails == frozenset({"priya.n@contoso.example"})


def test_the_evaluate_step_on_a_small_mirror_hands_off_and_queues_writes(mirror: Mirror) -> None:
    config = load_config(MAPPINGS)
    store(mirror, "Lead", [lead("00Q5g00000Lead1AAA", status="MQL")])
    context = mirror.org_context()
    policy, _ = resolve_owners(config.policy, context.directory)
    result = evaluate_leads(
        mirror,
        policy,
        config.mappings.lead,
        context,
        ["00Q5g00000Lead1AAA"],
        run_id="run-1",
        now=NOW,
    )
    assert result.evaluated == 1
    assert mirror.lead_state_row("00Q5g00000Lead1AAA")["stage"] == Stage.MQL.value  # type: ignore[index]
    kinds = {d.kind for d in mirror.history("00Q5g00000Lead1AAA")}
    assert {"transition", "assignment", "sla", "score"} <= kinds
    assert any(e.field == "OwnerId" for e in mirror.due_writes(NOW))
