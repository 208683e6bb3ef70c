"""Relationship fields in SOQL, one level deep, shaped as Salesforce answers them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from simorg import serve

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sim() -> Iterator[Served]:
    yield from serve(12)


def query(sim: Served, text: str) -> Any:
    return sim.http.get(f"{sim.base}/query", params={"q": text}, headers=sim.auth)


def test_owner_fields_nest_under_the_relationship_through_the_name_object(sim: Served) -> None:
    lead_id = sim.ids.leads[0]

    (record,) = query(
        sim,
        f"SELECT Id, Owner.Name, Owner.Username, Owner.IsActive, Status FROM Lead "
        f"WHERE Id = '{lead_id}'",
    ).json()["records"]

    assert list(record) == ["attributes", "Id", "Owner", "Status"]
    assert record["Owner"] == {
        "attributes": {
            "type": "Name",  # Lead.Owner is polymorphic: a User or a Queue
            "url": f"/services/data/v59.0/sobjects/User/{sim.ids.rep}",
        },
        "Name": "Dana Reyes",
        "Username": "dana.rep@example.com",
        "IsActive": True,
    }


def test_a_queue_owner_answers_type_queue_and_no_username(sim: Served) -> None:
    lead_id = sim.ids.leads[1]
    sim.handle.admin.edit_lead(lead_id, by=sim.ids.rep, OwnerId=sim.ids.nurture_queue)

    (record,) = query(
        sim, f"SELECT Owner.Name, Owner.Type, Owner.Username FROM Lead WHERE Id = '{lead_id}'"
    ).json()["records"]

    owner = {k: v for k, v in record["Owner"].items() if k != "attributes"}
    assert owner == {"Name": "Marketing Nurture", "Type": "Queue", "Username": None}


def test_polymorphic_who_gives_name_and_type_of_the_lead(sim: Served) -> None:
    records = query(
        sim,
        f"SELECT Id, Who.Name, Who.Type, What.Name FROM Task WHERE WhoId = '{sim.ids.leads[2]}'",
    ).json()["records"]

    assert records
    lead = sim.handle.org.get("Lead", sim.ids.leads[2])
    assert lead is not None
    for task in records:
        assert task["Who"]["attributes"]["type"] == "Name"
        assert (task["Who"]["Name"], task["Who"]["Type"]) == (lead["Name"], "Lead")
        assert task["What"] is None  # no WhatId: the relationship is null


def test_a_single_target_lookup_reaches_any_field_of_its_object(sim: Served) -> None:
    lead_id = sim.ids.leads[0]
    (record,) = query(
        sim, f"SELECT CreatedBy.Name, CreatedBy.TimeZoneSidKey FROM Lead WHERE Id = '{lead_id}'"
    ).json()["records"]

    assert record["CreatedBy"]["attributes"]["type"] == "User"
    assert record["CreatedBy"]["TimeZoneSidKey"] == "GMT"  # the integration user loaded it


@pytest.mark.parametrize(
    ("soql", "message_start"),
    [
        ("SELECT Owner.Company FROM Lead", "No such column 'Company' on entity 'Name'"),
        ("SELECT Who.Company FROM Task", "No such column 'Company' on entity 'Name'"),
        ("SELECT Boss.Name FROM Lead", "Didn't understand relationship 'Boss'"),
        ("SELECT CreatedBy.Shoe__c FROM Lead", "No such column 'Shoe__c' on entity 'User'"),
    ],
    ids=["name-object-field-only", "polymorphic-who", "unknown-relationship", "unknown-field"],
)
def test_unknown_relationship_fields_are_invalid_field(
    sim: Served, soql: str, message_start: str
) -> None:
    response = query(sim, soql)

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert response.json()[0]["message"].startswith(message_start)


def test_bulk_query_flattens_relationship_fields_into_dotted_columns(sim: Served) -> None:
    lead_id = sim.ids.leads[3]
    job = sim.http.post(
        f"{sim.base}/jobs/query",
        json={
            "operation": "query",
            "query": f"SELECT Id, Owner.Name FROM Lead WHERE Id = '{lead_id}'",
        },
        headers=sim.auth,
    ).json()

    text = sim.http.get(f"{sim.base}/jobs/query/{job['id']}/results", headers=sim.auth).text

    assert list(csv.DictReader(io.StringIO(text))) == [{"Id": lead_id, "Owner.Name": "Li Wei"}]


def test_simple_salesforce_reads_nested_owner_names(sim: Served) -> None:
    result = sim.sf.query_all("SELECT Owner.Name FROM Lead WHERE IsConverted = false")

    names = {r["Owner"]["Name"] for r in result["records"]}
    assert {"Dana Reyes", "Li Wei"} <= names


# --- FIELDS() ------------------------------------------------------------------------------


def test_fields_standard_selects_every_standard_field_and_no_custom_one(sim: Served) -> None:
    (record,) = query(
        sim, f"SELECT FIELDS(STANDARD) FROM Lead WHERE Id = '{sim.ids.leads[0]}'"
    ).json()["records"]

    assert {"Id", "Status", "OwnerId", "SystemModstamp"} <= set(record)
    assert not [name for name in record if name.endswith("__c")]


def test_fields_custom_with_a_small_limit_selects_the_custom_fields(sim: Served) -> None:
    records = query(sim, "SELECT Id, FIELDS(CUSTOM) FROM Lead LIMIT 5").json()["records"]

    assert len(records) == 5
    assert set(records[0]) == {
        "attributes", "Id", "Lead_Score__c", "Lead_Grade__c", "Score_Reason__c", "SLA_Due__c",
        "Recycle_Count__c", "Lead_Source_Detail__c", "Data_Quality__c",
    }  # fmt: skip


@pytest.mark.parametrize(
    "soql",
    ["SELECT FIELDS(ALL) FROM Lead", "SELECT FIELDS(CUSTOM) FROM Lead LIMIT 201"],
    ids=["all-without-limit", "custom-over-200"],
)
def test_unbounded_fields_groups_need_a_limit_of_200(sim: Served, soql: str) -> None:
    response = query(sim, soql)

    assert response.status_code == 400
    assert response.json()[0] == {
        "message": "The SOQL FIELDS function must have a LIMIT of at most 200",
        "errorCode": "MALFORMED_QUERY",
        "fields": [],
    }
