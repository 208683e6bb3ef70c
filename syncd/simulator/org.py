"""The simulated org's record store: thread-safe, validating, with Salesforce's system fields.

Records are plain dicts keyed by canonical field names holding normalised Python values
(see ``syncd.simulator.values``). Everything that changes a record goes through this
class, so SystemModstamp, LastModifiedDate, derived fields and the assignment rule behave
the same whether the change comes from the REST API, Bulk API, seed data or a simulated rep.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.history import (
    HISTORY_OBJECTS,
    HistoryRow,
    change_rows,
    default_tracked,
    event_row,
    tracked_fields,
)
from syncd.simulator.schema import (
    CLOSED_TASK_STATUSES,
    CONVERTED_LEAD_STATUS,
    NUMBER_TYPES,
    RESPONDED_MEMBER_STATUSES,
    SCHEMA,
    TEXT_TYPES,
    FieldDef,
    FieldType,
    ObjectDef,
    Schema,
    is_valid_id,
    make_id,
    to_18,
)
from syncd.simulator.validation import ValidationRule, enforce
from syncd.simulator.values import normalize, normalize_native, out_of_range
from syncd.simulator.writelog import Op, WriteLog

Record = dict[str, Any]

UNASSIGNED_QUEUE_NAME = "Unassigned"
# The undo-log entry that marks where the write log stood when an atomic block began.
_WRITES_MARK = "#writes"
# Close to Salesforce's own check: one @, a dotted domain, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class SimClock:
    """The org's clock: real UTC time plus an offset that tests and the admin API advance."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta


@dataclass(frozen=True, slots=True)
class DeletedRecord:
    sobject: str
    id: str
    deleted_date: datetime


def _name(first: Any, last: Any) -> str | None:
    parts = [p for p in (first, last) if p]
    return " ".join(parts) if parts else None


