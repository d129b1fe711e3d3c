"""Issue 16, item 1: 稳妥处置不合格党员 — the steps in order, their dates, the 除名 that takes the member out of the
register with the history kept, 失联党员 and 停止党籍, and the 提醒."""

from __future__ import annotations

import datetime as dt

import pytest
from orglife_fixtures import TODAY, make_branch
from sqlalchemy import select

from app.errors import ConcurrentChangeError, ValidationError
from app.models import AppraisalGrade, AuditEntry, OrgLifeKind
from app.models.disposal import DisposalKind, DisposalStepKind
from app.services import alerts as A
from app.services.audit import verify
from app.services.disposal import CaseInput, DisposalService, StepInput
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.register import RegisterService

K, Step = DisposalKind, DisposalStepKind
D = dt.date


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg):
    return make_branch(reg)


@pytest.fixture
def svc(db):
    return DisposalService(db.session_factory, today=lambda: TODAY)


def appraise(db, branch, held=D(2026, 1, 20), unqualified=(4,)):
    """A 民主评议党员 with members[i] for i in `unqualified` rated 不合格, the others 合格."""
    lines = [AttendanceInput(m, grade=AppraisalGrade.UNQUALIFIED if i in unqualified else AppraisalGrade.QUALIFIED)
             for i, m in enumerate(branch.members)]
    return OrgLifeService(db.session_factory, today=lambda: TODAY).save_record(
        RecordInput(OrgLifeKind.DEMOCRATIC_APPRAISAL, held, branch.org_id, topic="年度民主评议党员",
                    recorded_on=held, attendance=lines))


def messages(exc):
    return [p.message for p in exc.value.problems]


def refused(fn, *args, match):
    with pytest.raises(ValidationError) as exc:
        fn(*args)
    assert any(match in m for m in messages(exc)), messages(exc)


def test_the_members_rated_unqualified_are_the_list_to_decide_on(db, svc, branch):
    assert svc.candidates() == []
    rid = appraise(db, branch)
    [c] = svc.candidates()
    assert (c.member_id, c.record_id, c.appraised_on, c.unit_name) == (branch.members[4], rid, D(2026, 1, 20), "县财政局")
    refused(svc.open_case, CaseInput(branch.members[0], K.UNQUALIFIED, D(2026, 2, 1)),
            match="在民主评议党员中未被评为不合格")
    refused(svc.open_case, CaseInput(branch.members[4], K.UNQUALIFIED, D(2026, 1, 10)),
            match="不能早于民主评议日期（2026年1月20日）")
    refused(svc.open_case, CaseInput(branch.members[4], K.UNQUALIFIED, TODAY + dt.timedelta(days=1)),
            match="不能晚于今天")
    case = svc.open_case(CaseInput(branch.members[4], K.UNQUALIFIED, D(2026, 2, 1)))
    assert svc.candidates() == []
    assert svc.case(case).appraised_on == D(2026, 1, 20)
    refused(svc.open_case, CaseInput(branch.members[4], K.LOST_CONTACT, D(2026, 2, 1), lost_since=D(2025, 1, 1),
                                     search_efforts="电话、走访"), match="已有未结案的“不合格党员处置”案件")


