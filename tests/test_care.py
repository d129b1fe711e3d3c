"""党内激励、关怀、帮扶: the rules of 表彰, 关怀对象 and visits; the circumstances masked, role-gated and every view
audited; the 提醒 of visits overdue and before the festivals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from ui_fixtures import Sample, seed_register

from app import settings as S
from app.db import Database
from app.errors import PermissionDenied, ValidationError
from app.models import AuditEntry, CareCircumstance, HonorKind, OrgKind, Role, VisitForm
from app.models.orglife import OrgLifeKind
from app.services import accounts
from app.services import alerts as A
from app.services.accounts import Actor, acting_as
from app.services.care import (
    CareService,
    HonorInput,
    SubjectInput,
    SubjectRow,
    VisitInput,
    care_alerts,
    spring_festival,
)
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.register import OrgInput, RegisterService

ADMIN = Actor(1, "admin", "王管理", Role.ADMIN)
ASSESSOR = Actor(2, "li", "李考评", Role.ASSESSOR)
VIEWER = Actor(3, "zhao", "赵查阅", Role.VIEWER)
DAY = dt.date(2026, 5, 20)  # the service's "today" in these tests (explicit: no test reads the clock)
SECRET = "配偶患重病长期住院，子女在读，经济压力大"


@pytest.fixture(autouse=True)
def nobody_logged_in() -> Iterator[None]:
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture
def sample(db: Database) -> Sample:
    return seed_register(RegisterService(db.session_factory))


def service(db: Database, day: dt.date = DAY) -> CareService:
    return CareService(db.session_factory, today=lambda: day)


def trail(db: Database) -> list[AuditEntry]:
    with db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def add_zhang(db: Database, sample: Sample, since: dt.date = dt.date(2025, 12, 1)) -> int:
    return service(db).add_subject(SubjectInput(sample.zhang, since, [CareCircumstance.FAMILY_BURDEN,
                                                                      CareCircumstance.MENTAL_PRESSURE], SECRET))


def talk(db: Database, sample: Sample, on: dt.date, members: list[int], topic: str = "谈心谈话") -> int:
    rec = RecordInput(OrgLifeKind.HEART_TALK, on, sample.finance_branch, topic=topic,
                      attendance=[AttendanceInput(m) for m in members])
    return OrgLifeService(db.session_factory, today=lambda: DAY).save_record(rec)


# --- 表彰 ------------------------------------------------------------------------------------------------------

def test_member_and_organisation_honours(db: Database, sample: Sample) -> None:
    svc = service(db)
    hid = svc.save_honor(HonorInput(HonorKind.MEMBER, dt.date(2026, 6, 30) - dt.timedelta(days=60), "县级",
                                    "中共示范县委", member_id=sample.zhang, doc_number="示发〔2026〕12号"))
    oid = svc.save_honor(HonorInput(HonorKind.ORG, dt.date(2026, 4, 1), "市级", "中共示范市委",
                                    org_id=sample.edu_branch))
    rows = {r.id: r for r in svc.honor_rows()}
    assert rows[hid].name == "张三" and rows[hid].unit_id == sample.finance
    assert rows[oid].name == "县教育局第一党支部" and rows[oid].unit_id == sample.education
    assert [r.id for r in svc.honor_rows(kind=HonorKind.ORG)] == [oid]
    assert [r.id for r in svc.honor_rows(text="示发")] == [hid]
    actions = [(e.action, e.entity) for e in trail(db) if e.entity == "honor"]
    assert actions == [("新建", "honor"), ("新建", "honor")]


@pytest.mark.parametrize(("data", "field", "message"), [
    (HonorInput(HonorKind.MEMBER, DAY, "县级", "县委"), "member_id", "须选择党员"),
    (HonorInput(HonorKind.ORG, DAY, "县级", "县委"), "org_id", "须选择党组织"),
    (HonorInput(HonorKind.WORKER, DAY + dt.timedelta(days=1), "县级", "县委", member_id=-1), "awarded_on", "不能晚于今天"),
    (HonorInput(HonorKind.WORKER, None, "", "", member_id=-1), "level", "表彰级别"),
    (HonorInput(HonorKind.WORKER, DAY, "县级", "", member_id=-1), "awarded_by", "授予机关"),
])
def test_honour_refused(db: Database, sample: Sample, data: HonorInput, field: str, message: str) -> None:
    if data.member_id == -1:
        data.member_id = sample.li
    with pytest.raises(ValidationError) as err:
        service(db).save_honor(data)
    assert any(message in m for m in err.value.for_field(field)), err.value.problems


def test_duplicate_honour_refused_and_edit_audited(db: Database, sample: Sample) -> None:
    svc = service(db)
    data = HonorInput(HonorKind.MEMBER, dt.date(2026, 3, 1), "县级", "县委", member_id=sample.li)
    hid = svc.save_honor(dataclasses.replace(data))
    with pytest.raises(ValidationError, match="已登记过"):
        svc.save_honor(dataclasses.replace(data))
    svc.save_honor(dataclasses.replace(data, level="市级"), hid)
    assert [(e.action, e.field, e.old, e.new) for e in trail(db) if e.entity == "honor"][-1] == \
        ("修改", "level", "县级", "市级")
    svc.delete_honor(hid)
    assert svc.honor_rows() == []


# --- 关怀对象 and privacy ----------------------------------------------------------------------------------------

def test_subject_rules(db: Database, sample: Sample) -> None:
    svc = service(db)
    with pytest.raises(ValidationError) as err:
        svc.add_subject(SubjectInput(sample.li, DAY, []))
    assert err.value.for_field("circumstances")
    with pytest.raises(ValidationError) as err:
        svc.add_subject(SubjectInput(sample.li, DAY, [CareCircumstance.OTHER]))
    assert err.value.for_field("description")
    with pytest.raises(ValidationError) as err:
        svc.add_subject(SubjectInput(sample.li, DAY + dt.timedelta(days=1), [CareCircumstance.VETERAN]))
    assert err.value.for_field("since")
    add_zhang(db, sample)
    with pytest.raises(ValidationError, match="已是关怀对象"):
        add_zhang(db, sample)


def test_lists_never_carry_the_circumstances(db: Database, sample: Sample) -> None:
    sid = add_zhang(db, sample)
    svc = service(db)
    row = svc.subject(sid)
    # Nothing in the row holds them: sorting, copying, tooltips and the list's export only have what is here.
    assert {f.name for f in dataclasses.fields(SubjectRow)}.isdisjoint({"circumstances", "description"})
    assert SECRET not in repr(row) and "家庭负担重" not in repr(row)
    # A search matches names and units, never the hidden text (else a search would confirm a guess).
    assert svc.subject_rows(text="张三")[0].id == sid
    assert svc.subject_rows(text="住院") == [] and svc.subject_rows(text="家庭负担") == []
    # The trail names the change, not the circumstances.
    assert not any(SECRET in (e.new or "") + (e.old or "") or "家庭负担重" in (e.new or "") for e in trail(db))


@pytest.mark.parametrize("who", [ASSESSOR, VIEWER])
def test_roles_that_may_not_see_cannot_unmask(db: Database, sample: Sample, who: Actor) -> None:
    sid = add_zhang(db, sample)
    before = len(trail(db))
    with acting_as(who), pytest.raises(PermissionDenied):
        service(db).reveal(sid)
    with acting_as(who), pytest.raises(PermissionDenied):
        service(db).update_circumstances(sid, [CareCircumstance.VETERAN], "")
    assert len(trail(db)) == before


def test_each_unmasked_view_is_one_audit_entry(db: Database, sample: Sample) -> None:
    sid = add_zhang(db, sample)
    before = len(trail(db))
    with acting_as(ADMIN):
        shown = service(db).reveal(sid, "春节慰问前核实")
        again = service(db).reveal(sid)
    assert shown.description == SECRET and shown.text == "家庭负担重、思想压力较大" and again == shown
    views = trail(db)[before:]
    assert [(e.action, e.entity, e.entity_id, e.who) for e in views] == [("查看个人情况", "care_subject", sid, ADMIN.who)] * 2
    assert views[0].reason == "张三：春节慰问前核实" and SECRET not in views[0].reason


def test_circumstances_changed_by_an_administrator(db: Database, sample: Sample) -> None:
    sid = add_zhang(db, sample)
    with acting_as(ADMIN):
        service(db).update_circumstances(sid, [CareCircumstance.HARDSHIP_MEMBER], "低保户")
        assert service(db).reveal(sid).text == "困难党员"
    change = [e for e in trail(db) if e.action == "修改" and e.entity == "care_subject"]
    assert len(change) == 1 and "低保户" not in (change[0].new or "")


def test_end_and_delete(db: Database, sample: Sample) -> None:
    svc = service(db)
    sid = add_zhang(db, sample)
    with pytest.raises(ValidationError) as err:
        svc.end_subject(sid, DAY, "")
    assert err.value.for_field("end_reason")
    svc.save_visit(sid, VisitInput(dt.date(2026, 1, 20), "刘明", [VisitForm.TALK]))
    with pytest.raises(ValidationError, match="不能删除"):
        svc.delete_subject(sid)
    svc.end_subject(sid, DAY, "困难已解决")
    assert svc.subject_rows() == [] and svc.subject_rows(include_ended=True)[0].ended_on == DAY
    svc.end_subject(sid, None)  # taken up again
    assert svc.subject_rows()[0].id == sid


# --- visits and 谈心谈话 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field"), [
    (VisitInput(dt.date(2026, 3, 1), "刘明", [VisitForm.MONEY]), "amount_yuan"),
    (VisitInput(dt.date(2026, 3, 1), "刘明", [VisitForm.TALK], amount_yuan=500), "amount_yuan"),
    (VisitInput(dt.date(2026, 3, 1), "刘明", [VisitForm.MONEY], amount_yuan=0), "amount_yuan"),
    (VisitInput(dt.date(2026, 3, 1), "刘明", [VisitForm.GOODS]), "goods"),
    (VisitInput(dt.date(2026, 3, 1), "", [VisitForm.TALK]), "visitors"),
    (VisitInput(dt.date(2026, 3, 1), "刘明", []), "forms"),
    (VisitInput(dt.date(2025, 11, 1), "刘明", [VisitForm.TALK]), "visited_on"),
    (VisitInput(DAY + dt.timedelta(days=1), "刘明", [VisitForm.TALK]), "visited_on"),
])
def test_visit_refused(db: Database, sample: Sample, data: VisitInput, field: str) -> None:
    sid = add_zhang(db, sample)
    with pytest.raises(ValidationError) as err:
        service(db).save_visit(sid, data)
    assert err.value.for_field(field), err.value.problems


def test_visit_linked_to_the_members_heart_talk(db: Database, sample: Sample) -> None:
    svc = service(db)
    sid = add_zhang(db, sample)
    own = talk(db, sample, dt.date(2026, 2, 3), [sample.zhang, sample.li], "节前谈心")
    others = talk(db, sample, dt.date(2026, 2, 4), [sample.li], "李四谈心")
    meeting = OrgLifeService(db.session_factory, today=lambda: DAY).save_record(RecordInput(
        OrgLifeKind.THEME_DAY, dt.date(2026, 2, 5), sample.finance_branch, topic="主题党日",
        attendance=[AttendanceInput(sample.zhang)]))
    assert [(t.id, t.visit_id) for t in svc.talks_of(sid)] == [(own, None)]
    for rid, message in ((others, "没有参加"), (meeting, "不是谈心谈话")):
        with pytest.raises(ValidationError, match=message):
            svc.save_visit(sid, VisitInput(dt.date(2026, 2, 3), "刘明", [VisitForm.TALK], talk_record_id=rid))
    vid = svc.save_visit(sid, VisitInput(dt.date(2026, 2, 3), "刘明、周书记", [VisitForm.TALK, VisitForm.MONEY],
                                         amount_yuan=1000, talk_record_id=own))
    assert svc.talks_of(sid)[0].visit_id == vid
    visit = svc.visits(sid)[0]
    assert (visit.talk_topic, visit.forms_text, visit.amount_yuan) == ("节前谈心", "谈心谈话、慰问金", 1000)
    with pytest.raises(ValidationError, match="已关联到另一次走访"):
        svc.save_visit(sid, VisitInput(dt.date(2026, 2, 4), "刘明", [VisitForm.TALK], talk_record_id=own))
    row = svc.subject(sid)
    assert (row.visits, row.last_visit) == (1, dt.date(2026, 2, 3))
    assert [e.action for e in trail(db) if e.entity == "care_visit"] == ["新建"]


# --- 提醒 ------------------------------------------------------------------------------------------------------

def alerts_on(db: Database, day: dt.date) -> list[A.Alert]:
    with db.session_factory() as s:
        return care_alerts(s, day)


def test_no_visit_for_six_months_is_overdue(db: Database, sample: Sample) -> None:
    sid = add_zhang(db, sample, since=dt.date(2025, 10, 1))
    service(db).save_visit(sid, VisitInput(dt.date(2025, 11, 10), "刘明", [VisitForm.TALK]))
    assert [a for a in alerts_on(db, dt.date(2026, 5, 10)) if a.kind == "care_visit_overdue"] == []
    [late] = [a for a in alerts_on(db, dt.date(2026, 5, 11)) if a.kind == "care_visit_overdue"]
    assert late.overdue and late.target == "care" and late.target_id == sid and late.due == dt.date(2026, 5, 10)
    assert "张三" in late.message and "6个月" in late.message
    assert SECRET not in late.message and "家庭负担" not in late.message and "思想压力" not in late.message
    with db.session() as s:
        S.set_value(s, S.CARE_VISIT_MONTHS, 12)
        s.commit()
    assert [a for a in alerts_on(db, dt.date(2026, 5, 11)) if a.kind == "care_visit_overdue"] == []


def test_before_july_first_unvisited_subjects_are_listed(db: Database, sample: Sample) -> None:
    sid = add_zhang(db, sample, since=dt.date(2026, 3, 1))
    assert alerts_on(db, dt.date(2026, 5, 31)) == []  # 31 days before 七一: not yet
    [due] = alerts_on(db, dt.date(2026, 6, 1))
    assert (due.kind, due.due, due.overdue) == ("care_festival_visit", dt.date(2026, 7, 1), False)
    assert "七一前" in due.message and SECRET not in due.message
    service(db, dt.date(2026, 6, 5)).save_visit(sid, VisitInput(dt.date(2026, 6, 5), "刘明", [VisitForm.GOODS],
                                                                 goods="米、油"))
    assert alerts_on(db, dt.date(2026, 6, 6)) == []


def test_before_spring_festival(db: Database, sample: Sample) -> None:
    add_zhang(db, sample, since=dt.date(2025, 12, 1))
    with db.session_factory() as s:
        spring = spring_festival(2026, S.reader(s))
    assert spring is not None and spring.month == 2  # 2026's 春节 holiday begins in February
    kinds = [(a.kind, a.due) for a in alerts_on(db, spring - dt.timedelta(days=3))]
    assert kinds == [("care_festival_visit", spring)]


def test_the_alert_page_groups_the_kinds(db: Database, sample: Sample) -> None:
    add_zhang(db, sample, since=dt.date(2020, 1, 1))
    assert "care_visit_overdue" in A.KIND_GROUPS["激励关怀"] and "care_festival_visit" in A.KIND_GROUPS["激励关怀"]
    found = A.AlertService(db.session_factory, today=lambda: DAY).alerts()
    assert [a.kind for a in found if a.target == "care"] == ["care_visit_overdue"]


def test_a_member_or_organisation_with_care_records_is_not_deleted(db: Database, sample: Sample) -> None:
    reg = RegisterService(db.session_factory)
    add_zhang(db, sample)
    empty = reg.save_org(OrgInput(sample.finance, "县财政局第二党支部", OrgKind.BRANCH, term_start=dt.date(2024, 1, 1)))
    service(db).save_honor(HonorInput(HonorKind.ORG, DAY, "县级", "县委", org_id=empty))
    with pytest.raises(ValidationError, match="关怀帮扶记录"):
        reg.remove_member(sample.zhang, "误录")
    with pytest.raises(ValidationError, match="表彰记录"):
        reg.delete_org(empty)


def test_rows_added_or_deleted_behind_the_apps_back_are_found(db: Database, sample: Sample) -> None:
    from sqlalchemy import text

    from app.services import audit

    sid = add_zhang(db, sample)
    vid = service(db).save_visit(sid, VisitInput(dt.date(2026, 2, 1), "刘明", [VisitForm.TALK]))
    service(db).save_honor(HonorInput(HonorKind.MEMBER, dt.date(2026, 3, 1), "县级", "县委", member_id=sample.li))
    assert [f for f in audit.verify(db.session_factory).findings if f.entity in ("honor", "care_subject",
                                                                                   "care_visit")] == []
    with db.session() as s:
        s.execute(text("DELETE FROM care_visit WHERE id = :v"), {"v": vid})
        s.execute(text("INSERT INTO honor (kind, member_id, unit_id, level, awarded_on, awarded_by, doc_number, note, "
                       "created_at) VALUES ('优秀共产党员', :m, :u, '县级', '2026-03-02', '县委', '', '', "
                       "'2026-03-02 00:00:00')"), {"m": sample.zhang, "u": sample.finance})
        s.commit()
    found = [f.message for f in audit.verify(db.session_factory).findings if f.kind == "state"]
    assert any("表彰记录" in m and "被绕过程序添加" in m for m in found), found
    assert any("走访慰问记录" in m and "被绕过程序删除" in m for m in found), found


def test_the_audit_log_names_the_fields_in_chinese() -> None:
    from app.services.register_audit import readable_entity, readable_field

    assert [readable_entity(e) for e in ("honor", "care_subject", "care_visit")] == ["表彰", "关怀对象", "慰问帮扶走访"]
    assert [readable_field("care_visit", f) for f in ("visited_on", "forms", "amount_yuan", "talk_record_id")] == \
        ["走访日期", "走访内容", "慰问金（元）", "关联谈心谈话"]
    assert [readable_field("honor", f) for f in ("level", "awarded_on", "awarded_by", "doc_number")] == \
        ["级别", "表彰日期", "授予机关", "发文字号"]
    assert readable_field("care_subject", "ended_on") == "结束关怀日期"
