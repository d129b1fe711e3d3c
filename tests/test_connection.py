"""Which database a workstation uses and how its password is found (app.connection, app.paths), and the clear
Chinese message for every way a server connection fails: a wrong URL, an unknown host, a closed port, a refused
password, a missing database, a server that goes away mid-session (nothing saved is lost, nothing half-written
stays, and the next call works without a restart).  The CLI prints each as one line and exits 2.

Tests marked `server_only` need the PostgreSQL run (`--db=postgresql --db-url=…`); the others need no server
(a closed port and an unknown host are refused by the client itself)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from connection_support import SECRET, FakeKeyring, closed_port_url, free_port, isolate_credentials
from sqlalchemy import create_engine, event, make_url
from sqlalchemy import exc as sa_exc

from app import connection as C
from app.cli import main
from app.db import Database, describe_target
from app.errors import DatabaseConnectionError, DatabaseError
from app.paths import DATABASE_URL_ENV, AppPaths, app_paths
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput


@pytest.fixture(autouse=True)
def no_stray_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_credentials(monkeypatch, tmp_path)


SERVER_A = C.ServerSettings("db-a.county.gov", 5432, "dangjian", "officer")


# --- where the URL comes from ------------------------------------------------------------------------------------

def test_option_then_environment_then_saved_connection_then_the_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    data = tmp_path / "data"
    assert app_paths(data).database == data / "dangjian.sqlite3"
    assert app_paths(data).database_source == C.SOURCE_LOCAL

    C.write_connection_file(data, SERVER_A)
    saved = app_paths(data)
    assert describe_target(saved.database) == "postgresql+psycopg://officer@db-a.county.gov:5432/dangjian"
    assert saved.database_source == C.SOURCE_FILE

    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://env:pw@db-env/county")
    from_env = app_paths(data)
    assert make_url(str(from_env.database)).host == "db-env" and from_env.database_source == C.SOURCE_ENV

    given = app_paths(data, "postgresql://opt:pw@db-option/county")
    assert make_url(str(given.database)).host == "db-option" and given.database_source == C.SOURCE_OPTION

    monkeypatch.delenv(DATABASE_URL_ENV)
    C.write_connection_file(data, None)  # back to this workstation's own file
    assert app_paths(data).database == data / "dangjian.sqlite3"


def test_the_connection_file_never_holds_a_password(tmp_path: Path) -> None:
    server = C.ServerSettings.from_url(f"postgresql://officer:{SECRET}@db-a.county.gov:6432/dangjian")
    assert server == C.ServerSettings("db-a.county.gov", 6432, "dangjian", "officer")
    path = C.write_connection_file(tmp_path, server)
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text
    assert json.loads(text) == {"kind": "server", "url": "postgresql+psycopg://officer@db-a.county.gov:6432/dangjian"}
    assert C.read_server_settings(tmp_path) == server
    assert not list(tmp_path.glob(".connection-*")), "no temporary file is left behind"


def test_a_password_in_the_url_stays_out_of_repr(tmp_path: Path) -> None:
    paths = app_paths(tmp_path, f"postgresql://officer:{SECRET}@db/county")
    assert SECRET not in repr(paths) and SECRET in str(paths.database)


@pytest.mark.parametrize("content", ["{not json", '{"kind": "server"}', '{"kind": "mainframe"}', "[]"])
def test_an_unreadable_connection_file_is_an_error_not_another_county(tmp_path: Path, content: str,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    (tmp_path / C.CONNECTION_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(DatabaseError, match="数据库连接设置"):
        app_paths(tmp_path)
    assert main(["--data-dir", str(tmp_path), "user", "list"]) == 2
    err = capsys.readouterr().err
    assert "数据库连接设置" in err and "Traceback" not in err
    assert not (tmp_path / "dangjian.sqlite3").exists(), "no empty county was started instead"


def test_incomplete_server_settings_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as caught:
        C.write_connection_file(tmp_path, C.ServerSettings(" ", 5432, "", "officer"))
    assert "服务器的地址" in caught.value.message and "数据库名" in caught.value.message
    assert not (tmp_path / C.CONNECTION_FILE).exists()


# --- wrong URLs ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url,expected", [
    (f"postgresql://officer:{SECRET}@127.0.0.1:abc/county", "数据库地址格式不正确"),
    (f"mysql://officer:{SECRET}@db/county", "不支持的数据库类型"),
    (f"postgresql://officer:{SECRET}@db-a.county.gov", "缺少服务器或数据库名"),
])
def test_a_url_with_bad_syntax_is_explained(url: str, expected: str) -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database(url)
    assert expected in caught.value.message and SECRET not in caught.value.message


@pytest.mark.parametrize("host,expected", [
    ("127.0.0.1:{port}", "没有在这个端口上接受连接"),
    ("no-such-host.invalid", "找不到数据库服务器"),
])
def test_an_unknown_host_or_a_closed_port_is_explained_at_once(host: str, expected: str) -> None:
    url = f"postgresql://officer:{SECRET}@{host.format(port=free_port())}/county"
    started = time.monotonic()
    with pytest.raises(DatabaseConnectionError) as caught:
        open_database(url)
    assert time.monotonic() - started < 5
    assert expected in caught.value.message and SECRET not in caught.value.message


@pytest.mark.parametrize("where", ["before", "after", "env"])
@pytest.mark.parametrize("url,expected", [
    (f"postgresql://officer:{SECRET}@127.0.0.1:abc/county", "数据库地址格式不正确"),
    (f"postgresql://officer:{SECRET}@no-such-host.invalid/county", "找不到数据库服务器"),
    ("closed", "没有在这个端口上接受连接"),
])
def test_the_cli_prints_each_wrong_url_as_one_chinese_line_and_exits_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        url: str, expected: str, where: str) -> None:
    url = closed_port_url() if url == "closed" else url
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    args = {"before": ["--database-url", url, "user", "list"], "after": ["user", "list", "--database-url", url],
            "env": ["user", "list"]}[where]
    if where == "env":
        monkeypatch.setenv(DATABASE_URL_ENV, url)
    assert main(["--data-dir", str(tmp_path), *args]) == 2
    out, err = capsys.readouterr()
    *warnings, error = err.splitlines()
    assert error.startswith("错误：") and expected in error
    # a password typed on the command line is used, with one line of advice (the environment is not on show)
    assert len(warnings) == (0 if where == "env" else 1)
    assert all(w.startswith("警告：--database-url 的地址中含有密码") and "PGPASSWORD" in w for w in warnings)
    assert "Traceback" not in err and SECRET not in out + err


def test_a_driver_error_escaping_a_command_is_a_message_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def lost(_args: Any) -> int:
        raise sa_exc.OperationalError("UPDATE score_sheet SET version = 2", {},
                                      Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr("app.cli.gui.run_gui", lost)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "连接已中断" in err and "此前已保存的数据不受影响" in err and "Traceback" not in err


def test_a_bug_is_still_a_bug_in_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Not a connection problem: exit 1, a line naming the log file, the traceback in that file only."""
    def broken(_args: Any) -> int:
        raise sa_exc.IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed: unit.name"))

    monkeypatch.setattr("app.cli.gui.run_gui", broken)
    assert main(["--data-dir", str(tmp_path), "gui"]) == 1
    err = capsys.readouterr().err
    assert "程序本身的缺陷" in err and "Traceback" not in err and "UNIQUE" not in err
    assert "IntegrityError" in (tmp_path / "logs" / "dangjian-cli.log").read_text(encoding="utf-8")


