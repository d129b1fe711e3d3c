"""Printed pages: the documents the page-level tests render (built through the real services from the small
counties of documents_support and annual_support), and reading a PDF back page by page with poppler's pdftotext.

Every service gets its day explicitly (`today=`): the documents are the same whatever day the run lives on."""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import annual_support
import dbkit
import documents_support

from app.db import Database
from app.reports.rectification import LedgerItem
from app.services import office
from app.services.annual.commitments import CommitmentInput, CommitmentItemInput, DutyListInput
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.bulletin import BulletinService
from app.services.interview import ConversationInput, InterviewService
from app.services.opening import open_database
from app.services.packets import PacketService
from app.services.quarter import QuarterService

ISSUED = dt.date(2026, 11, 5)  # the October 通报, 反馈单 and 约谈通知书
MEETING = dt.datetime(2026, 11, 10, 9, 30)
YEAR_END = dt.date(2026, 12, 20)  # the packets
QUARTER_ISSUED = dt.date(2026, 7, 10)  # the second quarter's 通报
YEAR_ISSUED = dt.date(2026, 12, 28)  # the 述职评议结果通报
INTERVIEWERS = "李明（县直机关工委书记）、王芳（县直机关工委副书记）"

# 述职评议 votes (好, 较好, 一般, 差, 弃权) and 年终检查 scores, one per unit of annual_support.
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [98, 96, 92, 88, 80, 60]
REPORT = ("一年来，我局党组坚持以党的政治建设为统领，认真履行党建工作主体责任，现将有关情况报告如下。",
          "一是抓好理论学习。党组中心组全年开展集中学习十二次，书记讲党课两次。",
          "二是抓好基层组织建设。完成机关支部换届，配齐配强支部委员。",
          "三是抓好作风建设。开展“三亮三强”活动，党员先锋岗覆盖全部科室。",
          "存在的问题：支委会未按月召开，党费收缴不及时，党组专题研究党建工作次数不足。",
          "下一步，我局党组将针对存在问题逐项整改，推动机关党建工作再上新台阶。")

BUNDLED_FONT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "wqy-microhei.ttc"

NO_OFFICE = "LibreOffice is not installed: page-level checks not run"
NO_PDFTOTEXT = "pdftotext (poppler-utils) is not installed: page-level checks not run"


def missing_tools() -> str | None:
    """Why the rendered pages cannot be checked on this machine (None: they can)."""
    if office.find_soffice() is None:
        return NO_OFFICE
    if shutil.which("pdftotext") is None:
        return NO_PDFTOTEXT
    return None


# --- the documents ---------------------------------------------------------------------------------------------


def month_documents(template: dbkit.Target, folder: Path) -> dict[str, Path]:
    """October's 通报, 县林业局's 反馈单 (the longest), the combined 反馈单 print file and 县林业局's
    约谈通知书, from the documents_support county, as .docx files in `folder`."""
    db = open_database(dbkit.KIT.place(template, folder / "month.sqlite3"))
    try:
        county = documents_support.build_county(db)
        sf = db.session_factory
        bulletins = BulletinService(sf, actor="张敏", today=lambda: ISSUED)
        issued = bulletins.issue(2026, 10)
        out = {"bulletin": _write(folder / "bulletin.docx", bulletins.document(issued.id))}
        forestry = county.unit("县林业局")
        [sheet] = bulletins.write_feedback(2026, 10, folder / "feedback", unit_ids=[forestry])
        out["feedback"] = sheet
        written = bulletins.write_feedback(2026, 10, folder / "feedback_all", combined=True)
        out["feedback_all"] = next(p for p in written if "打印用" in p.name)
        interviews = InterviewService(sf, actor="张敏", today=lambda: ISSUED)
        [made] = interviews.create_for_candidates(2026, 10, unit_ids=[forestry], scheduled_at=MEETING)
        data = made.input()
        data.interviewers, data.recorder = INTERVIEWERS, "张敏"
        interviews.update(made.id, data)
        notice = next(b for name, b in interviews.documents(made.id) if "约谈通知书" in name)
        out["notice"] = _write(folder / "notice.docx", notice)
        return out
    finally:
        db.close()


