"""The monthly 通报: 文号 per year, reissue, snapshots that survive a reopened month, the document checked against
the data (and GB/T 9704), the 反馈单, locked output files and the `dangjian report` commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from decimal import Decimal

import dbkit
import docx
import pytest
from documents_support import UNITS, open_copy, score_month
from documents_support import built as built
from reports_samples import check_gongwen
from sqlalchemy import select, text

from app import settings as S
from app.cli import main
from app.errors import NotFoundError, OperationCancelled, OutputLockedError, ReportError, ValidationError
from app.models import AuditEntry, Bulletin, PeriodState
from app.services.audit import verify
from app.services.bulletin import BulletinService, content_from_json, content_to_json
from app.services.interview import unit_problems
from app.services.ranking import RankingService
from app.services.scoring import OccurrenceInput

ISSUED = dt.date(2026, 11, 5)


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def service(county) -> BulletinService:
    return BulletinService(county.db.session_factory, actor="张敏", today=lambda: ISSUED)


def all_text(data: bytes) -> str:
    """Every piece of text in the document body (paragraphs and tables, in order)."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def ranking_table(data: bytes) -> list[list[str]]:
    doc = docx.Document(io.BytesIO(data))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    return [[c.text for c in row.cells] for row in table.rows]


# --- 文号 ---------------------------------------------------------------------------------------------------------


def test_numbers_count_up_per_year_of_issue(service):
    first = service.issue(2026, 10)
    second = service.issue(2026, 9)
    assert (first.doc_number, second.doc_number) == ("示直工委〔2026〕1号", "示直工委〔2026〕2号")
    assert str(service.next_number()) == "示直工委〔2026〕3号"
    # The 文号 year is the year the 通报 is issued, not the year of the month it reports.
    january = service.issue(2026, 10, issued_on=dt.date(2027, 1, 6), reason="补发")
    assert january.doc_number == "示直工委〔2027〕1号"
    assert str(service.next_number(2026)) == "示直工委〔2026〕3号"


def test_reissue_needs_a_reason_and_gets_a_new_number(service):
    first = service.issue(2026, 10)
    with pytest.raises(ValidationError, match="重新印发须说明理由") as err:
        service.issue(2026, 10)
    assert err.value.problems[0].field == "reason"
    again = service.issue(2026, 10, reason="更正县林业局扣分")
    assert again.doc_number == "示直工委〔2026〕2号"
    assert again.supersedes == first.doc_number and again.reason == "更正县林业局扣分"
    old, new = service.bulletin(first.id), service.bulletin(again.id)
    assert old.superseded_by == new.doc_number and not old.current and new.current
    assert service.current_for(2026, 10).id == again.id
    # Both documents are kept; the new one says which it replaces.
    assert "示直工委〔2026〕1号通报同时废止" in all_text(service.document(again.id))
    assert "同时废止" not in all_text(service.document(first.id))


def test_a_chosen_sequence_is_used_once(service):
    chosen = service.issue(2026, 10, sequence=12)
    assert chosen.doc_number == "示直工委〔2026〕12号"
    assert str(service.next_number()) == "示直工委〔2026〕13号"
    for bad, message in ((12, "已被使用"), (0, "1至9999"), ("x", "正整数")):
        with pytest.raises(ValidationError, match=message):
            service.issue(2026, 9, sequence=bad)
    assert len(service.bulletins()) == 1


def test_the_code_in_force_when_issued_is_kept(county, service):
    service.issue(2026, 10)
    with county.db.session() as s:
        S.set_value(s, S.ISSUER_CODE, "示委")
    assert service.issue(2026, 9).doc_number == "示委〔2026〕1号"
    assert [v.doc_number for v in service.bulletins()] == ["示委〔2026〕1号", "示直工委〔2026〕1号"]


# --- refusals ----------------------------------------------------------------------------------------------------


def test_only_a_locked_month_is_issued(county, service):
    score_month(county, 2026, 11, [], lock=False)
    with pytest.raises(ValidationError, match="尚未锁定"):
        service.issue(2026, 11)
    with pytest.raises(NotFoundError, match="2026年12月还没有考评"):
        service.issue(2026, 12)
    with pytest.raises(ValidationError, match="不能超过"):
        service.issue(2026, 10, reason="长" * 501)
    assert service.bulletins() == []


