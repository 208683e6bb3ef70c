"""Sharp-change alerts on conversion rates: a real drop on enough leads fires, noise does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncd.domain.reporting import AlertThresholds, rate_alerts
from syncd.domain.reporting.figures import FUNNEL_STAGES, PAIRS, FunnelWeek
from syncd.settings import load_settings

MONDAY = datetime(2026, 10, 5, tzinfo=UTC)


def week(i: int, mqls: int, sals: int) -> FunnelWeek:
    """A week's funnel where `sals` of `mqls` MQLs were accepted (later stages left empty)."""
    later = [f"{a}->{b}" for a, b in PAIRS[1:]]
    return FunnelWeek(
        MONDAY + timedelta(weeks=i),
        {"mql": mqls, "sal": sals} | dict.fromkeys(FUNNEL_STAGES[2:], 0),
        {"mql->sal": sals} | dict.fromkeys(later, 0),
        {"mql->sal": sals / mqls if mqls else None} | dict.fromkeys(later),
    )


STEADY = [week(i, 100, 60) for i in range(4)]


def test_a_drop_in_mql_to_sal_beyond_the_threshold_fires_against_both_baselines() -> None:
    alerts = rate_alerts([*STEADY, week(4, 100, 30)])
    assert [(a.pair, a.against) for a in alerts] == [
        ("mql->sal", "previous week"),
        ("mql->sal", "trailing 4 weeks"),
    ]
    assert alerts[0].rate == pytest.approx(0.30)
    assert alerts[0].baseline == pytest.approx(0.60)
    assert alerts[0].change == pytest.approx(-0.5)
    assert "down 50%" in alerts[0].message()


def test_the_same_drop_on_a_sample_below_the_minimum_count_does_not_fire() -> None:
    small = [week(i, 10, 6) for i in range(4)] + [week(4, 10, 3)]
    assert rate_alerts(small, AlertThresholds(min_count=30)) == []


def test_a_drop_smaller_than_the_threshold_does_not_fire() -> None:
    assert rate_alerts([*STEADY, week(4, 100, 45)], AlertThresholds(relative_drop=0.30)) == []


def test_a_noisy_previous_week_alone_does_not_hide_a_drop_against_the_trailing_baseline() -> None:
    weeks = [week(0, 100, 60), week(1, 100, 60), week(2, 100, 60), week(3, 100, 40)]
    alerts = rate_alerts([*weeks, week(4, 100, 33)], AlertThresholds(relative_drop=0.30))
    assert [a.against for a in alerts] == ["trailing 4 weeks"]


def test_a_rise_never_alerts() -> None:
    assert rate_alerts([*STEADY, week(4, 100, 95)]) == []


def test_thresholds_come_from_settings() -> None:
    settings = load_settings(
        {"SYNCD_REPORT_ALERT_DROP": "0.5", "SYNCD_REPORT_ALERT_MIN_COUNT": "200"}
    )
    assert (settings.report_alert_drop, settings.report_alert_min_count) == (0.5, 200)
    assert settings.report_baseline_weeks == 4
