"""For administrators: the users dialog (add, role, reset password, disable/enable, delete) and the audit
viewer with filters (who, what, when).  The services refuse other roles whatever the UI shows."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.db import SessionFactory
from app.errors import DangjianError
from app.models import Role
from app.services.accounts import AccountService, AuditFilter, audit_actions, audit_lines
from app.services.register_audit import readable_entity, readable_field, readable_value, shown_time
from app.ui.accounts.login import _FormDialog
from app.ui.errors import show_error
from app.ui.itemmodels import RowsTableModel
from app.ui.keyboard import follow_layout
from app.ui.tables import make_list

USER_HEADERS = ["用户名", "姓名", "角色", "状态", "最近登录"]
AUDIT_HEADERS = ["序号", "时间", "谁", "操作", "对象", "编号", "字段", "原值", "新值", "理由"]


def _table(model: RowsTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    return view


class AddUserDialog(_FormDialog):
    def __init__(self, service: AccountService, parent: QWidget | None = None) -> None:
        super().__init__("添加用户", "考评员可以录入和修改名册、组织生活、评分和文档；查阅只能查看；单位填报员只能"
                         "查看和填报所属单位的自评、组织生活记录和整改进展。", parent)
        self.service = service
        self.username = self.field("username", "用户名(&U)：")
        self.display_name = self.field("display_name", "姓名(&N)：")
        self.role = QComboBox()
        self.role.setObjectName("role")
        self.role.addItems([r.value for r in (Role.ASSESSOR, Role.VIEWER, Role.UNIT_REPORTER, Role.ADMIN)])
        self.form.addRow("角色(&R)：", self.role)
        self.unit = unit_choice(service)
        self.form.addRow("所属单位(&W)：", self.unit)
        self.role.currentTextChanged.connect(self._role_changed)
        self._role_changed(self.role.currentText())
        self.password = self.field("password", "初始密码(&P)：", secret=True)
        self.rules_label = self.rules(service.password_rules())

    def _role_changed(self, role: str) -> None:
        """Only a 单位填报员 is bound to a unit: the choice is offered for that role alone."""
        self.unit.setEnabled(role == Role.UNIT_REPORTER.value)

    def attempt(self) -> None:
        unit = self.unit.currentData() if self.role.currentText() == Role.UNIT_REPORTER.value else None
        self.service.add_user(self.username.text(), self.display_name.text(), self.role.currentText(),
                              self.password.text(), unit=unit)


def unit_choice(service: AccountService) -> QComboBox:
    """The units of the register, a 单位填报员's unit chosen from them (first entry: none chosen yet)."""
    box = QComboBox()
    box.setObjectName("unit")
    box.addItem("（请选择单位）", None)
    for unit_id, name in service.units():
        box.addItem(name, unit_id)
    return box


