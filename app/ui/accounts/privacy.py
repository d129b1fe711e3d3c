"""身份证号, phone and birth date in the member form: masked until someone allowed to see them asks, which is
audited.

While masked the fields are read-only and the stored values are kept on saving; after a reveal they are ordinary
editable fields.  A role that may not reveal (考评员, 查阅) never has the full values on screen.  The birth date
is masked with the number because the two together rebuild it: the masked 身份证号 leaves its birth-date digits
and sequence hidden, and a full birth date beside it would narrow a thousand candidates to a few dozen (the
member list shows the month only for the same reason, see idcard.mask_id)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QPushButton, QWidget

from app.errors import DangjianError
from app.services import accounts
from app.services.accounts import Permission, reveal_member
from app.services.idcard import mask_id, mask_phone, month_text
from app.ui.errors import show_error
from app.ui.forms import DateEdit, Form


class PersonalFields:
    def __init__(self, form: Form, session_factory: Callable[[], object], member_id: int, id_number: str,
                 phone: str, birth_date: dt.date | None) -> None:
        self._sf, self.member_id = session_factory, member_id
        self._stored = {"id_number": id_number, "phone": phone}
        self._stored_birth = birth_date
        self._form = form
        self.id_edit = form.field("id_number")
        self.phone_edit = form.field("phone")
        self.birth_edit = form.field("birth_date")
        assert isinstance(self.id_edit, QLineEdit) and isinstance(self.phone_edit, QLineEdit)
        assert isinstance(self.birth_edit, DateEdit)
        self.revealed = False
        self.id_edit.setText(mask_id(id_number))
        self.phone_edit.setText(mask_phone(phone))
        self.birth_edit.setText(month_text(birth_date))
        for edit in (self.id_edit, self.phone_edit, self.birth_edit):
            edit.setReadOnly(True)
        self._set_calendar(False)
        self.button = QPushButton("显示完整的身份证号、电话和出生日期")
        self.button.setObjectName("reveal_personal")
        self.button.clicked.connect(self.reveal)
        allowed = accounts.allowed(Permission.REVEAL)
        self.button.setEnabled(allowed)
        form.add("reveal", "个人信息", self.button,
                 "查看会记入审计日志" if allowed else "只有管理员可以查看和修改完整的身份证号和电话")

    def reveal(self) -> None:
        try:
            id_number, phone = reveal_member(self._sf, self.member_id, "在党员信息表单中查看")  # type: ignore[arg-type]
        except DangjianError as exc:
            show_error(self.button, exc, "无法查看")
            return
        assert isinstance(self.id_edit, QLineEdit) and isinstance(self.phone_edit, QLineEdit)
        assert isinstance(self.birth_edit, DateEdit)
        self.id_edit.setText(id_number)
        self.phone_edit.setText(phone)
        self.birth_edit.set_date(self._stored_birth)
        for edit in (self.id_edit, self.phone_edit, self.birth_edit):
            edit.setReadOnly(False)
        self._set_calendar(True)
        self.revealed = True
        self.button.setEnabled(False)

    def value(self, name: str, shown: str) -> str:
        """What to save for `name`: the field's text once revealed, else the stored value unchanged."""
        return shown if self.revealed else self._stored[name]

    def birth_date(self) -> dt.date | None:
        """The birth date to save: the one typed once revealed, else the stored one unchanged."""
        assert isinstance(self.birth_edit, DateEdit)
        return self.birth_edit.date() if self.revealed else self._stored_birth

    def _set_calendar(self, usable: bool) -> None:
        """The calendar button, and the hint about filling the date in, only where the date may be edited."""
        for action in self.birth_edit.actions():
            action.setVisible(usable)
        hint = self._form.findChild(QLabel, "hint_birth_date")
        if hint is not None:
            hint.setVisible(usable)


def ask_full_export(parent: QWidget | None) -> bool:
    """For a logged-in administrator: export full 身份证号 and phone this time?  (Default no; audited either
    way by the export.)  Without accounts, or for other roles, exports stay masked without asking."""
    actor = accounts.current()
    if actor is None or not actor.can(Permission.EXPORT_REVEAL):
        return False
    answer = QMessageBox.question(
        parent, "导出到 Excel", "是否在本次导出中包含完整的身份证号和电话？\n\n选择“否”则打码导出（推荐）。"
        "完整导出会记入审计日志，文件请妥善保管。",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
