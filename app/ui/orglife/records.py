"""Organisation-life records: the list (lazily fetched, filtered by unit/organisation/kind/month) and the entry
form, built for speed: organisation and date stay from one record to the next, the attendance is the branch's
roster with everyone present, and “保存并登记下一条” moves on to the next kind of meeting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.errors import DangjianError, ValidationError
from app.models import AppraisalGrade, OrgLifeKind
from app.models.orglife import UNIT_KINDS
from app.services.orglife import (
    AttendanceInput,
    OrgLifeService,
    RecordFilter,
    RecordInput,
    RecordRow,
    RosterMember,
)
from app.ui.context import AppContext
from app.ui.forms import ERROR_COLOUR, ChoiceBox, DateEdit, FormDialog

AnyIndex = QModelIndex | QPersistentModelIndex
K = OrgLifeKind
# The order “保存并登记下一条” walks through: a month's 三会一课 and 主题党日.
NEXT_KIND = {K.COMMITTEE_MEETING: K.GROUP_MEETING, K.GROUP_MEETING: K.THEME_DAY, K.THEME_DAY: K.PARTY_LECTURE,
             K.PARTY_LECTURE: K.BRANCH_ASSEMBLY, K.BRANCH_ASSEMBLY: K.COMMITTEE_MEETING}


# ---------------------------------------------------------------------------------------------------------------
# the list


class RecordTableModel(QAbstractTableModel):
    """Record ids of the filter, rows fetched a page at a time (a county has tens of thousands of records)."""

    HEADERS = ("召开日期", "类型", "党组织（单位）", "主题", "出席", "缺席", "登记日期")
    PAGE_SIZE = 200

    def __init__(self, service: OrgLifeService, parent: Any = None) -> None:
        super().__init__(parent)
        self.service = service
        self.filter = RecordFilter()
        self._ids: list[int] = []
        self._rows: list[RecordRow] = []

    def set_filter(self, flt: RecordFilter) -> None:
        self.filter = flt
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._ids = self.service.record_ids(self.filter)
        self._rows = []
        self._rows = self.service.record_rows(self._ids[: self.PAGE_SIZE])
        self.endResetModel()

    def total(self) -> int:
        return len(self._ids)

    def record_id(self, row: int) -> int | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: int) -> int | None:
        """The row of a record, fetching pages until it is loaded; None if it does not match the filter."""
        try:
            pos = self._ids.index(record_id)
        except ValueError:
            return None
        while len(self._rows) <= pos and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return pos if pos < len(self._rows) else None

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and len(self._rows) < len(self._ids)

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid():
            return
        start = len(self._rows)
        more = self.service.record_rows(self._ids[start:start + self.PAGE_SIZE])
        if not more:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.HEADERS):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            where = r.org_name or r.unit_name
            recorded = f"{r.recorded_on:%Y-%m-%d}" + ("（迟报）" if r.late else "")
            return (f"{r.held_on:%Y-%m-%d}", r.kind.label, where, r.topic, str(r.present), str(r.absent), recorded)[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 6 and r.late:
            return QColor(ERROR_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            return r.topic
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)


# ---------------------------------------------------------------------------------------------------------------
# attendance: a checkable list of the organisation's members


@dataclass
class _Line:
    member: RosterMember
    present: bool = True
    reason: str = ""
    grade: AppraisalGrade | None = None


class AttendanceModel(QAbstractTableModel):
    """出席 (checkbox), 姓名, 职务, 缺席原因 (editable), 评议等次 (editable, 民主评议 only)."""

    HEADERS = ("出席", "姓名", "职务", "缺席原因", "评议等次")
    PRESENT, NAME, POST, REASON, GRADE = range(5)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lines: list[_Line] = []
        self.grades = False

    def set_roster(self, roster: Sequence[RosterMember], keep: bool = True) -> None:
        """New roster, everyone present; with `keep`, members already listed keep what was entered."""
        old = {ln.member.id: ln for ln in self.lines} if keep else {}
        self.beginResetModel()
        self.lines = [old.get(m.id) or _Line(m) for m in roster]
        self.endResetModel()

    def set_attendance(self, roster: Sequence[RosterMember], attendance: Sequence[AttendanceInput]) -> None:
        given = {a.member_id: a for a in attendance}
        known = {m.id for m in roster}
        self.beginResetModel()
        self.lines = [_Line(m, given[m.id].present, given[m.id].absence_reason, given[m.id].grade)
                      for m in roster if m.id in given]
        self.lines += [_Line(m, False) for m in roster if m.id not in given]
        self.lines += [_Line(RosterMember(a.member_id, f"编号{a.member_id}", "", "", False), a.present,
                             a.absence_reason, a.grade) for a in attendance if a.member_id not in known]
        self.endResetModel()

    def default_grades(self) -> None:
        """民主评议: everyone 合格 to start with; the branch changes the few who are not."""
        for ln in self.lines:
            if ln.grade is None:
                ln.grade = AppraisalGrade.QUALIFIED
        if self.lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, len(self.HEADERS) - 1))

    def set_all(self, present: bool) -> None:
        for ln in self.lines:
            ln.present = present
        if self.lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, len(self.HEADERS) - 1))

    def attendance(self) -> list[AttendanceInput]:
        return [AttendanceInput(ln.member.id, ln.present, "" if ln.present else ln.reason,
                                ln.grade if self.grades else None) for ln in self.lines]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        col = index.column()
        if col == self.PRESENT:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if col == self.REASON and not self.lines[index.row()].present:
            return base | Qt.ItemFlag.ItemIsEditable
        if col == self.GRADE and self.grades and self.lines[index.row()].present:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.lines) or index.column() >= len(self.HEADERS):
            return None
        ln, col = self.lines[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == self.PRESENT:
            return Qt.CheckState.Checked if ln.present else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == self.NAME:
                return ln.member.name + ("（领导干部）" if ln.member.is_leader else "")
            if col == self.POST:
                return ln.member.post
            if col == self.REASON:
                return "" if ln.present else ln.reason
            if col == self.GRADE:
                return ln.grade.label if (ln.grade and self.grades) else ""
            return ""
        if role == Qt.ItemDataRole.ForegroundRole and col == self.REASON and not ln.present and not ln.reason:
            return QColor(ERROR_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.REASON and not ln.present:
            return "缺席须填写原因（双击填写）"
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.row() >= len(self.lines):
            return False
        ln, col = self.lines[index.row()], index.column()
        if col == self.PRESENT and role == Qt.ItemDataRole.CheckStateRole:
            ln.present = Qt.CheckState(value) == Qt.CheckState.Checked
        elif col == self.REASON and role == Qt.ItemDataRole.EditRole:
            ln.reason = str(value or "").strip()
        elif col == self.GRADE and role == Qt.ItemDataRole.EditRole:
            text = str(value or "").strip()
            ln.grade = AppraisalGrade(text) if text in {g.value for g in AppraisalGrade} else None
        else:
            return False
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self.HEADERS) - 1))
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)


class GradeDelegate(QStyledItemDelegate):
    """A drop-down of the four 民主评议 grades."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        box = QComboBox(parent)
        box.addItems([g.label for g in AppraisalGrade])
        return box

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        text = str(index.data(Qt.ItemDataRole.EditRole) or AppraisalGrade.QUALIFIED.label)
        editor.setCurrentText(text)

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


