"""Business-hours calendar: when the SLA clock runs.

A `BusinessCalendar` is an IANA time zone, opening hours per weekday, holidays (all-day or
partial-day closures, once or every year) and, optionally, a country's public holidays from
the `holidays` package. All arithmetic is on real elapsed time between aware instants, so a
day with a DST change has 23 or 25 hours when it is open around the clock.

Policy YAML shape (`parse_calendar`)::

    timezone: America/New_York          # IANA name; required
    hours:                              # every weekday; a missing weekday is closed
      monday: "09:00-17:00"             # quote it: YAML 1.1 reads 09:00 as a number
      tuesday: "09:00-17:00"
      wednesday: "09:00-17:00"
      thursday: "09:00-17:00"
      friday: "09:00-13:00"
      saturday: closed
      sunday: 24h                       # the same as "00:00-24:00"
    holidays:                           # optional
      - {date: 2026-12-24, name: Christmas Eve, closed: "12:00-24:00"}  # partial day
      - {date: 2026-12-31}                                              # all day, once
      - {every_year: "12-25", name: Christmas Day}                      # MM-DD each year
      - every_year: {month: november, weekday: thursday, nth: 4}        # 4th Thursday
        name: Thanksgiving
        from: 2020-01-01                # optional bounds of a recurring holiday
        until: 2030-12-31
      - every_year: {month: may, weekday: monday, nth: last}
    country_holidays: {country: US, subdivision: NY}   # optional; or just `US`

Semantics, decided once here:
- opening hours are half-open: open at 09:00:00 and closed from 17:00:00 on;
- `add_business_time` with a positive duration may land exactly on a closing instant
  (a one-day SLA from Monday 09:00 is due Monday 17:00, not Tuesday 09:00);
- with a zero duration it returns the next business instant at or after the start;
- a wall-clock time that a DST change skips maps forward (02:30 on a spring-forward night
  is 03:30); a repeated one means its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "Closure",
    "CountryHolidays",
    "DateHoliday",
    "Holiday",
    "OpeningHours",
    "Weekday",
    "YearlyHoliday",
    "YearlyNthHoliday",
    "add_business_time",
    "business_time_between",
    "calendar_from_hours",
    "is_business_time",
    "next_business_instant",
]

MINUTES_PER_DAY = 24 * 60
# No real calendar is closed this long; reaching it means the hours can never open.
_MAX_CLOSED_DAYS = 3660


class Weekday(IntEnum):
    """Python's numbering (`date.weekday()`), so a weekday indexes `BusinessCalendar.weekly`."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One weekday's hours as minutes after local midnight: `open <= t < close`."""

    open_minute: int
    close_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.open_minute < self.close_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"opening hours need 0 <= open < close <= 1440 minutes, got "
                f"{self.open_minute}-{self.close_minute}"
            )

    @property
    def label(self) -> str:
        return f"{_hhmm(self.open_minute)}-{_hhmm(self.close_minute)}"


@dataclass(frozen=True, slots=True)
class Closure:
    """The part of a holiday's date that is closed, in minutes after local midnight."""

    start_minute: int = 0
    end_minute: int = MINUTES_PER_DAY

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"a closure needs 0 <= start < end <= 1440 minutes, got "
                f"{self.start_minute}-{self.end_minute}"
            )

    @property
    def all_day(self) -> bool:
        return self.start_minute == 0 and self.end_minute == MINUTES_PER_DAY


ALL_DAY = Closure()


@dataclass(frozen=True, slots=True)
class DateHoliday:
    """A holiday on one date."""

    day: date
    name: str = ""
    closure: Closure = ALL_DAY


@dataclass(frozen=True, slots=True)
class YearlyHoliday:
    """The same month and day every year (29 February only in leap years)."""

    month: int
    day: int
    name: str = ""
    closure: Closure = ALL_DAY
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        # 2000 is a leap year, so this accepts 02-29 and rejects 02-30 or 13-01.
        date(2000, self.month, self.day)


@dataclass(frozen=True, slots=True)
class YearlyNthHoliday:
    """The nth weekday of a month every year; `nth` is 1..4, or -1 for the last one."""

    month: int
    weekday: Weekday
    nth: int
    name: str = ""
    closure: Closure = ALL_DAY
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        if self.nth not in (1, 2, 3, 4, -1):
            raise ValueError(f"nth must be 1..4 or -1 (last), got {self.nth}")

    def falls_on(self, day: date) -> bool:
        if day.month != self.month or day.weekday() != self.weekday:
            return False
        if self.nth == -1:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 == self.nth - 1


