"""The 提醒: alerts computed for a hand-built county match what a person would list by hand."""

import datetime as dt
import json

import frozen
import pytest
from leadership_support import meeting as life_meeting
from orglife_fixtures import TODAY, make_branch

from app import clock
from app.cli import main
from app.models import MemberStatus, OrgKind, OrgLifeKind, OrgPostKind
from app.services import alerts as A
from app.services.alerts import Alert, AlertService
from app.services.idcard import make_id
from app.services.leadership import TARGET_UNIT, LeadershipService
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.party_workers import CourseInput, PartyWorkerService, Person
from app.services.recruit import RecruitInput, RecruitService
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService, UnitInput
from app.services.study import MeetingInput, PlanInput, StudyService

K = OrgLifeKind


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: TODAY)


def held(db, b, kind, day, org=True, **kw):
    svc = OrgLifeService(db.session_factory, today=lambda: TODAY)
    kw.setdefault("attendance", [AttendanceInput(m) for m in b.members])
    return svc.save_record(RecordInput(kind, day, b.org_id if org else None, unit_id=b.unit_id, topic="主题",
                                       recorded_on=day, **kw))


def keep_everything(db, b):
    """Every requirement of October and November 2026 met (TODAY is 2026-11-25)."""
    for month in (10, 11):
        held(db, b, K.COMMITTEE_MEETING, dt.date(2026, month, 5),
             attendance=[AttendanceInput(m) for m in b.committee])
        held(db, b, K.THEME_DAY, dt.date(2026, month, 10))
    held(db, b, K.BRANCH_ASSEMBLY, dt.date(2026, 9, 10))  # the third quarter, the last one completed
    held(db, b, K.PARTY_LECTURE, dt.date(2026, 8, 10), lecturer="县委党校教师")
    held(db, b, K.CONTACT_POINT_VISIT, dt.date(2026, 9, 15), org=False)
    PartyWorkerService(db.session_factory, today=lambda: TODAY).add_training(  # 书记和班子成员: 56 学时
        CourseInput("全县基层党组织书记培训班", "县委组织部", dt.date(2026, 9, 1), dt.date(2026, 9, 7), "56"),
        [Person(m) for m in b.committee])
    LeadershipService(db.session_factory, today=lambda: TODAY).save(
        life_meeting(b.unit_id, dt.date(2026, 11, 10), deadline=dt.date(2026, 12, 31)))
    keep_study(db, b.unit_id)


def keep_study(db, unit_id):
    """The unit's 中心组 on pace (a meeting a month, a 专题研讨 a quarter) with its year plan."""
    svc = StudyService(db.session_factory, today=lambda: TODAY)
    svc.save_plan(unit_id, 2026, PlanInput(12, 4, "党的二十大精神", dt.date(2026, 1, 10)))
    for month in range(1, 11):
        seminar = month % 3 == 0
        svc.save_meeting(MeetingInput(unit_id, dt.date(2026, month, 8), "专题研讨" if seminar else "集中学习",
                                      f"学习{month}", "李明", 5 if seminar else 0, 7, 9))


@pytest.fixture
def county(db, reg):
    """Branch A keeps every rule; branch B (no community registration, a vacant post) keeps none."""
    a = make_branch(reg, "县财政局")
    keep_everything(db, a)
    b = make_branch(reg, "县教育局", size=4, committee=1, seq_base=300, registered=False)
    reg.save_post(PostInput(b.org_id, OrgPostKind.ORGANISATION, None, dt.date(2026, 5, 1)))  # vacant > 3 months
    return a, b


def alerts(db, today=TODAY):
    return AlertService(db.session_factory, today=lambda: today).alerts()


def test_a_branch_that_keeps_every_rule_has_no_alert(db, county):
    a, _ = county
    assert [x for x in alerts(db) if x.unit_id == a.unit_id] == []


