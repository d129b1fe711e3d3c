"""中心组学习: each unit's 党组（党委）理论学习中心组 of a year — the units with their meetings and 专题研讨 against the
pace (behind in red), and for the selected unit its 学习计划 and its meetings; a meeting and the plan are entered in
dialogs made for the keyboard (Tab in the order shown, the topic typed or picked from the usual ones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
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

from app import settings as S
from app.errors import DangjianError
from app.models import StudyForm
from app.services.study import (
    MAX_MEMBERS,
    MAX_PLANNED,
    MAX_SPEECHES,
    TARGET,
    TOPICS,
    MeetingInput,
    MeetingView,
    PlanInput,
    PlanView,
    Progress,
    StudyService,
)
from app.ui.annual.widgets import date_text, selected_row, table_view, year_spin
from app.ui.colours import ERROR_COLOUR
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel
from app.ui.remembered import remember_splitter
from app.ui.tables import make_list


def _spin(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


class MeetingDialog(FormDialog):
    """One 中心组 meeting: date, 形式, topic (the usual ones offered, any text taken), 主讲, 研讨发言 and who came."""

    def __init__(self, service: StudyService, unit_id: int, unit: str, current: MeetingView | None,
                 default_day: dt.date, members_total: int = 9, parent: QWidget | None = None) -> None:
        super().__init__(f"{unit}理论学习中心组学习", self._save_it, parent)
        self.service, self.unit_id, self.current = service, unit_id, current
        f = self.form = self.new_form()
        self.held_on = DateEdit()
        self.held_on.set_date(current.held_on if current else default_day)
        f.add("held_on", "学习日期(&D)", self.held_on)
        self.study_form = ChoiceBox([(x.value, x) for x in StudyForm])
        self.study_form.set_value(current.form if current else StudyForm.COLLECTIVE)
        f.add("form", "形式(&F)", self.study_form, "专题研讨也计入全年集中学习次数")
        self.topic = QComboBox()
        self.topic.setEditable(True)
        self.topic.addItems(TOPICS)
        self.topic.setCurrentText(current.topic if current else "")
        f.add("topic", "学习主题(&T)", self.topic, "可从常用专题中选择，也可直接输入")
        self.lecturer = QLineEdit(current.lecturer if current else "")
        f.add("lecturer", "主讲（领学）(&L)", self.lecturer)
        self.speeches = _spin(0, MAX_SPEECHES, current.speeches if current else 0)
        f.add("speeches", "研讨发言人次", self.speeches, "专题研讨须至少1人次")
        self.present = _spin(0, MAX_MEMBERS, current.members_present if current else members_total)
        f.add("members_present", "出席班子成员", self.present)
        self.total = _spin(0, MAX_MEMBERS, current.members_total if current else members_total)
        f.add("members_total", "班子成员总数", self.total)
        self.note = QLineEdit(current.note if current else "")
        f.add("note", "备注", self.note)
        self.resize(560, 0)

    def _save_it(self) -> MeetingView:
        data = MeetingInput(self.unit_id, self.form.date("held_on"), self.study_form.value(),
                            self.topic.currentText(), self.form.text("lecturer"), self.speeches.value(),
                            self.present.value(), self.total.value(), self.form.text("note"))
        return self.service.save_meeting(data, self.current.id if self.current else None)


class PlanDialog(FormDialog):
    """The unit's 中心组 学习计划 of a year: planned meetings and 专题研讨, the topics one a line."""

    def __init__(self, service: StudyService, unit_id: int, unit: str, year: int, current: PlanView | None,
                 least: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(f"{unit}{year}年理论学习中心组学习计划", self._save_it, parent)
        self.service, self.unit_id, self.year = service, unit_id, year
        f = self.form = self.new_form()
        self.meetings = _spin(0, MAX_PLANNED, current.planned_meetings if current else least[0])
        f.add("planned_meetings", "计划集中学习次数(&M)", self.meetings, f"全县要求每年至少{least[0]}次（含专题研讨）")
        self.seminars = _spin(0, MAX_PLANNED, current.planned_seminars if current else least[1])
        f.add("planned_seminars", "计划专题研讨次数(&R)", self.seminars, f"全县要求每年至少{least[1]}次")
        self.topics = QPlainTextEdit("\n".join(current.topics) if current else "")
        self.topics.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.topics.setMinimumHeight(120)
        f.add("topics", "学习专题(&T)", self.topics, "每行一个专题，如：党的二十大精神")
        self.made_on = DateEdit()
        self.made_on.set_date(current.made_on if current else None)
        f.add("made_on", "制定日期", self.made_on)
        self.note = QLineEdit(current.note if current else "")
        f.add("note", "备注", self.note)
        self.resize(560, 0)

    def _save_it(self) -> PlanView:
        return self.service.save_plan(self.unit_id, self.year, PlanInput(
            self.meetings.value(), self.seminars.value(), self.topics.toPlainText(), self.form.date("made_on"),
            self.form.text("note")))


class StudyTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or ctx.today
        self.service = StudyService(ctx.session_factory, today=self.today)
        self.units: list[Progress] = []
        self.meetings: list[MeetingView] = []
        self.plan: PlanView | None = None
        self.least = (12, 4, 3)  # the settings' minimums, read again with each reload
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        self.year = year_spin(self.today().year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        top.addWidget(self.year)
        self.rule = QLabel()
        self.rule.setObjectName("study_rule")
        top.addWidget(self.rule, 1)
        col.addLayout(top)
        split = QSplitter()
        self.unit_model = RowsTableModel(["单位", "集中学习", "专题研讨", "进度要求", "学习计划", "情况"], parent=self)
        self.unit_view = table_view(self.unit_model, stretch=0)
        self.unit_view.setObjectName("study_units")
        make_list(self.unit_view, title="中心组学习进度")  # sorts by a header click; 复制, 导出到 Excel
        self.unit_view.selectionModel().selectionChanged.connect(lambda *_: self.load_unit())
        split.addWidget(self.unit_view)
        split.addWidget(self._unit_side())
        split.setSizes([520, 600])
        remember_splitter(split, "study")
        col.addWidget(split, 1)
        self.reload()

    def _unit_side(self) -> QWidget:
        right = QWidget()
        rcol = QVBoxLayout(right)
        box = QGroupBox("年度学习计划")
        bcol = QVBoxLayout(box)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("study_plan")
        self.plan_label.setWordWrap(True)
        bcol.addWidget(self.plan_label)
        row = QHBoxLayout()
        plan_button = QPushButton("编辑学习计划(&P)…")
        plan_button.clicked.connect(self.edit_plan)
        row.addWidget(plan_button)
        row.addStretch(1)
        bcol.addLayout(row)
        rcol.addWidget(box)
        box = QGroupBox("中心组学习记录")
        bcol = QVBoxLayout(box)
        self.meeting_model = RowsTableModel(["日期", "形式", "学习主题", "主讲", "研讨发言", "出席/班子成员", "备注"],
                                            parent=self)
        self.meeting_view = table_view(self.meeting_model)
        self.meeting_view.setObjectName("study_meetings")
        # The topic keeps a readable width in the narrow right half (the list scrolls sideways if it must); a wider
        # half goes to 备注, the last column.
        header = self.meeting_view.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 160)
        header.setStretchLastSection(True)
        self.meeting_view.doubleClicked.connect(lambda *_: self.edit_meeting())
        bcol.addWidget(self.meeting_view)
        row = QHBoxLayout()
        buttons = []
        for text, slot in (("登记学习(&N)…", self.add_meeting), ("修改(&E)…", self.edit_meeting),
                           ("删除", self.delete_meeting)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
            buttons.append(b)
        row.addStretch(1)
        make_list(self.meeting_view, buttons, title="中心组学习记录")
        bcol.addLayout(row)
        rcol.addWidget(box, 1)
        return right

    # --- loading ----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.current_unit()
        year = self.year.value()
        try:
            self.units = self.service.progress(year)
        except DangjianError as exc:
            show_error(self, exc)
            return
        with self.ctx.session_factory() as s:
            read = S.reader(s)
            least = (int(read(S.STUDY_MIN_MEETINGS)), int(read(S.STUDY_MIN_SEMINARS)), int(read(S.STUDY_PLAN_MONTH)))
        self.least = least
        self.rule.setText(f"全县要求：每年集中学习至少{least[0]}次（含专题研讨）、专题研讨至少{least[1]}次，"
                          f"按月进度检查；年度学习计划{least[2]}月底前制定")
        self.unit_model.set_rows(
            [[p.unit, p.meetings, p.seminars, f"{p.due_meetings}次/{p.due_seminars}次",
              "已制定" if p.has_plan else "未制定", "进度滞后" if p.behind else "正常"] for p in self.units],
            [p.unit_id for p in self.units],
            foreground={n: ERROR_COLOUR for n, p in enumerate(self.units) if p.behind})
        self.select_unit(keep.unit_id if keep else None)

    def select_unit(self, unit_id: int | None) -> bool:
        row = next((r for r in range(self.unit_model.rowCount()) if self.unit_model.key(r) == unit_id), None)
        if row is None and unit_id is not None:
            return False
        if row is None and self.units:
            row = 0
        if row is not None:
            self.unit_view.selectRow(row)
        self.load_unit()
        return True

    def current_unit(self) -> Progress | None:
        # The row's key, not its number: a header click reorders the list but not self.units.
        r = selected_row(self.unit_view)
        key = self.unit_model.key(r) if r is not None else None
        return next((p for p in self.units if p.unit_id == key), None) if key is not None else None

    def current_meeting(self) -> MeetingView | None:
        r = selected_row(self.meeting_view)
        key = self.meeting_model.key(r) if r is not None else None
        return next((m for m in self.meetings if m.id == key), None) if key is not None else None

    def load_unit(self) -> None:
        unit = self.current_unit()
        year = self.year.value()
        self.plan = self.service.plan(unit.unit_id, year) if unit else None
        self.meetings = self.service.meetings(year, unit.unit_id) if unit else []
        p = self.plan
        self.plan_label.setText(
            "尚未制定学习计划" if p is None else
            f"计划集中学习{p.planned_meetings}次、专题研讨{p.planned_seminars}次；制定日期：{date_text(p.made_on) or '未填'}\n"
            f"学习专题：{'；'.join(p.topics)}")
        self.plan_label.setStyleSheet(f"color: {ERROR_COLOUR};" if p is None and unit is not None else "")
        self.meeting_model.set_rows(
            [[date_text(m.held_on), m.form.value, m.topic, m.lecturer, m.speeches, m.attendance, m.note]
             for m in self.meetings], [m.id for m in self.meetings])

    def show_target(self, target: object) -> bool:
        """("study", unit id) from the 提醒: the unit's year (in January the 提醒 judge the year before)."""
        if not (isinstance(target, tuple) and len(target) == 2 and target[0] == TARGET):
            return False
        today = self.today()
        self.year.setValue(today.year - 1 if today.month == 1 else today.year)
        return self.select_unit(int(target[1]))

    # --- actions ----------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.reload()
        self.ctx.changed.emit("study")

    def _default_day(self) -> dt.date:
        today, year = self.today(), self.year.value()
        return today if today.year == year else dt.date(year, 12, 31) if year < today.year else dt.date(year, 1, 1)

    def add_meeting(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        last = self.meetings[-1].members_total if self.meetings else 9
        dialog = MeetingDialog(self.service, unit.unit_id, unit.unit, None, self._default_day(), last, self)
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()

    def edit_meeting(self) -> None:
        unit, meeting = self.current_unit(), self.current_meeting()
        if unit is None or meeting is None:
            return
        dialog = MeetingDialog(self.service, unit.unit_id, unit.unit, meeting, self._default_day(),
                               parent=self)
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()

    def delete_meeting(self) -> None:
        m = self.current_meeting()
        if m is None:
            return
        answer = QMessageBox.question(self, "删除中心组学习记录", f"删除{date_text(m.held_on)}“{m.topic}”这次学习记录？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_meeting(m.id)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self._changed()

    def edit_plan(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        dialog = PlanDialog(self.service, unit.unit_id, unit.unit, self.year.value(), self.plan,
                            (self.least[0], self.least[1]), self)
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()


__all__ = ["MeetingDialog", "PlanDialog", "StudyTab"]
