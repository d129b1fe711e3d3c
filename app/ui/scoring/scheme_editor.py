"""The indicator-scheme editor: a year's categories and indicators, their points and rules, in order.

Every change is saved at once through the scheme service, which checks the inputs and reports the totals that
do not add up (shown in red above the tables; a month cannot be opened on an unbalanced scheme).  A scheme
already used by a locked month is frozen: the first change makes a new version, which the open months move to,
and the editor says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.models import IndicatorMethod
from app.services.scheme import (
    CategoryInput,
    CategoryView,
    EditResult,
    IndicatorInput,
    IndicatorView,
    SchemeService,
    SchemeView,
)
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox, FormDialog
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.scoring.form import named


def _table(name: str, model: RowsTableModel) -> QTableView:
    view = named(QTableView(), name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _points(d: Any) -> str:
    return "" if d is None else f"{d:.1f}"


class SchemeEditor(QWidget):
    changed = Signal()

    def __init__(self, service: SchemeService, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.year = year
        self.view: SchemeView | None = None

        self.version_box = named(ChoiceBox(), "version_box")
        self.version_box.setMinimumWidth(360)
        self.version_box.value_changed.connect(lambda _v: self._show())
        self.create_button = named(QPushButton(f"建立{year}年指标体系"), "create_button")
        self.create_button.clicked.connect(self.create_year)
        self.scheme_button = named(QPushButton("名称与总分…"), "scheme_button")
        self.scheme_button.clicked.connect(self.edit_scheme)
        self.info = named(QLabel(), "scheme_info")
        self.info.setWordWrap(True)
        self.problems = named(QLabel(), "scheme_problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")

        self.categories_model = RowsTableModel(["类别", "分值", "指标分值合计", "加分类别", "指标数"], parent=self)
        self.categories = _table("categories", self.categories_model)
        self.categories.selectionModel().currentRowChanged.connect(lambda *_: self._show_indicators())
        self.indicators_model = RowsTableModel(
            ["指标", "分值", "计分方式", "每次分值", "封顶", "须佐证", "说明", "编号"], parent=self)
        self.indicators = _table("indicators", self.indicators_model)
        self.indicators.doubleClicked.connect(lambda _i: self.edit_indicator())

        top = QHBoxLayout()
        top.addWidget(QLabel("指标体系"))
        top.addWidget(self.version_box)
        top.addWidget(self.create_button)
        top.addWidget(self.scheme_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.problems)
        layout.addLayout(self._row(self.categories, [
            ("新增类别…", "add_category", self.add_category), ("修改…", "edit_category", self.edit_category),
            ("删除", "remove_category", self.remove_category), ("上移", "category_up", lambda: self.move_category(-1)),
            ("下移", "category_down", lambda: self.move_category(+1))]), 1)
        layout.addLayout(self._row(self.indicators, [
            ("新增指标…", "add_indicator", self.add_indicator), ("修改…", "edit_indicator", self.edit_indicator),
            ("删除", "remove_indicator", self.remove_indicator),
            ("上移", "indicator_up", lambda: self.move_indicator(-1)),
            ("下移", "indicator_down", lambda: self.move_indicator(+1))]), 2)
        self.reload()

    def _row(self, table: QTableView, buttons: list[tuple[str, str, Callable[[], None]]]) -> QHBoxLayout:
        column = QVBoxLayout()
        for text, name, slot in buttons:
            b = named(QPushButton(text), name)
            b.clicked.connect(slot)
            column.addWidget(b)
        column.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(table, 1)
        row.addLayout(column)
        return row

    # --- showing ----------------------------------------------------------------------------------------------

    def reload(self, scheme_id: int | None = None) -> None:
        versions = self.service.versions()
        choices = [(f"{name}（第{v}版）" + ("　已冻结" if frozen else ""), sid) for sid, _y, v, name, frozen in versions]
        keep = scheme_id or self.version_box.value()
        self.version_box.set_choices(choices)
        ids = [sid for _l, sid in choices]
        self.version_box.set_value(keep if keep in ids else (ids[0] if ids else None))
        self.create_button.setVisible(all(y != self.year for _s, y, _v, _n, _f in versions))
        self._show()

    def _show(self) -> None:
        sid = self.version_box.value()
        self.view = self.service.view(sid) if sid is not None else None
        v = self.view
        if v is None:
            self.info.setText("还没有考评指标体系：开始某月考评时会自动载入默认指标体系，也可点击右侧按钮建立。")
            self.problems.setText("")
            self.categories_model.set_rows([])
            self._show_indicators()
            return
        used = "、".join(v.used_by) if v.used_by else "尚未使用"
        frozen = "　已用于锁定的考评期，修改时将另存为新版本。" if v.frozen else ""
        self.info.setText(f"总分 {v.total_points:.1f} 分，加分上限 {v.bonus_ceiling:.1f} 分；使用该版本的考评期：{used}。{frozen}")
        self.problems.setText("分值不平衡，不能用于考评：" + "；".join(v.problems) if v.problems else "")
        keep = self._category()
        self.categories_model.set_rows(
            [(c.name, c.points, c.indicator_points, "是" if c.is_bonus else "", len(c.indicators)) for c in v.categories],
            [c.id for c in v.categories])
        self.categories.resizeColumnsToContents()
        self._select(self.categories, self.categories_model, keep.id if keep else None)
        self._show_indicators()

    def _select(self, view: QTableView, model: RowsTableModel, key: int | None) -> None:
        """Select the row of `key`; when it is gone (a new version has new ids), the row at the same place."""
        row = next((r for r in range(model.rowCount()) if model.key(r) == key),
                   min(max(view.currentIndex().row(), 0), max(model.rowCount() - 1, 0)))
        if model.rowCount():
            view.selectionModel().setCurrentIndex(
                model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def _category(self) -> CategoryView | None:
        key = self.categories_model.data(self.categories.currentIndex(), KeyRole)
        return next((c for c in self.view.categories if c.id == key), None) if self.view else None

    def _indicator(self) -> IndicatorView | None:
        key = self.indicators_model.data(self.indicators.currentIndex(), KeyRole)
        return next((i for i in self.view.indicators if i.id == key), None) if self.view else None

    def _show_indicators(self, keep: int | None = None) -> None:
        cat = self._category()
        inds = cat.indicators if cat else []
        self.indicators_model.set_rows(
            # The name first: the code is for the score workbook's columns, read by nobody at this table.
            [(i.name, i.points, i.method.value, i.per_occurrence, _points(i.cap),
              "是" if i.evidence_required else "", i.description, i.code) for i in inds], [i.id for i in inds])
        self.indicators.resizeColumnsToContents()
        self._select(self.indicators, self.indicators_model, keep)

    # --- editing ----------------------------------------------------------------------------------------------

    def _apply(self, result: EditResult, indicator: int | None = None) -> None:
        if result.new_version:
            QMessageBox.information(self, "已另存为新版本",
                                    "原版本已用于锁定的考评期，不能修改；修改已保存为新版本，未锁定的考评期改用新版本。")
        self.reload(result.scheme_id)
        if indicator is not None and self.view is not None:
            home = next((c.id for c in self.view.categories if any(i.id == indicator for i in c.indicators)), None)
            self._select(self.categories, self.categories_model, home)
        self._show_indicators(indicator)
        self.changed.emit()

    def _run(self, action: Callable[[], EditResult], indicator: bool = False) -> None:
        try:
            result = action()
        except DangjianError as exc:
            show_error(self, exc)
            return
        self._apply(result, result.target_id if indicator else None)

    def create_year(self) -> None:
        try:
            scheme_id = self.service.ensure(self.year)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.reload(scheme_id)
        self.changed.emit()

    def edit_scheme(self) -> None:
        v = self.view
        if v is None:
            return
        name, total, ceiling = QLineEdit(v.name), QLineEdit(_points(v.total_points)), QLineEdit(_points(v.bonus_ceiling))
        dialog = FormDialog("指标体系名称与总分",
                            lambda: self.service.edit_scheme(v.id, name.text(), total.text(), ceiling.text()), self)
        form = dialog.new_form()
        form.add("name", "名称", name)
        form.add("total_points", "总分", total)
        form.add("bonus_ceiling", "加分上限", ceiling)
        if dialog.exec() and isinstance(dialog.result_value, EditResult):
            self._apply(dialog.result_value)

    def _category_dialog(self, title: str, cat: CategoryView | None,
                         save: Callable[[CategoryInput], EditResult]) -> None:
        name = QLineEdit(cat.name if cat else "")
        points = QLineEdit(_points(cat.points) if cat else "")
        bonus = QCheckBox("加分类别（其中只设加分指标）")
        bonus.setChecked(bool(cat and cat.is_bonus))
        dialog = FormDialog(title, lambda: save(CategoryInput(name.text(), points.text(), bonus.isChecked())), self)
        form = dialog.new_form()
        form.add("name", "类别名称", name)
        form.add("points", "分值", points)
        form.add("is_bonus", "", bonus)
        if dialog.exec() and isinstance(dialog.result_value, EditResult):
            self._apply(dialog.result_value)

    def add_category(self) -> None:
        if self.view is not None:
            sid = self.view.id
            self._category_dialog("新增类别", None, lambda data: self.service.add_category(sid, data))

    def edit_category(self) -> None:
        cat = self._category()
        if cat is not None:
            self._category_dialog("修改类别", cat, lambda data: self.service.edit_category(cat.id, data))

    def remove_category(self) -> None:
        cat = self._category()
        if cat is None:
            return
        if QMessageBox.question(self, "删除类别", f"删除类别“{cat.name}”及其全部指标？") == QMessageBox.StandardButton.Yes:
            self._run(lambda: self.service.remove_category(cat.id))

    def move_category(self, delta: int) -> None:
        cat = self._category()
        if cat is not None:
            self._run(lambda: self.service.move_category(cat.id, delta))

    def _indicator_dialog(self, title: str, ind: IndicatorView | None,
                          save: Callable[[IndicatorInput], EditResult]) -> None:
        code = QLineEdit(ind.code if ind else "")
        name = QLineEdit(ind.name if ind else "")
        points = QLineEdit(_points(ind.points) if ind else "")
        method = ChoiceBox([(m.value, m) for m in IndicatorMethod])
        method.set_value(ind.method if ind else IndicatorMethod.DEDUCT)
        each = QLineEdit(_points(ind.per_occurrence) if ind else "")
        cap = QLineEdit(_points(ind.cap) if ind else "")
        evidence = QCheckBox("须提供佐证（说明或附件）")
        evidence.setChecked(bool(ind and ind.evidence_required))
        description = QPlainTextEdit(ind.description if ind else "")
        description.setMaximumHeight(90)

        def data() -> IndicatorInput:
            return IndicatorInput(name.text(), points.text(), method.value() or "", each.text(), cap.text() or None,
                                  description.toPlainText(), evidence.isChecked(), code.text())

        dialog = FormDialog(title, lambda: save(data()), self)
        form = dialog.new_form()
        form.add("code", "编号", code, "留空则自动编号")
        form.add("name", "指标名称", name)
        form.add("points", "分值", points)
        form.add("method", "计分方式", method)
        form.add("per_occurrence", "每次分值", each)
        form.add("cap", "封顶", cap, "单项最多扣（加）多少分；留空为指标分值")
        form.add("evidence_required", "", evidence)
        form.add("description", "说明", description)
        if dialog.exec() and isinstance(dialog.result_value, EditResult):
            self._apply(dialog.result_value, dialog.result_value.target_id)

    def add_indicator(self) -> None:
        cat = self._category()
        if cat is not None:
            self._indicator_dialog("新增指标", None, lambda data: self.service.add_indicator(cat.id, data))

    def edit_indicator(self) -> None:
        ind = self._indicator()
        if ind is not None:
            self._indicator_dialog("修改指标", ind, lambda data: self.service.edit_indicator(ind.id, data))

    def remove_indicator(self) -> None:
        ind = self._indicator()
        if ind is None:
            return
        if QMessageBox.question(self, "删除指标", f"删除指标“{ind.name}”？") == QMessageBox.StandardButton.Yes:
            self._run(lambda: self.service.remove_indicator(ind.id))

    def move_indicator(self, delta: int) -> None:
        ind = self._indicator()
        if ind is not None:
            self._run(lambda: self.service.move_indicator(ind.id, delta), indicator=True)
