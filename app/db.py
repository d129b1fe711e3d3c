"""The database: engine, sessions and schema migrations.

Nothing here runs at import.  `open_database()` is the one way the app (GUI, CLI, tests) gets a database:
it checks the file, backs it up before a migration, migrates it to head with foreign keys off, and returns a
`Database` holding the engine and the session factory.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DatabaseError, DatabaseTooNewError, IntegrityCheckError
from app.paths import migrations_dir

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

SessionFactory = Callable[[], Session]


def _set_sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # Foreign keys are off on every new SQLite connection unless asked for; WAL + synchronous=FULL keep every
    # reported commit through a crash (PLATFORM.md).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def make_engine(db_path: str | Path) -> Engine:
    """An engine for the SQLite file at `db_path`, with the pragmas every connection needs."""
    engine = create_engine(
        f"sqlite:///{Path(db_path)}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise DatabaseError(f"迁移脚本有{len(heads)}个分支头，程序安装不完整")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def integrity_problems(db_path: str | Path) -> list[str]:
    """`PRAGMA integrity_check` on a file (opened read-only); an empty list means the file is sound."""
    uri = f"file:{Path(db_path).as_posix()}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    found = [r[0] for r in rows]
    return [] if found == ["ok"] else found


def is_network_path(path: str | Path) -> bool:
    """True for a UNC path, a mapped network drive (Windows) or a network file system mount (Linux)."""
    p = str(Path(path).resolve())
    if p.startswith("\\\\") or p.startswith("//"):
        return True
    if os.name == "nt":
        try:
            import ctypes

            drive = os.path.splitdrive(p)[0] + "\\"
            return bool(ctypes.windll.kernel32.GetDriveTypeW(drive) == 4)  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            return False
    return _linux_fs_type(p) in {"nfs", "nfs4", "cifs", "smbfs", "smb3", "sshfs", "fuse.sshfs", "9p", "afs"}


def _linux_fs_type(path: str) -> str:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return ""
    best, fstype = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (path == parts[1] or path.startswith(parts[1].rstrip("/") + "/")):
            if len(parts[1]) > len(best):
                best, fstype = parts[1], parts[2]
    return fstype


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade with foreign keys off (batch migrations rebuild tables), then require foreign_key_check empty.

    env.py runs the upgrade on the connection we hand it, inside one transaction; the check runs before that
    transaction commits, so a migration that breaks references is rolled back."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            cfg.attributes["after_upgrade"] = _require_no_fk_violations
            command.upgrade(cfg, revision)
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _require_no_fk_violations(conn: object) -> None:
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()  # type: ignore[attr-defined]
    if rows:
        raise DatabaseError(f"迁移后外键检查发现{len(rows)}处引用错误，已回滚，数据库未改变")


@dataclass
class Database:
    """An open database: the engine, its session factory and what happened while opening it."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]
    warnings: list[str] = field(default_factory=list)
    backups_made: list[Path] = field(default_factory=list)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work in one transaction: commit on success, roll back on any error."""
        with self.session_factory() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    db_path: str | Path,
    *,
    backup_dir: Path | None = None,
    migrate_to_head: bool = True,
    check_integrity: bool = True,
    keep_backups: int | None = None,
) -> Database:
    """Open (and if needed create and migrate) the county database at `db_path`.

    Raises `DatabaseTooNewError` for a database from a newer app (left untouched) and `IntegrityCheckError`
    when the file is damaged (the caller offers the latest good backup)."""
    from app.services import backup  # late: backup imports db

    db_path = Path(db_path)
    warnings: list[str] = []
    if is_network_path(db_path):
        warnings.append("数据库位于网络共享位置，SQLite 在网络文件系统上不可靠，可能损坏数据。请将数据目录放在本机磁盘上。")
    exists = db_path.exists() and db_path.stat().st_size > 0
    if exists and check_integrity:
        problems = integrity_problems(db_path)
        if problems:
            raise IntegrityCheckError("数据库完整性检查未通过：" + "；".join(problems[:5]))
    engine = make_engine(db_path)
    db = Database(db_path, engine, sessionmaker(engine, expire_on_commit=False), warnings)
    try:
        current = current_revision(engine)
        head = head_revision()
        if current is not None and current not in known_revisions():
            raise DatabaseTooNewError(
                f"该数据库由更新版本的程序创建（版本 {current}），本程序无法打开。数据库未作任何改动，请升级程序。"
            )
        if current != head and migrate_to_head:
            if exists and current is not None and backup_dir is not None:
                db.backups_made.append(backup.make_backup(engine, backup_dir, reason="migrate", keep=keep_backups))
            migrate(engine)
    except Exception:
        engine.dispose()
        raise
    return db