# --- the password ------------------------------------------------------------------------------------------------

def _refusing_opener(password: str, opened: list[str]) -> Any:
    """An `open_fn` standing in for a server that accepts only `password` (libpq's own words on refusal)."""

    def open_fn(paths: AppPaths) -> Any:
        url = make_url(str(paths.database_url))
        opened.append(url.password or "")
        if url.password != password:
            raise DatabaseConnectionError("数据库服务器拒绝登录：用户名或密码不正确") from Exception(
                'connection failed: FATAL:  password authentication failed for user "officer"')
        return "opened"

    return open_fn


def test_a_refused_login_asks_for_the_password_until_it_is_right(tmp_path: Path) -> None:
    asked: list[tuple[str, str]] = []
    answers = iter(["wrong", SECRET])

    def ask(location: str, problem: str) -> str | None:
        asked.append((location, problem))
        return next(answers)

    opened: list[str] = []
    paths = AppPaths(tmp_path, "postgresql://officer@db-a.county.gov/county", C.SOURCE_FILE)
    assert C.open_with_password(paths, _refusing_opener(SECRET, opened), ask) == "opened"
    assert opened == ["", "wrong", SECRET]
    assert [a[0] for a in asked] == ["postgresql+psycopg://officer@db-a.county.gov/county"] * 2
    assert all("拒绝登录" in a[1] for a in asked)


def test_cancelling_the_password_prompt_or_having_no_terminal_gives_the_refusal(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path, "postgresql://officer@db-a.county.gov/county", C.SOURCE_FILE)
    with pytest.raises(C.PasswordCancelled, match="拒绝登录.*已取消"):
        C.open_with_password(paths, _refusing_opener(SECRET, []), lambda _l, _p: None)
    opened: list[str] = []
    with pytest.raises(DatabaseConnectionError, match="拒绝登录") as caught:
        C.open_with_password(paths, _refusing_opener(SECRET, opened), None)
    assert not isinstance(caught.value, C.PasswordCancelled) and opened == [""]


def test_a_server_that_cannot_be_reached_is_not_a_password_question(tmp_path: Path) -> None:
    asked: list[str] = []
    paths = AppPaths(tmp_path, closed_port_url(password=""), C.SOURCE_OPTION)
    with pytest.raises(DatabaseConnectionError, match="没有在这个端口上接受连接"):
        C.open_with_password(paths, lambda p: open_database(p.database),
                             lambda location, _problem: asked.append(location) or SECRET)
    assert asked == []


