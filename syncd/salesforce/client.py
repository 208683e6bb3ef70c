"""The Salesforce client syncd uses: REST query, describe, sObject Collections and Bulk API 2.0.

Every request goes through one path (``_request``): the budget guard, the call counters, the
retry policy, classification of the answer and one re-login on an expired session.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Final

import requests
import structlog

from syncd.salesforce.auth import AuthResult, authenticate
from syncd.salesforce.budget import ApiBudget, ApiUsage, parse_limit_info
from syncd.salesforce.errors import (
    AuthError,
    ErrorKind,
    RecordOutcome,
    SalesforceError,
    classify_record_error,
    classify_response,
    describe_record_errors,
)
from syncd.salesforce.retry import RetryPolicy, Sleep
from syncd.settings import SalesforceLogin, SessionLogin

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


def _surely_not_processed(error: SalesforceError) -> bool:
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
class _Job:
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


def _nest(row: Mapping[str, object]) -> Record:
    """Dotted CSV columns (Owner.Name) become nested dicts, as REST returns relationships."""
    out: Record = {}
    for column, value in row.items():
        *path, leaf = column.split(".")
        target = out
        for part in path:
            target = target.setdefault(part, {})
        target[leaf] = value
    return {k: (None if _all_none(v) else v) for k, v in out.items()}


def _all_none(value: object) -> bool:
    if isinstance(value, dict):
        return all(_all_none(v) for v in value.values())
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


def _record_id(record: Mapping[str, Any]) -> str:
    value = record.get("Id", record.get("id"))
    if not isinstance(value, str) or not value:
        raise ValueError("every record to update needs its Salesforce Id under 'Id'")
    return value


class SalesforceClient:
    """One org, one session. Counts every HTTP request it makes in ``calls_made``."""

    def __init__(
        self,
        login: SalesforceLogin,
        *,
        api_version: str,
        session: requests.Session | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        budget: ApiBudget | None = None,
        sleep: Sleep = time.sleep,
        poll: PollPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 120.0),
    ) -> None:
        self._login = login
        self.api_version = api_version.removeprefix("v")
        self._owns_session = session is None
        # trust_env stays on so REQUESTS_CA_BUNDLE is honoured (the simulator relies on it).
        self._session = session if session is not None else requests.Session()
        if self._session.verify is False:
            raise ValueError("TLS verification must stay on for Salesforce sessions")
        self._retry = retry
        self._budget = budget
        self._sleep = sleep
        self._poll = poll or PollPolicy()
        self._timeout = timeout
        self._auth: AuthResult | None = None
        self._field_types: dict[str, dict[str, str]] = {}
        self.calls_made = 0
        self.calls_by_kind: Counter[str] = Counter()
        self.usage: ApiUsage | None = None

    def __repr__(self) -> str:
        where = self._auth.instance_url if self._auth else "not connected"
        return f"SalesforceClient({where}, v{self.api_version}, calls_made={self.calls_made})"

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    # -- session ---------------------------------------------------------------------------

    @property
    def instance_url(self) -> str:
        return self._authenticated().instance_url

    def _authenticated(self) -> AuthResult:
        if self._auth is None:
            self._auth = self._log_in()
        return self._auth

    def _log_in(self) -> AuthResult:
        def attempt() -> AuthResult:
            if not isinstance(self._login, SessionLogin):
                self.calls_made += 1
                self.calls_by_kind["auth"] += 1
            return authenticate(self._login, session=self._session, api_version=self.api_version)

        return self._retry.call(attempt, sleep=self._sleep, what="auth")

    def _url(self, path: str) -> str:
        if path.startswith("https://"):
            return path
        instance = self._authenticated().instance_url
        if path.startswith("/"):
            return f"{instance}{path}"
        if path.startswith("services/"):
            return f"{instance}/{path}"
        return f"{instance}/services/data/v{self.api_version}/{path}"

    # -- the one request path --------------------------------------------------------------

    def _spend(self, kind: str) -> None:
        budget = self._budget
        if budget is None:
            return
        if budget.usage is None:
            if kind == "limits":
                budget.record(1)  # asking for the limit itself is always allowed
                return
            if budget.allowance() < 1:
                # The first answer carried no Sforce-Limit-Info: ask /limits once instead of
                # flying blind.
                self.limits()
        budget.spend(1)

    def _send(self, method: str, path: str, kind: str, **kwargs: Any) -> requests.Response:
        self._spend(kind)
        url = self._url(path)
        headers = {
            "Authorization": f"Bearer {self._authenticated().access_token.reveal()}",
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        self.calls_made += 1
        self.calls_by_kind[kind] += 1
        try:
            response = self._session.request(
                method, url, headers=headers, timeout=self._timeout, **kwargs
            )
        except requests.ConnectTimeout as exc:
            raise SalesforceError(
                ErrorKind.TRANSIENT,
                f"{method} {path.split('?')[0]}: {type(exc).__name__}",
                error_code=NOT_SENT,
            ) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise SalesforceError(
                ErrorKind.TRANSIENT,
                f"{method} {path.split('?')[0]}: {type(exc).__name__}",
                error_code=MAYBE_SENT,
            ) from None
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self._observe(usage)
        return response

    def _observe(self, usage: ApiUsage) -> None:
        self.usage = usage
        if self._budget is not None:
            self._budget.observe(usage)

    def _attempt(self, method: str, path: str, kind: str, **kwargs: Any) -> requests.Response:
        response = self._send(method, path, kind, **dict(kwargs))
        error = classify_response(response.status_code, response.content, response.headers)
        if isinstance(error, AuthError) and response.status_code == 401:
            if not self._authenticated().can_refresh:
                raise AuthError(
                    ErrorKind.FATAL,
                    "session expired; the access token cannot be refreshed (a bare session "
                    "was configured): set a new SYNCD_SF_ACCESS_TOKEN or use the JWT bearer "
                    "login",
                    status=401,
                    error_code=error.error_code,
                )
            # Expired session with a refreshable login: log in again once and resend.
            _log.warning("salesforce.session_expired", request=f"{kind} {method}", action="relogin")
            self._auth = self._log_in()
            response = self._send(method, path, kind, **dict(kwargs))
            error = classify_response(response.status_code, response.content, response.headers)
            if isinstance(error, AuthError):
                raise AuthError(
                    ErrorKind.FATAL,
                    f"session refused again right after a new login: {error.message}",
                    status=error.status,
                    error_code=error.error_code,
                )
        if error is not None:
            raise error
        return response

    def _request(
        self, method: str, path: str, *, kind: str, idempotent: bool = True, **kwargs: Any
    ) -> requests.Response:
        return self._retry.call(
            lambda: self._attempt(method, path, kind, **kwargs),
            sleep=self._sleep,
            what=f"{kind} {method}",
            only=None if idempotent else _surely_not_processed,
        )

    def _json(
        self, method: str, path: str, *, kind: str, idempotent: bool = True, **kwargs: Any
    ) -> Any:
        response = self._request(method, path, kind=kind, idempotent=idempotent, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise SalesforceError(
                ErrorKind.FATAL,
                f"{method} {path.split('?')[0]} answered {response.status_code} without JSON",
                status=response.status_code,
            ) from None

    def _text(self, path: str, *, kind: str, **kwargs: Any) -> requests.Response:
        response = self._request("GET", path, kind=kind, headers={"Accept": "text/csv"}, **kwargs)
        response.encoding = "utf-8"  # Bulk API CSV is UTF-8 whatever the Content-Type says
        return response

    # -- reading ---------------------------------------------------------------------------

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[Record]]:
        """Pages of records (without ``attributes``), following ``nextRecordsUrl`` to the end.

        ``include_deleted`` uses queryAll, which also returns deleted and merged rows
        (``IsDeleted``, ``MasterRecordId``). ``batch_size`` (200..2,000) is a request; pages
        may be smaller (two long-text fields make Salesforce page at 200).
        """
        headers: dict[str, str] = {}
        if batch_size is not None:
            if not 200 <= batch_size <= 2000:
                raise ValueError("batch_size must be between 200 and 2,000")
            headers["Sforce-Query-Options"] = f"batchSize={batch_size}"
        endpoint = "queryAll" if include_deleted else "query"
        body = self._json("GET", endpoint, kind="query", params={"q": soql}, headers=headers)
        while True:
            yield [strip_attributes(r) for r in body.get("records", [])]
            next_url = body.get("nextRecordsUrl")
            # Quirk: pages end with done=true; otherwise nextRecordsUrl names the next page.
            if body.get("done", True) or not next_url:
                return
            body = self._json("GET", next_url, kind="query_more", headers=headers)

    def query(self, soql: str, *, include_deleted: bool = False) -> list[Record]:
        """Every record of a (small) query in one list."""
        return [r for page in self.query_pages(soql, include_deleted=include_deleted) for r in page]

    def count(self, soql: str) -> int:
        """``totalSize`` of a query, e.g. ``SELECT COUNT() FROM Lead WHERE ...``."""
        body = self._json("GET", "query", kind="count", params={"q": soql})
        return int(body["totalSize"])

    def describe(self, sobject: str) -> dict[str, Any]:
        body: dict[str, Any] = self._json("GET", f"sobjects/{sobject}/describe", kind="describe")
        self._field_types[sobject] = {
            str(f["name"]): str(f.get("type", "")) for f in body.get("fields", [])
        }
        return body

    def describe_global(self) -> dict[str, Any]:
        body: dict[str, Any] = self._json("GET", "sobjects", kind="describe_global")
        return body

    def limits(self) -> dict[str, Any]:
        """``GET /limits``; also refreshes ``usage`` and the budget from DailyApiRequests."""
        body: dict[str, Any] = self._json("GET", "limits", kind="limits")
        daily = body.get("DailyApiRequests") or {}
        if "Max" in daily and "Remaining" in daily:
            maximum = int(daily["Max"])
            self._observe(ApiUsage(maximum - int(daily["Remaining"]), maximum))
        return body

    # -- sObject Collections ---------------------------------------------------------------

    def update_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]:
        """Update records (each with ``Id``) 200 per call, ``allOrNone`` false.

        The answer is one SaveResult per input record, in input order. Records refused with
        UNABLE_TO_LOCK_ROW are sent again (alone) with the retry policy's backoff while
        ``retry_locked``; any still locked come back with outcome RETRY. When a call fails
        part-way (budget spent, outage), the error raised carries ``partial_results``.
        """
        payloads = []
        for record in records:
            record_id = _record_id(record)
            fields = {k: json_value(v) for k, v in record.items() if k not in ("Id", "id")}
            payloads.append({"attributes": {"type": sobject}, "id": record_id, **fields})
        return self._collections("PATCH", payloads, "composite_update", retry_locked)

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]:
        """Create records 200 per call, ``allOrNone`` false; SaveResults in input order."""
        payloads = [
            {"attributes": {"type": sobject}, **{k: json_value(v) for k, v in r.items()}}
            for r in records
        ]
        return self._collections("POST", payloads, "composite_create", retry_locked)

    def _collections(
        self, method: str, payloads: list[Record], kind: str, retry_locked: bool
    ) -> list[SaveResult]:
        results: list[SaveResult | None] = [None] * len(payloads)
        try:
            self._collection_chunks(method, payloads, kind, retry_locked, results)
        except SalesforceError as error:
            # What Salesforce already accepted must reach the outbox, or it would be resent.
            error.partial_results = list(results)
            raise
        return [r for r in results if r is not None]

    def _collection_chunks(
        self,
        method: str,
        payloads: list[Record],
        kind: str,
        retry_locked: bool,
        results: list[SaveResult | None],
    ) -> None:
        for start in range(0, len(payloads), COLLECTION_LIMIT):
            pending = list(range(start, min(start + COLLECTION_LIMIT, len(payloads))))
            attempt = 1
            while pending:
                answers = self._send_collection(method, [payloads[i] for i in pending], kind)
                for index, answer in zip(pending, answers, strict=True):
                    results[index] = answer
                pending = [
                    i
                    for i, answer in zip(pending, answers, strict=True)
                    if answer.outcome is RecordOutcome.RETRY
                ]
                if not (pending and retry_locked and attempt < self._retry.max_attempts):
                    break
                _log.info("salesforce.rows_locked", records=len(pending), attempt=attempt)
                self._sleep(self._retry.backoff(attempt))
                attempt += 1

    def _send_collection(self, method: str, batch: list[Record], kind: str) -> list[SaveResult]:
        body = self._json(
            method,
            "composite/sobjects",
            kind=kind,
            # A create resent after an ambiguous failure could create the record twice.
            idempotent=method != "POST",
            json={"allOrNone": False, "records": batch},
            headers=NO_AUTO_ASSIGN,
        )
        if not isinstance(body, list) or len(body) != len(batch):
            raise SalesforceError(
                ErrorKind.FATAL,
                f"composite/sobjects answered {len(body) if isinstance(body, list) else 'no'} "
                f"results for {len(batch)} records",
            )
        return [
            SaveResult.from_answer(answer, sent.get("id"))
            for answer, sent in zip(body, batch, strict=True)
        ]

    # -- Bulk API 2.0 ----------------------------------------------------------------------

    def _wait_for_job(self, path: str, kind: str) -> _Job:
        delay, waited = self._poll.initial, 0.0
        while True:
            info: dict[str, Any] = self._json("GET", path, kind=kind)
            job = _Job(str(info["id"]), str(info["state"]), info)
            if job.state in _JOB_DONE:
                _log.info(
                    "salesforce.bulk_job",
                    job_id=job.id,
                    operation=info.get("operation"),
                    sobject=info.get("object"),
                    state=job.state,
                    records_processed=info.get("numberRecordsProcessed"),
                    records_failed=info.get("numberRecordsFailed"),
                    waited_seconds=waited,
                    error=info.get("errorMessage"),
                )
                return job
            if waited >= self._poll.timeout:
                raise SalesforceError(
                    ErrorKind.FATAL,
                    f"Bulk API job {job.id} still {job.state} after {waited:.0f} s",
                )
            self._sleep(delay)
            waited += delay
            delay = min(self._poll.cap, delay * self._poll.factor)

    def field_types(self, sobject: str) -> dict[str, str]:
        """Field name -> describe type (``boolean``, ``double``, ``datetime``...), cached."""
        if sobject not in self._field_types:
            self.describe(sobject)
        return self._field_types[sobject]

    def bulk_query(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        max_records: int | None = None,
        field_types: Mapping[str, str] | None = None,
    ) -> Iterator[Record]:
        """Rows of a Bulk API 2.0 query job, shaped like REST records.

        CSV strings become what REST would return: "" -> None, booleans, ints, floats,
        datetimes as ``...+0000``, dotted columns nested. Types come from ``field_types`` or
        the object's describe (one call, cached).
        """
        types = field_types if field_types is not None else self.field_types(sobject_of(soql))
        created = self._json(
            "POST",
            "jobs/query",
            kind="bulk_query",
            json={"operation": "queryAll" if include_deleted else "query", "query": soql},
        )
        job = self._wait_for_job(f"jobs/query/{created['id']}", "bulk_query")
        if job.state != "JobComplete":
            raise SalesforceError(
                ErrorKind.FATAL,
                f"Bulk query job {job.id} {job.state}: "
                f"{job.info.get('errorMessage') or 'no detail'}",
            )
        locator: str | None = None
        while True:
            params: dict[str, str | int] = {}
            if locator:
                params["locator"] = locator
            if max_records:
                params["maxRecords"] = max_records
            response = self._text(f"jobs/query/{job.id}/results", kind="bulk_query", params=params)
            for row in csv.DictReader(io.StringIO(response.text)):
                yield _nest({k: from_csv(v, types.get(k)) for k, v in row.items()})
            locator = response.headers.get("Sforce-Locator")
            # Quirk: the last page says Sforce-Locator: null (the string), not an absent header.
            if not locator or locator == "null":
                return

    def bulk_update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[SaveResult]:
        """Update records through one Bulk API 2.0 ingest job; SaveResults in input order.

        No Sforce-Auto-Assign header here: Bulk API 2.0 runs an assignment rule only when the
        job names one in ``assignmentRuleId``, which we never set, so the lead keeps the owner
        we write. Records the job never processed come back with outcome RETRY (FAILED when
        the whole job failed, with its error message).
        """
        ids = [_record_id(r) for r in records]
        keys = [i[:15] for i in ids]  # 15-char prefix: Bulk may answer with the 18-char form
        if len(set(keys)) != len(keys):
            raise ValueError("bulk_update got the same record Id more than once")
        if not records:
            return []
        created = self._json(
            "POST",
            "jobs/ingest",
            kind="bulk_ingest",
            json={
                "object": sobject,
                "operation": "update",
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            },
        )
        job_id = str(created["id"])
        try:
            self._request(
                "PUT",
                str(created.get("contentUrl") or f"jobs/ingest/{job_id}/batches"),
                kind="bulk_ingest",
                data=_to_csv(records).encode("utf-8"),
                headers={"Content-Type": "text/csv"},
            )
            self._json(
                "PATCH",
                f"jobs/ingest/{job_id}",
                kind="bulk_ingest",
                json={"state": "UploadComplete"},
            )
        except SalesforceError:
            self._abort_quietly(job_id)
            raise
        job = self._wait_for_job(f"jobs/ingest/{job_id}", "bulk_ingest")
        by_key: dict[str, SaveResult] = {}
        for row in self._csv_rows(f"jobs/ingest/{job_id}/successfulResults/"):
            record_id = row.get("sf__Id") or row.get("Id") or ""
            by_key[record_id[:15]] = SaveResult(record_id, True, [], RecordOutcome.SUCCESS)
        for row in self._csv_rows(f"jobs/ingest/{job_id}/failedResults/"):
            record_id = row.get("sf__Id") or row.get("Id") or ""
            errors = [parse_bulk_error(row.get("sf__Error", ""))]
            by_key[record_id[:15]] = SaveResult(
                record_id, False, errors, classify_record_error(errors)
            )
        unprocessed_error: dict[str, Any] = {
            "statusCode": "UNPROCESSED" if job.state != "Failed" else "BULK_JOB_FAILED",
            "message": f"Bulk job {job_id} {job.state} before processing this record"
            + (f": {job.info['errorMessage']}" if job.info.get("errorMessage") else ""),
            "fields": [],
        }
        outcome = RecordOutcome.FAILED if job.state == "Failed" else RecordOutcome.RETRY
        for row in self._csv_rows(f"jobs/ingest/{job_id}/unprocessedrecords/"):
            record_id = row.get("Id") or ""
            by_key[record_id[:15]] = SaveResult(
                record_id, False, [dict(unprocessed_error)], outcome
            )
        missing = {"statusCode": "NO_RESULT", "message": f"Bulk job {job_id} reported nothing"}
        return [
            by_key.get(key)
            or SaveResult(record_id, False, [dict(missing, fields=[])], RecordOutcome.RETRY)
            for key, record_id in zip(keys, ids, strict=True)
        ]

    def _csv_rows(self, path: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self._text(path, kind="bulk_ingest").text)))

    def _abort_quietly(self, job_id: str) -> None:
        """Best effort: an unfinished job would otherwise sit open in the org's job list."""
        try:
            self._attempt(
                "PATCH", f"jobs/ingest/{job_id}", "bulk_ingest", json={"state": "Aborted"}
            )
        except SalesforceError:
            return


def _to_csv(records: Sequence[Mapping[str, Any]]) -> str:
    columns = ["Id", *dict.fromkeys(k for r in records for k in r if k not in ("Id", "id"))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = [_record_id(record)]
        # A column this record does not have stays empty: Bulk leaves that field unchanged.
        row += [csv_value(record[c]) if c in record else "" for c in columns[1:]]
        writer.writerow(row)
    return buffer.getvalue()


__all__ = [
    "COLLECTION_LIMIT",
    "NO_AUTO_ASSIGN",
    "PollPolicy",
    "SalesforceClient",
    "SaveResult",
    "parse_bulk_error",
    "strip_attributes",
]
