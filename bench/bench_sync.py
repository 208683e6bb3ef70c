"""Benchmark a sync cycle's cost in API calls and wall time against the simulator.

    python bench/bench_sync.py --leads 20000 --changed 500

Measured in one run, against baselines measured in the same run with the same client:
- first cycle (full mirror) vs. a plain REST read of every Lead (the least any full sync pays);
- an idle cycle vs. re-reading every Lead (what a sync without watermarks pays each cycle);
- a cycle after k leads changed: its writeback calls vs. one PATCH per record (what a
  writeback without sObject Collections pays), and ceil(k/200) as the target.
Prints a markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from syncd.ops.logging import configure_logging
from syncd.salesforce.client import SalesforceClient
from syncd.settings import Secret, SessionLogin, Settings
from syncd.simulator.server import start_simulator
from syncd.sync.runtime import sync_once

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--changed", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    configure_logging(json=False, level=logging.WARNING)

    started = time.perf_counter()
    handle = start_simulator(leads=args.leads, seed=args.seed)
    seeded = time.perf_counter() - started
    os.environ["REQUESTS_CA_BUNDLE"] = handle.ca_bundle
    login = SessionLogin(handle.instance_url, Secret(handle.access_token))
    rows: list[tuple[str, int, float, str]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                database_url=f"sqlite:///{tmp}/bench.db", mappings_dir=MAPPINGS, salesforce=login
            )

            def cycle() -> tuple[int, float, int]:
                t = time.perf_counter()
                summary = sync_once(settings, dry_run=False, now=handle.org.clock)
                assert summary.status == "ok", summary.error
                return (
                    summary.api_calls,
                    time.perf_counter() - t,
                    summary.writeback.collection_calls,
                )

            def full_read() -> tuple[int, float]:
                with SalesforceClient(login, api_version=settings.api_version) as client:
                    t = time.perf_counter()
                    n = sum(
                        len(p)
                        for p in client.query_pages(
                            "SELECT Id, Status, OwnerId, SystemModstamp FROM Lead",
                            include_deleted=True,
                        )
                    )
                    assert n >= args.leads
                    return client.calls_made, time.perf_counter() - t

            base_calls, base_secs = full_read()
            calls, secs, _ = cycle()
            rows.append(
                (
                    "first cycle (full mirror, evaluate, write back)",
                    calls,
                    secs,
                    f"{calls / base_calls:.1f}x calls, {secs / base_secs:.1f}x time of "
                    f"reading every Lead once ({base_calls} calls, {base_secs:.2f} s)",
                )
            )
            cycle()  # re-reads its own writes, writes nothing
            # Cycles run minutes apart: past the lookback, the re-read boundary is just that.
            handle.admin.advance_clock(timedelta(seconds=2 * settings.lookback_seconds + 60))
            calls, secs, _ = cycle()
            rows.append(
                ("first quiet cycle after that burst (re-reads the overlap once)", calls, secs, "-")
            )
            handle.admin.advance_clock(timedelta(minutes=5))
            calls, secs, _ = cycle()
            base_calls, base_secs = full_read()
            rows.append(
                (
                    "idle cycle",
                    calls,
                    secs,
                    f"{calls / base_calls:.2f}x calls, {secs / base_secs:.2f}x time of "
                    f"re-reading every Lead ({base_calls} calls, {base_secs:.2f} s)",
                )
            )

            leads = handle.admin.open_lead_ids(args.changed)
            for lead_id in leads:
                handle.org.update("Lead", lead_id, {"Lead_Score__c": 999})
            calls, secs, collection_calls = cycle()
            k = len(leads)
            rows.append(
                (
                    f"cycle after {k} leads changed",
                    calls,
                    secs,
                    f"writeback {collection_calls} collection calls (target ceil(k/200) = "
                    f"{math.ceil(k / 200)}) vs {k} single-record PATCHes: "
                    f"{collection_calls / k:.3f}x",
                )
            )
    finally:
        handle.stop()

    print(f"simulator seeded with {args.leads:,} leads in {seeded:.1f} s\n")
    print("| measurement | API calls | wall time | ratio to baseline (same run) |")
    print("| --- | ---: | ---: | --- |")
    for name, calls, secs, ratio in rows:
        print(f"| {name} | {calls} | {secs:.2f} s | {ratio} |")


if __name__ == "__main__":
    main()
