"""The daemon and the sync commands do not load the report's number crunching (numpy, scipy,
matplotlib): ~70 MB and two seconds a process would carry for nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "matplotlib")


@pytest.mark.parametrize("module", ["syncd.sync.runtime", "syncd.daemon.service", "syncd.cli"])
def test_importing_does_not_load_the_reports_libraries(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