def test_cancel_before_saving_leaves_nothing(service):
    with pytest.raises(OperationCancelled):
        service.issue(2026, 10, cancelled=lambda: True)
    assert service.bulletins() == []
    steps = []
    service.issue(2026, 10, progress=lambda done, total, text: steps.append((done, total, text)))
    assert steps[0] == (0, 4, "正在读取考评数据……") and steps[-1] == (4, 4, "完成")


# --- the snapshot ------------------------------------------------------------------------------------------------


def test_snapshot_and_document_survive_a_reopened_month(county, service):
    issued = service.issue(2026, 10)
    snapshot, document = service.snapshot(issued.id), service.document(issued.id)
    forestry = county.unit("县林业局")
    # An administrator reopens October, corrects 县林业局 and locks it again.
    pid = county.periods["2026-10"]
    county.scoring.reopen_period(pid, "复核更正", is_admin=True)
    sheet = next(sh for sh in county.scoring.sheets(pid) if sh.unit_id == forestry)
    county.scoring.set_reviewed(sheet.id, False)
    item = next(i for i in county.scoring.form(sheet.id).items if i.indicator.code == "study.plan")
    county.scoring.add_deduction(item.id, OccurrenceInput("未制定年度学习计划", 1, evidence_note="检查记录"))
    county.scoring.set_reviewed(sheet.id, True)
    county.scoring.lock_period(pid)

    assert service.snapshot(issued.id) == snapshot
    assert service.document(issued.id) == document
    assert hashlib.sha256(document).hexdigest() == issued.sha256
    assert service.bulletin(issued.id).reopened_since
    assert "重新开放" in service.bulletin(issued.id).status
    old_total = next(r.total for r in snapshot.rows if r.unit == "县林业局")
    again = service.issue(2026, 10, reason="县林业局复核更正")
    new_total = next(r.total for r in service.snapshot(again.id).rows if r.unit == "县林业局")
    assert new_total == old_total - 1
    assert not service.bulletin(again.id).reopened_since


def test_snapshot_json_round_trip(service):
    content = service.content(2026, 10, issued_on=ISSUED)
    assert content_from_json(content_to_json(content)) == content


def test_a_changed_stored_document_is_refused(county, service):
    issued = service.issue(2026, 10)
    with county.db.session() as s:
        s.execute(text("UPDATE bulletin SET document = :d WHERE id = :i"), {"d": b"PK tampered", "i": issued.id})
    with pytest.raises(ReportError, match="校验码不符"):
        service.document(issued.id)


# --- the document against the data --------------------------------------------------------------------------------


def test_document_matches_the_locked_ranking(county, service, tmp_path):
    issued = service.issue(2026, 10)
    data = service.document(issued.id)
    ranking = RankingService(county.db.session_factory).month(2026, 10)
    body = all_text(data)
    assert issued.doc_number in body
    assert "关于2026年10月全县机关党建工作" in body
    # 先进 units are named; the 约谈 candidate is named; the chain head is printed.
    advanced = [r.unit for r in ranking.rows if r.tier.value == "先进"]
    assert advanced and all(u in body for u in advanced)
    assert "县林业局" in body and "约谈" in body
    assert f"审计日志第{issued.audit_seq}条，校验码{issued.audit_hash[:16]}" in body
    mean = ranking.distribution.mean
    assert f"平均得分{mean}分" in body
    # 存在问题: 17 occurrences in all; 支委会 lost most often (5 times in 4 deductions), named first.
    problems = body[body.index("三、存在问题"):body.index("四、工作要求")]
    assert "累计扣分17次" in problems
    assert problems.index("支委会（每月）") < problems.index("党组专题研究党建")
    # The attachment lists every unit with its rank, total, 环比 and tier, in rank order.
    rows = ranking_table(data)
    assert rows[0][:2] == ["序号", "单位"] and rows[0][-4:] == ["总分", "名次", "环比", "档次"]
    assert len(rows) == 1 + len(UNITS)
    expected = [[r.unit, str(r.total), str(r.rank), r.tier.value] for r in ranking.rows]
    assert [[row[1], row[-4], row[-3], row[-1]] for row in rows[1:]] == expected
    forestry = next(r for r in ranking.rows if r.unit == "县林业局")
    assert rows[-1][-2] == f"{forestry.change:+}"
    results = check_gongwen(data, tmp_path, "--redhead", "--expect-chart", name="bulletin.docx")
    assert results["doc-number"]["status"] == "PASS"


