"""The policy's `lifecycle` section parsed into a `LifecyclePolicy`."""

from __future__ import annotations

from syncd.domain.lifecycle import LifecyclePolicy, MqlRule, StatusMap
from syncd.domain.model import Stage
from syncd.domain.policy import readers as cfg
from syncd.domain.policy.errors import ConfigError


def parse_lifecycle(raw: object, path: str, errors: list[ConfigError]) -> LifecyclePolicy | None:
    """Parse `lifecycle:` (statuses for all nine stages, aliases, MQL thresholds)."""
    data = cfg.as_mapping(raw, path, errors)
    if data is None:
        return None
    before = len(errors)
    cfg.check_keys(
        data, path, errors, allowed={"statuses", "aliases", "mql"}, required={"statuses", "mql"}
    )
    statuses: list[tuple[Stage, str]] = []
    status_data = cfg.as_mapping(data.get("statuses", {}), f"{path}.statuses", errors) or {}
    for name, value in status_data.items():
        where = f"{path}.statuses.{name}"
        try:
            stage = Stage(name)
        except ValueError:
            errors.append(
                ConfigError(where, f"unknown stage; stages are {[s.value for s in Stage]}")
            )
            continue
        if not isinstance(value, str) or not value.strip():
            errors.append(ConfigError(where, "must be the org's Lead Status value"))
            continue
        statuses.append((stage, value))
    for stage in Stage:
        if "statuses" in data and stage.value not in status_data:
            errors.append(ConfigError(f"{path}.statuses.{stage.value}", "is required"))
    seen: dict[str, Stage] = {}
    for stage, value in statuses:
        if value.casefold() in seen:
            errors.append(
                ConfigError(
                    f"{path}.statuses.{stage.value}",
                    f"'{value}' is already the status of {seen[value.casefold()].value}; "
                    "each stage needs its own status so a person's move can be read back",
                )
            )
        seen[value.casefold()] = stage
    aliases: list[tuple[str, Stage]] = []
    alias_data = cfg.as_mapping(data.get("aliases", {}), f"{path}.aliases", errors) or {}
    for value, stage_name in alias_data.items():
        try:
            aliases.append((value, Stage(str(stage_name))))
        except ValueError:
            errors.append(ConfigError(f"{path}.aliases.{value}", "must name a stage"))
    mql: MqlRule | None = None
    mql_data = cfg.as_mapping(data.get("mql", {}), f"{path}.mql", errors)
    if mql_data is not None:
        cfg.check_keys(
            mql_data,
            f"{path}.mql",
            errors,
            allowed={"min_score", "min_fit"},
            required={"min_score"},
        )
        min_score = cfg.number(mql_data, "min_score", f"{path}.mql", errors, default=None)
        min_fit = cfg.number(mql_data, "min_fit", f"{path}.mql", errors, default=0.0)
        if min_score is not None and min_fit is not None:
            mql = MqlRule(min_score, min_fit)
    if len(errors) != before or mql is None:
        return None
    return LifecyclePolicy(StatusMap(tuple(statuses), tuple(aliases)), mql)
