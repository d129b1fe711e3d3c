"""Which database this workstation uses, and the password for a server, without ever storing it in clear text.

The database URL comes from, first to last: the `--database-url` option, the DANGJIAN_DATABASE_URL environment
variable, the workstation's connection file (`connection.json` in the data directory, written by the settings
page), else the SQLite file in the data directory (`app.paths.app_paths` applies this order).

The connection file never holds a password.  A server password comes from the URL given on the command line or in
the environment (used, never stored), from PGPASSWORD or ~/.pgpass (libpq reads those itself), from the OS keyring
when the optional `keyring` package is installed (service "dangjian"), or from the user when the server refuses
the login (`open_with_password`: a terminal prompt or a dialog, supplied by the caller).

No Qt here, and nothing heavy at import.  Reading the connection file is `app.connection_file`'s, below
`app.paths` (which applies the order above); this module opens databases and sits above `app.db`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.connection_file import (  # noqa: F401  (the settings page and tests name them as connection's)
    CONNECTION_FILE,
    SOURCE_ENV,
    SOURCE_FILE,
    SOURCE_LABELS,
    SOURCE_LOCAL,
    SOURCE_OPTION,
    connection_file,
    read_connection_url,
)
from app.errors import DatabaseConnectionError, DatabaseError

if TYPE_CHECKING:
    from sqlalchemy import URL

    from app.paths import AppPaths

log = logging.getLogger(__name__)

KEYRING_SERVICE = "dangjian"
DEFAULT_PORT = 5432


@dataclass(frozen=True)
class ServerSettings:
    """A PostgreSQL database as the settings page edits it: everything but the password."""

    host: str
    port: int
    database: str
    username: str

    def url(self, password: str | None = None) -> URL:
        from sqlalchemy import URL

        return URL.create("postgresql+psycopg", username=self.username or None, password=password or None,
                          host=self.host, port=self.port, database=self.database)

    def describe(self) -> str:
        """For messages: the URL without any password."""
        return self.url().render_as_string(hide_password=True)

    @property
    def keyring_key(self) -> str:
        """The keyring entry's user name: one password per login on each server database."""
        return f"{self.username}@{self.host}:{self.port}/{self.database}"

    @classmethod
    def from_url(cls, url: str | URL) -> ServerSettings:
        from app.db import database_target

        target = database_target(url)
        if isinstance(target, Path):
            raise DatabaseError(f"不是数据库服务器的地址：{target}")
        return cls(target.host or "", target.port or DEFAULT_PORT, target.database or "", target.username or "")


def validate(server: ServerSettings) -> list[str]:
    """What is missing or wrong in a server's settings (Chinese, one line each); empty when usable."""
    problems = []
    if not server.host.strip():
        problems.append("请填写数据库服务器的地址（主机名或 IP）")
    if not 1 <= server.port <= 65535:
        problems.append("端口应在 1～65535 之间")
    if not server.database.strip():
        problems.append("请填写数据库名")
    if not server.username.strip():
        problems.append("请填写用户名")
    return problems


# --- the connection file ------------------------------------------------------------------------------------------

def read_server_settings(data_dir: Path) -> ServerSettings | None:
    url = read_connection_url(data_dir)
    return ServerSettings.from_url(url) if url else None


