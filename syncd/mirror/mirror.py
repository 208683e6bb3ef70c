"""`Mirror`: the mirror as the orchestration sees it, one method per thing it needs.

Each method is one transaction unless called inside `unit()`, which groups several into one
(a page of rows and the watermark that covers it are saved together). Nothing outside
`syncd.mirror` touches SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError

from syncd.config.fields import ObjectMapping
from syncd.domain.calendar import BusinessCalendar
from syncd.domain.model import User
from syncd.domain.owners import OwnerDirectory
from syncd.domain.reporting import ReportRows
from syncd.domain.reporting.calibration_inputs import ScoreEntry
from syncd.domain.reporting.segments import DEFAULT_SEGMENTS, Segment
from syncd.domain.sla import TouchRule
from syncd.mirror import (
    ledger,
    outbox,
    outcome_reads,
    reads,
    reconcile,
    records,
    report_reads,
    runs,
    state,
)
from syncd.mirror import models as m
from syncd.mirror.db import make_engine
from syncd.mirror.migrate import current_revision, head_revision, upgrade
from syncd.mirror.outbox import OutboxItem, OutboxState, Settled
from syncd.mirror.reads import LeadInputs
from syncd.mirror.records import WatermarkValue
from syncd.mirror.runs import RunEventRecord, RunRecord
from syncd.mirror.util import chunked
from syncd.ports import FieldKind

__all__ = ["EvaluationBatch", "Mirror", "OrgContext", "PageRefused"]


@dataclass(frozen=True)
class OrgContext:
    """What every evaluation in a cycle shares: owners, calendar, duplicates, routing."""

    users: Mapping[str, User]
    directory: OwnerDirectory
    duplicate_emails: frozenset[str]
    calendar: BusinessCalendar | None
    calendar_problems: tuple[str, ...]
    routing_state: Mapping[str, Any]
    open_lead_counts: Mapping[str, int]


@dataclass
class EvaluationBatch:
    """What one batch of evaluations leaves behind, recorded in one transaction."""

    outbox_updates: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    superseded: list[tuple[int, str]] = field(default_factory=list)  # (entry id, why)
    retired: list[tuple[str, str]] = field(default_factory=list)  # (lead id, why)
    routing_state: Mapping[str, Any] | None = None


class PageRefused(Exception):
    """The database refused a page of records; the message holds no row's values."""

    def __init__(self, sobject: str, why: str) -> None:
        super().__init__(f"the mirror refused a page of {sobject} records: {why}")


