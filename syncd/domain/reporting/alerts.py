"""Sharp-change alerts: a stage-to-stage conversion rate that fell too far, on enough leads.

The week judged is the newest complete one. Its rate is compared with the previous week and
with the pooled rate of the trailing baseline weeks before it; either comparison can fire.
Both sides must hold at least `min_count` leads in the opening stage, so a drop from 2 of 3
to 1 of 3 never alarms anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from syncd.domain.reporting.figures import PAIRS, FunnelWeek, rate


@dataclass(frozen=True, slots=True)
class AlertThresholds:
    """Defaults; `SYNCD_REPORT_ALERT_*` settings override them (README's settings table)."""

    relative_drop: float = 0.30  # 0.30: the rate fell by 30 % of its baseline or more
    min_count: int = 30  # leads in the opening stage, on each side of the comparison
    baseline_weeks: int = 4


DEFAULT_THRESHOLDS = AlertThresholds()


@dataclass(frozen=True, slots=True)
class RateAlert:
    pair: str  # "mql->sal"
    week: datetime
    rate: float
    baseline: float
    against: str  # "previous week" or "trailing 4 weeks"
    cohort: int
    baseline_cohort: int
    period: str = "week"

    @property
    def change(self) -> float:
        """Relative change, e.g. -0.4 for a rate that fell by 40 % of its baseline."""
        return (self.rate - self.baseline) / self.baseline

    @property
    def task_key(self) -> str:
        """One Task per alert and period, however often the report runs that week."""
        against = "prev" if self.against.startswith("previous") else "trail"
        return f"syncd-alert:{self.pair}:{self.period}:{self.week:%Y-%m-%d}:{against}"

    def message(self) -> str:
        return (
            f"{self.pair} conversion for the {self.period} of {self.week:%Y-%m-%d} is "
            f"{self.rate:.0%} ({self.cohort} leads), down {-self.change:.0%} against the "
            f"{self.against} ({self.baseline:.0%} of {self.baseline_cohort})"
        )


def rate_alerts(
    weeks: Sequence[FunnelWeek],
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
    period: str = "week",
) -> list[RateAlert]:
    """Alerts for the last period of `weeks` (complete periods only), one per comparison.

    For months and quarters only the previous period is compared (no trailing baseline)."""
    if len(weeks) < 2:
        return []
    current, before = weeks[-1], weeks[:-1]
    trailing = before[-thresholds.baseline_weeks :]
    alerts = []
    for a, b in PAIRS:
        pair = f"{a}->{b}"
        cohort, hits = current.entered[a], current.converted[pair]
        now_rate = rate(hits, cohort)
        if now_rate is None or cohort < thresholds.min_count:
            continue
        comparisons = [(f"previous {period}", before[-1:])]
        if thresholds.baseline_weeks > 1 and period == "week":
            comparisons.append((f"trailing {len(trailing)} weeks", trailing))
        for label, base in comparisons:
            base_cohort = sum(w.entered[a] for w in base)
            base_rate = rate(sum(w.converted[pair] for w in base), base_cohort)
            if base_rate is None or base_rate == 0 or base_cohort < thresholds.min_count:
                continue
            if (base_rate - now_rate) / base_rate >= thresholds.relative_drop:
                alerts.append(
                    RateAlert(
                        pair, current.week, now_rate, base_rate, label, cohort, base_cohort, period
                    )
                )
    return alerts