class UsersDialog(QDialog):
    def __init__(self, session_factory: SessionFactory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("用户管理")
        self.resize(640, 380)
        self.service = AccountService(session_factory)
        self.model = RowsTableModel(USER_HEADERS, parent=self)
        self.view = _table(self.model)
        self.view.setObjectName("users")
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        for text, slot in (("添加(&A)…", self.add), ("改角色(&R)…", self.change_role),
                           ("重设密码(&P)…", self.reset_password), ("停用/启用(&D)", self.toggle_active),
                           ("删除(&X)", self.delete)):
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, s=slot: s())
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        follow_layout(self)
        self.reload()

    def reload(self) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        users = self.service.users()
        rows = [[u.username, u.display_name, u.role_text,
                 "停用" if not u.active else ("锁定中" if u.locked_until and u.locked_until > now else "正常"),
                 f"{u.last_login_at.astimezone():%Y-%m-%d %H:%M}" if u.last_login_at else "从未登录"] for u in users]
        self.model.set_rows(rows, [u.username for u in users])

    def selected(self) -> str | None:
        index = self.view.currentIndex()
        name = self.model.key(index.row()) if index.isValid() else None
        if name is None:
            QMessageBox.information(self, "用户管理", "请先选择一个用户")
        return name

    def _do(self, action: str, work: object) -> None:
        try:
            work()  # type: ignore[operator]
        except DangjianError as exc:
            show_error(self, exc, f"{action}未完成")
        self.reload()

    def add(self) -> None:
        if AddUserDialog(self.service, self).exec() == QDialog.DialogCode.Accepted:
            self.reload()

    def change_role(self) -> None:
        name = self.selected()
        if name is None:
            return
        roles = [r.value for r in Role]
        role, ok = QInputDialog.getItem(self, "改角色", f"“{name}”的新角色：", roles, 0, False)
        if not ok:
            return
        unit: str | None = None
        if role == Role.UNIT_REPORTER.value:  # the role needs its unit: asked for at once
            units = [n for _i, n in self.service.units()]
            if not units:
                QMessageBox.information(self, "改角色", "名册中还没有单位，不能设为单位填报员")
                return
            unit, ok = QInputDialog.getItem(self, "改角色", f"“{name}”所属的单位：", units, 0, False)
            if not ok:
                return
        self._do("改角色", lambda: self.service.set_role(name, role, unit=unit))

    def reset_password(self) -> None:
        name = self.selected()
        if name is None:
            return
        password, ok = QInputDialog.getText(self, "重设密码", f"{self.service.password_rules()}。\n\n“{name}”的新密码：",
                                            QLineEdit.EchoMode.Password)
        if ok:
            self._do("重设密码", lambda: self.service.reset_password(name, password))

    def toggle_active(self) -> None:
        name = self.selected()
        if name is None:
            return
        active = next(u.active for u in self.service.users() if u.username == name)
        self._do("停用" if active else "启用", lambda: self.service.set_active(name, not active))

    def delete(self) -> None:
        name = self.selected()
        if name is None:
            return
        answer = QMessageBox.question(self, "删除用户", f"删除用户“{name}”？审计日志中的记录会保留。")
        if answer == QMessageBox.StandardButton.Yes:
            self._do("删除", lambda: self.service.delete_user(name))


class AuditDialog(QDialog):
    """The newest entries of the audit trail, filtered by who, what and when."""

    def __init__(self, session_factory: SessionFactory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("审计日志")
        self.resize(1000, 560)
        self._sf = session_factory
        self.who = QLineEdit()
        self.who.setObjectName("who")
        self.who.setPlaceholderText("姓名或用户名的一部分")
        self.action = QComboBox()
        self.action.setObjectName("action")
        self.action.addItems(["（全部）", *audit_actions(session_factory)])
        day = clock.today()
        today = QDate(day.year, day.month, day.day)
        self.use_dates = QCheckBox("日期从")
        self.since = QDateEdit(today.addMonths(-1))
        self.until = QDateEdit(today)
        self.since.setObjectName("since")
        self.until.setObjectName("until")
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        search = QPushButton("查询(&Q)")
        search.clicked.connect(self.reload)
        top = QHBoxLayout()
        for w in (QLabel("谁："), self.who, QLabel("操作："), self.action, self.use_dates, self.since, QLabel("至"),
                  self.until, search):
            top.addWidget(w)
        self.model = RowsTableModel(AUDIT_HEADERS, parent=self)
        self.view = _table(self.model)
        self.view.setObjectName("audit")
        make_list(self.view, [search], title="审计日志")
        self.count = QLabel("")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view)
        layout.addWidget(self.count)
        follow_layout(self)
        self.reload()

    def current_filter(self) -> AuditFilter:
        action = self.action.currentText() if self.action.currentIndex() > 0 else ""
        since = self.since.date().toPython() if self.use_dates.isChecked() else None
        until = self.until.date().toPython() if self.use_dates.isChecked() else None
        return AuditFilter(self.who.text(), action, since, until)  # type: ignore[arg-type]

    def reload(self) -> None:
        try:
            lines = audit_lines(self._sf, self.current_filter())
        except DangjianError as exc:
            show_error(self, exc, "无法查看审计日志")
            return
        # Entities and columns in Chinese, a record's snapshot as 名称：值 pairs, a personal number's digest never.
        self.model.set_rows([[e.seq, shown_time(e.at), e.who, e.action, readable_entity(e.entity),
                              e.entity_id, readable_field(e.entity, e.field), readable_value(e.entity, e.field, e.old),
                              readable_value(e.entity, e.field, e.new), e.reason] for e in lines])
        self.count.setText(f"共{len(lines)}条（最多显示最近{AuditFilter().limit}条）")
