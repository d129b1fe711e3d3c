"""Checks that do not grow with the county on every open (issue 14, part 3).

A normal open runs SQLite's quick_check (a damaged file is still refused); the full integrity_check runs before a
migration, once a day after the main window shows (recorded beside the database, shown in 设置 → 数据库连接), and
again at every start while the last one failed or when the file was replaced."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import frozen
import pytest
from PySide6.QtWidgets import QMessageBox

from app import db as dbmod
from app import integrity
from app.db import integrity_problems
from app.errors import IntegrityCheckError
from app.services.opening import open_app_database, open_database
from app.ui import tasks
from app.ui.application import check_integrity_in_background
from app.ui.context import AppContext
from app.ui.settings_page import IntegrityPanel

pytestmark = [pytest.mark.sqlite_only, pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which check ran ("full" or "quick"), both still doing their work."""
    ran: list[str] = []
    full, quick = dbmod.integrity_problems, dbmod.quick_check_problems
    monkeypatch.setattr(dbmod, "integrity_problems", lambda p: ran.append("full") or full(p))
    monkeypatch.setattr(dbmod, "quick_check_problems", lambda p: ran.append("quick") or quick(p))
    monkeypatch.setattr("app.services.opening.integrity_problems", lambda p: ran.append("full") or full(p))
    monkeypatch.setattr("app.services.opening.quick_check_problems", lambda p: ran.append("quick") or quick(p))
    monkeypatch.setattr("app.ui.application.integrity_problems", lambda p: ran.append("full") or full(p))
    monkeypatch.setattr("app.ui.application.quick_check_problems", lambda p: ran.append("quick") or quick(p))
    return ran


def _closed(paths) -> Path:
    open_database(paths.db_path).close()
    return paths.db_path


def test_a_normal_open_runs_the_quick_check_only(paths, checks):
    open_database(paths.db_path).close()
    assert checks == ["quick"]


def test_a_file_that_passed_the_full_check_today_opens_without_reading_it_through(paths, checks):
    db_path = _closed(paths)
    integrity.save_check(db_path, [], frozen.today)
    checks.clear()
    open_database(db_path).close()
    assert checks == []
    integrity.save_check(db_path, [], lambda: frozen.today() - dt.timedelta(days=1))  # yesterday's
    open_database(db_path).close()
    assert checks == ["quick"]


def test_the_days_first_backup_counts_as_the_full_check(paths):
    db = open_app_database(paths)  # the CLI's open: the day's first backup, its copy fully checked
    db.close()
    assert [b.name for b in paths.backup_dir.iterdir() if "daily" in b.name]
    record = integrity.last_check(paths.db_path)
    assert record is not None and record.ok and record.day == frozen.today()


def test_an_open_that_migrates_runs_the_full_check_first(paths, checks, extend_migrations):
    migrations = extend_migrations({"zz_extra": "op.execute('SELECT 1')"})
    db = open_database(paths.db_path, backup_dir=paths.backup_dir, migrations=migrations)
    db.close()
    assert checks[0] == "full" and db.migrated_from is not None


def test_a_damaged_file_is_still_refused_at_a_normal_open(paths, damage_database):
    db_path = _closed(paths)
    damage_database(db_path, middle=True)
    with pytest.raises(IntegrityCheckError, match="数据库完整性检查未通过"):
        open_database(db_path)


def test_the_record_says_when_the_full_check_is_due(paths):
    db_path = _closed(paths)
    today = frozen.today()
    assert integrity.last_check(db_path) is None and integrity.full_check_due(db_path, lambda: today)
    record = integrity.save_check(db_path, integrity_problems(db_path), lambda: today)
    assert record.ok and record.day == today and "未发现问题" in record.summary()
    assert integrity.last_check(db_path) == record
    assert not integrity.full_check_due(db_path, lambda: today)
    assert integrity.full_check_due(db_path, lambda: today + dt.timedelta(days=1))
    assert oct(integrity.record_path(db_path).stat().st_mode & 0o777) == oct(0o600) or os.name == "nt"


def test_a_failed_check_is_due_again_and_says_what_was_found(paths):
    db_path = _closed(paths)
    today = frozen.today()
    record = integrity.save_check(db_path, ["第12页：错误的页类型"], lambda: today)
    assert not record.ok and "发现1处问题：第12页：错误的页类型" in record.summary()
    assert integrity.full_check_due(db_path, lambda: today)


def test_a_replaced_database_file_is_checked_again(paths, tmp_path):
    db_path = _closed(paths)
    integrity.save_check(db_path, integrity_problems(db_path), frozen.today)
    copy = tmp_path / "restored.sqlite3"
    shutil.copyfile(db_path, copy)
    os.replace(copy, db_path)  # what a restore does
    assert integrity.last_check(db_path) is None
    assert integrity.full_check_due(db_path, frozen.today)


def test_an_unreadable_record_means_the_check_is_due(paths):
    db_path = _closed(paths)
    integrity.record_path(db_path).write_text("{not json", encoding="utf-8")
    assert integrity.last_check(db_path) is None and integrity.full_check_due(db_path, frozen.today)


def test_the_window_checks_in_full_once_a_day_then_quickly(qtbot, paths, db, checks, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: pytest.fail("no problem to report"))
    ctx = AppContext(paths, db)
    with tasks.synchronous():
        check_integrity_in_background(ctx, None)
    assert checks == ["full"]
    record = integrity.last_check(paths.db_path)
    assert record is not None and record.ok and record.day == frozen.today()
    with tasks.synchronous():
        check_integrity_in_background(ctx, None)
    assert checks == ["full", "quick"]
    later = AppContext(paths, db, today=lambda: frozen.today() + dt.timedelta(days=1))
    with tasks.synchronous():
        check_integrity_in_background(later, None)
    assert checks == ["full", "quick", "full"]


def test_settings_show_the_last_check_and_warn_when_it_failed(qtbot, paths, db, monkeypatch):
    ctx = AppContext(paths, db)
    panel = IntegrityPanel(ctx)
    qtbot.addWidget(panel)
    assert "尚未做过完整检查" in panel.state.text()
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a, **_k: warned.append(text))
    with tasks.synchronous():
        panel.check_now()
    assert "未发现问题" in panel.state.text() and warned == []
    monkeypatch.setattr("app.ui.settings_page.integrity_problems", lambda _p: ["第12页：错误的页类型"])
    with tasks.synchronous():
        panel.check_now()
    assert "发现1处问题：第12页：错误的页类型" in panel.state.text() and "从备份恢复" in panel.state.text()
    assert "color" in panel.state.styleSheet()
    assert warned and "第12页" in warned[0]
