"""A daemon for the end-to-end tests: in a thread of the test process (on the org's clock,
ops server on a free port), or as a real `syncd run` process with its JSON log in a file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import requests

from syncd.config import load_config
from syncd.daemon.service import Daemon
from syncd.settings import Settings
from syncd.simulator.server import SimulatorHandle


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60.0) -> float:
    """Seconds until ``check()`` held; fails naming ``what`` after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


@contextmanager
def daemon_thread(
    settings: Settings, handle: SimulatorHandle, **intervals: int
) -> Iterator[tuple[Daemon, str]]:
    """A leader daemon on the org's clock; yields it and its ops base URL."""
    values = {
        "fast_interval_seconds": 3600,
        "slow_interval_seconds": 3600,
        "sla_sweep_seconds": 3600,
        "recycle_interval_seconds": 3600,
        "http_port": 0,
        **intervals,
    }
    settings = replace(settings, **values)  # type: ignore[arg-type]
    daemon = Daemon(settings, load_config(settings.mappings_dir), now=handle.org.clock)
    thread = threading.Thread(target=daemon.run, name="test-daemon")
    thread.start()
    assert daemon.http is not None
    try:
        yield daemon, daemon.http.url
    finally:
        daemon.request_stop()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the daemon did not stop within 30 s"


def get(url: str) -> requests.Response:
    return requests.get(url, timeout=10)


def daemon_env(handle: SimulatorHandle, settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SYNCD_DATABASE_URL": settings.database_url,
        "SYNCD_MAPPINGS_DIR": str(settings.mappings_dir),
        "SYNCD_SF_INSTANCE_URL": handle.instance_url,
        "SYNCD_SF_ACCESS_TOKEN": handle.access_token,
        "REQUESTS_CA_BUNDLE": handle.ca_bundle,
        **extra,
    }


def syncd_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`syncd ARGS` as a real process, its output in ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("syncd")), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
