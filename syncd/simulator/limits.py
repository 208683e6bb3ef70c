"""API budget and usage accounting: what ``Sforce-Limit-Info`` and ``/limits`` report."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

DEFAULT_DAILY_BUDGET = 100_000
_WINDOW = timedelta(hours=24)


class ApiUsage:
    """A rolling 24-hour count of API calls against a daily budget (measured on the org clock)."""

    def __init__(self, daily_budget: int, clock: Callable[[], datetime]) -> None:
        self.daily_budget = daily_budget
        self._clock = clock
        self._calls: deque[datetime] = deque()
        self._extra = 0
        self._lock = threading.Lock()

    def _expire(self, now: datetime) -> None:
        while self._calls and now - self._calls[0] >= _WINDOW:
            self._calls.popleft()

    @property
    def used(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._calls) + self._extra

    def try_consume(self) -> bool:
        """Count one call; False (and nothing counted) once the budget is spent."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            if len(self._calls) + self._extra >= self.daily_budget:
                return False
            self._calls.append(now)
            return True

    def exhaust(self) -> None:
        """Spend the whole remaining budget at once (a fault: another integration ate it)."""
        with self._lock:
            self._extra = max(0, self.daily_budget - len(self._calls))

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._extra = 0

    def header(self) -> str:
        """The ``Sforce-Limit-Info`` value."""
        return f"api-usage={self.used}/{self.daily_budget}"

    def limits_body(self) -> dict[str, Any]:
        """The ``/limits`` resource (DailyApiRequests is the one that matters here)."""
        used = self.used
        return {
            "DailyApiRequests": {"Max": self.daily_budget, "Remaining": self.daily_budget - used},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DataStorageMB": {"Max": 1024, "Remaining": 1024},
            "SingleEmail": {"Max": 5000, "Remaining": 5000},
        }


class Stats:
    """What the admin API reports: calls per endpoint, records and fields written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.records_written: Counter[str] = Counter()
        self.fields_written: Counter[str] = Counter()
        self.writes_per_record: Counter[str] = Counter()

    def count_call(self, endpoint: str) -> None:
        with self._lock:
            self.calls[endpoint] += 1

    def count_write(self, sobject: str, record_id: str, fields: list[str]) -> None:
        with self._lock:
            self.records_written[sobject] += 1
            self.writes_per_record[record_id] += 1
            for name in fields:
                self.fields_written[f"{sobject}.{name}"] += 1

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.records_written.clear()
            self.fields_written.clear()
            self.writes_per_record.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "api_calls": {"total": sum(self.calls.values()), "by_endpoint": dict(self.calls)},
                "records_written": {
                    "total": sum(self.records_written.values()),
                    "by_object": dict(self.records_written),
                },
                "fields_written": dict(self.fields_written),
                "writes_per_record": dict(self.writes_per_record),
            }
