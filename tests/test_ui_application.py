"""Start-up: a database from a newer version is refused, a damaged one offers the latest good backup (at
opening and from the background check), bugs are logged and shown as bugs, and the real start-up works."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.errors import ValidationError
from app.services import backup
from app.services.register import RegisterService, UnitInput
from app.ui import errors, tasks
from app.ui.application import check_integrity_in_background, open_database_interactively
from app.ui.context import AppContext
from app.ui.fonts import PREFERRED_SYSTEM_FAMILIES

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def boxes(monkeypatch):
    """Message boxes are recorded (kind, text) and answer Yes."""
    shown: list[tuple[str, str]] = []

    def recorder(kind):
        def record(_parent, _title, text, *_a, **_k):
            shown.append((kind, text))
            return QMessageBox.StandardButton.Yes

        return record

    for kind in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return shown


def _corrupt(path: Path) -> None:
    """Overwrite the first page (header and schema): SQLite cannot even read what the file contains.  (Damage
    deeper in the file is found by the check after the window shows, tested below.)"""
    with path.open("r+b") as f:
        f.write(b"\xde\xad\xbe\xef" * 1024)


def _checkpoint(db) -> None:
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.mark.sqlite_only
def test_a_database_from_a_newer_version_is_refused_and_untouched(qtbot, paths, boxes):
    con = sqlite3.connect(paths.db_path)
    con.execute("UPDATE alembic_version SET version_num = 'f9f9f9f9f9f9'")
    con.commit()
    con.close()
    before = paths.db_path.read_bytes()
    assert open_database_interactively(paths) is None
    assert boxes[0][0] == "critical" and "更新版本" in boxes[0][1]
    assert paths.db_path.read_bytes() == before


@pytest.mark.sqlite_only
def test_a_damaged_database_offers_the_latest_good_backup(qtbot, paths, db, boxes):
    reg = RegisterService(db.session_factory)
    reg.save_unit(UnitInput("县财政局"))
    backup.make_backup(db.engine, paths.backup_dir, reason="daily")
    reg.save_unit(UnitInput("县审计局"))  # after the backup: lost with the damaged file
    _checkpoint(db)
    db.close()
    _corrupt(paths.db_path)
    reopened = open_database_interactively(paths)
    assert reopened is not None
    try:
        assert [n for _i, n in RegisterService(reopened.session_factory).units()] == ["县财政局"]
    finally:
        reopened.close()
    assert boxes[0][0] == "question" and "损坏" in boxes[0][1]
    assert list(paths.backup_dir.glob("damaged-*")), "the damaged file is kept, never deleted"


@pytest.mark.sqlite_only
def test_a_damaged_database_without_backups_stops_with_an_explanation(qtbot, paths, db, boxes):
    _checkpoint(db)
    db.close()
    _corrupt(paths.db_path)
    assert open_database_interactively(paths) is None
    assert boxes[-1][0] == "critical" and "没有找到可用的备份" in boxes[-1][1]


@pytest.mark.sqlite_only
def test_the_background_check_after_start_up_offers_a_restore(qtbot, paths, db, boxes, monkeypatch):
    """The window shows before the (slow) integrity check; a failure still offers the backup."""
    reg = RegisterService(db.session_factory)
    reg.save_unit(UnitInput("县财政局"))
    backup.make_backup(db.engine, paths.backup_dir, reason="daily")
    reg.save_unit(UnitInput("县审计局"))
    monkeypatch.setattr("app.ui.application.integrity_problems", lambda _p: ["第12页：错误的页类型"])
    ctx = AppContext(paths, db)
    reset: list[bool] = []
    ctx.reset.connect(lambda: reset.append(True))
    with tasks.synchronous():
        check_integrity_in_background(ctx, None)
    # SQLite's own lines (English in real life) go to the log; the dialog counts them in Chinese
    assert any(kind == "question" and "完整性检查发现1处问题" in text for kind, text in boxes)
    assert reset == [True], "pages are told the database was replaced"
    assert [n for _i, n in ctx.register.units()] == ["县财政局"]
    assert list(paths.backup_dir.glob("damaged-*"))
    ctx.close_database()


@pytest.mark.sqlite_only
def test_a_sound_database_gets_its_daily_backup_after_the_check(qtbot, paths, db, boxes):
    ctx = AppContext(paths, db)
    with tasks.synchronous():
        check_integrity_in_background(ctx, None)
    assert [b.reason for b in backup.list_backups(paths.backup_dir)] == ["daily"]
    assert boxes == []


def test_a_bug_is_logged_with_its_traceback_and_shown_as_a_bug(qtbot, monkeypatch, caplog):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    try:
        raise KeyError("org_id")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="app.bug"):
            errors.show_error(None, exc)
    assert "程序本身的缺陷" in shown[0]
    assert "Traceback" in caplog.text and "KeyError" in caplog.text


def test_a_known_error_is_shown_as_its_message(qtbot, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    errors.show_error(None, ValidationError("单位名称不能为空", field="name"))
    assert shown == ["单位名称不能为空"]


def test_start_up_opens_the_window_in_chinese_without_heavy_imports(paths, tmp_path):
    """The real `run()` in a fresh process: window title, Qt's own buttons in Chinese, the CJK font,
    nothing heavy imported before the window is up, a clean exit."""
    script = textwrap.dedent(f"""
        import sys, time
        from PySide6.QtCore import QCoreApplication, QTimer
        from PySide6.QtWidgets import QApplication
        import app.ui.accounts.login as L
        L.log_in_at_start = lambda *_: L.Started(None)  # no login dialog nor wizard (tests/test_setup_wizard.py)
        from app.ui.application import run

        def look():
            w = [x for x in QApplication.topLevelWidgets() if x.isVisible() and x.objectName() == "main_window"][0]
            print("TITLE", w.windowTitle())
            print("OK", QCoreApplication.translate("QPlatformTheme", "Cancel"))
            print("FONT", QApplication.font().family())
            print("HEAVY", [m for m in ("matplotlib", "docx", "openpyxl") if m in sys.modules])
            w.close()

        QTimer.singleShot(0, look)
        sys.exit(run({str(paths.data_dir)!r}))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    out = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert out["TITLE"] == "示范县"  # Qt adds 机关党建考评 on the desktop
    assert out["OK"] == "取消"
    assert out["FONT"] in PREFERRED_SYSTEM_FAMILIES  # the bundled one here: the machine has no CJK font
    assert out["HEAVY"] == "[]"
    assert (paths.log_dir / "dangjian.log").exists()
    assert [b.reason for b in backup.list_backups(paths.backup_dir)] == ["daily"]
