"""The typed policy: one value holding every section's rules, and its version.

`Policy.version` is the declared `version` plus a hash of the parsed content, so two
different policies never share a version even if an admin forgets to bump it, while
comment-only edits keep the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from syncd.domain.hygiene import HygienePolicy
from syncd.domain.lifecycle import LifecyclePolicy
from syncd.domain.recycle import RecyclePolicy
from syncd.domain.reporting.segments import ReportPolicy
from syncd.domain.routing import RoutingPolicy
from syncd.domain.scoring import Scorer, ScoringPolicy
from syncd.domain.sla import SlaPolicy


@dataclass(frozen=True, slots=True)
class Alerts:
    """Task texts. Placeholders: {due} {reasons} {score} {grade} {lead_id} {name} {company}
    {owner} {why} (what happened: "new MQL", "previous owner inactive", "SLA breached"...)."""

    handoff_subject: str = "New MQL — follow up by {due}"
    # A lead given to a new owner for any other reason says why, not "New MQL".
    reassigned_subject: str = "Reassigned: {why} — follow up by {due}"
    handoff_description: str = "Score {score} (grade {grade}): {reasons}"
    breach_subject: str = "SLA breached: follow-up on {name} was due {due}"
    breach_description: str = "Owner {owner} has not followed up. Score {score}: {reasons}"
    due_format: str = "%a %d %b %Y %H:%M %Z"


@dataclass(frozen=True)
class Policy:
    declared_version: str
    content_hash: str
    scoring: ScoringPolicy
    lifecycle: LifecyclePolicy
    routing: RoutingPolicy
    sla: SlaPolicy
    recycle: RecyclePolicy
    hygiene: HygienePolicy
    alerts: Alerts
    report: ReportPolicy = field(default_factory=ReportPolicy)
    # placeholder id -> readable owner reference still to be resolved against the org
    unresolved_owners: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def scorer(self) -> Scorer:
        """The scoring rules compiled once, when the policy is first used."""
        return Scorer(self.scoring)

    @property
    def version(self) -> str:
        """`<declared>+<content hash>`, recorded with every decision."""
        return f"{self.declared_version}+{self.content_hash[:12]}"
