"""Speed to lead with the daemon at its default intervals, and what an idle daemon costs.

    python bench/bench_speed_to_lead.py --events 100 --spread-minutes 8 --idle-minutes 4

A simulator org is seeded; `syncd run`'s daemon (default schedule: fast sync every 60 s,
SLA sweep every minute) takes the mirror and finishes its first sync. Then, as a marketing
system would, the bench creates qualifying activities through the simulator's REST API
(a "Demo request" and a "Contact me" form fill for a lead with fit but no MQL yet) at
random moments over ``--spread-minutes``. For each event it times, from the moment the
create returned, until the org shows all three: a user as the lead's owner, SLA_Due__c
set, and the handoff Task (Syncd_Key__c ``<lead>:handoff:<n>``). Prints p50/p95/max and
the idle daemon's API calls per hour (fast-sync runs with nothing to do, times 60, plus
one slow sync of reference data times 4), as markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
import yaml

from syncd.config import load_config
from syncd.daemon.jobs import JobContext, run_job
from syncd.daemon.service import Daemon
from syncd.domain.model import Stage
from syncd.mirror import Mirror
from syncd.ops.logging import configure_logging
from syncd.settings import Secret, SessionLogin, Settings
from syncd.simulator.server import SimulatorHandle, start_simulator
from syncd.sync.runtime import connect

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
FORMS = ("Demo request from the website", "Contact me: sales inquiry")


def _wait(what: str, check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def candidates(mirror: Mirror, n: int) -> list[str]:
    """Leads with enough fit that two form fills make them an MQL, not yet handed off."""
    found = []
    for lead_id in sorted(mirror.live_lead_ids()):
        row = mirror.lead_state_row(lead_id)
        if row is None or row["stage"] not in (Stage.NEW.value, Stage.NURTURE.value):
            continue
        if row["fit_score"] >= 30 and row["score"] >= 5 and not row["handoff_count"]:
            found.append(lead_id)
    random.Random(7).shuffle(found)
    if len(found) < n:
        raise SystemExit(f"only {len(found)} candidate leads; seed more (--leads)")
    return found[:n]


def handed_off(handle: SimulatorHandle, lead_id: str, handoff_keys: set[str]) -> bool:
    lead = handle.org.get("Lead", lead_id) or {}
    owner = str(lead.get("OwnerId") or "")
    return (
        owner.startswith("005")
        and bool(lead.get("SLA_Due__c"))
        and lead_id[:15] in {k[:15] for k in handoff_keys}
    )


def bench_mappings(handle: SimulatorHandle, folder: Path) -> Path:
    """The default mappings with every active rep in one uncapped pool: speed to lead is
    timed to a rep (owner, SLA due, handoff Task). With the default caps the backfill's own
    handoffs fill every rep's day, and later MQLs go to a queue, which gets no Task."""
    target = folder / "mappings"
    shutil.copytree(MAPPINGS, target)
    policy = yaml.safe_load((target / "policy.yaml").read_text())
    reps = sorted(
        u["Username"]
        for u in handle.org.records("User")
        if u.get("IsActive") and u.get("Department") == "Sales" and u.get("ManagerId")
    )
    policy["routing"] = {
        "timezone": policy["routing"].get("timezone", "UTC"),
        "fallback_queue": "Unassigned_Queue",
        "pools": {"everyone": {"members": [{"user": r} for r in reps]}},
        "rules": [{"name": "Everyone", "to": {"pool": "everyone"}}],
    }
    (target / "policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--spread-minutes", type=float, default=8.0)
    parser.add_argument("--idle-minutes", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    configure_logging(json=False, level=logging.WARNING)

    with (
        start_simulator(leads=args.leads, seed=args.seed) as handle,
        tempfile.TemporaryDirectory() as tmp,
    ):
        os.environ["REQUESTS_CA_BUNDLE"] = handle.ca_bundle
        mappings = bench_mappings(handle, Path(tmp))
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            mappings_dir=mappings,
            salesforce=SessionLogin(handle.instance_url, Secret(handle.access_token)),
        )
        daemon = Daemon(settings, load_config(mappings), now=handle.org.clock, serve_http=False)
        runner = threading.Thread(target=daemon.run, name="bench-daemon")
        runner.start()
        try:
            first = daemon.board.get("fast")
            _wait(
                "the first fast sync",
                lambda: first is not None and daemon.board.get("fast").last_status == "ok",
                600,
            )  # type: ignore[union-attr]
            mirror = Mirror.open(settings.database_url, migrate=False)
            leads = candidates(mirror, args.events)
            mirror.close()
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {handle.access_token}"
            url = f"{handle.instance_url}/services/data/v{settings.api_version}/sobjects/Task"
            offsets = sorted(
                random.Random(args.seed).uniform(0, args.spread_minutes * 60) for _ in leads
            )
            created: dict[str, float] = {}
            done: dict[str, float] = {}
            start = time.monotonic()
            pending = list(zip(offsets, leads, strict=True))
            while pending or len(done) < len(created):
                now = time.monotonic()
                while pending and now - start >= pending[0][0]:
                    _, lead_id = pending.pop(0)
                    for subject in FORMS:
                        answer = session.post(
                            url,
                            json={
                                "WhoId": lead_id,
                                "Subject": subject,
                                "Type": "Form Fill",
                                "Status": "Completed",
                                "ActivityDate": handle.org.clock().date().isoformat(),
                            },
                            timeout=30,
                        )
                        answer.raise_for_status()
                    created[lead_id] = time.monotonic()
                keys = {
                    str(t.get("Syncd_Key__c"))
                    for t in handle.org.records("Task")
                    if ":handoff:" in str(t.get("Syncd_Key__c") or "")
                }
                for lead_id, at in created.items():
                    if lead_id not in done and handed_off(handle, lead_id, keys):
                        done[lead_id] = time.monotonic() - at
                if now - start > args.spread_minutes * 60 + 600:
                    break
                time.sleep(0.5)
            events_finished = datetime.now(UTC)
            time.sleep(args.idle_minutes * 60)
        finally:
            daemon.request_stop()
            runner.join(timeout=60)

        mirror = Mirror.open(settings.database_url, migrate=False)
        idle = [
            r.api_calls
            for r in mirror.recent_runs(500)
            if r.counts.get("job") == "fast"
            and r.started_at.replace(tzinfo=UTC) >= events_finished
            and not r.counts.get("records_written")
            and not any(r.counts.get("changed", {}).values())
        ]
        fast_runs = sorted(
            (r for r in mirror.recent_runs(2000) if r.counts.get("job") == "fast"),
            key=lambda r: r.started_at,
        )
        gaps = [
            (b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(fast_runs)
        ]
        durations = [r.seconds for r in fast_runs if r.seconds is not None]
        client, budget = connect(settings, mirror)
        ctx = JobContext(
            settings, mirror, client, budget.allowance, lambda: False, handle.org.clock, True
        )
        slow = run_job("slow", ctx, load_config(mappings))
        client.close()
        mirror.close()

    latencies = sorted(done.values())
    missing = len(created) - len(done)
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else latencies * 99
    fast_idle = statistics.mean(idle) if idle else float("nan")
    slow_calls = slow.api_calls if slow is not None else 0
    print(f"events: {len(created)} created, {len(done)} handed off, {missing} not within 10 min")
    if not latencies:
        raise SystemExit("no event was handed off: nothing to time")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| speed to lead p50 | {q[49]:.1f} s |")
    print(f"| speed to lead p95 | {q[94]:.1f} s |")
    print(f"| speed to lead max | {latencies[-1]:.1f} s |")
    print(f"| idle fast sync | {fast_idle:.1f} calls per run ({len(idle)} runs) |")
    print(f"| slow sync of reference data | {slow_calls} calls per run |")
    print(f"| idle daemon | {60 * fast_idle + 4 * slow_calls:.0f} API calls per hour |")
    if gaps and durations:
        print(
            f"| fast runs | {len(fast_runs)}: median {statistics.median(gaps):.1f} s between "
            f"starts, median {statistics.median(durations):.1f} s long |"
        )


if __name__ == "__main__":
    main()
