"""Configuration: `mappings/fields.yaml` and `mappings/policy.yaml` loaded once into one `Config`.

`check`, `sync` and the daemon all call `load_config`; each mistake in either file is a
`Problem` (file, path, line, message) and every problem is reported at once. An invalid
edit never reaches a running cycle: the daemon keeps its last good `Config`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from syncd.config.fields import FIELDS_FILE, FieldMappings, read_mappings
from syncd.config.policy_file import POLICY_FILE, policy_line, read_policy
from syncd.config.problem import ConfigurationError, Problem
from syncd.domain.conditions import condition_fields
from syncd.domain.policy import Policy

__all__ = [
    "FIELDS_FILE",
    "POLICY_FILE",
    "TASK_KEY_FIELD",
    "Config",
    "ConfigurationError",
    "Problem",
    "load_config",
    "read_config",
]

#: The Task field that carries each handoff Task's idempotency key (an External ID).
TASK_KEY_FIELD: Final = "Syncd_Key__c"


@dataclass(frozen=True)
class Config:
    """Valid mappings and policy, read from ``directory``."""

    mappings: FieldMappings
    policy: Policy
    directory: Path

    @property
    def version(self) -> str:
        return self.policy.version


def read_config(directory: Path) -> tuple[Config | None, list[Problem]]:
    """Both files read and validated; the config, or None and the problems of both files."""
    mappings, problems = read_mappings(directory)
    policy, policy_problems = read_policy(directory)
    problems = problems + policy_problems
    if mappings is not None and policy is not None:
        problems += _report_segment_problems(mappings, policy, directory)
        problems += _condition_field_problems(mappings, policy, directory)
    if mappings is None or policy is None or problems:
        return None, problems
    return Config(mappings, policy, directory), []


def _report_segment_problems(
    mappings: FieldMappings, policy: Policy, directory: Path
) -> list[Problem]:
    """Each `report.segments` entry must be a lead attribute the mirror pulls."""
    pulled = set(mappings.lead.pull.values())
    problems = []
    for i, segment in enumerate(policy.report.segments):
        if segment.attribute not in pulled:
            path = f"report.segments[{i}]"
            problems.append(
                Problem(
                    POLICY_FILE,
                    path,
                    f"{segment.attribute!r} is not a lead attribute pulled in fields.yaml "
                    f"(pulled: {', '.join(sorted(pulled))})",
                    policy_line(directory, path),
                )
            )
    return problems


def _condition_field_problems(
    mappings: FieldMappings, policy: Policy, directory: Path
) -> list[Problem]:
    """Every field a fit or routing condition reads must be a lead attribute the mirror
    pulls: a misspelt or unmapped one would never match, silently."""
    pulled = set(mappings.lead.pull.values())
    conditions = [
        (f"scoring.fit[{i}].when", rule.name, rule.when)
        for i, rule in enumerate(policy.scoring.fit_rules)
    ] + [
        (f"routing.rules[{i}].when", rule.name, rule.condition)
        for i, rule in enumerate(policy.routing.rules)
        if rule.condition is not None
    ]
    problems = []
    for path, name, condition in conditions:
        for unknown in sorted(condition_fields(condition) - pulled):
            close = difflib.get_close_matches(unknown, sorted(pulled), n=1)
            hint = f"did you mean {close[0]}?" if close else "map it in fields.yaml"
            problems.append(
                Problem(
                    POLICY_FILE,
                    path,
                    f"{unknown!r} is not a lead attribute pulled in fields.yaml ({hint}) "
                    f"(in rule '{name}')",
                    policy_line(directory, path),
                )
            )
    return problems


def load_config(directory: Path) -> Config:
    """`read_config`, raising `ConfigurationError` with every problem."""
    config, problems = read_config(directory)
    if config is None:
        raise ConfigurationError(problems)
    return config
