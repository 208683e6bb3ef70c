"""The org's write log: every create, update and delete it accepted, in order.

A test compares it with what a client meant to write (``syncd apply`` against its plan
file): which records, which fields and values, by whom and when. Seed data loaded with
``Org.load`` and the platform's own bookkeeping (history rows, system fields) are not
writes; writes rolled back by ``allOrNone`` are removed again.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from syncd.simulator.values import to_json

Op = Literal["create", "update", "delete"]


@dataclass(frozen=True, slots=True)
class Write:
    """One accepted write: ``fields`` are the values sent (normalised as stored),
    ``changed`` the names among them whose stored value really changed."""

    sobject: str
    op: Op
    id: str
    fields: Mapping[str, Any]
    changed: tuple[str, ...]
    by: str
    at: datetime
    sequence: int = field(default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "object": self.sobject,
            "op": self.op,
            "id": self.id,
            "fields": {k: to_json(v) for k, v in self.fields.items()},
            "changed": list(self.changed),
            "by": self.by,
            "at": to_json(self.at),
        }


class WriteLog:
    """Append-only (except for rollbacks and resets) and thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writes: list[Write] = []
        self._sequence = 0

    def record(
        self,
        sobject: str,
        op: Op,
        record_id: str,
        fields: Mapping[str, Any],
        changed: tuple[str, ...],
        *,
        by: str,
        at: datetime,
    ) -> None:
        with self._lock:
            self._sequence += 1
            self._writes.append(
                Write(sobject, op, record_id, dict(fields), changed, by, at, self._sequence)
            )

    def mark(self) -> int:
        """A position to ``truncate`` back to (the start of an all-or-none request)."""
        with self._lock:
            return len(self._writes)

    def truncate(self, mark: int) -> None:
        with self._lock:
            del self._writes[mark:]

    def reset(self) -> None:
        with self._lock:
            self._writes.clear()

    def writes(
        self, *, sobject: str | None = None, by: str | None = None, op: Op | None = None
    ) -> list[Write]:
        """The accepted writes, oldest first, optionally only of one object, user or kind."""
        with self._lock:
            found = list(self._writes)
        return [
            w
            for w in found
            if (sobject is None or w.sobject == sobject)
            and (by is None or w.by == by)
            and (op is None or w.op == op)
        ]

    def counts(self, *, by: str | None = None) -> dict[str, dict[str, int]]:
        """Per object, how many creates, updates and deletes were accepted."""
        tally: dict[str, Counter[str]] = {}
        for w in self.writes(by=by):
            tally.setdefault(w.sobject, Counter())[w.op] += 1
        return {name: dict(ops) for name, ops in sorted(tally.items())}
