"""The database: engine, sessions, schema migrations and read-only inspection of a database file.

Nothing here runs at import.  `app.services.opening.open_database()` is the one way the app (GUI, CLI, tests)
gets a database (it backs up before a migration, which is the backup service's work); this module gives it the
parts.  Its target is either a SQLite file (the default: one workstation) or a PostgreSQL server URL (several officers on the
intranet, issue 8); `database_target()` tells them apart.  For a file, it looks at the file read-only first (a database from a newer app is refused untouched; a damaged one raises
`IntegrityCheckError`), backs it up before a migration, migrates it to head with foreign keys off inside one
transaction that commits only when `PRAGMA foreign_key_check` is empty, and returns a `Database` holding the
engine and the session factory.  A server database is read the same way over one connection, and migrated in one
transaction under an advisory lock (two clients starting at once do not both migrate).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from app.errors import (
    DatabaseBusyError,
    DatabaseConnectionError,
    DatabaseError,
    DatabaseTooNewError,
    IntegrityCheckError,
)
from app.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import ExceptionContext
    from sqlalchemy.pool import ConnectionPoolEntry


# The newest migration this build ships.  A database already at this revision opens without importing Alembic
# (0.3 s of start-up); tests/test_migrations.py checks that it equals the scripts' head.
SCHEMA_HEAD = "0019_unit_accounts"

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
SERVER_CONNECT_TIMEOUT_S = 10
# pg_advisory_xact_lock key held while migrating a server database ("dangjian" in ASCII, folded to 63 bits).
MIGRATION_LOCK_KEY = 0x64616E676A69616E

DatabaseTarget = Path | URL

SessionFactory = Callable[[], Session]

NETWORK_WARNING = (
    "数据库位于网络共享位置。SQLite 在网络文件系统上加锁不可靠，多人同时使用可能损坏数据。"
    "请将数据目录放在本机磁盘上，需要共享时使用“备份”导出的文件。"
)

# File systems on which SQLite's locking (and WAL's shared memory) cannot be trusted.
NETWORK_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smbfs", "smb3", "ncpfs", "afs", "coda", "9p", "davfs", "ceph", "glusterfs",
    "lustre", "gpfs", "fuse.sshfs", "sshfs", "fuse.s3fs", "fuse.rclone", "fuse.gvfsd-fuse", "fuse.davfs2",
})


# --- engine ------------------------------------------------------------------------------------------------------

def _on_connect(dbapi_conn: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
    # pysqlite opens transactions itself, and only before INSERT/UPDATE/DELETE: DDL would run autocommitted and a
    # failed migration could not be rolled back.  Take that job away from it; `_on_begin` emits BEGIN instead.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # Foreign keys are off on every new SQLite connection unless asked for; WAL + synchronous=FULL keep every
    # reported commit through a crash (PLATFORM.md).
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()
    record.info[WRITE_WAIT_KEY] = _write_wait_seconds(dbapi_conn)


def _on_begin(conn: Connection) -> None:
    # A deferred BEGIN: a unit of work reads one consistent snapshot.  If it reads, then another connection
    # commits, then it writes, SQLite refuses the write at once (SQLITE_BUSY): units of work are kept short,
    # and a long one that writes (an import) takes the write lock first (`begin_writing`).
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    if options.get(WRITE_OPTION):
        _begin_immediate(conn)
        return
    conn.exec_driver_sql("BEGIN")


# --- waiting for the write lock ----------------------------------------------------------------------------------

# The execution option by which a unit of work says it will write (`begin_writing`).
WRITE_OPTION = "dangjian_writes"
# How long a unit of work that writes waits for another program's write to end (a setting; app.settings).
WRITE_WAIT_KEY = "db.write_wait_seconds"
WRITE_WAIT_DEFAULT_S = 30
WRITE_WAIT_MAX_S = 600
# After this long the user is told why nothing seems to happen.
WRITE_WAIT_NOTICE_S = 1.0

_write_wait_notice: Callable[[], None] | None = None


def set_write_wait_notice(notice: Callable[[], None] | None) -> Callable[[], None] | None:
    """Who is told, once per wait, that a unit of work is waiting for another program's write (the CLI prints
    a line on stderr, the main window shows it in the status bar; it may be called on a worker thread).
    Returns the previous one."""
    global _write_wait_notice
    previous, _write_wait_notice = _write_wait_notice, notice
    return previous


def begin_writing(session: Session) -> None:
    """Begin `session`'s unit of work by taking the database's write lock, waiting (up to the setting's
    seconds, with a notice after one) while another program writes.

    Call it first, before the unit of work reads anything.  A SQLite transaction that has read cannot wait
    for the lock: when another program writes meanwhile, its first write fails at once with 'database is
    locked'.  Taking the lock first, it waits, then reads what the other wrote.  A server needs none of this
    (rows are locked one by one, with the server's own lock_timeout)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={WRITE_OPTION: True})


def _begin_immediate(conn: Connection) -> None:
    take_write_lock(conn, lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"))


def take_write_lock(conn: Connection, statement: Callable[[], object]) -> None:
    """Run `statement`, one that takes SQLite's write lock (BEGIN IMMEDIATE, or a first write that changes
    nothing), waiting while another program holds the lock: up to the setting's seconds, telling
    `set_write_wait_notice`'s listener after the first.  Raises `DatabaseBusyError` (in Chinese; nothing was
    written) when the other program is still writing then.  The wait only works while the transaction has read
    nothing yet: SQLite does not wait for a transaction that holds an older snapshot."""
    limit_s = float(conn.info.get(WRITE_WAIT_KEY, WRITE_WAIT_DEFAULT_S))
    try:
        if _try_write_lock(conn, statement, min(WRITE_WAIT_NOTICE_S, limit_s)):
            return
        notice = _write_wait_notice
        if notice is not None:
            notice()
        if not _try_write_lock(conn, statement, max(limit_s - WRITE_WAIT_NOTICE_S, 0)):
            from app.errors import locked_message

            raise DatabaseBusyError(locked_message(limit_s))
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _try_write_lock(conn: Connection, statement: Callable[[], object], wait_s: float) -> bool:
    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_s * 1000)}")  # SQLite's busy handler retries this long
    try:
        statement()
    except sa_exc.OperationalError as exc:
        if "locked" in str(exc.orig).lower():
            return False
        raise
    return True


