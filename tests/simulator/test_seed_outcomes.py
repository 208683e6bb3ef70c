"""The seed option for calibration: leads whose records carry known scoring rules with known
hit rates, and outcomes from known weights that reps play once the org clock reaches them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from syncd.config import load_config
from syncd.domain.model import Activity, ActivityKind, CampaignResponse
from syncd.domain.policy import Policy
from syncd.simulator.org import Org
from syncd.simulator.outcomes import CONVERT, PRESETS, parse_weights, play_outcomes
from syncd.simulator.seed import OutcomeSeed, SeedSummary, generate_org
from syncd.simulator.server import start_simulator

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
EVERY_KIND = OutcomeSeed(
    weights={
        "C-level title": 1.0, "demo request": 1.0, "contact-me form": 0.5, "pricing page": 0.5,
        "white paper": 0.2, "webinar attended": 0.3, "unsubscribed": -0.5,
        "free-mail address": -0.5, "target industry": 0.4, "200-5000 employees": 0.3,
        "served country": 0.2,
    },
    hit_rates={"C-level title": 0.5, "demo request": 0.2, "unsubscribed": 0.1},
)  # fmt: skip


def _seeded(truth: OutcomeSeed, leads: int, seed: int) -> tuple[Org, SeedSummary]:
    org = Org(clock=lambda: NOW)
    return org, generate_org(org, leads=leads, seed=seed, now=NOW, outcomes=truth)


@pytest.fixture(scope="module")
def seeded() -> tuple[Org, SeedSummary]:
    return _seeded(EVERY_KIND, 3_000, 5)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_config(MAPPINGS).policy


def _records(org: Org) -> dict[str, list[dict[str, Any]]]:
    return {name: list(org.records(name)) for name in ("Lead", "Task", "CampaignMember")}


def test_the_same_seed_gives_the_same_org_and_the_same_outcomes() -> None:
    org_a, a = _seeded(EVERY_KIND, 300, 9)
    org_b, b = _seeded(EVERY_KIND, 300, 9)
    assert _records(org_a) == _records(org_b)
    assert a.outcomes is not None
    assert b.outcomes is not None
    assert a.outcomes.outcomes == b.outcomes.outcomes
    _, c = _seeded(EVERY_KIND, 300, 10)
    assert c.outcomes is not None
    assert [o.matched for o in c.outcomes.outcomes] != [o.matched for o in a.outcomes.outcomes]


def test_each_rule_is_matched_about_as_often_as_configured(
    seeded: tuple[Org, SeedSummary],
) -> None:
    _, summary = seeded
    assert summary.outcomes is not None
    for rule, share in summary.outcomes.hit_rates().items():
        assert share == pytest.approx(EVERY_KIND.rate(rule), abs=0.03), rule
    # Rules drawn independently: two rules together about as often as the product says.
    both = sum(
        {"C-level title", "demo request"} <= o.matched for o in summary.outcomes.outcomes
    ) / len(summary.outcomes.outcomes)
    assert both == pytest.approx(0.5 * 0.2, abs=0.02)


def test_the_leads_records_match_exactly_the_rules_drawn_and_no_other_policy_rule(
    seeded: tuple[Org, SeedSummary], policy: Policy
) -> None:
    org, summary = seeded
    assert summary.outcomes is not None
    campaigns = {c["Id"]: c for c in org.records("Campaign")}
    tasks: dict[str, list[Activity]] = {}
    for t in org.records("Task"):
        tasks.setdefault(t["WhoId"], []).append(_activity(t))
    members: dict[str, list[CampaignResponse]] = {}
    for m in org.records("CampaignMember"):
        members.setdefault(m["LeadId"], []).append(_response(m, campaigns[m["CampaignId"]]))
    leads = {lead["Id"]: lead for lead in org.records("Lead")}
    rules = {r.name for r in (*policy.scoring.fit_rules, *policy.scoring.engagement_rules)}
    seen: Counter[str] = Counter()
    for outcome in summary.outcomes.outcomes:
        lead = leads[outcome.lead_id]
        assert lead["Status"] == "Open - Not Contacted"
        fields = {
            "title": lead["Title"], "industry": lead["Industry"], "country": lead["Country"],
            "number_of_employees": lead["NumberOfEmployees"], "email": lead["Email"],
            "annual_revenue": lead["AnnualRevenue"], "company": lead["Company"],
        }  # fmt: skip
        score = policy.scorer.score(
            fields, tasks.get(lead["Id"], []), members.get(lead["Id"], []), NOW
        )
        scored = {name for name, _, _ in score.parts if name in rules}  # not "decay"
        assert scored == outcome.matched, (lead, scored)
        seen.update(scored)
    assert set(seen) == set(EVERY_KIND.weights)


def _activity(t: dict[str, Any]) -> Activity:
    # As the mirror reads a Task, with the page URL from Description (when it is pulled).
    return Activity(
        id=t["Id"],
        who_id=t["WhoId"],
        kind=ActivityKind.TASK,
        activity_date=t["CreatedDate"],
        owner_id=t["OwnerId"],
        type=t["Type"],
        subject=t["Subject"],
        url=t.get("Description"),
        created_at=t["CreatedDate"],
    )


def _response(m: dict[str, Any], campaign: dict[str, Any]) -> CampaignResponse:
    return CampaignResponse(
        id=m["Id"],
        lead_id=m["LeadId"],
        campaign_id=campaign["Id"],
        campaign_name=campaign["Name"],
        campaign_type=campaign["Type"],
        member_status=m["Status"],
        responded=bool(m["HasResponded"]),
        created_at=m["CreatedDate"],
    )


def test_reps_play_each_outcome_once_when_it_is_due() -> None:
    truth = OutcomeSeed(weights=PRESETS["default"], delay=timedelta(hours=6))
    org, summary = _seeded(truth, 2_000, 3)
    plan = summary.outcomes
    assert plan is not None
    assert play_outcomes(org, plan, NOW)["outcomes_played"] == 0  # nothing is due yet
    later = NOW + timedelta(hours=13)
    org.clock = lambda: later
    done = play_outcomes(org, plan, later)
    assert done == {"outcomes_played": 2_000, "steps": done["steps"], "failed": 0, "pending": 0}
    assert play_outcomes(org, plan, later)["outcomes_played"] == 0
    leads = {lead["Id"]: lead for lead in org.records("Lead")}
    reached = {"Sales Accepted", "Sales Qualified", "Closed - Converted"}
    for outcome in plan.outcomes:
        status = leads[outcome.lead_id]["Status"]
        assert (status in reached) == outcome.converted, outcome
        if CONVERT in outcome.path:
            assert leads[outcome.lead_id]["IsConverted"]
            assert leads[outcome.lead_id]["ConvertedOpportunityId"]
    # The moves are people's edits: LeadHistory has each Status step, by the rep.
    history = [h for h in org.records("LeadHistory") if h["Field"] == "Status"]
    steps = sum(len([s for s in o.path if s != CONVERT]) for o in plan.outcomes)
    assert len([h for h in history if h["CreatedById"] in plan.people.reps]) >= steps
    # Conversion follows the logistic model of the weights.
    expected = sum(truth.conversion(o.matched) for o in plan.outcomes)
    assert sum(o.converted for o in plan.outcomes) == pytest.approx(expected, rel=0.08)


def test_weights_parse_from_text_or_a_preset_and_unknown_rules_are_refused() -> None:
    assert parse_weights("demo request=1.8, C-level title=-0.5") == {
        "demo request": 1.8,
        "C-level title": -0.5,
    }
    assert parse_weights("default") == dict(PRESETS["default"])
    with pytest.raises(ValueError, match="expected RULE=WEIGHT"):
        parse_weights("demo request")
    with pytest.raises(ValueError, match="no way to seed rule"):
        _seeded(OutcomeSeed(weights={"bought a yacht": 1.0}), 10, 1)
    with pytest.raises(ValueError, match="hit rates for rules without a weight"):
        OutcomeSeed(weights={"demo request": 1.0}, hit_rates={"blog": 0.2})


def _serve(*args: str) -> subprocess.Popen[str]:
    code = "from syncd.simulator.cli import sim_app; sim_app()"
    env = {k: v for k, v in os.environ.items() if k != "REQUESTS_CA_BUNDLE"}
    return subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_sim_serve_seeds_outcomes_that_the_rep_tick_plays_after_the_clock_moves(
    tmp_path: Path,
) -> None:
    connection_file = tmp_path / "sim-connection.json"
    outcomes = ("--outcome-weights", "default", "--outcome-delay-minutes", "60")
    process = _serve("--leads", "200", *outcomes, "--connection-file", str(connection_file))
    try:
        deadline = time.monotonic() + 60
        while not connection_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        connection = json.loads(connection_file.read_text())
        admin = f"{connection['instance_url']}/__sim"
        with requests.Session() as session:
            session.trust_env = False
            session.verify = connection["ca_bundle"]
            early = session.post(f"{admin}/reps/tick").json()["result"]
            session.post(f"{admin}/clock/advance", json={"seconds": 3 * 3600})
            late = session.post(f"{admin}/reps/tick").json()["result"]
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=30)
    assert early["outcomes_played"] == 0
    assert late["outcomes_played"] == 200
    assert late["pending"] == 0
    assert "Outcomes: true weights {'C-level title': 2.0" in stdout


def test_sim_serve_refuses_weights_it_cannot_seed() -> None:
    process = _serve("--leads", "10", "--outcome-weights", "bought a yacht=1")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "no way to seed rule(s) 'bought a yacht'" in stderr


def test_a_reseed_retires_the_outcomes_of_the_leads_it_replaced() -> None:
    truth = OutcomeSeed(weights={"demo request": 1.0}, delay=timedelta(minutes=1))
    with start_simulator(leads=30, seed=2, now=NOW, outcomes=truth) as handle:
        plan = handle.sim.outcomes
        assert plan is not None
        handle.sim.reseed(30, 2)
        handle.admin.advance_clock(timedelta(hours=1))
        assert handle.sim.reps_tick is not None
        assert handle.sim.reps_tick(handle.org)["outcomes_played"] == 0
        assert handle.sim.outcomes is None
        assert plan.pending == 0
