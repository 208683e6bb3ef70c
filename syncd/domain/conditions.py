"""The condition language shared by fit rules and routing rules.

A condition tests a lead's fields (mirror attribute names, snake_case) and is written in
YAML as one mapping per test::

    {field: title, regex: "(?i)\\b(vp|vice president)\\b"}
    {field: country, in: [US, CA]}                       # case-insensitive for text
    {field: industry, equals: Software}                  # case_insensitive: false to opt out
    {field: company, contains: "university"}             # case-insensitive substring
    {field: number_of_employees, min: 200, max: 1000}    # min inclusive, max exclusive
    {field: phone, blank: true}                          # None, "" or only whitespace
    {all: [...]}, {any: [...]}, {not: {...}}

`parse_condition` reports every problem into the caller's error list (never raises), so a
policy loader can show all mistakes at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = [
    "All",
    "Any",
    "Condition",
    "Contains",
    "Equals",
    "In",
    "IsBlank",
    "Not",
    "Predicate",
    "Range",
    "Regex",
    "compile_condition",
    "condition_fields",
    "describe",
    "matches",
]


@dataclass(frozen=True, slots=True)
class Equals:
    field: str
    value: object
    case_insensitive: bool = True


@dataclass(frozen=True, slots=True)
class In:
    field: str
    values: tuple[object, ...]
    case_insensitive: bool = True


@dataclass(frozen=True, slots=True)
class Contains:
    """Case-insensitive substring test on the field's text."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class Regex:
    """`re.search` on the field's text; write `(?i)` in the pattern for case-insensitivity."""

    field: str
    pattern: str


@dataclass(frozen=True, slots=True)
class Range:
    """Numeric range: `min <= value < max`; either bound optional; non-numbers never match."""

    field: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class IsBlank:
    field: str


@dataclass(frozen=True, slots=True)
class All:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Any:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    condition: Condition


Condition = Equals | In | Contains | Regex | Range | IsBlank | All | Any | Not
Predicate = Callable[[Mapping[str, object]], bool]


# --- evaluation -------------------------------------------------------------------------

_REGEX_MEMO_LIMIT = 50_000


@lru_cache(maxsize=1024)
def compiled_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value) == 0
    return False


def as_number(value: object) -> float | None:
    """A field value as a float, or None when it is not a finite number.

    The mirror may hand over Decimal (SQL NUMERIC) or text (a formula field read as string).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, Decimal):
        try:
            number = float(value)
        except (InvalidOperation, ValueError):
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _normal(value: object, case_insensitive: bool) -> object:
    """The comparable form of a value: folded, trimmed text; numbers as float."""
    if isinstance(value, str):
        text = value.strip()
        return text.casefold() if case_insensitive else text
    if isinstance(value, bool) or value is None:
        return value
    number = as_number(value)
    return number if number is not None else value


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return str(value)


def compile_condition(cond: Condition) -> Predicate:
    """Turn a condition into a fast predicate; do this once per policy, not per lead."""
    match cond:
        case Equals(field=field, value=value, case_insensitive=ci):
            return _in_predicate(field, (value,), ci)
        case In(field=field, values=values, case_insensitive=ci):
            return _in_predicate(field, values, ci)
        case Contains(field=field, text=text):
            needle = text.casefold()

            def contains(fields: Mapping[str, object]) -> bool:
                haystack = _text(fields.get(field))
                return haystack is not None and needle in haystack.casefold()

            return contains
        case Regex(field=field, pattern=pattern):
            search = compiled_regex(pattern).search
            # Titles, industries and countries repeat across leads: remember answers per value.
            seen: dict[str, bool] = {}

            def regex(fields: Mapping[str, object]) -> bool:
                text = _text(fields.get(field))
                if text is None:
                    return False
                found = seen.get(text)
                if found is None:
                    found = search(text) is not None
                    if len(seen) >= _REGEX_MEMO_LIMIT:
                        seen.clear()
                    seen[text] = found
                return found

            return regex
        case Range(field=field, min=low, max=high):

            def in_range(fields: Mapping[str, object]) -> bool:
                number = as_number(fields.get(field))
                if number is None:
                    return False
                if low is not None and number < low:
                    return False
                return not (high is not None and number >= high)

            return in_range
        case IsBlank(field=field):
            return lambda fields: _is_blank(fields.get(field))
        case All(conditions=children):
            parts = [compile_condition(c) for c in children]
            return lambda fields: all(p(fields) for p in parts)
        case Any(conditions=children):
            parts = [compile_condition(c) for c in children]
            return lambda fields: any(p(fields) for p in parts)
        case Not(condition=child):
            inner = compile_condition(child)
            return lambda fields: not inner(fields)


def _in_predicate(field: str, values: tuple[object, ...], ci: bool) -> Predicate:
    targets = frozenset(_normal(v, ci) for v in values)

    def member(fields: Mapping[str, object]) -> bool:
        value = fields.get(field)
        if type(value) is str:  # the common case, without the generic normalisation
            text = value.strip()
            return (text.casefold() if ci else text) in targets
        return _normal(value, ci) in targets

    return member


@lru_cache(maxsize=4096)
def _cached_predicate(cond: Condition) -> Predicate:
    return compile_condition(cond)


def matches(cond: Condition, fields: Mapping[str, object]) -> bool:
    """Whether the lead fields satisfy the condition (a missing field reads as None)."""
    try:
        predicate = _cached_predicate(cond)
    except TypeError:  # an unhashable Equals value: compile without the cache
        predicate = compile_condition(cond)
    return predicate(fields)


def condition_fields(cond: Condition) -> frozenset[str]:
    """Every field a condition reads, so `syncd check` can verify them against the mapping."""
    match cond:
        case All(conditions=children) | Any(conditions=children):
            return frozenset().union(*(condition_fields(c) for c in children))
        case Not(condition=child):
            return condition_fields(child)
        case Equals(field=f) | In(field=f) | Contains(field=f) | Regex(field=f):
            return frozenset({f})
        case Range(field=f) | IsBlank(field=f):
            return frozenset({f})


def describe(cond: Condition) -> str:
    """A short human rendering, e.g. for `syncd explain` and ledger reasons."""
    match cond:
        case Equals(field=f, value=v):
            return f"{f} = {v!r}"
        case In(field=f, values=vs):
            return f"{f} in ({', '.join(repr(v) for v in vs)})"
        case Contains(field=f, text=t):
            return f"{f} contains {t!r}"
        case Regex(field=f, pattern=p):
            return f"{f} ~ /{p}/"
        case Range(field=f, min=low, max=high):
            low_s = "" if low is None else f"{low:g} <= "
            high_s = "" if high is None else f" < {high:g}"
            return f"{low_s}{f}{high_s}"
        case IsBlank(field=f):
            return f"{f} is blank"
        case All(conditions=children):
            return "(" + " and ".join(describe(c) for c in children) + ")"
        case Any(conditions=children):
            return "(" + " or ".join(describe(c) for c in children) + ")"
        case Not(condition=child):
            return f"not {describe(child)}"


# --- parsing ----------------------------------------------------------------------------
