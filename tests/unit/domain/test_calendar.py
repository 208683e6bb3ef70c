"""The business-hours calendar: when the SLA clock runs, across weekends, holidays and DST."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.domain.calendar import (
    BusinessCalendar,
    Closure,
    CountryHolidays,
    DateHoliday,
    OpeningHours,
    Weekday,
    YearlyHoliday,
    YearlyNthHoliday,
    add_business_time,
    business_time_between,
    is_business_time,
    next_business_instant,
)
from syncd.domain.policy.calendar import parse_calendar
from syncd.domain.policy.errors import ConfigError

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
WORKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def make_calendar(**overrides: object) -> BusinessCalendar:
    """A New York office, Monday to Friday 09:00-17:00, built through the policy parser."""
    raw: dict[str, object] = {
        "timezone": "America/New_York",
        "hours": dict.fromkeys(WORKDAYS, "09:00-17:00"),
    }
    raw.update(overrides)
    errors: list[ConfigError] = []
    cal = parse_calendar(raw, "sla.calendar", errors)
    assert errors == []
    assert cal is not None
    return cal


def ny(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def berlin(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


NY_OFFICE = make_calendar(
    holidays=[
        {"every_year": "12-25", "name": "Christmas Day"},
        {"date": "2026-12-24", "name": "Christmas Eve", "closed": "12:00-24:00"},
        {
            "every_year": {"month": "november", "weekday": "thursday", "nth": 4},
            "name": "Thanksgiving",
        },
        {"every_year": {"month": 5, "weekday": "monday", "nth": "last"}, "name": "Memorial Day"},
    ]
)
BERLIN_ROUND_THE_CLOCK = make_calendar(
    timezone="Europe/Berlin", hours=dict.fromkeys((*WORKDAYS, "saturday", "sunday"), "24h")
)
NY_ROUND_THE_CLOCK = make_calendar(
    hours=dict.fromkeys((*WORKDAYS, "saturday", "sunday"), "00:00-24:00")
)
MUNICH_OFFICE = make_calendar(
    timezone="Europe/Berlin",
    hours=dict.fromkeys(WORKDAYS, "08:30-17:30"),
    country_holidays={"country": "de", "subdivision": "by"},
)


SUNDAY_NIGHT_SHIFT = make_calendar(hours={"sunday": "02:30-06:00"})


# --- adding business time -------------------------------------------------------------

ADD_CASES = [
    (
        "within one day",
        NY_OFFICE,
        ny(2026, 11, 23, 10, 0),
        timedelta(hours=2),
        ny(2026, 11, 23, 12, 0),
    ),
    (
        "before opening starts at opening",
        NY_OFFICE,
        ny(2026, 11, 23, 7, 15),
        timedelta(hours=1),
        ny(2026, 11, 23, 10, 0),
    ),
    (
        "after closing starts next morning",
        NY_OFFICE,
        ny(2026, 11, 23, 18, 0),
        timedelta(hours=1),
        ny(2026, 11, 24, 10, 0),
    ),
    (
        "carries over the evening",
        NY_OFFICE,
        ny(2026, 11, 23, 16, 0),
        timedelta(hours=4),
        ny(2026, 11, 24, 12, 0),
    ),
    (
        "friday afternoon to monday",
        NY_OFFICE,
        ny(2026, 11, 13, 15, 30),
        timedelta(hours=4),
        ny(2026, 11, 16, 11, 30),
    ),
    (
        "one business day ends at the closing instant",
        NY_OFFICE,
        ny(2026, 11, 23, 9, 0),
        timedelta(hours=8),
        ny(2026, 11, 23, 17, 0),
    ),
    (
        "zero duration inside hours is the start",
        NY_OFFICE,
        ny(2026, 11, 23, 11, 5),
        timedelta(0),
        ny(2026, 11, 23, 11, 5),
    ),
    (
        "zero duration at closing is the next opening",
        NY_OFFICE,
        ny(2026, 11, 23, 17, 0),
        timedelta(0),
        ny(2026, 11, 24, 9, 0),
    ),
    (
        "skips thanksgiving, a 4th thursday",
        NY_OFFICE,
        ny(2026, 11, 25, 16, 30),
        timedelta(hours=1),
        ny(2026, 11, 27, 9, 30),
    ),
    (
        "skips memorial day, a last monday",
        NY_OFFICE,
        ny(2026, 5, 22, 16, 0),
        timedelta(hours=2),
        ny(2026, 5, 26, 10, 0),
    ),
    (
        "yearly christmas on a friday",
        NY_OFFICE,
        ny(2026, 12, 23, 16, 0),
        timedelta(hours=5),
        ny(2026, 12, 28, 10, 0),
    ),
    (
        "christmas eve closes at noon",
        NY_OFFICE,
        ny(2026, 12, 24, 11, 0),
        timedelta(hours=2),
        ny(2026, 12, 28, 10, 0),
    ),
    (
        "over the US spring-forward weekend",
        NY_OFFICE,
        ny(2026, 3, 6, 16, 0),
        timedelta(hours=2),
        ny(2026, 3, 9, 10, 0),
    ),
    (
        "24h day with the EU spring-forward has 23 hours",
        BERLIN_ROUND_THE_CLOCK,
        berlin(2026, 3, 28, 12, 0),
        timedelta(hours=24),
        berlin(2026, 3, 29, 13, 0),
    ),
    (
        "24h day with the US fall-back has 25 hours",
        NY_ROUND_THE_CLOCK,
        ny(2026, 10, 31, 12, 0),
        timedelta(hours=24),
        ny(2026, 11, 1, 11, 0),
    ),
    (
        "an opening skipped by spring-forward starts an hour later",
        SUNDAY_NIGHT_SHIFT,
        ny(2026, 3, 8, 0, 0),
        timedelta(hours=1),
        ny(2026, 3, 8, 4, 30),
    ),
    (
        "bavarian epiphany from the holidays package",
        MUNICH_OFFICE,
        berlin(2026, 1, 5, 16, 30),
        timedelta(hours=2),
        berlin(2026, 1, 7, 9, 30),
    ),
]


@pytest.mark.parametrize(
    ("cal", "start", "duration", "expected"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_business_time_lands_on_the_expected_instant(
    cal: BusinessCalendar, start: datetime, duration: timedelta, expected: datetime
) -> None:
    assert add_business_time(start, duration, cal) == expected


def test_add_business_time_answers_in_the_time_zone_of_the_start() -> None:
    due = add_business_time(
        datetime(2026, 11, 23, 15, 0, tzinfo=UTC), timedelta(hours=1), NY_OFFICE
    )

    assert due.tzinfo is UTC
    assert due == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_add_business_time_over_a_long_span_walks_days_not_minutes() -> None:
    # 250 business days of 8 hours: a minute-by-minute walk would take 120,000 steps.
    due = add_business_time(ny(2026, 1, 2, 9, 0), timedelta(hours=8 * 250), NY_OFFICE)

    assert business_time_between(ny(2026, 1, 2, 9, 0), due, NY_OFFICE) == timedelta(hours=2000)
    assert date(2026, 12, 1) < due.date() < date(2027, 1, 31)


def test_add_business_time_rejects_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 11, 23, 9, 0), timedelta(hours=1), NY_OFFICE)


def test_add_business_time_rejects_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_time(ny(2026, 11, 23, 9, 0), timedelta(hours=-1), NY_OFFICE)


# --- measuring and testing instants ---------------------------------------------------

BETWEEN_CASES = [
    (
        "inside one day",
        ny(2026, 11, 23, 10, 0),
        ny(2026, 11, 23, 12, 30),
        timedelta(hours=2, minutes=30),
    ),
    (
        "overnight counts only open hours",
        ny(2026, 11, 23, 16, 0),
        ny(2026, 11, 24, 10, 0),
        timedelta(hours=2),
    ),
    (
        "a whole week is five days",
        ny(2026, 11, 16, 0, 0),
        ny(2026, 11, 23, 0, 0),
        timedelta(hours=40),
    ),
    (
        "thanksgiving week is four days",
        ny(2026, 11, 23, 0, 0),
        ny(2026, 11, 30, 0, 0),
        timedelta(hours=32),
    ),
    ("end before start is zero", ny(2026, 11, 24, 12, 0), ny(2026, 11, 23, 12, 0), timedelta(0)),
    ("weekend only is zero", ny(2026, 11, 21, 8, 0), ny(2026, 11, 22, 20, 0), timedelta(0)),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_business_time_between_counts_open_hours_only(
    a: datetime, b: datetime, expected: timedelta
) -> None:
    assert business_time_between(a, b, NY_OFFICE) == expected


def test_business_time_between_a_24h_calendar_is_real_elapsed_time_across_dst() -> None:
    a, b = berlin(2026, 3, 28, 0, 0), berlin(2026, 3, 30, 0, 0)

    assert business_time_between(a, b, BERLIN_ROUND_THE_CLOCK) == timedelta(hours=47)


IS_BUSINESS_CASES = [
    ("the opening instant", ny(2026, 11, 23, 9, 0), True),
    ("mid afternoon", ny(2026, 11, 23, 15, 59), True),
    ("the closing instant", ny(2026, 11, 23, 17, 0), False),
    ("a saturday", ny(2026, 11, 21, 11, 0), False),
    ("thanksgiving", ny(2026, 11, 26, 11, 0), False),
    ("christmas eve morning", ny(2026, 12, 24, 11, 59), True),
    ("christmas eve afternoon", ny(2026, 12, 24, 12, 0), False),
    ("opening expressed in UTC", datetime(2026, 11, 23, 14, 0, tzinfo=UTC), True),
]


@pytest.mark.parametrize(
    ("t", "expected"),
    [case[1:] for case in IS_BUSINESS_CASES],
    ids=[case[0] for case in IS_BUSINESS_CASES],
)
def test_is_business_time(t: datetime, expected: bool) -> None:
    assert is_business_time(t, NY_OFFICE) is expected


def test_next_business_instant_after_a_holiday_weekend_is_monday_opening() -> None:
    assert next_business_instant(ny(2026, 12, 24, 13, 0), NY_OFFICE) == ny(2026, 12, 28, 9, 0)


def test_a_calendar_closed_every_day_of_the_week_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one weekday"):
        BusinessCalendar("America/New_York", (None,) * 7)


def test_a_calendar_whose_only_open_day_is_always_a_holiday_stops_searching() -> None:
    # Open only on Mondays, and every Monday is a holiday (1st..4th and last of each month).
    every_monday = tuple(
        YearlyNthHoliday(month, Weekday.MONDAY, nth)
        for month in range(1, 13)
        for nth in (1, 2, 3, 4, -1)
    )
    cal = BusinessCalendar("UTC", (OpeningHours(540, 1020), *(None,) * 6), every_monday)

    with pytest.raises(ValueError, match="no business hours"):
        add_business_time(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1), cal)


# --- the policy YAML ------------------------------------------------------------------


def test_parse_calendar_builds_hours_holidays_and_country_holidays() -> None:
    assert MUNICH_OFFICE.weekly[Weekday.MONDAY] == OpeningHours(510, 1050)
    assert MUNICH_OFFICE.weekly[Weekday.SATURDAY] is None
    assert MUNICH_OFFICE.country_holidays == CountryHolidays("DE", "BY")
    assert NY_OFFICE.holidays == (
        YearlyHoliday(12, 25, "Christmas Day"),
        DateHoliday(date(2026, 12, 24), "Christmas Eve", Closure(720, 1440)),
        YearlyNthHoliday(11, Weekday.THURSDAY, 4, "Thanksgiving"),
        YearlyNthHoliday(5, Weekday.MONDAY, -1, "Memorial Day"),
    )


def test_parse_calendar_accepts_yaml_dates_and_closed_days() -> None:
    cal = make_calendar(
        hours={"monday": "08:00-12:00", "saturday": "closed", "sunday": None},
        holidays=[
            {"every_year": "07-04", "from": date(2020, 1, 1), "until": "2030-12-31"},
            {"date": date(2026, 7, 3)},
        ],
    )

    assert cal.weekly == (OpeningHours(480, 720), None, None, None, None, None, None)
    assert cal.holidays == (
        YearlyHoliday(7, 4, valid_from=date(2020, 1, 1), valid_until=date(2030, 12, 31)),
        DateHoliday(date(2026, 7, 3)),
    )


def test_a_yearly_holiday_outside_its_bounds_does_not_close_the_office() -> None:
    cal = make_calendar(holidays=[{"every_year": "11-23", "from": "2027-01-01"}])

    assert is_business_time(ny(2026, 11, 23, 10, 0), cal)
    assert not is_business_time(ny(2027, 11, 23, 10, 0), cal)


PARSE_ERROR_CASES: list[tuple[str, Mapping[str, object], str, str]] = [
    ("unknown time zone", {"timezone": "America/Gotham"}, "cal.timezone", "unknown time zone"),
    ("missing time zone", {"timezone": None}, "cal.timezone", "IANA"),
    ("misspelt weekday", {"hours": {"mondey": "09:00-17:00"}}, "cal.hours.mondey", "weekday"),
    ("close before open", {"hours": {"monday": "17:00-09:00"}}, "cal.hours.monday", "HH:MM-HH:MM"),
    ("YAML sexagesimal number", {"hours": {"monday": 540}}, "cal.hours.monday", "HH:MM-HH:MM"),
    ("closed all week", {"hours": {"monday": "closed"}}, "cal.hours", "closed every day"),
    (
        "holiday without a date",
        {"holidays": [{"name": "Founders Day"}]},
        "cal.holidays[0]",
        "exactly one",
    ),
    (
        "bad holiday date",
        {"holidays": [{"date": "2026-13-01"}]},
        "cal.holidays[0].date",
        "YYYY-MM-DD",
    ),
    (
        "february 30th",
        {"holidays": [{"every_year": "02-30"}]},
        "cal.holidays[0].every_year",
        "MM-DD",
    ),
    (
        "fifth monday",
        {"holidays": [{"every_year": {"month": 5, "weekday": "monday", "nth": 5}}]},
        "cal.holidays[0].every_year.nth",
        "'last'",
    ),
    (
        "bad partial closure",
        {"holidays": [{"date": "2026-12-24", "closed": "noon"}]},
        "cal.holidays[0].closed",
        "HH:MM-HH:MM",
    ),
    (
        "bounds on a one-off date",
        {"holidays": [{"date": "2026-12-24", "from": "2026-01-01"}]},
        "cal.holidays[0].from",
        "every_year",
    ),
    (
        "until before from",
        {"holidays": [{"every_year": "01-01", "from": "2027-01-01", "until": "2026-01-01"}]},
        "cal.holidays[0].until",
        "before",
    ),
    ("unknown country", {"country_holidays": "XX"}, "cal.country_holidays", "no public holidays"),
    ("unknown key", {"weekends": "closed"}, "cal", "unknown key"),
]


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [case[1:] for case in PARSE_ERROR_CASES],
    ids=[case[0] for case in PARSE_ERROR_CASES],
)
def test_parse_calendar_reports_the_problem_at_its_path(
    override: Mapping[str, object], path: str, message: str
) -> None:
    raw: dict[str, object] = {
        "timezone": "America/New_York",
        "hours": dict.fromkeys(WORKDAYS, "09:00-17:00"),
    }
    raw.update(override)
    errors: list[ConfigError] = []

    assert parse_calendar(raw, "cal", errors) is None
    assert [e.path for e in errors] == [path]
    assert message in errors[0].message


def test_parse_calendar_reports_every_error_at_once() -> None:
    errors: list[ConfigError] = []
    raw = {
        "timezone": "Mars/Olympus",
        "hours": {"monday": "nine to five"},
        "holidays": [{"date": "tomorrow"}, {"every_year": "12-32"}],
    }

    assert parse_calendar(raw, "sla.calendar", errors) is None
    assert {e.path for e in errors} == {
        "sla.calendar.timezone",
        "sla.calendar.hours.monday",
        "sla.calendar.holidays[0].date",
        "sla.calendar.holidays[1].every_year",
    }


# --- the org's BusinessHours and Holiday rows -----------------------------------------


def org_business_hours(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Id": "01m5e000000GmGqAAK",
        "Name": "Default",
        "IsDefault": True,
        "IsActive": True,
        "TimeZoneSidKey": "America/New_York",
        "SaturdayStartTime": None,
        "SaturdayEndTime": None,
        "SundayStartTime": None,
        "SundayEndTime": None,
    }
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        row[f"{day}StartTime"] = "09:00:00.000Z"
        row[f"{day}EndTime"] = "17:00:00.000Z"
    row.update(overrides)
    return row


def org_holiday(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Id": "0C05e000000H1dAAAS",
        "Name": "Holiday",
        "ActivityDate": None,
        "IsAllDay": True,
        "StartTimeInMinutes": None,
        "EndTimeInMinutes": None,
        "IsRecurrence": False,
        "RecurrenceType": None,
        "RecurrenceStartDate": None,
        "RecurrenceEndDateOnly": None,
        "RecurrenceMonthOfYear": None,
        "RecurrenceDayOfMonth": None,
        "RecurrenceInstance": None,
        "RecurrenceDayOfWeekMask": None,
    }
    row.update(overrides)
    return row


# --- properties -----------------------------------------------------------------------

CALENDARS = {
    "new york office with holidays": NY_OFFICE,
    "munich office with bavarian holidays": MUNICH_OFFICE,
    "berlin round the clock": BERLIN_ROUND_THE_CLOCK,
}
# 2026 covers both DST changes in New York (8 Mar, 1 Nov) and Berlin (29 Mar, 25 Oct).
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=80))
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, duration=durations)
def test_a_due_time_is_never_before_the_start_and_lies_in_business_hours(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(start, duration, cal)

    assert due >= start
    if duration:
        # Inside business hours or exactly at a closing instant (documented choice).
        assert is_business_time(due - timedelta(microseconds=1), cal)
    else:
        assert is_business_time(due, cal)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, duration=durations)
def test_business_time_between_inverts_add_business_time(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    assert business_time_between(start, add_business_time(start, duration, cal), cal) == duration


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=instants, first=durations, second=durations.filter(bool))
def test_adding_business_time_in_two_steps_equals_adding_it_at_once(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    in_steps = add_business_time(add_business_time(start, first, cal), second, cal)

    assert in_steps == add_business_time(start, first + second, cal)
