"""Two `syncd sync --once` started together on one fresh SQLite mirror: exactly one writes,
the other stops before touching anything with "mirror busy (held by pid N since T)" and
exit code 3, and no lead gets its handoff Task twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from syncd_e2e import mappings_routing_to_seeded_reps

from syncd.simulator.server import SimulatorHandle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _sync_once(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("syncd")), "sync", "--once"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_sync_once_started_together_write_once(org: SimulatorHandle, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SYNCD_DATABASE_URL": f"sqlite:///{tmp_path / 'mirror.db'}",
        "SYNCD_MAPPINGS_DIR": str(mappings_routing_to_seeded_reps(org, tmp_path)),
        "SYNCD_SF_INSTANCE_URL": org.instance_url,
        "SYNCD_SF_ACCESS_TOKEN": org.access_token,
        "REQUESTS_CA_BUNDLE": org.ca_bundle,
        "SYNCD_LOG_FORMAT": "json",
    }
    first, second = _sync_once(env), _sync_once(env)
    results = [(p.pid, *p.communicate(timeout=180), p.returncode) for p in (first, second)]
    codes = sorted(code for *_, code in results)
    assert codes == [0, 3], results
    ((winner_pid, *_),) = [r for r in results if r[3] == 0]
    ((_, _, refused_err, _),) = [r for r in results if r[3] == 3]
    assert re.search(rf"mirror busy \(held by pid {winner_pid} since \d{{4}}-", refused_err)
    keys = Counter(t["Syncd_Key__c"] for t in org.org.records("Task") if t.get("Syncd_Key__c"))
    assert keys, "the winning run handed leads off"
    assert max(keys.values()) == 1
