"""The database connection in the GUI: a lost or refused server connection is a Chinese warning, not a bug
dialog; the 数据库连接 tab (administrators only once accounts exist) tests a server off the GUI thread and saves
this workstation's choice without the password; the start-up asks for a refused password; the status bar shows
where the data is; and no password reaches the log file or the connection file."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connection_support import SECRET, FakeKeyring, closed_port_url, isolate_credentials
from PySide6.QtWidgets import QDialog, QMessageBox
from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url

from app import connection as C
from app.cli import main
from app.db import Database
from app.errors import DatabaseConnectionError
from app.paths import DATABASE_URL_ENV, AppPaths, app_paths
from app.services import accounts
from app.services.accounts import Actor, Role
from app.ui import errors, tasks
from app.ui.application import open_database_interactively, setup_logging
from app.ui.connection import ConnectionPanel, PasswordDialog
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    isolate_credentials(monkeypatch, tmp_path)
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *_a, _k=kind, **_kw: shown.append((_k, text)))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(("bug", self.text())) or 0)
    return shown


@pytest.fixture
def ctx(paths: AppPaths, db: Database) -> AppContext:
    return AppContext(paths, db)


@pytest.fixture
def panel(qtbot: Any, ctx: AppContext) -> ConnectionPanel:
    p = ConnectionPanel(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


@pytest.fixture
def log_file(paths: AppPaths) -> Iterator[Path]:
    """The app's log file, as the GUI sets it up; removed from the root logger afterwards."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    setup_logging(paths)
    yield paths.log_dir / "dangjian.log"
    for h in root.handlers[:]:
        if h not in before:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)
    errors.set_log_file(None)


def _fill(panel: ConnectionPanel, server: C.ServerSettings, password: str) -> None:
    panel.server.setChecked(True)
    panel.host.setText(server.host)
    panel.port.setValue(server.port)
    panel.database.setText(server.database)
    panel.username.setText(server.username)
    panel.password.setText(password)


# --- show_error ------------------------------------------------------------------------------------------------------

def test_a_lost_server_connection_is_a_chinese_warning_not_a_bug(qtbot: Any, boxes: list[tuple[str, str]]) -> None:
    lost = sa_exc.OperationalError("INSERT INTO unit …", {}, Exception("server closed the connection unexpectedly"))
    errors.show_error(None, lost)
    assert boxes == [("warning", boxes[0][1])]
    assert "连接已中断" in boxes[0][1] and "此前已保存的数据不受影响" in boxes[0][1]


def test_a_refused_login_is_shown_as_its_message(qtbot: Any, boxes: list[tuple[str, str]]) -> None:
    errors.show_error(None, DatabaseConnectionError("数据库服务器拒绝登录：用户名或密码不正确"))
    assert boxes == [("warning", "数据库服务器拒绝登录：用户名或密码不正确")]


