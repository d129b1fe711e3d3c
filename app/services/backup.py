"""Backups with SQLite's online backup API (never a file copy of an open WAL database), integrity-checked
before older backups are rotated out."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from app.errors import BackupError

log = logging.getLogger(__name__)

DEFAULT_KEEP = 30
PREFIX = "dangjian-"
SUFFIX = ".sqlite3"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    reason: str
    size: int


def _backup_name(reason: str, now: dt.datetime) -> str:
    return f"{PREFIX}{now:%Y%m%d-%H%M%S-%f}-{reason}{SUFFIX}"


def make_backup(engine_or_path: Engine | str | Path, backup_dir: Path, *, reason: str = "manual",
                keep: int | None = DEFAULT_KEEP) -> Path:
    """Write a consistent copy of the database into `backup_dir`, check it, then rotate old backups."""
    from app.db import integrity_problems

    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / _backup_name(reason, dt.datetime.now())
    partial = target.with_suffix(".partial")
    src_path = _db_file(engine_or_path)
    try:
        src = sqlite3.connect(str(src_path), timeout=10)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        problems = integrity_problems(partial)
        if problems:
            raise BackupError("备份文件完整性检查未通过：" + "；".join(problems[:3]))
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{exc}") from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    if keep:
        rotate(backup_dir, keep)
    log.info("backup written: %s", target.name)
    return target


def _db_file(engine_or_path: Engine | str | Path) -> Path:
    if isinstance(engine_or_path, (str, Path)):
        return Path(engine_or_path)
    db = engine_or_path.url.database
    if not db:
        raise BackupError("只能备份 SQLite 数据库文件")
    return Path(db)


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    """Backups in `backup_dir`, newest first."""
    if not backup_dir.is_dir():
        return []
    found = []
    for p in backup_dir.glob(f"{PREFIX}*{SUFFIX}"):
        stem = p.name[len(PREFIX) : -len(SUFFIX)]
        parts = stem.split("-", 3)
        try:
            taken = dt.datetime.strptime("-".join(parts[:3]), "%Y%m%d-%H%M%S-%f")
        except ValueError:
            continue
        found.append(BackupInfo(p, taken, parts[3] if len(parts) > 3 else "", p.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def rotate(backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; never deletes when the newest one is not sound."""
    from app.db import integrity_problems

    backups = list_backups(backup_dir)
    if len(backups) <= keep:
        return []
    if integrity_problems(backups[0].path):
        log.warning("newest backup failed its integrity check; nothing rotated")
        return []
    removed = []
    for b in backups[keep:]:
        b.path.unlink(missing_ok=True)
        removed.append(b.path)
    return removed


def latest_good_backup(backup_dir: Path) -> BackupInfo | None:
    from app.db import integrity_problems

    for b in list_backups(backup_dir):
        if not integrity_problems(b.path):
            return b
    return None


def needs_daily_backup(backup_dir: Path, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return not any(b.taken_at.date() == today for b in list_backups(backup_dir))


def restore_backup(backup_file: Path, db_path: Path, backup_dir: Path, *, keep: int | None = DEFAULT_KEEP) -> Path | None:
    """Replace the database at `db_path` with `backup_file`, after backing up the current one.

    The caller must have closed every connection to `db_path`.  Returns the safety backup taken first
    (None when there was no database to save)."""
    from app.db import integrity_problems

    if not backup_file.is_file():
        raise BackupError(f"备份文件不存在：{backup_file}")
    problems = integrity_problems(backup_file)
    if problems:
        raise BackupError("所选备份文件已损坏，无法恢复：" + "；".join(problems[:3]))
    safety = None
    if db_path.exists() and not integrity_problems(db_path):
        safety = make_backup(db_path, backup_dir, reason="before-restore", keep=keep)
    partial = db_path.with_suffix(".restoring")
    try:
        src = sqlite3.connect(f"file:{backup_file.as_posix()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        for extra in ("-wal", "-shm"):
            Path(str(db_path) + extra).unlink(missing_ok=True)
        os.replace(partial, db_path)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"恢复失败：{exc}") from exc
    return safety
