"""Running `python -m syncd` as a user would, with only the SYNCD_ settings a test gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_syncd(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")} | env
    return subprocess.run(
        [sys.executable, "-m", "syncd", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
