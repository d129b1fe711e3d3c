"""述职评议: the meeting, the reporting secretaries with their 年终检查 scores and votes, fast entry (a dialog per
secretary with 保存并录入下一位, or ballot by ballot in one line: type 1 好 2 较好 3 一般 4 差 0 弃权 for each
secretary and press Enter), the 述职报告 (imported from .docx or typed), the results with 综合, 等次 and 优秀单位,
their 复核 / 锁定, the proposed 约谈 and 整改 for 一般 / 差, the 通报 and the blank 测评表 / 汇总表."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.dates import coverage_text
from app.errors import DangjianError
from app.models import Grade, PeriodState, VoteMode
from app.services.annual.results import AnnualResults
from app.services.annual.review import CHOICES, ReportView, ReviewInput, ReviewView, VoteTally
from app.services.annual.service import AnnualService
from app.services.bulletin import BulletinService
from app.ui import tasks
from app.ui.annual.widgets import IssueDialog, save_document, selected_row, table_view, year_spin
from app.ui.context import AppContext
from app.ui.documents.common import ask_note, open_file, output_folder
from app.ui.errors import show_error
from app.ui.forms import ERROR_COLOUR, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel
from app.ui.remembered import remember_splitter
from app.ui.tables import make_list
from app.ui.unit_picture import picture_action


class MeetingDialog(FormDialog):
    def __init__(self, service: AnnualService, year: int, current: ReviewView | None, today: dt.date,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"{year}年度述职评议会议", self._save_it, parent)
        self.service, self.year, self.current = service, year, current
        f = self.form = self.new_form()
        self.held_on = DateEdit()
        self.held_on.set_date(current.held_on if current else today)
        f.add("held_on", "召开日期", self.held_on)
        self.voters = QSpinBox()
        self.voters.setRange(0, 2000)
        self.voters.setValue(current.voters if current else 0)
        f.add("voters", "投票人数", self.voters, "收回的测评票张数；每位述职人的票数合计（含弃权）须等于此数")
        self.place = QLineEdit(current.place if current else "")
        f.add("place", "地点", self.place)
        self.host = QLineEdit(current.host if current else "")
        f.add("host", "主持人", self.host)
        self.participants = QPlainTextEdit(current.participants if current else "")
        self.participants.setMaximumHeight(80)
        f.add("participants", "参会人员", self.participants)
        if current is None:
            hint = QLabel("建立后，所有在册单位的党组（党委）书记列为述职人（姓名取自单位登记信息，可修改）。")
            hint.setWordWrap(True)
            self.body.addWidget(hint)

    def _save_it(self) -> ReviewView:
        data = ReviewInput(self.form.date("held_on"), self.voters.value(), self.place.text(),  # type: ignore[arg-type]
                           self.host.text(), self.participants.toPlainText())
        if self.current is None:
            return self.service.create_review(self.year, data)
        return self.service.update_review(self.year, data)


class VotesDialog(FormDialog):
    """One secretary: 年终检查 and the five vote counts; the running total against the voters is shown, and
    保存并录入下一位 (the default button) keeps the hands on the keyboard."""

    def __init__(self, service: AnnualService, report: ReportView, voters: int, ballots: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"{report.unit}（{report.secretary}）", self._save_it, parent)
        self.service, self.report, self.voters, self.ballots = service, report, voters, ballots
        self.go_next = False
        f = self.form = self.new_form()
        self.check = QLineEdit("" if report.check_score is None else f"{report.check_score}")
        self.check.setObjectName("check_score")
        f.add("check_score", "年终检查得分", self.check, "0至100分，保留一位小数")
        self.spins: dict[Any, QSpinBox] = {}
        for choice in CHOICES:
            spin = QSpinBox()
            spin.setRange(0, 2000)
            spin.setValue(report.tally.of(choice))
            spin.setObjectName(f"votes_{choice.value}")
            spin.setEnabled(not ballots)
            spin.valueChanged.connect(self._total)
            self.spins[choice] = spin
            f.add("votes", f"{choice.value}（票）", spin)
        self.total = QLabel()
        self.total.setObjectName("votes_total")
        self.body.addWidget(self.total)
        if ballots:
            self.body.addWidget(QLabel("票数由逐张录入的选票统计得出，这里只能修改年终检查得分。"))
        nxt = self.buttons.addButton("保存并录入下一位(&N)", QDialogButtonBox.ButtonRole.AcceptRole)
        nxt.setObjectName("save_next")
        nxt.clicked.connect(self._next)
        nxt.setDefault(True)
        self._total()

    def _next(self) -> None:
        self.go_next = True

    def _total(self) -> None:
        n = sum(s.value() for s in self.spins.values())
        colour = "" if n == self.voters else f"color: {ERROR_COLOUR};"
        self.total.setStyleSheet(colour)
        self.total.setText(f"合计{n}张 / 投票人数{self.voters}人")

    def tally(self) -> VoteTally:
        return VoteTally(*(self.spins[c].value() for c in CHOICES))

    def _save_it(self) -> ReportView:
        view = self.service.set_check_score(self.report.id, self.check.text().strip())
        if not self.ballots and self.tally() != view.tally:
            view = self.service.set_votes(self.report.id, self.tally())
        return view


class ReportTextDialog(FormDialog):
    def __init__(self, service: AnnualService, report: ReportView, parent: QWidget | None = None) -> None:
        super().__init__(f"{report.unit}（{report.secretary}）述职报告", self._save_it, parent)
        self.service, self.report = service, report
        f = self.form = self.new_form()
        self.text = QPlainTextEdit(service.report_text(report.id))
        self.text.setObjectName("report_text")
        f.add("report_text", "述职报告", self.text, "每段一行")
        self.resize(700, 560)

    def _save_it(self) -> ReportView:
        return self.service.set_report_text(self.report.id, self.text.toPlainText(), self.report.report_file)


REPORT_HEADERS = ["序号", "单位", "述职人", "年终检查", "好", "较好", "一般", "差", "弃权", "合计", "好票率", "述职报告"]
RESULT_HEADERS = ["名次", "单位", "述职人", "平时成绩", "年终检查", "好票率", "综合得分", "等次", "优秀单位", "说明"]


def _num(v: object) -> str:
    return "—" if v is None else str(v)


class ReviewTab(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = today or ctx.today
        self.ctx = ctx
        self.today = today
        self.service = AnnualService(ctx.session_factory, today=today)
        self.review: ReviewView | None = None
        self.results: AnnualResults | None = None
        self.last_written: Path | None = None
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        default_year = today().year if today().month >= 10 else today().year - 1
        self.year = year_spin(default_year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        top.addWidget(self.year)
        self.meeting_label = QLabel()
        self.meeting_label.setObjectName("meeting_label")
        self.meeting_label.setWordWrap(True)
        top.addWidget(self.meeting_label, 1)
        self.meeting_button = QPushButton()
        self.meeting_button.clicked.connect(self.edit_meeting)
        top.addWidget(self.meeting_button)
        col.addLayout(top)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._reports_box())
        split.addWidget(self._results_box())
        remember_splitter(split, "annual_review")
        col.addWidget(split, 1)
        self.reload()

    def _reports_box(self) -> QWidget:
        box = QGroupBox("述职人、年终检查和测评票")
        col = QVBoxLayout(box)
        self.report_model = RowsTableModel(REPORT_HEADERS, parent=self)
        self.report_view = table_view(self.report_model, stretch=1)
        self.report_view.setObjectName("report_table")
        self.report_view.activated.connect(lambda *_: self.enter_votes())
        col.addWidget(self.report_view)
        row = QHBoxLayout()
        for text, slot in (("录入票数和年终检查(&V)…", self.enter_votes), ("导入述职报告…", self.import_report),
                           ("编辑述职报告…", self.edit_report), ("清空票数和选票…", self.clear_votes),
                           ("空白测评表", self.blank_ballots)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        col.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("逐张录入选票（按述职人顺序，1好 2较好 3一般 4差 0弃权，回车保存）："))
        self.ballot_edit = QLineEdit()
        self.ballot_edit.setObjectName("ballot_edit")
        self.ballot_edit.setPlaceholderText("例如 112131…")
        self.ballot_edit.returnPressed.connect(self.add_ballot)
        row.addWidget(self.ballot_edit, 1)
        self.ballot_status = QLabel()
        self.ballot_status.setObjectName("ballot_status")
        row.addWidget(self.ballot_status)
        undo = QPushButton("撤销上一张")
        undo.clicked.connect(self.undo_ballot)
        row.addWidget(undo)
        col.addLayout(row)
        return box

    def _results_box(self) -> QWidget:
        box = QGroupBox("年度考核结果（综合＝平时成绩、年终检查、好票率加权）")
        col = QVBoxLayout(box)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("results_problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        col.addWidget(self.problems_label)
        self.result_model = RowsTableModel(RESULT_HEADERS, parent=self)
        self.result_view = table_view(self.result_model, stretch=9)
        self.result_view.setObjectName("result_table")
        col.addWidget(self.result_view)
        row = QHBoxLayout()
        self.review_button = self._button(row, "复核结果(&R)", self.review_results)
        self.unreview_button = self._button(row, "取消复核", self.unreview_results)
        self.lock_button = self._button(row, "锁定(&L)", self.lock_results)
        self.reopen_button = self._button(row, "重新开放（管理员）…", self.reopen_results)
        self.followup_button = self._button(row, "对一般、差等次提出约谈和整改", self.followups)
        row.addStretch(1)
        self.summary_button = self._button(row, "生成评议结果汇总表", self.summary)
        self.issue_button = self._button(row, "印发结果通报(&B)…", self.issue)
        picture = picture_action(self.result_view, self.ctx, self._unit_of_result)
        make_list(self.result_view, [picture, None, self.review_button, self.unreview_button, self.lock_button,
                                     self.reopen_button, self.followup_button, None, self.summary_button,
                                     self.issue_button], title="年度考核结果")
        col.addLayout(row)
        return box

    def _unit_of_result(self, row: int) -> tuple[int, str] | None:
        unit_id = self.result_model.key(row)
        return (int(unit_id), str(self.result_model.data(self.result_model.index(row, 1)))) if unit_id else None

    @staticmethod
    def _button(row: QHBoxLayout, text: str, slot: Callable[[], Any]) -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(slot)
        row.addWidget(b)
        return b

    # --- loading ----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        year = self.year.value()
        try:
            self.review = self.service.review(year)
            self.results = self.service.results(year)
        except DangjianError as exc:
            show_error(self, exc)
            return
        r = self.review
        if r is None:
            self.meeting_label.setText(f"{year}年度述职评议尚未建立。")
            self.meeting_button.setText("建立述职评议(&M)…")
        else:
            self.meeting_label.setText(f"{r.held_on:%Y-%m-%d}　{r.place or '地点未填'}　投票人数{r.voters}人　"
                                       f"述职人{len(r.reports)}名　{r.vote_mode.value}　考核结果：{r.state.value}")
            self.meeting_button.setText("会议信息(&M)…")
        self._fill_reports()
        self._fill_results()

    def _fill_reports(self) -> None:
        r = self.review
        reports = r.reports if r else []
        rows, red = [], {}
        for n, x in enumerate(reports):
            t = x.tally
            rows.append([x.sort_order + 1, x.unit, x.secretary, _num(x.check_score), t.good, t.fair, t.average, t.poor,
                         t.abstain, t.total, "—" if x.rate is None else f"{x.rate}%",
                         ("已导入" if x.report_file else "已录入") if x.has_report else "未提交"])
            if r is not None and r.vote_mode == VoteMode.COUNTS and t.total != r.voters:
                red[n] = ERROR_COLOUR
        self.report_model.set_rows(rows, [x.id for x in reports], foreground=red)
        ballots = r is not None and r.vote_mode == VoteMode.BALLOTS
        self.ballot_status.setText(f"已录入选票{r.ballots}/{r.voters}张" if r is not None else "")
        self.ballot_edit.setEnabled(r is not None and r.state == PeriodState.DRAFT and (ballots or not any(
            x.tally.total for x in reports)))

    def _fill_results(self) -> None:
        res = self.results
        rows_: list[list[Any]] = []
        red: dict[int, str] = {}
        if res is not None:
            differ = len({x.mean_months for x in res.rows if x.mean_months}) > 1
            for n, x in enumerate(res.rows):
                months = f"平时成绩{coverage_text(x.mean_months)}" if differ and x.mean_months else ""
                rows_.append([_num(x.rank), x.unit, x.secretary, _num(x.annual_mean), _num(x.check_score),
                              "—" if x.rate is None else f"{x.rate}%", _num(x.composite),
                              x.grade.value if x.grade else "—", "是" if x.excellent else "",
                              "；".join(t for t in (x.note, months) if t)])
                if x.grade in (Grade.AVERAGE, Grade.POOR):
                    red[n] = ERROR_COLOUR
        self.result_model.set_rows(rows_, [x.unit_id for x in res.rows] if res else None, foreground=red)
        problems = res.problems if res else []
        text = ("尚缺：" + "；".join(problems[:6]) + ("……" if len(problems) > 6 else "")) if problems else ""
        text = _coverage(res) + text
        if res is not None and res.stale:
            text += "注意：复核后数据有改动，保存的结果与现在的计算不一致。"
        self.problems_label.setText(text)
        state = res.state if res else None
        self.review_button.setEnabled(res is not None and res.complete and state == PeriodState.DRAFT)
        self.unreview_button.setEnabled(state == PeriodState.REVIEWED)
        self.lock_button.setEnabled(state == PeriodState.REVIEWED)
        self.reopen_button.setEnabled(state == PeriodState.LOCKED)
        self.followup_button.setEnabled(state in (PeriodState.REVIEWED, PeriodState.LOCKED))
        self.issue_button.setEnabled(state == PeriodState.LOCKED)
        self.summary_button.setEnabled(res is not None and (res.complete or res.stored))

    def current_report(self) -> ReportView | None:
        row = selected_row(self.report_view)
        if self.review is None or row is None or row >= len(self.review.reports):
            return None
        return self.review.reports[row]

    # --- entry ------------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.reload()
        self.ctx.changed.emit("annual")

    def edit_meeting(self) -> None:
        dialog = MeetingDialog(self.service, self.year.value(), self.review, self.today(), self)
        if dialog.exec() == FormDialog.DialogCode.Accepted:
            self._changed()
            if self.review is not None and self.review.reports:
                self.report_view.selectRow(0)

    def enter_votes(self) -> None:
        while True:
            report, review = self.current_report(), self.review
            if report is None or review is None:
                return
            dialog = VotesDialog(self.service, report, review.voters, review.vote_mode == VoteMode.BALLOTS, self)
            accepted = dialog.exec() == FormDialog.DialogCode.Accepted
            row = selected_row(self.report_view) or 0
            self._changed()
            if not (accepted and dialog.go_next) or row + 1 >= len(review.reports):
                self.report_view.selectRow(row)
                return
            self.report_view.selectRow(row + 1)

    def add_ballot(self) -> None:
        try:
            ballot = self.service.add_ballot(self.year.value(), self.ballot_edit.text())
        except DangjianError as exc:
            self.ballot_status.setText(exc.message)
            self.ballot_status.setStyleSheet(f"color: {ERROR_COLOUR};")
            return
        self.ballot_status.setStyleSheet("")
        self.ballot_edit.clear()
        self._changed()
        self.ctx.status.emit(f"已录入第{ballot.number}张选票")

    def undo_ballot(self) -> None:
        try:
            ballots = self.service.ballots(self.year.value())
            if ballots:
                self.service.remove_ballot(ballots[-1].id)
        except DangjianError as exc:
            show_error(self, exc)
        self._changed()

    def clear_votes(self) -> None:
        if self.review is None:
            return
        answer = QMessageBox.question(self, "清空票数", "将删除已录入的全部选票和票数（年终检查得分保留），确定吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.clear_votes(self.year.value(), "重新录入")
        except DangjianError as exc:
            show_error(self, exc)
        self._changed()

    def import_report(self) -> None:
        report = self.current_report()
        if report is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, f"导入{report.unit}的述职报告", "", "Word 文档 (*.docx)")
        if not path:
            return
        try:
            self.service.import_report(report.id, path)
        except DangjianError as exc:
            show_error(self, exc)
        self._changed()

    def edit_report(self) -> None:
        report = self.current_report()
        if report is not None and ReportTextDialog(self.service, report, self).exec() == FormDialog.DialogCode.Accepted:
            self._changed()

    def blank_ballots(self) -> None:
        year = self.year.value()
        save_document(self.ctx, self, lambda: self.service.blank_ballot_document(year), f"{year}年度述职评议")

    # --- results ----------------------------------------------------------------------------------------------

    def _act(self, fn: Callable[[], object]) -> object:
        try:
            out = fn()
        except DangjianError as exc:
            show_error(self, exc)
            out = None
        self._changed()
        return out

    def review_results(self) -> None:
        self._act(lambda: self.service.review_results(self.year.value()))

    def unreview_results(self) -> None:
        reason = ask_note(self, "取消复核", "取消复核后保存的结果将删除，可修改票数和年终检查后重新复核。理由：",
                          required=False)
        if reason is not None:
            self._act(lambda: self.service.unreview_results(self.year.value(), reason))

    def lock_results(self) -> None:
        answer = QMessageBox.question(self, "锁定", "锁定后年度考核结果不能再修改，如需更正须由管理员重新开放。确定锁定吗？")
        if answer == QMessageBox.StandardButton.Yes:
            self._act(lambda: self.service.lock_results(self.year.value()))

    def reopen_results(self) -> None:
        reason = ask_note(self, "重新开放（管理员）", "重新开放已锁定的年度考核结果需要管理员权限，并记入审计日志。理由：")
        if reason:
            self._act(lambda: self.service.reopen_results(self.year.value(), reason, is_admin=True))

    def followups(self) -> None:
        made = self._act(lambda: self.service.propose_followups(self.year.value()))
        if not isinstance(made, list):
            return
        if not made:
            QMessageBox.information(self, "约谈和整改", "没有一般、差等次的单位。")
            return
        new = [f for f in made if f.created]
        lines = "、".join(f"{f.unit}（{f.grade.value}）" for f in made)
        QMessageBox.information(self, "约谈和整改", f"{lines}：{'已建立' if new else '已有'}年度约谈（约谈对象为党组书记）和"
                                                "整改方案；整改事项在“约谈与整改”页的整改台账中跟踪销号，并列入各单位的"
                                                "年终考核材料。")
        self.ctx.changed.emit("interviews")

    def summary(self) -> None:
        year = self.year.value()
        folder = output_folder(self.ctx) / f"{year}年度述职评议"

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> list[Path]:
            # Built off the GUI thread: the 汇总表 covers every unit of the county.
            from app.reports.output import write_atomic

            progress(0, 2, "正在汇总各单位评议结果……")
            files = self.service.summary_documents(year)
            progress(1, 2, "正在保存汇总表……")
            return [write_atomic(folder / name, data) for name, data in files]

        def done(paths: object) -> None:
            assert isinstance(paths, list) and paths
            self.last_written = paths[0]
            self.ctx.status.emit(f"已生成：{'、'.join(p.name for p in paths)}")
            open_file(self.ctx, self, paths[0])

        tasks.run_with_progress(self, "正在生成评议结果汇总表……", work, on_success=done)

    def issue(self) -> None:
        res = self.results
        if res is None:
            return
        previous = f"{res.year}年度述职评议结果通报" if res.bulletins else None
        dialog = IssueDialog(f"印发{res.year}年度述职评议考核结果通报", previous, self.today(), self)
        if dialog.exec() != IssueDialog.DialogCode.Accepted:
            return
        req: Any = dialog.result_value
        folder = output_folder(self.ctx)
        year = res.year

        def work(progress: tasks.Progress, cancelled: tasks.Cancelled) -> Path:
            issued = self.service.issue_bulletin(year, issued_on=req.issued_on, sequence=req.sequence,
                                                 reason=req.reason, progress=progress, cancelled=cancelled)
            return BulletinService(self.ctx.session_factory).export_to_folder(issued.id, folder)

        def done(path: object) -> None:
            assert isinstance(path, Path)
            self.last_written = path
            self.ctx.status.emit(f"已印发并保存：{path}")
            self.ctx.changed.emit("bulletins")
            self._changed()
            open_file(self.ctx, self, path)

        tasks.run_with_progress(self, "正在印发述职评议结果通报……", work, on_success=done)


def _coverage(res: AnnualResults | None) -> str:
    """The months 平时成绩 is over, said before anything else: a year without December must not look whole."""
    covers = {r.mean_months for r in res.rows if r.mean_months} if res is not None else set()
    if len(covers) == 1:
        return f"平时成绩所含月份：{coverage_text(next(iter(covers)))}。"
    if covers:
        return "各单位平时成绩所含月份不同（见“说明”列）。"
    return ""
