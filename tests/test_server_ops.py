"""Server operations done safely: a restore that fails puts the database back, a restore waits for everyone else
to leave, the password reaches pg_dump however the user gave it, commands honour --database-url, and the newest
PostgreSQL client tools are the ones used."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from connection_support import SECRET, FakeKeyring, closed_port_url, isolate_credentials
from sqlalchemy import inspect, make_url, select, text

from app.cli import main
from app.connection import ServerSettings, with_password
from app.db import database_target, make_engine
from app.errors import BackupError
from app.models import Unit
from app.paths import DATABASE_URL_ENV, AppPaths
from app.services import backup
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput


def _add_unit(target: Any, name: str) -> None:
    db = open_database(target)
    try:
        RegisterService(db.session_factory).save_unit(UnitInput(name))
    finally:
        db.close()


def _units(target: Any) -> set[str]:
    db = open_database(target, migrate_to_head=False)
    try:
        with db.session() as s:
            return set(s.scalars(select(Unit.name)))
    finally:
        db.close()


def _tables(url: Any) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _sql(url: Any, statement: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _dumps(paths: AppPaths, reason: str) -> list[Path]:
    return [b.path for b in backup.list_backups(paths.backup_dir)
            if backup.is_server_backup(b.path) and b.reason == reason]


def _failing_pg_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, fail_on: tuple[str, ...]) -> None:
    """pg_restore fails (as when the network drops mid-restore) for the dumps whose names contain `fail_on`;
    reading a dump's contents (--list, --data-only) and any other restore use the real program."""
    real = backup.server_tool("pg_restore")
    assert real is not None
    script = tmp_path / "pg_restore"
    conditions = " || ".join(f'[[ "$arg" == *{word}* ]]' for word in fail_on)
    script.write_text(
        "#!/bin/bash\n"
        'if [[ " $* " == *" --list "* || " $* " == *" --data-only "* ]]; then exec "' + real + '" "$@"; fi\n'
        'for arg in "$@"; do if ' + conditions + '; then '
        'echo "pg_restore: error: connection to server lost" >&2; exit 1; fi; done\n'
        'exec "' + real + '" "$@"\n')
    script.chmod(0o755)
    original = backup.server_tool
    monkeypatch.setattr(backup, "server_tool", lambda name: str(script) if name == "pg_restore" else original(name))


def _county_before_restore(paths: AppPaths, *, later_table: bool) -> Path:
    """A backup with one unit, then a second unit (and perhaps a table of a newer version, with a row) after it."""
    _add_unit(paths.database, "县恢复前局")
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    [taken] = _dumps(paths, "manual")
    _add_unit(paths.database, "县备份后局")
    if later_table:
        _sql(paths.database, "CREATE TABLE later_feature (id integer primary key, note text)")
        _sql(paths.database, "INSERT INTO later_feature VALUES (1, '新版本的数据')")
    return taken


# --- a failed restore ----------------------------------------------------------------------------------------------

