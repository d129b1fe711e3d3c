"""The one working-day calendar (app.services.workdays): China's 法定节假日 and 调休 from the library, the override
list in 设置 (checked and audited when saved), weekends only for a year nobody knows, and every deadline that
counts working days on it: the 整改 after a 约谈, the 反馈单's objection period, the 约谈's default time; a 约谈记录
is never entered before the interview."""

from __future__ import annotations

import datetime as dt
import io
import logging

import docx
import pytest
from documents_support import built as built
from documents_support import open_copy
from sqlalchemy import select

from app import settings as S
from app.errors import ValidationError
from app.models import AuditEntry
from app.services import workdays
from app.services.app_settings import SettingsService
from app.services.bulletin import BulletinService
from app.services.interview import ConversationInput, InterviewService
from app.services.workdays import LIBRARY_LAST_YEAR, WorkCalendar, coverage_note, parse_overrides

UNKNOWN = LIBRARY_LAST_YEAR + 1  # the first year the installed library has no notice for


def first_weekday(year: int, month: int, day: int, weekday: int) -> dt.date:
    d = dt.date(year, month, day)
    return d + dt.timedelta(days=(weekday - d.weekday()) % 7)


# --- the library's 2026 --------------------------------------------------------------------------------------------


def test_national_day_is_off_and_the_adjusted_saturday_is_worked():
    cal = WorkCalendar()
    assert not cal.is_working_day(dt.date(2026, 10, 1))
    assert cal.day_off(dt.date(2026, 10, 1)) == "国庆节假期"
    assert cal.day_off(dt.date(2026, 9, 25)) == "中秋节假期"  # a Friday
    assert cal.day_off(dt.date(2026, 11, 21)) == "星期六"
    saturday = dt.date(2026, 10, 10)  # 调休: worked in exchange for the 国庆 week
    assert saturday.weekday() == 5 and cal.is_working_day(saturday) and cal.adjusted_workday(saturday)
    assert cal.day_off(saturday) is None
    assert cal.add(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert cal.add(dt.date(2026, 10, 9), 1) == saturday


def test_fifteen_working_days_over_the_holidays():
    cal = WorkCalendar()
    # From Thursday 24 September: 中秋 (25-27) and 国庆 (1-7 October) are skipped, Saturday 10 October counts.
    assert cal.add(dt.date(2026, 9, 24), 15) == dt.date(2026, 10, 22)
    assert cal.between(dt.date(2026, 9, 24), dt.date(2026, 10, 22)) == 15
    weekends_only = WorkCalendar(library=False, holidays=frozenset({dt.date(2026, 9, 1)}))
    assert weekends_only.add(dt.date(2026, 10, 9), 15) == dt.date(2026, 10, 30)
    assert cal.add(dt.date(2026, 10, 9), 15) == dt.date(2026, 10, 29)


def test_the_question_names_the_holiday_or_the_weekday():
    cal = WorkCalendar()
    assert cal.question(dt.date(2026, 10, 1)) == "2026年10月1日是国庆节假期，仍要安排在这一天吗？"
    assert cal.question(dt.date(2026, 11, 22)) == "2026年11月22日是星期日，仍要安排在这一天吗？"
    assert cal.question(dt.date(2026, 10, 10)) is None
    named = WorkCalendar(frozenset({dt.date(UNKNOWN, 1, 1)}), names={dt.date(UNKNOWN, 1, 1): "元旦"})
    assert named.question(dt.date(UNKNOWN, 1, 1)) == f"{UNKNOWN}年1月1日是元旦假期，仍要安排在这一天吗？"


def test_default_time_is_the_next_working_day_at_nine():
    cal = WorkCalendar()
    assert cal.next_working_moment(dt.datetime(2026, 9, 30, 16, 0)) == dt.datetime(2026, 10, 8, 9, 0)
    friday = dt.datetime(2026, 11, 20, 10, 0)
    assert cal.next_working_moment(friday) == dt.datetime(2026, 11, 23, 9, 0)


# --- the override list and the unknown year ------------------------------------------------------------------------


def test_overrides_parse_names_and_ranges_and_refuse_nonsense():
    days = parse_overrides([f"{UNKNOWN}-01-01 元旦", f"{UNKNOWN}-10-01至{UNKNOWN}-10-07 国庆节"], True, "补充放假日期",
                           S.HOLIDAYS.key)
    assert len(days) == 8 and days[0].name == "元旦" and {d.name for d in days[1:]} == {"国庆节"}
    for bad, message in ((["十月一日"], "不是有效日期"), ([f"{UNKNOWN}-10-07至{UNKNOWN}-10-01"], "结束日期早于开始日期"),
                         ([f"{UNKNOWN}-01-01至{UNKNOWN + 1}-01-01"], "超过31天"), ([f"{UNKNOWN}-02-30"], "不是有效日期")):
        with pytest.raises(ValidationError, match=message) as err:
            parse_overrides(bad, True, "补充放假日期", S.HOLIDAYS.key)
        assert err.value.problems[0].field == S.HOLIDAYS.key


def test_an_override_wins_over_the_library():
    cal = WorkCalendar(frozenset({dt.date(2026, 11, 20)}), frozenset({dt.date(2026, 10, 2)}),
                       names={dt.date(2026, 11, 20): "本县补休"})
    assert cal.day_off(dt.date(2026, 11, 20)) == "本县补休假期"
    assert cal.is_working_day(dt.date(2026, 10, 2))
    assert WorkCalendar(frozenset({dt.date(2026, 11, 19)})).day_off(dt.date(2026, 11, 19)) == "放假日（设置中列出）"


def test_an_unknown_year_counts_weekends_only_and_says_so_once(caplog):
    workdays._warned_years.discard(UNKNOWN)
    cal = WorkCalendar()
    assert cal.weekends_only(UNKNOWN)
    monday = first_weekday(UNKNOWN, 1, 1, 0)
    with caplog.at_level(logging.WARNING, logger="app.services.workdays"):
        assert cal.add(monday, 5) == monday + dt.timedelta(days=7)  # never fails: Monday to Friday
        assert cal.is_working_day(dt.date(UNKNOWN, 10, 1)) == (dt.date(UNKNOWN, 10, 1).weekday() < 5)
    said = [r for r in caplog.records if "只按周末计算" in r.getMessage()]
    assert len(said) == 1 and f"{UNKNOWN}年" in said[0].getMessage()
    note = coverage_note(cal, dt.date(LIBRARY_LAST_YEAR, 11, 18))
    assert f"{UNKNOWN}年尚未收录" in note and "补充放假日期" in note
    covered = WorkCalendar(frozenset({dt.date(UNKNOWN, 1, 1)}))
    assert not covered.weekends_only(UNKNOWN) and coverage_note(covered, dt.date(LIBRARY_LAST_YEAR, 11, 18)) == ""


# --- the lists in 设置 ----------------------------------------------------------------------------------------------


def test_settings_check_the_lists_and_audit_the_change(db):
    service = SettingsService(db.session_factory)
    with pytest.raises(ValidationError) as err:
        service.save({S.HOLIDAYS.key: f"{UNKNOWN}-01-01 元旦，{UNKNOWN}-13-01"})
    assert err.value.problems[0].field == S.HOLIDAYS.key and f"“{UNKNOWN}-13-01”不是有效日期" in str(err.value)
    with pytest.raises(ValidationError, match="同时列为放假和上班"):
        service.save({S.HOLIDAYS.key: f"{UNKNOWN}-02-06", S.EXTRA_WORKDAYS.key: f"{UNKNOWN}-02-06"})
    assert service.value(S.HOLIDAYS) == []  # nothing saved
    service.save({S.HOLIDAYS.key: f"{UNKNOWN}-01-01 元旦", S.EXTRA_WORKDAYS.key: f"{UNKNOWN}-02-06"})
    with db.session() as s:
        cal = WorkCalendar.from_settings(S.reader(s))
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "setting").order_by(AuditEntry.seq)).all()
    assert cal.day_off(dt.date(UNKNOWN, 1, 1)) == "元旦假期" and cal.is_working_day(dt.date(UNKNOWN, 2, 6))
    assert [(e.action, e.field, e.new) for e in entries] == [
        ("修改", S.HOLIDAYS.key, f"{UNKNOWN}-01-01 元旦"), ("修改", S.EXTRA_WORKDAYS.key, f"{UNKNOWN}-02-06")]
    with pytest.raises(ValidationError, match="同时列为放假和上班"):  # checked against the list already stored
        service.save({S.EXTRA_WORKDAYS.key: f"{UNKNOWN}-01-01"})


