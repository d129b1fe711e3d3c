"""Shared fixtures: offscreen Qt, and a fresh migrated database for every test.

`--db=postgresql --db-url=URL` runs the suite on a PostgreSQL server instead of SQLite files (tests/dbkit.py).
Tests about SQLite files themselves are marked `sqlite_only`, tests that need a server `server_only`; the run that
does not apply deselects them (they are not skipped: they do not belong to that run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import: no display on CI
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("DANGJIAN_DATABASE_URL", None)  # a developer's own server must never receive test data

import datetime as dt

import alembic.config
import dbkit
import frozen
import pytest
import time_machine
from sqlalchemy import Engine

from app.db import Database, make_engine
from app.db import alembic_config as app_alembic_config
from app.paths import DATABASE_URL_ENV, AppPaths
from app.services.opening import open_database


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=["sqlite", "postgresql"], default="sqlite",
                     help="the database every test runs on (default: SQLite files)")
    parser.addoption("--db-url", default=os.environ.get("DANGJIAN_TEST_PG_URL"),
                     help="superuser URL of a throw-away PostgreSQL server, for --db=postgresql")
    parser.addoption("--today", type=dt.date.fromisoformat, default=frozen.DEFAULT_TODAY,
                     help=f"the day the whole run lives on (the clock is frozen there; default {frozen.DEFAULT_TODAY})")


_traveller: time_machine.travel | None = None


def _freeze_the_clock(day: dt.date) -> None:
    """No test reads the real clock: the whole run starts at 10:00 local time on `day` and ticks on from there
    (time-machine moves date.today, datetime.now and time.time; monotonic clocks and timeouts are untouched)."""
    global _traveller
    frozen.TODAY = day
    start = dt.datetime.combine(day, dt.time(frozen.START_HOUR)).astimezone()
    _traveller = time_machine.travel(start, tick=True)
    _traveller.start()


def pytest_report_header(config: pytest.Config) -> str:
    return f"today (frozen): {frozen.TODAY.isoformat()}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about SQLite files themselves; not run on a server")
    config.addinivalue_line("markers", "server_only: needs a PostgreSQL server; run with --db=postgresql")
    _freeze_the_clock(config.getoption("--today"))
    if not hasattr(config, "workerinput"):
        dbkit.KIT = dbkit.DatabaseKit(config.getoption("--db"), config.getoption("--db-url"))


def pytest_unconfigure(config: pytest.Config) -> None:
    dbkit.KIT.drop_all()
    if _traveller is not None:
        _traveller.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unwanted = "sqlite_only" if dbkit.KIT.on_server else "server_only"
    deselected = [i for i in items if i.get_closest_marker(unwanted)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if not i.get_closest_marker(unwanted)]


@pytest.fixture(autouse=True)
def _own_qsettings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test remembers (window size, last page, last user name: app/ui/remembered.py) in a folder of its own,
    never in the user's real settings; subprocesses (the CLI, start-up probes) too, through XDG_CONFIG_HOME."""
    from PySide6.QtCore import QSettings

    where = tmp_path_factory.mktemp("qsettings")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(where))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(where))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # on Windows the native format is the registry


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2id with tiny costs (the real parameters take ~50 ms a hash), no password from the environment, and
    no logged-in user before or after.  The account tests take it for every test of the file:
    `pytestmark = pytest.mark.usefixtures("cheap_hashes")`."""
    from argon2 import PasswordHasher

    from app.services import accounts

    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setattr(accounts, "_DUMMY_HASH", [])  # else made once with whichever hasher came first
    monkeypatch.delenv("DANGJIAN_PASSWORD", raising=False)
    monkeypatch.delenv("DANGJIAN_NEW_PASSWORD", raising=False)
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture(scope="session")
def database_kit() -> dbkit.DatabaseKit:
    return dbkit.KIT


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> dbkit.Target:
    """One migrated empty database per test session; each test gets a copy (migrating takes ~0.3 s)."""
    target = dbkit.KIT.new(tmp_path_factory.mktemp("template"), "template")
    db = open_database(target)
    dbkit.KIT.settle(db)
    db.close()
    return target


@pytest.fixture
def paths(tmp_path: Path, _template_db: dbkit.Target, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """This test's data directory and database (a copy of the migrated template).  On a server the URL is also
    in DANGJIAN_DATABASE_URL, so the CLI and anything else that calls `app_paths()` finds the same database."""
    if not dbkit.KIT.on_server:
        p = AppPaths(tmp_path / "data").ensure()
        shutil.copyfile(_template_db, p.db_path)
        return p
    url = str(dbkit.KIT.copy(_template_db, tmp_path))
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    return AppPaths(tmp_path / "data", url).ensure()


@pytest.fixture
def db(paths: AppPaths) -> Iterator[Database]:
    database = open_database(paths.database, backup_dir=paths.backup_dir)
    yield database
    database.close()


@pytest.fixture
def second_db(paths: AppPaths, db: Database) -> Iterator[Database]:
    """A second client of the same database as `db`: its own engine and connections, as another machine has."""
    other = open_database(paths.database, backup_dir=paths.backup_dir)
    yield other
    other.close()


# --- pytest-alembic: our env.py and migrations on a new empty database with the app's engine ---------------------

@pytest.fixture
def alembic_config() -> alembic.config.Config:
    return app_alembic_config()


@pytest.fixture
def alembic_engine(tmp_path: Path) -> Iterator[Engine]:
    # The app's engine (pragmas, real BEGIN), so the migrations run exactly as at start-up.
    engine = make_engine(dbkit.KIT.new(tmp_path, "alembic"))
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
