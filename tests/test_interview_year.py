"""约谈 beyond the month: the year's (述职评议 一般 / 差) and a quarter's interviews get their notice and record, worded
for the year or the quarter, are listed next to the months, and come out of `dangjian report interviews 2026` /
`2026-Q4`; the notice prints each 约谈人 with their post, leaves a visible line for 联系人及电话 (with a warning)
when it is not set, keeps the 被约谈人 blank with "同志" whatever the unit's name, and is addressed to the unit's
party organisation as the register names it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from annual_support import UNITS, build_template, open_copy
from reports_samples import check_gongwen, open_docx, texts
from sqlalchemy import select

from app import settings as S
from app.cli import main
from app.errors import NotFoundError, ValidationError
from app.models import Interview, InterviewPost, OrgKind, Period, PeriodKind
from app.reports.gongwen import IssuingBody
from app.reports.interview import (
    InterviewNoticeContent,
    InterviewRecordContent,
    build_interview_notice,
    split_interviewer,
)
from app.services import office
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.interview import InterviewService, parse_period
from app.services.quarter import QuarterService
from app.services.register import OrgInput, RegisterService

TODAY = dt.date(2026, 12, 20)
HELD = dt.date(2026, 12, 18)
# 县水利局 ends 一般 and 县林业局 差 (as in test_annual).
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [98, 96, 92, 88, 80, 60]
FILL = "GW填空"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("interview-year") / "county.sqlite3"
    return build_template(path, _template_db), path


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c
    c.db.close()


@pytest.fixture
def service(county) -> InterviewService:
    return InterviewService(county.db.session_factory, actor="测试员", today=lambda: TODAY)


def annual(county) -> AnnualService:
    return AnnualService(county.db.session_factory, actor="测试员", today=lambda: TODAY)


def reviewed_year(county, *, lock: bool = True) -> AnnualService:
    """The 述职评议 held, its votes and checks entered, the results reviewed (一般: 县水利局, 差: 县林业局) and, by
    default, locked (papers from results not yet locked are drafts: tests/test_draft_mark.py)."""
    service = annual(county)
    review = service.create_review(2026, ReviewInput(HELD, 40, place="县委会议室", participants="工委委员"))
    for report, votes, check in zip(review.reports, VOTES, CHECKS, strict=True):
        service.set_votes(report.id, VoteTally(*votes))
        service.set_check_score(report.id, check)
    service.review_results(2026)
    if lock:
        service.lock_results(2026)
    return service


def set_setting(county, setting: S.SettingDef, value: str) -> None:
    with county.db.session() as s:
        S.set_value(s, setting, value)
        s.commit()


def body(data: bytes) -> str:
    doc = open_docx(data)
    return "\n".join(texts(doc) + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def paragraph(data: bytes, start: str):
    return next(p for p in open_docx(data).paragraphs if p.text.startswith(start))


# --- the year ------------------------------------------------------------------------------------------------------


def test_year_interviews_get_a_notice_and_record_worded_for_the_year(county, service, tmp_path) -> None:
    made = reviewed_year(county).propose_followups(2026)
    forestry = next(f for f in made if f.unit == "县林业局")
    (notice_name, notice), (record_name, record) = service.documents(forestry.interview_id)  # was 月份无效：0
    assert notice_name == "2026年度约谈通知书（县林业局）.docx"
    assert record_name == "2026年度约谈记录（空白）（县林业局）.docx"
    check_gongwen(notice, tmp_path, name="notice.docx")
    check_gongwen(record, tmp_path, name="record.docx")
    text = body(notice)
    assert "根据2026年度党建述职评议考核结果，你单位综合得分" in text
    assert "排名第6位（共6个单位），等次为差。按照年度党建述职评议考核的要求，县直机关工委决定对你单位党组书记进行约谈。" in text
    assert "月全县机关党建工作考评" not in text and "每月一约谈" not in text and "档次" not in text
    assert "五、被约谈人：县林业局党组书记周勇同志" in text
    assert "2026年度党建述职评议考核综合得分" in body(record)  # the record's 约谈事由


def test_year_documents_from_the_service_and_the_cli(county, service, paths, tmp_path, capsys) -> None:
    reviewed_year(county).propose_followups(2026)
    written = service.write_period_documents("2026", tmp_path / "service")
    assert sorted(p.name for p in written.paths) == sorted(
        f"2026年度{kind}（{unit}）.docx" for unit in ("县水利局", "县林业局") for kind in ("约谈通知书", "约谈记录（空白）"))
    assert written.blank_units == []
    county.db.close()
    out = paths.data_dir / "年度约谈"
    assert main(["--data-dir", str(paths.data_dir), "report", "interviews", "2026", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "已生成2026年度约谈文书4份" in captured.out
    assert "警告：“联系人及电话”未设置" in captured.err
    notice = (out / "2026年度约谈通知书（县水利局）.docx").read_bytes()
    assert "等次为一般" in body(notice)


def test_year_candidates_without_an_interview_get_blank_forms(county, service, tmp_path) -> None:
    reviewed_year(county)  # reviewed, no 约谈 proposed yet
    candidates = service.period_candidates("2026")
    assert [(c.unit, c.rank, c.unit_count, c.tier, c.interview_id) for c in candidates] == [
        ("县水利局", 5, 6, "一般", None), ("县林业局", 6, 6, "差", None)]
    written = service.write_period_documents("2026", tmp_path)
    assert written.blank_units == ["县水利局", "县林业局"] and len(written.paths) == 4
    notice = (tmp_path / "2026年度约谈通知书（县林业局）.docx").read_bytes()
    assert "2026年度党建述职评议考核综合得分" in body(notice) and "等次为差" in body(notice)


def test_no_year_papers_before_the_results_are_reviewed(county, service, tmp_path) -> None:
    annual(county).create_review(2026, ReviewInput(HELD, 40, place="县委会议室"))
    with pytest.raises(ValidationError, match="2026年度年度考核结果尚未复核|2026年度.*尚未复核"):
        service.write_period_documents("2026", tmp_path / "草稿")
    assert not (tmp_path / "草稿").exists()
    with pytest.raises(NotFoundError, match="没有考评期“2027”"):
        service.write_period_documents("2027", tmp_path)


# --- a quarter --------------------------------------------------------------------------------------------------


def quarter_interview(county, quarter: int = 4, unit: str = "县林业局") -> int:
    """A quarter's interview as the data may hold one (no rule creates them; the papers must still work)."""
    quarters = QuarterService(county.db.session_factory, actor="测试员")
    quarters.review(2026, quarter)
    quarters.lock(2026, quarter)
    with county.db.session() as s:
        period = s.scalar(select(Period).where(Period.key == f"2026-Q{quarter}"))
        interview = Interview(period_id=period.id, unit_id=county.unit(unit), created_by="测试员",
                              interviewee_post=InterviewPost.PARTY_GROUP_SECRETARY, interviewee_name="周勇",
                              rank=6, unit_count=6, total=Decimal("55.0"), tier="差",
                              reasons="2026年第4季度分级量化考核得分55.0分，等次为差", deadline_working_days=15,
                              interviewers="周建华（县直机关工委书记）", place="县直机关工委会议室", notice_on=TODAY)
        s.add(interview)
        s.commit()
        return interview.id


