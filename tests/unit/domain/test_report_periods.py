"""Report periods, segment bands and the policy's `report` section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.config import read_config
from syncd.domain.policy.errors import ConfigError
from syncd.domain.policy.report import parse_report
from syncd.domain.reporting import Period, period_spans
from syncd.domain.reporting.segments import Segment

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
# Wednesday 4 November 2026, 10:00 in New York: a non-UTC now.
NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "previous", "current", "end"),
    [
        (Period.WEEK, "2026-10-19", "2026-10-26", "2026-11-02"),
        (Period.MONTH, "2026-09-01", "2026-10-01", "2026-11-01"),
        (Period.QUARTER, "2026-04-01", "2026-07-01", "2026-10-01"),
    ],
    ids=["week", "month", "quarter"],
)
def test_the_period_judged_is_the_newest_complete_one_against_the_one_before(
    period: Period, previous: str, current: str, end: str
) -> None:
    before, now = period_spans(period, NOW)
    assert before.first.date().isoformat() == previous
    assert (now.first.date().isoformat(), now.end.date().isoformat()) == (current, end)
    assert before.end == now.first


def test_a_january_quarter_looks_back_into_last_year() -> None:
    before, now = period_spans(Period.QUARTER, datetime(2027, 2, 10, tzinfo=UTC))
    assert (before.first.date().isoformat(), now.first.date().isoformat()) == (
        "2026-07-01",
        "2026-10-01",
    )
    assert now.holds(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert not now.holds(now.end)


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (12, "1-49"),
        (50, "50-199"),
        ("4999", "1000-4999"),
        (12000, "5000+"),
        (0, "<1"),
        (None, None),
    ],
    ids=["small", "band-edge", "text-number", "top-band", "below-bands", "missing"],
)
def test_company_size_is_cut_into_the_bands_the_policy_gives(
    value: object, label: str | None
) -> None:
    assert Segment("number_of_employees", (1, 50, 200, 1000, 5000)).label(value) == label


def test_a_text_segment_is_its_value() -> None:
    assert Segment("industry").label("Healthcare") == "Healthcare"
    assert Segment("industry").label("") is None


def test_the_report_section_reports_every_mistake_with_its_path() -> None:
    errors: list[ConfigError] = []
    parse_report(
        {
            "segments": ["industry", {"field": "number_of_employees", "bands": [50, 10]}, 7],
            "stuck_after": {"mql": "soon", "won": "3d"},
            "colour": "red",
        },
        "report",
        errors,
    )
    assert sorted(e.path for e in errors) == [
        "report.colour",
        "report.segments[1].bands[1]",
        "report.segments[2]",
        "report.stuck_after.mql",
        "report.stuck_after.won",
    ]


def test_a_segment_that_is_no_pulled_lead_attribute_is_a_policy_problem_with_its_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "fields.yaml").write_text((MAPPINGS / "fields.yaml").read_text())
    policy = (MAPPINGS / "policy.yaml").read_text()
    (tmp_path / "policy.yaml").write_text(policy.replace("    - industry\n", "    - industy\n"))
    config, problems = read_config(tmp_path)
    assert config is None
    [problem] = problems
    assert (problem.file, problem.path) == ("policy.yaml", "report.segments[0]")
    assert "'industy' is not a lead attribute pulled in fields.yaml" in problem.message
    assert problem.line is not None
    assert policy.splitlines()[problem.line - 1].strip() == "- industry"


def test_stage_limits_are_calendar_days() -> None:
    errors: list[ConfigError] = []
    report = parse_report({"stuck_after": {"sal": "3d"}}, "report", errors)
    assert errors == []
    assert report.stuck_after["sal"] == timedelta(days=3)
    assert report.stuck_after["mql"] == timedelta(days=5)