def _write_wait_seconds(dbapi_conn: sqlite3.Connection) -> float:
    """The setting, read when a connection opens (a unit of work that has begun must not read before it takes
    the lock); its default while the table or the row is not there (a database being created) or is unusable."""
    import json

    try:
        # fetchall: a statement left unfinished would keep a read lock open on the idle connection
        rows = dbapi_conn.execute("SELECT value FROM setting WHERE key = ?", (WRITE_WAIT_KEY,)).fetchall()
        value = float(json.loads(rows[0][0])) if rows else WRITE_WAIT_DEFAULT_S
    except (sqlite3.Error, ValueError, TypeError):
        return WRITE_WAIT_DEFAULT_S
    return min(max(value, 1.0), WRITE_WAIT_MAX_S)


def database_target(value: str | Path | URL) -> DatabaseTarget:
    """A SQLite file path, or a PostgreSQL URL (anything with '://' in it).

    `postgresql://` means the psycopg 3 driver, the one the app ships with."""
    if isinstance(value, URL):
        url = value
    elif isinstance(value, Path) or "://" not in value:
        return Path(value)
    else:
        try:
            url = make_url(value)
        except (sa_exc.ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
            raise DatabaseError(f"数据库地址格式不正确：{_hide_password(value)}"
                                "（应为 postgresql://用户名@服务器:端口/数据库名）") from exc
    if url.get_backend_name() == "sqlite":
        if not url.database:
            raise DatabaseError("SQLite 数据库地址中缺少文件路径")
        return Path(url.database)
    if url.get_backend_name() != "postgresql":
        raise DatabaseError(f"不支持的数据库类型“{url.get_backend_name()}”：只能使用本机 SQLite 文件或 PostgreSQL 服务器")
    if url.drivername != "postgresql+psycopg":
        url = url.set(drivername="postgresql+psycopg")
    if not url.host or not url.database:
        raise DatabaseError(f"数据库地址中缺少服务器或数据库名：{url.render_as_string(hide_password=True)}")
    return url


def is_server(target: str | Path | URL) -> bool:
    return isinstance(database_target(target), URL)


def describe_target(target: str | Path | URL) -> str:
    """The target as the user may see it (and logs may keep): never the password."""
    t = database_target(target)
    return t.render_as_string(hide_password=True) if isinstance(t, URL) else str(t)


def _hide_password(text: str) -> str:
    # For a string that did not even parse as a URL: drop anything between "://user:" and "@".
    head, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    cred, _, host = rest.rpartition("@")
    return f"{head}://{cred.split(':', 1)[0]}:***@{host}" if ":" in cred else text


def make_engine(target: str | Path | URL) -> Engine:
    """An engine for a SQLite file (the pragmas every connection needs, real transactions) or a PostgreSQL URL."""
    t = database_target(target)
    return _make_server_engine(t) if isinstance(t, URL) else _make_sqlite_engine(t)


def _make_server_engine(url: URL) -> Engine:
    # READ COMMITTED (the server's default); what must not interleave takes a lock (audit chain, score sheets).
    # pre-ping: a connection that died while idle in the pool (server restart, network) is replaced silently.
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={
            "connect_timeout": SERVER_CONNECT_TIMEOUT_S, "application_name": "dangjian",
            # A network that stops answering (a cable, a VPN) must fail in seconds, not hang a save for the two
            # hours of the system's TCP keepalive; the server notices a vanished client the same way and frees
            # the rows it held.
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
            "tcp_user_timeout": 30_000,
            # A county's database (some hundred MB) lives in the server's cache: an index lookup costs about what
            # a sequential read does.  With the default random_page_cost 4.0 (spinning disks) the planner scans
            # all 100,000 score items for one month's 8,400 — 24 ms instead of 5 (benchmarks).
            # lock_timeout: waiting longer than 15 s for another client's rows is reported (DatabaseBusyError,
            # "try again") rather than freezing the window; a transaction left idle for 5 minutes by a client
            # that hung is ended by the server, so its locks cannot block everyone else.
            "options": "-c random_page_cost=1.1 -c lock_timeout=15000 "
                       "-c idle_in_transaction_session_timeout=300000",
        },
    )
    event.listen(engine, "handle_error", _as_connection_problem)
    return engine


