"""Register changes, 组织生活 records and 发展党员 records are audit entries, their personal numbers only as keyed
digests, and `audit verify` names any of them changed, added or deleted in the database file."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import dbkit
import pytest
from orglife_fixtures import TODAY, Branch, make_branch
from sqlalchemy import select, text

import app.demo.county as demo
from app.cli import main
from app.db import Database, make_engine, migrate
from app.models import AuditEntry, Member, OrgKind, OrgPostKind, Setting
from app.models.orglife import AppraisalGrade, OrgLifeKind
from app.services import excel_io, register_audit
from app.services.audit import verify
from app.services.idcard import make_id
from app.services.opening import open_database
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.recruit import RecruitInput, RecruitService
from app.services.register import OrgInput, PostInput, RegisterService, UnitInput
from app.services.register_audit import (
    DIGEST_SETTING,
    DIGEST_SHOWN,
    readable_entity,
    readable_field,
    readable_value,
)

ID_OR_PHONE = re.compile(r"(?<!\d)(\d{17}[\dXx]|1\d{10})(?!\d)")
DIGEST = re.compile(r"hmac:[0-9a-f]{32}|核对码[0-9a-f]{12}")  # hex of digests and check codes, not numbers


@pytest.fixture
def reg(db: Database) -> RegisterService:
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg: RegisterService) -> Branch:
    return make_branch(reg, size=6)


def entries(db: Database, entity: str | None = None, entity_id: int | None = None) -> list[AuditEntry]:
    with db.session() as s:
        q = select(AuditEntry).order_by(AuditEntry.seq)
        if entity is not None:
            q = q.where(AuditEntry.entity == entity)
        if entity_id is not None:
            q = q.where(AuditEntry.entity_id == entity_id)
        return list(s.scalars(q))


def findings(db: Database) -> list[str]:
    return [f.message for f in verify(db.session_factory).findings]


def member_name(db: Database, member_id: int) -> str:
    with db.session() as s:
        return str(s.get(Member, member_id).name)  # type: ignore[union-attr]


# --- each operation is in the trail ------------------------------------------------------------------------------

def test_creating_the_register_records_a_snapshot_of_each_record(db, branch):
    member_entries = entries(db, "member", branch.members[0])
    assert [(e.action, e.field) for e in member_entries] == [("新建", "")]
    snap = json.loads(member_entries[0].new)
    assert snap["name"] == "张伟" and snap["status"] == "正式党员" and snap["org_id"] == str(branch.org_id)
    assert snap["id_number"].startswith("hmac:") and len(snap["id_number"]) == len("hmac:") + 32
    assert {e.action for e in entries(db, "unit", branch.unit_id)} == {"新建"}
    assert {e.action for e in entries(db, "party_org", branch.org_id)} == {"新建"}
    assert len(entries(db, "org_post")) == 3
    assert findings(db) == []


def test_editing_a_member_records_each_changed_field_and_hides_the_numbers(db, reg, branch):
    mid = branch.members[1]
    data = reg.member_input(mid)
    data.name, data.phone, data.position = "王芳芳", "13912345678", "科长"
    reg.save_member(data, mid)
    changed = {e.field: e for e in entries(db, "member", mid) if e.action == "修改"}
    assert set(changed) == {"name", "phone", "position"}
    assert (changed["name"].old, changed["name"].new) == ("王芳", "王芳芳")
    assert changed["phone"].old == "" and changed["phone"].new.startswith("hmac:")
    assert "13912345678" not in changed["phone"].new
    assert readable_value("member", "phone", changed["phone"].new) == DIGEST_SHOWN
    assert (readable_entity("member"), readable_field("member", "name")) == ("党员", "姓名")
    assert findings(db) == []


def test_posts_moves_and_deletions_are_in_the_trail(db, reg, branch):
    post = next(e.entity_id for e in entries(db, "org_post"))
    reg.end_post(post, dt.date(2026, 6, 30))
    ended = [e for e in entries(db, "org_post", post) if e.action == "修改"]
    assert [(e.field, e.old, e.new, e.reason) for e in ended] == [("end_on", None, "2026-06-30", "离任")]

    other_unit = reg.save_unit(UnitInput("县审计局"))
    other_org = reg.save_org(OrgInput(other_unit, "县审计局机关党支部", OrgKind.BRANCH))
    mover = branch.members[4]
    reg.transfer_member(mover, dt.date(2026, 7, 1), other_org, note="工作调动")
    moved = [e for e in entries(db, "member", mover) if e.action == "修改"]
    assert [(e.field, e.old, e.new, e.reason) for e in moved] == [
        ("org_id", str(branch.org_id), str(other_org), "工作调动")]
    assert [e.action for e in entries(db, "transfer")] == ["新建"]

    empty = reg.save_unit(UnitInput("县档案馆"))
    reg.delete_unit(empty)
    assert [e.action for e in entries(db, "unit", empty)] == ["新建", "删除"]
    assert json.loads(entries(db, "unit", empty)[-1].old)["name"] == "县档案馆"
    assert findings(db) == []


def test_a_committee_post_saved_and_a_vacancy(db, reg, branch):
    pid = reg.save_post(PostInput(branch.org_id, OrgPostKind.DISCIPLINE, None, dt.date(2026, 1, 1)))
    assert [e.action for e in entries(db, "org_post", pid)] == ["新建"]
    assert findings(db) == []


def test_org_life_records_with_their_attendance(db, branch):
    svc = OrgLifeService(db.session_factory, today=lambda: TODAY)
    lines = [AttendanceInput(m) for m in branch.members]
    rid = svc.save_record(RecordInput(OrgLifeKind.THEME_DAY, dt.date(2026, 10, 10), branch.org_id, topic="学习",
                                      attendance=lines))
    created = entries(db, "org_life_record", rid)
    assert json.loads(created[0].new)["attendance"].startswith(f"出席{len(lines)}人，缺席0人")
    lines[0] = AttendanceInput(branch.members[0], present=False, absence_reason="病假")
    svc.save_record(RecordInput(OrgLifeKind.THEME_DAY, dt.date(2026, 10, 10), branch.org_id, topic="学习",
                                attendance=lines), rid)
    changed = [e for e in entries(db, "org_life_record", rid) if e.action == "修改"]
    assert [e.field for e in changed] == ["attendance"] and changed[0].new.startswith(f"出席{len(lines) - 1}人，缺席1人")
    assert findings(db) == []
    # An attendance line changed in the file is found through the record's summary.
    dbkit.tamper(db, f"UPDATE org_life_attendance SET present = TRUE WHERE record_id = {rid}")
    assert any("出勤登记与审计日志记录不一致" in m for m in findings(db))


def test_appraisal_grades_and_absences_are_in_the_check_code(db, branch):
    """verify makes each line's text in SQL: it must be the text the service wrote (grades, reasons, absences)."""
    svc = OrgLifeService(db.session_factory, today=lambda: TODAY)
    grades = [AppraisalGrade.EXCELLENT, AppraisalGrade.QUALIFIED, AppraisalGrade.BASIC]
    lines = [AttendanceInput(m, grade=grades[i % 3]) for i, m in enumerate(branch.members[1:])]
    lines.insert(0, AttendanceInput(branch.members[0], present=False, absence_reason="因公出差"))
    rid = svc.save_record(RecordInput(OrgLifeKind.DEMOCRATIC_APPRAISAL, dt.date(2026, 10, 12), branch.org_id,
                                      topic="民主评议党员", attendance=lines))
    assert findings(db) == []
    # One grade changed in the file, then one reason: each is found through the record's summary.
    dbkit.tamper(db, f"UPDATE org_life_attendance SET grade = '不合格' WHERE record_id = {rid} "
                     f"AND member_id = {branch.members[1]}")
    assert any("出勤登记与审计日志记录不一致" in m for m in findings(db))
    dbkit.tamper(db, f"UPDATE org_life_attendance SET grade = '{grades[0].value}' WHERE record_id = {rid} "
                     f"AND member_id = {branch.members[1]}")
    assert findings(db) == []
    dbkit.tamper(db, f"UPDATE org_life_attendance SET absence_reason = '病假' WHERE record_id = {rid}"
                     f" AND member_id = {branch.members[0]}")
    assert any("出勤登记与审计日志记录不一致" in m for m in findings(db))


