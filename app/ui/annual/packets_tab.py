"""年终考核材料: generate every unit's year-end packet, the 汇总表 and the zip in the background (worker processes,
progress per unit, 取消), into a folder under the output folder; a second run only redoes what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.failures import explain
from app.services.packets import PacketRun, PacketService
from app.ui import tasks
from app.ui.annual.widgets import year_spin
from app.ui.context import AppContext
from app.ui.documents.common import OutputFolderBar, open_path, output_folder


class PacketsTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = today or ctx.today
        self.ctx = ctx
        self.service = PacketService(ctx.session_factory, today=today)
        self.task: tasks.Task | None = None
        self.last_run: PacketRun | None = None
        self.workers: int | None = None  # None: one per core (tests use fewer)
        col = QVBoxLayout(self)
        intro = QLabel("为每个单位生成年度述职评议考核材料（封面、述职报告、公开承诺书及践诺情况、责任清单、月度得分及走势图、"
                       "季度考核、约谈及整改、测评表、测评结果和评议结果），以及评议结果汇总表（Word 和 Excel）、空白测评表，"
                       "并打包为压缩文件。再次生成时只重新生成数据有变化的单位。")
        intro.setWordWrap(True)
        col.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel("年度："))
        default_year = today().year if today().month >= 10 else today().year - 1
        self.year = year_spin(default_year)
        row.addWidget(self.year)
        self.force = QCheckBox("全部重新生成")
        self.force.setObjectName("force")
        row.addWidget(self.force)
        row.addStretch(1)
        col.addLayout(row)
        self.folder_bar = OutputFolderBar(ctx)
        col.addWidget(self.folder_bar)
        row = QHBoxLayout()
        self.start_button = QPushButton("生成考核材料(&G)")
        self.start_button.setObjectName("start_packets")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.start_button)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setObjectName("cancel_packets")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        self.open_button = QPushButton("打开文件夹")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: open_path(self.target()))
        row.addWidget(self.open_button)
        row.addStretch(1)
        col.addLayout(row)
        self.bar = QProgressBar()
        self.bar.setObjectName("packets_progress")
        self.bar.setFormat("%v/%m")
        col.addWidget(self.bar)
        self.status = QLabel()
        self.status.setObjectName("packets_status")
        col.addWidget(self.status)
        self.log = QPlainTextEdit()
        self.log.setObjectName("packets_log")
        self.log.setReadOnly(True)
        col.addWidget(self.log, 1)

    def target(self) -> Path:
        return output_folder(self.ctx) / f"{self.year.value()}年度述职评议考核材料"

    def start(self) -> None:
        if self.task is not None and not self.task.done:
            return
        year, folder, force, workers = self.year.value(), self.target(), self.force.isChecked(), self.workers
        self.log.appendPlainText(f"开始生成{year}年度考核材料：{folder}")
        self.bar.setRange(0, 0)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> PacketRun:
            return self.service.generate(year, folder, force=force, workers=workers, progress=progress,
                                         cancelled=cancelled)

        self.task = tasks.run_task(work, on_success=self._done, on_failure=self._failed, on_progress=self._progress,
                                   on_cancel=self._cancelled, parent=self)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("正在取消：正在生成的文件完成后停止……")

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.status.setText(text)

    def _finish(self) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.open_button.setEnabled(self.target().is_dir())

    def _done(self, run: object) -> None:
        assert isinstance(run, PacketRun)
        self.last_run = run
        self._finish()
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        for line in run.lines():
            self.log.appendPlainText(line)
        self.status.setText("完成")
        self.ctx.status.emit(f"年度考核材料已生成：{run.folder}")

    def _failed(self, exc: BaseException) -> None:
        from app.ui.errors import show_error

        self._finish()
        self.status.setText("未完成")
        self.log.appendPlainText(f"未完成：{explain(exc)}")  # a full disk in Chinese, as the dialog says it
        show_error(self, exc)

    def _cancelled(self) -> None:
        self._finish()
        self.status.setText("已取消")
        self.log.appendPlainText("已取消：已生成的文件都是完整的，再次生成时只补齐未完成的部分。")
