"""The policy's `recycle` section parsed into a `RecyclePolicy`."""

from __future__ import annotations

from syncd.domain.model import Stage
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.errors import ConfigError
from syncd.domain.recycle import _DEFAULT_STAGES, RecyclePolicy

_KEYS = frozenset(
    {
        "nurture_owner",
        "applies_to",
        "no_touch_days",
        "after_working_window",
        "could_not_reach",
        "max_recycles",
        "requalify",
    }
)


def parse_recycle(raw: object, path: str, errors: list[ConfigError]) -> RecyclePolicy | None:
    """Parse `recycle:`."""
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(data, path, errors, allowed=_KEYS, required={"nurture_owner"})
    owner = cfg.text(data, "nurture_owner", path, errors, default=None)
    stages: set[Stage] = set()
    default_stages = tuple(sorted(s.value for s in _DEFAULT_STAGES))
    for i, name in enumerate(
        cfg.text_list(data, "applies_to", path, errors, default=default_stages)
    ):
        try:
            stages.add(Stage(name))
        except ValueError:
            errors.append(ConfigError(f"{path}.applies_to[{i}]", "must name a stage"))
    bad = stages - {Stage.MQL, Stage.SAL, Stage.SQL, Stage.COULD_NOT_REACH}
    if bad:
        errors.append(
            ConfigError(
                f"{path}.applies_to",
                "only qualified stages (mql, sal, sql, could_not_reach) can be recycled",
            )
        )
    no_touch: float | None = 14.0
    if "no_touch_days" in data and data["no_touch_days"] is None:
        no_touch = None
    else:
        no_touch = cfg.number(data, "no_touch_days", path, errors, default=14.0, positive=True)
    max_recycles = cfg.integer(data, "max_recycles", path, errors, default=3, minimum=0)
    rq_path = f"{path}.requalify"
    requalify = cfg.as_mapping(data.get("requalify", {}), rq_path, errors) or {}
    cfg.check_keys(requalify, rq_path, errors, allowed={"above_peak", "new_engagement"})
    above_peak = cfg.boolean(requalify, "above_peak", rq_path, errors, default=True)
    new_engagement = cfg.boolean(requalify, "new_engagement", rq_path, errors, default=True)
    if len(errors) != before or owner is None or max_recycles is None:
        return None
    return RecyclePolicy(
        nurture_owner=owner,
        applies_to=frozenset(stages),
        no_touch_days=no_touch,
        after_working_window=cfg.boolean(data, "after_working_window", path, errors, default=True),
        could_not_reach=cfg.boolean(data, "could_not_reach", path, errors, default=True),
        max_recycles=max_recycles,
        requalify_above_peak=above_peak,
        requalify_on_new_engagement=new_engagement,
    )
