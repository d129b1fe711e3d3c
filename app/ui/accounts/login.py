"""The login at start-up, the first administrator, password changes and the idle lock.

The logged-in user is set once for the process (app.services.accounts.set_current); the services then refuse
what the role may not do and the audit trail records that user as "who"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import DangjianError, ValidationError
from app.models import Role
from app.paths import AppPaths
from app.services import accounts
from app.services.accounts import AccountService, Actor
from app.services.county_names import register_is_empty
from app.ui.keyboard import follow_layout
from app.ui.remembered import last_user, remember_user
from app.ui.setup_wizard import Started, is_practice, run_first_start

SessionFactory = Callable[..., object]


class _FormDialog(QDialog):
    """Fields in a form, a red line for the refusal, OK/Cancel; `attempt()` does the work or raises."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            layout.addWidget(text)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.problem = QLabel("")
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.keyboard = follow_layout(self)  # the first field focused, Tab in the order shown

    def field(self, name: str, label: str, secret: bool = False, text: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setObjectName(name)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(label, edit)
        return edit

    def rules(self, text: str) -> QLabel:
        """The password rules under the fields, shown before anything is typed."""
        label = QLabel(text)
        label.setObjectName("rules")
        label.setWordWrap(True)
        label.setStyleSheet("color: #555555;")
        box = self.layout()
        assert isinstance(box, QVBoxLayout)
        box.insertWidget(box.indexOf(self.problem), label)  # a row of its own: a form row clips wrapped text
        return label

    def attempt(self) -> None:
        raise DangjianError("未定义的操作")

    def _ok(self) -> None:
        try:
            self.attempt()
        except DangjianError as exc:
            self.problem.setText(exc.message)
            return
        self.accept()


class FirstAdminDialog(_FormDialog):
    def __init__(self, service: AccountService, parent: QWidget | None = None) -> None:
        super().__init__("创建管理员账户", "第一次使用：请创建管理员账户。管理员可以管理其他用户、重新开放已锁定的"
                         "考评期、查看完整的身份证号。请牢记密码，忘记后只能由其他管理员重设。", parent)
        self.service = service
        self.actor: Actor | None = None
        self.username = self.field("username", "用户名(&U)：", text="admin")
        self.display_name = self.field("display_name", "姓名(&N)：")
        self.password = self.field("password", "密码(&P)：", secret=True)
        self.again = self.field("again", "再次输入密码(&A)：", secret=True)
        self.rules_label = self.rules(service.password_rules())

    def attempt(self) -> None:
        if self.password.text() != self.again.text():
            raise ValidationError("两次输入的密码不一致", field="again")
        self.actor = self.service.create_first_admin(self.username.text(), self.display_name.text(),
                                                     self.password.text())


class LoginDialog(_FormDialog):
    def __init__(self, service: AccountService, parent: QWidget | None = None, username: str = "",
                 intro: str = "请登录。") -> None:
        super().__init__("登录", intro, parent)
        self.service = service
        self.actor: Actor | None = None
        self.username = self.field("username", "用户名(&U)：", text=username)
        self.password = self.field("password", "密码(&P)：", secret=True)
        if username:
            self.keyboard.first = self.password

    def attempt(self) -> None:
        self.actor = self.service.authenticate(self.username.text(), self.password.text())
        self.password.clear()

    def _ok(self) -> None:
        super()._ok()
        self.password.clear()


class ChangePasswordDialog(_FormDialog):
    def __init__(self, service: AccountService, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("修改密码", f"修改“{actor.who}”的密码。", parent)
        self.service, self.actor = service, actor
        self.old = self.field("old_password", "原密码(&O)：", secret=True)
        self.new = self.field("new_password", "新密码(&N)：", secret=True)
        self.again = self.field("again", "再次输入新密码(&A)：", secret=True)
        self.rules_label = self.rules(service.password_rules())

    def attempt(self) -> None:
        if self.new.text() != self.again.text():
            raise ValidationError("两次输入的新密码不一致", field="again")
        self.service.change_password(self.actor.username, self.old.text(), self.new.text())


def log_in_at_start(session_factory: Callable[[], Session], paths: AppPaths | None = None,
                    parent: QWidget | None = None) -> Started | None:
    """First start on an empty database: the set-up wizard (names, administrator, how to begin); a county with
    data but no account yet: the first administrator; else the login.  The practice county (its own folder) opens
    without one.  None when the user cancels (the app then closes).  The actor is also set as the process's
    current user."""
    service = AccountService(session_factory)
    if not service.has_users():
        if paths is not None and is_practice(paths):
            return Started(None)
        if paths is not None and register_is_empty(session_factory):
            return run_first_start(session_factory, paths, parent)
        first = FirstAdminDialog(service, parent)
        if first.exec() != QDialog.DialogCode.Accepted or first.actor is None:
            return None
        accounts.set_current(first.actor)
        return Started(first.actor)
    login = LoginDialog(service, parent, username=last_user())
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return None
    accounts.set_current(login.actor)
    remember_user(login.actor.username)
    return Started(login.actor)


# Events that mean someone is at the keyboard (mouse moves too: reading a long list is use).
_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
})


