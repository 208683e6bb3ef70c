"""REST resources of the simulated org: query, describe, sObject rows, collections, replication.

Each handler takes the parsed request and returns ``(status, body)``; the WSGI layer
(``server.py``) does auth, limits, faults and serialisation around them.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from syncd.simulator import relations, soql
from syncd.simulator.errors import SalesforceApiError, not_found
from syncd.simulator.faults import Faults
from syncd.simulator.limits import Stats
from syncd.simulator.org import Org, Record
from syncd.simulator.schema import (
    FieldDef,
    FieldType,
    ObjectDef,
    is_valid_id,
    make_id,
    relationship_name,
)
from syncd.simulator.values import format_datetime, format_time, parse_datetime, to_json

MAX_PAGE = 2000
MIN_PAGE = 200
LONG_TEXT_PAGE = 200
COLLECTION_LIMIT = 200
# Collections retrieve: ids fit in a GET URL up to ~800; a POST body takes up to 2,000.
RETRIEVE_GET_LIMIT = 800
RETRIEVE_POST_LIMIT = 2000
CURSOR_IDLE_SECONDS = 15 * 60
MAX_CURSORS = 200
UPDATED_WINDOW = timedelta(days=30)
DELETED_WINDOW = timedelta(days=15)
MAX_REPLICATION_IDS = 600_000


# --- serialisation --------------------------------------------------------------------


def _field(objdef: ObjectDef, name: str) -> FieldDef:
    found = objdef.field(name)
    if found is None:
        raise SalesforceApiError(
            400, "INVALID_FIELD", f"No such column '{name}' on entity '{objdef.name}'"
        )
    return found


def _converter(field: FieldDef) -> Callable[[Any], Any] | None:
    """How a non-null stored value of ``field`` is rendered in JSON (None: as it is)."""
    if field.type is FieldType.DATETIME:
        return format_datetime
    if field.type is FieldType.DATE:
        return date.isoformat
    if field.type is FieldType.TIME:
        return format_time
    if field.type is FieldType.ANYTYPE:
        # A history value keeps its field's type: dates and datetimes render as that field would.
        return to_json
    return None


def record_serializer(
    objdef: ObjectDef, fields: Sequence[str], base: str
) -> Callable[[Record], dict[str, Any]]:
    """A fast record -> JSON-ready dict function for a fixed field list (query order)."""
    specs = [(f.name, _converter(f)) for f in (_field(objdef, name) for name in fields)]
    url_prefix = f"{base}/sobjects/{objdef.name}/"
    type_name = objdef.name

    def serialize(record: Record) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": {"type": type_name, "url": url_prefix + record["Id"]}}
        get = record.get
        for name, convert in specs:
            value = get(name)
            out[name] = value if convert is None or value is None else convert(value)
        return out

    return serialize


# --- query cursors ----------------------------------------------------------------------


@dataclass
class Cursor:
    """A server-side query locator: the matched records, held until idle too long."""

    records: list[Record]
    serialize: Callable[[Record], dict[str, Any]]
    page_size: int
    last_used: float


class Cursors:
    """Open query locators (``01g...``), expiring after 15 idle minutes like Salesforce's."""

    def __init__(self) -> None:
        self._cursors: dict[str, Cursor] = {}
        self._lock = threading.Lock()
        self._sequence = 0

    def open(self, cursor: Cursor) -> str:
        with self._lock:
            self._expire()
            self._sequence += 1
            locator = make_id("01g", self._sequence * 7919 + secrets.randbelow(7919))
            if len(self._cursors) >= MAX_CURSORS:
                oldest = min(self._cursors, key=lambda k: self._cursors[k].last_used)
                del self._cursors[oldest]
            self._cursors[locator] = cursor
            return locator

    def get(self, locator: str) -> Cursor | None:
        with self._lock:
            self._expire()
            cursor = self._cursors.get(locator)
            if cursor is not None:
                cursor.last_used = time.monotonic()
            return cursor

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, c in self._cursors.items() if now - c.last_used > CURSOR_IDLE_SECONDS]:
            del self._cursors[key]


# --- the resources -------------------------------------------------------------------------


@dataclass
class RequestContext:
    """What a handler needs from the request."""

    method: str
    version: str
    user_id: str
    args: Mapping[str, str]
    headers: Mapping[str, str]  # lower-cased names
    json: Any

    @property
    def base(self) -> str:
        return f"/services/data/v{self.version}"

    @property
    def auto_assign(self) -> bool:
        # Sforce-Auto-Assign defaults to TRUE: only an explicit FALSE keeps the rule off.
        return self.headers.get("sforce-auto-assign", "TRUE").strip().upper() not in (
            "FALSE",
            "0",
        )


