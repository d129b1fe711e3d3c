"""Two things a dialog now does as the main window does: F1 in it opens the 使用手册 at the section of the page it
was opened from, and 整改事项 asks before a 整改时限 on a weekend or a holiday is saved (Enter answers 另选日期)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from documents_support import built as built
from documents_support import open_copy
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from test_ui_workdays import answer_question
from ui_fixtures import SAMPLE_DAY, seed_register

from app.services.interview import InterviewService
from app.services.rectification import ItemInput, RectificationService
from app.ui import help as manual
from app.ui.context import AppContext
from app.ui.documents.interview_page import ItemDialog, deadline_question
from app.ui.mainwindow import MainWindow
from app.ui.register_dialogs import MemberDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                       "This plugin does not support raise")

# The day before the 国庆 holidays (the calendar is fixed, so is this day: no test reads the clock).
EVE = dt.date(2026, 9, 30)


# --- F1 in a dialog ---------------------------------------------------------------------------------------------


def _section_heading(key: str) -> str:
    html = manual.manual_path().read_text(encoding="utf-8")
    found = re.search(rf'<h2><a name="{key}"></a>([^<]+)</h2>', html)
    assert found, f"no section for {key}"
    return found.group(1)


def _top_line(dialog: manual.ManualDialog) -> str:
    return dialog.browser.cursorForPosition(QPoint(10, 4)).block().text()


@pytest.fixture
def window(qtbot, paths, db):
    ctx = AppContext(paths, db, today=lambda: SAMPLE_DAY)
    seed_register(ctx.register)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_f1_in_the_member_dialog_opens_the_manual_at_the_members_section(qtbot, window):
    window.show_page("members")
    qtbot.waitUntil(lambda: window.current_key() == "members")
    seen: list[tuple[str, str, bool]] = []

    def press_f1() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, MemberDialog) or not dialog.isActiveWindow():
            QTimer.singleShot(20, press_f1)
            return
        QTimer.singleShot(5000, dialog, dialog.reject)  # fails, never hangs
        focus = QApplication.focusWidget()
        assert isinstance(focus, QLineEdit)  # typing in the first field
        qtbot.keyClick(focus, Qt.Key.Key_F1)
        shown = dialog.findChild(manual.ManualDialog)
        if shown is not None:
            seen.append((_top_line(shown), focus.text(), shown.isVisible()))
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, press_f1)
    window.page("members").new_member()
    # The manual at 党员, shown over the dialog (it takes scrolling while the dialog is open); F1 typed nothing.
    assert seen == [(_section_heading("members"), "", True)]


def test_f1_in_the_manual_itself_keeps_the_one_manual(qtbot, window):
    window.show_page("scoring")
    shown = manual.show_manual(window, "home")
    qtbot.keyClick(shown.find_box, Qt.Key.Key_F1)  # the manual is no modal dialog: the main window's manual
    assert window.findChildren(manual.ManualDialog) == [shown]
    assert _top_line(shown) == _section_heading("scoring")


def test_f1_in_a_dialog_outside_the_main_window_opens_the_workflow(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    field = QLineEdit(dialog)
    from app.ui.keyboard import follow_layout

    follow_layout(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(field, Qt.Key.Key_F1)
    shown = dialog.findChild(manual.ManualDialog)
    assert shown is not None and shown.isVisible()
    assert _top_line(shown) == _section_heading("workflow")


# --- 整改时限 on a day off --------------------------------------------------------------------------------------


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def item_dialog(qtbot, county):
    sf = county.db.session_factory
    interviews = InterviewService(sf, actor="张敏", today=lambda: EVE)
    [view] = interviews.create_for_candidates(2026, 10)
    rectification = RectificationService(sf, actor="张敏", today=lambda: EVE)
    opened = rectification.create(view.unit_id, "2026年第三季度督查", [
        ItemInput("组织生活记录不全", "补齐记录", "王芳", dt.date(2026, 10, 20))])
    [item] = rectification.items(unit_id=view.unit_id)
    assert item.rectification_id == opened.id
    dialog = ItemDialog(rectification, item, day_question=deadline_question(interviews))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    reason = dialog.form.field("reason")
    assert isinstance(reason, QLineEdit)
    reason.setText("节前集中整改")
    return dialog, rectification, item.id


def _type_deadline(qtbot, dialog: ItemDialog, text: str) -> None:
    dialog.deadline.setFocus()
    dialog.deadline.selectAll()
    qtbot.keyClicks(dialog.deadline, text)


def test_a_deadline_on_a_holiday_is_asked_about_and_enter_chooses_another_day(qtbot, item_dialog):
    dialog, rectification, item_id = item_dialog
    _type_deadline(qtbot, dialog, "2026-10-01")
    seen: list[str] = []
    answer_question(qtbot, seen)  # Enter: the default, 另选日期
    qtbot.keyClick(dialog.deadline, Qt.Key.Key_Return)
    assert seen == ["2026年10月1日是国庆节假期，仍要把整改时限定在这一天吗？"]
    assert dialog.isVisible() and dialog.focusWidget() is dialog.deadline  # back to the date
    assert rectification.item(item_id).deadline == dt.date(2026, 10, 20)
    answer_question(qtbot, seen, "仍然安排")
    qtbot.keyClick(dialog.deadline, Qt.Key.Key_Return)
    assert len(seen) == 2 and dialog.result() == dialog.DialogCode.Accepted
    assert rectification.item(item_id).deadline == dt.date(2026, 10, 1)


def test_a_weekend_deadline_is_asked_about_a_working_day_is_not(qtbot, item_dialog):
    dialog, rectification, item_id = item_dialog
    _type_deadline(qtbot, dialog, "2026-10-18")  # a Sunday
    seen: list[str] = []
    answer_question(qtbot, seen)
    qtbot.keyClick(dialog.deadline, Qt.Key.Key_Return)
    assert len(seen) == 1 and "2026年10月18日" in seen[0] and dialog.isVisible()
    _type_deadline(qtbot, dialog, "2026-10-10")  # a Saturday worked by 调休: a working day, not asked
    qtbot.keyClick(dialog.deadline, Qt.Key.Key_Return)
    assert len(seen) == 1 and dialog.result() == dialog.DialogCode.Accepted
    assert rectification.item(item_id).deadline == dt.date(2026, 10, 10)


def test_the_stored_deadline_and_a_bad_date_are_not_asked_about(qtbot, item_dialog):
    dialog, rectification, item_id = item_dialog
    asked: list[dt.date] = []
    real = dialog.day_question
    assert real is not None
    dialog.day_question = lambda day: asked.append(day) or real(day)
    _type_deadline(qtbot, dialog, "2026-10-32")
    qtbot.keyClick(dialog.deadline, Qt.Key.Key_Return)
    assert asked == [] and dialog.isVisible()  # the form says what is wrong with the date instead
    _type_deadline(qtbot, dialog, "2026-10-20")  # unchanged: saved without a question
    qtbot.keyClick(dialog.deadline, Qt.Key.Key_Return)
    assert asked == [] and dialog.result() == dialog.DialogCode.Accepted
