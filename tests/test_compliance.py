"""Compliance rules at their edges: windows, the quarter's last day, who a rule applies to, late records."""

import datetime as dt
from decimal import Decimal

import pytest
from orglife_fixtures import TODAY, make_branch

from app import settings as S
from app.errors import ValidationError
from app.models import OrgLifeKind
from app.services import compliance as C
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
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


def hold(svc, branch, kind, held, late=False, **kw):
    """A record entered the day after (or 20 days after when `late`)."""
    recorded = held + dt.timedelta(days=20 if late else 1)
    kw.setdefault("attendance", [AttendanceInput(m) for m in branch.members])
    org = None if kind in (K.LEADERSHIP_HEARING, K.CONTACT_POINT_VISIT) else branch.org_id
    return svc.save_record(RecordInput(kind, held, org, unit_id=branch.unit_id, topic="主题", recorded_on=recorded, **kw))


def judge(db, year, month, **kw):
    with db.session() as s:
        return C.evaluate(s, year, month, **kw)


def gaps(db, year, month, **kw):
    return {(f.rule, f.status) for f in judge(db, year, month, **kw)}


def test_monthly_theme_day_missing_then_met(db, svc, branch):
    found = [f for f in judge(db, 2026, 10) if f.rule == "theme_day"]
    assert len(found) == 1 and found[0].status == C.MISSING and found[0].source == "gap"
    assert found[0].message == "2026年10月未开展主题党日" and found[0].subject.endswith("机关支部委员会")
    rid = hold(svc, branch, K.THEME_DAY, dt.date(2026, 10, 31))  # the month's last day counts
    ok = [f for f in judge(db, 2026, 10, include_ok=True) if f.rule == "theme_day"]
    assert ok[0].status == C.OK and ok[0].source == f"record:{rid}"


def test_quarterly_assembly_on_the_quarters_last_day_counts(db, svc, branch):
    assert ("assembly", C.MISSING) not in gaps(db, 2026, 8)  # judged only in the quarter's last month
    assert ("assembly", C.MISSING) in gaps(db, 2026, 9)
    hold(svc, branch, K.BRANCH_ASSEMBLY, dt.date(2026, 9, 30))
    assert ("assembly", C.MISSING) not in gaps(db, 2026, 9)


def test_quarterly_meeting_the_day_after_the_quarter_does_not_count(db, svc, branch):
    hold(svc, branch, K.BRANCH_ASSEMBLY, dt.date(2026, 10, 1))
    assert ("assembly", C.MISSING) in gaps(db, 2026, 9)
    hold(svc, branch, K.BRANCH_ASSEMBLY, dt.date(2026, 7, 1))  # the quarter's first day counts too
    assert ("assembly", C.MISSING) not in gaps(db, 2026, 9)


def test_window_lengths_are_settings(db, svc, branch):
    with db.session() as s:
        S.set_value(s, S.EVERY_ASSEMBLY, 1)
    assert ("assembly", C.MISSING) in gaps(db, 2026, 8)


def test_committee_meeting_only_where_there_is_a_committee(db, reg):
    small = make_branch(reg, "县档案馆", size=4, committee=1, seq_base=700)
    with_committee = make_branch(reg, "县审计局", size=8, committee=3, seq_base=500)
    orgs = {f.org_id for f in judge(db, 2026, 10) if f.rule == "committee_meeting"}
    assert orgs == {with_committee.org_id}
    assert small.org_id not in orgs


def test_group_meeting_only_for_branches_big_enough(db, branch):
    assert ("group_meeting", C.MISSING) not in gaps(db, 2026, 10)  # 8 members < 10
    with db.session() as s:
        S.set_value(s, S.GROUP_MIN_MEMBERS, 8)
    assert ("group_meeting", C.MISSING) in gaps(db, 2026, 10)


def test_leader_lecture_yearly_only_by_secretary_or_leader(db, svc, branch):
    hold(svc, branch, K.PARTY_LECTURE, dt.date(2025, 12, 3), lecturer_member_id=branch.members[4])
    assert ("leader_lecture", C.MISSING) in gaps(db, 2025, 12)
    assert ("lecture", C.MISSING) not in gaps(db, 2025, 12)  # any lecturer does for the quarterly 党课
    hold(svc, branch, K.PARTY_LECTURE, dt.date(2025, 3, 3), lecturer_member_id=branch.committee[0])
    assert ("leader_lecture", C.MISSING) not in gaps(db, 2025, 12)


def test_hearing_half_yearly_per_unit(db, svc, branch):
    found = [f for f in judge(db, 2026, 6) if f.rule == "hearing"]
    assert found[0].org_id is None and found[0].subject == "县财政局" and found[0].message == "2026年上半年未由党组听取机关党委工作汇报"
    hold(svc, branch, K.LEADERSHIP_HEARING, dt.date(2026, 1, 10))
    hold(svc, branch, K.LEADERSHIP_HEARING, dt.date(2025, 3, 10))
    assert ("hearing", C.MISSING) not in gaps(db, 2026, 6)
    assert ("hearing", C.MISSING) in gaps(db, 2025, 12)  # a hearing covers its own half-year only


