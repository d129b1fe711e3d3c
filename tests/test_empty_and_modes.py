"""Issue 13, points 5 and 6: files only their owner can read, and an empty database is damage, not a new county.

Attacks reproduced: a database file truncated to 0 bytes (every command used to build an empty county on it,
`check` said 未发现问题, the next backup was of the empty county and `restore --latest` chose it); backups that are
empty or whose audit trail was edited (were 完好); a restore that silently drops members, scores and audit
entries; a database, its backups and logs readable by every user of the machine (0644)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
import sys
from pathlib import Path

import frozen
import pytest
from PySide6.QtWidgets import QMessageBox

from app.cli import main
from app.db import Database, audit_trigger_problems, check_database
from app.demo.county import build_demo
from app.errors import BackupError, IntegrityCheckError
from app.logfile import file_handler
from app.paths import AppPaths
from app.reports.output import write_atomic
from app.services import audit, backup
from app.services.excel_io import export_register
from app.services.opening import open_database

pytestmark = pytest.mark.sqlite_only

posix_only = pytest.mark.skipif(os.name == "nt", reason="file modes are POSIX; Windows keeps the per-user folder's ACL")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _record(db: Database, *actions: str) -> None:
    """Audit entries of ordinary work (not backups or restores)."""
    with audit.unit_of_work(db.session_factory, "测试员") as (_s, log):
        for a in actions:
            log.record(a, "unit", 1, "name", None, a)


def _backup_at(source: Database | Path, paths: AppPaths, day: int) -> Path:
    engine_or_path = source.engine if isinstance(source, Database) else source
    return backup.make_backup(engine_or_path, paths.backup_dir, reason="daily",
                              now=dt.datetime(2026, 11, day, 9, 0))


def _tamper(path: Path, *sql: str) -> None:
    con = sqlite3.connect(path)
    try:
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


# --- 6. empty is not healthy --------------------------------------------------------------------------------------

def _truncated(paths: AppPaths) -> Path:
    paths.db_path.write_bytes(b"")
    return paths.db_path


@pytest.mark.parametrize("command", [
    ["backup"], ["alerts"], ["ranking"], ["period", "list"], ["audit", "verify"], ["user", "list"],
    ["export", "OUT"], ["demo", "--size", "tiny"], ["compliance", "2026-10"],
])
def test_every_command_refuses_a_zero_byte_database(paths: AppPaths, tmp_path: Path, command: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db_path = _truncated(paths)
    argv = [str(tmp_path / "out.xlsx") if a == "OUT" else a for a in command]
    assert main([*argv, "--data-dir", str(paths.data_dir)]) != 0
    err = capsys.readouterr().err
    assert "数据库文件是空的（0 字节）" in err and str(db_path) in err and "restore --latest" in err
    assert "Traceback" not in err
    assert db_path.stat().st_size == 0  # no empty county was built in it
    assert backup.list_backups(paths.backup_dir) == []  # and no backup of nothing pushes good ones out


def test_open_database_refuses_a_zero_byte_file_as_damaged(paths: AppPaths) -> None:
    # IntegrityCheckError: the main window offers the newest good backup, as for any damaged file.
    with pytest.raises(IntegrityCheckError, match="0 字节"):
        open_database(_truncated(paths))
    with pytest.raises(BackupError, match="0 字节"):
        backup.make_backup(paths.db_path, paths.backup_dir)


def test_check_reports_a_zero_byte_database(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    _truncated(paths)
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    out = capsys.readouterr().out
    assert "发现 1 项问题" in out and "0 字节" in out and "未发现问题" not in out
    assert not check_database(paths.db_path).ok


def test_a_zero_byte_database_is_restored_from_the_latest_good_backup(db: Database, paths: AppPaths,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _record(db, "新增")
    good = _backup_at(db, paths, 10)
    db.close()
    _truncated(paths)
    assert main(["restore", "--latest", "--data-dir", str(paths.data_dir)]) == 0
    assert "已从备份恢复" in capsys.readouterr().out
    assert backup.holdings(paths.db_path) == backup.holdings(good)


def test_the_main_window_offers_a_backup_for_a_zero_byte_database(qtbot: object, db: Database, paths: AppPaths,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui.application import open_database_interactively

    _record(db, "新增")
    good = _backup_at(db, paths, 10)
    db.close()
    _truncated(paths)
    empty = paths.backup_dir / "dangjian-20261112-090000-000000-daily.sqlite3"
    empty.write_bytes(b"")  # the backup of the empty file an earlier version took: skipped, and said so
    asked: list[str] = []

    def yes(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *_a: QMessageBox.StandardButton.Ok)
    reopened = open_database_interactively(paths)
    assert reopened is not None
    reopened.close()
    assert "0 字节" in asked[0] and str(paths.db_path) in asked[0]
    assert "已跳过" in asked[0] and empty.name in asked[0]
    assert backup.holdings(paths.db_path) == backup.holdings(good)


def test_a_first_start_killed_midway_leaves_no_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new county is built aside and renamed into place: a crash while creating it leaves nothing at the
    database's name that the next start would refuse as empty."""
    import app.db

    target = tmp_path / "new" / "dangjian.sqlite3"

    def killed(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt  # stands for SIGKILL in the middle of the first migration

    monkeypatch.setattr(app.db, "migrate", killed)
    with pytest.raises(KeyboardInterrupt):
        open_database(target)
    assert not target.exists() and list(target.parent.iterdir()) == []
    monkeypatch.undo()
    db = open_database(target)
    try:
        assert db.created and not check_database(target).findings
    finally:
        db.close()


# --- 6. a backup is 完好 only when its trail is -------------------------------------------------------------------

def test_an_empty_backup_is_not_sound_and_latest_skips_it(db: Database, paths: AppPaths,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _record(db, "新增")
    good = _backup_at(db, paths, 10)
    db.close()
    empty = paths.backup_dir / "dangjian-20261112-090000-000000-daily.sqlite3"
    empty.write_bytes(b"")
    assert backup.backup_problems(empty)
    best, skipped = backup.newest_good_backup(paths.backup_dir)
    assert best is not None and best.path == good and [s.path for s, _ in skipped] == [empty]

    assert main(["restore", "--latest", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "已跳过 1 份不完好的较新备份" in out and empty.name in out and "0 字节" in out
    assert f"已从备份恢复：{good}" in out


@pytest.mark.parametrize(("forgery", "said"), [
    # An entry rewritten in place (the triggers dropped first, then put back as they were).
    (["DROP TRIGGER audit_entry_no_update", "UPDATE audit_entry SET new = '改过' WHERE seq = 1",
      "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
      "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"], "审计链未通过核验"),
    # An entry deleted from the middle.
    (["DROP TRIGGER audit_entry_no_delete", "DELETE FROM audit_entry WHERE seq = 2",
      "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
      "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"], "审计链未通过核验"),
    # The protection itself removed, or replaced by a trigger that lets everything through.
    (["DROP TRIGGER audit_entry_no_delete"], "audit_entry_no_delete"),
    (["DROP TRIGGER audit_entry_no_update",
      "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT 1; END"], "已被改写"),
])
def test_a_backup_with_a_forged_trail_is_not_sound(db: Database, paths: AppPaths, forgery: list[str], said: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _record(db, "新增", "修改", "删除")
    good = _backup_at(db, paths, 10)
    forged = _backup_at(db, paths, 11)
    db.close()
    assert backup.backup_problems(forged) == []
    _tamper(forged, *forgery)
    problems = backup.backup_problems(forged)
    assert problems and said in problems[0]
    best, skipped = backup.newest_good_backup(paths.backup_dir)
    assert best is not None and best.path == good and skipped[0][0].path == forged

    assert main(["restore", "--list", "--verify", "--data-dir", str(paths.data_dir)]) == 0
    listing = capsys.readouterr().out
    forged_line = next(line for line in listing.splitlines() if forged.name in line)
    assert "不可用" in forged_line and said in listing
    assert main(["restore", forged.name, "--data-dir", str(paths.data_dir)]) == 2
    err = capsys.readouterr().err
    assert "无法恢复" in err and said in err


def test_check_reports_a_missing_or_disarmed_audit_trigger(db: Database, paths: AppPaths,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    db.close()
    assert audit_trigger_problems(paths.db_path) == []
    _tamper(paths.db_path, "DROP TRIGGER audit_entry_no_delete", "DROP TRIGGER audit_entry_no_update",
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry WHEN 0 "
            "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END")
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    out = capsys.readouterr().out
    assert "缺少防止删除的触发器 audit_entry_no_delete" in out
    assert "audit_entry_no_update 已被改写" in out and "未发现问题" not in out
    assert "审计日志保护（防改、防删触发器）：2处问题" in out and "restore --latest" in out


# --- 6. a restore that would lose work asks first ----------------------------------------------------------------

@pytest.fixture
def county_then_more(tmp_path: Path) -> tuple[AppPaths, Path]:
    """A tiny demo county backed up, then more audited work done after the backup."""
    paths = AppPaths(tmp_path / "county").ensure()
    db = open_database(paths.db_path, backup_dir=paths.backup_dir)
    try:
        build_demo(db, "tiny", seed=5, today=frozen.TODAY)
        early = _backup_at(db, paths, 10)
        _record(db, "新增", "修改")
    finally:
        db.close()
    return paths, early


def test_restore_shows_what_would_be_lost_and_needs_force(county_then_more: tuple[AppPaths, Path],
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    paths, early = county_then_more
    before = backup.holdings(paths.db_path)
    comparison = backup.compare_with_current(early, paths.db_path)
    assert comparison is not None and comparison.loses_data and before is not None
    assert comparison.current.audit_entries == comparison.backup.audit_entries + 2
    args = ["restore", early.name, "--data-dir", str(paths.data_dir)]

    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(args) == 2  # no terminal to ask on: refused unless --force
    captured = capsys.readouterr()
    assert "比备份" in captured.out and f"当前 {before.audit_entries} 条，备份 {before.audit_entries - 2} 条（少 2 条）" \
        in captured.out
    assert f"党员：当前 {before.members} 人" in captured.out
    assert "--force" in captured.err
    assert backup.holdings(paths.db_path) == before

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "否")
    assert main(args) == 2
    assert "已取消" in capsys.readouterr().out and backup.holdings(paths.db_path) == before
    monkeypatch.setattr("builtins.input", lambda _prompt: "是")
    assert main(args) == 0
    assert backup.holdings(paths.db_path) == backup.holdings(early)


def test_restore_force_skips_the_question(county_then_more: tuple[AppPaths, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    paths, early = county_then_more
    assert main(["restore", early.name, "--force", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "少 2 条" in out and "已从备份恢复" in out
    assert backup.holdings(paths.db_path) == backup.holdings(early)


def test_restoring_the_backup_just_taken_does_not_warn(db: Database, paths: AppPaths,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A backup is recorded in the trail after its file is written: that one entry is no work lost."""
    _record(db, "新增")
    db.close()
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    (taken,) = backup.list_backups(paths.backup_dir)
    comparison = backup.compare_with_current(taken.path, paths.db_path)
    assert comparison is not None and not comparison.loses_data
    capsys.readouterr()
    assert main(["restore", "1", "--data-dir", str(paths.data_dir)]) == 0
    assert "注意" not in capsys.readouterr().out


def test_gui_restore_asks_with_the_numbers(qtbot: object, county_then_more: tuple[AppPaths, Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui.backup_actions import confirm_restore

    paths, early = county_then_more
    (info,) = [b for b in backup.list_backups(paths.backup_dir) if b.path == early]
    shown: list[str] = []

    def answer(box: QMessageBox) -> int:
        shown.append(box.text())
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert confirm_restore(None, info, paths.db_path) is False
    (text,) = shown
    entries = backup.holdings(paths.db_path).audit_entries  # type: ignore[union-attr]
    assert "比这份备份多" in text and f"当前 {entries} 条，备份 {entries - 2} 条（少 2 条）" in text


# --- 5. files only their owner can read --------------------------------------------------------------------------

@posix_only
def test_database_wal_shm_and_data_folder_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths = AppPaths(tmp_path / "data").ensure()
        db = open_database(paths.db_path, backup_dir=paths.backup_dir)
        try:
            _record(db, "新增")  # the -wal and -shm exist while the database is open
            files = [paths.db_path, Path(f"{paths.db_path}-wal"), Path(f"{paths.db_path}-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
            saved = backup.make_backup(db.engine, paths.backup_dir)
        finally:
            db.close()
    finally:
        os.umask(old)
    assert _mode(saved) == 0o600
    for folder in (paths.data_dir, paths.backup_dir, paths.log_dir, paths.attachment_dir):
        assert _mode(folder) == 0o700, folder


@posix_only
def test_files_of_an_earlier_version_are_tightened(paths: AppPaths) -> None:
    saved = backup.make_backup(paths.db_path, paths.backup_dir)
    for p in (paths.db_path, saved):
        os.chmod(p, 0o644)
    os.chmod(paths.data_dir, 0o755)
    paths.ensure()
    open_database(paths.db_path).close()
    backup.make_backup(paths.db_path, paths.backup_dir)  # rotation looks at every backup
    assert (_mode(paths.data_dir), _mode(paths.db_path), _mode(saved)) == (0o700, 0o600, 0o600)


@posix_only
def test_restored_database_and_damaged_copies_are_private(db: Database, paths: AppPaths) -> None:
    _record(db, "新增")
    saved = _backup_at(db, paths, 10)
    db.close()
    os.chmod(paths.db_path, 0o644)
    with paths.db_path.open("r+b") as f:  # damage the header: the current file is copied aside as it is
        f.write(b"\xde\xad\xbe\xef" * 1024)
    old = os.umask(0o022)
    try:
        result = backup.restore_backup(saved, paths.db_path, paths.backup_dir)
    finally:
        os.umask(old)
    assert result.damaged_copy is not None
    assert (_mode(paths.db_path), _mode(result.damaged_copy)) == (0o600, 0o600)


@posix_only
def test_log_file_is_private_and_stays_so_after_rotation(tmp_path: Path) -> None:
    path = tmp_path / "dangjian.log"
    old = os.umask(0o022)
    handler = file_handler(path)
    try:
        logger = logging.getLogger("test_empty_and_modes")
        logger.addHandler(handler)
        logger.warning("第一行")
        assert _mode(path) == 0o600
        handler.doRollover()
        logger.warning("第二行")
        assert _mode(path) == 0o600 and _mode(Path(f"{path}.1")) == 0o600
    finally:
        logging.getLogger("test_empty_and_modes").removeHandler(handler)
        handler.close()
        os.umask(old)
    assert "第二行" in path.read_text(encoding="utf-8")


@posix_only
def test_a_register_export_is_the_owners_only_and_a_circulated_document_keeps_the_umask(db: Database,
                                                                                          tmp_path: Path) -> None:
    # The roster (names, units, posts; revealed: numbers) is personal data; a 通报 is meant to be passed round.
    old = os.umask(0o022)
    try:
        roster = tmp_path / "名册.xlsx"
        export_register(db.session_factory, roster)
        bulletin = write_atomic(tmp_path / "通报.docx", b"data")
    finally:
        os.umask(old)
    assert _mode(roster) == 0o600
    assert _mode(bulletin) == 0o644
