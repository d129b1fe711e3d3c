"""发展党员: the pipeline (who is at which stage, what comes next) and the dialogs for each step.

Every rule lives in `RecruitService`; a step refused shows the service's message under its field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.errors import DangjianError, ValidationError
from app.models import Gender, RecruitStageKind, ReviewResult
from app.services.recruit import RecruitInput, RecruitRow, RecruitService
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, Form, FormDialog
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.tables import make_list

Stage = RecruitStageKind

# The steps offered at each stage: (label, key).
STEPS: dict[Stage, list[tuple[str, str]]] = {
    Stage.APPLICANT: [("登记谈话", "talk"), ("确定为入党积极分子", "activist")],
    Stage.ACTIVIST: [("登记集中培训学时", "training"), ("列为发展对象", "candidate")],
    Stage.CANDIDATE: [("登记政治审查结论", "review"), ("登记集中培训学时", "training"), ("确定入党介绍人", "sponsors"),
                      ("登记公示", "publicity"), ("支部大会讨论接收", "admit"), ("上级党委审批", "approve")],
    Stage.PROBATIONARY: [("延长预备期", "extend"), ("转为正式党员", "full")],
    Stage.FULL: [],
}
HEADERS = ("姓名", "党支部", "单位", "阶段", "进入本阶段", "下一步")


def _date(form: Form, name: str) -> dt.date:
    d = form.date(name)
    if d is None:
        raise ValidationError("请填写日期", field=name)
    return d


class RecruitDialog(FormDialog):
    """A new 入党申请人 (or corrections to the person's details)."""

    def __init__(self, ctx: AppContext, service: RecruitService, org_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("登记入党申请人", self._save, parent)
        self.ctx, self.service = ctx, service
        f = self.form = self.new_form()
        self.org = ChoiceBox([(name, oid) for oid, name in ctx.register.orgs()], searchable=True)
        self.org.set_value(org_id)
        f.add("org_id", "党支部(&O)", self.org)
        f.add("name", "姓名(&N)", QLineEdit())
        f.add("id_number", "身份证号(&I)", QLineEdit(), "填写后自动得出出生日期和性别")
        f.add("birth_date", "出生日期", DateEdit())
        self.gender = ChoiceBox([("", None)] + [(g.label, g) for g in Gender])
        f.add("gender", "性别", self.gender)
        f.add("applied_on", "递交申请书日期(&A)", DateEdit())
        f.add("position", "职务", QLineEdit())
        f.add("phone", "联系电话", QLineEdit())

    def _save(self) -> int:
        f = self.form
        data = RecruitInput(self.org.value() or 0, f.text("name"), f.date("birth_date"), f.date("applied_on"),
                            f.text("id_number"), self.gender.value(), f.text("phone"), "", f.text("position"))
        rid = self.service.create(data)
        self.ctx.changed.emit("recruit")
        return rid


class StepDialog(FormDialog):
    """One step of the pipeline for one recruit; the fields depend on the step."""

    def __init__(self, ctx: AppContext, service: RecruitService, row: RecruitRow, step: str, label: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"{row.name}：{label}", self._save, parent)
        self.ctx, self.service, self.row, self.step = ctx, service, row, step
        f = self.form = self.new_form()
        today = clock.today()
        self._do: Callable[[], object]
        if step in ("talk", "activist", "candidate", "approve", "full"):
            names = {"talk": "talked_on", "activist": "activist_on", "candidate": "candidate_on",
                     "approve": "approved_on", "full": "full_on"}
            field = names[step]
            day = f.add(field, "日期(&D)", DateEdit())
            assert isinstance(day, DateEdit)
            day.set_date(today)
            if step == "activist":
                f.add("contacts", "培养联系人(&C)", QLineEdit(), "一般为两名正式党员，以顿号分隔")
            self._do = {
                "talk": lambda: service.record_talk(row.id, _date(f, field)),
                "activist": lambda: service.make_activist(row.id, _date(f, field), f.text("contacts")),
                "candidate": lambda: service.make_candidate(row.id, _date(f, field)),
                "approve": lambda: service.approve(row.id, _date(f, field)),
                "full": lambda: service.make_full(row.id, _date(f, field)),
            }[step]
        elif step == "review":
            self.review = ChoiceBox([(r.label, r) for r in ReviewResult if r != ReviewResult.PENDING])
            f.add("review_result", "政审结论(&R)", self.review)
            f.add("reviewed_on", "日期(&D)", DateEdit())
            self._do = lambda: service.record_review(row.id, self.review.value(), _date(f, "reviewed_on"))
        elif step in ("training", "extend"):
            spin = QSpinBox()
            spin.setRange(0, 1000)
            name = "training_hours" if step == "training" else "extension_months"
            f.add(name, "学时" if step == "training" else "延长月数", spin)
            spin.setValue(24 if step == "training" else 6)
            self._do = ((lambda: service.record_training(row.id, spin.value())) if step == "training"
                        else (lambda: service.extend_probation(row.id, spin.value())))
        elif step == "sponsors":
            members = [(name, mid) for mid, name in self._full_members(row.org_id)]
            self.s1, self.s2 = ChoiceBox(members, searchable=True), ChoiceBox(members, searchable=True)
            f.add("sponsors", "入党介绍人一(&1)", self.s1)
            f.add("sponsor2", "入党介绍人二(&2)", self.s2)
            self._do = lambda: service.set_sponsors(row.id, self.s1.value() or 0, self.s2.value() or 0)
        elif step == "publicity":
            f.add("publicity_from", "公示开始(&B)", DateEdit())
            f.add("publicity_to", "公示结束(&E)", DateEdit())
            self._do = lambda: service.record_publicity(row.id, _date(f, "publicity_from"), _date(f, "publicity_to"))
        elif step == "admit":
            f.add("admitted_on", "支部大会日期(&D)", DateEdit())
            spins = []
            for name, label in (("votes", "赞成票"), ("against", "反对票"), ("abstain", "弃权票")):
                spin = QSpinBox()
                spin.setRange(0, 500)
                f.add(name, label, spin)
                spins.append(spin)
            self._do = lambda: service.admit(row.id, _date(f, "admitted_on"), spins[0].value(), spins[1].value(),
                                             spins[2].value())
        else:
            raise ValueError(step)

    def _full_members(self, org_id: int) -> list[tuple[int, str]]:
        ids = self.ctx.register.member_ids(org_id=org_id)
        return [(r.id, r.name) for r in self.ctx.register.member_rows(ids) if r.status == "正式党员"]

    def _save(self) -> object:
        result = self._do()
        self.ctx.changed.emit("recruit")
        if self.step == "approve":
            self.ctx.changed.emit("register")  # a 预备党员 joined the register
        return result


class RecruitsPanel(QWidget):
    """The pipeline: counts per stage, the list (filtered by stage), and the next step for the selected one."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = RecruitService(ctx.session_factory, today=ctx.today)
        self.counts = QLabel()
        self.counts.setObjectName("recruit_counts")
        self.stage = ChoiceBox([("全部阶段", None)] + [(s.label, s) for s in Stage])
        self.stage.value_changed.connect(lambda _v: self.reload())
        self.model = RowsTableModel(HEADERS, parent=self)
        self.view = QTableView()
        self.view.setObjectName("recruits_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Names, branches and units whole (they were cut at 1280×800 while 下一步 had room); 下一步 takes the rest.
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda _i: self.show_detail())
        self.steps = ChoiceBox()
        self.steps.setObjectName("recruit_steps")
        new = QPushButton("登记入党申请人(&A)")
        new.clicked.connect(self.new_recruit)
        do = QPushButton("办理(&G)")
        do.setObjectName("do_step")
        do.clicked.connect(self.do_step)
        detail = QPushButton("发展过程(&H)")
        detail.clicked.connect(self.show_detail)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("阶段："))
        bar.addWidget(self.stage)
        bar.addWidget(new)
        bar.addStretch()
        bar.addWidget(QLabel("所选人员："))
        bar.addWidget(self.steps)
        bar.addWidget(do)
        bar.addWidget(detail)
        col = QVBoxLayout(self)
        col.addWidget(self.counts)
        col.addLayout(bar)
        col.addWidget(self.view)
        make_list(self.view, [new, do, detail], title="发展党员")
        self.rows: list[RecruitRow] = []
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_steps())
        ctx.follow(self, self.reload, "recruit", "register")
        self.reload()

    def reload(self) -> None:
        current = self.current()
        try:
            counts = self.service.counts()
            self.rows = self.service.rows(self.stage.value())
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.counts.setText("　".join(f"{s.label} {n}" for s, n in counts.items()))
        self.model.set_rows([(r.name, r.org_name, r.unit_name, r.stage.label, r.since, r.next_step) for r in self.rows],
                            [r.id for r in self.rows])
        if current is not None:
            self.select(current.id)
        self._update_steps()

    def current(self) -> RecruitRow | None:
        idx = self.view.currentIndex()
        # The model may be sorted by a header click: find the row by its key, not by its position.
        key = self.model.key(idx.row()) if idx.isValid() else None
        return next((r for r in self.rows if r.id == key), None)

    def select(self, recruit_id: int) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.index(row, 0).data(KeyRole) == recruit_id:
                self.view.setCurrentIndex(self.model.index(row, 0))
                self.view.scrollTo(self.model.index(row, 0))
                return True
        return False

    def show_recruit(self, recruit_id: int) -> None:
        """Navigation from the 提醒 page: show every stage, select the recruit."""
        if self.stage.value() is not None:
            self.stage.set_value(None)
        self.reload()
        self.select(recruit_id)

    def _update_steps(self) -> None:
        row = self.current()
        self.steps.set_choices([(label, (key, label)) for label, key in STEPS[row.stage]] if row else [])

    def new_recruit(self) -> None:
        dlg = RecruitDialog(self.ctx, self.service, parent=self)
        if dlg.exec():
            self.reload()
            self.select(int(dlg.result_value))  # type: ignore[call-overload]

    def do_step(self) -> None:
        row, step = self.current(), self.steps.value()
        if row is None or step is None:
            return
        dlg = StepDialog(self.ctx, self.service, row, step[0], step[1], self)
        if dlg.exec():
            self.reload()

    def show_detail(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            d = self.service.detail(row.id)
        except DangjianError as exc:
            show_error(self, exc)
            return
        lines = [f"{h.entered_on:%Y-%m-%d}　{h.stage.label}" + (f"（{h.note}）" if h.note else "") for h in d.history]
        facts: list[tuple[str, Any]] = [
            ("政审", d.review_result.label), ("培训学时", d.training_hours), ("入党介绍人", "、".join(d.sponsors) or "—"),
            ("培养联系人", d.contacts or "—"), ("预备期满", d.probation_ends or "—"),
        ]
        text = "\n".join(lines) + "\n\n" + "\n".join(f"{k}：{v}" for k, v in facts)
        QMessageBox.information(self, f"{d.name}的发展过程", text)
