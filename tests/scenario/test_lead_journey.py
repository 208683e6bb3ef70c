"""One lead's whole journey through the engine, as the daemon would see it cycle by cycle.

created -> engaged -> MQL -> assigned and alerted -> SLA breached -> reassigned ->
(breached again: flagged only) -> recycled -> held by hysteresis -> engaged again ->
MQL again, to a different rep -> followed up and accepted -> qualified -> converted.

Between evaluations the test plays Salesforce: the field changes of each Decision are
written to the lead, and the lead's state is what the mirror would store. "Now" is given
in Berlin time while the business calendar is New York's, to catch naive datetimes.
Every field written, every Task and every ledger entry is asserted at every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import yaml

from syncd.domain.engine import evaluate
from syncd.domain.model import (
    Activity,
    ActivityKind,
    Decision,
    Lead,
    LedgerKind,
    Stage,
    TaskToCreate,
    User,
)
from syncd.domain.outputs import Output
from syncd.domain.policy import Policy, load_policy
from syncd.domain.routing_state import RoutingState

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")

ANA = "005000000000ANAAAA"
BEN = "005000000000BENAAA"
CLEO = "005000000000CLEAAA"
MAYA = "005000000000MGRAAA"  # the reps' manager
MARKETING = "005000000000MKTAAA"
NURTURE_Q = "00G000000000NURAAA"
UNASSIGNED_Q = "00G000000000UNQAAA"
LEAD_ID = "00Q000000000JNYAAA"

POLICY_YAML = f"""
version: journey-1
scoring:
  grades: {{A: 60, B: 40, C: 20, D: 0}}
  decay: {{half_life_days: 30}}
  materiality: {{min_delta: 5}}
  fit:
    - name: VP title
      when: {{field: title, regex: "(?i)\\\\b(vp|vice president)\\\\b"}}
      points: 30
    - {{name: software industry, when: {{field: industry, equals: Software}}, points: 20}}
    - name: 200-5000 employees
      when: {{field: number_of_employees, min: 200, max: 5000}}
      points: 15
  engagement:
    - {{name: demo request, match: {{type: Form Fill, subject: "(?i)demo"}}, points: 30, cap: 30}}
    - {{name: pricing page, match: {{type: Web Visit, url: /pricing}}, points: 10, cap: 20}}
lifecycle:
  statuses:
    new: Open - Not Contacted
    nurture: Nurture
    mql: MQL
    sal: Working - Contacted
    sql: Qualified
    could_not_reach: Could Not Reach
    recycled: Recycled
    disqualified: Disqualified
    converted: Closed - Converted
  mql: {{min_score: 80, min_fit: 40}}
routing:
  timezone: America/New_York
  fallback_queue: {UNASSIGNED_Q}
  pools:
    inbound:
      members: [{{user: {ANA}}}, {{user: {BEN}}}, {{user: {CLEO}}}]
  rules:
    - {{name: Inbound, to: {{pool: inbound}}}}
sla:
  calendar:
    timezone: America/New_York
    hours:
      monday: "09:00-17:00"
      tuesday: "09:00-17:00"
      wednesday: "09:00-17:00"
      thursday: "09:00-17:00"
      friday: "09:00-17:00"
  first_response: {{by_grade: {{A: 1h, B: 4h}}, default: 1d}}
  touches: {{types: [Call, Email], required: 1, window: 15d}}
  escalation: {{flag: true, reassign: true, manager_task: true, max_reassignments: 1}}
recycle:
  nurture_owner: {NURTURE_Q}
  applies_to: [mql, sal, could_not_reach]
  no_touch_days: 14
  max_recycles: 3
