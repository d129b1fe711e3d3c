"""Backups of a county database on a PostgreSQL server: `dangjian backup` with pg_dump, `restore` with
pg_restore (one transaction, a pg_dump of the current database first), `restore --list` and `check`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select

from app.cli import main
from app.db import database_target, head_revision
from app.errors import BackupError
from app.models import AuditEntry, Unit
from app.paths import AppPaths
from app.services import audit, backup
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput


def _password(paths: AppPaths) -> str:
    from sqlalchemy import make_url

    return str(make_url(str(paths.database_url)).password)


def _add_unit(paths: AppPaths, name: str) -> None:
    db = open_database(paths.database)
    try:
        RegisterService(db.session_factory).save_unit(UnitInput(name))
    finally:
        db.close()


def _units(paths: AppPaths) -> set[str]:
    db = open_database(paths.database)
    try:
        with db.session() as s:
            return set(s.scalars(select(Unit.name)))
    finally:
        db.close()


def _dumps(paths: AppPaths, reason: str) -> list[Path]:
    return [b.path for b in backup.list_backups(paths.backup_dir)
            if backup.is_server_backup(b.path) and b.reason == reason]


@pytest.mark.server_only
def test_cli_backup_of_a_server_uses_pg_dump_and_says_so(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    _add_unit(paths, "县备份局")
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    out, err = capsys.readouterr()
    [dump] = _dumps(paths, "manual")
    assert "已用 pg_dump 备份服务器数据库" in out and str(dump) in out
    assert _password(paths) not in out + err
    pg_restore = backup.server_tool("pg_restore")
    assert pg_restore is not None
    listed = subprocess.run([pg_restore, "--list", str(dump)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public unit" in listed.stdout and "TABLE DATA public audit_entry" in listed.stdout
    assert backup.dump_revision(dump) == head_revision()
    assert backup.backup_problems(dump) == []


@pytest.mark.server_only
def test_cli_backup_without_pg_dump_says_why(paths: AppPaths, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup, "server_tool", lambda name: None)
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 2
    assert "没有安装 PostgreSQL 的 pg_dump" in capsys.readouterr().err
    assert not backup.list_backups(paths.backup_dir)


@pytest.mark.server_only
def test_restore_list_shows_dumps_and_verifies_them(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    broken = paths.backup_dir / "dangjian-20260101-080000-000000-manual.dump"
    broken.write_bytes(b"not a dump")
    capsys.readouterr()
    assert main(["restore", "--list", "--verify", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    [good] = [p for p in _dumps(paths, "manual") if p != broken]
    assert good.name in out and broken.name in out
    good_line = next(line for line in out.splitlines() if good.name in line)
    broken_line = next(line for line in out.splitlines() if broken.name in line)
    assert "完好" in good_line and "不可用" in broken_line
    assert "pg_dump" in out  # why the broken one cannot be used


@pytest.mark.server_only
def test_restore_round_trip_on_the_server(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    _add_unit(paths, "县恢复前局")
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    [taken] = _dumps(paths, "manual")
    _add_unit(paths, "县备份后局")
    engine = create_engine(str(paths.database_url))
    with engine.begin() as conn:  # a table a newer version would have added since the backup
        conn.exec_driver_sql("CREATE TABLE later_feature (id integer primary key)")
    engine.dispose()
    capsys.readouterr()

    # --force: the unit added after the backup is an audit entry the backup lacks (restore asks for the yes).
    assert main(["restore", taken.name, "--force", "--data-dir", str(paths.data_dir)]) == 0

    out, err = capsys.readouterr()
    assert "已用 pg_restore" in out and _password(paths) not in out + err
    assert _units(paths) == {"县恢复前局"}
    [safety] = _dumps(paths, "before-restore")
    assert str(safety) in out
    engine = create_engine(str(paths.database_url))
    with engine.connect() as conn:
        assert "later_feature" not in inspect(conn).get_table_names()
    engine.dispose()
    db = open_database(paths.database)
    try:
        report = audit.verify(db.session_factory, check_state=False)
        assert report.chain_ok
        # the trail as it was when the backup was taken (the backup's own entry came after), then the restore
        with db.session() as s:
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and last.action == "恢复" and taken.name in last.reason
        assert report.entries == last.seq
    finally:
        db.close()
    # and the safety backup brings back what the restore replaced
    assert main(["restore", safety.name, "--data-dir", str(paths.data_dir)]) == 0
    assert _units(paths) == {"县恢复前局", "县备份后局"}


@pytest.mark.server_only
def test_restore_without_pg_restore_is_refused_and_changes_nothing(
        paths: AppPaths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _add_unit(paths, "县保留局")
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    [taken] = _dumps(paths, "manual")
    _add_unit(paths, "县后加局")
    real = backup.server_tool
    monkeypatch.setattr(backup, "server_tool", lambda name: None if name == "pg_restore" else real(name))
    capsys.readouterr()
    assert main(["restore", taken.name, "--data-dir", str(paths.data_dir)]) == 2
    assert "没有安装 PostgreSQL 的 pg_restore" in capsys.readouterr().err
    assert _units(paths) == {"县保留局", "县后加局"}
    assert not _dumps(paths, "before-restore")


@pytest.mark.server_only
def test_a_sqlite_backup_is_not_restored_onto_a_server(paths: AppPaths, tmp_path: Path) -> None:
    fake = tmp_path / "dangjian-20260101-080000-000000-manual.sqlite3"
    fake.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(BackupError, match="migrate-db"):
        backup.restore_server_backup(fake, _url(paths), paths.backup_dir)


def _url(paths: AppPaths) -> Any:
    return database_target(str(paths.database_url))


@pytest.mark.server_only
def test_check_on_a_server(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 0
    out, err = capsys.readouterr()
    assert "连接：正常（PostgreSQL" in out and "结论：未发现问题" in out
    assert f"数据库版本：{head_revision()}；本程序版本：{head_revision()}" in out
    assert _password(paths) not in out + err


@pytest.mark.server_only
def test_check_on_an_empty_server_database_finds_it(paths: AppPaths, database_kit: Any,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    empty = database_kit.new(paths.data_dir.parent / "empty")
    monkeypatch.setenv("DANGJIAN_DATABASE_URL", str(empty))
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    assert "数据库是空的" in capsys.readouterr().out


@pytest.mark.sqlite_only
def test_a_server_dump_is_not_restored_onto_a_file(paths: AppPaths) -> None:
    dump = paths.backup_dir / "dangjian-20260101-080000-000000-manual.dump"
    dump.write_bytes(b"PGDMP")
    with pytest.raises(BackupError, match="只能恢复到数据库服务器"):
        backup.restore_backup(dump, paths.db_path, paths.backup_dir)
    assert backup.latest_good_backup(paths.backup_dir) is None  # never offered for a file