# ---------------------------------------------------------------------------------------------------------------
# the entry form


class RecordDialog(FormDialog):
    """New or edit one record.  `saved` counts the records saved while the dialog was open."""

    def __init__(self, ctx: AppContext, service: OrgLifeService, record_id: int | None = None, *,
                 org_id: int | None = None, unit_id: int | None = None, kind: OrgLifeKind = K.THEME_DAY,
                 held_on: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__("编辑组织生活记录" if record_id else "登记组织生活", self._save_record, parent)
        self.ctx, self.service, self.record_id = ctx, service, record_id
        self.saved = 0
        self.resize(760, 640)
        f = self.form = self.new_form()
        self.kind = ChoiceBox([(k.label, k) for k in OrgLifeKind])
        f.add("kind", "类型(&K)", self.kind)
        self.org = ChoiceBox([(name, oid) for oid, name in ctx.register.orgs()], searchable=True)
        f.add("org_id", "党组织(&O)", self.org)
        self.unit = ChoiceBox([(name, uid) for uid, name in ctx.register.units()], searchable=True)
        f.add("unit_id", "单位(&U)", self.unit, "党组听取机关党委汇报、联系点调研、三亮三强活动按单位登记")
        self.held_on = DateEdit()
        f.add("held_on", "召开日期(&D)", self.held_on)
        self.topic = QLineEdit()
        f.add("topic", "主题(&T)", self.topic)
        self.place = QLineEdit()
        f.add("place", "地点", self.place)
        self.lecturer = ChoiceBox(searchable=True)
        f.add("lecturer", "主讲人(&L)", self.lecturer, "党课必填：可从本支部党员中选择，也可直接输入姓名")
        self.recorded_on = DateEdit()
        f.add("recorded_on", "登记日期", self.recorded_on, "默认为今天；会后超过规定天数登记算迟报")
        self.attendance_model = AttendanceModel(self)
        self.attendance_view = QTableView()
        self.attendance_view.setObjectName("attendance_view")
        self.attendance_view.setModel(self.attendance_model)
        self.attendance_view.setItemDelegateForColumn(AttendanceModel.GRADE, GradeDelegate(self))
        self.attendance_view.verticalHeader().hide()
        self.attendance_view.horizontalHeader().setSectionResizeMode(AttendanceModel.REASON, QHeaderView.ResizeMode.Stretch)
        self.attendance_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                             | QAbstractItemView.EditTrigger.EditKeyPressed
                                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        all_in = QPushButton("全部出席")
        all_in.clicked.connect(lambda: self.attendance_model.set_all(True))
        none_in = QPushButton("全部取消")
        none_in.clicked.connect(lambda: self.attendance_model.set_all(False))
        row.addWidget(all_in)
        row.addWidget(none_in)
        row.addStretch()
        col.addLayout(row)
        col.addWidget(self.attendance_view)
        f.add("attendance", "出席情况", box, "默认全体出席；取消勾选即为缺席，须填写原因")
        self.content = QPlainTextEdit()
        self.content.setFixedHeight(60)
        f.add("content", "会议内容", self.content)
        self.next_button = self.buttons.addButton("保存并登记下一条(&N)", self.buttons.ButtonRole.ActionRole)
        self.next_button.clicked.connect(self.save_and_next)
        self.next_button.setVisible(record_id is None)

        self.kind.value_changed.connect(lambda _v: self._kind_changed())
        self.org.value_changed.connect(lambda _v: self._reload_roster())
        self.held_on.editingFinished.connect(self._reload_roster)
        if record_id is not None:
            self._load(record_id)
        else:
            self.kind.set_value(kind)
            self.org.set_value(org_id)
            self.unit.set_value(unit_id)
            self.held_on.set_date(held_on or clock.today())
            self.recorded_on.set_date(clock.today())
            self._kind_changed()

    # --- filling --------------------------------------------------------------------------------------------

    def _load(self, record_id: int) -> None:
        data = self.service.record_input(record_id)
        self.kind.set_value(data.kind)
        self.org.set_value(data.org_id)
        self.unit.set_value(data.unit_id)
        self.held_on.set_date(data.held_on)
        self.recorded_on.set_date(data.recorded_on)
        self.topic.setText(data.topic)
        self.place.setText(data.place)
        self.content.setPlainText(data.content)
        self._kind_changed(reload=False)
        roster = self._roster()
        self.attendance_model.set_attendance(roster, data.attendance)
        self._fill_lecturers(roster)
        if data.lecturer_member_id is not None:
            self.lecturer.set_value(data.lecturer_member_id)
        else:
            self.lecturer.setCurrentText(data.lecturer)

    def _kind_changed(self, reload: bool = True) -> None:
        kind = self.kind.value()
        unit_kind = kind in UNIT_KINDS
        self.unit.setEnabled(unit_kind)
        self.lecturer.setEnabled(kind == K.PARTY_LECTURE)
        self.attendance_model.grades = kind == K.DEMOCRATIC_APPRAISAL
        self.attendance_view.setColumnHidden(AttendanceModel.GRADE, kind != K.DEMOCRATIC_APPRAISAL)
        if reload:
            self._reload_roster(keep=False)

    def _roster(self) -> list[RosterMember]:
        org_id, day = self.org.value(), self._date_or_none(self.held_on)
        if org_id is None or day is None:
            return []
        try:
            roster = self.service.roster(int(org_id), day)
        except DangjianError:
            return []
        if self.kind.value() == K.COMMITTEE_MEETING:
            roster = [m for m in roster if m.on_committee]  # a 支委会 is the committee's meeting
        return roster

    def _reload_roster(self, keep: bool = True) -> None:
        roster = self._roster()
        self.attendance_model.set_roster(roster, keep=keep)
        if self.kind.value() == K.DEMOCRATIC_APPRAISAL:
            self.attendance_model.default_grades()
        self._fill_lecturers(roster)

    def _fill_lecturers(self, roster: Sequence[RosterMember]) -> None:
        text = self.lecturer.currentText()
        self.lecturer.set_choices([(f"{m.name}（{m.post}）" if m.post else m.name, m.id) for m in roster])
        if self.lecturer.value() is None:
            self.lecturer.setCurrentText(text)

    @staticmethod
    def _date_or_none(edit: DateEdit) -> dt.date | None:
        try:
            return edit.date()
        except ValueError:
            return None

    # --- saving ---------------------------------------------------------------------------------------------

    def data(self) -> RecordInput:
        f = self.form
        kind = self.kind.value()
        lecturer_id = self.lecturer.value() if kind == K.PARTY_LECTURE else None
        lecturer = self.lecturer.currentText().split("（")[0].strip() if kind == K.PARTY_LECTURE else ""
        held = f.date("held_on")
        return RecordInput(
            kind, held if held is not None else clock.today(), self.org.value(),
            self.unit.value() if kind in UNIT_KINDS else None, f.text("topic"), f.text("place"), "", lecturer,
            lecturer_id, f.date("recorded_on"), f.text("content"), "", self.attendance_model.attendance(),
        )

    def _save_record(self) -> int:
        if self.kind.value() is None:
            raise ValidationError("请选择组织生活类型", field="kind")
        if self.form.date("held_on") is None:
            raise ValidationError("请填写召开日期", field="held_on")
        rid = self.service.save_record(self.data(), self.record_id)
        self.saved += 1
        self.ctx.changed.emit("orglife")
        return rid

    def save_and_next(self) -> None:
        """Save, then stay open for the next meeting of the same organisation and day."""
        problems = self.form.date_problems()
        if problems:
            self.show_problems(problems)
            return
        try:
            self.result_value = self._save_record()
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        except DangjianError as exc:
            self.show_problems([])
            self.show_message(exc.message)
            return
        self.show_problems([])
        self.show_message("")
        self.ctx.status.emit(f"已保存{self.saved}条记录")
        self.kind.set_value(NEXT_KIND.get(self.kind.value(), K.THEME_DAY))
        self.topic.clear()
        self.content.clear()
        self.topic.setFocus()
