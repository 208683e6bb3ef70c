"""Where Salesforce refuses, the simulator refuses the same way: status, errorCode, shape.

These tests talk raw HTTP so the exact status and JSON body are visible.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simorg import NOW, serve

from syncd.simulator.oauth import JWT_BEARER_GRANT, OAuthConfig

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e

SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [
    {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
]


def patch_lead(served: Served, lead_id: str, body: Any) -> Any:
    return served.http.patch(
        f"{served.base}/sobjects/Lead/{lead_id}",
        json=body,
        headers={**served.auth, "Sforce-Auto-Assign": "FALSE"},
    )


# --- field validation on a single-record PATCH --------------------------------------------

INVALID_WRITES = [
    pytest.param({"Favourite_Colour__c": "blue"}, "INVALID_FIELD", [], id="unknown-field"),
    pytest.param({"NumberOfEmployees": "lots"}, "JSON_PARSER_ERROR", None, id="wrong-type"),
    pytest.param({"Name": "Jane Doe"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"], id="read-only"),
    pytest.param({"IsConverted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsConverted"],
                 id="read-only-system-field"),
    pytest.param({"Status": "Hot"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Status"],
                 id="restricted-picklist"),
    pytest.param({"Lead_Grade__c": "A+++++"}, "STRING_TOO_LONG", ["Lead_Grade__c"],
                 id="string-too-long"),
    pytest.param({"LastName": None}, "REQUIRED_FIELD_MISSING", ["LastName"], id="required-null"),
    pytest.param({"OwnerId": "005000000000000AAA"}, "INVALID_CROSS_REFERENCE_KEY", ["OwnerId"],
                 id="owner-not-found"),
    pytest.param({"OwnerId": "00Q5g0000000001EAA"}, "FIELD_INTEGRITY_EXCEPTION", ["OwnerId"],
                 id="owner-wrong-object"),
    pytest.param({"Lead_Score__c": 123456}, "NUMBER_OUTSIDE_VALID_RANGE", ["Lead_Score__c"],
                 id="number-too-large"),
    pytest.param({"Email": "maria at acme"}, "INVALID_EMAIL_ADDRESS", ["Email"],
                 id="invalid-email"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "code", "fields"), INVALID_WRITES)
def test_invalid_field_write_is_400_with_the_salesforce_error_code(
    served: Served, body: dict[str, Any], code: str, fields: list[str] | None
) -> None:
    lead_id = served.ids.leads[100]
    before = served.handle.org.get("Lead", lead_id)

    response = patch_lead(served, lead_id, body)

    assert response.status_code == 400
    (error,) = response.json()
    assert set(error) == {"message", "errorCode", "fields"}
    assert error["errorCode"] == code
    if fields:
        assert error["fields"] == fields
    assert served.handle.org.get("Lead", lead_id) == before


def test_inactive_owner_is_refused_with_inactive_owner_or_user(served: Served) -> None:
    response = patch_lead(served, served.ids.leads[101], {"OwnerId": served.ids.inactive_rep})

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INACTIVE_OWNER_OR_USER"


def test_converted_lead_cannot_be_updated(served: Served) -> None:
    response = patch_lead(served, served.ids.converted_lead, {"Lead_Score__c": 10})

    assert response.status_code == 400
    assert response.json() == [
        {"message": "cannot reference converted lead", "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD",
         "fields": []}
    ]  # fmt: skip


def test_deleted_record_answers_404_entity_is_deleted(served: Served) -> None:
    response = patch_lead(served, served.ids.deleted_lead, {"Lead_Score__c": 10})

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_unknown_record_id_answers_404_not_found(served: Served) -> None:
    response = patch_lead(served, "00Q5g0000009999AAA", {"Lead_Score__c": 10})

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_successful_patch_is_204_and_normalises_values(served: Served) -> None:
    lead_id = served.ids.leads[102]

    response = patch_lead(
        served,
        lead_id,
        {"Lead_Score__c": 71.6, "Title": "", "SLA_Due__c": "2026-11-21T09:15:30.789Z"},
    )

    assert response.status_code == 204
    stored = served.http.get(f"{served.base}/sobjects/Lead/{lead_id}", headers=served.auth).json()
    assert stored["Lead_Score__c"] == 72.0  # Number(5,0) rounds half up
    assert stored["Title"] is None  # "" is stored as null
    assert stored["SLA_Due__c"] == "2026-11-21T09:15:30.000+0000"  # whole seconds


# --- sObject Collections -------------------------------------------------------------------


def test_collection_of_more_than_200_records_is_refused_whole(served: Served) -> None:
    records = [
        {"attributes": {"type": "Lead"}, "id": lead_id, "Lead_Grade__c": "A"}
        for lead_id in served.ids.leads[:201]
    ]

    response = served.http.patch(
        f"{served.base}/composite/sobjects",
        json={"allOrNone": False, "records": records},
        headers=served.auth,
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collection_record_without_attributes_type_is_refused(served: Served) -> None:
    response = served.http.patch(
        f"{served.base}/composite/sobjects",
        json={"records": [{"id": served.ids.leads[0], "Lead_Grade__c": "A"}]},
        headers=served.auth,
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_TYPE"


def test_collection_update_without_id_fails_only_that_record(served: Served) -> None:
    response = served.http.patch(
        f"{served.base}/composite/sobjects",
        json={
            "records": [
                {"attributes": {"type": "Lead"}, "Lead_Grade__c": "A"},
                {"attributes": {"type": "Lead"}, "id": served.ids.leads[103], "Lead_Grade__c": "A"},
            ]
        },
        headers={**served.auth, "Sforce-Auto-Assign": "FALSE"},
    )

    assert response.status_code == 200
    first, second = response.json()
    assert first["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert second["success"] is True


# --- SOQL ------------------------------------------------------------------------------------

REFUSED_QUERIES = [
    pytest.param("SELECT Id FROM Lead GROUP BY Status", "MALFORMED_QUERY", id="group-by"),
    pytest.param("SELECT Id, (SELECT Id FROM Tasks) FROM Lead", "MALFORMED_QUERY", id="subquery"),
    pytest.param("SELECT Id FROM Lead WHERE Status = 'MQL' ORDER BY", "MALFORMED_QUERY",
                 id="dangling-order-by"),
    pytest.param("SELECT Id, Shoe_Size__c FROM Lead", "INVALID_FIELD", id="unknown-field"),
    pytest.param("SELECT Id FROM Prospect__c", "INVALID_TYPE", id="unknown-object"),
]  # fmt: skip


@pytest.mark.parametrize(("soql", "code"), REFUSED_QUERIES)
def test_unsupported_or_invalid_soql_is_refused_not_ignored(
    served: Served, soql: str, code: str
) -> None:
    response = served.http.get(f"{served.base}/query", params={"q": soql}, headers=served.auth)

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_expired_query_locator_is_refused(served: Served) -> None:
    response = served.http.get(f"{served.base}/query/01g5g0000000001AAA-2000", headers=served.auth)

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


# --- replication windows ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "days_back"),
    [("updated", 31), ("deleted", 16)],
    ids=["updated-30d", "deleted-15d"],
)
def test_replication_window_older_than_the_log_is_invalid_replication_date(
    served: Served, resource: str, days_back: int
) -> None:
    now = served.handle.org.now()
    params = {
        "start": (now - timedelta(days=days_back)).isoformat(),
        "end": now.isoformat(),
    }

    response = served.http.get(
        f"{served.base}/sobjects/Lead/{resource}/", params=params, headers=served.auth
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"


# --- versions, sessions, budget, faults ----------------------------------------------------------


def test_api_version_below_50_is_404_not_found(served: Served) -> None:
    response = served.http.get(
        f"{served.handle.instance_url}/services/data/v49.0/limits", headers=served.auth
    )

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer 00D000000000000!not-a-session"}, {"Authorization": "Basic x"}],
    ids=["missing", "unknown-token", "not-bearer"],
)
def test_missing_or_wrong_token_is_401_invalid_session_id(
    served: Served, headers: dict[str, str]
) -> None:
    response = served.http.get(f"{served.base}/limits", headers=headers)

    assert response.status_code == 401
    assert response.json() == SESSION_EXPIRED


@pytest.fixture
def small() -> Iterator[Served]:
    """A fresh five-lead org for tests that spend its budget or its sessions."""
    yield from serve(5, daily_budget=3, token_ttl_calls=2)


def test_token_expires_after_its_configured_number_of_calls(small: Served) -> None:
    statuses = [
        small.http.get(f"{small.base}/limits", headers=small.auth).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 401]


def test_calls_past_the_daily_budget_are_403_request_limit_exceeded(small: Served) -> None:
    fresh_token = {"Authorization": f"Bearer {small.handle.admin.issue_token()}"}
    for _ in range(2):
        small.http.get(f"{small.base}/", headers=fresh_token)
    small.http.get(f"{small.base}/", headers=small.auth)

    response = small.http.get(
        f"{small.base}/limits",
        headers={"Authorization": f"Bearer {small.handle.admin.issue_token()}"},
    )

    assert response.status_code == 403
    assert response.json() == LIMIT_EXCEEDED
    assert response.headers["Sforce-Limit-Info"] == "api-usage=3/3"


def test_expiring_sessions_at_runtime_turns_the_next_call_into_401(fresh: Served) -> None:
    assert fresh.http.get(f"{fresh.base}/limits", headers=fresh.auth).status_code == 200

    fresh.handle.admin.expire_sessions()
    response = fresh.http.get(f"{fresh.base}/limits", headers=fresh.auth)

    assert response.status_code == 401
    assert response.json() == SESSION_EXPIRED


def test_503_fault_answers_server_unavailable_with_retry_after(fresh: Served) -> None:
    fresh.handle.admin.set_faults(error_503_rate=1.0, retry_after_seconds=2)

    response = fresh.http.get(f"{fresh.base}/limits", headers=fresh.auth)

    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert response.headers["Retry-After"] == "2"


def test_503_faults_are_deterministic_for_a_seed(fresh: Served) -> None:
    def pattern() -> list[int]:
        fresh.handle.admin.set_faults(error_503_rate=0.5, seed=7)
        return [
            fresh.http.get(f"{fresh.base}/limits", headers=fresh.auth).status_code
            for _ in range(12)
        ]

    first, second = pattern(), pattern()

    assert first == second
    assert {200, 503} == set(first)


def test_lock_row_fault_fails_records_one_by_one(fresh: Served) -> None:
    fresh.handle.admin.set_faults(lock_row_rate=1.0)
    records = [
        {"attributes": {"type": "Lead"}, "id": lead_id, "Lead_Grade__c": "A"}
        for lead_id in fresh.ids.leads
    ]

    response = fresh.http.patch(
        f"{fresh.base}/composite/sobjects",
        json={"allOrNone": False, "records": records},
        headers={**fresh.auth, "Sforce-Auto-Assign": "FALSE"},
    )

    assert response.status_code == 200
    codes = {r["errors"][0]["statusCode"] for r in response.json()}
    assert codes == {"UNABLE_TO_LOCK_ROW"}


def test_admin_api_counts_calls_and_fields_written(fresh: Served) -> None:
    patch_lead(fresh, fresh.ids.leads[0], {"Lead_Grade__c": "B", "Lead_Score__c": 55})

    stats = fresh.http.get(f"{fresh.handle.instance_url}/__sim/stats").json()

    assert stats["api_calls"]["by_endpoint"]["PATCH sobjects/Lead/{id}"] == 1
    assert stats["fields_written"] == {"Lead.Lead_Grade__c": 1, "Lead.Lead_Score__c": 1}
    assert stats["writes_per_record"] == {fresh.ids.leads[0]: 1}


# --- OAuth token endpoint -------------------------------------------------------------------------

CONSUMER_KEY = "3MVG9test.consumer"


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


@pytest.fixture
def oauth_org(rsa_pair: tuple[bytes, str]) -> Iterator[Served]:
    config = OAuthConfig(
        consumer_key=CONSUMER_KEY,
        consumer_secret="s3cret",
        public_key_pem=rsa_pair[1],
    )
    yield from serve(5, oauth=config)


def assertion(private_key: bytes, audience: str, now: float, **overrides: Any) -> str:
    """A JWT bearer assertion valid for three minutes after ``now`` (the org's clock)."""
    claims = {
        "iss": CONSUMER_KEY,
        "sub": "dana.rep@example.com",
        "aud": audience,
        "exp": int(now) + 180,
        **overrides,
    }
    return jwt.encode(claims, private_key, algorithm="RS256")


def test_jwt_bearer_grant_issues_a_working_session(
    oauth_org: Served, rsa_pair: tuple[bytes, str]
) -> None:
    url = oauth_org.handle.instance_url
    response = oauth_org.http.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": JWT_BEARER_GRANT,
            "assertion": assertion(rsa_pair[0], url, NOW.timestamp()),
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["instance_url"] == url
    assert body["token_type"] == "Bearer"
    limits = oauth_org.http.get(
        f"{url}/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert limits.status_code == 200


def _other_key() -> bytes:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


BAD_ASSERTIONS = [
    pytest.param({"iss": "someone-else"}, "invalid_client_id", id="unknown-consumer-key"),
    pytest.param({"exp": int(NOW.timestamp()) - 60}, "invalid_grant", id="expired"),
    pytest.param({"aud": "https://evil.example.com"}, "invalid_grant", id="wrong-audience"),
    pytest.param({"sub": "nobody@example.com"}, "invalid_grant", id="unknown-user"),
    pytest.param({"sub": "gone.rep@example.com"}, "invalid_grant", id="inactive-user"),
]


@pytest.mark.parametrize(("overrides", "error"), BAD_ASSERTIONS)
def test_jwt_bearer_grant_refuses_bad_assertions_like_salesforce(
    oauth_org: Served, rsa_pair: tuple[bytes, str], overrides: dict[str, Any], error: str
) -> None:
    url = oauth_org.handle.instance_url

    response = oauth_org.http.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": JWT_BEARER_GRANT,
            "assertion": assertion(rsa_pair[0], url, NOW.timestamp(), **overrides),
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert set(response.json()) == {"error", "error_description"}


def test_jwt_signed_by_another_key_is_invalid_grant(oauth_org: Served) -> None:
    url = oauth_org.handle.instance_url

    response = oauth_org.http.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": JWT_BEARER_GRANT,
            "assertion": assertion(_other_key(), url, NOW.timestamp()),
        },
    )

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


