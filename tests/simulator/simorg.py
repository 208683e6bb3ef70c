"""Helpers for the simulator tests: a small, realistic org and clients for it over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import requests
from simple_salesforce import Salesforce

from syncd.simulator.org import Org, SimClock
from syncd.simulator.server import SimulatorHandle, start_simulator

# A fixed, timezone-aware "now" so data and windows are reproducible.
NOW = datetime(2026, 11, 20, 15, 30, 0, tzinfo=UTC)

_FIRST = ["Maria", "James", "Aiko", "Priya", "Lukas", "Chen", "Fatima", "Olu", "Sofia", "Noah"]
_LAST = ["Garcia", "Smith", "Tanaka", "Patel", "Müller", "Wang", "Haddad", "Adeyemi", "Rossi"]
_COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Foods"]
_TITLES = ["VP Marketing", "Head of Sales", "CTO", "Marketing Manager", "Director of IT", "CFO"]
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_STATUSES = ["Open - Not Contacted", "Working - Contacted", "MQL", "Nurture", "Sales Accepted"]


@dataclass(frozen=True)
class OrgIds:
    """Ids of the named records every minimal org holds."""

    rep: str
    second_rep: str
    inactive_rep: str
    unassigned_queue: str
    nurture_queue: str
    leads: list[str]
    converted_lead: str
    merged_master: str
    merged_loser: str
    deleted_lead: str

    @property
    def live_leads(self) -> int:
        """Leads a plain query sees: the ordinary ones, the converted one and the merge master."""
        return len(self.leads) + 2


def build_minimal_org(leads: int, *, now: datetime = NOW) -> tuple[Org, OrgIds]:
    """An org with reps (one inactive), queues, ``leads`` leads and the lifecycle corner cases."""
    org = Org(clock=SimClock(now))
    reps = org.load(
        "User",
        [
            {"Username": "dana.rep@example.com", "FirstName": "Dana", "LastName": "Reyes",
             "Email": "dana.rep@example.com", "IsActive": True, "Department": "Sales",
             "Title": "Account Executive", "TimeZoneSidKey": "America/New_York"},
            {"Username": "li.rep@example.com", "FirstName": "Li", "LastName": "Wei",
             "Email": "li.rep@example.com", "IsActive": True, "Department": "Sales",
             "Title": "SDR", "TimeZoneSidKey": "Europe/London"},
            {"Username": "gone.rep@example.com", "FirstName": "Sam", "LastName": "Gone",
             "Email": "gone.rep@example.com", "IsActive": False, "Department": "Sales",
             "Title": "SDR", "TimeZoneSidKey": "America/Chicago"},
        ],
    )  # fmt: skip
    queues = org.load(
        "Group",
        [
            {"Name": "Unassigned", "DeveloperName": "Unassigned", "Type": "Queue"},
            {"Name": "Marketing Nurture", "DeveloperName": "Marketing_Nurture", "Type": "Queue"},
        ],
    )
    created = now - timedelta(days=20)
    rows = [
        {
            "FirstName": _FIRST[i % len(_FIRST)],
            "LastName": f"{_LAST[i % len(_LAST)]}-{i}",
            "Company": _COMPANIES[i % len(_COMPANIES)],
            "Title": _TITLES[i % len(_TITLES)],
            "Email": f"lead{i}@example.com",
            "Industry": "Technology" if i % 3 else "Healthcare",
            "LeadSource": "Web" if i % 4 else "web-form",
            "Status": _STATUSES[i % len(_STATUSES)],
            "NumberOfEmployees": 50 + i % 900,
            "AnnualRevenue": 1_000_000.0 + i * 1000,
            "Country": "United States",
            "OwnerId": reps[i % 2],
            "CreatedDate": created + timedelta(minutes=i),
            "SystemModstamp": created + timedelta(minutes=i),
        }
        for i in range(leads)
    ]
    lead_ids = org.load("Lead", rows)
    org.load(
        "Task",
        [
            {"WhoId": lead_ids[i], "Subject": "Visited pricing page", "Type": "Pricing Page Visit",
             "Status": "Completed", "ActivityDate": date(2026, 11, 1) + timedelta(days=i % 10),
             "OwnerId": reps[0]}
            for i in range(min(leads, 50))
        ],
    )  # fmt: skip
    org.load(
        "BusinessHours",
        [
            {"Name": "Default", "IsActive": True, "IsDefault": True,
             "TimeZoneSidKey": "America/New_York",
             **{f"{d}StartTime": time(9) for d in _WEEKDAYS},
             **{f"{d}EndTime": time(17) for d in _WEEKDAYS}},
        ],
    )  # fmt: skip
    converted, master, loser, deleted = lead_ids[-4:]
    org.convert_lead(converted, opportunity_amount=25_000.0, won=True, by_user=reps[0])
    org.merge_leads(master, [loser], by_user=reps[0])
    org.delete("Lead", deleted, by_user=reps[1])
    ids = OrgIds(
        rep=reps[0],
        second_rep=reps[1],
        inactive_rep=reps[2],
        unassigned_queue=queues[0],
        nurture_queue=queues[1],
        leads=lead_ids[:-4],
        converted_lead=converted,
        merged_master=master,
        merged_loser=loser,
        deleted_lead=deleted,
    )
    return org, ids


def client_session(handle: SimulatorHandle) -> requests.Session:
    """A requests session that trusts only the simulator's throwaway CA."""
    return handle.session()


def salesforce_client(handle: SimulatorHandle, session: requests.Session) -> Salesforce:
    return Salesforce(
        instance_url=handle.instance_url, session_id=handle.access_token, session=session
    )


@dataclass
class Served:
    handle: SimulatorHandle
    ids: OrgIds
    http: requests.Session
    sf: Salesforce

    @property
    def base(self) -> str:
        return f"{self.handle.instance_url}/services/data/v59.0"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.handle.access_token}"}


def serve(leads: int, **options: object) -> Iterator[Served]:
    org, ids = build_minimal_org(leads)
    with start_simulator(org=org, **options) as handle:  # type: ignore[arg-type]
        session = client_session(handle)
        try:
            yield Served(handle, ids, session, salesforce_client(handle, session))
        finally:
            session.close()