def _as_connection_problem(context: ExceptionContext) -> BaseException | None:
    # Every caller (services, workers, the CLI) sees the Chinese DatabaseConnectionError, not a driver error.
    # A failed pre-ping is left alone: the pool replaces that connection silently.
    if context.is_pre_ping or context.sqlalchemy_exception is None:
        return None
    return connection_problem(context.sqlalchemy_exception, context.engine.url if context.engine else None)


def _make_sqlite_engine(db_path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(Path(db_path))),  # not a URL string: '?', '#', '%' are legal in paths
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def connection_problem(exc: BaseException, target: str | Path | URL | None = None) -> DatabaseError | None:
    """The Chinese explanation of a failure to reach or keep a database server, or of a unit of work the server
    rolled back because of another client (deadlock, lock wait too long); None for anything else."""
    if isinstance(exc, (DatabaseConnectionError, DatabaseBusyError)):
        return exc
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    where = f"（{describe_target(target)}）" if target is not None else ""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lowered = text.lower()
    if getattr(exc.orig, "sqlstate", None) in _BUSY_SQLSTATES:
        return DatabaseBusyError("其他电脑上的同事正在修改同一批数据，本次操作已撤销、没有保存任何内容。请稍后再试一次。")
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return DatabaseConnectionError(f"数据库服务器拒绝登录：用户名或密码不正确{where}")
    if "does not exist" in lowered and "database" in lowered:
        return DatabaseConnectionError(f"数据库服务器上没有这个数据库{where}，请核对数据库名或请管理员先创建它")
    if "role" in lowered and "does not exist" in lowered:
        return DatabaseConnectionError(f"数据库服务器上没有这个用户{where}")
    if any(k in lowered for k in _UNKNOWN_HOST):
        return DatabaseConnectionError(f"找不到数据库服务器{where}：请核对服务器地址（主机名或 IP）和网络连接")
    if "connection refused" in lowered:
        return DatabaseConnectionError(f"数据库服务器没有在这个端口上接受连接{where}：请核对端口号，或确认数据库服务已经启动。"
                                       "此前已保存的数据不受影响。")
    if exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError) and _is_connection_loss(lowered):
        return DatabaseConnectionError(
            f"无法连接数据库服务器，或连接已中断{where}。刚才的操作没有保存；此前已保存的数据不受影响。"
            "请检查网络和服务器后重试。")
    return None


