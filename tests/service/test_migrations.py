"""The schema comes from the Alembic migrations, and they match the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from bot.db import create_schema, make_engine


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def test_migrations_build_exactly_the_models_schema(database_url):
    engine = make_engine(database_url)
    create_schema(engine)
    create_schema(engine)                       # a second start changes nothing
    assert schema_differences(engine) == []
    assert "alembic_version" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_database_made_before_migrations_is_adopted(database_url):
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine)        # as the first versions of the service did
    create_schema(engine)
    assert schema_differences(engine) == []
    engine.dispose()
