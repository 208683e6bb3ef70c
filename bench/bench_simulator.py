"""Benchmark the simulator: start-up time of a seeded org, 2,000-record query page latency,
and the cost of recording writes (LeadHistory rows and the write log).

    python bench/bench_simulator.py --leads 100000 [--writes 10000]

Targets (issue 3): start < 30 s for 100,000 leads; a 2,000-record page < 200 ms. The
start-up goes through ``start_simulator``, the code path ``syncd sim serve`` runs. Pages
are fetched over HTTPS with a keep-alive session, as simple-salesforce does.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from datetime import timedelta

import requests

from syncd.simulator.server import start_simulator

FIELDS = (
    "Id, FirstName, LastName, Company, Title, Email, Phone, Status, OwnerId, LeadSource, "
    "Industry, NumberOfEmployees, AnnualRevenue, Country, IsConverted, Lead_Score__c, "
    "Lead_Grade__c, SLA_Due__c, CreatedDate, LastModifiedDate, SystemModstamp"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pages", type=int, default=20, help="follow-up pages to time")
    parser.add_argument(
        "--writes", type=int, default=10_000, help="lead updates to time (200 per call)"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    handle = start_simulator(leads=args.leads, seed=args.seed)
    gc.freeze()  # as `syncd sim serve` does once its org is seeded
    start_seconds = time.perf_counter() - started
    try:
        session = requests.Session()
        # An environment REQUESTS_CA_BUNDLE would override verify; trust only the sim's CA.
        session.trust_env = False
        session.verify = handle.ca_bundle
        session.headers["Authorization"] = f"Bearer {handle.access_token}"
        base = handle.instance_url
        since = (handle.org.now() - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
        soql = f"SELECT {FIELDS} FROM Lead WHERE SystemModstamp >= {since} ORDER BY SystemModstamp"

        session.get(f"{base}/services/data/v59.0/limits").raise_for_status()  # warm the TLS link
        first_started = time.perf_counter()
        response = session.get(f"{base}/services/data/v59.0/query", params={"q": soql})
        first_ms = (time.perf_counter() - first_started) * 1000
        response.raise_for_status()
        parse_started = time.perf_counter()
        body = response.json()
        parse_ms = (time.perf_counter() - parse_started) * 1000
        page_ms: list[float] = []
        while not body["done"] and len(page_ms) < args.pages:
            page_started = time.perf_counter()
            response = session.get(f"{base}{body['nextRecordsUrl']}")
            # Timed to the last byte received; the client's own JSON parsing is not the server's.
            page_ms.append((time.perf_counter() - page_started) * 1000)
            response.raise_for_status()
            body = response.json()
            if len(body["records"]) != 2000 and not body["done"]:
                raise RuntimeError("a follow-up page held fewer than 2,000 records")
        leads = handle.admin.open_lead_ids(args.writes)
        history_before = handle.org.count("LeadHistory")
        tracked_s = _time_writes(session, base, leads, "A")
        history_rows = handle.org.count("LeadHistory") - history_before
        writes_logged = len(handle.admin.writes())
        # The same writes with Field History Tracking off: what recording history costs.
        handle.org.history_tracked = {}
        untracked_s = _time_writes(session, base, leads, "B")
        session.close()
    finally:
        handle.stop()

    result = {
        "leads": args.leads,
        "records_in_org": {name: handle.org.count(name) for name in ("Lead", "Task", "Event")},
        "start_seconds": round(start_seconds, 2),
        "first_page_ms_incl_query": round(first_ms, 1),
        "next_page_ms_median": round(statistics.median(page_ms), 1) if page_ms else None,
        "next_page_ms_max": round(max(page_ms), 1) if page_ms else None,
        "pages_timed": len(page_ms),
        "client_json_parse_ms_per_page": round(parse_ms, 1),
        "updates": len(leads),
        "updates_per_s_history_on": round(len(leads) / tracked_s),
        "updates_per_s_history_off": round(len(leads) / untracked_s),
        "history_rows_written": history_rows,
        "writes_logged": writes_logged,
    }
    print(json.dumps(result, indent=2))
    print(
        f"| simulator | {args.leads:,} leads | start {result['start_seconds']} s (target < 30) "
        f"| first 2,000-record page {result['first_page_ms_incl_query']} ms | next pages "
        f"median {result['next_page_ms_median']} ms, max {result['next_page_ms_max']} ms "
        "(target < 200) |"
    )

    print(
        f"| simulator writes | {len(leads):,} lead updates, 200 per collection call | "
        f"{result['updates_per_s_history_on']:,}/s with LeadHistory and the write log, "
        f"{result['updates_per_s_history_off']:,}/s with history off |"
    )


def _time_writes(session: requests.Session, base: str, lead_ids: list[str], grade: str) -> float:
    """Seconds to update ``Lead_Grade__c`` (tracked) and the score on every lead, 200 per call."""
    url = f"{base}/services/data/v59.0/composite/sobjects"
    started = time.perf_counter()
    for start in range(0, len(lead_ids), 200):
        records = [
            {"attributes": {"type": "Lead"}, "id": lead_id, "Lead_Grade__c": grade,
             "Lead_Score__c": 40 + i % 50}
            for i, lead_id in enumerate(lead_ids[start : start + 200])
        ]  # fmt: skip
        response = session.patch(
            url,
            json={"allOrNone": False, "records": records},
            headers={"Sforce-Auto-Assign": "FALSE"},
        )
        response.raise_for_status()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