def _first_line(exc: DBAPIError) -> str:
    """The database's own first line: PostgreSQL puts the failing row (a lead's personal
    data) on the DETAIL line after it, and the engine hides parameters from the rest."""
    lines = str(exc.orig or "").strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class Mirror:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Mirror:
        """The mirror at ``url``, migrated to the code's schema first (when ``migrate``)."""
        engine = make_engine(url)
        if migrate and current_revision(engine) != head_revision(engine):
            upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def unit(self) -> Iterator[Mirror]:
        """Group the calls made inside into one transaction."""
        if self._conn is not None:
            yield self
            return
        with self.engine.begin() as conn:
            self._conn = conn
            try:
                yield self
            finally:
                self._conn = None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
            return
        with self.engine.begin() as conn:
            yield conn

    # --- runs ---------------------------------------------------------------------------

    def start_run(self, *, now: datetime, dry_run: bool) -> str:
        with self._tx() as c:
            return runs.start_run(c, now=now, dry_run=dry_run)

    def finish_run(self, run_id: str, **values: Any) -> None:
        with self._tx() as c:
            runs.finish_run(c, run_id, **values)

    def close_abandoned_runs(self, *, now: datetime) -> int:
        with self._tx() as c:
            return runs.close_abandoned_runs(c, now=now)

    def add_event(self, **values: Any) -> None:
        with self._tx() as c:
            runs.add_event(c, **values)

    def add_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._tx() as c:
            runs.add_events(c, rows)

    def recent_runs(self, limit: int = 20) -> list[RunRecord]:
        with self._tx() as c:
            return runs.recent_runs(c, limit)

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._tx() as c:
            return runs.get_run(c, run_id)

    def find_run(self, prefix: str) -> str | None:
        with self._tx() as c:
            return runs.find_run(c, prefix)

    def run_events(self, run_id: str | None = None, limit: int = 200) -> list[RunEventRecord]:
        with self._tx() as c:
            return runs.run_events(c, run_id, limit)

    def api_calls_since(self, since: datetime) -> int:
        with self._tx() as c:
            return runs.api_calls_since(c, since)

    def api_call_history(self, since: datetime) -> list[tuple[datetime, int]]:
        with self._tx() as c:
            return runs.api_call_history(c, since)

    def get_meta(self, key: str) -> dict[str, Any]:
        with self._tx() as c:
            return runs.get_meta(c, key)

    def set_meta(self, key: str, value: Mapping[str, Any], now: datetime) -> None:
        with self._tx() as c:
            runs.set_meta(c, key, value, now)

    # --- pull ---------------------------------------------------------------------------

    @staticmethod
    def column_kinds(sobject: str) -> dict[str, FieldKind]:
        return records.column_kinds(sobject)

    def watermark(self, sobject: str) -> WatermarkValue | None:
        with self._tx() as c:
            return records.get_watermark(c, sobject)

    def store_page(
        self,
        sobject: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        now: datetime,
        run_id: str,
        mark: datetime | None,
        refused: list[records.Refused] | None = None,
        fresh: bool = False,
    ) -> dict[str, frozenset[str] | None]:
        """Upsert decoded rows; save ``mark`` with them; what changed (``records.changes``).

        A row the database cannot hold is left out and added to ``refused`` (when given):
        a text longer than its column, or anything else the database refuses, found by
        storing that page again row by row. The rest of the page is stored either way.
        ``fresh``: the caller knows the mirror held none of this object (a first backfill),
        so every row is new and the comparison read is skipped.
        """
        split = []
        for row in (records.split_attributes(sobject, r) for r in rows):
            problem = records.too_long(sobject, row)
            if problem is None:
                split.append(row)
            elif refused is None:
                raise ValueError(
                    f"{sobject} {problem.record_id}: {problem.attribute}: {problem.why}"
                )
            else:
                refused.append(problem)
        try:
            with self._tx() as c:
                if fresh:
                    changed: dict[str, frozenset[str] | None] = dict.fromkeys(
                        (str(r["id"]) for r in split), None
                    )
                else:
                    changed = records.changes(c, sobject, split)
                records.upsert_records(c, sobject, split, now)
                if mark is not None:
                    records.save_watermark(c, sobject, mark, run_id=run_id, now=now)
        except DBAPIError as exc:
            # Inside a caller's transaction the page cannot be retried apart from it.
            if refused is None or self._conn is not None:
                raise PageRefused(sobject, _first_line(exc)) from None
            return self._store_one_by_one(sobject, split, now, run_id, mark, refused)
        return changed

    def _store_one_by_one(
        self,
        sobject: str,
        split: list[dict[str, Any]],
        now: datetime,
        run_id: str,
        mark: datetime | None,
        refused: list[records.Refused],
    ) -> dict[str, frozenset[str] | None]:
        changed: dict[str, frozenset[str] | None] = {}
        for row in split:
            try:
                with self.engine.begin() as c:
                    moved = records.changes(c, sobject, [row])
                    records.upsert_records(c, sobject, [row], now)
            except DBAPIError as exc:
                why = f"refused by the database: {_first_line(exc)}"
                refused.append(records.Refused(str(row.get("id")), "", why))
                continue
            changed.update(moved)
        # Rows stored before a crash here are read again next time: upsert by Id is harmless.
        if mark is not None:
            with self.engine.begin() as c:
                records.save_watermark(c, sobject, mark, run_id=run_id, now=now)
        return changed

    def advance_watermark(
        self,
        sobject: str,
        value: datetime,
        *,
        run_id: str,
        now: datetime,
        full_pull_done: bool | None = None,
    ) -> None:
        with self._tx() as c:
            records.save_watermark(
                c, sobject, value, run_id=run_id, now=now, full_pull_done=full_pull_done
            )

    # --- which leads to evaluate ----------------------------------------------------------

    def live_lead_ids(self) -> set[str]:
        with self._tx() as c:
            return {
                str(i)
                for i in c.scalars(
                    select(reads.LEADS.c.id).where(reads.LEADS.c.is_deleted.is_(False))
                )
            }

    def leads_touched_by(self, activity_ids: Iterable[str], member_ids: Iterable[str]) -> set[str]:
        with self._tx() as c:
            return reads.leads_touched_by(c, activity_ids, member_ids)

    def sla_due_before(self, moment: datetime) -> list[str]:
        with self._tx() as c:
            return state.sla_due_before(c, moment)

    def due_for_recheck(self, now: datetime) -> list[str]:
        with self._tx() as c:
            return state.due_for_recheck(c, now)

    def org_context(self, open_statuses: Iterable[str] = ()) -> OrgContext:
        """What evaluation needs from the mirror besides the leads; ``open_statuses`` (folded
        Status values of open stages) lets open caps count leads not yet evaluated."""
        with self._tx() as c:
            calendar, problems = reads.org_calendar(c)
            return OrgContext(
                users=reads.domain_users(c),
                directory=reads.owner_directory(c),
                duplicate_emails=reads.duplicate_email_set(c),
                calendar=calendar,
                calendar_problems=tuple(problems),
                routing_state=state.load_routing_state(c),
                open_lead_counts=reads.open_lead_counts(c, open_statuses),
            )

    def owner_directory(self) -> OwnerDirectory:
        with self._tx() as c:
            return reads.owner_directory(c)

    # --- report -------------------------------------------------------------------------

    def report_rows(
        self,
        since: datetime,
        segments: Sequence[Segment] = DEFAULT_SEGMENTS,
        touch: TouchRule | None = None,
    ) -> ReportRows:
        with self._tx() as c:
            return report_reads.report_rows(c, since, segments, touch)

    def calibration_rows(
        self, since: datetime, reached: Sequence[str]
    ) -> tuple[list[ScoreEntry], dict[str, datetime]]:
        with self._tx() as c:
            return report_reads.calibration_rows(c, since, reached)

    def org_calendar(self) -> BusinessCalendar | None:
        with self._tx() as c:
            return reads.org_calendar(c)[0]

    def lead_inputs(self, ids: Sequence[str], mapping: ObjectMapping) -> LeadInputs:
        with self._tx() as c:
            return reads.lead_inputs(c, ids, mapping)

    def open_updates(self, record_ids: Iterable[str]) -> list[OutboxItem]:
        with self._tx() as c:
            return outbox.open_updates(c, record_ids)

    def record_evaluations(self, batch: EvaluationBatch, now: datetime) -> int:
        """Save a batch's results together; returns how many tasks were newly queued."""
        queued = 0
        with self._tx() as c:
            for entry_id, why in batch.superseded:
                outbox.move(c, [entry_id], OutboxState.SUPERSEDED, now, last_error=why)
            for lead_id, why in batch.retired:
                outbox.drop_open_writes(c, [lead_id], now, why)
                state.retire(c, lead_id, now)
            outbox.enqueue_updates(c, batch.outbox_updates, now)
            for task in batch.tasks:
                if outbox.enqueue_create(c, now=now, **task):
                    queued += 1
            ledger.insert(c, batch.ledger)
            state.save_lead_states(c, batch.states)
            if batch.routing_state is not None:
                state.save_routing_state(c, batch.routing_state, now)
        return queued

    def queue_tasks(self, tasks: Sequence[Mapping[str, Any]], now: datetime) -> int:
        """Queue Tasks to create (each once per idempotency key); returns how many are new."""
        with self._tx() as c:
            return sum(bool(outbox.enqueue_create(c, now=now, **task)) for task in tasks)

    # --- writeback ----------------------------------------------------------------------------

    def due_writes(self, now: datetime) -> list[OutboxItem]:
        with self._tx() as c:
            return outbox.due(c, now)

    def in_doubt(self) -> list[OutboxItem]:
        with self._tx() as c:
            return outbox.in_doubt(c)

    def mark_sending(self, ids: Sequence[int], now: datetime) -> str:
        with self._tx() as c:
            return outbox.mark_sending(c, ids, now)

    def move(self, ids: Sequence[int], target: OutboxState, now: datetime, **values: Any) -> int:
        with self._tx() as c:
            return outbox.move(c, ids, target, now, **values)

    def release(self, ids: Sequence[int], now: datetime) -> None:
        with self._tx() as c:
            outbox.release(c, ids, now)

    def settle(self, answers: Sequence[Settled], now: datetime) -> None:
        with self._tx() as c:
            outbox.settle(c, answers, now)

    def supersede_all_but_newest(self, keys: Iterable[tuple[str, str]], now: datetime) -> int:
        with self._tx() as c:
            return outbox.supersede_all_but_newest(c, keys, now)

    def created_by_syncd(self, record_ids: Iterable[str]) -> set[str]:
        with self._tx() as c:
            return outbox.created_by_syncd(c, record_ids)

    def written_values(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        with self._tx() as c:
            return state.written_values(c, ids)

    def note_written(self, written: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
        with self._tx() as c:
            state.note_written(c, written, now)

    def converted_lead_ids(self, ids: Iterable[str]) -> set[str]:
        with self._tx() as c:
            out: set[str] = set()
            for chunk in chunked(sorted(set(ids))):
                out.update(
                    str(i)
                    for i in c.scalars(
                        select(reads.LEADS.c.id).where(
                            reads.LEADS.c.id.in_(chunk), reads.LEADS.c.is_converted.is_(True)
                        )
                    )
                )
            return out

    def lead_attributes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The org's current values of these leads, as last pulled."""
        with self._tx() as c:
            out: dict[str, dict[str, Any]] = {}
            for chunk in chunked(sorted(set(ids))):
                for row in c.execute(select(reads.LEADS).where(reads.LEADS.c.id.in_(chunk))):
                    out[row.id] = reads.attributes(row)
            return out

    def hygiene_flagged(self) -> list[tuple[str, tuple[str, ...]]]:
        with self._tx() as c:
            return reads.hygiene_flagged(c)

    def add_ledger(self, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._tx() as c:
            ledger.insert(c, rows)

    def outbox_counts(self) -> dict[str, int]:
        with self._tx() as c:
            return outbox.counts(c)

    def owner_board(self, open_stages: Iterable[str]) -> list[tuple[str, int, int]]:
        with self._tx() as c:
            return state.owner_board(c, open_stages)

    def failed_writes(self, limit: int = 50) -> list[OutboxItem]:
        with self._tx() as c:
            return outbox.failed(c, limit)

    def history(self, lead_id: str, *, until: datetime | None = None) -> list[ledger.LedgerRecord]:
        with self._tx() as c:
            return ledger.history(c, lead_id, until=until)

    def lead_state_row(self, lead_id: str) -> dict[str, Any] | None:
        with self._tx() as c:
            row = c.execute(select(state.STATES).where(state.STATES.c.lead_id == lead_id)).first()
            return None if row is None else dict(row._mapping)

    def outcome(self) -> outcome_reads.Outcome:
        """What the handover came to (decisions, SLA states, queue reasons, an example)."""
        with self._tx() as c:
            return outcome_reads.outcome(c)

    # -- reconcile and housekeeping -------------------------------------------------------

    def count_rows(self, sobject: str) -> int:
        """Rows of ``sobject`` in the mirror, deleted ones included."""
        with self._tx() as c:
            return records.count_rows(c, sobject)

    def reconcile_begin(self, sobject: str) -> None:
        with self._tx() as c:
            reconcile.begin(c, sobject)

    def reconcile_seen(self, sobject: str, rows: Sequence[tuple[str, datetime | None]]) -> None:
        with self._tx() as c:
            reconcile.seen(c, sobject, rows)

    def reconcile_missed_deletes(self, sobject: str, now: datetime) -> list[str]:
        with self._tx() as c:
            return reconcile.mark_missed_deletes(c, sobject, now)

    def reconcile_to_refetch(self, sobject: str) -> tuple[list[str], list[str]]:
        with self._tx() as c:
            return reconcile.to_refetch(c, sobject)

    def prune_events(self, before: datetime) -> int:
        with self._tx() as c:
            return reconcile.prune_events(c, before)

    def purge_deleted_leads(self, deleted_before: datetime, deleted_since: datetime | None) -> int:
        with self._tx() as c:
            return reconcile.purge_deleted_leads(c, deleted_before, deleted_since)

    def count(self, model: type[m.Base]) -> int:
        from sqlalchemy import func

        with self._tx() as c:
            table = model.__table__
            return int(c.execute(select(func.count()).select_from(table)).scalar() or 0)
