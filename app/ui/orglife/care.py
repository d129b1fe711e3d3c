"""激励关怀 (a tab of 组织生活): 表彰 and 关怀对象 with their 慰问/帮扶 visits and 谈心谈话 records.

The 关怀对象 list is built from `CareService.subject_rows`, which never carries the circumstances: sorting, the
search box, tooltips, 复制 and 导出到 Excel of the list can only give away what every role may see.  The
circumstances of the selected person appear in the box beside it after 查看个人情况 (管理员 only; each press is an
audit entry) and go again as soon as another row is chosen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
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
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError, ValidationError
from app.models import CareCircumstance, HonorKind, VisitForm
from app.services import accounts
from app.services.accounts import Permission
from app.services.care import (
    CARE_TARGET,
    LEVELS,
    CareService,
    HonorInput,
    SubjectInput,
    SubjectRow,
    VisitInput,
)
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel
from app.ui.tables import make_list

HIDDEN_TEXT = "个人情况已隐藏。"


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


def _checks(enum: Any, columns: int = 4) -> tuple[QWidget, dict[Any, QCheckBox]]:
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    boxes = {}
    for i, member in enumerate(enum):
        check = QCheckBox(member.label)
        grid.addWidget(check, i // columns, i % columns)
        boxes[member] = check
    return box, boxes


def _chosen(boxes: dict[Any, QCheckBox]) -> list[Any]:
    return [k for k, b in boxes.items() if b.isChecked()]


# ---------------------------------------------------------------------------------------------------------------
# 表彰


class HonorDialog(FormDialog):
    """A 表彰 of a member or of an organisation."""

    def __init__(self, service: CareService, honor_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__("编辑表彰" if honor_id else "登记表彰", self._save, parent)
        self.service, self.honor_id = service, honor_id
        f = self.form = self.new_form()
        self.kind = ChoiceBox([(k.label, k) for k in HonorKind])
        f.add("kind", "表彰类别(&K)", self.kind)
        self.member = ChoiceBox([("", None)] + service.member_choices(), searchable=True)
        f.add("member_id", "党员(&M)", self.member, "优秀共产党员、优秀党务工作者")
        self.org = ChoiceBox([("", None)] + service.org_choices(), searchable=True)
        f.add("org_id", "党组织(&O)", self.org, "先进基层党组织")
        self.level = QComboBox()
        self.level.setEditable(True)
        self.level.addItems(list(LEVELS))
        self.level.setCurrentText("县级")
        f.add("level", "级别(&L)", self.level, "可选或直接填写")
        self.awarded_on = DateEdit()
        f.add("awarded_on", "表彰日期(&D)", self.awarded_on)
        f.add("awarded_by", "授予机关(&B)", QLineEdit())
        f.add("doc_number", "文号", QLineEdit())
        f.add("note", "备注", QLineEdit())
        if honor_id is not None:
            data = service.honor_input(honor_id)
            self.kind.set_value(data.kind)
            self.member.set_value(data.member_id)
            self.org.set_value(data.org_id)
            self.level.setCurrentText(data.level)
            self.awarded_on.set_date(data.awarded_on)
            for name in ("awarded_by", "doc_number", "note"):
                field = f.field(name)
                assert isinstance(field, QLineEdit)
                field.setText(getattr(data, name))
        self.kind.value_changed.connect(lambda _v: self._kind_changed())
        self._kind_changed()

    def _kind_changed(self) -> None:
        org = self.kind.value() == HonorKind.ORG
        self.member.setEnabled(not org)
        self.org.setEnabled(org)

    def _save(self) -> int:
        f = self.form
        org = self.kind.value() == HonorKind.ORG
        data = HonorInput(self.kind.value(), f.date("awarded_on"), self.level.currentText(), f.text("awarded_by"),
                          None if org else self.member.value(), self.org.value() if org else None,
                          f.text("doc_number"), f.text("note"))
        return self.service.save_honor(data, self.honor_id)


class HonorsPanel(QWidget):
    HEADERS = ("表彰类别", "受表彰对象", "单位", "级别", "表彰日期", "授予机关", "文号")

    def __init__(self, ctx: AppContext, service: CareService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.service = ctx, service
        year = ctx.today().year
        self.year = ChoiceBox([("全部年度", None)] + [(f"{y}年", y) for y in range(year, year - 10, -1)])
        self.year.setObjectName("honor_year")
        self.kind = ChoiceBox([("全部类别", None)] + [(k.label, k) for k in HonorKind])
        self.text = QLineEdit()
        self.text.setPlaceholderText("按姓名、党组织、授予机关、文号查找")
        self.text.setClearButtonEnabled(True)
        self.model = RowsTableModel(self.HEADERS, parent=self)
        self.view = _table(self.model, "honors_view")
        for column, width in ((0, 120), (1, 220), (2, 150), (3, 70), (4, 100), (5, 180)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _i: self.edit())
        self.count = QLabel()
        new = QPushButton("登记表彰(&N)")
        new.setObjectName("new_honor")
        new.clicked.connect(self.new)
        edit = QPushButton("编辑(&E)")
        edit.clicked.connect(self.edit)
        delete = QPushButton("删除")
        delete.clicked.connect(self.delete)
        imp = QPushButton("从 Excel 导入…")
        imp.clicked.connect(self.import_excel)
        tpl = QPushButton("下载导入模板…")
        tpl.clicked.connect(self.save_template)
        filters = QHBoxLayout()
        for label, w in (("年度", self.year), ("类别", self.kind)):
            filters.addWidget(QLabel(label))
            filters.addWidget(w, 1)
        filters.addWidget(self.text, 2)
        actions = QHBoxLayout()
        for b in (new, edit, delete):
            actions.addWidget(b)
        actions.addStretch()
        actions.addWidget(self.count)
        actions.addStretch()
        actions.addWidget(imp)
        actions.addWidget(tpl)
        col = QVBoxLayout(self)
        col.addLayout(filters)
        col.addLayout(actions)
        col.addWidget(self.view)
        make_list(self.view, [new, edit, delete, None, imp, tpl], title="表彰")
        for box in (self.year, self.kind):
            box.value_changed.connect(lambda _v: self.reload())
        self.text.returnPressed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        rows = self.service.honor_rows(year=self.year.value(), kind=self.kind.value(), text=self.text.text())
        self.model.set_rows([[r.kind.label, r.name, r.unit, r.level, r.awarded_on, r.awarded_by, r.doc_number]
                             for r in rows], [r.id for r in rows])
        self.count.setText(f"共 {len(rows)} 项表彰")

    def current(self) -> int | None:
        idx = self.view.currentIndex()
        key = self.model.key(idx.row()) if idx.isValid() else None
        return int(key) if key is not None else None

    def new(self) -> None:
        if HonorDialog(self.service, parent=self).exec():
            self.ctx.changed.emit("orglife")
            self.reload()

    def edit(self) -> None:
        hid = self.current()
        if hid is None:
            return
        try:
            dlg = HonorDialog(self.service, hid, parent=self)
        except DangjianError as exc:
            show_error(self, exc)
            return
        if dlg.exec():
            self.reload()

    def delete(self) -> None:
        hid = self.current()
        if hid is None:
            return
        if QMessageBox.question(self, "删除表彰", "确定删除所选表彰记录？") != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_honor(hid)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.reload()

    def import_excel(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入表彰", "", "Excel 工作簿 (*.xlsx)")
        if path:
            self.run_import(Path(path))

    def run_import(self, path: Path) -> tasks.Task:
        from app.services.care_io import import_honors

        sf, today = self.ctx.session_factory, self.ctx.today

        def work(_progress: tasks.Progress, _cancelled: tasks.Cancelled) -> object:
            return import_honors(sf, path, dry_run=False, today=today)

        def done(report: object) -> None:
            problems = getattr(report, "problems", [])
            if problems:
                text = "\n".join(str(p) for p in problems[:30]) + ("\n……" if len(problems) > 30 else "")
                QMessageBox.warning(self, "未导入", f"发现{len(problems)}处问题，未导入任何表彰：\n{text}")
                return
            self.reload()
            QMessageBox.information(self, "导入完成", f"已导入{getattr(report, 'created', 0)}项表彰，"
                                                    f"已存在（未改动）{getattr(report, 'unchanged', 0)}项。")

        return tasks.run_with_progress(self, "正在导入表彰……", work, on_success=done)

    def save_template(self) -> None:
        from app.services.care_io import write_honor_template

        path, _ = QFileDialog.getSaveFileName(self, "保存导入模板", "表彰导入模板.xlsx", "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            write_honor_template(Path(path))
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.status.emit(f"已保存导入模板：{path}")


# ---------------------------------------------------------------------------------------------------------------
# 关怀对象 and visits


class SubjectDialog(FormDialog):
    """列为关怀对象: the member, since when, why (sensitive: never shown in the list)."""

    def __init__(self, service: CareService, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__("列为关怀对象", self._save, parent)
        self.service = service
        f = self.form = self.new_form()
        self.member = ChoiceBox([("", None)] + service.member_choices(), searchable=True)
        f.add("member_id", "党员(&M)", self.member)
        self.since = DateEdit()
        self.since.set_date(today)
        f.add("since", "列为关怀对象日期(&D)", self.since)
        box, self.kinds = _checks(CareCircumstance)
        f.add("circumstances", "关怀原因", box, "属个人情况：列表中不显示，只有管理员可以查看（记入审计日志）")
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(80)
        f.add("description", "情况说明", self.description)

    def _save(self) -> int:
        data = SubjectInput(self.member.value() or 0, self.form.date("since"), _chosen(self.kinds),
                            self.description.toPlainText())
        return self.service.add_subject(data)


class CircumstancesDialog(FormDialog):
    """Change the circumstances (管理员, who sees them here: opened after an audited reveal)."""

    def __init__(self, service: CareService, row: SubjectRow, kinds: tuple[CareCircumstance, ...], description: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"{row.name}：修改个人情况", self._save, parent)
        self.service, self.row = service, row
        f = self.form = self.new_form()
        box, self.kinds = _checks(CareCircumstance)
        for k in kinds:
            self.kinds[k].setChecked(True)
        f.add("circumstances", "关怀原因", box)
        self.description = QPlainTextEdit(description)
        self.description.setFixedHeight(80)
        f.add("description", "情况说明", self.description)

    def _save(self) -> None:
        self.service.update_circumstances(self.row.id, _chosen(self.kinds), self.description.toPlainText())


class EndDialog(FormDialog):
    def __init__(self, service: CareService, row: SubjectRow, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(f"{row.name}：结束关怀", self._save, parent)
        self.service, self.row = service, row
        f = self.form = self.new_form()
        self.ended_on = DateEdit()
        self.ended_on.set_date(today)
        f.add("ended_on", "结束日期(&D)", self.ended_on)
        f.add("end_reason", "原因(&R)", QLineEdit(), "如困难已解决、调离本县")

    def _save(self) -> None:
        if self.form.date("ended_on") is None:
            raise ValidationError("请填写结束日期", field="ended_on")
        self.service.end_subject(self.row.id, self.form.date("ended_on"), self.form.text("end_reason"))


class VisitDialog(FormDialog):
    """One 慰问/帮扶 visit; it may be linked to one of the member's 谈心谈话 records instead of retelling it."""

    def __init__(self, service: CareService, row: SubjectRow, today: dt.date, visit_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"{row.name}：{'编辑' if visit_id else '登记'}走访慰问", self._save, parent)
        self.service, self.row, self.visit_id = service, row, visit_id
        f = self.form = self.new_form()
        self.visited_on = DateEdit()
        self.visited_on.set_date(today)
        f.add("visited_on", "走访日期(&D)", self.visited_on)
        f.add("visitors", "走访人(&P)", QLineEdit(), "姓名和职务，如“周建国（党组书记）”")
        box, self.forms_ = _checks(VisitForm)
        f.add("forms", "走访内容", box)
        self.amount = QSpinBox()
        self.amount.setRange(0, 100000)
        self.amount.setSingleStep(100)
        self.amount.setSpecialValueText("无")
        self.amount.setSuffix(" 元")
        f.add("amount_yuan", "慰问金", self.amount)
        f.add("goods", "慰问物资", QLineEdit())
        talks = [t for t in service.talks_of(row.id) if t.visit_id in (None, visit_id)]
        self.talk = ChoiceBox([("不关联", None)] + [(f"{t.held_on:%Y-%m-%d} {t.topic}", t.id) for t in talks])
        f.add("talk_record_id", "关联谈心谈话", self.talk, "本人参加的谈心谈话记录（组织生活）")
        if visit_id is not None:
            data = service.visit_input(visit_id)
            self.visited_on.set_date(data.visited_on)
            visitors = f.field("visitors")
            goods = f.field("goods")
            assert isinstance(visitors, QLineEdit) and isinstance(goods, QLineEdit)
            visitors.setText(data.visitors)
            goods.setText(data.goods)
            for k in data.forms:
                self.forms_[k].setChecked(True)
            self.amount.setValue(data.amount_yuan or 0)
            self.talk.set_value(data.talk_record_id)

    def _save(self) -> int:
        f = self.form
        data = VisitInput(f.date("visited_on"), f.text("visitors"), _chosen(self.forms_), self.amount.value() or None,
                          f.text("goods"), self.talk.value())
        return self.service.save_visit(self.row.id, data, self.visit_id)


