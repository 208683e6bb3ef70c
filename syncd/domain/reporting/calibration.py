"""Score calibration from outcomes: which scoring rules predict conversion, and by how much.

Two views of each rule, for a person to review (nothing here changes the policy):
- lift: conversion of the leads that matched the rule against those that did not, with
  counts and Wilson 95 % intervals (scipy.stats);
- weight: a logistic regression of conversion on every rule's hit at once (scipy.optimize),
  so rules that travel together are not each credited for the other.
The proposal moves each policy weight part of the way toward the fitted log-odds, scaled to
the policy's own points, so the total points stay on the policy's scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# numpy and scipy are imported where calibration runs: every other command (and the daemon)
# would otherwise carry ~70 MB and two seconds of import for a report feature.


@dataclass(frozen=True, slots=True)
class Outcome:
    """One lead: the scoring rules it matched, and whether it converted (e.g. reached SAL)."""

    matched: frozenset[str]
    converted: bool


@dataclass(frozen=True, slots=True)
class RuleFinding:
    rule: str
    matched: int
    matched_converted: int
    unmatched: int
    unmatched_converted: int
    matched_ci: tuple[float, float]
    unmatched_ci: tuple[float, float]
    coefficient: float  # log-odds of converting when the rule matches, others held equal
    coefficient_ci: tuple[float, float]
    current: float  # the policy's points
    proposed: float

    @property
    def lift(self) -> float | None:
        if not self.matched or not self.unmatched or not self.unmatched_converted:
            return None
        return (self.matched_converted / self.matched) / (self.unmatched_converted / self.unmatched)


@dataclass(frozen=True, slots=True)
class Calibration:
    leads: int
    converted: int
    findings: tuple[RuleFinding, ...]  # strongest fitted weight first

    @property
    def ranking(self) -> list[str]:
        return [f.rule for f in self.findings]

    def policy_diff(self) -> str:
        """The proposed change as a readable diff of rule points, for review."""
        lines = ["# proposed scoring weights (review before editing mappings/policy.yaml)"]
        for f in self.findings:
            if round(f.proposed) != round(f.current):
                lines.append(f"- {f.rule}: points: {f.current:g}")
                lines.append(f"+ {f.rule}: points: {round(f.proposed):g}")
        return "\n".join(lines)


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    from scipy import stats

    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return (float(ci.low), float(ci.high))


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np
    from scipy import optimize

    """Logistic regression by maximum likelihood (a tiny ridge keeps separable data finite)."""
    design = np.column_stack([np.ones(len(x)), x])
    ridge = 1e-3

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ beta
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z) + ridge * beta[1:] @ beta[1:])
        p = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (p - y)
        grad[1:] += 2 * ridge * beta[1:]
        return nll, grad

    result = optimize.minimize(loss, np.zeros(design.shape[1]), jac=True, method="BFGS")
    beta = result.x
    p = 1.0 / (1.0 + np.exp(-(design @ beta)))
    hessian = design.T @ (design * (p * (1 - p))[:, None])
    se = np.sqrt(np.diag(np.linalg.pinv(hessian)))
    return beta[1:], se[1:]


def calibrate(
    outcomes: Sequence[Outcome], current: Mapping[str, float], *, step: float = 0.5
) -> Calibration:
    """Each rule of `current` (rule name -> points) judged on `outcomes`; `step` of the way
    from today's points toward the fitted weights is proposed."""
    import numpy as np

    rules = sorted(current)
    x = np.array([[r in o.matched for r in rules] for o in outcomes], dtype=float)
    y = np.array([o.converted for o in outcomes], dtype=float)
    coefficients, se = _fit(x, y)
    # Fitted log-odds on the policy's scale: same total magnitude as today's points.
    total_points = sum(abs(current[r]) for r in rules)
    total_fit = float(np.sum(np.abs(coefficients))) or 1.0
    scale = total_points / total_fit
    z = 1.959963984540054  # the two-sided 95 % normal quantile, norm.ppf(0.975)
    findings = []
    for i, rule in enumerate(rules):
        hit = x[:, i] == 1
        k_hit, n_hit = int(y[hit].sum()), int(hit.sum())
        k_miss, n_miss = int(y[~hit].sum()), int((~hit).sum())
        target = float(coefficients[i]) * scale
        findings.append(
            RuleFinding(
                rule,
                n_hit,
                k_hit,
                n_miss,
                k_miss,
                _wilson(k_hit, n_hit),
                _wilson(k_miss, n_miss),
                float(coefficients[i]),
                (float(coefficients[i] - z * se[i]), float(coefficients[i] + z * se[i])),
                current[rule],
                current[rule] + step * (target - current[rule]),
            )
        )
    findings.sort(key=lambda f: -f.coefficient)
    return Calibration(len(outcomes), int(y.sum()), tuple(findings))