def test_trend_uses_locked_months_before_this_one(county, service):
    content = service.content(2026, 10, issued_on=ISSUED)
    september = RankingService(county.db.session_factory).month(2026, 9).distribution.mean
    assert content.trend[8] == september and content.trend[9] is None and len(content.trend) == 12
    assert content.interviewees == ("县林业局",)
    assert sum(1 for d in content.deductions if d.indicator == "支委会（每月）") == 5


def test_settings_print_on_the_document(county, service):
    with county.db.session() as s:
        S.set_value(s, S.ISSUER_NAME, "中共测试县直属机关工作委员会")
        S.set_value(s, S.CC, "县委办公室，县纪委监委")
        S.set_value(s, S.RECTIFY_WORKING_DAYS, 10)
    body = all_text(service.document(service.issue(2026, 10).id))
    assert "中共测试县直属机关工作委员会文件" in body
    assert "县纪委监委" in body and "10个工作日" in body


# --- writing files ------------------------------------------------------------------------------------------------


def test_export_to_a_locked_file_is_reported_and_leaves_it_alone(service, tmp_path, monkeypatch):
    issued = service.issue(2026, 10)
    folder = tmp_path / "输出"
    folder.mkdir()
    target = folder / "通报.docx"
    target.write_bytes(b"the copy open in Word")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputLockedError, match="正被其他程序"):
        service.export(issued.id, target)
    assert target.read_bytes() == b"the copy open in Word"
    assert sorted(p.name for p in folder.iterdir()) == ["通报.docx"]
    monkeypatch.undo()
    written = service.export_to_folder(issued.id, folder)
    assert written.name == "2026年10月机关党建工作考评情况通报（示直工委〔2026〕1号）.docx"
    assert written.read_bytes() == service.document(issued.id)


# --- 考评情况反馈单 ------------------------------------------------------------------------------------------------


def test_feedback_sheets_one_per_unit_with_reasons(county, service, tmp_path):
    paths = service.write_feedback(2026, 10, tmp_path / "反馈单", combined=True)
    assert len(paths) == len(UNITS) + 1
    forestry = next(p for p in paths if "县林业局" in p.name)
    body = all_text(forestry.read_bytes())
    # Addressed to the unit's party organisation as the register names it, not a generic "党组（党委）".
    assert "中共县林业局机关委员会：" in body and "党组（党委）：" not in body
    for reason in ("两个支部未召开支委会（2次，每次1.0分）", "党组未专题研究党建工作", "被县委通报批评"):
        assert reason in body
    assert "排第8名" in body
    check_gongwen(forestry.read_bytes(), tmp_path, name="feedback.docx")
    clean = next(p for p in paths if "县财政局" in p.name)
    assert "各项指标均未扣分" in all_text(clean.read_bytes())
    branch_unit = next(p for p in paths if f"（{UNITS[1]}）" in p.name)
    assert f"中共{UNITS[1]}机关支部委员会：" in all_text(branch_unit.read_bytes())


def test_feedback_before_locking_but_not_before_review(county, service):
    score_month(county, 2026, 11, [(0, "life.theme_day", 1, "未开展主题党日")], lock=False)
    assert county.scoring.find_month(2026, 11).state == PeriodState.REVIEWED
    sheets = service.feedback_contents(2026, 11, unit_ids=[county.unit_ids[0]])
    assert [(s.unit, s.total) for s in sheets] == [("县财政局", Decimal("99.0"))]
    sheet = county.scoring.sheets(county.periods["2026-10"])[0]
    county.scoring.reopen_period(county.periods["2026-10"], "更正", is_admin=True)
    county.scoring.set_reviewed(sheet.id, False)
    with pytest.raises(ValidationError, match="尚未全部复核"):
        service.feedback_contents(2026, 10)


def test_feedback_cancel_writes_nothing(service, tmp_path):
    calls = iter([False, False, True])
    with pytest.raises(OperationCancelled):
        service.write_feedback(2026, 10, tmp_path / "out", cancelled=lambda: next(calls, True))
    assert not (tmp_path / "out").exists()


# --- the commands ------------------------------------------------------------------------------------------------