# --- the deadlines and the record -------------------------------------------------------------------------------


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


def arranged(county, today: dt.date, when: dt.datetime) -> tuple[InterviewService, int]:
    service = InterviewService(county.db.session_factory, actor="张敏", today=lambda: today)
    [view] = service.create_for_candidates(2026, 10, scheduled_at=when)
    data = view.input()
    data.interviewers = "李明（县直机关工委书记）"
    service.update(view.id, data)
    return service, view.id


def test_a_record_is_not_entered_before_the_interview(county):
    service, interview_id = arranged(county, dt.date(2026, 11, 5), dt.datetime(2026, 11, 10, 9, 30))
    with pytest.raises(ValidationError, match="约谈安排在2026年11月10日，尚未进行，不能提前登记约谈记录") as err:
        service.record(interview_id, ConversationInput("谈话", "表态", "按期整改"))
    assert err.value.problems[0].field == "scheduled_at"
    assert not service.interview(interview_id).held
    on_the_day = InterviewService(county.db.session_factory, actor="张敏", today=lambda: dt.date(2026, 11, 10))
    assert on_the_day.record(interview_id, ConversationInput("谈话", "表态", "按期整改")).held


def test_the_rectification_deadline_counts_the_adjusted_saturday(county):
    friday = dt.datetime(2026, 10, 9, 15, 0)  # the next day, Saturday 10 October, is worked (调休)
    service, interview_id = arranged(county, dt.date(2026, 10, 9), friday)
    held = service.record(interview_id, ConversationInput("谈话", "表态", "按期整改"))
    assert (held.deadline, held.deadline_working_days) == (dt.date(2026, 10, 29), 15)  # weekends only: 30 October


