"""Bulk API 2.0: query jobs paged by Sforce-Locator, ingest jobs mapped back to input order."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import responses
from responses import matchers
from sf_payloads import DATA, bulk_job, lead_id, user_id

from syncd.salesforce import PollPolicy, RecordOutcome, SalesforceClient, SalesforceError
from syncd.salesforce.client import parse_bulk_error

MakeClient = Callable[..., SalesforceClient]
QUERY_JOB = "7508d00000Qx1AAAAZ"
INGEST_JOB = "7508d00000Ik9AAAAZ"
SOQL = (
    "SELECT Id, LastName, Company, Lead_Score__c, NumberOfEmployees, IsConverted, "
    "SystemModstamp, Owner.Name FROM Lead"
)
LEAD_DESCRIBE = {
    "name": "Lead",
    "fields": [
        {"name": "Id", "type": "id"},
        {"name": "LastName", "type": "string"},
        {"name": "Company", "type": "string"},
        {"name": "Lead_Score__c", "type": "double"},
        {"name": "NumberOfEmployees", "type": "int"},
        {"name": "IsConverted", "type": "boolean"},
        {"name": "SystemModstamp", "type": "datetime"},
        {"name": "OwnerId", "type": "reference"},
    ],
}
PAGE_ONE = (
    '"Id","LastName","Company","Lead_Score__c","NumberOfEmployees","IsConverted",'
    '"SystemModstamp","Owner.Name"\n'
    f'"{lead_id(1)}","Reyes","Acme, Inc.","85.0","250","false",'
    '"2026-11-20T10:15:30.000Z","Dana Reyes"\n'
    f'"{lead_id(2)}","O\'Brien","Globex","","","true","2026-11-20T10:15:31.000Z",""\n'
)
PAGE_TWO = (
    '"Id","LastName","Company","Lead_Score__c","NumberOfEmployees","IsConverted",'
    '"SystemModstamp","Owner.Name"\n'
    f'"{lead_id(3)}","Nakamura","Initech","12.5","40","false",'
    '"2026-11-20T10:16:02.000Z","Sam Ortiz"\n'
)


def test_bulk_query_polls_then_reads_two_locator_pages_as_rest_shaped_rows(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    describe = mocked.get(f"{DATA}/sobjects/Lead/describe", json=LEAD_DESCRIBE)
    create = mocked.post(
        f"{DATA}/jobs/query",
        json=bulk_job(QUERY_JOB, "UploadComplete", operation="query"),
        match=[matchers.json_params_matcher({"operation": "query", "query": SOQL})],
    )
    running = mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}", json=bulk_job(QUERY_JOB, "InProgress", operation="query")
    )
    done = mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}", json=bulk_job(QUERY_JOB, "JobComplete", operation="query")
    )
    first = mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}/results",
        body=PAGE_ONE,
        content_type="text/csv",
        headers={"Sforce-Locator": "MTAwMDA", "Sforce-NumberOfRecords": "2"},
        match=[matchers.query_param_matcher({})],
    )
    second = mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}/results",
        body=PAGE_TWO,
        content_type="text/csv",
        headers={"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"},
        match=[matchers.query_param_matcher({"locator": "MTAwMDA"})],
    )

    rows = list(make_client().bulk_query(SOQL))

    assert rows == [
        {
            "Id": lead_id(1),
            "LastName": "Reyes",
            "Company": "Acme, Inc.",
            "Lead_Score__c": 85.0,
            "NumberOfEmployees": 250,
            "IsConverted": False,
            "SystemModstamp": "2026-11-20T10:15:30.000+0000",
            "Owner": {"Name": "Dana Reyes"},
        },
        {
            "Id": lead_id(2),
            "LastName": "O'Brien",
            "Company": "Globex",
            "Lead_Score__c": None,
            "NumberOfEmployees": None,
            "IsConverted": True,
            "SystemModstamp": "2026-11-20T10:15:31.000+0000",
            "Owner": None,
        },
        {
            "Id": lead_id(3),
            "LastName": "Nakamura",
            "Company": "Initech",
            "Lead_Score__c": 12.5,
            "NumberOfEmployees": 40,
            "IsConverted": False,
            "SystemModstamp": "2026-11-20T10:16:02.000+0000",
            "Owner": {"Name": "Sam Ortiz"},
        },
    ]
    assert [m.call_count for m in (describe, create, running, done, first, second)] == [1] * 6
    assert sleeps == [1.0]


def test_bulk_query_all_asks_for_deleted_rows_and_skips_describe_when_types_are_given(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    soql = "SELECT Id, IsDeleted FROM Lead"
    mocked.post(
        f"{DATA}/jobs/query",
        json=bulk_job(QUERY_JOB, "UploadComplete", operation="queryAll"),
        match=[matchers.json_params_matcher({"operation": "queryAll", "query": soql})],
    )
    mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}",
        json=bulk_job(QUERY_JOB, "JobComplete", operation="queryAll"),
    )
    mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}/results",
        body=f'"Id","IsDeleted"\n"{lead_id(9)}","true"\n',
        headers={"Sforce-Locator": "null"},
    )
    client = make_client()

    rows = list(client.bulk_query(soql, include_deleted=True, field_types={"IsDeleted": "boolean"}))

    assert rows == [{"Id": lead_id(9), "IsDeleted": True}]
    assert client.calls_made == 3


def test_a_failed_bulk_query_job_is_fatal_with_salesforces_message(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocked.post(f"{DATA}/jobs/query", json=bulk_job(QUERY_JOB, "UploadComplete", operation="query"))
    failed = bulk_job(QUERY_JOB, "Failed", operation="query")
    failed["errorMessage"] = "InvalidBatch : Failed to process query: QUERY_TIMEOUT"
    mocked.get(f"{DATA}/jobs/query/{QUERY_JOB}", json=failed)

    with pytest.raises(SalesforceError, match="QUERY_TIMEOUT"):
        list(make_client().bulk_query("SELECT Id FROM Lead", field_types={}))


def test_a_job_that_never_finishes_stops_polling_at_the_timeout(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    mocked.post(f"{DATA}/jobs/query", json=bulk_job(QUERY_JOB, "UploadComplete", operation="query"))
    polls = mocked.get(
        f"{DATA}/jobs/query/{QUERY_JOB}", json=bulk_job(QUERY_JOB, "InProgress", operation="query")
    )
    client = make_client(poll=PollPolicy(initial=1, factor=2, cap=8, timeout=20))

    with pytest.raises(SalesforceError, match="still InProgress"):
        list(client.bulk_query("SELECT Id FROM Lead", field_types={}))
    assert sleeps == [1, 2, 4, 8, 8]
    assert polls.call_count == 6


def _ingest_mocks(
    mocked: responses.RequestsMock,
    *,
    final_state: str,
    successful: str,
    failed: str,
    unprocessed: str,
) -> dict[str, responses.BaseResponse]:
    path = f"{DATA}/jobs/ingest/{INGEST_JOB}"
    return {
        "create": mocked.post(
            f"{DATA}/jobs/ingest",
            json=bulk_job(INGEST_JOB, "Open", operation="update"),
            match=[
                matchers.json_params_matcher(
                    {
                        "object": "Lead",
                        "operation": "update",
                        "contentType": "CSV",
                        "columnDelimiter": "COMMA",
                        "lineEnding": "LF",
                    }
                )
            ],
        ),
        "upload": mocked.put(
            f"{path}/batches",
            status=201,
            body="",
            match=[matchers.header_matcher({"Content-Type": "text/csv"})],
        ),
        "close": mocked.patch(
            path,
            json=bulk_job(INGEST_JOB, "UploadComplete", operation="update"),
            match=[matchers.json_params_matcher({"state": "UploadComplete"})],
        ),
        "poll": mocked.get(path, json=bulk_job(INGEST_JOB, final_state, operation="update")),
        "successful": mocked.get(f"{path}/successfulResults/", body=successful),
        "failed": mocked.get(f"{path}/failedResults/", body=failed),
        "unprocessed": mocked.get(f"{path}/unprocessedrecords/", body=unprocessed),
    }


def test_bulk_update_maps_successes_and_a_failed_row_back_to_input_order(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocks = _ingest_mocks(
        mocked,
        final_state="JobComplete",
        # Bulk does not keep input order in its results.
        successful=(
            '"sf__Id","sf__Created",Id,OwnerId,Lead_Score__c,Score_Reason__c\n'
            f'"{lead_id(3)}","false",{lead_id(3)},{user_id(2)},#N/A,\n'
            f'"{lead_id(1)}","false",{lead_id(1)},{user_id(7)},91,"Viewed demo, pricing page"\n'
        ),
        failed=(
            '"sf__Id","sf__Error",Id,OwnerId,Lead_Score__c,Score_Reason__c\n'
            f'"{lead_id(2)}","CANNOT_UPDATE_CONVERTED_LEAD:cannot reference converted lead: --",'
            f"{lead_id(2)},{user_id(7)},40,\n"
        ),
        unprocessed="Id,OwnerId,Lead_Score__c,Score_Reason__c\n",
    )
    records = [
        {
            "Id": lead_id(1),
            "OwnerId": user_id(7),
            "Lead_Score__c": 91,
            "Score_Reason__c": "Viewed demo, pricing page",
        },
        {"Id": lead_id(2), "OwnerId": user_id(7), "Lead_Score__c": 40},
        {"Id": lead_id(3), "OwnerId": user_id(2), "Lead_Score__c": None},
    ]
    client = make_client()

    results = client.bulk_update("Lead", records)

    assert [(r.id, r.outcome) for r in results] == [
        (lead_id(1), RecordOutcome.SUCCESS),
        (lead_id(2), RecordOutcome.FAILED),
        (lead_id(3), RecordOutcome.SUCCESS),
    ]
    assert results[1].errors == [
        {
            "statusCode": "CANNOT_UPDATE_CONVERTED_LEAD",
            "message": "cannot reference converted lead",
            "fields": [],
        }
    ]
    uploaded = next(c.request.body for c in mocked.calls if c.request.method == "PUT")
    assert (
        uploaded
        == (
            "Id,OwnerId,Lead_Score__c,Score_Reason__c\n"
            f'{lead_id(1)},{user_id(7)},91,"Viewed demo, pricing page"\n'
            f"{lead_id(2)},{user_id(7)},40,\n"  # no reason column for this lead: left unchanged
            f"{lead_id(3)},{user_id(2)},#N/A,\n"  # None is written as #N/A: set to null
        ).encode()
    )
    assert all(m.call_count == 1 for m in mocks.values())
    assert client.calls_by_kind["bulk_ingest"] == 7


def test_rows_an_aborted_bulk_job_never_processed_come_back_for_retry(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    _ingest_mocks(
        mocked,
        final_state="Aborted",
        successful=f'"sf__Id","sf__Created",Id,Status\n"{lead_id(1)}","false",{lead_id(1)},Working\n',
        failed='"sf__Id","sf__Error",Id,Status\n',
        unprocessed=f"Id,Status\n{lead_id(2)},Working\n",
    )

    results = make_client().bulk_update(
        "Lead", [{"Id": lead_id(1), "Status": "Working"}, {"Id": lead_id(2), "Status": "Working"}]
    )

    assert [r.outcome for r in results] == [RecordOutcome.SUCCESS, RecordOutcome.RETRY]
    assert results[1].errors[0]["statusCode"] == "UNPROCESSED"


def test_bulk_update_refuses_the_same_id_twice(make_client: MakeClient) -> None:
    with pytest.raises(ValueError, match="more than once"):
        make_client().bulk_update("Lead", [{"Id": lead_id(1)}, {"Id": lead_id(1)}])


def test_a_failed_upload_aborts_the_open_job(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    path = f"{DATA}/jobs/ingest/{INGEST_JOB}"
    mocked.post(f"{DATA}/jobs/ingest", json=bulk_job(INGEST_JOB, "Open", operation="update"))
    upload = mocked.put(
        f"{path}/batches",
        status=400,
        json=[{"errorCode": "INVALIDJOB", "message": "Found unsupported field: Lead_Scor__c"}],
    )
    abort = mocked.patch(
        path,
        json=bulk_job(INGEST_JOB, "Aborted", operation="update"),
        match=[matchers.json_params_matcher({"state": "Aborted"})],
    )

    with pytest.raises(SalesforceError, match="unsupported field"):
        make_client().bulk_update("Lead", [{"Id": lead_id(1), "Lead_Scor__c": 5}])
    assert (upload.call_count, abort.call_count) == (1, 1)
    assert json.loads(mocked.calls[-1].request.body) == {"state": "Aborted"}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "CANNOT_UPDATE_CONVERTED_LEAD:cannot reference converted lead:--",
            ("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []),
        ),
        (
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
            ("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"]),
        ),
        (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION:Company and Email are required:Company,Email --",
            (
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "Company and Email are required",
                ["Company", "Email"],
            ),
        ),
        (
            "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record",
            ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", []),
        ),
    ],
    ids=["no-fields", "colon-in-message", "two-fields", "no-field-part"],
)
def test_bulk_error_cells_read_as_rest_errors(
    cell: str, expected: tuple[str, str, list[str]]
) -> None:
    error = parse_bulk_error(cell)

    assert (error["statusCode"], error["message"], error["fields"]) == expected
