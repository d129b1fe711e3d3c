"""Where the app keeps its files.

Everything is derived from one data directory: platformdirs' per-user data dir, or the `--data-dir` override
(which tests and the demo use).  Nothing is created at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import platformdirs

from app import APP_NAME
from app import connection as c

DB_FILENAME = "dangjian.sqlite3"
# A PostgreSQL URL in this variable puts the county's data on that server instead of the SQLite file.
DATABASE_URL_ENV = "DANGJIAN_DATABASE_URL"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    # The county database on a server (issue 8); None: the SQLite file in the data directory.  The data directory
    # still holds backups, logs and documents of this workstation.  It may hold a password: kept out of repr.
    database_url: str | None = field(default=None, repr=False)
    # Where `database_url` came from: app.connection.SOURCE_OPTION / _ENV / _FILE, or "" for the SQLite file.
    database_source: str = ""

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def database(self) -> str | Path:
        """What `app.db.open_database` opens: the server URL when one is configured, else the SQLite file."""
        return self.database_url or self.db_path

    @property
    def uses_server(self) -> bool:
        return bool(self.database_url)

    def with_database_url(self, url: str) -> AppPaths:
        """The same paths with another URL for the same database (e.g. with the password the user typed)."""
        return replace(self, database_url=url)

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def attachment_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def output_dir(self) -> Path:
        return self.data_dir / "output"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure(self) -> AppPaths:
        for d in (self.data_dir, self.backup_dir, self.attachment_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def app_paths(data_dir: str | Path | None = None, database_url: str | None = None) -> AppPaths:
    """The data directory (given, or the per-user default) and the database: `database_url` (the --database-url
    option) when given, else the DANGJIAN_DATABASE_URL environment variable, else the server saved in the data
    directory's connection file (app.connection), else the SQLite file in the data directory."""
    directory = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    if database_url:
        return AppPaths(directory, database_url, c.SOURCE_OPTION)
    if os.environ.get(DATABASE_URL_ENV):
        return AppPaths(directory, os.environ[DATABASE_URL_ENV], c.SOURCE_ENV)
    saved = c.read_connection_url(directory)
    return AppPaths(directory, saved, c.SOURCE_FILE if saved else c.SOURCE_LOCAL)


def _data_package(name: str) -> Path:
    """A top-level folder of the source tree (`resources/`, `migrations/`) that an installed wheel ships as the
    package `app.<name>` (see pyproject's package-dir).  Running from a source checkout, `app` is found on the
    path before any installed copy and has no such subpackage: use the folder beside it."""
    try:
        return Path(str(resources.files(f"app.{name}")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name


def resource_path(*parts: str) -> Path:
    """A file shipped in `resources/`."""
    return _data_package("resources").joinpath(*parts)


def font_path() -> Path:
    return resource_path("fonts", "wqy-microhei.ttc")


def migrations_dir() -> Path:
    return _data_package("migrations")
