"""整改台账: every problem with its measure, 责任人, deadline and status, printable.

The first page sums up (counts by status, the overdue items named, counts per unit); the detail follows on
landscape pages, one row per item, the header repeated on each page.  The detail is set compactly (小5号 on exact
11 pt lines, dates as 2026.12.3, the unit and the source once above the run of rows they share, widths that keep
most rows to two lines) so that a county's few hundred items print at about sixteen a page with a real Chinese
font (test_pages counts them), rather than four.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from docx.oxml.ns import qn
from docx.oxml.table import CT_Row

from app.dates import dot_date
from app.reports import styles as S
from app.reports.content import cn_number, join_names, problems_of
from app.reports.gongwen import Column, GongwenDocument, IssuingBody, cn_date, rendering, safe_filename
from app.reports.ooxml import PPR_ORDER, TBLPR_ORDER, TCPR_ORDER, child
from app.reports.styles import DocumentStyle

STATUSES = ("未整改", "整改中", "待审核", "已销号", "逾期")
OVERDUE_LISTED = 10  # more overdue items than this are counted per unit, not listed one by one
DETAIL_PT = 9.0  # 小5号, on exact 11 pt lines (styles.TABLE_EXACT_LINES)
# Widths for the 225 mm landscape 版心, in 小5号 characters of 3.18 mm plus 1.2 mm of cell margins: a name or a
# status three characters, a date "2026.12.30" ten digits wide even in a fall-back font's wider figures (0.64 of a
# character); the problem, the measure and the progress share the rest in the proportions of their usual lengths
# (about 38, 25 and 32 characters) so that most rows take two lines.  The source is not a column: it heads the
# items that share it, with the unit.
DETAIL_COLUMNS = (Column("序号", 8), Column("存在问题", 74, left=True), Column("整改措施", 46, left=True),
                  Column("责任人", 11), Column("整改时限", 19.5), Column("状态", 11),
                  Column("进展及销号情况", 55.5, left=True))
CELL_MARGINS_TWIPS = {"top": 0, "left": 34, "bottom": 0, "right": 34}  # the 11 pt line leaves 1 pt above and below
CLOSED = "已销号"
OVERDUE = "逾期"


@dataclass(frozen=True)
class LedgerItem:
    unit: str
    problem: str
    measure: str
    owner: str  # 责任人
    deadline: dt.date
    status: str  # 未整改 / 整改中 / 待审核 / 已销号 / 逾期 (逾期 as computed on `LedgerContent.as_of`)
    closed_on: dt.date | None = None
    close_note: str = ""  # 销号说明
    progress: str = ""  # 整改情况 as last reported
    source: str = ""  # where the problem came from, e.g. 2026年10月约谈


@dataclass(frozen=True)
class LedgerContent:
    scope: str  # what the ledger covers, e.g. "2026年10月约谈" or "2026年度"
    as_of: dt.date
    items: tuple[LedgerItem, ...]

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.scope.strip():
            bad.append(("scope", "台账范围不能为空"))
        for i, item in enumerate(self.items, 1):
            where = f"第{i}项（{item.unit}）"
            if item.status not in STATUSES:
                bad.append(("status", f"{where}的状态无效：{item.status}"))
            if not item.unit.strip() or not item.problem.strip():
                bad.append(("problem", f"{where}缺少单位或问题"))
            if item.status == CLOSED and (item.closed_on is None or not item.close_note.strip()):
                bad.append(("note", f"{where}已销号，但缺少销号日期或销号说明"))
        problems_of(bad)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


def ledger_filename(content: LedgerContent) -> str:
    return safe_filename(f"{content.scope}整改台账（截至{cn_date(content.as_of)}）.docx")


def build_ledger(content: LedgerContent, issuer: IssuingBody, style: DocumentStyle | None = None) -> bytes:
    with rendering(f"《{content.scope}整改台账》"):
        c = content
        doc = GongwenDocument(style, title=f"{c.scope}整改台账", author=issuer.name, date=c.as_of)
        doc.title([f"{c.scope}整改台账"])
        doc.blank()
        _summary(doc, c)
        # The 工委 keeps the ledger: its name and the day the figures stand at close the summary (署名, 成文日期).
        doc.signature(issuer.name, c.as_of)
        if c.items:
            _detail(doc, c)
        return doc.to_bytes()


def _summary(doc: GongwenDocument, c: LedgerContent) -> None:
    units = list(dict.fromkeys(item.unit for item in c.items))
    if not c.items:
        doc.para(f"截至{cn_date(c.as_of)}，{c.scope}无整改事项。")
        return
    counts = "，".join(f"{s}{c.count(s)}项" for s in (CLOSED, "待审核", "整改中", "未整改", OVERDUE))
    doc.para(f"截至{cn_date(c.as_of)}，{c.scope}共有整改事项{len(c.items)}项，涉及{len(units)}个单位。其中{counts}。"
             f"销号率{len([i for i in c.items if i.status == CLOSED]) * 100 / len(c.items):.1f}%。")
    overdue = [item for item in c.items if item.status == OVERDUE]
    if overdue:
        by_unit: dict[str, int] = Counter(item.unit for item in overdue)
        if len(overdue) > OVERDUE_LISTED:  # each is in the detail, marked 逾期; here, who has how many
            counts = "、".join(f"{unit}{n}项" for unit, n in by_unit.items())
            doc.heading2("（一）逾期事项。", f"共{len(overdue)}项整改事项已超过时限（{counts}），明细见后附"
                                              f"整改事项明细中状态为“逾期”的各项，请相关单位立即整改到位。")
        else:
            doc.heading2("（一）逾期事项。", f"{join_names(list(by_unit))}共{len(overdue)}项整改事项已超过时限，"
                                              f"请相关单位立即整改到位：")
            for i, item in enumerate(sorted(overdue, key=lambda x: (x.deadline, x.unit)), 1):
                doc.para(f"{i}.{item.unit}：{item.problem.rstrip('。')}（时限{cn_date(item.deadline)}，"
                         f"责任人{item.owner or '未明确'}）。")
    doc.heading2(f"（{cn_number(2 if overdue else 1)}）各单位整改进度。", "")
    per_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for item in c.items:
        per_unit[item.unit][item.status] += 1
    rows = [[str(i), unit, str(sum(per_unit[unit].values()))] + [str(per_unit[unit][s]) for s in STATUSES]
            for i, unit in enumerate(units, 1)]
    doc.table([Column("序号", 12), Column("单位", 46, left=True), Column("事项", 14)]
              + [Column(s, 16.8) for s in STATUSES], rows, size=12.0)


def _detail(doc: GongwenDocument, c: LedgerContent) -> None:
    """One row per item, under a row naming its unit and its source: the unit's name and the source no longer
    take columns of their own, so the problem, the measure and the progress get the width to fit on two lines."""
    doc.attachment(None, f"{c.scope}整改事项明细", landscape=True)
    items = sorted(c.items, key=lambda x: (x.unit, x.deadline, x.problem))
    rows = []
    for i, item in enumerate(items, 1):
        # Once closed, the 销号 date and note are what the ledger records; before that, the progress reported.
        done = f"{dot_date(item.closed_on)}销号：{item.close_note.strip()}" if item.closed_on else item.progress.strip()
        rows.append([str(i), item.problem, item.measure, item.owner, dot_date(item.deadline), item.status, done])
    table = doc.table(DETAIL_COLUMNS, rows, size=DETAIL_PT)
    margins = child(table._tbl.tblPr, "tblCellMar", TBLPR_ORDER)
    for side, twips in CELL_MARGINS_TWIPS.items():
        child(margins, side, tuple(CELL_MARGINS_TWIPS), w=str(twips), type="dxa")
    body = table._tbl.tr_lst[1:]
    for first, heading in _group_headings(items).items():
        body[first].addprevious(_unit_row(body[first], heading))


def _group_headings(items: list[LedgerItem]) -> dict[int, str]:
    """The row above each run of a unit's items from one source, by the index of the run's first item:
    "县林业局（12项）　来源：2026年10月约谈（5项）", then "县林业局（续）　来源：2026年11月约谈（7项）"; the run's count
    is left out when it is the unit's whole."""
    per_unit = Counter(item.unit for item in items)
    runs: list[tuple[int, int]] = []  # (first index, length)
    for i, item in enumerate(items):
        if i and (item.unit, item.source) == (items[i - 1].unit, items[i - 1].source):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((i, 1))
    out = {}
    for first, length in runs:
        item = items[first]
        whole = length == per_unit[item.unit]
        head = f"（{per_unit[item.unit]}项）" if first == 0 or items[first - 1].unit != item.unit else "（续）"
        source = "" if whole and not item.source else f"　来源：{item.source or '未注明'}" + ("" if whole else f"（{length}项）")
        out[first] = f"{item.unit}{head}{source}"
    return out


def _unit_row(like: CT_Row, text: str) -> CT_Row:
    """A row across the table naming the unit (and the source) of the rows below it, kept with the first of them."""
    tr = copy.deepcopy(like)
    first, *rest = tr.tc_lst
    for tc in rest:
        tr.remove(tc)
    width = sum(int(child(tc.get_or_add_tcPr(), "tcW", TCPR_ORDER).get(qn("w:w"), "0")) for tc in like.tc_lst)
    tcpr = first.get_or_add_tcPr()
    child(tcpr, "tcW", TCPR_ORDER, w=str(width), type="dxa")
    child(tcpr, "gridSpan", TCPR_ORDER, val=str(len(like.tc_lst)))
    p = first.p_lst[0]
    for r in p.findall(qn("w:r")):
        p.remove(r)
    ppr = p.get_or_add_pPr()
    child(ppr, "pStyle", PPR_ORDER, val=S.STYLE_IDS[S.table_text(DETAIL_PT, header=True)])
    child(ppr, "keepNext", PPR_ORDER)
    child(ppr, "jc", PPR_ORDER, val="left")
    p.add_r().text = text
    return tr
