"""Shared fixtures: offscreen Qt, and a fresh migrated database for every test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import: no display on CI
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from app.db import Database, open_database
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
