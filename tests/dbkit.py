"""The database the test suite runs on: SQLite files (the default) or databases on a PostgreSQL server.

`pytest --db=postgresql --db-url=postgresql://superuser:pw@127.0.0.1:PORT/postgres` runs every test against a
server (`.ci/pgserver.py` starts a throw-away one).  A test never names the kind of database it gets: it asks the
kit for a new empty database, or for a copy of one it built, and receives what `app.services.opening.open_database` takes (a
file path, or a URL).  Copies are cheap on both: a file copy, or `CREATE DATABASE … TEMPLATE …` on the server.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, make_url

from app.db import Database

Target = Path | str


class DatabaseKit:
    """Makes, copies and drops the test databases of one pytest session."""

    def __init__(self, kind: str, admin_url: str | None = None) -> None:
        self.kind = kind
        self._admin_url: URL | None = None
        self._admin: Engine | None = None
        self._made: list[str] = []
        self._placed: dict[Path, str] = {}  # a file path a test chose -> the server database standing for it
        self._numbers = itertools.count(1)
        if kind == "postgresql":
            if not admin_url:
                raise SystemExit("--db=postgresql 需要 --db-url（或环境变量 DANGJIAN_TEST_PG_URL）：一个可建库的超级用户地址")
            self._admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
            self._admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")

    @property
    def on_server(self) -> bool:
        return self.kind == "postgresql"

    @property
    def admin_url(self) -> URL:
        assert self._admin_url is not None, "only on a server"
        return self._admin_url

    # --- naming -------------------------------------------------------------------------------------------------

    def _new_name(self) -> str:
        return f"dj_{os.getpid()}_{next(self._numbers)}"

    def url_of(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def name_of(target: Target) -> str:
        return make_url(str(target)).database or ""

    def _sql(self, statement: str) -> None:
        assert self._admin is not None
        with self._admin.connect() as conn:
            conn.exec_driver_sql(statement)

    # --- making and copying -----------------------------------------------------------------------------------

    def new(self, folder: Path, stem: str = "dangjian") -> Target:
        """A new, empty database (no schema yet): `open_database` creates the schema."""
        if not self.on_server:
            folder.mkdir(parents=True, exist_ok=True)
            return folder / f"{stem}.sqlite3"
        name = self._new_name()
        self._sql(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return self.url_of(name)

    def copy(self, source: Target, folder: Path, stem: str = "dangjian") -> Target:
        """A copy of the closed database `source` (a file, or a server database no one is connected to)."""
        if not self.on_server:
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / f"{stem}.sqlite3"
            shutil.copyfile(source, dest)
            return dest
        name = self._new_name()
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.name_of(source)}"')
        self._made.append(name)
        return self.url_of(name)

    def place(self, source: Target, path: Path) -> Target:
        """A copy of `source` "at" `path`: the file itself, or a server database that `resolve(path)` finds again
        (so module fixtures written for files keep passing paths around)."""
        if not self.on_server:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            return path
        target = self.copy(source, path.parent)
        self._placed[path] = str(target)
        return target

    def resolve(self, path: Target) -> Target:
        return self._placed.get(Path(path), path) if self.on_server and isinstance(path, Path) else path

    def replace(self, dest: Target, source: Target) -> None:
        """Make the (closed) database `dest` a copy of the (closed) database `source`."""
        if not self.on_server:
            shutil.copyfile(source, dest)
            for extra in ("-wal", "-shm"):
                Path(str(dest) + extra).unlink(missing_ok=True)
            return
        name = self.name_of(dest)
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.name_of(source)}"')

    @staticmethod
    def settle(db: Database) -> None:
        """Make an open database safe to copy once it is closed (SQLite: fold the WAL into the file)."""
        if not db.is_server:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def drop(self, target: Target) -> None:
        if self.on_server:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name_of(target)}" WITH (FORCE)')

    def drop_all(self) -> None:
        if self._admin is None:
            return
        for name in self._made:
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._made.clear()
        self._admin.dispose()


KIT = DatabaseKit("sqlite")  # replaced by conftest.py's pytest_configure


def kit() -> DatabaseKit:
    return KIT


def tamper(db: Database, *statements: str) -> None:
    """What someone with full rights on the database could do behind the app's back (a SQLite shell on the file,
    or psql as the owner on the server): drop the append-only triggers, then change rows with plain SQL."""
    if not db.is_server:
        import sqlite3

        con = sqlite3.connect(db.path)
        try:
            for trigger in ("audit_entry_no_update", "audit_entry_no_delete"):
                con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in statements:
                con.execute(statement)
            con.commit()
        finally:
            con.close()
        return
    with db.engine.begin() as conn:
        for trigger in ("audit_entry_no_update", "audit_entry_no_delete", "audit_entry_no_truncate"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON audit_entry")
        for statement in statements:
            conn.exec_driver_sql(statement.replace("%", "%%"))
