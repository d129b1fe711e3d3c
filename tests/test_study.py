"""党组（党委）理论学习中心组: the meeting and plan rules, the pace and its 提醒, the suggested deductions under 学习教育,
the audit entries; and the 责任清单's 三大责任制 (the January 提醒, the document grouped by 类别)."""

from __future__ import annotations

import datetime as dt

import pytest
from orglife_fixtures import make_branch
from reports_samples import check_gongwen, open_docx
from sqlalchemy import select

from app import settings as S
from app.errors import ValidationError
from app.models import AuditEntry, DutyCategory, StudyForm
from app.services import alerts as A
from app.services import scoring as scoring_module
from app.services import study
from app.services.annual.commitments import CommitmentService, DutyItemInput, DutyListInput, duty_alerts
from app.services.register import RegisterService
from app.services.study import MeetingInput, PlanInput, StudyService, judged_months, required_by

YEAR = 2025  # a year gone by under every `--today` the suite runs with
END = dt.date(YEAR, 12, 31)


@pytest.fixture
def units(db):
    reg = RegisterService(db.session_factory, today=lambda: END)
    return make_branch(reg, "县财政局").unit_id, make_branch(reg, "县教育局", seq_base=300).unit_id


@pytest.fixture
def svc(db):
    return StudyService(db.session_factory, actor="测试员", today=lambda: END)


def meeting(unit, month, day=10, form="集中学习", topic=None, speeches=0, present=7, total=9):
    return MeetingInput(unit, dt.date(YEAR, month, day), form, topic or f"{month}月学习党的二十大精神", "李明",
                        speeches, present, total)


def hold(svc, unit, months, seminars=()):
    for m in months:
        svc.save_meeting(meeting(unit, m, form="专题研讨" if m in seminars else "集中学习",
                                 speeches=5 if m in seminars else 0))


# ---------------------------------------------------------------------------------------------------------------
# pure rules


def test_the_pace_is_the_minimum_times_the_months_gone_by_rounded_down():
    assert [required_by(12, m) for m in (0, 1, 5, 12)] == [0, 1, 5, 12]
    assert [required_by(4, m) for m in (1, 2, 3, 5, 6, 11, 12)] == [0, 0, 1, 1, 2, 3, 4]
    assert judged_months(dt.date(2027, 1, 15)) == (2026, 12)  # January judges the year before
    assert judged_months(dt.date(2026, 7, 1)) == (2026, 6)


# ---------------------------------------------------------------------------------------------------------------
# meetings and plans: valid and refused


def test_a_meeting_is_saved_with_its_audit_entry_and_edits_are_audited(db, svc, units):
    unit, _ = units
    view = svc.save_meeting(meeting(unit, 3, form=StudyForm.SEMINAR, speeches=6))
    assert (view.form, view.speeches, view.attendance, view.unit) == (StudyForm.SEMINAR, 6, "7/9", "县财政局")
    svc.save_meeting(meeting(unit, 3, form=StudyForm.SEMINAR, speeches=8, present=9), view.id)
    with db.session_factory() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "study_meeting")).all()
    assert [(e.action, e.field) for e in entries] == [("新建", ""), ("修改", "speeches"), ("修改", "members_present")]
    assert entries[0].who == "测试员" and "中心组学习" in entries[0].reason
    svc.delete_meeting(view.id)
    assert svc.meetings(YEAR, unit) == []


def test_bad_meetings_are_refused_with_a_message_per_field(svc, units):
    unit, _ = units
    with pytest.raises(ValidationError) as err:
        svc.save_meeting(MeetingInput(None, None, "座谈会", "  ", "", -1, 3, 0))
    got = {p.field: p.message for p in err.value.problems}
    assert got == {"unit_id": "请选择单位", "form": "学习形式应为集中学习或专题研讨", "held_on": "请填写学习日期",
                   "topic": "请填写学习主题", "lecturer": "请填写主讲（领学）人", "members_total": "班子成员总数应为1至60人",
                   "speeches": "研讨发言人次应为0至200"}
    with pytest.raises(ValidationError, match="出席班子成员应为0至9人"):
        svc.save_meeting(meeting(unit, 4, present=10))
    with pytest.raises(ValidationError, match="专题研讨须登记研讨发言人次"):
        svc.save_meeting(meeting(unit, 4, form="专题研讨", speeches=0))
    with pytest.raises(ValidationError, match="学习日期不能晚于今天"):
        svc.save_meeting(MeetingInput(unit, END + dt.timedelta(days=1), "集中学习", "学习", "李明", 0, 5, 9))
    svc.save_meeting(meeting(unit, 4))
    with pytest.raises(ValidationError, match="已登记同一主题"):
        svc.save_meeting(meeting(unit, 4))


