"""The policy's `report` section parsed into a `ReportPolicy` (segments, stage limits, alert owner).

Whether each segment attribute is a lead attribute the mirror pulls is checked against
fields.yaml by the config adapter, which knows the mappings (`syncd.config`).
"""

from __future__ import annotations

from datetime import timedelta

from syncd.domain.policy import readers as cfg
from syncd.domain.policy.errors import ConfigError
from syncd.domain.reporting.compliance import AGED_STAGES, DEFAULT_STUCK_AFTER
from syncd.domain.reporting.segments import DEFAULT_SEGMENTS, ReportPolicy, Segment

_KEYS = frozenset({"segments", "stuck_after", "alert_task"})
# Stage limits are calendar time: a lead waits on weekends too.
_DAY = timedelta(days=1)


def _segment(raw: object, path: str, errors: list[ConfigError]) -> Segment | None:
    if isinstance(raw, str) and raw.strip():
        return Segment(raw.strip())
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    cfg.check_keys(data, path, errors, allowed={"field", "bands"}, required={"field"})
    name = cfg.text(data, "field", path, errors, default=None)
    bands: list[float] = []
    for i, value in enumerate(cfg.as_list(data.get("bands", []), f"{path}.bands", errors) or ()):
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(ConfigError(f"{path}.bands[{i}]", "must be a number"))
        elif bands and value <= bands[-1]:
            errors.append(ConfigError(f"{path}.bands[{i}]", "bands must increase"))
        else:
            bands.append(float(value))
    return None if name is None else Segment(name, tuple(bands))


def parse_report(raw: object, path: str, errors: list[ConfigError]) -> ReportPolicy:
    """Parse `report:` (optional: country segments, default stage limits, no alert Tasks)."""
    if raw is None:
        return ReportPolicy()
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return ReportPolicy()
    cfg.check_keys(data, path, errors, allowed=_KEYS)
    segments = DEFAULT_SEGMENTS
    if "segments" in data:
        items = cfg.as_list(data["segments"], f"{path}.segments", errors) or ()
        parsed = [_segment(item, f"{path}.segments[{i}]", errors) for i, item in enumerate(items)]
        segments = tuple(s for s in parsed if s is not None)
        names = [s.attribute for s in segments]
        for name in sorted({n for n in names if names.count(n) > 1}):
            errors.append(ConfigError(f"{path}.segments", f"{name} is named twice"))
    stuck = dict(DEFAULT_STUCK_AFTER)
    if "stuck_after" in data:
        limits = cfg.as_mapping(data["stuck_after"], f"{path}.stuck_after", errors) or {}
        for stage in limits:
            where = f"{path}.stuck_after"
            if stage not in AGED_STAGES:
                errors.append(
                    ConfigError(f"{where}.{stage}", f"unknown stage; one of {list(AGED_STAGES)}")
                )
                continue
            value = cfg.duration(limits, str(stage), where, errors, business_day=_DAY)
            if value is not None:
                stuck[str(stage)] = value
    owner = None
    if "alert_task" in data:
        task = cfg.as_mapping(data["alert_task"], f"{path}.alert_task", errors) or {}
        cfg.check_keys(task, f"{path}.alert_task", errors, allowed={"user"}, required={"user"})
        owner = cfg.text(task, "user", f"{path}.alert_task", errors, default=None)
    return ReportPolicy(segments, stuck, owner)
