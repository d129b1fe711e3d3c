"""Alembic environment.

Accepts what it is given in `config.attributes["connection"]`: a Connection (the app's `app.db.migrate`, the
Alembic cookbook) or an Engine (pytest-alembic); without one, the URL of alembic.ini (developers' command line).

Every online run does the same thing: foreign keys off (batch migrations rebuild tables), all revisions in ONE
transaction (`transactional_ddl=True`: Alembic's SQLite default commits each revision on its own), and
`PRAGMA foreign_key_check` must be empty before that transaction commits, else everything is rolled back.  On
PostgreSQL the foreign-key steps are not needed (tables are altered in place); an advisory lock serialises clients.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.db import MIGRATION_LOCK_KEY, foreign_keys_off, make_engine, require_no_fk_violations
from app.models.base import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    with foreign_keys_off(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite cannot ALTER most things: rebuild tables in batch mode
            compare_type=True,
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two clients starting a new version at once: the second waits here (as long as the first needs:
                # no lock timeout), then finds nothing to do.
                connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            context.run_migrations()
            require_no_fk_violations(connection)


def _engine_from_ini() -> Engine:
    url = make_url(config.get_main_option("sqlalchemy.url") or "")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SystemExit("alembic.ini 中的 sqlalchemy.url 必须指向 SQLite 文件或 PostgreSQL 数据库")
    return make_engine(url)


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure_and_run(given)
        return
    engine = given if isinstance(given, Engine) else _engine_from_ini()
    try:
        with engine.connect() as connection:
            _configure_and_run(connection)
    finally:
        if engine is not given:
            engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
