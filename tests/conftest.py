"""Shared fixtures: offscreen Qt, and a fresh migrated database for every test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import: no display on CI
os.environ.setdefault("MPLBACKEND", "Agg")

import alembic.config
import pytest
from sqlalchemy import Engine

from app.db import Database, make_engine, open_database
from app.db import alembic_config as app_alembic_config
from app.paths import AppPaths


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated empty database per test session; each test gets a copy (migrating takes ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = open_database(path)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def paths(tmp_path: Path, _template_db: Path) -> AppPaths:
    p = AppPaths(tmp_path / "data").ensure()
    shutil.copyfile(_template_db, p.db_path)
    return p


@pytest.fixture
def db(paths: AppPaths) -> Iterator[Database]:
    database = open_database(paths.db_path, backup_dir=paths.backup_dir)
    yield database
    database.close()


# --- pytest-alembic: our env.py and migrations on a temporary SQLite file with the app's engine -----------------

@pytest.fixture
def alembic_config() -> alembic.config.Config:
    return app_alembic_config()


@pytest.fixture
def alembic_engine(tmp_path: Path) -> Iterator[Engine]:
    # The app's engine (pragmas, real BEGIN), so the migrations run exactly as at start-up.
    engine = make_engine(tmp_path / "alembic.sqlite3")
    yield engine
    engine.dispose()


# --- extra revisions on top of the real head (migration machinery tests, generic over the real revisions) ----------

_REVISION_TEMPLATE = '''"""test revision {rev}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''


@pytest.fixture
def extend_migrations(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """A copy of migrations/ with extra revisions chained after the real head: {revision id: upgrade body}."""
    from app.db import head_revision
    from app.paths import migrations_dir

    def build(extra: dict[str, str]) -> Path:
        dest = tmp_path / "migrations"
        shutil.copytree(migrations_dir(), dest, ignore=shutil.ignore_patterns("__pycache__"))
        down = head_revision()
        for rev, body in extra.items():
            indented = "\n".join("    " + line for line in body.strip().splitlines())
            text = _REVISION_TEMPLATE.format(rev=rev, down=down, body=indented)
            (dest / "versions" / f"{rev}_test.py").write_text(text, encoding="utf-8")
            down = rev
        return dest

    return build


@pytest.fixture
def damage_database() -> Callable[..., None]:
    """Write garbage over pages of a (closed, checkpointed) database file, as a failing disk would: by default
    pages 2-3 (the schema's), or two pages from the middle of the file (`middle=True`: tables and indexes)."""

    def damage(path: Path, *, middle: bool = False) -> None:
        page = 4096
        first = (path.stat().st_size // page) // 2 if middle else 1
        with open(path, "r+b") as f:
            f.seek(first * page)
            f.write(b"\x5a\xa5" * page)
            f.flush()
            os.fsync(f.fileno())

    return damage