def test_the_plan_must_reach_the_county_minimum(db, svc, units):
    unit, _ = units
    with pytest.raises(ValidationError) as err:
        svc.save_plan(unit, YEAR, PlanInput(10, 2, "", dt.date(YEAR + 1, 1, 5)))
    got = {p.field: p.message for p in err.value.problems}
    assert got["planned_meetings"] == "计划集中学习次数应为12至100次（全县要求每年至少12次）"
    assert got["planned_seminars"] == "计划专题研讨次数应不少于4次（全县要求）"
    assert got["topics"] == "请填写学习专题（每行一个）" and got["made_on"] == f"制定日期应在{YEAR}年内（或上年12月）"
    with pytest.raises(ValidationError, match="不能多于计划集中学习次数"):
        svc.save_plan(unit, YEAR, PlanInput(12, 13, "主题教育"))
    plan = svc.save_plan(unit, YEAR, PlanInput(12, 4, " 党的二十大精神 \n\n主题教育", dt.date(YEAR, 1, 8)))
    assert plan.topics == ("党的二十大精神", "主题教育")
    svc.save_plan(unit, YEAR, PlanInput(14, 4, "党的二十大精神\n主题教育", dt.date(YEAR, 1, 8)))
    assert svc.plan(unit, YEAR).planned_meetings == 14
    with db.session_factory() as s:
        S.set_value(s, S.STUDY_MIN_MEETINGS, 15)
        s.commit()
    with pytest.raises(ValidationError, match="全县要求每年至少15次"):
        svc.save_plan(unit, YEAR, PlanInput(14, 4, "主题教育"))
    with db.session_factory() as s:
        assert [e.field for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "study_plan"))] == [
            "", "planned_meetings"]


# ---------------------------------------------------------------------------------------------------------------
# the pace, the 提醒 and the suggested deductions


def test_a_unit_behind_its_pace_is_an_alert_in_the_group_of_班子与干部(db, svc, units):
    on_pace, behind = units
    hold(svc, on_pace, range(1, 6), seminars=(3,))
    hold(svc, behind, (1, 2, 3))
    for unit in units:
        svc.save_plan(unit, YEAR, PlanInput(12, 4, "主题教育", dt.date(YEAR, 1, 8)))
    with db.session_factory() as s:
        found = study.study_alerts(s, dt.date(YEAR, 6, 3))  # judged: January to May
    assert [(a.kind, a.target, a.target_id, a.overdue) for a in found] == [
        ("study_behind", study.TARGET, behind, True)]
    assert found[0].message == ("县教育局党组（党委）理论学习中心组2025年1至5月集中学习3次（全年至少12次），专题研讨0次"
                                "（全年至少4次），按进度应分别达到5次、1次")
    assert "study_behind" in A.KIND_GROUPS["班子与干部"] and "study_plan_missing" in A.KIND_GROUPS["班子与干部"]
    with db.session_factory() as s:  # in January the whole year before is judged: the minimum itself
        january = study.study_alerts(s, dt.date(YEAR + 1, 1, 10))
    assert {a.subject for a in january if a.kind == "study_behind"} == {"县财政局", "县教育局"}
    assert any("未达到全年要求" in a.message for a in january)


def test_a_missing_plan_is_an_alert_from_its_month(db, svc, units):
    first, second = units
    svc.save_plan(first, YEAR, PlanInput(12, 4, "主题教育", dt.date(YEAR, 1, 8)))
    with db.session_factory() as s:
        assert [a for a in study.study_alerts(s, dt.date(YEAR, 2, 10)) if a.kind == "study_plan_missing"] == []
        in_march = [a for a in study.study_alerts(s, dt.date(YEAR, 3, 10)) if a.kind == "study_plan_missing"]
        in_april = [a for a in study.study_alerts(s, dt.date(YEAR, 4, 1)) if a.kind == "study_plan_missing"]
    assert [(a.target_id, a.overdue, a.due) for a in in_march] == [(second, False, dt.date(YEAR, 3, 31))]
    assert in_march[0].message == "县教育局尚未制定2025年党组（党委）理论学习中心组学习计划（应于3月底前制定）"
    assert [(a.target_id, a.overdue) for a in in_april] == [(second, True)]


def test_suggested_deductions_under_学习教育(db, svc, units):
    unit, other = units
    hold(svc, unit, (1, 4, 5), seminars=(5,))  # February and March missed; April and May catch up one
    svc.save_plan(other, YEAR, PlanInput(12, 4, "主题教育", dt.date(YEAR, 3, 20)))

    def offered(month):
        with db.session_factory() as s:
            found = study.suggestion_source(s, [unit, other], YEAR, month)
        return {u: {(x.indicator, x.source, x.occurrences) for x in found.get(u, [])} for u in (unit, other)}

    assert offered(1) == {unit: set(), other: {("study.monthly", "study:meetings", 1)}}
    assert offered(2)[unit] == {("study.monthly", "study:meetings", 1)}  # one meeting behind: once, in February
    assert offered(2)[other] == {("study.monthly", "study:meetings", 1)}  # the second behind, not the first again
    # March: the plan is due (the other unit made it on the 20th), the third meeting missed, the first 研讨 due
    assert offered(3)[unit] == {("study.plan", "study:plan", 1), ("study.monthly", "study:meetings", 1),
                                ("study.monthly", "study:seminars", 1)}
    assert offered(3)[other] == {("study.monthly", "study:meetings", 1), ("study.monthly", "study:seminars", 1)}
    assert offered(4)[unit] == {("study.plan", "study:plan", 1)}  # still two behind: not suggested again
    with db.session_factory() as s:
        [reason] = [x.reason for x in study.suggestion_source(s, [unit], YEAR, 3)[unit] if x.source == "study:seminars"]
    assert reason == "党组（党委）理论学习中心组截至3月专题研讨0次，未达到全年至少4次的进度（应1次）"
    assert scoring_module.study_source in scoring_module.SUGGESTION_SOURCES


