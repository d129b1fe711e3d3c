"""约谈: candidates from the ranking, the person summoned from the register, validation, working-day deadlines,
recording the conversation (which opens the 整改), the notice and record documents."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from documents_support import UNITS, open_copy, score_month
from documents_support import built as built
from reports_samples import check_gongwen
from sqlalchemy import select

from app import settings as S
from app.errors import NotFoundError, ValidationError
from app.models import AuditEntry, InterviewPost, MemberStatus, OrgKind, OrgPostKind, RectificationStatus
from app.services.interview import (
    ConversationInput,
    InterviewInput,
    InterviewService,
    WorkCalendar,
    lines,
    names,
)
from app.services.rectification import RectificationService
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService

TODAY = dt.date(2026, 11, 10)  # the day of the meeting: a 约谈记录 is entered on or after it
MEETING = dt.datetime(2026, 11, 10, 9, 30)  # a Tuesday


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def service(county) -> InterviewService:
    return InterviewService(county.db.session_factory, actor="张敏", today=lambda: TODAY)


def conversation(**changes) -> ConversationInput:
    data = ConversationInput("指出支委会不按月召开、党组未专题研究党建等问题。", "诚恳接受批评，立即整改。",
                             "11月底前补开支委会\n党组专题研究党建工作")
    for k, v in changes.items():
        setattr(data, k, v)
    return data


def forestry_interview(service: InterviewService, when: dt.datetime | None = MEETING):
    made = service.create_for_candidates(2026, 10, scheduled_at=when)
    assert [v.unit for v in made] == ["县林业局"]
    view = made[0]
    if not view.interviewers:
        data = view.input()
        data.interviewers = "李明（县直机关工委书记）、王芳（县直机关工委副书记）"
        data.recorder = "张敏"
        view = service.update(view.id, data)
    return view


# --- working days --------------------------------------------------------------------------------------------------


def test_working_days_skip_weekends():
    cal = WorkCalendar()
    monday = dt.date(2026, 11, 2)
    assert cal.add(monday, 1) == dt.date(2026, 11, 3)
    assert cal.add(monday, 5) == dt.date(2026, 11, 9)
    assert cal.add(monday, 15) == dt.date(2026, 11, 23)
    friday = dt.date(2026, 11, 6)
    assert cal.add(friday, 1) == dt.date(2026, 11, 9)  # Saturday and Sunday do not count
    assert cal.between(monday, dt.date(2026, 11, 23)) == 15
    assert cal.between(monday, monday) == 0
    with pytest.raises(ValidationError):
        cal.add(monday, 0)


def test_holidays_and_adjusted_working_days():
    national_day = frozenset(dt.date(2026, 10, d) for d in range(1, 8))
    cal = WorkCalendar(national_day, frozenset({dt.date(2026, 10, 10)}))  # 调休: Saturday 10 October is worked
    assert cal.add(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert cal.add(dt.date(2026, 10, 9), 1) == dt.date(2026, 10, 10)
    assert cal.add(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)


def test_calendar_from_settings_refuses_bad_dates(county):
    with county.db.session() as s:
        S.set_value(s, S.HOLIDAYS, "2026-10-01，2026-10-02")
        assert WorkCalendar.from_settings(S.reader(s)).holidays == {dt.date(2026, 10, 1), dt.date(2026, 10, 2)}
        S.set_value(s, S.HOLIDAYS, "2026-10-01,十月二日")
        with pytest.raises(ValidationError, match="“十月二日”不是有效日期"):
            WorkCalendar.from_settings(S.reader(s))


# --- candidates and who is summoned ---------------------------------------------------------------------------------


def test_candidates_come_from_the_ranking_with_their_problems(service):
    [c] = service.candidates(2026, 10)
    assert (c.unit, c.rank, c.unit_count, c.tier, c.interview_id) == ("县林业局", 8, len(UNITS), "后进", None)
    assert c.reasons == ["处于后进档次且排名末位（第8名）", "连续2个月处于后进档次"]
    assert "支委会（每月）：两个支部未召开支委会（扣2.0分）" in c.problems
    assert any(p.startswith("党组专题研究党建") and "扣6.0分" in p for p in c.problems)
    assert len(c.problems) == 6


def test_interviewee_options_from_the_register(county, service):
    forestry = service.interviewee_options(county.unit("县林业局"))
    assert [(o.post, o.name) for o in forestry] == [
        (InterviewPost.PARTY_GROUP_SECRETARY, "周勇"), (InterviewPost.ORGAN_COMMITTEE_SECRETARY, "林书记")]
    finance = service.interviewee_options(county.unit("县财政局"))
    assert [(o.post.value, o.name, o.org) for o in finance][1] == ("支部书记", "财政书记", "中共县财政局机关支部委员会")
    assert finance[1].label == "支部书记：财政书记（中共县财政局机关支部委员会）"
    with pytest.raises(NotFoundError):
        service.interviewee_options(999)


def test_create_for_candidates_uses_register_and_settings(county, service):
    with county.db.session() as s:
        S.set_value(s, S.INTERVIEWERS, "李书记，王副书记")
        S.set_value(s, S.INTERVIEW_RECORDER, "张敏")
    [view] = service.create_for_candidates(2026, 10, scheduled_at=MEETING)
    assert (view.unit, view.interviewee_post, view.interviewee_name) == (
        "县林业局", InterviewPost.PARTY_GROUP_SECRETARY, "周勇")
    assert (view.place, view.interviewers, view.recorder) == ("县直机关工委会议室", "李书记、王副书记", "张敏")
    assert (view.rank, view.total, view.tier, view.status) == (8, view.total, "后进", "待约谈")
    assert view.notice_on == TODAY and view.deadline_working_days == 15
    assert service.create_for_candidates(2026, 10) == []  # once per unit and month
    assert service.candidates(2026, 10)[0].interview_id == view.id
    assert [v.id for v in service.interviews(2026, 10)] == [view.id]


def test_create_any_unit_of_the_month(county, service):
    data = InterviewInput("支部书记", "财政书记", reasons="连续两月材料报送迟缓", scheduled_at=MEETING)
    view = service.create(2026, 10, county.unit("县财政局"), data)
    assert (view.interviewee_post, view.rank, view.reasons) == (
        InterviewPost.BRANCH_SECRETARY, 1, ["连续两月材料报送迟缓"])
    with pytest.raises(ValidationError, match="已经建立"):
        service.create(2026, 10, county.unit("县财政局"), data)
    county.scoring.open_month(2026, 11)  # a draft: nothing reviewed yet
    with pytest.raises(ValidationError, match="约谈对象还不能确定"):
        service.create_for_candidates(2026, 11)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"interviewee_post": "局长"}, "interviewee_post", "党组书记、机关党委书记或支部书记"),
    ({"scheduled_at": dt.datetime(2026, 9, 30, 9, 0)}, "scheduled_at", "不能早于2026年10月"),
    ({"scheduled_at": dt.datetime(2028, 1, 5, 9, 0)}, "scheduled_at", "太远"),
    ({"scheduled_at": dt.date(2026, 11, 10)}, "scheduled_at", "日期和时刻"),
    ({"reasons": "", "problems": " \n "}, "reasons", "请填写约谈事由"),
    ({"place": "会" * 101}, "place", "不能超过100字"),
    ({"problems": "\n".join(f"问题{i}" for i in range(31))}, "problems", "最多30条"),
])
def test_bad_interview_input_is_refused(county, service, changes, field, message):
    view = forestry_interview(service)
    data = view.input()
    for k, v in changes.items():
        setattr(data, k, v)
    with pytest.raises(ValidationError) as err:
        service.update(view.id, data)
    assert message in "；".join(err.value.for_field(field))
    assert service.interview(view.id).place == view.place  # nothing saved


# --- recording the interview ---------------------------------------------------------------------------------------


def test_record_sets_a_working_day_deadline_and_opens_the_rectification(county, service):
    view = forestry_interview(service)
    held = service.record(view.id, conversation())
    assert held.held and held.status == "已约谈"
    assert held.deadline == dt.date(2026, 12, 1)  # 15 working days after Tuesday 10 November
    assert held.requirements == ["11月底前补开支委会", "党组专题研究党建工作"]
    items = RectificationService(county.db.session_factory, today=lambda: TODAY).items(unit_id=county.unit("县林业局"))
    assert len(items) == 6 and held.items == 6
    assert {(i.owner, i.deadline, i.status, i.source) for i in items} == {
        ("周勇", dt.date(2026, 12, 1), RectificationStatus.NOT_STARTED, "2026年10月约谈")}
    assert items[0].interview_id == view.id
    with county.db.session_factory() as s:
        created = s.scalars(select(AuditEntry).where(AuditEntry.entity == "rectification_item")).all()
    assert len(created) == 6 and {e.new for e in created} == {"未整改"}
    # Recording again (a correction) keeps the same 整改.
    again = service.record(view.id, conversation(statement="保证按期整改到位。"))
    assert again.rectification_id == held.rectification_id and again.items == 6


def test_deadline_from_settings_or_given(county, service):
    with county.db.session() as s:
        S.set_value(s, S.RECTIFY_WORKING_DAYS, 5)
        S.set_value(s, S.HOLIDAYS, "2026-11-13")
    view = forestry_interview(service)
    assert service.interview(view.id).deadline_working_days == 5
    held = service.record(view.id, conversation())
    assert held.deadline == dt.date(2026, 11, 18)  # 11, 12, (13 holiday), 16, 17, 18
    given = service.record(view.id, conversation(deadline=dt.date(2026, 11, 30)))
    assert (given.deadline, given.deadline_working_days) == (dt.date(2026, 11, 30), 13)
    assert service.default_deadline(dt.date(2026, 11, 10), 3) == dt.date(2026, 11, 16)


def test_recording_needs_time_people_and_content(service):
    view = forestry_interview(service, when=None)
    with pytest.raises(ValidationError) as err:
        service.record(view.id, ConversationInput("", " ", ""))
    fields = {p.field for p in err.value.problems}
    assert fields >= {"scheduled_at", "conversation", "statement", "requirements"}
    data = view.input()
    data.scheduled_at = MEETING
    service.update(view.id, data)
    with pytest.raises(ValidationError, match="整改时限应晚于约谈日期"):
        service.record(view.id, conversation(deadline=dt.date(2026, 11, 10)))
    with pytest.raises(ValidationError, match="1至120个工作日"):
        service.record(view.id, conversation(working_days=0))
    assert not service.interview(view.id).held


def test_delete_only_before_the_interview(service):
    view = forestry_interview(service)
    other = service.record(view.id, conversation())
    with pytest.raises(ValidationError, match="不能删除"):
        service.delete(other.id)
    data = other.input()
    data.scheduled_at = None
    with pytest.raises(ValidationError, match="必须保留约谈时间"):
        service.update(other.id, data)


def test_delete_an_interview_not_held(service):
    view = forestry_interview(service)
    service.delete(view.id)
    assert service.interviews(2026, 10) == []
    with pytest.raises(NotFoundError):
        service.interview(view.id)


def test_notice_addressed_to_the_organisation_of_the_person_summoned(county, service):
    forestry = county.unit("县林业局")
    register = RegisterService(county.db.session_factory)
    committee = next(i for i, name in register.orgs(forestry) if name == "中共县林业局机关委员会")
    branch = register.save_org(OrgInput(forestry, "中共县林业局机关第一支部委员会", OrgKind.BRANCH, parent_id=committee,
                                        term_start=dt.date(2024, 6, 1)))
    member = register.save_member(MemberInput(branch, "林支书", MemberStatus.FULL, joined_on=dt.date(2005, 7, 1),
                                              full_member_on=dt.date(2006, 7, 1)))
    register.save_post(PostInput(branch, OrgPostKind.SECRETARY, member, dt.date(2024, 6, 1)))
    view = forestry_interview(service)
    assert service.notice_content(view.id).addressee == "中共县林业局机关委员会"  # 党组书记: the unit's top organisation
    data = view.input()
    data.interviewee_post, data.interviewee_name, data.interviewee_member_id = "支部书记", "林支书", member
    service.update(view.id, data)
    assert service.notice_content(view.id).addressee == "中共县林业局机关第一支部委员会"  # the branch they lead


# --- documents ---------------------------------------------------------------------------------------------------


def paragraphs(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_notice_and_record_documents(county, service, tmp_path):
    view = forestry_interview(service)
    (notice_name, notice), (blank_name, blank) = service.documents(view.id)
    assert notice_name == "2026年10月约谈通知书（县林业局）.docx"
    assert blank_name == "2026年10月约谈记录（空白）（县林业局）.docx"
    text = paragraphs(notice)
    for expected in ("中共县林业局机关委员会：", "党组书记", "周勇", "2026年11月10日（星期二）上午9时30分",
                     "县直机关工委会议室", "四、约谈人：县直机关工委书记李明、县直机关工委副书记王芳", "排名第8位",
                     "两个支部未召开支委会"):
        assert expected in text
    check_gongwen(notice, tmp_path, name="notice.docx")
    assert "诚恳接受批评" not in paragraphs(blank)
    service.record(view.id, conversation())
    (_, _), (record_name, record) = service.documents(view.id)
    assert record_name == "2026年10月约谈记录（县林业局）.docx"
    text = paragraphs(record)
    for expected in ("诚恳接受批评，立即整改。", "1.11月底前补开支委会。", "15个工作日内，即2026年12月1日前", "张敏"):
        assert expected in text
    blank_again = service.record_content(view.id, blank=True)
    assert blank_again.conversation is None and blank_again.time == MEETING


def test_write_documents_for_the_month(county, service, tmp_path):
    written = service.write_documents(2026, 10, tmp_path)
    assert written.blank_units == ["县林业局"] and len(written.paths) == 2
    forestry_interview(service)
    written = service.write_documents(2026, 10, tmp_path / "二")
    assert written.blank_units == [] and len(written.paths) == 2
    score_month(county, 2026, 11, [], lock=True)
    with pytest.raises(ValidationError, match="没有约谈对象"):
        service.write_documents(2026, 11, tmp_path / "三")


def test_no_interview_documents_for_a_draft_month(county, service, tmp_path):
    period = score_month(county, 2026, 12, [(0, "org.dues", 4, "党费台账不全")], lock=False)
    county.scoring.set_reviewed(county.scoring.sheets(period)[1].id, False)  # one sheet back to 未复核: 草稿
    with pytest.raises(ValidationError, match="尚未全部复核"):
        service.write_documents(2026, 12, tmp_path / "草稿")
    assert not (tmp_path / "草稿").exists()


def test_text_helpers():
    assert lines(" 一\r\n\n 二 \n") == ["一", "二"]
    assert names("张三，李四 王五、、赵六") == ["张三", "李四", "王五", "赵六"]
