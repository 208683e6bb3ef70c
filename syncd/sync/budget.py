"""syncd's API budget across runs: what it spent in the last 24 hours (the run records) and
the org's limit as last reported, so a spent share makes no call at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncd.mirror import Mirror
from syncd.salesforce.budget import ApiBudget
from syncd.settings import Settings

__all__ = ["API_LIMIT_KEY", "budget_for", "remember_limit"]

API_LIMIT_KEY = "api.limit"


def budget_for(settings: Settings, mirror: Mirror | None) -> ApiBudget:
    """syncd's share of the org's API limit, knowing what it spent in the last 24 hours and
    the limit the org last reported: a spent share makes no call at all, not even the first."""
    if mirror is None:
        return ApiBudget(settings.api_budget_share)
    history = mirror.api_call_history(datetime.now(UTC) - timedelta(hours=24))
    known = mirror.get_meta(API_LIMIT_KEY).get("max")
    return ApiBudget(
        settings.api_budget_share,
        history=[(at.timestamp(), n) for at, n in history],
        known_max=int(known) if isinstance(known, int | float) else None,
    )


def remember_limit(mirror: Mirror, client: object, now: datetime) -> None:
    """Keep the org's daily limit as it last reported it (the next budget starts from it)."""
    usage = getattr(client, "usage", None)
    if usage is not None:
        mirror.set_meta(API_LIMIT_KEY, {"max": usage.max, "used": usage.used}, now)
