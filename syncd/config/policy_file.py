"""`mappings/policy.yaml`: read with line numbers, validated by the domain's policy parsers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from syncd.config.problem import Problem
from syncd.config.yamlfile import read_yaml, type_name
from syncd.domain.policy import Policy, validate_policy

__all__ = ["POLICY_FILE", "policy_line", "read_policy"]

POLICY_FILE: Final = "policy.yaml"


def read_policy(
    directory: Path, file_name: str = POLICY_FILE
) -> tuple[Policy | None, list[Problem]]:
    """The policy in ``directory``, or None and every problem with its line.

    ``file_name``: another policy file beside it (`syncd whatif --policy OTHER.yaml`).
    """
    doc = read_yaml(directory, file_name)
    if doc.problems or doc.data is None:
        return None, doc.problems
    if not isinstance(doc.data, Mapping):
        doc.add("", f"must be a mapping of sections, not {type_name(doc.data)}")
        return None, doc.problems
    policy, errors = validate_policy(doc.data)
    problems = [
        Problem(
            file_name, e.path, _with_rule_name(doc.data, e.path, e.message), doc.line_of(e.path)
        )
        for e in errors
    ]
    return (policy if not problems else None), problems


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _with_rule_name(data: object, path: str, message: str) -> str:
    """The message, naming the rule it is about ("in rule 'VP title'"): an index alone
    makes an admin count list items."""
    node, named = data, None
    for key, index in _STEP.findall(path):
        if key:
            node = node.get(key) if isinstance(node, Mapping) else None
        elif isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
            if isinstance(node, Mapping) and isinstance(node.get("name"), str):
                named = node["name"]
        else:
            node = None
    return message if named is None else f"{message} (in rule '{named}')"


def policy_line(directory: Path, path: str, file_name: str = POLICY_FILE) -> int | None:
    """The line of ``path`` in the policy file (for checks that also need fields.yaml)."""
    return read_yaml(directory, file_name).line_of(path)
