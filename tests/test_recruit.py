"""发展党员: each pipeline rule refused with its message; the 党员 created at 预备 keeps its history."""

import datetime as dt

import pytest
from orglife_fixtures import TODAY, make_branch

from app import settings as S
from app.errors import NotFoundError, ValidationError
from app.models import MemberStatus, RecruitStageKind, ReviewResult
from app.services import recruit as R
from app.services.idcard import make_id
from app.services.recruit import RecruitInput, RecruitService
from app.services.register import RegisterService

Stage = RecruitStageKind
BORN = dt.date(1998, 4, 12)


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg):
    return make_branch(reg)


def service(db, today=TODAY):
    return RecruitService(db.session_factory, today=lambda: today)


@pytest.fixture
def svc(db):
    return service(db)


def applicant(branch, applied=dt.date(2023, 3, 1), born=BORN, seq=801, **kw):
    return RecruitInput(branch.org_id, "林小梅", None, applied, id_number=make_id("430102", born, seq), **kw)


def message(exc, field=None):
    return "；".join(p.message for p in exc.value.problems if field is None or p.field == field)


def to_candidate(svc, branch, applied=dt.date(2023, 3, 1)):
    rid = svc.create(applicant(branch, applied))
    svc.record_talk(rid, applied + dt.timedelta(days=20))
    svc.make_activist(rid, dt.date(2023, 5, 1), "王芳、李娜")
    svc.make_candidate(rid, dt.date(2024, 5, 1))
    return rid


def ready_for_branch_meeting(svc, branch):
    rid = to_candidate(svc, branch)
    svc.record_review(rid, ReviewResult.PASSED, dt.date(2024, 6, 1))
    svc.record_training(rid, 24)
    svc.set_sponsors(rid, branch.members[1], branch.members[2])
    svc.record_publicity(rid, dt.date(2024, 6, 10), dt.date(2024, 6, 16))
    return rid


def test_applicant_must_be_18(svc, branch):
    with pytest.raises(ValidationError) as exc:
        svc.create(applicant(branch, applied=dt.date(2016, 4, 11)))  # one day short of 18
    assert message(exc, "applied_on") == "递交入党申请时应年满18周岁（林小梅当时17周岁）"
    rid = svc.create(applicant(branch, applied=dt.date(2016, 4, 12)))
    assert svc.detail(rid).birth_date == BORN  # taken from the 身份证号


def test_talk_within_a_month(svc, branch):
    rid = svc.create(applicant(branch))
    with pytest.raises(ValidationError) as exc:
        svc.record_talk(rid, dt.date(2023, 4, 2))
    assert message(exc) == "应在收到入党申请书后1个月内谈话（最迟2023年4月1日）"
    svc.record_talk(rid, dt.date(2023, 4, 1))


def test_activist_needs_talk_and_contacts(svc, branch):
    rid = svc.create(applicant(branch))
    with pytest.raises(ValidationError) as exc:
        svc.make_activist(rid, dt.date(2023, 5, 1), "王芳")
    assert message(exc) == "尚未与申请人谈话，不能确定为入党积极分子"
    svc.record_talk(rid, dt.date(2023, 3, 10))
    with pytest.raises(ValidationError) as exc:
        svc.make_activist(rid, dt.date(2023, 5, 1), " ")
    assert "培养联系人" in message(exc)


def test_activist_at_least_a_year_before_candidate(svc, branch):
    rid = svc.create(applicant(branch))
    svc.record_talk(rid, dt.date(2023, 3, 10))
    svc.make_activist(rid, dt.date(2023, 5, 1), "王芳、李娜")
    with pytest.raises(ValidationError) as exc:
        svc.make_candidate(rid, dt.date(2024, 4, 30))
    assert message(exc) == "入党积极分子培养教育不满1年（2023年5月1日确定），最早2024年5月1日方可列为发展对象"
    svc.make_candidate(rid, dt.date(2024, 5, 1))


def test_stages_in_order(svc, branch):
    rid = svc.create(applicant(branch))
    with pytest.raises(ValidationError) as exc:
        svc.make_candidate(rid, dt.date(2024, 5, 1))
    assert message(exc) == "林小梅现为入党申请人，只有入党积极分子才能列为发展对象"


def test_no_probation_without_passed_review_training_sponsors_publicity(svc, branch):
    rid = to_candidate(svc, branch)
    with pytest.raises(ValidationError) as exc:
        svc.admit(rid, dt.date(2024, 7, 1), 8)
    fields = {p.field: p.message for p in exc.value.problems}
    assert fields["review_result"] == "政治审查未通过或尚未审查，不能接收为预备党员"
    assert fields["training_hours"] == "集中培训0学时，不足24学时"
    assert fields["sponsors"] == "须有两名正式党员作入党介绍人"
    assert fields["publicity_to"] == "发展对象须经公示"
    svc.record_review(rid, ReviewResult.FAILED, dt.date(2024, 6, 1))
    with pytest.raises(ValidationError) as exc:
        svc.admit(rid, dt.date(2024, 7, 1), 8)
    assert "政治审查未通过" in message(exc, "review_result")


def test_sponsors_must_be_two_full_members(svc, reg, branch):
    rid = to_candidate(svc, branch)
    with pytest.raises(ValidationError) as exc:
        svc.set_sponsors(rid, branch.members[1], branch.members[1])
    assert message(exc) == "入党介绍人应为两名不同的正式党员"