Result = tuple[int, Any]


class RestApi:
    """The REST resources over one org."""

    def __init__(self, org: Org, faults: Faults, stats: Stats) -> None:
        self.org = org
        self.faults = faults
        self.stats = stats
        self.cursors = Cursors()

    # --- query ---

    def run_soql(self, text: str) -> tuple[soql.BoundQuery, ObjectDef]:
        """Parse and bind ``text`` (400 MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE).

        The bound query's ``fields`` keep relationship paths (``Owner.Name``) in select
        order and canonical spelling; the SOQL binder itself only sees plain fields.
        """
        try:
            parsed = soql.parse(text)
            name = soql.resolve_object(parsed, self.org.schema)
            objdef = self.org.object_def(name)
            parsed = _expand_field_groups(parsed, objdef)
            paths = {
                f: relations.resolve(objdef, self.org.schema, f).text
                for f in parsed.fields
                if relations.is_path(f)
            }
            plain = parsed
            if paths:
                kept = [
                    (f, pos)
                    for f, pos in zip(
                        parsed.fields,
                        parsed.field_positions or (0,) * len(parsed.fields),
                        strict=True,
                    )
                    if f not in paths
                ] or [("Id", 0)]
                plain = dataclasses.replace(
                    parsed,
                    fields=tuple(f for f, _ in kept),
                    field_positions=tuple(p for _, p in kept),
                )
            bound = soql.bind(plain, {f.name: f for f in objdef.fields}, objdef.name)
        except soql.SoqlError as exc:
            raise SalesforceApiError(400, exc.error_code, exc.message) from None
        if paths:
            canonical = iter(bound.fields)
            select = [paths[f] if f in paths else next(canonical) for f in parsed.fields]
            bound = dataclasses.replace(bound, fields=tuple(select))
        return bound, objdef

    def serializer(
        self, objdef: ObjectDef, fields: Sequence[str], base: str
    ) -> Callable[[Record], dict[str, Any]]:
        """The REST rendering of a query's records, relationship fields nested."""
        plain = [f for f in fields if not relations.is_path(f)]
        serialize = record_serializer(objdef, plain, base)
        if len(plain) == len(fields):
            return serialize
        paths = [
            relations.resolve(objdef, self.org.schema, f) for f in fields if relations.is_path(f)
        ]
        return relations.with_relationships(serialize, fields, paths, base, self.org.find)

    def value_getters(
        self, objdef: ObjectDef, fields: Sequence[str]
    ) -> list[Callable[[Record], Any]]:
        """One value reader per selected field (a Bulk CSV column), relationship paths included."""
        getters: list[Callable[[Record], Any]] = []
        for name in fields:
            if relations.is_path(name):
                path = relations.resolve(objdef, self.org.schema, name)
                getters.append(relations.flat_getter(path, self.org.find))
            else:
                getters.append(_getter(name))
        return getters

    def _candidates(self, objdef: ObjectDef, *, include_deleted: bool) -> list[Record]:
        """The records a query may see: queryAll adds the recycle bin (IsDeleted = true)."""
        with self.org.lock:
            rows = list(self.org.table(objdef.name).values())
        if not include_deleted and objdef.has_field("IsDeleted"):
            rows = [r for r in rows if not r["IsDeleted"]]
        return rows

    def matching(
        self, bound: soql.BoundQuery, objdef: ObjectDef, *, include_deleted: bool
    ) -> list[Record]:
        rows = self._candidates(objdef, include_deleted=include_deleted)
        try:
            # The evaluator returns the very dicts it was given: live org records.
            return cast(list[Record], soql.execute(bound, rows, self.org.now()))
        except soql.SoqlError as exc:
            raise SalesforceApiError(400, exc.error_code, exc.message) from None

    def query(self, ctx: RequestContext, *, include_deleted: bool) -> Result:
        text = ctx.args.get("q")
        if not text:
            raise SalesforceApiError(400, "MALFORMED_QUERY", "A query string must be provided.")
        bound, objdef = self.run_soql(text)
        if bound.is_count:
            rows = self._candidates(objdef, include_deleted=include_deleted)
            try:
                total = soql.count(bound, rows, self.org.now())
            except soql.SoqlError as exc:
                raise SalesforceApiError(400, exc.error_code, exc.message) from None
            return 200, {"totalSize": total, "done": True, "records": []}
        records = self.matching(bound, objdef, include_deleted=include_deleted)
        page_size = self._page_size(ctx, objdef, bound.fields)
        cursor = Cursor(
            records, self.serializer(objdef, bound.fields, ctx.base), page_size, time.monotonic()
        )
        resource = "queryAll" if include_deleted else "query"
        locator = self.cursors.open(cursor) if len(records) > page_size else ""
        return 200, self._page(ctx, cursor, locator, 0, resource)

    def _page_size(self, ctx: RequestContext, objdef: ObjectDef, fields: Sequence[str]) -> int:
        size = MAX_PAGE
        options = ctx.headers.get("sforce-query-options", "")
        for part in options.split(","):
            key, _, value = part.partition("=")
            if key.strip().lower() == "batchsize" and value.strip().isdigit():
                # Salesforce honours 200..2,000; other values are clamped, not refused.
                size = min(MAX_PAGE, max(MIN_PAGE, int(value)))
        long_text = sum(
            1 for f in fields if not relations.is_path(f) and _field(objdef, f).is_long_text
        )
        if long_text >= 2:
            # Several long text areas in one query shrink the page to 200 records.
            size = min(size, LONG_TEXT_PAGE)
        return size

    def _page(
        self, ctx: RequestContext, cursor: Cursor, locator: str, offset: int, resource: str
    ) -> dict[str, Any]:
        end = offset + cursor.page_size
        with self.org.lock:
            page = [cursor.serialize(r) for r in cursor.records[offset:end]]
        body: dict[str, Any] = {
            "totalSize": len(cursor.records),
            "done": end >= len(cursor.records),
        }
        if not body["done"]:
            body["nextRecordsUrl"] = f"{ctx.base}/{resource}/{locator}-{end}"
        body["records"] = page
        return body

    def query_more(self, ctx: RequestContext, locator_part: str, resource: str) -> Result:
        locator, _, offset_text = locator_part.rpartition("-")
        cursor = self.cursors.get(locator) if offset_text.isdigit() else None
        if cursor is None:
            raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return 200, self._page(ctx, cursor, locator, int(offset_text), resource)

    # --- describe ---

    def describe_global(self, ctx: RequestContext) -> Result:
        return 200, {
            "encoding": "UTF-8",
            "maxBatchSize": COLLECTION_LIMIT,
            "sobjects": [self._object_summary(ctx, o) for o in self.org.schema.values()],
        }

    def _object_summary(self, ctx: RequestContext, objdef: ObjectDef) -> dict[str, Any]:
        base = f"{ctx.base}/sobjects/{objdef.name}"
        return {
            "name": objdef.name,
            "label": objdef.label,
            "labelPlural": objdef.label_plural,
            "keyPrefix": objdef.key_prefix,
            "custom": objdef.custom,
            "createable": not objdef.read_only,
            "updateable": not objdef.read_only,
            "deletable": objdef.has_field("IsDeleted") and not objdef.read_only,
            "queryable": True,
            "retrieveable": True,
            "replicateable": True,
            "searchable": True,
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }

    def sobject_info(self, ctx: RequestContext, objdef: ObjectDef) -> Result:
        return 200, {"objectDescribe": self._object_summary(ctx, objdef), "recentItems": []}

    def describe(self, ctx: RequestContext, objdef: ObjectDef) -> Result:
        body = self._object_summary(ctx, objdef)
        body["fields"] = [_describe_field(objdef, f) for f in objdef.fields]
        body["childRelationships"] = []
        body["recordTypeInfos"] = []
        return 200, body

    # --- single records ---

    def _live(self, objdef: ObjectDef, record_id: str) -> Record:
        if not is_valid_id(record_id) or not record_id.startswith(objdef.key_prefix):
            raise not_found()
        found = self.org.find(record_id)
        if found is None:
            raise not_found()
        if found[1].get("IsDeleted"):
            # A record in the recycle bin answers 404 ENTITY_IS_DELETED, not NOT_FOUND.
            raise SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return found[1]

    def get_record(self, ctx: RequestContext, objdef: ObjectDef, record_id: str) -> Result:
        with self.org.lock:
            record = dict(self._live(objdef, record_id))
        wanted = ctx.args.get("fields")
        fields = list(objdef.field_names)
        if wanted:
            fields = []
            for name in wanted.split(","):
                field = objdef.field(name.strip())
                if field is None:
                    raise SalesforceApiError(
                        400,
                        "INVALID_FIELD",
                        f"No such column '{name.strip()}' on sobject of type {objdef.name}",
                    )
                fields.append(field.name)
        return 200, record_serializer(objdef, fields, ctx.base)(record)

    def create_record(self, ctx: RequestContext, objdef: ObjectDef) -> Result:
        body = _json_object(ctx.json)
        values = self.org.prepare(objdef, body, creating=True)
        if "Id" in values:
            raise SalesforceApiError(
                400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
            )
        new_id = self.org.create_prepared(
            objdef, values, by_user=ctx.user_id, auto_assign=ctx.auto_assign
        )
        self.stats.count_write(objdef.name, new_id, list(values))
        return 201, {"id": new_id, "success": True, "errors": []}

    def update_record(self, ctx: RequestContext, objdef: ObjectDef, record_id: str) -> Result:
        body = _json_object(ctx.json)
        values = self.org.prepare(objdef, body, creating=False)
        with self.org.lock:
            record = self._live(objdef, record_id)
            self.check_lock_fault(record["Id"])
            self.org.update_prepared(
                objdef, record["Id"], values, by_user=ctx.user_id, auto_assign=ctx.auto_assign
            )
        self.stats.count_write(objdef.name, record["Id"], list(values))
        return 204, None

    def delete_record(self, ctx: RequestContext, objdef: ObjectDef, record_id: str) -> Result:
        with self.org.lock:
            record = self._live(objdef, record_id)
            self.check_lock_fault(record["Id"])
            self.org.delete(objdef.name, record["Id"], by_user=ctx.user_id)
        self.stats.count_write(objdef.name, record["Id"], ["IsDeleted"])
        return 204, None

    def check_lock_fault(self, record_id: str) -> None:
        """Raise UNABLE_TO_LOCK_ROW when the row-lock fault fires for this write."""
        if self.faults.should_lock_row():
            raise SalesforceApiError(
                400,
                "UNABLE_TO_LOCK_ROW",
                f"unable to obtain exclusive access to this record or 1 records: {record_id}",
            )

    # --- sObject Collections ---

    def collection_retrieve(self, ctx: RequestContext, objdef: ObjectDef) -> Result:
        """``GET ?ids=&fields=`` or ``POST {"ids", "fields"}``: records in id order, null if absent.

        Salesforce answers a missing or deleted id with null in its place, not an error;
        an unknown field fails the whole call with INVALID_FIELD.
        """
        ids: list[Any]
        names: list[Any]
        if ctx.method == "GET":
            ids = [i for i in ctx.args.get("ids", "").split(",") if i]
            names = [n.strip() for n in ctx.args.get("fields", "").split(",") if n.strip()]
        else:
            body = _json_object(ctx.json)
            raw_ids, raw_names = body.get("ids"), body.get("fields")
            if not isinstance(raw_ids, list) or not isinstance(raw_names, list):
                raise SalesforceApiError(
                    400, "JSON_PARSER_ERROR", "ids and fields must be lists of strings"
                )
            ids, names = raw_ids, raw_names
        if not ids:
            raise SalesforceApiError(400, "MISSING_ARGUMENT", "ids: at least one id is required")
        if not names:
            raise SalesforceApiError(
                400, "MISSING_ARGUMENT", "fields: at least one field is required"
            )
        limit = RETRIEVE_GET_LIMIT if ctx.method == "GET" else RETRIEVE_POST_LIMIT
        if len(ids) > limit:
            raise SalesforceApiError(
                400, "EXCEEDED_ID_LIMIT", f"cannot retrieve more than {limit} records in one call"
            )
        fields = [_field(objdef, str(name)).name for name in names]
        serialize = record_serializer(objdef, fields, ctx.base)
        out: list[dict[str, Any] | None] = []
        with self.org.lock:
            for record_id in ids:
                if not isinstance(record_id, str) or not record_id.startswith(objdef.key_prefix):
                    raise SalesforceApiError(
                        400, "MALFORMED_ID", f"malformed id {record_id}", ["Id"]
                    )
                found = self.org.find(record_id)
                live = found is not None and not found[1].get("IsDeleted")
                out.append(serialize(found[1]) if live and found is not None else None)
        return 200, out

    def collection(self, ctx: RequestContext, *, creating: bool) -> Result:
        body = _json_object(ctx.json)
        records = body.get("records")
        if not isinstance(records, list):
            raise SalesforceApiError(
                400, "JSON_PARSER_ERROR", "records: a list of sObjects is required"
            )
        if len(records) > COLLECTION_LIMIT:
            raise SalesforceApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than "
                f"{COLLECTION_LIMIT} records into this call",
            )
        all_or_none = body.get("allOrNone", False) is True
        prepared: list[tuple[ObjectDef, dict[str, Any], Any]] = []
        # Deserialisation problems (unknown type or field, wrong JSON type) fail the whole call.
        for item in records:
            if not isinstance(item, dict):
                raise SalesforceApiError(
                    400, "JSON_PARSER_ERROR", "each record must be a JSON object"
                )
            attributes = item.get("attributes")
            type_name = attributes.get("type") if isinstance(attributes, dict) else None
            if not isinstance(type_name, str) or not type_name:
                raise SalesforceApiError(
                    400,
                    "INVALID_TYPE",
                    "Must send a concrete entity type.",
                )
            objdef = self.org.schema.object(type_name)
            if objdef is None:
                raise SalesforceApiError(
                    400, "INVALID_TYPE", f"sObject type '{type_name}' is not supported."
                )
            record_id = next((v for k, v in item.items() if k.lower() == "id"), None)
            fields = {k: v for k, v in item.items() if k.lower() != "id"}
            prepared.append((objdef, self.org.prepare(objdef, fields, creating=True), record_id))

        results: list[dict[str, Any]] = []
        written: list[tuple[str, str, list[str]]] = []
        with self.org.atomic() as undo:
            failed = False
            for objdef, values, record_id in prepared:
                try:
                    result_id = self._collection_write(ctx, objdef, values, record_id, creating)
                except SalesforceApiError as exc:
                    failed = True
                    result: dict[str, Any] = {"success": False, "errors": [exc.to_record_error()]}
                    if not creating and isinstance(record_id, str):
                        result = {"id": record_id, **result}
                    results.append(result)
                    continue
                results.append({"id": result_id, "success": True, "errors": []})
                written.append((objdef.name, result_id, list(values)))
            if all_or_none and failed:
                self.org.rollback(undo)
                rolled_back = {
                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "message": "Record rolled back because not all records were valid and the "
                    "request was using AllOrNone header",
                    "fields": [],
                }
                results = [
                    r if not r["success"] else _rolled_back(r, rolled_back, creating)
                    for r in results
                ]
                written = []
        for sobject, record_id, names in written:
            self.stats.count_write(sobject, record_id, names)
        return 200, results

    def _collection_write(
        self,
        ctx: RequestContext,
        objdef: ObjectDef,
        values: dict[str, Any],
        record_id: Any,
        creating: bool,
    ) -> str:
        if creating:
            if record_id is not None:
                raise SalesforceApiError(
                    400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
                )
            return self.org.create_prepared(
                objdef, values, by_user=ctx.user_id, auto_assign=ctx.auto_assign
            )
        if not record_id:
            raise SalesforceApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call")
        if not isinstance(record_id, str) or not is_valid_id(record_id):
            raise SalesforceApiError(400, "MALFORMED_ID", f"malformed id {record_id}")
        self.check_lock_fault(record_id)
        self.org.update_prepared(
            objdef, record_id, values, by_user=ctx.user_id, auto_assign=ctx.auto_assign
        )
        found = self.org.find(record_id)
        return found[1]["Id"] if found else record_id

    # --- replication ---

    def updated(self, ctx: RequestContext, objdef: ObjectDef) -> Result:
        start, end = self._window(ctx)
        now = self.org.now()
        if start < now - UPDATED_WINDOW:
            raise SalesforceApiError(
                400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago"
            )
        ids = self.org.updated_ids(objdef.name, start, end)
        if len(ids) > MAX_REPLICATION_IDS:
            raise SalesforceApiError(
                400, "EXCEEDED_ID_LIMIT", "Too many ids: narrow the start and end dates"
            )
        return 200, {"ids": ids, "latestDateCovered": format_datetime(min(end, now))}

    def deleted(self, ctx: RequestContext, objdef: ObjectDef) -> Result:
        start, end = self._window(ctx)
        now = self.org.now()
        earliest = (now - DELETED_WINDOW).replace(second=0)
        if start < earliest:
            # The recycle-bin log is purged after 15 days: the caller must re-pull in full.
            raise SalesforceApiError(
                400,
                "INVALID_REPLICATION_DATE",
                f"startDate is before the earliest date available: {format_datetime(earliest)}",
            )
        deleted = self.org.deleted_records(objdef.name, start, end)
        return 200, {
            "deletedRecords": [
                {"id": d.id, "deletedDate": format_datetime(d.deleted_date)} for d in deleted
            ],
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(min(end, now)),
        }

    def _window(self, ctx: RequestContext) -> tuple[datetime, datetime]:
        try:
            # A "+" in an unencoded query string arrives as a space.
            start = parse_datetime(ctx.args["start"].replace(" ", "+"))
            end = parse_datetime(ctx.args["end"].replace(" ", "+"))
        except KeyError as exc:
            raise SalesforceApiError(
                400, "MISSING_ARGUMENT", f"{exc.args[0]} must be specified"
            ) from None
        except ValueError:
            raise SalesforceApiError(
                400, "INVALID_REPLICATION_DATE", "start and end must be ISO 8601 datetimes"
            ) from None
        if end < start:
            raise SalesforceApiError(
                400, "INVALID_REPLICATION_DATE", "endDate must chronologically follow the startDate"
            )
        return start, end