def year_documents(template: dbkit.Target, folder: Path) -> dict[str, Path]:
    """From the annual_support county: 县林业局's year-end packet with every part filled (a 述职报告, a
    commitment with an unkept item, a 责任清单, two quarters, a November 约谈 with its 整改, the votes), built
    while the year is still open; then the second quarter's 通报 and, the year locked, the 述职评议结果通报."""
    db = open_database(dbkit.KIT.place(template, folder / "year.sqlite3"))
    try:
        county = annual_support.build_year(db)
        _year_around(db, county)
        sf = db.session_factory
        run = PacketService(sf, today=lambda: YEAR_END).generate(
            2026, folder / "packets", unit_ids=[county.unit("县林业局")], force=True, workers=0, make_zip=False)
        [name] = [n for n in run.built if n.endswith(".docx")]
        out = {"packet": run.folder / name}
        archive = BulletinService(sf)  # reads issued documents back (no day involved)
        quarter = QuarterService(sf, actor="测试员", today=lambda: QUARTER_ISSUED).issue_bulletin(2026, 2)
        out["quarter_bulletin"] = _write(folder / "quarter_bulletin.docx", archive.document(quarter.id))
        annual = AnnualService(sf, actor="测试员", today=lambda: YEAR_ISSUED)
        annual.review_results(2026)
        annual.lock_results(2026)
        year = annual.issue_bulletin(2026)
        out["annual_bulletin"] = _write(folder / "annual_bulletin.docx", archive.document(year.id))
        return out
    finally:
        db.close()


def _year_around(db: Database, county: annual_support.YearCounty) -> None:
    sf = db.session_factory
    quarters = QuarterService(sf, actor="测试员", today=lambda: YEAR_END)
    for q in (1, 2):
        quarters.review(2026, q)
        quarters.lock(2026, q)
    interviews = InterviewService(sf, actor="测试员", today=lambda: dt.date(2026, 12, 8))  # the day of the 约谈 and its record
    for v in interviews.create_for_candidates(2026, 11, scheduled_at=dt.datetime(2026, 12, 8, 9, 0)):
        data = v.input()
        data.interviewers = INTERVIEWERS
        interviews.update(v.id, data)
        interviews.record(v.id, ConversationInput("指出支委会不按月召开、党费收缴不及时等问题。", "诚恳接受批评，立即整改。",
                                                  "12月底前补开支委会\n党费按月收缴到位"))
    annual = AnnualService(sf, actor="测试员", today=lambda: YEAR_END)
    forestry = county.unit("县林业局")
    view = annual.save_commitment(forestry, 2026, CommitmentInput("周勇", [
        CommitmentItemInput("每季度讲一次党课", "周勇", dt.date(2026, 12, 31)),
        CommitmentItemInput("完成机关支部换届", "组织委员", dt.date(2026, 6, 30))], dt.date(2026, 1, 15)))
    annual.assess(view.items[1].id, "未践诺", "因人员调整未能按期完成")
    annual.save_duty_list(forestry, 2026, DutyListInput(annual.suggested_duties(forestry, 2026), dt.date(2026, 1, 20)))
    review = annual.create_review(2026, ReviewInput(dt.date(2026, 12, 18), 40, place="县委会议室"))
    for report, votes, check in zip(review.reports, VOTES, CHECKS, strict=True):
        annual.set_votes(report.id, VoteTally(*votes))
        annual.set_check_score(report.id, check)
    annual.set_report_text(review.reports[annual_support.UNITS.index("县林业局")].id, "\n".join(REPORT))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- reading the printed pages ---------------------------------------------------------------------------------

PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")
DRAFT_HEADER = "征求意见稿（数据未锁定）"
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Page:
    number: int  # the physical page, from 1
    text: str  # pdftotext -layout: one printed line a line
    width: float  # points
    height: float
    words: tuple[Word, ...]  # pdftotext -bbox: where each word is printed

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def lines(self) -> list[str]:
        """The printed lines, blanks dropped and the spaces pdftotext puts between Chinese and digits taken out."""
        return [squeeze(x) for x in self.text.splitlines() if x.strip()]

    @property
    def blank(self) -> bool:
        return not self.words

    @property
    def folio_words(self) -> list[Word]:
        """The words of the page's lowest printed line when that line is a page number "— N —"."""
        if not self.words:
            return []
        bottom = max(w.y0 for w in self.words)
        last = sorted((w for w in self.words if abs(w.y0 - bottom) < 1), key=lambda w: w.x0)
        return last if PAGE_NUMBER.fullmatch(squeeze("".join(w.text for w in last))) else []

    @property
    def folio(self) -> int | None:
        """The printed page number, None when the page carries none."""
        found = PAGE_NUMBER.fullmatch(squeeze("".join(w.text for w in self.folio_words)))
        return int(found[1]) if found else None

    @property
    def body(self) -> list[str]:
        """The page's lines other than its page number and the draft header."""
        return [x for x in self.lines if not PAGE_NUMBER.fullmatch(x) and x != DRAFT_HEADER]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read_pages(pdf: Path) -> list[Page]:
    """Each page of `pdf`: its lines as pdftotext -layout prints them (each page ends with a form feed, blank
    ones too) and its words with their boxes from pdftotext -bbox."""
    def run(*args: str) -> str:
        return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True,
                              timeout=60).stdout

    texts = run("-layout").split("\f")
    boxes = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', run("-bbox"), re.S)
    pages = []
    for i, (width, height, inner) in enumerate(boxes):
        words = tuple(Word(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', inner))
        pages.append(Page(i + 1, texts[i], float(width), float(height), words))
    return pages


def render(docs: dict[str, Path], folder: Path) -> dict[str, list[Page]]:
    """All the documents to PDF in one LibreOffice run (the app's own PDF path: empty pages kept), each read
    back page by page."""
    names = list(docs)
    pdfs = office.export_pdfs([(docs[n], folder / f"{n}.pdf") for n in names])
    return {n: read_pages(p) for n, p in zip(names, pdfs, strict=True)}


# --- the county 整改台账 -------------------------------------------------------------------------------------------

LEDGER_UNITS = ("县发展和改革局", "县人大常委会办公室", "县卫生健康局", "县司法局", "县市场监督管理局")
# The kinds of problem, measure and progress a county's ledger holds (as the 约谈 of the demo county write them).
LEDGER_PROBLEMS = (
    "上级党建工作部署落实：县直机关工委部署的“党员志愿服务”工作未按时落实（扣1.0分）",
    "支委会（每月）：{unit}机关第一党支部{month}月未召开支委会（扣2.0分）",
    "每月集中学习：{unit}机关第一党支部{month}月未组织集中学习（扣1.0分）",
    "党组专题研究党建、听取机关党委工作汇报：党组上半年末专题研究党建工作（扣6.0分）",
    "党费收缴：3名党员{month}月党费未按时缴纳（扣2.0分）",
    "联系点走访指导：1名党组成员{month}月未按计划到联系点走访（扣0.5分）",
    "组织生活记录及时规范：{unit}机关党支部{month}月会议记录未及时录入（扣2.0分）",
    "谈心谈话：支委与党员谈心谈话未开展（扣2.0分）",
)
LEDGER_MEASURES = ("制定整改方案，明确责任人和完成时限，逐项整改到位", "明确专人负责党建材料报送，建立报送台账",
                   "落实每月集中学习制度，由支部书记带头领学", "逐人核对党费基数，补缴欠缴党费，建立按月收缴台账",
                   "每月制定主题党日活动方案，做到主题、内容、记录“三落实”")
LEDGER_OWNERS = ("李雨玲", "任艳芳", "钱晶", "周泽宇")
LEDGER_AS_OF = dt.date(2026, 12, 31)


def typical_ledger_items(n: int = 120) -> tuple[LedgerItem, ...]:
    """`n` 整改 items of a county's year: each unit's items from several monthly 约谈, about seven from each (the
    source changes within a unit, as in the demo county), a third closed with the usual 销号说明, the others in progress, awaiting review or overdue."""
    items = []
    for i in range(n):
        unit = LEDGER_UNITS[i * len(LEDGER_UNITS) // n]
        month = 1 + (i // 7) % 11
        deadline = dt.date(2026, month + 1, 27 + i % 2)
        status = ("已销号", "整改中", "逾期", "已销号", "待审核", "未整改")[i % 6]
        closed = status == "已销号"
        items.append(LedgerItem(
            unit, LEDGER_PROBLEMS[i % len(LEDGER_PROBLEMS)].format(unit=unit, month=month),
            LEDGER_MEASURES[i % len(LEDGER_MEASURES)], LEDGER_OWNERS[i % len(LEDGER_OWNERS)], deadline, status,
            closed_on=deadline - dt.timedelta(days=2) if closed else None,
            close_note="经查阅资料、现场核实，整改措施落实到位，同意销号" if closed else "",
            progress="" if status == "未整改" else "已召开党组（党委）会议研究部署，正在整改",
            source=f"2026年{month}月约谈"))
    return tuple(items)


def font_home(folder: Path) -> Path:
    """A HOME whose ~/.fonts holds the app's bundled Chinese font, for LibreOffice on a machine without one:
    pages then break where they do in an office's Word with 仿宋 (a CJK character one em wide either way)."""
    fonts = folder / "home" / ".fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BUNDLED_FONT, fonts / BUNDLED_FONT.name)
    return folder / "home"


def render_with_font(docs: dict[str, Path], folder: Path) -> dict[str, list[Page]]:
    """As `render`, LibreOffice running with the bundled font (font_home) as its only Chinese one."""
    env = {**os.environ, "HOME": str(font_home(folder)), "XDG_CACHE_HOME": str(folder / "home" / ".cache")}
    names = list(docs)
    pdfs = office.export_pdfs([(docs[n], folder / f"{n}.pdf") for n in names],
                              runner=functools.partial(subprocess.run, env=env))
    return {n: read_pages(p) for n, p in zip(names, pdfs, strict=True)}
