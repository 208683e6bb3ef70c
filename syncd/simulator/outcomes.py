"""Calibration leads: an org whose records carry known scoring rules, with outcomes drawn
from known true rule weights (``OutcomeSeed``), so a calibration can be checked against them.

``seed_leads`` (called by ``generate_org(..., outcomes=...)``) creates open leads, each
matching each rule of ``OutcomeSeed.weights`` with its hit rate, independently of the other
rules, through the records the policy reads: a C-level Title, a free-mail Email, a target
Industry, a company size, a served Country (fit); a demo-request or contact-me form fill,
a pricing-page visit, a white-paper download, an unsubscribe (Tasks), webinar attendance
(a responded CampaignMember). Everything else about a lead is drawn from values the
default ``mappings/policy.yaml`` gives no points, so the rules judged are exactly the
weighted ones. Each lead's outcome is then drawn through the logistic model of the weights.

``play_outcomes`` is what the reps do later (once the org's clock passes a lead's due time,
after syncd has scored it): a lead that converts is accepted ("Sales Accepted", the rep
taking it from the queue), some are qualified ("Sales Qualified") and some converted with
an opportunity (won, lost or open, with an Amount); of the rest, some are marked "Could
Not Reach" or "Disqualified" and the others left alone. Every step is a person's edit
(``people.edit_lead``), so LeadHistory records the moves and syncd reads them as facts.

The simulator knows the policy's rule names and conditions here only as the default
mappings write them; it imports nothing from syncd.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from syncd.simulator.errors import SalesforceApiError
from syncd.simulator.org import Org
from syncd.simulator.people import edit_lead
from syncd.simulator.seed import _FREE_MAIL, SITE, LeadFactory, OutcomeSeed, _domain

__all__ = [
    "CONVERT",
    "PRESETS",
    "SIGNALS",
    "OutcomePlan",
    "People",
    "PlannedOutcome",
    "parse_weights",
    "play_outcomes",
    "seed_leads",
]

#: The step of a planned path that is Lead Convert (with an opportunity), not a Status.
CONVERT = "convert"
OPEN_STATUS = "Open - Not Contacted"
ACCEPTED = "Sales Accepted"
QUALIFIED = "Sales Qualified"
COULD_NOT_REACH = "Could Not Reach"
DISQUALIFIED = "Disqualified"

#: Named truths for ``syncd sim serve --outcome-weights NAME``. "default" disagrees with
#: the default policy's points in order and size (C-level titles matter more than demo
#: requests, webinars less), so a calibration has something to find. It uses rules the
#: default mappings can see: a web visit's page URL lives in Task.Description, which the
#: default fields.yaml does not pull, so "pricing page" needs that field added.
PRESETS: Mapping[str, Mapping[str, float]] = {
    "default": {
        "C-level title": 2.0,
        "demo request": 1.4,
        "target industry": 0.9,
        "webinar attended": 0.3,
        "free-mail address": -1.0,
    },
}

# --- what a lead looks like when it matches a rule, and when it matches none ---------------

_TITLES: Mapping[str, tuple[str, ...]] = {
    # Exactly the policy's regexes' words, and none of the buying-department words.
    "C-level title": ("CEO", "CFO", "COO", "CTO", "Chief Executive Officer",
                      "Chief Financial Officer", "Co-Founder & CEO"),
    "VP title": ("VP Sales", "Vice President, Sales", "SVP Sales", "VP of Finance"),
    "director title": ("Director of Sales", "Head of Sales", "Sales Director"),
    "manager title": ("Sales Manager", "Account Manager", "Finance Manager"),
}  # fmt: skip
_NEUTRAL_TITLES = ("Consultant", "Analyst", "Specialist", "Associate", "Account Executive",
                   "Sales Representative", "Buyer", None)  # fmt: skip
_TARGET_INDUSTRIES = ("Technology", "Software", "Financial Services", "Healthcare")
_NEUTRAL_INDUSTRIES = ("Retail", "Manufacturing", "Education", "Construction", "Consulting", None)
_FREE_MAIL_MATCHED = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")
# Country spellings the policy's served list names, and countries it does not serve.
_SERVED = (("US", "United States"), ("US", "USA"), ("US", "US"), ("CA", "Canada"),
           ("GB", "United Kingdom"), ("DE", "Germany"))  # fmt: skip
_NOT_SERVED = (("FR", "France"), ("IN", "India"), ("AU", "Australia"))

# Engagement rules: the Task marketing automation records (Type, Subject, page path or None).
_TASKS: Mapping[str, tuple[str, str, str | None]] = {
    "demo request": ("Form Fill", "Form fill: Request a Demo", "/demo-request"),
    "contact-me form": ("Form Fill", "Form fill: Contact Sales", "/contact-sales"),
    "pricing page": ("Web Visit", "Visited /pricing", "/pricing"),
    "white paper": ("Content Download", "Downloaded white paper: /resources/white-papers/"
                    "lead-handover-benchmark", "/resources/white-papers/lead-handover-benchmark"),
    "unsubscribed": ("Unsubscribe", "Unsubscribed from all marketing email", None),
}  # fmt: skip
_WEBINAR = "webinar attended"
# Marketing email opens match no rule: every lead gets a few, as real leads do.
_NOISE = ("Opened email: Nurture #1 – Welcome", "Opened email: Monthly Newsletter – What's new",
          "Opened email: Nurture #3 – Case study: Northwind")  # fmt: skip

_FIT = frozenset(
    {*_TITLES, "target industry", "200-5000 employees", "served country", "free-mail address"}
)
#: Every rule a lead can be made to match, by its name in the default policy.
SIGNALS: frozenset[str] = frozenset({*_FIT, *_TASKS, _WEBINAR})

# The recent past in which the signals happen (inside every rule's lookback and decay).
_ACTIVE_DAYS = 25
_CREATED_DAYS = (30, 75)


_Draft = tuple[frozenset[str], bool, tuple[str, ...], int, str, bool | None, float | None]


@dataclass(frozen=True, slots=True)
class People:
    """Who acts: the active reps, the marketing-automation user, the queue leads start in."""

    reps: tuple[str, ...]
    automation: str
    unassigned_queue: str


@dataclass(frozen=True, slots=True)
class PlannedOutcome:
    """One lead's truth: the rules it matches, whether it converts, and what reps will do."""

    lead_id: str
    matched: frozenset[str]
    converted: bool  # reaches Sales Accepted (or later)
    path: tuple[str, ...]  # Status values a rep sets in order; CONVERT = Lead Convert
    due: datetime
    rep: str  # who acts when the lead has no rep owner by then
    won: bool | None = None
    amount: float | None = None


