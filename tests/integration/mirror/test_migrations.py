"""The schema comes from Alembic, matches the models, and upgrading twice changes nothing."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from syncd.mirror.db import make_engine
from syncd.mirror.migrate import current_revision, head_revision, schema_drift, upgrade
from syncd.mirror.models import Base


def test_upgrade_creates_every_table_of_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_second_upgrade_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    first = upgrade(engine)
    second = upgrade(engine)
    assert first == (None, head_revision(engine))
    assert second == (head_revision(engine), head_revision(engine))
    engine.dispose()


def test_migrated_schema_has_no_drift_from_the_models(mirror_engine: Engine) -> None:
    assert schema_drift(mirror_engine) == []


def test_migrated_database_is_at_head(mirror_engine: Engine) -> None:
    assert current_revision(mirror_engine) == head_revision(mirror_engine)
