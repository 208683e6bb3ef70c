"""SOQL building: every value reaches Salesforce as a correctly escaped literal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote as url_quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.salesforce.soql import (
    date_literal,
    datetime_literal,
    in_list,
    literal,
    parse_datetime,
    quote,
    select,
)

BERLIN = ZoneInfo("Europe/Berlin")
_UNESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def unescape_soql_string(literal_text: str) -> str:
    """Read a SOQL string literal back the way Salesforce does; reject anything malformed."""
    assert literal_text[0] == literal_text[-1] == "'", "a SOQL string is single-quoted"
    body, out, i = literal_text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            assert i + 1 < len(body), "dangling backslash"
            assert body[i + 1] in _UNESCAPES, f"unknown escape \\{body[i + 1]}"
            out.append(_UNESCAPES[body[i + 1]])
            i += 2
            continue
        assert char != "'", "an unescaped quote would end the literal early"
        assert char not in "\n\r", "raw line breaks are not allowed in a literal"
        out.append(char)
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Acme", "'Acme'"),
        ("O'Brien & Sons", "'O\\'Brien & Sons'"),
        ('The "Best" Widgets', "'The \\\"Best\\\" Widgets'"),
        ("C:\\temp\\leads", "'C:\\\\temp\\\\leads'"),
        ("line one\nline two", "'line one\\nline two'"),
        ("tab\there", "'tab\\there'"),
        ("Zürich GmbH", "'Zürich GmbH'"),
        ("' OR Name != '", "'\\' OR Name != \\''"),
    ],
    ids=[
        "plain",
        "apostrophe",
        "double-quotes",
        "backslashes",
        "newline",
        "tab",
        "unicode",
        "injection-attempt",
    ],
)
def test_quote_escapes_what_soql_requires(value: str, expected: str) -> None:
    assert quote(value) == expected


@given(st.text())
def test_any_quoted_string_reads_back_as_itself(value: str) -> None:
    assert unescape_soql_string(quote(value)) == value


def test_datetime_literal_is_utc_unquoted_whole_seconds() -> None:
    local = datetime(2026, 11, 20, 11, 15, 30, 987_000, tzinfo=BERLIN)

    assert datetime_literal(local) == "2026-11-20T10:15:30Z"


def test_datetime_literal_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        datetime_literal(datetime(2026, 11, 20, 10, 15, 30))


def test_date_literal_is_iso_and_unquoted() -> None:
    assert date_literal(date(2026, 11, 20)) == "2026-11-20"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (Decimal("1250000.50"), "1250000.50"),
        (date(2026, 11, 20), "2026-11-20"),
        (
            datetime(2026, 11, 20, 2, 15, 30, tzinfo=ZoneInfo("America/Los_Angeles")),
            "2026-11-20T10:15:30Z",
        ),
        ("Web", "'Web'"),
    ],
    ids=["null", "true", "false", "int", "decimal", "date", "datetime", "string"],
)
def test_literal_renders_each_type(value: object, expected: str) -> None:
    assert literal(value) == expected


def test_select_ands_conditions_and_orders() -> None:
    soql = select(
        ["Id", "Status", "SystemModstamp", "Id"],
        "Lead",
        where=["SystemModstamp >= 2026-11-20T10:10:30Z", f"LeadSource = {quote('Web')}"],
        order_by="SystemModstamp",
        limit=2000,
    )

    assert soql == (
        "SELECT Id, Status, SystemModstamp FROM Lead "
        "WHERE (SystemModstamp >= 2026-11-20T10:10:30Z) AND (LeadSource = 'Web') "
        "ORDER BY SystemModstamp LIMIT 2000"
    )


@pytest.mark.parametrize(
    "bad_name",
    ["Id, (SELECT Id FROM Users)", "Lead WHERE", "Owner..Name", ""],
    ids=["subquery", "clause", "double-dot", "empty"],
)
def test_select_refuses_names_that_are_not_identifiers(bad_name: str) -> None:
    with pytest.raises(ValueError, match="not a SOQL field or object name"):
        select([bad_name], "Lead")


def test_in_list_chunks_to_stay_under_the_url_limit_and_keeps_every_id_once() -> None:
    ids = [f"00Q8d00000{n:05d}EAA" for n in range(3000)] + ["00Q8d0000000000EAA"]

    clauses = in_list("Id", ids, max_url_chars=12_000)

    assert len(clauses) > 1
    assert all(len(url_quote(c, safe="")) <= 12_000 for c in clauses)
    found = [i.strip("'") for c in clauses for i in c.removeprefix("Id IN (")[:-1].split(",")]
    assert found == list(dict.fromkeys(ids))


def test_in_list_of_nothing_is_no_clause() -> None:
    assert in_list("Id", []) == []


@pytest.mark.parametrize(
    "text",
    ["2026-11-20T10:15:30.000+0000", "2026-11-20T10:15:30.000Z", "2026-11-20T11:15:30+01:00"],
    ids=["rest", "bulk", "iso"],
)
def test_parse_datetime_reads_salesforce_forms_as_aware_utc_instant(text: str) -> None:
    assert parse_datetime(text) == datetime(2026, 11, 20, 10, 15, 30, tzinfo=ZoneInfo("UTC"))
