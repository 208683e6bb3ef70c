"""Every Salesforce answer is classified once, here, into one of four kinds (STYLE.md item 3).

CONFIG: refuse to start and say what to fix (bad SOQL field, bad credentials, no permission).
TRANSIENT: retry with backoff (5xx, connection errors, timeouts, row locks).
FATAL: stop this run cleanly, keep the daemon alive (API quota spent, session cannot be renewed).
RECORD: one record was refused; record the reason and go on with the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Final

# Request-level codes that mean "the SOQL or the mapping is wrong": an admin must fix config.
_CONFIG_CODES: Final = frozenset(
    {
        "MALFORMED_QUERY",
        "INVALID_FIELD",
        "INVALID_TYPE",
        "INVALID_QUERY_FILTER_OPERATOR",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "MALFORMED_ID",
    }
)
# Per-record codes worth sending again: the row was busy, not wrong.
_RETRYABLE_RECORD_CODES: Final = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",
        # Only seen with allOrNone=true: this record was fine, another one rolled the batch back.
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    }
)
_NO_SUCH_COLUMN: Final = re.compile(r"No such column '([^']+)'")


class ErrorKind(Enum):
    CONFIG = "config"
    TRANSIENT = "transient"
    FATAL = "fatal"
    RECORD = "record"


class RecordOutcome(Enum):
    """What to do with one record after Salesforce answered for it."""

    SUCCESS = "success"
    RETRY = "retry"  # transient (row lock, never processed): safe to send again later
    FAILED = "failed"  # Salesforce refused it for a reason resending will not change


class SalesforceError(Exception):
    """A classified failure of a request to Salesforce. Never carries a secret."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        retry_after: float | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.error_code = error_code
        self.retry_after = retry_after
        self.field = field
        # Set by multi-call writes that fail part-way: one SaveResult per input record already
        # answered, None for records never sent (or whose fate is unknown).
        self.partial_results: list[Any] | None = None

    def __str__(self) -> str:
        where = f"HTTP {self.status} " if self.status is not None else ""
        code = f"{self.error_code}: " if self.error_code else ""
        return f"{where}{code}{self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(kind={self.kind.name}, status={self.status}, "
            f"error_code={self.error_code!r}, message={self.message!r})"
        )


class BudgetExhausted(SalesforceError):
    """The API budget is spent (ours or the org's): end the run cleanly, retry nothing."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = "REQUEST_LIMIT_EXCEEDED",
    ) -> None:
        super().__init__(ErrorKind.FATAL, message, status=status, error_code=error_code)


class AuthError(SalesforceError):
    """Login failed or the session cannot be used: CONFIG (fix credentials) or FATAL."""


def _first_error(body: object) -> Mapping[str, object]:
    """Salesforce error bodies are a JSON list of {message, errorCode, fields}; take the first."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body) if body else None
        except ValueError:
            return {"message": body.decode(errors="replace") if isinstance(body, bytes) else body}
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        return body[0]
    if isinstance(body, Mapping):
        return body
    return {}


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if any."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _field_named(error: Mapping[str, object], message: str) -> str | None:
    fields = error.get("fields")
    if isinstance(fields, list) and fields and isinstance(fields[0], str):
        return fields[0]
    found = _NO_SUCH_COLUMN.search(message)
    return found.group(1) if found else None


def classify_response(
    status: int, body: object, headers: Mapping[str, str]
) -> SalesforceError | None:
    """Turn one HTTP answer into a classified error, or None when it succeeded."""
    if status < 300:
        return None
    error = _first_error(body)
    code = str(error.get("errorCode") or "") or None
    message = str(error.get("message") or f"HTTP {status} from Salesforce")
    retry_after = parse_retry_after(headers)

    if status == 401:
        return AuthError(ErrorKind.FATAL, message, status=status, error_code=code)
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        # Quirk: Salesforce answers 403 for a spent daily quota, not only for missing rights.
        return BudgetExhausted(message, status=status, error_code=code)
    if code == "UNABLE_TO_LOCK_ROW" or status >= 500 or status in (408, 429):
        return SalesforceError(
            ErrorKind.TRANSIENT, message, status=status, error_code=code, retry_after=retry_after
        )
    if status == 403:
        return SalesforceError(
            ErrorKind.CONFIG,
            f"{message} (the integration user lacks a permission)",
            status=status,
            error_code=code,
        )
    if status == 400 and code in _CONFIG_CODES:
        field = _field_named(error, message)
        named = f" (field {field})" if field and field not in message else ""
        return SalesforceError(
            ErrorKind.CONFIG, f"{message}{named}", status=status, error_code=code, field=field
        )
    return SalesforceError(ErrorKind.FATAL, message, status=status, error_code=code)


def _codes(errors: Sequence[Mapping[str, object]]) -> list[str]:
    # Composite answers say statusCode; REST error bodies say errorCode. Accept both.
    return [str(e.get("statusCode") or e.get("errorCode") or "") for e in errors]


def classify_record_error(errors: Sequence[Mapping[str, object]]) -> RecordOutcome:
    """Outcome of a record Salesforce refused: RETRY only when every error is a transient one."""
    codes = _codes(errors)
    if codes and all(code in _RETRYABLE_RECORD_CODES for code in codes):
        return RecordOutcome.RETRY
    return RecordOutcome.FAILED


def describe_record_errors(errors: Sequence[Mapping[str, object]]) -> str:
    """One readable line for ops: 'CODE: message [fields]; ...'."""
    parts = []
    for error, code in zip(errors, _codes(errors), strict=True):
        fields = error.get("fields")
        suffix = f" [{', '.join(map(str, fields))}]" if isinstance(fields, list) and fields else ""
        parts.append(f"{code}: {error.get('message', '')}{suffix}")
    return "; ".join(parts) or "no error detail from Salesforce"


def transient_label(error: BaseException | None) -> str:
    """How a retried error is counted in a run's warnings: by HTTP status and code, never the
    message (it can carry record values)."""
    if isinstance(error, SalesforceError):
        parts = [f"HTTP {error.status}" if error.status is not None else "", error.error_code or ""]
        what = " ".join(p for p in parts if p) or type(error).__name__
        return f"requests retried after {what}"
    if error is None:
        return "requests retried"
    return f"requests retried after {type(error).__name__}"
