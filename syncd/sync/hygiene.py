"""`syncd hygiene`: the leads with data-quality flags, as a person fixes them (no API call).

The same flags are written to each lead's Data_Quality__c field; this is the list view of
them from the mirror, with names instead of ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncd.domain.hygiene import data_quality_text
from syncd.mirror import Mirror
from syncd.sync.plan import lead_name

__all__ = ["FlaggedLead", "flagged_leads"]


@dataclass(frozen=True, slots=True)
class FlaggedLead:
    lead_id: str
    name: str
    owner: str
    email: str | None
    flags: tuple[str, ...]
    shown: str  # what Data_Quality__c says


def flagged_leads(mirror: Mirror) -> list[FlaggedLead]:
    flagged = mirror.hygiene_flagged()
    attrs = mirror.lead_attributes(lead_id for lead_id, _ in flagged)
    users = mirror.org_context().users
    out = []
    for lead_id, flags in flagged:
        lead = attrs.get(lead_id, {})
        owner_id = str(lead.get("owner_id") or "")
        owner = users.get(owner_id)
        email = lead.get("email")
        out.append(
            FlaggedLead(
                lead_id,
                lead_name(lead, lead_id),
                (owner.name if owner is not None and owner.name else owner_id) or "nobody",
                None if email is None else str(email),
                flags,
                data_quality_text(flags, email) or "",
            )
        )
    return out