def test_deleting_an_org_life_record(db, branch):
    svc = OrgLifeService(db.session_factory, today=lambda: TODAY)
    rid = svc.save_record(RecordInput(OrgLifeKind.THEME_DAY, dt.date(2026, 10, 10), branch.org_id, topic="学习",
                                      attendance=[AttendanceInput(m) for m in branch.members]))
    svc.delete_record(rid)
    assert [e.action for e in entries(db, "org_life_record", rid)] == ["新建", "删除"]
    assert findings(db) == []


def test_recruits_and_their_steps(db, branch):
    svc = RecruitService(db.session_factory, today=lambda: TODAY)
    born = dt.date(1998, 4, 1)
    rid = svc.create(RecruitInput(branch.org_id, "林小梅", None, dt.date(2026, 3, 1),
                                  id_number=make_id("430102", born, 801), phone="13700001111"))
    svc.record_talk(rid, dt.date(2026, 3, 20))
    recruit = entries(db, "recruit", rid)
    assert [(e.action, e.field) for e in recruit] == [("新建", ""), ("修改", "talked_on")]
    assert json.loads(recruit[0].new)["phone"].startswith("hmac:")
    assert [e.action for e in entries(db, "recruit_stage")] == ["新建"]
    assert findings(db) == []
    dbkit.tamper(db, f"UPDATE recruit SET name = '林大梅' WHERE id = {rid}")
    assert findings(db) == ["发展党员林大梅的姓名为“林大梅”，审计日志记录为“林小梅”（数据库被绕过程序修改）"]


