"""组织生活: the records (filter, fast entry, edit, delete, Excel import), the 发展党员 pipeline, 激励关怀 and
不合格党员处置, as tabs.

Navigation from the 提醒 page: ("org", id) / ("unit", id) shows that organisation's (unit's) records, ready for a
new one; ("member", id) those of the member's branch; ("record", id) selects the record; ("recruit", id) the
recruit in the pipeline; ("disposal", id) a 处置 case, ("disposal_member", id) a member still to decide on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dateutil.relativedelta import relativedelta
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.models import OrgLifeKind
from app.services import unit_scope
from app.services.orglife import OrgLifeService, RecordFilter
from app.services.orglife_io import import_orglife, write_template
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox
from app.ui.orglife.care import CarePanel
from app.ui.orglife.disposal import DisposalPanel
from app.ui.orglife.records import RecordDialog, RecordTableModel
from app.ui.orglife.recruits import RecruitsPanel
from app.ui.tables import make_list


def _months(today: dt.date, n: int = 24) -> list[tuple[str, tuple[int, int]]]:
    first = today.replace(day=1)
    out = []
    for i in range(n):
        d = first - relativedelta(months=i)
        out.append((f"{d.year}年{d.month}月", (d.year, d.month)))
    return out


class RecordsPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = OrgLifeService(ctx.session_factory, today=ctx.today)
        self.unit = ChoiceBox(searchable=True)
        self.unit.setObjectName("filter_unit")
        self.org = ChoiceBox(searchable=True)
        self.org.setObjectName("filter_org")
        self.kind = ChoiceBox([("全部类型", None)] + [(k.label, k) for k in OrgLifeKind])
        self.month = ChoiceBox([("全部月份", None)] + _months(ctx.today()))
        self.text = QLineEdit()
        self.text.setPlaceholderText("按主题查找")
        self.text.setClearButtonEnabled(True)
        self._fill_choices()
        self.model = RecordTableModel(self.service, self)
        self.view = QTableView()
        self.view.setObjectName("records_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 100), (1, 110), (2, 280), (4, 60), (5, 60), (6, 130)):
            self.view.setColumnWidth(column, width)
        self.view.verticalHeader().hide()
        self.view.doubleClicked.connect(lambda _i: self.edit_record())
        self.count = QLabel()
        new = QPushButton("登记(&N)")
        new.setObjectName("new_record")
        new.setToolTip("登记组织生活记录（Ctrl+N）：默认所选党组织和今天，全体出席；可连续登记本月各项会议")
        new.clicked.connect(self.new_record)
        edit = QPushButton("编辑(&E)")
        edit.clicked.connect(self.edit_record)
        delete = QPushButton("删除")
        delete.clicked.connect(self.delete_record)
        imp = QPushButton("从 Excel 导入…")
        imp.clicked.connect(self.import_excel)
        tpl = QPushButton("下载导入模板…")
        tpl.clicked.connect(self.save_template)
        filters = QHBoxLayout()
        for label, w in (("单位", self.unit), ("党组织", self.org), ("类型", self.kind), ("月份", self.month)):
            filters.addWidget(QLabel(label))
            filters.addWidget(w, 1)
        filters.addWidget(self.text, 1)
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
        # Records come a page at a time in date order and the service has no other order: no header sorting.
        make_list(self.view, [new, edit, delete, None, imp, tpl], title="组织生活记录", sort=False)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_record)
        for box in (self.unit, self.org, self.kind, self.month):
            box.value_changed.connect(lambda _v: self.reload())
        self.unit.value_changed.connect(lambda _v: self._fill_orgs())
        self.text.returnPressed.connect(self.reload)
        ctx.follow(self, self._refresh_all, "orglife", "register")
        self.reload()

    # --- filters --------------------------------------------------------------------------------------------

    def _fill_choices(self) -> None:
        self.unit.set_choices([("全部单位", None)] + [(n, i) for i, n in self.ctx.register.units()])
        self._fill_orgs()

    def _fill_orgs(self) -> None:
        self.org.set_choices([("全部党组织", None)] + [(n, i) for i, n in self.ctx.register.orgs(self.unit.value())])

    def _refresh_all(self) -> None:
        self._fill_choices()
        self.reload()

    def current_filter(self) -> RecordFilter:
        month = self.month.value()
        return RecordFilter(self.org.value(), self.unit.value(), self.kind.value(), month[0] if month else None,
                            month[1] if month else None, self.text.text())

    def reload(self) -> None:
        try:
            self.model.set_filter(self.current_filter())
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.count.setText(f"共 {self.model.total()} 条记录")

    def show_scope(self, kind: str, id_: int) -> None:
        """Filter to one organisation ("org") or unit ("unit"), every month and kind."""
        for box in (self.kind, self.month):
            box.set_value(None)
        self.text.clear()
        if kind == "unit":
            self.unit.set_value(id_)
            self.org.set_value(None)
        else:
            self.unit.set_value(None)
            self.org.set_value(id_)
        self.reload()

    def select_record(self, record_id: int) -> bool:
        row = self.model.row_of(record_id)
        if row is None:  # not in the current filter: show everything
            for box in (self.unit, self.org, self.kind, self.month):
                box.set_value(None)
            self.text.clear()
            self.reload()
            row = self.model.row_of(record_id)
        if row is None:
            return False
        self.view.setCurrentIndex(self.model.index(row, 0))
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def current_record(self) -> int | None:
        idx = self.view.currentIndex()
        return self.model.record_id(idx.row()) if idx.isValid() else None

    # --- actions --------------------------------------------------------------------------------------------

    def new_record(self) -> None:
        dlg = RecordDialog(self.ctx, self.service, org_id=self.org.value(), unit_id=self.unit.value(),
                           kind=self.kind.value() or OrgLifeKind.COMMITTEE_MEETING, parent=self)
        dlg.exec()
        if dlg.saved:
            self.reload()

    def edit_record(self) -> None:
        rid = self.current_record()
        if rid is None:
            return
        try:
            dlg = RecordDialog(self.ctx, self.service, rid, parent=self)
        except DangjianError as exc:
            show_error(self, exc)
            return
        if dlg.exec():
            self.reload()
            self.select_record(rid)

    def delete_record(self) -> None:
        rid = self.current_record()
        if rid is None:
            return
        answer = QMessageBox.question(self, "删除记录", "确定删除所选组织生活记录？删除后不能恢复。")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_record(rid)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.changed.emit("orglife")

    def import_excel(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入组织生活记录", "", "Excel 工作簿 (*.xlsx)")
        if path:
            self.run_import(Path(path))

    def run_import(self, path: Path) -> tasks.Task:
        sf = self.ctx.session_factory

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> object:
            return import_orglife(sf, path, dry_run=False, progress=progress, cancelled=cancelled)

        def done(report: object) -> None:
            problems = getattr(report, "problems", [])
            if problems:
                text = "\n".join(str(p) for p in problems[:30]) + ("\n……" if len(problems) > 30 else "")
                QMessageBox.warning(self, "未导入", f"发现{len(problems)}处问题，未导入任何记录：\n{text}")
                return
            self.ctx.changed.emit("orglife")
            QMessageBox.information(self, "导入完成", f"已导入{getattr(report, 'created', 0)}条记录，"
                                                    f"已存在（未改动）{getattr(report, 'unchanged', 0)}条。")

        return tasks.run_with_progress(self, "正在导入组织生活记录……", work, on_success=done)

    def save_template(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "保存导入模板", "组织生活记录导入模板.xlsx", "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            write_template(Path(path))
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.status.emit(f"已保存导入模板：{path}")


class OrgLifePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.records = RecordsPanel(ctx)
        self.recruits = RecruitsPanel(ctx)
        self.tabs.addTab(self.records, "组织生活记录")
        self.tabs.addTab(self.recruits, "发展党员")
        self.care = CarePanel(ctx)
        self.tabs.addTab(self.care, "激励关怀")
        self.disposal = DisposalPanel(ctx)
        self.tabs.addTab(self.disposal, "不合格党员处置")
        if unit_scope.scoped():  # a 单位填报员 keeps its organisations' records: the other tabs are the 工委's
            for panel in (self.recruits, self.care, self.disposal):
                self.tabs.setTabVisible(self.tabs.indexOf(panel), False)
        QVBoxLayout(self).addWidget(self.tabs)

    def show_target(self, target: object) -> None:
        if not (isinstance(target, tuple) and len(target) == 2):
            return
        if self.care.show_target(target):
            self.tabs.setCurrentWidget(self.care)
            return
        kind, id_ = str(target[0]), int(target[1])
        if kind in ("disposal", "disposal_member"):
            self.tabs.setCurrentWidget(self.disposal)
            self.disposal.show_target((kind, id_))
            return
        if kind == "recruit":
            self.tabs.setCurrentWidget(self.recruits)
            self.recruits.show_recruit(id_)
            return
        self.tabs.setCurrentWidget(self.records)
        if kind == "record":
            self.records.select_record(id_)
        elif kind in ("org", "unit"):
            self.records.show_scope(kind, id_)
        elif kind == "member":
            try:
                org_id = self.ctx.register.member_input(id_).org_id
            except DangjianError as exc:
                show_error(self, exc)
                return
            self.records.show_scope("org", org_id)

    def focus_search(self) -> None:
        if self.tabs.currentWidget() is self.records:
            self.records.text.setFocus()
        elif self.tabs.currentWidget() is self.care:
            self.care.focus_search()