def test_branch_vote_needs_more_than_half_of_full_members(svc, branch):
    rid = ready_for_branch_meeting(svc, branch)
    with pytest.raises(ValidationError) as exc:
        svc.admit(rid, dt.date(2024, 7, 1), 4, 3, 1)  # 8 full members: 4 is exactly half
    assert message(exc) == "赞成票4张，未超过应到会有表决权的正式党员8名的半数，不能接收为预备党员"
    with pytest.raises(ValidationError) as exc:
        svc.admit(rid, dt.date(2024, 6, 16), 7)
    assert "公示期满" in message(exc)
    svc.admit(rid, dt.date(2024, 7, 1), 5, 3)


def test_approval_within_three_months_creates_the_member(svc, reg, branch):
    rid = ready_for_branch_meeting(svc, branch)
    svc.admit(rid, dt.date(2024, 7, 1), 7, 1)
    with pytest.raises(ValidationError) as exc:
        svc.approve(rid, dt.date(2024, 10, 2))
    assert message(exc) == "党委应在支部大会后3个月内审批（最迟2024年10月1日）"
    member_id = svc.approve(rid, dt.date(2024, 10, 1))
    m = reg.member_input(member_id)
    assert (m.name, m.status, m.joined_on, m.org_id) == ("林小梅", MemberStatus.PROBATIONARY, dt.date(2024, 7, 1), branch.org_id)
    d = svc.detail(rid)
    assert d.stage == Stage.PROBATIONARY and d.member_id == member_id and d.probation_ends == dt.date(2025, 7, 1)
    assert [h.stage for h in d.history] == [Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY]
    assert svc.recruit_of_member(member_id) == rid


def test_probation_one_year_and_extension_six_to_twelve(svc, reg, branch):
    rid = ready_for_branch_meeting(svc, branch)
    svc.admit(rid, dt.date(2024, 7, 1), 7)
    member_id = svc.approve(rid, dt.date(2024, 8, 1))
    with pytest.raises(ValidationError) as exc:
        svc.make_full(rid, dt.date(2025, 6, 30))
    assert message(exc) == "预备期未满，2025年7月1日期满后方可转正"
    with pytest.raises(ValidationError) as exc:
        svc.extend_probation(rid, 5)
    assert message(exc) == "延长预备期应为6至12个月"
    svc.extend_probation(rid, 6)
    with pytest.raises(ValidationError) as exc:
        svc.make_full(rid, dt.date(2025, 7, 1))
    assert "2026年1月1日期满" in message(exc)
    svc.make_full(rid, dt.date(2026, 1, 1))
    m = reg.member_input(member_id)
    assert (m.status, m.full_member_on, m.probation_extension_months) == (MemberStatus.FULL, dt.date(2026, 1, 1), 6)
    assert svc.detail(rid).history[-1].stage == Stage.FULL
    with pytest.raises(ValidationError):
        svc.delete(rid)  # a 党员 came from it: the history stays


def test_member_creation_problem_rolls_everything_back(db, svc, reg, branch):
    rid = ready_for_branch_meeting(svc, branch)
    svc.admit(rid, dt.date(2024, 7, 1), 7)
    with db.session() as s:  # the register now refuses the 身份证号 (someone registered it meanwhile)
        from app.models import Member, Recruit
        other = s.get(Member, branch.members[0])
        other.id_number, s.get(Recruit, rid).id_number = s.get(Recruit, rid).id_number, other.id_number
    with pytest.raises(ValidationError) as exc:
        svc.approve(rid, dt.date(2024, 8, 1))
    assert message(exc).startswith("登记为党员时：")
    d = svc.detail(rid)
    assert d.stage == Stage.CANDIDATE and d.member_id is None and d.approved_on is None


def test_settings_change_the_limits(db, svc, branch):
    with db.session() as s:
        S.set_value(s, S.RECRUIT_TRAINING_HOURS, 30)
    rid = ready_for_branch_meeting(svc, branch)
    with pytest.raises(ValidationError) as exc:
        svc.admit(rid, dt.date(2024, 7, 1), 7)
    assert message(exc) == "集中培训24学时，不足30学时"


def test_rows_counts_and_next_step(svc, branch):
    a = svc.create(applicant(branch, applied=dt.date(2026, 11, 10)))
    rows = svc.rows()
    assert [r.id for r in rows] == [a] and rows[0].next_step == "谈话（2026-12-10前）"
    assert svc.counts()[Stage.APPLICANT] == 1 and svc.counts()[Stage.FULL] == 0
    with pytest.raises(NotFoundError):
        svc.detail(999)


def test_rule_findings_talk_and_approval_deadlines(db, svc, branch):
    late_talk = svc.create(applicant(branch, applied=dt.date(2026, 10, 1), seq=811))
    soon_talk = svc.create(applicant(branch, applied=dt.date(2026, 11, 1), seq=812))
    svc.create(applicant(branch, applied=dt.date(2026, 11, 20), seq=813))  # a month left: no alert yet
    with db.session() as s:
        found = {f.recruit_id: f for f in R.rule_findings(s, TODAY)}
    assert set(found) == {late_talk, soon_talk}
    assert found[late_talk].overdue and found[late_talk].message == "入党申请人林小梅已超过1个月未谈话（期限2026-11-01）"
    assert not found[soon_talk].overdue and found[soon_talk].due == dt.date(2026, 12, 1)
