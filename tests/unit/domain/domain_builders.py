"""Builders for domain tests: a compact valid policy, leads, activities and users.

`policy_data()` returns a fresh plain mapping (as YAML would give) so a test can change
one thing and load it; `make_lead(**overrides)` and friends keep tests short.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from syncd.domain.model import Activity, ActivityKind, CampaignResponse, Lead, LeadState, User
from syncd.domain.policy import Policy, load_policy

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")  # "now" in tests is often given here, to catch naive datetimes

ANA = "005000000000ANAAAA"
BEN = "005000000000BENAAA"
CLEO = "005000000000CLEAAA"
MAYA = "005000000000MGRAAA"
NURTURE_Q = "00G000000000NURAAA"
UNASSIGNED_Q = "00G000000000UNQAAA"
LEAD_ID = "00Q000000000TSTAAA"

STATUSES = {
    "new": "Open - Not Contacted",
    "nurture": "Nurture",
    "mql": "MQL",
    "sal": "Working - Contacted",
    "sql": "Qualified",
    "could_not_reach": "Could Not Reach",
    "recycled": "Recycled",
    "disqualified": "Disqualified",
    "converted": "Closed - Converted",
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")

_BASE: dict[str, Any] = {
    "version": "test-1",
    "scoring": {
        "grades": {"A": 60, "B": 40, "C": 20, "D": 0},
        "materiality": {"min_delta": 5, "thresholds": [50]},
        "fit": [
            {"name": "VP title", "when": {"field": "title", "regex": r"(?i)\bvp\b"}, "points": 30},
            {
                "name": "software industry",
                "when": {"field": "industry", "equals": "Software"},
                "points": 20,
            },
            {
                "name": "200-5000 employees",
                "when": {"field": "number_of_employees", "min": 200, "max": 5000},
                "points": 15,
            },
        ],
        "engagement": [
            {
                "name": "demo request",
                "match": {"type": "Form Fill", "subject": "(?i)demo"},
                "points": 30,
                "cap": 30,
            },
            {
                "name": "pricing page",
                "match": {"type": "Web Visit", "url": "/pricing"},
                "points": 10,
                "cap": 20,
            },
        ],
    },
    "lifecycle": {
        "statuses": dict(STATUSES),
        "aliases": {"Closed - Not Converted": "disqualified"},
        "mql": {"min_score": 80, "min_fit": 40},
    },
    "routing": {
        "timezone": "America/New_York",
        "fallback_queue": UNASSIGNED_Q,
        "pools": {"inbound": {"members": [{"user": ANA}, {"user": BEN}, {"user": CLEO}]}},
        "rules": [{"name": "Inbound", "to": {"pool": "inbound"}}],
    },
    "sla": {
        "calendar": {
            "timezone": "America/New_York",
            "hours": dict.fromkeys(WEEKDAYS, "09:00-17:00"),
        },
        "first_response": {"by_grade": {"A": "1h", "B": "4h"}, "default": "1d"},
        "touches": {"types": ["Call", "Email"], "required": 1, "window": "15d"},
        "escalation": {"flag": True, "reassign": True, "manager_task": True},
    },
    "recycle": {
        "nurture_owner": NURTURE_Q,
        "applies_to": ["mql", "sal", "could_not_reach"],
        "no_touch_days": 14,
        "max_recycles": 2,
    },
    "hygiene": {"lead_source_map": {"Web": ["web", "website"], "Partner Referral": ["partner"]}},
}


def policy_data() -> dict[str, Any]:
    """A fresh copy of the base policy mapping, safe to modify."""
    return copy.deepcopy(_BASE)


def make_policy(data: Mapping[str, Any] | None = None) -> Policy:
    return load_policy(data if data is not None else policy_data(), "test.yaml")


def ny(day: int, hour: int, minute: int = 0, *, month: int = 11) -> datetime:
    """A New York wall-clock time in November 2026 (the 2nd is a Monday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def make_lead(**overrides: Any) -> Lead:
    """A VP at an 800-person software company (fit 65, grade A), new and unscored."""
    fields = {
        "first_name": "Dana",
        "last_name": "Reyes",
        "company": "Northwind Traders",
        "title": "VP Engineering",
        "industry": "Software",
        "number_of_employees": 800,
        "email": "dana.reyes@northwind.example",
        "lead_source": "Web",
    }
    fields.update(overrides.pop("fields", {}))
    lead = Lead(
        id=LEAD_ID,
        fields=fields,
        status="Open - Not Contacted",
        owner_id=NURTURE_Q,
        is_converted=False,
        created_at=ny(2, 9),
        state=LeadState(),
    )
    return replace(lead, **overrides)


def activity(
    when: datetime,
    *,
    type: str = "Web Visit",
    subject: str | None = None,
    url: str | None = None,
    owner_id: str | None = None,
    kind: ActivityKind = ActivityKind.TASK,
    who_id: str = LEAD_ID,
    is_deleted: bool = False,
    id: str = "00T000000000ACTAAA",
) -> Activity:
    return Activity(
        id=id,
        who_id=who_id,
        kind=kind,
        activity_date=when,
        owner_id=owner_id,
        type=type,
        subject=subject,
        url=url,
        is_deleted=is_deleted,
    )


def demo_request(when: datetime) -> Activity:
    return activity(when, type="Form Fill", subject="Demo request")


def pricing_visit(when: datetime) -> Activity:
    return activity(when, type="Web Visit", url="https://northwind.example/pricing")


def campaign_response(
    when: datetime, *, campaign_type: str = "Webinar", status: str = "Attended"
) -> CampaignResponse:
    return CampaignResponse(
        id="00v000000000CMPAAA",
        lead_id=LEAD_ID,
        campaign_id="701000000000WEBAAA",
        campaign_name="Q4 Product Webinar",
        campaign_type=campaign_type,
        member_status=status,
        responded=True,
        created_at=when,
    )


def team(**overrides: User) -> dict[str, User]:
    """Three reps managed by Maya, the two queues; override one by id to change it."""
    users = {
        ANA: User(ANA, "Ana Silva", manager_id=MAYA),
        BEN: User(BEN, "Ben Okafor", manager_id=MAYA),
        CLEO: User(CLEO, "Cleo Martin", manager_id=MAYA),
        MAYA: User(MAYA, "Maya Grant"),
        NURTURE_Q: User(NURTURE_Q, "Nurture Queue", is_queue=True),
        UNASSIGNED_Q: User(UNASSIGNED_Q, "Unassigned", is_queue=True),
    }
    users.update(overrides)
    return users
