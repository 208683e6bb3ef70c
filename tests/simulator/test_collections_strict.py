"""sObject Collections where Salesforce is strict: retrieve, and validation rules per record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from simorg import serve

from syncd.simulator.validation import ValidationRule

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e

NO_AUTO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}
DISQUALIFY_NEEDS_REASON = ValidationRule(
    name="Disqualified_Needs_Reason",
    sobject="Lead",
    when_field="Status",
    when_values=("Disqualified",),
    required_field="Description",
    message="Say why the lead is disqualified in Description.",
    error_field="Description",
)
REJECTED = {
    "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    "message": "Say why the lead is disqualified in Description.",
    "fields": ["Description"],
}


@pytest.fixture
def sim() -> Iterator[Served]:
    yield from serve(8)


def patch(sim: Served, records: list[dict[str, Any]], *, all_or_none: bool) -> Any:
    return sim.http.patch(
        f"{sim.base}/composite/sobjects",
        json={"allOrNone": all_or_none, "records": records},
        headers={**sim.auth, **NO_AUTO_ASSIGN},
    )


def lead(lead_id: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "id": lead_id, **fields}


# --- retrieve ----------------------------------------------------------------------------


def test_retrieve_by_get_answers_records_in_id_order_and_null_for_missing(sim: Served) -> None:
    first, second = sim.ids.leads[:2]
    ids = [second, "00Q5g0000000999AAA", first, sim.ids.deleted_lead]

    response = sim.http.get(
        f"{sim.base}/composite/sobjects/Lead",
        params={"ids": ",".join(ids), "fields": "Id,LastName,Status"},
        headers=sim.auth,
    )

    assert response.status_code == 200
    body = response.json()
    assert [r and r["Id"] for r in body] == [second, None, first, None]
    assert body[0]["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v59.0/sobjects/Lead/{second}",
    }
    assert set(body[2]) == {"attributes", "Id", "LastName", "Status"}


def test_retrieve_by_post_takes_ids_and_fields_in_the_body(sim: Served) -> None:
    response = sim.http.post(
        f"{sim.base}/composite/sobjects/Lead",
        json={"ids": sim.ids.leads[:3], "fields": ["OwnerId", "Lead_Score__c"]},
        headers=sim.auth,
    )

    assert [r["OwnerId"] for r in response.json()] == [
        sim.ids.rep,
        sim.ids.second_rep,
        sim.ids.rep,
    ]


def test_retrieve_with_an_unknown_field_fails_the_call(sim: Served) -> None:
    response = sim.http.get(
        f"{sim.base}/composite/sobjects/Lead",
        params={"ids": sim.ids.leads[0], "fields": "Id,Shoe_Size__c"},
        headers=sim.auth,
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


# --- validation rules ----------------------------------------------------------------------


def test_validation_rule_rejects_only_its_record_when_not_all_or_none(sim: Served) -> None:
    sim.handle.admin.add_validation_rule(DISQUALIFY_NEEDS_REASON)
    a, b, c = sim.ids.leads[:3]

    results = patch(
        sim,
        [
            lead(a, Lead_Grade__c="C"),
            lead(b, Status="Disqualified"),
            lead(c, Status="Disqualified", Description="Student, no budget"),
        ],
        all_or_none=False,
    ).json()

    assert results == [
        {"id": a, "success": True, "errors": []},
        {"id": b, "success": False, "errors": [REJECTED]},
        {"id": c, "success": True, "errors": []},
    ]
    assert sim.handle.org.get("Lead", b)["Status"] != "Disqualified"  # type: ignore[index]


def test_validation_rule_rolls_back_every_record_when_all_or_none(sim: Served) -> None:
    sim.handle.admin.add_validation_rule(DISQUALIFY_NEEDS_REASON)
    sim.handle.admin.reset_writes()
    a, b = sim.ids.leads[:2]

    results = patch(
        sim, [lead(a, Lead_Grade__c="C"), lead(b, Status="Disqualified")], all_or_none=True
    ).json()

    assert results[1] == {"id": b, "success": False, "errors": [REJECTED]}
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sim.handle.org.get("Lead", a)["Lead_Grade__c"] is None  # type: ignore[index]
    assert sim.handle.admin.writes() == []


def test_validation_rule_sees_the_stored_value_of_fields_not_sent(sim: Served) -> None:
    sim.handle.admin.add_validation_rule(DISQUALIFY_NEEDS_REASON)
    lead_id = sim.ids.leads[0]
    sim.handle.admin.edit_lead(lead_id, by=sim.ids.rep, Description="Competitor's employee")

    results = patch(sim, [lead(lead_id, Status="Disqualified")], all_or_none=False).json()

    assert results == [{"id": lead_id, "success": True, "errors": []}]


def test_validation_rules_are_set_over_the_admin_api_and_refuse_single_patches(
    sim: Served,
) -> None:
    admin = f"{sim.handle.instance_url}/__sim/validation-rules"
    put = sim.http.put(admin, json={"rules": [DISQUALIFY_NEEDS_REASON.to_json()]})

    response = sim.http.patch(
        f"{sim.base}/sobjects/Lead/{sim.ids.leads[0]}",
        json={"Status": "Disqualified"},
        headers={**sim.auth, **NO_AUTO_ASSIGN},
    )

    assert put.status_code == 200
    assert sim.http.get(admin).json() == [DISQUALIFY_NEEDS_REASON.to_json()]
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": REJECTED["message"],
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["Description"],
        }
    ]
