"""The main window at start-up (issue 14): it shows at once with the county's name in its title, its menus, the
areas and “正在载入…” where the page goes; its context and first page come right after it has painted.  What
the user does meanwhile is not lost: an area chosen is the page built; what needs the data waits; closing the
window then builds nothing; a context that cannot be made is said in the window, which can still be closed."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from ui_fixtures import IGNORE_SIZE_HINTS
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app import settings as S
from app.services.app_settings import SettingsService
from app.ui import application, mainwindow
from app.ui.context import AppContext
from app.ui.mainwindow import LOADING_TEXT, MainWindow, Opening

pytestmark = [IGNORE_SIZE_HINTS, pytest.mark.sqlite_only]


@pytest.fixture
def named(db):
    SettingsService(db.session_factory).save({S.COUNTY_NAME.key: "青山县"})


def _loading(window: MainWindow) -> QLabel | None:
    return window.findChild(QLabel, "loading")


def test_the_window_shows_before_its_context_then_opens_its_first_page(qtbot, paths, db, named) -> None:
    window = application.main_window(paths, db)
    qtbot.addWidget(window)
    assert window.windowTitle() == "青山县"  # read with a plain query, before the models
    assert window.findChild(QLabel, "data_location").text() == f"数据库文件：{db.location}"
    assert not window.is_open() and _loading(window).text() == LOADING_TEXT
    assert not window.act_backup.isEnabled() and not window.act_import.isEnabled()
    assert [a.text() for a in window.menuBar().actions()] == ["文件(&F)", "转到(&G)", "帮助(&H)"]

    with qtbot.waitSignals([window.shell_shown, window.opened], order="strict", timeout=10_000):
        window.show()
    assert window.is_open() and _loading(window) is None
    assert type(window.stack.currentWidget()).__name__ == "AlertsPage" and window.current_key() == "home"
    assert window.windowTitle() == "青山县"
    assert window.act_backup.isEnabled() and window.act_import.isEnabled()
    window.ctx.status.emit("已保存")  # the context's signals reach the window
    assert window.statusBar().currentMessage() == "已保存"


def test_an_area_chosen_while_the_window_opens_is_the_page_built(qtbot, paths, db) -> None:
    window = application.main_window(paths, db)
    qtbot.addWidget(window)
    window.show()
    window.page_actions[2].trigger()  # Ctrl+3 before the window has painted: 党员
    assert window.current_key() == "members" and window.pages == {}
    with qtbot.waitSignal(window.opened, timeout=10_000):
        pass
    assert list(window.pages) == ["members"]  # the 提醒 were not built on the way
    assert window.stack.currentWidget() is window.pages["members"]
    window.nav.setCurrentIndex(window.nav_model.index(1, 0))  # and the areas work as always from then on
    assert window.stack.currentWidget() is window.pages["orgs"]


def test_a_click_on_an_area_while_the_window_opens_is_kept(qtbot, paths, db) -> None:
    window = application.main_window(paths, db)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.shell_shown, timeout=10_000):
        window.show()
    assert not window.is_open()
    rect = window.nav.visualRect(window.nav_model.index(9, 0))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_key() == "settings"
    qtbot.waitUntil(window.is_open, timeout=10_000)
    assert list(window.pages) == ["settings"]


def test_a_window_closed_while_it_opens_builds_nothing(qtbot, paths, db) -> None:
    made: list[AppContext] = []

    def context() -> AppContext:
        made.append(AppContext(paths, db))
        return made[-1]

    window = MainWindow(Opening(paths, db, None, context))
    qtbot.addWidget(window)
    assert window.windowTitle() == ""  # the name could not be read: the title waits for the context
    with qtbot.waitSignal(window.shell_shown, timeout=10_000):
        window.show()
    window.close()
    qtbot.wait(50)
    assert made == [] and not window.is_open() and window.pages == {}


def test_a_context_that_cannot_be_made_is_said_in_the_window(qtbot, paths, db, monkeypatch) -> None:
    reported: list[BaseException] = []
    monkeypatch.setattr(mainwindow, "report_bug", lambda _t, exc, _tb, _parent: reported.append(exc))

    def context() -> AppContext:
        raise RuntimeError("broken")

    window = MainWindow(Opening(paths, db, "青山县", context))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(reported), timeout=10_000)
    assert "未能载入" in _loading(window).text() and not window.is_open()
    window.show_about  # noqa: B018 (关于 still has what it needs)
    assert window.close()


def test_a_window_given_its_context_connects_it_at_once_and_builds_the_page_later(qtbot, paths, db) -> None:
    ctx = AppContext(paths, db)
    window = MainWindow(ctx, first_page_later=True)
    qtbot.addWidget(window)
    ctx.status.emit("这是练习用的示范县")  # e.g. the set-up wizard's word, said before the window paints
    assert window.statusBar().currentMessage() == "这是练习用的示范县"
    assert window.act_backup.isEnabled() and not window.is_open()
    with qtbot.waitSignal(window.opened, timeout=10_000):
        window.show()
    assert window.current_key() == "home" and list(window.pages) == ["home"]


def test_the_stored_county_name_is_read_plainly(qtbot, paths, db, named) -> None:
    assert application.stored_county_name(db) == "青山县"
    with sqlite3.connect(paths.db_path) as con:
        con.execute("UPDATE setting SET value = ? WHERE key = ?", ("not json", S.COUNTY_NAME.key))
    assert application.stored_county_name(db) is None  # a bad value: the title waits for the context
    with sqlite3.connect(paths.db_path) as con:
        con.execute("DELETE FROM setting WHERE key = ?", (S.COUNTY_NAME.key,))
    assert application.stored_county_name(db) == S.PLACEHOLDER_COUNTY  # never saved: the default, as the context
    window = application.main_window(paths, db)
    qtbot.addWidget(window)
    assert window.windowTitle() == S.PLACEHOLDER_COUNTY
