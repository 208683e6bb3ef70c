"""What people and the marketing tool do to the org, as tests and the reps simulation drive it.

``edit_lead`` is a person's edit in the Salesforce UI: it goes through the same validated
path as an API write, so LastModifiedById/LastModifiedDate/SystemModstamp move and
LeadHistory rows are written for tracked fields. ``inject_activity`` is what a
marketing system syncs in: a completed Task of a marketing Type, or a CampaignMember that
responded.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from syncd.simulator.org import Org, Record
from syncd.simulator.schema import TASK_TYPES

#: The ``kind`` that makes ``inject_activity`` add a campaign response instead of a Task.
CAMPAIGN_RESPONSE = "CampaignMember"
_RESPONDED = "Responded"


def edit_lead(org: Org, lead_id: str, *, by: str, **fields: Any) -> Record:
    """Apply a person's edit of ``fields`` (Python values) as user ``by``; the updated lead."""
    org.update("Lead", lead_id, fields, by_user=by, native=True)
    found = org.get("Lead", lead_id)
    if found is None:  # pragma: no cover - update raised already for a missing lead
        raise KeyError(lead_id)
    return found


def marketing_user(org: Org) -> str:
    """The marketing-automation user when the org has one (seeded orgs do), else integration."""
    seed = importlib.import_module("syncd.simulator.seed")
    with org.lock:
        for user in org.table("User").values():
            if user.get("Username") == seed.MARKETING_AUTOMATION_USERNAME:
                return str(user["Id"])
    return org.integration_user_id


def inject_activity(
    org: Org,
    lead_id: str,
    kind: str,
    at: datetime | None = None,
    *,
    by: str | None = None,
    campaign_id: str | None = None,
) -> str:
    """Create the activity a marketing system would record on ``lead_id``; its id.

    ``kind`` is a Task Type ("Pricing Page Visit", "Demo View"...) or ``CampaignMember``
    for a campaign response (on ``campaign_id``, else the newest campaign). ``at`` is when
    it happened: the marketing tool sets CreatedDate with "Set Audit Fields upon Record
    Creation", while SystemModstamp stays the moment the org received it.
    """
    author = by or marketing_user(org)
    moment = at or org.now()
    with org.lock:
        if kind == CAMPAIGN_RESPONSE:
            new_id = org.create(
                "CampaignMember",
                {
                    "CampaignId": campaign_id or _newest_campaign(org, author),
                    "LeadId": lead_id,
                    "Status": _RESPONDED,
                },
                by_user=author,
            )
            sobject = "CampaignMember"
        else:
            if kind not in TASK_TYPES:
                raise ValueError(
                    f"unknown activity kind {kind!r}: a Task Type or {CAMPAIGN_RESPONSE}"
                )
            new_id = org.create(
                "Task",
                {
                    "WhoId": lead_id,
                    "Subject": kind,
                    "Type": kind,
                    "Status": "Completed",
                    "ActivityDate": moment.date(),
                    "OwnerId": author,
                },
                by_user=author,
            )
            sobject = "Task"
        if at is not None:
            org.table(sobject)[new_id]["CreatedDate"] = at.replace(microsecond=0)
    return new_id


def _newest_campaign(org: Org, author: str) -> str:
    campaigns = [c for c in org.table("Campaign").values() if not c.get("IsDeleted")]
    if campaigns:
        return str(max(campaigns, key=lambda c: c["CreatedDate"])["Id"])
    return org.create(
        "Campaign",
        {"Name": "Simulated Campaign", "IsActive": True, "Status": "In Progress"},
        by_user=author,
    )
