"""The simulator's SOQL parser and binder: what they accept, and what they refuse like Salesforce.

Evaluation over records lives in test_soql_execute.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.simulator.soql import (
    And,
    BooleanValue,
    BoundQuery,
    Comparison,
    DateTimeValue,
    DateValue,
    Expr,
    Not,
    NullValue,
    NumberValue,
    Op,
    Or,
    OrderItem,
    Query,
    RelativeDate,
    SoqlError,
    StringValue,
    TimeValue,
    ValueList,
    bind,
    conjuncts,
    format_expr,
    format_query,
    parse,
    resolve_object,
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    length: int = 0


LEAD = {
    f.name: f
    for f in (
        Field("Id", "id", 18),
        Field("LastName", "string", 80),
        Field("Company", "string", 255),
        Field("Email", "email", 80),
        Field("Street", "textarea", 255),
        Field("Description", "textarea", 32000),
        Field("Status", "picklist", 255),
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
BUSINESS_HOURS = {f.name: f for f in (Field("Id", "id", 18), Field("MondayStartTime", "time"))}
OBJECTS = ("Lead", "Task", "BusinessHours")


def where_of(condition: str) -> Expr:
    query = parse(f"SELECT Id FROM Lead WHERE {condition}")
    assert query.where is not None
    return query.where


def compile_lead(soql: str) -> Query:
    """Parse and bind against Lead, returning the bound tree as a Query for inspection."""
    bq = parse_and_bind(soql)
    return Query(bq.object_name, bq.fields, bq.is_count, bq.where, bq.order_by, bq.limit)


def parse_and_bind(soql: str) -> BoundQuery:
    query = parse(soql)
    return bind(query, LEAD, resolve_object(query, OBJECTS))


def refusal(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        parse_and_bind(soql)
    return caught.value


# --- parsing -------------------------------------------------------------------------


def test_a_full_query_parses_into_its_clauses() -> None:
    query = parse(
        "SELECT Id, LastName, Status FROM Lead "
        "WHERE SystemModstamp >= 2026-11-20T10:15:30Z AND IsConverted = false "
        "ORDER BY SystemModstamp ASC, Id DESC NULLS FIRST LIMIT 2000 OFFSET 10"
    )

    assert query == Query(
        object_name="Lead",
        fields=("Id", "LastName", "Status"),
        where=And(
            (
                Comparison(
                    "SystemModstamp",
                    Op.GE,
                    DateTimeValue(datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC)),
                ),
                Comparison("IsConverted", Op.EQ, BooleanValue(False)),
            )
        ),
        order_by=(OrderItem("SystemModstamp"), OrderItem("Id", True, True)),
        limit=2000,
        offset=10,
    )


def test_group_the_queue_object_is_a_name_not_the_start_of_group_by() -> None:
    query = parse("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'")

    assert query.object_name == "Group"
    assert query.where == Comparison("Type", Op.EQ, StringValue("Queue"))


def test_count_alone_is_a_count_query_without_fields() -> None:
    query = parse("SELECT COUNT() FROM Lead WHERE IsConverted = true")

    assert (query.is_count, query.fields) == (True, ())


def test_keywords_are_case_insensitive_and_names_keep_their_spelling() -> None:
    query = parse("select id, lastNAME from lead where STATUS = 'MQL' order by id desc limit 5")

    assert query == Query(
        object_name="lead",
        fields=("id", "lastNAME"),
        where=Comparison("STATUS", Op.EQ, StringValue("MQL")),
        order_by=(OrderItem("id", descending=True),),
        limit=5,
    )


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("=", Op.EQ),
        ("!=", Op.NE),
        ("<>", Op.NE),
        ("<", Op.LT),
        ("<=", Op.LE),
        (">", Op.GT),
        (">=", Op.GE),
        ("like", Op.LIKE),
    ],
    ids=["eq", "bang-eq", "angle-ne", "lt", "le", "gt", "ge", "like"],
)
def test_each_comparison_operator_is_recognised(text: str, op: Op) -> None:
    assert where_of(f"LastName {text} 'Ng'") == Comparison("LastName", op, StringValue("Ng"))


def test_in_and_not_in_take_a_parenthesised_value_list() -> None:
    expected = ValueList((StringValue("MQL"), StringValue("Nurture"), NullValue()))

    assert where_of("Status IN ('MQL', 'Nurture', null)") == Comparison("Status", Op.IN, expected)
    assert where_of("Status not in ('MQL','Nurture',NULL)") == Comparison(
        "Status", Op.NOT_IN, expected
    )


MINUS_FIVE = timezone(-timedelta(hours=5))


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("null", NullValue()),
        ("NULL", NullValue()),
        ("true", BooleanValue(True)),
        ("FALSE", BooleanValue(False)),
        ("42", NumberValue(Decimal(42))),
        ("-3.5", NumberValue(Decimal("-3.5"))),
        ("+7", NumberValue(Decimal(7))),
        ("'Acme Corp'", StringValue("Acme Corp")),
        ("''", StringValue("")),
        ("2026-11-20", DateValue(date(2026, 11, 20))),
        ("2026-11-20T10:15:30Z", DateTimeValue(datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC))),
        (
            "2026-11-20T10:15:30.000Z",
            DateTimeValue(datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC)),
        ),
        (
            "2026-11-20T10:15:30.25+00:00",
            DateTimeValue(datetime(2026, 11, 20, 10, 15, 30, 250000, tzinfo=UTC)),
        ),
        (
            "2026-11-20T05:15:30-05:00",
            DateTimeValue(datetime(2026, 11, 20, 5, 15, 30, tzinfo=MINUS_FIVE)),
        ),
        ("08:30:00.000Z", TimeValue(time(8, 30))),
        ("TODAY", RelativeDate("TODAY")),
        ("yesterday", RelativeDate("YESTERDAY")),
        ("LAST_N_DAYS:30", RelativeDate("LAST_N_DAYS", 30)),
        ("next_n_days:3", RelativeDate("NEXT_N_DAYS", 3)),
        ("THIS_MONTH", RelativeDate("THIS_MONTH")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_literal_kind_is_read_to_its_value(text: str, literal: object) -> None:
    comparison = where_of(f"SLA_Due__c = {text}")

    assert isinstance(comparison, Comparison)
    assert comparison.value == literal


def test_an_offset_datetime_names_the_same_instant_as_utc() -> None:
    comparison = where_of("SLA_Due__c = 2026-11-20T05:15:30-05:00")

    assert isinstance(comparison, Comparison)
    assert isinstance(comparison.value, DateTimeValue)
    assert comparison.value.value == datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "decoded"),
    [
        (r"'O\'Brien'", "O'Brien"),
        (r"'say \"hi\"'", 'say "hi"'),
        (r"'C:\\temp'", "C:\\temp"),
        (r"'line\nbreak'", "line\nbreak"),
        (r"'a\rb\tc'", "a\rb\tc"),
        (r"'bell\bform\f'", "bell\bform\f"),
        (r"'UPPER\N\T'", "UPPER\n\t"),
    ],
    ids=["quote", "double-quote", "backslash", "newline", "cr-tab", "bell-formfeed", "upper-case"],
)
def test_string_escapes_are_decoded(written: str, decoded: str) -> None:
    assert where_of(f"LastName = {written}") == Comparison("LastName", Op.EQ, StringValue(decoded))


def test_escaped_like_wildcards_are_marked_as_literal_characters() -> None:
    assert where_of(r"Company LIKE '100\%\_%'") == Comparison(
        "Company", Op.LIKE, StringValue("100%_%", frozenset({3, 4}))
    )


def test_a_backslash_before_any_other_character_is_malformed() -> None:
    error = refusal(r"SELECT Id FROM Lead WHERE LastName = 'a\qb'")

    assert error.error_code == "MALFORMED_QUERY"
    assert "Invalid string literal" in error.message


@pytest.mark.parametrize(
    "condition",
    [
        "LastName = 'Ng' AND Status = 'MQL' AND IsConverted = false",
        "LastName = 'Ng' OR LastName = 'Li' OR LastName = 'Wu'",
        "(LastName = 'Ng' AND Status = 'MQL') OR IsConverted = true",
        "LastName = 'Ng' AND (Status = 'MQL' OR IsConverted = true)",
        "NOT LastName = 'Ng'",
        "NOT (LastName = 'Ng' OR LastName = 'Li')",
        "LastName = 'Ng' AND (NOT Status = 'MQL')",
        "((LastName = 'Ng'))",
    ],
    ids=[
        "and-chain",
        "or-chain",
        "or-of-and-group",
        "and-of-or-group",
        "not-one",
        "not-group",
        "not-inside-parentheses",
        "double-parentheses",
    ],
)
def test_logical_expressions_salesforce_accepts(condition: str) -> None:
    expr = where_of(condition)

    assert where_of(format_expr(expr)) == expr


def test_parentheses_decide_the_nesting_of_and_and_or() -> None:
    ng = Comparison("LastName", Op.EQ, StringValue("Ng"))
    mql = Comparison("Status", Op.EQ, StringValue("MQL"))
    converted = Comparison("IsConverted", Op.EQ, BooleanValue(True))

    assert where_of("LastName = 'Ng' AND (Status = 'MQL' OR IsConverted = true)") == And(
        (ng, Or((mql, converted)))
    )
    assert where_of("NOT (LastName = 'Ng')") == Not(ng)


@pytest.mark.parametrize(
    ("condition", "token"),
    [
        ("LastName = 'Ng' AND Status = 'MQL' OR IsConverted = true", "OR"),
        ("LastName = 'Ng' OR Status = 'MQL' AND IsConverted = true", "AND"),
        ("NOT LastName = 'Ng' AND Status = 'MQL'", "AND"),
        ("LastName = 'Ng' AND NOT Status = 'MQL'", "NOT"),
    ],
    ids=["and-then-or", "or-then-and", "not-then-and", "and-not-unparenthesised"],
)
def test_mixing_logical_operators_without_parentheses_is_malformed(
    condition: str, token: str
) -> None:
    error = refusal(f"SELECT Id FROM Lead WHERE {condition}")

    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(f"unexpected token: '{token}'")


@pytest.mark.parametrize(
    ("soql", "token"),
    [
        ("SELECT COUNT(Id) FROM Lead", "Id"),
        ("SELECT Id FROM Lead GROUP BY Status", "GROUP"),
        (
            "SELECT Id FROM Lead WHERE IsConverted = false GROUP BY Status HAVING Status = 'x'",
            "GROUP",
        ),
        ("SELECT MAX(Lead_Score__c) FROM Lead", "("),
        ("SELECT Id, (SELECT Id FROM Tasks) FROM Lead", "("),
        ("SELECT Id FROM Lead WHERE Id IN (SELECT WhoId FROM Task)", "SELECT"),
        ("SELECT Owner.Manager.Name FROM Lead", "."),
        ("SELECT Id FROM Lead WHERE Owner.IsActive = true", "."),
        ("SELECT Id FROM Lead l", "l"),
        ("SELECT Id FROM Lead FOR UPDATE", "FOR"),
        ("SELECT Id FROM Lead WITH SECURITY_ENFORCED", "WITH"),
        ("SELECT Id FROM Lead USING SCOPE mine", "USING"),
        ("SELECT TYPEOF Owner WHEN User THEN Name END FROM Lead", "TYPEOF"),
        ("SELECT FIELDS(EVERYTHING) FROM Lead LIMIT 200", "EVERYTHING"),
        ("SELECT * FROM Lead", "*"),
        ("SELECT Id FROM Lead WHERE OwnerId = :owner", ":"),
        ("SELECT Id FROM Lead WHERE DAY_ONLY(SystemModstamp) = TODAY", "("),
        ("SELECT Id FROM Lead WHERE Status INCLUDES ('MQL')", "INCLUDES"),
        ("SELECT Id FROM Lead WHERE ConvertedDate = THIS_FISCAL_YEAR", "THIS_FISCAL_YEAR"),
        ("SELECT Id FROM Lead ALL ROWS", "ALL"),
        ("SELECT Id FROM Lead OFFSET 5 LIMIT 10", "LIMIT"),
        ("SELECT Id FROM Lead LIMIT -1", "-1"),
        ("SELECT Id FROM Lead LIMIT 1.5", "1.5"),
        ("SELECT COUNT(), Id FROM Lead", ","),
        ("SELECT Id FROM Lead WHERE Status = MQL", "MQL"),
        ("SELECT Id FROM Lead WHERE LastName = ('Ng')", "("),
        ("SELECT Id FROM Lead WHERE Status IN ()", ")"),
        ("SELECT Id FROM Lead WHERE ConvertedDate = LAST_N_DAYS", "<EOF>"),
        ("SELECT Id FROM Lead WHERE ConvertedDate IN (TODAY, YESTERDAY)", "TODAY"),
        ("SELECT Id, FROM Lead", "FROM"),
        ("SELECT Id FROM Lead;", ";"),
        ("SELECT Id FROM Lead WHERE", "<EOF>"),
        ("DELETE FROM Lead", "DELETE"),
    ],
    ids=[
        "aggregate-count-of-field",
        "group-by",
        "having",
        "aggregate-max",
        "child-subquery",
        "semi-join",
        "two-relationship-levels",
        "relationship-filter",
        "object-alias",
        "for-update",
        "with",
        "using-scope",
        "typeof",
        "fields-unknown-group",
        "star",
        "bind-variable",
        "date-function",
        "includes",
        "fiscal-literal",
        "all-rows",
        "offset-before-limit",
        "negative-limit",
        "fractional-limit",
        "count-with-fields",
        "unquoted-string",
        "parenthesised-scalar",
        "empty-in-list",
        "relative-date-without-n",
        "relative-date-in-list",
        "dangling-comma",
        "semicolon",
        "empty-where",
        "not-a-select",
    ],
)
def test_unsupported_constructs_are_refused_as_malformed_query(soql: str, token: str) -> None:
    error = refusal(soql)

    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(f"unexpected token: '{token}'")


@pytest.mark.parametrize(
    ("literal", "detail"),
    [
        ("'unterminated", "unterminated string literal"),
        ("2026-02-30", "invalid date literal"),
        ("2026-11-20T10:15:30", "invalid date literal"),
        ("2026-11-20T25:00:00Z", "invalid date literal"),
        ("2026-11-20T10:15Z", "invalid date literal"),
        ("1e5", "unexpected token: '1e'"),
    ],
    ids=[
        "unterminated-string",
        "no-such-day",
        "datetime-without-zone",
        "hour-25",
        "no-seconds",
        "exponent",
    ],
)
def test_malformed_literals_are_refused(literal: str, detail: str) -> None:
    error = refusal(f"SELECT Id FROM Lead WHERE SLA_Due__c = {literal}")

    assert error.error_code == "MALFORMED_QUERY"
    assert detail in error.message


def test_error_messages_point_at_the_offending_token_like_salesforce() -> None:
    error = refusal("SELECT Id FROM Lead\nWHERE IsConverted = false GROUP BY Status")

    assert error.message == (
        "\nWHERE IsConverted = false GROUP BY Status"
        "\n                          ^"
        "\nERROR at Row:2:Column:27"
        "\nunexpected token: 'GROUP'"
    )


def test_a_statement_longer_than_100000_characters_is_refused() -> None:
    ids = ", ".join(f"'00Q5g{n:010d}'" for n in range(6000))

    error = refusal(f"SELECT Id FROM Lead WHERE Id IN ({ids})")

    assert error.error_code == "MALFORMED_QUERY"
    assert "cannot be longer than 100,000 characters" in error.message


def test_deeply_nested_parentheses_are_refused_not_a_crash() -> None:
    error = refusal("SELECT Id FROM Lead WHERE " + "(" * 150 + "LastName = 'Ng'" + ")" * 150)

    assert error.error_code == "MALFORMED_QUERY"
    assert "nested too deeply" in error.message


# --- binding: names ------------------------------------------------------------------


def test_names_resolve_case_insensitively_to_their_canonical_spelling() -> None:
    bound = compile_lead(
        "select id, lastname from LEAD where systemmodstamp > 2026-11-20T00:00:00Z "
        "order by LASTNAME"
    )

    assert bound.object_name == "Lead"
    assert bound.fields == ("Id", "LastName")
    assert bound.where == Comparison(
        "SystemModstamp", Op.GT, DateTimeValue(datetime(2026, 11, 20, tzinfo=UTC))
    )
    assert bound.order_by == (OrderItem("LastName"),)


def test_an_unknown_object_is_invalid_type() -> None:
    error = refusal("SELECT Id FROM Leads")

    assert error.error_code == "INVALID_TYPE"
    assert "sObject type 'Leads' is not supported." in error.message


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, Rating__c FROM Lead",
        "SELECT Id FROM Lead WHERE Rating__c = 'Hot'",
        "SELECT Id FROM Lead ORDER BY Rating__c",
        "SELECT Id FROM Lead WHERE IsConverted = false AND (Status = 'MQL' OR Rating__c = 'Hot')",
    ],
    ids=["select", "where", "order-by", "nested-where"],
)
def test_an_unknown_field_anywhere_is_invalid_field(soql: str) -> None:
    error = refusal(soql)

    assert error.error_code == "INVALID_FIELD"
    assert "No such column 'Rating__c' on entity 'Lead'." in error.message


def test_selecting_a_field_twice_is_refused() -> None:
    error = refusal("SELECT Id, LastName, lastname FROM Lead")

    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith("duplicate field selected: LastName")


# --- binding: literal types ----------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("LastName = 42", "field 'LastName' must be of type string and should be enclosed"),
        ("Status IN ('MQL', 3)", "field 'Status' must be of type string and should be enclosed"),
        ("OwnerId = true", "field 'OwnerId' must be of type id and should be enclosed"),
        ("IsConverted = 'true'", "field 'IsConverted' must be of type boolean and should not"),
        ("NumberOfEmployees = '50'", "field 'NumberOfEmployees' must be of type integer"),
        ("AnnualRevenue > '1000000'", "field 'AnnualRevenue' must be of type double"),
        ("Lead_Score__c >= TODAY", "field 'Lead_Score__c' must be of type double"),
        ("SystemModstamp > 2026-11-20", "field 'SystemModstamp' must be of type dateTime"),
        (
            "SystemModstamp > '2026-11-20T00:00:00Z'",
            "field 'SystemModstamp' must be of type dateTime",
        ),
        ("ConvertedDate = 2026-11-20T00:00:00Z", "field 'ConvertedDate' must be of type date and"),
    ],
    ids=[
        "number-for-string",
        "number-in-string-list",
        "boolean-for-id",
        "quoted-boolean",
        "quoted-integer",
        "quoted-currency",
        "date-literal-for-number",
        "date-for-datetime",
        "quoted-datetime",
        "datetime-for-date",
    ],
)
def test_a_literal_of_the_wrong_type_is_invalid_field(condition: str, expected: str) -> None:
    error = refusal(f"SELECT Id FROM Lead WHERE {condition}")

    assert error.error_code == "INVALID_FIELD"
    assert expected in error.message


@pytest.mark.parametrize(
    "condition",
    [
        "SystemModstamp = TODAY",
        "SystemModstamp > LAST_N_DAYS:7",
        "ConvertedDate = LAST_MONTH",
        "ConvertedDate <= NEXT_N_DAYS:30",
    ],
    ids=["datetime-today", "datetime-last-n-days", "date-last-month", "date-next-n-days"],
)
def test_relative_date_literals_suit_both_date_and_datetime_fields(condition: str) -> None:
    bound = compile_lead(f"SELECT Id FROM Lead WHERE {condition}")

    assert isinstance(bound.where, Comparison)
    assert isinstance(bound.where.value, RelativeDate)


def test_a_time_field_takes_a_time_literal() -> None:
    query = parse("SELECT Id FROM BusinessHours WHERE MondayStartTime = 08:00:00.000Z")

    bound = bind(query, BUSINESS_HOURS, "BusinessHours")

    assert bound.where == Comparison("MondayStartTime", Op.EQ, TimeValue(time(8)))


@pytest.mark.parametrize(
    ("condition", "code", "detail"),
    [
        ("NumberOfEmployees LIKE '5%'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator"),
        ("OwnerId LIKE '005%'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator"),
        ("IsConverted > false", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator"),
        ("OwnerId = 'nobody'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nobody"),
        ("Id IN ('00Q5g00000AbCdEEAV', '')", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: "),
        ("Lead_Score__c > null", "MALFORMED_QUERY", "invalid operator for null"),
        ("LastName LIKE null", "MALFORMED_QUERY", "invalid operator for null"),
        ("Description = 'x'", "INVALID_FIELD", "field 'Description' can not be filtered"),
    ],
    ids=[
        "like-on-number",
        "like-on-reference",
        "ordering-a-boolean",
        "malformed-id",
        "empty-id-in-list",
        "ordering-against-null",
        "like-null",
        "long-text-area",
    ],
)
def test_operators_unfit_for_the_field_are_refused(condition: str, code: str, detail: str) -> None:
    error = refusal(f"SELECT Id FROM Lead WHERE {condition}")

    assert error.error_code == code
    assert detail in error.message


def test_a_long_text_area_cannot_be_sorted_but_a_short_one_can_be_filtered() -> None:
    error = refusal("SELECT Id FROM Lead ORDER BY Description")
    bound = compile_lead("SELECT Id FROM Lead WHERE Street LIKE '%Main St%' ORDER BY Street")

    assert error.error_code == "INVALID_FIELD"
    assert "field 'Description' can not be sorted" in error.message
    assert bound.order_by == (OrderItem("Street"),)


def test_a_15_character_id_literal_is_bound_in_its_18_character_form() -> None:
    bound = compile_lead(
        "SELECT Id FROM Lead WHERE Id IN ('00Q5g00000AbCdE', '00Q5g00000AbCdEEAV')"
    )

    assert bound.where == Comparison(
        "Id",
        Op.IN,
        ValueList((StringValue("00Q5g00000AbCdEEAV"), StringValue("00Q5g00000AbCdEEAV"))),
    )


@pytest.mark.parametrize(
    ("offset", "accepted"), [(2000, True), (2001, False)], ids=["at-limit", "above-limit"]
)
def test_offset_is_capped_at_2000(offset: int, accepted: bool) -> None:
    soql = f"SELECT Id FROM Lead ORDER BY Id LIMIT 10 OFFSET {offset}"

    if accepted:
        query = parse(soql)
        assert bind(query, LEAD, "Lead").offset == offset
    else:
        error = refusal(soql)
        assert error.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
        assert error.message == "Maximum SOQL offset allowed is 2000"


# --- the tree a caller can read ------------------------------------------------------


def test_conjuncts_expose_an_index_friendly_watermark_condition() -> None:
    bound = compile_lead(
        "SELECT Id FROM Lead WHERE SystemModstamp >= 2026-11-20T10:15:30Z "
        "AND (Status = 'MQL' OR IsConverted = true)"
    )

    watermarks = [
        c.value.value
        for c in conjuncts(bound.where)
        if isinstance(c, Comparison)
        and c.field == "SystemModstamp"
        and c.op is Op.GE
        and isinstance(c.value, DateTimeValue)
    ]

    assert watermarks == [datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC)]


def test_format_query_prints_soql_that_parses_back_to_the_same_query() -> None:
    query = parse(
        "select Id, LastName from Lead where (LastName like 'O\\'Br%' or Company LIKE '50\\%%') "
        "and SLA_Due__c < 2026-11-20T05:15:30.5-05:00 and Status not in ('MQL', null) "
        "order by LastName desc nulls last, Id limit 10 offset 20"
    )

    assert parse(format_query(query)) == query


# --- property: printing and parsing agree on arbitrary WHERE trees ---------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_string_literals = _text.map(StringValue) | st.builds(
    lambda s: StringValue(s + "%", frozenset({len(s)})), _text
)
_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, MINUS_FIVE, timezone(timedelta(hours=5, minutes=30))]),
).map(lambda d: DateTimeValue(d.replace(microsecond=d.microsecond // 1000 * 1000)))
_scalars = st.one_of(
    st.just(NullValue()),
    st.booleans().map(BooleanValue),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(NumberValue),
    _string_literals,
    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)).map(DateValue),
    _datetimes,
)
_literals = st.one_of(
    _scalars,
    st.sampled_from(["TODAY", "YESTERDAY", "NEXT_WEEK"]).map(RelativeDate),
    st.integers(0, 999).map(lambda n: RelativeDate("LAST_N_DAYS", n)),
)
_fields = st.sampled_from(["LastName", "Status", "SLA_Due__c", "Lead_Score__c"])
_comparisons = st.one_of(
    st.builds(
        Comparison,
        _fields,
        st.sampled_from([op for op in Op if op not in (Op.IN, Op.NOT_IN)]),
        _literals,
    ),
    st.builds(
        Comparison,
        _fields,
        st.sampled_from([Op.IN, Op.NOT_IN]),
        st.lists(_scalars, min_size=1, max_size=3).map(lambda xs: ValueList(tuple(xs))),
    ),
)
_exprs = st.recursive(
    _comparisons,
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=8,
)


@given(_exprs)
def test_printing_then_parsing_any_where_tree_gives_the_same_tree(expr: Expr) -> None:
    assert where_of(format_expr(expr)) == expr