def test_any_other_driver_error_is_still_a_bug(qtbot: Any, boxes: list[tuple[str, str]]) -> None:
    errors.show_error(None, sa_exc.IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")))
    assert boxes[0][0] == "bug" and "程序本身的缺陷" in boxes[0][1]


# --- the 数据库连接 tab ------------------------------------------------------------------------------------------------

def test_the_tab_saves_a_server_without_its_password_for_the_next_start(
        qtbot: Any, panel: ConnectionPanel, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert ctx.db.location in panel.current.text()
    assert not panel.remember.isVisible(), "no keyring package: nothing offers to remember the password"
    server = C.ServerSettings("db-a.county.gov", 6432, "county", "officer")
    _fill(panel, server, SECRET)
    panel.save_button.click()
    assert "下次启动时" in panel.message.text() and SECRET not in panel.message.text()
    text = (ctx.paths.data_dir / C.CONNECTION_FILE).read_text(encoding="utf-8")
    assert SECRET not in text and "db-a.county.gov" in text
    assert panel.password.text() == ""
    assert app_paths(ctx.paths.data_dir).database_url == "postgresql+psycopg://officer@db-a.county.gov:6432/county"

    panel.reload()
    assert panel.server.isChecked() and panel.host.text() == "db-a.county.gov" and panel.port.value() == 6432
    panel.local.setChecked(True)
    assert not panel.fields.isEnabled() and not panel.test_button.isEnabled()
    panel.save_button.click()
    assert app_paths(ctx.paths.data_dir).database == ctx.paths.data_dir / "dangjian.sqlite3"


def test_incomplete_server_settings_are_not_saved(qtbot: Any, panel: ConnectionPanel, ctx: AppContext) -> None:
    _fill(panel, C.ServerSettings("", 5432, "county", ""), "")
    panel.save_button.click()
    assert "未保存" in panel.message.text() and "服务器的地址" in panel.message.text()
    assert not (ctx.paths.data_dir / C.CONNECTION_FILE).exists()


def test_only_an_administrator_may_change_the_connection(qtbot: Any, panel: ConnectionPanel, ctx: AppContext) -> None:
    accounts.set_current(Actor(7, "li", "李四", Role.ASSESSOR))
    panel.hide()
    panel.show()  # the tab checks who is logged in each time it is shown
    assert panel.admin_only.isVisible()
    assert not panel.save_button.isEnabled() and not panel.server.isEnabled()
    panel.save()
    assert "只有管理员" in panel.message.text()
    assert not (ctx.paths.data_dir / C.CONNECTION_FILE).exists()


def test_testing_an_unreachable_server_runs_off_the_gui_thread_and_says_why(
        qtbot: Any, panel: ConnectionPanel) -> None:
    url = make_url(closed_port_url())
    _fill(panel, C.ServerSettings(str(url.host), int(url.port or 0), "county", "officer"), SECRET)
    panel.test_button.click()
    task = panel.task
    assert task is not None and not task.done, "the result is delivered later, on the GUI thread"
    assert not panel.test_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=15_000):
        pass
    assert "连接失败" in panel.message.text() and "没有在这个端口上接受连接" in panel.message.text()
    assert SECRET not in panel.message.text()
    assert panel.test_button.isEnabled() and panel.task is None


@pytest.mark.server_only
def test_testing_the_server_reports_success(qtbot: Any, panel: ConnectionPanel, ctx: AppContext) -> None:
    url = make_url(str(ctx.paths.database_url))
    _fill(panel, C.ServerSettings.from_url(url), str(url.password))
    with tasks.synchronous():
        panel.test_button.click()
    assert "连接成功" in panel.message.text() and "版本与本程序一致" in panel.message.text()


def test_remember_password_keeps_it_in_the_keyring_only(qtbot: Any, ctx: AppContext,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    panel = ConnectionPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    server = C.ServerSettings("db-a.county.gov", 5432, "county", "officer")
    _fill(panel, server, SECRET)
    assert panel.remember.isVisible()
    panel.remember.setChecked(True)
    panel.save_button.click()
    assert keyring.store == {("dangjian", server.keyring_key): SECRET}
    assert SECRET not in (ctx.paths.data_dir / C.CONNECTION_FILE).read_text(encoding="utf-8")
    panel.reload()
    assert panel.remember.isChecked() and panel.password.text() == ""
    panel.save_button.click()  # saved again without typing it: the kept password stays
    assert keyring.store == {("dangjian", server.keyring_key): SECRET}
    panel.remember.setChecked(False)
    panel.save_button.click()
    assert keyring.store == {}


# --- the status bar ----------------------------------------------------------------------------------------------

def test_the_status_bar_shows_where_the_data_is_without_a_password(qtbot: Any, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert ctx.db.location in window.where.text()
    password = make_url(ctx.paths.database_url).password if ctx.paths.database_url else None
    assert password is None or str(password) not in window.where.text()


# --- start-up and the log ------------------------------------------------------------------------------------------

def test_an_unreachable_server_at_start_up_is_explained_and_no_password_is_logged(
        qtbot: Any, tmp_path: Path, paths: AppPaths, log_file: Path, boxes: list[tuple[str, str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A run with a password in the URL: the dialog, the log, the connection file and the CLI's output name the
    server but never the password."""
    url = closed_port_url()
    unreachable = paths.with_database_url(url)
    assert open_database_interactively(unreachable) is None
    assert boxes[0][0] == "critical" and "没有在这个端口上接受连接" in boxes[0][1] and SECRET not in boxes[0][1]
    C.write_connection_file(paths.data_dir, C.ServerSettings.from_url(url))
    assert main(["--data-dir", str(paths.data_dir), "--database-url", url, "user", "list"]) == 2
    out, err = capsys.readouterr()
    logged = log_file.read_text(encoding="utf-8")
    assert "127.0.0.1" in logged, "the failure was logged, with where it happened"
    for text in (logged, (paths.data_dir / C.CONNECTION_FILE).read_text(encoding="utf-8"), out, err):
        assert SECRET not in text


@pytest.mark.server_only
def test_a_run_on_the_server_never_writes_its_password(qtbot: Any, ctx: AppContext, log_file: Path,
                                                       boxes: list[tuple[str, str]],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    url = str(ctx.paths.database_url)
    password = str(make_url(url).password)
    db = open_database_interactively(ctx.paths)
    assert db is not None
    db.close()
    panel = ConnectionPanel(ctx)
    qtbot.addWidget(panel)
    _fill(panel, C.ServerSettings.from_url(url), password)
    panel.save_button.click()
    assert main(["--data-dir", str(ctx.paths.data_dir), "--database-url", url, "user", "list"]) == 0
    out, err = capsys.readouterr()
    logged = log_file.read_text(encoding="utf-8")
    assert make_url(url).database in logged
    for text in (logged, (ctx.paths.data_dir / C.CONNECTION_FILE).read_text(encoding="utf-8"), out, err):
        assert password not in text
    assert boxes == []


@pytest.mark.server_only
def test_start_up_asks_for_a_refused_password_and_remembers_it_if_asked(
        qtbot: Any, paths: AppPaths, boxes: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    password = str(make_url(str(paths.database_url)).password)
    answers = iter(["wrong", password])
    shown: list[str] = []

    def answer(dialog: PasswordDialog) -> int:
        shown.append(dialog.intro.text())
        dialog.password.setText(next(answers))
        dialog.remember.setChecked(True)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(PasswordDialog, "exec", answer)
    bare = paths.with_database_url(C.with_password(str(paths.database_url), None))
    db = open_database_interactively(bare)
    assert db is not None
    db.close()
    assert len(shown) == 2 and all("拒绝登录" in t and password not in t for t in shown) and boxes == []
    assert keyring.store == {("dangjian", C.ServerSettings.from_url(bare.database_url or "").keyring_key): password}


@pytest.mark.server_only
def test_cancelling_the_password_at_start_up_ends_quietly(qtbot: Any, paths: AppPaths,
                                                          boxes: list[tuple[str, str]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PasswordDialog, "exec", lambda _self: int(QDialog.DialogCode.Rejected))
    bare = paths.with_database_url(C.with_password(str(paths.database_url), None))
    assert open_database_interactively(bare) is None
    assert boxes == [], "the user chose to stop: no error dialog follows"


def test_logging_set_up_again_for_the_practice_county_writes_each_line_once(log_file: Path, tmp_path: Path) -> None:
    """run() starts again on the wizard's 示范县: the log moves to that folder, and no line is written twice (or
    to the real county's log)."""
    practice = app_paths(tmp_path / "示范县")
    practice.log_dir.mkdir(parents=True)  # the wizard has built the county there
    setup_logging(practice)
    logging.getLogger("app.test").info("练习用示范县已打开")
    for h in logging.getLogger().handlers:
        h.flush()
    moved = practice.log_dir / "dangjian.log"
    assert moved.read_text(encoding="utf-8").count("练习用示范县已打开") == 1
    assert not log_file.exists() or "练习用示范县已打开" not in log_file.read_text(encoding="utf-8")
