"""通报: pick a locked month, issue its 通报 (with the next 文号; a reissue asks first and takes a new number), see
the 通报 issued with their 文号, and open, print or export them; generate the month's 考评情况反馈单.

Issuing and generating run as tasks with progress and cancel (app/ui/tasks.py); the service writes the file
atomically, so a document open in Word/WPS is reported and left as it was."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import FieldProblem, ValidationError
from app.models import PeriodState
from app.services.bulletin import BulletinService, BulletinView, MonthChoice
from app.ui import printing, tasks
from app.ui.context import AppContext
from app.ui.documents.common import OutputFolderBar, export_pdf, open_file, open_path, print_file
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog

AnyIndex = QModelIndex | QPersistentModelIndex
KeyRole = Qt.ItemDataRole.UserRole + 1
SUPERSEDED_COLOUR = "#888888"


class Col(enum.IntEnum):
    NUMBER = 0
    MONTH = 1
    ISSUED_ON = 2
    ISSUED_BY = 3
    ISSUED_AT = 4
    STATUS = 5
    REASON = 6
    ANCHOR = 7


HEADERS = {
    Col.NUMBER: "文号", Col.MONTH: "考评月份", Col.ISSUED_ON: "成文日期", Col.ISSUED_BY: "印发人",
    Col.ISSUED_AT: "印发时间", Col.STATUS: "状态", Col.REASON: "重新印发理由", Col.ANCHOR: "审计链头",
}


def _cell(v: BulletinView, col: Col) -> str:
    if col == Col.NUMBER:
        return v.doc_number
    if col == Col.MONTH:
        return v.period_title
    if col == Col.ISSUED_ON:
        return v.issued_on.isoformat()
    if col == Col.ISSUED_BY:
        return v.issued_by
    if col == Col.ISSUED_AT:
        return v.issued_at.astimezone().strftime("%Y-%m-%d %H:%M")
    if col == Col.STATUS:
        return v.status
    if col == Col.REASON:
        return v.reason
    return f"第{v.audit_seq}条 {v.audit_hash[:16]}"


class BulletinTableModel(QAbstractTableModel):
    """Issued 通报, newest first; a superseded one is grey."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[BulletinView] = []

    def set_rows(self, rows: list[BulletinView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, r: int) -> BulletinView | None:
        return self._rows[r] if 0 <= r < len(self._rows) else None

    def row_of(self, bulletin_id: int) -> int | None:
        return next((i for i, v in enumerate(self._rows) if v.id == bulletin_id), None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(Col):
            return None
        v = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _cell(v, Col(index.column()))
        if role == KeyRole:
            return v.id
        if role == Qt.ItemDataRole.ForegroundRole and not v.current:
            return QColor(SUPERSEDED_COLOUR)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[Col(section)] if 0 <= section < len(Col) else None
        return str(section + 1)


# ---------------------------------------------------------------------------------------------------------------
# the issue dialog


@dataclass(frozen=True)
class IssueRequest:
    sequence: int
    issued_on: dt.date
    reason: str


class IssueDialog(FormDialog):
    """文号 (the next free one, changeable), 成文日期, and for a reissue the confirmation and its reason."""

    def __init__(self, month: MonthChoice, code: str, next_sequence: int, current: BulletinView | None,
                 today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(f"印发{month.title}考评情况通报", self._read, parent)
        self.current = current
        self.code = code
        f = self.form = self.new_form()
        if current is not None:
            warn = QLabel(f"{month.title}已印发通报 {current.doc_number}（{current.issued_on:%Y-%m-%d}）。"
                          f"重新印发将使用新的文号，原通报及其存档予以保留，新通报注明原通报同时废止。")
            warn.setObjectName("reissue_warning")
            warn.setWordWrap(True)
            self.body.insertWidget(0, warn)
        self.sequence = QSpinBox()
        self.sequence.setRange(1, 9999)
        self.sequence.setValue(next_sequence)
        self.sequence.setPrefix(f"{code}〔{today.year}〕")
        self.sequence.setSuffix("号")
        f.add("sequence", "发文字号", self.sequence, "默认为本年下一个序号；本机关另有其他发文占用序号时可改")
        self.issued_on = DateEdit()
        self.issued_on.set_date(today)
        self.issued_on.textChanged.connect(self._year_changed)
        f.add("issued_on", "成文日期", self.issued_on)
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(80)
        self.reason.setObjectName("reissue_reason")
        if current is not None:
            f.add("reason", "重新印发理由", self.reason, "必填，如：县林业局10月得分复核更正")
        self.buttons.button(self.buttons.StandardButton.Save).setText("印发(&I)" if current is None else "重新印发(&I)")
        self.resize(480, self.sizeHint().height())

    def _year_changed(self) -> None:
        try:
            day = self.issued_on.date()
        except ValueError:
            return
        if day is not None:
            self.sequence.setPrefix(f"{self.code}〔{day.year}〕")

    def _read(self) -> IssueRequest:
        day = self.form.date("issued_on")
        problems = []
        if day is None:
            problems.append(("issued_on", "请填写成文日期"))
        reason = self.reason.toPlainText().strip()
        if self.current is not None and not reason:
            problems.append(("reason", "重新印发须说明理由"))
        if problems:
            raise ValidationError([FieldProblem(f, m) for f, m in problems])
        assert day is not None
        return IssueRequest(self.sequence.value(), day, reason)


# ---------------------------------------------------------------------------------------------------------------
# the page


class BulletinPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = BulletinService(ctx.session_factory)
        self.last_written: Path | None = None

        self.month_box = ChoiceBox()
        self.month_box.setObjectName("bulletin_month")
        self.month_box.setMinimumWidth(260)
        self.month_box.value_changed.connect(lambda _v: self._load_bulletins())
        self.issue_button = QPushButton("印发通报(&I)…")
        self.issue_button.setObjectName("issue_button")
        self.issue_button.clicked.connect(self.issue)
        self.feedback_button = QPushButton("生成考评情况反馈单(&F)")
        self.feedback_button.setObjectName("feedback_button")
        self.feedback_button.clicked.connect(self.generate_feedback)
        self.print_feedback_button = QPushButton("打印反馈单(&D)…")
        self.print_feedback_button.setObjectName("print_feedback_button")
        self.print_feedback_button.clicked.connect(self.print_feedback)
        top = QHBoxLayout()
        top.addWidget(QLabel("考评月份："))
        top.addWidget(self.month_box)
        top.addWidget(self.issue_button)
        top.addWidget(self.feedback_button)
        top.addWidget(self.print_feedback_button)
        top.addStretch()

        self.month_state = QLabel()
        self.month_state.setObjectName("month_state")
        self.month_state.setWordWrap(True)
        self.folder_bar = OutputFolderBar(ctx)

        self.model = BulletinTableModel(self)
        self.view = QTableView()
        self.view.setObjectName("bulletin_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.open_button = QPushButton("打开(&O)")
        self.print_button = QPushButton("打印(&P)")
        self.pdf_button = QPushButton("导出 PDF")
        for button, name, slot in ((self.open_button, "open_button", self.open_selected),
                                   (self.print_button, "print_button", self.print_selected),
                                   (self.pdf_button, "pdf_button", self.pdf_selected)):
            button.setObjectName(name)
            button.clicked.connect(slot)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("所选通报："))
        for button in (self.open_button, self.print_button, self.pdf_button):
            actions.addWidget(button)
        actions.addStretch()
        self.details = QLabel()
        self.details.setObjectName("bulletin_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        col = QVBoxLayout(self)
        col.addLayout(top)
        col.addWidget(self.month_state)
        col.addWidget(self.folder_bar)
        col.addWidget(self.view, 1)
        col.addLayout(actions)
        col.addWidget(self.details)
        ctx.follow(self, self.reload, "scoring", "documents", "settings", "register")
        self.reload()

    # --- loading --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        months = self.service.months()
        current = self.month_box.value()
        self.month_box.set_choices([(_month_label(m), m.period_id) for m in months])
        if current is not None and current in self.month_box.values():
            self.month_box.set_value(current)
        elif months:
            locked = next((m for m in months if m.locked), months[0])
            self.month_box.set_value(locked.period_id)
        self._months = {m.period_id: m for m in months}
        self.folder_bar.refresh()
        self._load_bulletins()

    def month(self) -> MonthChoice | None:
        pid = self.month_box.value()
        return getattr(self, "_months", {}).get(pid) if pid is not None else None

    def _load_bulletins(self) -> None:
        m = self.month()
        self.model.set_rows(self.service.bulletins(m.period_id) if m else [])
        if m is None:
            self.month_state.setText("还没有月度考评。请先在“月度考评”中完成考评并锁定。")
        elif not m.locked:
            self.month_state.setText(f"{m.title}的考评为“{m.state.value}”，锁定后才能印发通报"
                                     + ("；全部复核后即可生成反馈单。" if m.state == PeriodState.REVIEWED else "。"))
        else:
            count = self.model.rowCount()
            self.month_state.setText(f"{m.title}已锁定，" + (f"已印发通报{count}份。" if count else "尚未印发通报。"))
        self.issue_button.setEnabled(bool(m and m.locked))
        self.feedback_button.setEnabled(bool(m and m.state != PeriodState.DRAFT))
        self.print_feedback_button.setEnabled(self.feedback_button.isEnabled())
        if self.model.rowCount():
            self.view.selectRow(0)
        self._selection_changed()

    def selected(self) -> BulletinView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        v = self.selected()
        for button in (self.open_button, self.print_button, self.pdf_button):
            button.setEnabled(v is not None)
        if v is None:
            self.details.setText("")
            return
        lines = [f"{v.doc_number}　{v.title}", f"状态：{v.status}",
                 f"印发：{v.issued_by or '—'}，{v.issued_at.astimezone():%Y-%m-%d %H:%M}；成文日期 {v.issued_on:%Y-%m-%d}",
                 f"审计链头：第{v.audit_seq}条 {v.audit_hash}", f"文件校验码（SHA-256）：{v.sha256}"]
        if v.supersedes:
            lines.append(f"替代：{v.supersedes}（理由：{v.reason}）")
        self.details.setText("\n".join(lines))

    # --- issuing --------------------------------------------------------------------------------------------

    def ask_issue(self, month: MonthChoice) -> IssueRequest | None:
        """The dialog; tests replace this method."""
        today = self.ctx.today()
        number = self.service.next_number(today.year)
        current = self.service.current_for(month.year, month.month)
        dialog = IssueDialog(month, number.code, number.sequence, current, today, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        result = dialog.result_value
        assert isinstance(result, IssueRequest)
        return result

    def issue(self) -> tasks.Task | None:
        month = self.month()
        if month is None or not month.locked:
            return None
        request = self.ask_issue(month)
        if request is None:
            return None
        folder, service = self.folder_bar.folder(), self.service

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> tuple[BulletinView, Path]:
            view = service.issue(month.year, month.month, issued_on=request.issued_on, sequence=request.sequence,
                                 reason=request.reason, progress=progress, cancelled=cancelled)
            # Issued and stored: from here on the work is not cancelled (the number is taken).
            return view, service.export_to_folder(view.id, folder)

        def done(result: tuple[BulletinView, Path]) -> None:
            view, path = result
            self.last_written = path
            self.ctx.changed.emit("documents")
            self.reload()
            self._select(view.id)
            self.ctx.status.emit(f"已印发{view.doc_number}，保存到：{path}")
            open_file(self.ctx, self, path)

        def failed(exc: BaseException) -> None:
            self.reload()  # the 通报 may be issued even if writing the file failed
            show_error(self, exc)

        return tasks.run_with_progress(self, f"正在生成{month.title}考评情况通报……", work, on_success=done,
                                       on_failure=failed,
                                       on_cancel=lambda: self.ctx.status.emit("已取消，未印发通报"))

    def _select(self, bulletin_id: int) -> None:
        row = self.model.row_of(bulletin_id)
        if row is not None:
            self.view.selectRow(row)

    # --- the selected 通报 ------------------------------------------------------------------------------------

    def _export_then(self, then: str) -> tasks.Task | None:
        v = self.selected()
        if v is None:
            return None
        folder, service = self.folder_bar.folder(), self.service

        def done(path: Path) -> None:
            self.last_written = path
            if then == "open":
                open_file(self.ctx, self, path)
            elif then == "print":
                print_file(self.ctx, self, path)
            else:
                export_pdf(self.ctx, self, path)

        return tasks.run_task(lambda _p, _c: service.export_to_folder(v.id, folder), on_success=done, parent=self)

    def open_selected(self) -> tasks.Task | None:
        return self._export_then("open")

    def print_selected(self) -> tasks.Task | None:
        return self._export_then("print")

    def pdf_selected(self) -> tasks.Task | None:
        return self._export_then("pdf")

    # --- feedback sheets ------------------------------------------------------------------------------------

    def generate_feedback(self) -> tasks.Task | None:
        month = self.month()
        if month is None or month.state == PeriodState.DRAFT:
            return None
        folder = self.folder_bar.folder() / f"{month.year}年{month.month}月考评情况反馈单"
        service = self.service

        def done(paths: list[Path]) -> None:
            self.ctx.status.emit(f"已生成考评情况反馈单{len(paths)}份：{folder}")
            open_path(folder)

        return tasks.run_with_progress(
            self, f"正在生成{month.title}考评情况反馈单……",
            lambda p, c: service.write_feedback(month.year, month.month, folder, combined=True, progress=p,
                                                cancelled=c),
            on_success=done, on_cancel=lambda: self.ctx.status.emit("已取消，未保存反馈单"))


    def print_feedback(self) -> tasks.Task | None:
        """Every unit's 反馈单 written, then shown and printed as one print job (not one job per unit)."""
        month = self.month()
        if month is None or month.state == PeriodState.DRAFT:
            return None
        folder = self.folder_bar.folder() / f"{month.year}年{month.month}月考评情况反馈单"
        service = self.service
        title = f"{month.title}考评情况反馈单"

        def done(paths: list[Path]) -> None:
            printing.print_files(self.ctx, self, paths, title=title)

        return tasks.run_with_progress(
            self, f"正在生成{title}……",
            lambda p, c: service.write_feedback(month.year, month.month, folder, progress=p, cancelled=c),
            on_success=done,
            on_cancel=lambda: self.ctx.status.emit("已取消，未打印反馈单"))


def _month_label(m: MonthChoice) -> str:
    issued = f"，已印发{m.bulletins}份" if m.bulletins else ""
    return f"{m.title}（{m.state.value}{issued}）"
