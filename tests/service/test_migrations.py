"""The schema comes from the Alembic migrations, and they match the models."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from bot.db import BASELINE_REVISION, alembic_config, create_schema, make_engine


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
    SQLModel.metadata.drop_all(engine)          # (the PostgreSQL test database is shared)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        # the tables the first versions of the service made: the baseline, no alembic_version
        command.upgrade(alembic_config(connection), BASELINE_REVISION)
        connection.execute(text("DROP TABLE alembic_version"))
    create_schema(engine)
    assert schema_differences(engine) == []
    engine.dispose()
