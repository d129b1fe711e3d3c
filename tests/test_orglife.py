"""Organisation-life records: what the service accepts and refuses, with the messages users see."""

import datetime as dt

import pytest
from orglife_fixtures import TODAY, make_branch

from app.errors import NotFoundError, ValidationError
from app.models import AppraisalGrade, OrgLifeKind
from app.services.orglife import AttendanceInput, OrgLifeService, RecordFilter, RecordInput, has_quorum
from app.services.register import RegisterService

K = OrgLifeKind


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def svc(db):
    return OrgLifeService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg):
    return make_branch(reg)


def everyone(branch, absent=()):
    return [AttendanceInput(m, m not in absent, "出差" if m in absent else "") for m in branch.members]


def record(branch, kind=K.THEME_DAY, held=dt.date(2026, 10, 15), **kw):
    kw.setdefault("attendance", everyone(branch))
    return RecordInput(kind, held, branch.org_id, topic=kw.pop("topic", "学习党的二十届四中全会精神"), **kw)


def messages(exc):
    return [p.message for p in exc.value.problems]


def test_record_saved_with_unit_and_attendance(svc, branch):
    rid = svc.save_record(record(branch, attendance=everyone(branch, absent={branch.members[5]})))
    saved = svc.record_input(rid)
    assert saved.unit_id == branch.unit_id
    assert saved.recorded_on == TODAY  # entered today by default
    assert [a.absence_reason for a in saved.attendance if not a.present] == ["出差"]
    row = svc.record_rows([rid])[0]
    assert (row.present, row.absent, row.org_name) == (7, 1, "中共示范县县财政局机关支部委员会")
    assert row.late  # held 2026-10-15, recorded 2026-11-25


def test_absence_needs_a_reason(svc, branch):
    data = record(branch)
    data.attendance[2] = AttendanceInput(branch.members[2], present=False)
    with pytest.raises(ValidationError) as exc:
        svc.save_record(data)
    assert "王芳" not in messages(exc)[0] and "缺席，请填写缺席原因" in messages(exc)[0]


def test_dates_checked(svc, branch):
    with pytest.raises(ValidationError) as exc:
        svc.save_record(record(branch, held=TODAY + dt.timedelta(days=1)))
    assert "召开日期不能晚于今天" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        svc.save_record(record(branch, held=dt.date(2026, 10, 15), recorded_on=dt.date(2026, 10, 14)))
    assert "登记日期不能早于召开日期" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        svc.save_record(record(branch, held=dt.date(2009, 1, 5)))
    assert "成立日期" in messages(exc)[0]


def test_topic_and_org_required(svc, branch):
    with pytest.raises(ValidationError) as exc:
        svc.save_record(RecordInput(K.THEME_DAY, dt.date(2026, 10, 15), None, topic=" "))
    assert {p.field for p in exc.value.problems} >= {"org_id", "topic"}


def test_someone_must_attend_a_meeting(svc, branch):
    with pytest.raises(ValidationError) as exc:
        svc.save_record(record(branch, attendance=[]))
    assert "主题党日须登记至少一名出席党员" in messages(exc)


def test_stranger_and_duplicate_in_attendance_refused(svc, reg, branch):
    other = make_branch(reg, "县教育局", size=3, committee=1, seq_base=300)
    data = record(branch)
    data.attendance.append(AttendanceInput(other.members[0]))
    data.attendance.append(AttendanceInput(branch.members[0]))
    with pytest.raises(ValidationError) as exc:
        svc.save_record(data)
    text = "；".join(messages(exc))
    assert "不是本组织在册党员" in text and "重复出现" in text


def test_committee_quorum_more_than_half(svc, reg, branch):
    c = branch.committee  # 3 in office: 2 present is a quorum, 1 is not
    ok = record(branch, K.COMMITTEE_MEETING, attendance=[AttendanceInput(c[0]), AttendanceInput(c[1]),
                                                          AttendanceInput(c[2], False, "病假")])
    assert svc.save_record(ok)
    bad = record(branch, K.COMMITTEE_MEETING, attendance=[AttendanceInput(c[0]), AttendanceInput(c[1], False, "病假"),
                                                           AttendanceInput(c[2], False, "出差")])
    with pytest.raises(ValidationError) as exc:
        svc.save_record(bad)
    assert "出席支委1名，未超过在任支委3名的半数，支委会不足法定人数" in messages(exc)


def test_committee_quorum_exactly_half_is_not_enough(svc, reg):
    b = make_branch(reg, "县审计局", size=8, committee=4, seq_base=500)
    c = b.committee
    half = [AttendanceInput(c[0]), AttendanceInput(c[1]), AttendanceInput(c[2], False, "出差"),
            AttendanceInput(c[3], False, "出差")] + [AttendanceInput(m) for m in b.members[4:]]
    with pytest.raises(ValidationError) as exc:
        svc.save_record(RecordInput(K.COMMITTEE_MEETING, dt.date(2026, 10, 9), b.org_id, topic="研究发展党员", attendance=half))
    assert "出席支委2名，未超过在任支委4名的半数" in messages(exc)[0]  # non-committee members do not count
    assert not has_quorum(2, 4) and has_quorum(3, 4) and has_quorum(2, 3) and not has_quorum(0, 0)


