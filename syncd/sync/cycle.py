"""One sync cycle: pull -> evaluate -> write back, recorded as a sync run.

Orchestration only: the adapters move data, the domain decides, this wires them in order and
keeps the run record honest (counts, API calls, budget left, why it stopped).
"""

from __future__ import annotations

import time as _time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from syncd.config import Config
from syncd.domain.golive import WriteGate, WriteMode, WritesRefused
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.owners import resolve_owners
from syncd.mirror import Mirror
from syncd.ops.logging import bind_run, unbind_run
from syncd.ports import OrgClient, Progress
from syncd.salesforce.errors import BudgetExhausted, ErrorKind, SalesforceError
from syncd.sync.budget import remember_limit
from syncd.sync.evaluate import EvaluationResult, evaluate_leads
from syncd.sync.golive import shelve_for_shadow
from syncd.sync.pull import PullResult, pull_object
from syncd.sync.reconcile import reconcile_object
from syncd.sync.writeback import WritebackResult, flush_outbox

log = structlog.get_logger("syncd.cycle")

__all__ = ["SYNC_ORDER", "CycleSummary", "Interrupted", "OwnerProblems", "run_cycle"]

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


class Interrupted(Exception):
    """A stop was asked for (SIGTERM/SIGINT): the cycle ends at the next safe point."""


