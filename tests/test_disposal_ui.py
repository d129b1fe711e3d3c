"""The 不合格党员处置 tab of the 组织生活 page, driven with keys and clicks: a member rated 不合格 in the 民主评议 is
on the list, a case is opened from it, 限期改正 is refused without its deadline and recorded with it, the approval
is its own step; the 提醒's lines open the tab at the case or at the member."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest
from orglife_fixtures import make_branch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from ui_fixtures import IGNORE_SIZE_HINTS

from app.models import AppraisalGrade, OrgLifeKind
from app.services import alerts as A
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.ui.alerts.page import destination
from app.ui.context import AppContext
from app.ui.orglife.disposal import APPROVE, CaseDialog, StepDialog
from app.ui.orglife.page import OrgLifePage

pytestmark = IGNORE_SIZE_HINTS
HELD = frozen.today() - dt.timedelta(days=100)


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db)


@pytest.fixture
def branch(ctx):
    b = make_branch(ctx.register, "县财政局", size=6, committee=3)
    lines = [AttendanceInput(m, grade=AppraisalGrade.UNQUALIFIED if i == 4 else AppraisalGrade.QUALIFIED)
             for i, m in enumerate(b.members)]
    OrgLifeService(ctx.session_factory).save_record(RecordInput(
        OrgLifeKind.DEMOCRATIC_APPRAISAL, HELD, b.org_id, topic="年度民主评议党员", recorded_on=HELD, attendance=lines))
    return b


@pytest.fixture
def page(qtbot, ctx, branch):
    p = OrgLifePage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def type_date(dlg, name: str, day: dt.date) -> None:
    box = dlg.form.field(name)
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, day.isoformat())


def choices(box) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


def test_a_case_from_the_list_to_the_next_decision(qtbot, ctx, branch, page):
    panel = page.disposal
    assert page.tabs.tabText(page.tabs.indexOf(panel)) == "不合格党员处置"
    page.show_target(("disposal_member", branch.members[4]))
    assert page.tabs.currentWidget() is panel
    candidate = panel.current_candidate()
    assert candidate is not None and candidate.member_id == branch.members[4] and candidate.appraised_on == HELD
    assert "1人" in panel.candidate_count.text()

    dlg = CaseDialog(ctx, panel.service, candidate, parent=panel)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dlg.kind)  # opens in its first field
    type_date(dlg, "opened_on", HELD - dt.timedelta(days=1))
    QTest.keyClick(dlg.form.field("opened_on"), Qt.Key.Key_Return)
    assert "不能早于民主评议日期" in dlg.form.problem_text("opened_on")
    type_date(dlg, "opened_on", HELD + dt.timedelta(days=5))
    QTest.keyClick(dlg.form.field("opened_on"), Qt.Key.Key_Return)
    assert not dlg.isVisible()
    case_id = int(dlg.result_value)
    assert panel.candidate_model.rowCount() == 0  # followed the change: off the list to decide on

    page.show_target(("disposal", case_id))
    row = panel.current()
    assert row is not None and row.id == case_id and row.stage == "已立案，待支部大会决定"
    assert choices(panel.steps) == ["限期改正"]

    step = StepDialog(ctx, panel.service, row, panel.steps.value(), parent=panel)
    qtbot.addWidget(step)
    step.show()
    type_date(step, "decided_on", HELD + dt.timedelta(days=10))
    QTest.keyClick(step.form.field("decided_on"), Qt.Key.Key_Return)
    assert "限期改正须写明改正期限" in step.form.problem_text("deadline")
    type_date(step, "deadline", HELD + dt.timedelta(days=70))
    QTest.keyClick(step.form.field("deadline"), Qt.Key.Key_Return)
    assert not step.isVisible()
    row = panel.current()
    assert row.stage == "限期改正（待上级党组织批准）"
    assert choices(panel.steps) == ["上级党组织批准“限期改正”"] and panel.steps.value() == APPROVE

    approve = StepDialog(ctx, panel.service, row, APPROVE, parent=panel)
    qtbot.addWidget(approve)
    approve.show()
    type_date(approve, "approved_on", HELD + dt.timedelta(days=15))
    QTest.keyClick(approve.form.field("approved_on"), Qt.Key.Key_Return)
    assert not approve.isVisible()
    assert choices(panel.steps) == ["恢复合格", "劝其退党"]
    assert panel.case_model.index(0, 6).data()  # the deadline is shown in its column, in red: it has passed
    assert panel.case_model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    # The deadline passed without a decision: the 提醒 says so, and its line opens this case.
    [alert] = [a for a in A.AlertService(ctx.session_factory).alerts() if a.kind == "disposal_overdue"]
    assert destination(alert) == ("orglife", ("disposal", case_id))


def test_the_lost_contact_dialog_refuses_a_case_without_the_search(qtbot, ctx, branch, page):
    panel = page.disposal
    dlg = CaseDialog(ctx, panel.service, None, parent=panel)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.member.set_value(branch.members[2])
    type_date(dlg, "lost_since", frozen.today() - dt.timedelta(days=300))
    QTest.keyClick(dlg.form.field("lost_since"), Qt.Key.Key_Return)
    assert "请填写查找情况" in dlg.form.problem_text("search_efforts")
    box = dlg.form.field("search_efforts")
    box.setFocus()
    QTest.keyClicks(box, "dianhua")
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    panel.reload()
    assert [panel.case_model.index(r, 3).data() for r in range(panel.case_model.rowCount())] == ["失联党员"]


def test_the_lists_show_no_row_numbers(qtbot, branch, page):
    page.tabs.setCurrentWidget(page.disposal)
    panel = page.disposal
    qtbot.waitUntil(panel.candidate_view.isVisible)
    for view in (panel.candidate_view, panel.case_view):
        assert not view.verticalHeader().isVisible()
        # The first column starts at the table's left edge: nothing (no 1, 2, 3 …) stands before it.
        assert view.viewport().geometry().left() == view.frameWidth()
    assert panel.candidate_model.rowCount() == 1