def test_committee_meeting_needs_a_committee(svc, reg):
    b = make_branch(reg, "县档案馆", size=4, committee=0, seq_base=700)
    with pytest.raises(ValidationError) as exc:
        svc.save_record(record(b, K.COMMITTEE_MEETING))
    assert "没有在任支部委员" in messages(exc)[0]


def test_appraisal_grades_every_present_member(svc, branch):
    data = record(branch, K.DEMOCRATIC_APPRAISAL, held=dt.date(2026, 1, 20))
    for a in data.attendance[1:]:
        a.grade = AppraisalGrade.QUALIFIED
    with pytest.raises(ValidationError) as exc:
        svc.save_record(data)
    assert "民主评议党员须为张伟评定等次（优秀、合格、基本合格、不合格）" in messages(exc)
    data.attendance[0].grade = AppraisalGrade.EXCELLENT
    rid = svc.save_record(data)
    assert svc.grades_of(rid) == {"优秀": 1, "合格": 7, "基本合格": 0, "不合格": 0}


def test_grade_only_on_appraisal(svc, branch):
    data = record(branch)
    data.attendance[0].grade = AppraisalGrade.EXCELLENT
    with pytest.raises(ValidationError) as exc:
        svc.save_record(data)
    assert "只有民主评议党员才登记评议等次" in messages(exc)


def test_lecture_needs_lecturer_and_knows_the_secretary(svc, branch):
    with pytest.raises(ValidationError) as exc:
        svc.save_record(record(branch, K.PARTY_LECTURE))
    assert "党课须填写主讲人" in messages(exc)
    rid = svc.save_record(record(branch, K.PARTY_LECTURE, lecturer_member_id=branch.committee[0]))
    assert svc.record_input(rid).lecturer == "张伟"


def test_unit_hearing_needs_unit_not_branch(svc, branch):
    rid = svc.save_record(RecordInput(K.LEADERSHIP_HEARING, dt.date(2026, 6, 20), unit_id=branch.unit_id,
                                      topic="听取机关党委上半年工作汇报"))
    assert svc.record_input(rid).org_id is None
    with pytest.raises(ValidationError) as exc:
        svc.save_record(RecordInput(K.LEADERSHIP_HEARING, dt.date(2026, 6, 20), topic="汇报"))
    assert "党组听取机关党委汇报须选择单位" in messages(exc)


def test_save_records_all_or_nothing_with_line_numbers(svc, branch):
    good = record(branch, held=dt.date(2026, 11, 3))
    bad = record(branch, K.COMMITTEE_MEETING, held=dt.date(2026, 11, 5), attendance=[])
    with pytest.raises(ValidationError) as exc:
        svc.save_records([good, bad])
    assert exc.value.problems[0].row == 2
    assert svc.record_ids() == []
    ids = svc.save_records([good, record(branch, K.GROUP_MEETING, held=dt.date(2026, 11, 6))])
    assert len(ids) == 2


def test_filter_and_delete(svc, branch):
    a = svc.save_record(record(branch, held=dt.date(2026, 10, 15)))
    b = svc.save_record(record(branch, K.GROUP_MEETING, held=dt.date(2026, 11, 3)))
    assert svc.record_ids() == [b, a]  # newest first
    assert svc.record_ids(RecordFilter(kind=K.GROUP_MEETING)) == [b]
    assert svc.record_ids(RecordFilter(year=2026, month=10)) == [a]
    assert svc.record_ids(RecordFilter(org_id=branch.org_id, text="四中全会")) == [b, a]
    svc.delete_record(a)
    assert svc.record_ids() == [b]
    with pytest.raises(NotFoundError):
        svc.delete_record(a)


def test_edit_replaces_attendance(svc, branch):
    rid = svc.save_record(record(branch))
    data = svc.record_input(rid)
    data.attendance = data.attendance[:3]
    data.topic = "改后的主题"
    svc.save_record(data, rid)
    again = svc.record_input(rid)
    assert (again.topic, len(again.attendance)) == ("改后的主题", 3)


def test_roster_committee_first_and_by_date(svc, reg, branch):
    roster = svc.roster(branch.org_id, dt.date(2026, 10, 1))
    assert [r.post for r in roster[:3]] == ["书记", "组织委员", "宣传委员"]
    assert len(roster) == 8 and roster[-1].post == ""
    # A member who moved out after the meeting date still belongs on that day's list, not on today's.
    reg.transfer_member(branch.members[4], dt.date(2026, 11, 1), None, external_org="市直机关某支部")
    assert len(svc.roster(branch.org_id, dt.date(2026, 10, 1))) == 8
    assert len(svc.roster(branch.org_id, dt.date(2026, 11, 2))) == 7