# FIELDS(ALL) and FIELDS(CUSTOM) are unbounded: Salesforce wants LIMIT 200 or less with them.
FIELDS_UNBOUNDED_LIMIT = 200


def _expand_field_groups(parsed: soql.Query, objdef: ObjectDef) -> soql.Query:
    """Replace FIELDS(STANDARD|CUSTOM|ALL) by the fields they name, as Salesforce does."""
    if not any(f.startswith("FIELDS(") for f in parsed.fields):
        return parsed
    fields: list[str] = []
    positions: list[int] = []
    given = parsed.field_positions or (0,) * len(parsed.fields)
    for name, pos in zip(parsed.fields, given, strict=True):
        if not name.startswith("FIELDS("):
            expanded = [name]
        else:
            group = name[len("FIELDS(") : -1]
            if group != "STANDARD" and (
                parsed.limit is None or parsed.limit > FIELDS_UNBOUNDED_LIMIT
            ):
                raise SalesforceApiError(
                    400,
                    "MALFORMED_QUERY",
                    f"The SOQL FIELDS function must have a LIMIT of at most "
                    f"{FIELDS_UNBOUNDED_LIMIT}",
                )
            expanded = [
                f.name for f in objdef.fields if group == "ALL" or f.custom == (group == "CUSTOM")
            ]
        for field_name in expanded:
            if field_name.lower() not in (f.lower() for f in fields):
                fields.append(field_name)
                positions.append(pos)
    return dataclasses.replace(parsed, fields=tuple(fields), field_positions=tuple(positions))


