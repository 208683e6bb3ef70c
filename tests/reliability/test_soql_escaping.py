"""Values that reach SOQL are escaped: a lead named ``O'Brien\\' OR Id != '`` cannot change a
query. Checked by round trips through the simulator's SOQL lexer and parser (an independent
reading of the grammar), and by a scan of syncd's code for SOQL built from values."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote as url_quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.salesforce.soql import identifier, in_list, literal, quote, select
from syncd.simulator.soql.lexer import Kind, tokenize
from syncd.simulator.soql.nodes import (
    BooleanValue,
    Comparison,
    DateTimeValue,
    DateValue,
    NullValue,
    NumberValue,
    Op,
    StringValue,
    ValueList,
)
from syncd.simulator.soql.parser import parse

SYNCD = Path(__file__).resolve().parents[2] / "syncd"
HOSTILE = [
    "O'Brien\\' OR Id != '",
    "' OR Name != '",
    "\\' OR '1'='1",
    "x') OR (Id != '",
    "%' LIMIT 1 --",
    "a\nb\r\tc\b\f",
    '"double" quotes',
    "\\",
    "\\\\'",
    "😀 ünïcödé \u202e",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))
FAST = settings(max_examples=300, deadline=None, database=None)


def where_of(soql: str) -> object:
    return parse(soql).where


@FAST
@given(TEXT)
def test_a_quoted_text_is_one_string_token_with_the_same_value(value: str) -> None:
    tokens = tokenize(quote(value))
    assert [t.kind for t in tokens] == [Kind.STRING, Kind.EOF]
    string = tokens[0].value
    assert isinstance(string, StringValue)
    assert string.value == value


@FAST
@given(TEXT)
def test_a_literal_in_a_condition_stays_one_comparison(value: str) -> None:
    soql = select(["Id"], "Lead", where=f"LastName = {literal(value)}")
    where = where_of(soql)
    assert where == Comparison("LastName", Op.EQ, StringValue(where.value.value))  # type: ignore[union-attr]
    assert isinstance(where, Comparison)
    assert isinstance(where.value, StringValue)
    assert where.value.value == value
    assert parse(soql).limit is None


@FAST
@given(st.lists(TEXT, min_size=1, max_size=40), st.integers(min_value=60, max_value=800))
def test_in_list_clauses_hold_every_value_exactly_and_fit_the_url(
    values: list[str], max_chars: int
) -> None:
    longest = max(len(url_quote(literal(v), safe="")) for v in values)
    limit = max(max_chars, longest + 40)
    found: list[str] = []
    for clause in in_list("Email", values, max_url_chars=limit):
        assert len(url_quote(clause, safe="")) <= limit
        where = where_of(f"SELECT Id FROM Lead WHERE {clause}")
        assert isinstance(where, Comparison)
        assert where.field == "Email"
        assert where.op is Op.IN
        assert isinstance(where.value, ValueList)
        for item in where.value.items:
            assert isinstance(item, StringValue)
            found.append(item.value)
    assert found == list(dict.fromkeys(values))


def test_the_issue_s_lead_name_cannot_widen_a_query() -> None:
    name = "O'Brien\\' OR Id != '"
    soql = select(["Id"], "Lead", where=[f"LastName = {literal(name)}", "IsDeleted = false"])
    where = where_of(soql)
    # Two conditions ANDed, the first comparing LastName with the whole name: no OR anywhere.
    assert "Or(" not in repr(where)
    assert repr(where).count("Comparison(") == 2
    assert StringValue(name) in [getattr(c, "value", None) for c in where.operands]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "node"),
    [
        (None, NullValue()),
        (True, BooleanValue(True)),
        (False, BooleanValue(False)),
        (42, NumberValue(Decimal(42))),
        (Decimal("-12.50"), NumberValue(Decimal("-12.50"))),
        (date(2026, 11, 20), DateValue(date(2026, 11, 20))),
        (
            datetime(2026, 11, 20, 10, 15, 30, tzinfo=timezone(timedelta(hours=-5))),
            DateTimeValue(datetime(2026, 11, 20, 15, 15, 30, tzinfo=UTC)),
        ),
    ],
    ids=["null", "true", "false", "int", "decimal", "date", "datetime-offset"],
)
def test_other_literals_read_back_as_the_same_value(value: object, node: object) -> None:
    where = where_of(f"SELECT Id FROM Lead WHERE Amount__c = {literal(value)}")
    assert isinstance(where, Comparison)
    assert where.value == node


@FAST
@given(
    st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e16, 1e-7, -0.0]))
)
def test_a_float_literal_reads_back_as_the_same_number(value: float) -> None:
    where = where_of(f"SELECT Id FROM Lead WHERE Amount__c = {literal(value)}")
    assert isinstance(where, Comparison)
    assert isinstance(where.value, NumberValue)
    assert float(where.value.value) == value


def test_a_naive_datetime_a_non_finite_float_and_unknown_types_are_refused() -> None:
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="no SOQL literal"):
            literal(value)
    with pytest.raises(ValueError, match="timezone-aware"):
        literal(datetime(2026, 11, 20, 10, 0))
    with pytest.raises(TypeError):
        literal(object())


@pytest.mark.parametrize(
    "name",
    ["Name FROM User --", "Id,Name", "LastName = 'x'", "Lead; DELETE", "", "1Id", "Id OR"],
)
def test_a_name_that_is_not_a_soql_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a SOQL"):
        identifier(name)


# --- the code: no SOQL built from values without `literal` ---------------------------------

# Names that may be interpolated into SOQL text: clauses built by soql.py (in_list, literal,
# datetime_literal), field and object names validated by the mappings loader, and the admin's
# where: (validated by syncd/config/soql_where.py).
ALLOWED = {
    "clause",
    "where",
    "count_where",
    "extra",
    "fields",
    "sobject",
    "mapping.sobject",
    "mapping.where",
    "TASK_KEY_FIELD",
    "datetime_literal(since)",
    "' AND '.join(conditions)",
    "', '.join(names)",
    "identifier(sobject)",
    "identifier(field)",
    "int(limit)",
    "head",
}
# Not queries: an error message quoting the query it could not read.
NOT_QUERIES = {("salesforce/payloads.py", "soql")}
SOQL_WORDS = ("SELECT ", " WHERE ", " FROM ", " IN (", "SystemModstamp >=")


def soql_fstrings() -> list[tuple[str, int, str]]:
    """Every f-string in syncd (not the simulator) whose text reads as SOQL, with the
    expressions interpolated into it."""
    found = []
    for path in SYNCD.rglob("*.py"):
        if "simulator" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if not any(word in text for word in SOQL_WORDS):
                continue
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    found.append(
                        (str(path.relative_to(SYNCD)), node.lineno, ast.unparse(part.value))
                    )
    return found


def test_soql_f_strings_interpolate_only_names_and_escaped_clauses() -> None:
    found = soql_fstrings()
    assert found, "the scan found no SOQL at all: is it still looking at the right files?"
    unexpected = [
        f"{file}:{line}: {{{expr}}}"
        for file, line, expr in found
        if expr not in ALLOWED and (file, expr) not in NOT_QUERIES
    ]
    assert unexpected == []
