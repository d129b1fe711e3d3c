"""Lists that work like lists (issue 15, point 7): a click on a column header sorts numbers as numbers, dates as
dates and Chinese names by full pinyin (安 < 白 < 陈 < 张); the right-click menu holds the page's actions, 复制
and 导出到 Excel…; the export holds the rows in the order shown; window size, the last page and the last user
name are remembered (in a settings folder of the test's own: tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QSplitter, QTableView
from scoring_support import make_county
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.services.ranking import RankingService
from app.services.register import RegisterService, UnitInput
from app.ui.context import AppContext
from app.ui.itemmodels import RowsTableModel
from app.ui.mainwindow import MainWindow
from app.ui.scoring.review import ReviewPanel
from app.ui.tables import list_tools, make_list, pinyin_key, sort_key

# The offscreen platform cannot raise a popup menu nor grab the keyboard for it; it says so each time.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                      "This plugin does not support (raise|grabbing)")

PEOPLE = [  # 姓名, 得分, 入党日期
    ("张伟", 90.5, dt.date(2026, 3, 1)),
    ("安然", 100, dt.date(2025, 12, 1)),
    ("白雪", 9.5, dt.date(2026, 10, 5)),
    ("陈晨", 85, dt.date(2024, 1, 20)),
]


@pytest.fixture
def people(qtbot) -> tuple[QTableView, RowsTableModel, QAction]:
    model = RowsTableModel(["姓名", "得分", "入党日期"], PEOPLE, keys=[p[0] for p in PEOPLE])
    view = QTableView()
    view.setModel(model)
    edit = QAction("编辑…", view)
    make_list(view, [edit], title="党员名单")
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    return view, model, edit


def click_header(qtbot, view: QTableView, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def column(view: QTableView, col: int) -> list[str]:
    model = view.model()
    return [model.index(r, col).data() for r in range(model.rowCount())]


def right_click(qtbot, view: QTableView, row: int, on_menu) -> None:  # type: ignore[no-untyped-def]
    """Right-click on a row's first cell; `on_menu(menu)` runs while the menu is open (it must close it)."""
    rect = view.visualRect(view.model().index(row, 0))

    def look() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        on_menu(menu)

    pos = rect.center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=pos)  # a right press selects the row
    QTimer.singleShot(0, look)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)


