"""A plan: every change a cycle would write, grouped so people can read and approve it.

Pure values and arithmetic: what kind of change a field write is, each owner's open-lead
load after the plan, and the API calls writing it would cost. The orchestration
(`syncd.sync.plan`) fills a plan from a dry-run cycle; `syncd.ops.plan_files` saves it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from syncd.domain.outputs import Output

__all__ = [
    "BULK_JOB_CALLS",
    "COLLECTION_SIZE",
    "KIND_ORDER",
    "ChangeKind",
    "FieldChange",
    "OwnerLoad",
    "Plan",
    "TaskCreate",
    "change_kind",
    "owner_loads",
    "write_calls",
]

COLLECTION_SIZE = 200  # records per sObject Collections call (Salesforce's limit)
# A Bulk API 2.0 ingest job: create, upload, close, one status poll, failed-results read.
BULK_JOB_CALLS = 5


class ChangeKind(StrEnum):
    HANDOFF = "handoff"  # a new owner who is a person
    RECYCLE = "recycle"  # back to marketing nurture
    QUEUE = "queue"  # to a queue other than nurture (caps, breaches, no match)
    STATUS = "status"
    SLA = "sla"
    SCORE = "score"  # score, grade and reason refreshes
    OTHER = "other"


#: The order a reader meets them in: people's leads first, score refreshes last.
KIND_ORDER = tuple(ChangeKind)


def change_kind(output: str, new_value: Any, *, queues: frozenset[str], nurture: str) -> ChangeKind:
    """What a field write means for people (``queues``: ids of queue owners)."""
    if output == Output.OWNER:
        if new_value == nurture:
            return ChangeKind.RECYCLE
        return ChangeKind.QUEUE if new_value in queues else ChangeKind.HANDOFF
    if output == Output.RECYCLE_COUNT:
        return ChangeKind.RECYCLE
    if output == Output.STATUS:
        return ChangeKind.STATUS
    if output == Output.SLA_DUE:
        return ChangeKind.SLA
    if output in (Output.SCORE, Output.GRADE, Output.SCORE_REASON):
        return ChangeKind.SCORE
    return ChangeKind.OTHER


@dataclass(frozen=True, slots=True)
class FieldChange:
    lead_id: str
    lead_name: str
    field: str
    output: str
    old: Any
    new: Any
    reason: str
    kind: ChangeKind
    old_label: str = ""  # owner names for owner changes, else empty
    new_label: str = ""


@dataclass(frozen=True, slots=True)
class TaskCreate:
    lead_id: str
    lead_name: str
    owner_id: str
    owner_name: str
    subject: str
    key: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OwnerLoad:
    owner_id: str
    name: str
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything `syncd apply` needs, and everything a reviewer wants to see."""

    made_at: str
    policy_version: str
    run_id: str
    changes: tuple[FieldChange, ...]
    tasks: tuple[TaskCreate, ...]
    loads: tuple[OwnerLoad, ...]
    # lead id -> the org's SystemModstamp when the plan was made (apply refuses moved leads)
    snapshot: Mapping[str, str | None]
    api_calls: int
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def leads(self) -> set[str]:
        return {c.lead_id for c in self.changes} | {t.lead_id for t in self.tasks}

    def recycled(self) -> list[str]:
        return sorted({c.lead_id for c in self.changes if c.kind is ChangeKind.RECYCLE})


def owner_loads(
    current: Mapping[str, int],
    moves: Iterable[tuple[str | None, str]],
    names: Mapping[str, str],
) -> list[OwnerLoad]:
    """Open leads per owner before and after ``moves`` ((old owner, new owner) per lead)."""
    after = dict(current)
    touched: set[str] = set()
    for old, new in moves:
        if old is not None and old in after:
            after[old] -= 1
            touched.add(old)
        after[new] = after.get(new, 0) + 1
        touched.add(new)
    return sorted(
        (OwnerLoad(o, names.get(o, o), current.get(o, 0), after[o]) for o in touched),
        key=lambda load: (-load.after, load.name),
    )


def write_calls(records: int, tasks: int, *, bulk_threshold: int) -> int:
    """API calls to send ``records`` updates and create ``tasks`` (as the writeback does)."""
    updates = BULK_JOB_CALLS if records > bulk_threshold else math.ceil(records / COLLECTION_SIZE)
    return updates + math.ceil(tasks / COLLECTION_SIZE)
