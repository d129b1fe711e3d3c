"""支部书记 and 党务干部: training hours of the year, the yearly minimum (56 for 书记和班子成员, 32 for the others; settings),
the alert from October, someone who changed post mid-year, batch entry of one course, and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from orglife_fixtures import make_branch
from sqlalchemy import select

from app import settings as S
from app.errors import ValidationError
from app.models import AuditEntry, OrgPostKind, WorkerRole
from app.services import alerts as A
from app.services.party_workers import (
    CourseInput,
    PartyWorkerService,
    Person,
    WorkerInput,
    register_hooks,
    roster,
    short_alerts,
    training_hours,
)
from app.services.register import PostInput, RegisterService

YEAR = 2026
NOV = dt.date(YEAR, 11, 25)


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
def clock() -> Clock:
    return Clock(NOV)


@pytest.fixture
def reg(db, clock):
    return RegisterService(db.session_factory, today=clock)


@pytest.fixture
def svc(db, clock):
    return PartyWorkerService(db.session_factory, today=clock, actor="张敏")


@pytest.fixture
def branch(reg):
    # members[0] 书记, [1] 组织委员, [2] 宣传委员 since 2024-06-01; 8 members
    return make_branch(reg)


def course(name="全县基层党组织书记培训班", start=dt.date(YEAR, 9, 1), end=dt.date(YEAR, 9, 5), hours="40", **kw):
    return CourseInput(name, kw.pop("organiser", "县委组织部"), start, end, hours, **kw)


def messages(exc) -> list[str]:
    return [p.message for p in exc.value.problems]


def test_training_hours_count_concentrated_courses_of_the_year(db, svc, branch):
    sec, org = branch.committee[0], branch.committee[1]
    svc.add_training(course(), [Person(sec), Person(org)])
    svc.add_training(course("党务知识网络学习", hours="20", concentrated=False), [Person(sec)])
    svc.add_training(course("县委党校秋季班", dt.date(YEAR, 10, 12), dt.date(YEAR, 10, 13), "15.5"), [Person(sec)])
    svc.add_training(course("上年培训班", dt.date(YEAR - 1, 12, 28), dt.date(YEAR - 1, 12, 30), "16"), [Person(sec)])
    with db.session_factory() as s:
        assert training_hours(s, YEAR) == {sec: Decimal("55.5"), org: Decimal("40.0")}
        assert training_hours(s, YEAR, [org]) == {org: Decimal("40.0")}
        assert training_hours(s, YEAR - 1) == {sec: Decimal("16.0")}
        assert training_hours(s, YEAR, []) == {}


def test_minimum_56_for_committee_and_32_for_other_workers(svc, branch):
    plain = branch.members[4]
    svc.save_worker(WorkerInput(branch.unit_id, WorkerRole.PART_TIME, member_id=plain, start_on=dt.date(2025, 1, 1)))
    svc.add_training(course(hours="40"), [Person(branch.committee[0]), Person(plain)])
    rows = {r.member_id: r for r in svc.roster(YEAR)}
    sec = rows[branch.committee[0]]
    assert (sec.minimum, sec.hours, sec.short, sec.missing) == (Decimal("56"), Decimal("40.0"), True, Decimal("16.0"))
    assert sec.roles[0].startswith("支部书记")
    worker = rows[plain]
    assert (worker.minimum, worker.short, worker.roles[0][:6]) == (Decimal("32"), False, "兼职党务干部")
    assert set(rows) == {*branch.committee, plain}  # the 书记 and 委员 come from the post history, never typed


def test_minimums_follow_the_settings(db, svc, branch):
    svc.add_training(course(hours="40"), [Person(branch.committee[0])])
    with db.session_factory() as s, s.begin():
        S.set_value(s, S.TRAINING_MIN_LEADERSHIP, "40")
    assert not [r for r in svc.roster(YEAR) if r.member_id == branch.committee[0]][0].short


def test_alert_from_the_settings_month_to_the_year_end(db, svc, branch, clock):
    register_hooks()
    svc.add_training(course(hours="40"), [Person(m) for m in branch.committee])
    with db.session_factory() as s:
        assert short_alerts(s, dt.date(YEAR, 9, 30)) == []
        alerts = short_alerts(s, dt.date(YEAR, 10, 1))
    assert len(alerts) == 3 and {a.kind for a in alerts} == {"training_short"}
    first = alerts[0]
    assert "低于56学时" in first.message and "还差16学时" in first.message
    assert first.due == dt.date(YEAR, 12, 31) and first.target == "training_member"
    with db.session_factory() as s, s.begin():
        S.set_value(s, S.TRAINING_ALERT_MONTH, 9)
    with db.session_factory() as s:
        assert len(short_alerts(s, dt.date(YEAR, 9, 1))) == 3
        assert short_alerts(s, dt.date(YEAR, 8, 31)) == []
    clock.day = NOV
    assert "training_short" in A.KIND_LABELS and "training_short" in A.KIND_GROUPS["班子与干部"]
    assert any(a.kind == "training_short" for a in A.AlertService(db.session_factory, today=clock).alerts())


def test_someone_who_changed_post_is_held_to_the_post_of_the_check_day(db, reg, svc, branch):
    sec, plain = branch.committee[0], branch.members[5]
    with db.session_factory() as s:
        from app.models import OrgPost
        post_id = s.scalar(select(OrgPost.id).where(OrgPost.member_id == sec))
    reg.end_post(post_id, dt.date(YEAR, 6, 30))  # stood down as 书记 in June
    reg.save_post(PostInput(branch.org_id, OrgPostKind.SECRETARY, plain, dt.date(YEAR, 7, 1)))
    svc.add_training(course(hours="40"), [Person(sec), Person(plain)])
    rows = {r.member_id: r for r in svc.roster(YEAR)}
    assert rows[sec].minimum == Decimal("32") and not rows[sec].in_post and not rows[sec].short
    assert "2026.06" in rows[sec].roles[0]  # the post held, with its span
    assert rows[plain].minimum == Decimal("56") and rows[plain].short
    with db.session_factory() as s:
        shorts = {a.target_id for a in short_alerts(s, NOV)}
    assert plain in shorts and sec not in shorts
    # a past year is checked on its last day: in 2025 the old secretary was in post
    assert {r.member_id: r.minimum for r in svc.roster(YEAR - 1)}[sec] == Decimal("56")
    # the 提醒's short list is the roster's short lines, titles and roles included
    with db.session_factory() as s:
        assert roster(s, YEAR, NOV, short_only=True) == [r for r in roster(s, YEAR, NOV) if r.short]


def test_batch_entry_one_course_for_many_people(db, svc, branch):
    outsider = svc.save_worker(WorkerInput(branch.unit_id, WorkerRole.ORGANISER, name="郑组织员",
                                           start_on=dt.date(2025, 3, 1)))
    people = [Person(m) for m in branch.committee] + [Person(worker_id=outsider)]
    ids = svc.add_training(course(), people)
    assert len(ids) == 4
    views = svc.trainings(YEAR)
    assert {v.name for v in views} >= {"郑组织员"} and {v.hours for v in views} == {Decimal("40.0")}
    assert {r.name: r.hours for r in svc.roster(YEAR)}["郑组织员"] == Decimal("40.0")
    with pytest.raises(ValidationError) as exc:  # the same class again: nothing written
        svc.add_training(course(), [Person(branch.members[6]), Person(branch.committee[0])])
    assert any("已登记过这次培训" in m for m in messages(exc))
    assert len(svc.trainings(YEAR)) == 4
    with db.session_factory() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "training_record")).all()
    assert len(entries) == 4 and all(e.action == "新建" and e.who == "张敏" for e in entries)


@pytest.mark.parametrize("change, expected", [
    ({"hours": "四十"}, "学时须为数字"),
    ({"hours": "0"}, "学时须大于0"),
    ({"hours": "12.25"}, "学时最多保留一位小数"),
    ({"hours": "80", "start": dt.date(YEAR, 9, 1), "end": dt.date(YEAR, 9, 2)}, "最多计16学时"),
    ({"start": dt.date(YEAR, 9, 5), "end": dt.date(YEAR, 9, 1)}, "结束日期不能早于开始日期"),
    ({"start": NOV, "end": NOV + dt.timedelta(days=2)}, "结束日期不能晚于今天"),
    ({"name": " "}, "请填写培训班（课程）名称"),
])
def test_bad_courses_are_refused_with_a_message(svc, branch, change, expected):
    with pytest.raises(ValidationError) as exc:
        svc.add_training(course(**change), [Person(branch.committee[0])])
    assert any(expected in m for m in messages(exc))
    assert svc.trainings(YEAR) == []


def test_nobody_chosen_or_twice_is_refused(svc, branch):
    with pytest.raises(ValidationError) as exc:
        svc.add_training(course(), [])
    assert messages(exc) == ["请至少选择一名参训人员"]
    with pytest.raises(ValidationError) as exc:
        svc.add_training(course(), [Person(branch.committee[0]), Person(branch.committee[0])])
    assert any("重复选择" in m for m in messages(exc))


def test_edit_and_delete_are_audited(db, svc, branch):
    [rid] = svc.add_training(course(), [Person(branch.committee[0])])
    data = svc.training(rid).course_input()
    data.hours = "32"
    svc.save_training(rid, data, Person(branch.committee[0]))
    assert svc.training(rid).hours == Decimal("32.0")
    svc.delete_training(rid)
    with db.session_factory() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.field, AuditEntry.old, AuditEntry.new)
                         .where(AuditEntry.entity == "training_record").order_by(AuditEntry.seq)).all()
    assert [r[0] for r in rows] == ["新建", "修改", "删除"]
    assert rows[1][1:] == ("hours", "40.0", "32.0")


def test_a_roster_row_with_training_cannot_be_deleted(svc, branch):
    wid = svc.save_worker(WorkerInput(branch.unit_id, WorkerRole.FULL_TIME, name="钱专干", start_on=dt.date(2025, 1, 1)))
    svc.add_training(course(), [Person(worker_id=wid)])
    with pytest.raises(ValidationError, match="已有培训记录"):
        svc.delete_worker(wid)
    with pytest.raises(ValidationError) as exc:
        svc.save_worker(WorkerInput(branch.unit_id, None, name="", start_on=None))
    assert set(messages(exc)) >= {"请选择职务（组织员、专职或兼职党务干部）", "请选择党员或填写姓名", "请填写任职日期"}
