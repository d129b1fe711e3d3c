"""Dates in the window, driven by keys: the 约谈 time proposed on the next working day at 09:00, the question before
a holiday or a weekend is accepted, and the 设置 page's override list and its note about an unknown year."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from documents_support import built as built
from documents_support import open_copy
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from sqlalchemy import select

from app import settings as S
from app.models import AuditEntry
from app.services.interview import InterviewService
from app.services.workdays import LIBRARY_LAST_YEAR
from app.ui.context import AppContext
from app.ui.documents.interview_page import InterviewDialog
from app.ui.settings_page import SettingsPage

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

UNKNOWN = LIBRARY_LAST_YEAR + 1


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


def answer_question(qtbot, seen: list[str], button: str = "") -> None:
    """When the day question shows, note its text and answer: Return (its default, 另选日期), or Space on the
    button whose text starts with `button`.  A box still open after 5 s is closed: the test fails, never hangs."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append(box.text())
        QTimer.singleShot(5000, box, box.reject)
        if not button:
            qtbot.keyClick(box, Qt.Key.Key_Return)
            return
        [chosen] = [b for b in box.buttons() if b.text().startswith(button)]
        chosen.setFocus()
        qtbot.keyClick(chosen, Qt.Key.Key_Space)

    QTimer.singleShot(0, press)


def type_text(qtbot, widget, text: str) -> None:
    """Type `text` as a desk user does: ASCII by keys, Chinese as an input method commits it."""
    widget.setFocus()
    for part in re.split(r"([^\x00-\x7f]+)", text):
        if not part:
            continue
        if part.isascii():
            qtbot.keyClicks(widget, part)
        else:
            event = QInputMethodEvent()
            event.setCommitString(part)
            QApplication.sendEvent(widget, event)


def type_time(qtbot, dialog: InterviewDialog, text: str) -> None:
    dialog.when.setFocus()
    qtbot.keyClick(dialog.when, Qt.Key.Key_Home)
    qtbot.keyClicks(dialog.when, text)


def test_interview_time_defaults_to_a_working_day_and_a_holiday_is_asked_about(qtbot, county):
    # The day before the 国庆 holidays: the next working day is Thursday 8 October.
    service = InterviewService(county.db.session_factory, actor="张敏", today=lambda: dt.date(2026, 9, 30))
    [view] = service.create_for_candidates(2026, 10)
    dialog = InterviewDialog(service, view)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.when.dateTime().toPython() == dt.datetime(2026, 10, 8, 9, 0)
    type_text(qtbot, dialog.form.field("interviewers"), "李明（县直机关工委书记）")
    dialog.undecided.setFocus()
    qtbot.keyClick(dialog.undecided, Qt.Key.Key_Space)  # 时间待定 off: the proposed time stands
    assert dialog.when.isEnabled()
    type_time(qtbot, dialog, "2026-10-01 09:30")
    seen: list[str] = []
    answer_question(qtbot, seen)  # the default answer: choose another day
    qtbot.keyClick(dialog.when, Qt.Key.Key_Return)
    assert seen == ["2026年10月1日是国庆节假期，仍要安排在这一天吗？"]
    assert dialog.result_value is None and dialog.isVisible()
    assert service.interview(view.id).scheduled_at is None
    answer_question(qtbot, seen, "仍然安排")
    qtbot.keyClick(dialog.when, Qt.Key.Key_Return)
    assert len(seen) == 2 and dialog.result() == dialog.DialogCode.Accepted
    assert service.interview(view.id).scheduled_at == dt.datetime(2026, 10, 1, 9, 30)


def test_a_working_day_and_the_adjusted_saturday_are_not_asked_about(qtbot, county):
    service = InterviewService(county.db.session_factory, actor="张敏", today=lambda: dt.date(2026, 9, 30))
    [view] = service.create_for_candidates(2026, 10)
    dialog = InterviewDialog(service, view)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.field("interviewers").setText("李明")
    dialog.undecided.setChecked(False)
    asked: list[str] = []
    dialog.confirm_day = lambda question: asked.append(question) or False  # type: ignore[method-assign]
    type_time(qtbot, dialog, "2026-10-10 15:00")  # a Saturday worked by 调休
    qtbot.keyClick(dialog.when, Qt.Key.Key_Return)
    assert asked == [] and dialog.result() == dialog.DialogCode.Accepted
    assert service.interview(view.id).scheduled_at == dt.datetime(2026, 10, 10, 15, 0)


def test_settings_page_takes_the_override_list_and_drops_its_note(qtbot, paths, db):
    ctx = AppContext(paths, db, today=lambda: dt.date(LIBRARY_LAST_YEAR, 11, 18))
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.calendar_note.isVisible() and f"{UNKNOWN}年尚未收录" in page.calendar_note.text()
    holidays = page.editors[S.HOLIDAYS.key]
    assert isinstance(holidays, QLineEdit)
    page.tabs.setCurrentIndex(list(page.forms).index(S.HOLIDAYS.group))
    type_text(qtbot, holidays, f"{UNKNOWN}-01-01 元旦，{UNKNOWN}-10-32")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    form = page.forms[S.HOLIDAYS.group]
    assert f"“{UNKNOWN}-10-32”不是有效日期" in form.problem_text(S.HOLIDAYS.key)
    assert page.calendar_note.isVisible()
    holidays.setFocus()
    for _ in range(len(f"，{UNKNOWN}-10-32")):
        qtbot.keyClick(holidays, Qt.Key.Key_Backspace)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "已保存 1 项设置" in page.message.text()
    assert not page.calendar_note.isVisible()
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "setting")).one()
    assert (entry.field, entry.new) == (S.HOLIDAYS.key, f"{UNKNOWN}-01-01 元旦")