def click_menu_item(qtbot, menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def answer(parent, title, start, filters):  # type: ignore[no-untyped-def]
        asked.append(start)
        return str(path), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


# --- the keys -----------------------------------------------------------------------------------------------------


def test_names_sort_by_full_pinyin_not_by_code_points() -> None:
    names = ["张伟", "陈晨", "安然", "白雪", "张三"]
    assert sorted(names, key=sort_key) == ["安然", "白雪", "陈晨", "张三", "张伟"]
    assert sorted(names) != sorted(names, key=sort_key)  # code points put 张 before 陈
    assert pinyin_key("陈晨") == ("chen2", "chen2")
    # digits inside a name count as numbers: 县第2局 before 县第10局
    assert sorted(["县第10局", "县第2局"], key=sort_key) == ["县第2局", "县第10局"]


def test_numbers_and_dates_written_as_text_sort_as_such() -> None:
    assert sorted(["100", "9.5", "-2.0", "85"], key=sort_key) == ["-2.0", "9.5", "85", "100"]
    assert sorted(["2026-10-05", "2026-3-1", "2025年12月1日"], key=sort_key) == [
        "2025年12月1日", "2026-3-1", "2026-10-05"]
    assert sort_key("") < sort_key("0") < sort_key("2026-01-01") < sort_key("安")


# --- sorting by a header click ------------------------------------------------------------------------------------


def test_a_header_click_sorts_numbers_as_numbers_and_again_reverses(qtbot, people) -> None:
    view, model, _ = people
    click_header(qtbot, view, 1)
    assert column(view, 1) == ["9.5", "85", "90.5", "100"]
    assert [model.key(r) for r in range(4)] == ["白雪", "陈晨", "张伟", "安然"]  # keys move with their rows
    click_header(qtbot, view, 1)
    assert column(view, 1) == ["100", "90.5", "85", "9.5"]


def test_a_header_click_sorts_dates_as_dates(qtbot, people) -> None:
    view, _, _ = people
    click_header(qtbot, view, 2)
    assert column(view, 2) == ["2024-01-20", "2025-12-01", "2026-03-01", "2026-10-05"]


def test_a_header_click_sorts_names_by_pinyin_and_a_reload_keeps_the_order(qtbot, people) -> None:
    view, model, _ = people
    click_header(qtbot, view, 0)
    assert column(view, 0) == ["安然", "白雪", "陈晨", "张伟"]
    model.set_rows([*PEOPLE, ("白云", 70, dt.date(2020, 1, 1))], keys=[p[0] for p in PEOPLE] + ["白云"])
    assert column(view, 0) == ["安然", "白雪", "白云", "陈晨", "张伟"]
    assert model.key(2) == "白云"


def test_rows_keep_their_order_until_a_header_is_clicked(people) -> None:
    view, _, _ = people
    assert column(view, 0) == [p[0] for p in PEOPLE]


# --- the menu and the export --------------------------------------------------------------------------------------


def test_the_menu_holds_the_page_actions_copy_and_export(qtbot, people) -> None:
    view, _, edit = people
    seen: list[str] = []

    def look(menu: QMenu) -> None:
        seen.extend(a.text() for a in menu.actions() if not a.isSeparator())
        click_menu_item(qtbot, menu, "复制")

    right_click(qtbot, view, 2, look)
    assert seen == ["编辑…", "复制", "导出到 Excel…"]
    assert view.currentIndex().row() == 2  # the row right-clicked is the one acted on
    assert QApplication.clipboard().text() == "姓名\t得分\t入党日期\n白雪\t9.5\t2026-10-05"


def test_export_writes_what_the_list_shows_in_its_order(qtbot, people, tmp_path, monkeypatch) -> None:
    view, _, _ = people
    click_header(qtbot, view, 0)
    click_header(qtbot, view, 0)  # 张 … 安
    view.setColumnHidden(2, True)
    target = tmp_path / "名单"
    asked = save_as(monkeypatch, target)
    right_click(qtbot, view, 0, lambda menu: click_menu_item(qtbot, menu, "导出到 Excel…"))
    assert asked and asked[0].endswith("党员名单.xlsx")
    book = load_workbook(tmp_path / "名单.xlsx")
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows == [["姓名", "得分"], ["张伟", 90.5], ["陈晨", 85], ["白雪", 9.5], ["安然", 100]]
    # the next export starts in the folder chosen this time
    assert Path(str(QSettings().value("tables/export_dir"))) == tmp_path


# --- a page: the month's ranking ------------------------------------------------------------------------------


@pytest.fixture
def ranking(qtbot, db) -> ReviewPanel:
    county = make_county(db, n=0)
    reg = RegisterService(db.session_factory)
    for i, name in enumerate(("县张湾局", "县陈集局", "县安居局", "县白马局")):
        reg.save_unit(UnitInput(name, sort_order=i))
    period = county.month(2026, 3)
    for index, times in ((0, 1), (1, 3), (3, 2)):  # totals differ: the ranking is not the alphabet
        county.deduct(period, index, "life.committee_meeting", occurrences=times)
    panel = ReviewPanel(county.scoring, RankingService(db.session_factory))
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.load(county.scoring.period(period))
    return panel


def test_the_ranking_sorts_by_unit_name_and_total_and_exports(qtbot, ranking, tmp_path, monkeypatch) -> None:
    view = ranking.table
    units = ranking.model.column_of("单位")
    total = ranking.model.column_of("总分")
    ranked = column(view, units)  # by 名次
    click_header(qtbot, view, units)
    assert column(view, units) == ["县安居局", "县白马局", "县陈集局", "县张湾局"]
    click_header(qtbot, view, total)
    totals = [float(t) for t in column(view, total)]
    assert totals == sorted(totals) and len(set(totals)) > 1
    assert column(view, units) != ranked  # lowest total first: the ranking read from the bottom
    seen: list[str] = []
    asked = save_as(monkeypatch, tmp_path / "排名.xlsx")

    def look(menu: QMenu) -> None:
        seen.extend(a.text() for a in menu.actions() if not a.isSeparator())
        click_menu_item(qtbot, menu, "导出到 Excel…")

    right_click(qtbot, view, 0, look)
    assert seen[:2] == ["锁定本月考评", "重新开放…（管理员）"] and seen[-2:] == ["复制", "导出到 Excel…"]
    assert asked
    rows = list(load_workbook(tmp_path / "排名.xlsx").active.iter_rows(values_only=True))
    assert rows[0][:2] == ("名次", "单位")
    assert [r[units] for r in rows[1:]] == column(view, units)


def test_the_menu_action_of_a_button_does_what_the_button_does(qtbot, ranking, monkeypatch) -> None:
    locked: list[bool] = []
    ranking.lock_button.setEnabled(True)
    monkeypatch.setattr(ranking, "lock", lambda: locked.append(True))
    ranking.lock_button.clicked.disconnect()
    ranking.lock_button.clicked.connect(ranking.lock)
    right_click(qtbot, ranking.table, 0, lambda menu: click_menu_item(qtbot, menu, "锁定本月考评"))
    assert locked == [True]


# --- remembered settings ---------------------------------------------------------------------------------------


def test_the_window_size_and_last_page_are_remembered(qtbot, paths, db) -> None:
    make_county(db, n=2)
    first = MainWindow(AppContext(paths, db))
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    # the offscreen screen is 800 px wide (the window's least width is 960): a new window would be 1280×800
    first.resize(960, 650)
    first.show_page("interviews")
    first.close()
    second = MainWindow(AppContext(paths, db))
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert second.current_key() == "interviews"
    assert (second.width(), second.height()) == (960, 650)


def test_the_login_offers_the_last_user_name(qtbot, db, monkeypatch) -> None:
    from app.services.accounts import AccountService
    from app.ui.accounts import login

    service = AccountService(db.session_factory)
    service.create_first_admin("zhangwei", "张伟", "Dangjian#2026")
    offered: list[str] = []

    def run(dialog) -> int:  # type: ignore[no-untyped-def]
        dialog.show()
        qtbot.waitExposed(dialog)
        offered.append(dialog.username.text())
        if not dialog.username.text():
            qtbot.keyClicks(dialog.username, "zhangwei")
        qtbot.keyClicks(dialog.password, "Dangjian#2026")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        return dialog.result()

    monkeypatch.setattr(login.LoginDialog, "exec", run)
    assert login.log_in_at_start(db.session_factory) is not None
    assert login.log_in_at_start(db.session_factory) is not None
    assert offered == ["", "zhangwei"]
    assert QSettings().value("login/last_user") == "zhangwei"


def test_a_splitter_moved_by_the_user_is_where_they_left_it_next_time(qtbot, ranking) -> None:
    split = ranking.table.parentWidget()
    assert isinstance(split, QSplitter)
    handle = split.handle(1)
    before = split.sizes()
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, QPoint(start.x(), start.y() - 120))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=QPoint(start.x(), start.y() - 120))
    moved = split.sizes()
    assert moved[0] < before[0]
    again = ReviewPanel(ranking.scoring, ranking.ranking_service)
    qtbot.addWidget(again)
    again.resize(ranking.size())
    again.show()
    qtbot.waitExposed(again)
    assert again.table.parentWidget().sizes() == moved


