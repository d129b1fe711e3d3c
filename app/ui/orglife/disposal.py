"""不合格党员处置: the members rated 不合格 still to decide on, the cases (不合格, 失联, 停止党籍) and a dialog per step.

Every rule lives in `DisposalService`; a step refused shows the service's message under its field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.models.disposal import DisposalKind, DisposalStepKind
from app.services.disposal import (
    DISPOSAL,
    DISPOSAL_MEMBER,
    NO_APPROVAL,
    Candidate,
    CaseInput,
    CaseRow,
    DisposalService,
    StepInput,
)
from app.ui.colours import ERROR_COLOUR
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.tables import make_list

Step = DisposalStepKind
CANDIDATE_HEADERS = ("姓名", "党组织", "单位", "民主评议日期")
CASE_HEADERS = ("姓名", "党组织", "单位", "类别", "启动日期", "当前步骤", "改正期限", "结案")
APPROVE = "approve"  # the step choice that records the 上级党组织's approval of the last step


def _table(name: str, model: RowsTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.verticalHeader().hide()  # like every other list: no row numbers of Qt's own
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class CaseDialog(FormDialog):
    """启动处置: a 不合格 member from the list, or a 失联 / 停止党籍 case for any member in the register."""

    def __init__(self, ctx: AppContext, service: DisposalService, candidate: Candidate | None = None,
                 kind: DisposalKind = DisposalKind.UNQUALIFIED, parent: QWidget | None = None) -> None:
        super().__init__("启动党员处置", self._save, parent)
        self.ctx, self.service = ctx, service
        f = self.form = self.new_form()
        kinds = [DisposalKind.UNQUALIFIED] if candidate else [DisposalKind.LOST_CONTACT, DisposalKind.SUSPENDED]
        self.kind = ChoiceBox([(k.label, k) for k in kinds])
        self.kind.set_value(kind if kind in kinds else kinds[0])
        f.add("kind", "处置类别(&K)", self.kind)
        if candidate is not None:
            members = [(f"{candidate.name}（{candidate.org_name}）", candidate.member_id)]
        else:
            members = [(f"{r.name}（{r.org_name}）", r.id)
                       for r in ctx.register.member_rows(ctx.register.member_ids())]
        self.member = ChoiceBox(members, searchable=candidate is None)
        if candidate is not None:
            self.member.set_value(candidate.member_id)
        f.add("member_id", "党员(&M)", self.member)
        opened = f.add("opened_on", "启动处置日期(&D)", DateEdit())
        assert isinstance(opened, DateEdit)
        opened.set_date(ctx.today())
        if candidate is None:
            f.add("lost_since", "失联起始日期(&L)", DateEdit(), "失联党员填写；停止党籍可不填")
            f.add("search_efforts", "查找情况(&F)", QLineEdit(), "通过哪些途径、何时查找")
        f.add("note", "情况说明(&N)", QLineEdit())
        self.candidate = candidate

    def _save(self) -> int:
        f = self.form
        has_lost = "lost_since" in f.names()
        data = CaseInput(self.member.value() or 0, self.kind.value(), f.date("opened_on"),
                         self.candidate.record_id if self.candidate else None,
                         f.date("lost_since") if has_lost else None,
                         f.text("search_efforts") if has_lost else "", f.text("note"))
        case_id = self.service.open_case(data)
        self.ctx.changed.emit("disposal")
        return case_id


class StepDialog(FormDialog):
    """One step of a case (its 支部大会 date, the approval when it came, the deadline of a 限期改正), or the
    approval of the last step."""

    def __init__(self, ctx: AppContext, service: DisposalService, row: CaseRow, step: str,
                 parent: QWidget | None = None) -> None:
        label = "上级党组织批准" if step == APPROVE else Step(step).label
        super().__init__(f"{row.name}：{label}", self._save, parent)
        self.ctx, self.service, self.row, self.step = ctx, service, row, step
        f = self.form = self.new_form()
        if step == APPROVE:
            last = row.steps[-1]
            f.add("approved_on", "批准日期(&A)", DateEdit(),
                  f"{last.kind.label}：支部大会{last.decided_on:%Y-%m-%d}决定")
            return
        kind = Step(step)
        if kind in NO_APPROVAL:
            f.add("decided_on", "恢复联系日期(&D)", DateEdit())
        else:
            f.add("decided_on", "支部大会决定日期(&D)", DateEdit())
            f.add("approved_on", "上级党组织批准日期(&A)", DateEdit(), "尚未批准的可先不填，批准后再登记")
        if kind == Step.CORRECTION:
            f.add("deadline", "改正期限(&L)", DateEdit())
        f.add("note", "事实和理由(&N)" if kind in (Step.PERSUADED, Step.WITHDRAWN, Step.REMOVED) else "说明(&N)",
              QLineEdit())

    def _save(self) -> object:
        f = self.form
        if self.step == APPROVE:
            self.service.approve(self.row.steps[-1].id, f.date("approved_on"))
        else:
            kind = Step(self.step)
            names = f.names()
            self.service.add_step(self.row.id, StepInput(
                kind, f.date("decided_on"), f.date("approved_on") if "approved_on" in names else None,
                f.date("deadline") if "deadline" in names else None, f.text("note")))
        self.ctx.changed.emit("disposal")
        self.ctx.changed.emit("register")  # a 除名 or 退党 takes the member out of the register
        return self.row.id


class DisposalPanel(QWidget):
    """Above: the members rated 不合格 without a case; below: the cases, with the next step of the selected one."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = DisposalService(ctx.session_factory, today=ctx.today)
        self.candidates: list[Candidate] = []
        self.rows: list[CaseRow] = []

        self.candidate_model = RowsTableModel(CANDIDATE_HEADERS, parent=self)
        self.candidate_view = _table("disposal_candidates", self.candidate_model)
        self.candidate_view.doubleClicked.connect(lambda _i: self.open_case())
        start = QPushButton("启动处置(&S)")
        start.setObjectName("open_case")
        start.clicked.connect(self.open_case)
        self.candidate_count = QLabel()
        top = QWidget()
        top_col = QVBoxLayout(top)
        top_col.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.candidate_count)
        head.addStretch()
        head.addWidget(start)
        top_col.addLayout(head)
        top_col.addWidget(self.candidate_view)
        make_list(self.candidate_view, [start], title="待处置党员")

        self.case_model = RowsTableModel(CASE_HEADERS, parent=self)
        self.case_view = _table("disposal_cases", self.case_model)
        self.case_view.doubleClicked.connect(lambda _i: self.show_detail())
        self.open_only = QCheckBox("只看未结案(&U)")
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(lambda _on: self.reload())
        lost = QPushButton("登记失联或停止党籍(&L)")
        lost.clicked.connect(self.open_other_case)
        self.steps = ChoiceBox()
        self.steps.setObjectName("disposal_steps")
        do = QPushButton("办理(&G)")
        do.setObjectName("do_disposal_step")
        do.clicked.connect(self.do_step)
        detail = QPushButton("处置过程(&H)")
        detail.clicked.connect(self.show_detail)
        bar = QHBoxLayout()
        bar.addWidget(self.open_only)
        bar.addWidget(lost)
        bar.addStretch()
        bar.addWidget(QLabel("所选案件："))
        bar.addWidget(self.steps)
        bar.addWidget(do)
        bar.addWidget(detail)
        bottom = QWidget()
        bottom_col = QVBoxLayout(bottom)
        bottom_col.setContentsMargins(0, 0, 0, 0)
        bottom_col.addLayout(bar)
        bottom_col.addWidget(self.case_view)
        make_list(self.case_view, [lost, do, detail], title="处置案件")

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(1, 2)
        QVBoxLayout(self).addWidget(split)
        self.case_view.selectionModel().currentRowChanged.connect(lambda *_: self._update_steps())
        ctx.follow(self, self.reload, "disposal", "register", "orglife")
        self.reload()

    # --- data ---------------------------------------------------------------------------------------------------

    def reload(self) -> None:
        current = self.current()
        try:
            self.candidates = self.service.candidates()
            self.rows = self.service.cases(open_only=self.open_only.isChecked())
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.candidate_count.setText(f"民主评议为不合格、尚未启动处置的党员：{len(self.candidates)}人")
        self.candidate_model.set_rows([(c.name, c.org_name, c.unit_name, c.appraised_on) for c in self.candidates],
                                      [c.member_id for c in self.candidates])
        self.case_model.set_rows([(r.name, r.org_name, r.unit_name, r.kind.label, r.opened_on, r.stage,
                                   r.deadline or "", r.outcome and f"{r.outcome}（{r.closed_on:%Y-%m-%d}）")
                                  for r in self.rows], [r.id for r in self.rows],
                                 foreground={n: ERROR_COLOUR for n, r in enumerate(self.rows) if self._overdue(r)})
        if current is not None:
            self.select_case(current.id)
        self._update_steps()

    def _overdue(self, row: CaseRow) -> bool:
        """A 限期改正 past its deadline without the next decision (as on the 提醒): shown in red."""
        return row.deadline is not None and row.deadline < self.ctx.today() and not row.awaiting_approval

    def current(self) -> CaseRow | None:
        idx = self.case_view.currentIndex()
        key = self.case_model.key(idx.row()) if idx.isValid() else None
        return next((r for r in self.rows if r.id == key), None)

    def current_candidate(self) -> Candidate | None:
        idx = self.candidate_view.currentIndex()
        key = self.candidate_model.key(idx.row()) if idx.isValid() else None
        return next((c for c in self.candidates if c.member_id == key), None)

    @staticmethod
    def _select(view: QTableView, model: RowsTableModel, key: int) -> bool:
        for row in range(model.rowCount()):
            if model.index(row, 0).data(KeyRole) == key:
                view.setCurrentIndex(model.index(row, 0))
                view.scrollTo(model.index(row, 0))
                view.setFocus()
                return True
        return False

    def select_case(self, case_id: int) -> bool:
        return self._select(self.case_view, self.case_model, case_id)

    def show_target(self, target: tuple[str, int]) -> bool:
        """Navigation from the 提醒 page: a case (every case shown), or a member still to decide on."""
        kind, id_ = target
        if kind == DISPOSAL:
            if self.open_only.isChecked():
                self.open_only.setChecked(False)
            self.reload()
            return self.select_case(id_)
        if kind == DISPOSAL_MEMBER:
            self.reload()
            return self._select(self.candidate_view, self.candidate_model, id_)
        return False

    def _update_steps(self) -> None:
        row = self.current()
        choices: list[tuple[str, str]] = []
        if row is not None and row.open:
            if row.awaiting_approval:
                choices.append((f"上级党组织批准“{row.steps[-1].kind.label}”", APPROVE))
            choices += [(k.label, k.value) for k in row.next_steps]
        self.steps.set_choices(choices)
        if choices and self.steps.value() is None:
            self.steps.set_value(choices[0][1])  # the usual next step, ready for 办理

    # --- actions ------------------------------------------------------------------------------------------------

    def open_case(self) -> None:
        candidate = self.current_candidate()
        if candidate is None:
            QMessageBox.information(self, "启动处置", "请先在上方名单中选择一名党员")
            return
        dlg = CaseDialog(self.ctx, self.service, candidate, parent=self)
        if dlg.exec():
            self.reload()
            self.select_case(int(dlg.result_value))  # type: ignore[call-overload]

    def open_other_case(self) -> None:
        dlg = CaseDialog(self.ctx, self.service, None, DisposalKind.LOST_CONTACT, parent=self)
        if dlg.exec():
            self.reload()
            self.select_case(int(dlg.result_value))  # type: ignore[call-overload]

    def do_step(self) -> None:
        row, step = self.current(), self.steps.value()
        if row is None or step is None:
            return
        dlg = StepDialog(self.ctx, self.service, row, step, self)
        if dlg.exec():
            self.reload()

    def show_detail(self) -> None:
        row = self.current()
        if row is None:
            return
        lines = [f"{row.kind.label}　启动于{row.opened_on:%Y-%m-%d}"]
        if row.appraised_on:
            lines.append(f"民主评议（{row.appraised_on:%Y-%m-%d}）评为不合格")
        if row.lost_since:
            lines.append(f"自{row.lost_since:%Y-%m-%d}失去联系；查找情况：{row.search_efforts}")
        for st in row.steps:
            text = f"{st.decided_on:%Y-%m-%d}　{st.kind.label}"
            if st.kind not in NO_APPROVAL:
                text += f"，上级党组织{st.approved_on:%Y-%m-%d}批准" if st.approved_on else "，待上级党组织批准"
            if st.deadline:
                text += f"，限{st.deadline:%Y-%m-%d}前改正"
            lines.append(text + (f"（{st.note}）" if st.note else ""))
        if row.outcome:
            lines.append(f"结案：{row.outcome}（{row.closed_on:%Y-%m-%d}）")
        QMessageBox.information(self, f"{row.name}的处置过程", "\n".join(lines))

