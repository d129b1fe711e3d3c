"""民主生活会 tab of 队伍建设: the year's 民主生活会 and 组织生活会 per unit (with the units that have not held their
民主生活会), the selected meeting's 批评意见 and 问题清单, and a dialog to record a meeting with its 批评意见 items and
its 问题清单 (rows added with Insert or 添加, removed with Delete).  The 问题清单's items are then tracked and 销号 on
the 约谈整改 page like any 整改."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError, FieldProblem, ValidationError
from app.models import CriticismKind, LeadershipMeetingKind
from app.services import leadership as L
from app.services.leadership import CriticismInput, LeadershipService, MeetingInput, MeetingView
from app.services.rectification import ItemInput
from app.ui.annual.widgets import (
    ChoiceDelegate,
    EditRowsModel,
    date_cell,
    date_text,
    selected_row,
    table_view,
    year_spin,
)
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel
from app.ui.remembered import remember_splitter
from app.ui.tables import make_list

Kind = LeadershipMeetingKind
CRITICISM_KINDS = [k.value for k in CriticismKind]
LIST_HEADERS = ["单位", "类型", "党组织", "召开日期", "主题", "班子成员", "上级督导", "征求意见", "自我批评", "相互批评",
                "问题", "已销号", "提醒"]


class RowsEditor(QWidget):
    """An editable table with its 添加 / 删除 buttons; Insert adds a row, Delete removes the selected one."""

    def __init__(self, model: EditRowsModel, stretch: int, add_text: str, remove_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.view = table_view(model, stretch=stretch, editable=True)
        self.view.setMinimumHeight(120)
        col.addWidget(self.view)
        row = QHBoxLayout()
        self.add_button = QPushButton(add_text)
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton(remove_text)
        self.remove_button.clicked.connect(self.remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        col.addLayout(row)
        for key, slot in ((Qt.Key.Key_Insert, self.add), (Qt.Key.Key_Delete, self.remove)):
            shortcut = QShortcut(QKeySequence(key), self.view, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a cell's editor commits the cell (the delegate does it); it must not reach the dialog, where it
        # would press 保存 with the row half typed.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def add(self) -> None:
        r = self.model.add_row()
        self.view.setFocus()
        self.view.setCurrentIndex(self.model.index(r, 0))
        self.view.edit(self.model.index(r, 0))

    def remove(self) -> None:
        r = selected_row(self.view)
        if r is None and self.view.currentIndex().isValid():
            r = self.view.currentIndex().row()
        if r is not None:
            self.model.remove_row(r)


class MeetingDialog(FormDialog):
    """Record or change one meeting: who sat, the 批评意见 items, the 问题清单 (new items; those already in the
    整改台账 are listed and tracked there)."""

    def __init__(self, service: LeadershipService, current: MeetingView | None = None, *,
                 unit_id: int | None = None, parent: QWidget | None = None) -> None:
        title = (f"{current.unit}{current.held_on:%Y年%m月%d日}{current.kind.value}" if current else "登记民主生活会")
        super().__init__(title, self._save_it, parent)
        self.service, self.current = service, current
        f = self.form = self.new_form()
        self.kind = ChoiceBox([(k.value, k) for k in Kind])
        self.kind.set_value(current.kind if current else Kind.DEMOCRATIC_LIFE)
        f.add("kind", "会议类型", self.kind)
        self.unit = ChoiceBox([(name, uid) for uid, name in service.units()], searchable=True)
        self.unit.set_value(current.unit_id if current else unit_id)
        f.add("unit_id", "单位", self.unit)
        self.org = ChoiceBox()
        f.add("org_id", "党组织", self.org, "组织生活会填写召开会议的支部；民主生活会不填")
        self.held_on = DateEdit()
        self.held_on.set_date(current.held_on if current else None)
        f.add("held_on", "召开日期", self.held_on)
        self.topic = QLineEdit(current.topic if current else "")
        f.add("topic", "会议主题", self.topic)
        self.attendees = QLineEdit("、".join(current.attendees) if current else "")
        f.add("attendees", "参会班子成员", self.attendees, "姓名以顿号分隔，批评意见针对的成员须在其中")
        self.supervisors = QLineEdit("、".join(current.supervisors) if current else "")
        f.add("supervisors", "上级督导", self.supervisors, "列席指导的上级党组织、纪检监察机关人员")
        self.opinions = QSpinBox()
        self.opinions.setRange(0, L.MAX_OPINIONS)
        self.opinions.setSuffix(" 条")
        self.opinions.setValue(current.opinions_solicited if current else 0)
        f.add("opinions_solicited", "会前征求意见", self.opinions)
        self.criticism_model = EditRowsModel(["类型", "针对班子成员", "提出人", "批评意见"], self)
        if current is not None:
            self.criticism_model.set_rows([[c.kind.value, c.target, c.raised_by, c.content]
                                           for c in current.criticisms])
        self.criticisms = RowsEditor(self.criticism_model, 3, "添加意见(&A)", "删除所选意见", self)
        self.criticisms.view.setObjectName("criticism_rows")
        self.criticisms.view.setItemDelegateForColumn(0, ChoiceDelegate(CRITICISM_KINDS, self.criticisms.view))
        f.add("criticisms", "批评意见", self.criticisms, "Insert 添加一行，Delete 删除；自我批评的提出人可不填")
        self.problem_model = EditRowsModel(["存在问题", "整改措施", "责任人", "整改时限"], self)
        self.problems = RowsEditor(self.problem_model, 0, "添加问题(&P)", "删除所选问题", self)
        self.problems.view.setObjectName("problem_rows")
        stored = len(current.problems) if current else 0
        hint = (f"已有{stored}项列入整改台账（在“约谈整改”页跟踪、销号）；此处添加新的问题" if stored
                else "每个问题写明整改措施、责任人和时限（如2027-03-31），保存后列入整改台账")
        f.add("problems", "问题清单", self.problems, hint)
        self.note = QPlainTextEdit(current.note if current else "")
        self.note.setMaximumHeight(50)
        f.add("note", "备注", self.note)
        self.kind.value_changed.connect(lambda _v: self._load_orgs())
        self.unit.value_changed.connect(lambda _v: self._load_orgs())
        self._load_orgs()
        self.org.set_value(current.org_id if current else None)
        self.resize(820, 760)

    def _load_orgs(self) -> None:
        life = self.kind.value() == Kind.LIFE_MEETING
        unit_id = self.unit.value()
        choices = self.service.orgs(unit_id) if life and unit_id is not None else []
        self.org.set_choices([(name, oid) for oid, name in choices])
        self.org.setEnabled(life)

    def meeting_input(self, problems: list[FieldProblem]) -> MeetingInput:
        crit = [CriticismInput(kind, target, content, raised_by)
                for _key, (kind, target, raised_by, content) in self.criticism_model.rows()]
        items = [ItemInput(problem, measure, owner, date_cell(due, n, "整改时限", problems))
                 for n, (_key, (problem, measure, owner, due)) in enumerate(self.problem_model.rows(), 1)]
        return MeetingInput(self.unit.value(), self.form.date("held_on"), self.kind.value() or "",
                            self.org.value() if self.kind.value() == Kind.LIFE_MEETING else None,
                            self.form.text("topic"), L.clean_names(self.attendees.text()),
                            L.clean_names(self.supervisors.text()), self.opinions.value(), crit, items,
                            self.note.toPlainText())

    def _save_it(self) -> MeetingView:
        problems: list[FieldProblem] = []
        data = self.meeting_input(problems)
        if problems:  # the dates typed wrong, with whatever else the record has wrong
            others = [_row_problem(p) for p in self.service.check(data, self.current.id if self.current else None)
                      if p.field != "deadline"]
            raise ValidationError([FieldProblem("problems", p.message) for p in problems] + others)
        try:
            return self.service.save(data, self.current.id if self.current else None)
        except ValidationError as exc:
            raise ValidationError([_row_problem(p) for p in exc.problems]) from exc


def _row_problem(p: FieldProblem) -> FieldProblem:
    """A 问题清单 item's problem (its fields are the 整改's) shown under the 问题清单 table."""
    if p.field in ("problem", "measure", "owner", "deadline"):
        return FieldProblem("problems", p.message)
    return p


class LifeMeetingTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or ctx.today
        self.service = LeadershipService(ctx.session_factory, today=self.today)
        self.meetings: dict[int, MeetingView] = {}
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        self.year = year_spin(self.today().year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        top.addWidget(self.year)
        self.summary = QLabel()
        self.summary.setObjectName("lifemeeting_summary")
        top.addWidget(self.summary, 1)
        buttons: list[QPushButton] = []
        for text, slot, name in (("登记会议(&N)…", self.add, "lifemeeting_add"),
                                 ("修改(&E)…", self.edit, "lifemeeting_edit"),
                                 ("删除", self.delete, "lifemeeting_delete")):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            top.addWidget(b)
            buttons.append(b)
        col.addLayout(top)
        split = QSplitter(Qt.Orientation.Vertical)
        self.model = RowsTableModel(LIST_HEADERS, parent=self)
        self.view = table_view(self.model, stretch=4)
        self.view.setObjectName("lifemeeting_list")
        # Rows in the register's order until a header is clicked; the menu, 复制 and 导出到 Excel like every list.
        make_list(self.view, buttons, title="民主生活会")
        header = self.view.horizontalHeader()
        # Long texts get a width of their own (the 主题 readable even when the thirteen columns do not fit and the
        # list scrolls sideways); a wide window gives its room to the last column, 提醒.
        for column, width in ((2, 80), (4, 180), (6, 130), (12, 130)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda *_: self.edit())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.load_detail())
        split.addWidget(self.view)
        detail = QWidget()
        row = QHBoxLayout(detail)
        row.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox("批评意见")
        self.criticism_model = RowsTableModel(["类型", "针对", "提出人", "内容"], parent=self)
        self.criticism_view = table_view(self.criticism_model, stretch=3)
        self.criticism_view.setObjectName("lifemeeting_criticisms")
        make_list(self.criticism_view, title="批评意见")
        QVBoxLayout(box).addWidget(self.criticism_view)
        row.addWidget(box, 1)
        box = QGroupBox("问题清单（整改）")
        self.problem_model = RowsTableModel(["存在问题", "整改措施", "责任人", "时限", "状态"], parent=self)
        self.problem_view = table_view(self.problem_model, stretch=0)
        self.problem_view.setObjectName("lifemeeting_problems")
        make_list(self.problem_view, title="问题清单")
        self.problem_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.problem_view.horizontalHeader().resizeSection(1, 200)
        QVBoxLayout(box).addWidget(self.problem_view)
        row.addWidget(box, 1)
        split.addWidget(detail)
        split.setSizes([360, 240])
        remember_splitter(split, "lifemeetings")
        col.addWidget(split, 1)
        self.reload()

    # --- loading ----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.current_key()
        year = self.year.value()
        try:
            views = self.service.meetings(year=year)
            units = self.service.units()
            found = self.service.findings()
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.meetings = {v.id: v for v in views}
        notes: dict[Any, list[str]] = {}
        for f in found:
            key = ("m", f.meeting_id) if f.meeting_id is not None else ("u", f.unit_id)
            notes.setdefault(key, []).append(L_LABELS.get(f.key, f.key))
        held = {v.unit_id for v in views if v.kind == Kind.DEMOCRATIC_LIFE}
        rows: list[list[Any]] = []
        keys: list[Any] = []
        by_unit: dict[int, list[MeetingView]] = {}
        for v in views:
            by_unit.setdefault(v.unit_id, []).append(v)
        for unit_id, name in units:
            for v in by_unit.pop(unit_id, []):
                rows.append([v.unit, v.kind.value, v.org, date_text(v.held_on), v.topic, len(v.attendees),
                             "、".join(v.supervisors), v.opinions_solicited, v.self_count, v.mutual_count,
                             len(v.problems), v.closed_count, "；".join(notes.get(("m", v.id), []))])
                keys.append(("m", v.id))
            if unit_id not in held:
                rows.append([name, Kind.DEMOCRATIC_LIFE.value, "", "未召开", "", "", "", "", "", "", "", "",
                             "；".join(notes.get(("u", unit_id), []))])
                keys.append(("u", unit_id))
        for rest in by_unit.values():  # meetings of units no longer active
            for v in rest:
                rows.append([v.unit, v.kind.value, v.org, date_text(v.held_on), v.topic, len(v.attendees),
                             "、".join(v.supervisors), v.opinions_solicited, v.self_count, v.mutual_count,
                             len(v.problems), v.closed_count, ""])
                keys.append(("m", v.id))
        self.model.set_rows(rows, keys)
        missing = len(units) - len(held & {u for u, _ in units})
        flat = sum(1 for v in views if v.mutual_count == 0)
        self.summary.setText(f"  {year}年：{len(held & {u for u, _ in units})}个单位已召开民主生活会，{missing}个未召开；"
                             f"{flat}次会议没有相互批评")
        if not self.select_key(keep) and self.model.rowCount():
            self.view.selectRow(0)
        self.load_detail()

    def current_key(self) -> Any:
        r = selected_row(self.view)
        return self.model.key(r) if r is not None else None

    def select_key(self, key: Any) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.key(r) == key:
                self.view.selectRow(r)
                self.view.scrollTo(self.model.index(r, 0))
                return True
        return False

    def current(self) -> MeetingView | None:
        key = self.current_key()
        return self.meetings.get(key[1]) if key and key[0] == "m" else None

    def load_detail(self) -> None:
        v = self.current()
        self.criticism_model.set_rows([[c.kind.value, c.target, c.raised_by, c.content] for c in v.criticisms]
                                      if v else [])
        self.problem_model.set_rows([[p.problem, p.measure, p.owner, date_text(p.deadline), p.status_text]
                                     for p in v.problems] if v else [])

    # --- actions ----------------------------------------------------------------------------------------------

    def add(self) -> None:
        key, v = self.current_key(), self.current()
        unit_id = key[1] if key and key[0] == "u" else (v.unit_id if v else None)
        dialog = MeetingDialog(self.service, None, unit_id=unit_id, parent=self)
        if dialog.exec() and isinstance(dialog.result_value, MeetingView):
            self._saved(dialog.result_value)

    def edit(self) -> None:
        v = self.current()
        if v is None:
            self.add()
            return
        dialog = MeetingDialog(self.service, v, parent=self)
        if dialog.exec() and isinstance(dialog.result_value, MeetingView):
            self._saved(dialog.result_value)

    def _saved(self, v: MeetingView) -> None:
        if v.held_on.year != self.year.value():
            self.year.setValue(v.held_on.year)  # reloads
        else:
            self.reload()
        self.select_key(("m", v.id))

    def delete(self) -> None:
        v = self.current()
        if v is None:
            return
        answer = QMessageBox.question(self, "删除会议记录", f"删除{v.unit}{v.held_on:%Y年%m月%d日}的{v.kind.value}记录？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete(v.id)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.reload()

    # --- navigation -------------------------------------------------------------------------------------------

    def show_target(self, target: object) -> bool:
        """(lifemeeting, meeting id) or (lifemeeting_unit, unit id) from a 提醒."""
        if not isinstance(target, tuple) or len(target) != 2 or target[0] not in (L.TARGET_MEETING, L.TARGET_UNIT):
            return False
        kind, id_ = target[0], int(target[1])
        if kind == L.TARGET_MEETING:
            try:
                year = self.service.meeting(id_).held_on.year
            except DangjianError:
                return True
            key: Any = ("m", id_)
        else:
            year, key = self.today().year, ("u", id_)
        if self.year.value() != year:
            self.year.setValue(year)
        if not self.select_key(key) and kind == L.TARGET_UNIT:
            self.year.setValue(year - 1)  # last year's missing meeting, still on the 提醒 in the new year
            self.select_key(key)
        self.view.setFocus()
        return True

    def focus_search(self) -> None:
        self.view.setFocus()


L_LABELS = {L.MISSING: "未召开民主生活会", L.NO_MUTUAL: "缺少相互批评", L.NO_PROBLEMS: "未形成问题清单",
            L.UNCLOSED: "问题清单未销号"}
