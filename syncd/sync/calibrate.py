"""Score calibration from the mirror's outcomes, as one plain call (`syncd calibrate`).

Reads what syncd recorded (scores with their reasons, stage entries), judges every scoring
rule of the policy, and writes a proposal for a person to review. Nothing is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog

from syncd.config import Config
from syncd.domain.model import Stage
from syncd.domain.reporting.calibration import Calibration, calibrate
from syncd.domain.reporting.calibration_inputs import (
    BandRate,
    ThresholdEffect,
    outcomes,
    score_bands,
    scored_leads,
    threshold_effects,
)
from syncd.mirror import Mirror
from syncd.ops.calibration_files import CalibrationFiles, write_calibration_files

__all__ = ["OUTCOMES", "CalibrationResult", "NotEnoughOutcomesError", "run_calibration"]

log = structlog.get_logger("syncd.calibrate")

# The outcome a lead must reach, and every stage that implies it.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "sal": (Stage.SAL.value, Stage.SQL.value, Stage.CONVERTED.value),
    "sql": (Stage.SQL.value, Stage.CONVERTED.value),
    "converted": (Stage.CONVERTED.value,),
}
MIN_LEADS = 50


class NotEnoughOutcomesError(ValueError):
    """Too few scored leads, or none converted: no rule can be judged."""


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    calibration: Calibration
    bands: list[BandRate]
    effects: list[ThresholdEffect]
    files: CalibrationFiles


def run_calibration(
    mirror: Mirror, config: Config, out: Path, *, since: datetime, outcome: str = "sal"
) -> CalibrationResult:
    policy = config.policy
    points = {r.name: float(r.points) for r in policy.scoring.fit_rules}
    points |= {r.name: float(r.points) for r in policy.scoring.engagement_rules}
    entries, reached = mirror.calibration_rows(since, OUTCOMES[outcome])
    leads = scored_leads(entries, reached, frozenset(points))
    converted = sum(lead.converted for lead in leads)
    if len(leads) < MIN_LEADS or converted == 0 or converted == len(leads):
        raise NotEnoughOutcomesError(
            f"{len(leads)} leads scored since {since:%Y-%m-%d}, {converted} reached {outcome}: "
            f"calibration needs at least {MIN_LEADS}, some converted and some not"
        )
    # Only rules some lead matched can be judged; the others keep their points (no evidence).
    seen = frozenset().union(*(lead.matched for lead in leads))
    calibration = calibrate(outcomes(leads), {r: p for r, p in points.items() if r in seen})
    bands = score_bands(leads)
    effects = threshold_effects(leads, calibration, policy.lifecycle.mql.min_score)
    files = write_calibration_files(calibration, bands, effects, out)
    log.info("calibration written", out=str(out), leads=len(leads), converted=converted)
    return CalibrationResult(calibration, bands, effects, files)
