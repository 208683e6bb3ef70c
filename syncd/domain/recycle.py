"""Recycling: qualified leads that sales let go stale go back to marketing nurture.

A lead in a recycling stage is recycled when its owner has not touched it for N days, when
its working window ended short of the required touches, or when a person marked it
could-not-reach. Recycled leads get the nurture owner and `Recycle_Count__c` + 1; after M
recycles the next one disqualifies instead. Hysteresis: a recycled lead re-qualifies only
with a score above its previous peak or with engagement newer than the recycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.domain.model import LeadState, Stage

__all__ = [
    "RecyclePolicy",
    "found_in_stage",
    "no_touch_deadline",
    "recycle_reason",
    "requalify_reason",
]

_DEFAULT_STAGES = frozenset({Stage.MQL, Stage.SAL, Stage.COULD_NOT_REACH})


@dataclass(frozen=True, slots=True)
class RecyclePolicy:
    nurture_owner: str
    applies_to: frozenset[Stage] = _DEFAULT_STAGES
    no_touch_days: float | None = 14.0
    after_working_window: bool = True
    could_not_reach: bool = True
    max_recycles: int = 3
    requalify_above_peak: bool = True
    requalify_on_new_engagement: bool = True


def found_in_stage(state: LeadState) -> bool:
    """First seen already in this stage (the go-live backlog): syncd never saw it enter it
    nor handed it off, so the lead's whole activity history tells how stale it is."""
    return state.handoff_at is None and len(state.stage_history) == 1


def recycle_reason(
    stage: Stage,
    state: LeadState,
    last_touch_at: datetime | None,
    window_missed: bool,
    now: datetime,
    policy: RecyclePolicy,
) -> str | None:
    """Why this lead should be recycled now, or None.

    "No touch for N days" counts from the last owner touch, or from the handoff (or, for a
    lead syncd never handed off, from when it entered its stage) when there was none. For a
    lead found in its stage at first sight, any owner touch in its history counts (a touch
    20 days old recycles it at once); with none, the clock starts at first sight.
    """
    if stage not in policy.applies_to:
        return None
    if policy.could_not_reach and stage is Stage.COULD_NOT_REACH:
        return "marked could not reach"
    since = _no_touch_since(state, last_touch_at)
    if policy.no_touch_days is not None and since is not None:
        start, what = since
        idle = now - start
        if idle >= timedelta(days=policy.no_touch_days):
            return f"no owner touch for {idle.days} days (since {what})"
    # The working window judges an MQL sales has not accepted yet; once a person accepted
    # or qualified the lead, only their own touches (no_touch_days) can send it back.
    if policy.after_working_window and window_missed and stage is Stage.MQL:
        return "working window ended without the required touches"
    return None


def no_touch_deadline(
    stage: Stage, state: LeadState, last_touch_at: datetime | None, policy: RecyclePolicy
) -> datetime | None:
    """When "no owner touch for N days" would recycle this lead if nothing else happens."""
    if stage not in policy.applies_to or policy.no_touch_days is None:
        return None
    since = _no_touch_since(state, last_touch_at)
    return None if since is None else since[0] + timedelta(days=policy.no_touch_days)


def _no_touch_since(
    state: LeadState, last_touch_at: datetime | None
) -> tuple[datetime, str] | None:
    """Where the no-touch clock starts, and what it starts from."""
    # The clock starts at the later of the handoff and the stage entry: a person's move (to
    # SAL, say) is a touch of theirs; a lead first seen in sales' hands has no handoff.
    marks = [t for t in (state.handoff_at, state.stage_entered_at) if t is not None]
    if not marks:
        return None
    start = max(marks)
    entered_last = start == state.stage_entered_at != state.handoff_at
    touched = last_touch_at is not None and (found_in_stage(state) or last_touch_at >= start)
    if touched and last_touch_at is not None:
        return last_touch_at, "last owner touch"
    return start, "stage entry" if entered_last else "handoff"


def requalify_reason(
    state: LeadState,
    total: int,
    last_engagement_at: datetime | None,
    policy: RecyclePolicy,
    *,
    since: datetime | None = None,
) -> str | None:
    """Why a lead sales already had may re-qualify over the MQL line, or None (hysteresis).

    New engagement counts after `since` (default: when the lead was recycled).
    """
    if policy.requalify_above_peak and (state.peak_score is None or total > state.peak_score):
        peak = "none" if state.peak_score is None else str(state.peak_score)
        return f"score {total} above previous peak {peak}"
    left_at = since if since is not None else state.recycled_at
    if (
        policy.requalify_on_new_engagement
        and last_engagement_at is not None
        and left_at is not None
        and last_engagement_at > left_at
    ):
        what = "the recycle" if since is None or since == state.recycled_at else "leaving sales"
        return f"new engagement on {last_engagement_at.date().isoformat()} since {what}"
    return None