Holiday = DateHoliday | YearlyHoliday | YearlyNthHoliday


@dataclass(frozen=True, slots=True)
class CountryHolidays:
    """Public holidays of a country (ISO 3166 code) and optional subdivision (state)."""

    country: str
    subdivision: str | None = None

    def __post_init__(self) -> None:
        # Fail at construction, not in the middle of an SLA computation.
        _country_dates(self.country, self.subdivision, 2000)


def _in_bounds(day: date, valid_from: date | None, valid_until: date | None) -> bool:
    return (valid_from is None or day >= valid_from) and (valid_until is None or day <= valid_until)


@lru_cache(maxsize=256)
def _country_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        table = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:  # the package's way of saying "unknown code"
        raise ValueError(str(exc)) from exc
    return frozenset(table)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the SLA clock runs. Build it with `parse_calendar` or `calendar_from_org`.

    `weekly[i]` holds the hours of `Weekday(i)`, None when closed all day. `ignored` lists
    org holidays that could not be represented (unsupported recurrence), so a caller can
    show them instead of silently computing different due times than Salesforce would.
    """

    timezone: str
    weekly: tuple[OpeningHours | None, ...]
    holidays: tuple[Holiday, ...] = ()
    country_holidays: CountryHolidays | None = None
    ignored: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError(f"weekly needs 7 entries (Monday..Sunday), got {len(self.weekly)}")
        if all(hours is None for hours in self.weekly):
            raise ValueError("a business calendar must be open on at least one weekday")
        self.tz  # noqa: B018 -- validates the time zone name now

    @cached_property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    @cached_property
    def _dated(self) -> dict[date, list[Closure]]:
        index: dict[date, list[Closure]] = {}
        for holiday in self.holidays:
            if isinstance(holiday, DateHoliday):
                index.setdefault(holiday.day, []).append(holiday.closure)
        return index

    @cached_property
    def _yearly(self) -> dict[tuple[int, int], list[YearlyHoliday]]:
        index: dict[tuple[int, int], list[YearlyHoliday]] = {}
        for holiday in self.holidays:
            if isinstance(holiday, YearlyHoliday):
                index.setdefault((holiday.month, holiday.day), []).append(holiday)
        return index

    @cached_property
    def _nth(self) -> dict[int, list[YearlyNthHoliday]]:
        index: dict[int, list[YearlyNthHoliday]] = {}
        for holiday in self.holidays:
            if isinstance(holiday, YearlyNthHoliday):
                index.setdefault(holiday.month, []).append(holiday)
        return index

    def closures_on(self, day: date) -> list[Closure]:
        """Every holiday closure that applies on a local date."""
        found = list(self._dated.get(day, ()))
        found.extend(
            h.closure
            for h in self._yearly.get((day.month, day.day), ())
            if _in_bounds(day, h.valid_from, h.valid_until)
        )
        found.extend(
            h.closure
            for h in self._nth.get(day.month, ())
            if h.falls_on(day) and _in_bounds(day, h.valid_from, h.valid_until)
        )
        country = self.country_holidays
        if country is not None and day in _country_dates(
            country.country, country.subdivision, day.year
        ):
            found.append(ALL_DAY)
        return found

    def open_minutes(self, day: date) -> list[tuple[int, int]]:
        """The open stretches of a local date, in minutes after midnight, holidays removed."""
        hours = self.weekly[day.weekday()]
        if hours is None:
            return []
        segments = [(hours.open_minute, hours.close_minute)]
        for closure in self.closures_on(day):
            segments = [
                piece
                for start, end in segments
                for piece in (
                    (start, min(end, closure.start_minute)),
                    (max(start, closure.end_minute), end),
                )
                if piece[0] < piece[1]
            ]
        return segments

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open stretches of a local date as UTC instants `[start, end)`."""
        tz = self.tz
        result: list[tuple[datetime, datetime]] = []
        for start, end in self.open_minutes(day):
            start_at = _instant(day, start, tz)
            end_at = _instant(day, end, tz)
            # A stretch that lies wholly inside a DST gap has no real time in it.
            if start_at < end_at:
                result.append((start_at, end_at))
        return result

    def _days_from(self, first: date) -> Iterator[tuple[date, list[tuple[datetime, datetime]]]]:
        """Local dates from `first` on with their open intervals, skipping closed ones."""
        day = first
        closed_run = 0
        while True:
            found = self.intervals(day)
            if found:
                closed_run = 0
                yield day, found
            else:
                closed_run += 1
                if closed_run > _MAX_CLOSED_DAYS:
                    raise ValueError(
                        f"the calendar has no business hours for {_MAX_CLOSED_DAYS} days "
                        f"after {first.isoformat()}"
                    )
            day += timedelta(days=1)