def test_a_quarter_interview_gets_papers_worded_for_the_quarter(county, service, paths, tmp_path, capsys) -> None:
    interview_id = quarter_interview(county)
    assert service.period_candidates("2026-Q4") == []  # no rule names a quarter's candidates
    (name, notice), (record_name, _record) = service.documents(interview_id)
    assert name == "2026年第4季度约谈通知书（县林业局）.docx"
    assert record_name == "2026年第4季度约谈记录（空白）（县林业局）.docx"
    check_gongwen(notice, tmp_path)
    text = body(notice)
    assert "根据2026年第4季度全县机关党建责任落实情况分级量化考核结果，你单位得分55.0分" in text
    assert "等次为差。按照季度分级量化考核的要求" in text
    assert "四、约谈人：县直机关工委书记周建华" in text
    county.db.close()
    out = paths.data_dir / "季度约谈"
    assert main(["--data-dir", str(paths.data_dir), "report", "interviews", "2026-Q4", "--out", str(out)]) == 0
    assert "已生成2026年第4季度约谈文书2份" in capsys.readouterr().out
    assert (out / name).exists()


def test_year_and_quarters_are_listed_next_to_the_months(county, service) -> None:
    assert [p.key for p in service.periods()][:2] == ["2026-12", "2026-11"]  # months only, before any 约谈
    reviewed_year(county).propose_followups(2026)
    quarter_interview(county, 3)
    QuarterService(county.db.session_factory, actor="测试员").review(2026, 2)  # reviewed, but no interviews
    periods = service.periods()
    keys = [p.key for p in periods]
    assert keys[:3] == ["2026", "2026-12", "2026-11"]
    assert keys[3:7] == ["2026-10", "2026-Q3", "2026-09", "2026-08"]
    assert "2026-Q2" not in keys and len(keys) == 14
    assert [p.title for p in periods[:5:4]] == ["2026年度", "2026年第3季度"]
    year = service.interviews(period_key="2026")
    assert [(v.unit, v.kind, v.month, v.period_title) for v in year] == [
        ("县水利局", PeriodKind.YEAR, None, "2026年度"), ("县林业局", PeriodKind.YEAR, None, "2026年度")]