class IdleLock(QObject):
    """Locks the app after the configured idle minutes: the window is hidden behind a login dialog until the
    same user (or another one, who then becomes the current user) logs in again; cancelling quits."""

    locked = Signal()
    unlocked = Signal(object)  # the Actor now logged in

    def __init__(self, service: AccountService, window: QWidget, minutes: int,
                 relogin: Callable[[LoginDialog], int] | None = None) -> None:
        super().__init__(window)
        self.service, self.window = service, window
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.lock)
        self._relogin = relogin or (lambda dialog: dialog.exec())
        self._locked = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.start()

    def _cover(self) -> QLabel:
        """An opaque sheet over the whole window, outside any layout (hiding the window would drop it from the
        task bar, hiding its pages would re-lay it out)."""
        cover = QLabel("程序已锁定，请重新登录", self.window)
        cover.setObjectName("idle_cover")
        cover.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cover.setAutoFillBackground(True)
        cover.setStyleSheet("background: #f0f0f0; color: #666; font-size: 18px;")
        cover.setGeometry(self.window.rect())
        cover.raise_()
        cover.show()
        return cover

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if not self._locked and event.type() in _INPUT_EVENTS:
            self.timer.start()  # restarts: idle time counts from the last input
        return False

    def lock(self) -> None:
        if self._locked or not self.window.isVisible():  # a closed window has nothing left to protect
            return
        self._locked = True
        self.locked.emit()
        actor = accounts.current()
        cover = self._cover()  # nothing personal on screen while nobody is there
        dialog = LoginDialog(self.service, None, actor.username if actor else "",
                             f"已超过{self.timer.interval() // 60_000}分钟无操作，程序已锁定。请重新登录。")
        dialog.setObjectName("idle_login")
        accepted = self._relogin(dialog) == QDialog.DialogCode.Accepted and dialog.actor is not None
        self._locked = False
        if not accepted:
            accounts.set_current(None)
            self.window.close()
            return
        if _bound(actor) != _bound(dialog.actor):  # the window's areas were chosen for the account before
            accounts.set_current(None)
            QMessageBox.information(None, "重新登录", "该账户的角色或所属单位与锁定前的账户不同，请重新启动程序后登录")
            self.window.close()
            return
        accounts.set_current(dialog.actor)
        cover.hide()
        cover.deleteLater()
        self.timer.start()
        self.unlocked.emit(dialog.actor)


def _bound(actor: Actor | None) -> int | None:
    """The unit a 单位填报员's window is limited to (None: the full window)."""
    return actor.unit_id if actor is not None and actor.role == Role.UNIT_REPORTER else None


def idle_minutes(read: Callable[[S.SettingDef], object]) -> int:
    value = read(S.IDLE_LOCK_MINUTES)
    return int(value) if isinstance(value, int) else int(str(value))
