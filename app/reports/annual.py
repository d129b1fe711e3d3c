"""The year's documents: 公开承诺书 (with the year-end 践诺情况), 党建工作责任清单, the blank 述职评议测评表, the
述职评议结果通报 (红头) and the county's 评议结果汇总表 (.docx and .xlsx from the same rows).

Each document has a `*Content` dataclass of plain data and a builder returning bytes; the sections are also
functions on a `GongwenDocument` so that the year-end packet of a unit prints them the same way.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.dates import coverage_text, dot_date, months_text
from app.reports import charts
from app.reports.content import AuditAnchor, cn_number, join_names, problems_of, unit_name_problems
from app.reports.draft import draft_name, mark_xlsx
from app.reports.gongwen import (
    Column,
    DocNumber,
    GongwenDocument,
    IssuingBody,
    cn_date,
    rendering,
    safe_filename,
    score,
)
from app.reports.styles import DocumentStyle
from app.reports.xlsx_text import workbook_bytes

GRADES = ("好", "较好", "一般", "差")
FULFILMENT = ("未评定", "已践诺", "部分践诺", "未践诺")
ROLE_TITLES = {"党组书记": "党组书记（第一责任人）", "班子成员": "班子成员（一岗双责）", "机关党委书记": "机关党委书记",
               "支部书记": "支部书记"}
SUMMARY_HEADERS = ("序号", "单位", "述职人", "好", "较好", "一般", "差", "弃权", "好票率（%）", "平时成绩", "年终检查",
                   "综合得分", "名次", "等次", "优秀单位", "备注")


def _day(day: dt.date | None) -> str:
    """A 完成时限 in a table column: 2026.12.31 fits on one line (2026年12月31日 breaks inside the cell)."""
    return dot_date(day) if day else "全年"


# ---------------------------------------------------------------------------------------------------------------
# 公开承诺书 and 践诺情况


@dataclass(frozen=True)
class CommitmentLine:
    content: str
    owner: str
    due_on: dt.date | None
    status: str = "未评定"  # 未评定 / 已践诺 / 部分践诺 / 未践诺
    note: str = ""


@dataclass(frozen=True)
class CommitmentContent:
    year: int
    unit: str
    secretary: str
    post: str
    made_on: dt.date | None
    items: tuple[CommitmentLine, ...]
    with_fulfilment: bool = False  # print the year-end 践诺情况 columns
    assessed_on: dt.date | None = None
    county: str = ""

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.unit.strip():
            bad.append(("unit", "单位名称不能为空"))
        if not self.items:
            bad.append(("items", "没有承诺事项"))
        if any(i.status not in FULFILMENT for i in self.items):
            bad.append(("items", "践诺情况无效"))
        problems_of(bad)

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)


def commitment_filename(c: CommitmentContent) -> str:
    kind = "公开承诺践诺情况" if c.with_fulfilment else "公开承诺书"
    return safe_filename(f"{c.year}年度{kind}（{c.unit}）.docx")


def commitment_section(doc: GongwenDocument, c: CommitmentContent, *, standalone: bool) -> None:
    """The 公开承诺书 (and, with `with_fulfilment`, the 践诺情况) as a part of a document."""
    who = f"{c.unit}{c.post}{c.secretary}"
    doc.para(f"为认真履行党建工作第一责任人职责，本人{c.secretary}（{c.unit}{c.post}）就{c.year}年度抓机关党建工作"
             f"作出如下公开承诺，接受全体党员和干部职工监督。")
    if c.with_fulfilment:
        columns = [Column("序号", 10), Column("承诺事项", 58, left=True), Column("责任人", 18), Column("完成时限", 24),
                   Column("践诺情况", 18), Column("说明", 28, left=True)]
        rows = [[str(i), x.content, x.owner, _day(x.due_on), x.status, x.note] for i, x in enumerate(c.items, 1)]
        doc.table(columns, rows, size=10.5)
        assessed = f"截至{cn_date(c.assessed_on)}，" if c.assessed_on else "年终评定，"
        doc.para(f"{assessed}{len(c.items)}项承诺中已践诺{c.count('已践诺')}项，部分践诺{c.count('部分践诺')}项，"
                 f"未践诺{c.count('未践诺')}项" + (f"，尚未评定{c.count('未评定')}项" if c.count("未评定") else "") + "。")
    else:
        columns = [Column("序号", 12), Column("承诺事项", 92, left=True), Column("责任人", 24), Column("完成时限", 28)]
        rows = [[str(i), x.content, x.owner, _day(x.due_on)] for i, x in enumerate(c.items, 1)]
        doc.table(columns, rows, size=12.0)
        doc.para("以上承诺，本人将带头落实，年底向县直机关工委述职并接受评议。")
    if standalone:
        day = (c.assessed_on or c.made_on) if c.with_fulfilment else c.made_on
        _signed(doc, f"承诺人：{c.secretary}" if c.secretary else "承诺人：", day)
    elif not c.secretary:
        doc.para(f"承诺人：{who}")


def _signed(doc: GongwenDocument, name: str, day: dt.date | None) -> None:
    if day is not None:
        doc.signature(name, day)
    else:
        doc.blank()
        p = doc.para(name + "　　日期：")
        doc.fill_in(p, None, 8)


def build_commitment(content: CommitmentContent, issuer: IssuingBody, style: DocumentStyle | None = None) -> bytes:
    kind = "公开承诺践诺情况" if content.with_fulfilment else "公开承诺书"
    with rendering(f"{content.unit}的{kind}"):
        doc = GongwenDocument(style, title=f"{content.year}年度{kind}", author=issuer.name, date=content.made_on)
        doc.title([f"{content.unit}党组织书记", f"{content.year}年度抓机关党建工作{kind}"])
        doc.blank()
        commitment_section(doc, content, standalone=True)
        return doc.to_bytes()


# ---------------------------------------------------------------------------------------------------------------
# 党建工作责任清单


# The 三大责任制, in the order the 清单 lists them (DutyCategory's labels).
DUTY_CATEGORIES = ("机关党建", "党风廉政建设", "意识形态")
_CATEGORY_HEADINGS = {"机关党建": "机关党建工作责任", "党风廉政建设": "党风廉政建设责任", "意识形态": "意识形态工作责任"}
_NUMERALS = "一二三四五六七八九"


@dataclass(frozen=True)
class DutyLine:
    role: str  # 党组书记 / 班子成员 / 机关党委书记 / 支部书记
    person: str
    content: str
    due_on: dt.date | None = None
    category: str = "机关党建"  # one of DUTY_CATEGORIES


@dataclass(frozen=True)
class DutyListContent:
    year: int
    unit: str
    made_on: dt.date | None
    items: tuple[DutyLine, ...]
    county: str = ""

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.items:
            bad.append(("items", "责任清单没有责任事项"))
        if any(i.role not in ROLE_TITLES for i in self.items):
            bad.append(("items", "责任主体无效"))
        if any(i.category not in DUTY_CATEGORIES for i in self.items):
            bad.append(("items", "责任类别无效"))
        problems_of(bad)


def duty_list_filename(c: DutyListContent) -> str:
    return safe_filename(f"{c.year}年度党建工作责任清单（{c.unit}）.docx")


def duty_section(doc: GongwenDocument, c: DutyListContent) -> None:
    """The 清单 by the 三大责任制 (机关党建, 党风廉政建设, 意识形态), one numbered part and table each, the items
    of a part by role; a part the 清单 has no items for is not printed."""
    doc.para(f"为压紧压实机关党建、党风廉政建设和意识形态工作“三大责任制”，落实党组（党委）书记第一责任人职责和班子成员"
             f"“一岗双责”，制定{c.unit}{c.year}年度党建工作责任清单如下。")
    columns = [Column("序号", 10), Column("责任主体", 28), Column("责任人", 18), Column("责任内容", 74, left=True),
               Column("完成时限", 26)]
    order = list(ROLE_TITLES)
    parts = [(cat, [x for x in c.items if x.category == cat]) for cat in DUTY_CATEGORIES]
    for n, (cat, lines) in enumerate([p for p in parts if p[1]]):
        doc.heading1(f"{_NUMERALS[n]}、{_CATEGORY_HEADINGS[cat]}")
        items = sorted(lines, key=lambda x: order.index(x.role))
        rows = [[str(i), ROLE_TITLES[x.role], x.person, x.content, _day(x.due_on)] for i, x in enumerate(items, 1)]
        doc.table(columns, rows, size=10.5)
    doc.para("责任清单中未注明完成时限的事项须长期坚持、全年落实。")


def build_duty_list(content: DutyListContent, issuer: IssuingBody, style: DocumentStyle | None = None) -> bytes:
    with rendering(f"{content.unit}的党建工作责任清单"):
        doc = GongwenDocument(style, title=f"{content.year}年度党建工作责任清单", author=issuer.name,
                              date=content.made_on)
        doc.title([content.unit, f"{content.year}年度党建工作责任清单"])
        doc.blank()
        duty_section(doc, content)
        if content.made_on:
            doc.signature(f"{content.unit}党组（党委）", content.made_on)
        return doc.to_bytes()


# ---------------------------------------------------------------------------------------------------------------
# 述职评议测评表 and the tallied votes


@dataclass(frozen=True)
class BallotLine:
    unit: str
    secretary: str
    post: str = "党组书记"


@dataclass(frozen=True)
class BallotFormContent:
    year: int
    lines: tuple[BallotLine, ...]
    held_on: dt.date | None = None
    county: str = ""

    def __post_init__(self) -> None:
        problems_of([("lines", "测评表没有述职人")] if not self.lines else [])


def ballot_filename(c: BallotFormContent) -> str:
    return safe_filename(f"{c.year}年度述职评议测评表（空白，共{len(c.lines)}人）.docx")


def ballot_title(year: int) -> list[str]:
    return [f"{year}年度县直单位党组（党委）书记", "抓机关党建工作述职评议测评表"]


def ballot_section(doc: GongwenDocument, c: BallotFormContent) -> None:
    when = f"（{cn_date(c.held_on)}）" if c.held_on else ""
    doc.para(f"请对以下述职人{when}{c.year}年度抓机关党建工作情况作出评价，在相应等次栏内划“√”。每人只能选择一个等次，"
             "不划或多划的视为弃权。测评表不署名。")
    columns = [Column("序号", 12), Column("单位", 56, left=True), Column("姓名", 20), Column("职务", 24)] + \
        [Column(g, 11) for g in GRADES]
    rows = [[str(i), x.unit, x.secretary, x.post, "", "", "", ""] for i, x in enumerate(c.lines, 1)]
    doc.table(columns, rows, size=12.0)
    doc.para("评价要点：履行第一责任人职责情况；落实公开承诺和党建工作责任清单情况；“三会一课”等组织生活制度落实情况；"
             "月度考评、季度考核中发现问题的整改情况；作风建设和党风廉政建设情况。")


def build_ballot_form(content: BallotFormContent, issuer: IssuingBody, style: DocumentStyle | None = None) -> bytes:
    with rendering("述职评议测评表"):
        doc = GongwenDocument(style, title="述职评议测评表", author=issuer.name, date=content.held_on)
        doc.title(ballot_title(content.year))
        doc.blank()
        ballot_section(doc, content)
        if content.held_on:
            # The 工委 that holds the meeting, and its day (the voters do not sign): the form's 署名 and 成文日期.
            doc.signature(issuer.name, content.held_on)
        return doc.to_bytes()


@dataclass(frozen=True)
class ReviewRow:
    """One secretary's 述职评议 result (a line of the 汇总表 and of the 通报's 附件)."""

    unit: str
    secretary: str
    good: int
    fair: int
    average: int
    poor: int
    abstain: int
    rate: Decimal | None  # 好票率, per cent
    annual_mean: Decimal | None  # 平时成绩
    check_score: Decimal | None  # 年终检查
    composite: Decimal  # 综合
    rank: int
    grade: str
    excellent: bool = False
    veto: bool = False
    note: str = ""  # why the grade is below what 综合 alone gives (好票率, 一票否决), from the service
    mean_months: tuple[int, ...] = ()  # the months 平时成绩 is over (empty: not known, e.g. an older snapshot)

    @property
    def valid(self) -> int:
        return self.good + self.fair + self.average + self.poor


def tally_section(doc: GongwenDocument, r: ReviewRow, voters: int) -> None:
    """The tallied votes of one secretary."""
    doc.table([Column("投票人数", 22), Column("好", 18), Column("较好", 18), Column("一般", 18), Column("差", 18),
               Column("弃权", 18), Column("有效票", 20), Column("好票率", 24)],
              [[str(voters), str(r.good), str(r.fair), str(r.average), str(r.poor), str(r.abstain), str(r.valid),
                f"{score(r.rate)}%"]], size=12.0)
    doc.para("好票率＝（好票数＋较好票数）÷有效票数；弃权票不计入有效票。")


def mean_label(months: Sequence[int], of_quarters: bool) -> str:
    """The 平时成绩 line's note in a packet: "1—12月各月平均", "1—11月各月平均，未含12月"."""
    each = "各季度平均" if of_quarters else "各月平均"
    if not months:
        return each
    missing = [m for m in range(1, 13) if m not in months]
    return f"{months_text(months)}{each}" + (f"，未含{months_text(missing)}" if missing else "")


