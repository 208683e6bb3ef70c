"""The REST side of the client, proved by call counts against Salesforce-shaped answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers
from sf_payloads import (
    DATA,
    INSTANCE,
    LOGIN_URL,
    TOKEN_URL,
    lead,
    lead_id,
    limit_info,
    query_page,
    save_failed,
    save_ok,
    sf_error,
    token_response,
    user_id,
)
from structlog.testing import capture_logs

from syncd.salesforce import (
    ApiBudget,
    ApiUsage,
    AuthError,
    BudgetExhausted,
    ErrorKind,
    RecordOutcome,
    SalesforceClient,
    SalesforceError,
)
from syncd.settings import JwtBearerLogin

SOQL = "SELECT Id, LastName, Company, Status, SystemModstamp FROM Lead ORDER BY SystemModstamp"
MakeClient = Callable[..., SalesforceClient]


def q(soql: str = SOQL) -> list[Any]:
    return [matchers.query_param_matcher({"q": soql})]


def bodies(rsps: responses.RequestsMock, url_part: str) -> list[dict[str, Any]]:
    return [
        json.loads(c.request.body or b"{}") for c in rsps.calls if url_part in (c.request.url or "")
    ]


# -- reading -------------------------------------------------------------------------------


def test_query_pages_follows_next_records_url_over_three_pages(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    first = mocked.get(
        f"{DATA}/query",
        json=query_page([lead(1), lead(2)], total=5, next_locator="01gD0000002HU6KIAW-2"),
        match=q(),
    )
    second = mocked.get(
        f"{DATA}/query/01gD0000002HU6KIAW-2",
        json=query_page([lead(3), lead(4)], total=5, next_locator="01gD0000002HU6KIAW-4"),
    )
    third = mocked.get(f"{DATA}/query/01gD0000002HU6KIAW-4", json=query_page([lead(5)], total=5))

    pages = list(make_client().query_pages(SOQL))

    assert [[r["Id"] for r in page] for page in pages] == [
        [lead_id(1), lead_id(2)],
        [lead_id(3), lead_id(4)],
        [lead_id(5)],
    ]
    assert (first.call_count, second.call_count, third.call_count) == (1, 1, 1)


def test_a_sized_query_reads_its_size_from_the_first_page_not_a_count_call(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocked.get(
        f"{DATA}/query",
        json=query_page([lead(1), lead(2)], total=3, next_locator="01gD0000002HU6KIAW-2"),
        match=q(),
    )
    mocked.get(f"{DATA}/query/01gD0000002HU6KIAW-2", json=query_page([lead(3)], total=3))
    client = make_client()

    total, pages = client.query_pages_sized(SOQL)

    assert total == 3
    assert client.calls_made == 1  # the size came with the first page
    assert [len(page) for page in pages] == [2, 1]
    assert dict(client.calls_by_kind) == {"query": 1, "query_more": 1}


def test_records_come_back_without_attributes_even_in_relationships(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    owner = {"attributes": {"type": "User", "url": "/x"}, "Name": "Dana Reyes"}
    mocked.get(f"{DATA}/query", json=query_page([lead(1, Owner=owner)], total=1), match=q())

    (record,) = make_client().query(SOQL)

    assert "attributes" not in record
    assert record["Owner"] == {"Name": "Dana Reyes"}


def test_batch_size_is_asked_for_on_every_page(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    header = [matchers.header_matcher({"Sforce-Query-Options": "batchSize=500"})]
    mocked.get(
        f"{DATA}/query",
        json=query_page([lead(1)], total=2, next_locator="01gX-500"),
        match=q() + header,
    )
    more = mocked.get(f"{DATA}/query/01gX-500", json=query_page([lead(2)], total=2), match=header)

    assert sum(len(p) for p in make_client().query_pages(SOQL, batch_size=500)) == 2
    assert more.call_count == 1


def test_query_all_returns_deleted_and_merged_rows(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    soql = "SELECT Id, IsDeleted, MasterRecordId FROM Lead"
    survivor = lead(1)
    merged_loser = lead(2, IsDeleted=True, MasterRecordId=lead_id(1))
    deleted = lead(3, IsDeleted=True)
    query_all = mocked.get(
        f"{DATA}/queryAll",
        json=query_page([survivor, merged_loser, deleted], total=3),
        match=q(soql),
    )

    rows = make_client().query(soql, include_deleted=True)

    assert [(r["IsDeleted"], r["MasterRecordId"]) for r in rows] == [
        (False, None),
        (True, lead_id(1)),
        (True, None),
    ]
    assert query_all.call_count == 1


def test_count_reads_total_size(mocked: responses.RequestsMock, make_client: MakeClient) -> None:
    soql = "SELECT COUNT() FROM Lead WHERE IsConverted = false"
    mocked.get(
        f"{DATA}/query", json={"totalSize": 12873, "done": True, "records": []}, match=q(soql)
    )

    assert make_client().count(soql) == 12873


def test_usage_is_read_from_every_answer(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocked.get(
        f"{DATA}/query",
        json=query_page([lead(1)], total=1),
        match=q(),
        headers=limit_info(4210, 15000),
    )
    client = make_client()

    client.query(SOQL)

    assert client.usage == ApiUsage(4210, 15000)


def test_limits_refreshes_usage_from_daily_api_requests(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocked.get(
        f"{DATA}/limits",
        json={
            "DailyApiRequests": {"Max": 15000, "Remaining": 14000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 9998},
        },
    )
    budget = ApiBudget(0.2)
    client = make_client(budget=budget)

    client.limits()

    assert client.usage == ApiUsage(1000, 15000)
    assert budget.allowance() == 3000 - 1


def test_an_invalid_field_is_a_config_error_naming_the_field(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    bad = "SELECT Id, Lead_Scor__c FROM Lead"
    query = mocked.get(
        f"{DATA}/query",
        status=400,
        json=sf_error("INVALID_FIELD", "No such column 'Lead_Scor__c' on entity 'Lead'."),
        match=q(bad),
    )

    with pytest.raises(SalesforceError) as raised:
        make_client().query(bad)
    assert raised.value.kind is ErrorKind.CONFIG
    assert raised.value.field == "Lead_Scor__c"
    assert query.call_count == 1


# -- retries -------------------------------------------------------------------------------


def test_503_503_200_is_retried_with_the_injected_sleep_and_retry_after(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    busy = mocked.get(f"{DATA}/query", status=503, body="", headers={"Retry-After": "7"}, match=q())
    still_busy = mocked.get(f"{DATA}/query", status=503, body="", match=q())
    ok = mocked.get(f"{DATA}/query", json=query_page([lead(1)], total=1), match=q())
    client = make_client()

    with capture_logs() as logs:
        assert [r["Id"] for r in client.query(SOQL)] == [lead_id(1)]
    assert (busy.call_count, still_busy.call_count, ok.call_count) == (1, 1, 1)
    assert sleeps == [7.0, 1.0]  # Retry-After honoured, then the policy's second backoff
    assert client.calls_made == 3
    assert [(e["event"], e["attempt"]) for e in logs] == [
        ("salesforce.retry", 1),
        ("salesforce.retry", 2),
    ]


def test_each_retried_503_is_counted_for_the_runs_warnings(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    mocked.get(f"{DATA}/query", status=503, body="", match=q())
    mocked.get(f"{DATA}/query", status=503, body="", match=q())
    mocked.get(f"{DATA}/query", json=query_page([lead(1)], total=1), match=q())
    client = make_client()

    client.query(SOQL)

    assert client.transients == {"requests retried after HTTP 503": 2}


def test_connection_errors_are_retried(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    reset = mocked.get(f"{DATA}/query", body=requests.ConnectionError("reset by peer"), match=q())
    ok = mocked.get(f"{DATA}/query", json=query_page([lead(1)], total=1), match=q())

    assert len(make_client().query(SOQL)) == 1
    assert (reset.call_count, ok.call_count) == (1, 1)
    assert sleeps == [0.5]


def test_a_persistent_outage_gives_up_after_the_policys_attempts(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    down = mocked.get(f"{DATA}/query", status=500, json=sf_error("UNKNOWN_EXCEPTION", "boom"))

    with pytest.raises(SalesforceError) as raised:
        make_client().query(SOQL)
    assert raised.value.kind is ErrorKind.TRANSIENT
    assert down.call_count == 5
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_request_limit_exceeded_ends_the_run_and_is_never_retried(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    refused = mocked.get(
        f"{DATA}/query",
        status=403,
        json=sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    )

    with pytest.raises(BudgetExhausted):
        make_client().query(SOQL)
    assert refused.call_count == 1
    assert sleeps == []


def test_budget_guard_stops_before_exceeding_the_share(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    # 10 % of 1,000 is 100 calls; 97 were spent earlier today, so 3 remain.
    budget = ApiBudget(0.10, used_by_us_24h=97)
    budget.observe(ApiUsage(used=400, max=1000))
    first = mocked.get(
        f"{DATA}/query",
        json=query_page([lead(1)], total=9, next_locator="01gB-1"),
        headers=limit_info(401, 1000),
        match=q(),
    )
    pages = [
        mocked.get(
            f"{DATA}/query/01gB-{n}",
            json=query_page([lead(n + 1)], total=9, next_locator=f"01gB-{n + 1}"),
            headers=limit_info(401 + n, 1000),
        )
        for n in (1, 2)
    ]
    client = make_client(budget=budget)

    pages_read = client.query_pages(SOQL)
    read = [r["Id"] for page in islice(pages_read, 3) for r in page]
    with pytest.raises(BudgetExhausted, match="share"):
        next(pages_read)

    assert read == [lead_id(1), lead_id(2), lead_id(3)]
    assert [first.call_count, *(p.call_count for p in pages)] == [1, 1, 1]
    assert client.calls_made == 3
    assert budget.spent_by_us() == 100


# -- sessions ------------------------------------------------------------------------------


def test_expired_session_with_jwt_login_reauthenticates_once_and_retries(
    mocked: responses.RequestsMock, make_client: MakeClient, rsa_key_pem: tuple[Any, Any]
) -> None:
    login = JwtBearerLogin(
        "integration@acme.com", "3MVG9fakeConsumerKey", rsa_key_pem[0], LOGIN_URL
    )
    first_token = mocked.post(TOKEN_URL, json=token_response("00D!first.token"))
    second_token = mocked.post(TOKEN_URL, json=token_response("00D!second.token"))
    expired = mocked.get(
        f"{DATA}/query",
        status=401,
        json=sf_error("INVALID_SESSION_ID", "Session expired or invalid"),
        match=[*q(), matchers.header_matcher({"Authorization": "Bearer 00D!first.token"})],
    )
    ok = mocked.get(
        f"{DATA}/query",
        json=query_page([lead(1)], total=1),
        match=[*q(), matchers.header_matcher({"Authorization": "Bearer 00D!second.token"})],
    )
    client = make_client(login=login)

    with capture_logs() as logs:
        assert len(client.query(SOQL)) == 1
    assert [e["event"] for e in logs] == ["salesforce.session_expired"]
    assert [m.call_count for m in (first_token, second_token, expired, ok)] == [1, 1, 1, 1]
    assert client.calls_made == 4
    assert client.calls_by_kind["auth"] == 2
    assert client.transients == {"session expired and renewed by a new login": 1}


def test_a_bare_token_refused_on_first_use_is_said_to_have_never_worked(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    refused = mocked.get(
        f"{DATA}/query",
        status=401,
        json=sf_error("INVALID_SESSION_ID", "Session expired or invalid"),
    )

    with pytest.raises(AuthError) as raised:
        make_client().query(SOQL)
    assert raised.value.kind is ErrorKind.FATAL
    assert "the access token was refused on its first use" in str(raised.value)
    assert "expired" not in str(raised.value)
    assert refused.call_count == 1
    assert sleeps == []


def test_a_bare_session_that_worked_then_expired_is_a_clear_fatal_error(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    ok = mocked.get(f"{DATA}/query", json={"totalSize": 0, "done": True, "records": []})
    client = make_client()
    client.query(SOQL)
    mocked.remove(ok)
    mocked.get(
        f"{DATA}/query",
        status=401,
        json=sf_error("INVALID_SESSION_ID", "Session expired or invalid"),
    )

    with pytest.raises(AuthError) as raised:
        client.query(SOQL)
    assert raised.value.kind is ErrorKind.FATAL
    assert "session expired; the access token cannot be refreshed" in str(raised.value)
    assert sleeps == []


# -- sObject Collections -------------------------------------------------------------------


def test_update_sends_allornone_false_with_auto_assign_off_and_zips_mixed_results(
    mocked: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]
) -> None:
    no_auto_assign = [matchers.header_matcher({"Sforce-Auto-Assign": "FALSE"})]
    first = mocked.patch(
        f"{DATA}/composite/sobjects",
        json=[
            save_ok(lead_id(1)),
            save_failed(
                lead_id(2), "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"
            ),
            save_failed(
                lead_id(3), "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead"
            ),
            save_failed(
                lead_id(4),
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "Company is required for MQL",
                ["Company"],
            ),
        ],
        match=no_auto_assign,
    )
    relock_retry = mocked.patch(
        f"{DATA}/composite/sobjects", json=[save_ok(lead_id(2))], match=no_auto_assign
    )
    records = [
        {"Id": lead_id(n), "OwnerId": user_id(7), "Lead_Score__c": 80 + n} for n in range(1, 5)
    ]

    results = make_client().update_records("Lead", records)

    assert [(r.id, r.outcome) for r in results] == [
        (lead_id(1), RecordOutcome.SUCCESS),
        (lead_id(2), RecordOutcome.SUCCESS),
        (lead_id(3), RecordOutcome.FAILED),
        (lead_id(4), RecordOutcome.FAILED),
    ]
    assert (
        results[3].message
        == "FIELD_CUSTOM_VALIDATION_EXCEPTION: Company is required for MQL [Company]"
    )
    assert (first.call_count, relock_retry.call_count) == (1, 1)
    sent = bodies(mocked, "composite/sobjects")
    assert sent[0]["allOrNone"] is False
    assert sent[0]["records"][0] == {
        "attributes": {"type": "Lead"},
        "id": lead_id(1),
        "OwnerId": user_id(7),
        "Lead_Score__c": 81,
    }
    assert [r["id"] for r in sent[1]["records"]] == [lead_id(2)]  # only the locked row again
    assert sleeps == [0.5]


def test_a_row_still_locked_after_every_attempt_comes_back_as_retry(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    locked = mocked.patch(
        f"{DATA}/composite/sobjects",
        json=[save_failed(lead_id(1), "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")],
    )

    client = make_client()
    (result,) = client.update_records("Lead", [{"Id": lead_id(1), "Status": "Working"}])

    assert result.outcome is RecordOutcome.RETRY
    assert locked.call_count == 5
    assert client.transients == {"records sent again after UNABLE_TO_LOCK_ROW": 4}


def test_450_records_take_three_collection_calls_in_order(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        sent = json.loads(request.body)["records"]
        return 200, limit_info(5000, 15000), json.dumps([save_ok(r["id"]) for r in sent])

    collection = mocked.add_callback(
        responses.PATCH,
        f"{DATA}/composite/sobjects",
        callback=answer,
        match=[matchers.header_matcher({"Sforce-Auto-Assign": "FALSE"})],
    )
    records = [{"Id": lead_id(n), "Lead_Score__c": n % 100} for n in range(450)]
    client = make_client()

    results = client.update_records("Lead", records)

    assert collection.call_count == 3
    assert [len(b["records"]) for b in bodies(mocked, "composite/sobjects")] == [200, 200, 50]
    assert [r.id for r in results] == [lead_id(n) for n in range(450)]
    assert client.calls_by_kind["composite_update"] == 3


def test_create_records_posts_a_collection_with_auto_assign_off(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    created = mocked.post(
        f"{DATA}/composite/sobjects",
        json=[{"id": "00T8d00000AbCdEEA1", "success": True, "errors": []}],
        match=[matchers.header_matcher({"Sforce-Auto-Assign": "FALSE"})],
    )
    task = {"Subject": "Follow up: new MQL", "WhoId": lead_id(1), "OwnerId": user_id(7)}

    (result,) = make_client().create_records("Task", [task])

    assert result.outcome is RecordOutcome.SUCCESS
    assert result.id == "00T8d00000AbCdEEA1"
    assert bodies(mocked, "composite/sobjects")[0]["records"] == [
        {"attributes": {"type": "Task"}, **task}
    ]
    assert created.call_count == 1


def test_a_short_answer_from_collections_is_fatal_not_silently_misaligned(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocked.patch(f"{DATA}/composite/sobjects", json=[save_ok(lead_id(1))])

    with pytest.raises(SalesforceError, match="1 results for 2 records"):
        make_client().update_records("Lead", [{"Id": lead_id(1)}, {"Id": lead_id(2)}])


def test_instance_url_is_used_as_configured(make_client: MakeClient) -> None:
    assert make_client().instance_url == INSTANCE


def test_a_create_is_not_resent_after_an_answer_that_may_have_created_it(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    ambiguous = mocked.post(
        f"{DATA}/composite/sobjects", status=500, json=sf_error("UNKNOWN_EXCEPTION", "boom")
    )

    with pytest.raises(SalesforceError) as raised:
        make_client().create_records("Task", [{"Subject": "Follow up", "WhoId": lead_id(1)}])
    assert raised.value.kind is ErrorKind.TRANSIENT
    assert ambiguous.call_count == 1


def test_a_create_refused_with_503_is_sent_again(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    unavailable = mocked.post(f"{DATA}/composite/sobjects", status=503, body="")
    created = mocked.post(
        f"{DATA}/composite/sobjects",
        json=[{"id": "00T8d00000AbCdEEA1", "success": True, "errors": []}],
    )

    (result,) = make_client().create_records("Task", [{"Subject": "Follow up"}])

    assert result.success
    assert (unavailable.call_count, created.call_count) == (1, 1)


def test_without_a_limit_header_the_budget_asks_limits_once_before_the_next_call(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    first = mocked.get(f"{DATA}/query", json=query_page([lead(1)], total=1), match=q())
    limits = mocked.get(
        f"{DATA}/limits", json={"DailyApiRequests": {"Max": 15000, "Remaining": 14990}}
    )
    second = mocked.get(
        f"{DATA}/query",
        json=query_page([lead(2)], total=1),
        match=q(),
        headers=limit_info(12, 15000),
    )
    budget = ApiBudget(0.2)
    client = make_client(budget=budget)

    client.query(SOQL)
    client.query(SOQL)

    assert (first.call_count, limits.call_count, second.call_count) == (1, 1, 1)
    assert budget.usage == ApiUsage(12, 15000)
    assert budget.spent_by_us() == 3


def test_datetimes_are_written_in_utc_and_naive_ones_are_refused(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    mocked.patch(f"{DATA}/composite/sobjects", json=[save_ok(lead_id(1))])
    due = datetime(2026, 11, 20, 11, 15, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    client = make_client()

    client.update_records("Lead", [{"Id": lead_id(1), "SLA_Due__c": due}])
    with pytest.raises(ValueError, match="timezone-aware"):
        client.update_records("Lead", [{"Id": lead_id(1), "SLA_Due__c": due.replace(tzinfo=None)}])

    sent = bodies(mocked, "composite/sobjects")
    assert sent[0]["records"][0]["SLA_Due__c"] == "2026-11-20T10:15:30.000+0000"
    assert len(sent) == 1


def test_a_record_without_an_id_is_refused_before_any_call(make_client: MakeClient) -> None:
    client = make_client()

    with pytest.raises(ValueError, match="needs its Salesforce Id"):
        client.update_records("Lead", [{"Status": "Working - Contacted"}])
    assert client.calls_made == 0


def test_a_write_stopped_part_way_reports_what_salesforce_already_accepted(
    mocked: responses.RequestsMock, make_client: MakeClient
) -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        sent = json.loads(request.body)["records"]
        return 200, {}, json.dumps([save_ok(r["id"]) for r in sent])

    accepted = mocked.add_callback(responses.PATCH, f"{DATA}/composite/sobjects", callback=answer)
    refused = mocked.patch(  # the quota runs out on the second call
        f"{DATA}/composite/sobjects",
        status=403,
        json=sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    )
    records = [{"Id": lead_id(n), "Status": "Working - Contacted"} for n in range(450)]

    with pytest.raises(BudgetExhausted) as raised:
        make_client().update_records("Lead", records)

    partial = raised.value.partial_results
    assert partial is not None
    assert [r.id for r in partial[:200]] == [lead_id(n) for n in range(200)]
    assert partial[200:] == [None] * 250
    assert (accepted.call_count, refused.call_count) == (1, 1)
