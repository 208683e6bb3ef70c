"""One writer per mirror: the lock refuses a second process, names the holder, and dies with
its process; the next writer closes the dead one's runs as 'killed'."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import pytest

from syncd.mirror import Mirror
from syncd.mirror.lock import MirrorBusy, writer_lock
from syncd.settings import Settings
from syncd.sync.runtime import open_mirror_as_writer

HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from syncd.mirror.lock import writer_lock
    lock = writer_lock(sys.argv[1])
    lock.acquire()
    print("held", flush=True)
    time.sleep(120)
    """
)


def _holder_process(url: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, url], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def _end(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_a_second_writer_is_refused_with_the_holders_pid(database_url: str) -> None:
    holder = _holder_process(database_url)
    try:
        lock = writer_lock(database_url)
        with pytest.raises(MirrorBusy, match=rf"mirror busy \(held by pid {holder.pid} since "):
            lock.acquire()
        assert lock.held is False
    finally:
        _end(holder)


def test_the_lock_is_free_again_once_its_holder_is_killed(database_url: str) -> None:
    holder = _holder_process(database_url)
    os.kill(holder.pid, signal.SIGKILL)
    _end(holder)
    lock = writer_lock(database_url)
    deadline = time.monotonic() + 5  # PostgreSQL notices the dead session almost at once
    while not lock.try_acquire():
        assert time.monotonic() < deadline, "the dead holder's lock was never released"
        time.sleep(0.1)
    lock.release()


def test_a_run_left_running_by_a_dead_writer_is_closed_as_killed(database_url: str) -> None:
    mirror = Mirror.open(database_url)
    started = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    try:
        dead_run = mirror.start_run(now=started, dry_run=False)
    finally:
        mirror.close()
    with open_mirror_as_writer(Settings(database_url=database_url)) as mirror:
        run = mirror.get_run(dead_run)
    assert run is not None
    assert run.status == "killed"
    assert run.ended_at is not None


def test_a_writer_of_another_mirror_on_the_same_server_is_not_this_ones(
    postgres_admin: str,
) -> None:
    from pg_databases import drop_postgres_database, fresh_postgres_database

    made = [fresh_postgres_database(postgres_admin) for _ in range(2)]
    base = postgres_admin.rsplit("/", 1)[0]
    (first, _), (second, _) = made
    holder = _holder_process(f"{base}/{first}")
    try:
        other = writer_lock(f"{base}/{second}")
        assert other.holder() is None
        other.acquire()  # advisory locks are per database: the other mirror's is no bar
        assert other.held
        other.dispose()
    finally:
        _end(holder)
        for name, admin in made:
            drop_postgres_database(admin, name)
