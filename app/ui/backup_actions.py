"""Backup now, restore from a backup, and the daily automatic backup, run with the task helper.

A restore closes the database, replaces the file (app.services.backup keeps a safety copy of the current one
first), and reopens it; every page then reloads (`AppContext.reset`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import URL

from app.db import database_target
from app.errors import BackupError
from app.failures import explain
from app.paths import AppPaths, private_dir
from app.services import backup
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.keyboard import follow_layout

REASONS = {"daily": "每日自动备份", "manual": "手动备份", "migrate": "升级前自动备份",
           "before-restore": "恢复前自动备份", "": "备份"}


def reason_label(reason: str) -> str:
    return REASONS.get(reason, reason)


def size_label(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def backup_now(ctx: AppContext, parent: QWidget | None, on_done: Callable[[Path], None] | None = None) -> tasks.Task:
    keep = ctx.backup_keep()
    engine, backup_dir = ctx.db.engine, ctx.paths.backup_dir

    def done(path: Path) -> None:
        ctx.status.emit(f"已备份：{path.name}")
        if on_done is not None:
            on_done(path)

    return tasks.run_with_progress(
        parent, "正在备份数据库……",
        lambda _p, _c: _backup_and_record(ctx, engine, backup_dir, "manual", keep),
        on_success=done, cancellable=False,
    )


def _backup_and_record(ctx: AppContext, engine: Any, backup_dir: Path, reason: str, keep: int) -> Path:
    """Worker side: write the backup, then put it in the audit trail (who, which file)."""
    from app.services.accounts import record_backup

    path = backup.make_backup(engine, backup_dir, reason=reason, keep=keep, anchor_file=ctx.anchor_file)
    record_backup(ctx.session_factory, path.name, reason)
    return path


def daily_backup(ctx: AppContext) -> tasks.Task | None:
    """The first start of each day backs up in the background; None when today's backup exists."""
    if not backup.needs_daily_backup(ctx.paths.backup_dir):
        return None
    keep = ctx.backup_keep()
    engine, backup_dir = ctx.db.engine, ctx.paths.backup_dir

    def failed(exc: BaseException) -> None:
        ctx.status.emit(f"今日自动备份失败：{explain(exc)}")  # a full or read-only disk in Chinese

    return tasks.run_task(
        lambda _p, _c: _backup_and_record(ctx, engine, backup_dir, "daily", keep),
        on_success=lambda path: ctx.status.emit(f"已完成今日自动备份：{path.name}"),
        on_failure=failed,
    )


def keep_damaged_copy(paths: AppPaths) -> Path:
    """Copy a damaged database (closed) beside the backups before a restore replaces it: never delete data."""
    kept = paths.backup_dir / f"damaged-{dt.datetime.now():%Y%m%d-%H%M%S}-{paths.db_path.name}"
    private_dir(paths.backup_dir)
    # Nothing has the file open at this point: a plain copy is safe.  0600 like every copy of the county's data.
    backup.copy_private(paths.db_path, kept)
    return kept


