"""约谈与整改 for a 单位填报员: its unit's 整改 items, started and their progress handed in for review (退回 and 销号
are the 工委's, on the full 约谈与整改 page)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.dates import cn_date
from app.errors import DangjianError
from app.models import RectificationStatus
from app.services.rectification import ItemView, RectificationService
from app.services.unit_scope import UNIT_MOVES
from app.ui.context import AppContext
from app.ui.errors import show_error

HEADERS = ["来源", "存在问题", "整改措施", "责任人", "整改时限", "状态", "整改情况"]


class UnitRectificationPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = RectificationService(ctx.session_factory, today=ctx.today)
        self.items: list[ItemView] = []
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("rectification_items")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for col in range(len(HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # 存在问题 and 整改情况 take the room
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.start_button = QPushButton("开始整改(&S)")
        self.start_button.setObjectName("start")
        self.start_button.clicked.connect(self.start)
        self.submit_button = QPushButton("提交整改进展(&P)…")
        self.submit_button.setObjectName("submit")
        self.submit_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.submit_button)
        buttons.addStretch(1)
        hint = QLabel("整改事项由机关工委确定。本单位开始整改后，整改到位时提交整改情况，经机关工委审核后销号。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        ctx.follow(self, self.reload, "rectification", "documents")
        self.reload()

    def reload(self) -> None:
        chosen = self.current()
        try:
            self.items = self.service.items()
        except DangjianError as exc:
            show_error(self, exc, "无法读取整改事项")
            self.items = []
        self.table.setRowCount(len(self.items))
        for row, it in enumerate(self.items):
            texts = [it.source, it.problem, it.measure, it.owner, cn_date(it.deadline), it.status_text, it.progress]
            for col, text in enumerate(texts):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, it.id)
                if it.overdue:
                    cell.setForeground(Qt.GlobalColor.red)
                self.table.setItem(row, col, cell)
        if chosen is not None:
            self.show_target(("rectification", chosen.id))
        self._selection_changed()

    def current(self) -> ItemView | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _selection_changed(self) -> None:
        it = self.current()
        stored = it.stored_status if it is not None else None
        self.start_button.setEnabled(stored == RectificationStatus.NOT_STARTED)
        self.submit_button.setEnabled(stored is not None and (stored, RectificationStatus.PENDING_REVIEW) in UNIT_MOVES)

    def start(self) -> None:
        it = self.current()
        if it is None:
            return
        note, ok = QInputDialog.getText(self, "开始整改", f"“{it.problem[:30]}”\n\n整改安排（可不填）：")
        if ok:
            self._move(lambda: self.service.start(it.id, note), "已开始整改")

    def submit(self) -> None:
        it = self.current()
        if it is None:
            return
        progress, ok = QInputDialog.getMultiLineText(self, "提交整改进展", f"“{it.problem[:30]}”\n\n整改情况：", it.progress)
        if ok:
            self._move(lambda: self.service.submit(it.id, progress), "整改情况已提交，待机关工委审核")

    def _move(self, work: object, done: str) -> None:
        try:
            work()  # type: ignore[operator]
        except DangjianError as exc:
            show_error(self, exc, "未能提交")
            return
        self.ctx.changed.emit("rectification")
        self.ctx.status.emit(done)
        self.reload()

    def show_target(self, target: object) -> bool:
        """An item of this unit (the 提醒's 整改 lines): selected."""
        if not (isinstance(target, tuple) and len(target) == 2 and target[0] == "rectification"):
            return False
        for row, it in enumerate(self.items):
            if it.id == target[1]:
                self.table.selectRow(row)
                return True
        return False
