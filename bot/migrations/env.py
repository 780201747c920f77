"""Alembic environment: the project's SQLModel tables are the target schema.

Run through bot.db.upgrade_schema (at service start) or `alembic -c bot/migrations/alembic.ini`.
"""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from bot import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
