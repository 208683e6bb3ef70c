"""One sync cycle: pull -> evaluate -> write back, recorded as a sync run.

Orchestration only: the adapters move data, the domain decides, this wires them in order and
keeps the run record honest (counts, API calls, budget left, why it stopped).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from syncd.domain.policy import Policy
from syncd.fieldmap import FieldMappings
from syncd.mirror import models as m
from syncd.mirror import store
from syncd.ops.logging import bind_run, unbind_run
from syncd.salesforce.errors import BudgetExhausted, ErrorKind, SalesforceError
from syncd.sync.evaluate import OPEN_STAGES, EvaluationResult, Evaluator, leads_touched_by
from syncd.sync.pull import OrgReader, Progress, PullResult, pull_object
from syncd.sync.writeback import OrgWriter, WritebackResult, flush_outbox

log = structlog.get_logger("syncd.cycle")

# Reference data first (owners, calendars, campaigns), then leads, then what hangs off them.
SYNC_ORDER = (
    "User",
    "Group",
    "BusinessHours",
    "Holiday",
    "Campaign",
    "Lead",
    "Task",
    "Event",
    "CampaignMember",
    "Opportunity",
)
RESCORE_KEY = "full_rescore"
RESCORE_EVERY = timedelta(hours=24)  # so decay reaches every lead at least daily
RECHECK_OPEN_AFTER = timedelta(minutes=15)


class OrgClient(OrgReader, OrgWriter, Protocol):
    calls_made: int


@dataclass
class CycleSummary:
    run_id: str
    status: str = "running"
    dry_run: bool = False
    pulled: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    used_bulk: list[str] = field(default_factory=list)
    full_rescore: bool = False
    evaluation: EvaluationResult = field(default_factory=EvaluationResult)
    writeback: WritebackResult = field(default_factory=WritebackResult)
    api_calls: int = 0
    api_calls_by_kind: dict[str, int] = field(default_factory=dict)
    budget_left: int | None = None
    error: str | None = None
    error_kind: str | None = None
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        ev, wb = self.evaluation, self.writeback
        return {
            "pulled": self.pulled,
            "changed": self.changed,
            "used_bulk": self.used_bulk,
            "full_rescore": self.full_rescore,
            "evaluated": ev.evaluated,
            "leads_with_changes": ev.decisions_with_changes,
            "fields_queued": ev.fields_queued,
            "tasks_queued": ev.tasks_queued,
            "ledger_entries": ev.ledger_entries,
            "conflicts": ev.conflicts,
            "handoffs_by_owner": ev.handoffs_by_owner,
            "records_written": wb.records_written,
            "fields_written": wb.fields_written,
            "tasks_created": wb.tasks_created,
            "write_failures": wb.failed,
            "write_retries": wb.retried,
            "skipped_converted": wb.skipped_converted,
            "collection_calls": wb.collection_calls,
            "bulk_jobs": wb.bulk_jobs,
            "recovered_in_doubt": wb.recovered,
            "api_calls_by_kind": self.api_calls_by_kind,
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


def leads_to_evaluate(
    session: Session,
    pulls: dict[str, PullResult],
    policy_version: str,
    now: datetime,
) -> tuple[set[str], bool]:
    """Which leads this cycle looks at, and whether it is a full rescore."""
    meta = store.get_meta(session, RESCORE_KEY)
    last_at = meta.get("at")
    stale = last_at is None or datetime.fromisoformat(str(last_at)) < now - RESCORE_EVERY
    if stale or meta.get("policy_version") != policy_version:
        every = set(session.scalars(select(m.Lead.id).where(m.Lead.is_deleted.is_(False))))
        return every, True
    ids: set[str] = set()
    if "Lead" in pulls:
        ids |= pulls["Lead"].changed_ids
    activity_ids = set()
    for name in ("Task", "Event"):
        if name in pulls:
            activity_ids |= pulls[name].changed_ids
    member_ids = pulls["CampaignMember"].changed_ids if "CampaignMember" in pulls else set()
    ids |= leads_touched_by(session, activity_ids, member_ids)
    ids |= set(store.sla_due_before(session, now))
    # Qualified leads are looked at again regularly so recycle and escalation happen on time.
    ids |= set(
        session.scalars(
            select(m.LeadState.lead_id).where(
                m.LeadState.stage.in_(OPEN_STAGES),
                (m.LeadState.evaluated_at.is_(None))
                | (m.LeadState.evaluated_at < now - RECHECK_OPEN_AFTER),
            )
        )
    )
    return ids, False


def run_cycle(
    *,
    client: OrgClient,
    sessions: sessionmaker[Session],
    mappings: FieldMappings,
    policy: Policy,
    lookback: timedelta,
    bulk_query_threshold: int,
    bulk_write_threshold: int,
    dry_run: bool = False,
    now: Callable[[], datetime] = _utcnow,
    progress: Progress | None = None,
    budget_left: Callable[[], int | None] = lambda: None,
) -> CycleSummary:
    """Run one cycle and record it; never raises for org or budget trouble (see .status)."""
    started = now()
    clock = _time.monotonic()
    calls_before = client.calls_made
    with sessions() as session:
        run = store.start_run(session, now=started, dry_run=dry_run)
        session.commit()
        run_id = run.id
    summary = CycleSummary(run_id=run_id, dry_run=dry_run)
    bind_run(run_id)
    log.info("cycle started", dry_run=dry_run, policy_version=policy.version)
    try:
        pulls = _pull_all(
            client,
            sessions,
            mappings,
            summary,
            started,
            lookback,
            bulk_query_threshold,
            now,
            progress,
        )
        _evaluate(sessions, mappings, policy, summary, pulls, now(), dry_run)
        summary.writeback = flush_outbox(
            sessions,
            client,
            now=now,
            run_id=run_id,
            bulk_threshold=bulk_write_threshold,
            dry_run=dry_run,
        )
        summary.status = "ok"
    except BudgetExhausted as exc:
        summary.status = "stopped"
        summary.error, summary.error_kind = str(exc), exc.kind.value
        log.warning("cycle stopped: API budget", error=str(exc))
    except SalesforceError as exc:
        summary.status = "failed"
        summary.error, summary.error_kind = str(exc), exc.kind.value
        # A classified org failure, not a bug: no traceback in the log, just what and why.
        log.error("cycle failed", error=str(exc), kind=exc.kind.value, code=exc.error_code)  # noqa: TRY400
    finally:
        summary.api_calls = client.calls_made - calls_before
        summary.api_calls_by_kind = dict(getattr(client, "calls_by_kind", {}) or {})
        summary.budget_left = budget_left()
        summary.seconds = _time.monotonic() - clock
        with sessions() as session:
            record = session.get(m.SyncRun, run_id)
            if record is not None:
                store.finish_run(
                    record,
                    now=now(),
                    status=summary.status if summary.status != "running" else "failed",
                    counts=summary.counts(),
                    api_calls=summary.api_calls,
                    api_budget_left=summary.budget_left,
                    policy_version=policy.version,
                    error=summary.error,
                )
                if summary.error:
                    store.add_run_event(
                        session,
                        run_id=run_id,
                        at=now(),
                        level="error",
                        kind=summary.error_kind or "error",
                        message=summary.error,
                    )
                session.commit()
        log.info(
            "cycle finished",
            status=summary.status,
            api_calls=summary.api_calls,
            seconds=round(summary.seconds, 2),
            **{
                k: v
                for k, v in summary.counts().items()
                if k in ("evaluated", "fields_queued", "records_written", "tasks_created")
            },
        )
        unbind_run()
    return summary


def _pull_all(
    client: OrgReader,
    sessions: sessionmaker[Session],
    mappings: FieldMappings,
    summary: CycleSummary,
    started: datetime,
    lookback: timedelta,
    bulk_threshold: int,
    now: Callable[[], datetime],
    progress: Progress | None,
) -> dict[str, PullResult]:
    pulls: dict[str, PullResult] = {}
    for sobject in SYNC_ORDER:
        if sobject not in mappings.objects:
            continue
        result = pull_object(
            client,
            sessions,
            mappings[sobject],
            run_id=summary.run_id,
            run_started=started,
            lookback=lookback,
            bulk_threshold=bulk_threshold,
            now=now,
            progress=progress,
        )
        pulls[sobject] = result
        summary.pulled[sobject] = result.fetched
        summary.changed[sobject] = len(result.changed_ids)
        if result.used_bulk:
            summary.used_bulk.append(sobject)
    return pulls


def _evaluate(
    sessions: sessionmaker[Session],
    mappings: FieldMappings,
    policy: Policy,
    summary: CycleSummary,
    pulls: dict[str, PullResult],
    now: datetime,
    dry_run: bool,
) -> None:
    with sessions() as session:
        ids, full = leads_to_evaluate(session, pulls, policy.version, now)
        summary.full_rescore = full
        evaluator = Evaluator(
            session, policy, mappings, run_id=summary.run_id, now=now, plan=dry_run
        )
        summary.evaluation = evaluator.evaluate(ids)
        if dry_run:
            # A dry run shows what it would write and keeps nothing of it.
            session.rollback()
            return
        if full:
            store.set_meta(
                session, RESCORE_KEY, {"at": now.isoformat(), "policy_version": policy.version}, now
            )
        session.commit()


def is_config_failure(summary: CycleSummary) -> bool:
    return summary.error_kind == ErrorKind.CONFIG.value
