"""`syncd explain --as-of`: a past score and its reasons, exactly as they were, from the
ledger, after the clock moved on and the lead was rescored. Both mirror backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from syncd_e2e import cycle, settings_for

from syncd.cli.explain_cmds import as_json, as_text
from syncd.mirror import Mirror
from syncd.simulator.server import SimulatorHandle
from syncd.sync.explain import explain_lead

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday afternoon


def test_explain_as_of_reproduces_the_earlier_score_and_reasons_after_a_rescore(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    with time_machine.travel(T0, tick=True):
        cycle(settings, org)
    with time_machine.travel(T0 + timedelta(days=20), tick=True):
        cycle(settings, org)  # a day later is a full rescore: decay moves scores
    mirror = Mirror.open(settings.database_url)
    try:
        rescored = [
            lead_id
            for lead_id in sorted(mirror.live_lead_ids())
            if len([d for d in mirror.history(lead_id) if d.kind == "score"]) >= 2
        ]
        assert rescored, "no lead was rescored after 20 days of decay"
        lead_id = rescored[0]
        first_score = next(d for d in mirror.history(lead_id) if d.kind == "score")
        then = explain_lead(mirror, lead_id, T0 + timedelta(hours=1))
        later = explain_lead(mirror, lead_id, T0 + timedelta(days=21))
    finally:
        mirror.close()

    assert then is not None
    assert later is not None
    assert then.explanation.score is not None
    assert later.explanation.score is not None
    assert then.explanation.score.score == first_score.after["value"]
    assert (then.explanation.score.headline, *then.explanation.score.rules) == first_score.reasons
    assert later.explanation.score.score != then.explanation.score.score
    assert as_json(then)["score"]["rules"] == list(first_score.reasons[1:])
    assert first_score.reasons[0] in as_text(then)


def test_explain_shows_stages_with_aging_and_owners_by_name(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    first = cycle(settings, org)
    assert first.evaluation.handoffs_by_owner
    mirror = Mirror.open(settings.database_url)
    try:
        handed = next(
            lead_id
            for lead_id in sorted(mirror.live_lead_ids())
            if any(d.kind == "assignment" for d in mirror.history(lead_id))
        )
        # The simulator's clock counts whole seconds; the cycle stamped its decisions finer.
        found = explain_lead(mirror, handed, org.org.now() + timedelta(seconds=1))
    finally:
        mirror.close()
    assert found is not None
    doc = as_json(found)
    assert doc["stages"]
    assert doc["stages"][-1]["left_at"] is None
    assert doc["owners"][-1]["after_name"] in first.evaluation.handoffs_by_owner
    assert doc["owners"][-1]["reasons"]
