"""Relative date literals (TODAY, LAST_N_DAYS:n, ...) as half-open ranges of local days.

Salesforce evaluates them in the querying user's time zone and locale; the simulator
takes the zone from the ``now`` it is given and, like the en_US locale, starts weeks on
Sunday. Quarters are calendar quarters (the simulated org's fiscal year is the calendar
year, and FISCAL_* literals are not supported).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from .nodes import RelativeDate

DayRange = tuple[date, date]


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _week_start(today: date) -> date:
    return today - timedelta(days=(today.weekday() + 1) % 7)


def _month_start(today: date) -> date:
    return today.replace(day=1)


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _year_start(today: date) -> date:
    return date(today.year, 1, 1)


def _days(start: date, count: int) -> DayRange:
    return start, start + timedelta(days=count)


def _months(start: date, offset: int, count: int) -> DayRange:
    return _add_months(start, offset), _add_months(start, offset + count)


_FIXED: dict[str, Callable[[date], DayRange]] = {
    "YESTERDAY": lambda t: _days(t - timedelta(days=1), 1),
    "TODAY": lambda t: _days(t, 1),
    "TOMORROW": lambda t: _days(t + timedelta(days=1), 1),
    "LAST_WEEK": lambda t: _days(_week_start(t) - timedelta(days=7), 7),
    "THIS_WEEK": lambda t: _days(_week_start(t), 7),
    "NEXT_WEEK": lambda t: _days(_week_start(t) + timedelta(days=7), 7),
    "LAST_MONTH": lambda t: _months(_month_start(t), -1, 1),
    "THIS_MONTH": lambda t: _months(_month_start(t), 0, 1),
    "NEXT_MONTH": lambda t: _months(_month_start(t), 1, 1),
    # LAST_90_DAYS includes today: 91 days in all.
    "LAST_90_DAYS": lambda t: _days(t - timedelta(days=90), 91),
    "NEXT_90_DAYS": lambda t: _days(t + timedelta(days=1), 90),
    "LAST_QUARTER": lambda t: _months(_quarter_start(t), -3, 3),
    "THIS_QUARTER": lambda t: _months(_quarter_start(t), 0, 3),
    "NEXT_QUARTER": lambda t: _months(_quarter_start(t), 3, 3),
    "LAST_YEAR": lambda t: _months(_year_start(t), -12, 12),
    "THIS_YEAR": lambda t: _months(_year_start(t), 0, 12),
    "NEXT_YEAR": lambda t: _months(_year_start(t), 12, 12),
}

_WITH_N: dict[str, Callable[[date, int], DayRange]] = {
    # LAST_N_DAYS:n includes today (LAST_N_DAYS:1 is yesterday and today);
    # NEXT_N_DAYS:n starts tomorrow.
    "LAST_N_DAYS": lambda t, n: (t - timedelta(days=n), t + timedelta(days=1)),
    "NEXT_N_DAYS": lambda t, n: _days(t + timedelta(days=1), n),
    "N_DAYS_AGO": lambda t, n: _days(t - timedelta(days=n), 1),
    # The week/month/quarter/year forms exclude the current period.
    "LAST_N_WEEKS": lambda t, n: _days(_week_start(t) - timedelta(days=7 * n), 7 * n),
    "NEXT_N_WEEKS": lambda t, n: _days(_week_start(t) + timedelta(days=7), 7 * n),
    "N_WEEKS_AGO": lambda t, n: _days(_week_start(t) - timedelta(days=7 * n), 7),
    "LAST_N_MONTHS": lambda t, n: _months(_month_start(t), -n, n),
    "NEXT_N_MONTHS": lambda t, n: _months(_month_start(t), 1, n),
    "N_MONTHS_AGO": lambda t, n: _months(_month_start(t), -n, 1),
    "LAST_N_QUARTERS": lambda t, n: _months(_quarter_start(t), -3 * n, 3 * n),
    "NEXT_N_QUARTERS": lambda t, n: _months(_quarter_start(t), 3, 3 * n),
    "N_QUARTERS_AGO": lambda t, n: _months(_quarter_start(t), -3 * n, 3),
    "LAST_N_YEARS": lambda t, n: _months(_year_start(t), -12 * n, 12 * n),
    "NEXT_N_YEARS": lambda t, n: _months(_year_start(t), 12, 12 * n),
    "N_YEARS_AGO": lambda t, n: _months(_year_start(t), -12 * n, 12),
}


def day_range(literal: RelativeDate, now: datetime) -> DayRange:
    """The local days ``literal`` covers, as ``[first, after_last)``, seen from ``now``."""
    today = now.date()
    if literal.n is None:
        return _FIXED[literal.name](today)
    return _WITH_N[literal.name](today, literal.n)


def datetime_range(literal: RelativeDate, now: datetime) -> tuple[datetime, datetime]:
    """The instants ``literal`` covers, midnight to midnight in ``now``'s time zone."""
    first, after = day_range(literal, now)
    tz = now.tzinfo
    return datetime.combine(first, time(), tzinfo=tz), datetime.combine(after, time(), tzinfo=tz)
