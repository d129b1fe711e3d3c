"""What the 季度与年度 tabs share: a table model whose rows can be edited (the item lists of a 承诺 or 责任清单),
the issue dialog of a 通报, the year picker, and writing a generated document to the output folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QPlainTextEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.errors import FieldProblem, ValidationError
from app.reports.output import write_atomic
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.documents.common import open_file, output_folder
from app.ui.forms import DateEdit, FormDialog, format_date, parse_date

AnyIndex = QModelIndex | QPersistentModelIndex


class EditRowsModel(QAbstractTableModel):
    """Rows of text cells the user edits in place (a 承诺 item: 事项, 责任人, 时限); each row may carry a key
    (the id of the stored item it came from)."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self._rows: list[list[str]] = []
        self._keys: list[Any] = []

    def set_rows(self, rows: Sequence[Sequence[str]], keys: Sequence[Any] | None = None) -> None:
        self.beginResetModel()
        self._rows = [list(r) for r in rows]
        self._keys = list(keys) if keys is not None else [None] * len(self._rows)
        self.endResetModel()

    def rows(self) -> list[tuple[Any, list[str]]]:
        return list(zip(self._keys, (list(r) for r in self._rows), strict=True))

    def add_row(self, values: Sequence[str] | None = None) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(list(values) if values is not None else [""] * len(self.headers))
        self._keys.append(None)
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._keys[row]
            self.endRemoveRows()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.headers):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self._rows[index.row()][index.column()] = str(value or "").strip()
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return str(section + 1)


class ChoiceDelegate(QStyledItemDelegate):
    """A column edited by picking one of a few texts (the 责任主体 of a 责任清单 item)."""

    def __init__(self, choices: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.choices = list(choices)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        box = QComboBox(parent)
        box.addItems(self.choices)
        return box

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.setCurrentIndex(max(0, self.choices.index(text)) if text in self.choices else 0)

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


def table_view(model: QAbstractTableModel, *, stretch: int | None = None, editable: bool = False) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setDefaultSectionSize(24)
    view.verticalHeader().setVisible(editable)  # the tables show their own 序号 or 名次
    if not editable:
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    else:
        # Not on merely entering the table: Tab would open an editor there and walk the cells without end.
        view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers
                             & ~QAbstractItemView.EditTrigger.CurrentChanged)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def selected_row(view: QTableView) -> int | None:
    rows = view.selectionModel().selectedRows() if view.selectionModel() is not None else []
    return rows[0].row() if rows else None


def date_cell(text: str, row: int, label: str, problems: list[FieldProblem]) -> dt.date | None:
    """A date typed in a table cell (2026-06-30, 2026/6/30, 20260630); empty is None."""
    try:
        return parse_date(text)
    except ValueError:
        problems.append(FieldProblem("items", f"{label}“{text}”不是有效日期（应为2026-06-30这样的格式）", row))
        return None


def item_problems(call: Callable[[], Any]) -> Any:
    """Run a service call; problems of a numbered item row are shown under the item table as "第N行：…"."""
    try:
        return call()
    except ValidationError as exc:
        raise ValidationError([FieldProblem("items", f"第{p.row}行：{p.message}") if p.row is not None else p
                               for p in exc.problems]) from exc


def date_text(day: dt.date | None) -> str:
    return format_date(day)


def year_spin(value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(2000, 2100)
    spin.setValue(value)
    spin.setSuffix("年度")
    spin.setObjectName("year")
    return spin


@dataclass(frozen=True)
class IssueRequest:
    sequence: int | None
    issued_on: dt.date
    reason: str


class IssueDialog(FormDialog):
    """成文日期, an optional 发文序号 (default: the next free one) and, for a reissue, its reason."""

    def __init__(self, title: str, reissue_of: str | None, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(title, self._read, parent)
        self.reissue_of = reissue_of
        f = self.form = self.new_form()
        self.issued_on = DateEdit()
        self.issued_on.set_date(today)
        f.add("issued_on", "成文日期", self.issued_on)
        self.sequence = QSpinBox()
        self.sequence.setRange(0, 9999)
        self.sequence.setSpecialValueText("自动（本年下一个序号）")
        f.add("sequence", "发文序号", self.sequence, "一般不必修改；本机关另有其他发文占用序号时可指定")
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(80)
        if reissue_of:
            f.add("reason", "重新印发理由", self.reason, f"已印发{reissue_of}；重新印发将使用新的文号，原通报予以保留")
        self.buttons.button(self.buttons.StandardButton.Save).setText("印发(&I)")

    def _read(self) -> IssueRequest:
        day = self.form.date("issued_on")
        reason = self.reason.toPlainText().strip()
        problems = []
        if day is None:
            problems.append(FieldProblem("issued_on", "请填写成文日期"))
        if self.reissue_of and not reason:
            problems.append(FieldProblem("reason", "重新印发须说明理由"))
        if problems:
            raise ValidationError(problems)
        assert day is not None
        return IssueRequest(self.sequence.value() or None, day, reason)


def save_document(ctx: AppContext, parent: QWidget | None, make: Callable[[], tuple[str, bytes]],
                  subfolder: str = "") -> tasks.Task:
    """Build a document off the GUI thread (its data may come from a server, and a county's ballots grow with
    the number of units), write it to the output folder atomically and open it; known errors are shown."""
    from app.ui.errors import show_error

    folder = output_folder(ctx) / subfolder if subfolder else output_folder(ctx)

    def build(_progress: object, _cancelled: object) -> Path:
        name, data = make()
        return write_atomic(folder / name, data)

    def done(path: Path) -> None:
        ctx.status.emit(f"已生成：{path}")
        open_file(ctx, parent, path)

    return tasks.run_with_progress(parent, "正在生成文档……", build, on_success=done,
                                   on_failure=lambda exc: show_error(parent, exc, "文档未生成"), cancellable=False)
