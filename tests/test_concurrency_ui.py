"""Two officers on one database, seen from the window (issue 8): the scoring form refused on a stale sheet says
who changed what, reads the sheet again and keeps what the user typed; the page in view follows other clients'
changes when the user comes back to the app or on the timer, and not when nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from scoring_support import item_by_code, make_county
from ui_fixtures import IGNORE_SIZE_HINTS, show_scoring_page
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app import settings as S
from app.services.app_settings import SettingsService
from app.services.scoring import OccurrenceInput, ScoringService
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow
from app.ui.scoring.models import ItemCol
from app.ui.scoring.page import ScoringPage

TODAY = dt.date(2026, 4, 10)
CODE = "life.committee_meeting"  # 支委会: 4 points, −1 each

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def county(db):
    c = make_county(db, n=3)
    c.month(2026, 3)
    return c


@pytest.fixture
def other(second_db, county) -> ScoringService:
    """李四, working on the same database from another machine."""
    return ScoringService(second_db.session_factory, actor="李四")


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a, **_k: shown.append(text))
    return shown


@pytest.fixture
def page(qtbot, paths, db, county):
    return show_scoring_page(qtbot, AppContext(paths, db), TODAY)


def _select_item(page: ScoringPage, code: str) -> None:
    row = next(i for i, it in enumerate(page.form.items_model.rows()) if it.indicator.code == code)
    page.form.items.setCurrentIndex(page.form.items_model.index(row, ItemCol.INDICATOR))
    assert page.form._current_item().indicator.code == code


def _type_chinese(widget, text: str) -> None:
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def test_a_refused_entry_is_kept_while_the_form_shows_the_other_users_change(qtbot, page, other, warnings) -> None:
    form = page.form
    _select_item(page, CODE)
    _type_chinese(form.reason, "支委会记录不全")
    form.occurrences.setValue(2)
    _type_chinese(form.evidence_note, "检查记录第3页")
    item = form._current_item()
    other.add_deduction(item.id, OccurrenceInput("三月未召开支委会"))  # 李四, a moment earlier

    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)

    assert len(warnings) == 1
    assert "李四" in warnings[0] and "三月未召开支委会" in warnings[0] and item.indicator.name in warnings[0]
    assert "已保留" in warnings[0]
    # the form now shows 李四's deduction, and what this user typed is still there
    assert [r.reason for r in form.records_model.rows()] == ["三月未召开支委会"]
    assert form._current_item().indicator.code == CODE
    assert (form.reason.text(), form.occurrences.value(), form.evidence_note.text()) == \
        ("支委会记录不全", 2, "检查记录第3页")
    # saving again now goes through, and both deductions are on the sheet
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 1 and form.entry_error.text() == ""
    assert [r.reason for r in form.records_model.rows()] == ["三月未召开支委会", "支委会记录不全"]
    assert form.reason.text() == "" and form.occurrences.value() == 1
    assert item_by_code(other.form(form.form.sheet_id), CODE).review_score == 1  # 4 − 1 − 2


def test_a_refused_self_score_is_offered_again_in_its_cell(qtbot, page, other, warnings) -> None:
    form = page.form
    _select_item(page, CODE)
    item = form._current_item()
    other.set_self_score(item.id, "4")
    row = form.items_model.row_of_item(item.id)

    assert not form.items_model.setData(form.items_model.index(row, ItemCol.SELF), "3.5")

    qtbot.waitUntil(lambda: len(warnings) == 1)
    assert "李四" in warnings[0] and "自评得分" in warnings[0] and "3.5" in warnings[0]
    editor = form.items.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "3.5"  # the cell is open again with the value
    assert form.form.items and item_by_code(form.form, CODE).self_score == 4  # the form shows 李四's score
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: item_by_code(other.form(form.form.sheet_id), CODE).self_score == 3.5)
    assert len(warnings) == 1


def test_a_refused_removal_offers_the_typed_reason_again(qtbot, page, other, warnings, monkeypatch) -> None:
    form = page.form
    _select_item(page, CODE)
    item = form._current_item()
    other.add_deduction(item.id, OccurrenceInput("未召开支委会"))
    page.reload()
    _select_item(page, CODE)
    form.records.selectRow(0)
    other.set_self_score(item.id, "2")  # 李四 changes the sheet after this form read it
    offered: list[str] = []

    def get_text(_parent, _title, _label, *_a, text="", **_k):
        offered.append(text)
        return "重复登记，予以删除", True

    monkeypatch.setattr("PySide6.QtWidgets.QInputDialog.getText", get_text)
    form.remove_selected()
    assert "李四" in warnings[0] and "重复登记，予以删除" in warnings[0]
    assert [r.reason for r in form.records_model.rows()] == ["未召开支委会"]  # not removed
    form.records.selectRow(0)
    form.remove_selected()
    assert offered == ["", "重复登记，予以删除"]  # the second dialog opened with the typed reason
    assert form.records_model.rows() == []


# --- the main window follows other clients ------------------------------------------------------------------------

@pytest.fixture
def window(qtbot, paths, db, county):
    ctx = AppContext(paths, db)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.show_page("scoring")
    return w


def _unit_total(window: MainWindow) -> str:
    page = window.pages["scoring"]
    model = page.form.units_model
    return str(model.data(model.index(0, 1)))


def test_the_page_in_view_reloads_when_another_client_changed_data(qtbot, window, other, monkeypatch) -> None:
    page = window.pages["scoring"]
    reloads: list[int] = []
    original = page.reload
    monkeypatch.setattr(page, "reload", lambda: (reloads.append(1), original()))
    window.watcher.check()
    assert reloads == [] and _unit_total(window) == "100.0"  # nothing changed: nothing read again

    sheet = other.sheets(page.period().id)[0].id
    other.add_deduction(item_by_code(other.form(sheet), CODE).id, OccurrenceInput("未召开支委会"))
    assert _unit_total(window) == "100.0"  # not polled: the list waits for a check
    window.watcher._state_changed(Qt.ApplicationState.ApplicationActive)  # the user comes back to the app
    assert reloads == [1] and _unit_total(window) == "99.0"
    window.watcher.check()
    assert reloads == [1]  # read once per change


def test_a_page_shown_later_catches_up_and_the_timer_follows_the_setting(qtbot, window, other, db) -> None:
    window.show_page("home")
    sheet = other.sheets(other.periods()[0].id)[0].id
    other.add_deduction(item_by_code(other.form(sheet), CODE).id, OccurrenceInput("未召开支委会"))
    window.show_page("scoring")
    assert _unit_total(window) == "99.0"
    assert window.watcher.timer.isActive() and window.watcher.timer.interval() == 30_000
    window.ctx.settings.save({S.REFRESH_SECONDS.key: 0})
    window.ctx.changed.emit("settings")
    assert not window.watcher.timer.isActive()  # 0: only when the user comes back to the app


def test_a_typed_entry_survives_the_reload_for_another_clients_change(qtbot, window, other) -> None:
    page = window.pages["scoring"]
    form = page.form
    _select_item(page, CODE)
    _type_chinese(form.reason, "支委会记录不全")
    form.occurrences.setValue(2)
    other.set_self_score(item_by_code(other.form(form.form.sheet_id), "org.dues").id, "3")
    window.watcher.check()
    assert item_by_code(form.form, "org.dues").self_score == 3  # the page read the sheet again
    assert form._current_item().indicator.code == CODE
    assert (form.reason.text(), form.occurrences.value()) == ("支委会记录不全", 2)


def test_unsaved_settings_are_not_reset_by_another_clients_change(qtbot, window, second_db) -> None:
    window.show_page("settings")
    page = window.pages["settings"]
    keep, term = page.editors[S.BACKUP_KEEP.key], page.editors[S.TERM_ENDING_DAYS.key]
    elsewhere = SettingsService(second_db.session_factory)
    keep.setValue(12)  # the administrator is halfway through editing
    elsewhere.save({S.TERM_ENDING_DAYS.key: 60})  # another client saves meanwhile
    window.watcher.check()
    window.watcher._state_changed(Qt.ApplicationState.ApplicationActive)
    assert keep.value() == 12 and page.has_unsaved_changes()
    assert term.value() == 90  # not read again under the user's edit

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert elsewhere.value(S.BACKUP_KEEP) == 12 and not page.has_unsaved_changes()
    assert term.value() == 60  # after saving, the page shows the other client's change too
    elsewhere.save({S.TERM_ENDING_DAYS.key: 45})
    window.watcher.check()  # nothing unsaved now: the next check reloads
    assert term.value() == 45 and keep.value() == 12


def test_a_page_with_unsaved_edits_is_reloaded_once_they_are_given_up(qtbot, window, second_db) -> None:
    window.show_page("settings")
    page = window.pages["settings"]
    name = page.editors[S.COUNTY_NAME.key]
    name.setText("新县名（未保存）")
    SettingsService(second_db.session_factory).save({S.TERM_ENDING_DAYS.key: 60})
    window.watcher.check()
    assert name.text() == "新县名（未保存）"
    name.setText(S.COUNTY_NAME.default)  # the user undoes the edit by hand
    window.watcher.check()
    assert page.editors[S.TERM_ENDING_DAYS.key].value() == 60
