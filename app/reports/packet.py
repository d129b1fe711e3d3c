"""The year-end 述职评议 packet of one unit: everything the year produced about it, in one .docx.

Cover and contents; 述职报告; 公开承诺书 and 践诺情况; 党建工作责任清单; the twelve months' scores with the trend chart
against the county mean; the quarterly grades; 约谈 and 整改 records; the blank 述职评议测评表 for the meeting; the
tallied votes; the 评议结果.  Each part starts on a new page; page numbers run through the packet.

`write_job` is what the packet service runs in worker processes: it takes only plain data (picklable dataclasses)
and writes its document atomically, so a cancelled run leaves whole files or none.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from app.dates import dot_date
from app.reports import charts
from app.reports.annual import (
    BallotFormContent,
    BallotLine,
    CommitmentContent,
    DutyListContent,
    ReviewRow,
    ReviewSummaryContent,
    ballot_section,
    build_ballot_form,
    build_review_summary,
    build_review_summary_xlsx,
    commitment_section,
    duty_section,
    mean_label,
    tally_section,
)
from app.reports.content import problems_of
from app.reports.draft import draft_name
from app.reports.gongwen import Column, GongwenDocument, IssuingBody, cn_date, rendering, safe_filename, score
from app.reports.output import write_atomic
from app.reports.styles import DocumentStyle

PARTS = ("述职报告", "公开承诺书及践诺情况", "党建工作责任清单", "月度考评得分情况", "季度分级量化考核情况",
         "约谈及整改情况", "述职评议测评表", "述职评议测评结果", "年度考核评议结果")


@dataclass(frozen=True)
class PacketSection:
    """A register's part of the packet (民主生活会, 中心组学习, 党务干部培训 …, app/services/packet_sections.py):
    a heading on a new page, paragraphs, then a table when `header` is given (its rows as text; columns share the
    版心 equally unless `widths_mm` says otherwise)."""

    title: str
    paragraphs: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    widths_mm: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        bad = []
        if not self.title.strip():
            bad.append(("title", "材料部分的标题不能为空"))
        if self.widths_mm and len(self.widths_mm) != len(self.header):
            bad.append(("widths_mm", f"“{self.title}”的列宽个数与表头不一致"))
        if any(len(row) != len(self.header) for row in self.rows):
            bad.append(("rows", f"“{self.title}”的表格行与表头列数不一致"))
        problems_of(bad)


@dataclass(frozen=True)
class MonthLine:
    month: int
    total: Decimal | None  # None: no locked score that month
    county_mean: Decimal | None
    rank: int | None = None
    count: int | None = None
    tier: str = ""
    veto: bool = False


@dataclass(frozen=True)
class QuarterLine:
    quarter: int
    score: Decimal
    rank: int
    count: int
    grade: str
    note: str = ""


@dataclass(frozen=True)
class InterviewLine:
    source: str  # 2026年10月 / 2026年度
    post: str
    name: str
    held_on: dt.date | None
    reasons: str
    status: str


@dataclass(frozen=True)
class RectificationLine:
    source: str
    problem: str
    measure: str
    owner: str
    deadline: dt.date
    status: str
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class PacketContent:
    year: int
    unit: str
    secretary: str
    post: str
    made_on: dt.date
    county: str = "全县"
    report: tuple[str, ...] = ()  # 述职报告 paragraphs
    report_file: str = ""
    commitment: CommitmentContent | None = None
    duties: DutyListContent | None = None
    months: tuple[MonthLine, ...] = ()
    quarters: tuple[QuarterLine, ...] = ()
    interviews: tuple[InterviewLine, ...] = ()
    rectifications: tuple[RectificationLine, ...] = ()
    result: ReviewRow | None = None
    voters: int = 0
    held_on: dt.date | None = None
    unit_count: int = 0
    weights: tuple[int, int, int] = (60, 30, 10)
    basis: str = "各月考评得分的平均分"
    draft: bool = False  # the year is not locked: every page marked 征求意见稿 (app.reports.draft)
    sections: tuple[PacketSection, ...] = ()  # the registers' parts, after 约谈及整改情况

    def __post_init__(self) -> None:
        bad = []
        if not self.unit.strip():
            bad.append(("unit", "单位名称不能为空"))
        if len(self.months) > 12:
            bad.append(("months", "月度得分超过12个月"))
        problems_of(bad)

    @property
    def annual_mean(self) -> Decimal | None:
        scored = [m.total for m in self.months if m.total is not None]
        return sum(scored, Decimal(0)) / len(scored) if scored else None


def packet_filename(c: PacketContent, number: int) -> str:
    return draft_name(safe_filename(f"{number:03d}_{c.unit}_{c.year}年度述职评议考核材料.docx"), c.draft)


def build_packet(content: PacketContent, issuer: IssuingBody, style: DocumentStyle | None = None) -> bytes:
    with rendering(f"{content.unit}的年度考核材料"):
        doc = GongwenDocument(style, title=f"{content.unit}{content.year}年度述职评议考核材料", author=issuer.name,
                              date=content.made_on, draft=content.draft)
        _cover(doc, content, issuer)
        for title, part in _parts(content):
            doc.attachment(None, title)
            doc.blank()
            part(doc, content)
        return doc.to_bytes()


Part = Callable[["GongwenDocument", "PacketContent"], None]


def _parts(c: PacketContent) -> list[tuple[str, Part]]:
    """The packet's parts in order: the fixed ones, with the registers' sections before the 述职评议 (the meeting
    papers and the results close the packet)."""
    parts: list[tuple[str, Part]] = list(zip(PARTS, _PARTS, strict=True))
    at = PARTS.index("述职评议测评表")
    extra: list[tuple[str, Part]] = [(section.title, partial(_section, section=section)) for section in c.sections]
    return parts[:at] + extra + parts[at:]


def part_titles(c: PacketContent) -> list[str]:
    return [title for title, _ in _parts(c)]


# ---------------------------------------------------------------------------------------------------------------
# parts


def _cover(doc: GongwenDocument, c: PacketContent, issuer: IssuingBody) -> None:
    doc.blank(3)
    doc.title([c.unit, f"{c.year}年度党建工作", "述职评议考核材料"])
    doc.blank(3)
    who = f"{c.post}{c.secretary}" if c.secretary else c.post
    doc.para(f"述职人：{who}")
    if c.result is not None:
        doc.para(f"年度综合得分：{score(c.result.composite)}分（第{c.result.rank}名，共{c.unit_count}个单位）；"
                 f"等次：{c.result.grade}" + ("；党建工作优秀单位" if c.result.excellent else ""))
    doc.para("本材料包括：" + "；".join(f"{i}.{p}" for i, p in enumerate(part_titles(c), 1)) + "。")
    # Who compiled it and when, set as a 署名 and 成文日期 (7.3.5.2): the date the figures inside stand at.
    doc.signature(issuer.name, c.made_on)


def _report(doc: GongwenDocument, c: PacketContent) -> None:
    if not c.report:
        doc.para("（述职报告尚未提交。）")
        return
    if c.report_file:
        doc.para(f"（根据“{c.report_file}”导入。）")
    for line in c.report:
        doc.para(line)


def _commitment(doc: GongwenDocument, c: PacketContent) -> None:
    if c.commitment is None:
        doc.para(f"{c.unit}{c.year}年度未登记党组织书记公开承诺。")
        return
    if c.commitment.made_on:
        doc.para(f"承诺人：{c.commitment.secretary}；承诺日期：{cn_date(c.commitment.made_on)}。")
    commitment_section(doc, c.commitment, standalone=False)


def _duties(doc: GongwenDocument, c: PacketContent) -> None:
    if c.duties is None:
        doc.para(f"{c.unit}{c.year}年度未登记党建工作责任清单。")
        return
    duty_section(doc, c.duties)


def _months(doc: GongwenDocument, c: PacketContent) -> None:
    scored = [m for m in c.months if m.total is not None]
    if not scored:
        doc.para(f"{c.year}年尚无已锁定的月度考评结果。")
        return
    mean = c.annual_mean
    assert mean is not None
    best = max(scored, key=lambda m: (m.total, -m.month))
    worst = min(scored, key=lambda m: (m.total, m.month))
    doc.para(f"{c.year}年共有{len(scored)}个月的考评结果，本单位月平均得分{score(mean)}分；最高{score(best.total)}分"
             f"（{best.month}月），最低{score(worst.total)}分（{worst.month}月）。")
    rows = []
    for m in c.months:
        diff = None if m.total is None or m.county_mean is None else m.total - m.county_mean
        rank = f"{m.rank}/{m.count}" if m.rank is not None else "—"
        rows.append([f"{m.month}月", score(m.total) + ("★" if m.veto else ""), score(m.county_mean),
                     "—" if diff is None else (f"+{score(diff)}" if diff > 0 else score(diff)), rank, m.tier or "—"])
    doc.table([Column("月份", 20), Column("本单位得分", 30), Column("全县平均分", 30), Column("与平均分差", 28),
               Column("名次", 26), Column("档次", 22)], rows, size=12.0)
    if any(m.veto for m in c.months):
        doc.para("标注“★”的月份存在一票否决事项。")
    last = max(m.month for m in c.months if m.county_mean is not None and m.total is not None)
    county = charts.TrendSeries(f"{c.county}平均分", tuple(m.county_mean for m in c.months))
    own = charts.TrendSeries(c.unit, tuple(m.total for m in c.months))
    png = charts.trend_chart(county, last, unit=own, mark_month=False)  # a year's packet has no "this month"
    doc.figure(png, f"图1　{c.unit}{c.year}年月度得分与{c.county}平均分对比")


def _quarters(doc: GongwenDocument, c: PacketContent) -> None:
    if not c.quarters:
        doc.para(f"{c.year}年尚无已复核的季度分级量化考核结果。")
        return
    rows = [[f"第{q.quarter}季度", score(q.score), f"{q.rank}/{q.count}", q.grade, q.note or "—"] for q in c.quarters]
    doc.table([Column("季度", 26), Column("季度得分", 26), Column("名次", 24), Column("等次", 20),
               Column("说明", 60, left=True)], rows, size=12.0)


def _interviews(doc: GongwenDocument, c: PacketContent) -> None:
    if c.interviews:
        doc.para(f"{c.year}年度本单位被约谈{len(c.interviews)}次：")
        rows = [[str(i), x.source, f"{x.post}{x.name}", dot_date(x.held_on) if x.held_on else "未约谈", x.reasons,
                 x.status] for i, x in enumerate(c.interviews, 1)]
        doc.table([Column("序号", 10), Column("约谈来源", 24), Column("被约谈人", 28), Column("约谈日期", 26),
                   Column("约谈事由", 46, left=True), Column("状态", 22)], rows, size=10.5)
    else:
        doc.para(f"{c.year}年度本单位未被约谈。")
    if c.rectifications:
        closed = sum(1 for r in c.rectifications if r.status == "已销号")
        doc.para(f"整改事项共{len(c.rectifications)}项，已销号{closed}项：")
        rows = [[str(i), r.problem + (f"（{r.source}）" if r.source else ""), r.measure or "—", r.owner or "—",
                 dot_date(r.deadline), r.status + (f"（{dot_date(r.closed_on)}）" if r.closed_on else "")]
                for i, r in enumerate(c.rectifications, 1)]
        doc.table([Column("序号", 10), Column("存在问题", 48, left=True), Column("整改措施", 36, left=True),
                   Column("责任人", 16), Column("整改时限", 24), Column("状态", 22)], rows, size=10.5)
    else:
        doc.para("本年度无整改事项。")


def _ballot(doc: GongwenDocument, c: PacketContent) -> None:
    ballot_section(doc, BallotFormContent(c.year, (BallotLine(c.unit, c.secretary, c.post),), c.held_on, c.county))


def _tally(doc: GongwenDocument, c: PacketContent) -> None:
    if c.result is None:
        doc.para("述职评议测评结果尚未产生。")
        return
    when = f"{cn_date(c.held_on)}召开的" if c.held_on else ""
    doc.para(f"在{when}{c.year}年度述职评议会议上，{c.voters}名参会人员对{c.secretary or '述职人'}进行了测评，结果如下：")
    tally_section(doc, c.result, c.voters)


def _outcome(doc: GongwenDocument, c: PacketContent) -> None:
    r = c.result
    if r is None:
        doc.para("年度考核评议结果尚未产生。")
        return
    w = c.weights
    doc.table([Column("项目", 40), Column("得分", 30), Column("权重", 26), Column("折合得分", 30), Column("说明", 30)], [
        ["平时成绩", score(r.annual_mean), f"{w[0]}%", exact(_part(r.annual_mean, w[0])),
         mean_label(r.mean_months, "季度" in c.basis)],
        ["年终检查", score(r.check_score), f"{w[1]}%", exact(_part(r.check_score, w[1])), "—"],
        ["述职评议（好票率）", score(r.rate), f"{w[2]}%", exact(_part(r.rate, w[2])), "—"],
        ["综合得分", score(r.composite), "100%", score(r.composite), f"第{r.rank}名"],
    ], size=12.0)
    # Rounded once, at the end: the parts printed add up to the 综合 before its one rounding, so a reader with a
    # pencil gets the same figure (parts rounded one by one could miss it by 0.1).
    doc.para("折合得分＝得分×权重，不作舍入；综合得分为三项折合得分之和，四舍五入保留一位小数。")
    text = (f"{c.unit}{c.year}年度党建工作述职评议考核综合得分{score(r.composite)}分，在{c.unit_count}个参评单位中"
            f"排第{r.rank}名，考核等次为“{r.grade}”")
    if r.excellent:
        text += f"，被评为{c.year}年度“党建工作优秀单位”"
    if r.veto:
        text += "；年度内存在一票否决事项，不参加“党建工作优秀单位”评选"
    if r.note:
        text += f"（{r.note}）"
    doc.para(text + "。")
    if r.grade in ("一般", "差"):
        doc.para("按照考核办法，县直机关工委将对本单位党组（党委）主要负责同志进行约谈，本单位须制定整改方案并限期整改。")


def _section(doc: GongwenDocument, _c: PacketContent, *, section: PacketSection) -> None:
    for text in section.paragraphs:
        doc.para(text)
    if not section.header:
        return
    if not section.rows:
        doc.para("（无记录。）")
        return
    share = (doc.text_width_twips - len(section.header)) * 25.4 / 1440 / len(section.header)  # rounding stays inside
    widths = section.widths_mm or tuple(share for _ in section.header)
    # Text columns (names, topics) read better flush left; short ones (dates, counts) stay centred.
    left = [any(len(row[i]) > 10 for row in section.rows) for i in range(len(section.header))]
    doc.table([Column(h, w, left=flush) for h, w, flush in zip(section.header, widths, left, strict=True)],
              [list(row) for row in section.rows], size=10.5)


def _part(value: Decimal | None, weight: int) -> Decimal | None:
    return None if value is None else value * weight / 100


def exact(value: Decimal | None) -> str:
    """A weighted part as it is (a one-place score times a whole per cent has at most three places): at least
    one place, no trailing zeros beyond it, never rounded."""
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    whole, _, places = text.partition(".")
    return f"{whole}.{places or '0'}"


_PARTS = (_report, _commitment, _duties, _months, _quarters, _interviews, _ballot, _tally, _outcome)


# ---------------------------------------------------------------------------------------------------------------
# worker jobs


@dataclass(frozen=True)
class Job:
    """One file to build: `kind` is packet / summary / summary_xlsx / ballot; `content` its plain data."""

    kind: str
    content: Any
    target: str
    issuer: IssuingBody
    style: DocumentStyle


def render(job: Job) -> bytes:
    if job.kind == "packet":
        return build_packet(job.content, job.issuer, job.style)
    if job.kind == "summary":
        assert isinstance(job.content, ReviewSummaryContent)
        return build_review_summary(job.content, job.issuer, job.style)
    if job.kind == "summary_xlsx":
        return build_review_summary_xlsx(job.content)
    if job.kind == "ballot":
        return build_ballot_form(job.content, job.issuer, job.style)
    raise ValueError(job.kind)


def write_job(job: Job) -> tuple[str, int]:
    """Build one file and put it in place atomically (run in a worker process); (target, size) back."""
    data = render(job)
    write_atomic(Path(job.target), data)
    # A packet leaves ~1.5 MB of reference cycles (matplotlib figures, python-docx parts) that the automatic
    # collector reaches only much later: collected now, a worker stays near 140 MB instead of growing past 250 MB.
    gc.collect()
    return job.target, len(data)
