"""The local SQL mirror (SQLAlchemy 2): the org's records, syncd's state, outbox, ledger, runs.

`Mirror` is the port the orchestration uses; the modules beside it own one concern each:
`records` (upserts, watermarks), `reads` (rows into domain values), `outbox` (pending
writes and their state machine), `ledger` (decisions), `state` (lead state, routing),
`runs` (run records and events).
"""

from syncd.mirror.mirror import EvaluationBatch, Mirror, OrgContext
from syncd.mirror.outbox import OutboxItem, OutboxState, Settled

__all__ = ["EvaluationBatch", "Mirror", "OrgContext", "OutboxItem", "OutboxState", "Settled"]
