"""The simulator's SOQL evaluator: which records a query matches, in what order, how many."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cmp_to_key
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.simulator.soql import BoundQuery, RelativeDate, bind, count, execute, parse
from syncd.simulator.soql.dates import day_range


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    length: int = 0
    picklist_values: tuple[str, ...] = ()


LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "MQL", "Nurture")


LEAD = {
    f.name: f
    for f in (
        Field("Id", "id", 18),
        Field("LastName", "string", 80),
        Field("Company", "string", 255),
        Field("Email", "email", 80),
        Field("Status", "picklist", 255, LEAD_STATUSES),
        Field("OwnerId", "reference", 18),
        Field("IsConverted", "boolean"),
        Field("NumberOfEmployees", "int"),
        Field("AnnualRevenue", "currency"),
        Field("Lead_Score__c", "double"),
        Field("ConvertedDate", "date"),
        Field("SystemModstamp", "datetime"),
        Field("SLA_Due__c", "datetime"),
    )
}

# Monday morning on the US west coast: 16:30 UTC. Relative dates use this zone.
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=LOS_ANGELES)

REP_1 = "0055g0000000001AAA"
REP_2 = "0055g0000000002AAA"
NURTURE_QUEUE = "00G5g0000000001EAA"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def lead(seq: int, last_name: str, **fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        # 18-character ids: the suffix of 00Q5g000000000N is EAA (only the Q is upper-case).
        "Id": f"00Q5g000000000{seq}EAA",
        "LastName": last_name,
        "Company": None,
        "Email": None,
        "Status": "Open - Not Contacted",
        "OwnerId": REP_1,
        "IsConverted": False,
        "NumberOfEmployees": None,
        "AnnualRevenue": None,
        "Lead_Score__c": None,
        "ConvertedDate": None,
        "SystemModstamp": None,
        "SLA_Due__c": None,
    }
    record.update(fields)
    return record


LEADS = [
    lead(
        1,
        "Okafor",
        Company="Northwind Traders",
        Email="a.okafor@northwind.example",
        Status="MQL",
        NumberOfEmployees=250,
        AnnualRevenue=Decimal(5000000),
        Lead_Score__c=82.5,
        SystemModstamp=utc("2026-11-23T15:00:00"),  # today, 07:00 in Los Angeles
        SLA_Due__c=utc("2026-11-24T17:00:00"),  # tomorrow, 09:00 in Los Angeles
    ),
    lead(
        2,
        "Lindqvist",
        Company="100% Organic Ltd",
        Status="Nurture",
        NumberOfEmployees=12,
        Lead_Score__c=35.0,
        SystemModstamp=utc("2026-11-23T07:30:00"),  # yesterday, 23:30 in Los Angeles
    ),
    lead(
        3,
        "García",
        Company="Contoso_Labs",
        Email="m.garcia@contoso.example",
        Status="Working - Contacted",
        OwnerId=REP_2,
        IsConverted=True,
        ConvertedDate=date(2026, 11, 2),
        NumberOfEmployees=5000,
        AnnualRevenue=Decimal(120000000),
        Lead_Score__c=91,
        SystemModstamp=utc("2026-11-10T12:00:00"),
    ),
    lead(
        4,
        "Chen",
        Company="Acme Corp",
        Email="CHEN@ACME.EXAMPLE",
        OwnerId=REP_2,
        SystemModstamp=utc("2026-08-01T00:00:00"),
    ),
    lead(
        5,
        "O'Brien",
        Company="O'Brien & Sons",
        Email="pat@obrien.example",
        Status="MQL",
        OwnerId=NURTURE_QUEUE,
        NumberOfEmployees=8,
        Lead_Score__c=60,
        SystemModstamp=utc("2026-11-22T20:00:00"),  # yesterday, 12:00 in Los Angeles
        SLA_Due__c=utc("2026-11-20T17:00:00"),  # overdue
    ),
    lead(
        6,
        "de Vries",
        Company="Fabrikam",
        Email="j.devries@fabrikam.example",
        Status="Nurture",
        NumberOfEmployees=40,
        AnnualRevenue=Decimal(2500000),
        Lead_Score__c=35.0,
        SystemModstamp=utc("2026-10-15T09:00:00"),
    ),
]
ALL = {"Okafor", "Lindqvist", "García", "Chen", "O'Brien", "de Vries"}


def compiled(soql: str) -> BoundQuery:
    return bind(parse(soql), LEAD, "Lead")


def names_where(condition: str, now: datetime = NOW) -> set[str]:
    rows = execute(compiled(f"SELECT Id FROM Lead WHERE {condition}"), LEADS, now)
    return {str(r["LastName"]) for r in rows}


def ordered_names(clauses: str) -> list[str]:
    return [
        str(r["LastName"]) for r in execute(compiled(f"SELECT Id FROM Lead {clauses}"), LEADS, NOW)
    ]


# --- comparisons, one operator and literal kind at a time ------------------------------

COMPARISONS = [
    ("string-eq-ignores-case", "LastName = 'okafor'", {"Okafor"}),
    ("string-lt-ignores-case", "LastName < 'd'", {"Chen"}),
    ("email-eq-ignores-case", "Email = 'chen@acme.example'", {"Chen"}),
    ("string-ne-matches-nulls", "Email != 'pat@obrien.example'", ALL - {"O'Brien"}),
    ("picklist-eq", "Status = 'mql'", {"Okafor", "O'Brien"}),
    (
        "picklist-in",
        "Status IN ('Nurture', 'working - contacted')",
        {"Lindqvist", "García", "de Vries"},
    ),
    (
        "string-not-in-matches-nulls",
        "Email NOT IN ('chen@acme.example', 'PAT@obrien.example')",
        ALL - {"Chen", "O'Brien"},
    ),
    ("in-with-null", "Email IN (null, 'pat@obrien.example')", {"Lindqvist", "O'Brien"}),
    ("eq-null", "Lead_Score__c = null", {"Chen"}),
    ("ne-null", "Lead_Score__c != null", ALL - {"Chen"}),
    ("double-gt", "Lead_Score__c > 60", {"Okafor", "García"}),
    ("double-ge-decimal-literal", "Lead_Score__c >= 82.5", {"Okafor", "García"}),
    ("double-eq-int-literal", "Lead_Score__c = 35", {"Lindqvist", "de Vries"}),
    ("double-lt", "Lead_Score__c < 60.0", {"Lindqvist", "de Vries"}),
    (
        "int-le-skips-nulls",
        "NumberOfEmployees <= 250",
        {"Okafor", "Lindqvist", "O'Brien", "de Vries"},
    ),
    ("int-in", "NumberOfEmployees IN (12, 5000)", {"Lindqvist", "García"}),
    ("int-ne-matches-nulls", "NumberOfEmployees != 12", ALL - {"Lindqvist"}),
    ("currency-eq", "AnnualRevenue = 5000000", {"Okafor"}),
    ("currency-gt", "AnnualRevenue > 2500000.00", {"Okafor", "García"}),
    ("boolean-eq", "IsConverted = true", {"García"}),
    ("boolean-ne", "IsConverted != TRUE", ALL - {"García"}),
    ("boolean-eq-null-means-false", "IsConverted = null", ALL - {"García"}),
    ("boolean-ne-null-means-true", "IsConverted != null", {"García"}),
    ("boolean-in", "IsConverted IN (true)", {"García"}),
    ("boolean-not-in-null", "IsConverted NOT IN (null)", {"García"}),
    ("id-eq-18", "Id = '00Q5g0000000003EAA'", {"García"}),
    ("id-eq-15", "Id = '00Q5g0000000003'", {"García"}),
    ("reference-in-15", "OwnerId IN ('00G5g0000000001')", {"O'Brien"}),
    ("reference-ne", f"OwnerId != '{REP_1}'", {"García", "Chen", "O'Brien"}),
    ("date-eq", "ConvertedDate = 2026-11-02", {"García"}),
    ("date-gt", "ConvertedDate > 2026-11-02", set()),
    ("datetime-gt", "SystemModstamp > 2026-11-23T07:30:00Z", {"Okafor"}),
    ("datetime-ge", "SystemModstamp >= 2026-11-23T07:30:00Z", {"Okafor", "Lindqvist"}),
    ("datetime-offset", "SystemModstamp >= 2026-11-22T23:30:00-08:00", {"Okafor", "Lindqvist"}),
    ("datetime-millis", "SystemModstamp = 2026-11-23T15:00:00.000Z", {"Okafor"}),
    ("datetime-lt", "SLA_Due__c < 2026-11-23T16:30:00Z", {"O'Brien"}),
    ("like-prefix-ignores-case", "Company LIKE 'north%'", {"Okafor"}),
    ("like-underscore-one-char", "LastName LIKE 'garc_a'", {"García"}),
    ("like-escaped-percent", r"Company LIKE '100\%%'", {"Lindqvist"}),
    ("like-escaped-underscore", r"Company LIKE '%\_%'", {"García"}),
    ("like-wildcard-underscore", "Company LIKE '%_%'", ALL),
    ("like-escaped-quote", r"Company LIKE 'O\'Brien%'", {"O'Brien"}),
    ("like-without-wildcards-is-whole-value", "Company LIKE 'corp'", set()),
    ("not", "NOT Status = 'MQL'", ALL - {"Okafor", "O'Brien"}),
    ("and", "Status = 'MQL' AND Lead_Score__c > 70", {"Okafor"}),
    ("or", "Status = 'MQL' OR IsConverted = true", {"Okafor", "O'Brien", "García"}),
    (
        "three-way-or",
        "LastName = 'Chen' OR LastName = 'Okafor' OR IsConverted = true",
        {"Chen", "Okafor", "García"},
    ),
    (
        "four-way-and",
        "Status = 'Nurture' AND Lead_Score__c = 35 AND Email != null AND NumberOfEmployees > 20",
        {"de Vries"},
    ),
    (
        "and-of-or-and-not",
        f"(Status = 'Nurture' OR Status = 'MQL') AND (NOT OwnerId = '{REP_1}')",
        {"O'Brien"},
    ),
]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [c[1:] for c in COMPARISONS],
    ids=[c[0] for c in COMPARISONS],
)
def test_where_matches_exactly_the_records_salesforce_would(
    condition: str, expected: set[str]
) -> None:
    assert names_where(condition) == expected


def test_a_time_field_compares_times_of_day() -> None:
    schema = {"Id": Field("Id", "id"), "MondayStartTime": Field("MondayStartTime", "time")}
    hours = [
        {"Id": "01m5g0000000001AAA", "MondayStartTime": time(8)},
        {"Id": "01m5g0000000002AAA", "MondayStartTime": time(9, 30)},
        {"Id": "01m5g0000000003AAA", "MondayStartTime": None},
    ]
    bq = bind(
        parse("SELECT Id FROM BusinessHours WHERE MondayStartTime < 09:00:00.000Z"),
        schema,
        "BusinessHours",
    )

    assert [r["Id"] for r in execute(bq, hours, NOW)] == ["01m5g0000000001AAA"]


def test_a_missing_key_counts_as_null() -> None:
    sparse = [{"Id": "00Q5g0000000009EAA", "LastName": "Nakamura"}]
    bq = compiled(
        "SELECT Id FROM Lead WHERE Email = null AND Lead_Score__c != 10 AND IsConverted = false"
    )

    assert execute(bq, sparse, NOW) == sparse


def test_execute_returns_the_stored_records_themselves_unprojected() -> None:
    rows = execute(compiled("SELECT Id FROM Lead WHERE LastName = 'Chen'"), LEADS, NOW)

    assert len(rows) == 1
    assert rows[0] is LEADS[3]


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        execute(
            compiled("SELECT Id FROM Lead WHERE SystemModstamp = TODAY"),
            LEADS,
            datetime(2026, 11, 23),
        )


# --- relative date literals ------------------------------------------------------------

RELATIVE = [
    ("datetime-today", "SystemModstamp = TODAY", {"Okafor"}),
    ("datetime-yesterday", "SystemModstamp = YESTERDAY", {"Lindqvist", "O'Brien"}),
    ("datetime-not-today", "SystemModstamp != TODAY", ALL - {"Okafor"}),
    (
        "last-n-days-includes-today",
        "SystemModstamp = LAST_N_DAYS:1",
        {"Okafor", "Lindqvist", "O'Brien"},
    ),
    ("before-last-n-days", "SystemModstamp < LAST_N_DAYS:14", {"Chen", "de Vries"}),
    ("this-week-starts-sunday", "SystemModstamp = THIS_WEEK", {"Okafor", "Lindqvist", "O'Brien"}),
    ("last-90-days", "SystemModstamp = LAST_90_DAYS", ALL - {"Chen"}),
    ("tomorrow", "SLA_Due__c = TOMORROW", {"Okafor"}),
    ("after-today", "SLA_Due__c > TODAY", {"Okafor"}),
    ("up-to-end-of-today", "SLA_Due__c <= TODAY", {"O'Brien"}),
    ("next-n-days-starts-tomorrow", "SLA_Due__c = NEXT_N_DAYS:1", {"Okafor"}),
    ("date-this-month", "ConvertedDate = THIS_MONTH", {"García"}),
    ("date-n-days-ago", "ConvertedDate = N_DAYS_AGO:21", {"García"}),
    ("date-last-week", "ConvertedDate = LAST_WEEK", set()),
    ("date-from-last-month", "ConvertedDate >= LAST_MONTH", {"García"}),
]


@pytest.mark.parametrize(
    ("condition", "expected"), [r[1:] for r in RELATIVE], ids=[r[0] for r in RELATIVE]
)
def test_relative_date_literals_cover_local_days_around_now(
    condition: str, expected: set[str]
) -> None:
    assert names_where(condition) == expected


def test_relative_dates_follow_the_time_zone_of_now() -> None:
    same_instant_in_utc = NOW.astimezone(UTC)

    assert names_where("SystemModstamp = TODAY", same_instant_in_utc) == {"Okafor", "Lindqvist"}
    assert names_where("SystemModstamp = TODAY", NOW) == {"Okafor"}


MONDAY = datetime(2026, 11, 23, 12, tzinfo=UTC)
RANGES = [
    ("TODAY", None, date(2026, 11, 23), date(2026, 11, 24)),
    ("YESTERDAY", None, date(2026, 11, 22), date(2026, 11, 23)),
    ("TOMORROW", None, date(2026, 11, 24), date(2026, 11, 25)),
    ("LAST_N_DAYS", 7, date(2026, 11, 16), date(2026, 11, 24)),
    ("NEXT_N_DAYS", 7, date(2026, 11, 24), date(2026, 12, 1)),
    ("N_DAYS_AGO", 3, date(2026, 11, 20), date(2026, 11, 21)),
    ("LAST_90_DAYS", None, date(2026, 8, 25), date(2026, 11, 24)),
    ("NEXT_90_DAYS", None, date(2026, 11, 24), date(2027, 2, 22)),
    ("THIS_WEEK", None, date(2026, 11, 22), date(2026, 11, 29)),
    ("LAST_WEEK", None, date(2026, 11, 15), date(2026, 11, 22)),
    ("NEXT_N_WEEKS", 2, date(2026, 11, 29), date(2026, 12, 13)),
    ("THIS_MONTH", None, date(2026, 11, 1), date(2026, 12, 1)),
    ("LAST_MONTH", None, date(2026, 10, 1), date(2026, 11, 1)),
    ("NEXT_MONTH", None, date(2026, 12, 1), date(2027, 1, 1)),
    ("LAST_N_MONTHS", 2, date(2026, 9, 1), date(2026, 11, 1)),
    ("N_MONTHS_AGO", 11, date(2025, 12, 1), date(2026, 1, 1)),
    ("THIS_QUARTER", None, date(2026, 10, 1), date(2027, 1, 1)),
    ("LAST_N_QUARTERS", 2, date(2026, 4, 1), date(2026, 10, 1)),
    ("LAST_YEAR", None, date(2025, 1, 1), date(2026, 1, 1)),
    ("NEXT_N_YEARS", 2, date(2027, 1, 1), date(2029, 1, 1)),
]


@pytest.mark.parametrize(
    ("name", "n", "first", "after_last"),
    RANGES,
    ids=[name if n is None else f"{name}:{n}" for name, n, *_ in RANGES],
)
def test_each_relative_date_literal_spans_the_documented_days(
    name: str, n: int | None, first: date, after_last: date
) -> None:
    assert day_range(RelativeDate(name, n), MONDAY) == (first, after_last)


# --- ORDER BY, LIMIT, OFFSET, COUNT() --------------------------------------------------

ORDERINGS = [
    (
        "text-ignores-case",
        "ORDER BY LastName",
        ["Chen", "de Vries", "García", "Lindqvist", "O'Brien", "Okafor"],
    ),
    (
        "asc-puts-nulls-first",
        "ORDER BY Lead_Score__c, LastName",
        ["Chen", "de Vries", "Lindqvist", "O'Brien", "Okafor", "García"],
    ),
    (
        "desc-puts-nulls-last",
        "ORDER BY Lead_Score__c DESC, LastName",
        ["García", "Okafor", "O'Brien", "de Vries", "Lindqvist", "Chen"],
    ),
    (
        "asc-nulls-last",
        "ORDER BY NumberOfEmployees ASC NULLS LAST",
        ["O'Brien", "Lindqvist", "de Vries", "Okafor", "García", "Chen"],
    ),
    (
        "desc-nulls-first",
        "ORDER BY AnnualRevenue DESC NULLS FIRST, LastName DESC",
        ["O'Brien", "Lindqvist", "Chen", "García", "Okafor", "de Vries"],
    ),
    (
        "datetime",
        "ORDER BY SystemModstamp DESC",
        ["Okafor", "Lindqvist", "O'Brien", "García", "de Vries", "Chen"],
    ),
    (
        "picklist-in-defined-order-then-number",
        "ORDER BY Status, Lead_Score__c DESC, LastName",
        ["Chen", "García", "Okafor", "O'Brien", "de Vries", "Lindqvist"],
    ),
    (
        "picklist-descending",
        "ORDER BY Status DESC, LastName",
        ["de Vries", "Lindqvist", "O'Brien", "Okafor", "García", "Chen"],
    ),
    ("limit", "ORDER BY LastName LIMIT 2", ["Chen", "de Vries"]),
    ("limit-offset", "ORDER BY LastName LIMIT 2 OFFSET 1", ["de Vries", "García"]),
    ("offset-only", "ORDER BY LastName OFFSET 4", ["O'Brien", "Okafor"]),
    ("offset-past-the-end", "ORDER BY LastName OFFSET 10", []),
    ("limit-zero", "ORDER BY LastName LIMIT 0", []),
]


@pytest.mark.parametrize(
    ("clauses", "expected"), [o[1:] for o in ORDERINGS], ids=[o[0] for o in ORDERINGS]
)
def test_order_by_limit_and_offset(clauses: str, expected: list[str]) -> None:
    assert ordered_names(clauses) == expected


def test_text_sorts_by_upper_case_code_points() -> None:
    # Upper-cased, "_" (0x5F) sorts after letters; lower-cased it would sort before them.
    records = [lead(1, "Mc_Donald"), lead(2, "mcadams"), lead(3, "MCB")]
    rows = execute(compiled("SELECT Id FROM Lead ORDER BY LastName"), records, NOW)

    assert [r["LastName"] for r in rows] == ["mcadams", "MCB", "Mc_Donald"]


def test_picklist_values_outside_the_definition_sort_after_the_defined_ones() -> None:
    records = [lead(1, "Ng", Status="Zombie"), lead(2, "Li", Status="MQL"), lead(3, "Wu")]
    rows = execute(compiled("SELECT Id FROM Lead ORDER BY Status"), records, NOW)

    assert [r["Status"] for r in rows] == ["Open - Not Contacted", "MQL", "Zombie"]


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT COUNT() FROM Lead", 6),
        ("SELECT COUNT() FROM Lead WHERE Status = 'Nurture'", 2),
        ("SELECT COUNT() FROM Lead WHERE SystemModstamp = LAST_N_DAYS:1", 3),
        ("SELECT COUNT() FROM Lead WHERE Lead_Score__c != null LIMIT 4", 4),
    ],
    ids=["all", "filtered", "relative-date", "limited"],
)
def test_count_counts_matching_records(soql: str, expected: int) -> None:
    assert count(compiled(soql), LEADS, NOW) == expected


# --- property: execute() agrees with a direct Python filter ----------------------------

_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_names = st.sampled_from(["Ng", "ng", "Nguyen", "Okafor", "OKAFOR", "Li"])
_records = st.lists(
    st.fixed_dictionaries(
        {
            "LastName": st.none() | _names,
            "Lead_Score__c": st.none() | st.integers(-3, 3) | st.sampled_from([0.5, 2.5]),
        }
    ),
    max_size=12,
)
_conditions = st.lists(
    st.one_of(
        st.tuples(st.just("LastName"), st.sampled_from(sorted(_OPS)), _names),
        st.tuples(
            st.just("Lead_Score__c"),
            st.sampled_from(sorted(_OPS)),
            st.integers(-3, 3) | st.sampled_from([0.5, 2.5]),
        ),
    ),
    min_size=1,
    max_size=4,
)


def _literal(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def _expected(record: Mapping[str, object], field: str, op: str, value: object) -> bool:
    actual = record[field]
    if actual is None:
        # SOQL is two-valued: a null field only satisfies !=.
        return op == "!="
    if isinstance(actual, str) and isinstance(value, str):
        return _OPS[op](actual.lower(), value.lower())
    return _OPS[op](actual, value)


@given(records=_records, conditions=_conditions)
def test_execute_agrees_with_a_direct_filter_on_random_conjunctions(
    records: list[dict[str, object]], conditions: list[tuple[str, str, object]]
) -> None:
    where = " AND ".join(f"{f} {op} {_literal(v)}" for f, op, v in conditions)
    bq = compiled(f"SELECT Id FROM Lead WHERE {where}")

    expected = [r for r in records if all(_expected(r, f, op, v) for f, op, v in conditions)]

    assert execute(bq, records, NOW) == expected
    assert count(bq, records, NOW) == len(expected)


# --- property: ORDER BY agrees with a comparator written from the documentation --------

_order_items = st.lists(
    st.tuples(
        st.sampled_from(["LastName", "Lead_Score__c"]),
        st.booleans(),
        st.sampled_from([None, True, False]),
    ),
    min_size=1,
    max_size=2,
    unique_by=lambda item: item[0],
)


def _reference_order(
    records: list[dict[str, object]], items: list[tuple[str, bool, bool | None]]
) -> list[dict[str, object]]:
    def compare(a: Mapping[str, object], b: Mapping[str, object]) -> int:
        for field, descending, nulls_first in items:
            first = (not descending) if nulls_first is None else nulls_first
            va, vb = a[field], b[field]
            if va is None or vb is None:
                if va is vb:
                    continue
                return (-1 if va is None else 1) * (1 if first else -1)
            ka = va.upper() if isinstance(va, str) else va
            kb = vb.upper() if isinstance(vb, str) else vb
            if ka == kb:
                continue
            sign = -1 if ka < kb else 1  # type: ignore[operator]
            return -sign if descending else sign
        return 0

    return sorted(records, key=cmp_to_key(compare))


@given(records=_records, items=_order_items)
def test_order_by_agrees_with_a_reference_comparator(
    records: list[dict[str, object]], items: list[tuple[str, bool, bool | None]]
) -> None:
    clauses = ", ".join(
        f"{field} {'DESC' if desc else 'ASC'}"
        + ("" if nulls is None else (" NULLS FIRST" if nulls else " NULLS LAST"))
        for field, desc, nulls in items
    )
    bq = compiled(f"SELECT Id FROM Lead ORDER BY {clauses}")

    assert execute(bq, records, NOW) == _reference_order(records, items)
