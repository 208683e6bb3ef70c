"""The ops endpoints: probes always open; off loopback the page, its actions and /metrics need
the bearer token; /healthz says why it is red."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.test import Client

from syncd.ops.http import OpsApp, is_loopback
from syncd.ops.metrics import Metrics
from syncd.ops.status_page import RejectedLine, StatusView

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _view() -> StatusView:
    return StatusView(
        role="leader",
        pid=4242,
        generated_at=AT,
        healthy=True,
        health_reason="last fast sync ok",
        config_version="2026.11-default+dc6a38072a5f",
        config_fingerprint="0a1b2c3d4e5f",
        rejected=RejectedLine(AT, "ffeeddccbbaa", ["policy.yaml: routing.pools: unknown rep"]),
    )


def _app(token: str | None, healthy: bool = True) -> Client:
    acted: list[tuple[int, str]] = []
    app = OpsApp(
        snapshot=_view,
        health=lambda: (healthy, "ok" if healthy else "no successful fast sync within 120 s"),
        ready=lambda: (True, "leader: serving"),
        metrics=Metrics(),
        act=lambda entry, action: acted.append((entry, action)) or f"{entry} {action}",
        token=token,
    )
    return Client(app)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_which_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_off_loopback_the_page_and_metrics_need_the_token_but_probes_do_not() -> None:
    client = _app(token="s3cret-token")
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 401
    assert client.get("/metrics").status_code == 401
    assert client.post("/writes/7/retry").status_code == 401
    auth = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/", headers=auth).status_code == 200
    assert client.get("/metrics", headers=auth).status_code == 200
    assert client.get("/?token=s3cret-token").status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_healthz_is_503_with_the_reason_when_the_fast_sync_is_stale() -> None:
    response = _app(token=None, healthy=False).get("/healthz")
    assert response.status_code == 503
    assert "no successful fast sync within 120 s" in response.get_data(as_text=True)


def test_the_page_shows_the_role_the_policy_in_force_and_the_rejected_edit() -> None:
    page = _app(token=None).get("/").get_data(as_text=True)
    assert ">leader<" in page
    assert "2026.11-default+dc6a38072a5f" in page
    assert "Rejected mappings edit" in page
    assert "policy.yaml: routing.pools: unknown rep" in page


def test_metrics_are_prometheus_text() -> None:
    body = _app(token=None).get("/metrics").get_data(as_text=True)
    assert "# TYPE syncd_cycles_total counter" in body
    assert "syncd_leader" in body


def test_a_retry_action_redirects_back_to_the_page() -> None:
    response = _app(token=None).post("/writes/7/retry")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
