"""Whose value wins when a write syncd queued meets the org's current value.

A pending write was computed from the org value read then (its base). By the time it is sent
a person may have changed the field: a person's change is a fact, so their value stays,
unless the admin declared the output daemon-owned (score, grade, reason...). The rule is
the same for a write queued this cycle, one waiting for a retry, and one left in doubt by a
crash: each is judged against the value just pulled, never re-sent blindly.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Verdict", "judge_pending_write"]


class Verdict(StrEnum):
    SEND = "send"
    ALREADY_THERE = "already_there"  # the org holds our value (it landed before a crash)
    PERSON_WINS = "person_wins"


def judge_pending_write(
    *,
    ours: object,
    base: object,
    has_base: bool,
    current: object,
    daemon_owned: bool,
) -> Verdict:
    """What to do with one pending field write. Values are compared as given: pass them in
    the org's stored form (the caller knows that form)."""
    if current == ours:
        return Verdict.ALREADY_THERE
    if has_base and current != base and not daemon_owned:
        return Verdict.PERSON_WINS
    return Verdict.SEND
