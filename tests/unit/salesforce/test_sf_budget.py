"""The API budget guard keeps syncd inside its share of the org's rolling 24 h limit."""

from __future__ import annotations

import pytest

from syncd.salesforce.budget import ApiBudget, ApiUsage, parse_limit_info
from syncd.salesforce.errors import BudgetExhausted


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("header", "usage"),
    [
        ("api-usage=25/15000", ApiUsage(25, 15000)),
        ("api-usage=18/5000, per-app-api-usage=17/250(appName=syncd)", ApiUsage(18, 5000)),
        ("per-app-api-usage=17/250(appName=syncd)", None),
        (None, None),
    ],
    ids=["org", "org-and-app", "app-only", "absent"],
)
def test_parse_limit_info_reads_org_usage(header: str | None, usage: ApiUsage | None) -> None:
    assert parse_limit_info(header) == usage


def test_allowance_is_our_share_minus_what_we_used_today() -> None:
    budget = ApiBudget(0.20, used_by_us_24h=1_200)
    budget.observe(ApiUsage(used=4_000, max=15_000))

    assert budget.allowance() == 3_000 - 1_200


def test_allowance_never_eats_the_orgs_safety_margin() -> None:
    budget = ApiBudget(0.20, safety_margin=0.02)
    budget.observe(ApiUsage(used=14_500, max=15_000))

    assert budget.allowance() == 15_000 - 14_500 - 300


def test_spend_stops_before_exceeding_the_share() -> None:
    budget = ApiBudget(0.10, used_by_us_24h=98)
    budget.observe(ApiUsage(used=500, max=1_000))
    budget.spend()
    budget.spend()

    with pytest.raises(BudgetExhausted, match="10%"):
        budget.spend()
    assert budget.spent_by_us() == 100


def test_calls_older_than_24_hours_no_longer_count() -> None:
    clock = FakeClock()
    budget = ApiBudget(0.01, clock=clock)
    budget.observe(ApiUsage(used=0, max=1_000))
    budget.spend(10)
    assert budget.allowance() == 0

    clock.now += 24 * 60 * 60 + 1

    assert budget.allowance() == 10


def test_before_the_org_reports_its_limit_one_call_is_allowed_to_ask() -> None:
    budget = ApiBudget(0.20)

    budget.spend()
    with pytest.raises(BudgetExhausted):
        budget.spend()


def test_each_observation_replaces_our_estimate_of_org_usage() -> None:
    budget = ApiBudget(1.0, safety_margin=0.0)
    budget.observe(ApiUsage(used=990, max=1_000))
    budget.spend(5)
    assert budget.allowance() == 5

    budget.observe(ApiUsage(used=995, max=1_000))

    assert budget.allowance() == 5


def test_earlier_runs_leave_the_window_24_hours_after_them() -> None:
    clock = FakeClock()
    clock.now = 100_000.0
    budget = ApiBudget(
        0.01, history=[(clock.now - 23 * 3600, 60), (clock.now - 3600, 30)], clock=clock
    )
    budget.observe(ApiUsage(used=0, max=10_000))
    assert budget.allowance() == 100 - 90

    clock.now += 2 * 3600  # the older run is now 25 hours ago
    assert budget.allowance() == 100 - 30


def test_a_share_spent_by_the_last_known_limit_refuses_even_the_first_call() -> None:
    budget = ApiBudget(0.10, history=[(FakeClock()(), 1_000)], known_max=10_000, clock=FakeClock())

    assert budget.allowance() == 0
    with pytest.raises(BudgetExhausted, match="is spent: 1000 calls in the last 24 h"):
        budget.spend()


def test_a_share_left_by_the_last_known_limit_allows_the_call_that_learns_todays() -> None:
    budget = ApiBudget(0.10, history=[(FakeClock()(), 10)], known_max=10_000, clock=FakeClock())

    assert budget.allowance() == 1
