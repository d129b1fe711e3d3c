"""The 单位填报 board of the 月度考评 page: each unit's state in the month's round (未下发, 已下发, 已收回, 有误,
逾期) with the dates and files, and the round's three actions: 下发填报表… (a folder), 收回填报表… (a folder, or
files dropped onto the board) and 导出催报名单….  Sending and receiving run off the GUI thread with progress and
a 取消 button (app.ui.tasks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services import collection_state as CS
from app.ui import tasks
from app.ui.itemmodels import RowsTableModel
from app.ui.scoring.form import named
from app.ui.tables import make_list

HEADERS = ("单位", "状态", "下发日期", "下发文件", "收回日期", "收回文件", "问题")
_STATE_COLOURS = {CS.FAULTY: "#C00000", CS.OVERDUE: "#C00000", CS.RECEIVED: "#2E7D32", CS.NOT_SENT: "#7F7F7F"}


def _day(d: dt.date | None) -> str:
    return f"{d:%Y-%m-%d}" if d else ""


class BoardModel(RowsTableModel):
    """The board's rows: the 状态 cell in its colour, the 问题 cell's reasons one a line in its tooltip."""

    SORTED_LISTS = ("_rows", "_keys", "_tips")

    def __init__(self, parent: Any = None) -> None:
        self._tips: list[str] = []
        super().__init__(HEADERS, parent=parent)

    def set_board(self, rows: list[Any]) -> None:
        # The tips first: a header click chosen earlier reorders them with the rows as they come in.
        self._tips = ["\n".join(row.reasons) for row in rows]
        self.set_rows([(row.unit, row.state, _day(row.sent_on), row.sent_file, _day(row.received_on),
                        row.received_file or (row.refused_file if row.state == CS.FAULTY else ""),
                        "；".join(row.reasons)) for row in rows], [row.unit_id for row in rows])

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.row() < len(self._tips):
            if role == Qt.ItemDataRole.ForegroundRole:
                colour = _STATE_COLOURS.get(self._rows[index.row()][1]) if index.column() == 1 else None
                return QColor(colour) if colour else None
            if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(HEADERS) - 1:
                return self._tips[index.row()] or None
        return super().data(index, role)


class CollectionBoard(QWidget):
    """The month's 填报 board; `changed` after a send or a receive stored something."""

    changed = Signal()

    def __init__(self, session_factory: Callable[[], Any], today: Callable[[], dt.date],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sf = session_factory
        self._today = today
        self.month: tuple[int, int] | None = None
        self.locked = False
        self.summary = named(QLabel(), "collect_summary")
        self.summary.setWordWrap(True)
        self.send_button = named(QPushButton("下发填报表…"), "collect_send")
        self.receive_button = named(QPushButton("收回填报表…"), "collect_receive")
        self.remind_button = named(QPushButton("导出催报名单…"), "collect_remind")
        self.send_button.clicked.connect(self.send)
        self.receive_button.clicked.connect(self.receive)
        self.remind_button.clicked.connect(self.remind)
        self.model = BoardModel(self)
        self.table = named(QTableView(), "collect_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((180, 60, 90, 200, 90, 200)):
            self.table.setColumnWidth(col, width)
        self.table.setAcceptDrops(False)
        # Units in the register's order until a header is clicked; the menu holds the board's three actions.
        make_list(self.table, [self.send_button, self.receive_button, self.remind_button],
                  title="单位填报")
        self.setAcceptDrops(True)
        hint = QLabel("可把各单位报回的填报表（.xlsx）或所在文件夹直接拖到本表上收回。")
        hint.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.receive_button)
        buttons.addWidget(self.remind_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)

    def _service(self) -> Any:
        from app.services.collection import CollectionService  # openpyxl: only when the board is used

        return CollectionService(self._sf, today=self._today)

    # --- showing -------------------------------------------------------------------------------------------

    def load(self, month: tuple[int, int] | None, locked: bool = False) -> None:
        self.month, self.locked = month, locked
        for b in (self.send_button, self.receive_button):
            b.setEnabled(month is not None and not locked)
        self.remind_button.setEnabled(month is not None)
        if month is None:
            self.model.set_board([])
            self.summary.setText("")
            return
        rows = self._service().board(*month)
        self.model.set_board(rows)
        counts = {s: sum(1 for row in rows if row.state == s) for s in CS.STATES}
        deadline = rows[0].deadline if rows and rows[0].deadline else None
        head = f"报送截止{deadline:%Y-%m-%d}　" if deadline else "本月尚未下发填报表　"
        self.summary.setText(head + "　".join(f"{s}{n}个" for s, n in counts.items() if n)
                             + ("　（本月已锁定，不再下发和收回）" if self.locked else ""))

    def state_of(self, unit: str) -> str:
        for r in range(self.model.rowCount()):
            if self.model.index(r, 0).data() == unit:
                return str(self.model.index(r, 1).data())
        return ""

    # --- actions -------------------------------------------------------------------------------------------

    def send(self) -> None:
        if self.month is None or self.locked:
            return
        folder = QFileDialog.getExistingDirectory(self, "选择保存填报表的文件夹", str(Path.home()))
        if not folder:
            return
        year, month = self.month
        service = self._service()
        tasks.run_with_progress(self, "正在生成填报表……",
                                lambda p, c: service.send(year, month, Path(folder), progress=p, cancelled=c),
                                on_success=self._sent)

    def _sent(self, result: Any) -> None:
        self.changed.emit()
        self.load(self.month, self.locked)
        QMessageBox.information(self, "已下发", f"已生成{len(result.files)}份填报表（每个单位一份），"
                                f"报送截止{result.deadline:%Y-%m-%d}。\n保存在：{result.files[0].parent}")

    def receive(self) -> None:
        if self.month is None or self.locked:
            return
        folder = QFileDialog.getExistingDirectory(self, "选择各单位报回填报表所在的文件夹", str(Path.home()))
        if folder:
            self.receive_paths([Path(folder)])

    def receive_paths(self, paths: list[Path]) -> None:
        if self.month is None or self.locked or not paths:
            return
        year, month = self.month
        service = self._service()
        tasks.run_with_progress(self, "正在收回填报表……",
                                lambda p, c: service.receive(year, month, paths, progress=p, cancelled=c),
                                on_success=self._received,
                                on_cancel=lambda: self.load(self.month, self.locked))

    def _received(self, result: Any) -> None:
        from app.services import collection as C

        self.changed.emit()
        self.load(self.month, self.locked)
        lines = []
        for f in result.files:
            unit = f"（{f.unit}）" if f.unit else ""
            lines.append(f"{f.outcome}：{f.file}{unit}" + (f"，{f.counts}" if f.counts else ""))
            lines += [f"　　{r}" for r in f.reasons[:10]]
            if len(f.reasons) > 10:
                lines.append(f"　　……共{len(f.reasons)}处问题")
        bad = result.count(C.BAD_ROWS) + result.count(C.REFUSED)
        text = (f"共{len(result.files)}个文件：收回{result.count(C.TAKEN)}个，未更改{result.count(C.UNCHANGED)}个，"
                f"有误或拒收{bad}个。")
        box = QMessageBox(QMessageBox.Icon.Warning if bad else QMessageBox.Icon.Information, "收回结果", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setDetailedText("\n".join(lines))
        box.setInformativeText("\n".join(lines[:12]) + ("\n……" if len(lines) > 12 else ""))
        box.open()
        self.result_box = box

    def remind(self) -> None:
        if self.month is None:
            return
        year, month = self.month
        default = str(Path.home() / f"{year}年{month}月单位填报催报名单.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出催报名单", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        service = self._service()
        tasks.run_with_progress(self, "正在导出催报名单……",
                                lambda _p, _c: service.write_reminders(year, month, Path(path)),
                                on_success=self._reminded, cancellable=False)

    def _reminded(self, path: Path) -> None:
        QMessageBox.information(self, "已导出", f"催报名单已保存：{path}")

    # --- dropping files ------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if self.month is not None and not self.locked and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        paths = [p for p in paths if p.is_dir() or p.suffix.lower() == ".xlsx"]
        if paths:
            event.acceptProposedAction()
            self.receive_paths(paths)