@dataclass
class OutcomePlan:
    """The seeded truth and the outcomes still to play (``play_outcomes``)."""

    truth: OutcomeSeed
    outcomes: tuple[PlannedOutcome, ...]
    people: People
    played: set[str] = field(default_factory=set)

    def hit_rates(self) -> dict[str, float]:
        """Share of leads matching each weighted rule."""
        n = len(self.outcomes) or 1
        return {r: sum(r in o.matched for o in self.outcomes) / n for r in self.truth.weights}

    @property
    def pending(self) -> int:
        return len(self.outcomes) - len(self.played)

    def retire(self) -> None:
        """Play nothing more (the org was reseeded: these leads are gone)."""
        self.played.update(o.lead_id for o in self.outcomes)


def parse_weights(text: str) -> dict[str, float]:
    """``'demo request=1.8,C-level title=1.2'`` (or a preset name) as rule -> weight."""
    if text.strip() in PRESETS:
        return dict(PRESETS[text.strip()])
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.rpartition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected RULE=WEIGHT, got {part!r}")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"weight of {name.strip()!r} is not a number: {value!r}") from None
    if not weights:
        raise ValueError(f"no weights in {text!r} (presets: {', '.join(PRESETS)})")
    return weights


def seed_leads(
    org: Org,
    rng: random.Random,
    factory: LeadFactory,
    truth: OutcomeSeed,
    *,
    leads: int,
    now: datetime,
    people: People,
    webinars: Sequence[tuple[str, date]],
) -> OutcomePlan:
    """Load ``leads`` calibration leads (with their Tasks and campaign members) into ``org``
    and return the plan of their outcomes. Deterministic for the same ``rng`` state."""
    unknown = sorted(set(truth.weights) - SIGNALS)
    if unknown:
        raise ValueError(
            f"no way to seed rule(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(SIGNALS))}"
        )
    now_ts = int(now.timestamp())
    active_from = now_ts - _ACTIVE_DAYS * 86400
    # Webinars recent enough that attending one is inside the rule's lookback.
    dated = [(cid, _ts(start)) for cid, start in webinars]
    campaigns = [w for w in dated if w[1] >= active_from - 20 * 86400] or dated
    if _WEBINAR in truth.weights and not campaigns:
        raise ValueError("'webinar attended' needs a Webinar campaign in the org")
    rules = sorted(truth.weights)
    rows: list[dict[str, Any]] = []
    activities: list[tuple[int, dict[str, Any]]] = []  # (lead index, row without WhoId)
    members: list[tuple[int, dict[str, Any]]] = []
    drafts: list[_Draft] = []
    for i in range(leads):
        created = now_ts - int(rng.uniform(*_CREATED_DAYS) * 86400)
        hits = {r for r in rules if rng.random() < truth.rate(r)}
        # A lead has one title: of two title rules drawn, the first in name order holds.
        titles = sorted(hits & set(_TITLES))
        hits -= set(titles[1:])
        row = _lead_row(rng, factory, hits, _at(created), people)
        rows.append(row)
        since = max(created, active_from)
        for rule in sorted(hits & set(_TASKS)):
            activities.append((i, _task(rng, _TASKS[rule], since, now_ts, people.automation)))
        for _ in range(int(rng.random() * 4)):
            subject = _NOISE[int(rng.random() * len(_NOISE))]
            activities.append((i, _task(rng, ("Email Open", subject, None), since, now_ts,
                                        people.automation, subtype="Email")))  # fmt: skip
        if _WEBINAR in hits:
            cid, start = campaigns[int(rng.random() * len(campaigns))]
            joined = _at(_between(rng, max(created, start), now_ts - 3600))
            members.append(
                (
                    i,
                    {
                        "CampaignId": cid,
                        "Status": "Attended",
                        "HasResponded": True,
                        "FirstRespondedDate": joined.date(),
                        "CreatedDate": joined,
                    },
                )
            )
        matched = frozenset(hits)
        converted = rng.random() < truth.conversion(matched)
        path, won, amount = _path(rng, converted)
        due = now_ts + int(truth.delay.total_seconds() * (1 + rng.random()))
        rep = people.reps[int(rng.random() * len(people.reps))] if people.reps else ""
        drafts.append((matched, converted, path, due, rep, won, amount))
    ids = org.load("Lead", rows)
    org.load("Task", [{**row, "WhoId": ids[i]} for i, row in activities])
    org.load("CampaignMember", [{**row, "LeadId": ids[i]} for i, row in members])
    outcomes = tuple(
        PlannedOutcome(lead_id, matched, converted, path, _at(due), rep, won, amount)
        for lead_id, (matched, converted, path, due, rep, won, amount) in zip(
            ids, drafts, strict=True
        )
    )
    return OutcomePlan(truth, outcomes, people)


