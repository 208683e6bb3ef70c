"""Bulk API 2.0: query jobs with CSV results paged by locator, and ingest jobs.

Jobs run to completion as soon as they are submitted (query: on create; ingest: on
``UploadComplete``); callers still poll, as they must against Salesforce.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncd.simulator.errors import SalesforceApiError, not_found
from syncd.simulator.limits import Stats
from syncd.simulator.org import Org, Record
from syncd.simulator.rest import RequestContext, RestApi, Result
from syncd.simulator.schema import FieldDef, ObjectDef, make_id
from syncd.simulator.values import format_datetime, from_csv, to_csv

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = frozenset({"insert", "update", "upsert", "delete"})
QUERY_OPERATIONS = frozenset({"query", "queryAll"})


@dataclass(frozen=True)
class CsvReply:
    """A CSV response body with its extra headers (the REST layer answers JSON otherwise)."""

    text: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BulkJob:
    id: str
    operation: str
    object: str
    created_by: str
    created_date: datetime
    api_version: str
    column_delimiter: str
    line_ending: str
    state: str
    modstamp: datetime
    external_id_field: str | None = None
    query: str | None = None
    fields: tuple[str, ...] = ()
    results: list[Record] = field(default_factory=list)
    upload: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    processed: int = 0
    error_message: str | None = None

    @property
    def is_query(self) -> bool:
        return self.operation in QUERY_OPERATIONS

    def info(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created_date),
            "systemModstamp": format_datetime(self.modstamp),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
            "numberRecordsProcessed": self.processed,
            "retries": 0,
            "totalProcessingTime": 0,
        }
        if not self.is_query:
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
            body["numberRecordsFailed"] = len(self.failed)
            body["apiActiveProcessingTime"] = 0
            body["apexProcessingTime"] = 0
            if self.external_id_field:
                body["externalIdFieldName"] = self.external_id_field
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


def _encode_locator(offset: int) -> str:
    # Salesforce's locators are opaque; in practice base64 of the next offset.
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded.encode(), validate=True).decode())
    except (ValueError, binascii.Error):
        raise SalesforceApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


class BulkApi:
    """The ``jobs/query`` and ``jobs/ingest`` resources."""

    def __init__(self, org: Org, rest: RestApi, stats: Stats) -> None:
        self.org = org
        self.rest = rest
        self.stats = stats
        self._jobs: dict[str, BulkJob] = {}
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)

    def _new_job(
        self, ctx: RequestContext, body: dict[str, Any], operation: str, sobject: str
    ) -> BulkJob:
        delimiter = str(body.get("columnDelimiter", "COMMA"))
        line_ending = str(body.get("lineEnding", "LF"))
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            raise SalesforceApiError(
                400, "INVALIDJOB", "columnDelimiter or lineEnding is not supported"
            )
        now = self.org.now()
        job = BulkJob(
            id=make_id("750", next(self._sequence)),
            operation=operation,
            object=sobject,
            created_by=ctx.user_id,
            created_date=now,
            api_version=ctx.version,
            column_delimiter=delimiter,
            line_ending=line_ending,
            state="Open",
            modstamp=now,
        )
        with self._lock:
            self._jobs[job.id] = job
        return job

    def job(self, job_id: str, *, query: bool) -> BulkJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.is_query != query:
            raise not_found()
        return job

    # --- query jobs ---

    def create_query_job(self, ctx: RequestContext) -> Result:
        body = _body(ctx)
        operation = str(body.get("operation", ""))
        text = body.get("query")
        if operation not in QUERY_OPERATIONS or not isinstance(text, str):
            raise SalesforceApiError(
                400, "INVALIDJOB", "operation must be query or queryAll, with a query"
            )
        include_deleted = operation == "queryAll"
        bound, objdef = self.rest.run_soql(text)
        if bound.is_count or bound.offset is not None:
            raise SalesforceApiError(
                400, "API_ERROR", "Bulk API 2.0 queries do not support COUNT() or OFFSET"
            )
        job = self._new_job(ctx, body, operation, objdef.name)
        job.query = text
        job.fields = bound.fields
        job.results = self.rest.matching(bound, objdef, include_deleted=include_deleted)
        job.processed = len(job.results)
        job.state = "UploadComplete"
        info = job.info()
        job.state = "JobComplete"
        return 200, info

    def query_results(self, ctx: RequestContext, job_id: str) -> Result:
        job = self.job(job_id, query=True)
        if job.state != "JobComplete":
            raise SalesforceApiError(400, "INVALIDJOBSTATE", "Job is not complete")
        offset = _decode_locator(ctx.args["locator"]) if ctx.args.get("locator") else 0
        max_text = ctx.args.get("maxRecords", "")
        remaining = len(job.results) - offset
        count = (
            min(remaining, int(max_text)) if max_text.isdigit() and int(max_text) > 0 else remaining
        )
        count = max(count, 0)
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter=DELIMITERS[job.column_delimiter],
            lineterminator=LINE_ENDINGS[job.line_ending],
            quoting=csv.QUOTE_ALL,
        )
        writer.writerow(job.fields)
        getters = self.rest.value_getters(self.org.object_def(job.object), job.fields)
        with self.org.lock:
            for record in job.results[offset : offset + count]:
                writer.writerow([to_csv(get(record)) for get in getters])
        next_offset = offset + count
        locator = _encode_locator(next_offset) if next_offset < len(job.results) else "null"
        return 200, CsvReply(
            out.getvalue(),
            {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(count)},
        )

    # --- ingest jobs ---

    def create_ingest_job(self, ctx: RequestContext) -> Result:
        body = _body(ctx)
        operation = str(body.get("operation", ""))
        if operation not in INGEST_OPERATIONS:
            raise SalesforceApiError(400, "INVALIDJOB", f"Invalid operation: {operation}")
        objdef = self.org.schema.object(str(body.get("object", "")))
        if objdef is None:
            raise SalesforceApiError(
                400, "INVALIDJOB", f"Unable to find object: {body.get('object')}"
            )
        external_id = body.get("externalIdFieldName")
        # The simulated objects have no custom external-id fields; Id is always allowed.
        if operation == "upsert" and (
            not isinstance(external_id, str) or external_id.lower() != "id"
        ):
            raise SalesforceApiError(
                400,
                "INVALIDJOB",
                f"The field {external_id} is not an external id field on {objdef.name}",
            )
        job = self._new_job(ctx, body, operation, objdef.name)
        job.external_id_field = "Id" if operation == "upsert" else None
        return 200, job.info()

    def upload(self, ctx: RequestContext, job_id: str, data: bytes) -> Result:
        job = self.job(job_id, query=False)
        if job.state != "Open":
            raise SalesforceApiError(
                409, "INVALIDJOBSTATE", "Unable to upload data: the job is not Open"
            )
        job.upload.append(data.decode("utf-8-sig"))
        return 201, None

    def set_state(self, ctx: RequestContext, job_id: str, *, query: bool) -> Result:
        job = self.job(job_id, query=query)
        state = _body(ctx).get("state")
        if state == "Aborted":
            if job.state in ("JobComplete", "Failed"):
                raise SalesforceApiError(400, "INVALIDJOBSTATE", "The job is already finished")
            job.state = "Aborted"
        elif state == "UploadComplete" and not query:
            if job.state != "Open":
                raise SalesforceApiError(400, "INVALIDJOBSTATE", "The job is not Open")
            job.state = "UploadComplete"
            info = job.info()
            self._process(ctx, job)
            return 200, info
        else:
            raise SalesforceApiError(400, "INVALIDJOBSTATE", f"Invalid state change: {state}")
        job.modstamp = self.org.now()
        return 200, job.info()

    def delete(self, job_id: str, *, query: bool) -> Result:
        job = self.job(job_id, query=query)
        with self._lock:
            del self._jobs[job.id]
        return 204, None

    def list_jobs(self, *, query: bool) -> Result:
        with self._lock:
            jobs = [j.info() for j in self._jobs.values() if j.is_query == query]
        return 200, {"done": True, "records": jobs, "nextRecordsUrl": None}

    def ingest_results(self, job_id: str, kind: str) -> Result:
        job = self.job(job_id, query=False)
        if kind == "successfulResults":
            header, rows = ["sf__Id", "sf__Created", *job.header], job.successful
        elif kind == "failedResults":
            header, rows = ["sf__Id", "sf__Error", *job.header], job.failed
        else:
            header, rows = list(job.header), job.unprocessed
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
        return 200, CsvReply(out.getvalue())

    def _process(self, ctx: RequestContext, job: BulkJob) -> None:
        objdef = self.org.object_def(job.object)
        text = "".join(job.upload)
        rows = list(csv.reader(io.StringIO(text), delimiter=DELIMITERS[job.column_delimiter]))
        if not rows:
            job.state, job.error_message = "Failed", "InvalidBatch : Empty CSV file"
            return
        job.header = rows[0]
        data = [r for r in rows[1:] if any(cell != "" for cell in r)]
        unknown = [h for h in job.header if objdef.field(h) is None]
        if unknown:
            job.state = "Failed"
            job.error_message = f"InvalidBatch : Field name not found : {unknown[0]}"
            job.unprocessed = data
            return
        columns = [_canonical(objdef, h) for h in job.header]
        for row in data:
            self._ingest_row(ctx, job, objdef, columns, row)
            job.processed += 1
        job.state = "JobComplete"
        job.modstamp = self.org.now()

    def _ingest_row(
        self,
        ctx: RequestContext,
        job: BulkJob,
        objdef: ObjectDef,
        columns: list[str],
        row: list[str],
    ) -> None:
        record_id = dict(zip(columns, row, strict=False)).get("Id", "")
        try:
            record_id, created, written = self._ingest_apply(ctx, job, objdef, columns, row)
        except SalesforceApiError as exc:
            fields = ",".join(exc.fields)
            job.failed.append([record_id, f"{exc.error_code}:{exc.message}:{fields} --", *row])
            return
        self.stats.count_write(objdef.name, record_id, written)
        job.successful.append([record_id, "true" if created else "false", *row])

    def _ingest_apply(
        self,
        ctx: RequestContext,
        job: BulkJob,
        objdef: ObjectDef,
        columns: list[str],
        row: list[str],
    ) -> tuple[str, bool, list[str]]:
        """Write one CSV row; (id, created, fields written) or a per-record error."""
        if len(row) != len(columns):
            raise SalesforceApiError(400, "INVALID_FIELD", "Wrong number of columns in the row")
        record_id = ""
        values: dict[str, Any] = {}
        for name, cell in zip(columns, row, strict=True):
            if name == "Id":
                record_id = cell
            # Bulk API 2.0 ignores empty cells; "#N/A" is how a CSV asks for null.
            elif cell != "":
                values[name] = from_csv(_field(objdef, name), cell)
        operation = job.operation
        if operation == "upsert":
            operation = "update" if record_id else "insert"
        if operation == "insert":
            # Bulk API 2.0 runs no assignment rule unless the job names one.
            new_id = self.org.create_prepared(objdef, values, by_user=ctx.user_id)
            return new_id, True, list(values)
        if not record_id:
            raise SalesforceApiError(
                400, "MISSING_ARGUMENT", f"Id not specified in an {operation} call"
            )
        self.rest.check_lock_fault(record_id)
        if operation == "update":
            self.org.update_prepared(objdef, record_id, values, by_user=ctx.user_id)
            return record_id, False, list(values)
        self.org.delete(objdef.name, record_id, by_user=ctx.user_id)
        return record_id, False, ["IsDeleted"]


def _field(objdef: ObjectDef, name: str) -> FieldDef:
    found = objdef.field(name)
    if found is None:
        raise SalesforceApiError(400, "INVALID_FIELD", f"Field name not found : {name}")
    return found


def _canonical(objdef: ObjectDef, name: str) -> str:
    return _field(objdef, name).name


def _body(ctx: RequestContext) -> dict[str, Any]:
    if not isinstance(ctx.json, dict):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return ctx.json
