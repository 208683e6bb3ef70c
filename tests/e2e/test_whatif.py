"""`syncd whatif`: a pure replay on the mirror. The same policy changes nothing; a raised MQL
threshold gives fewer MQLs, as many as a direct count on the mirror says. Both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from syncd_e2e import MAPPINGS, cycle, open_mirror, settings_for

from syncd.config import load_config
from syncd.mirror import Mirror
from syncd.mirror import models as m
from syncd.simulator.server import SimulatorHandle
from syncd.sync.whatif import load_other_policy, whatif

pytestmark = pytest.mark.e2e

RAISED = 75


def raised_policy(tmp_path: Path) -> Path:
    text = (MAPPINGS / "policy.yaml").read_text()
    assert "    min_score: 60\n" in text
    other = tmp_path / "stricter.yaml"
    other.write_text(text.replace("    min_score: 60\n", f"    min_score: {RAISED}\n"))
    return other


def test_the_same_policy_changes_no_lead_and_costs_no_api_call(
    org: SimulatorHandle, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    calls = org.admin.api_calls
    config = load_config(MAPPINGS)
    mirror = Mirror.open(settings.database_url)
    try:
        result = whatif(mirror, config, load_other_policy(MAPPINGS / "policy.yaml"), org.org.now())
    finally:
        mirror.close()
    assert result.differences == ()
    assert result.current == result.other
    assert result.current.mqls > 0
    assert org.admin.api_calls == calls


def test_a_raised_mql_threshold_gives_fewer_mqls_matching_a_direct_count(
    org: SimulatorHandle, database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(org, database_url)
    cycle(settings, org)
    config = load_config(MAPPINGS)
    mirror = Mirror.open(settings.database_url)
    try:
        result = whatif(mirror, config, load_other_policy(raised_policy(tmp_path)), org.org.now())
    finally:
        mirror.close()
    with open_mirror(settings) as sessions, sessions() as session:
        mqls = (
            select(func.count())
            .select_from(m.LeadState)
            .join(m.Lead, m.Lead.id == m.LeadState.lead_id)
            .where(m.LeadState.stage == "mql")
        )
        direct_now = session.scalar(mqls)
        # A person's MQL status is a fact: those stay MQLs whatever the threshold. (The
        # mirror's Lead row still holds the org's Status as read, before syncd wrote.)
        direct_raised = session.scalar(
            mqls.where((m.LeadState.score >= RAISED) | (m.Lead.status == "MQL"))
        )

    assert result.other.mqls < result.current.mqls
    assert (result.current.mqls, result.other.mqls) == (direct_now, direct_raised)
    lost = [d for d in result.differences if d.current.mql and not d.other.mql]
    assert len(lost) == result.current.mqls - result.other.mqls
    assert all(d.current.reasons and d.other.reasons for d in lost)
