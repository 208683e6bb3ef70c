"""What each scheduled job does, as one narrowed cycle (see `run_cycle`'s ``objects`` and
``select``): which objects it pulls and which leads it looks at.

- ``fast``: leads and what hangs off them (activities, campaign members, opportunities),
  then the leads that changed, fell due or need a recheck; an idle pass is one query each.
  Its first run after the daemon becomes leader pulls every object, reference data included.
- ``slow``: users, queues, campaigns, business hours and holidays; decides nothing itself.
- ``sla``: no pull at all; only the leads whose SLA fell due (the (sla_state, sla_due)
  index), so a breach is acted on within a minute even when nothing changed in the org.
- ``recycle``: no pull; the leads whose next deadline came (no-touch, working window; the
  lead_state ``recheck_at`` index), so stale ones go back to nurture on time.
- ``reconcile`` (nightly): every object pulled, then a full Id comparison per object (missed
  deletes marked, drift read again, findings recorded as run events), then a full rescore.
- ``housekeeping`` (nightly, after reconcile): run events older than the retention go, and
  leads deleted in Salesforce longer than the retention period lose their personal fields.
- ``report`` (weekly): no pull; the handover report from the mirror, kept under the report
  directory (one per ISO week), its alerts logged and queued as Tasks for the policy's owner.
  The Tasks go out with the next fast run's writeback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from syncd.config import Config
from syncd.domain.golive import WriteGate
from syncd.mirror import Mirror
from syncd.ports import OrgClient
from syncd.settings import Settings
from syncd.sync.cycle import CycleSummary, run_cycle
from syncd.sync.golive import write_gate
from syncd.sync.report import ReportResult, thresholds_from, weekly_dir, write_report

__all__ = [
    "FAST_OBJECTS",
    "SLOW_OBJECTS",
    "JobContext",
    "JobSpec",
    "housekeeping",
    "job_specs",
    "run_job",
]

log = structlog.get_logger(__name__)

FAST_OBJECTS = ("Lead", "Task", "Event", "CampaignMember", "Opportunity")
SLOW_OBJECTS = ("User", "Group", "BusinessHours", "Holiday", "Campaign")


@dataclass(frozen=True)
class JobSpec:
    name: str
    interval: timedelta  # for health and backoff; the nightly job's is a day
    at_hour_utc: int | None = None  # a daily job at this hour instead of an interval
    first_run_now: bool = False
    weekday: int | None = None  # with at_hour_utc: weekly on this day (0 = Monday)


def job_specs(settings: Settings) -> list[JobSpec]:
    """The schedule, from settings (SYNCD_*_SECONDS, SYNCD_RECONCILE_HOUR_UTC)."""
    return [
        JobSpec("fast", timedelta(seconds=settings.fast_interval_seconds), first_run_now=True),
        JobSpec("slow", timedelta(seconds=settings.slow_interval_seconds)),
        JobSpec("sla", timedelta(seconds=settings.sla_sweep_seconds)),
        JobSpec("recycle", timedelta(seconds=settings.recycle_interval_seconds)),
        JobSpec("reconcile", timedelta(days=1), at_hour_utc=settings.reconcile_hour_utc),
        JobSpec(
            "housekeeping",
            timedelta(days=1),
            at_hour_utc=(settings.reconcile_hour_utc + 1) % 24,
        ),
        JobSpec(
            "report",
            timedelta(days=7),
            at_hour_utc=settings.report_hour_utc,
            weekday=settings.report_weekday,
        ),
    ]


@dataclass
class JobContext:
    """What a job needs; ``config`` is asked at each start (that is where a reload lands)."""

    settings: Settings
    mirror: Mirror
    client: OrgClient
    budget_left: Callable[[], int | None]
    stop: Callable[[], bool]
    now: Callable[[], datetime]
    # The first fast run of a leadership term pulls every object: owners, queues and
    # calendars must be current before any lead is routed (a fresh mirror has none).
    pulled_everything: bool = False
    # The go-live switch, read from the org once per connection (one Organization query).
    gate: WriteGate | None = None

    def write_gate(self) -> WriteGate:
        if self.gate is None:
            self.gate = write_gate(
                self.client,
                writeback_enabled=self.settings.writeback_enabled,
                shadow=self.settings.shadow,
            )
        return self.gate


def run_weekly_report(ctx: JobContext, config: Config) -> ReportResult:
    """The weekly report, kept in this week's directory; its alerts queued as Tasks."""
    now = ctx.now()
    settings = ctx.settings
    return write_report(
        ctx.mirror,
        config,
        weekly_dir(settings.report_dir, now),
        now=now,
        thresholds=thresholds_from(settings),
        queue_alert_tasks=True,
    )


PURGED_KEY = "housekeeping.purged_through"


def housekeeping(ctx: JobContext) -> dict[str, int]:
    """Prune old run events; blank the personal fields of leads deleted in Salesforce longer
    ago than the retention. No call to the org. What it did is logged."""
    now, mirror, settings = ctx.now(), ctx.mirror, ctx.settings
    pruned = mirror.prune_events(now - timedelta(days=settings.events_retention_days))
    deleted_before = now - timedelta(days=settings.deleted_retention_days)
    last = mirror.get_meta(PURGED_KEY).get("through")
    purged = mirror.purge_deleted_leads(
        deleted_before, datetime.fromisoformat(str(last)) if last else None
    )
    mirror.set_meta(PURGED_KEY, {"through": deleted_before.isoformat()}, now)
    done = {"run_events_pruned": pruned, "deleted_leads_purged": purged}
    log.info("housekeeping", **done)
    return done


def run_job(name: str, ctx: JobContext, config: Config) -> CycleSummary | None:
    """Run job ``name`` once and return its recorded summary; None when a sweep found
    nothing to do (an idle sweep costs no call and records no run)."""
    mirror = ctx.mirror
    objects: tuple[str, ...] | None
    select: Callable[[datetime], set[str]] | None = None
    if name == "fast":
        objects = FAST_OBJECTS if ctx.pulled_everything else None
    elif name == "slow":
        objects, select = SLOW_OBJECTS, lambda _now: set()
    elif name == "sla":
        objects, select = (), lambda now: set(mirror.sla_due_before(now))
    elif name == "recycle":
        objects = ()

        def select(now: datetime) -> set[str]:
            return set(mirror.due_for_recheck(now))

    elif name == "reconcile":
        objects, select = None, lambda _now: mirror.live_lead_ids()
    elif name == "report":
        run_weekly_report(ctx, config)
        return None
    elif name == "housekeeping":
        housekeeping(ctx)
        return None
    else:
        raise ValueError(f"no job named {name!r}")
    if objects == () and select is not None:
        due = select(ctx.now())
        if not due and not mirror.due_writes(ctx.now()):
            return None
        select = lambda _now: due  # noqa: E731 - the leads just found, not a second query
    settings = ctx.settings
    summary = run_cycle(
        client=ctx.client,
        mirror=mirror,
        config=config,
        lookback=timedelta(seconds=settings.lookback_seconds),
        bulk_query_threshold=settings.bulk_query_threshold,
        bulk_write_threshold=settings.bulk_write_threshold,
        now=ctx.now,
        budget_left=ctx.budget_left,
        stop=ctx.stop,
        objects=objects,
        select=select,
        job=name,
        gate=ctx.write_gate,
        reconcile=name == "reconcile",
    )
    if name == "fast" and summary.status == "ok":
        ctx.pulled_everything = True
    return summary
