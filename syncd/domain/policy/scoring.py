"""The policy's `scoring` section parsed into a `ScoringPolicy`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from syncd.domain.model import ActivityKind
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.conditions import parse_condition
from syncd.domain.policy.errors import ConfigError
from syncd.domain.scoring import (
    ActivityMatch,
    Decay,
    EngagementRule,
    FitRule,
    Frequency,
    ScoringPolicy,
    Source,
    _regex,
)

_SCORING_KEYS = frozenset(
    {
        "max_fit",
        "max_engagement",
        "reason_max_length",
        "materiality",
        "grades",
        "decay",
        "fit",
        "engagement",
    }
)


_RULE_KEYS = frozenset(
    {"name", "match", "points", "cap", "lookback_days", "decay", "frequency", "when"}
)


_MATCH_KEYS = frozenset(
    {
        "source",
        "kind",
        "type",
        "subject",
        "url",
        "campaign_type",
        "campaign_name",
        "member_status",
        "responded",
    }
)


def parse_scoring(raw: object, path: str, errors: list[ConfigError]) -> ScoringPolicy | None:
    """Parse the `scoring:` section; every problem goes into `errors` with its path."""
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(data, path, errors, allowed=_SCORING_KEYS, required={"fit", "engagement"})
    max_fit = cfg.number(data, "max_fit", path, errors, default=100.0, positive=True)
    max_eng = cfg.number(data, "max_engagement", path, errors, default=100.0, positive=True)
    reason_len = cfg.integer(data, "reason_max_length", path, errors, default=255, minimum=20)
    min_delta, thresholds = _parse_materiality(
        data.get("materiality"), f"{path}.materiality", errors
    )
    grades = _parse_grades(data.get("grades"), f"{path}.grades", errors)
    default_decay = (
        _parse_decay(data["decay"], f"{path}.decay", errors) if "decay" in data else None
    )
    fit_rules = _parse_fit(data.get("fit"), f"{path}.fit", errors)
    engagement = _parse_engagement(
        data.get("engagement"), f"{path}.engagement", default_decay, errors
    )
    if len(errors) != before:
        return None
    assert max_fit is not None
    assert max_eng is not None
    assert reason_len is not None
    return ScoringPolicy(
        fit_rules=fit_rules,
        engagement_rules=engagement,
        grades=grades,
        max_fit=max_fit,
        max_engagement=max_eng,
        reason_max_length=reason_len,
        min_delta=min_delta,
        thresholds=thresholds,
    )


def _parse_materiality(
    raw: object, path: str, errors: list[ConfigError]
) -> tuple[float, tuple[float, ...]]:
    if raw is None:
        return 5.0, ()
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return 5.0, ()
    cfg.check_keys(data, path, errors, allowed={"min_delta", "thresholds"})
    delta = cfg.number(data, "min_delta", path, errors, default=5.0, minimum=0)
    thresholds: list[float] = []
    items = cfg.as_list(data.get("thresholds", []), f"{path}.thresholds", errors)
    for i, item in enumerate(items or []):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            errors.append(ConfigError(f"{path}.thresholds[{i}]", "must be a number"))
        else:
            thresholds.append(float(item))
    return (5.0 if delta is None else delta), tuple(thresholds)


def _parse_grades(
    raw: object, path: str, errors: list[ConfigError]
) -> tuple[tuple[str, float], ...]:
    default = ScoringPolicy.__dataclass_fields__["grades"].default
    assert isinstance(default, tuple)
    if raw is None:
        return default
    data = cfg.as_mapping(raw, path, errors)
    if data is None or not data:
        if data is not None:
            errors.append(ConfigError(path, "needs at least one grade"))
        return default
    grades: list[tuple[str, float]] = []
    for name, minimum in data.items():
        if isinstance(minimum, bool) or not isinstance(minimum, (int, float)):
            errors.append(ConfigError(f"{path}.{name}", "must be the grade's minimum fit score"))
        else:
            grades.append((name, float(minimum)))
    return tuple(sorted(grades, key=lambda g: -g[1]))


def _parse_decay(raw: object, path: str, errors: list[ConfigError]) -> Decay | None:
    if raw is None or raw == "none":
        return None
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    cfg.check_keys(data, path, errors, allowed={"half_life_days", "expire_after_days"})
    half = cfg.number(data, "half_life_days", path, errors, default=None, positive=True)
    expire = cfg.number(data, "expire_after_days", path, errors, default=None, positive=True)
    if half is None and expire is None:
        if not any(k in data for k in ("half_life_days", "expire_after_days")):
            errors.append(ConfigError(path, "needs half_life_days or expire_after_days"))
        return None
    return Decay(half, expire)


def _rule_header(
    item: object, path: str, errors: list[ConfigError], allowed: frozenset[str]
) -> tuple[Mapping[str, object] | None, str | None, float | None]:
    data = cfg.as_mapping(item, path, errors)
    if data is None:
        return None, None, None
    cfg.check_keys(data, path, errors, allowed=allowed, required={"name", "points"})
    name = cfg.text(data, "name", path, errors, default=None) if "name" in data else None
    points = cfg.number(data, "points", path, errors, default=None) if "points" in data else None
    if points == 0:
        errors.append(ConfigError(f"{path}.points", "must not be 0"))
        points = None
    return data, name, points


def _parse_fit(raw: object, path: str, errors: list[ConfigError]) -> tuple[FitRule, ...]:
    items = cfg.as_list(raw if raw is not None else [], path, errors)
    rules: list[FitRule] = []
    for i, item in enumerate(items or []):
        where = f"{path}[{i}]"
        data, name, points = _rule_header(
            item, where, errors, frozenset({"name", "when", "points"})
        )
        if data is None:
            continue
        if "when" not in data:
            errors.append(ConfigError(f"{where}.when", "is required"))
            continue
        when = parse_condition(data["when"], f"{where}.when", errors)
        if name is not None and points is not None and when is not None:
            rules.append(FitRule(name, when, points))
    return tuple(rules)


def _parse_engagement(
    raw: object, path: str, default_decay: Decay | None, errors: list[ConfigError]
) -> tuple[EngagementRule, ...]:
    items = cfg.as_list(raw if raw is not None else [], path, errors)
    rules: list[EngagementRule] = []
    for i, item in enumerate(items or []):
        where = f"{path}[{i}]"
        data, name, points = _rule_header(item, where, errors, _RULE_KEYS - {"when"})
        if data is None:
            continue
        before = len(errors)
        match = _parse_match(data.get("match"), f"{where}.match", errors)
        cap = cfg.number(data, "cap", where, errors, default=None, positive=True)
        lookback = cfg.number(data, "lookback_days", where, errors, default=None, positive=True)
        decay = (
            _parse_decay(data["decay"], f"{where}.decay", errors)
            if "decay" in data
            else default_decay
        )
        frequency = None
        if "frequency" in data:
            frequency = _parse_frequency(data["frequency"], f"{where}.frequency", errors)
            if "cap" in data:
                errors.append(
                    ConfigError(f"{where}.cap", "a frequency rule scores once; drop the cap")
                )
        if len(errors) == before and name is not None and points is not None and match:
            rules.append(EngagementRule(name, match, points, cap, lookback, decay, frequency))
    return tuple(rules)


def _parse_frequency(raw: object, path: str, errors: list[ConfigError]) -> Frequency | None:
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    cfg.check_keys(
        data,
        path,
        errors,
        allowed={"at_least", "within_days"},
        required={"at_least", "within_days"},
    )
    at_least = cfg.integer(data, "at_least", path, errors, default=None, minimum=1)
    within = cfg.number(data, "within_days", path, errors, default=None, positive=True)
    if at_least is None or within is None:
        return None
    return Frequency(at_least, within)


def _regex_or_error(
    data: Mapping[str, object], key: str, path: str, errors: list[ConfigError]
) -> str | None:
    value = cfg.text(data, key, path, errors, default=None)
    if value is None:
        return None
    try:
        _regex(value)
    except re.error as exc:
        errors.append(ConfigError(f"{path}.{key}", f"invalid regular expression: {exc}"))
        return None
    return value


def _parse_match(raw: object, path: str, errors: list[ConfigError]) -> ActivityMatch | None:
    if raw is None:
        errors.append(ConfigError(path, "is required"))
        return None
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(data, path, errors, allowed=_MATCH_KEYS)
    if not data:
        errors.append(ConfigError(path, "needs at least one test, e.g. type: [Web Visit]"))
    source_text = cfg.text(data, "source", path, errors, default="activity")
    source = Source.ACTIVITY
    try:
        source = Source(source_text or "activity")
    except ValueError:
        errors.append(ConfigError(f"{path}.source", "must be 'activity' or 'campaign'"))
    kinds: list[ActivityKind] = []
    for j, kind in enumerate(cfg.text_list(data, "kind", path, errors)):
        try:
            kinds.append(ActivityKind(kind))
        except ValueError:
            errors.append(ConfigError(f"{path}.kind[{j}]", "must be Task or Event"))
    activity_only = {"kind", "type", "subject", "url"} & set(data)
    campaign_only = {"campaign_type", "campaign_name", "member_status", "responded"} & set(data)
    if source is Source.ACTIVITY and campaign_only:
        errors.append(ConfigError(path, f"{sorted(campaign_only)} need source: campaign"))
    if source is Source.CAMPAIGN and activity_only:
        errors.append(ConfigError(path, f"{sorted(activity_only)} apply to activities only"))
    responded: bool | None = None
    if "responded" in data:
        responded = cfg.boolean(data, "responded", path, errors, default=True)
    match = ActivityMatch(
        source=source,
        kinds=tuple(kinds),
        types=cfg.text_list(data, "type", path, errors),
        subject=_regex_or_error(data, "subject", path, errors),
        url=_regex_or_error(data, "url", path, errors),
        campaign_types=cfg.text_list(data, "campaign_type", path, errors),
        campaign_name=_regex_or_error(data, "campaign_name", path, errors),
        member_statuses=cfg.text_list(data, "member_status", path, errors),
        responded=responded,
    )
    return match if len(errors) == before else None