# deadlock_detected, lock_not_available (lock_timeout), serialization_failure, query_canceled (statement timeout)
_BUSY_SQLSTATES = frozenset({"40P01", "55P03", "40001", "57014"})

_UNKNOWN_HOST = ("could not translate host name", "name or service not known", "nodename nor servname",
                 "temporary failure in name resolution", "no such host is known")


def _is_connection_loss(lowered: str) -> bool:
    return any(k in lowered for k in (
        "connection refused", "could not connect", "could not translate host name", "timeout expired",
        "server closed the connection", "connection is closed", "terminating connection", "connection timed out",
        "no route to host", "network is unreachable", "consuming input failed", "the connection is lost",
        "name or service not known", "connection to server",
    ))


# --- migrations ----------------------------------------------------------------------------------------------------

def alembic_config(migrations: Path | None = None) -> Config:
    """An Alembic config for our migration scripts (or, in tests, another copy of them)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations or migrations_dir()))
    return cfg


def _scripts(migrations: Path | None = None) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(migrations))


def head_revision(migrations: Path | None = None) -> str:
    heads = _scripts(migrations).get_heads()
    if len(heads) != 1:
        raise DatabaseError(f"迁移脚本有{len(heads)}个分支头，程序安装不完整，请重新安装")
    return heads[0]


def known_revisions(migrations: Path | None = None) -> set[str]:
    return {s.revision for s in _scripts(migrations).walk_revisions()}


def revisions_base_to_head(migrations: Path | None = None) -> list[str]:
    """Every revision, oldest first."""
    return [s.revision for s in reversed(list(_scripts(migrations).walk_revisions()))]


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign keys off for a migration on `connection`, back on afterwards.

    Batch migrations rebuild a table by copying it and dropping the original; with foreign keys on, dropping a
    parent table fails (RESTRICT) or silently empties its children (CASCADE).  The pragma is a no-op inside a
    transaction, so it is set on the driver connection before anything begins, and checked.  A server database
    needs none of this: it alters tables in place, and checks every reference as it goes."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        raise DatabaseError("迁移必须在事务之外开始，否则无法关闭外键约束")
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        if raw.execute("PRAGMA foreign_keys").fetchone() != (0,):
            raise DatabaseError("无法在迁移期间关闭外键约束，迁移未执行")
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA foreign_keys=ON")


def require_no_fk_violations(connection: Connection) -> None:
    """Raise (so the enclosing migration transaction rolls back) when any reference is broken."""
    if connection.dialect.name != "sqlite":
        return  # the server refused any broken reference at the statement that made it
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        detail = "；".join(_describe_fk_row(tuple(r)) for r in rows[:5])
        raise DatabaseError(f"迁移后外键检查发现{len(rows)}处引用错误（{detail}），迁移已全部回滚，数据库未改变")


def _describe_fk_row(row: tuple[object, ...]) -> str:
    table, rowid, parent = row[0], row[1], row[2]
    return f"表 {table} 中 rowid={rowid} 的记录引用的 {parent} 记录不存在"


def migrate(engine: Engine, revision: str = "head", *, migrations: Path | None = None,
            check: Callable[[Connection], list[str]] | None = None) -> None:
    """Upgrade the database to `revision`: one transaction, foreign keys off, committed only when
    `foreign_key_check` is empty (migrations/env.py does the work, so the `alembic` command behaves the same).

    On a server, `check` (what is wrong with the upgraded database, in Chinese) runs inside that transaction
    before the commit, and anything it finds rolls the whole upgrade back: the server's database never shows the
    new revision unchecked.  A SQLite file cannot do that (foreign keys can only be switched off outside a
    transaction, so the migration must begin its own): its caller checks the committed file and puts the backup
    back (app.services.opening)."""
    from alembic import command

    cfg = alembic_config(migrations)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        if check is None or conn.dialect.name == "sqlite":
            command.upgrade(cfg, revision)
            return
        with conn.begin():  # Alembic joins a transaction it is given and leaves the commit to its owner
            command.upgrade(cfg, revision)
            problems = check(conn)
            if problems:
                raise DatabaseError("升级后的检查未通过：" + "；".join(problems))


# --- read-only inspection --------------------------------------------------------------------------------------------

def sqlite_uri(path: Path, params: str) -> str:
    posix = path.resolve().as_posix()
    if not posix.startswith("/"):
        posix = "/" + posix  # file:///C:/x on Windows; UNC //host/share becomes file:////host/share
    return f"file://{quote(posix, safe='/:')}?{params}"


@contextmanager
def read_only_connection(db_path: str | Path) -> Iterator[sqlite3.Connection]:
    """A connection that changes nothing on disk, not even by creating -wal or -shm files.

    A read-only connection to a WAL database creates both files when they are missing; `immutable=1` does not,
    and is safe when there is no -wal (nobody has the database open in WAL mode and no commit waits in a WAL).
    When a -wal exists its commits must be read, so the file is opened read-only the normal way (SQLite may then
    touch the -shm index, never the database or the -wal)."""
    p = Path(db_path)
    if not p.is_file():
        raise DatabaseError(f"数据库文件不存在：{p}")
    hot = any(Path(str(p) + suffix).exists() for suffix in ("-wal", "-journal"))
    con = sqlite3.connect(sqlite_uri(p, "mode=ro" if hot else "mode=ro&immutable=1"), uri=True,
                          timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class StoredSchema:
    """What a database file says about itself, read without changing it."""

    revisions: tuple[str, ...]  # from alembic_version; empty for a new or foreign file
    has_tables: bool

    @property
    def revision(self) -> str | None:
        return self.revisions[0] if len(self.revisions) == 1 else None


def stored_schema(db_path: str | Path) -> StoredSchema:
    """The schema revision recorded in a database file; `IntegrityCheckError` when it cannot even be read."""
    try:
        with read_only_connection(db_path) as con:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revs: tuple[str, ...] = ()
            if "alembic_version" in names:
                revs = tuple(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.DatabaseError as exc:
        from app.errors import RESTORE_HINT  # SQLite's English words stay in the traceback, for the log

        raise IntegrityCheckError(f"数据库完整性检查未通过：文件已损坏或不是数据库文件。{RESTORE_HINT}。") from exc
    return StoredSchema(revs, bool(names))


def integrity_problems(db_path: str | Path) -> list[str]:
    """`PRAGMA integrity_check` on a file, read-only; an empty list means the file is sound."""
    return _check(db_path, "integrity_check")


def quick_check_problems(db_path: str | Path) -> list[str]:
    """`PRAGMA quick_check`: the pages and records, without comparing each index with its table (a third of the
    full check's time); what a normal open runs.  The full check runs before migrations, backups and restores,
    and once a day after the main window shows (app.integrity)."""
    return _check(db_path, "quick_check")


def _check(db_path: str | Path, pragma: str) -> list[str]:
    try:
        with read_only_connection(db_path) as con:
            rows = con.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    found = [str(r[0]) for r in rows]
    return [] if found == ["ok"] else found


def foreign_key_problems(db_path: str | Path) -> list[str]:
    """`PRAGMA foreign_key_check` on a file, read-only, one Chinese line per broken reference."""
    try:
        with read_only_connection(db_path) as con:
            rows = con.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [f"无法检查外键：{exc}"]
    return [_describe_fk_row(tuple(r)) for r in rows]


# The triggers that make the audit trail append-only (migration 0002), as that migration writes them: a trail
# whose triggers were dropped, or replaced by ones that let changes through, can be edited in place.
AUDIT_TRIGGER_SQL = {
    name: f"CREATE TRIGGER {name} BEFORE {event} ON audit_entry "
          "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"
    for name, event in (("audit_entry_no_update", "UPDATE"), ("audit_entry_no_delete", "DELETE"))
}
# Revisions from before the audit trail existed (no audit_entry table, nothing to protect).
BEFORE_AUDIT_TRAIL = frozenset({"0001"})


def _normal_sql(sql: str) -> str:
    return " ".join(sql.split()).upper()


def audit_trigger_problems(db_path: str | Path) -> list[str]:
    """What is missing of the audit trail's append-only protection in a database file (Chinese, read-only)."""
    try:
        with read_only_connection(db_path) as con:
            return audit_trigger_findings(con)
    except sqlite3.DatabaseError as exc:
        return [f"无法检查审计日志的保护触发器：{exc}"]


def audit_trigger_findings(con: sqlite3.Connection) -> list[str]:
    if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit_entry'").fetchone() is None:
        return ["数据库中没有审计日志表（audit_entry）"]
    stored = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_entry'"))
    problems = []
    for name, sql in AUDIT_TRIGGER_SQL.items():
        what = "修改" if "UPDATE" in sql else "删除"
        if name not in stored:
            problems.append(f"审计日志缺少防止{what}的触发器 {name}：日志可被直接改写，数据库可能被绕过程序改动过")
        elif _normal_sql(stored[name] or "") != _normal_sql(sql):
            problems.append(f"审计日志的触发器 {name} 已被改写，不再阻止{what}：数据库可能被绕过程序改动过")
    return problems


# On a server TRUNCATE bypasses row triggers: migration 0002 adds a statement trigger refusing it as well.
SERVER_AUDIT_TRIGGERS = {"audit_entry_no_update": "修改", "audit_entry_no_delete": "删除",
                         "audit_entry_no_truncate": "清空"}


def server_audit_trigger_problems(engine: Engine) -> list[str]:
    """The audit trail's append-only triggers on a server database: each present and enabled (Chinese)."""
    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT to_regclass('audit_entry')").scalar() is None:
            conn.rollback()
            return ["数据库中没有审计日志表（audit_entry）"]
        enabled = {r[0] for r in conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_entry'::regclass "
            "AND NOT tgisinternal AND tgenabled <> 'D'")}
        conn.rollback()
    return [f"审计日志缺少防止{what}的触发器 {name}（或已被停用）：日志可被直接改写，数据库可能被绕过程序改动过"
            for name, what in SERVER_AUDIT_TRIGGERS.items() if name not in enabled]


