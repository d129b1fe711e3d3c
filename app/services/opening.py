"""Opening the county's database: the one way the app (GUI, CLI, tests) gets a `Database`.

A SQLite file is looked at read-only first (a database from a newer app is refused untouched; a damaged or empty
one raises `IntegrityCheckError`), backed up before a migration (no backup, no migration), migrated to head and
returned with its engine and session factory; a server database is read and migrated the same way, with a pg_dump
backup first where pg_dump is installed.  An upgraded file is checked before it is used (`upgrade_problems`:
integrity_check and the audit chain); when the migration or that check fails, the backup is put back in its place
and the open refused in Chinese, so the old version opens the county as it was.  `open_app_database()` adds the
first-start-of-the-day backup.

The parts are app.db's (engine, schema, migrations, checks); the backups are app.services.backup's, which is why
this sits among the services and not in the data layer."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import URL, Connection, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from app.db import (
    NETWORK_WARNING,
    SCHEMA_HEAD,
    Database,
    connection_problem,
    create_database_file,
    database_target,
    describe_target,
    empty_database_message,
    has_content,
    head_revision,
    integrity_problems,
    is_network_path,
    known_revisions,
    make_engine,
    migrate,
    quick_check_problems,
    refuse_foreign_or_newer,
    server_schema,
    stored_schema,
)
from app.errors import (
    BackupError,
    DatabaseBusyError,
    DatabaseConnectionError,
    DatabaseError,
    IntegrityCheckError,
)
from app.paths import make_private
from app.services import backup

if TYPE_CHECKING:
    from app.paths import AppPaths

log = logging.getLogger(__name__)


def open_database(
    target: str | Path | URL,
    *,
    backup_dir: Path | None = None,
    migrate_to_head: bool = True,
    check_integrity: bool = True,
    keep_backups: int | None = None,
    migrations: Path | None = None,
) -> Database:
    """Open (and if needed create and migrate) the county database at `db_path`.

    A missing file is a new county: it is built aside and renamed into place.  A file that exists but is empty
    (0 bytes) is not: it raises `IntegrityCheckError` (truncated or damaged), like any damaged file.

    Raises `DatabaseTooNewError` for a database from a newer app and `DatabaseError` for a file that is not ours
    (both left byte-for-byte untouched), and `IntegrityCheckError` when the file is damaged (the caller offers
    `app.services.backup.latest_good_backup`).  A migration of an existing database is preceded by a backup
    into `backup_dir` (default: `backups` beside the database); no backup, no migration.  A server URL is opened
    by `_open_server_database`."""
    t = database_target(target)
    if isinstance(t, URL):
        return _open_server_database(t, backup_dir=backup_dir, migrate_to_head=migrate_to_head,
                                     keep_backups=keep_backups, migrations=migrations)
    db_path = t
    warnings = [NETWORK_WARNING] if is_network_path(db_path) else []
    made_now = False
    if not has_content(db_path):
        if db_path.exists():
            raise IntegrityCheckError(empty_database_message(db_path))
        made_now = create_database_file(db_path, migrate_to_head=migrate_to_head, migrations=migrations)
    for name in ("", "-wal", "-shm"):
        make_private(Path(f"{db_path}{name}"))
    schema = stored_schema(db_path)
    if not (migrations is None and schema.revisions == (SCHEMA_HEAD,)):
        refuse_foreign_or_newer(schema, known_revisions(migrations), db_path.name)
    if check_integrity and not made_now:
        # The full check (every index against its table) grows with the county: only before a migration here.
        # A file that passed the full check today (app.integrity) is not read through again.
        from app import integrity

        migrating = migrate_to_head and not ((migrations is None and schema.revision == SCHEMA_HEAD)
                                             or schema.revision == head_revision(migrations))
        if migrating:
            problems = integrity_problems(db_path)
        else:
            problems = quick_check_problems(db_path) if integrity.full_check_due(db_path) else []
        if problems:
            from app.errors import damage_summary

            raise IntegrityCheckError("数据库完整性检查未通过：" + damage_summary(problems))
    current = schema.revision
    engine = make_engine(db_path)
    db = Database(db_path, engine, sessionmaker(engine, expire_on_commit=False), warnings,
                  created=made_now or current is None)
    try:
        pending = _read_pending(db_path)
        if pending is not None and current != pending.old_revision:
            _finish_interrupted_upgrade(db, pending)
        up_to_date = migrations is None and current == SCHEMA_HEAD
        if migrate_to_head and not up_to_date and current != head_revision(migrations):
            saved: Path | None = None
            if current is not None and not made_now:
                saved = _backup_before_migration(engine, backup_dir or db_path.parent / "backups", keep_backups)
                db.backups_made.append(saved)
            if saved is None or current is None:  # a new county: nothing to lose, nothing to check
                migrate(engine, migrations=migrations)
            else:
                _upgrade_or_put_back(db, saved, current, migrations)
            db.migrated_from = current
            if current is not None:
                log.info("database migrated from %s to head", current)
    except BaseException:
        engine.dispose()
        raise
    return db


def _upgrade_or_put_back(db: Database, saved: Path, old_revision: str, migrations: Path | None) -> None:
    """Migrate a county's file, then check it (`upgrade_problems`); when the migration fails or the check finds
    anything, the backup taken just before is put back in place of the file (`_put_backup_back`) and the open
    is refused in Chinese, naming the backup and what failed: the old version of the app opens the file as it
    was.  (The migration is one transaction, so a failed one has changed nothing already; putting the backup
    back as well costs a copy and makes the two failures end alike.)"""
    _write_pending(db.path, _PendingUpgrade(saved, old_revision))
    try:
        migrate(db.engine, migrations=migrations)
    except Exception as exc:
        log.exception("migration from %s failed", old_revision)
        _put_backup_back(db, saved, (old_revision, head_revision(migrations)), f"升级步骤出错：{_reason(exc)}")
    problems = upgrade_problems(db)
    if problems:
        log.error("database upgraded from %s failed its check: %s", old_revision, "; ".join(problems))
        _put_backup_back(db, saved, (old_revision, head_revision(migrations)),
                         "升级后的检查未通过：" + "；".join(problems))
    _pending_marker(db.path).unlink(missing_ok=True)


# --- an upgrade whose check never finished -------------------------------------------------------------------------
# A marker beside the file names the backup and the old revision from just before the migration until the check
# after it has passed (or the backup is back).  A start that finds it, with the file at another revision than the
# marker's, knows that the migration committed and the process died before its check ended (a crash, a power
# cut): the check is run then, and a failure puts the marker's backup back as above.

@dataclass(frozen=True)
class _PendingUpgrade:
    backup: Path
    old_revision: str


def _pending_marker(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.upgrading")


def _write_pending(db_path: Path, pending: _PendingUpgrade) -> None:
    marker = _pending_marker(db_path)
    partial = marker.with_name(marker.name + ".partial")
    text = json.dumps({"backup": str(pending.backup), "from": pending.old_revision}, ensure_ascii=False)
    with open(partial, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, marker)
    _sync_folder(marker.parent)


def _read_pending(db_path: Path) -> _PendingUpgrade | None:
    marker = _pending_marker(db_path)
    if not marker.exists():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        return _PendingUpgrade(Path(data["backup"]), str(data["from"]))
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("unreadable upgrade marker %s: ignored", marker)
        return None


def _finish_interrupted_upgrade(db: Database, pending: _PendingUpgrade) -> None:
    current = stored_schema(db.path).revision or "?"
    problems = upgrade_problems(db)
    if problems:
        what = "上次升级在升级后的检查完成前中断，补做的检查未通过：" + "；".join(problems)
        log.error("interrupted upgrade from %s failed its check: %s", pending.old_revision, "; ".join(problems))
        if not pending.backup.is_file():
            raise DatabaseError(f"数据库升级失败（从版本 {pending.old_revision} 升级到 {current}）：{what}。"
                                f"升级前的备份 {pending.backup} 已不存在，请用“从备份恢复”恢复最近一份完好的备份。")
        _put_backup_back(db, pending.backup, (pending.old_revision, current), what)
    log.info("interrupted upgrade from %s checked: sound", pending.old_revision)
    _pending_marker(db.path).unlink(missing_ok=True)
    db.migrated_from = pending.old_revision


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)  # a driver error: the database's own words, without SQLAlchemy's wrapping
    return str(orig if orig is not None else exc).strip() or type(exc).__name__


def upgrade_problems(db: Database) -> list[str]:
    """What is wrong with a database just migrated (Chinese; empty when sound): the file's `integrity_check`
    (every page, every index against its table) and the audit chain walked from the first entry to the last,
    with the heads printed on issued 通报.

    The state check of `audit.verify` (the current data against the trail's last values and the locks' digests)
    is not run here: it is written for the newest schema, so it cannot be run on the old file to tell what the
    upgrade changed from what was already there, and a difference already in the old data (the 0009 upgrade
    fixture has some in its 主题党日 attendance) would otherwise refuse every upgrade and strand the county on the
    old version.  `dangjian audit verify` and the daily check still run it on the upgraded file."""
    from app.errors import damage_summary

    found: list[str] = []
    if not db.is_server:
        damaged = integrity_problems(db.path)
        if damaged:
            found.append("完整性检查：" + damage_summary(damaged, hint=False))
    found.extend(_chain_problems(db.session_factory))
    return found


def _chain_problems(session_factory: sessionmaker[Session]) -> list[str]:
    from app.services import audit

    report = audit.verify(session_factory, check_state=False)
    if not report.findings:
        return []
    shown = "；".join(f.message for f in report.findings[:3])
    more = f"等{len(report.findings)}处" if len(report.findings) > 3 else ""
    return [f"审计日志校验：{shown}{more}"]


def _put_backup_back(db: Database, saved: Path, revisions: tuple[str, str], what_failed: str) -> NoReturn:
    """Replace the database file with the backup taken before the migration, atomically, and raise.

    The engine is closed first (its last connection moves the WAL into the file), the copy of the backup is
    written and synced beside the file, the -wal and -shm are removed BEFORE the rename (a WAL left beside the
    restored file would be replayed into it: its frames carry no mark of the file they belong to), and
    `os.replace` puts the copy in place in one step: a crash leaves either the upgraded file or the old one,
    and the backup itself is never moved.  When another program has the file open it is not replaced (that
    program would go on writing into the replaced file): the message says so and where the backup is."""
    db_path = db.path
    db.engine.dispose()
    head = f"数据库升级失败（从版本 {revisions[0]} 升级到 {revisions[1]}）：{what_failed}。"
    try:
        backup.ensure_not_in_use(db_path)
    except BackupError as exc:
        raise DatabaseError(f"{head}数据库正被其他程序打开，未能用升级前的备份恢复（{exc}）。升级前的备份在："
                            f"{saved}。请关闭其他程序后用“从备份恢复”恢复这份备份。") from None
    try:
        _replace_from(saved, db_path)
    except OSError as exc:
        raise DatabaseError(f"{head}用升级前的备份恢复数据库时出错：{exc}。升级前的备份完好，在：{saved}。"
                            "请用“从备份恢复”（或 dangjian restore）恢复这份备份。") from exc
    _pending_marker(db_path).unlink(missing_ok=True)
    restored = stored_schema(db_path).revision
    log.warning("upgrade rolled back: %s restored from %s (revision %s)", db_path, saved, restored)
    raise DatabaseError(f"{head}已用升级前的备份把数据库恢复原状（备份文件：{saved}），数据库仍是版本 {restored}，"
                        "旧版本的程序可以照常打开。请继续使用旧版本，并把这条消息告知技术支持。")


def _replace_from(saved: Path, db_path: Path) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".upgrade-rollback", dir=db_path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, saved.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        for extra in ("-wal", "-shm", "-journal"):
            Path(f"{db_path}{extra}").unlink(missing_ok=True)
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    _sync_folder(db_path.parent)


def _sync_folder(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows has no directory handles to sync; MoveFileEx is written through by NTFS
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_server_database(url: URL, *, backup_dir: Path | None, migrate_to_head: bool, keep_backups: int | None,
                          migrations: Path | None) -> Database:
    """Open a PostgreSQL database: refuse a newer or foreign one untouched, migrate an older one (a pg_dump
    backup first when `backup_dir` is given and pg_dump is installed: the migration itself is one transaction
    the server rolls back whole on failure, so a missing pg_dump is a warning, not a refusal)."""
    engine = make_engine(url)
    try:
        try:
            schema = server_schema(engine)
        except sa_exc.DBAPIError as exc:
            raise connection_problem(exc, url) or DatabaseError(f"无法读取数据库：{exc.orig}") from exc
        name = describe_target(url)
        if not (migrations is None and schema.revisions == (SCHEMA_HEAD,)):
            refuse_foreign_or_newer(schema, known_revisions(migrations), name)
        current = schema.revision
        db = Database(url, engine, sessionmaker(engine, expire_on_commit=False), [], created=current is None)
        up_to_date = migrations is None and current == SCHEMA_HEAD
        if migrate_to_head and not up_to_date and current != head_revision(migrations):
            if current is not None and backup_dir is not None:
                _server_backup_before_migration(db, backup_dir, keep_backups)
            if current is None:
                migrate(engine, migrations=migrations)
            else:
                _upgrade_server(db, current, migrations)
            db.migrated_from = current
    except sa_exc.DBAPIError as exc:
        engine.dispose()
        problem = connection_problem(exc, url)
        if problem is None:
            raise
        raise problem from exc
    except BaseException:
        engine.dispose()
        raise
    return db


def _upgrade_server(db: Database, old_revision: str, migrations: Path | None) -> None:
    """Migrate a server database with the audit chain walked inside the migration's transaction: a failing step
    or a broken chain rolls the whole upgrade back on the server, which then still says `old_revision` (read
    again, not assumed), and the open is refused in Chinese."""
    def chain_problems(conn: Connection) -> list[str]:
        return _chain_problems(sessionmaker(bind=conn))

    try:
        migrate(db.engine, migrations=migrations, check=chain_problems)
    except (DatabaseConnectionError, DatabaseBusyError):
        raise  # the server is gone or a lock was held too long: said as such, the transaction undone
    except sa_exc.DBAPIError as exc:
        if connection_problem(exc, db.target) is not None:
            raise
        _refuse_rolled_back_server(db, old_revision, migrations, f"升级步骤出错：{_reason(exc)}", exc)
    except Exception as exc:
        what = str(exc) if isinstance(exc, DatabaseError) else f"升级步骤出错：{_reason(exc)}"
        _refuse_rolled_back_server(db, old_revision, migrations, what, exc)


def _refuse_rolled_back_server(db: Database, old_revision: str, migrations: Path | None, what_failed: str,
                               exc: Exception) -> NoReturn:
    log.error("server upgrade from %s failed: %s", old_revision, what_failed, exc_info=exc)
    now = server_schema(db.engine).revision
    saved = f"升级前的备份在：{db.backups_made[-1]}。" if db.backups_made else ""
    raise DatabaseError(f"数据库升级失败（从版本 {old_revision} 升级到 {head_revision(migrations)}）：{what_failed}。"
                        f"升级在一个事务中进行，服务器已全部撤销，数据库仍是版本 {now}，旧版本的程序可以照常连接。"
                        f"{saved}请继续使用旧版本，并把这条消息告知技术支持。") from exc


def _server_backup_before_migration(db: Database, backup_dir: Path, keep: int | None) -> None:
    if not backup.can_dump_server():
        db.warnings.append("本机没有安装 pg_dump，升级服务器数据库前未能备份；升级在一个事务中完成，失败时会全部回滚")
        return
    db.backups_made.append(_backup_before_migration(db.engine, backup_dir, keep))


def _backup_before_migration(engine: Engine, backup_dir: Path, keep: int | None) -> Path:
    try:
        return backup.make_backup(engine, backup_dir, reason="migrate",
                                  keep=keep if keep is not None else backup.DEFAULT_KEEP)
    except BackupError as exc:
        raise BackupError(f"升级数据库前必须先备份，但备份失败，数据库未升级：{exc}") from exc


def open_app_database(paths: AppPaths) -> Database:
    """The start-up path of the app and the CLI: open (migrating with a backup first, keeping as many backups
    as the setting says) and take the day's first backup.  A failed daily backup is a warning, not a refusal."""
    paths.ensure()
    keep = backup.configured_keep(paths.database)
    db = open_database(paths.database, backup_dir=paths.backup_dir, keep_backups=keep)
    if not db.created and backup.needs_daily_backup(paths.backup_dir):
        try:
            db.backups_made.append(backup.make_backup(db.engine, paths.backup_dir, reason="daily", keep=keep))
            if not db.is_server:  # the copy of every page passed the full check: the file did too
                from app import integrity

                integrity.save_check(db.path, [])
        except BackupError as exc:
            log.warning("daily backup failed: %s", exc)
            db.warnings.append(f"今日自动备份失败：{exc}")
    return db