def write_connection_file(data_dir: Path, server: ServerSettings | None) -> Path:
    """Save this workstation's choice: the SQLite file (None) or a server, whose URL is written without any
    password.  Written to a temporary file and renamed, so a crash leaves the old choice or the new one."""
    content: dict[str, Any] = {"kind": "sqlite"}
    if server is not None:
        problems = validate(server)
        if problems:
            raise DatabaseError("；".join(problems))
        content = {"kind": "server", "url": server.url().render_as_string(hide_password=True)}
    path = connection_file(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".connection-", suffix=".tmp", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(content, f, ensure_ascii=False, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("database connection saved: %s", content.get("url", "SQLite file"))
    return path


# --- the OS keyring (optional) ------------------------------------------------------------------------------------

def _keyring() -> Any:
    try:
        import keyring  # optional: not a dependency of the app
    except ImportError:
        return None
    return keyring


def keyring_available() -> bool:
    return _keyring() is not None


def stored_password(server: ServerSettings) -> str | None:
    kr = _keyring()
    if kr is None:
        return None
    try:
        value = kr.get_password(KEYRING_SERVICE, server.keyring_key)
    except Exception as exc:  # no usable backend, a locked keychain: ask the user instead
        log.warning("keyring not readable: %s", type(exc).__name__)
        return None
    return value if isinstance(value, str) and value else None


def remember_password(server: ServerSettings, password: str | None) -> bool:
    """Keep (or, with None, forget) the password in the OS keyring; False when there is no usable keyring."""
    kr = _keyring()
    if kr is None:
        return False
    try:
        if password:
            kr.set_password(KEYRING_SERVICE, server.keyring_key, password)
        elif stored_password(server) is not None:
            kr.delete_password(KEYRING_SERVICE, server.keyring_key)
    except Exception as exc:
        log.warning("keyring not writable: %s", type(exc).__name__)
        return False
    return True


# --- opening with a password --------------------------------------------------------------------------------------

class PasswordCancelled(DatabaseConnectionError):
    """The server refused the login and the user cancelled the password prompt."""


# Asks the user for the password of the server at `location` (no password in it) after `problem`; None: cancel.
PasswordPrompt = Callable[[str, str], str | None]

T = TypeVar("T")


def login_refused(exc: BaseException) -> bool:
    """True when the server refused the login (wrong or missing password), as opposed to being unreachable."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(getattr(seen, "orig", None) or seen).lower()
        if "password authentication failed" in text or "no password supplied" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def with_password(url: str | URL, password: str | None) -> str:
    """`url` with `password` in it, or with none at all (URL.set cannot remove one)."""
    from sqlalchemy import URL

    from app.db import database_target

    t = database_target(url)
    if isinstance(t, Path):
        return str(url)
    return URL.create(t.drivername, t.username, password or None, t.host, t.port, t.database,
                      t.query).render_as_string(hide_password=False)


def with_keyring_password(url: str) -> str:
    """The URL with the keyring's password filled in when it has none of its own (else unchanged)."""
    from app.db import database_target

    target = database_target(url)
    if isinstance(target, Path) or target.password:
        return url
    password = stored_password(ServerSettings.from_url(target))
    return with_password(url, password) if password else url


def open_with_password(paths: AppPaths, open_fn: Callable[[AppPaths], T],
                       ask: PasswordPrompt | None, *, attempts: int = 3) -> T:
    """`open_fn(paths)`; when a server refuses the login, ask for the password (at most `attempts` times) and
    try again.  The password is used for this run only: the caller decides whether to remember it.
    Without `ask` (no terminal) the refusal is raised as it is; cancelling raises `PasswordCancelled`."""
    if paths.database_url:
        paths = paths.with_database_url(with_keyring_password(paths.database_url))
    for attempt in range(attempts + 1):
        try:
            return open_fn(paths)
        except DatabaseConnectionError as exc:
            if not paths.database_url or ask is None or attempt == attempts or not login_refused(exc):
                raise
            from app.db import describe_target

            password = ask(describe_target(with_password(paths.database_url, None)), exc.message)
            if password is None:
                raise PasswordCancelled(f"{exc.message}（未输入密码，已取消连接）") from exc
            paths = paths.with_database_url(with_password(paths.database_url, password))
    raise AssertionError("unreachable")


def login_paths(paths: AppPaths, ask: PasswordPrompt | None) -> AppPaths:
    """`paths` with the server password that logs in (the URL's own, libpq's, the keyring's or the one the user
    types), found by connecting once, for work outside the app's engine: pg_dump and pg_restore receive it in
    their environment.  Paths of the SQLite file come back unchanged."""
    if not paths.database_url:
        return paths
    return open_with_password(paths, _logged_in, ask)


def _logged_in(paths: AppPaths) -> AppPaths:
    from app.db import server_engine

    with server_engine(paths.database) as engine, engine.connect():
        return paths


# --- 测试连接 -------------------------------------------------------------------------------------------------------

def check_server(server: ServerSettings, password: str | None) -> str:
    """Connect once and say what is there (Chinese); `DatabaseConnectionError` with the reason when it fails.
    Slow when the server does not answer (up to the connect timeout): run it off the GUI thread."""
    from app.db import SCHEMA_HEAD, server_engine, server_schema

    problems = validate(server)
    if problems:
        raise DatabaseError("；".join(problems))
    with server_engine(server.url(password or stored_password(server))) as engine:
        with engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar() or "").split(" ")[0]
        schema = server_schema(engine)
    where = f"连接成功（PostgreSQL {version}）。"
    if schema.revision == SCHEMA_HEAD:
        return where + "这是本程序的数据库，版本与本程序一致。"
    if schema.revisions:
        return where + f"这是本程序的数据库（版本 {'、'.join(schema.revisions)}），打开时会检查并按需升级。"
    if schema.has_tables:
        return where + "但该数据库中已有其他数据表、不是本程序的数据库，本程序不会使用它。请换一个空数据库。"
    return where + "数据库是空的，下次启动时会建立表结构；已有的县可用“dangjian migrate-db”迁入。"
