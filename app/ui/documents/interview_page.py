"""约谈与整改: a period's 约谈 candidates → interviews (arrangements, notice, record of the conversation), and the
整改台账 with its status moves (销号 with a note), overdue items in red, printable.

The periods are the months past their draft and, next to them, the year (述职评议 一般 / 差) and any quarter with
interviews; what a notice had to leave blank (联系人及电话, a 约谈人's post) is shown as a warning, without stopping
the file from opening.

Business rules live in the services (InterviewService, RectificationService); this page shows what they say.
Documents are built and written as tasks off the GUI thread."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.dates import cn_date
from app.models import PeriodKind, RectificationStatus
from app.reports.output import write_atomic
from app.services.annual.service import AnnualService
from app.services.interview import (
    Candidate,
    ConversationInput,
    IntervieweeOption,
    InterviewInput,
    InterviewPeriod,
    InterviewService,
    InterviewView,
)
from app.services.rectification import ItemInput, ItemView, RectificationService, action_label
from app.ui import printing, tasks
from app.ui.context import AppContext
from app.ui.documents import common
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog, ask_day_off
from app.ui.tables import SortableRows, make_list

AnyIndex = QModelIndex | QPersistentModelIndex
KeyRole = Qt.ItemDataRole.UserRole + 1
St = RectificationStatus


def _table(name: str, model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    # Fitting columns measures this many rows, not the first 1,000 (a county's 台账 has thousands of items).
    view.horizontalHeader().setResizeContentsPrecision(60)
    return view


def _fit(view: QTableView, widest: int = 280) -> None:
    """Columns as wide as their contents, long texts capped (they wrap; the tooltip shows all)."""
    view.resizeColumnsToContents()
    for c in range(view.model().columnCount()):
        view.setColumnWidth(c, min(view.columnWidth(c), widest))


class _Table(SortableRows, QAbstractTableModel):
    """Rows of one record type under a column enum; subclasses say what a cell shows."""

    HEADERS: dict[int, str] = {}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, r: int) -> Any:
        return self._rows[r] if 0 <= r < len(self._rows) else None

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.HEADERS):
            return None
        record = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(record, index.column())
        if role == KeyRole:
            return self.key(record)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.colour(record)
            return QColor(colour) if colour else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS.get(section)
        return str(section + 1)

    def cell(self, record: Any, col: int) -> str:
        raise KeyError(col)

    def key(self, record: Any) -> Any:
        return None

    def colour(self, record: Any) -> str | None:
        return None


# ---------------------------------------------------------------------------------------------------------------
# 约谈


@dataclass(frozen=True)
class InterviewRow:
    """A line of the 约谈 table: a candidate not yet given an interview, or an interview."""

    candidate: Candidate | None
    interview: InterviewView | None

    @property
    def unit(self) -> str:
        return self.interview.unit if self.interview else self.candidate.unit if self.candidate else ""


class ICol(enum.IntEnum):
    UNIT = 0
    RANK = 1
    TOTAL = 2
    TIER = 3
    REASONS = 4
    INTERVIEWEE = 5
    TIME = 6
    PLACE = 7
    STATUS = 8
    DEADLINE = 9
    PROGRESS = 10


class InterviewTableModel(_Table):
    HEADERS = {ICol.UNIT: "单位", ICol.RANK: "名次", ICol.TOTAL: "总分", ICol.TIER: "档次/等次", ICol.REASONS: "约谈依据",
               ICol.INTERVIEWEE: "被约谈人", ICol.TIME: "约谈时间", ICol.PLACE: "地点", ICol.STATUS: "状态",
               ICol.DEADLINE: "整改时限", ICol.PROGRESS: "整改销号"}

    def cell(self, record: InterviewRow, col: int) -> str:
        c, v = record.candidate, record.interview
        if col == ICol.UNIT:
            return record.unit
        if v is None:
            assert c is not None
            return {ICol.RANK: str(c.rank), ICol.TOTAL: f"{c.total:.1f}", ICol.TIER: c.tier,
                    ICol.REASONS: "；".join(c.reasons), ICol.STATUS: "未建立约谈"}.get(ICol(col), "")
        who = f"{v.interviewee_post.value} {v.interviewee_name}".strip()
        values = {
            ICol.RANK: "" if v.rank is None else str(v.rank), ICol.TOTAL: "" if v.total is None else f"{v.total:.1f}",
            ICol.TIER: v.tier, ICol.REASONS: "；".join(v.reasons), ICol.INTERVIEWEE: who,
            ICol.TIME: v.scheduled_at.strftime("%Y-%m-%d %H:%M") if v.scheduled_at else "待定",
            ICol.PLACE: v.place, ICol.STATUS: v.status, ICol.DEADLINE: v.deadline.isoformat() if v.deadline else "",
            ICol.PROGRESS: f"{v.items_closed}/{v.items}" if v.items else "",
        }
        return values[ICol(col)]

    def key(self, record: InterviewRow) -> Any:
        if record.interview is not None:
            return ("interview", record.interview.id)
        assert record.candidate is not None
        return ("candidate", record.candidate.unit_id)

    def colour(self, record: InterviewRow) -> str | None:
        return "#666666" if record.interview is None else None


def _line(text: str, limit: int) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setMaxLength(limit)
    return edit


def _fit_to_screen(dialog: QWidget, width: int) -> None:
    """`width` wide and as tall as the form asks, but never taller than the screen: the 约谈记录 form asked for
    791 pixels, which put 保存 below the edge of a 1280×800 screen.  The text boxes give up the height."""
    title_bar = 40
    dialog.resize(width, min(dialog.sizeHint().height(), dialog.screen().availableGeometry().height() - title_bar))


def _text(text: str, height: int = 90) -> QPlainTextEdit:
    edit = QPlainTextEdit(text)
    edit.setMinimumHeight(height)
    return edit


class InterviewDialog(FormDialog):
    """The arrangements of one interview: who (from the register or typed), when, where, by whom, why."""

    def __init__(self, service: InterviewService, view: InterviewView, parent: QWidget | None = None) -> None:
        super().__init__(f"约谈安排：{view.unit}", self._write, parent)
        self.service, self.view = service, view
        f = self.form = self.new_form()
        options = service.interviewee_options(view.unit_id)
        self.person = ChoiceBox([("（手工填写）", None)] + [(o.label, o) for o in options])
        self.person.setObjectName("person_choice")
        current = next((o for o in options if o.post == view.interviewee_post and o.name == view.interviewee_name), None)
        self.person.set_value(current)
        self.person.value_changed.connect(self._person_chosen)
        f.add("person", "从名册选择", self.person)
        self.post = ChoiceBox([(p, p) for p in ("党组书记", "机关党委书记", "支部书记")])
        self.post.set_value(view.interviewee_post.value)
        f.add("interviewee_post", "被约谈人职务", self.post)
        f.add("interviewee_name", "被约谈人姓名", _line(view.interviewee_name, 40))
        self.undecided = QCheckBox("时间待定")
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        start = view.scheduled_at or service.default_time()  # the next working day at 09:00
        self.when.setDateTime(QDateTime(QDate(start.year, start.month, start.day), QTime(start.hour, start.minute)))
        self.undecided.setChecked(view.scheduled_at is None)
        self.undecided.toggled.connect(lambda on: self.when.setEnabled(not on))
        self.when.setEnabled(view.scheduled_at is not None)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.when, 1)
        row.addWidget(self.undecided)
        f.add("scheduled_at", "约谈时间", box)
        f.add("place", "约谈地点", _line(view.place, 100))
        f.add("interviewers", "约谈人", _line(view.interviewers, 200),
              "写明职务：姓名（职务），如“王强（县直机关工委书记）”；多人用顿号分隔")
        f.add("recorder", "记录人", _line(view.recorder, 40))
        f.add("reasons", "约谈依据", _text("\n".join(view.reasons), 60), "每行一条")
        f.add("problems", "存在问题", _text("\n".join(view.problems)), "每行一条；登记约谈记录后每条成为一个整改事项")
        self.notice_on = DateEdit()
        self.notice_on.set_date(view.notice_on)
        f.add("notice_on", "通知书日期", self.notice_on)
        _fit_to_screen(self, 620)

    def accept(self) -> None:
        """A weekend or a holiday is asked about before it is saved (not again for the day already stored)."""
        when = None if self.undecided.isChecked() else self.when.dateTime().toPython()
        stored = self.view.scheduled_at.date() if self.view.scheduled_at else None
        if isinstance(when, dt.datetime) and when.date() != stored:
            question = self.service.day_question(when)
            if question is not None and not self.confirm_day(question):
                self.when.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        super().accept()

    def confirm_day(self, question: str) -> bool:
        return ask_day_off(self, "约谈日期不是工作日", question)

    def _person_chosen(self, option: IntervieweeOption | None) -> None:
        if option is None:
            return
        self.post.set_value(option.post.value)
        name = self.form.field("interviewee_name")
        assert isinstance(name, QLineEdit)
        name.setText(option.name)

    def data(self) -> InterviewInput:
        f = self.form
        chosen = self.person.value()
        when = None if self.undecided.isChecked() else self.when.dateTime().toPython()
        return InterviewInput(
            interviewee_post=self.post.value() or "", interviewee_name=f.text("interviewee_name"),
            interviewee_member_id=chosen.member_id if isinstance(chosen, IntervieweeOption) else
            self.view.interviewee_member_id,
            scheduled_at=when.replace(second=0, microsecond=0) if isinstance(when, dt.datetime) else None,
            place=f.text("place"), interviewers=f.text("interviewers"), recorder=f.text("recorder"),
            reasons=f.text("reasons"), problems=f.text("problems"), notice_on=f.date("notice_on"))

    def _write(self) -> InterviewView:
        return self.service.update(self.view.id, self.data())


class ConversationDialog(FormDialog):
    """约谈记录: what was said, the 表态, the 整改要求 and the deadline (working days, or a date)."""

    def __init__(self, service: InterviewService, view: InterviewView, parent: QWidget | None = None) -> None:
        super().__init__(f"登记约谈记录：{view.unit}", self._write, parent)
        self.service, self.view = service, view
        f = self.form = self.new_form()
        info = QLabel(f"约谈时间：{view.scheduled_at:%Y-%m-%d %H:%M}　约谈人：{view.interviewers}　记录人：{view.recorder}"
                      if view.scheduled_at else "请先在“约谈安排”中填写约谈时间。")
        info.setWordWrap(True)
        self.body.insertWidget(0, info)
        f.add("conversation", "谈话内容", _text(view.conversation, 120))
        f.add("statement", "被约谈人表态", _text(view.statement, 70))
        f.add("requirements", "整改要求", _text("\n".join(view.requirements), 70), "每行一条")
        self.days = QSpinBox()
        self.days.setRange(1, 120)
        self.days.setValue(view.deadline_working_days)
        self.days.setSuffix(" 个工作日")
        self.days.valueChanged.connect(self._update_deadline)
        f.add("working_days", "整改时限", self.days)
        self.deadline = DateEdit()
        self.deadline.setPlaceholderText("留空则按工作日计算")
        self.deadline.textChanged.connect(self._update_deadline)
        f.add("deadline", "或指定日期", self.deadline)
        self.computed = QLabel()
        self.computed.setObjectName("computed_deadline")
        self.body.addWidget(self.computed)
        self._update_deadline()
        _fit_to_screen(self, 620)

    def _update_deadline(self) -> None:
        if self.view.scheduled_at is None:
            self.computed.setText("")
            return
        try:
            chosen = self.deadline.date()
        except ValueError:
            chosen = None
        day = chosen or self.service.default_deadline(self.view.scheduled_at.date(), self.days.value())
        self.computed.setText(f"整改期限至：{cn_date(day)}（周末和法定节假日不计，调休上班日计入）")

    def _write(self) -> InterviewView:
        f = self.form
        given = f.date("deadline")
        return self.service.record(self.view.id, ConversationInput(
            f.text("conversation"), f.text("statement"), f.text("requirements"), deadline=given,
            working_days=None if given else self.days.value()))


# ---------------------------------------------------------------------------------------------------------------
# 整改


class RCol(enum.IntEnum):
    UNIT = 0
    PROBLEM = 1
    MEASURE = 2
    OWNER = 3
    DEADLINE = 4
    STATUS = 5
    NOTE = 6
    SOURCE = 7


class RectificationTableModel(_Table):
    HEADERS = {RCol.UNIT: "单位", RCol.PROBLEM: "存在问题", RCol.MEASURE: "整改措施", RCol.OWNER: "责任人",
               RCol.DEADLINE: "整改时限", RCol.STATUS: "状态", RCol.NOTE: "整改情况/销号说明", RCol.SOURCE: "来源"}

    def cell(self, v: ItemView, col: int) -> str:
        note = v.close_note if v.stored_status == St.CLOSED else v.progress
        return {RCol.UNIT: v.unit, RCol.PROBLEM: v.problem, RCol.MEASURE: v.measure, RCol.OWNER: v.owner,
                RCol.DEADLINE: v.deadline.isoformat(), RCol.STATUS: v.status_text, RCol.NOTE: note,
                RCol.SOURCE: v.source}[RCol(col)]

    def key(self, v: ItemView) -> int:
        return v.id

    def colour(self, v: ItemView) -> str | None:
        if v.overdue:
            return common.OVERDUE_COLOUR
        return "#2e7d32" if v.status == St.CLOSED else None

    def row_of(self, item_id: int) -> int | None:
        return next((i for i, v in enumerate(self._rows) if v.id == item_id), None)


def deadline_question(interviews: InterviewService) -> Callable[[dt.date], str | None]:
    """What 整改事项 asks before a deadline on a weekend or a holiday is saved (None on a working day)."""
    return lambda day: interviews.calendar().question(day, "把整改时限定")


class ItemDialog(FormDialog):
    """Edit an item's problem, measure, 责任人 and deadline (a new deadline needs a reason)."""

    def __init__(self, service: RectificationService, item: ItemView, parent: QWidget | None = None,
                 day_question: Callable[[dt.date], str | None] | None = None) -> None:
        super().__init__(f"整改事项：{item.unit}", self._write, parent)
        self.service, self.item = service, item
        self.day_question = day_question  # WorkCalendar.question: a deadline on a day off is asked about
        f = self.form = self.new_form()
        f.add("problem", "存在问题", _text(item.problem, 60))
        f.add("measure", "整改措施", _text(item.measure, 80))
        f.add("owner", "责任人", _line(item.owner, 40))
        self.deadline = DateEdit()
        self.deadline.set_date(item.deadline)
        f.add("deadline", "整改时限", self.deadline)
        f.add("reason", "调整时限的理由", _line("", 200), "只在修改整改时限时填写")
        _fit_to_screen(self, 560)

    def accept(self) -> None:
        """A new deadline on a weekend or a holiday is asked about first (the stored one is not asked again)."""
        try:
            day = self.deadline.date()
        except ValueError:
            day = None  # the form shows what is wrong with it
        question = self.day_question(day) if self.day_question and day and day != self.item.deadline else None
        if question is not None and not ask_day_off(self, "整改时限不是工作日", question):
            self.deadline.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().accept()

    def _write(self) -> ItemView:
        f = self.form
        return self.service.edit_item(self.item.id, ItemInput(f.text("problem"), f.text("measure"), f.text("owner"),
                                                              f.date("deadline")), reason=f.text("reason"))


