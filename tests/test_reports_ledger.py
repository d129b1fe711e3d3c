"""The county 整改台账 prints compactly: one row per item, dates that do not break, the unit named once above its
items, the overdue counted per unit when there are many (it was 71 pages for 289 items, about 4 rows a page)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from reports_samples import ISSUER, check_gongwen, open_docx, texts, warnings_of

from app.reports.rectification import (
    CELL_MARGINS_TWIPS,
    DETAIL_COLUMNS,
    DETAIL_PT,
    LedgerContent,
    LedgerItem,
    build_ledger,
    dot_date,
)

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


MM = 1440 / 25.4  # twips


def _detail_rows(data: bytes) -> tuple[list[int], list, list]:
    detail = open_docx(data).tables[-1]
    widths = [int(tc.tcPr.find(f"{W}tcW").get(f"{W}w")) for tc in detail.rows[0]._tr.tc_lst]
    rows = [r._tr for r in detail.rows[1:]]
    return widths, [r for r in rows if len(r.tc_lst) > 1], [r for r in rows if len(r.tc_lst) == 1]


def _fallback_twips(text: str, size_pt: float) -> float:
    """`text` in the widest figures a fall-back font prints (DejaVu Sans: 0.64 of a character, a point half that)."""
    return sum((0.32 if ch == "." else 0.64) * size_pt * 20 for ch in text)


def test_the_detail_fits_the_landscape_page_with_dates_on_one_line(tmp_path: Path) -> None:
    data = build_ledger(LedgerContent("全县机关", AS_OF, county_items()), ISSUER)
    # the only warnings are the checker reading the landscape detail as if it were a portrait page
    assert set(warnings_of(check_gongwen(data, tmp_path, name="ledger.docx"))) == {"footer-style", "lines-per-page", "chars-per-line"}
    widths, items, groups = _detail_rows(data)
    assert abs(sum(widths) - 225 * MM) <= 10  # the landscape 版心, all of it
    # the longest date inside its cell margins, even in a fall-back font's wider figures
    date_col = [c.header for c in DETAIL_COLUMNS].index("整改时限")
    margins = CELL_MARGINS_TWIPS["left"] + CELL_MARGINS_TWIPS["right"]
    assert _fallback_twips("2026.12.31", DETAIL_PT) <= widths[date_col] - margins
    # one row per item; above each run of a unit's items from one source, a row naming both (31 units, their
    # items from 12 monthly 约谈 in turn: each unit's items change source at every item here)
    assert len(items) == 289 and len(groups) == 289
    assert all(r.trPr.find(f"{W}cantSplit") is not None for r in items + groups)
    assert all(r.tc_lst[0].p_lst[0].pPr.find(f"{W}keepNext") is not None for r in groups)
    first = [tc.xpath("string(.)") for tc in items[0].tc_lst]
    assert first[0] == "1" and re.fullmatch(r"2026\.\d{1,2}\.\d{1,2}", first[4])
    assert "来源" not in first[1]  # the source heads the run: the problem keeps its width
    heads = [r.xpath("string(.)") for r in groups if r.xpath("string(.)").startswith("县直单位00")]
    assert heads[:2] == ["县直单位00（10项）　来源：2026年1月约谈（1项）", "县直单位00（续）　来源：2026年2月约谈（1项）"]
    style = items[0].tc_lst[1].p_lst[0].pPr.find(f"{W}pStyle").get(f"{W}val")
    assert style == "GWCellLeft9"  # 小5号: long ledgers


def test_a_unit_whose_items_share_a_source_names_it_once(tmp_path: Path) -> None:
    same = tuple(replace(item, source="2026年10月约谈") for item in county_items(62))
    _, items, groups = _detail_rows(build_ledger(LedgerContent("2026年10月约谈", AS_OF, same), ISSUER))
    heads = [r.xpath("string(.)") for r in groups]
    assert len(items) == 62 and len(heads) == len(UNITS)
    assert "县直单位00（2项）　来源：2026年10月约谈" in heads
    unsourced = tuple(replace(item, source="") for item in county_items(3))
    _, _, groups = _detail_rows(build_ledger(LedgerContent("全县机关", AS_OF, unsourced), ISSUER))
    assert sorted(r.xpath("string(.)") for r in groups) == [f"县直单位0{i}（1项）" for i in range(3)]


def test_the_detail_is_set_dense_enough_for_sixteen_items_a_page() -> None:
    """What sets the density, checked without printing (test_pages counts the printed items): the problem
    column is the widest, the cells' 小5号 lines are exactly 11 pt apart and the cells have no margin above or
    below beyond that."""
    data = build_ledger(LedgerContent("全县机关", AS_OF, county_items(20)), ISSUER)
    doc = open_docx(data)
    widths, items, _ = _detail_rows(data)
    headers = [c.header for c in DETAIL_COLUMNS]
    assert widths[headers.index("存在问题")] >= 72 * MM and max(widths) == widths[headers.index("存在问题")]
    assert widths[headers.index("进展及销号情况")] >= 54 * MM  # a 销号 date and note on two lines
    assert widths[headers.index("整改措施")] >= 44 * MM
    for style_id in ("GWCell9", "GWCellLeft9", "GWCellHead9"):
        spacing = doc.styles.element.get_by_id(style_id).pPr.find(f"{W}spacing")
        assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("220", "exact"), style_id
    size = doc.styles.element.get_by_id("GWCellLeft9").rPr.find(f"{W}sz").get(f"{W}val")
    assert size == "18"  # 9 pt: never smaller than 小5号
    margins = doc.tables[-1]._tbl.tblPr.find(f"{W}tblCellMar")
    assert {m.tag.removeprefix(W): int(m.get(f"{W}w")) for m in margins} == CELL_MARGINS_TWIPS
    assert CELL_MARGINS_TWIPS["top"] == CELL_MARGINS_TWIPS["bottom"] == 0
    assert all(r.tc_lst[1].p_lst[0].pPr.find(f"{W}spacing") is None for r in items)  # the style's, not overridden


def test_many_overdue_items_are_counted_per_unit_not_listed() -> None:
    paras = texts(open_docx(build_ledger(LedgerContent("全县机关", AS_OF, county_items()), ISSUER)))
    overdue = next(p for p in paras if p.startswith("（一）逾期事项。"))
    assert "共72项整改事项已超过时限（县直单位01" in overdue and "状态为“逾期”" in overdue
    assert not any(p.startswith("1.县直单位") for p in paras)
    few = LedgerContent("全县机关", AS_OF, county_items(8))
    assert sum(p.startswith(("1.", "2.")) for p in texts(open_docx(build_ledger(few, ISSUER)))) == 2