# --- changes made in the file are named ----------------------------------------------------------------------

def test_a_member_changed_in_the_file_is_named(db, branch):
    a, b, c, d = branch.members[:4]
    other = make_id("430102", dt.date(1990, 1, 1), 555)
    dbkit.tamper(
        db,
        f"UPDATE member SET name = '张冒名' WHERE id = {a}",
        f"UPDATE member SET id_number = '{other}' WHERE id = {b}",
        f"UPDATE member SET phone = '13800000000' WHERE id = {c}",
    )
    found = findings(db)
    assert "党员张冒名的姓名为“张冒名”，审计日志记录为“张伟”（数据库被绕过程序修改）" in found
    assert "党员王芳的身份证号与审计日志记录不一致（数据库被绕过程序修改）" in found
    assert "党员李娜的联系电话与审计日志记录不一致（数据库被绕过程序修改）" in found
    assert other not in " ".join(found) and "13800000000" not in " ".join(found)
    assert not any(member_name(db, d) in m for m in found)


def test_a_member_moved_to_another_unit_in_the_file_is_named(db, reg, branch):
    unit = reg.save_unit(UnitInput("县审计局"))
    org = reg.save_org(OrgInput(unit, "县审计局机关党支部", OrgKind.BRANCH))
    mover = branch.members[3]
    dbkit.tamper(db, f"UPDATE member SET org_id = {org} WHERE id = {mover}")
    assert findings(db) == [f"党员{member_name(db, mover)}的所在党组织与审计日志记录不一致（数据库被绕过程序修改）"]


def test_a_unit_renamed_in_the_file_is_named(db, branch):
    dbkit.tamper(db, f"UPDATE unit SET name = '县假局' WHERE id = {branch.unit_id}")
    assert findings(db) == ["单位县假局的名称为“县假局”，审计日志记录为“县财政局”（数据库被绕过程序修改）"]


