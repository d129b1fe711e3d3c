"""Alembic environment.  Accepts a Connection (the app, the Alembic cookbook) or an Engine (pytest-alembic)
through `config.attributes`, or a URL for the command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.models.base import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: rebuild tables in batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        after = config.attributes.get("after_upgrade")
        if after is not None:
            after(connection)


def run_migrations_online() -> None:
    given = config.attributes.get("connection") or config.attributes.get("engine")
    if isinstance(given, Connection):
        _configure_and_run(given)
        return
    engine = given if isinstance(given, Engine) else create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _configure_and_run(connection)


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