class SubjectsPanel(QWidget):
    HEADERS = ("姓名", "单位", "党组织", "列为关怀对象", "走访次数", "最近走访", "下次走访期限", "状态")

    def __init__(self, ctx: AppContext, service: CareService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.service = ctx, service
        self.rows: dict[int, SubjectRow] = {}
        self.text = QLineEdit()
        self.text.setObjectName("care_search")
        self.text.setPlaceholderText("按姓名、单位、党组织查找（不查找个人情况）")
        self.text.setClearButtonEnabled(True)
        self.ended = QCheckBox("含已结束关怀的")
        self.model = RowsTableModel(self.HEADERS, parent=self)
        self.view = _table(self.model, "subjects_view")
        for column, width in ((0, 80), (1, 150), (2, 220), (3, 100), (4, 70), (5, 100), (6, 100)):
            self.view.setColumnWidth(column, width)
        self.count = QLabel()
        new = QPushButton("列为关怀对象(&N)")
        new.setObjectName("new_subject")
        new.clicked.connect(self.new)
        self.visit_button = QPushButton("登记走访(&V)")
        self.visit_button.setObjectName("new_visit")
        self.visit_button.clicked.connect(self.new_visit)
        end = QPushButton("结束关怀")
        end.clicked.connect(self.end)
        delete = QPushButton("删除")
        delete.clicked.connect(self.delete)
        export = QPushButton("导出名单…")
        export.clicked.connect(self.export)
        top = QHBoxLayout()
        top.addWidget(self.text, 2)
        top.addWidget(self.ended)
        top.addStretch()
        top.addWidget(self.count)
        actions = QHBoxLayout()
        for b in (new, self.visit_button, end, delete):
            actions.addWidget(b)
        actions.addStretch()
        actions.addWidget(export)
        make_list(self.view, [new, self.visit_button, end, delete, None, export], title="关怀对象")

        # The selected person: circumstances (hidden until asked for), visits, 谈心谈话.
        self.reveal_button = QPushButton("查看个人情况(&I)")
        self.reveal_button.setObjectName("reveal_care")
        self.reveal_button.clicked.connect(self.reveal)
        self.change_button = QPushButton("修改个人情况")
        self.change_button.setObjectName("change_care")
        self.change_button.clicked.connect(self.change_circumstances)
        self.may_see = accounts.allowed(Permission.CARE_REVEAL)
        for b in (self.reveal_button, self.change_button):
            b.setEnabled(self.may_see)
            b.setToolTip("查看会记入审计日志" if self.may_see else "只有管理员可以查看和修改关怀对象的个人情况")
        self.circumstances = QLabel(HIDDEN_TEXT)
        self.circumstances.setObjectName("care_circumstances")
        self.circumstances.setWordWrap(True)
        self.circumstances.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        info = QGroupBox("个人情况")
        info_col = QVBoxLayout(info)
        info_col.addWidget(self.circumstances, 1)
        info_col.addWidget(self.reveal_button)
        info_col.addWidget(self.change_button)
        self.visit_model = RowsTableModel(("走访日期", "走访人", "走访内容", "慰问金（元）", "慰问物资", "关联谈心谈话"),
                                          parent=self)
        self.visit_view = _table(self.visit_model, "visits_view")
        for column, width in ((0, 90), (1, 150), (2, 130), (3, 80), (4, 90)):
            self.visit_view.setColumnWidth(column, width)
        self.visit_view.doubleClicked.connect(lambda _i: self.edit_visit())
        delete_visit = QPushButton("删除走访")
        delete_visit.clicked.connect(self.delete_visit)
        make_list(self.visit_view, [self.visit_button, delete_visit], title="走访慰问记录")
        visits = QGroupBox("走访慰问记录")
        visits_col = QVBoxLayout(visits)
        visits_col.addWidget(self.visit_view)
        self.talk_model = RowsTableModel(("日期", "党组织", "主题", "已关联走访"), parent=self)
        self.talk_view = _table(self.talk_model, "talks_view")
        make_list(self.talk_view, [], title="谈心谈话记录")
        talks = QGroupBox("谈心谈话记录（组织生活）")
        QVBoxLayout(talks).addWidget(self.talk_view)
        lower = QSplitter()
        lower.addWidget(info)
        lower.addWidget(visits)
        lower.addWidget(talks)
        lower.setSizes([260, 560, 400])
        upper = QWidget()
        upper_col = QVBoxLayout(upper)
        upper_col.setContentsMargins(0, 0, 0, 0)
        upper_col.addLayout(top)
        upper_col.addLayout(actions)
        upper_col.addWidget(self.view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([380, 260])
        QVBoxLayout(self).addWidget(split)
        self.text.returnPressed.connect(self.reload)
        self.ended.toggled.connect(lambda _b: self.reload())
        self.view.selectionModel().currentRowChanged.connect(lambda *_a: self.show_selected())
        self.reload()

    # --- the list -------------------------------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.current()
        rows = self.service.subject_rows(include_ended=self.ended.isChecked(), text=self.text.text())
        self.rows = {r.id: r for r in rows}
        red = {i: "#c00000" for i, r in enumerate(rows) if r.overdue}
        self.model.set_rows([[r.name, r.unit, r.org, r.since, r.visits, r.last_visit, r.due, _status(r)]
                             for r in rows], [r.id for r in rows], red)
        overdue = sum(r.overdue for r in rows)
        self.count.setText(f"共 {len(rows)} 名关怀对象" + (f"，{overdue} 名逾期未走访" if overdue else ""))
        if keep is not None:
            self.select(keep)
        self.show_selected()

    def current(self) -> int | None:
        idx = self.view.currentIndex()
        key = self.model.key(idx.row()) if idx.isValid() else None
        return int(key) if key is not None else None

    def current_row(self) -> SubjectRow | None:
        sid = self.current()
        return self.rows.get(sid) if sid is not None else None

    def select(self, subject_id: int) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.key(r) == subject_id:
                self.view.setCurrentIndex(self.model.index(r, 0))
                self.view.scrollTo(self.model.index(r, 0))
                return True
        return False

    def show_selected(self) -> None:
        """The selected person's visits and talks; the circumstances hidden again (a reveal is for one look)."""
        self.circumstances.setText(HIDDEN_TEXT)
        self.circumstances.setProperty("subject", None)
        row = self.current_row()
        self.visit_button.setEnabled(row is not None and row.ended_on is None)
        if row is None:
            self.visit_model.set_rows([])
            self.talk_model.set_rows([])
            return
        visits = self.service.visits(row.id)
        self.visit_model.set_rows([[v.visited_on, v.visitors, v.forms_text, v.amount_yuan, v.goods, v.talk_topic]
                                   for v in visits], [v.id for v in visits])
        talks = self.service.talks_of(row.id)
        self.talk_model.set_rows([[t.held_on, t.org, t.topic, "是" if t.visit_id else ""] for t in talks],
                                 [t.id for t in talks])

    # --- actions --------------------------------------------------------------------------------------------

    def reveal(self) -> None:
        row = self.current_row()
        if row is None:
            return
        try:
            shown = self.service.reveal(row.id, "在激励关怀页面查看")
        except DangjianError as exc:
            show_error(self, exc, "无法查看")
            return
        lines = [f"关怀原因：{shown.text}"] + ([f"情况说明：{shown.description}"] if shown.description else [])
        self.circumstances.setText("\n".join(lines))
        self.circumstances.setProperty("subject", row.id)

    def change_circumstances(self) -> None:
        row = self.current_row()
        if row is None:
            return
        try:
            shown = self.service.reveal(row.id, "修改个人情况")
        except DangjianError as exc:
            show_error(self, exc, "无法修改")
            return
        if CircumstancesDialog(self.service, row, shown.circumstances, shown.description, self).exec():
            self.show_selected()

    def new(self) -> None:
        dlg = SubjectDialog(self.service, self.ctx.today(), self)
        if dlg.exec():
            self.reload()
            self.select(int(str(dlg.result_value)))
            self.ctx.changed.emit("orglife")

    def new_visit(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if VisitDialog(self.service, row, self.ctx.today(), parent=self).exec():
            self.reload()
            self.ctx.changed.emit("orglife")

    def edit_visit(self) -> None:
        row = self.current_row()
        idx = self.visit_view.currentIndex()
        if row is None or not idx.isValid():
            return
        if VisitDialog(self.service, row, self.ctx.today(), int(self.visit_model.key(idx.row())), self).exec():
            self.reload()

    def delete_visit(self) -> None:
        idx = self.visit_view.currentIndex()
        if not idx.isValid():
            return
        if QMessageBox.question(self, "删除走访", "确定删除所选走访慰问记录？") != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_visit(int(self.visit_model.key(idx.row())))
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.reload()

    def end(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if row.ended_on is not None:
            try:
                self.service.end_subject(row.id, None)
            except DangjianError as exc:
                show_error(self, exc)
                return
        elif not EndDialog(self.service, row, self.ctx.today(), self).exec():
            return
        self.reload()

    def delete(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if QMessageBox.question(self, "删除关怀对象", f"确定删除{row.name}的关怀记录？") != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_subject(row.id)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.reload()

    def export(self) -> None:
        """The list as shown (no circumstances); an administrator is asked whether to include them (audited)."""
        from app.services.care_io import export_subjects

        reveal = False
        actor = accounts.current()
        if actor is not None and actor.can(Permission.CARE_EXPORT):
            answer = QMessageBox.question(
                self, "导出关怀对象", "是否在本次导出中包含关怀原因和情况说明？\n\n选择“否”则不含个人情况（推荐）。"
                "包含个人情况的导出会记入审计日志，文件请妥善保管。",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            reveal = answer == QMessageBox.StandardButton.Yes
        path, _ = QFileDialog.getSaveFileName(self, "导出关怀对象", "关怀对象名单.xlsx", "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            n = export_subjects(self.ctx.session_factory, Path(path), reveal=reveal,
                                include_ended=self.ended.isChecked(), today=self.ctx.today)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.status.emit(f"已导出{n}名关怀对象：{path}")


def _status(r: SubjectRow) -> str:
    if r.ended_on is not None:
        return f"已结束（{r.end_reason}）"
    return "逾期未走访" if r.overdue else "关怀中"


class CarePanel(QWidget):
    """The 激励关怀 tab: 表彰 and 关怀帮扶 side by side as two inner tabs."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = CareService(ctx.session_factory, today=ctx.today)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("care_tabs")
        self.subjects = SubjectsPanel(ctx, self.service)
        self.honors = HonorsPanel(ctx, self.service)
        self.tabs.addTab(self.subjects, "关怀帮扶")
        self.tabs.addTab(self.honors, "表彰")
        QVBoxLayout(self).addWidget(self.tabs)
        ctx.follow(self, self.reload, "orglife", "register")

    def reload(self) -> None:
        self.subjects.reload()
        self.honors.reload()

    def focus_search(self) -> None:
        panel = self.tabs.currentWidget()
        text = getattr(panel, "text", None)
        if isinstance(text, QLineEdit):
            text.setFocus()

    def show_target(self, target: object) -> bool:
        """("care", 关怀对象 id): select that person (ended ones included)."""
        if not (isinstance(target, tuple) and len(target) == 2 and target[0] == CARE_TARGET):
            return False
        self.tabs.setCurrentWidget(self.subjects)
        subject_id = int(target[1])
        if not self.subjects.select(subject_id):
            self.subjects.text.clear()
            self.subjects.ended.setChecked(True)
            self.subjects.reload()
            self.subjects.select(subject_id)
        return True
