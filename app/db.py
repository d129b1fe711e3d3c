"""The database: engine, sessions, schema migrations and read-only inspection of a database file.

Nothing here runs at import.  `open_database()` is the one way the app (GUI, CLI, tests) gets a database: it looks
at the file read-only first (a database from a newer app is refused untouched; a damaged one raises
`IntegrityCheckError`), backs it up before a migration, migrates it to head with foreign keys off inside one
transaction that commits only when `PRAGMA foreign_key_check` is empty, and returns a `Database` holding the
engine and the session factory.  `open_app_database()` adds the first-start-of-the-day backup.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.errors import BackupError, DatabaseError, DatabaseTooNewError, IntegrityCheckError
from app.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.paths import AppPaths

# The newest migration this build ships.  A database already at this revision opens without importing Alembic
# (0.3 s of start-up); tests/test_migrations.py checks that it equals the scripts' head.
SCHEMA_HEAD = "0006"

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

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

def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
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


def _on_begin(conn: Connection) -> None:
    # A deferred BEGIN: a unit of work reads one consistent snapshot.  If it reads, then another connection
    # commits, then it writes, SQLite refuses the write at once (SQLITE_BUSY): units of work are kept short.
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN")


def make_engine(db_path: str | Path) -> Engine:
    """An engine for the SQLite file at `db_path`: the pragmas every connection needs, real transactions."""
    engine = create_engine(
        URL.create("sqlite", database=str(Path(db_path))),  # not a URL string: '?', '#', '%' are legal in paths
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


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
    transaction, so it is set on the driver connection before anything begins, and checked."""
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
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        detail = "；".join(_describe_fk_row(tuple(r)) for r in rows[:5])
        raise DatabaseError(f"迁移后外键检查发现{len(rows)}处引用错误（{detail}），迁移已全部回滚，数据库未改变")


def _describe_fk_row(row: tuple[object, ...]) -> str:
    table, rowid, parent = row[0], row[1], row[2]
    return f"表 {table} 中 rowid={rowid} 的记录引用的 {parent} 记录不存在"


def migrate(engine: Engine, revision: str = "head", *, migrations: Path | None = None) -> None:
    """Upgrade the database to `revision`: one transaction, foreign keys off, committed only when
    `foreign_key_check` is empty (migrations/env.py does the work, so the `alembic` command behaves the same)."""
    from alembic import command

    cfg = alembic_config(migrations)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


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
        raise IntegrityCheckError(f"数据库完整性检查未通过：文件已损坏或不是数据库文件（{exc}）") from exc
    return StoredSchema(revs, bool(names))


def integrity_problems(db_path: str | Path) -> list[str]:
    """`PRAGMA integrity_check` on a file, read-only; an empty list means the file is sound."""
    try:
        with read_only_connection(db_path) as con:
            rows = con.execute("PRAGMA integrity_check").fetchall()
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


def _refuse_foreign_or_newer(schema: StoredSchema, known: set[str], db_path: Path) -> None:
    unknown = [r for r in schema.revisions if r not in known]
    if unknown:
        raise DatabaseTooNewError(
            f"数据库 {db_path.name} 由更新版本的程序创建（数据库版本 {'、'.join(unknown)}），本程序无法打开。"
            "数据库未作任何改动，请安装新版本的程序后再打开。"
        )
    if not schema.revisions and schema.has_tables:
        raise DatabaseError(f"文件 {db_path} 不是本程序的数据库（缺少版本信息），未作任何改动")


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

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]
    warnings: list[str] = field(default_factory=list)
    backups_made: list[Path] = field(default_factory=list)
    created: bool = False  # the file was new (or empty) and got the schema just now
    migrated_from: str | None = None  # the revision it had before an upgrade

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work in one transaction: commit on success, roll back on any error."""
        with self.session_factory() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()


def _has_content(db_path: Path) -> bool:
    wal = Path(str(db_path) + "-wal")
    return (db_path.is_file() and db_path.stat().st_size > 0) or (wal.is_file() and wal.stat().st_size > 0)


def open_database(
    db_path: str | Path,
    *,
    backup_dir: Path | None = None,
    migrate_to_head: bool = True,
    check_integrity: bool = True,
    keep_backups: int | None = None,
    migrations: Path | None = None,
) -> Database:
    """Open (and if needed create and migrate) the county database at `db_path`.

    Raises `DatabaseTooNewError` for a database from a newer app and `DatabaseError` for a file that is not ours
    (both left byte-for-byte untouched), and `IntegrityCheckError` when the file is damaged (the caller offers
    `app.services.backup.latest_good_backup`).  A migration of an existing database is preceded by a backup
    into `backup_dir` (default: `backups` beside the database); no backup, no migration."""
    db_path = Path(db_path)
    warnings = [NETWORK_WARNING] if is_network_path(db_path) else []
    existing = _has_content(db_path)
    current: str | None = None
    if existing:
        schema = stored_schema(db_path)
        if not (migrations is None and schema.revisions == (SCHEMA_HEAD,)):
            _refuse_foreign_or_newer(schema, known_revisions(migrations), db_path)
        if check_integrity:
            problems = integrity_problems(db_path)
            if problems:
                raise IntegrityCheckError("数据库完整性检查未通过：" + "；".join(problems[:5]))
        current = schema.revision
    engine = make_engine(db_path)
    db = Database(db_path, engine, sessionmaker(engine, expire_on_commit=False), warnings,
                  created=current is None)
    try:
        up_to_date = migrations is None and current == SCHEMA_HEAD
        if migrate_to_head and not up_to_date and current != head_revision(migrations):
            if current is not None:
                db.backups_made.append(_backup_before_migration(engine, backup_dir or db_path.parent / "backups",
                                                                keep_backups))
            migrate(engine, migrations=migrations)
            db.migrated_from = current
            if current is not None:
                log.info("database migrated from %s to head", current)
    except BaseException:
        engine.dispose()
        raise
    return db


def _backup_before_migration(engine: Engine, backup_dir: Path, keep: int | None) -> Path:
    from app.services import backup

    try:
        return backup.make_backup(engine, backup_dir, reason="migrate",
                                  keep=keep if keep is not None else backup.DEFAULT_KEEP)
    except BackupError as exc:
        raise BackupError(f"升级数据库前必须先备份，但备份失败，数据库未升级：{exc}") from exc


def open_app_database(paths: AppPaths) -> Database:
    """The start-up path of the app and the CLI: open (migrating with a backup first, keeping as many backups
    as the setting says) and take the day's first backup.  A failed daily backup is a warning, not a refusal."""
    from app.services import backup

    paths.ensure()
    keep = backup.configured_keep(paths.db_path)
    db = open_database(paths.db_path, backup_dir=paths.backup_dir, keep_backups=keep)
    if not db.created and backup.needs_daily_backup(paths.backup_dir):
        try:
            db.backups_made.append(backup.make_backup(db.engine, paths.backup_dir, reason="daily", keep=keep))
        except BackupError as exc:
            log.warning("daily backup failed: %s", exc)
            db.warnings.append(f"今日自动备份失败：{exc}")
    return db


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
    if not _has_content(db_path):
        raise DatabaseError(f"数据库文件不存在或为空：{db_path}")
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
