"""Issue 15, part 4, on the 党员 page driven like a user: the form warns about a missing 身份证号/性别/出生日期 and
saves anyway (the record then shows in 提醒); a mistaken record is deleted with the reason; a member who left is
marked 去世 or 出党 and leaves the list."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QLineEdit, QMessageBox, QWidget
from ui_fixtures import IGNORE_SIZE_HINTS, SAMPLE_DAY, ZHANG_ID, on_next_dialog, seed_register
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import Gender, TransferKind
from app.services.alerts import AlertService
from app.services.audit import verify
from app.ui.context import AppContext
from app.ui.member_page import MemberPage
from app.ui.register_dialogs import LeaveDialog, MemberDialog

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db, today=lambda: SAMPLE_DAY)


@pytest.fixture
def sample(ctx):
    return seed_register(ctx.register)


@pytest.fixture
def page(qtbot, ctx, sample):
    p = MemberPage(ctx)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


@pytest.fixture
def boxes(monkeypatch):
    """Message boxes recorded instead of blocking; the reason typed into the input dialog, in turn."""
    shown: list[str] = []
    reasons: list[str] = []

    def record(_parent, _title, text, *_a, **_k):
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    def get_text(_parent, _title, label, *_a, **_k):
        shown.append(label)
        return reasons.pop(0), True

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, record)
    monkeypatch.setattr(QInputDialog, "getText", get_text)
    return shown, reasons


def _type_chinese(widget: QWidget, text: str) -> None:
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _line(form, name: str) -> QLineEdit:
    w = form.field(name)
    assert isinstance(w, QLineEdit)
    return w


def _names(page: MemberPage) -> list[str]:
    return [page.model.row_at(r).name for r in range(page.model.rowCount())]


def _select(page: MemberPage, member_id: int) -> None:
    assert page.select_member(member_id)


def test_the_form_warns_about_missing_identity_and_saves_anyway(qtbot, ctx, sample):
    dialog = MemberDialog(ctx, org_id=sample.finance_branch)
    qtbot.addWidget(dialog)
    dialog.show()
    warning = dialog.identity_warning
    assert warning.isVisible() and "未填身份证号、性别、出生日期" in warning.text() and "提醒" in warning.text()
    id_box = _line(dialog.basic, "id_number")
    qtbot.keyClicks(id_box, "43010219800501003X"[:17])  # a number gives the other two: typed, the warning goes
    qtbot.keyClicks(id_box, "1")
    assert not warning.isVisible()
    id_box.selectAll()
    qtbot.keyClick(id_box, Qt.Key.Key_Delete)
    dialog.gender_box.set_value(Gender.FEMALE)
    qtbot.keyClicks(_line(dialog.basic, "birth_date"), "1986-04-02")
    assert warning.isVisible() and "未填身份证号。" in warning.text()

    _type_chinese(_line(dialog.basic, "name"), "孙八")
    qtbot.keyClicks(_line(dialog.party, "joined_on"), "2015-06-30")
    qtbot.keyClicks(_line(dialog.party, "full_member_on"), "2016-07-01")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.general_error.text()
    assert dialog.missing == ["身份证号"]
    saved = int(dialog.result_value)  # type: ignore[call-overload]
    found = [a for a in AlertService(ctx.session_factory, today=lambda: SAMPLE_DAY).alerts()
             if a.kind == "member_incomplete"]
    assert [(a.target_id, a.message) for a in found] == [(saved, "中共县财政局机关支部委员会党员孙八的信息不全：缺身份证号")]


def test_an_existing_member_with_a_number_has_no_warning(qtbot, ctx, sample):
    dialog = MemberDialog(ctx, sample.zhang)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.identity_warning.isVisible() and ctx.register.member_input(sample.zhang).id_number == ZHANG_ID


def test_a_mistaken_member_is_deleted_with_the_reason(qtbot, ctx, sample, page, boxes):
    shown, reasons = boxes
    qian = sample.members[2]
    _select(page, qian)
    reasons.append("")  # no reason: refused, still there
    page.act_remove.trigger()
    assert "删除钱七的记录" in shown[-2] and "请填写删除的理由" in shown[-1]
    assert "钱七" in _names(page)
    reasons.append("重复录入，与李四为同一人")
    _select(page, qian)
    page.act_remove.trigger()
    assert "钱七" not in _names(page) and page.model.total() == 4
    assert verify(ctx.session_factory).ok

    _select(page, sample.zhang)  # the 书记: the records name him
    reasons.append("误录")
    page.act_remove.trigger()
    assert "张三已有支委任职记录，不能删除" in shown[-1] and "张三" in _names(page)


@pytest.mark.parametrize(("kind", "note"), [(TransferKind.DECEASED, ""), (TransferKind.EXPELLED, "开除党籍")])
def test_a_member_who_left_is_marked_through_the_dialog(qtbot, ctx, sample, page, kind, note):
    li = sample.members[1]
    _select(page, li)
    failures: list[BaseException] = []

    def leave(dialog: QWidget) -> None:
        assert isinstance(dialog, LeaveDialog)
        dialog.kind_box.set_value(kind)
        assert not dialog.form.field("external_org").isEnabled()
        when = _line(dialog.form, "moved_on")
        when.selectAll()
        qtbot.keyClicks(when, "2026-10-08")
        if note:
            _type_chinese(dialog.form.field("note"), note)
        dialog.accept()
        assert not dialog.isVisible(), dialog.general_error.text()

    on_next_dialog(leave, failures)
    page.act_leave.trigger()
    if failures:
        raise failures[0]
    assert "李四" not in _names(page)
    assert ctx.register.transfers_of(li) == [(dt.date(2026, 10, 8), kind.value, "中共县财政局机关支部委员会", "")]


def test_expelled_needs_the_grounds_under_its_field(qtbot, ctx, sample):
    dialog = LeaveDialog(ctx, sample.members[1])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind_box.set_value(TransferKind.EXPELLED)
    dialog.accept()
    assert dialog.isVisible() and "请填写出党的情形" in dialog.general_error.text() + dialog.form.problem_text("note")
    QDialog.reject(dialog)  # closed as 取消 does, without the unsaved-changes question
