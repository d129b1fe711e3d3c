"""Where the app keeps its files.

Everything is derived from one data directory: platformdirs' per-user data dir, or the `--data-dir` override
(which tests and the demo use).  Nothing is created at import time.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import platformdirs

from app import APP_NAME
from app import connection_file as c

DB_FILENAME = "dangjian.sqlite3"
# A PostgreSQL URL in this variable puts the county's data on that server instead of the SQLite file.
DATABASE_URL_ENV = "DANGJIAN_DATABASE_URL"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    # The county database on a server (issue 8); None: the SQLite file in the data directory.  The data directory
    # still holds backups, logs and documents of this workstation.  It may hold a password: kept out of repr.
    database_url: str | None = field(default=None, repr=False)
    # Where `database_url` came from: app.connection_file.SOURCE_OPTION / _ENV / _FILE, or "" for the SQLite file.
    database_source: str = ""

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def database(self) -> str | Path:
        """What `app.services.opening.open_database` opens: the server URL when one is configured, else the SQLite file."""
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

    @property
    def anchor_path(self) -> Path:
        """The audit chain's heads kept outside the database (app.services.anchors)."""
        return self.data_dir / "audit-anchors.log"

    def ensure(self) -> AppPaths:
        """Create the data folder and its subfolders, readable by their owner only (POSIX): they hold the
        county's personal data, its backups and logs.  Documents meant for circulation are written elsewhere
        (the output folder the user picks) with the user's umask."""
        for d in (self.data_dir, self.backup_dir, self.attachment_dir, self.log_dir):
            private_dir(d)
        return self


# Modes of what holds personal data on POSIX: the database (and the -wal/-shm SQLite gives the database's mode),
# backups, logs and the folders they live in.  On Windows the per-user data folder's ACL already keeps other
# users out, and chmod there only toggles the read-only flag: nothing is changed.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_POSIX = os.name != "nt"


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner may enter: created 0700, an existing one tightened to 0700."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def make_private(path: Path) -> None:
    """Tighten an existing file to 0600 (a database or backup made by an earlier version was 0644).  A file
    that is not the user's own, or a file system without modes, is left as it is."""
    _tighten(path, PRIVATE_FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create `path` empty and 0600 (whatever the umask), refusing to replace an existing file: SQLite and
    pg_dump then write into it and keep its mode."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    os.close(fd)


def _tighten(path: Path, mode: int) -> None:
    # Only bits are taken away (group and others'), never added: a read-only file stays read-only.
    if not _POSIX:
        return
    try:
        current = path.stat().st_mode & 0o777
        if current & 0o077:
            os.chmod(path, current & mode)
    except OSError:
        pass  # not the owner, or no such file: nothing this app may change


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def app_paths(data_dir: str | Path | None = None, database_url: str | None = None) -> AppPaths:
    """The data directory (given, or the per-user default) and the database: `database_url` (the --database-url
    option) when given, else the DANGJIAN_DATABASE_URL environment variable, else the server saved in the data
    directory's connection file (app.connection_file), else the SQLite file in the data directory."""
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
    path before any installed copy and has no such subpackage: use the folder beside it.  In the PyInstaller
    bundle (packaging/dangjian.spec) the folders sit as they are in the bundle's own folder, sys._MEIPASS."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / name
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
