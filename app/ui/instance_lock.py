"""One window per data folder: a second window of the app on the same SQLite data folder is refused with who has
it open, so two windows cannot silently overwrite each other's register edits.

The lock is Qt's `QLockFile` (dangjian.lock in the data folder: created atomically, holding the pid and the
computer's name); beside it dangjian.lock.json says who opened the window and when, for the message.  A lock left
by a crash is taken over: on this computer when its process is gone (QLockFile checks the pid), from another
computer when it has not been refreshed for `STALE_AFTER_MIN` minutes (the open window touches it every
`REFRESH_MIN` minutes).  The command line (`dangjian …`) takes no lock and works beside the window; SQLite keeps
its writes apart.  A server database (PostgreSQL) is not locked this way: its clients are meant to share it and
score sheets and registers carry versions instead."""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSysInfo, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from app import clock

log = logging.getLogger(__name__)

LOCK_NAME = "dangjian.lock"
INFO_NAME = "dangjian.lock.json"
REFRESH_MIN = 5
STALE_AFTER_MIN = 30


@dataclass(frozen=True)
class Holder:
    """Who holds the data folder: what the refusal names."""

    host: str
    user: str
    pid: int
    started: str  # local time as the holder wrote it, e.g. 2026-11-18 09:05

    def message(self, lock_path: Path) -> str:
        return (f"这个数据目录已在另一个窗口中打开：\n\n计算机：{self.host or '（未知）'}\n用户：{self.user or '（未知）'}\n"
                f"进程号：{self.pid}\n打开时间：{self.started or '（未知）'}\n\n"
                "为免两个窗口互相覆盖对方的修改，同一个数据目录同时只能在一个窗口中打开。请到那个窗口中继续工作，"
                "或先将它关闭。命令行工具（dangjian 命令）不受影响，仍可同时使用。\n\n"
                f"若那台计算机上的程序已异常退出：本机的锁会立即失效；其他计算机的锁在{STALE_AFTER_MIN}分钟内"
                f"未被刷新即失效。锁文件：{lock_path}")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 (no login name in the environment: the message says 未知)
        return ""


class InstanceLock(QObject):
    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = data_dir / LOCK_NAME
        self.info_path = data_dir / INFO_NAME
        self._lock = QLockFile(str(self.path))
        self._lock.setStaleLockTime(STALE_AFTER_MIN * 60 * 1000)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._lost = False  # another window took the lock over (said once by refresh)

    def acquire(self) -> Holder | None:
        """Take the folder: None when this process holds it now, else who does.  A folder where no lock can be
        written (read-only) is not refused here: opening the database says what is wrong with it."""
        if self._lock.tryLock(0):
            self._write_info()
            self._timer.start(REFRESH_MIN * 60 * 1000)
            return None
        if self._lock.error() != QLockFile.LockError.LockFailedError:
            log.warning("data folder lock not taken (%s): %s", self._lock.error(), self.path)
            return None
        return self.holder()

    def holder(self) -> Holder:
        pid, host, _app = self._lock.getLockInfo()
        user = started = ""
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
            if info.get("pid") == pid and info.get("host") == host:  # else it is an older window's
                user, started = str(info.get("user", "")), str(info.get("started", ""))
        return Holder(host, user, int(pid), started)

    def _write_info(self) -> None:
        info = {"host": QSysInfo.machineHostName(), "user": _user(), "pid": os.getpid(),
                "started": clock.now().astimezone().strftime("%Y-%m-%d %H:%M")}
        try:
            self.info_path.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        except OSError:
            log.warning("lock details not written: %s", self.info_path, exc_info=True)

    def refresh(self) -> None:
        """Touch the lock file: another computer sees it is still in use (QLockFile judges staleness by its age).
        A lock another window took over meanwhile (this computer slept past the stale time) is said, once: two
        windows now have the folder open."""
        if not self._lock.isLocked() or self._lost:
            return
        pid, host, _app = QLockFile(str(self.path)).getLockInfo()
        if (pid, host) != (os.getpid(), QSysInfo.machineHostName()):
            self._timer.stop()
            self._lost = True
            holder = self.holder()
            log.warning("data folder lock taken over by host %s, pid %s", holder.host, holder.pid)
            QMessageBox.warning(None, "数据目录已被另一窗口打开",
                                f"本窗口长时间未能刷新数据目录的锁，另一个窗口已将它接管（计算机：{holder.host or '（未知）'}，"
                                f"用户：{holder.user or '（未知）'}）。两个窗口同时修改会互相覆盖：请保存手头的工作后关闭其中一个窗口。")
            return
        try:
            os.utime(self.path)
        except OSError:
            log.warning("data folder lock not refreshed: %s", self.path, exc_info=True)

    def release(self) -> None:
        self._timer.stop()
        if not self._lock.isLocked():
            return
        # QLockFile removes the file on unlock: a lock taken over is the other window's, put back as it was
        theirs = self.path.read_bytes() if self._lost and self.path.exists() else None
        self._lock.unlock()
        if theirs is not None:
            with contextlib.suppress(OSError):
                self.path.write_bytes(theirs)
            return
        with contextlib.suppress(OSError):
            self.info_path.unlink()


def hold_data_folder(data_dir: Path, parent: QWidget | None = None) -> InstanceLock | None:
    """The lock on `data_dir` for this window; None (after saying who has it) when another window holds it."""
    lock = InstanceLock(data_dir)
    holder = lock.acquire()
    if holder is None:
        return lock
    log.info("data folder already open in another window: host %s, pid %s", holder.host, holder.pid)
    QMessageBox.critical(parent, "数据目录已被打开", holder.message(lock.path))
    return None