# --- the member list: sorted by its query, with 复制 and 导出 in its own menu -----------------------------------------


def test_the_member_list_exports_the_whole_list_in_the_order_shown(qtbot, paths, db, tmp_path, monkeypatch) -> None:
    from ui_fixtures import SAMPLE_DAY, seed_register

    from app.ui.member_page import MemberPage

    ctx = AppContext(paths, db, today=lambda: SAMPLE_DAY)
    seed_register(ctx.register)
    page = MemberPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    qtbot.waitExposed(page)
    view = page.view
    shown = column(view, 0)
    assert len(shown) >= 3
    seen: list[str] = []
    save_as(monkeypatch, tmp_path / "党员.xlsx")

    def look(menu: QMenu) -> None:
        seen.extend(a.text() for a in menu.actions() if not a.isSeparator())
        click_menu_item(qtbot, menu, "导出到 Excel…")

    right_click(qtbot, view, 0, look)
    assert "编辑" in seen and seen[-2:] == ["复制", "导出到 Excel…"]
    rows = list(load_workbook(tmp_path / "党员.xlsx").active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名"
    assert [r[0] for r in rows[1:]] == shown


# --- every list of the issue has the tools ------------------------------------------------------------------------


def test_every_list_sorts_and_has_the_menu(qtbot, paths, db) -> None:
    make_county(db, n=2)
    window = MainWindow(AppContext(paths, db))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    expected = {
        "home": {"alerts_view"}, "scoring": {"ranking", "interviews"},
        "interviews": {"interview_table", "rectification_table"},
        "periodic": {"quarter_table", "result_table"}, "orglife": {"records_view", "recruits_view"},
    }
    for key, names in expected.items():
        page = window.show_page(key)
        views = {v.objectName(): v for v in page.findChildren(QTableView)}
        for name in names:
            assert name in views, (key, name)
            assert list_tools(views[name]) is not None, (key, name)
    header = window.pages["scoring"].findChild(QTableView, "ranking").horizontalHeader()
    assert header.isSortIndicatorShown()


def test_a_third_click_gives_back_the_pages_own_order(qtbot, ranking) -> None:
    view = ranking.table
    units = ranking.model.column_of("单位")
    ranked = column(view, units)
    for _ in range(3):  # ascending, descending, none
        click_header(qtbot, view, units)
    assert column(view, units) == ranked
    assert column(view, 0) == sorted(column(view, 0), key=int)  # 名次 1, 2, 3 …
