"""已不采纳的建议扣分: one sheet's rejected suggestions with their reasons, and 恢复 (the suggestion is offered
again and can then be accepted)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.services.scoring import RejectedSuggestion, ScoringService, SheetForm
from app.ui.errors import show_error
from app.ui.itemmodels import RowsTableModel
from app.ui.keyboard import follow_layout


class RejectedDialog(QDialog):
    def __init__(self, service: ScoringService, form: SheetForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rejected_dialog")
        self.setWindowTitle(f"已不采纳的建议扣分　{form.unit_name}")
        self.service = service
        self.form = form
        self.restored = 0  # how many were restored (the form reloads its suggestions when any was)
        self.rows: list[RejectedSuggestion] = []
        self.model = RowsTableModel(["建议扣分", "不采纳理由", "操作人", "时间"], parent=self)
        self.table = QTableView()
        self.table.setObjectName("rejected")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.restore_button = QPushButton("恢复所选（重新列入建议扣分）")
        self.restore_button.setObjectName("restore_button")
        self.restore_button.clicked.connect(self.restore)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        follow_layout(self)
        self.resize(760, 320)
        self.load()
        self.table.setFocus()

    def load(self) -> None:
        self.rows = self.service.rejected_suggestions(self.form.sheet_id)
        self.model.set_rows([(r.description, r.reason, r.rejected_by, r.rejected_at.astimezone().strftime("%Y-%m-%d %H:%M"))
                             for r in self.rows], [r.source for r in self.rows])
        self.table.resizeColumnsToContents()
        if self.rows:
            self.table.selectRow(0)
        editable = not self.form.locked and not self.form.reviewed
        self.restore_button.setEnabled(editable and bool(self.rows))
        if not self.rows:
            self.note.setText("本表没有不采纳的建议扣分。")
        elif self.form.locked:
            self.note.setText("本月已锁定，不能恢复。")
        elif self.form.reviewed:
            self.note.setText("本表已复核，如需恢复请先取消复核。")
        else:
            self.note.setText("恢复后该建议重新列入本表的建议扣分，可再采纳或不采纳；恢复记入审计日志。")

    def restore(self) -> None:
        row = self.table.currentIndex().row()
        if not 0 <= row < len(self.rows):
            return
        try:
            self.service.restore_suggestion(self.form.sheet_id, self.rows[row].source,
                                            expected_version=self.form.stamp)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.restored += 1
        self.form = self.service.form(self.form.sheet_id)  # the sheet's version moved with the restore
        self.load()
