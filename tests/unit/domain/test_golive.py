"""The go-live rule: which orgs syncd writes to, and when it only records."""

from __future__ import annotations

import pytest

from syncd.domain.golive import WriteMode, decide_write_mode

CASES = [
    pytest.param(True, False, False, WriteMode.WRITE, id="sandbox-writes-by-default"),
    pytest.param(False, False, False, WriteMode.REFUSED, id="production-refused-by-default"),
    pytest.param(False, True, False, WriteMode.WRITE, id="production-written-when-enabled"),
    pytest.param(None, False, False, WriteMode.REFUSED, id="unknown-org-treated-as-production"),
    pytest.param(False, False, True, WriteMode.SHADOW, id="shadow-on-production"),
    pytest.param(True, True, True, WriteMode.SHADOW, id="shadow-wins-over-enabled"),
]


@pytest.mark.parametrize(("is_sandbox", "enabled", "shadow", "mode"), CASES)
def test_the_gate_decides_from_org_kind_and_the_two_switches(
    is_sandbox: bool | None, enabled: bool, shadow: bool, mode: WriteMode
) -> None:
    gate = decide_write_mode(is_sandbox=is_sandbox, writeback_enabled=enabled, shadow=shadow)
    assert gate.mode is mode


def test_a_refusal_names_the_switch_that_would_allow_it() -> None:
    gate = decide_write_mode(is_sandbox=False, writeback_enabled=False, shadow=False)
    assert "SYNCD_WRITEBACK_ENABLED=true" in gate.reason
