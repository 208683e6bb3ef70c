"""Bulk API 2.0 for the client: query jobs streamed as CSV pages, ingest (update) jobs with
per-record results, polling with backoff, aborting what it leaves unfinished.

simple-salesforce's ``bulk2`` is not used: it writes result CSVs to files, hides the calls
from syncd's budget guard and counters, and cannot return per-record results keyed by the
Ids syncd sent; the job lifecycle here is the documented one (create, upload, close, poll,
results) in ~150 lines on the one request path every call takes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import requests
import structlog

from syncd.salesforce.errors import (
    ErrorKind,
    RecordOutcome,
    SalesforceError,
    classify_record_error,
)
from syncd.salesforce.payloads import (
    _JOB_DONE,
    BulkJob,
    PollPolicy,
    Record,
    SaveResult,
    from_csv,
    nest_row,
    parse_bulk_error,
    record_id_of,
    sobject_of,
    to_csv,
)
from syncd.salesforce.retry import Sleep

_log = structlog.get_logger(__name__)


class BulkApi:
    """Bulk API 2.0 methods; mixed into :class:`SalesforceClient`, whose request path they use."""

    # The client's request path, which these methods use; declared for the type checker
    # only, so nothing here can shadow the client's own.
    _poll: PollPolicy
    _sleep: Sleep
    _field_types: dict[str, dict[str, str]]

    if TYPE_CHECKING:

        def _json(self, method: str, path: str, *, kind: str, **kwargs: Any) -> Any: ...

        def _text(self, path: str, *, kind: str, **kwargs: Any) -> requests.Response: ...

        def _attempt(
            self, method: str, path: str, kind: str, **kwargs: Any
        ) -> requests.Response: ...

        def _request(
            self, method: str, path: str, *, kind: str, idempotent: bool = True, **kwargs: Any
        ) -> requests.Response: ...

        def describe(self, sobject: str) -> dict[str, Any]: ...

    # -- Bulk API 2.0 ----------------------------------------------------------------------

    def _wait_for_job(self, path: str, kind: str) -> BulkJob:
        delay, waited = self._poll.initial, 0.0
        while True:
            info: dict[str, Any] = self._json("GET", path, kind=kind)
            job = BulkJob(str(info["id"]), str(info["state"]), info)
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
                yield nest_row({k: from_csv(v, types.get(k)) for k, v in row.items()})
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
        ids = [record_id_of(r) for r in records]
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
                data=to_csv(records).encode("utf-8"),
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
