"""The simulator speaks Salesforce's API as simple-salesforce expects it.

Every test here drives the simulator only through simple-salesforce (plus the admin
handle to read call counts): if one fails, a real client would break too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from simple_salesforce import Salesforce

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e

SF_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$")
NO_AUTO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}


def test_query_all_iter_follows_next_records_url_over_three_pages(served: Served) -> None:
    before = served.handle.admin.stats()["api_calls"]["by_endpoint"]

    records = list(served.sf.query_all_iter("SELECT Id, Name, Status FROM Lead"))

    after = served.handle.admin.stats()["api_calls"]["by_endpoint"]
    assert len(records) == served.ids.live_leads
    assert len({r["Id"] for r in records}) == served.ids.live_leads
    pages = after["GET query/{locator}"] - before.get("GET query/{locator}", 0)
    assert pages == 2  # 2,000 + 2,000 on the first two pages, the rest on the third


def test_query_page_holds_2000_records_and_a_next_records_url(served: Served) -> None:
    page = served.sf.query("SELECT Id FROM Lead")

    assert page["totalSize"] == served.ids.live_leads
    assert page["done"] is False
    assert len(page["records"]) == 2000
    assert re.fullmatch(r"/services/data/v59\.0/query/01g\w{15}-2000", page["nextRecordsUrl"])


def test_query_honours_the_batch_size_query_option(served: Served) -> None:
    page = served.sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=200"})

    assert len(page["records"]) == 200
    assert page["nextRecordsUrl"].endswith("-200")


def test_query_records_carry_attributes_and_salesforce_datetimes(served: Served) -> None:
    lead_id = served.ids.leads[0]

    page = served.sf.query(
        f"SELECT Id, SystemModstamp, CreatedDate FROM Lead WHERE Id = '{lead_id}'"
    )

    (record,) = page["records"]
    assert record["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v59.0/sobjects/Lead/{lead_id}",
    }
    assert SF_DATETIME.match(record["SystemModstamp"])
    assert list(record) == ["attributes", "Id", "SystemModstamp", "CreatedDate"]


def test_query_all_returns_merged_losers_with_their_master(served: Served) -> None:
    loser = served.ids.merged_loser

    live = served.sf.query(f"SELECT Id FROM Lead WHERE Id = '{loser}'")
    everything = served.sf.query_all(
        f"SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id = '{loser}'",
        include_deleted=True,
    )

    assert live["totalSize"] == 0
    (record,) = everything["records"]
    assert record["IsDeleted"] is True
    assert record["MasterRecordId"] == served.ids.merged_master


def test_count_query_answers_total_size_without_records(served: Served) -> None:
    result = served.sf.query("SELECT COUNT() FROM Lead WHERE Status = 'MQL'")

    expected = sum(
        1 for r in served.handle.org.records("Lead") if r["Status"] == "MQL" and not r["IsDeleted"]
    )
    assert result == {"totalSize": expected, "done": True, "records": []}


def test_describe_reports_types_lengths_updateability_and_picklists(served: Served) -> None:
    fields = {f["name"]: f for f in served.sf.Lead.describe()["fields"]}

    assert fields["Status"]["type"] == "picklist"
    assert fields["Status"]["restrictedPicklist"] is True
    assert "MQL" in [v["value"] for v in fields["Status"]["picklistValues"]]
    assert (fields["Lead_Score__c"]["type"], fields["Lead_Score__c"]["precision"]) == ("double", 5)
    assert fields["Lead_Score__c"]["custom"] is True
    assert fields["Company"]["length"] == 255
    assert fields["Name"]["updateable"] is False
    assert fields["OwnerId"]["referenceTo"] == ["Group", "User"]
    assert fields["LastName"]["nillable"] is False


def test_describe_global_lists_every_object_with_its_key_prefix(served: Served) -> None:
    prefixes = {o["name"]: o["keyPrefix"] for o in served.sf.describe()["sobjects"]}

    assert prefixes["Lead"] == "00Q"
    assert prefixes["Task"] == "00T"
    assert prefixes["BusinessHours"] == "01m"
    assert prefixes["Holiday"] == "0C0"


def test_composite_patch_answers_one_save_result_per_record_in_request_order(
    served: Served,
) -> None:
    ok_id, bad_picklist_id = served.ids.leads[10], served.ids.leads[11]
    body = {
        "allOrNone": False,
        "records": [
            {
                "attributes": {"type": "Lead"},
                "id": ok_id,
                "Lead_Score__c": 87,
                "Lead_Grade__c": "A",
            },
            {"attributes": {"type": "Lead"}, "id": bad_picklist_id, "Status": "Hot Lead"},
            {"attributes": {"type": "Lead"}, "id": served.ids.converted_lead, "Status": "MQL"},
            {"attributes": {"type": "Lead"}, "id": served.ids.deleted_lead, "Status": "MQL"},
        ],
    }

    results = served.sf.restful(
        "composite/sobjects", method="PATCH", json=body, headers=NO_AUTO_ASSIGN
    )

    assert [r["success"] for r in results] == [True, False, False, False]
    assert results[0] == {"id": ok_id, "success": True, "errors": []}
    assert [r["errors"][0]["statusCode"] for r in results[1:]] == [
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "CANNOT_UPDATE_CONVERTED_LEAD",
        "ENTITY_IS_DELETED",
    ]
    assert results[1]["errors"][0]["fields"] == ["Status"]
    assert served.sf.Lead.get(ok_id)["Lead_Score__c"] == 87.0


def test_composite_patch_all_or_none_rolls_every_record_back(served: Served) -> None:
    first, second = served.ids.leads[20], served.ids.leads[21]
    before = served.sf.Lead.get(first)
    body = {
        "allOrNone": True,
        "records": [
            {"attributes": {"type": "Lead"}, "id": first, "Lead_Grade__c": "B"},
            {"attributes": {"type": "Lead"}, "id": second, "Company": "x" * 256},
        ],
    }

    results = served.sf.restful(
        "composite/sobjects", method="PATCH", json=body, headers=NO_AUTO_ASSIGN
    )

    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "STRING_TOO_LONG",
    ]
    after = served.sf.Lead.get(first)
    assert after["Lead_Grade__c"] == before["Lead_Grade__c"]
    assert after["SystemModstamp"] == before["SystemModstamp"]


def test_composite_post_creates_records_and_returns_their_ids(served: Served) -> None:
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Task"}, "WhoId": served.ids.leads[0], "Subject": "Call",
             "Type": "Call", "Status": "Not Started", "OwnerId": served.ids.rep},
        ],
    }  # fmt: skip

    (result,) = served.sf.restful("composite/sobjects", method="POST", json=body)

    assert result["success"] is True
    assert result["id"].startswith("00T")
    assert len(result["id"]) == 18
    assert served.sf.Task.get(result["id"])["WhoId"] == served.ids.leads[0]


def test_lead_write_without_auto_assign_false_is_reowned_by_the_assignment_rule(
    served: Served,
) -> None:
    kept, reowned = served.ids.leads[30], served.ids.leads[31]

    served.sf.Lead.update(kept, {"OwnerId": served.ids.second_rep}, headers=NO_AUTO_ASSIGN)
    served.sf.Lead.update(reowned, {"OwnerId": served.ids.second_rep})

    assert served.sf.Lead.get(kept)["OwnerId"] == served.ids.second_rep
    assert served.sf.Lead.get(reowned)["OwnerId"] == served.ids.unassigned_queue


def test_bulk2_query_returns_every_row_as_csv_pages(served: Served) -> None:
    chunks = list(
        served.sf.bulk2.Lead.query("SELECT Id, Status FROM Lead", max_records=2000, wait=0.05)
    )

    rows = [line for chunk in chunks for line in chunk.splitlines()[1:]]
    assert len(chunks) == 3
    assert chunks[0].splitlines()[0] == '"Id","Status"'
    assert len(rows) == served.ids.live_leads


def test_bulk2_update_writes_good_rows_and_reports_failed_ones(served: Served) -> None:
    good, bad = served.ids.leads[40], served.ids.leads[41]

    (summary,) = served.sf.bulk2.Lead.update(
        records=[{"Id": good, "Lead_Grade__c": "C"}, {"Id": bad, "Status": "Not A Status"}],
        wait=0.05,
    )

    assert summary["numberRecordsProcessed"] == 2
    assert summary["numberRecordsFailed"] == 1
    failed = served.sf.bulk2.Lead.get_failed_records(summary["job_id"])
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in failed
    assert bad in failed
    assert served.sf.Lead.get(good)["Lead_Grade__c"] == "C"


def test_limits_report_the_daily_budget_and_every_answer_carries_the_usage_header(
    served: Served,
) -> None:
    limits = served.sf.limits()

    daily = limits["DailyApiRequests"]
    usage = served.sf.api_usage["api-usage"]
    assert daily["Max"] == usage.total == 100_000
    assert daily["Max"] - daily["Remaining"] == usage.used == served.handle.admin.api_usage


def test_updated_and_deleted_windows_list_changed_and_deleted_ids(served: Served) -> None:
    now = served.handle.org.now()
    touched = served.ids.leads[50]
    served.sf.Lead.update(touched, {"Lead_Grade__c": "D"}, headers=NO_AUTO_ASSIGN)

    updated = served.sf.Lead.updated(now - timedelta(minutes=1), now + timedelta(minutes=1))
    deleted = served.sf.Lead.deleted(now - timedelta(days=1), now + timedelta(minutes=1))

    assert touched in updated["ids"]
    deleted_ids = {d["id"] for d in deleted["deletedRecords"]}
    assert {served.ids.deleted_lead, served.ids.merged_loser} <= deleted_ids


def test_a_fresh_client_sees_the_org_with_only_its_session_id(served: Served) -> None:
    sf = Salesforce(
        instance_url=served.handle.instance_url,
        session_id=served.handle.access_token,
        session=served.http,
        version="62.0",
    )

    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 4
