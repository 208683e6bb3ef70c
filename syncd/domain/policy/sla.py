"""The policy's `sla` section parsed into an `SlaPolicy`."""

from __future__ import annotations

from datetime import timedelta

from syncd.domain.calendar import BusinessCalendar
from syncd.domain.model import ActivityKind
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.calendar import parse_calendar
from syncd.domain.policy.errors import ConfigError
from syncd.domain.sla import Escalation, SlaPolicy, TouchRule

_KEYS = frozenset(
    {
        "calendar",
        "business_day_hours",
        "first_response",
        "touches",
        "escalation",
    }
)


def _durations(
    raw: object, path: str, errors: list[ConfigError], business_day: timedelta
) -> tuple[tuple[str, timedelta], ...]:
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return ()
    out: list[tuple[str, timedelta]] = []
    for key in data:
        value = cfg.duration(data, key, path, errors, business_day=business_day)
        if value is not None:
            out.append((key, value))
    return tuple(out)


def parse_sla(raw: object, path: str, errors: list[ConfigError]) -> SlaPolicy | None:
    """Parse `sla:`; `calendar: org` (or no calendar) uses the org's default BusinessHours."""
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(data, path, errors, allowed=_KEYS, required={"first_response"})
    calendar: BusinessCalendar | None = None
    if data.get("calendar", "org") != "org":
        calendar = parse_calendar(data["calendar"], f"{path}.calendar", errors)
    day_hours = cfg.number(data, "business_day_hours", path, errors, default=8.0, positive=True)
    business_day = timedelta(hours=day_hours or 8.0)

    fr_path = f"{path}.first_response"
    first = cfg.as_mapping(data.get("first_response", {}), fr_path, errors) or {}
    cfg.check_keys(
        first,
        fr_path,
        errors,
        allowed={"by_grade", "default", "priority_field", "by_priority"},
        required={"default"},
    )
    by_grade = _durations(first.get("by_grade", {}), f"{fr_path}.by_grade", errors, business_day)
    default = cfg.duration(
        first, "default", fr_path, errors, business_day=business_day, default=None
    )
    priority_field = cfg.text(first, "priority_field", fr_path, errors, default=None)
    by_priority = _durations(
        first.get("by_priority", {}), f"{fr_path}.by_priority", errors, business_day
    )
    if by_priority and priority_field is None:
        errors.append(ConfigError(f"{fr_path}.priority_field", "is required with by_priority"))

    t_path = f"{path}.touches"
    touches_raw = cfg.as_mapping(data.get("touches", {}), t_path, errors) or {}
    cfg.check_keys(touches_raw, t_path, errors, allowed={"types", "kinds", "required", "window"})
    kinds: list[ActivityKind] = []
    for i, kind in enumerate(
        cfg.text_list(touches_raw, "kinds", t_path, errors, default=("Event",))
    ):
        try:
            kinds.append(ActivityKind(kind))
        except ValueError:
            errors.append(ConfigError(f"{t_path}.kinds[{i}]", "must be Task or Event"))
    touch_rule = TouchRule(
        types=cfg.text_list(touches_raw, "types", t_path, errors, default=("Call", "Email")),
        kinds=tuple(kinds),
        required=cfg.integer(touches_raw, "required", t_path, errors, default=1, minimum=1) or 1,
        window=cfg.duration(
            touches_raw,
            "window",
            t_path,
            errors,
            business_day=business_day,
            default=business_day * 5,
        )
        or business_day * 5,
    )

    e_path = f"{path}.escalation"
    esc = cfg.as_mapping(data.get("escalation", {}), e_path, errors) or {}
    cfg.check_keys(
        esc, e_path, errors, allowed={"flag", "reassign", "manager_task", "max_reassignments"}
    )
    escalation = Escalation(
        flag=cfg.boolean(esc, "flag", e_path, errors, default=True),
        reassign=cfg.boolean(esc, "reassign", e_path, errors, default=True),
        manager_task=cfg.boolean(esc, "manager_task", e_path, errors, default=True),
        max_reassignments=cfg.integer(
            esc, "max_reassignments", e_path, errors, default=1, minimum=0
        )
        or 0,
    )
    if len(errors) != before or default is None:
        return None
    return SlaPolicy(
        calendar=calendar,
        by_grade=by_grade,
        default=default,
        touches=touch_rule,
        escalation=escalation,
        priority_field=priority_field,
        by_priority=by_priority,
        business_day=business_day,
    )