class OwnerProblems(Exception):
    """The policy names owners the org does not have (or has inactive): nothing is decided."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class CycleSummary:
    run_id: str
    status: str = "running"
    job: str = "sync"
    dry_run: bool = False
    shadow: bool = False
    shadowed_writes: int = 0
    pulled: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    echoes: dict[str, int] = field(default_factory=dict)
    used_bulk: list[str] = field(default_factory=list)
    quarantined: int = 0
    full_rescore: bool = False
    evaluation: EvaluationResult = field(default_factory=EvaluationResult)
    writeback: WritebackResult = field(default_factory=WritebackResult)
    api_calls: int = 0
    api_calls_by_kind: dict[str, int] = field(default_factory=dict)
    budget_left: int | None = None
    error: str | None = None
    error_kind: str | None = None
    problems: list[str] = field(default_factory=list)
    transients: dict[str, int] = field(default_factory=dict)
    reconciled: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def is_config_failure(self) -> bool:
        return self.error_kind == ErrorKind.CONFIG.value

    def counts(self) -> dict[str, Any]:
        ev, wb = self.evaluation, self.writeback
        return {
            "job": self.job,
            "pulled": self.pulled,
            "changed": self.changed,
            "echoes": self.echoes,
            "used_bulk": self.used_bulk,
            "quarantined": self.quarantined,
            "full_rescore": self.full_rescore,
            "evaluated": ev.evaluated,
            "leads_with_changes": ev.decisions_with_changes,
            "fields_queued": ev.fields_queued,
            "tasks_queued": ev.tasks_queued,
            "ledger_entries": ev.ledger_entries,
            "ledger_by_kind": ev.ledger_by_kind,
            "conflicts": wb.conflicts,
            "handoffs_by_owner": ev.handoffs_by_owner,
            "recycled_to": ev.recycled_to,
            "records_written": wb.records_written,
            "fields_written": wb.fields_written,
            "tasks_created": wb.tasks_created,
            "write_failures": wb.failed,
            "write_retries": wb.retried,
            "already_there": wb.already_there,
            "skipped_converted": wb.skipped_converted,
            "collection_calls": wb.collection_calls,
            "bulk_jobs": wb.bulk_jobs,
            "recovered_in_doubt": wb.recovered,
            "api_calls_by_kind": self.api_calls_by_kind,
            "shadow": self.shadow,
            "shadowed_writes": self.shadowed_writes,
            "transients": self.transients,
            "reconciled": self.reconciled,
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


def leads_to_evaluate(
    mirror: Mirror, pulls: dict[str, PullResult], policy_version: str, now: datetime
) -> tuple[set[str], bool]:
    """Which leads this cycle looks at, and whether it is a full rescore."""
    meta = mirror.get_meta(RESCORE_KEY)
    last_at = meta.get("at")
    stale = last_at is None or datetime.fromisoformat(str(last_at)) < now - RESCORE_EVERY
    if stale or meta.get("policy_version") != policy_version:
        return mirror.live_lead_ids(), True
    ids: set[str] = set()
    if "Lead" in pulls:
        ids |= pulls["Lead"].changed_ids - pulls["Lead"].echo_ids
    activity_ids: set[str] = set()
    for name in ("Task", "Event"):
        if name in pulls:
            activity_ids |= pulls[name].changed_ids - pulls[name].echo_ids
    member_ids = pulls["CampaignMember"].changed_ids if "CampaignMember" in pulls else set()
    ids |= mirror.leads_touched_by(activity_ids, member_ids)
    ids |= set(mirror.sla_due_before(now))
    # Leads whose next deadline came (no-touch, working window): found by the index, so
    # recycle and escalation happen on time without re-reading every open lead.
    ids |= set(mirror.due_for_recheck(now))
    return ids, False


def run_cycle(
    *,
    client: OrgClient,
    mirror: Mirror,
    config: Config,
    lookback: timedelta,
    bulk_query_threshold: int,
    bulk_write_threshold: int,
    dry_run: bool = False,
    now: Callable[[], datetime] = _utcnow,
    progress: Progress | None = None,
    budget_left: Callable[[], int | None] = lambda: None,
    stop: Callable[[], bool] = lambda: False,
    objects: Collection[str] | None = None,
    select: Callable[[datetime], set[str]] | None = None,
    job: str = "sync",
    gate: WriteGate | Callable[[], WriteGate] | None = None,
    reconcile: bool = False,
) -> CycleSummary:
    """Run one cycle and record it; never raises for org, budget, owner or go-live trouble.

    ``stop`` is asked between objects and between writeback batches: when it says yes, the
    cycle ends there as 'interrupted' with every batch already sent recorded (never half).
    The daemon's jobs narrow a cycle: ``objects`` limits what is pulled (empty: nothing),
    ``select`` picks the leads to evaluate instead of "what changed", ``job`` names the run.
    ``gate`` (a :class:`WriteGate`, or :func:`syncd.sync.golive.write_gate` bound to the
    client, asked here so its one query counts in the run): SHADOW records every decision
    and sends nothing; REFUSED stops before the pull (status ``refused``) unless dry run.
    ``reconcile`` adds the nightly Id comparison after the pull (see ``sync.reconcile``).
    """
    started = now()
    clock = _time.monotonic()
    calls_before = client.calls_made
    transients_before = Counter(getattr(client, "transients", {}))
    policy = config.policy
    run_id = mirror.start_run(now=started, dry_run=dry_run)
    summary = CycleSummary(run_id=run_id, dry_run=dry_run, job=job)
    bind_run(run_id)
    log.info("cycle started", job=job, dry_run=dry_run, policy_version=policy.version)
    try:
        summary.shadow = _shadow_or_refuse(gate, dry_run)
        pulls = _pull_all(
            client,
            mirror,
            config,
            summary,
            started,
            lookback,
            bulk_query_threshold,
            now,
            progress,
            stop,
            objects,
        )
        if reconcile:
            _reconcile_all(client, mirror, config, summary, pulls, bulk_query_threshold, now)
        _evaluate(mirror, config, summary, pulls, now(), dry_run, progress, select)
        _stop_here(stop)
        if summary.shadow:
            summary.shadowed_writes = shelve_for_shadow(mirror, now())
            summary.status = "ok"
            return summary
        summary.writeback = WritebackResult()  # filled as it goes: a budget stop keeps counts
        flush_outbox(
            mirror,
            client,
            config.mappings.lead,
            now=now,
            run_id=run_id,
            bulk_threshold=bulk_write_threshold,
            policy_version=policy.version,
            dry_run=dry_run,
            progress=progress,
            stop=stop,
            outcome=summary.writeback,
        )
        summary.status = "interrupted" if summary.writeback.interrupted else "ok"
    except Interrupted:
        summary.status = "interrupted"
        log.warning("cycle interrupted: stop requested")
    except WritesRefused as exc:
        summary.status = "refused"
        summary.error, summary.error_kind = str(exc), ErrorKind.CONFIG.value
        log.warning("cycle refused: go-live switch", reason=str(exc))
    except OwnerProblems as exc:
        summary.status = "failed"
        summary.error = "the policy names owners the org does not have: " + "; ".join(exc.problems)
        summary.error_kind = ErrorKind.CONFIG.value
        summary.problems = exc.problems
        log.error("cycle stopped: owner references", problems=exc.problems)  # noqa: TRY400
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
        summary.transients = dict(Counter(getattr(client, "transients", {})) - transients_before)
        summary.budget_left = budget_left()
        summary.seconds = _time.monotonic() - clock
        ended = now()
        with mirror.unit():
            remember_limit(mirror, client, ended)
            mirror.finish_run(
                run_id,
                now=ended,
                status=summary.status if summary.status != "running" else "failed",
                counts=summary.counts(),
                api_calls=summary.api_calls,
                api_budget_left=summary.budget_left,
                policy_version=policy.version,
                error=summary.error,
            )
            if summary.error:
                mirror.add_event(
                    run_id=run_id,
                    at=ended,
                    level="error",
                    kind=summary.error_kind or "error",
                    message=summary.error,
                )
            mirror.add_events(
                [
                    {
                        "run_id": run_id,
                        "at": ended,
                        "level": "warning",
                        "kind": "transient",
                        "message": f"{count} {what}",
                        "details": {"count": count},
                    }
                    for what, count in sorted(summary.transients.items())
                ]
            )
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


def _stop_here(stop: Callable[[], bool]) -> None:
    if stop():
        raise Interrupted


def _shadow_or_refuse(gate: WriteGate | Callable[[], WriteGate] | None, dry_run: bool) -> bool:
    """Whether this cycle is a shadow one; raises WritesRefused when it may not write."""
    resolved = gate() if callable(gate) else gate
    if resolved is None or dry_run:
        return False
    if resolved.mode is WriteMode.REFUSED:
        raise WritesRefused(resolved)
    return resolved.mode is WriteMode.SHADOW


def _pull_all(
    client: OrgClient,
    mirror: Mirror,
    config: Config,
    summary: CycleSummary,
    started: datetime,
    lookback: timedelta,
    bulk_threshold: int,
    now: Callable[[], datetime],
    progress: Progress | None,
    stop: Callable[[], bool],
    objects: Collection[str] | None,
) -> dict[str, PullResult]:
    pulls: dict[str, PullResult] = {}
    for sobject in SYNC_ORDER:
        if sobject not in config.mappings.objects:
            continue
        if objects is not None and sobject not in objects:
            continue
        _stop_here(stop)
        result = pull_object(
            client,
            mirror,
            config.mappings[sobject],
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
        if result.echo_ids:
            summary.echoes[sobject] = len(result.echo_ids)
        if result.used_bulk:
            summary.used_bulk.append(sobject)
        _quarantined(mirror, summary, result, now)
    return pulls


def _quarantined(
    mirror: Mirror, summary: CycleSummary, result: PullResult, now: Callable[[], datetime]
) -> None:
    if not result.quarantined:
        return
    summary.quarantined += len(result.quarantined)
    mirror.add_events(
        [
            {
                "run_id": summary.run_id,
                "at": now(),
                "level": "warning",
                "kind": "quarantined",
                "record_id": bad.record_id[:18],
                "message": f"{bad.sobject} {bad.record_id} not stored: {bad.field}: {bad.why}",
                "details": {"field": bad.field},
            }
            for bad in result.quarantined
        ]
    )


def _reconcile_all(
    client: OrgClient,
    mirror: Mirror,
    config: Config,
    summary: CycleSummary,
    pulls: dict[str, PullResult],
    bulk_threshold: int,
    now: Callable[[], datetime],
) -> None:
    """Every mapped object's Ids against the mirror; what moved is evaluated like a pull's."""
    for sobject in SYNC_ORDER:
        if sobject not in config.mappings.objects:
            continue
        drift, refetched = reconcile_object(
            client,
            mirror,
            config.mappings[sobject],
            run_id=summary.run_id,
            now=now,
            bulk_threshold=bulk_threshold,
        )
        summary.reconciled[sobject] = drift.counts()
        pulled = pulls.setdefault(sobject, PullResult(sobject))
        pulled.changed_ids |= refetched.changed_ids
        _quarantined(mirror, summary, refetched, now)
        mirror.add_event(
            run_id=summary.run_id,
            at=now(),
            level="warning" if drift.found_anything else "info",
            kind="reconcile",
            message=drift.message(),
            details=drift.counts(),
        )


def _evaluate(
    mirror: Mirror,
    config: Config,
    summary: CycleSummary,
    pulls: dict[str, PullResult],
    now: datetime,
    dry_run: bool,
    progress: Progress | None,
    select: Callable[[datetime], set[str]] | None = None,
) -> None:
    context = mirror.org_context(config.policy.lifecycle.statuses.statuses_of(OPEN_STAGES))
    policy, problems = resolve_owners(config.policy, context.directory)
    if problems:
        raise OwnerProblems([f"policy.yaml: {p.path}: {p.message}" for p in problems])
    if select is not None:
        ids, full = select(now), False
    else:
        ids, full = leads_to_evaluate(mirror, pulls, policy.version, now)
    summary.full_rescore = full
    if progress is not None:
        progress.start("evaluate", len(ids))

    def advanced(done: int, total: int) -> None:
        if progress is not None:
            progress.advance("evaluate", done, total)

    summary.evaluation = evaluate_leads(
        mirror,
        policy,
        config.mappings.lead,
        context,
        ids,
        run_id=summary.run_id,
        now=now,
        plan=dry_run,
        on_batch=advanced,
    )
    if progress is not None:
        progress.finish("evaluate")
    if full and not dry_run:
        mirror.set_meta(RESCORE_KEY, {"at": now.isoformat(), "policy_version": policy.version}, now)
