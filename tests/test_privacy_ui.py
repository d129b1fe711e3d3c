"""The member form keeps 身份证号 and phone masked: 考评员 save other changes without ever seeing them,
administrators reveal them (audited) and may then edit them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from sqlalchemy import select
from ui_fixtures import ZHANG_ID, Sample, make_id, seed_register

from app.db import Database
from app.models import AuditEntry, Role
from app.services import accounts
from app.services.accounts import Actor, acting_as
from app.services.register import RegisterService
from app.ui.context import AppContext
from app.ui.register_dialogs import MemberDialog


@pytest.fixture(autouse=True)
def nobody_logged_in() -> Iterator[None]:
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture
def ctx(paths, db: Database) -> AppContext:
    return AppContext(paths, db)


@pytest.fixture
def sample(db: Database) -> Sample:
    return seed_register(RegisterService(db.session_factory))


def reveals(db: Database) -> list[AuditEntry]:
    with db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "查看个人信息")))


def test_assessor_sees_masked_values_cannot_reveal_and_saving_keeps_them(qtbot, ctx: AppContext, db: Database,
                                                                          sample: Sample) -> None:
    with acting_as(Actor(2, "li", "李考评", Role.ASSESSOR)):
        dialog = MemberDialog(ctx, sample.zhang)
        qtbot.addWidget(dialog)
        id_box, phone_box = dialog.basic.field("id_number"), dialog.basic.field("phone")
        assert isinstance(id_box, QLineEdit) and isinstance(phone_box, QLineEdit)
        assert ZHANG_ID not in id_box.text() and "*" in id_box.text() and id_box.isReadOnly()
        assert phone_box.text() != "13912345678" and "*" in phone_box.text()
        # The full birth date would narrow the masked number to a few dozen candidates: the month only.
        birth_box = dialog.basic.field("birth_date")
        assert isinstance(birth_box, QLineEdit)
        assert birth_box.text() == "1980年5月" and birth_box.isReadOnly()
        assert not any(action.isVisible() for action in birth_box.actions())  # no calendar to read it from
        assert dialog.findChild(QLabel, "hint_birth_date").isHidden()  # "留空则取自身份证号" asks for an edit
        assert dialog.personal is not None and not dialog.personal.button.isEnabled()
        position = dialog.basic.field("position")
        assert isinstance(position, QLineEdit)
        position.setText("办公室主任")
        dialog.accept()
        assert not dialog.isVisible() or dialog.result()
    saved = ctx.register.member_input(sample.zhang)
    assert (saved.id_number, saved.phone, saved.position) == (ZHANG_ID, "13912345678", "办公室主任")
    assert saved.birth_date == dt.date(1980, 5, 1)
    assert reveals(db) == []


def test_administrator_reveals_in_the_form_and_it_is_audited(qtbot, ctx: AppContext, db: Database,
                                                             sample: Sample) -> None:
    with acting_as(Actor(1, "admin", "王管理", Role.ADMIN)):
        dialog = MemberDialog(ctx, sample.zhang)
        qtbot.addWidget(dialog)
        assert dialog.personal is not None and dialog.personal.button.isEnabled()
        dialog.personal.button.click()
        id_box = dialog.basic.field("id_number")
        assert isinstance(id_box, QLineEdit) and id_box.text() == ZHANG_ID and not id_box.isReadOnly()
        birth_box = dialog.basic.field("birth_date")
        assert isinstance(birth_box, QLineEdit)
        assert birth_box.text() == "1980-05-01" and not birth_box.isReadOnly()
        assert not dialog.findChild(QLabel, "hint_birth_date").isHidden()
        birth_box.setText("1980-05-02")  # corrected after the reveal, and the number with it
        id_box.setText(make_id("430102", dt.date(1980, 5, 2), 11))
        dialog.accept()
    saved = ctx.register.member_input(sample.zhang)
    assert saved.birth_date == dt.date(1980, 5, 2) and saved.id_number == make_id("430102", dt.date(1980, 5, 2), 11)
    [entry] = reveals(db)
    assert (entry.who, entry.entity_id) == ("王管理（admin）", sample.zhang)


def test_a_new_member_form_has_plain_fields(qtbot, ctx: AppContext, sample: Sample) -> None:
    dialog = MemberDialog(ctx, org_id=sample.finance_branch)
    qtbot.addWidget(dialog)
    assert dialog.personal is None and not dialog.basic.field("id_number").isReadOnly()  # type: ignore[attr-defined]


def test_full_export_is_offered_to_administrators_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.ui.accounts.privacy import ask_full_export

    asked: list[str] = []

    def answer(_parent, _title, text, *_args):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert ask_full_export(None) is False  # no accounts: masked, as before
    with acting_as(Actor(2, "li", "李考评", Role.ASSESSOR)):
        assert ask_full_export(None) is False
    assert asked == []
    with acting_as(Actor(1, "admin", "王管理", Role.ADMIN)):
        assert ask_full_export(None) is True
    assert len(asked) == 1 and "完整的身份证号" in asked[0]