def test_the_suggestions_land_on_the_monthly_form(db, svc, units):
    unit, _ = units
    scoring = scoring_module.ScoringService(db.session_factory, actor="测试员")
    pid = scoring.open_month(YEAR, 3).id
    sheet = next(sh for sh in scoring.sheets(pid) if sh.unit_id == unit)
    found = {x.source: x for x in scoring.suggestions(sheet.id)}
    assert found["study:plan"].indicator_name == "年度学习计划" and found["study:plan"].amount == 1
    assert found["study:meetings"].indicator_name == "每月集中学习" and found["study:meetings"].occurrences == 1


# ---------------------------------------------------------------------------------------------------------------
# 三大责任制 on the 责任清单


def test_suggested_duties_cover_the_three_systems_and_old_items_default_to_机关党建(db, units):
    unit, _ = units
    svc = CommitmentService(db.session_factory, actor="测试员", today=lambda: dt.date(YEAR, 1, 20))
    suggested = svc.suggested_duties(unit, YEAR)
    assert {i.category for i in suggested} == set(DutyCategory)
    view = svc.save_duty_list(unit, YEAR, DutyListInput([DutyItemInput("党组书记", "抓党建", "李明")]))
    assert view.items[0].category == DutyCategory.PARTY_BUILDING
    assert view.missing_categories == [DutyCategory.INTEGRITY, DutyCategory.IDEOLOGY]
    with pytest.raises(ValidationError, match="责任类别应为机关党建、党风廉政建设或意识形态"):
        svc.save_duty_list(unit, YEAR, DutyListInput([DutyItemInput("党组书记", "抓党建", category="纪检")]))


def test_a_list_missing_one_of_the_three_is_an_alert_in_january(db, units):
    full, partial = units
    svc = CommitmentService(db.session_factory, actor="测试员", today=lambda: dt.date(YEAR, 1, 20))
    svc.save_duty_list(full, YEAR, DutyListInput(svc.suggested_duties(full, YEAR)))
    svc.save_duty_list(partial, YEAR, DutyListInput([
        DutyItemInput("党组书记", "抓党建", "李明"),
        DutyItemInput("党组书记", "抓廉政", "李明", category=DutyCategory.INTEGRITY)]))
    with db.session_factory() as s:
        january = duty_alerts(s, dt.date(YEAR, 1, 20))
        march = duty_alerts(s, dt.date(YEAR, 3, 2))
        next_year = duty_alerts(s, dt.date(YEAR + 1, 1, 5))
    assert [(a.kind, a.target_id, a.due, a.overdue) for a in january] == [
        ("duty_categories_missing", partial, dt.date(YEAR, 1, 31), False)]
    assert january[0].message == ("县教育局2025年度党建工作责任清单缺少意识形态责任（须涵盖机关党建、党风廉政建设、"
                                  "意识形态“三大责任制”）")
    assert [a.overdue for a in march] == [True]
    assert next_year == []  # a new year's 清单 is judged on its own
    assert "duty_categories_missing" in A.KIND_GROUPS["班子与干部"]


def test_the_duty_list_document_groups_items_by_category(db, units, tmp_path):
    unit, _ = units
    svc = CommitmentService(db.session_factory, actor="测试员", today=lambda: dt.date(YEAR, 1, 20))
    items = [DutyItemInput("班子成员", "管好宣传阵地", "班子成员", category="意识形态"),
             DutyItemInput("党组书记", "履行第一责任人职责", "李明"),
             DutyItemInput("党组书记", "带头落实八项规定", "李明", category="党风廉政建设"),
             DutyItemInput("党组书记", "研究意识形态工作", "李明", category="意识形态")]
    svc.save_duty_list(unit, YEAR, DutyListInput(items, dt.date(YEAR, 1, 20)))
    name, data = svc.duty_list_document(unit, YEAR)
    check_gongwen(data, tmp_path, name=name)
    doc = open_docx(data)
    headings = [p.text for p in doc.paragraphs if p.text.startswith(("一、", "二、", "三、"))]
    assert headings == ["一、机关党建工作责任", "二、党风廉政建设责任", "三、意识形态工作责任"]
    tables = [[[c.text for c in r.cells] for r in t.rows[1:]] for t in doc.tables]
    assert [[row[3] for row in t] for t in tables] == [["履行第一责任人职责"], ["带头落实八项规定"],
                                                       ["研究意识形态工作", "管好宣传阵地"]]
    assert tables[2][0][:3] == ["1", "党组书记（第一责任人）", "李明"]
