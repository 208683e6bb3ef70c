"""Why a lead went to a queue instead of a rep, in a few words a sales-ops person groups by.

Read from the reasons routing recorded with the assignment (`syncd.domain.routing`), most
specific first: a cap is why nobody was eligible even though a rule matched.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["why_queued"]

# (what the recorded reasons say, the group it belongs to), most specific first.
_GROUPS = (
    ("daily cap reached", "every eligible rep at the daily cap"),
    ("open-lead cap reached", "every eligible rep at the open-lead cap"),
    ("let this lead lapse before", "only reps who let the lead lapse before"),
    ("no territory for this lead's location", "no territory for the lead's location"),
    ("no routing rule matched", "no routing rule matched"),
    ("inactive", "rep inactive or away"),
    ("away", "rep inactive or away"),
    ("to queue ", "a routing rule sends it to the queue"),
)


def why_queued(reasons: Sequence[str]) -> str | None:
    """The group of a queue assignment's reasons (``"other"`` when none applies); None for a
    move to the nurture owner, which is a recycle, not a handoff."""
    text = " | ".join(reasons)
    first = reasons[0] if reasons else ""
    if "to nurture owner" in first:
        return None
    for needle, group in _GROUPS:
        if needle in text:
            if "SLA" in first and group.startswith("every eligible rep"):
                return f"SLA breached and {group}"
            return group
    if "SLA" in first:
        return "SLA breached, nobody else eligible"
    return "other"
