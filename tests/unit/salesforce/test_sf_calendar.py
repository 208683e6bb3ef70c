"""The org's BusinessHours and Holiday records: decoded once at the border, built into the
rules core's calendar by the mirror's reads (the domain never sees a Salesforce string)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.domain.calendar import CalendarError, YearlyNthHoliday, add_business_time
from syncd.mirror.reads import _holiday
from syncd.ports import FieldKind
from syncd.salesforce.records import BadRecord, RecordDecoder

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS_PULL = {
    f"{d}{e}Time": f"{d.lower()}_{e.lower()}_time" for d in DAYS for e in ("Start", "End")
}
HOLIDAY_PULL = {
    "Name": "name",
    "IsAllDay": "is_all_day",
    "IsRecurrence": "is_recurrence",
    "RecurrenceType": "recurrence_type",
    "RecurrenceMonthOfYear": "recurrence_month_of_year",
    "RecurrenceInstance": "recurrence_instance",
    "RecurrenceDayOfWeekMask": "recurrence_day_of_week_mask",
    "ActivityDate": "activity_date",
}


def weekly(record: dict[str, object]) -> list[tuple[int, int] | None]:
    attrs = RecordDecoder("BusinessHours", HOURS_PULL, {})(record)
    out: list[tuple[int, int] | None] = []
    for d in DAYS:
        start, end = attrs[f"{d.lower()}_start_time"], attrs[f"{d.lower()}_end_time"]
        out.append(None if start is None else (int(start), int(end)))  # type: ignore[call-overload]
    return out


def test_weekday_times_decode_to_minutes_and_midnight_ends_the_day() -> None:
    record = {f"{d}StartTime": "09:00:00.000Z" for d in DAYS[:5]} | {
        f"{d}EndTime": "17:30:00.000Z" for d in DAYS[:5]
    }
    record |= {"SaturdayStartTime": "00:00:00.000Z", "SaturdayEndTime": "00:00:00.000Z"}
    assert weekly(record)[:6] == [(540, 1050)] * 5 + [(0, 1440)]
    assert weekly(record)[6] is None


def test_a_nonsense_time_quarantines_the_record_naming_the_field() -> None:
    with pytest.raises(BadRecord) as caught:
        RecordDecoder("BusinessHours", HOURS_PULL, {})({"Id": "01m", "MondayStartTime": "9am"})
    assert caught.value.field == "MondayStartTime"


def test_thanksgiving_decodes_to_the_fourth_thursday_of_november() -> None:
    decoder = RecordDecoder("Holiday", HOLIDAY_PULL, {"is_all_day": FieldKind.BOOLEAN})
    attrs = decoder(
        {
            "Name": "Thanksgiving",
            "IsAllDay": True,
            "IsRecurrence": True,
            "RecurrenceType": "RecursYearlyNth",
            "RecurrenceMonthOfYear": "November",
            "RecurrenceInstance": "Fourth",
            "RecurrenceDayOfWeekMask": 16,
        }
    )
    holiday = _holiday(attrs)
    assert isinstance(holiday, YearlyNthHoliday)
    assert holiday.falls_on(date(2026, 11, 26))


def test_an_unsupported_recurrence_is_named_not_applied() -> None:
    attrs = RecordDecoder("Holiday", HOLIDAY_PULL, {})(
        {"Name": "Payday", "IsRecurrence": True, "RecurrenceType": "RecursMonthly"}
    )
    assert "RecursMonthly" in str(_holiday(attrs))


def test_a_week_closed_every_day_is_refused() -> None:
    from syncd.domain.calendar import calendar_from_hours

    with pytest.raises(CalendarError, match="closed on every day"):
        calendar_from_hours("America/New_York", [None] * 7)


def test_decoded_hours_drive_the_sla_arithmetic() -> None:
    from syncd.domain.calendar import calendar_from_hours

    record = {f"{d}StartTime": "09:00:00.000Z" for d in DAYS[:5]} | {
        f"{d}EndTime": "17:00:00.000Z" for d in DAYS[:5]
    }
    cal = calendar_from_hours("America/New_York", weekly(record))
    ny = ZoneInfo("America/New_York")
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=ny)
    assert add_business_time(friday_4pm, timedelta(hours=2), cal) == datetime(
        2026, 11, 23, 10, 0, tzinfo=ny
    )