def coverage_note(rows: Sequence[ReviewRow]) -> str:
    """The months each 平时成绩 printed covers, so that a partial year never passes for a whole one: one clause
    when every unit's is the same, else the units out of the common case named ("" when not known)."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for r in sorted(rows, key=lambda x: (x.rank, x.unit)):
        if r.mean_months:
            groups.setdefault(tuple(sorted(r.mean_months)), []).append(r.unit)
    if not groups:
        return ""
    if len(groups) == 1 and len(next(iter(groups.values()))) == len(rows):
        return f"平时成绩所含月份：各单位均为{coverage_text(next(iter(groups)))}。"
    common = max(groups, key=lambda k: (len(groups[k]), len(k)))
    clauses = [f"{join_names(units, 10)}为{coverage_text(months)}" for months, units in groups.items()
               if months != common]
    clauses.append(f"其余{len(groups[common])}个单位为{coverage_text(common)}")
    unknown = len(rows) - sum(len(u) for u in groups.values())
    if unknown:
        clauses.append(f"{unknown}个单位无平时成绩")
    return "平时成绩所含月份：" + "；".join(clauses) + "。"


@dataclass(frozen=True)
class GradingRule:
    """How the year's 等次 is given (the settings the annual service graded with), printed under the results so
    that a grade that does not follow the rank (第16名好, 第13名较好) is explained."""

    good: Decimal = Decimal(90)
    fair: Decimal = Decimal(80)
    average: Decimal = Decimal(60)
    rate_for_good: int = 85  # 好 also needs 好票率 ≥ this (%)
    rate_floor: int = 60  # 好票率 below this (%) caps the grade at 一般
    veto_cap: bool = True  # a 一票否决 caps the grade at 较好

    def text(self) -> str:
        tenth = Decimal("0.1")
        caps = [f"综合得分达到{score(self.good, 0)}分但好票率低于{self.rate_for_good}%的评为较好",
                f"好票率低于{self.rate_floor}%的最高评为一般"]
        if self.veto_cap:
            caps.append("存在一票否决事项的最高评为较好")
        return (f"等次评定办法：综合得分{score(self.good, 0)}分及以上且好票率不低于{self.rate_for_good}%的为好，"
                f"{score(self.fair, 0)}分至{score(self.good - tenth)}分为较好，{score(self.average, 0)}分至"
                f"{score(self.fair - tenth)}分为一般，{score(self.average, 0)}分以下为差；" + "，".join(caps) +
                "。名次按综合得分排列，等次还取决于好票率和一票否决事项，因而个别单位的等次与名次不完全对应，原因见“备注”栏。")


def summary_rows(rows: Sequence[ReviewRow]) -> list[list[str]]:
    """The 汇总表's cells as text (the .docx and the .xlsx print the same values)."""
    return [[str(i), r.unit, r.secretary, str(r.good), str(r.fair), str(r.average), str(r.poor), str(r.abstain),
             score(r.rate), score(r.annual_mean), score(r.check_score), score(r.composite), str(r.rank), r.grade,
             "是" if r.excellent else "", r.note]
            for i, r in enumerate(sorted(rows, key=lambda x: (x.rank, x.unit)), 1)]


