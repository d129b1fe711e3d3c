"""The logged-in session in the main window: the 账户 menu (password, users, audit log, lock now) and the
idle lock, installed by app.ui.application.run after the login."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from app import settings as S
from app.services import accounts
from app.services.accounts import AccountService, Actor, Permission, record_restore
from app.ui.accounts.admin import AuditDialog, UsersDialog
from app.ui.accounts.login import ChangePasswordDialog, IdleLock
from app.ui.context import AppContext


class AccountSession:
    def __init__(self, ctx: AppContext, window: QMainWindow) -> None:
        self.ctx, self.window = ctx, window
        self.service = AccountService(ctx.session_factory)
        self.idle = IdleLock(self.service, window, int(ctx.setting(S.IDLE_LOCK_MINUTES)))
        self.idle.unlocked.connect(lambda _actor: self._refresh())
        ctx.changed.connect(lambda what: self.idle.set_minutes(int(ctx.setting(S.IDLE_LOCK_MINUTES)))
                            if what == "settings" else None)
        ctx.reset.connect(self._restored)
        menu = window.menuBar().addMenu("账户(&U)")
        self.who = QAction("", window)
        self.who.setEnabled(False)
        self.act_password = QAction("修改密码(&P)…", window)
        self.act_password.triggered.connect(self.change_password)
        self.act_users = QAction("用户管理(&M)…", window)
        self.act_users.triggered.connect(lambda: UsersDialog(ctx.session_factory, window).exec())
        self.act_audit = QAction("审计日志(&L)…", window)
        self.act_audit.triggered.connect(lambda: AuditDialog(ctx.session_factory, window).exec())
        self.act_lock = QAction("锁定(&K)", window)
        self.act_lock.setShortcut("Ctrl+L")
        self.act_lock.triggered.connect(self.idle.lock)
        for act in (self.who, self.act_password, self.act_users, self.act_audit, self.act_lock):
            menu.addAction(act)
        self._refresh()

    def _refresh(self) -> None:
        actor = accounts.current()
        self.who.setText(f"当前用户：{actor.who}（{actor.role.value}）" if actor else "未登录（操作员）")
        admin = actor is None or actor.can(Permission.ACCOUNTS)
        self.act_users.setVisible(admin)
        self.act_audit.setVisible(actor is None or actor.can(Permission.AUDIT_VIEW))
        self.act_password.setEnabled(actor is not None)
        if actor is not None:
            self.ctx.status.emit(f"已登录：{actor.who}（{actor.role.value}）")

    def _restored(self) -> None:
        """After a restore: record it in the restored trail, then log in again, since the restored database has
        its own accounts (the one logged in may not exist there)."""
        record_restore(self.ctx.session_factory)
        if self.service.has_users():
            self.idle.lock()
        else:
            accounts.set_current(None)  # a backup from before accounts existed: the operator again
        self._refresh()

    def change_password(self) -> None:
        actor: Actor | None = accounts.current()
        if actor is not None and ChangePasswordDialog(self.service, actor, self.window).exec():
            self.ctx.status.emit("密码已修改")
