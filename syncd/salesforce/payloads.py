"""Salesforce payloads in and out: per-record save results, record values for JSON and
Bulk CSV (its null marker, its types), nested relationship rows, Bulk error text."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

import structlog

from syncd.salesforce.errors import (
    RecordOutcome,
    SalesforceError,
    classify_record_error,
    describe_record_errors,
)
from syncd.salesforce.retry import RetryPolicy

COLLECTION_LIMIT: Final = 200  # sObject Collections take at most 200 records per call
DEFAULT_RETRY: Final = RetryPolicy()
# Quirk: without this header the org's active lead assignment rule may run on our API write
# and silently re-own the lead we just assigned.
NO_AUTO_ASSIGN: Final = {"Sforce-Auto-Assign": "FALSE"}
# Quirk: in Bulk API 2.0 CSV an empty cell means "leave the field alone"; #N/A sets it null.
BULK_NULL: Final = "#N/A"
_JOB_DONE: Final = frozenset({"JobComplete", "Failed", "Aborted"})
_INT_TYPES: Final = frozenset({"int", "long"})
_FLOAT_TYPES: Final = frozenset({"double", "currency", "percent"})
_FROM: Final = re.compile(r"\bFROM\s+([A-Za-z][A-Za-z0-9_]*)", re.IGNORECASE)
_PARENS: Final = re.compile(r"\([^()]*\)")

Record = dict[str, Any]
_log = structlog.get_logger(__name__)
# Codes for connection failures: whether the request can have reached Salesforce.
NOT_SENT: Final = "CONNECT_FAILED"
MAYBE_SENT: Final = "CONNECTION_LOST"


def surely_not_processed(error: SalesforceError) -> bool:
    """For creates: retry only when Salesforce cannot have acted (503, never connected)."""
    return error.status == 503 or error.error_code == NOT_SENT


@dataclass(frozen=True)
class SaveResult:
    """Salesforce's answer for one record we wrote, in the order we sent them."""

    id: str | None
    success: bool
    errors: list[dict[str, Any]]
    outcome: RecordOutcome

    @property
    def message(self) -> str:
        """Salesforce's reasons in one line ('' on success), for the outbox and ops."""
        return "" if self.success else describe_record_errors(self.errors)

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any], sent_id: str | None) -> SaveResult:
        success = bool(answer.get("success"))
        errors = [dict(e) for e in answer.get("errors") or []]
        outcome = RecordOutcome.SUCCESS if success else classify_record_error(errors)
        return cls(answer.get("id") or sent_id, success, errors, outcome)


@dataclass(frozen=True)
class PollPolicy:
    """How Bulk API 2.0 jobs are polled: growing waits, then give up after ``timeout``."""

    initial: float = 1.0
    factor: float = 1.5
    cap: float = 20.0
    timeout: float = 3600.0


@dataclass
class BulkJob:
    id: str
    state: str
    info: dict[str, Any] = field(default_factory=dict)


def strip_attributes(value: Any) -> Any:
    """Drop every ``attributes`` entry (type and URL), nested relationships included."""
    if isinstance(value, dict):
        return {k: strip_attributes(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [strip_attributes(v) for v in value]
    return value


def sobject_of(soql: str) -> str:
    """The object a SOQL query reads (the top-level FROM, ignoring subqueries)."""
    flat = soql
    while _PARENS.search(flat):
        flat = _PARENS.sub(" ", flat)
    found = _FROM.search(flat)
    if not found:
        raise ValueError(f"no FROM clause in SOQL: {soql!r}")
    return found.group(1)


def json_value(value: object) -> object:
    """A Python value as Salesforce's JSON expects it (datetimes in UTC, whole seconds)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("datetimes written to Salesforce must be timezone-aware")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def csv_value(value: object) -> str:
    """A Python value as a Bulk API 2.0 CSV cell."""
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    converted = json_value(value)
    return converted if isinstance(converted, str) else str(converted)


def from_csv(value: str, field_type: str | None) -> object:
    """A Bulk API 2.0 CSV cell as the REST API would have returned it in JSON."""
    if value == "":
        return None
    if field_type == "boolean":
        return value.lower() == "true"
    if field_type in _INT_TYPES:
        return int(float(value))
    if field_type in _FLOAT_TYPES:
        return float(value)
    if field_type == "datetime" and value.endswith("Z"):
        # Bulk writes 2026-11-20T10:15:30.000Z where REST writes ...+0000: keep one shape.
        return value[:-1] + "+0000"
    return value


def nest_row(row: Mapping[str, object]) -> Record:
    """Dotted CSV columns (Owner.Name) become nested dicts, as REST returns relationships."""
    out: Record = {}
    for column, value in row.items():
        *path, leaf = column.split(".")
        target = out
        for part in path:
            target = target.setdefault(part, {})
        target[leaf] = value
    return {k: (None if all_none(v) else v) for k, v in out.items()}


def all_none(value: object) -> bool:
    if isinstance(value, dict):
        return all(all_none(v) for v in value.values())
    return value is None


def parse_bulk_error(text: str) -> dict[str, Any]:
    """A Bulk sf__Error cell as a REST-shaped error.

    The cell reads ``STATUS_CODE:message:Field1,Field2 --`` (the field list ends with ``--``
    and may be empty); the message itself may contain colons.
    """
    code, _, rest = text.partition(":")
    message, sep, fields = rest.rpartition(":")
    if not sep:
        message, fields = rest, ""
    fields = fields.strip().removesuffix("--")
    names = [f.strip() for f in fields.split(",") if f.strip()]
    return {"statusCode": code.strip(), "message": message.strip(), "fields": names}


def record_id_of(record: Mapping[str, Any]) -> str:
    value = record.get("Id", record.get("id"))
    if not isinstance(value, str) or not value:
        raise ValueError("every record to update needs its Salesforce Id under 'Id'")
    return value


def to_csv(records: Sequence[Mapping[str, Any]]) -> str:
    columns = ["Id", *dict.fromkeys(k for r in records for k in r if k not in ("Id", "id"))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = [record_id_of(record)]
        # A column this record does not have stays empty: Bulk leaves that field unchanged.
        row += [csv_value(record[c]) if c in record else "" for c in columns[1:]]
        writer.writerow(row)
    return buffer.getvalue()
