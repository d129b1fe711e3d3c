"""The 通报 and 约谈与整改 pages driven with qtbot: issue and reissue with progress and cancel, open/print/PDF, a
locked output file, feedback sheets; candidates → interviews → record → 整改台账 moves, 销号 with a note,
overdue in red, the printed 台账; and every table model through qtmodeltester."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest
from documents_support import UNITS, open_copy
from documents_support import built as built
from PySide6.QtCore import QDateTime, QModelIndex, Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton

import app.services.bulletin as B
from app import settings as S
from app.models import RectificationStatus
from app.services import office
from app.services.bulletin import BulletinService
from app.services.rectification import ItemInput, RectificationService
from app.ui import printing, tasks
from app.ui.context import AppContext
from app.ui.documents import common
from app.ui.documents.bulletin_page import BulletinPage, BulletinTableModel, IssueDialog, IssueRequest
from app.ui.documents.interview_page import (
    ConversationDialog,
    InterviewDialog,
    InterviewPage,
    InterviewTableModel,
    ItemDialog,
    RCol,
    RectificationTableModel,
)
from app.ui.pages import page

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

St = RectificationStatus


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


# The scenario's calendar: October 2026 is locked and its 约谈 arranged for 10 November; the pages live on the
# day after, whatever day the run itself is frozen on (deadlines count 15 working days from the talk).
SCENARIO_DAY = dt.date(2026, 11, 11)


@pytest.fixture
def ctx(paths, county, tmp_path):
    context = AppContext(paths, county.db, today=lambda: SCENARIO_DAY)
    context.settings.save({S.OUTPUT_DIR.key: str(tmp_path / "文档")})
    return context


@pytest.fixture
def synchronous_tasks():
    with tasks.synchronous():
        yield


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """What would have been opened in Word/WPS or the file manager."""
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
def statuses(ctx) -> list[str]:
    seen: list[str] = []
    ctx.status.connect(seen.append)
    return seen


def bulletin_page(qtbot, ctx) -> BulletinPage:
    p = BulletinPage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def interview_page(qtbot, ctx) -> InterviewPage:
    p = InterviewPage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


# --- the models --------------------------------------------------------------------------------------------------


def test_models_pass_qtmodeltester(qtbot, qtmodeltester, ctx, county):
    bulletins = BulletinService(ctx.session_factory, today=ctx.today)
    bulletins.issue(2026, 10)
    bulletins.issue(2026, 10, reason="更正")
    model = BulletinTableModel()
    model.set_rows(bulletins.bulletins())
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "示直工委〔2026〕2号"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is not None  # superseded: grey
    page_ = InterviewPage(ctx)
    qtbot.addWidget(page_)
    qtmodeltester.check(page_.interview_model)
    page_.create_interviews()
    qtmodeltester.check(page_.interview_model)
    model2 = InterviewTableModel()
    model2.set_rows(page_.interview_model.rows())
    qtmodeltester.check(model2)
    empty = RectificationTableModel()
    qtmodeltester.check(empty)


# --- 通报 page ---------------------------------------------------------------------------------------------------


def test_issue_from_the_page_writes_opens_and_lists(qtbot, ctx, opened, statuses, synchronous_tasks, monkeypatch):
    p = bulletin_page(qtbot, ctx)
    assert p.month().title == "2026年10月" and p.issue_button.isEnabled()
    assert "尚未印发通报" in p.month_state.text()
    asked = []
    monkeypatch.setattr(p, "ask_issue", lambda m: asked.append(m) or IssueRequest(1, dt.date(2026, 11, 5), ""))
    p.issue()
    assert [m.title for m in asked] == ["2026年10月"]
    assert p.model.rowCount() == 1 and p.model.data(p.model.index(0, 0)) == "示直工委〔2026〕1号"
    written = p.last_written
    assert written is not None and written.parent == Path(ctx.setting(S.OUTPUT_DIR))
    assert written.name == "2026年10月机关党建工作考评情况通报（示直工委〔2026〕1号）.docx"
    assert opened == [written]
    assert "已印发示直工委〔2026〕1号" in statuses[-2] or any("已印发" in s for s in statuses)
    assert "示直工委〔2026〕1号" in p.details.text() and "审计链头" in p.details.text()
    assert "已印发1份" in p.month_box.currentText()


def test_reissue_dialog_asks_for_a_reason(qtbot, ctx, county):
    service = BulletinService(ctx.session_factory, today=lambda: dt.date(2026, 11, 5))
    current = service.issue(2026, 10)
    month = next(m for m in service.months() if m.key == "2026-10")
    dialog = IssueDialog(month, "示直工委", 2, current, dt.date(2026, 11, 5))
    qtbot.addWidget(dialog)
    assert "示直工委〔2026〕1号" in dialog.findChild(type(dialog.general_error), "reissue_warning").text()
    assert dialog.sequence.text() == "示直工委〔2026〕2号"
    dialog.accept()
    assert dialog.result_value is None and dialog.form.problem_text("reason") == "重新印发须说明理由"
    dialog.reason.setPlainText("县林业局得分更正")
    dialog.issued_on.setText("2027-01-04")
    assert dialog.sequence.prefix() == "示直工委〔2027〕"
    dialog.accept()
    assert dialog.result_value == IssueRequest(2, dt.date(2027, 1, 4), "县林业局得分更正")
    first = IssueDialog(month, "示直工委", 1, None, dt.date(2026, 11, 5))
    qtbot.addWidget(first)
    first.issued_on.setText("明天")
    first.accept()
    assert first.result_value is None and "日期格式" in first.form.problem_text("issued_on")


def test_issue_can_be_cancelled_while_building(qtbot, ctx, opened, statuses, monkeypatch):
    release = threading.Event()
    real = B.build_bulletin

    def slow_build(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(B, "build_bulletin", slow_build)
    p = bulletin_page(qtbot, ctx)
    monkeypatch.setattr(p, "ask_issue", lambda m: IssueRequest(1, dt.date(2026, 11, 5), ""))
    task = p.issue()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=20_000):
        cancel = task.dialog.findChild(QPushButton)
        assert cancel.text() == "取消"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        release.set()
    assert task.state == "cancelled"
    assert BulletinService(ctx.session_factory).bulletins() == []
    assert statuses[-1] == "已取消，未印发通报" and opened == []
    assert not Path(ctx.setting(S.OUTPUT_DIR)).exists() or not any(Path(ctx.setting(S.OUTPUT_DIR)).iterdir())


def test_open_print_and_pdf_of_an_issued_bulletin(qtbot, ctx, opened, statuses, boxes, synchronous_tasks,
                                                  monkeypatch):
    BulletinService(ctx.session_factory).issue(2026, 10)
    p = bulletin_page(qtbot, ctx)
    printed, converted = [], []
    monkeypatch.setattr(printing, "print_files", lambda _ctx, _parent, paths, **_k: printed.extend(paths))
    monkeypatch.setattr(office, "export_pdf", lambda path: converted.append(path) or path.with_suffix(".pdf"))
    monkeypatch.setattr(office, "pdf_available", lambda: True)
    qtbot.mouseClick(p.print_button, Qt.MouseButton.LeftButton)
    assert printed == [p.last_written]  # its pages go to the print preview (tests/test_printing.py)
    qtbot.mouseClick(p.pdf_button, Qt.MouseButton.LeftButton)
    assert converted == [p.last_written] and opened[-1] == p.last_written.with_suffix(".pdf")
    monkeypatch.setattr(office, "pdf_available", lambda: False)
    qtbot.mouseClick(p.pdf_button, Qt.MouseButton.LeftButton)
    assert boxes[-1] == office.NO_LIBREOFFICE
    qtbot.mouseClick(p.open_button, Qt.MouseButton.LeftButton)
    assert opened[-1] == p.last_written and p.last_written.read_bytes()[:2] == b"PK"


def test_a_locked_output_file_is_reported(qtbot, ctx, opened, boxes, synchronous_tasks, monkeypatch):
    view = BulletinService(ctx.session_factory).issue(2026, 10)
    p = bulletin_page(qtbot, ctx)
    target = Path(ctx.setting(S.OUTPUT_DIR)) / view.file_name
    target.parent.mkdir(parents=True)
    target.write_bytes(b"open in WPS")

    def locked(_src, _dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    p.open_selected()
    assert "正被其他程序" in boxes[-1]
    assert target.read_bytes() == b"open in WPS" and opened == []
    assert sorted(x.name for x in target.parent.iterdir()) == [view.file_name]


def test_feedback_sheets_from_the_page(qtbot, ctx, opened, statuses, synchronous_tasks):
    p = bulletin_page(qtbot, ctx)
    qtbot.mouseClick(p.feedback_button, Qt.MouseButton.LeftButton)
    folder = Path(ctx.setting(S.OUTPUT_DIR)) / "2026年10月考评情况反馈单"
    assert len(list(folder.glob("*.docx"))) == len(UNITS) + 1
    assert opened == [folder] and statuses[-1].startswith(f"已生成考评情况反馈单{len(UNITS) + 1}份")


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # the offscreen message box
def test_print_without_a_printer_says_so_and_prints_nothing(qtbot, ctx, statuses, opened, synchronous_tasks):
    BulletinService(ctx.session_factory).issue(2026, 10)
    p = bulletin_page(qtbot, ctx)
    p.view.selectRow(0)
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        (open_button,) = [b for b in box.buttons() if b.text() == printing.OPEN_DOCUMENT]
        qtbot.mouseClick(open_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(p.print_button, Qt.MouseButton.LeftButton)  # offscreen: no printer installed
    assert seen and seen[0].startswith(f"这台电脑上没有安装打印机，无法打印“{p.last_written.name}”")
    assert "未打印：这台电脑上没有安装打印机" in statuses and not any("已将" in s for s in statuses)
    assert opened == [p.last_written]  # 在 Word/WPS 中打开 instead


def test_printing_the_feedback_sheets_is_one_job_of_every_unit(qtbot, ctx, synchronous_tasks, monkeypatch):
    jobs = []
    monkeypatch.setattr(printing, "print_files", lambda _ctx, _parent, paths, **k: jobs.append((paths, k["title"])))
    p = bulletin_page(qtbot, ctx)
    qtbot.mouseClick(p.print_feedback_button, Qt.MouseButton.LeftButton)
    ((paths, title),) = jobs  # one print job, not one per unit (tests/test_printing.py: its pages in one job)
    assert len(paths) == len(UNITS) and all(path.is_file() for path in paths)
    assert title == "2026年10月考评情况反馈单"


def test_a_draft_month_cannot_be_issued(qtbot, ctx, county, synchronous_tasks):
    county.scoring.open_month(2026, 11)
    p = bulletin_page(qtbot, ctx)
    p.month_box.set_value(county.scoring.find_month(2026, 11).id)
    assert not p.issue_button.isEnabled() and not p.feedback_button.isEnabled()
    assert not p.print_feedback_button.isEnabled()
    assert "锁定后才能印发通报" in p.month_state.text()
    assert p.issue() is None


def test_output_folder_is_remembered(qtbot, ctx, tmp_path):
    p = bulletin_page(qtbot, ctx)
    p.folder_bar.set_folder(tmp_path / "新文件夹")
    assert ctx.setting(S.OUTPUT_DIR) == str(tmp_path / "新文件夹")
    assert p.folder_bar.path_edit.text() == str(tmp_path / "新文件夹")
    ctx.settings.save({S.OUTPUT_DIR.key: ""})
    assert common.output_folder(ctx) == ctx.paths.output_dir


# --- 约谈与整改 page --------------------------------------------------------------------------------------------


def fill_and_accept(dialogs: list, fill=None):
    def run(dialog) -> bool:
        dialogs.append(dialog)
        if fill is not None:
            fill(dialog)
        dialog.accept()
        return dialog.result() == dialog.DialogCode.Accepted

    return run


def arrange(dialog: InterviewDialog) -> None:
    dialog.undecided.setChecked(False)
    dialog.when.setDateTime(QDateTime(dt.datetime(2026, 11, 10, 9, 30)))
    f = dialog.form
    f.field("interviewers").setText("李书记、王副书记")
    f.field("recorder").setText("张敏")
    dialog.person.setCurrentIndex(2)  # 机关党委书记 林书记 from the register


def converse(dialog: ConversationDialog) -> None:
    f = dialog.form
    f.field("conversation").setPlainText("指出党组未专题研究党建等问题。")
    f.field("statement").setPlainText("诚恳接受，立即整改。")
    f.field("requirements").setPlainText("按月召开支委会\n党组专题研究党建工作")


def test_interviews_from_candidates_to_rectification(qtbot, ctx, boxes, monkeypatch, synchronous_tasks):
    p = interview_page(qtbot, ctx)
    assert p.month_box.currentText() == "2026年10月（已锁定）"
    assert p.interview_model.rowCount() == 1 and "尚未建立" in p.interview_state.text()
    qtbot.mouseClick(p.create_button, Qt.MouseButton.LeftButton)
    v = p.selected_interview()
    assert v is not None and v.unit == "县林业局" and not p.create_button.isEnabled()
    assert not p.record_button.isEnabled()  # no time yet
    dialogs: list = []
    monkeypatch.setattr(p, "run_dialog", fill_and_accept(dialogs, arrange))
    assert p.edit_interview()
    v = p.selected_interview()
    assert (v.interviewee_post.value, v.interviewee_name, v.interviewers) == ("机关党委书记", "林书记", "李书记、王副书记")
    assert p.record_button.isEnabled()
    monkeypatch.setattr(p, "run_dialog", fill_and_accept(dialogs, converse))
    assert p.record_interview()
    assert "2026年12月1日" in dialogs[-1].computed.text()
    v = p.selected_interview()
    assert v.held and v.deadline == dt.date(2026, 12, 1)
    row = p.interview_model.rows().index(next(r for r in p.interview_model.rows() if r.interview))
    assert p.interview_model.data(p.interview_model.index(row, 8)) == "已约谈"
    assert p.item_model.rowCount() == 6
    assert {p.item_model.row(r).owner for r in range(6)} == {"林书记"}
    assert not p.delete_button.isEnabled()


def test_interview_dialog_shows_problems_under_fields(qtbot, ctx):
    p = interview_page(qtbot, ctx)
    p.create_interviews()
    dialog = InterviewDialog(p.interviews, p.selected_interview(), p)
    qtbot.addWidget(dialog)
    dialog.form.field("reasons").setPlainText("")
    dialog.form.field("problems").setPlainText("")
    dialog.accept()
    assert dialog.result_value is None
    assert "请填写约谈事由" in dialog.form.problem_text("reasons")
    conversation = ConversationDialog(p.interviews, p.selected_interview(), p)
    qtbot.addWidget(conversation)
    conversation.accept()
    assert conversation.result_value is None and conversation.computed.text() == ""
    assert "请先填写约谈时间" in conversation.general_error.text()
    assert "请填写谈话内容" in conversation.form.problem_text("conversation")


def test_documents_of_an_interview(qtbot, ctx, opened, statuses, monkeypatch, synchronous_tasks):
    p = interview_page(qtbot, ctx)
    p.create_interviews()
    printed = []
    monkeypatch.setattr(printing, "print_files", lambda _ctx, _parent, paths, **_k: printed.extend(paths))
    p.document_action("notice", "open")
    assert opened[-1].name == "2026年10月约谈通知书（县林业局）.docx"
    p.document_action("record", "print")
    assert printed[-1].name == "2026年10月约谈记录（空白）（县林业局）.docx"
    p.write_month_documents()
    folder = Path(ctx.setting(S.OUTPUT_DIR)) / "2026年10月约谈"
    assert opened[-1] == folder and len(list(folder.glob("*.docx"))) == 2


def test_all_papers_of_a_period_print_as_one_job(qtbot, ctx, synchronous_tasks, monkeypatch):
    jobs = []
    monkeypatch.setattr(printing, "print_files", lambda _ctx, _parent, paths, **k: jobs.append((paths, k["title"])))
    p = interview_page(qtbot, ctx)
    p.create_interviews()
    (action,) = [a for a in p.docs_button.menu().actions() if a.text().startswith("打印本期全部约谈文书")]
    action.trigger()
    ((paths, title),) = jobs
    assert title == "2026年10月约谈文书" and paths == p.last_written and len(paths) == 2


def held_page(qtbot, ctx, monkeypatch, today: dt.date | None = None) -> InterviewPage:
    p = interview_page(qtbot, ctx)
    p.create_interviews()
    monkeypatch.setattr(p, "run_dialog", fill_and_accept([], arrange))
    p.edit_interview()
    monkeypatch.setattr(p, "run_dialog", fill_and_accept([], converse))
    p.record_interview()
    if today is not None:
        p.rectification = RectificationService(ctx.session_factory, today=lambda: today)
        p.load_items()
    p.tabs.setCurrentIndex(1)
    return p


def test_rectification_moves_from_the_page(qtbot, ctx, boxes, monkeypatch, synchronous_tasks):
    p = held_page(qtbot, ctx, monkeypatch)
    item = p.selected_item()
    assert item.status == St.NOT_STARTED
    assert p.move_buttons["start"].isEnabled() and not p.move_buttons["close"].isEnabled()
    notes = iter(["已制定方案", "已补开支委会并报送记录", "整改到位，同意销号"])
    monkeypatch.setattr(common, "ask_note", lambda *a, **k: next(notes))
    qtbot.mouseClick(p.move_buttons["start"], Qt.MouseButton.LeftButton)
    assert p.selected_item().status == St.IN_PROGRESS and not p.move_buttons["start"].isEnabled()
    qtbot.mouseClick(p.move_buttons["submit"], Qt.MouseButton.LeftButton)
    assert p.selected_item().status == St.PENDING_REVIEW and p.move_buttons["close"].isEnabled()
    qtbot.mouseClick(p.move_buttons["close"], Qt.MouseButton.LeftButton)
    closed = p.selected_item()
    assert (closed.id, closed.status, closed.close_note) == (item.id, St.CLOSED, "整改到位，同意销号")
    assert p.move_buttons["reopen"].isEnabled() and not p.edit_item_button.isEnabled()
    row = p.item_model.row_of(item.id)
    assert p.item_model.data(p.item_model.index(row, RCol.NOTE)) == "整改到位，同意销号"
    # A cancelled note changes nothing; a refused move is shown, not swallowed.
    monkeypatch.setattr(common, "ask_note", lambda *a, **k: None)
    assert not p.move_selected("reopen")
    assert p.selected_item().status == St.CLOSED
    monkeypatch.setattr(common, "ask_note", lambda *a, **k: "")
    assert not p.move_selected("reopen")
    assert "撤销销号须填写撤销理由" in boxes[-1]


def test_overdue_items_are_red_and_filterable(qtbot, ctx, monkeypatch, synchronous_tasks):
    p = held_page(qtbot, ctx, monkeypatch, today=dt.date(2026, 12, 3))
    assert p.item_model.rowCount() == 6
    first = p.item_model.index(0, RCol.STATUS)
    assert p.item_model.data(first).startswith("逾期（2天")
    assert p.item_model.data(first, Qt.ItemDataRole.ForegroundRole).name() == common.OVERDUE_COLOUR.lower()
    assert "逾期6项" in p.item_summary.text()
    p.status_filter.set_value(St.PENDING_REVIEW)
    assert p.item_model.rowCount() == 0
    p.status_filter.set_value(St.OVERDUE)
    assert p.item_model.rowCount() == 6


def test_edit_item_dialog_and_show_target(qtbot, ctx, monkeypatch, synchronous_tasks):
    p = held_page(qtbot, ctx, monkeypatch)
    item = p.item_model.row(3)

    def fill(dialog: ItemDialog) -> None:
        dialog.form.field("measure").setPlainText("每月召开支委会")
        dialog.deadline.setText("2026-12-15")

    dialogs: list = []
    monkeypatch.setattr(p, "run_dialog", fill_and_accept(dialogs, fill))
    p.item_view.selectRow(3)
    assert not p.edit_item()  # a new deadline without a reason is refused under its field
    assert "修改整改时限须说明理由" in dialogs[-1].form.problem_text("reason")

    def fill_with_reason(dialog: ItemDialog) -> None:
        fill(dialog)
        reason = dialog.form.field("reason")
        assert isinstance(reason, QLineEdit)
        reason.setText("年底集中整改")

    monkeypatch.setattr(p, "run_dialog", fill_and_accept(dialogs, fill_with_reason))
    assert p.edit_item()
    edited = RectificationService(ctx.session_factory).item(item.id)
    assert (edited.measure, edited.deadline) == ("每月召开支委会", dt.date(2026, 12, 15))
    # From a 提醒: the item is shown even when the filters hid it.
    p.tabs.setCurrentIndex(0)
    p.status_filter.set_value(St.CLOSED)
    assert p.item_model.rowCount() == 0
    p.show_target(("rectification", item.id))
    assert p.tabs.currentIndex() == 1 and p.selected_item().id == item.id
    p.show_target(("interview", p.interviews.interviews()[0].id))
    assert p.tabs.currentIndex() == 0 and p.selected_interview().unit == "县林业局"


def test_ledger_from_the_page(qtbot, ctx, opened, monkeypatch, synchronous_tasks):
    p = held_page(qtbot, ctx, monkeypatch)
    printed = []
    monkeypatch.setattr(printing, "print_files", lambda _ctx, _parent, paths, **_k: printed.extend(paths))
    qtbot.mouseClick(p.ledger_open_button, Qt.MouseButton.LeftButton)
    assert opened[-1].name.startswith("全县机关整改台账（截至")
    qtbot.mouseClick(p.ledger_button, Qt.MouseButton.LeftButton)
    assert printed == [opened[-1]]


def test_manual_items_appear_in_the_ledger_tab(qtbot, ctx, county):
    service = RectificationService(ctx.session_factory, today=ctx.today)
    service.create(county.unit("县财政局"), "2026年第四季度专项督查",
                   [ItemInput("党费台账不全", "补齐台账", "刘明", SCENARIO_DAY + dt.timedelta(days=10))])
    p = interview_page(qtbot, ctx)
    p.tabs.setCurrentIndex(1)
    assert p.item_model.rowCount() == 1
    assert p.item_model.data(p.item_model.index(0, RCol.SOURCE)) == "2026年第四季度专项督查"
    p.unit_filter.set_value(county.unit("县教育局"))
    assert p.item_model.rowCount() == 0


def test_pages_are_registered(qtbot, ctx):
    for key, cls in (("bulletins", BulletinPage), ("interviews", InterviewPage)):
        widget = page(key).create(ctx)
        qtbot.addWidget(widget)
        assert isinstance(widget, cls) and widget.objectName() == f"page_{key}"


def test_note_dialog_requires_text(qtbot):
    dialog = common.NoteDialog("销号", "请填写销号说明：")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.edit.setPlainText("同意")
    assert ok.isEnabled() and dialog.text() == "同意"
    assert isinstance(dialog.edit, QPlainTextEdit)
    assert QModelIndex().isValid() is False
