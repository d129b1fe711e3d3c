"""When the county's database file was last checked in full, and what the check found.

`PRAGMA integrity_check` reads every page and every index: most of a second on a large county, growing with it.
A normal open runs SQLite's `quick_check` (app/db.py); the full check runs once a day in the background after the
main window shows (app/ui/application.py), and again at every start while the last one failed; a file that passed
the full check today (or whose daily backup did: the copy holds every page) opens without even the quick one.
Its time and result are kept in a small JSON file beside the database (`dangjian.sqlite3.integrity.json`), for that schedule
and for 设置 → 数据库连接.  The record names the database file it was made on (its inode): a file put in place by a
restore is a new file, checked again.  Backups, migrations and restores run their own full checks (app/db.py,
app/services/backup.py) whatever this record says.  This module only keeps the record (app.db runs the checks
and reads it)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app import clock
from app.paths import make_private

log = logging.getLogger(__name__)

RECORD_SUFFIX = ".integrity.json"


@dataclass(frozen=True)
class CheckRecord:
    checked_at: dt.datetime  # this computer's wall clock at the end of the check
    day: dt.date  # the day the app worked on then (app.clock.today: `--today` moves it), for the schedule
    problems: tuple[str, ...]  # what SQLite reported; empty when the file is sound

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line in Chinese, for 设置 and the status."""
        when = f"{self.checked_at:%Y-%m-%d %H:%M}"
        if self.ok:
            return f"上次完整检查：{when}，未发现问题"
        return f"上次完整检查：{when}，发现{len(self.problems)}处问题：" + "；".join(self.problems[:3])


def record_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + RECORD_SUFFIX)


def _file_id(db_path: Path) -> int | None:
    try:
        return db_path.stat().st_ino
    except OSError:
        return None


def last_check(db_path: Path) -> CheckRecord | None:
    """The last full check of this database file; None when there was none (or it was of another file, or the
    record cannot be read: then the check is simply due again)."""
    try:
        data = json.loads(record_path(db_path).read_text(encoding="utf-8"))
        if data.get("file_id") != _file_id(db_path):
            return None
        return CheckRecord(dt.datetime.fromisoformat(data["checked_at"]), dt.date.fromisoformat(data["day"]),
                           tuple(str(p) for p in data["problems"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def full_check_due(db_path: Path, today: Callable[[], dt.date] = clock.today) -> bool:
    """True unless this file passed a full check today."""
    record = last_check(db_path)
    return record is None or not record.ok or record.day != today()


def save_check(db_path: Path, problems: list[str], today: Callable[[], dt.date] = clock.today,
               now: Callable[[], dt.datetime] = clock.local_now) -> CheckRecord:
    """Keep the result of a full check of `db_path` (written whole, readable by its owner only).  A record that
    cannot be written is logged, not raised: the check is then due again at the next start."""
    record = CheckRecord(now().replace(microsecond=0), today(), tuple(problems))
    data = {"checked_at": record.checked_at.isoformat(timespec="seconds"), "day": record.day.isoformat(),
            "problems": list(problems), "file_id": _file_id(db_path)}
    target = record_path(db_path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".partial")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            make_private(Path(tmp))
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("integrity check record not written: %s", exc)
    return record

