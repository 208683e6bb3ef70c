"""Calibration's inputs from the mirror's history, and the proposal's expected effect.

A lead's evidence is the score syncd recorded last before its outcome (the rules it matched
then, from the score entry's reasons); its outcome is whether it reached the target stage
(SAL by default, or a later one). Leads scored but never converted count as not converted.
The proposal is judged on the same leads: each lead's score moved by the proposed change of
the rules it matched, against today's threshold and against the threshold that keeps today's
MQL volume.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from syncd.domain.reporting.calibration import Calibration, Outcome
from syncd.domain.reporting.figures import rate
from syncd.domain.scoring import rule_of_reason


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """A score syncd recorded: when, the total, and its reason lines."""

    lead_id: str
    at: datetime
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoredLead:
    lead_id: str
    score: float
    matched: frozenset[str]
    converted: bool


def scored_leads(
    entries: Iterable[ScoreEntry],
    reached: Mapping[str, datetime],
    rules: frozenset[str],
) -> list[ScoredLead]:
    """Each scored lead with the last score recorded before it reached the target stage
    (`reached`: lead -> when); a lead that reached it before any score is left out."""
    by_lead: dict[str, list[ScoreEntry]] = {}
    for e in entries:
        by_lead.setdefault(e.lead_id, []).append(e)
    out = []
    for lead_id, scores in sorted(by_lead.items()):
        at = reached.get(lead_id)
        before = [s for s in scores if at is None or s.at < at]
        if not before:
            continue
        last = max(before, key=lambda s: s.at)
        matched = frozenset(
            r for r in (rule_of_reason(t, rules) for t in last.reasons) if r is not None
        )
        out.append(ScoredLead(lead_id, last.score, matched, at is not None))
    return out


def outcomes(leads: Sequence[ScoredLead]) -> list[Outcome]:
    return [Outcome(lead.matched, lead.converted) for lead in leads]


@dataclass(frozen=True, slots=True)
class BandRate:
    band: str  # "40-59"
    leads: int
    converted: int

    @property
    def rate(self) -> float | None:
        return rate(self.converted, self.leads)


def score_bands(leads: Sequence[ScoredLead], width: int = 20) -> list[BandRate]:
    """Conversion per band of recorded score (`width` points wide), lowest band first."""
    counts: dict[int, list[int]] = {}
    for lead in leads:
        low = math.floor(lead.score / width) * width
        n = counts.setdefault(low, [0, 0])
        n[0] += 1
        n[1] += lead.converted
    return [BandRate(f"{low}-{low + width - 1}", n, k) for low, (n, k) in sorted(counts.items())]


@dataclass(frozen=True, slots=True)
class ThresholdEffect:
    label: str
    weights: str  # "current" or "proposed"
    threshold: float
    mqls: int
    converted: int

    @property
    def rate(self) -> float | None:
        return rate(self.converted, self.mqls)


def threshold_effects(
    leads: Sequence[ScoredLead], calibration: Calibration, threshold: float
) -> list[ThresholdEffect]:
    """Today, the proposed weights at today's threshold, and at the threshold that keeps
    today's MQL volume (the proposed MQL threshold: the score of the lead at today's volume,
    so ties on that score can add a few MQLs)."""
    delta = {f.rule: round(f.proposed) - f.current for f in calibration.findings}
    now = [(lead.score, lead.converted) for lead in leads]
    new = [
        (lead.score + sum(delta.get(r, 0) for r in lead.matched), lead.converted) for lead in leads
    ]

    def effect(
        label: str, weights: str, scores: list[tuple[float, bool]], t: float
    ) -> ThresholdEffect:
        over = [c for s, c in scores if s >= t]
        return ThresholdEffect(label, weights, t, len(over), sum(over))

    today = effect("today", "current", now, threshold)
    ranked = sorted((s for s, _ in new), reverse=True)
    same_volume = ranked[today.mqls - 1] if 0 < today.mqls <= len(ranked) else threshold
    return [
        today,
        effect("proposed weights, same threshold", "proposed", new, threshold),
        effect("proposed weights and threshold", "proposed", new, same_volume),
    ]