def _lead_row(
    rng: random.Random,
    factory: LeadFactory,
    hits: set[str],
    created: datetime,
    people: People,
) -> dict[str, Any]:
    served = _SERVED if "served country" in hits else _NOT_SERVED
    key, spelling = served[int(rng.random() * len(served))]
    row = factory.row(rng, created, country_key=key)
    row["Country"] = spelling
    title = next((r for r in sorted(hits) if r in _TITLES), None)
    row["Title"] = _pick(rng, _TITLES[title] if title else _NEUTRAL_TITLES)
    row["Industry"] = _pick(
        rng, _TARGET_INDUSTRIES if "target industry" in hits else _NEUTRAL_INDUSTRIES
    )
    low, high = (200, 4999) if "200-5000 employees" in hits else (1, 199)
    employees = int(math.exp(rng.uniform(math.log(low), math.log(high + 1))))
    row["NumberOfEmployees"] = min(employees, high)
    # Revenue stays under the policy's 10M line (no rule for it here).
    revenue = row["NumberOfEmployees"] * rng.uniform(5_000, 45_000)
    row["AnnualRevenue"] = float(round(min(revenue, 9_500_000), -3))
    company = str(row.get("Company") or "").strip() or f"{row['LastName']} Holdings"
    row["Company"] = company
    local = _local_part(row)
    if "free-mail address" in hits:
        row["Email"] = f"{local}@{_pick(rng, _FREE_MAIL_MATCHED)}"
    else:
        domain = _domain(company, ".com")
        row["Email"] = f"{local}@{'example.com' if domain in _FREE_MAIL else domain}"
    row["Description"] = None
    # Every lead starts open in the queue: syncd scores it before anyone acts on it.
    row.update(
        Status=OPEN_STATUS,
        OwnerId=people.unassigned_queue,
        CreatedById=people.automation,
        LastModifiedById=people.automation,
        LastModifiedDate=created,
        SystemModstamp=created,
    )
    return row


