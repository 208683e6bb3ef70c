"""BusinessHours and Holiday records in Salesforce's formats, decoded into plain values.

The mirror keeps the decoded values (minutes after local midnight, month and weekday
numbers, a recurrence kind); the rules core builds its calendar from them and never sees
``09:00:00.000Z`` or ``RecursYearlyNth``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

from syncd.domain.policy.calendar import MONTH_NAMES

__all__ = ["CALENDAR_DECODERS", "MINUTES_PER_DAY", "RecurrenceKind"]

MINUTES_PER_DAY: Final = 24 * 60
_TIME: Final = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?Z?$")
_INSTANCES: Final = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
# Quirk: RecurrenceDayOfWeekMask bits are Sunday=1, Monday=2, ... Saturday=64; the decoded
# weekday is Monday=0 .. Sunday=6, as Python counts.
_WEEKDAY_BITS: Final = {1: 6, 2: 0, 4: 1, 8: 2, 16: 3, 32: 4, 64: 5}


class RecurrenceKind:
    """What a Holiday's recurrence decodes to (anything else keeps its Salesforce name)."""

    ONCE: Final = "once"
    YEARLY: Final = "yearly"
    YEARLY_NTH: Final = "yearly_nth"


def time_minutes(raw: object, *, end: bool) -> int | None:
    """``09:00:00.000Z`` as minutes after midnight; the Z is nominal: the value is wall-clock
    time in the BusinessHours' TimeZoneSidKey. An end of 00:00 is the end of the day."""
    if raw is None or raw == "":
        return None
    match = _TIME.match(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(f"expected a time like 09:00:00.000Z, got {raw!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(f"not a time of day: {raw!r}")
    value = hours * 60 + minutes
    return MINUTES_PER_DAY if end and value == 0 else value


def _end_minutes(raw: object) -> int | None:
    # Quirk: Salesforce uses 1440 and sometimes 0 for a Holiday that ends at midnight.
    if raw is None or raw == "":
        return None
    value = int(str(raw))
    return MINUTES_PER_DAY if value == 0 else value


def _recurrence(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    return {
        "RecursYearly": RecurrenceKind.YEARLY,
        "RecursYearlyNth": RecurrenceKind.YEARLY_NTH,
    }.get(str(raw), str(raw))


def _month(raw: object) -> int | None:
    if raw in (None, ""):
        return None
    found = MONTH_NAMES.get(str(raw).strip().lower())
    if found is None:
        raise ValueError(f"not a month: {raw!r}")
    return found


def _instance(raw: object) -> int | None:
    if raw in (None, ""):
        return None
    found = _INSTANCES.get(str(raw).strip().lower())
    if found is None:
        raise ValueError(f"not a week of the month: {raw!r}")
    return found


def _weekday(raw: object) -> int | None:
    if raw in (None, ""):
        return None
    # A mask naming several days is not one weekday: the calendar reports it as unsupported.
    return _WEEKDAY_BITS.get(int(str(raw)), -1)


def _weekday_fields() -> dict[str, Callable[[object], object]]:
    out: dict[str, Callable[[object], object]] = {}
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        out[f"{day}StartTime"] = lambda v: time_minutes(v, end=False)
        out[f"{day}EndTime"] = lambda v: time_minutes(v, end=True)
    return out


#: Per object, per Salesforce field, how its value is decoded (every other field by its kind).
CALENDAR_DECODERS: Final[Mapping[str, Mapping[str, Callable[[object], object]]]] = {
    "BusinessHours": _weekday_fields(),
    "Holiday": {
        "EndTimeInMinutes": _end_minutes,
        "RecurrenceType": _recurrence,
        "RecurrenceMonthOfYear": _month,
        "RecurrenceInstance": _instance,
        "RecurrenceDayOfWeekMask": _weekday,
    },
}
