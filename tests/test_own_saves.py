"""The app's own saves are not another client's change (issue 15, point 3): the change watcher does not read the
page again after this window saved (it used to, ~30 s later, taking the user back to the first row), while a
change by another client still reloads it, keeping the current row where the record is still there."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from scoring_support import item_by_code, make_county
from ui_fixtures import IGNORE_SIZE_HINTS
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.services.changes import current_stamp, own_writes_only
from app.services.register import RegisterService, UnitInput
from app.services.scoring import OccurrenceInput, ScoringService
from app.ui.context import AppContext
from app.ui.itemmodels import RowsTableModel
from app.ui.mainwindow import MainWindow
from app.ui.refresher import ChangeWatcher
from app.ui.scoring.models import ItemCol

pytestmark = IGNORE_SIZE_HINTS
CODE = "life.committee_meeting"


@pytest.fixture
def county(db):
    c = make_county(db, n=3)
    c.month(2026, 3)
    return c


@pytest.fixture
def window(qtbot, paths, db, county):
    w = MainWindow(AppContext(paths, db, today=lambda: dt.date(2026, 4, 10)))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.show_page("scoring")
    return w


@pytest.fixture
def reloads(window, monkeypatch) -> list[int]:
    page = window.pages["scoring"]
    counted: list[int] = []
    original = page.reload
    monkeypatch.setattr(page, "reload", lambda: (counted.append(1), original()))
    window.watcher.check()  # the stamp the page was built at
    return counted


def test_own_writes_are_told_from_another_clients(db, second_db) -> None:
    before = current_stamp(db.session_factory)
    RegisterService(db.session_factory).save_unit(UnitInput("县审计局"))
    mine = current_stamp(db.session_factory)
    assert mine == before + 1 and own_writes_only(db.engine, before, mine)
    RegisterService(second_db.session_factory).save_unit(UnitInput("县统计局"))
    theirs = current_stamp(db.session_factory)
    assert not own_writes_only(db.engine, before, theirs)  # one of the two commits was another client's
    assert own_writes_only(second_db.engine, mine, theirs)  # …which is its own to the other client


def test_no_reload_after_the_windows_own_save(qtbot, window, reloads) -> None:
    form = window.pages["scoring"].form
    row = next(i for i, it in enumerate(form.items_model.rows()) if it.indicator.code == CODE)
    form.items.setCurrentIndex(form.items_model.index(row, ItemCol.INDICATOR))
    form.reason.setFocus()
    event = QInputMethodEvent()
    event.setCommitString("三月未召开支委会")
    QApplication.sendEvent(form.reason, event)
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)  # saved: the stamp moved
    assert [r.reason for r in form.records_model.rows()] == ["三月未召开支委会"]
    window.watcher.check()
    window.watcher.timer.timeout.emit()  # the 30-second timer
    assert reloads == []
    assert form._current_item().indicator.code == CODE


def test_another_clients_change_reloads_and_keeps_the_current_row(qtbot, window, reloads, second_db) -> None:
    form = window.pages["scoring"].form
    form.units.selectionModel().setCurrentIndex(form.units_model.index(2, 0),
                                                QItemSelectionModel.SelectionFlag.ClearAndSelect
                                                | QItemSelectionModel.SelectionFlag.Rows)
    other = ScoringService(second_db.session_factory, actor="李四")
    sheet = form.form.sheet_id
    other.add_deduction(item_by_code(other.form(sheet), CODE).id, OccurrenceInput("未召开支委会"))
    window.watcher.check()
    assert reloads == [1]
    assert form.units.currentIndex().row() == 2 and form.form.sheet_id == sheet


class _ListPage(QWidget):
    """A page with one list, read again from the register on reload() (as the pages' lists are)."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = RowsTableModel(["单位"], parent=self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        QVBoxLayout(self).addWidget(self.view)
        self.reload()

    def reload(self) -> None:
        units = self.ctx.register.units()
        self.model.set_rows([[name] for _id, name in units], keys=[uid for uid, _name in units])


def test_a_reload_for_another_clients_change_keeps_the_chosen_record(qtbot, paths, db, second_db) -> None:
    for name in ("县财政局", "县教育局", "县审计局"):
        RegisterService(db.session_factory).save_unit(UnitInput(name, sort_order=10))
    ctx = AppContext(paths, db)
    stack = QStackedWidget()
    qtbot.addWidget(stack)
    page = _ListPage(ctx)
    page.setObjectName("page_list")
    stack.addWidget(page)
    stack.resize(400, 300)
    stack.show()
    qtbot.waitExposed(stack)
    watcher = ChangeWatcher(ctx, stack, stack)
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "县审计局")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=page.view.visualRect(
        page.model.index(row, 0)).center())
    chosen = page.model.key(page.view.currentIndex().row())

    # another officer adds a unit that sorts first: the rows move down, the user's record must stay chosen
    RegisterService(second_db.session_factory).save_unit(UnitInput("县档案馆", sort_order=1))
    watcher.check()
    assert page.model.rowCount() == 4  # read again
    assert page.model.key(page.view.currentIndex().row()) == chosen
    assert page.view.currentIndex().data() == "县审计局"
    assert [i.row() for i in page.view.selectionModel().selectedRows()] == [page.view.currentIndex().row()]
