"""The audit trail: append-only, hash-chained, and checked against the current state."""

from __future__ import annotations

import dbkit
import pytest
from scoring_support import County, item_by_code, make_county
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError

from app.cli import main
from app.models import AuditEntry
from app.services.audit import (
    GENESIS_HASH,
    canonical,
    chain_head,
    chained_rows,
    entry_hash,
    history,
    read_head,
    verify,
)
from app.services.scoring import OccurrenceInput


@pytest.fixture
def county(db) -> County:
    """Three units, a month with a few deductions, a self score and a reviewed sheet: about 15 entries."""
    c = make_county(db, n=3)
    pid = c.month()
    c.deduct(pid, 0, "life.theme_day", 2)
    c.deduct(pid, 1, "pol.deployment", 3)
    c.deduct(pid, 1, "org.dues", 4)
    c.scoring.set_self_score(item_by_code(c.form(pid, 2), "study.plan").id, "2")
    c.scoring.set_reviewed(c.scoring.sheets(pid)[2].id)
    return c


def tamper(db, *sql: str) -> None:
    """What someone with full rights on the database could do: drop the triggers and change rows."""
    dbkit.tamper(db, *sql)


def test_a_clean_trail_verifies(county, db):
    report = verify(db.session_factory)
    assert report.ok, report.findings
    assert report.entries >= 10 and report.head == chain_head(db.session_factory)
    assert str(report.head) == f"审计链 第{report.head.seq}条 {report.head.hash[:8]}"