def server_schema(engine: Engine) -> StoredSchema:
    """The schema revision recorded in a server database, read in a transaction that is rolled back."""
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        revs: tuple[str, ...] = ()
        if "alembic_version" in names:
            revs = tuple(r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version"))
        conn.rollback()
    return StoredSchema(revs, bool(names))


@contextmanager
def server_engine(target: str | Path | URL, failure: str = "无法读取数据库") -> Iterator[Engine]:
    """An engine for one short job on a database (a look at its tables, a check, a setting), disposed at the
    end.  A driver error inside the block comes out in Chinese: the connection problem when it is one
    (unreachable, refused login, server gone), else DatabaseError "`failure`：<the server's words>"."""
    engine = make_engine(target)
    try:
        yield engine
    except sa_exc.DBAPIError as exc:
        raise connection_problem(exc, target) or DatabaseError(f"{failure}：{exc.orig}") from exc
    finally:
        engine.dispose()


def refuse_foreign_or_newer(schema: StoredSchema, known: set[str], name: str) -> None:
    unknown = [r for r in schema.revisions if r not in known]
    if unknown:
        raise DatabaseTooNewError(
            f"数据库 {name} 由更新版本的程序创建（数据库版本 {'、'.join(unknown)}），本程序无法打开。"
            "数据库未作任何改动，请安装新版本的程序后再打开。"
        )
    if not schema.revisions and schema.has_tables:
        raise DatabaseError(f"{name} 不是本程序的数据库（已有数据表但缺少版本信息），未作任何改动")


# --- network shares --------------------------------------------------------------------------------------------

def is_network_path(path: str | Path, *, mounts: str | None = None) -> bool:
    """True for a UNC path, a mapped network drive (Windows) or a network file system mount (Linux).

    `mounts` is the text of /proc/mounts (read when not given; tests pass their own)."""
    raw = str(path)
    if raw.startswith(("\\\\?\\", "\\\\.\\", "//?/", "//./")):  # Win32 device/long-path prefix
        raw = raw[4:]
        if raw[:4].upper() in ("UNC\\", "UNC/"):
            return True
    elif raw.startswith(("\\\\", "//")):
        return True
    if os.name == "nt":
        return _windows_drive_is_remote(raw)
    text = mounts if mounts is not None else _read_proc_mounts()
    return mount_fs_type(_absolute_posix(raw), text) in NETWORK_FS_TYPES


def _absolute_posix(raw: str) -> str:
    try:
        return str(Path(raw).resolve())
    except OSError:
        return os.path.abspath(raw)


def _windows_drive_is_remote(raw: str) -> bool:
    try:
        import ctypes

        resolved = str(Path(raw).resolve())  # a mapped drive may resolve to its UNC path
        if resolved.startswith("\\\\"):
            return True
        drive = os.path.splitdrive(resolved)[0] + "\\"
        drive_remote = 4  # GetDriveTypeW's DRIVE_REMOTE
        return bool(ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False


def _read_proc_mounts() -> str:
    try:
        return Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _unescape_mount_field(s: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in mount points as octal escapes (\040 ...).
    out, i = [], 0
    while i < len(s):
        code = s[i + 1 : i + 4]
        if s[i] == "\\" and len(code) == 3 and all(c in "01234567" for c in code):
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def mount_fs_type(path: str, mounts: str) -> str:
    """The file system type of the longest mount point containing `path` ('' when none matches)."""
    best, fstype = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape_mount_field(parts[1])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype


# --- opening ---------------------------------------------------------------------------------------------------

@dataclass
class Database:
    """An open database: the engine, its session factory and what happened while opening it."""

    target: DatabaseTarget
    engine: Engine
    session_factory: sessionmaker[Session]
    warnings: list[str] = field(default_factory=list)
    backups_made: list[Path] = field(default_factory=list)
    created: bool = False  # the file was new (or empty) and got the schema just now
    migrated_from: str | None = None  # the revision it had before an upgrade

    @property
    def is_server(self) -> bool:
        return isinstance(self.target, URL)

    @property
    def path(self) -> Path:
        """The SQLite file; a server database has none (file-only features check `is_server` first)."""
        if isinstance(self.target, URL):
            raise DatabaseError("服务器上的数据库没有本机文件，此操作只适用于本机 SQLite 数据库")
        return self.target

    @property
    def location(self) -> str:
        """Where the data is, for the title bar, the log and messages: a file path or a URL without password."""
        return describe_target(self.target)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work in one transaction: commit on success, roll back on any error."""
        with self.session_factory() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()


def has_content(db_path: Path) -> bool:
    wal = Path(str(db_path) + "-wal")
    return (db_path.is_file() and db_path.stat().st_size > 0) or (wal.is_file() and wal.stat().st_size > 0)


def empty_database_message(db_path: Path) -> str:
    return (f"数据库文件是空的（0 字节）：{db_path}。它可能被截断或损坏；程序不会把它当作新的数据库使用，"
            "以免在空库上继续工作、再用空库的备份冲掉完好的备份。请用 dangjian restore --latest"
            "（或主窗口的“从备份恢复”）恢复最近一份完好的备份；确实要新建数据库时，请先把这个空文件移走。")


def is_empty_database_file(db_path: Path) -> bool:
    """A database file that exists but holds nothing (0 bytes, no -wal with commits): truncated or damaged.
    The app never makes one (`create_database_file`), so it is never taken for a new county."""
    return db_path.exists() and not has_content(db_path)


# A temporary file of a first start that was killed is left behind; one a day old is nobody's any more.
_STALE_CREATING_S = 24 * 3600


def create_database_file(db_path: Path, *, migrate_to_head: bool, migrations: Path | None) -> bool:
    """A new county's database, built under a temporary name (0600) and renamed into place once its schema is
    complete: a first start killed halfway leaves no empty file behind that the next start would refuse as
    damaged.  False when another process put its own new database in place meanwhile (that one is used)."""
    folder = db_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_creating(db_path)
    fd, name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".creating", dir=folder)  # mode 0600
    os.close(fd)
    tmp = Path(name)
    try:
        engine = make_engine(tmp)
        try:
            if migrate_to_head:
                migrate(engine, migrations=migrations)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # The first connection writes the header (WAL mode); the checkpoint moves every page into the
                # file itself, so the file alone is the whole database when it is renamed.
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        return _put_in_place(tmp, db_path)
    finally:
        for extra in ("", "-wal", "-shm"):
            Path(f"{tmp}{extra}").unlink(missing_ok=True)


def _put_in_place(tmp: Path, db_path: Path) -> bool:
    # A hard link never replaces a file another process created meanwhile; os.replace would.
    try:
        os.link(tmp, db_path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        os.replace(tmp, db_path)
    return True


def _remove_stale_creating(db_path: Path) -> None:
    cutoff = time.time() - _STALE_CREATING_S
    for old in db_path.parent.glob(f".{db_path.name}.*.creating*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


# --- the `check` report ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckReport:
    """What `dangjian check` found; `findings` empty means the database is in order."""

    path: Path
    revision: str | None
    head: str
    integrity: list[str]
    foreign_keys: list[str]
    findings: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings


def check_database(db_path: str | Path, *, migrations: Path | None = None) -> CheckReport:
    """Integrity, references and schema version of a database file, read-only."""
    db_path = Path(db_path)
    head = head_revision(migrations)
    if not db_path.exists():
        raise DatabaseError(f"数据库文件不存在：{db_path}")
    if is_empty_database_file(db_path):
        return CheckReport(db_path, None, head, [], [], [empty_database_message(db_path)], [])
    findings: list[str] = []
    notes: list[str] = []
    if is_network_path(db_path):
        findings.append(NETWORK_WARNING)
    try:
        schema: StoredSchema | None = stored_schema(db_path)
    except IntegrityCheckError as exc:
        schema = None
        findings.append(str(exc))
    integrity = integrity_problems(db_path)
    if integrity:
        findings.append(f"完整性检查发现{len(integrity)}处问题：" + "；".join(integrity[:10]))
    fks = foreign_key_problems(db_path) if schema is not None else []
    if fks:
        findings.append(f"外键检查发现{len(fks)}处引用错误：" + "；".join(fks[:10]))
    revision = schema.revision if schema else None
    if schema is not None:
        findings.extend(_version_findings(schema, head, known_revisions(migrations), notes))
        if schema.has_tables and revision not in BEFORE_AUDIT_TRAIL:
            findings.extend(audit_trigger_problems(db_path))
    return CheckReport(db_path, revision, head, integrity, fks, findings, notes)


def _version_findings(schema: StoredSchema, head: str, known: set[str], notes: list[str]) -> list[str]:
    if not schema.revisions:
        return ["数据库中没有版本信息，不是本程序创建的数据库" if schema.has_tables else "数据库是空的，尚未建立表结构"]
    if len(schema.revisions) > 1:
        return [f"数据库记录了多个版本（{'、'.join(schema.revisions)}），迁移历史有分支"]
    rev = schema.revisions[0]
    if rev not in known:
        return [f"数据库版本 {rev} 比本程序新（本程序最高支持 {head}），请升级程序"]
    if rev != head:
        return [f"数据库版本 {rev} 落后于本程序的 {head}，下次启动时会先备份再自动升级"]
    notes.append(f"数据库版本 {rev}，与本程序一致")
    return []


def version_findings(schema: StoredSchema, head: str, known: set[str]) -> list[str]:
    """What is wrong with a database's schema version for this app (Chinese; empty when it is at head), for
    `dangjian check` on a file or on a server alike."""
    return _version_findings(schema, head, known, [])
