"""Why a lead went to a queue, grouped from the reasons routing recorded."""

from __future__ import annotations

import pytest

from syncd.domain.queue_reasons import why_queued

MQL = "score 72 >= 60 and fit 35 >= 30: Unassigned Queue by routing"


@pytest.mark.parametrize(
    ("reasons", "group"),
    [
        (
            [MQL, "rule 'inbound'", "skipped Ava Patel: daily cap reached (25/25 today)",
             "no eligible rep: fallback queue Unassigned Queue"],
            "every eligible rep at the daily cap",
        ),
        (
            [MQL, "rule 'inbound'", "skipped Ben Okafor: open-lead cap reached (60/60 open)",
             "no eligible rep: fallback queue Unassigned Queue"],
            "every eligible rep at the open-lead cap",
        ),
        (
            ["SLA breached: Unassigned Queue", "skipped Ava Patel: daily cap reached (3/3 today)",
             "no eligible rep: fallback queue Unassigned Queue"],
            "SLA breached and every eligible rep at the daily cap",
        ),
        ([MQL, "no routing rule matched: fallback queue Unassigned Queue"],
         "no routing rule matched"),
        ([MQL, "rule 'emea': no territory for this lead's location",
          "no routing rule matched: fallback queue Unassigned Queue"],
         "no territory for the lead's location"),
        ([MQL, "rule 'partners' (LeadSource = Partner)", "to queue Partner Queue"],
         "a routing rule sends it to the queue"),
    ],
    ids=["daily-cap", "open-cap", "sla-and-cap", "no-rule", "no-territory", "rule-to-queue"],
)  # fmt: skip
def test_each_queue_assignment_is_grouped_by_its_most_specific_cause(
    reasons: list[str], group: str
) -> None:
    assert why_queued(reasons) == group


def test_a_move_to_the_nurture_owner_is_a_recycle_not_a_queued_handoff() -> None:
    assert why_queued(["recycled: to nurture owner Nurture Queue"]) is None
    assert why_queued(["owner Jamie Gray is inactive: to nurture owner"]) is None


def test_reasons_no_group_knows_are_other() -> None:
    assert why_queued([MQL, "something new"]) == "other"
