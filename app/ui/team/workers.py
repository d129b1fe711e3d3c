"""党务干部与培训 (a tab of 队伍建设): the roster of 书记, 班子成员 and 党务干部 per unit with the year's 集中培训 学时 against
the minimum (short ones in red), the selected person's training records, entry of one course for one person or for
a whole class at once, the 组织员/党务干部 rows typed by hand, and the .xlsx template, import and export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError, ValidationError
from app.models.party_workers import WorkerRole
from app.services.party_workers import (
    TARGET_MEMBER,
    TARGET_WORKER,
    Candidate,
    CourseInput,
    PartyWorkerService,
    Person,
    RosterRow,
    WorkerInput,
    hours_text,
)
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel
from app.ui.tables import make_list

SHORT_COLOUR = "#c00000"
PAST_COLOUR = "#808080"


def _table(model: RowsTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _candidate_label(c: Candidate) -> str:
    return f"{c.name}（{c.unit_name}，{c.detail}）"


class _CourseFields:
    """The course's fields, shared by the single and the batch entry dialogs."""

    def __init__(self, dialog: FormDialog, form: Any, data: CourseInput | None) -> None:
        self.form = form
        form.add("course", "培训班名称(&C)", QLineEdit(), "如“全县基层党组织书记示范培训班”")
        form.add("organiser", "主办单位(&O)", QLineEdit(), "如“县委组织部”“县委党校”")
        self.start_on, self.end_on = DateEdit(), DateEdit()
        form.add("start_on", "开始日期(&D)", self.start_on)
        form.add("end_on", "结束日期(&E)", self.end_on)
        self.hours = QLineEdit()
        form.add("hours", "学时(&H)", self.hours, "可带一位小数，如 7.5")
        self.concentrated = QCheckBox("集中培训（计入年度学时要求；网络自学等不计入）")
        self.concentrated.setChecked(True)
        form.add("concentrated", "培训形式", self.concentrated)
        form.add("note", "备注", QLineEdit())
        if data is not None:
            for name in ("course", "organiser", "note"):
                field = form.field(name)
                assert isinstance(field, QLineEdit)
                field.setText(getattr(data, name))
            self.start_on.set_date(data.start_on)
            self.end_on.set_date(data.end_on)
            self.hours.setText(hours_text(data.hours) if isinstance(data.hours, Decimal) else str(data.hours or ""))
            self.concentrated.setChecked(data.concentrated)

    def value(self) -> CourseInput:
        f = self.form
        return CourseInput(f.text("course"), f.text("organiser"), f.date("start_on"), f.date("end_on"),
                           self.hours.text().strip(), self.concentrated.isChecked(), f.text("note"))