def test_each_step_needs_the_one_before_and_dates_in_order(db, reg, svc, branch):
    appraise(db, branch)
    mid = branch.members[4]
    case = svc.open_case(CaseInput(mid, K.UNQUALIFIED, D(2026, 2, 1), note="长期不参加组织生活"))
    for kind in (Step.REMOVED, Step.RESTORED, Step.PERSUADED):
        refused(svc.add_step, case, StepInput(kind, D(2026, 2, 10), D(2026, 2, 20), note="经教育仍无转变"),
                match="除名须在劝其退党之后" if kind == Step.REMOVED else "第一步应为“限期改正”")
    refused(svc.add_step, case, StepInput(Step.CORRECTION, D(2026, 2, 10)), match="限期改正须写明改正期限")
    refused(svc.add_step, case, StepInput(Step.CORRECTION, D(2026, 2, 10), deadline=D(2026, 2, 1)),
            match="改正期限应晚于支部大会决定日期")
    refused(svc.add_step, case, StepInput(Step.CORRECTION, D(2026, 1, 25), deadline=D(2026, 5, 31)),
            match="日期不能早于启动处置日期（2026年2月1日）")
    refused(svc.add_step, case, StepInput(Step.CORRECTION, TODAY + dt.timedelta(days=1), deadline=D(2027, 5, 31)),
            match="日期不能晚于今天")
    refused(svc.add_step, case, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 5), deadline=D(2026, 5, 31)),
            match="批准日期不能早于支部大会决定日期")
    first = svc.add_step(case, StepInput(Step.CORRECTION, D(2026, 2, 10), deadline=D(2026, 5, 31)))
    assert svc.case(case).stage == "限期改正（待上级党组织批准）" and svc.case(case).next_steps == ()
    refused(svc.add_step, case, StepInput(Step.RESTORED, D(2026, 6, 1), D(2026, 6, 5)),
            match="上一步“限期改正”尚未经上级党组织批准")
    refused(svc.approve, first, TODAY + dt.timedelta(days=1), match="不能晚于今天")
    svc.approve(first, D(2026, 2, 20))
    refused(svc.approve, first, D(2026, 2, 21), match="已于2026年2月20日批准")
    assert svc.case(case).next_steps == (Step.RESTORED, Step.PERSUADED)
    refused(svc.add_step, case, StepInput(Step.PERSUADED, D(2026, 5, 10), D(2026, 5, 20), note="经教育仍无转变"),
            match="日期不能早于改正期满之日（2026年5月31日）")
    refused(svc.add_step, case, StepInput(Step.PERSUADED, D(2026, 6, 10), D(2026, 6, 20)), match="请写明劝其退党的事实和理由")
    svc.add_step(case, StepInput(Step.PERSUADED, D(2026, 6, 10), D(2026, 6, 20), note="限期改正期满仍无转变"))
    assert reg.member_ids() and mid in reg.member_ids()  # 劝其退党 alone does not take anyone out


def test_a_removal_takes_the_member_out_of_the_register_with_the_history_kept(db, reg, svc, branch):
    appraise(db, branch)
    mid = branch.members[4]
    case = svc.open_case(CaseInput(mid, K.UNQUALIFIED, D(2026, 2, 1)))
    svc.add_step(case, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 20), deadline=D(2026, 5, 31)))
    svc.add_step(case, StepInput(Step.PERSUADED, D(2026, 6, 10), D(2026, 6, 20), note="经教育仍无转变"))
    step = svc.add_step(case, StepInput(Step.REMOVED, D(2026, 8, 10), note="劝其退党后本人坚持不退"))
    assert mid in reg.member_ids()  # decided, not yet approved: still in the register
    svc.approve(step, D(2026, 8, 20))
    assert mid not in reg.member_ids() and mid in reg.member_ids(include_left=True)
    assert reg.transfers_of(mid) == [(D(2026, 8, 20), "出党", "中共示范县县财政局机关支部委员会", "")]
    row = svc.case(case)
    assert (row.closed_on, row.outcome, row.open) == (D(2026, 8, 20), "除名", False)
    assert [s.kind for s in row.steps] == [Step.CORRECTION, Step.PERSUADED, Step.REMOVED]
    refused(svc.add_step, case, StepInput(Step.RESTORED, D(2026, 9, 1), D(2026, 9, 2)), match="已于2026年8月20日以“除名”结案")
    with db.session() as s:
        trail = s.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.field, AuditEntry.reason)
                          .where(AuditEntry.entity.in_(("disposal_case", "disposal_step", "member")))).all()
    assert ("新建", "disposal_case", "", "不合格党员处置：立案") in trail
    why = "出党：除名（不合格党员处置）：劝其退党后本人坚持不退"  # the approval, the case's end and the leaving
    for entity, fld in (("disposal_step", "approved_on"), ("disposal_case", "outcome"), ("member", "left_on")):
        assert ("修改", entity, fld, why) in trail
    assert verify(db.session_factory).ok


def test_a_member_who_corrects_is_restored_and_stays(db, reg, svc, branch):
    appraise(db, branch)
    mid = branch.members[4]
    case = svc.open_case(CaseInput(mid, K.UNQUALIFIED, D(2026, 2, 1)))
    svc.add_step(case, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 20), deadline=D(2026, 8, 31)))
    svc.add_step(case, StepInput(Step.RESTORED, D(2026, 7, 10), D(2026, 7, 15)))  # corrected before the deadline
    row = svc.case(case)
    assert (row.outcome, row.closed_on) == ("恢复合格", D(2026, 7, 15)) and mid in reg.member_ids()


