"""A problem inside a named rule says which rule, besides its path and line."""

from __future__ import annotations

import shutil
from pathlib import Path

from syncd.config.policy_file import read_policy

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def test_a_bad_fit_rule_is_named_with_its_line(tmp_path: Path) -> None:
    shutil.copy(MAPPINGS / "policy.yaml", tmp_path / "policy.yaml")
    text = (tmp_path / "policy.yaml").read_text(encoding="utf-8")
    head, rule, tail = text.partition("    - name: director title\n")
    body, points, rest = tail.partition("      points: ")
    _value, newline, after = rest.partition("\n")
    (tmp_path / "policy.yaml").write_text(
        head + rule + body + points + "lots" + newline + after, encoding="utf-8"
    )
    policy, problems = read_policy(tmp_path)
    assert policy is None
    (problem,) = problems
    assert problem.path.endswith(".points")
    assert "(in rule 'director title')" in problem.message
    line = (head + rule + body).count("\n") + 1
    assert problem.line == line