class TrainingDialog(FormDialog):
    """One person's training record: new (the selected person filled in) or a correction."""

    def __init__(self, service: PartyWorkerService, candidates: list[Candidate], person: Person | None = None,
                 record_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__("修改培训记录" if record_id else "登记培训", self._save, parent)
        self.service, self.record_id = service, record_id
        data = service.training(record_id) if record_id is not None else None
        if data is not None:
            person = data.person
        f = self.form = self.new_form()
        choices = [(_candidate_label(c), c.person) for c in candidates]
        if person is not None and person not in {c.person for c in candidates} and data is not None:
            choices.insert(0, (f"{data.name}（{data.unit_name}）", person))
        self.person = ChoiceBox([("", None)] + choices, searchable=True)
        self.person.set_value(person)
        f.add("people", "参训人员(&P)", self.person, "输入姓名查找")
        self.course = _CourseFields(self, f, data.course_input() if data is not None else None)

    def _save(self) -> object:
        person = self.person.value()
        course = self.course.value()
        if self.record_id is not None:
            if person is None:
                raise ValidationError("请选择参训人员", field="people")
            self.service.save_training(self.record_id, course, person)
            return self.record_id
        return self.service.add_training(course, [person] if person is not None else [])


class BatchTrainingDialog(FormDialog):
    """One course for everyone who attended it (a county class): the course once, then tick the people."""

    def __init__(self, service: PartyWorkerService, unit_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__("批量登记培训", self._save, parent)
        self.service = service
        f = self.form = self.new_form("培训班")
        self.course = _CourseFields(self, f, None)
        people = self.new_form("参训人员")
        self.unit = ChoiceBox([("全县党务干部名册", None)] + service.unit_choices(), searchable=True)
        self.unit.setObjectName("batch_unit")
        people.add("unit", "范围(&U)", self.unit, "选择单位后，还列出该单位的其他党员")
        self.search_box = QLineEdit()
        self.search_box.setObjectName("batch_find")
        self.search_box.setPlaceholderText("按姓名、单位查找")
        self.search_box.setClearButtonEnabled(True)
        people.add("find", "查找(&F)", self.search_box)
        self.list = QListWidget()
        self.list.setObjectName("batch_people")
        self.list.setMinimumHeight(220)
        people.add("people", "人员（空格键勾选）", self.list)
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        tick = QPushButton("勾选列出的全部(&A)")
        tick.clicked.connect(lambda: self._tick_shown(True))
        untick = QPushButton("全部取消勾选")
        untick.clicked.connect(lambda: self._tick_shown(False))
        self.chosen = QLabel()
        self.chosen.setObjectName("batch_count")
        row.addWidget(tick)
        row.addWidget(untick)
        row.addStretch()
        row.addWidget(self.chosen)
        people.add("tick", "", buttons)
        self.ticked: dict[Person, bool] = {}
        self.unit.value_changed.connect(lambda _v: self._fill())
        self.search_box.textChanged.connect(lambda _t: self._filter())
        self.list.itemChanged.connect(self._item_changed)
        self.unit.set_value(unit_id)
        self._fill()

    def _fill(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for c in self.service.candidates(self.unit.value()):
            item = QListWidgetItem(_candidate_label(c))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if self.ticked.get(c.person) else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, c.person)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._filter()
        self._count()

    def _filter(self) -> None:
        text = self.search_box.text().strip()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(text) and text not in item.text())

    def _item_changed(self, item: QListWidgetItem) -> None:
        self.ticked[item.data(Qt.ItemDataRole.UserRole)] = item.checkState() == Qt.CheckState.Checked
        self._count()

    def _tick_shown(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for i in range(self.list.count()):
            item = self.list.item(i)
            if not item.isHidden() or not on:
                item.setCheckState(state)

    def _count(self) -> None:
        self.chosen.setText(f"已勾选 {len(self.people())} 人")

    def people(self) -> list[Person]:
        return [p for p, on in self.ticked.items() if on]

    def _save(self) -> object:
        return self.service.add_training(self.course.value(), self.people())


class WorkerDialog(FormDialog):
    """A 组织员 or 党务干部 (专职/兼职) of a unit; the 书记 and 班子成员 come from the 支委职务 on the 组织 page."""

    def __init__(self, service: PartyWorkerService, today: dt.date, worker_id: int | None = None,
                 unit_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__("修改党务干部" if worker_id else "新增党务干部", self._save, parent)
        self.service, self.worker_id = service, worker_id
        data = service.worker(worker_id) if worker_id is not None else WorkerInput(unit_id, None, start_on=today)
        f = self.form = self.new_form()
        self.unit = ChoiceBox([("", None)] + service.unit_choices(), searchable=True)
        f.add("unit_id", "单位(&U)", self.unit)
        self.role = ChoiceBox([("", None)] + [(r.label, r) for r in WorkerRole])
        f.add("role", "职务(&R)", self.role, "书记、副书记和支委请在“组织”页登记支委职务")
        self.member = ChoiceBox([("（不是本县在册党员）", None)] + service.member_choices(), searchable=True)
        f.add("member_id", "党员(&M)", self.member, "输入姓名查找")
        self.name = QLineEdit()
        f.add("name", "姓名(&N)", self.name, "不是在册党员时填写")
        self.start_on, self.end_on = DateEdit(), DateEdit()
        f.add("start_on", "任职日期(&D)", self.start_on)
        f.add("end_on", "离任日期", self.end_on, "仍在任的留空")
        self.note = QLineEdit()
        f.add("note", "备注", self.note)
        self.unit.set_value(data.unit_id)
        self.role.set_value(data.role)
        self.member.set_value(data.member_id)
        self.name.setText(data.name if data.member_id is None else "")
        self.start_on.set_date(data.start_on)
        self.end_on.set_date(data.end_on)
        self.note.setText(data.note)

    def _save(self) -> int:
        f = self.form
        member = self.member.value()
        data = WorkerInput(self.unit.value(), self.role.value(), member, "" if member else self.name.text(),
                           f.date("start_on"), f.date("end_on"), f.text("note"))
        return self.service.save_worker(data, self.worker_id)


class WorkersTab(QWidget):
    HEADERS = ("单位", "姓名", "职务（本年度）", "集中培训学时", "应达学时", "差额", "状态")
    TRAINING_HEADERS = ("培训班", "主办单位", "开始日期", "结束日期", "学时", "形式", "备注")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = PartyWorkerService(ctx.session_factory, today=ctx.today)
        self.rows: list[RosterRow] = []
        year = ctx.today().year
        self.year = ChoiceBox([(f"{y}年", y) for y in range(year, year - 6, -1)])
        self.year.set_value(year)
        self.year.setObjectName("workers_year")
        self.unit = ChoiceBox([("全部单位", None)] + self.service.unit_choices(), searchable=True)
        self.unit.setObjectName("workers_unit")
        self.short_only = QCheckBox("只看学时不足的")
        self.short_only.setObjectName("workers_short_only")
        self.text = QLineEdit()
        self.text.setObjectName("workers_search")
        self.text.setPlaceholderText("按姓名、职务查找")
        self.text.setClearButtonEnabled(True)
        self.summary = QLabel()
        self.summary.setObjectName("workers_summary")
        self.model = RowsTableModel(self.HEADERS, parent=self)
        self.view = _table(self.model, "workers_view")
        for column, width in ((0, 150), (1, 80), (2, 420), (3, 100), (4, 80), (5, 70)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _i: self.new_training())
        new = QPushButton("登记培训(&N)")
        new.setObjectName("new_training")
        new.clicked.connect(self.new_training)
        batch = QPushButton("批量登记培训(&B)")
        batch.setObjectName("batch_training")
        batch.clicked.connect(self.batch_training)
        add_worker = QPushButton("新增党务干部(&A)")
        add_worker.setObjectName("new_worker")
        add_worker.clicked.connect(self.new_worker)
        self.edit_worker_button = QPushButton("修改党务干部职务")
        self.edit_worker_button.setObjectName("edit_worker")
        self.edit_worker_button.clicked.connect(self.edit_worker)
        imp = QPushButton("从 Excel 导入培训…")
        imp.clicked.connect(self.import_excel)
        tpl = QPushButton("下载导入模板…")
        tpl.clicked.connect(self.save_template)
        export = QPushButton("导出名册和学时…")
        export.clicked.connect(self.export)
        filters = QHBoxLayout()
        for label, w in (("年度", self.year), ("单位", self.unit)):
            filters.addWidget(QLabel(label))
            filters.addWidget(w, 1 if label == "年度" else 3)
        filters.addWidget(self.short_only)
        filters.addWidget(self.text, 2)
        actions = QHBoxLayout()
        for b in (new, batch, add_worker, self.edit_worker_button):
            actions.addWidget(b)
        actions.addStretch()
        for b in (imp, tpl, export):
            actions.addWidget(b)
        make_list(self.view, [new, batch, None, add_worker, self.edit_worker_button], title="党务干部培训学时")
        self.training_model = RowsTableModel(self.TRAINING_HEADERS, parent=self)
        self.training_view = _table(self.training_model, "trainings_view")
        for column, width in ((0, 300), (1, 180), (2, 90), (3, 90), (4, 60), (5, 80)):
            self.training_view.setColumnWidth(column, width)
        self.training_view.doubleClicked.connect(lambda _i: self.edit_training())
        edit = QPushButton("修改培训记录(&E)")
        edit.clicked.connect(self.edit_training)
        delete = QPushButton("删除培训记录")
        delete.clicked.connect(self.delete_training)
        make_list(self.training_view, [edit, delete], title="培训记录")
        self.training_box = QGroupBox("培训记录")
        lower = QVBoxLayout(self.training_box)
        buttons = QHBoxLayout()
        buttons.addWidget(edit)
        buttons.addWidget(delete)
        buttons.addStretch()
        lower.addLayout(buttons)
        lower.addWidget(self.training_view)
        upper = QWidget()
        upper_col = QVBoxLayout(upper)
        upper_col.setContentsMargins(0, 0, 0, 0)
        upper_col.addLayout(filters)
        upper_col.addWidget(self.summary)
        upper_col.addLayout(actions)
        upper_col.addWidget(self.view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(self.training_box)
        split.setSizes([420, 220])
        QVBoxLayout(self).addWidget(split)
        for box in (self.year, self.unit):
            box.value_changed.connect(lambda _v: self.reload())
        self.short_only.toggled.connect(lambda _b: self.reload())
        self.text.returnPressed.connect(self.reload)
        self.view.selectionModel().currentRowChanged.connect(lambda *_a: self.show_selected())
        self.reload()

    # --- the roster -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.current_row()
        year = self.year.value() or self.ctx.today().year
        everyone = self.service.roster(year, self.unit.value())
        text = self.text.text().strip()
        rows = [r for r in everyone if (not self.short_only.isChecked() or r.short)
                and (not text or text in r.name or text in r.roles_text)]
        self.rows = rows
        colours = {i: SHORT_COLOUR if r.short else PAST_COLOUR for i, r in enumerate(rows) if r.short or not r.in_post}
        self.model.set_rows([[r.unit_name, r.name, r.roles_text, hours_text(r.hours), hours_text(r.minimum),
                              hours_text(r.missing) if r.missing else "", _status(r)] for r in rows],
                            [r.target for r in rows], colours)
        high, low = self.service.minimums()
        in_post = [r for r in everyone if r.in_post]
        short = sum(r.short for r in everyone)
        self.summary.setText(f"{year}年：在任 {len(in_post)} 人，达标 {len(in_post) - short} 人，学时不足 {short} 人"
                             f"（书记和班子成员每年集中培训不少于{hours_text(high)}学时，其他党务干部不少于"
                             f"{hours_text(low)}学时；只计集中培训）")
        if keep is not None:
            self.select(keep.target)
        self.show_selected()

    def current_row(self) -> RosterRow | None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        key = self.model.key(idx.row())
        return next((r for r in self.rows if r.target == key), None)

    def select(self, target: tuple[str, int]) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.key(r) == target:
                self.view.setCurrentIndex(self.model.index(r, 0))
                self.view.scrollTo(self.model.index(r, 0))
                return True
        return False

    def show_selected(self) -> None:
        row = self.current_row()
        self.edit_worker_button.setEnabled(row is not None and bool(row.typed_ids))
        if row is None:
            self.training_box.setTitle("培训记录")
            self.training_model.set_rows([])
            return
        year = self.year.value() or self.ctx.today().year
        records = self.service.trainings(year, person=Person(row.member_id, row.worker_id))
        self.training_box.setTitle(f"{row.name} {year}年培训记录")
        self.training_model.set_rows(
            [[v.course, v.organiser, v.start_on, v.end_on, hours_text(v.hours), "集中培训" if v.concentrated else "不计入",
              v.note] for v in records], [v.id for v in records])

    # --- 提醒 --------------------------------------------------------------------------------------------------

    def show_target(self, target: object) -> bool:
        if not (isinstance(target, tuple) and len(target) == 2 and target[0] in (TARGET_MEMBER, TARGET_WORKER)):
            return False
        for box, value in ((self.year, self.ctx.today().year), (self.unit, None)):
            box.blockSignals(True)
            box.set_value(value)
            box.blockSignals(False)
        self.short_only.blockSignals(True)
        self.short_only.setChecked(False)
        self.short_only.blockSignals(False)
        self.text.clear()
        self.reload()
        self.select((str(target[0]), int(target[1])))
        return True

    def focus_search(self) -> None:
        self.text.setFocus()
        self.text.selectAll()

    # --- actions --------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.ctx.changed.emit("team")
        self.reload()

    def new_training(self) -> None:
        row = self.current_row()
        person = Person(row.member_id, row.worker_id) if row is not None else None
        if TrainingDialog(self.service, self.service.candidates(self.unit.value()), person, parent=self).exec():
            self._changed()

    def batch_training(self) -> None:
        if BatchTrainingDialog(self.service, self.unit.value(), parent=self).exec():
            self._changed()

    def edit_training(self) -> None:
        idx = self.training_view.currentIndex()
        if not idx.isValid():
            return
        rid = int(self.training_model.key(idx.row()))
        try:
            dlg = TrainingDialog(self.service, self.service.candidates(self.unit.value()), record_id=rid, parent=self)
        except DangjianError as exc:
            show_error(self, exc)
            return
        if dlg.exec():
            self._changed()

    def delete_training(self) -> None:
        idx = self.training_view.currentIndex()
        if not idx.isValid():
            return
        if QMessageBox.question(self, "删除培训记录", "确定删除所选培训记录？") != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_training(int(self.training_model.key(idx.row())))
        except DangjianError as exc:
            show_error(self, exc)
            return
        self._changed()

    def new_worker(self) -> None:
        if WorkerDialog(self.service, self.ctx.today(), unit_id=self.unit.value(), parent=self).exec():
            self._changed()

    def edit_worker(self) -> None:
        row = self.current_row()
        if row is None or not row.typed_ids:
            return
        if WorkerDialog(self.service, self.ctx.today(), row.typed_ids[-1], parent=self).exec():
            self._changed()

    def import_excel(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入培训记录", "", "Excel 工作簿 (*.xlsx)")
        if path:
            self.run_import(Path(path))

    def run_import(self, path: Path) -> tasks.Task:
        from app.services.party_workers_io import import_trainings

        sf, today = self.ctx.session_factory, self.ctx.today

        def work(_progress: tasks.Progress, _cancelled: tasks.Cancelled) -> object:
            return import_trainings(sf, path, today=today)

        def done(report: object) -> None:
            problems = getattr(report, "problems", [])
            if problems:
                text = "\n".join(str(p) for p in problems[:30]) + ("\n……" if len(problems) > 30 else "")
                QMessageBox.warning(self, "未导入", f"发现{len(problems)}处问题，未导入任何培训记录：\n{text}")
                return
            self._changed()
            QMessageBox.information(self, "导入完成", f"已导入{getattr(report, 'created', 0)}条培训记录，"
                                                    f"已登记过（未改动）{getattr(report, 'unchanged', 0)}条。")

        return tasks.run_with_progress(self, "正在导入培训记录……", work, on_success=done)

    def save_template(self) -> None:
        from app.services.party_workers_io import write_template

        path, _ = QFileDialog.getSaveFileName(self, "保存导入模板", "培训记录导入模板.xlsx", "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            write_template(Path(path))
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.status.emit(f"已保存导入模板：{path}")

    def export(self) -> None:
        from app.services.party_workers_io import export_year

        year = self.year.value() or self.ctx.today().year
        path, _ = QFileDialog.getSaveFileName(self, "导出名册和学时", f"{year}年党务干部培训学时.xlsx",
                                              "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            export_year(self.ctx.session_factory, year, Path(path), today=self.ctx.today)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.status.emit(f"已导出：{path}")


def _status(r: RosterRow) -> str:
    if not r.in_post:
        return "已离任"
    return "学时不足" if r.short else "达标"
