"""The migrations create exactly the schema the models describe, and `init` is safe twice."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from models.db import make_engine, schema_is_current, upgrade_schema


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diffs == []


def test_upgrading_twice_is_harmless(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert not schema_is_current(engine)
    upgrade_schema(engine)
    upgrade_schema(engine)
    assert schema_is_current(engine)
