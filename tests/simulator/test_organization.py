"""The Organization object: a sandbox by default, production on request, read by SOQL."""

from __future__ import annotations

from typing import Any

import pytest

from syncd.simulator.server import SimulatorHandle, start_simulator

pytestmark = pytest.mark.e2e

SOQL = "SELECT Id, Name, IsSandbox, OrganizationType, InstanceName FROM Organization"


def query_org(handle: SimulatorHandle) -> list[dict[str, Any]]:
    http = handle.session()
    answer = http.get(
        f"{handle.instance_url}/services/data/v62.0/query",
        params={"q": SOQL},
        headers={"Authorization": f"Bearer {handle.access_token}"},
    )
    assert answer.status_code == 200, answer.text
    records: list[dict[str, Any]] = answer.json()["records"]
    return records


def test_a_started_simulator_is_one_sandbox_org() -> None:
    with start_simulator() as handle:
        (org,) = query_org(handle)
    assert org["Id"].startswith("00D")
    assert (org["IsSandbox"], org["OrganizationType"]) == (True, "Enterprise Edition")


def test_the_production_flag_serves_a_production_org() -> None:
    with start_simulator(production=True) as handle:
        (org,) = query_org(handle)
    assert org["IsSandbox"] is False


def test_the_admin_api_switches_a_running_org_to_production() -> None:
    with start_simulator(leads=5, seed=1) as handle:
        answer = handle.session().put(
            f"{handle.instance_url}/__sim/organization", json={"is_sandbox": False}
        )
        assert answer.json() == {"is_sandbox": False}
        (org,) = query_org(handle)
    assert org["IsSandbox"] is False
