"""月度通报: the monthly circular on the 考评 results, a 红头 document (DOMAIN.md "Documents").

一、基本情况 (scope, method, mean, spread, the trend and distribution charts), 二、考评结果 (tiers with the 先进 and
后进 units named, the tier table, the category chart, the 约谈 decision), 三、存在问题 (the month's deductions grouped
by indicator, most frequent first), 四、工作要求; the full ranking table as 附件; 署名, 成文日期; 版记 with the audit
chain head.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from app.reports import charts
from app.reports.content import (
    TIERS,
    AuditAnchor,
    Category,
    cn_number,
    join_names,
    problems_of,
    unit_name_problems,
)
from app.reports.gongwen import (
    Column,
    DocNumber,
    GongwenDocument,
    IssuingBody,
    cn_date,
    rendering,
    safe_filename,
    score,
    signed,
)
from app.reports.styles import DocumentStyle

MAX_PROBLEM_GROUPS = 8
VETO_MARK = "★"


@dataclass(frozen=True)
class RankingRow:
    """One unit's line of the month's ranking."""

    unit: str
    category_scores: tuple[Decimal, ...]  # in the order of BulletinContent.categories
    total: Decimal
    rank: int  # ties share a rank (1, 2, 2, 4)
    tier: str  # 先进 / 中间 / 后进
    change: Decimal | None = None  # total minus last month's total; None: no score last month
    veto: bool = False  # has a 一票否决 item


@dataclass(frozen=True)
class DeductionRecord:
    """One deduction of the month (复核), as the 存在问题 section counts them."""

    unit: str
    category: str
    indicator: str
    reason: str
    points: Decimal


@dataclass(frozen=True)
class ProblemGroup:
    indicator: str
    category: str
    occurrences: int
    units: tuple[str, ...]  # distinct, in order of first appearance
    points: Decimal
    reasons: tuple[str, ...]  # distinct reasons, most frequent first


@dataclass(frozen=True)
class Requirement:
    """One paragraph of 四、工作要求: a 楷体 lead sentence and the body text after it."""

    lead: str
    text: str


DEFAULT_REQUIREMENTS = (
    Requirement("压实责任抓整改。", "各单位党组（党委）要认真对照考评情况反馈单，逐条分析扣分原因，制定整改措施，明确"
                "责任人和完成时限，于收到本通报之日起15个工作日内将整改情况书面报县直机关工委。"),
    Requirement("对标对表补短板。", "被约谈单位要深刻剖析问题根源，党组（党委）书记要切实履行第一责任人职责，拿出"
                "务实管用的整改方案；中间档次单位要查漏补缺、比学赶超，推动党建工作提质进位。"),
    Requirement("常态长效促提升。", "各单位要把考评结果运用到干部工作实绩评价和评先评优中，坚持“每月一考评、每月一"
                "通报、每月一约谈”，推动形成“先进有活力、中间有动力、后进有压力”的良好局面。"),
)


@dataclass(frozen=True)
class BulletinContent:
    """Everything the monthly 通报 prints.  Totals, ranks and tiers come from the locked period as they are;
    the builder computes only summary figures (mean, spread, counts) from them."""

    year: int
    month: int
    number: DocNumber
    issued_on: dt.date  # 成文日期
    categories: tuple[Category, ...]
    rows: tuple[RankingRow, ...]
    deductions: tuple[DeductionRecord, ...]
    audit: AuditAnchor
    trend: tuple[Decimal | None, ...] = ()  # county mean of months 1..12 of the year (this month is recomputed)
    interviewees: tuple[str, ...] = ()  # units whose leaders are summoned to a 约谈
    backward_below: Decimal = Decimal("80")  # the score under which a unit is 后进 whatever its rank
    # The tier boundaries as the ranking service drew them (the distribution chart's lines): the highest 后进 total
    # and the lowest 先进 total; None: the tier is empty, or the content predates these fields (no line drawn).
    backward_highest: Decimal | None = None
    advanced_lowest: Decimal | None = None
    printed_on: dt.date | None = None  # 印发日期; default: the 成文日期
    requirements: tuple[Requirement, ...] = DEFAULT_REQUIREMENTS
    supersedes: DocNumber | None = None  # a reissue names the 通报 it replaces
    county: str = "全县"

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not 1 <= self.month <= 12:
            bad.append(("month", f"月份无效：{self.month}"))
        if not self.rows:
            bad.append(("rows", "没有任何单位的考评结果，不能生成通报"))
        if not self.categories:
            bad.append(("categories", "没有考评类别"))
        bad.extend(unit_name_problems([r.unit for r in self.rows]))
        for r in self.rows:
            if len(r.category_scores) != len(self.categories):
                bad.append(("rows", f"{r.unit}的类别得分有{len(r.category_scores)}项，考评类别有{len(self.categories)}项"))
            if r.rank < 1:
                bad.append(("rows", f"{r.unit}的名次无效：{r.rank}"))
            if r.tier not in TIERS:
                bad.append(("rows", f"{r.unit}的档次无效：{r.tier}"))
        unknown = sorted(set(self.interviewees) - {r.unit.strip() for r in self.rows})
        if unknown:
            bad.append(("interviewees", f"约谈单位不在考评结果中：{'、'.join(unknown)}"))
        if len(self.trend) > 12:
            bad.append(("trend", "月度平均分超过12个月"))
        bad.extend(self._boundary_problems())
        problems_of(bad)

    def _boundary_problems(self) -> list[tuple[str, str]]:
        """A boundary must be the extreme total of its tier, or the chart would contradict the tier table."""
        bad = []
        for name, value, tier, extreme in (("backward_highest", self.backward_highest, "后进", max),
                                           ("advanced_lowest", self.advanced_lowest, "先进", min)):
            totals = [r.total for r in self.rows if r.tier == tier]
            if value is not None and (not totals or extreme(totals) != value):
                actual = f"为{extreme(totals)}分" if totals else "无单位"
                bad.append((name, f"{tier}档次的分数界限{value}分与考评结果不符（{tier}档次{'最高' if tier == '后进' else '最低'}分"
                                  f"{actual}）"))
        return bad

    @property
    def ranked(self) -> list[RankingRow]:
        return sorted(self.rows, key=lambda r: (r.rank, r.unit))

    @property
    def mean(self) -> Decimal:
        return sum((r.total for r in self.rows), Decimal(0)) / len(self.rows)

    def tier_rows(self, tier: str) -> list[RankingRow]:
        return [r for r in self.ranked if r.tier == tier]


def bulletin_filename(content: BulletinContent) -> str:
    return safe_filename(f"{content.year}年{content.month}月机关党建工作考评情况通报（{content.number}）.docx")


def group_problems(deductions: Sequence[DeductionRecord]) -> list[ProblemGroup]:
    """The month's deductions grouped by indicator: how often, how many units, how many points; the most
    frequent first (then the most points, then by name, so the order is stable)."""
    groups: dict[tuple[str, str], list[DeductionRecord]] = defaultdict(list)
    for d in deductions:
        groups[(d.category, d.indicator)].append(d)
    out = []
    for (category, indicator), items in groups.items():
        units = tuple(dict.fromkeys(d.unit for d in items))
        reason_counts: dict[str, int] = defaultdict(int)
        for d in items:
            if d.reason.strip():
                reason_counts[d.reason.strip().rstrip("。；;")] += 1
        reasons = tuple(sorted(reason_counts, key=lambda r: (-reason_counts[r], r)))
        out.append(ProblemGroup(indicator, category, len(items), units, sum((d.points for d in items), Decimal(0)),
                                reasons))
    return sorted(out, key=lambda g: (-g.occurrences, -g.points, g.indicator))


def build_bulletin(content: BulletinContent, issuer: IssuingBody, style: DocumentStyle | None = None) -> bytes:
    """The 通报 as .docx bytes (red head, charts, ranking attachment, 版记)."""
    with rendering(f"《{content.year}年{content.month}月考评情况通报》"):
        return _Builder(content, issuer, style).build()


@dataclass
class _Builder:
    c: BulletinContent
    issuer: IssuingBody
    style: DocumentStyle | None
    doc: GongwenDocument = field(init=False)
    figures: int = 0

    @property
    def period(self) -> str:
        return f"{self.c.year}年{self.c.month}月"

    @property
    def attachment_title(self) -> str:
        return f"{self.period}全县机关党建工作考评得分排名表"

    def build(self) -> bytes:
        c = self.c
        self.doc = GongwenDocument(self.style, title=f"关于{self.period}全县机关党建工作考评情况的通报",
                                   author=self.issuer.name, date=c.issued_on)
        self.doc.redhead(self.issuer.mark_text, c.number)
        self.doc.title([f"关于{self.period}全县机关党建工作", "考评情况的通报"])
        self.doc.recipients(self.issuer.recipients)
        self.doc.para(f"为推动全面从严治党向纵深发展、压紧压实机关党建工作责任，按照“每月一考评、每月一通报、每月一约谈”"
                      f"的要求，县直机关工委对{c.county}县直单位{c.month}月份党建工作进行了考评。现将有关情况通报如下。")
        self.overview()
        self.results()
        self.problems()
        self.requirements()
        self.doc.attachment_note([self.attachment_title])
        self.doc.signature(self.issuer.name, c.issued_on)
        self.ranking_attachment()
        self.doc.imprint(cc=self.issuer.cc, printer=self.issuer.printer, printed_on=c.printed_on or c.issued_on,
                         notes=[c.audit.line()])
        return self.doc.to_bytes()

    def figure(self, png: bytes, caption: str) -> None:
        self.figures += 1
        self.doc.figure(png, f"图{self.figures}　{caption}")

    # -- 一、基本情况 ------------------------------------------------------------------------------------------

    def overview(self) -> None:
        c, d = self.c, self.doc
        d.heading1("一、基本情况")
        regular = [cat for cat in c.categories if not cat.bonus]
        full = sum((cat.points for cat in regular), Decimal(0))
        bonus = sum((cat.points for cat in c.categories if cat.bonus), Decimal(0))
        bonus_text = f"，另设加分项最高{score(bonus, 0)}分" if bonus else ""
        d.para(f"本次考评采取单位自评、县直机关工委复核的方式进行，共考评单位{len(c.rows)}个。考评内容包括"
               f"{join_names([cat.name for cat in regular])}等{len(regular)}个方面，满分{score(full, 0)}分{bonus_text}，"
               f"以复核得分为准。")
        totals = [r.total for r in c.rows]
        mean = c.mean
        best, worst = max(totals), min(totals)
        top = [r.unit for r in c.ranked if r.total == best]
        bottom = [r.unit for r in c.ranked if r.total == worst]
        spread = statistics.pstdev([float(t) for t in totals]) if len(totals) > 1 else 0.0
        above90 = sum(1 for t in totals if t >= 90)
        below = sum(1 for t in totals if t < c.backward_below)
        line = score(c.backward_below, 0)
        below_text = f"低于{line}分的单位{below}个" if below else f"没有低于{line}分的单位"
        d.para(f"{c.county}平均得分{score(mean)}分，{self._change_text(mean)}；最高分{score(best)}分"
               f"（{join_names(top, 3)}），最低分{score(worst)}分（{join_names(bottom, 3)}），相差{score(best - worst)}分，"
               f"标准差{score(Decimal(str(spread)))}分。90分以上的单位{above90}个，{below_text}。")
        trend = list(c.trend) + [None] * (12 - len(c.trend))
        trend[c.month - 1] = mean
        self.figure(charts.trend_chart(charts.TrendSeries(f"{c.county}平均分", tuple(trend)), c.month),
                    f"{c.year}年{c.county}月度平均分走势")
        self.figure(charts.distribution_chart(totals, marks=[(f"{c.county}平均分", mean)],
                                              boundaries=self._tier_boundaries()),
                    f"{self.period}各单位总分分布")

    def _tier_boundaries(self) -> list[tuple[str, Decimal]]:
        """The lines where the tiers really fell this month (not the 后进 score rule: units well above it are 后进
        by rank).  Every unit at or below the highest 后进 total is 后进; a unit at or above the lowest 先进 total
        is 先进 unless a 一票否决 kept it out, which the label then says."""
        c, out = self.c, []
        if c.backward_highest is not None:
            out.append((f"后进档（≤{score(c.backward_highest)}分）", c.backward_highest))
        if c.advanced_lowest is not None:
            low = c.advanced_lowest
            kept_out = any(r.tier != "先进" and r.total >= low for r in c.rows)
            out.append((f"先进档（≥{score(low)}分{'，一票否决单位除外' if kept_out else ''}）", low))
        return out

    def _change_text(self, mean: Decimal) -> str:
        c = self.c
        before = c.trend[c.month - 2] if c.month > 1 and len(c.trend) >= c.month - 1 else None
        if before is None:
            return "上月无可比数据"
        diff = Decimal(score(mean)) - Decimal(score(before))
        if diff == 0:
            return "与上月持平"
        return f"较上月{'上升' if diff > 0 else '下降'}{score(abs(diff))}分"

    # -- 二、考评结果 -------------------------------------------------------------------------------------------

    def results(self) -> None:
        c, d = self.c, self.doc
        d.heading1("二、考评结果")
        d.para("按照考评办法，根据复核总分排名，将各单位划分为先进、中间、后进三个档次。")
        for i, tier in enumerate(TIERS, 1):
            rows = c.tier_rows(tier)
            lead = f"（{cn_number(i)}）{tier}档次（{len(rows)}个）。"
            if not rows:
                d.heading2(lead, "本月无。")
            elif tier == "中间":
                d.heading2(lead, f"得分在{score(min(r.total for r in rows))}分至{score(max(r.total for r in rows))}"
                                 f"分之间，名单详见附件。")
            else:
                d.heading2(lead, f"{join_names([r.unit for r in rows])}（按名次排列）。")
        vetoed = [r.unit for r in c.ranked if r.veto]
        if vetoed:
            d.para(f"其中，{join_names(vetoed)}存在一票否决事项，不参与评先评优。")
        d.table([Column("档次", 22), Column("单位数", 22), Column("占比", 24), Column("分数区间", 48),
                 Column("平均分", 28)], self._tier_table())
        cats = [charts.CategoryAverage(cat.name, cat.points, self._category_mean(i))
                for i, cat in enumerate(c.categories) if not cat.bonus]
        self.figure(charts.category_chart(cats), f"{self.period}各考评类别平均得分率")
        if c.interviewees:
            d.para(f"根据考评办法，县直机关工委将对{join_names(list(c.interviewees))}{len(c.interviewees)}个单位"
                   f"党组（党委）主要负责同志进行约谈，督促其限期整改。")

    def _tier_table(self) -> list[list[str]]:
        out = []
        for tier in TIERS:
            rows = self.c.tier_rows(tier)
            share = Decimal(len(rows) * 100) / len(self.c.rows)
            if rows:
                low, high = min(r.total for r in rows), max(r.total for r in rows)
                avg = sum((r.total for r in rows), Decimal(0)) / len(rows)
                out.append([tier, str(len(rows)), f"{score(share)}%", f"{score(low)}—{score(high)}", score(avg)])
            else:
                out.append([tier, "0", "0.0%", "—", "—"])
        return out

    def _category_mean(self, index: int) -> Decimal:
        return sum((r.category_scores[index] for r in self.c.rows), Decimal(0)) / len(self.c.rows)

    # -- 三、存在问题 -------------------------------------------------------------------------------------------

    def problems(self) -> None:
        c, d = self.c, self.doc
        d.heading1("三、存在问题")
        groups = group_problems(c.deductions)
        if not groups:
            d.para("本月复核中各单位均未出现扣分情形。")
            return
        units = len({x.unit for x in c.deductions})
        d.para(f"从复核情况看，本月共有{units}个单位被扣分，累计扣分{len(c.deductions)}次、"
               f"{score(sum((x.points for x in c.deductions), Decimal(0)))}分。按出现次数排列，主要问题如下：")
        for i, g in enumerate(groups[:MAX_PROBLEM_GROUPS], 1):
            examples = "；".join(g.reasons[:2])
            text = (f"{len(g.units)}个单位扣分{g.occurrences}次，累计扣{score(g.points)}分，涉及"
                    f"{join_names(list(g.units), 5)}单位。")
            if examples:
                text += f"主要表现为：{examples}。"
            d.heading2(f"（{cn_number(i)}）{g.indicator.rstrip('。')}（{g.category}）。", text)
        rest = groups[MAX_PROBLEM_GROUPS:]
        if rest:
            d.para(f"此外，还有{len(rest)}类问题共扣分{sum(g.occurrences for g in rest)}次，具体情况已在各单位考评"
                   f"情况反馈单中列明。")

    # -- 四、工作要求 -------------------------------------------------------------------------------------------

    def requirements(self) -> None:
        d = self.doc
        d.heading1("四、工作要求")
        for i, req in enumerate(self.c.requirements, 1):
            d.heading2(f"（{cn_number(i)}）{req.lead}", req.text)
        if self.c.supersedes:
            d.para(f"本通报印发后，{self.c.supersedes}通报同时废止。")

    # -- 附件 ---------------------------------------------------------------------------------------------------

    def ranking_attachment(self) -> None:
        c, d = self.c, self.doc
        d.attachment("附件", self.attachment_title, landscape=True)
        fixed = {"序号": 10.0, "单位": 46.0, "总分": 15.0, "名次": 12.0, "环比": 14.0, "档次": 12.0}
        each = min(24.0, (225 - sum(fixed.values())) / len(c.categories))
        columns = [Column("序号", fixed["序号"]), Column("单位", fixed["单位"], left=True)]
        columns += [Column(f"{cat.name}\n（{score(cat.points, 0)}分）", each) for cat in c.categories]
        columns += [Column(h, fixed[h]) for h in ("总分", "名次", "环比", "档次")]
        rows = []
        for i, r in enumerate(c.ranked, 1):
            rows.append([str(i), r.unit + (VETO_MARK if r.veto else "")]
                        + [score(s) for s in r.category_scores]
                        + [score(r.total), str(r.rank), signed(r.change), r.tier])
        note = "说明：名次相同的单位按名称排列；环比为本月总分与上月总分之差，“—”表示上月无得分"
        if any(r.veto for r in c.rows):
            note += f"；标注“{VETO_MARK}”的单位存在一票否决事项"
        d.para(note + "。")  # above the table: after it, it could be left alone on a last page
        d.table(columns, rows, size=10.5)


__all__ = [
    "BulletinContent",
    "Category",
    "DeductionRecord",
    "ProblemGroup",
    "RankingRow",
    "Requirement",
    "build_bulletin",
    "bulletin_filename",
    "cn_date",
    "group_problems",
]
