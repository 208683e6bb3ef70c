"""`syncd whatif`: replay the mirror under the current policy and another one; no API call.

Orchestration only: the mirror supplies each lead's values, activities and responses;
the engine decides each lead twice from a blank state at the same moment (so nothing but
the policy differs, not even syncd's own history); the domain compares the outcomes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from syncd.config import Config, ConfigurationError
from syncd.config.fields import ObjectMapping
from syncd.config.policy_file import read_policy
from syncd.domain import engine
from syncd.domain.model import LeadState
from syncd.domain.owners import resolve_owners
from syncd.domain.policy import Policy
from syncd.domain.routing_state import RoutingState
from syncd.domain.whatif import Outcome, WhatIf, compare, outcome_of
from syncd.mirror import Mirror
from syncd.sync.cycle import OwnerProblems

__all__ = ["load_other_policy", "replay", "whatif"]

BATCH = 500


def load_other_policy(path: Path) -> Policy:
    """The policy to compare with (every problem at once, with its line)."""
    policy, problems = read_policy(path.parent, path.name)
    if policy is None:
        raise ConfigurationError(problems)
    return policy


def replay(
    mirror: Mirror,
    mapping: ObjectMapping,
    policy: Policy,
    as_of: datetime,
    *,
    since: date | None = None,
) -> dict[str, Outcome]:
    """Each live lead (arrived on or after ``since``) decided under ``policy`` at ``as_of``."""
    context = mirror.org_context()
    policy, problems = resolve_owners(policy, context.directory)
    if problems:
        raise OwnerProblems([f"{p.path}: {p.message}" for p in problems])
    shared = engine.EvaluationContext(context.duplicate_emails, context.calendar)
    routing = RoutingState()
    outcomes: dict[str, Outcome] = {}
    ids = sorted(mirror.live_lead_ids())
    for start in range(0, len(ids), BATCH):
        inputs = mirror.lead_inputs(ids[start : start + BATCH], mapping)
        for lead_id, lead in sorted(inputs.leads.items()):
            if since is not None and lead.created_at.date() < since:
                continue
            decision = engine.evaluate(
                lead.with_state(LeadState()),
                inputs.activities.get(lead_id, []),
                inputs.responses.get(lead_id, []),
                context.users,
                routing,
                policy,
                as_of,
                context=shared,
            )
            routing = decision.routing_state
            outcomes[lead_id] = outcome_of(lead, decision)
    return outcomes


def whatif(
    mirror: Mirror,
    config: Config,
    other: Policy,
    as_of: datetime,
    *,
    since: date | None = None,
) -> WhatIf:
    """The current policy against ``other`` on the same leads at the same moment."""
    lead = config.mappings.lead
    current = replay(mirror, lead, config.policy, as_of, since=since)
    return compare(current, replay(mirror, lead, other, as_of, since=since), as_of)
