"""The 季度与年度 page driven with qtbot: quarter review, lock and 通报; commitments and lists edited in their
dialogs (bad cells refused in place), 践诺, printing; the 述职评议 with fast vote entry (dialog after dialog, and
ballot by ballot in one line), results, 约谈 and 整改, the 通报; packets in the background with cancel; every
model through qtmodeltester."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from annual_support import UNITS, build_template, open_copy
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from app import settings as S
from app.models import Fulfilment, PeriodState
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.ui import tasks
from app.ui.annual import commitment_tab, quarter_tab, review_tab
from app.ui.annual.page import AnnualPage
from app.ui.annual.widgets import EditRowsModel, IssueRequest
from app.ui.context import AppContext
from app.ui.pages import page

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

TODAY = dt.date(2026, 12, 20)
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, _template_db):
    path = tmp_path_factory.mktemp("annual_ui") / "county.sqlite3"
    return build_template(path, _template_db), path


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c
    c.db.close()


@pytest.fixture
def ctx(paths, county, tmp_path):
    context = AppContext(paths, county.db)
    context.settings.save({S.OUTPUT_DIR.key: str(tmp_path / "文档")})
    return context


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    seen: list[Path] = []

    def fake_open(url):
        seen.append(Path(url.toLocalFile()))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", fake_open)
    return seen


@pytest.fixture
def boxes(monkeypatch) -> list[str]:
    shown: list[str] = []

    def record(_parent, _title, text, *_a, **_k):
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, record)
    return shown


@pytest.fixture
def annual_page(qtbot, ctx) -> AnnualPage:
    p = AnnualPage(ctx, today=lambda: TODAY)
    qtbot.addWidget(p)
    p.show()
    return p


def _accept_with(monkeypatch, cls, value) -> None:
    def fake_exec(self):
        self.result_value = value
        return cls.DialogCode.Accepted

    monkeypatch.setattr(cls, "exec", fake_exec)


def test_the_page_is_registered(ctx, qtbot) -> None:
    widget = page("periodic").create(ctx)
    qtbot.addWidget(widget)
    assert isinstance(widget, AnnualPage) and widget.tabs.count() == 4


def test_models_pass_qtmodeltester(qtbot, qtmodeltester, annual_page) -> None:
    qtmodeltester.check(annual_page.quarter.model)
    qtmodeltester.check(annual_page.commitments.unit_model)
    qtmodeltester.check(annual_page.review.report_model)
    editable = EditRowsModel(["事项", "责任人"])
    editable.set_rows([["讲党课", "书记"]], [7])
    editable.add_row()
    qtmodeltester.check(editable)
    assert editable.rows() == [(7, ["讲党课", "书记"]), (None, ["", ""])]


def test_quarter_review_lock_and_bulletin(qtbot, annual_page, boxes, opened, monkeypatch) -> None:
    tab = annual_page.quarter
    tab.picker.set_value((2026, 2))
    assert tab.model.rowCount() == 6 and tab.model.headerData(2, Qt.Orientation.Horizontal) == "4月"
    assert "按各月考评即时计算" in tab.state_label.text() and tab.review_button.isEnabled()
    qtbot.mouseClick(tab.review_button, Qt.MouseButton.LeftButton)
    assert tab.grading.state == PeriodState.REVIEWED and "已保存的复核结果" in tab.state_label.text()
    qtbot.mouseClick(tab.lock_button, Qt.MouseButton.LeftButton)
    assert tab.grading.state == PeriodState.LOCKED and tab.issue_button.isEnabled()
    _accept_with(monkeypatch, quarter_tab.IssueDialog, IssueRequest(None, dt.date(2026, 7, 8), ""))
    with tasks.synchronous():
        qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)
    assert tab.last_written is not None and tab.last_written.exists()
    assert opened == [tab.last_written] and "示直工委〔2026〕1号" in tab.last_written.name
    monkeypatch.setattr(quarter_tab, "ask_note", lambda *a, **k: "更正")
    qtbot.mouseClick(tab.reopen_button, Qt.MouseButton.LeftButton)
    assert tab.grading.state == PeriodState.REVIEWED


def test_commitment_dialog_refuses_a_bad_date_in_place(qtbot, annual_page, county) -> None:
    tab = annual_page.commitments
    tab.unit_view.selectRow(UNITS.index("县林业局"))
    dialog = commitment_tab.CommitmentDialog(tab.service, county.unit("县林业局"), "县林业局", 2026, None, "周勇", tab)
    qtbot.addWidget(dialog)
    dialog.made_on.setText("2026-01-15")
    dialog.model.add_row(["每季度讲一次党课", "周勇", "2026-12-31"])
    dialog.model.add_row(["完成支部换届", "组织委员", "6月底"])
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    shown = dialog.form.problem_text("items")  # under the item table
    assert "第2行" in shown and "“6月底”不是有效日期" in shown
    dialog.model.setData(dialog.model.index(1, 2), "2026-06-30")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    tab.reload()
    assert tab.item_model.rowCount() == 2 and "周勇" in tab.commitment_label.text()


def test_assess_and_print(qtbot, annual_page, county, opened, monkeypatch) -> None:
    from app.services.annual.commitments import CommitmentInput, CommitmentItemInput

    tab = annual_page.commitments
    tab.service.save_commitment(county.unit("县林业局"), 2026, CommitmentInput("周勇", [
        CommitmentItemInput("每季度讲一次党课", "周勇", dt.date(2026, 12, 31))], dt.date(2026, 1, 15)))
    tab.reload()
    tab.unit_view.selectRow(UNITS.index("县林业局"))
    tab.item_view.selectRow(0)
    dialog = commitment_tab.AssessDialog(tab.service, tab.commitment.items[0].id, "讲党课", tab)
    qtbot.addWidget(dialog)
    dialog.status.set_value(Fulfilment.NOT_DONE)
    dialog.accept()
    assert "请说明未完成的内容" in dialog.form.problem_text("status_note")
    dialog.note.setPlainText("只讲了两次")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    tab.reload()
    assert tab.item_model.index(0, 3).data() == "未践诺"
    tab.print_commitment(True)  # built in the background, then opened
    qtbot.waitUntil(lambda: bool(opened), timeout=20_000)
    assert opened[-1].name == "2026年度公开承诺践诺情况（县林业局）.docx" and opened[-1].exists()
    monkeypatch.setattr(commitment_tab.DutyDialog, "exec", lambda self: self.accept() or self.result())
    tab.edit_duties()  # a new list is prefilled from the register
    assert tab.duty_model.rowCount() >= 4 and tab.duty_model.index(0, 1).data() == "周勇"


def _meeting(ctx, voters: int = 40) -> None:
    AnnualService(ctx.session_factory).create_review(2026, ReviewInput(dt.date(2026, 12, 18), voters, "县委会议室"))


def test_votes_entered_dialog_after_dialog(qtbot, annual_page, ctx, monkeypatch) -> None:
    _meeting(ctx)
    tab = annual_page.review
    tab.reload()
    tab.report_view.selectRow(0)
    seen: list[str] = []

    def fill(self):
        i = UNITS.index(self.report.unit)
        seen.append(self.report.unit)
        self.check.setText(str(100 - 5 * i))
        for spin, n in zip(self.spins.values(), VOTES[i], strict=True):
            spin.setValue(n)
        assert self.total.text() == "合计40张 / 投票人数40人"
        self.go_next = True
        self.accept()
        return self.result()

    monkeypatch.setattr(review_tab.VotesDialog, "exec", fill)
    tab.enter_votes()
    assert seen == UNITS
    assert tab.results.complete and tab.review_button.isEnabled()
    assert tab.report_model.index(5, 10).data() == "25.0%"


def test_votes_that_do_not_add_up_keep_the_dialog_open(qtbot, annual_page, ctx) -> None:
    _meeting(ctx)
    tab = annual_page.review
    tab.reload()
    report = tab.review.reports[0]
    dialog = review_tab.VotesDialog(tab.service, report, 40, False, tab)
    qtbot.addWidget(dialog)
    dialog.check.setText("95")
    dialog.spins[next(iter(dialog.spins))].setValue(39)
    assert "合计39张" in dialog.total.text()
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "与投票人数40人不符" in dialog.general_error.text() + dialog.form.problem_text("votes")


def test_ballot_by_ballot_in_one_line(qtbot, annual_page, ctx) -> None:
    _meeting(ctx, voters=2)
    tab = annual_page.review
    tab.reload()
    qtbot.keyClicks(tab.ballot_edit, "12340")
    qtbot.keyClick(tab.ballot_edit, Qt.Key.Key_Return)
    assert "述职人共6人" in tab.ballot_status.text() and tab.ballot_edit.text() == "12340"
    qtbot.keyClick(tab.ballot_edit, Qt.Key.Key_1)
    qtbot.keyClick(tab.ballot_edit, Qt.Key.Key_Return)
    assert tab.ballot_status.text() == "已录入选票1/2张" and tab.ballot_edit.text() == ""
    qtbot.keyClicks(tab.ballot_edit, "1 1 2 3 4 4")
    qtbot.keyClick(tab.ballot_edit, Qt.Key.Key_Return)
    assert tab.ballot_status.text() == "已录入选票2/2张"
    assert [tab.report_model.index(5, c).data() for c in (4, 7, 8)] == ["1", "1", "0"]  # 好 then 差
    tab.undo_ballot()
    assert tab.ballot_status.text() == "已录入选票1/2张"


def test_results_followups_and_bulletin(qtbot, annual_page, ctx, boxes, opened, monkeypatch) -> None:
    _meeting(ctx)
    service = AnnualService(ctx.session_factory)
    for report, votes, check in zip(service.review(2026).reports, VOTES, [98, 96, 92, 88, 80, 60], strict=True):
        service.set_votes(report.id, VoteTally(*votes))
        service.set_check_score(report.id, check)
    tab = annual_page.review
    tab.reload()
    assert tab.result_model.index(0, 8).data() == "是"
    assert tab.problems_label.text() == "平时成绩所含月份：1—12月（全年）。"  # said even when whole
    qtbot.mouseClick(tab.review_button, Qt.MouseButton.LeftButton)
    assert tab.results.stored and tab.followup_button.isEnabled()
    qtbot.mouseClick(tab.followup_button, Qt.MouseButton.LeftButton)
    assert "县水利局（一般）、县林业局（差）：已建立年度约谈" in boxes[-1]
    with tasks.synchronous():
        qtbot.mouseClick(tab.summary_button, Qt.MouseButton.LeftButton)
    # 已复核, not locked: the 汇总表 is a 征求意见稿 (app.reports.draft)
    assert tab.last_written is not None and tab.last_written.name.endswith("汇总表（征求意见稿）.docx")
    assert tab.last_written.with_suffix(".xlsx").exists()
    qtbot.mouseClick(tab.lock_button, Qt.MouseButton.LeftButton)
    _accept_with(monkeypatch, review_tab.IssueDialog, IssueRequest(None, dt.date(2026, 12, 28), ""))
    with tasks.synchronous():
        qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)
    assert "述职评议考核结果通报" in tab.last_written.name and opened[-1] == tab.last_written


def test_packets_in_the_background_and_cancel(qtbot, annual_page, ctx) -> None:
    _meeting(ctx)
    tab = annual_page.packets
    tab.workers = 0
    tab.year.setValue(2026)
    with qtbot.waitSignal(tab.start_button.clicked):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.task is not None
    qtbot.waitUntil(lambda: tab.task.done, timeout=30_000)
    assert tab.status.text() == "完成", tab.log.toPlainText()
    assert "本次生成7个文件" in tab.log.toPlainText()  # 6 packets and the blank 测评表 (votes not entered yet)
    assert len(list(tab.target().glob("*考核材料（征求意见稿）.docx"))) == 6  # the year is not locked
    original = tab._progress

    def cancel_after_first(done: int, total: int, text: str) -> None:
        original(done, total, text)
        if text.startswith("已生成"):
            tasks.cancel_all()

    tab._progress = cancel_after_first  # type: ignore[method-assign]
    tab.force.setChecked(True)
    with tasks.synchronous():
        tab.start()
    assert tab.status.text() == "已取消" and "已取消" in tab.log.toPlainText()
    assert not [p for p in tab.target().parent.rglob("*") if p.suffix == ".tmp" or p.name.startswith(".")]
    assert tab.start_button.isEnabled() and not tab.cancel_button.isEnabled()


def test_blank_ballots_are_built_in_the_background_and_opened(qtbot, annual_page, ctx, boxes, opened) -> None:
    import docx

    tab = annual_page.review
    tab.year.setValue(2026)
    tab.blank_ballots()  # no review yet: said, nothing written
    qtbot.waitUntil(lambda: bool(boxes), timeout=20_000)
    assert "还没有述职人" in boxes[-1] and opened == []
    AnnualService(ctx.session_factory).create_review(2026, ReviewInput(dt.date(2026, 12, 18), 40, "县委会议室"))
    tab.blank_ballots()
    qtbot.waitUntil(lambda: bool(opened), timeout=20_000)
    path = opened[-1]
    assert path.parent.name == "2026年度述职评议" and path.suffix == ".docx"
    text = "\n".join(c.text for t in docx.Document(str(path)).tables for row in t.rows for c in row.cells)
    assert UNITS[0] in text


def test_results_say_which_months_the_mean_is_over() -> None:
    from types import SimpleNamespace

    from app.ui.annual.review_tab import _coverage

    def results(*months: tuple[int, ...]):
        return SimpleNamespace(rows=[SimpleNamespace(mean_months=m) for m in months])

    eleven = tuple(range(1, 12))
    assert _coverage(results(eleven, eleven)) == "平时成绩所含月份：1—11月（未含12月）。"
    assert _coverage(results(eleven, tuple(range(2, 12)))) == "各单位平时成绩所含月份不同（见“说明”列）。"
    assert _coverage(None) == "" and _coverage(results((), ())) == ""
