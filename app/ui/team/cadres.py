"""党建实绩与问责: the year's 党组（党委）书记, 机关党委书记 and 支部书记 with the record of the selected one, the
生成 of their Word pages and the county's list (in the background, with progress and 取消), and the 问责 register
with its entry dialog, Excel import, export and template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import settings as S
from app.errors import FieldProblem, ImportReport, ValidationError
from app.models.accountability import AccountabilityKind, PartyPost
from app.services.accountability import AccountabilityInput, AccountabilityRow, AccountabilityService
from app.services.cadre_records import (
    CadreOutput,
    CadreRecordService,
    CadreYear,
    PersonRecord,
    accountability_lines,
    annual_text,
    compliance_text,
    interview_lines,
    post_title,
    quarters_text,
    tenure,
    tiers_text,
    training_text,
    write_outputs,
)
from app.ui import tasks
from app.ui.annual.widgets import year_spin
from app.ui.context import AppContext
from app.ui.documents.common import OutputFolderBar, open_path, output_folder
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.tables import make_list

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"
PEOPLE_HEADERS = ("姓名", "单位", "职务", "任职月数", "后进月数", "年度等次", "约谈", "问责")
REGISTER_HEADERS = ("决定日期", "单位", "姓名", "职务", "问责方式", "决定机关", "关联约谈", "问责决定")


def _table(model: RowsTableModel, name: str, title: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    make_list(view, title=title)  # rows in the service's order until a header is clicked; 复制, 导出到 Excel
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _selected_key(view: QTableView) -> Any:
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].data(KeyRole) if rows else None


def record_text(r: PersonRecord, training_available: bool) -> str:
    """The selected person's record as the page prints it."""
    lines = [f"{r.name}　{r.units}　{r.year}年度", ""]
    for p in r.posts:
        h = p.holding
        lines += [f"【{post_title(h)}】{tenure(h, r.year)}，计{len(h.months)}个月（依据：{h.source}）",
                  f"月度考评档次：{tiers_text(p)}", f"季度分级考核：{quarters_text(p)}",
                  f"年度考核等次：{annual_text(p)}", f"组织生活落实：{compliance_text(p, limit=20)}", ""]
    talks = interview_lines(r) + accountability_lines(r)
    lines.append("约谈和问责：" + ("；".join(talks) if talks else "本年度未被约谈，无问责记录"))
    training = training_text(r, training_available)
    lines.append(f"培训学时：{training}" if training else "培训学时：党务干部培训登记尚未启用")
    return "\n".join(lines)


class CadresTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or ctx.today
        self.data: CadreYear | None = None
        self.load_task: tasks.Task | None = None
        self.task: tasks.Task | None = None
        self.records = CadreRecordService(ctx.session_factory, today=self.today)
        self.register = AccountabilityService(ctx.session_factory, today=self.today)
        self.inner = QTabWidget()
        self.inner.setObjectName("cadres_tabs")
        self.inner.addTab(self._records_part(), "党建实绩")
        self.inner.addTab(self._register_part(), "问责登记")
        QVBoxLayout(self).addWidget(self.inner)
        self.reload_register()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.data is None and self.load_task is None:  # the year is read when the tab is first looked at
            self.load()

    # --- 党建实绩 ---------------------------------------------------------------------------------------------

    def _records_part(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("年度："))
        self.year = year_spin(self.today().year if self.today().month >= 10 else self.today().year - 1)
        self.year.setObjectName("cadres_year")
        self.year.valueChanged.connect(lambda _v: self.load())
        row.addWidget(self.year)
        self.count = QLabel()
        self.count.setObjectName("cadres_count")
        row.addWidget(self.count, 1)
        col.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.people_model = RowsTableModel(PEOPLE_HEADERS, parent=self)
        self.people = _table(self.people_model, "cadres_people", "党建实绩人员")
        self.people.selectionModel().selectionChanged.connect(lambda *_a: self._show_person())
        split.addWidget(self.people)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("cadres_record")
        self.detail.setReadOnly(True)
        split.addWidget(self.detail)
        split.setSizes([640, 480])  # the list with its counts, the record beside it
        col.addWidget(split, 1)
        self.folder_bar = OutputFolderBar(self.ctx)
        col.addWidget(self.folder_bar)
        row = QHBoxLayout()
        self.start_button = QPushButton("生成实绩记实和一览表(&G)")
        self.start_button.setObjectName("start_cadres")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.start_button)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setObjectName("cancel_cadres")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        self.open_button = QPushButton("打开文件夹")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: open_path(self.target()))
        row.addWidget(self.open_button)
        self.bar = QProgressBar()
        self.bar.setObjectName("cadres_progress")
        self.bar.setFormat("%v/%m")
        row.addWidget(self.bar, 1)
        col.addLayout(row)
        self.status = QLabel()
        self.status.setObjectName("cadres_status")
        self.status.setWordWrap(True)
        col.addWidget(self.status)
        return box

    def load(self) -> None:
        """Read the year's records in the background (a large county takes a few seconds)."""
        year = self.year.value()
        self.count.setText("正在读取……")

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> CadreYear:
            return self.records.year(year)

        self.load_task = tasks.run_task(work, on_success=self._loaded, on_failure=self._load_failed, parent=self)

    def _loaded(self, data: object) -> None:
        assert isinstance(data, CadreYear)
        if data.year != self.year.value():
            return  # an older request answered after the year changed
        self.data = data
        rows, keys = [], []
        for r in data.people:
            rows.append([r.name, r.units, r.post_titles, sum(len(p.holding.months) for p in r.posts),
                         sum(p.tier_count("后进") for p in r.posts),
                         "、".join(p.annual_grade for p in r.posts if p.annual_grade),
                         len(r.interviews), len(r.accountabilities)])
            keys.append(r.key)
        self.people_model.set_rows(rows, keys)
        notes = "；".join(data.notes)
        self.count.setText(f"{data.year}年度共{len(data.people)}人" + (f"（{notes}）" if notes else ""))
        if data.people:
            self.people.selectRow(0)
        else:
            self.detail.setPlainText("本年度没有党组织书记的任职记录。")

    def _load_failed(self, exc: BaseException) -> None:
        from app.ui.errors import show_error

        self.count.setText("读取失败")
        show_error(self, exc)

    def _show_person(self) -> None:
        key = _selected_key(self.people)
        person = next((p for p in self.data.people if p.key == key), None) if self.data else None
        self.detail.setPlainText(record_text(person, self.data.training_available) if person and self.data else "")

    def target(self) -> Path:
        return output_folder(self.ctx) / f"{self.year.value()}年度党建工作实绩记实"

    def start(self) -> None:
        if self.task is not None and not self.task.done:
            return
        year, folder, sf, today = self.year.value(), self.target(), self.ctx.session_factory, self.today
        self.bar.setRange(0, 0)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"正在生成{year}年度党建工作实绩记实：{folder}")

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> CadreOutput:
            return write_outputs(sf, year, folder, today=today, progress=progress, cancelled=cancelled)

        self.task = tasks.run_task(work, on_success=self._done, on_failure=self._failed, on_progress=self._progress,
                                   on_cancel=self._cancelled, parent=self)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("正在取消：当前文件完成后停止……")

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.status.setText(text)

    def _finish(self) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.open_button.setEnabled(self.target().is_dir())

    def _done(self, result: object) -> None:
        assert isinstance(result, CadreOutput)
        self._finish()
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.status.setText("完成。" + "；".join(result.lines()))
        self.ctx.status.emit(f"党建工作实绩记实已生成：{result.folder}")

    def _failed(self, exc: BaseException) -> None:
        from app.ui.errors import show_error

        self._finish()
        self.status.setText("未完成")
        show_error(self, exc)

    def _cancelled(self) -> None:
        self._finish()
        self.status.setText("已取消：已生成的文件都是完整的，其余未生成。")

    # --- 问责登记 ---------------------------------------------------------------------------------------------

    def _register_part(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        row = QHBoxLayout()
        for text, name, slot in (("新增(&N)", "add_accountability", self.add),
                                 ("修改(&E)", "edit_accountability", self.edit),
                                 ("删除(&D)", "delete_accountability", self.delete),
                                 ("从 Excel 导入(&I)…", "import_accountability", self.import_file),
                                 ("导出到 Excel…", "export_accountability", self.export_file),
                                 ("下载导入模板…", "template_accountability", self.template_file)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        col.addLayout(row)
        self.register_model = RowsTableModel(REGISTER_HEADERS, parent=self)
        self.register_view = _table(self.register_model, "accountability_view", "问责登记")
        self.register_view.doubleClicked.connect(lambda _i: self.edit())
        col.addWidget(self.register_view, 1)
        return box

    def reload(self) -> None:
        self.load()
        self.reload_register()

    def reload_register(self) -> None:
        found: list[AccountabilityRow] = self.register.rows()
        self.register_model.set_rows([[r.decided_on, r.unit, r.person_name, r.post.value, r.kind.value,
                                       r.deciding_body, r.interview, r.decision] for r in found],
                                     [r.id for r in found])

    def add(self) -> None:
        if AccountabilityDialog(self.ctx, self.register, None, self).exec():
            self._changed()

    def edit(self) -> None:
        record_id = _selected_key(self.register_view)
        if record_id is None:
            QMessageBox.information(self, "问责登记", "请先选择一条问责记录")
            return
        if AccountabilityDialog(self.ctx, self.register, record_id, self).exec():
            self._changed()

    def delete(self) -> None:
        record_id = _selected_key(self.register_view)
        if record_id is None:
            QMessageBox.information(self, "问责登记", "请先选择一条问责记录")
            return
        reason, ok = QInputDialog.getText(self, "删除问责记录", "删除原因（记入审计日志）：")
        if not ok:
            return
        try:
            self.register.delete(record_id, reason)
        except ValidationError as exc:
            QMessageBox.warning(self, "删除问责记录", exc.message)
            return
        self._changed()

    def _changed(self) -> None:
        self.reload_register()
        self.load()
        self.ctx.changed.emit("accountability")

    def import_file(self, path: Path | None = None) -> None:
        from app.services.accountability import import_accountability
        from app.ui.excel_actions import ImportReportDialog

        if not path:
            chosen, _ = QFileDialog.getOpenFileName(self, "导入问责记录", str(Path.home()), XLSX_FILTER)
            if not chosen:
                return
            path = Path(chosen)
        source, sf, today = path, self.ctx.session_factory, self.today

        def checked(report: object) -> None:
            assert isinstance(report, ImportReport)
            if ImportReportDialog(report, source, self).exec() and report.ok:
                tasks.run_task(lambda p, c: import_accountability(sf, source, dry_run=False, today=today),
                               on_success=imported, on_failure=failed, parent=self)

        def imported(report: object) -> None:
            assert isinstance(report, ImportReport)
            if not report.applied:
                ImportReportDialog(report, source, self).exec()
                return
            self._changed()
            self.ctx.status.emit(f"问责记录导入完成：新增{report.created}条，{report.unchanged}条已存在")

        def failed(exc: BaseException) -> None:
            from app.ui.errors import show_error

            show_error(self, exc, "导入问责记录")

        tasks.run_task(lambda p, c: import_accountability(sf, source, dry_run=True, progress=p, cancelled=c,
                                                          today=today), on_success=checked, on_failure=failed,
                       parent=self)

    def export_file(self, path: Path | None = None) -> None:
        from app.services.accountability import export_accountability

        path = path or self._ask_save("导出问责记录", "问责记录.xlsx")
        if path is not None:
            n = export_accountability(self.ctx.session_factory, path)
            self.ctx.status.emit(f"已导出{n}条问责记录：{path}")

    def template_file(self, path: Path | None = None) -> None:
        from app.services.accountability import write_template

        path = path or self._ask_save("下载问责记录导入模板", "问责记录导入模板.xlsx")
        if path is not None:
            write_template(path)
            self.ctx.status.emit(f"已生成导入模板：{path}")

    def _ask_save(self, title: str, name: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, title, str(output_folder(self.ctx) / name), XLSX_FILTER)
        return Path(chosen) if chosen else None


class AccountabilityDialog(FormDialog):
    """One 问责 decision: the unit, the post and the person (a member, or a 党组（党委）书记 by name), 问责方式,
    date, deciding body, decision, and the 约谈 it followed."""

    def __init__(self, ctx: AppContext, service: AccountabilityService, record_id: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("修改问责记录" if record_id else "登记问责", self._save_record, parent)
        self.service, self.record_id = service, record_id
        f = self.form = self.new_form()
        self.unit = ChoiceBox([(name, uid) for uid, name in ctx.register.units()], searchable=True)
        f.add("unit_id", "单位(&U)", self.unit)
        self.post = ChoiceBox([(p.value, p) for p in PartyPost])
        f.add("post", "职务(&P)", self.post)
        self.member = ChoiceBox(searchable=True)
        f.add("member_id", "党员(&M)", self.member, "从该单位党员名册中选择；党组（党委）书记不在名册中时选“按姓名登记”")
        self.name = QLineEdit()
        f.add("person_name", "姓名", self.name, "仅在“按姓名登记”时填写")
        self.kind = ChoiceBox([(k.value, k) for k in AccountabilityKind])
        f.add("kind", "问责方式(&K)", self.kind)
        self.decided_on = DateEdit()
        f.add("decided_on", "决定日期", self.decided_on)
        self.deciding_body = QLineEdit(str(ctx.setting(S.ISSUER_NAME)))
        f.add("deciding_body", "决定机关", self.deciding_body)
        self.doc_number = QLineEdit()
        f.add("doc_number", "决定文号", self.doc_number)
        self.decision = QPlainTextEdit()
        self.decision.setTabChangesFocus(True)
        self.decision.setMaximumHeight(90)
        f.add("decision", "问责决定", self.decision, "问责事由和决定内容")
        self.interview = ChoiceBox()
        f.add("interview_id", "关联约谈", self.interview)
        self.note = QLineEdit()
        f.add("note", "备注", self.note)
        self.unit.value_changed.connect(self._unit_changed)
        self.member.value_changed.connect(lambda v: self.name.setEnabled(v is None))
        if record_id is not None:
            self._fill(service.record_input(record_id))
        else:
            self.kind.set_value(AccountabilityKind.ADMONITION_TALK)
            self.post.set_value(PartyPost.PARTY_GROUP_SECRETARY)
            self._unit_changed(self.unit.value())
        self.resize(620, self.sizeHint().height())

    def _unit_changed(self, unit_id: Any) -> None:
        members = self.service.members(unit_id) if unit_id is not None else []
        self.member.set_choices([("（按姓名登记）", None), *((label, mid) for mid, label in members)])
        talks = self.service.interviews(unit_id) if unit_id is not None else []
        self.interview.set_choices([("（无）", None), *((c.label, c.id) for c in talks)])
        if self.member.currentIndex() < 0:
            self.member.setCurrentIndex(0)
        if self.interview.currentIndex() < 0:
            self.interview.setCurrentIndex(0)

    def _fill(self, data: AccountabilityInput) -> None:
        self.unit.set_value(data.unit_id)
        self._unit_changed(data.unit_id)
        self.post.set_value(data.post)
        self.member.set_value(data.member_id)
        self.name.setText("" if data.member_id else data.person_name)
        self.kind.set_value(data.kind)
        self.decided_on.set_date(data.decided_on)
        self.deciding_body.setText(data.deciding_body)
        self.doc_number.setText(data.doc_number)
        self.decision.setPlainText(data.decision)
        self.interview.set_value(data.interview_id)
        self.note.setText(data.note)

    def _save_record(self) -> int:
        f = self.form
        unit_id = self.unit.value()
        if unit_id is None and self.unit.currentText().strip():
            raise ValidationError([FieldProblem("unit_id", f"没有名为“{self.unit.currentText().strip()}”的单位")])
        member_id = self.member.value()
        data = AccountabilityInput(unit_id, self.post.value(), self.kind.value(), f.date("decided_on"),
                                   f.text("deciding_body"), f.text("decision"), member_id,
                                   "" if member_id else f.text("person_name"), f.text("doc_number"),
                                   self.interview.value(), f.text("note"))
        return self.service.save(data, self.record_id)
