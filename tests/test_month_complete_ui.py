"""Issue 15, part 4, on the 月度考评 page driven like a user: a unit added mid-month is scored that month, a
month with no units is refused, 不采纳 asks for a reason and can be restored, review and lock name the suggestions
nobody handled and ask, and the lock offers the 通报."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from scoring_support import make_county
from ui_fixtures import IGNORE_SIZE_HINTS, show_scoring_page
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import PeriodState
from app.services import scoring as scoring_module
from app.services.register import RegisterService, UnitInput
from app.services.scoring import RegistrySuggestion
from app.ui.context import AppContext
from app.ui.scoring.models import ItemCol
from app.ui.scoring.page import REVIEW_TAB
from app.ui.scoring.rejected import RejectedDialog

TODAY = dt.date(2026, 4, 10)

pytestmark = IGNORE_SIZE_HINTS


class Dialogs:
    """The message boxes and input dialogs the page opens: what they said, and the answers given in turn."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[str] = []
        self.warned: list[str] = []
        self.answers: list[QMessageBox.StandardButton] = []
        self.texts: list[str] = []

        def question(_parent, _title, text, *_a, **_k):
            self.asked.append(text)
            return self.answers.pop(0) if self.answers else QMessageBox.StandardButton.Yes

        def get_text(_parent, _title, label, *_a, **_k):
            self.asked.append(label)
            return self.texts.pop(0), True

        monkeypatch.setattr(QMessageBox, "question", question)
        monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a, **_k: self.warned.append(text))
        monkeypatch.setattr(QInputDialog, "getText", get_text)


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def offered(db, monkeypatch):
    """Three units; the register suggests two deductions for the first unit's sheet each month."""
    county = make_county(db, 3)
    first = county.unit_ids[0]

    def source(_s, unit_ids, _year, _month):
        return {first: [RegistrySuggestion("life.committee_meeting", 1, "未召开支委会", "orglife:test:1"),
                        RegistrySuggestion("life.theme_day", 1, "未开展主题党日", "orglife:test:2")]} \
            if first in unit_ids else {}

    monkeypatch.setattr(scoring_module, "SUGGESTION_SOURCES", [source])
    return county


def _open_april(qtbot, page) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)  # shortcuts (Ctrl+Enter) go to the active window
    assert page.month_box.currentText() == "2026年4月（未开始）"
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert page.month_box.currentText() == "2026年4月（草稿）"