def test_the_keyring_answers_before_the_user_is_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    server = C.ServerSettings("db-a.county.gov", 5432, "county", "officer")
    assert C.keyring_available() and C.remember_password(server, SECRET)
    assert keyring.store == {("dangjian", "officer@db-a.county.gov:5432/county"): SECRET}
    opened: list[str] = []
    paths = AppPaths(tmp_path, "postgresql://officer@db-a.county.gov/county", C.SOURCE_FILE)
    assert C.open_with_password(paths, _refusing_opener(SECRET, opened), None) == "opened"
    assert opened == [SECRET]
    C.write_connection_file(tmp_path, server)
    assert SECRET not in (tmp_path / C.CONNECTION_FILE).read_text(encoding="utf-8")
    assert C.remember_password(server, None) and keyring.store == {}


def test_a_broken_keyring_means_asking_not_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    class Locked(FakeKeyring):
        def get_password(self, service: str, key: str) -> str | None:
            raise RuntimeError("the keychain is locked")

        def set_password(self, service: str, key: str, password: str) -> None:
            raise RuntimeError("the keychain is locked")

    monkeypatch.setitem(sys.modules, "keyring", Locked())
    assert C.stored_password(SERVER_A) is None
    assert C.remember_password(SERVER_A, SECRET) is False


def test_without_the_keyring_package_nothing_is_remembered() -> None:
    assert not C.keyring_available()
    assert C.stored_password(SERVER_A) is None and C.remember_password(SERVER_A, SECRET) is False


# --- on a real server ----------------------------------------------------------------------------------------------

def _test_db_url(paths: AppPaths) -> str:
    assert paths.database_url
    return paths.database_url


@pytest.mark.server_only
def test_a_refused_password_is_explained(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = make_url(_test_db_url(paths)).set(password=SECRET).render_as_string(hide_password=False)
    with pytest.raises(DatabaseConnectionError) as caught:
        open_database(wrong)
    assert "拒绝登录" in caught.value.message and SECRET not in caught.value.message
    assert main(["--data-dir", str(paths.data_dir), "--database-url", wrong, "user", "list"]) == 2
    out, err = capsys.readouterr()
    assert "拒绝登录" in err and "Traceback" not in err and SECRET not in out + err


@pytest.mark.server_only
def test_an_unknown_database_is_explained(paths: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    missing = make_url(_test_db_url(paths)).set(database="no_such_county")
    with pytest.raises(DatabaseConnectionError, match="没有这个数据库"):
        open_database(missing)
    text = missing.render_as_string(hide_password=False)
    assert main(["--data-dir", str(paths.data_dir), "user", "list", "--database-url", text]) == 2
    out, err = capsys.readouterr()
    assert "没有这个数据库" in err and "no_such_county" in err and "Traceback" not in err
    assert str(missing.password) not in out + err


@pytest.mark.server_only
def test_the_server_asks_for_the_password_it_refused(paths: AppPaths) -> None:
    full = make_url(_test_db_url(paths))
    asked: list[str] = []

    def ask(location: str, _problem: str) -> str | None:
        asked.append(location)
        return "wrong" if len(asked) == 1 else full.password

    bare = paths.with_database_url(C.with_password(str(paths.database_url), None))
    db = C.open_with_password(bare, lambda p: open_database(p.database), ask)
    try:
        assert len(asked) == 2 and all(str(full.password) not in a for a in asked)
        assert RegisterService(db.session_factory).units() == []
        assert str(full.password) not in db.location
    finally:
        db.close()


@pytest.mark.server_only
def test_the_server_going_away_mid_session_loses_nothing_saved(db: Database, database_kit: Any) -> None:
    """Commit a unit; kill every connection to the database in the middle of the next unit of work: the call
    says so in Chinese, the first unit is there, nothing of the second is, and the next call reconnects."""
    register = RegisterService(db.session_factory)
    register.save_unit(UnitInput("县财政局"))
    name = make_url(str(db.target)).database
    admin = create_engine(database_kit.admin_url, isolation_level="AUTOCOMMIT")

    def terminate(*_: Any) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = %(name)s AND pid <> pg_backend_pid()", {"name": name})

    def session_cut_after_first_flush() -> Any:
        s = db.session_factory()
        event.listen(s, "after_flush", terminate, once=True)
        return s

    try:
        with pytest.raises(DatabaseConnectionError) as caught:
            RegisterService(session_cut_after_first_flush).save_unit(UnitInput("县审计局"))
        assert "连接已中断" in caught.value.message and "此前已保存的数据不受影响" in caught.value.message
        assert [n for _i, n in register.units()] == ["县财政局"], "the next call reconnects; nothing half-written"
        register.save_unit(UnitInput("县审计局"))
        assert sorted(n for _i, n in register.units()) == ["县审计局", "县财政局"]
    finally:
        admin.dispose()
