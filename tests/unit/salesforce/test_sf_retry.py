"""The one retry policy: exponential backoff with jitter, Retry-After honoured, transient only."""

from __future__ import annotations

import pytest

from syncd.salesforce.errors import BudgetExhausted, ErrorKind, SalesforceError
from syncd.salesforce.retry import RetryPolicy


class Flaky:
    """Fails with the given errors in turn, then answers "ok"."""

    def __init__(self, *errors: SalesforceError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def unavailable(retry_after: float | None = None) -> SalesforceError:
    return SalesforceError(
        ErrorKind.TRANSIENT, "Service Unavailable", status=503, retry_after=retry_after
    )


def test_backoff_doubles_from_base_up_to_cap_without_jitter() -> None:
    policy = RetryPolicy(max_attempts=8, base=0.5, cap=30, jitter=False)

    assert [policy.backoff(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]


def test_jitter_keeps_each_wait_between_half_and_the_full_backoff() -> None:
    policy = RetryPolicy(base=0.5, cap=30, jitter=True)

    waits = [policy.backoff(4) for _ in range(200)]

    assert all(2.0 <= w <= 4.0 for w in waits)
    assert len(set(waits)) > 1


def test_transient_errors_are_retried_until_success() -> None:
    sleeps: list[float] = []
    fn = Flaky(unavailable(), unavailable())

    assert RetryPolicy(jitter=False).call(fn, sleep=sleeps.append) == "ok"
    assert fn.calls == 3
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_a_floor_on_the_wait() -> None:
    sleeps: list[float] = []

    RetryPolicy(jitter=False).call(Flaky(unavailable(retry_after=7)), sleep=sleeps.append)

    assert sleeps == [7.0]


def test_retry_after_longer_than_the_cap_gives_up_at_once() -> None:
    fn = Flaky(unavailable(retry_after=3600))

    with pytest.raises(SalesforceError, match="Service Unavailable"):
        RetryPolicy(cap=30).call(fn, sleep=lambda _: None)
    assert fn.calls == 1


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    fn = Flaky(*[unavailable() for _ in range(10)])

    with pytest.raises(SalesforceError) as raised:
        RetryPolicy(max_attempts=5).call(fn, sleep=lambda _: None)
    assert fn.calls == 5
    assert raised.value.status == 503


@pytest.mark.parametrize(
    "error",
    [
        SalesforceError(ErrorKind.CONFIG, "No such column", status=400),
        SalesforceError(ErrorKind.FATAL, "not found", status=404),
        BudgetExhausted("TotalRequests Limit exceeded.", status=403),
    ],
    ids=["config", "fatal", "budget"],
)
def test_non_transient_errors_are_never_retried(error: SalesforceError) -> None:
    fn = Flaky(error)

    with pytest.raises(SalesforceError):
        RetryPolicy().call(fn, sleep=lambda _: None)
    assert fn.calls == 1
