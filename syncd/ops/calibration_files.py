"""Write a calibration to a directory: one CSV per table, calibration.json and policy.diff."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from syncd.domain.reporting.calibration import Calibration
from syncd.domain.reporting.calibration_inputs import BandRate, ThresholdEffect
from syncd.ops.report_tables import Cell, Table

__all__ = ["CalibrationFiles", "calibration_tables", "write_calibration_files"]


@dataclass(frozen=True, slots=True)
class CalibrationFiles:
    diff: Path
    json: Path
    csv: Sequence[Path]


def _r(value: float | None) -> float | None:
    """Rounded; NaN (an interval on no leads) as None, so CSV and JSON show a blank."""
    return None if value is None or math.isnan(value) else round(value, 4)


def calibration_tables(
    calibration: Calibration, bands: Sequence[BandRate], effects: Sequence[ThresholdEffect]
) -> list[Table]:
    rules: list[list[Cell]] = [
        [
            f.rule,
            f.matched,
            f.matched_converted,
            _r(f.matched_converted / f.matched if f.matched else None),
            _r(f.matched_ci[0]),
            _r(f.matched_ci[1]),
            f.unmatched,
            f.unmatched_converted,
            _r(f.lift),
            _r(f.coefficient),
            _r(f.coefficient_ci[0]),
            _r(f.coefficient_ci[1]),
            f.current,
            round(f.proposed),
        ]
        for f in calibration.findings
    ]
    return [
        Table(
            "rules",
            "Scoring rules, strongest fitted weight first",
            [
                *("rule", "matched", "matched converted", "matched rate", "ci low", "ci high"),
                *("unmatched", "unmatched converted", "lift", "log-odds", "log-odds low"),
                *("log-odds high", "points now", "points proposed"),
            ],
            rules,
        ),
        Table(
            "score_bands",
            "Conversion by recorded score band",
            ["band", "leads", "converted", "rate"],
            [[b.band, b.leads, b.converted, _r(b.rate)] for b in bands],
        ),
        Table(
            "effect",
            "Expected effect on MQL volume and conversion",
            ["case", "weights", "threshold", "mqls", "converted", "rate"],
            [[e.label, e.weights, e.threshold, e.mqls, e.converted, _r(e.rate)] for e in effects],
        ),
    ]


def write_calibration_files(
    calibration: Calibration,
    bands: Sequence[BandRate],
    effects: Sequence[ThresholdEffect],
    out: Path,
) -> CalibrationFiles:
    out.mkdir(parents=True, exist_ok=True)
    tables = calibration_tables(calibration, bands, effects)
    paths = []
    for table in tables:
        path = out / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
        paths.append(path)
    proposed = effects[-1] if effects else None
    diff_lines = [calibration.policy_diff()]
    if proposed is not None and effects[0].threshold != proposed.threshold:
        diff_lines += [
            f"- lifecycle.mql.min_score: {effects[0].threshold:g}",
            f"+ lifecycle.mql.min_score: {proposed.threshold:g}",
        ]
    diff = out / "policy.diff"
    diff.write_text("\n".join(diff_lines) + "\n", encoding="utf-8")
    data = {
        "leads": calibration.leads,
        "converted": calibration.converted,
        "tables": {
            t.name: [dict(zip(t.columns, row, strict=True)) for row in t.rows] for t in tables
        },
    }
    json_path = out / "calibration.json"
    json_path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return CalibrationFiles(diff, json_path, paths)