@pytest.mark.parametrize(
    ("secret", "status"), [("s3cret", 200), ("wrong", 400)], ids=["right-secret", "wrong-secret"]
)
def test_client_credentials_grant_checks_the_consumer_secret(
    oauth_org: Served, secret: str, status: int
) -> None:
    oauth_org.handle.sim.oauth.client_credentials_user = oauth_org.ids.rep
    url = oauth_org.handle.instance_url

    response = oauth_org.http.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CONSUMER_KEY,
            "client_secret": secret,
        },
    )

    assert response.status_code == status
    if status == 400:
        assert response.json()["error"] == "invalid_client"
    else:
        assert response.json()["id"].endswith(oauth_org.ids.rep)


def test_client_credentials_session_runs_as_the_integration_user_by_default(
    oauth_org: Served,
) -> None:
    url = oauth_org.handle.instance_url

    response = oauth_org.http.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CONSUMER_KEY,
            "client_secret": "s3cret",
        },
    )

    assert response.json()["id"].endswith(oauth_org.handle.org.integration_user_id)


def test_budget_exhausted_at_runtime_refuses_the_next_call(fresh: Served) -> None:
    admin = f"{fresh.handle.instance_url}/__sim/faults"
    assert fresh.http.put(admin, json={"exhaust_budget": True}).status_code == 200

    response = fresh.http.get(f"{fresh.base}/limits", headers=fresh.auth)

    assert response.status_code == 403
    assert response.json() == LIMIT_EXCEEDED


