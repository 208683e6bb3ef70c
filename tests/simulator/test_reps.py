"""Simulated reps: each step happens at its configured rate, as the rep, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncd.simulator.org import Org
from syncd.simulator.reps import ACCEPTED_STATUSES, RepBehaviour, RepRates
from syncd.simulator.seed import (
    MARKETING_AUTOMATION_USERNAME,
    SALES_DEPARTMENT,
    UNASSIGNED_QUEUE,
    generate_org,
)

# A non-UTC "now" catches naive or wrongly converted datetimes.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("America/Chicago"))

# Nothing happens unless a test turns it on.
QUIET = RepRates(
    accept=0.0,
    touch=0.0,
    qualify=0.0,
    could_not_reach=0.0,
    disqualify=0.0,
    convert=0.0,
    win=0.0,
    neglect=0.0,
    inbound_leads=0.0,
    marketing_activities=0.0,
    owner_change=0.0,
    max_actions=10_000,
    max_conversions=10_000,
)


@dataclass(frozen=True)
class Team:
    org: Org
    reps: tuple[str, ...]
    gone: str  # a rep who has left (inactive)
    manager: str
    automation: str
    queue: str
    leads: dict[str, list[str]]  # Status -> ids of rep-owned leads in it
    queued: tuple[str, ...]  # MQL leads still in the unassigned queue
    orphaned: tuple[str, ...]  # MQL leads of the rep who left


def _user(org: Org, name: str, title: str, *, department: str = SALES_DEPARTMENT) -> str:
    handle = name.lower().replace(" ", ".")
    first, last = name.split(" ")
    return org.create(
        "User",
        {
            "Username": f"{handle}@acme.example.com",
            "Email": f"{handle}@acme.example.com",
            "FirstName": first,
            "LastName": last,
            "Title": title,
            "Department": department,
            "IsActive": True,
        },
    )


def make_team(per_status: int = 6) -> Team:
    """Three active reps, one who left, a manager, a queue and leads at every stage."""
    org = Org(clock=lambda: NOW)
    manager = _user(org, "Dana Whitfield", "Sales Manager")
    reps = (
        _user(org, "Priya Raman", "Account Executive"),
        _user(org, "Marcus Bell", "Account Executive"),
        _user(org, "Jo Okafor", "SDR"),
    )
    gone = _user(org, "Lee Carter", "SDR")
    automation = org.create(
        "User",
        {
            "Username": MARKETING_AUTOMATION_USERNAME,
            "Email": MARKETING_AUTOMATION_USERNAME,
            "LastName": "Automation",
            "Title": "Integration User",
            "Department": "Marketing",
            "IsActive": True,
        },
    )
    queue = org.create(
        "Group", {"Name": "Unassigned Queue", "DeveloperName": UNASSIGNED_QUEUE, "Type": "Queue"}
    )
    leads: dict[str, list[str]] = {}
    n = 0

    def lead(status: str, owner: str) -> str:
        nonlocal n
        n += 1
        return org.create(
            "Lead",
            {
                "FirstName": "Avery",
                "LastName": f"Nguyen {n}",
                "Company": f"Northwind Traders {n}",
                "Email": f"avery.nguyen{n}@northwind.example.com",
                "Status": status,
                "OwnerId": owner,
            },
        )

    for status in ("MQL", "Open - Not Contacted", *ACCEPTED_STATUSES, "Sales Qualified"):
        leads[status] = [lead(status, reps[i % len(reps)]) for i in range(per_status)]
    queued = tuple(lead("MQL", queue) for _ in range(3))
    orphaned = [lead("MQL", reps[0]) for _ in range(2)]
    for lead_id in orphaned:
        org.update("Lead", lead_id, {"OwnerId": gone})
    org.update("User", gone, {"IsActive": False})
    return Team(org, reps, gone, manager, automation, queue, leads, queued, tuple(orphaned))


def _snapshot(org: Org, *sobjects: str) -> dict[str, list[dict[str, Any]]]:
    return {name: sorted(org.records(name), key=lambda r: r["Id"]) for name in sobjects}


def _lead(team: Team, lead_id: str) -> dict[str, Any]:
    found = team.org.get("Lead", lead_id)
    assert found is not None
    return found


# --- neglect ----------------------------------------------------------------------------------


def test_neglect_rate_1_changes_nothing() -> None:
    team = make_team()
    busy = replace(QUIET, accept=1.0, touch=0.5, qualify=0.5, convert=0.5, neglect=1.0)
    before = _snapshot(team.org, "Lead", "Task", "Opportunity")

    summary = RepBehaviour(team.org, seed=1, rates=busy).tick(NOW)

    assert _snapshot(team.org, "Lead", "Task", "Opportunity") == before
    assert summary.changes == 0
    assert summary.neglected == summary.in_hands > 0


def test_a_neglected_lead_stays_neglected_on_later_ticks() -> None:
    team = make_team()
    behaviour = RepBehaviour(team.org, seed=3, rates=replace(QUIET, accept=1.0, neglect=0.5))

    first = behaviour.tick(NOW)
    mql_left = [i for i in team.leads["MQL"] if _lead(team, i)["Status"] == "MQL"]
    second = behaviour.tick(NOW + timedelta(minutes=5))

    assert 0 < first.neglected < first.in_hands
    assert [i for i in mql_left if _lead(team, i)["Status"] == "MQL"] == mql_left
    assert second.accepted == 0


# --- accepting handed-off leads ---------------------------------------------------------------


def test_accept_rate_1_accepts_every_handed_off_lead_as_its_rep() -> None:
    team = make_team()

    summary = RepBehaviour(team.org, seed=1, rates=replace(QUIET, accept=1.0)).tick(NOW)

    accepted = [_lead(team, i) for i in team.leads["MQL"]]
    assert {lead["Status"] for lead in accepted} <= set(ACCEPTED_STATUSES)
    assert all(lead["LastModifiedById"] == lead["OwnerId"] for lead in accepted)
    assert summary.accepted == len(accepted)
    assert set(summary.changed_lead_ids) == set(team.leads["MQL"])


def test_a_reps_acceptance_is_in_lead_history_as_that_rep() -> None:
    team = make_team()

    RepBehaviour(team.org, seed=1, rates=replace(QUIET, accept=1.0)).tick(NOW)

    lead_id = team.leads["MQL"][0]
    lead = _lead(team, lead_id)
    moves = [
        (row["Field"], row["OldValue"], row["NewValue"], row["CreatedById"])
        for row in team.org.records("LeadHistory")
        if row["LeadId"] == lead_id and row["Field"] == "Status"
    ]
    assert moves == [("Status", "MQL", lead["Status"], lead["OwnerId"])]


def test_leads_in_a_queue_or_with_a_rep_who_left_are_not_accepted() -> None:
    team = make_team()

    RepBehaviour(team.org, seed=1, rates=replace(QUIET, accept=1.0)).tick(NOW)

    for lead_id in (*team.queued, *team.orphaned):
        assert _lead(team, lead_id)["Status"] == "MQL"


def test_a_lead_newly_routed_to_a_rep_is_handed_off_whatever_its_status() -> None:
    team = make_team()
    behaviour = RepBehaviour(team.org, seed=1, rates=replace(QUIET, accept=1.0))
    routed = team.leads["Open - Not Contacted"][0]
    untouched = team.leads["Open - Not Contacted"][1:]
    team.org.update("Lead", routed, {"OwnerId": team.reps[2]})

    behaviour.tick(NOW)

    assert _lead(team, routed)["Status"] in ACCEPTED_STATUSES
    assert all(_lead(team, i)["Status"] == "Open - Not Contacted" for i in untouched)


def test_a_routed_lead_is_no_longer_handed_off_after_the_handoff_window() -> None:
    team = make_team()
    behaviour = RepBehaviour(team.org, seed=1, rates=QUIET)
    routed = team.leads["Open - Not Contacted"][0]
    team.org.update("Lead", routed, {"OwnerId": team.reps[2]})
    behaviour.tick(NOW)  # notices the new owner, does nothing
    behaviour.rates = replace(QUIET, accept=1.0, handoff_window=timedelta(days=2))

    behaviour.tick(NOW + timedelta(days=2, minutes=1))

    assert _lead(team, routed)["Status"] == "Open - Not Contacted"


# --- working accepted and qualified leads ------------------------------------------------------


def test_touch_rate_1_logs_one_call_or_email_per_worked_lead_as_the_rep() -> None:
    team = make_team()
    worked = {i for s in (*ACCEPTED_STATUSES, "Sales Qualified") for i in team.leads[s]}

    summary = RepBehaviour(team.org, seed=1, rates=replace(QUIET, touch=1.0)).tick(NOW)

    tasks = list(team.org.records("Task"))
    assert sorted(t["WhoId"] for t in tasks) == sorted(worked)
    for task in tasks:
        owner = _lead(team, task["WhoId"])["OwnerId"]
        assert task["OwnerId"] == task["CreatedById"] == owner
        assert task["Type"] in ("Call", "Email")
        assert task["Status"] == "Completed"
    assert summary.touched == len(worked)


@pytest.mark.parametrize(
    ("rates", "status"),
    [
        (replace(QUIET, qualify=1.0), "Sales Qualified"),
        (replace(QUIET, could_not_reach=1.0), "Could Not Reach"),
        (replace(QUIET, disqualify=1.0), "Disqualified"),
    ],
    ids=["qualify", "could-not-reach", "disqualify"],
)
def test_accepted_leads_move_to_the_status_of_the_step(rates: RepRates, status: str) -> None:
    team = make_team()

    RepBehaviour(team.org, seed=1, rates=rates).tick(NOW)

    for lead_id in (team.leads[s] for s in ACCEPTED_STATUSES):
        for lead in (_lead(team, i) for i in lead_id):
            assert lead["Status"] == status
            assert lead["LastModifiedById"] == lead["OwnerId"]
    assert all(_lead(team, i)["Status"] == "MQL" for i in team.leads["MQL"])


@pytest.mark.parametrize(
    ("win", "stage"), [(1.0, "Closed Won"), (0.0, "Closed Lost")], ids=["won", "lost"]
)
def test_convert_rate_1_converts_every_qualified_lead_with_an_opportunity(
    win: float, stage: str
) -> None:
    team = make_team()

    summary = RepBehaviour(team.org, seed=1, rates=replace(QUIET, convert=1.0, win=win)).tick(NOW)

    for lead_id in team.leads["Sales Qualified"]:
        lead = _lead(team, lead_id)
        opportunity = team.org.get("Opportunity", lead["ConvertedOpportunityId"])
        assert lead["IsConverted"]
        assert opportunity is not None
        assert opportunity["StageName"] == stage
        assert opportunity["Amount"] > 0
        assert opportunity["OwnerId"] == lead["OwnerId"]
    assert summary.converted == len(team.leads["Sales Qualified"])
    assert summary.won == (summary.converted if win else 0)


def test_conversions_per_tick_are_capped() -> None:
    team = make_team()
    rates = replace(QUIET, convert=1.0, max_conversions=2)

    summary = RepBehaviour(team.org, seed=1, rates=rates).tick(NOW)

    assert summary.converted == 2
    assert sum(_lead(team, i)["IsConverted"] for i in team.leads["Sales Qualified"]) == 2


def test_a_lead_someone_else_moves_during_the_tick_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = make_team()
    behaviour = RepBehaviour(team.org, seed=1, rates=replace(QUIET, accept=1.0))
    moved = team.leads["MQL"][0]
    snapshot = RepBehaviour._in_hands

    def syncd_recycles_it_meanwhile(self: RepBehaviour, *args: Any) -> Any:
        work = snapshot(self, *args)
        team.org.update("Lead", moved, {"Status": "Recycled"})
        return work

    monkeypatch.setattr(RepBehaviour, "_in_hands", syncd_recycles_it_meanwhile)

    summary = behaviour.tick(NOW)

    assert _lead(team, moved)["Status"] == "Recycled"
    assert summary.refused == 1
    assert summary.accepted == len(team.leads["MQL"]) - 1


# --- the rest of a living org -----------------------------------------------------------------


def test_inbound_leads_arrive_in_the_unassigned_queue_from_marketing_automation() -> None:
    team = make_team()
    known = {r["Id"] for r in team.org.records("Lead")}
    behaviour = RepBehaviour(team.org, seed=1, rates=replace(QUIET, inbound_leads=4.0))

    arrived = sum(behaviour.tick(NOW + timedelta(minutes=m)).new_leads for m in range(3))

    new = [r for r in team.org.records("Lead") if r["Id"] not in known]
    assert len(new) == arrived > 0
    assert {r["OwnerId"] for r in new} == {team.queue}
    assert {r["CreatedById"] for r in new} == {team.automation}
    assert all(r["LastName"] and r["Company"] for r in new)


def test_marketing_activities_arrive_on_open_leads() -> None:
    team = make_team()
    behaviour = RepBehaviour(team.org, seed=1, rates=replace(QUIET, marketing_activities=15.0))

    summary = behaviour.tick(NOW)

    tasks = list(team.org.records("Task"))
    lead_ids = {r["Id"] for r in team.org.records("Lead")}
    assert len(tasks) == summary.new_activities > 0
    assert all(t["WhoId"] in lead_ids for t in tasks)
    assert {t["OwnerId"] for t in tasks} == {team.automation}
    assert not {t["Type"] for t in tasks} & {"Call", "Email"}


def test_owner_change_1_moves_one_lead_to_another_active_rep_as_a_manager() -> None:
    team = make_team()
    owners = {r["Id"]: r["OwnerId"] for r in team.org.records("Lead")}

    summary = RepBehaviour(team.org, seed=1, rates=replace(QUIET, owner_change=1.0)).tick(NOW)

    moved = [r for r in team.org.records("Lead") if r["OwnerId"] != owners[r["Id"]]]
    assert len(moved) == summary.owner_changes == 1
    assert moved[0]["OwnerId"] in team.reps
    assert moved[0]["LastModifiedById"] == team.manager


# --- determinism and configuration ------------------------------------------------------------

MIXED = RepRates(inbound_leads=3.0, marketing_activities=10.0, owner_change=0.5)


def _run(seed: int) -> tuple[list[Any], dict[str, list[dict[str, Any]]]]:
    team = make_team()
    behaviour = RepBehaviour(team.org, seed=seed, rates=MIXED)
    summaries = [behaviour.tick(NOW + timedelta(minutes=m)) for m in range(4)]
    return summaries, _snapshot(team.org, "Lead", "Task", "Opportunity")


def test_same_seed_same_org_same_changes() -> None:
    assert _run(seed=9) == _run(seed=9)


def test_different_seeds_make_different_changes() -> None:
    assert _run(seed=9)[1] != _run(seed=10)[1]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"accept": 1.5}, "accept is a probability"),
        ({"neglect": -0.1}, "neglect is a probability"),
        ({"touch": 0.6, "qualify": 0.6}, "touch \\+ qualify"),
        ({"touch": 0.5, "convert": 0.6}, "convert \\+ touch"),
        ({"inbound_leads": -1.0}, "inbound_leads must be >= 0"),
        ({"handoff_window": timedelta(hours=-1)}, "handoff_window must not be negative"),
    ],
    ids=[
        "rate-above-1",
        "negative-rate",
        "working-steps-over-1",
        "qualified-steps-over-1",
        "negative-arrivals",
        "negative-window",
    ],
)
def test_invalid_rates_are_refused_naming_the_setting(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RepRates(**overrides)


def test_a_naive_now_is_refused() -> None:
    behaviour = RepBehaviour(make_team().org, seed=1, rates=QUIET)
    with pytest.raises(ValueError, match="timezone-aware"):
        behaviour.tick(datetime(2026, 11, 23, 10, 0))


# --- on a seeded org --------------------------------------------------------------------------


def test_default_rates_keep_a_seeded_org_alive_with_changes_by_people() -> None:
    org = Org(clock=lambda: NOW)
    seeded = generate_org(org, leads=400, seed=4, now=NOW)
    people = {
        *seeded.sales_rep_ids,
        *seeded.manager_ids,
        seeded.marketing_automation_user_id,
    }
    behaviour = RepBehaviour(org, seed=4)

    summaries = [behaviour.tick(NOW + timedelta(minutes=m)) for m in range(3)]

    changed = {lead_id for s in summaries for lead_id in s.changed_lead_ids}
    assert sum(s.changes for s in summaries) > 0
    assert sum(s.neglected for s in summaries) > 0
    assert changed
    assert {org.table("Lead")[i]["LastModifiedById"] for i in changed} <= people
