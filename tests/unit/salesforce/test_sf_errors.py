"""Each Salesforce answer is classified once into config / transient / fatal / record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sf_payloads import sf_error

from syncd.salesforce.errors import (
    AuthError,
    BudgetExhausted,
    ErrorKind,
    RecordOutcome,
    SalesforceError,
    classify_record_error,
    classify_response,
    parse_retry_after,
)


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (
            400,
            sf_error("MALFORMED_QUERY", "unexpected token: 'FORM'"),
            ErrorKind.CONFIG,
            "MALFORMED_QUERY",
        ),
        (
            400,
            sf_error("INVALID_TYPE", "sObject type 'Leed' is not supported."),
            ErrorKind.CONFIG,
            "INVALID_TYPE",
        ),
        (
            400,
            sf_error("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"),
            ErrorKind.TRANSIENT,
            "UNABLE_TO_LOCK_ROW",
        ),
        (
            400,
            sf_error("INVALID_QUERY_LOCATOR", "invalid query locator"),
            ErrorKind.FATAL,
            "INVALID_QUERY_LOCATOR",
        ),
        (
            401,
            sf_error("INVALID_SESSION_ID", "Session expired or invalid"),
            ErrorKind.FATAL,
            "INVALID_SESSION_ID",
        ),
        (
            403,
            sf_error("INSUFFICIENT_ACCESS", "insufficient access rights on object id"),
            ErrorKind.CONFIG,
            "INSUFFICIENT_ACCESS",
        ),
        (
            404,
            sf_error("NOT_FOUND", "The requested resource does not exist"),
            ErrorKind.FATAL,
            "NOT_FOUND",
        ),
        (
            500,
            sf_error("UNKNOWN_EXCEPTION", "An unexpected error occurred."),
            ErrorKind.TRANSIENT,
            "UNKNOWN_EXCEPTION",
        ),
        (503, b"<html>Service Unavailable</html>", ErrorKind.TRANSIENT, None),
    ],
    ids=[
        "malformed-query",
        "invalid-type",
        "lock-on-request",
        "bad-locator",
        "session-expired",
        "no-permission",
        "not-found",
        "server-error",
        "unavailable-html",
    ],
)
def test_classify_response_by_status_and_error_code(
    status: int, body: object, kind: ErrorKind, code: str | None
) -> None:
    error = classify_response(status, body, {})

    assert error is not None
    assert (error.kind, error.error_code, error.status) == (kind, code, status)


def test_success_is_not_an_error() -> None:
    assert classify_response(200, {"totalSize": 0, "done": True, "records": []}, {}) is None


def test_request_limit_exceeded_is_budget_exhausted_not_a_permission_problem() -> None:
    body = sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    error = classify_response(403, body, {})

    assert isinstance(error, BudgetExhausted)
    assert error.kind is ErrorKind.FATAL


def test_expired_session_is_an_auth_error() -> None:
    error = classify_response(401, sf_error("INVALID_SESSION_ID", "Session expired or invalid"), {})

    assert isinstance(error, AuthError)


def test_invalid_field_names_the_field() -> None:
    body = sf_error(
        "INVALID_FIELD",
        "\nSELECT Id, Lead_Scor__c FROM Lead\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Lead_Scor__c' on entity 'Lead'.",
    )

    error = classify_response(400, body, {})

    assert error is not None
    assert error.kind is ErrorKind.CONFIG
    assert error.field == "Lead_Scor__c"
    assert "Lead_Scor__c" in str(error)


def test_retry_after_seconds_are_kept_on_transient_errors() -> None:
    error = classify_response(503, b"", {"Retry-After": "7"})

    assert error is not None
    assert error.retry_after == 7.0


def test_retry_after_as_http_date_is_seconds_from_now() -> None:
    now = datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC)

    wait = parse_retry_after({"retry-after": "Fri, 20 Nov 2026 10:16:00 GMT"}, now=now)

    assert wait == 30.0


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("UNABLE_TO_LOCK_ROW", RecordOutcome.RETRY),
        ("CANNOT_UPDATE_CONVERTED_LEAD", RecordOutcome.FAILED),
        ("ENTITY_IS_DELETED", RecordOutcome.FAILED),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", RecordOutcome.FAILED),
        ("INVALID_CROSS_REFERENCE_KEY", RecordOutcome.FAILED),
        ("INACTIVE_OWNER_OR_USER", RecordOutcome.FAILED),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", RecordOutcome.FAILED),
        ("STRING_TOO_LONG", RecordOutcome.FAILED),
        ("SOMETHING_NEW_IN_WINTER_27", RecordOutcome.FAILED),
    ],
    ids=lambda v: v.name.lower() if isinstance(v, RecordOutcome) else v,
)
def test_per_record_codes_map_to_retry_or_failed(code: str, outcome: RecordOutcome) -> None:
    errors = [{"statusCode": code, "message": "from Salesforce", "fields": []}]

    assert classify_record_error(errors) is outcome


def test_a_lock_together_with_a_validation_error_is_failed() -> None:
    errors = [
        {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"},
        {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Company is required"},
    ]

    assert classify_record_error(errors) is RecordOutcome.FAILED


def test_error_text_and_repr_name_kind_status_and_code() -> None:
    error = SalesforceError(
        ErrorKind.CONFIG, "no such column", status=400, error_code="INVALID_FIELD"
    )

    assert str(error) == "HTTP 400 INVALID_FIELD: no such column"
    assert "kind=CONFIG" in repr(error)
