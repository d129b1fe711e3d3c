"""季度分级量化考核: pick a quarter, see each unit's three months, quarter score, rank and grade (computed live
while a draft, as stored once reviewed), 复核 / 取消复核 / 锁定 / 重新开放 like a month, and issue the quarterly 通报
(built in the background with progress and cancel)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.errors import DangjianError
from app.models import Grade, PeriodState
from app.services.bulletin import BulletinService
from app.services.quarter import QuarterChoice, QuarterGrading, QuarterRow, QuarterService
from app.ui import tasks
from app.ui.annual.widgets import IssueDialog, table_view
from app.ui.context import AppContext
from app.ui.documents.common import ask_note, open_file, output_folder
from app.ui.errors import show_error
from app.ui.forms import ERROR_COLOUR, ChoiceBox
from app.ui.tables import SortableRows, make_list
from app.ui.unit_picture import picture_action

AnyIndex = QModelIndex | QPersistentModelIndex
GRADE_COLOURS = {Grade.POOR: ERROR_COLOUR, Grade.AVERAGE: "#b36b00"}


class QCol(enum.IntEnum):
    RANK = 0
    UNIT = 1
    M1 = 2
    M2 = 3
    M3 = 4
    SCORE = 5
    GRADE = 6
    NOTE = 7


class QuarterModel(SortableRows, QAbstractTableModel):
    """The quarter's units in rank order; 一般 and 差 coloured."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[QuarterRow] = []
        self._months = [1, 2, 3]

    def set_rows(self, rows: list[QuarterRow], first_month: int) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._months = [first_month, first_month + 1, first_month + 2]
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(QCol) - 1)

    def row(self, r: int) -> QuarterRow | None:
        return self._rows[r] if 0 <= r < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(QCol)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(QCol):
            return None
        r, col = self._rows[index.row()], QCol(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == QCol.RANK:
                return str(r.rank)
            if col == QCol.UNIT:
                return r.unit + ("（一票否决）" if r.veto else "")
            if col in (QCol.M1, QCol.M2, QCol.M3):
                m = r.months[col - QCol.M1]
                return "—" if m is None else f"{m:.1f}"
            if col == QCol.SCORE:
                return f"{r.score:.1f}"
            if col == QCol.GRADE:
                return r.grade.value
            return r.note
        if role == Qt.ItemDataRole.ForegroundRole and r.grade in GRADE_COLOURS:
            return QColor(GRADE_COLOURS[r.grade])
        if role == Qt.ItemDataRole.TextAlignmentRole and col not in (QCol.UNIT, QCol.NOTE):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        if not 0 <= section < len(QCol):
            return None
        col = QCol(section)
        if col in (QCol.M1, QCol.M2, QCol.M3):
            return f"{self._months[col - QCol.M1]}月"
        return {QCol.RANK: "名次", QCol.UNIT: "单位", QCol.SCORE: "季度得分", QCol.GRADE: "等次",
                QCol.NOTE: "说明"}[col]


class QuarterTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = today or ctx.today
        self.ctx = ctx
        self.today = today
        self.service = QuarterService(ctx.session_factory, today=today)
        self.grading: QuarterGrading | None = None
        self.last_written: Path | None = None
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("季度："))
        self.picker = ChoiceBox()
        self.picker.setObjectName("quarter_picker")
        self.picker.setMinimumWidth(160)
        self.picker.value_changed.connect(lambda _v: self.load())
        top.addWidget(self.picker)
        self.state_label = QLabel()
        self.state_label.setObjectName("quarter_state")
        top.addWidget(self.state_label, 1)
        col.addLayout(top)
        self.note = QLabel()
        self.note.setObjectName("quarter_note")
        self.note.setWordWrap(True)
        col.addWidget(self.note)
        self.model = QuarterModel(self)
        self.view = table_view(self.model, stretch=QCol.NOTE)
        self.view.setObjectName("quarter_table")
        col.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.review_button = self._button(buttons, "复核并保存结果(&R)", self.review)
        self.unreview_button = self._button(buttons, "取消复核", self.unreview)
        self.lock_button = self._button(buttons, "锁定(&L)", self.lock)
        self.reopen_button = self._button(buttons, "重新开放（管理员）…", self.reopen)
        buttons.addStretch(1)
        self.issue_button = self._button(buttons, "印发季度通报(&B)…", self.issue)
        picture = picture_action(self.view, ctx, self._unit_of_row)
        make_list(self.view, [picture, None, self.review_button, self.unreview_button, self.lock_button,
                              self.reopen_button, None, self.issue_button], title="季度考核结果")
        col.addLayout(buttons)
        self.reload()

    def _unit_of_row(self, row: int) -> tuple[int, str] | None:
        found = self.model.row(row)
        return (found.unit_id, found.unit) if found is not None else None

    @staticmethod
    def _button(row: QHBoxLayout, text: str, slot: Callable[[], Any]) -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(slot)
        row.addWidget(b)
        return b

    # --- loading ----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        try:
            choices: list[QuarterChoice] = self.service.quarters()
        except DangjianError as exc:
            show_error(self, exc)
            return
        current = self.picker.value()
        self.picker.set_choices([(self._label(c), (c.year, c.quarter)) for c in choices])
        if current is None and choices:
            full = next((c for c in choices if c.months_locked == 3), choices[0])
            self.picker.set_value((full.year, full.quarter))
        self.load()

    @staticmethod
    def _label(c: QuarterChoice) -> str:
        state = c.state.value if c.state else f"未开始，已锁定{c.months_locked}个月"
        return f"{c.title}（{state}）"

    def load(self) -> None:
        key = self.picker.value()
        if key is None:
            self.grading = None
            self.model.set_rows([], 1)
            self.state_label.setText("还没有月度考评")
            self._enable()
            return
        try:
            self.grading = self.service.grading(*key)
        except DangjianError as exc:
            show_error(self, exc)
            return
        g = self.grading
        self.model.set_rows(g.rows, 3 * g.quarter - 2)
        state = g.state.value if g.state else "未开始"
        counts = "，".join(f"{k.value}{n}个" for k, n in g.counts().items())
        self.state_label.setText(f"{state}　{'已保存的复核结果' if g.stored else '按各月考评即时计算'}　{counts}"
                                 + (f"　已印发通报{g.bulletins}份" if g.bulletins else ""))
        notes = [f"{m.month}月：{m.state.value if m.state else '未开始'}" for m in g.months]
        text = "各月考评：" + "　".join(notes) + f"。季度得分取{g.rules.method}。"
        if g.stale:
            text += "注意：月度考评在复核后有更正，保存的结果与现在的计算不一致，如需更新请重新开放后取消复核再复核。"
        self.note.setText(text)
        self._enable()

    def _enable(self) -> None:
        g = self.grading
        state = g.state if g else None
        self.review_button.setEnabled(g is not None and state in (None, PeriodState.DRAFT) and g.months_locked)
        self.unreview_button.setEnabled(state == PeriodState.REVIEWED)
        self.lock_button.setEnabled(state == PeriodState.REVIEWED)
        self.reopen_button.setEnabled(state == PeriodState.LOCKED)
        self.issue_button.setEnabled(state == PeriodState.LOCKED)

    # --- actions ----------------------------------------------------------------------------------------------

    def _act(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except DangjianError as exc:
            show_error(self, exc)
        self.reload()
        self.ctx.changed.emit("quarter")

    def review(self) -> None:
        g = self.grading
        if g is not None:
            self._act(lambda: self.service.review(g.year, g.quarter))

    def unreview(self) -> None:
        g = self.grading
        if g is None:
            return
        reason = ask_note(self, "取消复核", f"取消{g.title}的复核：保存的结果将删除，下次复核时按各月考评重新评定。理由：",
                          required=False)
        if reason is not None:
            self._act(lambda: self.service.unreview(g.year, g.quarter, reason))

    def lock(self) -> None:
        g = self.grading
        if g is None:
            return
        answer = QMessageBox.question(self, "锁定", f"锁定后{g.title}的考核结果不能再修改，如需更正须由管理员重新开放。"
                                                  "确定锁定吗？")
        if answer == QMessageBox.StandardButton.Yes:
            self._act(lambda: self.service.lock(g.year, g.quarter))

    def reopen(self) -> None:
        g = self.grading
        if g is None:
            return
        reason = ask_note(self, "重新开放（管理员）", f"重新开放已锁定的{g.title}考核需要管理员权限，并记入审计日志。理由：")
        if reason:
            self._act(lambda: self.service.reopen(g.year, g.quarter, reason, is_admin=True))

    def issue(self) -> None:
        g = self.grading
        if g is None:
            return
        previous = None
        if g.bulletins:
            previous = f"{g.title}的通报"
        dialog = IssueDialog(f"印发{g.title}分级量化考核通报", previous, self.today(), self)
        if dialog.exec() != IssueDialog.DialogCode.Accepted:
            return
        req: Any = dialog.result_value
        folder = output_folder(self.ctx)
        year, quarter = g.year, g.quarter

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> Path:
            issued = self.service.issue_bulletin(year, quarter, issued_on=req.issued_on, sequence=req.sequence,
                                                 reason=req.reason, progress=progress, cancelled=cancelled)
            return BulletinService(self.ctx.session_factory).export_to_folder(issued.id, folder)

        def done(path: object) -> None:
            assert isinstance(path, Path)
            self.last_written = path
            self.ctx.status.emit(f"已印发并保存：{path}")
            self.ctx.changed.emit("bulletins")
            self.reload()
            open_file(self.ctx, self, path)

        tasks.run_with_progress(self, "正在印发季度通报……", work, on_success=done)
