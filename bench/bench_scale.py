"""syncd at a given org size against baselines measured in the same run, each in its own
process (so CPU and peak RSS are syncd's alone; the simulator runs in another process).

    python bench/bench_scale.py --leads 10000 --latency-ms 100 [--write 5000] [--db URL]

Scenarios, in order, on one org and one mirror:
- backfill: the first `sync --once` (every object, evaluate, write back);
- echo: the cycle after it (reads back what it wrote; nothing to decide);
- idle: a cycle with nothing changed, past the lookback;
- changed 1 %: a person edits 1 % of the open leads, then a cycle;
- writeback: ``--write`` leads get a daemon-owned field overwritten by a person; the cycle
  that puts them back.
Baselines, same org, same latency: (a) a naive simple-salesforce loop, one ``sf.Lead.update``
per record (timed on a sample of 200 and scaled: at 100 ms a call the whole loop is
minutes); (b) simple-salesforce's own ``bulk2.Lead.update`` of the same records; (c) plain
paging of the same objects and fields with simple-salesforce ``query_all_iter``; (d) the
least the API allows: pages of 2,000, collections of 200, one Bulk job of 5 calls.
CPU (``time.process_time``) does not depend on the added latency: waiting is not CPU.

Prints JSON per measurement and, with ``--markdown``, the table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
MAPPINGS = HERE.parent / "mappings"
NAIVE_SAMPLE = 200


# --- children: one measurement each, in a process of its own --------------------------------


def _usage(started_wall: float, started_cpu: float) -> dict[str, float]:
    return {
        "wall": round(time.perf_counter() - started_wall, 2),
        "cpu": round(time.process_time() - started_cpu, 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def child_cycle(conn: dict[str, Any], db: str) -> dict[str, Any]:
    from syncd.settings import Secret, SessionLogin, Settings
    from syncd.sync.runtime import sync_once

    settings = Settings(
        database_url=db,
        mappings_dir=MAPPINGS,
        salesforce=SessionLogin(conn["instance_url"], Secret(conn["access_token"])),
    )
    wall, cpu = time.perf_counter(), time.process_time()
    summary = sync_once(settings, dry_run=False, now=lambda: datetime.now(UTC))
    return {
        **_usage(wall, cpu),
        "status": summary.status,
        "calls": summary.api_calls,
        "calls_by_kind": summary.api_calls_by_kind,
        "evaluated": summary.evaluation.evaluated,
        "written": summary.writeback.records_written,
        "pulled": sum(summary.pulled.values()),
    }


def _sf(conn: dict[str, Any]) -> Any:
    from simple_salesforce import Salesforce

    session = requests.Session()
    session.verify = conn["ca_bundle"]
    return Salesforce(
        instance_url=conn["instance_url"], session_id=conn["access_token"], session=session
    )


def child_paging(conn: dict[str, Any]) -> dict[str, Any]:
    """(c): page every object syncd mirrors, the same fields, with simple-salesforce."""
    from syncd.config import load_config
    from syncd.sync.pull import build_soql

    mappings = load_config(MAPPINGS).mappings
    sf = _sf(conn)
    wall, cpu = time.perf_counter(), time.process_time()
    rows: dict[str, int] = {}
    for sobject, mapping in mappings.objects.items():
        soql = build_soql(mapping, None)
        rows[sobject] = sum(1 for _ in sf.query_all_iter(soql, include_deleted=True))
    return {**_usage(wall, cpu), "rows": rows}


def child_naive(conn: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """(a): one PATCH per record, the way a first integration is often written."""
    sf = _sf(conn)
    wall, cpu = time.perf_counter(), time.process_time()
    for lead_id in ids:
        sf.Lead.update(lead_id, {"Lead_Score__c": 42}, headers={"Sforce-Auto-Assign": "FALSE"})
    return {**_usage(wall, cpu), "calls": len(ids)}


def child_bulk2(conn: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """(b): simple-salesforce's own Bulk API 2.0 update of the same records."""
    sf = _sf(conn)
    before = _api_calls(conn)
    wall, cpu = time.perf_counter(), time.process_time()
    results = sf.bulk2.Lead.update(
        records=[{"Id": i, "Lead_Score__c": "42"} for i in ids], wait=0.2
    )
    return {
        **_usage(wall, cpu),
        "calls": _api_calls(conn) - before,
        "processed": sum(int(r.get("numberRecordsProcessed", 0)) for r in results),
    }


