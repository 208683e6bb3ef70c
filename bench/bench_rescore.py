"""Full rescore throughput: 100,000 leads with 1,000,000 activities through the engine.

Run: `python bench/bench_rescore.py [--leads N] [--activities M] [--seed S] [--no-freeze]`

Uses the default policy (`mappings/policy.yaml`, owners resolved to synthetic ids).
Activities are a realistic blend of web visits (about 300 distinct pages, a fifth of them
with unique tracking parameters), form fills, content downloads, calls and emails, spread
over the last 120 days, assigned to leads at random.

Three figures, each measured with `time.process_time()` (CPU, not wall; building the input
is excluded; the input is `gc.freeze()`-d first, as a batch job that loads the mirror once
would do, unless `--no-freeze`):
- scoring only: group activities by lead + score every lead;
- steady state: the nightly rescore. Leads as yesterday's cycle left them (stored score,
  grade and reason from a day earlier, LeadSource standardised, stages consistent with the
  scores: MQLs handed off within the last week, some recycled, the rest new);
- cold: every lead new to syncd (first-seen transitions, every score written, a handoff
  for every lead over the MQL line).
Target: under 10 s of CPU for the full-size steady-state rescore.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from syncd.domain.calendar import add_business_time
from syncd.domain.engine import evaluate_all, group_by_lead
from syncd.domain.hygiene import standard_lead_source
from syncd.domain.model import Activity, ActivityKind, Lead, LeadState, Stage, User
from syncd.domain.policy import Policy, load_policy, owner_refs, resolve_owners
from syncd.domain.routing_state import RoutingState
from syncd.domain.scoring import Scorer

POLICY_FILE = Path(__file__).resolve().parent.parent / "mappings" / "policy.yaml"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

TITLES = [
    "VP Engineering",
    "Vice President, Marketing",
    "CTO",
    "Director of IT",
    "Head of Operations",
    "Marketing Manager",
    "Software Engineer",
    "Student",
    "Account Executive",
    "Chief Financial Officer",
    "IT Manager",
    "Analyst",
]
INDUSTRIES = ["Software", "Technology", "Healthcare", "Retail", "Education", "Financial Services"]
COUNTRIES = ["US", "United States", "CA", "DE", "GB", "FR", "IN", "BR", "AU"]
SOURCES = ["web", "Website", "google ads", "Partner", "Trade Show", "Webinar", None]
PAGES = [
    *(f"/pricing{suffix}" for suffix in ("", "/enterprise", "/teams")),
    *(f"/blog/post-{i}" for i in range(150)),
    *(f"/resources/whitepaper-{i}" for i in range(40)),
    *(f"/videos/demo-{i}" for i in range(30)),
    *(f"/product/feature-{i}" for i in range(77)),
]


@dataclass(frozen=True)
class Dataset:
    leads: list[Lead]
    activities: list[Activity]
    users: dict[str, User]
    policy: Policy


def _fake_id(prefix: str, n: int) -> str:
    return f"{prefix}{n:012d}AAA"


def build(n_leads: int, n_activities: int, seed: int) -> Dataset:
    rng = random.Random(seed)
    raw = load_policy(yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")), "policy.yaml")
    refs = sorted(owner_refs(raw))
    ids = {ref: _fake_id("00G" if "@" not in ref else "005", i) for i, ref in enumerate(refs, 1)}
    policy = resolve_owners(raw, ids)
    users = {
        user_id: User(user_id, ref, is_queue=user_id.startswith("00G"))
        for ref, user_id in ids.items()
    }
    leads: list[Lead] = []
    for i in range(n_leads):
        leads.append(
            Lead(
                id=_fake_id("00Q", i),
                fields={
                    "title": rng.choice(TITLES),
                    "industry": rng.choice(INDUSTRIES),
                    "number_of_employees": rng.choice([5, 50, 250, 900, 4000, 12000]),
                    "annual_revenue": rng.choice([None, 5e5, 2e7, 3e8]),
                    "country": rng.choice(COUNTRIES),
                    "state": rng.choice(["CA", "NY", "TX", None]),
                    "postal_code": rng.choice(["94105", "10001", "73301", None]),
                    "company": rng.choice(["Acme", "Globex", "Initech", ""]),
                    "email": f"person{i}@{rng.choice(['acme.example', 'gmail.com'])}",
                    "lead_source": rng.choice(SOURCES),
                },
                status=policy.lifecycle.statuses.status_for(Stage.NEW),
                owner_id=policy.recycle.nurture_owner,
                is_converted=False,
                created_at=NOW - timedelta(days=rng.uniform(1, 200)),
            )
        )
    activities: list[Activity] = []
    kinds = [
        ("Web Visit", None, 0.62),
        ("Form Fill", "Demo request", 0.03),
        ("Form Fill", "Contact me", 0.03),
        ("Content Download", "White paper", 0.07),
        ("Email", "Newsletter opened", 0.12),
        ("Email", "Unsubscribed", 0.01),
        ("Call", "Intro call", 0.08),
        ("Email", "Follow-up", 0.04),
    ]
    weights = [w for _, _, w in kinds]
    for j in range(n_activities):
        lead = leads[rng.randrange(n_leads)]
        kind, subject, _ = rng.choices(kinds, weights)[0]
        url = None
        if kind in ("Web Visit", "Content Download"):
            page = rng.choice(PAGES) if kind == "Web Visit" else "/resources/whitepaper-7"
            tracking = f"?utm_id={j}" if rng.random() < 0.2 else ""
            url = f"https://www.acme.example{page}{tracking}"
            subject = f"Visited {page}"
        owner = lead.owner_id if kind in ("Call", "Email") and rng.random() < 0.5 else None
        activities.append(
            Activity(
                id=_fake_id("00T", j),
                who_id=lead.id,
                kind=ActivityKind.TASK,
                activity_date=NOW - timedelta(days=rng.uniform(0, 120)),
                owner_id=owner,
                type=kind,
                subject=subject,
                url=url,
            )
        )
    return Dataset(leads, activities, users, policy)


def settle(data: Dataset, seed: int) -> list[Lead]:
    """The same leads as yesterday's cycle left them: stored score, grade and reason from
    a day earlier, LeadSource already standardised, and a stage consistent with that score
    (MQLs handed off to reps at some point in the last week, some recycled, the rest new)."""
    rng = random.Random(seed + 1)
    policy = data.policy
    scorer = Scorer(policy.scoring)
    grouped = group_by_lead(data.activities)
    mql = policy.lifecycle.mql
    reps = [u for u in data.users if u.startswith("005")]
    yesterday = NOW - timedelta(days=1)
    calendar = policy.sla.calendar
    assert calendar is not None
    window = policy.sla.touches.window
    settled: list[Lead] = []
    for lead in data.leads:
        score = scorer.score(lead.fields, grouped.get(lead.id, ()), (), yesterday)
        owner = policy.recycle.nurture_owner
        handoff = due = None
        if score.total >= mql.min_score and score.fit >= mql.min_fit:
            stage, owner = Stage.MQL, rng.choice(reps)
            handoff = NOW - timedelta(hours=rng.uniform(0.5, 150))
            due = handoff + timedelta(hours=4)
        else:
            stage = Stage.RECYCLED if rng.random() < 0.1 else Stage.NEW
        state = LeadState(
            stage=stage,
            stage_entered_at=handoff or lead.created_at,
            handoff_count=1 if handoff else 0,
            handoff_at=handoff,
            sla_due=due,
            # Breaches older than a cycle or two were escalated back then, and the working
            # window's end was cached once it could have ended.
            sla_breached_handoff=1 if due and due < NOW - timedelta(hours=1) else 0,
            window_end=(
                add_business_time(handoff, window, calendar)
                if handoff and NOW - handoff >= window
                else None
            ),
            peak_score=score.total if stage is not Stage.NEW else None,
        )
        source = standard_lead_source(lead.fields.get("lead_source"), policy.hygiene)
        fields = {**lead.fields, "lead_source": source} if source else lead.fields
        settled.append(
            replace(
                lead,
                fields=fields,
                status=policy.lifecycle.statuses.status_for(stage),
                owner_id=owner,
                score=float(score.total),
                grade=score.grade,
                score_reason=score.reason,
                sla_due=due,
                state=state,
            )
        )
    return settled


def _run(label: str, data: Dataset, leads: list[Lead]) -> float:
    started = time.process_time()
    grouped = group_by_lead(data.activities)
    decisions, _ = evaluate_all(leads, grouped, {}, data.users, RoutingState(), data.policy, NOW)
    spent = time.process_time() - started
    writes = sum(1 for d in decisions if d.field_changes)
    tasks = sum(len(d.tasks_to_create) for d in decisions)
    print(
        f"{label:<44} {spent:6.2f} s CPU ({len(leads) / spent:,.0f} leads/s; "
        f"{writes:,} leads with writes, {tasks:,} tasks)"
    )
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() of the input")
    args = parser.parse_args()

    started = time.process_time()
    data = build(args.leads, args.activities, args.seed)
    steady = settle(data, args.seed)
    print(
        f"built {len(data.leads):,} leads, {len(data.activities):,} activities "
        f"in {time.process_time() - started:.1f} s CPU (not measured)"
    )
    if not args.no_freeze:
        # The input lives for the whole rescore: move it out of the collector's way, as a
        # batch job that loads the mirror once would (gen-2 passes would walk 1M objects).
        gc.collect()
        gc.freeze()

    started = time.process_time()
    grouped = group_by_lead(data.activities)
    scorer = Scorer(data.policy.scoring)
    for lead in data.leads:
        scorer.score(lead.fields, grouped.get(lead.id, ()), (), NOW)
    print(f"{'scoring only (group + score)':<44} {time.process_time() - started:6.2f} s CPU")
    _run("full rescore, steady state (group + evaluate)", data, steady)
    _run("full rescore, cold: every lead new to syncd", data, data.leads)


if __name__ == "__main__":
    main()
