"""The policy's business calendar (time zone, hours, holidays) parsed into a `BusinessCalendar`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncd.domain.calendar import (
    ALL_DAY,
    MINUTES_PER_DAY,
    BusinessCalendar,
    Closure,
    CountryHolidays,
    DateHoliday,
    Holiday,
    OpeningHours,
    Weekday,
    YearlyHoliday,
    YearlyNthHoliday,
)
from syncd.domain.policy.errors import ConfigError

_WEEKDAY_NAMES = {w.name.lower(): w for w in Weekday}


#: Month names (lower case) -> 1..12, for every reader of named months.
MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


_NTH_NAMES = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


_MONTH_DAY = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")


_CALENDAR_KEYS = frozenset({"timezone", "hours", "holidays", "country_holidays"})


_HOLIDAY_KEYS = frozenset({"date", "every_year", "name", "closed", "from", "until"})


def parse_calendar(raw: object, path: str, errors: list[ConfigError]) -> BusinessCalendar | None:
    """Parse the calendar mapping documented at the top of this module.

    Every problem is appended to `errors` with its path; returns None if there was any.
    """
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping with timezone, hours and holidays"))
        return None
    before = len(errors)
    unknown = sorted(str(k) for k in raw if k not in _CALENDAR_KEYS)
    if unknown:
        errors.append(
            ConfigError(path, f"unknown key(s) {unknown}; expected {sorted(_CALENDAR_KEYS)}")
        )
    timezone = _parse_timezone(raw.get("timezone"), f"{path}.timezone", errors)
    weekly = _parse_hours(raw.get("hours"), f"{path}.hours", errors)
    parsed_holidays = _parse_holidays(raw.get("holidays", []), f"{path}.holidays", errors)
    country = _parse_country(raw.get("country_holidays"), f"{path}.country_holidays", errors)
    if len(errors) != before or timezone is None or weekly is None:
        return None
    return BusinessCalendar(timezone, weekly, parsed_holidays, country)


def _parse_timezone(raw: object, path: str, errors: list[ConfigError]) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        errors.append(ConfigError(path, "must be an IANA time zone name such as Europe/Berlin"))
        return None
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(ConfigError(path, f"unknown time zone {raw!r}"))
        return None
    return raw.strip()


def _parse_range(raw: str) -> tuple[int, int] | None:
    match = _RANGE.match(raw)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or not 0 <= start < end <= MINUTES_PER_DAY:
        return None
    return start, end


def _parse_hours(
    raw: object, path: str, errors: list[ConfigError]
) -> tuple[OpeningHours | None, ...] | None:
    if not isinstance(raw, Mapping) or not raw:
        errors.append(ConfigError(path, 'must map weekdays to hours, e.g. {monday: "09:00-17:00"}'))
        return None
    weekly: list[OpeningHours | None] = [None] * 7
    ok = True
    for key, value in raw.items():
        day = _WEEKDAY_NAMES.get(str(key).strip().lower())
        if day is None:
            errors.append(ConfigError(f"{path}.{key}", "is not a weekday (monday..sunday)"))
            ok = False
            continue
        text = value.strip().lower() if isinstance(value, str) else None
        if value is None or text == "closed":
            continue
        if text == "24h":
            weekly[day] = OpeningHours(0, MINUTES_PER_DAY)
            continue
        span = _parse_range(text) if text is not None else None
        if span is None:
            errors.append(
                ConfigError(
                    f"{path}.{key}",
                    f'must be "HH:MM-HH:MM" (open before close, 24:00 at most), "closed" '
                    f'or "24h"; got {value!r}',
                )
            )
            ok = False
            continue
        weekly[day] = OpeningHours(*span)
    if ok and all(hours is None for hours in weekly):
        errors.append(ConfigError(path, "is closed every day; open at least one weekday"))
        ok = False
    return tuple(weekly) if ok else None


def _parse_holidays(raw: object, path: str, errors: list[ConfigError]) -> tuple[Holiday, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        errors.append(ConfigError(path, "must be a list of holidays"))
        return ()
    parsed = (_parse_holiday(item, f"{path}[{i}]", errors) for i, item in enumerate(raw))
    return tuple(h for h in parsed if h is not None)


def _parse_holiday(raw: object, path: str, errors: list[ConfigError]) -> Holiday | None:
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping with 'date' or 'every_year'"))
        return None
    before = len(errors)
    unknown = sorted(str(k) for k in raw if k not in _HOLIDAY_KEYS)
    if unknown:
        errors.append(
            ConfigError(path, f"unknown key(s) {unknown}; expected {sorted(_HOLIDAY_KEYS)}")
        )
    name = raw.get("name", "")
    if not isinstance(name, str):
        errors.append(ConfigError(f"{path}.name", "must be text"))
        name = ""
    closure = ALL_DAY
    if "closed" in raw:
        closed = raw["closed"]
        span = _parse_range(closed) if isinstance(closed, str) else None
        if span is None:
            errors.append(
                ConfigError(f"{path}.closed", f'must be "HH:MM-HH:MM" within a day; got {closed!r}')
            )
        else:
            closure = Closure(*span)
    has_date, has_yearly = "date" in raw, "every_year" in raw
    if has_date == has_yearly:
        errors.append(ConfigError(path, "needs exactly one of 'date' or 'every_year'"))
        return None
    if has_date:
        for key in ("from", "until"):
            if key in raw:
                errors.append(ConfigError(f"{path}.{key}", "only applies to 'every_year'"))
        day = _parse_date(raw["date"], f"{path}.date", errors)
        if day is None or len(errors) != before:
            return None
        return DateHoliday(day, name, closure)
    valid_from = _parse_date(raw["from"], f"{path}.from", errors) if "from" in raw else None
    valid_until = _parse_date(raw["until"], f"{path}.until", errors) if "until" in raw else None
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        errors.append(ConfigError(f"{path}.until", "must not be before 'from'"))
    rule = raw["every_year"]
    sub_path = f"{path}.every_year"
    if isinstance(rule, str):
        match = _MONTH_DAY.match(rule)
        month_day = (int(match.group(1)), int(match.group(2))) if match else None
        if month_day is None or not _valid_month_day(*month_day):
            errors.append(ConfigError(sub_path, f'must be "MM-DD" such as "12-25"; got {rule!r}'))
            return None
        if len(errors) != before:
            return None
        return YearlyHoliday(*month_day, name, closure, valid_from, valid_until)
    if isinstance(rule, Mapping):
        nth_rule = _parse_nth(rule, sub_path, errors)
        if nth_rule is None or len(errors) != before:
            return None
        month, weekday, nth = nth_rule
        return YearlyNthHoliday(month, weekday, nth, name, closure, valid_from, valid_until)
    errors.append(
        ConfigError(sub_path, 'must be "MM-DD" or {month: ..., weekday: ..., nth: 1..4 | last}')
    )
    return None


def _valid_month_day(month: int, day: int) -> bool:
    try:
        date(2000, month, day)
    except ValueError:
        return False
    return True


def _parse_nth(
    raw: Mapping[object, object], path: str, errors: list[ConfigError]
) -> tuple[int, Weekday, int] | None:
    before = len(errors)
    unknown = sorted(str(k) for k in raw if k not in ("month", "weekday", "nth"))
    if unknown:
        errors.append(ConfigError(path, f"unknown key(s) {unknown}; expected month, weekday, nth"))
    month_raw = raw.get("month")
    month: int | None = None
    if isinstance(month_raw, int) and not isinstance(month_raw, bool) and 1 <= month_raw <= 12:
        month = month_raw
    elif isinstance(month_raw, str):
        month = MONTH_NAMES.get(month_raw.strip().lower())
    if month is None:
        errors.append(
            ConfigError(f"{path}.month", f"must be 1..12 or a month name; got {month_raw!r}")
        )
    weekday_raw = raw.get("weekday")
    weekday = (
        _WEEKDAY_NAMES.get(weekday_raw.strip().lower()) if isinstance(weekday_raw, str) else None
    )
    if weekday is None:
        errors.append(
            ConfigError(f"{path}.weekday", f"must be a weekday name; got {weekday_raw!r}")
        )
    nth_raw = raw.get("nth")
    nth: int | None = None
    if isinstance(nth_raw, int) and not isinstance(nth_raw, bool) and nth_raw in (1, 2, 3, 4):
        nth = nth_raw
    elif isinstance(nth_raw, str):
        nth = _NTH_NAMES.get(nth_raw.strip().lower())
    if nth is None:
        errors.append(ConfigError(f"{path}.nth", f"must be 1..4 or 'last'; got {nth_raw!r}"))
    if len(errors) != before or month is None or weekday is None or nth is None:
        return None
    return month, weekday, nth


def _parse_date(raw: object, path: str, errors: list[ConfigError]) -> date | None:
    # YAML reads an unquoted 2026-12-24 as a date already; a quoted one arrives as text.
    if isinstance(raw, datetime):
        errors.append(ConfigError(path, "must be a date (YYYY-MM-DD), not a date and time"))
        return None
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    errors.append(ConfigError(path, f"must be a date (YYYY-MM-DD); got {raw!r}"))
    return None


def _parse_country(raw: object, path: str, errors: list[ConfigError]) -> CountryHolidays | None:
    if raw is None:
        return None
    country_raw: object
    subdivision_raw: object = None
    if isinstance(raw, str):
        country_raw = raw
    elif isinstance(raw, Mapping):
        unknown = sorted(str(k) for k in raw if k not in ("country", "subdivision"))
        if unknown:
            errors.append(
                ConfigError(path, f"unknown key(s) {unknown}; expected country, subdivision")
            )
            return None
        country_raw, subdivision_raw = raw.get("country"), raw.get("subdivision")
    else:
        errors.append(ConfigError(path, "must be a country code or {country: .., subdivision: ..}"))
        return None
    if not isinstance(country_raw, str) or not country_raw.strip():
        errors.append(ConfigError(f"{path}.country", "must be a country code such as US or DE"))
        return None
    if subdivision_raw is not None and not isinstance(subdivision_raw, str):
        errors.append(ConfigError(f"{path}.subdivision", "must be a code such as NY or BY"))
        return None
    country = country_raw.strip().upper()
    subdivision = subdivision_raw.strip().upper() if subdivision_raw is not None else None
    try:
        return CountryHolidays(country, subdivision)
    except ValueError as exc:
        errors.append(ConfigError(path, f"no public holidays known: {exc}"))
        return None
