"""The simulator through an independent, non-Python client: jsforce on Node.

``tests/simulator/js`` pins jsforce with its package-lock.json (``.ci/run`` installs it
with ``npm ci``). Outside CI a missing node or an uninstalled package skips with the
reason; in CI it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from simorg import serve

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e

JS = Path(__file__).parent / "js"
INSTALL = "cd tests/simulator/js && npm ci --no-audit --no-fund"


def node() -> str:
    """The node binary, with jsforce installed beside the script, or skip (fail in CI)."""
    found = shutil.which("node")
    reason = None
    if found is None:
        reason = "node is not installed (the jsforce client needs Node 18+)"
    elif not (JS / "node_modules" / "jsforce").is_dir():
        reason = f"jsforce is not installed: run `{INSTALL}` (.ci/run does)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def sim() -> Iterator[Served]:
    # 2,500 ordinary leads: more than one 2,000-record page.
    yield from serve(2_504)


@pytest.fixture(scope="module")
def jsforce_run(sim: Served) -> dict[str, Any]:
    binary = node()
    oauth = sim.handle.sim.oauth
    env = {
        "PATH": os.environ.get("PATH", ""),
        "NODE_EXTRA_CA_CERTS": sim.handle.ca_bundle,
        "SIM_INSTANCE_URL": sim.handle.instance_url,
        "SIM_CLIENT_ID": oauth.consumer_key,
        "SIM_CLIENT_SECRET": oauth.consumer_secret,
        "SIM_GOOD_LEAD": sim.ids.leads[0],
        "SIM_CONVERTED_LEAD": sim.ids.converted_lead,
    }
    result = subprocess.run(
        [binary, str(JS / "client.mjs")],
        cwd=JS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def test_jsforce_logs_in_with_client_credentials(sim: Served, jsforce_run: dict[str, Any]) -> None:
    assert jsforce_run["login"]["instanceUrl"] == sim.handle.instance_url
    assert jsforce_run["login"]["userId"] == sim.handle.org.integration_user_id


def test_jsforce_pages_a_query_with_query_more(sim: Served, jsforce_run: dict[str, Any]) -> None:
    query = jsforce_run["query"]

    assert query["pages"] == [2000, sim.ids.live_leads - 2000]
    assert query["totalSize"] == sim.ids.live_leads
    assert {"Dana Reyes", "Li Wei"} <= set(query["owners"])


def test_jsforce_collections_update_reports_the_failing_record_alone(
    sim: Served, jsforce_run: dict[str, Any]
) -> None:
    good, failed = jsforce_run["update"]

    assert good == {"id": sim.ids.leads[0], "success": True, "errors": []}
    assert failed["success"] is False
    assert failed["errors"][0]["statusCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_jsforce_retrieve_reads_back_what_was_written(
    sim: Served, jsforce_run: dict[str, Any]
) -> None:
    assert jsforce_run["retrieve"] == [
        {"Id": sim.ids.leads[0], "Lead_Grade__c": "B"},
        {"Id": sim.ids.converted_lead, "Lead_Grade__c": None},
    ]


def test_jsforce_describe_lists_the_custom_fields_and_status_values(
    jsforce_run: dict[str, Any],
) -> None:
    describe = jsforce_run["describe"]

    assert describe["name"] == "Lead"
    assert {"Lead_Score__c", "Lead_Grade__c", "SLA_Due__c"} <= set(describe["fields"])
    assert "MQL" in describe["status"]