def _instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    # Minute 1440 is the next local midnight; fold=0 maps skipped wall times forward.
    local = datetime.combine(
        day + timedelta(days=minute // MINUTES_PER_DAY),
        time(minute % MINUTES_PER_DAY // 60, minute % 60),
        tzinfo=tz,
    )
    return local.astimezone(UTC)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# --- arithmetic -------------------------------------------------------------------------


def add_business_time(start: datetime, duration: timedelta, cal: BusinessCalendar) -> datetime:
    """The instant after `duration` of business time counted from `start`.

    If `start` is outside business hours the clock starts at the next opening. A zero
    duration gives the next business instant at or after `start`; a positive one may end
    exactly at a closing instant. The result is in `start`'s time zone. Cost grows with the
    number of days spanned, not with the duration's length in minutes.
    """
    _require_aware(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    at = start.astimezone(UTC)
    remaining = duration
    for _, intervals in cal._days_from(at.astimezone(cal.tz).date()):
        for open_at, close_at in intervals:
            if close_at <= at:
                continue
            begin = max(open_at, at)
            available = close_at - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
    raise AssertionError("unreachable: _days_from never ends")  # pragma: no cover


def next_business_instant(t: datetime, cal: BusinessCalendar) -> datetime:
    """`t` itself when it is business time, else the next opening (in `t`'s time zone)."""
    return add_business_time(t, timedelta(0), cal)


def is_business_time(t: datetime, cal: BusinessCalendar) -> bool:
    """Whether the SLA clock runs at instant `t` (a closing instant is not business time)."""
    _require_aware(t, "t")
    at = t.astimezone(UTC)
    return any(
        open_at <= at < close_at
        for open_at, close_at in cal.intervals(at.astimezone(cal.tz).date())
    )


def business_time_between(a: datetime, b: datetime, cal: BusinessCalendar) -> timedelta:
    """Business time elapsed from `a` to `b`; zero when `b` is not after `a`."""
    _require_aware(a, "a")
    _require_aware(b, "b")
    start, end = a.astimezone(UTC), b.astimezone(UTC)
    total = timedelta(0)
    if end <= start:
        return total
    last_day = end.astimezone(cal.tz).date()
    day = start.astimezone(cal.tz).date()
    while day <= last_day:
        for open_at, close_at in cal.intervals(day):
            overlap = min(close_at, end) - max(open_at, start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


# --- the policy YAML --------------------------------------------------------------------


# --- a calendar from plain weekly hours ------------------------------------------------


class CalendarError(ValueError):
    """Weekly hours that make no calendar (a day that ends before it starts, a closed week)."""


def calendar_from_hours(
    zone: str,
    weekly: Sequence[tuple[int, int] | None],
    holidays: Sequence[Holiday] = (),
    ignored: Sequence[str] = (),
) -> BusinessCalendar:
    """A calendar from Monday..Sunday hours as (start minute, end minute <= 1440) or None.

    `ignored` lists holidays the caller could not represent, with why (kept for reports).
    """
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown time zone {zone!r}") from exc
    if len(weekly) != 7:
        raise CalendarError("weekly hours need one entry per weekday, Monday first")
    days: list[OpeningHours | None] = []
    for weekday, hours in zip(Weekday, weekly, strict=True):
        if hours is None:
            days.append(None)
            continue
        start, end = hours
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise CalendarError(
                f"{weekday.name.capitalize()}: start {_hhmm(start)} is not before end {_hhmm(end)}"
            )
        days.append(OpeningHours(start, end))
    if all(d is None for d in days):
        raise CalendarError("closed on every day of the week")
    return BusinessCalendar(zone, tuple(days), tuple(holidays), None, tuple(ignored))
