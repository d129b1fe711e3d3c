"""Backups and restores: round trip, WAL content, rotation, refusals, and the `backup`/`restore`/`check` commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import frozen
import pytest
from sqlalchemy import select

from app.cli import main
from app.db import Database, head_revision, integrity_problems, stored_schema
from app.errors import BackupError
from app.models import Unit
from app.paths import AppPaths
from app.services import backup
from app.services.opening import open_database

# SQLite's backup API and database files; backups of a server database (pg_dump) are tested in test_dbcopy.py.
pytestmark = pytest.mark.sqlite_only


def _units(db_path: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT name FROM unit ORDER BY id")]
    finally:
        con.close()


def _add_units(db: Database, *names: str) -> None:
    with db.session() as s:
        s.add_all(Unit(name=n) for n in names)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backups_at(paths: AppPaths, count: int, *, keep: int = 100) -> list[Path]:
    """`count` backups taken on successive past days (oldest first)."""
    start = dt.datetime(2026, 1, 1, 9, 0)
    return [backup.make_backup(paths.db_path, paths.backup_dir, reason="daily", keep=keep,
                               now=start + dt.timedelta(days=i)) for i in range(count)]


# --- round trip --------------------------------------------------------------------------------------------------

def test_round_trip_backup_change_restore(db: Database, paths: AppPaths) -> None:
    _add_units(db, "县财政局", "县教育局")
    saved = backup.make_backup(db.engine, paths.backup_dir)
    with db.session() as s:
        s.delete(s.scalars(select(Unit).where(Unit.name == "县教育局")).one())
        s.add(Unit(name="县审计局"))
    assert _units(paths.db_path) == ["县财政局", "县审计局"]
    db.close()

    result = backup.restore_backup(saved, paths.db_path, paths.backup_dir)
    assert result.restored_from == saved
    assert _units(paths.db_path) == ["县财政局", "县教育局"]
    # The state before the restore was itself backed up first, and can be brought back.
    assert result.safety_backup is not None and result.safety_backup.name.endswith("-before-restore.sqlite3")
    assert _units(result.safety_backup) == ["县财政局", "县审计局"]
    reopened = open_database(paths.db_path, backup_dir=paths.backup_dir)
    try:
        with reopened.session() as s:
            assert sorted(s.scalars(select(Unit.name))) == ["县教育局", "县财政局"]
    finally:
        reopened.close()


def test_a_backup_is_one_sound_self_contained_file(db: Database, paths: AppPaths) -> None:
    _add_units(db, "县财政局")
    saved = backup.make_backup(db.engine, paths.backup_dir, reason="manual")
    assert saved.parent == paths.backup_dir
    assert not Path(str(saved) + "-wal").exists()
    assert integrity_problems(saved) == []
    assert stored_schema(saved).revision == head_revision()
    con = sqlite3.connect(f"file:{saved}?mode=ro", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    con.close()
    assert [p.name for p in paths.backup_dir.iterdir()] == [saved.name]  # no partial file left behind


def test_backup_of_an_open_wal_database_includes_what_is_only_in_the_wal(db: Database, paths: AppPaths,
                                                                        tmp_path: Path) -> None:
    writer = sqlite3.connect(paths.db_path, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # keep the commit in the -wal, as a busy app would
        writer.execute("INSERT INTO unit (name, short_name, category, party_secretary, contact_person,"
                       " contact_phone, sort_order, active, note) VALUES ('县林业局', '', '', '', '', '', 0, 1, '')")
        wal = Path(str(paths.db_path) + "-wal")
        assert wal.stat().st_size > 0
        naive = tmp_path / "copy.sqlite3"
        shutil.copyfile(paths.db_path, naive)  # what a file copy would have saved
        assert _units(naive) == []

        from_engine = backup.make_backup(db.engine, paths.backup_dir)
        from_path = backup.make_backup(paths.db_path, paths.backup_dir)
    finally:
        writer.close()
    assert _units(from_engine) == ["县林业局"]
    assert _units(from_path) == ["县林业局"]


def test_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="不存在"):
        backup.make_backup(tmp_path / "none.sqlite3", tmp_path / "backups")
    assert not (tmp_path / "none.sqlite3").exists()


def test_bad_reason_is_refused(paths: AppPaths) -> None:
    with pytest.raises(BackupError, match="备份原因"):
        backup.make_backup(paths.db_path, paths.backup_dir, reason="../../etc")


# --- rotation -----------------------------------------------------------------------------------------------------

def test_rotation_keeps_the_newest_n(paths: AppPaths) -> None:
    made = _backups_at(paths, 5, keep=3)
    assert [b.path for b in backup.list_backups(paths.backup_dir)] == made[:1:-1]  # the newest three


def test_rotation_never_deletes_while_the_newest_backup_is_bad(paths: AppPaths,
                                                              damage_database: Callable[..., None]) -> None:
    made = _backups_at(paths, 4)
    damage_database(made[-1])
    assert backup.rotate(paths.backup_dir, 2) == []
    assert len(backup.list_backups(paths.backup_dir)) == 4
    assert backup.latest_good_backup(paths.backup_dir) is not None
    assert backup.latest_good_backup(paths.backup_dir).path == made[-2]  # type: ignore[union-attr]


def test_a_backup_that_fails_its_check_is_not_kept_and_rotates_nothing(paths: AppPaths,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _backups_at(paths, 3)
    before = sorted(p.name for p in paths.backup_dir.iterdir())
    real = backup.integrity_problems
    monkeypatch.setattr(backup, "integrity_problems",
                        lambda p: ["Page 7: btreeInitPage() returns error code 11"] if ".partial" in str(p) else real(p))
    with pytest.raises(BackupError, match="完整性检查未通过"):
        backup.make_backup(paths.db_path, paths.backup_dir, keep=1)
    assert sorted(p.name for p in paths.backup_dir.iterdir()) == before


def test_rotation_clears_partial_files_left_by_a_crash(paths: AppPaths) -> None:
    paths.backup_dir.mkdir(exist_ok=True)
    stale = paths.backup_dir / "dangjian-20260101-000000-000000-daily.sqlite3.partial"
    fresh = paths.backup_dir / "dangjian-20260102-000000-000000-daily.sqlite3.partial"
    for p in (stale, fresh):
        p.write_bytes(b"half a backup")
    now = frozen.now().timestamp()  # the files' times are the test's to set: the app compares them with its clock
    os.utime(fresh, (now, now))
    day_old = now - 2 * 24 * 3600
    os.utime(stale, (day_old, day_old))
    backup.make_backup(paths.db_path, paths.backup_dir)
    assert not stale.exists()
    assert fresh.exists()  # it may still be being written by another process


def test_list_ignores_other_files(paths: AppPaths) -> None:
    (made,) = _backups_at(paths, 1)
    (paths.backup_dir / "notes.txt").write_text("x")
    (paths.backup_dir / "damaged-20260101-000000-000000.sqlite3").write_bytes(b"x")
    (paths.backup_dir / "dangjian-garbage.sqlite3").write_bytes(b"x")
    infos = backup.list_backups(paths.backup_dir)
    assert [b.path for b in infos] == [made]
    assert infos[0].reason == "daily" and infos[0].reason_label == "每日自动备份"
    assert infos[0].taken_at == dt.datetime(2026, 1, 1, 9, 0)
    assert infos[0].size == made.stat().st_size


# --- restore refusals ---------------------------------------------------------------------------------------------

def test_restore_refuses_a_damaged_backup_and_leaves_the_database_untouched(
        db: Database, paths: AppPaths, damage_database: Callable[..., None]) -> None:
    _add_units(db, "县财政局")
    saved = backup.make_backup(db.engine, paths.backup_dir)
    db.close()
    damage_database(saved, middle=True)
    before = _sha(paths.db_path)
    with pytest.raises(BackupError, match="备份文件已损坏"):
        backup.restore_backup(saved, paths.db_path, paths.backup_dir)
    assert _sha(paths.db_path) == before
    assert [b.path for b in backup.list_backups(paths.backup_dir)] == [saved]  # no safety backup either


def test_restore_refuses_while_the_database_is_open(db: Database, paths: AppPaths) -> None:
    _add_units(db, "县财政局")
    saved = backup.make_backup(db.engine, paths.backup_dir)
    _add_units(db, "县教育局")
    with pytest.raises(BackupError, match="正在被使用"):
        backup.restore_backup(saved, paths.db_path, paths.backup_dir)
    assert _units(paths.db_path) == ["县财政局", "县教育局"]


@pytest.mark.parametrize(("make", "message"), [
    ("not-sqlite", "已损坏"),
    ("foreign", "不是本程序的数据库备份"),
    ("too-new", "更新版本"),
    ("missing", "不存在"),
])
def test_restore_refuses_files_that_are_not_usable_backups(paths: AppPaths, tmp_path: Path, make: str,
                                                           message: str) -> None:
    candidate = tmp_path / "candidate.sqlite3"
    if make == "not-sqlite":
        candidate.write_bytes(b"hello" * 1000)
    elif make == "foreign":
        con = sqlite3.connect(candidate)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
    elif make == "too-new":
        shutil.copyfile(paths.db_path, candidate)
        con = sqlite3.connect(candidate)
        con.execute("UPDATE alembic_version SET version_num = '9999'")
        con.commit()
        con.close()
    before = _sha(paths.db_path)
    with pytest.raises(BackupError, match=message):
        backup.restore_backup(candidate, paths.db_path, paths.backup_dir)
    assert _sha(paths.db_path) == before


def test_restoring_the_oldest_backup_survives_the_rotation_it_causes(paths: AppPaths) -> None:
    made = _backups_at(paths, 3, keep=3)
    result = backup.restore_backup(made[0], paths.db_path, paths.backup_dir, keep=3)
    assert not made[0].exists()  # rotated out by the safety backup ...
    assert integrity_problems(paths.db_path) == []  # ... but it had been copied first
    assert result.safety_backup is not None and result.safety_backup.exists()


def test_restore_into_an_empty_data_dir(paths: AppPaths, tmp_path: Path) -> None:
    saved = backup.make_backup(paths.db_path, paths.backup_dir)
    target = tmp_path / "elsewhere" / "dangjian.sqlite3"
    result = backup.restore_backup(saved, target, paths.backup_dir)
    assert result.safety_backup is None and result.damaged_copy is None
    assert stored_schema(target).revision == head_revision()


def test_restore_latest_good_without_backups_says_so(paths: AppPaths) -> None:
    with pytest.raises(BackupError, match="没有可用的完好备份"):
        backup.restore_latest_good(paths.db_path, paths.backup_dir)


def test_configured_keep_reads_the_setting_and_falls_back(paths: AppPaths, tmp_path: Path) -> None:
    assert backup.configured_keep(paths.db_path) == backup.DEFAULT_KEEP == 30
    con = sqlite3.connect(paths.db_path)
    con.execute("INSERT INTO setting (key, value) VALUES ('backup.keep', '7')")
    con.commit()
    assert backup.configured_keep(paths.db_path) == 7
    con.execute("UPDATE setting SET value = '\"lots\"' WHERE key = 'backup.keep'")
    con.commit()
    con.close()
    assert backup.configured_keep(paths.db_path) == 30
    assert backup.configured_keep(tmp_path / "missing.sqlite3") == 30


# --- the commands ----------------------------------------------------------------------------------------------------

def test_cli_backup_prints_the_file(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    (made,) = backup.list_backups(paths.backup_dir)
    assert "已备份" in out and str(made.path) in out
    assert made.reason == "manual"


def test_cli_backup_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--data-dir", str(tmp_path / "empty")]) == 2
    assert "没有数据库" in capsys.readouterr().err


def test_cli_restore_list(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["restore", "--list", "--data-dir", str(paths.data_dir)]) == 0
    assert "还没有备份" in capsys.readouterr().out
    made = _backups_at(paths, 2)
    assert main(["restore", "--list", "--verify", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "共 2 份" in out and "2026-01-02 09:00:00" in out and "每日自动备份" in out and "完好" in out
    assert out.index(made[1].name) < out.index(made[0].name)  # newest first


def test_cli_restore_by_number_by_file_and_latest(db: Database, paths: AppPaths,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _add_units(db, "县财政局")
    first = backup.make_backup(db.engine, paths.backup_dir, now=dt.datetime(2026, 1, 1, 8, 0))
    _add_units(db, "县教育局")
    db.close()
    args = ["--data-dir", str(paths.data_dir)]

    assert main(["restore", str(first), *args]) == 0
    out = capsys.readouterr().out
    assert "已从备份恢复" in out and "恢复前的数据库已备份为" in out
    assert _units(paths.db_path) == ["县财政局"]

    # The safety backup just taken is the newest; it lacks the restore's own audit entry, so --force.
    assert main(["restore", "--latest", "--force", *args]) == 0
    assert _units(paths.db_path) == ["县财政局", "县教育局"]
    capsys.readouterr()

    number = [b.path for b in backup.list_backups(paths.backup_dir)].index(first) + 1
    assert main(["restore", str(number), "--force", *args]) == 0
    assert _units(paths.db_path) == ["县财政局"]


@pytest.mark.parametrize(("argv", "message"), [
    (["restore"], "请指定一个备份文件"),
    (["restore", "x.sqlite3", "--latest"], "请指定一个备份文件"),
    (["restore", "--list", "--latest"], "--list 不能与"),
    (["restore", "--verify", "x"], "--verify 只能与 --list"),
    (["restore", "no-such-backup.sqlite3"], "找不到备份文件"),
    (["restore", "99"], "没有序号为 99 的备份"),
    (["restore", "--latest"], "没有可用的完好备份"),
])
def test_cli_restore_bad_input(paths: AppPaths, capsys: pytest.CaptureFixture[str], argv: list[str],
                               message: str) -> None:
    before = _sha(paths.db_path)
    assert main([*argv, "--data-dir", str(paths.data_dir)]) == 2
    assert message in capsys.readouterr().err
    assert _sha(paths.db_path) == before


def test_cli_restore_refuses_a_damaged_backup(paths: AppPaths, capsys: pytest.CaptureFixture[str],
                                              damage_database: Callable[..., None]) -> None:
    (made,) = _backups_at(paths, 1)
    damage_database(made)
    before = _sha(paths.db_path)
    assert main(["restore", made.name, "--data-dir", str(paths.data_dir)]) == 2
    assert "备份文件已损坏" in capsys.readouterr().err
    assert _sha(paths.db_path) == before


def test_cli_check_on_a_sound_database(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    before = _sha(paths.db_path)
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "完整性检查（integrity_check）：通过" in out
    assert "外键检查（foreign_key_check）：通过" in out
    assert f"数据库版本：{head_revision()}" in out
    assert "未发现问题" in out
    assert _sha(paths.db_path) == before  # read-only
    assert sorted(p.name for p in paths.data_dir.iterdir() if p.is_file()) == [paths.db_path.name]


def test_cli_check_reports_damage(paths: AppPaths, capsys: pytest.CaptureFixture[str],
                                  damage_database: Callable[..., None]) -> None:
    damage_database(paths.db_path, middle=True)
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    out = capsys.readouterr().out
    assert "完整性检查发现" in out and "dangjian restore --latest" in out


def test_cli_check_reports_broken_references_and_an_old_version(paths: AppPaths,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    con = sqlite3.connect(paths.db_path)  # foreign keys off: as an outside tool might have written it
    con.execute("INSERT INTO unit (id, name, short_name, category, party_secretary, contact_person, contact_phone,"
                " sort_order, active, note) VALUES (1, '县财政局', '', '', '', '', '', 0, 1, '')")
    con.execute("INSERT INTO party_org (unit_id, name, kind, sort_order, active, note)"
                " VALUES (77, '孤儿支部', '党支部', 0, 1, '')")
    con.commit()
    con.close()
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    out = capsys.readouterr().out
    assert "外键检查发现1处引用错误" in out and "party_org" in out


def test_cli_check_reports_a_newer_version(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    con = sqlite3.connect(paths.db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    assert "比本程序新" in capsys.readouterr().out


def test_cli_check_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data-dir", str(tmp_path / "none")]) == 2
    assert "没有数据库" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["backup", "restore", "check"])
def test_cli_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "--data-dir" in capsys.readouterr().out


def test_cli_unknown_option_is_a_chinese_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["backup", "--bogus"])
    assert exit_info.value.code == 2
    assert "参数错误" in capsys.readouterr().err


def test_backup_and_restore_commands_are_in_the_audit_trail(paths, db):
    from sqlalchemy import select

    from app.cli import main
    from app.models import AuditEntry

    db.close()
    assert main(["--data-dir", str(paths.data_dir), "backup"]) == 0
    assert main(["--data-dir", str(paths.data_dir), "restore", "--latest"]) == 0
    reopened = open_database(paths.db_path)
    try:
        with reopened.session() as s:
            actions = [(e.action, e.new, e.reason) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    finally:
        reopened.close()
    assert any(action == "恢复" and "dangjian-" in reason for action, _new, reason in actions)
