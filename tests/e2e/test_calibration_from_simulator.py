"""Calibration end to end: the simulator seeds leads whose records carry known scoring rules
and whose outcomes follow known true weights; `syncd sync --once` scores them, the reps
play the outcomes (accepted, qualified, converted; or could-not-reach, disqualified, left),
a second cycle reads those moves, and `syncd calibrate` must rank the rules in the true
order of their weights and propose points closer to them. Both mirror backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_runner import run_syncd
from syncd_e2e import MAPPINGS, cycle, settings_for

from syncd.config import load_config
from syncd.simulator.outcomes import PRESETS
from syncd.simulator.seed import OutcomeSeed
from syncd.simulator.server import SimulatorHandle, start_simulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TRUTH = OutcomeSeed(weights=PRESETS["default"])
LEADS = 4_000
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday afternoon


@pytest.fixture
def calibration_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorHandle]:
    with start_simulator(leads=LEADS, seed=21, now=T0, outcomes=TRUTH) as handle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.ca_bundle)
        yield handle


def test_calibrate_on_simulated_outcomes_finds_the_true_order_of_the_weights(
    calibration_org: SimulatorHandle, database_url: str, tmp_path: Path
) -> None:
    org = calibration_org
    settings = settings_for(org, database_url)
    cycle(settings, org)  # every lead scored, the best handed to sales
    # The reps work the leads a day or so later: due outcomes are played on the next tick.
    org.admin.advance_clock(TRUTH.delay * 2 + timedelta(hours=1))
    assert org.sim.reps_tick is not None
    played = org.sim.reps_tick(org.org)
    assert played["outcomes_played"] == LEADS
    assert played["pending"] == 0
    assert played["failed"] == 0
    cycle(settings, org)  # the reps' moves land in the mirror as stage entries

    out = tmp_path / "calibration"
    env = {"SYNCD_DATABASE_URL": database_url, "SYNCD_MAPPINGS_DIR": str(MAPPINGS)}
    since = (T0 - timedelta(days=1)).date().isoformat()
    result = run_syncd("calibrate", "--since", since, "--out", str(out), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"calibration: {LEADS} scored leads" in result.stdout

    rules = json.loads((out / "calibration.json").read_text())["tables"]["rules"]
    # Only the weighted rules are in the data, so only they are judged, in their true order.
    assert [r["rule"] for r in rules] == sorted(TRUTH.weights, key=lambda r: -TRUTH.weights[r])
    config = load_config(MAPPINGS)
    policy = [*config.policy.scoring.fit_rules, *config.policy.scoring.engagement_rules]
    points = {r.name: float(r.points) for r in policy if r.name in TRUTH.weights}
    scale = sum(abs(p) for p in points.values()) / sum(abs(w) for w in TRUTH.weights.values())
    for row in rules:
        target = TRUTH.weights[row["rule"]] * scale
        assert row["points now"] == points[row["rule"]]
        assert abs(row["points proposed"] - target) < abs(row["points now"] - target), row
    diff = (out / "policy.diff").read_text()
    assert "+ demo request: points:" in diff
