"""Faults switched on and off at runtime through ``/__sim/faults``, as a client sees them.

Each fault answers in Salesforce's own shape, so a client's retry and renewal logic is
exercised for real: 503 with Retry-After, UNABLE_TO_LOCK_ROW per record at a seeded
rate, 401 INVALID_SESSION_ID after N calls, 403 REQUEST_LIMIT_EXCEEDED once the daily
budget is spent (with Sforce-Limit-Info on every answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from simorg import serve
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e

SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.fixture
def sim() -> Iterator[Served]:
    yield from serve(104)


def set_faults(sim: Served, **changes: Any) -> dict[str, Any]:
    response = sim.http.put(f"{sim.handle.instance_url}/__sim/faults", json=changes)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def limits(sim: Served) -> Any:
    return sim.http.get(f"{sim.base}/limits", headers=sim.auth)


def update_all(sim: Served) -> list[dict[str, Any]]:
    records = [
        {"attributes": {"type": "Lead"}, "id": lead_id, "Lead_Grade__c": "B"}
        for lead_id in sim.ids.leads
    ]
    response = sim.http.patch(
        f"{sim.base}/composite/sobjects",
        json={"allOrNone": False, "records": records},
        headers={**sim.auth, "Sforce-Auto-Assign": "FALSE"},
    )
    result: list[dict[str, Any]] = response.json()
    return result


def test_session_expires_after_the_configured_number_of_calls(sim: Served) -> None:
    set_faults(sim, session_ttl_calls=3)

    statuses = [limits(sim).status_code for _ in range(4)]
    expired = limits(sim)

    assert statuses == [200, 200, 200, 401]
    assert expired.json() == SESSION_EXPIRED


def test_simple_salesforce_sees_the_expiry_as_an_expired_session(sim: Served) -> None:
    set_faults(sim, session_ttl_calls=1)
    sim.sf.query("SELECT Id FROM Lead LIMIT 1")

    with pytest.raises(SalesforceExpiredSession):
        sim.sf.query("SELECT Id FROM Lead LIMIT 1")


def test_a_renewed_session_lives_n_more_calls(sim: Served) -> None:
    set_faults(sim, session_ttl_calls=2)
    assert [limits(sim).status_code for _ in range(3)] == [200, 200, 401]
    token = sim.handle.admin.issue_token()

    renewed = [
        sim.http.get(f"{sim.base}/limits", headers={"Authorization": f"Bearer {token}"})
        for _ in range(3)
    ]

    assert [r.status_code for r in renewed] == [200, 200, 401]


def test_lowering_the_daily_budget_refuses_calls_past_it_with_the_usage_header(
    sim: Served,
) -> None:
    set_faults(sim, daily_budget=2)

    answers = [limits(sim) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 403]
    assert answers[2].json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert [a.headers["Sforce-Limit-Info"] for a in answers] == [
        "api-usage=1/2",
        "api-usage=2/2",
        "api-usage=2/2",
    ]


def test_an_exhausted_budget_is_a_refused_request_for_simple_salesforce(sim: Served) -> None:
    set_faults(sim, exhaust_budget=True)

    with pytest.raises(SalesforceRefusedRequest) as refused:
        sim.sf.query("SELECT Id FROM Lead LIMIT 1")

    assert refused.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_row_locks_fail_a_seeded_share_of_records_and_stop_when_switched_off(
    sim: Served,
) -> None:
    set_faults(sim, lock_row_rate=0.3, seed=11)
    first = update_all(sim)
    set_faults(sim, lock_row_rate=0.3, seed=11)
    again = update_all(sim)
    set_faults(sim, lock_row_rate=0.0)
    clean = update_all(sim)

    locked = [r for r in first if not r["success"]]
    assert 10 <= len(locked) <= 50  # about 30 of 100
    assert {r["errors"][0]["statusCode"] for r in locked} == {"UNABLE_TO_LOCK_ROW"}
    assert [r["success"] for r in again] == [r["success"] for r in first]
    assert all(r["success"] for r in clean)


def test_503_with_retry_after_comes_and_goes_at_runtime(sim: Served) -> None:
    set_faults(sim, error_503_rate=1.0, retry_after_seconds=5)
    down = limits(sim)
    set_faults(sim, error_503_rate=0.0)
    up = limits(sim)

    assert (down.status_code, down.headers["Retry-After"]) == (503, "5")
    assert "Sforce-Limit-Info" in down.headers
    assert up.status_code == 200


def test_the_fault_endpoint_reports_what_is_in_force(sim: Served) -> None:
    set_faults(sim, latency_ms=20, session_ttl_calls=50, daily_budget=15_000)
    body = sim.http.get(f"{sim.handle.instance_url}/__sim/faults").json()

    assert body["latency_ms"] == 20
    assert body["session_ttl_calls"] == 50
    assert body["daily_budget"] == 15_000


def test_an_unknown_fault_is_refused(sim: Served) -> None:
    response = sim.http.put(f"{sim.handle.instance_url}/__sim/faults", json={"meteor": 1})

    assert response.status_code == 400
