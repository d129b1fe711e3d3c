"""考评情况反馈单: one sheet per unit with its scores by category, every deduction and bonus with its reason.

Units ask "why did we lose points"; the sheet answers it item by item, and its lines add up: a deduction beyond
what an indicator can lose is given back on a 封顶调整 line of its own, and the 合计 line is the points lost.
Each unit's sheet is its own document (to send to the unit) or one section of a combined document (to print them
all, double-sided), numbered from page 1 per unit and starting on a front (odd) page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from docx.enum.section import WD_SECTION

from app.dates import cn_date
from app.reports.content import TIERS, Category, problems_of
from app.reports.draft import draft_name
from app.reports.gongwen import Column, GongwenDocument, IssuingBody, rendering, safe_filename, score, signed
from app.reports.styles import DocumentStyle


@dataclass(frozen=True)
class CategoryResult:
    category: Category
    score: Decimal  # 复核
    self_score: Decimal | None = None  # 自评


@dataclass(frozen=True)
class FeedbackLine:
    """One deduction (points < 0) or bonus (points > 0) on one indicator; or, with `cap`, the 封顶调整 that gives
    back what an indicator's lines take (add) beyond its limit, so that the lines add up to the points lost."""

    category: str
    indicator: str
    points: Decimal
    reason: str
    evidence: str = ""  # 佐证 note
    cap: bool = False


@dataclass(frozen=True)
class SelfDifference:
    """An indicator whose 自评 is not its 复核 score, with the 工委's reason (its deductions' or bonuses' reasons,
    or what the 复核 found) and the unit's own 说明."""

    category: str
    indicator: str
    self_score: Decimal
    review_score: Decimal
    reason: str
    self_note: str = ""


@dataclass(frozen=True)
class FeedbackSheetContent:
    year: int
    month: int
    unit: str
    total: Decimal
    rank: int
    unit_count: int
    tier: str
    categories: tuple[CategoryResult, ...]
    lines: tuple[FeedbackLine, ...]
    issued_on: dt.date
    change: Decimal | None = None  # total minus last month's
    self_total: Decimal | None = None
    veto: bool = False
    objection_days: int = 5  # working days to raise an objection
    objection_until: dt.date | None = None  # the last of them, counted from `issued_on` (app.services.workdays)
    draft: bool = False  # the month is not locked yet: marked 征求意见稿 (app.reports.draft)
    addressee: str = ""  # 主送: the unit's party organisation as the register names it; default "<unit>党组（党委）"
    differences: tuple[SelfDifference, ...] = ()  # 自评 ≠ 复核, in the scheme's order

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not 1 <= self.month <= 12:
            bad.append(("month", f"月份无效：{self.month}"))
        if not self.unit.strip():
            bad.append(("unit", "单位名称不能为空"))
        if not 1 <= self.rank <= max(1, self.unit_count):
            bad.append(("rank", f"{self.unit}的名次{self.rank}不在1至{self.unit_count}之间"))
        if self.tier not in TIERS:
            bad.append(("tier", f"{self.unit}的档次无效：{self.tier}"))
        if any(line.points == 0 for line in self.lines):
            bad.append(("lines", f"{self.unit}有分值为0的扣（加）分记录"))
        problems_of(bad)


def feedback_filename(content: FeedbackSheetContent) -> str:
    return draft_name(safe_filename(f"{content.year}年{content.month}月考评情况反馈单（{content.unit}）.docx"),
                      content.draft)


def build_feedback_sheet(content: FeedbackSheetContent, issuer: IssuingBody,
                         style: DocumentStyle | None = None) -> bytes:
    """One unit's sheet as .docx bytes."""
    with rendering(f"{content.unit}的考评情况反馈单"):
        doc = GongwenDocument(style, title=f"{content.year}年{content.month}月考评情况反馈单", author=issuer.name,
                              date=content.issued_on, draft=content.draft)
        _sheet(doc, content, issuer)
        return doc.to_bytes()


def build_feedback_sheets(contents: Sequence[FeedbackSheetContent], issuer: IssuingBody,
                          style: DocumentStyle | None = None) -> bytes:
    """All sheets in one document for printing: each unit starts on the next odd page, numbered from 1."""
    if not contents:
        problems_of([("contents", "没有需要生成反馈单的单位")])
    first = contents[0]
    with rendering(f"{first.year}年{first.month}月考评情况反馈单"):
        doc = GongwenDocument(style, title=f"{first.year}年{first.month}月考评情况反馈单", author=issuer.name,
                              date=first.issued_on, draft=any(c.draft for c in contents))
        for i, content in enumerate(contents):
            if i:
                doc.new_section(restart_numbering=True)
                # Each unit on a front page: printed double-sided, no sheet of paper carries two units.
                doc.doc.sections[-1].start_type = WD_SECTION.ODD_PAGE
            _sheet(doc, content, issuer)
        return doc.to_bytes()


