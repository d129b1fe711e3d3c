"""The county 整改台账 prints compactly: one row per item, dates that do not break, the unit named once above its
items, the overdue counted per unit when there are many (it was 71 pages for 289 items, about 4 rows a page)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from reports_samples import ISSUER, check_gongwen, open_docx, texts

from app.reports.gongwen import text_twips
from app.reports.rectification import DETAIL_COLUMNS, LedgerContent, LedgerItem, build_ledger, dot_date

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AS_OF = dt.date(2026, 12, 3)
UNITS = [f"县直单位{i:02d}" for i in range(30)] + ["县市场监督管理局长岭镇市场监督管理所"]


def county_items(n: int = 289) -> tuple[LedgerItem, ...]:
    items = []
    for i in range(n):
        unit = UNITS[i % len(UNITS)]
        deadline = dt.date(2026, 1 + i % 12, 1 + i % 28)
        status = ("已销号", "逾期", "待审核", "整改中")[i % 4]
        closed = dict(closed_on=deadline - dt.timedelta(days=2), close_note="经查阅资料、现场核实，整改措施落实到位，同意销号") \
            if status == "已销号" else {}
        items.append(LedgerItem(unit, f"组织生活记录及时规范：{unit}第一党支部{deadline.month}月会议记录未及时录入（扣0.5分）",
                                "制定整改方案，明确责任人和完成时限，逐项整改到位", "李振诚", deadline, status,
                                progress="已召开党组（党委）会议研究部署，正在整改", source=f"2026年{deadline.month}月约谈",
                                **closed))  # type: ignore[arg-type]
    return tuple(items)


def test_dates_print_as_numbers_with_dots() -> None:
    assert [dot_date(d) for d in (dt.date(2026, 12, 3), dt.date(2026, 1, 31))] == ["2026.12.3", "2026.1.31"]


def test_the_detail_fits_the_landscape_page_with_dates_on_one_line(tmp_path: Path) -> None:
    data = build_ledger(LedgerContent("全县机关", AS_OF, county_items()), ISSUER)
    check_gongwen(data, tmp_path, name="ledger.docx")
    doc = open_docx(data)
    detail = doc.tables[-1]
    widths = [int(tc.tcPr.find(f"{W}tcW").get(f"{W}w")) for tc in detail.rows[0]._tr.tc_lst]
    assert sum(widths) <= 12756 + 10  # the 225 mm landscape 版心
    # the longest date, with digits as wide as a fall-back font's (0.6 of a 小5号 character), inside the cell margins
    date_col = [c.header for c in DETAIL_COLUMNS].index("整改时限")
    assert text_twips("2026.12.31", full=180, half=108) <= widths[date_col] - 2 * 57
    rows = [r._tr for r in detail.rows[1:]]
    items = [r for r in rows if len(r.tc_lst) > 1]
    units = [r for r in rows if len(r.tc_lst) == 1]
    assert len(items) == 289 and len(units) == len(UNITS)  # one row per item, one row naming each unit
    assert all(r.trPr.find(f"{W}cantSplit") is not None for r in rows)
    assert all(r.tc_lst[0].p_lst[0].pPr.find(f"{W}keepNext") is not None for r in units)
    first = [tc.xpath("string(.)") for tc in items[0].tc_lst]
    assert first[0] == "1" and re.fullmatch(r"2026\.\d{1,2}\.\d{1,2}", first[4])
    style = items[0].tc_lst[1].p_lst[0].pPr.find(f"{W}pStyle").get(f"{W}val")
    assert style == "GWCellLeft9"  # 小5号: long ledgers


def test_many_overdue_items_are_counted_per_unit_not_listed() -> None:
    paras = texts(open_docx(build_ledger(LedgerContent("全县机关", AS_OF, county_items()), ISSUER)))
    overdue = next(p for p in paras if p.startswith("（一）逾期事项。"))
    assert "共72项整改事项已超过时限（县直单位01" in overdue and "状态为“逾期”" in overdue
    assert not any(p.startswith("1.县直单位") for p in paras)
    few = LedgerContent("全县机关", AS_OF, county_items(8))
    assert sum(p.startswith(("1.", "2.")) for p in texts(open_docx(build_ledger(few, ISSUER)))) == 2
