"""Calibration through the mirror: outcomes drawn from known true rule weights, recorded as
syncd records them (score entries with reasons, stage transitions), judged by the policy's
rules. SQLite and PostgreSQL; the command on SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from report_mirror import build_scored
from test_report_command import MAPPINGS, run_syncd

from syncd.config import Config, load_config
from syncd.mirror import Mirror
from syncd.simulator.seed import OutcomeSeed, seed_outcomes
from syncd.sync.calibrate import NotEnoughOutcomesError, run_calibration

TRUTH = OutcomeSeed(
    weights={
        "demo request": 1.8,
        "C-level title": 1.2,
        "pricing page": 0.7,
        "webinar attended": 0.3,
        "free-mail address": -0.8,
    }
)
START = datetime(2026, 8, 3, 9, tzinfo=UTC)
LEADS = 8_000


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(MAPPINGS)


def _points(config: Config) -> dict[str, float]:
    rules = [*config.policy.scoring.fit_rules, *config.policy.scoring.engagement_rules]
    return {r.name: float(r.points) for r in rules}


def test_calibration_from_the_mirror_ranks_the_rules_in_their_true_order(
    database_url: str, config: Config, tmp_path: Path
) -> None:
    mirror = Mirror.open(database_url)
    points = _points(config)
    build_scored(mirror.engine, seed_outcomes(TRUTH, leads=LEADS, seed=11), points, START)
    result = run_calibration(mirror, config, tmp_path / "cal", since=START - timedelta(days=1))
    mirror.close()
    cal = result.calibration
    assert cal.leads == LEADS
    assert cal.ranking == sorted(TRUTH.weights, key=lambda r: -TRUTH.weights[r])
    judged = {r: points[r] for r in TRUTH.weights}
    scale = sum(abs(v) for v in judged.values()) / sum(abs(w) for w in TRUTH.weights.values())
    for f in cal.findings:
        target = TRUTH.weights[f.rule] * scale
        assert abs(f.proposed - target) < abs(f.current - target), f.rule
    today, same_threshold, proposed = result.effects
    assert today.threshold == config.policy.lifecycle.mql.min_score
    # The proposed threshold keeps at least today's volume (ties on its score add a few).
    assert today.mqls <= proposed.mqls
    assert proposed.threshold != today.threshold
    assert same_threshold.weights == "proposed"
    assert same_threshold.threshold == today.threshold
    assert sum(b.leads for b in result.bands) == LEADS
    assert "+ demo request: points:" in result.files.diff.read_text()


def test_too_few_outcomes_is_a_clear_refusal(
    database_url: str, config: Config, tmp_path: Path
) -> None:
    mirror = Mirror.open(database_url)
    build_scored(mirror.engine, seed_outcomes(TRUTH, leads=20, seed=1), _points(config), START)
    with pytest.raises(NotEnoughOutcomesError, match="20 leads scored since"):
        run_calibration(mirror, config, tmp_path, since=START - timedelta(days=1))
    mirror.close()


def test_syncd_calibrate_writes_the_proposal_and_never_touches_the_policy(
    tmp_path: Path, config: Config
) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    mirror = Mirror.open(url)
    build_scored(mirror.engine, seed_outcomes(TRUTH, leads=3_000, seed=4), _points(config), START)
    mirror.close()
    before = (MAPPINGS / "policy.yaml").read_text()
    env = {"SYNCD_DATABASE_URL": url, "SYNCD_MAPPINGS_DIR": str(MAPPINGS)}
    out = tmp_path / "cal"
    args = ("calibrate", "--since", "2026-08-01", "--out", str(out))
    result = run_syncd(*args, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "calibration: 3000 scored leads" in result.stdout
    assert "demo request: lift" in result.stdout
    assert (MAPPINGS / "policy.yaml").read_text() == before
    data = json.loads((out / "calibration.json").read_text())
    assert data["tables"]["rules"][0]["rule"] == "demo request"
    assert {p.name for p in out.iterdir()} >= {"policy.diff", "rules.csv", "effect.csv"}
    bad = run_syncd("calibrate", "--since", "last week", env=env, cwd=tmp_path)
    assert bad.returncode == 2
    assert "--since must be a date like 2026-09-07, not 'last week'" in bad.stderr
