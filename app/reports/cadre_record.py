"""党建实绩记实: one page per 党组（党委）书记, 机关党委书记 or 支部书记 for the 组织部's cadre file (GB/T 9704 layout,
no 红头: it is filed, not issued), and the county's list of them as one workbook.

Both are built from plain text prepared by `app.services.cadre_records`: this module formats, it decides nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from app.reports.content import cn_number, problems_of
from app.reports.gongwen import GongwenDocument, rendering, safe_filename
from app.reports.styles import DocumentStyle
from app.reports.xlsx_text import workbook_bytes


@dataclass(frozen=True)
class PostPart:
    """One post held in the year, with the unit's results of the months held."""

    title: str  # 县林业局第一党支部书记
    tenure: str  # 1月1日—6月10日 / 全年
    months: int  # months counted as held
    tiers: str  # 先进2个月、中间3个月（1月先进 2月中间 …）
    quarters: str  # 第一季度较好（88.0分）…
    annual: str  # 较好（综合86.5分），党建工作优秀单位 / 不计（…）
    compliance: str  # 应落实42项，已落实40项，落实率95.2%；未落实：…


@dataclass(frozen=True)
class CadrePageContent:
    year: int
    name: str
    units: str
    posts: tuple[PostPart, ...]
    interviews: tuple[str, ...]  # one line each
    accountabilities: tuple[str, ...]
    training: str  # 培训学时 text, "" when the training register is not in use
    issuer: str  # 署名
    made_on: dt.date

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.name.strip():
            bad.append(("name", "姓名不能为空"))
        if not self.posts:
            bad.append(("posts", f"{self.name}没有本年度的任职记录"))
        problems_of(bad)


@dataclass(frozen=True)
class CadreListRow:
    number: int
    name: str
    unit: str
    post: str
    tenure: str
    months: int
    advanced: int  # months in each tier
    middle: int
    backward: int
    quarters: str
    annual: str
    excellent: str  # 是 / 否 / ""
    compliance: str  # 95.2% or —
    interviews: int | None  # None on a person's second post (counted on the first)
    accountabilities: str
    training: str


def page_filename(c: CadrePageContent, unit: str) -> str:
    return safe_filename(f"{c.year}年度党建工作实绩记实（{unit}　{c.name}）.docx")


def list_filename(year: int) -> str:
    return f"{year}年度党组织书记党建工作实绩一览表.xlsx"


def build_cadre_page(content: CadrePageContent, style: DocumentStyle | None = None) -> bytes:
    """One person's page as .docx bytes."""
    c = content
    with rendering(f"{c.name}的党建工作实绩记实"):
        doc = GongwenDocument(style, title=f"{c.year}年度党建工作实绩记实", author=c.issuer, date=c.made_on)
        doc.title(f"{c.year}年度党建工作实绩记实")
        doc.form([("姓　　名", c.name, 0), ("单　　位", c.units, 0),
                  ("本年任职", "；".join(f"{p.title}（{p.tenure}）" for p in c.posts), 0)], label_mm=30)
        for i, p in enumerate(c.posts, start=1):
            doc.heading1(f"{cn_number(i)}、任{p.title}期间（{p.tenure}，计{p.months}个月）")
            doc.form([("月度考评档次", p.tiers, 0), ("季度分级考核", p.quarters, 0), ("年度考核等次", p.annual, 0),
                      ("组织生活落实", p.compliance, 0)], label_mm=30)
        n = len(c.posts) + 1
        doc.heading1(f"{cn_number(n)}、约谈和问责")
        doc.para("；".join(c.interviews + c.accountabilities) + "。" if c.interviews or c.accountabilities
                 else "本年度未被约谈，无问责记录。")
        if c.training:
            doc.heading1(f"{cn_number(n + 1)}、培训学时")
            doc.para(c.training)
        doc.signature(c.issuer, c.made_on)
        return doc.to_bytes()


HEADERS = ("序号", "姓名", "单位", "职务", "本年任职", "任职月数", "先进月数", "中间月数", "后进月数", "季度等次",
           "年度等次", "优秀单位", "组织生活落实率", "约谈次数", "问责情况", "培训学时")
_WIDTHS = (6, 10, 20, 26, 18, 8, 8, 8, 8, 30, 22, 8, 12, 8, 30, 10)


def build_cadre_list(year: int, rows: Sequence[CadreListRow], notes: Sequence[str]) -> bytes:
    """The county's list: one row per post held (a person's 约谈, 问责 and 学时 on their first row only)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "党建实绩"
    ws.append([f"{year}年度党组织书记党建工作实绩一览表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.append(list(HEADERS))
    thin = Side(style="thin")
    for i, width in enumerate(_WIDTHS, start=1):
        cell = ws.cell(row=2, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    for r in rows:
        ws.append([r.number, r.name, r.unit, r.post, r.tenure, r.months, r.advanced, r.middle, r.backward,
                   r.quarters, r.annual, r.excellent, r.compliance, "" if r.interviews is None else r.interviews,
                   r.accountabilities, r.training])
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.row > 2:
                cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "C3"
    ws.print_title_rows = "2:2"
    info = wb.create_sheet("说明")
    for line in ("每人每个任职一行；约谈次数、问责情况和培训学时列在其本年第一个任职行。",
                 "任职月数：每月15日在任的月份计入；季度等次计入在任2个月及以上的季度；年度等次在任满6个月方计入。",
                 *notes):
        info.append([line])
    info.column_dimensions["A"].width = 110
    return workbook_bytes(wb)
