"""The 党员 list's name order: full pinyin with tones (张 < 赵, though 张三 and 赵四 share the initials zs), from a
key stored with each member and kept up to date by every writer (the register's save, the Excel import, the demo)
and filled in for older databases by the migration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dbkit
import frozen
import pytest
from sqlalchemy import select
from test_excel_io import fill, member
from test_migrations import _generation

from app.db import make_engine, migrate
from app.models import AuditEntry, Member, MemberStatus, OrgKind
from app.services import excel_io
from app.services.idcard import make_id, pinyin_sort_key
from app.services.opening import open_database
from app.services.register import MemberInput, OrgInput, RegisterService, UnitInput


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=frozen.today)


@pytest.fixture
def branch(reg):
    unit = reg.save_unit(UnitInput("县财政局"))
    return reg.save_org(OrgInput(unit, "县财政局机关支部", OrgKind.BRANCH, established_on=dt.date(2010, 3, 1),
                                 term_start=dt.date(2024, 6, 1)))


def _save(reg: RegisterService, org: int, name: str, seq: int, member_id: int | None = None) -> int:
    born = dt.date(1980, 5, 1)
    data = MemberInput(org, name, MemberStatus.FULL, id_number=make_id("430102", born, seq),
                       joined_on=dt.date(2005, 7, 1))
    return reg.save_member(data, member_id)


def _names_in_order(reg: RegisterService, descending: bool = False) -> list[str]:
    ids = reg.member_ids(order="name", descending=descending)
    return [row.name for row in reg.member_rows(ids)]


def test_key_is_full_pinyin_with_tones_and_surname_readings() -> None:
    assert pinyin_sort_key("张三") == "zhang1 san1"
    assert pinyin_sort_key("赵四") == "zhao4 si4"
    # As surnames these read zēng, shàn, xiè, qiú (曾经 céng, 单独 dān, 解决 jiě, 仇恨 chóu).
    assert pinyin_sort_key("曾伟") == "zeng1 wei3"
    assert pinyin_sort_key("单雄") == "shan4 xiong2"
    assert pinyin_sort_key("解放") == "xie4 fang4"
    assert pinyin_sort_key("仇新") == "qiu2 xin1"
    # Not a surname in the middle of a name: the ordinary reading.
    assert pinyin_sort_key("王曾") == "wang2 ceng2"
    assert pinyin_sort_key(" 李明 ") == "li3 ming2"
    assert pinyin_sort_key("") == ""


def test_list_orders_by_full_pinyin_not_initials(reg, branch) -> None:
    for seq, name in enumerate(["赵四", "张三", "陈一", "白二", "安五"], 1):
        _save(reg, branch, name, seq)
    assert _names_in_order(reg) == ["安五", "白二", "陈一", "张三", "赵四"]
    assert _names_in_order(reg, descending=True) == ["赵四", "张三", "陈一", "白二", "安五"]


def test_tones_break_ties_and_surnames_sort_by_their_reading(reg, branch) -> None:
    # 曾 as a surname is zēng: after 曹 (cao2) and 陈 (chen2), before 张 (zhang1); 汤 tang1 < 唐 tang2 < 躺 tang3.
    for seq, name in enumerate(["张明", "曾伟", "陈华", "曹操", "唐一", "汤一"], 1):
        _save(reg, branch, name, seq)
    assert _names_in_order(reg) == ["曹操", "陈华", "汤一", "唐一", "曾伟", "张明"]


def test_a_renamed_member_moves_in_the_order(reg, branch) -> None:
    _save(reg, branch, "白二", 1)
    zhang = _save(reg, branch, "张三", 2)
    assert _names_in_order(reg) == ["白二", "张三"]
    _save(reg, branch, "艾三", 2, zhang)
    assert _names_in_order(reg) == ["艾三", "白二"]


def test_the_sort_key_is_not_a_change_in_the_audit_trail(db, reg, branch) -> None:
    zhang = _save(reg, branch, "张三", 1)
    _save(reg, branch, "艾三", 1, zhang)
    with db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "member", AuditEntry.entity_id == zhang)))
    changed = [e.field for e in entries if e.action == "修改"]
    assert changed == ["name"]  # the name changed; its sort key is derived, not an edit of its own
    text = " ".join(f"{e.old} {e.new}" for e in entries)
    assert "name_sort" not in text and "zhang1" not in text and "ai4 san1" not in text
    assert "艾三" in text  # the name itself is recorded


def test_imported_members_have_the_key(db, tmp_path) -> None:
    rows = [member(), member(姓名="李四", 公民身份号码="", 性别="女", 出生日期=dt.date(1970, 3, 3))]
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "a.xlsx", members=rows), dry_run=False)
    assert report.ok and report.applied, report.problems
    with db.session() as s:
        assert {m.name: m.name_sort for m in s.scalars(select(Member))} == {"张三": "zhang1 san1", "李四": "li3 si4"}
    rows[0]["工作岗位/职务"] = "副局长"  # an update of a member the register holds keeps its key
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "b.xlsx", members=rows), dry_run=False)
    assert report.ok and report.applied and report.updated == 1, report
    with db.session() as s:
        assert {m.name: m.name_sort for m in s.scalars(select(Member))} == {"张三": "zhang1 san1", "李四": "li3 si4"}


def test_demo_members_have_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.demo import county as demo
    from app.demo.county import build_demo

    monkeypatch.setattr(demo, "EXTENSION_MODULES", ())
    database = open_database(dbkit.KIT.new(tmp_path, "demo"))
    try:
        build_demo(database, "tiny", seed=3, today=frozen.today())
        with database.session() as s:
            members = list(s.scalars(select(Member)))
        assert members and all(m.name_sort == pinyin_sort_key(m.name) != "" for m in members)
    finally:
        database.close()


def test_the_migration_fills_the_key_of_an_older_database(tmp_path: Path) -> None:
    engine = make_engine(dbkit.KIT.new(tmp_path, "old"))
    try:
        migrate(engine, "0009_register_trail")
        with engine.begin() as conn:
            for n in range(3):
                _generation(conn, n, "0009")
            conn.exec_driver_sql("UPDATE member SET name = '曾伟' WHERE name = '张1'")
        migrate(engine, "0010_member_name_sort")
        with engine.connect() as conn:
            keys = dict(conn.execute(select(Member.name, Member.name_sort)).all())
    finally:
        engine.dispose()
    assert keys == {"张0": "zhang1 0", "曾伟": "zeng1 wei3", "张2": "zhang1 2"}
