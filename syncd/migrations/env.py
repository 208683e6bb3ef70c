"""Alembic environment: runs on the engine syncd hands over (see syncd/mirror/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from syncd.mirror.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` CLI use: take the URL from alembic's own config
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///syncd.db")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