def _sheet(doc: GongwenDocument, c: FeedbackSheetContent, issuer: IssuingBody) -> None:
    doc.title(f"{c.year}年{c.month}月党建工作考评情况反馈单")
    doc.recipients(c.addressee or f"{c.unit}党组（党委）")
    standing = f"在{c.unit_count}个参评单位中排第{c.rank}名，处于{c.tier}档次"
    change = "" if c.change is None else f"，较上月{_change(c.change)}"
    self_text = "" if c.self_total is None else f"（自评{score(c.self_total)}分）"
    veto = "存在一票否决事项，" if c.veto else ""
    doc.para(f"经县直机关工委复核，你单位{c.year}年{c.month}月党建工作考评得分{score(c.total)}分{self_text}，"
             f"{veto}{standing}{change}。现将得分和扣（加）分情况反馈如下：")
    rows = [[r.category.name, score(r.category.points, 0), score(r.self_score), score(r.score)]
            for r in c.categories]
    self_sum = None if c.self_total is None else score(c.self_total)
    rows.append(["合计", "", self_sum or "—", score(c.total)])
    doc.table([Column("考评类别", 66), Column("分值", 26), Column("自评得分", 32), Column("复核得分", 32)], rows,
              size=12.0)
    if c.lines:
        _detail(doc, c)
        doc.para("其余指标未扣分。")
    else:
        doc.para("本月你单位各项指标均未扣分。")
    if c.differences:
        _differences(doc, c)
    contact = f"联系人及电话：{issuer.contact}。" if issuer.contact else ""
    if c.objection_until is None:
        when = f"于收到本反馈单之日起{c.objection_days}个工作日内"
    else:  # a date the unit can read off the sheet: the working days counted on the county's calendar
        when = f"最迟于{cn_date(c.objection_until)}（本反馈单印发后{c.objection_days}个工作日内）"
    doc.para(f"如对考评结果有异议，请{when}向县直机关工委书面反映。{contact}")
    doc.signature(issuer.name, c.issued_on)


def _detail(doc: GongwenDocument, c: FeedbackSheetContent) -> None:
    """Every deduction and bonus, each 封顶调整 on its own line, and their sum: the sum is exactly what the unit
    lost (and gained) in the table above, so the sheet can be checked with a pencil."""
    counted = [line for line in c.lines if not line.cap]
    caps = len(c.lines) - len(counted)
    extra = f"，另有封顶调整{caps}项" if caps else ""
    doc.para(f"扣（加）分明细（共{len(counted)}项{extra}）如下：")
    rows: list[list[str]] = []
    number = 0
    for line in c.lines:
        if not line.cap:
            number += 1
        rows.append([str(number) if not line.cap else "", f"{line.indicator}\n（{line.category}）",
                     signed(line.points), line.reason + (f"（佐证：{line.evidence}）" if line.evidence else "")])
    bonus_names = {r.category.name for r in c.categories if r.category.bonus}
    lost = -sum((x.points for x in c.lines if x.category not in bonus_names), Decimal(0))
    gained = sum((x.points for x in c.lines if x.category in bonus_names), Decimal(0))
    summary = f"扣分合计{score(lost)}分" + (f"，加分合计{score(gained)}分" if gained else "")
    rows.append(["", "合计", signed(gained - lost), summary])
    doc.table([Column("序号", 12), Column("考评指标", 52, left=True), Column("扣（加）分", 22),
               Column("原因", 70, left=True)], rows, size=10.5)


def _differences(doc: GongwenDocument, c: FeedbackSheetContent) -> None:
    """The indicators where the unit's 自评 and the 复核 differ, each with the reason for the 复核 score."""
    doc.para(f"你单位自评与复核得分不一致的指标（共{len(c.differences)}项）及复核意见如下：")
    rows = [[str(i), f"{d.indicator}\n（{d.category}）", score(d.self_score), score(d.review_score),
             d.reason + (f"（单位说明：{d.self_note}）" if d.self_note else "")]
            for i, d in enumerate(c.differences, start=1)]
    doc.table([Column("序号", 12), Column("考评指标", 50, left=True), Column("自评得分", 20), Column("复核得分", 20),
               Column("复核意见", 54, left=True)], rows, size=10.5)


def _change(diff: Decimal) -> str:
    if Decimal(score(diff)) == 0:
        return "持平"
    return f"{'上升' if diff > 0 else '下降'}{score(abs(diff))}分"