def test_the_interview_service_proposes_and_asks(county):
    service = InterviewService(county.db.session_factory, today=lambda: dt.date(2026, 9, 30))
    assert service.default_time() == dt.datetime(2026, 10, 8, 9, 0)
    assert service.day_question(dt.datetime(2026, 10, 1, 9, 0)) == "2026年10月1日是国庆节假期，仍要安排在这一天吗？"
    assert service.day_question(dt.date(2026, 10, 8)) is None
    with county.db.session() as s:
        S.set_value(s, S.HOLIDAYS, "2026-10-08 本县补休")
        s.commit()
    assert service.default_time() == dt.datetime(2026, 10, 9, 9, 0)


def test_the_feedback_sheet_names_the_last_day_for_objections(county, tmp_path):
    with county.db.session() as s:
        S.set_value(s, S.HOLIDAYS, "2026-11-06 本县补休")
        s.commit()
    service = BulletinService(county.db.session_factory, actor="张敏", today=lambda: dt.date(2026, 11, 5))
    [sheet] = service.feedback_contents(2026, 10, unit_ids=[county.unit_ids[0]])
    # Thursday 5 November + 5 working days, Friday 6 November off: 9, 10, 11, 12, 13 November.
    assert (sheet.objection_days, sheet.objection_until) == (5, dt.date(2026, 11, 13))
    [path] = service.write_feedback(2026, 10, tmp_path, unit_ids=[county.unit_ids[0]])
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "请最迟于2026年11月13日（本反馈单印发后5个工作日内）向县直机关工委书面反映" in text