# What a period's interviews follow from, in the page's summary line.
PERIOD_BASIS = {PeriodKind.MONTH: "", PeriodKind.QUARTER: "分级量化考核", PeriodKind.YEAR: "述职评议考核"}

# What each move asks for, in the words of the button.
MOVE_PROMPTS = {
    St.IN_PROGRESS: "进展说明（可不填）：",
    St.PENDING_REVIEW: "请填写整改情况（已完成哪些整改、有何佐证），提交后由县直机关工委审核：",
    St.CLOSED: "请填写销号说明（审核意见和依据），销号将记入审计日志：",
}


# ---------------------------------------------------------------------------------------------------------------
# the page


class InterviewPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.interviews = InterviewService(ctx.session_factory, today=ctx.today)
        self.rectification = RectificationService(ctx.session_factory, today=ctx.today)
        self.annual = AnnualService(ctx.session_factory, today=ctx.today)
        self.last_written: list[Path] = []
        self.last_warnings: list[str] = []
        self.warning_box: QMessageBox | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._interview_tab(), "约谈")
        self.tabs.addTab(self._rectification_tab(), "整改台账")
        self.folder_bar = common.OutputFolderBar(ctx)
        col = QVBoxLayout(self)
        col.addWidget(self.tabs, 1)
        col.addWidget(self.folder_bar)
        ctx.follow(self, self.reload, "scoring", "documents", "interviews", "rectification", "register", "settings")
        self.reload()

    # --- building -------------------------------------------------------------------------------------------

    def _interview_tab(self) -> QWidget:
        tab = QWidget()
        self.month_box = ChoiceBox()  # the period: a month, a quarter or the year (its key)
        self.month_box.setObjectName("interview_month")
        self.month_box.setMinimumWidth(220)
        self.month_box.value_changed.connect(lambda _v: self.load_interviews())
        self.create_button = self._button("为约谈对象建立约谈", "create_interviews", self.create_interviews)
        self.edit_button = self._button("约谈安排(&E)…", "edit_interview", self.edit_interview)
        self.record_button = self._button("登记约谈记录(&R)…", "record_interview", self.record_interview)
        self.docs_button = self._button("通知书和记录", "interview_documents", None)
        menu = QMenu(self.docs_button)
        menu.addAction("打开约谈通知书", lambda: self.document_action("notice", "open"))
        menu.addAction("打印约谈通知书", lambda: self.document_action("notice", "print"))
        menu.addAction("打开约谈记录", lambda: self.document_action("record", "open"))
        menu.addAction("打印约谈记录", lambda: self.document_action("record", "print"))
        menu.addSeparator()
        menu.addAction("打印本期全部约谈文书（一个打印任务）", self.print_period_documents)
        self.docs_button.setMenu(menu)
        self.all_docs_button = self._button("生成本期全部约谈文书", "all_documents", self.write_month_documents)
        self.delete_button = self._button("删除约谈", "delete_interview", self.delete_interview)
        top = QHBoxLayout()
        top.addWidget(QLabel("考评期："))
        top.addWidget(self.month_box)
        top.addWidget(self.create_button)
        top.addStretch()
        self.interview_state = QLabel()
        self.interview_state.setObjectName("interview_state")
        self.interview_state.setWordWrap(True)
        self.interview_model = InterviewTableModel(self)
        self.interview_view = _table("interview_table", self.interview_model)
        self.interview_view.doubleClicked.connect(lambda _i: self.edit_interview())
        self.interview_view.selectionModel().selectionChanged.connect(lambda *_: self._interview_selected())
        make_list(self.interview_view, [self.create_button, None, self.edit_button, self.record_button,
                                        self.docs_button, self.all_docs_button, None, self.delete_button],
                  title="约谈")
        actions = QHBoxLayout()
        for b in (self.edit_button, self.record_button, self.docs_button, self.all_docs_button, self.delete_button):
            actions.addWidget(b)
        actions.addStretch()
        col = QVBoxLayout(tab)
        col.addLayout(top)
        col.addWidget(self.interview_state)
        col.addWidget(self.interview_view, 1)
        col.addLayout(actions)
        return tab

    def _rectification_tab(self) -> QWidget:
        tab = QWidget()
        self.unit_filter = ChoiceBox(searchable=True)
        self.unit_filter.setObjectName("unit_filter")
        self.unit_filter.value_changed.connect(lambda _v: self.load_items())
        self.status_filter = ChoiceBox([("全部状态", None)] + [(s.value, s) for s in St])
        self.status_filter.setObjectName("status_filter")
        self.status_filter.value_changed.connect(lambda _v: self.load_items())
        self.open_only = QCheckBox("只看未销号")
        self.open_only.setObjectName("open_only")
        self.open_only.toggled.connect(lambda _b: self.load_items())
        self.ledger_button = self._button("打印整改台账", "print_ledger", lambda: self.write_ledger("print"))
        self.ledger_open_button = self._button("打开整改台账", "open_ledger", lambda: self.write_ledger("open"))
        top = QHBoxLayout()
        for w in (QLabel("单位："), self.unit_filter, QLabel("状态："), self.status_filter, self.open_only):
            top.addWidget(w)
        top.addStretch()
        top.addWidget(self.ledger_open_button)
        top.addWidget(self.ledger_button)
        self.item_summary = QLabel()
        self.item_summary.setObjectName("item_summary")
        self.item_model = RectificationTableModel(self)
        self.item_view = _table("rectification_table", self.item_model)
        self.item_view.doubleClicked.connect(lambda _i: self.edit_item())
        self.item_view.selectionModel().selectionChanged.connect(lambda *_: self._item_selected())
        self.move_buttons: dict[tuple[St, St] | str, QPushButton] = {}
        actions = QHBoxLayout()
        self.edit_item_button = self._button("编辑…", "edit_item", self.edit_item)
        actions.addWidget(self.edit_item_button)
        for name, label in (("start", "开始整改"), ("submit", "提交审核…"), ("send_back", "退回…"), ("close", "销号…"),
                            ("reopen", "撤销销号…")):
            button = self._button(label, f"move_{name}", lambda _c=False, n=name: self.move_selected(n))
            self.move_buttons[name] = button
            actions.addWidget(button)
        actions.addStretch()
        make_list(self.item_view, [self.edit_item_button, *self.move_buttons.values(), None,
                                   self.ledger_open_button, self.ledger_button], title="整改台账")
        col = QVBoxLayout(tab)
        col.addLayout(top)
        col.addWidget(self.item_summary)
        col.addWidget(self.item_view, 1)
        col.addLayout(actions)
        return tab

    @staticmethod
    def _button(text: str, name: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        if slot is not None:
            b.clicked.connect(lambda _c=False: slot())
        return b

    # --- loading --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        periods = self.interviews.periods()
        current = self.month_box.value()
        self.month_box.set_choices([(f"{p.title}（{p.state.value}）", p.key) for p in periods])
        if current in self.month_box.values():
            self.month_box.set_value(current)
        elif periods:
            # The newest month first: a year or quarter is chosen, not opened on.
            first = next((p for p in periods if p.kind == PeriodKind.MONTH), periods[0])
            self.month_box.set_value(first.key)
        unit = self.unit_filter.value()
        self.unit_filter.set_choices([("全部单位", None)] + [(name, uid) for uid, name in self.ctx.register.units()])
        self.unit_filter.set_value(unit)
        if self.unit_filter.currentIndex() < 0:
            self.unit_filter.setCurrentIndex(0)
        if self.status_filter.currentIndex() < 0:
            self.status_filter.setCurrentIndex(0)
        self.folder_bar.refresh()
        self.load_interviews()
        self.load_items()

    def chosen_period(self) -> InterviewPeriod | None:
        key = self.month_box.value()
        return self.interviews.period(key) if key else None

    def load_interviews(self) -> None:
        period = self.chosen_period()
        if period is None:
            self.interview_model.set_rows([])
            self.interview_state.setText("还没有已复核的月度考评；全部复核后，这里列出约谈对象。")
            self.create_button.setEnabled(False)
        else:
            views = self.interviews.interviews(period_key=period.key)
            candidates = [c for c in self.interviews.period_candidates(period.key) if c.interview_id is None]
            rows = [InterviewRow(c, None) for c in candidates] + [InterviewRow(None, v) for v in views]
            self.interview_model.set_rows(rows)
            self.interview_state.setText(
                f"{period.title}{PERIOD_BASIS[period.kind]}约谈对象{len(candidates) + len(views)}个："
                f"已建立约谈{len(views)}个，其中已约谈{sum(1 for v in views if v.held)}个" +
                (f"；{len(candidates)}个尚未建立（灰色）" if candidates else "") + "。")
            self.create_button.setEnabled(bool(candidates))
        _fit(self.interview_view)
        if self.interview_model.rowCount() and self.selected_row() is None:
            self.interview_view.selectRow(0)
        self._interview_selected()

    def load_items(self) -> None:
        status = self.status_filter.value()
        items = self.rectification.items(unit_id=self.unit_filter.value(), status=status,
                                         open_only=self.open_only.isChecked())
        selected = self.selected_item()
        self.item_model.set_rows(items)
        overdue = sum(1 for v in items if v.overdue)
        closed = sum(1 for v in items if v.status == St.CLOSED)
        self.item_summary.setText(f"共{len(items)}项，已销号{closed}项" + (f"，逾期{overdue}项（红色）" if overdue else "")
                                  + "。")
        _fit(self.item_view)
        if (selected is None or not self.select_item(selected.id)) and items:
            self.item_view.selectRow(0)
        self._item_selected()

    # --- 约谈 actions ----------------------------------------------------------------------------------------

    def selected_row(self) -> InterviewRow | None:
        rows = self.interview_view.selectionModel().selectedRows()
        return self.interview_model.row(rows[0].row()) if rows else None

    def selected_interview(self) -> InterviewView | None:
        row = self.selected_row()
        return row.interview if row is not None else None

    def _interview_selected(self) -> None:
        v = self.selected_interview()
        for b in (self.edit_button, self.docs_button, self.delete_button):
            b.setEnabled(v is not None)
        self.record_button.setEnabled(v is not None and v.scheduled_at is not None)
        self.delete_button.setEnabled(v is not None and not v.held)
        self.all_docs_button.setEnabled(self.interview_model.rowCount() > 0)

    def create_interviews(self) -> None:
        """Interviews for the chosen period's candidates: a month's from the ranking; the year's with their
        整改方案, as the 述职评议 page proposes them."""
        period = self.chosen_period()
        if period is None or period.kind == PeriodKind.QUARTER:
            return
        try:
            if period.kind == PeriodKind.YEAR:
                made = [f.interview_id for f in self.annual.propose_followups(period.year) if f.created]
            else:
                assert period.month is not None
                made = [v.id for v in self.interviews.create_for_candidates(period.year, period.month)]
        except Exception as exc:  # shown as a known error (its message) or as a bug (logged)
            show_error(self, exc)
            return
        self.ctx.status.emit(f"已建立约谈{len(made)}个，请在“约谈安排”中确定时间、地点和约谈人")
        self.ctx.changed.emit("documents")
        if period.kind == PeriodKind.YEAR:
            self.ctx.changed.emit("interviews")
            self.ctx.changed.emit("rectification")
            self.load_items()
        self.load_interviews()
        if made:
            self.select_interview(made[0])

    def select_interview(self, interview_id: int) -> None:
        for r, row in enumerate(self.interview_model.rows()):
            if row.interview is not None and row.interview.id == interview_id:
                self.interview_view.selectRow(r)
                return

    def edit_interview(self) -> bool:
        v = self.selected_interview()
        if v is None:
            row = self.selected_row()
            if row is not None and row.candidate is not None:
                self.create_interviews()
            return False
        if self.run_dialog(InterviewDialog(self.interviews, v, self)):
            self.ctx.changed.emit("documents")
            self.load_interviews()
            self.select_interview(v.id)
            return True
        return False

    def record_interview(self) -> bool:
        v = self.selected_interview()
        if v is None:
            return False
        if self.run_dialog(ConversationDialog(self.interviews, v, self)):
            self.ctx.changed.emit("documents")
            self.ctx.changed.emit("rectification")
            self.ctx.status.emit(f"已登记{v.unit}的约谈记录，整改事项已列入整改台账")
            self.load_interviews()
            self.load_items()
            self.select_interview(v.id)
            return True
        return False

    def run_dialog(self, dialog: FormDialog) -> bool:
        """Show a form dialog (tests replace this to fill and accept it)."""
        return bool(dialog.exec())

    def delete_interview(self) -> None:
        v = self.selected_interview()
        if v is None:
            return
        answer = QMessageBox.question(self, "删除约谈", f"删除{v.unit}{v.period_title}的约谈安排吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.interviews.delete(v.id)
        except Exception as exc:  # shown as a known error (its message) or as a bug (logged)
            show_error(self, exc)
            return
        self.ctx.changed.emit("documents")
        self.load_interviews()

    def document_action(self, kind: str, then: str) -> tasks.Task | None:
        """Write the selected interview's notice ("notice") or record ("record"), then open or print it."""
        v = self.selected_interview()
        if v is None:
            return None
        folder = self.folder_bar.folder() / f"{v.period_title}约谈"
        service = self.interviews

        def work(_p: tasks.Progress, _c: tasks.Cancelled) -> tuple[Path, list[str]]:
            notice, record = service.documents(v.id)
            name, data = notice if kind == "notice" else record
            return write_atomic(folder / name, data), service.warnings(v.id) if kind == "notice" else []

        def done(written: tuple[Path, list[str]]) -> None:
            path, warnings = written
            self.last_written = [path]
            self.show_warnings(warnings)
            if then == "print":
                common.print_file(self.ctx, self, path)
            else:
                common.open_file(self.ctx, self, path)

        return tasks.run_task(work, on_success=done, parent=self)

    def write_month_documents(self) -> tasks.Task | None:
        """Every paper of the chosen period (a month, a quarter or the year) into its folder."""
        return self._period_documents(then="open")

    def print_period_documents(self) -> tasks.Task | None:
        """Every paper of the chosen period written, then shown and printed as one print job."""
        return self._period_documents(then="print")

    def _period_documents(self, then: str) -> tasks.Task | None:
        """Write every paper of the chosen period in the background, then open their folder or print them."""
        period = self.chosen_period()
        if period is None:
            return None
        folder = self.folder_bar.folder() / f"{period.title}约谈"
        service = self.interviews

        def done(written: Any) -> None:
            self.last_written = list(written.paths)
            if then == "print":
                self.show_warnings(written.warnings)
                printing.print_files(self.ctx, self, written.paths, title=f"{period.title}约谈文书")
                return
            blank = f"；{'、'.join(written.blank_units)}尚未建立约谈，生成的是空白通知书和记录" if written.blank_units else ""
            self.ctx.status.emit(f"已生成约谈文书{len(written.paths)}份{blank}")
            self.show_warnings(written.warnings)  # after the count: a warning is the status bar's last word
            common.open_path(folder)

        cancelled = "已取消，未打印约谈文书" if then == "print" else "已取消，未保存约谈文书"
        return tasks.run_with_progress(
            self, f"正在生成{period.title}约谈文书……",
            lambda p, c: service.write_period_documents(period.key, folder, progress=p, cancelled=c),
            on_success=done, on_cancel=lambda: self.ctx.status.emit(cancelled))

    def show_warnings(self, warnings: list[str]) -> None:
        """What the papers left blank for want of data, in a box that does not hold up the work (the file opens
        beside it) and in the status bar."""
        self.last_warnings = list(warnings)
        if not warnings:
            return
        self.ctx.status.emit(f"请注意：{warnings[0]}")
        if self.warning_box is None:
            self.warning_box = QMessageBox(QMessageBox.Icon.Warning, "约谈文书需要补充", "", parent=self)
            self.warning_box.setObjectName("interview_warnings")
            self.warning_box.setModal(False)
        self.warning_box.setText("\n\n".join(f"{i}. {w}" for i, w in enumerate(warnings, 1)))
        self.warning_box.show()

    # --- 整改 actions ----------------------------------------------------------------------------------------

    def selected_item(self) -> ItemView | None:
        rows = self.item_view.selectionModel().selectedRows()
        return self.item_model.row(rows[0].row()) if rows else None

    def select_item(self, item_id: int) -> bool:
        row = self.item_model.row_of(item_id)
        if row is None:
            return False
        self.item_view.selectRow(row)
        return True

    def _item_selected(self) -> None:
        v = self.selected_item()
        self.edit_item_button.setEnabled(v is not None and v.stored_status != St.CLOSED)
        moves = set(v.moves) if v is not None else set()
        stored = v.stored_status if v is not None else None
        self.move_buttons["start"].setEnabled(stored == St.NOT_STARTED)
        self.move_buttons["submit"].setEnabled(St.PENDING_REVIEW in moves)
        self.move_buttons["send_back"].setEnabled(stored == St.PENDING_REVIEW)
        self.move_buttons["close"].setEnabled(St.CLOSED in moves)
        self.move_buttons["reopen"].setEnabled(stored == St.CLOSED)

    def edit_item(self) -> bool:
        v = self.selected_item()
        if v is None or v.stored_status == St.CLOSED:
            return False
        if self.run_dialog(ItemDialog(self.rectification, v, self, deadline_question(self.interviews))):
            self.ctx.changed.emit("rectification")
            self.load_items()
            return True
        return False

    def move_selected(self, name: str) -> bool:
        """开始整改 / 提交审核 / 退回 / 销号 / 撤销销号 on the selected item, asking for its note."""
        v = self.selected_item()
        if v is None:
            return False
        target = {"start": St.IN_PROGRESS, "submit": St.PENDING_REVIEW, "send_back": St.IN_PROGRESS,
                  "close": St.CLOSED, "reopen": St.IN_PROGRESS}[name]
        try:
            label = action_label(v.stored_status, target)
        except KeyError:
            return False
        prompt = MOVE_PROMPTS.get(target) if name not in ("send_back", "reopen") else f"请填写{label}的理由："
        note = common.ask_note(self, f"{label}：{v.unit}", f"{v.problem}\n\n{prompt}", required=name != "start")
        if note is None:
            return False
        try:
            self.rectification.move(v.id, target, note)
        except Exception as exc:  # shown as a known error (its message) or as a bug (logged)
            show_error(self, exc)
            return False
        self.ctx.status.emit(f"{v.unit}：“{v.problem[:20]}”已{label}")
        self.ctx.changed.emit("rectification")
        self.load_items()
        self.select_item(v.id)
        return True

    def write_ledger(self, then: str) -> tasks.Task:
        unit_id = self.unit_filter.value()
        folder, service = self.folder_bar.folder(), self.rectification

        def done(path: Path) -> None:
            self.last_written = [path]
            if then == "print":
                common.print_file(self.ctx, self, path)
            else:
                common.open_file(self.ctx, self, path)

        return tasks.run_with_progress(self, "正在生成整改台账……",
                                       lambda _p, _c: service.write_ledger(folder, unit_id=unit_id),
                                       on_success=done, cancellable=False)

    # --- navigation -----------------------------------------------------------------------------------------

    def show_target(self, target: object) -> None:
        """("rectification", item id) from a 提醒, or ("interview", id)."""
        if not isinstance(target, tuple) or len(target) != 2:
            return
        kind, record_id = target
        if kind == "rectification":
            self.tabs.setCurrentIndex(1)
            if not self.select_item(int(record_id)):
                self.unit_filter.setCurrentIndex(0)
                self.status_filter.setCurrentIndex(0)
                self.open_only.setChecked(False)
                self.load_items()
                self.select_item(int(record_id))
        elif kind == "interview":
            self.tabs.setCurrentIndex(0)
            view = self.interviews.interview(int(record_id))
            self.month_box.set_value(view.period_key)
            self.select_interview(view.id)
