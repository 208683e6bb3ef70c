"""The writer lock: one process writes a mirror at a time, and the lock dies with it.

PostgreSQL: a session-level advisory lock on a connection of its own (the server drops it
the moment that connection dies, so a standby daemon takes over after a `kill -9`); the
holder names itself in that connection's ``application_name`` so a refused writer can say
who holds the mirror. SQLite: an OS lock (``flock``) on a file beside the database, which
the kernel releases when the process dies; the file holds the holder's pid and start time.
An in-memory SQLite mirror belongs to one process and needs no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from syncd.settings import normalise_database_url

__all__ = ["Holder", "MirrorBusy", "WriterLock", "writer_lock"]

# Any fixed 64-bit number works: it only has to be the same for every syncd on the database.
ADVISORY_KEY = 0x5C_D0_00_01
_APP_PREFIX = "syncd-writer"


@dataclass(frozen=True)
class Holder:
    """Who holds the mirror: the process id and when it took the lock."""

    pid: int | None
    since: datetime | None

    def describe(self) -> str:
        pid = "unknown" if self.pid is None else str(self.pid)
        since = (
            "an unknown time" if self.since is None else self.since.isoformat(timespec="seconds")
        )
        return f"held by pid {pid} since {since}"


class MirrorBusy(Exception):
    """Another syncd writes this mirror; nothing was done."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(f"mirror busy ({holder.describe()}): another syncd writes it")
        self.holder = holder


class WriterLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process now holds it."""

    def acquire(self) -> None:
        """Take the lock or raise MirrorBusy naming the holder."""

    def holder(self) -> Holder | None:
        """Who holds it now (None when free or unknown)."""

    def release(self) -> None: ...

    @property
    def held(self) -> bool: ...


def _stamp() -> tuple[int, datetime]:
    return os.getpid(), datetime.now(UTC).replace(microsecond=0)


class _Base(ABC):
    held: bool = False

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process now holds it."""

    @abstractmethod
    def holder(self) -> Holder | None:
        """Who holds it now (None when free or unknown)."""

    def acquire(self) -> None:
        if not self.try_acquire():
            raise MirrorBusy(self.holder() or Holder(None, None))


class FileLock(_Base):
    """``flock`` on ``<database>.lock``; the kernel releases it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self.held = False

    def try_acquire(self) -> bool:
        if self.held:
            return True
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        pid, since = _stamp()
        handle.seek(0)
        handle.truncate()
        handle.write(f"{pid} {since.isoformat()}\n")
        handle.flush()
        self._file, self.held = handle, True
        return True

    def holder(self) -> Holder | None:
        # The holder writes its stamp just after taking the lock: a loser that looks in that
        # instant finds the file empty, so it looks again for up to a second.
        for _ in range(20):
            try:
                words = self.path.read_text(encoding="utf-8").split()
            except FileNotFoundError:
                return None
            if len(words) == 2 and words[0].isdigit():
                return Holder(int(words[0]), datetime.fromisoformat(words[1]))
            time.sleep(0.05)
        return Holder(None, None)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
        self._file, self.held = None, False


class AdvisoryLock(_Base):
    """``pg_try_advisory_lock`` on a dedicated connection, held for the process's life."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
        self._conn: Connection | None = None
        self.held = False

    def try_acquire(self) -> bool:
        if self.held and self._alive():
            return True
        self.release()
        pid, since = _stamp()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        if not got:
            conn.close()
            return False
        # SET does not take bind parameters; the value is our own pid and a timestamp.
        conn.execute(text(f"SET application_name = '{_APP_PREFIX} {pid} {since.isoformat()}'"))
        self._conn, self.held = conn, True
        return True

    def _alive(self) -> bool:
        try:
            assert self._conn is not None
            self._conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - a dead connection means the lock is gone
            self.held = False
            return False
        return True

    def holder(self) -> Holder | None:
        with self._engine.connect() as conn:
            name = conn.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.objid = :lo AND l.classid = :hi "
                    # Advisory locks are per database: another mirror on the same server
                    # holds its own, and is not this one's writer.
                    "AND l.database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())"
                ),
                {"lo": ADVISORY_KEY & 0xFFFFFFFF, "hi": ADVISORY_KEY >> 32},
            ).scalar()
        if name is None:
            return None
        words = str(name).split()
        if len(words) != 3 or words[0] != _APP_PREFIX:
            return Holder(None, None)
        return Holder(int(words[1]), datetime.fromisoformat(words[2]))

    def release(self) -> None:
        if self._conn is not None:
            # Closing the session releases its advisory locks; already gone is as good.
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn, self.held = None, False

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


class NoLock(_Base):
    """An in-memory mirror lives in one process: nobody else can write it."""

    def __init__(self) -> None:
        self.held = False

    def try_acquire(self) -> bool:
        self.held = True
        return True

    def holder(self) -> Holder | None:
        return None

    def release(self) -> None:
        self.held = False


def writer_lock(url: str) -> WriterLock:
    """The right lock for the mirror at ``url``."""
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return NoLock()
        return FileLock(Path(database + ".lock"))
    return AdvisoryLock(normalise_database_url(url))
