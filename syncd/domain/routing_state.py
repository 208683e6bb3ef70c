"""Round-robin state carried from one cycle to the next (who was picked last in each pool,
today's counts against caps, open leads per owner) and the `Assignment` a route returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syncd.domain.geo import canonical_id


def _counts(raw: object, what: str) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise TypeError(f"routing state: {what} must be a mapping")
    result: dict[str, int] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"routing state: {what}[{key!r}] must be an integer")
        result[str(key)] = value
    return result


@dataclass(frozen=True)
class RoutingState:
    """Round-robin credits and cap counters, carried from one assignment to the next.

    `credits[pool][user]` is smooth weighted round robin's current weight (nginx's
    algorithm); `assigned_today` counts assignments per rep on local day `day`;
    `open_leads` starts from the mirror's open-lead counts (`with_open_leads`) and grows
    as leads are assigned. The mappings are never mutated: every change makes a new state.
    """

    credits: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    day: str | None = None
    assigned_today: Mapping[str, int] = field(default_factory=dict)
    open_leads: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe plain data for the mirror."""
        return {
            "version": 1,
            "credits": {pool: dict(c) for pool, c in self.credits.items()},
            "day": self.day,
            "assigned_today": dict(self.assigned_today),
            "open_leads": dict(self.open_leads),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RoutingState:
        """Inverse of `to_dict`; raises TypeError on malformed data."""
        raw_credits = data.get("credits") or {}
        if not isinstance(raw_credits, Mapping):
            raise TypeError("routing state: credits must be a mapping")
        day = data.get("day")
        if day is not None and not isinstance(day, str):
            raise TypeError("routing state: day must be an ISO date or null")
        return cls(
            credits={
                str(pool): _counts(c, f"credits[{pool!r}]") for pool, c in raw_credits.items()
            },
            day=day,
            assigned_today=_counts(data.get("assigned_today"), "assigned_today"),
            open_leads=_counts(data.get("open_leads"), "open_leads"),
        )

    def with_open_leads(self, counts: Mapping[str, int]) -> RoutingState:
        """The same state with open-lead counts per owner as the mirror sees them now."""
        return RoutingState(
            self.credits,
            self.day,
            self.assigned_today,
            {canonical_id(k): v for k, v in counts.items()},
        )

    def _on_day(self, day: str) -> RoutingState:
        if self.day == day:
            return self
        return RoutingState(self.credits, day, {}, self.open_leads)

    def _record(
        self, user_id: str, pool: str | None, credits: Mapping[str, int] | None
    ) -> RoutingState:
        new_credits = dict(self.credits)
        if pool is not None and credits is not None:
            new_credits[pool] = credits
        assigned = dict(self.assigned_today)
        assigned[user_id] = assigned.get(user_id, 0) + 1
        open_leads = dict(self.open_leads)
        open_leads[user_id] = open_leads.get(user_id, 0) + 1
        return RoutingState(new_credits, self.day, assigned, open_leads)

    def _release(self, user_id: str) -> RoutingState:
        if self.open_leads.get(user_id, 0) <= 0:
            return self
        open_leads = dict(self.open_leads)
        open_leads[user_id] -= 1
        return RoutingState(self.credits, self.day, self.assigned_today, open_leads)


@dataclass(frozen=True)
class Assignment:
    """Who owns the lead now and why. `fallback` is true when it went to a fallback queue
    because no one was eligible or no rule matched; `rule_name` is None when no rule
    matched. Pass `state` to the next assignment."""

    owner_id: str
    rule_name: str | None
    reasons: tuple[str, ...]
    state: RoutingState
    fallback: bool
