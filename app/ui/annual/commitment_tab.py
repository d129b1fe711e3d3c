"""公开承诺与责任清单: the year's units with their counts; for the selected unit its 承诺 items with 践诺 and its
责任清单; edit either in a dialog (items edited in place, rows added and removed), mark 践诺 at year end, and print
the 公开承诺书, the 践诺情况 and the 责任清单."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError, FieldProblem, ValidationError
from app.models import DutyCategory, DutyRole, Fulfilment
from app.services.annual.commitments import (
    CommitmentInput,
    CommitmentItemInput,
    CommitmentView,
    DutyItemInput,
    DutyListInput,
    DutyListView,
    YearUnitStatus,
)
from app.services.annual.service import AnnualService
from app.ui.annual.widgets import (
    ChoiceDelegate,
    EditRowsModel,
    date_cell,
    date_text,
    item_problems,
    save_document,
    selected_row,
    table_view,
    year_spin,
)
from app.ui.colours import ERROR_COLOUR
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel
from app.ui.remembered import remember_splitter

ROLES = [r.value for r in DutyRole]
CATEGORIES = [c.value for c in DutyCategory]


class ItemsEditor(QWidget):
    """An editable item table with 添加 / 删除 buttons."""

    def __init__(self, model: EditRowsModel, stretch: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.view = table_view(model, stretch=stretch, editable=True)
        self.view.setMinimumHeight(220)
        col.addWidget(self.view)
        row = QHBoxLayout()
        add = QPushButton("添加一行(&A)")
        add.clicked.connect(self.add)
        remove = QPushButton("删除所选行")
        remove.clicked.connect(self.remove)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        col.addLayout(row)

    def add(self) -> None:
        r = self.model.add_row()
        self.view.setCurrentIndex(self.model.index(r, 0))
        self.view.edit(self.model.index(r, 0))

    def remove(self) -> None:
        r = selected_row(self.view)
        if r is not None:
            self.model.remove_row(r)


class CommitmentDialog(FormDialog):
    def __init__(self, service: AnnualService, unit_id: int, unit: str, year: int, current: CommitmentView | None,
                 secretary: str, parent: QWidget | None = None) -> None:
        super().__init__(f"{unit}{year}年度公开承诺", self._save_it, parent)
        self.service, self.unit_id, self.year = service, unit_id, year
        f = self.form = self.new_form()
        self.secretary = QLineEdit(current.secretary if current else secretary)
        f.add("secretary", "承诺人（书记）", self.secretary)
        self.post = QLineEdit(current.post if current else "党组书记")
        f.add("post", "职务", self.post)
        self.made_on = DateEdit()
        self.made_on.set_date(current.made_on if current else None)
        f.add("made_on", "承诺日期", self.made_on, "一般在1月")
        self.model = EditRowsModel(["承诺事项", "责任人", "完成时限"], self)
        if current is not None:
            self.model.set_rows([[i.content, i.owner, date_text(i.due_on)] for i in current.items],
                                [i.id for i in current.items])
        self.editor = ItemsEditor(self.model, 0, self)
        f.add("items", "承诺事项", self.editor, "双击单元格修改；完成时限如2026-06-30")
        self.resize(720, 560)

    def _save_it(self) -> CommitmentView:
        problems: list[FieldProblem] = []
        items = []
        for n, (key, (content, owner, due)) in enumerate(self.model.rows(), 1):
            items.append(CommitmentItemInput(content, owner, date_cell(due, n, "完成时限", problems), id=key))
        return item_problems(lambda: self._check(problems) or self.service.save_commitment(
            self.unit_id, self.year, CommitmentInput(self.form.text("secretary"), items, self.form.date("made_on"),
                                                     self.form.text("post") or "党组书记")))

    @staticmethod
    def _check(problems: list[FieldProblem]) -> None:
        if problems:
            raise ValidationError(problems)


class DutyDialog(FormDialog):
    def __init__(self, service: AnnualService, unit_id: int, unit: str, year: int, current: DutyListView | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"{unit}{year}年度党建工作责任清单", self._save_it, parent)
        self.service, self.unit_id, self.year = service, unit_id, year
        f = self.form = self.new_form()
        self.made_on = DateEdit()
        self.made_on.set_date(current.made_on if current else None)
        f.add("made_on", "制定日期", self.made_on)
        self.model = EditRowsModel(["责任主体", "责任人", "责任内容", "完成时限", "类别"], self)
        items = current.items if current is not None else []
        self.model.set_rows([[i.role.value, i.person, i.content, date_text(i.due_on), i.category.value]
                             for i in items])
        self.editor = ItemsEditor(self.model, 2, self)
        self.editor.view.setItemDelegateForColumn(0, ChoiceDelegate(ROLES, self.editor.view))
        self.editor.view.setItemDelegateForColumn(4, ChoiceDelegate(CATEGORIES, self.editor.view))
        f.add("items", "责任事项", self.editor, "完成时限留空表示长期坚持；类别为机关党建、党风廉政建设或意识形态，"
              "三大责任制各须有责任事项")
        suggest = QPushButton("按登记信息生成(&G)")
        suggest.setToolTip("党组书记、班子成员和各党组织书记在机关党建、党风廉政建设、意识形态方面的常规责任，可再修改")
        suggest.clicked.connect(self.suggest)
        self.body.addWidget(suggest)
        self.resize(820, 560)

    def suggest(self) -> None:
        try:
            items = self.service.suggested_duties(self.unit_id, self.year)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.model.set_rows([[DutyRole(i.role).value, i.person, i.content, date_text(i.due_on),
                              DutyCategory(i.category).value] for i in items])

    def _save_it(self) -> DutyListView:
        problems: list[FieldProblem] = []
        items = [DutyItemInput(role, content, person, date_cell(due, n, "完成时限", problems), category)
                 for n, (_key, (role, person, content, due, category)) in enumerate(self.model.rows(), 1)]
        return item_problems(lambda: CommitmentDialog._check(problems) or self.service.save_duty_list(
            self.unit_id, self.year, DutyListInput(items, self.form.date("made_on"))))


class AssessDialog(FormDialog):
    def __init__(self, service: AnnualService, item_id: int, content: str, parent: QWidget | None = None) -> None:
        super().__init__("践诺评定", self._save_it, parent)
        self.service, self.item_id = service, item_id
        f = self.form = self.new_form()
        label = QLabel(content)
        label.setWordWrap(True)
        f.add("content", "承诺事项", label)
        self.status = ChoiceBox([(s.value, s) for s in Fulfilment if s != Fulfilment.PENDING])
        f.add("status", "践诺情况", self.status)
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(90)
        f.add("status_note", "说明", self.note, "部分践诺、未践诺须说明未完成的内容和原因")

    def _save_it(self) -> CommitmentView:
        return self.service.assess(self.item_id, self.status.value() or "", self.note.toPlainText())


class CommitmentTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = today or ctx.today
        self.ctx = ctx
        self.service = AnnualService(ctx.session_factory, today=today)
        self.units: list[YearUnitStatus] = []
        self.commitment: CommitmentView | None = None
        self.duties: DutyListView | None = None
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        self.year = year_spin(today().year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        top.addWidget(self.year)
        top.addStretch(1)
        col.addLayout(top)
        split = QSplitter()
        self.unit_model = RowsTableModel(["单位", "书记", "承诺事项", "已践诺", "部分践诺", "未践诺", "未评定", "责任事项"],
                                         parent=self)
        self.unit_view = table_view(self.unit_model, stretch=0)
        self.unit_view.setObjectName("commitment_units")
        self.unit_view.selectionModel().selectionChanged.connect(lambda *_: self.load_unit())
        split.addWidget(self.unit_view)
        right = QWidget()
        rcol = QVBoxLayout(right)
        box = QGroupBox("公开承诺及践诺情况")
        bcol = QVBoxLayout(box)
        self.commitment_label = QLabel()
        self.commitment_label.setWordWrap(True)
        bcol.addWidget(self.commitment_label)
        self.item_model = RowsTableModel(["承诺事项", "责任人", "完成时限", "践诺情况", "说明"], parent=self)
        self.item_view = table_view(self.item_model, stretch=0)
        self.item_view.setObjectName("commitment_items")
        self.item_view.doubleClicked.connect(lambda *_: self.assess())
        bcol.addWidget(self.item_view)
        row = QHBoxLayout()
        for text, slot in (("编辑承诺(&E)…", self.edit_commitment), ("践诺评定(&J)…", self.assess),
                           ("生成承诺书", lambda: self.print_commitment(False)),
                           ("生成践诺情况", lambda: self.print_commitment(True))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        bcol.addLayout(row)
        rcol.addWidget(box, 3)
        box = QGroupBox("党建工作责任清单")
        bcol = QVBoxLayout(box)
        self.duty_model = RowsTableModel(["责任主体", "责任人", "责任内容", "完成时限", "类别"], parent=self)
        self.duty_view = table_view(self.duty_model, stretch=2)
        self.duty_view.setObjectName("duty_items")
        bcol.addWidget(self.duty_view)
        self.three_systems = QLabel()  # whether the 清单 covers the 三大责任制
        self.three_systems.setObjectName("duty_three_systems")
        self.three_systems.setWordWrap(True)
        bcol.addWidget(self.three_systems)
        row = QHBoxLayout()
        for text, slot in (("编辑责任清单(&D)…", self.edit_duties), ("生成责任清单", self.print_duties)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        bcol.addLayout(row)
        rcol.addWidget(box, 2)
        split.addWidget(right)
        # Room for the units' whole names and the seven counts (at 1280×800 "县委…" was all that showed); sizes
        # first, so the ones the user dragged to last time win.
        split.setSizes([540, 560])
        remember_splitter(split, "commitments")
        col.addWidget(split, 1)
        self.reload()

    # --- loading ----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.current_unit()
        try:
            self.units = self.service.year_status(self.year.value())
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.unit_model.set_rows([[u.unit, u.secretary, u.commitment_items, u.fulfilled, u.partial, u.not_done,
                                   u.pending, u.duty_items] for u in self.units], [u.unit_id for u in self.units])
        row = next((i for i, u in enumerate(self.units) if keep and u.unit_id == keep.unit_id), 0 if self.units else None)
        if row is not None:
            self.unit_view.selectRow(row)
        self.load_unit()

    def current_unit(self) -> YearUnitStatus | None:
        r = selected_row(self.unit_view)
        return self.units[r] if r is not None and r < len(self.units) else None

    def load_unit(self) -> None:
        unit = self.current_unit()
        year = self.year.value()
        self.commitment = self.service.commitment(unit.unit_id, year) if unit else None
        self.duties = self.service.duty_list(unit.unit_id, year) if unit else None
        c = self.commitment
        self.commitment_label.setText(
            "尚未登记公开承诺" if c is None else
            f"承诺人：{c.secretary}（{c.post}）　承诺日期：{date_text(c.made_on) or '未填'}")
        items = c.items if c else []
        self.item_model.set_rows([[i.content, i.owner, date_text(i.due_on), i.status.value, i.status_note]
                                  for i in items], [i.id for i in items],
                                 foreground={n: "#c0392b" for n, i in enumerate(items)
                                             if i.status == Fulfilment.NOT_DONE})
        duties = self.duties.items if self.duties else []
        self.duty_model.set_rows([[i.role.value, i.person, i.content, date_text(i.due_on) or "长期坚持",
                                   i.category.value] for i in duties], [i.id for i in duties])
        self.show_three_systems()

    def show_three_systems(self) -> None:
        missing = self.duties.missing_categories if self.duties else []
        if self.duties is None:
            text, colour = "尚未制定责任清单", ""
        elif missing:
            text = (f"责任清单缺少{'、'.join(c.value for c in missing)}方面的责任：须涵盖机关党建、党风廉政建设、"
                    "意识形态“三大责任制”")
            colour = f"color: {ERROR_COLOUR};"
        else:
            text, colour = "已涵盖机关党建、党风廉政建设、意识形态“三大责任制”", ""
        self.three_systems.setText(text)
        self.three_systems.setStyleSheet(colour)

    # --- actions ----------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.reload()
        self.ctx.changed.emit("annual")

    def edit_commitment(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        dialog = CommitmentDialog(self.service, unit.unit_id, unit.unit, self.year.value(), self.commitment,
                                  unit.secretary, self)
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()

    def edit_duties(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        dialog = DutyDialog(self.service, unit.unit_id, unit.unit, self.year.value(), self.duties, self)
        if self.duties is None:
            dialog.suggest()
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()

    def assess(self) -> None:
        r = selected_row(self.item_view)
        if r is None or self.commitment is None:
            return
        item = self.commitment.items[r]
        dialog = AssessDialog(self.service, item.id, item.content, self)
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()

    def print_commitment(self, with_fulfilment: bool) -> None:
        unit = self.current_unit()
        if unit is not None:
            year = self.year.value()
            save_document(self.ctx, self, lambda: self.service.commitment_document(
                unit.unit_id, year, with_fulfilment=with_fulfilment), f"{year}年度公开承诺")

    def print_duties(self) -> None:
        unit = self.current_unit()
        if unit is not None:
            year = self.year.value()
            save_document(self.ctx, self, lambda: self.service.duty_list_document(unit.unit_id, year),
                          f"{year}年度责任清单")


__all__ = ["AssessDialog", "CommitmentDialog", "CommitmentTab", "DutyDialog"]
