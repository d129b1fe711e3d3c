"""The database connection in the GUI: the password dialog at start-up when a server refuses the login, and the
“数据库连接” tab of the settings page (this workstation's choice between its own file and a server, saved in the
data directory's connection file, never with a password; app.connection does the work)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import URL

from app import connection as C
from app.errors import DangjianError
from app.failures import explain
from app.services import accounts
from app.services.accounts import Permission
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.forms import ERROR_COLOUR
from app.ui.keyboard import follow_layout

log = logging.getLogger(__name__)

OK_COLOUR = "#2e7d32"


class PasswordDialog(QDialog):
    """The server at `location` refused the login (`problem`): the password, and “记住密码” with a keyring."""

    def __init__(self, location: str, problem: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登录数据库服务器")
        self.setMinimumWidth(420)
        self.intro = QLabel(f"{problem}\n\n请输入数据库服务器 {location} 的密码：")
        self.intro.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("server_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("记住密码（保存在本机系统的密钥环中）")
        self.remember.setVisible(C.keyring_available())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        for w in (self.intro, self.password, self.remember, buttons):
            col.addWidget(w)
        follow_layout(self)


class StartupPasswordPrompt:
    """The `app.connection.PasswordPrompt` of the GUI; remembers what the user typed until the login works."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        self.password: str | None = None
        self.remember = False

    def __call__(self, location: str, problem: str) -> str | None:
        dialog = PasswordDialog(location, problem, self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        self.password = dialog.password.text()
        self.remember = C.keyring_available() and dialog.remember.isChecked()
        return self.password

    def keep_if_asked(self, url: str | URL | Path) -> None:
        """After a successful login: put the typed password in the keyring if the user ticked “记住密码”."""
        if self.remember and self.password and not isinstance(url, Path):
            C.remember_password(C.ServerSettings.from_url(url), self.password)


class ConnectionPanel(QWidget):
    """本机数据库文件 or 数据库服务器, 测试连接 (off the GUI thread) and 保存 (effective at the next start)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: tasks.Task | None = None
        self.local = QRadioButton("本机数据库文件（默认，一台电脑使用）")
        self.server = QRadioButton("数据库服务器（PostgreSQL，多台电脑共用一份数据）")
        self.kind = QButtonGroup(self)
        for b in (self.local, self.server):
            self.kind.addButton(b)
            b.toggled.connect(lambda _on: self._update())
        self.host, self.database, self.username = QLineEdit(), QLineEdit(), QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setMaximumWidth(120)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("可不填：启动时再询问")
        self.remember = QCheckBox("记住密码（保存在本机系统的密钥环中）")
        self.remember.setVisible(C.keyring_available())
        for name, w in (("host", self.host), ("port", self.port), ("database", self.database),
                        ("username", self.username), ("password", self.password), ("remember", self.remember)):
            w.setObjectName(f"connection_{name}")
        self.fields = QWidget()
        form = QFormLayout(self.fields)
        for label, w in (("主机：", self.host), ("端口：", self.port), ("数据库名：", self.database),
                         ("用户名：", self.username), ("密码：", self.password), ("", self.remember)):
            form.addRow(label, w)
        self.test_button = QPushButton("测试连接(&T)")
        self.test_button.clicked.connect(self.test)
        self.save_button = QPushButton("保存连接")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setObjectName("connection_message")
        self.message.setWordWrap(True)
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.current.setStyleSheet("color: #666;")
        self.admin_only = QLabel("只有管理员可以修改数据库连接。")
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch()
        col = QVBoxLayout(self)
        col.addWidget(QLabel("数据库连接只对本机有效，保存在数据目录的 connection.json 中（不含密码），下次启动时生效。"))
        for part in (self.current, self.local, self.server, self.fields):
            col.addWidget(part)
        col.addLayout(buttons)
        col.addWidget(self.message)
        col.addWidget(self.admin_only)
        col.addStretch()
        self.reload()

    # --- loading ---------------------------------------------------------------------------------------------

    def reload(self) -> None:
        paths = self.ctx.paths
        source = C.SOURCE_LABELS.get(paths.database_source, "")
        text = f"当前使用：{self.ctx.db.location}（{source}）"
        if paths.database_source in (C.SOURCE_OPTION, C.SOURCE_ENV):
            text += f"。启动时指定了{source}，它优先于这里保存的连接。"
        self.current.setText(text)
        try:
            saved = C.read_server_settings(paths.data_dir)
        except DangjianError as exc:
            saved = None
            self._say(exc.message, error=True)
        else:
            self._say("")
        self.server.setChecked(saved is not None)
        self.local.setChecked(saved is None)
        self._show(saved or C.ServerSettings("", C.DEFAULT_PORT, "", ""))
        self._update()

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        self._update()  # who is logged in may have changed (idle lock, another user)
        super().showEvent(event)  # type: ignore[arg-type]

    def _show(self, s: C.ServerSettings) -> None:
        self.host.setText(s.host)
        self.port.setValue(s.port)
        self.database.setText(s.database)
        self.username.setText(s.username)
        self.password.clear()
        self.remember.setChecked(C.stored_password(s) is not None if s.host else False)

    def _update(self) -> None:
        allowed = accounts.allowed(Permission.SETTINGS)
        self.admin_only.setVisible(not allowed)
        for w in (self.local, self.server, self.save_button):
            w.setEnabled(allowed)
        self.fields.setEnabled(allowed and self.server.isChecked())
        self.test_button.setEnabled(allowed and self.server.isChecked() and self.task is None)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};" if error else f"color: {OK_COLOUR};")

    def settings(self) -> C.ServerSettings:
        return C.ServerSettings(self.host.text().strip(), self.port.value(), self.database.text().strip(),
                                self.username.text().strip())

    # --- actions ---------------------------------------------------------------------------------------------

    def test(self) -> None:
        """Connect in the background (an unreachable server takes up to the connect timeout)."""
        server, password = self.settings(), self.password.text()
        self._say("正在连接……")

        def done(text: str) -> None:
            self._say(text)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DangjianError):
                self._say(f"连接失败：{exc.message}", error=True)
            else:
                from app.ui.errors import show_error

                self._say("连接失败。", error=True)
                show_error(self, exc)

        def finished() -> None:
            self.task = None
            self._update()

        self.task = tasks.run_task(lambda _p, _c: C.check_server(server, password), on_success=done,
                                   on_failure=failed, parent=self)
        if self.task is not None and not self.task.done:
            self.task.finished.connect(finished)
        else:
            finished()
        self._update()

    def save(self) -> None:
        if not accounts.allowed(Permission.SETTINGS):
            self._say("只有管理员可以修改数据库连接。", error=True)
            return
        server = self.settings() if self.server.isChecked() else None
        try:
            C.write_connection_file(self.ctx.paths.data_dir, server)
        except (DangjianError, OSError) as exc:
            self._say(f"未保存：{explain(exc)}", error=True)
            return
        note = self._keep_password(server) if server is not None and C.keyring_available() else ""
        self.password.clear()
        where = "本机数据库文件" if server is None else f"数据库服务器 {server.describe()}"
        self._say(f"已保存：下次启动时使用{where}。{note}")
        self.ctx.status.emit("数据库连接已保存，下次启动时生效")

    def _keep_password(self, server: C.ServerSettings) -> str:
        """“记住密码” ticked: keep the password typed (an empty field keeps the one already kept); not ticked:
        forget it.  Returns a note when the keyring refused."""
        typed = self.password.text()
        if self.remember.isChecked() and not typed:
            return ""
        kept = C.remember_password(server, typed if self.remember.isChecked() else None)
        return "" if kept else "（系统密钥环不可用，密码未保存）"