def test_alerts_for_the_branch_that_keeps_none(db, county):
    _, b = county
    found = [x for x in alerts(db) if x.unit_id == b.unit_id]
    got = {(x.kind, x.target, x.message) for x in found}
    org = "中共示范县县教育局机关支部委员会"
    overdue = {
        ("vacancy", A.ORG, f"{org}：组织委员自2026年5月1日起空缺，超过3个月"),
        ("meeting_missing", A.ORG, f"{org}：2026年10月未开展主题党日"),  # last month
        ("meeting_missing", A.ORG, f"{org}：2026年第三季度未召开支部党员大会"),  # the last quarter
        ("meeting_missing", A.ORG, f"{org}：2026年第三季度未上党课"),
        ("meeting_missing", A.UNIT, "县教育局：2026年第三季度未到基层党建联系点调研"),
        ("dual_life_missing", A.MEMBER, "党员领导干部刘洋：2026年第三季度未参加所在支部组织生活（双重组织生活）"),
        ("study_behind", "study", "县教育局党组（党委）理论学习中心组2026年1至10月集中学习0次（全年至少12次），"
                                  "专题研讨0次（全年至少4次），按进度应分别达到10次、3次"),
        ("study_plan_missing", "study", "县教育局尚未制定2026年党组（党委）理论学习中心组学习计划（应于3月底前制定）"),
    }
    # November ends no quarter, half-year or year: only the monthly rules are pending this month.  The first
    # half-year's hearing and 2025's yearly rules ended more than three months ago: history, not alerts.
    pending = {
        ("meeting_missing", A.ORG, f"{org}：2026年11月尚未开展主题党日（11月30日前）"),
        *{("community_unregistered", A.MEMBER, f"在职党员{n}尚未到社区报到") for n in ("张伟", "王芳", "李娜", "刘洋")},
        ("training_short", "training_member", "县教育局机关支部书记张伟：今年集中培训0学时，低于56学时的要求，还差56学时"),
        ("lifemeeting_missing", TARGET_UNIT, "县教育局：2026年度民主生活会尚未召开（12月31日前）"),
    }
    assert got == overdue | pending
    assert {(x.kind, x.target, x.message) for x in found if x.overdue} == overdue


def test_terms_ending_and_overdue(db, reg):
    unit = reg.save_unit(UnitInput("县民政局"))
    old = reg.save_org(OrgInput(unit, "民政局第一支部", OrgKind.BRANCH, term_start=dt.date(2023, 1, 1)))
    soon = reg.save_org(OrgInput(unit, "民政局第二支部", OrgKind.BRANCH, term_start=dt.date(2023, 12, 20)))
    found = {(x.kind, x.target_id, x.due) for x in alerts(db) if x.kind.startswith("term_")}
    assert found == {("term_overdue", old, dt.date(2026, 1, 1)), ("term_ending", soon, dt.date(2026, 12, 20))}


def test_probation_due_within_thirty_days_or_past(db, reg):
    b = make_branch(reg, "县统计局", size=3, committee=1, seq_base=600)

    def probationer(name, joined, seq):
        return reg.save_member(MemberInput(b.org_id, name, MemberStatus.PROBATIONARY,
                                           id_number=make_id("430102", dt.date(1995, 1, 1), seq), joined_on=joined))

    past = probationer("甲", dt.date(2025, 10, 1), 611)
    soon = probationer("乙", dt.date(2025, 12, 20), 612)
    probationer("丙", dt.date(2025, 12, 26), 613)  # ends 2026-12-26: 31 days away
    found = {x.target_id: x for x in alerts(db) if x.kind == "probation_due"}
    assert set(found) == {past, soon}
    assert found[past].overdue and "已于2026年10月1日期满，尚未转正" in found[past].message
    assert not found[soon].overdue and found[soon].due == dt.date(2026, 12, 20)


def test_recruit_rule_alert_targets_the_recruit(db, reg):
    b = make_branch(reg, "县司法局", size=3, committee=1, seq_base=650)
    rid = RecruitService(db.session_factory, today=lambda: TODAY).create(RecruitInput(
        b.org_id, "林小梅", dt.date(1998, 4, 12), dt.date(2026, 10, 1)))
    found = [x for x in alerts(db) if x.kind == "recruit_rule"]
    assert [(x.target, x.target_id, x.overdue) for x in found] == [(A.RECRUIT, rid, True)]


