"""Accounts in the GUI: first administrator, login with refusals in the dialog, the idle lock driven with qtbot,
the 账户 menu by role, the users dialog and the audit viewer's filters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow

from app.db import Database
from app.models import Role
from app.services import accounts
from app.services.accounts import AccountService, acting_as
from app.ui.accounts.admin import AddUserDialog, AuditDialog, UsersDialog
from app.ui.accounts.login import ChangePasswordDialog, FirstAdminDialog, IdleLock, LoginDialog
from app.ui.accounts.session import AccountSession
from app.ui.context import AppContext

PW = "Secret-pass-26"

# The offscreen platform's note on any shown QMainWindow with a central widget (as in the other UI tests).
pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
              pytest.mark.usefixtures("cheap_hashes")]


@pytest.fixture
def service(db: Database) -> AccountService:
    return AccountService(db.session_factory)


@pytest.fixture
def admin(service: AccountService):
    return service.create_first_admin("admin", "王管理", PW)


def test_first_admin_dialog_refuses_mismatch_then_creates(qtbot, service: AccountService) -> None:
    dialog = FirstAdminDialog(service)
    qtbot.addWidget(dialog)
    dialog.display_name.setText("王管理")
    dialog.password.setText(PW)
    dialog.again.setText("other")
    dialog.buttons.accepted.emit()
    assert dialog.problem.text() == "两次输入的密码不一致" and dialog.result() != QDialog.DialogCode.Accepted
    dialog.again.setText(PW)
    dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.role == Role.ADMIN and service.has_users()


def test_login_dialog_shows_the_refusal_and_clears_the_password(qtbot, service: AccountService, admin) -> None:
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText("wrong")
    dialog.buttons.accepted.emit()
    assert "用户名或密码错误" in dialog.problem.text() and dialog.password.text() == ""
    dialog.password.setText(PW)
    dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.actor == admin


def _fill(username: str, password: str):
    def answer(dialog: LoginDialog) -> int:
        assert dialog.username.text() == username  # prefilled with whoever was logged in
        dialog.password.setText(password)
        dialog.buttons.accepted.emit()
        return dialog.result()

    return answer


def test_idle_lock_hides_the_window_until_the_user_logs_in_again(qtbot, service: AccountService, admin) -> None:
    accounts.set_current(admin)
    window = QMainWindow()
    window.setCentralWidget(QLabel("党员名册"))
    qtbot.addWidget(window)
    window.show()
    seen: list[bool] = []

    def relogin(dialog: LoginDialog) -> int:
        cover = window.findChild(QLabel, "idle_cover")
        seen.append(cover is not None and cover.isVisible() and cover.geometry() == window.rect())
        return _fill("admin", PW)(dialog)

    lock = IdleLock(service, window, 15, relogin=relogin)
    assert lock.timer.interval() == 15 * 60_000
    lock.timer.setInterval(30)
    lock.timer.start()
    with qtbot.waitSignal(lock.unlocked, timeout=2000) as unlocked:
        pass
    assert seen == [True] and unlocked.args == [admin]
    assert not any(c.isVisible() for c in window.findChildren(QLabel, "idle_cover"))
    assert accounts.current() == admin and lock.timer.isActive()
    lock.timer.stop()


def test_input_restarts_the_idle_timer(qtbot, service: AccountService, admin) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(service, window, 15, relogin=lambda d: pytest.fail("locked although in use"))
    lock.timer.setInterval(200)
    lock.timer.start()
    for _ in range(4):
        qtbot.wait(100)
        QApplication.sendEvent(window, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier))
    assert lock.timer.isActive() and lock.timer.remainingTime() > 100
    lock.timer.stop()


def test_cancelled_relogin_closes_the_window_and_logs_out(qtbot, service: AccountService, admin) -> None:
    accounts.set_current(admin)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(service, window, 15, relogin=lambda dialog: QDialog.DialogCode.Rejected)
    with qtbot.waitSignal(lock.locked, timeout=1000):
        lock.lock()
    assert not window.isVisible() and accounts.current() is None


def test_first_admin_dialog_says_the_rules_before_typing_and_refuses_weak_ones(qtbot, service: AccountService) -> None:
    dialog = FirstAdminDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    rules = dialog.findChild(QLabel, "rules")
    assert rules is not None and rules.isVisible()
    assert rules.text().startswith("密码至少8个字符，不能是常见密码") and "用户名相同" in rules.text()
    for weak, problem in (("1234567", "至少需要8个字符"), ("12345678", "常见密码"), ("woaini1314", "常见密码"),
                          ("admin2026", "用户名")):
        dialog.password.setText(weak)
        dialog.again.setText(weak)
        dialog.buttons.accepted.emit()
        assert problem in dialog.problem.text() and dialog.result() != QDialog.DialogCode.Accepted
    assert not service.has_users()


def test_change_password_dialog_says_the_rules_and_refuses_a_common_password(qtbot, service: AccountService,
                                                                            admin) -> None:
    dialog = ChangePasswordDialog(service, admin)
    qtbot.addWidget(dialog)
    assert dialog.rules_label.text() == service.password_rules()
    dialog.old.setText(PW)
    dialog.new.setText("password1")
    dialog.again.setText("password1")
    dialog.buttons.accepted.emit()
    assert "常见密码" in dialog.problem.text() and dialog.result() != QDialog.DialogCode.Accepted
    assert service.authenticate("admin", PW) == admin


def test_change_password_dialog(qtbot, service: AccountService, admin) -> None:
    dialog = ChangePasswordDialog(service, admin)
    qtbot.addWidget(dialog)
    dialog.old.setText("wrong")
    dialog.new.setText("new password")
    dialog.again.setText("new password")
    dialog.buttons.accepted.emit()
    assert dialog.problem.text() == "原密码不正确"
    dialog.old.setText(PW)
    dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert service.authenticate("admin", "new password") == admin


@pytest.fixture
def ctx(paths, db: Database) -> Iterator[AppContext]:
    context = AppContext(paths, db)
    yield context


@pytest.mark.parametrize("role,admin_items", [(Role.ADMIN, True), (Role.ASSESSOR, False), (Role.VIEWER, False)])
def test_account_menu_by_role(qtbot, ctx: AppContext, service: AccountService, admin, role: Role,
                              admin_items: bool) -> None:
    if role != Role.ADMIN:
        with acting_as(admin):
            service.add_user("li", "李", role, PW)
    accounts.set_current(service.authenticate("admin" if role == Role.ADMIN else "li", PW))
    window = QMainWindow()
    qtbot.addWidget(window)
    session = AccountSession(ctx, window)
    assert session.act_users.isVisible() == admin_items and session.act_audit.isVisible() == admin_items
    assert role.value in session.who.text() and session.act_password.isEnabled()
    session.idle.timer.stop()


def test_users_dialog_adds_a_user_and_refuses_removing_the_last_admin(qtbot, ctx: AppContext,
                                                                      service: AccountService, admin,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    accounts.set_current(admin)
    dialog = UsersDialog(ctx.session_factory)
    qtbot.addWidget(dialog)
    add = AddUserDialog(dialog.service, dialog)
    qtbot.addWidget(add)
    add.username.setText("li")
    add.display_name.setText("李考评")
    assert add.rules_label.text() == dialog.service.password_rules()  # said before the password is typed
    add.password.setText("short")
    add.buttons.accepted.emit()
    assert "密码至少需要8个字符" in add.problem.text()
    add.password.setText("li123456")
    add.buttons.accepted.emit()
    assert "用户名" in add.problem.text()
    add.password.setText("qwertyuiop")
    add.buttons.accepted.emit()
    assert "常见密码" in add.problem.text()
    add.password.setText(PW)
    add.buttons.accepted.emit()
    dialog.reload()
    assert [dialog.model.key(r) for r in range(dialog.model.rowCount())] == ["admin", "li"]
    shown: list[str] = []
    monkeypatch.setattr("app.ui.accounts.admin.show_error", lambda _p, exc, _t="": shown.append(str(exc)))
    dialog.view.selectRow(0)
    dialog.toggle_active()
    assert shown and "最后一个管理员" in shown[0]


def test_audit_viewer_filters_by_who_and_action(qtbot, ctx: AppContext, service: AccountService, admin) -> None:
    with pytest.raises(accounts.LoginFailed):
        service.authenticate("admin", "wrong")
    service.authenticate("admin", PW)
    accounts.set_current(admin)
    dialog = AuditDialog(ctx.session_factory)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 3  # created, failed login, login
    dialog.action.setCurrentText("登录失败")
    dialog.reload()
    assert dialog.model.rowCount() == 1
    dialog.action.setCurrentIndex(0)
    dialog.who.setText("nobody")
    dialog.reload()
    assert dialog.model.rowCount() == 0
    dialog.who.setText("王管理")
    dialog.use_dates.setChecked(True)
    dialog.reload()
    assert dialog.model.rowCount() == 2


def test_audit_viewer_refuses_other_roles(service: AccountService, db: Database, admin) -> None:
    with acting_as(admin):
        service.add_user("li", "李", Role.ASSESSOR, PW)
    with acting_as(service.authenticate("li", PW)), pytest.raises(accounts.PermissionDenied, match="无权查看审计日志"):
        accounts.audit_lines(db.session_factory, accounts.AuditFilter())


def test_a_restore_is_audited_and_asks_for_the_login_again(qtbot, ctx: AppContext, service: AccountService,
                                                           admin, db: Database) -> None:
    from sqlalchemy import select

    from app.models import AuditEntry

    accounts.set_current(admin)
    window = QMainWindow()
    qtbot.addWidget(window)
    session = AccountSession(ctx, window)
    window.show()
    asked: list[str] = []
    session.idle._relogin = lambda dialog: (asked.append(dialog.username.text()), _fill("admin", PW)(dialog))[1]
    ctx.reset.emit()
    assert asked == ["admin"] and window.isVisible()
    with db.session_factory() as s:
        actions = [(e.action, e.who) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert ("恢复", "王管理（admin）") in actions and actions[-1][0] == "登录"
    session.idle.timer.stop()