@pytest.mark.parametrize(("text", "key"), [
    ("2026", "2026"), ("2026年度", "2026"), ("2026年", "2026"), ("2026-Q4", "2026-Q4"), ("2026q1", "2026-Q1"),
    ("2026年第3季度", "2026-Q3"), ("2026-11", "2026-11"), ("2026-3", "2026-03"), ("2026年11月", "2026-11"),
])
def test_parse_period(text: str, key: str) -> None:
    assert parse_period(text) == key


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "格式不对"), ("1999", "超出范围"), ("2026-13", "格式不对"), ("2026-Q5", "季度"), ("", "格式不对"),
])
def test_parse_period_refuses_what_is_not_a_period(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_period(text)


def test_the_cli_refuses_a_bad_period(county, paths, capsys) -> None:
    county.db.close()
    assert main(["--data-dir", str(paths.data_dir), "report", "interviews", "2026年13月", "--out",
                 str(paths.data_dir / "x")]) == 2
    assert "考评期“2026年13月”格式不对" in capsys.readouterr().err


# --- what a notice prints: 约谈人 with their posts, 联系人及电话, the 被约谈人 blank, the 主送 ----------------------


def test_interviewers_are_printed_with_their_posts(county, service, tmp_path) -> None:
    reviewed_year(county).propose_followups(2026)
    [water, forestry] = service.interviews(period_key="2026")
    data = forestry.input()
    data.interviewers = "周建华（县直机关工委书记）、李红梅(县直机关工委副书记)、县直机关工委委员王强"
    service.update(forestry.id, data)
    notice = dict(service.documents(forestry.id))["2026年度约谈通知书（县林业局）.docx"]
    assert "四、约谈人：县直机关工委书记周建华、县直机关工委副书记李红梅、县直机关工委委员王强" in body(notice)
    assert not any("职务" in w for w in service.warnings(forestry.id))
    data = water.input()
    data.interviewers = "周建华（县直机关工委书记）、李红梅"  # a post not given: a blank for it, and a warning
    service.update(water.id, data)
    notice = dict(service.documents(water.id))["2026年度约谈通知书（县水利局）.docx"]
    p = paragraph(notice, "四、约谈人：")
    assert p.text.startswith("四、约谈人：县直机关工委书记周建华、李红梅（职务：")
    blank = [r for r in p.runs if r.style.name == FILL]
    assert len(blank) == 1 and len(blank[0].text) >= 6 and not blank[0].text.strip()
    assert p.runs[-1].text == "）"  # the blank is inside the brackets, so it cannot end a line and vanish
    assert any("李红梅未注明职务" in w for w in service.warnings(water.id))
    check_gongwen(notice, tmp_path)


def test_an_empty_contact_leaves_a_line_to_fill_in_and_warns(county, service, tmp_path) -> None:
    reviewed_year(county).propose_followups(2026)
    forestry = service.interviews(period_key="2026")[1]
    notice = dict(service.documents(forestry.id))["2026年度约谈通知书（县林业局）.docx"]
    p = paragraph(notice, "联系人及电话：")
    assert p.runs[0].text == "联系人及电话：" and p.runs[1].style.name == FILL and len(p.runs[1].text) >= 10
    assert any("“联系人及电话”未设置" in w for w in service.warnings(forestry.id))
    written = service.write_period_documents("2026", tmp_path / "一")
    assert sum("联系人及电话" in w for w in written.warnings) == 1  # said once for all the notices
    set_setting(county, S.CONTACT, "县直机关工委组织科　刘洋，0000-6123456")
    notice = dict(service.documents(forestry.id))["2026年度约谈通知书（县林业局）.docx"]
    assert paragraph(notice, "联系人及电话：").text == "联系人及电话：县直机关工委组织科　刘洋，0000-6123456。"
    assert service.warnings(forestry.id) == []
    assert service.write_period_documents("2026", tmp_path / "二").warnings == []


LONG_UNIT = "县人力资源和社会保障局劳动保障监察综合行政执法大队"


@pytest.mark.parametrize("unit", ["县统计局", LONG_UNIT, LONG_UNIT[:-1], LONG_UNIT + "第一中队"])
def test_the_interviewee_blank_stays_with_its_comrade_whatever_the_unit(unit: str, tmp_path) -> None:
    content = InterviewNoticeContent(unit, "机关党委书记", 2026, None, TODAY, reasons=("述职评议等次为差",), tier="差")
    data = build_interview_notice(content, IssuingBody())
    check_gongwen(data, tmp_path)
    p = paragraph(data, "五、被约谈人：")
    # The blank opens the line right after the heading, "同志" follows it at once; the unit comes after, in brackets.
    assert [r.text.strip() for r in p.runs[:2]] == ["五、被约谈人：", ""] and p.runs[1].style.name == FILL
    assert p.runs[2].text == f"同志（{unit}机关党委书记）"
    assert p.paragraph_format.keep_together


@pytest.mark.skipif(office.find_soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or pdftotext is not installed: the page-level check of the 被约谈人 line is "
                           "skipped")
def test_the_interviewee_blank_and_comrade_share_a_printed_line(tmp_path) -> None:
    content = InterviewNoticeContent(LONG_UNIT, "党组书记", 2026, None, TODAY, reasons=("述职评议等次为差",) * 6,
                                     tier="差")
    path = tmp_path / "notice.docx"
    path.write_bytes(build_interview_notice(content, IssuingBody()))
    pdf = office.export_pdf(path, tmp_path / "notice.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    line = next(x for x in text.splitlines() if "被约谈人：" in x)
    assert "同志" in line, line
    assert not any(x.strip() == "同志" for x in text.splitlines())


def test_split_interviewer() -> None:
    assert split_interviewer("王强（县直机关工委书记）") == ("王强", "县直机关工委书记")
    assert split_interviewer(" 王强(县直机关工委书记) ") == ("王强", "县直机关工委书记")
    assert split_interviewer("县直机关工委书记王强") == ("县直机关工委书记王强", "")
    assert split_interviewer("欧阳明辉") == ("欧阳明辉", None)
    assert split_interviewer("买买提·艾力") == ("买买提·艾力", None)
    assert split_interviewer("王强（ ）") == ("王强", None)


def test_a_period_must_be_a_month_or_a_quarter_not_both() -> None:
    with pytest.raises(ValidationError, match="不能同时指定月份和季度"):
        InterviewNoticeContent("县统计局", "党组书记", 2026, 10, TODAY, quarter=4)
    with pytest.raises(ValidationError, match="季度无效：5"):
        InterviewRecordContent("县统计局", 2026, None, quarter=5)
    with pytest.raises(ValidationError, match="月份无效：0"):
        InterviewRecordContent("县统计局", 2026, 0)


def test_the_notice_is_addressed_to_the_units_own_party_organisation(county, service) -> None:
    reviewed_year(county).propose_followups(2026)
    water, forestry = service.interviews(period_key="2026")
    # No organisation of its own in the register: the unit by its name, never "党组（党委）".
    assert service.notice_content(forestry.id).addressee == "县林业局"
    register = RegisterService(county.db.session_factory)
    forestry_id = county.unit("县林业局")
    committee = register.save_org(OrgInput(forestry_id, "中共县林业局机关委员会", OrgKind.ORGAN_COMMITTEE))
    register.save_org(OrgInput(forestry_id, "中共县林业局机关第一支部委员会", OrgKind.BRANCH, parent_id=committee))
    register.save_org(OrgInput(forestry_id, "县林业局联合党支部", OrgKind.JOINT_BRANCH, sort_order=-1))
    assert service.notice_content(forestry.id).addressee == "中共县林业局机关委员会"
    notice = dict(service.documents(forestry.id))["2026年度约谈通知书（县林业局）.docx"]
    assert "中共县林业局机关委员会：" in texts(open_docx(notice))
    assert not any("党组（党委）" in t for t in texts(open_docx(notice)))
    assert UNITS.index("县水利局") == 4 and service.notice_content(water.id).addressee == "县水利局"


# --- the 约谈与整改 page --------------------------------------------------------------------------------------------


@pytest.fixture
def page(qtbot, county, paths, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from app.ui import tasks
    from app.ui.context import AppContext
    from app.ui.documents.interview_page import InterviewPage

    ctx = AppContext(paths, county.db, today=lambda: TODAY)
    ctx.settings.save({S.OUTPUT_DIR.key: str(tmp_path / "文档")})
    opened: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(Path(url.toLocalFile())) or True)
    with tasks.synchronous():
        p = InterviewPage(ctx)
        qtbot.addWidget(p)
        p.show()
        p.opened = opened
        yield p


def choose(p, key: str) -> None:
    p.month_box.set_value(key)
    assert p.month_box.value() == key


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_page_lists_the_years_interviews_next_to_the_months(county, qtbot, qtmodeltester, page) -> None:
    p = page
    assert p.month_box.currentText() == "2026年12月（已锁定）"  # a year listed is not opened on
    reviewed_year(county, lock=False)
    p.ctx.changed.emit("interviews")  # what the 述职评议 page says after reviewing or proposing
    qtbot.waitUntil(lambda: "2026年度（已复核）" in [p.month_box.itemText(i) for i in range(p.month_box.count())])
    assert p.month_box.itemText(0) == "2026年度（已复核）"
    choose(p, "2026")
    assert [p.interview_model.row(r).unit for r in range(p.interview_model.rowCount())] == ["县水利局", "县林业局"]
    assert p.interview_state.text().startswith("2026年度述职评议考核约谈对象2个") and "2个尚未建立" in p.interview_state.text()
    assert p.create_button.isEnabled()
    p.create_interviews()  # the year's 约谈 and 整改方案, as the 述职评议 page proposes them
    rows = [p.interview_model.row(r) for r in range(p.interview_model.rowCount())]
    assert [(r.interview.unit, r.interview.period_title) for r in rows if r.interview] == [
        ("县水利局", "2026年度"), ("县林业局", "2026年度")]
    assert not p.create_button.isEnabled()
    qtmodeltester.check(p.interview_model)
    assert {p.item_model.row(r).unit for r in range(p.item_model.rowCount())} == {"县水利局", "县林业局"}
    forestry = next(r.interview for r in rows if r.interview.unit == "县林业局")
    choose(p, "2026-12")
    p.show_target(("interview", forestry.id))  # from a 提醒: the year is chosen, the interview selected
    assert p.month_box.value() == "2026" and p.selected_interview().id == forestry.id


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_years_papers_from_the_page_with_their_warnings(county, qtbot, page, tmp_path) -> None:
    p = page
    reviewed_year(county).propose_followups(2026)
    p.reload()
    choose(p, "2026")
    forestry = next(r for r in range(p.interview_model.rowCount()) if p.interview_model.row(r).unit == "县林业局")
    p.interview_view.selectRow(forestry)
    p.document_action("notice", "open")
    folder = tmp_path / "文档" / "2026年度约谈"
    assert p.opened[-1] == folder / "2026年度约谈通知书（县林业局）.docx"
    assert "根据2026年度党建述职评议考核结果" in body(p.opened[-1].read_bytes())
    # Shown beside the opened file, without holding it up.
    assert p.warning_box is not None and p.warning_box.isVisible() and not p.warning_box.isModal()
    assert "“联系人及电话”未设置" in p.warning_box.text()
    p.warning_box.hide()
    p.write_month_documents()
    assert p.opened[-1] == folder and len(list(folder.glob("2026年度*.docx"))) == 4
    assert any("联系人及电话" in w for w in p.last_warnings) and p.warning_box.isVisible()
    p.warning_box.hide()
    set_setting(county, S.CONTACT, "县直机关工委组织科　刘洋，0000-6123456")
    p.write_month_documents()
    assert p.last_warnings == [] and not p.warning_box.isVisible()