def test_hearing_missing_in_the_half_years_last_month(db, county):
    found = [x for x in alerts(db, dt.date(2026, 12, 1)) if x.kind == "hearing_missing"]
    assert {x.subject for x in found} == {"县财政局", "县教育局"} and all(not x.overdue for x in found)


def test_rectification_source_extension_point(db, county):
    def overdue_items(session, today):
        return [Alert("rectification_overdue", "县教育局", "整改事项“支委空缺”已逾期", today - dt.timedelta(days=3),
                      A.RECTIFICATION, 7, None, True)]

    A.register_source("rectification_overdue", overdue_items)
    try:
        found = [x for x in alerts(db) if x.kind == "rectification_overdue"]
        assert [x.target_id for x in found] == [7]
        assert A.counts(alerts(db))["rectification_overdue"] == 1
    finally:
        A._SOURCES["rectification_overdue"].remove(overdue_items)  # the real 整改 source stays registered
    with pytest.raises(ValueError):
        A.register_source("no_such_kind", overdue_items)


def test_rectification_module_is_a_registered_source(db, county):
    alerts(db)
    assert "app.services.rectification" in A.SOURCE_MODULES
    assert [f.__name__ for f in A._SOURCES.get("rectification_overdue", [])] == ["overdue_alerts"]


def test_counts_list_every_kind(db, county):
    c = A.counts(alerts(db))
    assert list(c) == list(A.KINDS) and c["community_unregistered"] == 4 and c["probation_due"] == 0


def test_cli_alerts_json(paths, county, capsys):
    rc = main(["--data-dir", str(paths.data_dir), "alerts", "--json", "--date", "2026-11-25", "--kind", "vacancy"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out == [{"kind": "vacancy", "subject": "中共示范县县教育局机关支部委员会",
                    "message": "中共示范县县教育局机关支部委员会：组织委员自2026年5月1日起空缺，超过3个月", "due": None}]


def test_cli_alerts_text_and_bad_date(paths, county, capsys):
    assert main(["--data-dir", str(paths.data_dir), "alerts", "--date", "2026-11-25"]) == 0
    out = capsys.readouterr().out
    assert "提醒，共" in out and "支委空缺：1" in out and "【逾期】" in out
    assert main(["--data-dir", str(paths.data_dir), "alerts", "--date", "2026-13-01"]) == 2
    assert "日期格式应为YYYY-MM-DD" in capsys.readouterr().err


def test_cli_today_sets_the_day_of_one_run(paths, county, capsys):
    """`--today` moves the calendar of one command: the vacancy since 1 May is an alert in November, not in June,
    and the next command is back on the clock's day."""
    data = ["--data-dir", str(paths.data_dir)]
    assert main(["--today", "2026-11-25", *data, "alerts", "--json", "--kind", "vacancy"]) == 0
    november = json.loads(capsys.readouterr().out)
    assert [a["kind"] for a in november] == ["vacancy"] and "超过3个月" in november[0]["message"]
    assert main(["--today", "2026-06-01", *data, "alerts", "--json", "--kind", "vacancy"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert clock.today() == frozen.today()


def test_cli_today_refuses_a_day_that_does_not_exist(paths, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--today", "2027-02-29", "--data-dir", str(paths.data_dir), "alerts"])
    assert exit_.value.code == 2
    assert "日期应为YYYY-MM-DD" in capsys.readouterr().err
    assert clock.today() == frozen.today()


def test_cli_output_piped_into_a_reader_that_stops_early_is_no_error(paths, monkeypatch, capfd):
    """`dangjian alerts | head -2`: the reader closes the pipe; the command ends quietly with 0, no traceback."""
    import os

    import app.cli.orglife as alerts_command

    def reader_gone(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(alerts_command, "run_alerts", reader_gone)
    monkeypatch.setattr(os, "dup2", lambda fd, fd2: None)  # keep the test's own stdout where it is
    assert main(["--data-dir", str(paths.data_dir), "alerts"]) == 0
    assert capfd.readouterr().err == ""
