"""Calibration on outcomes the simulator drew from known true rule weights."""

from __future__ import annotations

import pytest

from syncd.domain.reporting.calibration import Outcome, calibrate
from syncd.domain.scoring import rule_of_reason
from syncd.simulator.seed import OutcomeSeed, seed_outcomes

TRUTH = OutcomeSeed(
    weights={
        "asked to be contacted": 1.8,
        "C-level title": 1.2,
        "pricing page": 0.7,
        "webinar attended": 0.3,
        "free mail address": -0.8,
    }
)
# Today's policy: every rule worth the same, so nothing about the truth is given away.
CURRENT = {
    "asked to be contacted": 15.0,
    "C-level title": 15.0,
    "pricing page": 15.0,
    "webinar attended": 15.0,
    "free mail address": -15.0,
}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    seeded = seed_outcomes(TRUTH, leads=20_000, seed=11)
    return [Outcome(o.matched, o.converted) for o in seeded]


def test_the_seed_is_repeatable_and_conversion_follows_the_weights() -> None:
    first = seed_outcomes(TRUTH, leads=500, seed=3)
    assert first == seed_outcomes(TRUTH, leads=500, seed=3)
    hot = [o for o in first if "asked to be contacted" in o.matched]
    cold = [o for o in first if "asked to be contacted" not in o.matched]
    assert sum(o.converted for o in hot) / len(hot) > sum(o.converted for o in cold) / len(cold)


def test_calibration_ranks_the_rules_in_the_order_of_their_true_weights(
    outcomes: list[Outcome],
) -> None:
    result = calibrate(outcomes, CURRENT)
    true_order = sorted(TRUTH.weights, key=lambda r: -TRUTH.weights[r])
    assert result.ranking == true_order
    for finding in result.findings:
        low, high = finding.coefficient_ci
        assert low <= TRUTH.weights[finding.rule] <= high, finding.rule


def test_each_rule_reports_its_lift_with_counts_and_intervals(outcomes: list[Outcome]) -> None:
    finding = next(
        f for f in calibrate(outcomes, CURRENT).findings if f.rule == "asked to be contacted"
    )
    assert finding.matched + finding.unmatched == 20_000
    assert finding.lift is not None
    assert finding.lift > 2
    low, high = finding.matched_ci
    assert low < finding.matched_converted / finding.matched < high


def test_the_proposed_diff_moves_every_weight_toward_the_true_one(
    outcomes: list[Outcome],
) -> None:
    result = calibrate(outcomes, CURRENT)
    proposed = {f.rule: f.proposed for f in result.findings}
    assert sorted(proposed, key=lambda r: -proposed[r]) == result.ranking
    scale = sum(abs(v) for v in CURRENT.values()) / sum(abs(v) for v in TRUTH.weights.values())
    for rule, weight in TRUTH.weights.items():
        target = weight * scale
        assert abs(proposed[rule] - target) < abs(CURRENT[rule] - target), rule
    diff = result.policy_diff()
    assert "- asked to be contacted: points: 15" in diff
    assert "+ webinar attended: points:" in diff


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("+15 pricing page x2", "pricing page"),
        ("-10 free-mail address", "free-mail address"),
        ("+25 C-level title", "C-level title"),
        ("score 70 (fit 40, engagement 30, grade A): new lead", None),
        ("+5 a rule the policy no longer has", None),
    ],
    ids=["counted", "negative", "plain", "headline", "retired-rule"],
)
def test_a_recorded_reason_line_names_its_rule(text: str, rule: str | None) -> None:
    names = frozenset({"pricing page", "free-mail address", "C-level title"})
    assert rule_of_reason(text, names) == rule