def confirm_restore(parent: QWidget | None, info: backup.BackupInfo, target: Path | URL) -> bool:
    """Ask before replacing the database (`target`: the file, or the server's URL) with `info`; when the current
    database holds more members, score items or audit entries than the backup, the question is a warning that
    gives the numbers (No is the default)."""
    comparison = (backup.compare_with_server(info.path, target) if isinstance(target, URL)
                  else backup.compare_with_current(info.path, target))
    question = (f"将用 {info.taken_at:%Y-%m-%d %H:%M} 的{reason_label(info.reason)}替换当前全部数据。\n"
                "恢复前会自动备份当前数据，需要时可以再恢复回来。\n\n确定恢复吗？")
    if comparison is None or not comparison.loses_data:
        answer = QMessageBox.question(parent, "从备份恢复", question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
    box = QMessageBox(QMessageBox.Icon.Warning, "从备份恢复：备份中的数据比当前少",
                      "当前数据库中的数据比这份备份多，恢复后多出的部分将被替换掉：\n\n"
                      + "\n".join(comparison.lines()) + "\n\n" + question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setObjectName("restore_loss_warning")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def restore(ctx: AppContext, parent: QWidget | None, info: backup.BackupInfo, *, confirm: bool = True,
            keep_damaged: bool = False, on_done: Callable[[], None] | None = None) -> tasks.Task | None:
    """Replace the county database with the backup `info` (after asking, unless `confirm` is False).
    `keep_damaged`: the current file failed its integrity check; a copy is kept (backup.restore_backup only
    saves a sound one)."""
    if confirm and not confirm_restore(parent, info, database_target(ctx.paths.database)):
        return None
    keep = ctx.backup_keep()
    # Nothing may hold the database while its file is replaced.
    tasks.cancel_all()
    tasks.wait_for_all()
    ctx.close_database()
    target, backup_dir = database_target(ctx.paths.database), ctx.paths.backup_dir
    if keep_damaged:
        try:
            keep_damaged_copy(ctx.paths)
        except OSError as exc:
            ctx.reopen_database()
            show_error(parent, BackupError(f"无法另存损坏的数据库文件，未恢复：{exc}"))
            return None

    def reopen() -> bool:
        try:
            ctx.reopen_database()
        except Exception as exc:
            show_error(parent, exc, "数据库无法打开")
            return False
        return True

    def succeeded(_safety: object) -> None:
        if reopen():
            ctx.status.emit("已从备份恢复")
            QMessageBox.information(parent, "从备份恢复", "已从备份恢复数据。")
        if on_done is not None:
            on_done()

    def failed(exc: BaseException) -> None:
        reopen()  # the file was not replaced: carry on with the data as it was
        show_error(parent, exc, "恢复失败，数据未改变")
        if on_done is not None:
            on_done()

    return tasks.run_with_progress(
        parent, "正在恢复数据……",
        lambda _p, _c: backup.restore_any(info.path, target, backup_dir, keep, anchor_file=ctx.anchor_file),
        on_success=succeeded, on_failure=failed, cancellable=False,
    )


class BackupPanel(QWidget):
    """The list of backups with 立即备份 and 恢复所选备份 (on the 设置 page and in 文件 → 恢复)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RowsTableModel(["备份时间", "类型", "大小", "文件"], parent=self)
        self.view = QTableView()
        self.view.setObjectName("backup_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.where = QLabel(f"备份目录：{ctx.paths.backup_dir}")
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: #666;")
        self.backup_button = QPushButton("立即备份(&B)")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("恢复所选备份(&R)…")
        self.restore_button.clicked.connect(self.restore_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch()
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.view, 1)
        col.addWidget(self.where)
        col.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.refresh()

    def refresh(self) -> None:
        infos = backup.list_backups(self.ctx.paths.backup_dir)
        rows = [(f"{b.taken_at:%Y-%m-%d %H:%M:%S}", reason_label(b.reason), size_label(b.size), b.path.name)
                for b in infos]
        self.model.set_rows(rows, infos)
        self._update()

    def selected(self) -> backup.BackupInfo | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        info = self.model.data(rows[0], KeyRole)
        return info if isinstance(info, backup.BackupInfo) else None

    def _update(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    def backup_now(self) -> None:
        backup_now(self.ctx, self, lambda _path: self.refresh())

    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            restore(self.ctx, self, info, on_done=self.refresh)


class RestoreDialog(QDialog):
    """文件 → 从备份恢复."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("从备份恢复")
        self.panel = BackupPanel(ctx, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(QLabel("选择一份备份，点“恢复所选备份”。恢复前会自动备份当前数据。"))
        col.addWidget(self.panel, 1)
        col.addWidget(buttons)
        follow_layout(self)
        self.resize(720, 420)

