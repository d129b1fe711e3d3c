"""季度分级量化考核通报: the quarterly circular, a 红头 document from the same engine as the month's.

一、基本情况 (scope, method, mean and spread, the county's monthly trend with the quarter's months), 二、考核结果
(the grade table, the 好 units named, 一般 and 差 units named, veto caps and the quota explained), 三、工作要求; the
full result table (three months, quarter score, rank, grade, previous quarter's grade) as 附件; 署名, 成文日期;
版记 with the audit chain head.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from app.reports import charts
from app.reports.content import AuditAnchor, cn_number, join_names, problems_of, unit_name_problems
from app.reports.gongwen import (
    Column,
    DocNumber,
    GongwenDocument,
    IssuingBody,
    rendering,
    safe_filename,
    score,
)
from app.reports.styles import DocumentStyle

GRADES = ("好", "较好", "一般", "差")
VETO_MARK = "★"
QUARTER_NAMES = ("一", "二", "三", "四")


@dataclass(frozen=True)
class QuarterRow:
    unit: str
    months: tuple[Decimal | None, ...]  # the quarter's three monthly totals (None: no sheet that month)
    score: Decimal
    rank: int
    grade: str  # 好 / 较好 / 一般 / 差
    veto: bool = False
    note: str = ""  # why the grade is below what the score gives (veto cap, quota)
    previous_grade: str | None = None  # last quarter's grade


@dataclass(frozen=True)
class QuarterBulletinContent:
    year: int
    quarter: int
    number: DocNumber
    issued_on: dt.date
    rows: tuple[QuarterRow, ...]
    audit: AuditAnchor
    trend: tuple[Decimal | None, ...] = ()  # county mean of months 1.. (locked); plotted up to the quarter's end
    method: str = "季度内各月复核得分的平均分"
    good: Decimal = Decimal(90)
    fair: Decimal = Decimal(80)
    average: Decimal = Decimal(60)
    good_quota_percent: int = 0
    veto_cap: bool = True
    printed_on: dt.date | None = None
    supersedes: DocNumber | None = None
    county: str = "全县"

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not 1 <= self.quarter <= 4:
            bad.append(("quarter", f"季度无效：{self.quarter}"))
        if not self.rows:
            bad.append(("rows", "没有任何单位的季度考核结果，不能生成通报"))
        bad.extend(unit_name_problems([r.unit for r in self.rows]))
        for r in self.rows:
            if r.grade not in GRADES:
                bad.append(("rows", f"{r.unit}的等次无效：{r.grade}"))
            if len(r.months) != 3:
                bad.append(("rows", f"{r.unit}的月度得分应为3个月"))
        if len(self.trend) > 12:
            bad.append(("trend", "月度平均分超过12个月"))
        problems_of(bad)

    @property
    def title_period(self) -> str:
        return f"{self.year}年第{QUARTER_NAMES[self.quarter - 1]}季度"

    @property
    def ranked(self) -> list[QuarterRow]:
        return sorted(self.rows, key=lambda r: (r.rank, r.unit))

    @property
    def mean(self) -> Decimal:
        return sum((r.score for r in self.rows), Decimal(0)) / len(self.rows)

    def of_grade(self, grade: str) -> list[QuarterRow]:
        return [r for r in self.ranked if r.grade == grade]

    @property
    def last_month(self) -> int:
        return 3 * self.quarter


def quarter_bulletin_title(c: QuarterBulletinContent) -> str:
    return f"关于{c.title_period}全县机关党建工作分级量化考核情况的通报"


def quarter_bulletin_filename(c: QuarterBulletinContent) -> str:
    return safe_filename(f"{c.year}年第{c.quarter}季度机关党建工作分级量化考核情况通报（{c.number}）.docx")


def build_quarter_bulletin(content: QuarterBulletinContent, issuer: IssuingBody,
                           style: DocumentStyle | None = None) -> bytes:
    with rendering(f"《{content.title_period}分级量化考核情况通报》"):
        return _Builder(content, issuer, style).build()


@dataclass
class _Builder:
    c: QuarterBulletinContent
    issuer: IssuingBody
    style: DocumentStyle | None
    doc: GongwenDocument = field(init=False)

    @property
    def attachment_title(self) -> str:
        # Short enough for the 附件说明 to stay on one line.
        return f"{self.c.title_period}各单位分级量化考核结果表"

    def build(self) -> bytes:
        c = self.c
        self.doc = GongwenDocument(self.style, title=quarter_bulletin_title(c), author=self.issuer.name,
                                   date=c.issued_on)
        self.doc.redhead(self.issuer.mark_text, c.number)
        self.doc.title([f"关于{c.title_period}全县机关党建工作", "分级量化考核情况的通报"])
        self.doc.recipients(self.issuer.recipients)
        self.doc.para(f"按照“每个季度对各部门各单位党建责任落实情况进行分级量化考核”的要求，县直机关工委依据月度考评结果，"
                      f"对{c.county}县直单位{c.title_period}党建工作进行了分级量化考核。现将有关情况通报如下。")
        self.overview()
        self.results()
        self.requirements()
        self.doc.attachment_note([self.attachment_title])
        self.doc.signature(self.issuer.name, c.issued_on)
        self.table()
        self.doc.imprint(cc=self.issuer.cc, printer=self.issuer.printer, printed_on=c.printed_on or c.issued_on,
                         notes=[c.audit.line()])
        return self.doc.to_bytes()

    def overview(self) -> None:
        c, d = self.c, self.doc
        d.heading1("一、基本情况")
        d.para(f"本次考核共涉及单位{len(c.rows)}个。季度得分取{c.method}，按得分分为好（{score(c.good, 0)}分及以上）、"
               f"较好（{score(c.fair, 0)}分至{score(c.good - Decimal('0.1'))}分）、一般（{score(c.average, 0)}分至"
               f"{score(c.fair - Decimal('0.1'))}分）、差（{score(c.average, 0)}分以下）四个等次。" + self._rules_text())
        scores = [r.score for r in c.rows]
        best, worst = max(scores), min(scores)
        spread = statistics.pstdev([float(x) for x in scores]) if len(scores) > 1 else 0.0
        d.para(f"{c.county}季度平均得分{score(c.mean)}分；最高分{score(best)}分（"
               f"{join_names([r.unit for r in c.ranked if r.score == best], 3)}），最低分{score(worst)}分（"
               f"{join_names([r.unit for r in c.ranked if r.score == worst], 3)}），标准差{score(Decimal(str(spread)))}分。")
        # Months after the quarter are never plotted, whatever the content holds: the chart is of the quarter.
        shown = list(c.trend[:c.last_month])
        trend = shown + [None] * (12 - len(shown))
        if trend[c.last_month - 1] is not None:
            # No 本月 ring: a quarter's 通报 speaks of three months, not of its last one.
            png = charts.trend_chart(charts.TrendSeries(f"{c.county}月度平均分", tuple(trend)), c.last_month,
                                     mark_month=False, title=f"{c.title_period}（{c.last_month - 2}—{c.last_month}月）及此前各月走势")
            d.figure(png, f"图1　{c.year}年{c.county}月度平均分走势")

    def _rules_text(self) -> str:
        c = self.c
        parts = []
        if c.veto_cap:
            parts.append("存在一票否决事项的单位最高评为较好")
        if c.good_quota_percent:
            parts.append(f"“好”等次单位不超过参评单位的{c.good_quota_percent}%，同分单位同等对待")
        return ("；".join(parts) + "。") if parts else ""

    def results(self) -> None:
        c, d = self.c, self.doc
        d.heading1("二、考核结果")
        counts = {g: len(c.of_grade(g)) for g in GRADES}
        d.para("经考核，" + "，".join(f"{g}等次{n}个" for g, n in counts.items()) + "。")
        d.table([Column("等次", 22), Column("单位数", 22), Column("占比", 24), Column("得分区间", 48),
                 Column("平均分", 28)], self._grade_table())
        for i, grade in enumerate(GRADES, 1):
            rows = c.of_grade(grade)
            lead = f"（{cn_number(i)}）{grade}等次（{len(rows)}个）。"
            if not rows:
                d.heading2(lead, "本季度无。")
            elif grade == "较好" and len(rows) > 20:
                d.heading2(lead, "名单详见附件。")
            else:
                d.heading2(lead, f"{join_names([r.unit for r in rows])}（按名次排列）。")
        # Units sharing a reason are named together: "县甲、县乙等12个单位超出……" rather than one clause each.
        by_note: dict[str, list[str]] = {}
        for r in c.ranked:
            if r.note:
                by_note.setdefault(r.note, []).append(r.unit)
        if by_note:
            clauses = [f"{join_names(units, 10)}{'' if len(units) == 1 else f'{len(units)}个单位'}{note}"
                       for note, units in by_note.items()]
            d.para("需要说明的是：" + "；".join(clauses) + "。")
        weak = [r.unit for r in c.ranked if r.grade in ("一般", "差")]
        if weak:
            d.para(f"对{join_names(weak, 10)}{len(weak)}个考核等次为一般、差的单位，县直机关工委将督促其深入剖析原因，"
                   f"限期整改，整改情况纳入年终述职评议考核。")

    def _grade_table(self) -> list[list[str]]:
        out = []
        for grade in GRADES:
            rows = self.c.of_grade(grade)
            share = Decimal(len(rows) * 100) / len(self.c.rows)
            if rows:
                low, high = min(r.score for r in rows), max(r.score for r in rows)
                avg = sum((r.score for r in rows), Decimal(0)) / len(rows)
                out.append([grade, str(len(rows)), f"{score(share)}%", f"{score(low)}—{score(high)}", score(avg)])
            else:
                out.append([grade, "0", "0.0%", "—", "—"])
        return out

    def requirements(self) -> None:
        d = self.doc
        d.heading1("三、工作要求")
        d.heading2("（一）正视差距抓整改。", "各单位党组（党委）要对照考核结果和月度考评情况反馈单，逐项查找党建责任落实中的"
                   "薄弱环节，明确整改措施和完成时限，确保问题按期清零。")
        d.heading2("（二）压实责任强基础。", "党组（党委）书记要切实履行第一责任人职责，班子成员要落实“一岗双责”，推动"
                   "“三会一课”、主题党日等制度常态化落实。")
        d.heading2("（三）强化运用促提升。", "季度考核结果作为年终党建述职评议考核和评选“党建工作优秀单位”的重要依据，"
                   "推动形成“先进有活力、中间有动力、后进有压力”的良好局面。")
        if self.c.supersedes:
            d.para(f"本通报印发后，{self.c.supersedes}通报同时废止。")

    def table(self) -> None:
        c, d = self.c, self.doc
        d.attachment("附件", self.attachment_title, landscape=True)
        first = c.last_month - 2
        columns = [Column("序号", 12), Column("单位", 62, left=True)]
        columns += [Column(f"{m}月得分", 20) for m in range(first, first + 3)]
        columns += [Column("季度得分", 20), Column("名次", 14), Column("等次", 14), Column("上季度等次", 20),
                    Column("备注", 23, left=True)]
        rows = []
        for i, r in enumerate(c.ranked, 1):
            note = "一票否决" if r.veto else ""
            if r.note and not r.veto:
                note = "名额限制"
            rows.append([str(i), r.unit + (VETO_MARK if r.veto else "")] + [score(m) for m in r.months]
                        + [score(r.score), str(r.rank), r.grade, r.previous_grade or "—", note])
        text = "说明：名次相同的单位按名称排列；“—”表示该月无考评结果或上季度无考核结果"
        if any(r.veto for r in c.rows):
            text += f"；标注“{VETO_MARK}”的单位存在一票否决事项"
        d.para(text + "。")
        d.table(columns, rows, size=10.5)