"""

USERS = {
    u.id: u
    for u in (
        User(ANA, "Ana Silva", manager_id=MAYA),
        User(BEN, "Ben Okafor", manager_id=MAYA),
        User(CLEO, "Cleo Martin", manager_id=MAYA),
        User(MAYA, "Maya Grant"),
        User(MARKETING, "Marketing Ops"),
        User(NURTURE_Q, "Nurture Queue", is_queue=True),
        User(UNASSIGNED_Q, "Unassigned", is_queue=True),
    )
}

BASE_REASON = "+30 VP title, +30 demo request, +20 software industry, +15 200-5000 employees"


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


@dataclass
class Org:
    """Salesforce as far as this lead is concerned: the lead record, its activities, and
    what syncd keeps between cycles (the lead's state, the routing state)."""

    policy: Policy
    lead: Lead
    activities: list[Activity]
    routing: RoutingState

    def cycle(self, at: datetime) -> Decision:
        decision = evaluate(
            self.lead, self.activities, [], USERS, self.routing, self.policy, at.astimezone(BERLIN)
        )
        self._write_back(decision)
        return decision

    def _write_back(self, decision: Decision) -> None:
        changes = decision.field_changes
        lead = self.lead
        self.lead = replace(
            lead,
            owner_id=str(changes.get(Output.OWNER, lead.owner_id)),
            status=str(changes.get(Output.STATUS, lead.status)),
            score=_number(changes.get(Output.SCORE, lead.score)),
            grade=str(changes.get(Output.GRADE, lead.grade)),
            score_reason=str(changes.get(Output.SCORE_REASON, lead.score_reason)),
            sla_due=changes.get(Output.SLA_DUE, lead.sla_due),  # type: ignore[arg-type]
            recycle_count=int(changes.get(Output.RECYCLE_COUNT, lead.recycle_count)),  # type: ignore[call-overload]
            state=decision.state,
        )
        self.routing = decision.routing_state

    def person_sets(self, **fields: object) -> None:
        self.lead = replace(self.lead, **fields)  # type: ignore[arg-type]


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def ledger(decision: Decision) -> list[tuple[LedgerKind, object, object, str]]:
    """Ledger entries as (kind, before, after, headline reason) for whole-list comparison."""
    return [(e.kind, e.before, e.after, e.reasons[0]) for e in decision.ledger]


def tasks(decision: Decision) -> Sequence[TaskToCreate]:
    return decision.tasks_to_create


def test_a_lead_travels_the_whole_journey_and_every_write_and_ledger_entry_is_explained() -> None:
    policy = load_policy(yaml.safe_load(POLICY_YAML), "journey.yaml")
    org = Org(
        policy=policy,
        lead=Lead(
            id=LEAD_ID,
            fields={
                "first_name": "Dana",
                "last_name": "Reyes",
                "company": "Northwind Traders",
                "title": "VP Engineering",
                "industry": "Software",
                "number_of_employees": 800,
                "email": "dana.reyes@northwind.example",
                "lead_source": "Web",
            },
            status="Open - Not Contacted",
            owner_id=MARKETING,
            is_converted=False,
            created_at=ny(2, 10),
        ),
        activities=[],
        routing=RoutingState(),
    )

    # 1. Created: first seen, fit-only score written; not yet an MQL (65 < 80).
    created = org.cycle(ny(2, 10))
    assert created.field_changes == {
        "score": 65,
        "grade": "A",
        "score_reason": "+30 VP title, +20 software industry, +15 200-5000 employees",
    }
    assert tasks(created) == ()
    assert ledger(created) == [
        (LedgerKind.TRANSITION, None, "new", "first seen with Status 'Open - Not Contacted'"),
        (LedgerKind.SCORE, None, 65, "score 65 (fit 65, engagement 0, grade A): first score"),
    ]
    assert created.policy_version == policy.version
    assert all(e.policy_version == policy.version for e in created.ledger)

    # 2. Engaged: a demo request makes it an MQL, handed to Ana with a 1-business-hour SLA.
    org.activities.append(
        Activity(
            "00T000000000DEMAAA",
            LEAD_ID,
            ActivityKind.TASK,
            ny(3, 9, 30),
            owner_id=MARKETING,
            type="Form Fill",
            subject="Demo request",
        )
    )
    mql = org.cycle(ny(3, 10))
    assert mql.field_changes == {
        "score": 95,
        "score_reason": BASE_REASON,
        "owner": ANA,
        "status": "MQL",
        "sla_due": ny(3, 11),
    }
    assert tasks(mql) == (
        TaskToCreate(
            owner_id=ANA,
            who_id=LEAD_ID,
            subject="New MQL — follow up by Tue 03 Nov 2026 11:00 EST",
            description=f"Score 95 (grade A): {BASE_REASON}",
            due=ny(3, 11),
            idempotency_key=f"{LEAD_ID}:handoff:1",
        ),
    )
    assert ledger(mql) == [
        (LedgerKind.TRANSITION, "new", "mql", "daemon: score 95 >= 80 and fit 65 >= 40"),
        (LedgerKind.ASSIGNMENT, MARKETING, ANA, "handoff: Ana Silva by rule 'Inbound'"),
        (
            LedgerKind.SLA,
            None,
            ny(3, 11),
            "first follow-up due 2026-11-03T17:00:00+01:00 (grade A: 1h business time)",
        ),
        (LedgerKind.SCORE, 65.0, 95, "score 95 (fit 65, engagement 30, grade A): changed by +30"),
    ]
    assert org.lead.state.stage is Stage.MQL

    # 3. Ana does not follow up by 11:00: flagged, her manager alerted, Ben takes over.
    breach = org.cycle(ny(3, 12))
    assert breach.field_changes == {"owner": BEN, "sla_due": ny(3, 13)}
    assert tasks(breach) == (
        TaskToCreate(
            owner_id=MAYA,
            who_id=LEAD_ID,
            subject="SLA breached: follow-up on Dana Reyes was due Tue 03 Nov 2026 11:00 EST",
            description=f"Owner Ana Silva has not followed up. Score 95: {BASE_REASON}",
            due=None,
            idempotency_key=f"{LEAD_ID}:sla-breach:1",
        ),
        TaskToCreate(
            owner_id=BEN,
            who_id=LEAD_ID,
            subject="Reassigned: SLA breached — follow up by Tue 03 Nov 2026 13:00 EST",
            description=f"Score 95 (grade A): {BASE_REASON}",
            due=ny(3, 13),
            idempotency_key=f"{LEAD_ID}:handoff:2",
        ),
    )
    assert ledger(breach) == [
        (
            LedgerKind.SLA,
            ny(3, 11),
            "breached",
            "SLA breached: no follow-up by Ana Silva by 2026-11-03T17:00:00+01:00 "
            "(1h00m business time late)",
        ),
        (LedgerKind.ASSIGNMENT, ANA, BEN, "SLA breached: Ben Okafor by rule 'Inbound'"),
        (
            LedgerKind.SLA,
            ny(3, 11),
            ny(3, 13),
            "first follow-up due 2026-11-03T19:00:00+01:00 (grade A: 1h business time)",
        ),
    ]

    # 4. Ben misses it too: flagged and his manager alerted, but one reassignment is the cap.
    again = org.cycle(ny(3, 14))
    assert again.field_changes == {}
    assert [t.idempotency_key for t in tasks(again)] == [f"{LEAD_ID}:sla-breach:2"]
    assert tasks(again)[0].owner_id == MAYA
    assert ledger(again) == [
        (
            LedgerKind.SLA,
            ny(3, 13),
            "breached",
            "SLA breached: no follow-up by Ben Okafor by 2026-11-03T19:00:00+01:00 "
            "(1h00m business time late)",
        ),
    ]
    assert "not reassigned: already reassigned 1 time(s) (max 1)" in again.reasons
    assert org.cycle(ny(3, 15)).changes_anything is False  # escalated once per handoff

    # 5. Fourteen days without a touch: recycled to the nurture queue, count 1, SLA cleared.
    recycled = org.cycle(ny(17, 13))
    assert recycled.field_changes == {
        "score": 87,
        "score_reason": f"{BASE_REASON}, -8 decay",
        "owner": NURTURE_Q,
        "status": "Recycled",
        "sla_due": None,
        "recycle_count": 1,
    }
    assert tasks(recycled) == ()
    assert ledger(recycled) == [
        (LedgerKind.RECYCLE, 0, 1, "no owner touch for 14 days (since handoff)"),
        (
            LedgerKind.TRANSITION,
            "mql",
            "recycled",
            "daemon: no owner touch for 14 days (since handoff)",
        ),
        (LedgerKind.ASSIGNMENT, BEN, NURTURE_Q, "recycled: to nurture owner Nurture Queue"),
        (LedgerKind.SLA, ny(3, 13), None, "recycled: SLA cleared"),
        (LedgerKind.SCORE, 95.0, 87, "score 87 (fit 65, engagement 22, grade A): changed by -8"),
    ]

    # 6. Still over the MQL line, but not above its peak and no new engagement: held.
    held = org.cycle(ny(18, 13))
    assert held.field_changes == {}
    assert held.ledger == ()
    assert (
        "over the MQL line but held in recycled: score 86 not above peak 95 "
        "and no engagement since the recycle"
    ) in held.reasons

    # 7. Engaged again: MQL again, and routed past the two reps who let it lapse.
    org.activities.append(
        Activity(
            "00T000000000PRCAAA",
            LEAD_ID,
            ActivityKind.TASK,
            ny(20, 9),
            type="Web Visit",
            subject="Visited pricing",
            url="https://northwind.example/pricing",
        )
    )
    requalified = org.cycle(ny(20, 10))
    reason = f"{BASE_REASON}, -10 decay, +10 pricing page"
    assert requalified.field_changes == {
        "score": 95,
        "score_reason": reason,
        "owner": CLEO,
        "status": "MQL",
        "sla_due": ny(20, 11),
    }
    assert tasks(requalified) == (
        TaskToCreate(
            owner_id=CLEO,
            who_id=LEAD_ID,
            subject="New MQL — follow up by Fri 20 Nov 2026 11:00 EST",
            description=f"Score 95 (grade A): {reason}",
            due=ny(20, 11),
            idempotency_key=f"{LEAD_ID}:handoff:3",
        ),
    )
    assert ledger(requalified) == [
        (
            LedgerKind.TRANSITION,
            "recycled",
            "mql",
            "daemon: score 95 >= 80 and fit 65 >= 40; new engagement on 2026-11-20 since the "
            "recycle",
        ),
        (LedgerKind.ASSIGNMENT, NURTURE_Q, CLEO, "handoff: Cleo Martin by rule 'Inbound'"),
        (
            LedgerKind.SLA,
            None,
            ny(20, 11),
            "first follow-up due 2026-11-20T17:00:00+01:00 (grade A: 1h business time)",
        ),
        (LedgerKind.SCORE, 87.0, 95, "score 95 (fit 65, engagement 30, grade A): changed by +8"),
    ]
    assignment_reasons = requalified.ledger[1].reasons
    assert f"skipped Ana Silva ({ANA}): let this lead lapse before" in assignment_reasons
    assert f"skipped Ben Okafor ({BEN}): let this lead lapse before" in assignment_reasons

    # 8. Cleo calls within 20 minutes and accepts the lead: follow-up time measured.
    org.activities.append(
        Activity(
            "00T000000000CALAAA",
            LEAD_ID,
            ActivityKind.TASK,
            ny(20, 10, 20),
            owner_id=CLEO,
            type="Call",
            subject="Intro call",
        )
    )
    org.person_sets(status="Working - Contacted")
    accepted = org.cycle(ny(20, 10, 30))
    assert accepted.field_changes == {}
    assert ledger(accepted) == [
        (LedgerKind.TRANSITION, "mql", "sal", "person: Status set to 'Working - Contacted'"),
        (
            LedgerKind.SLA,
            None,
            ny(20, 10, 20),
            "first follow-up by Cleo Martin after 0h20m business time (SLA met)",
        ),
    ]

    # 9. Qualified by the rep (decay since is immaterial: nothing written).
    org.person_sets(status="Qualified")
    qualified = org.cycle(ny(23, 11))
    assert qualified.field_changes == {}
    assert ledger(qualified) == [
        (LedgerKind.TRANSITION, "sal", "sql", "person: Status set to 'Qualified'"),
    ]
    assert "score 93 not written: change from 95 is immaterial" in qualified.reasons

    # 10. Converted: recorded, and nothing is written to the now read-only lead.
    org.person_sets(status="Closed - Converted", is_converted=True)
    converted = org.cycle(ny(24, 11))
    assert converted.field_changes == {}
    assert tasks(converted) == ()
    assert ledger(converted) == [
        (LedgerKind.TRANSITION, "sql", "converted", "person: converted"),
    ]

    # Aging: how long the lead spent in each stage, kept with every transition.
    journey = [created, mql, breach, again, recycled, held, requalified, accepted, qualified]
    journey.append(converted)
    aging = [e.reasons[1] for d in journey for e in d.ledger if e.kind is LedgerKind.TRANSITION]
    assert aging == [
        "first stage",
        "after 1d 0h 00m in new",
        "after 14d 3h 00m in mql",
        "after 2d 21h 00m in recycled",
        "after 0d 0h 30m in mql",
        "after 3d 0h 30m in sal",
        "after 1d 0h 00m in sql",
    ]

    final = org.lead
    assert final.owner_id == CLEO
    assert final.recycle_count == 1
    assert final.state.handoff_count == 3
    assert final.state.lapsed_owner_ids == (ANA, BEN)
    assert final.state.follow_up_seconds == 20 * 60  # Cleo's call, in business time
    assert [stage for stage, _ in final.state.stage_history] == [
        "new",
        "mql",
        "recycled",
        "mql",
        "sal",
        "sql",
        "converted",
    ]
