"""The 征求意见稿 mark: whatever is built from data that is not locked carries it on every page (a header line and
a diagonal watermark in every header of every section, odd, even and first page), in its file name, and, for the
.xlsx, in the page header and a note above the table; whatever is built from locked data carries none of it.

Covered: the year-end packets, the 评议结果汇总表 (.docx and .xlsx, in the packets folder and from the 述职评议
page), the monthly 反馈单 (which may be built from a reviewed, not yet locked, month).  The monthly, quarterly and
annual 通报 are refused by their services until the period is locked, so they are never drafts (checked here for
the annual one).  The mark leaves the GB/T 9704 checks and the odd/even page numbers as they were."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import dbkit
import openpyxl
import pytest
from annual_support import UNITS, build_template, open_copy, score_month
from openpyxl.utils import get_column_letter
from reports_samples import check_gongwen, open_docx

from app.errors import ValidationError
from app.reports import draft
from app.reports.gongwen import Column, DocNumber, GongwenDocument
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.bulletin import BulletinService
from app.services.interview import InterviewService
from app.services.office import export_pdf, find_soffice
from app.services.opening import open_database
from app.services.packets import PacketService

TODAY = dt.date(2026, 12, 20)
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [98, 96, 92, 88, 80, 60]
SUMMARY = "2026年度县直单位党建工作述职评议结果汇总表"
SUFFIX = "（征求意见稿）"
VML = "{urn:schemas-microsoft-com:vml}"
KINDS = ("odd", "even", "first")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    """Twelve locked months and the year's meeting with its votes and 年终检查: the results are complete, the year
    still 草稿."""
    path = tmp_path_factory.mktemp("draft") / "county.sqlite3"
    county = build_template(path, _template_db)
    db = open_database(dbkit.KIT.resolve(path))
    annual = AnnualService(db.session_factory, actor="测试员", today=lambda: TODAY)
    review = annual.create_review(2026, ReviewInput(dt.date(2026, 12, 18), 40, place="县委会议室"))
    for report, votes, check in zip(review.reports, VOTES, CHECKS, strict=True):
        annual.set_votes(report.id, VoteTally(*votes))
        annual.set_check_score(report.id, check)
    dbkit.KIT.settle(db)
    db.close()
    return county, path


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c
    c.db.close()


def _annual(county) -> AnnualService:
    return AnnualService(county.db.session_factory, actor="测试员", today=lambda: TODAY)


def _lock_year(county) -> None:
    annual = _annual(county)
    annual.review_results(2026)
    annual.lock_results(2026)


def _packets(county, folder: Path) -> list[Path]:
    PacketService(county.db.session_factory, today=lambda: TODAY).generate(2026, folder, workers=0, make_zip=False)
    return sorted(p for p in folder.iterdir() if p.suffix in (".docx", ".xlsx"))


def header_marks(doc) -> list[tuple[int, str, bool, bool]]:
    """(section, odd/even/first, has the header line, has the watermark) for every header a page can show, as a
    reader resolves it (a section without its own header shows the one before)."""
    out = []
    for i, section in enumerate(doc.sections):
        for kind, header in zip(KINDS, (section.header, section.even_page_header, section.first_page_header),
                                strict=True):
            text = "\n".join(p.text for p in header.paragraphs)
            shapes = [s for s in header._element.iter(f"{VML}shape")
                      if s.get("id", "").startswith("PowerPlusWaterMarkObject")]
            words = [t.get("string") for s in shapes for t in s.iter(f"{VML}textpath")]
            out.append((i, kind, "征求意见稿（数据未锁定）" in text, words == ["征求意见稿"]))
    return out


def assert_marked(data: bytes) -> None:
    doc = open_docx(data)
    marks = header_marks(doc)
    assert marks and all(line and mark for _, _, line, mark in marks), marks
    for shape in open_docx(data).sections[0].header._element.iter(f"{VML}shape"):
        style = shape.get("style")
        assert "rotation:315" in style and "z-index:-" in style  # diagonal, behind the text
        grey = int(shape.get("fillcolor").lstrip("#")[:2], 16)
        assert grey >= 0xB0  # light grey: the text over it stays legible


def assert_unmarked(data: bytes) -> None:
    assert b"PowerPlusWaterMarkObject" not in _parts(data) and "征求意见稿".encode() not in _parts(data)
    doc = open_docx(data)
    assert not any(line or mark for _, _, line, mark in header_marks(doc))


def _parts(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".xml"))


def _sheet(path: Path):
    return openpyxl.load_workbook(path).active


# --- names ---------------------------------------------------------------------------------------------------------


def test_draft_names() -> None:
    assert draft.draft_name("汇总表.docx", True) == "汇总表（征求意见稿）.docx"
    assert draft.draft_name("汇总表.xlsx", True) == "汇总表（征求意见稿）.xlsx"
    assert draft.draft_name("汇总表（征求意见稿）.docx", True) == "汇总表（征求意见稿）.docx"  # never twice
    assert draft.draft_name("汇总表.docx", False) == "汇总表.docx"
    assert draft.draft_name("没有扩展名", True) == "没有扩展名（征求意见稿）"


# --- the year-end packets and the 汇总表 -----------------------------------------------------------------------------


def test_packets_of_a_draft_year_are_marked_on_every_page(county, tmp_path: Path) -> None:
    folder = tmp_path / "材料"
    run = PacketService(county.db.session_factory, today=lambda: TODAY).generate(2026, folder, workers=0,
                                                                                 make_zip=False)
    assert run.packets == len(UNITS) and "尚未锁定" in run.notes[0] and "征求意见稿" in run.notes[0]
    names = sorted(p.name for p in folder.iterdir() if p.suffix in (".docx", ".xlsx"))
    assert names == sorted([f"{i:03d}_{u}_2026年度述职评议考核材料{SUFFIX}.docx" for i, u in enumerate(UNITS, 1)]
                           + [f"{SUMMARY}{SUFFIX}.docx", f"{SUMMARY}{SUFFIX}.xlsx",
                              "2026年度述职评议测评表（空白，共6人）.docx"])
    for path in folder.glob(f"*{SUFFIX}.docx"):
        assert_marked(path.read_bytes())
    forestry = next(folder.glob(f"*县林业局*{SUFFIX}.docx")).read_bytes()
    assert len(open_docx(forestry).sections) == 1  # one section: its three headers are every page's
    check_gongwen(forestry, tmp_path, "--expect-chart", name="packet.docx")  # page numbers and all, 0 FAIL
    summary = (folder / f"{SUMMARY}{SUFFIX}.docx").read_bytes()
    assert len(open_docx(summary).sections) == 2  # the landscape table is a section of its own
    check_gongwen(summary, tmp_path, name="summary.docx")
    # the blank 测评表 for the meeting carries no result: never marked
    assert_unmarked((folder / "2026年度述职评议测评表（空白，共6人）.docx").read_bytes())
    sheet = _sheet(folder / f"{SUMMARY}{SUFFIX}.xlsx")
    across = f"A1:{get_column_letter(sheet.max_column)}1"  # the note spans the table
    assert sheet["A1"].value.startswith("征求意见稿（数据未锁定）：") and across in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == SUMMARY and sheet["A3"].value == "序号" and sheet["B4"].value == "县财政局"
    assert sheet.freeze_panes == "A4" and sheet.print_title_rows == "$3:$3"
    for header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        assert header.center.text == "征求意见稿（数据未锁定）"


def test_packets_of_a_locked_year_are_not_marked_and_replace_the_drafts(county, tmp_path: Path) -> None:
    folder = tmp_path / "材料"
    drafts = _packets(county, folder)
    _lock_year(county)
    run = PacketService(county.db.session_factory, today=lambda: TODAY).generate(2026, folder, workers=0,
                                                                                 make_zip=False)
    assert not run.notes and sorted(run.removed) == sorted(p.name for p in drafts if SUFFIX in p.name)
    files = sorted(p for p in folder.iterdir() if p.suffix in (".docx", ".xlsx"))
    assert not [p.name for p in files if "征求意见稿" in p.name]
    assert sorted(p.name for p in files) == sorted(
        [f"{i:03d}_{u}_2026年度述职评议考核材料.docx" for i, u in enumerate(UNITS, 1)]
        + [f"{SUMMARY}.docx", f"{SUMMARY}.xlsx", "2026年度述职评议测评表（空白，共6人）.docx"])
    for path in files:
        if path.suffix == ".docx":
            assert_unmarked(path.read_bytes())
    check_gongwen((folder / f"{SUMMARY}.docx").read_bytes(), tmp_path, name="summary.docx")
    sheet = _sheet(folder / f"{SUMMARY}.xlsx")
    assert sheet["A1"].value == SUMMARY and sheet.freeze_panes == "A3"
    assert not sheet.oddHeader.center.text and not sheet.evenHeader.center.text


def test_summary_from_the_review_page_is_marked_until_the_year_is_locked(county) -> None:
    annual = _annual(county)
    annual.review_results(2026)  # 已复核 is not locked yet: still a draft
    files = dict(annual.summary_documents(2026))
    assert sorted(files) == [f"{SUMMARY}{SUFFIX}.docx", f"{SUMMARY}{SUFFIX}.xlsx"]
    assert_marked(files[f"{SUMMARY}{SUFFIX}.docx"])
    sheet = openpyxl.load_workbook(io.BytesIO(files[f"{SUMMARY}{SUFFIX}.xlsx"])).active
    assert sheet["A1"].value.startswith("征求意见稿（数据未锁定）")
    annual.lock_results(2026)
    files = dict(annual.summary_documents(2026))
    assert sorted(files) == [f"{SUMMARY}.docx", f"{SUMMARY}.xlsx"]
    assert_unmarked(files[f"{SUMMARY}.docx"])
    assert openpyxl.load_workbook(io.BytesIO(files[f"{SUMMARY}.xlsx"])).active["A1"].value == SUMMARY


def test_the_annual_bulletin_is_never_a_draft(county, tmp_path: Path) -> None:
    """Its service refuses a year that is not locked, so it needs no mark; issued from the locked year it has none."""
    annual = _annual(county)
    with pytest.raises(ValidationError, match="尚未锁定"):
        annual.issue_bulletin(2026, issued_on=TODAY)
    _lock_year(county)
    issued = annual.issue_bulletin(2026, issued_on=TODAY)
    data = BulletinService(county.db.session_factory).document(issued.id)
    assert "征求意见稿" not in issued.file_name
    assert_unmarked(data)


# --- the monthly 反馈单 ------------------------------------------------------------------------------------------------


def test_feedback_of_a_reviewed_month_is_marked_and_of_a_locked_one_not(paths, _template_db: Path,
                                                                       tmp_path: Path) -> None:
    source = tmp_path / "young.sqlite3"
    young = build_template(source, _template_db, range(1, 3))
    county = open_copy(young, source, paths)
    try:
        score_month(county, 3, lock=False)  # every sheet reviewed, the month not locked: units may still object
        service = BulletinService(county.db.session_factory, today=lambda: TODAY)
        march = service.write_feedback(2026, 3, tmp_path / "三月", combined=True)
        february = service.write_feedback(2026, 2, tmp_path / "二月", combined=True)
    finally:
        county.db.close()
    assert len(march) == len(UNITS) + 1 and all(p.stem.endswith(SUFFIX) for p in march)
    assert f"2026年3月考评情况反馈单（县林业局）{SUFFIX}.docx" in [p.name for p in march]
    for path in march:
        assert_marked(path.read_bytes())
    combined = next(p for p in march if "打印用" in p.name).read_bytes()
    # one section per unit (each from page 1, on a front page): every one shows the mark
    assert len(open_docx(combined).sections) == len(UNITS)
    forestry = next(p for p in march if "县林业局" in p.name).read_bytes()
    check_gongwen(forestry, tmp_path, name="feedback.docx")
    assert not [p.name for p in february if "征求意见稿" in p.name]
    for path in february:
        assert_unmarked(path.read_bytes())


# --- the engine ------------------------------------------------------------------------------------------------------


def _redhead_document(draft_mark: bool) -> bytes:
    doc = GongwenDocument(title="测试通报", date=TODAY, draft=draft_mark)
    doc.redhead("中共示范县直属机关工作委员会文件", DocNumber("示直工委", 2026, 3))
    doc.title(["关于2026年度县直单位党建工作", "述职评议考核结果的通报"])
    doc.recipients("各县直单位党组（党委）")
    for _ in range(30):
        doc.para("按照年底党建述职评议考核的要求，县直机关工委召开述职评议会议，现将考核结果通报如下。")
    doc.signature("中共示范县直属机关工作委员会", TODAY)
    doc.attachment("附件", "得分排名表", landscape=True)
    doc.table([Column("序号", 20), Column("单位", 100, left=True), Column("得分", 30)],
              [[str(i), "县财政局", "99.0"] for i in range(1, 41)])
    doc.imprint(cc=["县委办公室"], printer="中共示范县直属机关工作委员会办公室", printed_on=TODAY)
    return doc.to_bytes()


def test_the_mark_leaves_a_red_headed_document_within_gb9704(tmp_path: Path) -> None:
    """Every section of a 红头 document with a landscape attachment and a 版记 page is marked, the checker finds
    exactly what it finds without the mark (0 FAIL), and the odd/even page numbers are the same."""
    marked, plain = _redhead_document(True), _redhead_document(False)
    assert_marked(marked)
    assert_unmarked(plain)
    with_mark = check_gongwen(marked, tmp_path, "--redhead", name="marked.docx")
    without = check_gongwen(plain, tmp_path, "--redhead", name="plain.docx")
    assert {k: v["status"] for k, v in with_mark.items()} == {k: v["status"] for k, v in without.items()}
    for a, b in zip(open_docx(marked).sections, open_docx(plain).sections, strict=True):
        for footer in ("footer", "even_page_footer"):
            assert getattr(a, footer)._element.xml == getattr(b, footer)._element.xml


def test_marking_twice_adds_nothing() -> None:
    doc = GongwenDocument(date=TODAY, draft=True)
    doc.title("测试")
    once = doc.to_bytes()
    twice = doc.to_bytes()
    assert _parts(once).count(b"PowerPlusWaterMarkObject") == _parts(twice).count(b"PowerPlusWaterMarkObject") == 3


@pytest.mark.skipif(find_soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or pdftotext is not installed: the rendered pages are not checked")
def test_every_rendered_page_of_a_draft_packet_shows_the_header_line(county, tmp_path: Path) -> None:
    folder = tmp_path / "材料"
    _packets(county, folder)
    packet = next(folder.glob(f"*县林业局*{SUFFIX}.docx"))
    pdf = export_pdf(packet, tmp_path / "packet.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) > 5
    assert all(p.lstrip().startswith("征求意见稿（数据未锁定）") for p in pages)


def test_interview_papers_of_a_reviewed_month_are_marked_and_of_a_locked_one_not(paths, _template_db: Path,
                                                                                  tmp_path: Path) -> None:
    # A 约谈 may be prepared once the month is reviewed; until it is locked the rank and score it cites may change.
    source = tmp_path / "young.sqlite3"
    young = build_template(source, _template_db, range(1, 3))
    county = open_copy(young, source, paths)
    try:
        score_month(county, 3, lock=False)
        service = InterviewService(county.db.session_factory, today=lambda: TODAY)
        march = service.write_documents(2026, 3, tmp_path / "三月").paths
        february = service.write_documents(2026, 2, tmp_path / "二月").paths
    finally:
        county.db.close()
    assert march and all(p.stem.endswith(SUFFIX) for p in march)
    for path in march:
        assert_marked(path.read_bytes())
    assert february and not [p.name for p in february if "征求意见稿" in p.name]
    for path in february:
        assert_unmarked(path.read_bytes())
