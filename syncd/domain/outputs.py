"""The outputs syncd writes back to a lead, named once.

The engine keys its field changes by `Output`; the Salesforce field each one is written to
is looked up once, at writeback, from fields.yaml (`objects.Lead.writeback`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["URGENT_OUTPUTS", "Output"]


class Output(StrEnum):
    OWNER = "owner"
    STATUS = "status"
    SCORE = "score"
    GRADE = "grade"
    SCORE_REASON = "score_reason"
    SLA_DUE = "sla_due"
    RECYCLE_COUNT = "recycle_count"
    LEAD_SOURCE = "lead_source"
    LEAD_SOURCE_DETAIL = "lead_source_detail"
    DATA_QUALITY = "data_quality"


#: Written first when the API budget is short: who owns the lead and by when they must act
#: matter now; a score-only refresh can wait for the next cycle.
URGENT_OUTPUTS: frozenset[Output] = frozenset(
    {Output.OWNER, Output.STATUS, Output.SLA_DUE, Output.RECYCLE_COUNT}
)
