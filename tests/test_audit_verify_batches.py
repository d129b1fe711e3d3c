"""audit verify reads in large batches (issue 14 part 4): the whole-batch chain check, the register entries kept by
the walk, columns converted whole, snapshots parsed by the C scanner and attendance joined by the database must say
exactly what the entry-by-entry ways say, findings included."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dbkit
import pytest
from orglife_fixtures import TODAY, Branch, make_branch
from sqlalchemy import Boolean, Integer, String

from app.db import Database
from app.models import MemberStatus
from app.models.orglife import OrgLifeKind
from app.services import register_audit
from app.services.audit import REPLAYED, AuditReport, _walk_chain, chained_rows, verify
from app.services.idcard import make_id
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.register import MemberInput, RegisterService, UnitInput

STAMP = "2026-10-01T01:00:00Z"


class _Batches:
    def __init__(self, rows: list[tuple[Any, ...]], size: int) -> None:
        self.rows, self.size = rows, size

    def fetchmany(self, _n: int) -> list[tuple[Any, ...]]:
        out, self.rows = self.rows[:self.size], self.rows[self.size:]
        return out


def _trail(raw: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    keys = ("seq", "at", "who", "action", "entity", "entity_id", "field", "old", "new", "reason", "hash")
    return [tuple(d[k] for k in keys) for d in chained_rows(None, raw)]


def _walk(rows: list[tuple[Any, ...]], size: int = 4) -> tuple[Any, AuditReport, list[tuple[Any, ...]]]:
    report, kept = AuditReport(), []
    broken = _walk_chain(_Batches(rows, size), report, {}, kept)
    return broken, report, kept


@pytest.fixture
def reg(db: Database) -> RegisterService:
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg: RegisterService) -> Branch:
    return make_branch(reg, size=6)


def messages(db: Database) -> list[str]:
    return [f.message for f in verify(db.session_factory).findings]


# --- the walk ----------------------------------------------------------------------------------------------------

def test_a_stored_hash_of_another_type_is_named_at_its_entry() -> None:
    """The whole-batch check chains each entry from the stored hash before it; a stored hash that is not text
    (written into the file by hand) sends the batch entry by entry, which names that entry."""
    rows = _trail([(STAMP, "机关工委", "修改", "score_item", k, "self_score", None, str(k), "") for k in range(12)])
    rows[9] = rows[9][:10] + (12345,)
    broken, report, _ = _walk(rows)
    assert broken is not None and broken.seq == 10 and report.entries == 9
    assert broken.message == rows[8][10]


def test_the_walk_keeps_the_entries_the_register_replays_in_chain_order() -> None:
    assert ("新建", "member") in REPLAYED and ("查看个人信息", "member") not in REPLAYED
    raw = [(STAMP, "机关工委", "新建", "member", 1, "", None, {"name": "张伟"}, ""),
           (STAMP, "机关工委", "修改", "score_item", 7, "self_score", None, "1.0", ""),
           (STAMP, "机关工委", "查看个人信息", "member", 1, "身份证号和电话", None, None, "核对"),
           (STAMP, "机关工委", "修改", "member", 1, "name", "张伟", "张卫", ""),
           (STAMP, "机关工委", "删除", "unit", 3, "", {"name": "县财政局"}, None, "")]
    rows = _trail(raw)
    broken, _, kept = _walk(rows, size=2)
    assert broken is None and [r[0] for r in kept] == [1, 4, 5]


# --- the register: the same state and the same findings ----------------------------------------------------------

def test_the_kept_entries_replay_as_the_database_does(db, reg, branch):
    """Edits, a delete and a record made again: the state replayed from the walk's entries is the one replayed
    from the database, in the same order (the order in which deleted records are named)."""
    a = branch.members[0]
    reg.save_member(MemberInput(branch.org_id, "张卫", MemberStatus.FULL, id_number=make_id("430102", dt.date(1975, 3, 1),
                                                                                          100),
                                joined_on=dt.date(2005, 7, 1)), a)
    gone = reg.save_unit(UnitInput("县临时局"))
    reg.delete_unit(gone)
    again = reg.save_unit(UnitInput("县审计局"))  # SQLite hands out the deleted id again
    with db.session_factory() as s:
        conn = s.connection()
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("SELECT seq, at, who, action, entity, entity_id, field, old, new, reason, hash "
                       "FROM audit_entry ORDER BY seq")
        kept: list[tuple[Any, ...]] = []
        assert _walk_chain(cursor, AuditReport(), {}, kept) is None
        cursor.close()
        from_walk = register_audit._trail_state(conn, kept)
        from_db = register_audit._trail_state(conn)
    assert list(from_walk.items()) == list(from_db.items())
    assert from_walk[("member", a)]["name"] == "张卫" and from_walk[("unit", again)]["name"] == "县审计局"
    assert messages(db) == []


def test_columns_converted_whole_are_the_values_converted_one_by_one() -> None:
    key = b"k" * 32
    columns: list[tuple[str, Any, tuple[Any, ...]]] = [
        ("name", String(), ("张伟", None, "")),
        ("name", String(), ("张伟", 5, None)),  # an integer written into a text column by hand
        ("sort_order", Integer(), (1, 20, 300)),
        ("sort_order", Integer(), (1, None, 3)),
        ("sort_order", Integer(), (1, 2.5, True)),
        ("active", Boolean(), (0, 1, None)),
        ("active", Boolean(), (0, 1, 2)),
        ("active", Boolean(), (True, False, None)),
        ("id_number", String(), ("43010219900101555X", "", None)),
        ("phone", String(), (13800000000, "13800000000", None)),
        ("birth_date", String(), (dt.date(1990, 1, 1), None, "1990-01-01")),
    ]
    for name, kind, values in columns:
        whole = list(register_audit._Column(key, name, kind).convert(values))
        assert whole == [register_audit._converter(key, name, kind)(v) for v in values], (name, values)


@pytest.mark.parametrize("text", ['{"name":"张伟"}', ' {"name":"张伟"}', '{"name":"张伟"} ', '{"a":1}{}', "[1]",
                                  '"文字"', "", "{", '{"a":', "NaN", '{"a":{"b":[1,2]}}'])
def test_a_snapshot_is_read_as_json_loads_reads_it(text: str) -> None:
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    assert register_audit._snapshot_of(text) == (loaded if isinstance(loaded, dict) else {})


def _record(db: Database, branch: Branch, day: int) -> int:
    svc = OrgLifeService(db.session_factory, today=lambda: TODAY)
    lines = [AttendanceInput(m) for m in branch.members]
    lines[1] = AttendanceInput(branch.members[1], present=False, absence_reason="病假")
    return svc.save_record(RecordInput(OrgLifeKind.THEME_DAY, dt.date(2026, 10, day), branch.org_id, topic="学习",
                                       attendance=lines))


def test_attendance_joined_by_the_database_is_the_summary_written(db, branch):
    ids = [_record(db, branch, day) for day in (8, 9, 10)]
    with db.session_factory() as s:
        conn = s.connection()
        assert register_audit.grouped_attendance(conn) == register_audit.attendance_summaries(conn, None)
        assert set(register_audit.grouped_attendance(conn)) == set(ids)


def test_attendance_joined_in_another_order_is_made_again_before_it_is_named(db, branch, monkeypatch):
    """SQLite does not promise the order group_concat joins lines in: a summary that differs from the trail's is
    made again in member order, so an order of its own is no finding, and a real change is named as before."""
    rid = _record(db, branch, 10)
    exact = messages(db)
    assert exact == []

    def shuffled(conn: Any) -> dict[int, str]:
        out = register_audit.attendance_summaries(conn, None)
        return {r: summary.replace("核对码", "核对码0") for r, summary in out.items()}  # not the trail's code

    monkeypatch.setattr(register_audit, "grouped_attendance", shuffled)
    assert messages(db) == []
    dbkit.tamper(db, f"UPDATE org_life_attendance SET present = TRUE WHERE record_id = {rid}")
    named = messages(db)
    monkeypatch.undo()
    assert named == messages(db) and len(named) == 1 and "出勤登记与审计日志记录不一致" in named[0]
