"""Adapter to the Salesforce org: auth, SOQL, REST and Bulk API 2.0, retries, API budget."""

from __future__ import annotations

from syncd.salesforce.auth import AuthResult, authenticate
from syncd.salesforce.budget import ApiBudget, ApiUsage, parse_limit_info
from syncd.salesforce.client import PollPolicy, SalesforceClient, SaveResult
from syncd.salesforce.errors import (
    AuthError,
    BudgetExhausted,
    ErrorKind,
    RecordOutcome,
    SalesforceError,
    classify_record_error,
    classify_response,
)
from syncd.salesforce.retry import RetryPolicy

__all__ = [
    "ApiBudget",
    "ApiUsage",
    "AuthError",
    "AuthResult",
    "BudgetExhausted",
    "ErrorKind",
    "PollPolicy",
    "RecordOutcome",
    "RetryPolicy",
    "SalesforceClient",
    "SalesforceError",
    "SaveResult",
    "authenticate",
    "classify_record_error",
    "classify_response",
    "parse_limit_info",
]
