"""Shared fixtures: the mirror on every backend, so one suite proves both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_databases import drop_postgres_database, fresh_postgres_database
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from syncd.mirror.db import make_engine, session_factory
from syncd.mirror.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "SYNCD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return PG_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL on each backend (not yet migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mirror.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin")
    name, admin = fresh_postgres_database(admin_url)
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        drop_postgres_database(admin, name)


@pytest.fixture
def mirror_engine(database_url: str) -> Iterator[Engine]:
    """A migrated mirror on each backend."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(mirror_engine: Engine) -> Iterator[Session]:
    with session_factory(mirror_engine)() as s:
        yield s
