"""`syncd check` through the real command line against the simulated org."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from syncd_e2e import MAPPINGS

from syncd.simulator.server import SimulatorHandle

pytestmark = pytest.mark.e2e

BAD_MAPPINGS = Path(__file__).resolve().parents[1] / "fixtures" / "bad_mappings"


def check(org: SimulatorHandle, mappings: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env |= {
        "SYNCD_SF_INSTANCE_URL": org.instance_url,
        "SYNCD_SF_ACCESS_TOKEN": org.access_token,
        "SYNCD_MAPPINGS_DIR": str(mappings),
        "REQUESTS_CA_BUNDLE": org.ca_bundle,
        "SYNCD_DATABASE_URL": f"sqlite:///{tmp_path / 'mirror.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "syncd", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_default_mappings_pass_against_the_simulated_org(
    org: SimulatorHandle, tmp_path: Path
) -> None:
    result = check(org, MAPPINGS, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_five_mistakes_are_all_reported_and_exit_2(org: SimulatorHandle, tmp_path: Path) -> None:
    result = check(org, BAD_MAPPINGS, tmp_path)
    assert result.returncode == 2
    for needle in ("Emial", "LastModifiedDate", "Rating", "Paid Search", "Marketing Qualified"):
        assert needle in result.stdout
    assert org.access_token not in result.stdout + result.stderr
