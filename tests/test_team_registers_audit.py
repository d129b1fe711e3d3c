"""The 队伍建设 registers (民主生活会, 中心组学习, 党务干部与培训, 问责) in the register trail: what their services write is
audited as the register is, and `audit verify` names in Chinese any of their records changed, added or deleted in
the database file behind the app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from frozen import today
from leadership_support import Clock, meeting
from orglife_fixtures import make_branch
from sqlalchemy import select, text

from app.db import Database
from app.models import AuditEntry, WorkerRole
from app.models.accountability import AccountabilityKind, PartyPost
from app.services.accountability import AccountabilityInput, AccountabilityService
from app.services.audit import verify
from app.services.leadership import LeadershipService
from app.services.party_workers import CourseInput, PartyWorkerService, Person, WorkerInput
from app.services.register import RegisterService
from app.services.register_audit import ENTITIES, readable_entity, readable_field
from app.services.study import MeetingInput, PlanInput, StudyService

DAY = today()
EARLIER = DAY - dt.timedelta(days=40)
TEAM_TABLES = ("leadership_meeting", "leadership_criticism", "study_meeting", "study_plan", "party_worker",
               "training_record", "accountability")


@dataclass
class Made:
    unit_id: int
    meeting: int
    study: int
    plan: int
    worker: int
    spare_worker: int
    training: int
    accountability: int
    secretary: int  # the branch's 书记, a member


def findings(db: Database) -> list[str]:
    return [f.message for f in verify(db.session_factory).findings]


def sql(db: Database, statement: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def made(db: Database) -> Made:
    """One record of each register, written, edited and partly deleted through the services."""
    clock = Clock(DAY)
    branch = make_branch(RegisterService(db.session_factory, today=clock))
    unit = branch.unit_id
    life = LeadershipService(db.session_factory, actor="测试员", today=clock)
    m = life.save(meeting(unit, EARLIER))
    edited = meeting(unit, EARLIER, problems=0)
    edited.topic = "改过的主题"
    life.save(edited, m.id)  # the 批评意见 replaced: the old ones deleted, new ones added
    gone = life.save(meeting(unit, EARLIER - dt.timedelta(days=1), problems=0))
    life.delete(gone.id)

    study = StudyService(db.session_factory, actor="测试员", today=clock)
    sm = study.save_meeting(MeetingInput(unit, EARLIER, "集中学习", "学习党的二十大精神", "李明", 0, 7, 9))
    study.save_meeting(MeetingInput(unit, EARLIER, "专题研讨", "学习党的二十大精神", "李明", 5, 8, 9), sm.id)
    plan = study.save_plan(unit, DAY.year, PlanInput(12, 4, "专题一\n专题二", None, ""))
    study.save_plan(unit, DAY.year, PlanInput(14, 4, "专题一\n专题二", None, ""))
    extra = study.save_meeting(MeetingInput(unit, EARLIER, "集中学习", "另一个主题", "李明", 0, 7, 9))
    study.delete_meeting(extra.id)

    workers = PartyWorkerService(db.session_factory, today=clock, actor="测试员")
    w = workers.save_worker(WorkerInput(unit, WorkerRole.PART_TIME, name="周敏", start_on=EARLIER))
    workers.save_worker(WorkerInput(unit, WorkerRole.FULL_TIME, name="周敏", start_on=EARLIER), w)
    spare = workers.save_worker(WorkerInput(unit, WorkerRole.ORGANISER, name="吴刚", start_on=EARLIER))
    course = CourseInput("全县党务干部培训班", "县委组织部", EARLIER, EARLIER + dt.timedelta(days=4), "32")
    [training, other] = workers.add_training(course, [Person(member_id=branch.members[0]), Person(worker_id=w)])
    workers.save_training(training, CourseInput("全县党务干部培训班", "县委组织部", EARLIER,
                                                EARLIER + dt.timedelta(days=4), "36.5"), Person(member_id=branch.members[0]))
    workers.delete_training(other)

    acc = AccountabilityService(db.session_factory, today=clock, actor="测试员")
    data = AccountabilityInput(unit, PartyPost.PARTY_GROUP_SECRETARY, AccountabilityKind.CRITICISM, EARLIER,
                               "中共示范县直属机关工作委员会", "党建工作考评排名靠后，予以批评教育。", person_name="李明")
    a = acc.save(data)
    data.kind = AccountabilityKind.CIRCULATED
    acc.save(data, a)
    data.kind, data.decided_on = AccountabilityKind.ADMONISHMENT, EARLIER - dt.timedelta(days=3)
    acc.delete(acc.save(data), "误录")
    return Made(unit, m.id, sm.id, plan.id, w, spare, training, a, branch.members[0])


def test_the_registers_are_audited_entities_named_in_chinese() -> None:
    for table in TEAM_TABLES:
        assert table in ENTITIES
        assert readable_entity(table) != table
        for column in ENTITIES[table].__table__.columns:
            if column.key not in ("id", "created_at", "updated_at"):
                label = readable_field(table, column.key)
                assert label != column.key and not label.isascii(), (table, column.key)


def test_what_the_services_write_verifies_and_is_in_the_register_form(db, made) -> None:
    assert findings(db) == []
    with db.session() as s:
        rows = s.execute(select(AuditEntry.entity, AuditEntry.action, AuditEntry.field, AuditEntry.old,
                                AuditEntry.new, AuditEntry.reason)
                         .where(AuditEntry.entity.in_(TEAM_TABLES)).order_by(AuditEntry.seq)).all()
    actions = {(r.entity, r.action) for r in rows}
    for table in ("leadership_meeting", "leadership_criticism", "study_meeting", "training_record",
                  "accountability"):
        assert {(table, "新建"), (table, "删除")} <= actions, table
    # A change is one entry per column, old and new as text.
    assert ("accountability", "修改", "kind", "批评教育", "通报批评") in {r[:5] for r in rows}
    assert ("training_record", "修改", "hours", "32.0", "36.5") in {r[:5] for r in rows}
    assert ("study_plan", "修改", "planned_meetings", "12", "14") in {r[:5] for r in rows}
    assert ("party_worker", "修改", "role", "兼职党务干部", "专职党务干部") in {r[:5] for r in rows}
    assert ("leadership_meeting", "修改", "topic") in {r[:3] for r in rows}
    assert any(r.entity == "accountability" and r.action == "删除" and r.reason == "误录" for r in rows)
    # No entry of the old kinds (a summary text where a snapshot belongs) is left to confuse the check.
    for r in rows:
        if r.field == "" and r.action == "新建":
            assert r.new.startswith("{"), r


@pytest.mark.parametrize(("table", "which", "column", "value", "words"), [
    ("leadership_meeting", "meeting", "opinions_solicited", 99, ["民主生活会", "会前征求意见（条）为“99”"]),
    ("study_meeting", "study", "members_present", 3, ["中心组学习记录", "班子成员出席人数为“3”"]),
    ("study_plan", "plan", "planned_meetings", 2, ["中心组学习计划", "计划学习次数为“2”"]),
    ("party_worker", "worker", "end_on", DAY.isoformat(), ["党务干部周敏", "离任日期"]),
    ("training_record", "training", "hours", 800, ["党务干部培训记录", "学时为“80.0”，审计日志记录为“36.5”"]),
    ("accountability", "accountability", "kind", "诫勉", ["问责记录", "问责方式为“诫勉”，审计日志记录为“通报批评”"]),
])
def test_a_record_changed_in_the_file_is_named(db, made, table, which, column, value, words) -> None:
    sql(db, f"UPDATE {table} SET {column} = :v WHERE id = :id", v=value, id=getattr(made, which))
    [message] = findings(db)
    assert "数据库被绕过程序修改" in message
    for w in words:
        assert w in message, message


def test_a_criticism_changed_in_the_file_is_named(db, made) -> None:
    sql(db, "UPDATE leadership_criticism SET content = '删改过的批评意见' WHERE id = "
            "(SELECT min(id) FROM leadership_criticism WHERE meeting_id = :m)", m=made.meeting)
    [message] = findings(db)
    assert "民主生活会记录" in message and "自我批评" in message and "的批评意见为“删改过的批评意见”" in message


# (table, the copy's columns that must differ from the original's: unique keys)
COPIES = [("leadership_meeting", "meeting", {"rectification_id": None}, "民主生活会"),
          ("study_meeting", "study", {"topic": "补录的学习"}, "中心组学习记录"),
          ("study_plan", "plan", {"year": DAY.year + 1}, "中心组学习计划"),
          ("party_worker", "worker", {}, "党务干部"),
          ("training_record", "training", {}, "党务干部培训记录"),
          ("accountability", "accountability", {}, "问责记录")]


@pytest.mark.parametrize(("table", "which", "changes", "label"), COPIES)
def test_a_record_added_in_the_file_is_named(db, made, table, which, changes, label) -> None:
    cols = [c.key for c in ENTITIES[table].__table__.columns if c.key != "id"]
    picked = ", ".join(f":{c}" if c in changes else c for c in cols)
    sql(db, f"INSERT INTO {table} ({', '.join(cols)}) SELECT {picked} FROM {table} WHERE id = :id",
        id=getattr(made, which), **changes)
    [message] = findings(db)
    assert label in message and "没有审计记录（绕过程序写入数据库）" in message, message


@pytest.mark.parametrize(("table", "which", "label"), [
    ("study_meeting", "study", "中心组学习记录"), ("study_plan", "plan", "中心组学习计划"),
    ("party_worker", "spare_worker", "党务干部吴刚"), ("training_record", "training", "党务干部培训记录"),
    ("accountability", "accountability", "问责记录")])
def test_a_record_deleted_in_the_file_is_named(db, made, table, which, label) -> None:
    sql(db, f"DELETE FROM {table} WHERE id = :id", id=getattr(made, which))
    [message] = findings(db)
    assert label in message and "在数据库中已不存在（被绕过程序删除）" in message, message


def test_a_meeting_deleted_in_the_file_is_named_with_its_criticisms(db, made) -> None:
    sql(db, "DELETE FROM leadership_criticism WHERE meeting_id = :m", m=made.meeting)
    sql(db, "DELETE FROM leadership_meeting WHERE id = :m", m=made.meeting)
    found = findings(db)
    assert any("民主生活会记录" in f and f"编号{made.meeting}" in f and "被绕过程序删除" in f for f in found)
    assert sum("批评（编号" in f and "被绕过程序删除" in f for f in found) == 5  # 3 自我批评 and 2 相互批评


def test_an_entry_names_whom_it_is_about_when_the_name_comes_from_the_register(db, made) -> None:
    acc = AccountabilityService(db.session_factory, today=Clock(DAY), actor="测试员")
    rid = acc.save(AccountabilityInput(made.unit_id, PartyPost.BRANCH_SECRETARY, AccountabilityKind.CIRCULATED,
                                       EARLIER, "中共示范县直属机关工作委员会", "支部委员会连续三个月未按期召开。",
                                       member_id=made.secretary))
    workers = PartyWorkerService(db.session_factory, today=Clock(DAY), actor="测试员")
    wid = workers.save_worker(WorkerInput(made.unit_id, WorkerRole.PART_TIME, member_id=made.secretary,
                                          start_on=EARLIER))
    with db.session() as s:
        name = s.scalar(text("SELECT name FROM member WHERE id = :i"), {"i": made.secretary})
        reasons = {(e.entity, e.entity_id): e.reason for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "新建", AuditEntry.entity.in_(TEAM_TABLES)))}
    assert reasons[("accountability", rid)] == f"问责：{name}"
    assert reasons[("party_worker", wid)] == f"党务干部{name}"
    assert findings(db) == []
