"""The 单位填报 board on the 月度考评 page, driven like a user: send the month's workbooks to a folder, get one
back by dropping it on the board, one refused, and the 提醒's line opening the board."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from documents_support import built as built
from documents_support import open_copy
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox
from ui_fixtures import IGNORE_SIZE_HINTS, show_scoring_page
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.services import collection as C
from app.ui.context import AppContext
from app.ui.scoring.page import COLLECT_TAB
from app.ui.tables import list_tools, sort_key

TODAY = dt.date(2026, 11, 25)

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def page(qtbot, paths, county):
    return show_scoring_page(qtbot, AppContext(paths, county.db), TODAY)


def _drop(board, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    board.dropEvent(event)


def test_send_and_receive_on_the_board(qtbot, page, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(out))
    informed: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *_a, **_k: informed.append(text))
    page.month_box.set_value(("new", 2026, 11))
    bar = page.steps.tabBar()
    assert page.steps.tabText(COLLECT_TAB) == "单位填报"
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(COLLECT_TAB).center())
    board = page.board
    assert board.isVisible()
    assert board.state_of("县财政局") == C.NOT_SENT
    assert "本月尚未下发" in board.summary.text()

    qtbot.mouseClick(board.send_button, Qt.MouseButton.LeftButton)
    assert "已生成8份填报表" in informed[-1]
    assert page.period() is not None and page.period().key == "2026-11"  # the month was opened by the send
    assert board.state_of("县财政局") == C.SENT
    assert "报送截止2026-12-07" in board.summary.text()

    sent = out / "县财政局2026年11月填报表.xlsx"
    back = tmp_path / "back"
    back.mkdir()
    wb = openpyxl.load_workbook(sent)
    wb["自评"].cell(row=2, column=7, value=5)
    wb.save(back / sent.name)
    wb = openpyxl.load_workbook(out / "县审计局2026年11月填报表.xlsx")
    wb.save(back / "县教育局2026年11月填报表.xlsx")  # another unit's workbook, renamed
    _drop(board, [back])
    box = board.result_box
    assert "收回1个" in box.text() and "有误或拒收1个" in box.text()
    assert "下发给“县审计局”" in box.detailedText()
    box.close()
    assert board.state_of("县财政局") == C.RECEIVED
    assert board.state_of("县教育局") == C.SENT
    row = next(r for r in range(board.model.rowCount()) if board.model.index(r, 0).data() == "县财政局")
    assert board.model.index(row, 5).data() == sent.name
    assert board.model.index(row, 4).data()


def test_the_alert_opens_the_board(qtbot, page, county, tmp_path):
    service = C.CollectionService(county.db.session_factory, today=lambda: TODAY)
    service.send(2026, 11, tmp_path)
    page.reload()
    period = county.scoring.find_month(2026, 11)
    page.show_target(("collection", period.id))
    assert page.steps.currentIndex() == COLLECT_TAB
    assert page.board.state_of("县财政局") == C.SENT
    assert page.board.model.rowCount() == 8


def test_a_locked_month_takes_no_returns(qtbot, page):
    bar = page.steps.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(COLLECT_TAB).center())
    page.month_box.set_value(next(v for v in page.month_box.values() if isinstance(v, int)))  # October: locked
    assert not page.board.send_button.isEnabled() and not page.board.receive_button.isEnabled()
    assert page.board.remind_button.isEnabled()
    assert "已锁定" in page.board.summary.text()


def test_the_board_sorts_by_a_header_click_and_keeps_its_colours(qtbot, page, county, tmp_path):
    service = C.CollectionService(county.db.session_factory, today=lambda: TODAY)
    service.send(2026, 11, tmp_path)
    page.reload()
    page.show_target(("collection", county.scoring.find_month(2026, 11).id))
    board, table = page.board, page.board.table
    qtbot.waitUntil(table.isVisible)
    assert not table.verticalHeader().isVisible() and list_tools(table) is not None
    names = [board.model.index(r, 0).data() for r in range(board.model.rowCount())]
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    for _ in range(2):  # 单位, twice: by pinyin, then the other way round
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    shown = [board.model.index(r, 0).data() for r in range(board.model.rowCount())]
    assert shown == sorted(names, key=sort_key, reverse=True) and shown != names
    row = shown.index("县财政局")  # the state, its colour and the unit move together
    assert board.model.index(row, 1).data() == C.SENT and board.state_of("县财政局") == C.SENT
    service.send(2026, 11, tmp_path)
    board.load(board.month)  # a reload keeps the order the user chose
    assert [board.model.index(r, 0).data() for r in range(board.model.rowCount())] == shown
