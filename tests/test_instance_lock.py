"""One window per SQLite data folder (issue 15, point 3): a second window is refused with the computer and user
that have the folder open; a lock left by a crash (its process gone here, or not refreshed for long on another
computer) is taken over; the command line works beside the open window."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QSysInfo
from PySide6.QtWidgets import QMessageBox

from app.ui.instance_lock import INFO_NAME, LOCK_NAME, STALE_AFTER_MIN, InstanceLock

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the crash is simulated with a POSIX process")


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def held(qapp, folder):
    lock = InstanceLock(folder)
    assert lock.acquire() is None
    yield lock
    lock.release()


def _second_window(folder: Path) -> subprocess.CompletedProcess[str]:
    """The real `run()` in another process: what its refusal says, and that it opened no database."""
    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtWidgets import QMessageBox
        import app.ui.application as A
        QMessageBox.critical = staticmethod(lambda _p, title, text, *a, **k: print("REFUSED", title, text))
        A.open_database_interactively = lambda _paths: print("OPENED") or None
        sys.exit(A.run({str(folder)!r}))
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=ENV,
                          cwd=ROOT)


def test_a_second_window_is_refused_naming_the_computer_and_user(held, folder) -> None:
    done = _second_window(folder)
    assert done.returncode == 1, done.stderr
    assert "OPENED" not in done.stdout  # refused before the database is touched
    text = done.stdout
    assert "REFUSED 数据目录已被打开" in text
    assert f"计算机：{QSysInfo.machineHostName()}" in text and f"用户：{getpass.getuser()}" in text
    assert f"进程号：{os.getpid()}" in text and "命令行工具" in text
    assert str(folder / LOCK_NAME) in text


def test_the_command_line_works_beside_the_open_window(held, folder) -> None:
    done = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(folder), "county"], capture_output=True,
                          text=True, timeout=120, env=ENV, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert InstanceLock(folder).acquire() is not None  # the window still holds the folder


def test_the_lock_of_a_crashed_window_on_this_computer_is_taken_over(qapp, folder) -> None:
    crash = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from PySide6.QtCore import QCoreApplication
        from app.ui.instance_lock import InstanceLock
        app = QCoreApplication([])
        kept = InstanceLock(Path({str(folder)!r}))
        assert kept.acquire() is None
        os._exit(3)  # a crash: nothing released
    """)
    gone = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=60, env=ENV,
                          cwd=ROOT)
    assert gone.returncode == 3, gone.stderr
    assert (folder / LOCK_NAME).exists() and (folder / INFO_NAME).exists()

    lock = InstanceLock(folder)
    assert lock.acquire() is None  # its process is gone: taken over
    info = json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))
    assert info["pid"] == os.getpid() and info["host"] == QSysInfo.machineHostName()
    lock.release()
    assert not (folder / INFO_NAME).exists()


def _other_computers_lock(folder: Path, age_s: float) -> None:
    """A lock as QLockFile writes it on another computer (pid, program, computer name), `age_s` old."""
    lock = folder / LOCK_NAME
    lock.write_text("4242\npython3\n财务科-PC\nother-machine-id\nother-boot-id\n", encoding="utf-8")
    (folder / INFO_NAME).write_text(json.dumps({"host": "财务科-PC", "user": "wangli", "pid": 4242,
                                                "started": "2026-11-18 08:30"}, ensure_ascii=False),
                                    encoding="utf-8")
    written = lock.stat().st_mtime
    os.utime(lock, (written - age_s, written - age_s))


def test_another_computers_fresh_lock_is_respected_and_named(qapp, folder) -> None:
    _other_computers_lock(folder, age_s=60)
    holder = InstanceLock(folder).acquire()
    assert holder is not None
    assert (holder.host, holder.user, holder.pid, holder.started) == ("财务科-PC", "wangli", 4242, "2026-11-18 08:30")
    text = holder.message(folder / LOCK_NAME)
    assert "计算机：财务科-PC" in text and "用户：wangli" in text and "打开时间：2026-11-18 08:30" in text


def test_another_computers_lock_not_refreshed_for_long_is_taken_over(qapp, folder) -> None:
    _other_computers_lock(folder, age_s=(STALE_AFTER_MIN + 5) * 60)
    lock = InstanceLock(folder)
    assert lock.acquire() is None
    lock.release()


def test_the_open_window_keeps_its_lock_fresh(held, folder) -> None:
    path = folder / LOCK_NAME
    written = path.stat().st_mtime
    os.utime(path, (written - 3600, written - 3600))
    held.refresh()
    assert path.stat().st_mtime >= written  # touched again: another computer does not take it over
    assert InstanceLock(folder).acquire() is not None


def test_a_lock_taken_over_while_this_window_slept_is_said(held, folder, monkeypatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _title, text, *_a, **_k: said.append(text))
    _other_computers_lock(folder, age_s=0)  # 财务科-PC took the folder over while this computer slept
    held.refresh()
    assert len(said) == 1 and "财务科-PC" in said[0] and "wangli" in said[0]
    held.refresh()
    assert len(said) == 1  # said once
    held.release()
    holder = InstanceLock(folder).acquire()  # this window closing leaves the other's lock in place
    assert holder is not None and holder.host == "财务科-PC" and holder.user == "wangli"
