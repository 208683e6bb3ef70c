"""The API budget guard: syncd stays inside its share of the org's rolling 24-hour API limit.

Salesforce reports org-wide usage on every REST answer (``Sforce-Limit-Info: api-usage=N/M``);
the limit is shared with every other integration, so syncd may use at most ``share`` of it and
never the last ``safety_margin`` of what is left for everyone.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from syncd.salesforce.errors import BudgetExhausted

_DAY_SECONDS: Final = 24 * 60 * 60
# Other usages may share the header, e.g. "api-usage=18/5000, per-app-api-usage=17/250(...)".
_API_USAGE: Final = re.compile(r"(?:^|[\s,])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class ApiUsage:
    """Org-wide API calls used in the rolling 24 hours, and the org's daily maximum."""

    used: int
    max: int

    @property
    def remaining(self) -> int:
        return max(0, self.max - self.used)


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """Read ``api-usage=used/max`` from a Sforce-Limit-Info header value."""
    if not header:
        return None
    found = _API_USAGE.search(header)
    return ApiUsage(int(found.group(1)), int(found.group(2))) if found else None


class ApiBudget:
    """How many more calls syncd may make; ``spend`` refuses a call that would exceed it.

    What syncd already spent before this object was created comes as ``history``: (wall-clock
    seconds, calls) per earlier run, from the run records; each leaves the rolling window 24 h
    after it, so a long-running daemon's budget frees up as the window moves. ``used_by_us_24h``
    is a flat figure that never expires (a budget for one short run).

    Until the org has reported its limit (any REST answer, or ``limits()``), the allowance is 1:
    enough for the call that tells us, unless ``known_max`` (the limit the org last reported)
    already says syncd's share is spent: then not even that one call is made.
    """

    def __init__(
        self,
        share: float,
        *,
        used_by_us_24h: int = 0,
        history: Sequence[tuple[float, int]] = (),
        known_max: int | None = None,
        safety_margin: float = 0.02,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share}")
        if not 0 <= safety_margin < 1:
            raise ValueError(f"safety_margin must be in [0, 1), not {safety_margin}")
        self.share = share
        self.safety_margin = safety_margin
        self.known_max = known_max
        self._baseline = max(0, used_by_us_24h)
        self._clock = clock
        self._history: deque[tuple[float, int]] = deque(sorted(history))
        self._spent_at: deque[float] = deque()
        self._usage: ApiUsage | None = None
        self._since_observed = 0

    @property
    def usage(self) -> ApiUsage | None:
        return self._usage

    def observe(self, usage: ApiUsage) -> None:
        """Take the org-wide figures from the latest Sforce-Limit-Info (or /limits) answer."""
        self._usage = usage
        self._since_observed = 0

    def spent_by_us(self) -> int:
        """Our calls in the rolling 24 hours (the baseline plus what this process spent)."""
        horizon = self._clock() - _DAY_SECONDS
        while self._spent_at and self._spent_at[0] <= horizon:
            self._spent_at.popleft()
        while self._history and self._history[0][0] <= horizon:
            self._history.popleft()
        return self._baseline + sum(n for _, n in self._history) + len(self._spent_at)

    def allowance(self) -> int:
        """How many more calls syncd may make now."""
        usage = self._usage
        if usage is None:
            if self.spent_by_known_limit():
                return 0
            return max(0, 1 - self._since_observed)
        ours_left = self._share_left(usage.max)
        reserve = math.ceil(self.safety_margin * usage.max)
        org_left = usage.max - usage.used - reserve - self._since_observed
        return max(0, min(ours_left, org_left))

    def spent_by_known_limit(self) -> bool:
        """Whether the limit the org last reported already says syncd's share is spent (then
        not even a /limits call is made to learn today's figure)."""
        return self.known_max is not None and self._share_left(self.known_max) <= 0

    def _share_left(self, limit: int) -> int:
        return math.floor(self.share * limit) - self.spent_by_us()

    def spend(self, n: int = 1) -> None:
        """Record ``n`` calls about to be made, or raise BudgetExhausted before making them."""
        left = self.allowance()
        if n > left:
            usage = self._usage
            if usage is None and self.spent_by_known_limit():
                raise BudgetExhausted(
                    f"API budget guard: syncd's share ({self.share:.0%}) of the org's daily API "
                    f"limit ({self.known_max}, as last reported) is spent: "
                    f"{self.spent_by_us()} calls in the last 24 h; no call is made until the "
                    "rolling window frees some",
                    error_code=None,
                )
            if usage is None:
                raise BudgetExhausted(
                    "API budget guard: the org has not reported its daily API limit "
                    "(no Sforce-Limit-Info header, no /limits answer)",
                    error_code=None,
                )
            raise BudgetExhausted(
                f"API budget guard: {n} more call(s) would exceed syncd's share "
                f"({self.share:.0%}) of the org's daily API limit; {left} left, "
                f"{self.spent_by_us()} used by syncd in 24 h; org usage {usage.used}/{usage.max}",
                error_code=None,
            )
        self.record(n)

    def record(self, n: int = 1) -> None:
        """Count ``n`` calls without checking (the /limits call that learns the limit)."""
        now = self._clock()
        self._spent_at.extend([now] * n)
        self._since_observed += n