def _type(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _review(qtbot, form) -> None:
    """Ctrl+Enter in the indicator list: this unit is reviewed, on to the next."""
    view = form.items
    index = form.items_model.index(max(view.currentIndex().row(), 0), ItemCol.INDICATOR)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.keyClick(form.items, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_no_units_the_month_is_not_opened(qtbot, paths, db, dialogs):
    page = show_scoring_page(qtbot, AppContext(paths, db), TODAY)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert dialogs.warned and "尚未登记任何单位，不能开始考评" in dialogs.warned[-1]
    assert page.month_box.currentText() == "2026年4月（未开始）" and page.open_button.isVisible()


def test_a_unit_added_mid_month_is_scored_that_month(qtbot, paths, db, dialogs):
    county = make_county(db, 2)
    ctx = AppContext(paths, db)
    page = show_scoring_page(qtbot, ctx, TODAY)
    _open_april(qtbot, page)
    form = page.form
    assert form.units_model.rowCount() == 2

    RegisterService(db.session_factory).save_unit(UnitInput("县新设局", sort_order=9))
    ctx.changed.emit("register")  # what the 组织管理 page says after saving a unit
    qtbot.waitUntil(lambda: form.units_model.rowCount() == 3)
    assert page.state.text().endswith("已复核 0/3")
    form.select_row(2)
    assert form.unit_title.text() == "县新设局　2026年4月"
    row = next(i for i, it in enumerate(form.items_model.rows()) if it.indicator.code == "work.report_late")
    index = form.items_model.index(row, ItemCol.INDICATOR)
    qtbot.mouseClick(form.items.viewport(), Qt.MouseButton.LeftButton, pos=form.items.visualRect(index).center())
    _type(qtbot, form.reason, "4月报表迟报")
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    assert "复核总分 99.5" in form.totals.text()
    sheets = {s.unit_name: s for s in county.scoring.sheets(county.scoring.find_month(2026, 4).id)}
    assert sheets["县新设局"].review_total == 99.5


def test_reject_needs_a_reason_and_can_be_restored(qtbot, paths, db, offered, dialogs):
    page = show_scoring_page(qtbot, AppContext(paths, db), TODAY)
    _open_april(qtbot, page)
    form = page.form
    assert form.suggestions_model.rowCount() == 2
    # an empty reason: told, nothing rejected
    dialogs.texts.append("   ")
    qtbot.mouseClick(form.reject_button, Qt.MouseButton.LeftButton)
    assert "请填写不采纳的理由" in dialogs.warned[-1] and "必填" in dialogs.asked[-1]
    assert form.suggestions_model.rowCount() == 2
    # with a reason: gone from the list, listed under 已不采纳…
    dialogs.texts.append("支委会已于4月3日召开，记录迟交")
    qtbot.mouseClick(form.reject_button, Qt.MouseButton.LeftButton)
    assert [s.source for s in form.suggestions_model.rows()] == ["orglife:test:2"]

    seen: list[list[str]] = []

    def restore_first() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, RejectedDialog)
        model = dialog.model
        seen.append([model.data(model.index(0, c)) for c in range(2)])
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        seen.append([dialog.note.text()])
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, restore_first)
    qtbot.mouseClick(form.rejected_button, Qt.MouseButton.LeftButton)
    assert "未召开支委会" in seen[0][0] and seen[0][1] == "支委会已于4月3日召开，记录迟交"
    assert seen[1] == ["本表没有不采纳的建议扣分。"]
    qtbot.waitUntil(lambda: form.suggestions_model.rowCount() == 2)


def test_review_and_lock_ask_about_unhandled_suggestions_and_lock_offers_the_bulletin(qtbot, paths, db, offered,
                                                                                        dialogs):
    ctx = AppContext(paths, db)
    went: list[tuple[str, object]] = []
    ctx.navigate.connect(lambda key, target: went.append((key, target)))
    page = show_scoring_page(qtbot, ctx, TODAY)
    _open_april(qtbot, page)
    form = page.form
    # 复核 with two suggestions open: asked; "否" keeps the unit unreviewed, on its suggestions
    dialogs.answers.append(QMessageBox.StandardButton.No)
    _review(qtbot, form)
    assert "本单位尚有2条建议扣分既未采纳也未不采纳" in dialogs.asked[-1] and "未开展主题党日" in dialogs.asked[-1]
    assert form.unit_title.text().startswith("县第1局") and not form.form.reviewed
    # "是": reviewed anyway; the other units have nothing open and are not asked about
    _review(qtbot, form)
    asked = len(dialogs.asked)
    _review(qtbot, form)
    _review(qtbot, form)
    assert len(dialogs.asked) == asked and page.state.text().startswith("状态：已复核")

    page.steps.setCurrentIndex(REVIEW_TAB)
    review = page.review
    dialogs.answers.append(QMessageBox.StandardButton.No)  # 返回处理
    qtbot.mouseClick(review.lock_button, Qt.MouseButton.LeftButton)
    assert "2026年4月尚有2条建议扣分既未采纳也未不采纳：县第1局 2条" in dialogs.asked[-1]
    assert page.period().state == PeriodState.REVIEWED and not went

    dialogs.answers += [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Yes]  # lock anyway; 印发通报
    qtbot.mouseClick(review.lock_button, Qt.MouseButton.LeftButton)
    assert page.period().state == PeriodState.LOCKED
    assert "2026年4月的考评已锁定：3个单位" in dialogs.asked[-1] and "约谈对象" in dialogs.asked[-1]
    assert went == [("bulletins", ("period", page.period().id))]