def test_dual_life_leader_must_attend_own_branch(db, svc, branch):
    leader = branch.leader
    others = [AttendanceInput(m) for m in branch.members if m != leader] + [AttendanceInput(leader, False, "公务")]
    hold(svc, branch, K.THEME_DAY, dt.date(2026, 8, 20), attendance=others)
    found = [f for f in judge(db, 2026, 9) if f.rule == "dual_life"]
    assert [(f.member_id, f.message) for f in found] == [(leader, "2026年第三季度未参加所在支部组织生活（双重组织生活）")]
    hold(svc, branch, K.THEME_DAY, dt.date(2026, 9, 20))
    assert ("dual_life", C.MISSING) not in gaps(db, 2026, 9)


def test_late_record_is_found_with_its_source(db, svc, branch):
    rid = hold(svc, branch, K.THEME_DAY, dt.date(2026, 10, 9), late=True)
    late = [f for f in judge(db, 2026, 10) if f.status == C.LATE]
    assert len(late) == 1 and late[0].source == f"record:{rid}" and late[0].indicator == "life.record_late"
    assert "2026-10-29才登记" in late[0].message
    assert ("theme_day", C.MISSING) not in gaps(db, 2026, 10)  # held all the same


def test_as_of_ignores_what_was_recorded_later(db, svc, branch):
    hold(svc, branch, K.THEME_DAY, dt.date(2026, 10, 9), late=True)  # recorded 2026-10-29
    assert ("theme_day", C.MISSING) in gaps(db, 2026, 10, as_of=dt.date(2026, 10, 20))
    assert ("theme_day", C.MISSING) not in gaps(db, 2026, 10, as_of=dt.date(2026, 10, 29))


def test_community_registration_is_a_standing_finding(db, reg):
    b = make_branch(reg, "县水利局", size=3, committee=1, seq_base=900, registered=False)
    found = [f for f in judge(db, 2026, 10) if f.rule == "community"]
    assert {f.member_id for f in found} == set(b.members)
    assert not [f for f in judge(db, 2026, 10, include_state=False) if f.rule == "community"]


def test_suggestions_for_a_unit(db, svc, reg, branch):
    other = make_branch(reg, "县教育局", size=3, committee=1, seq_base=300)
    hold(svc, branch, K.THEME_DAY, dt.date(2026, 10, 9), late=True)
    with db.session() as s:
        sug = C.suggestions_for(s, branch.unit_id, 2026, 10)
    assert all(x.org_id != other.org_id for x in sug)
    by_code = {x.indicator: x for x in sug}
    assert by_code["life.committee_meeting"].points == Decimal("1")
    assert by_code["life.committee_meeting"].reason.endswith("2026年10月未召开支委会")
    assert by_code["life.record_late"].record_id is not None
    assert len({x.source for x in sug}) == len(sug)  # each suggestion has its own stable source


def test_monthly_rates(db, svc, branch):
    for m in (1, 2, 3):
        hold(svc, branch, K.THEME_DAY, dt.date(2026, m, 10))
    with db.session() as s:
        rates = C.monthly_rates(s, 2026, [1, 2])
        assert [r.month for r in rates] == [1, 2]
        assert rates[0].met == 1 and rates[0].required > rates[0].met
        with pytest.raises(ValidationError):
            C.evaluate(s, 2026, 13)


def test_window_helpers():
    assert C.window_of(2026, 11, 3) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert C.window_label(*C.window_of(2026, 5, 3)) == "2026年第二季度"
    assert C.window_label(*C.window_of(2026, 8, 6)) == "2026年下半年"
    assert C.window_label(*C.window_of(2026, 8, 12)) == "2026年度"
    assert C.window_label(*C.window_of(2026, 5, 4)) == "2026年5—8月"
    assert C.window_of(2026, 12, 5) == (dt.date(2026, 11, 1), dt.date(2026, 12, 31))  # the last window is shorter


def test_missed_recruit_time_limit_is_a_finding_in_its_month(db, branch):
    from app.services.recruit import RecruitInput, RecruitService

    rid = RecruitService(db.session_factory, today=lambda: TODAY).create(
        RecruitInput(branch.org_id, "林小梅", dt.date(1998, 4, 12), dt.date(2026, 9, 10)))
    found = [f for f in judge(db, 2026, 10) if f.rule == "recruit_rule"]
    assert [(f.recruit_id, f.indicator, f.message) for f in found] == [
        (rid, "org.recruit", "入党申请人林小梅未在1个月内谈话（期限2026-10-10）")]
    assert f"r{rid}" in found[0].key
    assert not [f for f in judge(db, 2026, 9) + judge(db, 2026, 11) if f.rule == "recruit_rule"]
