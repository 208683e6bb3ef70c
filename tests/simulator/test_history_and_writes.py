"""People's moves as Salesforce records them, and the org's log of accepted writes.

A rep's edit and an API write both move LastModifiedById/LastModifiedDate/SystemModstamp
and leave LeadHistory rows for tracked fields; a client reads them back over REST SOQL
(paged) and Bulk API 2.0. The write log lists exactly what the org accepted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from simorg import NOW, serve

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e

HISTORY_FIELDS = "Id, LeadId, Field, DataType, OldValue, NewValue, CreatedById, CreatedDate"
NO_AUTO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}


def soql(served: Served, text: str, **headers: str) -> list[dict[str, Any]]:
    """Every record of a query, following nextRecordsUrl as a client does."""
    response = served.http.get(
        f"{served.base}/query", params={"q": text}, headers={**served.auth, **headers}
    )
    body = response.json()
    records: list[dict[str, Any]] = body["records"]
    while not body["done"]:
        body = served.http.get(
            served.handle.instance_url + body["nextRecordsUrl"], headers=served.auth
        ).json()
        records.extend(body["records"])
    return records


def history(served: Served, lead_id: str) -> list[dict[str, Any]]:
    return soql(
        served,
        f"SELECT {HISTORY_FIELDS} FROM LeadHistory WHERE LeadId = '{lead_id}' "
        "ORDER BY CreatedDate, Id",
    )


def without_attributes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in ("attributes", "Id")} for row in rows]


@pytest.fixture
def sim() -> Iterator[Served]:
    """A fresh org with eight ordinary leads (and the converted/merged/deleted corner cases)."""
    yield from serve(12)


@pytest.fixture
def later(sim: Served) -> str:
    """The org clock moved an hour past the seed, as Salesforce formats that moment."""
    sim.handle.admin.advance_clock(timedelta(hours=1))
    return sim.handle.org.now().strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def test_a_reps_status_edit_stamps_the_lead_and_writes_one_history_row(
    sim: Served, later: str
) -> None:
    lead_id, rep = sim.ids.leads[0], sim.ids.second_rep
    before = sim.handle.org.get("Lead", lead_id)
    assert before is not None

    sim.handle.admin.edit_lead(lead_id, by=rep, Status="Sales Qualified")

    (lead,) = soql(
        sim,
        "SELECT LastModifiedById, LastModifiedDate, SystemModstamp FROM Lead "
        f"WHERE Id = '{lead_id}'",
    )
    assert (lead["LastModifiedById"], lead["LastModifiedDate"], lead["SystemModstamp"]) == (
        rep,
        later,
        later,
    )
    assert without_attributes(history(sim, lead_id)) == [
        {
            "LeadId": lead_id,
            "Field": "Status",
            "DataType": "DynamicEnum",
            "OldValue": before["Status"],
            "NewValue": "Sales Qualified",
            "CreatedById": rep,
            "CreatedDate": later,
        }
    ]


def test_an_owner_change_is_recorded_twice_as_salesforce_does_ids_then_names(
    sim: Served, later: str
) -> None:
    lead_id = sim.ids.leads[0]  # owned by Dana Reyes
    sim.handle.admin.edit_lead(lead_id, by=sim.ids.rep, OwnerId=sim.ids.second_rep)

    rows = [
        (r["Field"], r["DataType"], r["OldValue"], r["NewValue"]) for r in history(sim, lead_id)
    ]

    assert rows == [
        ("Owner", "EntityId", sim.ids.rep, sim.ids.second_rep),
        ("Owner", "Text", "Dana Reyes", "Li Wei"),
    ]


def test_untracked_and_unchanged_fields_leave_no_history(sim: Served, later: str) -> None:
    lead_id = sim.ids.leads[1]
    status = sim.handle.org.get("Lead", lead_id)["Status"]  # type: ignore[index]

    sim.handle.admin.edit_lead(lead_id, by=sim.ids.rep, Title="COO", Status=status)

    assert history(sim, lead_id) == []


def test_an_integration_users_api_write_writes_history_too(sim: Served, later: str) -> None:
    lead_id = sim.ids.leads[2]

    response = sim.http.patch(
        f"{sim.base}/sobjects/Lead/{lead_id}",
        json={"Lead_Grade__c": "A", "Lead_Score__c": 88},
        headers={**sim.auth, **NO_AUTO_ASSIGN},
    )

    assert response.status_code == 204
    rows = history(sim, lead_id)
    # Lead_Grade__c is tracked in this org, Lead_Score__c is not.
    assert [(r["Field"], r["DataType"], r["NewValue"], r["CreatedById"]) for r in rows] == [
        ("Lead_Grade__c", "Text", "A", sim.handle.org.integration_user_id)
    ]


def test_a_lead_created_through_the_api_gets_a_created_history_row(sim: Served) -> None:
    response = sim.http.post(
        f"{sim.base}/sobjects/Lead",
        json={"LastName": "Okafor", "Company": "Globex", "OwnerId": sim.ids.rep},
        headers={**sim.auth, **NO_AUTO_ASSIGN},
    )

    rows = history(sim, response.json()["id"])
    assert [(r["Field"], r["OldValue"], r["NewValue"]) for r in rows] == [("created", None, None)]


def test_lead_history_pages_like_any_query(sim: Served) -> None:
    lead_id = sim.ids.leads[0]
    for i in range(250):
        sim.handle.admin.edit_lead(lead_id, by=sim.ids.rep, Rating=("Hot", "Cold")[i % 2])

    first = sim.http.get(
        f"{sim.base}/query",
        params={"q": f"SELECT {HISTORY_FIELDS} FROM LeadHistory WHERE Field = 'Rating'"},
        headers={**sim.auth, "Sforce-Query-Options": "batchSize=200"},
    ).json()
    rows = soql(
        sim,
        f"SELECT {HISTORY_FIELDS} FROM LeadHistory WHERE Field = 'Rating'",
        **{"Sforce-Query-Options": "batchSize=200"},
    )

    assert (first["totalSize"], len(first["records"]), first["done"]) == (250, 200, False)
    assert len(rows) == 250
    assert rows[-1]["NewValue"] == "Cold"


def test_lead_history_is_readable_through_a_bulk_query_job(sim: Served) -> None:
    lead_id = sim.ids.leads[3]
    sim.handle.admin.edit_lead(lead_id, by=sim.ids.rep, LeadSource="Partner")
    job = sim.http.post(
        f"{sim.base}/jobs/query",
        json={
            "operation": "query",
            "query": f"SELECT LeadId, Field, OldValue, NewValue FROM LeadHistory "
            f"WHERE LeadId = '{lead_id}'",
        },
        headers=sim.auth,
    ).json()

    text = sim.http.get(f"{sim.base}/jobs/query/{job['id']}/results", headers=sim.auth).text

    old = "Web"  # leads[3]: i % 4 != 0 seeds "Web"
    assert list(csv.DictReader(io.StringIO(text))) == [
        {"LeadId": lead_id, "Field": "LeadSource", "OldValue": old, "NewValue": "Partner"}
    ]


def test_reps_simulation_edits_carry_the_rep_and_history(sim: Served) -> None:
    # The reps tick uses Org.update with by_user, the very path edit_lead takes.
    from syncd.simulator.people import edit_lead

    lead = edit_lead(sim.handle.org, sim.ids.leads[4], by=sim.ids.second_rep, Rating="Warm")

    assert lead["LastModifiedById"] == sim.ids.second_rep
    assert [r["Field"] for r in sim.handle.admin.history(sim.ids.leads[4])] == ["Rating"]


def test_lead_history_is_read_only_to_the_api(sim: Served) -> None:
    sim.handle.admin.edit_lead(sim.ids.leads[0], by=sim.ids.rep, Rating="Hot")
    (row,) = history(sim, sim.ids.leads[0])

    create = sim.http.post(f"{sim.base}/sobjects/LeadHistory", json={}, headers=sim.auth)
    delete = sim.http.delete(f"{sim.base}/sobjects/LeadHistory/{row['Id']}", headers=sim.auth)
    described = sim.http.get(f"{sim.base}/sobjects/LeadHistory/describe", headers=sim.auth).json()

    assert create.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
    assert delete.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
    assert (described["createable"], described["updateable"], described["deletable"]) == (
        False,
        False,
        False,
    )
    fields = {f["name"]: f["type"] for f in described["fields"]}
    assert (fields["OldValue"], fields["NewValue"], fields["Field"]) == (
        "anyType",
        "anyType",
        "picklist",
    )


# --- activities a marketing system creates -------------------------------------------------


def test_injected_web_activity_is_a_completed_task_at_its_own_time(sim: Served) -> None:
    lead_id = sim.ids.leads[0]
    at = NOW - timedelta(days=3)

    task_id = sim.handle.admin.inject_activity(lead_id, "Pricing Page Visit", at=at)

    (task,) = soql(
        sim,
        "SELECT WhoId, Type, Status, ActivityDate, CreatedDate, IsClosed FROM Task "
        f"WHERE Id = '{task_id}'",
    )
    assert {k: v for k, v in task.items() if k != "attributes"} == {
        "WhoId": lead_id,
        "Type": "Pricing Page Visit",
        "Status": "Completed",
        "ActivityDate": "2026-11-17",
        "CreatedDate": "2026-11-17T15:30:00.000+0000",
        "IsClosed": True,
    }


def test_injected_campaign_response_is_a_responded_campaign_member(sim: Served) -> None:
    lead_id = sim.ids.leads[1]

    response = sim.http.post(
        f"{sim.handle.instance_url}/__sim/activities",
        json={"lead_id": lead_id, "kind": "CampaignMember"},
    )

    member_id = response.json()["id"]
    (member,) = soql(
        sim, f"SELECT LeadId, Status, HasResponded FROM CampaignMember WHERE Id = '{member_id}'"
    )
    assert (member["LeadId"], member["Status"], member["HasResponded"]) == (
        lead_id,
        "Responded",
        True,
    )


def test_unknown_activity_kind_is_refused_by_the_admin_api(sim: Served) -> None:
    response = sim.http.post(
        f"{sim.handle.instance_url}/__sim/activities",
        json={"lead_id": sim.ids.leads[0], "kind": "Carrier Pigeon"},
    )

    assert response.status_code == 400
    assert "Carrier Pigeon" in response.json()["error"]


# --- the write log --------------------------------------------------------------------------


def test_write_log_lists_each_accepted_write_with_fields_author_and_counts(sim: Served) -> None:
    sim.handle.admin.reset_writes()
    leads = sim.ids.leads[:3]
    records = [
        {"attributes": {"type": "Lead"}, "id": lead_id, "Lead_Score__c": 70 + i}
        for i, lead_id in enumerate(leads)
    ]
    sim.http.patch(
        f"{sim.base}/composite/sobjects",
        json={"allOrNone": False, "records": records},
        headers={**sim.auth, **NO_AUTO_ASSIGN},
    )
    sim.handle.admin.edit_lead(leads[0], by=sim.ids.rep, Status="Sales Accepted")

    body = sim.http.get(f"{sim.handle.instance_url}/__sim/writes").json()

    integration = sim.handle.org.integration_user_id
    assert [(w["object"], w["op"], w["id"], w["fields"], w["by"]) for w in body["writes"]] == [
        ("Lead", "update", leads[0], {"Lead_Score__c": 70.0}, integration),
        ("Lead", "update", leads[1], {"Lead_Score__c": 71.0}, integration),
        ("Lead", "update", leads[2], {"Lead_Score__c": 72.0}, integration),
        ("Lead", "update", leads[0], {"Status": "Sales Accepted"}, sim.ids.rep),
    ]
    assert body["counts"] == {"Lead": {"update": 4}}
    assert sim.handle.admin.write_counts(by=integration) == {"Lead": {"update": 3}}


def test_write_log_filters_by_author_over_http(sim: Served) -> None:
    sim.handle.admin.reset_writes()
    sim.handle.admin.edit_lead(sim.ids.leads[0], by=sim.ids.rep, Rating="Hot")
    sim.handle.admin.inject_activity(sim.ids.leads[0], "Demo View")

    body = sim.http.get(
        f"{sim.handle.instance_url}/__sim/writes", params={"by": sim.ids.rep}
    ).json()

    assert [(w["object"], w["op"], w["changed"]) for w in body["writes"]] == [
        ("Lead", "update", ["Rating"])
    ]


def test_all_or_none_rollback_leaves_no_write_and_no_history(sim: Served) -> None:
    sim.handle.admin.reset_writes()
    good, converted = sim.ids.leads[0], sim.ids.converted_lead
    records = [
        {"attributes": {"type": "Lead"}, "id": good, "Lead_Grade__c": "A"},
        {"attributes": {"type": "Lead"}, "id": converted, "Lead_Grade__c": "A"},
    ]

    results = sim.http.patch(
        f"{sim.base}/composite/sobjects",
        json={"allOrNone": True, "records": records},
        headers={**sim.auth, **NO_AUTO_ASSIGN},
    ).json()

    assert [r["success"] for r in results] == [False, False]
    assert sim.handle.admin.writes() == []
    assert history(sim, good) == []


def test_bulk_ingest_updates_are_logged_and_leave_history(sim: Served) -> None:
    sim.handle.admin.reset_writes()
    lead_id = sim.ids.leads[5]
    jobs = f"{sim.base}/jobs/ingest"
    job = sim.http.post(
        jobs,
        json={"object": "Lead", "operation": "update", "contentType": "CSV"},
        headers=sim.auth,
    ).json()
    sim.http.put(
        f"{jobs}/{job['id']}/batches",
        data=f"Id,Lead_Grade__c\n{lead_id},C\n".encode(),
        headers={**sim.auth, "Content-Type": "text/csv"},
    )

    sim.http.patch(f"{jobs}/{job['id']}", json={"state": "UploadComplete"}, headers=sim.auth)

    (write,) = sim.handle.admin.writes()
    assert (write.op, write.id, dict(write.fields)) == ("update", lead_id, {"Lead_Grade__c": "C"})
    assert [(r["Field"], r["NewValue"]) for r in history(sim, lead_id)] == [("Lead_Grade__c", "C")]


def test_merged_and_converted_leads_carry_their_lifecycle_rows(sim: Served) -> None:
    merged = [r["Field"] for r in sim.handle.admin.history(sim.ids.merged_master)]
    converted = [r["Field"] for r in sim.handle.admin.history(sim.ids.converted_lead)]

    assert merged == ["leadMerged"]
    assert converted == ["Status", "leadConverted"]


def test_deletes_are_logged_as_deletes(sim: Served) -> None:
    sim.handle.admin.reset_writes()
    lead_id = sim.ids.leads[4]

    sim.http.delete(f"{sim.base}/sobjects/Lead/{lead_id}", headers=sim.auth)

    (write,) = sim.handle.admin.writes()
    assert (write.sobject, write.op, write.id) == ("Lead", "delete", lead_id)