def test_entries_are_chained_by_sha256_over_canonical_json(county, db):
    with db.session_factory() as s:
        rows = list(s.query(AuditEntry).order_by(AuditEntry.seq))
    assert rows[0].prev_hash == GENESIS_HASH and [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for prev, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == prev.hash
    r = next(r for r in rows[1:] if r.entity == "period")  # the register's entries come first, then scoring's
    fields = (r.seq, r.at, r.who, r.action, r.entity, r.entity_id, r.field, r.old, r.new, r.reason)
    assert canonical(fields).startswith(f'[{r.seq},"{r.at}","测试员",')
    assert entry_hash(r.prev_hash, fields) == r.hash and len(r.hash) == 64


def test_triggers_refuse_update_and_delete(county, db):
    for statement in ("UPDATE audit_entry SET who = '某人' WHERE seq = 2", "DELETE FROM audit_entry WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="只能追加"), db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with db.session_factory() as s:
        assert s.scalar(select(AuditEntry.who).where(AuditEntry.seq == 2)) == "机关工委"  # the register's first entry


def test_an_edited_entry_is_named(county, db):
    tamper(db, "UPDATE audit_entry SET new = '4.0' WHERE seq = 3")
    report = verify(db.session_factory)
    assert not report.chain_ok
    assert report.findings[0].seq == 3
    assert "第3条记录的内容与其哈希不符" in report.findings[0].message
    assert len(report.findings) == 1  # after a break, the state is not compared with values that cannot be trusted


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link(county, db):
    with db.session_factory() as s:
        r = s.get(AuditEntry, 3)
        fields = (r.seq, r.at, r.who, r.action, r.entity, r.entity_id, r.field, r.old, "4.0", r.reason)
        forged = entry_hash(r.prev_hash, fields)
    tamper(db, f"UPDATE audit_entry SET new = '4.0', hash = '{forged}' WHERE seq = 3")
    report = verify(db.session_factory)
    assert report.findings[0].seq == 4 and "前序哈希与第3条不符" in report.findings[0].message


def test_a_deleted_entry_is_named(county, db):
    tamper(db, "DELETE FROM audit_entry WHERE seq = 5")
    report = verify(db.session_factory)
    assert report.findings[0].seq == 5 and "第5条记录缺失" in report.findings[0].message


def test_reordered_entries_are_found(county, db):
    tamper(db, "UPDATE audit_entry SET seq = -1 WHERE seq = 4", "UPDATE audit_entry SET seq = 4 WHERE seq = 5",
           "UPDATE audit_entry SET seq = 5 WHERE seq = -1")
    report = verify(db.session_factory)
    assert report.findings[0].seq == 4 and "第4条" in report.findings[0].message


def test_a_score_changed_by_raw_sql_is_found(county, db):
    item = item_by_code(county.form(1, 1), "pol.deployment")
    tamper(db, f"UPDATE score_item SET review_score = 60 WHERE id = {item.id}")  # 3.0 → 6.0 (tenths)
    messages = [f.message for f in verify(db.session_factory).findings]
    assert any("2026-03 县第2局“上级党建工作部署落实”复核得分为6.0，审计日志最后记录为3.0" in m for m in messages)
    assert any("与其扣分（加分）记录计算的3.0不符" in m for m in messages)
    assert any("考评表合计" in m for m in messages)  # the stored total no longer matches its items


def test_an_untouched_item_changed_by_raw_sql_is_found(county, db):
    item = item_by_code(county.form(1, 2), "life.heart_talk")  # never edited: no entry, the base score stands
    tamper(db, f"UPDATE score_item SET review_score = 10 WHERE id = {item.id}")
    messages = [f.message for f in verify(db.session_factory).findings]
    assert any("“谈心谈话”复核得分为1.0，审计日志最后记录为2.0" in m for m in messages)


def test_deductions_deleted_or_inserted_by_raw_sql_are_found(county, db):
    form = county.form(1, 0)
    ded = item_by_code(form, "life.theme_day").deductions[0]
    item = item_by_code(form, "study.plan")
    tamper(db, f"DELETE FROM deduction WHERE id = {ded.id}",
           "INSERT INTO deduction (item_id, occurrences, points_each, reason, evidence_note, evidence_file, source, "
           f"created_at, created_by) VALUES ({item.id}, 1, 10, '伪造', '', '', '', '2026-03-01 00:00:00', 'x')")
    messages = [f.message for f in verify(db.session_factory).findings]
    assert any(f"审计日志记录的扣分（编号{ded.id}）在数据库中已不存在" in m for m in messages)
    assert any("“伪造”）没有审计记录" in m for m in messages)


def test_a_changed_deduction_period_state_or_review_flag_is_found(county, db):
    ded = item_by_code(county.form(1, 1), "org.dues").deductions[0]
    sheet = county.scoring.sheets(1)[2]
    tamper(db, f"UPDATE deduction SET reason = '改过的原因' WHERE id = {ded.id}",
           "UPDATE period SET state = '已锁定' WHERE id = 1",
           f"UPDATE score_sheet SET reviewed = false WHERE id = {sheet.id}")
    messages = [f.message for f in verify(db.session_factory).findings]
    assert any("“改过的原因”）与审计日志最后记录的内容不符" in m for m in messages)
    assert any("考评期2026-03的状态为“已锁定”，审计日志记录为“草稿”" in m for m in messages)
    assert any("县第3局考评表复核标记为“否”，审计日志记录为“是”" in m for m in messages)


def test_bulk_rows_continue_the_chain(county, db):
    with db.session_factory() as s, s.begin():
        head = read_head(s)
        rows = list(chained_rows(head, [("2026-03-31T00:00:00Z", "演示", "备注", "note", None, "", None, f"第{i}条", "")
                                        for i in range(3)]))
        s.execute(insert(AuditEntry), rows)
    report = verify(db.session_factory)
    assert report.ok and report.head.seq == head.seq + 3


def test_history_of_a_record(county, db):
    ded = item_by_code(county.form(1, 0), "life.theme_day").deductions[0]
    county.scoring.edit_deduction(ded.id, OccurrenceInput("未开展主题党日（两次）", 2))
    lines = history(db.session_factory, "deduction", [ded.id])
    assert [x.action for x in lines] == ["新增", "修改"] and all(x.who == "测试员" for x in lines)
    assert verify(db.session_factory).ok


def test_cli_audit_verify_exit_codes(county, db, paths, capsys):
    db.close()
    args = ["--data-dir", str(paths.data_dir), "audit"]
    assert main([*args, "verify"]) == 0
    assert "审计日志完好" in capsys.readouterr().out
    assert main([*args, "head"]) == 0
    assert capsys.readouterr().out.startswith("审计链 第")
    tamper(db, "UPDATE score_item SET review_score = 0 WHERE id = 1")
    assert main([*args, "verify"]) == 1
    assert "复核得分为0.0" in capsys.readouterr().err