def test_latency_fault_delays_every_api_call(fresh: Served) -> None:
    fresh.handle.admin.set_faults(latency_ms=150)

    started = time.perf_counter()
    fresh.http.get(f"{fresh.base}/limits", headers=fresh.auth)

    assert time.perf_counter() - started >= 0.15


def test_collection_with_a_mistyped_value_is_refused_whole_as_json_parser_error(
    served: Served,
) -> None:
    response = served.http.patch(
        f"{served.base}/composite/sobjects",
        json={
            "records": [
                {"attributes": {"type": "Lead"}, "id": served.ids.leads[104], "Lead_Grade__c": "A"},
                {
                    "attributes": {"type": "Lead"},
                    "id": served.ids.leads[105],
                    "Lead_Score__c": "hot",
                },
            ]
        },
        headers={**served.auth, "Sforce-Auto-Assign": "FALSE"},
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert served.handle.org.get("Lead", served.ids.leads[104])["Lead_Grade__c"] != "A"  # type: ignore[index]


def test_collection_number_out_of_range_fails_only_its_record(served: Served) -> None:
    response = served.http.patch(
        f"{served.base}/composite/sobjects",
        json={
            "records": [
                {
                    "attributes": {"type": "Lead"},
                    "id": served.ids.leads[106],
                    "Lead_Score__c": 99999,
                },
                {
                    "attributes": {"type": "Lead"},
                    "id": served.ids.leads[107],
                    "Lead_Score__c": 100000,
                },
            ]
        },
        headers={**served.auth, "Sforce-Auto-Assign": "FALSE"},
    )

    first, second = response.json()
    assert first["success"] is True
    assert second["errors"][0]["statusCode"] == "NUMBER_OUTSIDE_VALID_RANGE"


@pytest.fixture
def hour_long_sessions() -> Iterator[Served]:
    yield from serve(5, token_ttl_seconds=3600)


def test_token_expires_after_its_configured_lifetime_on_the_org_clock(
    hour_long_sessions: Served,
) -> None:
    served = hour_long_sessions
    assert served.http.get(f"{served.base}/limits", headers=served.auth).status_code == 200

    served.handle.admin.advance_clock(timedelta(hours=1))
    response = served.http.get(f"{served.base}/limits", headers=served.auth)

    assert response.status_code == 401
    assert response.json() == SESSION_EXPIRED