def _local_part(row: Mapping[str, Any]) -> str:
    email = row.get("Email")
    if email and "@" in str(email):
        local = str(email).split("@", 1)[0].strip().lower()
        if local and " " not in local:
            return local
    last = "".join(c for c in str(row.get("LastName") or "lead").lower() if c.isalnum())
    return last or "lead"


def _task(
    rng: random.Random,
    kind: tuple[str, str, str | None],
    since: int,
    now_ts: int,
    automation: str,
    *,
    subtype: str = "Task",
) -> dict[str, Any]:
    task_type, subject, path = kind
    moment = _at(_between(rng, since, now_ts - 3600))
    task: dict[str, Any] = {
        "Subject": subject,
        "Type": task_type,
        "TaskSubtype": subtype,
        "Status": "Completed",
        "ActivityDate": moment.date(),
        "OwnerId": automation,
        "CreatedById": automation,
        "CreatedDate": moment,
    }
    if path is not None:
        # Marketing automation writes the page into Description (see seed._pages).
        task["Description"] = f"URL: {SITE}{path}\nTime on page: {rng.randrange(5, 900)} s"
    return task


def _path(rng: random.Random, converted: bool) -> tuple[tuple[str, ...], bool | None, float | None]:
    r = rng.random()
    if not converted:
        if r < 0.15:
            return (COULD_NOT_REACH,), None, None
        if r < 0.25:
            return (DISQUALIFIED,), None, None
        return (), None, None
    if r < 0.45:
        return (ACCEPTED,), None, None
    if r < 0.75:
        return (ACCEPTED, QUALIFIED), None, None
    won = (True, True, False, None)[int(rng.random() * 4)]
    amount = float(round(math.exp(rng.gauss(math.log(24_000), 0.8)), -2))
    return (ACCEPTED, QUALIFIED, CONVERT), won, amount


def play_outcomes(org: Org, plan: OutcomePlan, now: datetime) -> dict[str, int]:
    """Play every planned outcome due by ``now`` (once each); what was done."""
    reps = frozenset(plan.people.reps)
    played = steps = failed = 0
    with org.lock:
        for outcome in plan.outcomes:
            if outcome.lead_id in plan.played or outcome.due > now:
                continue
            plan.played.add(outcome.lead_id)
            played += 1
            lead = org.get("Lead", outcome.lead_id)
            if not outcome.path or lead is None or lead.get("IsDeleted") or lead.get("IsConverted"):
                continue
            owner = lead.get("OwnerId")
            rep = str(owner) if owner in reps else outcome.rep
            try:
                steps += _play(org, outcome, rep, take=owner not in reps)
            except SalesforceApiError:
                failed += 1  # e.g. a validation rule a test added: the rep gives up
    return {"outcomes_played": played, "steps": steps, "failed": failed, "pending": plan.pending}


def _play(org: Org, outcome: PlannedOutcome, rep: str, *, take: bool) -> int:
    steps = 0
    for step in outcome.path:
        if step == CONVERT:
            org.convert_lead(
                outcome.lead_id, opportunity_amount=outcome.amount, won=outcome.won, by_user=rep
            )
        elif take and steps == 0 and step == ACCEPTED:
            # Accepting a lead from the queue makes it the rep's.
            edit_lead(org, outcome.lead_id, by=rep, Status=step, OwnerId=rep)
        else:
            edit_lead(org, outcome.lead_id, by=rep, Status=step)
        steps += 1
    return steps


def outcome_ticker(plan: OutcomePlan) -> Callable[[Org], dict[str, int]]:
    """A tick for the simulator: play what is due at the org's "now"."""
    return lambda org: play_outcomes(org, plan, org.now())


def _pick(rng: random.Random, values: Sequence[Any]) -> Any:
    return values[int(rng.random() * len(values))]


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * max(high - low, 0))


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _ts(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())