def summary_notes(rows: Sequence[ReviewRow], rule: GradingRule | None) -> list[str]:
    """The lines printed under the results table: the months 平时成绩 covers and the grading rule."""
    return [text for text in (coverage_note(rows), rule.text() if rule else "") if text]


def summary_table(doc: GongwenDocument, rows: Sequence[ReviewRow], rule: GradingRule | None) -> None:
    widths = (9, 40, 14, 9, 10, 10, 9, 10, 14, 14, 14, 14, 10, 10, 12, 26)
    doc.table([Column(h, w, left=h in ("单位", "备注")) for h, w in zip(SUMMARY_HEADERS, widths, strict=True)],
              summary_rows(rows), size=10.5)
    for text in summary_notes(rows, rule):
        doc.para(text)


# ---------------------------------------------------------------------------------------------------------------
# 评议结果汇总表 (county): .docx and .xlsx


# A register's column in the 汇总表 (.xlsx): header, and (unit name, cell text) pairs (app/services/packet_sections.py).
SummaryColumn = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class ReviewSummaryContent:
    year: int
    rows: tuple[ReviewRow, ...]
    held_on: dt.date | None
    voters: int
    weights: tuple[int, int, int]  # 平时成绩, 年终检查, 述职评议 (%)
    made_on: dt.date
    county: str = ""
    rule: GradingRule | None = None
    draft: bool = False  # the year is not locked: marked 征求意见稿 (app.reports.draft)
    # The registers' columns (民主生活会, 中心组学习, 培训 …), in the workbook only: the printed table is full.
    extra_columns: tuple[SummaryColumn, ...] = ()

    def __post_init__(self) -> None:
        problems_of([("rows", "没有评议结果")] if not self.rows else [])

    @property
    def title(self) -> str:
        return f"{self.year}年度县直单位党建工作述职评议结果汇总表"

    @property
    def note(self) -> str:
        w = self.weights
        meeting = f"评议会于{cn_date(self.held_on)}召开，投票人数{self.voters}人。" if self.held_on else ""
        return (f"{meeting}综合得分＝平时成绩×{w[0]}%＋年终检查×{w[1]}%＋好票率×{w[2]}%；好票率＝（好＋较好）÷有效票。")


