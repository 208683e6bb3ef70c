"""The one retry policy for every request to Salesforce, declared as data (STYLE.md item 4).

Only TRANSIENT errors are retried (5xx including 503, connection errors, timeouts, a row lock
reported for the whole request). Everything else goes straight back to the caller, classified.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from syncd.salesforce.errors import ErrorKind, SalesforceError

T = TypeVar("T")
Sleep = Callable[[float], None]

_log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring Retry-After.

    ``max_attempts`` counts the first try. The n-th wait is ``min(cap, base * 2**(n-1))``; with
    ``jitter`` a random half of it is dropped ("equal jitter"), so clients that failed together
    do not come back together. A Retry-After from Salesforce is a floor on the wait; one longer
    than ``cap`` ends the retries (the next cycle tries again) instead of stalling the daemon.
    """

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base < 0 or self.cap < 0:
            raise ValueError("base and cap must not be negative")

    def backoff(self, attempt: int) -> float:
        """Wait after the ``attempt``-th failure (1-based), before Retry-After is considered."""
        delay: float = min(self.cap, self.base * 2.0 ** (attempt - 1))
        if self.jitter:
            delay = delay / 2 + random.uniform(0, delay / 2)  # jitter, not crypto
        return delay

    def should_retry(self, error: BaseException) -> bool:
        if not isinstance(error, SalesforceError) or error.kind is not ErrorKind.TRANSIENT:
            return False
        return error.retry_after is None or error.retry_after <= self.cap

    def _wait(self, state: RetryCallState) -> float:
        delay = self.backoff(state.attempt_number)
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, SalesforceError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Sleep = time.sleep,
        what: str = "",
        only: Callable[[SalesforceError], bool] | None = None,
        on_retry: Callable[[BaseException | None], None] | None = None,
    ) -> T:
        """Run ``fn`` under this policy; the last error is re-raised unchanged.

        ``only`` narrows which transient errors are retried (e.g. for non-idempotent creates);
        ``on_retry`` hears of each error about to be retried (the run's warnings count them).
        """

        def should_retry(error: BaseException) -> bool:
            if not self.should_retry(error):
                return False
            return only is None or (isinstance(error, SalesforceError) and only(error))

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            _log.warning(
                "salesforce.retry",
                request=what,
                attempt=state.attempt_number,
                wait_seconds=round(state.upcoming_sleep, 3),
                error=str(error),
            )
            if on_retry is not None:
                on_retry(error)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(should_retry),
            sleep=sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(fn)
