"""The scoring form: one unit of the month after another, every indicator, deductions, bonuses, 自评 beside
复核, the running total, and the suggested deductions to accept or reject.

Every change is saved at once through the scoring service (a few milliseconds), so there is never unsaved work:
closing the app in the middle of a form loses nothing.  Each save carries the sheet's version as the form read it:
when another user changed the sheet in between, the save is refused with who changed what, the form reads the
sheet again and what the user typed is put back (or, for a 自评 score or a reason asked in a dialog, offered
again), to check and save once more.  Reading the sheet again (after a save, or when other clients changed data)
keeps what is typed in the entry line of the same indicator.  Keys: PageDown / PageUp next and previous unit,
Ctrl+Enter 复核 done and on to the next unit, Enter on an indicator goes to its entry line, Enter there records
the deduction, Esc goes back to the indicators, Delete removes the selected deduction."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConcurrentChangeError, DangjianError, ValidationError
from app.models import IndicatorMethod
from app.services.scoring import ItemView, OccurrenceInput, ScoringService, SheetForm, Suggestion
from app.ui import tasks
from app.ui.errors import show_error
from app.ui.remembered import remember_splitter
from app.ui.scoring.models import (
    ItemCol,
    ItemTableModel,
    OccurrenceCol,
    OccurrenceTableModel,
    SheetCol,
    SheetListModel,
    SuggestionCol,
    SuggestionTableModel,
    score_text,
)
from app.ui.scoring.rejected import RejectedDialog

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget the object name tests and style sheets find it by."""
    widget.setObjectName(name)
    return widget


def _table(name: str, model: object) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)  # type: ignore[arg-type]
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    return view