class Org:
    """An in-memory Salesforce org.

    ``clock`` returns the aware UTC "now" used for every system field; ``lock`` guards
    every read-modify-write (callers iterating ``records`` while others write should
    hold it too).
    """

    def __init__(
        self,
        *,
        schema: Schema = SCHEMA,
        clock: Callable[[], datetime] | None = None,
        assignment_rule_active: bool = True,
        sandbox: bool = True,
    ) -> None:
        self.schema = schema
        self.sandbox = sandbox
        self.clock: Callable[[], datetime] = clock if clock is not None else SimClock()
        self.lock = threading.RLock()
        self.assignment_rule_active = assignment_rule_active
        self._undo: list[tuple[str, str, Record | None]] | None = None
        self.writes = WriteLog()
        # The org's active validation rules (none until a test or the admin API adds some).
        self.validation_rules: list[ValidationRule] = []
        # Field History Tracking per object: the admin can switch fields on and off.
        self.history_tracked: dict[str, frozenset[str]] = {
            name: default_tracked(schema[name]) for name in HISTORY_OBJECTS if name in schema
        }
        self.clear()

    def clear(self) -> None:
        """Empty the org down to its integration user (whose id is the same every time)."""
        with self.lock:
            self._tables: dict[str, dict[str, Record]] = {name: {} for name in self.schema}
            self._sequence = itertools.count(1)
            self.deleted_log: list[DeletedRecord] = []
            self._unassigned_queue_id: str | None = None
            self.integration_user_id = self._create_integration_user()
            self.writes.reset()
            self._create_organization()

    def _create_integration_user(self) -> str:
        return self.create(
            "User",
            {
                "Username": "integration@syncd.example.com",
                "FirstName": "Integration",
                "LastName": "User",
                "Email": "integration@syncd.example.com",
                "Title": "API Integration",
                "IsActive": True,
                "TimeZoneSidKey": "GMT",
            },
        )

    def _create_organization(self) -> None:
        self.load(
            "Organization",
            [
                {
                    "Name": "Syncd Simulated Org",
                    "IsSandbox": self.sandbox,
                    "OrganizationType": "Enterprise Edition",
                    "InstanceName": "CS42" if self.sandbox else "NA42",
                }
            ],
        )

    def set_sandbox(self, sandbox: bool) -> None:
        """Make the org a sandbox or production (its Organization record says which)."""
        with self.lock:
            self.sandbox = sandbox
            now = self.now()
            for record in self._tables["Organization"].values():
                record["IsSandbox"] = sandbox
                record["InstanceName"] = "CS42" if sandbox else "NA42"
                record["LastModifiedDate"] = record["SystemModstamp"] = now

    # --- reading -------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def object_def(self, sobject: str) -> ObjectDef:
        found = self.schema.object(sobject)
        if found is None:
            raise SalesforceApiError(
                404,
                "NOT_FOUND",
                f"sObject type '{sobject}' is not supported.",
            )
        return found

    def table(self, sobject: str) -> dict[str, Record]:
        """The live id -> record map of ``sobject`` (read only; hold ``lock`` to iterate)."""
        return self._tables[self.object_def(sobject).name]

    def records(self, sobject: str) -> Iterator[Record]:
        """Every record of ``sobject``, deleted ones included (live dicts: read only)."""
        return iter(list(self.table(sobject).values()))

    def count(self, sobject: str) -> int:
        return len(self.table(sobject))

    def get(self, sobject: str, record_id: str) -> Record | None:
        """A copy of the record, or None when there is no such id (deleted ones are returned)."""
        found = self.table(sobject).get(_canonical_id(record_id))
        return dict(found) if found is not None else None

    def find(self, record_id: str) -> tuple[str, Record] | None:
        """The (object name, live record) for any id, by its key prefix."""
        objdef = self.schema.by_prefix(record_id)
        if objdef is None:
            return None
        found = self._tables[objdef.name].get(_canonical_id(record_id))
        return (objdef.name, found) if found is not None else None

    # --- seeding ---------------------------------------------------------------------

    def new_id(self, sobject: str) -> str:
        return make_id(self.object_def(sobject).key_prefix, next(self._sequence))

    def load(self, sobject: str, rows: Iterable[Mapping[str, Any]]) -> list[str]:
        """Bulk-insert seed rows as they are (no API validation), filling system fields.

        Rows use canonical field names and Python values; missing Id, CreatedDate,
        SystemModstamp and the like are filled in. Returns the ids in row order.
        """
        objdef = self.object_def(sobject)
        table = self._tables[objdef.name]
        now = self.now()
        user = self.integration_user_id if hasattr(self, "integration_user_id") else None
        converters: dict[frozenset[str], list[tuple[str, Callable[[Any], Any]]]] = {}
        template = self._blank(objdef)
        prefix = objdef.key_prefix
        ids: list[str] = []
        with self.lock:
            for row in rows:
                keys = frozenset(row)
                plan = converters.get(keys)
                if plan is None:
                    unknown = [k for k in keys if k not in objdef.field_names]
                    if unknown:
                        raise ValueError(
                            f"{objdef.name}: unknown or mis-cased fields {sorted(unknown)}"
                        )
                    plan = [(k, _seed_converter(_field(objdef, k))) for k in keys]
                    converters[keys] = plan
                record = dict(template)
                for key, convert in plan:
                    record[key] = convert(row[key])
                record_id = record["Id"]
                if not record_id:
                    record_id = record["Id"] = make_id(prefix, next(self._sequence))
                created = record["CreatedDate"] or now
                record["CreatedDate"] = created
                modified = record["LastModifiedDate"] = record["LastModifiedDate"] or created
                record["SystemModstamp"] = record["SystemModstamp"] or modified
                creator = record["CreatedById"] = record["CreatedById"] or user
                record["LastModifiedById"] = record["LastModifiedById"] or creator
                self._derive(objdef, record)
                table[record_id] = record
                ids.append(record_id)
        return ids

    def _blank(self, objdef: ObjectDef) -> Record:
        record: Record = {}
        for f in objdef.fields:
            if f.type is FieldType.BOOLEAN:
                record[f.name] = bool(f.default_value)
            elif f.default_value is not None:
                record[f.name] = f.default_value
            else:
                record[f.name] = None
        return record

    # --- writing ---------------------------------------------------------------------

    def prepare(
        self, objdef: ObjectDef, fields: Mapping[str, Any], *, creating: bool, native: bool = False
    ) -> dict[str, Any]:
        """Validate names and types and normalise values, before any record is touched.

        Unknown fields are INVALID_FIELD and mistyped values JSON_PARSER_ERROR: both fail
        the whole request in Salesforce, so callers raise them at request level.
        """
        prepared: dict[str, Any] = {}
        for key, value in fields.items():
            if key == "attributes" or (key.lower() == "id" and not creating):
                continue
            field = objdef.field(key)
            if field is None:
                raise SalesforceApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{key}' on sobject of type {objdef.name}",
                    [key],
                )
            prepared[field.name] = (
                normalize_native(field, value) if native else normalize(field, value)
            )
        return prepared

    def check(
        self,
        objdef: ObjectDef,
        values: Mapping[str, Any],
        *,
        existing: Record | None,
    ) -> None:
        """The per-record DML checks, raising the first failure as Salesforce reports it."""
        creating = existing is None
        if objdef.read_only:
            raise _read_only_object(objdef, "inserted" if creating else "updated")
        if existing is not None:
            if existing.get("IsDeleted"):
                raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted")
            if objdef.name == "Lead" and existing.get("IsConverted"):
                raise SalesforceApiError(
                    400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead"
                )
        read_only = [
            name
            for name in values
            if not (
                _field(objdef, name).createable if creating else _field(objdef, name).updateable
            )
        ]
        if read_only:
            raise SalesforceApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                read_only,
            )
        for name, value in values.items():
            field = _field(objdef, name)
            if value is None:
                if not field.nillable and field.type is not FieldType.BOOLEAN:
                    raise SalesforceApiError(
                        400,
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{name}]",
                        [name],
                    )
                continue
            self._check_value(field, value)
        if creating:
            missing = [
                f.name
                for f in objdef.fields
                if not f.nillable
                and f.createable
                and not f.defaulted_on_create
                and f.type is not FieldType.BOOLEAN
                and values.get(f.name) is None
            ]
            if missing:
                raise SalesforceApiError(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
        if self.validation_rules:
            # Validation rules see the record as it would be saved: stored values plus changes.
            saved = {**(existing if existing is not None else self._blank(objdef)), **values}
            enforce(self.validation_rules, objdef.name, saved)

    def _check_value(self, field: FieldDef, value: Any) -> None:
        if field.type is FieldType.PICKLIST and field.restricted_picklist:
            if value not in field.picklist_values:
                raise SalesforceApiError(
                    400,
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{field.label}: bad value for restricted picklist field: {value}",
                    [field.name],
                )
        elif field.length and isinstance(value, str) and len(value) > field.length:
            raise SalesforceApiError(
                400,
                "STRING_TOO_LONG",
                f"{field.label}: data value too large: {value[:40]} (max length={field.length})",
                [field.name],
            )
        if field.type in NUMBER_TYPES and out_of_range(field, value):
            raise SalesforceApiError(
                400,
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{field.label}: value outside of valid range on numeric field: {value}",
                [field.name],
            )
        if field.type is FieldType.EMAIL and not _EMAIL.fullmatch(value):
            raise SalesforceApiError(
                400,
                "INVALID_EMAIL_ADDRESS",
                f"{field.label}: invalid email address: {value}",
                [field.name],
            )
        if field.type is FieldType.REFERENCE:
            self._check_reference(field, value)

    def _check_reference(self, field: FieldDef, value: str) -> None:
        if not is_valid_id(value):
            raise SalesforceApiError(
                400,
                "MALFORMED_ID",
                f"{field.label}: id value of incorrect type: {value}",
                [field.name],
            )
        target = self.schema.by_prefix(value)
        if target is None or target.name not in field.reference_to:
            raise SalesforceApiError(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                f"{field.label}: id value of incorrect type: {value}",
                [field.name],
            )
        referenced = self._tables[target.name].get(_canonical_id(value))
        if referenced is None or referenced.get("IsDeleted"):
            raise SalesforceApiError(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                f"invalid cross reference id: {value}",
                [field.name],
            )
        if field.name == "OwnerId" and target.name == "User" and not referenced.get("IsActive"):
            raise SalesforceApiError(
                400,
                "INACTIVE_OWNER_OR_USER",
                f"operation performed with inactive user [{referenced['Id']}] as owner of record",
            )

    def create(
        self,
        sobject: str,
        fields: Mapping[str, Any],
        *,
        by_user: str | None = None,
        auto_assign: bool = False,
        native: bool = True,
    ) -> str:
        """Insert one record with full validation; returns its id.

        ``native`` takes Python values (seed code, reps); the API passes JSON values.
        ``auto_assign`` runs the org's lead assignment rule (API callers decide it from
        the ``Sforce-Auto-Assign`` header).
        """
        objdef = self.object_def(sobject)
        values = self.prepare(objdef, fields, creating=True, native=native)
        return self.create_prepared(objdef, values, by_user=by_user, auto_assign=auto_assign)

    def create_prepared(
        self,
        objdef: ObjectDef,
        values: Mapping[str, Any],
        *,
        by_user: str | None = None,
        auto_assign: bool = False,
    ) -> str:
        """Insert values already passed through ``prepare`` (the per-record DML checks run here)."""
        with self.lock:
            self.check(objdef, values, existing=None)
            return self._insert(objdef, values, by_user=by_user, auto_assign=auto_assign)

    def _insert(
        self,
        objdef: ObjectDef,
        values: Mapping[str, Any],
        *,
        by_user: str | None,
        auto_assign: bool,
    ) -> str:
        now = self.now()
        record = self._blank(objdef)
        record.update(values)
        record_id = make_id(objdef.key_prefix, next(self._sequence))
        user = by_user or getattr(self, "integration_user_id", None)
        record.update(
            Id=record_id,
            CreatedDate=now,
            CreatedById=user or record_id,
            LastModifiedDate=now,
            LastModifiedById=user or record_id,
            SystemModstamp=now,
        )
        if "OwnerId" in record and record["OwnerId"] is None:
            record["OwnerId"] = user or record_id
        if objdef.name == "Lead" and auto_assign and self.assignment_rule_active:
            record["OwnerId"] = self.unassigned_queue_id()
        self._derive(objdef, record)
        self._tables[objdef.name][record_id] = record
        if self._undo is not None:
            self._undo.append((objdef.name, record_id, None))
        author = record["CreatedById"]
        self.writes.record(
            objdef.name, "create", record_id, values, tuple(values), by=author, at=now
        )
        if objdef.name in self.history_tracked:
            self._add_history([event_row(objdef, record_id, "created", by_user=author, now=now)])
        return record_id

    def _add_history(self, rows: list[HistoryRow]) -> None:
        """Store history rows as the platform does: not writes, but undone with their change."""
        if not rows:
            return
        history_def = self.schema[HISTORY_OBJECTS[self._history_parent(rows[0])][0]]
        table = self._tables[history_def.name]
        for row in rows:
            row_id = make_id(history_def.key_prefix, next(self._sequence))
            table[row_id] = {**row, "Id": row_id}
            if self._undo is not None:
                self._undo.append((history_def.name, row_id, None))

    def _history_parent(self, row: HistoryRow) -> str:
        for parent, (_, parent_field) in HISTORY_OBJECTS.items():
            if parent_field in row:
                return parent
        raise KeyError(row)

    def _name_of(self, record_id: str) -> str | None:
        found = self.find(record_id)
        return found[1].get("Name") if found is not None else None

    def update(
        self,
        sobject: str,
        record_id: str,
        fields: Mapping[str, Any],
        *,
        by_user: str | None = None,
        auto_assign: bool = False,
        native: bool = True,
    ) -> None:
        """Update one record with full validation (see ``create`` for the flags)."""
        objdef = self.object_def(sobject)
        values = self.prepare(objdef, fields, creating=False, native=native)
        self.update_prepared(objdef, record_id, values, by_user=by_user, auto_assign=auto_assign)

    def update_prepared(
        self,
        objdef: ObjectDef,
        record_id: str,
        values: Mapping[str, Any],
        *,
        by_user: str | None = None,
        auto_assign: bool = False,
    ) -> None:
        """Update with values already passed through ``prepare``."""
        with self.lock:
            existing = self._require(objdef, record_id)
            self.check(objdef, values, existing=existing)
            self._apply(objdef, existing, values, by_user=by_user, auto_assign=auto_assign)

    @contextmanager
    def atomic(self) -> Iterator[list[tuple[str, str, Record | None]]]:
        """Hold the lock and log every change, so ``rollback`` can undo them (allOrNone)."""
        with self.lock:
            previous = self._undo
            log: list[tuple[str, str, Record | None]] = [
                (_WRITES_MARK, str(self.writes.mark()), None)
            ]
            self._undo = log
            try:
                yield log
            finally:
                self._undo = previous

    def rollback(self, log: list[tuple[str, str, Record | None]]) -> None:
        """Undo the changes in ``log`` (newest first); records keep their identity."""
        with self.lock:
            for sobject, record_id, before in reversed(log):
                if sobject == _WRITES_MARK:
                    self.writes.truncate(int(record_id))
                    continue
                table = self._tables[sobject]
                if before is None:
                    table.pop(record_id, None)
                else:
                    table[record_id].clear()
                    table[record_id].update(before)
            log.clear()

    def _require(self, objdef: ObjectDef, record_id: str) -> Record:
        if not is_valid_id(record_id) or not record_id.startswith(objdef.key_prefix):
            raise SalesforceApiError(
                400,
                "MALFORMED_ID",
                f"{objdef.label} ID: id value of incorrect type: {record_id}",
                ["Id"],
            )
        found = self._tables[objdef.name].get(_canonical_id(record_id))
        if found is None:
            raise SalesforceApiError(
                400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {record_id}"
            )
        return found

    def _apply(
        self,
        objdef: ObjectDef,
        record: Record,
        values: Mapping[str, Any],
        *,
        by_user: str | None,
        auto_assign: bool = False,
        system: bool = False,
        op: Op | None = "update",
    ) -> None:
        """Change ``record``; ``op`` is what the write log calls it (None: not logged)."""
        now = self.now()
        if self._undo is not None:
            self._undo.append((objdef.name, record["Id"], dict(record)))
        tracked = self.history_tracked.get(objdef.name)
        history_fields = tracked_fields(objdef, tracked) if tracked else []
        before = {f.name: record.get(f.name) for f in history_fields}
        changed = tuple(name for name, value in values.items() if record.get(name) != value)
        record.update(values)
        if objdef.name == "Lead" and auto_assign and self.assignment_rule_active:
            record["OwnerId"] = self.unassigned_queue_id()
        if not system:
            record["LastModifiedDate"] = now
            record["LastModifiedById"] = by_user or self.integration_user_id
        record["SystemModstamp"] = now
        self._derive(objdef, record)
        if system:
            return
        author = by_user or self.integration_user_id
        if op is not None:
            self.writes.record(objdef.name, op, record["Id"], values, changed, by=author, at=now)
        if history_fields:
            self._add_history(
                change_rows(
                    objdef,
                    record["Id"],
                    before,
                    record,
                    history_fields,
                    by_user=author,
                    now=now,
                    name_of=self._name_of,
                )
            )

    def _derive(self, objdef: ObjectDef, record: Record) -> None:
        """Formula-like and system-maintained fields that follow from others."""
        name = objdef.name
        if name in ("Lead", "Contact", "User"):
            record["Name"] = _name(record.get("FirstName"), record.get("LastName"))
        elif name == "Task":
            record["IsClosed"] = record.get("Status") in CLOSED_TASK_STATUSES
        elif name == "Opportunity":
            stage = record.get("StageName")
            record["IsClosed"] = stage in ("Closed Won", "Closed Lost")
            record["IsWon"] = stage == "Closed Won"
        elif name == "CampaignMember":
            responded = record.get("Status") in RESPONDED_MEMBER_STATUSES
            if responded and not record.get("HasResponded"):
                record["FirstRespondedDate"] = self.now().date()
            record["HasResponded"] = responded or bool(record.get("HasResponded"))

    def delete(self, sobject: str, record_id: str, *, by_user: str | None = None) -> None:
        """Move a record to the recycle bin: IsDeleted true, logged for ``/deleted/``."""
        objdef = self.object_def(sobject)
        with self.lock:
            record = self._require(objdef, record_id)
            if record.get("IsDeleted"):
                raise SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted")
            if objdef.read_only:
                raise _read_only_object(objdef, "deleted")
            if not objdef.has_field("IsDeleted"):
                raise SalesforceApiError(
                    400, "DELETE_FAILED", f"{objdef.name} records cannot be deleted"
                )
            self._soft_delete(objdef, record, by_user=by_user)

    def _soft_delete(self, objdef: ObjectDef, record: Record, *, by_user: str | None) -> None:
        self._apply(objdef, record, {"IsDeleted": True}, by_user=by_user, op=None)
        self.writes.record(
            objdef.name,
            "delete",
            record["Id"],
            {},
            ("IsDeleted",),
            by=by_user or self.integration_user_id,
            at=record["SystemModstamp"],
        )
        self.deleted_log.append(DeletedRecord(objdef.name, record["Id"], record["SystemModstamp"]))

    def empty_recycle_bin(self, sobject: str) -> int:
        """Purge ``sobject``'s deleted records for good, as Salesforce does after 15 days (or
        an admin's "Empty recycle bin"): queryAll and getDeleted no longer know them."""
        objdef = self.object_def(sobject)
        with self.lock:
            table = self._tables[objdef.name]
            gone = {i for i, r in table.items() if r.get("IsDeleted")}
            for record_id in gone:
                del table[record_id]
            self.deleted_log[:] = [
                d for d in self.deleted_log if not (d.sobject == objdef.name and d.id in gone)
            ]
        return len(gone)

    def set_system_fields(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Write fields as the platform would (no read-only checks), moving SystemModstamp only."""
        objdef = self.object_def(sobject)
        values = self.prepare(objdef, fields, creating=False, native=True)
        with self.lock:
            record = self._require(objdef, record_id)
            self._apply(objdef, record, values, by_user=None, system=True)

    # --- lead lifecycle ------------------------------------------------------------------

    def unassigned_queue_id(self) -> str:
        """The queue the simulated lead assignment rule routes to (created when missing)."""
        with self.lock:
            if self._unassigned_queue_id is None:
                for group in self._tables["Group"].values():
                    if group.get("Type") == "Queue" and UNASSIGNED_QUEUE_NAME.lower() in (
                        str(group.get("Name", "")).lower()
                    ):
                        self._unassigned_queue_id = group["Id"]
                        break
                else:
                    self._unassigned_queue_id = self.create(
                        "Group",
                        {
                            "Name": "Unassigned Leads",
                            "DeveloperName": "Unassigned_Leads",
                            "Type": "Queue",
                        },
                    )
            return self._unassigned_queue_id

    def _platform_create(
        self, sobject: str, fields: Mapping[str, Any], *, by_user: str | None
    ) -> str:
        """Insert as the platform does (Lead Convert copies values without re-validating them)."""
        objdef = self.object_def(sobject)
        values = self.prepare(objdef, fields, creating=True, native=True)
        return self._insert(objdef, values, by_user=by_user, auto_assign=False)

    def convert_lead(
        self,
        lead_id: str,
        *,
        opportunity_amount: float | None = None,
        won: bool | None = None,
        by_user: str | None = None,
        create_opportunity: bool = True,
    ) -> dict[str, str | None]:
        """Convert a lead as Lead Convert does: Account, Contact and (optionally) Opportunity.

        The lead becomes read-only (IsConverted, Status "Closed - Converted", Converted*
        ids) and its activities move to the new contact. ``won`` True/False closes the
        opportunity as won/lost; None leaves it open. Returns the new ids.
        """
        lead_def = self.object_def("Lead")
        with self.lock:
            lead = self._require(lead_def, lead_id)
            self.check(lead_def, {}, existing=lead)
            owner = lead.get("OwnerId")
            if owner is None or not str(owner).startswith("005"):
                owner = by_user or self.integration_user_id
            account_id = self._platform_create(
                "Account",
                {
                    "Name": lead.get("Company")
                    or _name(lead.get("FirstName"), lead.get("LastName")),
                    "Industry": lead.get("Industry"),
                    "Website": lead.get("Website"),
                    "NumberOfEmployees": lead.get("NumberOfEmployees"),
                    "AnnualRevenue": lead.get("AnnualRevenue"),
                    "BillingCountry": lead.get("Country"),
                    "OwnerId": owner,
                },
                by_user=by_user,
            )
            contact_id = self._platform_create(
                "Contact",
                {
                    "AccountId": account_id,
                    "FirstName": lead.get("FirstName"),
                    "LastName": lead.get("LastName"),
                    "Title": lead.get("Title"),
                    "Email": lead.get("Email"),
                    "Phone": lead.get("Phone"),
                    "LeadSource": lead.get("LeadSource"),
                    "OwnerId": owner,
                },
                by_user=by_user,
            )
            opportunity_id: str | None = None
            if create_opportunity:
                stage = "Qualification" if won is None else ("Closed Won" if won else "Closed Lost")
                opportunity_id = self._platform_create(
                    "Opportunity",
                    {
                        "AccountId": account_id,
                        "Name": f"{lead.get('Company') or 'New'} -",
                        "StageName": stage,
                        "Amount": opportunity_amount,
                        "CloseDate": self.now().date()
                        + timedelta(days=0 if won is not None else 30),
                        "LeadSource": lead.get("LeadSource"),
                        "OwnerId": owner,
                    },
                    by_user=by_user,
                )
            self._apply(
                lead_def,
                lead,
                {
                    "IsConverted": True,
                    "Status": CONVERTED_LEAD_STATUS,
                    "ConvertedDate": self.now().date(),
                    "ConvertedAccountId": account_id,
                    "ConvertedContactId": contact_id,
                    "ConvertedOpportunityId": opportunity_id,
                },
                by_user=by_user,
            )
            self._add_history(
                [
                    event_row(
                        lead_def,
                        lead["Id"],
                        "leadConverted",
                        by_user=by_user or self.integration_user_id,
                        now=self.now(),
                    )
                ]
            )
            # Lead Convert re-parents the lead's open and closed activities to the contact.
            for activity in ("Task", "Event"):
                activity_def = self.object_def(activity)
                for record in self._tables[activity].values():
                    if record.get("WhoId") == lead["Id"]:
                        self._apply(
                            activity_def,
                            record,
                            {"WhoId": contact_id, "WhatId": opportunity_id or account_id},
                            by_user=by_user,
                        )
            return {
                "accountId": account_id,
                "contactId": contact_id,
                "opportunityId": opportunity_id,
            }

    def merge_leads(
        self, master_id: str, loser_ids: Iterable[str], *, by_user: str | None = None
    ) -> None:
        """Merge leads: losers go to the recycle bin with MasterRecordId = the survivor.

        Their activities move to the master, whose SystemModstamp moves too.
        """
        lead_def = self.object_def("Lead")
        with self.lock:
            master = self._require(lead_def, master_id)
            self.check(lead_def, {}, existing=master)
            losers = [self._require(lead_def, loser_id) for loser_id in loser_ids]
            for loser in losers:
                self.check(lead_def, {}, existing=loser)
            for loser in losers:
                for activity in ("Task", "Event"):
                    activity_def = self.object_def(activity)
                    for record in self._tables[activity].values():
                        if record.get("WhoId") == loser["Id"]:
                            self._apply(
                                activity_def, record, {"WhoId": master["Id"]}, by_user=by_user
                            )
                # MasterRecordId is read-only to the API; the merge sets it.
                loser["MasterRecordId"] = master["Id"]
                self._soft_delete(lead_def, loser, by_user=by_user)
            self._apply(lead_def, master, {}, by_user=by_user)
            self._add_history(
                [
                    event_row(
                        lead_def,
                        master["Id"],
                        "leadMerged",
                        by_user=by_user or self.integration_user_id,
                        now=self.now(),
                    )
                ]
            )

    # --- replication -------------------------------------------------------------------------

    def updated_ids(self, sobject: str, start: datetime, end: datetime) -> list[str]:
        """Ids of live records whose SystemModstamp is in [start, end] (both inclusive)."""
        with self.lock:
            return [
                r["Id"]
                for r in self.table(sobject).values()
                if not r.get("IsDeleted") and start <= r["SystemModstamp"] <= end
            ]

    def deleted_records(self, sobject: str, start: datetime, end: datetime) -> list[DeletedRecord]:
        name = self.object_def(sobject).name
        with self.lock:
            return [
                d
                for d in self.deleted_log
                if d.sobject == name
                and start <= d.deleted_date <= end
                and self._tables[name][d.id].get("IsDeleted")
            ]


def _seed_converter(field: FieldDef) -> Callable[[Any], Any]:
    """A fast normaliser for seed values of ``field``, falling back to ``normalize_native``.

    Seeding a 100,000-lead org normalises millions of values; the common, already-normal
    cases return at once.
    """
    ftype = field.type

    def slow(value: Any) -> Any:
        return normalize_native(field, value)

    if ftype in TEXT_TYPES:

        def text(value: Any) -> Any:
            if value.__class__ is str:
                return value or None
            return slow(value)

        return text
    if ftype is FieldType.DATETIME:

        def moment(value: Any) -> Any:
            if value.__class__ is datetime and value.tzinfo is UTC and not value.microsecond:
                return value
            return slow(value)

        return moment
    if ftype in (FieldType.DATE, FieldType.TIME, FieldType.BOOLEAN):
        return lambda value: value if value is None or value.__class__ is not str else slow(value)
    if ftype is FieldType.INT:
        return lambda value: value if value is None or value.__class__ is int else slow(value)
    if field.scale == 0:

        def whole(value: Any) -> Any:
            if value.__class__ is int:
                return float(value)
            if value.__class__ is float and value.is_integer():
                return value
            return slow(value)

        return whole
    return slow


def _field(objdef: ObjectDef, name: str) -> FieldDef:
    found = objdef.field(name)
    if found is None:
        raise KeyError(f"{objdef.name}.{name}")
    return found


def _read_only_object(objdef: ObjectDef, verb: str) -> SalesforceApiError:
    return SalesforceApiError(
        400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be {verb}: {objdef.label}"
    )


def _canonical_id(record_id: str) -> str:
    """15-character ids address the same record as their 18-character form."""
    if len(record_id) == 15 and is_valid_id(record_id):
        return to_18(record_id)
    return record_id


__all__ = ["DeletedRecord", "Org", "Record", "SalesforceApiError", "SimClock"]