def test_a_member_deleted_or_added_in_the_file_is_named(db, branch):
    gone = branch.members[3]  # 刘洋 holds no post
    dbkit.tamper(db, f"DELETE FROM member WHERE id = {gone}")
    assert findings(db) == ["审计日志记录的党员刘洋在数据库中已不存在（被绕过程序删除）"]
    dbkit.tamper(db, f"INSERT INTO member (org_id, name, name_initials, ethnicity, phone, education, position, status, "
                     f"probation_extension_months, is_leader, community_registered, community_name, note, "
                     f"birth_month_only, joined_month_only, full_member_month_only) VALUES ({branch.org_id}, '幽灵', "
                     f"'yl', '汉族', '', '', '', '正式党员', 0, FALSE, FALSE, '', '', FALSE, FALSE, FALSE)")
    assert "党员幽灵没有审计记录（绕过程序写入数据库）" in findings(db)


def test_a_changed_digest_key_is_found(db, branch):
    dbkit.tamper(db, f"UPDATE setting SET value = '\"{'00' * 32}\"' WHERE key = '{DIGEST_SETTING}'")
    found = findings(db)
    assert len(found) == len(branch.members) and all("身份证号与审计日志记录不一致" in m for m in found)


# --- bulk paths --------------------------------------------------------------------------------------------------

def test_an_import_is_in_the_trail_and_verifies(db, tmp_path):
    from test_excel_io import fill

    report = excel_io.import_register(db.session_factory, fill(tmp_path / "r.xlsx"), dry_run=False)
    assert report.applied, report.problems
    members = entries(db, "member")
    with db.session() as s:
        ids = set(s.scalars(select(Member.id)))
    assert {e.entity_id for e in members} == ids and {e.action for e in members} == {"新建"}
    assert all(e.reason == "Excel导入：r.xlsx" for e in members)
    assert findings(db) == []


def test_an_org_life_import_is_in_the_trail_and_verifies(db, branch, tmp_path):
    from test_orglife_io import GOOD, book, run

    report = run(db, book(tmp_path, GOOD))
    assert report.applied, report.problems
    created = entries(db, "org_life_record")
    assert len(created) == 4 and {(e.action, e.reason) for e in created} == {("新建", "Excel导入：records.xlsx")}
    theme = next(json.loads(e.new) for e in created if "主题党日" in e.new)
    assert theme["attendance"].startswith("出席5人，缺席1人")
    assert findings(db) == []


@pytest.fixture(scope="module")
def tiny_county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("tiny"), "demo"))
    demo.build_demo(database, "tiny", seed=3, today=dt.date(2026, 11, 18))
    yield database
    database.close()


def test_the_demo_county_verifies_and_its_trail_holds_no_personal_number(tiny_county):
    assert findings(tiny_county) == []
    with tiny_county.session() as s:
        rows = s.execute(select(AuditEntry.old, AuditEntry.new, AuditEntry.reason, AuditEntry.field)).all()
        numbers = {n for n in s.scalars(select(Member.id_number)) if n} | {p for p in s.scalars(select(Member.phone)) if p}
    assert len(numbers) > 100
    assert len(entries(tiny_county, "member")) >= len(numbers) // 2
    for old, new, reason, _field in rows:
        for value in (old, new, reason):
            plain = DIGEST.sub("", value or "")  # a digest's hex may hold a run of digits: it is not a number
            assert not ID_OR_PHONE.search(plain) and not any(n in (value or "") for n in numbers), value


# --- a database from before the register was audited ------------------------------------------------------------

