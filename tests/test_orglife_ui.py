"""The 组织生活 page driven with qtbot: fast entry (everyone present, absences need a reason, save and go on to the
next meeting), the 支委会 roster, the list and its filters, the 发展党员 steps; qtmodeltester on the models."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest
from orglife_fixtures import make_branch
from PySide6.QtCore import Qt
from ui_fixtures import IGNORE_SIZE_HINTS
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import OrgLifeKind, RecruitStageKind
from app.services.orglife import AttendanceInput, OrgLifeService, RecordFilter, RecordInput
from app.services.recruit import RecruitInput, RecruitService
from app.ui.context import AppContext
from app.ui.orglife.page import OrgLifePage
from app.ui.orglife.records import AttendanceModel, RecordDialog, RecordTableModel
from app.ui.orglife.recruits import StepDialog

K = OrgLifeKind
pytestmark = IGNORE_SIZE_HINTS
DAY = frozen.today() - dt.timedelta(days=3)


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db)


@pytest.fixture
def branch(ctx):
    return make_branch(ctx.register, "县财政局", size=6, committee=3)


@pytest.fixture
def svc(ctx):
    return OrgLifeService(ctx.session_factory)


@pytest.fixture
def page(qtbot, ctx, branch):
    p = OrgLifePage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def dialog(qtbot, ctx, svc, branch, kind=K.THEME_DAY) -> RecordDialog:
    dlg = RecordDialog(ctx, svc, org_id=branch.org_id, kind=kind, held_on=DAY)
    qtbot.addWidget(dlg)
    return dlg


def test_form_defaults_everyone_present(qtbot, ctx, svc, branch):
    dlg = dialog(qtbot, ctx, svc, branch)
    assert dlg.attendance_model.rowCount() == 6
    assert all(a.present for a in dlg.attendance_model.attendance())
    assert dlg.held_on.date() == DAY


def test_absence_without_reason_shown_under_attendance_then_saved(qtbot, ctx, svc, branch):
    dlg = dialog(qtbot, ctx, svc, branch)
    dlg.topic.setText("重温入党誓词")  # typing CJK needs an input method: set the text
    m = dlg.attendance_model
    m.setData(m.index(5, AttendanceModel.PRESENT), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    dlg.accept()
    assert dlg.saved == 0
    assert "缺席，请填写缺席原因" in dlg.form.problem_text("attendance")
    m.setData(m.index(5, AttendanceModel.REASON), "出差", Qt.ItemDataRole.EditRole)
    dlg.accept()
    assert dlg.saved == 1
    saved = svc.record_input(svc.record_ids()[0])
    assert [a.absence_reason for a in saved.attendance if not a.present] == ["出差"]


def test_save_and_next_keeps_org_and_date_and_moves_on(qtbot, ctx, svc, branch):
    dlg = dialog(qtbot, ctx, svc, branch, K.COMMITTEE_MEETING)
    assert dlg.attendance_model.rowCount() == 3  # a 支委会 lists the committee only
    dlg.topic.setText("研究本月工作")  # typing CJK needs an input method: set the text
    qtbot.mouseClick(dlg.next_button, Qt.MouseButton.LeftButton)
    assert dlg.saved == 1 and dlg.kind.value() == K.GROUP_MEETING and dlg.topic.text() == ""
    assert dlg.org.value() == branch.org_id and dlg.held_on.date() == DAY
    assert dlg.attendance_model.rowCount() == 6
    dlg.topic.setText("交流学习心得")  # typing CJK needs an input method: set the text
    qtbot.mouseClick(dlg.next_button, Qt.MouseButton.LeftButton)
    kinds = [r.kind for r in svc.record_rows(svc.record_ids())]
    assert sorted(k.label for k in kinds) == sorted([K.COMMITTEE_MEETING.label, K.GROUP_MEETING.label])


def test_appraisal_starts_everyone_qualified(qtbot, ctx, svc, branch):
    dlg = dialog(qtbot, ctx, svc, branch, K.DEMOCRATIC_APPRAISAL)
    dlg.topic.setText("年度民主评议党员")
    m = dlg.attendance_model
    m.setData(m.index(0, AttendanceModel.GRADE), "优秀")
    dlg.accept()
    assert svc.grades_of(svc.record_ids()[0]) == {"优秀": 1, "合格": 5, "基本合格": 0, "不合格": 0}


def test_quorum_refusal_shown_in_the_form(qtbot, ctx, svc, branch):
    dlg = dialog(qtbot, ctx, svc, branch, K.COMMITTEE_MEETING)
    dlg.topic.setText("研究发展党员")  # typing CJK needs an input method: set the text
    m = dlg.attendance_model
    for row in (1, 2):
        m.setData(m.index(row, AttendanceModel.PRESENT), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
        m.setData(m.index(row, AttendanceModel.REASON), "病假", Qt.ItemDataRole.EditRole)
    dlg.accept()
    assert "支委会不足法定人数" in dlg.form.problem_text("attendance")


def test_edit_loads_the_record(qtbot, ctx, svc, branch):
    rid = svc.save_record(RecordInput(K.PARTY_LECTURE, DAY, branch.org_id, topic="党课", lecturer_member_id=branch.members[0],
                                      attendance=[AttendanceInput(m) for m in branch.members]))
    dlg = RecordDialog(ctx, svc, rid)
    qtbot.addWidget(dlg)
    assert dlg.kind.value() == K.PARTY_LECTURE and dlg.lecturer.value() == branch.members[0]
    dlg.topic.setText("党课（修改）")
    dlg.accept()
    assert svc.record_input(rid).topic == "党课（修改）"


def test_list_filters_and_navigation(qtbot, ctx, svc, branch, page):
    other = make_branch(ctx.register, "县教育局", size=3, committee=1, seq_base=300)
    a = svc.save_record(RecordInput(K.THEME_DAY, DAY, branch.org_id, topic="甲", attendance=[AttendanceInput(branch.members[0])]))
    b = svc.save_record(RecordInput(K.THEME_DAY, DAY, other.org_id, topic="乙", attendance=[AttendanceInput(other.members[0])]))
    ctx.changed.emit("orglife")
    records = page.records
    assert records.model.total() == 2
    page.show_target(("org", other.org_id))
    assert records.model.total() == 1 and records.current_record() is None
    page.show_target(("record", a))
    assert records.current_record() == a and records.model.total() == 2
    records.kind.set_value(K.BRANCH_ASSEMBLY)
    assert records.model.total() == 0
    page.show_target(("member", other.members[0]))
    assert records.org.value() == other.org_id and records.model.record_id(0) == b


def test_recruit_step_refused_with_its_message(qtbot, ctx, branch, page):
    service = RecruitService(ctx.session_factory)
    applied = frozen.today() - dt.timedelta(days=120)
    rid = service.create(RecruitInput(branch.org_id, "林小梅", dt.date(1998, 4, 12), applied))
    ctx.changed.emit("recruit")
    page.show_target(("recruit", rid))
    panel = page.recruits
    row = panel.current()
    assert row is not None and row.id == rid and row.stage == RecruitStageKind.APPLICANT
    assert [panel.steps.itemText(i) for i in range(panel.steps.count())] == ["登记谈话", "确定为入党积极分子"]
    dlg = StepDialog(ctx, service, row, "talk", "登记谈话")
    qtbot.addWidget(dlg)
    dlg.accept()  # today: more than a month after the application
    assert "1个月内谈话" in dlg.form.problem_text("talked_on")
    dlg.form.field("talked_on").set_date(applied + dt.timedelta(days=10))
    dlg.accept()
    assert service.detail(rid).talked_on == applied + dt.timedelta(days=10)


def test_record_and_attendance_models(qtmodeltester, ctx, svc, branch):
    for day in range(1, 6):
        svc.save_record(RecordInput(K.THEME_DAY, DAY - dt.timedelta(days=day), branch.org_id, topic=f"第{day}次",
                                    attendance=[AttendanceInput(m) for m in branch.members]))
    model = RecordTableModel(svc)
    model.PAGE_SIZE = 2
    model.set_filter(RecordFilter())
    assert model.rowCount() == 2 and model.total() == 5
    qtmodeltester.check(model)
    assert model.row_of(svc.record_ids()[-1]) == 4
    attendance = AttendanceModel()
    attendance.set_roster(svc.roster(branch.org_id, DAY))
    attendance.grades = True
    qtmodeltester.check(attendance)
    attendance.setData(attendance.index(0, AttendanceModel.GRADE), "优秀")
    assert attendance.attendance()[0].grade is not None