def test_report_commands(county, paths, capsys, tmp_path):
    county.db.close()
    data = ["--data-dir", str(paths.data_dir)]
    out = tmp_path / "out"
    assert main([*data, "report", "bulletin", "2026-10", "--out", str(out / "十月通报.docx"), "--date",
                 "2026-11-05"]) == 0
    assert "文号示直工委〔2026〕1号" in capsys.readouterr().out
    first = (out / "十月通报.docx").read_bytes()
    # Asked again: the issued one is exported, no new number.
    assert main([*data, "report", "bulletin", "2026-10", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "已印发通报示直工委〔2026〕1号" in said and "--reissue" in said
    assert (out / "2026年10月机关党建工作考评情况通报（示直工委〔2026〕1号）.docx").read_bytes() == first
    # Dated in November 2026, as the first: the 文号's year is the year of issue, whatever day the run lives on.
    assert main([*data, "report", "bulletin", "2026-10", "--out", str(out), "--reissue", "更正", "--date",
                 "2026-11-06"]) == 0
    assert "示直工委〔2026〕2号" in capsys.readouterr().out
    assert main([*data, "report", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("示直工委〔2026〕2号") and "已被示直工委〔2026〕2号替代" in listed[1]
    assert main([*data, "report", "feedback", "2026-10", "--out", str(tmp_path / "fb")]) == 0
    assert len(list((tmp_path / "fb").glob("*.docx"))) == len(UNITS)
    assert main([*data, "report", "interviews", "2026-10", "--out", str(tmp_path / "iv")]) == 0
    assert "县林业局" in capsys.readouterr().out
    assert len(list((tmp_path / "iv").glob("*.docx"))) == 2
    assert main([*data, "report", "rectification", "--out", str(tmp_path / "台账.docx")]) == 0
    assert (tmp_path / "台账.docx").stat().st_size > 0
    capsys.readouterr()
    assert main([*data, "report", "bulletin", "2026-13", "--out", str(out)]) == 2
    assert "格式不对" in capsys.readouterr().err
    assert main([*data, "report", "bulletin", "2026-10", "--out", str(out), "--date", "11月5日"]) == 2
    assert main([*data, "report", "rectification", "--out", str(out), "--unit", "不存在的局"]) == 2
    assert "没有名为“不存在的局”的单位" in capsys.readouterr().err


def test_issuing_is_audited(county, service):
    issued = service.issue(2026, 10)
    with county.db.session_factory() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "bulletin"))
        stored = s.get(Bulletin, issued.id)
        assert stored is not None and stored.audit_seq == entry.seq - 1
    assert (entry.action, entry.new, entry.who) == ("印发", "示直工委〔2026〕1号", "张敏")
    assert verify(county.db.session_factory).ok


def test_points_beyond_an_indicators_worth_are_not_counted(county, service):
    pid = score_month(county, 2026, 11, [(0, "study.lecture", 3, "书记未讲党课")])  # worth 4, 2 each
    content = service.content(2026, 11, issued_on=ISSUED)
    assert [d.points for d in content.deductions] == [Decimal(2), Decimal(2), Decimal(0)]
    finance = next(r for r in content.rows if r.unit == "县财政局")
    assert finance.total == Decimal("96.0")
    with county.db.session_factory() as s:
        assert unit_problems(s, pid)[county.unit("县财政局")] == ["书记、班子成员讲党课：书记未讲党课（扣4.0分）"]


def test_feedback_says_when_deductions_exceed_what_an_indicator_can_lose(county, service):
    # 谈心谈话 is worth 2 points; three missed talks at 1 point each lose 2, not 3: the sheet must say why.
    score_month(county, 2026, 11, [(4, "life.heart_talk", 3, "三名委员未开展谈心谈话")], lock=False)
    sheet = service.feedback_contents(2026, 11, unit_ids=[county.unit_ids[4]])[0]
    talks = [x for x in sheet.lines if x.indicator == "谈心谈话"]
    assert [(x.points, x.cap) for x in talks] == [(Decimal("-3.0"), False), (Decimal("1.0"), True)]
    assert talks[1].reason.startswith("封顶调整（本项扣分不超过该项分值：本项合计扣3.0分，实扣2.0分")
    assert sum(x.points for x in talks) == Decimal("-2.0")  # the lines add up to what was lost
    assert not any(x.cap for x in sheet.lines if x.indicator != "谈心谈话")


def test_entries_deleted_from_the_end_of_the_chain_are_caught_by_the_printed_head(county, service):
    issued = service.issue(2026, 10)
    head = county.db.session_factory().execute(text("SELECT audit_seq FROM bulletin")).scalar_one()
    assert verify(county.db.session_factory).findings == []
    dbkit.tamper(county.db, f"DELETE FROM audit_entry WHERE seq >= {head - 1}")  # the rest still links
    messages = [f.message for f in verify(county.db.session_factory).findings]
    assert any(f"短于通报{issued.doc_number}上印的链头第{head}条" in m for m in messages)
