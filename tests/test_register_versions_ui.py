"""The register's forms and another client's save: the refusal shows under the form, and 重新载入 opens the
record as it is now in a fresh form in place of the stale one."""

from __future__ import annotations

import frozen
import pytest
from PySide6.QtWidgets import QDialog, QLineEdit
from ui_fixtures import seed_register

from app.services.register import RegisterService
from app.ui import register_dialogs
from app.ui.context import AppContext
from app.ui.register_dialogs import MemberDialog, UnitDialog


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db)


@pytest.fixture
def sample(ctx):
    return seed_register(ctx.register)


@pytest.fixture
def other(second_db):
    """Another client of the same database."""
    return RegisterService(second_db.session_factory, today=frozen.today)


def _line(dialog, form, name: str) -> QLineEdit:
    w = form.field(name)
    assert isinstance(w, QLineEdit)
    return w


def test_a_stale_member_form_is_refused_and_keeps_what_was_typed(qtbot, ctx, sample, other, monkeypatch):
    monkeypatch.setattr(register_dialogs, "ask_reload", lambda _parent, _message: False)
    dialog = MemberDialog(ctx, sample.zhang)
    qtbot.addWidget(dialog)
    changed = other.member_input(sample.zhang)
    changed.position = "副局长"
    other.save_member(changed, sample.zhang)
    _line(dialog, dialog.basic, "position").setText("科员")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "党员“张三”在您打开后已被他人修改" in dialog.general_error.text()
    assert not dialog.general_error.isHidden()
    assert _line(dialog, dialog.basic, "position").text() == "科员"  # kept for the user to compare
    assert ctx.register.member_input(sample.zhang).position == "副局长"


def test_reload_opens_the_record_as_it_is_now(qtbot, ctx, sample, other, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(register_dialogs, "ask_reload", lambda _parent, message: asked.append(message) or True)
    fresh: list[UnitDialog] = []

    def exec_fresh(self):  # the fresh form: the user saves it at once
        fresh.append(self)
        self.accept()
        return int(self.result())

    monkeypatch.setattr(UnitDialog, "exec", exec_fresh)
    dialog = UnitDialog(ctx, sample.finance)
    qtbot.addWidget(dialog)
    changed = other.unit_input(sample.finance)
    changed.contact_person = "赵六"
    other.save_unit(changed, sample.finance)
    _line(dialog, dialog.form, "short_name").setText("财政")
    dialog.accept()
    assert asked and "单位“县财政局”在您打开后已被他人修改" in asked[0]
    qtbot.waitUntil(lambda: bool(fresh))
    assert _line(fresh[0], fresh[0].form, "contact_person").text() == "赵六"  # read again
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.result_value == sample.finance
    assert ctx.register.unit_input(sample.finance).contact_person == "赵六"


def test_a_member_form_open_across_a_transfer_is_refused(qtbot, ctx, sample, other, monkeypatch):
    """Another client moves the member (组织关系转接) while the form is open: the form's save would put the
    member back into the old organisation, so it is refused like any other change in between."""
    monkeypatch.setattr(register_dialogs, "ask_reload", lambda _parent, _message: False)
    dialog = MemberDialog(ctx, sample.zhang)
    qtbot.addWidget(dialog)
    other.transfer_member(sample.zhang, frozen.today(), sample.edu_branch)
    _line(dialog, dialog.basic, "position").setText("科员")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "办理了组织关系转接（县内转接）" in dialog.general_error.text()
    now = ctx.register.member_input(sample.zhang)
    assert now.org_id == sample.edu_branch and now.position != "科员"
