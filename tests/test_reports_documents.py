"""反馈单, 约谈通知书, 约谈记录 and 整改台账: GB/T layout (no 红头) and content traced to the data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import reports_samples as samples
from docx.enum.section import WD_SECTION
from reports_samples import ISSUER, check_gongwen, open_docx, texts

from app.errors import ValidationError
from app.reports.config import issuer_from_settings, style_from_settings
from app.reports.content import from_snapshot, to_snapshot
from app.reports.feedback import (
    FeedbackLine,
    build_feedback_sheet,
    build_feedback_sheets,
    feedback_filename,
)
from app.reports.gongwen import score, signed
from app.reports.interview import (
    InterviewNoticeContent,
    InterviewRecordContent,
    build_interview_notice,
    build_interview_record,
    cn_datetime,
    notice_filename,
    record_filename,
)
from app.reports.rectification import LedgerContent, LedgerItem, build_ledger, ledger_filename

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MEETING = dt.datetime(2026, 11, 10, 14, 30)


@pytest.fixture(scope="module")
def sheets() -> list[samples.FeedbackSheetContent]:
    return samples.feedback_sheets(12)


def fill_runs(data: bytes) -> int:
    """How many underlined blanks there are to fill in by hand."""
    doc = open_docx(data)
    return sum(1 for p in doc.paragraphs for r in p.runs if r.style.name == "GW填空" and not r.text.strip())


# -- 考评情况反馈单 ------------------------------------------------------------------------------------------------


def test_feedback_sheet_lists_categories_and_every_deduction(sheets: list, tmp_path: Path) -> None:
    sheet = max(sheets, key=lambda s: len(s.lines))
    data = build_feedback_sheet(sheet, ISSUER)
    check_gongwen(data, tmp_path)
    doc = open_docx(data)
    paras = texts(doc)
    assert paras[0] == "2026年10月党建工作考评情况反馈单"
    assert f"{sheet.unit}党组（党委）：" in paras
    intro = next(p for p in paras if p.startswith("经县直机关工委复核"))
    assert f"得分{score(sheet.total)}分" in intro and f"排第{sheet.rank}名" in intro and sheet.tier in intro
    summary, detail = doc.tables
    assert [c.text for c in summary.rows[0].cells] == ["考评类别", "分值", "自评得分", "复核得分"]
    assert [r.cells[0].text for r in summary.rows[1:-1]] == [c.category.name for c in sheet.categories]
    assert [r.cells[3].text for r in summary.rows[1:-1]] == [score(c.score) for c in sheet.categories]
    assert summary.rows[-1].cells[3].text == score(sheet.total)
    assert len(detail.rows) == len(sheet.lines) + 2  # header, lines, 合计
    for row, line in zip(detail.rows[1:-1], sheet.lines, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[1] == f"{line.indicator}\n（{line.category}）"
        assert cells[2] == signed(line.points)
        assert cells[3].startswith(line.reason)
    lost = -sum((line.points for line in sheet.lines if line.category != "加分"), Decimal(0))
    total_row = [c.text for c in detail.rows[-1].cells]
    assert total_row[1:3] == ["合计", signed(sum((line.points for line in sheet.lines), Decimal(0)))]
    assert total_row[3].startswith(f"扣分合计{score(lost)}分")
    assert paras[-2:] == [ISSUER.name, "2026年11月5日"]
    assert feedback_filename(sheet) == f"2026年10月考评情况反馈单（{sheet.unit}）.docx"


def test_a_sheet_without_deductions_says_so(sheets: list) -> None:
    sheet = dataclasses.replace(sheets[0], lines=())
    doc = open_docx(build_feedback_sheet(sheet, ISSUER))
    assert "本月你单位各项指标均未扣分。" in texts(doc) and len(doc.tables) == 1


def test_combined_sheets_start_each_unit_on_an_odd_page_numbered_from_one(sheets: list) -> None:
    # Printed double-sided, a unit that starts on the back of another unit's sheet gets someone else's paper.
    doc = open_docx(build_feedback_sheets(sheets, ISSUER))
    assert len(doc.sections) == len(sheets)
    for section in doc.sections[1:]:
        assert section._sectPr.find(f"{W}pgNumType").get(f"{W}start") == "1"
        assert section.start_type == WD_SECTION.ODD_PAGE
    addressed = [p for p in texts(doc) if p.endswith("党组（党委）：")]
    assert addressed == [f"{s.unit}党组（党委）：" for s in sheets]
    with pytest.raises(ValidationError):
        build_feedback_sheets([], ISSUER)


def test_a_capped_indicator_shows_its_cap_as_a_line_of_its_own(sheets: list) -> None:
    # 谈心谈话 is worth 2 points: three missed talks at 1 point each lose 2, and the sheet says so on its own line.
    base = sheets[0]
    lines = (FeedbackLine("组织生活", "谈心谈话", Decimal("-3.0"), "三名委员未开展谈心谈话（3次，每次1.0分）"),
             FeedbackLine("组织生活", "谈心谈话", Decimal("1.0"), "封顶调整（本项扣分不超过该项分值）", cap=True),
             FeedbackLine("学习教育", "集中学习", Decimal("-1.0"), "未按月开展集中学习"))
    doc = open_docx(build_feedback_sheet(dataclasses.replace(base, lines=lines), ISSUER))
    detail = doc.tables[1]
    rows = [[c.text for c in r.cells] for r in detail.rows[1:]]
    assert [r[0] for r in rows] == ["1", "", "2", ""]  # the cap is not a deduction: no 序号 of its own
    assert rows[1][2:] == ["+1.0", "封顶调整（本项扣分不超过该项分值）"]
    assert rows[-1][1:] == ["合计", "-3.0", "扣分合计3.0分"]
    assert "扣（加）分明细（共2项，另有封顶调整1项）如下：" in texts(doc)


def test_bad_feedback_content_is_refused(sheets: list) -> None:
    with pytest.raises(ValidationError, match="名次"):
        dataclasses.replace(sheets[0], rank=99)
    with pytest.raises(ValidationError, match="分值为0"):
        dataclasses.replace(sheets[0], lines=(FeedbackLine("学习教育", "集中学习", Decimal(0), "无"),))


# -- 约谈通知书 ----------------------------------------------------------------------------------------------------


NOTICE = InterviewNoticeContent("县统计局", "党组书记", 2026, 10, dt.date(2026, 11, 6),
                                reasons=("支委会未按月召开", "党费未按时缴纳"), rank=40, unit_count=40,
                                total=Decimal("83.6"), tier="后进")


def test_blank_notice_leaves_time_place_interviewers_and_name_to_fill_in(tmp_path: Path) -> None:
    data = build_interview_notice(NOTICE, ISSUER)
    check_gongwen(data, tmp_path)
    paras = texts(open_docx(data))
    assert paras[0] == "约谈通知书" and "县统计局党组（党委）：" in paras
    assert "得分83.6分，排名第40位（共40个单位），处于后进档次" in paras[3]
    assert "一、约谈事由：1.支委会未按月召开；2.党费未按时缴纳。" in paras
    assert fill_runs(data) == 4  # time, place, interviewers, the interviewee's name
    assert any(p.startswith("二、约谈时间：") for p in paras)
    assert paras[-2:] == [ISSUER.name, "2026年11月6日"]


def test_filled_notice_prints_what_was_entered(tmp_path: Path) -> None:
    filled = dataclasses.replace(NOTICE, interviewee_name="李明", time=MEETING, place="县委大院3号楼302会议室",
                                 interviewers=("县直机关工委书记王强",))
    data = build_interview_notice(filled, ISSUER)
    check_gongwen(data, tmp_path)
    paras = texts(open_docx(data))
    assert "二、约谈时间：2026年11月10日（星期二）下午2时30分" in paras
    assert "三、约谈地点：县委大院3号楼302会议室" in paras
    assert "四、约谈人：县直机关工委书记王强" in paras
    assert "五、被约谈人：县统计局党组书记李明同志" in paras
    assert fill_runs(data) == 0
    assert notice_filename(filled) == "2026年10月约谈通知书（县统计局）.docx"


def test_notice_refuses_an_unknown_post() -> None:
    with pytest.raises(ValidationError, match="被约谈人职务"):
        dataclasses.replace(NOTICE, interviewee_post="局长")


def test_cn_datetime() -> None:
    assert cn_datetime(dt.datetime(2026, 11, 3, 9, 5)) == "2026年11月3日（星期二）上午9时5分"
    assert cn_datetime(MEETING) == "2026年11月10日（星期二）下午2时30分"
    assert cn_datetime(dt.datetime(2026, 11, 10, 15, 0)) == "2026年11月10日（星期二）下午3时"


# -- 约谈记录 ------------------------------------------------------------------------------------------------------


RECORD = InterviewRecordContent("县统计局", 2026, 10, time=MEETING, place="县委大院3号楼302会议室",
                                interviewers=("王强",), interviewee_name="李明", interviewee_post="党组书记",
                                recorder="张敏", reasons=("10月考评排名末位",),
                                conversation="王强同志指出县统计局党组对党建工作重视不够，支委会长期不按月召开。",
                                statement="李明同志表示完全接受约谈意见，立即召开党组会研究整改。",
                                requirements=("15个工作日内报送整改方案", "建立支委会按月召开制度"),
                                deadline=dt.date(2026, 12, 1))


def form_values(data: bytes) -> dict[str, str]:
    table = open_docx(data).tables[0]
    return {r.cells[0].text: r.cells[1].text for r in table.rows}


def test_filled_record_carries_every_field(tmp_path: Path) -> None:
    data = build_interview_record(RECORD, ISSUER)
    results = check_gongwen(data, tmp_path)
    assert {rule: r["detail"] for rule, r in results.items() if r["status"] == "WARN"} == {}
    values = form_values(data)
    assert (values["约谈日期"], values["约谈时间"]) == ("2026年11月10日", "星期二下午2时30分")
    assert values["被约谈人及职务"] == "李明，县统计局党组书记"
    assert values["记录人"] == "张敏"
    assert values["谈话内容"] == RECORD.conversation and values["被约谈人表态"] == RECORD.statement
    assert values["整改要求"] == "1.15个工作日内报送整改方案。\n2.建立支委会按月召开制度。"
    assert values["整改时限"] == "15个工作日内，即2026年12月1日前"
    assert record_filename(RECORD) == "2026年10月约谈记录（县统计局）.docx"


def test_blank_record_has_tall_empty_cells_and_signature_lines(tmp_path: Path) -> None:
    blank = InterviewRecordContent("县统计局", 2026, 10)
    data = build_interview_record(blank, ISSUER, on=dt.date(2026, 11, 10))
    check_gongwen(data, tmp_path)
    table = open_docx(data).tables[0]
    rows = {r.cells[0].text: r for r in table.rows}
    assert rows["谈话内容"].cells[1].text == ""
    height = rows["谈话内容"]._tr.trPr.find(f"{W}trHeight")
    assert int(height.get(f"{W}val")) >= 3900 and height.get(f"{W}hRule") == "atLeast"  # about 70 mm to write in
    assert rows["整改时限"].cells[1].text == "自约谈之日起15个工作日内"
    assert fill_runs(data) == 6  # three signatures, three dates
    assert record_filename(blank) == "2026年10月约谈记录（空白）（县统计局）.docx"


# -- 整改台账 ------------------------------------------------------------------------------------------------------


def ledger_items() -> tuple[LedgerItem, ...]:
    day = dt.date(2026, 11, 20)
    return (
        LedgerItem("县统计局", "支委会未按月召开", "建立月度提醒制度", "李明", day, "逾期", source="2026年10月约谈"),
        LedgerItem("县统计局", "党费未按时缴纳", "补缴并建立台账", "李明", day, "已销号", dt.date(2026, 11, 18),
                   "经审核整改到位", progress="已补缴"),
        LedgerItem("县司法局", "会议记录不完整", "补齐记录", "赵刚", day, "整改中"),
        LedgerItem("县司法局", "书记未讲党课", "12月讲党课", "赵刚", dt.date(2026, 12, 15), "未整改"),
        LedgerItem("县审计局", "联系点调研未开展", "开展调研", "周敏", day, "待审核"),
    )


def test_ledger_sums_up_names_the_overdue_and_lists_every_item(tmp_path: Path) -> None:
    content = LedgerContent("2026年10月约谈", dt.date(2026, 11, 25), ledger_items())
    data = build_ledger(content, ISSUER)
    check_gongwen(data, tmp_path)
    doc = open_docx(data)
    paras = texts(doc)
    assert paras[0] == "2026年10月约谈整改台账"
    summary = next(p for p in paras if p.startswith("截至"))
    assert "共有整改事项5项，涉及3个单位" in summary
    assert "已销号1项，待审核1项，整改中1项，未整改1项，逾期1项" in summary and "销号率20.0%" in summary
    assert "1.县统计局：支委会未按月召开（时限2026年11月20日，责任人李明）。" in paras
    per_unit, detail = doc.tables
    assert [c.text for c in per_unit.rows[1].cells] == ["1", "县统计局", "2", "0", "0", "0", "1", "1"]
    assert detail.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
    rows = [[tc.xpath("string(.)") for tc in r._tr.tc_lst] for r in detail.rows[1:]]
    # a unit's row names the source of the items below it, the run's count when the unit has others
    assert [r for r in rows if len(r) == 1] == [["县司法局（2项）"], ["县审计局（1项）"], ["县统计局（2项）　来源：未注明（1项）"],
                                                 ["县统计局（续）　来源：2026年10月约谈（1项）"]]
    rows = [r for r in rows if len(r) > 1]
    assert len(rows) == 5
    closed = next(r for r in rows if r[1] == "党费未按时缴纳")
    assert closed[3:] == ["李明", "2026.11.20", "已销号", "2026.11.18销号：经审核整改到位"]
    assert rows[-1][1] == "支委会未按月召开"  # under its source's row, not lengthened by it
    assert doc.sections[-1].page_width > doc.sections[-1].page_height
    assert ledger_filename(content) == "2026年10月约谈整改台账（截至2026年11月25日）.docx"


def test_an_empty_ledger_says_so() -> None:
    paras = texts(open_docx(build_ledger(LedgerContent("2026年度", dt.date(2026, 3, 1), ()), ISSUER)))
    assert "截至2026年3月1日，2026年度无整改事项。" in paras


def test_ledger_refuses_unknown_status_and_closing_without_a_note() -> None:
    item = ledger_items()[2]
    with pytest.raises(ValidationError, match="状态无效"):
        LedgerContent("x", dt.date(2026, 11, 25), (dataclasses.replace(item, status="已完成"),))
    with pytest.raises(ValidationError, match="缺少销号日期或销号说明"):
        LedgerContent("x", dt.date(2026, 11, 25), (dataclasses.replace(item, status="已销号"),))


# -- settings ------------------------------------------------------------------------------------------------------


def test_issuer_and_fonts_come_from_the_settings() -> None:
    from app import settings as S

    values = {S.ISSUER_NAME.key: "中共样例县直属机关工作委员会", S.ISSUER_CODE.key: "样直工委",
              S.CC.key: ["县委办公室", " ", "县纪委监委机关"], S.PRINTER.key: "", S.FONT_FANGSONG.key: "仿宋"}

    def read(d: S.SettingDef) -> object:
        return values.get(d.key, d.default)

    issuer = issuer_from_settings(read)
    assert str(issuer.number(2026, 7)) == "样直工委〔2026〕7号"
    assert issuer.cc == ("县委办公室", "县纪委监委机关")
    assert issuer.printer == "中共样例县直属机关工作委员会"  # an empty 印发机关 falls back to the issuer
    assert issuer.mark_text == "中共样例县直属机关工作委员会文件"
    style = style_from_settings(read)
    assert style.fangsong == "仿宋" and style.kaiti == "楷体_GB2312"


def test_settings_are_read_from_the_database(db) -> None:  # type: ignore[no-untyped-def]
    from app import settings as S

    with db.session() as session:
        S.set_value(session, S.ISSUER_CODE, "样直工委")
        S.set_value(session, S.CC, "县委办公室，县委组织部，县委宣传部")
    with db.session() as session:
        issuer = issuer_from_settings(S.reader(session))
    assert issuer.code == "样直工委"
    assert issuer.cc == ("县委办公室", "县委组织部", "县委宣传部")


def test_snapshots_of_notices_records_and_ledgers_round_trip() -> None:
    ledger = LedgerContent("2026年10月约谈", dt.date(2026, 11, 25), ledger_items())
    for content in (NOTICE, RECORD, ledger):
        assert from_snapshot(type(content), to_snapshot(content)) == content
