"""`syncd run` as real processes: SIGTERM during a large writeback stops cleanly and loses or
doubles nothing; two daemons on one PostgreSQL mirror elect one leader, and when it is
killed with -9 the standby takes over within one fast interval."""

from __future__ import annotations

import os
import signal
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import daemon_env, get, syncd_process, wait_for
from syncd_e2e import (
    mappings_routing_to_seeded_reps,
    org_matches_every_recorded_write,
    settings_for,
)

from syncd.mirror import OutboxState
from syncd.settings import Settings
from syncd.simulator.server import SimulatorHandle, start_simulator
from syncd.sync.runtime import open_mirror

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def big_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorHandle]:
    with start_simulator(leads=2000, seed=11) as handle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", handle.ca_bundle)
        yield handle


def _open_entries(settings: Settings) -> int:
    with open_mirror(settings) as mirror:
        counts = mirror.outbox_counts()
    return sum(
        counts.get(s.value, 0)
        for s in (OutboxState.PENDING, OutboxState.RETRY, OutboxState.SENDING)
    )


def test_sigterm_during_a_large_writeback_exits_0_interrupted_and_restart_doubles_nothing(
    big_org: SimulatorHandle, tmp_path: Path
) -> None:
    settings = settings_for(
        big_org,
        f"sqlite:///{tmp_path / 'mirror.db'}",
        mappings_dir=mappings_routing_to_seeded_reps(big_org, tmp_path),
    )
    # Collections of 200 (no one-shot bulk job), each answered after 250 ms.
    env = daemon_env(big_org, settings, SYNCD_BULK_WRITE_THRESHOLD="100000", SYNCD_HTTP_PORT="0")
    big_org.admin.set_faults(latency_ms=250)
    daemon = syncd_process(["run"], env, tmp_path / "first.log")
    wait_for(
        "the writeback to start", lambda: bool(big_org.admin.stats()["writes_per_record"]), 120
    )
    daemon.send_signal(signal.SIGTERM)
    stopped_in = wait_for("the daemon to exit", lambda: daemon.poll() is not None, 30)
    assert daemon.returncode == 0, (tmp_path / "first.log").read_text()[-2000:]
    with open_mirror(settings) as mirror:
        (run,) = [r for r in mirror.recent_runs(10) if r.counts.get("job") == "fast"]
    assert run.status == "interrupted"
    written = int(run.counts["records_written"])
    sent = len([k for k in big_org.admin.stats()["writes_per_record"] if k.startswith("00Q")])
    assert 0 < written == sent, "the run record counts exactly what reached the org"
    assert _open_entries(settings) > 0, "the rest is still queued, not lost"
    assert stopped_in < 30

    big_org.admin.set_faults(latency_ms=0)
    again = syncd_process(["run"], env, tmp_path / "second.log")
    try:
        wait_for("the restart to send the rest", lambda: _open_entries(settings) == 0, 120)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(30)
    assert again.returncode == 0
    org_matches_every_recorded_write(big_org, settings)
    keys = Counter(t["Syncd_Key__c"] for t in big_org.org.records("Task") if t.get("Syncd_Key__c"))
    assert keys
    assert max(keys.values()) == 1, "no handoff Task twice"
    per_record = big_org.admin.stats()["writes_per_record"]
    assert max(v for k, v in per_record.items() if k.startswith("00Q")) == 1, (
        "no lead written twice"
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_daemons_on_postgresql_one_leads_and_the_standby_takes_over_after_kill_9(
    org: SimulatorHandle, tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(org, database_url)
    interval = 4
    ports = [_free_port(), _free_port()]
    daemons = [
        syncd_process(
            ["run"],
            daemon_env(
                org,
                settings,
                SYNCD_HTTP_PORT=str(port),
                SYNCD_FAST_INTERVAL_SECONDS=str(interval),
            ),
            tmp_path / f"daemon-{port}.log",
        )
        for port in ports
    ]
    try:

        def roles() -> list[str]:
            found = []
            for port in ports:
                try:
                    found.append(get(f"http://127.0.0.1:{port}/readyz").text.split(":")[0].strip())
                except OSError:
                    found.append("down")
            return found

        wait_for("one leader and one standby", lambda: sorted(roles()) == ["leader", "standby"], 60)
        leader = roles().index("leader")
        standby = 1 - leader
        os.kill(daemons[leader].pid, signal.SIGKILL)
        daemons[leader].wait(10)
        took = wait_for("the standby to lead", lambda: roles()[standby] == "leader", 3 * interval)
        assert took <= interval, f"took over in {took:.1f} s, more than one {interval} s interval"
        wait_for(
            "the new leader's first fast sync",
            lambda: get(f"http://127.0.0.1:{ports[standby]}/healthz").text.startswith(
                "last fast sync ok"
            ),
            60,
        )
        with open_mirror(settings) as mirror:
            statuses = Counter(r.status for r in mirror.recent_runs(50))
        assert statuses["running"] <= 1, "a killed leader's run is not left running forever"
    finally:
        for proc in daemons:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
