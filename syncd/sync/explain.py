"""`syncd explain`: a lead's ledger from the mirror, explained by the domain, with names.

No API call: everything comes from the mirror (the ledger, the lead's name, owners' names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from syncd.domain.explain import Explanation, explain
from syncd.mirror import Mirror
from syncd.sync.plan import lead_name

__all__ = ["LeadExplanation", "explain_lead"]


@dataclass(frozen=True, slots=True)
class LeadExplanation:
    explanation: Explanation
    lead_name: str
    names: Mapping[str, str]  # owner id -> name, for every owner the history mentions

    def who(self, owner_id: object) -> str:
        return self.names.get(str(owner_id), str(owner_id)) if owner_id else "nobody"


def explain_lead(mirror: Mirror, lead_id: str, as_of: datetime) -> LeadExplanation | None:
    """The lead as syncd saw it at ``as_of``; None when the mirror has never seen it."""
    attrs = mirror.lead_attributes([lead_id]).get(lead_id)
    decisions = mirror.history(lead_id, until=as_of)
    if attrs is None and not decisions:
        return None
    users = mirror.org_context().users
    return LeadExplanation(
        explanation=explain(lead_id, decisions, as_of),
        lead_name=lead_name(attrs, lead_id),
        names={uid: user.name or uid for uid, user in users.items()},
    )
