"""The Salesforce adapter against the simulator over HTTPS (STYLE.md item 6: the same
behaviours the `responses` tests prove, now end to end: TLS through REQUESTS_CA_BUNDLE,
paging, queryAll, composite per-record results, Bulk API 2.0, sessions and the budget)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from syncd.salesforce import (
    AuthError,
    BudgetExhausted,
    ErrorKind,
    RecordOutcome,
    RetryPolicy,
    SalesforceClient,
)
from syncd.settings import JwtBearerLogin, Secret, SessionLogin
from syncd.simulator.oauth import OAuthConfig
from syncd.simulator.server import SimulatorHandle, start_simulator

pytestmark = pytest.mark.e2e

API = "62.0"
LEAD_FIELDS = "Id, LastName, Company, Status, OwnerId, IsDeleted, MasterRecordId, SystemModstamp"


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorHandle]:
    with start_simulator() as handle:
        # The simulator's CA reaches requests the way production config would: the environment.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.ca_bundle)
        yield handle


def client_for(sim: SimulatorHandle, **options: Any) -> SalesforceClient:
    login = SessionLogin(sim.instance_url, Secret(sim.access_token))
    return SalesforceClient(
        login, api_version=API, retry=RetryPolicy(jitter=False), sleep=lambda _: None, **options
    )


def load_leads(sim: SimulatorHandle, n: int) -> list[str]:
    return sim.org.load(
        "Lead",
        [
            {
                "LastName": f"Rivera {i}",
                "Company": f"Northwind {i}",
                "Status": "Open - Not Contacted",
            }
            for i in range(n)
        ],
    )


def stored(sim: SimulatorHandle, lead_id: str, field: str) -> Any:
    """What the org now holds in one field of one lead."""
    record = sim.org.get("Lead", lead_id)
    assert record is not None
    return record[field]


def test_query_pages_through_450_leads_in_three_pages(sim: SimulatorHandle) -> None:
    ids = load_leads(sim, 450)
    client = client_for(sim)

    pages = list(
        client.query_pages(
            f"SELECT {LEAD_FIELDS} FROM Lead ORDER BY SystemModstamp, Id", batch_size=200
        )
    )

    assert [len(p) for p in pages] == [200, 200, 50]
    assert sorted(r["Id"] for p in pages for r in p) == sorted(ids)
    assert all("attributes" not in r for p in pages for r in p)
    assert client.calls_made == sim.admin.api_calls == 3
    assert client.usage is not None
    assert client.usage.used == 3


def test_query_all_returns_the_merged_loser_with_its_master(sim: SimulatorHandle) -> None:
    survivor, loser, _ = load_leads(sim, 3)
    sim.org.merge_leads(survivor, [loser])
    client = client_for(sim)

    live = {r["Id"] for r in client.query(f"SELECT {LEAD_FIELDS} FROM Lead")}
    everything = {
        r["Id"]: r for r in client.query(f"SELECT {LEAD_FIELDS} FROM Lead", include_deleted=True)
    }

    assert loser not in live
    assert everything[loser]["IsDeleted"] is True
    assert everything[loser]["MasterRecordId"] == survivor


def test_composite_update_answers_per_record_in_order(sim: SimulatorHandle) -> None:
    ok, converted, deleted, bad_status = load_leads(sim, 4)
    sim.org.convert_lead(converted)
    sim.org.delete("Lead", deleted)
    client = client_for(sim)

    results = client.update_records(
        "Lead",
        [
            {"Id": ok, "Status": "Working - Contacted"},
            {"Id": converted, "Status": "Working - Contacted"},
            {"Id": deleted, "Status": "Working - Contacted"},
            {"Id": bad_status, "Status": "Maybe Later"},
        ],
    )

    assert [(r.outcome, r.errors[0]["statusCode"] if r.errors else None) for r in results] == [
        (RecordOutcome.SUCCESS, None),
        (RecordOutcome.FAILED, "CANNOT_UPDATE_CONVERTED_LEAD"),
        (RecordOutcome.FAILED, "ENTITY_IS_DELETED"),
        (RecordOutcome.FAILED, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ]
    assert stored(sim, ok, "Status") == "Working - Contacted"
    assert client.calls_made == 1


def test_the_owner_we_write_is_kept_because_auto_assign_is_off(sim: SimulatorHandle) -> None:
    (lead,) = load_leads(sim, 1)
    client = client_for(sim)

    client.update_records("Lead", [{"Id": lead, "OwnerId": sim.org.integration_user_id}])

    assert stored(sim, lead, "OwnerId") == sim.org.integration_user_id


def test_450_updates_take_three_collection_calls(sim: SimulatorHandle) -> None:
    ids = load_leads(sim, 450)
    client = client_for(sim)

    results = client.update_records("Lead", [{"Id": i, "Company": "Contoso"} for i in ids])

    assert all(r.outcome is RecordOutcome.SUCCESS for r in results)
    assert [r.id for r in results] == ids
    assert client.calls_by_kind["composite_update"] == 3
    assert sim.admin.api_calls == 3


def test_bulk_query_follows_the_locator_over_pages(sim: SimulatorHandle) -> None:
    ids = load_leads(sim, 25)
    sim.org.convert_lead(ids[0])
    client = client_for(sim)

    rows = list(
        client.bulk_query(
            "SELECT Id, LastName, IsConverted, NumberOfEmployees, SystemModstamp FROM Lead",
            max_records=10,
        )
    )

    assert sorted(r["Id"] for r in rows) == sorted(ids)
    by_id = {r["Id"]: r for r in rows}
    assert by_id[ids[0]]["IsConverted"] is True
    assert by_id[ids[1]]["IsConverted"] is False
    assert by_id[ids[1]]["NumberOfEmployees"] is None
    assert by_id[ids[1]]["SystemModstamp"].endswith("+0000")
    assert client.calls_by_kind["bulk_query"] >= 2 + 3  # create, poll(s), three result pages


def test_bulk_update_maps_a_failed_row_back_to_its_record(sim: SimulatorHandle) -> None:
    ids = load_leads(sim, 5)
    sim.org.convert_lead(ids[2])
    client = client_for(sim)

    results = client.bulk_update(
        "Lead",
        [{"Id": i, "Status": "Working - Contacted", "Company": None} for i in ids[:1]]
        + [{"Id": i, "Status": "Working - Contacted"} for i in ids[1:]],
    )

    assert [r.outcome for r in results] == [
        RecordOutcome.FAILED,  # Company is required on Lead: #N/A (null) is refused
        RecordOutcome.SUCCESS,
        RecordOutcome.FAILED,
        RecordOutcome.SUCCESS,
        RecordOutcome.SUCCESS,
    ]
    assert results[2].errors[0]["statusCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert stored(sim, ids[1], "Status") == "Working - Contacted"


def test_an_expired_bare_session_is_fatal(sim: SimulatorHandle) -> None:
    load_leads(sim, 1)
    client = client_for(sim)
    client.query("SELECT Id FROM Lead")  # the session worked...
    sim.admin.expire_sessions()  # ...and then expired

    with pytest.raises(AuthError, match="cannot be refreshed") as raised:
        client.query("SELECT Id FROM Lead")
    assert raised.value.kind is ErrorKind.FATAL


def test_an_expired_jwt_session_logs_in_again_and_carries_on(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "server.key"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    oauth = OAuthConfig(public_key_pem=public_pem.decode())
    with start_simulator(oauth=oauth, token_ttl_calls=2) as sim, pytest.MonkeyPatch.context() as mp:
        mp.setenv("REQUESTS_CA_BUNDLE", sim.ca_bundle)
        load_leads(sim, 3)
        login = JwtBearerLogin(
            "integration@syncd.example.com", oauth.consumer_key, key_file, sim.instance_url
        )
        client = SalesforceClient(login, api_version=API, sleep=lambda _: None)

        counts = [client.count("SELECT COUNT() FROM Lead") for _ in range(3)]

    assert counts == [3, 3, 3]
    assert client.calls_by_kind["auth"] == 2  # the first login, and one after the expiry


def test_a_spent_org_quota_is_budget_exhausted_without_retries(sim: SimulatorHandle) -> None:
    sim.admin.exhaust_budget()
    client = client_for(sim)

    with pytest.raises(BudgetExhausted):
        client.query("SELECT Id FROM Lead")
    assert client.calls_made == 1
