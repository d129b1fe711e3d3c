"""月度考评 for a 单位填报员: its unit's sheet of a month, the 自评 entered per indicator; the 复核 scores and
deductions appear once the month's 通报 is issued (the service leaves them out before)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.services import accounts
from app.services.scoring import ItemView, ScoringService, SheetForm
from app.ui.context import AppContext
from app.ui.errors import show_error

HEADERS = ["类别", "指标", "分值", "自评得分", "自评说明（佐证）", "复核得分", "扣分（加分）说明"]
SELF_COLUMN, NOTE_COLUMN, REVIEW_COLUMN = 3, 4, 5
HIDDEN_TEXT = "通报印发后可见"


def _points(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}"


class UnitScoringPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ScoringService(ctx.session_factory, today=ctx.today)
        self.form: SheetForm | None = None
        self._filling = False
        self.month = QComboBox()
        self.month.setObjectName("month")
        self.month.currentIndexChanged.connect(lambda _i: self.load_form())
        self.state = QLabel()
        self.state.setObjectName("sheet_state")
        self.state.setWordWrap(True)
        top = QHBoxLayout()
        label = QLabel("考评月份(&M)：")
        label.setBuddy(self.month)
        top.addWidget(label)
        top.addWidget(self.month)
        top.addWidget(self.state, 1)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("self_scores")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        header = self.table.horizontalHeader()
        for col in (0, 1, 2, SELF_COLUMN, REVIEW_COLUMN):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._self_score_typed)
        self.totals = QLabel()
        self.totals.setObjectName("totals")
        hint = QLabel("在“自评得分”列输入本单位的自评，在“自评说明（佐证）”列写明依据（按 F2 或直接输入，回车保存；"
                      "清空即撤回）。复核得分由机关工委评定，在当月通报印发后显示。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(hint)
        ctx.follow(self, self.reload, "scoring", "documents")
        self.reload()

    # --- reading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        chosen = self.month.currentData()
        try:
            periods = self.service.periods()
        except DangjianError as exc:
            show_error(self, exc, "无法读取考评月份")
            return
        self.month.blockSignals(True)
        self.month.clear()
        for p in periods:
            self.month.addItem(p.title, p.id)
        index = self.month.findData(chosen)
        self.month.setCurrentIndex(index if index >= 0 else 0)
        self.month.blockSignals(False)
        self.load_form()

    def load_form(self) -> None:
        period_id = self.month.currentData()
        actor = accounts.current()
        if period_id is None or actor is None or actor.unit_id is None:
            self.form = None
            self._fill([])
            self.state.setText("还没有考评月份" if period_id is None else "")
            return
        try:
            self.form = self.service.form_for(int(period_id), actor.unit_id)
        except DangjianError as exc:
            self.form = None
            self._fill([])
            self.state.setText(str(exc))
            return
        row, col = self.table.currentRow(), self.table.currentColumn()
        self._fill(self.form.items)
        if row >= 0 and col >= 0:  # another client's change reloads the sheet: the user stays on the cell
            self.table.setCurrentCell(min(row, self.table.rowCount() - 1), col)
        self.state.setText(self._state_text(self.form))

    def _state_text(self, form: SheetForm) -> str:
        if form.locked:
            where = "已锁定，自评不能再修改"
        elif form.reviewed:
            where = "机关工委已复核，自评不能再修改"
        else:
            where = "可以填报自评"
        shown = "复核结果在当月通报印发后显示" if form.results_hidden else "当月通报已印发，复核结果如下"
        return f"{form.unit_name} {form.period_title}：{where}；{shown}"

    def _fill(self, items: list[ItemView]) -> None:
        form = self.form
        editable = form is not None and not form.locked and not form.reviewed
        self._filling = True
        self.table.setRowCount(len(items))
        category = {i.id: c.name for c in (form.categories if form else []) for i in c.items}
        for row, it in enumerate(items):
            texts = [category.get(it.id, ""), it.indicator.name, _points(it.indicator.points), _points(it.self_score),
                     it.self_note, HIDDEN_TEXT if form is not None and form.results_hidden else _points(it.review_score),
                     "" if form is None or form.results_hidden else _reasons(it)]
            for col, text in enumerate(texts):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, it.id)
                flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
                if col in (SELF_COLUMN, NOTE_COLUMN) and editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
                cell.setFlags(flags)
                if col in (2, SELF_COLUMN, REVIEW_COLUMN):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)
        self._filling = False
        if form is None:
            self.totals.setText("")
        elif form.results_hidden:
            self.totals.setText(f"自评合计：{_points(form.self_total) or '未填'}")
        else:
            self.totals.setText(f"自评合计：{_points(form.self_total) or '未填'}　复核得分：{_points(form.review_total)}"
                                f"{'（一票否决）' if form.veto else ''}")

    # --- the 自评 ------------------------------------------------------------------------------------------

    def _self_score_typed(self, cell: QTableWidgetItem) -> None:
        if self._filling or cell.column() not in (SELF_COLUMN, NOTE_COLUMN) or self.form is None:
            return
        item_id, text, row, col = int(cell.data(Qt.ItemDataRole.UserRole)), cell.text().strip(), cell.row(), cell.column()
        # Saved once the editor has finished with the cell: the reload after the save replaces every cell.
        QTimer.singleShot(0, lambda: self._save_self_entry(item_id, text, row, col))

    def _save_self_entry(self, item_id: int, text: str, row: int, col: int) -> None:
        if self.form is None:
            return
        save = self.service.set_self_score if col == SELF_COLUMN else self.service.set_self_note
        try:
            save(item_id, text, expected_version=self.form.stamp)
        except DangjianError as exc:
            show_error(self, exc, "自评未保存")
        else:
            self.ctx.changed.emit("scoring")
            self.ctx.status.emit("自评已保存")
        self.load_form()
        self.table.setCurrentCell(min(row + 1, self.table.rowCount() - 1), col)  # on to the next indicator

    def show_target(self, target: object) -> bool:
        return False


def _reasons(item: ItemView) -> str:
    lines = [f"{d.reason}（{'+' if item.bonuses and d in item.bonuses else '-'}{d.amount:.1f}）"
             for d in (*item.deductions, *item.bonuses)]
    return "；".join(lines)
