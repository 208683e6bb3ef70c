"""Small readers for validating plain YAML data, collecting every error with its path.

Each reader returns the value or None and appends a `ConfigError` when the value is wrong;
callers keep going so one load reports every mistake in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import cast

from syncd.domain.policy.errors import ConfigError

_MISSING = object()


def as_mapping(raw: object, path: str, errors: list[ConfigError]) -> Mapping[str, object] | None:
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(path, "must be a mapping (key: value lines)"))
        return None
    bad = [k for k in raw if not isinstance(k, str)]
    if bad:
        errors.append(ConfigError(path, f"keys must be text; found {bad[0]!r}"))
        return None
    return raw


def as_list(raw: object, path: str, errors: list[ConfigError]) -> Sequence[object] | None:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        errors.append(ConfigError(path, "must be a list (or, where one value will do, that value)"))
        return None
    return raw


def check_keys(
    raw: Mapping[str, object],
    path: str,
    errors: list[ConfigError],
    *,
    allowed: frozenset[str] | set[str],
    required: frozenset[str] | set[str] = frozenset(),
) -> None:
    for key in sorted(k for k in raw if k not in allowed):
        errors.append(
            ConfigError(_join(path, key), f"unknown key; expected one of {sorted(allowed)}")
        )
    for key in sorted(k for k in required if k not in raw):
        errors.append(ConfigError(_join(path, key), "is required"))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def number(
    raw: Mapping[str, object],
    key: str,
    path: str,
    errors: list[ConfigError],
    *,
    default: float | object | None = _MISSING,
    minimum: float | None = None,
    positive: bool = False,
) -> float | None:
    where = _join(path, key)
    if key not in raw:
        if default is _MISSING:
            errors.append(ConfigError(where, "is required"))
            return None
        return cast("float | None", default)
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.append(ConfigError(where, "must be a number"))
        return None
    if positive and value <= 0:
        errors.append(ConfigError(where, "must be greater than 0"))
        return None
    if minimum is not None and value < minimum:
        errors.append(ConfigError(where, f"must be at least {minimum:g}"))
        return None
    return float(value)


def integer(
    raw: Mapping[str, object],
    key: str,
    path: str,
    errors: list[ConfigError],
    *,
    default: int | object | None = _MISSING,
    minimum: int | None = None,
) -> int | None:
    where = _join(path, key)
    if key not in raw:
        if default is _MISSING:
            errors.append(ConfigError(where, "is required"))
            return None
        return cast("int | None", default)
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(ConfigError(where, "must be a whole number"))
        return None
    if minimum is not None and value < minimum:
        errors.append(ConfigError(where, f"must be at least {minimum}"))
        return None
    return value


def text(
    raw: Mapping[str, object],
    key: str,
    path: str,
    errors: list[ConfigError],
    *,
    default: str | object | None = _MISSING,
) -> str | None:
    where = _join(path, key)
    if key not in raw:
        if default is _MISSING:
            errors.append(ConfigError(where, "is required"))
            return None
        return cast("str | None", default)
    value = raw[key]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # YAML reads `version: 3` as a number; accept it as text
    if not isinstance(value, str) or not value.strip():
        errors.append(ConfigError(where, "must be non-empty text"))
        return None
    return value


def boolean(
    raw: Mapping[str, object],
    key: str,
    path: str,
    errors: list[ConfigError],
    *,
    default: bool,
) -> bool:
    if key not in raw:
        return default
    value = raw[key]
    if not isinstance(value, bool):
        errors.append(ConfigError(_join(path, key), "must be true or false"))
        return default
    return value


def text_list(
    raw: Mapping[str, object],
    key: str,
    path: str,
    errors: list[ConfigError],
    *,
    default: tuple[str, ...] = (),
) -> tuple[str, ...]:
    where = _join(path, key)
    if key not in raw:
        return default
    value = raw[key]
    if isinstance(value, str):
        return (value,)
    items = as_list(value, where, errors)
    if items is None:
        return default
    out: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, str) and item.strip():
            out.append(item)
        else:
            errors.append(ConfigError(f"{where}[{i}]", "must be non-empty text"))
    return tuple(out)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$")


def duration(
    raw: Mapping[str, object],
    key: str,
    path: str,
    errors: list[ConfigError],
    *,
    business_day: timedelta,
    default: timedelta | object | None = _MISSING,
) -> timedelta | None:
    """A business-time duration: `30m`, `4h`, `1d` (d = the policy's business-day length)."""
    where = _join(path, key)
    if key not in raw:
        if default is _MISSING:
            errors.append(ConfigError(where, "is required"))
            return None
        return cast("timedelta | None", default)
    value = raw[key]
    parsed = parse_duration(value, business_day)
    if parsed is None:
        errors.append(ConfigError(where, "must be a duration such as 30m, 4h or 1d"))
    return parsed


def parse_duration(value: object, business_day: timedelta) -> timedelta | None:
    if not isinstance(value, str):
        return None
    found = _DURATION.match(value)
    if found is None:
        return None
    amount = float(found.group(1))
    unit = found.group(2)
    if amount <= 0:
        return None
    if unit in ("m", "min"):
        return timedelta(minutes=amount)
    if unit == "h":
        return timedelta(hours=amount)
    return business_day * amount
