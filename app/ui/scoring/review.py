"""The review step: the month's ranking table, distribution, 环比, tiers, the 约谈 candidates with the rule that
picked each, and locking (or, for an administrator, reopening with a reason)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.models import PeriodState
from app.services.ranking import Ranking, RankingService
from app.services.scoring import PeriodView, ScoringService
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.itemmodels import RowsTableModel
from app.ui.remembered import remember_splitter
from app.ui.scoring.form import named
from app.ui.scoring.models import KeyRole, RankingTableModel, score_text, signed
from app.ui.tables import make_list
from app.ui.unit_picture import picture_action


def unhandled_text(unhandled: list[tuple[str, int]], limit: int = 10) -> str:
    """"县第1局 2条、县第2局 1条……" for a prompt (the first `limit` units)."""
    shown = "、".join(f"{unit} {n}条" for unit, n in unhandled[:limit])
    return shown + (f"等{len(unhandled)}个单位" if len(unhandled) > limit else "")


class ReviewPanel(QWidget):
    open_sheet = Signal(int)  # a ranking row was activated: show that unit's form
    state_changed = Signal()
    issue_bulletin = Signal(int)  # after a lock, the user chose the next step: the month's 通报 (period id)

    def __init__(self, scoring: ScoringService, ranking: RankingService, parent: QWidget | None = None, *,
                 ctx: AppContext | None = None) -> None:
        super().__init__(parent)
        self.scoring = scoring
        self.ranking_service = ranking
        self.period: PeriodView | None = None
        self.ranking: Ranking | None = None

        self.summary = named(QLabel(), "summary")
        self.summary.setWordWrap(True)
        self.model = RankingTableModel(self)
        self.table = named(QTableView(), "ranking")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.activated.connect(self._activated)
        self.distribution = named(QLabel(), "distribution")
        self.distribution.setWordWrap(True)
        self.interview_model = RowsTableModel(["单位", "名次", "总分", "档次", "约谈依据"], parent=self)
        self.interviews = named(QTableView(), "interviews")
        self.interviews.setModel(self.interview_model)
        self.interviews.verticalHeader().setVisible(False)
        self.interviews.horizontalHeader().setStretchLastSection(True)
        self.lock_button = named(QPushButton("锁定本月考评"), "lock_button")
        self.reopen_button = named(QPushButton("重新开放…（管理员）"), "reopen_button")
        self.lock_button.clicked.connect(self.lock)
        self.reopen_button.clicked.connect(self.reopen)
        # 单位画像 of the selected unit, where the panel has the window's context (the page's, not a test's)
        picture = [picture_action(self.table, ctx, self._unit_of_row), None] if ctx is not None else []
        make_list(self.table, [*picture, self.lock_button, self.reopen_button], title="考评排名")
        make_list(self.interviews, [], title="约谈对象")

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.lock_button)
        buttons.addWidget(self.reopen_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.distribution)
        lower_layout.addWidget(QLabel("约谈对象（及依据）"))
        lower_layout.addWidget(self.interviews)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        remember_splitter(split, "scoring_review")
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)

    def load(self, period: PeriodView | None) -> None:
        self.period = period
        self.ranking = self.ranking_service.period(period.id) if period is not None else None
        self.model.load(self.ranking)
        self.table.resizeColumnsToContents()
        r = self.ranking
        rows = [(x.unit, x.rank, x.total, x.tier.value, "；".join(x.reasons)) for x in (r.interviews if r else [])]
        self.interview_model.set_rows(rows, [x.sheet_id for x in (r.interviews if r else [])])
        self.summary.setText(self._summary())
        self.distribution.setText(self._distribution())
        state = period.state if period else None
        self.lock_button.setEnabled(state == PeriodState.REVIEWED)
        self.reopen_button.setEnabled(state == PeriodState.LOCKED)

    def _summary(self) -> str:
        p = self.period
        if p is None:
            return "请选择考评月份。"
        text = f"{p.title}　状态：{p.state.value}　已复核 {p.reviewed}/{p.sheets} 个单位"
        if p.state == PeriodState.DRAFT:
            text += "（全部复核后方可锁定）"
        elif p.state == PeriodState.REVIEWED:
            text += "（可以锁定；锁定后成绩不再改动，通报据此印发）"
        return text

    def _distribution(self) -> str:
        r = self.ranking
        if r is None or not r.rows:
            return ""
        d = r.distribution
        bands = "，".join(f"{label}{n}个" for label, n in d.bands if n)
        tiers = "，".join(f"{t.value}{n}个" for t, n in d.tiers.items())
        change = ""
        if d.previous_mean is not None and d.mean is not None:
            change = f"；较上月（{r.previous_key}）平均分{signed(d.mean - d.previous_mean)}"
        return (f"平均 {score_text(d.mean)} 分，中位数 {score_text(d.median)}，最高 {score_text(d.highest)}，"
                f"最低 {score_text(d.lowest)}，标准差 {d.stdev}{change}。\n分布：{bands}。档次：{tiers}；"
                f"约谈对象 {len(r.interviews)} 个。")

    def _unit_of_row(self, row: int) -> tuple[int, str] | None:
        found = self.model.row_at(row)
        return (found.unit_id, found.unit) if found is not None else None

    def _activated(self, index) -> None:  # type: ignore[no-untyped-def]
        sheet_id = self.model.data(index, KeyRole)
        if sheet_id is not None:
            self.open_sheet.emit(int(sheet_id))

    def lock(self) -> None:
        """Lock after a confirmation that names the suggested deductions nobody took or rejected; then say what
        the month came to and offer the next step, the 通报."""
        p = self.period
        if p is None:
            return
        try:
            unhandled = self.scoring.unhandled_suggestions(p.id)
        except DangjianError as exc:
            show_error(self, exc)
            return
        if unhandled and not self._lock_despite(p, unhandled):
            return
        if not unhandled:
            answer = QMessageBox.question(self, "锁定考评", f"锁定{p.title}的考评结果？锁定后不能再修改，"
                                          "如需更正须由管理员重新开放并说明理由。")
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            self.scoring.lock_period(p.id)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.state_changed.emit()
        self._locked(p)

    def _lock_despite(self, p: PeriodView, unhandled: list[tuple[str, int]]) -> bool:
        answer = QMessageBox.question(
            self, "尚有建议扣分未处理",
            f"{p.title}尚有{sum(n for _, n in unhandled)}条建议扣分既未采纳也未不采纳：{unhandled_text(unhandled)}。"
            "\n\n锁定后这些建议不再处理，成绩也不能再修改。仍要锁定吗？（选“否”返回逐单位处理）",
            defaultButton=QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _locked(self, p: PeriodView) -> None:
        """What locking did, and the next step (the 通报 page, when the user says so)."""
        r = self.ranking_service.period(p.id)
        d = r.distribution
        tiers = "，".join(f"{t.value}{n}个" for t, n in d.tiers.items())
        answer = QMessageBox.question(
            self, "已锁定",
            f"{p.title}的考评已锁定：{d.count}个单位，平均{score_text(d.mean)}分；{tiers}；约谈对象{len(r.interviews)}个。"
            "成绩已定，不再改动（更正须由管理员重新开放）。\n\n下一步：据此印发本月考评情况通报。现在去印发通报吗？",
            defaultButton=QMessageBox.StandardButton.Yes)
        if answer == QMessageBox.StandardButton.Yes:
            self.issue_bulletin.emit(p.id)

    def reopen(self) -> None:
        """Accounts come later: the operator confirms acting as administrator; the reason goes to the trail."""
        p = self.period
        if p is None:
            return
        reason, ok = QInputDialog.getText(self, "重新开放（管理员）",
                                          f"重新开放已锁定的{p.title}考评需要管理员权限，并记入审计日志。\n理由：")
        if not ok:
            return
        try:
            self.scoring.reopen_period(p.id, reason, is_admin=True)
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.state_changed.emit()