def test_an_old_database_gets_a_baseline_at_the_upgrade(tmp_path: Path):
    target = dbkit.KIT.new(tmp_path / "old", "old")
    engine = make_engine(target)
    try:
        migrate(engine, "0008_month_dates")
        idno = make_id("430102", dt.date(1980, 1, 1), 11)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO unit (name, short_name, category, party_secretary, contact_person, "
                              "contact_phone, sort_order, active, note) VALUES ('县老局', '', '', '', '', "
                              "'13511112222', 0, TRUE, '')"))
            conn.execute(text("INSERT INTO party_org (unit_id, name, kind, sort_order, active, note) "
                              "VALUES (1, '县老局机关党支部', '党支部', 0, TRUE, '')"))
            conn.execute(text(
                "INSERT INTO member (org_id, name, name_initials, ethnicity, id_number, phone, education, position, "
                "status, probation_extension_months, is_leader, community_registered, community_name, note, "
                "birth_month_only, joined_month_only, full_member_month_only) VALUES (1, '老党员', 'ldy', '汉族', "
                f"'{idno}', '13900001111', '', '', '正式党员', 0, FALSE, FALSE, '', '', FALSE, FALSE, FALSE)"))
    finally:
        engine.dispose()
    db = open_database(target)
    try:
        baseline = entries(db)
        assert [(e.action, e.entity) for e in baseline] == [("基线", "unit"), ("基线", "party_org"), ("基线", "member")]
        assert all(not ID_OR_PHONE.search(DIGEST.sub("", e.new or "")) for e in baseline)
        assert idno not in " ".join(e.new or "" for e in baseline)
        assert findings(db) == []
        with db.session() as s:
            assert s.scalar(select(Setting.value).where(Setting.key == DIGEST_SETTING))
        dbkit.tamper(db, "UPDATE member SET phone = '13900002222' WHERE name = '老党员'")
        assert findings(db) == ["党员老党员的联系电话与审计日志记录不一致（数据库被绕过程序修改）"]
    finally:
        db.close()


def test_the_baseline_blesses_no_record_the_trail_already_knows(db, branch):
    dbkit.tamper(db, f"UPDATE member SET name = '改名' WHERE id = {branch.members[0]}")
    with db.engine.begin() as conn:
        assert register_audit.record_untracked(conn, "系统升级", "基线", "再次升级") == 0
    assert len(findings(db)) == 1


# --- reading the trail ------------------------------------------------------------------------------------------

def test_cli_audit_log_shows_register_entries_in_chinese_without_numbers(db, reg, branch, paths, capsys):
    mid = branch.members[0]
    data = reg.member_input(mid)
    data.phone = "13912345678"
    reg.save_member(data, mid)
    db.close()
    assert main(["--data-dir", str(paths.data_dir), "audit", "log", "--limit", "3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 3
    assert out[-1].endswith(f"修改 党员（编号{mid}） 联系电话：{DIGEST_SHOWN}")
    assert "13912345678" not in "".join(out) and "hmac:" not in "".join(out)
    assert "新建 支委职务" in out[0] and "党员：编号" in out[0]


def test_the_key_is_made_once_and_reused(db) -> None:
    with db.engine.begin() as conn:
        assert register_audit.digest_key(conn, create=False) is None  # an empty county has none yet
        made = register_audit.digest_key(conn, create=True)
        assert made and len(made) == 32
        assert register_audit.digest_key(conn, create=True) == made


@pytest.mark.server_only
def test_two_clients_making_the_first_key_at_once_share_one(db) -> None:
    """The county's first register change made on two workstations at once: the second waits for the first's key
    and uses it (a second key would fail the save, or make the first client's digests unverifiable)."""
    import threading

    got: list[bytes | None] = []

    def second_client() -> None:
        with db.engine.begin() as conn:
            got.append(register_audit.digest_key(conn, create=True))

    with db.engine.connect() as first:
        tx = first.begin()
        key = register_audit.digest_key(first, create=True)
        other = threading.Thread(target=second_client)
        other.start()
        other.join(1.0)
        assert other.is_alive(), "the second client waits while the first one's key is not committed"
        tx.commit()
        other.join(20)
    assert got == [key]
    with db.engine.connect() as conn:
        assert len(conn.execute(select(Setting).where(Setting.key == register_audit.DIGEST_SETTING)).all()) == 1
