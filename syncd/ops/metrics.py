"""Prometheus metrics for `/metrics`: per job, what cycles did and what they cost.

A registry of its own per daemon (not the process-global one), so tests and two daemons in
one process never share counters. Fed plain numbers: this module knows no cycle type.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.cycles = Counter("syncd_cycles", "Job runs by outcome.", ["job", "status"], registry=r)
        self.seconds = Histogram(
            "syncd_cycle_seconds",
            "How long job runs take.",
            ["job"],
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
            registry=r,
        )
        self.pulled = Counter("syncd_records_pulled", "Records pulled.", ["job"], registry=r)
        self.written = Counter("syncd_records_written", "Records written.", ["job"], registry=r)
        self.failed = Counter(
            "syncd_writes_failed", "Writes Salesforce refused.", ["job"], registry=r
        )
        self.tasks = Counter("syncd_tasks_created", "Handoff Tasks created.", ["job"], registry=r)
        self.handoffs = Counter(
            "syncd_mqls_handed_off", "MQLs handed to an owner.", ["job"], registry=r
        )
        self.api_calls = Counter(
            "syncd_api_calls", "Salesforce API calls made.", ["job"], registry=r
        )
        self.budget_left = Gauge(
            "syncd_api_budget_left", "API calls syncd may still make.", registry=r
        )
        self.outbox = Gauge(
            "syncd_outbox_entries", "Outbox entries by state.", ["state"], registry=r
        )
        self.breaches = Gauge("syncd_sla_breaches_open", "Leads whose SLA is breached.", registry=r)
        self.leader = Gauge(
            "syncd_leader", "1 when this daemon is the mirror's writer.", registry=r
        )
        self.config_rejected = Gauge(
            "syncd_config_edit_rejected", "1 while an invalid mappings edit is waiting.", registry=r
        )

    def observe_run(
        self,
        job: str,
        *,
        status: str,
        seconds: float,
        pulled: int = 0,
        written: int = 0,
        failed: int = 0,
        tasks: int = 0,
        handoffs: int = 0,
        api_calls: int = 0,
        budget_left: int | None = None,
    ) -> None:
        self.cycles.labels(job, status).inc()
        self.seconds.labels(job).observe(seconds)
        for counter, n in (
            (self.pulled, pulled),
            (self.written, written),
            (self.failed, failed),
            (self.tasks, tasks),
            (self.handoffs, handoffs),
            (self.api_calls, api_calls),
        ):
            counter.labels(job).inc(n)
        if budget_left is not None:
            self.budget_left.set(budget_left)

    def observe_mirror(self, outbox: Mapping[str, int], breaches: int) -> None:
        for state, n in outbox.items():
            self.outbox.labels(state).set(n)
        self.breaches.set(breaches)

    def render(self) -> bytes:
        return generate_latest(self.registry)
