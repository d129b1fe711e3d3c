"""月度考评: pick a month → score unit by unit → review the ranking → lock; and the indicator scheme.

The month list holds every month already opened and, when they are not yet, this month and last month (offices
score a month in the first days of the next).  A month that does not exist yet is opened with one click, which
gives every active unit its sheet.  Navigation from other pages: ("period", id) shows that month, ("sheet", id)
that unit's form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError, ImportReport
from app.services import score_io
from app.services.ranking import RankingService
from app.services.scheme import SchemeService
from app.services.scoring import PeriodView, ScoringService
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ChoiceBox
from app.ui.scoring.collection import CollectionBoard
from app.ui.scoring.form import ScoringForm, named
from app.ui.scoring.review import ReviewPanel
from app.ui.scoring.scheme_editor import SchemeEditor

SCORE_TAB, REVIEW_TAB, SCHEME_TAB, COLLECT_TAB = 0, 1, 2, 3


class ScoringPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or ctx.today()
        self.service = ScoringService(ctx.session_factory, attachment_dir=ctx.paths.attachment_dir)
        self.periods: dict[int, PeriodView] = {}

        self.month_box = named(ChoiceBox(), "month_box")
        self.month_box.setMinimumWidth(220)
        self.month_box.value_changed.connect(lambda _v: self._month_chosen())
        self.state = named(QLabel(), "state")
        self.open_button = named(QPushButton("开始本月考评"), "open_button")
        self.open_button.clicked.connect(self.open_month)
        self.template_button = named(QPushButton("导出评分模板…"), "template_button")
        self.import_button = named(QPushButton("导入评分…"), "import_button")
        self.template_button.clicked.connect(self.export_template)
        self.import_button.clicked.connect(self.import_scores)

        self.form = ScoringForm(self.service, self)
        self.review = ReviewPanel(self.service, RankingService(ctx.session_factory), self, ctx=ctx)
        self.steps = named(QTabWidget(), "steps")
        self.steps.addTab(self.form, "第一步：逐单位评分")
        self.steps.addTab(self.review, "第二步：复核排名与锁定")
        self.schemes = SchemeEditor(SchemeService(ctx.session_factory), self.today.year, self)
        self.steps.addTab(self.schemes, "考评指标体系")
        self.schemes.changed.connect(self._scheme_changed)
        self.board = CollectionBoard(ctx.session_factory, lambda: self.today, self)
        self.steps.addTab(self.board, "单位填报")
        self.board.changed.connect(self._collected)
        self.steps.currentChanged.connect(lambda _i: self._refresh_review())
        self.form.changed.connect(lambda: ctx.changed.emit("scoring"))
        self.form.state_changed.connect(self._period_changed)
        self.review.state_changed.connect(self._period_changed)
        self.review.open_sheet.connect(self.show_sheet)
        self.review.issue_bulletin.connect(lambda pid: ctx.navigate.emit("bulletins", ("period", pid)))

        top = QHBoxLayout()
        top.addWidget(QLabel("考评月份"))
        top.addWidget(self.month_box)
        top.addWidget(self.open_button)
        top.addWidget(self.state, 1)
        top.addWidget(self.template_button)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.steps, 1)
        ctx.follow(self, self.reload, "register", "scoring", "settings")
        self.reload()

    # --- months -----------------------------------------------------------------------------------------------

    def _choices(self) -> list[tuple[str, Any]]:
        """Existing months newest first, and this month and last month when they are not opened yet."""
        self.periods = {p.id: p for p in self.service.periods()}
        keys = {p.key for p in self.periods.values()}
        first = self.today.replace(day=1)
        fresh = [(d.year, d.month) for d in (first, first - relativedelta(months=1)) if f"{d:%Y-%m}" not in keys]
        choices: list[tuple[str, Any]] = [(f"{y}年{m}月（未开始）", ("new", y, m)) for y, m in fresh]
        choices += [(f"{p.title}（{p.state.value}）", p.id) for p in self.periods.values()]
        return sorted(choices, key=lambda c: self._sort_key(c[1]), reverse=True)

    def _sort_key(self, value: Any) -> str:
        if isinstance(value, tuple):
            return f"{value[1]:04d}-{value[2]:02d}"
        return self.periods[value].key

    def reload(self) -> None:
        current = self.month_box.value()
        self.month_box.set_choices(self._choices())
        values = self.month_box.values()
        if current in values:
            self.month_box.set_value(current)
        elif values:
            existing = [v for v in values if isinstance(v, int)]
            self.month_box.set_value(existing[0] if existing else values[0])
        self._month_chosen()

    def period(self) -> PeriodView | None:
        value = self.month_box.value()
        return self.periods.get(value) if isinstance(value, int) else None

    def _month_chosen(self) -> None:
        p = self.period()
        value = self.month_box.value()
        self.open_button.setVisible(isinstance(value, tuple))
        self.import_button.setEnabled(p is not None and not p.locked)
        self.template_button.setEnabled(value is not None)
        self.state.setText(self._state_text(p, value))
        self.form.load_period(p.id if p else None, "（该月尚未开始考评，请点击“开始本月考评”）")
        self._refresh_review()

    @staticmethod
    def _state_text(p: PeriodView | None, value: Any) -> str:
        if p is None:
            return "该月尚未开始考评" if value is not None else ""
        return f"状态：{p.state.value}　已复核 {p.reviewed}/{p.sheets}"

    def _refresh_review(self) -> None:
        if self.steps.currentIndex() == REVIEW_TAB:
            self.review.load(self.period())
        elif self.steps.currentIndex() == COLLECT_TAB:
            p = self.period()
            self.board.load(self._year_month(), p is not None and p.locked)

    def _collected(self) -> None:
        """A round sent or received: the month may have been opened, the 自评 totals moved."""
        self.ctx.changed.emit("scoring")
        current = self.month_box.value()
        self.reload()
        if isinstance(current, tuple):
            found = self.service.find_month(current[1], current[2])
            if found is not None:
                self.month_box.set_value(found.id)

    def _period_changed(self) -> None:
        """A review flag, a lock or a reopen: the month's state and the list labels change."""
        self.ctx.changed.emit("scoring")
        self.reload()

    def _scheme_changed(self) -> None:
        """Scores of open months follow their scheme: show them again."""
        self.ctx.changed.emit("scoring")
        self.reload()

    def open_month(self) -> None:
        value = self.month_box.value()
        if not isinstance(value, tuple):
            return
        try:
            view = self.service.open_month(value[1], value[2])
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.ctx.changed.emit("scoring")
        self.reload()
        self.month_box.set_value(view.id)
        self.schemes.reload()

    # --- navigation -------------------------------------------------------------------------------------------

    def show_target(self, target: Any) -> None:
        kind, record_id = target
        if kind == "period":
            self.month_box.set_value(record_id)
            self.steps.setCurrentIndex(REVIEW_TAB)
        elif kind == "sheet":
            self.show_sheet(record_id)
        elif kind == "collection":
            self.month_box.set_value(record_id)
            self.steps.setCurrentIndex(COLLECT_TAB)

    def show_sheet(self, sheet_id: int) -> None:
        self.steps.setCurrentIndex(SCORE_TAB)
        self.form.select_sheet(sheet_id)
        self.form.items.setFocus()

    # --- Excel --------------------------------------------------------------------------------------------------

    def _year_month(self) -> tuple[int, int] | None:
        value = self.month_box.value()
        if isinstance(value, tuple):
            return value[1], value[2]
        p = self.periods.get(value)
        return (p.year, p.month) if p is not None and p.month is not None else None

    def export_template(self) -> None:
        ym = self._year_month()
        if ym is None:
            return
        default = str(Path.home() / f"{ym[0]}年{ym[1]}月考评评分表.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出评分模板", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        sf = self.ctx.session_factory
        tasks.run_with_progress(self, "正在生成评分模板……",
                                lambda _p, _c: score_io.write_template(sf, ym[0], ym[1], Path(path)),
                                on_success=lambda info: self._exported(info.path))

    def _exported(self, path: Path) -> None:
        self.ctx.status.emit(f"评分模板已保存：{path}")
        self.reload()

    def import_scores(self) -> None:
        ym = self._year_month()
        if ym is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "导入评分", str(Path.home()), "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        sf = self.ctx.session_factory
        tasks.run_with_progress(self, "正在检查并导入评分……",
                                lambda _p, _c: score_io.import_scores(sf, ym[0], ym[1], Path(path)),
                                on_success=self._imported)

    def _imported(self, report: ImportReport) -> None:
        if report.problems:
            lines = "\n".join(str(p) for p in report.problems[:30])
            more = f"\n……共{len(report.problems)}处" if len(report.problems) > 30 else ""
            QMessageBox.warning(self, "未导入", f"文件中有以下问题，未导入任何内容：\n{lines}{more}")
            return
        QMessageBox.information(self, "导入完成", f"新增{report.created}条，修改或删除{report.updated}处，"
                                f"{report.unchanged}条未变。")
        self.ctx.changed.emit("scoring")
        self.reload()