def _fit_columns(view: QTableView, *stretch: int) -> None:
    """The `stretch` columns share the width that is left (its long text elided, whole in the tooltip); the others
    are as wide as their text, and never narrower than a two-character header in the header's bold font."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    bold = QFont(header.font())
    bold.setBold(True)
    header.setMinimumSectionSize(QFontMetrics(bold).horizontalAdvance("复核") + 16)
    for col in range(view.model().columnCount()):
        header.setSectionResizeMode(
            col, QHeaderView.ResizeMode.Stretch if col in stretch else QHeaderView.ResizeMode.ResizeToContents)


@dataclass(frozen=True)
class TypedEntry:
    """What the user has typed for one item (a score item of one sheet) and not saved yet."""

    item_id: int
    occurrences: int
    points_each: str
    reason: str
    evidence_note: str
    evidence_file: str
    veto: bool
    veto_reason: str
    veto_edited: bool  # the veto fields differ from what the sheet had: the user's, not the database's


class EntryLine(QLineEdit):
    """A line of the entry form: Esc takes the user back to the indicator list."""

    escaped = Signal()

    def keyPressEvent(self, event):  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class ScoringForm(QWidget):
    changed = Signal()  # something was saved (the page tells the other pages)
    state_changed = Signal()  # the period's state may have changed (review flags)

    def __init__(self, service: ScoringService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.period_id: int | None = None
        self.form: SheetForm | None = None
        self.suggested: dict[int, list[Suggestion]] = {}
        self._suggestions_task: tasks.Task | None = None
        self._evidence_file = ""
        self._shown: ItemView | None = None  # the item the entry widgets were filled for
        self._offered_reason = ""  # a reason typed into a dialog whose save was refused, offered again
        self._empty_text = "（请选择考评月份）"

        self.units_model = SheetListModel(self)
        self.units = _table("units", self.units_model)
        self.units.setMinimumWidth(320)
        _fit_columns(self.units, SheetCol.UNIT)
        self.units.selectionModel().currentRowChanged.connect(self._unit_chosen)

        self.items_model = ItemTableModel(self._save_self, self)
        self.items = _table("items", self.items_model)
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        # 类别 whole (not "政治建设与责…"), and compact rows: the table shows more indicators at once.
        _fit_columns(self.items, ItemCol.INDICATOR)
        self.items.verticalHeader().setDefaultSectionSize(self.items.fontMetrics().height() + 10)
        self.items.selectionModel().currentRowChanged.connect(lambda *_: self._show_item())
        self.items.activated.connect(lambda _i: self.reason.setFocus())

        self.unit_title = named(QLabel(), "unit_title")
        self.unit_title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.totals = named(QLabel(), "totals")
        self.prev_button = named(QPushButton("上一个单位（PgUp）"), "prev_button")
        self.next_button = named(QPushButton("下一个单位（PgDn）"), "next_button")
        self.review_button = named(QPushButton("复核完成，下一个（Ctrl+Enter）"), "review_button")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(+1))
        self.review_button.clicked.connect(self.toggle_review)

        right = QVBoxLayout()
        head = QHBoxLayout()
        head.addWidget(self.unit_title, 1)
        for b in (self.prev_button, self.next_button, self.review_button):
            head.addWidget(b)
        right.addLayout(head)
        right.addWidget(self.totals)
        right.addWidget(self._rows_splitter(), 1)
        panel = QWidget()
        panel.setLayout(right)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.units)
        split.addWidget(panel)
        split.setStretchFactor(1, 1)
        remember_splitter(split, "scoring_form")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self._shortcuts()
        self._show_item()

    # --- building ---------------------------------------------------------------------------------------------

    def _rows_splitter(self) -> QSplitter:
        """The indicators over the entry form over the suggestions, the indicators with most of the height (at
        1280×800 at least 8 rows); the user can move the borders, never so far that a part disappears."""
        split = named(QSplitter(Qt.Orientation.Vertical), "rows_splitter")
        split.setChildrenCollapsible(False)
        for i, part in enumerate((self.items, self._detail_box(), self._suggestion_box())):
            split.addWidget(part)
            split.setStretchFactor(i, (3, 1, 1)[i])
        split.setSizes([330, 190, 120])  # proportions: the splitter scales them to its height
        remember_splitter(split, "scoring_form_rows")
        return split

    def _detail_box(self) -> QGroupBox:
        box = named(QGroupBox("扣分记录"), "detail")
        self.detail = box
        self.description = named(QLabel(), "description")
        self.description.setWordWrap(True)
        self.records_model = OccurrenceTableModel(self)
        self.records = _table("records", self.records_model)
        _fit_columns(self.records, OccurrenceCol.REASON)
        self.remove_button = named(QPushButton("删除所选（Del）"), "remove_button")
        self.remove_button.clicked.connect(self.remove_selected)
        self.occurrences = named(QSpinBox(), "occurrences")
        self.occurrences.setRange(1, 999)
        self.points_each = named(EntryLine(), "points_each")
        self.points_each.setMaximumWidth(80)
        self.reason = named(EntryLine(), "reason")
        self.reason.setPlaceholderText("原因（必填）")
        self.evidence_note = named(EntryLine(), "evidence_note")
        self.evidence_note.setPlaceholderText("佐证说明")
        self.attach_button = named(QPushButton("附件…"), "attach_button")
        self.attach_button.clicked.connect(self._choose_file)
        self.add_button = named(QPushButton("登记扣分"), "add_button")
        self.add_button.clicked.connect(self.add_record)
        for line in (self.points_each, self.reason, self.evidence_note):
            line.returnPressed.connect(self.add_record)
            line.escaped.connect(self.items.setFocus)
        self.entry_error = named(QLabel(), "entry_error")
        self.entry_error.setStyleSheet("color: #b00020;")
        self.entry_error.setWordWrap(True)
        self.veto_box = named(QCheckBox("一票否决"), "veto_box")
        self.veto_reason = named(EntryLine(), "veto_reason")
        self.veto_reason.setPlaceholderText("一票否决（或撤销）的理由")
        self.veto_button = named(QPushButton("保存一票否决"), "veto_button")
        self.veto_button.clicked.connect(self.save_veto)
        self.veto_reason.returnPressed.connect(self.save_veto)

        entry = QHBoxLayout()
        entry.addWidget(QLabel("次数"))
        entry.addWidget(self.occurrences)
        entry.addWidget(QLabel("每次"))
        entry.addWidget(self.points_each)
        entry.addWidget(self.reason, 3)
        entry.addWidget(self.evidence_note, 2)
        entry.addWidget(self.attach_button)
        entry.addWidget(self.add_button)
        veto = QHBoxLayout()
        veto.setContentsMargins(0, 0, 0, 0)  # in line with the entry row above, no band of space around it
        veto.addWidget(self.veto_box)
        veto.addWidget(self.veto_reason, 1)
        veto.addWidget(self.veto_button)
        self.veto_row = named(QWidget(), "veto_row")
        self.veto_row.setLayout(veto)
        records_row = QHBoxLayout()
        records_row.addWidget(self.records, 1)
        records_row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(box)
        layout.addWidget(self.description)
        layout.addLayout(records_row, 1)  # height to spare goes to the records, not below the form
        layout.addLayout(entry)
        layout.addWidget(self.veto_row)
        layout.addWidget(self.entry_error)
        return box

    def _suggestion_box(self) -> QGroupBox:
        box = named(QGroupBox("建议扣分（依据登记信息，逐条采纳或不采纳）"), "suggestions_box")
        self.suggestions_model = SuggestionTableModel(self)
        self.suggestions = _table("suggestions", self.suggestions_model)
        _fit_columns(self.suggestions, SuggestionCol.INDICATOR, SuggestionCol.REASON)
        self.accept_button = named(QPushButton("采纳"), "accept_button")
        self.reject_button = named(QPushButton("不采纳…"), "reject_button")
        self.rejected_button = named(QPushButton("已不采纳…"), "rejected_button")
        self.accept_button.clicked.connect(self.accept_suggestion)
        self.reject_button.clicked.connect(self.reject_suggestion)
        self.rejected_button.clicked.connect(self.show_rejected)
        buttons = QVBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.rejected_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(box)
        layout.addWidget(self.suggestions, 1)
        layout.addLayout(buttons)
        return box

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in ((QKeySequence(Qt.Key.Key_PageDown), lambda: self.step(+1)),
                           (QKeySequence(Qt.Key.Key_PageUp), lambda: self.step(-1)),
                           (QKeySequence("Ctrl+Return"), self.toggle_review),
                           (QKeySequence("Ctrl+Enter"), self.toggle_review)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.records)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)

    # --- the month and its units ------------------------------------------------------------------------------

    def load_period(self, period_id: int | None, empty_text: str = "（请选择考评月份）") -> None:
        """Show a month: its units (the current one kept when it is the same month) and, in the background,
        the suggestions for all of them.  `empty_text` stands in the title when there is no sheet to show."""
        self._empty_text = empty_text
        keep = self.form.sheet_id if self.form is not None and period_id == self.period_id else None
        if period_id != self.period_id:
            self.suggested = {}
        self.period_id = period_id
        self.units_model.set_rows(self.service.sheets(period_id) if period_id is not None else [])
        row = self.units_model.row_of_sheet(keep) if keep is not None else 0
        self.select_row(max(row, 0))
        if period_id is not None:
            self._load_suggestions(period_id)

    def select_sheet(self, sheet_id: int) -> None:
        self.select_row(self.units_model.row_of_sheet(sheet_id))

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.units_model.rowCount():
            self._show_sheet(None)
            return
        index = self.units_model.index(row, 0)
        if self.units.currentIndex().row() == row:
            self._show_sheet(self.units_model.row_at(row).id)
        self.units.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def step(self, delta: int) -> None:
        row = self.units.currentIndex().row() + delta
        if 0 <= row < self.units_model.rowCount():
            self.select_row(row)
            self.items.setFocus()

    def _unit_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.units_model.row_at(current.row())
        self._show_sheet(row.id if row is not None else None)

    def _show_sheet(self, sheet_id: int | None) -> None:
        keep = self._current_item()
        self.form = self.service.form(sheet_id) if sheet_id is not None else None
        self._refresh(keep.indicator.id if keep else None)

    def _reload_form(self) -> None:
        """After a save: read the sheet again (a few ms) and update its row in the unit list."""
        if self.form is None:
            return
        keep = self._current_item()
        self.form = self.service.form(self.form.sheet_id)
        row = self.units_model.row_of_sheet(self.form.sheet_id)
        if row >= 0:
            old = self.units_model.row_at(row)
            count = sum(len(i.deductions) for i in self.form.items)
            rows = self.units_model.rows()
            rows[row] = dataclasses.replace(old, review_total=self.form.review_total, self_total=self.form.self_total,
                                            bonus_total=self.form.bonus_total, veto=self.form.veto,
                                            reviewed=self.form.reviewed, deductions=count)
            self.units_model.set_rows(rows)
            self.units.selectionModel().setCurrentIndex(
                self.units_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._refresh(keep.indicator.id if keep else None)
        self.changed.emit()

    def _refresh(self, indicator_id: int | None) -> None:
        form = self.form
        self.items_model.load(form)
        if form is None:
            self.unit_title.setText("（本月还没有考评表）" if self.period_id is not None else self._empty_text)
            self.totals.setText("")
        else:
            self.unit_title.setText(f"{form.unit_name}　{form.period_title}")
            self.totals.setText(self._totals_text(form))
            self.review_button.setText("取消复核" if form.reviewed else "复核完成，下一个（Ctrl+Enter）")
        rows = self.items_model.rows()
        row = next((i for i, it in enumerate(rows) if it.indicator.id == indicator_id), 0)
        if rows:
            self.items.selectionModel().setCurrentIndex(
                self.items_model.index(row, ItemCol.SELF),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._show_item()
        self._show_suggestions()

    @staticmethod
    def _totals_text(form: SheetForm) -> str:
        own = score_text(form.self_total) or "未填"
        state = "已复核" if form.reviewed else "未复核"
        if form.locked:
            state = "本月已锁定"
        veto = "　一票否决" if form.veto else ""
        return (f"复核总分 {form.review_total:.1f}（满分{form.total_points:.0f}，加分 {form.bonus_total:.1f}）"
                f"　自评 {own}　{state}{veto}")

    # --- one item ---------------------------------------------------------------------------------------------

    def _current_item(self) -> ItemView | None:
        row = self.items_model.row_at(self.items.currentIndex().row())
        return row if isinstance(row, ItemView) else None

    def _typed(self) -> TypedEntry | None:
        item = self._shown
        if item is None:
            return None
        return TypedEntry(item.id, self.occurrences.value(), self.points_each.text(), self.reason.text(),
                          self.evidence_note.text(), self._evidence_file, self.veto_box.isChecked(),
                          self.veto_reason.text(),
                          (self.veto_box.isChecked(), self.veto_reason.text()) != (item.veto, item.veto_reason))

    def _put_back(self, typed: TypedEntry) -> None:
        """Fill the entry widgets again with what the user typed (the item is shown again after a reload)."""
        self.occurrences.setValue(typed.occurrences)
        self.points_each.setText(typed.points_each)
        self.reason.setText(typed.reason)
        self.evidence_note.setText(typed.evidence_note)
        self._evidence_file = typed.evidence_file
        if typed.evidence_file:
            self.attach_button.setText(f"附件：{Path(typed.evidence_file).name}")
        if typed.veto_edited:
            self.veto_box.setChecked(typed.veto)
            self.veto_reason.setText(typed.veto_reason)

    def _show_item(self) -> None:
        typed = self._typed()
        item = self._current_item()
        self._shown = item
        editable = self.form is not None and not self.form.locked and not self.form.reviewed
        self.entry_error.setText("")
        self._evidence_file = ""
        self.attach_button.setText("附件…")
        if item is None:
            self.detail.setTitle("扣分记录")
            self.description.setText("")
            self.records_model.set_rows([])
            self.veto_row.setVisible(False)
            for w in self._entry_widgets():
                w.setEnabled(False)
            return
        ind = item.indicator
        bonus = ind.method == IndicatorMethod.BONUS
        what = "加分" if bonus else "扣分"
        self.detail.setTitle(f"{ind.name}（{ind.points:.1f}分，{ind.method.value}）")
        self.description.setText(ind.description + ("　须提供佐证。" if ind.evidence_required else ""))
        self.records_model.set_rows(item.bonuses if bonus else item.deductions)
        self.add_button.setText(f"登记{what}")
        self.reason.setPlaceholderText(f"{what}原因（必填）")
        self.points_each.setPlaceholderText(f"{ind.per_occurrence:.1f}")
        self.points_each.clear()
        self.occurrences.setValue(1)
        self.veto_row.setVisible(ind.method == IndicatorMethod.VETO)
        self.veto_box.setChecked(item.veto)
        self.veto_reason.setText(item.veto_reason)
        for w in self._entry_widgets():
            w.setEnabled(editable)
        if typed is not None and typed.item_id == item.id:
            self._put_back(typed)  # the same item read again: what is typed stays

    def _entry_widgets(self) -> list[QWidget]:
        return [self.occurrences, self.points_each, self.reason, self.evidence_note, self.add_button,
                self.attach_button, self.remove_button, self.veto_box, self.veto_reason, self.veto_button]

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择佐证文件", "", "所有文件 (*)")
        if path:
            self._evidence_file = path
            self.attach_button.setText(f"附件：{Path(path).name}")

    def add_record(self) -> None:
        item = self._current_item()
        if item is None or self.form is None:
            return
        data = OccurrenceInput(self.reason.text(), self.occurrences.value(), self.points_each.text().strip() or None,
                               self.evidence_note.text(), self._evidence_file)
        bonus = item.indicator.method == IndicatorMethod.BONUS
        save = self.service.add_bonus if bonus else self.service.add_deduction
        stamp = self.form.stamp
        if not self._run(lambda: save(item.id, data, expected_version=stamp)):
            return
        for line in (self.reason, self.evidence_note, self.points_each):
            line.clear()
        self.occurrences.setValue(1)
        self._evidence_file = ""
        self._reload_form()
        self.reason.setFocus()

    def remove_selected(self) -> None:
        item = self._current_item()
        record = self.records_model.row_at(self.records.currentIndex().row())
        if item is None or record is None or self.form is None:
            return
        reason, ok = QInputDialog.getText(self, "删除记录", f"删除“{record.reason}”。删除的理由（记入审计日志）：",
                                          text=self._take_offered_reason())
        if not ok:
            return
        bonus = item.indicator.method == IndicatorMethod.BONUS
        remove = self.service.remove_bonus if bonus else self.service.remove_deduction
        stamp = self.form.stamp
        if self._run(lambda: remove(record.id, reason, expected_version=stamp), typed_reason=reason):
            self._reload_form()

    def save_veto(self) -> None:
        item = self._current_item()
        if item is None or self.form is None:
            return
        veto, reason, stamp = self.veto_box.isChecked(), self.veto_reason.text(), self.form.stamp
        if self._run(lambda: self.service.set_veto(item.id, veto, reason, expected_version=stamp)):
            self._reload_form()

    def _save_self(self, item: ItemView, text: str) -> bool:
        """Called by the table while its editor commits: the table is read again once the editor has closed."""
        if self.form is None:
            return False
        stamp = self.form.stamp
        if self._run(lambda: self.service.set_self_score(item.id, text or None, expected_version=stamp),
                     typed_self=(item.indicator.id, text)):
            QTimer.singleShot(0, self._reload_form)
            return True
        return False

    def _run(self, action, typed_reason: str = "",  # type: ignore[no-untyped-def]
             typed_self: tuple[int, str] | None = None) -> bool:
        """Save through the service; a refused input is shown under the entry line, other errors in a dialog.
        A save refused because another user changed the sheet reloads the form, keeping what was typed."""
        self.entry_error.setText("")
        try:
            action()
        except ValidationError as exc:
            self.entry_error.setText("；".join(p.message for p in exc.problems))
            return False
        except ConcurrentChangeError as exc:
            self._offered_reason = typed_reason
            if typed_self is not None:  # the table's editor is still committing: reload once it has closed
                QTimer.singleShot(0, lambda e=exc, typed=typed_self: self._changed_elsewhere(e, typed))
            else:
                self._changed_elsewhere(exc)
            return False
        except DangjianError as exc:
            show_error(self, exc)
            return False
        return True

    def _changed_elsewhere(self, exc: ConcurrentChangeError, typed_self: tuple[int, str] | None = None) -> None:
        """Read the sheet again as it is now, put back what the user typed, and say who changed what."""
        typed = self._typed()
        self._reload_form()
        if typed is not None and self._shown is not None and typed.item_id == self._shown.id:
            self._put_back(typed)
        kept = "您填写的内容已保留，请核对后再保存。"
        if typed_self is not None:
            kept = f"您填写的自评得分“{typed_self[1]}”未保存，已重新放回表中，请核对后按回车保存。"
        elif self._offered_reason:
            kept = f"您填写的理由“{self._offered_reason}”已保留，再次操作时会自动填入。"
        QMessageBox.warning(self, "本表已被他人修改", f"{exc.message}\n\n已重新读取本表。{kept}")
        if typed_self is not None:
            self._offer_self_score(*typed_self)

    def _offer_self_score(self, indicator_id: int, text: str) -> None:
        """Open the 自评 cell of the indicator again with the value the user typed in it."""
        rows = self.items_model.rows()
        row = next((i for i, it in enumerate(rows) if isinstance(it, ItemView) and it.indicator.id == indicator_id), -1)
        if row < 0 or self.form is None or self.form.locked or self.form.reviewed:
            return
        index = self.items_model.index(row, ItemCol.SELF)
        self.items.setCurrentIndex(index)
        self.items.edit(index)
        editor = self.items.focusWidget()
        if isinstance(editor, QLineEdit):
            editor.setText(text)

    def _take_offered_reason(self) -> str:
        reason, self._offered_reason = self._offered_reason, ""
        return reason

    # --- review -----------------------------------------------------------------------------------------------

    def toggle_review(self) -> None:
        """Ctrl+Enter: this unit's 复核 is done, on to the next unit (or undo the review of a reviewed one)."""
        if self.form is None:
            return
        reviewed, sheet_id, stamp = not self.form.reviewed, self.form.sheet_id, self.form.stamp
        if reviewed and not self._review_despite_suggestions(sheet_id):
            return
        if not self._run(lambda: self.service.set_reviewed(sheet_id, reviewed, expected_version=stamp)):
            return
        self._reload_form()
        self.state_changed.emit()
        if reviewed:
            self._next_unreviewed()

    def _review_despite_suggestions(self, sheet_id: int) -> bool:
        """A sheet is reviewed with its suggested deductions handled, or because the user says so."""
        task = self._suggestions_task
        loaded = task is not None and task.done and sheet_id in self.suggested
        try:
            open_ = self.suggested[sheet_id] if loaded else self.service.suggestions(sheet_id)
        except DangjianError as exc:
            show_error(self, exc)
            return False
        if not open_:
            return True
        listed = "\n".join(f"· {s.indicator_name}：{s.reason}" for s in open_[:8]) + ("\n……" if len(open_) > 8 else "")
        answer = QMessageBox.question(
            self, "尚有建议扣分未处理",
            f"本单位尚有{len(open_)}条建议扣分既未采纳也未不采纳：\n{listed}\n\n仍标记为复核完成吗？"
            "（选“否”返回处理：采纳，或填写理由不采纳）", defaultButton=QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            self.suggestions.setFocus()
            return False
        return True

    def _next_unreviewed(self) -> None:
        rows = self.units_model.rows()
        start = self.units.currentIndex().row()
        for offset in range(1, len(rows) + 1):
            row = (start + offset) % len(rows)
            if not rows[row].reviewed:
                self.select_row(row)
                self.items.setFocus()
                return

    # --- suggestions ------------------------------------------------------------------------------------------

    def _load_suggestions(self, period_id: int) -> None:
        """All the month's suggestions at once, off the GUI thread (the register is read county-wide)."""
        if self._suggestions_task is not None and not self._suggestions_task.done:
            self._suggestions_task.cancel()
        service = self.service

        def work(_progress: tasks.Progress, _cancelled: tasks.Cancelled) -> dict[int, list[Suggestion]]:
            return service.period_suggestions(period_id)

        def done(result: dict[int, list[Suggestion]]) -> None:
            if self.period_id == period_id:
                self.suggested = result
                self._show_suggestions()

        self._suggestions_task = tasks.run_task(work, on_success=done, on_failure=lambda _exc: None)

    def _show_suggestions(self) -> None:
        rows = self.suggested.get(self.form.sheet_id, []) if self.form is not None else []
        self.suggestions_model.set_rows(rows)
        editable = self.form is not None and not self.form.locked and not self.form.reviewed
        self.accept_button.setEnabled(editable and bool(rows))
        self.reject_button.setEnabled(editable and bool(rows))
        self.rejected_button.setEnabled(self.form is not None)
        if rows:
            self.suggestions.selectRow(0)

    def _current_suggestion(self) -> Suggestion | None:
        row = self.suggestions_model.row_at(self.suggestions.currentIndex().row())
        return row if isinstance(row, Suggestion) else None

    def _drop_suggestion(self, s: Suggestion) -> None:
        self.suggested[s.sheet_id] = [x for x in self.suggested.get(s.sheet_id, []) if x.source != s.source]

    def accept_suggestion(self) -> None:
        s = self._current_suggestion()
        if s is None or self.form is None:
            return
        stamp = self.form.stamp
        if self._run(lambda: self.service.accept_suggestion(s.sheet_id, s.source, s, expected_version=stamp)):
            self._drop_suggestion(s)
            self._reload_form()

    def reject_suggestion(self) -> None:
        s = self._current_suggestion()
        if s is None or self.form is None:
            return
        reason, ok = QInputDialog.getText(self, "不采纳建议", f"不采纳“{s.reason}”的理由（必填，记入审计日志）：",
                                          text=self._take_offered_reason())
        if not ok:
            return
        if not reason.strip():
            QMessageBox.warning(self, "不采纳建议", "请填写不采纳的理由：不采纳一条建议扣分须说明原因（记入审计日志）。")
            return
        stamp = self.form.stamp
        if self._run(lambda: self.service.reject_suggestion(s.sheet_id, s.source, reason, expected_version=stamp),
                     typed_reason=reason):
            self._drop_suggestion(s)
            self._show_suggestions()
            self.changed.emit()

    def show_rejected(self) -> None:
        """The sheet's 不采纳 suggestions, with 恢复; the month's suggestions are read again after a restore."""
        if self.form is None:
            return
        dialog = RejectedDialog(self.service, self.form, self)
        dialog.exec()
        if dialog.restored:
            self._reload_form()
            self.changed.emit()
            if self.period_id is not None:
                self._load_suggestions(self.period_id)
