"""Engine and sessions for the mirror, on SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from syncd.settings import normalise_database_url


class DatabaseError(Exception):
    """The mirror cannot be used; the message is one line an operator can act on."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # WAL lets the status page read while a sync run writes; busy_timeout rides out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, *, check: bool = True) -> Engine:
    """Create the engine; with ``check`` connect once so a bad URL fails here, clearly."""
    url = normalise_database_url(url)
    try:
        if url.startswith("sqlite"):
            # hide_parameters: an error never prints a row's values (leads' personal data).
            engine = create_engine(url, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(
                url,
                pool_pre_ping=True,
                hide_parameters=True,
                connect_args={"connect_timeout": 5},
            )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(f"SYNCD_DATABASE_URL is not usable: {exc}") from None
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            first_line = str(exc.orig or exc).strip().splitlines()[0]
            raise DatabaseError(
                f"cannot reach the mirror database {engine.url.render_as_string()}: {first_line}"
            ) from None
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
