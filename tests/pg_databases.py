"""Throwaway PostgreSQL databases for tests (one per use, so parallel workers never share)."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, create_engine, text


def fresh_postgres_database(admin_url: str) -> tuple[str, Engine]:
    """A throwaway database per use, so parallel test workers never share tables."""
    name = f"syncd_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name, admin


def drop_postgres_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