def _getter(name: str) -> Callable[[Record], Any]:
    return lambda record: record.get(name)


def _rolled_back(result: dict[str, Any], error: dict[str, Any], creating: bool) -> dict[str, Any]:
    # Rolled-back inserts have no id any more; rolled-back updates keep theirs.
    head = {} if creating else {"id": result["id"]}
    return {**head, "success": False, "errors": [error]}


def _json_object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return payload


def _describe_field(objdef: ObjectDef, f: FieldDef) -> dict[str, Any]:
    is_text = f.length > 0
    return {
        "name": f.name,
        "label": f.label or f.name,
        "type": f.type.value,
        "soapType": f.soap_type,
        "length": f.length if is_text else 0,
        "byteLength": f.length * 3,
        "precision": f.precision if f.type is not FieldType.INT else 0,
        "scale": f.scale,
        "digits": f.precision if f.type is FieldType.INT else 0,
        "custom": f.custom,
        "createable": f.createable,
        "updateable": f.updateable,
        "nillable": f.nillable,
        "defaultedOnCreate": f.defaulted_on_create,
        "defaultValue": f.default_value if f.type is not FieldType.PICKLIST else None,
        "calculated": f.calculated,
        "filterable": not f.is_long_text,
        "sortable": not f.is_long_text,
        "groupable": not f.is_long_text and f.type not in (FieldType.DOUBLE, FieldType.DATETIME),
        "unique": False,
        "externalId": False,
        "idLookup": f.type is FieldType.ID,
        "nameField": f.name == "Name",
        "restrictedPicklist": f.restricted_picklist,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": value == f.default_value,
                "label": value,
                "validFor": None,
                "value": value,
            }
            for value in f.picklist_values
        ],
        "referenceTo": list(f.reference_to),
        "relationshipName": relationship_name(f),
        "htmlFormatted": False,
        "caseSensitive": False,
    }
