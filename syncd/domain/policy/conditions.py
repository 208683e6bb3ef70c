"""The policy's condition syntax (field with equals/in/contains/regex/min/max/blank;
all/any/not) parsed into `Condition` values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from syncd.domain.conditions import (
    All,
    Any,
    Condition,
    Contains,
    Equals,
    In,
    IsBlank,
    Not,
    Range,
    Regex,
    compiled_regex,
)
from syncd.domain.policy.errors import ConfigError

_LEAF_OPERATORS = ("equals", "in", "contains", "regex", "min", "max", "blank")


_LEAF_KEYS = frozenset({"field", "case_insensitive", *_LEAF_OPERATORS})


_COMBINATORS = ("all", "any", "not")


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, Decimal))


def parse_condition(raw: object, path: str, errors: list[ConfigError]) -> Condition | None:
    """Parse one condition from its YAML shape; append every problem to `errors`.

    Returns None when anything under `path` was wrong (the errors say what).
    """
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping such as {field: title, equals: CEO}"))
        return None
    keys = [str(k) for k in raw]
    combinators = [k for k in keys if k in _COMBINATORS]
    if combinators:
        if len(keys) != 1:
            errors.append(
                ConfigError(path, f"'{combinators[0]}' must be the only key; found {sorted(keys)}")
            )
            return None
        return _parse_combinator(combinators[0], raw[combinators[0]], path, errors)
    return _parse_leaf(raw, keys, path, errors)


def _parse_combinator(
    key: str, body: object, path: str, errors: list[ConfigError]
) -> Condition | None:
    sub_path = f"{path}.{key}"
    if key == "not":
        child = parse_condition(body, sub_path, errors)
        return None if child is None else Not(child)
    if not isinstance(body, Sequence) or isinstance(body, str) or not body:
        errors.append(ConfigError(sub_path, "must be a non-empty list of conditions"))
        return None
    children = [parse_condition(item, f"{sub_path}[{i}]", errors) for i, item in enumerate(body)]
    parsed = tuple(c for c in children if c is not None)
    if len(parsed) != len(children):
        return None
    return All(parsed) if key == "all" else Any(parsed)


def _parse_leaf(
    raw: Mapping[object, object], keys: list[str], path: str, errors: list[ConfigError]
) -> Condition | None:
    before = len(errors)
    unknown = sorted(k for k in keys if k not in _LEAF_KEYS)
    if unknown:
        errors.append(
            ConfigError(
                path,
                f"unknown key(s) {unknown}; expected 'field' with one of "
                f"{list(_LEAF_OPERATORS)} (min/max together), or one of {list(_COMBINATORS)}",
            )
        )
    field = raw.get("field")
    if not isinstance(field, str) or not field.strip():
        errors.append(ConfigError(f"{path}.field", "must be a lead field name such as 'title'"))
    operators = [k for k in keys if k in _LEAF_OPERATORS]
    range_ops = [k for k in operators if k in ("min", "max")]
    other_ops = [k for k in operators if k not in ("min", "max")]
    if not operators:
        errors.append(ConfigError(path, f"needs one test: one of {list(_LEAF_OPERATORS)}"))
    elif len(other_ops) > 1 or (other_ops and range_ops):
        errors.append(
            ConfigError(path, f"has several tests {operators}; combine them with all/any")
        )
    case_insensitive = raw.get("case_insensitive", True)
    if not isinstance(case_insensitive, bool):
        errors.append(ConfigError(f"{path}.case_insensitive", "must be true or false"))
    if (
        len(errors) != before
        or not isinstance(field, str)
        or not isinstance(case_insensitive, bool)
    ):
        return None
    name = field.strip()
    if range_ops:
        return _parse_range(raw, name, path, errors)
    op = other_ops[0]
    value = raw[op]
    result: Condition | None = None
    if op == "equals":
        if _scalar(value):
            result = Equals(name, value, case_insensitive)
        else:
            errors.append(ConfigError(f"{path}.equals", "must be a single value (text, number)"))
    elif op == "in":
        if isinstance(value, Sequence) and not isinstance(value, str) and value:
            bad = [i for i, v in enumerate(value) if not _scalar(v)]
            if bad:
                errors.append(ConfigError(f"{path}.in[{bad[0]}]", "must be a single value"))
            else:
                result = In(name, tuple(value), case_insensitive)
        else:
            errors.append(ConfigError(f"{path}.in", "must be a non-empty list of values"))
    elif op == "contains":
        if isinstance(value, str) and value:
            result = Contains(name, value)
        else:
            errors.append(ConfigError(f"{path}.contains", "must be non-empty text"))
    elif op == "regex":
        result = _parse_regex(value, name, f"{path}.regex", errors)
    elif value is True:  # op == "blank"
        result = IsBlank(name)
    elif value is False:
        result = Not(IsBlank(name))
    else:
        errors.append(ConfigError(f"{path}.blank", "must be true or false"))
    return result


def _parse_regex(value: object, field: str, path: str, errors: list[ConfigError]) -> Regex | None:
    if not isinstance(value, str) or not value:
        errors.append(ConfigError(path, "must be a non-empty regular expression"))
        return None
    try:
        compiled_regex(value)
    except re.error as exc:
        errors.append(ConfigError(path, f"invalid regular expression: {exc}"))
        return None
    return Regex(field, value)


def _parse_range(
    raw: Mapping[object, object], field: str, path: str, errors: list[ConfigError]
) -> Range | None:
    bounds: dict[str, float | None] = {"min": None, "max": None}
    ok = True
    for key in ("min", "max"):
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(ConfigError(f"{path}.{key}", "must be a number"))
            ok = False
            continue
        bounds[key] = float(value)
    low, high = bounds["min"], bounds["max"]
    if ok and low is not None and high is not None and low >= high:
        errors.append(ConfigError(path, f"min ({low:g}) must be below max ({high:g})"))
        ok = False
    return Range(field, low, high) if ok else None