@pytest.mark.server_only
@pytest.mark.parametrize("later_table", [True, False], ids=["tables-dropped-first", "nothing-dropped"])
def test_a_failed_pg_restore_leaves_every_table_and_row(paths: AppPaths, tmp_path: Path, later_table: bool,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    taken = _county_before_restore(paths, later_table=later_table)
    tables_before = _tables(paths.database)
    _failing_pg_restore(tmp_path, monkeypatch, fail_on=(".restoring",))
    capsys.readouterr()

    assert main(["restore", taken.name, "--force", "--data-dir", str(paths.data_dir)]) == 2

    assert _tables(paths.database) == tables_before
    assert _units(paths.database) == {"县恢复前局", "县备份后局"}
    if later_table:
        assert _sql(paths.database, "SELECT id, note FROM later_feature") == [(1, "新版本的数据")]
    assert _sql(paths.database, "SELECT version_num FROM alembic_version") == [(backup.dump_revision(taken),)]
    err = capsys.readouterr().err
    assert "pg_restore 恢复失败" in err and "connection to server lost" in err
    [safety] = _dumps(paths, "before-restore")
    if later_table:
        assert f"已用恢复前的备份 {safety.name} 自动还原" in err
    else:
        assert "数据库未改动" in err


@pytest.mark.server_only
def test_when_putting_back_fails_too_the_message_names_the_safety_backup(
        paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = _county_before_restore(paths, later_table=True)
    _failing_pg_restore(tmp_path, monkeypatch, fail_on=(".restoring", "before-restore"))
    with pytest.raises(BackupError) as caught:
        backup.restore_server_backup(taken, database_target(str(paths.database_url)), paths.backup_dir)
    [safety] = _dumps(paths, "before-restore")
    assert "自动还原恢复前的数据也失败了" in caught.value.message
    assert str(safety) in caught.value.message and f"dangjian restore {safety.name}" in caught.value.message


# --- nobody else connected ---------------------------------------------------------------------------------------

@pytest.mark.server_only
def test_restore_is_refused_while_another_client_is_connected(paths: AppPaths,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    taken = _county_before_restore(paths, later_table=False)
    other = make_engine(paths.database)  # another workstation's app, idle but connected
    try:
        with other.connect():
            capsys.readouterr()
            assert main(["restore", taken.name, "--force", "--data-dir", str(paths.data_dir)]) == 2
    finally:
        other.dispose()
    err = capsys.readouterr().err
    assert "还有 1 个本程序的连接正在使用这个服务器数据库" in err and "数据库未改动" in err
    assert _units(paths.database) == {"县恢复前局", "县备份后局"}
    assert not _dumps(paths, "before-restore")


@pytest.mark.server_only
def test_restore_goes_ahead_once_the_others_have_left(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    taken = _county_before_restore(paths, later_table=False)
    other = open_database(paths.database)
    with other.engine.connect():
        assert backup.other_app_sessions(database_target(str(paths.database_url))) == 1
    other.close()
    assert main(["restore", taken.name, "--force", "--data-dir", str(paths.data_dir)]) == 0
    assert _units(paths.database) == {"县恢复前局"}


# --- who may restore -------------------------------------------------------------------------------------------

@pytest.mark.server_only
def test_restore_onto_a_database_of_a_newer_version_is_refused_untouched(
        paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    taken = _county_before_restore(paths, later_table=False)
    _sql(paths.database, "UPDATE alembic_version SET version_num = '9999'")
    capsys.readouterr()
    assert main(["restore", taken.name, "--data-dir", str(paths.data_dir)]) == 2
    assert "更新版本的程序创建" in capsys.readouterr().err
    assert _sql(paths.database, "SELECT version_num FROM alembic_version") == [("9999",)]
    assert not _dumps(paths, "before-restore")


@pytest.mark.server_only
def test_restore_onto_an_empty_server_database_needs_no_login(paths: AppPaths, database_kit: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    taken = _county_before_restore(paths, later_table=False)
    empty = database_kit.new(paths.data_dir.parent / "empty")
    monkeypatch.setenv(DATABASE_URL_ENV, str(empty))
    assert main(["restore", str(taken), "--data-dir", str(paths.data_dir)]) == 0
    assert _units(empty) == {"县恢复前局"}


# --- the password reaches pg_dump and pg_restore ------------------------------------------------------------------

def _plain_url(paths: AppPaths) -> str:
    return with_password(str(paths.database_url), None)


@pytest.mark.server_only
def test_backup_and_restore_with_the_password_from_the_keyring(
        paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _add_unit(paths.database, "县钥匙串局")
    password = str(make_url(str(paths.database_url)).password)
    isolate_credentials(monkeypatch, tmp_path)
    keyring = FakeKeyring()
    keyring.set_password("dangjian", ServerSettings.from_url(_plain_url(paths)).keyring_key, password)
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    monkeypatch.delenv(DATABASE_URL_ENV)
    plain = ["--data-dir", str(paths.data_dir), "--database-url", _plain_url(paths)]

    assert main(["backup", *plain]) == 0
    [dump] = _dumps(paths, "manual")
    _add_unit(paths.database, "县备份后局")
    assert main(["restore", dump.name, "--force", *plain]) == 0
    assert main(["check", *plain]) == 0

    out, err = capsys.readouterr()
    assert "已用 pg_dump 备份服务器数据库" in out and "已用 pg_restore" in out and "结论：未发现问题" in out
    assert password not in out + err and "警告" not in err
    assert _units(paths.database) == {"县钥匙串局"}


@pytest.mark.server_only
def test_backup_asks_for_the_password_once(paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    password = str(make_url(str(paths.database_url)).password)
    isolate_credentials(monkeypatch, tmp_path)
    monkeypatch.delenv(DATABASE_URL_ENV)
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or password)

    assert main(["backup", "--data-dir", str(paths.data_dir), "--database-url", _plain_url(paths)]) == 0

    assert len(asked) == 1 and password not in asked[0]
    [dump] = _dumps(paths, "manual")
    assert backup.backup_problems(dump) == []
    assert password not in "".join(capsys.readouterr())


def test_a_password_on_the_command_line_is_used_with_a_warning(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    url = closed_port_url()
    assert main(["check", "--data-dir", str(tmp_path), "--database-url", url]) == 2
    warning, error = capsys.readouterr().err.splitlines()
    assert warning.startswith("警告：--database-url 的地址中含有密码")
    assert "PGPASSWORD" in warning and "~/.pgpass" in warning and "提示输入" in warning
    assert "没有在这个端口上接受连接" in error  # and it was used: the connection was tried
    assert SECRET not in warning + error


def test_migrate_db_warns_about_a_password_in_to_and_from(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-db", "--data-dir", str(tmp_path), "--from", closed_port_url(),
                 "--to", closed_port_url()]) == 2
    err = capsys.readouterr().err
    assert "警告：--from 的地址中含有密码" in err and "警告：--to 的地址中含有密码" in err
    assert SECRET not in err


def test_no_warning_without_a_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data-dir", str(tmp_path), "--database-url", closed_port_url(password="")]) == 2
    assert "警告" not in capsys.readouterr().err


# --- commands on the server given by --database-url ---------------------------------------------------------------

@pytest.mark.server_only
def test_demo_with_database_url_builds_on_the_server(database_kit: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    empty = database_kit.new(tmp_path / "server")
    data = tmp_path / "data"
    assert main(["demo", "--size", "tiny", "--data-dir", str(data), "--database-url", str(empty)]) == 0
    assert len(_units(empty)) == 8
    assert not (data / "dangjian.sqlite3").exists()
    # The way back into the app names the server, without the password (not even masked).
    hint = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("打开主窗口"))
    name = str(empty).rsplit("/", 1)[1]
    assert f"--database-url \"postgresql+psycopg://{database_kit.admin_url.username}@" in hint and name in hint
    assert "***" not in hint and str(database_kit.admin_url.password) not in hint


@pytest.mark.server_only
def test_screenshot_with_database_url_shows_the_server(qtbot: Any, paths: AppPaths, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _add_unit(paths.database, "县截图局")
    monkeypatch.delenv(DATABASE_URL_ENV)
    out_dir = tmp_path / "shots"
    data = tmp_path / "fresh-data"  # no database file here: only --database-url says where the data is
    assert main(["screenshot", str(out_dir), "--data-dir", str(data), "--database-url",
                 str(paths.database_url)]) == 0
    assert list(out_dir.glob("*.png"))
    assert not (data / "dangjian.sqlite3").exists()


# --- the newest client tools ----------------------------------------------------------------------------------------

def test_the_newest_installed_postgresql_tools_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    installed = ["/usr/lib/postgresql/9.6/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump",
                 "/usr/lib/postgresql/13/bin/pg_dump", "/usr/lib/postgresql/10/bin/pg_dump"]
    monkeypatch.setattr(backup.glob, "glob",
                        lambda pattern: installed if pattern.startswith("/usr/lib/postgresql/") else [])
    assert backup.server_tool("pg_dump") == "/usr/lib/postgresql/15/bin/pg_dump"


def test_the_newest_windows_install_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    installed = ["C:/Program Files/PostgreSQL/9.6/bin/pg_restore.exe", "C:/Program Files/PostgreSQL/16/bin/pg_restore.exe"]
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: installed if pattern.startswith("C:/") else [])
    assert backup.server_tool("pg_restore") == "C:/Program Files/PostgreSQL/16/bin/pg_restore.exe"


def test_no_tools_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    assert backup.server_tool("pg_dump") is None and not backup.can_dump_server()


# --- one restore entry for the GUI ---------------------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_restore_any_puts_a_file_backup_onto_the_file_and_refuses_a_dump(paths: AppPaths) -> None:
    _add_unit(paths.db_path, "县文件局")
    taken = backup.make_backup(paths.db_path, paths.backup_dir)
    _add_unit(paths.db_path, "县后加局")
    result = backup.restore_any(taken, paths.db_path, paths.backup_dir)
    assert result.safety_backup is not None and _units(paths.db_path) == {"县文件局"}
    dump = paths.backup_dir / "dangjian-20260101-080000-000000-manual.dump"
    dump.write_bytes(b"PGDMP")
    with pytest.raises(BackupError, match="只能恢复到数据库服务器"):
        backup.restore_any(dump, paths.db_path, paths.backup_dir)


@pytest.mark.server_only
def test_restore_any_refuses_a_file_backup_for_the_server(paths: AppPaths, tmp_path: Path) -> None:
    fake = tmp_path / "dangjian-20260101-080000-000000-manual.sqlite3"
    fake.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(BackupError, match="migrate-db"):
        backup.restore_any(fake, database_target(str(paths.database_url)), paths.backup_dir)
