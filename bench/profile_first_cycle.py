"""Where a first cycle (backfill) spends its time: cProfile over `syncd sync --once` against
a seeded simulator, with the simulator's own work excluded (it runs in other threads, and
cProfile only follows the thread that enables it).

    python bench/profile_first_cycle.py --leads 20000 [--top 30] [--out first.prof]

Prints the phases' share (pull, evaluate, writeback) and the functions with the most own
time, for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import resource
import tempfile
import time
from pathlib import Path

from syncd.ops.logging import configure_logging
from syncd.settings import Secret, SessionLogin, Settings
from syncd.simulator.server import start_simulator
from syncd.sync.runtime import sync_once

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
PHASES = {
    "pull": "pull.py:*(pull_object)",
    "evaluate": "cycle.py:*(_evaluate)",
    "writeback": "writeback.py:*(flush_outbox)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    configure_logging(json=False, level=logging.WARNING)
    handle = start_simulator(leads=args.leads, seed=args.seed)
    os.environ["REQUESTS_CA_BUNDLE"] = handle.ca_bundle
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                database_url=f"sqlite:///{tmp}/profile.db",
                mappings_dir=MAPPINGS,
                salesforce=SessionLogin(handle.instance_url, Secret(handle.access_token)),
            )
            profile = cProfile.Profile()
            wall, cpu = time.perf_counter(), time.process_time()
            profile.enable()
            summary = sync_once(settings, dry_run=False, now=handle.org.clock)
            profile.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        handle.stop()
    if args.out:
        profile.dump_stats(str(args.out))
    stats = pstats.Stats(profile)
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "sync_once")  # type: ignore[attr-defined]
    print(
        f"first cycle at {args.leads:,} leads: {summary.status}, {summary.api_calls} calls, "
        f"wall {wall:.1f} s, process CPU {cpu:.1f} s (simulator included), "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
        "(simulator included)"
    )
    print()
    print("| phase | cumulative s | share |")
    print("|---|---:|---:|")
    for name, (module, func) in {k: v.split(":*") for k, v in PHASES.items()}.items():
        func = func.strip("()")
        cum = sum(
            v[3]
            for k, v in stats.stats.items()  # type: ignore[attr-defined]
            if k[0].endswith(module) and k[2] == func
        )
        print(f"| {name} | {cum:.1f} | {cum / total:.0%} |")
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("tottime").print_stats(args.top)
    print()
    print("```")
    print("\n".join(line for line in buffer.getvalue().splitlines() if line.strip())[:6000])
    print("```")


if __name__ == "__main__":
    main()
