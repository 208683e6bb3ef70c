"""The record store behaves like a Salesforce org: system fields, normalisation, lifecycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.org import Org, SimClock
from syncd.simulator.schema import LEAD, SCHEMA, is_valid_id, make_id, to_18
from syncd.simulator.values import normalize

# A non-UTC "now" catches naive or wrongly converted datetimes.
BERLIN_NOW = datetime(2026, 11, 20, 16, 30, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture
def org() -> Org:
    return Org(clock=SimClock(BERLIN_NOW))


def make_rep(org: Org, *, active: bool = True, name: str = "Reyes") -> str:
    return org.create(
        "User",
        {"Username": f"{name.lower()}@example.com", "LastName": name,
         "Email": f"{name.lower()}@example.com", "IsActive": active},
    )  # fmt: skip


def make_lead(org: Org, **overrides: Any) -> str:
    fields = {"FirstName": "Maria", "LastName": "Garcia", "Company": "Acme Corp",
              "Email": "maria@acme.example", "Status": "MQL", **overrides}  # fmt: skip
    return org.create("Lead", fields)


def test_ids_carry_the_case_safe_checksum_suffix() -> None:
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert make_id("00Q", 1) == "00Q5g0000000001EAA"
    assert is_valid_id(make_id("00Q", 916_132_831))
    assert not is_valid_id("00Q5g0000000001AAA")


def test_every_object_has_the_real_key_prefix() -> None:
    prefixes = {name: SCHEMA[name].key_prefix for name in SCHEMA}

    assert prefixes == {
        "Lead": "00Q", "Task": "00T", "Event": "00U", "User": "005", "Group": "00G",
        "Campaign": "701", "CampaignMember": "00v", "Opportunity": "006", "Account": "001",
        "Contact": "003", "BusinessHours": "01m", "Holiday": "0C0", "Organization": "00D",
        "LeadHistory": "017",
    }  # fmt: skip


NORMALISED = [
    pytest.param("Lead_Score__c", 72.5, 73.0, id="number-rounds-half-up-to-scale"),
    pytest.param("AnnualRevenue", "1200000.4", 1200000.0, id="numeric-string-accepted"),
    pytest.param("Title", "", None, id="empty-string-is-null"),
    pytest.param("SLA_Due__c", "2026-11-21T10:15:30.999+01:00",
                 datetime(2026, 11, 21, 9, 15, 30, tzinfo=UTC), id="datetime-to-utc-whole-seconds"),
    pytest.param("SLA_Due__c", "2026-11-21T09:15:30.000+0000",
                 datetime(2026, 11, 21, 9, 15, 30, tzinfo=UTC), id="salesforce-datetime-form"),
    pytest.param("ConvertedDate", "2026-11-21", date(2026, 11, 21), id="date"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "given", "stored"), NORMALISED)
def test_values_are_stored_in_salesforce_normal_form(field: str, given: Any, stored: Any) -> None:
    definition = LEAD.field(field)
    assert definition is not None

    assert normalize(definition, given) == stored


def test_load_fills_ids_and_system_fields(org: Org) -> None:
    (lead_id,) = org.load("Lead", [{"LastName": "Tanaka", "Company": "Initech"}])

    lead = org.get("Lead", lead_id)
    assert lead is not None
    assert lead_id.startswith("00Q")
    assert lead["Name"] == "Tanaka"
    assert lead["Status"] == "Open - Not Contacted"
    assert lead["IsDeleted"] is False
    assert lead["CreatedDate"] == lead["SystemModstamp"] == BERLIN_NOW.astimezone(UTC)


def test_load_refuses_unknown_or_miscased_fields(org: Org) -> None:
    with pytest.raises(ValueError, match="lastname"):
        org.load("Lead", [{"lastname": "Tanaka", "Company": "Initech"}])


def test_create_without_required_fields_is_required_field_missing(org: Org) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.create("Lead", {"FirstName": "Aiko"})

    assert caught.value.error_code == "REQUIRED_FIELD_MISSING"
    assert caught.value.fields == ["LastName", "Company"]


def test_system_modstamp_moves_on_every_change_by_anyone(org: Org) -> None:
    rep = make_rep(org)
    lead_id = make_lead(org)
    created = org.get("Lead", lead_id)
    assert created is not None

    org.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    org.update("Lead", lead_id, {"Rating": "Hot"}, by_user=rep)

    updated = org.get("Lead", lead_id)
    assert updated is not None
    assert updated["SystemModstamp"] == created["SystemModstamp"] + timedelta(minutes=5)
    assert updated["LastModifiedDate"] == updated["SystemModstamp"]
    assert updated["LastModifiedById"] == rep


def test_fifteen_character_id_addresses_the_same_record(org: Org) -> None:
    lead_id = make_lead(org)

    assert org.get("Lead", lead_id[:15]) == org.get("Lead", lead_id)


def test_assignment_rule_reowns_a_lead_only_when_asked(org: Org) -> None:
    rep = make_rep(org)

    assigned = org.create("Lead", {"LastName": "Patel", "Company": "Globex", "OwnerId": rep},
                          auto_assign=True)  # fmt: skip
    kept = org.create("Lead", {"LastName": "Wang", "Company": "Globex", "OwnerId": rep})

    assert org.get("Lead", assigned)["OwnerId"] == org.unassigned_queue_id()  # type: ignore[index]
    assert org.get("Lead", kept)["OwnerId"] == rep  # type: ignore[index]


def test_inactive_owner_is_refused(org: Org) -> None:
    gone = make_rep(org, active=False, name="Gone")
    lead_id = make_lead(org)

    with pytest.raises(SalesforceApiError) as caught:
        org.update("Lead", lead_id, {"OwnerId": gone})

    assert caught.value.error_code == "INACTIVE_OWNER_OR_USER"


def test_conversion_creates_account_contact_opportunity_and_freezes_the_lead(org: Org) -> None:
    rep = make_rep(org)
    lead_id = make_lead(org, OwnerId=rep)
    task_id = org.create("Task", {"WhoId": lead_id, "Subject": "Call", "Status": "Completed"})

    created = org.convert_lead(lead_id, opportunity_amount=48_000.0, won=True, by_user=rep)

    lead = org.get("Lead", lead_id)
    assert lead is not None
    assert lead["IsConverted"] is True
    assert lead["Status"] == "Closed - Converted"
    assert lead["ConvertedOpportunityId"] == created["opportunityId"]
    opportunity = org.get("Opportunity", str(created["opportunityId"]))
    assert opportunity is not None
    assert (opportunity["Amount"], opportunity["IsWon"]) == (48_000.0, True)
    assert org.get("Task", task_id)["WhoId"] == created["contactId"]  # type: ignore[index]
    with pytest.raises(SalesforceApiError, match="CANNOT_UPDATE_CONVERTED_LEAD"):
        org.update("Lead", lead_id, {"Rating": "Warm"})


def test_merge_deletes_losers_with_master_record_id_and_moves_activities(org: Org) -> None:
    master = make_lead(org)
    loser = make_lead(org, Email="maria.garcia@acme.example")
    task_id = org.create("Task", {"WhoId": loser, "Subject": "Email", "Status": "Completed"})

    org.merge_leads(master, [loser])

    merged = org.get("Lead", loser)
    assert merged is not None
    assert merged["IsDeleted"] is True
    assert merged["MasterRecordId"] == master
    assert org.get("Task", task_id)["WhoId"] == master  # type: ignore[index]
    now = org.now()
    assert [d.id for d in org.deleted_records("Lead", now - timedelta(minutes=1), now)] == [loser]


def test_updated_ids_window_is_inclusive_at_both_ends(org: Org) -> None:
    lead_id = make_lead(org)
    stamp = org.get("Lead", lead_id)["SystemModstamp"]  # type: ignore[index]

    assert org.updated_ids("Lead", stamp, stamp) == [lead_id]
    assert org.updated_ids("Lead", stamp + timedelta(seconds=1), stamp + timedelta(hours=1)) == []


def test_atomic_rollback_restores_records_and_removes_inserts(org: Org) -> None:
    lead_id = make_lead(org)
    before = org.get("Lead", lead_id)

    with org.atomic() as undo:
        org.update("Lead", lead_id, {"Rating": "Cold"})
        inserted = make_lead(org, LastName="Rossi")
        org.rollback(undo)

    assert org.get("Lead", lead_id) == before
    assert org.get("Lead", inserted) is None


def test_conversion_copies_messy_seeded_values_without_revalidating_them(org: Org) -> None:
    (lead_id,) = org.load(
        "Lead", [{"LastName": "Alexander", "Company": "Garcia Inc", "Email": " eric@garcia.com "}]
    )

    created = org.convert_lead(lead_id, won=None)

    contact = org.get("Contact", str(created["contactId"]))
    assert contact is not None
    assert contact["Email"] == " eric@garcia.com "


def test_api_write_of_a_malformed_email_is_refused(org: Org) -> None:
    lead_id = make_lead(org)

    with pytest.raises(SalesforceApiError, match="INVALID_EMAIL_ADDRESS"):
        org.update("Lead", lead_id, {"Email": "eric at garcia.com"})
