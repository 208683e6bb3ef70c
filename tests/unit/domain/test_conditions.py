"""The condition language: each test kind, the combinators, and the YAML shape's errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from syncd.domain.conditions import (
    All,
    Any,
    Contains,
    Equals,
    In,
    IsBlank,
    Not,
    Range,
    Regex,
    condition_fields,
    describe,
    matches,
)
from syncd.domain.policy.conditions import parse_condition
from syncd.domain.policy.errors import ConfigError

LEAD = {
    "title": "  VP of Engineering ",
    "industry": "Software",
    "country": "US",
    "number_of_employees": 800,
    "annual_revenue": Decimal("25000000.00"),
    "company": "Northwind Traders",
    "phone": "   ",
    "rating": None,
    "employees_text": "1,200",
}

MATCHING = [
    ("equals ignores case and surrounding space", {"field": "industry", "equals": "software"}),
    ("equals on numbers compares numerically", {"field": "number_of_employees", "equals": 800.0}),
    ("in a list of codes", {"field": "country", "in": ["CA", "us"]}),
    ("contains is a case-insensitive substring", {"field": "company", "contains": "WIND"}),
    ("regex searches the text", {"field": "title", "regex": r"(?i)\bvp\b"}),
    ("range includes its minimum", {"field": "number_of_employees", "min": 800, "max": 900}),
    ("range reads Decimal values", {"field": "annual_revenue", "min": 10_000_000}),
    ("range reads numeric text", {"field": "employees_text", "min": 1000}),
    ("blank covers whitespace-only text", {"field": "phone", "blank": True}),
    ("blank covers None", {"field": "rating", "blank": True}),
    ("blank covers a missing field", {"field": "no_such_field", "blank": True}),
    ("blank false means present", {"field": "company", "blank": False}),
    (
        "all of several",
        {
            "all": [
                {"field": "country", "equals": "US"},
                {"field": "industry", "equals": "Software"},
            ]
        },
    ),
    (
        "any of several",
        {
            "any": [
                {"field": "country", "equals": "DE"},
                {"field": "industry", "equals": "Software"},
            ]
        },
    ),
    ("not of a miss", {"not": {"field": "country", "equals": "DE"}}),
]

MISSING = [
    (
        "equals can be made case-sensitive",
        {"field": "industry", "equals": "software", "case_insensitive": False},
    ),
    ("in misses values not listed", {"field": "country", "in": ["CA", "MX"]}),
    ("contains misses absent text", {"field": "company", "contains": "acme"}),
    ("regex without (?i) is case-sensitive", {"field": "title", "regex": r"\bvp\b"}),
    ("range excludes its maximum", {"field": "number_of_employees", "min": 200, "max": 800}),
    ("range never matches a missing value", {"field": "no_such_field", "max": 10}),
    ("range never matches text that is not a number", {"field": "company", "min": 0}),
    ("blank misses present text", {"field": "company", "blank": True}),
    ("contains never matches None", {"field": "rating", "contains": "hot"}),
    (
        "all fails if one fails",
        {"all": [{"field": "country", "equals": "US"}, {"field": "industry", "equals": "Retail"}]},
    ),
    ("any fails if none match", {"any": [{"field": "country", "equals": "DE"}]}),
    ("not of a match", {"not": {"field": "country", "equals": "US"}}),
]


def _parse(raw: object) -> All | Any | Contains | Equals | In | IsBlank | Not | Range | Regex:
    errors: list[ConfigError] = []
    cond = parse_condition(raw, "when", errors)
    assert errors == []
    assert cond is not None
    return cond


@pytest.mark.parametrize("raw", [r for _, r in MATCHING], ids=[i for i, _ in MATCHING])
def test_condition_matches(raw: object) -> None:
    assert matches(_parse(raw), LEAD) is True


@pytest.mark.parametrize("raw", [r for _, r in MISSING], ids=[i for i, _ in MISSING])
def test_condition_does_not_match(raw: object) -> None:
    assert matches(_parse(raw), LEAD) is False


PARSED = [
    ("equals", {"field": "industry", "equals": "Software"}, Equals("industry", "Software")),
    ("in", {"field": "country", "in": ["US", "CA"]}, In("country", ("US", "CA"))),
    ("contains", {"field": "company", "contains": "univ"}, Contains("company", "univ")),
    ("regex", {"field": "title", "regex": "(?i)vp"}, Regex("title", "(?i)vp")),
    ("range", {"field": "annual_revenue", "min": 1, "max": 5}, Range("annual_revenue", 1.0, 5.0)),
    ("open range", {"field": "annual_revenue", "max": 5}, Range("annual_revenue", None, 5.0)),
    ("blank", {"field": "phone", "blank": True}, IsBlank("phone")),
    ("not blank", {"field": "phone", "blank": False}, Not(IsBlank("phone"))),
    (
        "nested",
        {"any": [{"not": {"field": "a", "blank": True}}, {"field": "b", "equals": 1}]},
        Any((Not(IsBlank("a")), Equals("b", 1))),
    ),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [(r, e) for _, r, e in PARSED], ids=[i for i, _, _ in PARSED]
)
def test_yaml_shape_parses_to_the_condition_value(raw: object, expected: object) -> None:
    assert _parse(raw) == expected


ERRORS = [
    (
        "not a mapping",
        "title = VP",
        ["when: must be a mapping such as {field: title, equals: CEO}"],
    ),
    (
        "no test",
        {"field": "title"},
        [
            "when: needs one test: one of "
            + str(["equals", "in", "contains", "regex", "min", "max", "blank"])
        ],
    ),
    ("missing field", {"equals": "VP"}, ["when.field: must be a lead field name such as 'title'"]),
    (
        "two tests",
        {"field": "t", "equals": "a", "contains": "b"},
        ["when: has several tests ['equals', 'contains']; combine them with all/any"],
    ),
    (
        "bad regex",
        {"field": "t", "regex": "(vp"},
        [
            "when.regex: invalid regular expression: "
            "missing ), unterminated subpattern at position 0"
        ],
    ),
    ("range bound not a number", {"field": "n", "min": "ten"}, ["when.min: must be a number"]),
    ("empty range", {"field": "n", "min": 5, "max": 5}, ["when: min (5) must be below max (5)"]),
    ("empty in", {"field": "c", "in": []}, ["when.in: must be a non-empty list of values"]),
    (
        "in with a list inside",
        {"field": "c", "in": ["US", ["CA"]]},
        ["when.in[1]: must be a single value"],
    ),
    ("blank not boolean", {"field": "c", "blank": "yes"}, ["when.blank: must be true or false"]),
    (
        "combinator with extra key",
        {"all": [], "field": "x"},
        ["when: 'all' must be the only key; found ['all', 'field']"],
    ),
    ("empty all", {"all": []}, ["when.all: must be a non-empty list of conditions"]),
]


@pytest.mark.parametrize(
    ("raw", "messages"), [(r, m) for _, r, m in ERRORS], ids=[i for i, _, _ in ERRORS]
)
def test_invalid_conditions_are_reported_with_their_path(raw: object, messages: list[str]) -> None:
    errors: list[ConfigError] = []
    assert parse_condition(raw, "when", errors) is None
    assert [f"{e.path}: {e.message}" for e in errors] == messages


def test_every_error_in_a_nested_condition_is_reported_at_once() -> None:
    errors: list[ConfigError] = []
    raw = {
        "any": [
            {"field": "title", "regex": "(vp"},
            {"all": [{"field": "n", "min": "x"}, {"field": "ok", "equals": 1}]},
            {"not": {"field": "", "blank": True}},
        ]
    }
    assert parse_condition(raw, "scoring.fit[2].when", errors) is None
    assert [e.path for e in errors] == [
        "scoring.fit[2].when.any[0].regex",
        "scoring.fit[2].when.any[1].all[0].min",
        "scoring.fit[2].when.any[2].not.field",
    ]


def test_unknown_keys_are_named() -> None:
    errors: list[ConfigError] = []
    parse_condition({"field": "title", "equal": "VP"}, "when", errors)
    assert errors[0].path == "when"
    assert "unknown key(s) ['equal']" in errors[0].message


def test_config_error_renders_file_and_path() -> None:
    error = ConfigError("scoring.fit[3].points", "must be a number")
    assert error.render("policy.yaml") == "policy.yaml: scoring.fit[3].points: must be a number"


def test_condition_fields_lists_every_field_read() -> None:
    cond = _parse(
        {
            "all": [
                {"field": "title", "regex": "vp"},
                {
                    "any": [
                        {"field": "country", "in": ["US"]},
                        {"not": {"field": "state", "blank": True}},
                    ]
                },
            ]
        }
    )
    assert condition_fields(cond) == {"title", "country", "state"}


def test_describe_reads_like_the_rule() -> None:
    cond = _parse(
        {"all": [{"field": "n", "min": 200, "max": 5000}, {"not": {"field": "c", "in": ["US"]}}]}
    )
    assert describe(cond) == "(200 <= n < 5000 and not c in ('US'))"