# --- the parent: the org, the order of scenarios, the table ------------------------------------


def _admin(conn: dict[str, Any], method: str, path: str, **body: Any) -> Any:
    answer = requests.request(
        method,
        f"{conn['instance_url']}/__sim/{path}",
        json=body or None,
        verify=conn["ca_bundle"],
        timeout=600,
    )
    answer.raise_for_status()
    return answer.json()


def _api_calls(conn: dict[str, Any]) -> int:
    stats = _admin(conn, "GET", "stats")
    return int(sum(stats["api_calls"]["by_endpoint"].values()))


def _child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _start_simulator(
    leads: int, latency_ms: int, folder: Path
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    conn_file = folder / "sim-connection.json"
    code = "from syncd.simulator.cli import sim_app; sim_app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--leads", str(leads), "--latency-ms",
         str(latency_ms), "--daily-budget", "5000000", "--connection-file", str(conn_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 3600
    while not conn_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the simulator did not start")
        time.sleep(0.5)
    return proc, json.loads(conn_file.read_text())


def _minimum_pages(rows: dict[str, int]) -> int:
    return sum(max(1, math.ceil(n / 2000)) for n in rows.values())


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-"))
    db = args.db or f"sqlite:///{folder / 'mirror.db'}"
    seeded = time.perf_counter()
    sim, conn = _start_simulator(args.leads, args.latency_ms, folder)
    seeded = time.perf_counter() - seeded
    os.environ["REQUESTS_CA_BUNDLE"] = conn["ca_bundle"]
    c = json.dumps(conn)
    out: dict[str, Any] = {"leads": args.leads, "latency_ms": args.latency_ms, "db": db}
    try:
        out["paging"] = _child(["paging", c])
        out["backfill"] = _child(["cycle", c, db])
        out["echo"] = _child(["cycle", c, db])
        _admin(conn, "POST", "clock/advance", seconds=900)
        out["idle"] = _child(["cycle", c, db])
        open_ids = _admin(conn, "GET", f"leads/open?limit={max(args.write, args.leads // 100)}")[
            "ids"
        ]
        by = _a_person(conn)
        changed = open_ids[: max(1, args.leads // 100)]
        _admin(conn, "POST", "leads/edit-many", lead_ids=changed, by=by,
               fields={"Title": "Head of Revenue Operations"})  # fmt: skip
        _admin(conn, "POST", "clock/advance", seconds=900)
        out["changed"] = {**_child(["cycle", c, db]), "leads_changed": len(changed)}
        targets = open_ids[: args.write]
        _admin(conn, "POST", "leads/edit-many", lead_ids=targets, by=by,
               fields={"Lead_Score__c": 999})  # fmt: skip
        _admin(conn, "POST", "clock/advance", seconds=900)
        out["writeback"] = {**_child(["cycle", c, db]), "leads_to_write": len(targets)}
        sample = targets[:NAIVE_SAMPLE]
        naive = _child(["naive", c, json.dumps(sample)])
        scale = len(targets) / max(1, len(sample))
        out["naive"] = {
            "calls": len(targets),
            "wall": round(naive["wall"] * scale, 1),
            "cpu": round(naive["cpu"] * scale, 1),
            "rss_mb": naive["rss_mb"],
            "measured_on": len(sample),
        }
        out["bulk2"] = _child(["bulk2", c, json.dumps(targets)])
    finally:
        sim.terminate()
        sim.wait(timeout=120)
    out["seed_seconds"] = round(seeded, 1)
    out["minimum"] = {
        "backfill_calls": _minimum_pages(out["paging"]["rows"]),
        "idle_calls": len(out["paging"]["rows"]),
        "write_calls_collections": math.ceil(args.write / 200),
        "write_calls_bulk": 5,
    }
    return out


def _a_person(conn: dict[str, Any]) -> str:
    """An active user who is not the integration user: the person whose edits we make."""
    found = _sf(conn).query(
        "SELECT Id FROM User WHERE IsActive = true AND (NOT Username LIKE 'integration@%') LIMIT 1"
    )["records"]
    return str(found[0]["Id"])


def markdown(r: dict[str, Any], command: str) -> str:
    lat = r["latency_ms"] / 1000
    m = r["minimum"]
    p = r["paging"]
    bf, wb = r["backfill"], r["writeback"]
    lines = [
        f"`{command}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), mirror "
        f"{r['db'].split(':')[0]}, {r['latency_ms']} ms added per API call, "
        f"{sum(p['rows'].values()):,} records in {len(p['rows'])} objects "
        f"({r['leads']:,} leads; simulator seeded in {r['seed_seconds']} s)",
        "",
        "| scenario | API calls (by kind) | wall | CPU | peak RSS | baseline, same run | ratio |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]

    def kinds(x: dict[str, Any]) -> str:
        by = x.get("calls_by_kind") or {}
        top = ", ".join(f"{k} {v}" for k, v in sorted(by.items(), key=lambda kv: -kv[1])[:4])
        return f"{x['calls']} ({top})" if top else str(x["calls"])

    lines.append(
        f"| first backfill | {kinds(bf)} | {bf['wall']} s | {bf['cpu']} s | {bf['rss_mb']} MB "
        f"| (c) paging the same rows: {p['wall']} s wall, {p['cpu']} s CPU, {p['rss_mb']} MB; "
        f"(d) {m['backfill_calls']} pages = {m['backfill_calls'] * lat:.1f} s at the latency "
        f"| wall {bf['wall'] / max(p['wall'], 0.01):.1f}x (c), "
        f"CPU {bf['cpu'] / max(p['cpu'], 0.01):.1f}x (c), "
        f"calls {bf['calls'] / m['backfill_calls']:.2f}x (d) |"
    )
    for key, name in (("echo", "the cycle after the backfill (its echo)"), ("idle", "idle cycle")):
        x = r[key]
        lines.append(
            f"| {name} | {kinds(x)} | {x['wall']} s | {x['cpu']} s | {x['rss_mb']} MB | "
            f"(d) {m['idle_calls']} queries, one per object | calls "
            f"{x['calls'] / m['idle_calls']:.2f}x (d); {x['evaluated']} leads evaluated |"
        )
    ch = r["changed"]
    lines.append(
        f"| {ch['leads_changed']:,} leads changed (1 %) | {kinds(ch)} | {ch['wall']} s | "
        f"{ch['cpu']} s | {ch['rss_mb']} MB | (d) {m['idle_calls']} queries + writes | "
        f"{ch['evaluated']} leads evaluated, {ch['written']} written |"
    )
    nv, b2 = r["naive"], r["bulk2"]
    best = m["write_calls_bulk"] if wb["leads_to_write"] > 2000 else m["write_calls_collections"]
    write_calls = wb["calls"] - r["idle"]["calls"]
    lines.append(
        f"| writeback of {wb['leads_to_write']:,} leads | {kinds(wb)} | {wb['wall']} s | "
        f"{wb['cpu']} s | {wb['rss_mb']} MB | (a) naive loop {nv['calls']:,} calls, "
        f"~{nv['wall']} s (timed on {nv['measured_on']}); (b) simple-salesforce bulk2 "
        f"{b2['calls']} calls, {b2['wall']} s; (d) {best} calls | write calls {write_calls} = "
        f"{write_calls / max(nv['calls'], 1):.4f}x (a), {write_calls / max(best, 1):.2f}x (d) |"
    )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, conn = sys.argv[2], json.loads(sys.argv[3])
        result = {
            "cycle": lambda: child_cycle(conn, sys.argv[4]),
            "paging": lambda: child_paging(conn),
            "naive": lambda: child_naive(conn, json.loads(sys.argv[4])),
            "bulk2": lambda: child_bulk2(conn, json.loads(sys.argv[4])),
        }[kind]()
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--write", type=int, default=5_000)
    parser.add_argument("--db", default=None, help="mirror URL (default: a fresh SQLite file)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    result = run(args)
    print(json.dumps(result))
    if args.markdown:
        print()
        print(markdown(result, "python bench/bench_scale.py " + " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