def test_a_member_who_accepts_to_withdraw_leaves(db, reg, svc, branch):
    appraise(db, branch)
    mid = branch.members[4]
    case = svc.open_case(CaseInput(mid, K.UNQUALIFIED, D(2026, 2, 1)))
    svc.add_step(case, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 20), deadline=D(2026, 5, 31)))
    svc.add_step(case, StepInput(Step.PERSUADED, D(2026, 6, 10), D(2026, 6, 20), note="经教育仍无转变"))
    svc.add_step(case, StepInput(Step.WITHDRAWN, D(2026, 7, 1), D(2026, 7, 8), note="本人递交退党申请"))
    assert mid not in reg.member_ids() and svc.case(case).outcome == "本人退党"


def test_lost_contact_becomes_suspension_after_six_months_then_removal_after_two_years(db, reg, svc, branch):
    mid = branch.members[2]
    refused(svc.open_case, CaseInput(mid, K.LOST_CONTACT, D(2024, 3, 1)), match="请填写失去联系的起始日期")
    refused(svc.open_case, CaseInput(mid, K.LOST_CONTACT, D(2024, 3, 1), lost_since=D(2024, 1, 1)),
            match="请填写查找情况")
    case = svc.open_case(CaseInput(mid, K.LOST_CONTACT, D(2024, 3, 1), lost_since=D(2024, 1, 1),
                                   search_efforts="电话、短信无回应；2月走访原住址，已搬离"))
    refused(svc.add_step, case, StepInput(Step.SUSPENDED, D(2024, 6, 1), D(2024, 6, 10)),
            match="日期不能早于失联满6个月之日（2024年7月1日）")
    svc.add_step(case, StepInput(Step.SUSPENDED, D(2024, 7, 10), D(2024, 7, 20)))
    assert mid in reg.member_ids()  # 停止党籍 keeps the record (恢复党籍 may follow)
    refused(svc.add_step, case, StepInput(Step.REMOVED, D(2025, 7, 20), D(2025, 7, 25), note="仍无法取得联系"),
            match="日期不能早于停止党籍满24个月之日（2026年7月20日）")
    svc.add_step(case, StepInput(Step.REMOVED, D(2026, 8, 1), D(2026, 8, 10), note="停止党籍两年仍无法取得联系，按自行脱党除名"))
    assert mid not in reg.member_ids()


def test_contact_regained_closes_a_lost_contact_case_without_approval(db, svc, branch):
    case = svc.open_case(CaseInput(branch.members[2], K.LOST_CONTACT, D(2026, 6, 1), lost_since=D(2026, 5, 1),
                                   search_efforts="电话联系不上"))
    svc.add_step(case, StepInput(Step.CONTACT_REGAINED, D(2026, 7, 3), D(2026, 7, 9)))
    row = svc.case(case)
    assert (row.outcome, row.closed_on, row.steps[0].approved_on) == ("恢复联系", D(2026, 7, 3), None)


def test_the_alerts(db, svc, branch):
    appraise(db, branch, held=D(2026, 10, 10), unqualified=(4, 5))
    svc.open_case(CaseInput(branch.members[5], K.UNQUALIFIED, D(2026, 10, 12)))
    lost = svc.open_case(CaseInput(branch.members[2], K.LOST_CONTACT, D(2026, 3, 1), lost_since=D(2026, 2, 1),
                                   search_efforts="多次电话联系未果"))
    with pytest.raises(ValidationError):
        svc.open_case(CaseInput(branch.members[3], K.UNQUALIFIED, D(2026, 3, 1)))
    early = svc.open_case(CaseInput(branch.members[1], K.SUSPENDED, D(2025, 1, 1)))
    svc.add_step(early, StepInput(Step.SUSPENDED, D(2025, 1, 10), D(2025, 1, 20), note="出国定居"))
    got = {(a.kind, a.subject, a.target, a.target_id, a.due, a.overdue): a.message
           for a in A.AlertService(db.session_factory, today=lambda: TODAY).alerts() if a.kind in
           ("disposal_pending", "disposal_overdue", "lost_contact_overdue")}
    assert got == {
        ("disposal_pending", "陈静", "disposal_member", branch.members[4], D(2026, 11, 9), True):
            "中共示范县县财政局机关支部委员会党员陈静在2026年10月10日民主评议中被评为不合格，30天内未启动处置（应于2026年11月9日前）",
        ("lost_contact_overdue", "李娜", "disposal", lost, D(2026, 8, 1), True):
            "中共示范县县财政局机关支部委员会党员李娜自2026年2月1日失去联系，已超过6个月，尚未作出停止党籍的决定",
    }
    assert {"disposal_pending", "disposal_overdue", "lost_contact_overdue"} <= set(A.KIND_GROUPS["党员队伍"])
    assert A.KIND_LABELS["disposal_overdue"] == "限期改正到期未决定"