def summary_filename(c: ReviewSummaryContent, ext: str = "docx") -> str:
    return draft_name(safe_filename(f"{c.title}.{ext}"), c.draft)


def build_review_summary(content: ReviewSummaryContent, issuer: IssuingBody,
                         style: DocumentStyle | None = None) -> bytes:
    with rendering(f"《{content.title}》"):
        doc = GongwenDocument(style, title=content.title, author=issuer.name, date=content.made_on,
                              draft=content.draft)
        doc.title([f"{content.year}年度县直单位党建工作", "述职评议结果汇总表"])
        doc.blank()
        doc.para(content.note + f"共{len(content.rows)}个单位，" +
                 "，".join(f"{g}等次{sum(1 for r in content.rows if r.grade == g)}个" for g in GRADES) +
                 f"；党建工作优秀单位{sum(1 for r in content.rows if r.excellent)}个。详见下表。")
        doc.signature(issuer.name, content.made_on)  # who compiled the table, and when (署名, 成文日期)
        doc.attachment(None, content.title, landscape=True)
        summary_table(doc, content.rows, content.rule)
        return doc.to_bytes()


def build_review_summary_xlsx(content: ReviewSummaryContent) -> bytes:
    """The same table as a workbook: a title row, the header, one row per unit (numbers as numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    with rendering(f"《{content.title}》（Excel）"):
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "评议结果汇总"
        ws.append([content.title])
        extra = [(header, dict(cells)) for header, cells in content.extra_columns]
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SUMMARY_HEADERS) + len(extra))
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.append([*SUMMARY_HEADERS, *(header for header, _ in extra)])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        numeric = {0, 3, 4, 5, 6, 7, 12}  # the 备注 column (last) stays text
        decimal = {8, 9, 10, 11}
        for result, row in zip(content.rows, summary_rows(content.rows), strict=True):
            row.extend(cells.get(result.unit, "—") for _, cells in extra)
            values: list[object] = []
            for i, v in enumerate(row):
                if i in numeric:
                    values.append(int(v))
                elif i in decimal and v != "—":
                    values.append(float(v))
                else:
                    values.append(v)
            ws.append(values)
        for r in range(3, ws.max_row + 1):
            for c in decimal:
                ws.cell(r, c + 1).number_format = "0.0"
        ws.append([])
        for text in (content.note, *summary_notes(content.rows, content.rule)):
            ws.append([text])
        for i, width in enumerate((6, 28, 10, 6, 6, 6, 6, 6, 11, 10, 10, 10, 6, 6, 9, 30, *(16 for _ in extra)), 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A3"
        ws.print_title_rows = "2:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if content.draft:
            mark_xlsx(ws)
        return workbook_bytes(wb)  # text cells, never a formula


# ---------------------------------------------------------------------------------------------------------------
# 述职评议结果通报 (红头)


@dataclass(frozen=True)
class ReviewBulletinContent:
    year: int
    number: DocNumber
    issued_on: dt.date
    rows: tuple[ReviewRow, ...]
    held_on: dt.date
    voters: int
    audit: AuditAnchor
    weights: tuple[int, int, int] = (60, 30, 10)
    basis: str = "各月考评得分的平均分"
    place: str = ""
    participants: str = ""
    excellent_quota_percent: int = 20
    printed_on: dt.date | None = None
    supersedes: DocNumber | None = None
    county: str = "全县"
    rule: GradingRule | None = None  # None only in snapshots of 通报 issued before it was printed

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.rows:
            bad.append(("rows", "没有评议结果，不能生成通报"))
        if any(r.grade not in GRADES for r in self.rows):
            bad.append(("rows", "等次无效"))
        bad.extend(unit_name_problems([r.unit for r in self.rows]))
        problems_of(bad)

    @property
    def ranked(self) -> list[ReviewRow]:
        return sorted(self.rows, key=lambda r: (r.rank, r.unit))

    def of_grade(self, grade: str) -> list[ReviewRow]:
        return [r for r in self.ranked if r.grade == grade]


def review_bulletin_title(c: ReviewBulletinContent) -> str:
    return f"关于{c.year}年度县直单位党建工作述职评议考核结果的通报"


def review_bulletin_filename(c: ReviewBulletinContent) -> str:
    return safe_filename(f"{c.year}年度党建工作述职评议考核结果通报（{c.number}）.docx")


def build_review_bulletin(content: ReviewBulletinContent, issuer: IssuingBody,
                          style: DocumentStyle | None = None) -> bytes:
    with rendering(f"《{content.year}年度述职评议考核结果通报》"):
        c = content
        doc = GongwenDocument(style, title=review_bulletin_title(c), author=issuer.name, date=c.issued_on)
        doc.redhead(issuer.mark_text, c.number)
        doc.title([f"关于{c.year}年度县直单位党建工作", "述职评议考核结果的通报"])
        doc.recipients(issuer.recipients)
        where = f"在{c.place}" if c.place else ""
        doc.para(f"按照“年底党建述职评议考核”的要求，{cn_date(c.held_on)}，县直机关工委{where}召开{c.year}年度县直单位"
                 f"党组（党委）书记抓机关党建工作述职评议会议，{len(c.rows)}名党组（党委）书记现场述职，{c.voters}名参会"
                 f"人员进行了民主测评。现将考核结果通报如下。")
        _review_overview(doc, c)
        _review_results(doc, c)
        _review_requirements(doc, c)
        attachment = f"{c.year}年度县直单位党建工作述职评议结果汇总表"
        doc.attachment_note([attachment])
        doc.signature(issuer.name, c.issued_on)
        doc.attachment("附件", attachment, landscape=True)
        summary_table(doc, c.rows, c.rule)
        doc.imprint(cc=issuer.cc, printer=issuer.printer, printed_on=c.printed_on or c.issued_on,
                    notes=[c.audit.line()])
        return doc.to_bytes()


def _review_overview(doc: GongwenDocument, c: ReviewBulletinContent) -> None:
    doc.heading1("一、基本情况")
    w = c.weights
    doc.para(f"年度考核综合得分由平时成绩（{c.basis}）、年终检查和述职评议三部分组成，分别占{w[0]}%、{w[1]}%和{w[2]}%，"
             "述职评议以好票率（好票与较好票之和占有效票的比例）计分。" + coverage_note(c.rows))
    totals = [r.composite for r in c.rows]
    rates = [r.rate for r in c.rows if r.rate is not None]
    mean = sum(totals, Decimal(0)) / len(totals)
    spread = statistics.pstdev([float(t) for t in totals]) if len(totals) > 1 else 0.0
    rate_text = f"，平均好票率{score(sum(rates, Decimal(0)) / len(rates))}%" if rates else ""
    doc.para(f"{c.county}平均综合得分{score(mean)}分，最高{score(max(totals))}分，最低{score(min(totals))}分，"
             f"标准差{score(Decimal(str(spread)))}分{rate_text}。")
    png = charts.distribution_chart(totals, marks=[(f"{c.county}平均综合得分", mean)])
    doc.figure(png, f"图1　{c.year}年度各单位综合得分分布")


def _review_results(doc: GongwenDocument, c: ReviewBulletinContent) -> None:
    doc.heading1("二、考核结果")
    doc.para("经综合评定，" + "，".join(f"{g}等次{len(c.of_grade(g))}个" for g in GRADES) + "。")
    for i, grade in enumerate(GRADES, 1):
        rows = c.of_grade(grade)
        lead = f"（{cn_number(i)}）{grade}等次（{len(rows)}个）。"
        if not rows:
            doc.heading2(lead, "无。")
        elif grade == "较好" and len(rows) > 20:
            doc.heading2(lead, "名单详见附件。")
        else:
            doc.heading2(lead, f"{join_names([r.unit for r in rows])}（按综合得分排列）。")
    # Grades that do not follow the rank are explained where they are listed; units sharing a reason together.
    by_note: dict[str, list[str]] = {}
    for r in c.ranked:
        if r.note:
            by_note.setdefault(r.note, []).append(r.unit)
    if by_note:
        doc.para("需要说明的是：" + "；".join(f"{join_names(units, 10)}{'' if len(units) == 1 else f'{len(units)}个单位'}"
                                         f"{note}" for note, units in by_note.items()) + "。")
    best = [r.unit for r in c.ranked if r.excellent]
    if best:
        doc.para(f"经县直机关工委研究，决定授予{join_names(best)}{len(best)}个单位{c.year}年度“党建工作优秀单位”称号"
                 f"（名额不超过参评单位的{c.excellent_quota_percent}%，存在一票否决事项的单位不参加评选）。")
    weak = [r.unit for r in c.ranked if r.grade in ("一般", "差")]
    if weak:
        doc.para(f"对考核等次为一般、差的{join_names(weak)}{len(weak)}个单位，县直机关工委将约谈其党组（党委）主要负责"
                 f"同志，督促制定整改方案，限期整改到位。")


def _review_requirements(doc: GongwenDocument, c: ReviewBulletinContent) -> None:
    doc.heading1("三、工作要求")
    doc.heading2("（一）强化结果运用。", "考核结果作为干部工作实绩评价、评先评优、职务调整、选拔任用的重要依据，"
                 "按规定报送县委组织部。")
    doc.heading2("（二）抓好问题整改。", "各单位要对照述职评议中指出的问题和测评意见，逐项制定整改措施，"
                 "整改情况于次年第一季度报县直机关工委。")
    doc.heading2("（三）持续压实责任。", f"各单位党组（党委）书记要对照{c.year + 1}年度公开承诺和党建工作责任清单，"
                 "切实履行第一责任人职责，推动机关党建工作全面进步、全面过硬。")
    if c.supersedes:
        doc.para(f"本通报印发后，{c.supersedes}通报同时废止。")
