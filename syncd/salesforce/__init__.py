"""Adapter to the Salesforce org: auth, SOQL, REST and Bulk API 2.0, retries, API budget.

Typical use (one client per run; the budget is rebuilt per run from the run records)::

    budget = ApiBudget(settings.api_budget_share, used_by_us_24h=spent_in_last_24h)
    with SalesforceClient(settings.require_salesforce(), api_version=settings.api_version,
                          budget=budget) as sf:
        for page in sf.query_pages(select(fields, "Lead", where=..., order_by="SystemModstamp"),
                                   include_deleted=True):
            store(page)
        results = sf.update_records("Lead", changes)  # SaveResults in input order

Errors come back classified (``SalesforceError.kind``): CONFIG -> refuse to start, FATAL (incl.
``BudgetExhausted``) -> end the run cleanly, TRANSIENT -> already retried, give up for now;
per-record refusals are ``SaveResult.outcome`` (SUCCESS / RETRY / FAILED), never exceptions.
"""

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