def test_a_deadline_passed_without_a_decision_is_overdue(db, svc, branch):
    appraise(db, branch)
    case = svc.open_case(CaseInput(branch.members[4], K.UNQUALIFIED, D(2026, 2, 1)))
    svc.add_step(case, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 20), deadline=D(2026, 8, 31)))

    def overdue(day):
        return [a.message for a in A.AlertService(db.session_factory, today=lambda: day).alerts()
                if a.kind == "disposal_overdue"]

    assert overdue(D(2026, 8, 31)) == []
    assert overdue(TODAY) == ["中共示范县县财政局机关支部委员会党员陈静限期改正已于2026年8月31日到期，"
                              "支部大会尚未作出恢复合格或劝其退党的决定"]
    svc.add_step(case, StepInput(Step.PERSUADED, D(2026, 9, 10), note="经教育仍无转变"))
    assert overdue(TODAY) == []  # decided: the approval is on its way


def test_the_year_end_packet_part_and_the_summary_column(db, svc, branch):
    from app.services import disposal as Dmod

    appraise(db, branch, unqualified=(4, 5))
    done = svc.open_case(CaseInput(branch.members[4], K.UNQUALIFIED, D(2026, 2, 1)))
    svc.add_step(done, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 20), deadline=D(2026, 5, 31)))
    svc.add_step(done, StepInput(Step.RESTORED, D(2026, 6, 5), D(2026, 6, 12)))
    svc.open_case(CaseInput(branch.members[2], K.LOST_CONTACT, D(2026, 3, 1), lost_since=D(2026, 1, 5),
                            search_efforts="走访其父母住处，家人称其外出务工"))
    with db.session() as s:
        [part] = Dmod.packet_section(s, 2026).values()
        header, cells = Dmod.summary_column(s, 2026)
        assert Dmod.packet_section(s, 2025) == {}
    assert part.title == "不合格党员处置"
    assert part.paragraphs == ("2026年度民主评议党员评为不合格2人。本年度办理党员处置案件2件，年内结案1件（恢复合格1件），尚未结案1件。",)
    assert part.header == ("序号", "姓名", "类别", "启动日期", "处置步骤", "结果")
    assert part.rows == (
        ("1", "陈静", "不合格党员处置", "2026.2.1",
         "限期改正（2026.2.10支部大会，2026.2.20批准，限2026.5.31前改正）；恢复合格（2026.6.5支部大会，2026.6.12批准）",
         "恢复合格（2026.6.12）"),
        ("2", "李娜", "失联党员", "2026.3.1", "已立案，待支部大会决定", "未结案"),
    )
    assert "外出务工" not in repr(part)  # how the branch searched stays in the register
    assert (header, cells) == ("党员处置案件（未结案）", {branch.unit_id: "2（1）"})


def test_leaving_through_a_case_refuses_a_member_form_opened_before(db, reg, svc, branch):
    appraise(db, branch)
    mid = branch.members[4]
    form, read = reg.member_input(mid), reg.version_of("member", mid)
    case = svc.open_case(CaseInput(mid, K.UNQUALIFIED, D(2026, 2, 1)))
    svc.add_step(case, StepInput(Step.CORRECTION, D(2026, 2, 10), D(2026, 2, 20), deadline=D(2026, 5, 31)))
    svc.add_step(case, StepInput(Step.PERSUADED, D(2026, 6, 10), D(2026, 6, 20), note="经教育仍无转变"))
    assert reg.version_of("member", mid) == read  # the case's steps are not changes of the member's row
    svc.add_step(case, StepInput(Step.WITHDRAWN, D(2026, 7, 1), D(2026, 7, 8), note="本人递交退党申请"))
    form.note = "表单里的修改"
    with pytest.raises(ConcurrentChangeError, match=r"登记了出党（修改了离开日期）.*事由：出党：本人退党"):
        reg.save_member(form, mid, expected_version=read)
    assert reg.member_input(mid).note != "表单里的修改"
